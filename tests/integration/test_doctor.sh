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

# What each kernel we test on must say; a new kernel gets its own line.
t_verdicts_match_kernel() {
	local out expect_yes expect_no f
	out=$("$FL" doctor --json)
	case "${FAULTLINE_VM:-host}" in
	host)	expect_yes="tc_clsact tcx cgroup_skb cgroup_sock_addr bpf_set_retval"
		expect_no="fentry fmod_ret_security bpf_lsm kprobe bpf_override_return fmod_ret_syscall sch_fq" ;;
	debian)	expect_yes="tc_clsact bpf_lsm fmod_ret_security fentry kprobe sch_fq"
		expect_no="tcx bpf_override_return fmod_ret_syscall" ;;
	errinj)	expect_yes="tc_clsact bpf_lsm fmod_ret_security fentry kprobe sch_fq bpf_override_return fmod_ret_syscall"
		expect_no="tcx" ;;
	esac
	[ "${FAULTLINE_VM:-host}" = host ] && [ "$(uname -r)" != 6.18.44-fc-v657 ] &&
		skip "host expectations are for the project's 6.18 machine, this is $(uname -r)"
	for f in $expect_yes; do
		echo "$out" | jq -e --arg n "$f" '.features[]|select(.name==$n)|.available' >/dev/null ||
			fail "$f should be available on ${FAULTLINE_VM:-host}: $(echo "$out" | jq -r --arg n "$f" '.features[]|select(.name==$n)|.reason')"
	done
	for f in $expect_no; do
		echo "$out" | jq -e --arg n "$f" '.features[]|select(.name==$n)|.available|not' >/dev/null ||
			fail "$f should be unavailable on ${FAULTLINE_VM:-host}"
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
