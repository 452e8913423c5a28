// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The old engine's way in: `faultline sys fail` as its own command (parse,
 * dry run, one-fault experiment, watch loop, summary), and the entry points
 * the old runner and experiment files call. Everything that decides or
 * touches the kernel is shared with fl_sys_kind (plan.c, load.c); this file
 * only adapts struct fl_sys_opts to it. The merge deletes it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cmd.h"
#include "ctl.h"
#include "json.h"
#include "log.h"
#include "sys.h"
#include "registry.h"
#include "experiment.h"

#define TICK_NS		200000000ULL

/* ---------------------------------------------------------------- parsing */

static int parse_duration(const char *s, __u64 *ns, char *err)
{
	char cap[16];

	if (fl_parse_duration(s, ns, err))
		return -EINVAL;
	fl_fmt_duration(FL_SYS_MAX_NS, cap, sizeof(cap));
	if (*ns == 0 || *ns > FL_SYS_MAX_NS)
		return fl_sys_err(err, -EINVAL, "--duration %s: give more than 0 and at most %s", s, cap);
	return 0;
}

enum { OPT_CGROUP = 256, OPT_PID, OPT_UNIT, OPT_FORCE, OPT_CALL, OPT_ERRNO, OPT_PROB,
       OPT_PATH, OPT_AFTER, OPT_COUNT, OPT_DURATION, OPT_MECH, OPT_DRY };

static const struct option long_opts[] = {
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "unit", required_argument, NULL, OPT_UNIT },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "call", required_argument, NULL, OPT_CALL },
	{ "errno", required_argument, NULL, OPT_ERRNO },
	{ "probability", required_argument, NULL, OPT_PROB },
	{ "path", required_argument, NULL, OPT_PATH },
	{ "after", required_argument, NULL, OPT_AFTER },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "mechanism", required_argument, NULL, OPT_MECH },
	{ "dry-run", no_argument, NULL, OPT_DRY },
	{ "help", no_argument, NULL, 'h' },
	{ NULL },
};

static int parse_mech(const char *arg, enum fl_sys_mech *m, char *err)
{
	__u32 v;
	int e = fl_sys_parse_mech(arg, &v, err);

	if (!e)
		*m = v;
	return e;
}

static int parse_one(int opt, const char *arg, struct fl_sys_opts *o, char *err)
{
	switch (opt) {
	case OPT_CGROUP: return fl_target_set(&o->target, FL_TARGET_CGROUP, arg, err);
	case OPT_PID: return fl_target_set(&o->target, FL_TARGET_PID, arg, err);
	case OPT_UNIT: return fl_target_set(&o->target, FL_TARGET_UNIT, arg, err);
	case OPT_FORCE: o->force = true; return 0;
	case OPT_CALL: return fl_sys_add_calls(o->calls, &o->ncalls, arg, err);
	case OPT_ERRNO: return fl_parse_errno(arg, &o->errnum, err);
	case OPT_PROB: return fl_parse_probability(arg, &o->prob, err);
	case OPT_AFTER: return fl_parse_u64(arg, 0, UINT64_MAX, &o->after, err);
	case OPT_COUNT: return fl_sys_parse_count(arg, &o->count, err);
	case OPT_DURATION: return parse_duration(arg, &o->duration_ns, err);
	case OPT_MECH: return parse_mech(arg, &o->mech, err);
	case OPT_DRY: o->dry_run = true; return 0;
	case 'h': o->help = true; return 0;
	case OPT_PATH:
		if (fl_sys_check_path(arg, err))
			return -EINVAL;
		strcpy(o->path, arg);
		return 0;
	}
	return -EINVAL;
}

const struct option *fl_sys_option(const char *name)
{
	return fl_find_option(long_opts, name);
}

int fl_sys_parse_opt(struct fl_sys_opts *o, const struct option *opt, const char *arg, char *err)
{
	return parse_one(opt->val, arg, o, err);
}

