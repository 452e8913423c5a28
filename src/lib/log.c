// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "log.h"

int fl_verbosity;
bool fl_json;

void fl_log(enum fl_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level == FL_LOG_DEBUG && fl_verbosity < 1)
		return;
	if (level == FL_LOG_WARN)
		fputs("faultline: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's own chatter only with -v: its warnings repeat what we say. */
	if (fl_verbosity < 1 || (level == LIBBPF_DEBUG && fl_verbosity < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void fl_log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
