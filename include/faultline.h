/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * faultline's ABI: the map layouts shared by the BPF programs (bpf/) and the
 * loader (src/). Fixed-width fields, explicit padding, no pointers, no bool,
 * so the two sides agree whatever compiler built them.
 */
#ifndef FAULTLINE_H
#define FAULTLINE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define FL_PIN_ROOT		"/sys/fs/bpf/faultline"

/* Rules one experiment object can carry; sized so a loop over them verifies. */
#define FL_MAX_RULES		16
/* Deepest cgroup level a tc program will check (the root is level 0). */
#define FL_MAX_LEVELS		32
/* Remote flows remembered for jitter ordering and ingress matching. */
#define FL_MAX_FLOWS		65536

/*
 * Global kill switch, one entry, pinned at FL_PIN_ROOT/fl_control and shared
 * by every faultline object on the host: every program reads it before
 * anything else, so `faultline stop --all` halts all faults with one write.
 */
struct fl_control {
	__u32 armed;		/* 0: inject nothing anywhere */
	__u32 pad;
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
 * One network rule. Addresses are stored as IPv6; IPv4 uses the v4-mapped
 * form (::ffff:a.b.c.d) with prefix lengths offset by 96, so one compare
 * covers both families.
 */
struct fl_net_rule {
	__u64 deadline_ns;	/* bpf_ktime_get_ns() after which it is inert */
	__u64 prob;		/* inject when prandom_u32 < prob (0..2^32) */
	__u64 delay_ns;
	__u64 jitter_ns;
	__u32 action;		/* enum fl_action; 0 = empty slot */
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

/* Per-rule, per-CPU counters; the loader sums CPUs. */
struct fl_counters {
	__u64 matched;		/* skbs that passed every filter of the rule */
	__u64 injected;		/* skbs dropped or delayed */
	__u64 bytes;		/* bytes of the injected skbs */
	__u64 segs;		/* segments of the injected skbs (GSO aware) */
	__u64 delay_ns;		/* sum of delays applied, for the mean */
};

/* Per-object settings, one entry. */
struct fl_net_config {
	__u32 nr_rules;
	__u32 level_mask;	/* bit L set: some target sits at cgroup level L */
};

#endif /* FAULTLINE_H */
