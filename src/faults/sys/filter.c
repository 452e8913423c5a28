// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The seccomp filter of `sys delay`, installed by CMD's own process just
 * before its execve (exec.c calls exec_child() there): a classic BPF
 * program that compares the syscall number with the chosen ones and
 * returns SECCOMP_RET_USER_NOTIF for them, SECCOMP_RET_ALLOW for anything
 * else. An unchosen call costs the filter's few instructions and nothing
 * more; a chosen one waits in the kernel until the supervisor (notify.c)
 * answers it with SECCOMP_USER_NOTIF_FLAG_CONTINUE.
 *
 * Between the install and the execve the process still hands the
 * listener to the controller (sendmsg) and waits for its word (read).
 * Were those calls chosen, they would wait for a supervisor that has no
 * listener yet; so each is let through by its exact number, descriptor
 * and buffer address (the handoff), which CMD's calls after the execve do
 * not share but by a coincidence of fd number and address.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "sys.h"

#if defined(__x86_64__)
#define FL_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FL_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#endif

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV	(1UL << 5)
#endif

#define X32_SYSCALL_BIT	0x40000000U

/* Jump targets, patched once the program's end is known. */
enum { TO_NEXT, TO_ALLOW, TO_NOTIFY };

struct prog {
	struct sock_filter *insn;
	int n;
	unsigned char jt[FL_SYS_FILTER_MAX], jf[FL_SYS_FILTER_MAX];	/* enum above, or 255: literal */
};

static void emit(struct prog *p, __u16 code, __u32 k, int jt, int jf)
{
	p->insn[p->n] = (struct sock_filter)BPF_JUMP(code, k, 0, 0);
	p->jt[p->n] = jt;
	p->jf[p->n] = jf;
	p->n++;
}

static void load(struct prog *p, __u32 off)
{
	emit(p, BPF_LD | BPF_W | BPF_ABS, off, TO_NEXT, TO_NEXT);
}

/* The 32-bit halves of argument i, low first on a little-endian machine. */
static __u32 arg_lo(int i)
{
	return offsetof(struct seccomp_data, args) + 8 * i +
	       (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 0 : 4);
}

static __u32 arg_hi(int i)
{
	return offsetof(struct seccomp_data, args) + 8 * i +
	       (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 4 : 0);
}

static bool chosen(const int *nrs, int n, long nr)
{
	for (int i = 0; i < n; i++)
		if (nrs[i] == nr)
			return true;
	return false;
}

/*
 * A handoff call passes when its number and both arguments match: a
 * mismatch jumps to the reload of the number after the comparisons, so
 * that the chosen numbers are compared next as for any other call.
 */
static void emit_handoff(struct prog *p, long nr, uint64_t a0, uint64_t a1)
{
	const __u32 k[4] = { (__u32)a0, (__u32)(a0 >> 32), (__u32)a1, (__u32)(a1 >> 32) };
	const __u32 off[4] = { arg_lo(0), arg_hi(0), arg_lo(1), arg_hi(1) };
	int skip = 8;	/* from the JEQ on the number to the reload */

	emit(p, BPF_JMP | BPF_JEQ | BPF_K, (__u32)nr, TO_NEXT, 255);
	p->insn[p->n - 1].jf = skip;
	for (int i = 0; i < 4; i++) {
		load(p, off[i]);
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, k[i], i == 3 ? TO_ALLOW : TO_NEXT, 255);
		p->insn[p->n - 1].jf = skip - 2 * (i + 1);
	}
	load(p, offsetof(struct seccomp_data, nr));
}

/* Relative offsets from the targets; literal ones (255) were set already. */
static void patch(struct prog *p, int allow, int notify)
{
	for (int i = 0; i < p->n; i++) {
		int t[2] = { p->jt[i], p->jf[i] };

		for (int j = 0; j < 2; j++) {
			int off = t[j] == TO_ALLOW ? allow - i - 1 : t[j] == TO_NOTIFY ? notify - i - 1 : -1;

			if (off < 0)
				continue;
			if (j == 0)
				p->insn[i].jt = off;
			else
				p->insn[i].jf = off;
		}
	}
}

int fl_sys_filter(const int *nrs, int n, const struct fl_exec_handoff *h, struct sock_filter *out)
{
	struct prog p = { .insn = out };
	int allow;

	load(&p, offsetof(struct seccomp_data, arch));
	emit(&p, BPF_JMP | BPF_JEQ | BPF_K, FL_AUDIT_ARCH, TO_NEXT, TO_ALLOW);
	load(&p, offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
	/* x32 calls have numbers of their own (and 32-bit ones another arch): they pass. */
	emit(&p, BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, TO_ALLOW, TO_NEXT);
#endif
	for (int i = 0; h && i < h->n && i < FL_HANDOFF_CALLS; i++)
		if (chosen(nrs, n, h->calls[i].nr))
			emit_handoff(&p, h->calls[i].nr, h->calls[i].arg0, h->calls[i].arg1);
	for (int i = 0; i < n; i++)
		emit(&p, BPF_JMP | BPF_JEQ | BPF_K, nrs[i], TO_NOTIFY, TO_NEXT);
	allow = p.n;
	emit(&p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, TO_NEXT, TO_NEXT);
	emit(&p, BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF, TO_NEXT, TO_NEXT);
	patch(&p, allow, allow + 1);
	return p.n;
}

int fl_sys_delay_nrs(const struct fl_sys_conf *c, int *nrs, char *err)
{
	for (int i = 0; i < c->ncalls; i++) {
		const struct fl_syscall *s = fl_syscall_find(c->calls[i]);

		if (!s)
			return fl_sys_err(err, -EINVAL, "sys delay: '%s' is not a system call it knows "
					  "(see 'faultline sys delay --help')", c->calls[i]);
		nrs[i] = s->nr;
	}
	return 0;
}

static int seccomp_listen(struct sock_fprog *prog, unsigned long flags)
{
	return syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, flags, prog);
}

/*
 * Without CAP_SYS_ADMIN the kernel wants no_new_privs first; faultline is
 * root, so it is set only when asked for (EACCES): set, it would stop
 * CMD's setuid programs (sudo) from gaining their privileges. The
 * killable wait (Linux 5.19) keeps a held call from being interrupted and
 * restarted by a signal, which would hold it anew: tried first.
 */
int fl_sys_filter_install(const struct fl_sys_conf *c, const struct fl_exec_handoff *h, char *err)
{
	struct sock_filter insn[FL_SYS_FILTER_MAX];
	unsigned long flags = SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	struct sock_fprog prog;
	int nrs[FL_SYS_MAX_CALLS], fd;

	if (fl_sys_delay_nrs(c, nrs, err))
		return -EINVAL;
	prog.len = fl_sys_filter(nrs, c->ncalls, h, insn);
	prog.filter = insn;
	fd = seccomp_listen(&prog, flags);
	if (fd < 0 && errno == EINVAL) {
		flags &= ~SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
		fd = seccomp_listen(&prog, flags);
	}
	if (fd < 0 && errno == EACCES && !prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		fd = seccomp_listen(&prog, flags);
	if (fd < 0)
		return fl_sys_err(err, -errno, "cannot install the seccomp filter in the command's "
				  "process: %s%s", strerror(errno), errno == EINVAL ?
				  " (user notification needs Linux 5.0, CONTINUE 5.5)" : "");
	return fd;
}
