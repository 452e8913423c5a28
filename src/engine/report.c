// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* One schema for every view of an experiment (report.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "ctl.h"
#include "hypothesis.h"
#include "json.h"
#include "parse.h"
#include "report.h"

static uint64_t remaining(const struct fl_reg *r)
{
	uint64_t now = fl_now_ns();

	if (r->state == FL_REG_PLANNED)
		return r->duration_ns;
	if (r->state == FL_REG_ENDED)
		return 0;
	return r->deadline_ns > now ? r->deadline_ns - now : 0;
}

static uint64_t elapsed(const struct fl_reg *r)
{
	uint64_t now = fl_now_ns();

	if (r->state == FL_REG_ENDED)
		return r->elapsed_ns;
	return r->state == FL_REG_RUNNING && now > r->start_ns ? now - r->start_ns : 0;
}

static void json_target(struct jw *w, const struct fl_reg *r)
{
	jw_key(w, "target");
	jw_obj_open(w);
	jw_kstr(w, "cgroup", r->target);
	jw_kstr(w, "path", r->target_path);
	jw_ku64(w, "cgroup_id", r->cgid);
	jw_ki64(w, "level", r->level);
	jw_ki64(w, "processes", r->nprocs);
	jw_obj_close(w);
}

static void json_counters(struct jw *w, const struct fl_reg_fault *rf, const struct fl_fault_stats *st)
{
	const struct fl_fault_kind *k = fl_kind_find(rf->kind);

	jw_kbool(w, "counters_valid", st->valid);
	jw_ku64(w, "matched", st->matched);
	jw_ku64(w, "injected", st->injected);
	jw_key(w, "counters");
	jw_obj_open(w);
	for (int s = 0; k && k->stats && s < FL_FAULT_STATS && k->stats[s].key; s++)
		jw_ku64(w, k->stats[s].key, st->extra[s]);
	jw_obj_close(w);
}

static void json_fault(struct jw *w, const struct fl_reg *r, int i, const struct fl_fault_stats *st)
{
	const struct fl_reg_fault *rf = &r->faults[i];

	jw_obj_open(w);
	jw_ki64(w, "index", i);
	jw_kstr(w, "kind", rf->kind);
	jw_kstr(w, "action", rf->action);
	jw_kstr(w, "fault", rf->desc);
	jw_kstr(w, "mechanism", rf->mechanism);
	jw_kstr(w, "attach", rf->attach);
	jw_ku64(w, "duration_ns", rf->duration_ns);
	jw_members(w, rf->json);
	jw_kbool(w, "ended", rf->ended || r->state == FL_REG_ENDED);
	json_counters(w, rf, st);
	jw_obj_close(w);
}

static void json_probe(struct jw *w, const struct fl_reg *r)
{
	jw_key(w, "steady_state");
	if (!r->probe[0])
		return jw_null(w);
	jw_obj_open(w);
	jw_kstr(w, "check", r->probe);
	jw_ku64(w, "checks", r->probe_checks);
	jw_ku64(w, "failed", r->probe_failed);
	jw_kstr(w, "last_error", r->probe_error);
	jw_obj_close(w);
}

/* exec's command: null for every other experiment. */
static void json_command(struct jw *w, const struct fl_reg *r)
{
	jw_key(w, "command");
	if (!r->command[0])
		return jw_null(w);
	jw_obj_open(w);
	jw_kstr(w, "line", r->command);
	jw_ki64(w, "pid", r->command_pid);
	jw_kstr(w, "cgroup", r->exec_cgroup);
	jw_key(w, "exit_code");
	if (r->state == FL_REG_ENDED && r->command_exit >= 0)
		jw_i64(w, r->command_exit);
	else
		jw_null(w);
	jw_key(w, "signal");
	if (r->state == FL_REG_ENDED && r->command_signal > 0)
		jw_i64(w, r->command_signal);
	else
		jw_null(w);
	jw_obj_close(w);
}

static void jw_kns_or_null(struct jw *w, const char *key, bool on, uint64_t ns)
{
	jw_key(w, key);
	if (on)
		jw_u64(w, ns);
	else
		jw_null(w);
}

