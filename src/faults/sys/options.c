// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The options of a sys fault as data (fault.h): the engine parses the
 * command line and experiment files from this table into struct
 * fl_sys_conf, prints the help and writes the description
 * "sys fail write,openat ENOSPC path /var/log p=100% after 2 count 5
 * mechanism lsm" or "sys delay fsync 50ms jitter 5ms" in table order. What
 * the types cannot say is checked here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "sys_kind.h"

int fl_sys_err(char *err, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, FL_ERRLEN, fmt, ap);
	va_end(ap);
	return e;
}

static const struct fl_opt_value mech_values[] = {
	{ "auto", FL_MECH_AUTO },
	{ "sock", FL_MECH_SOCK },
	{ "lsm", FL_MECH_LSM },
	{ "fmod_ret", FL_MECH_FMOD_RET },
	{ "kprobe", FL_MECH_KPROBE },
	{ NULL },
};

const char *fl_sys_mech_name(enum fl_sys_mech m)
{
	return m <= FL_MECH_KPROBE ? mech_values[m].name : "?";
}

int fl_sys_parse_mech(const char *s, __u32 *mech, char *err)
{
	const struct fl_opt_value *v;

	for (v = mech_values; v->name; v++) {
		if (!strcmp(s, v->name)) {
			*mech = v->value;
			return 0;
		}
	}
	return fl_sys_err(err, -EINVAL, "unknown mechanism '%s': use auto, sock, lsm, fmod_ret or kprobe", s);
}

static bool call_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n && n < FL_SYS_CALL_LEN && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

int fl_sys_add_calls(char (*calls)[FL_SYS_CALL_LEN], int *ncalls, const char *list, char *err)
{
	char buf[FL_SYS_MAX_CALLS * FL_SYS_CALL_LEN], *tok, *rest = buf;
	int i;

	if (strlen(list) >= sizeof(buf))
		return fl_sys_err(err, -EINVAL, "--call list too long: at most %d names", FL_SYS_MAX_CALLS);
	strcpy(buf, list);
	while ((tok = strsep(&rest, ","))) {
		if (!call_name_ok(tok))
			return fl_sys_err(err, -EINVAL, "bad call name '%s' in '%s': use syscall names such as connect or openat",
					  tok, list);
		for (i = 0; i < *ncalls && strcmp(calls[i], tok); i++)
			;
		if (i < *ncalls)
			continue;	/* named twice: once is enough */
		if (*ncalls == FL_SYS_MAX_CALLS)
			return fl_sys_err(err, -EINVAL, "--call: at most %d names", FL_SYS_MAX_CALLS);
		strcpy(calls[(*ncalls)++], tok);
	}
	return 0;
}

int fl_sys_parse_count(const char *s, __u64 *count, char *err)
{
	if (fl_parse_u64(s, 0, UINT64_MAX, count, err))
		return fl_sys_err(err, -EINVAL, "--count %s: give a whole number of injections, 1 or more", s);
	if (!*count)
		return fl_sys_err(err, -EINVAL, "--count 0 would inject nothing: give 1 or more, or leave it out for no limit");
	return 0;
}

int fl_sys_check_path(const char *s, char *err)
{
	if (*s && strlen(s) < PATH_MAX)
		return 0;
	return fl_sys_err(err, -EINVAL, "--path needs a file or directory");
}

/* ------------------------------------------------------------ the table */

static int opt_call(void *conf, const char *arg, char *err)
{
	struct fl_sys_conf *c = conf;

	return fl_sys_add_calls(c->calls, &c->ncalls, arg, err);
}

static void print_calls(const void *conf, char *buf, size_t size)
{
	const struct fl_sys_conf *c = conf;
	size_t n = 0;
	int i;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < c->ncalls && n < size; i++)
		n += snprintf(buf + n, size - n, "%s%s", i ? "," : "", c->calls[i]);
}

/* The engine parsed the number; this adds why 0 is refused. */
static int opt_count(void *conf, const char *arg, char *err)
{
	return fl_sys_parse_count(arg, &((struct fl_sys_conf *)conf)->count, err);
}

static int opt_path(void *conf, const char *arg, char *err)
{
	struct fl_sys_conf *c = conf;

	if (fl_sys_check_path(arg, err))
		return -EINVAL;
	snprintf(c->path, sizeof(c->path), "%s", arg);
	return 0;
}

#define CONF(field) offsetof(struct fl_sys_conf, field)
#define A_FAIL	(1U << FL_SYS_FAIL)
#define A_DELAY	(1U << FL_SYS_DELAY)

const struct fl_opt fl_sys_options[] = {
	{ .name = "call", .alias = "calls", .type = FL_OPT_CUSTOM, .metavar = "NAME[,NAME...]",
	  .help = "the calls to fail: connect, bind, sendmsg/sendto, socket; open, read, write, "
		  "unlink, rmdir, mkdir, rename, mmap, fork (and their variants); any other "
		  "syscall by name. To delay: syscalls by name (fsync,write)",
	  .required = A_FAIL | A_DELAY, .desc = FL_DESC_BARE, .list = true, .parse = opt_call, .print = print_calls },
	{ .name = "errno", .type = FL_OPT_ERRNO, .off = CONF(errnum), .metavar = "NAME|N",
	  .help = "what the calls return: a name (ECONNREFUSED) or a number (111)",
	  .actions = A_FAIL, .required = A_FAIL, .desc = FL_DESC_BARE },
	{ .name = "delay", .type = FL_OPT_DURATION, .off = CONF(delay_ns), .min = 1,
	  .max = FL_SYS_MAX_DELAY, .metavar = "D", .actions = A_DELAY, .required = A_DELAY,
	  .desc = FL_DESC_BARE, .help = "how long each chosen call waits before it runs (50ms; at most 60s)" },
	{ .name = "jitter", .type = FL_OPT_DURATION, .off = CONF(jitter_ns), .max = FL_SYS_MAX_DELAY,
	  .metavar = "D", .actions = A_DELAY, .desc = FL_DESC_LABEL,
	  .help = "spread each delay uniformly over +-D (at most --delay)" },
	{ .name = "path", .type = FL_OPT_STRING, .off = CONF(path), .size = PATH_MAX,
	  .metavar = "PREFIX",
	  .help = "only calls on this file or directory or below it; it must exist (for a "
		  "container, /proc/PID/root/DIR). fail compares inodes, delay the file's path",
	  .desc = FL_DESC_LABEL, .parse = opt_path },
	{ .name = "probability", .type = FL_OPT_PROB, .off = CONF(prob), .metavar = "P",
	  .def = "1", .help = "the chance that a matching call fails: 0.2 or 20%",
	  .actions = A_FAIL, .desc = FL_DESC_PROB },
	{ .name = "after", .type = FL_OPT_U64, .off = CONF(after), .max = UINT64_MAX,
	  .metavar = "N", .help = "let the first N matching calls through", .actions = A_FAIL,
	  .desc = FL_DESC_LABEL },
	{ .name = "count", .type = FL_OPT_U64, .off = CONF(count), .min = 1, .max = UINT64_MAX,
	  .metavar = "N", .help = "fail at most N calls; then the fault is spent",
	  .actions = A_FAIL, .desc = FL_DESC_LABEL, .parse = opt_count },
	{ .name = "mechanism", .type = FL_OPT_ENUM, .off = CONF(mech), .values = mech_values,
	  .metavar = "auto|sock|lsm|fmod_ret|kprobe", .def = "auto",
	  .help = "how calls are hooked; auto takes the best this kernel has",
	  .actions = A_FAIL, .desc = FL_DESC_LABEL },
	{ NULL },
};
