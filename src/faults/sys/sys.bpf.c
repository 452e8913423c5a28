// SPDX-License-Identifier: GPL-2.0
/*
 * faultline sys fail: make one cgroup's system calls fail with a chosen
 * errno. Each family of calls rides the best hook the kernel offers: cgroup
 * socket hooks, BPF LSM or fmod_ret on security_* hooks, and fmod_ret or a
 * kprobe with bpf_override_return on __x64_sys_NAME. The loader (load.c)
 * autoloads only the programs the plan needs.
 *
 * The entry programs are thin: what they decide lives in sys.bpf.h. Each
 * security hook exists twice, as BPF LSM and as fmod_ret on security_*,
 * because a kernel may have either (fmod_ret needs no active BPF LSM, only
 * trampolines: the verifier allows BPF_MODIFY_RETURN on security_* since
 * 5.7, commit 6ba43b761c41). In both, `ret` is the verdict of the programs
 * before us on the same hook: a denial stays, else we decide.
 */
#include "sys.bpf.h"
#include <bpf/bpf_tracing.h>

/* ---- cgroup socket hooks: attached to the target, so descendants too ---- */

SEC("cgroup/connect4")
int fl_connect4(struct bpf_sock_addr *ctx)
{
	return fl_sys_sock(FL_SYS_CONNECT);
}

SEC("cgroup/connect6")
int fl_connect6(struct bpf_sock_addr *ctx)
{
	return fl_sys_sock(FL_SYS_CONNECT);
}

SEC("cgroup/bind4")
int fl_bind4(struct bpf_sock_addr *ctx)
{
	return fl_sys_sock(FL_SYS_BIND);
}

SEC("cgroup/bind6")
int fl_bind6(struct bpf_sock_addr *ctx)
{
	return fl_sys_sock(FL_SYS_BIND);
}

SEC("cgroup/sendmsg4")
int fl_sendmsg4(struct bpf_sock_addr *ctx)
{
	return fl_sys_sock(FL_SYS_SENDMSG);
}

SEC("cgroup/sendmsg6")
int fl_sendmsg6(struct bpf_sock_addr *ctx)
{
	return fl_sys_sock(FL_SYS_SENDMSG);
}

SEC("cgroup/sock_create")
int fl_sock_create(struct bpf_sock *ctx)
{
	return fl_sys_sock(FL_SYS_SOCKET);
}

/* ---- security hooks: BPF LSM, and fmod_ret on security_* ---- */

SEC("lsm/file_open")
int BPF_PROG(fl_lsm_file_open, struct file *file, int ret)
{
	return ret ?: fl_sys_file(FL_SYS_OPEN, file, FL_HOOK_LSM);
}

SEC("fmod_ret/security_file_open")
int BPF_PROG(fl_fmod_file_open, struct file *file, int ret)
{
	return ret ?: fl_sys_file(FL_SYS_OPEN, file, FL_HOOK_FMOD_RET);
}

SEC("lsm/file_permission")
int BPF_PROG(fl_lsm_file_permission, struct file *file, int mask, int ret)
{
	return ret ?: fl_sys_file(fl_sys_rw_call(mask), file, FL_HOOK_LSM);
}

SEC("fmod_ret/security_file_permission")
int BPF_PROG(fl_fmod_file_permission, struct file *file, int mask, int ret)
{
	return ret ?: fl_sys_file(fl_sys_rw_call(mask), file, FL_HOOK_FMOD_RET);
}

SEC("lsm/inode_unlink")
int BPF_PROG(fl_lsm_inode_unlink, struct inode *dir, struct dentry *dentry, int ret)
{
	return ret ?: fl_sys_names(FL_SYS_UNLINK, dentry, NULL, FL_HOOK_LSM);
}

SEC("fmod_ret/security_inode_unlink")
int BPF_PROG(fl_fmod_inode_unlink, struct inode *dir, struct dentry *dentry, int ret)
{
	return ret ?: fl_sys_names(FL_SYS_UNLINK, dentry, NULL, FL_HOOK_FMOD_RET);
}

SEC("lsm/inode_rmdir")
int BPF_PROG(fl_lsm_inode_rmdir, struct inode *dir, struct dentry *dentry, int ret)
{
	return ret ?: fl_sys_names(FL_SYS_RMDIR, dentry, NULL, FL_HOOK_LSM);
}

SEC("fmod_ret/security_inode_rmdir")
int BPF_PROG(fl_fmod_inode_rmdir, struct inode *dir, struct dentry *dentry, int ret)
{
	return ret ?: fl_sys_names(FL_SYS_RMDIR, dentry, NULL, FL_HOOK_FMOD_RET);
}

