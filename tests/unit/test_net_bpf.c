// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The drop programs on canned packets through BPF_PROG_TEST_RUN: every
 * filter, the deadline, the kill switch and the probability, without
 * attaching anything. Then the family as the engine sees it (fl_net_kind):
 * its table, checks, events, notes and pinned counters. Needs root (it
 * loads BPF).
 *
 * Egress drop is a tc program (fl_tc_drop): a drop is TC_ACT_REDIRECT (a
 * redirect to no device, which the sender hears as sent), a pass is
 * TC_ACT_UNSPEC, never TC_ACT_OK, which would end the device's chain of
 * tcx programs and clsact filters. The filters run through
 * fl_test_drop_egress (tests/unit/bpf/net_test.bpf.c, never shipped), the
 * same path past the target check, on the shipped object's maps; the
 * target check and the kill switch, which comes before it, through
 * fl_tc_drop itself. Ingress drop stays cgroup_skb (0 drops, 1 passes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pkt.h"
#include "ctl.h"
#include "net.skel.h"
#include "net_test.skel.h"
#include "faultline.h"
#include "fault.h"
#include "json.h"
#include "net.h"
#include "netload.h"
#include "parse.h"
#include "target.h"

#define CG_PASS		1
#define CG_DROP		0

struct pkt6 {
	struct ethhdr eth;
	struct ipv6hdr ip;
	struct udphdr udp;
	char payload[8];
} __attribute__((packed));

static struct pkt6 udp6(const char *src, const char *dst, int sport, int dport)
{
	struct pkt6 p = { 0 };

	p.eth.h_proto = htons(ETH_P_IPV6);
	p.ip.version = 6;
	p.ip.nexthdr = IPPROTO_UDP;
	p.ip.hop_limit = 64;
	p.ip.payload_len = htons(sizeof(p.udp) + sizeof(p.payload));
	inet_pton(AF_INET6, src, &p.ip.saddr);
	inet_pton(AF_INET6, dst, &p.ip.daddr);
	p.udp.source = htons(sport);
	p.udp.dest = htons(dport);
	p.udp.len = p.ip.payload_len;
	return p;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static struct net_bpf *skel;		/* targets this test's own cgroup */
static struct net_test_bpf *tskel;	/* the egress drop past its target check */
static struct fl_target me;

/*
 * The shipped object targeting cgid at level, fl_tc_ingress left out (it
 * needs an ifb). A test-run skb's socket sits in the cgroup of the task
 * that runs it (sk_alloc()ed since Linux 5.15, commit 435b08ec0094): with
 * this test's own cgroup as the target, fl_tc_drop sees the target's packets.
 */
static struct net_bpf *load_seeded(uint64_t cgid, int level, __u64 seed, __u32 index)
{
	struct net_bpf *s = net_bpf__open();

	if (!s)
		return NULL;
	/* Private kill switch and events: never touch the host's pins. */
	fl_obj_private(s->obj);
	s->rodata->targ_cgid = cgid;
	s->rodata->targ_level = level;
	s->rodata->fl_seed = seed;
	s->rodata->fl_fault_index = index;
	bpf_program__set_autoload(s->progs.fl_tc_ingress, false);
	if (net_bpf__load(s)) {
		net_bpf__destroy(s);
		return NULL;
	}
	return s;
}

static struct net_bpf *load_net(uint64_t cgid, int level)
{
	return load_seeded(cgid, level, 0, 0);
}

/* The test object writes into skel's rule, counters and kill switch. */
static struct net_test_bpf *load_test(struct net_bpf *s)
{
	struct net_test_bpf *t = net_test_bpf__open();

	if (!t)
		return NULL;
	fl_obj_private(t->obj);
	if (bpf_map__reuse_fd(t->maps.fl_net_rule, bpf_map__fd(s->maps.fl_net_rule)) ||
	    bpf_map__reuse_fd(t->maps.fl_net_counters, bpf_map__fd(s->maps.fl_net_counters)) ||
	    bpf_map__reuse_fd(t->maps.fl_net_seq, bpf_map__fd(s->maps.fl_net_seq)) ||
	    bpf_map__reuse_fd(t->maps.fl_control, bpf_map__fd(s->maps.fl_control)) ||
	    bpf_map__reuse_fd(t->maps.fl_events, bpf_map__fd(s->maps.fl_events)) ||
	    bpf_map__reuse_fd(t->maps.fl_ev_stats, bpf_map__fd(s->maps.fl_ev_stats)) ||
	    bpf_map__reuse_fd(t->maps.fl_ev_config, bpf_map__fd(s->maps.fl_ev_config)) ||
	    net_test_bpf__load(t)) {
		net_test_bpf__destroy(t);
		return NULL;
	}
	return t;
}

static int setup(void **state)
{
	char err[FL_ERRLEN];

	if (fl_target_self(&me, err)) {
		print_message("net_bpf: %s\n", err);
		return -1;
	}
	skel = load_net(me.cgid, me.level);
	tskel = skel ? load_test(skel) : NULL;
	return tskel ? 0 : -1;
}

static int teardown(void **state)
{
	net_test_bpf__destroy(tskel);
	net_bpf__destroy(skel);
	return 0;
}

static struct fl_net_rule drop_all(void)
{
	return (struct fl_net_rule){
		.action = FL_ACT_DROP, .dir = FL_DIR_EGRESS | FL_DIR_INGRESS,
		.prob = FL_PROB_ONE, .deadline_ns = now_ns() + 60ULL * 1000000000ULL,
	};
}

/* The rule, counters at zero, and the kill switch off (a failed test may have left it on). */
static void set_rule_in(struct net_bpf *s, const struct fl_net_rule *r)
{
	__u64 n0 = 0;
	__u32 key = 0;
	int ncpu = libbpf_num_possible_cpus();
	struct fl_counters zero[ncpu];
	struct fl_control live = { 0 };

	memset(zero, 0, sizeof(zero));
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(s->maps.fl_net_rule), &key, r, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(s->maps.fl_net_counters), &key, zero, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(s->maps.fl_net_seq), &key, &n0, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(s->maps.fl_control), &key, &live, BPF_ANY), 0);
}

