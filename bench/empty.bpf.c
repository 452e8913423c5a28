// SPDX-License-Identifier: GPL-2.0
/*
 * Bench-only baselines (never linked into faultline): an empty program of
 * each hook type faultline uses, and one hash-map lookup, so every per-event
 * cost in bench/README.md is a ratio to the floor of its own hook type.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "faultline.h"

SEC("cgroup_skb/egress")
int empty_cg_skb(struct __sk_buff *skb)
{
	return 1;
}

SEC("cgroup_skb/ingress")
int empty_cg_skb_in(struct __sk_buff *skb)
{
	return 1;
}

SEC("tc")
int empty_tc(struct __sk_buff *skb)
{
	return 0;
}

SEC("syscall")
int empty_syscall(void *ctx)
{
	return 0;
}

SEC("cgroup/connect4")
int empty_connect4(struct bpf_sock_addr *ctx)
{
	return 1;
}

/* Same key and value shape as net.bpf.c's targets map. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);
	__type(value, __u32);
} lookup_map SEC(".maps");

/* The key to look up; the runner sets it to a present or an absent id. */
__u64 lookup_key;

/* One hash lookup on the tc hook: what a targets-map probe costs. */
SEC("tc")
int hash_lookup_tc(struct __sk_buff *skb)
{
	__u64 k = lookup_key;

	return bpf_map_lookup_elem(&lookup_map, &k) ? 1 : 0;
}

/*
 * The draw before seeds, and the seeded one (faultline.h) with its shared
 * count, as common.bpf.h's fl_next_n() and fl_chance() make it: the per-event
 * cost of replayable faults. Not common.bpf.h itself, whose maps are pinned.
 */
__u64 draw_prob = FL_PROB_ONE * 3 / 10;
const volatile __u64 draw_seed = 42;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} draw_seq SEC(".maps");

SEC("tc")
int draw_prandom_tc(struct __sk_buff *skb)
{
	return (__u64)bpf_get_prandom_u32() < draw_prob;
}

SEC("tc")
int draw_seeded_tc(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(&draw_seq, &zero), n;

	if (!seq)
		return 0;
	n = __sync_fetch_and_add(seq, 1) + 1;
	return fl_draw_hit(draw_seed, 0, n, draw_prob);
}

char LICENSE[] SEC("license") = "GPL";
