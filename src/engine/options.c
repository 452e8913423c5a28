// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A family's options, read from its table: the one place that turns text
 * into a fault's configuration and back. The command line, experiment
 * files, descriptions and JSON all come through here, so they cannot
 * disagree about what a value means.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "options.h"
#include "parse.h"

static int fail(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, FL_ERRLEN, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

#define AT(f, o, type) ((type *)((char *)(f)->conf + (o)->off))
#define AT2(f, o, type) ((type *)((char *)(f)->conf + (o)->off2))
#define CAT(f, o, type) ((const type *)((const char *)(f)->conf + (o)->off))
#define CAT2(f, o, type) ((const type *)((const char *)(f)->conf + (o)->off2))

int fl_fault_new(struct fl_fault *f, const struct fl_fault_kind *k, int action)
{
	memset(f, 0, sizeof(*f));
	f->conf = calloc(1, k->conf_size);
	if (!f->conf)
		return -ENOMEM;
	f->kind = k;
	f->action = action;
	if (k->init)
		k->init(f->conf, action);
	return 0;
}

void fl_fault_free(struct fl_fault *f)
{
	if (f->kind && f->kind->release && (f->plan || f->state))
		f->kind->release(f);
	free(f->conf);
	memset(f, 0, sizeof(*f));
}

static int opt_index(const struct fl_fault_kind *k, const struct fl_opt *o)
{
	return (int)(o - k->opts);
}

static bool applies(const struct fl_fault *f, const struct fl_opt *o)
{
	return !o->actions || (o->actions & (1U << f->action));
}

const struct fl_opt *fl_opt_find(const struct fl_fault_kind *k, const char *name)
{
	for (const struct fl_opt *o = k->opts; o->name; o++)
		if (!strcmp(o->name, name) || (o->alias && !strcmp(o->alias, name)))
			return o;
	return NULL;
}

/* Edits (insert, delete, change, swap) between two short words, at most 3 counted. */
int fl_word_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int d[32][32];

	if (la >= 32 || lb >= 32)
		return 99;
	for (size_t i = 0; i <= la; i++)
		for (size_t j = 0; j <= lb; j++) {
			int best;

			if (!i || !j) {
				d[i][j] = (int)(i + j);
				continue;
			}
			best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

const struct fl_opt *fl_opt_suggest(const struct fl_fault_kind *k, const char *name)
{
	const struct fl_opt *best = NULL;
	char alt[64];
	int bd = 3;

	/* local_port for local-port: YAML habits, the commands' spelling */
	snprintf(alt, sizeof(alt), "%s", name);
	for (char *p = alt; *p; p++)
		*p = *p == '_' ? '-' : *p;
	for (const struct fl_opt *o = k->opts; o->name; o++) {
		int d = fl_word_distance(alt, o->name);

		if (d < bd || (d == bd && !best && d < 3)) {
			bd = d;
			best = o;
		}
	}
	return bd <= 2 && strlen(alt) > 2 ? best : NULL;
}

static const char *action_name(const struct fl_fault *f)
{
	return f->kind->actions[f->action].name;
}

/* "drop and delay": the actions an option belongs to, for messages. */
static void actions_of(const struct fl_fault_kind *k, uint32_t mask, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; k->actions[i].name && n < size; i++)
		if (mask & (1U << i))
			n += snprintf(buf + n, size - n, "%s'%s %s'", n ? " or " : "", k->name,
				      k->actions[i].name);
}

/* An enum field is 4 bytes unless the table says 1 or 2 (a __u8 protocol). */
static void enum_store(void *at, size_t size, uint32_t v)
{
	if (size == 1)
		*(__u8 *)at = v;
	else if (size == 2)
		*(__u16 *)at = v;
	else
		*(uint32_t *)at = v;
}

static uint32_t enum_load(const void *at, size_t size)
{
	return size == 1 ? *(const __u8 *)at : size == 2 ? *(const __u16 *)at : *(const uint32_t *)at;
}

static int parse_enum(const struct fl_opt *o, const char *arg, void *at, char *err)
{
	char list[256];
	size_t n = 0;

	for (const struct fl_opt_value *e = o->values; e->name; e++)
		if (!strcmp(e->name, arg)) {
			enum_store(at, o->size, e->value);
			return 0;
		}
	list[0] = '\0';
	for (const struct fl_opt_value *e = o->values; e->name && n < sizeof(list); e++)
		n += snprintf(list + n, sizeof(list) - n, "%s%s", e == o->values ? "" :
			      e[1].name ? ", " : " or ", e->name);
	return fail(err, "--%s takes %s, not '%.80s'", o->name, list, arg);
}

static int parse_typed(struct fl_fault *f, const struct fl_opt *o, const char *arg, char *err)
{
	char why[FL_ERRLEN], cap[32];
	__u64 v;
	int e = 0;

	switch (o->type) {
	case FL_OPT_FLAG:
		*AT(f, o, bool) = true;
		return 0;
	case FL_OPT_DURATION:
		e = fl_parse_duration(arg, AT(f, o, __u64), err);
		v = *AT(f, o, __u64);
		if (!e && (v < o->min || (o->max && v > o->max))) {
			fl_fmt_duration(o->max, cap, sizeof(cap));
			return fail(err, "--%s %s: give %s%s%s", o->name, arg,
				    o->min ? "more than 0" : "0 or more", o->max ? " and at most " : "",
				    o->max ? cap : "");
		}
		break;
	case FL_OPT_PROB:
		e = fl_parse_probability(arg, AT(f, o, __u64), err);
		break;
	case FL_OPT_U64:
		if (fl_parse_u64(arg, o->min, o->max ? o->max : UINT64_MAX, AT(f, o, __u64), why))
			return fail(err, "--%s %.80s: %s", o->name, arg, why);
		break;
	case FL_OPT_PORTS:
		e = fl_parse_port_range(arg, AT(f, o, __u16), AT2(f, o, __u16), err);
		break;
	case FL_OPT_CIDR:
		e = fl_parse_cidr(arg, AT(f, o, __u8), AT2(f, o, __u8), err);
		break;
	case FL_OPT_ENUM:
		e = parse_enum(o, arg, AT(f, o, char), err);
		break;
	case FL_OPT_ERRNO:
		e = fl_parse_errno(arg, AT(f, o, int), err);
		break;
	case FL_OPT_STRING:
		if (!*arg || strlen(arg) >= o->size)
			return fail(err, "--%s takes 1 to %zu characters", o->name, o->size - 1);
		strcpy(AT(f, o, char), arg);
		break;
	case FL_OPT_CUSTOM:
		break;
	}
	if (e)
		return e;
	return o->parse ? o->parse(f->conf, arg, err) : 0;
}

int fl_opt_set(struct fl_fault *f, const struct fl_opt *o, const char *arg, char *err)
{
	uint64_t bit = 1ULL << opt_index(f->kind, o);
	char which[128];

	if (!applies(f, o)) {
		actions_of(f->kind, o->actions, which, sizeof(which));
		return fail(err, "--%s belongs to %s, not '%s %s'", o->name, which, f->kind->name,
			    action_name(f));
	}
	if (f->set & bit)
		return fail(err, "--%s is given twice: give it once%s", o->name,
			    o->list ? ", with a comma list" : "");
	if (o->type == FL_OPT_FLAG && arg)
		return fail(err, "--%s takes no value", o->name);
	if (o->type != FL_OPT_FLAG && (!arg || !*arg))
		return fail(err, "--%s needs a value%s%s", o->name, o->metavar ? " " : "",
			    o->metavar ? o->metavar : "");
	if (parse_typed(f, o, arg, err))
		return -EINVAL;
	f->set |= bit;
	return 0;
}

int fl_fault_needs_exec(const struct fl_fault *f, char *err)
{
	const struct fl_fault_action *a = &f->kind->actions[f->action];

	return a->exec_only ? fail(err, "%s %s needs faultline exec: %s", f->kind->name, a->name,
				   a->exec_only) : 0;
}

int fl_fault_check(struct fl_fault *f, char *err)
{
	const struct fl_fault_kind *k = f->kind;
	int e;

	for (const struct fl_opt *o = k->opts; o->name; o++)
		if ((o->required & (1U << f->action)) && !(f->set & (1ULL << opt_index(k, o))))
			return fail(err, "%s %s needs --%s%s%s", k->name, action_name(f), o->name,
				    o->metavar ? " " : "", o->metavar ? o->metavar : "");
	e = k->validate ? k->validate(f, err) : 0;
	if (!e)
		fl_fault_describe(f);
	return e;
}

/* An option's value as people read it: "5432-5433", "10ms", "ENOSPC". */
static void opt_text(const struct fl_fault *f, const struct fl_opt *o, char *buf, size_t size)
{
	const struct fl_opt_value *e;
	__u16 lo, hi;

	buf[0] = '\0';
	switch (o->type) {
	case FL_OPT_FLAG:
		snprintf(buf, size, "%s", *CAT(f, o, bool) ? "true" : "false");
		break;
	case FL_OPT_DURATION:
		fl_fmt_duration(*CAT(f, o, __u64), buf, size);
		break;
	case FL_OPT_PROB:
		snprintf(buf, size, "%.4g%%", *CAT(f, o, __u64) * 100.0 / 4294967296.0);
		break;
	case FL_OPT_U64:
		snprintf(buf, size, "%llu", (unsigned long long)*CAT(f, o, __u64));
		break;
	case FL_OPT_PORTS:
		lo = *CAT(f, o, __u16);
		hi = *CAT2(f, o, __u16);
		if (lo == hi)
			snprintf(buf, size, "%u", lo);
		else
			snprintf(buf, size, "%u-%u", lo, hi);
		break;
	case FL_OPT_CIDR:
		fl_fmt_cidr(CAT(f, o, __u8), *CAT2(f, o, __u8), buf, size);
		break;
	case FL_OPT_ENUM:
		for (e = o->values; e->name; e++)
			if (e->value == enum_load(CAT(f, o, char), o->size)) {
				snprintf(buf, size, "%s", e->name);
				break;
			}
		break;
	case FL_OPT_ERRNO:
		fl_fmt_errno(*CAT(f, o, int), buf, size);
		break;
	case FL_OPT_STRING:
		snprintf(buf, size, "%s", CAT(f, o, char));
		break;
	case FL_OPT_CUSTOM:
		if (o->print)
			o->print(f->conf, buf, size);
		break;
	}
}

static bool is_set(const struct fl_fault *f, const struct fl_opt *o)
{
	return f->set & (1ULL << opt_index(f->kind, o));
}

bool fl_fault_never_fires(const struct fl_fault *f)
{
	for (const struct fl_opt *o = f->kind->opts; o->name; o++)
		if (o->type == FL_OPT_PROB && applies(f, o) && *CAT(f, o, __u64) == 0)
			return true;
	return false;
}

void fl_fault_describe(struct fl_fault *f)
{
	char v[128];
	size_t n;

	n = snprintf(f->desc, sizeof(f->desc), "%s %s", f->kind->name, action_name(f));
	for (const struct fl_opt *o = f->kind->opts; o->name && n < sizeof(f->desc); o++) {
		bool always = o->desc == FL_DESC_ALWAYS || o->desc == FL_DESC_PROB;

		if (o->desc == FL_DESC_NONE || !applies(f, o) || (!always && !is_set(f, o)))
			continue;
		opt_text(f, o, v, sizeof(v));
		if (o->desc == FL_DESC_LABEL)
			n += snprintf(f->desc + n, sizeof(f->desc) - n, " %s %s", o->name, v);
		else if (o->desc == FL_DESC_PROB)
			n += snprintf(f->desc + n, sizeof(f->desc) - n, " p=%s", v);
		else
			n += snprintf(f->desc + n, sizeof(f->desc) - n, " %s", v);
	}
}

/* A comma list as a JSON array of its items. */
static void json_list(struct jw *w, const char *text)
{
	char buf[1024], *item, *rest = buf;

	snprintf(buf, sizeof(buf), "%s", text);
	jw_arr_open(w);
	while ((item = strsep(&rest, ",")))
		if (*item)
			jw_str(w, item);
	jw_arr_close(w);
}

static void opt_json(struct jw *w, const struct fl_fault *f, const struct fl_opt *o)
{
	char key[64], v[1024];

	snprintf(key, sizeof(key), "%s%s", o->name, o->type == FL_OPT_DURATION ? "_ns" : "");
	jw_key(w, key);
	if (o->type == FL_OPT_FLAG)
		return jw_bool(w, *CAT(f, o, bool));
	if (o->type == FL_OPT_DURATION)
		return jw_u64(w, *CAT(f, o, __u64));
	if (o->type == FL_OPT_PROB)
		return jw_double(w, *CAT(f, o, __u64) / 4294967296.0);
	if (o->type == FL_OPT_U64 && (is_set(f, o) || o->def))
		return jw_u64(w, *CAT(f, o, __u64));
	/* Ranges, prefixes and names are null unless given, defaulted or named by a value. */
	opt_text(f, o, v, sizeof(v));
	if (!is_set(f, o) && ((!o->def && o->type != FL_OPT_ENUM) || !v[0]))
		return jw_null(w);
	if (o->list)
		return json_list(w, v);
	jw_str(w, v);
}

void fl_fault_options_json(const struct fl_fault *f, struct jw *w)
{
	jw_key(w, "options");
	jw_obj_open(w);
	for (const struct fl_opt *o = f->kind->opts; o->name; o++)
		if (applies(f, o))
			opt_json(w, f, o);
	jw_obj_close(w);
}