int fl_sys_parse_args(int argc, char **argv, struct fl_sys_opts *o, char *err)
{
	int opt, e;

	memset(o, 0, sizeof(*o));
	o->prob = FL_PROB_ONE;
	o->duration_ns = FL_SYS_DEFAULT_NS;
	optind = 0;	/* GNU: start over, the tests parse many command lines */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+h", long_opts, NULL)) != -1) {
		if (opt == '?' || opt == ':')
			return fl_sys_err(err, -EINVAL, "unknown option or missing value: '%s'", argv[optind - 1]);
		e = parse_one(opt, optarg, o, err);
		if (e)
			return e;
	}
	if (o->help)
		return 0;
	if (optind < argc)
		return fl_sys_err(err, -EINVAL, "unexpected argument '%s'", argv[optind]);
	if (o->target.kind == FL_TARGET_NONE)
		return fl_sys_err(err, -EINVAL, "no target: give --cgroup PATH, --pid PID or --unit NAME");
	if (!o->ncalls)
		return fl_sys_err(err, -EINVAL, "no --call: name the calls to fail, e.g. --call connect,sendto");
	if (!o->errnum)
		return fl_sys_err(err, -EINVAL, "no --errno: name the error to return, e.g. --errno ECONNREFUSED");
	return 0;
}

/* ------------------------------------------------ onto the shared code */

static void conf_of(const struct fl_sys_opts *o, struct fl_sys_conf *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->calls, o->calls, sizeof(c->calls));
	c->ncalls = o->ncalls;
	c->errnum = o->errnum;
	c->prob = o->prob;
	c->after = o->after;
	c->count = o->count;
	memcpy(c->path, o->path, sizeof(c->path));
	c->mech = o->mech;
	c->path_ino = o->path_ino;
	c->path_dev = o->path_dev;
}

int fl_sys_resolve_path(struct fl_sys_opts *o, char *err)
{
	struct fl_sys_conf c;
	int e;

	conf_of(o, &c);
	e = fl_sys_resolve(&c, err);
	memcpy(o->path, c.path, sizeof(o->path));
	o->path_ino = c.path_ino;
	o->path_dev = c.path_dev;
	return e;
}

int fl_sys_plan_here(struct fl_sys_opts *o, struct fl_sys_plan *p, char *err)
{
	struct fl_sys_conf c;

	conf_of(o, &c);
	return fl_sys_plan_kernel(&c, p, err);
}

int fl_sys_start(struct sys_run **run, const struct fl_sys_opts *o, const struct fl_sys_plan *p,
		 const struct fl_fault_ctx *ctx, char *err)
{
	char leaf[16], pin[PATH_MAX];
	struct fl_sys_conf c;
	struct fl_sys_start s = {
		.target = &o->target,
		.generation = ctx->generation,
		.exp_id = strtoul(ctx->reg->id, NULL, 16),
		.deadline_ns = ctx->deadline_ns,
		.pin_prefix = pin,
		.pin_links = ctx->pin_links,
	};

	snprintf(leaf, sizeof(leaf), "f%d", ctx->index);
	fl_reg_pin_path(ctx->reg, leaf, pin, sizeof(pin));
	conf_of(o, &c);
	return fl_sys_attach(run, &c, p, &s, err);
}

void fl_sys_counters(struct sys_run *run, struct fl_sys_stats *st)
{
	fl_sys_read(run, st);
}

int fl_sys_nlinks(const struct sys_run *run)
{
	return fl_sys_hooks(run);
}

void fl_sys_end(struct sys_run *run)
{
	fl_sys_detach(run, NULL);
}

/* ---------------------------------------------------------------- output */

static const char *errno_name(int e)
{
	return strerrorname_np(e) ?: "errno";
}

static double prob_of(const struct fl_sys_opts *o)
{
	return o->prob / 4294967296.0;
}

