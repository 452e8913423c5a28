// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The handoff of exec's in-process faults. The waiting child, told "go",
 * runs each fault's exec_child() (which installs a seccomp filter) and
 * sends the fd it returns over a SOCK_SEQPACKET socket (SCM_RIGHTS); the
 * controller gives a copy to the watchdog, the fd to the fault's
 * exec_fd() (its supervisor starts), and only then writes one byte on the
 * "go" pipe, which the child waits for before its execve. So CMD's first
 * instruction runs with its filter in place and someone answering it.
 *
 * After a filter is in, the child makes just two more calls before the
 * execve: the sendmsg and the read below. They use these static buffers,
 * so their (number, fd, address) is known before the filter is built,
 * and the filter lets exactly them through (fl_exec_handoff): were they
 * chosen calls, they would wait for an answer from a supervisor that has
 * no listener yet.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include "handoff.h"
#include "parse.h"
#include "runner.h"
#include "watchdog.h"

/* One fault's result: its index, 0 (and the fd) or -errno (and why). */
struct handoff_msg {
	int32_t index, status;
	char err[FL_ERRLEN];
};

static struct handoff_msg child_msg;
static union {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
} child_cmsg;
static struct iovec child_iov = { &child_msg, sizeof(child_msg) };
static struct msghdr child_mh;
static char child_ack;

bool fl_handoff_needed(const struct fl_fault *f)
{
	return f->kind->actions[f->action].exec_only && f->kind->exec_child;
}

static int child_send(int sock, int fd)
{
	struct cmsghdr *cm;

	memset(&child_mh, 0, sizeof(child_mh));
	child_mh.msg_iov = &child_iov;
	child_mh.msg_iovlen = 1;
	if (fd >= 0) {
		memset(&child_cmsg, 0, sizeof(child_cmsg));
		child_mh.msg_control = child_cmsg.buf;
		child_mh.msg_controllen = sizeof(child_cmsg.buf);
		cm = CMSG_FIRSTHDR(&child_mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &child_mh, MSG_NOSIGNAL) == sizeof(child_msg) ? 0 : -1;
}

void fl_handoff_child(const struct fl_fault *faults, int nfaults, int sock, int go)
{
	const struct fl_exec_handoff h = { .n = 2, .calls = {
		{ __NR_sendmsg, (uint64_t)sock, (uintptr_t)&child_mh },
		{ __NR_read, (uint64_t)go, (uintptr_t)&child_ack },
	} };
	int sent = 0, fd;
	ssize_t n;

	for (int i = 0; i < nfaults; i++) {
		if (!fl_handoff_needed(&faults[i]))
			continue;
		child_msg.err[0] = '\0';
		fd = faults[i].kind->exec_child(&faults[i], &h, child_msg.err);
		child_msg.index = i;
		child_msg.status = fd < 0 ? fd : 0;
		if (child_send(sock, fd) || fd < 0)
			_exit(FL_EXIT_EXEC_FAIL);
		sent++;
	}
	if (!sent)
		return;
	do
		n = read(go, &child_ack, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(FL_EXIT_EXEC_FAIL);	/* the controller could not take them: CMD must not run */
}

/* One message, and the fd it carries (-1: none). 1, 0 at EOF, or -errno. */
static int parent_recv(int sock, struct handoff_msg *m, int *fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	ssize_t n;

	*fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
	if (n == 0)
		return 0;
	return n == sizeof(*m) ? 1 : -EPROTO;
}

/* One fault's fd: to the watchdog, then to the fault. 0 or -errno with err. */
static int take_one(struct fl_fault *f, int i, int fd, int watchdog, char *err)
{
	char why[FL_ERRLEN];
	int e;

	e = watchdog >= 0 ? fl_watchdog_hold(watchdog, fd) : -EBADF;
	if (e) {
		close(fd);
		return snprintf(err, FL_ERRLEN, "fault %d (%s): cannot give its listener to the watchdog: %s",
				i + 1, f->desc, strerror(-e)), e;
	}
	e = f->kind->exec_fd(f, fd, why);
	if (e)
		snprintf(err, FL_ERRLEN, "fault %d (%s): %s", i + 1, f->desc, why);
	return e;
}

int fl_handoff_parent(struct fl_fault *faults, int nfaults, int sock, int go, int watchdog,
		      char *err)
{
	struct handoff_msg m;
	int want = 0, fd, rc, e;

	for (int i = 0; i < nfaults; i++)
		want += fl_handoff_needed(&faults[i]);
	for (int k = 0; k < want; k++) {
		rc = parent_recv(sock, &m, &fd);
		if (rc <= 0 || m.index < 0 || m.index >= nfaults || !fl_handoff_needed(&faults[m.index])) {
			if (fd >= 0)
				close(fd);
			return snprintf(err, FL_ERRLEN, "the command's process died before it handed over "
					"its seccomp listener"), -ECHILD;
		}
		if (m.status < 0 || fd < 0) {
			m.err[sizeof(m.err) - 1] = '\0';
			if (fd >= 0)
				close(fd);
			return snprintf(err, FL_ERRLEN, "fault %d (%s): %s", m.index + 1,
					faults[m.index].desc, m.err), m.status < 0 ? m.status : -EPROTO;
		}
		e = take_one(&faults[m.index], m.index, fd, watchdog, err);
		if (e)
			return e;
	}
	if (want && write(go, "g", 1) != 1)
		return snprintf(err, FL_ERRLEN, "the command's process died before it could start"),
		       -ECHILD;
	return 0;
}
