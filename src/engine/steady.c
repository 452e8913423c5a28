// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "ctl.h"
#include "parse.h"
#include "series.h"
#include "steady.h"

static bool loopback_host(const char *h, size_t n)
{
	char buf[64];
	struct in_addr a;

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, h, n);
	buf[n] = '\0';
	if (!strcmp(buf, "localhost") || !strcmp(buf, "[::1]"))
		return true;
	return inet_pton(AF_INET, buf, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

/* http://HOST[:PORT][/PATH] with a loopback HOST: the probe must not leave the machine. */
const char *fl_steady_url_problem(const char *u)
{
	const char *host, *end, *p;
	__u64 port;

	if (strncmp(u, "http://", 7))
		return "the probe speaks plain HTTP: the URL starts with http://";
	host = u + 7;
	end = host[0] == '[' ? strchr(host, ']') : host + strcspn(host, ":/");
	if (!end)
		return "unclosed '[' in the host";
	end += host[0] == '[';
	if (!loopback_host(host, end - host))
		return "the host must be on loopback: 127.x.x.x, [::1] or localhost";
	p = end;
	if (*p == ':') {
		char num[8] = "";
		size_t n = strcspn(p + 1, "/");

		if (n < sizeof(num))
			memcpy(num, p + 1, n), num[n] = '\0';
		if (!n || n >= sizeof(num) || fl_parse_u64(num, 1, 65535, &port, NULL))
			return "the port must be 1..65535";
		p += 1 + n;
	}
	if (*p && *p != '/')
		return "the path must start with '/'";
	for (; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return "the path has a space or control character: percent-encode it";
	return NULL;
}

int fl_steady_parse_url(const char *url, char *host, size_t hsize, int *port, char *path,
			size_t psize)
{
	const char *h = url + 7, *end, *slash;
	size_t n;

	/* The one set of rules, also what experiment files are checked against. */
	if (fl_steady_url_problem(url))
		return -EINVAL;
	slash = strchr(h, '/');
	if (*h == '[') {
		end = strchr(h, ']');
		if (!end)
			return -EINVAL;
		n = end - h - 1;
		h++;
		end++;
	} else {
		end = h + strcspn(h, ":/");
		n = end - h;
	}
	if (!n || n >= hsize)
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = '\0';
	*port = 80;
	if (*end == ':') {
		char *e;
		long p = strtol(end + 1, &e, 10);

		if (p < 1 || p > 65535 || (*e && *e != '/'))
			return -EINVAL;
		*port = p;
	}
	snprintf(path, psize, "%s", slash ? slash : "/");
	return 0;
}

/* In the child: one GET; exit 0 on 2xx/3xx. The reason goes to fd. */
static int http_check(const char *url, int fd)
{
	char host[256], path[512], req[1024], resp[256], portstr[8];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV }, *ai;
	int port, s, status = 0;
	ssize_t n;

	if (fl_steady_parse_url(url, host, sizeof(host), &port, path, sizeof(path)))
		return dprintf(fd, "not a loopback http:// URL"), 1;
	snprintf(portstr, sizeof(portstr), "%d", port);
	if (getaddrinfo(host, portstr, &hints, &ai))
		return dprintf(fd, "cannot resolve %s", host), 1;
	s = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, ai->ai_addr, ai->ai_addrlen)) {
		dprintf(fd, "connect to %s:%d: %s", host, port, strerror(errno));
		return 1;
	}
	freeaddrinfo(ai);
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: faultline\r\n\r\n",
		 path, host);
	if (write(s, req, strlen(req)) < 0)
		return dprintf(fd, "send: %s", strerror(errno)), 1;
	n = read(s, resp, sizeof(resp) - 1);
	if (n <= 0)
		return dprintf(fd, "no response: %s", n ? strerror(errno) : "connection closed"), 1;
	resp[n] = '\0';
	if (sscanf(resp, "HTTP/%*d.%*d %d", &status) != 1)
		return dprintf(fd, "not an HTTP response"), 1;
	if (status < 200 || status >= 400)
		return dprintf(fd, "HTTP %d", status), 1;
	return 0;
}

