#!/usr/bin/env bash
# Runs each built fuzz target (.output/fuzz/fuzz_NAME) for SECONDS (default 15),
# starting from the seeds in tests/fuzz/corpus/NAME (and examples/ for the
# experiment parser). New inputs go to .output/fuzz/corpus/NAME, never to git.
# One counted line per target:
#   PASS fuzz:NAME: R runs, E exec/s
#   FAIL fuzz:NAME: ...; reproducer: PATH (rerun: BIN PATH)
# Exit status 1 when a target crashed, leaked, hung or found a contract broken.
#   tests/fuzz/run.sh [SECONDS]
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
secs=${1:-15}
status=0

stat_of() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }

run_one() {
	local bin=$1 name=${1##*/fuzz_} seeds=() dict=() log rc repro
	local work=.output/fuzz/corpus/$name art=.output/fuzz/artifacts/$name/
	mkdir -p "$work" "$art"
	[ -d "tests/fuzz/corpus/$name" ] && seeds+=("tests/fuzz/corpus/$name")
	[ "$name" = experiment ] && seeds+=(examples)
	[ -f "tests/fuzz/$name.dict" ] && dict=("-dict=tests/fuzz/$name.dict")
	log=.output/fuzz/$name.log
	# -timeout: one input taking 10 s is a hang, and a failure.
	"$bin" -max_total_time="$secs" -timeout=10 -print_final_stats=1 -artifact_prefix="$art" \
		"${dict[@]}" "$work" "${seeds[@]}" >"$log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "PASS fuzz:$name: $(stat_of number_of_executed_units "$log") runs, $(stat_of average_exec_per_sec "$log") exec/s in ${secs}s"
		return 0
	fi
	repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
	echo "FAIL fuzz:$name: exit $rc; reproducer: ${repro:-none written} (rerun: $bin $repro; log: $log)"
	grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | sed 's/^/    | /'
	return 1
}

bins=()
for bin in .output/fuzz/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] && bins+=("$bin")
done
if [ ${#bins[@]} -eq 0 ]; then
	echo "SKIP fuzz: no fuzz target built (make .output/fuzz/fuzz_experiment needs clang and libclang-rt-dev)"
	exit 0
fi
for bin in "${bins[@]}"; do
	run_one "$bin" || status=1
done
exit $status
