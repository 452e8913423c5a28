/* SPDX-License-Identifier: GPL-2.0 */
/* What every faultline data-plane program shares: the kill switch first. */
#ifndef FL_COMMON_BPF_H
#define FL_COMMON_BPF_H

#include "faultline.h"

/*
 * A one-entry map (a rule, a setting, a block of counters), key 0; the
 * pinned kind is shared by every object on the host through
 * FL_PIN_ROOT/NAME (the loader sets pin_root_path).
 */
#define FL_MAP_ONE(map_type, value_type)			\
	struct {						\
		__uint(type, map_type);				\
		__uint(max_entries, 1);				\
		__type(key, __u32);				\
		__type(value, value_type);			\
	}
#define FL_MAP_ONE_PINNED(map_type, value_type)			\
	struct {						\
		__uint(type, map_type);				\
		__uint(max_entries, 1);				\
		__type(key, __u32);				\
		__type(value, value_type);			\
		__uint(pinning, LIBBPF_PIN_BY_NAME);		\
	}

/*
 * The target, set at load: its cgroup id and its depth below the root, so
 * that one ancestor-id helper call tells a target's task or socket, at any
 * depth below it, from everyone else's.
 */
const volatile __u64 targ_cgid;
const volatile __u32 targ_level;

/*
 * One map for the whole host, pinned by name under FL_PIN_ROOT (the loader
 * sets pin_root_path): the first object creates it, every later one reuses
 * it, so a single write reaches all programs of all experiments.
 */
FL_MAP_ONE_PINNED(BPF_MAP_TYPE_ARRAY, struct fl_control) fl_control SEC(".maps");

/* The kill-switch generation this object was started under (set at load). */
const volatile __u64 fl_generation;

/*
 * True when `faultline stop --all` has run since this object was loaded:
 * it bumps the generation, so every older object goes inert at once while
 * experiments started afterwards keep working.
 */
static __always_inline bool fl_halted(void)
{
	__u32 zero = 0;
	struct fl_control *c = bpf_map_lookup_elem(&fl_control, &zero);

	return !c || c->generation != fl_generation;
}

/*
 * The experiment's seed and this fault's index in it (set at load). With
 * the fault's exact count of matching events they make every draw
 * (faultline.h), so a run replays from its seed; bpf_get_prandom_u32()
 * would give each run, and each CPU, a sequence of its own.
 */
const volatile __u64 fl_seed;
const volatile __u32 fl_fault_index;

/* Does the n-th matching event win at prob (a fraction of 2^32, FL_PROB_ONE = always)? */
static __always_inline bool fl_chance(__u64 prob, __u64 n)
{
	return fl_draw_hit(fl_seed, fl_fault_index, n, prob);
}

/*
 * The fault's next n: one more matching event. A fetch-and-add on a
 * counter every CPU shares (an ARRAY map, not a per-CPU one), so that two
 * events never get one n and none is skipped, however CPUs race.
 */
static __always_inline __u64 fl_next_n(__u64 *counter)
{
	return __sync_fetch_and_add(counter, 1) + 1;
}

static __always_inline bool fl_expired(__u64 deadline_ns, __u64 now)
{
	return now >= deadline_ns;
}

/* ---- the event stream: one record per injected fault ---- */

/* Which experiment this object belongs to (set at load); 0 = standalone. */
const volatile __u32 fl_exp_id;

/* Shared by every object, like fl_control: one reader sees all of them. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, FL_EV_RING_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fl_events SEC(".maps");

FL_MAP_ONE_PINNED(BPF_MAP_TYPE_PERCPU_ARRAY, struct fl_ev_stats) fl_ev_stats SEC(".maps");

FL_MAP_ONE_PINNED(BPF_MAP_TYPE_ARRAY, struct fl_ev_config) fl_ev_config SEC(".maps");

/*
 * Should this CPU emit one more event? A flood of injections must not
 * become a flood of ring-buffer work (a spinlock, a reader wake-up), so a
 * token bucket per CPU decides before anything is reserved: GCRA, where
 * tat_ns is when the bucket would be full again. Nesting (softirq over a
 * syscall) may race on tat_ns, which costs at most a token; the counters
 * are atomic so that seen == emitted + every kind of refusal stays exact.
 */
static __always_inline bool fl_ev_admit(struct fl_ev_stats *s, __u64 now)
{
	struct fl_ev_config *c;
	__u64 step = 1000000000ULL / FL_EV_RATE_DEFAULT, burst = FL_EV_BURST_DEFAULT, t;
	__u32 zero = 0;

	c = bpf_map_lookup_elem(&fl_ev_config, &zero);
	if (c) {
		if (c->sample > 1 && bpf_get_prandom_u32() % c->sample) {
			__sync_fetch_and_add(&s->sampled_out, 1);
			return false;
		}
		if (c->interval_ns)
			step = c->interval_ns;
		if (c->burst)
			burst = c->burst;
	}
	t = s->tat_ns > now ? s->tat_ns : now;
	if (t - now > (burst - 1) * step) {
		__sync_fetch_and_add(&s->rate_limited, 1);
		return false;
	}
	s->tat_ns = t + step;
	return true;
}

/*
 * A record for one injection, the n-th matching event of this object's
 * fault, common fields filled; or NULL when it is sampled out, rate
 * limited or the ring is full (each counted). The caller fills the details
 * and submits.
 */
static __always_inline struct fl_event *fl_ev_reserve(__u32 kind, __u64 cgid, __u64 n)
{
	struct fl_ev_stats *s;
	struct fl_event *e;
	__u32 zero = 0;
	__u64 now;

	s = bpf_map_lookup_elem(&fl_ev_stats, &zero);
	if (!s)
		return NULL;
	__sync_fetch_and_add(&s->seen, 1);
	now = bpf_ktime_get_ns();
	if (!fl_ev_admit(s, now))
		return NULL;
	e = bpf_ringbuf_reserve(&fl_events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&s->ring_full, 1);
		return NULL;
	}
	__sync_fetch_and_add(&s->emitted, 1);
	__builtin_memset(e, 0, sizeof(*e));
	e->ktime_ns = now;
	e->cgid = cgid;
	e->exp_id = fl_exp_id;
	e->kind = kind;
	e->seed = fl_seed;
	e->n = n;
	e->fault = fl_fault_index;
	return e;
}

/* The current task as the one the fault hit: pid, tid, comm. */
static __always_inline void fl_ev_task(struct fl_event *e)
{
	__u64 id = bpf_get_current_pid_tgid();

	e->pid = id >> 32;
	e->tid = (__u32)id;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

#endif
