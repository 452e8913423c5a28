// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Which mechanism and hooks serve each call, chosen against what the
 * kernel has (probed, not guessed): cgroup socket hooks for the socket
 * calls, BPF LSM or fmod_ret on security_* for the file and fork calls,
 * fmod_ret or a kprobe on __x64_sys_NAME for any other syscall. Nothing
 * here changes the host; a dry run stops after it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/btf.h>
#include "json.h"
#include "sys.h"
#include "sysfs.h"

/* A family of calls and the hooks that see every one of them. */
struct family {
	uint32_t call;
	enum fl_sys_prog sock[2];	/* cgroup hooks, FL_PROG_NONE after the last */
	const char *lsm;		/* the security hook: lsm/NAME, fmod_ret/security_NAME */
	enum fl_sys_prog lsm_prog, fmod_prog;
	bool path;			/* --path applies */
};

static const struct family families[] = {
	{ FL_SYS_CONNECT, { FL_PROG_CONNECT4, FL_PROG_CONNECT6 } },
	{ FL_SYS_BIND, { FL_PROG_BIND4, FL_PROG_BIND6 } },
	{ FL_SYS_SENDMSG, { FL_PROG_SENDMSG4, FL_PROG_SENDMSG6 } },
	{ FL_SYS_SOCKET, { FL_PROG_SOCK_CREATE } },
	{ FL_SYS_OPEN, { 0 }, "file_open", FL_PROG_LSM_FILE_OPEN, FL_PROG_FMOD_FILE_OPEN, true },
	{ FL_SYS_READ, { 0 }, "file_permission", FL_PROG_LSM_FILE_PERMISSION,
	  FL_PROG_FMOD_FILE_PERMISSION, true },
	{ FL_SYS_WRITE, { 0 }, "file_permission", FL_PROG_LSM_FILE_PERMISSION,
	  FL_PROG_FMOD_FILE_PERMISSION, true },
	{ FL_SYS_UNLINK, { 0 }, "inode_unlink", FL_PROG_LSM_INODE_UNLINK, FL_PROG_FMOD_INODE_UNLINK, true },
	{ FL_SYS_RMDIR, { 0 }, "inode_rmdir", FL_PROG_LSM_INODE_RMDIR, FL_PROG_FMOD_INODE_RMDIR, true },
	{ FL_SYS_MKDIR, { 0 }, "inode_mkdir", FL_PROG_LSM_INODE_MKDIR, FL_PROG_FMOD_INODE_MKDIR, true },
	{ FL_SYS_RENAME, { 0 }, "inode_rename", FL_PROG_LSM_INODE_RENAME, FL_PROG_FMOD_INODE_RENAME, true },
	{ FL_SYS_MMAP, { 0 }, "mmap_file", FL_PROG_LSM_MMAP_FILE, FL_PROG_FMOD_MMAP_FILE, true },
	{ FL_SYS_FORK, { 0 }, "task_alloc", FL_PROG_LSM_TASK_ALLOC, FL_PROG_FMOD_TASK_ALLOC, false },
};

