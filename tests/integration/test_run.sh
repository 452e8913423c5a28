# faultline run FILE: experiments from YAML files, in the foreground and
# detached, with a steady-state probe that aborts them, checks before
# anything is attached, and two experiments on one target.
# shellcheck shell=bash
# shellcheck source=test_sys.sh
source "$(dirname "${BASH_SOURCE[0]}")/test_sys.sh"
# shellcheck disable=SC2046
unset -f $(declare -F | awk '$3 ~ /^t_/ && $3 !~ /^t_run_/ {print $3}')

# exp_file NAME DURATION [STEADY_STATE_YAML]: an experiment on A with a
# connect fault and a UDP drop; the path on stdout.
exp_file() {
	local f="$WORK/$1.yaml"
	cat >"$f" <<-EOF
	name: $1
	target:
	  cgroup: $REL_A
	duration: $2
	faults:
	  - sys:
	      calls: [connect]
	      errno: ECONNREFUSED
	  - net:
	      action: drop
	      direction: egress
	      protocol: udp
	      port: 9999
	${3:-}
	EOF
	echo "$f"
}

# fl_run ARGS...: faultline run in the background, JSON summary in
# $WORK/run.json; returns once every fault is attached.
fl_run() {
	bg_start "$WORK/run.json" "$WORK/run.err" 'attached to' "$FL" --json run "$@"
	FL_PID=$BG_PID
}

run_id() { "$FL" --json list | jq -r --argjson p "$1" '.experiments[] | select(.pid == $p) | .id'; }

# udp_sends CGROUP N: N datagrams to 127.0.0.1:9999 (nobody listens: UDP does not care).
udp_sends() {
	in_cgroup "$1" python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range($2): s.sendto(b'x', ('127.0.0.1', 9999))"
}

t_run_two_faults_foreground() {
	local id rc=0
	sys_setup
	tcp_server
	fl_run "$(exp_file two 30s)"
	id=$(run_id $FL_PID)
	"$FL" --json list | jq -e --arg id "$id" '.experiments[] | select(.id == $id) | .name == "two" and (.faults | length) == 2' >/dev/null ||
		fail "list: $("$FL" --json list)"
	[ "$(sock_calls "$A" tcp "$PORT")" = ECONNREFUSED ] || fail "A connected"
	[ "$(sock_calls "$B" tcp "$PORT")" = ok ] || fail "B was refused"
	udp_sends "$A" 10
	udp_sends "$B" 10
	"$FL" --json status "$id" | jq -e '.faults[0].injected == 1 and .faults[1].injected == 10' >/dev/null ||
		fail "status: $("$FL" --json status "$id")"
	kill -INT $FL_PID
	wait $FL_PID || rc=$?
	[ $rc -eq 0 ] || fail "run exited $rc: $(cat "$WORK/run.err")"
	jq -e '.stopped_by == "signal" and .aborted == false and .faults[0].injected == 1 and .faults[1].injected == 10' \
		"$WORK/run.json" >/dev/null || fail "summary: $(cat "$WORK/run.json")"
	[ "$(sock_calls "$A" tcp "$PORT")" = ok ] || fail "A still refused after the run"
	[ -z "$(ours_attached)" ] || fail "left attached: $(ours_attached)"
}

t_run_steady_state_command_aborts() {
	local rc=0 t0
	sys_setup
	touch "$WORK/healthy"
	fl_run "$(exp_file probe 60s "steady_state:
  command: test -e $WORK/healthy
  interval: 200ms
  failures: 3")"
	sleep 1
	kill -0 $FL_PID 2>/dev/null || fail "aborted while healthy: $(cat "$WORK/run.json")"
	t0=$(date +%s)
	rm "$WORK/healthy"
	for _ in $(seq 1 50); do kill -0 $FL_PID 2>/dev/null || break; sleep 0.1; done
	wait $FL_PID || rc=$?
	[ $rc -eq 3 ] || fail "exit $rc after the probe failed, want 3: $(cat "$WORK/run.err")"
	[ $(($(date +%s) - t0)) -le 3 ] || fail "took more than 3 s to abort"
	jq -e '.stopped_by == "steady state" and .aborted and (.reason | test("3 failed checks")) and .steady_state.failed >= 3' \
		"$WORK/run.json" >/dev/null || fail "summary: $(cat "$WORK/run.json")"
	[ -z "$(ours_attached)" ] || fail "left attached: $(ours_attached)"
}

