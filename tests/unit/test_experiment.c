// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Experiment files: the issue's example, the shipped examples, and bad input with its line:col. */
#include <errno.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "cmdline.h"
#include "experiment.h"
#include "net.h"
#include "steady.h"
#include "sys.h"

#define SEC 1000000000ULL
/* Five lines, so a fault's first key is on line 6. */
#define HEAD "name: t\ntarget:\n  unit: a.service\nduration: 1h\nfaults:\n"

static struct fl_experiment *parse_ok(const char *yaml)
{
	struct fl_experiment *e = calloc(1, sizeof(*e));
	char err[FL_ERRLEN] = "";
	int r;

	assert_non_null(e);
	r = fl_exp_parse(yaml, strlen(yaml), "t.yaml", e, err);
	if (r)
		fail_msg("%s", err);
	return e;
}

static const struct fl_net_conf *net(const struct fl_fault *f)
{
	assert_string_equal(f->kind->name, "net");
	return f->conf;
}

static const struct fl_sys_conf *sys(const struct fl_fault *f)
{
	assert_string_equal(f->kind->name, "sys");
	return f->conf;
}

static void free_exp(struct fl_experiment *e)
{
	fl_exp_free(e);
	free(e);
}

static __u64 prob(const char *s)
{
	char err[FL_ERRLEN];
	__u64 t;

	assert_int_equal(fl_parse_probability(s, &t, err), 0);
	return t;
}

static void issue_example(void **state)
{
	struct fl_experiment *e = calloc(1, sizeof(*e));
	const struct fl_fault *f;
	char err[FL_ERRLEN] = "";

	assert_non_null(e);
	if (fl_exp_parse_file("examples/flaky-dependency-full.yaml", e, err))
		fail_msg("%s", err);
	assert_string_equal(e->name, "flaky-dependency");
	assert_int_equal(e->target.kind, FL_TARGET_CGROUP);
	assert_string_equal(e->target.spec, "/sys/fs/cgroup/system.slice/checkout.service");
	assert_string_equal(e->target.path, "");	/* recorded, not resolved */
	assert_int_equal(e->duration_ns, 300 * SEC);
	assert_int_equal(e->nfaults, 3);

	f = &e->faults[0];
	assert_int_equal(f->line, 6);
	assert_int_equal(f->col, 5);
	assert_string_equal(f->kind->actions[f->action].name, "drop");
	assert_int_equal(net(f)->rule.dir, FL_DIR_EGRESS);
	assert_int_equal(net(f)->rule.prob, prob("10%"));
	assert_int_equal(net(f)->rule.port_lo, 5432);
	assert_int_equal(net(f)->rule.port_hi, 5432);
	assert_int_equal(f->duration_ns, 0);	/* the experiment's */

	f = &e->faults[1];
	assert_int_equal(f->line, 11);
	assert_string_equal(f->kind->actions[f->action].name, "delay");
	assert_int_equal(net(f)->rule.dir, FL_DIR_EGRESS);
	assert_int_equal(net(f)->rule.delay_ns, 100000000ULL);
	assert_int_equal(net(f)->rule.jitter_ns, 10000000ULL);
	assert_int_equal(net(f)->rule.prob, FL_PROB_ONE);

	f = &e->faults[2];
	assert_int_equal(f->line, 15);
	assert_int_equal(sys(f)->ncalls, 1);
	assert_string_equal(sys(f)->calls[0], "connect");
	assert_int_equal(sys(f)->errnum, ECONNREFUSED);
	assert_int_equal(sys(f)->prob, prob("0.1"));

	assert_true(e->has_probe);
	assert_string_equal(e->probe.url, "http://127.0.0.1:8080/health");
	assert_string_equal(e->probe.command, "");
	assert_int_equal(e->probe.interval_ns, SEC);
	assert_int_equal(e->probe.timeout_ns, SEC);
	assert_int_equal(e->probe.failures, 3);
	free_exp(e);
}

