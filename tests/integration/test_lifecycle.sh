# vm: debian
# Experiments seen from outside: list, status, stop ID, stop --all (the kill
# switch), and the clean-up after a controller that was SIGKILLed. stop --all
# halts every experiment on the machine, so its tests need a faultline state
# of their own: the VM's, or on the host the private bpffs and /run/faultline
# of tests/integration/run.sh's namespaces (lib.sh: private_state).
# shellcheck shell=bash
source "$REPO/tests/net_lib.sh"
# The socket-call helpers (sys_setup, sock_calls, tcp_server, ours_attached).
# shellcheck source=test_sys.sh
source "$(dirname "${BASH_SOURCE[0]}")/test_sys.sh"
# shellcheck disable=SC2046
unset -f $(declare -F | awk '$3 ~ /^t_/ && $3 !~ /^t_lc_/ {print $3}')

# The experiment faultline started for the background job FL_PID.
exp_id() {
	"$FL" --json list | jq -r --argjson p "$FL_PID" '.experiments[] | select(.pid == $p) | .id'
}

# Nothing of ours on the test's cgroups, in bpffs or in the records.
nothing_left() {
	local id=$1
	[ -z "$(ours_attached)" ] || fail "left attached: $(ours_attached)"
	[ ! -e "/sys/fs/bpf/faultline/$id" ] || fail "pins left: $(ls /sys/fs/bpf/faultline/$id)"
	[ ! -e "/run/faultline/$id" ] || fail "record left: $(cat /run/faultline/$id/state)"
}

t_lc_list_status_stop_one() {
	local id
	sys_setup
	tcp_server
	fl_sys --call connect --errno ECONNREFUSED --duration 60s
	id=$(exp_id)
	[ -n "$id" ] || fail "list does not show the experiment: $("$FL" --json list)"
	"$FL" --json list | jq -e --arg id "$id" --arg t "$REL_A" '.experiments[] | select(.id == $id)
		| .target.cgroup == $t and .name == "sys-fail" and .remaining_ns > 50e9 and (.faults[0].fault | test("connect ECONNREFUSED"))' >/dev/null ||
		fail "list: $("$FL" --json list)"
	[ "$(sock_calls "$A" tcp "$PORT" 3)" = "$(printf 'ECONNREFUSED\nECONNREFUSED\nECONNREFUSED')" ] || fail "A was not refused"
	"$FL" --json status "$id" | jq -e '.faults[0].matched == 3 and .faults[0].injected == 3' >/dev/null ||
		fail "status: $("$FL" --json status "$id")"
	"$FL" status "$id" | grep -q "injected *3" || fail "status text: $("$FL" status "$id")"
	"$FL" stop "$id" >"$WORK/stop.out" || fail "stop exited $?"
	# Gone, or a zombie its parent (this shell) has yet to reap: done either way.
	ps -o stat= -p $FL_PID | grep -qv Z && fail "the controller still runs after stop returned"
	fl_end
	jq -e '.faults[0].injected == 3' "$WORK/fl.json" >/dev/null || fail "summary: $(cat "$WORK/fl.json")"
	[ "$(sock_calls "$A" tcp "$PORT")" = ok ] || fail "A still refused after stop"
	nothing_left "$id"
	"$FL" --json list | jq -e --arg id "$id" '[.experiments[] | select(.id == $id)] == []' >/dev/null ||
		fail "still listed after stop"
}

t_lc_unknown_id_exit_2() {
	local rc=0
	"$FL" status nosuch 2>"${TMPDIR:-/tmp}/$TEST_TAG.err" || rc=$?
	[ $rc -eq 2 ] || fail "status of an unknown id exited $rc"
	grep -q "faultline list" "${TMPDIR:-/tmp}/$TEST_TAG.err" || fail "no hint: $(cat "${TMPDIR:-/tmp}/$TEST_TAG.err")"
	rc=0
	"$FL" stop ../../etc 2>/dev/null || rc=$?
	rm -f "${TMPDIR:-/tmp}/$TEST_TAG.err"
	[ $rc -eq 2 ] || fail "stop of a bad id exited $rc"
}

