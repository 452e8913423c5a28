// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <math.h>
#include <inttypes.h>
#include <string.h>
#include "json.h"

void jw_init(struct jw *w, FILE *out)
{
	w->out = out;
	w->depth = 0;
	w->first[0] = true;
	w->after_key = false;
}

/* Comma before every value but the first at its depth, unless after a key. */
static void sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		fputc(',', w->out);
	w->first[w->depth] = false;
}

static void open(struct jw *w, char c)
{
	sep(w);
	fputc(c, w->out);
	if (w->depth < 31)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_(struct jw *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	fputc(c, w->out);
}

void jw_obj_open(struct jw *w) { open(w, '{'); }
void jw_obj_close(struct jw *w) { close_(w, '}'); }
void jw_arr_open(struct jw *w) { open(w, '['); }
void jw_arr_close(struct jw *w) { close_(w, ']'); }

static void put_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void jw_key(struct jw *w, const char *key)
{
	sep(w);
	put_string(w->out, key);
	fputc(':', w->out);
	w->after_key = true;
}

void jw_str(struct jw *w, const char *s)
{
	sep(w);
	if (s)
		put_string(w->out, s);
	else
		fputs("null", w->out);
}

void jw_u64(struct jw *w, uint64_t v) { sep(w); fprintf(w->out, "%" PRIu64, v); }
void jw_i64(struct jw *w, int64_t v) { sep(w); fprintf(w->out, "%" PRId64, v); }
void jw_bool(struct jw *w, bool v) { sep(w); fputs(v ? "true" : "false", w->out); }
void jw_null(struct jw *w) { sep(w); fputs("null", w->out); }

void jw_double(struct jw *w, double v)
{
	sep(w);
	if (isfinite(v))
		fprintf(w->out, "%.6g", v);
	else
		fputs("null", w->out);	/* JSON has no NaN or infinity */
}

void jw_kstr(struct jw *w, const char *k, const char *s) { jw_key(w, k); jw_str(w, s); }
void jw_ku64(struct jw *w, const char *k, uint64_t v) { jw_key(w, k); jw_u64(w, v); }
void jw_ki64(struct jw *w, const char *k, int64_t v) { jw_key(w, k); jw_i64(w, v); }
void jw_kdouble(struct jw *w, const char *k, double v) { jw_key(w, k); jw_double(w, v); }
void jw_kbool(struct jw *w, const char *k, bool v) { jw_key(w, k); jw_bool(w, v); }

void jw_end(struct jw *w)
{
	fputc('\n', w->out);
	fflush(w->out);
}

void jw_members(struct jw *w, const char *obj)
{
	size_t n = obj ? strlen(obj) : 0;

	/* The members of a JSON object written elsewhere: "{...}" without its braces. */
	if (n < 3 || obj[0] != '{' || obj[n - 1] != '}')
		return;
	sep(w);
	fwrite(obj + 1, 1, n - 2, w->out);
}
