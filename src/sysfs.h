/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef FL_SYSFS_H
#define FL_SYSFS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Mount a pseudo filesystem at its usual place when it is missing, as a
 * real tool must on hosts that do not mount it at boot. Returns 0 (and sets
 * *mounted when this call mounted it) or -errno.
 */
int fl_ensure_bpffs(bool *mounted);
int fl_ensure_tracefs(bool *mounted);
int fl_ensure_securityfs(bool *mounted);

/* Where the cgroup v2 hierarchy is mounted (unified or hybrid), or NULL. */
const char *fl_cgroup2_root(void);

int fl_mkdir_p(const char *path, unsigned int mode);
int fl_read_file(const char *path, char *buf, size_t size);
int fl_write_file(const char *path, const char *s);

#endif
