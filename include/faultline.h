/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * faultline's ABI: the map layouts shared by the BPF programs (bpf/) and the
 * loader (src/). Fixed-width fields, explicit padding, no pointers, no bool,
 * so the two sides agree whatever compiler built them. And the seeded draw,
 * which both sides must compute alike for a seed to mean one run.
 */
#ifndef FAULTLINE_H
#define FAULTLINE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define FL_PIN_ROOT		"/sys/fs/bpf/faultline"

/* Remote flows remembered for jitter ordering and ingress matching. */
#define FL_MAX_FLOWS		65536

/*
 * Global kill switch, one entry, pinned at FL_PIN_ROOT/fl_control and shared
 * by every faultline object on the host: every program reads it before
 * anything else, so `faultline stop --all` halts all faults with one write.
 */
struct fl_control {
	__u32 pad[2];		/* was `armed`, never read; the pinned map keeps its 16 bytes */
	__u64 generation;	/* bumped by each stop --all */
};

enum fl_action {
	FL_ACT_DROP = 1,
	FL_ACT_DELAY = 2,
};

enum fl_dir {
	FL_DIR_EGRESS = 1 << 0,
	FL_DIR_INGRESS = 1 << 1,
};

/* IP protocol numbers; 0 in a rule matches any. */
enum fl_proto {
	FL_PROTO_ANY = 0,
	FL_PROTO_ICMP = 1,
	FL_PROTO_TCP = 6,
	FL_PROTO_UDP = 17,
	FL_PROTO_ICMPV6 = 58,
};

/* Probability is a fraction of 2^32 so that 1.0 (2^32) means always. */
#define FL_PROB_ONE		(1ULL << 32)

/*
 * Seeded draws. Every probabilistic decision of a fault is a pure function
 * of (seed, fault, n): the experiment's seed, the fault's index in it, and
 * n, the fault's own exact count of matching events (1 for the first). So
 * the same program making the same calls gets the same faults, run after
 * run, on any kernel: nothing depends on which CPU ran or what it drew
 * before. Both sides build the draw from here, so user space can say what
 * the kernel will decide (the tests do).
 *
 * The generator is counter-based, after SplitMix64 (Steele, Lea, Flood,
 * "Fast Splittable Pseudorandom Number Generators", OOPSLA 2014): its
 * state after n steps is key + n * gamma, the golden-ratio odd constant,
 * and its output a 64-bit finalizer (Stafford's variant 13 of MurmurHash3's
 * fmix64). We key it by (seed, fault, stream) through the same finalizer,
 * so that every fault and every kind of draw gets its own sequence.
 */
enum fl_draw_stream {
	FL_DRAW_CHANCE = 1,	/* inject or not */
	FL_DRAW_JITTER = 2,	/* a delay's offset, independent of the chance of the same n */
};

#define FL_DRAW_GAMMA		0x9e3779b97f4a7c15ULL

