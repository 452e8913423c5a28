/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The device side of tc faults: the netns, the device, fq as root qdisc for
 * delay, the tc attachment (tcx link or clsact filter) and the ifb for
 * ingress delay. Each setup step records what it changed so teardown
 * undoes exactly that.
 */
#ifndef FL_NETDEV_H
#define FL_NETDEV_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include "nl.h"

struct fl_tc_attach {
	int ifindex;
	bool ingress;
	int link_fd;		/* tcx link, or -1 */
	bool filter;		/* clsact filter (handle/prio below) */
	bool made_clsact;	/* we created the clsact qdisc */
	uint32_t handle, prio;
};

struct fl_netdev {
	char name[IF_NAMESIZE];
	int ifindex;
	bool made_fq;		/* we replaced a default root qdisc with fq */
	char ifb[IF_NAMESIZE];	/* ingress delay: our ifb device, if any */
	int ifb_ifindex;
	bool made_ifb_fq;
	struct fl_tc_attach egress, ingress;
};

/* The devices of a network namespace, as an egress drop attaches to them. */
#define FL_DEVS_MAX	256
struct fl_devlist {
	int n;
	struct { int ifindex; char name[IF_NAMESIZE]; } d[FL_DEVS_MAX];
};
/* This namespace's devices, or only `name` (-EINVAL with err when absent). */
int fl_netdev_list(struct fl_devlist *l, const char *name, char *err);
/*
 * Without tcx each device takes a clsact filter, and the record names each
 * before it is added: a namespace with more devices needs --dev.
 */
#define FL_NET_CLSACT_DEVS	32

/* Enter the network namespace of the first process in a cgroup. */
int fl_enter_cgroup_netns(const char *cgroup_path, char *err);
/* This process's network namespace, to come back to with fl_netns_leave(); or -1. */
int fl_netns_here(void);
/* Into `fd`'s network namespace; an fd for the one we left, or -1. */
int fl_netns_enter(int fd);
/* Back into `orig` (from the two above; -1: stay), and close it. */
void fl_netns_leave(int orig);
/* Pick the device: `name` if given, else the default route's. */
int fl_netdev_pick(struct fl_netdev *d, const char *name, char *err);
/*
 * What to do about a device's root qdisc `q` (rc: what nl_qdisc_root()
 * returned): replace a kernel default with fq, reuse an fq someone
 * configured, refuse anything else unless `force`, and refuse our own fq
 * (another delay holds the device). One of these, or -errno with err.
 */
enum { FL_FQ_INSTALL, FL_FQ_REUSE, FL_FQ_FORCED };
int fl_netdev_fq_plan(const char *name, int rc, const struct nl_qdisc_info *q, bool force,
		      char *err);
/* Make sure fq is the root qdisc, as fl_netdev_fq_plan() says. */
int fl_netdev_ensure_fq(struct fl_netdev *d, int ifindex, uint64_t max_delay_ns, bool force,
			bool *made, char *err);
/* Create an ifb (with fq) to hold delayed ingress packets. */
int fl_netdev_make_ifb(struct fl_netdev *d, uint64_t max_delay_ns, char *err);
/* The handles of our clsact filters: one delay and one drop per device. */
#define FL_TC_HANDLE		0xfa17
#define FL_TC_HANDLE_DROP	0xfa18
/* Attach a tc program: tcx link when `use_tcx`, else a clsact filter with `handle`. */
int fl_tc_attach(struct fl_tc_attach *a, int ifindex, bool ingress, int prog_fd, bool use_tcx,
		 uint32_t handle, char *err);
/* Ingress delay: a classic cls_bpf filter whose mirred action sends to the ifb. */
int fl_tc_attach_redirect(struct fl_tc_attach *a, int ifindex, int prog_fd, int ifb_ifindex,
			  char *err);
void fl_tc_detach(struct fl_tc_attach *a);
/* Undo everything fl_netdev_* did, in reverse. */
void fl_netdev_restore(struct fl_netdev *d);
/* fq drops on the device (and its ifb) since it was set up. */
int fl_netdev_fq_stats(const struct fl_netdev *d, struct nl_qdisc_info *dev_fq,
		       struct nl_qdisc_info *ifb_fq);

/* The ifb a controller with this pid makes. */
void fl_netdev_ifb_name(int pid, char *buf, size_t size);
/* Remove faultline's filters, fq, empty clsact and ifb from a device (crash cleanup). */
int fl_netdev_sweep(int ifindex, const char *name, int ctl_pid, bool made_clsact);

#endif
