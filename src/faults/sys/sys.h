/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The sys fault family: make one cgroup's system calls fail with a chosen
 * errno. fl_sys_kind (kind.c, declared in sys_kind.h) is its implementation
 * of fault.h; this header is what its files share, and what the unit tests
 * check against made-up kernels.
 *
 *   options.c  the option table
 *   plan.c     which mechanism and hooks serve each call, on this kernel
 *   load.c     the skeleton: open, configure, load, rule, pin, attach, arm
 *   event.c    one injected call, as JSON keys or text
 *   kind.c     struct fl_fault_kind fl_sys_kind
 *
 * and `sys delay`, which is no BPF but seccomp, for faultline exec only:
 *   calls.c    syscall names, numbers, and which arguments name a file
 *   filter.c   the classic BPF filter CMD's process installs before execve
 *   notify.c   the supervisor: a thread that holds each call its delay
 *   delay.c    the delay action's steps of fault.h
 */
#ifndef FL_SYS_H
#define FL_SYS_H

#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fault.h"
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
#define FL_SYS_CALL_LEN		32	/* a name, with its NUL */
#define FL_SYS_MAX_DELAY	(60 * 1000000000ULL)	/* --delay and --jitter */

/* The actions, as fl_sys_kind.actions lists them. */
enum { FL_SYS_FAIL, FL_SYS_DELAY };

enum fl_sys_mech {
	FL_MECH_AUTO,
	FL_MECH_SOCK,		/* cgroup socket hooks */
	FL_MECH_LSM,		/* BPF LSM hooks */
	FL_MECH_FMOD_RET,	/* fmod_ret on security_* or __x64_sys_NAME */
	FL_MECH_KPROBE,		/* kprobe + bpf_override_return on __x64_sys_NAME */
};

/* One sys fault's options: fl_sys_kind.opts says where each one goes. */
struct fl_sys_conf {
	char calls[FL_SYS_MAX_CALLS][FL_SYS_CALL_LEN];	/* --call, deduplicated */
	int ncalls;
	int errnum;			/* --errno */
	__u64 prob;			/* --probability: fraction of 2^32 */
	__u64 after;			/* --after */
	__u64 count;			/* --count; 0: no limit */
	char path[PATH_MAX];		/* --path, "" when not given */
	__u32 mech;			/* --mechanism: enum fl_sys_mech */
	__u64 delay_ns, jitter_ns;	/* sys delay: --delay, --jitter */
	/* Filled by fl_sys_resolve() (prepare): what the BPF side compares. */
	__u64 path_ino;
	__u32 path_dev;
};

/* ------------------------------------------------------------ options.c */

