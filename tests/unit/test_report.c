// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The hypothesis and its report, without a kernel: the rules of each phase
 * and the verdict, the bounded timeline, the --report path check, and the
 * JUnit and HTML writers on a run made up here, with names full of <&">.
 * The files written are read back by tests/tools/report_summary.py, as a
 * CI server and a browser would read them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "hypothesis.h"
#include "report_file.h"
#include "runner.h"
#include "series.h"

#define SEC 1000000000ULL
#define NASTY "a<b&c\"d'e>"

static char *capture(void (*fn)(FILE *, const struct fl_report *), const struct fl_report *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	fn(f, r);
	fclose(f);
	return text;
}

static char *escaped(const char *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	fl_xml_text(f, s);
	fclose(f);
	return text;
}

static void xml_escaping(void **state)
{
	char *t = escaped(NASTY);

	assert_string_equal(t, "a&lt;b&amp;c&quot;d&#39;e&gt;");
	free(t);
	/* Control bytes have no place in XML 1.0; broken UTF-8 would fail the parser. */
	t = escaped("x\x01y\tz\n\xc3\xa9\xff\xe2\x82");
	assert_string_equal(t, "x?y\tz\n\xc3\xa9???");
	free(t);
	t = escaped("\xe2\x82\xac ok \xf5\x80\x80\x80");
	assert_string_equal(t, "\xe2\x82\xac ok ????");
	free(t);
}

/* ------------------------------------------------------------ hypothesis */

static struct fl_experiment *exp_with(__u64 baseline, __u64 recovery, const char *rate)
{
	struct fl_experiment *e = calloc(1, sizeof(*e));
	char err[FL_ERRLEN];

	assert_non_null(e);
	e->has_probe = true;
	e->probe.failures = 3;
	e->probe.baseline_ns = baseline;
	e->probe.recovery_ns = recovery;
	if (rate) {
		assert_int_equal(fl_parse_probability(rate, &e->probe.max_failure_rate, err), 0);
		e->probe.has_max_failure_rate = true;
	}
	return e;
}

static struct fl_steady_count counts(uint32_t checks, uint32_t failed, uint32_t in_a_row)
{
	struct fl_steady_count c = { .checks = checks, .failed = failed, .max_consecutive = in_a_row };

	snprintf(c.last_error, sizeof(c.last_error), "HTTP 503");
	return c;
}

static void baseline_rule(void **state)
{
	struct fl_experiment *e = exp_with(10 * SEC, 0, NULL);
	struct fl_reg *g = calloc(1, sizeof(*g));
	struct fl_steady_count c = counts(4, 1, 1);

	fl_hyp_init(g, e);
	assert_true(g->phases[FL_PHASE_BASELINE].on);
	assert_false(g->phases[FL_PHASE_RECOVERY].on);
	assert_string_equal(g->phases[FL_PHASE_DURING].result, "pending");
	/* One failure in the baseline is enough: nothing attaches. */
	assert_true(fl_hyp_end(g, FL_PHASE_BASELINE, &c, 0, 3 * SEC, NULL));
	assert_non_null(strstr(g->phases[0].why, "check 4 of the baseline failed: HTTP 503"));
	snprintf(g->stopped_by, sizeof(g->stopped_by), "baseline");
	fl_hyp_verdict(g);
	assert_string_equal(g->verdict, "failed");
	assert_string_equal(fl_hyp_failed_rule(g), "baseline");
	assert_int_equal(g->exit_status, FL_EXIT_ABORTED);
	assert_string_equal(g->phases[FL_PHASE_DURING].result, "skipped");
	assert_non_null(strstr(g->phases[FL_PHASE_DURING].why, "nothing was attached"));
	/* No check finished: not shown healthy. */
	c = counts(0, 0, 0);
	fl_hyp_init(g, e);
	assert_true(fl_hyp_end(g, FL_PHASE_BASELINE, &c, 0, 10 * SEC, NULL));
	/* Cut short with none failed: stopped, not failed. */
	c = counts(2, 0, 0);
	fl_hyp_init(g, e);
	assert_false(fl_hyp_end(g, FL_PHASE_BASELINE, &c, 0, SEC, "signal"));
	assert_string_equal(g->phases[0].result, "stopped");
	snprintf(g->stopped_by, sizeof(g->stopped_by), "signal");
	fl_hyp_verdict(g);
	assert_string_equal(g->verdict, "stopped");
	assert_int_equal(g->exit_status, FL_EXIT_OK);
	free(g);
	free(e);
}

