// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * faultline events: print every injected fault as the kernel reports it,
 * from the ring buffer all faultline objects on the host share. The kernel
 * rate-limits and samples what it writes (bpf/common.bpf.h), and counts
 * what it refused; on exit we say how many it did not report while we listened.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cmd.h"
#include "ctl.h"
#include "events.h"
#include "json.h"
#include "probe.h"
#include "log.h"
#include "fault.h"
#include "report.h"
#include "sysfs.h"

#define NSEC_PER_SEC	1000000000ULL
#define POLL_MS		100

/* ------------------------------------------------------------- arguments */

enum { OPT_EXP = 256, OPT_COUNT, OPT_DURATION, OPT_RATE, OPT_BURST, OPT_SAMPLE };

static const struct option long_opts[] = {
	{ "experiment", required_argument, NULL, OPT_EXP },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "sample", required_argument, NULL, OPT_SAMPLE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL },
};

static int number(const char *opt, const char *s, __u64 min, __u64 max, __u64 *v, char *err)
{
	char why[FL_ERRLEN];

	if (!fl_parse_u64(s, min, max, v, why))
		return 0;
	snprintf(err, FL_ERRLEN, "%s %s: give a whole number from %llu to %llu", opt, s,
		 (unsigned long long)min, (unsigned long long)max);
	return -EINVAL;
}

static int one_opt(int c, const char *arg, struct fl_ev_opts *o, char *err)
{
	switch (c) {
	case OPT_EXP:
		/* The id `faultline list` shows: six hex digits. */
		o->has_exp = true;
		if (!*arg || strlen(arg) > 8 || strspn(arg, "0123456789abcdef") != strlen(arg)) {
			snprintf(err, FL_ERRLEN, "--experiment wants an id as 'faultline list' shows it "
				 "(hex digits), got '%s'", arg);
			return -EINVAL;
		}
		o->exp_id = strtoul(arg, NULL, 16);
		return 0;
	case OPT_COUNT:
		return number("--count", arg, 1, UINT64_MAX, &o->count, err);
	case OPT_DURATION:
		if (fl_parse_duration(arg, &o->duration_ns, err))
			return -EINVAL;
		if (o->duration_ns)
			return 0;
		snprintf(err, FL_ERRLEN, "--duration %s: give more than 0, or leave it out to run until Ctrl-C", arg);
		return -EINVAL;
	case OPT_RATE:
		return number("--rate", arg, 1, FL_EV_MAX_RATE, &o->rate, err);
	case OPT_BURST:
		return number("--burst", arg, 1, FL_EV_MAX_BURST, &o->burst, err);
	case OPT_SAMPLE:
		return number("--sample", arg, 1, 1000000, &o->sample, err);
	case 'h':
		o->help = true;
		return 0;
	}
	snprintf(err, FL_ERRLEN, "unknown option; see 'faultline events --help'");
	return -EINVAL;
}

