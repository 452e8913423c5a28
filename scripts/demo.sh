#!/usr/bin/env bash
# `make demo`: what this kernel allows, then a real fault on one of two
# services, with the other untouched beside it. Everything runs in
# namespaces and cgroups this script creates and removes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
FL=$repo/faultline
NP="python3 $repo/tests/tools/netprobe.py"
tag=fldemo$$
root=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
[ -n "$root" ] || { echo "demo: no cgroup2 mount found" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "demo: run as root (BPF, netns, cgroups)" >&2; exit 1; }

cleanup() {
	set +e
	[ -n "${flpid:-}" ] && kill -INT "$flpid" 2>/dev/null && wait "$flpid" 2>/dev/null
	for p in $(cat "$root/$tag"/*/cgroup.procs 2>/dev/null); do kill "$p" 2>/dev/null; done
	sleep 0.2
	rmdir "$root/$tag"/* "$root/$tag" 2>/dev/null
	ip netns del "$tag-c" 2>/dev/null; ip netns del "$tag-s" 2>/dev/null
}
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "faultline doctor: what this kernel lets faultline do"
"$FL" doctor || true

step "two services, each a client in its own cgroup, talking to servers in another namespace"
ip netns add "$tag-c"; ip netns add "$tag-s"
ip link add name "${tag}a" type veth peer name "${tag}b"
ip link set "${tag}a" netns "$tag-c"; ip link set "${tag}b" netns "$tag-s"
ip -n "$tag-c" addr add 10.78.0.1/24 dev "${tag}a"; ip -n "$tag-s" addr add 10.78.0.2/24 dev "${tag}b"
for ns in c s; do ip -n "$tag-$ns" link set lo up; done
ip -n "$tag-c" link set "${tag}a" up; ip -n "$tag-s" link set "${tag}b" up
mkdir -p "$root/$tag/checkout" "$root/$tag/search"
for port in 9001 9002; do
	ip netns exec "$tag-s" $NP udp-echo --port $port --max-time 60 >/dev/null &
done
sleep 1
echo "checkout -> 10.78.0.2:9001, search -> 10.78.0.2:9002 (UDP request/response)"

measure() { # CGROUP PORT: 200 requests, prints replies and p50
	sh -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' sh "$root/$tag/$1" \
		ip netns exec "$tag-c" $NP udp-rtt --to 10.78.0.2 --port "$2" --count 200 --timeout 0.05 |
		jq -r '"\(.replies)/\(.sent) answered, p50 \(.p50_ms // 0 | . * 1000 | round / 1000) ms"'
}

step "baseline"
echo "checkout: $(measure checkout 9001)"
echo "search:   $(measure search 9002)"

step "faultline net drop --cgroup /$tag/checkout --probability 30% --duration 15s"
"$FL" net drop --cgroup "/$tag/checkout" --probability 30% --duration 15s &
flpid=$!
sleep 1.5
echo "checkout: $(measure checkout 9001)   <- the target: about 51% of round trips lose a packet"
echo "search:   $(measure search 9002)   <- untouched"
kill -INT "$flpid"; wait "$flpid" || true; flpid=
step "after the fault: everything is back"
echo "checkout: $(measure checkout 9001)"
