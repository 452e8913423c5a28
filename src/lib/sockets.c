// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include "sockets.h"
#include "sysfs.h"

#define MAX_PIDS	4096
#define MAX_INODES	65536

struct walk {
	int pids[MAX_PIDS];
	int npids;
	unsigned long inodes[MAX_INODES];
	int ninodes;
};

static void collect_pids(const char *dir, int depth, struct walk *w)
{
	char path[PATH_MAX], buf[65536], *line, *save = NULL;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (fl_read_file(path, buf, sizeof(buf)) > 0)
		for (line = strtok_r(buf, "\n", &save); line && w->npids < MAX_PIDS;
		     line = strtok_r(NULL, "\n", &save))
			w->pids[w->npids++] = atoi(line);
	if (depth > 16 || !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		collect_pids(path, depth + 1, w);
	}
	closedir(d);
}

static void collect_inodes(int pid, struct walk *w)
{
	char dir[64], link[PATH_MAX], target[128];
	struct dirent *de;
	unsigned long ino;
	ssize_t n;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d)) && w->ninodes < MAX_INODES) {
		snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (sscanf(target, "socket:[%lu]", &ino) == 1)
			w->inodes[w->ninodes++] = ino;
	}
	closedir(d);
}

static int cmp_ul(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* One /proc/PID/net/{tcp,udp}[6] table: "sl local:port rem:port st ... inode". */
static int scan_table(int pid, const char *name, uint8_t proto, struct walk *w,
		      fl_port_cb cb, void *arg)
{
	char path[64], line[512], local[64];
	unsigned int port, state;
	unsigned long ino;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, name);
	if (!(f = fopen(path, "re")))
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*d: %63[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*s %*s %*s %*d %*d %lu",
			   local, &port, &state, &ino) != 4)
			continue;
		/* TCP: listeners only (0x0A); UDP: anything bound. */
		if ((proto == IPPROTO_TCP && state != 0x0A) || !port)
			continue;
		if (bsearch(&ino, w->inodes, w->ninodes, sizeof(ino), cmp_ul)) {
			cb(proto, port, arg);
			found++;
		}
	}
	fclose(f);
	return found;
}

int fl_cgroup_listen_ports(const char *cgroup_path, fl_port_cb cb, void *arg)
{
	struct walk *w = calloc(1, sizeof(*w));
	int i, found = 0;

	if (!w)
		return 0;
	collect_pids(cgroup_path, 0, w);
	for (i = 0; i < w->npids; i++)
		collect_inodes(w->pids[i], w);
	qsort(w->inodes, w->ninodes, sizeof(w->inodes[0]), cmp_ul);
	/* Tables are per netns; the first process's is the target's. */
	if (w->npids) {
		found += scan_table(w->pids[0], "tcp", IPPROTO_TCP, w, cb, arg);
		found += scan_table(w->pids[0], "tcp6", IPPROTO_TCP, w, cb, arg);
		found += scan_table(w->pids[0], "udp", IPPROTO_UDP, w, cb, arg);
		found += scan_table(w->pids[0], "udp6", IPPROTO_UDP, w, cb, arg);
	}
	free(w);
	return found;
}
