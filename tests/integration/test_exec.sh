# vm: debian
# faultline exec: CMD in a cgroup of its own with every fault live before
# its first instruction; its exit status, stdio and signals pass through;
# nothing of it stays (a daemon it left, its cgroup), not even when
# faultline is SIGKILLed.
# shellcheck shell=bash

# The one fault most tests need: connect refused, through cgroup sock hooks.
REFUSE=(--sys fail --call connect --errno ECONNREFUSED)

# faultline runs in FLCG, a cgroup of the test's own, so the cgroups exec
# makes below its own (the default) are the test's, apart from any other
# run's, and go with the test's tag whatever happens.
exec_setup() {
	WORK=$(mktemp -d)
	defer "rm -rf '$WORK'"
	defer "rmdir_cgroup '$(cg2_root)/$TEST_TAG'"
	FLCG=$(mk_cgroup fl)
	exec_cgroups >"$WORK/cgroups.before"
}

# fl ARGS...: faultline, in FLCG. flbg ARGS... &: the same for a background
# job, whose $! is then faultline's own pid (it execs: never in the foreground).
fl() {
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$FLCG" "$FL" "$@"
}
flbg() {
	exec sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$FLCG" "$FL" "$@"
}

# Every cgroup exec made in this test, wherever it is below the test's tag.
exec_cgroups() {
	find "$(cg2_root)/$TEST_TAG" -maxdepth 6 -type d -name 'faultline-exec-*' 2>/dev/null | sort
}

# Those made since exec_setup listed them into FILE.
exec_cgroups_new() {
	exec_cgroups | comm -13 "$1" -
}

# The last word of each test: exec left no cgroup behind (the defer then removes any).
nothing_left() {
	local left
	left=$(exec_cgroups_new "$WORK/cgroups.before")
	[ -z "$left" ] || fail "exec left cgroups behind: $(echo $left)"
}

# fx ARGS... -- CMD...: faultline exec, --json summary on stderr; sets RC.
fx() {
	RC=0
	fl --json exec "$@" 2>"$WORK/fx.err" || RC=$?
}

# The JSON summary fx's faultline wrote (the last line of its stderr that is one).
summary() {
	grep '^{' "$WORK/fx.err" | tail -1
}

# alive PID: a process that still runs (a zombie nobody reaped yet has ended).
alive() {
	[ -e "/proc/$1" ] && ! grep -q '^[^)]*) [ZX]' "/proc/$1/stat" 2>/dev/null
}

# flbg_sig ARGS... &: flbg with SIGINT and SIGQUIT at their defaults. A
# background job of a script starts with both ignored, and exec passes on
# the dispositions it was given, as env does, so CMD could not trap them.
flbg_sig() {
	exec python3 -c 'import os, signal, sys
open(sys.argv[1] + "/cgroup.procs", "w").write(str(os.getpid()))
for s in (signal.SIGINT, signal.SIGQUIT):
    signal.signal(s, signal.SIG_DFL)
os.execvp(sys.argv[2], sys.argv[2:])' "$FLCG" "$FL" "$@"
}

# first_call: $WORK/first, a static program whose very first system calls
# are the one tested (`first connect PORT`: a TCP connect; `first udp PORT`:
# one datagram to itself), so that it runs them within a millisecond of its
# exec, before any fault could be attached if faultline let it start early.
first_call() {
	command -v cc >/dev/null || skip "no C compiler for the first-instruction probe"
	cat >"$WORK/first.c" <<-'EOF'
	#include <arpa/inet.h>
	#include <errno.h>
	#include <stdio.h>
	#include <stdlib.h>
	#include <string.h>
	#include <sys/socket.h>
	#include <sys/time.h>
	#include <unistd.h>
	int main(int argc, char **argv)
	{
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };
		struct timeval tv = { 1, 0 };
		char buf[8];
		int r, s;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (!strcmp(argv[1], "connect")) {
			s = socket(AF_INET, SOCK_STREAM, 0);
			r = connect(s, (struct sockaddr *)&a, sizeof(a));
			printf("%s\n", r ? strerror(errno) : "ok");
			return 0;
		}
		r = socket(AF_INET, SOCK_DGRAM, 0);
		s = socket(AF_INET, SOCK_DGRAM, 0);
		if (bind(r, (struct sockaddr *)&a, sizeof(a)))
			return 2;
		sendto(s, "first", 5, 0, (struct sockaddr *)&a, sizeof(a));
		setsockopt(r, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		printf("%s\n", recv(r, buf, sizeof(buf), 0) > 0 ? "received" : "lost");
		return 0;
	}
	EOF
	cc -O2 -static -o "$WORK/first" "$WORK/first.c" 2>"$WORK/cc.err" ||
		cc -O2 -o "$WORK/first" "$WORK/first.c" || fail "cannot build the probe: $(cat "$WORK/cc.err")"
}

# What a first connect to PORT gives: "ok" or the errno's name.
CONNECT='
import errno, socket, sys
s = socket.socket()
try:
    s.connect(("127.0.0.1", int(sys.argv[1]))); print("ok")
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))'

t_exit_status_is_the_commands() {
	local s
	exec_setup
	for s in 0 1 42; do
		fx "${REFUSE[@]}" -- sh -c "exit $s"
		[ $RC -eq $s ] || fail "sh -c 'exit $s' under exec exited $RC: $(cat "$WORK/fx.err")"
		summary | jq -e --argjson s $s '.stopped_by == "command exited" and .exit_status == $s and
			.command.exit_code == $s and .command.signal == null' >/dev/null ||
			fail "summary for exit $s: $(summary)"
	done
	"$REPO/tests/tools/check_schema.py" experiment <(summary) || fail "the summary is not an experiment: $(summary)"
	nothing_left
}

t_signal_death_is_128_plus_n() {
	exec_setup
	fx "${REFUSE[@]}" -- sh -c 'kill -USR1 $$'
	[ $RC -eq 138 ] || fail "a CMD killed by SIGUSR1 gave $RC, not 128+10: $(cat "$WORK/fx.err")"
	summary | jq -e '.command.signal == 10 and .command.exit_code == null and .exit_status == 138' >/dev/null ||
		fail "summary: $(summary)"
	fx "${REFUSE[@]}" -- sh -c 'kill -KILL $$'
	[ $RC -eq 137 ] || fail "a CMD killed by SIGKILL gave $RC, not 128+9"
	nothing_left
}

