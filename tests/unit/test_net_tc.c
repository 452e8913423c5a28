// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The delay programs on canned packets through BPF_PROG_TEST_RUN, with a
 * struct __sk_buff in and out (as the kernel's prog_tests/skb_ctx.c does),
 * so each departure time the program stamps is read back: now + delay,
 * one flow kept in order under jitter, the jitter's spread, TCP's pacing
 * kept and other clocks ignored, ingress matching what the target taught.
 *
 * The departure tests run the egress path through fl_test_stamp_egress
 * (tests/unit/bpf/net_test.bpf.c, never shipped), past the target check:
 * what a test-run skb's socket is, is the kernel's detail (see there).
 * fl_tc_egress is tested for that check itself, fl_tc_ingress as it is.
 * Every object is loaded inside the test that needs it: a program that
 * fails to load fails the test. Needs root (it loads BPF).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>	/* TC_ACT_UNSPEC: egress delay's verdict on every packet */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pkt.h"
#include "ctl.h"
#include "faultline.h"
#include "net.skel.h"
#include "net_test.skel.h"
#include "target.h"

#define MS		1000000ULL
#define SEC		1000000000ULL
#define DELAY		(10 * MS)
#define CLS_MATCH	-1
#define CLS_NO_MATCH	0

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * SEC + ts.tv_nsec;
}

static struct fl_net_rule delay_rule(uint32_t dir, uint64_t delay, uint64_t jitter)
{
	return (struct fl_net_rule){
		.action = FL_ACT_DELAY, .dir = dir, .prob = FL_PROB_ONE,
		.delay_ns = delay, .jitter_ns = jitter, .deadline_ns = now_ns() + 600 * SEC,
	};
}

static void set_rule(struct bpf_map *rules, const struct fl_net_rule *r)
{
	__u32 key = 0;

	assert_int_equal(bpf_map__update_elem(rules, &key, sizeof(key), r, sizeof(*r), BPF_ANY), 0);
}

static struct fl_counters counters(struct bpf_map *m)
{
	int ncpu = libbpf_num_possible_cpus();
	struct fl_counters per[ncpu], sum = { 0 };
	__u32 key = 0;

	assert_int_equal(bpf_map__lookup_elem(m, &key, sizeof(key), per, sizeof(per), 0), 0);
	for (int i = 0; i < ncpu; i++) {
		sum.matched += per[i].matched;
		sum.injected += per[i].injected;
		sum.delay_ns += per[i].delay_ns;
	}
	return sum;
}

/* One run of a tc program; *out is the skb as it left, tstamp included. */
static int run(struct bpf_program *prog, struct pkt4 *p, uint64_t tstamp, struct __sk_buff *out)
{
	struct __sk_buff in = { .tstamp = tstamp };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p, .data_size_in = sizeof(*p),
		    .ctx_in = &in, .ctx_size_in = sizeof(in),
		    .ctx_out = out, .ctx_size_out = sizeof(*out));

	memset(out, 0, sizeof(*out));
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(prog), &o), 0);
	return o.retval;
}

/*
 * The test object: the egress delay path as if every packet were the
 * target's; seed and index are the draws' (fault.h), as a loader sets them.
 */
static struct net_test_bpf *load_seeded(__u64 seed, __u32 index)
{
	struct net_test_bpf *t = net_test_bpf__open();

	assert_non_null(t);
	fl_obj_private(t->obj);
	t->rodata->fl_seed = seed;
	t->rodata->fl_fault_index = index;
	assert_int_equal(net_test_bpf__load(t), 0);
	return t;
}

static struct net_test_bpf *load_test(void)
{
	return load_seeded(0, 0);
}

/* The shipped object with only its tc programs, targeting cgid at level. */
static struct net_bpf *load_net(uint64_t cgid, int level)
{
	struct net_bpf *s = net_bpf__open();
	struct bpf_program *prog;

	assert_non_null(s);
	fl_obj_private(s->obj);
	s->rodata->targ_cgid = cgid;
	s->rodata->targ_level = level;
	s->rodata->ifb_ifindex = 1;	/* any: a classifier's verdict is only returned */
	bpf_object__for_each_program(prog, s->obj)
		bpf_program__set_autoload(prog, prog == s->progs.fl_tc_egress ||
					  prog == s->progs.fl_tc_ingress);
	assert_int_equal(net_bpf__load(s), 0);
	return s;
}

