// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only entry into the network programs, never in a shipped object:
 * the egress delay and drop paths past their target check, so tests/unit/test_net_tc.c
 * can test departure times without leaning on what a test-run skb's socket
 * is. That is the kernel's detail: since Linux 5.15 (commit 435b08ec0094)
 * an sk_alloc()ed socket in the cgroup of the task that runs the test,
 * before that a zeroed one.
 */
#include "net.bpf.h"

SEC("tc")
int fl_test_stamp_egress(struct __sk_buff *skb)
{
	return stamp_egress(skb);
}

/* The same for the egress drop. */
SEC("tc")
int fl_test_drop_egress(struct __sk_buff *skb)
{
	return drop_egress(skb);
}

char LICENSE[] SEC("license") = "GPL";
