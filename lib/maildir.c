/*
 * maildir.c - Maildir delivery and listing.
 *
 * Delivery follows the Maildir protocol: write to tmp/ under a unique
 * name, fsync, then link() into new/ (never overwriting), remove the tmp
 * file, and fsync new/ so the entry survives a crash.  Names are
 * time.pid_rand.host with '/' and ':' in the host name escaped as octal,
 * as the maildir(5) convention asks.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "eml_priv.h"

#define NAME_TRIES	16

static int
mkdir_ok(const char *path)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	return -1;
}

static uint32_t
rand32(void)
{
	static uint32_t counter;
	uint32_t r;
	struct timespec ts;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
		return r;
	/* No entropy yet: time and a counter still make the name unique
	 * together with the pid. */
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint32_t)ts.tv_nsec ^ (++counter * 2654435761u);
}

/* Host name with '/' -> "\057" and ':' -> "\072". */
static void
host_part(char *out, size_t size)
{
	char h[256];
	size_t i, o = 0;

	if (gethostname(h, sizeof(h)) != 0)
		strcpy(h, "localhost");
	h[sizeof(h) - 1] = '\0';
	for (i = 0; h[i] != '\0' && o + 5 < size; i++) {
		if (h[i] == '/' || h[i] == ':') {
			snprintf(out + o, size - o, "\\%03o",
			    (unsigned)(unsigned char)h[i]);
			o += 4;
		} else
			out[o++] = h[i];
	}
	out[o] = '\0';
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int
eml_maildir_deliver(const char *dir, const void *msg, size_t len,
    int create, char **name_r)
{
	char host[1100], name[1300], tmp[4096], dst[4096], sub[4096];
	struct stat st;
	int fd = -1, tries, e;

	if (name_r != NULL)
		*name_r = NULL;
	if (dir == NULL || (msg == NULL && len > 0))
		return EML_EINVAL;
	if (create) {
		static const char *subs[] = { "", "/tmp", "/new", "/cur" };
		size_t i;

		for (i = 0; i < EMLI_NELEM(subs); i++) {
			snprintf(sub, sizeof(sub), "%s%s", dir, subs[i]);
			if (mkdir_ok(sub) != 0)
				return EML_EIO;
		}
	}
	host_part(host, sizeof(host));
	for (tries = 0; tries < NAME_TRIES; tries++) {
		snprintf(name, sizeof(name), "%lld.%ld_%08x.%s",
		    (long long)time(NULL), (long)getpid(), rand32(), host);
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s/tmp/%s", dir,
		    name) >= sizeof(tmp) ||
		    (size_t)snprintf(dst, sizeof(dst), "%s/new/%s", dir,
		    name) >= sizeof(dst)) {
			errno = ENAMETOOLONG;
			return EML_EIO;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST)
			return EML_EIO;
	}
	if (fd < 0)
		return EML_EEXIST;
	if (write_all(fd, msg, len) != 0 || fsync(fd) != 0) {
		e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		return EML_EIO;
	}
	if (close(fd) != 0) {
		e = errno;
		unlink(tmp);
		errno = e;
		return EML_EIO;
	}
	if (link(tmp, dst) != 0) {
		e = errno;
		/* Some file systems have no hard links; rename, but only
		 * onto a free name (rename would overwrite). */
		if ((e == EPERM || e == ENOSYS || e == EOPNOTSUPP ||
		    e == EXDEV || e == EMLINK) &&
		    lstat(dst, &st) != 0 && errno == ENOENT &&
		    rename(tmp, dst) == 0)
			goto done;
		unlink(tmp);
		errno = e;
		return e == EEXIST ? EML_EEXIST : EML_EIO;
	}
	unlink(tmp);
done:
	snprintf(sub, sizeof(sub), "%s/new", dir);
	fsync_dir(sub);
	if (name_r != NULL && (*name_r = strdup(name)) == NULL)
		return EML_ENOMEM;
	return EML_OK;
}

static int
cmp_base(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	const char *bx = strrchr(x, '/'), *by = strrchr(y, '/');
	int c;

	/* By file name, so new/ and cur/ interleave by delivery time. */
	if ((c = strcmp(bx != NULL ? bx : x, by != NULL ? by : y)) != 0)
		return c;
	return strcmp(x, y);
}

int
eml_maildir_list(const char *dir, char ***paths_r, size_t *n_r)
{
	static const char *subs[] = { "new", "cur" };
	char **v = NULL, **nv, *path;
	size_t n = 0, cap = 0, i, plen;
	unsigned found = 0;
	struct dirent *de;
	DIR *d;
	int e;

	*paths_r = NULL;
	*n_r = 0;
	for (i = 0; i < EMLI_NELEM(subs); i++) {
		char sub[4096];

		snprintf(sub, sizeof(sub), "%s/%s", dir, subs[i]);
		if ((d = opendir(sub)) == NULL) {
			if (errno == ENOENT)
				continue;
			goto fail_io;
		}
		found++;
		while ((errno = 0, de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				if ((nv = realloc(v, cap * sizeof(*v))) ==
				    NULL) {
					closedir(d);
					goto fail_mem;
				}
				v = nv;
			}
			plen = strlen(sub) + strlen(de->d_name) + 2;
			if ((path = malloc(plen)) == NULL) {
				closedir(d);
				goto fail_mem;
			}
			snprintf(path, plen, "%s/%s", sub, de->d_name);
			v[n++] = path;
		}
		e = errno;
		closedir(d);
		if (e != 0) {
			errno = e;
			goto fail_io;
		}
	}
	if (found == 0) {
		errno = ENOENT;
		goto fail_io;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_base);
	*paths_r = v;
	*n_r = n;
	return EML_OK;
fail_mem:
	eml_maildir_list_free(v, n);
	return EML_ENOMEM;
fail_io:
	e = errno;
	eml_maildir_list_free(v, n);
	errno = e;
	return EML_EIO;
}

void
eml_maildir_list_free(char **paths, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int
eml_maildir_is(const char *dir)
{
	/* cur/ and new/ hold the mail a reader wants; tmp/ only matters
	 * for delivery (which creates it), and some copies lack it. */
	static const char *subs[] = { "cur", "new" };
	char sub[4096];
	struct stat st;
	size_t i;

	for (i = 0; i < EMLI_NELEM(subs); i++) {
		snprintf(sub, sizeof(sub), "%s/%s", dir, subs[i]);
		if (stat(sub, &st) != 0 || !S_ISDIR(st.st_mode))
			return 0;
	}
	return 1;
}