int fl_ev_parse_args(int argc, char **argv, struct fl_ev_opts *o, char *err)
{
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if (c == '?') {
			snprintf(err, FL_ERRLEN, "unknown or incomplete option '%s'; see 'faultline events --help'",
				 argv[optind - 1]);
			return -EINVAL;
		}
		if (one_opt(c, optarg, o, err))
			return -EINVAL;
	}
	if (optind < argc) {
		snprintf(err, FL_ERRLEN, "unexpected argument '%s'; see 'faultline events --help'", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

void fl_ev_apply_config(const struct fl_ev_opts *o, struct fl_ev_config *c)
{
	if (o->rate)
		c->interval_ns = NSEC_PER_SEC / o->rate;
	if (o->burst)
		c->burst = o->burst;
	if (o->sample)
		c->sample = o->sample;
}

/* ------------------------------------------------------------- the maps */

struct ev_maps {
	int ring, stats, config;
};

static int open_maps(struct ev_maps *m)
{
	uint64_t gen;
	int err;

	m->ring = m->stats = m->config = -1;
	err = fl_ctl_prepare(&gen);
	if (err) {
		pr_warn("events: cannot reach the pinned maps under %s: %s (faultline needs root)\n",
			FL_PIN_ROOT, strerror(-err));
		return err;
	}
	if (access(FL_EV_PIN, F_OK) || access(FL_EV_STATS_PIN, F_OK) || access(FL_EV_CONFIG_PIN, F_OK)) {
		pr_debug("events: no pinned event maps yet; creating them under %s\n", FL_PIN_ROOT);
		err = fl_ctl_event_pins();
		if (err) {
			pr_warn("events: cannot create the event maps under %s: %s (-v shows libbpf's log)\n",
				FL_PIN_ROOT, strerror(-err));
			return err;
		}
	}
	m->ring = bpf_obj_get(FL_EV_PIN);
	m->stats = bpf_obj_get(FL_EV_STATS_PIN);
	m->config = bpf_obj_get(FL_EV_CONFIG_PIN);
	if (m->ring < 0 || m->stats < 0 || m->config < 0) {
		err = -errno;
		pr_warn("events: cannot open the pinned event maps under %s: %s\n", FL_PIN_ROOT, strerror(errno));
		return err;
	}
	return 0;
}

static void close_maps(struct ev_maps *m)
{
	if (m->ring >= 0)
		close(m->ring);
	if (m->stats >= 0)
		close(m->stats);
	if (m->config >= 0)
		close(m->config);
}

/* Sum of the per-CPU counters (the bucket state is not summed). */
static int read_stats(int fd, struct fl_ev_stats *sum)
{
	int i, ncpu = libbpf_num_possible_cpus();
	struct fl_ev_stats *per;
	__u32 zero = 0;

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0)
		return -EINVAL;
	per = calloc(ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &zero, per)) {
		free(per);
		return -errno;
	}
	for (i = 0; i < ncpu; i++) {
		sum->seen += per[i].seen;
		sum->emitted += per[i].emitted;
		sum->sampled_out += per[i].sampled_out;
		sum->rate_limited += per[i].rate_limited;
		sum->ring_full += per[i].ring_full;
	}
	free(per);
	return 0;
}

/* ------------------------------------------------------------- printing */

struct ev_run {
	const struct fl_ev_opts *o;
	struct ev_maps m;
	struct fl_ev_config cfg, old_cfg;
	bool cfg_written;
	struct fl_ev_stats base;
	uint64_t start_ns;
	int64_t mono_to_real_ns;	/* add to a ktime to get wall-clock time */
	uint64_t shown, other_exp, older;
};

