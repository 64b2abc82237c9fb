/*
 * pop3.c - POP3 client (RFC 1939; CAPA RFC 2449; STLS RFC 2595; AUTH
 * RFC 5034) and its reply reader.
 *
 * The reader knows only what it is told: the client says, before each
 * reply, whether a +OK opens a multi-line body (RETR, TOP, LIST and
 * UIDL without argument, CAPA) or not (STAT, "LIST n", "UIDL n", USER,
 * PASS, DELE...).  Guessing from the text is how clients hang or read a
 * message body as replies.  Bodies are dot-unstuffed as they stream
 * (RFC 1939 3) and end only at CRLF.CRLF.
 */
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "eml_priv.h"
#include "net/eml_fetch.h"

#define POP3_DEFAULT_MAX_LINE	65536	/* RFC 2449 says 512 */
#define IBUF_SIZE		65536
#define OBUF_SIZE		4096

enum rd_state {
	ST_IDLE,		/* no reply expected */
	ST_STATUS,		/* collecting the status line */
	ST_BOL,			/* body, at a line start after CRLF */
	ST_BOL_LF,		/* body, line start after a bare LF */
	ST_DOT,			/* ".": stuffing, or the end */
	ST_DOTCR,		/* ".\r" */
	ST_MID,			/* body, inside a line */
	ST_MIDCR,		/* body, after a CR */
	ST_ENDED,		/* END to report */
	ST_ERROR
};

struct eml_pop3_rd {
	enum rd_state state;
	int multi;
	struct eml_buf line;
	const unsigned char *in;
	size_t in_len;
	unsigned char obuf[OBUF_SIZE];
	int err;
};

struct eml_pop3_rd *
eml_pop3_rd_new(size_t max_line)
{
	struct eml_pop3_rd *rd = calloc(1, sizeof(*rd));

	if (rd == NULL)
		return NULL;
	rd->line.max = max_line ? max_line : POP3_DEFAULT_MAX_LINE;
	return rd;
}

void
eml_pop3_rd_free(struct eml_pop3_rd *rd)
{
	if (rd == NULL)
		return;
	eml_buf_free(&rd->line);
	free(rd);
}

void
eml_pop3_rd_expect(struct eml_pop3_rd *rd, int multi)
{
	if (rd->state == ST_ERROR)
		return;
	rd->state = ST_STATUS;
	rd->multi = multi;
	eml_buf_reset(&rd->line);
}

int
eml_pop3_rd_feed(struct eml_pop3_rd *rd, const void *p, size_t n)
{
	if (rd->in_len != 0)
		return EML_EINVAL;
	rd->in = p;
	rd->in_len = n;
	return EML_OK;
}

size_t
eml_pop3_rd_pending(const struct eml_pop3_rd *rd)
{
	return rd->in_len;
}

int
eml_pop3_rd_finish(struct eml_pop3_rd *rd)
{
	if (rd->state == ST_ERROR)
		return rd->err;
	return rd->state == ST_IDLE && rd->in_len == 0 ? EML_OK : EML_EPROTO;
}

static int
rd_fail(struct eml_pop3_rd *rd, int err)
{
	rd->state = ST_ERROR;
	rd->err = err;
	return err;
}

