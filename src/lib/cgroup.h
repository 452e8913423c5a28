/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Cgroups faultline makes itself (`exec` runs its command in one): make
 * one, put a process in it, kill everything in it, remove it. Every loop
 * here is bounded: a process stuck in the kernel costs seconds, never a
 * hang.
 */
#ifndef FL_CGROUP_H
#define FL_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What every cgroup faultline makes is called, and nothing else is. */
#define FL_CGROUP_PREFIX	"faultline-exec-"

/* PARENT/FL_CGROUP_PREFIX + 6 random hex digits, made; its path in out. 0 or -errno. */
int fl_cgroup_make(const char *parent, char *out, size_t size);
/* Move pid (0: the caller) into the cgroup dir. 0 or -errno. */
int fl_cgroup_enter(const char *dir, int pid);
/* Does a process live in dir or below it (cgroup.events, else cgroup.procs)? */
bool fl_cgroup_populated(const char *dir);
/*
 * SIGKILL every process in dir and below: cgroup.kill (Linux 5.14), else
 * fl_cgroup_kill_each(). Returns at once (0 or -errno); the processes are
 * gone when fl_cgroup_wait_empty() says so.
 */
int fl_cgroup_kill(const char *dir);
/*
 * Where cgroup.kill is missing: freeze the cgroup (cgroup.freeze, 5.2) so
 * that nothing in it can fork, then SIGKILL each process, in rounds, until
 * it is empty (at most about a second). 0, or -EBUSY if something stayed.
 */
int fl_cgroup_kill_each(const char *dir);
/* Poll until dir holds no process, at most timeout_ns. 0 or -EBUSY. */
int fl_cgroup_wait_empty(const char *dir, uint64_t timeout_ns);
/*
 * Kill what is in dir, wait for it (bounded) and remove dir and the
 * cgroups below it, deepest first. 0 (also when dir is gone already) or
 * -errno of the rmdir that failed.
 */
int fl_cgroup_destroy(const char *dir);

#endif
