// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * faultline sys in the kernel: every shipped program of sys.bpf.c loaded
 * where this kernel has its hook (one that does not is a failure, a missing
 * hook a skip), and the decision path they share (kill switch, target,
 * deadline, --after, chance, --count) run for real through
 * BPF_PROG_TEST_RUN on the test object (tests/unit/bpf/sys_test.bpf.c);
 * then fl_sys_kind from prepare to release, failing real connect() calls.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>
#include "sys.skel.h"
#include "sys_test.skel.h"
#include "ctl.h"
#include "sys_kind.h"
#include "sysfs.h"
#include "target.h"

/* -------------------------------------------------------- libbpf's log */

/* The tail of what libbpf said: a verifier log ends with its verdict. */
static char bpf_log[4096];

static int keep_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t n = strlen(bpf_log), m, keep;
	char *line;

	if (level == LIBBPF_DEBUG || vasprintf(&line, fmt, ap) < 0)
		return 0;
	m = strlen(line);
	if (m >= sizeof(bpf_log)) {	/* the verifier's log comes in one piece */
		memmove(line, line + m - (sizeof(bpf_log) - 1), sizeof(bpf_log));
		m = sizeof(bpf_log) - 1;
	}
	keep = n + m < sizeof(bpf_log) ? n : sizeof(bpf_log) - 1 - m;
	memmove(bpf_log, bpf_log + n - keep, keep);
	memcpy(bpf_log + keep, line, m + 1);
	free(line);
	return 0;
}

/* The last lines of the log as TAP comments: tests/run.sh shows those. */
static void show_log(void)
{
	const char *p = bpf_log + strlen(bpf_log);
	int lines = 0;

	while (p > bpf_log && lines < 24)
		if (*--p == '\n')
			lines++;
	for (p += *p == '\n'; *p; p += strcspn(p, "\n"), p += *p == '\n')
		fprintf(stderr, "# %.*s\n", (int)strcspn(p, "\n"), p);
}

/* ------------------------------------------------- the shipped programs */

/* Every id names one program of sys.bpf.c, and every program has an id. */
static void program_ids(void **state)
{
	struct sys_bpf *s = sys_bpf__open();
	struct bpf_program *prog, *seen[FL_PROG__COUNT] = { 0 };
	int id, j, n = 0;

	assert_non_null(s);
	for (id = FL_PROG_NONE + 1; id < FL_PROG__COUNT; id++) {
		seen[id] = fl_sys_prog(s, id);
		assert_non_null(seen[id]);
		for (j = 1; j < id; j++)
			assert_ptr_not_equal(seen[j], seen[id]);
	}
	assert_null(fl_sys_prog(s, FL_PROG_NONE));
	assert_null(fl_sys_prog(s, FL_PROG__COUNT));
	bpf_object__for_each_program(prog, s->obj)
		n++;
	assert_int_equal(n, FL_PROG__COUNT - 1);
	assert_string_equal(bpf_program__name(fl_sys_prog(s, FL_PROG_SENDMSG4)), "fl_sendmsg4");
	assert_string_equal(bpf_program__name(fl_sys_prog(s, FL_PROG_FMOD_INODE_RENAME)), "fl_fmod_inode_rename");
	assert_string_equal(bpf_program__name(fl_sys_prog(s, FL_PROG_FMOD_SYS0 + 7)), "fl_fmod_sys7");
	assert_string_equal(bpf_program__name(fl_sys_prog(s, FL_PROG_KPROBE_SYS)), "fl_kprobe_sys");
	sys_bpf__destroy(s);
}

/* Load program `id` alone, privately: 0, or -errno with libbpf's log kept. */
static int load_one(enum fl_sys_prog id, const char *target)
{
	struct sys_bpf *s = sys_bpf__open();
	struct bpf_program *prog;
	int e;

	if (!s)
		return -errno;
	fl_obj_private(s->obj);
	s->rodata->targ_set_retval = true;
	bpf_object__for_each_program(prog, s->obj)
		bpf_program__set_autoload(prog, prog == fl_sys_prog(s, id));
	e = target ? bpf_program__set_attach_target(fl_sys_prog(s, id), 0, target) : 0;
	bpf_log[0] = '\0';
	if (!e)
		e = sys_bpf__load(s) ? -errno : 0;
	sys_bpf__destroy(s);
	return e;
}

