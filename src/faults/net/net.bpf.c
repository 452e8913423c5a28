// SPDX-License-Identifier: GPL-2.0
/*
 * Network faults: the entry programs the loader attaches (net.c). Each is a
 * thin shell over net.bpf.h, where the logic and its reasons live; the
 * loader turns on only the programs of its fault's action and direction.
 */
#include "net.bpf.h"

/* drop, egress: every device of the target's namespace (or --dev). */
SEC("tc")
int fl_tc_drop(struct __sk_buff *skb)
{
	return tc_drop_egress(skb);
}

/* drop, ingress: the target cgroup's sockets. */
SEC("cgroup_skb/ingress")
int fl_cg_ingress(struct __sk_buff *skb)
{
	return cg_drop_ingress(skb);
}

/* delay, egress: the target's device. */
SEC("tc")
int fl_tc_egress(struct __sk_buff *skb)
{
	return tc_egress(skb);
}

/* delay, ingress: the device, matching what the target taught us below. */
SEC("tc")
int fl_tc_ingress(struct __sk_buff *skb)
{
	return tc_ingress(skb);
}

SEC("cgroup_skb/egress")
int fl_cg_learn(struct __sk_buff *skb)
{
	return learn_flow(skb);
}

SEC("cgroup/post_bind4")
int fl_bind4(struct bpf_sock *sk)
{
	return learn_bind(sk);
}

SEC("cgroup/post_bind6")
int fl_bind6(struct bpf_sock *sk)
{
	return learn_bind(sk);
}

char LICENSE[] SEC("license") = "GPL";