t_run_steady_state_http_aborts() {
	local rc=0 port
	sys_setup
	mkdir "$WORK/www" && echo ok >"$WORK/www/health"
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	python3 -m http.server -b 127.0.0.1 -d "$WORK/www" "$port" >/dev/null 2>&1 &
	defer "kill $! 2>/dev/null"
	wait_for curl -sf "http://127.0.0.1:$port/health" || fail "the health server did not start"
	fl_run "$(exp_file http 60s "steady_state:
  http: http://127.0.0.1:$port/health
  interval: 200ms
  failures: 2")"
	sleep 1
	kill -0 $FL_PID 2>/dev/null || fail "aborted while healthy: $(cat "$WORK/run.json")"
	rm "$WORK/www/health"
	for _ in $(seq 1 50); do kill -0 $FL_PID 2>/dev/null || break; sleep 0.1; done
	wait $FL_PID || rc=$?
	[ $rc -eq 3 ] || fail "exit $rc, want 3: $(cat "$WORK/run.err")"
	jq -e '.aborted and (.reason | test("HTTP 404"))' "$WORK/run.json" >/dev/null || fail "summary: $(cat "$WORK/run.json")"
}

# Detached: the CLI returns with the id, the experiment works on its own
# and ends by itself at its deadline, leaving nothing.
t_run_detach_ends_at_deadline() {
	local id out
	sys_setup
	tcp_server
	out=$("$FL" run --detach "$(exp_file bg 4s)" 2>"$WORK/err") || fail "run --detach exited $?: $(cat "$WORK/err")"
	id=$(echo "$out" | tail -1)
	[[ $id =~ ^[0-9a-f]{6}$ ]] || fail "last stdout line is not an id: '$out'"
	defer "'$FL' stop '$id' >/dev/null 2>&1"
	"$FL" --json status "$id" | jq -e '.detached' >/dev/null || fail "status: $("$FL" --json status "$id")"
	# Its counters are pinned for status; its links are the controller's alone.
	[ -e "/sys/fs/bpf/faultline/$id/f0" ] || fail "no counters pinned: $(ls "/sys/fs/bpf/faultline/$id")"
	! ls "/sys/fs/bpf/faultline/$id" | grep -q link || fail "links pinned: $(ls "/sys/fs/bpf/faultline/$id")"
	[ "$(sock_calls "$A" tcp "$PORT")" = ECONNREFUSED ] || fail "the detached experiment does not fault"
	for _ in $(seq 1 80); do
		[ -e "/run/faultline/$id" ] || break
		sleep 0.1
	done
	[ ! -e "/run/faultline/$id" ] || fail "still running 8 s after a 4 s experiment"
	[ "$(sock_calls "$A" tcp "$PORT")" = ok ] || fail "A still refused after the deadline"
	[ ! -e "/sys/fs/bpf/faultline/$id" ] || fail "pins left: $(ls "/sys/fs/bpf/faultline/$id")"
	[ -z "$(ours_attached)" ] || fail "left attached: $(ours_attached)"
}

t_run_dry_run_attaches_nothing() {
	local out
	sys_setup
	out=$("$FL" --json run --dry-run "$(exp_file dry 1m)") || fail "dry run exited $?"
	echo "$out" | jq -e '.dry_run and (.faults | length) == 2 and (.faults[0].attach | test("cgroup/connect4"))
		and (.faults[1].attach | test("tc egress")) and (.faults[1].plan.devices | length) > 0' >/dev/null ||
		fail "dry run: $out"
	[ -z "$(ours_attached)" ] || fail "attached: $(ours_attached)"
	[ -z "$("$FL" --json list | jq '.experiments[]')" ] || fail "a dry run is listed"
}

# Bad files: FILE:LINE:COL, exit 2, nothing attached or recorded.
t_run_bad_input_exit_2() {
	local f rc want
	sys_setup
	f=$(exp_file bad 1m)
	sed -i 's/protocol: udp/protocoll: udp/' "$f"
	rc=0; "$FL" run "$f" 2>"$WORK/err" || rc=$?
	[ $rc -eq 2 ] || fail "unknown key: exit $rc"
	want="$f:12:7:"
	grep -qF "$want" "$WORK/err" || fail "unknown key: no '$want' in: $(cat "$WORK/err")"
	f=$(exp_file long 2h)
	rc=0; "$FL" run "$f" 2>"$WORK/err" || rc=$?
	[ $rc -eq 2 ] && grep -q "over the cap of 1h" "$WORK/err" || fail "2h under the default cap: exit $rc: $(cat "$WORK/err")"
	"$FL" run --max-duration 3h --dry-run "$f" >/dev/null || fail "--max-duration 3h did not lift the cap"
	rc=0; "$FL" run "$WORK/nonexistent.yaml" 2>"$WORK/err" || rc=$?
	[ $rc -eq 2 ] || fail "missing file: exit $rc"
	rc=0; "$FL" run --cgroup /no/such/cgroup "$(exp_file other 1m)" 2>"$WORK/err" || rc=$?
	[ $rc -eq 2 ] || fail "missing target: exit $rc: $(cat "$WORK/err")"
	[ -z "$(ours_attached)" ] || fail "attached: $(ours_attached)"
	[ -z "$("$FL" --json list | jq '.experiments[]')" ] || fail "something is recorded"
}

