// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "netdev.h"
#include "parse.h"
#include "sysfs.h"

/* libbpf 1.1 and Debian 12's headers predate tcx (Linux 6.6); the UAPI values are fixed. */
#define FL_BPF_TCX_INGRESS	46
#define FL_BPF_TCX_EGRESS	47
#define FL_BPF_F_BEFORE		(1U << 3)
/* Our clsact filters: a priority few others pick, so we never collide. */
#define FL_TC_PRIO		0xfa17

/* Some process in the cgroup or below it (depth-first), or 0. */
static int first_pid(const char *dir, int depth)
{
	char path[PATH_MAX], buf[4096];
	struct dirent *de;
	int pid = 0;
	DIR *dh;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (fl_read_file(path, buf, sizeof(buf)) > 0)
		pid = atoi(buf);
	if (pid || depth > 16 || !(dh = opendir(dir)))
		return pid;
	while (!pid && (de = readdir(dh))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		pid = first_pid(path, depth + 1);
	}
	closedir(dh);
	return pid;
}

int fl_enter_cgroup_netns(const char *cgroup_path, char *err)
{
	char path[64];
	struct stat self, other;
	int pid, fd, rc = 0;

	pid = first_pid(cgroup_path, 0);
	if (!pid)
		return 0;	/* nobody there yet: they will share ours */
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	if (stat(path, &other) || stat("/proc/self/ns/net", &self))
		return 0;	/* the process left; keep ours */
	if (self.st_ino == other.st_ino)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		snprintf(err, FL_ERRLEN, "cannot enter the network namespace of pid %d: %s", pid,
			 strerror(errno));
		rc = -errno;
	}
	if (fd >= 0)
		close(fd);
	pr_debug("entered the netns of pid %d\n", pid);
	return rc;
}

int fl_netns_here(void)
{
	return open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
}

int fl_netns_enter(int fd)
{
	int orig;

	if (fd < 0)
		return -1;
	orig = fl_netns_here();
	if (orig >= 0 && setns(fd, CLONE_NEWNET)) {
		close(orig);
		return -1;
	}
	return orig;
}

void fl_netns_leave(int orig)
{
	if (orig < 0)
		return;
	if (setns(orig, CLONE_NEWNET))
		pr_warn("cannot return to faultline's network namespace: %s\n", strerror(errno));
	close(orig);
}

/* The first default route's device, from /proc/self/net/route (this netns). */
static int default_route_dev(char *name, size_t size)
{
	char line[512], dev[IF_NAMESIZE + 1];
	unsigned long dest;
	FILE *f = fopen("/proc/self/net/route", "re");
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (rc && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%16s %lx", dev, &dest) == 2 && dest == 0) {
			snprintf(name, size, "%s", dev);
			rc = 0;
		}
	}
	fclose(f);
	return rc;
}

int fl_netdev_pick(struct fl_netdev *d, const char *name, char *err)
{
	memset(d, 0, sizeof(*d));
	d->egress.link_fd = d->ingress.link_fd = -1;
	if (name) {
		snprintf(d->name, sizeof(d->name), "%s", name);
	} else if (default_route_dev(d->name, sizeof(d->name))) {
		snprintf(err, FL_ERRLEN,
			 "cannot choose a device: the target's network namespace has no default route; give --dev");
		return -ENOENT;
	}
	d->ifindex = if_nametoindex(d->name);
	if (!d->ifindex) {
		snprintf(err, FL_ERRLEN, "no device '%s' in the target's network namespace", d->name);
		return -ENODEV;
	}
	return 0;
}

