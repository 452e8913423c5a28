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
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "netdev.h"
#include "nl.h"
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

static void write_faults(FILE *f, const struct fl_reg *r)
{
	for (int i = 0; i < r->nfaults; i++)
		fprintf(f, "fault %s %s\n", r->faults[i].kind == FL_REG_NET ? "net" : "sys",
			r->faults[i].desc);
	for (int i = 0; i < r->ndevs; i++)
		fprintf(f, "dev %" PRIu64 " %d %s %d\n", r->devs[i].netns, r->devs[i].ifindex,
			r->devs[i].name, r->devs[i].made_clsact);
}

int fl_reg_save(const struct fl_reg *r)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;
	int err = 0;

	state_path(r->id, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "id %s\nname %s\nfile %s\npid %d\npid_start %" PRIu64 "\ndetached %d\n"
		"start_ns %" PRIu64 "\ndeadline_ns %" PRIu64 "\nstart_real %" PRId64 "\n"
		"target %s\ncgid %" PRIu64 "\n",
		r->id, r->name, r->file, r->pid, r->pid_start, r->detached, r->start_ns,
		r->deadline_ns, r->start_real, r->target, r->cgid);
	write_faults(f, r);
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
		snprintf(dir, sizeof(dir), FL_RUN_DIR "/%s", r->id);
		e = mkdir(dir, 0700) ? -errno : 0;
		if (e != -EEXIST)
			break;
		e = 0;
	}
	if (!e) {
		fl_reg_pin_path(r, NULL, dir, sizeof(dir));
		e = mkdir(dir, 0700) && errno != EEXIST ? -errno : 0;
	}
	if (!e)
		e = fl_reg_save(r);
	if (e)
		snprintf(err, FL_ERRLEN, "cannot record the experiment under %s or %s: %s",
			 FL_RUN_DIR, FL_PIN_ROOT, strerror(-e));
	return e;
}

int fl_reg_add_dev(struct fl_reg *r, const struct fl_reg_dev *d)
{
	for (int i = 0; i < r->ndevs; i++)
		if (r->devs[i].netns == d->netns && r->devs[i].ifindex == d->ifindex) {
			r->devs[i].made_clsact |= d->made_clsact;
			return fl_reg_save(r);
		}
	if (r->ndevs == FL_REG_DEVS)
		return -E2BIG;
	r->devs[r->ndevs++] = *d;
	return fl_reg_save(r);
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
	STR(id) STR(name) STR(file) STR(target)
	NUM(pid) NUM(detached) NUM(start_real)
	UNUM(pid_start) UNUM(start_ns) UNUM(deadline_ns) UNUM(cgid)
#undef STR
#undef NUM
#undef UNUM
	if (!strcmp(line, "fault") && r->nfaults < FL_REG_FAULTS) {
		r->faults[r->nfaults].kind = strncmp(val, "net ", 4) ? FL_REG_SYS : FL_REG_NET;
		snprintf(r->faults[r->nfaults].desc, sizeof(r->faults[0].desc), "%s", val + 4);
		r->nfaults++;
	} else if (!strcmp(line, "dev") && r->ndevs < FL_REG_DEVS) {
		struct fl_reg_dev *d = &r->devs[r->ndevs];
		int made = 0;

		if (sscanf(val, "%" SCNu64 " %d %15s %d", &d->netns, &d->ifindex, d->name, &made) == 4) {
			d->made_clsact = made;
			r->ndevs++;
		}
	}
}

