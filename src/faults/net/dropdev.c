// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Where an egress drop acts: its tc program on every device of every
 * network namespace the target's processes are in (net.bpf.h says why tc
 * and not cgroup_skb). A target moves: a process enters another namespace
 * (a container starts), a device appears. fl_drop_follow(), on each tick
 * of the runner, attaches to what is new, so the fault follows its
 * target and not the map of devices it had at the start.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "dropdev.h"
#include "log.h"
#include "netload.h"
#include "netdev.h"
#include "target.h"

struct drop_ns {
	uint64_t ino;
	int fd;
	int n;					/* attachments */
	struct fl_tc_attach at[FL_DEVS_MAX];
	char name[FL_DEVS_MAX][IF_NAMESIZE];
};

struct fl_drop_devs {
	int prog_fd;
	bool tcx;
	char only[IF_NAMESIZE];			/* --dev, or "" for every device */
	char cgroup[PATH_MAX];
	const struct fl_fault_ctx *ctx;		/* notes, as it follows */
	int nns, nfilters;
	bool warned;
	struct drop_ns ns[FL_DROP_NS_MAX];
};

/* The network namespaces of a cgroup tree's processes, by inode. */
struct ns_scan {
	int n;
	uint64_t ino[FL_DROP_NS_MAX];
	int pid[FL_DROP_NS_MAX];
	bool more;				/* another namespace did not fit */
};

static int scan_pid(int pid, void *arg)
{
	struct ns_scan *sc = arg;
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	if (stat(path, &st))
		return 0;	/* it exited */
	for (int i = 0; i < sc->n; i++)
		if (sc->ino[i] == st.st_ino)
			return 0;
	if (sc->n == FL_DROP_NS_MAX) {
		sc->more = true;
		return 0;
	}
	sc->ino[sc->n] = st.st_ino;
	sc->pid[sc->n++] = pid;
	return 0;
}

/* No process yet: the namespace they will most likely share is ours. */
static void scan_target(const char *cgroup, struct ns_scan *sc)
{
	memset(sc, 0, sizeof(*sc));
	fl_cgroup_each_pid(cgroup, scan_pid, sc);
	if (!sc->n)
		scan_pid(getpid(), sc);
}

static int open_ns(const struct ns_scan *sc, int i)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", sc->pid[i]);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* Run fn in namespace fd, and come back. */
static int in_ns(int fd, int (*fn)(void *arg), void *arg)
{
	int orig = fl_netns_enter(fd), rc;

	if (orig < 0)
		return -errno ?: -EINVAL;
	rc = fn(arg);
	fl_netns_leave(orig);
	return rc;
}

static bool attached(const struct drop_ns *ns, int ifindex)
{
	for (int i = 0; i < ns->n; i++)
		if (ns->at[i].ifindex == ifindex)
			return true;
	return false;
}

struct attach_job {
	struct fl_drop_devs *d;
	struct drop_ns *ns;
	char *err;
	int added;
};

/* The record names a clsact filter before it is added: a crash can undo it. */
static int note_filter(const struct fl_drop_devs *d, int ifindex, const char *name, char *err)
{
	if (d->nfilters >= FL_NET_CLSACT_DEVS) {
		snprintf(err, FL_ERRLEN, "without tcx (Linux 6.6) each device takes a clsact filter, "
			 "and the target's namespaces have more than %d devices: give --dev",
			 FL_NET_CLSACT_DEVS);
		return -E2BIG;
	}
	return fl_net_note_dev(d->ctx, ifindex, name, err);
}

/* In the namespace: every device not attached yet. A device gone meanwhile is skipped. */
static int attach_new(void *arg)
{
	struct attach_job *j = arg;
	struct fl_drop_devs *d = j->d;
	struct drop_ns *ns = j->ns;
	struct fl_devlist l;
	char why[FL_ERRLEN];
	int rc;

	rc = fl_netdev_list(&l, d->only[0] ? d->only : NULL, why);
	if (rc)
		return rc == -EINVAL ? 0 : rc;	/* --dev is not in this namespace */
	for (int i = 0; i < l.n && ns->n < FL_DEVS_MAX; i++) {
		if (attached(ns, l.d[i].ifindex))
			continue;
		if (!d->tcx && (rc = note_filter(d, l.d[i].ifindex, l.d[i].name, j->err)))
			return rc;
		rc = fl_tc_attach(&ns->at[ns->n], l.d[i].ifindex, false, d->prog_fd, d->tcx,
				  FL_TC_HANDLE_DROP, why);
		if (rc == -ENODEV)
			continue;
		if (rc) {
			snprintf(j->err, FL_ERRLEN, "egress drop on %s: %s", l.d[i].name, why);
			return rc;
		}
		d->nfilters += !d->tcx;
		snprintf(ns->name[ns->n], IF_NAMESIZE, "%s", l.d[i].name);
		ns->n++;
		j->added++;
	}
	return 0;
}

static struct drop_ns *ns_find(struct fl_drop_devs *d, const struct ns_scan *sc, int i)
{
	struct drop_ns *ns;

