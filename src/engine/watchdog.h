/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef FL_WATCHDOG_H
#define FL_WATCHDOG_H

/*
 * Fork the watchdog of experiment `id`, whose record exists and whose
 * faults are not started yet: the child keeps nothing of ours open but
 * one end of a socket pair. Returns the other end (close-on-exec), which
 * only this process holds, or -errno.
 */
int fl_watchdog_start(const char *id);
/*
 * The watchdog keeps a copy of fd (its first argument is what
 * fl_watchdog_start() returned) until it exits: after this process ended
 * and, if it died, after the sweep of its record. 0 or -errno.
 */
int fl_watchdog_hold(int wfd, int fd);

#endif
