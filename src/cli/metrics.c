// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `faultline metrics --listen ADDR:PORT`: every experiment's counters in the
 * Prometheus text exposition format (version 0.0.4). The counters are read
 * from the experiments' pins at each scrape, so this process holds no state
 * and may come and go independently of the experiments.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include "cmd.h"
#include "ctl.h"
#include "log.h"
#include "registry.h"

#define DEFAULT_LISTEN	"127.0.0.1:9477"

/* Label values: backslash, double quote and newline are escaped. */
static void label(FILE *f, const char *key, const char *v, bool last)
{
	fprintf(f, "%s=\"", key);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*v, f);
	}
	fprintf(f, "\"%s", last ? "" : ",");
}

static void fault_labels(FILE *f, const struct fl_reg *r, int i)
{
	char idx[16];

	snprintf(idx, sizeof(idx), "%d", i + 1);
	fputc('{', f);
	label(f, "experiment", r->id, false);
	label(f, "name", r->name, false);
	label(f, "target", r->target, false);
	label(f, "index", idx, false);
	label(f, "kind", r->faults[i].kind, false);
	label(f, "fault", r->faults[i].desc, true);
	fputc('}', f);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A family-specific counter (fault.h's stats): every fault that has it. */
static void write_extra(FILE *f, const struct fl_reg *v, int n, struct fl_fault_stats (*st)[FL_REG_FAULTS],
			const char *metric, const char *help)
{
	bool said = false;

	for (int e = 0; e < n; e++)
		for (int i = 0; i < v[e].nfaults; i++) {
			const struct fl_fault_kind *k = fl_kind_find(v[e].faults[i].kind);

			for (int s = 0; k && k->stats && s < FL_FAULT_STATS && k->stats[s].key; s++) {
				if (!k->stats[s].metric || strcmp(k->stats[s].metric, metric) || !st[e][i].valid)
					continue;
				if (!said)
					family(f, metric, "counter", help);
				said = true;
				fputs(metric, f);
				fault_labels(f, &v[e], i);
				fprintf(f, " %.9g\n", st[e][i].extra[s] * k->stats[s].scale);
			}
		}
}

static void write_faults(FILE *f, const struct fl_reg *v, int n)
{
	struct fl_fault_stats (*st)[FL_REG_FAULTS] = calloc(n ? n : 1, sizeof(*st));

	if (!st)
		return;
	/* Each pinned map once per scrape; the families below only format it. */
	for (int e = 0; e < n; e++)
		for (int i = 0; i < v[e].nfaults; i++)
			fl_reg_fault_stats(&v[e], i, &st[e][i]);
	for (int k = 0; k < 2; k++) {
		const char *name = k ? "faultline_injected_total" : "faultline_matched_total";

		family(f, name, "counter", k ? "Faults injected: packets dropped or delayed, calls failed." :
		       "Packets or calls of the target that matched the fault's filters.");
		for (int e = 0; e < n; e++)
			for (int i = 0; i < v[e].nfaults; i++) {
				if (!st[e][i].valid)
					continue;
				fputs(name, f);
				fault_labels(f, &v[e], i);
				fprintf(f, " %llu\n", (unsigned long long)(k ? st[e][i].injected : st[e][i].matched));
			}
	}
	/* Then every family's own, each metric once however many families share it. */
	for (int i = 0; fl_kinds[i]; i++)
		for (int s = 0; fl_kinds[i]->stats && s < FL_FAULT_STATS && fl_kinds[i]->stats[s].key; s++) {
			const struct fl_stat_def *d = &fl_kinds[i]->stats[s];
			bool first = true;

			for (int j = 0; j < i && first; j++)
				for (int t = 0; fl_kinds[j]->stats && t < FL_FAULT_STATS && fl_kinds[j]->stats[t].key; t++)
					if (fl_kinds[j]->stats[t].metric && d->metric &&
					    !strcmp(fl_kinds[j]->stats[t].metric, d->metric))
						first = false;
			if (d->metric && first)
				write_extra(f, v, n, st, d->metric, d->help);
		}
	free(st);
}

static void write_experiments(FILE *f, const struct fl_reg *v, int n)
{
	uint64_t now = fl_now_ns();

	family(f, "faultline_experiment_remaining_seconds", "gauge",
	       "Time until the experiment's deadline, which the kernel enforces.");
	for (int e = 0; e < n; e++) {
		fputs("faultline_experiment_remaining_seconds{", f);
		label(f, "experiment", v[e].id, false);
		label(f, "name", v[e].name, false);
		label(f, "target", v[e].target, true);
		fprintf(f, "} %.3f\n", v[e].deadline_ns > now ? (v[e].deadline_ns - now) / 1e9 : 0.0);
	}
	family(f, "faultline_experiments", "gauge", "Experiments running on this host.");
	fprintf(f, "faultline_experiments %d\n", n);
}

/* The whole exposition into a memory buffer: one write per scrape. */
static char *exposition(size_t *len)
{
	struct fl_reg *v;
	char *buf = NULL;
	FILE *f;
	int n;

	f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	n = fl_reg_list(&v, false);
	if (n < 0)
		n = 0;
	write_faults(f, v, n);
	write_experiments(f, v, n);
	free(v);
	fclose(f);
	return buf;
}

static void respond(int c)
{
	char req[2048], head[256], *body;
	size_t len = 0;
	ssize_t n;

	n = recv(c, req, sizeof(req) - 1, 0);
	if (n <= 0)
		return;
	req[n] = '\0';
	if (strncmp(req, "GET ", 4)) {
		dprintf(c, "HTTP/1.0 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
		return;
	}
	if (strncmp(req + 4, "/metrics", 8) && strncmp(req + 4, "/ ", 2)) {
		dprintf(c, "HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\n\r\nsee /metrics\n");
		return;
	}
	body = exposition(&len);
	if (!body) {
		dprintf(c, "HTTP/1.0 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
		return;
	}
	snprintf(head, sizeof(head), "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4; "
		 "charset=utf-8\r\nContent-Length: %zu\r\n\r\n", len);
	if (send(c, head, strlen(head), MSG_NOSIGNAL) > 0)
		send(c, body, len, MSG_NOSIGNAL);
	free(body);
}

static int listen_on(const char *spec)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_PASSIVE };
	char host[256], *colon;
	struct addrinfo *ai;
	int s, one = 1, e;

	snprintf(host, sizeof(host), "%s", spec);
	colon = strrchr(host, ':');
	if (!colon || colon == host) {
		pr_warn("metrics: --listen wants ADDR:PORT (e.g. 127.0.0.1:9477 or [::1]:9477), got '%s'\n", spec);
		return -EINVAL;
	}
	*colon = '\0';
	if (host[0] == '[' && colon[-1] == ']') {
		colon[-1] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	e = getaddrinfo(host, colon + 1, &hints, &ai);
	if (e) {
		pr_warn("metrics: --listen %s: %s\n", spec, gai_strerror(e));
		return -EINVAL;
	}
	s = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, ai->ai_addr, ai->ai_addrlen) || listen(s, 16)) {
		pr_warn("metrics: cannot listen on %s: %s\n", spec, strerror(errno));
		freeaddrinfo(ai);
		if (s >= 0)
			close(s);
		return -EADDRINUSE;
	}
	freeaddrinfo(ai);
	return s;
}

static int usage(int rc)
{
	fprintf(stderr,
		"Usage: faultline metrics [--listen ADDR:PORT]\n\n"
		"Serves every running experiment's counters at /metrics in Prometheus text format\n"
		"until Ctrl-C: faultline_matched_total, faultline_injected_total,\n"
		"faultline_delay_seconds_total (labels: experiment, name, target, index, kind, fault),\n"
		"faultline_experiment_remaining_seconds, faultline_experiments.\n"
		"Default: --listen " DEFAULT_LISTEN ".\n\n"
		"Example:\n"
		"  faultline metrics --listen 127.0.0.1:9477 &  curl -s 127.0.0.1:9477/metrics\n");
	return rc;
}

int cmd_metrics(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL },
	};
	const char *spec = DEFAULT_LISTEN;
	struct pollfd p;
	int opt, s, c;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (opt == 'l')
			spec = optarg;
		else if (opt == 'h')
			return usage(FL_EXIT_OK);
		else
			return usage(FL_EXIT_USAGE);
	}
	if (optind != argc)
		return usage(FL_EXIT_USAGE);
	s = listen_on(spec);
	if (s < 0)
		return s == -EINVAL ? FL_EXIT_USAGE : FL_EXIT_FAIL;
	fl_signals_install();
	pr_info("faultline: metrics at http://%s/metrics; Ctrl-C stops\n", spec);
	p = (struct pollfd){ .fd = s, .events = POLLIN };
	while (!fl_signal_pending()) {
		if (poll(&p, 1, 500) <= 0)
			continue;
		c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		/* One scrape at a time: a slow client must not hold the others forever. */
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ 2, 0 }, sizeof(struct timeval));
		setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &(struct timeval){ 2, 0 }, sizeof(struct timeval));
		respond(c);
		close(c);
	}
	close(s);
	return FL_EXIT_OK;
}
