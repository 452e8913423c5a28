// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Helpers of the experiment-file parser: nodes, scalars, errors with places. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "exp_yaml.h"
#include "options.h"

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

int at_mark(struct ctx *c, yaml_mark_t m, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vat(c, m, fmt, ap);
	va_end(ap);
	return r;
}

int at(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vat(c, n->start_mark, fmt, ap);
	va_end(ap);
	return r;
}

yaml_node_t *node(struct ctx *c, int idx)
{
	return yaml_document_get_node(c->doc, idx);
}

const char *type_name(const yaml_node_t *n)
{
	return n->type == YAML_MAPPING_NODE ? "a mapping" :
	       n->type == YAML_SEQUENCE_NODE ? "a list" : "a single value";
}

bool is_empty(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.length == 0 &&
	       n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

int scalar(struct ctx *c, const yaml_node_t *key, const yaml_node_t *v,
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

int want_map(struct ctx *c, const yaml_node_t *key, const yaml_node_t *n, const char *what)
{
	if (n->type == YAML_MAPPING_NODE)
		return 0;
	if (is_empty(n))
		return at(c, key ? key : n, "%s is empty: it needs keys (see examples/)", what);
	return at(c, n, "%s must be a mapping of keys, not %s", what, type_name(n));
}

int key_text(struct ctx *c, const yaml_node_t *k, const char **out)
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

/* The key meant by a misspelt one (recover, max-failure-rate), or NULL. */
static const char *nearest(const char *const *names, int n, const char *k)
{
	const char *best = NULL;
	char alt[64];
	int bd = 3;

	snprintf(alt, sizeof(alt), "%s", k);
	for (char *p = alt; *p; p++)
		*p = *p == '-' ? '_' : *p;	/* these keys are written with '_' */
	for (int i = 0; i < n; i++) {
		int d = fl_word_distance(alt, names[i]);

		if (d < bd) {
			bd = d;
			best = names[i];
		}
	}
	return strlen(alt) > 3 ? best : NULL;
}

/*
 * The pairs of a mapping with a fixed set of keys: out[i] is the pair of
 * names[i] or NULL. Unknown and repeated keys are errors where they stand.
 */
int take_keys(struct ctx *c, const yaml_node_t *key, const yaml_node_t *map, const char *what,
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
		if (i == n && nearest(names, n, k))
			return at(c, kn, "unknown key '%.80s' in %s: did you mean '%s'?", k, what,
				  nearest(names, n, k));
		if (i == n) {
			list_names(names, n, list, sizeof(list));
			return at(c, kn, "unknown key '%.80s' in %s: use %s", k, what, list);
		}
		if (out[i])
			return at(c, kn, "'%s' is given twice in %s", k, what);
		out[i] = p;
	}
	return 0;
}

/* YAML 1.1 booleans, for options that take no value (force). */
int boolean(struct ctx *c, const yaml_node_t *kn, const yaml_node_t *v, const char *k, bool *b)
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

