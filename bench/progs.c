// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-event cost of faultline's data-plane programs through
 * BPF_PROG_TEST_RUN, each as a ratio to an empty program of its hook type
 * (bench/empty.bpf.c) measured in the same round, so the two see the same
 * machine load. Prints one JSON object on stdout.
 *
 * Every object gets a private kill switch (pin path cleared), so the host's
 * pinned fl_control, which other experiments may be using, is never touched.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#define FL_PKT_PAYLOAD 18
#include "ctl.h"
#include "../tests/unit/pkt.h"
#include "bench.h"
#include "faultline.h"
#include "net.skel.h"
#include "tests/sys_test.skel.h"	/* the test object: $(OUTPUT)/tests, built by `make unit` */
#include "empty.skel.h"

#define ROUNDS		7
#define REPEAT		200000
#define SYS_CALLS	200000	/* syscall programs cannot repeat: one bpf() each */
#define PORT_HIT	9
#define PORT_MISS	10

/* Both ports alike: the rule's peer port and the learned local port then
 * match in either direction. */
static struct pkt4 udp4(int port)
{
	return fl_udp4("10.77.0.1", "10.77.0.2", port, port);
}

/* Wall-clock ns per run of one test-run call with `repeat`, and its retval. */
static double run_skb(int fd, int dport, __u32 *retval)
{
	struct pkt4 p = udp4(dport);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = &p, .data_size_in = sizeof(p),
		    .repeat = REPEAT);
	uint64_t t0 = bench_now_ns();

	if (bpf_prog_test_run_opts(fd, &o))
		bench_die("test run of program fd %d failed: %s", fd, strerror(errno));
	if (retval)
		*retval = o.retval;
	return (double)(bench_now_ns() - t0) / REPEAT;
}

/* Syscall programs refuse `repeat`: time a loop of single runs instead. */
static double run_sys(int fd, __u32 call, __u32 *retval)
{
	struct fl_sys_test_ctx ctx = { .call = call };
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));
	uint64_t t0 = bench_now_ns();

	for (int i = 0; i < SYS_CALLS; i++)
		if (bpf_prog_test_run_opts(fd, &o))
			bench_die("test run of syscall program failed: %s", strerror(errno));
	if (retval)
		*retval = o.retval;
	return (double)(bench_now_ns() - t0) / SYS_CALLS;
}

struct measure {
	int fd, base_fd;	/* program and its empty baseline */
	bool sys;		/* syscall type: no repeat */
	int dport;		/* packet's destination port (skb programs) */
	__u32 call;		/* fl_sys_call bit (syscall programs) */
};

