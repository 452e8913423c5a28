// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The experiment records: one small "key value" text file per experiment,
 * FL_RUN_DIR/ID/state. Text because people read it when things go wrong,
 * and /run because, like bpffs, it starts empty at boot: a record never
 * outlives what it describes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cgroup.h"
#include "log.h"
#include "parse.h"
#include "registry.h"
#include "sysfs.h"

static void state_path(const char *id, char *buf, size_t size)
{
	snprintf(buf, size, FL_RUN_DIR "/%s/state", id);
}

void fl_reg_pin_path(const struct fl_reg *r, const char *leaf, char *buf, size_t size)
{
	snprintf(buf, size, FL_PIN_ROOT "/%s%s%s", r->id, leaf ? "/" : "", leaf ? leaf : "");
}

/* Field 22 of /proc/PID/stat: with the pid, it names one process for good. */
static uint64_t proc_start(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (fl_read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	p = strrchr(buf, ')');	/* comm may hold spaces and parentheses */
	/* A zombie has finished: what it held is released already. */
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return 0;
	for (i = 2; p && i < 22; i++)
		p = strchr(p + 1, ' ');
	if (p)
		sscanf(p + 1, "%llu", &start);
	return start;
}

bool fl_reg_alive(const struct fl_reg *r)
{
	return r->pid > 0 && proc_start(r->pid) == r->pid_start && r->pid_start;
}

static void new_id(char *id, size_t size)
{
	unsigned char b[3];

	if (getrandom(b, sizeof(b), 0) != sizeof(b)) {
		uint64_t t = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 12);

		memcpy(b, &t, sizeof(b));
	}
	snprintf(id, size, "%02x%02x%02x", b[0], b[1], b[2]);
}

static const char *const state_names[] = { "planned", "running", "ended" };

const char *fl_reg_state_name(enum fl_reg_state st)
{
	return state_names[st];
}

/* One line each, so a value must not hold a newline. */
static void put(FILE *f, const char *key, const char *val)
{
	fprintf(f, "%s ", key);
	for (; *val; val++)
		fputc(*val == '\n' ? ' ' : *val, f);
	fputc('\n', f);
}

static void write_fault(FILE *f, const struct fl_reg_fault *rf, int i)
{
	const struct fl_fault_kind *k = fl_kind_find(rf->kind);
	char key[64];

	fprintf(f, "fault %d %s %s %" PRIu64 " %d\n", i, rf->kind, rf->action, rf->duration_ns,
		rf->ended);
	snprintf(key, sizeof(key), "fault.%d.desc", i);
	put(f, key, rf->desc);
	snprintf(key, sizeof(key), "fault.%d.mechanism", i);
	put(f, key, rf->mechanism);
	snprintf(key, sizeof(key), "fault.%d.attach", i);
	put(f, key, rf->attach);
	snprintf(key, sizeof(key), "fault.%d.json", i);
	put(f, key, rf->json);
	if (!rf->final.valid)
		return;
	fprintf(f, "fault.%d.final %" PRIu64 " %" PRIu64, i, rf->final.matched, rf->final.injected);
	for (int s = 0; k && k->stats && s < FL_FAULT_STATS && k->stats[s].key; s++)
		fprintf(f, " %" PRIu64, rf->final.extra[s]);
	fputc('\n', f);
}

/* "phase I RESULT RULE LIMIT ELAPSED CHECKS FAILED MAXC RECOVERED", RULE "-" for none. */
static void write_phase(FILE *f, const struct fl_reg_phase *p, int i)
{
	char key[32];

	if (!p->on)
		return;
	fprintf(f, "phase %d %s %s %" PRIu64 " %" PRIu64 " %u %u %u %" PRId64 "\n", i, p->result,
		p->rule[0] ? p->rule : "-", p->limit_ns, p->elapsed_ns, p->checks, p->failed,
		p->max_consecutive, p->recovered_ns);
	snprintf(key, sizeof(key), "phase.%d.why", i);
	put(f, key, p->why);
}

