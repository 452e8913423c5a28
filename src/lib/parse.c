// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "parse.h"

#define NSEC_PER_MSEC	1000000ULL
#define NSEC_PER_SEC	1000000000ULL

static int fail(char *err, const char *fmt, const char *arg)
{
	if (err)
		snprintf(err, FL_ERRLEN, fmt, arg);
	return -EINVAL;
}

const struct option *fl_find_option(const struct option *table, const char *name)
{
	for (; table->name; table++)
		if (!strcmp(table->name, name))
			return table;
	return NULL;
}

/*
 * One group of a duration: digits, maybe a fraction, then a unit. Decimal
 * only: strtod would also take hex ("0x10s" as 16 s) and exponents.
 */
static const char *duration_group(const char *p, double *ns)
{
	static const struct { const char *unit; double mult; } units[] = {
		{ "ms", 1e6 }, { "us", 1e3 }, { "h", 3600e9 }, { "m", 60e9 }, { "s", 1e9 },
	};
	double v = 0, scale = 1;
	bool digits = false;

	for (; isdigit((unsigned char)*p); p++, digits = true)
		v = v * 10 + (*p - '0');
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++, digits = true)
			v += (*p - '0') * (scale /= 10);
	if (!digits)
		return NULL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strncmp(p, units[i].unit, strlen(units[i].unit))) {
			*ns = v * units[i].mult;
			return p + strlen(units[i].unit);
		}
	*ns = -1;	/* a number without a unit */
	return p;
}

int fl_parse_duration(const char *s, __u64 *ns, char *err)
{
	const char *p = s;
	double total = 0, part;

	if (!s || !*s)
		return fail(err, "empty duration '%s': use 50ms, 1.5s, 10m, 1m30s or 2h", s ? s : "");
	while (*p) {
		p = duration_group(p, &part);
		if (!p)
			return fail(err, "bad duration '%s': use 50ms, 1.5s, 10m, 1m30s or 2h (units h, m, s, ms, us)", s);
		if (part < 0)
			return fail(err, "duration '%s' needs a unit: h, m, s, ms or us (e.g. 50ms, 1m30s)", s);
		total += part;
	}
	if (total > 1e18)
		return fail(err, "duration '%s' is too long", s);
	*ns = (__u64)llround(total);
	return 0;
}

int fl_parse_probability(const char *s, __u64 *thresh, char *err)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s))
		return fail(err, "empty probability '%s': use 0.3 or 30%%", s ? s : "");
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !isfinite(v))
		return fail(err, "bad probability '%s': use a number in [0,1] or a percentage", s);
	if (!strcmp(end, "%"))
		v /= 100.0;
	else if (*end)
		return fail(err, "bad probability '%s': use 0.3 or 30%%", s);
	if (v < 0 || v > 1)
		return fail(err, "probability '%s' is outside [0,1] (0%%..100%%)", s);
	/* Computed in double and kept in 64 bits: 0.75 stays 75%, 1.0 is 2^32. */
	*thresh = (__u64)llround(v * 4294967296.0);
	return 0;
}

int fl_parse_u64(const char *s, __u64 min, __u64 max, __u64 *v, char *err)
{
	char *end;
	unsigned long long x;

	if (!s || !isdigit((unsigned char)*s))
		return fail(err, "'%s' is not a whole number", s ? s : "");
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end)
		return fail(err, "'%s' is not a whole number", s);
	if (x < min || x > max) {
		if (err)
			snprintf(err, FL_ERRLEN, "%s is outside %llu..%llu", s,
				 (unsigned long long)min, (unsigned long long)max);
		return -EINVAL;
	}
	*v = x;
	return 0;
}

int fl_parse_port_range(const char *s, __u16 *lo, __u16 *hi, char *err)
{
	char buf[32], *dash;
	__u64 a, b;

	if (!s || strlen(s) >= sizeof(buf))
		return fail(err, "bad port range '%s': use 80 or 8000-8100", s ? s : "");
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (fl_parse_u64(buf, 1, 65535, &a, NULL) ||
	    fl_parse_u64(dash ? dash + 1 : buf, 1, 65535, &b, NULL))
		return fail(err, "bad port range '%s': ports are 1..65535, as 80 or 8000-8100", s);
	if (a > b)
		return fail(err, "bad port range '%s': the first port is above the last", s);
	*lo = a;
	*hi = b;
	return 0;
}

