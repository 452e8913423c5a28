// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One sys fault in the kernel: open the skeleton, configure it (rodata,
 * autoload only the programs the plan names, their attach targets), load,
 * write the rule (inert: its deadline already past), pin the counters,
 * attach; arm gives the rule its deadline once every fault of the
 * experiment is attached, so the kernel enforces it even if we die; and
 * the way back.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "sys.skel.h"
#include "fault.h"
#include "sys.h"

#define MAX_LINKS	(2 * FL_SYS_MAX_CALLS)

struct sys_run {
	struct sys_bpf *skel;
	struct fl_sys_rule rule;	/* as written; arm rewrites it with its deadline */
	struct bpf_link *links[MAX_LINKS];
	int nlinks;
	int cgfd;
	bool pinned_stats;
	char pin_prefix[PATH_MAX];
};

struct bpf_program *fl_sys_prog(struct sys_bpf *s, enum fl_sys_prog id)
{
	struct bpf_program *const progs[FL_PROG__COUNT] = {
		[FL_PROG_CONNECT4] = s->progs.fl_connect4,
		[FL_PROG_CONNECT6] = s->progs.fl_connect6,
		[FL_PROG_BIND4] = s->progs.fl_bind4,
		[FL_PROG_BIND6] = s->progs.fl_bind6,
		[FL_PROG_SENDMSG4] = s->progs.fl_sendmsg4,
		[FL_PROG_SENDMSG6] = s->progs.fl_sendmsg6,
		[FL_PROG_SOCK_CREATE] = s->progs.fl_sock_create,
		[FL_PROG_LSM_FILE_OPEN] = s->progs.fl_lsm_file_open,
		[FL_PROG_LSM_FILE_PERMISSION] = s->progs.fl_lsm_file_permission,
		[FL_PROG_LSM_INODE_UNLINK] = s->progs.fl_lsm_inode_unlink,
		[FL_PROG_LSM_INODE_RMDIR] = s->progs.fl_lsm_inode_rmdir,
		[FL_PROG_LSM_INODE_MKDIR] = s->progs.fl_lsm_inode_mkdir,
		[FL_PROG_LSM_INODE_RENAME] = s->progs.fl_lsm_inode_rename,
		[FL_PROG_LSM_MMAP_FILE] = s->progs.fl_lsm_mmap_file,
		[FL_PROG_LSM_TASK_ALLOC] = s->progs.fl_lsm_task_alloc,
		[FL_PROG_FMOD_FILE_OPEN] = s->progs.fl_fmod_file_open,
		[FL_PROG_FMOD_FILE_PERMISSION] = s->progs.fl_fmod_file_permission,
		[FL_PROG_FMOD_INODE_UNLINK] = s->progs.fl_fmod_inode_unlink,
		[FL_PROG_FMOD_INODE_RMDIR] = s->progs.fl_fmod_inode_rmdir,
		[FL_PROG_FMOD_INODE_MKDIR] = s->progs.fl_fmod_inode_mkdir,
		[FL_PROG_FMOD_INODE_RENAME] = s->progs.fl_fmod_inode_rename,
		[FL_PROG_FMOD_MMAP_FILE] = s->progs.fl_fmod_mmap_file,
		[FL_PROG_FMOD_TASK_ALLOC] = s->progs.fl_fmod_task_alloc,
		[FL_PROG_FMOD_SYS0 + 0] = s->progs.fl_fmod_sys0,
		[FL_PROG_FMOD_SYS0 + 1] = s->progs.fl_fmod_sys1,
		[FL_PROG_FMOD_SYS0 + 2] = s->progs.fl_fmod_sys2,
		[FL_PROG_FMOD_SYS0 + 3] = s->progs.fl_fmod_sys3,
		[FL_PROG_FMOD_SYS0 + 4] = s->progs.fl_fmod_sys4,
		[FL_PROG_FMOD_SYS0 + 5] = s->progs.fl_fmod_sys5,
		[FL_PROG_FMOD_SYS0 + 6] = s->progs.fl_fmod_sys6,
		[FL_PROG_FMOD_SYS0 + 7] = s->progs.fl_fmod_sys7,
		[FL_PROG_KPROBE_SYS] = s->progs.fl_kprobe_sys,
	};
	_Static_assert(FL_PROG_KPROBE_SYS == FL_PROG_FMOD_SYS0 + 8,
		       "one fl_fmod_sysN program of sys.bpf.c per FL_SYS_MAX_BYNAME");