/* The same fault from a file and from a command line gives the same bytes. */
static void file_and_cli_agree(void **state)
{
	struct fl_experiment *e = parse_ok(HEAD
		"  - net: {action: delay, delay: 20ms, jitter: 5ms, direction: both, protocol: udp,\n"
		"          port: 8000-8100, local-port: 53, remote: 10.0.0.0/8, probability: 30%, duration: 10m}\n"
		"  - sys: {calls: [write, openat], errno: 28, probability: 0.25, path: /tmp,\n"
		"          after: 3, count: 7, mechanism: lsm, duration: 90s}\n");
	char *nargv[] = { "delay", "--unit", "a.service", "--delay", "20ms", "--jitter", "5ms",
			  "--direction", "both", "--protocol", "udp", "--port", "8000-8100",
			  "--local-port", "53", "--remote", "10.0.0.0/8", "--probability", "30%",
			  "--duration", "10m", NULL };
	char *sargv[] = { "fail", "--unit", "a.service", "--call", "write,openat", "--errno", "28",
			  "--probability", "0.25", "--path", "/tmp", "--after", "3", "--count", "7",
			  "--mechanism", "lsm", "--duration", "90s", NULL };
	struct fl_experiment *n = calloc(1, sizeof(*n)), *y = calloc(1, sizeof(*y));
	struct fl_run_opts o = { 0 };
	char err[FL_ERRLEN];

	assert_non_null(n);
	assert_non_null(y);
	if (fl_cmdline_fault(fl_kind_find("net"), 1, 21, nargv, n, &o, err))
		fail_msg("%s", err);
	assert_memory_equal(n->faults[0].conf, e->faults[0].conf, sizeof(struct fl_net_conf));
	assert_int_equal(n->faults[0].set, e->faults[0].set);
	assert_string_equal(n->faults[0].desc, e->faults[0].desc);
	assert_int_equal(n->duration_ns, e->faults[0].duration_ns);
	memset(&o, 0, sizeof(o));
	if (fl_cmdline_fault(fl_kind_find("sys"), 0, 19, sargv, y, &o, err))
		fail_msg("%s", err);
	assert_memory_equal(y->faults[0].conf, e->faults[1].conf, sizeof(struct fl_sys_conf));
	assert_string_equal(y->faults[0].desc, e->faults[1].desc);
	assert_int_equal(y->duration_ns, e->faults[1].duration_ns);
	free_exp(n);
	free_exp(y);
	free_exp(e);
}

static void defaults_and_forms(void **state)
{
	struct fl_experiment *e = parse_ok(
		"faults:\n"
		"  - sys:\n"
		"      call: open,read\n"
		"      errno: EIO\n"
		"      duration: 30s\n"
		"  - net:\n"
		"      action: delay\n"
		"      delay: 5ms\n"
		"      dev: lo\n"
		"      force: yes\n"
		"duration: 2m\n"
		"target: {pid: 42}\n"
		"name: order-does-not-matter\n"
		"steady_state:\n"
		"  command: \"test -e /tmp\"\n"
		"  timeout: 200ms\n");

	assert_int_equal(e->target.kind, FL_TARGET_PID);
	assert_string_equal(e->target.spec, "42");
	assert_int_equal(sys(&e->faults[0])->ncalls, 2);
	assert_string_equal(sys(&e->faults[0])->calls[1], "read");
	assert_int_equal(e->faults[0].duration_ns, 30 * SEC);
	assert_int_equal(net(&e->faults[1])->rule.dir, FL_DIR_EGRESS);	/* delay's default */
	assert_true(e->faults[1].force);
	assert_string_equal(net(&e->faults[1])->dev, "lo");
	assert_int_equal(e->faults[1].duration_ns, 0);
	assert_int_equal(e->duration_ns, 120 * SEC);
	assert_string_equal(e->probe.command, "test -e /tmp");
	assert_int_equal(e->probe.interval_ns, SEC);
	assert_int_equal(e->probe.timeout_ns, 200000000ULL);
	assert_int_equal(e->probe.failures, 3);
	free_exp(e);
}