int fl_parse_cidr(const char *s, __u8 addr[16], __u8 *plen, char *err)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	struct in_addr a4;
	__u64 len;
	bool v4;

	if (!s || strlen(s) >= sizeof(buf))
		return fail(err, "bad CIDR '%s': use 10.0.0.0/8 or 2001:db8::/32", s ? s : "");
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	v4 = inet_pton(AF_INET, buf, &a4) == 1;
	if (v4) {
		memset(addr, 0, 10);
		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, &a4, 4);
	} else if (inet_pton(AF_INET6, buf, addr) != 1) {
		return fail(err, "bad CIDR '%s': not an IPv4 or IPv6 address", s);
	}
	len = v4 ? 32 : 128;
	if (slash && fl_parse_u64(slash + 1, 0, v4 ? 32 : 128, &len, NULL))
		return fail(err, "bad CIDR '%s': the prefix length is out of range", s);
	*plen = len + (v4 ? 96 : 0);
	/* Host bits set below the prefix usually mean a typo: refuse them. */
	for (unsigned int bit = *plen; bit < 128; bit++)
		if (addr[bit / 8] & (0x80 >> (bit % 8)))
			return fail(err, "bad CIDR '%s': address has bits set beyond the prefix", s);
	return 0;
}

static const struct { const char *name; int num; } errnos[] = {
	{ "EPERM", EPERM }, { "ENOENT", ENOENT }, { "ESRCH", ESRCH }, { "EINTR", EINTR },
	{ "EIO", EIO }, { "ENXIO", ENXIO }, { "E2BIG", E2BIG }, { "EBADF", EBADF },
	{ "ECHILD", ECHILD }, { "EAGAIN", EAGAIN }, { "EWOULDBLOCK", EWOULDBLOCK },
	{ "ENOMEM", ENOMEM }, { "EACCES", EACCES }, { "EFAULT", EFAULT }, { "EBUSY", EBUSY },
	{ "EEXIST", EEXIST }, { "EXDEV", EXDEV }, { "ENODEV", ENODEV }, { "ENOTDIR", ENOTDIR },
	{ "EISDIR", EISDIR }, { "EINVAL", EINVAL }, { "ENFILE", ENFILE }, { "EMFILE", EMFILE },
	{ "ETXTBSY", ETXTBSY }, { "EFBIG", EFBIG }, { "ENOSPC", ENOSPC }, { "ESPIPE", ESPIPE },
	{ "EROFS", EROFS }, { "EMLINK", EMLINK }, { "EPIPE", EPIPE }, { "EDOM", EDOM },
	{ "ERANGE", ERANGE }, { "EDEADLK", EDEADLK }, { "ENAMETOOLONG", ENAMETOOLONG },
	{ "ENOLCK", ENOLCK }, { "ENOSYS", ENOSYS }, { "ENOTEMPTY", ENOTEMPTY }, { "ELOOP", ELOOP },
	{ "ENODATA", ENODATA }, { "ETIME", ETIME }, { "ENOSR", ENOSR }, { "ENOLINK", ENOLINK },
	{ "EPROTO", EPROTO }, { "EOVERFLOW", EOVERFLOW }, { "EILSEQ", EILSEQ },
	{ "ENOTSOCK", ENOTSOCK }, { "EDESTADDRREQ", EDESTADDRREQ }, { "EMSGSIZE", EMSGSIZE },
	{ "EPROTOTYPE", EPROTOTYPE }, { "ENOPROTOOPT", ENOPROTOOPT },
	{ "EPROTONOSUPPORT", EPROTONOSUPPORT }, { "EOPNOTSUPP", EOPNOTSUPP },
	{ "EAFNOSUPPORT", EAFNOSUPPORT }, { "EADDRINUSE", EADDRINUSE },
	{ "EADDRNOTAVAIL", EADDRNOTAVAIL }, { "ENETDOWN", ENETDOWN },
	{ "ENETUNREACH", ENETUNREACH }, { "ENETRESET", ENETRESET },
	{ "ECONNABORTED", ECONNABORTED }, { "ECONNRESET", ECONNRESET }, { "ENOBUFS", ENOBUFS },
	{ "EISCONN", EISCONN }, { "ENOTCONN", ENOTCONN }, { "ETIMEDOUT", ETIMEDOUT },
	{ "ECONNREFUSED", ECONNREFUSED }, { "EHOSTDOWN", EHOSTDOWN },
	{ "EHOSTUNREACH", EHOSTUNREACH }, { "EALREADY", EALREADY },
	{ "EINPROGRESS", EINPROGRESS }, { "ESTALE", ESTALE }, { "EDQUOT", EDQUOT },
	{ "ECANCELED", ECANCELED }, { "EOWNERDEAD", EOWNERDEAD },
	{ "ENOTRECOVERABLE", ENOTRECOVERABLE },
};

