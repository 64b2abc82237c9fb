/*
 * maildir.c - Maildir delivery (a sink: the message is streamed in, never
 * held whole) and listing.
 *
 * Delivery follows the Maildir protocol: write to tmp/ under a unique
 * name, fsync, then link() into new/ (never overwriting), remove the tmp
 * file, and fsync new/ so the entry survives a crash.  Names are
 * time.M<usec>P<pid>Q<n>.host with '/', ':' and ',' in the host name
 * escaped as octal.  An abort, or an error anywhere in the chain in
 * front, removes the tmp file: new/ only ever gets whole messages.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "eml_priv.h"

#define NAME_TRIES	100

static int
mkdir_ok(const char *path)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	return -1;
}

void
emli_maildir_host(const char *h, char *out, size_t size)
{
	size_t i, o = 0;

	/* maildir(5): '/' and ':' in the host name become "\057" and
	 * "\072"; ',' too ("\054"), since Maildir++ and Dovecot read
	 * ",S=size" and ",W=" fields after it. */
	for (i = 0; h[i] != '\0' && o + 5 < size; i++) {
		if (h[i] == '/' || h[i] == ':' || h[i] == ',') {
			snprintf(out + o, size - o, "\\%03o",
			    (unsigned)(unsigned char)h[i]);
			o += 4;
		} else
			out[o++] = h[i];
	}
	out[o] = '\0';
}

static void
host_part(char *out, size_t size)
{
	char h[256];

	if (gethostname(h, sizeof(h)) != 0 || h[0] == '\0')
		strcpy(h, "localhost");
	h[sizeof(h) - 1] = '\0';
	emli_maildir_host(h, out, size);
}

static int
fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0, e;

	if (fd < 0)
		return -1;
	/* Some file systems cannot sync a directory (EINVAL): their
	 * rename is as durable as it gets there. */
	if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
		r = -1;
	e = errno;
	close(fd);
	errno = e;
	return r;
}

/* ---- the delivery sink ---- */

struct md_sink {
	struct eml_sink s;
	int fd;
	int done;		/* the message is in new/ */
	char *tmp;		/* dir/tmp/NAME */
	char *dst;		/* dir/new/NAME */
	char *newdir;		/* dir/new */
	const char *name;	/* NAME, inside dst */
	char **name_r;
};

static int
md_write(struct eml_sink *s, const void *p, size_t n)
{
	return emli_write_all(((struct md_sink *)s)->fd, p, n);
}

static int
md_finish(struct eml_sink *s)
{
	struct md_sink *m = (struct md_sink *)s;
	struct stat st;
	int fd = m->fd, e;

	/* The data is on disk before its name is in new/: a crash leaves
	 * at worst a file in tmp/, never a truncated message in new/. */
	m->fd = -1;
	if (fsync(fd) != 0) {
		e = errno;
		close(fd);
		errno = e;
		return EML_EIO;
	}
	if (close(fd) != 0)
		return EML_EIO;
	/* link() never replaces a file: a name clash is an error, not a
	 * lost message.  Without hard links, rename onto a free name. */
	if (link(m->tmp, m->dst) != 0) {
		e = errno;
		if (!((e == EPERM || e == ENOSYS || e == EOPNOTSUPP ||
		    e == EXDEV || e == EMLINK) &&
		    lstat(m->dst, &st) != 0 && errno == ENOENT &&
		    rename(m->tmp, m->dst) == 0)) {
			errno = e;
			return e == EEXIST ? EML_EEXIST : EML_EIO;
		}
	} else
		unlink(m->tmp);
	m->done = 1;
	/* Make the new entry itself durable.  Failing here the message is
	 * delivered but might not survive a crash: report it, a duplicate
	 * after a retry beats a lost message. */
	if (fsync_dir(m->newdir) != 0)
		return EML_EIO;
	return EML_OK;
}

static void
md_release(struct eml_sink *s, int discard)
{
	struct md_sink *m = (struct md_sink *)s;

	if (m->fd >= 0)
		close(m->fd);
	if (!m->done)
		unlink(m->tmp);
	else if (m->name_r != NULL)
		*m->name_r = strdup(m->name);	/* NULL: delivered anyway */
	free(m->tmp);
	free(m->dst);
	free(m->newdir);
}

