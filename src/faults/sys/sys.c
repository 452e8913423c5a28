// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * faultline sys fail: make one cgroup's system calls fail with a chosen
 * errno until a deadline the kernel enforces. Parse, resolve the target,
 * choose per call the best mechanism the kernel has (probed, not guessed),
 * then open -> configure -> load -> write the rule -> attach, watch, and
 * detach on the way out.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "sys.skel.h"
#include "cmd.h"
#include "ctl.h"
#include "json.h"
#include "log.h"
#include "sys.h"
#include "sysfs.h"
#include "registry.h"
#include "experiment.h"

#define MAX_LINKS	(2 * FL_SYS_MAX_CALLS)
#define TICK_NS		200000000ULL

/* A family of calls and the hooks that see every one of them. */
struct family {
	uint32_t call;
	const char *sock[2];		/* cgroup hooks (program fl_<hook>) */
	const char *lsm;		/* LSM hook: fl_lsm_<hook>, fl_fmod_<hook> */
	bool path;			/* --path applies */
};

static const struct family families[] = {
	{ FL_SYS_CONNECT, { "connect4", "connect6" } },
	{ FL_SYS_BIND, { "bind4", "bind6" } },
	{ FL_SYS_SENDMSG, { "sendmsg4", "sendmsg6" } },
	{ FL_SYS_SOCKET, { "sock_create" } },
	{ FL_SYS_OPEN, { NULL }, "file_open", true },
	{ FL_SYS_READ, { NULL }, "file_permission", true },
	{ FL_SYS_WRITE, { NULL }, "file_permission", true },
	{ FL_SYS_UNLINK, { NULL }, "inode_unlink", true },
	{ FL_SYS_RMDIR, { NULL }, "inode_rmdir", true },
	{ FL_SYS_MKDIR, { NULL }, "inode_mkdir", true },
	{ FL_SYS_RENAME, { NULL }, "inode_rename", true },
	{ FL_SYS_MMAP, { NULL }, "mmap_file", true },
	{ FL_SYS_FORK, { NULL }, "task_alloc", false },
};

/* The names users type for each family; a hook sees all of its variants. */
static const struct { const char *name; uint32_t call; } aliases[] = {
	{ "connect", FL_SYS_CONNECT }, { "bind", FL_SYS_BIND },
	{ "sendmsg", FL_SYS_SENDMSG }, { "sendto", FL_SYS_SENDMSG },
	{ "socket", FL_SYS_SOCKET },
	{ "open", FL_SYS_OPEN }, { "openat", FL_SYS_OPEN }, { "openat2", FL_SYS_OPEN },
	{ "creat", FL_SYS_OPEN },
	{ "read", FL_SYS_READ }, { "pread64", FL_SYS_READ }, { "readv", FL_SYS_READ },
	{ "preadv", FL_SYS_READ }, { "preadv2", FL_SYS_READ },
	{ "write", FL_SYS_WRITE }, { "pwrite64", FL_SYS_WRITE }, { "writev", FL_SYS_WRITE },
	{ "pwritev", FL_SYS_WRITE }, { "pwritev2", FL_SYS_WRITE },
	{ "unlink", FL_SYS_UNLINK }, { "unlinkat", FL_SYS_UNLINK }, { "rmdir", FL_SYS_RMDIR },
	{ "mkdir", FL_SYS_MKDIR }, { "mkdirat", FL_SYS_MKDIR },
	{ "rename", FL_SYS_RENAME }, { "renameat", FL_SYS_RENAME }, { "renameat2", FL_SYS_RENAME },
	{ "mmap", FL_SYS_MMAP },
	{ "fork", FL_SYS_FORK }, { "vfork", FL_SYS_FORK }, { "clone", FL_SYS_FORK },
	{ "clone3", FL_SYS_FORK },
};

/* Calls whose failure cannot be returned to anyone, or would wedge the task. */
static const char *const unfaultable[] = {
	"exit", "exit_group", "rt_sigreturn", "restart_syscall", "ni_syscall", NULL,
};

static const char *const mech_names[] = {
	[FL_MECH_AUTO] = "auto", [FL_MECH_SOCK] = "sock", [FL_MECH_LSM] = "lsm",
	[FL_MECH_FMOD_RET] = "fmod_ret", [FL_MECH_KPROBE] = "kprobe",
};

const char *fl_sys_mech_name(enum fl_sys_mech m)
{
	return mech_names[m];
}

static int fail(char *err, int e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, FL_ERRLEN, fmt, ap);
	va_end(ap);
	return e;
}

static const struct family *family_of(const char *name)
{
	size_t i, j;

	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (strcmp(aliases[i].name, name))
			continue;
		for (j = 0; j < sizeof(families) / sizeof(families[0]); j++)
			if (families[j].call == aliases[i].call)
				return &families[j];
	}
	return NULL;
}

/* ---------------------------------------------------------------- parsing */

