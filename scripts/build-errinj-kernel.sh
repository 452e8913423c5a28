#!/bin/bash
# Builds the "errinj" test kernel that scripts/vmtest.sh boots: Debian's
# linux-source-6.1 + defconfig + kvm_guest.config + scripts/kernel/errinj.config,
# everything built in. Needed only when ../shared/kernels/ has no prebuilt one.
#
# Usage: scripts/build-errinj-kernel.sh [--config-only] [--force]
#        scripts/build-errinj-kernel.sh --overlay-module BZIMAGE CONFIG OUT.ko
#   --config-only     stop after `make olddefconfig` and the option check (~2 min)
#   --force           rebuild even if the cached bzImage exists
#   --overlay-module  build only overlay.ko for an existing kernel built from
#                     the same source with CONFIG (which lacks overlayfs);
#                     scripts/vmtest.sh runs this itself when it needs to (~2 min)
# Output: ${FAULTLINE_CACHE:-<repo>/.cache}/kernels/bzImage-6.1-errinj (+ its .config)
# Takes about 40 minutes on 2 cores and ~3 GB of disk under the cache.
set -euo pipefail
# shellcheck source=scripts/kernel-lib.sh
source "$(dirname "$(readlink -f "$0")")/kernel-lib.sh"

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

usage() { sed -n '2,14s/^# \{0,1\}//p' "$0"; }

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
    kmake olddefconfig >>"$work/merge.log" 2>&1 || die "make olddefconfig failed; see $work/merge.log"
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


# Without MODVERSIONS or module signing a module loads when its vermagic
# matches, so building one file against the same source + config is enough.
overlay_module() {
    local image=$1 config=$2 dest=$3 want got
    [[ -f $image && -f $config ]] || die "--overlay-module needs an existing BZIMAGE and CONFIG"
    grep -qx 'CONFIG_MODULES=y' "$config" || die "$config has no CONFIG_MODULES: cannot load an overlay module"
    install_deps
    unpack_source
    objdir=$work/obj-overlay
    rm -rf "$objdir"; mkdir -p "$objdir"
    sed 's/^# CONFIG_OVERLAY_FS is not set$/CONFIG_OVERLAY_FS=m/' "$config" >"$objdir/.config"
    kmake olddefconfig
    want=$(bzimage_release "$image")
    got=$(kmake -s kernelversion)
    [[ $want == "$got" ]] || die "$image is $want but linux-source-6.1 is $got: the module would not load; rebuild the kernel instead"
    log "building overlay.ko for $want"
    kmake -j"$(nproc)" modules_prepare
    kmake -j"$(nproc)" M=fs/overlayfs modules
    got=$(modinfo -F vermagic "$objdir/fs/overlayfs/overlay.ko")
    [[ $got == "$want "* ]] || die "overlay.ko has vermagic '$got', kernel is $want"
    mkdir -p "$(dirname "$dest")"
    strip --strip-debug -o "$dest.tmp" "$objdir/fs/overlayfs/overlay.ko" && mv "$dest.tmp" "$dest"
    log "done: $dest"
}

main() {
    local config_only=0 force=0
    while (($#)); do
        case $1 in
            --config-only) config_only=1 ;;
            --force) force=1 ;;
            --overlay-module) (($# == 4)) || die "usage: --overlay-module BZIMAGE CONFIG OUT.ko"
                              overlay_module "$2" "$3" "$4"; exit 0 ;;
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
