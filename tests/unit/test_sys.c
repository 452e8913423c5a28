// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * faultline sys: the command line, the choice of mechanism on made-up
 * kernels, and the BPF decision path (kill switch, target, deadline,
 * --after, chance, --count) run for real through BPF_PROG_TEST_RUN.
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
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>
#include "sys.skel.h"
#include "ctl.h"
#include "sys.h"
#include "sysfs.h"
#include "target.h"

/* ------------------------------------------------------- the command line */

static int parse(struct fl_sys_opts *o, char *err, ...)
{
	char *argv[32] = { "fail" };
	int argc = 1;
	va_list ap;

	va_start(ap, err);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	err[0] = '\0';
	return fl_sys_parse_args(argc, argv, o, err);
}

#define PARSE(o, err, ...) parse(o, err, __VA_ARGS__, (char *)NULL)
#define BASE "--cgroup", "/x", "--call", "connect", "--errno", "ECONNREFUSED"

static void parses_defaults(void **state)
{
	struct fl_sys_opts o;
	char err[FL_ERRLEN];

	assert_int_equal(PARSE(&o, err, BASE), 0);
	assert_int_equal(o.ncalls, 1);
	assert_string_equal(o.calls[0], "connect");
	assert_int_equal(o.errnum, ECONNREFUSED);
	assert_int_equal(o.prob, FL_PROB_ONE);
	assert_int_equal(o.duration_ns, 60000000000ULL);
	assert_int_equal(o.count, 0);
	assert_int_equal(o.mech, FL_MECH_AUTO);
}

static void parses_everything(void **state)
{
	struct fl_sys_opts o;
	char err[FL_ERRLEN];

	assert_int_equal(PARSE(&o, err, "--pid", "1", "--call", "read,write,read", "--errno", "5",
			       "--probability", "50%", "--after", "3", "--count", "2",
			       "--duration", "2h", "--mechanism", "kprobe", "--dry-run", "--force"), 0);
	assert_int_equal(o.ncalls, 2);	/* "read" once */
	assert_int_equal(o.errnum, EIO);
	assert_int_equal(o.prob, 1ULL << 31);
	assert_int_equal(o.after, 3);
	assert_int_equal(o.count, 2);
	assert_int_equal(o.duration_ns, 7200000000000ULL);
	assert_int_equal(o.mech, FL_MECH_KPROBE);
	assert_true(o.dry_run && o.force);
}

/* Every one of these is bad input: -EINVAL and a sentence, so exit 2. */
static void refuses_bad_input(void **state)
{
	static const char *bad[][4] = {
		{ "--count", "0" }, { "--count", "-1" }, { "--count", "x" },
		{ "--probability", "1.5" }, { "--probability", "-0.1" }, { "--probability", "abc" },
		{ "--duration", "0s" }, { "--duration", "-1s" }, { "--duration", "25h" },
		{ "--duration", "5" }, { "--errno", "ENOTANERRNO" }, { "--errno", "0" },
		{ "--errno", "5000" }, { "--mechanism", "ebpf" }, { "--call", "Connect" },
		{ "--call", "con nect" }, { "--call", "," }, { "--after", "-3" },
		{ "--pid", "1" }, { "--bogus-option" }, { "stray" }, { "--path", "" },
	};
	struct fl_sys_opts o;
	char err[FL_ERRLEN];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int e = PARSE(&o, err, BASE, bad[i][0], bad[i][1]);

		if (e != -EINVAL || !err[0])
			fail_msg("%s %s: got %d, '%s'", bad[i][0], bad[i][1] ?: "", e, err);
		assert_null(strchr(err, '\n'));
	}
}

static void requires_target_call_errno(void **state)
{
	struct fl_sys_opts o;
	char err[FL_ERRLEN];

	assert_int_equal(PARSE(&o, err, "--call", "connect", "--errno", "EIO"), -EINVAL);
	assert_non_null(strstr(err, "target"));
	assert_int_equal(PARSE(&o, err, "--cgroup", "/x", "--errno", "EIO"), -EINVAL);
	assert_non_null(strstr(err, "--call"));
	assert_int_equal(PARSE(&o, err, "--cgroup", "/x", "--call", "connect"), -EINVAL);
	assert_non_null(strstr(err, "--errno"));
}

