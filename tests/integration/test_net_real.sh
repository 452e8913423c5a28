# vm: debian
# Real programs as victims: a fault is right when the program reacts as it
# would to the real failure. dnsmasq + dig for a DNS blackhole, redis for a
# partition (drop, on this host) and for slow replies (delay, in the VM).
source "$REPO/tests/net_lib.sh"

start_dnsmasq() {
	command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
	printf '%s\n' "address=/checkout.test/10.9.9.9" "no-resolv" "no-hosts" >"$WORK/dnsmasq.conf"
	ip netns exec "$NS_S" dnsmasq --conf-file="$WORK/dnsmasq.conf" --listen-address=$S_ADDR \
		--bind-interfaces --port=53 --pid-file="$WORK/dnsmasq.pid" --user=root
	defer "kill \$(cat '$WORK/dnsmasq.pid')"
}

t_dns_blackhole_with_dig() {
	net_setup
	start_dnsmasq
	local out
	out=$(in_ns_cg "$NS_C" "$A" dig +short +time=1 +tries=1 @$S_ADDR checkout.test)
	[ "$out" = 10.9.9.9 ] || fail "no baseline answer: $out"
	fl_start dns net drop --cgroup "$REL_A" --protocol udp --port 53
	out=$(in_ns_cg "$NS_C" "$A" dig +time=1 +tries=2 @$S_ADDR checkout.test 2>&1 || true)
	echo "$out" | grep -q "timed out" || fail "dig in A did not time out as with a dead resolver: $out"
	out=$(in_ns_cg "$NS_C" "$B" dig +short +time=1 +tries=1 @$S_ADDR checkout.test)
	[ "$out" = 10.9.9.9 ] || fail "B lost DNS: $out"
	# TCP to the same port is not UDP: the blackhole must not touch it.
	out=$(in_ns_cg "$NS_C" "$A" dig +tcp +short +time=2 +tries=1 @$S_ADDR checkout.test)
	[ "$out" = 10.9.9.9 ] || fail "a UDP-only blackhole broke DNS over TCP: $out"
}

start_redis() {
	command -v redis-server >/dev/null || skip "redis not installed"
	ip netns exec "$NS_S" redis-server --port 6390 --bind $S_ADDR --protected-mode no \
		--save '' --appendonly no --daemonize yes --pidfile "$WORK/redis.pid" --dir "$WORK" >/dev/null
	defer "kill \$(cat '$WORK/redis.pid')"
	wait_for ip netns exec "$NS_S" redis-cli -h $S_ADDR -p 6390 ping
}

t_redis_partition_looks_like_a_timeout() {
	net_setup
	start_redis
	fl_start part net drop --cgroup "$REL_A" --protocol tcp --port 6390
	local out rc=0
	# Behind a partition redis-cli hangs in connect() (SYN retries) as it
	# would for real: still waiting after 4 s, no local error printed.
	out=$(in_ns_cg "$NS_C" "$A" timeout 4 redis-cli -h $S_ADDR -p 6390 ping 2>&1) || rc=$?
	note "redis-cli in A: '$out' (exit $rc)"
	[ $rc -eq 124 ] || fail "redis-cli did not hang like a partition (exit $rc): '$out'"
	echo "$out" | grep -qi "not permitted" && fail "the drop surfaced as a local error: '$out'"
	out=$(in_ns_cg "$NS_C" "$B" timeout 4 redis-cli -h $S_ADDR -p 6390 ping)
	[ "$out" = PONG ] || fail "B could not reach redis: $out"
}

t_redis_slow_replies() {
	requires sch_fq
	net_setup
	start_redis
	occupy "$A"
	fl_start slow net delay --cgroup "$REL_A" --delay 100ms --port 6390 --protocol tcp
	local a b
	a=$(in_ns_cg "$NS_C" "$A" redis-benchmark -h $S_ADDR -p 6390 -n 40 -c 1 -t ping_inline -q --csv 2>/dev/null | tail -1)
	b=$(in_ns_cg "$NS_C" "$B" redis-benchmark -h $S_ADDR -p 6390 -n 40 -c 1 -t ping_inline -q --csv 2>/dev/null | tail -1)
	note "redis-benchmark ping: A $a | B $b"
	# CSV: "test","rps","avg_latency_ms","min","p50",...
	local pa pb
	pa=$(echo "$a" | awk -F'"' '{print $10}')
	pb=$(echo "$b" | awk -F'"' '{print $10}')
	[ -n "$pa" ] && [ -n "$pb" ] || fail "could not read redis-benchmark's p50: A '$a' B '$b'"
	awk -v p="$pa" 'BEGIN { exit !(p >= 99 && p < 120) }' || fail "A's redis p50 $pa ms, want about 100"
	awk -v p="$pb" 'BEGIN { exit !(p < 20) }' || fail "B's redis p50 $pb ms moved"
}
