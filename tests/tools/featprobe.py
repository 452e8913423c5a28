#!/usr/bin/env python3
"""What this kernel can do, found without faultline: a second opinion on
`faultline doctor`, for tests/integration/test_doctor.sh.

Each check loads a two-to-four instruction program through the bpf(2)
syscall (no libbpf, no faultline code) and attaches it the way the feature
needs, or asks a standard tool (tc, bpftool). Prints one JSON object:
{"feature": {"available": bool, "why": "..."}, ...}, with doctor's names.

Run as root inside a throw-away network and mount namespace (the test runs
it under `unshare --net --mount`): it brings lo up, creates qdiscs on lo and
mounts a scratch bpffs, all of which die with the namespace.
  featprobe.py --cgroup DIR     (an empty cgroup v2 directory to attach to)
"""
import argparse
import ctypes
import errno
import json
import os
import platform
import socket
import struct
import subprocess
import tempfile

libc = ctypes.CDLL(None, use_errno=True)
NR_BPF, NR_PERF_EVENT_OPEN = 321, 298          # x86_64
assert platform.machine() == "x86_64", "syscall numbers are x86_64's"
SYS = "__x64_sys_"

# UAPI numbers (include/uapi/linux/bpf.h), fixed forever.
PROG_LOAD, OBJ_PIN, RAW_TRACEPOINT_OPEN, LINK_CREATE = 5, 6, 17, 28
KPROBE, SCHED_CLS, TRACEPOINT, CGROUP_SKB = 2, 3, 5, 8
RAW_TRACEPOINT, CGROUP_SOCK_ADDR, TRACING, LSM = 17, 18, 26, 29
CGROUP_INET_EGRESS, CGROUP_INET4_CONNECT = 1, 10
TRACE_FENTRY, MODIFY_RETURN, LSM_MAC, TCX_EGRESS = 24, 26, 27, 47
FN_GET_CURRENT_PID_TGID, FN_OVERRIDE_RETURN, FN_SET_RETVAL = 14, 58, 187
PERF_TYPE_TRACEPOINT, PERF_EVENT_IOC_SET_BPF = 2, 0x40042408


class Unavailable(Exception):
    pass


def insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack("<BBhi", code, dst | src << 4, off, imm)


MOV_R0_0 = insn(0xb7)
EXIT = insn(0x95)
RET0 = MOV_R0_0 + EXIT
RET1 = insn(0xb7, imm=1) + EXIT


# Every fd a check opens (programs, links, perf events): closed after it,
# so no check sees the previous one's programs.
fds = []


def keep(fd):
    fds.append(fd)
    return fd


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    fd = libc.syscall(NR_BPF, cmd, buf, 128)
    if fd < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return keep(fd)


def prog_load(ptype, code, attach_type=0, btf_id=0):
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(65536)
    attr = struct.pack("<IIQQIIQII16sIIIIQIIQII", ptype, len(code) // 8, ctypes.addressof(insns),
                       ctypes.addressof(lic), 1, len(log), ctypes.addressof(log), 0, 0,
                       b"featprobe", 0, attach_type, 0, 0, 0, 0, 0, 0, 0, btf_id)
    try:
        return bpf(PROG_LOAD, attr)
    except OSError as e:
        # The verifier's reason: its last line before the statistics.
        lines = [ln for ln in log.value.decode(errors="replace").splitlines()
                 if ln.strip() and not ln.startswith("processed ")]
        why = f": {lines[-1]}" if lines else ""
        raise Unavailable(f"load: {errno.errorcode.get(e.errno, e.errno)}{why}")


def link_create(prog, target, attach_type):
    try:
        return bpf(LINK_CREATE, struct.pack("<IIII", prog, target, attach_type, 0))
    except OSError as e:
        raise Unavailable(f"attach: {errno.errorcode.get(e.errno, e.errno)}")


def raw_tp_open(prog, name=None):
    s = ctypes.create_string_buffer(name.encode()) if name else None
    try:
        return bpf(RAW_TRACEPOINT_OPEN, struct.pack("<QI", ctypes.addressof(s) if s else 0, prog))
    except OSError as e:
        raise Unavailable(f"attach: {errno.errorcode.get(e.errno, e.errno)}")


