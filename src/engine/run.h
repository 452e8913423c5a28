/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A run, between runner.c (prepare, attach, arm, end, summary, report)
 * and watch.c (the loops of its phases: baseline, faults, recovery).
 * Private to those two.
 */
#ifndef FL_RUN_H
#define FL_RUN_H

#include <stdbool.h>
#include <limits.h>
#include <stdint.h>
#include "cmdline.h"
#include "options.h"
#include "registry.h"
#include "series.h"
#include "steady.h"

#define TICK_NS		(100 * 1000000ULL)

struct run;
struct note_arg {
	struct run *r;
	int index;
};

struct run {
	struct fl_experiment *e;
	const struct fl_run_opts *o;
	struct fl_reg reg;
	struct fl_fault_ctx ctx[FL_EXP_MAX_FAULTS];
	uint64_t deadline[FL_EXP_MAX_FAULTS];	/* each fault's, CLOCK_MONOTONIC */
	struct note_arg notes[FL_EXP_MAX_FAULTS];
	struct fl_fault_stats now[FL_EXP_MAX_FAULTS];
	struct fl_rate matched_rate[FL_EXP_MAX_FAULTS], injected_rate[FL_EXP_MAX_FAULTS];
	bool started[FL_EXP_MAX_FAULTS];
	bool armed;			/* the faults went live */
	struct fl_steady steady;
	struct fl_series series;	/* the timeline, for --report */
	uint64_t faults_end_ns;		/* when the last fault stopped injecting */
	char report[PATH_MAX];		/* --report, absolute; "" for none */
	uint64_t generation;
	int drawn;			/* lines of the live view on screen */
	uint64_t last_plain;
};

/* runner.c */
void fl_run_end_fault(struct run *r, int i);

/* watch.c. Each returns what stopped it: NULL when the phase ran its course. */
/* The baseline, before anything attaches: "baseline" when it failed, or what cut it short. */
const char *fl_watch_baseline(struct run *r);
/* The faults, live, until their deadline, a rule or a stop. */
const char *fl_watch_faults(struct run *r);
/* After the faults: until a check passes, the recovery's time is up, or a stop. */
const char *fl_watch_recovery(struct run *r);
void fl_watch_render(struct run *r, uint64_t now, bool final);

#endif
