// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include "log.h"
#include "sysfs.h"

#define BPF_FS_MAGIC		0xcafe4a11
#define TRACEFS_MAGIC		0x74726163
#define SECURITYFS_MAGIC	0x73636673

int fl_mkdir_p(const char *path, unsigned int mode)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static int ensure_fs(const char *dir, const char *type, long magic, bool *mounted)
{
	struct statfs st;
	int err;

	if (mounted)
		*mounted = false;
	if (!statfs(dir, &st) && st.f_type == magic)
		return 0;
	err = fl_mkdir_p(dir, 0755);
	if (err)
		return err;
	if (mount(type, dir, type, 0, type[0] == 'b' ? "mode=0700" : NULL))
		return -errno;
	pr_debug("mounted %s at %s\n", type, dir);
	if (mounted)
		*mounted = true;
	return 0;
}

int fl_ensure_bpffs(bool *mounted)
{
	return ensure_fs("/sys/fs/bpf", "bpf", BPF_FS_MAGIC, mounted);
}

int fl_ensure_tracefs(bool *mounted)
{
	return ensure_fs("/sys/kernel/tracing", "tracefs", TRACEFS_MAGIC, mounted);
}

int fl_ensure_securityfs(bool *mounted)
{
	return ensure_fs("/sys/kernel/security", "securityfs", SECURITYFS_MAGIC, mounted);
}

/* mountinfo field 5 is the mount point; the fstype follows the " - ". */
static bool parse_mountinfo_line(char *line, char **mnt, char **fstype)
{
	char *dash = strstr(line, " - ");
	char *save = NULL, *tok;
	int i;

	if (!dash)
		return false;
	*fstype = strtok_r(dash + 3, " ", &save);
	tok = strtok_r(line, " ", &save);
	for (i = 1; tok && i < 5; i++)
		tok = strtok_r(NULL, " ", &save);
	*mnt = tok;
	return *mnt && *fstype;
}

const char *fl_cgroup2_root(void)
{
	static char root[PATH_MAX];
	char line[4096], *mnt, *fstype;
	FILE *f;

	if (root[0])
		return root;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (!parse_mountinfo_line(line, &mnt, &fstype) || strcmp(fstype, "cgroup2"))
			continue;
		/* Prefer the canonical places when several mounts exist. */
		if (!root[0] || !strcmp(mnt, "/sys/fs/cgroup") ||
		    (!strcmp(mnt, "/sys/fs/cgroup/unified") && strcmp(root, "/sys/fs/cgroup")))
			snprintf(root, sizeof(root), "%s", mnt);
	}
	fclose(f);
	return root[0] ? root : NULL;
}

int fl_read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	buf[n] = '\0';
	close(fd);
	return n;
}

/* One line of /proc/kallsyms: "ADDR TYPE NAME [MODULE]". */
static bool ksym_line(const char *line, unsigned long long *addr, char *type, char name[128])
{
	return sscanf(line, "%llx %c %127s", addr, type, name) == 3;
}

int fl_ksym_find(const char *sym, unsigned long long *addr)
{
	unsigned long long a;
	char line[256], type, name[128];
	int err = -ENOENT;
	FILE *f = fopen("/proc/kallsyms", "re");

	while (f && err && fgets(line, sizeof(line), f)) {
		if (!ksym_line(line, &a, &type, name) || strcmp(name, sym))
			continue;
		if (addr)
			*addr = a;
		err = 0;
	}
	if (f)
		fclose(f);
	return err;
}

const char *fl_ksym_at(unsigned long long ip, char *buf, size_t size)
{
	unsigned long long addr, best = 0;
	char line[256], type, name[128];
	FILE *f;

	if (!ip || !(f = fopen("/proc/kallsyms", "re")))
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (!ksym_line(line, &addr, &type, name) || (type != 't' && type != 'T') ||
		    addr > ip || addr < best)
			continue;
		best = addr;
		snprintf(buf, size, "%s", name);
	}
	fclose(f);
	return best ? buf : NULL;
}

int fl_write_file(const char *path, const char *s)
{
	int fd, err = 0;
	size_t len = strlen(s);

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, s, len) != (ssize_t)len)
		err = -errno;
	close(fd);
	return err;
}
