/*
 * sandbox.c - least privilege for the tools with Landlock (Linux), as
 * mblaze pledges on OpenBSD: once a tool has its inputs and outputs, a
 * parser bug that an attacker's message reaches cannot write a file, run
 * a program or open a connection.
 *
 * Only the syscalls: no libc wrapper exists, and no new dependency.  The
 * installed <linux/landlock.h> may be older than the kernel (Debian 12's
 * stops at ABI 2), so the later constants and the grown ruleset struct
 * are spelled out here; they are stable kernel ABI.  Where Landlock is
 * absent (old kernel, other OS, disabled at boot) the tool runs as
 * before: confinement is a second line of defence, not a requirement.
 */
#define _GNU_SOURCE	/* O_PATH */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/landlock.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset	444
#define __NR_landlock_add_rule		445
#define __NR_landlock_restrict_self	446
#endif

/* File-system rights by the ABI that introduced them. */
#define FS_ABI1	((1ULL << 13) - 1)	/* EXECUTE .. MAKE_SYM */
#define FS_REFER	(1ULL << 13)	/* ABI 2 */
#define FS_TRUNCATE	(1ULL << 14)	/* ABI 3 */
#define FS_IOCTL_DEV	(1ULL << 15)	/* ABI 5 */
#define FS_EXECUTE	(1ULL << 0)
#define FS_READ_FILE	(1ULL << 2)
#define FS_READ_DIR	(1ULL << 3)
#define NET_BIND_TCP	(1ULL << 0)	/* ABI 4 */
#define NET_CONNECT_TCP	(1ULL << 1)
#define SCOPE_ABSTRACT_UNIX	(1ULL << 0)	/* ABI 6 */
#define SCOPE_SIGNAL	(1ULL << 1)

/* struct landlock_ruleset_attr as of ABI 6; the kernel takes a prefix
 * of it by size, so older kernels see only the fields they know. */
struct ll_ruleset {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct ll_path_beneath {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

static int
ll_abi(void)
{
	long v = syscall(__NR_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);

	return v < 0 ? 0 : (int)v;
}

static int
add_path(int rfd, const char *path, uint64_t access)
{
	struct ll_path_beneath pb;
	int fd, r, e;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) < 0)
		return -1;
	pb.allowed_access = access;
	pb.parent_fd = fd;
	r = (int)syscall(__NR_landlock_add_rule, rfd,
	    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	e = errno;
	close(fd);
	errno = e;
	return r;
}

int
emlt_sandbox(const char *write_dir, int *abi_r)
{
	struct ll_ruleset ra;
	uint64_t fs, read = FS_READ_FILE | FS_READ_DIR;
	size_t size;
	int abi, rfd, e;

	if (abi_r != NULL)
		*abi_r = 0;
	if ((abi = ll_abi()) <= 0)
		return 0;	/* no Landlock here: run unconfined */
	memset(&ra, 0, sizeof(ra));
	fs = FS_ABI1;
	if (abi >= 2)
		fs |= FS_REFER;
	if (abi >= 3)
		fs |= FS_TRUNCATE;
	if (abi >= 5)
		fs |= FS_IOCTL_DEV;
	ra.handled_access_fs = fs;
	size = sizeof(ra.handled_access_fs);
	if (abi >= 4) {
		/* No rule for any port: no TCP bind or connect at all. */
		ra.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP;
		size = 2 * sizeof(uint64_t);
	}
	if (abi >= 6) {
		/* Nor signals or abstract sockets to processes outside. */
		ra.scoped = SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL;
		size = sizeof(ra);
	}
	rfd = (int)syscall(__NR_landlock_create_ruleset, &ra, size, 0);
	if (rfd < 0)
		return -1;
	/* Reading stays allowed everywhere: inputs named later (a Maildir
	 * read lazily, --files-from) must still open. */
	if (add_path(rfd, "/", read) != 0)
		goto fail;
	/* The one folder a writing tool may fill: everything but
	 * executing.  REFER is granted there only, so a Maildir delivery
	 * can link tmp/NAME into new/ while nothing moves in or out of the
	 * folder (Landlock checks REFER on both ends). */
	if (write_dir != NULL && add_path(rfd, write_dir,
	    fs & ~(FS_EXECUTE | FS_IOCTL_DEV)) != 0)
		goto fail;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		goto fail;
	if (syscall(__NR_landlock_restrict_self, rfd, 0) != 0)
		goto fail;
	close(rfd);
	if (abi_r != NULL)
		*abi_r = abi;
	return 0;
fail:
	e = errno;
	close(rfd);
	errno = e;
	return -1;
}

#else /* !__linux__ */

int
emlt_sandbox(const char *write_dir, int *abi_r)
{
	(void)write_dir;
	if (abi_r != NULL)
		*abi_r = 0;
	return 0;
}

#endif

/* ------------------------------------------------------------------ */
/* The test probe: what the confined tool may still do, tried from
 * inside.  Each line names the attempt and its errno text, or
 * "allowed"; a test compares with and without --no-sandbox. */

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

static void
probe_say(const char *what, const char *arg, int err)
{
	fflush(stdout);
	fprintf(stderr, "%s: sandbox probe: %s%s%s: %s\n", tool_name(),
	    what, arg ? " " : "", arg ? arg : "",
	    err == 0 ? "allowed" : strerror(err));
}

void
emlt_sandbox_probe(void)
{
	const char *path = getenv("EML_SANDBOX_PROBE");
	struct sockaddr_in sin;
	int fd, st, err;
	pid_t pid;

	if (path == NULL || *path == '\0')
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	err = fd < 0 ? errno : 0;
	if (fd >= 0) {
		close(fd);
		unlink(path);	/* leave nothing behind */
	}
	probe_say("create", path, err);
	fflush(stderr);
	if ((pid = fork()) == 0) {
		char *av[] = { "/bin/true", NULL };

		execv(av[0], av);
		_exit(100 + (errno & 0x1f));
	}
	err = 0;
	if (pid < 0)
		err = errno;
	else if (waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) >= 100)
		err = WEXITSTATUS(st) - 100;
	probe_say("exec", "/bin/true", err);
	err = 0;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		err = errno;
	} else {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(9);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		/* Refused or denied: both say no connection was made; only
		 * EACCES says the sandbox denied it. */
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
			err = errno;
		close(fd);
	}
	probe_say("connect", "127.0.0.1:9", err);
}
