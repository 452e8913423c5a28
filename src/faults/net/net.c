// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The loader of one network fault: open → configure → load → attach, as
 * the skeleton lifecycle goes, and back. Ingress drop attaches a cgroup_skb
 * program to the target cgroup; egress drop a tc program to every device
 * of the target's network namespace (net.bpf.h says why tc); delay first
 * readies one device there (fq, an ifb for ingress: netdev.c), then
 * attaches tc programs to it. What outlives us (a clsact filter, a qdisc)
 * is noted first, so a crash can be undone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "net.skel.h"
#include "ctl.h"
#include "dropdev.h"
#include "fault.h"
#include "log.h"
#include "netdev.h"
#include "netload.h"
#include "probe.h"
#include "sockets.h"

#define FL_NET_CG_PROGS		4

struct net_session {
	struct fl_net_conf conf;	/* a copy: the rule gets its deadline */
	struct net_bpf *skel;
	struct bpf_link *cg_link[FL_NET_CG_PROGS];
	struct fl_drop_devs *drop;	/* egress drop: where it is attached (dropdev.c) */
	char counters_pin[sizeof(((struct fl_fault_ctx *)0)->pin_prefix)];
	struct fl_netdev dev;
	bool dev_used;
	int netns_fd;		/* the target's namespace, where dev lives; -1 when ours */
	uint64_t fq_base;	/* fq drops on the device when we began */
	const char *mechanism;
	uint64_t start_ns;
};

static bool is_drop(const struct net_session *s)
{
	return s->conf.rule.action == FL_ACT_DROP;
}

static bool has_dir(const struct net_session *s, uint32_t dir)
{
	return s->conf.rule.dir & dir;
}

/*
 * Only delay uses the flow maps, and only ingress delay what the target
 * taught it: at one entry each, a drop fault holds ~12 KiB of map memory
 * instead of ~12 MiB (bench/README.md measured it).
 */
static void shrink_unused_maps(struct net_session *s)
{
	struct net_bpf *skel = s->skel;

	if (is_drop(s))
		bpf_map__set_max_entries(skel->maps.fl_net_flow_last, 1);
	if (is_drop(s) || !has_dir(s, FL_DIR_INGRESS)) {
		bpf_map__set_max_entries(skel->maps.fl_net_tflows, 1);
		bpf_map__set_max_entries(skel->maps.fl_net_tports, 1);
	}
}

/* The programs of this fault's action and directions, and no other. */
static void choose_programs(struct net_session *s)
{
	struct net_bpf *skel = s->skel;
	bool drop = is_drop(s), in = has_dir(s, FL_DIR_INGRESS), out = has_dir(s, FL_DIR_EGRESS);

	bpf_program__set_autoload(skel->progs.fl_tc_drop, drop && out);
	bpf_program__set_autoload(skel->progs.fl_cg_ingress, drop && in);
	bpf_program__set_autoload(skel->progs.fl_tc_egress, !drop && out);
	bpf_program__set_autoload(skel->progs.fl_tc_ingress, !drop && in);
	/* The target teaches the ingress program its flows and ports. */
	bpf_program__set_autoload(skel->progs.fl_cg_learn, !drop && in);
	bpf_program__set_autoload(skel->progs.fl_bind4, !drop && in);
	bpf_program__set_autoload(skel->progs.fl_bind6, !drop && in);
}

static int open_object(struct net_session *s, const struct fl_fault_ctx *ctx)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = FL_PIN_ROOT);

	s->skel = net_bpf__open_opts(&oo);
	if (!s->skel)
		return -errno;
	s->skel->rodata->fl_generation = ctx->generation;
	s->skel->rodata->fl_exp_id = ctx->exp_id;
	s->skel->rodata->fl_seed = ctx->seed;
	s->skel->rodata->fl_fault_index = ctx->index;
	s->skel->rodata->targ_cgid = ctx->target->cgid;
	s->skel->rodata->targ_level = ctx->target->level;
	s->skel->rodata->ifb_ifindex = s->dev.ifb_ifindex;
	s->skel->rodata->ev_task = fl_events_task_helpers();
	choose_programs(s);
	shrink_unused_maps(s);
	return net_bpf__load(s->skel);
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