/*
 * Programs [first, last] load where this kernel has `feat` (else skip):
 * one that does not is a verifier regression, and a failure.
 */
static void loads(enum fl_feat feat, enum fl_sys_prog first, enum fl_sys_prog last,
		  const char *target)
{
	struct fl_features ff = { 0 };
	struct sys_bpf *names = sys_bpf__open();
	int id, e;

	assert_non_null(names);
	if (!fl_probe_one(feat, &ff)) {
		sys_bpf__destroy(names);
		print_message("this kernel lacks %s (%s): skipped\n", fl_feat_name(feat), ff.f[feat].reason);
		skip();
	}
	for (id = first; id <= (int)last; id++) {
		e = load_one(id, target);
		if (!e)
			continue;
		show_log();
		fail_msg("%s does not load though the kernel has %s: %s (libbpf's log above)",
			 bpf_program__name(fl_sys_prog(names, id)), fl_feat_name(feat), strerror(-e));
	}
	sys_bpf__destroy(names);
}

static void loads_socket_programs(void **state)
{
	loads(FEAT_SOCK_ADDR, FL_PROG_CONNECT4, FL_PROG_SOCK_CREATE, NULL);
}

static void loads_lsm_programs(void **state)
{
	loads(FEAT_BPF_LSM, FL_PROG_LSM_FILE_OPEN, FL_PROG_LSM_TASK_ALLOC, NULL);
}

static void loads_fmod_security_programs(void **state)
{
	loads(FEAT_FMOD_RET_SECURITY, FL_PROG_FMOD_FILE_OPEN, FL_PROG_FMOD_TASK_ALLOC, NULL);
}

static void loads_fmod_syscall_programs(void **state)
{
	loads(FEAT_FMOD_RET_SYSCALL, FL_PROG_FMOD_SYS0, FL_PROG_FMOD_SYS0 + FL_SYS_MAX_BYNAME - 1,
	      FL_SYSCALL_PREFIX "getpgid");	/* the one doctor probes: it has BTF */
}

static void loads_kprobe_program(void **state)
{
	loads(FEAT_OVERRIDE_RETURN, FL_PROG_KPROBE_SYS, FL_PROG_KPROBE_SYS, NULL);
}

/* ---------------------------------------------- the BPF decision path */

struct bpf_env {
	struct sys_test_bpf *skel;
	int prog_fd;
	uint64_t cgid;
	int level;
	char broken[FL_ERRLEN];		/* it should load here and did not */
};

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
 * The test object, with a private kill switch: the host's stays untouched.
 * seed and index: the draws' (fault.h), as a loader sets them.
 */
static struct sys_test_bpf *load_seeded(__u64 cgid, int level, __u64 seed, __u32 index)
{
	struct sys_test_bpf *skel = sys_test_bpf__open();

	if (!skel)
		return NULL;
	fl_obj_private(skel->obj);
	skel->rodata->targ_cgid = cgid;
	skel->rodata->targ_level = level;
	skel->rodata->fl_seed = seed;
	skel->rodata->fl_fault_index = index;
	bpf_log[0] = '\0';
	if (sys_test_bpf__load(skel)) {
		sys_test_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static struct sys_test_bpf *load_test(__u64 cgid, int level)
{
	return load_seeded(cgid, level, 0, 0);
}

static int setup_bpf(void **state)
{
	static struct bpf_env e;

	*state = &e;
	/* A real skip: not root, or no BPF_PROG_TYPE_SYSCALL (5.14). */
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SYSCALL, NULL) != 1 ||
	    own_cgroup(&e.cgid, &e.level))
		return 0;
	e.skel = load_test(e.cgid, e.level);
	if (!e.skel)
		snprintf(e.broken, sizeof(e.broken), "%s", strerror(errno));
	e.prog_fd = e.skel ? bpf_program__fd(e.skel->progs.fl_sys_test) : -1;
	return 0;
}

