// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Experiment files, parsed with libyaml into struct fl_experiment.
 *
 * A fault's keys become a command line ("--probability=10%") for
 * fl_net_parse() or fl_sys_parse_args(), so every value means what it means
 * on the command line. To point at the right line, each key is first parsed
 * alone through the same per-option code; errors that only the whole set
 * shows (jitter above delay) are pinned on the key whose removal cures them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>
#include "experiment.h"

#define NSEC_PER_SEC		1000000000ULL
#define MAX_DEPTH		32	/* a valid file nests 5 deep */
#define MAX_ARGS		40	/* action, target, every option once */
#define PROBE_MIN_INTERVAL	(NSEC_PER_SEC / 10)
#define PROBE_MAX_FAILURES	1000

struct ctx {
	const char *fname;
	char *err;
	yaml_document_t *doc;
	struct fl_experiment *e;
	yaml_node_t *dur_node;		/* the experiment's duration value */
	char target_arg[300];		/* "--cgroup=/x": satisfies the parsers' target check */
	union {				/* per-key parses land here, then are dropped */
		struct net_opts net;
		struct fl_sys_opts sys;
	} scratch;
};

/* One option of a fault, as it will be handed to the command's parser. */
struct ent {
	const struct option *opt;
	yaml_node_t *node;		/* blamed for this option */
	char *arg;			/* "--name=value" or "--name" (malloc'd) */
	bool inherited;			/* the experiment's duration */
};

struct fault_ctx {
	enum fl_fault_kind kind;
	enum fl_action action;
	yaml_node_t *node;
	struct ent ents[MAX_ARGS];
	int n;
};

static int vat(struct ctx *c, yaml_mark_t m, const char *fmt, va_list ap)
{
	char msg[FL_ERRLEN];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Values are quoted back: keep the message on one line and the terminal sane. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
	snprintf(c->err, FL_ERRLEN, "%s:%zu:%zu: %s", c->fname, m.line + 1, m.column + 1, msg);
	return -EINVAL;
}

