/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --report FILE: what a run did and whether it passed, written once at its
 * end however it ends (passed, failed, aborted, stopped, or an error after
 * the start), atomically: a temporary file beside FILE, renamed over it.
 * The format comes from the suffix:
 *   .json  the summary (doc/faultline.schema.json, "experiment") plus its
 *          "timeline": every check, each phase's and fault's window, and
 *          each fault's injected counts per second;
 *   .xml   JUnit: one testsuite, a testcase per phase of the hypothesis and
 *          per fault, and those a command adds (exec: its command's exit);
 *   .html  one self-contained page: the timeline drawn in SVG, the verdict.
 * The runner writes it for every experiment command; a command with more
 * to say adds testcases through fl_run_opts.report_cases (cmdline.h).
 */
#ifndef FL_REPORT_FILE_H
#define FL_REPORT_FILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "registry.h"
#include "series.h"

enum fl_report_format { FL_REPORT_JSON = 1, FL_REPORT_JUNIT, FL_REPORT_HTML };

#define FL_REPORT_CASES	4

enum fl_case_result { FL_CASE_PASSED, FL_CASE_FAILED, FL_CASE_ERROR, FL_CASE_SKIPPED };

/* A testcase of a command's own (exec: "command exit"), after the run's. */
struct fl_report_case {
	char name[128];
	enum fl_case_result result;
	double time_s;
	char message[256];		/* failed, error or skipped: why */
	char output[2048];		/* <system-out> */
};

struct fl_report {
	const struct fl_reg *reg;		/* the summary: verdict, phases, faults */
	const struct fl_fault_stats *st;	/* each fault's last counts */
	const struct fl_series *series;		/* the timeline, or NULL */
	/* The run's seed (--seed replays it): shown when has_seed. */
	bool has_seed;
	uint64_t seed;
	int ncases;
	struct fl_report_case cases[FL_REPORT_CASES];
};

/*
 * Before anything attaches: the format from path's suffix, and a file can
 * be made beside it (one is, and removed). abs (PATH_MAX) gets it absolute,
 * so a detached run that writes it later still finds it. 0, or -EINVAL
 * with err.
 */
int fl_report_check(const char *path, char *abs, enum fl_report_format *fmt, char *err);
/* 0, or -E2BIG when FL_REPORT_CASES are there already. */
int fl_report_add_case(struct fl_report *r, const struct fl_report_case *c);
/* Write it, atomically. 0, or -errno with err. */
int fl_report_write(const char *path, const struct fl_report *r, char *err);

/* The writers, to a stream. */
void fl_report_write_json(FILE *out, const struct fl_report *r);
void fl_report_write_junit(FILE *out, const struct fl_report *r);
void fl_report_write_html(FILE *out, const struct fl_report *r);

/* Text and attribute values for XML and HTML: & < > " ' escaped, control bytes dropped. */
void fl_xml_text(FILE *out, const char *s);
/* The fault's live window in the timeline, in ns; false if it never went live. */
bool fl_report_fault_window(const struct fl_report *r, int i, uint64_t *from, uint64_t *to);

#endif
