// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The one runner. `faultline run FILE` and every one-fault command
 * (`net drop`, `sys fail`, ...) come here with a struct fl_experiment:
 * every fault is prepared (nothing touched), then attached inert, or none
 * is; then all are armed at once, each with its deadline in the kernel
 * counted from that moment; the controller then watches the clock,
 * signals, the kill switch, the target and the steady-state probe.
 * Whatever ends it, everything is detached, the record keeps the summary,
 * and the summary says why. `exec` is such an experiment too, whose
 * target is the cgroup made for its command and whose end is the
 * command's exit (exec.c does the command's side, at the points below).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include "ctl.h"
#include "exec.h"
#include "hypothesis.h"
#include "json.h"
#include "log.h"
#include "options.h"
#include "report.h"
#include "report_file.h"
#include "run.h"
#include "runner.h"
#include "watchdog.h"

/* Who speaks in messages: "exec", "run" for a file, the command ("net drop") for one fault. */
static const char *who(const struct fl_experiment *e, const struct fl_run_opts *o)
{
	static char buf[64];

	if (o->exec)
		return "exec";
	if (e->file[0])
		return "run";
	snprintf(buf, sizeof(buf), "%s %s", e->faults[0].kind->name,
		 e->faults[0].kind->actions[e->faults[0].action].name);
	return buf;
}

/* "FILE:LINE:COL: " for a fault of a file, "" for a command's. */
static void where(const struct fl_experiment *e, const struct fl_fault *f, char *buf, size_t size)
{
	if (e->file[0] && f->line)
		snprintf(buf, size, "%s:%d:%d: ", e->file, f->line, f->col);
	else
		buf[0] = '\0';
}

/* ---------------------------------------------- checks before attaching */

static int check_conflicts(const struct fl_experiment *e, char *err)
{
	char why[FL_ERRLEN], at[PATH_MAX + 32];

	for (int i = 0; i < e->nfaults; i++)
		for (int j = 0; j < i; j++) {
			const struct fl_fault *a = &e->faults[i], *b = &e->faults[j];

			if (a->kind != b->kind || !a->kind->conflict || !a->kind->conflict(a, b, why))
				continue;
			where(e, a, at, sizeof(at));
			snprintf(err, FL_ERRLEN, "%s%s", at, why);
			return -EINVAL;
		}
	return 0;
}

static int check_duration(const struct fl_experiment *e, const struct fl_run_opts *o, char *err)
{
	char why[FL_ERRLEN];

	if (!fl_check_duration(e->duration_ns, o->cap_ns, why))
		return 0;
	if (e->file[0])
		snprintf(err, FL_ERRLEN, "%s: %s; so does --max-duration", e->file, why);
	else
		snprintf(err, FL_ERRLEN, "%s; so does --max-duration", why);
	return -EINVAL;
}

/*
 * Target, paths and mechanisms, all before anything is attached: -EINVAL
 * for bad input (exit 2), another -errno when the kernel or the host says
 * no (a missing mechanism, someone's qdisc: exit 1).
 */
static int prepare(struct fl_experiment *e, const struct fl_run_opts *o, char *err)
{
	char why[FL_ERRLEN], at[PATH_MAX + 32];
	int rc;

	rc = check_duration(e, o, err);
	if (!rc)
		rc = check_conflicts(e, err);
	/* `run FILE` with a fault that acts in the processes exec starts. */
	for (int i = 0; !rc && !o->exec && i < e->nfaults; i++)
		if (fl_fault_needs_exec(&e->faults[i], why)) {
			where(e, &e->faults[i], at, sizeof(at));
			snprintf(err, FL_ERRLEN, "%s%s", at, why);
			rc = -EINVAL;
		}
	/* A target that is not there, or not allowed, is bad input whatever errno said. */
	if (!rc && fl_target_resolve(&e->target, o->force, err))
		rc = -EINVAL;
	for (int i = 0; !rc && i < e->nfaults; i++) {
		struct fl_fault *f = &e->faults[i];

		f->force |= o->force;
		/* Allowed (it measures what a fault would hit), but never silently. */
		if (fl_fault_never_fires(f)) {
			where(e, f, at, sizeof(at));
			pr_info("note: %s%s: probability 0: it counts the matches and injects nothing\n",
				at, f->desc);
		}
		rc = f->kind->prepare ? f->kind->prepare(f, &e->target, why) : 0;
		if (rc) {
			where(e, f, at, sizeof(at));
			snprintf(err, FL_ERRLEN, "%s%s", at, why);
		}
	}
	return rc;
}

