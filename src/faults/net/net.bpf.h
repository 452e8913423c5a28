/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The packet logic of network faults, as a header in the way of Cilium's
 * bpf/lib: net.bpf.c holds only the thin entry programs the loader
 * attaches, and test objects (tests/unit/bpf/) include this to reach what
 * BPF_PROG_TEST_RUN cannot reach through them.
 *
 * One object per fault, one rule per object (key 0 of fl_net_rule), one
 * target. Ingress drop runs on a cgroup_skb program attached to the target
 * cgroup, so the kernel runs it only for its sockets (descendants
 * included). Egress drop and delay run on tc, which sees a whole device:
 * egress matches the socket's cgroup ancestor at the target's level,
 * ingress what the target taught us. Delay sets skb->tstamp (EDT) and fq
 * holds the packet until then.
 */
#ifndef FL_NET_BPF_H
#define FL_NET_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "common.bpf.h"

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
/*
 * Not ours to decide: the next tcx program or clsact filter runs. A tcx
 * program that returns TC_ACT_OK (TCX_PASS) ends the device's chain, and
 * the host's own programs and filters after it would never run
 * (include/net/tcx.h, tcx_run()); in a clsact chain OK ends it as well.
 */
#define TC_ACT_UNSPEC	(-1)
#define CG_PASS		1
#define CG_DROP		0
#define IP_OFFSET	0x1FFF
#define NSEC_PER_SEC	1000000000ULL

const volatile __u32 ifb_ifindex;	/* ingress delay: hold packets on this ifb */
/* The kernel lets skb programs ask for the current task (6.1 does not). */
const volatile __u32 ev_task;

FL_MAP_ONE(BPF_MAP_TYPE_ARRAY, struct fl_net_rule) fl_net_rule SEC(".maps");

FL_MAP_ONE(BPF_MAP_TYPE_PERCPU_ARRAY, struct fl_counters) fl_net_counters SEC(".maps");

/*
 * The rule's matching packets, one count for all CPUs: the n of each draw
 * (fl_next_n). The per-CPU counters above cannot number packets.
 */
FL_MAP_ONE(BPF_MAP_TYPE_ARRAY, __u64) fl_net_seq SEC(".maps");

/* Last departure time given to each flow: jitter must never reorder it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FL_MAX_FLOWS);
	__type(key, __u32);
	__type(value, __u64);
} fl_net_flow_last SEC(".maps");

/*
 * Ingress delay runs before the stack has found the receiving socket, so
 * it cannot ask for a cgroup. Instead the target teaches it: its egress
 * records each flow it sends on (reversed, as replies will arrive) and its
 * binds record the ports it receives on; the tc ingress program looks them
 * up. Stale entries age out of the LRU. The value is the cgroup id of the
 * socket that taught us, which the ingress events then report.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FL_MAX_FLOWS);
	__type(key, struct fl_flow_key);
	__type(value, __u64);
} fl_net_tflows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct fl_port_key);
	__type(value, __u64);
} fl_net_tports SEC(".maps");

struct pkt {
	__u8 remote[16];	/* v4-mapped for IPv4 */
	__u16 rport;		/* peer's port, host order */
	__u16 lport;		/* our port */
	__u8 proto;
	__u8 has_ports;
	__u16 icmp_id;		/* echo identifier: names a ping socket's flow */
};

static __always_inline void map_v4(__u8 *dst, __be32 addr)
{
	__builtin_memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	__builtin_memcpy(dst + 12, &addr, 4);
}

/*
 * Bytes from the network header on. cgroup_skb sees the skb from there;
 * tc sees it from the link layer, whose length depends on the device
 * (14 on Ethernet and loopback, 0 on tun or wireguard), and one egress drop
 * runs on every device of a namespace. bpf_skb_load_bytes_relative() finds
 * the network header on both (Linux 4.18; tc since 5.x), in the linear
 * part of the skb, where the stack keeps the headers.
 */
static __always_inline long load(struct __sk_buff *skb, __u32 off, void *to, __u32 len)
{
	return bpf_skb_load_bytes_relative(skb, off, to, len, BPF_HDR_START_NET);
}

static __always_inline int parse_ports(struct __sk_buff *skb, __u32 off, bool egress,
				       struct pkt *p)
{
	__be16 ports[2];

	if (p->proto == FL_PROTO_ICMP || p->proto == FL_PROTO_ICMPV6) {
		__u8 type;

		/* Echo request/reply: type 8/0 (v4), 128/129 (v6); id at +4. */
		if (load(skb, off, &type, 1) ||
		    (type != 0 && type != 8 && type != 128 && type != 129) ||
		    load(skb, off + 4, ports, 2))
			return 0;
		p->icmp_id = bpf_ntohs(ports[0]);
		return 0;
	}
	if (p->proto != FL_PROTO_TCP && p->proto != FL_PROTO_UDP)
		return 0;
	if (load(skb, off, ports, sizeof(ports)))
		return -1;
	/* ports[0] is the source: ours on egress, the peer's on ingress. */
	p->lport = bpf_ntohs(egress ? ports[0] : ports[1]);
	p->rport = bpf_ntohs(egress ? ports[1] : ports[0]);
	p->has_ports = 1;
	return 0;
}

