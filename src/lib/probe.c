// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "probe.skel.h"
#include "log.h"
#include "nl.h"
#include "probe.h"
#include "sysfs.h"

/* libbpf 1.1's headers predate tcx (Linux 6.6); the UAPI values are fixed. */
#define FL_BPF_TCX_INGRESS	46
#define PROBE_ERRNO		131	/* what the override probes inject */

/* Set in the probe child once it owns a private netns; tc probes need it. */
static bool in_private_netns;

struct feat_desc {
	const char *name;
	const char *needed_for;
	bool core;
	int (*fn)(struct fl_feature *f);
};

static void why(struct fl_feature *f, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void why(struct fl_feature *f, int err, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	f->err = err;
	if (err)
		n = snprintf(f->reason, sizeof(f->reason), "%s: ", strerrorname_np(-err) ?: "error");
	va_start(ap, fmt);
	vsnprintf(f->reason + n, sizeof(f->reason) - n, fmt, ap);
	va_end(ap);
}

/* Open the probe object with only `name` loadable, then load it. */
static struct probe_bpf *load_one(const char *name, struct bpf_program **out, int *err)
{
	struct probe_bpf *skel;
	struct bpf_program *p;

	skel = probe_bpf__open();
	if (!skel) {
		*err = -errno;
		return NULL;
	}
	skel->rodata->targ_tgid = getpid();
	bpf_object__for_each_program(p, skel->obj) {
		bool me = !strcmp(bpf_program__name(p), name);

		bpf_program__set_autoload(p, me);
		if (me)
			*out = p;
	}
	*err = probe_bpf__load(skel);
	if (*err) {
		*err = -errno ?: *err;
		probe_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/*
 * Tracing programs (fentry, fmod_ret, lsm) all ride BPF trampolines; a
 * kernel without them, or one locked down, refuses them at load with EPERM
 * or ENOTSUPP whatever the hook, so say that rather than blame the hook.
 */
static bool trampoline_refused(struct fl_feature *f, int err)
{
	if (err != -EPERM && err != -ENOTSUP && err != -524 /* ENOTSUPP */)
		return false;
	why(f, err, "the kernel refuses BPF trampolines (no ftrace direct calls, "
	    "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS, or lockdown)");
	return true;
}

/* Load `name` and attach it by its section name. */
static int load_attach(const char *name, struct fl_feature *f, const char *load_hint,
		       const char *attach_hint)
{
	struct bpf_program *prog = NULL;
	struct probe_bpf *skel;
	struct bpf_link *link;
	int err;

	skel = load_one(name, &prog, &err);
	if (!skel) {
		if (!trampoline_refused(f, err))
			why(f, err, "load refused; %s", load_hint);
		return err;
	}
	link = bpf_program__attach(prog);
	if (!link) {
		err = -errno;
		if (!trampoline_refused(f, err))
			why(f, err, "attach refused; %s", attach_hint);
	} else {
		why(f, 0, "%s attached", bpf_program__section_name(prog));
	}
	bpf_link__destroy(link);
	probe_bpf__destroy(skel);
	return link ? 0 : err;
}

static int no_netns(struct fl_feature *f)
{
	why(f, -EPERM, "cannot create a private netns to probe in; not probed on the host's devices");
	return -EPERM;
}

static int probe_btf(struct fl_feature *f)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int err;

	if (!btf) {
		err = -errno;
		why(f, err, "no usable /sys/kernel/btf/vmlinux: the kernel needs CONFIG_DEBUG_INFO_BTF=y");
		return err;
	}
	why(f, 0, "/sys/kernel/btf/vmlinux, %u types", btf__type_cnt(btf));
	btf__free(btf);
	return 0;
}

static int probe_bpffs(struct fl_feature *f)
{
	bool mounted;
	int err = fl_ensure_bpffs(&mounted);

	if (err)
		why(f, err, "cannot mount bpffs at /sys/fs/bpf; pins are impossible");
	else
		why(f, 0, "%s /sys/fs/bpf", mounted ? "mounted now at" : "mounted at");
	return err;
}

static int probe_cgroup2(struct fl_feature *f)
{
	const char *root = fl_cgroup2_root();

	if (!root) {
		why(f, -ENOENT, "no cgroup2 mount; mount one: mount -t cgroup2 none /sys/fs/cgroup");
		return -ENOENT;
	}
	why(f, 0, "mounted at %s%s", root,
	    strcmp(root, "/sys/fs/cgroup") ? " (hybrid hierarchy)" : " (unified hierarchy)");
	return 0;
}

/* The tc probe program, only inside the scratch netns. */
static struct probe_bpf *load_tc_probe(struct fl_feature *f, struct bpf_program **prog, int *err)
{
	struct probe_bpf *skel;

	if (!in_private_netns) {
		*err = no_netns(f);
		return NULL;
	}
	skel = load_one("probe_tc", prog, err);
	if (!skel)
		why(f, *err, "sched_cls program refused (CONFIG_NET_CLS_BPF)");
	return skel;
}

static int probe_tc_clsact(struct fl_feature *f)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = 1, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);
	struct bpf_program *prog = NULL;
	struct probe_bpf *skel;
	int err;

	skel = load_tc_probe(f, &prog, &err);
	if (!skel)
		return err;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		why(f, err, "cannot create clsact (CONFIG_NET_SCH_INGRESS)");
		goto out;
	}
	opts.prog_fd = bpf_program__fd(prog);
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		why(f, err, "cannot attach a bpf filter to clsact (CONFIG_NET_CLS_BPF)");
	else
		why(f, 0, "clsact + bpf filter attached in a scratch netns");
