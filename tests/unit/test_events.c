// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The event stream through BPF_PROG_TEST_RUN, on private copies of the
 * event maps (the host's pinned ones stay untouched): what a record holds,
 * that the token bucket holds under 10^6 injections and every refusal is
 * counted, sampling, a full ring, and the command line.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <sys/prctl.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "net.skel.h"
#include "sys_test.skel.h"
#include "ctl.h"
#include "fault.h"
#include "events.h"
#include "sys.h"
#include "sysfs.h"
#include "target.h"
#include "pkt.h"

#define FLOOD		1000000
#define TEST_COMM	"fl-ev-test"

/* ------------------------------------------------------- the command line */

static int parse(struct fl_ev_opts *o, char *err, ...)
{
	char *argv[16] = { "events" };
	int argc = 1;
	va_list ap;

	va_start(ap, err);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	err[0] = '\0';
	return fl_ev_parse_args(argc, argv, o, err);
}

#define PARSE(o, err, ...) parse(o, err, ##__VA_ARGS__, (char *)NULL)

static void parses_options(void **state)
{
	struct fl_ev_opts o;
	struct fl_ev_config c = { .interval_ns = 5, .burst = 7, .sample = 3 };
	char err[FL_ERRLEN];

	assert_int_equal(PARSE(&o, err), 0);
	assert_false(o.has_exp || o.count || o.duration_ns || o.rate);
	assert_int_equal(PARSE(&o, err, "--experiment", "0", "--count", "5", "--duration", "1.5s",
			       "--rate", "250", "--burst", "10"), 0);
	assert_true(o.has_exp);
	assert_int_equal(o.exp_id, 0);
	assert_int_equal(o.count, 5);
	assert_int_equal(o.duration_ns, 1500000000ULL);
	/* Only what was asked for changes: --sample was not. */
	fl_ev_apply_config(&o, &c);
	assert_int_equal(c.interval_ns, 4000000);
	assert_int_equal(c.burst, 10);
	assert_int_equal(c.sample, 3);
}

static void refuses_bad_input(void **state)
{
	static const char *bad[][2] = {
		{ "--count", "0" }, { "--count", "-1" }, { "--rate", "0" }, { "--rate", "1000001" },
		{ "--burst", "0" }, { "--burst", "x" }, { "--sample", "0" }, { "--duration", "0s" },
		{ "--duration", "5" }, { "--experiment", "-1" }, { "--experiment", "4294967296" },
		{ "--bogus", NULL }, { "stray", NULL },
	};
	struct fl_ev_opts o;
	char err[FL_ERRLEN];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int e = parse(&o, err, bad[i][0], bad[i][1], (char *)NULL);

		if (e != -EINVAL || !err[0])
			fail_msg("%s %s: got %d, '%s'", bad[i][0], bad[i][1] ?: "", e, err);
	}
}

/* An event's fault name comes from its family's table (the call names are test_sys's). */
static void names(void **state)
{
	const char *name = NULL;

	assert_string_equal(fl_kind_of_event(FL_EV_NET_DELAY, &name)->name, "net");
	assert_string_equal(name, "net_delay");
	assert_string_equal(fl_kind_of_event(FL_EV_SYS_FAIL, &name)->name, "sys");
	assert_string_equal(name, "sys_fail");
	assert_null(fl_kind_of_event(99, &name));
}

/* ------------------------------------------------------------- BPF side */


struct env {
	struct net_bpf *net;
	struct sys_test_bpf *sys;
	struct ring_buffer *rb;
	char broken[FL_ERRLEN];	/* a program this kernel runs failed to load */
	struct fl_event last;
	int got;
};

static struct env env;


static int own_cgroup(uint64_t *cgid, int *level)
{
	struct fl_target t;
	char err[FL_ERRLEN];
	int e = fl_target_self(&t, err);

	*cgid = t.cgid;
	*level = t.level;
	return e;
}

/*
 * Targeting our own cgroup: a test-run skb's socket sits in the cgroup of
 * the task that runs it (since Linux 5.15, commit 435b08ec0094), so the
 * egress drop (fl_tc_drop) takes our packets as the target's.
 */
static int load_net(uint64_t cgid, int level)
{
	struct net_bpf *s = net_bpf__open();

	if (!s)
		return -1;
	fl_obj_private(s->obj);	/* never the host's pins */
	s->rodata->fl_exp_id = 7;
	s->rodata->fl_seed = 77;
	s->rodata->fl_fault_index = 2;
	s->rodata->targ_cgid = cgid;
	s->rodata->targ_level = level;
	s->rodata->ev_task = fl_events_task_helpers();
	bpf_program__set_autoload(s->progs.fl_tc_egress, false);
	bpf_program__set_autoload(s->progs.fl_tc_ingress, false);
	env.net = s;
	return net_bpf__load(s);
}

