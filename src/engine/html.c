// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The HTML form of a report (report_file.h): one page that needs nothing
 * else (no script, no font, no link), for people after a game day. An
 * inline SVG timeline: every check's latency (failures marked in red),
 * the baseline and recovery shaded, each fault's live window shaded, and
 * under it each fault's injected counts per second; then the verdict's
 * details and the counters.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "hypothesis.h"
#include "report_file.h"

/* The chart's geometry, in SVG pixels. */
#define W		1100
#define ML		70		/* left margin: the latency axis */
#define MR		20
#define PW		(W - ML - MR)
#define FAIL_Y		28		/* the strip of failed checks */
#define CT		44		/* latency chart, top and height */
#define CH		200
#define CB		(CT + CH)
#define ROW		56		/* one fault's row of injected counts */
#define BAR		36

#define C_OK		"#1f6fd0"
#define C_FAIL		"#d62728"
#define C_FAULT		"#f4a261"
#define C_BAR		"#e76f51"
#define C_BASE		"#dbe9f7"
#define C_RECOVER	"#dcf2dc"

struct chart {
	const struct fl_report *r;
	uint64_t span;			/* ns shown, from the timeline's 0 */
	uint64_t lmax;			/* the latency axis' top, ns */
	int nrows;
};

static double x_of(const struct chart *c, uint64_t t)
{
	return ML + (double)PW * (t < c->span ? t : c->span) / c->span;
}

static double y_of(const struct chart *c, uint64_t lat)
{
	return CB - (double)CH * (lat < c->lmax ? lat : c->lmax) / c->lmax;
}

static uint64_t since(const struct fl_series *s, uint64_t t)
{
	return t > s->zero_ns ? t - s->zero_ns : 0;
}

/* 1, 2 or 5 times a power of ten, at least v. */
static double nice(double v)
{
	double p = pow(10, floor(log10(v > 0 ? v : 1)));

	return v <= p ? p : v <= 2 * p ? 2 * p : v <= 5 * p ? 5 * p : 10 * p;
}

static void measure(struct chart *c, const struct fl_report *r)
{
	const struct fl_series *s = r->series;
	uint64_t end = 1000000000ULL, lmax = 1000000ULL, a, b;

	c->r = r;
	c->nrows = r->reg->nfaults;
	for (int i = 0; s && i < FL_PHASES; i++)
		if (s->phase_end[i] && since(s, s->phase_end[i]) > end)
			end = since(s, s->phase_end[i]);
	for (int i = 0; i < r->reg->nfaults; i++)
		if (fl_report_fault_window(r, i, &a, &b) && b > end)
			end = b;
	for (uint32_t i = 0; s && i < fl_series_npoints(s); i++) {
		const struct fl_point *p = fl_series_point(s, i);

		if (since(s, p->start_ns) + p->latency_ns > end)
			end = since(s, p->start_ns) + p->latency_ns;
		if (p->latency_ns > lmax)
			lmax = p->latency_ns;
	}
	c->span = end;
	c->lmax = (uint64_t)(nice(lmax / 1e6) * 1e6);
}

static void rect(FILE *o, const char *cls, double x0, double x1, double y, double h, const char *fill,
		 const char *extra)
{
	fprintf(o, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"%s/>\n",
		cls, x0, y, x1 - x0 > 0.5 ? x1 - x0 : 0.5, h, fill, extra);
}

static void bands(FILE *o, const struct chart *c)
{
	const struct fl_series *s = c->r->series;
	static const char *const fill[FL_PHASES] = { C_BASE, NULL, C_RECOVER };
	static const char *const cls[FL_PHASES] = { "baseline", NULL, "recovery" };
	uint64_t a, b;

	for (int i = 0; s && i < FL_PHASES; i++)
		if (fill[i] && s->phase_start[i])
			rect(o, cls[i], x_of(c, since(s, s->phase_start[i])),
			     x_of(c, since(s, s->phase_end[i] ? s->phase_end[i] : s->phase_start[i])), CT, CH,
			     fill[i], "");
	for (int i = 0; i < c->r->reg->nfaults; i++)
		if (fl_report_fault_window(c->r, i, &a, &b))
			rect(o, "fault-window", x_of(c, a), x_of(c, b), CT, CH, C_FAULT,
			     " fill-opacity=\"0.35\"");
}

