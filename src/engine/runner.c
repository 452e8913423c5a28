// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `faultline run FILE`: an experiment. Every fault of the file is attached
 * (or none is), each with its deadline in the kernel; the controller then
 * watches: the clock, signals, the kill switch, the target, the
 * steady-state probe. Whatever ends it, everything is detached and the
 * summary says why.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "cmd.h"
#include "ctl.h"
#include "experiment.h"
#include "json.h"
#include "log.h"
#include "net.h"
#include "registry.h"
#include "steady.h"
#include "sys.h"

#define TICK_NS		(250 * 1000000ULL)

struct run_opts {
	const char *file;
	struct fl_target target;	/* --cgroup/--pid/--unit: replaces the file's */
	bool detach, dry_run, force, help;
	__u64 cap_ns;
};

/* One fault while it runs. */
struct live_fault {
	struct fl_exp_fault *f;
	struct fl_sys_plan plan;
	struct fl_fault_ctx ctx;
	struct net_session *net;
	struct sys_run *sys;
	bool ended;
	struct fl_fault_stats now;
	struct fl_rate matched_rate, injected_rate;
	double match_rate, inject_rate;
	char desc[160];
};

struct run {
	struct run_opts *o;
	struct fl_experiment *e;
	struct fl_reg reg;
	struct live_fault lf[FL_EXP_MAX_FAULTS];
	struct fl_steady steady;
	uint64_t generation, start_ns, deadline_ns;
	const char *stopped_by;
	char why[300];
	int drawn;			/* lines of the live view on screen */
};

/* ------------------------------------------------------------ the options */

static int usage(int rc)
{
	fprintf(stderr,
		"Usage: faultline run FILE [--detach] [--dry-run] [--force] [--max-duration D] [--json]\n"
		"                          [--cgroup PATH | --pid PID | --unit NAME]\n\n"
		"Runs the experiment FILE describes (YAML: examples/ has some) in the foreground, with a\n"
		"live view, until its duration ends, Ctrl-C, 'faultline stop ID', or its steady-state\n"
		"probe fails too often; then detaches everything and prints a summary.\n"
		"  --detach        run in the background; prints the experiment's id last on stdout\n"
		"  --dry-run       check the file and show what would be attached where\n"
		"  --force         accept the root cgroup or faultline's own as the target\n"
		"  --cgroup, --pid, --unit  target this instead of the file's target\n"
		"  --max-duration  the cap on the duration (default 1h, or $FAULTLINE_MAX_DURATION)\n"
		"Exit: 0 done, 1 could not attach, 2 bad input, 3 aborted by the steady-state probe.\n\n"
		"Examples:\n"
		"  faultline run examples/flaky-dependency.yaml\n"
		"  faultline run --detach examples/slow-database.yaml && faultline list\n");
	return rc;
}

