// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `faultline net drop|delay`: network faults for one cgroup, in the foreground. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
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
#include "experiment.h"
#include "probe.h"
#include "registry.h"
#include "sockets.h"

#define NSEC_PER_SEC		1000000000ULL
#define NET_DEFAULT_DURATION	(60 * NSEC_PER_SEC)
#define NET_MAX_DURATION	(24 * 3600 * NSEC_PER_SEC)
#define NET_MAX_DELAY		(60 * NSEC_PER_SEC)
#define FL_NET_CG_PROGS		5

struct net_session {
	struct net_opts *o;
	const struct fl_fault_ctx *ctx;
	struct net_bpf *skel;
	struct bpf_link *cg_link[FL_NET_CG_PROGS];
	struct fl_netdev dev;
	bool dev_used;
	int netns_fd;		/* the target's namespace, where dev lives; -1 when ours */
	const char *mechanism;
	uint64_t start_ns;
	int stop_signal;
};

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

/* Cross-option checks, once everything is read. */
static int net_validate(struct net_opts *o, char *err)
{
	struct fl_net_rule *r = &o->rule;

	if (o->target.kind == FL_TARGET_NONE)
		return bad(err, "no target: give --cgroup PATH, --pid PID or --unit NAME");
	if (o->duration_ns == 0 || o->duration_ns > NET_MAX_DURATION)
		return bad(err, "--duration must be above zero and at most 24h");
	if (r->action == FL_ACT_DELAY) {
		if (!o->delay_set)
			return bad(err, "net delay needs --delay (for example --delay 50ms)");
		if (r->delay_ns == 0 || r->delay_ns > NET_MAX_DELAY)
			return bad(err, "--delay must be above zero and at most 60s");
		if (r->jitter_ns > r->delay_ns)
			return bad(err, "--jitter must not exceed --delay (delays are never negative)");
	} else if (o->delay_set || r->jitter_ns) {
		return bad(err, "--delay and --jitter belong to 'net delay'");
	}
	if ((r->port_lo || r->lport_lo) && r->proto == FL_PROTO_ICMP)
		return bad(err, "--port and --local-port need tcp or udp, not icmp");
	return 0;
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

/* Sum the per-CPU counters of rule 0. */
void fl_net_counters(struct net_session *s, struct fl_counters *sum)
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

/*
 * Only delay uses the flow maps, and only ingress delay what the target
 * taught it: at one entry each, a drop experiment holds ~12 KiB of map
 * memory instead of ~12 MiB (bench/README.md measured it).
 */
static void shrink_unused_maps(struct net_bpf *skel, bool drop, bool ingress)
{
	if (drop) {
		bpf_map__set_max_entries(skel->maps.flow_last, 1);
		bpf_map__set_max_entries(skel->maps.targets, 1);
	}
	if (drop || !ingress) {
		bpf_map__set_max_entries(skel->maps.tflows, 1);
		bpf_map__set_max_entries(skel->maps.tports, 1);
	}
}

static int open_object(struct net_session *s)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = FL_PIN_ROOT);
	struct fl_net_rule *r = &s->o->rule;
	bool drop = r->action == FL_ACT_DROP;
	int rc;

	s->skel = net_bpf__open_opts(&oo);
	if (!s->skel)
		return -errno;
	s->skel->rodata->fl_generation = s->ctx->generation;
	/* Events name the experiment by the id `list` shows (hex). */
	s->skel->rodata->fl_exp_id = strtoul(s->ctx->reg->id, NULL, 16);
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
	shrink_unused_maps(s->skel, drop, r->dir & FL_DIR_INGRESS);
	rc = net_bpf__load(s->skel);
	if (rc)
		return rc;
	return 0;
}

struct port_fill {
	int fd;
	__u64 cgid;	/* which process of the tree owns a socket is not known: the target's */
};

static void add_port(uint8_t proto, uint16_t port, void *arg)
{
	struct fl_port_key k = { .lport = port, .proto = proto };
	struct port_fill *f = arg;

	bpf_map_update_elem(f->fd, &k, &f->cgid, BPF_ANY);
}