# Two experiments on one target compose: the first one attached decides a
# call's errno; stopping it lets the second one's through.
t_run_two_experiments_one_target() {
	local id1
	sys_setup
	tcp_server
	fl_sys --call connect --errno EACCES --duration 60s
	local first=$FL_PID
	id1=$(run_id $first)
	fl_run "$(exp_file second 60s)"
	[ "$(sock_calls "$A" tcp "$PORT")" = EACCES ] || fail "the first experiment's errno did not win"
	"$FL" stop "$id1" >/dev/null
	[ "$(sock_calls "$A" tcp "$PORT")" = ECONNREFUSED ] || fail "the second experiment did not take over"
	kill -INT $FL_PID
	wait $FL_PID || true
	jq -e '.faults[0].matched == 1 and .faults[0].injected == 1' "$WORK/run.json" >/dev/null ||
		fail "the second counted a call the first failed: $(cat "$WORK/run.json")"
}

# The duration cap holds for the commands too, and the environment raises it.
t_run_cap_applies_to_commands() {
	local rc=0
	sys_setup
	"$FL" net drop --cgroup "$REL_A" --duration 2h 2>"$WORK/err" || rc=$?
	[ $rc -eq 2 ] && grep -q "over the cap of 1h" "$WORK/err" || fail "net drop 2h: exit $rc: $(cat "$WORK/err")"
	rc=0
	"$FL" sys fail --cgroup "$REL_A" --call connect --errno EIO --duration 61m 2>"$WORK/err" || rc=$?
	[ $rc -eq 2 ] && grep -q "FAULTLINE_MAX_DURATION" "$WORK/err" || fail "sys fail 61m: exit $rc: $(cat "$WORK/err")"
	FAULTLINE_MAX_DURATION=3h "$FL" net drop --cgroup "$REL_A" --duration 2h --dry-run >/dev/null 2>&1 ||
		fail "FAULTLINE_MAX_DURATION=3h did not lift the cap"
	[ -z "$(ours_attached)" ] || fail "attached: $(ours_attached)"
}

# The rails: faultline's own cgroup (or an ancestor of it) and the root
# are refused without --force, before anything attaches.
t_run_rails_refuse_own_cgroup_and_root() {
	local rc f
	sys_setup
	f=$(exp_file rails 1m)
	rc=0; in_cgroup "$A" "$FL" run --dry-run "$f" 2>"$WORK/err" >/dev/null || rc=$?
	[ $rc -eq 2 ] && grep -q "faultline itself runs in it" "$WORK/err" || fail "own cgroup: exit $rc: $(cat "$WORK/err")"
	rc=0; in_cgroup "$A" "$FL" sys fail --cgroup "${REL_A%/*}" --call connect --errno EIO --dry-run 2>"$WORK/err" >/dev/null || rc=$?
	[ $rc -eq 2 ] && grep -q "faultline itself runs in it" "$WORK/err" || fail "an ancestor: exit $rc: $(cat "$WORK/err")"
	rc=0; "$FL" run --dry-run --cgroup / "$f" 2>"$WORK/err" >/dev/null || rc=$?
	[ $rc -eq 2 ] && grep -q "root cgroup" "$WORK/err" || fail "root: exit $rc: $(cat "$WORK/err")"
	in_cgroup "$A" "$FL" run --dry-run --force "$f" >/dev/null 2>&1 || fail "--force did not accept the own cgroup"
	[ -z "$(ours_attached)" ] || fail "attached: $(ours_attached)"
}

# A fault that can never fire is allowed (it measures what would be hit)
# but said, the same way from the command line and from a file (issue 14,
# item 7). Before, both were silent.
t_run_probability_zero_is_said() {
	sys_setup
	"$FL" net drop --cgroup "$REL_A" --probability 0 --dry-run >/dev/null 2>"$WORK/cli.err" ||
		fail "dry run exited $?: $(cat "$WORK/cli.err")"
	grep -q "probability 0" "$WORK/cli.err" || fail "the command line was silent: $(cat "$WORK/cli.err")"
	cat >"$WORK/p0.yaml" <<YAML
name: p0
target: {cgroup: $REL_A}
duration: 5s
faults:
  - sys: {call: connect, errno: EIO, probability: 0%}
YAML
	"$FL" run --dry-run "$WORK/p0.yaml" >/dev/null 2>"$WORK/file.err" || fail "file dry run exited $?"
	grep -q "p0.yaml:5:5: sys fail connect EIO p=0%: probability 0" "$WORK/file.err" ||
		fail "the file was silent: $(cat "$WORK/file.err")"
}
