/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The steady-state probe of an experiment: a command or an HTTP GET on
 * loopback, every interval, each check in a child process so a hung check
 * never stalls the controller (which must keep watching deadlines).
 */
#ifndef FL_STEADY_H
#define FL_STEADY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "experiment.h"

struct fl_series;

/* The checks that started in one phase. */
struct fl_steady_count {
	uint32_t checks, failed, consecutive, max_consecutive;
	uint64_t first_ok_ns;		/* when its first passing check ended; 0: none yet */
	char last_error[256];
};

struct fl_steady {
	const struct fl_exp_probe *p;
	uint64_t next_ns;		/* when the next check starts */
	uint64_t kill_ns;		/* when the running check times out */
	uint64_t started_ns;		/* when it started */
	pid_t child;			/* the running check, or 0 */
	int rfd;			/* its reason pipe */
	int pidfd;			/* to wake when it ends, or -1 (no pidfd_open) */
	enum fl_phase phase;		/* the phase checks start in */
	enum fl_phase child_phase;	/* the running check's */
	uint32_t checks, failed, consecutive;	/* every phase: the live view, the record */
	char last_error[256];
	struct fl_steady_count ph[FL_PHASES];
	struct fl_series *series;	/* every check goes there too, or NULL */
};

/* The first check right away, counted for phase. */
void fl_steady_init(struct fl_steady *s, const struct fl_exp_probe *p, enum fl_phase phase,
		    uint64_t now);
/*
 * Checks that start from now count for phase, the first as soon as none
 * runs (one that runs still counts for the phase it started in).
 */
void fl_steady_phase(struct fl_steady *s, enum fl_phase phase, uint64_t now);
/* Start no more checks; the running one is still reaped. */
void fl_steady_hold(struct fl_steady *s);
bool fl_steady_busy(const struct fl_steady *s);
/*
 * Start, reap or time out checks; true once `failures` checks in a row
 * failed in the current phase.
 */
bool fl_steady_tick(struct fl_steady *s, uint64_t now);
/* Sleep up to ns, waking early when the running check ends (so its latency is exact). */
void fl_steady_nap(struct fl_steady *s, uint64_t ns);
/* Kill a check still running; it is not counted. */
void fl_steady_stop(struct fl_steady *s);
/*
 * What is wrong with a probe URL, or NULL: http://HOST[:PORT][/PATH] with a
 * loopback HOST (127.x.x.x, [::1], localhost), so that the probe can never
 * reach another machine. Files are checked with it, and the probe itself.
 */
const char *fl_steady_url_problem(const char *url);
/* http://HOST[:PORT][/PATH] with a loopback HOST; 0 or -EINVAL. */
int fl_steady_parse_url(const char *url, char *host, size_t hsize, int *port, char *path,
			size_t psize);

#endif