/* At most the share: 1 of 20 is 5% and passes, 2 of 20 fail; in a row wins over the share. */
static void during_rules(void **state)
{
	struct fl_experiment *e = exp_with(0, 0, "5%");
	struct fl_reg *g = calloc(1, sizeof(*g));
	struct fl_steady_count c = counts(20, 1, 1);

	fl_hyp_init(g, e);
	assert_false(fl_hyp_end(g, FL_PHASE_DURING, &c, 0, 5 * SEC, NULL));
	assert_string_equal(g->phases[FL_PHASE_DURING].result, "passed");
	c = counts(20, 2, 1);
	assert_true(fl_hyp_end(g, FL_PHASE_DURING, &c, 0, 5 * SEC, NULL));
	assert_string_equal(g->phases[FL_PHASE_DURING].rule, "max_failure_rate");
	assert_non_null(strstr(g->phases[FL_PHASE_DURING].why, "2 of 20 checks (10.0%) failed"));
	c = counts(20, 3, 3);
	assert_true(fl_hyp_end(g, FL_PHASE_DURING, &c, 0, 5 * SEC, NULL));
	assert_string_equal(g->phases[FL_PHASE_DURING].rule, "failures");
	snprintf(g->stopped_by, sizeof(g->stopped_by), "steady state");
	fl_hyp_verdict(g);
	assert_string_equal(g->verdict, "failed");
	assert_string_equal(fl_hyp_failed_rule(g), "failures");
	assert_string_equal(g->reason, "3 failed checks in a row, the last: HTTP 503");
	free(e);
	/* Without max_failure_rate, any share passes. */
	e = exp_with(0, 0, NULL);
	fl_hyp_init(g, e);
	c = counts(10, 9, 2);
	assert_false(fl_hyp_end(g, FL_PHASE_DURING, &c, 0, 5 * SEC, NULL));
	snprintf(g->stopped_by, sizeof(g->stopped_by), "deadline");
	fl_hyp_verdict(g);
	assert_string_equal(g->verdict, "passed");
	assert_null(fl_hyp_failed_rule(g));
	free(g);
	free(e);
}

static void recovery_rule(void **state)
{
	struct fl_experiment *e = exp_with(0, 2 * SEC, NULL);
	struct fl_reg *g = calloc(1, sizeof(*g));
	struct fl_steady_count c = counts(3, 2, 2);

	fl_hyp_init(g, e);
	c.first_ok_ns = 101 * SEC + SEC / 2;	/* the faults ended at 100 s */
	assert_false(fl_hyp_end(g, FL_PHASE_RECOVERY, &c, 100 * SEC, c.first_ok_ns, NULL));
	assert_int_equal(g->phases[FL_PHASE_RECOVERY].recovered_ns, 1500000000);
	/* A pass that came too late is no recovery. */
	c.first_ok_ns = 102 * SEC + 1;
	assert_true(fl_hyp_end(g, FL_PHASE_RECOVERY, &c, 100 * SEC, c.first_ok_ns, NULL));
	c.first_ok_ns = 0;
	assert_true(fl_hyp_end(g, FL_PHASE_RECOVERY, &c, 100 * SEC, 102 * SEC, NULL));
	assert_non_null(strstr(g->phases[FL_PHASE_RECOVERY].why,
			       "not healthy again within 2s of the faults' end: 3 checks failed"));
	c = counts(20, 0, 0);
	assert_false(fl_hyp_end(g, FL_PHASE_DURING, &c, 0, 100 * SEC, NULL));
	snprintf(g->stopped_by, sizeof(g->stopped_by), "deadline");
	fl_hyp_verdict(g);
	assert_string_equal(g->verdict, "failed");
	assert_string_equal(fl_hyp_failed_rule(g), "recovery");
	assert_int_equal(g->exit_status, FL_EXIT_ABORTED);
	free(g);
	free(e);
}

/* ------------------------------------------------------------- timeline */

