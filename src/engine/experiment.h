/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Experiment files: one YAML file names a target, a duration, up to
 * FL_EXP_MAX_FAULTS faults and an optional steady-state probe. A fault's
 * keys are the options of its command (`faultline net drop --help`), and
 * they go through the same parsers, so a file and a command line cannot
 * disagree about what a value means.
 */
#ifndef FL_EXPERIMENT_H
#define FL_EXPERIMENT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include "net.h"
#include "parse.h"
#include "sys.h"
#include "target.h"

#define FL_EXP_MAX_FAULTS	8
#define FL_EXP_MAX_BYTES	(1 << 20)	/* a real file is a few hundred bytes */

enum fl_fault_kind { FL_FAULT_NET = 1, FL_FAULT_SYS };

struct fl_exp_fault {
	enum fl_fault_kind kind;
	int line, col;			/* where the fault starts in the file */
	/* FL_FAULT_NET: filled as `faultline net ACTION ...` would; target unset */
	struct net_opts net;
	/* FL_FAULT_SYS: as `faultline sys fail ...` would (path NOT resolved); target unset */
	struct fl_sys_opts sys;
	/* net.dev points here when the fault names a device: copy the whole struct */
	char dev[IF_NAMESIZE];
};

struct fl_exp_probe {
	char command[1024];		/* run with /bin/sh -c; exit 0 = healthy */
	char url[512];			/* http://127.x.x.x|[::1]|localhost[:port]/path; 2xx/3xx = healthy */
	__u64 interval_ns;		/* default 1s */
	__u64 timeout_ns;		/* default = interval */
	__u32 failures;			/* consecutive failures that abort; default 3 */
};

struct fl_experiment {
	char file[PATH_MAX];
	char name[64];			/* [A-Za-z0-9._-], 1..63 chars */
	struct fl_target target;	/* kind + spec from fl_target_set(), NOT resolved */
	__u64 duration_ns;
	int nfaults;			/* 1..FL_EXP_MAX_FAULTS */
	struct fl_exp_fault faults[FL_EXP_MAX_FAULTS];
	bool has_probe;
	struct fl_exp_probe probe;
};

/*
 * Pure (memory only: no target or path resolution), so it can be fuzzed.
 * 0, or -EINVAL with err (FL_ERRLEN) = "FILE:LINE:COL: message".
 */
int fl_exp_parse(const char *buf, size_t len, const char *fname, struct fl_experiment *e, char *err);
/* Reads the file (at most FL_EXP_MAX_BYTES) and parses it. */
int fl_exp_parse_file(const char *path, struct fl_experiment *e, char *err);
/* One line for humans: "net drop egress udp port 53 p=100%". */
void fl_exp_fault_desc(const struct fl_exp_fault *f, char *buf, size_t size);
/* The same for one command's options (`list` shows commands and files alike). */
void fl_exp_net_desc(const struct net_opts *o, char *buf, size_t size);
void fl_exp_sys_desc(const struct fl_sys_opts *o, char *buf, size_t size);

#endif
