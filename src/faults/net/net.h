/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Network faults: drop and delay. `fl_net_kind` (kind.c) is the family as
 * the engine sees it (src/faults/fault.h); its options (options.c) fill a
 * struct fl_net_conf.
 */
#ifndef FL_NET_H
#define FL_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <getopt.h>
#include <net/if.h>
#include "faultline.h"
#include "fault.h"
#include "nl.h"
#include "target.h"

/* One network fault's configuration, as its options fill it. */
struct fl_net_conf {
	struct fl_net_rule rule;	/* as the kernel reads it; start sets the deadline */
	char dev[IF_NAMESIZE];		/* delay: "" for the default route's device */
};

/* kind.c: the family, for kinds.c. */
extern const struct fl_fault_kind fl_net_kind;

/* "egress", "ingress", "both" (a mask of enum fl_dir). */
const char *fl_net_dir_name(uint32_t dir);
/* "tcp", "udp", "icmp", "icmpv6", or NULL for any other protocol number. */
const char *fl_net_proto_name(uint32_t proto);
/* A v4-mapped address as a dotted quad, any other as IPv6 text. */
void fl_net_fmt_addr(const uint8_t addr[16], char *buf, size_t size);
/* The rule's remote as "10.0.0.0/8" or "2001:db8::/32", "" for any. */
void fl_net_fmt_remote(const struct fl_net_rule *r, char *buf, size_t size);
/* The checks across options (validate()); 0, or -EINVAL with err (FL_ERRLEN). */
int fl_net_conf_check(const struct fl_net_conf *c, char *err);

/*
 * What a delay notes before it changes a device (fl_fault_ctx.note), and
 * sweep() reads back: "dev NETNS IFINDEX NAME MADE_CLSACT" (sweep.c).
 */
struct fl_net_note {
	uint64_t netns;			/* inode of the network namespace */
	int ifindex;
	char name[IF_NAMESIZE];
	bool made_clsact;		/* ours to remove once it holds no filter */
};
void fl_net_format_note(const struct fl_net_note *n, char *buf, size_t size);
/* 0, or -EINVAL for anything else. */
int fl_net_parse_note(const char *note, struct fl_net_note *n);

#endif