static void set_rule(const struct fl_net_rule *r)
{
	set_rule_in(skel, r);
}

static int run(struct bpf_program *prog, void *pkt, size_t len, int repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len, .repeat = repeat);

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(prog), &o), 0);
	return o.retval;
}

/* An egress packet through the drop path past its target check. */
static int egress4(const char *dst, int sport, int dport)
{
	struct pkt4 p = fl_udp4("10.0.0.1", dst, sport, dport);

	return run(tskel->progs.fl_test_drop_egress, &p, sizeof(p), 1);
}

/* The same through the shipped program, target check and kill switch included. */
static int tc_drop4(struct net_bpf *s, const char *dst, int sport, int dport)
{
	struct pkt4 p = fl_udp4("10.0.0.1", dst, sport, dport);

	return run(s->progs.fl_tc_drop, &p, sizeof(p), 1);
}

static struct fl_counters counters_of(struct net_bpf *s)
{
	int ncpu = libbpf_num_possible_cpus();
	struct fl_counters per[ncpu], sum = { 0 };
	__u32 key = 0;

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(s->maps.fl_net_counters), &key, per), 0);
	for (int i = 0; i < ncpu; i++) {
		sum.matched += per[i].matched;
		sum.injected += per[i].injected;
		sum.segs += per[i].segs;
	}
	return sum;
}

static struct fl_counters counters(void)
{
	return counters_of(skel);
}

/*
 * A redirect to no device: the packet is freed and the sender hears that
 * it left (a test run returns the verdict and redirects nothing).
 */
static void drops_as_sent_on_egress(void **state)
{
	struct fl_net_rule r = drop_all();

	set_rule(&r);
	assert_int_equal(egress4("10.0.0.2", 40000, 53), TC_ACT_REDIRECT);
	assert_int_equal(counters().injected, 1);
	assert_int_equal(counters().segs, 1);
	assert_int_equal(tc_drop4(skel, "10.0.0.2", 40000, 53), TC_ACT_REDIRECT);
	assert_int_equal(counters().injected, 2);
}

