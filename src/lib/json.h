/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A small streaming JSON writer: enough for --json output, nothing more. */
#ifndef FL_JSON_H
#define FL_JSON_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

struct jw {
	FILE *out;
	int depth;
	bool first[32];		/* per depth: nothing written yet */
	bool after_key;
};

void jw_init(struct jw *w, FILE *out);
void jw_obj_open(struct jw *w);
void jw_obj_close(struct jw *w);
void jw_arr_open(struct jw *w);
void jw_arr_close(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s);
void jw_u64(struct jw *w, uint64_t v);
void jw_i64(struct jw *w, int64_t v);
void jw_double(struct jw *w, double v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* Shorthands for "key": value inside an object. */
void jw_kstr(struct jw *w, const char *key, const char *s);
void jw_ku64(struct jw *w, const char *key, uint64_t v);
void jw_ki64(struct jw *w, const char *key, int64_t v);
void jw_kdouble(struct jw *w, const char *key, double v);
void jw_kbool(struct jw *w, const char *key, bool v);
/* Splice in the members of an object another writer made ("{...}"). */
void jw_members(struct jw *w, const char *obj);
void jw_end(struct jw *w);	/* newline and flush after the top value */

#endif