/* One egress packet of flow `sport`; its departure, with the clock around the run. */
static uint64_t stamp(struct net_test_bpf *t, int sport, uint64_t tstamp, uint64_t *before,
		      uint64_t *after)
{
	struct pkt4 p = fl_udp4("10.0.0.1", "10.0.0.2", sport, 5432);
	struct __sk_buff out;

	*before = now_ns();
	assert_int_equal(run(t->progs.fl_test_stamp_egress, &p, tstamp, &out), TC_ACT_UNSPEC);
	*after = now_ns();
	return out.tstamp;
}

static void departure_is_now_plus_delay(void **state)
{
	struct net_test_bpf *t = load_test();
	struct fl_net_rule r = delay_rule(FL_DIR_EGRESS, DELAY, 0);
	struct fl_counters c;
	uint64_t before, after, dep;

	set_rule(t->maps.fl_net_rule, &r);
	dep = stamp(t, 40000, 0, &before, &after);
	assert_in_range(dep, before + DELAY, after + DELAY);
	c = counters(t->maps.fl_net_counters);
	assert_int_equal(c.injected, 1);
	assert_int_equal(c.delay_ns, DELAY);
	net_test_bpf__destroy(t);
}

/* Jitter draws each delay anew; the flow's departures must still never go back. */
static void jitter_keeps_one_flow_in_order(void **state)
{
	struct net_test_bpf *t = load_test();
	struct fl_net_rule r = delay_rule(FL_DIR_EGRESS, DELAY, 9 * MS);
	uint64_t before, after, dep, prev = 0;
	int held = 0;

	set_rule(t->maps.fl_net_rule, &r);
	for (int i = 0; i < 500; i++) {
		dep = stamp(t, 40001, 0, &before, &after);
		assert_true(dep >= prev);
		held += dep == prev;
		assert_true(dep <= after + DELAY + 9 * MS);
		prev = dep;
	}
	print_message("500 packets of one flow in order, %d held back to the previous one\n", held);
	net_test_bpf__destroy(t);
}

/* Flows apart (no clamp): uniform over [delay - jitter, delay + jitter]. */
static void jitter_spreads_within_bounds(void **state)
{
	const int n = 2000;
	const uint64_t jit = 5 * MS;
	struct net_test_bpf *t = load_test();
	struct fl_net_rule r = delay_rule(FL_DIR_EGRESS, DELAY, jit);
	double sum = 0, lo = 1e18, hi = 0, d, mean, sigma;
	uint64_t before, after, dep;
	int below = 0;

	set_rule(t->maps.fl_net_rule, &r);
	for (int i = 0; i < n; i++) {
		dep = stamp(t, 20000 + i, 0, &before, &after);
		assert_in_range(dep, before + DELAY - jit, after + DELAY + jit);
		d = (double)dep - (before + after) / 2.0;
		sum += d;
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
		below += d < DELAY;
	}
	mean = sum / n;
	/* A uniform over +-J has sd J/sqrt(3): its mean over n lands within 6 sd/sqrt(n). */
	sigma = jit / sqrt(3.0) / sqrt(n);
	print_message("delay %.3f ms mean over %d, range %.3f..%.3f ms, %d below\n", mean / 1e6, n,
		      lo / 1e6, hi / 1e6, below);
	assert_true(fabs(mean - DELAY) < 6 * sigma + 0.05 * MS);
	assert_true(lo < DELAY - 0.9 * jit && hi > DELAY + 0.9 * jit);
	assert_true(fabs(below - n / 2.0) < 6 * sqrt(n * 0.25));
	assert_true(fabs(counters(t->maps.fl_net_counters).delay_ns / (double)n - DELAY) <
		    6 * sigma + 0.05 * MS);
	net_test_bpf__destroy(t);
}

/*
 * The kernel delays the n-th matching packet when fl_draw_hit() says so,
 * by what fl_draw_delay() says, both of the object's seed and index: the
 * counters' sum of delays grows by exactly that (flows apart: no clamp).
 */
static void delays_are_the_seeds(void **state)
{
	const uint64_t jit = 5 * MS;
	struct net_test_bpf *t = load_seeded(1234, 2);
	struct fl_net_rule r = delay_rule(FL_DIR_EGRESS, DELAY, jit);
	uint64_t before, after, sum = 0, was = 0;
	struct fl_counters c;
	int hit = 0;

	r.prob = FL_PROB_ONE / 2;
	set_rule(t->maps.fl_net_rule, &r);
	for (__u64 n = 1; n <= 300; n++) {
		bool want = fl_draw_hit(1234, 2, n, r.prob);

		stamp(t, 20000 + n, 0, &before, &after);
		c = counters(t->maps.fl_net_counters);
		assert_int_equal(c.injected, hit += want);
		if (want)
			assert_int_equal(c.delay_ns - was, fl_draw_delay(1234, 2, n, DELAY, jit));
		was = c.delay_ns;
		sum += want ? fl_draw_delay(1234, 2, n, DELAY, jit) : 0;
	}
	assert_int_equal(c.matched, 300);
	assert_int_equal(c.delay_ns, sum);
	net_test_bpf__destroy(t);
}

