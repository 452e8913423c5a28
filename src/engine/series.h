/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The timeline of a run, for its report: every steady-state check (when it
 * started, how long it took, whether it passed), the phases' windows, and
 * each fault's injected count per second. Bounded: past FL_SERIES_POINTS
 * checks two neighbours become one point (the first failure of the two,
 * else the later), and past FL_SERIES_BUCKETS a fault's buckets merge in
 * pairs and double in width; so a day-long run still fits, coarser, and a
 * failed check is never thinned away by a passing one.
 */
#ifndef FL_SERIES_H
#define FL_SERIES_H

#include <stdbool.h>
#include <stdint.h>
#include "experiment.h"

#define FL_SERIES_POINTS	4096
#define FL_SERIES_BUCKETS	1800
#define FL_SERIES_BUCKET_NS	1000000000ULL	/* injected counts per second */

struct fl_point {
	uint64_t start_ns;		/* CLOCK_MONOTONIC */
	uint64_t latency_ns;
	bool ok;
	uint8_t phase;			/* enum fl_phase */
};

struct fl_fault_series {
	uint64_t start_ns, end_ns;	/* live from, to (0 while live); 0 never armed */
	uint64_t bucket_ns;		/* the width of a bucket */
	uint64_t next_ns;		/* the end of the bucket being counted */
	uint64_t counted;		/* injected up to the last bucket's end */
	uint32_t nbuckets;
	uint64_t injected[FL_SERIES_BUCKETS];
};

struct fl_series {
	uint64_t zero_ns;		/* time 0 of the timeline: the first check, or arm */
	uint64_t phase_start[FL_PHASES], phase_end[FL_PHASES];	/* 0: not reached */
	uint64_t checks;		/* every check recorded, kept or thinned */
	uint32_t npoints, stride;	/* each kept point stands for up to stride checks */
	uint32_t grouped;		/* checks in the group being filled */
	struct fl_point group;
	struct fl_point points[FL_SERIES_POINTS];
	int nfaults;
	struct fl_fault_series faults[FL_EXP_MAX_FAULTS];
};

void fl_series_init(struct fl_series *s, int nfaults, uint64_t zero);
void fl_series_check(struct fl_series *s, uint64_t start, uint64_t end, bool ok, enum fl_phase ph);
/* The points to draw: the kept ones, then the group being filled. */
uint32_t fl_series_npoints(const struct fl_series *s);
const struct fl_point *fl_series_point(const struct fl_series *s, uint32_t i);
bool fl_series_thinned(const struct fl_series *s);

void fl_series_phase(struct fl_series *s, enum fl_phase ph, uint64_t start, uint64_t end);
/* Fault i is live: its buckets count from now. */
void fl_series_fault_start(struct fl_series *s, int i, uint64_t now);
/* On every tick while it is live: injected is its counter now. */
void fl_series_fault_sample(struct fl_series *s, int i, uint64_t now, uint64_t injected);
/* It ended: the last (partial) bucket. */
void fl_series_fault_end(struct fl_series *s, int i, uint64_t now, uint64_t injected);

#endif