static int parse_calls(const char *list, struct fl_sys_opts *o, char *err)
{
	char buf[FL_SYS_MAX_CALLS * 32], *tok, *rest = buf;
	int i;

	if (strlen(list) >= sizeof(buf))
		return fail(err, -EINVAL, "--call list too long: at most %d names", FL_SYS_MAX_CALLS);
	strcpy(buf, list);
	while ((tok = strsep(&rest, ","))) {
		if (!*tok || strlen(tok) >= sizeof(o->calls[0]) ||
		    strspn(tok, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(tok))
			return fail(err, -EINVAL, "bad call name '%s' in '%s': use syscall names such as connect or openat", tok, list);
		for (i = 0; i < o->ncalls && strcmp(o->calls[i], tok); i++)
			;
		if (i < o->ncalls)
			continue;	/* named twice: once is enough */
		if (o->ncalls == FL_SYS_MAX_CALLS)
			return fail(err, -EINVAL, "--call: at most %d names", FL_SYS_MAX_CALLS);
		strcpy(o->calls[o->ncalls++], tok);
	}
	return 0;
}

static int parse_mech(const char *s, enum fl_sys_mech *m, char *err)
{
	int i;

	for (i = FL_MECH_AUTO; i <= FL_MECH_KPROBE; i++) {
		if (!strcmp(s, mech_names[i])) {
			*m = i;
			return 0;
		}
	}
	return fail(err, -EINVAL, "unknown mechanism '%s': use auto, sock, lsm, fmod_ret or kprobe", s);
}

static int parse_duration(const char *s, __u64 *ns, char *err)
{
	char cap[16];

	if (fl_parse_duration(s, ns, err))
		return -EINVAL;
	fl_fmt_duration(FL_SYS_MAX_NS, cap, sizeof(cap));
	if (*ns == 0 || *ns > FL_SYS_MAX_NS)
		return fail(err, -EINVAL, "--duration %s: give more than 0 and at most %s", s, cap);
	return 0;
}

enum { OPT_CGROUP = 256, OPT_PID, OPT_UNIT, OPT_FORCE, OPT_CALL, OPT_ERRNO, OPT_PROB,
       OPT_PATH, OPT_AFTER, OPT_COUNT, OPT_DURATION, OPT_MECH, OPT_DRY };

static const struct option long_opts[] = {
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "unit", required_argument, NULL, OPT_UNIT },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "call", required_argument, NULL, OPT_CALL },
	{ "errno", required_argument, NULL, OPT_ERRNO },
	{ "probability", required_argument, NULL, OPT_PROB },
	{ "path", required_argument, NULL, OPT_PATH },
	{ "after", required_argument, NULL, OPT_AFTER },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "mechanism", required_argument, NULL, OPT_MECH },
	{ "dry-run", no_argument, NULL, OPT_DRY },
	{ "help", no_argument, NULL, 'h' },
	{ NULL },
};

static int parse_count(const char *s, __u64 *count, char *err)
{
	if (fl_parse_u64(s, 0, UINT64_MAX, count, err))
		return fail(err, -EINVAL, "--count %s: give a whole number of injections, 1 or more", s);
	if (!*count)
		return fail(err, -EINVAL, "--count 0 would inject nothing: give 1 or more, or leave it out for no limit");
	return 0;
}

static int parse_one(int opt, const char *arg, struct fl_sys_opts *o, char *err)
{
	switch (opt) {
	case OPT_CGROUP: return fl_target_set(&o->target, FL_TARGET_CGROUP, arg, err);
	case OPT_PID: return fl_target_set(&o->target, FL_TARGET_PID, arg, err);
	case OPT_UNIT: return fl_target_set(&o->target, FL_TARGET_UNIT, arg, err);
	case OPT_FORCE: o->force = true; return 0;
	case OPT_CALL: return parse_calls(arg, o, err);
	case OPT_ERRNO: return fl_parse_errno(arg, &o->errnum, err);
	case OPT_PROB: return fl_parse_probability(arg, &o->prob, err);
	case OPT_AFTER: return fl_parse_u64(arg, 0, UINT64_MAX, &o->after, err);
	case OPT_COUNT: return parse_count(arg, &o->count, err);
	case OPT_DURATION: return parse_duration(arg, &o->duration_ns, err);
	case OPT_MECH: return parse_mech(arg, &o->mech, err);
	case OPT_DRY: o->dry_run = true; return 0;
	case 'h': o->help = true; return 0;
	case OPT_PATH:
		if (!*arg || strlen(arg) >= sizeof(o->path))
			return fail(err, -EINVAL, "--path needs a file or directory");
		strcpy(o->path, arg);
		return 0;
	}
	return -EINVAL;
}

const struct option *fl_sys_option(const char *name)
{
	return fl_find_option(long_opts, name);
}

int fl_sys_parse_opt(struct fl_sys_opts *o, const struct option *opt, const char *arg, char *err)
{
	return parse_one(opt->val, arg, o, err);
}

int fl_sys_parse_args(int argc, char **argv, struct fl_sys_opts *o, char *err)
{
	int opt, e;

	memset(o, 0, sizeof(*o));
	o->prob = FL_PROB_ONE;
	o->duration_ns = FL_SYS_DEFAULT_NS;
	optind = 0;	/* GNU: start over, the tests parse many command lines */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+h", long_opts, NULL)) != -1) {
		if (opt == '?' || opt == ':')
			return fail(err, -EINVAL, "unknown option or missing value: '%s'", argv[optind - 1]);
		e = parse_one(opt, optarg, o, err);
		if (e)
			return e;
	}
	if (o->help)
		return 0;
	if (optind < argc)
		return fail(err, -EINVAL, "unexpected argument '%s'", argv[optind]);
	if (o->target.kind == FL_TARGET_NONE)
		return fail(err, -EINVAL, "no target: give --cgroup PATH, --pid PID or --unit NAME");
	if (!o->ncalls)
		return fail(err, -EINVAL, "no --call: name the calls to fail, e.g. --call connect,sendto");
	if (!o->errnum)
		return fail(err, -EINVAL, "no --errno: name the error to return, e.g. --errno ECONNREFUSED");
	return 0;
}

/* s_dev of the filesystem mounted as `mnt_id`: field 3 of mountinfo. */
static int mount_dev(uint64_t mnt_id, unsigned int *major, unsigned int *minor)
{
	unsigned long long id;
	char line[4096];
	FILE *f;
	int found = -ENOENT;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llu %*u %u:%u", &id, major, minor) == 3 && id == mnt_id)
			found = 0;
	fclose(f);
	return found;
}

/*
 * The BPF side compares the inode number and the superblock's s_dev. stat's
 * st_dev is not always s_dev (btrfs subvolumes report their own), while
 * mountinfo prints s_dev itself: take it from there when we can.
 */
