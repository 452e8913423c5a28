#!/bin/bash
# Runs one command inside a throw-away VM with another kernel and returns its
# exit status. The guest sees the host's whole root read-only (9p) under a
# tmpfs-backed overlay, so host-built binaries run unchanged and every write is
# forgotten at poweroff.
#
# Usage: scripts/vmtest.sh --kernel debian|errinj [--log FILE] [--mem MB]
#                          [--timeout SECS] -- CMD [ARGS...]
#   --kernel debian   Debian's 6.1 kernel (the package linux-image-amd64 depends
#                     on), downloaded once into the cache; modules load on demand
#   --kernel errinj   6.1 with error injection built in (../shared/kernels/ or
#                     scripts/build-errinj-kernel.sh); exits 77 when missing
#   --log FILE        console log (default: $FAULTLINE_CACHE/vm/KERNEL-TIME.log)
#   --mem MB          guest memory (default 2048)
#   --timeout SECS    kill the VM after this long (default 900)
# The command runs as root in the caller's working directory (same path inside),
# stdin from /dev/null, env PATH, HOME, FAULTLINE_VM=debian|errinj and the
# caller's FAULTLINE_* variables. Writes land in tmpfs and vanish at poweroff.
# Mounted: proc sys devtmpfs devpts, tmpfs /tmp /run /dev/shm, cgroup2, tracefs,
# debugfs, securityfs; NOT bpffs (the tool under test must mount it itself).
# Exit status: the command's; 1 when the VM died without reporting one
# (timeout, panic); 77 when the errinj kernel is missing.
# Env: FAULTLINE_CACHE (default <repo>/.cache), FAULTLINE_VM_ACCEL=kvm|tcg to
# override KVM detection (mttcg: a TCG thread per vCPU, see accel_args),
# FAULTLINE_VM_SMP (default 2), FAULTLINE_VM_APPEND: more kernel arguments.
set -euo pipefail
# shellcheck source=scripts/kernel-lib.sh
source "$(dirname "$(readlink -f "$0")")/kernel-lib.sh"
# Let "die" inside $(...) stop the script, not just the subshell.
shopt -s inherit_errexit

repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
self=$(readlink -f "$0")
cache=${FAULTLINE_CACHE:-$repo/.cache}
vmcache=$cache/vm
# Loaded in this order before the host root can be mounted (VM.md).
boot_modules="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci 9pnet 9pnet_virtio netfs fscache 9p overlay"
# Loaded once the root is up, so tests need not rely on auto-loading.
preload_modules="veth sch_fq cls_bpf sch_ingress sch_netem ifb"

kernel="" log="" mem=2048 timeout=900
kernel_image="" kernel_ver="" kernel_tree="" kernel_config="" append_extra="" extra_modules=()
qemu_pid="" filter_pid="" tmp=""

die() { echo "vmtest: $*" >&2; exit 1; }
note() { echo "vmtest: $*" >&2; }
usage() { sed -n '2,25s/^# \{0,1\}//p' "$self"; }

