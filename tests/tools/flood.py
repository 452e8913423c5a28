#!/usr/bin/env python3
"""A flood of one call, as fast as one CPU goes, for the duration tests.

  flood.py sendto|connect ADDR PORT STOPFILE

UDP sendto() of 32 bytes, or UDP connect(), to ADDR:PORT until STOPFILE
exists (20 s at most). Errors are expected (the fault under test makes
them) and ignored. Prints one JSON line: its first and last time and every
pause over 1 ms between two calls, on CLOCK_MONOTONIC, the clock of
bpf_ktime_get_ns(), so the times compare with the kernel's event times.
"""
import json, os, socket, sys, time


def main():
    op, addr, port, stop = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    now = time.monotonic_ns
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    call = (lambda: s.sendto(b"x" * 32, (addr, port))) if op == "sendto" else \
        (lambda: s.connect((addr, port)))
    first = last = now()
    pauses, n = [], 0
    # The stop file is looked at every 512 calls: a stat per call would be the flood.
    while last - first < 20e9 and (n % 512 or not os.path.exists(stop)):
        try:
            call()
        except OSError:
            pass
        t = now()
        if t - last > 1000000:
            pauses.append([last, t])
        last, n = t, n + 1
    print(json.dumps({"first": first, "last": last, "calls": n, "pauses": pauses}))


if __name__ == "__main__":
    main()