/* "options" and "plan" of a fault, kept in the record for status and list. */
static void fault_json(const struct fl_fault *f, char *buf, size_t size)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	struct jw w;

	snprintf(buf, size, "{}");
	if (!mem)
		return;
	jw_init(&w, mem);
	jw_obj_open(&w);
	fl_fault_options_json(f, &w);
	jw_key(&w, "plan");
	jw_obj_open(&w);
	if (f->kind->plan_json)
		f->kind->plan_json(f, &w);
	jw_obj_close(&w);
	jw_obj_close(&w);
	fclose(mem);
	if (text && len < size)
		snprintf(buf, size, "%s", text);
	free(text);
}

static void record_faults(struct run *r)
{
	for (int i = 0; i < r->e->nfaults; i++) {
		const struct fl_fault *f = &r->e->faults[i];
		struct fl_reg_fault *rf = &r->reg.faults[i];

		snprintf(rf->kind, sizeof(rf->kind), "%s", f->kind->name);
		snprintf(rf->action, sizeof(rf->action), "%s", f->kind->actions[f->action].name);
		snprintf(rf->desc, sizeof(rf->desc), "%s", f->desc);
		snprintf(rf->mechanism, sizeof(rf->mechanism), "%s", f->mechanism);
		snprintf(rf->attach, sizeof(rf->attach), "%s", f->attach);
		rf->duration_ns = f->duration_ns && f->duration_ns < r->e->duration_ns ?
				  f->duration_ns : r->e->duration_ns;
		fault_json(f, rf->json, sizeof(rf->json));
	}
}

static void record_init(struct run *r)
{
	const struct fl_experiment *e = r->e;
	struct fl_reg *g = &r->reg;

	snprintf(g->name, sizeof(g->name), "%s", e->name);
	snprintf(g->file, sizeof(g->file), "%s", e->file);
	snprintf(g->target, sizeof(g->target), "%s", e->target.rel);
	snprintf(g->target_path, sizeof(g->target_path), "%s", e->target.path);
	g->cgid = e->target.cgid;
	g->level = e->target.level;
	g->nprocs = e->target.nprocs;
	g->detached = r->o->detach;
	g->duration_ns = e->duration_ns;
	g->seed = e->seed;
	g->nfaults = e->nfaults;
	if (e->has_probe)
		snprintf(g->probe, sizeof(g->probe), "%s", e->probe.url[0] ? e->probe.url : e->probe.command);
	fl_hyp_init(g, e);
	if (r->o->exec)
		fl_exec_record(r->o->exec, g);
	fl_series_init(&r->series, e->nfaults, 0);	/* time 0: the first check, or arm */
	record_faults(r);
}

static void print_json(FILE *out, const struct fl_reg *g, const struct fl_fault_stats *st)
{
	struct jw w;

	jw_init(&w, out);
	fl_report_json(&w, g, st);
	jw_end(&w);
}

/*
 * --report, at the end of every run however it ended. A report that was
 * asked for and cannot be written fails a run that would have passed
 * (exec: with 125, faultline's own failure, not a plain exit 1).
 */
static void write_report(struct run *r)
{
	struct fl_report *rep;
	char err[FL_ERRLEN] = "out of memory";
	int rc = -ENOMEM;

	if (!r->report[0])
		return;
	rep = calloc(1, sizeof(*rep));
	if (rep) {
		rep->reg = &r->reg;
		rep->st = r->now;
		rep->series = &r->series;
		rep->has_seed = true;	/* every run has one: --seed replays it */
		rep->seed = r->reg.seed;
		/* Commands with more to say (exec: its command's exit) add their testcases. */
		if (r->o->report_cases)
			r->o->report_cases(rep, r->o->report_arg);
		rc = fl_report_write(r->report, rep, err);
		free(rep);
	}
	if (!rc)
		return;
	pr_warn("%s: --report: %s\n", who(r->e, r->o), err);
	if (!r->reg.exit_status)
		r->reg.exit_status = r->o->exec ? FL_EXIT_EXEC_FAIL : FL_EXIT_FAIL;
}