static inline __u64 fl_mix64(__u64 z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* 64 uniform bits for the n-th matching event of a fault, in one stream. */
static inline __u64 fl_draw(__u64 seed, __u32 fault, __u32 stream, __u64 n)
{
	/* stream is never 0, so no key is the mix of a zero word. */
	__u64 key = fl_mix64(seed ^ fl_mix64(((__u64)stream << 32 | fault) * FL_DRAW_GAMMA));

	return fl_mix64(key + n * FL_DRAW_GAMMA);
}

/* Does event n win at prob (a fraction of 2^32: 0 never, FL_PROB_ONE always)? */
static inline int fl_draw_hit(__u64 seed, __u32 fault, __u64 n, __u64 prob)
{
	return (fl_draw(seed, fault, FL_DRAW_CHANCE, n) >> 32) < prob;
}

/*
 * delay spread uniformly over [delay - jitter, delay + jitter], never below
 * zero. The remainder of 64 bits by a span below 2^37 (jitter <= 60 s) is
 * uniform within 2^-27; a 32-bit draw times the span would overflow there.
 */
static inline __u64 fl_draw_delay(__u64 seed, __u32 fault, __u64 n, __u64 delay, __u64 jitter)
{
	__u64 off;

	if (!jitter)
		return delay;
	off = fl_draw(seed, fault, FL_DRAW_JITTER, n) % (2 * jitter + 1);
	return delay + off > jitter ? delay + off - jitter : 0;
}

/*
 * The network rule, key 0 of an object's fl_net_rule array (one rule per
 * object). Addresses are stored as IPv6; IPv4 uses the v4-mapped form
 * (::ffff:a.b.c.d) with prefix lengths offset by 96, so one compare covers
 * both families.
 */
struct fl_net_rule {
	__u64 deadline_ns;	/* bpf_ktime_get_ns() after which it is inert */
	__u64 prob;		/* a fraction of 2^32: fl_draw_hit() */
	__u64 delay_ns;
	__u64 jitter_ns;
	__u32 action;		/* enum fl_action; 0 = no rule yet */
	__u32 dir;		/* mask of enum fl_dir */
	__u8 proto;		/* enum fl_proto */
	__u8 remote_plen;	/* 0 = any remote address, else 1..128 */
	__u16 port_lo;		/* peer port range, host order; 0/0 = any */
	__u16 port_hi;
	__u16 lport_lo;		/* local port range */
	__u16 lport_hi;
	__u16 pad0;
	__u32 pad1;
	__u8 remote[16];
};

/* The rule's per-CPU counters; the loader sums CPUs. */
struct fl_counters {
	__u64 matched;		/* skbs that passed every filter of the rule */
	__u64 injected;		/* skbs dropped or delayed */
	__u64 bytes;		/* bytes of the injected skbs */
	__u64 segs;		/* segments of the injected skbs (GSO aware) */
	__u64 delay_ns;		/* sum of delays applied, for the mean */
};

/* Ingress delay: flows the target sends on (reversed) and ports it binds. */
struct fl_flow_key {
	__u8 remote[16];
	__u16 rport;
	__u16 lport;		/* or the ICMP echo identifier */
	__u8 proto;
	__u8 pad[3];
};

struct fl_port_key {
	__u16 lport;
	__u8 proto;
	__u8 pad;
};

/* ---------------------------------------------------------------------- */
/* Syscall faults (faultline sys fail): one rule per experiment object.  */
/* ---------------------------------------------------------------------- */

/* What a hook program stands for; a rule holds a mask of these. */
enum fl_sys_call {
	FL_SYS_CONNECT = 1 << 0,	/* cgroup/connect4|6 */
	FL_SYS_BIND = 1 << 1,		/* cgroup/bind4|6 */
	FL_SYS_SENDMSG = 1 << 2,	/* cgroup/sendmsg4|6: UDP with an address */
	FL_SYS_SOCKET = 1 << 3,		/* cgroup/sock_create: AF_INET, AF_INET6 */
	FL_SYS_OPEN = 1 << 4,		/* file_open */
	FL_SYS_READ = 1 << 5,		/* file_permission with MAY_READ */
	FL_SYS_WRITE = 1 << 6,		/* file_permission with MAY_WRITE */
	FL_SYS_UNLINK = 1 << 7,		/* inode_unlink */
	FL_SYS_RMDIR = 1 << 8,		/* inode_rmdir */
	FL_SYS_MKDIR = 1 << 9,		/* inode_mkdir */
	FL_SYS_RENAME = 1 << 10,	/* inode_rename */
	FL_SYS_MMAP = 1 << 11,		/* mmap_file */
	FL_SYS_FORK = 1 << 12,		/* task_alloc: fork, vfork, clone, threads */
	FL_SYS_BYNAME = 1 << 13,	/* __x64_sys_NAME via fmod_ret or kprobe */
};

/* Syscalls one object can fault by name (one fmod_ret program each). */
#define FL_SYS_MAX_BYNAME	8
/* Path components walked up from a file when --path is given. */
#define FL_SYS_MAX_DEPTH	64

/*
 * The rule, key 0 of the fl_sys_rule array. Written inert before attach
 * (a deadline already past), then once more when every fault of the
 * experiment is attached, with its deadline; the deadline lives here so
 * it holds even if the loader is killed.
 */
struct fl_sys_rule {
	__u64 deadline_ns;	/* bpf_ktime_get_ns() after which it is inert */
	__u64 prob;		/* a fraction of 2^32: fl_draw_hit() */
	__u64 after;		/* let the first `after` matching calls through */
	__u64 count;		/* inject at most this many; 0 = no limit */
	__u64 path_ino;		/* --path: inode of the prefix; 0 = any path */
	__u32 path_dev;		/* its superblock's s_dev (kernel encoding) */
	__u32 calls;		/* mask of enum fl_sys_call */
	__s32 errnum;		/* positive errno to return */
	__u32 pad;
};

/* Counters shared by all CPUs, bumped atomically so after/count are exact. */
struct fl_sys_stats {
	__u64 matched;		/* calls by the target that passed every filter */
	__u64 injected;		/* calls that got the errno */
	__u64 tickets;		/* injection slots claimed against `count` */
	__u64 delay_ns;		/* sys delay: the time its calls were held, summed (0 in BPF) */
};

/* Input of the fl_sys_test program (BPF_PROG_TEST_RUN); retval: -errno or 0. */
struct fl_sys_test_ctx {
	__u32 call;		/* one enum fl_sys_call bit */
	__u32 pad;
};

/* ---------------------------------------------------------------------- */
/* Events (faultline events): one record per injected fault.              */
/* ---------------------------------------------------------------------- */

/*
 * Every object on the host writes into one ring buffer pinned at
 * FL_PIN_ROOT/fl_events, so one reader sees every experiment. Its size is
 * part of the ABI: libbpf reuses a pin only when the declarations match.
 */
#define FL_EV_RING_BYTES	(256 * 1024)
/*
 * The in-kernel rate limit, per CPU: a token bucket refilled at one event
 * per interval, holding up to burst. These apply while fl_ev_config holds
 * zeros; `faultline events --rate/--burst/--sample` overrides them.
 */
#define FL_EV_RATE_DEFAULT	1000	/* events per second per CPU */
#define FL_EV_BURST_DEFAULT	200
#define FL_EV_MAX_RATE		1000000
#define FL_EV_MAX_BURST		100000

enum fl_ev_kind {
	FL_EV_NET_DROP = 1,
	FL_EV_NET_DELAY = 2,
	FL_EV_SYS_FAIL = 3,
};

/* Which kind of hook made a syscall fail. */
enum fl_ev_hook {
	FL_HOOK_SOCK = 1,	/* cgroup socket hook */
	FL_HOOK_LSM = 2,
	FL_HOOK_FMOD_RET = 3,	/* fmod_ret on security_* or __x64_sys_* */
	FL_HOOK_KPROBE = 4,	/* kprobe + bpf_override_return */
	FL_HOOK_TEST = 5,	/* fl_sys_test through BPF_PROG_TEST_RUN */
};

/*
 * One injected fault. pid/tid/comm are the task that made the call; for
 * packets only where that task is known to be the sender (egress, the
 * current task in the socket's cgroup), else 0 and "": an ingress packet is
 * handled in softirq on behalf of whichever task happens to run.
 */
struct fl_event {
	__u64 ktime_ns;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 cgid;		/* the task's (sys) or the socket's (net) cgroup; 0 unknown */
	__u32 pid;		/* tgid */
	__u32 tid;
	char comm[16];
	__u32 exp_id;		/* the object's fl_exp_id; 0 = a standalone command */
	__u32 kind;		/* enum fl_ev_kind */
	/* net */
	__u64 delay_ns;		/* delay applied (net delay) */
	__u8 addr[16];		/* the peer, IPv4 as v4-mapped IPv6 */
	__u32 len;		/* skb length */
	__u16 rport;		/* the peer's port (or 0) */
	__u16 lport;		/* ours */
	__u8 dir;		/* enum fl_dir */
	__u8 proto;		/* IP protocol */
	__u16 pad0;
	/* sys */
	__u32 call;		/* one enum fl_sys_call bit */
	__s32 errnum;		/* positive errno returned */
	__u32 hook;		/* enum fl_ev_hook */
	__u32 pad1;
	__u64 func_ip;		/* a syscall by name: its __x64_sys_* address, else 0 */
	/* The draw: the same (seed, fault, n) injects again in a replay. */
	__u64 seed;		/* the object's fl_seed */
	__u64 n;		/* the fault's count of matching events, this one included */
	__u32 fault;		/* the fault's index in its experiment (fl_fault_index) */
	__u32 pad2;
};

/* fl_ev_config (pinned, one entry): zeros mean the defaults above. */
struct fl_ev_config {
	__u64 interval_ns;	/* one token per interval: 1e9 / rate */
	__u32 burst;		/* bucket depth, events */
	__u32 sample;		/* keep 1 in `sample` injections; 0, 1: all */
};

/*
 * fl_ev_stats (pinned, per CPU): what became of each injection offered to
 * the event stream. seen == emitted + sampled_out + rate_limited + ring_full.
 */
struct fl_ev_stats {
	__u64 seen;
	__u64 emitted;
	__u64 sampled_out;
	__u64 rate_limited;	/* refused by the token bucket */
	__u64 ring_full;	/* bpf_ringbuf_reserve failed: the reader lags */
	__u64 tat_ns;		/* the bucket, as GCRA keeps it: when its debt is paid */
};

#endif /* FAULTLINE_H */
