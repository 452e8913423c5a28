# vm: debian errinj
# faultline sys fail where this host cannot: BPF LSM and fmod_ret on
# security_* (file, mmap and fork calls, Debian 6.1), and syscalls by name
# through fmod_ret and kprobe + bpf_override_return (the errinj kernel).
# Real programs are the victims; B, the target's sibling, runs the same
# commands throughout and must never notice.

# The host file's helpers (sys_setup, fl_sys, fl_end, ours_attached). Its
# tests run here too inside a VM, so 6.1's socket hooks get the same checks;
# on the host they run from their own file.
# shellcheck source=test_sys.sh
source "$(dirname "${BASH_SOURCE[0]}")/test_sys.sh"
# shellcheck disable=SC2046
[ -n "${FAULTLINE_VM:-}" ] || unset -f $(declare -F | awk '$3 ~ /^t_/ {print $3}')

# files_setup: sys_setup plus $D/in/f, $D/out/f and $D/out/link (a hard
# link to $D/in/f), on the VM's tmpfs /tmp.
files_setup() {
	sys_setup
	# tmpfs: on overlayfs a file call passes the LSM hook twice (upper, lower).
	D=$(mktemp -d -p /dev/shm)
	defer "rm -rf '$D'"
	mkdir "$D/in" "$D/out"
	echo inside >"$D/in/f"
	echo outside >"$D/out/f"
	ln "$D/in/f" "$D/out/link"
}

# File hooks come as BPF LSM or, where that is off, fmod_ret on security_*:
# the errinj kernel has BPF LSM but no securityfs to show it is active.
requires_file_hooks() {
	(requires bpf_lsm) 2>/dev/null || requires fmod_ret_security
}

# runs_in CGROUP CMD...: CMD's stderr and status, as "rc=N: message".
runs_in() {
	local cg=$1 rc=0 msg; shift
	msg=$(in_cgroup "$cg" "$@" 2>&1 >/dev/null) || rc=$?
	echo "rc=$rc: $msg"
}

expect_ok() {
	local got
	got=$(runs_in "$@")
	[ "${got%%:*}" = rc=0 ] || fail "$* should work: $got"
}

expect_err() {
	local want=$1 got; shift
	got=$(runs_in "$@")
	case $got in
	rc=0:*) fail "$* should fail with '$want' but worked" ;;
	*"$want"*) ;;
	*) fail "$* should fail with '$want': $got" ;;
	esac
}

t_cat_under_prefix_eacces() {
	requires_file_hooks
	files_setup
	fl_sys --call openat,open --errno EACCES --path "$D/in"
	expect_err "Permission denied" "$A" cat "$D/in/f"
	expect_ok "$A" cat "$D/out/f"
	# The same inode through a path outside the prefix opens: paths match, not files.
	expect_ok "$A" cat "$D/out/link"
	expect_ok "$B" cat "$D/in/f"
	fl_end INT
	jq -e '(.faults[0].plan.calls[0].hooks == ["lsm/file_open"] or .faults[0].plan.calls[0].hooks == ["fmod_ret/security_file_open"])
		and .faults[0].injected == 1' "$WORK/fl.json" >/dev/null ||
		fail "unexpected summary: $(cat "$WORK/fl.json")"
}

t_cat_enoent_through_fmod_ret() {
	requires fmod_ret_security
	files_setup
	fl_sys --call open --errno ENOENT --path "$D/in" --mechanism fmod_ret
	expect_err "No such file or directory" "$A" cat "$D/in/f"
	expect_ok "$A" cat "$D/out/f"
	expect_ok "$B" cat "$D/in/f"
	fl_end INT
	jq -e '.faults[0].mechanism == "fmod_ret" and .faults[0].plan.calls[0].hooks == ["fmod_ret/security_file_open"]' "$WORK/fl.json" >/dev/null ||
		fail "unexpected summary: $(cat "$WORK/fl.json")"
}

