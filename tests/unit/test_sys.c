// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * faultline sys without the kernel's programs: the option table, the choice
 * of mechanism on made-up kernels, what the plan and an event look like,
 * and the old engine's command line. test_sys_bpf.c runs the programs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <cmocka.h>
#include "json.h"
#include "sys_kind.h"
#include "sysfs.h"

/* ------------------------------------------------------ the option table */

static const struct fl_opt *opt_named(const char *name)
{
	const struct fl_opt *o;

	for (o = fl_sys_kind.opts; o->name; o++)
		if (!strcmp(o->name, name) || (o->alias && !strcmp(o->alias, name)))
			return o;
	fail_msg("no option '%s' in the table", name);
	return NULL;
}

static int set_enum(const struct fl_opt *o, __u32 *at, const char *arg, char *err)
{
	const struct fl_opt_value *v;

	for (v = o->values; v->name; v++) {
		if (!strcmp(v->name, arg)) {
			*at = v->value;
			return 0;
		}
	}
	snprintf(err, FL_ERRLEN, "--%s %s: not one of its values", o->name, arg);
	return -EINVAL;
}

/*
 * What the engine does with one option, by the table alone: so the tests
 * see that every offset and type matches struct fl_sys_conf.
 */
static int table_set(struct fl_sys_conf *c, const char *name, const char *arg, char *err)
{
	const struct fl_opt *o = opt_named(name);
	char *at = (char *)c + o->off;
	int e = 0;

	err[0] = '\0';
	if (o->parse && o->type != FL_OPT_CUSTOM && o->parse(c, arg, err))
		return -EINVAL;
	switch (o->type) {
	case FL_OPT_CUSTOM:
		return o->parse(c, arg, err);
	case FL_OPT_ERRNO:
		return fl_parse_errno(arg, (int *)at, err);
	case FL_OPT_PROB:
		return fl_parse_probability(arg, (__u64 *)at, err);
	case FL_OPT_U64:
		return fl_parse_u64(arg, o->min, o->max, (__u64 *)at, err);
	case FL_OPT_ENUM:
		return set_enum(o, (__u32 *)at, arg, err);
	case FL_OPT_STRING:
		if (strlen(arg) >= o->size)
			return -EINVAL;
		strcpy(at, arg);
		return 0;
	default:
		fail_msg("--%s: a type the sys table should not use", name);
	}
	return e;
}

/* NAME VALUE pairs, NULL-terminated, onto a fresh conf. */
static int vconf(struct fl_sys_conf *c, char *err, va_list ap)
{
	const char *name, *arg;
	int e = 0;

	fl_sys_kind.init(c, 0);
	while (!e && (name = va_arg(ap, const char *))) {
		arg = va_arg(ap, const char *);
		e = table_set(c, name, arg ?: "", err);
	}
	return e;
}

static int conf(struct fl_sys_conf *c, char *err, ...)
{
	va_list ap;
	int e;

	va_start(ap, err);
	e = vconf(c, err, ap);
	va_end(ap);
	return e;
}

#define CONF(c, err, ...) conf(c, err, __VA_ARGS__, (char *)NULL)

/* The description lists options in table order: keep today's one. */
static void table_in_description_order(void **state)
{
	static const char *const order[] = {
		"call", "errno", "delay", "jitter", "path", "probability", "after", "count",
		"mechanism", NULL,
	};
	const struct fl_opt *o = fl_sys_kind.opts;
	int i;

	for (i = 0; order[i]; i++)
		assert_string_equal(o[i].name, order[i]);
	assert_null(o[i].name);
	assert_string_equal(opt_named("calls")->name, "call");
	assert_int_equal(opt_named("call")->required, 3);	/* fail and delay */
	assert_int_equal(opt_named("errno")->required, 1);
	assert_int_equal(opt_named("delay")->required, 2);
	assert_int_equal(opt_named("path")->required, 0);
	assert_string_equal(fl_sys_kind.actions[0].name, "fail");
	assert_null(fl_sys_kind.actions[0].exec_only);
	assert_string_equal(fl_sys_kind.actions[1].name, "delay");
	assert_non_null(fl_sys_kind.actions[1].exec_only);
	assert_null(fl_sys_kind.actions[2].name);
}

