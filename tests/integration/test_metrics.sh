# faultline metrics: the counters of running experiments in Prometheus text
# format, scraped with curl, checked with promtool, compared with status.
# shellcheck shell=bash
# shellcheck source=test_sys.sh
source "$(dirname "${BASH_SOURCE[0]}")/test_sys.sh"
# shellcheck disable=SC2046
unset -f $(declare -F | awk '$3 ~ /^t_/ && $3 !~ /^t_metrics_/ {print $3}')

# metrics_start: faultline metrics on a free loopback port; sets MURL.
metrics_start() {
	local port
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$FL" metrics --listen "127.0.0.1:$port" 2>"$WORK/metrics.err" &
	defer "kill $! 2>/dev/null"
	MURL="http://127.0.0.1:$port/metrics"
	wait_for curl -sf "$MURL" || fail "metrics did not come up: $(cat "$WORK/metrics.err")"
}

t_metrics_match_status() {
	local id scraped want
	sys_setup
	tcp_server
	fl_sys --call connect --errno ECONNREFUSED --probability 50% --duration 60s
	id=$("$FL" --json list | jq -r --argjson p "$FL_PID" '.experiments[] | select(.pid == $p) | .id')
	sock_calls "$A" tcp "$PORT" 40 >/dev/null
	metrics_start
	curl -sf "$MURL" >"$WORK/scrape" || fail "scrape failed"
	if command -v promtool >/dev/null; then
		promtool check metrics <"$WORK/scrape" >"$WORK/lint" 2>&1 || fail "promtool: $(cat "$WORK/lint")"
	else
		note "promtool missing: format checked by the parser below only"
	fi
	# Every sample line: name{labels} value, as the text format defines.
	grep -v '^#' "$WORK/scrape" | grep -vE '^[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? [0-9.e+-]+$' &&
		fail "lines that are not samples: $(grep -v '^#' "$WORK/scrape")"
	for k in matched injected; do
		scraped=$(sed -n "s/^faultline_${k}_total{experiment=\"$id\".* \([0-9]*\)$/\1/p" "$WORK/scrape")
		want=$("$FL" --json status "$id" | jq ".faults[0].$k")
		[ -n "$scraped" ] && [ "$scraped" = "$want" ] || fail "$k: scraped '$scraped', status says $want"
	done
	[ "$want" -gt 5 ] && [ "$want" -lt 35 ] || fail "50% of 40 calls injected $want times"
	grep -q "^faultline_experiment_remaining_seconds{experiment=\"$id\"" "$WORK/scrape" || fail "no remaining_seconds for $id"
	[ "$(curl -s -o /dev/null -w '%{http_code}' "${MURL%/metrics}/nope")" = 404 ] || fail "unknown path is not a 404"
	fl_end INT
}

t_metrics_bad_listen_exit_2() {
	local rc=0
	"$FL" metrics --listen nonsense 2>/dev/null || rc=$?
	[ $rc -eq 2 ] || fail "--listen nonsense exited $rc, want 2"
}
