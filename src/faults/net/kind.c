// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Network faults as one fl_fault_kind: the engine's calls, over the
 * options (options.c) and the loader (net.c). Nothing here prints: errors
 * go back in err, and the engine says what happened.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "fault.h"
#include "json.h"
#include "net.h"
#include "dropdev.h"
#include "netdev.h"
#include "netload.h"
#include "netopts.h"
#include "nl.h"
#include "parse.h"
#include "probe.h"

/* What prepare found, for the dry run, plan_json and start's mechanism. */
struct net_plan {
	char dev[IF_NAMESIZE];		/* delay: the device, as picked in the target's netns */
	struct fl_devlist devs;		/* egress drop: the devices it attaches to */
	int nns;			/* in this many network namespaces */
};

static const struct fl_net_conf *conf_of(const struct fl_fault *f)
{
	return f->conf;
}

/* By the action, not the conf: a fault read back from a record has none. */
static bool is_delay(const struct fl_fault *f)
{
	return f->action == FL_NET_DELAY;
}

/*
 * The device in the target's network namespace, and what start would do
 * with its root qdisc (fl_netdev_fq_plan()), all read, nothing changed.
 */
static int find_device(const struct fl_fault *f, const struct fl_target *t, struct net_plan *p,
		       char *err)
{
	const struct fl_net_conf *c = conf_of(f);
	struct nl_qdisc_info q;
	struct fl_netdev d;
	int orig = fl_netns_here(), rc;

	rc = fl_enter_cgroup_netns(t->path, err);
	if (!rc) {
		rc = fl_netdev_pick(&d, c->dev[0] ? c->dev : NULL, err);
		if (rc == -ENOENT || rc == -ENODEV)
			rc = -EINVAL;	/* what the user named, or must name */
	}
	if (!rc) {
		snprintf(p->dev, sizeof(p->dev), "%s", d.name);
		rc = fl_netdev_fq_plan(d.name, nl_qdisc_root(d.ifindex, &q), &q, f->force, err);
	}
	fl_netns_leave(orig);
	return rc;
}

static int prepare_delay(struct fl_fault *f, const struct fl_target *t, struct net_plan *p,
			 char *err)
{
	struct fl_features ff = { 0 };
	int fq;

	fq = find_device(f, t, p, err);
	if (fq < 0)
		return fq;
	/* An fq we add (or the ifb's, for ingress) needs sch_fq; someone's fq proves it. */
	if ((fq == FL_FQ_INSTALL || (conf_of(f)->rule.dir & FL_DIR_INGRESS)) &&
	    !fl_probe_one(FEAT_SCH_FQ, &ff)) {
		snprintf(err, FL_ERRLEN, "net delay needs fq on %s, and this kernel has none: %s (see 'faultline doctor')",
			 p->dev, ff.f[FEAT_SCH_FQ].reason);
		return -EOPNOTSUPP;
	}
	snprintf(f->mechanism, sizeof(f->mechanism), "tc EDT (%s) + fq",
		 fl_probe_one(FEAT_TCX, &ff) ? "tcx link" : "clsact filter via netlink");
	snprintf(f->attach, sizeof(f->attach), "tc EDT + fq on %s of the target's network namespace",
		 p->dev);
	return 0;
}

/* "lo, eth0, veth1" as far as it fits, then "...". */
static void join_devs(const struct fl_devlist *l, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < l->n && n < size; i++) {
		if (n + strlen(l->d[i].name) + 8 >= size) {
			snprintf(buf + n, size - n, "...");
			return;
		}
		n += snprintf(buf + n, size - n, "%s%s", i ? ", " : "", l->d[i].name);
	}
}

static void drop_attach_text(const struct fl_fault *f, const struct fl_devlist *l, int nns,
			     char *buf, size_t size)
{
	uint32_t dir = conf_of(f)->rule.dir;
	char names[160];
	int n;

	if (!(dir & FL_DIR_EGRESS)) {
		snprintf(buf, size, "cgroup_skb ingress on the target cgroup");
		return;
	}
	join_devs(l, names, sizeof(names));
	n = snprintf(buf, size, "tc egress on %s of the target's network namespace%s (%s)",
		     conf_of(f)->dev[0] ? "the device" : "every device", nns > 1 ? "s" : "", names);
	if (dir & FL_DIR_INGRESS && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - n, ", cgroup_skb ingress on the target cgroup");
}

/*
 * Egress drop: the devices of the target's network namespace it would
 * attach to; a --dev that is not there is bad input.
 */