static void dry_run_text(struct run *r)
{
	const struct fl_exp_probe *p = &r->e->probe;
	char dur[32], b[32], rec[32];

	fl_fmt_duration(r->e->duration_ns, dur, sizeof(dur));
	printf("experiment %s: would run for %s on %s (cgroup id %llu, %d process%s)\n", r->e->name,
	       dur, r->e->target.rel, (unsigned long long)r->e->target.cgid, r->e->target.nprocs,
	       r->e->target.nprocs == 1 ? "" : "es");
	for (int i = 0; i < r->e->nfaults; i++)
		printf("  [%d] %s\n      -> %s\n", i + 1, r->e->faults[i].desc, r->e->faults[i].attach);
	printf("  seed %llu\n", (unsigned long long)r->e->seed);
	if (r->e->has_probe) {
		fl_fmt_duration(p->interval_ns, dur, sizeof(dur));
		printf("  steady state: %s every %s, abort after %u failures in a row\n", r->reg.probe,
		       dur, p->failures);
		fl_fmt_duration(p->baseline_ns, b, sizeof(b));
		fl_fmt_duration(p->recovery_ns, rec, sizeof(rec));
		if (p->baseline_ns)
			printf("  baseline: %s of passing checks before anything attaches\n", b);
		if (p->has_max_failure_rate)
			printf("  during the faults: at most %.1f%% of the checks may fail\n",
			       100.0 * p->max_failure_rate / 4294967296.0);
		if (p->recovery_ns)
			printf("  recovery: a passing check within %s of the faults' end\n", rec);
	}
	if (r->o->exec)
		printf("  command: %s (not run)\n", r->reg.command);
	printf("nothing attached (--dry-run)\n");
}

static void dry_run(struct run *r)
{
	r->reg.state = FL_REG_PLANNED;
	if (fl_json)
		print_json(stdout, &r->reg, r->now);
	else
		dry_run_text(r);
	write_report(r);
}

/* ---------------------------------------------------------------- running */

/* fault.h's note(): the record names it before the family changes it. */
static int note_cb(void *arg, const char *text)
{
	struct note_arg *n = arg;

	return fl_reg_note(&n->r->reg, n->index, text);
}

void fl_run_end_fault(struct run *r, int i)
{
	struct fl_fault *f = &r->e->faults[i];
	uint64_t now = fl_now_ns();

	if (!r->started[i])
		return;
	f->kind->read(f, &r->now[i]);
	f->kind->stop(f, &r->now[i]);
	r->started[i] = false;
	r->reg.faults[i].ended = true;
	r->reg.faults[i].final = r->now[i];
	/* The kernel stopped it at its deadline, whenever we noticed. */
	if (r->armed)
		fl_series_fault_end(&r->series, i, now < r->deadline[i] ? now : r->deadline[i],
				    r->now[i].injected);
}

static void end_all(struct run *r)
{
	for (int i = r->e->nfaults - 1; i >= 0; i--)
		fl_run_end_fault(r, i);
}

static int start_fault(struct run *r, int i, char *err)
{
	struct fl_fault *f = &r->e->faults[i];
	struct fl_fault_ctx *c = &r->ctx[i];

	*c = (struct fl_fault_ctx){
		.target = &r->e->target, .generation = r->generation, .index = i, .seed = r->e->seed,
		.exp_id = strtoul(r->reg.id, NULL, 16),
		.force = f->force, .note = note_cb, .note_arg = &r->notes[i],
	};
	r->notes[i] = (struct note_arg){ r, i };
	fl_reg_pin_path(&r->reg, NULL, c->pin_prefix, sizeof(c->pin_prefix));
	snprintf(c->pin_prefix + strlen(c->pin_prefix), sizeof(c->pin_prefix) - strlen(c->pin_prefix),
		 "/f%d", i);
	if (f->kind->start(f, c, err))
		return -1;
	r->started[i] = true;
	return 0;
}