int
eml_pop3_rd_next(struct eml_pop3_rd *rd, struct eml_pop3_rd_event *ev)
{
	size_t o = 0;

	switch (rd->state) {
	case ST_ERROR:
		return rd->err;
	case ST_ENDED:
		rd->state = ST_IDLE;
		ev->type = EML_POP3_RD_END;
		ev->text = "";
		ev->len = 0;
		return 1;
	case ST_IDLE:
		/* nothing was asked: bytes now are an injected reply */
		return rd->in_len ? rd_fail(rd, EML_EPROTO) : 0;
	case ST_STATUS: {
		const unsigned char *lf;
		size_t k, n;
		int r;

		if (rd->in_len == 0)
			return 0;
		lf = memchr(rd->in, '\n', rd->in_len);
		k = lf ? (size_t)(lf - rd->in) + 1 : rd->in_len;
		if ((r = eml_buf_add(&rd->line, rd->in, k)) < 0)
			return rd_fail(rd, r);
		rd->in += k;
		rd->in_len -= k;
		if (lf == NULL)
			return 0;
		n = rd->line.len - 1;
		if (n > 0 && rd->line.data[n - 1] == '\r')
			n--;
		rd->line.data[n] = '\0';
		/* RFC 1939 3: "+OK" or "-ERR", then SP and text */
		if (strncmp(rd->line.data, "+OK", 3) == 0 &&
		    (n == 3 || rd->line.data[3] == ' ')) {
			ev->ok = 1;
			ev->text = rd->line.data + (n > 3 ? 4 : 3);
		} else if (strncmp(rd->line.data, "-ERR", 4) == 0 &&
		    (n == 4 || rd->line.data[4] == ' ')) {
			ev->ok = 0;
			ev->text = rd->line.data + (n > 4 ? 5 : 4);
		} else if (rd->multi == 2 && rd->line.data[0] == '+' &&
		    (n == 1 || rd->line.data[1] == ' ')) {
			/* RFC 5034 4: "+ base64" during AUTH */
			ev->ok = 2;
			ev->text = rd->line.data + (n > 1 ? 2 : 1);
		} else
			return rd_fail(rd, EML_EPROTO);
		ev->type = EML_POP3_RD_STATUS;
		ev->len = strlen(ev->text);
		rd->state = ev->ok == 1 && rd->multi == 1 ? ST_BOL : ST_IDLE;
		return 1;
	}
	default:
		break;
	}
	/* a multi-line body: unstuff into obuf */
	while (rd->in_len > 0 && o < sizeof(rd->obuf) - 1) {
		unsigned char c = *rd->in;

		switch (rd->state) {
		case ST_BOL:
		case ST_BOL_LF:
			if (c == '.') {
				rd->state = rd->state == ST_BOL ? ST_DOT :
				    ST_MID;
				break;
			}
			rd->state = ST_MID;
			continue;	/* the same byte, mid-line */
		case ST_DOT:
			if (c == '\r') {
				rd->state = ST_DOTCR;
				break;
			}
			rd->state = ST_MID;
			continue;	/* the dot was stuffing */
		case ST_DOTCR:
			if (c == '\n') {
				rd->in++;
				rd->in_len--;
				rd->state = ST_ENDED;
				goto out;
			}
			/* ".\rX": the dot was stuffing, keep the CR */
			rd->obuf[o++] = '\r';
			rd->state = ST_MIDCR;
			continue;
		case ST_MIDCR:
			if (c == '\n') {
				rd->obuf[o++] = c;
				rd->state = ST_BOL;
				break;
			}
			rd->state = ST_MID;
			continue;
		default:	/* ST_MID */
			rd->obuf[o++] = c;
			if (c == '\r')
				rd->state = ST_MIDCR;
			else if (c == '\n')
				rd->state = ST_BOL_LF;
			break;
		}
		rd->in++;
		rd->in_len--;
	}
out:
	if (o == 0) {
		if (rd->state == ST_ENDED)
			return eml_pop3_rd_next(rd, ev);
		return 0;
	}
	ev->type = EML_POP3_RD_DATA;
	ev->text = (const char *)rd->obuf;
	ev->len = o;
	ev->ok = 1;
	return 1;
}

/* ---- the client ---- */

struct eml_pop3 {
	struct eml_net_io *io;
	struct eml_pop3_rd *rd;
	unsigned flags;
	int cap_stls, cap_user, cap_uidl, cap_top, capa_ok;
	char mechs[512];	/* CAPA SASL list */
	char apop[256];		/* greeting timestamp, RFC 1939 7 */
	int eof;
	unsigned char ibuf[IBUF_SIZE];
	struct eml_buf body;	/* a LIST/UIDL/CAPA body, capped */
	char text[512];		/* last status text */
	int last_ok;		/* 1 +OK, 2 "+ " (SASL), 0 -ERR */
	char errmsg[640];
};