static int teardown_bpf(void **state)
{
	sys_test_bpf__destroy(((struct bpf_env *)*state)->skel);
	return 0;
}

static struct bpf_env *need_bpf(void **state)
{
	struct bpf_env *e = *state;

	if (e->broken[0]) {
		show_log();
		fail_msg("fl_sys_test does not load though the kernel runs syscall programs: %s (libbpf's log above)",
			 e->broken);
	}
	if (!e->skel) {
		print_message("BPF_PROG_TYPE_SYSCALL unavailable (root and 5.14+ needed): skipped\n");
		skip();
	}
	return e;
}

static void set_rule(struct bpf_env *e, struct fl_sys_rule r)
{
	struct fl_sys_stats zero_stats = { 0 };
	struct fl_control ctl = { 0 };
	__u32 zero = 0;

	if (!r.deadline_ns)
		r.deadline_ns = fl_now_ns() + 60000000000ULL;
	assert_int_equal(bpf_map__update_elem(e->skel->maps.fl_sys_rule, &zero, 4, &r, sizeof(r), 0), 0);
	assert_int_equal(bpf_map__update_elem(e->skel->maps.fl_sys_stats, &zero, 4, &zero_stats,
					      sizeof(zero_stats), 0), 0);
	assert_int_equal(bpf_map__update_elem(e->skel->maps.fl_control, &zero, 4, &ctl, sizeof(ctl), 0), 0);
}

static struct fl_sys_stats stats(struct bpf_env *e)
{
	struct fl_sys_stats s;
	__u32 zero = 0;

	assert_int_equal(bpf_map__lookup_elem(e->skel->maps.fl_sys_stats, &zero, 4, &s, sizeof(s), 0), 0);
	return s;
}

static int run_prog(int fd, __u32 call)
{
	struct fl_sys_test_ctx ctx = { .call = call };
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

	if (bpf_prog_test_run_opts(fd, &o))
		return INT_MIN;
	return (int)o.retval;
}

static void bpf_injects_the_errno(void **state)
{
	struct bpf_env *e = need_bpf(state);
	int i;

	set_rule(e, (struct fl_sys_rule){ .prob = FL_PROB_ONE, .calls = FL_SYS_CONNECT, .errnum = ECONNREFUSED });
	for (i = 0; i < 100; i++)
		assert_int_equal(run_prog(e->prog_fd, FL_SYS_CONNECT), -ECONNREFUSED);
	/* A call the rule does not name is neither matched nor failed. */
	assert_int_equal(run_prog(e->prog_fd, FL_SYS_BIND), 0);
	assert_int_equal(stats(e).matched, 100);
	assert_int_equal(stats(e).injected, 100);
}

static void bpf_after_then_count(void **state)
{
	struct bpf_env *e = need_bpf(state);
	int i, got[10];

	set_rule(e, (struct fl_sys_rule){ .prob = FL_PROB_ONE, .after = 3, .count = 2,
					  .calls = FL_SYS_BYNAME, .errnum = EIO });
	for (i = 0; i < 10; i++)
		got[i] = run_prog(e->prog_fd, FL_SYS_BYNAME);
	for (i = 0; i < 10; i++)
		if (got[i] != ((i == 3 || i == 4) ? -EIO : 0))
			fail_msg("call %d returned %d: only calls 4 and 5 may fail", i + 1, got[i]);
	assert_int_equal(stats(e).matched, 10);
	assert_int_equal(stats(e).injected, 2);
}