/* err names the fault when there are several; everything started is stopped. */
static int fault_failed(struct run *r, int i, const char *why, char *err)
{
	if (r->e->nfaults > 1)
		snprintf(err, FL_ERRLEN, "fault %d (%s): %s", i + 1, r->e->faults[i].desc, why);
	else
		snprintf(err, FL_ERRLEN, "%s", why);
	end_all(r);
	return -1;
}

static int start_all(struct run *r, char *err)
{
	char why[FL_ERRLEN];

	for (int i = 0; i < r->e->nfaults; i++)
		if (start_fault(r, i, why))
			return fault_failed(r, i, why, err);
	return 0;
}

/*
 * Every fault is attached and inert: from now each injects for its
 * duration, so the loads and attaches before (tens of ms) take nothing
 * from it. The record is saved again after, with the times of this
 * moment: status and list count from it too.
 */
static int arm_all(struct run *r, char *err)
{
	struct fl_reg *g = &r->reg;
	char why[FL_ERRLEN];
	int rc;

	g->start_ns = fl_now_ns();
	g->deadline_ns = g->start_ns + r->e->duration_ns;
	for (int i = 0; i < r->e->nfaults; i++) {
		struct fl_fault *f = &r->e->faults[i];

		r->deadline[i] = g->start_ns + g->faults[i].duration_ns;
		if (f->kind->arm(f, r->deadline[i], why))
			return fault_failed(r, i, why, err);
	}
	r->armed = true;
	if (!r->series.zero_ns)
		r->series.zero_ns = g->start_ns;	/* no baseline: the timeline starts here */
	for (int i = 0; i < r->e->nfaults; i++)
		fl_series_fault_start(&r->series, i, g->start_ns);
	fl_series_phase(&r->series, FL_PHASE_DURING, g->start_ns, 0);
	fl_hyp_begin(g, FL_PHASE_DURING);
	rc = fl_reg_save(g);
	if (rc) {
		snprintf(err, FL_ERRLEN, "cannot record the experiment's start: %s", strerror(-rc));
		end_all(r);
	}
	return rc;
}

static void finish(struct run *r, const char *stopped_by)
{
	struct fl_reg *g = &r->reg;
	char why[sizeof(g->stopped_by)];
	uint64_t end = fl_now_ns();

	snprintf(why, sizeof(why), "%s", stopped_by);	/* it may point into g */
	snprintf(g->stopped_by, sizeof(g->stopped_by), "%s", why);
	/*
	 * From live to the end of injecting: the detach, or the deadline, when
	 * the kernel stopped every rule whatever came after. 0: never live.
	 */
	g->elapsed_ns = r->armed ? r->faults_end_ns - g->start_ns : 0;
	if (r->e->has_probe) {
		g->probe_checks = r->steady.checks;
		g->probe_failed = r->steady.failed;
		snprintf(g->probe_error, sizeof(g->probe_error), "%s", r->steady.last_error);
	}
	fl_hyp_verdict(g);
	/* exec: its cgroup goes before the record is done; the exit status is CMD's (exec.h). */
	if (r->o->exec)
		fl_exec_finish(r->o->exec, g);
	g->state = FL_REG_ENDED;
	if (r->armed)
		fl_watch_render(r, end, true);
	/* exec: stdout is CMD's alone. */
	if (fl_json)
		print_json(r->o->exec ? stderr : stdout, g, r->now);
	else
		fl_report_text(r->o->exec ? stderr : stdout, g, r->now);
	fflush(NULL);
	write_report(r);
	fl_reg_finish(g);
}

/* After the record exists, nothing could attach: the report says why, nothing stays. */
static int failed_start(struct run *r, const char *err)
{
	struct fl_reg *g = &r->reg;

	pr_warn("%s: %s; nothing is attached\n", who(r->e, r->o), err);
	snprintf(g->verdict, sizeof(g->verdict), "error");
	snprintf(g->reason, sizeof(g->reason), "%s", err);
	snprintf(g->stopped_by, sizeof(g->stopped_by), "error");
	g->elapsed_ns = 0;
	fl_hyp_verdict(g);
	g->state = FL_REG_ENDED;
	if (r->o->exec)
		g->exit_status = fl_exec_exit(r->o->exec, FL_EXIT_FAIL, false);	/* 125, 126, 127... */
	write_report(r);
	/* exec: the cgroup goes before the record that names it. */
	if (r->o->exec)
		fl_exec_cleanup(r->o->exec);
	fl_reg_remove(g);
	return FL_EXIT_FAIL;
}

