// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --help, faultline(8) and bash completion, written from the same tables
 * the parser reads (fault.h, cmdline.c), so none of them can go stale.
 */
#include <stdio.h>
#include <string.h>
#include "cmdline.h"
#include "options.h"

static bool applies(const struct fl_opt *o, int action)
{
	return action < 0 || !o->actions || (o->actions & (1U << action));
}

/* "egress|ingress|both", or the metavar. */
static void metavar(const struct fl_opt *o, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	if (o->type == FL_OPT_FLAG)
		return;
	if (o->type != FL_OPT_ENUM) {
		snprintf(buf, size, "%s", o->metavar ? o->metavar : "VALUE");
		return;
	}
	for (const struct fl_opt_value *v = o->values; v->name && n < size; v++)
		n += snprintf(buf + n, size - n, "%s%s", v == o->values ? "" : "|", v->name);
}

static void usage_line(const struct fl_fault_kind *k, int a, FILE *out, bool first)
{
	const char *x = k->actions[a].exec_only;
	char mv[128];

	/* An action that acts in the processes exec starts has no target but its command. */
	fprintf(out, "%s faultline %s%s %s%s", first ? "Usage:" : "      ", x ? "exec --" : "",
		k->name, k->actions[a].name, x ? "" : " TARGET");
	for (const struct fl_opt *o = k->opts; o->name; o++)
		if ((o->required & (1U << a))) {
			metavar(o, mv, sizeof(mv));
			fprintf(out, " --%s %s", o->name, mv);
		}
	fprintf(out, " [OPTIONS]%s\n", x ? " -- CMD [ARGS...]" : "");
}

static void opt_line(FILE *out, const char *name, const char *mv, const char *help,
		     const char *def)
{
	char left[96];

	snprintf(left, sizeof(left), "--%s%s%s", name, mv && *mv ? " " : "", mv ? mv : "");
	if (strlen(left) > 30)
		fprintf(out, "  %s\n  %-30s %s", left, "", help);
	else
		fprintf(out, "  %-30s %s", left, help);
	if (def)
		fprintf(out, " (default %s)", def);
	fputc('\n', out);
}

static void common_help(FILE *out, bool fault)
{
	for (const struct fl_common_opt *c = fl_common_opts; c->name; c++)
		if (fault || !c->fault_only)
			opt_line(out, c->name, c->metavar, c->help, NULL);
	opt_line(out, "json", NULL, "machine-readable output on stdout (also -j, anywhere)", NULL);
}

/* Paragraphs folded at 78 columns, each line after `indent`; newlines kept. */
static void wrap(FILE *out, const char *text, const char *indent)
{
	const char *p = text;

	while (*p) {
		const char *eol = strchr(p, '\n'), *end = eol ? eol : p + strlen(p);
		size_t width = 78 - strlen(indent);

		while ((size_t)(end - p) > width) {
			const char *cut = p + width;

			while (cut > p && *cut != ' ')
				cut--;
			if (cut == p)
				break;
			fprintf(out, "%s%.*s\n", indent, (int)(cut - p), p);
			p = cut + 1;
		}
		fprintf(out, "%s%.*s\n", indent, (int)(end - p), p);
		p = eol ? eol + 1 : end;
	}
}

