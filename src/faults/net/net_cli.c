// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The `faultline net` command: parse, check, run, report. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include "cmd.h"
#include "json.h"
#include "log.h"
#include "net.h"

#define CAP_BPF_NR 39

static bool has_cap(const struct __user_cap_data_struct d[2], int cap)
{
	return d[cap / 32].effective & (1U << (cap % 32));
}

/* BPF, tc and cgroups need CAP_SYS_ADMIN, or CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON. */
static bool privileged(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };

	if (syscall(SYS_capget, &h, d))
		return geteuid() == 0;
	return has_cap(d, CAP_SYS_ADMIN) && has_cap(d, CAP_NET_ADMIN);
}

static void json_rule(struct jw *w, const struct net_opts *o)
{
	const struct fl_net_rule *r = &o->rule;
	char remote[64];

	fl_net_fmt_remote(r, remote, sizeof(remote));
	jw_key(w, "rule");
	jw_obj_open(w);
	jw_kstr(w, "action", r->action == FL_ACT_DROP ? "drop" : "delay");
	jw_kstr(w, "direction", fl_net_dir_name(r->dir));
	jw_kdouble(w, "probability", r->prob / 4294967296.0);
	jw_kstr(w, "protocol", fl_net_proto_name(r->proto) ?: "any");
	jw_ku64(w, "port_lo", r->port_lo);
	jw_ku64(w, "port_hi", r->port_hi);
	jw_ku64(w, "local_port_lo", r->lport_lo);
	jw_ku64(w, "local_port_hi", r->lport_hi);
	jw_kstr(w, "remote", remote[0] ? remote : "any");
	jw_kdouble(w, "delay_ms", r->delay_ns / 1e6);
	jw_kdouble(w, "jitter_ms", r->jitter_ns / 1e6);
	jw_kdouble(w, "duration_s", o->duration_ns / 1e9);
	jw_obj_close(w);
}

static void json_target(struct jw *w, const struct fl_target *t)
{
	jw_key(w, "target");
	jw_obj_open(w);
	jw_kstr(w, "path", t->path);
	jw_kstr(w, "cgroup", t->rel);
	jw_ku64(w, "cgroup_id", t->cgid);
	jw_ki64(w, "level", t->level);
	jw_ki64(w, "processes", t->nprocs);
	jw_obj_close(w);
}

static void json_fq(struct jw *w, const char *key, const struct nl_qdisc_info *q)
{
	jw_key(w, key);
	jw_obj_open(w);
	jw_kstr(w, "kind", q->kind);
	jw_ku64(w, "drops", q->drops);
	jw_ku64(w, "flows_plimit", q->flows_plimit);
	jw_ku64(w, "horizon_drops", q->horizon_drops);
	jw_obj_close(w);
}

static void print_summary_json(const struct net_opts *o, const struct net_summary *s)
{
	struct jw w;

	jw_init(&w, stdout);
	jw_obj_open(&w);
	json_target(&w, &o->target);
	json_rule(&w, o);
	jw_kstr(&w, "mechanism", s->mechanism);
	jw_kstr(&w, "ended", s->halted ? "stop --all" : s->stop_signal ? strsignal(s->stop_signal) : "deadline");
	jw_kdouble(&w, "elapsed_s", s->elapsed_ns / 1e9);
	jw_key(&w, "counters");
	jw_obj_open(&w);
	jw_ku64(&w, "matched", s->c.matched);
	jw_ku64(&w, "injected", s->c.injected);
	jw_ku64(&w, "bytes", s->c.bytes);
	jw_ku64(&w, "segments", s->c.segs);
	jw_kdouble(&w, "mean_delay_ms", s->c.injected ? s->c.delay_ns / 1e6 / s->c.injected : 0);
	jw_obj_close(&w);
	if (s->device[0]) {
		jw_kstr(&w, "device", s->device);
		json_fq(&w, "fq", &s->dev_fq);
		if (s->ifb[0])
			json_fq(&w, "ifb_fq", &s->ifb_fq);
	}
	jw_obj_close(&w);
	jw_end(&w);
}

static void print_summary(const struct net_opts *o, const struct net_summary *s)
{
	bool drop = o->rule.action == FL_ACT_DROP;
	double pct = s->c.matched ? 100.0 * s->c.injected / s->c.matched : 0;

	if (fl_json) {
		print_summary_json(o, s);
		return;
	}
	printf("net %s on %s (cgroup id %llu) ended by %s after %.1fs\n", drop ? "drop" : "delay",
	       o->target.rel, (unsigned long long)o->target.cgid,
	       s->halted ? "stop --all" : s->stop_signal ? strsignal(s->stop_signal) : "its deadline", s->elapsed_ns / 1e9);
	printf("  matched %llu packets, %s %llu (%.2f%%): %llu segments, %llu bytes\n",
	       (unsigned long long)s->c.matched, drop ? "dropped" : "delayed",
	       (unsigned long long)s->c.injected, pct, (unsigned long long)s->c.segs,
	       (unsigned long long)s->c.bytes);
	if (!drop && s->c.injected)
		printf("  mean delay applied %.2f ms\n", s->c.delay_ns / 1e6 / s->c.injected);
	if (s->device[0])
		printf("  device %s: fq dropped %llu on its own (flow limit %llu, horizon %llu)\n",
		       s->device, (unsigned long long)(s->dev_fq.drops + s->ifb_fq.drops),
		       (unsigned long long)(s->dev_fq.flows_plimit + s->ifb_fq.flows_plimit),
		       (unsigned long long)(s->dev_fq.horizon_drops + s->ifb_fq.horizon_drops));
	printf("  mechanism: %s\n", s->mechanism);
}

