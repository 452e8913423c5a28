/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef FL_NET_H
#define FL_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <getopt.h>
#include <net/if.h>
#include "faultline.h"
#include "nl.h"
#include "target.h"

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

/* Attach one fault for an experiment; nothing stays on error. */
int fl_net_start(struct net_session **s, struct net_opts *o, const struct fl_fault_ctx *ctx,
		 char *err);
void fl_net_counters(struct net_session *s, struct fl_counters *c);
const char *fl_net_mechanism(const struct net_session *s);
const char *fl_net_device(const struct net_session *s);
/* Detach and free; fills `sum` first when given. */
void fl_net_end(struct net_session *s, struct net_summary *sum);

#endif
