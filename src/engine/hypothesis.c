// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The hypothesis' rules and the verdict (hypothesis.h). */
#include <stdio.h>
#include <string.h>
#include "exec.h"
#include "hypothesis.h"
#include "parse.h"
#include "runner.h"

static const char *const phase_names[FL_PHASES] = { "baseline", "during", "recovery" };

const char *fl_phase_name(enum fl_phase ph)
{
	return phase_names[ph];
}

static void set(char *dst, size_t size, const char *s)
{
	snprintf(dst, size, "%s", s);
}

#define SET(field, s) set(field, sizeof(field), s)

void fl_hyp_init(struct fl_reg *g, const struct fl_experiment *e)
{
	const struct fl_exp_probe *p = &e->probe;

	memset(g->phases, 0, sizeof(g->phases));
	if (!e->has_probe)
		return;
	g->phases[FL_PHASE_BASELINE].on = p->baseline_ns > 0;
	g->phases[FL_PHASE_BASELINE].limit_ns = p->baseline_ns;
	g->phases[FL_PHASE_DURING].on = true;
	g->phases[FL_PHASE_RECOVERY].on = p->recovery_ns > 0;
	g->phases[FL_PHASE_RECOVERY].limit_ns = p->recovery_ns;
	for (int i = 0; i < FL_PHASES; i++) {
		SET(g->phases[i].result, "pending");
		g->phases[i].recovered_ns = -1;
	}
	g->probe_failures = p->failures;
	g->has_max_rate = p->has_max_failure_rate;
	g->max_rate = p->max_failure_rate;
}

void fl_hyp_begin(struct fl_reg *g, enum fl_phase ph)
{
	if (g->phases[ph].on)
		SET(g->phases[ph].result, "running");
}

static bool judge_baseline(struct fl_reg_phase *p, const struct fl_steady_count *c)
{
	if (!c->checks) {
		SET(p->why, "no check of the baseline finished: the service was not shown healthy");
		return false;
	}
	if (!c->failed)
		return true;
	snprintf(p->why, sizeof(p->why), "the service was not healthy before the faults: check %u of "
		 "the baseline failed: %s", c->checks, c->last_error);
	return false;
}

/* failed / checks > max: in integers, 2^32 being a share of 1 (fl_parse_probability). */
static bool over_rate(const struct fl_reg *g, const struct fl_steady_count *c)
{
	return g->has_max_rate && c->checks &&
	       ((unsigned __int128)c->failed << 32) > (unsigned __int128)g->max_rate * c->checks;
}

static bool judge_during(const struct fl_reg *g, struct fl_reg_phase *p,
			 const struct fl_steady_count *c)
{
	if (g->probe_failures && c->max_consecutive >= g->probe_failures) {
		SET(p->rule, "failures");
		snprintf(p->why, sizeof(p->why), "%u failed checks in a row, the last: %s",
			 c->max_consecutive, c->last_error);
		return false;
	}
	if (!over_rate(g, c))
		return true;
	SET(p->rule, "max_failure_rate");
	snprintf(p->why, sizeof(p->why), "%u of %u checks (%.1f%%) failed during the faults, over "
		 "max_failure_rate %.1f%%; the last: %s", c->failed, c->checks,
		 100.0 * c->failed / c->checks, 100.0 * g->max_rate / 4294967296.0, c->last_error);
	return false;
}

static bool judge_recovery(struct fl_reg_phase *p, const struct fl_steady_count *c, uint64_t start)
{
	char lim[32];

	fl_fmt_duration(p->limit_ns, lim, sizeof(lim));
	if (c->first_ok_ns) {
		p->recovered_ns = c->first_ok_ns > start ? (int64_t)(c->first_ok_ns - start) : 0;
		if ((uint64_t)p->recovered_ns <= p->limit_ns)
			return true;
		snprintf(p->why, sizeof(p->why), "not healthy again within %s of the faults' end: the "
			 "first check to pass ended %.3f s after it", lim, p->recovered_ns / 1e9);
		return false;
	}
	if (!c->checks)
		snprintf(p->why, sizeof(p->why), "not healthy again within %s of the faults' end: no "
			 "check finished", lim);
	else
		snprintf(p->why, sizeof(p->why), "not healthy again within %s of the faults' end: %u "
			 "check%s failed, the last: %s", lim, c->checks, c->checks == 1 ? "" : "s",
			 c->last_error);
	return false;
}

