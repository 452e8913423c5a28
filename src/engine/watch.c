// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The loops of a run (run.h): the baseline before anything attaches, the
 * faults while they are live, the recovery after. The steady-state probe
 * runs through all three; every tick watches the clock, signals, the kill
 * switch and the target. A nap wakes early when a check ends, so that its
 * latency in the report is what it took, not the tick that saw it.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "ctl.h"
#include "exec.h"
#include "hypothesis.h"
#include "log.h"
#include "report.h"
#include "run.h"

#define PLAIN_EVERY_NS	(10 * 1000000000ULL)

static void head_line(const struct run *r, uint64_t now, char *buf, size_t size)
{
	char left[32], probe[160] = "";

	fl_fmt_duration(r->reg.deadline_ns > now ? r->reg.deadline_ns - now : 0, left, sizeof(left));
	if (r->e->has_probe)
		snprintf(probe, sizeof(probe), "  steady state: %u/%u checks ok%s%s", r->steady.checks -
			 r->steady.failed, r->steady.checks, r->steady.consecutive ? ", failing: " : "",
			 r->steady.consecutive ? r->steady.last_error : "");
	snprintf(buf, size, "%s [%s] on %s: %s left%s  (Ctrl-C stops)", r->e->name, r->reg.id,
		 r->e->target.rel, left, probe);
}

static void live_line(const struct run *r, int i, char *buf, size_t size)
{
	size_t n;

	fl_report_fault_line(&r->reg, i, &r->now[i], true, buf, size);
	n = strlen(buf);
	snprintf(buf + n, size - n, "  (%.1f/s, %.1f/s)%s", r->matched_rate[i].per_s,
		 r->injected_rate[i].per_s, r->reg.faults[i].ended ? "  (ended)" : "");
}

/* Redrawn in place on a terminal, plain lines every 10 s elsewhere. */
void fl_watch_render(struct run *r, uint64_t now, bool final)
{
	bool tty = isatty(STDERR_FILENO);
	const char *clear = tty ? "\r\033[K" : "";
	char line[640];

	/* exec: the terminal is CMD's; faultline says only when it starts and ends. */
	if (fl_json || r->o->exec || (!tty && !final && now - r->last_plain < PLAIN_EVERY_NS))
		return;
	if (tty && r->drawn)
		fprintf(stderr, "\033[%dA", r->drawn);
	r->last_plain = now;
	head_line(r, now, line, sizeof(line));
	fprintf(stderr, "%s%s\n", clear, line);
	for (int i = 0; i < r->e->nfaults; i++) {
		live_line(r, i, line, sizeof(line));
		fprintf(stderr, "%s%s\n", clear, line);
	}
	r->drawn = r->e->nfaults + 1;
	fflush(stderr);
}

static void nap(struct run *r, uint64_t ns)
{
	fl_steady_nap(r->e->has_probe ? &r->steady : NULL, ns < TICK_NS ? ns : TICK_NS);
}

/* What ends any phase early: a signal, `stop --all`, the target's end. */
static const char *interrupted(const struct run *r)
{
	int sig;

	/* Before the signal: `stop --all` throws the switch, then signals us. */
	if (fl_ctl_halted(r->generation))
		return "stop --all";
	/* exec's signals are its own (exec.c): while CMD runs, they are passed on to it. */
	sig = r->o->exec ? fl_exec_signal(r->o->exec) : fl_signal_pending();
	if (sig)
		return sig == SIGTERM ? "stopped" : "signal";
	if (access(r->e->target.path, F_OK))
		return "target gone";
	return NULL;
}

/* Every fault ended by itself: the last to end says why ("deadline", "count"). */
static const char *all_ended(const struct run *r)
{
	for (int i = 0; i < r->e->nfaults; i++)
		if (r->started[i])
			return NULL;
	return r->reg.stopped_by[0] ? r->reg.stopped_by : "deadline";
}

static const char *why_stop(struct run *r, uint64_t now)
{
	const char *why;

	/* Before CMD's exit: `stop --all` throws the switch, then signals us (and so CMD). */
	if (fl_ctl_halted(r->generation))
		return "stop --all";
	/* exec: CMD's exit ends the run, whatever its faults do. */
	if (r->o->exec && fl_exec_exited(r->o->exec))
		return FL_EXEC_STOP;
	why = interrupted(r);
	if (why)
		return why;
	if (now >= r->reg.deadline_ns)
		return "deadline";
	if (!r->o->exec && all_ended(r))
		return all_ended(r);
	if (r->e->has_probe && fl_steady_tick(&r->steady, now)) {
		snprintf(r->reg.reason, sizeof(r->reg.reason), "%u failed checks in a row, the last: %s",
			 r->steady.ph[FL_PHASE_DURING].consecutive, r->steady.last_error);
		return "steady state";
	}
	return NULL;
}

