// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* faultline: precise, kernel-enforced faults for one cgroup. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "log.h"
#include "options.h"
#include "registry.h"

#define FL_VERSION "0.2.0"

static const struct fl_cmd top_cmds[] = {
	{ "doctor", cmd_doctor, "probe the kernel: which fault mechanisms work here" },
	{ "run", cmd_run, "run an experiment file (several faults, a steady-state probe)" },
	{ "exec", cmd_exec, "run a command with faults in place from its first instruction (CI)" },
	{ "list", cmd_list, "running experiments" },
	{ "status", cmd_status, "one experiment's counters" },
	{ "stop", cmd_stop, "stop one experiment, or --all: the kill switch" },
	{ "metrics", cmd_metrics, "serve the counters to Prometheus" },
	{ "events", cmd_events, "stream the faults being injected, as the kernel reports them" },
	{ "man", cmd_man, "print the faultline(8) manual page (troff)" },
	{ "completion", cmd_completion, "print the bash completion script" },
	{ NULL },
};

static void usage(void)
{
	const struct fl_cmd *c;

	fprintf(stderr, "Usage: faultline [--json] [-v] COMMAND [ARGS]\n\nFaults (one experiment each; "
		"'faultline KIND --help'):\n");
	for (int i = 0; fl_kinds[i]; i++)
		for (int a = 0; fl_kinds[i]->actions[a].name; a++) {
			char cmd[32];

			snprintf(cmd, sizeof(cmd), "%s %s", fl_kinds[i]->name, fl_kinds[i]->actions[a].name);
			fprintf(stderr, "  %-10s %s\n", cmd, fl_kinds[i]->actions[a].summary);
		}
	fprintf(stderr, "\nCommands:\n");
	for (c = top_cmds; c->name; c++)
		fprintf(stderr, "  %-10s %s\n", c->name, c->summary);
	fprintf(stderr,
		"\nGlobal options (anywhere on the line):\n"
		"  -j, --json     machine-readable output on stdout\n"
		"  -v, --verbose  say more; twice shows libbpf's debug log\n"
		"  -V, --version  print the version\n"
		"\nExamples:\n"
		"  faultline doctor\n"
		"  faultline net drop --unit checkout.service --probability 10%% --duration 5m\n"
		"  faultline net delay --cgroup /system.slice/db.service --delay 100ms --jitter 10ms\n"
		"  faultline run examples/flaky-dependency.yaml --unit checkout.service\n"
		"  faultline exec --net drop --probability 5%% --port 5432 -- pytest tests/integration\n"
		"  faultline stop --all\n");
}

/* Take the global flags out of argv wherever they are, up to "--". */
static int strip_globals(int argc, char **argv, bool *version)
{
	int i, n = 1;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			while (i < argc)
				argv[n++] = argv[i++];
			break;
		}
		if (!strcmp(a, "-j") || !strcmp(a, "--json"))
			fl_json = true;
		else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
			fl_verbosity++;
		else if (!strcmp(a, "-vv"))
			fl_verbosity += 2;
		else if (!strcmp(a, "-V") || !strcmp(a, "--version"))
			*version = true;
		else
			argv[n++] = argv[i];
	}
	argv[n] = NULL;
	return n;
}

int cmd_man(int argc, char **argv)
{
	fl_man_page(stdout, FL_VERSION);
	return FL_EXIT_OK;
}

int cmd_completion(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "bash")) {
		pr_warn("completion: only bash is written; try 'faultline completion bash'\n");
		return FL_EXIT_USAGE;
	}
	fl_bash_completion(stdout);
	return FL_EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct fl_fault_kind *kind;
	bool version = false;

	argc = strip_globals(argc, argv, &version);
	if (version) {
		printf("faultline %s\n", FL_VERSION);
		return FL_EXIT_OK;
	}
	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "--help")) {
		usage();
		return argc < 2 ? FL_EXIT_USAGE : FL_EXIT_OK;
	}
	fl_log_setup_libbpf();
	/*
	 * Whatever a crashed controller left (filters, qdiscs, ifbs, pins) goes
	 * before anything new starts. Not for doctor: it must work anywhere.
	 */
	if (geteuid() == 0 && strcmp(argv[1], "doctor") && strcmp(argv[1], "man") &&
	    strcmp(argv[1], "completion"))
		fl_reg_gc();
	kind = fl_kind_find(argv[1]);
	if (kind)
		return fl_cmd_fault(kind, argc - 1, argv + 1);
	return fl_dispatch(top_cmds, "faultline", argc - 1, argv + 1);
}