int fl_sys_resolve_path(struct fl_sys_opts *o, char *err)
{
	unsigned int major, minor;
	struct statx stx;
	char real[PATH_MAX];

	if (!o->path[0])
		return 0;
	if (statx(AT_FDCWD, o->path, 0, STATX_INO | STATX_MNT_ID, &stx))
		return fail(err, -EINVAL, "--path %s: %s (it must exist)", o->path, strerror(errno));
	major = stx.stx_dev_major;
	minor = stx.stx_dev_minor;
	if (stx.stx_mask & STATX_MNT_ID)
		mount_dev(stx.stx_mnt_id, &major, &minor);
	o->path_ino = stx.stx_ino;
	o->path_dev = (major << 20) | minor;	/* the kernel's MKDEV */
	if (realpath(o->path, real) && strlen(real) < sizeof(o->path))
		strcpy(o->path, real);
	return 0;
}

/* --------------------------------------------------------------- planning */

static bool env_has(const struct fl_sys_env *env, enum fl_feat id)
{
	return env->has(id, env->arg);
}

static const char *env_why(const struct fl_sys_env *env, enum fl_feat id)
{
	const char *r = env->why_not ? env->why_not(id, env->arg) : NULL;

	return r && *r ? r : "unavailable";
}

static void add_prog(struct fl_sys_step *s, const char *prog, const char *hook)
{
	size_t n = strlen(s->hooks);

	snprintf(s->progs[s->nprogs++], sizeof(s->progs[0]), "%s", prog);
	snprintf(s->hooks + n, sizeof(s->hooks) - n, "%s%s", n ? " " : "", hook);
}

/* This kernel lacks what a mechanism needs: exit 1, naming the doctor line. */
static int lacks(char *err, const struct fl_sys_env *env, const char *name,
		 enum fl_sys_mech m, enum fl_feat id)
{
	return fail(err, -EOPNOTSUPP, "%s: --mechanism %s needs %s: %s (see 'faultline doctor')",
		    name, mech_names[m], fl_feat_name(id), env_why(env, id));
}

/*
 * fmod_ret on __x64_sys_NAME where the kernel has error injection, else
 * kprobe. fmod_ret is verified against the function's BTF; some syscalls
 * have none (pahole leaves out a few), and then only the kprobe is left.
 */
static int byname_mech(const struct fl_sys_opts *o, const struct fl_sys_env *env,
		       const char *name, bool has_btf, enum fl_sys_mech *m, char *err)
{
	*m = o->mech;
	if (!has_btf && *m != FL_MECH_KPROBE && !env_has(env, FEAT_OVERRIDE_RETURN))
		return fail(err, -EOPNOTSUPP, "%s: the kernel has " FL_SYSCALL_PREFIX "%s but no BTF for it, which fmod_ret needs, and no kprobe override: %s (see 'faultline doctor')",
			    name, name, env_why(env, FEAT_OVERRIDE_RETURN));
	if (!has_btf && *m == FL_MECH_FMOD_RET)
		return fail(err, -EOPNOTSUPP, "%s: the kernel has no BTF for " FL_SYSCALL_PREFIX "%s, which fmod_ret needs; try --mechanism kprobe",
			    name, name);
	if (!has_btf)
		*m = FL_MECH_KPROBE;
	if (*m == FL_MECH_AUTO && env_has(env, FEAT_FMOD_RET_SYSCALL))
		*m = FL_MECH_FMOD_RET;
	else if (*m == FL_MECH_AUTO && env_has(env, FEAT_OVERRIDE_RETURN))
		*m = FL_MECH_KPROBE;
	else if (*m == FL_MECH_AUTO)
		return fail(err, -EOPNOTSUPP, "%s: this kernel can fault no syscall by name: fmod_ret_syscall: %s; bpf_override_return: %s (see 'faultline doctor')",
			    name, env_why(env, FEAT_FMOD_RET_SYSCALL), env_why(env, FEAT_OVERRIDE_RETURN));
	if (*m == FL_MECH_FMOD_RET && !env_has(env, FEAT_FMOD_RET_SYSCALL))
		return lacks(err, env, name, *m, FEAT_FMOD_RET_SYSCALL);
	if (*m == FL_MECH_KPROBE && !env_has(env, FEAT_OVERRIDE_RETURN))
		return lacks(err, env, name, *m, FEAT_OVERRIDE_RETURN);
	return 0;
}

static int plan_byname(const struct fl_sys_opts *o, const struct fl_sys_env *env,
		       struct fl_sys_step *s, int *slot, char *err)
{
	char prog[32] = "fl_kprobe_sys", hook[96];
	enum fl_sys_mech m;
	bool has_btf;
	int i, e;

	for (i = 0; unfaultable[i]; i++)
		if (!strcmp(s->name, unfaultable[i]))
			return fail(err, -EINVAL, "%s cannot be faulted: a failing %s has no caller to return to", s->name, s->name);
	snprintf(s->sym, sizeof(s->sym), FL_SYSCALL_PREFIX "%s", s->name);
	has_btf = btf__find_by_name_kind(env->btf, s->sym, BTF_KIND_FUNC) > 0;
	/* kallsyms lists it with or without BTF (kprobes need none). */
	if (!has_btf && fl_ksym_find(s->sym, NULL))
		return fail(err, -EINVAL, "'%s' is not a system call of this kernel (no %s)", s->name, s->sym);
	e = byname_mech(o, env, s->name, has_btf, &m, err);
	if (e)
		return e;
	if (m == FL_MECH_FMOD_RET && *slot == FL_SYS_MAX_BYNAME)
		return fail(err, -EINVAL, "at most %d syscalls by name per experiment", FL_SYS_MAX_BYNAME);
	if (m == FL_MECH_FMOD_RET)
		snprintf(prog, sizeof(prog), "fl_fmod_sys%d", (*slot)++);
	s->mech = m;
	s->call = FL_SYS_BYNAME;
	snprintf(hook, sizeof(hook), "%s/%s", mech_names[m], s->sym);
	add_prog(s, prog, hook);
	return 0;
}

