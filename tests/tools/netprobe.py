#!/usr/bin/env python3
"""Small, bounded traffic tools for faultline's tests (loopback and test netns only).

  udp-sink    --port P [--idle S] [--max-time S]     count datagrams until idle
  udp-blast   --to A --port P --count N [--bind-port L] [--pace N]
  udp-echo    --port P [--max-time S]                echo datagrams back
  udp-rtt     --to A --port P --count N [--interval S] [--timeout S]
  tcp-connect --to A --port P [--timeout S]          connect once, report how it ended
  tcp-sink    --port P [--max-time S]                accept and discard
  tcp-rtt     --to A --port P --count N              request/response RTTs on one connection
  sock-send   --kind K --to A --count N [--port P] [--interval S] [--timeout S]
              N packets through one kind of socket (see SOCK_KINDS); counts the
              errors the sender saw and the replies (echo replies, or a udp-echo)

Every mode prints one JSON line and stops by itself (counts and times are bounded).
"""
import argparse, errno, json, os, select, socket, struct, sys, time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def udp_sink(a):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33), 64 << 20)
    s.bind(("::", a.port))
    n, first, end, last_seq, reordered = 0, None, time.time() + a.max_time, -1, 0
    # Nothing at all for --first seconds means nothing is coming (a 100% drop).
    s.settimeout(a.first)
    print(json.dumps({"ready": True}), flush=True)
    while time.time() < end:
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        n += 1
        seq = struct.unpack("!I", data[:4])[0] if len(data) >= 4 else 0
        if seq < last_seq:
            reordered += 1
        last_seq = max(last_seq, seq)
        if first is None:
            first = time.time()
            s.settimeout(a.idle)
    print(json.dumps({"received": n, "reordered": reordered}), flush=True)


def udp_blast(a):
    s = socket.socket(family(a.to), socket.SOCK_DGRAM)
    if a.bind_port:
        s.bind(("", a.bind_port))
    sent = errs = 0
    last_err = None
    for i in range(a.count):
        try:
            s.sendto(struct.pack("!I", i) + b"x" * 28, (a.to, a.port))
            sent += 1
        except OSError as e:
            errs += 1
            last_err = errno.errorcode.get(e.errno, str(e.errno))
        if a.pace and i % a.pace == a.pace - 1:
            time.sleep(0.001)
    print(json.dumps({"sent": sent, "errors": errs, "last_error": last_err}), flush=True)


def udp_echo(a):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", a.port))
    s.settimeout(0.5)
    end, n = time.time() + a.max_time, 0
    print(json.dumps({"ready": True}), flush=True)
    while time.time() < end:
        try:
            data, peer = s.recvfrom(65536)
        except socket.timeout:
            continue
        s.sendto(data, peer)
        n += 1
    print(json.dumps({"echoed": n}), flush=True)


def pct(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100.0 * len(xs)))]


def udp_rtt(a):
    s = socket.socket(family(a.to), socket.SOCK_DGRAM)
    s.settimeout(a.timeout)
    rtts, lost, reordered, last_seq = [], 0, 0, -1
    for i in range(a.count):
        t0 = time.perf_counter()
        s.sendto(struct.pack("!Id", i, t0), (a.to, a.port))
        try:
            while True:
                data = s.recv(64)
                seq, ts = struct.unpack("!Id", data[:12])
                if seq < last_seq:
                    reordered += 1
                last_seq = max(last_seq, seq)
                if seq == i:
                    rtts.append((time.perf_counter() - ts) * 1000)
                    break
        except socket.timeout:
            lost += 1
        if a.interval:
            time.sleep(a.interval)
    print(json.dumps({"sent": a.count, "replies": len(rtts), "lost": lost, "reordered": reordered,
                      "p50_ms": pct(rtts, 50), "p99_ms": pct(rtts, 99)}), flush=True)


