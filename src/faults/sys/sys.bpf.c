// SPDX-License-Identifier: GPL-2.0
/*
 * faultline sys fail: make one cgroup's system calls fail with a chosen
 * errno. Each family of calls rides the best hook the kernel offers: cgroup
 * socket hooks, BPF LSM or fmod_ret on security_* hooks, and fmod_ret or a
 * kprobe with bpf_override_return on __x64_sys_NAME. The loader autoloads
 * only the programs the plan needs.
 *
 * Every program asks, cheapest first: is the kill switch thrown, is the
 * caller in the target cgroup, does the rule cover this call (and path);
 * only then does it take the rule's deadline, --after, chance and --count.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.bpf.h"

#define MAY_WRITE	0x2
#define MAY_READ	0x4

/* The target cgroup: its id, and its depth so one helper call decides. */
const volatile __u64 targ_cgid;
const volatile __u32 targ_level;
/* bpf_set_retval exists (5.18+); without it a socket hook can only EPERM. */
const volatile bool targ_set_retval;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fl_sys_rule);
} fl_sys_rule SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fl_sys_stats);
} fl_sys_stats SEC(".maps");

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

/*
 * A call that passed every filter: -errno to inject, or 0. The counters
 * are shared and bumped with fetch-and-add, so "skip N, then inject M"
 * holds exactly however many CPUs race through here.
 */
/* The event of one failed call: every hook here runs in the caller's context. */
static __always_inline void fl_sys_emit(__u32 call, __s32 errnum, __u32 hook, __u64 ip)
{
	struct fl_event *e = fl_ev_reserve(FL_EV_SYS_FAIL, bpf_get_current_cgroup_id());

	if (!e)
		return;
	fl_ev_task(e);
	e->call = call;
	e->errnum = errnum;
	e->hook = hook;
	e->func_ip = ip;
	bpf_ringbuf_submit(e, 0);
}

/* ip: the faulted function's address when one program serves several (by name). */
static __always_inline int fl_sys_verdict(const struct fl_sys_rule *r, __u32 call, __u32 hook,
					  __u64 ip)
{
	struct fl_sys_stats *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&fl_sys_stats, &zero);
	if (!s)
		return 0;
	if (__sync_fetch_and_add(&s->matched, 1) < r->after || !fl_chance(r->prob))
		return 0;
	if (r->count && __sync_fetch_and_add(&s->tickets, 1) >= r->count)
		return 0;
	__sync_fetch_and_add(&s->injected, 1);
	fl_sys_emit(call, r->errnum, hook, ip);
	return -r->errnum;
}

static __always_inline bool fl_is_prefix(struct dentry *d, const struct fl_sys_rule *r)
{
	struct inode *inode = BPF_CORE_READ(d, d_inode);

	return inode && BPF_CORE_READ(inode, i_ino) == r->path_ino &&
	       BPF_CORE_READ(d, d_sb, s_dev) == r->path_dev;
}

/*
 * Is `d` the --path prefix or below it? Walk the dentry tree up to the root,
 * comparing (s_dev, inode) rather than strings: no bpf_d_path, which a
 * non-sleepable LSM program may not call, and no confusion from chroots or
 * renames. With the mount known (file hooks), continue at a mount's root
 * from its mountpoint in the parent mount, as ".." does; the inode hooks
 * see no mount, so they match only within the prefix's filesystem.
 */
