// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fl_bench: small measuring tools for bench/run.sh. Each subcommand prints
 * one JSON object on stdout and explains failures on stderr (exit 1).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench.h"
#include "sysfs.h"
#include "target.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void bench_die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "fl_bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int json_items;

void bench_json_sep(void)
{
	if (json_items++)
		putchar(',');
}

/* This process's cgroup v2 directory: its id and depth below the root. */
int bench_own_cgroup(uint64_t *cgid, int *level)
{
	const char *root = fl_cgroup2_root();
	char buf[4096], path[4096 + 256], *rel;

	if (!root || fl_read_file("/proc/self/cgroup", buf, sizeof(buf)) < 0)
		return -ENOENT;
	rel = strstr(buf, "0::");
	if (!rel)
		return -ENOENT;
	rel += 3;
	rel[strcspn(rel, "\n")] = '\0';
	*level = 0;
	for (const char *p = rel; *p; p++)
		*level += *p == '/' && p[1];
	snprintf(path, sizeof(path), "%s%s", root, strcmp(rel, "/") ? rel : "");
	return fl_cgroup_id(path, cgid);
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
} cmds[] = {
	{ "progs", cmd_progs, "[draw]: per-event cost of each program (or the draw alone) vs an empty one (test run)" },
	{ "hold-empty", cmd_hold_empty, "CGROUP_DIR [connect4]: empty programs attached until SIGINT" },
	{ "killswitch", cmd_killswitch, "N: latency from a kill-switch write to the last injection" },
	{ "sysloop", cmd_sysloop, "getpid|openclose|connect N [--seccomp]: ns per call" },
	{ "rr-server", cmd_rr_server, "PORT: 1-byte TCP request/response server" },
	{ "rr-client", cmd_rr_client, "HOST PORT SECONDS: TCP transactions per second" },
	{ "udp-sink", cmd_udp_sink, "PORT IDLE_MS MAX_S: count datagrams" },
	{ "udp-blast", cmd_udp_blast, "HOST PORT COUNT PPS: paced datagrams" },
	{ "timecalls", cmd_timecalls, "fsync|getpid N: each call timed, percentiles in us" },
	{ "until", cmd_until, "PATTERN TIMEOUT_S LOG -- CMD...: ms until CMD's stderr shows PATTERN" },
};

int main(int argc, char **argv)
{
	if (argc >= 2)
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (!strcmp(argv[1], cmds[i].name))
				return cmds[i].fn(argc - 2, argv + 2);
	fprintf(stderr, "usage: fl_bench COMMAND ARGS (run by bench/run.sh)\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(stderr, "  %-11s %s\n", cmds[i].name, cmds[i].usage);
	return 2;
}
