#!/usr/bin/env python3
"""The demo's two services: a TCP server, and a client that opens a fresh
connection for every request (as a service calling its database would).

  server --port P [--max-time S]          answer each line with "ok"
  client --to A --port P --log FILE       a request every --every seconds;
         [--every S] [--max-time S]       each is one JSON line in FILE:
                                          {"t": start, "ok": bool, "ms": latency, "err": ...}
Both stop by themselves after --max-time.
"""
import argparse, errno, json, socket, sys, threading, time


def server(a):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", a.port))
    s.listen(128)
    s.settimeout(0.5)
    print("ready", flush=True)
    end = time.time() + a.max_time

    def answer(c):
        with c:
            c.settimeout(5)
            try:
                if c.recv(64):
                    c.sendall(b"ok\n")
            except OSError:
                pass

    while time.time() < end:
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        threading.Thread(target=answer, args=(c,), daemon=True).start()


def one_request(a):
    t0 = time.monotonic()
    s = socket.socket()
    s.settimeout(a.timeout)
    try:
        s.connect((a.to, a.port))
        s.sendall(b"GET\n")
        ok = s.recv(16).startswith(b"ok")
        err = None if ok else "short reply"
    except OSError as e:
        ok, err = False, errno.errorcode.get(e.errno, "timeout") if e.errno else "timeout"
    finally:
        s.close()
    return ok, (time.monotonic() - t0) * 1000, err


def client(a):
    end = time.time() + a.max_time
    with open(a.log, "a", buffering=1) as log:
        print("ready", flush=True)
        while time.time() < end:
            start = time.time()
            ok, ms, err = one_request(a)
            log.write(json.dumps({"t": start, "ok": ok, "ms": round(ms, 3), "err": err}) + "\n")
            time.sleep(max(0.0, a.every - (time.time() - start)))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("server")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--max-time", type=float, default=120)
    c = sub.add_parser("client")
    c.add_argument("--to", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--log", required=True)
    c.add_argument("--every", type=float, default=0.02)
    c.add_argument("--timeout", type=float, default=3)
    c.add_argument("--max-time", type=float, default=120)
    a = p.parse_args()
    server(a) if a.mode == "server" else client(a)


if __name__ == "__main__":
    sys.exit(main())