static void bpf_deadline_in_the_map(void **state)
{
	struct bpf_env *e = need_bpf(state);

	/* Past deadline: inert, whatever the loader does (or if it was killed). */
	set_rule(e, (struct fl_sys_rule){ .deadline_ns = fl_now_ns() - 1, .prob = FL_PROB_ONE,
					  .calls = FL_SYS_OPEN, .errnum = EACCES });
	assert_int_equal(run_prog(e->prog_fd, FL_SYS_OPEN), 0);
	assert_int_equal(stats(e).matched, 0);
	set_rule(e, (struct fl_sys_rule){ .deadline_ns = fl_now_ns() + 200000000, .prob = FL_PROB_ONE,
					  .calls = FL_SYS_OPEN, .errnum = EACCES });
	assert_int_equal(run_prog(e->prog_fd, FL_SYS_OPEN), -EACCES);
	usleep(250000);
	assert_int_equal(run_prog(e->prog_fd, FL_SYS_OPEN), 0);
}

static void bpf_kill_switch_first(void **state)
{
	struct bpf_env *e = need_bpf(state);
	struct fl_control halted = { .generation = 1 };
	__u32 zero = 0;

	set_rule(e, (struct fl_sys_rule){ .prob = FL_PROB_ONE, .calls = FL_SYS_FORK, .errnum = EAGAIN });
	assert_int_equal(run_prog(e->prog_fd, FL_SYS_FORK), -EAGAIN);
	assert_int_equal(bpf_map__update_elem(e->skel->maps.fl_control, &zero, 4, &halted, sizeof(halted), 0), 0);
	assert_int_equal(run_prog(e->prog_fd, FL_SYS_FORK), 0);
	assert_int_equal(stats(e).matched, 1);	/* halted calls are not even counted */
}

/* Not the target: a cgroup we are not in, and a level deeper than ours. */
static void bpf_only_the_target(void **state)
{
	struct bpf_env *e = need_bpf(state);
	struct sys_test_bpf *other[2];
	struct fl_sys_rule r = { .deadline_ns = fl_now_ns() + 60000000000ULL, .prob = FL_PROB_ONE,
				 .calls = FL_SYS_CONNECT, .errnum = ECONNREFUSED };
	__u32 zero = 0;
	int i;

	other[0] = load_test(e->cgid + 1000000, e->level);
	other[1] = load_test(e->cgid, e->level + 1);
	for (i = 0; i < 2; i++) {
		assert_non_null(other[i]);
		assert_int_equal(bpf_map__update_elem(other[i]->maps.fl_sys_rule, &zero, 4, &r, sizeof(r), 0), 0);
		assert_int_equal(run_prog(bpf_program__fd(other[i]->progs.fl_sys_test), FL_SYS_CONNECT), 0);
		sys_test_bpf__destroy(other[i]);
	}
}

static void bpf_probability_half(void **state)
{
	struct bpf_env *e = need_bpf(state);
	const int n = 4000;
	double sigma = sqrt(n * 0.25), dev;
	int i;

	set_rule(e, (struct fl_sys_rule){ .prob = FL_PROB_ONE / 2, .calls = FL_SYS_READ, .errnum = EIO });
	for (i = 0; i < n; i++)
		run_prog(e->prog_fd, FL_SYS_READ);
	dev = fabs((double)stats(e).injected - n * 0.5) / sigma;
	print_message("probability 0.5: %llu of %d injected, %.2f sigma\n",
		      (unsigned long long)stats(e).injected, n, dev);
	assert_int_equal(stats(e).matched, n);
	assert_true(dev < 6);
}

/*
 * The kernel decides what fl_draw_hit() says for the object's seed and
 * fault index: call n fails exactly when (seed, index, n) wins, --after
 * counted in n. Another seed is another sequence.
 */
static int seeded_calls(struct bpf_env *e, __u64 seed, __u32 index, __u64 prob, char *got, int n)
{
	struct sys_test_bpf *s = load_seeded(e->cgid, e->level, seed, index);
	struct fl_sys_rule r = { .deadline_ns = fl_now_ns() + 60000000000ULL, .prob = prob,
				 .after = 5, .calls = FL_SYS_CONNECT, .errnum = ECONNREFUSED };
	__u32 zero = 0;
	int k = 0;

	assert_non_null(s);
	assert_int_equal(bpf_map__update_elem(s->maps.fl_sys_rule, &zero, 4, &r, sizeof(r), 0), 0);
	for (int i = 0; i < n; i++) {
		got[i] = run_prog(bpf_program__fd(s->progs.fl_sys_test), FL_SYS_CONNECT) == -ECONNREFUSED;
		k += got[i];
	}
	sys_test_bpf__destroy(s);
	return k;
}