/* The sys test object writes into the net object's maps, as pins would make it. */
static int load_sys(uint64_t cgid, int level)
{
	struct sys_test_bpf *s = sys_test_bpf__open();

	if (!s)
		return -1;
	fl_obj_private(s->obj);	/* never the host's pins */
	if (bpf_map__reuse_fd(s->maps.fl_events, bpf_map__fd(env.net->maps.fl_events)) ||
	    bpf_map__reuse_fd(s->maps.fl_ev_stats, bpf_map__fd(env.net->maps.fl_ev_stats)) ||
	    bpf_map__reuse_fd(s->maps.fl_ev_config, bpf_map__fd(env.net->maps.fl_ev_config)))
		return -1;
	s->rodata->targ_cgid = cgid;
	s->rodata->targ_level = level;
	s->rodata->fl_seed = (1ULL << 53) - 1;
	s->rodata->fl_fault_index = 1;
	env.sys = s;
	return sys_test_bpf__load(s);
}

/*
 * A real skip: not root, or a kernel without these program types. Where
 * they run, a program that does not load is a verifier regression.
 */
static bool kernel_runs_them(void)
{
	return libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_CGROUP_SKB, NULL) == 1 &&
	       libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SCHED_CLS, NULL) == 1 &&
	       libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SYSCALL, NULL) == 1;
}

static int keep(void *ctx, void *data, size_t size)
{
	struct env *e = ctx;

	if (size >= sizeof(e->last))
		memcpy(&e->last, data, sizeof(e->last));
	e->got++;
	return 0;
}

static int setup_bpf(void **state)
{
	uint64_t cgid;
	int level;

	/* One CPU, one bucket: the bound below is per CPU. */
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	prctl(PR_SET_NAME, TEST_COMM);
	if (own_cgroup(&cgid, &level) || !kernel_runs_them())
		return 0;	/* need_bpf() skips */
	if (load_net(cgid, level))
		snprintf(env.broken, sizeof(env.broken), "net.bpf.c (%s)", strerror(errno));
	else if (load_sys(cgid, level))
		snprintf(env.broken, sizeof(env.broken), "sys_test.bpf.c (%s)", strerror(errno));
	if (env.broken[0])
		return 0;	/* need_bpf() fails */
	env.rb = ring_buffer__new(bpf_map__fd(env.net->maps.fl_events), keep, &env, NULL);
	return 0;
}

static int teardown_bpf(void **state)
{
	ring_buffer__free(env.rb);
	sys_test_bpf__destroy(env.sys);
	net_bpf__destroy(env.net);
	return 0;
}

static void need_bpf(void)
{
	if (env.broken[0])
		fail_msg("%s failed to load though this kernel runs its program types: a verifier regression? (test_sys_bpf prints the log of each sys program)",
			 env.broken);
	if (!env.rb) {
		print_message("cannot load the programs (root and BPF_PROG_TEST_RUN needed): skipped\n");
		skip();
	}
}

/* A fresh bucket and counters, the given limits, an empty ring, a live rule. */
static void reset(__u64 interval_ns, __u32 burst, __u32 sample)
{
	int ncpu = libbpf_num_possible_cpus();
	struct fl_ev_stats zero_stats[ncpu];
	struct fl_ev_config cfg = { interval_ns, burst, sample };
	struct fl_net_rule rule = {
		.action = FL_ACT_DROP, .dir = FL_DIR_EGRESS | FL_DIR_INGRESS, .prob = FL_PROB_ONE,
		.deadline_ns = fl_now_ns() + 600ULL * 1000000000ULL,
	};
	__u32 zero = 0;
	__u64 n0 = 0;

	memset(zero_stats, 0, sizeof(zero_stats));
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(env.net->maps.fl_net_rule), &zero, &rule, 0), 0);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(env.net->maps.fl_net_seq), &zero, &n0, 0), 0);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(env.net->maps.fl_ev_stats), &zero, zero_stats, 0), 0);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(env.net->maps.fl_ev_config), &zero, &cfg, 0), 0);
	ring_buffer__consume(env.rb);
	env.got = 0;
}