static void fmt_time(const struct ev_run *r, __u64 ktime, char *buf, size_t size, bool iso)
{
	int64_t real = (int64_t)ktime + r->mono_to_real_ns;
	time_t sec = real / (int64_t)NSEC_PER_SEC;
	struct tm tm;
	char hms[40];

	if (iso) {
		gmtime_r(&sec, &tm);
		strftime(hms, sizeof(hms), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(buf, size, "%s.%06lldZ", hms, (long long)(real % NSEC_PER_SEC) / 1000);
	} else {
		localtime_r(&sec, &tm);
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
		snprintf(buf, size, "%s.%06lld", hms, (long long)(real % NSEC_PER_SEC) / 1000);
	}
}

/* Which family reported it: its name and its own fields come from its table. */
static const struct fl_fault_kind *kind_of(const struct fl_event *e, const char **name)
{
	const struct fl_fault_kind *k = fl_kind_of_event(e->kind, name);

	if (!k)
		*name = "?";
	return k;
}

static void print_json(struct ev_run *r, const struct fl_event *e)
{
	const struct fl_fault_kind *k;
	char t[64], id[16];
	const char *name;
	struct jw w;

	k = kind_of(e, &name);
	fmt_time(r, e->ktime_ns, t, sizeof(t), true);
	jw_init(&w, stdout);
	jw_obj_open(&w);
	jw_ki64(&w, "schema_version", FL_SCHEMA_VERSION);
	jw_kstr(&w, "time", t);
	jw_ku64(&w, "ktime_ns", e->ktime_ns);
	snprintf(id, sizeof(id), "%06x", e->exp_id);
	jw_kstr(&w, "experiment", id);
	/* What replays it: the same seed, and the same n-th event of that fault. */
	jw_ku64(&w, "fault_index", e->fault);
	jw_ku64(&w, "seed", e->seed);
	jw_ku64(&w, "n", e->n);
	jw_kstr(&w, "fault", name);
	jw_kstr(&w, "kind", k ? k->name : "?");
	jw_ku64(&w, "cgroup", e->cgid);
	jw_ku64(&w, "pid", e->pid);
	jw_ku64(&w, "tid", e->tid);
	jw_kstr(&w, "comm", e->comm);
	if (k && k->event_json)
		k->event_json(e, &w);
	jw_obj_close(&w);
	jw_end(&w);
}

static void print_plain(struct ev_run *r, const struct fl_event *e)
{
	const struct fl_fault_kind *k;
	char t[64], rest[512] = "";
	const char *name;

	k = kind_of(e, &name);
	fmt_time(r, e->ktime_ns, t, sizeof(t), false);
	if (k && k->event_text)
		k->event_text(e, rest, sizeof(rest));
	printf("%s %-9s exp %06x fault %u n %llu seed %llu cgroup %llu pid %u comm %s %s\n", t, name,
	       e->exp_id, e->fault, (unsigned long long)e->n, (unsigned long long)e->seed,
	       (unsigned long long)e->cgid, e->pid, e->comm[0] ? e->comm : "-", rest);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct ev_run *r = ctx;
	const struct fl_event *e = data;

	if (size < sizeof(*e))
		return 0;
	if (r->o->count && r->shown >= r->o->count)
		return -ECANCELED;	/* stops ring_buffer__poll at once */
	/* A ring nobody read still holds old events: they are not news. */
	if (e->ktime_ns < r->start_ns) {
		r->older++;
		return 0;
	}
	if (r->o->has_exp && e->exp_id != r->o->exp_id) {
		r->other_exp++;
		return 0;
	}
	if (fl_json)
		print_json(r, e);
	else
		print_plain(r, e);
	r->shown++;
	return r->o->count && r->shown >= r->o->count ? -ECANCELED : 0;
}

/* ------------------------------------------------------------ the run */

static int64_t mono_to_real(void)
{
	struct timespec rt, mt;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	return (rt.tv_sec - mt.tv_sec) * (int64_t)NSEC_PER_SEC + (rt.tv_nsec - mt.tv_nsec);
}

/* --rate/--burst/--sample change the host's setting until we exit. */
static int set_config(struct ev_run *r)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(r->m.config, &zero, &r->old_cfg))
		return -errno;
	r->cfg = r->old_cfg;
	if (!r->o->rate && !r->o->burst && !r->o->sample)
		return 0;
	fl_ev_apply_config(r->o, &r->cfg);
	/* Saved first: if we are killed, the next faultline puts it back. */
	if (fl_ctl_ev_save(&r->old_cfg))
		return -EIO;
	if (bpf_map_update_elem(r->m.config, &zero, &r->cfg, BPF_ANY))
		return -errno;
	r->cfg_written = true;
	return 0;
}

/* A setting not the defaults, that this reader did not ask for, is said. */
static void say_setting(const struct ev_run *r)
{
	const struct fl_ev_config *c = &r->old_cfg;

	if (r->cfg_written || (!c->interval_ns && !c->burst && c->sample <= 1))
		return;
	pr_info("events: note: the host's event setting is not the default: %llu/s per CPU, burst %u, "
		"1 in %u sampled; 'faultline events --rate %d --burst %d --sample 1' once restores it\n",
		(unsigned long long)(c->interval_ns ? NSEC_PER_SEC / c->interval_ns : FL_EV_RATE_DEFAULT),
		c->burst ?: FL_EV_BURST_DEFAULT, c->sample ?: 1, FL_EV_RATE_DEFAULT, FL_EV_BURST_DEFAULT);
}

/* Put the old setting back, unless someone changed it after us. */
static void restore_config(struct ev_run *r)
{
	struct fl_ev_config now;
	__u32 zero = 0;

	if (!r->cfg_written)
		return;
	if (!bpf_map_lookup_elem(r->m.config, &zero, &now) && !memcmp(&now, &r->cfg, sizeof(now)))
		bpf_map_update_elem(r->m.config, &zero, &r->old_cfg, BPF_ANY);
	fl_ctl_ev_unsave();
}