static void path_must_exist(void **state)
{
	struct fl_sys_opts o;
	char err[FL_ERRLEN];

	assert_int_equal(PARSE(&o, err, BASE, "--path", "/nonexistent/faultline"), 0);
	assert_int_equal(fl_sys_resolve_path(&o, err), -EINVAL);
	assert_int_equal(PARSE(&o, err, BASE, "--path", "/tmp/"), 0);
	assert_int_equal(fl_sys_resolve_path(&o, err), 0);
	assert_string_equal(o.path, "/tmp");
	assert_true(o.path_ino > 0);
}

/* ------------------------------------------------- choosing a mechanism */

struct fake_kernel {
	bool has[FEAT__COUNT];
	struct btf *btf;
};

static bool fake_has(enum fl_feat id, void *arg)
{
	return ((struct fake_kernel *)arg)->has[id];
}

/* A BTF with just the syscalls these tests name. */
static struct btf *fake_btf(void)
{
	static const char *const names[] = {
		"connect", "read", "write", "fsync", "getrandom", "exit_group", "openat",
		"getpid", "getppid", "getuid", "getgid", "geteuid", "getegid", "gettid",
	};
	struct btf *b = btf__new_empty();
	char sym[64];
	int proto;
	size_t i;

	assert_non_null(b);
	proto = btf__add_func_proto(b, 0);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(sym, sizeof(sym), "__x64_sys_%s", names[i]);
		assert_true(btf__add_func(b, sym, BTF_FUNC_GLOBAL, proto) > 0);
	}
	return b;
}

/* The kernels we test on, as `faultline doctor` sees them. */
static void kernel_like(struct fake_kernel *k, const char *which)
{
	memset(k->has, 0, sizeof(k->has));
	k->has[FEAT_SOCK_ADDR] = k->has[FEAT_SET_RETVAL] = true;
	if (!strcmp(which, "host"))
		return;
	k->has[FEAT_BPF_LSM] = k->has[FEAT_FMOD_RET_SECURITY] = k->has[FEAT_KPROBE] = true;
	if (!strcmp(which, "debian"))
		return;
	k->has[FEAT_FMOD_RET_SYSCALL] = k->has[FEAT_OVERRIDE_RETURN] = true;
}

static int plan(struct fake_kernel *k, struct fl_sys_plan *p, char *err, ...)
{
	static struct fl_sys_opts o;
	struct fl_sys_env env = { fake_has, k, k->btf, NULL };
	char *argv[32] = { "fail", "--cgroup", "/x" };
	int argc = 3;
	va_list ap;

	va_start(ap, err);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	assert_int_equal(fl_sys_parse_args(argc, argv, &o, err), 0);
	o.path_ino = o.path[0] ? 42 : 0;
	err[0] = '\0';
	return fl_sys_plan(&o, &env, p, err);
}

#define PLAN(k, p, err, ...) plan(k, p, err, __VA_ARGS__, (char *)NULL)

static int setup_kernel(void **state)
{
	static struct fake_kernel k;

	k.btf = fake_btf();
	*state = &k;
	return 0;
}

static int teardown_kernel(void **state)
{
	btf__free(((struct fake_kernel *)*state)->btf);
	return 0;
}

static void host_socket_calls(void **state)
{
	struct fake_kernel *k = *state;
	struct fl_sys_plan p;
	char err[FL_ERRLEN];

	kernel_like(k, "host");
	assert_int_equal(PLAN(k, &p, err, "--call", "connect,sendto,socket,bind", "--errno", "ECONNREFUSED"), 0);
	assert_int_equal(p.nsteps, 4);
	assert_int_equal(p.steps[0].mech, FL_MECH_SOCK);
	assert_string_equal(p.steps[0].hooks, "cgroup/connect4 cgroup/connect6");
	assert_string_equal(p.steps[1].progs[0], "fl_sendmsg4");
	assert_string_equal(p.steps[2].hooks, "cgroup/sock_create");
	assert_int_equal(p.calls, FL_SYS_CONNECT | FL_SYS_SENDMSG | FL_SYS_SOCKET | FL_SYS_BIND);
	assert_true(p.set_retval);
}

static void eperm_only_without_set_retval(void **state)
{
	struct fake_kernel *k = *state;
	struct fl_sys_plan p;
	char err[FL_ERRLEN];

	kernel_like(k, "host");
	k->has[FEAT_SET_RETVAL] = false;
	assert_int_equal(PLAN(k, &p, err, "--call", "connect", "--errno", "ECONNREFUSED"), -EINVAL);
	assert_non_null(strstr(err, "EPERM"));
	assert_int_equal(PLAN(k, &p, err, "--call", "connect", "--errno", "EPERM"), 0);
	assert_false(p.set_retval);
}

