// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The sys family as fault.h sees it. The engine parses options into a
 * struct fl_sys_conf (options.c), describes the fault, runs the watch loop
 * and prints; this file maps the interface's steps onto plan.c and load.c
 * and prints nothing: every error goes back in err.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "sys_kind.h"

static const struct fl_fault_action actions[] = {
	{ "fail", "make the target's system calls fail with an errno" },
	{ NULL },
};

/* No counters beyond matched and injected. */
static const struct fl_stat_def stats[] = {
	{ NULL },
};

static const struct fl_opt_value events[] = {
	{ "sys_fail", FL_EV_SYS_FAIL },
	{ NULL },
};

static void sys_init(void *conf, int action)
{
	struct fl_sys_conf *c = conf;

	memset(c, 0, sizeof(*c));
	c->prob = FL_PROB_ONE;
	c->mech = FL_MECH_AUTO;
}

static int sys_validate(const struct fl_fault *f, char *err)
{
	return fl_sys_check(f->conf, err);
}

static void sys_release(struct fl_fault *f)
{
	fl_sys_detach(f->state, NULL);
	f->state = NULL;
	free(f->plan);
	f->plan = NULL;
}

/* --path resolved, then the mechanism each call gets on this kernel. */
static int sys_prepare(struct fl_fault *f, const struct fl_target *t, char *err)
{
	struct fl_sys_plan *p;
	int e;

	free(f->plan);
	f->plan = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	e = fl_sys_resolve(f->conf, err) ?: fl_sys_plan_kernel(f->conf, p, err);
	if (e) {
		free(p);
		return e;
	}
	fl_sys_plan_mechs(p, f->mechanism, sizeof(f->mechanism));
	fl_sys_plan_attach(p, f->attach, sizeof(f->attach));
	f->plan = p;
	return 0;
}

static void sys_plan_json(const struct fl_fault *f, struct jw *w)
{
	if (f->plan)
		fl_sys_plan_json(f->conf, f->plan, w);
}

static int sys_start(struct fl_fault *f, const struct fl_fault_ctx *ctx, char *err)
{
	struct fl_sys_start s = {
		.target = ctx->target,
		.generation = ctx->generation,
		.exp_id = ctx->exp_id,
		.seed = ctx->seed,
		.index = ctx->index,
		.pin_prefix = ctx->pin_prefix,
	};
	struct sys_run *run;
	int e;

	if (!f->plan)
		return fl_sys_err(err, -EINVAL, "sys fail: started before it was prepared");
	e = fl_sys_attach(&run, f->conf, f->plan, &s, err);
	if (!e)
		f->state = run;
	return e;
}

static int sys_arm(struct fl_fault *f, uint64_t deadline_ns, char *err)
{
	int e = f->state ? fl_sys_arm(f->state, deadline_ns) : -ENOENT;

	return e ? fl_sys_err(err, e, "cannot write the rule's deadline: %s", strerror(-e)) : 0;
}

/* c: the fault's options, for --count; NULL when not known. */
static void fill(const struct fl_sys_conf *c, const struct fl_sys_stats *s, bool valid,
		 struct fl_fault_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->matched = s->matched;
	st->injected = s->injected;
	st->valid = valid;
	st->spent = c && c->count && s->injected >= c->count;
}

static void sys_read(struct fl_fault *f, struct fl_fault_stats *st)
{
	struct fl_sys_stats s = { 0 };
	bool ok = f->state && !fl_sys_read(f->state, &s);

	fill(f->conf, &s, ok, st);
}

static void sys_stop(struct fl_fault *f, struct fl_fault_stats *st)
{
	struct fl_sys_stats s = { 0 };
	int e;

	if (!f->state)
		return;
	e = fl_sys_detach(f->state, &s);
	f->state = NULL;
	if (st)
		fill(f->conf, &s, !e, st);
}

/* From another process: what is pinned holds no --count, so never spent. */
static int sys_read_pinned(const char *pin_prefix, struct fl_fault_stats *st)
{
	struct fl_sys_stats s;
	int e = fl_sys_read_pinned(pin_prefix, &s);

	fill(NULL, &s, !e, st);
	return e;
}

const struct fl_fault_kind fl_sys_kind = {
	.name = "sys",
	.summary = "make one cgroup's system calls fail with a chosen errno",
	.actions = actions,
	.opts = fl_sys_options,
	.conf_size = sizeof(struct fl_sys_conf),
	.notes =
		"Makes the target's calls fail with the errno until the experiment ends, "
		"enforced in the kernel; descendant cgroups are included. Each call rides "
		"the best hook this kernel has ('faultline doctor' lists them):\n"
		"connect, bind, sendmsg/sendto (UDP with an address), socket (inet): cgroup "
		"socket hooks; any errno needs bpf_set_retval (Linux 5.18+), else only EPERM.\n"
		"open/openat/creat, read/pread64/readv, write/pwrite64/writev, unlink, rmdir, "
		"mkdir, rename, mmap, fork/vfork/clone (threads too): BPF LSM, or fmod_ret on "
		"security_*; a hook sees every variant of its call.\n"
		"Any other syscall: fmod_ret on " FL_SYSCALL_PREFIX "NAME, or a kprobe with "
		"bpf_override_return.\n"
		"--path matches by inode, so bind mounts of the prefix match too; unlink, "
		"rmdir, mkdir and rename match only within its filesystem.\n"
		"--after N lets the first N matching calls through; --count N fails at most N.",
	.examples =
		"faultline sys fail --unit api --call connect --errno ECONNREFUSED --probability 20%\n"
		"faultline sys fail --cgroup /app --call write --path /var/log --errno ENOSPC\n"
		"faultline sys fail --cgroup /app --call read --path /srv/data --errno EIO --count 3\n"
		"faultline sys fail --pid 4242 --call fork --errno EAGAIN --duration 30s\n"
		"faultline sys fail --cgroup /db --call fsync --errno EIO --mechanism kprobe\n",
	.stats = stats,
	.events = events,
	.init = sys_init,
	.validate = sys_validate,
	.prepare = sys_prepare,
	.plan_json = sys_plan_json,
	.start = sys_start,
	.arm = sys_arm,
	.read = sys_read,
	.stop = sys_stop,
	.release = sys_release,
	.read_pinned = sys_read_pinned,
	.event_json = fl_sys_event_json,
	.event_text = fl_sys_event_text,
};
