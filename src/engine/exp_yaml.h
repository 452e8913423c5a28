/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The pieces the experiment-file parser shares between its top level
 * (experiment.c) and its faults (exp_faults.c): a parse context, and
 * errors that point at a node's line and column.
 */
#ifndef FL_EXP_YAML_H
#define FL_EXP_YAML_H

#include <stdbool.h>
#include <yaml.h>
#include "experiment.h"

struct ctx {
	const char *fname;
	char *err;
	yaml_document_t *doc;
	struct fl_experiment *e;
	yaml_node_t *dur_node;		/* the experiment's duration value */
};

/* err = "FILE:LINE:COL: message" at a mark or a node; returns -EINVAL. */
int at_mark(struct ctx *c, yaml_mark_t m, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int at(struct ctx *c, const yaml_node_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

yaml_node_t *node(struct ctx *c, int idx);
const char *type_name(const yaml_node_t *n);
bool is_empty(const yaml_node_t *n);
/* A scalar's text; `key` is blamed when the value is missing altogether. */
int scalar(struct ctx *c, const yaml_node_t *key, const yaml_node_t *v, const char *what,
	   const char **out);
int want_map(struct ctx *c, const yaml_node_t *key, const yaml_node_t *n, const char *what);
int key_text(struct ctx *c, const yaml_node_t *k, const char **out);
/* YAML 1.1 booleans: true/yes/on, false/no/off. */
int boolean(struct ctx *c, const yaml_node_t *kn, const yaml_node_t *v, const char *k, bool *b);
/*
 * The pairs of a mapping with a fixed set of keys: out[i] is the pair of
 * names[i] or NULL. Unknown and repeated keys are errors where they stand.
 */
int take_keys(struct ctx *c, const yaml_node_t *key, const yaml_node_t *map, const char *what,
	      const char *const *names, int n, yaml_node_pair_t **out);
/* `faults:` of the file. */
int fl_exp_parse_faults(struct ctx *c, yaml_node_pair_t *p);

#endif