out:
	probe_bpf__destroy(skel);
	return err;
}

static int probe_tcx(struct fl_feature *f)
{
	const char *mode = getenv("FAULTLINE_TC");
	struct bpf_program *prog = NULL;
	struct probe_bpf *skel;
	int err, fd;

	/* Where tcx misbehaves with someone's tc setup, or to test the fallback. */
	if (mode && !strcmp(mode, "clsact")) {
		why(f, -EOPNOTSUPP, "FAULTLINE_TC=clsact: clsact filters via netlink, not tcx links");
		return -EOPNOTSUPP;
	}
	skel = load_tc_probe(f, &prog, &err);
	if (!skel)
		return err;
	fd = bpf_link_create(bpf_program__fd(prog), 1, FL_BPF_TCX_INGRESS, NULL);
	err = fd < 0 ? -errno : 0;
	if (err)
		why(f, err, "no tcx links (Linux 6.6+); faultline falls back to clsact via netlink");
	else
		why(f, 0, "tcx link created in a scratch netns");
	if (fd >= 0)
		close(fd);
	probe_bpf__destroy(skel);
	return err;
}

/* A scratch cgroup below the v2 root, holding only our probe processes. */
static int probe_cgroup_dir(char *path, size_t size)
{
	const char *root = fl_cgroup2_root();

	if (!root)
		return -ENOENT;
	snprintf(path, size, "%s/faultline-probe.%d", root, getpid());
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* In a child moved into dir: does connect() fail with ECONNREFUSED? */
static int connect_refused_in(const char *dir)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9) };
	char procs[PATH_MAX + 16];
	pid_t pid;
	int status, fd;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (fl_write_file(procs, "0"))
			_exit(2);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) && errno == ECONNREFUSED)
			_exit(0);
		_exit(1);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EPROTO;
}

/*
 * Attach `name` to a scratch cgroup; with `check`, also run it there and
 * see the program act. `load_hint` says what a refused load means.
 */