parse_args() {
    while (($#)); do
        case $1 in
            --kernel) kernel=${2:-}; shift 2 || die "--kernel needs a value" ;;
            --log) log=${2:-}; shift 2 || die "--log needs a value" ;;
            --mem) mem=${2:-}; shift 2 || die "--mem needs a value" ;;
            --timeout) timeout=${2:-}; shift 2 || die "--timeout needs a value" ;;
            -h|--help) usage; exit 0 ;;
            --) shift; break ;;
            *) usage >&2; die "unknown argument '$1' (put the command after --)" ;;
        esac
    done
    [[ $kernel == debian || $kernel == errinj ]] || die "--kernel must be debian or errinj, got '${kernel}'"
    [[ $mem =~ ^[1-9][0-9]*$ ]] || die "--mem wants megabytes as a positive integer, got '$mem'"
    [[ $timeout =~ ^[1-9][0-9]*$ ]] || die "--timeout wants seconds as a positive integer, got '$timeout'"
    (($#)) || die "no command given; usage: vmtest.sh --kernel K -- CMD [ARGS...]"
    cmd=("$@")
}

need_tools() {
    local t missing=()
    for t in "$@"; do command -v "$t" >/dev/null || missing+=("$t"); done
    ((${#missing[@]} == 0)) || die "missing host tools: ${missing[*]}; install them with: scripts/deps.sh test"
}

# The initramfs needs a busybox that runs without the host's libc.
busybox_path() {
    local bb=/bin/busybox
    dpkg-query -W -f='${db:Status-Status}' busybox-static 2>/dev/null | grep -qx installed \
        || die "busybox-static is not installed (the dynamic busybox cannot run in the initramfs); run: scripts/deps.sh test"
    [[ -x $bb ]] || die "$bb missing although busybox-static is installed; reinstall it"
    echo "$bb"
}

# ---- kernels ---------------------------------------------------------------


# apt-cache takes ~0.6 s, so remember its answer until the package lists change.
debian_package() {
    local memo=$vmcache/debian/package pkg
    if [[ -s $memo && $memo -nt /var/lib/apt/lists ]]; then cat "$memo"; return 0; fi
    pkg=$(resolve_debian_package)
    mkdir -p "$vmcache/debian" && echo "$pkg" >"$memo"
    echo "$pkg"
}

resolve_debian_package() {
    local pkg
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ {print $2; exit}')
    if [[ -z $pkg ]]; then
        # No package lists yet (fresh machine): fetch them once.
        apt-get update -qq >/dev/null 2>&1 || die "apt-get update failed; cannot find Debian's kernel package"
        pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ {print $2; exit}')
    fi
    [[ -n $pkg ]] || die "apt-cache depends linux-image-amd64 names no linux-image-* package; check the apt sources"
    echo "$pkg"
}

# Download + unpack + depmod exactly once per package; the .ready stamp marks
# a complete tree, so an interrupted run starts over instead of half-using it.
fetch_debian_kernel() {
    local pkg=$1 dir=$vmcache/debian/$1 dl deb ver
    if [[ ! -f $dir/.ready ]]; then
        need_tools apt-get dpkg-deb depmod
        note "fetching $pkg into $dir (first run only)"
        rm -rf "$dir" "$dir.tmp"
        dl=$vmcache/debian/download
        mkdir -p "$dl" "$dir.tmp"
        # Sandbox user root: apt's _apt user cannot write into our cache dir.
        (cd "$dl" && rm -f ./*.deb && apt-get download -q=2 -o APT::Sandbox::User=root "$pkg") \
            || die "apt-get download $pkg failed; check the network and 'apt-get update'"
        deb=$(ls "$dl"/*.deb)
        dpkg-deb -x "$deb" "$dir.tmp" || die "dpkg-deb -x $deb failed (disk full?)"
        ver=$(ls "$dir.tmp/lib/modules")
        [[ -n $ver && -f $dir.tmp/boot/vmlinuz-$ver ]] || die "$deb has no lib/modules/VERSION + boot/vmlinuz-VERSION"
        depmod -b "$dir.tmp" "$ver" || die "depmod -b $dir.tmp $ver failed"
        grep -qx 'CONFIG_PVH=y' "$dir.tmp/boot/config-$ver" \
            && extract_vmlinux "$dir.tmp/boot/vmlinuz-$ver" "$dir.tmp/boot/vmlinux-$ver"
        rm -f "$deb"
        touch "$dir.tmp/.ready"
        mv "$dir.tmp" "$dir"
    fi
    kernel_tree=$dir
    kernel_ver=$(ls "$dir/lib/modules")
    kernel_image=$dir/boot/vmlinuz-$kernel_ver
    [[ -f $dir/boot/vmlinux-$kernel_ver ]] && kernel_image=$dir/boot/vmlinux-$kernel_ver
    kernel_config=$dir/boot/config-$kernel_ver
}

# Under TCG, decompressing Debian's xz bzImage costs ~3 s of every boot; qemu
# boots the plain ELF vmlinux directly through its PVH entry point instead.
# Best effort: without it we boot the bzImage.
extract_vmlinux() {
    local in=$1 out=$2 off
    off=$(LC_ALL=C grep -aboP '\xfd7zXZ\x00' "$in" | head -n1 | cut -d: -f1 || true)
    [[ -n $off ]] || return 0
    # xz complains about the bytes after the stream; the ELF check below decides.
    tail -c +$((off + 1)) "$in" | xz -dc >"$out" 2>/dev/null || true
    if [[ $(head -c4 "$out" | od -An -c | tr -d ' ') != '177ELF' ]]; then
        rm -f "$out"
    fi
    return 0
}

find_errinj_kernel() {
    local shared=$repo/../shared/kernels/bzImage-6.1-errinj own=$cache/kernels/bzImage-6.1-errinj
    if [[ -f $shared ]]; then kernel_image=$(readlink -f "$shared")
    elif [[ -f $own ]]; then kernel_image=$own
    else
        echo "SKIP: errinj kernel not found (looked in $(readlink -m "$shared") and $own; build it with scripts/build-errinj-kernel.sh)"
        exit 77
    fi
    kernel_ver=$(bzimage_release "$kernel_image")
    # Both the shared kernel and build-errinj-kernel.sh keep the config beside it.
    [[ -f $(dirname "$kernel_image")/config-6.1-errinj ]] && kernel_config=$(dirname "$kernel_image")/config-6.1-errinj
    return 0
}

# The shared errinj kernel was built without overlayfs. Its config sits next
# to it, so build a matching overlay.ko once; without one the guest falls back
# to a read-only root with tmpfs on the usual writable places.
errinj_overlay_module() {
    local config=$kernel_config sum mod buildlog
    [[ -n $config ]] && grep -qx '# CONFIG_OVERLAY_FS is not set' "$config" || return 0
    sum=$(sha256sum "$kernel_image" | cut -c1-16)
    mod=$cache/kernels/overlay-$kernel_ver-$sum.ko
    if [[ ! -f $mod && ! -f $mod.failed ]]; then
        mkdir -p "$cache/kernels"
        buildlog=$cache/kernels/overlay-$sum.log
        note "the errinj kernel lacks overlayfs: building overlay.ko for it once (~2 min, log: $buildlog)"
        "$repo/scripts/build-errinj-kernel.sh" --overlay-module "$kernel_image" "$config" "$mod" >"$buildlog" 2>&1 \
            || { touch "$mod.failed"; note "building overlay.ko failed (see $buildlog); the guest root will be read-only outside /tmp /run /var/tmp /root. Delete $mod.failed to retry."; }
    fi
    [[ -f $mod ]] && extra_modules+=("$mod")
    return 0
}

prepare_kernel() {
    mkdir -p "$vmcache"
    # One preparer at a time: parallel runs share the cache.
    exec 9>"$vmcache/.lock"
    flock -n 9 || { note "waiting for another vmtest run to finish preparing $vmcache"; flock 9; }
    case $kernel in
        debian)
            local pkg
            pkg=$(debian_package)
            fetch_debian_kernel "$pkg"
            append_extra="lsm=lockdown,capability,landlock,yama,bpf" ;;
        errinj)
            find_errinj_kernel
            errinj_overlay_module ;;
    esac
    build_initramfs
    # Still under the lock: another run may replace (and delete) the cached
    # image as soon as we let go.
    build_run_initramfs
    exec 9>&-
}

# ---- initramfs -------------------------------------------------------------

# PID 1 of the guest. Reads /vmtest.env (per run, appended as a second cpio).
write_init() {
    cat >"$1" <<'INIT'
#!/bin/busybox sh
# vmtest guest init: mount the host root, build the test root, run the command.
/bin/busybox --install -s /bin
export PATH=/bin
R=/newroot

say() { echo "vmtest-init: $*"; }
# Boot-phase timestamps for the console log (hidden from stdout).
stamp() { read -r up _ </proc/uptime; say "info: t=$up $*"; }
fail() { say "$*"; say "giving up"; poweroff -f; sleep 5; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
. /vmtest.env

for m in $VM_BOOT_MODULES; do
    [ -f /modules/$m.ko ] || fail "module $m.ko missing from the initramfs"
    insmod /modules/$m.ko || fail "insmod $m failed (kernel $(uname -r))"
done

mkdir -p /lower /upper $R
stamp "modules loaded"
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostroot /lower \
    || fail "cannot mount the host root over 9p (virtio-9p missing from the kernel?)"

overlay_root() {
    mount -t tmpfs -o mode=0755 tmpfs /upper && mkdir /upper/u /upper/w &&
    mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w overlay $R
}

# No overlayfs: tmpfs root with read-only binds of the host's top-level dirs
# and an empty, writable /root. (Copying /etc over 9p would cost ~15 s.)
bind_root() {
    say "note: no overlayfs in this kernel; the host root is read-only except /tmp /run /var/tmp /root"
    mount -t tmpfs -o mode=0755 tmpfs $R
    for p in /lower/*; do
        n=${p#/lower/}
        if [ -L "$p" ]; then ln -s "$(readlink "$p")" "$R/$n"; continue; fi
        [ -d "$p" ] || continue
        mkdir "$R/$n"
        case $n in
            proc|sys|dev|tmp|run) ;;
            root) case "$VM_CWD/" in /root/*) mount --bind "$p" "$R/$n" ;; esac ;;
            *) mount --bind "$p" "$R/$n" ;;
        esac
    done
    mount -t tmpfs -o mode=1777 tmpfs $R/var/tmp 2>/dev/null || true
}

if grep -qw overlay /proc/filesystems; then
    overlay_root || fail "overlay mount over the 9p root failed"
else
    bind_root
fi

stamp "root ready"
# What a booted Debian host has mounted. /tmp stays the overlay's (already
# writable and forgetful) when the command's cwd lives there.
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts $R/dev/pts
ln -sfn pts/ptmx $R/dev/ptmx
# Bash process substitution and friends need these; udev normally makes them.
ln -sfn /proc/self/fd $R/dev/fd
ln -sfn /proc/self/fd/0 $R/dev/stdin
ln -sfn /proc/self/fd/1 $R/dev/stdout
ln -sfn /proc/self/fd/2 $R/dev/stderr
case "$VM_CWD/" in /tmp/*) ;; *) mount -t tmpfs -o mode=1777 tmpfs $R/tmp ;; esac
mount -t tmpfs -o mode=0755 tmpfs $R/run
mkdir -p $R/run/netns $R/run/lock
mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm
mount -t cgroup2 -o nsdelegate cgroup2 $R/sys/fs/cgroup || say "warning: cannot mount cgroup2"
mount -t tracefs tracefs $R/sys/kernel/tracing || say "warning: cannot mount tracefs"
mount -t securityfs securityfs $R/sys/kernel/security 2>/dev/null || say "info: no securityfs in this kernel"
mount -t debugfs debugfs $R/sys/kernel/debug || say "warning: cannot mount debugfs"

stamp "mounts done"
# Modules on demand: the kernel's helper runs in this (initramfs) root, so it
# hops into the test root, where /lib/modules/VER points at the unpacked tree.
if [ -n "$VM_MODULE_TREE" ]; then
    mkdir -p $R/lib/modules
    [ -e $R/lib/modules/$VM_KVER ] || ln -s "$VM_MODULE_TREE/lib/modules/$VM_KVER" $R/lib/modules/$VM_KVER
    echo /sbin/vmtest-modprobe >/proc/sys/kernel/modprobe
    chroot $R /sbin/modprobe -q -a $VM_PRELOAD_MODULES 2>/dev/null || true
fi
stamp "modules preloaded"
# libbpf resolves __kconfig externs from /boot/config-$(uname -r).
if [ -n "$VM_KCONFIG" ] && [ ! -e $R/boot/config-$VM_KVER ]; then
    mkdir -p $R/boot && ln -s "$VM_KCONFIG" $R/boot/config-$VM_KVER 2>/dev/null ||
        say "info: cannot link /boot/config-$VM_KVER (read-only /boot)"
fi
ip link set lo up
hostname vmtest

# Own line: the firmware leaves half-written lines on the console.
printf '\nFAULTLINE-VM-START\n'
# The host wrote the full argv: env assignments, a cd wrapper, the command.
chroot $R /usr/bin/env -i "$@" </dev/null
rc=$?
# The newline ends a last line the command left open; the host drops it otherwise.
printf '\nFAULTLINE-VM-EXIT=%d\n' $rc
poweroff -f
INIT
}

write_modprobe_helper() {
    cat >"$1" <<'HELPER'
#!/bin/busybox sh
exec /bin/busybox chroot /newroot /sbin/modprobe "$@"
HELPER
}

# Copy a module into the initramfs, decompressing if Debian ever ships .ko.xz/.zst.
copy_module() {
    local src=$1 dst=$2
    case $src in
        *.ko) cp "$src" "$dst" ;;
        *.ko.xz) xz -dc "$src" >"$dst" ;;
        *.ko.zst) zstd -qdc "$src" >"$dst" ;;
        *.ko.gz) gzip -dc "$src" >"$dst" ;;
        *) die "unknown module format: $src" ;;
    esac
}

pack_cpio() { (cd "$1" && find . -print0 | cpio --null -o -H newc --owner=0:0 --quiet) | gzip -1; }

# The base image only changes with this script, busybox or the kernel, so it
# is cached under a name that hashes all three.
build_initramfs() {
    local bb key out dir m f
    bb=$(busybox_path)
    need_tools cpio gzip sha256sum
    key=$(cat "$self" "$bb" <(echo "$kernel $kernel_ver") | sha256sum | cut -c1-16)
    out=$vmcache/initramfs-$kernel-$key.cpio.gz
    initramfs=$out
    [[ -f $out ]] && return 0
    dir=$(mktemp -d "$vmcache/initramfs.XXXXXX")
    mkdir -p "$dir"/{bin,sbin,proc,sys,dev,modules,lower,upper,newroot}
    cp "$bb" "$dir/bin/busybox"
    ln -s busybox "$dir/bin/sh"
    write_init "$dir/init"
    write_modprobe_helper "$dir/sbin/vmtest-modprobe"
    chmod 0755 "$dir/init" "$dir/sbin/vmtest-modprobe"
    if [[ $kernel == debian ]]; then
        for m in $boot_modules; do
            f=$(find "$kernel_tree/lib/modules/$kernel_ver/kernel" -name "$m.ko*" -print -quit)
            [[ -n $f ]] || die "module $m not found under $kernel_tree/lib/modules/$kernel_ver"
            copy_module "$f" "$dir/modules/$m.ko"
        done
    fi
    pack_cpio "$dir" >"$out.tmp" || die "packing the initramfs failed"
    mv "$out.tmp" "$out"
    rm -rf "$dir"
    # Older images of this kernel flavour are dead weight now.
    find "$vmcache" -maxdepth 1 -name "initramfs-$kernel-*.cpio.gz" ! -name "$(basename "$out")" -delete
}

# POSIX single-quoting, safe for busybox sh: ' becomes '\''.
shquote() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }

# Per-run settings go into a small second cpio appended to the cached one
# (the kernel unpacks concatenated archives in order), so any argument
# survives without touching the kernel command line.
build_run_initramfs() {
    local dir=$tmp/run a v mods="" env
    # shellcheck disable=SC2016 # expanded by the guest's sh, not here
    local cd_wrapper='cd "$1" 2>/dev/null || { echo "vmtest: cannot cd to $1 inside the VM" >&2; exit 125; }; shift; exec "$@"'
    mkdir -p "$dir/modules"
    env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb
         LANG=C.UTF-8 USER=root LOGNAME=root "FAULTLINE_VM=$kernel")
    while IFS= read -r v; do
        [[ $v == FAULTLINE_VM ]] || env+=("$v=${!v}")
    done < <(compgen -e | grep '^FAULTLINE_' || true)
    if [[ $kernel == debian ]]; then mods=$boot_modules; fi
    for a in "${extra_modules[@]}"; do
        cp "$a" "$dir/modules/$(basename "$a" | sed 's/-.*//').ko"
        mods+=" $(basename "$a" | sed 's/-.*//')"
    done
    {
        echo "VM_BOOT_MODULES='$mods'"
        echo "VM_PRELOAD_MODULES='$preload_modules'"
        echo "VM_KVER=$(shquote "$kernel_ver")"
        echo "VM_MODULE_TREE=$(shquote "$kernel_tree")"
        echo "VM_KCONFIG=$(shquote "$kernel_config")"
        echo "VM_CWD=$(shquote "$PWD")"
        printf 'set --'
        for a in "${env[@]}" /bin/sh -c "$cd_wrapper" vmtest "$PWD" "${cmd[@]}"; do
            printf ' %s' "$(shquote "$a")"
        done
        echo
    } >"$dir/vmtest.env"
    cat "$initramfs" <(pack_cpio "$dir") >"$tmp/initrd.gz"
}

# ---- running ---------------------------------------------------------------

# KVM only when qemu can really start a vCPU with it: some hosts expose a
# working /dev/kvm but qemu aborts on "-cpu host" (nested virt missing MSRs;
# masking those gets further but the guest kernel then hangs at boot).
# Without KVM, TCG runs both vCPUs on one host thread: with a thread per vCPU
# (MTTCG), the kernel's live patching of a hot function (a BPF trampoline
# attached to security_file_permission while other CPUs read files) left
# vCPUs spinning on the int3 forever (soft lockups, seen in CI and reproduced
# in 1 of 2 runs of 60 attach/detach cycles; 300 cycles clean single-threaded).
accel_args() {
    local tcg="-accel tcg,thread=single"
    case ${FAULTLINE_VM_ACCEL:-auto} in
        tcg) echo "$tcg"; return 0 ;;
        mttcg) return 0 ;;
        kvm) echo "-enable-kvm -cpu host"; return 0 ;;
    esac
    [[ -r /dev/kvm && -w /dev/kvm ]] || { echo "$tcg"; return 0; }
    if echo quit | timeout 10 qemu-system-x86_64 -enable-kvm -cpu host -machine pc -nodefaults \
        -display none -S -monitor stdio -serial none >/dev/null 2>&1; then
        echo "-enable-kvm -cpu host"
    else
        echo "$tcg"
    fi
}

# Created here with noclobber so two runs started in the same second do not
# share a file.
default_log() {
    local base
    base=$vmcache/$kernel-$(date +%Y%m%d-%H%M%S)
    (set -C; : >"$base.log") 2>/dev/null || base+=-$$
    echo "$base.log"
}

# Keep the newest 30 console logs per kernel.
prune_logs() {
    { ls -1t "$vmcache/$kernel"-*.log 2>/dev/null || true; } | tail -n +31 | xargs -r rm -f
}

# Console → stdout: only what the command printed. Drops ESC sequences, \r,
# everything before the start marker, kernel messages (told apart from dmesg
# output by console_msg_format=syslog's "<level>" prefix; crash lines are
# kept), and the blank line init adds before the exit marker.
console_filter() {
    # mawk (Debian's awk) waits for a full input buffer unless interactive.
    local awk=(awk)
    command -v mawk >/dev/null && awk=(mawk -W interactive)
    # shellcheck disable=SC2016 # awk program
    "${awk[@]}" '
        { gsub(/\r/, ""); gsub(/\033\[[0-9;?]*[A-Za-z]|\033[()][0-9A-Za-z]|\033[A-Za-z=>]/, "") }
        /^vmtest-init: / && !/^vmtest-init: info:/ && !started { print; fflush(); next }
        /FAULTLINE-VM-START$/ { started = 1; next }
        !started || done { next }
        /^FAULTLINE-VM-EXIT=[0-9]+$/ { done = 1; next }
        /^<[0-9]+>\[ *[0-9]+\.[0-9]+\] / {
            if ($0 ~ /BUG:|Oops|Kernel panic|WARNING:|general protection|Call Trace/) { print "vmtest: kernel: " $0; fflush() }
            next
        }
        {
            if (blank) print ""
            blank = ($0 == "")
            if (!blank) { print; fflush() }
        }
    '
}

# shellcheck disable=SC2317 # called from traps
cleanup() {
    if [[ -n $qemu_pid ]]; then kill "$qemu_pid" 2>/dev/null || true; fi
    if [[ -n $filter_pid ]]; then kill "$filter_pid" 2>/dev/null || true; fi
    if [[ -n $tmp ]]; then rm -rf "$tmp"; fi
}

# shellcheck disable=SC2317 # called from traps
on_signal() {
    note "interrupted; stopping the VM${log:+ (console log: $log)}"
    trap - EXIT; cleanup
    exit "$1"
}

run_qemu() {
    local accel
    accel=$(accel_args)
    : >"$log"
    # timeout(1) puts qemu in its own process group; the traps kill it.
    # shellcheck disable=SC2086 # $accel is a list of words
    timeout --kill-after=10 "$timeout" qemu-system-x86_64 $accel \
        -m "$mem" -smp "${FAULTLINE_VM_SMP:-2}" -nographic -no-reboot -nic none \
        -monitor none -chardev "file,id=console,path=${log//,/,,}" -serial chardev:console \
        -kernel "$kernel_image" -initrd "$tmp/initrd.gz" \
        -append "console=ttyS0 quiet panic=-1 softlockup_panic=1 printk.time=1 console_msg_format=syslog $append_extra ${FAULTLINE_VM_APPEND:-}" \
        -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
        </dev/null 2>"$tmp/qemu.err" &
    qemu_pid=$!
    # Read the file while qemu writes it; tail ends once qemu is gone.
    tail -n +1 -s 0.2 -f --pid="$qemu_pid" "$log" | console_filter &
    filter_pid=$!
    qemu_rc=0
    wait "$qemu_pid" || qemu_rc=$?
    qemu_pid=""
    wait "$filter_pid" || true
    filter_pid=""
}

report() {
    local status
    status=$({ grep -ao 'FAULTLINE-VM-EXIT=[0-9]*' "$log" || true; } | tail -n1 | cut -d= -f2)
    if [[ -s $tmp/qemu.err ]]; then
        { echo "--- qemu stderr ---"; cat "$tmp/qemu.err"; } >>"$log"
        [[ -n $status ]] || cat "$tmp/qemu.err" >&2
    fi
    if [[ -z $status ]]; then
        ((qemu_rc == 124 || qemu_rc == 137)) && note "timed out after ${timeout}s"
        note "no exit marker; console log: $log"
        exit 1
    fi
    ((status == 0)) || note "command exited with status $status; console log: $log"
    exit "$status"
}

main() {
    parse_args "$@"
    need_tools qemu-system-x86_64 timeout flock awk
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmtest.XXXXXX")
    trap cleanup EXIT
    trap 'on_signal 130' INT
    trap 'on_signal 143' TERM
    prepare_kernel
    [[ -n $log ]] || log=$(default_log)
    mkdir -p "$(dirname "$log")"
    prune_logs
    run_qemu
    report
}

main "$@"