static int cap_from_env(__u64 *cap)
{
	char err[FL_ERRLEN];

	if (fl_duration_cap(cap, err)) {
		pr_warn("run: %s\n", err);
		return -EINVAL;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		{ "detach", no_argument, NULL, 'd' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "max-duration", required_argument, NULL, 'm' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "pid", required_argument, NULL, 'p' },
		{ "unit", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL },
	};
	char err[FL_ERRLEN];
	int opt;

	if (cap_from_env(&o->cap_ns))
		return -EINVAL;
	optind = 1;
	opterr = 0;
	/* Options may follow the file: `run FILE --cgroup X` reads naturally. */
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': o->detach = true; break;
		case 'n': o->dry_run = true; break;
		case 'f': o->force = true; break;
		case 'h': o->help = true; break;
		case 'c':
		case 'p':
		case 'u':
			if (fl_target_set(&o->target, opt == 'c' ? FL_TARGET_CGROUP : opt == 'p' ?
					  FL_TARGET_PID : FL_TARGET_UNIT, optarg, err)) {
				pr_warn("run: %s\n", err);
				return -EINVAL;
			}
			break;
		case 'm':
			if (fl_parse_duration(optarg, &o->cap_ns, err)) {
				pr_warn("run: --max-duration: %s\n", err);
				return -EINVAL;
			}
			break;
		default:
			pr_warn("run: unknown option '%s' (see 'faultline run --help')\n", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (o->help)
		return 0;
	if (optind != argc - 1) {
		pr_warn("run: %s (see 'faultline run --help')\n",
			optind == argc ? "which experiment file?" : "one experiment file at a time");
		return -EINVAL;
	}
	o->file = argv[optind];
	return 0;
}

/* ---------------------------------------------------- checks before attaching */

static int check_delays(const struct fl_experiment *e, char *err)
{
	for (int i = 0; i < e->nfaults; i++)
		for (int j = 0; j < i; j++) {
			const struct net_opts *a = &e->faults[i].net, *b = &e->faults[j].net;

			if (e->faults[i].kind != FL_FAULT_NET || e->faults[j].kind != FL_FAULT_NET ||
			    a->rule.action != FL_ACT_DELAY || b->rule.action != FL_ACT_DELAY)
				continue;
			if (!a->dev || !b->dev || !strcmp(a->dev, b->dev)) {
				snprintf(err, FL_ERRLEN, "%s:%d:%d: a second delay on the same device: one "
					 "device has one fq and one delay program; use one delay fault",
					 e->file, e->faults[i].line, e->faults[i].col);
				return -EINVAL;
			}
		}
	return 0;
}

/* Target, paths and mechanisms, all before anything is attached. */
static int prepare(struct run *r, char *err)
{
	struct fl_experiment *e = r->e;
	int rc;

	if (fl_check_duration(e->duration_ns, r->o->cap_ns, err)) {
		char why[FL_ERRLEN];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, FL_ERRLEN, "%s: %s; so does --max-duration", e->file, why);
		return -EINVAL;
	}
	rc = check_delays(e, err);
	if (!rc)
		rc = fl_target_resolve(&e->target, r->o->force, err);
	for (int i = 0; !rc && i < e->nfaults; i++) {
		struct live_fault *lf = &r->lf[i];

		lf->f = &e->faults[i];
		fl_exp_fault_desc(lf->f, lf->desc, sizeof(lf->desc));
		if (lf->f->kind == FL_FAULT_NET) {
			lf->f->net.target = e->target;
			continue;
		}
		lf->f->sys.target = e->target;
		rc = fl_sys_resolve_path(&lf->f->sys, err);
		if (!rc)
			rc = fl_sys_plan_here(&lf->f->sys, &lf->plan, err);
		if (rc) {
			char why[FL_ERRLEN];

			snprintf(why, sizeof(why), "%s", err);
			snprintf(err, FL_ERRLEN, "%s:%d:%d: %s", e->file, lf->f->line, lf->f->col, why);
		}
	}
	return rc;
}

/* ---------------------------------------------------------------- dry run */

static const char *where(const struct live_fault *lf, char *buf, size_t size)
{
	const struct fl_exp_fault *f = lf->f;
	size_t n = 0;

	if (f->kind == FL_FAULT_NET && f->net.rule.action == FL_ACT_DROP)
		return "cgroup_skb on the target cgroup";
	if (f->kind == FL_FAULT_NET) {
		snprintf(buf, size, "tc EDT + fq on %s of the target's network namespace",
			 f->net.dev ? f->net.dev : "the default route's device");
		return buf;
	}
	buf[0] = '\0';
	for (int i = 0; i < lf->plan.nsteps && n < size; i++)
		n += snprintf(buf + n, size - n, "%s%s", i ? " " : "", lf->plan.steps[i].hooks);
	return buf;
}

static void dry_run(struct run *r)
{
	char buf[512];
	struct jw w;

	if (fl_json) {
		jw_init(&w, stdout);
		jw_obj_open(&w);
		jw_kbool(&w, "dry_run", true);
		jw_kstr(&w, "name", r->e->name);
		jw_kstr(&w, "target", r->e->target.rel);
		jw_ku64(&w, "cgroup_id", r->e->target.cgid);
		jw_ku64(&w, "duration_ns", r->e->duration_ns);
		jw_key(&w, "faults");
		jw_arr_open(&w);
		for (int i = 0; i < r->e->nfaults; i++) {
			jw_obj_open(&w);
			jw_kstr(&w, "fault", r->lf[i].desc);
			jw_kstr(&w, "attach", where(&r->lf[i], buf, sizeof(buf)));
			jw_obj_close(&w);
		}
		jw_arr_close(&w);
		jw_obj_close(&w);
		jw_end(&w);
		return;
	}
	fl_fmt_duration(r->e->duration_ns, buf, sizeof(buf));
	printf("experiment %s: would run for %s on %s (cgroup id %llu, %d processes)\n", r->e->name,
	       buf, r->e->target.rel, (unsigned long long)r->e->target.cgid, r->e->target.nprocs);
	for (int i = 0; i < r->e->nfaults; i++)
		printf("  [%d] %-44s -> %s\n", i + 1, r->lf[i].desc, where(&r->lf[i], buf, sizeof(buf)));
	if (r->e->has_probe)
		printf("  steady state: %s every %.1fs, abort after %u failures in a row\n",
		       r->e->probe.url[0] ? r->e->probe.url : r->e->probe.command,
		       r->e->probe.interval_ns / 1e9, r->e->probe.failures);
	printf("nothing attached (--dry-run)\n");
}