int fl_netdev_list(struct fl_devlist *l, const char *name, char *err)
{
	struct if_nameindex *all, *i;

	memset(l, 0, sizeof(*l));
	if (name) {
		l->d[0].ifindex = if_nametoindex(name);
		snprintf(l->d[0].name, sizeof(l->d[0].name), "%s", name);
		l->n = l->d[0].ifindex ? 1 : 0;
		if (!l->n)
			snprintf(err, FL_ERRLEN, "no device '%s' in the target's network namespace", name);
		return l->n ? 0 : -EINVAL;
	}
	all = if_nameindex();
	if (!all) {
		snprintf(err, FL_ERRLEN, "cannot list the target's network devices: %s", strerror(errno));
		return -errno;
	}
	for (i = all; i->if_index && l->n < FL_DEVS_MAX; i++, l->n++) {
		l->d[l->n].ifindex = i->if_index;
		snprintf(l->d[l->n].name, sizeof(l->d[0].name), "%s", i->if_name);
	}
	if_freenameindex(all);
	return 0;
}

static void fq_opts_for(uint64_t max_delay_ns, struct nl_fq_opts *o)
{
	/*
	 * fq holds every delayed packet: a flow sending R packets/s keeps
	 * R * delay of them queued. Budget 20k packets/s per flow before the
	 * flow limit bites (fq's default of 100 overflows at 2k/s for 50 ms),
	 * and ten such flows in all; the horizon must exceed the delay.
	 */
	uint64_t per_flow = max_delay_ns / 1000000ULL * 20 + 100;

	o->flow_limit = per_flow > 100000 ? 100000 : per_flow;
	o->limit = o->flow_limit * 10 < 10000 ? 10000 : o->flow_limit * 10;
	o->horizon_us = max_delay_ns / 1000 + 1000000;
}

int fl_netdev_fq_plan(const char *name, int rc, const struct nl_qdisc_info *q, bool force,
		      char *err)
{
	if (rc && rc != -ENOENT) {
		snprintf(err, FL_ERRLEN, "cannot read the root qdisc of %s: %s", name, strerror(-rc));
		return rc;
	}
	if (rc || q->is_default)
		return FL_FQ_INSTALL;
	if (!strcmp(q->kind, "fq") && q->handle == NL_FQ_HANDLE) {
		snprintf(err, FL_ERRLEN, "another faultline experiment is delaying traffic on %s; "
			 "stop it first ('faultline list'), or put both delays in one experiment", name);
		return -EBUSY;
	}
	if (!strcmp(q->kind, "fq"))
		return FL_FQ_REUSE;	/* someone's fq honours EDT: use it, change nothing */
	if (force)
		return FL_FQ_FORCED;
	snprintf(err, FL_ERRLEN,
		 "root qdisc of %s is '%s' (handle %x:), someone's configuration; delay needs fq there. "
		 "Refusing to replace it (--force attaches anyway, without fq)", name, q->kind,
		 q->handle >> 16);
	return -EBUSY;
}

int fl_netdev_ensure_fq(struct fl_netdev *d, int ifindex, uint64_t max_delay_ns, bool force,
			bool *made, char *err)
{
	struct nl_qdisc_info q;
	struct nl_fq_opts o;
	int rc;

	rc = nl_qdisc_root(ifindex, &q);
	rc = fl_netdev_fq_plan(d->name, rc, &q, force, err);
	if (rc == FL_FQ_FORCED)
		pr_warn("root qdisc %s is not fq: delays hold only if it honours skb->tstamp\n", q.kind);
	if (rc != FL_FQ_INSTALL)
		return rc < 0 ? rc : 0;
	fq_opts_for(max_delay_ns, &o);
	rc = nl_qdisc_add_fq(ifindex, &o, false);
	if (rc) {
		snprintf(err, FL_ERRLEN, "cannot install fq on %s: %s%s", d->name, strerror(-rc),
			 rc == -ENOENT ? " (no sch_fq in this kernel: see 'faultline doctor')" : "");
		return rc;
	}
	*made = true;
	return 0;
}