# Bad input, or a fault that cannot attach: 125, and CMD never ran.
t_faultline_failure_is_125_and_cmd_never_ran() {
	exec_setup
	fx --sys fail --call connect --errno ENOSUCH -- touch "$WORK/ran"
	[ $RC -eq 125 ] || fail "bad input gave $RC: $(cat "$WORK/fx.err")"
	fx --sys fail --call connect -- touch "$WORK/ran"
	[ $RC -eq 125 ] || fail "a missing --errno gave $RC"
	fx "${REFUSE[@]}" --cgroup /x -- touch "$WORK/ran"
	[ $RC -eq 125 ] || fail "--cgroup in a fault gave $RC"
	fx "${REFUSE[@]}" --parent /no/such/cgroup -- touch "$WORK/ran"
	[ $RC -eq 125 ] || fail "a bad --parent gave $RC"
	# Past the cgroup and the child: the runner refuses a duration over the cap.
	fx --max-duration 1s "${REFUSE[@]}" --duration 1s -- touch "$WORK/ran"
	[ $RC -eq 0 ] || fail "a fault of 1s under a 1s cap gave $RC: $(cat "$WORK/fx.err")"
	rm -f "$WORK/ran"
	fx --duration 2h "${REFUSE[@]}" -- touch "$WORK/ran"
	[ $RC -eq 125 ] || fail "a duration over the cap gave $RC: $(cat "$WORK/fx.err")"
	[ ! -e "$WORK/ran" ] || fail "CMD ran although faultline failed"
	nothing_left
}

# A fault the kernel refuses at attach time (here: one whose mechanism is
# missing). Skips where the mechanism exists.
t_attach_failure_is_125_and_nothing_stays() {
	exec_setup
	fx --sys fail --call fsync --errno EIO --mechanism kprobe -- touch "$WORK/ran"
	[ $RC -eq 0 ] && skip "this kernel can kprobe fsync: no attach failure to see"
	[ $RC -eq 125 ] || fail "an attach failure gave $RC: $(cat "$WORK/fx.err")"
	[ ! -e "$WORK/ran" ] || fail "CMD ran although its fault did not attach"
	nothing_left
}

# Past the child and the record: the runner cannot write its record (a
# read-only /run/faultline, in the namespaces run.sh gives the tests).
t_record_failure_is_125_and_nothing_stays() {
	needs_private_state
	exec_setup
	# run.sh's own tmpfs on the host; in a VM, one laid over for the test.
	if mount -o remount,ro /run/faultline 2>/dev/null; then
		defer "mount -o remount,rw /run/faultline"
		fx "${REFUSE[@]}" -- touch "$WORK/ran"
		mount -o remount,rw /run/faultline
	else
		mkdir -p /run/faultline && mount -t tmpfs -o ro,mode=0700 tmpfs /run/faultline || skip "cannot make /run/faultline read-only"
		defer "umount /run/faultline"
		fx "${REFUSE[@]}" -- touch "$WORK/ran"
		umount /run/faultline
	fi
	[ $RC -eq 125 ] || fail "a record that cannot be written gave $RC: $(cat "$WORK/fx.err")"
	grep -q "cannot record" "$WORK/fx.err" || fail "no word on it: $(cat "$WORK/fx.err")"
	[ ! -e "$WORK/ran" ] || fail "CMD ran although faultline failed"
	nothing_left
}

t_not_found_127_not_executable_126() {
	exec_setup
	fx "${REFUSE[@]}" -- no-such-command-here
	[ $RC -eq 127 ] || fail "a missing CMD gave $RC"
	grep -q "command not found" "$WORK/fx.err" || fail "no word on it: $(cat "$WORK/fx.err")"
	printf '#!/bin/sh\ntouch %s/ran\n' "$WORK" >"$WORK/noexec"
	chmod 644 "$WORK/noexec"
	fx "${REFUSE[@]}" -- "$WORK/noexec"
	[ $RC -eq 126 ] || fail "a CMD without x bit gave $RC"
	fx "${REFUSE[@]}" -- "$WORK"
	[ $RC -eq 126 ] || fail "a directory as CMD gave $RC"
	[ ! -e "$WORK/ran" ] || fail "the non-executable CMD ran"
	nothing_left
}

# CMD's stdin and stdout are its own; faultline writes to stderr only.
t_stdin_stdout_stderr_pass() {
	exec_setup
	seq 1 20000 >"$WORK/in"
	RC=0
	fl exec "${REFUSE[@]}" -- cat <"$WORK/in" >"$WORK/out" 2>"$WORK/err" || RC=$?
	[ $RC -eq 0 ] || fail "cat exited $RC: $(cat "$WORK/err")"
	cmp -s "$WORK/in" "$WORK/out" || fail "stdout is not what went in: $(head -c 300 "$WORK/out")"
	grep -q "attached to" "$WORK/err" || fail "faultline said nothing on stderr: $(cat "$WORK/err")"
	# And through a pipe, with CMD's stderr beside faultline's.
	echo hello | fl exec "${REFUSE[@]}" -- sh -c 'cat; echo oops >&2' >"$WORK/out" 2>"$WORK/err" ||
		fail "the pipe failed"
	[ "$(cat "$WORK/out")" = hello ] || fail "stdout through a pipe: $(cat "$WORK/out")"
	grep -qx oops "$WORK/err" || fail "CMD's stderr is lost: $(cat "$WORK/err")"
	nothing_left
}

