// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `faultline exec`: nothing of CMD runs unfaulted. The child is forked
 * before anything else, joins a cgroup made for it and blocks on a pipe;
 * the runner then resolves that cgroup as its target, attaches every
 * fault and arms them, and only then writes "go": the child execs, so
 * CMD's first instruction, and everything it forks, runs in the cgroup
 * with every fault live. A second pipe, closed by the exec itself
 * (O_CLOEXEC), tells the controller whether the exec happened. A fault
 * that acts in CMD's own process (sys delay's seccomp filter) is set up
 * by the child between "go" and the exec, and handed over (handoff.c).
 *
 * Nothing stays: whatever ends the experiment, whatever CMD left running
 * is killed and the cgroup removed. If the controller dies before "go",
 * the child sees the pipe end and takes the cgroup away itself; after
 * it, the record names the cgroup (fl_reg.exec_cgroup), so the watchdog
 * or the next faultline kills and removes it (fl_reg_cleanup), and CMD
 * itself has PR_SET_PDEATHSIG.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "cgroup.h"
#include "ctl.h"
#include "exec.h"
#include "handoff.h"
#include "registry.h"
#include "report_file.h"
#include "runner.h"
#include "sysfs.h"

#define POLL_NS		(10 * 1000000ULL)
#define REAP_NS		(5000 * 1000000ULL)	/* for a process already SIGKILLed */

/* ------------------------------------------------------------ signals */

static const int passed[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define NPASSED (int)(sizeof(passed) / sizeof(passed[0]))
static struct sigaction old_passed[NPASSED], old_chld, old_pipe;
static sigset_t old_mask;
static volatile sig_atomic_t cmd_pid;	/* CMD, while it runs: signals go to it */
static volatile sig_atomic_t got_signal, to_pass;
static volatile sig_atomic_t passed_sig, passed_n;	/* what went on to CMD, for the summary */

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;

	got_signal = sig;
	/*
	 * What the terminal sends to its foreground group (Ctrl-C, a hang-up:
	 * SI_KERNEL) reached CMD already, which is in our process group; only
	 * what was sent to faultline itself (kill, a CI runner) is passed on,
	 * so that CMD does not get one Ctrl-C twice. sudo does the same.
	 */
	if (si->si_code != SI_KERNEL) {
		if (cmd_pid > 0 && !kill(cmd_pid, sig)) {
			passed_sig = sig;
			passed_n++;
		} else if (cmd_pid <= 0) {
			to_pass = sig;
		}
	}
	errno = saved;
}

/* Only to end the runner's sleep the moment CMD exits. */
static void on_child(int sig)
{
}

static void take_signals(void)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | SA_RESTART };
	struct sigaction chld = { .sa_handler = on_child, .sa_flags = SA_RESTART | SA_NOCLDSTOP };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigset_t none;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&chld.sa_mask);
	sigemptyset(&ign.sa_mask);
	for (int i = 0; i < NPASSED; i++)
		sigaction(passed[i], &sa, &old_passed[i]);
	sigaction(SIGCHLD, &chld, &old_chld);
	sigaction(SIGPIPE, &ign, &old_pipe);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, &old_mask);
}

