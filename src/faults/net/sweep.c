// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A delay changes a device that outlives faultline: its root qdisc, a
 * clsact, an ifb. Before it does, the loader notes the device in the
 * experiment's record; if the controller dies, a later faultline hands the
 * note to sweep(), which finds the namespace and removes what is ours.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "netdev.h"
#include "fault.h"
#include "netload.h"

void fl_net_format_note(const struct fl_net_note *n, char *buf, size_t size)
{
	snprintf(buf, size, "dev %" PRIu64 " %d %s %d", n->netns, n->ifindex, n->name,
		 n->made_clsact);
}

int fl_net_parse_note(const char *note, struct fl_net_note *n)
{
	int made = 0, end = 0;

	memset(n, 0, sizeof(*n));
	if (sscanf(note, "dev %" SCNu64 " %d %15s %d%n", &n->netns, &n->ifindex, n->name, &made,
		   &end) != 4 || note[end] || n->ifindex <= 0)
		return -EINVAL;
	n->made_clsact = made;
	return 0;
}

/* In the device's namespace: the record names it before anything on it changes. */
int fl_net_note_dev(const struct fl_fault_ctx *ctx, int ifindex, const char *name, char *err)
{
	struct fl_net_note n = { .ifindex = ifindex, .made_clsact = true };
	char note[128];
	struct stat st;
	int rc;

	if (stat("/proc/self/ns/net", &st))
		return -errno;
	n.netns = st.st_ino;
	snprintf(n.name, sizeof(n.name), "%s", name);
	fl_net_format_note(&n, note, sizeof(note));
	rc = ctx && ctx->note ? ctx->note(ctx->note_arg, note) : 0;
	if (rc)
		snprintf(err, FL_ERRLEN, "cannot record device %s before changing it: %s", n.name,
			 strerror(-rc));
	return rc;
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
void fl_net_sweep(const char *note, int controller_pid)
{
	struct fl_net_note n;
	int fd, status;
	pid_t pid;

	if (fl_net_parse_note(note, &n))
		return;		/* not ours to read */
	fd = find_netns(n.netns);
	if (fd < 0)
		return;		/* the namespace is gone, and its devices with it */
	pid = fork();
	if (pid == 0)
		_exit(setns(fd, CLONE_NEWNET) ? 1 : fl_netdev_sweep(n.ifindex, n.name, controller_pid,
								  n.made_clsact));
	close(fd);
	if (pid > 0)
		waitpid(pid, &status, 0);
}