# SIGKILL the controller: the cgroup links die with it, its record and pins
# stay until the next faultline start, which says so and removes them.
# A SIGKILLed controller's watchdog cleans up at once, with no command after.
t_lc_sigkill_watchdog_cleans_at_once() {
	local id
	sys_setup
	fl_sys --call connect --errno ECONNREFUSED --duration 60s
	id=$(exp_id)
	[ -d "/run/faultline/$id" ] && [ -d "/sys/fs/bpf/faultline/$id" ] || fail "no record or pins for $id"
	kill -9 $FL_PID
	wait $FL_PID 2>/dev/null || true
	wait_for test -d "/run/faultline/ended/$id" || fail "no watchdog ended $id within 5 s"
	[ ! -e "/run/faultline/$id" ] || fail "the record of $id is still live"
	[ ! -e "/sys/fs/bpf/faultline/$id" ] || fail "pins left: $(ls "/sys/fs/bpf/faultline/$id")"
	grep -q '^stopped_by controller died$' "/run/faultline/ended/$id/state" ||
		fail "the record does not say its controller died: $(grep stopped_by "/run/faultline/ended/$id/state")"
}

# The watchdog SIGKILLed too (a kill of every process of the unit): the next start cleans.
t_lc_sigkill_next_start_cleans() {
	local id out wd
	sys_setup
	fl_sys --call connect --errno ECONNREFUSED --duration 60s
	id=$(exp_id)
	[ -d "/run/faultline/$id" ] && [ -d "/sys/fs/bpf/faultline/$id" ] || fail "no record or pins for $id"
	wd=$(pgrep -P $FL_PID -x fl-watchdog) || fail "controller $FL_PID has no watchdog"
	kill -9 "$wd" $FL_PID
	wait $FL_PID 2>/dev/null || true
	out=$("$FL" list 2>&1)
	echo "$out" | grep -q "removing what experiment $id" || fail "the next start did not clean: $out"
	echo "$out" | grep -q "^$id " && fail "a dead experiment is listed: $out"
	nothing_left "$id"
}

# A controller killed between the mkdir of its record and its first save
# left an empty directory (before records were published whole): the next
# command removes it once it is old enough not to be a controller still
# starting (10 s), and a young one stays.
# A record is published whole (written as .ID.PID, renamed to ID): what a
# controller killed before the rename leaves goes once its pid is gone.
t_lc_stateless_record_dir_swept() {
	local dead
	needs_private_state
	sh -c 'exit 0' & dead=$!
	wait $dead
	mkdir -p /run/faultline/0ld000 /run/faultline/y0ung0 "/run/faultline/.abc123.$dead" "/run/faultline/.abc124.$$"
	echo "id abc123" >"/run/faultline/.abc123.$dead/state"
	touch -d '1 minute ago' /run/faultline/0ld000
	defer "rm -rf /run/faultline/y0ung0 /run/faultline/0ld000 /run/faultline/.abc12[34].*"
	"$FL" list >/dev/null 2>&1 || fail "list exited $?"
	[ ! -e "/run/faultline/.abc123.$dead" ] || fail "an unpublished record of a dead controller stays"
	[ -d "/run/faultline/.abc124.$$" ] || fail "an unpublished record of a live controller was removed"
	[ ! -e /run/faultline/0ld000 ] || fail "an old record directory without a state file stays"
	[ -d /run/faultline/y0ung0 ] || fail "a young record directory was removed: its controller may be starting"
}