static void write_record(FILE *f, const struct fl_reg *r)
{
	fprintf(f, "id %s\nname %s\nfile %s\npid %d\npid_start %" PRIu64 "\ndetached %d\n"
		"state %s\nstart_ns %" PRIu64 "\ndeadline_ns %" PRIu64 "\nduration_ns %" PRIu64 "\n"
		"start_real %" PRId64 "\ntarget %s\ntarget_path %s\ncgid %" PRIu64 "\nlevel %d\n"
		"nprocs %d\nseed %" PRIu64 "\n",
		r->id, r->name, r->file, r->pid, r->pid_start, r->detached, state_names[r->state],
		r->start_ns, r->deadline_ns, r->duration_ns, r->start_real, r->target, r->target_path,
		r->cgid, r->level, r->nprocs, r->seed);
	for (int i = 0; i < r->nfaults; i++)
		write_fault(f, &r->faults[i], i);
	for (int i = 0; i < r->nnotes; i++)
		fprintf(f, "note %d %s\n", r->notes[i].fault, r->notes[i].text);
	if (r->command[0]) {
		put(f, "command", r->command);
		put(f, "exec_cgroup", r->exec_cgroup);
		fprintf(f, "command_pid %d\ncommand_exit %d\ncommand_signal %d\n", r->command_pid,
			r->command_exit, r->command_signal);
	}
	if (r->probe[0]) {
		put(f, "probe", r->probe);
		fprintf(f, "probe_checks %u\nprobe_failed %u\n", r->probe_checks, r->probe_failed);
		put(f, "probe_error", r->probe_error);
		fprintf(f, "probe_failures %u\nmax_rate %d %" PRIu64 "\n", r->probe_failures,
			r->has_max_rate, r->max_rate);
	}
	for (int i = 0; i < FL_PHASES; i++)
		write_phase(f, &r->phases[i], i);
	if (r->state != FL_REG_ENDED)
		return;
	put(f, "verdict", r->verdict);
	put(f, "stopped_by", r->stopped_by);
	put(f, "reason", r->reason);
	fprintf(f, "exit_status %d\nelapsed_ns %" PRIu64 "\nend_real %" PRId64 "\n", r->exit_status,
		r->elapsed_ns, r->end_real);
}