# SIGTERM (or SIGINT) sent to faultline reaches CMD; faultline waits for it.
t_signals_reach_cmd() {
	local sig pid rc
	exec_setup
	for sig in TERM INT HUP; do
		rm -f "$WORK/ready"
		flbg_sig --json exec "${REFUSE[@]}" -- \
			bash -c "trap 'exit 7' $sig; touch $WORK/ready; while :; do sleep 0.05; done" 2>"$WORK/fx.err" &
		pid=$!
		defer "kill -9 $pid 2>/dev/null"
		wait_for test -e "$WORK/ready" || fail "CMD did not start: $(cat "$WORK/fx.err")"
		kill -$sig $pid
		rc=0
		for _ in $(seq 1 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
		kill -0 $pid 2>/dev/null && fail "SIG$sig to faultline: still running 5 s later: $(cat "$WORK/fx.err")"
		wait $pid || rc=$?
		[ $rc -eq 7 ] || fail "SIG$sig to faultline: exec exited $rc, not CMD's 7: $(cat "$WORK/fx.err")"
		summary | jq -e --arg s "SIG$sig passed on" '.stopped_by == "command exited" and
			.command.exit_code == 7 and (.reason | contains($s))' >/dev/null || fail "summary after SIG$sig: $(summary)"
	done
	nothing_left
}

# A terminal's Ctrl-C goes to its foreground process group, CMD included:
# CMD gets it once, not once more from faultline. script(1) gives a pty.
t_terminal_ctrl_c_reaches_cmd_once() {
	local rc=0
	command -v script >/dev/null || skip "no script(1) (bsdutils)"
	exec_setup
	# script runs $SHELL -c, which (bash) execs faultline: the pty's foreground group is faultline's.
	( wait_for test -e "$WORK/ready"; printf '\003'; sleep 4 ) |
		SHELL=/bin/bash script -qec "echo \$\$ >$FLCG/cgroup.procs && exec $FL exec ${REFUSE[*]} -- bash -c 'trap \"echo int >>$WORK/ints\" INT;
			touch $WORK/ready; for i in \$(seq 1 40); do sleep 0.05; done; exit 5'" \
			/dev/null >"$WORK/tty" 2>&1 || rc=$?
	[ $rc -eq 5 ] || fail "exec under a terminal exited $rc, not CMD's 5: $(cat "$WORK/tty")"
	[ "$(cat "$WORK/ints" 2>/dev/null)" = int ] ||
		fail "CMD saw $(wc -l <"$WORK/ints" 2>/dev/null || echo 0) SIGINTs for one Ctrl-C: $(cat "$WORK/tty")"
	# Two at once would be one pending signal to CMD: faultline's summary says what it passed on.
	! grep -q "passed on" "$WORK/tty" || fail "faultline passed the terminal's SIGINT on: $(cat "$WORK/tty")"
	nothing_left
}

# The very first connect of CMD, and of what it forks, is refused.
t_fault_live_before_first_instruction() {
	exec_setup
	tcp_server
	first_call
	[ "$("$WORK/first" connect "$PORT")" = ok ] || fail "cannot connect without faultline"
	for _ in 1 2 3; do
		fl exec "${REFUSE[@]}" -- "$WORK/first" connect "$PORT" >"$WORK/out" 2>"$WORK/fx.err" ||
			fail "exec failed: $(cat "$WORK/fx.err")"
		[ "$(cat "$WORK/out")" = "Connection refused" ] || fail "CMD's first connect gave $(cat "$WORK/out")"
	done
	fl exec "${REFUSE[@]}" -- sh -c "sh -c '$WORK/first connect $PORT'" >"$WORK/out" 2>"$WORK/fx.err"
	[ "$(cat "$WORK/out")" = "Connection refused" ] || fail "a grandchild's first connect gave $(cat "$WORK/out")"
	fx "${REFUSE[@]}" -- python3 -c "$CONNECT" "$PORT"
	[ $RC -eq 0 ] || fail "exec exited $RC: $(cat "$WORK/fx.err")"
	summary | jq -e '.faults[0].matched == 1 and .faults[0].injected == 1' >/dev/null || fail "summary: $(summary)"
	[ "$("$WORK/first" connect "$PORT")" = ok ] || fail "still refused after exec"
	nothing_left
}

# The first UDP datagram CMD sends is dropped (egress on lo, in the test's netns).
t_first_udp_datagram_dropped() {
	local port=19917
	exec_setup
	first_call
	[ "$("$WORK/first" udp $port)" = received ] || fail "the datagram is lost without faultline"
	for _ in 1 2 3; do
		fl exec --net drop --direction egress --protocol udp --port $port -- "$WORK/first" udp $port \
			>"$WORK/udp" 2>"$WORK/fx.err" || fail "exec failed: $(cat "$WORK/fx.err")"
		[ "$(cat "$WORK/udp")" = lost ] || fail "the first datagram was $(cat "$WORK/udp"): $(cat "$WORK/fx.err")"
	done
	nothing_left
}

# A daemon CMD leaves behind (own session, double fork) is killed; the cgroup goes.
t_leftover_daemon_killed_cgroup_gone() {
	local d cg
	exec_setup
	fx "${REFUSE[@]}" -- sh -c "setsid sh -c 'echo \$\$ >$WORK/daemon; exec sleep 300' </dev/null >/dev/null 2>&1 &
		for i in \$(seq 1 100); do [ -s $WORK/daemon ] && exit 3; sleep 0.05; done; exit 9"
	[ $RC -eq 3 ] || fail "CMD exited $RC: $(cat "$WORK/fx.err")"
	d=$(cat "$WORK/daemon")
	defer "kill -9 $d 2>/dev/null"
	cg=$(summary | jq -r .command.cgroup)
	[ -n "$cg" ] && [ "$cg" != null ] || fail "no cgroup in the summary: $(summary)"
	! alive "$d" || fail "the daemon $d outlived exec (in $(sed -n 's/^0:://p' "/proc/$d/cgroup"))"
	[ ! -d "$cg" ] || fail "the cgroup $cg is still there"
	summary | jq -e '.reason | test("1 process it left behind was killed")' >/dev/null ||
		fail "the summary does not say: $(summary)"
	nothing_left
}

# --parent: the cgroup is made below it, and goes.
t_parent_places_the_cgroup() {
	local p
	exec_setup
	p=$(mk_cgroup parent)
	fl exec --parent "$p" "${REFUSE[@]}" -- cat /proc/self/cgroup >"$WORK/cg" 2>"$WORK/fx.err" ||
		fail "exec --parent failed: $(cat "$WORK/fx.err")"
	grep -q "^0::${p#"$(cg2_root)"}/faultline-exec-[0-9a-f]\{6\}$" "$WORK/cg" || fail "CMD ran in $(cat "$WORK/cg")"
	[ -z "$(find "$p" -mindepth 1 -type d)" ] || fail "left below $p: $(find "$p" -mindepth 1)"
	nothing_left
}

# At the deadline CMD gets SIGTERM, and SIGKILL --kill-after later: exit 124.
t_deadline_sigterm_then_sigkill() {
	local t0 t1
	exec_setup
	t0=$(date +%s.%N)
	fx --duration 1s --kill-after 1s "${REFUSE[@]}" -- \
		bash -c "trap 'echo term >>$WORK/log' TERM; while :; do sleep 0.05; done"
	t1=$(date +%s.%N)
	[ $RC -eq 124 ] || fail "exec exited $RC at the deadline: $(cat "$WORK/fx.err")"
	[ "$(cat "$WORK/log" 2>/dev/null)" = term ] || fail "CMD got no SIGTERM: $(cat "$WORK/log" 2>/dev/null)"
	awk -v a="$t0" -v b="$t1" 'BEGIN { d = b - a; exit !(d >= 1.9 && d < 5) }' ||
		fail "it took $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')s, not 1s + 1s"
	summary | jq -e '.stopped_by == "deadline" and .exit_status == 124 and .command.signal == 9
		and (.reason | test("got SIGTERM; it was killed by SIGKILL"))' >/dev/null || fail "summary: $(summary)"
	# One that ends on SIGTERM ends there, and the deadline still says 124.
	fx --duration 1s "${REFUSE[@]}" -- bash -c "trap 'exit 0' TERM; while :; do sleep 0.05; done"
	[ $RC -eq 124 ] || fail "a CMD that exits 0 on the deadline's SIGTERM gave $RC"
	summary | jq -e '.command.exit_code == 0 and .stopped_by == "deadline"' >/dev/null || fail "summary: $(summary)"
	nothing_left
}

# stop --all: every fault inert at once, and CMD ended as at the deadline (124).
t_stop_all_ends_cmd() {
	local pid rc=0
	needs_private_state
	exec_setup
	flbg --json exec "${REFUSE[@]}" -- bash -c "touch $WORK/ready; while :; do sleep 0.05; done" \
		2>"$WORK/fx.err" &
	pid=$!
	defer "kill -9 $pid 2>/dev/null"
	wait_for test -e "$WORK/ready" || fail "CMD did not start: $(cat "$WORK/fx.err")"
	"$FL" stop --all >/dev/null || fail "stop --all failed"
	kill -0 $pid 2>/dev/null && fail "exec still runs after stop --all returned"
	wait $pid || rc=$?
	[ $rc -eq 124 ] || fail "exec exited $rc after stop --all: $(cat "$WORK/fx.err")"
	summary | jq -e '.stopped_by == "stop --all" and .exit_status == 124' >/dev/null || fail "summary: $(summary)"
	nothing_left
}

# faultline SIGKILLed: its watchdog kills CMD and what it forked, and removes the cgroup.
t_sigkill_faultline_watchdog_cleans() {
	local pid d c cg id
	exec_setup
	flbg exec "${REFUSE[@]}" -- sh -c "setsid sh -c 'echo \$\$ >$WORK/daemon; exec sleep 300' </dev/null >/dev/null 2>&1 &
		echo \$\$ >$WORK/cmd; exec sleep 300" 2>"$WORK/fx.err" &
	pid=$!
	defer "kill -9 $pid 2>/dev/null"
	wait_for test -s "$WORK/daemon" || fail "CMD did not start: $(cat "$WORK/fx.err")"
	wait_for test -s "$WORK/cmd" || fail "CMD did not start"
	d=$(cat "$WORK/daemon") c=$(cat "$WORK/cmd")
	defer "kill -9 $d $c 2>/dev/null"
	cg=$(cg2_root)$(sed -n 's/^0:://p' "/proc/$d/cgroup")
	case $cg in */faultline-exec-*) ;; *) fail "the daemon runs in $cg" ;; esac
	id=$(sed -n 's/.*experiment \([0-9a-f]*\) .*attached.*/\1/p' "$WORK/fx.err")
	kill -9 $pid
	wait $pid 2>/dev/null || true
	for _ in $(seq 1 50); do
		! alive "$d" && ! alive "$c" && [ ! -d "$cg" ] && break
		sleep 0.1
	done
	! alive "$d" && ! alive "$c" && [ ! -d "$cg" ] ||
		fail "5 s after faultline's SIGKILL: daemon $(alive "$d" && echo alive || echo gone), cmd $(alive "$c" && echo alive || echo gone), cgroup $([ -d "$cg" ] && echo there || echo gone)"
	wait_for test -d "/run/faultline/ended/$id" || fail "no ended record for $id"
	grep -q '^stopped_by controller died$' "/run/faultline/ended/$id/state" || fail "record: $(cat "/run/faultline/ended/$id/state")"
	nothing_left
}

