/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef FL_LOG_H
#define FL_LOG_H

#include <stdbool.h>

enum fl_log_level { FL_LOG_WARN, FL_LOG_INFO, FL_LOG_DEBUG };

extern int fl_verbosity;	/* raised by -v; libbpf speaks at DEBUG */
extern bool fl_json;		/* --json: stdout carries only JSON */

void fl_log(enum fl_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void fl_log_setup_libbpf(void);

/* Errors and warnings always go to stderr so that --json stays parseable. */
#define pr_warn(...)	fl_log(FL_LOG_WARN, __VA_ARGS__)
#define pr_info(...)	fl_log(FL_LOG_INFO, __VA_ARGS__)
#define pr_debug(...)	fl_log(FL_LOG_DEBUG, __VA_ARGS__)

#endif
