// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `faultline exec [FAULTS | -f FILE] -- CMD [ARGS...]`: a thin front, as
 * `run` is. It builds the experiment, makes CMD's cgroup (the target) with
 * CMD's process waiting in it, and hands both to the one runner; whatever
 * happens, the cgroup is gone when it returns.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "exec.h"
#include "log.h"
#include "options.h"

/* -f FILE: its faults, steady state and name; its target is not exec's, its duration may be. */
static int load_file(struct fl_experiment *e, const struct fl_exec *x, char *err)
{
	__u64 duration = e->duration_ns;	/* --duration, or 0 */

	if (fl_exp_parse_file(x->file, e, err))
		return -1;
	if (e->target.kind != FL_TARGET_NONE)
		pr_info("note: %s: its target (%s) is ignored: exec's target is the cgroup it makes for "
			"%s\n", x->file, e->target.spec, x->argv[0]);
	memset(&e->target, 0, sizeof(e->target));
	if (duration)
		e->duration_ns = duration;
	return 0;
}

/* Everything before the run: the input, CMD, root, the cgroup with CMD's process in it. */
static int set_up(struct fl_experiment *e, struct fl_run_opts *o, char *err)
{
	struct fl_exec *x = o->exec;
	int rc;

	if (x->file && load_file(e, x, err))
		return FL_EXIT_EXEC_FAIL;
	rc = fl_exec_check_cmd(x, err);
	if (rc)
		return rc == -ENOENT ? FL_EXIT_EXEC_NOTFOUND : FL_EXIT_EXEC_NOEXEC;
	if (geteuid() != 0) {
		snprintf(err, FL_ERRLEN, "needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN) to make a cgroup and "
			 "load BPF programs");
		return FL_EXIT_EXEC_FAIL;
	}
	x->faults = e->faults;
	x->nfaults = e->nfaults;
	if (fl_exec_spawn(x, err) ||
	    fl_target_set(&e->target, FL_TARGET_CGROUP, x->cgroup, err))
		return FL_EXIT_EXEC_FAIL;
	return 0;
}

int cmd_exec(int argc, char **argv)
{
	struct fl_run_opts o = { 0 };
	char err[FL_ERRLEN] = "";
	struct fl_experiment *e;
	struct fl_exec x;
	int rc;

	fl_exec_init(&x);
	o.exec = &x;
	o.report_cases = fl_exec_report_cases;	/* --report: a testcase for CMD's exit */
	o.report_arg = &x;
	e = calloc(1, sizeof(*e));
	if (!e)
		return FL_EXIT_EXEC_FAIL;
	rc = fl_cmdline_exec(argc, argv, e, &o, err) ? FL_EXIT_EXEC_FAIL : 0;
	if (!rc && o.help) {
		if (x.help_kind)
			fl_kind_help(x.help_kind, x.help_action, stdout);
		else
			fl_exec_help(stdout);
	} else if (!rc && !(rc = set_up(e, &o, err))) {
		rc = fl_exec_exit(&x, fl_run(e, &o), o.dry_run);
	}
	if (rc && err[0])
		pr_warn("exec: %s\n", err);
	fl_exec_cleanup(&x);	/* says so itself if it cannot; CMD's status stands */
	fl_exp_free(e);
	free(e);
	return rc;
}