static int fill_maps(struct net_session *s)
{
	__u64 cgid = s->o->target.cgid;
	__u32 key = 0, one = 1;
	char leaf[16], pin[PATH_MAX];

	s->o->rule.deadline_ns = s->ctx->deadline_ns;
	if (bpf_map_update_elem(bpf_map__fd(s->skel->maps.targets), &cgid, &one, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(s->skel->maps.rules), &key, &s->o->rule, BPF_ANY))
		return -errno;
	if (s->o->rule.action == FL_ACT_DELAY && (s->o->rule.dir & FL_DIR_INGRESS)) {
		struct port_fill f = { bpf_map__fd(s->skel->maps.tports), cgid };
		int n = fl_cgroup_listen_ports(s->o->target.path, add_port, &f);

		pr_debug("ingress delay: %d ports the target already receives on\n", n);
	}
	/* `status`, `metrics` and `list` read the counters from here. */
	snprintf(leaf, sizeof(leaf), "f%d", s->ctx->index);
	fl_reg_pin_path(s->ctx->reg, leaf, pin, sizeof(pin));
	return bpf_map__pin(s->skel->maps.counters, pin);
}

/* A detached experiment's links live in bpffs, not in the controller. */
static int pin_link(struct net_session *s, struct bpf_link *l, int n)
{
	char leaf[32], pin[PATH_MAX];

	if (!s->ctx->pin_links)
		return 0;
	snprintf(leaf, sizeof(leaf), "f%d_link%d", s->ctx->index, n);
	fl_reg_pin_path(s->ctx->reg, leaf, pin, sizeof(pin));
	return bpf_link__pin(l, pin);
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
		rc = s->cg_link[i] ? pin_link(s, s->cg_link[i], i) : -errno;
		if (rc)
			snprintf(err, FL_ERRLEN, "cannot attach cgroup_skb to %s: %s",
				 s->o->target.path, strerror(-rc));
	}
	close(cgfd);
	return rc;
}

/* Into `fd`'s network namespace; returns an fd for the one we left, or -1. */
static int netns_enter(int fd)
{
	int orig;

	if (fd < 0)
		return -1;
	orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig >= 0 && setns(fd, CLONE_NEWNET)) {
		close(orig);
		return -1;
	}
	return orig;
}

static void netns_leave(int orig)
{
	if (orig < 0)
		return;
	if (setns(orig, CLONE_NEWNET))
		pr_warn("cannot return to faultline's network namespace: %s\n", strerror(errno));
	close(orig);
}

/* The record names the device before anything on it changes. */
static int note_dev(struct net_session *s, char *err)
{
	struct fl_reg_dev d = { .ifindex = s->dev.ifindex, .made_clsact = true };
	struct stat st;
	int rc;

	snprintf(d.name, sizeof(d.name), "%s", s->dev.name);
	if (stat("/proc/self/ns/net", &st))
		return -errno;
	d.netns = st.st_ino;
	rc = fl_reg_add_dev(s->ctx->reg, &d);
	if (rc)
		snprintf(err, FL_ERRLEN, "cannot record device %s in %s: %s", d.name, FL_RUN_DIR,
			 strerror(-rc));
	return rc;
}

