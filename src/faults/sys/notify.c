// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The supervisor of `sys delay`: one thread of the controller per fault,
 * on the seccomp listener of CMD's filter (filter.c). Each notified call
 * is received (SECCOMP_IOCTL_NOTIF_RECV), checked against --path, and
 * held: its due time goes into a min-heap, a timerfd is set to the
 * earliest, and the thread sleeps in poll() until that, or the next
 * notification, whichever comes first; so any number of calls wait at
 * once, each for its own delay. (A timerfd, not poll's own timeout, whose
 * hrtimer gets a slack of 0.1% of the wait: 50 us on 50 ms.) A call that is due is checked to be still pending
 * (SECCOMP_IOCTL_NOTIF_ID_VALID: a fatal signal may have ended it) and
 * let go with SECCOMP_USER_NOTIF_FLAG_CONTINUE: the kernel runs it as if
 * nothing had happened, later.
 *
 * `stop --all` (the kill switch) ends it too, as it makes the BPF faults
 * inert: checked on every notification and, while calls are held, every
 * HALT_CHECK_NS.
 *
 * After the fault's deadline (or once it is stopped) every call is let go
 * at once: a filter cannot be taken off a process, so CMD's chosen calls
 * still come here until CMD exits. The listener is closed only in
 * fl_sys_notify_free(), once CMD and all it forked are gone: a closed
 * listener makes every chosen call fail with ENOSYS (kernel/seccomp.c,
 * seccomp_do_user_notification()), which no call may ever see.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/seccomp.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include "ctl.h"
#include "log.h"
#include "sys.h"

#define HALT_CHECK_NS	(50 * 1000000ULL)

struct held {
	uint64_t due, since, id;
};

struct sys_notify {
	/* Set before the thread starts. */
	uint64_t delay_ns, jitter_ns;
	char prefix[PATH_MAX];		/* --path, or "" */
	char calls[96];			/* for its one message */
	uint64_t key;			/* of the jitter's draw */
	uint64_t generation;		/* of the kill switch */
	bool kill_switch;		/* ... to be checked */
	int fd, wake, timer;		/* the listener; an eventfd that stops the thread; a timerfd */
	pthread_t thread;
	bool running;
	/* Shared with the controller's thread: atomics. */
	uint64_t deadline, matched, injected, held_ns, draws;
	int ended, stop;
	/* The thread's own. */
	struct held *heap;
	size_t nheld, cap;
	uint64_t next_check;		/* of the kill switch, while calls are held */
	bool passing, said;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define ADD(x, v)	__atomic_fetch_add(&(x), (v), __ATOMIC_RELAXED)

/* ------------------------------------------------------------- the heap */

static void swap(struct held *a, struct held *b)
{
	struct held t = *a;

	*a = *b;
	*b = t;
}

static int push(struct sys_notify *n, struct held h)
{
	size_t i;

	if (n->nheld == n->cap) {
		size_t cap = n->cap ? 2 * n->cap : 64;
		struct held *p = realloc(n->heap, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		n->heap = p;
		n->cap = cap;
	}
	i = n->nheld++;
	n->heap[i] = h;
	for (; i && n->heap[(i - 1) / 2].due > n->heap[i].due; i = (i - 1) / 2)
		swap(&n->heap[(i - 1) / 2], &n->heap[i]);
	return 0;
}

static struct held pop(struct sys_notify *n)
{
	struct held top = n->heap[0];
	size_t i = 0;

	n->heap[0] = n->heap[--n->nheld];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < n->nheld && n->heap[l].due < n->heap[m].due)
			m = l;
		if (r < n->nheld && n->heap[r].due < n->heap[m].due)
			m = r;
		if (m == i)
			break;
		swap(&n->heap[i], &n->heap[m]);
		i = m;
	}
	return top;
}

/* ------------------------------------------------------------ answering */

/* Let the call run. One that is no longer pending (killed meanwhile) is left alone. */
static void let_go(struct sys_notify *n, uint64_t id)
{
	struct seccomp_notif_resp r = { .id = id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };

	if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id))
		return;
	ioctl(n->fd, SECCOMP_IOCTL_NOTIF_SEND, &r);
}

