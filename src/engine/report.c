// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* One schema for every view of an experiment (report.h). */
#include <stdio.h>
#include <string.h>
#include "ctl.h"
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

static void json_end(struct jw *w, const struct fl_reg *r)
{
	bool ended = r->state == FL_REG_ENDED;

	jw_key(w, "stopped_by");
	if (ended)
		jw_str(w, r->stopped_by);
	else
		jw_null(w);
	jw_kbool(w, "aborted", ended && !strcmp(r->stopped_by, "steady state"));
	jw_kstr(w, "reason", ended ? r->reason : "");
	jw_key(w, "exit_status");
	if (ended && r->exit_status >= 0)
		jw_i64(w, r->exit_status);
	else
		jw_null(w);
}

void fl_report_json(struct jw *w, const struct fl_reg *r, const struct fl_fault_stats *st)
{
	struct fl_fault_stats mine[FL_REG_FAULTS];

	for (int i = 0; !st && i < r->nfaults; i++)
		fl_reg_fault_stats(r, i, &mine[i]);
	jw_obj_open(w);
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
	jw_ku64(w, "elapsed_ns", elapsed(r));
	jw_ku64(w, "remaining_ns", remaining(r));
	json_end(w, r);
	json_command(w, r);
	jw_key(w, "faults");
	jw_arr_open(w);
	for (int i = 0; i < r->nfaults; i++)
		json_fault(w, r, i, st ? &st[i] : &mine[i]);
	jw_arr_close(w);
	json_probe(w, r);
	jw_obj_close(w);
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
		snprintf(buf + n, size - n, "  (counters gone)");
}

void fl_report_text(FILE *out, const struct fl_reg *r, const struct fl_fault_stats *st)
{
	struct fl_fault_stats mine;
	char left[32], el[32], line[512];

	fl_fmt_duration(remaining(r), left, sizeof(left));
	fl_fmt_duration(elapsed(r), el, sizeof(el));
	if (r->state == FL_REG_ENDED && !strcmp(r->stopped_by, "steady state"))
		fprintf(out, "experiment %s (%s) on %s ABORTED after %s: the steady-state probe failed (%s); "
			"everything is detached\n", r->id, r->name, r->target, el, r->reason);
	else if (r->state == FL_REG_ENDED)
		fprintf(out, "experiment %s (%s) on %s ended after %s (%s)%s%s; everything is detached\n",
			r->id, r->name, r->target, el, r->stopped_by, r->reason[0] ? ": " : "", r->reason);
	else
		fprintf(out, "experiment %s (%s) on %s, pid %d%s, %s left\n", r->id, r->name, r->target,
			r->pid, r->detached ? " (detached)" : "", left);
	if (r->command[0])
		fprintf(out, "  command: %s (pid %d)\n", r->command, r->command_pid);
	for (int i = 0; i < r->nfaults; i++) {
		if (st)
			mine = st[i];
		else
			fl_reg_fault_stats(r, i, &mine);
		fl_report_fault_line(r, i, &mine, false, line, sizeof(line));
		fprintf(out, "%s\n", line);
		fprintf(out, "      %s\n", r->faults[i].attach);
	}
}