	return id > FL_PROG_NONE && id < FL_PROG__COUNT ? progs[id] : NULL;
}

/* Only the plan's programs load; a by-name fmod_ret is verified against its syscall. */
static int configure(struct sys_run *run, const struct fl_sys_plan *p)
{
	struct bpf_program *prog;
	int i, j, e;

	bpf_object__for_each_program(prog, run->skel->obj)
		bpf_program__set_autoload(prog, false);
	for (i = 0; i < p->nsteps; i++) {
		const struct fl_sys_step *s = &p->steps[i];

		for (j = 0; j < s->nprogs; j++) {
			prog = fl_sys_prog(run->skel, s->progs[j]);
			if (!prog)
				return -ENOENT;
			bpf_program__set_autoload(prog, true);
			if (s->mech != FL_MECH_FMOD_RET || !s->sym[0])
				continue;
			e = bpf_program__set_attach_target(prog, 0, s->sym);
			if (e)
				return e;
		}
	}
	return 0;
}

static int load(struct sys_run *run, const struct fl_sys_plan *p, const struct fl_sys_start *st)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = FL_PIN_ROOT);
	int e;

	run->skel = sys_bpf__open_opts(&oo);
	if (!run->skel)
		return -errno;
	run->skel->rodata->fl_generation = st->generation;
	run->skel->rodata->fl_exp_id = st->exp_id;
	run->skel->rodata->fl_seed = st->seed;
	run->skel->rodata->fl_fault_index = st->index;
	run->skel->rodata->targ_cgid = st->target->cgid;
	run->skel->rodata->targ_level = st->target->level;
	run->skel->rodata->targ_set_retval = p->set_retval;
	e = configure(run, p);
	if (e)
		return e;
	e = sys_bpf__load(run->skel);
	return e ? -errno ?: e : 0;
}

static int update_rule(struct sys_run *run)
{
	__u32 zero = 0;

	return bpf_map__update_elem(run->skel->maps.fl_sys_rule, &zero, sizeof(zero),
				    &run->rule, sizeof(run->rule), BPF_ANY);
}

/* Inert until fl_sys_arm(): every hook of the object reads this one rule. */
static int write_rule(struct sys_run *run, const struct fl_sys_conf *c,
		      const struct fl_sys_plan *p)
{
	run->rule = (struct fl_sys_rule){
		.deadline_ns = FL_DEADLINE_INERT,
		.prob = c->prob,
		.after = c->after,
		.count = c->count,
		.path_ino = c->path_ino,
		.path_dev = c->path_dev,
		.calls = p->calls,
		.errnum = c->errnum,
	};
	return update_rule(run);
}