static int plan_sock(const struct fl_sys_opts *o, const struct fl_sys_env *env,
		     const struct family *f, struct fl_sys_step *s, bool *set_retval, char *err)
{
	char prog[32], hook[32];
	int i;

	if (!env_has(env, FEAT_SOCK_ADDR))
		return fail(err, -EOPNOTSUPP, "%s: cgroup socket hooks are unavailable: cgroup_sock_addr: %s (see 'faultline doctor')", s->name, env_why(env, FEAT_SOCK_ADDR));
	/* Without bpf_set_retval a rejecting cgroup hook always means EPERM. */
	if (o->errnum != EPERM && !env_has(env, FEAT_SET_RETVAL))
		return fail(err, -EINVAL, "%s: this kernel lacks bpf_set_retval (Linux 5.18+), so socket calls can only fail with EPERM: use --errno EPERM", s->name);
	*set_retval = o->errnum != EPERM;
	s->mech = FL_MECH_SOCK;
	s->call = f->call;
	for (i = 0; i < 2 && f->sock[i]; i++) {
		snprintf(prog, sizeof(prog), "fl_%s", f->sock[i]);
		snprintf(hook, sizeof(hook), "cgroup/%s", f->sock[i]);
		add_prog(s, prog, hook);
	}
	return 0;
}

/* lsm or fmod_ret on security_*; auto falls back to the bare syscall. */
static int plan_security(const struct fl_sys_opts *o, const struct fl_sys_env *env,
			 const struct family *f, struct fl_sys_step *s, int *slot, char *err)
{
	enum fl_sys_mech m = o->mech;
	char prog[32], hook[64];
	int e;

	if (m == FL_MECH_AUTO)
		m = env_has(env, FEAT_BPF_LSM) ? FL_MECH_LSM :
		    env_has(env, FEAT_FMOD_RET_SECURITY) ? FL_MECH_FMOD_RET : FL_MECH_AUTO;
	if (m == FL_MECH_AUTO && o->path[0])
		return fail(err, -EOPNOTSUPP, "%s with --path needs bpf_lsm (%s) or fmod_ret_security (%s) (see 'faultline doctor')",
			    s->name, env_why(env, FEAT_BPF_LSM), env_why(env, FEAT_FMOD_RET_SECURITY));
	if (m == FL_MECH_KPROBE)
		return plan_byname(o, env, s, slot, err);
	if (m == FL_MECH_AUTO) {
		e = plan_byname(o, env, s, slot, err);
		if (e == -EOPNOTSUPP)
			return fail(err, e, "%s: this kernel has none of bpf_lsm, fmod_ret_security (for the %s hook) or fmod_ret_syscall, bpf_override_return (for the bare syscall): see 'faultline doctor'",
				    s->name, f->lsm);
		return e;
	}
	if (m == FL_MECH_LSM && !env_has(env, FEAT_BPF_LSM))
		return lacks(err, env, s->name, m, FEAT_BPF_LSM);
	if (m == FL_MECH_FMOD_RET && !env_has(env, FEAT_FMOD_RET_SECURITY))
		return lacks(err, env, s->name, m, FEAT_FMOD_RET_SECURITY);
	s->mech = m;
	s->call = f->call;
	snprintf(prog, sizeof(prog), "fl_%s_%s", m == FL_MECH_LSM ? "lsm" : "fmod", f->lsm);
	if (m == FL_MECH_LSM)
		snprintf(hook, sizeof(hook), "lsm/%s", f->lsm);
	else
		snprintf(hook, sizeof(hook), "fmod_ret/security_%s", f->lsm);
	add_prog(s, prog, hook);
	return 0;
}

/* Problems with what was typed, whatever the kernel: exit 2 before probing. */
static int check_input(const struct fl_sys_opts *o, const struct family *f,
		       const char *name, char *err)
{
	bool sock = f && f->sock[0], file = f && f->lsm;
	enum fl_sys_mech m = o->mech;

	if (o->path[0] && !(file && f->path))
		return fail(err, -EINVAL, "--path cannot apply to %s: it has no path; --path works with open, read, write, unlink, rmdir, mkdir, rename and mmap", name);
	if (o->path[0] && m == FL_MECH_KPROBE)
		return fail(err, -EINVAL, "%s: --path needs --mechanism lsm or fmod_ret; a kprobe sees only the bare syscall", name);
	if (m == FL_MECH_SOCK && !sock)
		return fail(err, -EINVAL, "%s: the sock mechanism sees only connect, bind, sendmsg/sendto and socket", name);
	if (m == FL_MECH_LSM && !file)
		return fail(err, -EINVAL, "%s: the lsm mechanism has no hook for it; use %s", name,
			    sock ? "sock, fmod_ret or kprobe" : "fmod_ret or kprobe");
	return 0;
}

static int plan_one(const struct fl_sys_opts *o, const struct fl_sys_env *env,
		    struct fl_sys_plan *p, struct fl_sys_step *s, int *slot, char *err)
{
	const struct family *f = family_of(s->name);

	if (f && f->sock[0] && (o->mech == FL_MECH_AUTO || o->mech == FL_MECH_SOCK))
		return plan_sock(o, env, f, s, &p->set_retval, err);
	if (f && f->lsm)
		return plan_security(o, env, f, s, slot, err);
	return plan_byname(o, env, s, slot, err);
}

