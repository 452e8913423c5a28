/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * An experiment: one target, one duration, up to FL_EXP_MAX_FAULTS faults
 * of any family and an optional steady-state probe. `faultline run FILE`
 * reads one from YAML; `faultline net drop ...` is an experiment of one
 * fault, built from the command line. Both are run by the one runner.
 */
#ifndef FL_EXPERIMENT_H
#define FL_EXPERIMENT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include "fault.h"
#include "parse.h"
#include "target.h"

#define FL_EXP_MAX_FAULTS	8
#define FL_EXP_MAX_BYTES	(1 << 20)	/* a real file is a few hundred bytes */
#define FL_CMD_DEFAULT_NS	(60ULL * 1000000000ULL)	/* a command without --duration */
/*
 * Seeds stop at 2^53 - 1: JSON readers that hold numbers as doubles (jq
 * 1.6, JavaScript) would round a larger one, and a seed copied from a
 * summary through them would replay another run.
 */
#define FL_SEED_MAX		((1ULL << 53) - 1)

/*
 * The phases of a run that its steady-state probe checks: before the
 * faults (baseline), while they are live (during), after they end
 * (recovery). Each check counts for the phase it started in.
 */
enum fl_phase { FL_PHASE_BASELINE, FL_PHASE_DURING, FL_PHASE_RECOVERY, FL_PHASES };

struct fl_exp_probe {
	char command[1024];		/* run with /bin/sh -c; exit 0 = healthy */
	char url[512];			/* http://127.x.x.x|[::1]|localhost[:port]/path; 2xx/3xx = healthy */
	__u64 interval_ns;		/* default 1s */
	__u64 timeout_ns;		/* default = interval */
	__u32 failures;			/* consecutive failures that abort; default 3 */
	/* The hypothesis (README "Did it pass?"): each 0 when not asked for. */
	__u64 baseline_ns;		/* probe this long before attaching: every check must pass */
	__u64 recovery_ns;		/* after the faults: a passing check within this */
	__u64 max_failure_rate;		/* during the faults, a fraction of 2^32 (as a probability) */
	bool has_max_failure_rate;
};

struct fl_experiment {
	char file[PATH_MAX];		/* "" for a command */
	char name[64];			/* [A-Za-z0-9._-], 1..63 chars */
	struct fl_target target;	/* kind + spec from fl_target_set(), NOT resolved */
	__u64 duration_ns;
	int nfaults;			/* 1..FL_EXP_MAX_FAULTS */
	struct fl_fault faults[FL_EXP_MAX_FAULTS];
	bool has_probe;
	struct fl_exp_probe probe;
	bool has_seed;			/* `seed:` in the file */
	__u64 seed;			/* the runner's choice once it runs (runner.c) */
};

/*
 * Pure (memory only: no target or path resolution), so it can be fuzzed.
 * 0, or -EINVAL with err (FL_ERRLEN) = "FILE:LINE:COL: message".
 * Either way, fl_exp_free() gives back what it holds.
 */
int fl_exp_parse(const char *buf, size_t len, const char *fname, struct fl_experiment *e, char *err);
/* --seed N or `seed: N`: 0..FL_SEED_MAX. 0, or -EINVAL with err. */
int fl_exp_parse_seed(const char *s, __u64 *seed, char *err);
/* e->seed for a run: the command line's when given, else the file's, else drawn. */
void fl_exp_choose_seed(struct fl_experiment *e, bool given, __u64 seed);
/* Reads the file (at most FL_EXP_MAX_BYTES) and parses it. */
int fl_exp_parse_file(const char *path, struct fl_experiment *e, char *err);
void fl_exp_free(struct fl_experiment *e);

#endif