static void series_bounded(void **state)
{
	struct fl_series *s = calloc(1, sizeof(*s));
	uint64_t total = 0, sum = 0;
	uint32_t fails = 0;

	assert_non_null(s);
	fl_series_init(s, 1, SEC);
	/* Three times what fits, one failure in each thousand. */
	for (uint32_t i = 0; i < 3 * FL_SERIES_POINTS; i++)
		fl_series_check(s, SEC + i * 1000, SEC + i * 1000 + 10, i % 1000 != 7, FL_PHASE_DURING);
	assert_true(fl_series_thinned(s));
	assert_true(fl_series_npoints(s) <= FL_SERIES_POINTS);
	assert_int_equal(s->checks, 3 * FL_SERIES_POINTS);
	for (uint32_t i = 0; i < fl_series_npoints(s); i++)
		fails += !fl_series_point(s, i)->ok;
	assert_int_equal(fails, (3 * FL_SERIES_POINTS + 992) / 1000);	/* not one thinned away */
	/* Buckets: merged when full, and no count lost. */
	fl_series_fault_start(s, 0, SEC);
	for (uint64_t t = 0; t < 3 * FL_SERIES_BUCKETS; t++) {
		total += t % 5;
		fl_series_fault_sample(s, 0, SEC + t * SEC + SEC / 2, total);
	}
	fl_series_fault_end(s, 0, SEC + 3 * FL_SERIES_BUCKETS * SEC, total + 7);
	for (uint32_t b = 0; b < s->faults[0].nbuckets; b++)
		sum += s->faults[0].injected[b];
	assert_int_equal(sum, total + 7);
	assert_true(s->faults[0].nbuckets <= FL_SERIES_BUCKETS);
	assert_int_equal(s->faults[0].bucket_ns, 4 * SEC);	/* 5400 s in 1800 buckets */
	free(s);
}

/* ---------------------------------------------------------------- report */

static void report_path_checked(void **state)
{
	char abs[PATH_MAX], err[FL_ERRLEN], cwd[PATH_MAX];
	enum fl_report_format fmt;

	assert_int_equal(fl_report_check("report.txt", abs, &fmt, err), -EINVAL);
	assert_non_null(strstr(err, "the format comes from the suffix"));
	assert_int_equal(fl_report_check("/no/such/dir/r.xml", abs, &fmt, err), -EINVAL);
	assert_non_null(strstr(err, "no such directory"));
	assert_int_equal(fl_report_check("/tmp", abs, &fmt, err), -EINVAL);
	assert_int_equal(fl_report_check("/tmp/.html", abs, &fmt, err), -EINVAL);
	assert_int_equal(fl_report_check("/", abs, &fmt, err), -EINVAL);
	assert_int_equal(fl_report_check("/tmp/r.XML", abs, &fmt, err), 0);
	assert_int_equal(fmt, FL_REPORT_JUNIT);
	assert_string_equal(abs, "/tmp/r.XML");
	assert_int_equal(fl_report_check("r.json", abs, &fmt, err), 0);
	assert_int_equal(fmt, FL_REPORT_JSON);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(strncmp(abs, cwd, strlen(cwd)), 0);
	assert_int_equal(fl_report_check("/tmp/x.html", abs, &fmt, err), 0);
	assert_int_equal(fmt, FL_REPORT_HTML);
	assert_int_equal(access("/tmp/x.html", F_OK), -1);	/* checked, not left behind */
}

/* A run made up: a baseline, two faults with nasty names, a failed recovery. */
struct made {
	struct fl_reg g;
	struct fl_fault_stats st[2];
	struct fl_series s;
	struct fl_report r;
};

static struct made *made_up(void)
{
	struct fl_experiment *e = exp_with(2 * SEC, 3 * SEC, "50%");
	struct made *m = calloc(1, sizeof(*m));
	struct fl_steady_count c;
	uint64_t z = 1000 * SEC;