static void start_check(struct fl_steady *s, uint64_t now)
{
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC)) {
		snprintf(s->last_error, sizeof(s->last_error), "pipe: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		setpgid(0, 0);	/* a timeout kills the check's whole group */
		close(pfd[0]);
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		if (s->p->url[0])
			_exit(http_check(s->p->url, pfd[1]));
		dup2(pfd[1], STDERR_FILENO);	/* the command's own complaint is the reason */
		execl("/bin/sh", "sh", "-c", s->p->command, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		snprintf(s->last_error, sizeof(s->last_error), "fork: %s", strerror(errno));
		return;
	}
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	s->child = pid;
	s->rfd = pfd[0];
	s->started_ns = now;
	s->child_phase = s->phase;
	s->kill_ns = now + s->p->timeout_ns;
	/* pidfd_open and polling a pidfd: Linux 5.3; without them a nap is a whole tick. */
	s->pidfd = syscall(SYS_pidfd_open, pid, 0);
}

static void count(struct fl_steady_count *c, bool ok, const char *why, uint64_t now)
{
	c->checks++;
	if (ok) {
		c->consecutive = 0;
		if (!c->first_ok_ns)
			c->first_ok_ns = now;
		return;
	}
	c->failed++;
	if (++c->consecutive > c->max_consecutive)
		c->max_consecutive = c->consecutive;
	snprintf(c->last_error, sizeof(c->last_error), "%s", why);
}

static void record(struct fl_steady *s, bool ok, const char *why, uint64_t now)
{
	struct fl_steady_count all = { s->checks, s->failed, s->consecutive };

	count(&all, ok, why, now);
	s->checks = all.checks;
	s->failed = all.failed;
	s->consecutive = all.consecutive;
	if (!ok)
		snprintf(s->last_error, sizeof(s->last_error), "%s", why);
	count(&s->ph[s->child_phase], ok, why, now);
	if (s->series)
		fl_series_check(s->series, s->started_ns, now, ok, s->child_phase);
}

static void child_gone(struct fl_steady *s)
{
	close(s->rfd);
	if (s->pidfd >= 0)
		close(s->pidfd);
	s->pidfd = -1;
	s->child = 0;
}

/*
 * What the check said, its last line: where tracebacks and most tools put
 * the reason ("ConnectionRefusedError: ..."). The child is gone, so the
 * pipe holds at most its buffer: the loop ends.
 */
static void last_line(int fd, char *out, size_t size)
{
	char buf[4096], *p;
	size_t len = 0;
	ssize_t n;

	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += n;
		if (len == sizeof(buf) - 1) {	/* keep the tail */
			memmove(buf, buf + len / 2, len - len / 2);
			len -= len / 2;
		}
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
	p = strrchr(buf, '\n');
	snprintf(out, size, "%s", p ? p + 1 : buf);
}

static void reap(struct fl_steady *s, uint64_t now)
{
	char why[200] = "";
	int status;
	pid_t r;

	r = waitpid(s->child, &status, WNOHANG);
	if (r == 0 && now < s->kill_ns)
		return;
	if (r == 0) {
		kill(-s->child, SIGKILL);
		waitpid(s->child, &status, 0);
		snprintf(why, sizeof(why), "no answer within the timeout");
	} else {
		last_line(s->rfd, why, sizeof(why));
		if (!why[0] && WIFEXITED(status))
			snprintf(why, sizeof(why), "exit status %d", WEXITSTATUS(status));
	}
	/* A timed-out check took its whole timeout, not the tick that noticed. */
	record(s, r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, why,
	       r == 0 ? s->kill_ns : now);
	child_gone(s);
}

void fl_steady_init(struct fl_steady *s, const struct fl_exp_probe *p, enum fl_phase phase,
		    uint64_t now)
{
	struct fl_series *series = s->series;

	memset(s, 0, sizeof(*s));
	s->p = p;
	s->rfd = -1;
	s->pidfd = -1;
	s->series = series;
	s->phase = phase;
	s->next_ns = now;	/* the first check right away: was the service healthy? */
}

void fl_steady_phase(struct fl_steady *s, enum fl_phase phase, uint64_t now)
{
	s->phase = phase;
	s->next_ns = now;
}

void fl_steady_hold(struct fl_steady *s)
{
	s->next_ns = UINT64_MAX;
}

bool fl_steady_busy(const struct fl_steady *s)
{
	return s->child != 0;
}

void fl_steady_nap(struct fl_steady *s, uint64_t ns)
{
	struct pollfd pfd = { .fd = s ? s->pidfd : -1, .events = POLLIN };
	uint64_t now = fl_now_ns();
	struct timespec ts;

	/* No check running: wake for the next one, so that checks keep their interval. */
	if (s && !s->child && s->next_ns > now && s->next_ns - now < ns)
		ns = s->next_ns - now;
	ts = (struct timespec){ ns / 1000000000ULL, ns % 1000000000ULL };
	if (pfd.fd >= 0)
		ppoll(&pfd, 1, &ts, NULL);
	else
		nanosleep(&ts, NULL);
}

bool fl_steady_tick(struct fl_steady *s, uint64_t now)
{
	if (s->child)
		reap(s, now);
	if (!s->child && now >= s->next_ns) {
		s->next_ns = now + s->p->interval_ns;
		start_check(s, now);
	}
	return s->p->failures && s->ph[s->phase].consecutive >= s->p->failures;
}

void fl_steady_stop(struct fl_steady *s)
{
	int status;

	if (!s->child)
		return;
	kill(-s->child, SIGKILL);
	waitpid(s->child, &status, 0);
	child_gone(s);
}