static double run_one(const struct measure *m, int fd, __u32 *retval)
{
	return m->sys ? run_sys(fd, m->call, retval) : run_skb(fd, m->dport, retval);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Alternate program and baseline ROUNDS times; the minimum of each is the
 * cost least disturbed by the other tenants of the machine, the median is
 * printed beside it to show the spread.
 */
static void measure(const char *prog, const char *hook, const char *scase, const char *extra,
		    const struct measure *m)
{
	double p[ROUNDS], b[ROUNDS];
	__u32 ret = 0;

	for (int i = 0; i < ROUNDS; i++) {
		b[i] = run_one(m, m->base_fd, NULL);
		p[i] = run_one(m, m->fd, &ret);
	}
	qsort(p, ROUNDS, sizeof(double), cmp_double);
	qsort(b, ROUNDS, sizeof(double), cmp_double);
	bench_json_sep();
	printf("{\"program\":\"%s\",\"hook\":\"%s\",\"case\":\"%s\",%s"
	       "\"ns\":%.2f,\"ns_median\":%.2f,\"empty_ns\":%.2f,\"empty_ns_median\":%.2f,"
	       "\"ratio\":%.3f,\"extra_ns\":%.2f,\"retval\":%d,\"source\":\"host\"}",
	       prog, hook, scase, extra ? extra : "", p[0], p[ROUNDS / 2], b[0], b[ROUNDS / 2],
	       p[0] / b[0], p[0] - b[0], (int)ret);
}

static uint64_t hour_from_now(void)
{
	return bench_now_ns() + 3600ULL * 1000000000ULL;
}

/* The object's one rule: PORT_HIT, both directions. */
static void set_net_rule(struct net_bpf *s, __u32 action, __u64 prob)
{
	struct fl_net_rule r = {
		.deadline_ns = hour_from_now(), .prob = prob, .action = action,
		.dir = FL_DIR_EGRESS | FL_DIR_INGRESS, .proto = FL_PROTO_UDP,
		.delay_ns = 10000000, .port_lo = PORT_HIT, .port_hi = PORT_HIT,
	};
	__u32 k = 0;

	if (bpf_map__update_elem(s->maps.fl_net_rule, &k, 4, &r, sizeof(r), 0))
		bench_die("cannot write the rule: %s", strerror(errno));
}

/*
 * tc egress matches the socket's cgroup at the target's level. A test-run
 * skb's socket sits in the cgroup of the task that runs it (sk_alloc()ed
 * since Linux 5.15, commit 435b08ec0094): targeting our own cgroup makes
 * every test-run packet the target's, any other id none.
 */
static struct net_bpf *load_net(uint64_t cgid, int level)
{
	struct net_bpf *s = net_bpf__open();

	if (!s)
		bench_die("cannot open the net object: %s", strerror(errno));
	fl_obj_private(s->obj);
	s->rodata->targ_cgid = cgid;
	s->rodata->targ_level = level;
	s->rodata->ifb_ifindex = 1;	/* any: test runs never redirect */
	if (net_bpf__load(s))
		bench_die("cannot load the net object (root needed): %s", strerror(errno));
	return s;
}

/* The port the tc ingress program learns the target receives on. */
static void learn_port(struct net_bpf *s, int port)
{
	struct fl_port_key k = { .lport = port, .proto = FL_PROTO_UDP };
	__u64 cgid = 1;

	if (bpf_map__update_elem(s->maps.fl_net_tports, &k, sizeof(k), &cgid, sizeof(cgid), 0))
		bench_die("cannot write fl_net_tports: %s", strerror(errno));
}

struct skb_case {
	const char *name;
	int dport;
	__u64 prob;
};

/*
 * Ingress drop is cgroup_skb: the attachment is the target match, so
 * "untargeted" is a packet of another cgroup, which never runs the program
 * (see traffic). Egress drop is tc, on every device of the target's
 * namespace: untargeted is another cgroup's packet, which runs the target
 * check and no further.
 */
static const struct skb_case drop_cases[] = {
	{ "targeted_filter_miss", PORT_MISS, FL_PROB_ONE },
	{ "targeted_passed", PORT_HIT, 0 },
	{ "targeted_injected", PORT_HIT, FL_PROB_ONE },
};

static void bench_drop(struct empty_bpf *e, uint64_t cgid, int level)
{
	struct net_bpf *s = load_net(cgid, level), *other = load_net(cgid ^ 0x5a5a5a5aULL, level);
	struct measure m = { .base_fd = bpf_program__fd(e->progs.empty_tc), .dport = PORT_HIT };

	set_net_rule(other, FL_ACT_DROP, FL_PROB_ONE);
	m.fd = bpf_program__fd(other->progs.fl_tc_drop);
	measure("fl_tc_drop", "tc", "untargeted", NULL, &m);
	for (size_t i = 0; i < sizeof(drop_cases) / sizeof(drop_cases[0]); i++) {
		const struct skb_case *c = &drop_cases[i];
		struct measure cg = { .base_fd = bpf_program__fd(e->progs.empty_cg_skb),
				      .dport = c->dport };

		set_net_rule(s, FL_ACT_DROP, c->prob);
		m.dport = c->dport;
		m.fd = bpf_program__fd(s->progs.fl_tc_drop);
		measure("fl_tc_drop", "tc", c->name, NULL, &m);
		cg.fd = bpf_program__fd(s->progs.fl_cg_ingress);
		measure("fl_cg_ingress", "cgroup_skb", c->name, NULL, &cg);
	}
	net_bpf__destroy(other);
	net_bpf__destroy(s);
}

/*
 * tc: ingress matches by learned ports (PORT_MISS is not learned), egress
 * by cgroup: untargeted is an object targeting another cgroup, and
 * PORT_MISS the target's packet that misses the rule's port.
 */
static const struct skb_case delay_cases[] = {
	{ "untargeted", PORT_MISS, FL_PROB_ONE },
	{ "targeted_passed", PORT_HIT, 0 },
	{ "targeted_injected", PORT_HIT, FL_PROB_ONE },
};

static void bench_delay(struct empty_bpf *e, uint64_t cgid, int level)
{
	struct net_bpf *s = load_net(cgid, level), *other = load_net(cgid ^ 0x5a5a5a5aULL, level);
	struct measure m = { .base_fd = bpf_program__fd(e->progs.empty_tc), .dport = PORT_HIT };

	learn_port(s, PORT_HIT);
	for (size_t i = 0; i < sizeof(delay_cases) / sizeof(delay_cases[0]); i++) {
		const struct skb_case *c = &delay_cases[i];

		set_net_rule(s, FL_ACT_DELAY, c->prob);
		m.dport = c->dport;
		m.fd = bpf_program__fd(s->progs.fl_tc_ingress);
		measure("fl_tc_ingress", "tc", c->name, NULL, &m);
		m.fd = bpf_program__fd(s->progs.fl_tc_egress);
		measure("fl_tc_egress", "tc", i ? c->name : "targeted_filter_miss", NULL, &m);
	}
	set_net_rule(other, FL_ACT_DELAY, FL_PROB_ONE);
	m.dport = PORT_HIT;
	m.fd = bpf_program__fd(other->progs.fl_tc_egress);
	measure("fl_tc_egress", "tc", "untargeted", NULL, &m);
	net_bpf__destroy(other);
	net_bpf__destroy(s);
}

/*
 * One hash probe on the tc hook (empty.bpf.c's lookup_map), hit or miss,
 * at 1 to 10,000 entries: the reference for a per-packet map lookup. tc
 * egress no longer probes a targets hash (one target, matched by id).
 */
static void bench_hash(struct empty_bpf *e, int n)
{
	int fd = bpf_map__fd(e->maps.lookup_map);
	char extra[64];
	__u32 v = 1;

	for (__u64 k = 1; k <= (__u64)n; k++)
		if (bpf_map_update_elem(fd, &k, &v, BPF_ANY))
			bench_die("cannot fill the lookup map: %s", strerror(errno));
	snprintf(extra, sizeof(extra), "\"targets\":%d,", n);
	for (int hit = 1; hit >= 0; hit--) {
		struct measure m = { .fd = bpf_program__fd(e->progs.hash_lookup_tc),
				     .base_fd = bpf_program__fd(e->progs.empty_tc), .dport = 9 };

		e->bss->lookup_key = hit ? (__u64)(n + 1) / 2 : 1ULL << 40;
		measure("hash_lookup", "tc", hit ? "hit" : "miss", extra, &m);
	}
}

/* fl_sys_test, targeting cgid/level, its maps private. */
static struct sys_test_bpf *load_sys_test(uint64_t cgid, int level)
{
	struct sys_test_bpf *s = sys_test_bpf__open();

	if (!s)
		bench_die("cannot open the sys test object: %s", strerror(errno));
	fl_obj_private(s->obj);
	s->rodata->targ_cgid = cgid;
	s->rodata->targ_level = level;
	if (sys_test_bpf__load(s))
		bench_die("cannot load fl_sys_test: %s", strerror(errno));
	return s;
}

static void set_sys_rule(struct sys_test_bpf *s, __u64 prob)
{
	struct fl_sys_rule r = { .deadline_ns = hour_from_now(), .prob = prob,
				 .calls = FL_SYS_CONNECT, .errnum = ECONNREFUSED };
	struct fl_sys_stats zero = { 0 };
	__u32 k = 0;

	if (bpf_map__update_elem(s->maps.fl_sys_rule, &k, 4, &r, sizeof(r), 0) ||
	    bpf_map__update_elem(s->maps.fl_sys_stats, &k, 4, &zero, sizeof(zero), 0))
		bench_die("cannot write the sys rule: %s", strerror(errno));
}

/* The decision path every syscall hook shares (sys.bpf.h), by test run. */
static void bench_sys(struct empty_bpf *e)
{
	struct { const char *name; bool self; __u64 prob; } cases[] = {
		{ "untargeted", false, FL_PROB_ONE },
		{ "targeted_passed", true, 0 },
		{ "targeted_injected", true, FL_PROB_ONE },
	};
	uint64_t cgid;
	int level;

	if (bench_own_cgroup(&cgid, &level))
		bench_die("cannot find this process's cgroup v2 id");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sys_test_bpf *s = load_sys_test(cases[i].self ? cgid : cgid ^ 0x5a5a5a5aULL, level);
		struct measure m = { .fd = bpf_program__fd(s->progs.fl_sys_test),
				     .base_fd = bpf_program__fd(e->progs.empty_syscall),
				     .sys = true, .call = FL_SYS_CONNECT };

		set_sys_rule(s, cases[i].prob);
		measure("fl_sys_test", "syscall", cases[i].name, NULL, &m);
		sys_test_bpf__destroy(s);
	}
}