def perf_attach(prog, ptype, config, config1=0):
    # perf_event_attr up to config2 (PERF_ATTR_SIZE_VER1, 72 bytes)
    attr = struct.pack("<IIQQQQQIIQQ", ptype, 72, config, 1, 0, 0, 0, 1, 0, config1, 0)
    buf = ctypes.create_string_buffer(attr, len(attr))
    fd = libc.syscall(NR_PERF_EVENT_OPEN, buf, -1, 0, -1, 8)   # PERF_FLAG_FD_CLOEXEC
    if fd < 0:
        raise Unavailable(f"perf_event_open: {errno.errorcode.get(ctypes.get_errno())}")
    keep(fd)
    if libc.ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog) < 0:
        raise Unavailable(f"PERF_EVENT_IOC_SET_BPF: {errno.errorcode.get(ctypes.get_errno())}")
    return fd


_btf = None


def btf_id(func):
    """A kernel function's BTF id, from bpftool's dump of vmlinux BTF."""
    global _btf
    if _btf is None:
        out = subprocess.run(["bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux"],
                             capture_output=True, text=True).stdout
        _btf = {}
        for line in out.splitlines():
            if "] FUNC '" in line:
                _btf[line.split("'")[1]] = int(line[1:line.index("]")])
    if func not in _btf:
        raise Unavailable(f"no BTF for {func}")
    return _btf[func]


