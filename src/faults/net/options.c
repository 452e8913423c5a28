// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The options of network faults as data (fault.h): the engine parses the
 * command line and experiment files from this table, writes help, the
 * description and JSON from it. What is left to us are the checks across
 * options and between two faults.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "fault.h"
#include "net.h"
#include "netopts.h"
#include "parse.h"

#define NSEC_PER_SEC	1000000000ULL
#define NET_MAX_DELAY	(60 * NSEC_PER_SEC)
#define A_DELAY		(1U << FL_NET_DELAY)
#define RULE(f)		offsetof(struct fl_net_conf, rule.f)
#define RULE_SIZE(f)	sizeof(((struct fl_net_conf *)0)->rule.f)

const struct fl_fault_action fl_net_actions[] = {
	[FL_NET_DROP] = { "drop", "drop packets" },
	[FL_NET_DELAY] = { "delay", "add latency (EDT: fq holds each packet until its time)" },
	{ NULL },
};

static const struct fl_opt_value dir_values[] = {
	{ "egress", FL_DIR_EGRESS },
	{ "ingress", FL_DIR_INGRESS },
	{ "both", FL_DIR_EGRESS | FL_DIR_INGRESS },
	{ NULL },
};

static const struct fl_opt_value proto_values[] = {
	{ "tcp", FL_PROTO_TCP },
	{ "udp", FL_PROTO_UDP },
	{ "icmp", FL_PROTO_ICMP },
	{ NULL },
};

/* A device name goes into the record's note as one word. */
static int check_dev(void *conf, const char *arg, char *err)
{
	if (*arg && strlen(arg) < IF_NAMESIZE && !strpbrk(arg, "/: \t\n") &&
	    strcmp(arg, ".") && strcmp(arg, ".."))
		return 0;
	snprintf(err, FL_ERRLEN, "'%.80s' is not a network device name (at most %d characters, "
		 "no '/', ':' or spaces)", arg, IF_NAMESIZE - 1);
	return -EINVAL;
}

/* In the order they show in a description: "net delay egress tcp port 5432 100ms p=50%". */
const struct fl_opt fl_net_opts[] = {
	{ .name = "direction", .type = FL_OPT_ENUM, .off = RULE(dir), .values = dir_values,
	  .metavar = "DIR", .def = "both (drop), egress (delay)", .desc = FL_DESC_ALWAYS,
	  .help = "the packets the target sends (egress), receives (ingress), or both" },
	{ .name = "protocol", .type = FL_OPT_ENUM, .off = RULE(proto), .size = RULE_SIZE(proto),
	  .values = proto_values, .metavar = "PROTO", .desc = FL_DESC_BARE,
	  .help = "only this protocol; icmp covers ICMPv6 too" },
	{ .name = "port", .type = FL_OPT_PORTS, .off = RULE(port_lo), .off2 = RULE(port_hi),
	  .metavar = "N[-M]", .desc = FL_DESC_LABEL,
	  .help = "only packets to or from this port of the peer (tcp, udp)" },
	{ .name = "local-port", .type = FL_OPT_PORTS, .off = RULE(lport_lo), .off2 = RULE(lport_hi),
	  .metavar = "N[-M]", .desc = FL_DESC_LABEL,
	  .help = "only packets of this port of the target's own (tcp, udp)" },
	{ .name = "remote", .type = FL_OPT_CIDR, .off = RULE(remote), .off2 = RULE(remote_plen),
	  .metavar = "CIDR", .desc = FL_DESC_LABEL,
	  .help = "only packets to or from this address or network (10.0.0.0/8, 2001:db8::/32)" },
	{ .name = "dev", .type = FL_OPT_STRING, .off = offsetof(struct fl_net_conf, dev),
	  .size = IF_NAMESIZE, .metavar = "NAME",
	  .def = "delay: the default route's device; drop: every device", .desc = FL_DESC_LABEL,
	  .parse = check_dev,
	  .help = "the device of the target's network namespace to act on (drop: egress only)" },
	{ .name = "delay", .type = FL_OPT_DURATION, .off = RULE(delay_ns), .min = 1,
	  .max = NET_MAX_DELAY, .metavar = "D", .actions = A_DELAY, .required = A_DELAY,
	  .desc = FL_DESC_BARE, .help = "added to each packet (50ms, 1.5s; at most 60s)" },
	{ .name = "jitter", .type = FL_OPT_DURATION, .off = RULE(jitter_ns), .max = NET_MAX_DELAY,
	  .metavar = "D", .actions = A_DELAY, .desc = FL_DESC_LABEL,
	  .help = "spread the delay uniformly over +-D; one flow's packets keep their order" },
	{ .name = "probability", .type = FL_OPT_PROB, .off = RULE(prob), .metavar = "P",
	  .def = "1", .desc = FL_DESC_PROB,
	  .help = "drawn per packet (0.3 or 30%); a GSO/GRO super-packet is one draw" },
	{ NULL },
};