static void json_phase(struct jw *w, const struct fl_reg *r, enum fl_phase ph)
{
	const struct fl_reg_phase *p = &r->phases[ph];

	jw_key(w, fl_phase_name(ph));
	if (!p->on)
		return jw_null(w);
	jw_obj_open(w);
	jw_kstr(w, "result", p->result);
	jw_key(w, "rule");
	if (p->rule[0])
		jw_str(w, p->rule);
	else
		jw_null(w);
	jw_kstr(w, "reason", p->why);
	jw_ku64(w, "elapsed_ns", p->elapsed_ns);
	jw_ku64(w, "checks", p->checks);
	jw_ku64(w, "failed", p->failed);
	jw_ku64(w, "max_consecutive_failed", p->max_consecutive);
	if (ph != FL_PHASE_DURING)
		jw_ku64(w, "limit_ns", p->limit_ns);
	if (ph == FL_PHASE_RECOVERY)
		jw_kns_or_null(w, "recovered_after_ns", p->recovered_ns >= 0, p->recovered_ns);
	if (ph == FL_PHASE_DURING) {
		jw_ku64(w, "failures", r->probe_failures);
		jw_key(w, "max_failure_rate");
		if (r->has_max_rate)
			jw_double(w, r->max_rate / 4294967296.0);
		else
			jw_null(w);
		jw_kdouble(w, "failure_rate", p->checks ? (double)p->failed / p->checks : 0);
	}
	jw_obj_close(w);
}

static void json_verdict(struct jw *w, const struct fl_reg *r)
{
	const char *v = fl_hyp_verdict_name(r), *rule = fl_hyp_failed_rule(r);

	jw_key(w, "verdict");
	if (v)
		jw_str(w, v);
	else
		jw_null(w);
	jw_key(w, "failed_rule");
	if (v && rule)
		jw_str(w, rule);
	else
		jw_null(w);
	jw_key(w, "phases");
	jw_obj_open(w);
	for (int i = 0; i < FL_PHASES; i++)
		json_phase(w, r, i);
	jw_obj_close(w);
}

static void json_end(struct jw *w, const struct fl_reg *r)
{
	bool ended = r->state == FL_REG_ENDED;

	jw_key(w, "stopped_by");
	if (ended)
		jw_str(w, r->stopped_by);
	else
		jw_null(w);
	jw_kbool(w, "aborted", ended && (!strcmp(r->stopped_by, "steady state") ||
					 !strcmp(r->stopped_by, "baseline")));
	jw_kstr(w, "reason", ended ? r->reason : "");
	jw_key(w, "exit_status");
	if (ended && r->exit_status >= 0)
		jw_i64(w, r->exit_status);
	else
		jw_null(w);
}

void fl_report_json(struct jw *w, const struct fl_reg *r, const struct fl_fault_stats *st)
{
	jw_obj_open(w);
	fl_report_json_members(w, r, st);
	jw_obj_close(w);
}

void fl_report_json_members(struct jw *w, const struct fl_reg *r, const struct fl_fault_stats *st)
{
	struct fl_fault_stats mine[FL_REG_FAULTS];

	for (int i = 0; !st && i < r->nfaults; i++)
		fl_reg_fault_stats(r, i, &mine[i]);
	jw_ki64(w, "schema_version", FL_SCHEMA_VERSION);
	jw_kstr(w, "id", r->id);
	jw_kstr(w, "name", r->name);
	jw_kstr(w, "file", r->file);
	jw_kstr(w, "state", fl_reg_state_name(r->state));
	jw_kbool(w, "dry_run", r->state == FL_REG_PLANNED);
	json_target(w, r);
	jw_ki64(w, "pid", r->pid);
	jw_kbool(w, "detached", r->detached);
	jw_ki64(w, "started", r->start_real);
	jw_ku64(w, "duration_ns", r->duration_ns);
	jw_ku64(w, "seed", r->seed);
	jw_ku64(w, "elapsed_ns", elapsed(r));
	jw_ku64(w, "remaining_ns", remaining(r));
	json_end(w, r);
	json_command(w, r);
	json_verdict(w, r);
	jw_key(w, "faults");
	jw_arr_open(w);
	for (int i = 0; i < r->nfaults; i++)
		json_fault(w, r, i, st ? &st[i] : &mine[i]);
	jw_arr_close(w);
	json_probe(w, r);
}

void fl_report_list_json(struct jw *w, const struct fl_reg *v, int n)
{
	jw_obj_open(w);
	jw_ki64(w, "schema_version", FL_SCHEMA_VERSION);
	jw_key(w, "experiments");
	jw_arr_open(w);
	for (int i = 0; i < n; i++)
		fl_report_json(w, &v[i], NULL);
	jw_arr_close(w);
	jw_obj_close(w);
}