int fl_sys_plan(const struct fl_sys_opts *o, const struct fl_sys_env *env,
		struct fl_sys_plan *p, char *err)
{
	char missing[FL_ERRLEN] = "";
	int i, e, slot = 0;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < o->ncalls; i++) {
		e = check_input(o, family_of(o->calls[i]), o->calls[i], err);
		if (e)
			return e;
	}
	/* Input errors win over a missing mechanism: report those first. */
	for (i = 0; i < o->ncalls; i++) {
		struct fl_sys_step *s = &p->steps[p->nsteps];

		memset(s, 0, sizeof(*s));	/* a step that failed may have left a symbol */
		s->name = o->calls[i];
		e = plan_one(o, env, p, s, &slot, err);
		if (e && e != -EOPNOTSUPP)
			return e;
		if (e && !missing[0])
			snprintf(missing, sizeof(missing), "%s", err);
		if (e)
			continue;
		p->calls |= s->call;
		p->nsteps++;
	}
	if (missing[0])
		return fail(err, -EOPNOTSUPP, "%s", missing);
	return 0;
}

/* ---------------------------------------------------------------- output */

static const char *errno_name(int e)
{
	return strerrorname_np(e) ?: "errno";
}

static double prob_of(const struct fl_sys_opts *o)
{
	return o->prob / 4294967296.0;
}

static const char *plan_mechs(const struct fl_sys_plan *p, char *buf, size_t size)
{
	int i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < p->nsteps; i++) {
		const char *m = mech_names[p->steps[i].mech];

		if (!strstr(buf, m))
			n += snprintf(buf + n, size - n, "%s%s", n ? "+" : "", m);
	}
	return buf;
}

/* "cgroup/connect4 cgroup/connect6" as a JSON array. */
static void json_hooks(struct jw *w, const char *hooks)
{
	char buf[sizeof(((struct fl_sys_step *)0)->hooks)], *h, *rest = buf;

	snprintf(buf, sizeof(buf), "%s", hooks);
	jw_key(w, "hooks");
	jw_arr_open(w);
	while ((h = strsep(&rest, " ")))
		jw_str(w, h);
	jw_arr_close(w);
}

static void json_plan(struct jw *w, const struct fl_sys_opts *o, const struct fl_sys_plan *p)
{
	char mechs[64];
	int i;

	jw_kstr(w, "command", "sys fail");
	jw_key(w, "target");
	jw_obj_open(w);
	jw_kstr(w, "cgroup", o->target.rel);
	jw_kstr(w, "path", o->target.path);
	jw_ku64(w, "id", o->target.cgid);
	jw_ki64(w, "level", o->target.level);
	jw_ki64(w, "processes", o->target.nprocs);
	jw_obj_close(w);
	jw_kstr(w, "mechanism", plan_mechs(p, mechs, sizeof(mechs)));
	jw_key(w, "calls");
	jw_arr_open(w);
	for (i = 0; i < p->nsteps; i++) {
		jw_obj_open(w);
		jw_kstr(w, "name", p->steps[i].name);
		jw_kstr(w, "mechanism", mech_names[p->steps[i].mech]);
		json_hooks(w, p->steps[i].hooks);
		jw_obj_close(w);
	}
	jw_arr_close(w);
	jw_kstr(w, "errno", errno_name(o->errnum));
	jw_ki64(w, "errno_number", o->errnum);
	jw_kdouble(w, "probability", prob_of(o));
	jw_ku64(w, "after", o->after);
	jw_key(w, "count");
	if (o->count)
		jw_u64(w, o->count);
	else
		jw_null(w);	/* no limit */
	jw_key(w, "path_prefix");
	if (o->path[0])
		jw_str(w, o->path);
	else
		jw_null(w);
	jw_ku64(w, "duration_ns", o->duration_ns);
}

static void print_plan(const struct fl_sys_opts *o, const struct fl_sys_plan *p, FILE *out)
{
	char dur[32], count[24];
	int i;

	fl_fmt_duration(o->duration_ns, dur, sizeof(dur));
	fprintf(out, "fail with %s (%d) for cgroup %s (id %llu, level %d, %d processes):\n",
		errno_name(o->errnum), o->errnum, o->target.rel,
		(unsigned long long)o->target.cgid, o->target.level, o->target.nprocs);
	for (i = 0; i < p->nsteps; i++)
		fprintf(out, "  %-10s %-8s %s%s\n", p->steps[i].name, mech_names[p->steps[i].mech],
			p->steps[i].hooks, p->steps[i].mech == FL_MECH_SOCK ? " on the target cgroup" : "");
	if (o->count)
		snprintf(count, sizeof(count), "%llu", (unsigned long long)o->count);
	fprintf(out, "  probability %g, after %llu, count %s, duration %s%s%s\n", prob_of(o),
		(unsigned long long)o->after, o->count ? count : "unlimited", dur,
		o->path[0] ? ", under " : "", o->path);
}

static void dry_run(const struct fl_sys_opts *o, const struct fl_sys_plan *p)
{
	struct jw w;

	if (!fl_json) {
		printf("dry run: would attach, for %s (%s)\n", o->target.path, o->target.spec);
		print_plan(o, p, stdout);
		printf("nothing attached\n");
		return;
	}
	jw_init(&w, stdout);
	jw_obj_open(&w);
	jw_kbool(&w, "dry_run", true);
	json_plan(&w, o, p);
	jw_obj_close(&w);
	jw_end(&w);
}

/* What happened, for the summary. */
struct sys_result {
	struct fl_sys_stats stats;
	uint64_t elapsed_ns;
	const char *stopped_by;		/* deadline, signal, count, target gone, stop --all */
};

static void summary(const struct fl_sys_opts *o, const struct fl_sys_plan *p,
		    const struct sys_result *r)
{
	char el[32];
	struct jw w;

	fl_fmt_duration(r->elapsed_ns, el, sizeof(el));
	if (!fl_json) {
		print_plan(o, p, stdout);
		printf("ran %s, stopped by %s: matched %llu, injected %llu\n", el, r->stopped_by,
		       (unsigned long long)r->stats.matched, (unsigned long long)r->stats.injected);
		return;
	}
	jw_init(&w, stdout);
	jw_obj_open(&w);
	jw_kbool(&w, "dry_run", false);
	json_plan(&w, o, p);
	jw_ku64(&w, "elapsed_ns", r->elapsed_ns);
	jw_kstr(&w, "stopped_by", r->stopped_by);
	jw_ku64(&w, "matched", r->stats.matched);
	jw_ku64(&w, "injected", r->stats.injected);
	jw_obj_close(&w);
	jw_end(&w);
}

