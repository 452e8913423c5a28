/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * faultline sys fail: the pieces between the command line and the kernel,
 * split out so the unit tests can check parsing and mechanism choice
 * against made-up kernels.
 */
#ifndef FL_SYS_H
#define FL_SYS_H

#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "faultline.h"
#include "parse.h"
#include "probe.h"
#include "target.h"

/* The kernel's symbol for syscall NAME is FL_SYSCALL_PREFIX NAME. */
#if defined(__x86_64__)
#define FL_SYSCALL_PREFIX	"__x64_sys_"
#elif defined(__aarch64__)
#define FL_SYSCALL_PREFIX	"__arm64_sys_"
#else
#error "faultline sys: add this architecture's syscall symbol prefix"
#endif

#define FL_SYS_MAX_CALLS	16	/* names after --call */
#define FL_SYS_DEFAULT_NS	(60ULL * 1000000000ULL)
#define FL_SYS_MAX_NS		(24ULL * 3600 * 1000000000ULL)

enum fl_sys_mech {
	FL_MECH_AUTO,
	FL_MECH_SOCK,		/* cgroup socket hooks */
	FL_MECH_LSM,		/* BPF LSM hooks */
	FL_MECH_FMOD_RET,	/* fmod_ret on security_* or __x64_sys_NAME */
	FL_MECH_KPROBE,		/* kprobe + bpf_override_return on __x64_sys_NAME */
};

struct fl_sys_opts {
	char calls[FL_SYS_MAX_CALLS][32];
	int ncalls;
	int errnum;
	__u64 prob;			/* fraction of 2^32 */
	__u64 after;
	__u64 count;			/* 0: no limit */
	__u64 duration_ns;
	char path[PATH_MAX];		/* --path, "" when not given */
	__u64 path_ino;		/* filled by fl_sys_resolve_path() */
	uint32_t path_dev;
	enum fl_sys_mech mech;
	bool dry_run;
	bool force;
	bool help;
	struct fl_target target;
};

/* How one named call will be faulted. */
struct fl_sys_step {
	const char *name;		/* as typed (points into opts) */
	uint32_t call;			/* enum fl_sys_call bit */
	enum fl_sys_mech mech;
	char progs[2][32];		/* programs of sys.bpf.c to load and attach */
	int nprogs;
	char sym[64];			/* __x64_sys_NAME for fmod_ret and kprobe */
	char hooks[96];			/* e.g. "cgroup/connect4 cgroup/connect6" */
};

struct fl_sys_plan {
	struct fl_sys_step steps[FL_SYS_MAX_CALLS];
	int nsteps;
	uint32_t calls;			/* mask for the rule */
	bool set_retval;		/* socket hooks return the errno, not EPERM */
};

/* What the plan may ask about the running kernel; tests pass fakes. */
struct fl_sys_env {
	bool (*has)(enum fl_feat id, void *arg);
	void *arg;
	const struct btf *btf;		/* vmlinux BTF: which syscalls exist */
	const char *(*why_not)(enum fl_feat id, void *arg);	/* may be NULL */
};

const char *fl_sys_mech_name(enum fl_sys_mech m);

/* argv after "fail"; -EINVAL with err filled on bad input. */
int fl_sys_parse_args(int argc, char **argv, struct fl_sys_opts *o, char *err);
/*
 * One option by its long name ("errno"), for experiment files: the same
 * code as the command line. NULL for names the command does not take.
 */
const struct option *fl_sys_option(const char *name);
int fl_sys_parse_opt(struct fl_sys_opts *o, const struct option *opt, const char *arg, char *err);
/* --path to the (s_dev, inode) pair the BPF side compares. */
int fl_sys_resolve_path(struct fl_sys_opts *o, char *err);
/*
 * Choose a mechanism and hooks for every call. 0, -EINVAL when the input
 * cannot work on any kernel or names no syscall of this one (exit 2), or
 * -EOPNOTSUPP when this kernel lacks the mechanism it needs (exit 1).
 */
int fl_sys_plan(const struct fl_sys_opts *o, const struct fl_sys_env *env,
		struct fl_sys_plan *p, char *err);

/* One sys fault of an experiment, attached until fl_sys_end(). */
struct sys_run;
struct fl_fault_ctx;
int fl_sys_start(struct sys_run **run, const struct fl_sys_opts *o, const struct fl_sys_plan *p,
		 const struct fl_fault_ctx *ctx, char *err);
void fl_sys_counters(struct sys_run *run, struct fl_sys_stats *st);
int fl_sys_nlinks(const struct sys_run *run);
void fl_sys_end(struct sys_run *run);
/* Choose hooks on the running kernel (probes it): fl_sys_plan with real probes. */
int fl_sys_plan_here(struct fl_sys_opts *o, struct fl_sys_plan *p, char *err);

#endif