int fl_netdev_make_ifb(struct fl_netdev *d, uint64_t max_delay_ns, char *err)
{
	int rc;

	fl_netdev_ifb_name(getpid(), d->ifb, sizeof(d->ifb));
	rc = nl_link_add_ifb(d->ifb);
	if (rc) {
		snprintf(err, FL_ERRLEN, "cannot create ifb device %s for ingress delay: %s%s", d->ifb,
			 strerror(-rc), rc == -EOPNOTSUPP ? " (kernel lacks CONFIG_IFB)" : "");
		d->ifb[0] = '\0';
		return rc;
	}
	d->ifb_ifindex = if_nametoindex(d->ifb);
	rc = d->ifb_ifindex ? nl_link_set_up(d->ifb_ifindex) : -ENODEV;
	if (!rc)
		rc = fl_netdev_ensure_fq(d, d->ifb_ifindex, max_delay_ns, false, &d->made_ifb_fq, err);
	else
		snprintf(err, FL_ERRLEN, "cannot bring up %s: %s", d->ifb, strerror(-rc));
	return rc;
}

static void attach_init(struct fl_tc_attach *a, int ifindex, bool ingress, uint32_t handle)
{
	memset(a, 0, sizeof(*a));
	a->link_fd = -1;
	a->ifindex = ifindex;
	a->ingress = ingress;
	a->handle = handle;
}

/* clsact on the device, remembering whether it was ours to remove later. */
static int ensure_clsact(struct fl_tc_attach *a, char *err)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
		    .attach_point = a->ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	int rc = bpf_tc_hook_create(&hook);

	if (rc && rc != -EEXIST) {
		snprintf(err, FL_ERRLEN, "cannot create clsact: %s", strerror(-rc));
		return rc;
	}
	a->made_clsact = rc == 0;
	return 0;
}

/* Our filter is in place: teardown removes it by handle and priority. */
static void filter_added(struct fl_tc_attach *a)
{
	a->filter = true;
	a->prio = FL_TC_PRIO;
}

/* Ingress through the ifb: a clsact filter with a mirred action. */
int fl_tc_attach_redirect(struct fl_tc_attach *a, int ifindex, int prog_fd, int ifb_ifindex,
			  char *err)
{
	int rc;

	attach_init(a, ifindex, true, FL_TC_HANDLE);
	rc = ensure_clsact(a, err);
	if (rc)
		return rc;
	rc = nl_filter_add_bpf_mirred(ifindex, FL_TC_PRIO, FL_TC_HANDLE, prog_fd, "fl_tc_ingress",
				      ifb_ifindex);
	if (rc) {
		snprintf(err, FL_ERRLEN, "cannot add the ingress filter with a mirred redirect: %s%s",
			 strerror(-rc), rc == -ENOENT ? " (no act_mirred in this kernel)" : "");
		fl_tc_detach(a);
		return rc;
	}
	filter_added(a);
	return 0;
}

static int clsact_attach(struct fl_tc_attach *a, int prog_fd, char *err)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
		    .attach_point = a->ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = a->handle, .priority = FL_TC_PRIO,
		    .prog_fd = prog_fd);
	int rc;

	rc = ensure_clsact(a, err);
	if (rc)
		return rc;
	rc = bpf_tc_attach(&hook, &opts);
	if (rc) {
		snprintf(err, FL_ERRLEN, "cannot attach the tc filter: %s%s", strerror(-rc),
			 rc == -EEXIST ? " (another faultline experiment holds this device)" : "");
		fl_tc_detach(a);
		return rc;
	}
	filter_added(a);
	return 0;
}

/*
 * A tcx link at the head of the device's chain. Our programs return "next"
 * for every packet they leave alone, so the host's programs after ours
 * run as before; at the tail, a host program that passes a packet
 * (TCX_PASS) would end the chain before ours. Raw bpf(2): libbpf 1.1
 * knows no tcx options, and BPF_F_BEFORE with no relative program means
 * "first" (kernel/bpf/mprog.c).
 */
static int tcx_link_first(int prog_fd, int ifindex, bool ingress)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = prog_fd;
	attr.link_create.target_ifindex = ifindex;
	attr.link_create.attach_type = ingress ? FL_BPF_TCX_INGRESS : FL_BPF_TCX_EGRESS;
	attr.link_create.flags = FL_BPF_F_BEFORE;
	return syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
}

