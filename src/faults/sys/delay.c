// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `sys delay`: the chosen calls of CMD wait --delay (+-jitter) before they
 * run. No BPF program: CMD's own process installs a seccomp filter before
 * its execve (exec_child, filter.c) and hands the listener to the
 * controller (exec_fd), whose supervisor thread holds each call (notify.c).
 * So it exists only under `faultline exec`, for the processes faultline
 * starts (the action's exec_only). The counters are pinned as a sys fail's
 * are (an array of one struct fl_sys_stats, written here on every read),
 * so that status, list and metrics read them from outside alike.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "ctl.h"
#include "json.h"
#include "sys_kind.h"

struct delay_run {
	struct sys_notify *notify;
	int stats_fd;			/* the pinned counters, or -1 */
};

int fl_sys_delay_check(const struct fl_sys_conf *c, char *err)
{
	for (int i = 0; i < c->ncalls; i++) {
		const struct fl_syscall *s = fl_syscall_find(c->calls[i]);

		if (!s)
			return fl_sys_err(err, -EINVAL, "sys delay: '%s' is not a system call it knows: "
					  "'faultline sys delay --help' lists them", c->calls[i]);
		if (c->path[0] && !fl_syscall_has_file(s))
			return fl_sys_err(err, -EINVAL, "--path cannot apply to %s: no argument of it names "
					  "a file (read, write, fsync, openat, ... do)", s->name);
	}
	if (c->jitter_ns > c->delay_ns)
		return fl_sys_err(err, -EINVAL, "--jitter must not exceed --delay (delays are never negative)");
	return 0;
}

/* --path as the supervisor compares it: canonical, so that /proc/PID/fd/N's names match. */
int fl_sys_delay_prepare(struct fl_fault *f, char *err)
{
	struct fl_sys_conf *c = f->conf;
	char real[PATH_MAX], list[FL_SYS_MAX_CALLS * (FL_SYS_CALL_LEN + 8)] = "";
	size_t n = 0;

	if (c->path[0] && !realpath(c->path, real))
		return fl_sys_err(err, -EINVAL, "--path %s: %s (it must exist)", c->path, strerror(errno));
	if (c->path[0])
		snprintf(c->path, sizeof(c->path), "%s", real);
	for (int i = 0; i < c->ncalls && n < sizeof(list); i++)
		n += snprintf(list + n, sizeof(list) - n, " %s(%d)", c->calls[i],
			      fl_syscall_find(c->calls[i])->nr);
	snprintf(f->mechanism, sizeof(f->mechanism), "seccomp");
	snprintf(f->attach, sizeof(f->attach), "a seccomp filter in the command's process, before "
		 "its first instruction; user notification for%s", list);
	return 0;
}

void fl_sys_delay_plan_json(const struct fl_fault *f, struct jw *w)
{
	const struct fl_sys_conf *c = f->conf;

	jw_key(w, "calls");
	jw_arr_open(w);
	for (int i = 0; i < c->ncalls; i++) {
		jw_obj_open(w);
		jw_kstr(w, "name", c->calls[i]);
		jw_ki64(w, "number", fl_syscall_find(c->calls[i])->nr);
		jw_kstr(w, "mechanism", "seccomp");
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

/* An array of one struct fl_sys_stats at the fault's pin, as a sys fail's. */
static int pin_stats(const char *pin_prefix)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "fl_sys_stats", sizeof(__u32),
				sizeof(struct fl_sys_stats), 1, NULL);

	if (fd < 0)
		return -1;
	if (bpf_obj_pin(fd, pin_prefix)) {
		close(fd);
		return -1;
	}
	return fd;
}

int fl_sys_delay_start(struct fl_fault *f, const struct fl_fault_ctx *ctx, char *err)
{
	struct delay_run *run = calloc(1, sizeof(*run));

	if (!run || fl_sys_notify_new(&run->notify, f->conf, &ctx->generation)) {
		free(run);
		return fl_sys_err(err, -ENOMEM, "out of memory");
	}
	/* Without it only status from outside lacks the counters: the fault itself works. */
	run->stats_fd = pin_stats(ctx->pin_prefix);
	/* stop --all bumps a kill switch that only BPF objects would otherwise create. */
	if (fl_ctl_control_pin()) {
		fl_sys_notify_free(run->notify);
		if (run->stats_fd >= 0)
			close(run->stats_fd);
		free(run);
		return fl_sys_err(err, -EIO, "cannot create the kill switch %s/fl_control: stop --all "
				  "could not end this fault", FL_PIN_ROOT);
	}
	f->state = run;
	return 0;
}

int fl_sys_delay_arm(struct fl_fault *f, uint64_t deadline_ns, char *err)
{
	struct delay_run *run = f->state;

	if (!run)
		return fl_sys_err(err, -ENOENT, "sys delay: armed before it started");
	fl_sys_notify_arm(run->notify, deadline_ns);
	return 0;
}

int fl_sys_delay_exec_child(const struct fl_fault *f, const struct fl_exec_handoff *h, char *err)
{
	return fl_sys_filter_install(f->conf, h, err);
}

int fl_sys_delay_exec_fd(struct fl_fault *f, int fd, char *err)
{
	struct delay_run *run = f->state;

	if (!run) {
		close(fd);
		return fl_sys_err(err, -ENOENT, "sys delay: the listener came before the fault started");
	}
	return fl_sys_notify_run(run->notify, fd, err);
}

static void fill(struct delay_run *run, struct fl_fault_stats *st)
{
	struct fl_sys_delay_stats d;
	struct fl_sys_stats pinned = { 0 };
	__u32 zero = 0;

	fl_sys_notify_read(run->notify, &d);
	memset(st, 0, sizeof(*st));
	st->matched = pinned.matched = d.matched;
	st->injected = pinned.injected = d.injected;
	st->extra[0] = pinned.delay_ns = d.delay_ns;
	st->valid = true;
	if (run->stats_fd >= 0)
		bpf_map_update_elem(run->stats_fd, &zero, &pinned, 0);
}

void fl_sys_delay_read(struct fl_fault *f, struct fl_fault_stats *st)
{
	if (f->state)
		fill(f->state, st);
	else
		memset(st, 0, sizeof(*st));
}

/* Not the end of the filter, which CMD keeps: from now its calls pass at once. */
void fl_sys_delay_stop(struct fl_fault *f, struct fl_fault_stats *st)
{
	struct delay_run *run = f->state;

	if (!run)
		return;
	fl_sys_notify_end(run->notify);
	if (st)
		fill(run, st);
}

/* The command is gone (exec kills what it left before the faults are freed). */
void fl_sys_delay_release(struct fl_fault *f)
{
	struct delay_run *run = f->state;

	if (run) {
		fl_sys_notify_free(run->notify);
		if (run->stats_fd >= 0)
			close(run->stats_fd);
		free(run);
	}
	f->state = NULL;
}