/* ---------------------------------------------------------------- running */

static void record_init(struct run *r)
{
	struct fl_reg *g = &r->reg;

	snprintf(g->name, sizeof(g->name), "%s", r->e->name);
	snprintf(g->file, sizeof(g->file), "%s", r->e->file);
	snprintf(g->target, sizeof(g->target), "%s", r->e->target.rel);
	g->cgid = r->e->target.cgid;
	g->detached = r->o->detach;
	g->start_ns = r->start_ns;
	g->deadline_ns = r->deadline_ns;
	g->nfaults = r->e->nfaults;
	for (int i = 0; i < r->e->nfaults; i++) {
		g->faults[i].kind = r->lf[i].f->kind == FL_FAULT_NET ? FL_REG_NET : FL_REG_SYS;
		snprintf(g->faults[i].desc, sizeof(g->faults[i].desc), "%s", r->lf[i].desc);
	}
}

static uint64_t fault_duration(const struct fl_exp_fault *f)
{
	return f->kind == FL_FAULT_NET ? f->net.duration_ns : f->sys.duration_ns;
}

static int start_fault(struct run *r, int i, char *err)
{
	struct live_fault *lf = &r->lf[i];
	uint64_t d = fault_duration(lf->f);

	lf->ctx = (struct fl_fault_ctx){
		.generation = r->generation, .start_ns = r->start_ns, .reg = &r->reg, .index = i,
		.pin_links = r->o->detach,
		.deadline_ns = r->start_ns + (d && d < r->e->duration_ns ? d : r->e->duration_ns),
	};
	if (lf->f->kind == FL_FAULT_NET)
		return fl_net_start(&lf->net, &lf->f->net, &lf->ctx, err);
	return fl_sys_start(&lf->sys, &lf->f->sys, &lf->plan, &lf->ctx, err);
}

static void end_fault(struct live_fault *lf)
{
	if (lf->net)
		fl_net_end(lf->net, NULL);
	if (lf->sys)
		fl_sys_end(lf->sys);
	lf->net = NULL;
	lf->sys = NULL;
	lf->ended = true;
}

static void end_all(struct run *r)
{
	for (int i = r->e->nfaults - 1; i >= 0; i--)
		if (!r->lf[i].ended)
			end_fault(&r->lf[i]);
}

static int start_all(struct run *r, char *err)
{
	char why[FL_ERRLEN];
	int rc;

	for (int i = 0; i < r->e->nfaults; i++) {
		rc = start_fault(r, i, why);
		if (rc) {
			snprintf(err, FL_ERRLEN, "fault %d (%s): %s", i + 1, r->lf[i].desc, why);
			for (int j = i - 1; j >= 0; j--)
				end_fault(&r->lf[j]);
			return rc;
		}
	}
	return 0;
}

static void read_fault(struct live_fault *lf, uint64_t now)
{
	struct fl_counters c;
	struct fl_sys_stats s;

	if (lf->net) {
		fl_net_counters(lf->net, &c);
		lf->now = (struct fl_fault_stats){ c.matched, c.injected, c.delay_ns, true };
	} else if (lf->sys) {
		fl_sys_counters(lf->sys, &s);
		lf->now = (struct fl_fault_stats){ s.matched, s.injected, 0, true };
	}
	lf->match_rate = fl_rate_update(&lf->matched_rate, now, lf->now.matched);
	lf->inject_rate = fl_rate_update(&lf->injected_rate, now, lf->now.injected);
}

static void fault_line(const struct live_fault *lf, int i, char *buf, size_t size)
{
	int n = snprintf(buf, size, "  [%d] %-40s matched %8llu (%7.1f/s)  injected %8llu (%7.1f/s)",
			 i + 1, lf->desc, (unsigned long long)lf->now.matched, lf->match_rate,
			 (unsigned long long)lf->now.injected, lf->inject_rate);

	if (n > 0 && (size_t)n < size && lf->f->kind == FL_FAULT_NET &&
	    lf->f->net.rule.action == FL_ACT_DELAY && lf->now.injected)
		n += snprintf(buf + n, size - n, "  delay %.1f ms avg",
			      lf->now.delay_ns / 1e6 / lf->now.injected);
	if (n > 0 && (size_t)n < size && lf->ended)
		snprintf(buf + n, size - n, "  (ended)");
}

