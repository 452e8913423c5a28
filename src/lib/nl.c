// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <net/if.h>
#include <linux/gen_stats.h>
#include <linux/if_link.h>
#include <linux/if_ether.h>
#include <linux/tc_act/tc_mirred.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include "nl.h"

struct nl_req {
	struct nlmsghdr n;
	union {
		struct tcmsg t;
		struct ifinfomsg i;
	};
	char buf[512];
};

typedef int (*nl_cb)(struct nlmsghdr *nh, void *arg);

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	/* Extended acks make the kernel say why it refused, in the log. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* Takes the whole request so the compiler sees the buffer's real size. */
static struct rtattr *addattr(struct nl_req *r, int type, const void *data, int len)
{
	struct nlmsghdr *n = &r->n;
	struct rtattr *rta = (struct rtattr *)((char *)r + NLMSG_ALIGN(n->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

static void nest_end(struct nl_req *r, struct rtattr *nest)
{
	nest->rta_len = (char *)r + NLMSG_ALIGN(r->n.nlmsg_len) - (char *)nest;
}

/* Send one request; feed every reply to cb until the ack or NLMSG_DONE. */
static int nl_talk(struct nlmsghdr *req, nl_cb cb, void *arg)
{
	char buf[16384];
	int fd, err = 0;
	ssize_t len;

	fd = nl_open();
	if (fd < 0)
		return fd;
	req->nlmsg_seq = 1;
	if (send(fd, req, req->nlmsg_len, 0) < 0) {
		err = -errno;
		goto out;
	}
	for (;;) {
		struct nlmsghdr *nh;

		len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0) {
			err = -errno;
			goto out;
		}
		for (nh = (void *)buf; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_DONE)
				goto out;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				err = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
				goto out;
			}
			if (cb && (err = cb(nh, arg)))
				goto out;
		}
	}
out:
	close(fd);
	return err;
}

static void init_req(struct nl_req *r, int type, int flags, int ifindex)
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg));
	r->n.nlmsg_type = type;
	r->n.nlmsg_flags = NLM_F_REQUEST | flags;
	r->t.tcm_family = AF_UNSPEC;
	r->t.tcm_ifindex = ifindex;
	r->t.tcm_parent = TC_H_ROOT;
}

static void parse_fq_stats(struct rtattr *stats2, int len, struct nl_qdisc_info *info)
{
	struct rtattr *a;

	for (a = RTA_DATA(stats2); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == TCA_STATS_QUEUE &&
		    RTA_PAYLOAD(a) >= sizeof(struct gnet_stats_queue)) {
			struct gnet_stats_queue *q = RTA_DATA(a);

			info->drops = q->drops;
			info->qlen = q->qlen;
		} else if (a->rta_type == TCA_STATS_APP && !strcmp(info->kind, "fq") &&
			   RTA_PAYLOAD(a) >= sizeof(struct tc_fq_qd_stats)) {
			struct tc_fq_qd_stats *st = RTA_DATA(a);

			info->flows_plimit = st->flows_plimit;
			info->horizon_drops = st->horizon_drops;
		}
	}
}

struct root_arg {
	int ifindex;
	struct nl_qdisc_info *info;
	bool found;
};

static int root_cb(struct nlmsghdr *nh, void *arg)
{
	struct root_arg *ra = arg;
	struct tcmsg *t = NLMSG_DATA(nh);
	int len = nh->nlmsg_len - NLMSG_LENGTH(sizeof(*t));
	struct rtattr *a, *stats2 = NULL;

	if (nh->nlmsg_type != RTM_NEWQDISC || t->tcm_ifindex != ra->ifindex ||
	    t->tcm_parent != TC_H_ROOT || ra->found)
		return 0;
	memset(ra->info, 0, sizeof(*ra->info));
	ra->info->handle = t->tcm_handle;
	ra->info->parent = t->tcm_parent;
	for (a = (void *)t + NLMSG_ALIGN(sizeof(*t)); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == TCA_KIND)
			strncpy(ra->info->kind, RTA_DATA(a), sizeof(ra->info->kind) - 1);
		else if (a->rta_type == TCA_STATS2)
			stats2 = a;
	}
	if (stats2)
		parse_fq_stats(stats2, RTA_PAYLOAD(stats2), ra->info);
	/*
	 * The kernel attaches its default root (noqueue, pfifo_fast, mq, or
	 * whatever net.core.default_qdisc names) with handle 0; a qdisc anyone
	 * added gets a handle, given or allocated. So handle 0 means nobody's.
	 */
	ra->info->is_default = ra->info->handle == 0;
	ra->found = true;
	return 0;
}

int nl_qdisc_root(int ifindex, struct nl_qdisc_info *info)
{
	struct root_arg ra = { .ifindex = ifindex, .info = info };
	struct nl_req r;
	int err;

	init_req(&r, RTM_GETQDISC, NLM_F_DUMP, ifindex);
	/* Without this the dump hides noqueue, the most common default. */
	addattr(&r, TCA_DUMP_INVISIBLE, NULL, 0);
	err = nl_talk(&r.n, root_cb, &ra);
	if (err)
		return err;
	return ra.found ? 0 : -ENOENT;
}

