// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include "cgroup.h"
#include "sysfs.h"
#include "target.h"

#define POLL_NS		(10 * 1000000ULL)
#define KILL_ROUNDS	100		/* of POLL_NS each */
#define MAX_DEPTH	16

static void pause_poll(void)
{
	struct timespec ts = { 0, POLL_NS };

	nanosleep(&ts, NULL);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int fl_cgroup_make(const char *parent, char *out, size_t size)
{
	unsigned char b[3];

	for (int tries = 0; tries < 16; tries++) {
		if (getrandom(b, sizeof(b), 0) != sizeof(b))
			return -errno;
		if (snprintf(out, size, "%s/" FL_CGROUP_PREFIX "%02x%02x%02x", parent, b[0], b[1],
			     b[2]) >= (int)size)
			return -ENAMETOOLONG;
		if (!mkdir(out, 0755))
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int fl_cgroup_enter(const char *dir, int pid)
{
	char path[4200], num[16];

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(num, sizeof(num), "%d", pid);
	return fl_write_file(path, num);
}

static int count_cb(int pid, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

bool fl_cgroup_populated(const char *dir)
{
	char path[4200], buf[256], *p;
	int n = 0;

	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	if (fl_read_file(path, buf, sizeof(buf)) > 0 && (p = strstr(buf, "populated ")))
		return p[10] == '1';
	fl_cgroup_each_pid(dir, count_cb, &n);
	return n > 0;
}

static int kill_cb(int pid, void *arg)
{
	if (pid > 0)
		kill(pid, SIGKILL);
	return 0;
}

int fl_cgroup_kill_each(const char *dir)
{
	char freeze[4200];
	bool frozen;
	int i;

	snprintf(freeze, sizeof(freeze), "%s/cgroup.freeze", dir);
	/* Frozen, nothing forks between our reading cgroup.procs and the kill; SIGKILL still lands. */
	frozen = !fl_write_file(freeze, "1");
	for (i = 0; i < KILL_ROUNDS && fl_cgroup_populated(dir); i++) {
		fl_cgroup_each_pid(dir, kill_cb, NULL);
		pause_poll();
	}
	if (frozen)
		fl_write_file(freeze, "0");
	return fl_cgroup_populated(dir) ? -EBUSY : 0;
}

int fl_cgroup_kill(const char *dir)
{
	char path[4200];
	int e;

	snprintf(path, sizeof(path), "%s/cgroup.kill", dir);
	if (access(path, F_OK))
		return access(dir, F_OK) ? -ENOENT : fl_cgroup_kill_each(dir);
	e = fl_write_file(path, "1");
	return e ? fl_cgroup_kill_each(dir) : 0;
}

int fl_cgroup_wait_empty(const char *dir, uint64_t timeout_ns)
{
	uint64_t until = mono_ns() + timeout_ns;

	while (fl_cgroup_populated(dir)) {
		if (mono_ns() >= until)
			return -EBUSY;
		pause_poll();
	}
	return 0;
}

/* rmdir dir and every cgroup below it, deepest first. */
static int remove_tree(const char *dir, int depth)
{
	char sub[4200];
	struct dirent *de;
	DIR *d;

	if (depth < MAX_DEPTH && (d = opendir(dir))) {
		while ((de = readdir(d))) {
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) < (int)sizeof(sub))
				remove_tree(sub, depth + 1);
		}
		closedir(d);
	}
	return rmdir(dir) && errno != ENOENT ? -errno : 0;
}

int fl_cgroup_destroy(const char *dir)
{
	int e = 0;

	if (!dir[0] || access(dir, F_OK))
		return 0;
	/* Twice at most: a process may be on its way in while the first kill runs. */
	for (int i = 0; i < 2; i++) {
		if (fl_cgroup_populated(dir)) {
			fl_cgroup_kill(dir);
			fl_cgroup_wait_empty(dir, 2000 * 1000000ULL);
		}
		e = remove_tree(dir, 0);
		if (e != -EBUSY)
			break;
	}
	return e;
}
