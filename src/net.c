// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `faultline net drop|delay`: network faults for one cgroup, in the foreground. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "net.skel.h"
#include "cmd.h"
#include "ctl.h"
#include "events.h"
#include "json.h"
#include "log.h"
#include "net.h"
#include "netdev.h"
#include "probe.h"
#include "sockets.h"

#define NSEC_PER_SEC		1000000000ULL
#define NET_DEFAULT_DURATION	(60 * NSEC_PER_SEC)
#define NET_MAX_DURATION	(24 * 3600 * NSEC_PER_SEC)
#define NET_MAX_DELAY		(60 * NSEC_PER_SEC)
#define FL_NET_CG_PROGS		5

struct net_session {
	struct net_opts *o;
	struct net_bpf *skel;
	struct bpf_link *cg_link[FL_NET_CG_PROGS];
	struct fl_netdev dev;
	bool dev_used;
	const char *mechanism;
	uint64_t start_ns;
	int stop_signal;
};

static int bad(const char *msg)
{
	pr_warn("%s\n", msg);
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

static int parse_direction(const char *s, uint32_t *dir)
{
	if (!strcmp(s, "egress"))
		*dir = FL_DIR_EGRESS;
	else if (!strcmp(s, "ingress"))
		*dir = FL_DIR_INGRESS;
	else if (!strcmp(s, "both"))
		*dir = FL_DIR_EGRESS | FL_DIR_INGRESS;
	else
		return bad("--direction takes egress, ingress or both");
	return 0;
}

static int parse_protocol(const char *s, uint8_t *proto)
{
	if (!strcmp(s, "tcp"))
		*proto = FL_PROTO_TCP;
	else if (!strcmp(s, "udp"))
		*proto = FL_PROTO_UDP;
	else if (!strcmp(s, "icmp"))
		*proto = FL_PROTO_ICMP;
	else
		return bad("--protocol takes tcp, udp or icmp");
	return 0;
}

/* One option into o; -EINVAL (already reported) on bad input. */
static int net_opt(struct net_opts *o, int opt, const char *arg, char *err)
{
	struct fl_net_rule *r = &o->rule;
	int rc = 0;

	switch (opt) {
	case OPT_CGROUP: rc = fl_target_set(&o->target, FL_TARGET_CGROUP, arg, err); break;
	case OPT_PID: rc = fl_target_set(&o->target, FL_TARGET_PID, arg, err); break;
	case OPT_UNIT: rc = fl_target_set(&o->target, FL_TARGET_UNIT, arg, err); break;
	case OPT_DIR: return parse_direction(arg, &r->dir);
	case OPT_PROB: rc = fl_parse_probability(arg, &r->prob, err); o->prob_set = true; break;
	case OPT_PROTO: return parse_protocol(arg, &r->proto);
	case OPT_PORT: rc = fl_parse_port_range(arg, &r->port_lo, &r->port_hi, err); break;
	case OPT_LPORT: rc = fl_parse_port_range(arg, &r->lport_lo, &r->lport_hi, err); break;
	case OPT_REMOTE: rc = fl_parse_cidr(arg, r->remote, &r->remote_plen, err); break;
	case OPT_DURATION: rc = fl_parse_duration(arg, &o->duration_ns, err); break;
	case OPT_DELAY: rc = fl_parse_duration(arg, &r->delay_ns, err); o->delay_set = true; break;
	case OPT_JITTER: rc = fl_parse_duration(arg, &r->jitter_ns, err); break;
	case OPT_DEV: o->dev = arg; break;
	case OPT_FORCE: o->force = true; break;
	case OPT_DRY_RUN: o->dry_run = true; break;
	default: return -EINVAL;
	}
	if (rc)
		pr_warn("%s\n", err);
	return rc;
}

/* Cross-option checks, once everything is read. */
static int net_validate(struct net_opts *o)
{
	struct fl_net_rule *r = &o->rule;

	if (o->target.kind == FL_TARGET_NONE)
		return bad("no target: give --cgroup PATH, --pid PID or --unit NAME");
	if (o->duration_ns == 0 || o->duration_ns > NET_MAX_DURATION)
		return bad("--duration must be above zero and at most 24h");
	if (r->action == FL_ACT_DELAY) {
		if (!o->delay_set)
			return bad("net delay needs --delay (for example --delay 50ms)");
		if (r->delay_ns == 0 || r->delay_ns > NET_MAX_DELAY)
			return bad("--delay must be above zero and at most 60s");
		if (r->jitter_ns > r->delay_ns)
			return bad("--jitter must not exceed --delay (delays are never negative)");
	} else if (o->delay_set || r->jitter_ns) {
		return bad("--delay and --jitter belong to 'net delay'");
	}
	if ((r->port_lo || r->lport_lo) && r->proto == FL_PROTO_ICMP)
		return bad("--port and --local-port need tcp or udp, not icmp");
	return 0;
}

int fl_net_parse(enum fl_action action, int argc, char **argv, struct net_opts *o)
{
	char err[FL_ERRLEN];
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
			pr_warn("net: unknown or incomplete option '%s'; see 'faultline net help'\n",
				argv[optind - 1]);
			return -EINVAL;
		}
		if (net_opt(o, opt, optarg, err))
			return -EINVAL;
	}
	if (optind < argc) {
		pr_warn("net: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return net_validate(o);
}

/* Sum the per-CPU counters of rule 0. */
static void read_counters(struct net_session *s, struct fl_counters *sum)
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(s->skel->maps.counters);
	struct fl_counters per[ncpu > 0 ? ncpu : 1];
	__u32 key = 0;

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0 || bpf_map_lookup_elem(fd, &key, per))
		return;
	for (int i = 0; i < ncpu; i++) {
		sum->matched += per[i].matched;
		sum->injected += per[i].injected;
		sum->bytes += per[i].bytes;
		sum->segs += per[i].segs;
		sum->delay_ns += per[i].delay_ns;
	}
}