static int
seterr(struct eml_pop3 *p, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->errmsg, sizeof(p->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

const char *
eml_pop3_errmsg(const struct eml_pop3 *p)
{
	return p->errmsg[0] ? p->errmsg : "no error";
}

struct eml_pop3 *
eml_pop3_new(struct eml_net_io *io, size_t max_line, unsigned flags)
{
	struct eml_pop3 *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	if ((p->rd = eml_pop3_rd_new(max_line)) == NULL) {
		free(p);
		return NULL;
	}
	p->io = io;
	p->flags = flags;
	p->body.max = 16u * 1024 * 1024;	/* LIST of ~1M messages */
	return p;
}

void
eml_pop3_free(struct eml_pop3 *p)
{
	if (p == NULL)
		return;
	eml_pop3_rd_free(p->rd);
	eml_buf_free(&p->body);
	free(p);
}

static void
trace(struct eml_pop3 *p, int dir, const char *s, size_t n)
{
	if (p->io->trace != NULL)
		p->io->trace(p->io->ctx, dir, s, n);
}

static int
fill(struct eml_pop3 *p)
{
	ssize_t n;

	if (p->eof)
		return seterr(p, EML_ECLOSED, "connection closed by the "
		    "server");
	n = p->io->read(p->io->ctx, p->ibuf, sizeof(p->ibuf));
	if (n < 0) {
		int r = n < -1 ? (int)n : EML_EIO;

		return seterr(p, r, "reading from the server failed: %s",
		    eml_net_strerror(r));
	}
	if (n == 0) {
		p->eof = 1;
		/* before the first byte of a reply it is a plain close */
		if (!(p->rd->state == ST_STATUS && p->rd->line.len == 0) &&
		    eml_pop3_rd_finish(p->rd) < 0)
			return seterr(p, EML_EPROTO, "connection closed by "
			    "the server in mid-reply");
		return seterr(p, EML_ECLOSED, "connection closed by the "
		    "server");
	}
	return eml_pop3_rd_feed(p->rd, p->ibuf, (size_t)n);
}

/*
 * Send line (unless NULL) and read its reply; the body of a multi-line
 * one goes to cb if given, else into p->body.  Returns EML_OK for +OK,
 * EML_EREFUSED for -ERR, <0 errors.
 */
static int
command(struct eml_pop3 *p, const char *line, int secret, int multi,
    const struct eml_fetch_cb *cb)
{
	struct eml_pop3_rd_event ev;
	int r, ok = 0, opened = 0;

	eml_buf_reset(&p->body);
	if (line != NULL) {
		size_t n = strlen(line);

		if (secret) {
			const char *sp = strchr(line, ' ');

			/* "AUTH PLAIN ..." shows "AUTH"; a SASL response
			 * line (no space) shows nothing of itself */
			if (sp != NULL)
				trace(p, '>', line, (size_t)(sp - line));
			trace(p, '*', "(credentials not shown)", 23);
		} else
			trace(p, '>', line, n);
		if (p->io->write(p->io->ctx, line, n) <= 0 ||
		    p->io->write(p->io->ctx, "\r\n", 2) <= 0)
			return seterr(p, EML_EIO, "writing to the server "
			    "failed");
	}
	eml_pop3_rd_expect(p->rd, multi);
	for (;;) {
		r = eml_pop3_rd_next(p->rd, &ev);
		if (r == 0) {
			if ((r = fill(p)) < 0)
				goto fail;
			continue;
		}
		if (r < 0) {
			r = seterr(p, r, r == EML_ELIMIT ? "server reply "
			    "line over the size limit" : "server sent a "
			    "malformed reply");
			goto fail;
		}
		if (ev.type == EML_POP3_RD_STATUS) {
			snprintf(p->text, sizeof(p->text), "%s %s",
			    ev.ok == 2 ? "+" : ev.ok ? "+OK" : "-ERR",
			    ev.text);
			trace(p, '<', p->text, strlen(p->text));
			snprintf(p->text, sizeof(p->text), "%s", ev.text);
			ok = ev.ok;
			p->last_ok = ok;
			if (!ok)
				return seterr(p, EML_EREFUSED, "%s", p->text);
			if (multi != 1)
				return EML_OK;
			if (cb != NULL) {
				if (cb->begin && cb->begin(cb->ctx, 0) < 0)
					return seterr(p, EML_EDELIVER,
					    "cannot store the message");
				opened = 1;
			}
			continue;
		}
		if (ev.type == EML_POP3_RD_DATA) {
			if (cb != NULL) {
				if (cb->data && cb->data(cb->ctx, ev.text,
				    ev.len) < 0) {
					r = seterr(p, EML_EDELIVER, "cannot "
					    "store the message");
					goto fail;
				}
			} else if ((r = eml_buf_add(&p->body, ev.text,
			    ev.len)) < 0) {
				r = seterr(p, r, "server reply too long");
				goto fail;
			}
			continue;
		}
		/* END */
		if (cb != NULL && cb->end && cb->end(cb->ctx) < 0)
			return seterr(p, EML_EDELIVER, "cannot store the "
			    "message");
		return EML_OK;
	}
fail:
	if (opened && cb->abort)
		cb->abort(cb->ctx);
	return r;
}

/* The lines of p->body, one at a time: *line_r NUL-terminated. */
static int
next_line(struct eml_pop3 *p, size_t *pos, char **line_r)
{
	char *s, *nl;

	if (*pos >= p->body.len)
		return 0;
	s = p->body.data + *pos;
	nl = memchr(s, '\n', p->body.len - *pos);
	if (nl == NULL)
		nl = p->body.data + p->body.len;
	*pos = (size_t)(nl - p->body.data) + 1;
	*nl = '\0';
	if (nl > s && nl[-1] == '\r')
		nl[-1] = '\0';
	*line_r = s;
	return 1;
}

static void
capa(struct eml_pop3 *p)
{
	size_t pos = 0;
	char *l;

	p->cap_stls = p->cap_user = p->cap_uidl = p->cap_top = 0;
	p->mechs[0] = '\0';
	p->capa_ok = 0;
	if (command(p, "CAPA", 0, 1, NULL) < 0)
		return;	/* RFC 2449 5: a server without CAPA */
	p->capa_ok = 1;
	while (next_line(p, &pos, &l)) {
		if (strcasecmp(l, "STLS") == 0)
			p->cap_stls = 1;
		else if (strcasecmp(l, "USER") == 0)
			p->cap_user = 1;
		else if (strcasecmp(l, "UIDL") == 0)
			p->cap_uidl = 1;
		else if (strcasecmp(l, "TOP") == 0)
			p->cap_top = 1;
		else if (strncasecmp(l, "SASL ", 5) == 0)
			snprintf(p->mechs, sizeof(p->mechs), "%s", l + 5);
	}
}

/* RFC 1939 7: a msg-id "<...@...>" in the greeting allows APOP; one
 * that is not printable, has no '@' or is over 255 bytes is ignored
 * (attack case 53). */
static void
apop_stamp(struct eml_pop3 *p)
{
	const char *a = strchr(p->text, '<'), *b = a ? strchr(a, '>') : NULL;

	p->apop[0] = '\0';
	if (a == NULL || b == NULL || (size_t)(b - a) + 1 >= sizeof(p->apop))
		return;
	for (const char *c = a + 1; c < b; c++)
		if (*c <= ' ' || *c > '~' || *c == '<')
			return;
	if (memchr(a, '@', (size_t)(b - a)) == NULL)
		return;
	memcpy(p->apop, a, (size_t)(b - a) + 1);
	p->apop[b - a + 1] = '\0';
}

int
eml_pop3_open(struct eml_pop3 *p)
{
	int r, need_tls = !p->io->tls && !(p->flags & EML_POP3_NO_TLS);

	if ((r = command(p, NULL, 0, 0, NULL)) < 0)
		return r == EML_EREFUSED ? seterr(p, r, "server refused the "
		    "connection: %s", p->text) : r;
	apop_stamp(p);
	capa(p);
	if (p->eof)
		return seterr(p, EML_EPROTO, "connection closed by the "
		    "server");
	if (!need_tls)
		return EML_OK;
	if (!p->cap_stls)
		return seterr(p, EML_ENOTLS, "server does not offer STLS; "
		    "refusing to continue without TLS");
	if (p->io->starttls == NULL)
		return seterr(p, EML_ENOTLS, "TLS is not available");
	if ((r = command(p, "STLS", 0, 0, NULL)) < 0)
		return r == EML_EREFUSED ? seterr(p, EML_ENOTLS, "server "
		    "refused STLS: %s", p->text) : r;
	/* CVE-2011-0411 class: bytes before the handshake are injected */
	if (eml_pop3_rd_pending(p->rd) != 0)
		return seterr(p, EML_EPROTO, "server sent data after the STLS "
		    "reply, before TLS; refusing");
	if ((r = p->io->starttls(p->io->ctx)) < 0)
		return seterr(p, r < -1 ? r : EML_ETLS, "TLS handshake "
		    "failed");
	p->io->tls = 1;
	/* RFC 2595 4: capabilities from before TLS are forgotten */
	capa(p);
	return p->eof ? seterr(p, EML_EPROTO, "connection closed by the "
	    "server") : EML_OK;
}

static int
b64_line(struct eml_buf *line, const void *p, size_t n)
{
	eml_buf_reset(line);
	if (n == 0)
		return eml_buf_adds(line, "=");	/* RFC 5034 4: empty */
	return eml_b64_encode(p, n, -1, line);
}

/* AUTH (RFC 5034) with one SASL exchange of net/sasl.c. */
static int
sasl_login(struct eml_pop3 *p, const char *mech, const char *user,
    const char *secret)
{
	struct eml_sasl *sa = eml_sasl_new(mech, user, secret, NULL, 0);
	struct eml_buf ir = { 0 }, line = { 0 }, in = { .max = 65536 };
	int r;

	if (sa == NULL)
		return seterr(p, EML_EINVAL, "cannot use %s with these "
		    "credentials", mech);
	if ((r = eml_sasl_start(sa, &ir)) < 0)
		goto out;
	if ((r = eml_buf_adds(&line, "AUTH ")) < 0 ||
	    (r = eml_buf_adds(&line, mech)) < 0)
		goto out;
	if (r == EML_OK && ir.len > 0) {
		struct eml_buf b = { 0 };

		if ((r = eml_b64_encode(ir.data, ir.len, -1, &b)) == 0 &&
		    (r = eml_buf_addc(&line, ' ')) == 0)
			r = eml_buf_add(&line, b.data, b.len);
		if (b.data)
			memset(b.data, 0, b.len);
		eml_buf_free(&b);
		if (r < 0)
			goto out;
	}
	r = command(p, line.data, 1, 2, NULL);
	while (r == EML_OK && p->last_ok == 2) {
		eml_buf_reset(&in);
		if (eml_b64_decode(p->text, strlen(p->text), &in) < 0) {
			(void)command(p, "*", 0, 2, NULL);
			r = seterr(p, EML_EAUTH, "server sent a malformed "
			    "SASL challenge");
			break;
		}
		eml_buf_reset(&ir);
		if ((r = eml_sasl_step(sa, in.data ? in.data : "", in.len,
		    &ir)) < 0) {
			(void)command(p, "*", 0, 2, NULL);
			r = seterr(p, EML_EAUTH, "authentication with the "
			    "server failed: %s", r == EML_EAUTH ? "the "
			    "server's proof is wrong" : "bad challenge");
			break;
		}
		if ((r = b64_line(&line, ir.data, ir.len)) < 0)
			break;
		if (ir.len == 0)
			eml_buf_reset(&line);	/* an empty line */
		r = command(p, line.data ? line.data : "", 1, 2, NULL);
	}
	if (r == EML_OK && strncasecmp(mech, "SCRAM-", 6) == 0 &&
	    !eml_sasl_verified(sa))
		r = seterr(p, EML_EAUTH, "server accepted %s without proving "
		    "it knows the password", mech);
out:
	if (ir.data)
		memset(ir.data, 0, ir.len);
	if (line.data)
		memset(line.data, 0, line.len);
	eml_buf_free(&ir);
	eml_buf_free(&line);
	eml_buf_free(&in);
	eml_sasl_free(sa);
	return r;
}

/* RFC 1939 7: APOP name MD5(timestamp password), hex. */
static int
apop_login(struct eml_pop3 *p, const char *user, const char *secret)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	struct eml_buf in = { 0 }, line = { 0 };
	int r;

	if ((r = eml_buf_adds(&in, p->apop)) < 0 ||
	    (r = eml_buf_adds(&in, secret)) < 0)
		goto out;
	if (EVP_Digest(in.data, in.len, md, &mdlen, EVP_md5(), NULL) != 1) {
		r = seterr(p, EML_EAUTH, "MD5 is not available for APOP");
		goto out;
	}
	if ((r = eml_buf_adds(&line, "APOP ")) < 0 ||
	    (r = eml_buf_adds(&line, user)) < 0 ||
	    (r = eml_buf_addc(&line, ' ')) < 0)
		goto out;
	for (unsigned i = 0; i < mdlen && r == EML_OK; i++) {
		char h[3];

		snprintf(h, sizeof(h), "%02x", md[i]);
		r = eml_buf_adds(&line, h);
	}
	if (r == EML_OK)
		r = command(p, line.data, 1, 0, NULL);
out:
	if (in.data)
		memset(in.data, 0, in.len);
	eml_buf_free(&in);
	eml_buf_free(&line);
	return r;
}

int
eml_pop3_login(struct eml_pop3 *p, const char *user, const char *pass)
{
	return eml_pop3_auth(p, user, pass, NULL, 0);
}

int
eml_pop3_auth(struct eml_pop3 *p, const char *user, const char *pass,
    const char *want, int token)
{
	struct eml_buf line = { 0 };
	const char *mech;
	int r, tls = p->io->tls;

	if (strpbrk(user, "\r\n") || strpbrk(pass, "\r\n"))
		return seterr(p, EML_EINVAL, "user or password holds a line "
		    "break");
	if (!tls && !(p->flags & EML_POP3_NO_TLS))
		return seterr(p, EML_ENOTLS, "refusing to send a password "
		    "without TLS");
	mech = want ? (strstr(p->mechs, want) ? want : NULL) :
	    eml_sasl_choose(p->mechs, 1, token);
	if (want != NULL && mech == NULL && strcasecmp(want, "APOP") != 0 &&
	    strcasecmp(want, "USER") != 0)
		return seterr(p, EML_EAUTH, "server does not offer SASL %s "
		    "(it offers: %s)", want, p->mechs);
	if (mech != NULL)
		r = sasl_login(p, mech, user, pass);
	else if (token)
		return seterr(p, EML_EAUTH, "server offers no OAuth "
		    "mechanism");
	else if (p->apop[0] && (want == NULL || !strcasecmp(want, "APOP")))
		r = apop_login(p, user, pass);
	else if (want != NULL && strcasecmp(want, "APOP") == 0)
		return seterr(p, EML_EAUTH, "server offers no APOP "
		    "timestamp");
	else {
		if ((r = eml_buf_adds(&line, "USER ")) < 0 ||
		    (r = eml_buf_adds(&line, user)) < 0)
			goto out;
		if ((r = command(p, line.data, 0, 0, NULL)) < 0)
			goto out;
		eml_buf_reset(&line);
		if ((r = eml_buf_adds(&line, "PASS ")) < 0 ||
		    (r = eml_buf_adds(&line, pass)) < 0)
			goto out;
		r = command(p, line.data, 1, 0, NULL);
	}
out:
	if (r == EML_EREFUSED)
		r = seterr(p, EML_EAUTH, "login failed: %s", p->text);
	if (line.data)
		memset(line.data, 0, line.len);
	eml_buf_free(&line);
	return r;
}

static int
parse_uint(const char *s, char **end, uint64_t max, uint64_t *v_r)
{
	uint64_t v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (max - (unsigned)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	*end = (char *)(uintptr_t)p;
	*v_r = v;
	return 0;
}

int
eml_pop3_list(struct eml_pop3 *p, struct eml_pop3_msg **msgs_r, size_t *n_r)
{
	struct eml_pop3_msg *m = NULL;
	uint64_t count, v, num;
	size_t pos = 0, n = 0;
	char *l, *e;
	int r;

	*msgs_r = NULL;
	*n_r = 0;
	/* RFC 1939 5: STAT is single-line, "+OK nn mm" */
	if ((r = command(p, "STAT", 0, 0, NULL)) < 0)
		return r == EML_EREFUSED ? seterr(p, r, "STAT refused: %s",
		    p->text) : r;
	if (parse_uint(p->text, &e, 1000000, &count) < 0)
		return seterr(p, EML_EPROTO, "malformed STAT reply");
	if (count == 0)
		return EML_OK;
	if ((m = calloc((size_t)count, sizeof(*m))) == NULL)
		return EML_ENOMEM;
	if ((r = command(p, "LIST", 0, 1, NULL)) < 0) {
		free(m);
		return r == EML_EREFUSED ? seterr(p, r, "LIST refused: %s",
		    p->text) : r;
	}
	while (next_line(p, &pos, &l)) {
		if (parse_uint(l, &e, count, &num) < 0 || num == 0 ||
		    *e != ' ' || parse_uint(e + 1, &e, UINT64_MAX, &v) < 0) {
			free(m);
			return seterr(p, EML_EPROTO, "malformed LIST line");
		}
		if (n >= count)
			break;	/* new mail since STAT: next run */
		m[n].num = (unsigned)num;
		m[n].size = v;
		n++;
	}
	if (p->cap_uidl || !p->capa_ok) {
		r = command(p, "UIDL", 0, 1, NULL);
		if (r < 0 && r != EML_EREFUSED) {
			free(m);
			return r;
		}
		pos = 0;
		while (r == EML_OK && next_line(p, &pos, &l)) {
			size_t k = 0;

			if (parse_uint(l, &e, count, &num) < 0 || *e != ' ') {
				free(m);
				return seterr(p, EML_EPROTO,
				    "malformed UIDL line");
			}
			e++;
			/* RFC 1939 7: 1..70 chars 0x21..0x7E */
			while (e[k] > 0x20 && e[k] < 0x7f && k < 71)
				k++;
			if (k == 0 || k > 70 || e[k] != '\0') {
				free(m);
				return seterr(p, EML_EPROTO,
				    "malformed UIDL line");
			}
			for (size_t i = 0; i < n; i++)
				if (m[i].num == num)
					memcpy(m[i].uidl, e, k + 1);
		}
	}
	*msgs_r = m;
	*n_r = n;
	return EML_OK;
}

int
eml_pop3_retr(struct eml_pop3 *p, unsigned num, long lines,
    const struct eml_fetch_cb *cb)
{
	char cmd[64];
	int r;

	if (lines >= 0)
		snprintf(cmd, sizeof(cmd), "TOP %u %ld", num, lines);
	else
		snprintf(cmd, sizeof(cmd), "RETR %u", num);
	r = command(p, cmd, 0, 1, cb);
	return r == EML_EREFUSED ? seterr(p, r, "%s refused: %s",
	    lines >= 0 ? "TOP" : "RETR", p->text) : r;
}

int
eml_pop3_dele(struct eml_pop3 *p, unsigned num)
{
	char cmd[32];
	int r;

	snprintf(cmd, sizeof(cmd), "DELE %u", num);
	r = command(p, cmd, 0, 0, NULL);
	return r == EML_EREFUSED ? seterr(p, r, "DELE refused: %s",
	    p->text) : r;
}

int
eml_pop3_quit(struct eml_pop3 *p)
{
	int r = command(p, "QUIT", 0, 0, NULL);

	return r == EML_EREFUSED ? seterr(p, r, "QUIT refused (messages "
	    "not deleted): %s", p->text) : r;
}
