# "Did we pass?": experiment files with a hypothesis (baseline, recovery,
# max_failure_rate), a real probe and a real fault, the verdict as exit
# status, and --report in its three forms: JSON against the schema, JUnit
# parsed as CI servers parse it, HTML drawn by headless Chromium and its
# screenshot checked for the chart.
# shellcheck shell=bash
# shellcheck source=test_sys.sh
source "$(dirname "${BASH_SOURCE[0]}")/test_sys.sh"
# shellcheck disable=SC2046
unset -f $(declare -F | awk '$3 ~ /^t_/ && $3 !~ /^t_report_/ {print $3}')

summary() { "$REPO/tests/tools/report_summary.py" "$@"; }

# hyp_file NAME DURATION FAULT STEADY_STATE: an experiment on A; its path on stdout.
hyp_file() {
	local f="$WORK/$1.yaml"
	printf 'name: %s\ntarget: {cgroup: %s}\nduration: %s\nfaults:\n  - %s\nsteady_state:\n%s\n' \
		"$1" "$REL_A" "$2" "$3" "$4" >"$f"
	echo "$f"
}

# health_server: python's http.server in A, serving $WORK/www; sets HPORT.
health_server() {
	mkdir -p "$WORK/www" && echo ok >"$WORK/www/health"
	HPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	in_cgroup "$A" python3 -m http.server -b 127.0.0.1 -d "$WORK/www" "$HPORT" >/dev/null 2>&1 &
	defer "kill $! 2>/dev/null"
	wait_for curl -sf "http://127.0.0.1:$HPORT/health" || fail "the health server did not start"
}

# udp_noise SECONDS: datagrams from A to 127.0.0.1:9999, 50 a second, for so long.
udp_noise() {
	in_cgroup "$A" python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int($1 * 50)):
    s.sendto(b'x', ('127.0.0.1', 9999)); time.sleep(0.02)" &
	defer "kill $! 2>/dev/null"
}

# run_to_end ARGS...: faultline --json run ARGS in the foreground; RC, $WORK/run.json, $WORK/run.err.
run_to_end() {
	RC=0
	timeout 60 "$FL" --json run "$@" >"$WORK/run.json" 2>"$WORK/run.err" || RC=$?
}

want_json() {
	jq -e "$1" "$WORK/run.json" >/dev/null || fail "${2:-summary}: $(cat "$WORK/run.json"; cat "$WORK/run.err")"
}

# A probe that checks from inside A, so that A's connect fault hits it: the
# service's dependency faulted, as people see it.
connect_probe() {
	printf '  command: "echo $$ > %s/cgroup.procs && python3 -c \\"import socket; socket.create_connection((\x27127.0.0.1\x27, %s), 2).close()\\""' \
		"$A" "$PORT"
}