# Two experiments on two targets; stop --all returns only when no fault
# applies any more, and the next calls of both targets go through.
t_lc_stop_all_halts_everything() {
	local before after
	needs_private_state
	sys_setup
	tcp_server
	synced_client "$A"
	fl_sys --call connect --errno ECONNREFUSED --duration 60s
	local pid_a=$FL_PID
	"$FL" --json sys fail --cgroup "${B#"$(cg2_root)"}" --call connect --errno EACCES --duration 60s \
		>"$WORK/b.json" 2>"$WORK/b.err" &
	local pid_b=$!
	defer "kill -9 $pid_b 2>/dev/null"
	wait_for grep -q 'attached to' "$WORK/b.err" || fail "second experiment did not start"
	[ "$(go 0)" = ECONNREFUSED ] || fail "no fault before stop --all"
	[ "$(sock_calls "$B" tcp "$PORT")" = EACCES ] || fail "B's experiment is not live"
	"$FL" stop --all >"$WORK/stop.out" || fail "stop --all exited $?"
	# No injection after it returned: the very next call passes.
	[ "$(go 1)" = ok ] || fail "A still refused after stop --all returned"
	[ "$(sock_calls "$B" tcp "$PORT")" = ok ] || fail "B still refused after stop --all returned"
	ps -o stat= -p $pid_a | grep -qv Z && fail "A's controller still runs"
	ps -o stat= -p $pid_b | grep -qv Z && fail "B's controller still runs"
	jq -e '.faults[0].injected == 1' "$WORK/fl.json" >/dev/null || fail "A's summary: $(cat "$WORK/fl.json")"
	# Finished experiments are kept, under ended/ (and events' lock file stays); no record may.
	[ -z "$(find /run/faultline -mindepth 1 -maxdepth 1 -type d ! -name ended 2>/dev/null)" ] ||
		fail "records left: $(ls /run/faultline)"
	[ -z "$(find /sys/fs/bpf/faultline -mindepth 1 -type d)" ] || fail "pins left: $(find /sys/fs/bpf/faultline)"
	[ -z "$(ours_attached)" ] || fail "left attached: $(ours_attached)"
	# Twice is harmless.
	"$FL" stop --all >/dev/null || fail "a second stop --all exited $?"
	host_untouched
}

# On the host: the sentinel run.sh left in the real dirs, and the host's
# kill switch, are as they were (this run's stop --all threw its own).
host_untouched() {
	local problems
	[ -z "${FAULTLINE_VM:-}" ] || return 0
	problems=$(sentinel_check "/proc/$FL_HOST_PID/root")
	[ -z "$problems" ] || fail "stop --all reached the host's real state: $problems"
}

# SIGKILL a delay at several points of its start-up and run; after stop
# --all, tc and bpftool show nothing of ours, and a qdisc someone else owns
# on another device is byte-identical.
t_lc_sigkill_delay_at_several_points() {
	local t before other_before after pins
	needs_private_state
	requires sch_fq
	net_setup
	occupy "$A"
	# Down, so no packet changes its counters: the comparison is of config.
	ip -n "$NS_C" link add flt-other type dummy
	ip netns exec "$NS_C" tc qdisc add dev flt-other root handle 1: htb default 10
	ip netns exec "$NS_C" tc qdisc add dev flt-other clsact
	ip netns exec "$NS_C" tc filter add dev flt-other egress prio 7 matchall action pass
	before=$(ip netns exec "$NS_C" tc qdisc show dev "$DEV_C")
	other_before=$(ip netns exec "$NS_C" sh -c "tc -d qdisc show dev flt-other; tc -d filter show dev flt-other egress")
	for t in 0.05 0.15 0.3 0.6 1.2; do
		"$FL" net delay --cgroup "$REL_A" --delay 20ms --direction both --duration 30s >/dev/null 2>&1 &
		FL_PID=$!
		sleep $t
		kill -9 $FL_PID 2>/dev/null
		wait $FL_PID 2>/dev/null || true
		"$FL" stop --all >/dev/null || fail "stop --all exited $? after a kill at ${t}s"
		after=$(ip netns exec "$NS_C" tc qdisc show dev "$DEV_C")
		[ "$after" = "$before" ] || fail "killed at ${t}s: qdiscs of $DEV_C were '$before', now '$after'"
		after=$(ip netns exec "$NS_C" sh -c "tc filter show dev $DEV_C ingress; tc filter show dev $DEV_C egress" 2>/dev/null)
		[ -z "$after" ] || fail "killed at ${t}s: filters left: $after"
		ip -n "$NS_C" link show | grep -q flifb && fail "killed at ${t}s: ifb left: $(ip -n "$NS_C" link show | grep flifb)"
		bpftool prog show | grep -q ' name fl_' && fail "killed at ${t}s: programs left: $(bpftool prog show | grep ' name fl_')"
		pins=$(find /sys/fs/bpf/faultline -mindepth 1 -type d 2>/dev/null)
		[ -z "$pins" ] || fail "killed at ${t}s: pins left: $pins"
	done
	after=$(ip netns exec "$NS_C" sh -c "tc -d qdisc show dev flt-other; tc -d filter show dev flt-other egress")
	[ "$after" = "$other_before" ] || fail "someone's qdisc changed: was '$other_before', now '$after'"
}