# Every security_* variant, forced: their arities differ from the LSM hooks'.
t_fmod_ret_every_file_hook() {
	local map="import mmap, sys; f = open(sys.argv[1], 'rb'); mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)"
	requires fmod_ret_security
	files_setup
	mkdir "$D/in/d"
	fl_sys --call read,write,mmap --errno EROFS --path "$D/in" --mechanism fmod_ret
	expect_err "Read-only file system" "$A" cat "$D/in/f"
	expect_err "Read-only file system" "$A" dd if=/dev/zero of="$D/in/w" bs=1k count=1
	expect_err "Read-only file system" "$A" python3 -c "$map" "$D/in/f"
	expect_ok "$A" cat "$D/out/f"
	fl_end INT
	fl_sys --call unlink,mkdir,rename,rmdir --errno EROFS --path "$D/in" --mechanism fmod_ret
	expect_err "Read-only file system" "$A" rm "$D/in/f"
	expect_err "Read-only file system" "$A" mkdir "$D/in/new"
	expect_err "Read-only file system" "$A" mv "$D/in/f" "$D/out/g"
	expect_err "Read-only file system" "$A" rmdir "$D/in/d"
	expect_ok "$A" mv "$D/out/f" "$D/out/g"
	fl_end INT
	jq -e '.faults[0].mechanism == "fmod_ret" and .faults[0].plan.calls[2].hooks == ["fmod_ret/security_inode_rename"]' "$WORK/fl.json" >/dev/null ||
		fail "unexpected summary: $(cat "$WORK/fl.json")"
	fl_sys --call clone --errno EAGAIN --mechanism fmod_ret
	expect_err "fork" "$A" sh -c 'true & wait'
	expect_ok "$B" sh -c 'true & wait'
	fl_end INT
}

# A full disk under one directory: the open works, the write does not.
t_dd_enospc_under_prefix() {
	requires_file_hooks
	files_setup
	fl_sys --call write --errno ENOSPC --path "$D/in"
	expect_err "No space left on device" "$A" dd if=/dev/zero of="$D/in/log" bs=4k count=4
	expect_err "No space left on device" "$A" cp "$D/out/f" "$D/in/copy"
	expect_ok "$A" dd if=/dev/zero of="$D/out/log" bs=4k count=4
	expect_ok "$B" dd if=/dev/zero of="$D/in/log" bs=4k count=4
	fl_end INT
}

# A failing disk: reads under the prefix fail, writes and other reads work.
t_read_eio_under_prefix() {
	requires_file_hooks
	files_setup
	fl_sys --call read --errno EIO --path "$D/in"
	expect_err "Input/output error" "$A" cat "$D/in/f"
	expect_ok "$A" sh -c "echo more >>'$D/in/f'"
	expect_ok "$A" cat "$D/out/f"
	expect_ok "$B" cat "$D/in/f"
	fl_end INT
}

t_fork_eagain() {
	requires_file_hooks
	sys_setup
	fl_sys --call fork --errno EAGAIN
	expect_err "fork" "$A" sh -c 'true & wait'
	expect_ok "$B" sh -c 'true & wait'
	fl_end INT
	jq -e '(.faults[0].plan.calls[0].hooks[0] | test("task_alloc")) and .faults[0].injected >= 1' "$WORK/fl.json" >/dev/null ||
		fail "unexpected summary: $(cat "$WORK/fl.json")"
	expect_ok "$A" sh -c 'true & wait'
}

t_names_under_prefix_erofs() {
	requires_file_hooks
	files_setup
	fl_sys --call mkdir,unlink,rename,rmdir --errno EROFS --path "$D/in"
	mkdir "$D/in/d"
	expect_err "Read-only file system" "$A" mkdir "$D/in/new"
	expect_err "Read-only file system" "$A" rm "$D/in/f"
	expect_err "Read-only file system" "$A" mv "$D/in/f" "$D/in/g"
	expect_err "Read-only file system" "$A" mv "$D/out/f" "$D/in/g"
	expect_err "Read-only file system" "$A" rmdir "$D/in/d"
	expect_ok "$A" mkdir "$D/out/new"
	expect_ok "$B" mkdir "$D/in/new"
	fl_end INT
}