static int prepare_drop(struct fl_fault *f, const struct fl_target *t, struct net_plan *p,
			char *err)
{
	const struct fl_net_conf *c = conf_of(f);
	struct fl_features ff = { 0 };
	bool tcx = fl_probe_one(FEAT_TCX, &ff), out = c->rule.dir & FL_DIR_EGRESS;
	int rc = 0;

	if (out)
		rc = fl_drop_plan(t->path, c->dev[0] ? c->dev : NULL, tcx, &p->devs, &p->nns, err);
	if (rc)
		return rc;
	snprintf(f->mechanism, sizeof(f->mechanism), "%s%s%s",
		 out ? (tcx ? "tc egress (tcx links)" : "tc egress (clsact filters via netlink)") : "",
		 out && c->rule.dir & FL_DIR_INGRESS ? " + " : "",
		 c->rule.dir & FL_DIR_INGRESS ? (out ? "cgroup_skb ingress" :
						 "cgroup_skb (bpf_link on the target cgroup)") : "");
	drop_attach_text(f, &p->devs, p->nns, f->attach, sizeof(f->attach));
	return 0;
}

static int net_prepare(struct fl_fault *f, const struct fl_target *t, char *err)
{
	struct net_plan *p;
	int rc;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	rc = is_delay(f) ? prepare_delay(f, t, p, err) : prepare_drop(f, t, p, err);
	if (rc) {
		free(p);
		return rc;
	}
	free(f->plan);
	f->plan = p;
	return 0;
}

/* Egress drop: the devices as attached, or as planned; and their namespaces. */
static void drop_plan_json(const struct fl_fault *f, struct jw *w)
{
	struct net_plan *p = f->plan, now;
	int nns = f->state ? fl_net_session_drop_names(f->state, &now.devs) : -1;
	const struct fl_devlist *l = nns >= 0 ? &now.devs : p ? &p->devs : NULL;

	if (!l || !(conf_of(f)->rule.dir & FL_DIR_EGRESS))
		return;
	jw_key(w, "devices");
	jw_arr_open(w);
	for (int i = 0; i < l->n; i++)
		jw_str(w, l->d[i].name);
	jw_arr_close(w);
	jw_ku64(w, "network_namespaces", nns >= 0 ? nns : p->nns);
}

static void net_plan_json(const struct fl_fault *f, struct jw *w)
{
	const struct net_plan *p = f->plan;
	const char *ifb = f->state ? fl_net_session_ifb(f->state) : "";

	if (!is_delay(f)) {
		drop_plan_json(f, w);
		return;
	}
	jw_kstr(w, "device", f->state ? fl_net_session_dev(f->state) : p ? p->dev : "");
	if (ifb[0])
		jw_kstr(w, "ifb", ifb);
}

static int net_start(struct fl_fault *f, const struct fl_fault_ctx *ctx, char *err)
{
	struct net_session *s;
	int rc;

	rc = fl_net_load(&s, conf_of(f), ctx, err);
	if (rc)
		return rc;
	f->state = s;
	snprintf(f->mechanism, sizeof(f->mechanism), "%s", fl_net_session_mechanism(s));
	if (!is_delay(f)) {
		struct fl_devlist *l = malloc(sizeof(*l));
		int nns = l ? fl_net_session_drop_names(s, l) : -1;

		if (nns >= 0)
			drop_attach_text(f, l, nns, f->attach, sizeof(f->attach));
		free(l);
	}
	if (is_delay(f))
		snprintf(f->attach, sizeof(f->attach), "tc EDT + fq on %s of the target's network "
			 "namespace%s%s", fl_net_session_dev(s), fl_net_session_ifb(s)[0] ?
			 ", ingress through " : "", fl_net_session_ifb(s));
	return 0;
}

static void net_follow(struct fl_fault *f)
{
	if (f->state)
		fl_net_follow(f->state);
}

static void stats_of(const struct fl_counters *c, struct fl_fault_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->matched = c->matched;
	st->injected = c->injected;
	st->extra[FL_NET_STAT_DELAY] = c->delay_ns;
	st->extra[FL_NET_STAT_BYTES] = c->bytes;
	st->extra[FL_NET_STAT_SEGS] = c->segs;
	st->valid = true;
}

static void net_read(struct fl_fault *f, struct fl_fault_stats *st)
{
	struct fl_counters c;

	if (!f->state) {
		memset(st, 0, sizeof(*st));
		return;
	}
	fl_net_read(f->state, &c);
	stats_of(&c, st);
}

static void net_stop(struct fl_fault *f, struct fl_fault_stats *st)
{
	struct fl_net_final fin;

	if (!f->state)
		return;
	fl_net_unload(f->state, &fin);
	f->state = NULL;
	stats_of(&fin.c, st);
	st->extra[FL_NET_STAT_FQ_DROPS] = fin.fq_drops;
}

static void net_release(struct fl_fault *f)
{
	if (f->state)
		fl_net_unload(f->state, NULL);
	free(f->plan);
	f->state = f->plan = NULL;
}

static void net_detail(const struct fl_fault *f, const struct fl_fault_stats *st, char *buf,
		       size_t size)
{
	buf[0] = '\0';
	/* The delay as the program applied it: jitter and flow order included. */
	if (is_delay(f) && st->valid && st->injected)
		snprintf(buf, size, "delay %.2f ms avg",
			 st->extra[FL_NET_STAT_DELAY] / 1e6 / st->injected);
}