/* In the child: CMD gets the dispositions and mask faultline was given, as env(1) passes them. */
static void give_back_signals(void)
{
	for (int i = 0; i < NPASSED; i++)
		sigaction(passed[i], &old_passed[i], NULL);
	sigaction(SIGCHLD, &old_chld, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
}

/* -------------------------------------------------------- the command */

void fl_exec_init(struct fl_exec *x)
{
	memset(x, 0, sizeof(*x));
	x->kill_after_ns = FL_EXEC_KILL_AFTER_NS;
	x->go_fd = x->err_fd = x->fd_sock = x->watchdog_fd = -1;
}

static int can_exec(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return errno == ENOENT || errno == ENOTDIR ? -ENOENT : -EACCES;
	return S_ISDIR(st.st_mode) || access(path, X_OK) ? -EACCES : 0;
}

/* As execvp(3) looks: a name with a slash as it is, else each $PATH entry. */
static int find_cmd(const char *name)
{
	const char *path = getenv("PATH"), *p, *end;
	char full[PATH_MAX];
	bool denied = false;
	int e;

	if (strchr(name, '/'))
		return can_exec(name);
	if (!path)
		path = "/bin:/usr/bin";		/* glibc's default */
	for (p = path; ; p = end + 1) {
		end = strchrnul(p, ':');
		snprintf(full, sizeof(full), "%.*s%s%s", (int)(end - p), p, end > p ? "/" : "", name);
		e = can_exec(full);
		if (!e)
			return 0;
		denied |= e == -EACCES;
		if (!*end)
			break;
	}
	return denied ? -EACCES : -ENOENT;
}

int fl_exec_check_cmd(const struct fl_exec *x, char *err)
{
	int e = *x->argv[0] ? find_cmd(x->argv[0]) : -ENOENT;

	if (e == -ENOENT)
		snprintf(err, FL_ERRLEN, "%s: command not found", x->argv[0]);
	else if (e)
		snprintf(err, FL_ERRLEN, "%s: not executable (a directory, or no x bit)", x->argv[0]);
	return e;
}

/* The cgroup faultline runs in: the "0::" line of /proc/self/cgroup. */
static int home_cgroup(struct fl_exec *x, char *err)
{
	const char *root = fl_cgroup2_root();
	char buf[8192], *line;

	if (!root)
		return snprintf(err, FL_ERRLEN, "no cgroup2 mount found; mount one at /sys/fs/cgroup"),
		       -ENOENT;
	if (fl_read_file("/proc/self/cgroup", buf, sizeof(buf)) < 0)
		return snprintf(err, FL_ERRLEN, "cannot read /proc/self/cgroup: %s", strerror(errno)),
		       -EIO;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, "0::", 3)) {
			snprintf(x->home, sizeof(x->home), "%s%s", root, strcmp(line + 3, "/") ? line + 3 : "");
			return 0;
		}
	return snprintf(err, FL_ERRLEN, "this process has no cgroup2 membership"), -ENOENT;
}

/* --parent, as a target's path is read, without the rails: it is not faulted. */
static int parent_dir(const struct fl_exec *x, char *out, size_t size, char *err)
{
	struct fl_target t = { 0 };
	char why[FL_ERRLEN];
	int e;

	if (!x->parent) {
		snprintf(out, size, "%s", x->home);
		return 0;
	}
	e = fl_target_set(&t, FL_TARGET_CGROUP, x->parent, why);
	if (!e)
		e = fl_target_resolve(&t, true, why);
	if (e)
		return snprintf(err, FL_ERRLEN, "--parent: %s", why), -EINVAL;
	snprintf(out, size, "%s", t.path);
	return 0;
}

