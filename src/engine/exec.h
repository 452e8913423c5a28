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
struct fl_report;

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
	uint64_t start_ns, end_ns;	/* ... and from when to when (CLOCK_MONOTONIC) */
	bool reaped;
	bool ended_first;		/* the experiment ended before CMD did (exit 124) */
	bool terminated;		/* ... and faultline sent it SIGTERM */
	bool finished;			/* the run got to its summary (fl_exec_finish) */
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
 * A signal to faultline that ends the run, or 0. Only while CMD does not
 * run (before it starts: the baseline; after it ended: the recovery):
 * while it runs, signals are passed on to it, and its exit ends the run.
 */
int fl_exec_signal(struct fl_exec *x);
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
/*
 * The run is over and judged (g->verdict): the cgroup goes, the record
 * gets how CMD ended (its reason too, unless the hypothesis failed: then
 * the reason is the failed rule's), and g->exit_status becomes exec's:
 * CMD's own (128+N for a signal N), whatever the verdict; 124 when the run
 * ended before CMD did (the deadline, the probe, stop --all, a failed
 * baseline: CMD never started); 128+N for a signal N before CMD started.
 */
void fl_exec_finish(struct fl_exec *x, struct fl_reg *g);
/* That status (fl_exec_finish). */
int fl_exec_status(const struct fl_exec *x);
/* exec's exit status once fl_run() returned rc: that one, or 125/126/127/128+N. */
int fl_exec_exit(const struct fl_exec *x, int rc, bool dry_run);
/*
 * fl_run_opts.report_cases: the JUnit testcase "command: CMD ARGS",
 * passed when CMD exited 0, failed when it exited otherwise, was killed,
 * or was ended by the run; skipped or an error when it never ran.
 */
void fl_exec_report_cases(struct fl_report *rep, void *arg);
/* argv as a shell would read it back: "sh -c 'exit 3'". */
void fl_exec_line(char *const *argv, char *buf, size_t size);

#endif