static int attach_cgroup(const char *name, struct fl_feature *f, const char *load_hint,
			 int (*check)(const char *dir))
{
	struct bpf_program *prog = NULL;
	struct bpf_link *link = NULL;
	struct probe_bpf *skel;
	char dir[PATH_MAX];
	int err, cgfd = -1;

	err = probe_cgroup_dir(dir, sizeof(dir));
	if (err) {
		why(f, err, "cannot create a probe cgroup under the cgroup2 mount");
		return err;
	}
	skel = load_one(name, &prog, &err);
	if (!skel) {
		why(f, err, "load refused; %s", load_hint);
		goto out;
	}
	cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	link = cgfd < 0 ? NULL : bpf_program__attach_cgroup(prog, cgfd);
	if (!link) {
		err = -errno;
		why(f, err, "attach to a cgroup refused (CONFIG_CGROUP_BPF)");
	} else if (check && (err = check(dir))) {
		why(f, err, "attached, but connect() did not fail with the chosen errno");
	} else {
		why(f, 0, check ? "connect() in a probe cgroup failed with ECONNREFUSED as chosen" :
		    "%s attached to a probe cgroup", bpf_program__section_name(prog));
	}
out:
	bpf_link__destroy(link);
	probe_bpf__destroy(skel);
	if (cgfd >= 0)
		close(cgfd);
	rmdir(dir);
	return err;
}

static int probe_cgroup_skb(struct fl_feature *f)
{
	return attach_cgroup("probe_cgroup_skb", f, "needs CONFIG_CGROUP_BPF", NULL);
}

static int probe_sock_addr(struct fl_feature *f)
{
	return attach_cgroup("probe_connect4", f, "needs CONFIG_CGROUP_BPF", NULL);
}

static int probe_set_retval(struct fl_feature *f)
{
	return attach_cgroup("probe_set_retval", f,
			     "no bpf_set_retval (Linux 5.18+): cgroup socket hooks can inject only EPERM",
			     connect_refused_in);
}

static int probe_tracepoint(struct fl_feature *f)
{
	int err = fl_ensure_tracefs(NULL);

	if (err) {
		why(f, err, "cannot mount tracefs at /sys/kernel/tracing");
		return err;
	}
	return load_attach("probe_tracepoint", f, "needs CONFIG_BPF_EVENTS",
			   "no syscalls:sys_enter_getppid (CONFIG_FTRACE_SYSCALLS)");
}

static int probe_raw_tp(struct fl_feature *f)
{
	return load_attach("probe_raw_tp", f, "needs CONFIG_BPF_EVENTS", "no sys_enter raw tracepoint");
}

static int probe_fentry(struct fl_feature *f)
{
	return load_attach("probe_fentry", f,
			   "needs BPF trampolines (CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS) and BTF",
			   "trampoline attach refused (lockdown, or no ftrace direct calls)");
}

static int probe_fmod_ret_security(struct fl_feature *f)
{
	return load_attach("probe_fmod_ret_security", f,
			   "fmod_ret needs BPF trampolines and BTF",
			   "trampoline attach refused (lockdown, or no ftrace direct calls)");
}

static int probe_bpf_lsm(struct fl_feature *f)
{
	char lsms[512] = "", *p;
	int err;

	err = fl_ensure_securityfs(NULL);
	if (!err)
		err = fl_read_file("/sys/kernel/security/lsm", lsms, sizeof(lsms));
	/* No securityfs to ask: the attach itself is the answer. */
	if (err < 0)
		return load_attach("probe_lsm", f, "lsm program refused",
				   "lsm attach refused (BPF LSM not active: 'bpf' in lsm=)");
	for (p = strtok(lsms, ","); p; p = strtok(NULL, ","))
		if (!strcmp(p, "bpf"))
			break;
	if (!p) {
		why(f, -EOPNOTSUPP, "BPF LSM is not active (CONFIG_BPF_LSM, and 'bpf' in the lsm= boot parameter)");
		return -EOPNOTSUPP;
	}
	return load_attach("probe_lsm", f, "lsm program refused", "lsm attach refused");
}

static int kprobe_reason(struct fl_feature *f, int err)
{
	if (access("/sys/bus/event_source/devices/kprobe", F_OK))
		why(f, err, "no kprobe PMU: the kernel needs CONFIG_KPROBES and CONFIG_KPROBE_EVENTS");
	else
		why(f, err, "kprobe attach refused");
	return err;
}