static void print_plan(const struct net_opts *o)
{
	struct jw w;

	if (fl_json) {
		jw_init(&w, stdout);
		jw_obj_open(&w);
		jw_kbool(&w, "dry_run", true);
		json_target(&w, &o->target);
		json_rule(&w, o);
		jw_obj_close(&w);
		jw_end(&w);
		return;
	}
	printf("would %s %s traffic of %s (cgroup id %llu, %d processes) for %.1fs\n",
	       o->rule.action == FL_ACT_DROP ? "drop" : "delay", fl_net_dir_name(o->rule.dir),
	       o->target.rel, (unsigned long long)o->target.cgid, o->target.nprocs,
	       o->duration_ns / 1e9);
	printf("  attach: %s\n", o->rule.action == FL_ACT_DROP ?
	       "cgroup_skb programs on the target cgroup (bpf_link)" :
	       "tc programs on the target's device, fq as root qdisc");
}

static int cmd_help(int argc, char **argv);

static int net_action(enum fl_action action, int argc, char **argv)
{
	struct net_summary sum = { 0 };
	char err[FL_ERRLEN] = "";
	struct net_opts o;
	__u64 cap;
	int rc;

	if (fl_net_parse(action, argc, argv, &o, err)) {
		pr_warn("%s\n", err);
		return FL_EXIT_USAGE;
	}
	if (o.help)
		return cmd_help(0, NULL);
	if (fl_duration_cap(&cap, err) || fl_check_duration(o.duration_ns, cap, err)) {
		pr_warn("net: %s\n", err);
		return FL_EXIT_USAGE;
	}
	if (!privileged()) {
		pr_warn("net: needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) to load BPF and change qdiscs\n");
		return FL_EXIT_USAGE;
	}
	if (fl_target_resolve(&o.target, o.force, err)) {
		pr_warn("net: %s\n", err);
		return FL_EXIT_USAGE;
	}
	if (!o.target.nprocs && !fl_json)
		pr_info("note: %s has no processes yet; the fault applies to those that join it\n",
			o.target.rel);
	if (o.dry_run) {
		print_plan(&o);
		return FL_EXIT_OK;
	}
	rc = fl_net_run(&o, &sum, err);
	if (rc) {
		pr_warn("net: %s\n", err[0] ? err : strerror(-rc));
		return FL_EXIT_FAIL;
	}
	print_summary(&o, &sum);
	return FL_EXIT_OK;
}

static int cmd_drop(int argc, char **argv) { return net_action(FL_ACT_DROP, argc, argv); }
static int cmd_delay(int argc, char **argv) { return net_action(FL_ACT_DELAY, argc, argv); }

static int cmd_help(int argc, char **argv)
{
	fprintf(stderr,
		"Usage: faultline net drop  TARGET [--direction egress|ingress|both] [--probability P]\n"
		"                           [--protocol tcp|udp|icmp] [--port N[-M]] [--local-port N[-M]]\n"
		"                           [--remote CIDR] [--duration D] [--dry-run] [--force] [--json]\n"
		"       faultline net delay TARGET --delay D [--jitter D] [--dev NAME] [same filters]\n\n"
		"TARGET: --cgroup PATH | --pid PID | --unit NAME (descendant cgroups included)\n"
		"Defaults: direction both (drop) or egress (delay), probability 1, duration 60s (cap 1h:\n"
		"FAULTLINE_MAX_DURATION raises it, up to 24h).\n"
		"--port is the peer's port, --local-port the service's own. Durations: 50ms 1.5s 10m 2h.\n"
		"Probabilities: 0.3 or 30%%, drawn per packet (a GSO/GRO super-packet is one draw).\n"
		"--force accepts the root cgroup, faultline's own cgroup, or a non-fq root qdisc.\n\n"
		"Examples:\n"
		"  faultline net drop --unit checkout.service --probability 10%% --port 5432\n"
		"  faultline net drop --pid 4242 --protocol udp --port 53 --duration 5m\n"
		"  faultline net delay --cgroup /system.slice/api.service --delay 100ms --jitter 10ms\n");
	return FL_EXIT_OK;
}

static const struct fl_cmd net_cmds[] = {
	{ "drop", cmd_drop, "drop packets" },
	{ "delay", cmd_delay, "add latency (EDT)" },
	{ "help", cmd_help, "this text" },
	{ NULL },
};

int cmd_net(int argc, char **argv)
{
	return fl_dispatch(net_cmds, "net", argc - 1, argv + 1);
}
