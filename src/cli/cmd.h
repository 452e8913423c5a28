/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef FL_CMD_H
#define FL_CMD_H

/* Exit statuses every command keeps to. */
enum fl_exit {
	FL_EXIT_OK = 0,
	FL_EXIT_FAIL = 1,	/* the kernel or the host said no */
	FL_EXIT_USAGE = 2,	/* bad input: nothing was changed */
	FL_EXIT_ABORTED = 3,	/* an experiment's steady-state probe failed: it stopped early */
};

struct fl_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

int cmd_doctor(int argc, char **argv);
int cmd_net(int argc, char **argv);
int cmd_sys(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_events(int argc, char **argv);

/* Dispatch argv[0] through a table, bpftool style (unique prefixes work). */
int fl_dispatch(const struct fl_cmd *cmds, const char *what, int argc, char **argv);

#endif
