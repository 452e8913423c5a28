#!/bin/bash
# Builds the "errinj" test kernel that scripts/vmtest.sh boots: Debian's
# linux-source-6.1 + defconfig + kvm_guest.config + scripts/kernel/errinj.config,
# everything built in. Needed only when ../shared/kernels/ has no prebuilt one.
#
# Usage: scripts/build-errinj-kernel.sh [--config-only] [--force]
#   --config-only  stop after `make olddefconfig` and the option check (~2 min)
#   --force        rebuild even if the cached bzImage exists
# Output: ${FAULTLINE_CACHE:-<repo>/.cache}/kernels/bzImage-6.1-errinj (+ its .config)
# Takes about 40 minutes on 2 cores and ~3 GB of disk under the cache.
set -euo pipefail

repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cache=${FAULTLINE_CACHE:-$repo/.cache}
fragment=$repo/scripts/kernel/errinj.config
work=$cache/kernel-build
srcdir=$work/linux-source-6.1
# Objects go to a separate tree (make O=) so the source stays pristine and
# can serve other configurations too.
objdir=$work/obj-errinj
outdir=$cache/kernels
out=$outdir/bzImage-6.1-errinj

die() { echo "build-errinj-kernel: $*" >&2; exit 1; }
log() { echo "build-errinj-kernel: $*" >&2; }

usage() { sed -n '2,10s/^# \{0,1\}//p' "$0"; }

# linux-source-6.1 ships the tarball; the rest is what Kbuild and BTF need.
install_deps() {
    [[ $(id -u) == 0 ]] || die "must run as root (apt-get installs the kernel source and build tools)"
    "$repo/scripts/deps.sh" kernel || die "could not install the kernel build packages (see above)"
}

# Unpack once; a stamp marks a complete unpack so an interrupted one is redone.
unpack_source() {
    local tarball=/usr/src/linux-source-6.1.tar.xz
    [[ -f $tarball ]] || die "$tarball missing although linux-source-6.1 is installed; reinstall it: apt-get install --reinstall linux-source-6.1"
    [[ -f $work/.unpacked ]] && [[ $work/.unpacked -nt $tarball ]] && return 0
    log "unpacking $tarball into $work"
    rm -rf "$srcdir" "$work/.unpacked"
    mkdir -p "$work"
    tar -xf "$tarball" -C "$work" || die "unpacking $tarball failed (disk full? need ~1.5 GB in $work)"
    touch "$work/.unpacked"
}

configure() {
    log "configuring: defconfig + kvm_guest.config + $(basename "$fragment")"
    mkdir -p "$objdir"
    kmake defconfig
    kmake kvm_guest.config >"$work/merge.log" 2>&1 \
        || die "make kvm_guest.config failed; see $work/merge.log"
    "$srcdir/scripts/kconfig/merge_config.sh" -m -O "$objdir" "$objdir/.config" "$fragment" \
        >>"$work/merge.log" 2>&1 || die "merge_config.sh failed; see $work/merge.log"
    kmake olddefconfig
}

# Kconfig silently drops options whose dependencies are unmet, so compare every
# line of the fragment with the final .config instead of trusting the merge.
check_options() {
    local line missing=()
    while IFS= read -r line; do
        [[ $line =~ ^CONFIG_ ]] || continue
        grep -qxF -- "$line" "$objdir/.config" || missing+=("$line")
    done <"$fragment"
    if ((${#missing[@]})); then
        for line in "${missing[@]}"; do
            printf '  wanted %-45s got: %s\n' "$line" \
                "$(grep -E "^(# )?${line%%=*}[= ]" "$objdir/.config" || echo 'absent (dependency unmet?)')" >&2
        done
        die "${#missing[@]} option(s) from $fragment did not stick; fix the fragment (add the missing dependency) and rerun"
    fi
    log "all $(grep -c '^CONFIG_' "$fragment") options from $(basename "$fragment") are set"
}

kmake() { make -s -C "$srcdir" O="$objdir" "$@"; }

build() {
    log "building bzImage with -j$(nproc) (about 40 min on 2 cores); log: $work/build.log"
    nice make -C "$srcdir" O="$objdir" -j"$(nproc)" bzImage >"$work/build.log" 2>&1 \
        || { tail -n 30 "$work/build.log" >&2; die "kernel build failed; full log: $work/build.log"; }
    mkdir -p "$outdir"
    cp "$objdir/arch/x86/boot/bzImage" "$out.tmp" && mv "$out.tmp" "$out"
    cp "$objdir/.config" "$outdir/config-6.1-errinj"
    log "done: $out"
}

main() {
    local config_only=0 force=0
    while (($#)); do
        case $1 in
            --config-only) config_only=1 ;;
            --force) force=1 ;;
            -h|--help) usage; exit 0 ;;
            *) usage >&2; die "unknown argument: $1" ;;
        esac
        shift
    done
    if [[ -f $out && $force == 0 && $config_only == 0 ]]; then
        log "$out already exists; use --force to rebuild"
        exit 0
    fi
    install_deps
    unpack_source
    configure
    check_options
    ((config_only)) && { log "config only: $objdir/.config is ready"; exit 0; }
    build
}

main "$@"
