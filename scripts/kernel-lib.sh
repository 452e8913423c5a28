# shellcheck shell=bash
# Helpers shared by the kernel scripts (vmtest.sh, build-errinj-kernel.sh).

# A bzImage's release ("6.1.192") from its header: offset 0x20E holds a
# pointer to the version string, so a kernel file names itself unbooted.
bzimage_release() {
    local off
    off=$(od -An -tu2 -j 526 -N2 "$1" | tr -d ' ')
    dd if="$1" bs=1 skip=$((off + 512)) count=128 2>/dev/null | tr '\0' '\n' | head -n1 | cut -d' ' -f1
}