static __always_inline bool fl_under_prefix(struct dentry *d, struct vfsmount *vmnt,
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
		if (fl_is_prefix(d, r))
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
	if (r->path_ino && (!file || !fl_under_prefix(BPF_CORE_READ(file, f_path.dentry),
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
	if (r->path_ino && !fl_under_prefix(a, NULL, r) && !(b && fl_under_prefix(b, NULL, r)))
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

/* ---- cgroup socket hooks: attached to the target, so descendants too ---- */

/*
 * The attachment already scopes by the socket's cgroup; checking the caller
 * as well keeps a socket that was handed to a process outside the target
 * from failing there.
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
	return 0;	/* reject: EPERM, or the errno set above */
}

#define FL_SOCK_HOOK(hook, ctx_type, call)				\
SEC("cgroup/" #hook)							\
int fl_##hook(ctx_type *ctx)						\
{									\
	return fl_sys_sock(call);					\
}

FL_SOCK_HOOK(connect4, struct bpf_sock_addr, FL_SYS_CONNECT)
FL_SOCK_HOOK(connect6, struct bpf_sock_addr, FL_SYS_CONNECT)
FL_SOCK_HOOK(bind4, struct bpf_sock_addr, FL_SYS_BIND)
FL_SOCK_HOOK(bind6, struct bpf_sock_addr, FL_SYS_BIND)
FL_SOCK_HOOK(sendmsg4, struct bpf_sock_addr, FL_SYS_SENDMSG)
FL_SOCK_HOOK(sendmsg6, struct bpf_sock_addr, FL_SYS_SENDMSG)
FL_SOCK_HOOK(sock_create, struct bpf_sock, FL_SYS_SOCKET)

/* ---- security hooks: the same body as BPF LSM and as fmod_ret ---- */

/*
 * `ret` is the verdict of the programs before us: keep a denial, else
 * decide. fmod_ret on security_* needs no active BPF LSM, only trampolines.
 * `verdict` names fl_hook, which tells the event which of the two ran.
 */
#define FL_SECURITY_HOOK(hook, verdict, args...)			\
SEC("lsm/" #hook)							\
int BPF_PROG(fl_lsm_##hook, args, int ret)				\
{									\
	const __u32 fl_hook = FL_HOOK_LSM;				\
									\
	return ret ?: (verdict);					\
}									\
SEC("fmod_ret/security_" #hook)						\
int BPF_PROG(fl_fmod_##hook, args, int ret)				\
{									\
	const __u32 fl_hook = FL_HOOK_FMOD_RET;				\
									\
	return ret ?: (verdict);					\
}

static __always_inline __u32 rw_call(int mask)
{
	return mask & MAY_WRITE ? FL_SYS_WRITE : mask & MAY_READ ? FL_SYS_READ : 0;
}

FL_SECURITY_HOOK(file_open, fl_sys_file(FL_SYS_OPEN, file, fl_hook), struct file *file)
FL_SECURITY_HOOK(file_permission, fl_sys_file(rw_call(mask), file, fl_hook), struct file *file, int mask)
FL_SECURITY_HOOK(inode_unlink, fl_sys_names(FL_SYS_UNLINK, dentry, NULL, fl_hook),
		 struct inode *dir, struct dentry *dentry)
FL_SECURITY_HOOK(inode_rmdir, fl_sys_names(FL_SYS_RMDIR, dentry, NULL, fl_hook),
		 struct inode *dir, struct dentry *dentry)
FL_SECURITY_HOOK(inode_mkdir, fl_sys_names(FL_SYS_MKDIR, dentry, NULL, fl_hook),
		 struct inode *dir, struct dentry *dentry, umode_t mode)
FL_SECURITY_HOOK(task_alloc, fl_sys_plain(FL_SYS_FORK, fl_hook, 0),
		 struct task_struct *task, unsigned long clone_flags)

/* The LSM hook and security_* differ in arity for these two. */
SEC("lsm/inode_rename")
int BPF_PROG(fl_lsm_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, int ret)
{
	return ret ?: fl_sys_names(FL_SYS_RENAME, old_dentry, new_dentry, FL_HOOK_LSM);
}

SEC("fmod_ret/security_inode_rename")
int BPF_PROG(fl_fmod_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, unsigned int flags, int ret)
{
	return ret ?: fl_sys_names(FL_SYS_RENAME, old_dentry, new_dentry, FL_HOOK_FMOD_RET);
}

SEC("lsm/mmap_file")
int BPF_PROG(fl_lsm_mmap_file, struct file *file, unsigned long reqprot,
	     unsigned long prot, unsigned long flags, int ret)
{
	return ret ?: fl_sys_file(FL_SYS_MMAP, file, FL_HOOK_LSM);
}

SEC("fmod_ret/security_mmap_file")
int BPF_PROG(fl_fmod_mmap_file, struct file *file, unsigned long prot,
	     unsigned long flags, int ret)
{
	return ret ?: fl_sys_file(FL_SYS_MMAP, file, FL_HOOK_FMOD_RET);
}

/* ---- any syscall by name: targets are set at run time ---- */

/*
 * A trampoline program is verified against one function, so each syscall
 * named on the command line gets its own copy (bpf_program__set_attach_target).
 * They return long: __x64_sys_* return all 64 bits of r0, and an int result
 * would come back zero-extended, -EIO as 4294967291, a success to libc.
 */
#define FL_FMOD_SYS(i)							\
SEC("fmod_ret")								\
long BPF_PROG(fl_fmod_sys##i, struct pt_regs *regs, long ret)		\
{									\
	return ret ?: fl_sys_plain(FL_SYS_BYNAME, FL_HOOK_FMOD_RET, bpf_get_func_ip(ctx)); \
}

FL_FMOD_SYS(0)
FL_FMOD_SYS(1)
FL_FMOD_SYS(2)
FL_FMOD_SYS(3)
FL_FMOD_SYS(4)
FL_FMOD_SYS(5)
FL_FMOD_SYS(6)
FL_FMOD_SYS(7)

/* One kprobe program serves every name: it is attached once per syscall. */
SEC("kprobe")
int fl_kprobe_sys(struct pt_regs *ctx)
{
	int err = fl_sys_plain(FL_SYS_BYNAME, FL_HOOK_KPROBE, bpf_get_func_ip(ctx));

	if (err)
		bpf_override_return(ctx, err);
	return 0;
}

/*
 * The decision path of every hook above, runnable with BPF_PROG_TEST_RUN
 * (tests/unit/test_sys.c) on kernels where the hooks themselves cannot be
 * test-run. Never autoloaded by the loader.
 */
SEC("syscall")
int fl_sys_test(struct fl_sys_test_ctx *ctx)
{
	return fl_sys_plain(ctx->call, FL_HOOK_TEST, 0);	/* the test reads it as retval */
}

char LICENSE[] SEC("license") = "GPL";