static int open_object(struct net_session *s, uint64_t generation)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = FL_PIN_ROOT);
	struct fl_net_rule *r = &s->o->rule;
	bool drop = r->action == FL_ACT_DROP;
	int rc;

	s->skel = net_bpf__open_opts(&oo);
	if (!s->skel)
		return -errno;
	s->skel->rodata->fl_generation = generation;
	s->skel->rodata->nr_rules = 1;
	s->skel->rodata->targ_nr_levels = 1;
	s->skel->rodata->targ_levels[0] = s->o->target.level;
	s->skel->rodata->tc_l3_off = s->dev.l3_off;
	s->skel->rodata->ifb_ifindex = s->dev.ifb_ifindex;
	s->skel->rodata->ev_task = fl_events_task_helpers();
	bpf_program__set_autoload(s->skel->progs.fl_cg_egress, drop && (r->dir & FL_DIR_EGRESS));
	bpf_program__set_autoload(s->skel->progs.fl_cg_ingress, drop && (r->dir & FL_DIR_INGRESS));
	bpf_program__set_autoload(s->skel->progs.fl_tc_egress, !drop && (r->dir & FL_DIR_EGRESS));
	bpf_program__set_autoload(s->skel->progs.fl_tc_ingress, !drop && (r->dir & FL_DIR_INGRESS));
	/* The target teaches the ingress program its flows and ports. */
	bpf_program__set_autoload(s->skel->progs.fl_cg_learn, !drop && (r->dir & FL_DIR_INGRESS));
	bpf_program__set_autoload(s->skel->progs.fl_bind4, !drop && (r->dir & FL_DIR_INGRESS));
	bpf_program__set_autoload(s->skel->progs.fl_bind6, !drop && (r->dir & FL_DIR_INGRESS));
	rc = net_bpf__load(s->skel);
	if (rc)
		return rc;
	return 0;
}

