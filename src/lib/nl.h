/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Just enough rtnetlink for root qdiscs: libbpf handles clsact and tc
 * filters, but not fq, whose options EDT delay depends on.
 */
#ifndef FL_NL_H
#define FL_NL_H

#include <stdbool.h>
#include <stdint.h>

struct nl_qdisc_info {
	char kind[32];
	uint32_t handle;
	uint32_t parent;
	bool is_default;	/* a qdisc the kernel made, safe to replace */
	/* fq only */
	uint64_t drops;		/* every drop the qdisc counted */
	uint64_t flows_plimit;	/* drops for a full flow queue */
	uint64_t horizon_drops;	/* drops for a timestamp beyond the horizon */
	uint32_t qlen;
};

struct nl_fq_opts {
	uint32_t limit;		/* packets in the whole qdisc */
	uint32_t flow_limit;	/* packets in one flow */
	uint32_t horizon_us;	/* farthest EDT fq accepts */
};

/* The handle of every fq faultline adds (fa17:). */
#define NL_FQ_HANDLE	0xfa170000U

/* Root (egress) qdisc of a device; -ENOENT if it has none we can see. */
int nl_qdisc_root(int ifindex, struct nl_qdisc_info *info);
/* Replace the root qdisc with fq (NLM_F_EXCL when exclusive). */
int nl_qdisc_add_fq(int ifindex, const struct nl_fq_opts *opts, bool exclusive);
/* Delete the root qdisc: the kernel puts its default back. */
int nl_qdisc_del_root(int ifindex);
/* Create an ifb device and bring it up; delete a link by index. */
int nl_link_add_ifb(const char *name);
int nl_link_set_up(int ifindex);
int nl_link_del(int ifindex);
/* Filters on one clsact direction of a device, or -errno. */
int nl_filter_count(int ifindex, bool ingress);
/* clsact ingress filter: a classic cls_bpf program + mirred redirect. */
int nl_filter_add_bpf_mirred(int ifindex, uint16_t prio, uint32_t handle, int prog_fd,
			     const char *name, int to_ifindex);
#endif