static void every_example_parses(void **state)
{
	struct fl_experiment *e = calloc(1, sizeof(*e));
	char err[FL_ERRLEN];
	glob_t g;

	assert_non_null(e);
	assert_int_equal(glob("examples/*.yaml", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 5);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		err[0] = '\0';
		if (fl_exp_parse_file(g.gl_pathv[i], e, err))
			fail_msg("%s", err);
		assert_true(e->nfaults >= 1);
		assert_true(e->duration_ns > 0);
		assert_int_not_equal(e->target.kind, FL_TARGET_NONE);
		fl_exp_free(e);
	}
	globfree(&g);
	free(e);
}

static const struct bad {
	const char *yaml;
	const char *where;	/* "LINE:COL" */
	const char *says;	/* part of the message */
} bad[] = {
	{ HEAD "  - net:\n      action: drop\n      probability: 1.5\n", "8:20", "outside [0,1]" },
	{ HEAD "  - net:\n      action: delay\n      delay: 10ms\n      jitter: 20ms\n", "9:15", "--jitter must not exceed --delay" },
	{ HEAD "  - net: {action: drop, delay: 5ms}\n", "6:32", "--delay belongs to 'net delay', not 'net drop'" },
	{ HEAD "  - net: {action: drop, protocol: icmp, port: 5}\n", "6:47", "need tcp or udp" },
	{ HEAD "  - net:\n      action: delay\n", "6:5", "net delay needs --delay" },
	{ HEAD "  - net:\n      direction: egress\n", "6:5", "needs 'action: drop' or 'action: delay'" },
	{ HEAD "  - net: {action: drop, port: [1, 2]}\n", "6:31", "'port' takes a single value, not a list" },
	{ HEAD "  - net: {action: drop, remote: {a: 1}}\n", "6:33", "not a mapping" },
	{ HEAD "  - net:\n      action: drop\n      port:\n", "8:7", "'port' needs a value" },
	{ HEAD "  - net:\n      action: drop\n      cgroup: /x\n", "8:7", "the target is set once" },
	{ HEAD "  - net:\n      action: drop\n      local_port: 5\n", "8:7", "did you mean 'local-port'?" },
	{ HEAD "  - net:\n      action: drop\n      bogus: 5\n", "8:7", "unknown key 'bogus' in a net fault" },
	{ HEAD "  - net: {action: drop, force: maybe}\n", "6:32", "'force' is true or false" },
	{ HEAD "  - net: {action: jump}\n", "6:19", "unknown action 'jump'" },
	{ HEAD "  - net: {action: drop, \"a\\nb\": 1}\n", "6:25", "unknown key 'a?b' in a net fault" },
	{ HEAD "  - net:\n      action: drop\n      duration: 2h\n", "8:17", "longer than the experiment's (1h)" },
	{ HEAD "  - net:\n      action: drop\n      duration: 0s\n", "8:17", "must be above zero" },
	{ HEAD "  - net:\n      action: drop\n      dry-run: true\n", "8:7", "command line" },
	{ HEAD "  - sys:\n      calls: [connect]\n      errno: EPERM\n      errno: EIO\n", "9:7", "'errno' is given twice" },
	{ HEAD "  - sys:\n      call: connect\n      calls: [bind]\n      errno: EIO\n", "8:7", "'call' is given twice" },
	{ HEAD "  - sys:\n      calls: [connect]\n", "6:5", "sys fail needs --errno" },
	{ HEAD "  - sys:\n      calls: [connect, \"bad name\"]\n      errno: EIO\n", "7:24", "bad call name" },
	{ HEAD "  - sys:\n      calls: []\n      errno: EIO\n", "7:14", "at least one name" },
	{ HEAD "  - sys: {call: connect, errno: EWHAT}\n", "6:33", "unknown errno 'EWHAT'" },
	{ HEAD "  - sys: {call: connect, errno: EIO, action: drop}\n", "6:46", "a sys fault does fail" },
	{ HEAD "  - sys: {call: connect, errno: EIO, count: 0}\n", "6:45", "--count 0" },
	{ HEAD "  - net: {action: drop}\n    sys: {call: connect}\n", "6:5", "start each fault with its own '- '" },
	{ HEAD "  - disk: {full: true}\n", "6:5", "unknown fault kind 'disk'" },
	{ HEAD "  - net\n", "6:5", "a fault must be a mapping of keys, not a single value" },
	{ HEAD "  []\n", "6:3", "faults must be a list of one or more" },
	{ HEAD "  - net: {action: drop}\n  - net: {action: drop}\n  - net: {action: drop}\n"
	       "  - net: {action: drop}\n  - net: {action: drop}\n  - net: {action: drop}\n"
	       "  - net: {action: drop}\n  - net: {action: drop}\n  - net: {action: drop}\n",
	  "14:5", "at most 8 faults" },
	{ "name: t\ntarget:\n  unit: a\n  pid: 3\n", "4:3", "target has both 'unit' and 'pid'" },
	{ "name: t\ntarget:\n  pid: abc\n", "3:8", "pid 'abc' is not a process id" },
	{ "name: t\ntarget: {}\n", "2:9", "target needs one of cgroup, pid or unit" },
	{ "name: t\ntarget: /x\n", "2:9", "target must be a mapping" },
	{ "name: t\ntarget:\n  container: x\n", "3:3", "unknown key 'container' in target: use cgroup, pid or unit" },
	{ "name: t\ntarget: {unit: a}\nduration: 10\n", "3:11", "needs a unit" },
	{ "name: t\ntarget: {unit: a}\nduration: 0s\n", "3:11", "duration must be above zero" },
	{ "name: t\ntarget: {unit: a}\nduration: 48h\nfaults: [{net: {action: drop}}]\n", "3:11",
	  "duration 48h is over 24h, the longest any experiment may run" },
	{ "name: t\ntarget: {unit: a}\nduration: 1m\n", "1:1", "no 'faults'" },
	{ "name: t\nduration: 1m\n", "1:1", "no 'target'" },
	{ "name: \"bad name!\"\n", "1:7", "name 'bad name!' must be" },
	{ "name: t\nname: u\n", "2:1", "'name' is given twice" },
	{ "name: t\n? [a]\n: b\n", "2:3", "keys must be plain words, not a list" },
	{ "name: t\n\"\": b\n", "2:1", "an empty key" },
	{ "name: t\ndescription: x\n", "2:1", "unknown key 'description' in the experiment" },
	{ "name: t\nsed: 4\n", "2:1", "unknown key 'sed' in the experiment: use name, target, duration, faults, steady_state or seed" },
	{ HEAD "  - net: {action: drop}\nseed: -1\n", "7:7", "seed '-1' must be a whole number from 0 to 9007199254740991" },
	{ HEAD "  - net: {action: drop}\nseed: 9007199254740992\n", "7:7", "from 0 to 9007199254740991" },
	{ HEAD "  - net: {action: drop}\nseed: 0x2a\n", "7:7", "must be a whole number" },
	{ HEAD "  - net: {action: drop}\nseed: [1]\n", "7:7", "takes a single value, not a list" },
	{ HEAD "  - net: {action: drop, seed: 3}\n", "6:25", "the seed is the experiment's" },
	{ "name: &n t\ntarget: {unit: *n}\n", "2:16", "aliases (*n) are not supported" },
	{ "name: t\n---\nname: u\n", "2:1", "one experiment per file" },
	{ "name: t\n  bad: indent\n", "2:6", "YAML syntax" },
	{ "name: [t\n", "2:1", "YAML syntax" },
	{ "- a\n", "1:1", "the experiment must be a mapping of keys, not a list" },
	{ "", "1:1", "the file is empty" },
	{ "# only a comment\n", "1:1", "the file is empty" },
	{ HEAD "  - net: {action: drop}\nsteady_state:\n  http: http://10.0.0.1/health\n", "8:9", "must be on loopback" },
	{ HEAD "  - net: {action: drop}\nsteady_state:\n  http: https://127.0.0.1/\n", "8:9", "plain HTTP" },
	{ HEAD "  - net: {action: drop}\nsteady_state:\n  http: http://127.0.0.1:99999/\n", "8:9", "port must be 1..65535" },
	{ HEAD "  - net: {action: drop}\nsteady_state:\n  http: http://localhost@evil.example/\n", "8:9", "loopback" },
	{ HEAD "  - net: {action: drop}\nsteady_state:\n  command: x\n  http: http://[::1]/\n", "9:3", "both 'http' and 'command'" },
	{ HEAD "  - net: {action: drop}\nsteady_state:\n  interval: 1s\n", "8:3", "needs a check" },
	{ HEAD "  - net: {action: drop}\nsteady_state:\n  command: x\n  interval: 10ms\n", "9:13", "at least 100ms" },
	{ HEAD "  - net: {action: drop}\nsteady_state:\n  command: x\n  interval: 2h\n", "9:13", "longer than the experiment" },
	{ HEAD "  - net: {action: drop}\nsteady_state:\n  command: x\n  failures: 0\n", "9:13", "failures '0' must be a whole number" },
	{ HEAD "  - net: {action: drop}\nsteady_state:\n  command: [a, b]\n", "8:12", "takes a single value, not a list" },
	{ HEAD "  - net: {action: drop}\nsteady_state:\n  command: x\n  baseline: 0s\n", "9:13", "baseline must be at least 100ms" },
	{ HEAD "  - net: {action: drop}\nsteady_state:\n  command: x\n  baseline: 2h\n", "9:13", "baseline must be at most 1h" },
	{ HEAD "  - net: {action: drop}\nsteady_state:\n  command: x\n  recovery: 30\n", "9:13", "needs a unit" },
	{ HEAD "  - net: {action: drop}\nsteady_state:\n  command: x\n  recovery:\n", "9:3", "'recovery' needs a value" },
	{ HEAD "  - net: {action: drop}\nsteady_state:\n  command: x\n  max_failure_rate: 150%\n", "9:21",
	  "max_failure_rate: probability '150%' is outside [0,1]" },
	{ HEAD "  - net: {action: drop}\nsteady_state:\n  command: x\n  max_failure_rate: lots\n", "9:21", "bad probability" },
	{ HEAD "  - net: {action: drop}\nsteady_state:\n  command: x\n  max_failure_rate: [1]\n", "9:21", "not a list" },
	{ HEAD "  - net: {action: drop}\nsteady_state:\n  command: x\n  recover: 1s\n", "9:3",
	  "unknown key 'recover' in steady_state: did you mean 'recovery'?" },
	{ HEAD "  - net: {action: drop}\nsteady_state:\n  command: x\n  max-failure-rate: 5%\n", "9:3",
	  "did you mean 'max_failure_rate'?" },
	{ HEAD "  - net: {action: drop}\nsteady_state:\n  command: x\n  baseline: 1s\n  baseline: 2s\n", "10:3",
	  "'baseline' is given twice" },
	{ HEAD "  - net: {action: drop}\nsteady-state:\n  command: x\n", "7:1", "did you mean 'steady_state'?" },
};