static int fill_maps(struct net_session *s, const struct fl_fault_ctx *ctx)
{
	__u32 key = 0;
	int rc;

	s->conf.rule.deadline_ns = FL_DEADLINE_INERT;	/* live at fl_net_arm() */
	if (bpf_map_update_elem(bpf_map__fd(s->skel->maps.fl_net_rule), &key, &s->conf.rule, BPF_ANY))
		return -errno;
	if (!is_drop(s) && has_dir(s, FL_DIR_INGRESS)) {
		struct port_fill f = { bpf_map__fd(s->skel->maps.fl_net_tports), ctx->target->cgid };
		int n = fl_cgroup_listen_ports(ctx->target->path, add_port, &f);

		pr_debug("ingress delay: %d ports the target already receives on\n", n);
	}
	/* `status`, `metrics` and `list` read the counters from here (read_pinned). */
	rc = bpf_map__pin(s->skel->maps.fl_net_counters, ctx->pin_prefix);
	if (!rc)
		snprintf(s->counters_pin, sizeof(s->counters_pin), "%s", ctx->pin_prefix);
	return rc;
}

/* Every loaded cgroup program of the object, on the target cgroup. */
static int attach_cgroup_progs(struct net_session *s, const struct fl_fault_ctx *ctx, char *err)
{
	struct bpf_program *progs[FL_NET_CG_PROGS] = {
		s->skel->progs.fl_cg_ingress, s->skel->progs.fl_cg_learn,
		s->skel->progs.fl_bind4, s->skel->progs.fl_bind6,
	};
	const char *path = ctx->target->path;
	int cgfd, i, rc = 0;

	cgfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		rc = -errno;
		snprintf(err, FL_ERRLEN, "cannot open cgroup %s: %s", path, strerror(-rc));
		return rc;
	}
	for (i = 0; i < FL_NET_CG_PROGS && !rc; i++) {
		if (!bpf_program__autoload(progs[i]))
			continue;
		s->cg_link[i] = bpf_program__attach_cgroup(progs[i], cgfd);
		rc = s->cg_link[i] ? 0 : -errno;
		if (rc)
			snprintf(err, FL_ERRLEN, "cannot attach cgroup_skb to %s: %s", path, strerror(-rc));
	}
	close(cgfd);
	return rc;
}

static uint64_t fq_drops_now(const struct net_session *s)
{
	struct nl_qdisc_info dev_fq, ifb_fq;

	if (fl_netdev_fq_stats(&s->dev, &dev_fq, &ifb_fq))
		return 0;
	return dev_fq.drops + ifb_fq.drops;
}

/* tc programs attach to devices of the target's network namespace. */
static int enter_target_netns(struct net_session *s, const struct fl_fault_ctx *ctx, char *err)
{
	int rc = fl_enter_cgroup_netns(ctx->target->path, err);

	if (!rc)
		s->netns_fd = fl_netns_here();
	return rc;
}

/* Devices first (fq, ifb): the object's rodata needs the ifb's index. */
static int setup_device(struct net_session *s, const struct fl_fault_ctx *ctx, char *err)
{
	uint64_t max_delay = s->conf.rule.delay_ns + s->conf.rule.jitter_ns;
	int rc;

	rc = fl_netdev_pick(&s->dev, s->conf.dev[0] ? s->conf.dev : NULL, err);
	if (!rc)
		rc = fl_net_note_dev(ctx, s->dev.ifindex, s->dev.name, err);
	if (rc)
		return rc;
	s->dev_used = true;
	rc = fl_netdev_ensure_fq(&s->dev, s->dev.ifindex, max_delay, ctx->force, &s->dev.made_fq, err);
	if (!rc && has_dir(s, FL_DIR_INGRESS))
		rc = fl_netdev_make_ifb(&s->dev, max_delay, err);
	if (!rc)
		s->fq_base = fq_drops_now(s);
	return rc;
}