def tcp_connect(a):
    s = socket.socket(family(a.to), socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    t0 = time.time()
    try:
        s.connect((a.to, a.port))
        res = "connected"
    except socket.timeout:
        res = "timeout"
    except OSError as e:
        res = errno.errorcode.get(e.errno, str(e.errno))
    print(json.dumps({"result": res, "elapsed_s": round(time.time() - t0, 3)}), flush=True)


def tcp_sink(a):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", a.port))
    s.listen(64)
    print(json.dumps({"ready": True}), flush=True)
    end, conns = time.time() + a.max_time, []
    while time.time() < end:
        ready, _, _ = select.select([s] + conns, [], [], 0.5)
        for c in ready:
            if c is s:
                conn, _ = s.accept()
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                conns.append(conn)
                continue
            try:
                d = c.recv(65536)
            except OSError:
                d = b""
            if d:
                c.sendall(d)
            else:
                conns.remove(c)
                c.close()


def tcp_rtt(a):
    s = socket.create_connection((a.to, a.port), timeout=a.timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    rtts = []
    for i in range(a.count):
        t0 = time.perf_counter()
        s.sendall(b"p" * 16)
        got = 0
        while got < 16:
            got += len(s.recv(16 - got))
        rtts.append((time.perf_counter() - t0) * 1000)
        if a.interval:
            time.sleep(a.interval)
    print(json.dumps({"count": len(rtts), "p50_ms": pct(rtts, 50), "p99_ms": pct(rtts, 99)}), flush=True)


# sock-send: how a drop looks to each kind of sending socket. A lossy network
# shows as missing replies; an error on send (ENOBUFS, EPERM) is not loss.
IP_RECVERR, IPV6_RECVERR = 11, 25
SOCK_KINDS = {
    # kind: (family, type, protocol, IP(V6)_RECVERR set)
    "udp": (socket.AF_INET, socket.SOCK_DGRAM, 0, False),
    "udp-recverr": (socket.AF_INET, socket.SOCK_DGRAM, 0, True),
    "udp6": (socket.AF_INET6, socket.SOCK_DGRAM, 0, False),
    "udp6-recverr": (socket.AF_INET6, socket.SOCK_DGRAM, 0, True),
    # Ping sockets: net.ipv4.ping_group_range must hold the caller's gid.
    "icmp-dgram": (socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP, False),
    "icmp6-dgram": (socket.AF_INET6, socket.SOCK_DGRAM, socket.IPPROTO_ICMPV6, False),
    # What iputils ping opens when it may: raw, with IP_RECVERR.
    "icmp-raw": (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP, True),
    "icmp6-raw": (socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6, True),
    # IPPROTO_RAW implies IP_HDRINCL: our own IP header around an echo request.
    "raw-ip": (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW, True),
    "raw-ip6": (socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW, True),
}


def inet_csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def echo_request(v6, ident, seq, src=None, dst=None):
    """An ICMP(v6) echo request; a v6 checksum needs the pseudo-header."""
    typ = 128 if v6 else 8
    body = struct.pack("!Q", seq) + b"faultline"
    msg = struct.pack("!BBHHH", typ, 0, 0, ident, seq & 0xffff) + body
    if v6 and src is None:
        return msg  # raw and ping ICMPv6 sockets fill in the checksum
    pseudo = b""
    if v6:
        pseudo = socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + \
            struct.pack("!I3xB", len(msg), socket.IPPROTO_ICMPV6)
    c = inet_csum(pseudo + msg)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def source_for(fam, dst):
    """The source address the kernel picks towards dst (no packet is sent)."""
    u = socket.socket(fam, socket.SOCK_DGRAM)
    u.connect((dst, 9))
    src = u.getsockname()[0]
    u.close()
    return src


def raw_ip_packet(v6, ident, seq, dst):
    if not v6:
        icmp = echo_request(False, ident, seq)
        # tot_len, id, source and checksum left 0: the kernel fills them in.
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 0, 0, 0x4000, 64, socket.IPPROTO_ICMP, 0,
                          b"\0" * 4, socket.inet_pton(socket.AF_INET, dst))
        return hdr + icmp
    src = source_for(socket.AF_INET6, dst)
    icmp = echo_request(True, ident, seq, src, dst)
    hdr = struct.pack("!IHBB16s16s", 6 << 28, len(icmp), socket.IPPROTO_ICMPV6, 64,
                      socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst))
    return hdr + icmp


