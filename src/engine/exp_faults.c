// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The faults of an experiment file. `- KIND: {action: A, key: value...}`:
 * KIND names a family (fault.h), each key one of its options, and every
 * value goes through the same fl_opt_set() as the command line, so a file
 * means exactly what the command would. Each key is blamed where it
 * stands; an error only the whole set shows (jitter above delay) is pinned
 * on the key whose removal cures it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exp_yaml.h"
#include "options.h"

/* One given key, kept so that the whole set can be checked without it. */
struct ent {
	const struct fl_opt *opt;
	yaml_node_t *node;		/* blamed for this option */
	char *val;			/* NULL for a flag (malloc'd) */
};

struct fault_parse {
	struct fl_fault *f;
	yaml_node_t *node;
	struct ent ents[FL_FAULT_MAX_OPTS];
	int n;
};

/* Keys of the commands' own that have no place in a fault, and why. */
static const struct { const char *name, *why; } refused[] = {
	{ "cgroup", "the target is set once, at the top of the file (target:)" },
	{ "pid", "the target is set once, at the top of the file (target:)" },
	{ "unit", "the target is set once, at the top of the file (target:)" },
	{ "seed", "the seed is the experiment's, set once at the top of the file (seed:)" },
	{ "dry-run", "a dry run is asked for on the command line, not in the file" },
	{ "detach", "running in the background is asked for on the command line" },
	{ "max-duration", "the cap is set on the command line (or FAULTLINE_MAX_DURATION)" },
	{ "json", "JSON output is asked for on the command line, not in the file" },
	{ "help", "help is for the command line" },
};

static void kind_names(char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; fl_kinds[i] && n < size; i++)
		n += snprintf(buf + n, size - n, "%s%s", i == 0 ? "" : fl_kinds[i + 1] ? ", " : " or ",
			      fl_kinds[i]->name);
}

static void action_names(const struct fl_fault_kind *k, const char *quote, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; k->actions[i].name && n < size; i++)
		n += snprintf(buf + n, size - n, "%s%s%s%s", i == 0 ? "" : k->actions[i + 1].name ?
			      ", " : " or ", quote, k->actions[i].name, quote[0] ? "'" : "");
}

static int unknown_key(struct ctx *c, const struct fl_fault_kind *k, const yaml_node_t *kn,
		       const char *key)
{
	const struct fl_opt *near = fl_opt_suggest(k, key);
	char alt[64];
	size_t i;

	snprintf(alt, sizeof(alt), "%s", key);
	for (i = 0; alt[i]; i++)
		alt[i] = alt[i] == '_' ? '-' : alt[i];
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (!strcmp(refused[i].name, key) || !strcmp(refused[i].name, alt))
			return at(c, kn, "'%s' is not a key of a fault: %s", key, refused[i].why);
	if (near)
		return at(c, kn, "unknown key '%.80s' in a %s fault: did you mean '%s'?", key, k->name,
			  near->name);
	return at(c, kn, "unknown key '%.80s' in a %s fault: the keys are the options of "
		  "'faultline %s %s --help' without the dashes", key, k->name, k->name,
		  k->actions[0].name);
}

/*
 * The actions a file may mean without naming one: an exec-only action
 * (sys delay) is always named, so that a family that gained one keeps
 * reading its old files (`- sys: {call: connect, errno: ...}` is a fail).
 */
static int ordinary_actions(const struct fl_fault_kind *k)
{
	int n = 0;

	for (int i = 0; k->actions[i].name; i++)
		n += !k->actions[i].exec_only;
	return n;
}

/* `action:`, found before any option: options are checked against it. */
static int fault_action(struct ctx *c, const struct fl_fault_kind *k, yaml_node_t *fnode,
			yaml_node_t *map, int *action)
{
	yaml_node_pair_t *p, *found = NULL;
	char list[128];
	const char *s;
	int e;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node(c, p->key);

		if (kn->type != YAML_SCALAR_NODE || strcmp((const char *)kn->data.scalar.value, "action"))
			continue;
		if (found)
			return at(c, kn, "'action' is given twice in this fault");
		found = p;
	}
	*action = 0;
	if (!found && ordinary_actions(k) > 1) {
		action_names(k, "'action: ", list, sizeof(list));
		return at(c, fnode, "a %s fault needs %s", k->name, list);
	}
	if (!found)
		return 0;
	e = scalar(c, node(c, found->key), node(c, found->value), "action", &s);
	if (e)
		return e;
	*action = fl_kind_action(k, s);
	if (*action >= 0)
		return 0;
	action_names(k, "", list, sizeof(list));
	return at(c, node(c, found->value), "unknown action '%.80s': a %s fault does %s", s, k->name,
		  list);
}

