// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `faultline list`, `status ID`, `stop ID|--all`: experiments seen from outside. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cmd.h"
#include "ctl.h"
#include "json.h"
#include "log.h"
#include "parse.h"
#include "registry.h"
#include "report.h"

#define STOP_GRACE_NS	(10 * 1000000000ULL)	/* a controller detaching many hooks */

static uint64_t left_ns(const struct fl_reg *r)
{
	uint64_t now = fl_now_ns();

	return r->state == FL_REG_RUNNING && r->deadline_ns > now ? r->deadline_ns - now : 0;
}

static void print_list(const struct fl_reg *v, int n, bool all)
{
	char left[32];

	if (!n) {
		printf("no experiments %s\n", all ? "running or kept" : "running");
		return;
	}
	printf("%-8s %-22s %-30s %9s  %s\n", "ID", "NAME", "TARGET", all ? "LEFT/END" : "LEFT", "FAULTS");
	for (int i = 0; i < n; i++) {
		if (v[i].state == FL_REG_ENDED)
			snprintf(left, sizeof(left), "%.9s", v[i].stopped_by);
		else
			fl_fmt_duration(left_ns(&v[i]), left, sizeof(left));
		printf("%-8s %-22s %-30s %9s  ", v[i].id, v[i].name, v[i].target, left);
		for (int f = 0; f < v[i].nfaults; f++)
			printf("%s%s", f ? "; " : "", v[i].faults[f].desc);
		printf("%s\n", v[i].detached ? "  (detached)" : "");
	}
}

static int list_usage(int rc)
{
	fprintf(rc ? stderr : stdout, "Usage: faultline list [--all] [--json]\n"
		"Running experiments: id, name, target, time left, faults. --all adds the last %d that\n"
		"ended ('faultline status ID' shows how each ended).\n", FL_REG_KEEP);
	return rc;
}

int cmd_list(int argc, char **argv)
{
	bool all = argc == 2 && !strcmp(argv[1], "--all");
	struct fl_reg *v;
	struct jw w;
	int n;

	if (argc == 2 && !strcmp(argv[1], "--help"))
		return list_usage(FL_EXIT_OK);
	if (argc > 2 || (argc == 2 && !all))
		return list_usage(FL_EXIT_USAGE);
	n = fl_reg_list(&v, all);
	if (n < 0) {
		pr_warn("list: cannot read %s: %s\n", FL_RUN_DIR, strerror(-n));
		return FL_EXIT_FAIL;
	}
	if (fl_json) {
		jw_init(&w, stdout);
		fl_report_list_json(&w, v, n);
		jw_end(&w);
	} else {
		print_list(v, n, all);
	}
	free(v);
	return FL_EXIT_OK;
}

/* A running experiment's record, else a finished one's. */
static int load_or_say(const char *cmd, const char *id, struct fl_reg *r, bool ended_too)
{
	int e = fl_reg_load(id, r);

	if (e && ended_too)
		e = fl_reg_load_ended(id, r);
	if (e)
		pr_warn("%s: no experiment '%s' is %s ('faultline list%s' shows those that are)\n",
			cmd, id, ended_too ? "running or kept" : "running", ended_too ? " --all" : "");
	return e;
}

int cmd_status(int argc, char **argv)
{
	struct fl_reg r;
	struct jw w;

	if (argc != 2 || argv[1][0] == '-') {
		bool help = argc == 2 && !strcmp(argv[1], "--help");

		fprintf(help ? stdout : stderr, "Usage: faultline status ID [--json]\n"
			"Per-fault counters of an experiment, running or ended ('faultline list --all' gives IDs).\n");
		return help ? FL_EXIT_OK : FL_EXIT_USAGE;
	}
	if (load_or_say("status", argv[1], &r, true))
		return FL_EXIT_USAGE;
	if (fl_json) {
		jw_init(&w, stdout);
		fl_report_json(&w, &r, NULL);
		jw_end(&w);
	} else {
		fl_report_text(stdout, &r, NULL);
	}
	return FL_EXIT_OK;
}

