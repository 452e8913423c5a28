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

/*
 * /proc/kallsyms. fl_ksym_find: 0 if the running kernel has SYM (and its
 * address in *addr when asked; 0 where kptr_restrict hides it), else -ENOENT.
 * fl_ksym_at: the name of the nearest text symbol at or below ip, in buf,
 * or NULL when none is known.
 */
int fl_ksym_find(const char *sym, unsigned long long *addr);
const char *fl_ksym_at(unsigned long long ip, char *buf, size_t size);

#endif