/* The headers from L3 on; non-IP packets return -1. */
static __always_inline int parse(struct __sk_buff *skb, bool egress, struct pkt *p)
{
	__u32 off = 0;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (load(skb, off, &ip, sizeof(ip)))
			return -1;
		p->proto = ip.protocol;
		map_v4(p->remote, egress ? ip.daddr : ip.saddr);
		/* Only the first fragment carries ports. */
		if (ip.frag_off & bpf_htons(IP_OFFSET))
			return 0;
		return parse_ports(skb, off + ip.ihl * 4, egress, p);
	}
	if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (load(skb, off, &ip6, sizeof(ip6)))
			return -1;
		/* Extension headers are not walked: such packets match on
		 * addresses only, never on ports. */
		p->proto = ip6.nexthdr;
		__builtin_memcpy(p->remote, egress ? &ip6.daddr : &ip6.saddr, 16);
		return parse_ports(skb, off + sizeof(ip6), egress, p);
	}
	return -1;
}

/* Compare the first plen bits, a 32-bit word at a time (fixed offsets). */
static __always_inline bool prefix_match(const __u8 *a, const __u8 *b, __u32 plen)
{
#pragma unroll
	for (int w = 0; w < 4; w++) {
		__u32 x, y, bits = w * 32, mask;

		if (plen <= bits)
			return true;
		__builtin_memcpy(&x, a + w * 4, 4);
		__builtin_memcpy(&y, b + w * 4, 4);
		mask = plen - bits >= 32 ? 0xffffffff : ~(0xffffffffU >> (plen - bits));
		if ((bpf_ntohl(x) ^ bpf_ntohl(y)) & mask)
			return false;
	}
	return true;
}

static __always_inline bool in_range(__u16 v, __u16 lo, __u16 hi)
{
	return v >= lo && v <= hi;
}

static __always_inline bool rule_match(const struct fl_net_rule *r, const struct pkt *p, __u32 dir)
{
	if (!(r->dir & dir))
		return false;
	if (r->proto == FL_PROTO_ICMP) {
		if (p->proto != FL_PROTO_ICMP && p->proto != FL_PROTO_ICMPV6)
			return false;
	} else if (r->proto && r->proto != p->proto) {
		return false;
	}
	if (r->port_lo && (!p->has_ports || !in_range(p->rport, r->port_lo, r->port_hi)))
		return false;
	if (r->lport_lo && (!p->has_ports || !in_range(p->lport, r->lport_lo, r->lport_hi)))
		return false;
	return !r->remote_plen || prefix_match(p->remote, r->remote, r->remote_plen);
}

static __always_inline __u32 segs_of(struct __sk_buff *skb)
{
	return skb->gso_segs > 1 ? skb->gso_segs : 1;
}

static __always_inline void count(struct __sk_buff *skb, bool injected, __u64 delay)
{
	__u32 key = 0;
	struct fl_counters *c = bpf_map_lookup_elem(&fl_net_counters, &key);

	if (!c)
		return;
	c->matched++;
	if (!injected)
		return;
	c->injected++;
	c->bytes += skb->len;
	c->segs += segs_of(skb);
	c->delay_ns += delay;
}

/*
 * The event of one injected packet, with the socket's cgroup: on tc ingress
 * the receiving socket is not known yet, and skb->sk may still be the
 * sender's (veth keeps it across namespaces), so the caller passes the
 * cgroup that taught us the flow or port (fl_net_tflows, fl_net_tports).
 * The current task is named only on egress and only when it sits in the
 * socket's cgroup: ingress runs in softirq for whichever task happens to
 * be on the CPU, and so may a TCP retransmit; the cgroup check keeps such
 * a task from another service out.
 */
static __always_inline void emit(struct __sk_buff *skb, const struct pkt *p, __u32 dir,
				 __u32 kind, __u64 delay, __u64 cgid, __u64 n)
{
	struct fl_event *e = fl_ev_reserve(kind, cgid, n);

	if (!e)
		return;
	if (ev_task && dir == FL_DIR_EGRESS && cgid && bpf_get_current_cgroup_id() == cgid)
		fl_ev_task(e);
	__builtin_memcpy(e->addr, p->remote, 16);
	e->len = skb->len;
	e->rport = p->rport;
	e->lport = p->lport;
	e->dir = dir;
	e->proto = p->proto;
	e->delay_ns = delay;
	bpf_ringbuf_submit(e, 0);
}

