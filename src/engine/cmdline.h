/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The command lines that start experiments: `faultline KIND ACTION ...`
 * (one fault, from its family's option table) and `faultline run FILE`.
 * Both end in the same struct fl_experiment and the same runner.
 */
#ifndef FL_CMDLINE_H
#define FL_CMDLINE_H

#include <stdbool.h>
#include <stdio.h>
#include "experiment.h"

struct fl_exec;
struct fl_report;

/* How to run it: the options every experiment command shares. */
struct fl_run_opts {
	const char *file;		/* run FILE */
	struct fl_target target;	/* --cgroup/--pid/--unit (for run: replaces the file's) */
	__u64 cap_ns;			/* --max-duration, else FAULTLINE_MAX_DURATION, else 1h */
	__u64 seed;			/* --seed: over the file's, else one is drawn */
	bool has_seed;
	bool detach, dry_run, force, help;
	struct fl_exec *exec;		/* `exec`: the command whose exit ends it (exec.h) */
	const char *report;		/* --report FILE (report_file.h), or NULL */
	/*
	 * Called just before the report is written, so that a command adds its
	 * own testcases (exec: its command's exit) with fl_report_add_case().
	 */
	void (*report_cases)(struct fl_report *rep, void *arg);
	void *report_arg;
};

/* One of them, for the parser, --help, the man page and completion. */
struct fl_common_opt {
	const char *name, *metavar, *help;
	bool fault_only;		/* not for `run` */
	bool not_exec;			/* not for `exec` (which makes its own target) */
};
extern const struct fl_common_opt fl_common_opts[];
/* `exec`'s own; one named as a common one replaces it there (--duration). */
extern const struct fl_common_opt fl_exec_opts[];

/* `faultline KIND ACTION ARGS`: e gets one fault. 0, or -EINVAL with err. */
int fl_cmdline_fault(const struct fl_fault_kind *k, int action, int argc, char **argv,
		     struct fl_experiment *e, struct fl_run_opts *ro, char *err);
/* `faultline run ARGS`: ro->file and the overrides. 0, or -EINVAL with err. */
int fl_cmdline_run(int argc, char **argv, struct fl_run_opts *ro, char *err);
/*
 * `faultline exec [OPTIONS] [--KIND ACTION [OPTIONS]]... | -f FILE -- CMD...`:
 * e gets one fault per --KIND group, ro->exec (allocated, fl_exec_init()ed
 * by the caller) the command and exec's options. 0, or -EINVAL with err.
 */
int fl_cmdline_exec(int argc, char **argv, struct fl_experiment *e, struct fl_run_opts *ro,
		    char *err);
/* Help for `faultline run` and `faultline exec`. */
void fl_run_help(FILE *out);
void fl_exec_help(FILE *out);

#endif
