/*
 * sink.c - output sinks (fd, eml_buf, callback), the chain mechanics
 * shared by every filter, and the byte-limit filter.
 *
 * A sink is a struct eml_sink embedded first in a kind-specific struct,
 * with its ops (eml_priv.h).  The generic code here owns the rules every
 * kind then gets for free: errors are sticky (a filter or a full disk
 * cannot be written past silently), bytes are counted on the way in,
 * close finishes the chain front to back, and after any error the rest
 * of the chain is released with discard set, so a delivery sink at the
 * end never commits a message that lost bytes on the way.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "eml_priv.h"

struct eml_sink *
emli_sink_new(size_t size, const struct emli_sink_ops *ops,
    struct eml_sink *next, int want_next)
{
	struct eml_sink *s;

	if (want_next && next == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if ((s = calloc(1, size)) == NULL) {
		eml_sink_abort(next);
		errno = ENOMEM;
		return NULL;
	}
	s->ops = ops;
	s->next = next;
	return s;
}

int
emli_write_all(int fd, const void *p, size_t n)
{
	const char *q = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, q, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return EML_EIO;
		}
		if (w == 0) {
			/* write(2) of n > 0 returning 0: no progress is
			 * possible, call it a full device. */
			errno = ENOSPC;
			return EML_EIO;
		}
		q += w;
		n -= (size_t)w;
	}
	return EML_OK;
}

static int
fail(struct eml_sink *s, int r)
{
	s->err = r;
	s->err_errno = errno;
	return r;
}

static int
sticky(const struct eml_sink *s)
{
	/* EML_EIO says "see errno": give the errno of the failure again,
	 * not whatever a later call left there. */
	if (s->err == EML_EIO)
		errno = s->err_errno;
	return s->err;
}

int
eml_sink_write(struct eml_sink *s, const void *p, size_t n)
{
	int r;

	if (s == NULL || (p == NULL && n > 0))
		return EML_EINVAL;
	if (s->err != EML_OK)
		return sticky(s);
	if (n == 0)
		return EML_OK;
	if ((r = s->ops->write(s, p, n)) < 0)
		return fail(s, r);
	s->bytes += n;
	return EML_OK;
}

int
eml_sink_puts(struct eml_sink *s, const char *str)
{
	if (str == NULL)
		return EML_EINVAL;
	return eml_sink_write(s, str, strlen(str));
}

uint64_t
eml_sink_bytes(const struct eml_sink *s)
{
	return s != NULL ? s->bytes : 0;
}

int
eml_sink_error(const struct eml_sink *s)
{
	return s != NULL ? s->err : EML_EINVAL;
}

/* Release one sink (not its next) and free it. */
static void
drop(struct eml_sink *s, int discard)
{
	if (s->ops->release != NULL)
		s->ops->release(s, discard);
	free(s);
}

int
eml_sink_close(struct eml_sink *s)
{
	struct eml_sink *next;
	int r = EML_OK, r2, e = 0;

	if (s == NULL)
		return EML_EINVAL;
	/* Front to back: each finish may still write into its next, which
	 * is closed only after it. */
	while (s != NULL) {
		next = s->next;
		if (r == EML_OK && s->err != EML_OK) {
			r = sticky(s);
			e = errno;
		}
		if (r == EML_OK && s->ops->finish != NULL &&
		    (r2 = s->ops->finish(s)) < 0) {
			r = r2;
			e = errno;
		}
		drop(s, r != EML_OK);
		s = next;
	}
	if (r == EML_EIO)
		errno = e;
	return r;
}

void
eml_sink_abort(struct eml_sink *s)
{
	struct eml_sink *next;
	int e = errno;

	while (s != NULL) {
		next = s->next;
		drop(s, 1);
		s = next;
	}
	/* Aborting is cleanup after an error: keep the caller's errno. */
	errno = e;
}

/* ---- file descriptor ---- */

struct fd_sink {
	struct eml_sink s;
	int fd;
};

static int
fd_write(struct eml_sink *s, const void *p, size_t n)
{
	return emli_write_all(((struct fd_sink *)s)->fd, p, n);
}

static const struct emli_sink_ops fd_ops = { fd_write, NULL, NULL };

