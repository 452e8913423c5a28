// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --report FILE (report_file.h): the path checked before anything
 * attaches, the atomic write, the JSON form, and what the XML and HTML
 * writers share.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>
#include "hypothesis.h"
#include "json.h"
#include "parse.h"
#include "report.h"
#include "report_file.h"

static const struct {
	const char *suffix;
	enum fl_report_format fmt;
} suffixes[] = {
	{ ".json", FL_REPORT_JSON }, { ".xml", FL_REPORT_JUNIT }, { ".html", FL_REPORT_HTML },
	{ ".htm", FL_REPORT_HTML },
};

static int format_of(const char *path)
{
	size_t n = strlen(path), k;

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		k = strlen(suffixes[i].suffix);
		if (n > k && !strcasecmp(path + n - k, suffixes[i].suffix) && path[n - k - 1] != '/')
			return suffixes[i].fmt;
	}
	return 0;
}

static int bad(char *err, const char *path, const char *why, const char *more)
{
	snprintf(err, FL_ERRLEN, "--report %s: %s%s", path, why, more ? more : "");
	return -EINVAL;
}

/* A file made and removed beside it: the one proof that writing there works. */
static int try_write(const char *abs, char *err, const char *path)
{
	char tmp[PATH_MAX + 16];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", abs);
	fd = mkstemp(tmp);
	if (fd < 0)
		return bad(err, path, "cannot write a file there: ", strerror(errno));
	close(fd);
	unlink(tmp);
	return 0;
}

int fl_report_check(const char *path, char *abs, enum fl_report_format *fmt, char *err)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	char dir[PATH_MAX], real[PATH_MAX];
	struct stat st;

	*fmt = format_of(path);
	if (!*fmt)
		return bad(err, path, "the format comes from the suffix: .json, .xml (JUnit) or .html",
			   NULL);
	if (strlen(path) >= PATH_MAX - 16)
		return bad(err, path, "the path is too long", NULL);
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	if (!realpath(dir, real))
		return bad(err, path, "no such directory: ", strerror(errno));
	if (strlen(real) + strlen(base) + 2 >= PATH_MAX - 16)
		return bad(err, path, "the path is too long", NULL);
	snprintf(abs, PATH_MAX, "%s/%s", strcmp(real, "/") ? real : "", base);
	if (!stat(abs, &st) && !S_ISREG(st.st_mode))
		return bad(err, path, "it exists and is not a regular file", NULL);
	return try_write(abs, err, path);
}

int fl_report_add_case(struct fl_report *r, const struct fl_report_case *c)
{
	if (r->ncases >= FL_REPORT_CASES)
		return -E2BIG;
	r->cases[r->ncases++] = *c;
	return 0;
}

static int write_to(FILE *f, const char *path, const struct fl_report *r)
{
	switch (format_of(path)) {
	case FL_REPORT_JSON: fl_report_write_json(f, r); return 0;
	case FL_REPORT_JUNIT: fl_report_write_junit(f, r); return 0;
	case FL_REPORT_HTML: fl_report_write_html(f, r); return 0;
	}
	return -EINVAL;
}

int fl_report_write(const char *path, const struct fl_report *r, char *err)
{
	char tmp[PATH_MAX + 16];
	int fd, e = 0;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, FL_ERRLEN, "cannot write %s: %s", path, strerror(errno));
		return -errno;
	}
	fchmod(fd, 0644);	/* for the CI job that reads it, which may not be root */
	f = fdopen(fd, "w");
	if (!f) {
		e = -errno;
		close(fd);
	}
	if (!e)
		e = write_to(f, path, r);
	if (f && (fflush(f) || fsync(fileno(f))) && !e)
		e = -errno;
	if (f && fclose(f) && !e)
		e = -errno;
	/* Readers see the old report or the whole new one, never half of one. */
	if (!e && rename(tmp, path))
		e = -errno;
	if (e) {
		unlink(tmp);
		snprintf(err, FL_ERRLEN, "cannot write %s: %s", path, strerror(-e));
	}
	return e;
}

/* ------------------------------------------------------------------ JSON */

static uint64_t since(const struct fl_series *s, uint64_t t)
{
	return t > s->zero_ns ? t - s->zero_ns : 0;
}