static int at_mark(struct ctx *c, yaml_mark_t m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int at_mark(struct ctx *c, yaml_mark_t m, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vat(c, m, fmt, ap);
	va_end(ap);
	return r;
}

static int at(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int at(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vat(c, n->start_mark, fmt, ap);
	va_end(ap);
	return r;
}

static yaml_node_t *node(struct ctx *c, int idx)
{
	return yaml_document_get_node(c->doc, idx);
}

static const char *type_name(const yaml_node_t *n)
{
	return n->type == YAML_MAPPING_NODE ? "a mapping" :
	       n->type == YAML_SEQUENCE_NODE ? "a list" : "a single value";
}

static bool is_empty(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.length == 0 &&
	       n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* A scalar's text; `key` is blamed when the value is missing altogether. */
static int scalar(struct ctx *c, const yaml_node_t *key, const yaml_node_t *v,
		  const char *what, const char **out)
{
	const char *s = (const char *)v->data.scalar.value;

	if (v->type != YAML_SCALAR_NODE)
		return at(c, v, "'%s' takes a single value, not %s", what, type_name(v));
	if (is_empty(v) || !v->data.scalar.length)
		return at(c, key ? key : v, "'%s' needs a value", what);
	if (strlen(s) != v->data.scalar.length)
		return at(c, v, "'%s' contains a NUL byte", what);
	*out = s;
	return 0;
}

static int want_map(struct ctx *c, const yaml_node_t *key, const yaml_node_t *n, const char *what)
{
	if (n->type == YAML_MAPPING_NODE)
		return 0;
	if (is_empty(n))
		return at(c, key ? key : n, "%s is empty: it needs keys (see examples/)", what);
	return at(c, n, "%s must be a mapping of keys, not %s", what, type_name(n));
}

static int key_text(struct ctx *c, const yaml_node_t *k, const char **out)
{
	if (k->type != YAML_SCALAR_NODE)
		return at(c, k, "keys must be plain words, not %s", type_name(k));
	if (!k->data.scalar.length || strlen((const char *)k->data.scalar.value) != k->data.scalar.length)
		return at(c, k, "an empty key, or one with a NUL byte: keys are plain words");
	*out = (const char *)k->data.scalar.value;
	return 0;
}

static void list_names(const char *const *names, int n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && len < size; i++)
		len += snprintf(buf + len, size - len, "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ",
				names[i]);
}

/*
 * The pairs of a mapping with a fixed set of keys: out[i] is the pair of
 * names[i] or NULL. Unknown and repeated keys are errors where they stand.
 */
static int take_keys(struct ctx *c, const yaml_node_t *key, const yaml_node_t *map, const char *what,
		     const char *const *names, int n, yaml_node_pair_t **out)
{
	yaml_node_pair_t *p;
	const char *k;
	char list[256];
	int i, e;

	e = want_map(c, key, map, what);
	if (e)
		return e;
	memset(out, 0, n * sizeof(*out));
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node(c, p->key);

		e = key_text(c, kn, &k);
		if (e)
			return e;
		for (i = 0; i < n && strcmp(names[i], k); i++)
			;
		if (i == n) {
			list_names(names, n, list, sizeof(list));
			return at(c, kn, "unknown key '%s' in %s: use %s", k, what, list);
		}
		if (out[i])
			return at(c, kn, "'%s' is given twice in %s", k, what);
		out[i] = p;
	}
	return 0;
}

/* ------------------------------------------------------------ top level */

static int parse_name(struct ctx *c, yaml_node_pair_t *p)
{
	const char *s;
	size_t len;
	int e = scalar(c, node(c, p->key), node(c, p->value), "name", &s);

	if (e)
		return e;
	len = strlen(s);
	if (len >= sizeof(c->e->name) ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != len)
		return at(c, node(c, p->value), "name '%.80s' must be 1 to %zu letters, digits, '.', '_' or '-'",
			  s, sizeof(c->e->name) - 1);
	strcpy(c->e->name, s);
	return 0;
}

static const char *const target_keys[] = { "cgroup", "pid", "unit" };
static const enum fl_target_kind target_kinds[] = { FL_TARGET_CGROUP, FL_TARGET_PID, FL_TARGET_UNIT };

static int target_key(struct ctx *c, yaml_node_pair_t *p, int i)
{
	char msg[FL_ERRLEN];
	const char *s;
	__u64 pid;
	int e;

	e = scalar(c, node(c, p->key), node(c, p->value), target_keys[i], &s);
	if (e)
		return e;
	if (target_kinds[i] == FL_TARGET_PID && fl_parse_u64(s, 1, INT32_MAX, &pid, msg))
		return at(c, node(c, p->value), "pid '%.80s' is not a process id: give a whole number", s);
	if (fl_target_set(&c->e->target, target_kinds[i], s, msg))
		return at(c, node(c, p->value), "%s", msg);
	snprintf(c->target_arg, sizeof(c->target_arg), "--%s=%s", target_keys[i], s);
	return 0;
}

static int parse_target(struct ctx *c, yaml_node_pair_t *tp)
{
	yaml_node_t *map = node(c, tp->value);
	yaml_node_pair_t *p[3], *pp;
	const char *first = NULL, *k;
	int i, e;

	e = take_keys(c, node(c, tp->key), map, "target", target_keys, 3, p);
	if (e)
		return e;
	/* In file order, so that the second of two targets is the one blamed. */
	for (pp = map->data.mapping.pairs.start; pp < map->data.mapping.pairs.top; pp++) {
		k = (const char *)node(c, pp->key)->data.scalar.value;
		if (first)
			return at(c, node(c, pp->key), "target has both '%s' and '%s': give exactly one", first, k);
		first = k;
		for (i = 0; strcmp(target_keys[i], k); i++)
			;
		e = target_key(c, pp, i);
		if (e)
			return e;
	}
	if (!first)
		return at(c, map, "target needs one of cgroup, pid or unit");
	return 0;
}

static int parse_duration(struct ctx *c, yaml_node_pair_t *p)
{
	char msg[FL_ERRLEN];
	const char *s;
	int e = scalar(c, node(c, p->key), node(c, p->value), "duration", &s);

	if (e)
		return e;
	if (fl_parse_duration(s, &c->e->duration_ns, msg))
		return at(c, node(c, p->value), "%s", msg);
	if (!c->e->duration_ns)
		return at(c, node(c, p->value), "duration must be above zero");
	c->dur_node = node(c, p->value);
	return 0;
}

/* --------------------------------------------------------------- faults */

static const struct option *find_opt(enum fl_fault_kind kind, const char *name)
{
	return kind == FL_FAULT_NET ? fl_net_option(name) : fl_sys_option(name);
}

static int parse_opt(struct ctx *c, enum fl_fault_kind kind, const struct option *opt,
		     const char *arg, char *msg)
{
	if (kind == FL_FAULT_NET) {
		memset(&c->scratch.net, 0, sizeof(c->scratch.net));
		return fl_net_parse_opt(&c->scratch.net, opt, arg, msg);
	}
	memset(&c->scratch.sys, 0, sizeof(c->scratch.sys));
	return fl_sys_parse_opt(&c->scratch.sys, opt, arg, msg);
}

/* Options of the commands that have no place in a fault, and why. */
static const struct { const char *name, *why; } refused[] = {
	{ "cgroup", "the target is set once, at the top of the file (target:)" },
	{ "pid", "the target is set once, at the top of the file (target:)" },
	{ "unit", "the target is set once, at the top of the file (target:)" },
	{ "dry-run", "a dry run is asked for on the command line, not in the file" },
	{ "json", "JSON output is asked for on the command line, not in the file" },
	{ "help", "help is for the command line" },
};

static int unknown_key(struct ctx *c, struct fault_ctx *f, const yaml_node_t *kn, const char *k)
{
	const char *kind = f->kind == FL_FAULT_NET ? "net" : "sys";
	char alt[64];
	size_t i;

	/* local_port for local-port: YAML habits, the commands' spelling */
	snprintf(alt, sizeof(alt), "%s", k);
	for (i = 0; alt[i]; i++)
		alt[i] = alt[i] == '_' ? '-' : alt[i];
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (!strcmp(refused[i].name, k) || !strcmp(refused[i].name, alt))
			return at(c, kn, "'%s' is not a key of a fault: %s", k, refused[i].why);
	if (strcmp(alt, k) && find_opt(f->kind, alt))
		return at(c, kn, "unknown key '%s' in a %s fault: did you mean '%s'?", k, kind, alt);
	return at(c, kn, "unknown key '%.80s' in a %s fault: the keys are the options of "
		  "'faultline %s %s --help' without the dashes", k, kind, kind,
		  f->kind == FL_FAULT_NET ? "drop" : "fail");
}

/* YAML 1.1 booleans, for options that take no value (force). */
static int boolean(struct ctx *c, const yaml_node_t *kn, const yaml_node_t *v, const char *k, bool *b)
{
	static const char *const yes[] = { "true", "yes", "on", NULL }, *const no[] = { "false", "no", "off", NULL };
	const char *s;
	int e = scalar(c, kn, v, k, &s), i;

	for (i = 0; !e && yes[i]; i++)
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*b = !strcasecmp(s, yes[i]);
			return 0;
		}
	return e ? e : at(c, v, "'%s' is true or false", k);
}

