// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What a controller leaves behind when it dies unannounced (SIGKILL, the
 * OOM killer): links die with it, but a clsact filter on a kernel without
 * tcx, a delay's fq and its ifb stay until their kernel deadline or the
 * next faultline command. So each controller forks a watchdog before its
 * first fault starts. The watchdog holds one end of a socket pair whose
 * other end only the controller has: when the controller is gone, the
 * socket ends, and the watchdog undoes what the record's notes name at
 * once, as a later command's clean-up would. Should both die, the kernel
 * deadline is the last resort, then the next command.
 *
 * The socket also carries fds the controller wants to outlive it until
 * the sweep is done (fl_watchdog_hold): exec's seccomp listener, which,
 * closed while CMD runs, would make CMD's chosen calls fail with ENOSYS.
 * Held here, they wait instead, until the sweep kills CMD's cgroup.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include "registry.h"
#include "watchdog.h"

#define WATCH_FD	3

/* Nothing of the controller's: a tcx link or a program fd held here would keep a fault alive. */
static void shed(int rfd)
{
	int null = open("/dev/null", O_RDWR);

	if (rfd != WATCH_FD) {
		dup2(rfd, WATCH_FD);
		close(rfd);
	}
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
	}
	close_range(WATCH_FD + 1, ~0U, 0);
}

/* One message: a byte, and perhaps an fd, which is kept open (and never used). */
static ssize_t take(void)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char c;
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };

	return recvmsg(WATCH_FD, &m, 0);
}

static void watch(const char *id)
{
	struct fl_reg r;

	/* Its own session: Ctrl-C or a kill of the controller's group leave it. */
	setsid();
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	prctl(PR_SET_NAME, "fl-watchdog");
	for (;;) {
		ssize_t n = take();

		if (n == 0 || (n < 0 && errno != EINTR))
			break;
	}
	/* A controller that finished moved its record to ended/, or removed it. */
	if (fl_reg_load(id, &r) == 0 && r.state != FL_REG_ENDED)
		fl_reg_cleanup(&r);
	/* Only now do the held fds close: what they served is gone. */
}

int fl_watchdog_start(const char *id)
{
	int p[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		close(p[1]);
		shed(p[0]);
		watch(id);
		_exit(0);
	}
	close(p[0]);
	return p[1];
}

int fl_watchdog_hold(int wfd, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char c = 'h';
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	memset(u.buf, 0, sizeof(u.buf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(wfd, &m, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}