/*
 * The rule, when it is of `action`, alive, matches and wins its draw; else
 * NULL. A match that loses the draw is still counted. *n: the packet's
 * number among the rule's matches, which its draws are made from.
 */
static __always_inline struct fl_net_rule *pick_rule(struct __sk_buff *skb, const struct pkt *p,
						     __u32 dir, __u32 action, __u64 *n)
{
	__u32 key = 0;
	struct fl_net_rule *r = bpf_map_lookup_elem(&fl_net_rule, &key);
	__u64 *seq;

	if (!r || r->action != action || fl_expired(r->deadline_ns, bpf_ktime_get_ns()) ||
	    !rule_match(r, p, dir))
		return NULL;
	seq = bpf_map_lookup_elem(&fl_net_seq, &key);
	if (!seq)
		return NULL;
	*n = fl_next_n(seq);
	if (!fl_chance(r->prob, *n)) {
		count(skb, false, 0);
		return NULL;
	}
	return r;
}

/* Ingress drop: the receiving socket is the target's; nobody is told. */
static __always_inline int cg_drop_ingress(struct __sk_buff *skb)
{
	struct pkt p = {};
	__u64 n;

	if (fl_halted() || parse(skb, false, &p) ||
	    !pick_rule(skb, &p, FL_DIR_INGRESS, FL_ACT_DROP, &n))
		return CG_PASS;
	count(skb, true, 0);
	emit(skb, &p, FL_DIR_INGRESS, FL_EV_NET_DROP, 0, bpf_skb_cgroup_id(skb), n);
	return CG_DROP;
}

/* Is this packet's socket in the target cgroup (or below it)? No socket: no. */
static __always_inline bool skb_targeted(struct __sk_buff *skb)
{
	__u64 id = bpf_skb_ancestor_cgroup_id(skb, targ_level);

	return id && id == targ_cgid;
}

/*
 * Egress drop, as the network would: the sender hears that the packet
 * left. A cgroup_skb egress drop cannot do that: the stack hands the
 * sender NET_XMIT_DROP (ENOBUFS) or EPERM, which UDP with IP_RECVERR,
 * ping and raw sockets report for every packet. On tc egress only a
 * redirect or TC_ACT_STOLEN tell the sender NET_XMIT_SUCCESS
 * (net/core/dev.c, sch_handle_egress()), and tcx turns STOLEN into "next"
 * (tcx_action_code()). So: a redirect to ifindex 0, which no device has;
 * skb_do_redirect() (net/core/filter.c) finds none and frees the packet,
 * on clsact and tcx alike (Linux 4.x to 6.18). TCP then sees a segment
 * that was sent and never acknowledged: it retransmits, and a connect
 * times out.
 */
static __always_inline int drop_egress(struct __sk_buff *skb)
{
	struct pkt p = {};
	__u64 n;

	if (parse(skb, true, &p) || !pick_rule(skb, &p, FL_DIR_EGRESS, FL_ACT_DROP, &n))
		return TC_ACT_UNSPEC;
	count(skb, true, 0);
	emit(skb, &p, FL_DIR_EGRESS, FL_EV_NET_DROP, 0, bpf_skb_cgroup_id(skb), n);
	return bpf_redirect(0, 0);
}

static __always_inline int tc_drop_egress(struct __sk_buff *skb)
{
	if (fl_halted() || !skb_targeted(skb))
		return TC_ACT_UNSPEC;
	return drop_egress(skb);
}

/*
 * Departure time for the n-th matching skb: now + delay (its jitter drawn
 * from n, in a stream of its own), and never before its flow's last.
 */
static __always_inline __u64 departure(struct __sk_buff *skb, const struct fl_net_rule *r,
				       bool egress, __u64 n, __u64 *delay)
{
	__u64 now = bpf_ktime_get_ns(), base = now, t, *last;
	__u32 flow = bpf_get_hash_recalc(skb);

	/*
	 * On egress TCP may already have set a later departure (it paces by
	 * EDT since Linux 4.20): keep its spacing and add ours on top. A time
	 * far ahead is another clock's (SO_TXTIME's CLOCK_TAI, 4.19): not ours
	 * to add to. On ingress tstamp is a receive time, CLOCK_REALTIME, never
	 * a departure: a tc program that does not read tstamp_type sees it so
	 * even where a mono delivery time is set (5.18). Ignore it there.
	 */
	if (egress && skb->tstamp > now && skb->tstamp < now + 10 * NSEC_PER_SEC)
		base = skb->tstamp;
	*delay = fl_draw_delay(fl_seed, fl_fault_index, n, r->delay_ns, r->jitter_ns);
	t = base + *delay;
	last = bpf_map_lookup_elem(&fl_net_flow_last, &flow);
	if (last && *last > t)
		t = *last;
	bpf_map_update_elem(&fl_net_flow_last, &flow, &t, BPF_ANY);
	return t;
}

