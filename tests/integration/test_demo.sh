# make demo's script on this host: it must end green, show the target hurt
# and the untouched service unaffected, and leave nothing behind.
# shellcheck shell=bash

t_demo_runs_green() {
	local out="${TMPDIR:-/tmp}/$TEST_TAG.demo" during_b during_a
	defer "rm -f '$out'"
	"$REPO/scripts/demo.sh" >"$out" 2>&1 || fail "demo exited $?: $(tail -20 "$out")"
	during_a=$(grep -A1 '^  during the experiment' "$out" | sed -n 1p)
	during_b=$(grep -A1 '^  during the experiment' "$out" | sed -n 2p)
	echo "$during_b" | grep -q 'search (untouched):.*(100%)' || fail "the untouched service was hit: $during_b"
	echo "$during_a" | grep -qE 'checkout \(the target\): [0-9]+/[0-9]+ ok' || fail "no figures for the target: $during_a"
	grep -E '^  \[[12]\] .*injected [1-9]' "$out" >/dev/null || fail "the experiment injected nothing: $(grep -A3 'ended after' "$out")"
	[ ! -e "$(cg2_root)/faultline-demo" ] || fail "the demo's cgroups are left"
	ip netns list | grep -q '^fldemo-' && fail "the demo's namespaces are left"
	"$FL" list | grep -q '^no experiments running' || fail "experiments left: $("$FL" list)"
}
