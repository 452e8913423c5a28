// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Experiment files, parsed with libyaml into struct fl_experiment: the
 * top level (name, target, duration, steady_state, seed) here, the faults in
 * exp_faults.c, where each family's option table reads its keys.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include "ctl.h"
#include "exp_yaml.h"
#include "options.h"
#include "steady.h"

#define NSEC_PER_SEC		1000000000ULL
#define MAX_DEPTH		32	/* a valid file nests 5 deep */
#define PROBE_MIN_INTERVAL	(NSEC_PER_SEC / 10)
#define PROBE_MAX_FAILURES	1000
#define PHASE_MAX		(3600 * NSEC_PER_SEC)	/* a baseline or a recovery */

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
	if (c->e->duration_ns > FL_MAX_CAP_NS)
		return at(c, node(c, p->value), "duration %s is over 24h, the longest any experiment may run",
			  s);
	c->dur_node = node(c, p->value);
	return 0;
}

int fl_exp_parse_seed(const char *s, __u64 *seed, char *err)
{
	if (!fl_parse_u64(s, 0, FL_SEED_MAX, seed, NULL))
		return 0;
	snprintf(err, FL_ERRLEN, "seed '%.40s' must be a whole number from 0 to %llu", s,
		 (unsigned long long)FL_SEED_MAX);
	return -EINVAL;
}

/*
 * Every run has a seed to name, so that a failure seen once can be
 * replayed; the command line's beats the file's, as --cgroup its target.
 */
void fl_exp_choose_seed(struct fl_experiment *e, bool given, __u64 seed)
{
	__u64 s;

	if (given || e->has_seed) {
		e->seed = given ? seed : e->seed;
		return;
	}
	if (getrandom(&s, sizeof(s), 0) != sizeof(s))
		s = fl_mix64(fl_now_ns() ^ ((__u64)getpid() << 32));	/* a signal came first */
	e->seed = s & FL_SEED_MAX;
}

/* A run's draws replay from its seed: the file may fix it (--seed overrides). */
static int parse_seed(struct ctx *c, yaml_node_pair_t *p)
{
	char msg[FL_ERRLEN];
	const char *s;
	int e = scalar(c, node(c, p->key), node(c, p->value), "seed", &s);

	if (e)
		return e;
	if (fl_exp_parse_seed(s, &c->e->seed, msg))
		return at(c, node(c, p->value), "%s", msg);
	c->e->has_seed = true;
	return 0;
}

/* --------------------------------------------------------- steady state */

