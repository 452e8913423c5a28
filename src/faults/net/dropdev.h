/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The devices an egress drop attaches to, in every network namespace of
 * the target's processes, followed while it runs (dropdev.c).
 */
#ifndef FL_DROPDEV_H
#define FL_DROPDEV_H

#include <stdbool.h>
#include "fault.h"
#include "net.h"
#include "netdev.h"

/* More namespaces than this in one target: the rest are not covered (said once). */
#define FL_DROP_NS_MAX	8

struct fl_drop_devs;

struct fl_drop_conf {
	int prog_fd;			/* fl_tc_drop */
	bool tcx;			/* tcx links, else clsact filters (noted through ctx) */
	const char *only;		/* --dev, or NULL */
	const char *cgroup;		/* the target's path */
	const struct fl_fault_ctx *ctx;	/* lives as long as the fault */
};

/* Attach on every device of the target's namespaces; nothing stays on error. */
int fl_drop_start(struct fl_drop_devs **out, const struct fl_drop_conf *c, char *err);
/* Attach to the namespaces and devices the target has gained since. */
void fl_drop_follow(struct fl_drop_devs *d);
/* Detach all (the object stays for the counters), then free. */
void fl_drop_detach(struct fl_drop_devs *d);
void fl_drop_stop(struct fl_drop_devs *d);
/* The devices attached to, and the number of namespaces. */
int fl_drop_names(const struct fl_drop_devs *d, struct fl_devlist *l);
/* What start would attach to, touching nothing: -EINVAL for a --dev nowhere. */
int fl_drop_plan(const char *cgroup, const char *only, bool tcx, struct fl_devlist *l, int *nns,
		 char *err);

#endif