/* The waiting child. It never returns. */
static void __attribute__((noreturn)) child(struct fl_exec *x, int go, int back, int sock,
					    pid_t controller)
{
	ssize_t n;
	char c;
	int e;

	give_back_signals();
	do
		n = read(go, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1) {
		/* The controller gave up or died before any of CMD ran: take the cgroup away. */
		fl_cgroup_enter(x->home, getpid());
		rmdir(x->cgroup);
		_exit(FL_EXIT_EXEC_FAIL);
	}
	/* CMD itself dies with the controller; what it forks, the cgroup's kill reaches. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != controller)
		_exit(FL_EXIT_EXEC_FAIL);
	fl_handoff_child(x->faults, x->nfaults, sock, go);
	execvp(x->argv[0], x->argv);
	e = errno;
	if (write(back, &e, sizeof(e)) < 0)
		_exit(FL_EXIT_EXEC_FAIL);
	_exit(e == ENOENT ? FL_EXIT_EXEC_NOTFOUND : FL_EXIT_EXEC_NOEXEC);
}

static int fork_child(struct fl_exec *x, char *err)
{
	int go[2], back[2], sock[2], e;
	pid_t controller = getpid(), pid;

	if (pipe2(go, O_CLOEXEC))
		return snprintf(err, FL_ERRLEN, "pipe: %s", strerror(errno)), -errno;
	if (pipe2(back, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		return snprintf(err, FL_ERRLEN, "pipe: %s", strerror(errno)), -errno;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock)) {
		close(go[0]);
		close(go[1]);
		close(back[0]);
		close(back[1]);
		return snprintf(err, FL_ERRLEN, "socketpair: %s", strerror(errno)), -errno;
	}
	fflush(NULL);
	pid = fork();
	e = errno;
	if (pid == 0) {
		close(go[1]);
		close(back[0]);
		close(sock[0]);
		child(x, go[0], back[1], sock[1], controller);
	}
	close(go[0]);
	close(back[1]);
	close(sock[1]);
	x->go_fd = go[1];
	x->err_fd = back[0];
	x->fd_sock = sock[0];
	if (pid < 0)
		return snprintf(err, FL_ERRLEN, "fork: %s", strerror(e)), -e;
	x->pid = pid;
	return 0;
}

int fl_exec_spawn(struct fl_exec *x, char *err)
{
	char parent[PATH_MAX];
	int e;

	take_signals();
	e = home_cgroup(x, err);
	if (!e)
		e = parent_dir(x, parent, sizeof(parent), err);
	if (e)
		return e;
	e = fl_cgroup_make(parent, x->cgroup, sizeof(x->cgroup));
	if (e) {
		snprintf(err, FL_ERRLEN, "cannot make a cgroup under %s: %s", parent, strerror(-e));
		x->cgroup[0] = '\0';
		return e;
	}
	e = fork_child(x, err);
	if (!e && (e = fl_cgroup_enter(x->cgroup, x->pid)))
		snprintf(err, FL_ERRLEN, "cannot move the command's process into %s: %s", x->cgroup,
			 strerror(-e));
	return e;
}

int fl_exec_go(struct fl_exec *x, char *err)
{
	ssize_t n;
	int e = 0;

	to_pass = 0;
	if (got_signal) {
		x->interrupted = got_signal;
		snprintf(err, FL_ERRLEN, "SIG%s came before %s started: it never ran",
			 sigabbrev_np(got_signal), x->argv[0]);
		return -EINTR;
	}
	x->start_ns = fl_now_ns();
	n = write(x->go_fd, "g", 1);
	if (n != 1) {
		close(x->go_fd);
		x->go_fd = -1;
		return snprintf(err, FL_ERRLEN, "the command's process died before it could start"),
		       -ECHILD;
	}
	e = fl_handoff_parent(x->faults, x->nfaults, x->fd_sock, x->go_fd, x->watchdog_fd, err);
	close(x->go_fd);
	close(x->fd_sock);
	x->go_fd = x->fd_sock = -1;
	if (e) {
		kill(x->pid, SIGKILL);	/* it may hold a filter no one answers: it must not run */
		return e;
	}
	do
		n = read(x->err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(x->err_fd);
	x->err_fd = -1;
	if (n == sizeof(e)) {
		x->exec_errno = e;
		return snprintf(err, FL_ERRLEN, "cannot run %s: %s", x->argv[0], strerror(e)), -e;
	}
	/* The pipe closed without a word: the exec happened, CMD runs. */
	x->started = true;
	cmd_pid = x->pid;
	if (to_pass && !kill(x->pid, to_pass)) {	/* sent to us between "go" and the exec */
		passed_sig = to_pass;
		passed_n++;
	}
	return 0;
}

/* ------------------------------------------------------------ the end */

/* Reap the child if it has exited, waiting at most timeout_ns. */
static bool wait_child(struct fl_exec *x, uint64_t timeout_ns)
{
	struct timespec tick = { 0, POLL_NS };
	uint64_t until = fl_now_ns() + timeout_ns;
	siginfo_t si;
	int st, rc;

	while (x->pid > 0 && !x->reaped) {
		memset(&si, 0, sizeof(si));
		rc = waitid(P_PID, x->pid, &si, WEXITED | WNOHANG | WNOWAIT);
		if (!rc && si.si_pid == x->pid) {
			cmd_pid = 0;	/* before the reap frees its pid for reuse */
			while (waitpid(x->pid, &st, 0) < 0 && errno == EINTR)
				;
			x->wstatus = st;
			x->reaped = true;
			x->end_ns = fl_now_ns();
			break;
		}
		if ((rc && errno != EINTR) || fl_now_ns() >= until)
			break;
		nanosleep(&tick, NULL);
	}
	return x->reaped;
}

bool fl_exec_exited(struct fl_exec *x)
{
	return x->started && wait_child(x, 0);
}

int fl_exec_signal(struct fl_exec *x)
{
	if (x->started && !x->reaped)
		return 0;
	if (!x->started && got_signal)
		x->interrupted = got_signal;	/* CMD never runs: exec exits 128+N */
	return got_signal;
}