static void axes(FILE *o, const struct chart *c, int bottom)
{
	double step = nice(c->span / 1e9 / 10);

	for (double t = 0; t <= c->span / 1e9 + 1e-9; t += step) {
		double x = x_of(c, (uint64_t)(t * 1e9));

		fprintf(o, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n", x, CT, x,
			bottom);
		fprintf(o, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%gs</text>\n", x, bottom + 14, t);
	}
	for (int k = 0; k <= 2; k++)
		fprintf(o, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g ms</text>\n", ML - 6,
			CB - k * CH / 2.0 + 4, c->lmax / 1e6 * k / 2);
	fprintf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n", ML, CB, W - MR, CB);
	fprintf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n", ML, CT, ML, CB);
	fprintf(o, "<text x=\"%d\" y=\"%d\">failed</text>\n", 4, FAIL_Y + 4);
	fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">seconds from the first check</text>\n",
		ML + PW / 2, bottom + 30);
}

static void checks(FILE *o, const struct chart *c)
{
	const struct fl_series *s = c->r->series;
	uint32_t n = s ? fl_series_npoints(s) : 0;

	if (!n) {
		fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">no steady-state checks</text>\n",
			ML + PW / 2, CT + CH / 2);
		return;
	}
	fputs("<polyline class=\"latency\" fill=\"none\" stroke=\"" C_OK "\" stroke-width=\"1\" points=\"", o);
	for (uint32_t i = 0; i < n; i++)
		fprintf(o, "%.1f,%.1f ", x_of(c, since(s, fl_series_point(s, i)->start_ns)),
			y_of(c, fl_series_point(s, i)->latency_ns));
	fputs("\"/>\n", o);
	for (uint32_t i = 0; i < n; i++) {
		const struct fl_point *p = fl_series_point(s, i);
		double x = x_of(c, since(s, p->start_ns)), y = y_of(c, p->latency_ns);

		if (p->ok) {
			fprintf(o, "<circle class=\"ok\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"" C_OK "\"/>\n", x, y);
			continue;
		}
		fprintf(o, "<g class=\"fail\" stroke=\"" C_FAIL "\" stroke-width=\"2.5\"><line x1=\"%.1f\" "
			"y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			"y2=\"%.1f\"/></g>\n", x - 4, y - 4, x + 4, y + 4, x - 4, y + 4, x + 4, y - 4);
		rect(o, "fail-mark", x - 1.5, x + 1.5, FAIL_Y - 6, 12, C_FAIL, "");
	}
}

/* Fault i's row: its window shaded, a bar per bucket, as a rate per second. */
static void fault_row(FILE *o, const struct chart *c, int i, int top)
{
	const struct fl_series *s = c->r->series;
	const struct fl_fault_series *f = s && i < s->nfaults ? &s->faults[i] : NULL;
	double peak = 0, sec = f && f->bucket_ns ? f->bucket_ns / 1e9 : 1;
	uint64_t a, b, total = 0;
	bool live = fl_report_fault_window(c->r, i, &a, &b);

	for (uint32_t k = 0; f && k < f->nbuckets; k++) {
		peak = f->injected[k] / sec > peak ? f->injected[k] / sec : peak;
		total += f->injected[k];
	}
	fprintf(o, "<text x=\"%d\" y=\"%d\">[%d] ", ML, top + 11, i + 1);
	fl_xml_text(o, c->r->reg->faults[i].desc);
	fprintf(o, " — injected %llu, at most %.0f/s%s</text>\n", (unsigned long long)total, peak,
		live ? "" : " (never attached)");
	fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f/s</text>\n", ML - 6, top + 20, peak);
	if (!live)
		return;
	rect(o, "fault-window", x_of(c, a), x_of(c, b), top + 16, BAR, C_FAULT, " fill-opacity=\"0.35\"");
	for (uint32_t k = 0; k < f->nbuckets && peak > 0; k++) {
		uint64_t t0 = a + k * f->bucket_ns, t1 = t0 + f->bucket_ns < b ? t0 + f->bucket_ns : b;
		double h = BAR * (f->injected[k] / sec) / peak;

		if (f->injected[k])
			rect(o, "injected", x_of(c, t0) + 0.5, x_of(c, t1) - 0.5, top + 16 + BAR - h, h, C_BAR, "");
	}
	fprintf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n", ML, top + 16 + BAR,
		W - MR, top + 16 + BAR);
}