/* The family's examples, or those of one action ("faultline net delay ..."). */
static void examples(FILE *out, const struct fl_fault_kind *k, int action)
{
	char want[64], line[512];
	const char *p = k->examples;

	snprintf(want, sizeof(want), " %s %s ", k->name, action >= 0 ? k->actions[action].name : "");
	fprintf(out, "\nExamples:\n");
	while (*p) {
		size_t n = strcspn(p, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		if (action < 0 || strstr(line, want))
			fprintf(out, "  %s\n", line + strspn(line, " "));
		p += n + (p[n] == '\n');
	}
}

void fl_kind_help(const struct fl_fault_kind *k, int action, FILE *out)
{
	char mv[128];
	int a;

	for (a = 0; k->actions[a].name; a++)
		if (action < 0 || a == action)
			usage_line(k, a, out, action < 0 ? a == 0 : true);
	fputc('\n', out);
	for (a = 0; k->actions[a].name; a++)
		if (action < 0 || a == action)
			fprintf(out, "%s %s: %s\n", k->name, k->actions[a].name, k->actions[a].summary);
	if (action >= 0 && k->actions[action].exec_only)
		fprintf(out, "\nTARGET: the command faultline exec starts, and all it forks (%s)\n",
			k->actions[action].exec_only);
	else
		fprintf(out, "\nTARGET: --cgroup PATH | --pid PID | --unit NAME (descendant cgroups included)\n");
	fprintf(out, "\nOptions of %s%s%s:\n", k->name, action < 0 ? "" : " ",
		action < 0 ? "" : k->actions[action].name);
	for (const struct fl_opt *o = k->opts; o->name; o++) {
		if (!applies(o, action))
			continue;
		metavar(o, mv, sizeof(mv));
		opt_line(out, o->name, mv, o->help, o->def);
	}
	if (action >= 0 && k->actions[action].exec_only) {
		fprintf(out, "\nexec's own options: 'faultline exec --help' (a --duration in the fault's "
			"group is its own)\n");
	} else {
		fprintf(out, "\nCommon options:\n");
		common_help(out, true);
	}
	if (k->notes) {
		fputc('\n', out);
		wrap(out, k->notes, "");
	}
	if (k->examples)
		examples(out, k, action);
}

void fl_run_help(FILE *out)
{
	fprintf(out,
		"Usage: faultline run FILE [OPTIONS]\n\n"
		"Runs the experiment FILE describes (YAML: examples/ has some) with a live view,\n"
		"until its duration ends, Ctrl-C, 'faultline stop ID', or its steady-state probe\n"
		"fails too often; then detaches everything and prints a summary and the verdict.\n"
		"With steady_state's baseline, recovery and max_failure_rate, the probe checks the\n"
		"service before the faults (nothing attaches unless it is healthy), under them and\n"
		"after them. A fault's keys are its command's options without the dashes\n"
		"('faultline net drop --help').\n\nOptions:\n");
	common_help(out, false);
	fprintf(out, "\nExit: 0 passed (or stopped), 1 could not attach, 2 bad input, 3 failed: aborted\n"
		"by the steady-state probe, or a rule of the hypothesis broke (the summary says which).\n"
		"\nExamples:\n"
		"  faultline run examples/flaky-dependency.yaml\n"
		"  faultline run examples/flaky-dependency.yaml --report junit.xml\n"
		"  faultline run --detach examples/slow-database.yaml && faultline list\n");
}

/* The words of `exec --help` that the man page says too. */
static const char exec_about[] =
	"Runs CMD in a cgroup of its own, made below faultline's (or --parent's), with every "
	"fault attached and live before CMD's first instruction; whatever CMD forks is faulted "
	"too. The experiment ends when CMD exits, or at the deadline: then the faults end, CMD "
	"gets SIGTERM and, --kill-after later, SIGKILL. Then whatever CMD left running (a daemon "
	"it forked) is killed, and the cgroup removed; if faultline itself is killed, its "
	"watchdog does that.\n"
	"A fault is --KIND ACTION followed by that command's options, up to the next --KIND or "
	"'--' ('faultline KIND ACTION --help' lists them); in a fault, --duration is that "
	"fault's own. Or -f FILE: an experiment file's faults (and steady state), its target "
	"ignored. Its steady state's baseline runs before CMD starts (CMD waits, nothing "
	"attached; a failed baseline means CMD never runs), its recovery after CMD's end.\n"
	"--report FILE writes the run's report (.json, .xml JUnit, .html) with a testcase for "
	"CMD's exit; --seed N replays the draws of an earlier run.";
static const char exec_io[] =
	"stdin, stdout and stderr are CMD's: faultline writes nothing to stdout, and to stderr "
	"a line when the faults are live and a summary at the end (with --json, the summary "
	"as JSON). SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to faultline are passed on to CMD, "
	"and faultline waits for it (a terminal's Ctrl-C reaches CMD by itself, once).";
static const char exec_exit[] =
	"CMD's own status (128+N when signal N killed it), whatever the hypothesis' verdict; "
	"124 the run ended before CMD did (the deadline, stop --all, a steady-state probe that "
	"failed, a failed baseline: then CMD never started); 125 faultline failed (bad input, a "
	"fault that cannot attach, a --report it cannot write) and CMD never ran, or CMD "
	"exited 0 but the report could not be written; 126 CMD cannot be run; 127 CMD not "
	"found. The verdict (a failed recovery or max_failure_rate) is in the summary and the "
	"report: a JUnit report fails its testcase.";

static bool exec_replaces(const char *name)
{
	for (const struct fl_common_opt *c = fl_exec_opts; c->name; c++)
		if (!strcmp(c->name, name))
			return true;
	return false;
}

void fl_exec_help(FILE *out)
{
	char mv[128];

	fprintf(out, "Usage: faultline exec [OPTIONS] --KIND ACTION [OPTIONS]... -- CMD [ARGS...]\n"
		"       faultline exec [OPTIONS] -f FILE -- CMD [ARGS...]\n\n");
	wrap(out, exec_about, "");
	fprintf(out, "\nFaults:\n");
	for (int i = 0; fl_kinds[i]; i++) {
		size_t n = 0;

		mv[0] = '\0';
		for (int a = 0; fl_kinds[i]->actions[a].name && n < sizeof(mv); a++)
			n += snprintf(mv + n, sizeof(mv) - n, "%s%s", a ? "|" : "",
				      fl_kinds[i]->actions[a].name);
		opt_line(out, fl_kinds[i]->name, mv, fl_kinds[i]->summary, NULL);
	}
	fprintf(out, "\nOptions:\n");
	for (const struct fl_common_opt *c = fl_exec_opts; c->name; c++)
		opt_line(out, c->name, c->metavar, c->help, NULL);
	for (const struct fl_common_opt *c = fl_common_opts; c->name; c++)
		if (!c->not_exec && !exec_replaces(c->name))
			opt_line(out, c->name, c->metavar, c->help, NULL);
	opt_line(out, "json", NULL, "the summary as JSON, on stderr (also -j, anywhere)", NULL);
	fputc('\n', out);
	wrap(out, exec_io, "");
	fprintf(out, "\nExit:\n");
	wrap(out, exec_exit, "  ");
	fprintf(out, "\nExamples:\n"
		"  faultline exec --net drop --probability 5%% --port 5432 -- pytest tests/integration\n"
		"  faultline exec --sys fail --call connect --errno ECONNREFUSED --probability 10%% \\\n"
		"                 --net delay --delay 50ms -- ./e2e.sh\n"
		"  faultline exec -f examples/flaky-dependency.yaml --duration 20m -- make check\n"
		"  faultline exec --report junit.xml --seed 7 --sys fail --call connect -- ./e2e.sh\n");
}

/* ------------------------------------------------------------- man page */

/* troff wants leading dots and backslashes escaped, and '-' as \-. */
static void roff(FILE *out, const char *s)
{
	bool bol = true;

	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", out);
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
		bol = *s == '\n';
	}
}

