# shellcheck shell=bash
# A two-host network for the net tests: clients in namespace C (cgroups A
# and B), servers in namespace S, one veth between them. Source after lib.sh.
NP="python3 $REPO/tests/tools/netprobe.py"
C_ADDR=10.77.0.1 S_ADDR=10.77.0.2 C_ADDR6=fd77::1 S_ADDR6=fd77::2

# net_setup: sets NS_C NS_S DEV_C A B (cgroup paths) and REL_A REL_B.
net_setup() {
	NS_C=$(mk_netns c)
	NS_S=$(mk_netns s)
	DEV_C=$(mk_veth "$NS_C" $C_ADDR "$NS_S" $S_ADDR $C_ADDR6 $S_ADDR6)
	ip -n "$NS_C" route add default via $S_ADDR
	A=$(mk_cgroup a)
	B=$(mk_cgroup b)
	REL_A=${A#"$(cg2_root)"}
	REL_B=${B#"$(cg2_root)"}
	WORK=$(mktemp -d)
	defer "rm -rf '$WORK'"
	# The service already runs in its namespace, as one under test does: an
	# egress drop attaches to the devices of the target's namespaces, and
	# reaches a namespace it has no process in yet only on its next tick.
	resident "$A"
	# IPv6 DAD is off (nodad) but the link needs a moment to be usable.
	wait_for ip netns exec "$NS_C" ping -c1 -W1 $S_ADDR
}

# resident CGROUP: a long sleeper of CGROUP in NS_C, ended on exit.
resident() {
	in_ns_cg "$NS_C" "$1" sleep 600 &
	defer "kill $! 2>/dev/null"
	wait_for grep -q . "$1/cgroup.procs" || fail "the resident of $1 did not start"
}

# in_ns_cg NS CGROUP CMD...: run CMD as a process of CGROUP inside NS. The
# cgroup is joined first: `ip netns exec` remounts /sys, hiding cgroupfs.
in_ns_cg() {
	local ns=$1 cg=$2; shift 2
	in_cgroup "$cg" ip netns exec "$ns" "$@"
}

# server NAME CMD...: a server in NS_S for this test, stopped on exit.
server() {
	local name=$1; shift
	ip netns exec "$NS_S" "$@" >"$WORK/$name.out" 2>&1 &
	defer "kill $! 2>/dev/null"
	wait_for grep -q ready "$WORK/$name.out" || fail "server $name did not start"
}

# fl_start NAME ARGS...: faultline in the background; waits until attached.
fl_start() {
	local name=$1
	shift
	bg_start "$WORK/$name.json" "$WORK/$name.err" 'attached to' "$FL" "$@" --json
	FL_PID=$BG_PID
	# Let it restore what it changed itself, before the kill -9 above.
	defer "kill -INT $FL_PID 2>/dev/null; sleep 0.3"
}

# fl_wait: wait for the background faultline (bounded) and return its status.
fl_wait() {
	local i
	for i in $(seq 1 300); do
		kill -0 $FL_PID 2>/dev/null || break
		sleep 0.1
	done
	wait $FL_PID
}

# blast CGROUP PORT COUNT [extra netprobe args]: UDP from CGROUP; prints received.
blast() {
	local cg=$1 port=$2 count=$3; shift 3
	local sink="$WORK/sink.$port.$RANDOM"
	ip netns exec "$NS_S" $NP udp-sink --port "$port" --idle 1 --max-time 60 >"$sink" &
	local spid=$!
	wait_for grep -q ready "$sink"
	in_ns_cg "$NS_C" "$cg" $NP udp-blast --to "${TO:-$S_ADDR}" --port "$port" --count "$count" "$@" >"$sink.send"
	wait $spid
	tail -1 "$sink" | jq -r .received
}

# occupy CGROUP [SECS]: a sleeping process of CGROUP inside NS_C, so that
# faultline finds the target's network namespace; returns once it is there.
occupy() {
	in_ns_cg "$NS_C" "$1" sleep "${2:-120}" &
	defer "kill $! 2>/dev/null"
	wait_for sh -c "for p in \$(cat '$1/cgroup.procs'); do [ \"\$(cat /proc/\$p/comm)\" = sleep ] && exit 0; done; exit 1" ||
		fail "no process settled in $1"
}