int fl_tc_attach(struct fl_tc_attach *a, int ifindex, bool ingress, int prog_fd, bool use_tcx,
		 uint32_t handle, char *err)
{
	attach_init(a, ifindex, ingress, handle);
	if (!use_tcx)
		return clsact_attach(a, prog_fd, err);
	/* A link dies with us: nothing is left on the device if we crash. */
	a->link_fd = tcx_link_first(prog_fd, ifindex, ingress);
	if (a->link_fd < 0) {
		int rc = -errno;

		snprintf(err, FL_ERRLEN, "cannot create a tcx link: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

void fl_tc_detach(struct fl_tc_attach *a)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
		    .attach_point = a->ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = a->handle, .priority = a->prio);

	if (a->link_fd >= 0)
		close(a->link_fd);
	a->link_fd = -1;
	if (a->filter)
		bpf_tc_detach(&hook, &opts);
	/* Removing clsact removes both directions: only when we made it. */
	if (a->made_clsact) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
	a->filter = a->made_clsact = false;
}

void fl_netdev_restore(struct fl_netdev *d)
{
	fl_tc_detach(&d->ingress);
	fl_tc_detach(&d->egress);
	if (d->ifb_ifindex)
		nl_link_del(d->ifb_ifindex);	/* takes its fq with it */
	d->ifb_ifindex = 0;
	/* Deleting our root fq makes the kernel attach its default again. */
	if (d->made_fq && nl_qdisc_del_root(d->ifindex))
		pr_warn("could not remove fq from %s: restore it with 'tc qdisc del dev %s root'\n",
			d->name, d->name);
	d->made_fq = false;
}

int fl_netdev_fq_stats(const struct fl_netdev *d, struct nl_qdisc_info *dev_fq,
		       struct nl_qdisc_info *ifb_fq)
{
	int rc;

	memset(ifb_fq, 0, sizeof(*ifb_fq));
	rc = nl_qdisc_root(d->ifindex, dev_fq);
	if (!rc && d->ifb_ifindex)
		rc = nl_qdisc_root(d->ifb_ifindex, ifb_fq);
	return rc;
}

void fl_netdev_ifb_name(int pid, char *buf, size_t size)
{
	snprintf(buf, size, "flifb%d", pid % 100000);
}

/*
 * After a crash: remove what faultline puts on a device and nothing else.
 * Our filters carry prio fa17 and handle fa17 (delay) or fa18 (drop), our fq handle fa17:, our ifb the
 * controller's pid; a clsact we made goes only once no filter is left on it.
 */
/* Our filter (or, with filter false and made_clsact, our clsact) on one side. */
static void sweep_detach(int ifindex, bool ingress, uint32_t handle, bool made_clsact)
{
	struct fl_tc_attach a = { .ifindex = ifindex, .ingress = ingress, .link_fd = -1,
				  .filter = handle != 0, .made_clsact = made_clsact,
				  .handle = handle, .prio = FL_TC_PRIO };

	fl_tc_detach(&a);
}

int fl_netdev_sweep(int ifindex, const char *name, int ctl_pid, bool made_clsact)
{
	struct nl_qdisc_info q;
	char now[IF_NAMESIZE], ifb[IF_NAMESIZE];
	int ifb_index;

	if (!if_indextoname(ifindex, now) || strcmp(now, name))
		ifindex = if_nametoindex(name);
	if (ifindex) {
		sweep_detach(ifindex, false, FL_TC_HANDLE, false);
		sweep_detach(ifindex, false, FL_TC_HANDLE_DROP, false);
		sweep_detach(ifindex, true, FL_TC_HANDLE, false);
		if (made_clsact && nl_filter_count(ifindex, true) == 0 &&
		    nl_filter_count(ifindex, false) == 0)
			sweep_detach(ifindex, true, 0, true);
		if (!nl_qdisc_root(ifindex, &q) && !strcmp(q.kind, "fq") && q.handle == NL_FQ_HANDLE)
			nl_qdisc_del_root(ifindex);
	}
	fl_netdev_ifb_name(ctl_pid, ifb, sizeof(ifb));
	ifb_index = if_nametoindex(ifb);
	if (ifb_index)
		nl_link_del(ifb_index);
	return 0;
}