/* ------------------------------------------------------------- the kernel */

/* Features probed on demand: each probe loads and attaches for real. */
struct probe_cache {
	struct fl_features ff;
};

static bool cache_has(enum fl_feat id, void *arg)
{
	struct probe_cache *c = arg;

	return fl_probe_one(id, &c->ff);
}

static const char *cache_why(enum fl_feat id, void *arg)
{
	struct probe_cache *c = arg;

	return c->ff.f[id].reason;
}

struct sys_run {
	struct sys_bpf *skel;
	struct bpf_link *links[MAX_LINKS];
	int nlinks;
	int cgfd;
	const struct fl_fault_ctx *ctx;
};

static int sys_load(struct sys_run *run, const struct fl_sys_opts *o,
		    const struct fl_sys_plan *p, uint64_t generation)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = FL_PIN_ROOT);
	struct bpf_program *prog;
	int i, j, err;

	run->skel = sys_bpf__open_opts(&oo);
	if (!run->skel)
		return -errno;
	run->skel->rodata->fl_generation = generation;
	run->skel->rodata->fl_exp_id = strtoul(run->ctx->reg->id, NULL, 16);
	run->skel->rodata->targ_cgid = o->target.cgid;
	run->skel->rodata->targ_level = o->target.level;
	run->skel->rodata->targ_set_retval = p->set_retval;
	bpf_object__for_each_program(prog, run->skel->obj)
		bpf_program__set_autoload(prog, false);
	for (i = 0; i < p->nsteps; i++) {
		const struct fl_sys_step *s = &p->steps[i];

		for (j = 0; j < s->nprogs; j++) {
			prog = bpf_object__find_program_by_name(run->skel->obj, s->progs[j]);
			if (!prog)
				return -ENOENT;
			bpf_program__set_autoload(prog, true);
			if (s->mech != FL_MECH_FMOD_RET || !s->sym[0])
				continue;
			err = bpf_program__set_attach_target(prog, 0, s->sym);
			if (err)
				return err;
		}
	}
	err = sys_bpf__load(run->skel);
	return err ? -errno ?: err : 0;
}

static int write_rule(struct sys_run *run, const struct fl_sys_opts *o,
		      const struct fl_sys_plan *p, uint64_t deadline)
{
	struct fl_sys_rule rule = {
		.deadline_ns = deadline,
		.prob = o->prob,
		.after = o->after,
		.count = o->count,
		.path_ino = o->path_ino,
		.path_dev = o->path_dev,
		.calls = p->calls,
		.errnum = o->errnum,
	};
	__u32 zero = 0;

	return bpf_map__update_elem(run->skel->maps.fl_sys_rule, &zero, sizeof(zero),
				    &rule, sizeof(rule), BPF_ANY);
}

static bool attached(const struct sys_run *run, const struct fl_sys_plan *p, int upto,
		     const char *prog, const char *sym)
{
	int i, j;

	/* read and write share file_permission; a kprobe attaches per symbol. */
	for (i = 0; i < upto; i++)
		for (j = 0; j < p->steps[i].nprogs; j++)
			if (!strcmp(p->steps[i].progs[j], prog) && !strcmp(p->steps[i].sym, sym))
				return true;
	return false;
}

static struct bpf_link *attach_prog(struct sys_run *run, const struct fl_sys_step *s,
				    struct bpf_program *prog)
{
	if (s->mech == FL_MECH_SOCK)
		return bpf_program__attach_cgroup(prog, run->cgfd);
	if (s->mech == FL_MECH_KPROBE)
		return bpf_program__attach_kprobe(prog, false, s->sym);
	return bpf_program__attach(prog);
}

/* A detached experiment's links live in bpffs, not in the controller. */
static int pin_link(struct sys_run *run, struct bpf_link *l)
{
	char leaf[32], pin[PATH_MAX];

	if (!run->ctx->pin_links)
		return 0;
	snprintf(leaf, sizeof(leaf), "f%d_link%d", run->ctx->index, run->nlinks - 1);
	fl_reg_pin_path(run->ctx->reg, leaf, pin, sizeof(pin));
	return bpf_link__pin(l, pin);
}

