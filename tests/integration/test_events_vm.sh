# vm: debian
# faultline events where only the VM kernel can inject: file calls through
# BPF LSM / fmod_ret, and delay (fq), each event checked against the real
# process; and a bpffs without the event maps, which `events` creates.
source "$REPO/tests/net_lib.sh"
# shellcheck source=test_sys_vm.sh
source "$(dirname "${BASH_SOURCE[0]}")/test_sys_vm.sh"
# shellcheck source=test_events.sh
source "$(dirname "${BASH_SOURCE[0]}")/test_events.sh"
# Helpers only: those files' tests run from their own files.
# shellcheck disable=SC2046
unset -f $(declare -F | awk '$3 ~ /^t_/ {print $3}')

t_file_open_event_names_the_process() {
	local pid
	requires_file_hooks
	files_setup
	ev_start
	fl_sys --call openat,open --errno EACCES --path "$D/in"
	# The shell prints its pid, then becomes cat (same pid), whose open fails.
	pid=$(in_cgroup "$A" sh -c 'echo $$; exec cat "$1" 2>/dev/null' sh "$D/in/f" || true)
	expect_ok "$A" cat "$D/out/f"
	fl_end INT
	ev_end INT
	evs "$A" | jq -e --argjson pid "$pid" 'length == 1 and all(.[]; .fault == "sys_fail"
		and .pid == $pid and .comm == "cat" and .call == "open" and .errno == "EACCES"
		and (.hook == "lsm" or .hook == "fmod_ret"))' >/dev/null ||
		fail "cat was pid $pid: unexpected events: $(evs "$A")"
}

net_delay_setup() {
	requires sch_fq
	net_setup
	occupy "$A"
}

t_net_delay_egress_events() {
	local out pid lport
	net_delay_setup
	ev_start
	fl_start delay net delay --cgroup "$REL_A" --delay 20ms --protocol udp --port 9303
	out=$(udp_from_a 9303 10)
	pid=${out% *} lport=${out#* }
	kill -INT $FL_PID
	fl_wait || fail "faultline net delay failed: $(cat "$WORK/delay.err")"
	ev_end INT
	read -r want_pid want_comm <<<"$(want_task "$pid" python3)"
	evs "$A" | jq -e --argjson pid "$want_pid" --arg comm "${want_comm:-}" --argjson lport "$lport" '
		length == 5 and all(.[]; .fault == "net_delay" and .direction == "egress"
		and .delay_ns == 20000000 and .peer == "10.77.0.2" and .peer_port == 9303
		and .local_port == $lport and .len == 52 and .pid == $pid and .comm == $comm)' >/dev/null ||
		fail "sender $pid port $lport: unexpected events: $(evs "$A")"
}

# Ingress delay runs before the packet has a socket: no task, and the cgroup
# is the one whose socket taught faultline the flow (a reply to A's own
# request) or the port (a server of A/child that bound after the start).
t_net_delay_ingress_events_name_the_cgroup() {
	local cg_a cg_s
	net_delay_setup
	mkdir "$A/srv"
	server echo $NP udp-echo --port 9100 --max-time 60
	ev_start
	fl_start delay net delay --cgroup "$REL_A" --delay 20ms --direction ingress --protocol udp
	in_ns_cg "$NS_C" "$A" $NP udp-rtt --to $S_ADDR --port 9100 --count 4 --interval 0.05 --timeout 3 >/dev/null
	in_ns_cg "$NS_C" "$A/srv" $NP udp-echo --port 9400 --max-time 30 >"$WORK/srv.out" 2>&1 &
	defer "kill $! 2>/dev/null"
	wait_for grep -q ready "$WORK/srv.out" || fail "the server in A/srv did not start"
	ip netns exec "$NS_S" $NP udp-rtt --to $C_ADDR --port 9400 --count 3 --interval 0.05 --timeout 3 >/dev/null
	kill -INT $FL_PID
	fl_wait || fail "faultline net delay failed: $(cat "$WORK/delay.err")"
	ev_end INT
	cg_a=$(stat -c %i "$A") cg_s=$(stat -c %i "$A/srv")
	jq -s -e --argjson a "$cg_a" --argjson s "$cg_s" 'map(select(.fault == "net_delay")) |
		all(.[]; .direction == "ingress" and .peer == "10.77.0.2" and .delay_ns == 20000000 and .pid == 0)
		and (map(select(.cgroup == $a and .peer_port == 9100)) | length) == 4
		and (map(select(.cgroup == $s and .local_port == 9400)) | length) == 3 and length == 7' \
		"$WORK/ev.json" >/dev/null ||
		fail "A is cgroup $cg_a, A/srv $cg_s: unexpected events: $(grep net_delay "$WORK/ev.json")"
}

# A host where no experiment ever ran: `events` creates the maps exactly as
# an object would, and the next experiment writes into them.
t_events_creates_missing_maps() {
	needs_private_state
	sys_setup
	rm -f /sys/fs/bpf/faultline/fl_events /sys/fs/bpf/faultline/fl_ev_stats /sys/fs/bpf/faultline/fl_ev_config
	ev_start
	[ -e /sys/fs/bpf/faultline/fl_events ] && [ -e /sys/fs/bpf/faultline/fl_ev_stats ] &&
		[ -e /sys/fs/bpf/faultline/fl_ev_config ] || fail "events did not create the maps"
	fl_sys --call socket --errno EACCES
	sock_calls "$A" socket 0 2 >/dev/null
	fl_end INT
	ev_end INT
	evs "$A" | jq -e 'length == 2' >/dev/null || fail "the experiment did not reuse the maps: $(evs "$A")"
}
