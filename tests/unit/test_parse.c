// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What users type: durations, probabilities, ports, CIDRs, errnos. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "parse.h"

static void durations(void **state)
{
	char err[FL_ERRLEN];
	__u64 ns;

	assert_int_equal(fl_parse_duration("50ms", &ns, err), 0);
	assert_int_equal(ns, 50000000ULL);
	assert_int_equal(fl_parse_duration("1.5s", &ns, err), 0);
	assert_int_equal(ns, 1500000000ULL);
	assert_int_equal(fl_parse_duration("10m", &ns, err), 0);
	assert_int_equal(ns, 600000000000ULL);
	assert_int_equal(fl_parse_duration("2h", &ns, err), 0);
	assert_int_equal(ns, 7200000000000ULL);
	assert_int_equal(fl_parse_duration("0ms", &ns, err), 0);
	assert_int_equal(ns, 0);
	/* Compound forms, and the documented microseconds. */
	assert_int_equal(fl_parse_duration("1m30s", &ns, err), 0);
	assert_int_equal(ns, 90000000000ULL);
	assert_int_equal(fl_parse_duration("1h0m1.5s", &ns, err), 0);
	assert_int_equal(ns, 3601500000000ULL);
	assert_int_equal(fl_parse_duration("250us", &ns, err), 0);
	assert_int_equal(ns, 250000ULL);
}

/* What is printed reads back: "1h1s", not 3.6e+03s. */
static void durations_print_back(void **state)
{
	static const __u64 cases[] = { 3601000000000ULL, 90000000000ULL, 1500000000ULL, 250000000ULL,
				       3600000000000ULL, 86400000000000ULL, 40000ULL, 61250000000ULL };
	char buf[32], err[FL_ERRLEN];
	__u64 back;

	fl_fmt_duration(3601000000000ULL, buf, sizeof(buf));
	assert_string_equal(buf, "1h1s");
	fl_fmt_duration(90000000000ULL, buf, sizeof(buf));
	assert_string_equal(buf, "1m30s");
	/* Nothing left is "0s" everywhere, never "0us" in one place and "0.0s" in another. */
	fl_fmt_duration(0, buf, sizeof(buf));
	assert_string_equal(buf, "0s");
	fl_fmt_duration(999, buf, sizeof(buf));
	assert_string_equal(buf, "0s");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fl_fmt_duration(cases[i], buf, sizeof(buf));
		assert_int_equal(fl_parse_duration(buf, &back, err), 0);
		assert_int_equal(back, cases[i]);
	}
}

static void bad_durations(void **state)
{
	const char *bad[] = { "", "50", "ms", "-1s", "1.5", "5 s", "5sec", "1e400s", "nanms", " 5s", "+5s",
			      "0x10s", "1E-9s", "1m30", "1.s5", NULL };
	char err[FL_ERRLEN];
	__u64 ns = 42;

	for (int i = 0; bad[i]; i++) {
		err[0] = '\0';
		assert_int_equal(fl_parse_duration(bad[i], &ns, err), -EINVAL);
		assert_true(strlen(err) > 0);
	}
	assert_int_equal(ns, 42);	/* untouched on error */
}

static void probabilities(void **state)
{
	char err[FL_ERRLEN];
	__u64 t;

	assert_int_equal(fl_parse_probability("1", &t, err), 0);
	assert_int_equal(t, 1ULL << 32);
	assert_int_equal(fl_parse_probability("0", &t, err), 0);
	assert_int_equal(t, 0);
	/* The sign-extension trap: 0.75 must stay 75%, never wrap to 100%. */
	assert_int_equal(fl_parse_probability("0.75", &t, err), 0);
	assert_int_equal(t, 3ULL << 30);
	assert_int_equal(fl_parse_probability("30%", &t, err), 0);
	assert_int_equal(t, (__u64)(0.3 * 4294967296.0 + 0.5));
	assert_int_equal(fl_parse_probability("100%", &t, err), 0);
	assert_int_equal(t, 1ULL << 32);
	assert_int_equal(fl_parse_probability("0.5", &t, err), 0);
	assert_int_equal(t, 1ULL << 31);
}