static int net_read_pinned(const char *pin_prefix, struct fl_fault_stats *st)
{
	struct fl_counters c;
	int fd, rc;

	memset(st, 0, sizeof(*st));
	fd = bpf_obj_get(pin_prefix);
	if (fd < 0)
		return -errno;
	rc = fl_net_sum_counters(fd, &c);
	close(fd);
	if (!rc)
		stats_of(&c, st);
	return rc;
}

/* ------------------------------------------------------------- events */

static const char *ev_proto(const struct fl_event *e)
{
	return fl_net_proto_name(e->proto) ?: "ip";
}

static const char *ev_dir(const struct fl_event *e)
{
	return e->dir == FL_DIR_EGRESS ? "egress" : "ingress";
}

static void net_event_json(const struct fl_event *e, struct jw *w)
{
	char addr[INET6_ADDRSTRLEN];

	fl_net_fmt_addr(e->addr, addr, sizeof(addr));
	jw_kstr(w, "direction", ev_dir(e));
	jw_kstr(w, "protocol", ev_proto(e));
	jw_kstr(w, "peer", addr);
	jw_ku64(w, "peer_port", e->rport);
	jw_ku64(w, "local_port", e->lport);
	jw_ku64(w, "len", e->len);
	if (e->kind == FL_EV_NET_DELAY)
		jw_ku64(w, "delay_ns", e->delay_ns);
}

/* "egress udp peer 10.0.0.2:53 lport 40000 len 50 delay 10ms"; IPv6 peers in brackets. */
static void net_event_text(const struct fl_event *e, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN], d[32];
	bool v6;
	int n;

	fl_net_fmt_addr(e->addr, addr, sizeof(addr));
	v6 = strchr(addr, ':') != NULL;
	n = snprintf(buf, size, "%s %s peer %s%s%s:%u lport %u len %u", ev_dir(e), ev_proto(e),
		     v6 ? "[" : "", addr, v6 ? "]" : "", e->rport, e->lport, e->len);
	if (e->kind != FL_EV_NET_DELAY || n < 0 || (size_t)n >= size)
		return;
	fl_fmt_duration(e->delay_ns, d, sizeof(d));
	snprintf(buf + n, size - n, " delay %s", d);
}

/* ------------------------------------------------------------ the kind */

static int net_arm(struct fl_fault *f, uint64_t deadline_ns, char *err)
{
	int rc = f->state ? fl_net_arm(f->state, deadline_ns) : -ENOENT;

	if (rc)
		snprintf(err, FL_ERRLEN, "cannot write the rule's deadline: %s", strerror(-rc));
	return rc;
}

const struct fl_fault_kind fl_net_kind = {
	.name = "net",
	.summary = "drop or delay the target's packets",
	.actions = fl_net_actions,
	.opts = fl_net_opts,
	.conf_size = sizeof(struct fl_net_conf),
	.notes =
		"--port is the peer's port, --local-port the target's own; both need tcp or udp "
		"(or no --protocol).\n\n"
		"An egress drop runs a tc program on every device of the target's network namespace "
		"(--dev: on one), first in each device's chain; it drops only the packets of the "
		"target's sockets, and the sender is told they left, as on a lossy network: no "
		"socket, TCP, UDP (with IP_RECVERR or not), ping or raw, sees an error, and TCP "
		"retransmits. Devices added during the fault are not covered. An ingress drop runs "
		"a cgroup_skb program on the target cgroup, which sees only its sockets' packets.\n\n"
		"delay stamps each packet's departure time (EDT) from tc on the device of the "
		"target's network namespace, and fq as that device's root qdisc holds it until "
		"then: a kernel default qdisc is replaced while the fault runs, someone's fq is "
		"used as it is, any other qdisc is refused unless --force. Ingress delay passes "
		"the target's received packets through an ifb device with its own fq. One device "
		"takes one delay fault.",
	.examples =
		"faultline net drop --unit checkout.service --probability 10% --port 5432\n"
		"faultline net drop --pid 4242 --protocol udp --port 53 --duration 5m\n"
		"faultline net delay --cgroup /system.slice/api.service --delay 100ms --jitter 10ms\n",
	.stats = fl_net_stats,
	.events = fl_net_events,
	.init = fl_net_init,
	.validate = fl_net_validate,
	.conflict = fl_net_conflict,
	.prepare = net_prepare,
	.plan_json = net_plan_json,
	.start = net_start,
	.follow = net_follow,
	.arm = net_arm,
	.read = net_read,
	.stop = net_stop,
	.release = net_release,
	.detail = net_detail,
	.read_pinned = net_read_pinned,
	.sweep = fl_net_sweep,
	.event_json = net_event_json,
	.event_text = net_event_text,
};