/* Counted once its wait is over, so that delay_ns / injected is the mean of whole waits. */
static void release(struct sys_notify *n, struct held h, uint64_t now)
{
	ADD(n->held_ns, now - h.since);
	ADD(n->injected, 1);
	let_go(n, h.id);
}

/* Every call due by now; with all, every call held. */
static void release_due(struct sys_notify *n, uint64_t now, bool all)
{
	while (n->nheld && (all || n->heap[0].due <= now))
		release(n, pop(n), now);
}

/* A uniform draw in [delay - jitter, delay + jitter]: SplitMix64 of the call's number. */
static uint64_t draw(struct sys_notify *n)
{
	uint64_t z = n->key + ADD(n->draws, 1) * 0x9e3779b97f4a7c15ULL;

	if (!n->jitter_ns)
		return n->delay_ns;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return n->delay_ns - n->jitter_ns + z % (2 * n->jitter_ns + 1);
}

static bool live(struct sys_notify *n, uint64_t now)
{
	return !LOAD(n->ended) && now < LOAD(n->deadline);
}

/* `stop --all` bumped the kill switch: the fault is over (three syscalls, on a held call only). */
static bool halted(struct sys_notify *n, uint64_t now)
{
	n->next_check = now + HALT_CHECK_NS;
	if (!n->kill_switch || !fl_ctl_halted(n->generation))
		return false;
	STORE(n->ended, 1);
	return true;
}

/* One notification: held, or let go at once (the fault is over, or not its --path). */
static void take(struct sys_notify *n)
{
	struct seccomp_notif req;
	const struct fl_syscall *s;
	uint64_t now;

	memset(&req, 0, sizeof(req));	/* the kernel refuses a dirty one (EINVAL) */
	if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_RECV, &req))
		return;			/* ENOENT: the caller died before we looked */
	now = now_ns();
	if (!live(n, now) || halted(n, now))
		return let_go(n, req.id);
	s = n->prefix[0] ? fl_syscall_of(req.data.nr) : NULL;
	if (n->prefix[0] && (!s || !fl_sys_call_under(n->fd, req.id, req.pid, s,
						      (const uint64_t *)req.data.args, n->prefix)))
		return let_go(n, req.id);
	ADD(n->matched, 1);	/* as sys fail counts: the calls that passed every filter */
	if (push(n, (struct held){ now + draw(n), now, req.id }))
		let_go(n, req.id);	/* no memory: better undelayed than stuck */
}

/* ------------------------------------------------------------ the thread */

/* Said once, when the deadline (not the command's exit) turns the delays off. */
static void pass_from_now(struct sys_notify *n, uint64_t now)
{
	release_due(n, now, true);
	if (!n->said && now >= LOAD(n->deadline)) {
		pr_info("faultline: sys delay %s: its deadline passed: every call runs at once from now "
			"(the seccomp filter stays with the command until it exits)\n", n->calls);
		n->said = true;
	}
	n->passing = true;
}

/* The timer at the first due call, or the deadline; off when nothing is due. */
static void set_timer(struct sys_notify *n)
{
	struct itimerspec it = { 0 };
	uint64_t t = UINT64_MAX;

	if (n->nheld)
		t = n->heap[0].due;
	if (!n->passing && LOAD(n->deadline) < t)
		t = LOAD(n->deadline);
	if (n->nheld && n->kill_switch && n->next_check < t)
		t = n->next_check;
	if (t != UINT64_MAX) {
		t = t ?: 1;	/* 0 would disarm it */
		it.it_value.tv_sec = t / 1000000000ULL;
		it.it_value.tv_nsec = t % 1000000000ULL;
	}
	/* Setting it also clears an expiry not read yet (timerfd_setup() zeroes ticks). */
	timerfd_settime(n->timer, TFD_TIMER_ABSTIME, &it, NULL);
}

/* A word from the controller: stop (true), or the fault ended (look again). */
static bool wake_read(struct sys_notify *n)
{
	uint64_t v;

	if (read(n->wake, &v, sizeof(v)) < 0 && errno != EAGAIN && errno != EINTR)
		return true;
	return LOAD(n->stop);
}

