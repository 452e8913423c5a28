// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The options engine on a toy family defined here: every option type, the
 * rules every family gets for free (repeats, actions, required options,
 * ranges, suggestions), descriptions, JSON and help, all from the table.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "cmdline.h"
#include "json.h"
#include "options.h"

struct toy_conf {
	__u64 wait_ns, prob, count;
	__u16 lo, hi;
	__u8 addr[16], plen;
	__u32 mode;
	int errnum;
	char name[8];
	bool loud;
};

static const struct fl_opt_value modes[] = { { "slow", 1 }, { "fast", 2 }, { NULL } };

#define OFF(f) offsetof(struct toy_conf, f)
static const struct fl_opt toy_opts[] = {
	{ .name = "mode", .type = FL_OPT_ENUM, .off = OFF(mode), .values = modes, .desc = FL_DESC_ALWAYS,
	  .help = "how" },
	{ .name = "port", .type = FL_OPT_PORTS, .off = OFF(lo), .off2 = OFF(hi), .metavar = "N[-M]",
	  .desc = FL_DESC_LABEL, .help = "a port" },
	{ .name = "remote", .type = FL_OPT_CIDR, .off = OFF(addr), .off2 = OFF(plen), .metavar = "CIDR",
	  .desc = FL_DESC_LABEL, .help = "a prefix" },
	{ .name = "wait", .type = FL_OPT_DURATION, .off = OFF(wait_ns), .min = 1, .max = 120000000000ULL,
	  .metavar = "D", .actions = 1 << 1, .required = 1 << 1, .desc = FL_DESC_BARE, .help = "wait" },
	{ .name = "errno", .alias = "error", .type = FL_OPT_ERRNO, .off = OFF(errnum), .metavar = "E",
	  .desc = FL_DESC_BARE, .help = "the errno" },
	{ .name = "count", .type = FL_OPT_U64, .off = OFF(count), .min = 1, .max = 100, .metavar = "N",
	  .desc = FL_DESC_LABEL, .help = "how many" },
	{ .name = "name", .type = FL_OPT_STRING, .off = OFF(name), .size = 8, .metavar = "S",
	  .desc = FL_DESC_LABEL, .help = "a name" },
	{ .name = "loud", .type = FL_OPT_FLAG, .off = OFF(loud), .desc = FL_DESC_NONE, .help = "say so" },
	{ .name = "probability", .type = FL_OPT_PROB, .off = OFF(prob), .metavar = "P", .def = "1",
	  .desc = FL_DESC_PROB, .help = "odds" },
	{ NULL },
};

static const struct fl_fault_action toy_actions[] = {
	{ "poke", "poke it" }, { "hold", "hold it" }, { NULL },
};

static void toy_init(void *conf, int action)
{
	struct toy_conf *c = conf;

	c->mode = 1;
	c->prob = FL_PROB_ONE;
}

static int toy_validate(const struct fl_fault *f, char *err)
{
	const struct toy_conf *c = f->conf;

	if (c->mode == 2 && c->count > 10) {
		snprintf(err, FL_ERRLEN, "fast allows --count up to 10");
		return -EINVAL;
	}
	return 0;
}

static const struct fl_fault_kind toy = {
	.name = "toy", .summary = "a family for tests", .actions = toy_actions, .opts = toy_opts,
	.conf_size = sizeof(struct toy_conf), .init = toy_init, .validate = toy_validate,
	.examples = "  faultline toy poke --cgroup /x --port 80\n  faultline toy hold --cgroup /x --wait 1s\n",
};

static struct fl_fault *fresh(int action)
{
	static struct fl_fault f;

	fl_fault_free(&f);
	assert_int_equal(fl_fault_new(&f, &toy, action), 0);
	return &f;
}

static void set_ok(struct fl_fault *f, const char *name, const char *arg)
{
	char err[FL_ERRLEN] = "";

	if (fl_opt_set(f, fl_opt_find(&toy, name), arg, err))
		fail_msg("--%s %s: %s", name, arg ? arg : "", err);
}

static void set_bad(struct fl_fault *f, const char *name, const char *arg, const char *says)
{
	char err[FL_ERRLEN] = "";

	assert_int_equal(fl_opt_set(f, fl_opt_find(&toy, name), arg, err), -EINVAL);
	if (!strstr(err, says))
		fail_msg("--%s %s: got '%s', want '%s'", name, arg ? arg : "", err, says);
}

static void every_type_parses(void **state)
{
	struct fl_fault *f = fresh(1);
	struct toy_conf *c = f->conf;
	char err[FL_ERRLEN];

	set_ok(f, "mode", "fast");
	set_ok(f, "port", "8000-8100");
	set_ok(f, "remote", "10.1.0.0/16");
	set_ok(f, "wait", "1m30s");
	set_ok(f, "error", "ENOSPC");	/* by its alias */
	set_ok(f, "count", "7");
	set_ok(f, "name", "abc");
	set_ok(f, "loud", NULL);
	set_ok(f, "probability", "25%");
	assert_int_equal(c->mode, 2);
	assert_int_equal(c->lo, 8000);
	assert_int_equal(c->hi, 8100);
	assert_int_equal(c->plen, 96 + 16);
	assert_int_equal(c->wait_ns, 90000000000ULL);
	assert_int_equal(c->errnum, ENOSPC);
	assert_int_equal(c->count, 7);
	assert_string_equal(c->name, "abc");
	assert_true(c->loud);
	assert_int_equal(c->prob, FL_PROB_ONE / 4);
	assert_int_equal(fl_fault_check(f, err), 0);
	assert_string_equal(f->desc, "toy hold fast port 8000-8100 remote 10.1.0.0/16 1m30s ENOSPC "
			    "count 7 name abc p=25%");
}