struct eml_sink *
eml_sink_fd(int fd)
{
	struct fd_sink *f;

	if (fd < 0) {
		errno = EBADF;
		return NULL;
	}
	f = (struct fd_sink *)emli_sink_new(sizeof(*f), &fd_ops, NULL, 0);
	if (f == NULL)
		return NULL;
	f->fd = fd;
	return &f->s;
}

/* ---- eml_buf ---- */

struct buf_sink {
	struct eml_sink s;
	struct eml_buf *b;
};

static int
buf_write(struct eml_sink *s, const void *p, size_t n)
{
	return eml_buf_add(((struct buf_sink *)s)->b, p, n);
}

static const struct emli_sink_ops buf_ops = { buf_write, NULL, NULL };

struct eml_sink *
eml_sink_buf(struct eml_buf *b)
{
	struct buf_sink *f;

	if (b == NULL) {
		errno = EINVAL;
		return NULL;
	}
	f = (struct buf_sink *)emli_sink_new(sizeof(*f), &buf_ops, NULL, 0);
	if (f == NULL)
		return NULL;
	f->b = b;
	return &f->s;
}

/* ---- callback ---- */

struct cb_sink {
	struct eml_sink s;
	int (*write)(void *ctx, const void *p, size_t n);
	int (*close)(void *ctx);
	void *ctx;
};

static int
cb_write(struct eml_sink *s, const void *p, size_t n)
{
	struct cb_sink *c = (struct cb_sink *)s;
	int r = c->write(c->ctx, p, n);

	/* A callback returning a positive count by habit is success. */
	return r < 0 ? r : EML_OK;
}

static int
cb_finish(struct eml_sink *s)
{
	struct cb_sink *c = (struct cb_sink *)s;
	int r;

	if (c->close == NULL)
		return EML_OK;
	r = c->close(c->ctx);
	return r < 0 ? r : EML_OK;
}

static const struct emli_sink_ops cb_ops = { cb_write, cb_finish, NULL };

struct eml_sink *
eml_sink_cb(int (*write)(void *ctx, const void *p, size_t n),
    int (*close)(void *ctx), void *ctx)
{
	struct cb_sink *c;

	if (write == NULL) {
		errno = EINVAL;
		return NULL;
	}
	c = (struct cb_sink *)emli_sink_new(sizeof(*c), &cb_ops, NULL, 0);
	if (c == NULL)
		return NULL;
	c->write = write;
	c->close = close;
	c->ctx = ctx;
	return &c->s;
}

/* ---- a sink inside another ---- */

struct sub_sink {
	struct eml_sink s;
	struct eml_sink *parent;
};

static int
sub_write(struct eml_sink *s, const void *p, size_t n)
{
	return eml_sink_write(((struct sub_sink *)s)->parent, p, n);
}

static const struct emli_sink_ops sub_ops = { sub_write, NULL, NULL };

struct eml_sink *
eml_sink_sub(struct eml_sink *parent)
{
	struct sub_sink *u;

	if (parent == NULL) {
		errno = EINVAL;
		return NULL;
	}
	u = (struct sub_sink *)emli_sink_new(sizeof(*u), &sub_ops, NULL, 0);
	if (u == NULL)
		return NULL;
	u->parent = parent;
	return &u->s;
}

/* ---- byte limit ---- */

struct limit_sink {
	struct eml_sink s;
	uint64_t max;
	uint64_t passed;
};

static int
limit_write(struct eml_sink *s, const void *p, size_t n)
{
	struct limit_sink *l = (struct limit_sink *)s;
	int r;

	/* All or nothing per write: a message over the limit is refused,
	 * not silently cut at a byte that happens to fit. */
	if (n > l->max - l->passed)
		return EML_ELIMIT;
	if ((r = eml_sink_write(s->next, p, n)) < 0)
		return r;
	l->passed += n;
	return EML_OK;
}

static const struct emli_sink_ops limit_ops = { limit_write, NULL, NULL };

struct eml_sink *
eml_filter_limit(struct eml_sink *next, uint64_t max)
{
	struct limit_sink *l;

	l = (struct limit_sink *)emli_sink_new(sizeof(*l), &limit_ops, next, 1);
	if (l == NULL)
		return NULL;
	l->max = max;
	return &l->s;
}