static void bpf_draws_are_the_seeds(void **state)
{
	struct bpf_env *e = need_bpf(state);
	__u64 prob = FL_PROB_ONE * 3 / 10;
	char got[2000], other[2000];
	int i, k;

	k = seeded_calls(e, 42, 3, prob, got, 2000);
	for (i = 0; i < 2000; i++) {
		int want = i + 1 > 5 && fl_draw_hit(42, 3, i + 1, prob);

		if (got[i] != want)
			fail_msg("call %d (n=%d) %s; seed 42, fault 3 says it %s", i + 1, i + 1,
				 got[i] ? "failed" : "passed", want ? "fails" : "passes");
	}
	print_message("seed 42: %d of 2000 calls failed, each where the draw says\n", k);
	seeded_calls(e, 42, 3, prob, other, 2000);
	assert_memory_equal(got, other, sizeof(got));
	seeded_calls(e, 43, 3, prob, other, 2000);
	assert_memory_not_equal(got, other, sizeof(got));
	seeded_calls(e, 42, 4, prob, other, 2000);
	assert_memory_not_equal(got, other, sizeof(got));
}

struct racer {
	int fd, cpu, runs, injected;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (i = 0; i < r->runs; i++)
		r->injected += run_prog(r->fd, FL_SYS_WRITE) == -ENOSPC;
	return NULL;
}

/* --after and --count stay exact with every CPU hammering the counters. */
static void bpf_exact_across_cpus(void **state)
{
	struct bpf_env *e = need_bpf(state);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct racer r[8];
	pthread_t th[8];
	int i, n = ncpu < 2 ? 2 : ncpu > 8 ? 8 : ncpu, total = 0;

	set_rule(e, (struct fl_sys_rule){ .prob = FL_PROB_ONE, .after = 1000, .count = 5000,
					  .calls = FL_SYS_WRITE, .errnum = ENOSPC });
	for (i = 0; i < n; i++) {
		r[i] = (struct racer){ .fd = e->prog_fd, .cpu = i % (ncpu > 0 ? ncpu : 1), .runs = 10000 };
		assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
	}
	for (i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		total += r[i].injected;
	}
	assert_int_equal(stats(e).matched, n * 10000);
	assert_int_equal(stats(e).injected, 5000);
	assert_int_equal(total, 5000);
}

/*
 * Every n from 1 to N goes to exactly one call however the CPUs race, so
 * the number of injections is the seed's, not the interleaving's: a
 * per-CPU count would hand out some n twice and others never.
 */
static void bpf_seeded_exact_across_cpus(void **state)
{
	struct bpf_env *e = need_bpf(state);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	__u64 prob = FL_PROB_ONE * 3 / 10;
	int i, n = ncpu < 2 ? 2 : ncpu > 8 ? 8 : ncpu, total = 0, want = 0;
	struct sys_test_bpf *s = load_seeded(e->cgid, e->level, 7, 0);
	struct fl_sys_rule r = { .deadline_ns = fl_now_ns() + 60000000000ULL, .prob = prob,
				 .calls = FL_SYS_WRITE, .errnum = ENOSPC };
	struct racer rc[8];
	pthread_t th[8];
	__u32 zero = 0;

	assert_non_null(s);
	assert_int_equal(bpf_map__update_elem(s->maps.fl_sys_rule, &zero, 4, &r, sizeof(r), 0), 0);
	for (i = 0; i < n; i++) {
		rc[i] = (struct racer){ .fd = bpf_program__fd(s->progs.fl_sys_test),
				       .cpu = i % (ncpu > 0 ? ncpu : 1), .runs = 10000 };
		assert_int_equal(pthread_create(&th[i], NULL, race, &rc[i]), 0);
	}
	for (i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		total += rc[i].injected;
	}
	sys_test_bpf__destroy(s);
	for (__u64 k = 1; k <= (__u64)n * 10000; k++)
		want += fl_draw_hit(7, 0, k, prob);
	assert_int_equal(total, want);
}