static int save_at(const struct fl_reg *r, const char *path)
{
	char tmp[PATH_MAX + 8];
	FILE *f;
	int err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	write_record(f, r);
	/* The record must be on disk before the change it announces. */
	if (fflush(f) || fsync(fileno(f)))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int fl_reg_save(const struct fl_reg *r)
{
	char path[PATH_MAX];

	state_path(r->id, path, sizeof(path));
	return save_at(r, path);
}

/*
 * A record appears whole or not at all: its state is written in a hidden
 * directory named for this process (".ID.PID"), which is then renamed to
 * ID. A controller killed before the rename leaves only the hidden one,
 * which the sweep removes once PID is gone. -EEXIST: the id is taken.
 */
static int publish(const struct fl_reg *r)
{
	char tmp[PATH_MAX], state[PATH_MAX + 8], dir[PATH_MAX];
	int e;

	snprintf(tmp, sizeof(tmp), FL_RUN_DIR "/.%s.%d", r->id, (int)getpid());
	snprintf(state, sizeof(state), "%s/state", tmp);
	snprintf(dir, sizeof(dir), FL_RUN_DIR "/%s", r->id);
	if (!access(dir, F_OK))
		return -EEXIST;
	if (mkdir(tmp, 0700))
		return -errno;
	e = save_at(r, state);
	if (!e && rename(tmp, dir))
		e = errno == ENOTEMPTY ? -EEXIST : -errno;
	if (e) {
		unlink(state);
		rmdir(tmp);
	}
	return e;
}

int fl_reg_create(struct fl_reg *r, char *err)
{
	char dir[PATH_MAX];
	int e, tries;

	r->pid = getpid();
	r->pid_start = proc_start(r->pid);
	r->start_real = time(NULL);
	e = fl_mkdir_p(FL_RUN_DIR, 0700);
	for (tries = 0; !e && tries < 16; tries++) {
		new_id(r->id, sizeof(r->id));
		e = publish(r);
		if (e != -EEXIST)
			break;
		e = 0;
	}
	if (!e) {
		fl_reg_pin_path(r, NULL, dir, sizeof(dir));
		e = mkdir(dir, 0700) && errno != EEXIST ? -errno : 0;
	}
	if (e)
		snprintf(err, FL_ERRLEN, "cannot record the experiment under %s or %s: %s",
			 FL_RUN_DIR, FL_PIN_ROOT, strerror(-e));
	return e;
}

int fl_reg_note(struct fl_reg *r, int fault, const char *text)
{
	if (r->nnotes == FL_REG_NOTES || strlen(text) >= sizeof(r->notes[0].text))
		return -E2BIG;
	r->notes[r->nnotes].fault = fault;
	snprintf(r->notes[r->nnotes].text, sizeof(r->notes[0].text), "%s", text);
	r->nnotes++;
	return fl_reg_save(r);
}

static struct fl_reg_fault *fault_at(struct fl_reg *r, const char *key, const char **field)
{
	char *end;
	long i = strtol(key + 6, &end, 10);	/* "fault.N.field" */

	if (i < 0 || i >= r->nfaults || *end != '.')
		return NULL;
	*field = end + 1;
	return &r->faults[i];
}

static void parse_fault_field(struct fl_reg *r, const char *key, const char *val)
{
	const struct fl_fault_kind *k;
	struct fl_reg_fault *rf;
	const char *field;
	char *p;

	rf = fault_at(r, key, &field);
	if (!rf)
		return;
#define FIELD(name) if (!strcmp(field, #name)) { snprintf(rf->name, sizeof(rf->name), "%s", val); return; }
	FIELD(desc) FIELD(mechanism) FIELD(attach) FIELD(json)
#undef FIELD
	if (strcmp(field, "final"))
		return;
	k = fl_kind_find(rf->kind);
	rf->final.matched = strtoull(val, &p, 10);
	rf->final.injected = strtoull(p, &p, 10);
	for (int s = 0; k && k->stats && s < FL_FAULT_STATS && k->stats[s].key; s++)
		rf->final.extra[s] = strtoull(p, &p, 10);
	rf->final.valid = true;
}

static void parse_phase(struct fl_reg *r, const char *key, const char *val)
{
	struct fl_reg_phase *p, tmp = { 0 };
	int i;

	if (!strncmp(key, "phase.", 6)) {
		i = atoi(key + 6);
		if (i >= 0 && i < FL_PHASES && !strcmp(key + 7, ".why"))
			snprintf(r->phases[i].why, sizeof(r->phases[i].why), "%s", val);
		return;
	}
	if (sscanf(val, "%d %11s %19s %" SCNu64 " %" SCNu64 " %u %u %u %" SCNd64, &i, tmp.result,
		   tmp.rule, &tmp.limit_ns, &tmp.elapsed_ns, &tmp.checks, &tmp.failed,
		   &tmp.max_consecutive, &tmp.recovered_ns) != 9 || i < 0 || i >= FL_PHASES)
		return;
	p = &r->phases[i];
	snprintf(tmp.why, sizeof(tmp.why), "%s", p->why);
	if (!strcmp(tmp.rule, "-"))
		tmp.rule[0] = '\0';
	tmp.on = true;
	*p = tmp;
}

static void parse_line(struct fl_reg *r, char *line)
{
	char *val = strchr(line, ' ');

	if (!val)
		return;
	*val++ = '\0';
	val[strcspn(val, "\n")] = '\0';
#define STR(k) if (!strcmp(line, #k)) { snprintf(r->k, sizeof(r->k), "%s", val); return; }
#define NUM(k) if (!strcmp(line, #k)) { r->k = strtoll(val, NULL, 10); return; }
#define UNUM(k) if (!strcmp(line, #k)) { r->k = strtoull(val, NULL, 10); return; }
	STR(id) STR(name) STR(file) STR(target) STR(target_path) STR(stopped_by) STR(reason)
	STR(probe) STR(probe_error) STR(command) STR(exec_cgroup) STR(verdict)
	NUM(command_pid) NUM(command_exit) NUM(command_signal)
	UNUM(probe_failures)
	NUM(pid) NUM(detached) NUM(start_real) NUM(end_real) NUM(level) NUM(nprocs) NUM(exit_status)
	UNUM(pid_start) UNUM(start_ns) UNUM(deadline_ns) UNUM(duration_ns) UNUM(cgid)
	UNUM(elapsed_ns) UNUM(probe_checks) UNUM(probe_failed) UNUM(seed)
#undef STR
#undef NUM
#undef UNUM
	if (!strcmp(line, "state")) {
		for (int i = 0; i < 3; i++)
			if (!strcmp(val, state_names[i]))
				r->state = i;
	} else if (!strcmp(line, "fault") && r->nfaults < FL_REG_FAULTS) {
		struct fl_reg_fault *rf = &r->faults[r->nfaults];
		int i, ended = 0;

		if (sscanf(val, "%d %15s %15s %" SCNu64 " %d", &i, rf->kind, rf->action, &rf->duration_ns,
			   &ended) == 5 && i == r->nfaults) {
			rf->ended = ended;
			r->nfaults++;
		}
	} else if (!strcmp(line, "max_rate")) {
		int on = 0;

		if (sscanf(val, "%d %" SCNu64, &on, &r->max_rate) == 2)
			r->has_max_rate = on;
	} else if (!strcmp(line, "phase") || !strncmp(line, "phase.", 6)) {
		parse_phase(r, line, val);
	} else if (!strncmp(line, "fault.", 6)) {
		parse_fault_field(r, line, val);
	} else if (!strcmp(line, "note") && r->nnotes < FL_REG_NOTES) {
		char *text;
		long i = strtol(val, &text, 10);

		if (*text == ' ' && i >= 0 && i < FL_REG_FAULTS) {
			r->notes[r->nnotes].fault = i;
			snprintf(r->notes[r->nnotes].text, sizeof(r->notes[0].text), "%s", text + 1);
			r->nnotes++;
		}
	}
}

static int load_at(const char *dir, const char *id, struct fl_reg *r)
{
	char path[PATH_MAX], name[sizeof(r->id)], *line = NULL;
	size_t cap = 0;
	FILE *f;

	if (!*id || strchr(id, '/') || strlen(id) >= sizeof(r->id) || id[0] == '.')
		return -EINVAL;
	snprintf(name, sizeof(name), "%s", id);		/* id may be r->id, cleared next */
	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "%s/%s/state", dir, name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0)
		parse_line(r, line);
	free(line);
	fclose(f);
	if (strcmp(r->id, name))
		snprintf(r->id, sizeof(r->id), "%s", name);	/* a torn record still has a name */
	return 0;
}