static void json_plan(struct jw *w, const struct fl_sys_opts *o, const struct fl_sys_plan *p)
{
	struct fl_sys_conf c;
	char mechs[64];

	jw_kstr(w, "command", "sys fail");
	jw_key(w, "target");
	jw_obj_open(w);
	jw_kstr(w, "cgroup", o->target.rel);
	jw_kstr(w, "path", o->target.path);
	jw_ku64(w, "id", o->target.cgid);
	jw_ki64(w, "level", o->target.level);
	jw_ki64(w, "processes", o->target.nprocs);
	jw_obj_close(w);
	fl_sys_plan_mechs(p, mechs, sizeof(mechs));
	jw_kstr(w, "mechanism", mechs);
	conf_of(o, &c);
	fl_sys_plan_json(&c, p, w);
	jw_kdouble(w, "probability", prob_of(o));
	jw_ku64(w, "after", o->after);
	jw_key(w, "count");
	if (o->count)
		jw_u64(w, o->count);
	else
		jw_null(w);	/* no limit */
	jw_key(w, "path_prefix");
	if (o->path[0])
		jw_str(w, o->path);
	else
		jw_null(w);
	jw_ku64(w, "duration_ns", o->duration_ns);
}

static void print_plan(const struct fl_sys_opts *o, const struct fl_sys_plan *p, FILE *out)
{
	char dur[32], count[24];
	int i;

	fl_fmt_duration(o->duration_ns, dur, sizeof(dur));
	fprintf(out, "fail with %s (%d) for cgroup %s (id %llu, level %d, %d processes):\n",
		errno_name(o->errnum), o->errnum, o->target.rel,
		(unsigned long long)o->target.cgid, o->target.level, o->target.nprocs);
	for (i = 0; i < p->nsteps; i++)
		fprintf(out, "  %-10s %-8s %s%s\n", p->steps[i].name, fl_sys_mech_name(p->steps[i].mech),
			p->steps[i].hooks, p->steps[i].mech == FL_MECH_SOCK ? " on the target cgroup" : "");
	if (o->count)
		snprintf(count, sizeof(count), "%llu", (unsigned long long)o->count);
	fprintf(out, "  probability %g, after %llu, count %s, duration %s%s%s\n", prob_of(o),
		(unsigned long long)o->after, o->count ? count : "unlimited", dur,
		o->path[0] ? ", under " : "", o->path);
}

static void dry_run(const struct fl_sys_opts *o, const struct fl_sys_plan *p)
{
	struct jw w;

	if (!fl_json) {
		printf("dry run: would attach, for %s (%s)\n", o->target.path, o->target.spec);
		print_plan(o, p, stdout);
		printf("nothing attached\n");
		return;
	}
	jw_init(&w, stdout);
	jw_obj_open(&w);
	jw_kbool(&w, "dry_run", true);
	json_plan(&w, o, p);
	jw_obj_close(&w);
	jw_end(&w);
}

/* What happened, for the summary. */
struct sys_result {
	struct fl_sys_stats stats;
	uint64_t elapsed_ns;
	const char *stopped_by;		/* deadline, signal, count, target gone, stop --all */
};

static void summary(const struct fl_sys_opts *o, const struct fl_sys_plan *p,
		    const struct sys_result *r)
{
	char el[32];
	struct jw w;

	fl_fmt_duration(r->elapsed_ns, el, sizeof(el));
	if (!fl_json) {
		print_plan(o, p, stdout);
		printf("ran %s, stopped by %s: matched %llu, injected %llu\n", el, r->stopped_by,
		       (unsigned long long)r->stats.matched, (unsigned long long)r->stats.injected);
		return;
	}
	jw_init(&w, stdout);
	jw_obj_open(&w);
	jw_kbool(&w, "dry_run", false);
	json_plan(&w, o, p);
	jw_ku64(&w, "elapsed_ns", r->elapsed_ns);
	jw_kstr(&w, "stopped_by", r->stopped_by);
	jw_ku64(&w, "matched", r->stats.matched);
	jw_ku64(&w, "injected", r->stats.injected);
	jw_obj_close(&w);
	jw_end(&w);
}

static void status(const struct sys_result *r, uint64_t left_ns, bool final)
{
	static struct fl_rate rate;
	char line[192], el[32], left[32];

	fl_fmt_duration(r->elapsed_ns, el, sizeof(el));
	fl_fmt_duration(left_ns, left, sizeof(left));
	snprintf(line, sizeof(line), "sys fail: %s elapsed, %s left, matched %llu, injected %llu (%.1f/s)",
		 el, left, (unsigned long long)r->stats.matched, (unsigned long long)r->stats.injected,
		 fl_rate_update(&rate, fl_now_ns(), r->stats.injected));
	fl_status_line(line, final);
}