/*
 * stop says why the faults end. exec: CMD exited, and what it left is
 * killed while still faulted; or the run ended first (the deadline, the
 * probe, stop --all): the faults go, then CMD gets SIGTERM.
 */
static void end_faults(struct run *r, const char *stop)
{
	struct fl_exec *x = r->o->exec;
	bool exited = x && !strcmp(stop, FL_EXEC_STOP);
	uint64_t now;

	if (exited)
		fl_exec_end(x, false);
	end_all(r);
	now = fl_now_ns();
	r->faults_end_ns = now < r->reg.deadline_ns ? now : r->reg.deadline_ns;
	if (x && !exited)
		fl_exec_end(x, true);
}

/* The faults ended (stop says why): the recovery, if asked for and not cut short; the judging. */
static void after_faults(struct run *r, const char *stop)
{
	const char *cut = fl_hyp_cut_short(stop) ? stop : NULL;

	fl_series_phase(&r->series, FL_PHASE_DURING, 0, r->faults_end_ns);
	if (!r->e->has_probe)
		return;
	if (r->reg.phases[FL_PHASE_RECOVERY].on && !cut) {
		/* For status meanwhile; judged again after, with a check still running. */
		fl_hyp_end(&r->reg, FL_PHASE_DURING, &r->steady.ph[FL_PHASE_DURING], r->reg.start_ns,
			   r->faults_end_ns, NULL);
		fl_hyp_begin(&r->reg, FL_PHASE_RECOVERY);
		fl_reg_save(&r->reg);
		fl_watch_recovery(r);
	}
	fl_steady_stop(&r->steady);
	/* After the recovery: a check that started during the faults counts for them. */
	fl_hyp_end(&r->reg, FL_PHASE_DURING, &r->steady.ph[FL_PHASE_DURING], r->reg.start_ns,
		   r->faults_end_ns, cut);
}

/* --detach: from here on the experiment's output goes to its log. */
static void go_background(struct run *r, int notify)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), FL_RUN_DIR "/%s/log", r->reg.id);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	dprintf(notify, "%s\n", r->reg.id);
	close(notify);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0)
		dup2(fd, STDIN_FILENO);
}

/*
 * Before the first fault starts, so that the watchdog holds none of its
 * fds (watchdog.c). Its socket stays open until this process ends, however
 * it ends: that end is what the watchdog waits for.
 */
static int start_watchdog(struct run *r, char *err)
{
	int fd = fl_watchdog_start(r->reg.id);

	if (fd >= 0 && r->o->exec)
		r->o->exec->watchdog_fd = fd;	/* it holds what must outlive us until CMD is killed */
	if (fd >= 0)
		return 0;
	snprintf(err, FL_ERRLEN, "cannot start the watchdog: %s", strerror(-fd));
	return fd;
}

