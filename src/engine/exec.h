/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `faultline exec [FAULTS] -- CMD`: an experiment whose target is a cgroup
 * made for CMD and whose end is CMD's exit. exec.c keeps the command's
 * side: the cgroup, the child that waits in it until every fault is live,
 * the signals passed on, the end (SIGTERM, SIGKILL after a grace) and the
 * removal of whatever is left. The runner calls it at those points.
 */
#ifndef FL_EXEC_H
#define FL_EXEC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include "fault.h"

struct fl_reg;

#define FL_EXEC_STOP		"command exited"	/* the run's stopped_by */
#define FL_EXEC_KILL_AFTER_NS	(10 * 1000000000ULL)	/* SIGTERM, then this, then SIGKILL */

struct fl_exec {
	/* From the command line (cmdline.c). */
	char **argv;			/* CMD and its arguments, NULL-terminated */
	const char *parent;		/* --parent PATH, or NULL: faultline's own cgroup */
	const char *file;		/* -f FILE, or NULL */
	__u64 kill_after_ns;
	const struct fl_fault_kind *help_kind;	/* `--KIND ACTION --help` asked for */
	int help_action;
	/* The experiment's faults, before the spawn: some act in CMD's process (handoff.h). */
	struct fl_fault *faults;
	int nfaults;
	int watchdog_fd;		/* the runner's (watchdog.h), -1 before it starts */
	/* As it runs (exec.c). */
	char home[PATH_MAX];		/* the cgroup faultline runs in */
	char cgroup[PATH_MAX];		/* the one made for CMD, "" before */
	bool removed;			/* ... and it is gone */
	int pid;			/* the child: waiting, then CMD */
	int go_fd, err_fd;		/* "go" to the child; its exec's errno back */
	int fd_sock;			/* what its in-process faults hand over (handoff.h) */
	bool started;			/* CMD's first instruction ran */
	bool reaped;
	bool ended_first;		/* the experiment ended before CMD did (exit 124) */
	bool terminated;		/* ... and faultline sent it SIGTERM */
	int wstatus;			/* as waitpid() gave it */
	int exec_errno;			/* the exec itself failed */
	int interrupted;		/* a signal that came before CMD started: it never ran */
	int leftover;			/* processes CMD left behind, killed */
};

/* Defaults, before the command line. */
void fl_exec_init(struct fl_exec *x);
/*
 * Whether CMD can be run at all, before anything is made: 0, -ENOENT
 * (not found: exit 127) or -EACCES (found, not executable: 126), with err.
 */
int fl_exec_check_cmd(const struct fl_exec *x, char *err);
/*
 * Take over SIGINT, SIGTERM, SIGHUP, SIGQUIT (passed on to CMD) and
 * SIGCHLD; make the cgroup; fork the child, which joins it and waits.
 * Then the cgroup is the experiment's target. 0, or -errno with err; on
 * error fl_exec_cleanup() still has to run.
 */
int fl_exec_spawn(struct fl_exec *x, char *err);
/*
 * Every fault is live: let the child exec CMD. 0 once CMD runs, else
 * -errno with err: the exec failed (-ENOENT, -EACCES...) or a signal came
 * first (-EINTR): CMD never ran.
 */
int fl_exec_go(struct fl_exec *x, char *err);
/* Has CMD exited? (Reaps it; the signals stop being passed on.) */
bool fl_exec_exited(struct fl_exec *x);
/*
 * The experiment ends, with the faults still attached: when CMD still
 * runs (terminate), SIGTERM, and SIGKILL kill_after_ns later; then every
 * process left in the cgroup is killed, and waited for (bounded).
 */
void fl_exec_end(struct fl_exec *x, bool terminate);
/*
 * Whatever state it is in (trap-like, idempotent, on every path): the
 * waiting child goes, whatever runs in the cgroup is killed, the cgroup
 * is removed. 0, or -errno when the cgroup could not be removed.
 */
int fl_exec_cleanup(struct fl_exec *x);
/* The command, its cgroup and how it ended, into the record. */
void fl_exec_record(const struct fl_exec *x, struct fl_reg *g);
/* CMD's own exit status (128+N for a signal N), or FL_EXIT_EXEC_ENDED when the run ended first. */
int fl_exec_status(const struct fl_exec *x);
/* exec's exit status once fl_run() returned rc: CMD's, or 125/126/127/128+N. */
int fl_exec_exit(const struct fl_exec *x, int rc, bool dry_run);
/* argv as a shell would read it back: "sh -c 'exit 3'". */
void fl_exec_line(char *const *argv, char *buf, size_t size);

#endif
