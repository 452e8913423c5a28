// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `faultline KIND ACTION ...` for every family, and `faultline run FILE`:
 * thin fronts that build an experiment and hand it to the one runner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "log.h"
#include "options.h"

static int is_help(const char *a)
{
	return !strcmp(a, "help") || !strcmp(a, "--help") || !strcmp(a, "-h");
}

int fl_cmd_fault(const struct fl_fault_kind *k, int argc, char **argv)
{
	struct fl_run_opts o = { 0 };
	char err[FL_ERRLEN] = "";
	struct fl_experiment *e;
	int action, rc;

	if (argc < 2 || is_help(argv[1])) {
		fl_kind_help(k, -1, argc < 2 ? stderr : stdout);
		return argc < 2 ? FL_EXIT_USAGE : FL_EXIT_OK;
	}
	action = fl_kind_action(k, argv[1]);
	if (action < 0) {
		pr_warn("%s: unknown action '%s'; see 'faultline %s --help'\n", k->name, argv[1], k->name);
		return FL_EXIT_USAGE;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return FL_EXIT_FAIL;
	rc = fl_cmdline_fault(k, action, argc - 1, argv + 1, e, &o, err);
	if (!rc && o.help) {
		fl_kind_help(k, action, stdout);
		rc = FL_EXIT_OK;
	} else if (rc) {
		pr_warn("%s %s: %s\n", k->name, argv[1], err);
		rc = FL_EXIT_USAGE;
	} else {
		rc = fl_run(e, &o);
	}
	fl_exp_free(e);
	free(e);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	struct fl_run_opts o = { 0 };
	char err[FL_ERRLEN] = "";
	struct fl_experiment *e;
	int rc;

	if (fl_cmdline_run(argc, argv, &o, err)) {
		pr_warn("run: %s\n", err);
		return FL_EXIT_USAGE;
	}
	if (o.help) {
		fl_run_help(stdout);
		return FL_EXIT_OK;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return FL_EXIT_FAIL;
	rc = fl_exp_parse_file(o.file, e, err);
	if (rc) {
		pr_warn("run: %s\n", err);
		rc = FL_EXIT_USAGE;
	} else {
		if (o.target.kind != FL_TARGET_NONE)
			e->target = o.target;	/* the same experiment against another service */
		rc = fl_run(e, &o);
	}
	fl_exp_free(e);
	free(e);
	return rc;
}
