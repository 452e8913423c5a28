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

#define STOP_GRACE_NS	(10 * 1000000000ULL)	/* a controller detaching many hooks */

static uint64_t left_ns(const struct fl_reg *r)
{
	uint64_t now = fl_now_ns();

	return r->deadline_ns > now ? r->deadline_ns - now : 0;
}

static void json_faults(struct jw *w, const struct fl_reg *r, bool counters)
{
	struct fl_fault_stats st;

	jw_key(w, "faults");
	jw_arr_open(w);
	for (int i = 0; i < r->nfaults; i++) {
		jw_obj_open(w);
		jw_kstr(w, "kind", r->faults[i].kind == FL_REG_NET ? "net" : "sys");
		jw_kstr(w, "fault", r->faults[i].desc);
		if (counters) {
			fl_reg_fault_stats(r, i, &st);
			jw_ku64(w, "matched", st.matched);
			jw_ku64(w, "injected", st.injected);
			if (r->faults[i].kind == FL_REG_NET)
				jw_ku64(w, "delay_ns", st.delay_ns);
			jw_kbool(w, "counters_valid", st.valid);
		}
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

static void json_exp(struct jw *w, const struct fl_reg *r, bool counters)
{
	jw_obj_open(w);
	jw_kstr(w, "id", r->id);
	jw_kstr(w, "name", r->name);
	jw_kstr(w, "file", r->file);
	jw_kstr(w, "target", r->target);
	jw_ku64(w, "cgroup_id", r->cgid);
	jw_ki64(w, "pid", r->pid);
	jw_kbool(w, "detached", r->detached);
	jw_ki64(w, "started", r->start_real);
	jw_ku64(w, "remaining_ns", left_ns(r));
	json_faults(w, r, counters);
	jw_obj_close(w);
}

static void print_list(const struct fl_reg *v, int n)
{
	char left[32];

	if (!n) {
		printf("no experiments running\n");
		return;
	}
	printf("%-8s %-22s %-30s %9s  %s\n", "ID", "NAME", "TARGET", "LEFT", "FAULTS");
	for (int i = 0; i < n; i++) {
		fl_fmt_duration(left_ns(&v[i]), left, sizeof(left));
		printf("%-8s %-22s %-30s %9s  ", v[i].id, v[i].name, v[i].target, left);
		for (int f = 0; f < v[i].nfaults; f++)
			printf("%s%s", f ? "; " : "", v[i].faults[f].desc);
		printf("%s\n", v[i].detached ? "  (detached)" : "");
	}
}

static int list_usage(void)
{
	fprintf(stderr, "Usage: faultline list [--json]\n"
		"Running experiments: id, name, target, time left, faults.\n");
	return FL_EXIT_USAGE;
}

int cmd_list(int argc, char **argv)
{
	struct fl_reg *v;
	struct jw w;
	int n;

	if (argc > 1)
		return list_usage();
	n = fl_reg_list(&v);
	if (n < 0) {
		pr_warn("list: cannot read %s: %s\n", FL_RUN_DIR, strerror(-n));
		return FL_EXIT_FAIL;
	}
	if (fl_json) {
		jw_init(&w, stdout);
		jw_obj_open(&w);
		jw_key(&w, "experiments");
		jw_arr_open(&w);
		for (int i = 0; i < n; i++)
			json_exp(&w, &v[i], false);
		jw_arr_close(&w);
		jw_obj_close(&w);
		jw_end(&w);
	} else {
		print_list(v, n);
	}
	free(v);
	return FL_EXIT_OK;
}

static int load_or_say(const char *cmd, const char *id, struct fl_reg *r)
{
	int e = fl_reg_load(id, r);

	if (e)
		pr_warn("%s: no experiment '%s' is running ('faultline list' shows those that are)\n",
			cmd, id);
	return e;
}

static void print_status(const struct fl_reg *r)
{
	struct fl_fault_stats st;
	char left[32];

	fl_fmt_duration(left_ns(r), left, sizeof(left));
	printf("experiment %s (%s) on %s, pid %d%s, %s left\n", r->id, r->name, r->target, r->pid,
	       r->detached ? " (detached)" : "", left);
	for (int i = 0; i < r->nfaults; i++) {
		fl_reg_fault_stats(r, i, &st);
		printf("  [%d] %-44s matched %10llu  injected %10llu", i + 1, r->faults[i].desc,
		       (unsigned long long)st.matched, (unsigned long long)st.injected);
		if (r->faults[i].kind == FL_REG_NET && st.injected && st.delay_ns)
			printf("  avg delay %.2f ms", st.delay_ns / 1e6 / st.injected);
		printf("%s\n", st.valid ? "" : "  (counters gone)");
	}
}

int cmd_status(int argc, char **argv)
{
	struct fl_reg r;
	struct jw w;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "Usage: faultline status ID [--json]\n"
			"Per-fault counters of a running experiment ('faultline list' gives IDs).\n");
		return argc == 2 && !strcmp(argv[1], "--help") ? FL_EXIT_OK : FL_EXIT_USAGE;
	}
	if (load_or_say("status", argv[1], &r))
		return FL_EXIT_USAGE;
	if (fl_json) {
		jw_init(&w, stdout);
		json_exp(&w, &r, true);
		jw_end(&w);
	} else {
		print_status(&r);
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
		return true;	/* it cleaned up after itself */
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
	n = fl_reg_list(&v);
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

	if (argc == 2 && !strcmp(argv[1], "--all"))
		return stop_all();
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "Usage: faultline stop ID | --all\n"
			"  ID     stop one experiment ('faultline list' gives IDs)\n"
			"  --all  the kill switch: every fault on the host goes inert at once, then\n"
			"         every experiment is detached and whatever crashed runs left is removed\n");
		return argc == 2 && !strcmp(argv[1], "--help") ? FL_EXIT_OK : FL_EXIT_USAGE;
	}
	if (load_or_say("stop", argv[1], &r))
		return FL_EXIT_USAGE;
	stop_one(&r, fl_now_ns() + STOP_GRACE_NS);
	if (!fl_json)
		printf("stopped %s (%s)\n", r.id, r.name);
	return FL_EXIT_OK;
}