t_mmap_under_prefix() {
	local map="import mmap, sys; f = open(sys.argv[1], 'rb'); mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)"
	requires_file_hooks
	files_setup
	fl_sys --call mmap --errno ENOMEM --path "$D/in"
	expect_err "Cannot allocate memory" "$A" python3 -c "$map" "$D/in/f"
	expect_ok "$A" python3 -c "$map" "$D/out/f"
	expect_ok "$B" python3 -c "$map" "$D/in/f"
	fl_end INT
}

# --after/--count are exact on LSM hooks too: the 2nd and 3rd opens fail.
t_lsm_after_count() {
	local got
	requires_file_hooks
	files_setup
	fl_sys --call open --errno EACCES --path "$D/in" --after 1 --count 2
	got=$(in_cgroup "$A" python3 -c "
import errno
for _ in range(5):
    try:
        open('$D/in/f').close(); print('ok', end=' ')
    except OSError as e:
        print(errno.errorcode[e.errno], end=' ')")
	[ "$got" = "ok EACCES EACCES ok ok " ] || fail "opens 1..5 gave: $got"
	fl_end
	jq -e '.stopped_by == "count" and .faults[0].matched == 5 and .faults[0].injected == 2' "$WORK/fl.json" >/dev/null ||
		fail "unexpected summary: $(cat "$WORK/fl.json")"
}

# A syscall by name through each mechanism: fsync -> EIO, getrandom -> EAGAIN.
# PYTHONHASHSEED spares the interpreter's own getrandom at start-up.
byname() {
	local mech=$1 fsync getrandom="import os; os.getrandom(16)"
	files_setup
	fsync="import os; f = open('$D/out/f', 'a'); os.fsync(f.fileno())"
	fl_sys --call fsync --errno EIO --mechanism "$mech"
	expect_err "Input/output error" "$A" python3 -c "$fsync"
	expect_ok "$B" python3 -c "$fsync"
	fl_end INT
	jq -e --arg m "$mech" '.faults[0].mechanism == $m and .faults[0].plan.calls[0].hooks == ["\($m)/__x64_sys_fsync"] and .faults[0].injected == 1' \
		"$WORK/fl.json" >/dev/null || fail "unexpected summary: $(cat "$WORK/fl.json")"
	fl_sys --call getrandom --errno EAGAIN --mechanism "$mech"
	expect_err "Resource temporarily unavailable" "$A" env PYTHONHASHSEED=0 python3 -c "$getrandom"
	expect_ok "$B" env PYTHONHASHSEED=0 python3 -c "$getrandom"
	fl_end INT
	# Both in one command: one program each (fmod_ret), or one per attachment
	# (kprobe). Each event names its syscall, found from the hooked address.
	ev_start
	fl_sys --call fsync,getrandom --errno EPERM --mechanism "$mech"
	expect_err "Operation not permitted" "$A" python3 -c "$fsync"
	expect_err "Operation not permitted" "$A" env PYTHONHASHSEED=0 python3 -c "$getrandom"
	fl_end INT
	ev_end INT
	# Python asks getrandom for its hash seed at start-up, so there are more
	# getrandoms than the one we made; fsync only the one.
	jq -s -e --arg m "$mech" '[.[] | select(.fault == "sys_fail")] |
		(map(.call) | unique) == ["fsync", "getrandom"] and (map(select(.call == "fsync")) | length) == 1
		and all(.[]; .hook == $m and .errno == "EPERM")' \
		"$WORK/ev.json" >/dev/null || fail "events do not name the syscalls: $(cat "$WORK/ev.json")"
}

t_byname_fmod_ret() {
	requires fmod_ret_syscall
	byname fmod_ret
}

t_byname_kprobe() {
	requires bpf_override_return
	byname kprobe
}

# No mechanism for syscalls by name (Debian, this host): exit 1, nothing attached.
t_byname_unavailable_exit_1() {
	local rc=0
	requires cgroup_sock_addr
	sys_setup
	"$FL" doctor --json | jq -e '[.features[] | select(.name == "fmod_ret_syscall" or .name == "bpf_override_return")
		| .available] | any' >/dev/null && skip "this kernel can fault syscalls by name"
	"$FL" sys fail --cgroup "$REL_A" --call fsync --errno EIO 2>"$WORK/err" || rc=$?
	[ $rc -eq 1 ] || fail "exited $rc, want 1: $(cat "$WORK/err")"
	grep -q "faultline doctor" "$WORK/err" && grep -q fmod_ret_syscall "$WORK/err" ||
		fail "the error does not name the doctor line: $(cat "$WORK/err")"
	[ -z "$(ours_attached)" ] || fail "attached something: $(ours_attached)"
}