def sh(*cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        raise Unavailable(f"{' '.join(cmd)}: {r.stderr.strip()}")


# ---- one check per doctor feature ------------------------------------------

def btf(a):
    btf_id("security_file_open")
    return "bpftool parses /sys/kernel/btf/vmlinux"


def scratch_bpffs(a):
    if not a.bpffs:
        d = tempfile.mkdtemp()
        sh("mount", "-t", "bpf", "bpf", d)
        a.bpffs = d
    return a.bpffs


def bpffs(a):
    if "\tbpf\n" not in open("/proc/filesystems").read():
        raise Unavailable("no bpf in /proc/filesystems")
    scratch_bpffs(a)
    return "a scratch bpffs mounted"


def cgroup2(a):
    if "\tcgroup2\n" not in open("/proc/filesystems").read():
        raise Unavailable("no cgroup2 in /proc/filesystems")
    if not os.path.exists(os.path.join(a.cgroup, "cgroup.procs")):
        raise Unavailable(f"{a.cgroup} is not a cgroup v2 directory")
    return "cgroup2 known and mounted"


def tc_clsact(a):
    pin = os.path.join(scratch_bpffs(a), "tc")
    prog = prog_load(SCHED_CLS, RET0)
    path = ctypes.create_string_buffer(pin.encode())
    bpf(OBJ_PIN, struct.pack("<QI", ctypes.addressof(path), prog))
    sh("tc", "qdisc", "add", "dev", "lo", "clsact")
    try:
        sh("tc", "filter", "add", "dev", "lo", "egress", "bpf", "da", "object-pinned", pin)
    finally:
        subprocess.run(["tc", "qdisc", "del", "dev", "lo", "clsact"], capture_output=True)
    return "tc attached a pinned sched_cls program on clsact"


def tcx(a):
    link_create(prog_load(SCHED_CLS, RET0), socket.if_nametoindex("lo"), TCX_EGRESS)
    return "tcx egress link on lo"


def cgroup_fd(a):
    return keep(os.open(a.cgroup, os.O_RDONLY | os.O_DIRECTORY))


def cgroup_skb(a):
    link_create(prog_load(CGROUP_SKB, RET1), cgroup_fd(a), CGROUP_INET_EGRESS)
    return "cgroup_skb egress link"


def cgroup_sock_addr(a):
    link_create(prog_load(CGROUP_SOCK_ADDR, RET1, CGROUP_INET4_CONNECT), cgroup_fd(a),
                CGROUP_INET4_CONNECT)
    return "cgroup connect4 link"


def bpf_set_retval(a):
    # connect4: set_retval(-EHOSTDOWN), then reject. Without the helper
    # working the call fails with EPERM; without the hook, ECONNREFUSED.
    code = insn(0xb7, dst=1, imm=-errno.EHOSTDOWN) + insn(0x85, imm=FN_SET_RETVAL) + RET0
    link_create(prog_load(CGROUP_SOCK_ADDR, code, CGROUP_INET4_CONNECT), cgroup_fd(a),
                       CGROUP_INET4_CONNECT)
    pid = os.fork()
    if pid == 0:
        with open(os.path.join(a.cgroup, "cgroup.procs"), "w") as f:
            f.write("0")
        s = socket.socket()
        try:
            s.connect(("127.0.0.1", 9))
            os._exit(0)
        except OSError as e:
            os._exit(e.errno)
    got = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if got != errno.EHOSTDOWN:
        raise Unavailable(f"connect failed with {errno.errorcode.get(got, got)}, not EHOSTDOWN")
    return "connect() failed with the errno the program set"


def tracefs_id(event):
    for root in ("/sys/kernel/tracing", "/sys/kernel/debug/tracing"):
        p = f"{root}/events/{event}/id"
        if os.path.exists(p):
            return int(open(p).read())
    raise Unavailable(f"no {event} in tracefs")


def tracepoint(a):
    perf_attach(prog_load(TRACEPOINT, RET0), PERF_TYPE_TRACEPOINT,
                tracefs_id("syscalls/sys_enter_getppid"))
    return "tracepoint program on syscalls/sys_enter_getppid"


def raw_tracepoint(a):
    raw_tp_open(prog_load(RAW_TRACEPOINT, RET0), "sys_enter")
    return "raw tracepoint program on sys_enter"


def trampoline(ptype, attach_type, func):
    raw_tp_open(prog_load(ptype, RET0, attach_type, btf_id(func)))
    return f"attached to {func}"


def fentry(a):
    return trampoline(TRACING, TRACE_FENTRY, "security_file_open")


def fmod_ret_security(a):
    return trampoline(TRACING, MODIFY_RETURN, "security_file_open")


def fmod_ret_syscall(a):
    # getppid has no BTF (SYSCALL_DEFINE0), getpgid has.
    return trampoline(TRACING, MODIFY_RETURN, SYS + "getpgid")


def bpf_lsm(a):
    # Attaching works whether or not the BPF LSM is active; only a hook that
    # runs tells (and securityfs, with its lsm list, may not be there). So:
    # socket_create fails with EPERM for one child process, by its tgid.
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(w)
        os.read(r, 1)
        try:
            socket.socket().close()
            os._exit(0)
        except OSError as e:
            os._exit(e.errno)
    os.close(r)
    code = (insn(0x85, imm=FN_GET_CURRENT_PID_TGID) + insn(0x77, imm=32) +
            insn(0x55, off=2, imm=pid) + insn(0xb7, imm=-errno.EPERM) + EXIT + RET0)
    try:
        raw_tp_open(prog_load(LSM, code, LSM_MAC, btf_id("bpf_lsm_socket_create")))
    finally:
        os.write(w, b"x")
        os.close(w)
        got = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if got != errno.EPERM:
        raise Unavailable(f"attached, but socket() in the target gave {errno.errorcode.get(got, got)}, "
                          f"not EPERM: the BPF LSM is not active (lsm=)")
    return "an lsm/socket_create program failed socket() in a child"


def kprobe_pmu():
    try:
        return int(open("/sys/bus/event_source/devices/kprobe/type").read())
    except OSError:
        raise Unavailable("no kprobe PMU in /sys/bus/event_source/devices")


def kprobe_attach(code):
    func = ctypes.create_string_buffer((SYS + "getppid").encode())
    perf_attach(prog_load(KPROBE, code), kprobe_pmu(), 0, ctypes.addressof(func))


def kprobe(a):
    kprobe_attach(RET0)
    return "kprobe program on " + SYS + "getppid"


def bpf_override_return(a):
    # r1 is the context already: bpf_override_return(ctx, 0).
    kprobe_attach(insn(0xb7, dst=2) + insn(0x85, imm=FN_OVERRIDE_RETURN) + RET0)
    return "kprobe program calling bpf_override_return on " + SYS + "getppid"


def sch_fq(a):
    sh("tc", "qdisc", "add", "dev", "lo", "root", "fq")
    sh("tc", "qdisc", "del", "dev", "lo", "root")
    return "tc created an fq root qdisc"


CHECKS = [btf, bpffs, cgroup2, tc_clsact, tcx, cgroup_skb, cgroup_sock_addr, bpf_set_retval,
          tracepoint, raw_tracepoint, fentry, fmod_ret_security, bpf_lsm, kprobe,
          bpf_override_return, fmod_ret_syscall, sch_fq]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cgroup", required=True)
    a = p.parse_args()
    a.bpffs = None
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    out = {}
    for check in CHECKS:
        try:
            out[check.__name__] = {"available": True, "why": check(a)}
        except (Unavailable, OSError) as e:
            out[check.__name__] = {"available": False, "why": str(e)}
        while fds:
            os.close(fds.pop())
    if a.bpffs:
        subprocess.run(["umount", a.bpffs])
        os.rmdir(a.bpffs)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