/* Did an earlier step attach this program already? read and write share file_permission. */
static bool attached(const struct fl_sys_plan *p, int upto, enum fl_sys_prog prog, const char *sym)
{
	int i, j;

	/* A kprobe attaches once per symbol. */
	for (i = 0; i < upto; i++)
		for (j = 0; j < p->steps[i].nprogs; j++)
			if (p->steps[i].progs[j] == prog && !strcmp(p->steps[i].sym, sym))
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

static int attach_all(struct sys_run *run, const struct fl_sys_plan *p,
		      const struct fl_target *t, char *err)
{
	struct bpf_link *link;
	int i, j;

	run->cgfd = open(t->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (run->cgfd < 0)
		return fl_sys_err(err, -errno, "cannot open cgroup %s: %s", t->path, strerror(errno));
	for (i = 0; i < p->nsteps; i++) {
		const struct fl_sys_step *s = &p->steps[i];

		for (j = 0; j < s->nprogs; j++) {
			if (attached(p, i, s->progs[j], s->sym) || run->nlinks == MAX_LINKS)
				continue;
			link = attach_prog(run, s, fl_sys_prog(run->skel, s->progs[j]));
			if (!link)
				return fl_sys_err(err, -errno, "%s: attaching %s failed: %s", s->name,
						  s->hooks, strerror(errno));
			run->links[run->nlinks++] = link;
		}
	}
	return 0;
}

static int start(struct sys_run *run, const struct fl_sys_conf *c, const struct fl_sys_plan *p,
		 const struct fl_sys_start *st, char *err)
{
	int e;

	e = load(run, p, st);
	if (e)
		return fl_sys_err(err, e, "loading the programs failed: %s (-v shows the verifier's log)",
				  strerror(-e));
	e = write_rule(run, c, p);
	if (e)
		return fl_sys_err(err, e, "cannot write the rule: %s", strerror(-e));
	/* `status`, `metrics` and `list` read the counters from here. */
	e = bpf_map__pin(run->skel->maps.fl_sys_stats, run->pin_prefix);
	if (e)
		return fl_sys_err(err, e, "cannot pin the counters at %s: %s", run->pin_prefix, strerror(-e));
	run->pinned_stats = true;
	return attach_all(run, p, st->target, err);
}

int fl_sys_attach(struct sys_run **out, const struct fl_sys_conf *c, const struct fl_sys_plan *p,
		  const struct fl_sys_start *st, char *err)
{
	struct sys_run *run = calloc(1, sizeof(*run));
	int e;

	*out = NULL;
	if (!run)
		return -ENOMEM;
	run->cgfd = -1;
	snprintf(run->pin_prefix, sizeof(run->pin_prefix), "%s", st->pin_prefix);
	e = start(run, c, p, st, err);
	if (e) {
		if (run->pinned_stats)
			bpf_map__unpin(run->skel->maps.fl_sys_stats, run->pin_prefix);
		fl_sys_detach(run, NULL);
		return e;
	}
	*out = run;
	return 0;
}

/*
 * The rule again, only its deadline changed. The kernel copies it in place,
 * not atomically (copy_map_value()): a hook reading it meanwhile sees every
 * other field as it was, and a deadline mixed of the old and new bytes,
 * which either has passed (the call goes through, as it would have a
 * moment before) or has not (it fails, as with the live fault).
 */
int fl_sys_arm(struct sys_run *run, uint64_t deadline_ns)
{
	run->rule.deadline_ns = deadline_ns;
	return update_rule(run);
}

int fl_sys_read(struct sys_run *run, struct fl_sys_stats *st)
{
	__u32 zero = 0;
	int e;

	e = bpf_map__lookup_elem(run->skel->maps.fl_sys_stats, &zero, sizeof(zero),
				 st, sizeof(*st), 0);
	if (e)
		memset(st, 0, sizeof(*st));
	return e;
}

int fl_sys_hooks(const struct sys_run *run)
{
	return run->nlinks;
}

int fl_sys_detach(struct sys_run *run, struct fl_sys_stats *final)
{
	int i, e = 0;

	if (!run)
		return 0;
	/* Detach first: from here on the target's calls run untouched. */
	for (i = run->nlinks - 1; i >= 0; i--) {
		bpf_link__destroy(run->links[i]);
	}
	if (final)
		e = run->skel ? fl_sys_read(run, final) : -ENOENT;
	sys_bpf__destroy(run->skel);
	if (run->cgfd >= 0)
		close(run->cgfd);
	free(run);
	return e;
}

int fl_sys_read_pinned(const char *pin_prefix, struct fl_sys_stats *st)
{
	__u32 zero = 0;
	int fd, e = 0;

	memset(st, 0, sizeof(*st));
	fd = bpf_obj_get(pin_prefix);
	if (fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(fd, &zero, st))
		e = -errno;
	close(fd);
	return e;
}
