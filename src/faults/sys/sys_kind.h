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

/* The options of `sys fail`, in the order a description lists them (options.c). */
extern const struct fl_opt fl_sys_options[];

#endif