	assert_non_null(m);
	snprintf(m->g.name, sizeof(m->g.name), "%s", NASTY);
	snprintf(m->g.id, sizeof(m->g.id), "abc123");
	snprintf(m->g.probe, sizeof(m->g.probe), "curl '%s'", NASTY);
	m->g.nfaults = 2;
	m->g.state = FL_REG_ENDED;
	m->g.start_real = 1700000000;
	snprintf(m->g.faults[0].kind, 16, "net");
	snprintf(m->g.faults[0].desc, FL_FAULT_DESC, "net drop %s", NASTY);
	snprintf(m->g.faults[1].kind, 16, "sys");
	snprintf(m->g.faults[1].desc, FL_FAULT_DESC, "sys fail ]]> <![CDATA[");
	m->st[0] = (struct fl_fault_stats){ .matched = 40, .injected = 12, .valid = true };
	m->st[1] = (struct fl_fault_stats){ .matched = 5, .injected = 5, .valid = true };
	fl_hyp_init(&m->g, e);
	fl_series_init(&m->s, 2, z);
	fl_series_phase(&m->s, FL_PHASE_BASELINE, z, z + 2 * SEC);
	fl_series_phase(&m->s, FL_PHASE_DURING, z + 2 * SEC, z + 6 * SEC);
	fl_series_phase(&m->s, FL_PHASE_RECOVERY, z + 6 * SEC, z + 9 * SEC);
	for (int i = 0; i < 18; i++)
		fl_series_check(&m->s, z + i * SEC / 2, z + i * SEC / 2 + (i % 3 + 1) * 1000000, i < 4 || i % 3,
				i < 4 ? FL_PHASE_BASELINE : i < 12 ? FL_PHASE_DURING : FL_PHASE_RECOVERY);
	for (int f = 0; f < 2; f++) {
		fl_series_fault_start(&m->s, f, z + 2 * SEC);
		for (int t = 1; t <= 4; t++)
			fl_series_fault_sample(&m->s, f, z + (2 + t) * SEC, t * (f ? 1 : 3));
		fl_series_fault_end(&m->s, f, z + 6 * SEC, 4 * (f ? 1 : 3));
	}
	c = counts(4, 0, 0);
	fl_hyp_end(&m->g, FL_PHASE_BASELINE, &c, z, z + 2 * SEC, NULL);
	c = counts(8, 3, 1);
	fl_hyp_end(&m->g, FL_PHASE_DURING, &c, z + 2 * SEC, z + 6 * SEC, NULL);
	c = counts(6, 6, 6);
	snprintf(c.last_error, sizeof(c.last_error), "exit status 1: <no> & \"never\"");
	fl_hyp_end(&m->g, FL_PHASE_RECOVERY, &c, z + 6 * SEC, z + 9 * SEC, NULL);
	snprintf(m->g.stopped_by, sizeof(m->g.stopped_by), "deadline");
	fl_hyp_verdict(&m->g);
	m->r = (struct fl_report){ .reg = &m->g, .st = m->st, .series = &m->s };
	free(e);
	return m;
}

/* The tool reads FILE as a CI server (xml.etree) or a browser's parser would. */
static void consumer_reads(const char *kind, const char *text)
{
	char path[] = "/tmp/fl-report-XXXXXX", cmd[PATH_MAX + 128];
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	if (access("/usr/bin/python3", X_OK) == 0) {
		snprintf(cmd, sizeof(cmd), "/usr/bin/python3 tests/tools/report_summary.py %s %s >/dev/null",
			 kind, path);
		if (system(cmd))
			fail_msg("%s does not read the %s report:\n%s", "report_summary.py", kind, text);
	}
	unlink(path);
}

