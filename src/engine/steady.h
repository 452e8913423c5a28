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

struct fl_steady {
	const struct fl_exp_probe *p;
	uint64_t next_ns;		/* when the next check starts */
	uint64_t kill_ns;		/* when the running check times out */
	pid_t child;			/* the running check, or 0 */
	int rfd;			/* its reason pipe */
	uint32_t checks, failed, consecutive;
	char last_error[256];
};

void fl_steady_init(struct fl_steady *s, const struct fl_exp_probe *p, uint64_t now);
/* Start, reap or time out checks; true once `failures` checks in a row failed. */
bool fl_steady_tick(struct fl_steady *s, uint64_t now);
/* Kill a check still running. */
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