# Trampoline and LSM links die with the loader too.
t_lsm_nothing_left() {
	requires_file_hooks
	files_setup
	fl_sys --call open,read,write,mmap,unlink,mkdir,rename --errno EIO --path "$D/in" --duration 1s
	fl_end
	wait_for sh -c '! bpftool link show | grep -q .' || fail "links left: $(bpftool link show)"
	wait_for sh -c '! bpftool prog show | grep -q "name fl_"' || fail "programs left: $(bpftool prog show | grep fl_)"
}

# The host-wide kill switch (what `faultline stop --all` writes) makes the
# attached programs inert at once, and the loader notices and exits. Only in
# a VM: on a shared host it would halt everyone's experiments.
t_kill_switch_halts() {
	local pin=/sys/fs/bpf/faultline/fl_control gen
	needs_private_state
	sys_setup
	synced_client "$A"
	fl_sys --call connect --errno ECONNREFUSED
	[ "$(go 0)" = ECONNREFUSED ] || fail "no fault before the halt"
	gen=$(bpftool -j map lookup pinned $pin key 0 0 0 0 | jq .formatted.value.generation)
	# shellcheck disable=SC2046
	bpftool map update pinned $pin key 0 0 0 0 value 0 0 0 0 0 0 0 0 \
		$(printf '%016x' $((gen + 1)) | sed 's/../& /g' | awk '{for (i = 8; i >= 1; i--) printf "0x%s ", $i}')
	[ "$(go 1)" = ok ] || fail "still failing after the kill switch"
	fl_end
	jq -e '.stopped_by == "stop --all" and .faults[0].injected == 1' "$WORK/fl.json" >/dev/null ||
		fail "unexpected summary: $(cat "$WORK/fl.json")"
}

# Attaching to and detaching from a hook every process hits (file reads),
# over and over while B reads in a loop: B never sees an error and nothing
# hangs. The kernel patches the hot function live each time; the first CI
# run of this suite under multi-threaded TCG soft-locked right here.
t_attach_detach_on_a_busy_hook() {
	local i reader
	requires_file_hooks
	files_setup
	in_cgroup "$B" sh -c "end=\$((\$(date +%s) + 60)); while [ \$(date +%s) -lt \$end ]; do
		cat '$D/in/f' >/dev/null || { echo failed >'$WORK/reader'; exit 1; }; done" &
	reader=$!
	defer "kill $reader 2>/dev/null"
	for i in $(seq 1 15); do
		timeout 30 "$FL" sys fail --cgroup "$REL_A" --call read,write --errno EIO --path "$D/in" \
			--duration 0.2s >/dev/null 2>"$WORK/err" || fail "cycle $i: $(cat "$WORK/err")"
	done
	# Still a working fault after all that.
	fl_sys --call read --errno EIO --path "$D/in"
	expect_err "Input/output error" "$A" cat "$D/in/f"
	fl_end INT
	kill -0 $reader 2>/dev/null || fail "B's reader stopped: $(cat "$WORK/reader" 2>/dev/null)"
	[ ! -e "$WORK/reader" ] || fail "B's reads failed while faultline attached and detached"
}
