// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "faultline.h"
#include "ctl.h"
#include "log.h"
#include "sysfs.h"

#define CONTROL_PIN FL_PIN_ROOT "/fl_control"

int fl_ctl_prepare(uint64_t *generation)
{
	struct fl_control c = { 0 };
	__u32 zero = 0;
	int err, fd;

	err = fl_ensure_bpffs(NULL);
	if (err) {
		pr_warn("cannot mount bpffs at /sys/fs/bpf: %s\n", strerror(-err));
		return err;
	}
	err = fl_mkdir_p(FL_PIN_ROOT, 0700);
	if (err) {
		pr_warn("cannot create %s: %s\n", FL_PIN_ROOT, strerror(-err));
		return err;
	}
	*generation = 0;
	fd = bpf_obj_get(CONTROL_PIN);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;	/* first object creates it */
	err = bpf_map_lookup_elem(fd, &zero, &c) ? -errno : 0;
	close(fd);
	*generation = c.generation;
	return err;
}

int fl_ctl_halt(uint64_t *new_generation)
{
	struct fl_control c = { 0 };
	__u32 zero = 0;
	int err = 0, fd;

	fd = bpf_obj_get(CONTROL_PIN);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;	/* nothing ever ran */
	if (bpf_map_lookup_elem(fd, &zero, &c) == 0) {
		c.generation++;
		if (bpf_map_update_elem(fd, &zero, &c, BPF_ANY))
			err = -errno;
	} else {
		err = -errno;
	}
	close(fd);
	if (new_generation)
		*new_generation = c.generation;
	return err;
}

/*
 * The host-wide event maps, created as an object's declarations in
 * common.bpf.h would create them (libbpf reuses a pin only when type, key,
 * value and size match), for a reader that starts before any experiment.
 */
static int pin_new(const char *name, enum bpf_map_type type, __u32 key, __u32 value, __u32 n)
{
	char path[128];
	int fd, err = 0;

	snprintf(path, sizeof(path), FL_PIN_ROOT "/%s", name);
	if (!access(path, F_OK))
		return 0;
	fd = bpf_map_create(type, name, key, value, n, NULL);
	if (fd < 0)
		return -errno;
	if (bpf_obj_pin(fd, path) && errno != EEXIST)
		err = -errno;
	close(fd);
	return err;
}

int fl_ctl_control_pin(void)
{
	return pin_new("fl_control", BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct fl_control), 1);
}

int fl_ctl_event_pins(void)
{
	return pin_new("fl_events", BPF_MAP_TYPE_RINGBUF, 0, 0, FL_EV_RING_BYTES) ?:
	       pin_new("fl_ev_stats", BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32),
		       sizeof(struct fl_ev_stats), 1) ?:
	       pin_new("fl_ev_config", BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct fl_ev_config), 1);
}

#define EV_LOCK		FL_RUN_DIR "/events.lock"
#define EV_SAVED	FL_RUN_DIR "/events.saved"
#define EV_CONFIG_PIN	FL_PIN_ROOT "/fl_ev_config"

int fl_ctl_ev_lock(int *holder)
{
	char buf[32] = "";
	int fd, e;

	*holder = 0;
	e = fl_mkdir_p(FL_RUN_DIR, 0700);
	if (e)
		return e;
	fd = open(EV_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		e = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (pread(fd, buf, sizeof(buf) - 1, 0) > 0)
			*holder = atoi(buf);
		close(fd);
		return e;
	}
	if (ftruncate(fd, 0) == 0)
		dprintf(fd, "%d\n", getpid());
	return fd;
}

int fl_ctl_ev_save(const struct fl_ev_config *old)
{
	int fd = open(EV_SAVED ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), e = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, old, sizeof(*old)) != sizeof(*old) || fsync(fd))
		e = -EIO;
	close(fd);
	if (!e && rename(EV_SAVED ".tmp", EV_SAVED))
		e = -errno;
	return e;
}

void fl_ctl_ev_unsave(void)
{
	unlink(EV_SAVED);
}

int fl_ctl_ev_restore_orphan(bool have_lock)
{
	struct fl_ev_config old;
	int fd, lock = -1, holder, e = 0;
	__u32 zero = 0;

	if (access(EV_SAVED, F_OK))
		return 0;
	if (!have_lock && (lock = fl_ctl_ev_lock(&holder)) < 0)
		return lock == -EBUSY ? 0 : lock;	/* its reader lives: its setting stands */
	fd = open(EV_SAVED, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, &old, sizeof(old)) != sizeof(old))
		e = -EIO;
	if (fd >= 0)
		close(fd);
	if (!e && (fd = bpf_obj_get(EV_CONFIG_PIN)) >= 0) {
		e = bpf_map_update_elem(fd, &zero, &old, BPF_ANY) ? -errno : 1;
		close(fd);
	}
	if (e >= 0)
		fl_ctl_ev_unsave();	/* no map: nothing to put back into */
	if (lock >= 0)
		close(lock);
	return e;
}

bool fl_ctl_halted(uint64_t generation)
{
	struct fl_control c = { 0 };
	__u32 zero = 0;
	bool halted = false;
	int fd;

	fd = bpf_obj_get(CONTROL_PIN);
	if (fd < 0)
		return false;
	if (!bpf_map_lookup_elem(fd, &zero, &c))
		halted = c.generation != generation;
	close(fd);
	return halted;
}

void fl_obj_private(struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj)
		bpf_map__set_pin_path(m, NULL);
}

uint64_t fl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

double fl_rate_update(struct fl_rate *r, uint64_t now, uint64_t value)
{
	/* Over a second or so: steady enough to read, fresh enough to act on. */
	if (r->t && now - r->t < 1000000000ULL)
		return r->per_s;
	if (r->t && now > r->t)
		r->per_s = (value - r->v) / ((now - r->t) / 1e9);
	r->t = now;
	r->v = value;
	return r->per_s;
}

static volatile sig_atomic_t pending_signal;

static void on_signal(int sig)
{
	pending_signal = sig;
}

void fl_signals_install(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int fl_signal_pending(void)
{
	return pending_signal;
}

/* Off a terminal (a log, a pipe), a plain line this often keeps it readable. */
#define STATUS_PLAIN_EVERY_NS (10 * 1000000000ULL)

void fl_status_line(const char *line, bool final)
{
	static uint64_t last_plain;
	static int tty = -1;
	uint64_t now = fl_now_ns();

	if (tty < 0)
		tty = isatty(STDERR_FILENO);
	if (tty) {
		fprintf(stderr, "\r\033[K%s%s", line, final ? "\n" : "");
		fflush(stderr);
	} else if (final || now - last_plain >= STATUS_PLAIN_EVERY_NS) {
		fprintf(stderr, "%s\n", line);
		last_plain = now;
	}
}