void fl_exec_end(struct fl_exec *x, bool terminate)
{
	int n;

	if (!x->cgroup[0] || x->removed || !x->started)
		return;
	x->ended_first |= terminate;
	if (terminate && !fl_exec_exited(x)) {
		x->terminated = true;
		kill(x->pid, SIGTERM);
		wait_child(x, x->kill_after_ns);
	}
	n = fl_cgroup_count_procs(x->cgroup) - !x->reaped;
	x->leftover = n > 0 ? n : 0;
	if (fl_cgroup_populated(x->cgroup)) {
		fl_cgroup_kill(x->cgroup);
		fl_cgroup_wait_empty(x->cgroup, REAP_NS);
	}
	wait_child(x, REAP_NS);
}

int fl_exec_cleanup(struct fl_exec *x)
{
	int e;

	if (x->go_fd >= 0)
		close(x->go_fd);	/* a child still waiting leaves, and takes the cgroup */
	if (x->err_fd >= 0)
		close(x->err_fd);
	if (x->fd_sock >= 0)
		close(x->fd_sock);
	x->go_fd = x->err_fd = x->fd_sock = -1;
	if (x->pid > 0 && !x->reaped && !wait_child(x, x->started ? 0 : REAP_NS) && !x->started)
		kill(x->pid, SIGKILL);
	e = x->cgroup[0] && !x->removed ? fl_cgroup_destroy(x->cgroup) : 0;
	wait_child(x, REAP_NS);
	if (e)
		fprintf(stderr, "faultline: exec: cannot remove the cgroup %s: %s; rmdir it once its "
			"processes are gone\n", x->cgroup, strerror(-e));
	else
		x->removed = true;
	return e;
}

/* ------------------------------------------------------------ reports */

static void describe(const struct fl_exec *x, char *buf, size_t size)
{
	const char *name = strrchr(x->argv[0], '/') ? strrchr(x->argv[0], '/') + 1 : x->argv[0];
	int st = x->wstatus, n;
	char grace[32];

	fl_fmt_duration(x->kill_after_ns, grace, sizeof(grace));
	n = snprintf(buf, size, "%s%s ", name, x->terminated ? " got SIGTERM; it" : "");
	if (n < 0 || (size_t)n >= size)
		return;
	if (!x->reaped)
		n += snprintf(buf + n, size - n, "did not end");
	else if (WIFEXITED(st))
		n += snprintf(buf + n, size - n, "exited with status %d", WEXITSTATUS(st));
	else
		n += snprintf(buf + n, size - n, "was killed by SIG%s (signal %d)%s%s",
			      sigabbrev_np(WTERMSIG(st)) ?: "?", WTERMSIG(st),
			      x->terminated && WTERMSIG(st) == SIGKILL ? " after " : "",
			      x->terminated && WTERMSIG(st) == SIGKILL ? grace : "");
	if (passed_n && (size_t)n < size)
		n += snprintf(buf + n, size - n, " (SIG%s passed on to it%s)", sigabbrev_np(passed_sig),
			      passed_n > 1 ? ", and others before" : "");
	if (x->leftover && (size_t)n < size)
		snprintf(buf + n, size - n, "; %d process%s it left behind %s killed", x->leftover,
			 x->leftover == 1 ? "" : "es", x->leftover == 1 ? "was" : "were");
}

void fl_exec_record(const struct fl_exec *x, struct fl_reg *g)
{
	fl_exec_line(x->argv, g->command, sizeof(g->command));
	snprintf(g->exec_cgroup, sizeof(g->exec_cgroup), "%s", x->cgroup);
	g->command_pid = x->pid;
	/* The waiting child's own end (it never became CMD) is no exit of CMD's. */
	g->command_exit = x->started && x->reaped && WIFEXITED(x->wstatus) ? WEXITSTATUS(x->wstatus) : -1;
	g->command_signal = x->started && x->reaped && WIFSIGNALED(x->wstatus) ? WTERMSIG(x->wstatus) : 0;
	if (x->started)
		describe(x, g->reason, sizeof(g->reason));
}

void fl_exec_finish(struct fl_exec *x, struct fl_reg *g)
{
	char rule_why[sizeof(g->reason)];

	fl_exec_cleanup(x);
	x->finished = true;
	/* It never started, and no signal said stop: what ended the run came first. */
	if (!x->started && !x->interrupted)
		x->ended_first = true;
	snprintf(rule_why, sizeof(rule_why), "%s", g->reason);
	fl_exec_record(x, g);
	if (!strcmp(g->verdict, "failed"))
		snprintf(g->reason, sizeof(g->reason), "%s", rule_why);
	g->exit_status = fl_exec_status(x);
}