static const char *why_stop(const struct fl_fault_ctx *ctx, const struct fl_sys_opts *o,
			    uint64_t now, uint64_t deadline, const struct fl_sys_stats *st)
{
	if (fl_signal_pending())
		return "signal";
	if (now >= deadline)
		return "deadline";
	if (o->count && st->injected >= o->count)
		return "count";
	if (access(o->target.path, F_OK))
		return "target gone";
	/* `faultline stop --all` bumped the generation: our programs went inert. */
	if (fl_ctl_halted(ctx->generation))
		return "stop --all";
	return NULL;
}

/* Until the deadline, a signal, the --count is spent or the cgroup is gone. */
static void watch(struct sys_run *run, const struct fl_fault_ctx *ctx,
		  const struct fl_sys_opts *o, struct sys_result *r)
{
	struct timespec tick = { 0, TICK_NS };
	uint64_t now;

	for (;;) {
		now = fl_now_ns();
		r->elapsed_ns = now - ctx->start_ns;
		fl_sys_read(run, &r->stats);
		r->stopped_by = why_stop(ctx, o, now, ctx->deadline_ns, &r->stats);
		if (r->stopped_by)
			break;
		if (!fl_json)
			status(r, ctx->deadline_ns - now, false);
		nanosleep(&tick, NULL);
	}
	if (!fl_json)
		status(r, now < ctx->deadline_ns ? ctx->deadline_ns - now : 0, true);
}

/* One command, one experiment: recorded like any other, so `list` and `stop` see it. */
static int run_experiment(const struct fl_sys_opts *o, const struct fl_sys_plan *p)
{
	struct fl_reg reg = { .nfaults = 1, .faults[0].kind = FL_REG_SYS };
	struct fl_fault_ctx ctx = { .reg = &reg };
	struct sys_result res = { 0 };
	char err[FL_ERRLEN] = "", dur[32];
	struct sys_run *run;
	int e;

	fl_signals_install();
	e = fl_ctl_prepare(&ctx.generation);
	if (e) {
		pr_warn("sys fail: cannot read the kill switch under %s: %s\n", FL_PIN_ROOT, strerror(-e));
		return FL_EXIT_FAIL;
	}
	snprintf(reg.name, sizeof(reg.name), "sys-fail");
	fl_exp_sys_desc(o, reg.faults[0].desc, sizeof(reg.faults[0].desc));
	snprintf(reg.target, sizeof(reg.target), "%s", o->target.rel);
	reg.cgid = o->target.cgid;
	ctx.start_ns = reg.start_ns = fl_now_ns();
	ctx.deadline_ns = reg.deadline_ns = ctx.start_ns + o->duration_ns;
	e = fl_reg_create(&reg, err);
	if (!e)
		e = fl_sys_start(&run, o, p, &ctx, err);
	if (e) {
		pr_warn("sys fail: %s\n", err);
		fl_reg_remove(&reg);
		return FL_EXIT_FAIL;
	}
	fl_fmt_duration(o->duration_ns, dur, sizeof(dur));
	/* Tests and scripts wait for this line: the fault is live from here. */
	pr_info("sys fail: %d hooks attached to %s for %s [experiment %s]; Ctrl-C stops early\n",
		fl_sys_hooks(run), o->target.rel, dur, reg.id);
	watch(run, &ctx, o, &res);
	fl_sys_end(run);
	fl_reg_remove(&reg);
	summary(o, p, &res);
	return FL_EXIT_OK;
}

/* ---------------------------------------------------------------- command */

