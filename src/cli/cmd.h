/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef FL_CMD_H
#define FL_CMD_H

#include "fault.h"
#include "runner.h"

struct fl_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

int cmd_doctor(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_man(int argc, char **argv);
int cmd_completion(int argc, char **argv);
/* `faultline KIND ...` for every family in fl_kinds. */
int fl_cmd_fault(const struct fl_fault_kind *k, int argc, char **argv);

/* Dispatch argv[0] through a table, bpftool style (unique prefixes work). */
int fl_dispatch(const struct fl_cmd *cmds, const char *what, int argc, char **argv);

#endif