static void man_opt(FILE *out, const char *name, const char *mv, const char *help, const char *def)
{
	fputs(".TP\n.B \\-\\-", out);
	roff(out, name);
	if (mv && *mv) {
		fputs(" \" \" ", out);
		fputs("\n.I ", out);
		roff(out, mv);
	}
	fputc('\n', out);
	roff(out, help);
	if (def) {
		fputs(" (default ", out);
		roff(out, def);
		fputc(')', out);
	}
	fputc('\n', out);
}

static void man_kind(FILE *out, const struct fl_fault_kind *k)
{
	char mv[128];

	for (int a = 0; k->actions[a].name; a++) {
		fprintf(out, ".SS \"%s %s\"\n", k->name, k->actions[a].name);
		roff(out, k->actions[a].summary);
		fputs(".\n", out);
		for (const struct fl_opt *o = k->opts; o->name; o++) {
			if (!applies(o, a))
				continue;
			metavar(o, mv, sizeof(mv));
			man_opt(out, o->name, mv, o->help, o->def);
		}
	}
	if (k->notes) {
		fputs(".PP\n", out);
		roff(out, k->notes);
		fputc('\n', out);	/* the next request (.SS, .SH) must start a line */
	}
}

void fl_man_page(FILE *out, const char *version)
{
	fprintf(out, ".TH FAULTLINE 8 \"\" \"faultline %s\" \"System Administration\"\n"
		".SH NAME\nfaultline \\- precise, kernel\\-enforced faults for one cgroup\n"
		".SH SYNOPSIS\n", version);
	for (int i = 0; fl_kinds[i]; i++)
		for (int a = 0; fl_kinds[i]->actions[a].name; a++)
			if (!fl_kinds[i]->actions[a].exec_only)	/* under exec's line below */
				fprintf(out, ".B faultline %s %s\nTARGET [OPTIONS]\n.br\n", fl_kinds[i]->name,
					fl_kinds[i]->actions[a].name);
	fputs(".B faultline exec\n[OPTIONS] [\\-\\-KIND ACTION [OPTIONS]]... | \\-f FILE \\-\\- CMD [ARGS...]\n.br\n"
	      ".B faultline run\nFILE [OPTIONS]\n.br\n"
	      ".B faultline\nlist | status ID | stop ID | stop \\-\\-all | events | metrics | doctor\n"
	      ".SH DESCRIPTION\n"
	      "faultline injects faults into the processes of one cgroup and their descendants, and "
	      "nothing else, with BPF programs whose deadline the kernel enforces. Every command "
	      "runs an experiment; one command (\\fBstop \\-\\-all\\fR) halts every fault on the host.\n"
	      ".SH FAULTS\n", out);
	for (int i = 0; fl_kinds[i]; i++)
		man_kind(out, fl_kinds[i]);
	fputs(".SH COMMON OPTIONS\n", out);
	for (const struct fl_common_opt *c = fl_common_opts; c->name; c++)
		man_opt(out, c->name, c->metavar, c->help, NULL);
	man_opt(out, "json", NULL, "machine-readable output on stdout, in the schema of "
		"doc/faultline.schema.json", NULL);
	fputs(".SH EXEC\n", out);
	roff(out, exec_about);
	fputs("\n.PP\n", out);
	roff(out, exec_io);
	fputc('\n', out);
	for (const struct fl_common_opt *c = fl_exec_opts; c->name; c++)
		man_opt(out, c->name, c->metavar, c->help, NULL);
	fputs(".PP\nExit status of exec: ", out);
	roff(out, exec_exit);
	fputc('\n', out);
	fputs(".SH EXPERIMENT FILES\n"
	      "\\fBfaultline run FILE\\fR reads YAML: name, target (cgroup, pid or unit), duration, "
	      "faults (a list of \\fIKIND\\fR: mappings whose keys are the options above without the "
	      "dashes, and action) and an optional steady_state probe (http or command, interval, "
	      "timeout, failures) with its hypothesis (baseline, recovery, max_failure_rate).\n"
	      ".SH EXIT STATUS\n0 done (passed, or stopped); 1 the kernel or host refused; 2 bad input, "
	      "nothing was changed; 3 an experiment aborted by its steady\\-state probe or failed its "
	      "hypothesis.\n"
	      ".SH FILES\n/run/faultline (records), /sys/fs/bpf/faultline (pins and the kill switch)\n"
	      ".SH SEE ALSO\n.BR bpftool (8),\n.BR tc (8)\n", out);
}

