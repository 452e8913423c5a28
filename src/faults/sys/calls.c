// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The system calls `sys delay` knows by name: their numbers on this
 * architecture (a seccomp filter compares numbers) and which of their
 * arguments name a file, for --path. The numbers come from the C library's
 * <sys/syscall.h>, so they are this build's architecture's; the calls that
 * only x86_64 still has (open, stat, fork...) are listed apart, since the
 * asm-generic table of arm64 dropped them for their *at() forms.
 */
#include <string.h>
#include <sys/syscall.h>
#include "sys.h"

#define FD(i)		{ FL_REF_FD, i, 0 }
#define PATH(i)		{ FL_REF_PATH, i, 0 }
#define AT(d, i)	{ FL_REF_AT, i, d }
#define C(name, ...)	{ #name, __NR_##name, { __VA_ARGS__ } }

static const struct fl_syscall table[] = {
	/* file I/O on a descriptor */
	C(read, FD(0)), C(write, FD(0)), C(pread64, FD(0)), C(pwrite64, FD(0)),
	C(readv, FD(0)), C(writev, FD(0)), C(preadv, FD(0)), C(pwritev, FD(0)),
	C(preadv2, FD(0)), C(pwritev2, FD(0)),
	C(fsync, FD(0)), C(fdatasync, FD(0)), C(sync_file_range, FD(0)), C(syncfs, FD(0)),
	C(sync), C(ftruncate, FD(0)), C(fallocate, FD(0)), C(lseek, FD(0)), C(fstat, FD(0)),
	C(fstatfs, FD(0)), C(getdents64, FD(0)), C(flock, FD(0)), C(fadvise64, FD(0)),
	C(fchmod, FD(0)), C(fchown, FD(0)), C(fchdir, FD(0)), C(fcntl, FD(0)), C(ioctl, FD(0)),
	C(close, FD(0)), C(mmap, FD(4)), C(msync),
	C(copy_file_range, FD(0), FD(2)), C(sendfile, FD(0), FD(1)), C(splice, FD(0), FD(2)),
	/* by path, relative to a directory descriptor */
	C(openat, AT(0, 1)), C(openat2, AT(0, 1)), C(newfstatat, AT(0, 1)), C(statx, AT(0, 1)),
	C(faccessat, AT(0, 1)), C(faccessat2, AT(0, 1)), C(fchmodat, AT(0, 1)),
	C(fchownat, AT(0, 1)), C(mkdirat, AT(0, 1)), C(mknodat, AT(0, 1)), C(unlinkat, AT(0, 1)),
	C(readlinkat, AT(0, 1)), C(utimensat, AT(0, 1)), C(execveat, AT(0, 1)),
	C(renameat, AT(0, 1), AT(2, 3)), C(renameat2, AT(0, 1), AT(2, 3)),
	C(linkat, AT(0, 1), AT(2, 3)), C(symlinkat, AT(1, 2)),
	C(truncate, PATH(0)), C(statfs, PATH(0)), C(chdir, PATH(0)), C(execve, PATH(0)),
	/* sockets */
	C(socket), C(connect), C(accept), C(accept4), C(bind), C(listen), C(shutdown),
	C(sendto), C(recvfrom), C(sendmsg), C(recvmsg), C(sendmmsg), C(recvmmsg),
	C(getsockopt), C(setsockopt),
	/* processes, memory, time, waiting */
	C(getpid), C(gettid), C(getppid), C(clone), C(clone3), C(wait4), C(waitid), C(kill),
	C(tgkill), C(nanosleep), C(clock_nanosleep), C(futex), C(epoll_pwait), C(epoll_ctl),
	C(ppoll), C(pselect6), C(pipe2), C(dup), C(dup3), C(munmap), C(mprotect), C(madvise),
	C(brk), C(mount), C(umount2), C(getcwd), C(uname), C(sched_yield), C(getrandom),
	C(io_uring_enter),
#if defined(__x86_64__)
	C(open, PATH(0)), C(creat, PATH(0)), C(stat, PATH(0)), C(lstat, PATH(0)),
	C(access, PATH(0)), C(unlink, PATH(0)), C(mkdir, PATH(0)), C(rmdir, PATH(0)),
	C(rename, PATH(0), PATH(1)), C(chmod, PATH(0)), C(chown, PATH(0)), C(lchown, PATH(0)),
	C(readlink, PATH(0)), C(symlink, PATH(1)), C(link, PATH(0), PATH(1)), C(mknod, PATH(0)),
	C(utimes, PATH(0)), C(getdents, FD(0)),
	C(fork), C(vfork), C(poll), C(select), C(epoll_wait), C(pipe), C(dup2),
#endif
};

const struct fl_syscall *fl_syscall_find(const char *name)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].name, name))
			return &table[i];
	return NULL;
}

const struct fl_syscall *fl_syscall_of(int nr)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].nr == nr)
			return &table[i];
	return NULL;
}

bool fl_syscall_has_file(const struct fl_syscall *s)
{
	return s->file[0].type != FL_REF_NONE;
}