# faultline SIGKILLed before CMD started (its child waits in the cgroup for
# the faults): the child sees its pipe end, leaves the cgroup and removes it.
# Caught by stopping faultline the moment its cgroup appears, while the
# child in it is still faultline's image; a few tries, as that is a race.
t_sigkill_before_cmd_started_child_cleans() {
	local pid cg child caught= until=$((SECONDS + 60))
	exec_setup
	# Bounded in time as in tries: under TCG one poll takes long enough that
	# 20 x 2000 of them outran the suite's 180 s (the Debian VM).
	for _ in $(seq 1 20); do
		[ $SECONDS -lt $until ] || break
		flbg exec "${REFUSE[@]}" -- touch "$WORK/ran" 2>/dev/null &
		pid=$!
		cg=
		for _ in $(seq 1 2000); do
			cg=$(exec_cgroups_new "$WORK/cgroups.before" | head -1)
			[ -n "$cg" ] || [ $SECONDS -ge $until ] && break
		done
		kill -STOP $pid 2>/dev/null || { wait $pid 2>/dev/null || true; rm -f "$WORK/ran"; continue; }
		child=$(head -1 "$cg/cgroup.procs" 2>/dev/null)
		if [ -n "$child" ] && [ "$(readlink "/proc/$child/exe")" = "$(readlink -f "$FL")" ] && [ ! -e "$WORK/ran" ]; then
			caught=$child
			kill -9 $pid
			wait $pid 2>/dev/null || true
			break
		fi
		kill -CONT $pid
		wait $pid 2>/dev/null || true
		rm -f "$WORK/ran"
	done
	[ -n "$caught" ] || skip "never caught faultline between its cgroup and CMD's start in 20 tries or 60 s"
	for _ in $(seq 1 50); do [ ! -d "$cg" ] && ! alive "$caught" && break; sleep 0.1; done
	[ ! -d "$cg" ] || fail "the cgroup $cg stayed after faultline died before CMD started"
	! alive "$caught" || fail "the waiting child $caught outlived faultline"
	[ ! -e "$WORK/ran" ] || fail "CMD ran after faultline died before the faults were live"
	nothing_left
}

# An experiment file's faults; its target is ignored, with a note.
t_experiment_file_target_ignored() {
	exec_setup
	tcp_server
	cat >"$WORK/e.yaml" <<-EOF
	name: refuse-connect
	target:
	  cgroup: /no/such/cgroup
	duration: 30s
	faults:
	  - sys:
	      call: connect
	      errno: ECONNREFUSED
	EOF
	fl exec -f "$WORK/e.yaml" -- python3 -c "$CONNECT" "$PORT" >"$WORK/out" 2>"$WORK/fx.err" ||
		fail "exec -f failed: $(cat "$WORK/fx.err")"
	[ "$(cat "$WORK/out")" = ECONNREFUSED ] || fail "the file's fault did not apply: $(cat "$WORK/out")"
	grep -q "its target (/no/such/cgroup) is ignored" "$WORK/fx.err" || fail "no note: $(cat "$WORK/fx.err")"
	grep -q "(refuse-connect)" "$WORK/fx.err" || fail "not named after the file: $(cat "$WORK/fx.err")"
	nothing_left
}

