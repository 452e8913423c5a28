// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Command lines into experiments. A family's options come from its table
 * (options.c parses them, as it does a file's keys); the options every
 * experiment shares (target, duration, --seed, --force, --dry-run, --detach,
 * --report) are the engine's own and are read here. `exec` reads a fault per
 * `--KIND ACTION ...` group through the very same code as `KIND ACTION`.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cmdline.h"
#include "exec.h"
#include "options.h"

enum { C_CGROUP = 1, C_PID, C_UNIT, C_DURATION, C_SEED, C_FORCE, C_DRY, C_DETACH, C_MAXDUR,
       C_REPORT, C_HELP, C_PARENT, C_KILL_AFTER, C_FILE = 'f', C_KIND = 256 };

const struct fl_common_opt fl_common_opts[] = {
	{ "cgroup", "PATH", "the target: a cgroup, absolute or below the cgroup2 mount", false, true },
	{ "pid", "PID", "the target: this process's cgroup", false, true },
	{ "unit", "NAME", "the target: a systemd unit's cgroup", false, true },
	{ "duration", "D", "how long the fault lasts (default 60s); the kernel holds the deadline", true },
	{ "seed", "N", "the draws' seed: the same N replays the same faults (default: drawn; summaries name it)" },
	{ "force", NULL, "accept what a rail refuses: the root cgroup, faultline's own, a qdisc not ours" },
	{ "dry-run", NULL, "check everything and show what would attach where; attach nothing" },
	{ "detach", NULL, "run in the background; print the experiment's id last on stdout", false, true },
	{ "max-duration", "D", "the cap on durations (default 1h, or $FAULTLINE_MAX_DURATION)" },
	{ "report", "FILE", "at the end, whatever the end, write what happened and the verdict: "
	  "FILE.json, FILE.xml (JUnit) or FILE.html (a page with the timeline)" },
	{ "help", NULL, "this text" },
	{ NULL },
};

static const int common_vals[] = { C_CGROUP, C_PID, C_UNIT, C_DURATION, C_SEED, C_FORCE, C_DRY,
				   C_DETACH, C_MAXDUR, C_REPORT, C_HELP };

const struct fl_common_opt fl_exec_opts[] = {
	{ "file", "FILE", "the faults of an experiment file, also -f FILE (its target is ignored)" },
	{ "duration", "D", "the deadline: the faults end, CMD gets SIGTERM (default: the cap, 1h)" },
	{ "kill-after", "D", "SIGKILL this long after that SIGTERM (default 10s)" },
	{ "parent", "PATH", "make CMD's cgroup below this one (default: faultline's own cgroup)" },
	{ NULL },
};

static const int exec_vals[] = { C_FILE, C_DURATION, C_KILL_AFTER, C_PARENT };

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

static bool exec_has(const char *name)
{
	for (int i = 0; fl_exec_opts[i].name; i++)
		if (!strcmp(fl_exec_opts[i].name, name))
			return true;
	return false;
}

/* exec's own options, then the common ones it takes and does not replace. */
static void build_exec_longopts(struct option *out)
{
	int n = 0;

	for (int i = 0; fl_exec_opts[i].name; i++)
		out[n++] = (struct option){ fl_exec_opts[i].name,
			fl_exec_opts[i].metavar ? required_argument : no_argument, NULL, exec_vals[i] };
	for (int i = 0; fl_common_opts[i].name; i++)
		if (!fl_common_opts[i].not_exec && !exec_has(fl_common_opts[i].name))
			out[n++] = (struct option){ fl_common_opts[i].name,
				fl_common_opts[i].metavar ? required_argument : no_argument, NULL,
				common_vals[i] };
	out[n] = (struct option){ NULL };
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

/* One fault's options (argv[0] is its action) into f; the common ones into ro and *duration. */
static int parse_fault(const struct fl_fault_kind *k, int argc, char **argv, struct fl_fault *f,
		       struct fl_run_opts *ro, __u64 *duration, const char *cmd, char *err)
{
	struct option longopts[FL_FAULT_MAX_OPTS + 16];
	int c;

	build_longopts(k, true, longopts);
	optind = 0;	/* GNU: start over; tests parse many command lines */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return bad_option(argc, argv, cmd, err);
		if (c < C_KIND && common_opt(c, optarg, ro, duration, err))
			return -EINVAL;
		if (c >= C_KIND && fl_opt_set(f, &k->opts[c - C_KIND], optarg, err))
			return -EINVAL;
	}
	if (ro->help || optind == argc)
		return 0;
	return snprintf(err, FL_ERRLEN, "unexpected argument '%s' (see 'faultline %s --help')",
			argv[optind], cmd), -EINVAL;
}

int fl_cmdline_fault(const struct fl_fault_kind *k, int action, int argc, char **argv,
		     struct fl_experiment *e, struct fl_run_opts *ro, char *err)
{
	struct fl_fault *f = &e->faults[0];
	char cmd[64], why[FL_ERRLEN];
	__u64 duration = FL_CMD_DEFAULT_NS;

	snprintf(cmd, sizeof(cmd), "%s %s", k->name, k->actions[action].name);
	snprintf(e->name, sizeof(e->name), "%s-%s", k->name, k->actions[action].name);
	if (fl_fault_new(f, k, action))
		return snprintf(err, FL_ERRLEN, "out of memory"), -ENOMEM;
	e->nfaults = 1;
	if (parse_fault(k, argc, argv, f, ro, &duration, cmd, err))
		return -EINVAL;
	if (ro->help)
		return 0;
	if (fl_fault_needs_exec(f, err))
		return -EINVAL;
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

/* ---------------------------------------------------------------- exec */

static bool is_kind_word(const char *a)
{
	return a[0] == '-' && a[1] == '-' && a[2] && fl_kind_find(a + 2);
}

static int exec_opt(int c, const char *arg, struct fl_run_opts *ro, __u64 *duration, char *err)
{
	struct fl_exec *x = ro->exec;
	char why[FL_ERRLEN];

	switch (c) {
	case C_FILE:
		x->file = arg;
		return 0;
	case C_PARENT:
		x->parent = arg;
		return 0;
	case C_KILL_AFTER:
		if (fl_parse_duration(arg, &x->kill_after_ns, why))
			return snprintf(err, FL_ERRLEN, "--kill-after: %s", why), -EINVAL;
		return 0;
	}
	return common_opt(c, arg, ro, duration, err);
}

/* What comes before the first --KIND: exec's own options. */
static int exec_head(int argc, char **argv, struct fl_run_opts *ro, __u64 *duration, char *err)
{
	struct option longopts[32];
	int c;

	build_exec_longopts(longopts);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f:", longopts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return bad_option(argc, argv, "exec", err);
		if (exec_opt(c, optarg, ro, duration, err))
			return -EINVAL;
	}
	if (ro->help || optind == argc)
		return 0;
	return snprintf(err, FL_ERRLEN, "unexpected argument '%s': the command comes after '--' "
			"(see 'faultline exec --help')", argv[optind]), -EINVAL;
}

/* Why a common option in a fault's group has no place there, or NULL. */
static const char *refused_in_group(const struct fl_run_opts *ro)
{
	if (ro->target.kind != FL_TARGET_NONE)
		return "exec's target is the cgroup it makes for CMD: --cgroup, --pid and --unit do not "
		       "apply (--parent PATH says where it goes)";
	if (ro->detach)
		return "--detach: exec runs in the foreground, for as long as CMD runs";
	return NULL;
}

/* `--KIND ACTION [OPTIONS]`: one fault; its --duration is its own, as a file's. */
static int exec_group(int argc, char **argv, struct fl_experiment *e, struct fl_run_opts *ro,
		      char *err)
{
	const struct fl_fault_kind *k = fl_kind_find(argv[0] + 2);
	char cmd[64], why[FL_ERRLEN];
	__u64 duration = 0;
	struct fl_fault *f;
	int action;

	action = argc > 1 ? fl_kind_action(k, argv[1]) : -1;
	if (action < 0)
		return snprintf(err, FL_ERRLEN, "%s: %s '%s' (see 'faultline %s --help')", argv[0],
				argc > 1 ? "unknown action" : "which action? e.g.", argc > 1 ? argv[1] :
				k->actions[0].name, k->name), -EINVAL;
	if (e->nfaults == FL_EXP_MAX_FAULTS)
		return snprintf(err, FL_ERRLEN, "at most %d faults", FL_EXP_MAX_FAULTS), -EINVAL;
	f = &e->faults[e->nfaults];
	if (fl_fault_new(f, k, action))
		return snprintf(err, FL_ERRLEN, "out of memory"), -ENOMEM;
	e->nfaults++;
	snprintf(cmd, sizeof(cmd), "%s %s", k->name, k->actions[action].name);
	if (parse_fault(k, argc - 1, argv + 1, f, ro, &duration, cmd, why))
		return snprintf(err, FL_ERRLEN, "--%s: %s", cmd, why), -EINVAL;
	if (ro->help) {
		ro->exec->help_kind = k;
		ro->exec->help_action = action;
		return 0;
	}
	if (refused_in_group(ro))
		return snprintf(err, FL_ERRLEN, "--%s: %s", cmd, refused_in_group(ro)), -EINVAL;
	f->duration_ns = duration;
	f->force |= ro->force;
	if (fl_fault_check(f, why))
		return snprintf(err, FL_ERRLEN, "--%s: %s", cmd, why), -EINVAL;
	return 0;
}

/* "exec-pytest": a name as experiment names go ([A-Za-z0-9._-], at most 63). */
static void exec_name(const char *cmd, char *name, size_t size)
{
	const char *base = strrchr(cmd, '/') ? strrchr(cmd, '/') + 1 : cmd;
	size_t n;

	snprintf(name, size, "exec-%s", base);
	for (n = 5; name[n]; n++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", name[n]))
			name[n] = '_';
}

static int exec_durations(struct fl_experiment *e, char *err)
{
	char own[32], whole[32];

	for (int i = 0; i < e->nfaults; i++) {
		if (e->faults[i].duration_ns <= e->duration_ns)
			continue;
		fl_fmt_duration(e->faults[i].duration_ns, own, sizeof(own));
		fl_fmt_duration(e->duration_ns, whole, sizeof(whole));
		return snprintf(err, FL_ERRLEN, "fault %d (%s): its --duration %s is longer than the "
				"experiment's (%s)", i + 1, e->faults[i].desc, own, whole), -EINVAL;
	}
	return 0;
}

int fl_cmdline_exec(int argc, char **argv, struct fl_experiment *e, struct fl_run_opts *ro,
		    char *err)
{
	struct fl_exec *x = ro->exec;
	__u64 duration = 0;
	int dd, g, i, next, rc;

	for (dd = 1; dd < argc && strcmp(argv[dd], "--"); dd++)
		;
	for (g = 1; g < dd && !is_kind_word(argv[g]); g++)
		;
	rc = exec_head(g, argv, ro, &duration, err);
	for (i = g; !rc && !ro->help && i < dd; i = next) {
		for (next = i + 1; next < dd && !is_kind_word(argv[next]); next++)
			;
		rc = exec_group(next - i, argv + i, e, ro, err);
	}
	if (rc || ro->help)
		return rc;
	if (dd + 1 >= argc)
		return snprintf(err, FL_ERRLEN, "which command? give it after '--': faultline exec "
				"[FAULTS] -- CMD [ARGS...]"), -EINVAL;
	x->argv = argv + dd + 1;
	exec_name(x->argv[0], e->name, sizeof(e->name));
	if (x->file && e->nfaults)
		return snprintf(err, FL_ERRLEN, "give the faults as options or in a file (-f), not both"),
		       -EINVAL;
	if (!x->file && !e->nfaults)
		return snprintf(err, FL_ERRLEN, "no fault: give --KIND ACTION [OPTIONS] (e.g. --net drop "
				"--probability 5%%) or -f FILE"), -EINVAL;
	if (!ro->cap_ns && fl_duration_cap(&ro->cap_ns, err))
		return -EINVAL;
	/* A file's own duration stands unless --duration is given (0 here). */
	e->duration_ns = duration ? duration : x->file ? 0 : ro->cap_ns;
	return exec_durations(e, err);
}