static int add_ent(struct ctx *c, struct fault_parse *fp, const struct fl_opt *o, yaml_node_t *n,
		   const char *val)
{
	struct ent *en = &fp->ents[fp->n];

	if (fp->n == FL_FAULT_MAX_OPTS)
		return at(c, n, "too many keys in one fault");
	en->val = val ? strdup(val) : NULL;
	if (val && !en->val)
		return at(c, n, "out of memory");
	en->opt = o;
	en->node = n;
	fp->n++;
	return 0;
}

/* A list (calls: [connect, bind]) is the command line's comma list; each item checked alone. */
static int join_list(struct ctx *c, struct fault_parse *fp, const struct fl_opt *o,
		     const yaml_node_t *v, char **out)
{
	char msg[FL_ERRLEN], *buf;
	size_t len = 0, size = 1;
	yaml_node_item_t *it;
	struct fl_fault scratch;
	const char *s;
	int e;

	if (v->data.sequence.items.start == v->data.sequence.items.top)
		return at(c, v, "'%s' needs at least one name", o->name);
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		e = scalar(c, NULL, node(c, *it), o->name, &s);
		if (e)
			return e;
		if (fl_fault_new(&scratch, fp->f->kind, fp->f->action))
			return at(c, v, "out of memory");
		e = fl_opt_set(&scratch, o, s, msg);
		fl_fault_free(&scratch);
		if (e)
			return at(c, node(c, *it), "%s", msg);
		size += strlen(s) + 1;
	}
	buf = malloc(size);
	if (!buf)
		return at(c, v, "out of memory");
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
		len += sprintf(buf + len, "%s%s", len ? "," : "", (const char *)node(c, *it)->data.scalar.value);
	*out = buf;
	return 0;
}

/* One option of the family: its value through fl_opt_set, blamed where it stands. */
static int option_key(struct ctx *c, struct fault_parse *fp, yaml_node_t *kn, yaml_node_t *v,
		      const struct fl_opt *o)
{
	uint64_t bit = 1ULL << (o - fp->f->kind->opts);
	char msg[FL_ERRLEN], *list = NULL;
	const char *s = NULL;
	bool on = false;
	int e;

	if (fp->f->set & bit)
		return at(c, kn, "'%s' is given twice in this fault", o->name);
	if (o->type == FL_OPT_FLAG) {
		e = boolean(c, kn, v, o->name, &on);
		if (e || !on)
			return e;
	} else if (v->type == YAML_SEQUENCE_NODE && o->list) {
		e = join_list(c, fp, o, v, &list);
		s = list;
		if (e)
			return e;
	} else if ((e = scalar(c, kn, v, o->name, &s))) {
		return e;
	}
	e = fl_opt_set(fp->f, o, s, msg);
	if (e)
		e = at(c, v, "%s", msg);
	if (!e)
		e = add_ent(c, fp, o, v, s);
	free(list);
	return e;
}

/* duration and force: the engine's, but a fault may set its own. */
static int engine_key(struct ctx *c, struct fault_parse *fp, yaml_node_t *kn, yaml_node_t *v,
		      const char *k)
{
	char msg[FL_ERRLEN], own[16], whole[16];
	const char *s;
	int e;

	if (!strcmp(k, "force"))
		return boolean(c, kn, v, k, &fp->f->force);
	e = scalar(c, kn, v, k, &s);
	if (e)
		return e;
	if (fp->f->duration_ns)
		return at(c, kn, "'duration' is given twice in this fault");
	if (fl_parse_duration(s, &fp->f->duration_ns, msg))
		return at(c, v, "%s", msg);
	if (!fp->f->duration_ns)
		return at(c, v, "a fault's duration must be above zero");
	if (fp->f->duration_ns <= c->e->duration_ns)
		return 0;
	fl_fmt_duration(fp->f->duration_ns, own, sizeof(own));
	fl_fmt_duration(c->e->duration_ns, whole, sizeof(whole));
	return at(c, v, "this fault's duration (%s) is longer than the experiment's (%s)", own, whole);
}