static void table_fills_the_conf(void **state)
{
	struct fl_sys_conf *c = calloc(1, sizeof(*c));
	char err[FL_ERRLEN], buf[64];

	assert_int_equal(CONF(c, err, "call", "read,write,read", "errno", "5", "probability", "50%",
			      "after", "3", "count", "2", "mechanism", "kprobe", "path", "/srv"), 0);
	assert_int_equal(c->ncalls, 2);		/* "read" once */
	assert_string_equal(c->calls[1], "write");
	assert_int_equal(c->errnum, EIO);
	assert_int_equal(c->prob, 1ULL << 31);
	assert_int_equal(c->after, 3);
	assert_int_equal(c->count, 2);
	assert_int_equal(c->mech, FL_MECH_KPROBE);
	assert_string_equal(c->path, "/srv");
	opt_named("call")->print(c, buf, sizeof(buf));
	assert_string_equal(buf, "read,write");
	/* Defaults, before any option. */
	assert_int_equal(CONF(c, err, "call", "connect"), 0);
	assert_int_equal(c->prob, FL_PROB_ONE);
	assert_int_equal(c->mech, FL_MECH_AUTO);
	assert_int_equal(c->count, 0);
	assert_string_equal(c->path, "");
	free(c);
}

/* Every one of these is bad input: -EINVAL and a sentence, so exit 2. */
static void table_refuses_bad_input(void **state)
{
	static const char *const bad[][2] = {
		{ "count", "0" }, { "count", "-1" }, { "count", "x" },
		{ "probability", "1.5" }, { "probability", "-0.1" }, { "probability", "abc" },
		{ "errno", "ENOTANERRNO" }, { "errno", "0" }, { "errno", "5000" },
		{ "mechanism", "ebpf" }, { "call", "Connect" }, { "call", "con nect" },
		{ "call", "," }, { "after", "-3" }, { "path", "" },
	};
	struct fl_sys_conf *c = calloc(1, sizeof(*c));
	char err[FL_ERRLEN];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int e = CONF(c, err, bad[i][0], bad[i][1]);

		if (e != -EINVAL || !err[0])
			fail_msg("%s %s: got %d, '%s'", bad[i][0], bad[i][1], e, err);
		assert_null(strchr(err, '\n'));
	}
	assert_int_equal(CONF(c, err, "count", "0"), -EINVAL);
	assert_non_null(strstr(err, "would inject nothing"));
	free(c);
}

/* validate(): what no kernel can do, before any probe. */
static void validate_without_a_kernel(void **state)
{
	static const char *const cases[][6] = {
		{ "call", "connect", "path", "/tmp" },
		{ "call", "fork", "path", "/tmp" },
		{ "call", "exit_group" },
		{ "call", "connect", "mechanism", "lsm" },
		{ "call", "read", "mechanism", "sock" },
		{ "call", "read", "mechanism", "kprobe", "path", "/tmp" },
	};
	struct fl_sys_conf *c = calloc(1, sizeof(*c));
	struct fl_fault f = { .kind = &fl_sys_kind, .conf = c };
	char err[FL_ERRLEN];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *k = cases[i];

		assert_int_equal(conf(c, err, k[0], k[1], k[2], k[3], k[4], k[5], (char *)NULL), 0);
		err[0] = '\0';
		if (fl_sys_kind.validate(&f, err) != -EINVAL || !err[0])
			fail_msg("%s %s %s: accepted", k[1], k[2] ?: "", k[3] ?: "");
	}
	assert_int_equal(CONF(c, err, "call", "read,write", "path", "/tmp", "mechanism", "fmod_ret"), 0);
	assert_int_equal(fl_sys_kind.validate(&f, err), 0);
	free(c);
}