static void json_checks(struct jw *w, const struct fl_series *s)
{
	jw_key(w, "checks");
	jw_arr_open(w);
	for (uint32_t i = 0; i < fl_series_npoints(s); i++) {
		const struct fl_point *p = fl_series_point(s, i);

		jw_obj_open(w);
		jw_ku64(w, "t_ns", since(s, p->start_ns));
		jw_ku64(w, "latency_ns", p->latency_ns);
		jw_kbool(w, "ok", p->ok);
		jw_kstr(w, "phase", fl_phase_name(p->phase));
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

static void json_windows(struct jw *w, const struct fl_series *s)
{
	jw_key(w, "phases");
	jw_obj_open(w);
	for (int i = 0; i < FL_PHASES; i++) {
		jw_key(w, fl_phase_name(i));
		if (!s->phase_start[i]) {
			jw_null(w);
			continue;
		}
		jw_obj_open(w);
		jw_ku64(w, "start_ns", since(s, s->phase_start[i]));
		jw_ku64(w, "end_ns", since(s, s->phase_end[i] ? s->phase_end[i] : s->phase_start[i]));
		jw_obj_close(w);
	}
	jw_obj_close(w);
}

static void json_fault_series(struct jw *w, const struct fl_series *s)
{
	jw_key(w, "faults");
	jw_arr_open(w);
	for (int i = 0; i < s->nfaults; i++) {
		const struct fl_fault_series *f = &s->faults[i];

		jw_obj_open(w);
		jw_ki64(w, "index", i);
		jw_kbool(w, "live", f->start_ns != 0);
		jw_ku64(w, "start_ns", f->start_ns ? since(s, f->start_ns) : 0);
		jw_ku64(w, "end_ns", f->end_ns ? since(s, f->end_ns) : 0);
		jw_ku64(w, "bucket_ns", f->bucket_ns);
		jw_key(w, "injected");
		jw_arr_open(w);
		for (uint32_t b = 0; b < f->nbuckets; b++)
			jw_u64(w, f->injected[b]);
		jw_arr_close(w);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

void fl_report_write_json(FILE *out, const struct fl_report *r)
{
	const struct fl_series *s = r->series;
	struct jw w;

	jw_init(&w, out);
	jw_obj_open(&w);
	fl_report_json_members(&w, r->reg, r->st);
	if (s) {
		jw_key(&w, "timeline");
		jw_obj_open(&w);
		jw_ku64(&w, "checks_total", s->checks);
		jw_ku64(&w, "stride", s->stride);
		jw_kbool(&w, "thinned", fl_series_thinned(s));
		json_checks(&w, s);
		json_windows(&w, s);
		json_fault_series(&w, s);
		jw_obj_close(&w);
	}
	jw_obj_close(&w);
	jw_end(&w);
}

/* ------------------------------------------------------- shared by XML, HTML */

/* Bytes of a valid UTF-8 sequence at p, or 0: a parser refuses a report with one broken. */
static int utf8_len(const unsigned char *p)
{
	int n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;

	if (p[0] > 0xf4)
		return 0;
	for (int i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void fl_xml_text(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	int n;

	for (; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", out); continue;
		case '<': fputs("&lt;", out); continue;
		case '>': fputs("&gt;", out); continue;
		case '"': fputs("&quot;", out); continue;
		case '\'': fputs("&#39;", out); continue;
		}
		if (*p < 0x80) {
			/* XML 1.0 has no place for other control characters, even escaped. */
			fputc(*p >= ' ' || *p == '\n' || *p == '\t' ? *p : '?', out);
			continue;
		}
		n = utf8_len(p);
		if (!n) {
			fputc('?', out);
			continue;
		}
		fwrite(p, 1, n, out);
		p += n - 1;
	}
}

bool fl_report_fault_window(const struct fl_report *r, int i, uint64_t *from, uint64_t *to)
{
	const struct fl_fault_series *f;

	if (!r->series || i >= r->series->nfaults || !r->series->faults[i].start_ns)
		return false;
	f = &r->series->faults[i];
	*from = since(r->series, f->start_ns);
	*to = since(r->series, f->end_ns ? f->end_ns : f->start_ns);
	return true;
}
