/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Kernel feature probes. Each one loads and attaches a tiny program (or
 * creates the object) for real, because config files and version numbers
 * do not tell what lockdown, the LSM order or an error-injection list allow.
 * `doctor` prints them; the loaders use them to pick a mechanism.
 */
#ifndef FL_PROBE_H
#define FL_PROBE_H

#include <stdbool.h>

enum fl_feat {
	FEAT_BTF,
	FEAT_BPFFS,
	FEAT_CGROUP2,
	FEAT_TC_CLSACT,
	FEAT_TCX,
	FEAT_CGROUP_SKB,
	FEAT_SOCK_ADDR,
	FEAT_SET_RETVAL,
	FEAT_TRACEPOINT,
	FEAT_RAW_TP,
	FEAT_FENTRY,
	FEAT_FMOD_RET_SECURITY,
	FEAT_BPF_LSM,
	FEAT_KPROBE,
	FEAT_OVERRIDE_RETURN,
	FEAT_FMOD_RET_SYSCALL,
	FEAT_SCH_FQ,
	FEAT__COUNT
};

struct fl_feature {
	bool available;
	bool probed;
	int err;		/* negative errno of the failing step */
	char reason[200];	/* why not, or a detail such as a mount point */
};

struct fl_features {
	struct fl_feature f[FEAT__COUNT];
};

const char *fl_feat_name(enum fl_feat id);
const char *fl_feat_needed_for(enum fl_feat id);
bool fl_feat_is_core(enum fl_feat id);

/* Probe everything (in a child, inside a private netns). 0 or -errno. */
int fl_probe_all(struct fl_features *out);
/* Probe a single feature the same way. */
bool fl_probe_one(enum fl_feat id, struct fl_features *out);

/*
 * May skb programs (cgroup_skb, tc) ask for the current task? 6.1 says no
 * (those helpers are for cgroup hooks with a process context), newer
 * kernels yes. Loaders put the answer in their programs' rodata.
 */
bool fl_events_task_helpers(void);

#endif
