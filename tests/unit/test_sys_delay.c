// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sys delay without faultline exec: its options through the engine, the
 * --path matching, the seccomp filter run by a small classic-BPF
 * interpreter on made-up calls, and the supervisor for real on a forked
 * child that installs the filter itself (seccomp needs no root with
 * no_new_privs, and loads no BPF program).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "options.h"
#include "sys_kind.h"

/* ------------------------------------------------------------ options */

/* A fault from NAME VALUE pairs, as a command line gives them; then fl_fault_check(). */
static int fault(struct fl_fault *f, int action, char *err, ...)
{
	const char *name, *arg;
	va_list ap;
	int e;

	assert_int_equal(fl_fault_new(f, &fl_sys_kind, action), 0);
	va_start(ap, err);
	for (e = 0; !e && (name = va_arg(ap, const char *));) {
		arg = va_arg(ap, const char *);
		e = fl_opt_set(f, fl_opt_find(&fl_sys_kind, name), arg, err);
	}
	va_end(ap);
	return e ?: fl_fault_check(f, err);
}

#define FAULT(f, a, err, ...) fault(f, a, err, __VA_ARGS__, (char *)NULL)

static void delay_options(void **state)
{
	struct fl_fault f;
	char err[FL_ERRLEN];

	assert_int_equal(FAULT(&f, FL_SYS_DELAY, err, "call", "fsync,write", "delay", "50ms",
			       "jitter", "5ms"), 0);
	assert_string_equal(f.desc, "sys delay fsync,write 50ms jitter 5ms");
	assert_int_equal(((struct fl_sys_conf *)f.conf)->delay_ns, 50000000);
	assert_int_equal(fl_fault_needs_exec(&f, err), -EINVAL);
	assert_string_equal(err, "sys delay needs faultline exec: seccomp applies to processes faultline starts");
	fl_fault_free(&f);
	assert_int_equal(FAULT(&f, FL_SYS_FAIL, err, "call", "fsync", "errno", "EIO"), 0);
	assert_int_equal(fl_fault_needs_exec(&f, err), 0);
	fl_fault_free(&f);
	/* Each action's own options, and only those. */
	assert_int_equal(FAULT(&f, FL_SYS_DELAY, err, "call", "fsync"), -EINVAL);
	assert_non_null(strstr(err, "needs --delay"));
	fl_fault_free(&f);
	assert_int_equal(FAULT(&f, FL_SYS_DELAY, err, "call", "fsync", "delay", "1ms", "errno", "EIO"), -EINVAL);
	assert_non_null(strstr(err, "--errno belongs to 'sys fail'"));
	fl_fault_free(&f);
	assert_int_equal(FAULT(&f, FL_SYS_FAIL, err, "call", "fsync", "errno", "EIO", "delay", "1ms"), -EINVAL);
	fl_fault_free(&f);
	assert_int_equal(FAULT(&f, FL_SYS_DELAY, err, "call", "fsync", "delay", "61s"), -EINVAL);
	fl_fault_free(&f);
}

static void delay_validate(void **state)
{
	static const char *const bad[][7] = {
		{ "nosuchcall", "10ms", NULL, NULL, "is not a system call it knows" },
		{ "exit_group", "10ms", NULL, NULL, "is not a system call it knows" },
		{ "getpid", "10ms", NULL, "/tmp", "no argument of it names a file" },
		{ "fsync", "10ms", "11ms", NULL, "--jitter must not exceed --delay" },
	};
	struct fl_fault f;
	char err[FL_ERRLEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int e = FAULT(&f, FL_SYS_DELAY, err, "call", bad[i][0], "delay", bad[i][1],
			      bad[i][2] ? "jitter" : "path", bad[i][2] ?: bad[i][3] ?: "/");

		if (e != -EINVAL || !strstr(err, bad[i][4]))
			fail_msg("%s: got %d, '%s'", bad[i][0], e, err);
		fl_fault_free(&f);
	}
	assert_int_equal(FAULT(&f, FL_SYS_DELAY, err, "call", "fsync,openat,renameat2", "delay", "1ms",
			       "path", "/tmp"), 0);
	fl_fault_free(&f);
}

