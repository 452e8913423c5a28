// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Load generators: a syscall loop (with an optional seccomp errno filter),
 * a 1-byte TCP request/response pair (netperf TCP_RR is in non-free), and
 * a paced UDP blaster with its sink for loss counting.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "bench.h"

static struct sockaddr_in addr_of(const char *host, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		bench_die("'%s' is not an IPv4 address", host);
	return a;
}

/* ---- syscall loop ---- */

struct call {
	const char *name;
	int nr;			/* the syscall a seccomp filter fails */
	int (*once)(int fd);	/* one call; returns -1 with errno on failure */
};

static int do_getpid(int fd)
{
	return syscall(SYS_getpid) < 0 ? -1 : 0;
}

static int do_openclose(int fd)
{
	int f = open("/dev/null", O_RDONLY);

	if (f < 0)
		return -1;
	close(f);
	return 0;
}

/* UDP connect: the connect4 hook runs, nothing goes on the wire. */
static int do_connect(int fd)
{
	struct sockaddr_in a = addr_of("127.0.0.1", 9);

	return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

static const struct call calls[] = {
	{ "getpid", SYS_getpid, do_getpid },
	{ "openclose", SYS_openat, do_openclose },
	{ "connect", SYS_connect, do_connect },
};

/* Fail syscall nr with EIO in this process: what a seccomp-based injector does. */
static void install_seccomp(int nr)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EIO),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		bench_die("cannot install the seccomp filter: %s", strerror(errno));
}

#define BATCHES 5

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int cmd_sysloop(int argc, char **argv)
{
	const struct call *c = NULL;
	long n = argc >= 2 ? atol(argv[1]) : 0, errors = 0;
	double ns[BATCHES];
	int fd;

	for (size_t i = 0; argc >= 1 && i < sizeof(calls) / sizeof(calls[0]); i++)
		if (!strcmp(argv[0], calls[i].name))
			c = &calls[i];
	if (!c || n <= 0 || n > 100000000)
		bench_die("usage: sysloop getpid|openclose|connect N [--seccomp]");
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		bench_die("socket: %s", strerror(errno));
	if (argc >= 3 && !strcmp(argv[2], "--seccomp"))
		install_seccomp(c->nr);
	/* Batches, the minimum reported: the other tenants only add time. */
	for (int b = 0; b < BATCHES; b++) {
		uint64_t t0 = bench_now_ns();

		for (long i = 0; i < n / BATCHES; i++)
			errors += c->once(fd) < 0;
		ns[b] = (double)(bench_now_ns() - t0) / (n / BATCHES);
	}
	qsort(ns, BATCHES, sizeof(double), cmp_double);
	printf("{\"call\":\"%s\",\"calls\":%ld,\"errors\":%ld,\"ns\":%.1f,\"ns_median\":%.1f}\n",
	       c->name, n / BATCHES * BATCHES, errors, ns[0], ns[BATCHES / 2]);
	return 0;
}

/* ---- TCP request/response ---- */

static int listen_on(int port, int type)
{
	struct sockaddr_in a = addr_of("0.0.0.0", port);
	int one = 1, fd = socket(AF_INET, type, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || (type == SOCK_STREAM && listen(fd, 16)))
		bench_die("cannot listen on port %d: %s", port, strerror(errno));
	return fd;
}

static void echo_loop(int c)
{
	char b;
	int one = 1;

	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (read(c, &b, 1) == 1 && write(c, &b, 1) == 1)
		;
	close(c);
}

/* Serves one connection at a time until killed; each run is one client. */
int cmd_rr_server(int argc, char **argv)
{
	int fd = listen_on(argc >= 1 ? atoi(argv[0]) : 0, SOCK_STREAM);

	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int c = accept(fd, NULL, NULL);

		if (c >= 0)
			echo_loop(c);
	}
}

