// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The old engine's side of network faults: getopt parsing for `faultline
 * net drop|delay` and experiment files, the foreground run, and the
 * registry-context start. The new engine reads options from options.c's
 * table and drives kind.c: this file goes at the merge.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctl.h"
#include "experiment.h"
#include "log.h"
#include "net.h"
#include "registry.h"

#define NSEC_PER_SEC		1000000000ULL
#define NET_DEFAULT_DURATION	(60 * NSEC_PER_SEC)
#define NET_MAX_DURATION	(24 * 3600 * NSEC_PER_SEC)

static int bad(char *err, const char *msg)
{
	snprintf(err, FL_ERRLEN, "%s", msg);
	return -EINVAL;
}

enum { OPT_CGROUP = 256, OPT_PID, OPT_UNIT, OPT_DIR, OPT_PROB, OPT_PROTO, OPT_PORT,
       OPT_LPORT, OPT_REMOTE, OPT_DURATION, OPT_DELAY, OPT_JITTER, OPT_DEV, OPT_FORCE,
       OPT_DRY_RUN, OPT_HELP };

static const struct option net_longopts[] = {
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "unit", required_argument, NULL, OPT_UNIT },
	{ "direction", required_argument, NULL, OPT_DIR },
	{ "probability", required_argument, NULL, OPT_PROB },
	{ "protocol", required_argument, NULL, OPT_PROTO },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "local-port", required_argument, NULL, OPT_LPORT },
	{ "remote", required_argument, NULL, OPT_REMOTE },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "delay", required_argument, NULL, OPT_DELAY },
	{ "jitter", required_argument, NULL, OPT_JITTER },
	{ "dev", required_argument, NULL, OPT_DEV },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL },
};

static int parse_direction(const char *s, uint32_t *dir, char *err)
{
	if (!strcmp(s, "egress"))
		*dir = FL_DIR_EGRESS;
	else if (!strcmp(s, "ingress"))
		*dir = FL_DIR_INGRESS;
	else if (!strcmp(s, "both"))
		*dir = FL_DIR_EGRESS | FL_DIR_INGRESS;
	else
		return bad(err, "--direction takes egress, ingress or both");
	return 0;
}

static int parse_protocol(const char *s, uint8_t *proto, char *err)
{
	if (!strcmp(s, "tcp"))
		*proto = FL_PROTO_TCP;
	else if (!strcmp(s, "udp"))
		*proto = FL_PROTO_UDP;
	else if (!strcmp(s, "icmp"))
		*proto = FL_PROTO_ICMP;
	else
		return bad(err, "--protocol takes tcp, udp or icmp");
	return 0;
}

/* One option into o; -EINVAL with err filled on bad input. */
static int net_opt(struct net_opts *o, int opt, const char *arg, char *err)
{
	struct fl_net_rule *r = &o->rule;
	int rc = 0;

	switch (opt) {
	case OPT_CGROUP: rc = fl_target_set(&o->target, FL_TARGET_CGROUP, arg, err); break;
	case OPT_PID: rc = fl_target_set(&o->target, FL_TARGET_PID, arg, err); break;
	case OPT_UNIT: rc = fl_target_set(&o->target, FL_TARGET_UNIT, arg, err); break;
	case OPT_DIR: return parse_direction(arg, &r->dir, err);
	case OPT_PROB: rc = fl_parse_probability(arg, &r->prob, err); o->prob_set = true; break;
	case OPT_PROTO: return parse_protocol(arg, &r->proto, err);
	case OPT_PORT: rc = fl_parse_port_range(arg, &r->port_lo, &r->port_hi, err); break;
	case OPT_LPORT: rc = fl_parse_port_range(arg, &r->lport_lo, &r->lport_hi, err); break;
	case OPT_REMOTE: rc = fl_parse_cidr(arg, r->remote, &r->remote_plen, err); break;
	case OPT_DURATION: rc = fl_parse_duration(arg, &o->duration_ns, err); break;
	case OPT_DELAY: rc = fl_parse_duration(arg, &r->delay_ns, err); o->delay_set = true; break;
	case OPT_JITTER: rc = fl_parse_duration(arg, &r->jitter_ns, err); break;
	case OPT_DEV: o->dev = arg; break;
	case OPT_FORCE: o->force = true; break;
	case OPT_DRY_RUN: o->dry_run = true; break;
	default: return bad(err, "net: this option takes no part in a rule");
	}
	return rc;
}

/* Cross-option checks, once everything is read: the family's, and the command's. */
static int net_validate(struct net_opts *o, char *err)
{
	struct fl_net_conf c = { .rule = o->rule };

	if (o->target.kind == FL_TARGET_NONE)
		return bad(err, "no target: give --cgroup PATH, --pid PID or --unit NAME");
	if (o->duration_ns == 0 || o->duration_ns > NET_MAX_DURATION)
		return bad(err, "--duration must be above zero and at most 24h");
	if (o->rule.action == FL_ACT_DELAY && !o->delay_set)
		return bad(err, "net delay needs --delay (for example --delay 50ms)");
	if (o->rule.action == FL_ACT_DROP && (o->delay_set || o->rule.jitter_ns))
		return bad(err, "--delay and --jitter belong to 'net delay'");
	return fl_net_conf_check(&c, err);
}

int fl_net_parse(enum fl_action action, int argc, char **argv, struct net_opts *o, char *err)
{
	int opt;

	memset(o, 0, sizeof(*o));
	o->rule.action = action;
	o->rule.prob = FL_PROB_ONE;
	o->rule.dir = action == FL_ACT_DROP ? FL_DIR_EGRESS | FL_DIR_INGRESS : FL_DIR_EGRESS;
	o->duration_ns = NET_DEFAULT_DURATION;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", net_longopts, NULL)) != -1) {
		if (opt == OPT_HELP) {
			o->help = true;
			return 0;
		}
		if (opt == '?') {
			snprintf(err, FL_ERRLEN, "net: unknown or incomplete option '%s'; see 'faultline net help'",
				 argv[optind - 1]);
			return -EINVAL;
		}
		if (net_opt(o, opt, optarg, err))
			return -EINVAL;
	}
	if (optind < argc) {
		snprintf(err, FL_ERRLEN, "net: unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	return net_validate(o, err);
}

const struct option *fl_net_option(const char *name)
{
	return fl_find_option(net_longopts, name);
}

int fl_net_parse_opt(struct net_opts *o, const struct option *opt, const char *arg, char *err)
{
	return net_opt(o, opt->val, arg, err);
}

/* The old record takes the device note as a line of its own. */
static int note_to_reg(void *arg, const char *note)
{
	struct fl_reg_dev d = { 0 };
	struct fl_net_note n;

	if (fl_net_parse_note(note, &n))
		return -EINVAL;
	d.netns = n.netns;
	d.ifindex = n.ifindex;
	d.made_clsact = n.made_clsact;
	snprintf(d.name, sizeof(d.name), "%s", n.name);
	return fl_reg_add_dev(arg, &d);
}

int fl_net_start(struct net_session **s, struct net_opts *o, const struct fl_fault_ctx *ctx,
		 char *err)
{
	char leaf[16], pin[PATH_MAX];
	struct fl_net_legacy l = {
		.generation = ctx->generation, .deadline_ns = ctx->deadline_ns, .index = ctx->index,
		/* Events name the experiment by the id `list` shows (hex). */
		.exp_id = strtoul(ctx->reg->id, NULL, 16), .pin_prefix = pin,
		.pin_links = ctx->pin_links, .note = note_to_reg, .note_arg = ctx->reg,
	};
	int rc;

	snprintf(leaf, sizeof(leaf), "f%d", ctx->index);
	fl_reg_pin_path(ctx->reg, leaf, pin, sizeof(pin));
	rc = fl_net_load_legacy(s, o, &l, err);
	if (!rc)
		o->rule.deadline_ns = ctx->deadline_ns;
	return rc;
}

/* ---------------------------------------------- `faultline net drop|delay` */

struct fg_run {
	struct net_opts *o;
	struct net_session *s;
	uint64_t start_ns;
	int stop_signal;
};

static void render_status(struct fg_run *f, bool final)
{
	static struct fl_rate rate;
	struct fl_counters c;
	char line[256], avg[48] = "";
	uint64_t now = fl_now_ns(), elapsed = now - f->start_ns;
	uint64_t left = f->o->rule.deadline_ns > now ? f->o->rule.deadline_ns - now : 0;
	bool drop = f->o->rule.action == FL_ACT_DROP;

	fl_net_counters(f->s, &c);
	/* The delay applied, as the program computed it: jitter and flow order included. */
	if (!drop && c.injected)
		snprintf(avg, sizeof(avg), ", %.2f ms avg", c.delay_ns / 1e6 / c.injected);
	snprintf(line, sizeof(line), "net %s %s  %5.1fs elapsed, %5.1fs left  matched %llu  %s %llu (%.1f/s%s)%s",
		 drop ? "drop" : "delay", f->o->target.rel, elapsed / 1e9, left / 1e9,
		 (unsigned long long)c.matched, drop ? "dropped" : "delayed", (unsigned long long)c.injected,
		 fl_rate_update(&rate, now, c.injected), avg, final ? "" : "  (Ctrl-C stops)");
	fl_status_line(line, final);
}

static void run_until_done(struct fg_run *f, uint64_t generation)
{
	uint64_t deadline = f->o->rule.deadline_ns;

	while (!(f->stop_signal = fl_signal_pending()) && fl_now_ns() < deadline &&
	       !fl_ctl_halted(generation)) {
		uint64_t left = deadline - fl_now_ns();

		render_status(f, false);
		usleep(left < 250000000ULL ? left / 1000 + 1 : 250000);
	}
}

int fl_net_run(struct net_opts *o, struct net_summary *sum, char *err)
{
	struct fl_reg reg = { .nfaults = 1, .faults[0].kind = FL_REG_NET };
	struct fl_fault_ctx ctx = { .reg = &reg };
	struct fg_run f = { .o = o };
	const char *dev;
	int rc;

	fl_signals_install();
	rc = fl_ctl_prepare(&ctx.generation);
	if (rc) {
		snprintf(err, FL_ERRLEN, "cannot prepare bpffs state: %s", strerror(-rc));
		return rc;
	}
	snprintf(reg.name, sizeof(reg.name), "net-%s", o->rule.action == FL_ACT_DROP ? "drop" : "delay");
	fl_exp_net_desc(o, reg.faults[0].desc, sizeof(reg.faults[0].desc));
	snprintf(reg.target, sizeof(reg.target), "%s", o->target.rel);
	reg.cgid = o->target.cgid;
	ctx.start_ns = reg.start_ns = fl_now_ns();
	ctx.deadline_ns = reg.deadline_ns = ctx.start_ns + o->duration_ns;
	rc = fl_reg_create(&reg, err);
	if (rc)
		return rc;
	rc = fl_net_start(&f.s, o, &ctx, err);
	if (rc)
		goto out;
	f.start_ns = fl_now_ns();
	dev = fl_net_device(f.s);
	/* Tools and tests wait for this line: the fault is live from here. */
	fprintf(stderr, "faultline: net %s attached to %s (%s%s%s) for %.1fs [experiment %s]\n",
		o->rule.action == FL_ACT_DROP ? "drop" : "delay", o->target.rel, fl_net_mechanism(f.s),
		dev[0] ? " on " : "", dev, o->duration_ns / 1e9, reg.id);
	if (!fl_signal_pending())
		run_until_done(&f, ctx.generation);
	render_status(&f, true);
	sum->stop_signal = f.stop_signal;
	sum->halted = !f.stop_signal && fl_ctl_halted(ctx.generation);
	fl_net_end(f.s, sum);
out:
	fl_reg_remove(&reg);
	return rc;
}