static int fault_keys(struct ctx *c, struct fault_parse *fp, yaml_node_t *map)
{
	const struct fl_fault_kind *k = fp->f->kind;
	const struct fl_opt *o;
	yaml_node_pair_t *p;
	const char *key;
	int e;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node(c, p->key), *v = node(c, p->value);

		e = key_text(c, kn, &key);
		if (e)
			return e;
		if (!strcmp(key, "action"))
			continue;
		if (!strcmp(key, "duration") || !strcmp(key, "force")) {
			e = engine_key(c, fp, kn, v, key);
		} else {
			o = fl_opt_find(k, key);
			e = o ? option_key(c, fp, kn, v, o) : unknown_key(c, k, kn, key);
		}
		if (e)
			return e;
	}
	return 0;
}

/* The fault as given, without entry `skip`: does it pass the checks? */
static int check_without(struct fault_parse *fp, int skip, char *msg)
{
	struct fl_fault t;
	int e = fl_fault_new(&t, fp->f->kind, fp->f->action);

	for (int i = 0; !e && i < fp->n; i++)
		if (i != skip)
			e = fl_opt_set(&t, fp->ents[i].opt, fp->ents[i].val, msg);
	if (!e)
		e = fl_fault_check(&t, msg);
	fl_fault_free(&t);
	return e;
}

/*
 * The whole set failed although every key passed alone: blame the last key
 * whose removal lets the rest through (jitter above delay: the jitter), else
 * the fault itself (a required key is missing).
 */
static int blame(struct ctx *c, struct fault_parse *fp, const char *msg)
{
	char scratch[FL_ERRLEN];
	int i;

	for (i = fp->n - 1; i >= 0; i--)
		if (!check_without(fp, i, scratch))
			return at(c, fp->ents[i].node, "%s", msg);
	return at(c, fp->node, "%s", msg);
}

static int fault_body(struct ctx *c, struct fault_parse *fp, const struct fl_fault_kind *k,
		      yaml_node_t *kn, yaml_node_t *map)
{
	char msg[FL_ERRLEN], what[32];
	int action = 0, e;

	snprintf(what, sizeof(what), "a %s fault", k->name);
	e = want_map(c, kn, map, what);
	if (!e)
		e = fault_action(c, k, fp->node, map, &action);
	if (e)
		return e;
	if (fl_fault_new(fp->f, k, action))
		return at(c, fp->node, "out of memory");
	e = fault_keys(c, fp, map);
	if (!e && fl_fault_check(fp->f, msg))
		e = blame(c, fp, msg);
	return e;
}

static int parse_fault(struct ctx *c, yaml_node_t *item, struct fl_fault *out)
{
	const struct fl_fault_kind *k;
	struct fault_parse *fp;
	char kinds[128];
	yaml_node_t *kn;
	const char *key;
	int e;

	e = want_map(c, NULL, item, "a fault");
	if (e)
		return e;
	kind_names(kinds, sizeof(kinds));
	if (item->data.mapping.pairs.top - item->data.mapping.pairs.start != 1)
		return at(c, item, "a fault is one mapping named by its kind (%s); start each fault "
			  "with its own '- '", kinds);
	kn = node(c, item->data.mapping.pairs.start->key);
	e = key_text(c, kn, &key);
	if (e)
		return e;
	k = fl_kind_find(key);
	if (!k)
		return at(c, kn, "unknown fault kind '%.80s': use %s", key, kinds);
	fp = calloc(1, sizeof(*fp));
	if (!fp)
		return at(c, item, "out of memory");
	fp->f = out;
	fp->node = item;
	e = fault_body(c, fp, k, kn, node(c, item->data.mapping.pairs.start->value));
	out->line = item->start_mark.line + 1;
	out->col = item->start_mark.column + 1;
	for (int i = 0; i < fp->n; i++)
		free(fp->ents[i].val);
	free(fp);
	return e;
}

int fl_exp_parse_faults(struct ctx *c, yaml_node_pair_t *p)
{
	yaml_node_t *seq = node(c, p->value);
	yaml_node_item_t *it;
	int e;

	if (seq->type != YAML_SEQUENCE_NODE || seq->data.sequence.items.start == seq->data.sequence.items.top)
		return at(c, is_empty(seq) ? node(c, p->key) : seq,
			  "faults must be a list of one or more faults ('- KIND:', KIND being a family)");
	for (it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
		if (c->e->nfaults == FL_EXP_MAX_FAULTS)
			return at(c, node(c, *it), "at most %d faults per experiment", FL_EXP_MAX_FAULTS);
		e = parse_fault(c, node(c, *it), &c->e->faults[c->e->nfaults]);
		if (e)
			return e;
		c->e->nfaults++;
	}
	return 0;
}