/* ------------------------------------------- the family, start to end */

#define UNIT_PIN	FL_PIN_ROOT "/unit/f0"

/* A UDP connect() from a process in cgdir: its errno, 0, or 255 if it could not run. */
static int connect_from(const char *cgdir)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char procs[PATH_MAX];
	pid_t pid = fork();
	int st, fd;

	if (pid == 0) {
		/* Join first: a socket belongs to the cgroup it was made in. */
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgdir);
		if (fl_write_file(procs, "0") || (fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
			_exit(255);
		_exit(connect(fd, (struct sockaddr *)&a, sizeof(a)) ? errno : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return 255;
	return WEXITSTATUS(st);
}

#define CHECK(cond, ...) do { if (!(cond)) { snprintf(why, FL_ERRLEN, __VA_ARGS__); return -1; } } while (0)

/* The engine's steps, in order, with what each must leave behind. */
static int drive(struct fl_fault *f, const struct fl_target *t, uint64_t gen, char *why)
{
	struct fl_fault_ctx ctx = { .target = t, .generation = gen, .exp_id = 0x5a5a };
	struct fl_fault_stats st;
	char err[FL_ERRLEN] = "";
	int i, e;

	snprintf(ctx.pin_prefix, sizeof(ctx.pin_prefix), "%s", UNIT_PIN);
	CHECK(!fl_sys_kind.validate(f, err), "validate: %s", err);
	CHECK(!fl_sys_kind.prepare(f, t, err), "prepare: %s", err);
	CHECK(!strcmp(f->mechanism, "sock"), "mechanism '%s'", f->mechanism);
	CHECK(!strcmp(f->attach, "cgroup/connect4 cgroup/connect6 on the target cgroup"), "attach '%s'", f->attach);
	CHECK(!fl_sys_kind.start(f, &ctx, err), "start: %s", err);
	/* The counters are pinned; the links are not: they die with the controller. */
	CHECK(!access(UNIT_PIN, F_OK) && access(UNIT_PIN "_link0", F_OK), "pins at " UNIT_PIN " wrong");
	/* Attached but inert until armed: not failed, not even counted. */
	e = connect_from(t->path);
	CHECK(e == 0, "connect before arm: %s", strerror(e));
	fl_sys_kind.read(f, &st);
	CHECK(st.valid && st.matched == 0, "before arm: %llu matched", (unsigned long long)st.matched);
	CHECK(!fl_sys_kind.arm(f, fl_now_ns() + 60000000000ULL, err), "arm: %s", err);
	for (i = 0; i < 3; i++) {
		e = connect_from(t->path);
		CHECK(e == (i < 2 ? ECONNREFUSED : 0), "connect %d: %s", i + 1, strerror(e));
	}
	fl_sys_kind.read(f, &st);
	CHECK(st.valid && st.matched == 3 && st.injected == 2 && st.spent, "read: %llu matched, %llu injected",
	      (unsigned long long)st.matched, (unsigned long long)st.injected);
	CHECK(!fl_sys_kind.read_pinned(UNIT_PIN, &st) && st.valid && st.injected == 2 && !st.spent,
	      "read_pinned: %llu injected", (unsigned long long)st.injected);
	fl_sys_kind.stop(f, &st);
	CHECK(st.valid && st.injected == 2, "stop: %llu injected", (unsigned long long)st.injected);
	CHECK(access(UNIT_PIN "_link0", F_OK), "a link was pinned at " UNIT_PIN "_link0");
	CHECK(!f->state, "stop left its state");
	return 0;
}

/* In its own mount namespace and bpffs: the host's pins stay untouched. */
static int lifecycle(const char *cgdir, char *why)
{
	struct fl_sys_conf *c = calloc(1, sizeof(*c));
	struct fl_fault f = { .kind = &fl_sys_kind, .conf = c };
	struct fl_target t = { 0 };
	char err[FL_ERRLEN] = "";
	uint64_t gen;
	int e;

	CHECK(c && !unshare(CLONE_NEWNS) && !mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) &&
	      !mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL), "private bpffs: %s", strerror(errno));
	CHECK(!fl_ctl_prepare(&gen) && !fl_mkdir_p(FL_PIN_ROOT "/unit", 0700), "bpffs: %s", strerror(errno));
	CHECK(!fl_target_set(&t, FL_TARGET_CGROUP, cgdir + strlen(fl_cgroup2_root()), err) &&
	      !fl_target_resolve(&t, false, err), "target: %s", err);
	fl_sys_kind.init(c, 0);
	CHECK(!fl_sys_kind.opts[0].parse(c, "connect", err), "--call: %s", err);
	c->errnum = ECONNREFUSED;
	c->count = 2;
	e = drive(&f, &t, gen, why);
	fl_sys_kind.release(&f);
	CHECK(!f.plan && !f.state, "release kept the plan");
	free(c);
	if (e)
		return e;
	CHECK(connect_from(cgdir) == 0, "connect() still fails after release");
	return 0;
}

