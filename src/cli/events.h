/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* `faultline events`: the stream of injected faults, and what loaders need. */
#ifndef FL_EVENTS_H
#define FL_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include "faultline.h"
#include "parse.h"

#define FL_EV_PIN	FL_PIN_ROOT "/fl_events"
#define FL_EV_STATS_PIN	FL_PIN_ROOT "/fl_ev_stats"
#define FL_EV_CONFIG_PIN FL_PIN_ROOT "/fl_ev_config"

struct fl_ev_opts {
	__u64 count;		/* stop after this many shown; 0: no limit */
	__u64 duration_ns;	/* stop after this long; 0: until a signal */
	__u64 rate, burst, sample;	/* 0: leave the host's setting */
	__u32 exp_id;
	bool has_exp, help;
};

/* 0, or -EINVAL with a sentence in err. */
int fl_ev_parse_args(int argc, char **argv, struct fl_ev_opts *o, char *err);
/* The rate-limit settings these options ask for, over the current ones. */
void fl_ev_apply_config(const struct fl_ev_opts *o, struct fl_ev_config *c);

#endif