static int probe_kprobe(struct fl_feature *f)
{
	struct bpf_program *prog = NULL;
	struct probe_bpf *skel;
	struct bpf_link *link;
	int err;

	skel = load_one("probe_kprobe", &prog, &err);
	if (!skel) {
		why(f, err, "kprobe program refused (CONFIG_BPF_EVENTS)");
		return err;
	}
	link = bpf_program__attach(prog);
	err = link ? 0 : kprobe_reason(f, -errno);
	if (link)
		why(f, 0, "kprobe/__x64_sys_getpgid attached");
	bpf_link__destroy(link);
	probe_bpf__destroy(skel);
	return err;
}

/* Attach an override probe and check getpgid() really fails as told. */
static int override_works(const char *name, struct fl_feature *f, const char *load_hint)
{
	struct bpf_program *prog = NULL;
	struct probe_bpf *skel;
	struct bpf_link *link;
	long ret;
	int err;

	bool kprobe = !strcmp(name, "probe_override");

	skel = load_one(name, &prog, &err);
	if (!skel) {
		if (kprobe || !trampoline_refused(f, err))
			why(f, err, "%s", load_hint);
		return err;
	}
	link = bpf_program__attach(prog);
	if (!link) {
		err = -errno;
		if (kprobe)
			kprobe_reason(f, err);
		else if (!trampoline_refused(f, err))
			why(f, err, "__x64_sys_getpgid is not on the error-injection list (CONFIG_FUNCTION_ERROR_INJECTION)");
		goto out;
	}
	ret = syscall(SYS_getpgid, 0);
	err = (ret == -1 && errno == PROBE_ERRNO) ? 0 : -EPROTO;
	if (err)
		why(f, err, "attached, but getpgid() was not overridden");
	else
		why(f, 0, "getpgid() of the probing process failed as told");
out:
	bpf_link__destroy(link);
	probe_bpf__destroy(skel);
	return err;
}

static int probe_override_return(struct fl_feature *f)
{
	return override_works("probe_override", f,
			      "no bpf_override_return: the kernel needs CONFIG_BPF_KPROBE_OVERRIDE");
}

static int probe_fmod_ret_syscall(struct fl_feature *f)
{
	return override_works("probe_fmod_ret_syscall", f,
			      "fmod_ret on __x64_sys_getpgid refused: the kernel needs CONFIG_FUNCTION_ERROR_INJECTION");
}

static int probe_sch_fq(struct fl_feature *f)
{
	struct nl_fq_opts opts = { 0 };
	int err;

	if (!in_private_netns)
		return no_netns(f);

	/* lo of the probe's private netns: nothing of the host is touched. */
	err = nl_qdisc_add_fq(1, &opts, true);
	if (err) {
		why(f, err, "cannot create an fq qdisc (CONFIG_NET_SCH_FQ or module sch_fq): delay needs it for EDT");
		return err;
	}
	nl_qdisc_del_root(1);
	why(f, 0, "fq created as root qdisc in a scratch netns");
	return 0;
}