static const char *stream(struct ev_run *r, struct ring_buffer *rb)
{
	uint64_t end = r->o->duration_ns ? r->start_ns + r->o->duration_ns : 0;
	int n;

	for (;;) {
		n = ring_buffer__poll(rb, POLL_MS);
		if (n < 0 && n != -EINTR && n != -ECANCELED) {
			pr_warn("events: reading the ring buffer failed: %s\n", strerror(-n));
			return "error";
		}
		if (r->o->count && r->shown >= r->o->count)
			return "count";
		if (fl_signal_pending())
			return "signal";
		if (end && fl_now_ns() >= end)
			return "duration";
	}
}

static void stats_json(struct jw *w, const char *key, const struct fl_ev_stats *s)
{
	jw_key(w, key);
	jw_obj_open(w);
	jw_ku64(w, "injected", s->seen);
	jw_ku64(w, "emitted", s->emitted);
	jw_ku64(w, "unreported", s->rate_limited + s->ring_full + s->sampled_out);
	jw_ku64(w, "rate_limited", s->rate_limited);
	jw_ku64(w, "ring_full", s->ring_full);
	jw_ku64(w, "sampled_out", s->sampled_out);
	jw_obj_close(w);
}

static void delta(const struct fl_ev_stats *a, const struct fl_ev_stats *b, struct fl_ev_stats *d)
{
	d->seen = b->seen - a->seen;
	d->emitted = b->emitted - a->emitted;
	d->sampled_out = b->sampled_out - a->sampled_out;
	d->rate_limited = b->rate_limited - a->rate_limited;
	d->ring_full = b->ring_full - a->ring_full;
}

static void summary(const struct ev_run *r, const char *why, const struct fl_ev_stats *tot)
{
	__u64 step = r->cfg.interval_ns ?: NSEC_PER_SEC / FL_EV_RATE_DEFAULT;
	struct fl_ev_stats d;
	struct jw w;

	delta(&r->base, tot, &d);
	if (!fl_json) {
		fprintf(stderr, "events: %llu shown (stopped by %s); while listening %llu injected, %llu emitted, "
			"not reported %llu rate-limited, %llu ring-full, %llu sampled out; host totals: %llu injected, "
			"%llu rate-limited, %llu ring-full, %llu sampled out\n",
			(unsigned long long)r->shown, why, (unsigned long long)d.seen,
			(unsigned long long)d.emitted, (unsigned long long)d.rate_limited,
			(unsigned long long)d.ring_full, (unsigned long long)d.sampled_out,
			(unsigned long long)tot->seen, (unsigned long long)tot->rate_limited,
			(unsigned long long)tot->ring_full, (unsigned long long)tot->sampled_out);
		return;
	}
	jw_init(&w, stdout);
	jw_obj_open(&w);
	jw_ki64(&w, "schema_version", FL_SCHEMA_VERSION);
	jw_key(&w, "summary");
	jw_obj_open(&w);
	jw_ku64(&w, "shown", r->shown);
	jw_ku64(&w, "other_experiments", r->other_exp);
	jw_ku64(&w, "older", r->older);
	jw_kstr(&w, "stopped_by", why);
	jw_ku64(&w, "rate_per_cpu", NSEC_PER_SEC / step);
	jw_ku64(&w, "burst", r->cfg.burst ?: FL_EV_BURST_DEFAULT);
	jw_ku64(&w, "sample", r->cfg.sample ?: 1);
	jw_kbool(&w, "packet_pids", fl_events_task_helpers());
	stats_json(&w, "since_start", &d);
	stats_json(&w, "totals", tot);
	jw_obj_close(&w);
	jw_obj_close(&w);
	jw_end(&w);
}