static void add_port(uint8_t proto, uint16_t port, void *arg)
{
	struct fl_port_key k = { .lport = port, .proto = proto };
	__u8 one = 1;

	bpf_map_update_elem(*(int *)arg, &k, &one, BPF_ANY);
}

static int fill_maps(struct net_session *s)
{
	__u64 cgid = s->o->target.cgid;
	__u32 key = 0, one = 1;

	s->o->rule.deadline_ns = s->start_ns + s->o->duration_ns;
	if (bpf_map_update_elem(bpf_map__fd(s->skel->maps.targets), &cgid, &one, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(s->skel->maps.rules), &key, &s->o->rule, BPF_ANY))
		return -errno;
	if (s->o->rule.action == FL_ACT_DELAY && (s->o->rule.dir & FL_DIR_INGRESS)) {
		int fd = bpf_map__fd(s->skel->maps.tports);
		int n = fl_cgroup_listen_ports(s->o->target.path, add_port, &fd);

		pr_debug("ingress delay: %d ports the target already receives on\n", n);
	}
	return 0;
}

/* Every loaded cgroup program of the object, on the target cgroup. */
static int attach_cgroup_progs(struct net_session *s, char *err)
{
	struct bpf_program *progs[FL_NET_CG_PROGS] = {
		s->skel->progs.fl_cg_egress, s->skel->progs.fl_cg_ingress, s->skel->progs.fl_cg_learn,
		s->skel->progs.fl_bind4, s->skel->progs.fl_bind6,
	};
	int cgfd, i, rc = 0;

	cgfd = open(s->o->target.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		snprintf(err, FL_ERRLEN, "cannot open cgroup %s: %s", s->o->target.path, strerror(errno));
		return -errno;
	}
	for (i = 0; i < FL_NET_CG_PROGS && !rc; i++) {
		if (!bpf_program__autoload(progs[i]))
			continue;
		s->cg_link[i] = bpf_program__attach_cgroup(progs[i], cgfd);
		if (!s->cg_link[i]) {
			rc = -errno;
			snprintf(err, FL_ERRLEN, "cannot attach cgroup_skb to %s: %s",
				 s->o->target.path, strerror(-rc));
		}
	}
	close(cgfd);
	return rc;
}

/* Devices first (netns, fq, ifb): the object's rodata needs their indexes. */
static int prepare_delay(struct net_session *s, char *err)
{
	uint64_t max_delay = s->o->rule.delay_ns + s->o->rule.jitter_ns;
	int rc;

	rc = fl_enter_cgroup_netns(s->o->target.path, err);
	if (!rc)
		rc = fl_netdev_pick(&s->dev, s->o->dev, err);
	if (rc)
		return rc;
	s->dev_used = true;
	rc = fl_netdev_ensure_fq(&s->dev, s->dev.ifindex, max_delay, s->o->force, &s->dev.made_fq, err);
	if (!rc && (s->o->rule.dir & FL_DIR_INGRESS))
		rc = fl_netdev_make_ifb(&s->dev, max_delay, err);
	return rc;
}

static int attach_delay(struct net_session *s, char *err)
{
	struct fl_features ff = { 0 };
	bool tcx = fl_probe_one(FEAT_TCX, &ff);
	int rc;

	rc = attach_cgroup_progs(s, err);
	if (!rc && (s->o->rule.dir & FL_DIR_EGRESS))
		rc = fl_tc_attach(&s->dev.egress, s->dev.ifindex, false,
				  bpf_program__fd(s->skel->progs.fl_tc_egress), tcx, err);
	if (!rc && (s->o->rule.dir & FL_DIR_INGRESS))
		rc = fl_tc_attach_redirect(&s->dev.ingress, s->dev.ifindex,
					   bpf_program__fd(s->skel->progs.fl_tc_ingress),
					   s->dev.ifb_ifindex, err);
	s->mechanism = tcx ? "tc EDT (tcx link) + fq" : "tc EDT (clsact filter via netlink) + fq";
	return rc;
}

