// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The JUnit form of a report (report_file.h): what CI servers read. One
 * <testsuite> for the experiment, a <testcase> per phase of the hypothesis
 * and per fault (its counters as properties and in <system-out>), then the
 * command's own cases. A failed rule is a <failure> with the reason, a run
 * that could not start an <error>, what never ran <skipped>.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hypothesis.h"
#include "report_file.h"

#define MAX_CASES	(FL_PHASES + FL_REG_FAULTS + FL_REPORT_CASES)

struct jcase {
	char name[FL_FAULT_DESC + 32];
	enum fl_case_result result;
	double time_s;
	char type[24];			/* of a failure: the rule */
	char message[512];
	char out[2048];
	int fault;			/* its counters as properties, or -1 */
};

static const char *const case_names[FL_PHASES] = {
	"baseline", "steady state during the faults", "recovery",
};

static void phase_out(const struct fl_reg *g, enum fl_phase ph, char *buf, size_t size)
{
	const struct fl_reg_phase *p = &g->phases[ph];
	size_t n;

	n = snprintf(buf, size, "%s: %u check%s, %u failed, at most %u in a row, in %.3f s",
		     p->result, p->checks, p->checks == 1 ? "" : "s", p->failed, p->max_consecutive,
		     p->elapsed_ns / 1e9);
	if (n < size && ph == FL_PHASE_DURING)
		n += snprintf(buf + n, size - n, "; abort after %u failures in a row%s", g->probe_failures,
			      g->has_max_rate ? ", max_failure_rate " : "");
	if (n < size && ph == FL_PHASE_DURING && g->has_max_rate)
		n += snprintf(buf + n, size - n, "%.2f%%", 100.0 * g->max_rate / 4294967296.0);
	if (n < size && ph != FL_PHASE_DURING)
		n += snprintf(buf + n, size - n, "; limit %.3f s", p->limit_ns / 1e9);
	if (n < size && ph == FL_PHASE_RECOVERY && p->recovered_ns >= 0)
		snprintf(buf + n, size - n, "; healthy again %.3f s after the faults ended",
			 p->recovered_ns / 1e9);
}

static void phase_case(const struct fl_reg *g, enum fl_phase ph, struct jcase *c)
{
	const struct fl_reg_phase *p = &g->phases[ph];

	snprintf(c->name, sizeof(c->name), "%s", case_names[ph]);
	c->fault = -1;
	c->time_s = p->elapsed_ns / 1e9;
	if (!strcmp(p->result, "passed"))
		c->result = FL_CASE_PASSED;
	else if (!strcmp(p->result, "failed"))
		c->result = FL_CASE_FAILED;
	else
		c->result = FL_CASE_SKIPPED;
	snprintf(c->type, sizeof(c->type), "%s", p->rule);
	snprintf(c->message, sizeof(c->message), "%s", p->why[0] ? p->why : p->result);
	phase_out(g, ph, c->out, sizeof(c->out));
}

static void fault_case(const struct fl_report *r, int i, struct jcase *c)
{
	const struct fl_reg *g = r->reg;
	const struct fl_reg_fault *rf = &g->faults[i];
	const struct fl_fault_stats *st = &r->st[i];
	uint64_t from, to;
	bool live = fl_report_fault_window(r, i, &from, &to);

	snprintf(c->name, sizeof(c->name), "fault %d: %s", i + 1, rf->desc);
	c->fault = i;
	c->time_s = live ? (to - from) / 1e9 : 0;
	snprintf(c->out, sizeof(c->out), "matched %llu, injected %llu%s\nmechanism: %s\nattach: %s\n",
		 (unsigned long long)st->matched, (unsigned long long)st->injected,
		 st->valid ? "" : " (counters could not be read)", rf->mechanism, rf->attach);
	if (live) {
		c->result = FL_CASE_PASSED;
	} else if (!strcmp(g->verdict, "error")) {
		c->result = FL_CASE_ERROR;
		snprintf(c->message, sizeof(c->message), "%s", g->reason);
	} else {
		c->result = FL_CASE_SKIPPED;
		snprintf(c->message, sizeof(c->message), "not attached: %s",
			 g->state == FL_REG_PLANNED ? "a dry run" :
			 !strcmp(g->stopped_by, "baseline") ? "the baseline failed" : "stopped first");
	}
}

static void extra_case(const struct fl_report_case *x, struct jcase *c)
{
	snprintf(c->name, sizeof(c->name), "%s", x->name);
	c->result = x->result;
	c->time_s = x->time_s;
	c->fault = -1;
	snprintf(c->message, sizeof(c->message), "%s", x->message);
	snprintf(c->out, sizeof(c->out), "%s", x->output);
}

/* In the order a run goes: baseline, the faults, during, recovery, then the command's. */
static int collect(const struct fl_report *r, struct jcase *c)
{
	const struct fl_reg *g = r->reg;
	int n = 0;

	if (g->phases[FL_PHASE_BASELINE].on)
		phase_case(g, FL_PHASE_BASELINE, &c[n++]);
	for (int i = 0; i < g->nfaults && i < FL_REG_FAULTS; i++)
		fault_case(r, i, &c[n++]);
	for (int ph = FL_PHASE_DURING; ph < FL_PHASES; ph++)
		if (g->phases[ph].on)
			phase_case(g, ph, &c[n++]);
	for (int i = 0; i < r->ncases && i < FL_REPORT_CASES; i++)
		extra_case(&r->cases[i], &c[n++]);
	return n;
}