/* A list (call: [connect, bind]) becomes the command line's comma list; each item is checked alone. */
static int join_list(struct ctx *c, struct fault_ctx *f, const struct option *opt, const yaml_node_t *kn,
		     const yaml_node_t *v, char **out)
{
	char msg[FL_ERRLEN], *buf;
	size_t len = 0, size = 1;
	yaml_node_item_t *it;
	const char *s;
	int e;

	if (v->data.sequence.items.start == v->data.sequence.items.top)
		return at(c, v, "'%s' needs at least one name", opt->name);
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		e = scalar(c, NULL, node(c, *it), opt->name, &s);
		if (!e && parse_opt(c, f->kind, opt, s, msg))
			e = at(c, node(c, *it), "%s", msg);
		if (e)
			return e;
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

static int add_ent(struct ctx *c, struct fault_ctx *f, const struct option *opt, yaml_node_t *n,
		   const char *val, bool inherited)
{
	struct ent *en = &f->ents[f->n];
	int r;

	if (f->n == MAX_ARGS)
		return at(c, n, "too many keys in one fault");
	r = val ? asprintf(&en->arg, "--%s=%s", opt->name, val) : asprintf(&en->arg, "--%s", opt->name);
	if (r < 0) {
		en->arg = NULL;
		return at(c, n, "out of memory");
	}
	en->opt = opt;
	en->node = n;
	en->inherited = inherited;
	f->n++;
	return 0;
}

/* One key of a fault: checked alone through the command's own option code. */
static int fault_key(struct ctx *c, struct fault_ctx *f, yaml_node_t *kn, yaml_node_t *v,
		     const struct option *opt)
{
	char msg[FL_ERRLEN], *list = NULL;
	const char *s = NULL;
	bool on = false;
	int e;

	if (opt->has_arg == no_argument) {
		e = boolean(c, kn, v, opt->name, &on);
		return e || !on ? e : add_ent(c, f, opt, v, NULL, false);
	}
	if (v->type == YAML_SEQUENCE_NODE && !strcmp(opt->name, "call")) {
		e = join_list(c, f, opt, kn, v, &list);
		s = list;
	} else {
		e = scalar(c, kn, v, opt->name, &s);
		if (!e && parse_opt(c, f->kind, opt, s, msg))
			e = at(c, v, "%s", msg);
	}
	if (!e && !strcmp(opt->name, "dev") && strlen(s) >= IF_NAMESIZE)
		e = at(c, v, "'%.80s' is not a network device name (at most %d characters)", s, IF_NAMESIZE - 1);
	if (!e)
		e = add_ent(c, f, opt, v, s, false);
	free(list);
	return e;
}

static int fault_action(struct ctx *c, struct fault_ctx *f, yaml_node_t *kn, yaml_node_t *v)
{
	const char *s;
	int e = scalar(c, kn, v, "action", &s);

	if (e)
		return e;
	if (f->kind == FL_FAULT_NET && !strcmp(s, "drop"))
		f->action = FL_ACT_DROP;
	else if (f->kind == FL_FAULT_NET && !strcmp(s, "delay"))
		f->action = FL_ACT_DELAY;
	else if (f->kind == FL_FAULT_SYS && !strcmp(s, "fail"))
		return 0;
	else
		return at(c, v, "unknown action '%.80s': a %s fault does %s", s,
			  f->kind == FL_FAULT_NET ? "net" : "sys",
			  f->kind == FL_FAULT_NET ? "drop or delay" : "fail");
	return 0;
}

static int fault_keys(struct ctx *c, struct fault_ctx *f, yaml_node_t *map)
{
	const struct option *opt, *seen[MAX_ARGS];
	yaml_node_pair_t *p;
	bool have_action = false;
	int nseen = 0, i, e;
	const char *k;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node(c, p->key), *v = node(c, p->value);

		e = key_text(c, kn, &k);
		if (e)
			return e;
		if (!strcmp(k, "action")) {
			if (have_action)
				return at(c, kn, "'action' is given twice in this fault");
			have_action = true;
			e = fault_action(c, f, kn, v);
			if (e)
				return e;
			continue;
		}
		opt = find_opt(f->kind, f->kind == FL_FAULT_SYS && !strcmp(k, "calls") ? "call" : k);
		if (!opt || !strcmp(opt->name, "help") || !strcmp(opt->name, "dry-run") ||
		    !strcmp(opt->name, "cgroup") || !strcmp(opt->name, "pid") || !strcmp(opt->name, "unit"))
			return unknown_key(c, f, kn, k);
		for (i = 0; i < nseen && seen[i] != opt; i++)
			;
		if (i < nseen || nseen == MAX_ARGS)
			return at(c, kn, "'%s' is given twice in this fault", opt->name);
		seen[nseen++] = opt;
		e = fault_key(c, f, kn, v, opt);
		if (e)
			return e;
	}
	if (f->kind == FL_FAULT_NET && !have_action)
		return at(c, f->node, "a net fault needs 'action: drop' or 'action: delay'");
	return 0;
}

