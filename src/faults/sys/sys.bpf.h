/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The decision every sys hook makes, apart from the hooks themselves: the
 * shipped entry programs (sys.bpf.c) and the test ones
 * (tests/unit/bpf/sys_test.bpf.c) include this and stay a few lines each.
 *
 * Every entry asks, cheapest first: is the kill switch thrown, is the
 * caller in the target cgroup, does the rule cover this call (and path);
 * only then does it take the rule's deadline, --after, chance and --count.
 */
#ifndef FL_SYS_BPF_H
#define FL_SYS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "common.bpf.h"

/* include/linux/fs.h: the mask bits security_file_permission() passes. */
#define MAY_WRITE	0x2
#define MAY_READ	0x4

/*
 * bpf_get_retval/bpf_set_retval exist (5.18, commit b44123b4a3dc); before
 * them a cgroup socket hook that rejects a call can only mean EPERM. The
 * loader sets this only where the kernel has them and the errno is not
 * EPERM; rodata is frozen at load, so the verifier knows the value and
 * does not walk the calls when it is false.
 */
const volatile bool targ_set_retval;

FL_MAP_ONE(BPF_MAP_TYPE_ARRAY, struct fl_sys_rule) fl_sys_rule SEC(".maps");

FL_MAP_ONE(BPF_MAP_TYPE_ARRAY, struct fl_sys_stats) fl_sys_stats SEC(".maps");

/*
 * The caller's cgroup or one of its ancestors is the target: the ancestor
 * at the target's level is the target itself, whatever the depth below.
 */
static __always_inline bool fl_sys_is_target(void)
{
	return bpf_get_current_ancestor_cgroup_id(targ_level) == targ_cgid;
}

/* The rule when it is live and covers this call of the target, else NULL. */
static __always_inline const struct fl_sys_rule *fl_sys_rule_for(__u32 call)
{
	const struct fl_sys_rule *r;
	__u32 zero = 0;

	if (fl_halted() || !fl_sys_is_target())
		return NULL;
	r = bpf_map_lookup_elem(&fl_sys_rule, &zero);
	if (!r || !(r->calls & call) || fl_expired(r->deadline_ns, bpf_ktime_get_ns()))
		return NULL;
	return r;
}

/* The event of one failed call: every hook here runs in the caller's context. */
static __always_inline void fl_sys_emit(__u32 call, __s32 errnum, __u32 hook, __u64 ip, __u64 n)
{
	struct fl_event *e = fl_ev_reserve(FL_EV_SYS_FAIL, bpf_get_current_cgroup_id(), n);

	if (!e)
		return;
	fl_ev_task(e);
	e->call = call;
	e->errnum = errnum;
	e->hook = hook;
	e->func_ip = ip;
	bpf_ringbuf_submit(e, 0);
}

/*
 * A call that passed every filter: -errno to inject, or 0. The counters
 * are shared and bumped with fetch-and-add, so "skip N, then inject M"
 * holds exactly however many CPUs race through here, and matched numbers
 * the calls: the n each draw is made from. ip: the faulted function's
 * address when one program serves several (by name), else 0.
 */
static __always_inline int fl_sys_verdict(const struct fl_sys_rule *r, __u32 call, __u32 hook,
					  __u64 ip)
{
	struct fl_sys_stats *s;
	__u32 zero = 0;
	__u64 n;

	s = bpf_map_lookup_elem(&fl_sys_stats, &zero);
	if (!s)
		return 0;
	n = fl_next_n(&s->matched);
	if (n <= r->after || !fl_chance(r->prob, n))
		return 0;
	if (r->count && __sync_fetch_and_add(&s->tickets, 1) >= r->count)
		return 0;
	__sync_fetch_and_add(&s->injected, 1);
	fl_sys_emit(call, r->errnum, hook, ip, n);
	return -r->errnum;
}

static __always_inline bool fl_sys_is_prefix(struct dentry *d, const struct fl_sys_rule *r)
{
	struct inode *inode = BPF_CORE_READ(d, d_inode);

	return inode && BPF_CORE_READ(inode, i_ino) == r->path_ino &&
	       BPF_CORE_READ(d, d_sb, s_dev) == r->path_dev;
}

