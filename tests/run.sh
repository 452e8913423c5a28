#!/usr/bin/env bash
# Every suite, in order: unit tests, a bounded fuzz run of each fuzz target,
# host integration tests (in private network and mount namespaces: see
# tests/integration/run.sh), then the integration files marked
# "# vm: KERNEL..." inside each VM kernel. Ends with one line:
# "N passed, N failed, N skipped".
#   FL_SUITES="unit fuzz host vm" tests/run.sh      (the default: all four)
#   FL_FUZZ_SECONDS=15                                (per fuzz target)
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
suites=${FL_SUITES:-unit fuzz host vm}
results=$(mktemp)
trap 'rm -f "$results"' EXIT

record() { tee -a "$results"; }

# tap_lines NAME RC <TAP: cmocka's TAP output (CMOCKA_MESSAGE_OUTPUT=TAP) of one
# test binary as counted lines. cmocka 1.1 prints a skip() as
# "not ok N # SKIP NAME" (TAP's directive: a skip, not a failure), and exits
# with the number of failed cases, so 2 failures are not a crash. A crash is
# a signal, or fewer result lines than the "1..N" plans announced (the case
# that died never prints its line).
tap_lines() {
	awk -v f="$1" -v rc="$2" '
		/^[0-9]+\.\.[0-9]+$/ { split($0, a, /\.\./); planned += a[2]; next }
		/^(not )?ok [0-9]+ # [Ss][Kk][Ii][Pp]/ {
			sub(/^(not )?ok [0-9]+ # [Ss][Kk][Ii][Pp] */, ""); print "SKIP unit:" f ":" $0; seen++; next }
		/^ok /     { sub(/^ok [0-9]+ - /, ""); print "PASS unit:" f ":" $0; seen++; next }
		/^not ok / { sub(/^not ok [0-9]+ - /, ""); print "FAIL unit:" f ":" $0; seen++; failed++; next }
		/^#/ { print "    | " $0 }
		END {
			if (rc >= 128) print "FAIL unit:" f ": crashed (signal " rc - 128 ") after " seen " of " planned " cases"
			else if (seen < planned) print "FAIL unit:" f ": crashed: " planned - seen " of " planned " cases never reported"
			else if (!planned) print "FAIL unit:" f ": exited " rc " without a TAP plan"
			else if (rc != 0 && !failed) print "FAIL unit:" f ": exited " rc " though no case failed"
		}'
}

run_unit() {
	local t out rc
	echo "== unit"
	for t in .output/tests/test_*; do
		[ -x "$t" ] || continue
		out=$(mktemp)
		CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$out" 2>&1
		rc=$?
		tap_lines "$(basename "$t")" "$rc" <"$out" | record
		rm -f "$out"
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
