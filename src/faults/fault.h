/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one interface every fault family implements. A family is a folder
 * under src/faults/ holding its loader, its BPF program and one
 * `const struct fl_fault_kind`, named once in kinds.c. Everything above
 * (the runner, experiment files, list, status, metrics, events, --help, the
 * man page, completion) works from this table and knows no family by name.
 *
 * The shape follows xdp-tools' params.h: options are data (name, type,
 * range, default, help), and one piece of code parses the command line and
 * experiment files, prints help, describes a fault and writes its JSON.
 */
#ifndef FL_FAULT_H
#define FL_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "faultline.h"

struct jw;
struct fl_target;

#define FL_FAULT_DESC	160	/* one-line description */
#define FL_FAULT_STATS	4	/* family-specific counters per fault */
#define FL_FAULT_MAX_OPTS 32

/* ------------------------------------------------------------ options */

enum fl_opt_type {
	FL_OPT_FLAG,		/* bool at off; takes no value */
	FL_OPT_DURATION,	/* __u64 ns at off, in [min, max] (max 0: no cap) */
	FL_OPT_PROB,		/* __u64 fraction of 2^32 at off */
	FL_OPT_U64,		/* __u64 at off, in [min, max] */
	FL_OPT_PORTS,		/* N or N-M: __u16 lo at off, __u16 hi at off2 */
	FL_OPT_CIDR,		/* __u8[16] v4-mapped at off, __u8 prefix length at off2 */
	FL_OPT_ENUM,		/* one of values[]: __u32 at off, or size 1 or 2 bytes */
	FL_OPT_ERRNO,		/* int at off: ENOSPC or 28 */
	FL_OPT_STRING,		/* char[size] at off */
	FL_OPT_CUSTOM,		/* parse() stores it, print() shows it */
};

/* How an option shows in the one-line description of a fault. */
enum fl_opt_desc {
	FL_DESC_LABEL,		/* "port 53" when given */
	FL_DESC_BARE,		/* "udp" when given */
	FL_DESC_ALWAYS,		/* "egress": bare, given or not */
	FL_DESC_PROB,		/* "p=10%", given or not */
	FL_DESC_NONE,
};

struct fl_opt_value {
	const char *name;
	uint32_t value;
};

struct fl_opt {
	const char *name;	/* --name on the command line, `name:` in a file */
	const char *alias;	/* a second key in files ("calls"), or NULL */
	enum fl_opt_type type;
	size_t off, off2, size;	/* where in the family's configuration */
	uint64_t min, max;
	const struct fl_opt_value *values;	/* FL_OPT_ENUM: NULL-name-terminated */
	const char *metavar;	/* "D", "N[-M]"; NULL for flags */
	const char *def;	/* the default as --help shows it, or NULL */
	const char *help;
	uint32_t actions;	/* bit i: applies to actions[i]; 0: to every action */
	uint32_t required;	/* bit i: actions[i] needs it */
	enum fl_opt_desc desc;
	bool list;		/* a comma list: a YAML list is joined with commas */
	/* FL_OPT_CUSTOM (and checks beyond the type for others): 0 or -EINVAL */
	int (*parse)(void *conf, const char *arg, char *err);
	/* FL_OPT_CUSTOM: the value as text, for descriptions and JSON */
	void (*print)(const void *conf, char *buf, size_t size);
};

struct fl_fault_action {
	const char *name;	/* "drop": `faultline net drop`, `action: drop` */
	const char *summary;
	/*
	 * Non-NULL: the action acts inside the processes faultline starts
	 * (exec_child below), so only `faultline exec` can run it; this says
	 * why ("seccomp applies to processes faultline starts").
	 */
	const char *exec_only;
};

/* ------------------------------------------------- a fault, as held */

/* What a fault counted. matched and injected mean the same for every family. */
struct fl_fault_stats {
	uint64_t matched;	/* packets or calls of the target that passed the filters */
	uint64_t injected;	/* of those, the ones faulted */
	uint64_t extra[FL_FAULT_STATS];	/* the family's stats[] */
	bool valid;		/* false: nothing could be read (the pin is gone) */
	bool spent;		/* the fault will inject no more (a --count used up) */
};