static void bad_input_says_where(void **state)
{
	struct fl_experiment *e = calloc(1, sizeof(*e));
	char err[FL_ERRLEN], want[64];

	assert_non_null(e);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		snprintf(want, sizeof(want), "t.yaml:%s: ", bad[i].where);
		if (fl_exp_parse(bad[i].yaml, strlen(bad[i].yaml), "t.yaml", e, err) != -EINVAL)
			fail_msg("case %zu parsed:\n%s", i, bad[i].yaml);
		if (strncmp(err, want, strlen(want)) || !strstr(err, bad[i].says))
			fail_msg("case %zu: got '%s', want '%s...%s'", i, err, want, bad[i].says);
		assert_int_equal(e->nfaults, 0);	/* nothing half-filled */
	}
	free(e);
}

static void bad_files(void **state)
{
	struct fl_experiment *e = calloc(1, sizeof(*e));
	size_t big = FL_EXP_MAX_BYTES + 1;
	char err[FL_ERRLEN], *buf = malloc(big);
	const char nul[] = HEAD "  - net: {action: drop, dev: \"a\\0b\"}\n";

	assert_non_null(e);
	assert_non_null(buf);
	assert_int_equal(fl_exp_parse_file("examples/no-such-file.yaml", e, err), -ENOENT);
	assert_non_null(strstr(err, "examples/no-such-file.yaml: cannot open"));
	memset(buf, '#', big);
	assert_int_equal(fl_exp_parse(buf, big, "big.yaml", e, err), -EINVAL);
	assert_non_null(strstr(err, "big.yaml:1:1: larger than"));
	assert_int_equal(fl_exp_parse(nul, strlen(nul), "t.yaml", e, err), -EINVAL);
	assert_non_null(strstr(err, "t.yaml:6:30: 'dev' contains a NUL byte"));
	free(buf);
	free(e);
}

