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
#include "nl.h"
#include "target.h"

/* One network fault's configuration, as its options fill it. */
struct fl_net_conf {
	struct fl_net_rule rule;	/* as the kernel reads it; start sets the deadline */
	char dev[IF_NAMESIZE];		/* delay: "" for the default route's device */
};

/* kind.c. Until the merge fault.h cannot share a file with the old engine. */
#ifdef FL_FAULT_H
extern const struct fl_fault_kind fl_net_kind;
#endif

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

/* ------------------------------------------------------------------ */
/* The old engine's entry points (runner.c, experiment.c, net_cli.c),  */
/* kept until the new engine replaces them: deleted at the merge.      */
/* ------------------------------------------------------------------ */

struct net_opts {
	struct fl_target target;
	struct fl_net_rule rule;
	__u64 duration_ns;
	const char *dev;
	bool force, dry_run, help, prob_set, delay_set;
};

struct net_summary {
	struct fl_counters c;
	uint64_t elapsed_ns;
	int stop_signal;		/* 0 when the deadline ended it */
	bool halted;			/* `stop --all` ended it */
	char mechanism[96];
	char device[IF_NAMESIZE];
	char ifb[IF_NAMESIZE];
	bool made_fq;
	struct nl_qdisc_info dev_fq, ifb_fq;
};

struct net_session;
struct fl_fault_ctx;

/* argv[0] is the action word; 0, or -EINVAL with err (FL_ERRLEN) saying what was wrong. */
int fl_net_parse(enum fl_action action, int argc, char **argv, struct net_opts *o, char *err);
/*
 * One option by its long name ("probability"), for experiment files: the
 * same code the command line goes through, so each key can be blamed alone.
 * NULL for names the command does not take.
 */
const struct option *fl_net_option(const char *name);
int fl_net_parse_opt(struct net_opts *o, const struct option *opt, const char *arg, char *err);
/* Attach, run to the deadline or a signal, detach. 0 or -errno + err. */
int fl_net_run(struct net_opts *o, struct net_summary *sum, char *err);

/* Attach one fault for an experiment (registry.h's context); nothing stays on error. */
int fl_net_start(struct net_session **s, struct net_opts *o, const struct fl_fault_ctx *ctx,
		 char *err);
void fl_net_counters(struct net_session *s, struct fl_counters *c);
const char *fl_net_mechanism(const struct net_session *s);
const char *fl_net_device(const struct net_session *s);
/* Detach and free; fills `sum` first when given. */
void fl_net_end(struct net_session *s, struct net_summary *sum);

/* What fl_net_start hands the loader (net.c) of the old context. */
struct fl_net_legacy {
	uint64_t generation, deadline_ns;
	uint32_t exp_id;
	int index;
	const char *pin_prefix;
	bool pin_links;
	int (*note)(void *arg, const char *note);
	void *note_arg;
};
int fl_net_load_legacy(struct net_session **s, const struct net_opts *o,
		       const struct fl_net_legacy *l, char *err);

#endif
