/* SPDX-License-Identifier: GPL-2.0 */
/* What every faultline data-plane program shares: the kill switch first. */
#ifndef FL_COMMON_BPF_H
#define FL_COMMON_BPF_H

#include "faultline.h"

/*
 * One map for the whole host, pinned by name under FL_PIN_ROOT (the loader
 * sets pin_root_path): the first object creates it, every later one reuses
 * it, so a single write reaches all programs of all experiments.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fl_control);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fl_control SEC(".maps");

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

/* Uniform draw against a threshold out of 2^32 (FL_PROB_ONE = always). */
static __always_inline bool fl_chance(__u64 prob)
{
	return (__u64)bpf_get_prandom_u32() < prob;
}

static __always_inline bool fl_expired(__u64 deadline_ns, __u64 now)
{
	return now >= deadline_ns;
}

#endif