/* A fault runs for the experiment's duration unless it says less. */
static int fault_duration(struct ctx *c, struct fault_ctx *f)
{
	char own[16], whole[16];
	__u64 ns;
	int i;

	for (i = 0; i < f->n && strcmp(f->ents[i].opt->name, "duration"); i++)
		;
	if (i == f->n)
		return add_ent(c, f, find_opt(f->kind, "duration"), c->dur_node,
			       (const char *)c->dur_node->data.scalar.value, true);
	if (fl_parse_duration(strchr(f->ents[i].arg, '=') + 1, &ns, NULL) || ns <= c->e->duration_ns)
		return 0;	/* a bad value is the parser's to report */
	fl_fmt_duration(ns, own, sizeof(own));
	fl_fmt_duration(c->e->duration_ns, whole, sizeof(whole));
	return at(c, f->ents[i].node, "this fault's duration (%s) is longer than the experiment's (%s)", own, whole);
}

/* The command line this fault stands for, without entry `skip` (-1: all of them). */
static int fault_argv(struct ctx *c, struct fault_ctx *f, int skip, char **argv)
{
	static char act_drop[] = "drop", act_delay[] = "delay", act_fail[] = "fail";
	int argc = 0;

	argv[argc++] = f->kind == FL_FAULT_SYS ? act_fail : f->action == FL_ACT_DROP ? act_drop : act_delay;
	argv[argc++] = c->target_arg;
	for (int i = 0; i < f->n; i++)
		if (i != skip)
			argv[argc++] = f->ents[i].arg;
	argv[argc] = NULL;
	return argc;
}

static int run_parser(struct ctx *c, struct fault_ctx *f, int skip, struct fl_exp_fault *out, char *msg)
{
	char *argv[MAX_ARGS + 3];
	int argc = fault_argv(c, f, skip, argv);

	if (f->kind == FL_FAULT_NET)
		return fl_net_parse(f->action, argc, argv, &out->net, msg);
	return fl_sys_parse_args(argc, argv, &out->sys, msg);
}

