#!/usr/bin/env bash
# bench/run.sh: every comparison of issue #7 in one run (`make bench`).
# Writes bench/results/<date>-<kernel>.json and regenerates the table in
# bench/README.md (bench/report.sh). Every figure is a ratio to a baseline
# measured in the same run, because this machine is shared and noisy.
#
# Usage: bench/run.sh [--host-only | --vm-only]   (on a day that has results, each
#        replaces its own part and keeps the other, marked as from an earlier run)
#        bench/run.sh --sys-delay-only   (section 7 alone: printed, and put into the
#        day's results if there are any; the table is not regenerated)
#        bench/run.sh --vm-part   (inside scripts/vmtest.sh; prints BENCHJSON lines)
# Env:   BENCH_VM=0 skips the VM part; FAULTLINE_CACHE as for scripts/vmtest.sh.
#
# Everything it creates (namespaces, cgroups, iptables rules in its own
# namespaces, sysctl values) is removed or restored on any exit.
set -euo pipefail

REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
export REPO
TEST_TAG=flbench$$
# shellcheck source=tests/lib.sh
source "$REPO/tests/lib.sh"
# shellcheck source=tests/net_lib.sh
source "$REPO/tests/net_lib.sh"
BENCH="$REPO/.output/bench/fl_bench"
OUT_DIR="$REPO/bench/results"
PKTS=${BENCH_PKTS:-100000}	# the issue's minimum per loss level
PPS=50000		# paced: only the fault may lose packets
SECS=${BENCH_SECS:-2}			# per throughput / request-rate sample
ROUNDS=${BENCH_ROUNDS:-5}		# samples per case, cases interleaved within a round
PINGS=${BENCH_PINGS:-500}	# per delay case (VM)
SYS_N=200000		# calls per syscall sample (a tenth under strace)
SD_N=${BENCH_SD_CALLS:-200000}		# getpid calls per sample of section 7
SD_FSYNCS=${BENCH_SD_FSYNCS:-100}	# delayed fsyncs (50 ms each) per precision sample
SD_ROUNDS=${BENCH_SD_ROUNDS:-3}