int cmd_rr_client(int argc, char **argv)
{
	struct sockaddr_in a;
	uint64_t t0, end, n = 0;
	int fd, one = 1;
	char b = 'x';

	if (argc < 3)
		bench_die("usage: rr-client HOST PORT SECONDS");
	a = addr_of(argv[0], atoi(argv[1]));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		bench_die("cannot connect to %s:%s: %s", argv[0], argv[1], strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	t0 = bench_now_ns();
	end = t0 + (uint64_t)(atof(argv[2]) * 1e9);
	while (bench_now_ns() < end) {
		if (write(fd, &b, 1) != 1 || read(fd, &b, 1) != 1)
			bench_die("request/response broke after %llu: %s",
				  (unsigned long long)n, strerror(errno));
		n++;
	}
	printf("{\"transactions\":%llu,\"per_s\":%.1f}\n", (unsigned long long)n,
	       n / ((bench_now_ns() - t0) / 1e9));
	return 0;
}

/* ---- UDP loss ---- */

/* Counts datagrams until IDLE_MS without one (after the first) or MAX_S. */
int cmd_udp_sink(int argc, char **argv)
{
	int fd, idle, rcvbuf = 32 << 20;
	uint64_t n = 0, end, last = 0, seq;
	char buf[2048];
	ssize_t len;

	if (argc < 3)
		bench_die("usage: udp-sink PORT IDLE_MS MAX_S");
	fd = listen_on(atoi(argv[0]), SOCK_DGRAM);
	idle = atoi(argv[1]);
	end = bench_now_ns() + (uint64_t)atoi(argv[2]) * 1000000000ULL;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	printf("ready\n");
	fflush(stdout);
	while (bench_now_ns() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, n ? idle : 1000) == 0) {
			if (n)
				break;
			continue;
		}
		while ((len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
			n++;
			/* The blaster's sequence number: shows whether the tail arrived. */
			if (len >= (ssize_t)sizeof(seq)) {
				memcpy(&seq, buf, sizeof(seq));
				last = seq > last ? seq : last;
			}
		}
	}
	printf("{\"received\":%llu,\"last_seq\":%llu}\n", (unsigned long long)n,
	       (unsigned long long)last);
	return 0;
}

/*
 * Paced, so that neither the veth backlog nor the sink's buffer loses what
 * the fault did not drop; send errors (an iptables DROP says EPERM) still
 * count as sent: the packet was offered to the network.
 */
int cmd_udp_blast(int argc, char **argv)
{
	struct sockaddr_in a;
	uint64_t count, gap, t0;
	long errors = 0;
	char payload[64] = { 0 };
	int fd;

	if (argc < 4)
		bench_die("usage: udp-blast HOST PORT COUNT PPS");
	a = addr_of(argv[0], atoi(argv[1]));
	count = strtoull(argv[2], NULL, 10);
	gap = 1000000000ULL / strtoull(argv[3], NULL, 10);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		bench_die("socket: %s", strerror(errno));
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < count; i++) {
		while (bench_now_ns() < t0 + i * gap)
			;
		memcpy(payload, &i, sizeof(i));
		errors += sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&a, sizeof(a)) < 0;
	}
	printf("{\"sent\":%llu,\"send_errors\":%ld,\"seconds\":%.3f}\n", (unsigned long long)count,
	       errors, (bench_now_ns() - t0) / 1e9);
	return 0;
}

/* ---- start-up time ---- */

static bool log_has(const char *log, const char *pattern)
{
	char buf[8192];
	FILE *f = fopen(log, "r");
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(buf, sizeof(buf), f))
		found = strstr(buf, pattern) != NULL;
	fclose(f);
	return found;
}

/*
 * Starts CMD with stderr to LOG and prints how long until LOG shows
 * PATTERN, and the child's pid, which keeps running: the caller measures
 * it further and stops it.
 */
int cmd_until(int argc, char **argv)
{
	uint64_t t0, deadline;
	pid_t pid;

	if (argc < 5 || strcmp(argv[3], "--"))
		bench_die("usage: until PATTERN TIMEOUT_S LOG -- CMD...");
	t0 = bench_now_ns();
	deadline = t0 + (uint64_t)atoi(argv[1]) * 1000000000ULL;
	pid = fork();
	if (pid == 0) {
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int nul = open("/dev/null", O_WRONLY);

		if (fd < 0 || nul < 0 || dup2(fd, 2) < 0 || dup2(nul, 1) < 0)
			_exit(127);
		execvp(argv[4], argv + 4);
		_exit(127);
	}
	while (bench_now_ns() < deadline) {
		if (log_has(argv[2], argv[0])) {
			printf("{\"ms\":%.2f,\"pid\":%d}\n", (bench_now_ns() - t0) / 1e6, pid);
			return 0;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid)
			bench_die("%s exited before saying '%s' (see %s)", argv[4], argv[0], argv[2]);
		usleep(200);
	}
	kill(pid, SIGINT);
	bench_die("%s did not say '%s' within %s s (see %s)", argv[4], argv[0], argv[1], argv[2]);
}
