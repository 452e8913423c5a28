/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Resolving what the user names (a cgroup, a pid, a unit) to a cgroup id. */
#ifndef FL_TARGET_H
#define FL_TARGET_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "parse.h"

enum fl_target_kind { FL_TARGET_NONE, FL_TARGET_CGROUP, FL_TARGET_PID, FL_TARGET_UNIT };

struct fl_target {
	enum fl_target_kind kind;
	char spec[256];		/* what the user typed */
	char path[PATH_MAX];	/* absolute path of the cgroup directory */
	char rel[PATH_MAX];	/* the same below the cgroup2 root, "/" for the root */
	uint64_t cgid;		/* kernfs id, as bpf_get_current_cgroup_id() sees it */
	int level;		/* depth below the root: the root is 0 */
	int nprocs;		/* processes in it and its descendants when resolved */
};

/* Record --cgroup/--pid/--unit; a second target is an error. */
int fl_target_set(struct fl_target *t, enum fl_target_kind kind, const char *spec, char *err);
/*
 * Resolve to a cgroup and apply the safety rails: the root cgroup and the
 * cgroup faultline itself runs in (or an ancestor of it) are refused
 * unless `force`. Returns 0 or -errno with `err` filled.
 */
int fl_target_resolve(struct fl_target *t, bool force, char *err);
/* The cgroup this process runs in, resolved as a target would be (no rails). */
int fl_target_self(struct fl_target *t, char *err);
/* The cgroup id of a cgroup2 directory. */
int fl_cgroup_id(const char *path, uint64_t *id);
/* Processes in a cgroup and its descendants (bounded walk). */
int fl_cgroup_count_procs(const char *path);
/*
 * Each process of the cgroup tree (depth first, at most 16 levels), until
 * cb returns non-zero, which this returns; else 0.
 */
int fl_cgroup_each_pid(const char *path, int (*cb)(int pid, void *arg), void *arg);

#endif