int fl_reg_load(const char *id, struct fl_reg *r)
{
	return load_at(FL_RUN_DIR, id, r);
}

int fl_reg_load_ended(const char *id, struct fl_reg *r)
{
	return load_at(FL_ENDED_DIR, id, r);
}

static int by_start(const void *a, const void *b)
{
	const struct fl_reg *x = a, *y = b;

	return x->start_real < y->start_real ? -1 : x->start_real > y->start_real;
}

/* Append every record under dir to *v; n and cap as they grow. */
static int list_dir(const char *dir, struct fl_reg **v, int *n, int *cap)
{
	struct dirent *de;
	struct fl_reg *nv;
	DIR *d = opendir(dir);

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "ended"))
			continue;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 8;
			nv = realloc(*v, *cap * sizeof(**v));
			if (!nv)
				break;
			*v = nv;
		}
		if (load_at(dir, de->d_name, &(*v)[*n]) == 0)
			(*n)++;
	}
	closedir(d);
	return 0;
}

int fl_reg_list(struct fl_reg **out, bool ended)
{
	struct fl_reg *v = NULL;
	int n = 0, cap = 0, e;

	*out = NULL;
	e = list_dir(FL_RUN_DIR, &v, &n, &cap);
	if (!e && ended)
		e = list_dir(FL_ENDED_DIR, &v, &n, &cap);
	if (e) {
		free(v);
		return e;
	}
	if (n)
		qsort(v, n, sizeof(*v), by_start);
	*out = v;
	return n;
}