void fl_report_fault_line(const struct fl_reg *r, int i, const struct fl_fault_stats *st,
			  bool aligned, char *buf, size_t size)
{
	const struct fl_reg_fault *rf = &r->faults[i];
	const struct fl_fault_kind *k = fl_kind_find(rf->kind);
	int n;

	/* Aligned columns for a view redrawn in place, plain words for a summary. */
	n = snprintf(buf, size, aligned ? "  [%d] %-40s matched %8llu  injected %8llu" :
		     "  [%d] %s: matched %llu, injected %llu", i + 1, rf->desc,
		     (unsigned long long)st->matched, (unsigned long long)st->injected);
	if (n > 0 && (size_t)n < size && k && k->detail) {
		struct fl_fault f = { .kind = k, .action = fl_kind_action(k, rf->action) };

		buf[n++] = ' ';
		buf[n++] = ' ';
		buf[n] = '\0';
		k->detail(&f, st, buf + n, size - n);
		n = strlen(buf);
	}
	if (n > 0 && (size_t)n < size && !st->valid)
		snprintf(buf + n, size - n, r->state == FL_REG_ENDED && !strcmp(r->stopped_by, "baseline") ?
			 "  (never attached)" : "  (counters gone)");
}

/* "  baseline  passed: 10/10 checks ok", then "verdict: failed (recovery): ..." */
static void text_verdict(FILE *out, const struct fl_reg *r)
{
	const char *v = fl_hyp_verdict_name(r), *rule = fl_hyp_failed_rule(r);

	for (int i = 0; i < FL_PHASES; i++) {
		const struct fl_reg_phase *p = &r->phases[i];

		if (p->on && !strcmp(p->result, "skipped"))
			fprintf(out, "  steady state %-8s skipped: %s\n", fl_phase_name(i), p->why);
		else if (p->on)
			fprintf(out, "  steady state %-8s %-7s %u/%u checks ok%s%s\n", fl_phase_name(i),
				p->result, p->checks - p->failed, p->checks, p->why[0] ? "; " : "", p->why);
	}
	if (!v)
		return;
	if (!strcmp(v, "failed"))
		fprintf(out, "verdict: FAILED (%s): %s\n", rule ? rule : "?", r->reason);
	else
		fprintf(out, "verdict: %s\n", v);
}

/* exec's command; how it ended too when the reason is a failed rule's, not its exit. */
static void text_command(FILE *out, const struct fl_reg *r)
{
	bool said = !(r->state == FL_REG_ENDED && !strcmp(r->verdict, "failed"));

	fprintf(out, "  command: %s (pid %d)", r->command, r->command_pid);
	if (!said && r->command_exit >= 0)
		fprintf(out, ": exited with status %d", r->command_exit);
	else if (!said && r->command_signal > 0)
		fprintf(out, ": killed by signal %d", r->command_signal);
	fputc('\n', out);
}

void fl_report_text(FILE *out, const struct fl_reg *r, const struct fl_fault_stats *st)
{
	struct fl_fault_stats mine;
	char left[32], el[32], line[512];

	fl_fmt_duration(remaining(r), left, sizeof(left));
	fl_fmt_duration(elapsed(r), el, sizeof(el));
	if (r->state == FL_REG_ENDED && !strcmp(r->stopped_by, "baseline"))
		fprintf(out, "experiment %s (%s) on %s FAILED its baseline: %s; nothing was attached\n",
			r->id, r->name, r->target, r->reason);
	else if (r->state == FL_REG_ENDED && !strcmp(r->stopped_by, "steady state"))
		fprintf(out, "experiment %s (%s) on %s ABORTED after %s: the steady-state probe failed (%s); "
			"everything is detached\n", r->id, r->name, r->target, el, r->reason);
	else if (r->state == FL_REG_ENDED)
		fprintf(out, "experiment %s (%s) on %s ended after %s (%s)%s%s; everything is detached\n",
			r->id, r->name, r->target, el, r->stopped_by, r->reason[0] ? ": " : "", r->reason);
	else
		fprintf(out, "experiment %s (%s) on %s, pid %d%s, %s left\n", r->id, r->name, r->target,
			r->pid, r->detached ? " (detached)" : "", left);
	if (r->command[0])
		text_command(out, r);
	fprintf(out, "  seed %" PRIu64 " (--seed %" PRIu64 " replays these draws)\n", r->seed, r->seed);
	for (int i = 0; i < r->nfaults; i++) {
		if (st)
			mine = st[i];
		else
			fl_reg_fault_stats(r, i, &mine);
		fl_report_fault_line(r, i, &mine, false, line, sizeof(line));
		fprintf(out, "%s\n", line);
		fprintf(out, "      %s\n", r->faults[i].attach);
	}
	text_verdict(out, r);
}