t_report_passing_run_junit() {
	local f
	sys_setup
	health_server
	udp_noise 8
	f=$(hyp_file pass 3s "net: {action: drop, direction: egress, protocol: udp, port: 9999}" \
"  http: http://127.0.0.1:$HPORT/health
  interval: 200ms
  baseline: 1s
  recovery: 2s
  max_failure_rate: 5%")
	run_to_end "$f" --report "$WORK/junit.xml"
	[ $RC -eq 0 ] || fail "a passing run exited $RC: $(cat "$WORK/run.err")"
	want_json '.verdict == "passed" and .failed_rule == null and .phases.baseline.result == "passed"
		and .phases.during.result == "passed" and .phases.recovery.result == "passed"
		and .phases.baseline.checks >= 3 and .phases.during.checks >= 10 and .faults[0].injected > 50
		and .phases.recovery.recovered_after_ns <= 2000000000'
	"$REPO/tests/tools/check_schema.py" experiment "$WORK/run.json" || fail "the summary is not in the schema"
	summary junit "$WORK/junit.xml" >"$WORK/j.json" || fail "the JUnit report does not read: $(cat "$WORK/junit.xml")"
	jq -e --argjson seed "$(jq .seed "$WORK/run.json")" '.suites == 1 and .tests == 4 and .failures == 0 and .errors == 0 and .skipped == 0
		and ([.cases[].name] == ["baseline", "fault 1: net drop egress udp port 9999 p=100%",
			"steady state during the faults", "recovery"])
		and (.cases[1].properties.injected | tonumber) > 50 and .properties.verdict == "passed"
		and .properties.seed == ($seed | tostring)
		and (.cases[1].time > 2.9 and .cases[1].time < 3.2)' "$WORK/j.json" >/dev/null ||
		fail "JUnit: $(cat "$WORK/j.json")"
	[ -z "$(ours_attached)" ] || fail "left attached: $(ours_attached)"
}

# Unhealthy before the faults: the run fails on its baseline, nothing is
# ever attached (A connects freely all along), exit 3, and the report says why.
t_report_baseline_fails_nothing_attached() {
	local f rc=0
	sys_setup
	tcp_server
	touch "$WORK/healthy"
	f=$(hyp_file base 10s "sys: {call: connect, errno: ECONNREFUSED}" \
"  command: test -e $WORK/healthy
  interval: 200ms
  baseline: 3s")
	bg_start "$WORK/run.json" "$WORK/run.err" 'baseline: checking' "$FL" --json run "$f" --report "$WORK/base.xml"
	sleep 0.5
	[ "$(sock_calls "$A" tcp "$PORT")" = ok ] || fail "A was refused during the baseline"
	[ -z "$(ours_attached)" ] || fail "attached during the baseline: $(ours_attached)"
	rm "$WORK/healthy"
	for _ in $(seq 1 50); do kill -0 $BG_PID 2>/dev/null || break; sleep 0.1; done
	wait $BG_PID || rc=$?
	[ $rc -eq 3 ] || fail "a failed baseline exited $rc, want 3: $(cat "$WORK/run.err")"
	! grep -q 'attached to' "$WORK/run.err" || fail "it attached: $(cat "$WORK/run.err")"
	want_json '.verdict == "failed" and .failed_rule == "baseline" and .stopped_by == "baseline" and .aborted
		and (.reason | test("not healthy before the faults: check [0-9]+ of the baseline failed: exit status 1"))
		and .phases.baseline.result == "failed" and .phases.during.result == "skipped"
		and .elapsed_ns == 0 and .faults[0].injected == 0 and .exit_status == 3'
	summary junit "$WORK/base.xml" >"$WORK/j.json" || fail "the JUnit report does not read"
	jq -e '.tests == 3 and .failures == 1 and .skipped == 2 and .cases[0].name == "baseline"
		and .cases[0].result == "failure" and .cases[0].type == "baseline"
		and (.cases[0].message | test("baseline failed"))
		and .cases[1].result == "skipped" and (.cases[1].message | test("the baseline failed"))
		and .cases[2].result == "skipped"' "$WORK/j.json" >/dev/null || fail "JUnit: $(cat "$WORK/j.json")"
	[ "$(sock_calls "$A" tcp "$PORT")" = ok ] || fail "A refused after the run"
}

# Broken during the faults and still broken after them: the recovery fails.
t_report_recovery_fails() {
	local f rc=0
	sys_setup
	touch "$WORK/healthy"
	f=$(hyp_file stuck 2s "sys: {call: connect, errno: ECONNREFUSED}" \
"  command: test -e $WORK/healthy
  interval: 200ms
  failures: 1000
  recovery: 1s")
	bg_start "$WORK/run.json" "$WORK/run.err" 'attached to' "$FL" --json run "$f" --report "$WORK/rec.xml"
	rm "$WORK/healthy"	# the service breaks under the faults and stays broken
	for _ in $(seq 1 80); do kill -0 $BG_PID 2>/dev/null || break; sleep 0.1; done
	wait $BG_PID || rc=$?
	[ $rc -eq 3 ] || fail "a failed recovery exited $rc, want 3: $(cat "$WORK/run.err")"
	want_json '.verdict == "failed" and .failed_rule == "recovery" and .stopped_by == "deadline" and (.aborted | not)
		and .phases.during.result == "passed" and .phases.recovery.result == "failed"
		and .phases.recovery.checks >= 3 and .phases.recovery.failed == .phases.recovery.checks
		and .phases.recovery.recovered_after_ns == null and .phases.recovery.limit_ns == 1000000000
		and (.reason | test("not healthy again within 1s of the faults. end"))'
	summary junit "$WORK/rec.xml" >"$WORK/j.json" || fail "the JUnit report does not read"
	jq -e '.failures == 1 and .cases[-1].name == "recovery" and .cases[-1].type == "recovery"
		and .cases[-2].result == "passed"' "$WORK/j.json" >/dev/null || fail "JUnit: $(cat "$WORK/j.json")"
}

# mfr_run REPORT: a probe from inside A that A's connect fault fails every
# time; healthy before and after, so only max_failure_rate fails it.
mfr_run() {
	local f
	f=$(hyp_file rate 2s "sys: {call: connect, errno: ECONNREFUSED}" \
"$(connect_probe)
  interval: 300ms
  timeout: 2s
  failures: 1000
  baseline: 1s
  recovery: 3s
  max_failure_rate: 10%")
	run_to_end "$f" --report "$1"
	[ $RC -eq 3 ] || fail "max_failure_rate exceeded, yet exit $RC: $(cat "$WORK/run.err")"
	want_json '.verdict == "failed" and .failed_rule == "max_failure_rate"
		and .phases.baseline.result == "passed" and .phases.recovery.result == "passed"
		and .phases.during.result == "failed" and .phases.during.failure_rate > 0.5
		and .phases.during.max_failure_rate == 0.1 and .faults[0].injected >= 3
		and (.reason | test("of [0-9]+ checks \\([0-9.]+%\\) failed during the faults, over max_failure_rate 10.0%; the last: ConnectionRefusedError"))'
}

t_report_max_failure_rate_json() {
	sys_setup
	tcp_server
	mfr_run "$WORK/rate.json"
	"$REPO/tests/tools/check_schema.py" experiment "$WORK/rate.json" ||
		fail "the JSON report is not in the schema: $(head -c 3000 "$WORK/rate.json")"
	# The timeline holds every check, in the phase it started in (the last of
	# the faults' may connect after their end), and the fault's counts add up.
	jq -e '.timeline.checks_total == (.phases.baseline.checks + .phases.during.checks + .phases.recovery.checks)
		and ([.timeline.checks[] | select(.phase == "during")][:-1] | all(.ok | not))
		and ([.timeline.checks[] | select(.phase == "baseline" and (.ok | not))] | length) == 0
		and (.timeline.faults[0].injected | add) == .faults[0].injected
		and .timeline.phases.during.start_ns >= .timeline.phases.baseline.end_ns
		and .timeline.phases.recovery.start_ns == .timeline.phases.during.end_ns
		and ([.timeline.checks[].latency_ns] | min) > 0' "$WORK/rate.json" >/dev/null ||
		fail "timeline: $(jq -c .timeline "$WORK/rate.json")"
}

# The page people look at after a game day, as Chromium draws it.
t_report_html_in_chromium() {
	local shot dom px
	command -v chromium >/dev/null || skip "no chromium (scripts/deps.sh test installs Debian's)"
	sys_setup
	tcp_server
	mfr_run "$WORK/r.html"
	summary html "$WORK/r.html" >"$WORK/h.json" || fail "the page is not self-contained: $(cat "$WORK/h.json")"
	jq -e --arg seed "$(jq -r .seed "$WORK/run.json")" '.classes.ok >= 4 and .classes.fail >= 5
		and .classes["fault-window"] == 2 and .classes.injected >= 1
		and (.ids.verdict | test("failed: max_failure_rate")) and .ids.seed == $seed' "$WORK/h.json" >/dev/null ||
		fail "page: $(cat "$WORK/h.json")"
	shot="$WORK/shot.png"
	timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --screenshot="$shot" \
		--window-size=1200,800 "file://$WORK/r.html" >/dev/null 2>"$WORK/chromium.err"
	[ -s "$shot" ] || skip "chromium cannot run here: $(tail -3 "$WORK/chromium.err")"
	dom=$(timeout 60 chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$WORK/r.html" 2>/dev/null)
	grep -q '<svg id="timeline"' <<<"$dom" || fail "Chromium's DOM has no timeline"
	[ "$(grep -o '<circle class="ok"' <<<"$dom" | wc -l)" -eq "$(jq .classes.ok "$WORK/h.json")" ] ||
		fail "Chromium's DOM lost checks"
	# The chart, below the header: the checks, the failures, the fault's window and its bars.
	px=$("$REPO/tests/tools/png_colors.py" "$shot" 90 120 1110 560 ok=#1f6fd0~20 fail=#d62728~20 \
		window=#fbdec8~10 bar=#e76f51~10 base=#dbe9f7~6)
	note "screenshot pixels: $px"
	jq -e '.ok >= 60 and .fail >= 60 and .window >= 2000 and .bar >= 200 and .base >= 2000
		and .non_white > 0.2 * .pixels' <<<"$px" >/dev/null || {
		cp "$shot" "/tmp/faultline-report-$TEST_TAG.png"
		fail "the screenshot does not show the chart: $px (see /tmp/faultline-report-$TEST_TAG.png)"
	}
}

# Aborted (failures in a row) or stopped by a signal, the report is still
# written; a bad --report is refused before anything attaches.
t_report_abort_stop_and_bad_path() {
	local f rc=0
	sys_setup
	tcp_server
	f=$(hyp_file abort 30s "sys: {call: connect, errno: ECONNREFUSED}" \
"$(connect_probe)
  interval: 300ms
  timeout: 2s
  failures: 2
  recovery: 2s")
	run_to_end "$f" --report "$WORK/abort.xml"
	[ $RC -eq 3 ] || fail "an abort exited $RC"
	want_json '.stopped_by == "steady state" and .aborted and .failed_rule == "failures"
		and .phases.recovery.result == "passed" and .elapsed_ns < 5000000000'
	summary junit "$WORK/abort.xml" >"$WORK/j.json" || fail "the JUnit report does not read"
	jq -e '.failures == 1 and .cases[1].type == "failures" and (.cases[1].message | test("2 failed checks in a row"))' \
		"$WORK/j.json" >/dev/null || fail "JUnit: $(cat "$WORK/j.json")"
	bg_start "$WORK/run.json" "$WORK/run.err" 'attached to' "$FL" --json sys fail --cgroup "$REL_A" \
		--call connect --errno EIO --duration 30s --report "$WORK/stop.html"
	kill -INT $BG_PID
	wait $BG_PID || rc=$?
	[ $rc -eq 0 ] || fail "a stopped run exited $rc"
	want_json '.verdict == "stopped" and .phases.during == null' "stopped"
	summary html "$WORK/stop.html" >"$WORK/h.json" || fail "the page of a stopped run: $(cat "$WORK/h.json")"
	jq -e '.ids.verdict == "stopped"' "$WORK/h.json" >/dev/null || fail "page: $(cat "$WORK/h.json")"
	for bad in "$WORK/no/such/dir/r.xml" "$WORK/r.txt" "$WORK"; do
		rc=0
		"$FL" run "$f" --report "$bad" 2>"$WORK/err" || rc=$?
		[ $rc -eq 2 ] || fail "--report $bad: exit $rc"
		grep -q -- "--report" "$WORK/err" || fail "--report $bad: $(cat "$WORK/err")"
	done
	rc=0
	"$FL" sys fail --cgroup "$REL_A" --call connect --errno EIO --report "$WORK/r.pdf" 2>"$WORK/err" || rc=$?
	[ $rc -eq 2 ] && grep -q "the format comes from the suffix" "$WORK/err" || fail "sys fail --report r.pdf: exit $rc"
	[ -z "$(ours_attached)" ] || fail "attached: $(ours_attached)"
	[ -z "$("$FL" --json list | jq '.experiments[]')" ] || fail "something is recorded"
}
