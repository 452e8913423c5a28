// SPDX-License-Identifier: GPL-2.0
/*
 * The decision path of every sys hook (sys.bpf.h), runnable with
 * BPF_PROG_TEST_RUN (tests/unit/test_sys.c, test_events.c) on kernels
 * where the hooks themselves cannot be test-run. Never shipped: it lives
 * in its own object, beside the unit tests.
 */
#include "sys.bpf.h"

SEC("syscall")
int fl_sys_test(struct fl_sys_test_ctx *ctx)
{
	return fl_sys_plain(ctx->call, FL_HOOK_TEST, 0);	/* the test reads it as retval */
}

char LICENSE[] SEC("license") = "GPL";