static void drops_on_ingress(void **state)
{
	struct fl_net_rule r = drop_all();
	struct pkt4 p = fl_udp4("10.0.0.2", "10.0.0.1", 53, 40000);

	set_rule(&r);
	assert_int_equal(run(skel->progs.fl_cg_ingress, &p, sizeof(p), 1), CG_DROP);
	r.dir = FL_DIR_EGRESS;
	set_rule(&r);
	assert_int_equal(run(skel->progs.fl_cg_ingress, &p, sizeof(p), 1), CG_PASS);
	/* And an ingress-only rule leaves egress alone. */
	r.dir = FL_DIR_INGRESS;
	set_rule(&r);
	assert_int_equal(egress4("10.0.0.2", 40000, 53), TC_ACT_UNSPEC);
	assert_int_equal(tc_drop4(skel, "10.0.0.2", 40000, 53), TC_ACT_UNSPEC);
}

static void peer_and_local_ports(void **state)
{
	struct fl_net_rule r = drop_all();

	r.proto = FL_PROTO_UDP;
	r.port_lo = r.port_hi = 53;
	set_rule(&r);
	assert_int_equal(egress4("10.0.0.2", 40000, 53), TC_ACT_REDIRECT);
	assert_int_equal(egress4("10.0.0.2", 40000, 54), TC_ACT_UNSPEC);
	r.port_lo = r.port_hi = 0;
	r.lport_lo = 39999;
	r.lport_hi = 40000;
	set_rule(&r);
	assert_int_equal(egress4("10.0.0.2", 40000, 53), TC_ACT_REDIRECT);
	assert_int_equal(egress4("10.0.0.2", 40001, 53), TC_ACT_UNSPEC);
	r.proto = FL_PROTO_TCP;
	set_rule(&r);
	assert_int_equal(egress4("10.0.0.2", 40000, 53), TC_ACT_UNSPEC);
}

static void remote_cidrs(void **state)
{
	struct fl_net_rule r = drop_all();
	char err[FL_ERRLEN];

	assert_int_equal(fl_parse_cidr("10.0.0.0/24", r.remote, &r.remote_plen, err), 0);
	set_rule(&r);
	assert_int_equal(egress4("10.0.0.200", 1, 2), TC_ACT_REDIRECT);
	assert_int_equal(egress4("10.0.1.2", 1, 2), TC_ACT_UNSPEC);
	assert_int_equal(fl_parse_cidr("10.0.0.128/25", r.remote, &r.remote_plen, err), 0);
	set_rule(&r);
	assert_int_equal(egress4("10.0.0.200", 1, 2), TC_ACT_REDIRECT);
	assert_int_equal(egress4("10.0.0.100", 1, 2), TC_ACT_UNSPEC);
	assert_int_equal(fl_parse_cidr("fd00::/8", r.remote, &r.remote_plen, err), 0);
	set_rule(&r);
	assert_int_equal(egress4("10.0.0.2", 1, 2), TC_ACT_UNSPEC);
	{
		struct bpf_program *prog = tskel->progs.fl_test_drop_egress;
		struct pkt6 p6 = udp6("fd00::1", "fd00::2", 1, 2);

		assert_int_equal(run(prog, &p6, sizeof(p6), 1), TC_ACT_REDIRECT);
		p6 = udp6("fd00::1", "fe80::2", 1, 2);
		assert_int_equal(run(prog, &p6, sizeof(p6), 1), TC_ACT_UNSPEC);
	}
}

static void deadline_is_enforced_in_kernel(void **state)
{
	struct fl_net_rule r = drop_all();

	r.deadline_ns = now_ns() - 1;
	set_rule(&r);
	assert_int_equal(egress4("10.0.0.2", 1, 2), TC_ACT_UNSPEC);
	assert_int_equal(counters().matched, 0);
}