static int execute(struct run *r, int notify)
{
	char err[FL_ERRLEN] = "", dur[32];
	const char *stop;
	int rc;

	if (!r->o->exec)
		fl_signals_install();	/* exec's are taken already, to pass them on to CMD */
	rc = fl_ctl_prepare(&r->generation);
	if (rc) {
		pr_warn("%s: cannot prepare %s: %s\n", who(r->e, r->o), FL_PIN_ROOT, strerror(-rc));
		return FL_EXIT_FAIL;
	}
	r->reg.state = FL_REG_RUNNING;
	/* Provisional, for a status before the faults are live: arm_all() sets them. */
	r->reg.start_ns = fl_now_ns();
	r->reg.deadline_ns = r->reg.start_ns + r->e->duration_ns;
	rc = fl_reg_create(&r->reg, err);
	if (!rc)
		rc = start_watchdog(r, err);
	if (rc)
		return failed_start(r, err);
	r->steady.series = &r->series;
	if (r->reg.phases[FL_PHASE_BASELINE].on) {
		fl_hyp_begin(&r->reg, FL_PHASE_BASELINE);
		fl_reg_save(&r->reg);
		stop = fl_watch_baseline(r);
		if (stop) {
			finish(r, stop);	/* nothing was attached */
			return r->reg.exit_status;
		}
	}
	rc = start_all(r, err);
	if (!rc)
		rc = arm_all(r, err);
	if (rc)
		return failed_start(r, err);
	fl_fmt_duration(r->e->duration_ns, dur, sizeof(dur));
	/* Tools and tests wait for this line: every fault is live from here. */
	pr_info("faultline: experiment %s (%s) attached to %s: %d fault%s for %s, seed %llu\n",
		r->reg.id, r->e->name, r->e->target.rel, r->e->nfaults, r->e->nfaults == 1 ? "" : "s",
		dur, (unsigned long long)r->e->seed);
	/* exec: CMD may run now; if it cannot, nothing of it ran, and nothing stays. */
	if (r->o->exec && fl_exec_go(r->o->exec, err)) {
		end_all(r);
		return failed_start(r, err);
	}
	if (notify >= 0)
		go_background(r, notify);
	stop = fl_watch_faults(r);
	end_faults(r, stop);
	after_faults(r, stop);
	finish(r, stop);
	return r->reg.exit_status;
}

/* The parent waits until the child is attached (id on the pipe) or gave up. */
static int detach(struct run *r)
{
	char id[32] = "";
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC)) {
		pr_warn("%s: pipe: %s\n", who(r->e, r->o), strerror(errno));
		return FL_EXIT_FAIL;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		pr_warn("%s: fork: %s\n", who(r->e, r->o), strerror(errno));
		return FL_EXIT_FAIL;
	}
	if (pid == 0) {
		close(pfd[0]);
		setsid();	/* the terminal's Ctrl-C and hangup are no longer ours */
		_exit(execute(r, pfd[1]));
	}
	close(pfd[1]);
	n = read(pfd[0], id, sizeof(id) - 1);
	close(pfd[0]);
	if (n <= 0) {
		waitpid(pid, &status, 0);
		return WIFEXITED(status) ? WEXITSTATUS(status) : FL_EXIT_FAIL;
	}
	id[strcspn(id, "\n")] = '\0';
	pr_info("experiment %s runs in the background (pid %d): 'faultline status %s', "
		"'faultline stop %s'\n", id, pid, id, id);
	printf("%s\n", id);
	return FL_EXIT_OK;
}

int fl_run(struct fl_experiment *e, struct fl_run_opts *o)
{
	char err[FL_ERRLEN] = "", report[PATH_MAX] = "";
	enum fl_report_format fmt;
	struct run *r;
	int rc;

	if (!o->cap_ns && fl_duration_cap(&o->cap_ns, err)) {
		pr_warn("%s: %s\n", who(e, o), err);
		return FL_EXIT_USAGE;
	}
	if (geteuid() != 0) {
		pr_warn("%s: needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN) to load BPF programs and "
			"change qdiscs\n", e->name);
		return FL_EXIT_USAGE;
	}
	if (o->report && fl_report_check(o->report, report, &fmt, err)) {
		pr_warn("%s: %s\n", who(e, o), err);
		return FL_EXIT_USAGE;
	}
	rc = prepare(e, o, err);
	if (rc) {
		pr_warn("%s: %s\n", who(e, o), err);
		return rc == -EINVAL ? FL_EXIT_USAGE : FL_EXIT_FAIL;	/* bad input, else the host said no */
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return FL_EXIT_FAIL;
	r->e = e;
	r->o = o;
	snprintf(r->report, sizeof(r->report), "%s", report);
	fl_exp_choose_seed(e, o->has_seed, o->seed);
	record_init(r);
	if (!e->target.nprocs && !fl_json)
		pr_info("note: %s has no processes yet; the faults apply to those that join it\n",
			e->target.rel);
	if (o->dry_run) {
		dry_run(r);
		rc = r->reg.exit_status;
	} else {
		rc = o->detach ? detach(r) : execute(r, -1);
	}
	free(r);
	return rc;
}
