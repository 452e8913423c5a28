/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The options of a fault family, read from its table (fault.h): one code
 * path for the command line and experiment files, and the help, the man
 * page, completion, descriptions and JSON written from the same data.
 */
#ifndef FL_OPTIONS_H
#define FL_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>
#include "fault.h"

struct jw;

/* Make f a fresh fault of kind/action: conf allocated, defaults set. 0 or -ENOMEM. */
int fl_fault_new(struct fl_fault *f, const struct fl_fault_kind *k, int action);
/* Free conf, plan and state (release()), and zero f. */
void fl_fault_free(struct fl_fault *f);

/* The option of this family called `name` (or by its alias), or NULL. */
const struct fl_opt *fl_opt_find(const struct fl_fault_kind *k, const char *name);
/* Edits (insert, delete, change, swap) between two short words; 99 for long ones. */
int fl_word_distance(const char *a, const char *b);
/* Its "did you mean" neighbour (local_port -> local-port, probabilty -> probability), or NULL. */
const struct fl_opt *fl_opt_suggest(const struct fl_fault_kind *k, const char *name);
/*
 * One value into f: the type's parser, the range, the option's own check;
 * refused when given twice or when it does not apply to f's action. 0, or
 * -EINVAL with a sentence in err (FL_ERRLEN) that names the option.
 */
int fl_opt_set(struct fl_fault *f, const struct fl_opt *o, const char *arg, char *err);
/*
 * An action only `faultline exec` runs (fault.h's exec_only), anywhere
 * else: -EINVAL with "sys delay needs faultline exec: WHY" in err; else 0.
 */
int fl_fault_needs_exec(const struct fl_fault *f, char *err);
/* After every option: required ones present, then the family's validate(). */
int fl_fault_check(struct fl_fault *f, char *err);
/* A probability of 0: the fault counts matches but can never inject. */
bool fl_fault_never_fires(const struct fl_fault *f);
/* f->desc from the table ("net drop egress udp port 53 p=100%"). */
void fl_fault_describe(struct fl_fault *f);
/* "options": {...} of f, every option of its action, typed. */
void fl_fault_options_json(const struct fl_fault *f, struct jw *w);

/* Help for `faultline KIND ACTION --help` (and KIND --help), from the table. */
void fl_kind_help(const struct fl_fault_kind *k, int action, FILE *out);
/* faultline(8), troff, from every family's table. */
void fl_man_page(FILE *out, const char *version);
/* A bash completion script for every command and option. */
void fl_bash_completion(FILE *out);

#endif
