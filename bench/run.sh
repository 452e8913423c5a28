#!/usr/bin/env bash
# Placeholder until issue #7: refuse clearly rather than print made-up numbers.
echo "bench: the benchmark suite is not written yet (issue #7); see bench/README.md" >&2
exit 1
