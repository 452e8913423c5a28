/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef FL_SOCKETS_H
#define FL_SOCKETS_H

#include <stdint.h>

/* Called for each (IPPROTO_TCP|UDP, local port) a target process listens on. */
typedef void (*fl_port_cb)(uint8_t proto, uint16_t port, void *arg);

/*
 * The ports the processes of a cgroup tree already receive on (TCP
 * listeners, bound UDP sockets), from /proc: sockets bound before an
 * experiment starts are never seen by a bind hook. Returns how many.
 */
int fl_cgroup_listen_ports(const char *cgroup_path, fl_port_cb cb, void *arg);

#endif