bool fl_hyp_end(struct fl_reg *g, enum fl_phase ph, const struct fl_steady_count *c,
		uint64_t start, uint64_t now, const char *stopped_why)
{
	struct fl_reg_phase *p = &g->phases[ph];
	bool ok, proven;

	if (!p->on)
		return false;
	p->checks = c->checks;
	p->failed = c->failed;
	p->max_consecutive = c->max_consecutive;
	p->elapsed_ns = now > start ? now - start : 0;
	p->why[0] = p->rule[0] = '\0';
	if (ph == FL_PHASE_BASELINE)
		ok = judge_baseline(p, c);
	else if (ph == FL_PHASE_DURING)
		ok = judge_during(g, p, c);
	else
		ok = judge_recovery(p, c, start);
	/* A recovery that came in time is proof, however the run ended. */
	proven = ok && ph == FL_PHASE_RECOVERY;
	/* Cut short before a failure counts: a baseline with none, a recovery still waiting. */
	if (!ok && stopped_why && ((ph == FL_PHASE_BASELINE && !c->failed) ||
				   (ph == FL_PHASE_RECOVERY && p->recovered_ns < 0)))
		ok = true;
	if (!ok) {
		if (!p->rule[0])
			SET(p->rule, phase_names[ph]);
		SET(p->result, "failed");
		return true;
	}
	/* Cut short, it broke no rule but proved nothing either. */
	if (stopped_why && !proven) {
		SET(p->result, "stopped");
		snprintf(p->why, sizeof(p->why), "cut short: %s", stopped_why);
	} else {
		SET(p->result, "passed");
		p->why[0] = '\0';
	}
	return false;
}

const char *fl_hyp_failed_rule(const struct fl_reg *g)
{
	for (int i = 0; i < FL_PHASES; i++)
		if (g->phases[i].on && !strcmp(g->phases[i].result, "failed"))
			return g->phases[i].rule;
	return NULL;
}

bool fl_hyp_cut_short(const char *stopped_by)
{
	/* exec's end is its command's exit: the run's own end, as a deadline is. */
	static const char *const natural[] = { "deadline", "count", "steady state", "baseline",
					       FL_EXEC_STOP, NULL };

	for (int i = 0; natural[i]; i++)
		if (!strcmp(stopped_by, natural[i]))
			return false;
	return true;
}

static void skip_rest(struct fl_reg *g)
{
	const char *rule = fl_hyp_failed_rule(g);
	struct fl_reg_phase *p;

	for (int i = 0; i < FL_PHASES; i++) {
		p = &g->phases[i];
		if (!p->on || (strcmp(p->result, "pending") && strcmp(p->result, "running")))
			continue;
		SET(p->result, "skipped");
		if (!strcmp(g->verdict, "error"))
			snprintf(p->why, sizeof(p->why), "not run: %s", g->reason);
		else if (rule && !strcmp(rule, "baseline"))
			SET(p->why, "not run: the baseline failed, so nothing was attached");
		else
			snprintf(p->why, sizeof(p->why), "not run: stopped first (%s)", g->stopped_by);
	}
}

static bool any_stopped(const struct fl_reg *g)
{
	for (int i = 0; i < FL_PHASES; i++)
		if (g->phases[i].on && !strcmp(g->phases[i].result, "stopped"))
			return true;
	return false;
}

void fl_hyp_verdict(struct fl_reg *g)
{
	const struct fl_reg_phase *failed = NULL;

	skip_rest(g);
	for (int i = 0; i < FL_PHASES && !failed; i++)
		if (g->phases[i].on && !strcmp(g->phases[i].result, "failed"))
			failed = &g->phases[i];
	if (failed) {
		SET(g->verdict, "failed");
		SET(g->reason, failed->why);
		g->exit_status = FL_EXIT_ABORTED;
	} else if (!strcmp(g->verdict, "error")) {
		g->exit_status = FL_EXIT_FAIL;
	} else {
		SET(g->verdict, fl_hyp_cut_short(g->stopped_by) || any_stopped(g) ? "stopped" : "passed");
		g->exit_status = FL_EXIT_OK;
	}
}

const char *fl_hyp_verdict_name(const struct fl_reg *g)
{
	if (g->state != FL_REG_ENDED)
		return NULL;
	if (g->verdict[0])
		return g->verdict;
	return g->exit_status == FL_EXIT_ABORTED ? "failed" : g->exit_status < 0 ? "error" : "passed";
}