say() { echo "bench: [$((SECONDS))s] $*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }

trap 'run_deferred' EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------
# Helpers

# fl_bg NAME ARGS...: faultline in the background until it says "attached".
fl_bg() {
	local name=$1; shift
	"$FL" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
	FL_PID=$!
	defer "kill -INT $FL_PID 2>/dev/null; sleep 0.2"
	for _ in $(seq 1 100); do
		grep -qs attached "$WORK/$name.err" && return 0
		kill -0 $FL_PID 2>/dev/null || die "faultline $* exited early: $(cat "$WORK/$name.err")"
		sleep 0.05
	done
	die "faultline $* did not attach within 5 s"
}

# fl_end: stop the background faultline (bounded wait).
fl_end() {
	kill -INT "$FL_PID" 2>/dev/null || true
	for _ in $(seq 1 100); do kill -0 "$FL_PID" 2>/dev/null || break; sleep 0.05; done
	wait "$FL_PID" 2>/dev/null || true
}

# ipt_cgroup_drop CHAIN PROB [MATCH...]: the iptables equivalent of a drop on B.
ipt() { ip netns exec "$NS_C" iptables "$@"; }

# best: the largest of the samples on stdin: the neighbours only ever slow us.
best() { sort -g | tail -1 | grep . || echo null; }

# ---------------------------------------------------------------------------
# 1. Per-event cost (BPF_PROG_TEST_RUN) and in-situ cost (bpf_stats)

bench_progs() {
	say "per-event cost of each program (test run, $((7 * 2)) runs x 200k per case)"
	in_cgroup "$B" "$BENCH" progs >"$WORK/progs.json"
}

# ids_stats ID...: run_time_ns/run_cnt of these programs.
ids_stats() {
	local id
	for id in "$@"; do
		bpftool prog show id "$id" --json
	done | jq -s '[.[] | {name, run_cnt, run_time_ns,
		ns: (if (.run_cnt // 0) > 0 then .run_time_ns / .run_cnt else null end),
		ns_minus_stats: (if (.run_cnt // 0) > 0 then .run_time_ns / .run_cnt - 20 else null end)}]'
}

# prog_stats CGROUP_DIR: the same for the programs attached there.
prog_stats() {
	# shellcheck disable=SC2046
	ids_stats $(bpftool cgroup show "$1" --json | jq -r '.[].id')
}

# pid_prog_stats PID: the same for the programs a process holds (its fds'
# fdinfo), wherever they are attached: an egress drop is on tc, on the
# devices of the target's namespace, not on its cgroup. By process and not
# by name, as other experiments on this host may run the same programs.
pid_prog_stats() {
	# shellcheck disable=SC2046
	ids_stats $(awk '/^prog_id:/ { print $2 }' /proc/"$1"/fdinfo/* 2>/dev/null | sort -un)
}

# In situ: real traffic through the attached programs, kernel.bpf_stats_enabled.
bench_insitu() {
	local old
	say "in-situ cost (kernel.bpf_stats_enabled) under request/response traffic"
	old=$(sysctl -n kernel.bpf_stats_enabled)
	defer "sysctl -qw kernel.bpf_stats_enabled=$old"
	sysctl -qw kernel.bpf_stats_enabled=1
	# The same traffic through empty programs first: the in-situ floor.
	"$BENCH" hold-empty "$B" 2>"$WORK/empty.err" &
	local hold=$!
	defer "kill $hold 2>/dev/null"
	wait_for grep -q attached "$WORK/empty.err" || die "empty programs did not attach"
	in_ns_cg "$NS_C" "$B" "$BENCH" rr-client $S_ADDR 7000 2 >/dev/null
	prog_stats "$B" >"$WORK/insitu-empty.json"
	kill -INT $hold; wait $hold || true
	fl_bg insitu-drop net drop --cgroup "$REL_B" --probability 0 --duration 60s
	in_ns_cg "$NS_C" "$B" "$BENCH" rr-client $S_ADDR 7000 2 >/dev/null
	pid_prog_stats "$FL_PID" >"$WORK/insitu-drop.json"
	fl_end
	fl_bg insitu-sys sys fail --cgroup "$REL_B" --call connect --errno ECONNREFUSED \
		--probability 0 --duration 60s
	in_cgroup "$B" "$BENCH" sysloop connect 200000 >/dev/null
	prog_stats "$B" >"$WORK/insitu-sys.json"
	fl_end
	sysctl -qw kernel.bpf_stats_enabled="$old"
	jq -n --slurpfile d "$WORK/insitu-drop.json" --slurpfile s "$WORK/insitu-sys.json" \
		--slurpfile e "$WORK/insitu-empty.json" \
		'{stats_overhead_ns_subtracted: 20, source: "host", empty_cg_skb: $e[0],
		  net_drop_probability_0: ($d[0] | map(. + {ratio_to_empty: (if .ns then
			.ns / ($e[0] | map(.ns) | add / length) else null end)})),
		  sys_fail_connect_probability_0: $s[0]}' \
		>"$WORK/insitu.json"
}

# ---------------------------------------------------------------------------
# 2. Untargeted traffic overhead

traffic_case_on() {
	case $1 in
	none) ;;
	faultline_other) fl_bg tr-other net drop --cgroup "$REL_A" --probability 1 --duration 60s ;;
	faultline_p0) fl_bg tr-p0 net drop --cgroup "$REL_B" --probability 0 --duration 60s ;;
	iptables_p0)
		ipt -A OUTPUT -m cgroup --path "$REL_B" -m statistic --mode random --probability 0 -j DROP
		ipt -A INPUT -m cgroup --path "$REL_B" -m statistic --mode random --probability 0 -j DROP ;;
	esac
}

traffic_case_off() {
	case $1 in
	faultline_*) fl_end ;;
	iptables_p0) ipt -F OUTPUT; ipt -F INPUT ;;
	esac
}

traffic_sample() {
	local c=$1 r=$2
	in_ns_cg "$NS_C" "$B" iperf3 -c $S_ADDR -p 5201 -t $SECS -J >"$WORK/iperf.$c.$r.json" ||
		die "iperf3 failed in case $c: $(tail -3 "$WORK/iperf.$c.$r.json")"
	jq '.end.sum_received.bits_per_second' "$WORK/iperf.$c.$r.json" >>"$WORK/tput.$c"
	in_ns_cg "$NS_C" "$B" "$BENCH" rr-client $S_ADDR 7000 $SECS | jq .per_s >>"$WORK/rr.$c"
}

bench_traffic() {
	local cases=(none faultline_other faultline_p0 iptables_p0) r i c
	say "untargeted traffic: iperf3 and TCP_RR, ${#cases[@]} cases x $ROUNDS rounds x $((2 * SECS)) s"
	ip netns exec "$NS_S" iperf3 -s -p 5201 >/dev/null 2>&1 &
	defer "kill $! 2>/dev/null"
	wait_for ip netns exec "$NS_S" sh -c "ss -ltn | grep -q :5201" || die "iperf3 server did not start"
	for ((r = 0; r < ROUNDS; r++)); do
		# Rotate the order each round so drift does not favour one case.
		for ((i = 0; i < ${#cases[@]}; i++)); do
			c=${cases[$(((i + r) % ${#cases[@]}))]}
			traffic_case_on "$c"
			traffic_sample "$c" "$r"
			traffic_case_off "$c"
		done
	done
	for c in "${cases[@]}"; do
		jq -n --arg c "$c" --argjson t "$(best <"$WORK/tput.$c")" --argjson q "$(best <"$WORK/rr.$c")" \
			--argjson t0 "$(best <"$WORK/tput.none")" --argjson q0 "$(best <"$WORK/rr.none")" \
			--slurpfile ts <(jq -s . "$WORK/tput.$c") --slurpfile qs <(jq -s . "$WORK/rr.$c") \
			'{case: $c, tcp_bps: $t, tcp_ratio: ($t / $t0), rr_per_s: $q, rr_ratio: ($q / $q0),
			  tcp_samples: $ts[0], rr_samples: $qs[0], source: "host"}'
	done | jq -s . >"$WORK/traffic.json"
}

# ---------------------------------------------------------------------------
# 3. Drop precision

# loss_sample TOOL PROB PORT: one 10^5-packet run from B; prints a JSON row.
loss_sample() {
	local tool=$1 p=$2 port=$3 sink recv sent
	sink="$WORK/sink.$tool.$port"
	ip netns exec "$NS_S" "$BENCH" udp-sink "$port" 3000 120 >"$sink" &
	local spid=$!
	wait_for grep -q ready "$sink" || die "udp sink did not start"
	in_ns_cg "$NS_C" "$B" "$BENCH" udp-blast $S_ADDR "$port" $PKTS $PPS >"$sink.send"
	wait $spid
	recv=$(tail -1 "$sink" | jq .received)
	sent=$(jq .sent "$sink.send")
	jq -n --arg tool "$tool" --argjson p "$p" --argjson n "$sent" --argjson r "$recv" \
		--argjson errs "$(jq .send_errors "$sink.send")" --argjson last "$(tail -1 "$sink" | jq .last_seq)" '
		($n - $r) as $lost | ($n * $p) as $mu | ([($mu * (1 - $p)), 1e-9] | max | sqrt) as $s |
		{tool: $tool, requested: $p, sent: $n, received: $r, observed: ($lost / $n),
		 deviation_sigma: ((($lost - $mu) / $s) | fabs), send_errors: $errs, last_seq_seen: $last}'
}

drop_with() {
	local tool=$1 p=$2 port=$3
	case $tool in
	faultline)
		fl_bg "loss$port" net drop --cgroup "$REL_B" --probability "$p" --protocol udp \
			--port "$port" --direction egress --duration 60s
		loss_sample faultline "$p" "$port"
		fl_end ;;
	iptables)
		ipt -A OUTPUT -m cgroup --path "$REL_B" -p udp --dport "$port" \
			-m statistic --mode random --probability "$p" -j DROP
		loss_sample iptables "$p" "$port"
		ipt -F OUTPUT ;;
	netem)
		ip netns exec "$NS_C" tc qdisc add dev "$DEV_C" root netem loss "$(awk -v p="$p" 'BEGIN { print p * 100 }')%" limit 100000
		loss_sample netem "$p" "$port"
		ip netns exec "$NS_C" tc qdisc del dev "$DEV_C" root ;;
	none) loss_sample none 0 "$port" ;;
	esac
}

bench_loss() {
	local tools=("$@") p t port=9200
	say "drop precision: ${tools[*]} at 1/10/50/90% over $PKTS packets each"
	{
		drop_with none 0 $((port++))
		for p in 0.01 0.1 0.5 0.9; do
			for t in "${tools[@]}"; do drop_with "$t" "$p" $((port++)); done
		done
	} | jq -s --arg src "$SOURCE" 'map(. + {source: $src})' >"$WORK/loss.json"
}

# ---------------------------------------------------------------------------
# 5. Syscall hook overhead

# sys_sample CASE CALL N [PREFIX...]: ns per call of CALL run from B.
sys_sample() {
	local c=$1 call=$2 n=$3; shift 3
	in_cgroup "$B" "$@" "$BENCH" sysloop "$call" "$n" ${SECCOMP:+--seccomp} |
		jq --arg c "$c" --arg src "$SOURCE" '. + {case: $c, source: $src}'
}

# Which calls faultline can hook here: connect everywhere; open with LSM or
# fmod_ret on security_file_open; getpid needs fmod_ret/kprobe on the syscall.
sys_hookable() {
	"$FL" sys fail --cgroup "$REL_A" --call "$1" --errno EIO --dry-run >/dev/null 2>&1
}

errno_for() { [ "$1" = connect ] && echo ECONNREFUSED || echo EIO; }
fl_call() { [ "$1" = openclose ] && echo open || echo "$1"; }

# sys_faultline CALL CASE CGROUP PROB N: one sample under faultline.
sys_faultline() {
	local call=$1 c=$2 cg=$3 p=$4 n=$5
	# --path: the process's own exec and library opens must not fail.
	fl_bg "sys-$c" sys fail --cgroup "$cg" --call "$(fl_call "$call")" \
		--errno "$(errno_for "$call")" --probability "$p" --duration 60s \
		$([ "$call" = openclose ] && echo --path /dev/null)
	sys_sample "$c" "$call" "$n"
	fl_end
}

# Three interleaved rounds per case; the fastest of each is kept (the other
# tenants of the machine only ever add time).
bench_sys_call() {
	local call=$1 n=$SYS_N r sc
	for ((r = 0; r < ROUNDS; r++)); do
		sys_sample none "$call" $n
		if [ "$call" = connect ]; then
			# Any connect4 program anywhere turns on the kernel's hook for all.
			"$BENCH" hold-empty "$A" connect4 2>"$WORK/empty4.err" &
			local hold=$!
			wait_for grep -q attached "$WORK/empty4.err" || die "empty connect4 did not attach"
			sys_sample empty_connect4_other_cgroup "$call" $n
			kill -INT $hold; wait $hold || true
		fi
		if sys_hookable "$(fl_call "$call")"; then
			sys_faultline "$call" faultline_other_cgroup "$REL_A" 1 $n
			sys_faultline "$call" faultline_targeted_passed "$REL_B" 0 $n
			sys_faultline "$call" faultline_targeted_injected "$REL_B" 1 $n
		fi
		SECCOMP=1 sys_sample seccomp_errno "$call" $n
	done
	if ! sys_hookable "$(fl_call "$call")"; then
		jq -n --arg call "$call" --arg src "$SOURCE" --arg why "$("$FL" sys fail --cgroup "$REL_A" \
			--call "$(fl_call "$call")" --errno EIO --dry-run 2>&1 | tail -1)" \
			'{call: $call, case: "faultline", unavailable: $why, source: $src}'
	fi
	sc=$([ "$call" = openclose ] && echo openat || echo "$call")
	# when=40+: the dynamic loader's own openat calls come first and must pass.
	sys_sample strace_inject "$call" $((SYS_N / 10)) strace -f -qq -o /dev/null -e trace="$sc" \
		-e inject="$sc:error=$(errno_for "$call"):when=40+"
}

bench_sys() {
	local calls=("$@") c
	say "syscall hook overhead: ${calls[*]}"
	for c in "${calls[@]}"; do bench_sys_call "$c"; done |
		jq -s 'group_by(.call) | map(group_by(.case) | map(min_by(.ns // 0) +
			{rounds: length, ns_rounds: map(.ns)})) |
			map((map(select(.case == "none"))[0].ns) as $base |
			map(if .ns then . + {ratio: (.ns / $base)} else . end)) | flatten' >"$WORK/sys.json"
}

# ---------------------------------------------------------------------------
# 7. Syscall delay: faultline exec --sys delay (seccomp user notification)
#    against strace -e inject=fsync:delay_enter=50000 (ptrace)

SD_STRACE=(strace -f -qq -o /dev/null)
SD_INJECT=(-e trace=fsync -e inject=fsync:delay_enter=50000)

# sd_run CASE PREFIX... %% FL_BENCH_ARGS...: one fl_bench run under PREFIX, as a JSON row.
sd_run() {
	local c=$1 pre=() ; shift
	while [ "$1" != %% ]; do pre+=("$1"); shift; done
	shift
	"${pre[@]}" "$BENCH" "$@" 2>>"$WORK/sd.err" | jq --arg c "$c" '. + {case: $c, source: "host"}'
}

# The cost of a call that is not delayed: getpid, in a process with
#   none                      no filter, no tracer
#   faultline_unchosen        exec's filter for fsync: getpid passes it
#   faultline_after_deadline  getpid chosen, the fault over: answered at once
#   strace_seccomp_unchosen   strace --seccomp-bpf tracing fsync: getpid passes its filter
#   strace_unchosen           plain strace (no --seccomp-bpf): every call stops
#   strace_seccomp_chosen     strace --seccomp-bpf tracing getpid, no injection
sd_cost_round() {
	local n=$SD_N
	sd_run none %% sysloop getpid $n
	sd_run faultline_unchosen "$FL" exec --sys delay --call fsync --delay 50ms -- %% sysloop getpid $n
	# The fault lasts 1 ms; the loop starts 200 ms later, when every getpid is answered at once.
	sd_run faultline_after_deadline "$FL" exec --sys delay --call getpid --delay 1ms --duration 1ms \
		-- sh -c 'sleep 0.2; exec "$0" "$@"' %% sysloop getpid $((n / 10))
	sd_run strace_seccomp_unchosen "${SD_STRACE[@]}" --seccomp-bpf "${SD_INJECT[@]}" %% sysloop getpid $n
	sd_run strace_unchosen "${SD_STRACE[@]}" "${SD_INJECT[@]}" %% sysloop getpid $((n / 100))
	sd_run strace_seccomp_chosen "${SD_STRACE[@]}" --seccomp-bpf -e trace=getpid %% sysloop getpid $((n / 10))
}

# 50 ms on every fsync: how long each took, beyond an fsync's own time.
sd_precision_round() {
	sd_run none %% timecalls fsync "$SD_FSYNCS"
	sd_run faultline "$FL" exec --sys delay --call fsync --delay 50ms -- %% timecalls fsync "$SD_FSYNCS"
	sd_run strace "${SD_STRACE[@]}" "${SD_INJECT[@]}" %% timecalls fsync "$SD_FSYNCS"
	sd_run strace_seccomp "${SD_STRACE[@]}" --seccomp-bpf "${SD_INJECT[@]}" %% timecalls fsync "$SD_FSYNCS"
}

bench_sysdelay() {
	local r
	say "syscall delay: undelayed calls and 50 ms precision, exec --sys delay vs strace ($SD_ROUNDS rounds)"
	for ((r = 0; r < SD_ROUNDS; r++)); do sd_cost_round; done >"$WORK/sd-cost.jsonl"
	for ((r = 0; r < SD_ROUNDS; r++)); do sd_precision_round; done >"$WORK/sd-prec.jsonl"
	# Cost: the least disturbed round of each case, its ratio to none's, and the
	# range of ratios over rounds (round i's case over round i's none).
	jq -s '(map(select(.case == "none")) | map(.ns)) as $base |
		group_by(.case) | map(. as $rows | {case: .[0].case, calls: .[0].calls,
			ns: (map(.ns) | min), ns_rounds: map(.ns),
			ratio: ((map(.ns) | min) / ($base | min)),
			ratio_range: [([range(0; length)] | map($rows[.].ns / $base[.]) | min),
				      ([range(0; length)] | map($rows[.].ns / $base[.]) | max)]})' \
		"$WORK/sd-cost.jsonl" >"$WORK/sd-cost.json"
	jq -s '(map(select(.case == "none")) | map(.p50_us) | min) as $own |
		group_by(.case) | map({case: .[0].case, fsyncs_per_round: .[0].calls,
			fsync_own_p50_us: $own,
			p50_ms_rounds: map(.p50_us / 1000), p99_ms_rounds: map(.p99_us / 1000),
			max_ms_rounds: map(.max_us / 1000),
			p50_error_ms_range: (if .[0].case == "none" then null else
				[(map(.p50_us) | min), (map(.p50_us) | max)] | map((. - $own) / 1000 - 50) end),
			p99_error_ms_range: (if .[0].case == "none" then null else
				[(map(.p99_us) | min), (map(.p99_us) | max)] | map((. - $own) / 1000 - 50) end)})' \
		"$WORK/sd-prec.jsonl" >"$WORK/sd-prec.json"
	jq -n --slurpfile c "$WORK/sd-cost.json" --slurpfile p "$WORK/sd-prec.json" \
		--arg strace "$(strace -V | head -1)" \
		'{delay_ms: 50, strace: $strace, source: "host",
		  undelayed_call_getpid: $c[0], precision_fsync_50ms: $p[0]}' >"$WORK/sysdelay.json"
}

# --sys-delay-only: section 7 alone, into the day's results when there are any.
sysdelay_only() {
	local out
	bench_sysdelay
	jq . "$WORK/sysdelay.json"
	out="$OUT_DIR/$(date -u +%Y-%m-%d)-$(uname -r).json"
	if [ -s "$out" ]; then
		jq --slurpfile d "$WORK/sysdelay.json" --arg date "$(date -u +%FT%TZ)" \
			--arg commit "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
			'.syscall_delay = ($d[0] + {rerun: "section 7 rerun alone at \($date), commit \($commit) (bench/run.sh --sys-delay-only)"})' \
			"$out" >"$out.tmp" && mv "$out.tmp" "$out"
		say "put section 7 into $out"
	fi
}

# ---------------------------------------------------------------------------
# 6. Control plane

# Map memory of a process: every BPF map it holds an fd of, from fdinfo
# (the whole object, maps its attached programs do not use included).
map_memlock() {
	local f
	for f in /proc/"$1"/fdinfo/*; do
		awk '/^map_type:/ { t = $2 } /^max_entries:/ { m = $2 } /^memlock:/ { b = $2 }
			/^map_id:/ { i = $2 } END { if (i) printf "{\"id\":%d,\"type\":%d,\"max_entries\":%d,\"bytes_memlock\":%d}\n", i, t, m, b }' "$f" 2>/dev/null
	done | jq -s 'unique_by(.id)' | jq -c '.[]' | while read -r m; do
		jq --arg n "$(bpftool map show id "$(jq .id <<<"$m")" --json 2>/dev/null | jq -r .name)" \
			'. + {name: $n}' <<<"$m"
	done | jq -s '{maps: ., total_bytes: (map(.bytes_memlock) | add)}'
}

# start_sample NAME ARGS...: ms from exec to "attached", RSS and map memory.
start_sample() {
	local name=$1 r pid rss; shift
	r=$("$BENCH" until attached 10 "$WORK/$name.err" -- "$FL" "$@")
	pid=$(jq .pid <<<"$r")
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
	map_memlock "$pid" >"$WORK/$name.maps"
	kill -INT "$pid"
	for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	jq --argjson rss "$rss" --slurpfile m "$WORK/$name.maps" '. + {rss_kb: $rss, map_memory: $m[0]}' <<<"$r"
}

# The kill switch's own latency, per call: a private copy of fl_control is
# bumped (bench/killswitch.c says why); stop_all_sample below measures the
# real command end to end.
kill_switch_sample() {
	in_cgroup "$B" "$BENCH" killswitch 50
}

# `faultline stop --all` end to end, as an SRE types it: from its exec until
# it returns, and when B's last failed connect() happened relative to that
# (negative: before it returned). B calls connect() in a loop throughout. It
# halts every experiment on the host, so it runs only when ours is alone.
stop_all_sample() {
	local calls=$WORK/stopall.calls t0 t1 pid cpid
	"$FL" sys fail --cgroup "$REL_B" --call connect --errno ECONNREFUSED --duration 60s \
		>/dev/null 2>"$WORK/stopall.err" &
	pid=$!
	wait_for grep -q 'attached to' "$WORK/stopall.err" || { kill -9 $pid; echo null; return; }
	if [ "$("$FL" --json list | jq '.experiments | length')" != 1 ]; then
		kill -INT $pid; wait $pid
		echo '{"skipped": "other experiments run on this host: stop --all would halt them"}'
		return
	fi
	in_cgroup "$B" python3 -c '
import socket, sys, time
end = time.time() + 4
with open(sys.argv[1], "w") as f:
    while time.time() < end:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.connect(("127.0.0.1", 9))
            r = "ok"
        except OSError:
            r = "err"
        s.close()
        f.write(f"{time.time_ns()} {r}\n")' "$calls" &
	cpid=$!
	sleep 1
	t0=$(date +%s%N)
	"$FL" stop --all >/dev/null
	t1=$(date +%s%N)
	wait $cpid
	wait $pid
	awk -v t0="$t0" -v t1="$t1" '
		$2 == "err" { last = $1 } $2 == "ok" && $1 > t0 && !first { first = $1 }
		END { printf "{\"method\": \"faultline stop --all\", \"returned_ms\": %.2f, \"last_injection_vs_return_ms\": %.3f, \"first_pass_after_exec_ms\": %.3f}\n",
			(t1 - t0) / 1e6, (last - t1) / 1e6, (first - t0) / 1e6 }' "$calls"
}

# A static program whose first act is to print CLOCK_REALTIME in ns.
exec_probe() {
	cat >"$WORK/first.c" <<-'EOF'
	#include <stdio.h>
	#include <time.h>
	int main(void)
	{
		struct timespec t;

		clock_gettime(CLOCK_REALTIME, &t);
		printf("%lld\n", (long long)t.tv_sec * 1000000000LL + t.tv_nsec);
		return 0;
	}
	EOF
	cc -O2 -static -o "$WORK/first" "$WORK/first.c"
}

# exec_sample CMD...: ms from launching CMD (which runs the probe) to the
# probe's first instruction.
exec_sample() {
	local t0 t1
	t0=$(date +%s%N)
	t1=$("$@" "$WORK/first" 2>/dev/null | tail -1)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e6 }'
}

# exec_case NAME CMD...: five samples, their median and range.
exec_case() {
	local name=$1 i; shift
	for i in 1 2 3 4 5; do exec_sample "$@"; done | jq -s --arg n "$name" \
		'sort | {case: $n, ms_median: .[2], ms_min: .[0], ms_max: .[4]}'
}

# `faultline exec` until CMD's first instruction, beside a direct exec: every
# fault is attached and armed before CMD runs, so this is all of it.
bench_exec_start() {
	exec_probe || { echo '{"skipped": "no static C compiler"}'; return; }
	{
		exec_case direct env
		exec_case "exec --sys fail --call connect" "$FL" exec --sys fail --call connect --errno ECONNREFUSED --
		# nsenter, not `ip netns exec`, which remounts /sys and hides cgroupfs.
		exec_case "direct, in a netns" nsenter --net="/run/netns/$NS_C" env
		exec_case "exec --net drop, in a netns" nsenter --net="/run/netns/$NS_C" "$FL" exec --net drop --port 9 --
	} | jq -s '{cases: .}'
}

bench_control() {
	local i
	say "control plane: start time, kill-switch latency, memory, exec start-up"
	for i in 1 2 3 4 5; do
		start_sample "start-drop$i" net drop --cgroup "$REL_B" --probability 0.5 --duration 60s
	done | jq -s '{command: "net drop", runs: ., start_ms_median: (map(.ms) | sort | .[2])}' >"$WORK/start-drop.json"
	for i in 1 2 3 4 5; do
		start_sample "start-sys$i" sys fail --cgroup "$REL_B" --call connect --errno ECONNREFUSED --duration 60s
	done | jq -s '{command: "sys fail --call connect", runs: ., start_ms_median: (map(.ms) | sort | .[2])}' >"$WORK/start-sys.json"
	kill_switch_sample >"$WORK/killswitch.json"
	stop_all_sample >"$WORK/stopall.json"
	bench_exec_start >"$WORK/exec.json"
	jq -n --slurpfile d "$WORK/start-drop.json" --slurpfile s "$WORK/start-sys.json" \
		--slurpfile k "$WORK/killswitch.json" --slurpfile a "$WORK/stopall.json" \
		--slurpfile x "$WORK/exec.json" \
		'{start: [$d[0], $s[0]], kill_switch: ($k[0] + {measured_with: "private_map_write"}),
		  stop_all: $a[0], exec_start: $x[0],
		  rules_per_object: 1, source: "host"}' >"$WORK/control.json"
}

# ---------------------------------------------------------------------------
# 4. Delay precision (VM: needs fq and netem)

# ping_stats: p50/p99 RTT (ms) and reorderings from `ping` output on stdin.
# Pings are sent every 2 ms, closer than the delay, so several are in flight
# and a reordering shows as a reply whose sequence is below one already seen.
ping_stats() {
	local t="$WORK/ping.times" re n
	re=$(awk '/icmp_seq=/ { s = $0; sub(/.*icmp_seq=/, "", s); sub(/ .*/, "", s)
		t = $0; sub(/.*time=/, "", t); sub(/ .*/, "", t); print t > "/dev/stderr"
		if (seen && s + 0 < max) re++; if (s + 0 > max) max = s + 0; seen = 1 }
		END { print re + 0 }' 2> >(sort -g >"$t"))
	wait $! 2>/dev/null || true
	n=$(wc -l <"$t")
	jq -n --argjson re "$re" --argjson n "$n" --argjson p50 "$(pctl 50 <"$t")" --argjson p99 "$(pctl 99 <"$t")" \
		'{replies: $n, reordered: $re, p50_ms: $p50, p99_ms: $p99}'
}

# pctl P: the P-th percentile of sorted numbers on stdin (null when none).
pctl() { awk -v p="$1" '{ v[n++] = $1 } END { if (!n) { print "null"; exit } i = int(n * p / 100); if (i >= n) i = n - 1; print v[i] }'; }

# rtt_sample TOOL DELAY_MS JITTER_MS COUNT: RTTs from B, and CPU per packet.
rtt_sample() {
	local tool=$1 d=$2 j=$3 count=$4 cpu0 cpu1 r
	case $tool in
	faultline) fl_bg "delay$d$j" net delay --cgroup "$REL_B" --delay "${d}ms" \
			${j:+--jitter "${j}ms"} --duration 120s ;;
	netem) ip netns exec "$NS_C" tc qdisc add dev "$DEV_C" root netem delay "${d}ms" ${j:+"${j}ms"} ;;
	esac
	cpu0=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat)
	r=$(in_ns_cg "$NS_C" "$B" ping -n -c "$count" -i 0.002 -W 2 $S_ADDR | ping_stats)
	cpu1=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat)
	# In situ (bpf_stats on in the VM part): this VM runs no other faultline.
	[ "$tool" = faultline ] && bpftool prog show --json | jq '[.[] | select(.name == "fl_tc_egress") |
		{name, run_cnt, ns: (if (.run_cnt // 0) > 0 then .run_time_ns / .run_cnt else null end)}]' \
		>"$WORK/insitu-tc.json"
	case $tool in
	faultline) fl_end ;;
	netem) ip netns exec "$NS_C" tc qdisc del dev "$DEV_C" root ;;
	esac
	[ "$tool" = faultline ] || echo '[]' >"$WORK/insitu-tc.json"
	jq --arg t "$tool" --argjson d "$d" --argjson j "${j:-0}" --argjson n "$count" \
		--slurpfile st "$WORK/insitu-tc.json" \
		--argjson ticks $((cpu1 - cpu0)) --argjson hz "$(getconf CLK_TCK)" \
		'. + {tool: $t, delay_ms: $d, jitter_ms: $j, sent: $n,
		      cpu_us_per_ping: ($ticks / $hz * 1e6 / $n), in_situ: $st[0], source: "vm-tcg"}' <<<"$r"
}