static void the_rules_every_family_gets(void **state)
{
	struct fl_fault *f = fresh(0);
	char err[FL_ERRLEN];

	set_bad(f, "wait", "5s", "--wait belongs to 'toy hold', not 'toy poke'");
	set_ok(f, "port", "80");
	set_bad(f, "port", "81", "--port is given twice");
	set_bad(f, "mode", "medium", "--mode takes slow or fast, not 'medium'");
	set_bad(f, "count", "0", "--count 0");
	set_bad(f, "count", "101", "--count 101");
	set_bad(f, "name", "toolongname", "--name takes 1 to 7 characters");
	set_bad(f, "errno", "EWHAT", "EWHAT");
	set_bad(f, "loud", "yes", "--loud takes no value");
	set_bad(f, "probability", "1.5", "outside [0,1]");
	assert_int_equal(fl_fault_check(f, err), 0);
	assert_string_equal(f->desc, "toy poke slow port 80 p=100%");

	f = fresh(1);
	assert_int_equal(fl_fault_check(f, err), -EINVAL);
	assert_non_null(strstr(err, "toy hold needs --wait D"));
	set_bad(f, "wait", "2m1s", "at most 2m");
	set_ok(f, "wait", "1s");
	set_ok(f, "mode", "fast");
	set_ok(f, "count", "50");
	assert_int_equal(fl_fault_check(f, err), -EINVAL);	/* the family's own check */
	assert_string_equal(err, "fast allows --count up to 10");
	fl_fault_free(f);
}

static void suggestions(void **state)
{
	assert_string_equal(fl_opt_suggest(&toy, "probabilty")->name, "probability");
	assert_string_equal(fl_opt_suggest(&toy, "prot")->name, "port");
	assert_null(fl_opt_suggest(&toy, "bogus"));
	assert_null(fl_opt_find(&toy, "bogus"));
}

static void json_from_the_table(void **state)
{
	struct fl_fault *f = fresh(1);
	char *text = NULL, err[FL_ERRLEN];
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	struct jw w;

	set_ok(f, "wait", "250ms");
	set_ok(f, "errno", "EIO");
	assert_int_equal(fl_fault_check(f, err), 0);
	jw_init(&w, mem);
	jw_obj_open(&w);
	fl_fault_options_json(f, &w);
	jw_obj_close(&w);
	fclose(mem);
	assert_string_equal(text, "{\"options\":{\"mode\":\"slow\",\"port\":null,\"remote\":null,"
			    "\"wait_ns\":250000000,\"errno\":\"EIO\",\"count\":null,\"name\":null,"
			    "\"loud\":false,\"probability\":1}}");
	free(text);
	fl_fault_free(f);
}

static void command_line_and_help(void **state)
{
	struct fl_experiment *e = calloc(1, sizeof(*e));
	struct fl_run_opts o = { 0 };
	char *argv[] = { "hold", "--cgroup", "/x", "--wait", "2s", "--port", "53", "--duration", "5m",
			 "--dry-run", NULL };
	char *twice[] = { "poke", "--cgroup", "/x", "--port", "1", "--port", "2", NULL };
	char *text = NULL, err[FL_ERRLEN] = "";
	size_t len = 0;
	FILE *mem;

	assert_non_null(e);
	assert_int_equal(fl_cmdline_fault(&toy, 1, 10, argv, e, &o, err), 0);
	assert_int_equal(e->nfaults, 1);
	assert_int_equal(e->duration_ns, 300000000000ULL);
	assert_true(o.dry_run);
	assert_string_equal(e->faults[0].desc, "toy hold slow port 53 2s p=100%");
	assert_string_equal(e->name, "toy-hold");
	fl_exp_free(e);
	memset(&o, 0, sizeof(o));
	assert_int_equal(fl_cmdline_fault(&toy, 0, 7, twice, e, &o, err), -EINVAL);
	assert_non_null(strstr(err, "--port is given twice"));
	fl_exp_free(e);
	free(e);

	mem = open_memstream(&text, &len);
	fl_kind_help(&toy, 1, mem);
	fclose(mem);
	assert_non_null(strstr(text, "Usage: faultline toy hold TARGET --wait D [OPTIONS]"));
	assert_non_null(strstr(text, "--mode slow|fast"));
	assert_non_null(strstr(text, "--probability P"));
	assert_non_null(strstr(text, "(default 1)"));
	assert_non_null(strstr(text, "--dry-run"));
	/* One action's help shows its own examples only. */
	assert_non_null(strstr(text, "faultline toy hold --cgroup /x --wait 1s"));
	assert_null(strstr(text, "faultline toy poke"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_type_parses),
		cmocka_unit_test(the_rules_every_family_gets),
		cmocka_unit_test(suggestions),
		cmocka_unit_test(json_from_the_table),
		cmocka_unit_test(command_line_and_help),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