static void desc(const char *yaml, int i, const char *want)
{
	struct fl_experiment *e = parse_ok(yaml);

	assert_string_equal(e->faults[i].desc, want);
	free_exp(e);
}

/*
 * seed: in the file, --seed on the command line of a fault or of run, in
 * both the same range; without either the experiment has none yet (the
 * runner draws one).
 */
static void seed_from_file_and_cli(void **state)
{
	struct fl_experiment *e = parse_ok(HEAD "  - net: {action: drop}\nseed: 9007199254740991\n");
	struct fl_experiment *n = calloc(1, sizeof(*n));
	char *fargv[] = { "drop", "--unit", "a.service", "--seed", "42", NULL };
	char *bad[] = { "drop", "--unit", "a.service", "--seed", "9007199254740992", NULL };
	char *rargv[] = { "run", "x.yaml", "--seed", "0", NULL };
	struct fl_run_opts o = { 0 };
	char err[FL_ERRLEN];

	assert_true(e->has_seed);
	assert_true(e->seed == FL_SEED_MAX);
	fl_exp_choose_seed(e, false, 0);	/* the file's */
	assert_true(e->seed == FL_SEED_MAX);
	fl_exp_choose_seed(e, true, 7);		/* --seed over the file's */
	assert_true(e->seed == 7);
	free_exp(e);
	e = parse_ok(HEAD "  - net: {action: drop}\n");
	assert_false(e->has_seed);
	/* Neither: drawn, within what JSON keeps exact, and not twice the same. */
	fl_exp_choose_seed(e, false, 0);
	assert_true(e->seed <= FL_SEED_MAX);
	o.seed = e->seed;
	fl_exp_choose_seed(e, false, 0);
	assert_true(e->seed <= FL_SEED_MAX && e->seed != o.seed);
	o.seed = 0;
	assert_non_null(n);
	if (fl_cmdline_fault(fl_kind_find("net"), 0, 5, fargv, n, &o, err))
		fail_msg("%s", err);
	assert_true(o.has_seed && o.seed == 42);
	free_exp(n);
	n = calloc(1, sizeof(*n));
	memset(&o, 0, sizeof(o));
	assert_int_equal(fl_cmdline_fault(fl_kind_find("net"), 0, 5, bad, n, &o, err), -EINVAL);
	assert_non_null(strstr(err, "--seed '9007199254740992' must be a whole number from 0 to"));
	memset(&o, 0, sizeof(o));
	assert_int_equal(fl_cmdline_run(4, rargv, &o, err), 0);
	assert_true(o.has_seed && o.seed == 0);
	free_exp(n);
	free_exp(e);
}