/* The host has neither LSM nor trampolines nor kprobes: exit 1, named. */
static void host_lacks_file_and_byname(void **state)
{
	struct fake_kernel *k = *state;
	struct fl_sys_plan p;
	char err[FL_ERRLEN];

	kernel_like(k, "host");
	assert_int_equal(PLAN(k, &p, err, "--call", "read", "--errno", "EIO"), -EOPNOTSUPP);
	assert_non_null(strstr(err, "bpf_lsm"));
	assert_int_equal(PLAN(k, &p, err, "--call", "fsync", "--errno", "EIO"), -EOPNOTSUPP);
	assert_non_null(strstr(err, "fmod_ret_syscall"));
	assert_non_null(strstr(err, "bpf_override_return"));
	assert_non_null(strstr(err, "faultline doctor"));
}

/* Input errors are reported as such even where the kernel also lacks a hook. */
static void bad_calls_are_usage_errors(void **state)
{
	static const char *const cases[][8] = {
		{ "--call", "fsync,notasyscall", "--errno", "EIO" },
		{ "--call", "exit_group", "--errno", "EIO" },
		{ "--call", "connect", "--errno", "EIO", "--path", "/tmp" },
		{ "--call", "fork", "--errno", "EIO", "--path", "/tmp" },
		{ "--call", "fsync", "--errno", "EIO", "--path", "/tmp" },
		{ "--call", "connect", "--errno", "EIO", "--mechanism", "lsm" },
		{ "--call", "read", "--errno", "EIO", "--mechanism", "sock" },
		{ "--call", "fsync", "--errno", "EIO", "--mechanism", "sock" },
		{ "--call", "read", "--errno", "EIO", "--mechanism", "kprobe", "--path", "/tmp" },
	};
	static const char *const kernels[] = { "host", "debian", "errinj" };
	struct fake_kernel *k = *state;
	struct fl_sys_plan p;
	char err[FL_ERRLEN];
	size_t i, j;
	int e;

	for (j = 0; j < 3; j++) {
		kernel_like(k, kernels[j]);
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			const char *const *c = cases[i];

			e = plan(k, &p, err, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], (char *)NULL);
			if (e != -EINVAL || !err[0])
				fail_msg("%s: %s %s %s: got %d '%s'", kernels[j], c[1], c[4] ?: "", c[5] ?: "", e, err);
		}
	}
}

static void debian_file_calls(void **state)
{
	struct fake_kernel *k = *state;
	struct fl_sys_plan p;
	char err[FL_ERRLEN];

	kernel_like(k, "debian");
	assert_int_equal(PLAN(k, &p, err, "--call", "read,write,fork,openat", "--errno", "EIO", "--path", "/tmp"), -EINVAL);
	assert_int_equal(PLAN(k, &p, err, "--call", "read,write,openat,mkdir", "--errno", "EIO", "--path", "/tmp"), 0);
	assert_int_equal(p.steps[0].mech, FL_MECH_LSM);
	assert_string_equal(p.steps[0].hooks, "lsm/file_permission");
	assert_string_equal(p.steps[1].progs[0], "fl_lsm_file_permission");
	assert_string_equal(p.steps[2].progs[0], "fl_lsm_file_open");
	assert_int_equal(p.calls, FL_SYS_READ | FL_SYS_WRITE | FL_SYS_OPEN | FL_SYS_MKDIR);
	assert_int_equal(PLAN(k, &p, err, "--call", "fork", "--errno", "EAGAIN", "--mechanism", "fmod_ret"), 0);
	assert_string_equal(p.steps[0].hooks, "fmod_ret/security_task_alloc");
	assert_string_equal(p.steps[0].progs[0], "fl_fmod_task_alloc");
	/* Without LSM, fmod_ret on security_* takes over. */
	k->has[FEAT_BPF_LSM] = false;
	assert_int_equal(PLAN(k, &p, err, "--call", "write", "--errno", "ENOSPC", "--path", "/tmp"), 0);
	assert_int_equal(p.steps[0].mech, FL_MECH_FMOD_RET);
	/* Debian has kprobes but no bpf_override_return. */
	assert_int_equal(PLAN(k, &p, err, "--call", "fsync", "--errno", "EIO"), -EOPNOTSUPP);
}

