/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Parsers for what users type. Each returns 0 or -EINVAL and, on error,
 * fills `err` with a sentence that says what was wrong and what is allowed.
 */
#ifndef FL_PARSE_H
#define FL_PARSE_H

#include <linux/types.h>
#include <stddef.h>

#define FL_ERRLEN 512

struct option;
/* The entry of a getopt_long table named NAME, or NULL. */
const struct option *fl_find_option(const struct option *table, const char *name);

/* "50ms", "1.5s", "10m", "2h" (a bare number is refused: units matter). */
int fl_parse_duration(const char *s, __u64 *ns, char *err);
/* "0.3" or "30%" into a fraction of 2^32 (1.0 -> 2^32 exactly). */
int fl_parse_probability(const char *s, __u64 *thresh, char *err);
/* "80" or "8000-8100"; 1..65535. */
int fl_parse_port_range(const char *s, __u16 *lo, __u16 *hi, char *err);
/*
 * "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128). The
 * result is v4-mapped IPv6 with the prefix length to match (v4 adds 96).
 */
int fl_parse_cidr(const char *s, __u8 addr[16], __u8 *plen, char *err);
/* A whole decimal number in [min, max]. */
int fl_parse_u64(const char *s, __u64 min, __u64 max, __u64 *v, char *err);

/* "ECONNREFUSED" or "111"; 1..4095. */
int fl_parse_errno(const char *s, int *errnum, char *err);

/* "10.1.0.0/16" or "2001:db8::/32" from the v4-mapped form fl_parse_cidr makes. */
void fl_fmt_cidr(const __u8 addr[16], __u8 plen, char *buf, size_t size);
/* "ENOSPC", or the number when it has no name. */
void fl_fmt_errno(int errnum, char *buf, size_t size);
/* Human forms for output: "1.5s", "250ms". */
void fl_fmt_duration(__u64 ns, char *buf, size_t size);

/* The longest experiment allowed: FAULTLINE_MAX_DURATION, else 1h. */
#define FL_DEFAULT_CAP_NS	(3600ULL * 1000000000ULL)
/* ... which FAULTLINE_MAX_DURATION may raise up to this. */
#define FL_MAX_CAP_NS		(24 * FL_DEFAULT_CAP_NS)
int fl_duration_cap(__u64 *cap, char *err);
/* 0, or -EINVAL with err saying how to raise the cap. */
int fl_check_duration(__u64 ns, __u64 cap, char *err);

#endif