static struct fl_ev_stats stats(void)
{
	int i, ncpu = libbpf_num_possible_cpus();
	struct fl_ev_stats per[ncpu], sum = { 0 };
	__u32 zero = 0;

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(env.net->maps.fl_ev_stats), &zero, per), 0);
	for (i = 0; i < ncpu; i++) {
		sum.seen += per[i].seen;
		sum.emitted += per[i].emitted;
		sum.sampled_out += per[i].sampled_out;
		sum.rate_limited += per[i].rate_limited;
		sum.ring_full += per[i].ring_full;
	}
	return sum;
}

static void egress(int repeat)
{
	struct pkt4 p = fl_udp4("10.0.0.1", "10.0.0.2", 40000, 53);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = &p, .data_size_in = sizeof(p), .repeat = repeat);

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(env.net->progs.fl_tc_drop), &o), 0);
	assert_int_equal(o.retval, TC_ACT_REDIRECT);	/* dropped */
}

static void bpf_net_record(void **state)
{
	static const __u8 peer[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 2 };
	const struct fl_event *e = &env.last;
	uint64_t cgid;
	int level;

	need_bpf();
	assert_int_equal(own_cgroup(&cgid, &level), 0);
	reset(0, 0, 0);
	egress(1);
	egress(1);
	assert_int_equal(ring_buffer__consume(env.rb), 2);
	assert_int_equal(e->kind, FL_EV_NET_DROP);
	assert_int_equal(e->exp_id, 7);
	/* What replays it: the object's seed and fault index, and the second match. */
	assert_int_equal(e->seed, 77);
	assert_int_equal(e->fault, 2);
	assert_int_equal(e->n, 2);
	assert_int_equal(e->dir, FL_DIR_EGRESS);
	assert_int_equal(e->proto, FL_PROTO_UDP);
	assert_memory_equal(e->addr, peer, 16);
	assert_int_equal(e->rport, 53);
	assert_int_equal(e->lport, 40000);
	/* skb->len on tc egress: the link-layer header included, as it leaves. */
	assert_int_equal(e->len, sizeof(struct pkt4));
	/*
	 * A test-run skb gets a socket of our cgroup, and runs in our context:
	 * egress from our cgroup, so the sender is named where the kernel lets
	 * packet programs ask (not on 6.1).
	 */
	assert_int_equal(e->cgid, cgid);
	if (env.net->rodata->ev_task) {
		assert_int_equal(e->pid, getpid());
		assert_string_equal(e->comm, TEST_COMM);
	} else {
		assert_int_equal(e->pid, 0);
		assert_string_equal(e->comm, "");
	}
	assert_true(e->ktime_ns <= fl_now_ns() && e->ktime_ns + 1000000000ULL > fl_now_ns());
}

/* fl_sys_test runs in our context: the record names this very thread. */
static void bpf_ingress_names_no_task(void **state)
{
	struct pkt4 p = fl_udp4("10.0.0.1", "10.0.0.2", 40000, 53);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = &p, .data_size_in = sizeof(p));

	need_bpf();
	reset(0, 0, 0);
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(env.net->progs.fl_cg_ingress), &o), 0);
	assert_int_equal(o.retval, 0);
	assert_int_equal(ring_buffer__consume(env.rb), 1);
	assert_int_equal(env.last.dir, FL_DIR_INGRESS);
	/* On ingress the peer is the source, and the current task is nobody's. */
	assert_int_equal(env.last.rport, 40000);
	assert_int_equal(env.last.pid, 0);
	assert_string_equal(env.last.comm, "");
}

static void bpf_sys_record(void **state)
{
	struct fl_sys_rule r = { .deadline_ns = fl_now_ns() + 60000000000ULL, .prob = FL_PROB_ONE,
				 .calls = FL_SYS_CONNECT, .errnum = ECONNREFUSED };
	struct fl_sys_test_ctx ctx = { .call = FL_SYS_CONNECT };
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));
	const struct fl_event *e = &env.last;
	uint64_t cgid;
	int level;
	__u32 zero = 0;

	struct fl_sys_stats none = { 0 };

	need_bpf();
	reset(0, 0, 0);
	assert_int_equal(bpf_map__update_elem(env.sys->maps.fl_sys_rule, &zero, 4, &r, sizeof(r), 0), 0);
	assert_int_equal(bpf_map__update_elem(env.sys->maps.fl_sys_stats, &zero, 4, &none, sizeof(none), 0), 0);
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(env.sys->progs.fl_sys_test), &o), 0);
	assert_int_equal((int)o.retval, -ECONNREFUSED);
	assert_int_equal(ring_buffer__consume(env.rb), 1);
	assert_int_equal(own_cgroup(&cgid, &level), 0);
	assert_int_equal(e->kind, FL_EV_SYS_FAIL);
	assert_int_equal(e->pid, getpid());
	assert_int_equal(e->tid, gettid());
	assert_string_equal(e->comm, TEST_COMM);
	assert_int_equal(e->cgid, cgid);
	assert_int_equal(e->call, FL_SYS_CONNECT);
	assert_int_equal(e->errnum, ECONNREFUSED);
	assert_int_equal(e->hook, FL_HOOK_TEST);
	assert_int_equal(e->exp_id, 0);	/* this object was given none */
	assert_true(e->seed == (1ULL << 53) - 1);
	assert_int_equal(e->fault, 1);
	assert_int_equal(e->n, 1);
}

