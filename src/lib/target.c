// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include "sysfs.h"
#include "target.h"

#define CGROUP2_SUPER_MAGIC 0x63677270
#define MAX_WALK_DEPTH 16

static int fail(char *err, int e, const char *fmt, const char *a, const char *b)
{
	snprintf(err, FL_ERRLEN, fmt, a, b);
	return e;
}

int fl_target_set(struct fl_target *t, enum fl_target_kind kind, const char *spec, char *err)
{
	if (t->kind != FL_TARGET_NONE)
		return fail(err, -EINVAL, "give one target: --cgroup, --pid or --unit%s%s", "", "");
	if (!spec || !*spec || strlen(spec) >= sizeof(t->spec))
		return fail(err, -EINVAL, "empty or overlong target '%s'%s", spec ? spec : "", "");
	t->kind = kind;
	snprintf(t->spec, sizeof(t->spec), "%s", spec);
	return 0;
}

int fl_cgroup_id(const char *path, uint64_t *id)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh.handle_bytes = sizeof(uint64_t) };
	int mount_id;

	/* The handle of a kernfs node is its 64-bit id, the one BPF sees. */
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0))
		return -errno;
	*id = h.id;
	return 0;
}

static bool is_cgroup2_dir(const char *path)
{
	struct statfs sf;
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode) && !statfs(path, &sf) &&
	       sf.f_type == CGROUP2_SUPER_MAGIC;
}

/*
 * Accept the path as the user may know it: under the v2 mount, relative to
 * it, or written for a unified host (/sys/fs/cgroup/...) on a hybrid one.
 */
static int resolve_cgroup_path(const char *root, const char *spec, char *out, size_t n)
{
	size_t rl = strlen(root);
	const char *tail;

	if (!strncmp(spec, root, rl) && (spec[rl] == '/' || !spec[rl])) {
		snprintf(out, n, "%s", spec);
		if (is_cgroup2_dir(out))
			return 0;
	}
	snprintf(out, n, "%s%s%s", root, spec[0] == '/' ? "" : "/", spec);
	if (is_cgroup2_dir(out))
		return 0;
	if (!strncmp(spec, "/sys/fs/cgroup/", 15)) {
		tail = spec + 14;
		snprintf(out, n, "%s%s", root, tail);
		if (is_cgroup2_dir(out))
			return 0;
	}
	return -ENOENT;
}

/* The v2 line of /proc/PID/cgroup is "0::/path". */
static int pid_cgroup(const char *pid, char *rel, size_t n)
{
	char path[64], buf[8192], *line;

	if (strcmp(pid, "self") && (strspn(pid, "0123456789") != strlen(pid) || strlen(pid) > 10))
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%s/cgroup", pid);
	if (fl_read_file(path, buf, sizeof(buf)) < 0)
		return -ESRCH;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strncmp(line, "0::", 3)) {
			snprintf(rel, n, "%s", line + 3);
			return 0;
		}
	}
	return -ENOENT;
}

/* Depth-first search for a directory named `name` below `dir`. */
static int find_dir(const char *dir, const char *name, int depth, char *out, size_t n)
{
	char sub[PATH_MAX];
	struct dirent *de;
	int err = -ENOENT;
	DIR *d;

	if (depth > MAX_WALK_DEPTH || !(d = opendir(dir)))
		return -ENOENT;
	while (err && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= (int)sizeof(sub))
			continue;
		if (!strcmp(de->d_name, name)) {
			snprintf(out, n, "%s", sub);
			err = 0;
		} else {
			err = find_dir(sub, name, depth + 1, out, n);
		}
	}
	closedir(d);
	return err;
}

static int resolve_unit(const char *root, const char *unit, char *out, size_t n)
{
	char name[256];

	if (strchr(unit, '/') || strlen(unit) > 200)
		return -EINVAL;
	/* "nginx" means nginx.service, as systemctl reads it. */
	snprintf(name, sizeof(name), "%s%s", unit, strchr(unit, '.') ? "" : ".service");
	return find_dir(root, name, 0, out, n);
}