/* Fill err (FL_ERRLEN) and return e. */
int fl_sys_err(char *err, int e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

const char *fl_sys_mech_name(enum fl_sys_mech m);

/* Add a comma list of syscall names to calls[], each once. 0 or -EINVAL. */
int fl_sys_add_calls(char (*calls)[FL_SYS_CALL_LEN], int *ncalls, const char *list, char *err);
int fl_sys_parse_mech(const char *s, __u32 *mech, char *err);
/* --count N, N >= 1; --path, not empty. 0 or -EINVAL. */
int fl_sys_parse_count(const char *s, __u64 *count, char *err);
int fl_sys_check_path(const char *s, char *err);

/* --------------------------------------------------------------- plan.c */

/* Every program of sys.bpf.c the plan can choose; load.c maps each to its handle. */
enum fl_sys_prog {
	FL_PROG_NONE,
	FL_PROG_CONNECT4, FL_PROG_CONNECT6, FL_PROG_BIND4, FL_PROG_BIND6,
	FL_PROG_SENDMSG4, FL_PROG_SENDMSG6, FL_PROG_SOCK_CREATE,
	FL_PROG_LSM_FILE_OPEN, FL_PROG_LSM_FILE_PERMISSION, FL_PROG_LSM_INODE_UNLINK,
	FL_PROG_LSM_INODE_RMDIR, FL_PROG_LSM_INODE_MKDIR, FL_PROG_LSM_INODE_RENAME,
	FL_PROG_LSM_MMAP_FILE, FL_PROG_LSM_TASK_ALLOC,
	FL_PROG_FMOD_FILE_OPEN, FL_PROG_FMOD_FILE_PERMISSION, FL_PROG_FMOD_INODE_UNLINK,
	FL_PROG_FMOD_INODE_RMDIR, FL_PROG_FMOD_INODE_MKDIR, FL_PROG_FMOD_INODE_RENAME,
	FL_PROG_FMOD_MMAP_FILE, FL_PROG_FMOD_TASK_ALLOC,
	FL_PROG_FMOD_SYS0,		/* ... FL_PROG_FMOD_SYS0 + FL_SYS_MAX_BYNAME - 1 */
	FL_PROG_KPROBE_SYS = FL_PROG_FMOD_SYS0 + FL_SYS_MAX_BYNAME,
	FL_PROG__COUNT
};

/* How one named call will be faulted. */
struct fl_sys_step {
	char name[FL_SYS_CALL_LEN];	/* as typed */
	uint32_t call;			/* enum fl_sys_call bit */
	enum fl_sys_mech mech;
	enum fl_sys_prog progs[2];	/* to load and attach */
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

/*
 * Problems with what was typed, whatever the kernel (--path on a call
 * without one, a mechanism that cannot see a call, a call that cannot be
 * failed): -EINVAL with err, or 0.
 */
int fl_sys_check(const struct fl_sys_conf *c, char *err);
/* --path to the (s_dev, inode) pair the BPF side compares; path made absolute. */
int fl_sys_resolve(struct fl_sys_conf *c, char *err);
/*
 * Choose a mechanism and hooks for every call: fl_sys_check() first, then
 * the kernel. 0, -EINVAL when the input cannot work on any kernel or names
 * no syscall of this one (exit 2), or -EOPNOTSUPP when this kernel lacks
 * the mechanism it needs (exit 1).
 */
int fl_sys_plan(const struct fl_sys_conf *c, const struct fl_sys_env *env,
		struct fl_sys_plan *p, char *err);
/* fl_sys_plan on the running kernel: probes it, reads its BTF. */
int fl_sys_plan_kernel(const struct fl_sys_conf *c, struct fl_sys_plan *p, char *err);
/* "sock", "lsm+fmod_ret": the mechanisms of the plan, each once. */
void fl_sys_plan_mechs(const struct fl_sys_plan *p, char *buf, size_t size);
/* Where it attaches, for people: "cgroup/connect4 cgroup/connect6 on the target cgroup". */
void fl_sys_plan_attach(const struct fl_sys_plan *p, char *buf, size_t size);
/* "calls": [{name, mechanism, hooks[]}], "errno", "errno_number": keys of an open object. */
struct jw;
void fl_sys_plan_json(const struct fl_sys_conf *c, const struct fl_sys_plan *p, struct jw *w);

/* --------------------------------------------------------------- load.c */

struct sys_bpf;
struct bpf_program;
/* The handle of program `id` in an opened skeleton, or NULL. */
struct bpf_program *fl_sys_prog(struct sys_bpf *skel, enum fl_sys_prog id);

/* What one attached fault needs from whoever starts it. */
struct fl_sys_start {
	const struct fl_target *target;	/* resolved */
	uint64_t generation;		/* of the kill switch */
	uint32_t exp_id;		/* for events */
	uint64_t seed;			/* the experiment's: its draws, with index */
	int index;			/* of the fault in its experiment */
	const char *pin_prefix;		/* the counters go here, links at PREFIX_linkN */
};

/* One sys fault, loaded and attached. */
struct sys_run;
/*
 * open -> configure -> load -> rule (inert) -> pin -> attach; on error
 * nothing stays. Nothing is injected until fl_sys_arm().
 */
int fl_sys_attach(struct sys_run **run, const struct fl_sys_conf *c, const struct fl_sys_plan *p,
		  const struct fl_sys_start *s, char *err);
/* The rule injects until deadline_ns (CLOCK_MONOTONIC). 0 or -errno. */
int fl_sys_arm(struct sys_run *run, uint64_t deadline_ns);
int fl_sys_read(struct sys_run *run, struct fl_sys_stats *st);
int fl_sys_hooks(const struct sys_run *run);	/* links attached */
/* Detach, then (when final is not NULL) read the last counts, then free: the read's 0 or -errno. */
int fl_sys_detach(struct sys_run *run, struct fl_sys_stats *final);
/* The counters pinned at pin_prefix, from any process. 0 or -errno. */
int fl_sys_read_pinned(const char *pin_prefix, struct fl_sys_stats *st);

/* ------------------------------------------------- sys delay: calls.c */

/* How a syscall's argument names a file, for --path. */
enum fl_sys_ref {
	FL_REF_NONE,
	FL_REF_FD,		/* a descriptor: /proc/PID/fd/N */
	FL_REF_PATH,		/* a path, relative to the cwd */
	FL_REF_AT,		/* a path, relative to the descriptor in argument dirfd */
};

struct fl_syscall {
	const char *name;
	int nr;				/* on this architecture */
	struct {
		__u8 type, arg, dirfd;	/* enum fl_sys_ref; argument indexes */
	} file[2];			/* FL_REF_NONE after the last */
};

const struct fl_syscall *fl_syscall_find(const char *name);
const struct fl_syscall *fl_syscall_of(int nr);
bool fl_syscall_has_file(const struct fl_syscall *s);

/* ------------------------------------------------ sys delay: filter.c */

struct sock_filter;
#define FL_SYS_FILTER_MAX	(8 + 16 * FL_HANDOFF_CALLS + FL_SYS_MAX_CALLS)

/*
 * The filter for these syscall numbers: each one notifies the listener
 * (SECCOMP_RET_USER_NOTIF), except the handoff's calls, which pass as
 * every other call does. Writes at most FL_SYS_FILTER_MAX instructions to
 * out; returns how many.
 */
int fl_sys_filter(const int *nrs, int n, const struct fl_exec_handoff *h, struct sock_filter *out);
/* The numbers of c->calls: 0, or -EINVAL with err for a name this table lacks. */
int fl_sys_delay_nrs(const struct fl_sys_conf *c, int *nrs, char *err);
/* In the calling process: install the filter; the listener fd, or -errno with err. */
int fl_sys_filter_install(const struct fl_sys_conf *c, const struct fl_exec_handoff *h, char *err);

/* ------------------------------------------------ sys delay: notify.c */

/* The supervisor of one delay fault. */
struct sys_notify;
struct fl_sys_delay_stats {
	__u64 matched, injected, delay_ns;
};

/*
 * Its state, before the listener exists: nothing runs yet. generation: of
 * the kill switch, which `stop --all` bumps; then every call held is let go
 * and none is held again, as the BPF faults go inert. NULL: none (tests).
 * 0 or -ENOMEM.
 */
int fl_sys_notify_new(struct sys_notify **n, const struct fl_sys_conf *c,
		      const uint64_t *generation);
/* Calls are held until deadline_ns (CLOCK_MONOTONIC); from then on answered at once. */
void fl_sys_notify_arm(struct sys_notify *n, uint64_t deadline_ns);
/* The thread starts on the listener fd (its own from here, also on error). 0 or -errno. */
int fl_sys_notify_run(struct sys_notify *n, int fd, char *err);
void fl_sys_notify_read(struct sys_notify *n, struct fl_sys_delay_stats *st);
/* The fault ended: every call held is answered now, every later one at once. */
void fl_sys_notify_end(struct sys_notify *n);
/* Stop the thread (answering what it holds) and close the listener. NULL is fine. */
void fl_sys_notify_free(struct sys_notify *n);
/*
 * --path: does the notified call's file argument lie under prefix (made
 * absolute and canonical)? Read from /proc/PID: the kernel reads the
 * arguments again itself after CONTINUE, so what is read here only
 * decides whether to wait, never what the call does.
 */
bool fl_sys_call_under(int listener, uint64_t id, int pid, const struct fl_syscall *s,
		       const uint64_t *args, const char *prefix);
/* "/a/./b/../c//" -> "/a/c" in place: a lexical normal form, no symlink followed. */
void fl_sys_path_normal(char *path);
/* Is path at prefix or below it, component-wise (/srv/data is not under /srv/d)? */
bool fl_sys_path_under(const char *path, const char *prefix);

/* ------------------------------------------------- sys delay: delay.c */

/* The checks of validate(): names, --path, --jitter. 0 or -EINVAL with err. */
int fl_sys_delay_check(const struct fl_sys_conf *c, char *err);

/* -------------------------------------------------------------- event.c */

struct fl_event;
/* "connect", "syscall"; "?" for no single call bit. */
const char *fl_sys_call_name(__u32 call);
/* "sock", "lsm", "fmod_ret", "kprobe", "test"; "?" otherwise. */
const char *fl_sys_hook_name(__u32 hook);
/* "getpgid" for the address of __x64_sys_getpgid, in buf; NULL if unknown. */
const char *fl_sys_ksym_syscall(__u64 ip, char *buf, size_t size);
/* An event's call: by-name ones named from kallsyms (and remembered). */
const char *fl_sys_event_call(const struct fl_event *e, char *buf, size_t size);
void fl_sys_event_json(const struct fl_event *e, struct jw *w);
void fl_sys_event_text(const struct fl_event *e, char *buf, size_t size);

#endif