bench_delay() {
	local d j t base
	say "delay precision: faultline EDT vs netem, 1/10/100 ms with and without jitter"
	occupy "$B" 600
	base=$(rtt_sample none 0 "" "$PINGS")
	echo "$base" >"$WORK/delay-base.json"
	for d in 1 10 100; do
		for j in "" $((d / 10 > 0 ? d / 10 : 1)); do
			for t in faultline netem; do
				rtt_sample $t $d "$j" "$PINGS" | jq --argjson b "$base" \
					'. + {base_p50_ms: $b.p50_ms, base_cpu_us_per_ping: $b.cpu_us_per_ping,
					      p50_error_ms: (.p50_ms - $b.p50_ms - .delay_ms),
					      p99_error_ms: (.p99_ms - $b.p99_ms - .delay_ms)}'
			done
		done
	done | jq -s . >"$WORK/delay.json"
}

# ---------------------------------------------------------------------------

machine_json() {
	local virt
	virt=$(systemd-detect-virt 2>/dev/null || true)
	jq -n --arg cpu "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
		--argjson ncpu "$(nproc)" --arg kernel "$(uname -r)" --arg virt "${virt:-unknown}" \
		--argjson mem "$(awk '/MemTotal/ { print $2 }' /proc/meminfo)" \
		--arg host "$(hostname)" \
		'{hostname: $host, cpu: $cpu, cpus: $ncpu, mem_kb: $mem, kernel: $kernel, virtualization: $virt}'
}