static void head_line(const struct run *r, uint64_t now, char *buf, size_t size)
{
	char left[32], probe[160] = "";

	fl_fmt_duration(r->deadline_ns > now ? r->deadline_ns - now : 0, left, sizeof(left));
	if (r->e->has_probe)
		snprintf(probe, sizeof(probe), "  steady state: %u/%u checks ok%s%s", r->steady.checks -
			 r->steady.failed, r->steady.checks, r->steady.consecutive ? ", failing: " : "",
			 r->steady.consecutive ? r->steady.last_error : "");
	snprintf(buf, size, "%s [%s] on %s: %s left%s", r->e->name, r->reg.id, r->e->target.rel,
		 left, probe);
}

/* One line per fault: redrawn in place on a terminal, every 10 s elsewhere. */
static void render(struct run *r, uint64_t now, bool final)
{
	static uint64_t last_plain;
	bool tty = isatty(STDERR_FILENO);
	const char *clear = tty ? "\r\033[K" : "";
	char line[512];

	if (fl_json && !final)
		return;

	if (tty) {
		if (r->drawn)
			fprintf(stderr, "\033[%dA", r->drawn);
	} else if (!final && now - last_plain < 10000000000ULL) {
		return;
	}
	last_plain = now;
	head_line(r, now, line, sizeof(line));
	fprintf(stderr, "%s%s\n", clear, line);
	for (int i = 0; i < r->e->nfaults; i++) {
		fault_line(&r->lf[i], i, line, sizeof(line));
		fprintf(stderr, "%s%s\n", clear, line);
	}
	r->drawn = r->e->nfaults + 1;
	fflush(stderr);
}

static bool all_ended(const struct run *r)
{
	for (int i = 0; i < r->e->nfaults; i++)
		if (!r->lf[i].ended)
			return false;
	return true;
}

static const char *why_stop(struct run *r, uint64_t now)
{
	int sig = fl_signal_pending();

	if (sig)
		return sig == SIGTERM ? "stopped" : "signal";
	if (now >= r->deadline_ns || all_ended(r))
		return "deadline";
	if (fl_ctl_halted(r->generation))
		return "stop --all";
	if (access(r->e->target.path, F_OK))
		return "target gone";
	if (r->e->has_probe && fl_steady_tick(&r->steady, now)) {
		snprintf(r->why, sizeof(r->why), "%u failed checks in a row, the last: %s",
			 r->steady.consecutive, r->steady.last_error);
		return "steady state";
	}
	return NULL;
}

static void watch(struct run *r)
{
	struct timespec tick = { 0, TICK_NS };
	uint64_t now;

	if (r->e->has_probe)
		fl_steady_init(&r->steady, &r->e->probe, fl_now_ns());
	for (;;) {
		now = fl_now_ns();
		for (int i = 0; i < r->e->nfaults; i++) {
			struct live_fault *lf = &r->lf[i];

			if (lf->ended)
				continue;
			read_fault(lf, now);
			/* A fault with a shorter duration, or a spent --count, detaches early. */
			if (now >= lf->ctx.deadline_ns ||
			    (lf->sys && lf->f->sys.count && lf->now.injected >= lf->f->sys.count))
				end_fault(lf);
		}
		r->stopped_by = why_stop(r, now);
		if (r->stopped_by)
			break;
		render(r, now, false);
		nanosleep(&tick, NULL);
	}
	if (r->e->has_probe)
		fl_steady_stop(&r->steady);
	for (int i = 0; i < r->e->nfaults; i++)
		if (!r->lf[i].ended)
			read_fault(&r->lf[i], fl_now_ns());
}

