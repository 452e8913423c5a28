# shellcheck shell=bash
# Helpers for integration tests. Each test is a function t_NAME in a
# tests/integration/test_*.sh file; tests/integration/run.sh runs each one in
# its own subshell and prints PASS/FAIL/SKIP lines that tests/run.sh counts.
#
# A test creates everything it uses (namespaces, veths, cgroups) through
# these helpers, which register its removal with `defer`: cleanup runs on
# any exit of the test's subshell, failure included.

REPO=${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
FL=${FAULTLINE:-$REPO/faultline}
TEST_TAG=${TEST_TAG:-flt$$}

_deferred=()
defer() { _deferred+=("$*"); }
run_deferred() {
	local i
	for ((i = ${#_deferred[@]} - 1; i >= 0; i--)); do
		eval "${_deferred[$i]}" >/dev/null 2>&1 || true
	done
	_deferred=()
	sweep_tag
}

# Helpers that print a name (NS=$(mk_netns c)) run in a subshell, where a
# defer is lost; so everything is also named after TEST_TAG and swept here.
sweep_tag() {
	local ns p root
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$TEST_TAG-"); do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	root=$(cg2_root)
	[ -n "$root" ] && rmdir_cgroup "$root/$TEST_TAG"
}

fail() { echo "FAILMSG: $*" >&2; exit 1; }
skip() { echo "SKIPMSG: $*" >&2; exit 77; }
note() { echo "  # $*" >&2; }

# The v2 hierarchy, unified or hybrid, as faultline finds it.
cg2_root() {
	awk '$9 == "cgroup2" || $(NF-2) == "cgroup2" {print $5; exit}' /proc/self/mountinfo
}

# mk_cgroup NAME: a fresh cgroup for this test; prints its path.
mk_cgroup() {
	local root dir
	root=$(cg2_root) || return 1
	dir="$root/$TEST_TAG/$1"
	mkdir -p "$dir"
	echo "$dir"
}

# Kill everything below a cgroup, then remove it bottom-up.
rmdir_cgroup() {
	local d p
	[ -d "$1" ] || return 0
	for d in $(find "$1" -depth -type d); do
		for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	done
	sleep 0.1
	for d in $(find "$1" -depth -type d); do rmdir "$d" 2>/dev/null || true; done
}

# in_cgroup DIR CMD...: run CMD inside the cgroup (and inherit its netns).
in_cgroup() {
	local dir=$1; shift
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$dir" "$@"
}

# tcp_server: a listener on 127.0.0.1 that accepts and closes, started by the
# test's own shell, outside every cgroup of the test; sets PORT (needs WORK).
tcp_server() {
	python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(128)
print(s.getsockname()[1], flush=True)
while True:
    s.accept()[0].close()' >"$WORK/port" &
	defer "kill $! 2>/dev/null"
	wait_for test -s "$WORK/port" || fail "the test server did not start"
	PORT=$(cat "$WORK/port")
}

# timed ID FAULT [FLOOD]: the events (in $WORK/ev.json) of FAULT (net_drop,
# sys_fail) of experiment ID against the flood (tests/tools/flood.py's line
# in FLOOD, default $WORK/flood): "clean SPAN FIRST" (SPAN in ms from the first event to
# the last, FIRST its time), "paused: WHY" or "none N".
timed() {
	jq -s -r --arg id "$1" --arg fault "$2" --slurpfile f "${3:-$WORK/flood}" '
		[.[] | select(.experiment == $id and .fault == $fault) | .ktime_ns] | sort | $f[0] as $f
		| if length < 2 then "none \(length)"
		  else first as $a | last as $b
		  | [$f.pauses[] | select(.[0] < $a + 1e5 and .[1] > $a - 1e5
			or .[0] < $b + 3e5 and .[1] > $b - 1e5)] as $p
		  | if $f.first > $a - 3e6 or $f.last < $b + 3e6 then "paused: the flood did not span the fault"
		    elif ($p | length) > 0 then "paused: the flood paused at an edge for \(($p[0][1] - $p[0][0]) / 1e6) ms"
		    else "clean \((last - first) / 1e6) \(first)" end end' "$WORK/ev.json"
}

# mk_netns NAME: a namespace with lo up; removed on exit.
mk_netns() {
	local ns="$TEST_TAG-$1"
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	echo "$ns"
}

# mk_veth NS1 ADDR1 NS2 ADDR2 [ADDR6_1 ADDR6_2]: a veth pair between two
# namespaces with /24 (and /64) addresses. Prints the NS1-side device name.
mk_veth() {
	local a="v${TEST_TAG: -6}a" b="v${TEST_TAG: -6}b"
	ip link add name "$a" type veth peer name "$b"
	ip link set "$a" netns "$1"
	ip link set "$b" netns "$3"
	ip -n "$1" addr add "$2/24" dev "$a"
	ip -n "$3" addr add "$4/24" dev "$b"
	if [ -n "${5:-}" ]; then
		ip -n "$1" addr add "$5/64" dev "$a" nodad
		ip -n "$3" addr add "$6/64" dev "$b" nodad
	fi
	ip -n "$1" link set "$a" up
	ip -n "$3" link set "$b" up
	echo "$a"
}

# Everything faultline could leave behind, for before/after comparisons.
host_snapshot() {
	{
		echo "== qdisc"; tc qdisc show 2>/dev/null
		for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
			echo "== netns $ns"; ip netns exec "$ns" tc qdisc show 2>/dev/null
			for dev in $(ip -n "$ns" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do
				ip netns exec "$ns" tc filter show dev "$dev" ingress 2>/dev/null
				ip netns exec "$ns" tc filter show dev "$dev" egress 2>/dev/null
			done
		done
		echo "== progs"; bpftool prog show 2>/dev/null | grep -E '^[0-9]+:' | grep -E 'fl_|probe_' || true
		echo "== links"; bpftool link show 2>/dev/null | grep -E '^[0-9]+:' || true
		echo "== net"; bpftool net show 2>/dev/null || true
		echo "== cgroup"; bpftool cgroup tree 2>/dev/null | grep -vE '^CgroupPath' || true
		echo "== pins"; find /sys/fs/bpf/faultline -mindepth 1 ! -name fl_control ! -name fl_events ! -name fl_ev_stats ! -name fl_ev_config 2>/dev/null || true
	}
}

# bg_start OUT ERR PATTERN CMD...: CMD in the background, stdout to OUT and
# stderr to ERR, killed when the test ends; returns once ERR says PATTERN
# (at most 10 s). Sets BG_PID.
bg_start() {
	local out=$1 err=$2 pattern=$3
	shift 3
	"$@" >"$out" 2>"$err" &
	BG_PID=$!
	defer "kill -9 $BG_PID 2>/dev/null"
	for _ in $(seq 1 100); do
		grep -q "$pattern" "$err" && return 0
		kill -0 $BG_PID 2>/dev/null || fail "$* exited early: $(cat "$err")"
		sleep 0.1
	done
	fail "$* did not get going within 10 s: $(cat "$err")"
}

# bg_end PID ERR [SIGNAL]: send SIGNAL (or let it end by itself), wait at
# most 15 s, and fail unless it exited 0 (ERR says why).
bg_end() {
	local pid=$1 err=$2 rc=0
	[ -n "${3:-}" ] && kill "-$3" "$pid"
	for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	wait "$pid" || rc=$?
	[ $rc -eq 0 ] || fail "exited $rc: $(cat "$err")"
}

# ev_start ARGS...: faultline --json events in the background, output in
# $WORK/ev.json; returns once it listens.
ev_start() {
	bg_start "$WORK/ev.json" "$WORK/ev.err" 'listening on' "$FL" --json events "$@"
	EV_PID=$BG_PID
}

# ev_end [SIGNAL]: stop it (or let it end by itself), a clean exit, a summary.
ev_end() {
	bg_end $EV_PID "$WORK/ev.err" "${1:-}"
	tail -1 "$WORK/ev.json" | jq -e .summary >/dev/null || fail "no summary line: $(tail -3 "$WORK/ev.json")"
}

# wait_for CMD...: poll up to 5 s for CMD to succeed.
wait_for() {
	local i
	for i in $(seq 1 50); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# ---- the host's own faultline state, which no test may touch ----
# On the host, tests/integration/run.sh runs the tests in private network
# and mount namespaces with their own bpffs on /sys/fs/bpf and tmpfs on
# /run/faultline and /run/netns; FL_HOST_PID is its process left outside,
# so /proc/$FL_HOST_PID/root is the host's real root. (Cgroups are not
# namespaced: cgroup paths stay the host's.)

# private_state: this test's /sys/fs/bpf and /run/faultline are its own: in
# a throw-away VM, or in run.sh's namespaces (other superblocks than the
# host's). Tests that halt every experiment (stop --all) need it.
private_state() {
	local h=/proc/${FL_HOST_PID:-0}/root d
	[ -n "${FAULTLINE_VM:-}" ] && return 0
	[ -n "${FL_HOST_PID:-}" ] && [ -d "$h" ] || return 1
	for d in /sys/fs/bpf /run/faultline; do
		[ "$(stat -c %d "$d" 2>/dev/null)" != "$(stat -c %d "$h$d" 2>/dev/null)" ] || return 1
	done
}

needs_private_state() {
	private_state ||
		skip "it would halt every experiment on this machine: run it through tests/integration/run.sh, which gives it its own bpffs and /run/faultline"
}

# A sentinel in the host's real faultline dirs, made before a run: an
# orphan pin directory (what `stop --all` sweeps) holding a map with
# FL_SENTINEL's 8 bytes, and a directory under /run/faultline with the same
# token. FL_HOST_CTL is the host's kill switch (fl_control) as it was.
sentinel_name() { echo "sentinel${FL_HOST_PID:-$$}"; }

# kill_switch_state ROOT: the host's fl_control map's value, or "none".
kill_switch_state() {
	local pin="$1/sys/fs/bpf/faultline/fl_control"
	[ -e "$pin" ] || { echo none; return; }
	bpftool -j map dump pinned "$pin" 2>/dev/null | jq -c 'map(.value)' 2>/dev/null || echo unreadable
}

# sentinel_make: on the host side (run.sh before it unshares); sets and
# exports FL_SENTINEL and FL_HOST_CTL.
sentinel_make() {
	local n d pins=/sys/fs/bpf/faultline run=/run/faultline
	n=$(sentinel_name)
	FL_SENTINEL=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
	FL_HOST_CTL=$(kill_switch_state "")
	export FL_SENTINEL FL_HOST_CTL
	# A machine that booted without bpffs gets it, as any faultline run does.
	[ "$(stat -f -c %T /sys/fs/bpf)" = bpf_fs ] || mount -t bpf bpf /sys/fs/bpf || return 1
	for d in "$pins" "$run"; do
		[ -d "$d" ] || mkdir -m 700 "$d" || return 1
	done
	mkdir "$pins/$n" "$run/$n" &&
		bpftool map create "$pins/$n/m" type array key 4 value 8 entries 1 name fl_sentinel &&
		bpftool map update pinned "$pins/$n/m" key 0 0 0 0 value hex $(echo "$FL_SENTINEL" | sed 's/../& /g') &&
		echo "$FL_SENTINEL" >"$run/$n/token"
}

# sentinel_check ROOT: what differs from what sentinel_make left (empty
# when nothing); ROOT is "" on the host side, /proc/$FL_HOST_PID/root inside.
sentinel_check() {
	local root=$1 n got
	n=$(sentinel_name)
	got=$(bpftool -j map dump pinned "$root/sys/fs/bpf/faultline/$n/m" 2>/dev/null | jq -r 'if type == "array" then .[0].value | map(ltrimstr("0x")) | join("") else empty end')
	[ "$got" = "$FL_SENTINEL" ] || echo "the pin /sys/fs/bpf/faultline/$n/m holds '$got', not $FL_SENTINEL"
	got=$(cat "$root/run/faultline/$n/token" 2>/dev/null)
	[ "$got" = "$FL_SENTINEL" ] || echo "/run/faultline/$n/token holds '$got', not $FL_SENTINEL"
	got=$(kill_switch_state "$root")
	[ "$got" = "$FL_HOST_CTL" ] || echo "the kill switch /sys/fs/bpf/faultline/fl_control was $FL_HOST_CTL, now $got"
}

sentinel_remove() {
	local n
	n=$(sentinel_name)
	rm -rf "/sys/fs/bpf/faultline/$n" "/run/faultline/$n"
}

# sleep_past START SECS: sleep until SECS after START (a `date +%s.%N`).
sleep_past() {
	sleep "$(awk -v s="$1" -v d="$2" -v n="$(date +%s.%N)" 'BEGIN { w = s + d - n; printf "%.3f\n", (w > 0 ? w : 0) }')"
}

# requires FEATURE: skip unless `faultline doctor` says it works here.
requires() {
	local cache="${TMPDIR:-/tmp}/faultline-doctor.$(uname -r).json"
	[ -s "$cache" ] || "$FL" doctor --json >"$cache" 2>/dev/null || true
	jq -e --arg n "$1" '.features[] | select(.name == $n) | .available' "$cache" >/dev/null ||
		skip "needs $1, which this kernel lacks ($(jq -r --arg n "$1" '.features[] | select(.name == $n) | .reason' "$cache"))"
}

# n_sigma OBSERVED N P: how many standard deviations OBSERVED is from N*P.
n_sigma() {
	awk -v k="$1" -v n="$2" -v p="$3" 'BEGIN { s = sqrt(n*p*(1-p)); if (s == 0) s = 1e-9; d = (k - n*p) / s; if (d < 0) d = -d; printf "%.2f\n", d }'
}
