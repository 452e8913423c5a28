// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The drop program on canned packets through BPF_PROG_TEST_RUN: every
 * filter, the deadline, the kill switch and the probability, without
 * attaching anything. Needs root (it loads BPF).
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
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pkt.h"
#include "ctl.h"
#include "net.skel.h"
#include "faultline.h"
#include "parse.h"

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

static struct net_bpf *skel;

static int setup(void **state)
{
	skel = net_bpf__open();
	if (!skel)
		return -1;
	/* Private kill switch and events: never touch the host's pins. */
	fl_obj_private(skel->obj);
	skel->rodata->nr_rules = 1;
	bpf_program__set_autoload(skel->progs.fl_tc_egress, false);
	bpf_program__set_autoload(skel->progs.fl_tc_ingress, false);
	return net_bpf__load(skel) ? -1 : 0;
}

static int teardown(void **state)
{
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

static void set_rule(const struct fl_net_rule *r)
{
	__u32 key = 0;
	int ncpu = libbpf_num_possible_cpus();
	struct fl_counters zero[ncpu];

	memset(zero, 0, sizeof(zero));
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.rules), &key, r, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.counters), &key, zero, BPF_ANY), 0);
}

static int run(struct bpf_program *prog, void *pkt, size_t len, int repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len, .repeat = repeat);

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(prog), &o), 0);
	return o.retval;
}

static int egress4(const char *dst, int sport, int dport)
{
	struct pkt4 p = fl_udp4("10.0.0.1", dst, sport, dport);

	return run(skel->progs.fl_cg_egress, &p, sizeof(p), 1);
}

static struct fl_counters counters(void)
{
	int ncpu = libbpf_num_possible_cpus();
	struct fl_counters per[ncpu], sum = { 0 };
	__u32 key = 0;

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.counters), &key, per), 0);
	for (int i = 0; i < ncpu; i++) {
		sum.matched += per[i].matched;
		sum.injected += per[i].injected;
		sum.segs += per[i].segs;
	}
	return sum;
}

/* 2 on egress: dropped with "congestion", which callers see as sent. */
static void drops_with_cn_on_egress(void **state)
{
	struct fl_net_rule r = drop_all();

	set_rule(&r);
	assert_int_equal(egress4("10.0.0.2", 40000, 53), 2);
	assert_int_equal(counters().injected, 1);
	assert_int_equal(counters().segs, 1);
}

static void drops_on_ingress(void **state)
{
	struct fl_net_rule r = drop_all();
	struct pkt4 p = fl_udp4("10.0.0.2", "10.0.0.1", 53, 40000);

	set_rule(&r);
	assert_int_equal(run(skel->progs.fl_cg_ingress, &p, sizeof(p), 1), 0);
	r.dir = FL_DIR_EGRESS;
	set_rule(&r);
	assert_int_equal(run(skel->progs.fl_cg_ingress, &p, sizeof(p), 1), 1);
}

static void peer_and_local_ports(void **state)
{
	struct fl_net_rule r = drop_all();

	r.proto = FL_PROTO_UDP;
	r.port_lo = r.port_hi = 53;
	set_rule(&r);
	assert_int_equal(egress4("10.0.0.2", 40000, 53), 2);
	assert_int_equal(egress4("10.0.0.2", 40000, 54), 1);
	r.port_lo = r.port_hi = 0;
	r.lport_lo = 39999;
	r.lport_hi = 40000;
	set_rule(&r);
	assert_int_equal(egress4("10.0.0.2", 40000, 53), 2);
	assert_int_equal(egress4("10.0.0.2", 40001, 53), 1);
	r.proto = FL_PROTO_TCP;
	set_rule(&r);
	assert_int_equal(egress4("10.0.0.2", 40000, 53), 1);
}

static void remote_cidrs(void **state)
{
	struct fl_net_rule r = drop_all();
	char err[FL_ERRLEN];

	assert_int_equal(fl_parse_cidr("10.0.0.0/24", r.remote, &r.remote_plen, err), 0);
	set_rule(&r);
	assert_int_equal(egress4("10.0.0.200", 1, 2), 2);
	assert_int_equal(egress4("10.0.1.2", 1, 2), 1);
	assert_int_equal(fl_parse_cidr("10.0.0.128/25", r.remote, &r.remote_plen, err), 0);
	set_rule(&r);
	assert_int_equal(egress4("10.0.0.200", 1, 2), 2);
	assert_int_equal(egress4("10.0.0.100", 1, 2), 1);
	assert_int_equal(fl_parse_cidr("fd00::/8", r.remote, &r.remote_plen, err), 0);
	set_rule(&r);
	assert_int_equal(egress4("10.0.0.2", 1, 2), 1);
	{
		struct pkt6 p6 = udp6("fd00::1", "fd00::2", 1, 2);

		assert_int_equal(run(skel->progs.fl_cg_egress, &p6, sizeof(p6), 1), 2);
		p6 = udp6("fd00::1", "fe80::2", 1, 2);
		assert_int_equal(run(skel->progs.fl_cg_egress, &p6, sizeof(p6), 1), 1);
	}
}

static void deadline_is_enforced_in_kernel(void **state)
{
	struct fl_net_rule r = drop_all();

	r.deadline_ns = now_ns() - 1;
	set_rule(&r);
	assert_int_equal(egress4("10.0.0.2", 1, 2), 1);
	assert_int_equal(counters().matched, 0);
}

static void kill_switch_halts(void **state)
{
	struct fl_net_rule r = drop_all();
	struct fl_control c = { .generation = 1 };
	__u32 zero = 0;
	int fd = bpf_map__fd(skel->maps.fl_control);

	set_rule(&r);
	assert_int_equal(bpf_map_update_elem(fd, &zero, &c, BPF_ANY), 0);
	assert_int_equal(egress4("10.0.0.2", 1, 2), 1);
	c.generation = 0;
	assert_int_equal(bpf_map_update_elem(fd, &zero, &c, BPF_ANY), 0);
	assert_int_equal(egress4("10.0.0.2", 1, 2), 2);
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
	run(skel->progs.fl_cg_egress, &p, sizeof(p), (int)n);
	c = counters();
	assert_int_equal(c.matched, (uint64_t)n);
	sigma = fabs(c.injected - n * prob) / sqrt(n * prob * (1 - prob));
	print_message("p=0.75: %llu of %.0f injected (%.2f sigma)\n", (unsigned long long)c.injected, n, sigma);
	assert_true(sigma < 6);
}

static void non_ip_passes(void **state)
{
	struct fl_net_rule r = drop_all();
	struct pkt4 p = fl_udp4("10.0.0.1", "10.0.0.2", 1, 2);

	set_rule(&r);
	p.eth.h_proto = htons(ETH_P_ARP);
	assert_int_equal(run(skel->progs.fl_cg_egress, &p, sizeof(p), 1), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(drops_with_cn_on_egress),
		cmocka_unit_test(drops_on_ingress),
		cmocka_unit_test(peer_and_local_ports),
		cmocka_unit_test(remote_cidrs),
		cmocka_unit_test(deadline_is_enforced_in_kernel),
		cmocka_unit_test(kill_switch_halts),
		cmocka_unit_test(probability_is_binomial),
		cmocka_unit_test(non_ip_passes),
	};

	if (geteuid()) {
		print_message("net_bpf: needs root to load BPF\n");
		return 77;
	}
	return cmocka_run_group_tests_name("net_bpf", tests, setup, teardown);
}
