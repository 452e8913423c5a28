#!/usr/bin/env bash
# Run integration tests: every t_* function of the given test_*.sh files (all
# of them by default), each in its own subshell with cleanup on any exit.
# Prints one PASS/FAIL/SKIP line per test; exit status 1 if any failed.
#   tests/integration/run.sh [-k REGEX] [FILE...]
# On the host, the tests run in private network and mount namespaces (their
# own bpffs, /run/faultline, /run/netns and loopback), so `stop --all` can be
# tested there and no test run can touch a real experiment on the machine;
# a sentinel in the host's real dirs, checked after the run, proves it. In
# a VM (FAULTLINE_VM) the whole machine is the test's: nothing to hide, and
# its bpffs starts unmounted, which the tool must cope with.
set -u
here=$(cd "$(dirname "$0")" && pwd)

# The host side: make the sentinel, run this script again inside the
# namespaces, then check the sentinel (one counted line) and remove it.
isolate() {
	local rc problems
	source "$here/../lib.sh"
	if ! unshare --net --mount true 2>/dev/null; then
		echo "note: cannot unshare here: tests that halt every experiment will skip" >&2
		return 0
	fi
	export FL_HOST_PID=$$
	trap 'sentinel_remove' EXIT
	sentinel_make || { echo "FAIL integration:host_state_untouched: cannot make the sentinel"; exit 1; }
	FL_NAMESPACES=setup unshare --net --mount --propagation private "$0" "$@"
	rc=$?
	problems=$(sentinel_check "")
	if [ -n "$problems" ]; then
		echo "FAIL integration:host_state_untouched: $(echo "$problems" | paste -sd ';' -)"
		rc=1
	else
		echo "PASS integration:host_state_untouched"
	fi
	exit $rc
}

# Inside: the namespaces' own state, before any test runs.
setup_namespaces() {
	local d
	mount --make-rprivate / &&
		mount -t bpf bpf /sys/fs/bpf || { echo "FAIL integration:namespaces: no private bpffs" && exit 1; }
	for d in /run/faultline:0700 /run/netns:0755; do
		mkdir -p "${d%:*}" && mount -t tmpfs -o "mode=${d#*:}" tmpfs "${d%:*}" ||
			{ echo "FAIL integration:namespaces: no private ${d%:*}" && exit 1; }
	done
	ip link set lo up
	export FL_NAMESPACES=private
}

if [ -z "${FAULTLINE_VM:-}" ] && [ -z "${FL_NAMESPACES:-}" ]; then
	isolate "$@"
elif [ "${FL_NAMESPACES:-}" = setup ]; then
	setup_namespaces
fi

pattern=.
[ "${1:-}" = -k ] && { pattern=$2; shift 2; }
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$here"/test_*.sh)
per_test_timeout=${FL_TEST_TIMEOUT:-180}

# What a finished test left on the host under its tag (and then removes it):
# a test must clean up after itself, failure or not.
left_behind() {
	local tag=$1 root out=""
	[ -n "$tag" ] || return 0
	root=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
	ip netns list 2>/dev/null | grep -q "^$tag-" && out="netns $(ip netns list | awk '{print $1}' | grep "^$tag-" | tr '\n' ' ')"
	[ -d "$root/$tag" ] && out="$out cgroup $root/$tag"
	[ -n "$out" ] && (TEST_TAG=$tag; source "$here/../lib.sh"; sweep_tag)
	echo "$out"
}
failed=0

for file in "${files[@]}"; do
	base=$(basename "$file" .sh)
	for t in $(bash -c "source '$here/../lib.sh'; source '$file'; declare -F" | awk '{print $3}' | grep '^t_' | grep -E -- "$pattern"); do
		log=$(mktemp)
		start=$(date +%s.%N)
		timeout --kill-after=10 "$per_test_timeout" bash -c '
			set -eu -o pipefail
			export TEST_TAG="flt$$"
			echo "TESTTAG=$TEST_TAG"
			source "$1/../lib.sh"; source "$2"
			trap run_deferred EXIT
			"$3"' _ "$here" "$file" "$t" >"$log" 2>&1
		rc=$?
		leftover=$(left_behind "$(sed -n 's/^TESTTAG=//p' "$log" | head -1)")
		if [ -n "$leftover" ] && [ $rc -ne 77 ]; then
			echo "FAILMSG: left behind: $leftover" >>"$log"
			rc=1
		fi
		secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
		name="$base:${t#t_}"
		if [ $rc -eq 0 ]; then
			echo "PASS $name (${secs}s)"
		elif [ $rc -eq 77 ]; then
			echo "SKIP $name: $(grep -m1 '^SKIPMSG:' "$log" | sed 's/^SKIPMSG: //')"
		else
			reason=$(grep '^FAILMSG:' "$log" | head -1 | sed 's/^FAILMSG: //')
			[ $rc -eq 124 ] && reason="timed out after ${per_test_timeout}s"
			echo "FAIL $name: ${reason:-exit $rc}"
			sed 's/^/    | /' "$log" | tail -40
			failed=1
		fi
		[ -n "${FL_TEST_VERBOSE:-}" ] && sed 's/^/    | /' "$log"
		rm -f "$log"
	done
done
exit $failed