static void usage(void)
{
	fprintf(stderr,
		"Usage: faultline sys fail TARGET --call NAME[,NAME...] --errno NAME|NUMBER\n"
		"                 [--probability P] [--path PREFIX] [--after N] [--count N]\n"
		"                 [--duration D] [--mechanism auto|sock|lsm|fmod_ret|kprobe]\n"
		"                 [--dry-run] [--force] [--json]\n"
		"TARGET: --cgroup PATH | --pid PID | --unit NAME (descendant cgroups included)\n\n"
		"Makes the target's calls fail with the errno until the deadline (default 60s,\n"
		"at most 1h, or FAULTLINE_MAX_DURATION), enforced in the kernel; then detaches and\n"
		"prints a summary.\n"
		"  connect, bind, sendmsg/sendto (UDP with an address), socket (inet):\n"
		"      cgroup socket hooks, any errno with bpf_set_retval (else only EPERM)\n"
		"  open/openat/creat, read/pread64/readv, write/pwrite64/writev, unlink, rmdir,\n"
		"  mkdir, rename, mmap, fork/vfork/clone (threads too): BPF LSM, or fmod_ret on\n"
		"      security_*; a hook sees every variant of its call (read: pread64, readv...)\n"
		"  any other syscall: fmod_ret on " FL_SYSCALL_PREFIX "NAME, or kprobe + bpf_override_return\n"
		"--path PREFIX: a file or directory that exists; calls on it or below it match\n"
		"  (by inode, so bind mounts of it match too; unlink, rmdir, mkdir and rename\n"
		"  match only within PREFIX's filesystem). For a container, give /proc/PID/root/DIR.\n"
		"--after N lets the first N matching calls through; --count N injects at most N,\n"
		"then the run ends. --dry-run shows the hooks and the target, attaches nothing.\n\n"
		"Examples:\n"
		"  faultline sys fail --unit api --call connect --errno ECONNREFUSED --probability 20%%\n"
		"  faultline sys fail --cgroup /app --call write --path /var/log --errno ENOSPC\n"
		"  faultline sys fail --cgroup /app --call read --path /srv/data --errno EIO --count 3\n"
		"  faultline sys fail --pid 4242 --call fork --errno EAGAIN --duration 30s\n"
		"  faultline sys fail --cgroup /db --call fsync --errno EIO --mechanism kprobe\n");
}

static int sys_fail(int argc, char **argv)
{
	struct fl_sys_opts *o;
	struct fl_sys_plan plan;
	char err[FL_ERRLEN] = "";
	int e, ret = FL_EXIT_USAGE;
	__u64 cap;

	o = calloc(1, sizeof(*o));	/* PATH_MAX buffers: keep them off the stack */
	if (!o)
		return FL_EXIT_FAIL;
	e = fl_sys_parse_args(argc, argv, o, err);
	if (!e && o->help) {
		usage();
		ret = FL_EXIT_OK;
		goto out;
	}
	if (!e)
		e = fl_duration_cap(&cap, err) ?: fl_check_duration(o->duration_ns, cap, err);
	if (!e)
		e = fl_sys_resolve_path(o, err);
	if (!e)
		e = fl_target_resolve(&o->target, o->force, err);
	if (!e)
		e = fl_sys_plan_here(o, &plan, err);
	if (e) {
		pr_warn("sys fail: %s\n", err);
		ret = e == -EOPNOTSUPP ? FL_EXIT_FAIL : FL_EXIT_USAGE;
		goto out;
	}
	if (o->target.nprocs == 0)
		pr_info("note: %s has no processes yet; calls of any that join will fail\n", o->target.rel);
	if (o->dry_run) {
		dry_run(o, &plan);
		ret = FL_EXIT_OK;
	} else {
		ret = run_experiment(o, &plan);
	}
out:
	free(o);
	return ret;
}

static int sys_help(int argc, char **argv)
{
	usage();
	return FL_EXIT_OK;
}

static const struct fl_cmd sys_cmds[] = {
	{ "fail", sys_fail, "make the target's system calls fail with an errno" },
	{ "help", sys_help, "this help" },
	{ NULL },
};

int cmd_sys(int argc, char **argv)
{
	if (argc < 2) {
		usage();
		return FL_EXIT_USAGE;
	}
	return fl_dispatch(sys_cmds, "sys", argc - 1, argv + 1);
}
