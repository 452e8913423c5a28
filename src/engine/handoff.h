/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * exec's faults that act inside CMD's own process (fault.h's exec_only,
 * exec_child, exec_fd): what each one makes there, an fd (a seccomp
 * listener), travels to the controller on a socket pair before CMD's
 * execve, and CMD starts only once the controller has it in hand.
 */
#ifndef FL_HANDOFF_H
#define FL_HANDOFF_H

#include <stdbool.h>
#include "fault.h"

/* Does f act in CMD's process? */
bool fl_handoff_needed(const struct fl_fault *f);
/*
 * In CMD's process, after "go" and before execve: each such fault's
 * exec_child(), its fd sent on sock; then one more byte read from go, the
 * controller's word that it holds them. Returns when all went well; else
 * it has told the controller why and exits (CMD never runs).
 */
void fl_handoff_child(const struct fl_fault *faults, int nfaults, int sock, int go);
/*
 * In the controller, after "go": each fd, handed to the watchdog (which
 * holds it until CMD is killed, should this process die) and to its
 * fault's exec_fd(); then the word on go. 0, or -errno with err.
 */
int fl_handoff_parent(struct fl_fault *faults, int nfaults, int sock, int go, int watchdog,
		      char *err);

#endif