/* fl_tc_drop checks the kill switch before anything else; so does ingress. */
static void kill_switch_halts(void **state)
{
	struct fl_net_rule r = drop_all();
	struct fl_control c = { .generation = 1 };
	struct pkt4 in = fl_udp4("10.0.0.2", "10.0.0.1", 53, 40000);
	__u32 zero = 0;
	int fd = bpf_map__fd(skel->maps.fl_control);

	set_rule(&r);
	assert_int_equal(bpf_map_update_elem(fd, &zero, &c, BPF_ANY), 0);
	assert_int_equal(tc_drop4(skel, "10.0.0.2", 1, 2), TC_ACT_UNSPEC);
	assert_int_equal(run(skel->progs.fl_cg_ingress, &in, sizeof(in), 1), CG_PASS);
	assert_int_equal(counters().matched, 0);
	c.generation = 0;
	assert_int_equal(bpf_map_update_elem(fd, &zero, &c, BPF_ANY), 0);
	assert_int_equal(tc_drop4(skel, "10.0.0.2", 1, 2), TC_ACT_REDIRECT);
	assert_int_equal(run(skel->progs.fl_cg_ingress, &in, sizeof(in), 1), CG_DROP);
}

/* 10^5 draws at p = 0.75 land within 6 sigma, not at 100% (sign trap). */
static void probability_is_binomial(void **state)
{
	struct fl_net_rule r = drop_all();
	struct pkt4 p = fl_udp4("10.0.0.1", "10.0.0.2", 1, 2);
	const double n = 100000, prob = 0.75;
	char err[FL_ERRLEN];
	struct fl_counters c;
	double sigma;

	assert_int_equal(fl_parse_probability("75%", &r.prob, err), 0);
	set_rule(&r);
	run(tskel->progs.fl_test_drop_egress, &p, sizeof(p), (int)n);
	c = counters();
	assert_int_equal(c.matched, (uint64_t)n);
	sigma = fabs(c.injected - n * prob) / sqrt(n * prob * (1 - prob));
	print_message("p=0.75: %llu of %.0f injected (%.2f sigma)\n", (unsigned long long)c.injected, n, sigma);
	assert_true(sigma < 6);
}

/*
 * The n-th matching packet is dropped when fl_draw_hit() says so for the
 * object's seed and fault index; egress (tc) and ingress (cgroup_skb)
 * share one count, and a packet the rule misses takes no n.
 */
static void drops_are_the_seeds(void **state)
{
	struct net_bpf *s = load_seeded(me.cgid, me.level, 99, 1);
	struct fl_net_rule r = drop_all();
	struct pkt4 in = fl_udp4("10.0.0.2", "10.0.0.1", 53, 40000);
	int got, want;

	assert_non_null(s);
	r.prob = FL_PROB_ONE / 4;
	r.proto = FL_PROTO_UDP;
	set_rule_in(s, &r);
	for (__u64 n = 1; n <= 1000; n++) {
		want = fl_draw_hit(99, 1, n, r.prob);
		if (n % 3)
			got = tc_drop4(s, "10.0.0.2", 40000, 53) == TC_ACT_REDIRECT;
		else
			got = run(s->progs.fl_cg_ingress, &in, sizeof(in), 1) == CG_DROP;
		if (got != want)
			fail_msg("packet n=%llu %s; seed 99, fault 1 says it %s", (unsigned long long)n,
				 got ? "dropped" : "passed", want ? "drops" : "passes");
		if (n % 100 == 0) {	/* not the rule's: no n taken */
			struct pkt4 tcp = fl_udp4("10.0.0.1", "10.0.0.2", 40000, 53);

			tcp.ip.protocol = IPPROTO_TCP;
			assert_int_equal(run(s->progs.fl_tc_drop, &tcp, sizeof(tcp), 1), TC_ACT_UNSPEC);
		}
	}
	assert_int_equal(counters_of(s).matched, 1000);
	net_bpf__destroy(s);
}

static void non_ip_passes(void **state)
{
	struct fl_net_rule r = drop_all();
	struct pkt4 p = fl_udp4("10.0.0.1", "10.0.0.2", 1, 2);

	set_rule(&r);
	p.eth.h_proto = htons(ETH_P_ARP);
	assert_int_equal(run(tskel->progs.fl_test_drop_egress, &p, sizeof(p), 1), TC_ACT_UNSPEC);
	assert_int_equal(run(skel->progs.fl_tc_drop, &p, sizeof(p), 1), TC_ACT_UNSPEC);
	assert_int_equal(run(skel->progs.fl_cg_ingress, &p, sizeof(p), 1), CG_PASS);
	assert_int_equal(counters().matched, 0);
}