/*
 * The whole set failed although every key passed alone: blame the last key
 * whose removal lets the rest through (jitter above delay: the jitter), else
 * the fault itself (a required key is missing).
 */
static int blame(struct ctx *c, struct fault_ctx *f, struct fl_exp_fault *out, const char *msg)
{
	char scratch_msg[FL_ERRLEN];
	int i;

	for (i = f->n - 1; i >= 0; i--)
		if (!run_parser(c, f, i, out, scratch_msg))
			break;
	if (i < 0)
		return at(c, f->node, "%s", msg);
	if (f->ents[i].inherited)
		return at(c, f->ents[i].node, "%s (the fault at line %zu takes the experiment's duration)",
			  msg, f->node->start_mark.line + 1);
	return at(c, f->ents[i].node, "%s", msg);
}

static int fault_body(struct ctx *c, struct fault_ctx *f, yaml_node_t *kn, yaml_node_t *map,
		      struct fl_exp_fault *out)
{
	char msg[FL_ERRLEN];
	int e;

	e = want_map(c, kn, map, f->kind == FL_FAULT_NET ? "a net fault" : "a sys fault");
	if (!e)
		e = fault_keys(c, f, map);
	if (!e)
		e = fault_duration(c, f);
	if (!e && run_parser(c, f, -1, out, msg))
		e = blame(c, f, out, msg);
	if (e)
		return e;
	memset(&out->net.target, 0, sizeof(out->net.target));
	memset(&out->sys.target, 0, sizeof(out->sys.target));
	if (f->kind == FL_FAULT_NET && out->net.dev) {
		snprintf(out->dev, sizeof(out->dev), "%s", out->net.dev);
		out->net.dev = out->dev;
	}
	return 0;
}

static int parse_fault(struct ctx *c, yaml_node_t *item, struct fl_exp_fault *out)
{
	struct fault_ctx *f;
	yaml_node_t *kn;
	const char *k;
	int e, i;

	e = want_map(c, NULL, item, "a fault");
	if (e)
		return e;
	if (item->data.mapping.pairs.top - item->data.mapping.pairs.start != 1)
		return at(c, item, "a fault is one 'net:' or 'sys:' mapping; start each fault with its own '- '");
	kn = node(c, item->data.mapping.pairs.start->key);
	e = key_text(c, kn, &k);
	if (e)
		return e;
	if (strcmp(k, "net") && strcmp(k, "sys"))
		return at(c, kn, "unknown fault kind '%.80s': use net or sys", k);
	f = calloc(1, sizeof(*f));
	if (!f)
		return at(c, item, "out of memory");
	f->kind = out->kind = !strcmp(k, "net") ? FL_FAULT_NET : FL_FAULT_SYS;
	f->node = item;
	out->line = item->start_mark.line + 1;
	out->col = item->start_mark.column + 1;
	e = fault_body(c, f, kn, node(c, item->data.mapping.pairs.start->value), out);
	for (i = 0; i < f->n; i++)
		free(f->ents[i].arg);
	free(f);
	return e;
}