/* Egress delay once the packet is known to be the target's. */
static __always_inline int stamp_egress(struct __sk_buff *skb)
{
	struct fl_net_rule *r;
	struct pkt p = {};
	__u64 delay, n;

	if (parse(skb, true, &p))
		return TC_ACT_UNSPEC;
	r = pick_rule(skb, &p, FL_DIR_EGRESS, FL_ACT_DELAY, &n);
	if (!r)
		return TC_ACT_UNSPEC;
	skb->tstamp = departure(skb, r, true, n, &delay);
	count(skb, true, delay);
	emit(skb, &p, FL_DIR_EGRESS, FL_EV_NET_DELAY, delay, bpf_skb_cgroup_id(skb), n);
	return TC_ACT_UNSPEC;
}

static __always_inline int tc_egress(struct __sk_buff *skb)
{
	if (fl_halted() || !skb_targeted(skb))
		return TC_ACT_UNSPEC;
	return stamp_egress(skb);
}

static __always_inline void flow_key_of(const struct pkt *p, struct fl_flow_key *k)
{
	__builtin_memcpy(k->remote, p->remote, 16);
	k->proto = p->proto;
	k->rport = p->has_ports ? p->rport : 0;
	k->lport = p->has_ports ? p->lport : p->icmp_id;
}

/* Target egress: remember the flow so its replies can be found at ingress. */
static __always_inline int learn_flow(struct __sk_buff *skb)
{
	__u64 cgid = bpf_skb_cgroup_id(skb);
	struct fl_flow_key k = {};
	struct pkt p = {};

	if (fl_halted() || parse(skb, true, &p))
		return CG_PASS;
	flow_key_of(&p, &k);
	bpf_map_update_elem(&fl_net_tflows, &k, &cgid, BPF_ANY);
	return CG_PASS;
}

static __always_inline int learn_bind(struct bpf_sock *sk)
{
	struct fl_port_key k = { .lport = sk->src_port, .proto = sk->protocol };
	__u64 cgid = bpf_get_current_cgroup_id();	/* bind runs in the caller */

	if (k.lport)
		bpf_map_update_elem(&fl_net_tports, &k, &cgid, BPF_ANY);
	return 1;
}

/* A packet for the target: true, and the cgroup of the socket it is for. */
static __always_inline bool ingress_targeted(const struct pkt *p, __u64 *cgid)
{
	struct fl_port_key pk = { .lport = p->lport, .proto = p->proto };
	struct fl_flow_key fk = {};
	__u64 *cg;

	flow_key_of(p, &fk);
	cg = bpf_map_lookup_elem(&fl_net_tflows, &fk);
	if (!cg && p->has_ports)
		cg = bpf_map_lookup_elem(&fl_net_tports, &pk);
	if (!cg)
		return false;
	*cgid = *cg;
	return true;
}

/*
 * Ingress delay: stamp a departure time and send the packet through an ifb
 * whose fq holds it until then; ifb puts it back on the receive path with
 * classification skipped, so it does not come through here twice.
 *
 * This is a classic (not direct-action) classifier: -1 means "matched",
 * and the filter's mirred action does the redirect. ifb_xmit() frees every
 * skb without skb->redirected, which act_mirred sets and bpf_redirect()
 * does not (seen on 6.1; "bpf: Set skb redirect and from_ingress info in
 * __bpf_tx_skb", bpf-next April 2023, sets it): mirred works on every
 * kernel we run on. 0 means no match: the packet goes on.
 */
#define CLS_MATCH	-1
#define CLS_NO_MATCH	0
static __always_inline int tc_ingress(struct __sk_buff *skb)
{
	struct fl_net_rule *r;
	struct pkt p = {};
	__u64 delay, t, n, cgid = 0;

	if (fl_halted() || !ifb_ifindex || parse(skb, false, &p) ||
	    !ingress_targeted(&p, &cgid))
		return CLS_NO_MATCH;
	r = pick_rule(skb, &p, FL_DIR_INGRESS, FL_ACT_DELAY, &n);
	if (!r)
		return CLS_NO_MATCH;
	t = departure(skb, r, false, n, &delay);
	/*
	 * A mono delivery time (Linux 5.18, commit 9bb984f28d5b) survives the
	 * redirect and reaches the ifb's fq. A plain write at ingress would be
	 * a receive time, which mirred clears (skb_set_redirected()).
	 */
	if (bpf_skb_set_tstamp(skb, t, BPF_SKB_TSTAMP_DELIVERY_MONO))
		return CLS_NO_MATCH;
	count(skb, true, delay);
	emit(skb, &p, FL_DIR_INGRESS, FL_EV_NET_DELAY, delay, cgid, n);
	return CLS_MATCH;
}

#endif /* FL_NET_BPF_H */