static void recovered_mark(FILE *o, const struct chart *c)
{
	const struct fl_reg_phase *p = &c->r->reg->phases[FL_PHASE_RECOVERY];
	const struct fl_series *s = c->r->series;
	double x;

	if (!s || !p->on || p->recovered_ns < 0 || !s->phase_start[FL_PHASE_RECOVERY])
		return;
	x = x_of(c, since(s, s->phase_start[FL_PHASE_RECOVERY]) + p->recovered_ns);
	fprintf(o, "<line class=\"recovered\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#2a9d3f\" "
		"stroke-width=\"2\" stroke-dasharray=\"4 3\"/>\n", x, CT, x, CB);
}

static void legend(FILE *o)
{
	static const struct { const char *fill, *text; } l[] = {
		{ C_OK, "check passed (latency)" }, { C_FAIL, "check failed" },
		{ C_FAULT, "fault live" }, { C_BAR, "injected per second" },
		{ C_BASE, "baseline" }, { C_RECOVER, "recovery" },
	};
	int x = ML;

	for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++) {
		fprintf(o, "<rect x=\"%d\" y=\"4\" width=\"10\" height=\"10\" fill=\"%s\"/>"
			"<text x=\"%d\" y=\"13\">%s</text>\n", x, l[i].fill, x + 14, l[i].text);
		x += 24 + 7 * (int)strlen(l[i].text);
	}
}