static void kind_from_prepare_to_release(void **state)
{
	struct fl_features ff = { 0 };
	char cgdir[PATH_MAX], why[FL_ERRLEN] = "";
	int pipefd[2], st = -1;
	pid_t pid;

	if (!fl_cgroup2_root() || !fl_probe_one(FEAT_SOCK_ADDR, &ff)) {
		print_message("no cgroup socket hooks here (%s): skipped\n", ff.f[FEAT_SOCK_ADDR].reason);
		skip();
	}
	snprintf(cgdir, sizeof(cgdir), "%s/fl-unit-sys-%d", fl_cgroup2_root(), getpid());
	assert_int_equal(mkdir(cgdir, 0755), 0);
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		st = lifecycle(cgdir, why);
		if (write(pipefd[1], why, strlen(why)) < 0)
			st = -1;
		_exit(st ? 1 : 0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], why, sizeof(why) - 1) < 0)
		why[0] = '\0';
	close(pipefd[0]);
	if (pid > 0)
		waitpid(pid, &st, 0);
	rmdir(cgdir);
	if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		fail_msg("fl_sys_kind: %s", why[0] ? why : "the child died");
}

int main(void)
{
	const struct CMUnitTest programs[] = {
		cmocka_unit_test(program_ids),
		cmocka_unit_test(loads_socket_programs),
		cmocka_unit_test(loads_lsm_programs),
		cmocka_unit_test(loads_fmod_security_programs),
		cmocka_unit_test(loads_fmod_syscall_programs),
		cmocka_unit_test(loads_kprobe_program),
	};
	const struct CMUnitTest bpf[] = {
		cmocka_unit_test(bpf_injects_the_errno),
		cmocka_unit_test(bpf_after_then_count),
		cmocka_unit_test(bpf_deadline_in_the_map),
		cmocka_unit_test(bpf_kill_switch_first),
		cmocka_unit_test(bpf_only_the_target),
		cmocka_unit_test(bpf_probability_half),
		cmocka_unit_test(bpf_exact_across_cpus),
		cmocka_unit_test(bpf_draws_are_the_seeds),
		cmocka_unit_test(bpf_seeded_exact_across_cpus),
	};
	const struct CMUnitTest kind[] = {
		cmocka_unit_test(kind_from_prepare_to_release),
	};
	int failed = 0;

	libbpf_set_print(keep_log);
	failed += cmocka_run_group_tests_name("sys programs", programs, NULL, NULL);
	failed += cmocka_run_group_tests_name("sys bpf", bpf, setup_bpf, teardown_bpf);
	failed += cmocka_run_group_tests_name("sys kind", kind, NULL, NULL);
	return failed;
}