/*
 * The draw itself: bpf_get_prandom_u32() as before seeds, and the seeded
 * draw with its exact shared count (one CPU here: the count's cache line
 * stays put; CPUs that match the same fault at once share it).
 */
static void bench_draw(struct empty_bpf *e)
{
	struct measure m = { .base_fd = bpf_program__fd(e->progs.empty_tc), .dport = 9 };

	m.fd = bpf_program__fd(e->progs.draw_prandom_tc);
	measure("draw", "tc", "prandom", NULL, &m);
	m.fd = bpf_program__fd(e->progs.draw_seeded_tc);
	measure("draw", "tc", "seeded", NULL, &m);
}

/* The physical floor: each empty program against the cheapest one. */
static void bench_floor(struct empty_bpf *e)
{
	struct measure m = { .fd = bpf_program__fd(e->progs.empty_cg_skb),
			     .base_fd = bpf_program__fd(e->progs.empty_tc), .dport = 9 };

	measure("empty_cg_skb", "cgroup_skb", "empty", NULL, &m);
}

/*
 * The in-situ baseline: empty cgroup_skb programs on both directions of a
 * cgroup (or an empty connect4) until SIGINT/SIGTERM, so bpf_stats can time
 * them on real traffic, or their mere presence can be measured.
 */
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