static int probe_target(struct ctx *c, yaml_node_pair_t *http, yaml_node_pair_t *cmd)
{
	struct fl_exp_probe *pr = &c->e->probe;
	const char *s, *why;
	int e;

	if (http) {
		e = scalar(c, node(c, http->key), node(c, http->value), "http", &s);
		if (e)
			return e;
		why = strlen(s) >= sizeof(pr->url) ? "it is too long" : fl_steady_url_problem(s);
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

enum { P_HTTP, P_COMMAND, P_INTERVAL, P_TIMEOUT, P_FAILURES, P_BASELINE, P_RECOVERY, P_MAXRATE, P_N };
static const char *const probe_keys[P_N] = { "http", "command", "interval", "timeout", "failures",
					     "baseline", "recovery", "max_failure_rate" };

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

/* baseline and recovery: a phase of their own, before or after the faults. */
static int phase_time(struct ctx *c, yaml_node_pair_t *p, const char *what, __u64 *ns)
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
	fl_fmt_duration(PHASE_MAX, a, sizeof(a));
	if (*ns > PHASE_MAX)
		return at(c, node(c, p->value), "%s must be at most %s", what, a);
	return 0;
}

static int probe_rate(struct ctx *c, yaml_node_pair_t *p, struct fl_exp_probe *pr)
{
	char msg[FL_ERRLEN];
	const char *s;
	int e;

	if (!p)
		return 0;
	e = scalar(c, node(c, p->key), node(c, p->value), "max_failure_rate", &s);
	if (!e && fl_parse_probability(s, &pr->max_failure_rate, msg))
		e = at(c, node(c, p->value), "max_failure_rate: %s", msg);
	pr->has_max_failure_rate = !e;
	return e;
}

/* The check, its timing, then the hypothesis around it. */
static int probe_keys_read(struct ctx *c, yaml_node_pair_t **p)
{
	struct fl_exp_probe *pr = &c->e->probe;
	int e;

	pr->interval_ns = NSEC_PER_SEC < c->e->duration_ns ? NSEC_PER_SEC : c->e->duration_ns;
	pr->failures = 3;
	e = probe_target(c, p[P_HTTP], p[P_COMMAND]);
	if (!e)
		e = probe_time(c, p[P_INTERVAL], "interval", &pr->interval_ns);
	pr->timeout_ns = pr->interval_ns;
	if (!e)
		e = probe_time(c, p[P_TIMEOUT], "timeout", &pr->timeout_ns);
	if (!e)
		e = probe_failures(c, p[P_FAILURES], &pr->failures);
	if (!e)
		e = phase_time(c, p[P_BASELINE], "baseline", &pr->baseline_ns);
	if (!e)
		e = phase_time(c, p[P_RECOVERY], "recovery", &pr->recovery_ns);
	if (!e)
		e = probe_rate(c, p[P_MAXRATE], pr);
	return e;
}

static int parse_probe(struct ctx *c, yaml_node_pair_t *sp)
{
	yaml_node_pair_t *p[P_N];
	int e;

	e = take_keys(c, node(c, sp->key), node(c, sp->value), "steady_state", probe_keys, P_N, p);
	if (e)
		return e;
	if (!p[P_HTTP] && !p[P_COMMAND])
		return at(c, node(c, sp->value), "steady_state needs a check: 'http: URL' or 'command: ...'");
	if (p[P_HTTP] && p[P_COMMAND])
		return at(c, node(c, (p[P_HTTP] > p[P_COMMAND] ? p[P_HTTP] : p[P_COMMAND])->key),
			  "steady_state has both 'http' and 'command': give exactly one");
	e = probe_keys_read(c, p);
	c->e->has_probe = !e;
	return e;
}

/* ----------------------------------------------------------- the file */

enum { K_NAME, K_TARGET, K_DURATION, K_FAULTS, K_STEADY, K_SEED, K_N };
static const char *const top_keys[K_N] = { "name", "target", "duration", "faults", "steady_state",
					   "seed" };
static const char *const top_hint[K_N] = {
	"give the experiment a name, e.g. 'name: flaky-dependency'",
	"say whose calls and packets to fault: 'target:' with one of cgroup, pid or unit",
	"say how long it runs, e.g. 'duration: 5m'",
	"list what to inject: 'faults:' with '- net:' or '- sys:' items",
};

static int parse_top(struct ctx *c, yaml_node_t *root)
{
	static int (*const parsers[K_N])(struct ctx *, yaml_node_pair_t *) = {
		parse_name, parse_target, parse_duration, fl_exp_parse_faults, parse_probe, parse_seed,
	};
	yaml_node_pair_t *p[K_N];
	int i, e;

	/* In this order: faults need the target and the duration. */
	e = take_keys(c, NULL, root, "the experiment", top_keys, K_N, p);
	for (i = 0; !e && i < K_N; i++) {
		if (p[i])
			e = parsers[i](c, p[i]);
		else if (i < K_STEADY)	/* steady_state and seed are optional */
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
		fl_exp_free(e);
		snprintf(e->file, sizeof(e->file), "%s", fname);
	}
	return r;
}

void fl_exp_free(struct fl_experiment *e)
{
	for (int i = 0; i < FL_EXP_MAX_FAULTS; i++)
		if (e->faults[i].kind)
			fl_fault_free(&e->faults[i]);
	memset(e, 0, sizeof(*e));
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
