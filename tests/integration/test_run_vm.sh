# vm: debian
# The example of issue #5, as written (only aimed at the test's cgroup):
# a drop, a delay and a connect fault at once, with an HTTP steady-state
# check on 127.0.0.1:8080. Delay needs fq, so this runs in the VM.
# shellcheck shell=bash
source "$REPO/tests/net_lib.sh"

t_issue_example_runs_as_written() {
	local id qd rc=0
	requires sch_fq
	[ -n "${FAULTLINE_VM:-}" ] || skip "needs 127.0.0.1:8080 and fq: runs in the VM"
	net_setup
	occupy "$A"
	mkdir "$WORK/www" && echo ok >"$WORK/www/health"
	python3 -m http.server -b 127.0.0.1 -d "$WORK/www" 8080 >/dev/null 2>&1 &
	defer "kill $! 2>/dev/null"
	wait_for curl -sf http://127.0.0.1:8080/health || fail "no health server on 8080"
	"$FL" --json run "$REPO/examples/flaky-dependency-full.yaml" --cgroup "$REL_A" >"$WORK/run.json" 2>"$WORK/run.err" &
	FL_PID=$!
	defer "kill -9 $FL_PID 2>/dev/null"
	wait_for grep -q 'attached to' "$WORK/run.err" || fail "did not attach: $(cat "$WORK/run.err")"
	id=$("$FL" --json list | jq -r '.experiments[0].id')
	"$FL" --json status "$id" | jq -e '(.faults | length) == 3 and .remaining_ns > 290e9' >/dev/null ||
		fail "status: $("$FL" --json status "$id")"
	qd=$(ip netns exec "$NS_C" tc qdisc show)
	[[ $qd == *"qdisc fq fa17:"* ]] || fail "no fq for the delay: $qd"
	# The delay is live: A's pings take 100 ms +- 10 ms longer. ping connect()s
	# a probe socket first, which the file's 10% ECONNREFUSED may fail: retry
	# (five refusals in a row: 1 in 10^5).
	local out="" i
	for i in 1 2 3 4 5; do
		out=$(in_ns_cg "$NS_C" "$A" ping -c 5 -i 0.2 -W 2 $S_ADDR 2>&1) && break
		grep -q "Connection refused" <<<"$out" || break
	done
	grep -c time= <<<"$out" | grep -qx 5 || fail "A's pings did not come back: $out"
	awk -F'time=' '/time=/ { split($2, t, " "); if (t[1] < 85) bad = 1 } END { exit bad }' <<<"$out" ||
		fail "A's pings are not delayed: $out"
	sleep 2
	kill -INT $FL_PID
	wait $FL_PID || rc=$?
	[ $rc -eq 0 ] || fail "exit $rc: $(cat "$WORK/run.err")"
	jq -e '.stopped_by == "signal" and .steady_state.checks >= 2 and .steady_state.failed == 0 and .faults[1].injected >= 5' \
		"$WORK/run.json" >/dev/null || fail "summary: $(cat "$WORK/run.json")"
	qd=$(ip netns exec "$NS_C" tc qdisc show)
	[[ $qd != *"fa17:"* ]] || fail "fq left behind: $qd"
	return 0
}