static void path_must_exist(void **state)
{
	struct fl_sys_conf *c = calloc(1, sizeof(*c));
	char err[FL_ERRLEN];

	assert_int_equal(CONF(c, err, "call", "read", "path", "/nonexistent/faultline"), 0);
	assert_int_equal(fl_sys_resolve(c, err), -EINVAL);
	assert_int_equal(CONF(c, err, "call", "read", "path", "/tmp/"), 0);
	assert_int_equal(fl_sys_resolve(c, err), 0);
	assert_string_equal(c->path, "/tmp");
	assert_true(c->path_ino > 0);
	free(c);
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
		snprintf(sym, sizeof(sym), FL_SYSCALL_PREFIX "%s", names[i]);
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

/* The conf of the last plan(), for tests that look at it further. */
static struct fl_sys_conf plan_conf;

static int plan(struct fake_kernel *k, struct fl_sys_plan *p, char *err, ...)
{
	struct fl_sys_env env = { fake_has, k, k->btf, NULL };
	va_list ap;
	int e;

	va_start(ap, err);
	e = vconf(&plan_conf, err, ap);
	va_end(ap);
	assert_int_equal(e, 0);
	plan_conf.path_ino = plan_conf.path[0] ? 42 : 0;
	err[0] = '\0';
	return fl_sys_plan(&plan_conf, &env, p, err);
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
	assert_int_equal(PLAN(k, &p, err, "call", "connect,sendto,socket,bind", "errno", "ECONNREFUSED"), 0);
	assert_int_equal(p.nsteps, 4);
	assert_int_equal(p.steps[0].mech, FL_MECH_SOCK);
	assert_string_equal(p.steps[0].hooks, "cgroup/connect4 cgroup/connect6");
	assert_int_equal(p.steps[0].progs[1], FL_PROG_CONNECT6);
	assert_int_equal(p.steps[1].progs[0], FL_PROG_SENDMSG4);
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
	assert_int_equal(PLAN(k, &p, err, "call", "connect", "errno", "ECONNREFUSED"), -EINVAL);
	assert_non_null(strstr(err, "EPERM"));
	assert_int_equal(PLAN(k, &p, err, "call", "connect", "errno", "EPERM"), 0);
	assert_false(p.set_retval);
}

/* The host has neither LSM nor trampolines nor kprobes: exit 1, named. */
static void host_lacks_file_and_byname(void **state)
{
	struct fake_kernel *k = *state;
	struct fl_sys_plan p;
	char err[FL_ERRLEN];

	kernel_like(k, "host");
	assert_int_equal(PLAN(k, &p, err, "call", "read", "errno", "EIO"), -EOPNOTSUPP);
	assert_non_null(strstr(err, "bpf_lsm"));
	assert_int_equal(PLAN(k, &p, err, "call", "fsync", "errno", "EIO"), -EOPNOTSUPP);
	assert_non_null(strstr(err, "fmod_ret_syscall"));
	assert_non_null(strstr(err, "bpf_override_return"));
	assert_non_null(strstr(err, "faultline doctor"));
}

/* Input errors are reported as such even where the kernel also lacks a hook. */
static void bad_calls_are_usage_errors(void **state)
{
	static const char *const cases[][8] = {
		{ "call", "fsync,notasyscall", "errno", "EIO" },
		{ "call", "exit_group", "errno", "EIO" },
		{ "call", "connect", "errno", "EIO", "path", "/tmp" },
		{ "call", "fork", "errno", "EIO", "path", "/tmp" },
		{ "call", "fsync", "errno", "EIO", "path", "/tmp" },
		{ "call", "connect", "errno", "EIO", "mechanism", "lsm" },
		{ "call", "read", "errno", "EIO", "mechanism", "sock" },
		{ "call", "fsync", "errno", "EIO", "mechanism", "sock" },
		{ "call", "read", "errno", "EIO", "mechanism", "kprobe", "path", "/tmp" },
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
	assert_int_equal(PLAN(k, &p, err, "call", "read,write,fork,openat", "errno", "EIO", "path", "/tmp"), -EINVAL);
	assert_int_equal(PLAN(k, &p, err, "call", "read,write,openat,mkdir", "errno", "EIO", "path", "/tmp"), 0);
	assert_int_equal(p.steps[0].mech, FL_MECH_LSM);
	assert_string_equal(p.steps[0].hooks, "lsm/file_permission");
	assert_int_equal(p.steps[1].progs[0], FL_PROG_LSM_FILE_PERMISSION);
	assert_int_equal(p.steps[2].progs[0], FL_PROG_LSM_FILE_OPEN);
	assert_int_equal(p.calls, FL_SYS_READ | FL_SYS_WRITE | FL_SYS_OPEN | FL_SYS_MKDIR);
	assert_int_equal(PLAN(k, &p, err, "call", "fork", "errno", "EAGAIN", "mechanism", "fmod_ret"), 0);
	assert_string_equal(p.steps[0].hooks, "fmod_ret/security_task_alloc");
	assert_int_equal(p.steps[0].progs[0], FL_PROG_FMOD_TASK_ALLOC);
	/* Without LSM, fmod_ret on security_* takes over. */
	k->has[FEAT_BPF_LSM] = false;
	assert_int_equal(PLAN(k, &p, err, "call", "write", "errno", "ENOSPC", "path", "/tmp"), 0);
	assert_int_equal(p.steps[0].mech, FL_MECH_FMOD_RET);
	assert_int_equal(p.steps[0].progs[0], FL_PROG_FMOD_FILE_PERMISSION);
	/* Debian has kprobes but no bpf_override_return. */
	assert_int_equal(PLAN(k, &p, err, "call", "fsync", "errno", "EIO"), -EOPNOTSUPP);
}

static void errinj_byname(void **state)
{
	struct fake_kernel *k = *state;
	struct fl_sys_plan p;
	char err[FL_ERRLEN];

	kernel_like(k, "errinj");
	assert_int_equal(PLAN(k, &p, err, "call", "fsync,getrandom", "errno", "EIO"), 0);
	assert_int_equal(p.steps[0].mech, FL_MECH_FMOD_RET);
	assert_string_equal(p.steps[0].sym, FL_SYSCALL_PREFIX "fsync");
	assert_int_equal(p.steps[0].progs[0], FL_PROG_FMOD_SYS0);
	assert_int_equal(p.steps[1].progs[0], FL_PROG_FMOD_SYS0 + 1);
	assert_string_equal(p.steps[1].hooks, "fmod_ret/" FL_SYSCALL_PREFIX "getrandom");
	assert_int_equal(p.calls, FL_SYS_BYNAME);
	assert_int_equal(PLAN(k, &p, err, "call", "fsync,getrandom", "errno", "EIO", "mechanism", "kprobe"), 0);
	assert_int_equal(p.steps[1].progs[0], FL_PROG_KPROBE_SYS);
	assert_string_equal(p.steps[1].hooks, "kprobe/" FL_SYSCALL_PREFIX "getrandom");
	/* Forced, a socket call goes to the bare syscall. */
	assert_int_equal(PLAN(k, &p, err, "call", "connect", "errno", "EIO", "mechanism", "fmod_ret"), 0);
	assert_string_equal(p.steps[0].sym, FL_SYSCALL_PREFIX "connect");
	/* One fmod_ret program per syscall, and there are eight. */
	assert_int_equal(PLAN(k, &p, err, "call", "getpid,getppid,getuid,getgid,geteuid,getegid,gettid,fsync,getrandom",
			      "errno", "EIO"), -EINVAL);
	assert_non_null(strstr(err, "at most"));
}

/* What prepare() puts in mechanism and attach, and plan_json() in "plan". */
static void plan_for_people(void **state)
{
	struct fake_kernel *k = *state;
	struct fl_sys_plan p;
	char err[FL_ERRLEN], buf[256], *json = NULL;
	size_t len;
	struct jw w;
	FILE *f;

	kernel_like(k, "debian");
	assert_int_equal(PLAN(k, &p, err, "call", "connect,read,write", "errno", "ECONNREFUSED"), 0);
	fl_sys_plan_mechs(&p, buf, sizeof(buf));
	assert_string_equal(buf, "sock+lsm");
	fl_sys_plan_attach(&p, buf, sizeof(buf));
	assert_string_equal(buf, "cgroup/connect4 cgroup/connect6 on the target cgroup, lsm/file_permission");
	kernel_like(k, "errinj");
	assert_int_equal(PLAN(k, &p, err, "call", "read,readv", "errno", "EIO", "mechanism", "kprobe"), 0);
	fl_sys_plan_attach(&p, buf, sizeof(buf));
	assert_string_equal(buf, "kprobe/" FL_SYSCALL_PREFIX "read kprobe/" FL_SYSCALL_PREFIX "readv");

	kernel_like(k, "host");
	assert_int_equal(PLAN(k, &p, err, "call", "connect", "errno", "ECONNREFUSED"), 0);
	f = open_memstream(&json, &len);
	assert_non_null(f);
	jw_init(&w, f);
	jw_obj_open(&w);
	fl_sys_plan_json(&plan_conf, &p, &w);
	jw_obj_close(&w);
	jw_end(&w);
	fclose(f);
	assert_non_null(strstr(json, "\"calls\":[{\"name\":\"connect\",\"mechanism\":\"sock\","
				     "\"hooks\":[\"cgroup/connect4\",\"cgroup/connect6\"]}]"));
	assert_non_null(strstr(json, "\"errno\":\"ECONNREFUSED\",\"errno_number\":111"));
	free(json);
}

/* --------------------------------------------------------------- events */

static void names_calls_and_hooks(void **state)
{
	struct fl_event e = { .kind = FL_EV_SYS_FAIL, .call = FL_SYS_CONNECT,
			      .errnum = ECONNREFUSED, .hook = FL_HOOK_SOCK };
	char buf[128];

	assert_string_equal(fl_sys_call_name(FL_SYS_FORK), "fork");
	assert_string_equal(fl_sys_call_name(FL_SYS_BYNAME), "syscall");
	assert_string_equal(fl_sys_call_name(0), "?");
	assert_string_equal(fl_sys_hook_name(FL_HOOK_FMOD_RET), "fmod_ret");
	assert_string_equal(fl_sys_hook_name(99), "?");
	fl_sys_kind.event_text(&e, buf, sizeof(buf));
	assert_string_equal(buf, "connect ECONNREFUSED via sock");
	assert_string_equal(fl_sys_kind.events[0].name, "sys_fail");
	assert_int_equal(fl_sys_kind.events[0].value, FL_EV_SYS_FAIL);
}

/* By-name events carry an address; the name printed is the syscall's. */
static void names_a_syscall_by_address(void **state)
{
	unsigned long long a = 0, other = 0;
	struct fl_event e = { .kind = FL_EV_SYS_FAIL, .call = FL_SYS_BYNAME, .errnum = EIO,
			      .hook = FL_HOOK_KPROBE };
	char buf[128], *json = NULL;
	struct jw w;
	size_t len;
	FILE *f;

	fl_ksym_find(FL_SYSCALL_PREFIX "getpgid", &a);
	fl_ksym_find("security_file_open", &other);
	if (!a)
		skip();		/* kptr_restrict hides addresses from us */
	assert_string_equal(fl_sys_ksym_syscall(a, buf, sizeof(buf)) ?: "(null)", "getpgid");
	/* A kprobe may report a few bytes in (after an endbr64). */
	assert_string_equal(fl_sys_ksym_syscall(a + 4, buf, sizeof(buf)) ?: "(null)", "getpgid");
	assert_null(fl_sys_ksym_syscall(0, buf, sizeof(buf)));
	if (other)
		assert_null(fl_sys_ksym_syscall(other, buf, sizeof(buf)));
	e.func_ip = a + 4;
	f = open_memstream(&json, &len);
	jw_init(&w, f);
	jw_obj_open(&w);
	fl_sys_kind.event_json(&e, &w);
	jw_obj_close(&w);
	jw_end(&w);
	fclose(f);
	assert_string_equal(json, "{\"call\":\"getpgid\",\"errno\":\"EIO\",\"errnum\":5,\"hook\":\"kprobe\"}\n");
	free(json);
}

int main(void)
{
	const struct CMUnitTest options[] = {
		cmocka_unit_test(table_in_description_order),
		cmocka_unit_test(table_fills_the_conf),
		cmocka_unit_test(table_refuses_bad_input),
		cmocka_unit_test(validate_without_a_kernel),
		cmocka_unit_test(path_must_exist),
	};
	const struct CMUnitTest planning[] = {
		cmocka_unit_test(host_socket_calls),
		cmocka_unit_test(eperm_only_without_set_retval),
		cmocka_unit_test(host_lacks_file_and_byname),
		cmocka_unit_test(bad_calls_are_usage_errors),
		cmocka_unit_test(debian_file_calls),
		cmocka_unit_test(errinj_byname),
		cmocka_unit_test(plan_for_people),
	};
	const struct CMUnitTest events[] = {
		cmocka_unit_test(names_calls_and_hooks),
		cmocka_unit_test(names_a_syscall_by_address),
	};
	int failed = 0;

	failed += cmocka_run_group_tests_name("sys options", options, NULL, NULL);
	failed += cmocka_run_group_tests_name("sys planning", planning, setup_kernel, teardown_kernel);
	failed += cmocka_run_group_tests_name("sys events", events, NULL, NULL);
	return failed;
}