static const struct feat_desc feats[FEAT__COUNT] = {
	[FEAT_BTF] = { "btf", "CO-RE: every program", true, probe_btf },
	[FEAT_BPFFS] = { "bpffs", "detached experiments, stop --all, crash cleanup", false, probe_bpffs },
	[FEAT_CGROUP2] = { "cgroup2", "targets: every fault", true, probe_cgroup2 },
	[FEAT_TC_CLSACT] = { "tc_clsact", "net drop (egress), net delay", true, probe_tc_clsact },
	[FEAT_TCX] = { "tcx", "net drop and delay on tcx links instead of netlink filters", false, probe_tcx },
	[FEAT_CGROUP_SKB] = { "cgroup_skb", "net drop (ingress), ingress delay", true, probe_cgroup_skb },
	[FEAT_SOCK_ADDR] = { "cgroup_sock_addr", "sys fail: connect, bind, sendmsg", true, probe_sock_addr },
	[FEAT_SET_RETVAL] = { "bpf_set_retval", "sys fail on socket calls with any errno (else EPERM only)", false, probe_set_retval },
	[FEAT_TRACEPOINT] = { "tracepoint", "events", false, probe_tracepoint },
	[FEAT_RAW_TP] = { "raw_tracepoint", "events", false, probe_raw_tp },
	[FEAT_FENTRY] = { "fentry", "events with kernel context", false, probe_fentry },
	[FEAT_FMOD_RET_SECURITY] = { "fmod_ret_security", "sys fail: file, mmap, fork calls (security_* hooks)", false, probe_fmod_ret_security },
	[FEAT_BPF_LSM] = { "bpf_lsm", "sys fail: file, mmap, fork calls (LSM hooks)", false, probe_bpf_lsm },
	[FEAT_KPROBE] = { "kprobe", "sys fail: any syscall (kprobe mechanism)", false, probe_kprobe },
	[FEAT_OVERRIDE_RETURN] = { "bpf_override_return", "sys fail: any syscall (kprobe mechanism)", false, probe_override_return },
	[FEAT_FMOD_RET_SYSCALL] = { "fmod_ret_syscall", "sys fail: any syscall (fmod_ret mechanism)", false, probe_fmod_ret_syscall },
	[FEAT_SCH_FQ] = { "sch_fq", "net delay (fq releases EDT packets)", false, probe_sch_fq },
};

const char *fl_feat_name(enum fl_feat id) { return feats[id].name; }
const char *fl_feat_needed_for(enum fl_feat id) { return feats[id].needed_for; }
bool fl_feat_is_core(enum fl_feat id) { return feats[id].core; }

static void run_probe(enum fl_feat id, struct fl_features *out)
{
	struct fl_feature *f = &out->f[id];

	memset(f, 0, sizeof(*f));
	f->available = feats[id].fn(f) == 0;
	f->probed = true;
	pr_debug("probe %s: %s %s\n", feats[id].name, f->available ? "yes" : "no", f->reason);
}

static void lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
}

/*
 * Probes run in a child inside a fresh network namespace: whatever a probe
 * creates on a device dies with the namespace, and a crash in the middle
 * leaves nothing on the host but a probe cgroup, which we remove here.
 */
static int probe_in_child(int first, int last, struct fl_features *out)
{
	struct fl_features *shared;
	char dir[PATH_MAX];
	int status, id, err = 0;
	pid_t pid;

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return -errno;
	memcpy(shared, out, sizeof(*shared));
	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto out;
	}
	if (pid == 0) {
		in_private_netns = unshare(CLONE_NEWNET) == 0;
		if (in_private_netns)
			lo_up();
		for (id = first; id <= last; id++)
			run_probe(id, shared);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		err = -ECHILD;
	snprintf(dir, sizeof(dir), "%s/faultline-probe.%d", fl_cgroup2_root() ?: "/nonexistent", pid);
	rmdir(dir);
	memcpy(out, shared, sizeof(*out));
out:
	munmap(shared, sizeof(*shared));
	return err;
}

int fl_probe_all(struct fl_features *out)
{
	memset(out, 0, sizeof(*out));
	return probe_in_child(0, FEAT__COUNT - 1, out);
}

bool fl_probe_one(enum fl_feat id, struct fl_features *out)
{
	if (!out->f[id].probed && probe_in_child(id, id, out))
		return false;
	return out->f[id].available;
}

/* 6.1 keeps these helpers from skb programs (cgroup_skb, tc); later kernels allow them. */
bool fl_events_task_helpers(void)
{
	static const enum bpf_prog_type types[] = { BPF_PROG_TYPE_CGROUP_SKB, BPF_PROG_TYPE_SCHED_CLS };
	static const enum bpf_func_id helpers[] = {
		BPF_FUNC_get_current_pid_tgid, BPF_FUNC_get_current_comm, BPF_FUNC_get_current_cgroup_id,
	};
	static int known = -1;
	size_t i, j;

	if (known >= 0)
		return known;
	known = 1;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		for (j = 0; j < sizeof(helpers) / sizeof(helpers[0]); j++)
			if (libbpf_probe_bpf_helper(types[i], helpers[j], NULL) != 1)
				known = 0;
	return known;
}
