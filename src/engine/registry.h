/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every running experiment, whatever started it (`run`, `net`, `sys`), has a
 * record under FL_RUN_DIR/ID and its pins under FL_PIN_ROOT/ID. The record is
 * written before the first change to the host and names everything that
 * outlives a process: the devices whose qdiscs and filters it touches. So a
 * later faultline can tell a live experiment from a crashed one, and undo
 * exactly what the crashed one did.
 */
#ifndef FL_REGISTRY_H
#define FL_REGISTRY_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include "faultline.h"

#define FL_RUN_DIR	"/run/faultline"
#define FL_REG_FAULTS	8
#define FL_REG_DEVS	8

enum fl_reg_fault { FL_REG_NET = 1, FL_REG_SYS };

struct fl_reg_dev {
	uint64_t netns;			/* inode of the network namespace */
	int ifindex;
	char name[IF_NAMESIZE];
	bool made_clsact;		/* ours to remove once it holds no filter */
};

struct fl_reg {
	char id[16];
	char name[64];
	char file[PATH_MAX];		/* the experiment file, "" for a command */
	int pid;			/* the controller */
	uint64_t pid_start;		/* its start time (/proc/PID/stat), against pid reuse */
	bool detached;
	uint64_t start_ns, deadline_ns;	/* CLOCK_MONOTONIC, as the kernel checks it */
	int64_t start_real;		/* epoch seconds, for people */
	char target[PATH_MAX];		/* below the cgroup2 root */
	uint64_t cgid;
	int nfaults;
	struct {
		enum fl_reg_fault kind;
		char desc[160];
	} faults[FL_REG_FAULTS];
	int ndevs;
	struct fl_reg_dev devs[FL_REG_DEVS];
};

/* Per-fault counters as every fault kind reports them. */
struct fl_fault_stats {
	uint64_t matched, injected, delay_ns;
	bool valid;			/* false: the pin was gone */
};

/* What a fault needs from the experiment that runs it. */
struct fl_fault_ctx {
	uint64_t generation;		/* of the kill switch, for the objects' rodata */
	uint64_t start_ns, deadline_ns;
	struct fl_reg *reg;		/* devices are noted here, pins go under it */
	int index;			/* the fault's number: its pins are fN... */
	bool pin_links;			/* detached: links outlive the controller */
};

/* A fresh id, this process as controller, the directories made, written. */
int fl_reg_create(struct fl_reg *r, char *err);
/* Rewrite the record (atomically: readers never see half of it). */
int fl_reg_save(const struct fl_reg *r);
/* The device is about to be touched: record it first, once. */
int fl_reg_add_dev(struct fl_reg *r, const struct fl_reg_dev *d);
/* The experiment ended cleanly: its pins and its record go. */
void fl_reg_remove(const struct fl_reg *r);

int fl_reg_load(const char *id, struct fl_reg *r);
/* Every record, sorted by start; *out is malloc'd. Returns the count or -errno. */
int fl_reg_list(struct fl_reg **out);
/* Is the controller that wrote it still running? */
bool fl_reg_alive(const struct fl_reg *r);

/* FL_PIN_ROOT/ID[/leaf] */
void fl_reg_pin_path(const struct fl_reg *r, const char *leaf, char *buf, size_t size);
/* Counters of fault i, read from its pinned map. */
void fl_reg_fault_stats(const struct fl_reg *r, int i, struct fl_fault_stats *st);

/*
 * Undo what the record names: pins, filters, qdiscs, ifb devices, then the
 * record itself. Only for records whose controller is gone.
 */
void fl_reg_cleanup(const struct fl_reg *r);
/* Clean every record whose controller died; returns how many. Quiet when none. */
int fl_reg_gc(void);

#endif