static const struct emli_sink_ops md_ops = { md_write, md_finish, md_release };

static char *
path_join(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s%s%s", a, b, c);
	return p;
}

struct eml_sink *
eml_sink_maildir(const char *dir, int create, char **name_r, int *err_r)
{
	static atomic_ulong deliveries;
	char host[1100], name[1300];
	struct md_sink *m;
	struct timeval tv;
	int tries, dummy, e;

	if (err_r == NULL)
		err_r = &dummy;
	*err_r = EML_OK;
	if (name_r != NULL)
		*name_r = NULL;
	if (dir == NULL || dir[0] == '\0') {
		*err_r = EML_EINVAL;
		errno = EINVAL;
		return NULL;
	}
	if (create) {
		static const char *subs[] = { "", "/tmp", "/new", "/cur" };
		char sub[4096];
		size_t i;

		for (i = 0; i < EMLI_NELEM(subs); i++) {
			if ((size_t)snprintf(sub, sizeof(sub), "%s%s", dir,
			    subs[i]) >= sizeof(sub)) {
				errno = ENAMETOOLONG;
				*err_r = EML_EIO;
				return NULL;
			}
			if (mkdir_ok(sub) != 0) {
				*err_r = EML_EIO;
				return NULL;
			}
		}
	}
	m = (struct md_sink *)emli_sink_new(sizeof(*m), &md_ops, NULL, 0);
	if (m == NULL) {
		*err_r = EML_ENOMEM;
		return NULL;
	}
	m->fd = -1;
	m->name_r = name_r;
	if ((m->newdir = path_join(dir, "/new", "")) == NULL)
		goto nomem;
	host_part(host, sizeof(host));
	for (tries = 0; tries < NAME_TRIES; tries++) {
		/* Maildir's unique name (cr.yp.to/proto/maildir.html):
		 * seconds, then M microseconds, P pid and Q this process's
		 * delivery count, then the host.  Q makes two deliveries of
		 * one process in one microsecond differ; O_EXCL and link()
		 * catch what is left (a clock set back, a reused pid). */
		gettimeofday(&tv, NULL);
		snprintf(name, sizeof(name), "%lld.M%06ldP%ldQ%lu.%s",
		    (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(),
		    atomic_fetch_add(&deliveries, 1) + 1, host);
		free(m->tmp);
		free(m->dst);
		m->tmp = path_join(dir, "/tmp/", name);
		m->dst = path_join(dir, "/new/", name);
		if (m->tmp == NULL || m->dst == NULL)
			goto nomem;
		if (strlen(m->dst) >= 4096) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		m->fd = open(m->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
		if (m->fd >= 0)
			break;
		if (errno != EEXIST)
			goto fail;
	}
	if (m->fd < 0) {
		m->done = 1;	/* the tmp names are others' files */
		m->name_r = NULL;
		eml_sink_abort(&m->s);
		errno = EEXIST;
		*err_r = EML_EEXIST;
		return NULL;
	}
	m->name = m->dst + strlen(m->dst) - strlen(name);
	m->done = 0;
	return &m->s;
nomem:
	m->done = 1;		/* nothing in tmp/ to remove */
	m->name_r = NULL;
	eml_sink_abort(&m->s);
	errno = ENOMEM;
	*err_r = EML_ENOMEM;
	return NULL;
fail:
	e = errno;
	m->done = 1;
	m->name_r = NULL;
	eml_sink_abort(&m->s);
	errno = e;
	*err_r = EML_EIO;
	return NULL;
}

int
eml_maildir_deliver(const char *dir, const void *msg, size_t len,
    int create, char **name_r)
{
	struct eml_sink *s;
	int r;

	if (name_r != NULL)
		*name_r = NULL;
	if (dir == NULL || (msg == NULL && len > 0))
		return EML_EINVAL;
	if ((s = eml_sink_maildir(dir, create, name_r, &r)) == NULL)
		return r;
	if ((r = eml_sink_write(s, msg, len)) != EML_OK) {
		eml_sink_abort(s);
		return r;
	}
	return eml_sink_close(s);
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