static void junit_structure(void **state)
{
	struct made *m = made_up();
	char *x;

	assert_int_equal(fl_report_add_case(&m->r, &(struct fl_report_case){
		.name = "command exit <1>", .result = FL_CASE_FAILED, .time_s = 1.5,
		.message = "exit status 1 & \"more\"" }), 0);
	x = capture(fl_report_write_junit, &m->r);
	assert_non_null(strstr(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
	assert_non_null(strstr(x, "<testsuite name=\"a&lt;b&amp;c&quot;d&#39;e&gt;\" id=\"abc123\" "
			       "tests=\"6\" failures=\"2\" errors=\"0\" skipped=\"0\" time=\"9.000\""));
	assert_non_null(strstr(x, "name=\"baseline\" time=\"2.000\""));
	assert_non_null(strstr(x, "name=\"fault 1: net drop a&lt;b&amp;c&quot;d&#39;e&gt;\" time=\"4.000\""));
	assert_non_null(strstr(x, "<property name=\"injected\" value=\"12\"/>"));
	assert_non_null(strstr(x, "name=\"fault 2: sys fail ]]&gt; &lt;![CDATA[\""));
	assert_non_null(strstr(x, "name=\"steady state during the faults\""));
	assert_non_null(strstr(x, "<failure message=\"not healthy again within 3s of the faults&#39; end: "
			       "6 checks failed, the last: exit status 1: &lt;no&gt; &amp; &quot;never&quot;\" "
			       "type=\"recovery\">"));
	assert_non_null(strstr(x, "name=\"command exit &lt;1&gt;\" time=\"1.500\""));
	assert_non_null(strstr(x, "<property name=\"verdict\" value=\"failed\"/>"));
	assert_null(strstr(x, "name=\"seed\""));	/* not until runs have one */
	/* The order a run goes in. */
	assert_true(strstr(x, "\"baseline\"") < strstr(x, "fault 1:"));
	assert_true(strstr(x, "fault 2:") < strstr(x, "during the faults"));
	assert_true(strstr(x, "during the faults") < strstr(x, "name=\"recovery\""));
	consumer_reads("junit", x);
	free(x);
	m->r.has_seed = true;
	m->r.seed = 42;
	x = capture(fl_report_write_junit, &m->r);
	assert_non_null(strstr(x, "<property name=\"seed\" value=\"42\"/>"));
	free(x);
	free(m);
}

/* Nothing could attach after the start: the faults are errors, the phases skipped. */
static void junit_error_run(void **state)
{
	struct made *m = made_up();
	char *x;

	fl_series_init(&m->s, 2, 0);
	memset(m->g.phases, 0, sizeof(m->g.phases));
	snprintf(m->g.verdict, sizeof(m->g.verdict), "error");
	snprintf(m->g.reason, sizeof(m->g.reason), "fault 2 (sys fail): cannot attach: EPERM");
	snprintf(m->g.stopped_by, sizeof(m->g.stopped_by), "error");
	fl_hyp_verdict(&m->g);
	assert_int_equal(m->g.exit_status, FL_EXIT_FAIL);
	x = capture(fl_report_write_junit, &m->r);
	assert_non_null(strstr(x, "tests=\"2\" failures=\"0\" errors=\"2\" skipped=\"0\""));
	assert_non_null(strstr(x, "<error message=\"fault 2 (sys fail): cannot attach: EPERM\" type=\"error\">"));
	consumer_reads("junit", x);
	free(x);
	free(m);
}

static int count(const char *hay, const char *needle)
{
	size_t at = 0, len = strlen(hay), k = strlen(needle);
	int n = 0;

	for (; at + k <= len; at++)
		n += !memcmp(hay + at, needle, k);
	return n;
}

static void html_structure(void **state)
{
	struct made *m = made_up();
	char *h = capture(fl_report_write_html, &m->r);

	assert_int_equal(strncmp(h, "<!DOCTYPE html>", 15), 0);
	assert_non_null(strstr(h, "<title>faultline: a&lt;b&amp;c&quot;d&#39;e&gt; failed</title>"));
	assert_non_null(strstr(h, "class=\"verdict failed\">failed: recovery</span>"));
	assert_non_null(strstr(h, "<b id=\"seed\">none</b>"));
	assert_non_null(strstr(h, "<svg id=\"timeline\""));
	/* Every check drawn: 18, of which 4 failed; each fault's window and its bars. */
	assert_int_equal(count(h, "<circle class=\"ok\""), 14);
	assert_int_equal(count(h, "<g class=\"fail\""), 4);
	assert_int_equal(count(h, "class=\"fault-window\""), 4);	/* in the chart and in its row */
	assert_int_equal(count(h, "class=\"injected\""), 8);
	assert_int_equal(count(h, "class=\"baseline\""), 1);
	assert_int_equal(count(h, "class=\"recovery\""), 1);
	assert_non_null(strstr(h, "[1] net drop a&lt;b&amp;c&quot;d&#39;e&gt; — injected 12"));
	assert_null(strstr(h, NASTY));
	assert_null(strstr(h, "<script"));
	assert_int_equal(count(h, "http"), count(h, "xmlns=\"http://www.w3.org/2000/svg\""));
	consumer_reads("html", h);
	free(h);
	free(m);
}

static void json_has_timeline(void **state)
{
	struct made *m = made_up();
	char *j = capture(fl_report_write_json, &m->r);

	assert_non_null(strstr(j, "\"verdict\":\"failed\""));
	assert_non_null(strstr(j, "\"failed_rule\":\"recovery\""));
	assert_non_null(strstr(j, "\"timeline\":{\"checks_total\":18,\"stride\":1,\"thinned\":false"));
	assert_non_null(strstr(j, "\"injected\":[3,3,3,3,0]"));
	free(j);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(xml_escaping),
		cmocka_unit_test(baseline_rule),
		cmocka_unit_test(during_rules),
		cmocka_unit_test(recovery_rule),
		cmocka_unit_test(series_bounded),
		cmocka_unit_test(report_path_checked),
		cmocka_unit_test(junit_structure),
		cmocka_unit_test(junit_error_run),
		cmocka_unit_test(html_structure),
		cmocka_unit_test(json_has_timeline),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