	for (int k = 0; k < d->nns; k++)
		if (d->ns[k].ino == sc->ino[i])
			return &d->ns[k];
	if (d->nns == FL_DROP_NS_MAX)
		return NULL;
	ns = &d->ns[d->nns];
	memset(ns, 0, sizeof(*ns));
	ns->fd = open_ns(sc, i);
	if (ns->fd < 0)
		return NULL;	/* the process exited: the next tick sees the others */
	ns->ino = sc->ino[i];
	d->nns++;
	return ns;
}

/* Attach to what is new in the target's namespaces; how many, or -errno with err. */
static int attach_round(struct fl_drop_devs *d, char *err)
{
	struct attach_job j = { .d = d, .err = err };
	struct ns_scan sc;
	int rc = 0;

	scan_target(d->cgroup, &sc);
	for (int i = 0; i < sc.n && !rc; i++) {
		j.ns = ns_find(d, &sc, i);
		if (j.ns)
			rc = in_ns(j.ns->fd, attach_new, &j);
	}
	if (!rc && sc.more && !d->warned) {
		pr_warn("the target's processes are in more than %d network namespaces: the egress "
			"drop covers %d of them\n", FL_DROP_NS_MAX, FL_DROP_NS_MAX);
		d->warned = true;
	}
	return rc ? rc : j.added;
}

int fl_drop_start(struct fl_drop_devs **out, const struct fl_drop_conf *c, char *err)
{
	struct fl_drop_devs *d = calloc(1, sizeof(*d));
	int rc;

	*out = NULL;
	if (!d)
		return -ENOMEM;
	d->prog_fd = c->prog_fd;
	d->tcx = c->tcx;
	d->ctx = c->ctx;
	snprintf(d->only, sizeof(d->only), "%s", c->only ?: "");
	snprintf(d->cgroup, sizeof(d->cgroup), "%s", c->cgroup);
	rc = attach_round(d, err);
	if (rc == 0 && d->only[0]) {
		snprintf(err, FL_ERRLEN, "no device '%s' in the target's network namespace", d->only);
		rc = -EINVAL;
	}
	if (rc < 0) {
		fl_drop_stop(d);
		return rc;
	}
	*out = d;
	return 0;
}

void fl_drop_follow(struct fl_drop_devs *d)
{
	char err[FL_ERRLEN];
	int rc = attach_round(d, err);

	if (rc > 0)
		pr_debug("egress drop: attached to %d more device(s)\n", rc);
	else if (rc < 0 && !d->warned) {
		pr_warn("egress drop cannot follow the target: %s\n", err);
		d->warned = true;
	}
}

static int detach_ns(void *arg)
{
	struct drop_ns *ns = arg;

	for (int i = 0; i < ns->n; i++)
		fl_tc_detach(&ns->at[i]);
	ns->n = 0;
	return 0;
}

void fl_drop_detach(struct fl_drop_devs *d)
{
	for (int k = 0; d && k < d->nns; k++)
		in_ns(d->ns[k].fd, detach_ns, &d->ns[k]);
}

void fl_drop_stop(struct fl_drop_devs *d)
{
	if (!d)
		return;
	fl_drop_detach(d);
	for (int k = 0; k < d->nns; k++)
		close(d->ns[k].fd);
	free(d);
}

/* ---------------------------------------------------- the plan, touching nothing */

struct list_job {
	const char *only;
	struct fl_devlist *l;
	char *err;
};

static int list_into(void *arg)
{
	struct list_job *j = arg;
	struct fl_devlist here;
	int rc = fl_netdev_list(&here, j->only, j->err);

	if (rc)
		return rc == -EINVAL ? 0 : rc;
	for (int i = 0; i < here.n && j->l->n < FL_DEVS_MAX; i++)
		j->l->d[j->l->n++] = here.d[i];
	return 0;
}

int fl_drop_plan(const char *cgroup, const char *only, bool tcx, struct fl_devlist *l, int *nns,
		 char *err)
{
	struct list_job j = { .only = only, .l = l, .err = err };
	struct ns_scan sc;
	int rc = 0, fd;

	memset(l, 0, sizeof(*l));
	scan_target(cgroup, &sc);
	for (int i = 0; i < sc.n && !rc; i++) {
		fd = open_ns(&sc, i);
		rc = fd < 0 ? 0 : in_ns(fd, list_into, &j);
		if (fd >= 0)
			close(fd);
	}
	*nns = sc.n;
	if (!rc && only && !l->n) {
		snprintf(err, FL_ERRLEN, "no device '%s' in the target's network namespace", only);
		rc = -EINVAL;
	}
	if (!rc && !tcx && l->n > FL_NET_CLSACT_DEVS) {
		snprintf(err, FL_ERRLEN, "without tcx (Linux 6.6) each device takes a clsact filter, "
			 "and the target's namespaces have %d devices, more than %d: give --dev", l->n,
			 FL_NET_CLSACT_DEVS);
		rc = -E2BIG;
	}
	return rc;
}

int fl_drop_names(const struct fl_drop_devs *d, struct fl_devlist *l)
{
	memset(l, 0, sizeof(*l));
	for (int k = 0; k < d->nns; k++)
		for (int i = 0; i < d->ns[k].n && l->n < FL_DEVS_MAX; i++, l->n++) {
			l->d[l->n].ifindex = d->ns[k].at[i].ifindex;
			snprintf(l->d[l->n].name, sizeof(l->d[0].name), "%s", d->ns[k].name[i]);
		}
	return d->nns;
}
