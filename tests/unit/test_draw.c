// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The seeded draw (include/faultline.h) as user space builds it, which is
 * the code the BPF programs build too: rates within 6 sigma of p on 10^5
 * draws, seeds, faults and streams independent of each other, jitter
 * uniform and in bounds, and known answers, so that a change to the
 * generator, which would make old seeds replay other runs, cannot pass
 * unnoticed. test_sys_bpf.c and test_net_bpf.c check that the kernel
 * decides what these functions say.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "experiment.h"	/* FL_SEED_MAX; faultline.h */

#define DRAWS	100000

static __u64 prob_of(double p)
{
	return (__u64)llround(p * (double)FL_PROB_ONE);
}

/* |k - n p| in standard deviations of a binomial(n, p). */
static double sigmas(double k, double n, double p)
{
	return fabs(k - n * p) / sqrt(n * p * (1 - p));
}

static unsigned int hits(__u64 seed, __u32 fault, double p, __u64 first, unsigned int count)
{
	__u64 t = prob_of(p);
	unsigned int k = 0;

	for (__u64 n = first; n < first + count; n++)
		k += fl_draw_hit(seed, fault, n, t);
	return k;
}

/* 10^5 draws at each p land within 6 sigma of it, for several seeds and faults. */
static void rate_within_6_sigma(void **state)
{
	const double ps[] = { 0.001, 0.05, 0.3, 0.5, 0.75, 0.999 };
	const __u64 seeds[] = { 0, 1, 42, FL_SEED_MAX };

	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
		for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
			unsigned int k = hits(seeds[s], s, ps[i], 1, DRAWS);
			double d = sigmas(k, DRAWS, ps[i]);

			if (d >= 6)
				fail_msg("seed %llu p=%g: %u of %d (%.2f sigma)",
					 (unsigned long long)seeds[s], ps[i], k, DRAWS, d);
		}
	assert_int_equal(hits(42, 0, 0, 1, DRAWS), 0);
	assert_int_equal(hits(42, 0, 1, 1, DRAWS), DRAWS);	/* FL_PROB_ONE: always */
}

/* Event n+1 knows nothing of event n: pairs hit at p^2. */
static void consecutive_events_independent(void **state)
{
	__u64 t = prob_of(0.3);
	unsigned int both = 0;

	for (__u64 n = 1; n <= DRAWS; n++)
		both += fl_draw_hit(7, 0, n, t) && fl_draw_hit(7, 0, n + 1, t);
	assert_true(sigmas(both, DRAWS, 0.09) < 6);
}

/*
 * A replay is the same function called again; another seed or another
 * fault of the same experiment agrees with it no more than chance does
 * (p^2 + (1-p)^2 of the events), so it is a different sequence.
 */
static unsigned int agree(__u64 s1, __u32 f1, __u64 s2, __u32 f2, __u64 t)
{
	unsigned int k = 0;

	for (__u64 n = 1; n <= DRAWS; n++)
		k += fl_draw_hit(s1, f1, n, t) == fl_draw_hit(s2, f2, n, t);
	return k;
}

static void seeds_and_faults_differ(void **state)
{
	__u64 t = prob_of(0.3);
	const double chance = 0.3 * 0.3 + 0.7 * 0.7;

	assert_int_equal(agree(42, 0, 42, 0, t), DRAWS);
	assert_true(sigmas(agree(42, 0, 43, 0, t), DRAWS, chance) < 6);
	assert_true(sigmas(agree(0, 0, 1, 0, t), DRAWS, chance) < 6);
	assert_true(sigmas(agree(42, 0, 42, 1, t), DRAWS, chance) < 6);
	/* Seed and fault do not trade: (1, 0) is not (0, 1). */
	assert_true(sigmas(agree(1, 0, 0, 1, t), DRAWS, chance) < 6);
	/* No two of 100 seeds give the same first 64 decisions. */
	for (__u64 a = 0; a < 100; a++)
		for (__u64 b = 0; b < a; b++) {
			unsigned int same = 0;

			for (__u64 n = 1; n <= 64; n++)
				same += fl_draw_hit(a, 0, n, t) == fl_draw_hit(b, 0, n, t);
			assert_true(same < 64);
		}
}

/* The jitter stream is not the chance stream: a delay's offset says nothing of the drop. */
static void streams_independent(void **state)
{
	__u64 t = prob_of(0.5);
	unsigned int k = 0;

	for (__u64 n = 1; n <= DRAWS; n++)
		k += fl_draw_hit(42, 0, n, t) == (int)(fl_draw(42, 0, FL_DRAW_JITTER, n) >> 63);
	assert_true(sigmas(k, DRAWS, 0.5) < 6);
}

/* Uniform over [d - j, d + j], both ends reached, at 1 ms and at the 60 s cap. */
static void jitter_uniform_in_bounds(void **state)
{
	const __u64 cases[][2] = { { 10000000, 1000000 }, { 60000000000ULL, 60000000000ULL } };

	for (size_t c = 0; c < 2; c++) {
		__u64 d = cases[c][0], j = cases[c][1], lo = UINT64_MAX, hi = 0;
		double sum = 0, sd = j / sqrt(3.0);

		for (__u64 n = 1; n <= DRAWS; n++) {
			__u64 v = fl_draw_delay(9, 2, n, d, j);

			assert_true(v + j >= d && v <= d + j);
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
			sum += (double)v - (double)d;
		}
		/* The mean of 10^5 uniforms is within 6 sigma of d. */
		assert_true(fabs(sum / DRAWS) < 6 * sd / sqrt(DRAWS));
		assert_true(lo < d - j + j / 100 && hi > d + j - j / 100);
	}
	assert_int_equal(fl_draw_delay(9, 2, 5, 1000, 0), 1000);
}

/*
 * Known answers. fl_mix64 is SplitMix64's finalizer: seeded with 0, its
 * first output is mix(gamma), 0xe220a8397b1dcdaf in every published
 * implementation. The draws were computed apart, by a few lines of Python
 * over the formula in faultline.h: a change here breaks every recorded seed.
 */
static void known_answers(void **state)
{
	assert_true(fl_mix64(FL_DRAW_GAMMA) == 0xe220a8397b1dcdafULL);
	assert_true(fl_draw(42, 0, FL_DRAW_CHANCE, 1) == 0xdd50c6ba85c910a0ULL);
	assert_true(fl_draw(42, 0, FL_DRAW_CHANCE, 2) == 0xe7af38e28e716ba8ULL);
	assert_true(fl_draw(42, 0, FL_DRAW_JITTER, 1) == 0x41cfc1630adfef03ULL);
	assert_true(fl_draw(0, 0, FL_DRAW_CHANCE, 0) == 0xfe97d15c38fb8cc5ULL);
	assert_true(fl_draw(42, 3, FL_DRAW_CHANCE, 1000000) == 0xb7a17de8dc86510fULL);
	assert_true(fl_draw(FL_SEED_MAX, 7, FL_DRAW_CHANCE, 1) == 0xc631ee0795549ea0ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rate_within_6_sigma),
		cmocka_unit_test(consecutive_events_independent),
		cmocka_unit_test(seeds_and_faults_differ),
		cmocka_unit_test(streams_independent),
		cmocka_unit_test(jitter_uniform_in_bounds),
		cmocka_unit_test(known_answers),
	};

	return cmocka_run_group_tests_name("draw", tests, NULL, NULL);
}
