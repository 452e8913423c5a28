// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the experiment-file parser. Beyond "no crash, no
 * leak" (ASan/UBSan), it checks the contract the runner relies on: an
 * error is one "FILE:LINE:COL: message" line, and a success leaves every
 * fault inside its bounds with the target unresolved.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "experiment.h"

static struct fl_experiment exp_buf;

static void check_error(const char *err)
{
	unsigned line, col;
	int n = 0;

	if (sscanf(err, "fuzz.yaml:%u:%u: %n", &line, &col, &n) != 2 || !n || !line || !col ||
	    !err[n] || strchr(err, '\n'))
		abort();
}

static int phase_ok(__u64 ns)
{
	return !ns || (ns >= 100000000ULL && ns <= 3600000000000ULL);
}

static void check_ok(const struct fl_experiment *e)
{
	if (e->nfaults < 1 || e->nfaults > FL_EXP_MAX_FAULTS || !e->name[0] || !e->duration_ns ||
	    e->target.kind == FL_TARGET_NONE || e->target.path[0])
		abort();
	for (int i = 0; i < e->nfaults; i++) {
		const struct fl_fault *f = &e->faults[i];

		/* A family, one of its actions, its conf, a description, a sane duration. */
		if (!f->kind || fl_kind_find(f->kind->name) != f->kind || f->action < 0 ||
		    fl_kind_action(f->kind, f->kind->actions[f->action].name) != f->action ||
		    !f->conf || !f->desc[0] || f->duration_ns > e->duration_ns || f->plan || f->state)
			abort();
	}
	for (int i = e->nfaults; i < FL_EXP_MAX_FAULTS; i++)
		if (e->faults[i].kind || e->faults[i].conf)
			abort();
	if (e->has_probe && (!e->probe.failures || !e->probe.interval_ns ||
			     !e->probe.url[0] == !e->probe.command[0]))
		abort();
	/* The hypothesis: each phase off (0) or within 100ms..1h; a share at most 1. */
	if (!phase_ok(e->probe.baseline_ns) || !phase_ok(e->probe.recovery_ns) ||
	    e->probe.max_failure_rate > (1ULL << 32) ||
	    (!e->has_probe && (e->probe.baseline_ns || e->probe.recovery_ns || e->probe.has_max_failure_rate)))
		abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char err[FL_ERRLEN] = "";

	if (fl_exp_parse((const char *)data, size, "fuzz.yaml", &exp_buf, err))
		check_error(err);
	else
		check_ok(&exp_buf);
	fl_exp_free(&exp_buf);	/* leaks would show under ASan */
	return 0;
}
