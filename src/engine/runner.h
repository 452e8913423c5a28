/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The one runner: every experiment, from a file or a command, runs here. */
#ifndef FL_RUNNER_H
#define FL_RUNNER_H

#include "cmdline.h"
#include "experiment.h"

/* Exit statuses every command keeps to. */
enum fl_exit {
	FL_EXIT_OK = 0,
	FL_EXIT_FAIL = 1,	/* the kernel or the host said no */
	FL_EXIT_USAGE = 2,	/* bad input: nothing was changed */
	FL_EXIT_ABORTED = 3,	/* an experiment's steady-state probe failed: it stopped early */
	/*
	 * `faultline exec` exits with CMD's own status (128+N when signal N
	 * killed it, as shells say), or one of these, which env(1), timeout(1)
	 * and container runtimes use alike, so that none is a plain `exit 1`:
	 */
	FL_EXIT_EXEC_ENDED = 124,	/* faultline ended CMD: the deadline, stop --all, the probe */
	FL_EXIT_EXEC_FAIL = 125,	/* faultline failed: bad input, a fault that cannot attach */
	FL_EXIT_EXEC_NOEXEC = 126,	/* CMD was found but cannot be run */
	FL_EXIT_EXEC_NOTFOUND = 127,	/* CMD was not found */
};

/*
 * Resolve, prepare every fault, then a dry run, or attach, watch and
 * summarize (in the background with --detach). Returns the exit status.
 */
int fl_run(struct fl_experiment *e, struct fl_run_opts *o);

#endif
