// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `faultline doctor`: what this kernel lets faultline do, and why not. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "cmd.h"
#include "json.h"
#include "log.h"
#include "probe.h"
#include "report.h"

static bool core_ok(const struct fl_features *ff)
{
	int id;

	for (id = 0; id < FEAT__COUNT; id++)
		if (fl_feat_is_core(id) && !ff->f[id].available)
			return false;
	return true;
}

static void print_json(const struct fl_features *ff, const struct utsname *u)
{
	struct jw w;
	int id;

	jw_init(&w, stdout);
	jw_obj_open(&w);
	jw_ki64(&w, "schema_version", FL_SCHEMA_VERSION);
	jw_kstr(&w, "kernel", u->release);
	jw_kstr(&w, "machine", u->machine);
	jw_kbool(&w, "core_ok", core_ok(ff));
	jw_key(&w, "features");
	jw_arr_open(&w);
	for (id = 0; id < FEAT__COUNT; id++) {
		const struct fl_feature *f = &ff->f[id];

		jw_obj_open(&w);
		jw_kstr(&w, "name", fl_feat_name(id));
		jw_kbool(&w, "available", f->available);
		jw_kstr(&w, "reason", f->reason);
		jw_kstr(&w, "needed_for", fl_feat_needed_for(id));
		jw_kbool(&w, "core", fl_feat_is_core(id));
		if (f->err)
			jw_kstr(&w, "errno", strerrorname_np(-f->err));
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	jw_end(&w);
}

static void print_plain(const struct fl_features *ff, const struct utsname *u)
{
	int id;

	printf("kernel %s (%s)\n\n", u->release, u->machine);
	printf("%-20s %-4s %s\n", "FEATURE", "OK", "DETAIL");
	for (id = 0; id < FEAT__COUNT; id++) {
		const struct fl_feature *f = &ff->f[id];

		printf("%-20s %-4s %s\n", fl_feat_name(id), f->available ? "yes" : "no", f->reason);
		if (!f->available)
			printf("%-20s %-4s needed for: %s\n", "", "", fl_feat_needed_for(id));
	}
	printf("\ncore (tc, cgroup_skb, cgroup socket hooks, BTF, cgroup2): %s\n",
	       core_ok(ff) ? "available" : "MISSING: faultline cannot run here");
}

static void usage(void)
{
	fprintf(stderr,
		"Usage: faultline doctor [--json] [-v]\n\n"
		"Probe the running kernel by loading and attaching tiny programs, and\n"
		"say which faultline features work here, and why not when they do not.\n"
		"Exit status: 0 when the core works, 1 otherwise.\n");
}

int cmd_doctor(int argc, char **argv)
{
	struct fl_features ff;
	struct utsname u;
	int err;

	if (argc > 1) {
		usage();
		return strcmp(argv[1], "help") && strcmp(argv[1], "--help") ? FL_EXIT_USAGE : FL_EXIT_OK;
	}
	uname(&u);
	err = fl_probe_all(&ff);
	if (err) {
		pr_warn("probing failed: %s\n", strerror(-err));
		return FL_EXIT_FAIL;
	}
	if (fl_json)
		print_json(&ff, &u);
	else
		print_plain(&ff, &u);
	return core_ok(&ff) ? FL_EXIT_OK : FL_EXIT_FAIL;
}