static int parse_faults(struct ctx *c, yaml_node_pair_t *p)
{
	yaml_node_t *seq = node(c, p->value);
	yaml_node_item_t *it;
	int e;

	if (seq->type != YAML_SEQUENCE_NODE || seq->data.sequence.items.start == seq->data.sequence.items.top)
		return at(c, is_empty(seq) ? node(c, p->key) : seq,
			  "faults must be a list of one or more faults ('- net:' or '- sys:')");
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

/* --------------------------------------------------------- steady state */

static bool loopback_host(const char *h, size_t n)
{
	char buf[64];
	struct in_addr a;

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, h, n);
	buf[n] = '\0';
	if (!strcmp(buf, "localhost") || !strcmp(buf, "[::1]"))
		return true;
	return inet_pton(AF_INET, buf, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

/* http://HOST[:PORT][/PATH] with a loopback HOST: the probe must not leave the machine. */
static const char *bad_url(const char *u)
{
	const char *host, *end, *p;
	__u64 port;

	if (strncmp(u, "http://", 7))
		return "the probe speaks plain HTTP: the URL starts with http://";
	host = u + 7;
	end = host[0] == '[' ? strchr(host, ']') : host + strcspn(host, ":/");
	if (!end)
		return "unclosed '[' in the host";
	end += host[0] == '[';
	if (!loopback_host(host, end - host))
		return "the host must be on loopback: 127.x.x.x, [::1] or localhost";
	p = end;
	if (*p == ':') {
		char num[8] = "";
		size_t n = strcspn(p + 1, "/");

		if (n < sizeof(num))
			memcpy(num, p + 1, n), num[n] = '\0';
		if (!n || n >= sizeof(num) || fl_parse_u64(num, 1, 65535, &port, NULL))
			return "the port must be 1..65535";
		p += 1 + n;
	}
	if (*p && *p != '/')
		return "the path must start with '/'";
	for (; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return "the path has a space or control character: percent-encode it";
	return NULL;
}

static int probe_target(struct ctx *c, yaml_node_pair_t *http, yaml_node_pair_t *cmd)
{
	struct fl_exp_probe *pr = &c->e->probe;
	const char *s, *why;
	int e;

	if (http) {
		e = scalar(c, node(c, http->key), node(c, http->value), "http", &s);
		if (e)
			return e;
		why = strlen(s) >= sizeof(pr->url) ? "it is too long" : bad_url(s);
		if (why)
			return at(c, node(c, http->value), "bad URL '%.120s': %s", s, why);
		strcpy(pr->url, s);
		return 0;
	}
	e = scalar(c, node(c, cmd->key), node(c, cmd->value), "command", &s);
	if (e)
		return e;
	if (strlen(s) >= sizeof(pr->command))
		return at(c, node(c, cmd->value), "the command is longer than %zu bytes: put it in a script",
			  sizeof(pr->command) - 1);
	strcpy(pr->command, s);
	return 0;
}

static int probe_time(struct ctx *c, yaml_node_pair_t *p, const char *what, __u64 *ns)
{
	char msg[FL_ERRLEN], a[16];
	const char *s;
	int e;

	if (!p)
		return 0;
	e = scalar(c, node(c, p->key), node(c, p->value), what, &s);
	if (!e && fl_parse_duration(s, ns, msg))
		e = at(c, node(c, p->value), "%s", msg);
	if (e)
		return e;
	fl_fmt_duration(PROBE_MIN_INTERVAL, a, sizeof(a));
	if (*ns < PROBE_MIN_INTERVAL)
		return at(c, node(c, p->value), "%s must be at least %s", what, a);
	fl_fmt_duration(c->e->duration_ns, a, sizeof(a));
	if (*ns > c->e->duration_ns)
		return at(c, node(c, p->value), "%s is longer than the experiment (%s)", what, a);
	return 0;
}

static const char *const probe_keys[] = { "http", "command", "interval", "timeout", "failures" };

static int probe_failures(struct ctx *c, yaml_node_pair_t *p, __u32 *failures)
{
	const char *s;
	__u64 v;
	int e;

	if (!p)
		return 0;
	e = scalar(c, node(c, p->key), node(c, p->value), "failures", &s);
	if (!e && fl_parse_u64(s, 1, PROBE_MAX_FAILURES, &v, NULL))
		e = at(c, node(c, p->value), "failures '%.40s' must be a whole number from 1 to %d",
		       s, PROBE_MAX_FAILURES);
	if (!e)
		*failures = v;
	return e;
}

static int parse_probe(struct ctx *c, yaml_node_pair_t *sp)
{
	struct fl_exp_probe *pr = &c->e->probe;
	yaml_node_pair_t *p[5];
	int e;

	e = take_keys(c, node(c, sp->key), node(c, sp->value), "steady_state", probe_keys, 5, p);
	if (e)
		return e;
	if (!p[0] && !p[1])
		return at(c, node(c, sp->value), "steady_state needs a check: 'http: URL' or 'command: ...'");
	if (p[0] && p[1])
		return at(c, node(c, (p[0] > p[1] ? p[0] : p[1])->key),
			  "steady_state has both 'http' and 'command': give exactly one");
	pr->interval_ns = NSEC_PER_SEC < c->e->duration_ns ? NSEC_PER_SEC : c->e->duration_ns;
	pr->failures = 3;
	e = probe_target(c, p[0], p[1]);
	if (!e)
		e = probe_time(c, p[2], "interval", &pr->interval_ns);
	pr->timeout_ns = pr->interval_ns;
	if (!e)
		e = probe_time(c, p[3], "timeout", &pr->timeout_ns);
	if (!e)
		e = probe_failures(c, p[4], &pr->failures);
	c->e->has_probe = !e;
	return e;
}

/* ----------------------------------------------------------- the file */

enum { K_NAME, K_TARGET, K_DURATION, K_FAULTS, K_STEADY, K_N };
static const char *const top_keys[K_N] = { "name", "target", "duration", "faults", "steady_state" };
static const char *const top_hint[K_N] = {
	"give the experiment a name, e.g. 'name: flaky-dependency'",
	"say whose calls and packets to fault: 'target:' with one of cgroup, pid or unit",
	"say how long it runs, e.g. 'duration: 5m'",
	"list what to inject: 'faults:' with '- net:' or '- sys:' items",
};

static int parse_top(struct ctx *c, yaml_node_t *root)
{
	static int (*const parsers[K_N])(struct ctx *, yaml_node_pair_t *) = {
		parse_name, parse_target, parse_duration, parse_faults, parse_probe,
	};
	yaml_node_pair_t *p[K_N];
	int i, e;

	/* In this order: faults need the target and the duration. */
	e = take_keys(c, NULL, root, "the experiment", top_keys, K_N, p);
	for (i = 0; !e && i < K_N; i++) {
		if (p[i])
			e = parsers[i](c, p[i]);
		else if (i != K_STEADY)
			e = at(c, root, "no '%s': %s", top_keys[i], top_hint[i]);
	}
	return e;
}

static int syntax_error(struct ctx *c, const yaml_parser_t *ps)
{
	if (ps->error == YAML_MEMORY_ERROR)
		return at_mark(c, ps->mark, "out of memory");
	return at_mark(c, ps->problem_mark, "YAML syntax: %s%s%s", ps->problem ? ps->problem : "error",
		       ps->context ? " " : "", ps->context ? ps->context : "");
}

/*
 * A first pass over the events refuses what the loader would accept but
 * we do not want: aliases (shared nodes, the billion-laughs shape), a
 * second document, and nesting deeper than any experiment needs.
 */
static int check_events(struct ctx *c, const char *buf, size_t len)
{
	yaml_parser_t ps;
	yaml_event_t ev;
	int depth = 0, docs = 0, e = 0;
	bool done = false;

	if (!yaml_parser_initialize(&ps))
		return at_mark(c, (yaml_mark_t){ 0 }, "out of memory");
	yaml_parser_set_input_string(&ps, (const unsigned char *)buf, len);
	while (!e && !done) {
		if (!yaml_parser_parse(&ps, &ev)) {
			e = syntax_error(c, &ps);
			break;
		}
		if (ev.type == YAML_ALIAS_EVENT)
			e = at_mark(c, ev.start_mark, "aliases (*%.40s) are not supported: write the value out",
				    (const char *)ev.data.alias.anchor);
		else if (ev.type == YAML_DOCUMENT_START_EVENT && ++docs > 1)
			e = at_mark(c, ev.start_mark, "a second YAML document: one experiment per file");
		else if ((ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT) &&
			 ++depth > MAX_DEPTH)
			e = at_mark(c, ev.start_mark, "nested deeper than an experiment ever needs");
		else if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT)
			depth--;
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&ps);
	return e;
}

static int load_and_parse(struct ctx *c, const char *buf, size_t len)
{
	yaml_parser_t ps;
	yaml_document_t doc;
	yaml_node_t *root;
	int e;

	if (!yaml_parser_initialize(&ps))
		return at_mark(c, (yaml_mark_t){ 0 }, "out of memory");
	yaml_parser_set_input_string(&ps, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&ps, &doc)) {
		e = syntax_error(c, &ps);
		yaml_parser_delete(&ps);
		return e;
	}
	c->doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root)
		e = at_mark(c, (yaml_mark_t){ 0 },
			    "the file is empty: an experiment needs name, target, duration and faults");
	else
		e = parse_top(c, root);
	yaml_document_delete(&doc);
	yaml_parser_delete(&ps);
	return e;
}