/* Devices first (netns, fq, ifb): the object's rodata needs their indexes. */
static int prepare_delay(struct net_session *s, char *err)
{
	uint64_t max_delay = s->o->rule.delay_ns + s->o->rule.jitter_ns;
	int rc;

	rc = fl_enter_cgroup_netns(s->o->target.path, err);
	if (!rc) {
		s->netns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		rc = fl_netdev_pick(&s->dev, s->o->dev, err);
	}
	if (!rc)
		rc = note_dev(s, err);
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

static void teardown(struct net_session *s)
{
	int orig;

	for (int i = 0; i < FL_NET_CG_PROGS; i++) {
		if (s->cg_link[i] && s->ctx && s->ctx->pin_links)
			bpf_link__unpin(s->cg_link[i]);
		bpf_link__destroy(s->cg_link[i]);
	}
	if (s->dev_used) {
		orig = netns_enter(s->netns_fd);
		fl_netdev_restore(&s->dev);
		netns_leave(orig);
	}
	if (s->netns_fd >= 0)
		close(s->netns_fd);
	net_bpf__destroy(s->skel);
	free(s);
}

static int start(struct net_session *s, char *err)
{
	int rc;

	if (s->o->rule.action == FL_ACT_DELAY && (rc = prepare_delay(s, err)))
		return rc;
	rc = open_object(s);
	if (rc) {
		snprintf(err, FL_ERRLEN, "cannot load the network programs: %s (%s)", strerror(-rc),
			 rc == -EACCES || rc == -EINVAL ? "the verifier refused them; -vv shows its log" :
			 "run 'faultline doctor'");
		return rc;
	}
	s->start_ns = fl_now_ns();
	rc = fill_maps(s);
	if (rc) {
		snprintf(err, FL_ERRLEN, "cannot fill the rule maps: %s", strerror(-rc));
		return rc;
	}
	if (s->o->rule.action == FL_ACT_DROP) {
		s->mechanism = "cgroup_skb (bpf_link on the target cgroup)";
		return attach_cgroup_progs(s, err);
	}
	return attach_delay(s, err);
}

int fl_net_start(struct net_session **out, struct net_opts *o, const struct fl_fault_ctx *ctx,
		 char *err)
{
	struct net_session *s = calloc(1, sizeof(*s));
	int orig, rc;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->o = o;
	s->ctx = ctx;
	s->netns_fd = -1;
	orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	rc = start(s, err);
	/* Back home: the next fault, and the steady-state probe, start from here. */
	netns_leave(orig);
	if (rc) {
		teardown(s);
		return rc;
	}
	*out = s;
	return 0;
}

const char *fl_net_mechanism(const struct net_session *s)
{
	return s->mechanism;
}

const char *fl_net_device(const struct net_session *s)
{
	return s->dev_used ? s->dev.name : "";
}

void fl_net_end(struct net_session *s, struct net_summary *sum)
{
	int orig;

	if (sum) {
		fl_net_counters(s, &sum->c);
		if (s->dev_used) {
			orig = netns_enter(s->netns_fd);
			fl_netdev_fq_stats(&s->dev, &sum->dev_fq, &sum->ifb_fq);
			netns_leave(orig);
		}
		sum->elapsed_ns = fl_now_ns() - s->start_ns;
		snprintf(sum->mechanism, sizeof(sum->mechanism), "%s", s->mechanism ?: "");
		snprintf(sum->device, sizeof(sum->device), "%s", fl_net_device(s));
		snprintf(sum->ifb, sizeof(sum->ifb), "%s", s->dev.ifb);
		sum->made_fq = s->dev.made_fq;
	}
	teardown(s);
}

/* ---------------------------------------------- `faultline net drop|delay` */

static void render_status(struct net_session *s, bool final)
{
	static struct fl_rate rate;
	struct fl_counters c;
	char line[256], avg[48] = "";
	uint64_t now = fl_now_ns(), elapsed = now - s->start_ns;
	uint64_t left = s->o->rule.deadline_ns > now ? s->o->rule.deadline_ns - now : 0;

	fl_net_counters(s, &c);
	/* The delay applied, as the program computed it: jitter and flow order included. */
	if (s->o->rule.action == FL_ACT_DELAY && c.injected)
		snprintf(avg, sizeof(avg), ", %.2f ms avg", c.delay_ns / 1e6 / c.injected);
	snprintf(line, sizeof(line), "net %s %s  %5.1fs elapsed, %5.1fs left  matched %llu  %s %llu (%.1f/s%s)%s",
		 s->o->rule.action == FL_ACT_DROP ? "drop" : "delay",
		 s->o->target.rel, elapsed / 1e9, left / 1e9, (unsigned long long)c.matched,
		 s->o->rule.action == FL_ACT_DROP ? "dropped" : "delayed", (unsigned long long)c.injected,
		 fl_rate_update(&rate, now, c.injected), avg, final ? "" : "  (Ctrl-C stops)");
	fl_status_line(line, final);
}

static void run_until_done(struct net_session *s)
{
	uint64_t deadline = s->o->rule.deadline_ns;

	while (!(s->stop_signal = fl_signal_pending()) && fl_now_ns() < deadline &&
	       !fl_ctl_halted(s->ctx->generation)) {
		uint64_t left = deadline - fl_now_ns();

		render_status(s, false);
		usleep(left < 250000000ULL ? left / 1000 + 1 : 250000);
	}
}

int fl_net_run(struct net_opts *o, struct net_summary *sum, char *err)
{
	struct fl_reg reg = { .nfaults = 1, .faults[0].kind = FL_REG_NET };
	struct fl_fault_ctx ctx = { .reg = &reg };
	struct net_session *s;
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
	rc = fl_net_start(&s, o, &ctx, err);
	if (rc)
		goto out;
	/* Tools and tests wait for this line: the fault is live from here. */
	fprintf(stderr, "faultline: net %s attached to %s (%s%s%s) for %.1fs [experiment %s]\n",
		o->rule.action == FL_ACT_DROP ? "drop" : "delay", o->target.rel, s->mechanism,
		s->dev_used ? " on " : "", fl_net_device(s), o->duration_ns / 1e9, reg.id);
	if (!fl_signal_pending())
		run_until_done(s);
	render_status(s, true);
	sum->stop_signal = s->stop_signal;
	sum->halted = !s->stop_signal && fl_ctl_halted(ctx.generation);
	fl_net_end(s, sum);
out:
	fl_reg_remove(&reg);
	return rc;
}