int cmd_hold_empty(int argc, char **argv)
{
	struct empty_bpf *e;
	int cg;

	bool sock = argc >= 2 && !strcmp(argv[1], "connect4");

	if (argc < 1)
		bench_die("usage: hold-empty CGROUP_DIR [connect4]");
	e = empty_bpf__open_and_load();
	cg = open(argv[0], O_RDONLY | O_DIRECTORY);
	if (!e || cg < 0)
		bench_die("cannot load empty programs or open %s: %s", argv[0], strerror(errno));
	if (sock ? !bpf_program__attach_cgroup(e->progs.empty_connect4, cg) :
	    (!bpf_program__attach_cgroup(e->progs.empty_cg_skb, cg) ||
	     !bpf_program__attach_cgroup(e->progs.empty_cg_skb_in, cg)))
		bench_die("cannot attach empty programs to %s: %s", argv[0], strerror(errno));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "empty programs attached to %s\n", argv[0]);
	for (int i = 0; i < 6000 && !stop; i++)	/* at most 10 min */
		usleep(100000);
	empty_bpf__destroy(e);
	return 0;
}

int cmd_progs(int argc, char **argv)
{
	struct empty_bpf *e = empty_bpf__open_and_load();
	const int targets[] = { 1, 100, 10000 };
	uint64_t cgid;
	int level;

	if (!e)
		bench_die("cannot load bench/empty.bpf.c (root needed): %s", strerror(errno));
	if (bench_own_cgroup(&cgid, &level))
		bench_die("cannot find this process's cgroup v2 id");
	printf("{\"repeat\":%d,\"rounds\":%d,\"results\":[", REPEAT, ROUNDS);
	/* `progs draw`: those rows alone, a few seconds. */
	if (argc >= 1 && !strcmp(argv[0], "draw")) {
		bench_draw(e);
		printf("]}\n");
		empty_bpf__destroy(e);
		return 0;
	}
	bench_floor(e);
	bench_draw(e);
	bench_drop(e, cgid, level);
	bench_delay(e, cgid, level);
	for (int i = 0; i < 3; i++)
		bench_hash(e, targets[i]);
	bench_sys(e);
	printf("]}\n");
	empty_bpf__destroy(e);
	return 0;
}