static void render_status(struct net_session *s, bool final)
{
	struct fl_counters c;
	char line[256];
	uint64_t now = fl_now_ns(), elapsed = now - s->start_ns;
	uint64_t left = s->o->rule.deadline_ns > now ? s->o->rule.deadline_ns - now : 0;

	read_counters(s, &c);
	snprintf(line, sizeof(line), "net %s %s  %5.1fs elapsed, %5.1fs left  matched %llu  %s %llu%s",
		 s->o->rule.action == FL_ACT_DROP ? "drop" : "delay",
		 s->o->target.rel, elapsed / 1e9, left / 1e9, (unsigned long long)c.matched,
		 s->o->rule.action == FL_ACT_DROP ? "dropped" : "delayed", (unsigned long long)c.injected,
		 final ? "" : "  (Ctrl-C stops)");
	fl_status_line(line, final);
}

static void run_until_done(struct net_session *s)
{
	uint64_t deadline = s->o->rule.deadline_ns;

	while (!(s->stop_signal = fl_signal_pending()) && fl_now_ns() < deadline) {
		uint64_t left = deadline - fl_now_ns();

		render_status(s, false);
		usleep(left < 250000000ULL ? left / 1000 + 1 : 250000);
	}
}

static void teardown(struct net_session *s)
{
	for (int i = 0; i < FL_NET_CG_PROGS; i++)
		bpf_link__destroy(s->cg_link[i]);
	if (s->dev_used)
		fl_netdev_restore(&s->dev);
	net_bpf__destroy(s->skel);
}

int fl_net_run(struct net_opts *o, struct net_summary *sum, char *err)
{
	struct net_session s = { .o = o };
	uint64_t generation;
	int rc;

	fl_signals_install();
	rc = fl_ctl_prepare(&generation);
	if (rc) {
		snprintf(err, FL_ERRLEN, "cannot prepare bpffs state: %s", strerror(-rc));
		return rc;
	}
	if (o->rule.action == FL_ACT_DELAY && (rc = prepare_delay(&s, err)))
		goto out;
	rc = open_object(&s, generation);
	if (rc) {
		snprintf(err, FL_ERRLEN, "cannot load the network programs: %s (%s)", strerror(-rc),
			 rc == -EACCES || rc == -EINVAL ? "the verifier refused them; -vv shows its log" :
			 "run 'faultline doctor'");
		goto out;
	}
	s.start_ns = fl_now_ns();
	rc = fill_maps(&s);
	if (rc) {
		snprintf(err, FL_ERRLEN, "cannot fill the rule maps: %s", strerror(-rc));
		goto out;
	}
	if (o->rule.action == FL_ACT_DROP) {
		rc = attach_cgroup_progs(&s, err);
		s.mechanism = "cgroup_skb (bpf_link on the target cgroup)";
	} else {
		rc = attach_delay(&s, err);
	}
	if (rc)
		goto out;
	/* Tools and tests wait for this line: the fault is live from here. */
	fprintf(stderr, "faultline: net %s attached to %s (%s%s%s) for %.1fs\n",
		o->rule.action == FL_ACT_DROP ? "drop" : "delay", o->target.rel, s.mechanism,
		s.dev_used ? " on " : "", s.dev_used ? s.dev.name : "", o->duration_ns / 1e9);
	if (!fl_signal_pending())
		run_until_done(&s);
	render_status(&s, true);
	read_counters(&s, &sum->c);
	if (s.dev_used)
		fl_netdev_fq_stats(&s.dev, &sum->dev_fq, &sum->ifb_fq);
	sum->elapsed_ns = fl_now_ns() - s.start_ns;
	sum->stop_signal = s.stop_signal;
	snprintf(sum->mechanism, sizeof(sum->mechanism), "%s", s.mechanism);
	snprintf(sum->device, sizeof(sum->device), "%s", s.dev_used ? s.dev.name : "");
	snprintf(sum->ifb, sizeof(sum->ifb), "%s", s.dev.ifb);
	sum->made_fq = s.dev.made_fq;
out:
	teardown(&s);
	return rc;
}