static void *supervise(void *arg)
{
	struct sys_notify *n = arg;
	struct pollfd p[3] = { { n->wake, POLLIN, 0 }, { n->timer, POLLIN, 0 }, { n->fd, POLLIN, 0 } };
	nfds_t np = 3;

	prctl(PR_SET_NAME, "fl-sys-delay", 0, 0, 0);
	for (;;) {
		uint64_t now = now_ns();

		if (live(n, now) && !(n->nheld && now >= n->next_check && halted(n, now)))
			release_due(n, now, false);
		else
			pass_from_now(n, now);
		set_timer(n);
		if (poll(p, np, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents && wake_read(n))
			break;
		if (p[2].revents & POLLIN)
			take(n);
		else if (p[2].revents)
			np = 2;		/* POLLHUP: no process uses the filter any more */
	}
	release_due(n, now_ns(), true);
	return NULL;
}

/* ------------------------------------------------------------ the API */

int fl_sys_notify_new(struct sys_notify **out, const struct fl_sys_conf *c,
		      const uint64_t *generation)
{
	struct sys_notify *n = calloc(1, sizeof(*n));
	size_t len = 0;

	if (!n)
		return -ENOMEM;
	n->delay_ns = c->delay_ns;
	n->jitter_ns = c->jitter_ns;
	snprintf(n->prefix, sizeof(n->prefix), "%s", c->path);
	for (int i = 0; i < c->ncalls && len < sizeof(n->calls); i++)
		len += snprintf(n->calls + len, sizeof(n->calls) - len, "%s%s", i ? "," : "", c->calls[i]);
	if (getrandom(&n->key, sizeof(n->key), 0) != sizeof(n->key))
		n->key = now_ns();
	n->deadline = FL_DEADLINE_INERT;
	n->kill_switch = generation;
	n->generation = generation ? *generation : 0;
	n->fd = n->wake = n->timer = -1;
	*out = n;
	return 0;
}

void fl_sys_notify_arm(struct sys_notify *n, uint64_t deadline_ns)
{
	STORE(n->deadline, deadline_ns);
}

/* The thread takes no signal: exec's handlers (SIGCHLD, SIGINT for CMD) stay the main thread's. */
int fl_sys_notify_run(struct sys_notify *n, int fd, char *err)
{
	sigset_t all, old;
	int e;

	n->fd = fd;
	n->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	n->timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (n->wake < 0 || n->timer < 0)
		return fl_sys_err(err, -errno, "eventfd, timerfd: %s", strerror(errno));
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&n->thread, NULL, supervise, n);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e)
		return fl_sys_err(err, -e, "cannot start the delay's supervisor thread: %s", strerror(e));
	n->running = true;
	return 0;
}

void fl_sys_notify_read(struct sys_notify *n, struct fl_sys_delay_stats *st)
{
	st->matched = LOAD(n->matched);
	st->injected = LOAD(n->injected);
	st->delay_ns = LOAD(n->held_ns);
}

void fl_sys_notify_end(struct sys_notify *n)
{
	uint64_t one = 1;

	STORE(n->ended, 1);
	/* Wake the thread so that it lets go of what it holds now, not at the next due time. */
	if (n->running && write(n->wake, &one, sizeof(one)) < 0)
		pr_debug("sys delay: cannot wake the supervisor: %s\n", strerror(errno));
}

void fl_sys_notify_free(struct sys_notify *n)
{
	uint64_t one = 1;

	if (!n)
		return;
	if (n->running) {
		STORE(n->ended, 1);
		STORE(n->stop, 1);
		if (write(n->wake, &one, sizeof(one)) != sizeof(one))
			pthread_cancel(n->thread);	/* poll() is a cancellation point */
		pthread_join(n->thread, NULL);
	}
	if (n->fd >= 0)
		close(n->fd);
	if (n->wake >= 0)
		close(n->wake);
	if (n->timer >= 0)
		close(n->timer);
	free(n->heap);
	free(n);
}