int fl_exec_status(const struct fl_exec *x)
{
	if (!x->started && x->interrupted)
		return 128 + x->interrupted;
	if (x->ended_first)
		return FL_EXIT_EXEC_ENDED;
	if (!x->reaped)
		return FL_EXIT_EXEC_FAIL;
	if (WIFEXITED(x->wstatus))
		return WEXITSTATUS(x->wstatus);
	return 128 + WTERMSIG(x->wstatus);	/* as shells report it */
}

int fl_exec_exit(const struct fl_exec *x, int rc, bool dry_run)
{
	if (x->started || x->finished)
		return rc;
	if (x->exec_errno)
		return x->exec_errno == ENOENT ? FL_EXIT_EXEC_NOTFOUND : FL_EXIT_EXEC_NOEXEC;
	if (x->interrupted)
		return 128 + x->interrupted;
	return dry_run && rc == FL_EXIT_OK ? FL_EXIT_OK : FL_EXIT_EXEC_FAIL;
}

void fl_exec_line(char *const *argv, char *buf, size_t size)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789_-./=:,+@%";
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; argv[i] && n + 1 < size; i++) {
		const char *a = argv[i];
		bool bare = *a && strspn(a, plain) == strlen(a);

		n += snprintf(buf + n, size - n, "%s%s", i ? " " : "", bare ? a : "'");
		for (const char *p = a; !bare && *p && n + 1 < size; p++)
			n += snprintf(buf + n, size - n, *p == '\'' ? "'\\''" : "%c", *p);
		if (!bare && n + 1 < size)
			n += snprintf(buf + n, size - n, "'");
	}
}

/* Why CMD never ran, for its testcase: an error, or skipped. */
static void not_run(const struct fl_exec *x, const struct fl_reg *g, struct fl_report_case *c)
{
	c->result = FL_CASE_SKIPPED;
	if (g->state == FL_REG_PLANNED) {
		snprintf(c->message, sizeof(c->message), "not run: a dry run");
	} else if (x->exec_errno) {
		c->result = FL_CASE_ERROR;
		snprintf(c->message, sizeof(c->message), "cannot run %s: %s", x->argv[0],
			 strerror(x->exec_errno));
	} else if (!strcmp(g->verdict, "error")) {
		c->result = FL_CASE_ERROR;
		snprintf(c->message, sizeof(c->message), "not run: %s", g->reason);
	} else if (x->interrupted) {
		snprintf(c->message, sizeof(c->message), "not run: SIG%s came before it started",
			 sigabbrev_np(x->interrupted));
	} else {
		snprintf(c->message, sizeof(c->message), "not run: the run ended before it started (%s)",
			 g->stopped_by);
	}
}

void fl_exec_report_cases(struct fl_report *rep, void *arg)
{
	const struct fl_exec *x = arg;
	const struct fl_reg *g = rep->reg;
	struct fl_report_case c = { .result = FL_CASE_PASSED };
	char line[sizeof(c.name) - 16], how[sizeof(c.message)];
	bool dry = g->state == FL_REG_PLANNED;

	fl_exec_line(x->argv, line, sizeof(line));
	snprintf(c.name, sizeof(c.name), "command: %s", line);
	if (x->started) {
		describe(x, how, sizeof(how));
		c.time_s = ((x->reaped ? x->end_ns : fl_now_ns()) - x->start_ns) / 1e9;
		if (x->ended_first || !x->reaped || !WIFEXITED(x->wstatus) || WEXITSTATUS(x->wstatus))
			c.result = FL_CASE_FAILED;
		snprintf(c.message, sizeof(c.message), "%s%s%s%s", x->ended_first ? "the run ended first (" :
			 "", x->ended_first ? g->stopped_by : "", x->ended_first ? "): " : "", how);
	} else {
		not_run(x, g, &c);
	}
	fl_exec_line(x->argv, c.output, sizeof(c.output) - 160);
	snprintf(c.output + strlen(c.output), sizeof(c.output) - strlen(c.output),
		 "\ncgroup: %s\nfaultline exec's exit status: %d\n", x->cgroup,
		 fl_exec_exit(x, dry ? FL_EXIT_OK : g->exit_status, dry));
	fl_report_add_case(rep, &c);
}
