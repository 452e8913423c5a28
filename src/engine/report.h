/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * An experiment as people and programs see it: one JSON object, the same
 * for a summary, `status`, each entry of `list` and a dry run (schema:
 * doc/faultline.schema.json, "experiment"), and the text forms beside it.
 */
#ifndef FL_REPORT_H
#define FL_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "registry.h"

#define FL_SCHEMA_VERSION	1

struct jw;

/* st: one per fault, or NULL to read them (pins while running, else the record's). */
void fl_report_json(struct jw *w, const struct fl_reg *r, const struct fl_fault_stats *st);
/* Its members alone, for a writer that adds its own (report_file.c: "timeline"). */
void fl_report_json_members(struct jw *w, const struct fl_reg *r, const struct fl_fault_stats *st);
/* `faultline list`: {"schema_version", "experiments": [...]}. */
void fl_report_list_json(struct jw *w, const struct fl_reg *v, int n);
/* The text of `status ID` and of a summary. */
void fl_report_text(FILE *out, const struct fl_reg *r, const struct fl_fault_stats *st);
/* One fault's line: "[1] net drop ... matched 10 injected 3  delay 1.2 ms avg". */
void fl_report_fault_line(const struct fl_reg *r, int i, const struct fl_fault_stats *st,
			  bool aligned, char *buf, size_t size);

#endif
