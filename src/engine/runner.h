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
};

/*
 * Resolve, prepare every fault, then a dry run, or attach, watch and
 * summarize (in the background with --detach). Returns the exit status.
 */
int fl_run(struct fl_experiment *e, struct fl_run_opts *o);

#endif
