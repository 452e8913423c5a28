#!/bin/bash
# Installs the Debian packages faultline needs, only those missing.
# Silent when everything is already there; one line when it installs.
#
# Usage: scripts/deps.sh [build|test|bench|kernel]   (default: build)
#   build   compile faultline, its unit tests and fuzz targets (libFuzzer)
#   test    build + what the end-to-end and VM tests run (qemu, iproute2, redis, ...)
#   bench   test + benchmarking tools
#   kernel  what scripts/build-errinj-kernel.sh needs (kernel source + Kbuild tools)
set -euo pipefail

build_pkgs=(clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev make pkg-config gcc
            libcmocka-dev libyaml-dev libclang-rt-dev)
test_pkgs=("${build_pkgs[@]}" iproute2 iptables iputils-ping iperf3 netcat-openbsd socat
           curl jq qemu-system-x86 busybox-static kmod cpio python3 redis-server
           redis-tools dnsmasq dnsutils xz-utils prometheus python3-jsonschema chromium)
# bench: iperf3 and iptables come with test; request/response and UDP loss
# use bench/load.c (netperf is in non-free), ptrace injection uses strace.
bench_pkgs=("${test_pkgs[@]}" strace)
bench_optional=()
kernel_pkgs=(linux-source-6.1 make gcc bc bison flex libssl-dev libelf-dev dwarves
             cpio kmod xz-utils)

die() { echo "deps.sh: $*" >&2; exit 1; }

usage() { sed -n '2,10s/^# \{0,1\}//p' "$0"; }

# dpkg-query prints nothing for packages it has never heard of, so compare
# against the full list rather than trusting its output to name every package.
missing_of() {
    local pkg status
    for pkg in "$@"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
        [[ $status == installed ]] || echo "$pkg"
    done
}

# A package is "available" when apt has a candidate version for it.
available() {
    local cand
    cand=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p')
    [[ -n $cand && $cand != "(none)" ]]
}

apt_install() {
    local log
    log=$(mktemp /tmp/faultline-deps.XXXXXX)
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get update -qq >"$log" 2>&1; then
        cat "$log" >&2; rm -f "$log"
        die "apt-get update failed (see above); check the apt sources and network, then rerun"
    fi
    if ! apt-get install -y -qq --no-install-recommends "$@" >>"$log" 2>&1; then
        tail -n 40 "$log" >&2; rm -f "$log"
        die "apt-get install $* failed (see above); fix apt, or install these by hand"
    fi
    rm -f "$log"
}

main() {
    local group=${1:-build} want=() optional=() missing=() pkg
    case $group in
        build)  want=("${build_pkgs[@]}") ;;
        test)   want=("${test_pkgs[@]}") ;;
        bench)  want=("${bench_pkgs[@]}"); optional=("${bench_optional[@]}") ;;
        kernel) want=("${kernel_pkgs[@]}") ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown group '$group' (want build, test, bench or kernel)" ;;
    esac
    (($# <= 1)) || die "takes one group, got: $*"
    if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
        die "needs a Debian-like system with dpkg and apt-get"
    fi

    mapfile -t missing < <(missing_of "${want[@]}" "${optional[@]}")
    ((${#missing[@]})) || exit 0

    # Optional packages: skip those the current package lists do not offer.
    # (No apt-get update just for them, or every run would pay for one.)
    local keep=()
    for pkg in "${missing[@]}"; do
        if [[ " ${optional[*]} " == *" $pkg "* ]] && ! available "$pkg"; then continue; fi
        keep+=("$pkg")
    done
    missing=("${keep[@]}")
    ((${#missing[@]})) || exit 0

    [[ $(id -u) == 0 ]] || die "missing packages: ${missing[*]}; run as root to install them"
    echo "deps.sh: installing ${missing[*]}"
    apt_install "${missing[@]}"
}

main "$@"