static void attr(FILE *out, const char *name, const char *value)
{
	fprintf(out, " %s=\"", name);
	fl_xml_text(out, value);
	fputc('"', out);
}

static void property(FILE *out, const char *indent, const char *name, const char *value)
{
	fprintf(out, "%s<property", indent);
	attr(out, "name", name);
	attr(out, "value", value);
	fputs("/>\n", out);
}

static void fault_properties(FILE *out, const struct fl_report *r, int i)
{
	const struct fl_fault_kind *k = fl_kind_find(r->reg->faults[i].kind);
	const struct fl_fault_stats *st = &r->st[i];
	char num[32];

	fputs("      <properties>\n", out);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)st->matched);
	property(out, "        ", "matched", num);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)st->injected);
	property(out, "        ", "injected", num);
	for (int s = 0; k && k->stats && s < FL_FAULT_STATS && k->stats[s].key; s++) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)st->extra[s]);
		property(out, "        ", k->stats[s].key, num);
	}
	fputs("      </properties>\n", out);
}

static void write_case(FILE *out, const struct fl_report *r, const struct jcase *c)
{
	static const char *const tags[] = { NULL, "failure", "error", "skipped" };
	char cls[128];

	snprintf(cls, sizeof(cls), "faultline.%s", r->reg->name);
	fputs("    <testcase", out);
	attr(out, "classname", cls);
	attr(out, "name", c->name);
	fprintf(out, " time=\"%.3f\">\n", c->time_s);
	if (c->fault >= 0)
		fault_properties(out, r, c->fault);
	if (c->result != FL_CASE_PASSED) {
		fprintf(out, "      <%s", tags[c->result]);
		attr(out, "message", c->message);
		if (c->result != FL_CASE_SKIPPED)
			attr(out, "type", c->type[0] ? c->type : tags[c->result]);
		fputs(c->result == FL_CASE_SKIPPED ? "/>\n" : ">", out);
		if (c->result != FL_CASE_SKIPPED) {
			fl_xml_text(out, c->message);
			fprintf(out, "</%s>\n", tags[c->result]);
		}
	}
	if (c->out[0]) {
		fputs("      <system-out>", out);
		fl_xml_text(out, c->out);
		fputs("</system-out>\n", out);
	}
	fputs("    </testcase>\n", out);
}

/* tests="N" failures="F" errors="E" skipped="S" time="T" */
static void counts(FILE *out, const struct jcase *c, int n, double time_s)
{
	int by[4] = { 0 };

	for (int i = 0; i < n; i++)
		by[c[i].result]++;
	fprintf(out, " tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\"", n,
		by[FL_CASE_FAILED], by[FL_CASE_ERROR], by[FL_CASE_SKIPPED], time_s);
}

/* From the first check (or the faults' start) to the last thing that happened. */
static double span_s(const struct fl_report *r)
{
	const struct fl_series *s = r->series;
	uint64_t end = 0;

	if (!s || !s->zero_ns)
		return 0;
	for (int i = 0; i < FL_PHASES; i++)
		end = s->phase_end[i] > end ? s->phase_end[i] : end;
	return end > s->zero_ns ? (end - s->zero_ns) / 1e9 : 0;
}

static void suite_properties(FILE *out, const struct fl_report *r)
{
	const struct fl_reg *g = r->reg;
	const char *v = fl_hyp_verdict_name(g), *rule = fl_hyp_failed_rule(g);
	char seed[32];

	fputs("    <properties>\n", out);
	property(out, "      ", "id", g->id);
	property(out, "      ", "verdict", v ? v : fl_reg_state_name(g->state));
	property(out, "      ", "failed_rule", rule ? rule : "");
	property(out, "      ", "reason", g->reason);
	property(out, "      ", "stopped_by", g->stopped_by);
	property(out, "      ", "target", g->target);
	property(out, "      ", "file", g->file);
	if (r->has_seed) {
		snprintf(seed, sizeof(seed), "%llu", (unsigned long long)r->seed);
		property(out, "      ", "seed", seed);
	}
	fputs("    </properties>\n", out);
}

void fl_report_write_junit(FILE *out, const struct fl_report *r)
{
	struct jcase c[MAX_CASES];
	char stamp[32] = "", host[256] = "";
	time_t t = r->reg->start_real;
	struct tm tm;
	int n;

	memset(c, 0, sizeof(c));
	n = collect(r, c);
	if (t && gmtime_r(&t, &tm))
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	gethostname(host, sizeof(host) - 1);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", out);
	attr(out, "name", "faultline");
	counts(out, c, n, span_s(r));
	fputs(">\n  <testsuite", out);
	attr(out, "name", r->reg->name);
	attr(out, "id", r->reg->id);
	counts(out, c, n, span_s(r));
	if (stamp[0])
		attr(out, "timestamp", stamp);
	attr(out, "hostname", host);
	fputs(">\n", out);
	suite_properties(out, r);
	for (int i = 0; i < n; i++)
		write_case(out, r, &c[i]);
	fputs("  </testsuite>\n</testsuites>\n", out);
}
