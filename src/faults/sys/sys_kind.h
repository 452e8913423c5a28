/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The sys family as fault.h sees it: the kind, and the option table that
 * options.c gives kind.c.
 */
#ifndef FL_SYS_KIND_H
#define FL_SYS_KIND_H

#include "fault.h"
#include "sys.h"

/* The family, for kinds.c. */
extern const struct fl_fault_kind fl_sys_kind;

/* The options of `sys fail` and `sys delay`, in the order a description lists them (options.c). */
extern const struct fl_opt fl_sys_options[];

/* The steps of `sys delay` (delay.c): kind.c hands them the faults of that action. */
struct jw;
int fl_sys_delay_prepare(struct fl_fault *f, char *err);
void fl_sys_delay_plan_json(const struct fl_fault *f, struct jw *w);
int fl_sys_delay_start(struct fl_fault *f, const struct fl_fault_ctx *ctx, char *err);
int fl_sys_delay_arm(struct fl_fault *f, uint64_t deadline_ns, char *err);
int fl_sys_delay_exec_child(const struct fl_fault *f, const struct fl_exec_handoff *h, char *err);
int fl_sys_delay_exec_fd(struct fl_fault *f, int fd, char *err);
void fl_sys_delay_read(struct fl_fault *f, struct fl_fault_stats *st);
void fl_sys_delay_stop(struct fl_fault *f, struct fl_fault_stats *st);
void fl_sys_delay_release(struct fl_fault *f);

#endif