static void read_fault(struct run *r, int i, uint64_t now)
{
	struct fl_fault *f = &r->e->faults[i];

	if (!r->started[i])
		return;
	if (f->kind->follow)
		f->kind->follow(f);
	f->kind->read(f, &r->now[i]);
	fl_rate_update(&r->matched_rate[i], now, r->now[i].matched);
	fl_rate_update(&r->injected_rate[i], now, r->now[i].injected);
	fl_series_fault_sample(&r->series, i, now, r->now[i].injected);
}

/* A fault with a shorter duration, or a spent --count, detaches early. */
static void end_early(struct run *r, int i, uint64_t now)
{
	if (!r->started[i])
		return;
	if (now < r->deadline[i] && !r->now[i].spent)
		return;
	fl_run_end_fault(r, i);
	snprintf(r->reg.stopped_by, sizeof(r->reg.stopped_by), "%s",
		 r->now[i].spent ? "count" : "deadline");
}

const char *fl_watch_faults(struct run *r)
{
	const char *stop;
	uint64_t now = fl_now_ns();

	/* Checks from now count for the faults; the first right away. */
	if (r->e->has_probe && r->reg.phases[FL_PHASE_BASELINE].on)
		fl_steady_phase(&r->steady, FL_PHASE_DURING, now);
	else if (r->e->has_probe)
		fl_steady_init(&r->steady, &r->e->probe, FL_PHASE_DURING, now);
	for (;;) {
		now = fl_now_ns();
		for (int i = 0; i < r->e->nfaults; i++) {
			read_fault(r, i, now);
			end_early(r, i, now);
		}
		stop = why_stop(r, now);
		if (stop)
			break;
		fl_watch_render(r, now, false);
		/* Past the deadline by a microsecond, not by a tick. */
		nap(r, r->reg.deadline_ns - now < TICK_NS ? r->reg.deadline_ns - now + 1000 : TICK_NS);
	}
	return stop;
}

const char *fl_watch_baseline(struct run *r)
{
	struct fl_steady *s = &r->steady;
	const struct fl_steady_count *c = &s->ph[FL_PHASE_BASELINE];
	uint64_t start = fl_now_ns(), end = start + r->e->probe.baseline_ns, now = start;
	const char *stop = NULL;
	char dur[32];

	fl_fmt_duration(r->e->probe.baseline_ns, dur, sizeof(dur));
	pr_info("faultline: experiment %s: baseline: checking %s for %s before attaching anything\n",
		r->reg.id, r->reg.probe, dur);
	r->series.zero_ns = start;	/* the timeline starts with the first check */
	fl_series_phase(&r->series, FL_PHASE_BASELINE, start, 0);
	fl_steady_init(s, &r->e->probe, FL_PHASE_BASELINE, start);
	for (;;) {
		now = fl_now_ns();
		if (now >= end)
			fl_steady_hold(s);	/* the one running may finish: it started in time */
		fl_steady_tick(s, now);
		if (c->failed || (now >= end && !fl_steady_busy(s)))
			break;
		stop = interrupted(r);
		if (stop)
			break;
		nap(r, end > now ? end - now : TICK_NS);
	}
	fl_steady_stop(s);
	fl_series_phase(&r->series, FL_PHASE_BASELINE, 0, now);
	if (fl_hyp_end(&r->reg, FL_PHASE_BASELINE, c, start, now, stop))
		return "baseline";
	pr_info("faultline: experiment %s: baseline %s: %u/%u checks ok\n", r->reg.id,
		r->reg.phases[FL_PHASE_BASELINE].result, c->checks - c->failed, c->checks);
	return stop;
}

const char *fl_watch_recovery(struct run *r)
{
	struct fl_steady *s = &r->steady;
	const struct fl_steady_count *c = &s->ph[FL_PHASE_RECOVERY];
	uint64_t start = r->faults_end_ns, end = start + r->e->probe.recovery_ns, now = fl_now_ns();
	const char *stop = NULL;
	char dur[32];

	fl_fmt_duration(r->e->probe.recovery_ns, dur, sizeof(dur));
	pr_info("faultline: experiment %s: faults ended; recovery: healthy again within %s?\n",
		r->reg.id, dur);
	fl_series_phase(&r->series, FL_PHASE_RECOVERY, start, 0);
	fl_steady_phase(s, FL_PHASE_RECOVERY, now);
	for (;;) {
		now = fl_now_ns();
		fl_steady_tick(s, now);
		if (c->first_ok_ns || now >= end)
			break;
		stop = interrupted(r);
		if (stop)
			break;
		nap(r, end - now);
	}
	fl_steady_stop(s);	/* too late to count, or not needed */
	fl_series_phase(&r->series, FL_PHASE_RECOVERY, 0, c->first_ok_ns ? c->first_ok_ns : now);
	fl_hyp_end(&r->reg, FL_PHASE_RECOVERY, c, start, c->first_ok_ns ? c->first_ok_ns : now, stop);
	return stop;
}