void fl_reg_fault_stats(const struct fl_reg *r, int i, struct fl_fault_stats *st)
{
	const struct fl_fault_kind *k = fl_kind_find(r->faults[i].kind);
	char leaf[32], pin[PATH_MAX];

	if (r->state == FL_REG_ENDED || r->faults[i].ended || !k || !k->read_pinned) {
		*st = r->faults[i].final;
		return;
	}
	memset(st, 0, sizeof(*st));
	snprintf(leaf, sizeof(leaf), "f%d", i);
	fl_reg_pin_path(r, leaf, pin, sizeof(pin));
	st->valid = k->read_pinned(pin, st) == 0;
}

static void rm_dir_files(const char *dir)
{
	char path[PATH_MAX + 300];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static void remove_pins(const struct fl_reg *r)
{
	char dir[PATH_MAX];

	fl_reg_pin_path(r, NULL, dir, sizeof(dir));
	rm_dir_files(dir);
}

void fl_reg_remove(const struct fl_reg *r)
{
	char dir[PATH_MAX];

	remove_pins(r);
	snprintf(dir, sizeof(dir), FL_RUN_DIR "/%s", r->id);
	rm_dir_files(dir);
}

static int by_end(const void *a, const void *b)
{
	const struct fl_reg *x = a, *y = b;

	return x->end_real > y->end_real ? -1 : x->end_real < y->end_real;
}

/* Only the newest FL_REG_KEEP finished records stay. */
static void trim_ended(void)
{
	struct fl_reg *v = NULL;
	int n = 0, cap = 0;
	char dir[PATH_MAX];

	if (list_dir(FL_ENDED_DIR, &v, &n, &cap) || n <= FL_REG_KEEP) {
		free(v);
		return;
	}
	qsort(v, n, sizeof(*v), by_end);
	for (int i = FL_REG_KEEP; i < n; i++) {
		snprintf(dir, sizeof(dir), FL_ENDED_DIR "/%s", v[i].id);
		rm_dir_files(dir);
	}
	free(v);
}

void fl_reg_finish(struct fl_reg *r)
{
	char from[PATH_MAX], to[PATH_MAX];

	remove_pins(r);
	r->state = FL_REG_ENDED;
	r->end_real = time(NULL);
	snprintf(from, sizeof(from), FL_RUN_DIR "/%s", r->id);
	snprintf(to, sizeof(to), FL_ENDED_DIR "/%s", r->id);
	/* Saved in place first, so that a record is never half moved. */
	if (fl_reg_save(r) || fl_mkdir_p(FL_ENDED_DIR, 0700) || rename(from, to)) {
		rm_dir_files(from);
		return;
	}
	trim_ended();
}

/*
 * The cgroup `exec` made for its command: what still runs in it (CMD, what
 * it forked) is killed, and it goes. Only a cgroup faultline named itself.
 */
static void remove_exec_cgroup(const struct fl_reg *r)
{
	const char *base = strrchr(r->exec_cgroup, '/');

	if (!base || strncmp(base + 1, FL_CGROUP_PREFIX, strlen(FL_CGROUP_PREFIX)))
		return;
	if (fl_cgroup_destroy(r->exec_cgroup))
		pr_warn("cannot remove %s, the cgroup of experiment %s's command: rmdir it once its "
			"processes are gone\n", r->exec_cgroup, r->id);
}

/* Each note through its family's sweep(), then what the record names. */
void fl_reg_cleanup(struct fl_reg *r)
{
	remove_exec_cgroup(r);
	for (int i = 0; i < r->nnotes; i++) {
		const struct fl_reg_note *n = &r->notes[i];
		const struct fl_fault_kind *k = n->fault < r->nfaults ?
			fl_kind_find(r->faults[n->fault].kind) : NULL;

		if (k && k->sweep)
			k->sweep(n->text, r->pid);
	}
	snprintf(r->stopped_by, sizeof(r->stopped_by), "controller died");
	snprintf(r->reason, sizeof(r->reason), "its controller (pid %d) died; what it left was removed",
		 r->pid);
	r->exit_status = -1;
	snprintf(r->verdict, sizeof(r->verdict), "error");
	for (int i = 0; i < FL_PHASES; i++) {
		struct fl_reg_phase *p = &r->phases[i];

		if (!strcmp(p->result, "running") || !strcmp(p->result, "pending")) {
			snprintf(p->why, sizeof(p->why), "the controller died");
			snprintf(p->result, sizeof(p->result), "%s", p->result[0] == 'r' ? "stopped" : "skipped");
		}
	}
	fl_reg_finish(r);
}

/* The scratch cgroups of feature probes (probe.c) whose prober was killed. */
static int sweep_probe_cgroups(void)
{
	const char *root = fl_cgroup2_root();
	char path[PATH_MAX + 300];
	struct dirent *de;
	int n = 0, pid;
	DIR *d;

	d = root ? opendir(root) : NULL;
	while (d && (de = readdir(d))) {
		if (sscanf(de->d_name, "faultline-probe.%d", &pid) != 1 || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d", pid);
		if (!access(path, F_OK))
			continue;	/* still probing */
		snprintf(path, sizeof(path), "%s/%s", root, de->d_name);
		n += rmdir(path) == 0;
	}
	if (d)
		closedir(d);
	return n;
}

/*
 * What a controller killed while creating its record leaves: a hidden
 * ".ID.PID" directory (publish()), or, from faultline before it, a record
 * directory with no state file; neither changed anything, so there is
 * only the directory to remove. A young one of the latter may still be
 * starting.
 */
#define FL_REG_STATELESS_AGE	10
static int sweep_stateless(void)
{
	char dir[PATH_MAX], state[PATH_MAX + 8];
	DIR *d = opendir(FL_RUN_DIR);
	time_t now = time(NULL);
	struct dirent *de;
	struct stat st;
	int n = 0;

	while (d && (de = readdir(d))) {
		char id[16];
		int pid;

		/* A record its controller never published (publish()): gone with it. */
		if (sscanf(de->d_name, ".%15[0-9a-f].%d", id, &pid) == 2 && pid > 0 &&
		    kill(pid, 0) && errno == ESRCH) {
			snprintf(dir, sizeof(dir), FL_RUN_DIR "/%s", de->d_name);
			rm_dir_files(dir);
			n++;
			continue;
		}
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "ended"))
			continue;
		snprintf(dir, sizeof(dir), FL_RUN_DIR "/%s", de->d_name);
		snprintf(state, sizeof(state), "%s/state", dir);
		if (stat(dir, &st) || !S_ISDIR(st.st_mode) || !access(state, F_OK) ||
		    now - st.st_mtime < FL_REG_STATELESS_AGE)
			continue;
		rm_dir_files(dir);
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

int fl_reg_gc(void)
{
	struct fl_reg *v;
	int n, cleaned = sweep_probe_cgroups() + sweep_stateless();

	if (fl_ctl_ev_restore_orphan(false) > 0) {
		pr_info("faultline: put back the event setting a killed 'faultline events' left in force\n");
		cleaned++;
	}

	n = fl_reg_list(&v, false);
	for (int i = 0; i < n; i++) {
		if (fl_reg_alive(&v[i]))
			continue;
		pr_info("faultline: removing what experiment %s (%s) left behind: its controller (pid %d) is gone\n",
			v[i].id, v[i].name, v[i].pid);
		fl_reg_cleanup(&v[i]);
		cleaned++;
	}
	free(v);
	return cleaned;
}