/*
 * 10^6 injections on one CPU at 1000 events/s with a burst of 200: at most
 * 200 + 1000/s of the run's time get through (plus one for rounding), at
 * least the burst, and every injection is accounted for exactly.
 */
static void bpf_flood_rate_limited(void **state)
{
	uint64_t t0, t1, bound;
	struct fl_ev_stats s;

	need_bpf();
	reset(1000000, 200, 0);
	t0 = fl_now_ns();
	egress(FLOOD);
	t1 = fl_now_ns();
	s = stats();
	bound = 200 + (t1 - t0) / 1000000 + 1;
	print_message("10^6 injections in %.3f s: %llu emitted (bound %llu), %llu rate-limited, %llu ring-full\n",
		      (t1 - t0) / 1e9, (unsigned long long)s.emitted, (unsigned long long)bound,
		      (unsigned long long)s.rate_limited, (unsigned long long)s.ring_full);
	assert_int_equal(s.seen, FLOOD);
	assert_int_equal(s.emitted + s.rate_limited + s.ring_full + s.sampled_out, FLOOD);
	assert_int_equal(s.sampled_out, 0);
	assert_true(s.emitted >= 200 && s.emitted <= bound);
	/* What was emitted is what the ring holds, record for record. */
	assert_int_equal(ring_buffer__consume(env.rb), (int)s.emitted);
	assert_int_equal(env.got, (int)s.emitted);
}

/* No reader: the ring fills, and the rest is counted as ring_full. */
static void bpf_full_ring_counted(void **state)
{
	const int n = 20000;
	struct fl_ev_stats s;

	need_bpf();
	reset(1, FL_EV_MAX_BURST, 0);
	egress(n);
	s = stats();
	print_message("%d injections, no reader: %llu emitted, %llu ring-full\n", n,
		      (unsigned long long)s.emitted, (unsigned long long)s.ring_full);
	assert_int_equal(s.seen, n);
	assert_int_equal(s.rate_limited, 0);
	assert_true(s.ring_full > 0);
	assert_int_equal(s.emitted + s.ring_full, n);
	assert_true(s.emitted * sizeof(struct fl_event) <= FL_EV_RING_BYTES);
	assert_int_equal(ring_buffer__consume(env.rb), (int)s.emitted);
}

/* 1 in 10 kept: the count within 6 sigma of the binomial expectation. */
static void bpf_sampling_one_in_ten(void **state)
{
	const int n = 2000;
	struct fl_ev_stats s;
	double sigma = sqrt(n * 0.1 * 0.9), dev;

	need_bpf();
	reset(1, FL_EV_MAX_BURST, 10);
	egress(n);
	s = stats();
	dev = fabs((double)s.emitted - n * 0.1) / sigma;
	print_message("sample 1 in 10: %llu of %d emitted, %.2f sigma\n", (unsigned long long)s.emitted, n, dev);
	assert_int_equal(s.emitted + s.sampled_out, n);
	assert_true(dev < 6);
	ring_buffer__consume(env.rb);
}

int main(void)
{
	const struct CMUnitTest cli[] = {
		cmocka_unit_test(parses_options),
		cmocka_unit_test(refuses_bad_input),
		cmocka_unit_test(names),
	};
	const struct CMUnitTest bpf[] = {
		cmocka_unit_test(bpf_net_record),
		cmocka_unit_test(bpf_ingress_names_no_task),
		cmocka_unit_test(bpf_sys_record),
		cmocka_unit_test(bpf_flood_rate_limited),
		cmocka_unit_test(bpf_full_ring_counted),
		cmocka_unit_test(bpf_sampling_one_in_ten),
	};
	int failed = 0;

	libbpf_set_print(NULL);
	failed += cmocka_run_group_tests_name("events cli", cli, NULL, NULL);
	failed += cmocka_run_group_tests_name("events bpf", bpf, setup_bpf, teardown_bpf);
	return failed;
}
