# vm: debian
# Every command's --json output against doc/faultline.schema.json: one
# schema for a summary, status, list, stop, a dry run, events and doctor.
# shellcheck shell=bash
# The socket-call helpers (sys_setup, tcp_server, fl_sys, fl_end).
# shellcheck source=test_sys.sh
source "$(dirname "${BASH_SOURCE[0]}")/test_sys.sh"
# shellcheck disable=SC2046
unset -f $(declare -F | awk '$3 ~ /^t_/ && $3 !~ /^t_schema_/ {print $3}')

# valid DEF FILE: the document(s) in FILE match $defs/DEF.
valid() {
	"$REPO/tests/tools/check_schema.py" "$1" "$2" 2>"$WORK/schema.err" ||
		fail "$2 is not a valid '$1': $(cat "$WORK/schema.err"); it was: $(head -c 2000 "$2")"
}

t_schema_checker_refuses_what_is_wrong() {
	sys_setup
	# The checker itself must be able to fail: a summary missing a key, a bad reason.
	echo '{"schema_version": 1, "generation": 1, "stopped": 0}' >"$WORK/bad.json"
	! "$REPO/tests/tools/check_schema.py" stop_all "$WORK/bad.json" 2>/dev/null || fail "a missing key passed"
	"$FL" --json sys fail --cgroup "$REL_A" --call connect --errno EIO --dry-run >"$WORK/dry.json"
	jq '.stopped_by = "whim"' "$WORK/dry.json" >"$WORK/bad.json"
	! "$REPO/tests/tools/check_schema.py" experiment "$WORK/bad.json" 2>/dev/null || fail "an unknown end reason passed"
	jq 'del(.faults[0].options)' "$WORK/dry.json" >"$WORK/bad.json"
	! "$REPO/tests/tools/check_schema.py" experiment "$WORK/bad.json" 2>/dev/null || fail "a fault without options passed"
	jq '.verdict = "maybe"' "$WORK/dry.json" >"$WORK/bad.json"
	! "$REPO/tests/tools/check_schema.py" experiment "$WORK/bad.json" 2>/dev/null || fail "an unknown verdict passed"
	jq 'del(.phases)' "$WORK/dry.json" >"$WORK/bad.json"
	! "$REPO/tests/tools/check_schema.py" experiment "$WORK/bad.json" 2>/dev/null || fail "no phases passed"
}

t_schema_dry_runs() {
	sys_setup
	"$FL" --json sys fail --cgroup "$REL_A" --call connect,openat --errno EIO --dry-run >"$WORK/a.json" 2>/dev/null ||
		[ $? -eq 1 ] || fail "sys dry run failed"
	[ -s "$WORK/a.json" ] && valid experiment "$WORK/a.json"
	"$FL" --json sys fail --cgroup "$REL_A" --call connect --errno EIO --dry-run >"$WORK/b.json"
	valid experiment "$WORK/b.json"
	jq -e '.state == "planned" and .dry_run and .faults[0].kind == "sys" and .faults[0].options.errno == "EIO"' \
		"$WORK/b.json" >/dev/null || fail "dry run: $(cat "$WORK/b.json")"
	"$FL" --json net drop --cgroup "$REL_A" --port 53 --protocol udp --dry-run >"$WORK/c.json"
	valid experiment "$WORK/c.json"
	jq -e '.faults[0].options.port == "53" and .faults[0].options.protocol == "udp"' "$WORK/c.json" >/dev/null ||
		fail "net dry run: $(cat "$WORK/c.json")"
	cat >"$WORK/x.yaml" <<YAML
name: schema
target: {cgroup: $REL_A}
duration: 10s
faults:
  - net: {action: drop, direction: egress, probability: 10%}
  - sys: {calls: [connect], errno: ECONNREFUSED}
steady_state: {command: "true", baseline: 1s, recovery: 2s, max_failure_rate: 5%}
YAML
	"$FL" --json run --dry-run "$WORK/x.yaml" --report "$WORK/report.json" >"$WORK/d.json"
	valid experiment "$WORK/d.json"
	jq -e '.verdict == null and .phases.baseline.result == "pending" and .phases.during.max_failure_rate == 0.05
		and .phases.recovery.limit_ns == 2000000000' "$WORK/d.json" >/dev/null || fail "phases: $(cat "$WORK/d.json")"
	# The report of a run is the same document, with its timeline.
	valid experiment "$WORK/report.json"
	jq -e '.timeline.checks == [] and (.timeline.faults | length) == 2' "$WORK/report.json" >/dev/null ||
		fail "report: $(cat "$WORK/report.json")"
}

t_schema_summary_status_list_stop() {
	local id
	sys_setup
	tcp_server
	bg_start "$WORK/fl.json" "$WORK/fl.err" 'attached to' "$FL" --json sys fail --cgroup "$REL_A" \
		--call connect --errno ECONNREFUSED --duration 60s
	FL_PID=$BG_PID
	id=$("$FL" --json list | jq -r --argjson p "$FL_PID" '.experiments[] | select(.pid == $p) | .id')
	[ -n "$id" ] || fail "not listed"
	sock_calls "$A" tcp "$PORT" 2 >/dev/null
	"$FL" --json list >"$WORK/list.json"
	valid list "$WORK/list.json"
	"$FL" --json status "$id" >"$WORK/status.json"
	valid experiment "$WORK/status.json"
	jq -e '.state == "running" and .faults[0].injected == 2' "$WORK/status.json" >/dev/null ||
		fail "status: $(cat "$WORK/status.json")"
	"$FL" --json stop "$id" >"$WORK/stop.json"
	valid experiment "$WORK/stop.json"
	fl_end
	valid experiment "$WORK/fl.json"
	jq -e '.state == "ended" and .stopped_by == "stopped" and .exit_status == 0 and .faults[0].injected == 2' \
		"$WORK/fl.json" >/dev/null || fail "summary: $(cat "$WORK/fl.json")"
	# The finished experiment is kept, in the same schema.
	"$FL" --json status "$id" >"$WORK/ended.json" || fail "status of an ended experiment failed"
	valid experiment "$WORK/ended.json"
	"$FL" --json list --all >"$WORK/all.json"
	valid list "$WORK/all.json"
	jq -e --arg id "$id" '[.experiments[] | select(.id == $id and .state == "ended")] | length == 1' \
		"$WORK/all.json" >/dev/null || fail "list --all: $(cat "$WORK/all.json")"
}

t_schema_events_doctor_stop_all() {
	sys_setup
	tcp_server
	ev_start --count 2
	fl_sys --call connect --errno ECONNREFUSED
	sock_calls "$A" tcp "$PORT" 2 >/dev/null
	ev_end
	valid event <(head -n -1 "$WORK/ev.json")
	valid events_summary <(tail -1 "$WORK/ev.json")
	fl_end INT
	"$FL" --json doctor >"$WORK/doctor.json" || true
	valid doctor "$WORK/doctor.json"
	private_state || return 0	# stop --all reaches everything it can see
	"$FL" --json stop --all >"$WORK/all.json"
	valid stop_all "$WORK/all.json"
}