# Inside scripts/vmtest.sh: the VM-only comparisons, printed for the host.
vm_part() {
	SOURCE=vm-tcg
	PPS=${BENCH_VM_PPS:-5000}	# emulated CPU: slower pacing, same count
	SYS_N=20000
	net_setup
	sysctl -qw kernel.bpf_stats_enabled=1
	bench_loss netem
	bench_sys openclose connect
	bench_delay
	jq -cn --slurpfile l "$WORK/loss.json" --slurpfile s "$WORK/sys.json" \
		--slurpfile d "$WORK/delay.json" --argjson m "$(machine_json)" \
		'{machine: $m, loss: $l[0], sys: $s[0], delay: $d[0]}' | sed 's/^/BENCHJSON /'
}

run_vm() {
	local log="$WORK/vm.log" rc=0
	say "VM part under qemu (Debian 6.1, TCG: slow, ratios only)"
	timeout 700 "$REPO/scripts/vmtest.sh" --kernel debian --timeout 660 -- \
		env BENCH_PKTS="$PKTS" BENCH_ROUNDS="$ROUNDS" BENCH_PINGS="$PINGS" \
		"$REPO/bench/run.sh" --vm-part >"$WORK/vm.out" 2>"$log" || rc=$?
	if ! grep -q '^BENCHJSON ' "$WORK/vm.out"; then
		say "VM part produced no results (exit $rc); its log: $(tail -5 "$log" | tr '\n' ' ')"
		jq -n --arg why "VM part failed (exit $rc): $(tail -3 "$log" | tr '\n' ' ')" '{skipped: $why}'
		return
	fi
	sed -n 's/^BENCHJSON //p' "$WORK/vm.out" | tail -1
}