static void bad_probabilities(void **state)
{
	const char *bad[] = { "", "1.01", "-0.1", "101%", "abc", "0.5x", "50 %", "nan", "inf", NULL };
	char err[FL_ERRLEN];
	__u64 t;

	for (int i = 0; bad[i]; i++)
		assert_int_equal(fl_parse_probability(bad[i], &t, err), -EINVAL);
}

static void ports(void **state)
{
	char err[FL_ERRLEN];
	__u16 lo, hi;

	assert_int_equal(fl_parse_port_range("53", &lo, &hi, err), 0);
	assert_int_equal(lo, 53);
	assert_int_equal(hi, 53);
	assert_int_equal(fl_parse_port_range("8000-8100", &lo, &hi, err), 0);
	assert_int_equal(lo, 8000);
	assert_int_equal(hi, 8100);
	assert_int_equal(fl_parse_port_range("65535", &lo, &hi, err), 0);
	const char *bad[] = { "0", "65536", "100-50", "a", "1-", "-1", "1-2-3", "", " 80", NULL };
	for (int i = 0; bad[i]; i++)
		assert_int_equal(fl_parse_port_range(bad[i], &lo, &hi, err), -EINVAL);
}

static void cidrs(void **state)
{
	static const __u8 v4[16] = { [10] = 0xff, [11] = 0xff, [12] = 10 };
	static const __u8 v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	char err[FL_ERRLEN];
	__u8 a[16], plen;

	assert_int_equal(fl_parse_cidr("10.0.0.0/8", a, &plen, err), 0);
	assert_int_equal(plen, 104);
	assert_memory_equal(a, v4, 16);
	assert_int_equal(fl_parse_cidr("2001:db8::/32", a, &plen, err), 0);
	assert_int_equal(plen, 32);
	assert_memory_equal(a, v6, 16);
	assert_int_equal(fl_parse_cidr("127.0.0.1", a, &plen, err), 0);
	assert_int_equal(plen, 128);
	assert_int_equal(fl_parse_cidr("::1", a, &plen, err), 0);
	assert_int_equal(plen, 128);
	assert_int_equal(fl_parse_cidr("0.0.0.0/0", a, &plen, err), 0);
	assert_int_equal(plen, 96);
	const char *bad[] = { "10.0.0.0/33", "10.0.0.1/8", "300.1.1.1", "2001:db8::/129",
			      "10.0.0.0/", "10.0.0.0/x", "", "fe80::1/10", NULL };
	for (int i = 0; bad[i]; i++)
		assert_int_equal(fl_parse_cidr(bad[i], a, &plen, err), -EINVAL);
}

static void errnos(void **state)
{
	char err[FL_ERRLEN];
	int e;

	assert_int_equal(fl_parse_errno("ECONNREFUSED", &e, err), 0);
	assert_int_equal(e, ECONNREFUSED);
	assert_int_equal(fl_parse_errno("enospc", &e, err), 0);
	assert_int_equal(e, ENOSPC);
	assert_int_equal(fl_parse_errno("5", &e, err), 0);
	assert_int_equal(e, 5);
	assert_int_equal(fl_parse_errno("EBOGUS", &e, err), -EINVAL);
	assert_int_equal(fl_parse_errno("0", &e, err), -EINVAL);
	assert_int_equal(fl_parse_errno("4096", &e, err), -EINVAL);
}

static void format_durations(void **state)
{
	char b[32];

	fl_fmt_duration(50000000ULL, b, sizeof(b));
	assert_string_equal(b, "50ms");
	fl_fmt_duration(1500000000ULL, b, sizeof(b));
	assert_string_equal(b, "1.5s");
	fl_fmt_duration(600000000000ULL, b, sizeof(b));
	assert_string_equal(b, "10m");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(durations),
		cmocka_unit_test(bad_durations),
		cmocka_unit_test(durations_print_back),
		cmocka_unit_test(probabilities),
		cmocka_unit_test(bad_probabilities),
		cmocka_unit_test(ports),
		cmocka_unit_test(cidrs),
		cmocka_unit_test(errnos),
		cmocka_unit_test(format_durations),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
