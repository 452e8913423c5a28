// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The sys family as fault.h sees it. The engine parses options into a
 * struct fl_sys_conf (options.c), describes the fault, runs the watch loop
 * and prints; this file maps the interface's steps onto plan.c and load.c
 * (fail) or delay.c (delay) and prints nothing: every error goes back in err.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parse.h"
#include "sys_kind.h"

static const struct fl_fault_action actions[] = {
	[FL_SYS_FAIL] = { "fail", "make the target's system calls fail with an errno" },
	[FL_SYS_DELAY] = { "delay", "hold the command's chosen system calls before they run (faultline exec)",
			   .exec_only = "seccomp applies to processes faultline starts" },
	{ NULL },
};

static const struct fl_stat_def stats[] = {
	{ "delay_ns", "faultline_delay_seconds_total", 1e-9,
	  "Time the target's calls were held (sys delay), summed." },
	{ NULL },
};

static bool is_delay(const struct fl_fault *f)
{
	return f->action == FL_SYS_DELAY;
}

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
	return is_delay(f) ? fl_sys_delay_check(f->conf, err) : fl_sys_check(f->conf, err);
}

/* One filter holds a call: the newest filter's listener gets it, the others never. */
static int sys_conflict(const struct fl_fault *a, const struct fl_fault *b, char *err)
{
	const struct fl_sys_conf *x = a->conf, *y = b->conf;

	if (!is_delay(a) || !is_delay(b))
		return 0;
	for (int i = 0; i < x->ncalls; i++)
		for (int j = 0; j < y->ncalls; j++)
			if (!strcmp(x->calls[i], y->calls[j]))
				return fl_sys_err(err, -EINVAL, "%s is in two sys delay faults: a call "
						  "is held by one seccomp filter only; give it to one", x->calls[i]);
	return 0;
}

static void sys_release(struct fl_fault *f)
{
	if (is_delay(f))
		return fl_sys_delay_release(f);
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

	if (is_delay(f))
		return fl_sys_delay_prepare(f, err);
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
	if (is_delay(f))
		fl_sys_delay_plan_json(f, w);
	else if (f->plan)
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

	if (is_delay(f))
		return fl_sys_delay_start(f, ctx, err);
	if (!f->plan)
		return fl_sys_err(err, -EINVAL, "sys fail: started before it was prepared");
	e = fl_sys_attach(&run, f->conf, f->plan, &s, err);
	if (!e)
		f->state = run;
	return e;
}

static int sys_arm(struct fl_fault *f, uint64_t deadline_ns, char *err)
{
	int e;

	if (is_delay(f))
		return fl_sys_delay_arm(f, deadline_ns, err);
	e = f->state ? fl_sys_arm(f->state, deadline_ns) : -ENOENT;

	return e ? fl_sys_err(err, e, "cannot write the rule's deadline: %s", strerror(-e)) : 0;
}

/* c: the fault's options, for --count; NULL when not known. */
static void fill(const struct fl_sys_conf *c, const struct fl_sys_stats *s, bool valid,
		 struct fl_fault_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->matched = s->matched;
	st->injected = s->injected;
	st->extra[0] = s->delay_ns;
	st->valid = valid;
	st->spent = c && c->count && s->injected >= c->count;
}

static void sys_read(struct fl_fault *f, struct fl_fault_stats *st)
{
	struct fl_sys_stats s = { 0 };
	bool ok;

	if (is_delay(f))
		return fl_sys_delay_read(f, st);
	ok = f->state && !fl_sys_read(f->state, &s);
	fill(f->conf, &s, ok, st);
}

static void sys_stop(struct fl_fault *f, struct fl_fault_stats *st)
{
	struct fl_sys_stats s = { 0 };
	int e;

	if (is_delay(f))
		return fl_sys_delay_stop(f, st);
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

/* "held 50.2ms on average", for delay; fail has nothing to add. */
static void sys_detail(const struct fl_fault *f, const struct fl_fault_stats *st, char *buf,
		       size_t size)
{
	char avg[32];

	buf[0] = '\0';
	if (!is_delay(f) || !st->injected)
		return;
	fl_fmt_duration(st->extra[0] / st->injected, avg, sizeof(avg));
	snprintf(buf, size, "held %s on average", avg);
}

const struct fl_fault_kind fl_sys_kind = {
	.name = "sys",
	.summary = "make one cgroup's system calls fail with a chosen errno, or wait (exec)",
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
		"--after N lets the first N matching calls through; --count N fails at most N.\n"
		"sys delay holds each chosen call --delay (+-jitter) before it runs, for "
		"'faultline exec' only: the command's process installs a seccomp filter before "
		"its first instruction, and faultline answers each notification "
		"(SECCOMP_USER_NOTIF_FLAG_CONTINUE) when the delay is over; unchosen calls cost "
		"the filter's few instructions. --path compares the file a call names (a "
		"descriptor's /proc name, or its path made absolute, symlinks not followed) with "
		"the prefix. A filter cannot be removed: after the deadline it stays and faultline "
		"answers at once, a round trip per chosen call, until the command exits. Calls by "
		"name: read, write, pread64, pwrite64, readv, writev, fsync, fdatasync, "
		"sync_file_range, ftruncate, fallocate, openat, open, creat, stat, newfstatat, "
		"statx, unlink(at), mkdir(at), rename(at2), connect, accept(4), bind, sendto, "
		"recvfrom, sendmsg, recvmsg, socket, clone, fork, execve, nanosleep, futex and "
		"more of the common ones.",
	.examples =
		"faultline sys fail --unit api --call connect --errno ECONNREFUSED --probability 20%\n"
		"faultline sys fail --cgroup /app --call write --path /var/log --errno ENOSPC\n"
		"faultline sys fail --cgroup /app --call read --path /srv/data --errno EIO --count 3\n"
		"faultline sys fail --pid 4242 --call fork --errno EAGAIN --duration 30s\n"
		"faultline sys fail --cgroup /db --call fsync --errno EIO --mechanism kprobe\n"
		"faultline exec --sys delay --call fsync,fdatasync --delay 50ms --jitter 10ms -- ./db-tests\n",
	.stats = stats,
	.events = events,
	.init = sys_init,
	.validate = sys_validate,
	.conflict = sys_conflict,
	.prepare = sys_prepare,
	.plan_json = sys_plan_json,
	.start = sys_start,
	.arm = sys_arm,
	.read = sys_read,
	.stop = sys_stop,
	.release = sys_release,
	.read_pinned = sys_read_pinned,
	.detail = sys_detail,
	.exec_child = fl_sys_delay_exec_child,
	.exec_fd = fl_sys_delay_exec_fd,
	.event_json = fl_sys_event_json,
	.event_text = fl_sys_event_text,
};
