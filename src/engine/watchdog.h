/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef FL_WATCHDOG_H
#define FL_WATCHDOG_H

/*
 * Fork the watchdog of experiment `id`, whose record exists and whose
 * faults are not started yet: the child keeps nothing of ours open but
 * the read end of a pipe. Returns the write end (close-on-exec), which
 * only this process holds, or -errno.
 */
int fl_watchdog_start(const char *id);

#endif
