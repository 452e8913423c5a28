/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every experiment, whatever started it (`run`, `net drop`, `sys fail`),
 * has a record under FL_RUN_DIR/ID and its pins under FL_PIN_ROOT/ID. The
 * record is written before the first change to the host and names what
 * outlives a process: each fault's notes (fault.h: a device's qdiscs, say).
 * So a later faultline can tell a live experiment from a crashed one, and
 * undo exactly what the crashed one did, through the family's sweep().
 */
#ifndef FL_REGISTRY_H
#define FL_REGISTRY_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "ctl.h"
#include "experiment.h"
#include "fault.h"

#define FL_ENDED_DIR	FL_RUN_DIR "/ended"
#define FL_REG_FAULTS	8
#define FL_REG_NOTES	16

enum fl_reg_state { FL_REG_PLANNED, FL_REG_RUNNING, FL_REG_ENDED };
/* "planned", "running", "ended": in the record and in JSON alike. */
const char *fl_reg_state_name(enum fl_reg_state st);

struct fl_reg_fault {
	char kind[16];			/* fl_fault_kind name */
	char action[16];
	char desc[FL_FAULT_DESC];
	char mechanism[96];
	char attach[256];
	uint64_t duration_ns;
	char json[8192];		/* its "options" and "plan" members, as the runner wrote them */
	struct fl_fault_stats final;	/* an ended experiment's last counts */
	bool ended;
};

/* A phase of the hypothesis (experiment.h), as the record keeps it (hypothesis.h). */
struct fl_reg_phase {
	bool on;			/* part of the hypothesis */
	char result[12];		/* pending, running, passed, failed, stopped, skipped */
	char rule[20];			/* failed: "baseline", "failures", "max_failure_rate", "recovery" */
	char why[256];			/* failed, stopped or skipped: a sentence */
	uint64_t limit_ns;		/* baseline: its length; recovery: the time allowed */
	uint64_t elapsed_ns;
	uint32_t checks, failed, max_consecutive;
	int64_t recovered_ns;		/* recovery: faults' end to the first passing check; -1 none */
};

struct fl_reg_note {
	int fault;			/* index */
	char text[200];
};

struct fl_reg {
	char id[16];
	char name[64];
	char file[PATH_MAX];		/* the experiment file, "" for a command */
	int pid;			/* the controller */
	uint64_t pid_start;		/* its start time (/proc/PID/stat), against pid reuse */
	bool detached;
	enum fl_reg_state state;
	uint64_t start_ns, deadline_ns;	/* CLOCK_MONOTONIC, as the kernel checks it */
	uint64_t duration_ns;
	uint64_t seed;			/* of every draw: --seed replays the run */
	int64_t start_real;		/* epoch seconds, for people */
	char target[PATH_MAX];		/* below the cgroup2 root */
	char target_path[PATH_MAX];	/* absolute */
	uint64_t cgid;
	int level, nprocs;
	int nfaults;
	struct fl_reg_fault faults[FL_REG_FAULTS];
	int nnotes;
	struct fl_reg_note notes[FL_REG_NOTES];
	/* ended: */
	char stopped_by[32];
	char reason[300];
	int exit_status;
	uint64_t elapsed_ns;
	int64_t end_real;
	/*
	 * `exec`: its command (as a shell would read it), and the cgroup made
	 * for it, which fl_reg_cleanup() kills and removes if the controller dies.
	 */
	char command[1024];
	char exec_cgroup[PATH_MAX];
	int command_pid;
	int command_exit;		/* its exit code; -1 while it runs, or if a signal killed it */
	int command_signal;		/* the signal that killed it, or 0 */
	/* the steady-state probe */
	char probe[1024];
	uint32_t probe_checks, probe_failed;
	char probe_error[256];
	/* its hypothesis and the verdict */
	struct fl_reg_phase phases[FL_PHASES];
	uint32_t probe_failures;	/* in a row during the faults, to abort */
	bool has_max_rate;
	uint64_t max_rate;		/* during the faults, a fraction of 2^32 */
	char verdict[12];		/* passed, failed, stopped, error; "" until it ends */
};

/* A fresh id, this process as controller, the directories made, written. */
int fl_reg_create(struct fl_reg *r, char *err);
/* Rewrite the record (atomically: readers never see half of it). */
int fl_reg_save(const struct fl_reg *r);
/* Fault i is about to change something that outlives us: record it first. */
int fl_reg_note(struct fl_reg *r, int fault, const char *text);
/*
 * The experiment ended cleanly: its pins go, and its record moves to the
 * finished ones (FL_RUN_DIR/ended/ID), of which the newest FL_REG_KEEP stay.
 */
#define FL_REG_KEEP	20
void fl_reg_finish(struct fl_reg *r);
/* Pins and record go, nothing is kept (nothing was attached). */
void fl_reg_remove(const struct fl_reg *r);

int fl_reg_load(const char *id, struct fl_reg *r);
/* A finished experiment's record. */
int fl_reg_load_ended(const char *id, struct fl_reg *r);
/* Every record (running; with `ended` the finished ones too), sorted by start; *out is malloc'd. */
int fl_reg_list(struct fl_reg **out, bool ended);
/* Is the controller that wrote it still running? */
bool fl_reg_alive(const struct fl_reg *r);

/* FL_PIN_ROOT/ID[/leaf] */
void fl_reg_pin_path(const struct fl_reg *r, const char *leaf, char *buf, size_t size);
/* Counters of fault i: from its pins while it runs, else the record's last. */
void fl_reg_fault_stats(const struct fl_reg *r, int i, struct fl_fault_stats *st);

/*
 * Undo what the record names (each note through its family's sweep()),
 * then pins and record. Only for records whose controller is gone.
 */
void fl_reg_cleanup(struct fl_reg *r);
/* Clean every record whose controller died; returns how many. Quiet when none. */
int fl_reg_gc(void);

#endif
