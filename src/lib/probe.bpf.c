// SPDX-License-Identifier: GPL-2.0
/*
 * Tiny programs that `faultline doctor` and the loader load and attach, one
 * at a time, to learn what the running kernel really allows. Reading the
 * kernel config is not enough: lockdown, LSM order and error-injection lists
 * decide at load or attach time.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* Errno that no real call returns in our probes, so a hit proves the hook. */
#define PROBE_ERRNO 131 /* ENOTRECOVERABLE */
#define ECONNREFUSED 111

/* Only the probing process is ever affected. */
const volatile __u32 targ_tgid;

static __always_inline bool is_target(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == targ_tgid;
}

SEC("tc")
int probe_tc(struct __sk_buff *skb)
{
	return 0; /* TC_ACT_OK */
}

SEC("cgroup_skb/egress")
int probe_cgroup_skb(struct __sk_buff *skb)
{
	return 1;
}

SEC("cgroup/connect4")
int probe_connect4(struct bpf_sock_addr *ctx)
{
	return 1;
}

/*
 * Refuses connect with ECONNREFUSED instead of EPERM; attached only to a
 * probe cgroup that holds nothing but the probing process.
 */
SEC("cgroup/connect4")
int probe_set_retval(struct bpf_sock_addr *ctx)
{
	bpf_set_retval(-ECONNREFUSED);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int probe_tracepoint(void *ctx)
{
	return 0;
}

SEC("raw_tp/sys_enter")
int probe_raw_tp(void *ctx)
{
	return 0;
}

SEC("fentry/security_file_open")
int BPF_PROG(probe_fentry, struct file *file)
{
	return 0;
}

SEC("fmod_ret/security_file_open")
int BPF_PROG(probe_fmod_ret_security, struct file *file, int ret)
{
	return ret;
}

SEC("lsm/file_open")
int BPF_PROG(probe_lsm, struct file *file, int ret)
{
	return ret;
}

SEC("kprobe/__x64_sys_getpgid")
int probe_kprobe(struct pt_regs *ctx)
{
	return 0;
}

SEC("kprobe/__x64_sys_getpgid")
int probe_override(struct pt_regs *ctx)
{
	if (is_target())
		bpf_override_return(ctx, -PROBE_ERRNO);
	return 0;
}

SEC("fmod_ret/__x64_sys_getpgid")
int BPF_PROG(probe_fmod_ret_syscall, struct pt_regs *regs, int ret)
{
	return is_target() ? -PROBE_ERRNO : ret;
}

char LICENSE[] SEC("license") = "GPL";