static int attach_delay(struct net_session *s, const struct fl_fault_ctx *ctx, char *err)
{
	struct fl_features ff = { 0 };
	bool tcx = fl_probe_one(FEAT_TCX, &ff);
	int rc;

	rc = attach_cgroup_progs(s, ctx, err);
	if (!rc && has_dir(s, FL_DIR_EGRESS))
		rc = fl_tc_attach(&s->dev.egress, s->dev.ifindex, false,
				  bpf_program__fd(s->skel->progs.fl_tc_egress), tcx, FL_TC_HANDLE, err);
	if (!rc && has_dir(s, FL_DIR_INGRESS))
		rc = fl_tc_attach_redirect(&s->dev.ingress, s->dev.ifindex,
					   bpf_program__fd(s->skel->progs.fl_tc_ingress),
					   s->dev.ifb_ifindex, err);
	s->mechanism = tcx ? "tc EDT (tcx link) + fq" : "tc EDT (clsact filter via netlink) + fq";
	return rc;
}

static int attach_drop(struct net_session *s, const struct fl_fault_ctx *ctx, char *err)
{
	struct fl_features ff = { 0 };
	bool tcx = fl_probe_one(FEAT_TCX, &ff);
	int rc;

	struct fl_drop_conf dc = {
		.prog_fd = bpf_program__fd(s->skel->progs.fl_tc_drop), .tcx = tcx,
		.only = s->conf.dev[0] ? s->conf.dev : NULL, .cgroup = ctx->target->path, .ctx = ctx,
	};

	rc = attach_cgroup_progs(s, ctx, err);
	if (!rc && has_dir(s, FL_DIR_EGRESS))
		rc = fl_drop_start(&s->drop, &dc, err);
	if (!has_dir(s, FL_DIR_EGRESS))
		s->mechanism = "cgroup_skb (bpf_link on the target cgroup)";
	else if (!has_dir(s, FL_DIR_INGRESS))
		s->mechanism = tcx ? "tc egress (tcx links)" : "tc egress (clsact filters via netlink)";
	else
		s->mechanism = tcx ? "tc egress (tcx links) + cgroup_skb ingress" :
			"tc egress (clsact filters via netlink) + cgroup_skb ingress";
	return rc;
}

/* The programs stop: links, then tc attachments. The maps stay readable. */
static void detach(struct net_session *s)
{
	int orig;

	for (int i = 0; i < FL_NET_CG_PROGS; i++) {
		bpf_link__destroy(s->cg_link[i]);
		s->cg_link[i] = NULL;
	}
	fl_drop_detach(s->drop);
	if (!s->dev_used)
		return;
	orig = fl_netns_enter(s->netns_fd);
	fl_tc_detach(&s->dev.ingress);
	fl_tc_detach(&s->dev.egress);
	fl_netns_leave(orig);
}

/* Everything undone; the counters pin too when `unpin` (a start that failed). */
static void teardown(struct net_session *s, bool unpin)
{
	int orig;

	detach(s);
	if (s->dev_used) {
		orig = fl_netns_enter(s->netns_fd);
		fl_netdev_restore(&s->dev);
		fl_netns_leave(orig);
	}
	if (s->netns_fd >= 0)
		close(s->netns_fd);
	if (unpin && s->counters_pin[0])
		unlink(s->counters_pin);
	net_bpf__destroy(s->skel);
	fl_drop_stop(s->drop);
	free(s);
}