static int run(const struct fl_ev_opts *o)
{
	struct ev_run r = { .o = o };
	struct ring_buffer *rb = NULL;
	struct fl_ev_stats tot;
	int err, lock, holder;
	const char *why;

	fl_signals_install();
	lock = fl_ctl_ev_lock(&holder);
	if (lock < 0) {
		if (lock == -EBUSY)
			pr_warn("events: another 'faultline events' (pid %d) is reading: the kernel hands each "
				"event to one reader, so a second one would see part of the stream and "
				"both would miscount; stop it first\n", holder);
		else
			pr_warn("events: cannot take %s/events.lock: %s\n", FL_RUN_DIR, strerror(-lock));
		return FL_EXIT_FAIL;
	}
	if (fl_ctl_ev_restore_orphan(true) > 0)
		pr_info("events: a reader killed earlier had left its --rate/--burst/--sample in force; "
			"the setting before it is back\n");
	err = open_maps(&r.m);
	if (!err && (err = set_config(&r)))
		pr_warn("events: cannot read or set the rate limit in %s: %s\n", FL_EV_CONFIG_PIN, strerror(-err));
	if (!err && (err = read_stats(r.m.stats, &r.base)))
		pr_warn("events: cannot read %s: %s\n", FL_EV_STATS_PIN, strerror(-err));
	if (err)
		goto out;
	say_setting(&r);
	r.start_ns = fl_now_ns();
	r.mono_to_real_ns = mono_to_real();
	rb = ring_buffer__new(r.m.ring, on_event, &r, NULL);
	if (!rb) {
		err = -errno;
		pr_warn("events: cannot map the ring buffer %s: %s\n", FL_EV_PIN, strerror(errno));
		goto out;
	}
	/* Scripts wait for this line: events from here on are shown. */
	pr_info("events: listening on %s; Ctrl-C stops\n", FL_EV_PIN);
	why = stream(&r, rb);
	/* What arrived before we stopped is shown, unless --count is spent. */
	if (!(o->count && r.shown >= o->count))
		ring_buffer__consume(rb);
	if (read_stats(r.m.stats, &tot))
		tot = r.base;
	summary(&r, why, &tot);
	err = strcmp(why, "error") ? 0 : -EIO;
out:
	ring_buffer__free(rb);
	restore_config(&r);
	close_maps(&r.m);
	close(lock);
	return err ? FL_EXIT_FAIL : FL_EXIT_OK;
}

static void usage(void)
{
	fprintf(stderr,
		"Usage: faultline events [--json] [--experiment ID] [--count N] [--duration D]\n"
		"                        [--rate N] [--burst N] [--sample N]\n\n"
		"Prints every injected fault of every faultline experiment on this host, one\n"
		"line each (one JSON object each with --json): time, fault, experiment,\n"
		"the fault's index in it, n (the fault's count of matching events) and the\n"
		"seed, which replay it (--seed), cgroup id, pid, comm, and the details\n"
		"(packet: direction, protocol, peer, ports, length, delay; call: name,\n"
		"errno, hook). Stops on Ctrl-C, after --count events or --duration, then\n"
		"says how many injections the kernel did not report.\n\n"
		"The kernel limits events per CPU (a token bucket, default %d/s with a burst\n"
		"of %d) so that a flood of faults cannot flood the host; refused events are\n"
		"counted, not lost silently. --rate, --burst and --sample 1-in-N change that\n"
		"host-wide setting while this command runs.\n"
		"pid and comm are 0 and '-' where the kernel cannot name the task: packets\n"
		"on ingress (handled in softirq) and on kernels without task helpers for\n"
		"packet programs (6.1).\n\n"
		"Examples:\n"
		"  faultline events\n"
		"  faultline events --json --count 100 | jq .\n"
		"  faultline events --experiment 3f2a9c --duration 30s\n"
		"  faultline events --rate 10000 --burst 1000\n",
		FL_EV_RATE_DEFAULT, FL_EV_BURST_DEFAULT);
}

int cmd_events(int argc, char **argv)
{
	struct fl_ev_opts o;
	char err[FL_ERRLEN] = "";

	if (fl_ev_parse_args(argc, argv, &o, err)) {
		pr_warn("events: %s\n", err);
		return FL_EXIT_USAGE;
	}
	if (o.help) {
		usage();
		return FL_EXIT_OK;
	}
	return run(&o);
}