const struct fl_stat_def fl_net_stats[] = {
	[FL_NET_STAT_DELAY] = { "delay_ns", "faultline_delay_seconds_total", 1e-9,
				"Delay added to the target's packets, summed." },
	[FL_NET_STAT_BYTES] = { "bytes", NULL, 1, "Bytes of the packets faulted." },
	[FL_NET_STAT_SEGS] = { "segments", NULL, 1,
			       "Segments of the packets faulted (a GSO packet counts each)." },
	[FL_NET_STAT_FQ_DROPS] = { "fq_drops", NULL, 1,
				   "Packets fq dropped on its own (flow limit, horizon) while the "
				   "delay held them; counted when the fault ends." },
	{ NULL },
};

const struct fl_opt_value fl_net_events[] = {
	{ "net_drop", FL_EV_NET_DROP },
	{ "net_delay", FL_EV_NET_DELAY },
	{ NULL },
};

static const char *value_name(const struct fl_opt_value *v, uint32_t value)
{
	for (; v->name; v++)
		if (v->value == value)
			return v->name;
	return NULL;
}

const char *fl_net_dir_name(uint32_t dir)
{
	return value_name(dir_values, dir) ?: "?";
}

const char *fl_net_proto_name(uint32_t proto)
{
	return proto == FL_PROTO_ICMPV6 ? "icmpv6" : value_name(proto_values, proto);
}

void fl_net_fmt_addr(const uint8_t a[16], char *buf, size_t size)
{
	static const uint8_t v4map[12] = { [10] = 0xff, [11] = 0xff };

	if (!memcmp(a, v4map, sizeof(v4map)))
		inet_ntop(AF_INET, a + 12, buf, size);
	else
		inet_ntop(AF_INET6, a, buf, size);
}

void fl_net_fmt_remote(const struct fl_net_rule *r, char *buf, size_t size)
{
	static const uint8_t v4map[12] = { [10] = 0xff, [11] = 0xff };
	bool v4 = r->remote_plen >= 96 && !memcmp(r->remote, v4map, sizeof(v4map));
	char a[INET6_ADDRSTRLEN];

	buf[0] = '\0';
	if (!r->remote_plen)
		return;
	fl_net_fmt_addr(r->remote, a, sizeof(a));
	snprintf(buf, size, "%s/%u", a, r->remote_plen - (v4 ? 96 : 0));
}

void fl_net_init(void *conf, int action)
{
	struct fl_net_conf *c = conf;

	memset(c, 0, sizeof(*c));
	c->rule.action = action == FL_NET_DELAY ? FL_ACT_DELAY : FL_ACT_DROP;
	c->rule.prob = FL_PROB_ONE;
	/* A delayed ingress needs an ifb: egress unless asked. */
	c->rule.dir = action == FL_NET_DELAY ? FL_DIR_EGRESS : FL_DIR_EGRESS | FL_DIR_INGRESS;
}

static int bad(char *err, const char *msg)
{
	snprintf(err, FL_ERRLEN, "%s", msg);
	return -EINVAL;
}

int fl_net_conf_check(const struct fl_net_conf *c, char *err)
{
	const struct fl_net_rule *r = &c->rule;

	if (r->action == FL_ACT_DELAY) {
		if (r->delay_ns == 0 || r->delay_ns > NET_MAX_DELAY)
			return bad(err, "--delay must be above zero and at most 60s");
		if (r->jitter_ns > r->delay_ns)
			return bad(err, "--jitter must not exceed --delay (delays are never negative)");
	}
	if ((r->port_lo || r->lport_lo) && r->proto == FL_PROTO_ICMP)
		return bad(err, "--port and --local-port need tcp or udp, not icmp");
	/* Ingress drop sees the target's sockets, whatever the device. */
	if (r->action == FL_ACT_DROP && c->dev[0] && !(r->dir & FL_DIR_EGRESS))
		return bad(err, "--dev applies to an egress drop; an ingress drop acts on every device");
	return 0;
}

int fl_net_validate(const struct fl_fault *f, char *err)
{
	return fl_net_conf_check(f->conf, err);
}

/* One device has one root fq and one delay program per direction. */
int fl_net_conflict(const struct fl_fault *a, const struct fl_fault *b, char *err)
{
	const struct fl_net_conf *x = a->conf, *y = b->conf;

	if (x->rule.action != FL_ACT_DELAY || y->rule.action != FL_ACT_DELAY)
		return 0;
	if (x->dev[0] && y->dev[0] && strcmp(x->dev, y->dev))
		return 0;
	return bad(err, "a second delay on the same device: one device has one fq and one "
		   "delay program; use one delay fault");
}