SEC("lsm/inode_mkdir")
int BPF_PROG(fl_lsm_inode_mkdir, struct inode *dir, struct dentry *dentry, umode_t mode, int ret)
{
	return ret ?: fl_sys_names(FL_SYS_MKDIR, dentry, NULL, FL_HOOK_LSM);
}

SEC("fmod_ret/security_inode_mkdir")
int BPF_PROG(fl_fmod_inode_mkdir, struct inode *dir, struct dentry *dentry, umode_t mode, int ret)
{
	return ret ?: fl_sys_names(FL_SYS_MKDIR, dentry, NULL, FL_HOOK_FMOD_RET);
}

/*
 * The LSM hook and security_inode_rename() differ in arity: the function
 * takes renameat2's flags and calls the hook itself, twice for
 * RENAME_EXCHANGE (once per direction), so an exchange the first call lets
 * through is counted twice by lsm and once by fmod_ret (security/security.c;
 * BTF of 6.18: bpf_lsm_inode_rename has 4 arguments, security_inode_rename 5).
 */
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

/*
 * Arity again: the hook gets both the prot userspace asked for (reqprot)
 * and the one the kernel will apply, security_mmap_file() only the first,
 * from which it computes the second (BTF of 6.18: 4 arguments against 3).
 */
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

SEC("lsm/task_alloc")
int BPF_PROG(fl_lsm_task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	return ret ?: fl_sys_plain(FL_SYS_FORK, FL_HOOK_LSM, 0);
}

SEC("fmod_ret/security_task_alloc")
int BPF_PROG(fl_fmod_task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	return ret ?: fl_sys_plain(FL_SYS_FORK, FL_HOOK_FMOD_RET, 0);
}

/* ---- any syscall by name: targets are set at run time ---- */

/*
 * A syscall by name through fmod_ret on its __x64_sys_NAME wrapper; ctx
 * is the trampoline's, for bpf_get_func_ip (5.15, commit 9b99edcae5c8).
 * The result is long, not int: __x64_sys_* return all 64 bits of r0,
 * and a 32-bit BPF operation zeroes the upper half of its destination
 * (Documentation/bpf/standardization/instruction-set.rst), so an int
 * -EIO would come back as 4294967291, a success to libc.
 */
static __always_inline long fl_sys_byname(void *ctx, long ret)
{
	return ret ?: fl_sys_plain(FL_SYS_BYNAME, FL_HOOK_FMOD_RET, bpf_get_func_ip(ctx));
}

/*
 * A trampoline program is verified against one function, so each syscall
 * named on the command line gets its own copy (the loader sets its target
 * with bpf_program__set_attach_target): FL_SYS_MAX_BYNAME of them.
 */
SEC("fmod_ret")
long BPF_PROG(fl_fmod_sys0, struct pt_regs *regs, long ret)
{
	return fl_sys_byname(ctx, ret);
}

SEC("fmod_ret")
long BPF_PROG(fl_fmod_sys1, struct pt_regs *regs, long ret)
{
	return fl_sys_byname(ctx, ret);
}

SEC("fmod_ret")
long BPF_PROG(fl_fmod_sys2, struct pt_regs *regs, long ret)
{
	return fl_sys_byname(ctx, ret);
}

SEC("fmod_ret")
long BPF_PROG(fl_fmod_sys3, struct pt_regs *regs, long ret)
{
	return fl_sys_byname(ctx, ret);
}

SEC("fmod_ret")
long BPF_PROG(fl_fmod_sys4, struct pt_regs *regs, long ret)
{
	return fl_sys_byname(ctx, ret);
}

SEC("fmod_ret")
long BPF_PROG(fl_fmod_sys5, struct pt_regs *regs, long ret)
{
	return fl_sys_byname(ctx, ret);
}

SEC("fmod_ret")
long BPF_PROG(fl_fmod_sys6, struct pt_regs *regs, long ret)
{
	return fl_sys_byname(ctx, ret);
}

SEC("fmod_ret")
long BPF_PROG(fl_fmod_sys7, struct pt_regs *regs, long ret)
{
	return fl_sys_byname(ctx, ret);
}

/*
 * One kprobe program serves every name: it is attached once per syscall.
 * bpf_override_return (4.16, commit 9802d86585db) works only with
 * CONFIG_BPF_KPROBE_OVERRIDE and on functions marked ALLOW_ERROR_INJECTION,
 * which SYSCALL_DEFINE's wrappers are.
 */
SEC("kprobe")
int fl_kprobe_sys(struct pt_regs *ctx)
{
	int err = fl_sys_plain(FL_SYS_BYNAME, FL_HOOK_KPROBE, bpf_get_func_ip(ctx));

	if (err)
		bpf_override_return(ctx, err);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