static void fault_descriptions(void **state)
{
	desc(HEAD "  - net: {action: drop, direction: egress, protocol: udp, port: 53}\n", 0,
	     "net drop egress udp port 53 p=100%");
	desc(HEAD "  - sys: {call: connect, errno: ECONNREFUSED, probability: 10%}\n", 0,
	     "sys fail connect ECONNREFUSED p=10%");
	desc(HEAD "  - net: {action: delay, delay: 100ms, jitter: 10ms, protocol: tcp, port: 5432-5433,\n"
	     "          remote: 10.1.0.0/16, probability: 0.5}\n", 0,
	     "net delay egress tcp port 5432-5433 remote 10.1.0.0/16 100ms jitter 10ms p=50%");
	desc(HEAD "  - net: {action: drop, direction: ingress, remote: \"2001:db8::/32\", local-port: 80}\n", 0,
	     "net drop ingress local-port 80 remote 2001:db8::/32 p=100%");
	desc(HEAD "  - sys: {calls: [write, openat], path: /var/log, errno: 28, after: 2, count: 5, mechanism: lsm}\n", 0,
	     "sys fail write,openat ENOSPC path /var/log p=100% after 2 count 5 mechanism lsm");
}

/* The hypothesis: each key read, and none of it when not asked for. */
static void hypothesis_keys(void **state)
{
	struct fl_experiment *e = parse_ok(HEAD "  - net: {action: drop}\nsteady_state:\n"
		"  command: \"true\"\n  baseline: 10s\n  recovery: 1m30s\n  max_failure_rate: 5%\n");

	assert_int_equal(e->probe.baseline_ns, 10 * SEC);
	assert_int_equal(e->probe.recovery_ns, 90 * SEC);
	assert_true(e->probe.has_max_failure_rate);
	assert_int_equal(e->probe.max_failure_rate, prob("0.05"));
	assert_int_equal(e->probe.failures, 3);		/* the abort stays */
	free_exp(e);
	e = parse_ok(HEAD "  - net: {action: drop}\nsteady_state:\n  http: http://[::1]:8080/\n"
		     "  max_failure_rate: 0\n  recovery: 1h\n");
	assert_true(e->probe.has_max_failure_rate);	/* 0: no failed check at all */
	assert_int_equal(e->probe.max_failure_rate, 0);
	assert_int_equal(e->probe.baseline_ns, 0);
	free_exp(e);
}