static int resolve_path(struct fl_target *t, const char *root, char *err)
{
	char rel[PATH_MAX];
	int e;

	switch (t->kind) {
	case FL_TARGET_CGROUP:
		if (resolve_cgroup_path(root, t->spec, t->path, sizeof(t->path)))
			return fail(err, -ENOENT, "no cgroup '%s' under the cgroup2 mount %s", t->spec, root);
		return 0;
	case FL_TARGET_PID:
		e = pid_cgroup(t->spec, rel, sizeof(rel));
		if (e == -EINVAL)
			return fail(err, -EINVAL, "bad pid '%s': give a process id%s", t->spec, "");
		if (e)
			return fail(err, -ESRCH, "no process %s (or it has no cgroup2 membership)%s", t->spec, "");
		snprintf(t->path, sizeof(t->path), "%s%s", root, strcmp(rel, "/") ? rel : "");
		return 0;
	case FL_TARGET_UNIT:
		if (resolve_unit(root, t->spec, t->path, sizeof(t->path)))
			return fail(err, -ENOENT, "no cgroup for unit '%s' under %s: is it running?", t->spec, root);
		return 0;
	default:
		return fail(err, -EINVAL, "no target: give --cgroup PATH, --pid PID or --unit NAME%s%s", "", "");
	}
}

/* Is `rel` our own cgroup or one of its ancestors? */
static bool contains_self(const char *rel)
{
	char self[PATH_MAX];
	size_t n = strlen(rel);

	if (pid_cgroup("self", self, sizeof(self)))
		return false;
	if (!strcmp(rel, "/"))
		return true;
	return !strncmp(self, rel, n) && (self[n] == '/' || !self[n]);
}

int fl_target_resolve(struct fl_target *t, bool force, char *err)
{
	const char *root = fl_cgroup2_root();
	int e;

	if (!root)
		return fail(err, -ENOENT, "no cgroup2 mount found; mount one at %s%s", "/sys/fs/cgroup", "");
	e = resolve_path(t, root, err);
	if (e)
		return e;
	if (!is_cgroup2_dir(t->path))
		return fail(err, -ENOENT, "'%s' is not a cgroup2 directory%s", t->path, "");
	snprintf(t->rel, sizeof(t->rel), "%s", t->path[strlen(root)] ? t->path + strlen(root) : "/");
	t->level = 0;
	for (const char *p = t->rel; *p; p++)
		t->level += *p == '/' && p[1];
	e = fl_cgroup_id(t->path, &t->cgid);
	if (e)
		return fail(err, e, "cannot read the id of cgroup %s: %s", t->path, strerror(-e));
	if (!force && !strcmp(t->rel, "/"))
		return fail(err, -EPERM, "refusing the root cgroup: it holds the whole host (--force to insist)%s%s", "", "");
	if (!force && contains_self(t->rel))
		return fail(err, -EPERM, "refusing %s: faultline itself runs in it (--force to insist)%s", t->rel, "");
	t->nprocs = fl_cgroup_count_procs(t->path);
	return 0;
}

static int count_procs_at(const char *dir, int depth)
{
	char path[PATH_MAX], buf[65536];
	struct dirent *de;
	int n = 0, len;
	DIR *d;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) < (int)sizeof(path) &&
	    (len = fl_read_file(path, buf, sizeof(buf))) > 0)
		for (int i = 0; i < len; i++)
			n += buf[i] == '\n';
	if (depth >= MAX_WALK_DEPTH || !(d = opendir(dir)))
		return n;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < (int)sizeof(path))
			n += count_procs_at(path, depth + 1);
	}
	closedir(d);
	return n;
}

int fl_cgroup_count_procs(const char *path)
{
	return count_procs_at(path, 0);
}

static int each_pid_at(const char *dir, int depth, int (*cb)(int pid, void *arg), void *arg)
{
	char path[PATH_MAX], buf[65536], *line, *save = NULL;
	struct dirent *de;
	int rc = 0;
	DIR *d;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) < (int)sizeof(path) &&
	    fl_read_file(path, buf, sizeof(buf)) > 0)
		for (line = strtok_r(buf, "\n", &save); line && !rc; line = strtok_r(NULL, "\n", &save))
			rc = cb(atoi(line), arg);
	if (rc || depth >= MAX_WALK_DEPTH || !(d = opendir(dir)))
		return rc;
	while (!rc && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < (int)sizeof(path))
			rc = each_pid_at(path, depth + 1, cb, arg);
	}
	closedir(d);
	return rc;
}

int fl_cgroup_each_pid(const char *path, int (*cb)(int pid, void *arg), void *arg)
{
	return each_pid_at(path, 0, cb, arg);
}

int fl_target_self(struct fl_target *t, char *err)
{
	char rel[PATH_MAX];
	int e;

	memset(t, 0, sizeof(*t));
	e = pid_cgroup("self", rel, sizeof(rel));
	if (e)
		return fail(err, e, "cannot read /proc/self/cgroup: %s%s", strerror(-e), "");
	t->kind = FL_TARGET_CGROUP;
	snprintf(t->spec, sizeof(t->spec), "%s", rel);
	return fl_target_resolve(t, true, err);
}
