#!/usr/bin/env python3
"""Small, bounded traffic tools for faultline's tests (loopback and test netns only).

  udp-sink    --port P [--idle S] [--max-time S]     count datagrams until idle
  udp-blast   --to A --port P --count N [--bind-port L] [--pace N]
  udp-echo    --port P [--max-time S]                echo datagrams back
  udp-rtt     --to A --port P --count N [--interval S] [--timeout S]
  tcp-connect --to A --port P [--timeout S]          connect once, report how it ended
  tcp-sink    --port P [--max-time S]                accept and discard
  tcp-rtt     --to A --port P --count N              request/response RTTs on one connection

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


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode")
    p.add_argument("--to", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--bind-port", type=int, default=0)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--pace", type=int, default=100)
    p.add_argument("--idle", type=float, default=1.0)
    p.add_argument("--first", type=float, default=3.0)
    p.add_argument("--max-time", type=float, default=60.0)
    p.add_argument("--interval", type=float, default=0.0)
    p.add_argument("--timeout", type=float, default=2.0)
    a = p.parse_args()
    modes = {"udp-sink": udp_sink, "udp-blast": udp_blast, "udp-echo": udp_echo, "udp-rtt": udp_rtt,
             "tcp-connect": tcp_connect, "tcp-sink": tcp_sink, "tcp-rtt": tcp_rtt}
    if a.mode not in modes:
        p.error("unknown mode " + a.mode)
    modes[a.mode](a)


if __name__ == "__main__":
    main()