static void summary_json(const struct run *r, uint64_t elapsed)
{
	struct jw w;

	jw_init(&w, stdout);
	jw_obj_open(&w);
	jw_kstr(&w, "id", r->reg.id);
	jw_kstr(&w, "name", r->e->name);
	jw_kstr(&w, "target", r->e->target.rel);
	jw_ku64(&w, "cgroup_id", r->e->target.cgid);
	jw_kstr(&w, "stopped_by", r->stopped_by);
	jw_kbool(&w, "aborted", !strcmp(r->stopped_by, "steady state"));
	jw_kstr(&w, "reason", r->why);
	jw_ku64(&w, "elapsed_ns", elapsed);
	jw_key(&w, "faults");
	jw_arr_open(&w);
	for (int i = 0; i < r->e->nfaults; i++) {
		jw_obj_open(&w);
		jw_kstr(&w, "kind", r->lf[i].f->kind == FL_FAULT_NET ? "net" : "sys");
		jw_kstr(&w, "fault", r->lf[i].desc);
		jw_ku64(&w, "matched", r->lf[i].now.matched);
		jw_ku64(&w, "injected", r->lf[i].now.injected);
		jw_ku64(&w, "delay_ns", r->lf[i].now.delay_ns);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	if (r->e->has_probe) {
		jw_key(&w, "steady_state");
		jw_obj_open(&w);
		jw_ku64(&w, "checks", r->steady.checks);
		jw_ku64(&w, "failed", r->steady.failed);
		jw_kstr(&w, "last_error", r->steady.last_error);
		jw_obj_close(&w);
	}
	jw_obj_close(&w);
	jw_end(&w);
}

static void summary(struct run *r)
{
	uint64_t elapsed = fl_now_ns() - r->start_ns;
	char el[32];

	render(r, fl_now_ns(), true);
	if (fl_json) {
		summary_json(r, elapsed);
		return;
	}
	fl_fmt_duration(elapsed, el, sizeof(el));
	if (!strcmp(r->stopped_by, "steady state"))
		printf("experiment %s ABORTED after %s: the steady-state probe failed (%s); "
		       "everything is detached\n", r->e->name, el, r->why);
	else
		printf("experiment %s ended after %s (%s); everything is detached\n", r->e->name, el,
		       r->stopped_by);
	for (int i = 0; i < r->e->nfaults; i++)
		printf("  [%d] %-40s matched %llu, injected %llu\n", i + 1, r->lf[i].desc,
		       (unsigned long long)r->lf[i].now.matched,
		       (unsigned long long)r->lf[i].now.injected);
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

static int execute(struct run *r, int notify)
{
	char err[FL_ERRLEN] = "", dur[32];
	int rc;

	fl_signals_install();
	rc = fl_ctl_prepare(&r->generation);
	if (rc) {
		pr_warn("run: cannot prepare %s: %s\n", FL_PIN_ROOT, strerror(-rc));
		return FL_EXIT_FAIL;
	}
	r->start_ns = fl_now_ns();
	r->deadline_ns = r->start_ns + r->e->duration_ns;
	record_init(r);
	rc = fl_reg_create(&r->reg, err);
	if (!rc)
		rc = start_all(r, err);
	if (rc) {
		pr_warn("run: %s; nothing is attached\n", err);
		fl_reg_remove(&r->reg);
		return FL_EXIT_FAIL;
	}
	fl_fmt_duration(r->e->duration_ns, dur, sizeof(dur));
	/* Tools and tests wait for this line: every fault is live from here. */
	pr_info("faultline: experiment %s (%s) attached to %s: %d faults for %s\n", r->reg.id,
		r->e->name, r->e->target.rel, r->e->nfaults, dur);
	if (notify >= 0)
		go_background(r, notify);
	watch(r);
	end_all(r);
	fl_reg_remove(&r->reg);
	summary(r);
	return !strcmp(r->stopped_by, "steady state") ? FL_EXIT_ABORTED : FL_EXIT_OK;
}

/* The parent waits until the child is attached (id on the pipe) or gave up. */
static int detach(struct run *r)
{
	char id[32] = "";
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC)) {
		pr_warn("run: pipe: %s\n", strerror(errno));
		return FL_EXIT_FAIL;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		pr_warn("run: fork: %s\n", strerror(errno));
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

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	char err[FL_ERRLEN] = "";
	struct run *r;
	int rc;

	if (parse_opts(argc, argv, &o))
		return FL_EXIT_USAGE;
	if (o.help)
		return usage(FL_EXIT_OK);
	if (geteuid() != 0) {
		pr_warn("run: needs root to load BPF programs and change qdiscs\n");
		return FL_EXIT_USAGE;
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->e = calloc(1, sizeof(*r->e)))) {
		free(r);
		return FL_EXIT_FAIL;
	}
	r->o = &o;
	rc = fl_exp_parse_file(o.file, r->e, err);
	if (!rc && o.target.kind != FL_TARGET_NONE)
		r->e->target = o.target;	/* the same experiment against another service */
	if (!rc)
		rc = prepare(r, err);
	if (rc) {
		pr_warn("run: %s\n", err);
		rc = rc == -EOPNOTSUPP ? FL_EXIT_FAIL : FL_EXIT_USAGE;
	} else if (o.dry_run) {
		dry_run(r);
		rc = FL_EXIT_OK;
	} else {
		if (!r->e->target.nprocs)
			pr_info("note: %s has no processes yet; the faults apply to those that join it\n",
				r->e->target.rel);
		rc = o.detach ? detach(r) : execute(r, -1);
	}
	free(r->e);
	free(r);
	return rc;
}