/* A family-specific counter: JSON key, Prometheus name and scale. */
struct fl_stat_def {
	const char *key;	/* "delay_ns" in JSON counters */
	const char *metric;	/* "faultline_delay_seconds_total", or NULL */
	double scale;		/* metric = value * scale */
	const char *help;
};

struct fl_fault_kind;

/*
 * One fault of an experiment. The engine owns it; `conf` holds the
 * family's options (conf_size bytes), `plan` and `state` whatever the
 * family's prepare and start made of them.
 */
struct fl_fault {
	const struct fl_fault_kind *kind;
	int action;			/* index into kind->actions */
	void *conf;
	uint64_t set;			/* bit i: kind->opts[i] was given */
	__u64 duration_ns;		/* 0: the experiment's */
	bool force;			/* accept what a rail refuses (a non-fq root qdisc) */
	int line, col;			/* in the experiment file; 0 for a command */
	char desc[FL_FAULT_DESC];
	char mechanism[96];		/* filled by prepare, corrected by start */
	char attach[256];		/* where it attaches, for people */
	void *plan;
	void *state;
};

/*
 * The deadline a fault's rule is written with at start: already past
 * (the BPF side injects while now < deadline), so a fault attached before
 * the others of its experiment injects nothing until arm gives it its own,
 * and one whose controller dies before arm never does.
 */
#define FL_DEADLINE_INERT	1ULL

/*
 * What the engine hands a fault when it starts it. Its counters map is
 * pinned at pin_prefix ("FL_PIN_ROOT/ID/f0"), which read_pinned() opens
 * from outside. Links are never pinned: they die with the controller, so
 * a controller that dies takes its faults with it, detached or not.
 */
struct fl_fault_ctx {
	const struct fl_target *target;	/* resolved */
	uint64_t generation;		/* of the kill switch, for the rodata */
	uint32_t exp_id;		/* the experiment's id, for events */
	/*
	 * The experiment's seed: every draw of the fault is made of it, index
	 * and the fault's count of matching events (faultline.h, fl_draw), so
	 * a family puts both in its object's rodata (common.bpf.h).
	 */
	uint64_t seed;
	int index;			/* of the fault in its experiment */
	char pin_prefix[128];
	bool force;
	/*
	 * Before changing anything that outlives this process (a device's
	 * qdiscs), name it: the record keeps `note`, and a later faultline
	 * hands it to sweep() if this controller dies. 0 or -errno.
	 */
	int (*note)(void *arg, const char *note);
	void *note_arg;
};

/*
 * exec: the calls CMD's process still makes after exec_child() and
 * before execve, to hand what it made to the controller: by number and
 * first two arguments (the fd, a buffer of faultline's own), so that a
 * filter lets exactly them through.
 */
#define FL_HANDOFF_CALLS	2
struct fl_exec_handoff {
	int n;
	struct {
		long nr;
		uint64_t arg0, arg1;
	} calls[FL_HANDOFF_CALLS];
};

/* ------------------------------------------------------ the family */

struct fl_fault_kind {
	const char *name;		/* "net": command word, file key, JSON kind */
	const char *summary;		/* one line for `faultline help` */
	const struct fl_fault_action *actions;	/* NULL-name-terminated */
	const struct fl_opt *opts;		/* NULL-name-terminated */
	size_t conf_size;
	const char *notes;		/* paragraphs for --help and the man page */
	const char *examples;		/* one command per line */
	const struct fl_stat_def *stats;	/* up to FL_FAULT_STATS, NULL-key-terminated */
	const struct fl_opt_value *events;	/* its enum fl_ev_kind values by name */

