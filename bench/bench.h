/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* fl_bench: the measuring half of `make bench` (bench/run.sh drives it). */
#ifndef FL_BENCH_H
#define FL_BENCH_H

#include <stdbool.h>
#include <stdint.h>

uint64_t bench_now_ns(void);
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Prints "," before every JSON array element but the first. */
void bench_json_sep(void);
int bench_own_cgroup(uint64_t *cgid, int *level);

int cmd_progs(int argc, char **argv);
int cmd_hold_empty(int argc, char **argv);
int cmd_killswitch(int argc, char **argv);
int cmd_sysloop(int argc, char **argv);
int cmd_rr_server(int argc, char **argv);
int cmd_rr_client(int argc, char **argv);
int cmd_udp_sink(int argc, char **argv);
int cmd_udp_blast(int argc, char **argv);
int cmd_until(int argc, char **argv);
int cmd_timecalls(int argc, char **argv);

#endif