def reply_seq(kind, data, ident):
    """The sequence number in a reply meant for us, or None."""
    if kind.startswith("udp"):
        return struct.unpack("!I", data[:4])[0] if len(data) >= 4 else None
    v6 = "6" in kind
    if not v6 and kind != "icmp-dgram":
        data = data[(data[0] & 0xf) * 4:]  # a raw IPv4 socket reads the IP header too
    if len(data) < 16:
        return None
    typ, _, _, rid, _ = struct.unpack("!BBHHH", data[:8])
    # A ping socket's id is its port, the kernel's choice: not ours to check.
    if typ != (129 if v6 else 0) or (rid != ident and "dgram" not in kind):
        return None
    return struct.unpack("!Q", data[8:16])[0]


def open_sock_kind(kind, dst):
    fam, typ, proto, recverr = SOCK_KINDS[kind]
    s = socket.socket(fam, typ, proto)
    if recverr:
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVERR, 1)
        else:
            s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
    if proto == socket.IPPROTO_RAW and fam == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    # An IPPROTO_RAW socket receives nothing: replies come to a raw ICMP one.
    rx = s
    if proto == socket.IPPROTO_RAW:
        rx = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_ICMPV6 if fam == socket.AF_INET6 else socket.IPPROTO_ICMP)
    return s, rx


def sock_packet(kind, seq, ident, dst):
    if kind.startswith("udp"):
        return struct.pack("!I", seq) + b"x" * 28
    if kind.startswith("raw-ip"):
        return raw_ip_packet("6" in kind, ident, seq, dst)
    return echo_request("6" in kind, ident, seq)


def sock_collect(rx, kind, ident, want, got, until, errs):
    """Read replies until `until` or until every wanted one has come."""
    while want - got:
        left = until - time.time()
        if left <= 0:
            return
        r, _, _ = select.select([rx], [], [], left)
        if not r:
            return
        try:
            data = rx.recv(65536)
        except OSError as e:
            errs.append(errno.errorcode.get(e.errno, str(e.errno)))
            continue
        seq = reply_seq(kind, data, ident)
        if seq in want:
            got.add(seq)


def sock_send(a):
    if a.kind not in SOCK_KINDS:
        sys.exit("sock-send: --kind is one of " + ", ".join(SOCK_KINDS))
    if a.kind.startswith("udp") and not a.port:
        sys.exit("sock-send: a udp kind needs --port")
    count = min(a.count, 1000)
    s, rx = open_sock_kind(a.kind, a.to)
    ident = (os.getpid() ^ int(time.time() * 1000)) & 0xffff
    dest = (a.to, a.port if a.kind.startswith("udp") else 0)
    sent, send_errs, recv_errs, want, got = 0, [], [], set(), set()
    for seq in range(1, count + 1):
        try:
            s.sendto(sock_packet(a.kind, seq, ident, a.to), dest)
            sent += 1
        except OSError as e:
            send_errs.append(errno.errorcode.get(e.errno, str(e.errno)))
        want.add(seq)
        sock_collect(rx, a.kind, ident, want, got, time.time() + a.interval, recv_errs)
    sock_collect(rx, a.kind, ident, want, got, time.time() + a.timeout, recv_errs)
    print(json.dumps({"kind": a.kind, "sent": sent, "errors": len(send_errs),
                      "last_error": send_errs[-1] if send_errs else None, "replies": len(got),
                      "recv_errors": len(recv_errs), "last_recv_error": recv_errs[-1] if recv_errs else None}),
          flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode")
    p.add_argument("--to", default="127.0.0.1")
    p.add_argument("--port", type=int)
    p.add_argument("--bind-port", type=int, default=0)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--pace", type=int, default=100)
    p.add_argument("--idle", type=float, default=1.0)
    p.add_argument("--first", type=float, default=3.0)
    p.add_argument("--max-time", type=float, default=60.0)
    p.add_argument("--interval", type=float, default=0.0)
    p.add_argument("--timeout", type=float, default=2.0)
    p.add_argument("--kind", default="udp")
    a = p.parse_args()
    modes = {"udp-sink": udp_sink, "udp-blast": udp_blast, "udp-echo": udp_echo, "udp-rtt": udp_rtt,
             "tcp-connect": tcp_connect, "tcp-sink": tcp_sink, "tcp-rtt": tcp_rtt, "sock-send": sock_send}
    if a.mode not in modes:
        p.error("unknown mode " + a.mode)
    # Every mode but sock-send talks to a port (ICMP and raw IP have none).
    if a.port is None and a.mode != "sock-send":
        p.error("the following arguments are required: --port")
    modes[a.mode](a)


if __name__ == "__main__":
    main()