int nl_qdisc_add_fq(int ifindex, const struct nl_fq_opts *o, bool exclusive)
{
	struct nl_req r;
	struct rtattr *opts;
	__u8 horizon_drop = 1;

	init_req(&r, RTM_NEWQDISC, NLM_F_ACK | NLM_F_CREATE |
		 (exclusive ? NLM_F_EXCL : NLM_F_REPLACE), ifindex);
	/* Our own handle: what a crashed run left is recognisable as ours. */
	r.t.tcm_handle = NL_FQ_HANDLE;
	addattr(&r, TCA_KIND, "fq", 3);
	opts = addattr(&r, TCA_OPTIONS, NULL, 0);
	if (o->limit)
		addattr(&r, TCA_FQ_PLIMIT, &o->limit, sizeof(o->limit));
	if (o->flow_limit)
		addattr(&r, TCA_FQ_FLOW_PLIMIT, &o->flow_limit, sizeof(o->flow_limit));
	if (o->horizon_us) {
		addattr(&r, TCA_FQ_HORIZON, &o->horizon_us, sizeof(o->horizon_us));
		addattr(&r, TCA_FQ_HORIZON_DROP, &horizon_drop, sizeof(horizon_drop));
	}
	nest_end(&r, opts);
	return nl_talk(&r.n, NULL, NULL);
}

int nl_qdisc_del_root(int ifindex)
{
	struct nl_req r;

	init_req(&r, RTM_DELQDISC, NLM_F_ACK, ifindex);
	return nl_talk(&r.n, NULL, NULL);
}

static void init_link_req(struct nl_req *r, int type, int flags, int ifindex)
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	r->n.nlmsg_type = type;
	r->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->i.ifi_family = AF_UNSPEC;
	r->i.ifi_index = ifindex;
}

int nl_link_add_ifb(const char *name)
{
	struct rtattr *info;
	struct nl_req r;

	init_link_req(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	addattr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	info = addattr(&r, IFLA_LINKINFO, NULL, 0);
	addattr(&r, IFLA_INFO_KIND, "ifb", 4);
	nest_end(&r, info);
	return nl_talk(&r.n, NULL, NULL);
}

int nl_link_set_up(int ifindex)
{
	struct nl_req r;

	init_link_req(&r, RTM_NEWLINK, 0, ifindex);
	r.i.ifi_flags = IFF_UP;
	r.i.ifi_change = IFF_UP;
	return nl_talk(&r.n, NULL, NULL);
}

int nl_link_del(int ifindex)
{
	struct nl_req r;

	init_link_req(&r, RTM_DELLINK, 0, ifindex);
	return nl_talk(&r.n, NULL, NULL);
}

/*
 * A cls_bpf filter (not direct-action) on clsact ingress whose action is
 * mirred egress redirect to `to_ifindex`. ifb only accepts packets that a
 * tc action redirected (bpf_redirect does not mark them), so ingress delay
 * needs the classic filter + action pair: the program returns -1 ("match")
 * for packets to hold, 0 to let the rest through.
 */
int nl_filter_add_bpf_mirred(int ifindex, uint16_t prio, uint32_t handle, int prog_fd,
			     const char *name, int to_ifindex)
{
	struct tc_mirred m = {
		.action = TC_ACT_STOLEN, .eaction = TCA_EGRESS_REDIR, .ifindex = to_ifindex,
	};
	struct rtattr *opts, *acts, *act, *aopts;
	uint32_t fd = prog_fd, flags = 0;
	struct nl_req r;

	init_req(&r, RTM_NEWTFILTER, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, ifindex);
	r.t.tcm_parent = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS);
	r.t.tcm_handle = handle;
	r.t.tcm_info = TC_H_MAKE((uint32_t)prio << 16, htons(ETH_P_ALL));
	addattr(&r, TCA_KIND, "bpf", 4);
	opts = addattr(&r, TCA_OPTIONS, NULL, 0);
	addattr(&r, TCA_BPF_FD, &fd, sizeof(fd));
	addattr(&r, TCA_BPF_NAME, name, strlen(name) + 1);
	addattr(&r, TCA_BPF_FLAGS, &flags, sizeof(flags));
	acts = addattr(&r, TCA_BPF_ACT, NULL, 0);
	act = addattr(&r, 1, NULL, 0);
	addattr(&r, TCA_ACT_KIND, "mirred", 7);
	aopts = addattr(&r, TCA_ACT_OPTIONS, NULL, 0);
	addattr(&r, TCA_MIRRED_PARMS, &m, sizeof(m));
	nest_end(&r, aopts);
	nest_end(&r, act);
	nest_end(&r, acts);
	nest_end(&r, opts);
	return nl_talk(&r.n, NULL, NULL);
}

static int count_cb(struct nlmsghdr *nh, void *arg)
{
	if (nh->nlmsg_type == RTM_NEWTFILTER)
		(*(int *)arg)++;
	return 0;
}

int nl_filter_count(int ifindex, bool ingress)
{
	struct nl_req r;
	int n = 0, err;

	init_req(&r, RTM_GETTFILTER, NLM_F_DUMP, ifindex);
	r.t.tcm_parent = TC_H_MAKE(TC_H_CLSACT, ingress ? TC_H_MIN_INGRESS : TC_H_MIN_EGRESS);
	err = nl_talk(&r.n, count_cb, &n);
	return err ? err : n;
}