/*
 * Is `d` the --path prefix or below it? Walk the dentry tree up to the
 * root comparing (s_dev, inode), not strings. bpf_d_path (5.10, commit
 * 6e22ab9da793) would not do: it takes a struct path, which the inode
 * hooks do not have; it is allowed only on some attach points
 * (bpf_d_path_allowed() in kernel/trace/bpf_trace.c: for LSM programs the
 * hooks that may sleep); and its string depends on the caller's root
 * (chroot, mount namespace). With the mount known (file hooks), continue
 * at a mount's root from its mountpoint in the parent mount, as ".." does;
 * the inode hooks see no mount, so they match only within the prefix's
 * filesystem. struct mount is private to fs/ (fs/mount.h): reach it from
 * its embedded vfsmount by the CO-RE offset of `mnt`.
 */
static __always_inline bool fl_sys_under_prefix(struct dentry *d, struct vfsmount *vmnt,
						const struct fl_sys_rule *r)
{
	struct dentry *parent, *root = NULL;
	struct mount *m = NULL, *up;
	int i;

	/* Every read is a probe read: fetch each mount's root once, not per level. */
	if (vmnt) {
		m = (void *)vmnt - bpf_core_field_offset(struct mount, mnt);
		root = BPF_CORE_READ(vmnt, mnt_root);
	}
	for (i = 0; i < FL_SYS_MAX_DEPTH && d; i++) {
		if (fl_sys_is_prefix(d, r))
			return true;
		if (m && d == root) {
			up = BPF_CORE_READ(m, mnt_parent);
			if (up == m)
				return false;
			d = BPF_CORE_READ(m, mnt_mountpoint);
			m = up;
			root = BPF_CORE_READ(m, mnt.mnt_root);
			continue;
		}
		parent = BPF_CORE_READ(d, d_parent);
		if (parent == d)
			return false;
		d = parent;
	}
	return false;
}

/* A call on an open file (open, read, write, mmap); file may be NULL. */
static __always_inline int fl_sys_file(__u32 call, struct file *file, __u32 hook)
{
	const struct fl_sys_rule *r = fl_sys_rule_for(call);

	if (!r)
		return 0;
	if (r->path_ino && (!file || !fl_sys_under_prefix(BPF_CORE_READ(file, f_path.dentry),
							  BPF_CORE_READ(file, f_path.mnt), r)))
		return 0;
	return fl_sys_verdict(r, call, hook, 0);
}

/* A call on names (unlink, mkdir, rename): either dentry may match. */
static __always_inline int fl_sys_names(__u32 call, struct dentry *a, struct dentry *b,
					__u32 hook)
{
	const struct fl_sys_rule *r = fl_sys_rule_for(call);

	if (!r)
		return 0;
	if (r->path_ino && !fl_sys_under_prefix(a, NULL, r) &&
	    !(b && fl_sys_under_prefix(b, NULL, r)))
		return 0;
	return fl_sys_verdict(r, call, hook, 0);
}

/*
 * A call without a path (fork, a syscall by name). ip: the hooked function
 * for a syscall by name, which the event carries (userspace names it from
 * kallsyms); 0 for the rest.
 */
static __always_inline int fl_sys_plain(__u32 call, __u32 hook, __u64 ip)
{
	const struct fl_sys_rule *r = fl_sys_rule_for(call);

	return r ? fl_sys_verdict(r, call, hook, ip) : 0;
}

/* security_file_permission()'s mask as the call it stands for. */
static __always_inline __u32 fl_sys_rw_call(int mask)
{
	return mask & MAY_WRITE ? FL_SYS_WRITE : mask & MAY_READ ? FL_SYS_READ : 0;
}

/*
 * A cgroup socket hook: 1 lets the call through, 0 rejects it (EPERM, or
 * the errno bpf_set_retval gave). The attachment already scopes by the
 * socket's cgroup; checking the caller as well keeps a socket that was
 * handed to a process outside the target from failing there.
 */
static __always_inline int fl_sys_sock(__u32 call)
{
	int err;

	/*
	 * Another experiment's program before us already failed the call: keep
	 * its errno and do not count it, as the security hooks do with `ret`.
	 */
	if (targ_set_retval && bpf_get_retval() < 0)
		return 0;
	err = fl_sys_plain(call, FL_HOOK_SOCK, 0);
	if (!err)
		return 1;
	if (targ_set_retval)
		bpf_set_retval(err);
	return 0;
}

#endif