static const char *const sock_hooks[] = {
	[FL_PROG_CONNECT4] = "cgroup/connect4", [FL_PROG_CONNECT6] = "cgroup/connect6",
	[FL_PROG_BIND4] = "cgroup/bind4", [FL_PROG_BIND6] = "cgroup/bind6",
	[FL_PROG_SENDMSG4] = "cgroup/sendmsg4", [FL_PROG_SENDMSG6] = "cgroup/sendmsg6",
	[FL_PROG_SOCK_CREATE] = "cgroup/sock_create",
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

/* ---------------------------------------------------------------- input */

static int check_call(const struct fl_sys_conf *c, const char *name, char *err)
{
	const struct family *f = family_of(name);
	bool sock = f && f->sock[0], file = f && f->lsm;
	int i;

	for (i = 0; !f && unfaultable[i]; i++)
		if (!strcmp(name, unfaultable[i]))
			return fl_sys_err(err, -EINVAL, "%s cannot be faulted: a failing %s has no caller to return to", name, name);
	if (c->path[0] && !(file && f->path))
		return fl_sys_err(err, -EINVAL, "--path cannot apply to %s: it has no path; --path works with open, read, write, unlink, rmdir, mkdir, rename and mmap", name);
	if (c->path[0] && c->mech == FL_MECH_KPROBE)
		return fl_sys_err(err, -EINVAL, "%s: --path needs --mechanism lsm or fmod_ret; a kprobe sees only the bare syscall", name);
	if (c->mech == FL_MECH_SOCK && !sock)
		return fl_sys_err(err, -EINVAL, "%s: the sock mechanism sees only connect, bind, sendmsg/sendto and socket", name);
	if (c->mech == FL_MECH_LSM && !file)
		return fl_sys_err(err, -EINVAL, "%s: the lsm mechanism has no hook for it; use %s", name,
			    sock ? "sock, fmod_ret or kprobe" : "fmod_ret or kprobe");
	return 0;
}

int fl_sys_check(const struct fl_sys_conf *c, char *err)
{
	int i, e;

	for (i = 0; i < c->ncalls; i++) {
		e = check_call(c, c->calls[i], err);
		if (e)
			return e;
	}
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
int fl_sys_resolve(struct fl_sys_conf *c, char *err)
{
	unsigned int major, minor;
	struct statx stx;
	char real[PATH_MAX];

	if (!c->path[0])
		return 0;
	if (statx(AT_FDCWD, c->path, 0, STATX_INO | STATX_MNT_ID, &stx))
		return fl_sys_err(err, -EINVAL, "--path %s: %s (it must exist)", c->path, strerror(errno));
	major = stx.stx_dev_major;
	minor = stx.stx_dev_minor;
	if (stx.stx_mask & STATX_MNT_ID)
		mount_dev(stx.stx_mnt_id, &major, &minor);
	c->path_ino = stx.stx_ino;
	c->path_dev = (major << 20) | minor;	/* the kernel's MKDEV */
	if (realpath(c->path, real) && strlen(real) < sizeof(c->path))
		strcpy(c->path, real);
	return 0;
}

/* --------------------------------------------------------------- kernel */

static bool env_has(const struct fl_sys_env *env, enum fl_feat id)
{
	return env->has(id, env->arg);
}

static const char *env_why(const struct fl_sys_env *env, enum fl_feat id)
{
	const char *r = env->why_not ? env->why_not(id, env->arg) : NULL;

	return r && *r ? r : "unavailable";
}

static void add_prog(struct fl_sys_step *s, enum fl_sys_prog prog, const char *hook)
{
	size_t n = strlen(s->hooks);

	s->progs[s->nprogs++] = prog;
	snprintf(s->hooks + n, sizeof(s->hooks) - n, "%s%s", n ? " " : "", hook);
}

/* This kernel lacks what a mechanism needs: exit 1, naming the doctor line. */
static int lacks(char *err, const struct fl_sys_env *env, const char *name,
		 enum fl_sys_mech m, enum fl_feat id)
{
	return fl_sys_err(err, -EOPNOTSUPP, "%s: --mechanism %s needs %s: %s (see 'faultline doctor')",
		    name, fl_sys_mech_name(m), fl_feat_name(id), env_why(env, id));
}

/*
 * fmod_ret on __x64_sys_NAME where the kernel has error injection, else
 * kprobe. fmod_ret is verified against the function's BTF; some syscalls
 * have none (pahole leaves out a few), and then only the kprobe is left.
 */
static int byname_mech(enum fl_sys_mech want, const struct fl_sys_env *env,
		       const char *name, bool has_btf, enum fl_sys_mech *m, char *err)
{
	*m = want;
	if (!has_btf && *m != FL_MECH_KPROBE && !env_has(env, FEAT_OVERRIDE_RETURN))
		return fl_sys_err(err, -EOPNOTSUPP, "%s: the kernel has " FL_SYSCALL_PREFIX "%s but no BTF for it, which fmod_ret needs, and no kprobe override: %s (see 'faultline doctor')",
			    name, name, env_why(env, FEAT_OVERRIDE_RETURN));
	if (!has_btf && *m == FL_MECH_FMOD_RET)
		return fl_sys_err(err, -EOPNOTSUPP, "%s: the kernel has no BTF for " FL_SYSCALL_PREFIX "%s, which fmod_ret needs; try --mechanism kprobe",
			    name, name);
	if (!has_btf)
		*m = FL_MECH_KPROBE;
	if (*m == FL_MECH_AUTO && env_has(env, FEAT_FMOD_RET_SYSCALL))
		*m = FL_MECH_FMOD_RET;
	else if (*m == FL_MECH_AUTO && env_has(env, FEAT_OVERRIDE_RETURN))
		*m = FL_MECH_KPROBE;
	else if (*m == FL_MECH_AUTO)
		return fl_sys_err(err, -EOPNOTSUPP, "%s: this kernel can fault no syscall by name: fmod_ret_syscall: %s; bpf_override_return: %s (see 'faultline doctor')",
			    name, env_why(env, FEAT_FMOD_RET_SYSCALL), env_why(env, FEAT_OVERRIDE_RETURN));
	if (*m == FL_MECH_FMOD_RET && !env_has(env, FEAT_FMOD_RET_SYSCALL))
		return lacks(err, env, name, *m, FEAT_FMOD_RET_SYSCALL);
	if (*m == FL_MECH_KPROBE && !env_has(env, FEAT_OVERRIDE_RETURN))
		return lacks(err, env, name, *m, FEAT_OVERRIDE_RETURN);
	return 0;
}

static int plan_byname(const struct fl_sys_conf *c, const struct fl_sys_env *env,
		       struct fl_sys_step *s, int *slot, char *err)
{
	enum fl_sys_prog prog = FL_PROG_KPROBE_SYS;
	enum fl_sys_mech m;
	char hook[96];
	bool has_btf;
	int e;

	snprintf(s->sym, sizeof(s->sym), FL_SYSCALL_PREFIX "%s", s->name);
	has_btf = btf__find_by_name_kind(env->btf, s->sym, BTF_KIND_FUNC) > 0;
	/* kallsyms lists it with or without BTF (kprobes need none). */
	if (!has_btf && fl_ksym_find(s->sym, NULL))
		return fl_sys_err(err, -EINVAL, "'%s' is not a system call of this kernel (no %s)", s->name, s->sym);
	e = byname_mech(c->mech, env, s->name, has_btf, &m, err);
	if (e)
		return e;
	if (m == FL_MECH_FMOD_RET && *slot == FL_SYS_MAX_BYNAME)
		return fl_sys_err(err, -EINVAL, "at most %d syscalls by name per experiment", FL_SYS_MAX_BYNAME);
	if (m == FL_MECH_FMOD_RET)
		prog = FL_PROG_FMOD_SYS0 + (*slot)++;
	s->mech = m;
	s->call = FL_SYS_BYNAME;
	snprintf(hook, sizeof(hook), "%s/%s", fl_sys_mech_name(m), s->sym);
	add_prog(s, prog, hook);
	return 0;
}

static int plan_sock(const struct fl_sys_conf *c, const struct fl_sys_env *env,
		     const struct family *f, struct fl_sys_step *s, bool *set_retval, char *err)
{
	int i;

	if (!env_has(env, FEAT_SOCK_ADDR))
		return fl_sys_err(err, -EOPNOTSUPP, "%s: cgroup socket hooks are unavailable: cgroup_sock_addr: %s (see 'faultline doctor')", s->name, env_why(env, FEAT_SOCK_ADDR));
	/* Without bpf_set_retval (5.18) a rejecting cgroup hook always means EPERM. */
	if (c->errnum != EPERM && !env_has(env, FEAT_SET_RETVAL))
		return fl_sys_err(err, -EINVAL, "%s: this kernel lacks bpf_set_retval (Linux 5.18+), so socket calls can only fail with EPERM: use --errno EPERM", s->name);
	*set_retval = c->errnum != EPERM;
	s->mech = FL_MECH_SOCK;
	s->call = f->call;
	for (i = 0; i < 2 && f->sock[i]; i++)
		add_prog(s, f->sock[i], sock_hooks[f->sock[i]]);
	return 0;
}

/* lsm or fmod_ret on security_*; auto falls back to the bare syscall. */
static int plan_security(const struct fl_sys_conf *c, const struct fl_sys_env *env,
			 const struct family *f, struct fl_sys_step *s, int *slot, char *err)
{
	enum fl_sys_mech m = c->mech;
	char hook[64];
	int e;

	if (m == FL_MECH_AUTO)
		m = env_has(env, FEAT_BPF_LSM) ? FL_MECH_LSM :
		    env_has(env, FEAT_FMOD_RET_SECURITY) ? FL_MECH_FMOD_RET : FL_MECH_AUTO;
	if (m == FL_MECH_AUTO && c->path[0])
		return fl_sys_err(err, -EOPNOTSUPP, "%s with --path needs bpf_lsm (%s) or fmod_ret_security (%s) (see 'faultline doctor')",
			    s->name, env_why(env, FEAT_BPF_LSM), env_why(env, FEAT_FMOD_RET_SECURITY));
	if (m == FL_MECH_KPROBE)
		return plan_byname(c, env, s, slot, err);
	if (m == FL_MECH_AUTO) {
		e = plan_byname(c, env, s, slot, err);
		if (e == -EOPNOTSUPP)
			return fl_sys_err(err, e, "%s: this kernel has none of bpf_lsm, fmod_ret_security (for the %s hook) or fmod_ret_syscall, bpf_override_return (for the bare syscall): see 'faultline doctor'",
				    s->name, f->lsm);
		return e;
	}
	if (m == FL_MECH_LSM && !env_has(env, FEAT_BPF_LSM))
		return lacks(err, env, s->name, m, FEAT_BPF_LSM);
	if (m == FL_MECH_FMOD_RET && !env_has(env, FEAT_FMOD_RET_SECURITY))
		return lacks(err, env, s->name, m, FEAT_FMOD_RET_SECURITY);
	s->mech = m;
	s->call = f->call;
	snprintf(hook, sizeof(hook), m == FL_MECH_LSM ? "lsm/%s" : "fmod_ret/security_%s", f->lsm);
	add_prog(s, m == FL_MECH_LSM ? f->lsm_prog : f->fmod_prog, hook);
	return 0;
}

static int plan_one(const struct fl_sys_conf *c, const struct fl_sys_env *env,
		    struct fl_sys_plan *p, struct fl_sys_step *s, int *slot, char *err)
{
	const struct family *f = family_of(s->name);

	if (f && f->sock[0] && (c->mech == FL_MECH_AUTO || c->mech == FL_MECH_SOCK))
		return plan_sock(c, env, f, s, &p->set_retval, err);
	if (f && f->lsm)
		return plan_security(c, env, f, s, slot, err);
	return plan_byname(c, env, s, slot, err);
}

int fl_sys_plan(const struct fl_sys_conf *c, const struct fl_sys_env *env,
		struct fl_sys_plan *p, char *err)
{
	char missing[FL_ERRLEN] = "";
	int i, e, slot = 0;

	memset(p, 0, sizeof(*p));
	/* Input errors win over a missing mechanism: report those first. */
	e = fl_sys_check(c, err);
	if (e)
		return e;
	for (i = 0; i < c->ncalls; i++) {
		struct fl_sys_step *s = &p->steps[p->nsteps];

		memset(s, 0, sizeof(*s));	/* a step that failed may have left a symbol */
		snprintf(s->name, sizeof(s->name), "%s", c->calls[i]);
		e = plan_one(c, env, p, s, &slot, err);
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
		return fl_sys_err(err, -EOPNOTSUPP, "%s", missing);
	return 0;
}

/* Features probed on demand: each probe loads and attaches for real. */
static bool probe_has(enum fl_feat id, void *arg)
{
	return fl_probe_one(id, arg);
}

static const char *probe_why(enum fl_feat id, void *arg)
{
	return ((struct fl_features *)arg)->f[id].reason;
}

int fl_sys_plan_kernel(const struct fl_sys_conf *c, struct fl_sys_plan *p, char *err)
{
	struct fl_features ff = { 0 };
	struct fl_sys_env env = { probe_has, &ff, NULL, probe_why };
	struct btf *btf;
	int e;

	btf = btf__load_vmlinux_btf();
	if (!btf)
		return fl_sys_err(err, -EOPNOTSUPP, "cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): %s", strerror(errno));
	env.btf = btf;
	e = fl_sys_plan(c, &env, p, err);
	btf__free(btf);
	return e;
}

/* ------------------------------------------------------------ for people */

void fl_sys_plan_mechs(const struct fl_sys_plan *p, char *buf, size_t size)
{
	size_t n = 0;
	int i;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < p->nsteps && n < size; i++) {
		const char *m = fl_sys_mech_name(p->steps[i].mech);

		if (!strstr(buf, m))
			n += snprintf(buf + n, size - n, "%s%s", n ? "+" : "", m);
	}
}

/* Is hook h a word of the space-separated list? */
static bool has_hook(const char *list, const char *h)
{
	size_t n = strlen(h);
	const char *at;

	for (at = strstr(list, h); at; at = strstr(at + 1, h))
		if ((at == list || at[-1] == ' ') && (!at[n] || at[n] == ' '))
			return true;
	return false;
}

/* Append the hooks of the steps on one side (socket or not), each once. */
static size_t add_hooks(const struct fl_sys_plan *p, bool sock, char *buf, size_t n, size_t size)
{
	char hooks[sizeof(p->steps[0].hooks)], *h, *rest;
	int i;

	for (i = 0; i < p->nsteps && n < size; i++) {
		if ((p->steps[i].mech == FL_MECH_SOCK) != sock)
			continue;
		snprintf(hooks, sizeof(hooks), "%s", p->steps[i].hooks);
		for (rest = hooks; (h = strsep(&rest, " ")) && n < size;)
			if (!has_hook(buf, h))	/* read and write share lsm/file_permission */
				n += snprintf(buf + n, size - n, "%s%s", n ? " " : "", h);
	}
	return n;
}

/*
 * "cgroup/connect4 cgroup/connect6 on the target cgroup, lsm/file_open":
 * socket hooks sit on the target cgroup, the others are global and check
 * the caller's cgroup themselves.
 */
void fl_sys_plan_attach(const struct fl_sys_plan *p, char *buf, size_t size)
{
	char sock[FL_SYS_MAX_CALLS * 40] = "", other[FL_SYS_MAX_CALLS * 40] = "";

	add_hooks(p, true, sock, 0, sizeof(sock));
	add_hooks(p, false, other, 0, sizeof(other));
	snprintf(buf, size, "%s%s%s%s", sock, sock[0] ? " on the target cgroup" : "",
		 sock[0] && other[0] ? ", " : "", other);
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

void fl_sys_plan_json(const struct fl_sys_conf *c, const struct fl_sys_plan *p, struct jw *w)
{
	int i;

	jw_key(w, "calls");
	jw_arr_open(w);
	for (i = 0; i < p->nsteps; i++) {
		jw_obj_open(w);
		jw_kstr(w, "name", p->steps[i].name);
		jw_kstr(w, "mechanism", fl_sys_mech_name(p->steps[i].mech));
		json_hooks(w, p->steps[i].hooks);
		jw_obj_close(w);
	}
	jw_arr_close(w);
	jw_kstr(w, "errno", strerrorname_np(c->errnum) ?: "errno");
	jw_ki64(w, "errno_number", c->errnum);
}
