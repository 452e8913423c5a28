/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Host-wide state shared by all experiments: the kill switch, the clock. */
#ifndef FL_CTL_H
#define FL_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include "faultline.h"

/* Records of experiments, and host-wide state files; empty at boot, like bpffs. */
#define FL_RUN_DIR	"/run/faultline"

/*
 * Make sure bpffs and FL_PIN_ROOT exist, and read the current kill-switch
 * generation (0 before the first experiment ever ran). Objects are loaded
 * with this value in their rodata, opened with pin_root_path = FL_PIN_ROOT.
 */
int fl_ctl_prepare(uint64_t *generation);
/* stop --all: bump the generation so every loaded program goes inert. */
int fl_ctl_halt(uint64_t *new_generation);

/*
 * Create the pinned kill switch as common.bpf.h declares it, if no object
 * has yet: a fault without BPF programs (sys delay) reads it too, and
 * stop --all finds something to bump. 0 or -errno.
 */
int fl_ctl_control_pin(void);
/* Create the pinned event maps (ring, stats, config) if no object has yet. 0 or -errno. */
int fl_ctl_event_pins(void);

/*
 * `faultline events`: one reader at a time (a ring buffer hands each
 * record to one consumer, so a second reader would see part of the
 * stream). The lock is a file lock: it dies with its holder. Returns the
 * fd to keep, or -EBUSY with *holder set to the reader's pid.
 */
int fl_ctl_ev_lock(int *holder);
/* The event setting a reader replaced, saved before it writes its own. */
int fl_ctl_ev_save(const struct fl_ev_config *old);
void fl_ctl_ev_unsave(void);
/*
 * A reader that was killed left its setting in force: put the saved one
 * back. Call with the lock held (have_lock), or without it to check that
 * no reader is alive. 1 when something was restored, 0 when nothing was
 * left, -errno.
 */
int fl_ctl_ev_restore_orphan(bool have_lock);

/* Did `stop --all` halt the objects loaded with this generation? */
bool fl_ctl_halted(uint64_t generation);

/*
 * Keep an opened object's pinned-by-name maps private (tests, bench): it
 * then shares nothing with the host's experiments and pins nothing.
 */
struct bpf_object;
void fl_obj_private(struct bpf_object *obj);

/* CLOCK_MONOTONIC in ns: the clock bpf_ktime_get_ns() reads. */
uint64_t fl_now_ns(void);

/* SIGINT/SIGTERM/SIGHUP set a flag instead of killing us mid-attach. */
void fl_signals_install(void);
int fl_signal_pending(void);	/* the signal number, or 0 */

/* A counter's rate per second, refreshed about once a second. */
struct fl_rate {
	uint64_t t, v;		/* when, and the value then */
	double per_s;
};
double fl_rate_update(struct fl_rate *r, uint64_t now, uint64_t value);

/* A live status line: redrawn in place on a terminal, plain elsewhere. */
void fl_status_line(const char *line, bool final);

#endif
