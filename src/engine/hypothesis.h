/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The steady-state hypothesis of an experiment and its verdict. The rules
 * (README, "Did it pass?"), each judged on the checks that started in its
 * phase:
 *   baseline  (before anything attaches) every check passes, and at least
 *             one finished; the first failure ends it, and nothing attaches;
 *   during    fewer than `failures` failed checks in a row (which abort the
 *             faults at once), and, with max_failure_rate, at most that
 *             share of them failed;
 *   recovery  (after the faults end) a check passes within `recovery`.
 * The verdict: "failed" when a phase failed (the first one names the rule),
 * "error" when faultline could not run it, "stopped" when a signal, `stop`
 * or the target's end cut it short, else "passed". Exit status: 0 passed or
 * stopped, 3 failed, 1 error.
 */
#ifndef FL_HYPOTHESIS_H
#define FL_HYPOTHESIS_H

#include <stdbool.h>
#include <stdint.h>
#include "experiment.h"
#include "registry.h"
#include "steady.h"

/* The phases e asks for, each pending, with its limit; the thresholds. */
void fl_hyp_init(struct fl_reg *g, const struct fl_experiment *e);
void fl_hyp_begin(struct fl_reg *g, enum fl_phase ph);
/*
 * Phase ph is over (it began at start): "stopped" with stopped_why when it
 * was cut short and broke no rule, else judged. Returns true if it failed.
 */
bool fl_hyp_end(struct fl_reg *g, enum fl_phase ph, const struct fl_steady_count *c,
		uint64_t start, uint64_t now, const char *stopped_why);
/* What ended a run without a rule or its own end (a signal, `stop`, the target's end). */
bool fl_hyp_cut_short(const char *stopped_by);
/* Phases never reached are skipped; then the verdict, reason and exit status. */
void fl_hyp_verdict(struct fl_reg *g);
/* The rule of the first failed phase ("recovery"), or NULL. */
const char *fl_hyp_failed_rule(const struct fl_reg *g);
/* g->verdict, or for a record written before verdicts, one from its exit status. */
const char *fl_hyp_verdict_name(const struct fl_reg *g);
/* "baseline", "during", "recovery". */
const char *fl_phase_name(enum fl_phase ph);

#endif