	/* Defaults for an action, before options. */
	void (*init)(void *conf, int action);
	/* Checks across options once all are read; -EINVAL with err. */
	int (*validate)(const struct fl_fault *f, char *err);
	/* Two faults of this family in one experiment that cannot both run. */
	int (*conflict)(const struct fl_fault *a, const struct fl_fault *b, char *err);
	/*
	 * Against the resolved target and this kernel, touching nothing: fill
	 * mechanism and attach, keep what start needs in f->plan. A dry run
	 * stops here, so it checks what start would. -EINVAL bad input (exit
	 * 2); -EOPNOTSUPP the kernel lacks it, -EBUSY the host's state refuses
	 * it (someone's qdisc), or another -errno: exit 1.
	 */
	int (*prepare)(struct fl_fault *f, const struct fl_target *t, char *err);
	/* Family details of the plan, as keys of the fault's "plan" object. */
	void (*plan_json)(const struct fl_fault *f, struct jw *w);
	/*
	 * Attach, with the rule inert (FL_DEADLINE_INERT): nothing is injected
	 * yet. On error nothing of it stays.
	 */
	int (*start)(struct fl_fault *f, const struct fl_fault_ctx *ctx, char *err);
	/*
	 * Every fault of the experiment is attached: from now the fault
	 * injects until deadline_ns (CLOCK_MONOTONIC, as bpf_ktime_get_ns()),
	 * so its duration counts from the moment it is live, not from before
	 * the loads and attaches. 0 or -errno with err; the engine then stops
	 * every fault.
	 */
	int (*arm)(struct fl_fault *f, uint64_t deadline_ns, char *err);
	/*
	 * On every tick of the runner while the fault runs: follow a target
	 * that moved (a process in another network namespace, a new
	 * device). NULL: nothing to follow.
	 */
	void (*follow)(struct fl_fault *f);
	void (*read)(struct fl_fault *f, struct fl_fault_stats *st);
	/* Detach; st gets the final counts (it was read just before). */
	void (*stop)(struct fl_fault *f, struct fl_fault_stats *st);
	/* Free plan (and state, if start left any): the fault is done with. */
	void (*release)(struct fl_fault *f);
	/*
	 * exec, for an exec_only action: in CMD's own process, after it joined
	 * its cgroup and just before execve, set up what a process can only
	 * do to itself (a seccomp filter, inherited by all it forks). f is the
	 * fault as parsed (not prepared: work from f->conf). Returns an fd for
	 * the controller's exec_fd(), or -errno with err: CMD does not run.
	 */
	int (*exec_child)(const struct fl_fault *f, const struct fl_exec_handoff *h, char *err);
	/*
	 * exec: in the controller, after arm and before CMD's first
	 * instruction, the fd exec_child() made. The family owns it from
	 * here, also on error, and keeps it until release (CMD is gone by
	 * then; stop may come earlier). 0 or -errno with err.
	 */
	int (*exec_fd)(struct fl_fault *f, int fd, char *err);
	/*
	 * A short addition to the live and status lines ("delay 1.2 ms avg").
	 * From a record f->conf is NULL: use f->action and st only.
	 */
	void (*detail)(const struct fl_fault *f, const struct fl_fault_stats *st, char *buf,
		       size_t size);
	/* From another process: the counters pinned at pin_prefix. 0 or -errno. */
	int (*read_pinned)(const char *pin_prefix, struct fl_fault_stats *st);
	/* A dead controller's note (see fl_fault_ctx): undo what it names. */
	void (*sweep)(const char *note, int controller_pid);
	/* One event of this family: its own fields, as JSON keys or text. */
	void (*event_json)(const struct fl_event *e, struct jw *w);
	void (*event_text)(const struct fl_event *e, char *buf, size_t size);
};

/* kinds.c: every family, NULL-terminated. */
extern const struct fl_fault_kind *const fl_kinds[];

const struct fl_fault_kind *fl_kind_find(const char *name);
/* The family whose `events` names this enum fl_ev_kind, and the name. */
const struct fl_fault_kind *fl_kind_of_event(uint32_t ev_kind, const char **name);
int fl_kind_action(const struct fl_fault_kind *k, const char *name);

#endif
