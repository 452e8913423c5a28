// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * timecalls: each of N calls timed alone, for the precision of a syscall
 * delay (faultline exec --sys delay vs strace's delay_enter): the
 * percentiles of the time each call took, in microseconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "bench.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct_us(const uint64_t *v, long n, int p)
{
	long i = n * p / 100;

	return (i >= n ? v[n - 1] : v[i]) / 1e3;
}

int cmd_timecalls(int argc, char **argv)
{
	long n = argc >= 2 ? atol(argv[1]) : 0;
	bool fsync_call = argc >= 1 && !strcmp(argv[0], "fsync");
	char path[] = "/tmp/fl_bench.timecalls.XXXXXX";
	uint64_t *ns;
	int fd;

	if ((!fsync_call && (argc < 1 || strcmp(argv[0], "getpid"))) || n <= 0 || n > 10000000)
		bench_die("usage: timecalls fsync|getpid N");
	ns = calloc(n, sizeof(*ns));
	fd = mkstemp(path);
	if (!ns || fd < 0)
		bench_die("cannot set up: %s", strerror(errno));
	unlink(path);
	for (long i = 0; i < n; i++) {
		uint64_t t0 = bench_now_ns();

		if (fsync_call ? fsync(fd) : syscall(SYS_getpid) < 0)
			bench_die("%s: %s", argv[0], strerror(errno));
		ns[i] = bench_now_ns() - t0;
	}
	qsort(ns, n, sizeof(*ns), cmp_u64);
	printf("{\"call\":\"%s\",\"calls\":%ld,\"min_us\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,"
	       "\"max_us\":%.1f}\n", argv[0], n, ns[0] / 1e3, pct_us(ns, n, 50), pct_us(ns, n, 99),
	       ns[n - 1] / 1e3);
	free(ns);
	close(fd);
	return 0;
}