/* TCP's own departure time (EDT pacing) is kept, and the delay added on top. */
static void paced_tstamp_is_kept(void **state)
{
	struct net_test_bpf *t = load_test();
	struct fl_net_rule r = delay_rule(FL_DIR_EGRESS, DELAY, 0);
	uint64_t before, after, paced = now_ns() + 5 * MS;

	set_rule(t->maps.fl_net_rule, &r);
	assert_int_equal(stamp(t, 40002, paced, &before, &after), paced + DELAY);
	paced = now_ns() + 9 * SEC;	/* far, but still pacing */
	assert_int_equal(stamp(t, 40003, paced, &before, &after), paced + DELAY);
	net_test_bpf__destroy(t);
}

/* A time from another clock (CLOCK_REALTIME, TAI), or one past, is not ours to add to. */
static void other_clock_is_ignored(void **state)
{
	struct net_test_bpf *t = load_test();
	struct fl_net_rule r = delay_rule(FL_DIR_EGRESS, DELAY, 0);
	uint64_t before, after, dep, mono = now_ns();
	struct timespec rt;

	clock_gettime(CLOCK_REALTIME, &rt);
	set_rule(t->maps.fl_net_rule, &r);
	dep = stamp(t, 40004, rt.tv_sec * SEC + rt.tv_nsec, &before, &after);
	assert_in_range(dep, before + DELAY, after + DELAY);
	dep = stamp(t, 40005, mono + 11 * SEC, &before, &after);
	assert_in_range(dep, before + DELAY, after + DELAY);
	dep = stamp(t, 40006, mono - SEC, &before, &after);
	assert_in_range(dep, before + DELAY, after + DELAY);
	net_test_bpf__destroy(t);
}

static void learn(struct bpf_map *m, const void *key, size_t size)
{
	__u64 cgid = 42;

	assert_int_equal(bpf_map__update_elem(m, key, size, &cgid, sizeof(cgid), BPF_ANY), 0);
}

/* Ingress: a packet to a port the target bound, or of a flow it sent on, is stamped. */
static void ingress_matches_what_the_target_taught(void **state)
{
	struct net_bpf *s = load_net(1, 0);
	struct fl_net_rule r = delay_rule(FL_DIR_INGRESS, 20 * MS, 0);
	struct fl_port_key pk = { .lport = 8080, .proto = FL_PROTO_UDP };
	struct fl_flow_key fk = { .rport = 443, .lport = 40000, .proto = FL_PROTO_UDP };
	struct pkt4 p = fl_udp4("10.0.0.2", "10.0.0.1", 5353, 8080);
	uint64_t before, after, rcv = now_ns() + 5 * MS;
	struct __sk_buff out;

	set_rule(s->maps.fl_net_rule, &r);
	learn(s->maps.fl_net_tports, &pk, sizeof(pk));
	before = now_ns();
	assert_int_equal(run(s->progs.fl_tc_ingress, &p, rcv, &out), CLS_MATCH);
	after = now_ns();
	/*
	 * A receive time is no departure: ignored. (Whether the stamp is a mono
	 * delivery time ctx_out does not say: a CLS_MATCH means
	 * bpf_skb_set_tstamp() took it.)
	 */
	assert_in_range(out.tstamp, before + 20 * MS, after + 20 * MS);

	fk.remote[10] = fk.remote[11] = 0xff;
	inet_pton(AF_INET, "10.0.0.3", fk.remote + 12);
	learn(s->maps.fl_net_tflows, &fk, sizeof(fk));
	p = fl_udp4("10.0.0.3", "10.0.0.1", 443, 40000);
	assert_int_equal(run(s->progs.fl_tc_ingress, &p, 0, &out), CLS_MATCH);
	assert_int_equal(counters(s->maps.fl_net_counters).injected, 2);
	net_bpf__destroy(s);
}

static struct fl_target self(void)
{
	char err[FL_ERRLEN];
	struct fl_target t;

	assert_int_equal(fl_target_self(&t, err), 0);
	return t;
}