/* Ask the controller to stop; it detaches and removes its record itself. */
static bool stop_one(const struct fl_reg *r, uint64_t until)
{
	struct fl_reg now;

	if (fl_reg_alive(r))
		kill(r->pid, SIGTERM);
	/* Until the controller is gone, not just its record: it detaches, then exits. */
	while (fl_now_ns() < until && fl_reg_alive(r))
		usleep(20000);
	if (fl_reg_load(r->id, &now))
		return true;	/* it cleaned up after itself, and kept its summary */
	if (fl_reg_alive(&now)) {
		pr_warn("experiment %s: controller %d ignored SIGTERM; killing it\n", r->id, r->pid);
		kill(r->pid, SIGKILL);
		for (int i = 0; i < 100 && fl_reg_alive(&now); i++)
			usleep(10000);
	}
	fl_reg_cleanup(&now);
	return true;
}

/* Pin directories with no record: a controller killed while creating one. */
static int sweep_pins(void)
{
	char path[PATH_MAX + 300];
	struct fl_reg r;
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(FL_PIN_ROOT);
	int n = 0;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(r.id))
			continue;
		snprintf(path, sizeof(path), FL_PIN_ROOT "/%s", de->d_name);
		if (stat(path, &st) || !S_ISDIR(st.st_mode) || !fl_reg_load(de->d_name, &r))
			continue;
		snprintf(r.id, sizeof(r.id), "%s", de->d_name);
		fl_reg_remove(&r);
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

static int stop_all(void)
{
	uint64_t gen = 0, until = fl_now_ns() + STOP_GRACE_NS;
	struct fl_reg *v;
	struct jw w;
	int e, n, swept;

	/* First the kill switch: one map write, and every program is inert. */
	e = fl_ctl_halt(&gen);
	if (e) {
		pr_warn("stop: cannot throw the kill switch at %s/fl_control: %s\n", FL_PIN_ROOT,
			strerror(-e));
		return FL_EXIT_FAIL;
	}
	n = fl_reg_list(&v, false);
	for (int i = 0; i < n; i++)
		if (fl_reg_alive(&v[i]))
			kill(v[i].pid, SIGTERM);
	for (int i = 0; i < n; i++)
		stop_one(&v[i], until);
	free(v);
	swept = sweep_pins();
	if (fl_json) {
		jw_init(&w, stdout);
		jw_obj_open(&w);
		jw_ki64(&w, "schema_version", FL_SCHEMA_VERSION);
		jw_ku64(&w, "generation", gen);
		jw_ki64(&w, "stopped", n > 0 ? n : 0);
		jw_ki64(&w, "orphan_pins_removed", swept);
		jw_obj_close(&w);
		jw_end(&w);
	} else {
		printf("kill switch thrown (generation %llu): %d experiment%s stopped, everything detached\n",
		       (unsigned long long)gen, n > 0 ? n : 0, n == 1 ? "" : "s");
	}
	return FL_EXIT_OK;
}

int cmd_stop(int argc, char **argv)
{
	struct fl_reg r;
	char id[16];
	struct jw w;

	if (argc == 2 && !strcmp(argv[1], "--all"))
		return stop_all();
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "Usage: faultline stop ID | --all\n"
			"  ID     stop one experiment ('faultline list' gives IDs)\n"
			"  --all  the kill switch: every fault on the host goes inert at once, then\n"
			"         every experiment is detached and whatever crashed runs left is removed\n");
		return argc == 2 && !strcmp(argv[1], "--help") ? FL_EXIT_OK : FL_EXIT_USAGE;
	}
	if (load_or_say("stop", argv[1], &r, false))
		return FL_EXIT_USAGE;
	stop_one(&r, fl_now_ns() + STOP_GRACE_NS);
	/* How it ended, as its controller (or the clean-up) recorded it. */
	snprintf(id, sizeof(id), "%s", r.id);
	if (fl_reg_load_ended(id, &r)) {
		pr_warn("stop: %s stopped, but left no summary under %s\n", id, FL_ENDED_DIR);
		return FL_EXIT_FAIL;
	}
	if (fl_json) {
		jw_init(&w, stdout);
		fl_report_json(&w, &r, NULL);
		jw_end(&w);
	} else {
		printf("stopped %s (%s)\n", r.id, r.name);
	}
	return FL_EXIT_OK;
}
