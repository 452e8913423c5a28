#!/usr/bin/env bash
# Regenerate the committed CO-RE header from a kernel's BTF.
# Usage: scripts/gen-vmlinux.sh [BTF_FILE]   (default: the running kernel's)
# Any kernel with the types faultline uses will do: CO-RE relocates field
# offsets at load time, so the header only has to name the types.
set -euo pipefail
btf=${1:-/sys/kernel/btf/vmlinux}
arch=$(uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')
out="$(dirname "$0")/../vmlinux/$arch/vmlinux.h"
[ -r "$btf" ] || { echo "gen-vmlinux: cannot read $btf: the kernel needs CONFIG_DEBUG_INFO_BTF=y" >&2; exit 1; }
command -v bpftool >/dev/null || { echo "gen-vmlinux: bpftool not found: run scripts/deps.sh build" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
bpftool btf dump file "$btf" format c > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out from $btf ($(uname -r))"