host_part() {
	SOURCE=host
	net_setup
	# B's traffic comes and goes; a process of B that stays in NS_C makes an
	# egress drop on B attach to NS_C's devices from its start, and not to
	# this namespace's until its next tick finds the first sender.
	occupy "$B" 3600
	ip netns exec "$NS_S" "$BENCH" rr-server 7000 >"$WORK/rr-server.out" 2>&1 &
	defer "kill $! 2>/dev/null"
	wait_for grep -q ready "$WORK/rr-server.out" || die "rr-server did not start"
	bench_progs
	bench_insitu
	bench_traffic
	bench_loss faultline iptables
	bench_sys getpid openclose connect
	bench_control
	bench_sysdelay
}

main() {
	local mode=${1:-all} vm='{"skipped": "not run (--host-only or BENCH_VM=0)"}' out
	[ "$(id -u)" = 0 ] || die "needs root (BPF, namespaces, cgroups); run: sudo make bench"
	[ -x "$BENCH" ] && [ -x "$FL" ] || die "build first: make all bench-bin"
	WORK=$(mktemp -d /tmp/flbench.XXXXXX)
	defer "rm -rf '$WORK'"
	case $mode in
	--vm-part) vm_part; return ;;
	--sys-delay-only) sysdelay_only; return ;;
	--host-only) BENCH_VM=0 ;;
	--vm-only|all) ;;
	*) die "unknown argument '$mode' (see the header of bench/run.sh)" ;;
	esac
	local t0=$SECONDS
	[ "$mode" = --vm-only ] || host_part
	if [ "${BENCH_VM:-1}" != 0 ]; then vm=$(run_vm); fi
	mkdir -p "$OUT_DIR"
	out="$OUT_DIR/$(date -u +%Y-%m-%d)-$(uname -r).json"
	# --vm-only on a day that has results: replace just their VM part.
	if [ "$mode" = --vm-only ] && [ -s "$out" ]; then
		jq --argjson vm "$vm" --arg date "$(date -u +%FT%TZ)" \
			'.vm = $vm + {rerun: "VM part rerun alone at \($date) (bench/run.sh --vm-only)"}' \
			"$out" >"$out.tmp" && mv "$out.tmp" "$out"
		say "replaced the VM part of $out ($((SECONDS - t0)) s)"
		"$REPO/bench/report.sh" "$out"
		return
	fi
	# --host-only on a day that has results: keep their VM part, and say so.
	if [ "$mode" = --host-only ] && [ -s "$out" ] && jq -e '.vm.machine' "$out" >/dev/null; then
		vm=$(jq '.vm + {rerun: "kept from the run of \(.date), commit \(.commit); the host part was rerun alone (bench/run.sh --host-only)"}' "$out")
	fi
	for f in progs insitu traffic loss sys control sysdelay; do [ -s "$WORK/$f.json" ] || echo null >"$WORK/$f.json"; done
	jq -n --argjson m "$(machine_json)" --arg date "$(date -u +%FT%TZ)" \
		--arg commit "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
		--slurpfile p "$WORK/progs.json" --slurpfile i "$WORK/insitu.json" \
		--slurpfile t "$WORK/traffic.json" --slurpfile l "$WORK/loss.json" \
		--slurpfile s "$WORK/sys.json" --slurpfile c "$WORK/control.json" --argjson vm "$vm" \
		--slurpfile sd "$WORK/sysdelay.json" \
		--argjson secs $((SECONDS - t0)) \
		'{date: $date, commit: $commit, seconds: $secs,
		  host: {machine: $m, note: "the host kernel, itself a Firecracker microVM guest (KVM)"},
		  per_event: $p[0], in_situ: $i[0], traffic: $t[0], drop_precision: $l[0],
		  syscalls: $s[0], control_plane: $c[0], syscall_delay: $sd[0], vm: $vm}' >"$out"
	say "wrote $out ($((SECONDS - t0)) s)"
	"$REPO/bench/report.sh" "$out"
}

main "$@"
