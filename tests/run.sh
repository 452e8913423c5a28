#!/usr/bin/env bash
# Every suite, in order: unit tests, a bounded fuzz run of each fuzz target,
# host integration tests, then the integration files marked "# vm: KERNEL..."
# inside each VM kernel. Ends with one line: "N passed, N failed, N skipped".
#   FL_SUITES="unit fuzz host vm" tests/run.sh      (the default: all four)
#   FL_FUZZ_SECONDS=15                                (per fuzz target)
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
suites=${FL_SUITES:-unit fuzz host vm}
results=$(mktemp)
trap 'rm -f "$results"' EXIT

record() { tee -a "$results"; }

run_unit() {
	local t
	echo "== unit"
	for t in .output/tests/test_*; do
		[ -x "$t" ] || continue
		# TAP output: one "ok"/"not ok" line per test case.
		CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1 | awk -v f="$(basename "$t")" '
			/^ok /     { sub(/^ok [0-9]+ - /, ""); print "PASS unit:" f ":" $0; next }
			/^not ok / { sub(/^not ok [0-9]+ - /, ""); print "FAIL unit:" f ":" $0; next }
			/^#/ { print "    | " $0 }' | record
		[ "${PIPESTATUS[0]}" -le 1 ] || echo "FAIL unit:$(basename "$t"): crashed" | record
	done
}

# One counted line per fuzz target; a crash prints its reproducer's path.
run_fuzz() {
	echo "== fuzz (${FL_FUZZ_SECONDS:-15}s per target)"
	tests/fuzz/run.sh "${FL_FUZZ_SECONDS:-15}" | record
}

run_host() {
	echo "== host integration ($(uname -r))"
	tests/integration/run.sh | record
}

vm_files() {
	grep -l "^# vm:.*\b$1\b" tests/integration/test_*.sh 2>/dev/null
}

run_vm() {
	local kernel files out rc log
	for kernel in debian errinj; do
		echo "== vm $kernel"
		files=$(vm_files "$kernel")
		[ -n "$files" ] || continue
		log="$repo/.cache/vm/suite-$kernel.log"
		mkdir -p "$(dirname "$log")"
		out=$(mktemp)
		# shellcheck disable=SC2086
		scripts/vmtest.sh --kernel "$kernel" --log "$log" -- tests/integration/run.sh $files 2>&1 | tee "$out" |
			grep -E '^(PASS|FAIL|SKIP|    \|)' | sed -E "s/^(PASS|FAIL|SKIP) /\1 vm-$kernel:/" | record
		rc=${PIPESTATUS[0]}
		if [ "$rc" -eq 77 ]; then
			echo "SKIP vm-$kernel: $(grep -m1 '^SKIP:' "$out" | sed 's/^SKIP: //')" | record
		elif [ "$rc" -ne 0 ] && ! grep -q '^FAIL' "$out"; then
			echo "FAIL vm-$kernel: the VM run failed (exit $rc); console log: $log" | record
			tail -20 "$out" | sed 's/^/    | /'
		elif [ "$rc" -ne 0 ]; then
			echo "    console log: $log"
		fi
		rm -f "$out"
	done
}

for s in $suites; do
	case $s in
	unit) run_unit ;;
	fuzz) run_fuzz ;;
	host) run_host ;;
	vm) run_vm ;;
	*) echo "tests/run.sh: unknown suite '$s' (unit, fuzz, host, vm)" >&2; exit 2 ;;
	esac
done

pass=$(grep -c '^PASS' "$results")
fail=$(grep -c '^FAIL' "$results")
skip=$(grep -c '^SKIP' "$results")
echo
grep '^FAIL' "$results" | sed 's/^/  /'
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
