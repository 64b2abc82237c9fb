/*
 * state_deliver.c - the ends of a fetch: the destinations messages are
 * stored in (Maildir, mbox, stdout through the core's delivery sinks),
 * and the transport over an eml_conn.  Kept in the library so that
 * eml-imap and eml-pop3 stay option parsing and a loop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eml_priv.h"
#include "net/eml_fetch.h"

struct eml_fetch_dest {
	enum eml_dest_kind kind;
	char *to;
	struct eml_sink *s;	/* the message being written */
	struct eml_fetch_cb cb;
	uint64_t bytes;
	char errmsg[256];
};

static int
d_begin(void *ctx, uint64_t size)
{
	struct eml_fetch_dest *d = ctx;
	struct eml_sink *s = NULL;
	int err = EML_OK;

	d->bytes = 0;
	d->errmsg[0] = '\0';
	switch (d->kind) {
	case EML_DEST_MAILDIR:
		s = eml_sink_maildir(d->to, 1, NULL, &err);
		break;
	case EML_DEST_MBOX:
		s = eml_sink_mbox(d->to, NULL, 0, &err);
		break;
	case EML_DEST_STDOUT:
		s = eml_filter_mbox(eml_sink_fd(STDOUT_FILENO), NULL, 0);
		break;
	}
	if (s == NULL) {
		snprintf(d->errmsg, sizeof(d->errmsg), "%s: %s", d->to,
		    err == EML_EIO ? strerror(errno) : eml_strerror(err ?
		    err : EML_ENOMEM));
		return err ? err : EML_ENOMEM;
	}
	/* the wire has CRLF (RFC 9051 2.2, RFC 1939 3); mailboxes on
	 * Unix have LF, as fetchmail, getmail and mbsync write them */
	if ((d->s = eml_filter_eol(s, 0)) == NULL)
		return EML_ENOMEM;
	return EML_OK;
}

static int
d_data(void *ctx, const void *p, size_t n)
{
	struct eml_fetch_dest *d = ctx;
	int r;

	d->bytes += n;
	if ((r = eml_sink_write(d->s, p, n)) < 0)
		snprintf(d->errmsg, sizeof(d->errmsg), "%s: %s", d->to,
		    r == EML_EIO ? strerror(errno) : eml_strerror(r));
	return r;
}

static int
d_end(void *ctx)
{
	struct eml_fetch_dest *d = ctx;
	int r = eml_sink_close(d->s);

	d->s = NULL;
	if (r < 0)
		snprintf(d->errmsg, sizeof(d->errmsg), "%s: %s", d->to,
		    r == EML_EIO ? strerror(errno) : eml_strerror(r));
	return r;
}

static void
d_abort(void *ctx)
{
	struct eml_fetch_dest *d = ctx;

	eml_sink_abort(d->s);
	d->s = NULL;
}

struct eml_fetch_dest *
eml_fetch_dest_new(const char *to, int *err_r)
{
	struct eml_fetch_dest *d;
	struct stat st;
	size_t n;

	*err_r = EML_EINVAL;
	if (to == NULL || (n = strlen(to)) == 0)
		return NULL;
	*err_r = EML_ENOMEM;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if ((d->to = strdup(to)) == NULL) {
		free(d);
		return NULL;
	}
	if (strcmp(to, "-") == 0)
		d->kind = EML_DEST_STDOUT;
	else if (to[n - 1] == '/' || (stat(to, &st) == 0 &&
	    S_ISDIR(st.st_mode)))
		d->kind = EML_DEST_MAILDIR;
	else
		d->kind = EML_DEST_MBOX;
	d->cb.ctx = d;
	d->cb.begin = d_begin;
	d->cb.data = d_data;
	d->cb.end = d_end;
	d->cb.abort = d_abort;
	*err_r = EML_OK;
	return d;
}

void
eml_fetch_dest_free(struct eml_fetch_dest *d)
{
	if (d == NULL)
		return;
	eml_sink_abort(d->s);
	free(d->to);
	free(d);
}

enum eml_dest_kind
eml_fetch_dest_kind(const struct eml_fetch_dest *d)
{
	return d->kind;
}

const struct eml_fetch_cb *
eml_fetch_dest_cb(struct eml_fetch_dest *d)
{
	return &d->cb;
}

const char *
eml_fetch_dest_errmsg(const struct eml_fetch_dest *d)
{
	return d->errmsg;
}

uint64_t
eml_fetch_dest_bytes(const struct eml_fetch_dest *d)
{
	return d->bytes;
}

/* ---- the transport over eml_conn ---- */

static ssize_t
ci_read(void *ctx, void *buf, size_t n)
{
	struct eml_conn_io *ci = ctx;
	size_t got;
	int r = eml_conn_read(ci->conn, buf, n, &got);

	if (r < 0)
		return r == EML_ENOMEM ? EML_EIO : r;
	return (ssize_t)got;
}

static int
ci_write(void *ctx, const void *p, size_t n)
{
	struct eml_conn_io *ci = ctx;
	int r = eml_conn_write(ci->conn, p, n);

	return r < 0 ? r : 1;
}

static int
ci_starttls(void *ctx)
{
	struct eml_conn_io *ci = ctx;

	return eml_conn_tls(ci->conn, NULL);
}

static void
ci_trace(void *ctx, int dir, const char *line, size_t n)
{
	struct eml_conn_io *ci = ctx;

	if (ci->trace == NULL || ci->trace->fn == NULL)
		return;
	ci->trace->fn(ci->trace->ctx, dir == '>' ? EML_TRACE_SEND :
	    dir == '<' ? EML_TRACE_RECV : EML_TRACE_INFO,
	    eml_conn_is_tls(ci->conn), line, n);
}

void
eml_conn_io_init(struct eml_conn_io *ci, struct eml_conn *c,
    const struct eml_trace *t)
{
	memset(ci, 0, sizeof(*ci));
	ci->conn = c;
	ci->trace = t;
	ci->io.ctx = ci;
	ci->io.read = ci_read;
	ci->io.write = ci_write;
	ci->io.starttls = ci_starttls;
	ci->io.trace = ci_trace;
	ci->io.tls = eml_conn_is_tls(c);
}