/*
 * What a tc program does not drop it leaves to the device's next program
 * or filter: TC_ACT_UNSPEC, not TC_ACT_OK (0), which ends a tcx chain.
 * Both tc egress programs, for the target's packet the rule misses, one
 * it acts on without dropping (delay), and another cgroup's.
 */
static void tc_passes_leave_the_chain_going(void **state)
{
	struct fl_net_rule r = drop_all();
	struct fl_net_rule d = { .action = FL_ACT_DELAY, .dir = FL_DIR_EGRESS, .prob = FL_PROB_ONE,
				 .delay_ns = 1000000, .deadline_ns = now_ns() + 60ULL * 1000000000ULL };
	struct net_bpf *other = load_net(me.cgid ^ 0x5a5a5a5aULL, me.level);
	struct pkt4 p = fl_udp4("10.0.0.1", "10.0.0.2", 40000, 53);

	assert_non_null(other);
	r.proto = FL_PROTO_TCP;
	set_rule(&r);
	assert_int_equal(tc_drop4(skel, "10.0.0.2", 40000, 53), TC_ACT_UNSPEC);
	assert_int_equal(run(skel->progs.fl_tc_egress, &p, sizeof(p), 1), TC_ACT_UNSPEC);
	assert_int_equal(counters().matched, 0);
	set_rule(&d);
	assert_int_equal(run(skel->progs.fl_tc_egress, &p, sizeof(p), 1), TC_ACT_UNSPEC);
	assert_int_equal(counters().injected, 1);	/* stamped, and still UNSPEC */
	assert_int_equal(tc_drop4(skel, "10.0.0.2", 40000, 53), TC_ACT_UNSPEC);

	r.proto = 0;
	set_rule_in(other, &r);
	assert_int_equal(tc_drop4(other, "10.0.0.2", 40000, 53), TC_ACT_UNSPEC);
	set_rule_in(other, &d);
	assert_int_equal(run(other->progs.fl_tc_egress, &p, sizeof(p), 1), TC_ACT_UNSPEC);
	assert_int_equal(counters_of(other).matched, 0);
	net_bpf__destroy(other);
}

/*
 * fl_tc_drop runs on every device of a namespace and drops only what the
 * target's sockets send: the socket's cgroup ancestor at the target's
 * level. This test's own cgroup is the target of the test run's socket
 * (see load_net); one level down or another id is not, and is not even
 * counted as a match.
 */
