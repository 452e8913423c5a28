/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The tables and checks of network faults (options.c), for kind.c. */
#ifndef FL_NETOPTS_H
#define FL_NETOPTS_H

#include "fault.h"

/* Indexes into fl_net_actions, as fl_fault.action holds them. */
enum { FL_NET_DROP, FL_NET_DELAY };
/* Indexes into fl_net_stats, as fl_fault_stats.extra holds them. */
enum { FL_NET_STAT_DELAY, FL_NET_STAT_BYTES, FL_NET_STAT_SEGS, FL_NET_STAT_FQ_DROPS };

extern const struct fl_fault_action fl_net_actions[];
extern const struct fl_opt fl_net_opts[];
extern const struct fl_stat_def fl_net_stats[];
extern const struct fl_opt_value fl_net_events[];

void fl_net_init(void *conf, int action);
int fl_net_validate(const struct fl_fault *f, char *err);
int fl_net_conflict(const struct fl_fault *a, const struct fl_fault *b, char *err);

#endif