# --dry-run: CMD does not run, nothing stays.
t_dry_run_runs_nothing() {
	exec_setup
	fl --json exec --dry-run "${REFUSE[@]}" -- touch "$WORK/ran" >"$WORK/dry.json" 2>"$WORK/fx.err" ||
		fail "dry run failed: $(cat "$WORK/fx.err")"
	[ ! -e "$WORK/ran" ] || fail "CMD ran in a dry run"
	jq -e '.dry_run and (.command.line | endswith("/ran"))' "$WORK/dry.json" >/dev/null || fail "dry run: $(cat "$WORK/dry.json")"
	"$REPO/tests/tools/check_schema.py" experiment "$WORK/dry.json" || fail "not an experiment"
	nothing_left
}

# --report and --seed: the JUnit has a testcase for CMD's exit (failed when
# CMD exits non-zero, passed when 0) and the seed as a suite property; the
# summary names the seed; exec's status stays CMD's.
t_report_junit_command_case_and_seed() {
	exec_setup
	tcp_server
	# shellcheck disable=SC2016 # CMD's own $1 and $2
	fx --report "$WORK/r.xml" --seed 7 "${REFUSE[@]}" -- \
		sh -c 'python3 -c "$1" "$2"; exit 3' sh "$CONNECT" "$PORT"
	[ $RC -eq 3 ] || fail "exec exited $RC, want CMD's 3: $(cat "$WORK/fx.err")"
	summary | jq -e '.seed == 7 and .command.exit_code == 3 and .exit_status == 3
		and .stopped_by == "command exited" and .verdict == "passed" and .faults[0].injected == 1' \
		>/dev/null || fail "summary: $(summary)"
	summary >"$WORK/s.json"
	"$REPO/tests/tools/check_schema.py" experiment "$WORK/s.json" || fail "the summary is not in the schema"
	"$REPO/tests/tools/report_summary.py" junit "$WORK/r.xml" >"$WORK/j.json" ||
		fail "the JUnit report does not read: $(cat "$WORK/r.xml")"
	jq -e '.tests == 2 and .failures == 1 and .errors == 0 and .properties.seed == "7"
		and .cases[0].result == "passed" and (.cases[0].properties.injected == "1")
		and (.cases[1].name | startswith("command: sh -c "))
		and .cases[1].result == "failure" and (.cases[1].message | test("exited with status 3"))
		and (.cases[1].out | test("exit status: 3"))' "$WORK/j.json" >/dev/null ||
		fail "JUnit: $(cat "$WORK/j.json")"
	fx --report "$WORK/ok.xml" --seed 7 "${REFUSE[@]}" -- true
	[ $RC -eq 0 ] || fail "exec of true exited $RC: $(cat "$WORK/fx.err")"
	fx --report "$WORK/ok.json" "${REFUSE[@]}" -- true
	"$REPO/tests/tools/check_schema.py" experiment "$WORK/ok.json" || fail "the JSON report is not in the schema"
	jq -e '.command.exit_code == 0 and .stopped_by == "command exited" and (.timeline | type) == "object"' \
		"$WORK/ok.json" >/dev/null || fail "JSON report: $(cat "$WORK/ok.json")"
	"$REPO/tests/tools/report_summary.py" junit "$WORK/ok.xml" >"$WORK/j.json" || fail "ok.xml does not read"
	jq -e '.tests == 2 and .failures == 0 and .cases[1].name == "command: true"
		and .cases[1].result == "passed" and .properties.seed == "7"' "$WORK/j.json" >/dev/null ||
		fail "JUnit of a passing CMD: $(cat "$WORK/j.json")"
	nothing_left
}

# exec_hyp_file NAME STEADY_STATE: an experiment file that refuses connects,
# with that steady state (a file needs a target; exec ignores it).
exec_hyp_file() {
	printf 'name: %s\ntarget: {unit: ignored.service}\nduration: 30s\nfaults:\n  - sys: {call: connect, errno: ECONNREFUSED}\nsteady_state:\n%s\n' \
		"$1" "$2" >"$WORK/$1.yaml"
	echo "$WORK/$1.yaml"
}

# A file's hypothesis around CMD: the baseline's checks all come before
# CMD's first instruction, the recovery's after CMD's end; every phase and
# CMD's exit are testcases.
t_steady_state_baseline_before_cmd_recovery_after() {
	local f
	exec_setup
	f=$(exec_hyp_file around "  command: date +%s%N >>$WORK/checks
  interval: 200ms
  baseline: 1s
  recovery: 2s")
	fx --report "$WORK/r.xml" -f "$f" -- sh -c "date +%s%N >$WORK/start; sleep 1; date +%s%N >$WORK/end"
	[ $RC -eq 0 ] || fail "exec exited $RC: $(cat "$WORK/fx.err")"
	summary | jq -e '.verdict == "passed" and .phases.baseline.result == "passed"
		and .phases.baseline.checks >= 3 and .phases.during.result == "passed"
		and .phases.recovery.result == "passed" and .stopped_by == "command exited"' >/dev/null ||
		fail "summary: $(summary)"
	# The baseline's checks (1 s of them) all before CMD started, and at least one check after its end.
	python3 - "$WORK/checks" "$WORK/start" "$WORK/end" <<-'EOF' || fail "checks against CMD's run: $(cat "$WORK/checks")"
	import sys
	checks = [int(l) for l in open(sys.argv[1])]
	start, end = int(open(sys.argv[2]).read()), int(open(sys.argv[3]).read())
	before = [c for c in checks if c < start]
	assert len(before) >= 3 and start - checks[0] >= 0.9e9, (len(before), start - checks[0])
	assert any(c > end for c in checks), "no check after CMD ended"
	EOF
	"$REPO/tests/tools/report_summary.py" junit "$WORK/r.xml" >"$WORK/j.json" || fail "r.xml does not read"
	jq -e '.tests == 5 and .failures == 0 and .skipped == 0 and ([.cases[].name] | .[0] == "baseline"
		and .[2] == "steady state during the faults" and .[3] == "recovery"
		and (.[4] | startswith("command: sh -c")))' "$WORK/j.json" >/dev/null ||
		fail "JUnit: $(cat "$WORK/j.json")"
	nothing_left
}