/* ------------------------------------------------------------ completion */

static void words_of(FILE *out, const struct fl_fault_kind *k, int a)
{
	for (const struct fl_opt *o = k->opts; o->name; o++)
		if (applies(o, a))
			fprintf(out, " --%s", o->name);
	for (const struct fl_common_opt *c = fl_common_opts; c->name; c++)
		fprintf(out, " --%s", c->name);
	fprintf(out, " --json");
}

static void values_of(FILE *out)
{
	fputs("    case $prev in\n", out);
	for (int i = 0; fl_kinds[i]; i++)
		for (const struct fl_opt *o = fl_kinds[i]->opts; o->name; o++) {
			if (o->type != FL_OPT_ENUM)
				continue;
			fprintf(out, "    --%s) COMPREPLY=($(compgen -W \"", o->name);
			for (const struct fl_opt_value *v = o->values; v->name; v++)
				fprintf(out, "%s%s", v == o->values ? "" : " ", v->name);
			fputs("\" -- \"$cur\")); return;;\n", out);
		}
	fputs("    --cgroup) COMPREPLY=($(compgen -d -- \"$cur\")); return;;\n"
	      "    --pid|--unit|--duration|--max-duration) return;;\n    esac\n", out);
}

void fl_bash_completion(FILE *out)
{
	fputs("# bash completion for faultline, written by `faultline completion bash`\n"
	      "_faultline() {\n    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n", out);
	values_of(out);
	fputs("    case \"${COMP_WORDS[1]} ${COMP_WORDS[2]}\" in\n", out);
	for (int i = 0; fl_kinds[i]; i++)
		for (int a = 0; fl_kinds[i]->actions[a].name; a++) {
			fprintf(out, "    \"%s %s\") COMPREPLY=($(compgen -W \"", fl_kinds[i]->name,
				fl_kinds[i]->actions[a].name);
			words_of(out, fl_kinds[i], a);
			fputs("\" -- \"$cur\")); return;;\n", out);
		}
	fputs("    esac\n    case ${COMP_WORDS[1]} in\n", out);
	for (int i = 0; fl_kinds[i]; i++) {
		fprintf(out, "    %s) [ \"$COMP_CWORD\" -eq 2 ] && COMPREPLY=($(compgen -W \"", fl_kinds[i]->name);
		for (int a = 0; fl_kinds[i]->actions[a].name; a++)
			fprintf(out, "%s%s", a ? " " : "", fl_kinds[i]->actions[a].name);
		fputs(" help\" -- \"$cur\")); return;;\n", out);
	}
	fputs("    exec) COMPREPLY=($(compgen -W \"-f --json", out);
	for (const struct fl_common_opt *c = fl_exec_opts; c->name; c++)
		fprintf(out, " --%s", c->name);
	for (const struct fl_common_opt *c = fl_common_opts; c->name; c++)
		if (!c->not_exec && !exec_replaces(c->name))
			fprintf(out, " --%s", c->name);
	for (int i = 0; fl_kinds[i]; i++)
		fprintf(out, " --%s", fl_kinds[i]->name);
	fputs("\" -- \"$cur\")); return;;\n", out);
	fputs("    run) COMPREPLY=($(compgen -f -W \"--detach --dry-run --force --max-duration"
	      " --cgroup --pid --unit --help --json\" -- \"$cur\")); return;;\n"
	      "    stop) COMPREPLY=($(compgen -W \"--all --json $(faultline list --json 2>/dev/null |"
	      " sed -n 's/.*\\\"id\\\": *\\\"\\([0-9a-f]*\\)\\\".*/\\1/p')\" -- \"$cur\")); return;;\n"
	      "    esac\n    [ \"$COMP_CWORD\" -eq 1 ] && COMPREPLY=($(compgen -W \"", out);
	for (int i = 0; fl_kinds[i]; i++)
		fprintf(out, "%s ", fl_kinds[i]->name);
	fputs("run exec list status stop events metrics doctor help completion\" -- \"$cur\"))\n}\n"
	      "complete -F _faultline faultline\n", out);
}