int fl_reg_load(const char *id, struct fl_reg *r)
{
	char path[PATH_MAX], line[PATH_MAX + 64];
	FILE *f;

	memset(r, 0, sizeof(*r));
	if (!*id || strchr(id, '/') || strlen(id) >= sizeof(r->id))
		return -EINVAL;
	state_path(id, path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		parse_line(r, line);
	fclose(f);
	if (strcmp(r->id, id))
		snprintf(r->id, sizeof(r->id), "%s", id);	/* a torn record still has a name */
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct fl_reg *x = a, *y = b;

	return x->start_real < y->start_real ? -1 : x->start_real > y->start_real;
}

int fl_reg_list(struct fl_reg **out)
{
	struct fl_reg *v = NULL, *nv;
	struct dirent *de;
	int n = 0, cap = 0;
	DIR *d;

	*out = NULL;
	d = opendir(FL_RUN_DIR);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		if (fl_reg_load(de->d_name, &v[n]) == 0)
			n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), by_start);
	*out = v;
	return n;
}

/* Sum a pinned per-CPU fl_counters map, or read a pinned fl_sys_stats. */
void fl_reg_fault_stats(const struct fl_reg *r, int i, struct fl_fault_stats *st)
{
	char leaf[32], path[PATH_MAX];
	__u32 zero = 0;
	int fd;

	memset(st, 0, sizeof(*st));
	snprintf(leaf, sizeof(leaf), "f%d", i);
	fl_reg_pin_path(r, leaf, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return;
	if (r->faults[i].kind == FL_REG_NET) {
		int ncpu = libbpf_num_possible_cpus();
		struct fl_counters per[ncpu > 0 ? ncpu : 1];

		if (ncpu > 0 && !bpf_map_lookup_elem(fd, &zero, per)) {
			for (int c = 0; c < ncpu; c++) {
				st->matched += per[c].matched;
				st->injected += per[c].injected;
				st->delay_ns += per[c].delay_ns;
			}
			st->valid = true;
		}
	} else {
		struct fl_sys_stats s;

		if (!bpf_map_lookup_elem(fd, &zero, &s)) {
			st->matched = s.matched;
			st->injected = s.injected;
			st->valid = true;
		}
	}
	close(fd);
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

void fl_reg_remove(const struct fl_reg *r)
{
	char dir[PATH_MAX];

	fl_reg_pin_path(r, NULL, dir, sizeof(dir));
	rm_dir_files(dir);
	snprintf(dir, sizeof(dir), FL_RUN_DIR "/%s", r->id);
	rm_dir_files(dir);
}

/* An fd for the network namespace with this inode, wherever it is held. */
static int find_netns(uint64_t ino)
{
	const char *dirs[] = { "/run/netns", "/proc" };
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;

	for (size_t i = 0; i < 2; i++) {
		DIR *d = opendir(dirs[i]);

		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.' || (i == 1 && (de->d_name[0] < '0' || de->d_name[0] > '9')))
				continue;
			snprintf(path, sizeof(path), i ? "/proc/%s/ns/net" : "/run/netns/%s", de->d_name);
			if (!stat(path, &st) && st.st_ino == ino) {
				closedir(d);
				return open(path, O_RDONLY | O_CLOEXEC);
			}
		}
		if (d)
			closedir(d);
	}
	return -ENOENT;
}

/* In a child, so this process never leaves its own namespace. */
static void cleanup_dev(const struct fl_reg *r, const struct fl_reg_dev *d)
{
	int fd = find_netns(d->netns), status;
	pid_t pid;

	if (fd < 0)
		return;		/* the namespace is gone, and its devices with it */
	pid = fork();
	if (pid == 0) {
		_exit(setns(fd, CLONE_NEWNET) ? 1 : fl_netdev_sweep(d->ifindex, d->name, r->pid,
								   d->made_clsact));
	}
	close(fd);
	if (pid > 0)
		waitpid(pid, &status, 0);
}

void fl_reg_cleanup(const struct fl_reg *r)
{
	for (int i = 0; i < r->ndevs; i++)
		cleanup_dev(r, &r->devs[i]);
	fl_reg_remove(r);
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

int fl_reg_gc(void)
{
	struct fl_reg *v;
	int n, cleaned = sweep_probe_cgroups();

	n = fl_reg_list(&v);
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
