#!/usr/bin/python3
"""draws.py SEED FAULT PROB N: the n in 1..N at which fault FAULT of a run
seeded with SEED injects at probability PROB (0.3 or 30%), one per line.

The seeded draw of include/faultline.h written again, apart from the C, as
the tests' oracle: what the kernel decided must be what this says."""
import sys

MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15
CHANCE = 1


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def draw(seed, fault, stream, n):
    key = mix64(seed ^ mix64((((stream << 32) | fault) * GAMMA) & MASK))
    return mix64((key + n * GAMMA) & MASK)


def threshold(text):
    # As fl_parse_probability: a fraction of 2^32, rounded half away from 0.
    p = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    return int(p * 4294967296.0 + 0.5)


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    seed, fault, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[4])
    t = threshold(sys.argv[3])
    for i in range(1, n + 1):
        if draw(seed, fault, CHANCE, i) >> 32 < t:
            print(i)


if __name__ == "__main__":
    main()