int fl_exp_parse(const char *buf, size_t len, const char *fname, struct fl_experiment *e, char *err)
{
	struct ctx *c;
	int r;

	memset(e, 0, sizeof(*e));
	snprintf(e->file, sizeof(e->file), "%s", fname);
	if (len > FL_EXP_MAX_BYTES) {
		snprintf(err, FL_ERRLEN, "%s:1:1: larger than %d bytes: an experiment file is a few lines",
			 fname, FL_EXP_MAX_BYTES);
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, FL_ERRLEN, "%s:1:1: out of memory", fname);
		return -EINVAL;
	}
	c->fname = fname;
	c->err = err;
	c->e = e;
	r = check_events(c, buf, len);
	if (!r)
		r = load_and_parse(c, buf, len);
	free(c);
	if (r) {
		memset(e, 0, sizeof(*e));
		snprintf(e->file, sizeof(e->file), "%s", fname);
	}
	return r;
}

int fl_exp_parse_file(const char *path, struct fl_experiment *e, char *err)
{
	size_t len = 0;
	ssize_t n;
	char *buf;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, FL_ERRLEN, "%s: cannot open: %s", path, strerror(errno));
		return -errno;
	}
	buf = malloc(FL_EXP_MAX_BYTES + 1);
	if (!buf) {
		close(fd);
		snprintf(err, FL_ERRLEN, "%s: out of memory", path);
		return -ENOMEM;
	}
	/* One byte more than allowed, so that an oversized file is noticed. */
	while (len <= FL_EXP_MAX_BYTES && (n = read(fd, buf + len, FL_EXP_MAX_BYTES + 1 - len)) > 0)
		len += n;
	if (len <= FL_EXP_MAX_BYTES && n < 0) {
		snprintf(err, FL_ERRLEN, "%s: cannot read: %s", path, strerror(errno));
		r = -EIO;
	} else {
		r = fl_exp_parse(buf, len, path, e, err);
	}
	free(buf);
	close(fd);
	return r;
}