/* The probe parses URLs by the same rules the file was checked with. */
static void probe_url_one_rule(void **state)
{
	char host[64], path[64];
	int port;

	assert_int_equal(fl_steady_parse_url("http://127.0.0.1:8080/health", host, sizeof(host), &port,
					     path, sizeof(path)), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8080);
	assert_string_equal(path, "/health");
	assert_int_equal(fl_steady_parse_url("http://[::1]/", host, sizeof(host), &port, path,
					     sizeof(path)), 0);
	assert_string_equal(host, "::1");
	/* Once accepted by the probe's own looser check ("127." as a prefix). */
	assert_non_null(fl_steady_url_problem("http://127.example.com/"));
	assert_int_equal(fl_steady_parse_url("http://127.example.com/", host, sizeof(host), &port,
					     path, sizeof(path)), -EINVAL);
	assert_null(fl_steady_url_problem("http://localhost:9/x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(issue_example),
		cmocka_unit_test(file_and_cli_agree),
		cmocka_unit_test(defaults_and_forms),
		cmocka_unit_test(every_example_parses),
		cmocka_unit_test(bad_input_says_where),
		cmocka_unit_test(bad_files),
		cmocka_unit_test(fault_descriptions),
		cmocka_unit_test(seed_from_file_and_cli),
		cmocka_unit_test(probe_url_one_rule),
		cmocka_unit_test(hypothesis_keys),
	};

	return cmocka_run_group_tests_name("experiment", tests, NULL, NULL);
}
