/*
 * smtp.c - SMTP submission client (RFC 5321, 6409) with STARTTLS (RFC
 * 3207), AUTH (RFC 4954), SIZE (1870), PIPELINING (2920), 8BITMIME
 * (6152), SMTPUTF8 (6531), DSN (3461), ENHANCEDSTATUSCODES (2034/3463)
 * and CHUNKING/BINARYMIME (3030).
 *
 * Every reply goes through eml_proto (no I/O, fuzzed); the sequence of
 * commands is the plain code below, one step per reply, over eml_conn.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml_priv.h"
#include "net/net_priv.h"

#define READ_CHUNK 16384
#define BODY_CHUNK 65536

struct eml_smtp {
	struct eml_conn *conn;
	struct eml_smtp_opts o;
	struct eml_proto *p;
	struct eml_reply r;
	unsigned caps;
	uint64_t size_limit;
	char mechs[512];		/* AUTH mechanisms offered */
	int authed, dead, greeted;
	char err[2048];
	char rtext[1024];
	int *rcpt_code;
	char **rcpt_text;
	size_t nrcpt;
};

static void
seterr(struct eml_smtp *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
seterr(struct eml_smtp *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

static void
trace(struct eml_smtp *s, enum eml_trace_dir d, const char *line, size_t n)
{
	if (s->o.trace != NULL && s->o.trace->fn != NULL)
		s->o.trace->fn(s->o.trace->ctx, d, eml_conn_is_tls(s->conn),
		    line, n);
}

/* The reply as the server sent it, lines joined by " / ", for errors */
static const char *
reply_text(struct eml_smtp *s)
{
	char *buf = s->rtext;
	size_t i, j = 0;
	int n;

	n = snprintf(buf, sizeof(s->rtext), "%d %s%s", s->r.code, s->r.enh,
	    s->r.enh[0] ? " " : "");
	j = n > 0 ? (size_t)n : 0;
	for (i = 0; i < s->r.text.len && j + 4 < sizeof(s->rtext); i++) {
		unsigned char c = (unsigned char)s->r.text.data[i];

		if (c == '\n') {
			memcpy(buf + j, " / ", 3);
			j += 3;
		} else
			buf[j++] = c < ' ' || c == 0x7f ? '?' : (char)c;
	}
	buf[j] = '\0';
	return buf;
}

struct eml_smtp *
eml_smtp_new(struct eml_conn *conn, const struct eml_smtp_opts *o)
{
	struct eml_smtp *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->conn = conn;
	if (o != NULL)
		s->o = *o;
	if (s->o.helo == NULL)
		s->o.helo = "localhost";
	if (s->o.host == NULL)
		s->o.host = eml_conn_host(conn);
	if (s->o.chunk_size == 0)
		s->o.chunk_size = 1024 * 1024;
	if ((s->p = eml_proto_new(s->o.max_line, 0)) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

static void
free_rcpts(struct eml_smtp *s)
{
	size_t i;

	for (i = 0; i < s->nrcpt; i++)
		free(s->rcpt_text[i]);
	free(s->rcpt_text);
	free(s->rcpt_code);
	s->rcpt_text = NULL;
	s->rcpt_code = NULL;
	s->nrcpt = 0;
}

void
eml_smtp_free(struct eml_smtp *s)
{
	if (s == NULL)
		return;
	free_rcpts(s);
	eml_reply_free(&s->r);
	eml_proto_free(s->p);
	free(s);
}

const char *
eml_smtp_errmsg(const struct eml_smtp *s)
{
	return s->err;
}

const struct eml_reply *
eml_smtp_last_reply(const struct eml_smtp *s)
{
	return &s->r;
}

unsigned
eml_smtp_caps(const struct eml_smtp *s)
{
	return s->caps;
}

uint64_t
eml_smtp_size_limit(const struct eml_smtp *s)
{
	return s->size_limit;
}

int
eml_smtp_rcpt_status(const struct eml_smtp *s, size_t i, const char **text_r)
{
	if (text_r != NULL)
		*text_r = i < s->nrcpt ? s->rcpt_text[i] : NULL;
	return i < s->nrcpt ? s->rcpt_code[i] : -1;
}

/* RFC 5321 4.1.2: Mailbox = Local-part "@" ( Domain / address-literal );
 * we only refuse what would change the command: CR, LF, NUL, angle
 * brackets, and spaces outside a quoted local part (attack case 40). */
int
eml_smtp_check_addr(const char *a)
{
	int q = 0;

	if (a == NULL || strlen(a) > 1000)
		return EML_EINVAL;
	for (; *a != '\0'; a++) {
		unsigned char c = (unsigned char)*a;

		if (c == '\r' || c == '\n' || c == '<' || c == '>' ||
		    c < ' ' || c == 0x7f)
			return EML_EINVAL;
		if (c == '"')
			q = !q;
		else if (c == '\\' && q && a[1] != '\0')
			a++;
		else if (c == ' ' && !q)
			return EML_EINVAL;
	}
	return q ? EML_EINVAL : EML_OK;
}

/* Queue one command line; the trace shows it, masked when secret. */
static int
cmd(struct eml_smtp *s, int secret, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
cmd(struct eml_smtp *s, int secret, const char *fmt, ...)
{
	char line[16384];
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		return EML_ELIMIT;
	if (memchr(line, '\r', (size_t)n) || memchr(line, '\n', (size_t)n))
		return EML_EINVAL;	/* never a second command */
	if (secret) {
		const char *sp = strchr(line, ' ');
		char masked[128];
		int m;

		if (sp != NULL && strncmp(line, "AUTH ", 5) == 0)
			sp = strchr(sp + 1, ' ');
		m = snprintf(masked, sizeof(masked), "%.*s%s****",
		    sp ? (int)(sp - line) : 0, line, sp ? " " : "");
		trace(s, EML_TRACE_SEND, masked, (size_t)EMLI_MIN(m,
		    (int)sizeof(masked) - 1));
	} else
		trace(s, EML_TRACE_SEND, line, (size_t)n);
	memcpy(line + n, "\r\n", 2);
	r = eml_proto_send(s->p, line, (size_t)n + 2);
	if (secret)
		memset(line, 0, sizeof(line));
	return r;
}

static int
lost(struct eml_smtp *s, int r)
{
	s->dead = 1;
	if (s->err[0] == '\0')
		seterr(s, "%s", eml_conn_errmsg(s->conn));
	return r;
}

static int
flush(struct eml_smtp *s)
{
	const char *out;
	size_t n;
	int r;

	out = eml_proto_out(s->p, &n);
	if (n == 0)
		return EML_OK;
	if ((r = eml_conn_write(s->conn, out, n)) < 0) {
		seterr(s, "%s", eml_conn_errmsg(s->conn));
		return lost(s, r);
	}
	eml_proto_sent(s->p, n);
	return EML_OK;
}

static void
trace_reply(struct eml_smtp *s)
{
	char line[1100];
	const char *t = s->r.text.data, *e;
	unsigned i;
	int n;

	if (s->o.trace == NULL || s->o.trace->fn == NULL)
		return;
	for (i = 0; i < s->r.nlines; i++) {
		e = strchr(t, '\n');
		n = snprintf(line, sizeof(line), "%d%c%s%s%.*s", s->r.code,
		    i + 1 < s->r.nlines ? '-' : ' ', s->r.enh,
		    s->r.enh[0] ? " " : "", e ? (int)(e - t) : (int)strlen(t),
		    t);
		trace(s, EML_TRACE_RECV, line, (size_t)EMLI_MIN(n,
		    (int)sizeof(line) - 1));
		if (e == NULL)
			break;
		t = e + 1;
	}
}

/* Read the next reply into s->r.  A reply is awaited only for a command
 * sent (attack case 43); 421 closes the session (attack case 42). */
static int
reply(struct eml_smtp *s)
{
	char buf[READ_CHUNK];
	size_t got;
	int r;

	if ((r = flush(s)) < 0)
		return r;
	for (;;) {
		r = eml_proto_reply(s->p, &s->r, 0);
		if (r == 1)
			break;
		if (r < 0) {
			const char *pk;
			size_t n;

			pk = eml_proto_peek(s->p, &n);
			if (!s->greeted && n > 0 && (pk[0] == 0x15 ||
			    pk[0] == 0x16))
				seterr(s, "the server answered with a TLS "
				    "record on a plaintext connection: use "
				    "smtps:// (implicit TLS, usually port "
				    "465)");
			else if (r == EML_ELIMIT)
				seterr(s, "the server's reply is too long "
				    "(over %zu bytes or %u lines)",
				    s->o.max_line ? s->o.max_line :
				    (size_t)EML_DEFAULT_MAX_LINE,
				    EML_DEFAULT_MAX_REPLY_LINES);
			else
				seterr(s, "malformed reply from the server "
				    "(not an SMTP reply)");
			return lost(s, r == EML_ELIMIT ? EML_EPROTO : r);
		}
		if ((r = eml_conn_read(s->conn, buf, sizeof(buf), &got)) < 0) {
			if (r == EML_ETIMEOUT && !s->greeted &&
			    eml_conn_port(s->conn) == 465 &&
			    !eml_conn_is_tls(s->conn))
				seterr(s, "%s: no greeting; port 465 is "
				    "usually implicit TLS: use smtps://",
				    eml_conn_errmsg(s->conn));
			else if (r == EML_ETIMEOUT && !s->greeted)
				seterr(s, "%s: no greeting (if this port "
				    "expects implicit TLS, use smtps://)",
				    eml_conn_errmsg(s->conn));
			else
				seterr(s, "%s", eml_conn_errmsg(s->conn));
			return lost(s, r);
		}
		if (got == 0) {
			seterr(s, "the server closed the connection");
			return lost(s, EML_ECLOSED);
		}
		/* a TLS record where a greeting belongs: say so at once
		 * rather than wait for a line end that never comes */
		if (!s->greeted && eml_proto_pending(s->p) == 0 &&
		    (buf[0] == 0x15 || buf[0] == 0x16)) {
			seterr(s, "the server answered with a TLS record on a "
			    "plaintext connection: use smtps:// (implicit "
			    "TLS, usually port 465)");
			return lost(s, EML_EPROTO);
		}
		if ((r = eml_proto_feed(s->p, buf, got)) < 0) {
			seterr(s, "the server's reply is too long (one line "
			    "over %zu bytes)", s->o.max_line ? s->o.max_line :
			    (size_t)EML_DEFAULT_MAX_LINE);
			return lost(s, EML_EPROTO);
		}
	}
	trace_reply(s);
	if (s->r.code == 421) {
		seterr(s, "the server is closing the connection: %s",
		    reply_text(s));
		s->dead = 1;
		return EML_ETEMP;
	}
	return EML_OK;
}

static int
fail_code(const struct eml_smtp *s)
{
	return s->r.code >= 500 ? EML_EPERM : s->r.code >= 400 ? EML_ETEMP :
	    EML_EPROTO;
}

/* Case-insensitive substring (strcasestr is not in C11/POSIX) */
static int
has(const char *t, const char *w)
{
	size_t n = strlen(w);

	for (; *t != '\0'; t++)
		if (strncasecmp(t, w, n) == 0)
			return 1;
	return 0;
}

/* Does the reply say "authenticate first"?  RFC 4954 6 gives 530 5.7.0;
 * Postfix says 554 5.7.1 "Access denied" at MAIL without AUTH. */
static int
wants_auth(const struct eml_smtp *s)
{
	const char *t = s->r.text.data ? s->r.text.data : "";

	if (s->authed)
		return 0;
	return s->r.code == 530 || !strcmp(s->r.enh, "5.7.0") ||
	    !strcmp(s->r.enh, "5.7.57") || (s->r.code >= 500 &&
	    (has(t, "auth") || has(t, "access denied") || has(t, "relay")));
}

static void
auth_hint(struct eml_smtp *s, const char *what)
{
	const char *t = s->r.text.data ? s->r.text.data : "";

	if (has(t, "STARTTLS"))
		seterr(s, "%s refused: %s (the server wants STARTTLS first; "
		    "do not use --no-tls)", what, reply_text(s));
	else if (wants_auth(s))
		seterr(s, "%s refused: %s (the server wants authentication: "
		    "give --user and a password with --password-file, "
		    "--password-command, ~/.netrc or --account)", what,
		    reply_text(s));
	else
		seterr(s, "%s refused: %s", what, reply_text(s));
}

static void
parse_caps(struct eml_smtp *s)
{
	const char *t = s->r.text.data, *e, *v;
	size_t n;

	s->caps = 0;
	s->size_limit = 0;
	s->mechs[0] = '\0';
	/* the first line is the greeting name, not a keyword */
	if ((t = strchr(t, '\n')) == NULL)
		return;
	for (t++; *t != '\0'; t = *e ? e + 1 : e) {
		e = t + strcspn(t, "\n");
		n = strcspn(t, " =\n");
		v = t + n;
		if (*v == ' ' || *v == '=')
			v++;
#define KW(k) emli_eqi(t, n, k)
		if (KW("STARTTLS"))
			s->caps |= EML_SMTP_STARTTLS;
		else if (KW("AUTH")) {
			size_t have = strlen(s->mechs), add =
			    (size_t)(e - v);

			s->caps |= EML_SMTP_AUTH;
			if (have + add + 2 < sizeof(s->mechs)) {
				if (have)
					s->mechs[have++] = ' ';
				memcpy(s->mechs + have, v, add);
				s->mechs[have + add] = '\0';
			}
		} else if (KW("SIZE")) {
			s->caps |= EML_SMTP_SIZE;
			s->size_limit = strtoull(v, NULL, 10);
		} else if (KW("PIPELINING"))
			s->caps |= EML_SMTP_PIPELINING;
		else if (KW("8BITMIME"))
			s->caps |= EML_SMTP_8BITMIME;
		else if (KW("SMTPUTF8"))
			s->caps |= EML_SMTP_SMTPUTF8;
		else if (KW("DSN"))
			s->caps |= EML_SMTP_DSN;
		else if (KW("ENHANCEDSTATUSCODES"))
			s->caps |= EML_SMTP_ENHANCED;
		else if (KW("CHUNKING"))
			s->caps |= EML_SMTP_CHUNKING;
		else if (KW("BINARYMIME"))
			s->caps |= EML_SMTP_BINARYMIME;
#undef KW
	}
}

static int
ehlo(struct eml_smtp *s)
{
	int r;

	if ((r = cmd(s, 0, "EHLO %s", s->o.helo)) < 0 || (r = reply(s)) < 0)
		return r;
	if (s->r.code == 250) {
		parse_caps(s);
		return EML_OK;
	}
	/* RFC 5321 3.2: fall back to HELO, but only where nothing
	 * (TLS, AUTH) depends on extensions */
	if (s->r.code >= 500 && s->o.tls == EML_TLS_NONE &&
	    s->o.user == NULL) {
		if ((r = cmd(s, 0, "HELO %s", s->o.helo)) < 0 ||
		    (r = reply(s)) < 0)
			return r;
		if (s->r.code == 250) {
			s->caps = 0;
			return EML_OK;
		}
	}
	seterr(s, "EHLO refused: %s", reply_text(s));
	return fail_code(s);
}

static int
starttls(struct eml_smtp *s)
{
	int r;

	if (!(s->caps & EML_SMTP_STARTTLS)) {
		/* attack case 54: never a plaintext fallback */
		seterr(s, "the server does not offer STARTTLS, and TLS is "
		    "required (use smtps:// if it is an implicit-TLS port, "
		    "or --no-tls by name for a trusted local relay)");
		s->dead = 1;	/* not even a QUIT in the clear */
		return EML_ENOTLS;
	}
	if ((r = cmd(s, 0, "STARTTLS")) < 0 || (r = reply(s)) < 0)
		return r;
	if (s->r.code != 220) {
		seterr(s, "STARTTLS refused: %s; not continuing without TLS",
		    reply_text(s));
		s->dead = 1;
		return EML_ENOTLS;
	}
	/* attack case 55: what came with the 220 cannot be trusted */
	if (eml_proto_pending(s->p) > 0) {
		seterr(s, "the server sent %zu bytes after its STARTTLS "
		    "reply, before the TLS handshake; refusing them "
		    "(injection attempt?)", eml_proto_pending(s->p));
		s->dead = 1;
		return EML_EPROTO;
	}
	if ((r = eml_conn_tls(s->conn, s->o.host)) < 0) {
		seterr(s, "%s", eml_conn_errmsg(s->conn));
		s->dead = 1;
		return r;
	}
	/* RFC 3207 4.2: forget everything learned before TLS */
	eml_proto_reset_input(s->p);
	s->caps = 0;
	s->mechs[0] = '\0';
	return ehlo(s);
}

static int
b64line(struct eml_buf *msg, struct eml_buf *out)
{
	eml_buf_reset(out);
	if (msg->len == 0)
		return eml_buf_adds(out, "=") < 0 ? EML_ENOMEM : 1;
	return emli_net_b64enc(msg->data, msg->len, out) < 0 ? EML_ENOMEM : 0;
}

static int
authenticate(struct eml_smtp *s)
{
	struct eml_buf msg = { 0 }, enc = { 0 }, chal = { 0 };
	struct eml_sasl *sasl = NULL;
	const char *mech = s->o.mech;
	int tls = eml_conn_is_tls(s->conn), r, rounds = 0;

	if (!(s->caps & EML_SMTP_AUTH)) {
		seterr(s, "the server offers no AUTH%s; cannot log in as %s",
		    tls ? "" : " before TLS", s->o.user);
		return EML_EAUTH;
	}
	if (mech == NULL &&
	    (mech = eml_sasl_choose(s->mechs, tls, s->o.token)) == NULL) {
		seterr(s, "no usable AUTH mechanism: the server offers \"%s\""
		    "%s", s->mechs, tls ? "" : " (PLAIN and LOGIN are never "
		    "sent without TLS)");
		return EML_EAUTH;
	}
	if (!tls && eml_sasl_plaintext(mech)) {
		seterr(s, "refusing AUTH %s without TLS: it sends the "
		    "password in the clear", mech);
		return EML_EAUTH;
	}
	sasl = eml_sasl_new(mech, s->o.user, s->o.secret, s->o.host,
	    s->o.port ? s->o.port : eml_conn_port(s->conn));
	if (sasl == NULL) {
		seterr(s, "cannot use AUTH %s (unknown mechanism, or CR/LF in "
		    "the user name or password)", mech);
		return EML_EAUTH;
	}
	if ((r = eml_sasl_start(sasl, &msg)) < 0)
		goto out;
	if (r == 1) {
		if ((r = b64line(&msg, &enc)) < 0)
			goto out;
		r = cmd(s, 1, "AUTH %s %s", mech, enc.data);
	} else
		r = cmd(s, 0, "AUTH %s", mech);
	if (r < 0)
		goto out;
	for (;;) {
		if ((r = reply(s)) < 0)
			goto out;
		if (s->r.code != 334)
			break;
		if (++rounds > 10) {
			seterr(s, "AUTH %s: too many challenges", mech);
			r = EML_EPROTO;
			goto out;
		}
		eml_buf_reset(&chal);
		eml_buf_reset(&msg);
		/* attack case 63: challenges are strict base64 */
		if ((r = emli_net_b64dec(s->r.text.data, s->r.text.len,
		    &chal)) < 0 || (r = eml_sasl_step(sasl, chal.data,
		    chal.len, &msg)) < 0) {
			seterr(s, "AUTH %s: the server's challenge is %s; "
			    "aborting", mech, r == EML_EAUTH ? "wrong (it "
			    "does not know our password: wrong server?)" :
			    "malformed");
			cmd(s, 0, "*");		/* RFC 4954 4: cancel */
			if (reply(s) >= 0)
				r = r == EML_EAUTH ? r : EML_EPROTO;
			r = r < 0 ? r : EML_EAUTH;
			goto out;
		}
		eml_buf_reset(&enc);
		if (msg.len == 0)
			r = cmd(s, 0, "%s", "");
		else if ((r = emli_net_b64enc(msg.data, msg.len, &enc)) == 0) {
			r = cmd(s, 1, "%s", enc.data);
			eml_buf_reset(&enc);
		}
		if (r < 0)
			goto out;
	}
	if (s->r.code == 235) {
		if (!eml_sasl_verified(sasl)) {
			seterr(s, "AUTH %s: the server said yes without "
			    "proving it knows the password", mech);
			r = EML_EAUTH;
			goto out;
		}
		s->authed = 1;
		r = EML_OK;
		goto out;
	}
	seterr(s, "authentication as %s failed (AUTH %s): %s", s->o.user,
	    mech, reply_text(s));
	r = s->r.code >= 500 || s->r.code < 400 ? EML_EAUTH : EML_ETEMP;
out:
	if (msg.data != NULL)
		memset(msg.data, 0, msg.len);
	if (enc.data != NULL)
		memset(enc.data, 0, enc.len);
	eml_buf_free(&msg);
	eml_buf_free(&enc);
	eml_buf_free(&chal);
	eml_sasl_free(sasl);
	return r;
}

int
eml_smtp_open(struct eml_smtp *s)
{
	int r;

	if ((r = reply(s)) < 0)
		return r;
	s->greeted = 1;
	if (s->r.code != 220) {
		/* RFC 5321 3.1: 554 means "no service"; also attack
		 * case 58: never go on after a bad greeting */
		seterr(s, "the server refused the session: %s", reply_text(s));
		s->dead = 1;
		return fail_code(s);
	}
	if ((r = ehlo(s)) < 0)
		return r;
	if (s->o.tls == EML_TLS_STARTTLS && (r = starttls(s)) < 0)
		return r;
	if (s->o.user != NULL && (r = authenticate(s)) < 0)
		return r;
	return EML_OK;
}

/* RFC 3461 4: xtext, for ENVID */
static void
xtext(char *dst, size_t size, const char *src)
{
	size_t j = 0;

	for (; *src != '\0' && j + 4 < size; src++) {
		unsigned char c = (unsigned char)*src;

		if (c < '!' || c > '~' || c == '+' || c == '=')
			j += (size_t)snprintf(dst + j, size - j, "+%02X", c);
		else
			dst[j++] = (char)c;
	}
	dst[j] = '\0';
}

/* Stream the body through the core's filters into a capped buffer that
 * is flushed to the server: DATA through eml_filter_dotstuff (every bare
 * CR and LF made CRLF, leading dots doubled, ends with CRLF.CRLF; RFC
 * 5321 4.5.2 and CVE-2023-51764/5/6), BDAT through eml_filter_eol (CRLF
 * only, RFC 3030 needs no stuffing) in chunks. */
static int
send_body(struct eml_smtp *s, int bdat, long (*rd)(void *, void *, size_t),
    void *ctx)
{
	struct eml_buf out = { .max = 0 };
	struct eml_sink *f;
	char *buf = malloc(BODY_CHUNK);
	uint64_t total = 0;
	long got = 1;
	int r = EML_OK, last;

	f = eml_sink_buf(&out);
	f = bdat ? eml_filter_eol_end(f, 1) : eml_filter_dotstuff(f);
	if (buf == NULL || f == NULL) {
		free(buf);
		eml_sink_abort(f);
		return EML_ENOMEM;
	}
	while (got > 0) {
		if ((got = rd(ctx, buf, BODY_CHUNK)) < 0) {
			/* a half message must never be terminated: drop
			 * the connection so the server discards it */
			seterr(s, "reading the message failed; the "
			    "connection was dropped so nothing is sent");
			s->dead = 1;
			r = EML_EIO;
			break;
		}
		/* RFC 5321 4.5.2 / RFC 6152: no NUL in DATA.  A server
		 * that drops NULs would read "\r\n\0.\r\n" as the end
		 * (attack case 38), so a NUL ends the session unterminated:
		 * the server discards the message.  (BINARYMIME uses BDAT.) */
		if (got > 0 && !bdat && memchr(buf, '\0', (size_t)got)) {
			seterr(s, "the message contains a NUL byte, which DATA "
			    "cannot carry; the connection was dropped so "
			    "nothing is delivered");
			s->dead = 1;
			r = EML_EFORMAT;
			break;
		}
		if (got > 0)
			r = eml_sink_write(f, buf, (size_t)got);
		else {
			/* BDAT: a last line without an end gets one, from
			 * the filter, which alone knows whether a held CR
			 * ended it */
			r = eml_sink_close(f);
			f = NULL;
		}
		if (r < 0)
			break;
		last = got == 0;
		if (!bdat && (out.len >= BODY_CHUNK || last)) {
			if ((r = eml_conn_write(s->conn, out.data,
			    out.len)) < 0) {
				seterr(s, "the connection was lost during "
				    "DATA: %s", eml_conn_errmsg(s->conn));
				r = lost(s, r);
				break;
			}
			total += out.len;
			eml_buf_reset(&out);
		} else if (bdat && (out.len >= s->o.chunk_size || last)) {
			char hdr[64];
			int n = snprintf(hdr, sizeof(hdr), "BDAT %zu%s\r\n",
			    out.len, last ? " LAST" : "");

			trace(s, EML_TRACE_SEND, hdr, (size_t)n - 2);
			if ((r = eml_conn_write(s->conn, hdr, (size_t)n)) < 0 ||
			    (r = eml_conn_write(s->conn, out.data,
			    out.len)) < 0) {
				seterr(s, "the connection was lost during "
				    "BDAT: %s", eml_conn_errmsg(s->conn));
				r = lost(s, r);
				break;
			}
			total += out.len;
			eml_buf_reset(&out);
			if ((r = reply(s)) < 0) {
				if (last && (r == EML_ECLOSED || r ==
				    EML_ETIMEOUT || r == EML_EIO)) {
					seterr(s, "the message was sent but "
					    "the server did not answer (%s): "
					    "delivery status unknown",
					    eml_net_strerror(r));
					r = EML_EUNKNOWN;
				}
				break;
			}
			if (s->r.code != 250) {
				seterr(s, "the message was refused: %s",
				    reply_text(s));
				r = fail_code(s);
				break;
			}
		}
	}
	eml_sink_abort(f);	/* NULL after close */
	free(buf);
	eml_buf_free(&out);
	if (r == EML_OK) {
		char info[96];
		int n = snprintf(info, sizeof(info), "%llu bytes of message "
		    "data sent", (unsigned long long)total);

		trace(s, EML_TRACE_INFO, info, (size_t)n);
	}
	return r;
}

static int
rcpt_reply(struct eml_smtp *s, size_t i, size_t *ok, size_t *tempfails)
{
	int r;

	if ((r = reply(s)) < 0)
		return r;
	s->rcpt_code[i] = s->r.code == 250 || s->r.code == 251 ? 0 :
	    s->r.code;
	if (s->rcpt_code[i] != 0) {
		if ((s->rcpt_text[i] = strdup(reply_text(s))) == NULL)
			return EML_ENOMEM;
	} else
		(*ok)++;
	*tempfails += s->r.code >= 400 && s->r.code < 500;
	return EML_OK;
}

int
eml_smtp_send(struct eml_smtp *s, const struct eml_smtp_env *env,
    long (*rd)(void *ctx, void *buf, size_t n), void *ctx)
{
	char params[512], envid[300], rparams[256];
	size_t i, ok = 0, tempfails = 0;
	int r, pipe_, bdat, body8, bin;

	s->err[0] = '\0';
	if (s->dead) {
		seterr(s, "the session is closed");
		return EML_ECLOSED;
	}
	/* attack case 40: check all before a single command is sent */
	if (eml_smtp_check_addr(env->from) < 0) {
		seterr(s, "invalid sender address (CR, LF, NUL, <, > or a "
		    "space)");
		return EML_EINVAL;
	}
	if (env->nrcpt == 0) {
		seterr(s, "no recipients");
		return EML_EINVAL;
	}
	for (i = 0; i < env->nrcpt; i++)
		if (eml_smtp_check_addr(env->rcpt[i]) < 0 ||
		    env->rcpt[i][0] == '\0') {
			seterr(s, "invalid recipient address #%zu (empty, or "
			    "CR, LF, NUL, <, > or a space)", i + 1);
			return EML_EINVAL;
		}
	if ((env->notify || env->ret || env->envid) &&
	    !(s->caps & EML_SMTP_DSN)) {
		seterr(s, "the server does not offer DSN (--notify, --ret)");
		return EML_EPERM;
	}
	for (i = 0; env->notify && env->notify[i]; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ,", env->notify[i]) ||
		    i > 40) {
			seterr(s, "bad --notify value");
			return EML_EINVAL;
		}
	if (env->ret != NULL && strcmp(env->ret, "FULL") &&
	    strcmp(env->ret, "HDRS")) {
		seterr(s, "--ret must be FULL or HDRS");
		return EML_EINVAL;
	}
	/* RFC 1870 6: refuse before DATA when it cannot fit */
	if (env->size > 0 && s->size_limit > 0 && env->size > s->size_limit) {
		seterr(s, "the message is %llu bytes, the server takes at "
		    "most %llu (SIZE)", (unsigned long long)env->size,
		    (unsigned long long)s->size_limit);
		return EML_EPERM;
	}
	body8 = (env->flags & EML_SMTP_BODY_8BIT) != 0;
	bin = (env->flags & EML_SMTP_BODY_BINARY) != 0;
	if (bin && !((s->caps & EML_SMTP_BINARYMIME) &&
	    (s->caps & EML_SMTP_CHUNKING))) {
		seterr(s, "the message has binary content (NUL or overlong "
		    "lines) and the server does not offer BINARYMIME");
		return EML_EPERM;
	}
	if (body8 && !(s->caps & EML_SMTP_8BITMIME)) {
		seterr(s, "the message has 8-bit content and the server does "
		    "not offer 8BITMIME (RFC 6152); re-encode it as "
		    "quoted-printable first");
		return EML_EPERM;
	}
	if ((env->flags & EML_SMTP_NEED_UTF8) &&
	    !(s->caps & EML_SMTP_SMTPUTF8)) {
		seterr(s, "an address or header needs SMTPUTF8 (RFC 6531) "
		    "and the server does not offer it");
		return EML_EPERM;
	}
	free_rcpts(s);
	s->rcpt_code = calloc(env->nrcpt, sizeof(*s->rcpt_code));
	s->rcpt_text = calloc(env->nrcpt, sizeof(*s->rcpt_text));
	if (s->rcpt_code == NULL || s->rcpt_text == NULL)
		return EML_ENOMEM;
	s->nrcpt = env->nrcpt;
	bdat = (s->caps & EML_SMTP_CHUNKING) && (!s->o.no_chunking || bin);
	params[0] = '\0';
	if ((s->caps & EML_SMTP_SIZE) && env->size > 0)
		snprintf(params + strlen(params), sizeof(params) -
		    strlen(params), " SIZE=%llu",
		    (unsigned long long)env->size);
	if (bin)
		strcat(params, " BODY=BINARYMIME");
	else if (body8)
		strcat(params, " BODY=8BITMIME");
	if (env->flags & EML_SMTP_NEED_UTF8)
		strcat(params, " SMTPUTF8");	/* asked only when needed */
	if (env->ret != NULL)
		snprintf(params + strlen(params), sizeof(params) -
		    strlen(params), " RET=%s", env->ret);
	if (env->envid != NULL) {
		xtext(envid, sizeof(envid), env->envid);
		snprintf(params + strlen(params), sizeof(params) -
		    strlen(params), " ENVID=%s", envid);
	}
	rparams[0] = '\0';
	if (env->notify != NULL)
		snprintf(rparams, sizeof(rparams), " NOTIFY=%s", env->notify);
	pipe_ = (s->caps & EML_SMTP_PIPELINING) != 0;
	if ((r = cmd(s, 0, "MAIL FROM:<%s>%s", env->from, params)) < 0)
		return r;
	if (!pipe_) {
		if ((r = reply(s)) < 0)
			return r;
		if (s->r.code != 250) {
			auth_hint(s, "the sender");
			return fail_code(s);
		}
	}
	/* RFC 2920 3.1: MAIL and RCPT go in one group; DATA waits until
	 * the RCPT replies are in, so nothing is sent to a partial list
	 * unless --allow-rcpt-fail asks for it */
	for (i = 0; i < env->nrcpt; i++) {
		if ((r = cmd(s, 0, "RCPT TO:<%s>%s", env->rcpt[i],
		    rparams)) < 0)
			return r;
		if (!pipe_ && (r = rcpt_reply(s, i, &ok, &tempfails)) < 0)
			return r;
	}
	if (pipe_) {
		if ((r = reply(s)) < 0)
			return r;
		if (s->r.code != 250) {
			auth_hint(s, "the sender");
			r = fail_code(s);
			/* the RCPT replies still come; read them */
			for (i = 0; i < env->nrcpt; i++)
				if (reply(s) < 0)
					return r;
			return r;
		}
		for (i = 0; i < env->nrcpt; i++)
			if ((r = rcpt_reply(s, i, &ok, &tempfails)) < 0)
				return r;
	}
	if (ok < env->nrcpt && (ok == 0 ||
	    !(env->flags & EML_SMTP_ALLOW_RCPT_FAIL))) {
		if (ok == env->nrcpt - 1 || env->nrcpt == 1)
			for (i = 0; i < env->nrcpt; i++)
				if (s->rcpt_code[i] != 0)
					auth_hint(s, "the recipient");
		if (s->err[0] == '\0' || env->nrcpt > 1)
			seterr(s, "%zu of %zu recipients refused%s; nothing "
			    "sent", env->nrcpt - ok, env->nrcpt, ok ? " (use "
			    "--allow-rcpt-fail to send to the others)" : "");
		if ((r = cmd(s, 0, "RSET")) < 0 || (r = reply(s)) < 0)
			return r;
		return tempfails == env->nrcpt - ok ? EML_ETEMP : EML_EPERM;
	}
	if (!bdat) {
		if ((r = cmd(s, 0, "DATA")) < 0 || (r = reply(s)) < 0)
			return r;
		if (s->r.code != 354) {
			seterr(s, "DATA refused: %s", reply_text(s));
			return s->r.code == 250 ? EML_EPROTO : fail_code(s);
		}
	}
	if ((r = flush(s)) < 0 || (r = send_body(s, bdat, rd, ctx)) < 0)
		return r;
	if (!bdat) {
		r = reply(s);
		if (r == EML_ECLOSED || r == EML_ETIMEOUT || r == EML_EIO ||
		    r == EML_ETLS) {
			/* attack case 44: sent, but no answer */
			seterr(s, "the message was sent but the server did not "
			    "answer (%s): delivery status unknown",
			    eml_net_strerror(r));
			return EML_EUNKNOWN;
		}
		if (r < 0)
			return r;
		if (s->r.code != 250) {
			seterr(s, "the message was refused: %s",
			    reply_text(s));
			return fail_code(s);
		}
	}
	return EML_OK;
}

void
eml_smtp_quit(struct eml_smtp *s)
{
	if (s->dead)
		return;
	if (cmd(s, 0, "QUIT") == 0)
		reply(s);
	s->dead = 1;
}
