// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Command lines into experiments. A family's options come from its table
 * (options.c parses them, as it does a file's keys); the options every
 * experiment shares (target, duration, --seed, --force, --dry-run, --detach) are
 * the engine's own and are read here.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cmdline.h"
#include "options.h"

enum { C_CGROUP = 1, C_PID, C_UNIT, C_DURATION, C_SEED, C_FORCE, C_DRY, C_DETACH, C_MAXDUR,
       C_REPORT, C_HELP, C_KIND = 256 };

const struct fl_common_opt fl_common_opts[] = {
	{ "cgroup", "PATH", "the target: a cgroup, absolute or below the cgroup2 mount" },
	{ "pid", "PID", "the target: this process's cgroup" },
	{ "unit", "NAME", "the target: a systemd unit's cgroup" },
	{ "duration", "D", "how long the fault lasts (default 60s); the kernel holds the deadline", true },
	{ "seed", "N", "the draws' seed: the same N replays the same faults (default: drawn; summaries name it)" },
	{ "force", NULL, "accept what a rail refuses: the root cgroup, faultline's own, a qdisc not ours" },
	{ "dry-run", NULL, "check everything and show what would attach where; attach nothing" },
	{ "detach", NULL, "run in the background; print the experiment's id last on stdout" },
	{ "max-duration", "D", "the cap on durations (default 1h, or $FAULTLINE_MAX_DURATION)" },
	{ "report", "FILE", "at the end, whatever the end, write what happened and the verdict: "
	  "FILE.json, FILE.xml (JUnit) or FILE.html (a page with the timeline)" },
	{ "help", NULL, "this text" },
	{ NULL },
};

static const int common_vals[] = { C_CGROUP, C_PID, C_UNIT, C_DURATION, C_SEED, C_FORCE, C_DRY,
				   C_DETACH, C_MAXDUR, C_REPORT, C_HELP };

/* The getopt table: the common options, then the family's (val = C_KIND + index). */
static int build_longopts(const struct fl_fault_kind *k, bool fault, struct option *out)
{
	int n = 0;

	for (int i = 0; fl_common_opts[i].name; i++) {
		if (!fault && fl_common_opts[i].fault_only)
			continue;
		out[n++] = (struct option){ fl_common_opts[i].name,
			fl_common_opts[i].metavar ? required_argument : no_argument, NULL, common_vals[i] };
	}
	for (int i = 0; k && k->opts[i].name; i++)
		out[n++] = (struct option){ k->opts[i].name,
			k->opts[i].type == FL_OPT_FLAG ? no_argument : required_argument, NULL, C_KIND + i };
	out[n] = (struct option){ NULL };
	return n;
}

static int common_opt(int c, const char *arg, struct fl_run_opts *ro, __u64 *duration, char *err)
{
	char why[FL_ERRLEN];

	switch (c) {
	case C_CGROUP:
	case C_PID:
	case C_UNIT:
		return fl_target_set(&ro->target, c == C_CGROUP ? FL_TARGET_CGROUP : c == C_PID ?
				     FL_TARGET_PID : FL_TARGET_UNIT, arg, err);
	case C_DURATION:
	case C_MAXDUR:
		if (fl_parse_duration(arg, c == C_DURATION ? duration : &ro->cap_ns, why)) {
			snprintf(err, FL_ERRLEN, "--%s: %s", c == C_DURATION ? "duration" : "max-duration", why);
			return -EINVAL;
		}
		if (c == C_DURATION && !*duration) {
			snprintf(err, FL_ERRLEN, "--duration must be above zero");
			return -EINVAL;
		}
		return 0;
	case C_REPORT:
		if (ro->report) {
			snprintf(err, FL_ERRLEN, "--report is given twice: one report per run");
			return -EINVAL;
		}
		ro->report = arg;
		return 0;
	case C_SEED:
		if (fl_exp_parse_seed(arg, &ro->seed, why)) {
			snprintf(err, FL_ERRLEN, "--%s", why);
			return -EINVAL;
		}
		ro->has_seed = true;
		return 0;
	case C_FORCE: ro->force = true; return 0;
	case C_DRY: ro->dry_run = true; return 0;
	case C_DETACH: ro->detach = true; return 0;
	case C_HELP: ro->help = true; return 0;
	}
	return -EINVAL;
}

static int bad_option(int argc, char **argv, const char *cmd, char *err)
{
	const char *a = optind > 0 && optind <= argc ? argv[optind - 1] : "?";

	snprintf(err, FL_ERRLEN, "unknown option, or one missing its value: '%s' (see 'faultline %s --help')",
		 a, cmd);
	return -EINVAL;
}

int fl_cmdline_fault(const struct fl_fault_kind *k, int action, int argc, char **argv,
		     struct fl_experiment *e, struct fl_run_opts *ro, char *err)
{
	struct option longopts[FL_FAULT_MAX_OPTS + 16];
	struct fl_fault *f = &e->faults[0];
	char cmd[64], why[FL_ERRLEN];
	__u64 duration = FL_CMD_DEFAULT_NS;
	int c;

	snprintf(cmd, sizeof(cmd), "%s %s", k->name, k->actions[action].name);
	snprintf(e->name, sizeof(e->name), "%s-%s", k->name, k->actions[action].name);
	if (fl_fault_new(f, k, action))
		return snprintf(err, FL_ERRLEN, "out of memory"), -ENOMEM;
	e->nfaults = 1;
	build_longopts(k, true, longopts);
	optind = 0;	/* GNU: start over; tests parse many command lines */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return bad_option(argc, argv, cmd, err);
		if (c < C_KIND && common_opt(c, optarg, ro, &duration, err))
			return -EINVAL;
		if (c >= C_KIND && fl_opt_set(f, &k->opts[c - C_KIND], optarg, err))
			return -EINVAL;
	}
	if (ro->help)
		return 0;
	if (optind < argc)
		return snprintf(err, FL_ERRLEN, "unexpected argument '%s' (see 'faultline %s --help')",
				argv[optind], cmd), -EINVAL;
	if (ro->target.kind == FL_TARGET_NONE)
		return snprintf(err, FL_ERRLEN, "no target: give --cgroup PATH, --pid PID or --unit NAME"),
		       -EINVAL;
	e->target = ro->target;
	e->duration_ns = duration;
	f->force = ro->force;
	if (fl_fault_check(f, why))
		return snprintf(err, FL_ERRLEN, "%s", why), -EINVAL;
	return 0;
}

int fl_cmdline_run(int argc, char **argv, struct fl_run_opts *ro, char *err)
{
	struct option longopts[16];
	__u64 unused = 0;
	int c;

	build_longopts(NULL, false, longopts);
	optind = 0;
	opterr = 0;
	/* Options may follow the file: `run FILE --cgroup X` reads naturally. */
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return bad_option(argc, argv, "run", err);
		if (common_opt(c, optarg, ro, &unused, err))
			return -EINVAL;
	}
	if (ro->help)
		return 0;
	if (optind != argc - 1)
		return snprintf(err, FL_ERRLEN, "%s (see 'faultline run --help')", optind == argc ?
				"which experiment file?" : "one experiment file at a time"), -EINVAL;
	ro->file = argv[optind];
	return 0;
}
