// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Kill-switch latency: from the write that halts every program to the last
 * injected call. The real connect4 program of sys.bpf.c is attached to this
 * process's cgroup and fails every UDP connect(); we bump the generation and
 * time how long until a connect() succeeds again.
 *
 * The map is a private copy of fl_control (pin path cleared): bumping the
 * host's pinned one would stop every other experiment on the machine. The
 * mechanism is the same one write; bench/run.sh times the real `faultline
 * stop --all` separately, end to end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ctl.h"
#include "bench.h"
#include "faultline.h"
#include "sysfs.h"
#include "sys.skel.h"

#define MAX_PROBES 1000000	/* bounds each wait; a connect() is ~1 us */

static int probe_connect(int fd)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

/* What `stop --all` does first, on the bench's private map. */
static void kill_switch_write(struct sys_bpf *s, __u64 generation)
{
	struct fl_control c = { .generation = generation };
	__u32 k = 0;

	if (bpf_map__update_elem(s->maps.fl_control, &k, 4, &c, sizeof(c), 0))
		bench_die("cannot write the kill switch: %s", strerror(errno));
}

/* sys.bpf.c with only fl_connect4 loaded, targeting cgid/level, its maps private. */
static struct sys_bpf *load_connect4(__u64 cgid, int level)
{
	struct bpf_program *p;
	struct sys_bpf *s = sys_bpf__open();

	if (!s)
		bench_die("cannot open the sys object: %s", strerror(errno));
	fl_obj_private(s->obj);
	s->rodata->targ_cgid = cgid;
	s->rodata->targ_level = level;
	s->rodata->targ_set_retval = true;
	bpf_object__for_each_program(p, s->obj)
		bpf_program__set_autoload(p, p == s->progs.fl_connect4);
	if (sys_bpf__load(s))
		bench_die("cannot load fl_connect4: %s", strerror(errno));
	return s;
}

static struct sys_bpf *attach_connect(__u64 cgid, int level, const char *cgpath)
{
	struct fl_sys_rule r = { .prob = FL_PROB_ONE, .calls = FL_SYS_CONNECT,
				 .errnum = ECONNREFUSED };
	struct sys_bpf *s = load_connect4(cgid, level);
	int cg;
	__u32 k = 0;

	r.deadline_ns = bench_now_ns() + 600ULL * 1000000000ULL;
	if (bpf_map__update_elem(s->maps.fl_sys_rule, &k, 4, &r, sizeof(r), 0))
		bench_die("cannot write the rule: %s", strerror(errno));
	cg = open(cgpath, O_RDONLY | O_DIRECTORY);
	if (cg < 0 || !bpf_program__attach_cgroup(s->progs.fl_connect4, cg))
		bench_die("cannot attach connect4 to %s: %s", cgpath, strerror(errno));
	return s;
}

/* ns from the write until connect() succeeds; -1 if it never did. */
static double one_trial(struct sys_bpf *s, int fd, __u64 gen)
{
	uint64_t t0;

	kill_switch_write(s, 0);	/* re-arm: the object was loaded at 0 */
	if (probe_connect(fd) == 0 || errno != ECONNREFUSED)
		bench_die("connect() was not being failed before the switch: %s", strerror(errno));
	t0 = bench_now_ns();
	kill_switch_write(s, gen);
	for (long i = 0; i < MAX_PROBES; i++)
		if (probe_connect(fd) == 0)
			return (double)(bench_now_ns() - t0);
	return -1;
}

int cmd_killswitch(int argc, char **argv)
{
	int n = argc >= 1 ? atoi(argv[0]) : 20, fd, level;
	char cgpath[4096], buf[4096], *rel;
	double worst = 0, sum = 0;
	uint64_t cgid;

	if (n <= 0 || n > 10000 || bench_own_cgroup(&cgid, &level) || level == 0)
		bench_die("usage: killswitch N (run inside a non-root cgroup v2)");
	if (fl_read_file("/proc/self/cgroup", buf, sizeof(buf)) < 0 || !(rel = strstr(buf, "0::")))
		bench_die("cannot read /proc/self/cgroup");
	rel[strcspn(rel, "\n")] = '\0';
	snprintf(cgpath, sizeof(cgpath), "%s%s", fl_cgroup2_root(), rel + 3);
	struct sys_bpf *s = attach_connect(cgid, level, cgpath);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	for (int i = 0; i < n; i++) {
		double ns = one_trial(s, fd, i + 1);

		if (ns < 0)
			bench_die("connect() still failed %d probes after the switch", MAX_PROBES);
		sum += ns;
		worst = ns > worst ? ns : worst;
	}
	printf("{\"method\":\"private fl_control map write (bpf_map_update_elem)\",\"trials\":%d,"
	       "\"mean_us\":%.2f,\"max_us\":%.2f}\n", n, sum / n / 1e3, worst / 1e3);
	sys_bpf__destroy(s);
	return 0;
}