static void errinj_byname(void **state)
{
	struct fake_kernel *k = *state;
	struct fl_sys_plan p;
	char err[FL_ERRLEN];

	kernel_like(k, "errinj");
	assert_int_equal(PLAN(k, &p, err, "--call", "fsync,getrandom", "--errno", "EIO"), 0);
	assert_int_equal(p.steps[0].mech, FL_MECH_FMOD_RET);
	assert_string_equal(p.steps[0].sym, "__x64_sys_fsync");
	assert_string_equal(p.steps[0].progs[0], "fl_fmod_sys0");
	assert_string_equal(p.steps[1].progs[0], "fl_fmod_sys1");
	assert_string_equal(p.steps[1].hooks, "fmod_ret/__x64_sys_getrandom");
	assert_int_equal(p.calls, FL_SYS_BYNAME);
	assert_int_equal(PLAN(k, &p, err, "--call", "fsync,getrandom", "--errno", "EIO", "--mechanism", "kprobe"), 0);
	assert_string_equal(p.steps[1].progs[0], "fl_kprobe_sys");
	assert_string_equal(p.steps[1].hooks, "kprobe/__x64_sys_getrandom");
	/* Forced, a socket call goes to the bare syscall. */
	assert_int_equal(PLAN(k, &p, err, "--call", "connect", "--errno", "EIO", "--mechanism", "fmod_ret"), 0);
	assert_string_equal(p.steps[0].sym, "__x64_sys_connect");
	/* One fmod_ret program per syscall, and there are eight. */
	assert_int_equal(PLAN(k, &p, err, "--call", "getpid,getppid,getuid,getgid,geteuid,getegid,gettid,fsync,getrandom",
			      "--errno", "EIO"), -EINVAL);
	assert_non_null(strstr(err, "at most"));
}

/* ---------------------------------------------- the BPF decision path */

struct bpf_env {
	struct sys_bpf *skel;
	int prog_fd;
	uint64_t cgid;
	int level;
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

/* Only fl_sys_test, and a private kill switch: the host's stays untouched. */
static struct sys_bpf *load_test(__u64 cgid, int level)
{
	struct bpf_program *prog;
	struct sys_bpf *skel = sys_bpf__open();

	if (!skel)
		return NULL;
	fl_obj_private(skel->obj);
	skel->rodata->targ_cgid = cgid;
	skel->rodata->targ_level = level;
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, prog == skel->progs.fl_sys_test);
	if (sys_bpf__load(skel)) {
		sys_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static int setup_bpf(void **state)
{
	static struct bpf_env e;

	if (own_cgroup(&e.cgid, &e.level))
		return -1;
	e.skel = load_test(e.cgid, e.level);
	e.prog_fd = e.skel ? bpf_program__fd(e.skel->progs.fl_sys_test) : -1;
	*state = &e;
	return 0;
}

static int teardown_bpf(void **state)
{
	sys_bpf__destroy(((struct bpf_env *)*state)->skel);
	return 0;
}

static struct bpf_env *need_bpf(void **state)
{
	struct bpf_env *e = *state;

	if (!e->skel) {
		print_message("cannot load fl_sys_test (root and BPF_PROG_TYPE_SYSCALL needed): skipped\n");
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
	struct sys_bpf *other[2];
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
		sys_bpf__destroy(other[i]);
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

int main(void)
{
	const struct CMUnitTest parsing[] = {
		cmocka_unit_test(parses_defaults),
		cmocka_unit_test(parses_everything),
		cmocka_unit_test(refuses_bad_input),
		cmocka_unit_test(requires_target_call_errno),
		cmocka_unit_test(path_must_exist),
	};
	const struct CMUnitTest planning[] = {
		cmocka_unit_test(host_socket_calls),
		cmocka_unit_test(eperm_only_without_set_retval),
		cmocka_unit_test(host_lacks_file_and_byname),
		cmocka_unit_test(bad_calls_are_usage_errors),
		cmocka_unit_test(debian_file_calls),
		cmocka_unit_test(errinj_byname),
	};
	const struct CMUnitTest bpf[] = {
		cmocka_unit_test(bpf_injects_the_errno),
		cmocka_unit_test(bpf_after_then_count),
		cmocka_unit_test(bpf_deadline_in_the_map),
		cmocka_unit_test(bpf_kill_switch_first),
		cmocka_unit_test(bpf_only_the_target),
		cmocka_unit_test(bpf_probability_half),
		cmocka_unit_test(bpf_exact_across_cpus),
	};
	int failed = 0;

	libbpf_set_print(NULL);
	failed += cmocka_run_group_tests_name("sys parsing", parsing, NULL, NULL);
	failed += cmocka_run_group_tests_name("sys planning", planning, setup_kernel, teardown_kernel);
	failed += cmocka_run_group_tests_name("sys bpf", bpf, setup_bpf, teardown_bpf);
	return failed;
}
