#!/usr/bin/env bash
# `make demo`: two small services, each a client in its own cgroup calling
# its own server in another network namespace; an experiment from examples/
# against one of them with faultline's live view; then both services side by
# side: the target's success rate and latency against the untouched one's.
# Everything is created here and removed on any exit. No external network.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
FL=$repo/faultline
SVC="python3 $repo/scripts/demo_service.py"
EXP=${FAULTLINE_DEMO_EXPERIMENT:-$repo/examples/demo.yaml}
tag=fldemo
run=/run/faultline-demo
root=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
cg=$root/faultline-demo
[ "$(id -u)" = 0 ] || { echo "demo: run as root (BPF, namespaces, cgroups)" >&2; exit 2; }
[ -n "$root" ] || { echo "demo: no cgroup2 mount found" >&2; exit 1; }
if [ -e "$cg" ] || ip netns list | grep -q "^$tag-"; then
	echo "demo: $cg or netns $tag-* exists: another demo is running (or remove them)" >&2
	exit 1
fi
pids=()

cleanup() {
	set +e
	[ -n "${flpid:-}" ] && kill -INT "$flpid" 2>/dev/null && wait "$flpid" 2>/dev/null
	kill "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
	for d in "$cg"/*/ "$cg"; do [ -d "$d" ] && rmdir "$d"; done
	ip netns del "$tag-c" 2>/dev/null; ip netns del "$tag-s" 2>/dev/null
	rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# svc CGROUP NS CMD...: a process of CGROUP in namespace NS, in the background.
svc() {
	local c=$1 ns=$2; shift 2
	sh -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' sh "$cg/$c" ip netns exec "$tag-$ns" "$@" &
	pids+=($!)
}

setup() {
	mkdir -p "$run" "$cg/checkout" "$cg/search" "$cg/checkout-db" "$cg/search-db"
	ip netns add "$tag-c"; ip netns add "$tag-s"
	ip link add name "${tag}a" type veth peer name "${tag}b"
	ip link set "${tag}a" netns "$tag-c"; ip link set "${tag}b" netns "$tag-s"
	ip -n "$tag-c" addr add 10.78.0.1/24 dev "${tag}a"; ip -n "$tag-s" addr add 10.78.0.2/24 dev "${tag}b"
	for ns in c s; do ip -n "$tag-$ns" link set lo up; done
	ip -n "$tag-c" link set "${tag}a" up; ip -n "$tag-s" link set "${tag}b" up
	svc checkout-db s $SVC server --port 5432 --max-time 120 >/dev/null
	svc search-db s $SVC server --port 9200 --max-time 120 >/dev/null
	sleep 1
	svc checkout c $SVC client --to 10.78.0.2 --port 5432 --log "$run/checkout.log" --max-time 120 >/dev/null
	svc search c $SVC client --to 10.78.0.2 --port 9200 --log "$run/search.log" --max-time 120 >/dev/null
}

# stats LOG FROM TO: success rate and latency of the requests started in [FROM, TO).
stats() {
	jq -rs --argjson a "$2" --argjson b "$3" '
		[.[] | select(.t >= $a and .t < $b)] as $r | ($r | map(.ms) | sort) as $ms |
		($r | map(select(.ok)) | length) as $ok |
		def pct(p): if ($ms | length) == 0 then 0 else $ms[(($ms | length) - 1) * p | floor] end;
		"\($ok)/\($r | length) ok (\(if ($r | length) > 0 then ($ok * 1000 / ($r | length) | round) / 10 else 0 end)%)  p50 \(pct(0.5) * 100 | round / 100) ms  p99 \(pct(0.99) * 100 | round / 100) ms  \($r | map(select(.ok | not) | .err) | group_by(.) | map("\(.[0]): \(length)") | join(", "))"
	' "$1"
}

table() { # TITLE FROM TO
	printf '  %-22s checkout (the target): %s\n' "$1" "$(stats "$run/checkout.log" "$2" "$3")"
	printf '  %-22s search (untouched):    %s\n' "" "$(stats "$run/search.log" "$2" "$3")"
}

step "faultline doctor: what this kernel lets faultline do"
"$FL" doctor | sed -n '1,40p' || true

step "two services: checkout -> its database (10.78.0.2:5432), search -> its index (:9200)"
echo "each client is in its own cgroup under $cg and opens a connection per request"
setup
sleep 3
t0=$(date +%s.%N)
sleep 4
t1=$(date +%s.%N)

step "the experiment, $(basename "$EXP"), against checkout only"
grep -v '^#' "$EXP" | sed 's/^/    /'
echo
set +e
"$FL" run "$EXP" &
flpid=$!
wait "$flpid"
rc=$?
flpid=
set -e
t2=$(date +%s.%N)
[ $rc -eq 0 ] || [ $rc -eq 3 ] || { echo "demo: faultline run failed (exit $rc)" >&2; exit 1; }
sleep 3
t3=$(date +%s.%N)

step "side by side"
table "before" "$t0" "$t1"
table "during the experiment" "$t1" "$t2"
table "after" "$t2" "$t3"
leftover=$("$FL" list | grep -v '^no experiments' || true)
[ -z "$leftover" ] || { echo "demo: experiments still running: $leftover" >&2; exit 1; }
echo
echo "done: nothing of faultline is left attached ('faultline list' is empty); cleaning up"
