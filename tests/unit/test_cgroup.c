// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Cgroups faultline makes (lib/cgroup.c, for exec): killing what forks
 * while it is killed, by cgroup.kill and by the freeze-and-kill rounds of
 * kernels without it, and removal of a tree. Needs root and cgroup2; each
 * case skips without them.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "cgroup.h"
#include "sysfs.h"

static char parent[256];

static int setup(void **state)
{
	const char *root = fl_cgroup2_root();

	if (geteuid() || !root)
		return 0;
	snprintf(parent, sizeof(parent), "%s/fl-unit-cgroup.%d", root, getpid());
	if (mkdir(parent, 0755))
		parent[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	if (parent[0])
		fl_cgroup_destroy(parent);
	return 0;
}

static void need_cgroups(void)
{
	if (!parent[0]) {
		print_message("needs root and a cgroup2 mount\n");
		skip();
	}
}

/* A process in dir whose children keep forking (at most 300), as a test runner might. */
static pid_t forker(const char *dir)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	if (fl_cgroup_enter(dir, 0))
		_exit(1);
	for (int i = 0; i < 3; i++) {
		if (fork())
			continue;
		for (int n = 0; n < 100; n++) {
			if (fork() == 0)
				break;
			usleep(2000);
		}
		break;
	}
	pause();
	_exit(0);
}

/*
 * A process in dir that forks a child and exits, and so on, for at most
 * 3000 generations: at any moment the pid read from cgroup.procs may be
 * gone, its child not yet listed. Orphans come to us (a subreaper).
 */
static pid_t fork_chain(const char *dir)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	if (fl_cgroup_enter(dir, 0))
		_exit(1);
	for (int n = 0; n < 3000; n++)
		if (fork())
			_exit(0);
	pause();
	_exit(0);
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void kill_chain(int (*kill_fn)(const char *dir))
{
	char dir[512];

	need_cgroups();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	assert_int_equal(fl_cgroup_make(parent, dir, sizeof(dir)), 0);
	fork_chain(dir);
	usleep(20000);
	assert_true(fl_cgroup_populated(dir));
	assert_int_equal(kill_fn(dir), 0);
	assert_int_equal(fl_cgroup_wait_empty(dir, 2000000000ULL), 0);
	reap_all();
	assert_int_equal(fl_cgroup_destroy(dir), 0);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

static void cgroup_kill_ends_a_fork_chain(void **state)
{
	kill_chain(fl_cgroup_kill);
}

static void kill_rounds_end_a_fork_chain(void **state)
{
	kill_chain(fl_cgroup_kill_each);
}

static void kill_tree(int (*kill_fn)(const char *dir))
{
	char dir[512];
	pid_t pid;
	int st;

	need_cgroups();
	assert_int_equal(fl_cgroup_make(parent, dir, sizeof(dir)), 0);
	assert_non_null(strstr(dir, "/" FL_CGROUP_PREFIX));
	pid = forker(dir);
	usleep(50000);		/* mid-forking */
	assert_true(fl_cgroup_populated(dir));
	assert_int_equal(kill_fn(dir), 0);
	assert_int_equal(fl_cgroup_wait_empty(dir, 2000000000ULL), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_int_equal(fl_cgroup_destroy(dir), 0);
	assert_int_equal(access(dir, F_OK), -1);
}

static void cgroup_kill_ends_a_forking_tree(void **state)
{
	kill_tree(fl_cgroup_kill);
}

/* The way of kernels before 5.14, which have no cgroup.kill. */
static void kill_rounds_end_a_forking_tree(void **state)
{
	kill_tree(fl_cgroup_kill_each);
}

static void destroy_takes_cgroups_below(void **state)
{
	char dir[512], sub[600];
	pid_t pid;

	need_cgroups();
	assert_int_equal(fl_cgroup_make(parent, dir, sizeof(dir)), 0);
	snprintf(sub, sizeof(sub), "%s/inner", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	pid = forker(sub);
	usleep(20000);
	assert_int_equal(fl_cgroup_destroy(dir), 0);
	assert_int_equal(access(dir, F_OK), -1);
	waitpid(pid, NULL, 0);
	/* Gone already: nothing to do, and no error. */
	assert_int_equal(fl_cgroup_destroy(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cgroup_kill_ends_a_forking_tree),
		cmocka_unit_test(kill_rounds_end_a_forking_tree),
		cmocka_unit_test(cgroup_kill_ends_a_fork_chain),
		cmocka_unit_test(kill_rounds_end_a_fork_chain),
		cmocka_unit_test(destroy_takes_cgroups_below),
	};

	return cmocka_run_group_tests_name("cgroup", tests, setup, teardown);
}