int fl_parse_errno(const char *s, int *errnum, char *err)
{
	__u64 v;
	size_t i;

	if (s && isdigit((unsigned char)*s)) {
		if (fl_parse_u64(s, 1, 4095, &v, NULL))
			return fail(err, "errno %s is outside 1..4095", s);
		*errnum = v;
		return 0;
	}
	for (i = 0; s && i < sizeof(errnos) / sizeof(errnos[0]); i++) {
		if (!strcasecmp(s, errnos[i].name)) {
			*errnum = errnos[i].num;
			return 0;
		}
	}
	return fail(err, "unknown errno '%s': use a name such as ECONNREFUSED or a number", s ? s : "");
}

void fl_fmt_cidr(const __u8 addr[16], __u8 plen, char *buf, size_t size)
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };
	bool v4 = plen >= 96 && !memcmp(addr, mapped, 12);
	char a[INET6_ADDRSTRLEN];

	if (!plen || !inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? addr + 12 : addr, a, sizeof(a))) {
		snprintf(buf, size, "any");
		return;
	}
	snprintf(buf, size, "%s/%u", a, plen - (v4 ? 96 : 0));
}

void fl_fmt_errno(int errnum, char *buf, size_t size)
{
	const char *name = strerrorname_np(errnum);

	if (name)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "%d", errnum);
}

/* "1h30m", "1m30s", "1.5s", "250ms", "40us": the forms fl_parse_duration reads back. */
void fl_fmt_duration(__u64 ns, char *buf, size_t size)
{
	__u64 h = ns / (3600 * NSEC_PER_SEC), m = ns / (60 * NSEC_PER_SEC) % 60;
	__u64 rest = ns % (60 * NSEC_PER_SEC);
	size_t n = 0;

	if (ns < NSEC_PER_MSEC) {
		/* Nothing left reads "0s", wherever it is shown. */
		snprintf(buf, size, ns < 1000 ? "0s" : "%lluus", (unsigned long long)(ns / 1000));
		return;
	}
	if (ns < NSEC_PER_SEC) {
		snprintf(buf, size, "%.3gms", ns / 1e6);
		return;
	}
	buf[0] = '\0';
	if (h)
		n += snprintf(buf + n, size - n, "%lluh", (unsigned long long)h);
	if (m && n < size)
		n += snprintf(buf + n, size - n, "%llum", (unsigned long long)m);
	if (rest && n < size)
		snprintf(buf + n, size - n, "%.6gs", rest / 1e9);
	else if (!h && !m)
		snprintf(buf, size, "0s");
}

int fl_duration_cap(__u64 *cap, char *err)
{
	const char *env = getenv("FAULTLINE_MAX_DURATION");
	char why[FL_ERRLEN];

	*cap = FL_DEFAULT_CAP_NS;
	if (!env || !*env)
		return 0;
	if (fl_parse_duration(env, cap, why)) {
		snprintf(err, FL_ERRLEN, "FAULTLINE_MAX_DURATION: %s", why);
		return -EINVAL;
	}
	if (!*cap || *cap > FL_MAX_CAP_NS) {
		snprintf(err, FL_ERRLEN, "FAULTLINE_MAX_DURATION=%s: give more than 0 and at most 24h", env);
		return -EINVAL;
	}
	return 0;
}

int fl_check_duration(__u64 ns, __u64 cap, char *err)
{
	char d[32], c[32];

	if (ns <= cap)
		return 0;
	fl_fmt_duration(ns, d, sizeof(d));
	fl_fmt_duration(cap, c, sizeof(c));
	snprintf(err, FL_ERRLEN, "duration %s is over the cap of %s (FAULTLINE_MAX_DURATION raises it, up to 24h)", d, c);
	return -EINVAL;
}