# The verdict and exec's status are apart: a failed baseline means CMD never
# runs (124, its testcase skipped); a recovery that fails after CMD exited 0
# leaves exec's status 0, and the report fails the recovery.
t_hypothesis_verdict_apart_from_exit_status() {
	local f
	exec_setup
	f=$(exec_hyp_file sick "  command: test -e $WORK/healthy
  interval: 200ms
  baseline: 1s")
	fx --report "$WORK/b.xml" -f "$f" -- touch "$WORK/ran"
	[ $RC -eq 124 ] || fail "a failed baseline: exec exited $RC, want 124: $(cat "$WORK/fx.err")"
	[ ! -e "$WORK/ran" ] || fail "CMD ran though the baseline failed"
	summary | jq -e '.verdict == "failed" and .failed_rule == "baseline" and .exit_status == 124
		and .command.exit_code == null' >/dev/null || fail "summary: $(summary)"
	"$REPO/tests/tools/report_summary.py" junit "$WORK/b.xml" >"$WORK/j.json" || fail "b.xml does not read"
	jq -e '.cases[0].result == "failure" and .cases[-1].result == "skipped"
		and (.cases[-1].message | test("before it started \\(baseline\\)"))' "$WORK/j.json" >/dev/null ||
		fail "JUnit: $(cat "$WORK/j.json")"
	f=$(exec_hyp_file stuck "  command: test ! -e $WORK/broken
  interval: 200ms
  failures: 1000
  recovery: 1s")
	fx --report "$WORK/r.xml" -f "$f" -- sh -c "touch $WORK/broken; sleep 0.5"
	[ $RC -eq 0 ] || fail "CMD exited 0, exec $RC: $(cat "$WORK/fx.err")"
	summary | jq -e '.verdict == "failed" and .failed_rule == "recovery" and .exit_status == 0
		and .command.exit_code == 0 and (.reason | test("not healthy again"))' >/dev/null ||
		fail "summary: $(summary)"
	"$REPO/tests/tools/report_summary.py" junit "$WORK/r.xml" >"$WORK/j.json" || fail "r.xml does not read"
	jq -e '.failures == 1 and (.cases[] | select(.name == "recovery") | .result) == "failure"
		and .cases[-1].result == "passed"' "$WORK/j.json" >/dev/null || fail "JUnit: $(cat "$WORK/j.json")"
	nothing_left
}

# A signal during the baseline (CMD waits, nothing is attached yet) ends the
# run at once: CMD never runs, exec exits 128+N, nothing stays.
t_signal_during_baseline_cmd_never_runs() {
	local f pid rc=0
	exec_setup
	f=$(exec_hyp_file wait "  command: true
  interval: 200ms
  baseline: 20s")
	flbg_sig --json exec -f "$f" -- touch "$WORK/ran" 2>"$WORK/fx.err" &
	pid=$!
	defer "kill -9 $pid 2>/dev/null"
	wait_for grep -q 'baseline: checking' "$WORK/fx.err" || fail "no baseline: $(cat "$WORK/fx.err")"
	kill -TERM $pid
	for _ in $(seq 1 30); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	kill -0 $pid 2>/dev/null && fail "SIGTERM in the baseline: still running 3 s later: $(cat "$WORK/fx.err")"
	wait $pid || rc=$?
	[ $rc -eq 143 ] || fail "SIGTERM in the baseline: exec exited $rc, want 143: $(cat "$WORK/fx.err")"
	[ ! -e "$WORK/ran" ] || fail "CMD ran after a signal in the baseline"
	summary | jq -e '.stopped_by == "stopped" and .verdict == "stopped" and .exit_status == 143
		and .phases.baseline.result == "stopped" and .command.exit_code == null' >/dev/null ||
		fail "summary: $(summary)"
	nothing_left
}

# ---------------------------------------------------------------------------
# sys delay: CMD's chosen calls held through seccomp user notification.

# A CMD that times calls: `python3 $WORK/timed.py SPEC...`, one line per
# call, "NAME MS". SPEC is fsync:N, getpid:N, write:N (on a file in
# $WORK/files), open:PATH (openat, relative to $WORK/files), fsyncat:FILE
# (fsync of a file opened there).
timed_py() {
	mkdir -p "$WORK/files/in" "$WORK/files/out"
	cat >"$WORK/timed.py" <<-'EOF'
	import os, sys, time
	os.chdir(sys.argv[1])
	data = os.open("in/data", os.O_WRONLY | os.O_CREAT, 0o644)
	def timed(name, f, *a):
	    t = time.monotonic_ns(); f(*a)
	    print(name, (time.monotonic_ns() - t) / 1e6, flush=True)
	for spec in sys.argv[2:]:
	    name, arg = spec.split(":", 1)
	    if name == "fsync":
	        for _ in range(int(arg)): timed(name, os.fsync, data)
	    elif name == "getpid":
	        for _ in range(int(arg)): timed(name, os.getpid)
	    elif name == "write":
	        for _ in range(int(arg)): timed(name, os.write, data, b"x")
	    elif name == "open":
	        timed("open " + arg, lambda: os.close(os.open(arg, os.O_WRONLY | os.O_CREAT, 0o644)))
	    elif name == "fsyncat":
	        fd = os.open(arg, os.O_WRONLY | os.O_CREAT, 0o644); timed("fsyncat " + arg, os.fsync, fd)
	    elif name == "sleep":
	        time.sleep(float(arg))
	EOF
}

# ms_of NAME FILE: the times of the calls called NAME, one a line.
ms_of() { awk -v n="$1" '{ m = $NF; $NF = ""; sub(/ $/, "") } $0 == n { print m }' "$2"; }

# Each of 20 fsyncs waits >= 50 ms; getpid and write, not chosen, do not.
t_sys_delay_holds_each_chosen_call() {
	local n
	exec_setup
	timed_py
	fx --sys delay --call fsync --delay 50ms -- python3 "$WORK/timed.py" "$WORK/files" \
		fsync:20 getpid:200 write:200 >"$WORK/t"
	[ $RC -eq 0 ] || fail "exec exited $RC: $(cat "$WORK/fx.err")"
	n=$(ms_of fsync "$WORK/t" | awk '$1 >= 50' | wc -l)
	[ "$n" -eq 20 ] || fail "$n of 20 fsyncs took >= 50 ms: $(ms_of fsync "$WORK/t" | sort -g | head -3 | paste -sd' ')"
	ms_of fsync "$WORK/t" | awk '$1 > 1000 { bad = 1 } END { exit bad }' ||
		fail "an fsync took over 1 s: $(ms_of fsync "$WORK/t" | sort -g | tail -1)"
	for c in getpid write; do
		ms_of $c "$WORK/t" | sort -g | awk '{ v[NR] = $1 } END { exit !(NR == 200 && v[int(NR / 2)] < 2) }' ||
			fail "unchosen $c was held: median $(ms_of $c "$WORK/t" | sort -g | sed -n 100p) ms"
	done
	summary | jq -e '.faults[0] | .action == "delay" and .mechanism == "seccomp" and .matched == 20
		and .injected == 20 and .counters.delay_ns >= 20 * 50000000
		and .options.delay_ns == 50000000' >/dev/null || fail "summary: $(summary)"
	"$REPO/tests/tools/check_schema.py" experiment <(summary) || fail "the summary is not an experiment"
	nothing_left
}

# Calls of several threads wait at once, each for its own delay: a queue, not a sleep per call.
t_sys_delay_holds_calls_concurrently() {
	local t0 t1
	exec_setup
	cat >"$WORK/threads.py" <<-'EOF'
	import os, sys, threading, time
	fds = [os.open(f"{sys.argv[1]}/f{i}", os.O_WRONLY | os.O_CREAT, 0o644) for i in range(8)]
	ms = []
	def one(fd):
	    t = time.monotonic_ns(); os.fsync(fd); ms.append((time.monotonic_ns() - t) / 1e6)
	ts = [threading.Thread(target=one, args=(fd,)) for fd in fds]
	t = time.monotonic_ns()
	for x in ts: x.start()
	for x in ts: x.join()
	print((time.monotonic_ns() - t) / 1e6, min(ms))
	EOF
	fx --sys delay --call fsync --delay 200ms -- python3 "$WORK/threads.py" "$WORK" >"$WORK/t"
	[ $RC -eq 0 ] || fail "exec exited $RC: $(cat "$WORK/fx.err")"
	awk '{ exit !($1 >= 200 && $1 < 1000 && $2 >= 200) }' "$WORK/t" ||
		fail "8 threads' fsyncs of 200 ms: all done after $(cut -d' ' -f1 "$WORK/t") ms, the shortest $(cut -d' ' -f2 "$WORK/t") ms (not 200 to 1000)"
	summary | jq -e '.faults[0].injected == 8' >/dev/null || fail "summary: $(summary)"
}

# --jitter: every delay within [delay - jitter, delay + jitter] (plus the
# machine's lateness), and spread over it, not one value.
t_sys_delay_jitter_spreads_within_bounds() {
	exec_setup
	timed_py
	fx --sys delay --call fsync --delay 40ms --jitter 20ms -- python3 "$WORK/timed.py" "$WORK/files" \
		fsync:40 >"$WORK/t"
	[ $RC -eq 0 ] || fail "exec exited $RC: $(cat "$WORK/fx.err")"
	ms_of fsync "$WORK/t" | sort -g >"$WORK/ms"
	awk 'NR == 1 { lo = $1 } { hi = $1 } END { exit !(NR == 40 && lo >= 20 && hi < 60 + 40 && hi - lo >= 15) }' "$WORK/ms" ||
		fail "40 fsyncs at 40ms +-20ms took $(head -1 "$WORK/ms") to $(tail -1 "$WORK/ms") ms"
	# Below the delay and above it: both halves of the spread are used.
	[ "$(awk '$1 < 40' "$WORK/ms" | wc -l)" -ge 5 ] && [ "$(awk '$1 >= 45' "$WORK/ms" | wc -l)" -ge 5 ] ||
		fail "the spread is one-sided: $(paste -sd' ' "$WORK/ms")"
}

# --path: only calls on files under the prefix wait, by descriptor (fsync)
# and by path (openat: absolute, relative, through ..).
t_sys_delay_path_only_under_prefix() {
	local in
	exec_setup
	in=$WORK/files/in
	timed_py
	fx --sys delay --call fsync,openat --delay 50ms --path "$in" -- python3 "$WORK/timed.py" \
		"$WORK/files" fsyncat:in/a fsyncat:out/b open:in/c open:out/c open:out/../in/d \
		open:"$in/e" open:"$WORK/files/inside" >"$WORK/t"
	[ $RC -eq 0 ] || fail "exec exited $RC: $(cat "$WORK/fx.err")"
	for c in "fsyncat in/a" "open in/c" "open out/../in/d" "open $in/e"; do
		ms_of "$c" "$WORK/t" | awk '{ exit !($1 >= 50) }' || fail "$c under --path was not held: $(cat "$WORK/t")"
	done
	for c in "fsyncat out/b" "open out/c" "open $WORK/files/inside"; do
		ms_of "$c" "$WORK/t" | awk '{ exit !($1 < 40) }' || fail "$c outside --path was held: $(cat "$WORK/t")"
	done
	# Held: the script's own open of in/data, fsyncat in/a's open and fsync, 3 opens.
	summary | jq -e '.faults[0].injected == 6' >/dev/null || fail "summary: $(summary)"
	fx --sys delay --call getpid --delay 5ms --path "$in" -- true
	[ $RC -eq 125 ] && grep -q "no argument of it names a file" "$WORK/fx.err" ||
		fail "--path with getpid: exit $RC: $(cat "$WORK/fx.err")"
}

# The fault's deadline: from then on every call runs at once (the filter
# stays), and faultline says so; CMD runs on. CMD fsyncs every 100 ms for
# 4.5 s of its own; the fault lasts 3 s from before CMD's start, however
# slowly that comes (a VM): the held calls are the first ones, then none.
t_sys_delay_deadline_ends_delays() {
	exec_setup
	cat >"$WORK/every.py" <<-'EOF'
	import os, sys, time
	fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)
	end = time.monotonic() + 4.5
	while time.monotonic() < end:
	    t = time.monotonic_ns(); os.fsync(fd)
	    print("fsync", (time.monotonic_ns() - t) / 1e6, flush=True)
	    time.sleep(0.1)
	EOF
	fx --sys delay --call fsync --delay 50ms --duration 3s -- python3 "$WORK/every.py" "$WORK/data" >"$WORK/t"
	[ $RC -eq 0 ] || fail "exec exited $RC: $(cat "$WORK/fx.err")"
	ms_of fsync "$WORK/t" >"$WORK/ms"
	# Held (>= 50 ms), then one the deadline may have cut short, then none (< 20 ms)
	# and never held again; both seen, the second at least 5 times.
	awk '$1 >= 50 { if (after) back = 1; held++; next }
		!after { after = 1; if ($1 >= 20) next } $1 >= 20 { back = 1 } { free++ }
		END { exit !(held >= 1 && free >= 5 && !back) }' "$WORK/ms" ||
		fail "fsyncs around the deadline (ms, in order): $(paste -sd' ' "$WORK/ms")"
	grep -q "its deadline passed: every call runs at once" "$WORK/fx.err" || fail "no word of it: $(cat "$WORK/fx.err")"
	# The cut one counts as held, if it was.
	summary | jq -e --argjson h "$(awk '$1 >= 50' "$WORK/ms" | wc -l)" \
		'(.faults[0].injected - $h) as $d | $d >= 0 and $d <= 1 and .faults[0].ended' >/dev/null ||
		fail "summary ($(awk '$1 >= 50' "$WORK/ms" | wc -l) held): $(summary)"
}

# The calls the waiting child makes after its filter is in (the handoff's
# sendmsg and read) and CMD's execve may be chosen: CMD still starts.
t_sys_delay_handoff_calls_chosen() {
	exec_setup
	timeout 20 sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$FLCG" \
		"$FL" --json exec --sys delay --call sendmsg,read,execve,write --delay 20ms -- \
		sh -c 'echo ran' >"$WORK/out" 2>"$WORK/fx.err" || fail "exit $?: $(cat "$WORK/fx.err")"
	[ "$(cat "$WORK/out")" = ran ] || fail "CMD's output: $(cat "$WORK/out")"
	# execve, sh's own reads and its write are held; not the handoff's two calls.
	summary | jq -e '.faults[0].injected >= 2' >/dev/null || fail "summary: $(summary)"
}

# faultline SIGKILLed while CMD and its detached grandchildren sit in
# delayed fsyncs: all of them are gone within 1 s, and no call ever failed
# (ENOSYS is what a closed listener gives: the watchdog holds it until the
# cgroup is killed).
t_sys_delay_sigkill_no_enosys_no_hang() {
	local pid p round left
	exec_setup
	cat >"$WORK/loop.py" <<-'EOF'
	import errno, os, sys
	d = sys.argv[1]
	def loop(tag):
	    out = os.open(f"{d}/{tag}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
	    f = os.open(f"{d}/{tag}.data", os.O_WRONLY | os.O_CREAT, 0o644)
	    with open(f"{d}/{tag}.pid", "w") as p: p.write(f"{os.getpid()}\n")
	    while True:
	        try: os.fsync(f); r = "ok"
	        except OSError as e: r = errno.errorcode.get(e.errno, str(e.errno))
	        os.write(out, (r + "\n").encode())
	for tag in "abcdef":
	    if os.fork() == 0:
	        os.setsid()
	        if os.fork() == 0: loop(tag)
	        os._exit(0)
	loop("main")
	EOF
	for round in 1 2; do
		mkdir -p "$WORK/r$round"
		flbg exec --sys delay --call fsync --delay 20ms -- python3 "$WORK/loop.py" "$WORK/r$round" \
			2>"$WORK/fx.err" &
		pid=$!
		defer "kill -9 $pid 2>/dev/null"
		wait_for sh -c "[ \$(cat $WORK/r$round/*.pid 2>/dev/null | wc -w) -eq 7 ]" ||
			fail "CMD did not start: $(cat "$WORK/fx.err")"
		sleep 0.5
		for p in $(cat "$WORK/r$round"/*.pid); do defer "kill -9 $p 2>/dev/null"; done
		kill -9 $pid
		wait $pid 2>/dev/null || true
		for _ in $(seq 1 20); do
			left=$(for p in $(cat "$WORK/r$round"/*.pid); do ! alive "$p" || echo "$p"; done)
			[ -z "$left" ] && break
			sleep 0.05
		done
		[ -z "$left" ] || fail "1 s after faultline's SIGKILL these still run: $left"
		[ "$(cat "$WORK/r$round"/*.log | grep -cv '^ok$' || true)" -eq 0 ] ||
			fail "round $round: calls failed: $(cat "$WORK/r$round"/*.log | grep -v '^ok$' | sort | uniq -c | paste -sd' ')"
		[ "$(cat "$WORK/r$round"/*.log | wc -l)" -gt 20 ] || fail "round $round: too few calls to tell"
	done
	for _ in $(seq 1 50); do
		[ -z "$(exec_cgroups_new "$WORK/cgroups.before")" ] && return 0
		sleep 0.1
	done
	fail "the cgroup stayed: $(exec_cgroups_new "$WORK/cgroups.before")"
}

# stop --all ends a delay as it makes the BPF faults inert: a call held for
# 10 s is let go at once, though CMD (which traps SIGTERM) runs on.
t_sys_delay_stop_all_lets_go() {
	local pid t0 rc=0
	needs_private_state
	exec_setup
	cat >"$WORK/held.py" <<-'EOF'
	import os, signal, sys, time
	signal.signal(signal.SIGTERM, lambda *a: None)
	fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)
	open(sys.argv[1] + ".ready", "w").close()
	t = time.monotonic_ns(); os.fsync(fd)
	print((time.monotonic_ns() - t) / 1e6, flush=True)
	EOF
	flbg --json exec --kill-after 30s --sys delay --call fsync --delay 10s -- \
		python3 "$WORK/held.py" "$WORK/data" >"$WORK/t" 2>"$WORK/fx.err" &
	pid=$!
	defer "kill -9 $pid 2>/dev/null"
	wait_for test -e "$WORK/data.ready" || fail "CMD did not start: $(cat "$WORK/fx.err")"
	sleep 0.5
	"$FL" stop --all >/dev/null || fail "stop --all exited $?"
	for _ in $(seq 1 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	kill -0 $pid 2>/dev/null && fail "exec still runs 5 s after stop --all: $(cat "$WORK/t" "$WORK/fx.err")"
	wait $pid || rc=$?
	awk '{ exit !($1 >= 400 && $1 < 3000) }' "$WORK/t" ||
		fail "the fsync held for 10 s took $(cat "$WORK/t") ms, stop --all 0.5 s in"
	[ $rc -eq 124 ] || fail "exec exited $rc after stop --all: $(cat "$WORK/fx.err")"
}

# Anywhere but exec: refused as bad input (2), with the reason.
t_sys_delay_refused_outside_exec() {
	local rc want="sys delay needs faultline exec: seccomp applies to processes faultline starts"
	exec_setup
	for args in "" "--cgroup /"; do
		rc=0
		# shellcheck disable=SC2086
		"$FL" sys delay --call fsync --delay 50ms $args 2>"$WORK/err" || rc=$?
		[ $rc -eq 2 ] || fail "sys delay $args exited $rc: $(cat "$WORK/err")"
		grep -qF "$want" "$WORK/err" || fail "sys delay $args: $(cat "$WORK/err")"
	done
	cat >"$WORK/d.yaml" <<-EOF
	name: d
	duration: 5s
	target:
	  cgroup: /
	faults:
	  - sys:
	      action: delay
	      call: fsync
	      delay: 50ms
	EOF
	rc=0
	"$FL" run "$WORK/d.yaml" --dry-run 2>"$WORK/err" || rc=$?
	[ $rc -eq 2 ] && grep -qF "$want" "$WORK/err" || fail "run FILE: exit $rc: $(cat "$WORK/err")"
	# The same file under exec runs (its target ignored).
	fl exec -f "$WORK/d.yaml" -- true 2>"$WORK/err" || fail "exec -f: $(cat "$WORK/err")"
	nothing_left
}