static void svg(FILE *o, const struct fl_report *r)
{
	struct chart c;
	int bottom;

	measure(&c, r);
	bottom = CB + 12 + c.nrows * ROW;
	fprintf(o, "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n", W, bottom + 40, W,
		bottom + 40);
	fprintf(o, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", W, bottom + 40);
	legend(o);
	bands(o, &c);
	axes(o, &c, bottom);
	checks(o, &c);
	recovered_mark(o, &c);
	for (int i = 0; i < c.nrows; i++)
		fault_row(o, &c, i, CB + 12 + i * ROW);
	fputs("</svg>\n", o);
}

/* ------------------------------------------------------------- the text */

static void html_style(FILE *o)
{
	fputs("<style>\n"
	      "body{font-family:sans-serif;margin:16px 24px;color:#222;background:#fff}\n"
	      "h1{font-size:20px;margin:0 0 6px}h2{font-size:16px;margin:18px 0 6px}\n"
	      ".verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-size:16px}\n"
	      ".passed{background:#2a9d3f}.failed{background:" C_FAIL "}.stopped{background:#777}"
	      ".error{background:#8b0000}.running,.planned{background:#999}\n"
	      ".reason{margin:4px 0;font-size:14px}.meta{margin:4px 0 10px;font-size:12px;color:#555}\n"
	      "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:3px 8px;"
	      "text-align:left;vertical-align:top}th{background:#f3f3f3}\n"
	      "</style>\n", o);
}

static void td(FILE *o, const char *s)
{
	fputs("<td>", o);
	fl_xml_text(o, s);
	fputs("</td>", o);
}

static void html_head(FILE *o, const struct fl_report *r)
{
	const struct fl_reg *g = r->reg;
	const char *v = fl_hyp_verdict_name(g), *rule = fl_hyp_failed_rule(g);
	char when[64] = "not started", live[32];
	time_t t = g->start_real;
	struct tm tm;

	if (t && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	snprintf(live, sizeof(live), "%.3f s", g->elapsed_ns / 1e9);
	fputs("<h1>", o);
	fl_xml_text(o, g->name);
	fprintf(o, " <span id=\"verdict\" class=\"verdict %s\">%s%s%s</span></h1>\n",
		v ? v : fl_reg_state_name(g->state), v ? v : fl_reg_state_name(g->state),
		rule ? ": " : "", rule ? rule : "");
	fputs("<p class=\"reason\" id=\"reason\">", o);
	fl_xml_text(o, g->reason[0] ? g->reason : v && !strcmp(v, "passed") ?
		    "every rule of the hypothesis held" : "");
	fputs("</p>\n<p class=\"meta\">experiment <b id=\"experiment\">", o);
	fl_xml_text(o, g->id);
	fputs("</b> · ", o);
	fl_xml_text(o, g->file[0] ? g->file : "(from the command line)");
	fputs(" · target ", o);
	fl_xml_text(o, g->target);
	fprintf(o, " · started %s · faults live %s · stopped by ", when, live);
	fl_xml_text(o, g->stopped_by[0] ? g->stopped_by : "-");
	fputs(" · seed <b id=\"seed\">", o);
	if (r->has_seed)
		fprintf(o, "%llu", (unsigned long long)r->seed);
	else
		fputs("none", o);
	fputs("</b></p>\n", o);
}

static void phase_rows(FILE *o, const struct fl_reg *g)
{
	char num[64];

	for (int i = 0; i < FL_PHASES; i++) {
		const struct fl_reg_phase *p = &g->phases[i];

		if (!p->on)
			continue;
		fputs("<tr>", o);
		td(o, fl_phase_name(i));
		td(o, p->result);
		snprintf(num, sizeof(num), "%u", p->checks);
		td(o, num);
		snprintf(num, sizeof(num), "%u", p->failed);
		td(o, num);
		snprintf(num, sizeof(num), "%u", p->max_consecutive);
		td(o, num);
		snprintf(num, sizeof(num), "%.3f s", p->elapsed_ns / 1e9);
		td(o, num);
		td(o, p->why);
		fputs("</tr>\n", o);
	}
}

static void fault_rows(FILE *o, const struct fl_report *r)
{
	char num[64], extra[512];

	for (int i = 0; i < r->reg->nfaults; i++) {
		const struct fl_reg_fault *rf = &r->reg->faults[i];
		const struct fl_fault_kind *k = fl_kind_find(rf->kind);
		const struct fl_fault_stats *st = &r->st[i];
		size_t n = 0;

		extra[0] = '\0';
		for (int s = 0; k && k->stats && s < FL_FAULT_STATS && k->stats[s].key && n < sizeof(extra); s++)
			n += snprintf(extra + n, sizeof(extra) - n, "%s%s %llu", n ? ", " : "", k->stats[s].key,
				      (unsigned long long)st->extra[s]);
		fprintf(o, "<tr><td>%d</td>", i + 1);
		td(o, rf->desc);
		td(o, rf->mechanism);
		td(o, rf->attach);
		snprintf(num, sizeof(num), "%llu", (unsigned long long)st->matched);
		td(o, num);
		snprintf(num, sizeof(num), "%llu", (unsigned long long)st->injected);
		td(o, num);
		td(o, extra);
		fputs("</tr>\n", o);
	}
}

static void case_rows(FILE *o, const struct fl_report *r)
{
	static const char *const res[] = { "passed", "failed", "error", "skipped" };

	if (!r->ncases)
		return;
	fputs("<h2>The command</h2>\n<table id=\"cases\"><tr><th>check</th><th>result</th>"
	      "<th>time</th><th>why</th></tr>\n", o);
	for (int i = 0; i < r->ncases && i < FL_REPORT_CASES; i++) {
		char t[32];

		snprintf(t, sizeof(t), "%.3f s", r->cases[i].time_s);
		fputs("<tr>", o);
		td(o, r->cases[i].name);
		td(o, res[r->cases[i].result]);
		td(o, t);
		td(o, r->cases[i].message);
		fputs("</tr>\n", o);
	}
	fputs("</table>\n", o);
}

static void html_tables(FILE *o, const struct fl_report *r)
{
	const struct fl_series *s = r->series;

	if (s && fl_series_thinned(s))
		fprintf(o, "<p class=\"meta\">%llu checks: each point stands for up to %u of them, a failed "
			"one before a passing one.</p>\n", (unsigned long long)s->checks, s->stride);
	fputs("<h2>Steady state</h2>\n", o);
	if (!r->reg->probe[0]) {
		fputs("<p class=\"meta\">no steady_state in this experiment: nothing was checked.</p>\n", o);
	} else {
		fputs("<p class=\"meta\">", o);
		fl_xml_text(o, r->reg->probe);
		fputs("</p>\n<table id=\"phases\"><tr><th>phase</th><th>result</th><th>checks</th>"
		      "<th>failed</th><th>in a row</th><th>time</th><th>why</th></tr>\n", o);
		phase_rows(o, r->reg);
		fputs("</table>\n", o);
	}
	fputs("<h2>Faults</h2>\n<table id=\"faults\"><tr><th></th><th>fault</th><th>mechanism</th>"
	      "<th>attach</th><th>matched</th><th>injected</th><th>counters</th></tr>\n", o);
	fault_rows(o, r);
	fputs("</table>\n", o);
	case_rows(o, r);
}

void fl_report_write_html(FILE *o, const struct fl_report *r)
{
	const char *v = fl_hyp_verdict_name(r->reg);

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>faultline: ", o);
	fl_xml_text(o, r->reg->name);
	fprintf(o, " %s</title>\n", v ? v : fl_reg_state_name(r->reg->state));
	html_style(o);
	fputs("</head>\n<body>\n", o);
	html_head(o, r);
	svg(o, r);
	html_tables(o, r);
	fputs("</body>\n</html>\n", o);
}
