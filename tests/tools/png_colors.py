#!/usr/bin/python3
"""png_colors.py FILE X0 Y0 X1 Y1 NAME=#RRGGBB[~TOL]...: count the pixels of
a PNG screenshot inside the box [X0,X1) x [Y0,Y1) that are within TOL
(default 6) of each colour, and those that are not white; print them as
one JSON object ({"NAME": n, ..., "non_white": n, "pixels": n}).

Plain zlib and the five PNG filters, no imaging library: it reads what
headless Chromium writes (8-bit RGB or RGBA, not interlaced) and refuses
anything else."""
import json
import struct
import sys
import zlib


def chunks(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit("not a PNG")
    at = 8
    while at < len(data):
        n, kind = struct.unpack(">I4s", data[at:at + 8])
        yield kind, data[at + 8:at + 8 + n]
        at += 12 + n


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def rows(path, last_row):
    data = open(path, "rb").read()
    idat = b""
    for kind, body in chunks(data):
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    if depth != 8 or ctype not in (2, 6) or interlace:
        sys.exit(f"unsupported PNG: depth {depth}, colour type {ctype}, interlace {interlace}")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    for y in range(min(h, last_row)):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xff
        elif f == 2:
            line = bytearray((a + b) & 0xff for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xff
        elif f == 4:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                up_left = prev[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + paeth(left, prev[i], up_left)) & 0xff
        yield y, line, bpp, w
        prev = line


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    path = sys.argv[1]
    x0, y0, x1, y1 = (int(v) for v in sys.argv[2:6])
    colours = {}
    for spec in sys.argv[6:]:
        name, _, rest = spec.partition("=")
        hexa, _, tol = rest.partition("~")
        rgb = tuple(int(hexa.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
        colours[name] = (rgb, int(tol or 6))
    out = {name: 0 for name in colours}
    out["non_white"] = out["pixels"] = 0
    for y, line, bpp, w in rows(path, y1):
        if y < y0:
            continue
        for x in range(x0, min(x1, w)):
            px = line[x * bpp:x * bpp + 3]
            out["pixels"] += 1
            if min(px) < 240:
                out["non_white"] += 1
            for name, (rgb, tol) in colours.items():
                if all(abs(a - b) <= tol for a, b in zip(px, rgb)):
                    out[name] += 1
    print(json.dumps(out))


if __name__ == "__main__":
    main()