/* Not learned, not the target's, not the rule's, or halted: the packet goes on as it was. */
static void untargeted_passes(void **state)
{
	struct fl_target me = self();
	struct net_bpf *s = load_net(me.cgid ^ 0x5a5a5a5aULL, me.level);
	struct fl_net_rule r = delay_rule(FL_DIR_EGRESS | FL_DIR_INGRESS, DELAY, 0);
	struct fl_port_key pk = { .lport = 8080, .proto = FL_PROTO_UDP };
	struct fl_control halt = { .generation = 1 };
	struct pkt4 p = fl_udp4("10.0.0.2", "10.0.0.1", 5353, 8081);
	uint64_t rcv = now_ns() + 5 * MS;
	struct __sk_buff out;
	__u32 zero = 0;

	set_rule(s->maps.fl_net_rule, &r);
	learn(s->maps.fl_net_tports, &pk, sizeof(pk));
	assert_int_equal(run(s->progs.fl_tc_ingress, &p, rcv, &out), CLS_NO_MATCH);
	assert_int_equal(out.tstamp, rcv);
	p = fl_udp4("10.0.0.1", "10.0.0.2", 8080, 5353);
	assert_int_equal(run(s->progs.fl_tc_egress, &p, rcv, &out), TC_ACT_UNSPEC);
	assert_int_equal(out.tstamp, rcv);
	r.dir = FL_DIR_EGRESS;
	set_rule(s->maps.fl_net_rule, &r);
	p = fl_udp4("10.0.0.2", "10.0.0.1", 5353, 8080);
	assert_int_equal(run(s->progs.fl_tc_ingress, &p, rcv, &out), CLS_NO_MATCH);
	r.dir = FL_DIR_INGRESS;
	set_rule(s->maps.fl_net_rule, &r);
	assert_int_equal(bpf_map__update_elem(s->maps.fl_control, &zero, sizeof(zero), &halt,
					      sizeof(halt), BPF_ANY), 0);
	assert_int_equal(run(s->progs.fl_tc_ingress, &p, rcv, &out), CLS_NO_MATCH);
	assert_int_equal(counters(s->maps.fl_net_counters).matched, 0);
	net_bpf__destroy(s);
}

/*
 * fl_tc_egress matches the socket's cgroup ancestor at the target's level.
 * A test-run skb's socket sits in the cgroup of the task that runs it
 * (sk_alloc()ed since Linux 5.15, commit 435b08ec0094, also in stable
 * kernels): this test's own cgroup is the target then, and one level down
 * or another id is not.
 */
static void egress_matches_the_sockets_cgroup(void **state)
{
	struct fl_net_rule r = delay_rule(FL_DIR_EGRESS, DELAY, 0);
	struct pkt4 p = fl_udp4("10.0.0.1", "10.0.0.2", 8080, 5353);
	struct fl_target me = self();
	struct { uint64_t cgid; int level; bool stamped; } cases[] = {
		{ me.cgid, me.level, true },
		{ me.cgid, me.level + 1, false },
		{ me.cgid + 1, me.level, false },
	};
	uint64_t before, after;
	struct __sk_buff out;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct net_bpf *s = load_net(cases[i].cgid, cases[i].level);

		set_rule(s->maps.fl_net_rule, &r);
		before = now_ns();
		assert_int_equal(run(s->progs.fl_tc_egress, &p, 0, &out), TC_ACT_UNSPEC);
		after = now_ns();
		if (cases[i].stamped)
			assert_in_range(out.tstamp, before + DELAY, after + DELAY);
		else
			assert_int_equal(out.tstamp, 0);
		assert_int_equal(counters(s->maps.fl_net_counters).injected, cases[i].stamped);
		net_bpf__destroy(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(departure_is_now_plus_delay),
		cmocka_unit_test(jitter_keeps_one_flow_in_order),
		cmocka_unit_test(jitter_spreads_within_bounds),
		cmocka_unit_test(delays_are_the_seeds),
		cmocka_unit_test(paced_tstamp_is_kept),
		cmocka_unit_test(other_clock_is_ignored),
		cmocka_unit_test(ingress_matches_what_the_target_taught),
		cmocka_unit_test(untargeted_passes),
		cmocka_unit_test(egress_matches_the_sockets_cgroup),
	};

	if (geteuid()) {
		print_message("net_tc: needs root to load BPF\n");
		return 77;
	}
	return cmocka_run_group_tests_name("net_tc", tests, NULL, NULL);
}
