/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The loader of one network fault (net.c): its BPF object, where it is
 * attached, and the device it changed for delay. kind.c drives it.
 */
#ifndef FL_NETLOAD_H
#define FL_NETLOAD_H

#include <stdint.h>
#include "fault.h"
#include "net.h"
#include "netdev.h"

struct net_session;

/* What a fault counted by the time it was detached. */
struct fl_net_final {
	struct fl_counters c;
	struct nl_qdisc_info dev_fq, ifb_fq;	/* as last read; zeros without a device */
	uint64_t fq_drops;			/* by fq on its own, since the fault began */
};

/*
 * Attach the fault `c` describes as ctx asks (fault.h); nothing of it
 * stays on error. The device is noted through ctx->note before it changes:
 * "dev NETNS IFINDEX NAME MADE_CLSACT" (fl_net_parse_note()).
 */
int fl_net_load(struct net_session **out, const struct fl_net_conf *c,
		const struct fl_fault_ctx *ctx, char *err);
/* The counters summed over CPUs. */
void fl_net_read(const struct net_session *s, struct fl_counters *c);
/*
 * Detach everything, undo the device, free; fills `fin` when given. The
 * counters pin stays (final) for the engine to remove with the others.
 */
void fl_net_unload(struct net_session *s, struct fl_net_final *fin);
const char *fl_net_session_mechanism(const struct net_session *s);
const char *fl_net_session_dev(const struct net_session *s);	/* "" for drop */
const char *fl_net_session_ifb(const struct net_session *s);	/* "" without one */
/* Egress drop: the devices it is attached to, and how many namespaces; -1 for other faults. */
int fl_net_session_drop_names(const struct net_session *s, struct fl_devlist *l);
/* Egress drop: attach where the target has moved since (dropdev.c). */
void fl_net_follow(struct net_session *s);

/* A per-CPU fl_counters map, summed; 0 or -errno. */
int fl_net_sum_counters(int map_fd, struct fl_counters *sum);

/*
 * In the device's network namespace, before a change that outlives us (a
 * clsact filter, a qdisc): the record names the device (sweep.c).
 */
int fl_net_note_dev(const struct fl_fault_ctx *ctx, int ifindex, const char *name, char *err);
/* Undo on the noted device what a dead controller left there (sweep.c). */
void fl_net_sweep(const char *note, int controller_pid);

/* The rule, written inert by fl_net_load(), injects until deadline_ns. 0 or -errno. */
int fl_net_arm(struct net_session *s, uint64_t deadline_ns);

#endif