static void drop_matches_the_sockets_cgroup(void **state)
{
	struct fl_net_rule r = drop_all();
	struct { uint64_t cgid; int level; bool dropped; } cases[] = {
		{ me.cgid, me.level, true },
		{ me.cgid, me.level + 1, false },
		{ me.cgid + 1, me.level, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct net_bpf *s = load_net(cases[i].cgid, cases[i].level);

		assert_non_null(s);
		set_rule_in(s, &r);
		assert_int_equal(tc_drop4(s, "10.0.0.2", 40000, 53),
				 cases[i].dropped ? TC_ACT_REDIRECT : TC_ACT_UNSPEC);
		assert_int_equal(counters_of(s).matched, cases[i].dropped);
		assert_int_equal(counters_of(s).injected, cases[i].dropped);
		net_bpf__destroy(s);
	}
}


/* ------------------------------------------------------- fl_net_kind */

static struct fl_net_conf conf_for(int action)
{
	struct fl_net_conf c;

	fl_net_kind.init(&c, action);
	return c;
}

static struct fl_fault fault_of(struct fl_net_conf *c, int action)
{
	return (struct fl_fault){ .kind = &fl_net_kind, .action = action, .conf = c };
}

static void kind_table_fits_its_conf(void **state)
{
	const struct fl_fault_kind *k = &fl_net_kind;
	struct fl_net_conf drop = conf_for(0), delay = conf_for(1);
	int n = 0;

	assert_string_equal(k->actions[0].name, "drop");
	assert_string_equal(k->actions[1].name, "delay");
	assert_int_equal(k->conf_size, sizeof(struct fl_net_conf));
	for (const struct fl_opt *o = k->opts; o->name; o++, n++) {
		assert_true(o->off + (o->size ? o->size : 1) <= k->conf_size);
		assert_true(o->off2 < k->conf_size);
		for (const struct fl_opt *p = k->opts; p != o; p++)
			assert_string_not_equal(p->name, o->name);
	}
	assert_true(n <= FL_FAULT_MAX_OPTS);
	for (n = 0; k->stats[n].key; n++)
		;
	assert_true(n <= FL_FAULT_STATS);
	assert_int_equal(drop.rule.action, FL_ACT_DROP);
	assert_int_equal(drop.rule.dir, FL_DIR_EGRESS | FL_DIR_INGRESS);
	assert_int_equal(drop.rule.prob, FL_PROB_ONE);
	assert_int_equal(delay.rule.action, FL_ACT_DELAY);
	assert_int_equal(delay.rule.dir, FL_DIR_EGRESS);
}

static void kind_validates_across_options(void **state)
{
	struct fl_net_conf c = conf_for(1);
	struct fl_fault f = fault_of(&c, 1);
	char err[FL_ERRLEN];

	c.rule.delay_ns = 10000000;
	c.rule.jitter_ns = 10000000;
	assert_int_equal(fl_net_kind.validate(&f, err), 0);
	c.rule.jitter_ns++;
	assert_int_equal(fl_net_kind.validate(&f, err), -EINVAL);
	assert_non_null(strstr(err, "jitter"));
	c.rule.jitter_ns = 0;
	c.rule.delay_ns = 0;
	assert_int_equal(fl_net_kind.validate(&f, err), -EINVAL);
	c = conf_for(0);
	c.rule.proto = FL_PROTO_ICMP;
	c.rule.lport_lo = c.rule.lport_hi = 53;
	assert_int_equal(fl_net_kind.validate(&f, err), -EINVAL);
	assert_non_null(strstr(err, "icmp"));
	c.rule.proto = FL_PROTO_UDP;
	assert_int_equal(fl_net_kind.validate(&f, err), 0);
}

static void kind_refuses_two_delays_on_one_device(void **state)
{
	struct fl_net_conf a = conf_for(1), b = conf_for(1), d = conf_for(0);
	struct fl_fault fa = fault_of(&a, 1), fb = fault_of(&b, 1), fd = fault_of(&d, 0);
	char err[FL_ERRLEN];

	assert_int_equal(fl_net_kind.conflict(&fa, &fb, err), -EINVAL);	/* both the default's */
	snprintf(a.dev, sizeof(a.dev), "eth0");
	assert_int_equal(fl_net_kind.conflict(&fa, &fb, err), -EINVAL);	/* it may be eth0 */
	snprintf(b.dev, sizeof(b.dev), "eth1");
	assert_int_equal(fl_net_kind.conflict(&fa, &fb, err), 0);
	snprintf(b.dev, sizeof(b.dev), "eth0");
	assert_int_equal(fl_net_kind.conflict(&fa, &fb, err), -EINVAL);
	assert_int_equal(fl_net_kind.conflict(&fa, &fd, err), 0);
}

static struct fl_event packet_event(uint32_t kind, const char *peer, bool v6)
{
	struct fl_event e = { .kind = kind, .len = 60, .rport = 53, .lport = 40000,
			      .dir = FL_DIR_EGRESS, .proto = FL_PROTO_UDP, .delay_ns = 10000000 };

	if (v6) {
		inet_pton(AF_INET6, peer, e.addr);
	} else {
		e.addr[10] = e.addr[11] = 0xff;
		inet_pton(AF_INET, peer, e.addr + 12);
	}
	return e;
}

static void kind_prints_packet_events(void **state)
{
	struct fl_event e = packet_event(FL_EV_NET_DELAY, "10.0.0.2", false);
	char buf[256], *json = NULL;
	size_t len = 0;
	struct jw w;
	FILE *f;

	fl_net_kind.event_text(&e, buf, sizeof(buf));
	assert_string_equal(buf, "egress udp peer 10.0.0.2:53 lport 40000 len 60 delay 10ms");
	e = packet_event(FL_EV_NET_DROP, "fd00::1", true);
	e.dir = FL_DIR_INGRESS;
	e.proto = FL_PROTO_ICMPV6;
	fl_net_kind.event_text(&e, buf, sizeof(buf));
	assert_string_equal(buf, "ingress icmpv6 peer [fd00::1]:53 lport 40000 len 60");
	f = open_memstream(&json, &len);
	assert_non_null(f);
	jw_init(&w, f);
	jw_obj_open(&w);
	fl_net_kind.event_json(&e, &w);
	jw_obj_close(&w);
	fclose(f);
	assert_string_equal(json, "{\"direction\":\"ingress\",\"protocol\":\"icmpv6\","
			    "\"peer\":\"fd00::1\",\"peer_port\":53,\"local_port\":40000,\"len\":60}");
	free(json);
}

static void kind_notes_round_trip(void **state)
{
	struct fl_net_note n = { .netns = 4026531840ULL, .ifindex = 7, .name = "veth-a.1",
				 .made_clsact = true }, back;
	char note[128];

	fl_net_format_note(&n, note, sizeof(note));
	assert_string_equal(note, "dev 4026531840 7 veth-a.1 1");
	assert_int_equal(fl_net_parse_note(note, &back), 0);
	assert_memory_equal(&n, &back, sizeof(n));
	assert_int_equal(fl_net_parse_note("dev 1 2 eth0", &back), -EINVAL);
	assert_int_equal(fl_net_parse_note("dev 1 2 eth0 1 more", &back), -EINVAL);
	assert_int_equal(fl_net_parse_note("dev 1 0 eth0 1", &back), -EINVAL);
	assert_int_equal(fl_net_parse_note("pin 1 2 eth0 1", &back), -EINVAL);
}

static void kind_details_and_pinned_counters(void **state)
{
	struct fl_net_conf c = conf_for(0);
	struct fl_fault f = fault_of(&c, 1);
	struct fl_fault_stats st = { .valid = true, .injected = 2, .extra = { 3000000 } };
	struct fl_net_rule r = drop_all();
	char buf[64], pin[64];

	f.conf = NULL;	/* a fault read back from a record: action and counts only */
	fl_net_kind.detail(&f, &st, buf, sizeof(buf));
	assert_string_equal(buf, "delay 1.50 ms avg");
	f.action = 0;
	fl_net_kind.detail(&f, &st, buf, sizeof(buf));
	assert_string_equal(buf, "");

	set_rule(&r);
	assert_int_equal(egress4("10.0.0.2", 1, 2), TC_ACT_REDIRECT);
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/fl-test-net-%d", getpid());
	assert_int_equal(bpf_map__pin(skel->maps.fl_net_counters, pin), 0);
	assert_int_equal(fl_net_kind.read_pinned(pin, &st), 0);
	unlink(pin);
	assert_true(st.valid);
	assert_int_equal(st.matched, 1);
	assert_int_equal(st.injected, 1);
	assert_int_equal(st.extra[2], 1);	/* segments */
	assert_int_equal(fl_net_kind.read_pinned(pin, &st), -ENOENT);
	assert_false(st.valid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(drops_as_sent_on_egress),
		cmocka_unit_test(drops_on_ingress),
		cmocka_unit_test(peer_and_local_ports),
		cmocka_unit_test(remote_cidrs),
		cmocka_unit_test(deadline_is_enforced_in_kernel),
		cmocka_unit_test(kill_switch_halts),
		cmocka_unit_test(probability_is_binomial),
		cmocka_unit_test(drops_are_the_seeds),
		cmocka_unit_test(non_ip_passes),
		cmocka_unit_test(tc_passes_leave_the_chain_going),
		cmocka_unit_test(drop_matches_the_sockets_cgroup),
		cmocka_unit_test(kind_table_fits_its_conf),
		cmocka_unit_test(kind_validates_across_options),
		cmocka_unit_test(kind_refuses_two_delays_on_one_device),
		cmocka_unit_test(kind_prints_packet_events),
		cmocka_unit_test(kind_notes_round_trip),
		cmocka_unit_test(kind_details_and_pinned_counters),
	};

	if (geteuid()) {
		print_message("net_bpf: needs root to load BPF\n");
		return 77;
	}
	return cmocka_run_group_tests_name("net_bpf", tests, setup, teardown);
}