/* ---------------------------------------------------------- description */

static size_t put(char *buf, size_t size, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static size_t put(char *buf, size_t size, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (len >= size)
		return len;
	va_start(ap, fmt);
	n = vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
	return n < 0 ? len : len + n;
}

static size_t put_ports(char *buf, size_t size, size_t len, const char *what, __u16 lo, __u16 hi)
{
	if (!lo)
		return len;
	if (lo == hi)
		return put(buf, size, len, " %s %u", what, lo);
	return put(buf, size, len, " %s %u-%u", what, lo, hi);
}

static size_t put_remote(char *buf, size_t size, size_t len, const struct fl_net_rule *r)
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };
	bool v4 = r->remote_plen >= 96 && !memcmp(r->remote, mapped, 12);
	char a[INET6_ADDRSTRLEN];

	if (!r->remote_plen)
		return len;
	if (!inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? r->remote + 12 : r->remote, a, sizeof(a)))
		return len;
	return put(buf, size, len, " remote %s/%u", a, r->remote_plen - (v4 ? 96 : 0));
}

static size_t put_prob(char *buf, size_t size, size_t len, __u64 prob)
{
	return put(buf, size, len, " p=%.4g%%", prob * 100.0 / 4294967296.0);
}

void fl_exp_net_desc(const struct net_opts *o, char *buf, size_t size)
{
	const struct fl_net_rule *r = &o->rule;
	char d[16], j[16];
	size_t len;

	len = put(buf, size, 0, "net %s %s", r->action == FL_ACT_DELAY ? "delay" : "drop",
		  r->dir == (FL_DIR_EGRESS | FL_DIR_INGRESS) ? "both" :
		  r->dir == FL_DIR_INGRESS ? "ingress" : "egress");
	if (r->proto)
		len = put(buf, size, len, " %s", r->proto == FL_PROTO_TCP ? "tcp" :
			  r->proto == FL_PROTO_UDP ? "udp" : "icmp");
	len = put_ports(buf, size, len, "port", r->port_lo, r->port_hi);
	len = put_ports(buf, size, len, "local-port", r->lport_lo, r->lport_hi);
	len = put_remote(buf, size, len, r);
	if (o->dev)
		len = put(buf, size, len, " dev %s", o->dev);
	if (r->action == FL_ACT_DELAY) {
		fl_fmt_duration(r->delay_ns, d, sizeof(d));
		len = put(buf, size, len, " %s", d);
		fl_fmt_duration(r->jitter_ns, j, sizeof(j));
		if (r->jitter_ns)
			len = put(buf, size, len, " jitter %s", j);
	}
	put_prob(buf, size, len, r->prob);
}

void fl_exp_sys_desc(const struct fl_sys_opts *o, char *buf, size_t size)
{
	const char *en = strerrorname_np(o->errnum);
	size_t len = put(buf, size, 0, "sys fail");

	for (int i = 0; i < o->ncalls; i++)
		len = put(buf, size, len, "%s%s", i ? "," : " ", o->calls[i]);
	len = en ? put(buf, size, len, " %s", en) : put(buf, size, len, " errno %d", o->errnum);
	if (o->path[0])
		len = put(buf, size, len, " path %s", o->path);
	len = put_prob(buf, size, len, o->prob);
	if (o->after)
		len = put(buf, size, len, " after %llu", (unsigned long long)o->after);
	if (o->count)
		len = put(buf, size, len, " count %llu", (unsigned long long)o->count);
	if (o->mech != FL_MECH_AUTO)
		put(buf, size, len, " mechanism %s", fl_sys_mech_name(o->mech));
}

void fl_exp_fault_desc(const struct fl_exp_fault *f, char *buf, size_t size)
{
	if (!size)
		return;
	buf[0] = '\0';
	if (f->kind == FL_FAULT_NET)
		fl_exp_net_desc(&f->net, buf, size);
	else if (f->kind == FL_FAULT_SYS)
		fl_exp_sys_desc(&f->sys, buf, size);
}