static int start(struct net_session *s, const struct fl_fault_ctx *ctx, char *err)
{
	int rc;

	if (!is_drop(s) && ((rc = enter_target_netns(s, ctx, err)) || (rc = setup_device(s, ctx, err))))
		return rc;
	rc = open_object(s, ctx);
	if (rc) {
		snprintf(err, FL_ERRLEN, "cannot load the network programs: %s (%s)", strerror(-rc),
			 rc == -EACCES || rc == -EINVAL ? "the verifier refused them; -vv shows its log" :
			 "run 'faultline doctor'");
		return rc;
	}
	s->start_ns = fl_now_ns();
	rc = fill_maps(s, ctx);
	if (rc) {
		snprintf(err, FL_ERRLEN, "cannot fill the rule maps or pin %s: %s", ctx->pin_prefix,
			 strerror(-rc));
		return rc;
	}
	return is_drop(s) ? attach_drop(s, ctx, err) : attach_delay(s, ctx, err);
}

int fl_net_load(struct net_session **out, const struct fl_net_conf *c,
		const struct fl_fault_ctx *ctx, char *err)
{
	struct net_session *s = calloc(1, sizeof(*s));
	int orig, rc;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->conf = *c;
	s->netns_fd = -1;
	orig = fl_netns_here();
	rc = start(s, ctx, err);
	/* Back home: the next fault, and the steady-state probe, start from here. */
	fl_netns_leave(orig);
	if (rc) {
		teardown(s, true);
		return rc;
	}
	*out = s;
	return 0;
}

int fl_net_sum_counters(int fd, struct fl_counters *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct fl_counters per[ncpu > 0 ? ncpu : 1];
	__u32 key = 0;

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0)
		return -EINVAL;
	if (bpf_map_lookup_elem(fd, &key, per))
		return -errno;
	for (int i = 0; i < ncpu; i++) {
		sum->matched += per[i].matched;
		sum->injected += per[i].injected;
		sum->bytes += per[i].bytes;
		sum->segs += per[i].segs;
		sum->delay_ns += per[i].delay_ns;
	}
	return 0;
}

void fl_net_read(const struct net_session *s, struct fl_counters *c)
{
	fl_net_sum_counters(bpf_map__fd(s->skel->maps.fl_net_counters), c);
}

/*
 * Stop the programs first, so the counts and fq's drops read after are
 * final. The counters pin stays, final too, until the engine removes the
 * experiment's pins: `status` still reads a fault that ended early.
 */
void fl_net_unload(struct net_session *s, struct fl_net_final *fin)
{
	int orig;

	if (fin) {
		memset(fin, 0, sizeof(*fin));
		detach(s);
		fl_net_read(s, &fin->c);
		if (s->dev_used) {
			orig = fl_netns_enter(s->netns_fd);
			fl_netdev_fq_stats(&s->dev, &fin->dev_fq, &fin->ifb_fq);
			fl_netns_leave(orig);
			fin->fq_drops = fin->dev_fq.drops + fin->ifb_fq.drops - s->fq_base;
		}
	}
	teardown(s, false);
}

const char *fl_net_session_mechanism(const struct net_session *s)
{
	return s->mechanism ?: "";
}

const char *fl_net_session_dev(const struct net_session *s)
{
	return s->dev_used ? s->dev.name : "";
}

const char *fl_net_session_ifb(const struct net_session *s)
{
	return s->dev.ifb;
}

int fl_net_session_drop_names(const struct net_session *s, struct fl_devlist *l)
{
	return s->drop ? fl_drop_names(s->drop, l) : -1;
}

void fl_net_follow(struct net_session *s)
{
	if (s->drop)
		fl_drop_follow(s->drop);
}

/*
 * The whole rule again, only its deadline changed. The kernel copies it in
 * place, not atomically (copy_map_value()): a program reading it meanwhile
 * sees every other field as it was, and a deadline mixed of the old and new
 * bytes, which either has passed (the packet goes through, as it would
 * have a moment before) or has not (it is faulted, as the live fault does).
 */
int fl_net_arm(struct net_session *s, uint64_t deadline_ns)
{
	__u32 key = 0;

	s->conf.rule.deadline_ns = deadline_ns;
	if (bpf_map_update_elem(bpf_map__fd(s->skel->maps.fl_net_rule), &key, &s->conf.rule, BPF_ANY))
		return -errno;
	return 0;
}
