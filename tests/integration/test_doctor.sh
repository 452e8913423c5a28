# vm: debian errinj
# faultline doctor: valid JSON, the right verdicts for the kernel it runs on,
# and nothing left behind by the probes.

t_json_shape() {
	local out
	out=$("$FL" doctor --json) || fail "doctor exited $? though the core works here"
	echo "$out" | jq -e '.features | type == "array" and length >= 17' >/dev/null || fail "no features array"
	echo "$out" | jq -e 'all(.features[]; (.name|type)=="string" and (.available|type)=="boolean"
		and (.reason|type)=="string" and (.needed_for|type)=="string")' >/dev/null ||
		fail "a feature lacks name/available/reason/needed_for"
	echo "$out" | jq -e 'all(.features[]; .available or (.reason | length > 0))' >/dev/null ||
		fail "an unavailable feature has no reason"
}

t_core_available() {
	local out
	out=$("$FL" doctor --json)
	for f in btf cgroup2 tc_clsact cgroup_skb cgroup_sock_addr bpf_set_retval tracepoint; do
		echo "$out" | jq -e --arg n "$f" '.features[] | select(.name==$n) | .available' >/dev/null ||
			fail "$f unavailable: $(echo "$out" | jq -r --arg n "$f" '.features[]|select(.name==$n)|.reason')"
	done
}

# Every doctor verdict against a second opinion: featprobe.py finds each
# feature without faultline's code (raw bpf(2) calls, tc, bpftool), in a
# scratch network and mount namespace. Right on whatever kernel this runs.
t_verdicts_match_independent_probes() {
	local out probe cg bad
	out=$("$FL" doctor --json) || fail "doctor exited $?"
	cg=$(mk_cgroup probe)
	probe=$(unshare --net --mount --propagation private python3 "$REPO/tests/tools/featprobe.py" --cgroup "$cg") ||
		fail "featprobe.py failed"
	note "$(jq -rn --argjson p "$probe" '$p | to_entries | map("\(.key)=\(if .value.available then "yes" else "no" end)") | join(" ")')"
	bad=$(jq -rn --argjson d "$out" --argjson p "$probe" '
		([$d.features[].name] - ($p | keys) | map("\(.): doctor reports it, featprobe.py has no check for it")[]),
		(($p | keys) - [$d.features[].name] | map("\(.): featprobe.py checks it, doctor does not report it")[]),
		($d.features[] | select($p[.name] and .available != $p[.name].available) |
			"\(.name): doctor says \(.available) (\(.reason)), the kernel \($p[.name].available) (\($p[.name].why))")')
	[ -z "$bad" ] || fail "$(echo "$bad" | paste -sd ';' -)"
}

# The VM kernels exist to run what the host cannot: if one lost a feature,
# its suite would skip instead of fail. (By role, not by release string.)
t_vm_kernel_has_what_its_suite_needs() {
	local out f need
	case "${FAULTLINE_VM:-}" in
	debian) need="sch_fq kprobe fentry fmod_ret_security bpf_lsm" ;;
	errinj) need="sch_fq kprobe fentry fmod_ret_security bpf_lsm bpf_override_return fmod_ret_syscall" ;;
	*) skip "the host suite needs only the core features (t_core_available)" ;;
	esac
	out=$("$FL" doctor --json)
	for f in $need; do
		echo "$out" | jq -e --arg n "$f" '.features[] | select(.name == $n) | .available' >/dev/null ||
			fail "$f unavailable on the $FAULTLINE_VM VM: $(echo "$out" | jq -r --arg n "$f" '.features[] | select(.name == $n) | .reason')"
	done
}

t_probes_leave_nothing() {
	local before after root
	root=$(cg2_root)
	# Programs are freed after an RCU grace period: let earlier ones go.
	wait_for sh -c '! bpftool prog show | grep -q "name probe_"'
	before=$(host_snapshot; ls "$root")
	"$FL" doctor >/dev/null || true
	wait_for sh -c '! bpftool prog show | grep -q "name probe_"' || fail "probe programs still loaded 5 s after doctor"
	after=$(host_snapshot; ls "$root")
	[ "$before" = "$after" ] || fail "doctor left something: $(diff <(echo "$before") <(echo "$after"))"
}

t_bad_usage_exit_2() {
	local rc=0
	"$FL" doctor extra-arg 2>/dev/null || rc=$?
	[ $rc -eq 2 ] || fail "doctor with a stray argument exited $rc, want 2"
	rc=0; "$FL" no-such-command 2>/dev/null || rc=$?
	[ $rc -eq 2 ] || fail "an unknown command exited $rc, want 2"
}