/* Two delays of one call: only the newest filter would see it. */
static void delay_conflict(void **state)
{
	struct fl_fault a, b, c;
	char err[FL_ERRLEN];

	assert_int_equal(FAULT(&a, FL_SYS_DELAY, err, "call", "fsync,write", "delay", "1ms"), 0);
	assert_int_equal(FAULT(&b, FL_SYS_DELAY, err, "call", "read,write", "delay", "2ms"), 0);
	assert_int_equal(FAULT(&c, FL_SYS_DELAY, err, "call", "read", "delay", "2ms"), 0);
	assert_int_equal(fl_sys_kind.conflict(&a, &b, err), -EINVAL);
	assert_non_null(strstr(err, "write is in two sys delay faults"));
	assert_int_equal(fl_sys_kind.conflict(&a, &c, err), 0);
	fl_fault_free(&a);
	fl_fault_free(&b);
	fl_fault_free(&c);
}

/* -------------------------------------------------------------- paths */

static void paths(void **state)
{
	static const char *const norm[][2] = {
		{ "/a/./b/../c//", "/a/c" }, { "/..", "/" }, { "/a/b/../../..", "/" },
		{ "/", "/" }, { "//srv///data/", "/srv/data" }, { "/srv/da.ta/..x", "/srv/da.ta/..x" },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(norm) / sizeof(norm[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", norm[i][0]);
		fl_sys_path_normal(buf);
		assert_string_equal(buf, norm[i][1]);
	}
	assert_true(fl_sys_path_under("/srv/data", "/srv/data"));
	assert_true(fl_sys_path_under("/srv/data/x", "/srv/data/"));
	assert_false(fl_sys_path_under("/srv/database", "/srv/data"));
	assert_false(fl_sys_path_under("/srv", "/srv/data"));
	assert_true(fl_sys_path_under("/anything", "/"));
	assert_true(fl_syscall_has_file(fl_syscall_find("fsync")));
	assert_false(fl_syscall_has_file(fl_syscall_find("getpid")));
	assert_int_equal(fl_syscall_find("fsync")->nr, SYS_fsync);
	assert_int_equal(fl_syscall_of(SYS_openat)->file[0].type, FL_REF_AT);
}

/* ------------------------------------------------------------- filter */

/* What the kernel's classic BPF would return for this call (the few opcodes the filter uses). */
static __u32 run(const struct sock_filter *p, int n, const struct seccomp_data *d)
{
	__u32 a = 0;

	for (int pc = 0; pc < n; pc++) {
		const struct sock_filter *i = &p[pc];

		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			assert_true(i->k + 4 <= sizeof(*d));
			memcpy(&a, (const char *)d + i->k, 4);
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == i->k ? i->jt : i->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += a >= i->k ? i->jt : i->jf;
			break;
		case BPF_RET | BPF_K:
			return i->k;
		default:
			fail_msg("opcode %#x at %d", i->code, pc);
		}
	}
	fail_msg("ran off the end");
	return 0;
}

static __u32 verdict(const struct sock_filter *p, int n, int nr, uint64_t a0, uint64_t a1, __u32 arch)
{
	struct seccomp_data d = { .nr = nr, .arch = arch, .args = { a0, a1 } };

	return run(p, n, &d);
}

static void filter(void **state)
{
	static const char buf[1];
	const struct fl_exec_handoff h = { .n = 2, .calls = {
		{ SYS_sendmsg, 7, (uintptr_t)buf }, { SYS_read, 5, 0x7fff00001234ULL } } };
	const int nrs[] = { SYS_fsync, SYS_read, SYS_sendmsg };
	struct sock_filter p[FL_SYS_FILTER_MAX];
#if defined(__aarch64__)
	const __u32 arch = AUDIT_ARCH_AARCH64;
#else
	const __u32 arch = AUDIT_ARCH_X86_64;
#endif
	int n = fl_sys_filter(nrs, 3, &h, p);

	assert_true(n > 0 && n <= FL_SYS_FILTER_MAX);
	assert_int_equal(verdict(p, n, SYS_fsync, 3, 0, arch), SECCOMP_RET_USER_NOTIF);
	assert_int_equal(verdict(p, n, SYS_getpid, 0, 0, arch), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(p, n, SYS_write, 1, 0, arch), SECCOMP_RET_ALLOW);
	/* The handoff's calls pass, by fd and address; the same call otherwise is held. */
	assert_int_equal(verdict(p, n, SYS_sendmsg, 7, (uintptr_t)buf, arch), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(p, n, SYS_sendmsg, 8, (uintptr_t)buf, arch), SECCOMP_RET_USER_NOTIF);
	assert_int_equal(verdict(p, n, SYS_sendmsg, 7 | (1ULL << 32), (uintptr_t)buf, arch),
			 SECCOMP_RET_USER_NOTIF);
	assert_int_equal(verdict(p, n, SYS_read, 5, 0x7fff00001234ULL, arch), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(p, n, SYS_read, 5, 0x7ffe00001234ULL, arch), SECCOMP_RET_USER_NOTIF);
	assert_int_equal(verdict(p, n, SYS_read, 0, 0, arch), SECCOMP_RET_USER_NOTIF);
	/* Another ABI's numbers mean other calls: they pass. */
	assert_int_equal(verdict(p, n, SYS_fsync, 3, 0, arch ^ 1), SECCOMP_RET_ALLOW);
#if defined(__x86_64__)
	assert_int_equal(verdict(p, n, SYS_fsync | 0x40000000, 3, 0, arch), SECCOMP_RET_ALLOW);
#endif
	/* Without the handoff's calls among the chosen, nothing of them is in the program. */
	assert_true(fl_sys_filter(nrs, 1, &h, p) < n);
}

/* --------------------------------------------------------- supervisor */

static uint64_t ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* The child: its filter, the listener to the parent, then timed calls; exit 0 if all held right. */
static void __attribute__((noreturn)) child(const struct fl_sys_conf *c, int sock, int go)
{
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u = { 0 };
	char err[FL_ERRLEN], b = 0;
	struct iovec iov = { &b, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	struct timespec t0;
	int fd = fl_sys_filter_install(c, NULL, err), bad = 0;

	if (fd < 0)
		_exit(10);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &m, 0) != 1)
		_exit(11);
	for (int i = 0; i < 3; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		syscall(SYS_getppid);
		bad |= ms_since(&t0) < 30;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	syscall(SYS_getpid);
	bad |= (ms_since(&t0) >= 20) << 1;
	/* The parent ends the fault: from then on, at once. */
	if (write(sock, "r", 1) != 1 || read(go, &b, 1) != 1)
		_exit(12);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	syscall(SYS_getppid);
	bad |= (ms_since(&t0) >= 20) << 2;
	_exit(bad);
}

static void supervisor(void **state)
{
	struct fl_sys_conf c = { .ncalls = 1, .delay_ns = 30000000 };
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
	char b, err[FL_ERRLEN];
	struct iovec iov = { &b, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	struct fl_sys_delay_stats st;
	struct sys_notify *n;
	struct timespec now;
	int sv[2], go[2], fd, status;
	pid_t pid;

	strcpy(c.calls[0], "getppid");
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	if (pid == 0)
		child(&c, sv[1], go[0]);
	assert_int_equal(recvmsg(sv[0], &m, 0), 1);
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(int));
	assert_int_equal(fl_sys_notify_new(&n, &c, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &now);
	fl_sys_notify_arm(n, now.tv_sec * 1000000000ULL + now.tv_nsec + 60000000000ULL);
	assert_int_equal(fl_sys_notify_run(n, fd, err), 0);
	assert_int_equal(read(sv[0], &b, 1), 1);
	fl_sys_notify_read(n, &st);
	assert_int_equal(st.matched, 3);
	assert_int_equal(st.injected, 3);
	assert_true(st.delay_ns >= 90000000);
	fl_sys_notify_end(n);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	fl_sys_notify_read(n, &st);
	fl_sys_notify_free(n);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail_msg("the child: status %#x (1: not held, 2: getpid held, 4: held after the end)",
			 status);
	assert_int_equal(st.injected, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(delay_options),
		cmocka_unit_test(delay_validate),
		cmocka_unit_test(delay_conflict),
		cmocka_unit_test(paths),
		cmocka_unit_test(filter),
		cmocka_unit_test(supervisor),
	};

	return cmocka_run_group_tests_name("sys delay", tests, NULL, NULL);
}