static int sys_attach(struct sys_run *run, const struct fl_sys_opts *o,
		      const struct fl_sys_plan *p, char *err)
{
	struct bpf_program *prog;
	struct bpf_link *link;
	int i, j, e;

	run->cgfd = open(o->target.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (run->cgfd < 0)
		return fail(err, -errno, "cannot open cgroup %s: %s", o->target.path, strerror(errno));
	for (i = 0; i < p->nsteps; i++) {
		const struct fl_sys_step *s = &p->steps[i];

		for (j = 0; j < s->nprogs; j++) {
			if (attached(run, p, i, s->progs[j], s->sym) || run->nlinks == MAX_LINKS)
				continue;
			prog = bpf_object__find_program_by_name(run->skel->obj, s->progs[j]);
			link = attach_prog(run, s, prog);
			if (!link) {
				e = -errno;
				return fail(err, e, "%s: attaching %s failed: %s", s->name,
					    s->hooks, strerror(-e));
			}
			run->links[run->nlinks++] = link;
			e = pin_link(run, link);
			if (e)
				return fail(err, e, "cannot pin a link under %s: %s", FL_PIN_ROOT,
					    strerror(-e));
		}
	}
	return 0;
}

static void sys_destroy(struct sys_run *run)
{
	int i;

	/* Detach first: from here on the target's calls run untouched. */
	for (i = run->nlinks - 1; i >= 0; i--) {
		if (run->ctx && run->ctx->pin_links)
			bpf_link__unpin(run->links[i]);
		bpf_link__destroy(run->links[i]);
	}
	run->nlinks = 0;
	sys_bpf__destroy(run->skel);
	run->skel = NULL;
	if (run->cgfd >= 0)
		close(run->cgfd);
	run->cgfd = -1;
}

static void read_stats(struct sys_run *run, struct fl_sys_stats *st)
{
	__u32 zero = 0;

	if (bpf_map__lookup_elem(run->skel->maps.fl_sys_stats, &zero, sizeof(zero),
				 st, sizeof(*st), 0))
		memset(st, 0, sizeof(*st));
}

static void status(const struct sys_result *r, uint64_t left_ns, bool final)
{
	static struct fl_rate rate;
	char line[192], el[32], left[32];

	fl_fmt_duration(r->elapsed_ns, el, sizeof(el));
	fl_fmt_duration(left_ns, left, sizeof(left));
	snprintf(line, sizeof(line), "sys fail: %s elapsed, %s left, matched %llu, injected %llu (%.1f/s)",
		 el, left, (unsigned long long)r->stats.matched, (unsigned long long)r->stats.injected,
		 fl_rate_update(&rate, fl_now_ns(), r->stats.injected));
	fl_status_line(line, final);
}

static const char *why_stop(struct sys_run *run, const struct fl_sys_opts *o,
			    uint64_t now, uint64_t deadline, const struct fl_sys_stats *st)
{
	if (fl_signal_pending())
		return "signal";
	if (now >= deadline)
		return "deadline";
	if (o->count && st->injected >= o->count)
		return "count";
	if (access(o->target.path, F_OK))
		return "target gone";
	/* `faultline stop --all` bumped the generation: our programs went inert. */
	if (fl_ctl_halted(run->ctx->generation))
		return "stop --all";
	return NULL;
}

/* Until the deadline, a signal, the --count is spent or the cgroup is gone. */
static void watch(struct sys_run *run, const struct fl_sys_opts *o, uint64_t start,
		  uint64_t deadline, struct sys_result *r)
{
	struct timespec tick = { 0, TICK_NS };
	uint64_t now;

	for (;;) {
		now = fl_now_ns();
		r->elapsed_ns = now - start;
		read_stats(run, &r->stats);
		r->stopped_by = why_stop(run, o, now, deadline, &r->stats);
		if (r->stopped_by)
			break;
		if (!fl_json)
			status(r, deadline - now, false);
		nanosleep(&tick, NULL);
	}
	if (!fl_json)
		status(r, now < deadline ? deadline - now : 0, true);
}

/* open -> configure -> load -> rule -> pin -> attach; on error nothing stays. */
static int sys_start(struct sys_run *run, const struct fl_sys_opts *o,
		     const struct fl_sys_plan *p, char *err)
{
	char leaf[16], pin[PATH_MAX];
	int e;

	e = sys_load(run, o, p, run->ctx->generation);
	if (e)
		return fail(err, e, "loading the programs failed: %s (-v shows the verifier's log)",
			    strerror(-e));
	e = write_rule(run, o, p, run->ctx->deadline_ns);
	if (e)
		return fail(err, e, "cannot write the rule: %s", strerror(-e));
	/* `status`, `metrics` and `list` read the counters from here. */
	snprintf(leaf, sizeof(leaf), "f%d", run->ctx->index);
	fl_reg_pin_path(run->ctx->reg, leaf, pin, sizeof(pin));
	e = bpf_map__pin(run->skel->maps.fl_sys_stats, pin);
	if (e)
		return fail(err, e, "cannot pin the counters at %s: %s", pin, strerror(-e));
	return sys_attach(run, o, p, err);
}

int fl_sys_start(struct sys_run **out, const struct fl_sys_opts *o, const struct fl_sys_plan *p,
		 const struct fl_fault_ctx *ctx, char *err)
{
	struct sys_run *run = calloc(1, sizeof(*run));
	int e;

	*out = NULL;
	if (!run)
		return -ENOMEM;
	run->cgfd = -1;
	run->ctx = ctx;
	e = sys_start(run, o, p, err);
	if (e) {
		sys_destroy(run);
		free(run);
		return e;
	}
	*out = run;
	return 0;
}

void fl_sys_counters(struct sys_run *run, struct fl_sys_stats *st)
{
	read_stats(run, st);
}

int fl_sys_nlinks(const struct sys_run *run)
{
	return run->nlinks;
}

void fl_sys_end(struct sys_run *run)
{
	sys_destroy(run);
	free(run);
}

/* One command, one experiment: recorded like any other, so `list` and `stop` see it. */
static int run_experiment(const struct fl_sys_opts *o, const struct fl_sys_plan *p)
{
	struct fl_reg reg = { .nfaults = 1, .faults[0].kind = FL_REG_SYS };
	struct fl_fault_ctx ctx = { .reg = &reg };
	struct sys_result res = { 0 };
	char err[FL_ERRLEN] = "", dur[32];
	struct sys_run *run;
	int e;

	fl_signals_install();
	e = fl_ctl_prepare(&ctx.generation);
	if (e) {
		pr_warn("sys fail: cannot read the kill switch under %s: %s\n", FL_PIN_ROOT, strerror(-e));
		return FL_EXIT_FAIL;
	}
	snprintf(reg.name, sizeof(reg.name), "sys-fail");
	fl_exp_sys_desc(o, reg.faults[0].desc, sizeof(reg.faults[0].desc));
	snprintf(reg.target, sizeof(reg.target), "%s", o->target.rel);
	reg.cgid = o->target.cgid;
	ctx.start_ns = reg.start_ns = fl_now_ns();
	ctx.deadline_ns = reg.deadline_ns = ctx.start_ns + o->duration_ns;
	e = fl_reg_create(&reg, err);
	if (!e)
		e = fl_sys_start(&run, o, p, &ctx, err);
	if (e) {
		pr_warn("sys fail: %s\n", err);
		fl_reg_remove(&reg);
		return FL_EXIT_FAIL;
	}
	fl_fmt_duration(o->duration_ns, dur, sizeof(dur));
	/* Tests and scripts wait for this line: the fault is live from here. */
	pr_info("sys fail: %d hooks attached to %s for %s [experiment %s]; Ctrl-C stops early\n",
		run->nlinks, o->target.rel, dur, reg.id);
	watch(run, o, ctx.start_ns, ctx.deadline_ns, &res);
	fl_sys_end(run);
	fl_reg_remove(&reg);
	summary(o, p, &res);
	return FL_EXIT_OK;
}

/* ---------------------------------------------------------------- command */

static void usage(void)
{
	fprintf(stderr,
		"Usage: faultline sys fail TARGET --call NAME[,NAME...] --errno NAME|NUMBER\n"
		"                 [--probability P] [--path PREFIX] [--after N] [--count N]\n"
		"                 [--duration D] [--mechanism auto|sock|lsm|fmod_ret|kprobe]\n"
		"                 [--dry-run] [--force] [--json]\n"
		"TARGET: --cgroup PATH | --pid PID | --unit NAME (descendant cgroups included)\n\n"
		"Makes the target's calls fail with the errno until the deadline (default 60s,\n"
		"at most 1h, or FAULTLINE_MAX_DURATION), enforced in the kernel; then detaches and\n"
		"prints a summary.\n"
		"  connect, bind, sendmsg/sendto (UDP with an address), socket (inet):\n"
		"      cgroup socket hooks, any errno with bpf_set_retval (else only EPERM)\n"
		"  open/openat/creat, read/pread64/readv, write/pwrite64/writev, unlink, rmdir,\n"
		"  mkdir, rename, mmap, fork/vfork/clone (threads too): BPF LSM, or fmod_ret on\n"
		"      security_*; a hook sees every variant of its call (read: pread64, readv...)\n"
		"  any other syscall: fmod_ret on " FL_SYSCALL_PREFIX "NAME, or kprobe + bpf_override_return\n"
		"--path PREFIX: a file or directory that exists; calls on it or below it match\n"
		"  (by inode, so bind mounts of it match too; unlink, rmdir, mkdir and rename\n"
		"  match only within PREFIX's filesystem). For a container, give /proc/PID/root/DIR.\n"
		"--after N lets the first N matching calls through; --count N injects at most N,\n"
		"then the run ends. --dry-run shows the hooks and the target, attaches nothing.\n\n"
		"Examples:\n"
		"  faultline sys fail --unit api --call connect --errno ECONNREFUSED --probability 20%%\n"
		"  faultline sys fail --cgroup /app --call write --path /var/log --errno ENOSPC\n"
		"  faultline sys fail --cgroup /app --call read --path /srv/data --errno EIO --count 3\n"
		"  faultline sys fail --pid 4242 --call fork --errno EAGAIN --duration 30s\n"
		"  faultline sys fail --cgroup /db --call fsync --errno EIO --mechanism kprobe\n");
}

int fl_sys_plan_here(struct fl_sys_opts *o, struct fl_sys_plan *p, char *err)
{
	struct probe_cache cache = { 0 };
	struct fl_sys_env env = { cache_has, &cache, NULL, cache_why };
	struct btf *btf;
	int e;

	btf = btf__load_vmlinux_btf();
	if (!btf)
		return fail(err, -EOPNOTSUPP, "cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): %s", strerror(errno));
	env.btf = btf;
	e = fl_sys_plan(o, &env, p, err);
	btf__free(btf);
	return e;
}

static int sys_fail(int argc, char **argv)
{
	struct fl_sys_opts *o;
	struct fl_sys_plan plan;
	char err[FL_ERRLEN] = "";
	int e, ret = FL_EXIT_USAGE;
	__u64 cap;

	o = calloc(1, sizeof(*o));	/* PATH_MAX buffers: keep them off the stack */
	if (!o)
		return FL_EXIT_FAIL;
	e = fl_sys_parse_args(argc, argv, o, err);
	if (!e && o->help) {
		usage();
		ret = FL_EXIT_OK;
		goto out;
	}
	if (!e)
		e = fl_duration_cap(&cap, err) ?: fl_check_duration(o->duration_ns, cap, err);
	if (!e)
		e = fl_sys_resolve_path(o, err);
	if (!e)
		e = fl_target_resolve(&o->target, o->force, err);
	if (!e)
		e = fl_sys_plan_here(o, &plan, err);
	if (e) {
		pr_warn("sys fail: %s\n", err);
		ret = e == -EOPNOTSUPP ? FL_EXIT_FAIL : FL_EXIT_USAGE;
		goto out;
	}
	if (o->target.nprocs == 0)
		pr_info("note: %s has no processes yet; calls of any that join will fail\n", o->target.rel);
	if (o->dry_run) {
		dry_run(o, &plan);
		ret = FL_EXIT_OK;
	} else {
		ret = run_experiment(o, &plan);
	}
out:
	free(o);
	return ret;
}

static int sys_help(int argc, char **argv)
{
	usage();
	return FL_EXIT_OK;
}

static const struct fl_cmd sys_cmds[] = {
	{ "fail", sys_fail, "make the target's system calls fail with an errno" },
	{ "help", sys_help, "this help" },
	{ NULL },
};

int cmd_sys(int argc, char **argv)
{
	if (argc < 2) {
		usage();
		return FL_EXIT_USAGE;
	}
	return fl_dispatch(sys_cmds, "sys", argc - 1, argv + 1);
}
