// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `sys delay --path PREFIX`: which file a notified call names, read from
 * the caller's /proc/PID: a descriptor through /proc/PID/fd/N (the
 * kernel's own name for the open file, canonical), a path from
 * /proc/PID/mem, made absolute against /proc/PID/cwd or the directory
 * descriptor, and normalized lexically (symlinks in it are not followed).
 *
 * Reading another process's arguments is a race (TOCTOU): a thread of the
 * caller may change the string after we read it. That matters to a
 * supervisor that acts on what it read; this one only decides whether to
 * wait before SECCOMP_USER_NOTIF_FLAG_CONTINUE, and the kernel then reads
 * the arguments again itself. The worst a race can do is delay a call
 * that should not have been, or the reverse. The pid may also have been
 * reused between the notification and our look: SECCOMP_IOCTL_NOTIF_ID_VALID
 * after opening (seccomp_unotify(2)) tells that what we opened is still
 * the caller's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include "sys.h"

static bool still_pending(int listener, uint64_t id)
{
	return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

/* readlink of /proc/PID/WHAT, as a string; only absolute paths (not "socket:[...]"). */
static int proc_link(int pid, const char *what, char *out, size_t size)
{
	char p[64];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/%d/%s", pid, what);
	n = readlink(p, out, size - 1);
	if (n < 0)
		return -errno;
	out[n] = '\0';
	return out[0] == '/' ? 0 : -ENOENT;
}

static int fd_link(int pid, int fd, char *out, size_t size)
{
	char what[32];

	snprintf(what, sizeof(what), "fd/%d", fd);
	return proc_link(pid, what, out, size);
}

/* The NUL-terminated string at addr in the caller, page by page (the next one may be unmapped). */
static int read_string(int listener, uint64_t id, int pid, uint64_t addr, char *out, size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t got = 0;
	char p[64];
	int fd, e = -ENAMETOOLONG;

	if (!addr)
		return out[0] = '\0', 0;	/* utimensat(fd, NULL): the descriptor itself */
	snprintf(p, sizeof(p), "/proc/%d/mem", pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!still_pending(listener, id)) {
		close(fd);
		return -ESRCH;
	}
	while (got < size - 1) {
		size_t chunk = page - ((addr + got) % page);
		ssize_t n;

		if (chunk > size - 1 - got)
			chunk = size - 1 - got;
		n = pread(fd, out + got, chunk, addr + got);
		if (n <= 0) {
			e = n < 0 ? -errno : -EIO;
			break;
		}
		if (memchr(out + got, '\0', n)) {
			e = 0;
			break;
		}
		got += n;
	}
	close(fd);
	out[size - 1] = '\0';
	return e;
}

/* The file argument ref of the call, as an absolute normal path. */
static int resolve(int listener, uint64_t id, int pid, int type, int arg, int dirfd,
		   const uint64_t *args, char *out, size_t size)
{
	char rel[PATH_MAX], base[PATH_MAX];
	int e;

	if (type == FL_REF_FD)
		return fd_link(pid, (int)args[arg], out, size);
	e = read_string(listener, id, pid, args[arg], rel, sizeof(rel));
	if (e)
		return e;
	if (rel[0] == '/') {
		snprintf(out, size, "%s", rel);
	} else {
		e = type == FL_REF_AT && (int)args[dirfd] != AT_FDCWD ?
		    fd_link(pid, (int)args[dirfd], base, sizeof(base)) :
		    proc_link(pid, "cwd", base, sizeof(base));
		if (e)
			return e;
		if ((size_t)snprintf(out, size, "%s/%s", base, rel) >= size)
			return -ENAMETOOLONG;
	}
	fl_sys_path_normal(out);
	return 0;
}

bool fl_sys_call_under(int listener, uint64_t id, int pid, const struct fl_syscall *s,
		       const uint64_t *args, const char *prefix)
{
	char path[PATH_MAX];
	bool under = false;

	for (int i = 0; i < 2 && !under && s->file[i].type != FL_REF_NONE; i++)
		under = !resolve(listener, id, pid, s->file[i].type, s->file[i].arg, s->file[i].dirfd,
				 args, path, sizeof(path)) && fl_sys_path_under(path, prefix);
	/* What we read belongs to the caller only if its call is still the one pending. */
	return under && still_pending(listener, id);
}

void fl_sys_path_normal(char *path)
{
	char *w = path, *r = path;

	if (path[0] != '/')
		return;		/* made absolute first; the in-place copy relies on it */
	while (*r) {
		const char *seg;
		size_t len;

		while (*r == '/')
			r++;
		seg = r;
		while (*r && *r != '/')
			r++;
		len = r - seg;
		if (!len || (len == 1 && seg[0] == '.'))
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			while (w > path && *--w != '/')
				;
			continue;
		}
		*w++ = '/';
		memmove(w, seg, len);
		w += len;
	}
	if (w == path)
		*w++ = '/';
	*w = '\0';
}

bool fl_sys_path_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (n == 1 && prefix[0] == '/')
		return path[0] == '/';
	return !strncmp(path, prefix, n) && (path[n] == '/' || path[n] == '\0');
}
