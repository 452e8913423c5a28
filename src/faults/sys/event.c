// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One injected call as `faultline events` shows it: the family's fields
 * (call, errno, errnum, hook), as JSON keys or as text; the engine writes
 * the fields every event has around them.
 */
#include <stdio.h>
#include <string.h>
#include "json.h"
#include "sys.h"
#include "sysfs.h"

const char *fl_sys_call_name(__u32 call)
{
	static const char *const names[] = {
		"connect", "bind", "sendmsg", "socket", "open", "read", "write", "unlink",
		"rmdir", "mkdir", "rename", "mmap", "fork", "syscall",
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (call == 1U << i)
			return names[i];
	return "?";
}

const char *fl_sys_hook_name(__u32 hook)
{
	static const char *const names[] = {
		[FL_HOOK_SOCK] = "sock", [FL_HOOK_LSM] = "lsm", [FL_HOOK_FMOD_RET] = "fmod_ret",
		[FL_HOOK_KPROBE] = "kprobe", [FL_HOOK_TEST] = "test",
	};

	return hook < sizeof(names) / sizeof(names[0]) && names[hook] ? names[hook] : "?";
}

/*
 * The syscall at a by-name event's address: "getpgid" for __x64_sys_getpgid.
 * The nearest text symbol at or below ip, since a kprobe may report an
 * address past the function's first byte. NULL when kallsyms cannot say
 * (hidden addresses, a function gone with its module).
 */
const char *fl_sys_ksym_syscall(__u64 ip, char *buf, size_t size)
{
	size_t n = strlen(FL_SYSCALL_PREFIX);

	if (!fl_ksym_at(ip, buf, size) || strncmp(buf, FL_SYSCALL_PREFIX, n))
		return NULL;
	memmove(buf, buf + n, strlen(buf) - n + 1);
	return buf;
}

/*
 * By-name events resolve their address once: kallsyms is a few MB of text
 * to scan, and a stream repeats the same few syscalls. The printer is one
 * thread; the cache is small and overwritten round-robin.
 */
const char *fl_sys_event_call(const struct fl_event *e, char *buf, size_t size)
{
	static struct { __u64 ip; char name[64]; } seen[FL_SYS_MAX_BYNAME * 2];
	static unsigned int nseen, next;
	unsigned int i;

	if (e->call != FL_SYS_BYNAME || !e->func_ip)
		return fl_sys_call_name(e->call);
	for (i = 0; i < nseen && seen[i].ip != e->func_ip; i++)
		;
	if (i == nseen) {
		i = nseen < sizeof(seen) / sizeof(seen[0]) ? nseen++ : next++ % nseen;
		seen[i].ip = e->func_ip;
		if (!fl_sys_ksym_syscall(e->func_ip, seen[i].name, sizeof(seen[i].name)))
			snprintf(seen[i].name, sizeof(seen[i].name), "%s", fl_sys_call_name(e->call));
	}
	snprintf(buf, size, "%s", seen[i].name);
	return buf;
}

void fl_sys_event_json(const struct fl_event *e, struct jw *w)
{
	char call[64];

	jw_kstr(w, "call", fl_sys_event_call(e, call, sizeof(call)));
	jw_kstr(w, "errno", strerrorname_np(e->errnum) ?: "?");
	jw_ki64(w, "errnum", e->errnum);
	jw_kstr(w, "hook", fl_sys_hook_name(e->hook));
}

/* "connect ECONNREFUSED via sock" */
void fl_sys_event_text(const struct fl_event *e, char *buf, size_t size)
{
	char call[64];

	snprintf(buf, size, "%s %s via %s", fl_sys_event_call(e, call, sizeof(call)),
		 strerrorname_np(e->errnum) ?: "?", fl_sys_hook_name(e->hook));
}
