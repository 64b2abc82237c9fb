/*
 * imap.c - IMAP4rev1/rev2 client (RFC 3501, RFC 9051): greeting,
 * capabilities, STARTTLS, login, LIST, SELECT, UID SEARCH, pipelined
 * UID FETCH streamed to the caller, APPEND, IDLE (RFC 2177), ID
 * (RFC 2971), ENABLE (RFC 5161) of QRESYNC (RFC 7162) and UTF8=ACCEPT
 * (RFC 6855).
 *
 * The client owns no socket: it reads and writes through struct
 * eml_net_io, and the response reader (imap_parse.c) cuts what arrives
 * into text and literals.  A response is turned into a token list,
 * except the body literal of a FETCH, which goes straight to the
 * caller's callbacks as it arrives: a message of any size costs one
 * read buffer, and a tagged line inside it is only data.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "eml_priv.h"
#include "net/eml_fetch.h"

#define IBUF_SIZE	65536
#define MAX_TOKENS	262144	/* per response (10^6-item CAPABILITY) */
#define MAX_DEPTH	64	/* parenthesis nesting */
#define SMALL_LIT	65536	/* literals kept as tokens; bigger skipped */
#define ERRMSG_MAX	512

enum tk {
	TK_ATOM = 1,		/* atoms, numbers, NIL, \Flags, BODY[...] */
	TK_STRING,		/* quoted or small literal, unescaped */
	TK_BIGLIT,		/* literal too big to keep; skipped */
	TK_BODY,		/* literal streamed to the fetch callbacks */
	TK_LP, TK_RP, TK_LB, TK_RB
};

struct tok {
	enum tk type;
	size_t off, len;	/* into arena */
};

struct eml_imap {
	struct eml_net_io *io;
	struct eml_imap_rd *rd;
	unsigned flags;
	unsigned caps;
	int have_caps;		/* a CAPABILITY list was seen */
	int preauth, authed, utf8, qresync;
	unsigned tagno;
	char tag[16];		/* of the command in progress */
	char mechs[512];	/* AUTH= mechanisms, space-separated */

	unsigned char ibuf[IBUF_SIZE];
	int eof;

	/* the response being read */
	struct tok *toks;
	size_t ntok, captok;
	struct eml_buf arena;	/* token texts, NUL after each */
	struct eml_buf rtext;	/* first line, for messages */
	int depth;
	int lit_kind;		/* 0 keep, 1 skip, 2 body */
	int body_open;

	/* what commands collect */
	const struct eml_fetch_cb *fcb;
	uint32_t *uids;		/* UID SEARCH results */
	size_t nuids, capuids;
	struct eml_imap_selected sel;
	int got_exists;		/* IDLE wakes up */

	struct eml_buf out;	/* command being sent */
	char errmsg[ERRMSG_MAX];
};

static int
seterr(struct eml_imap *im, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(im->errmsg, sizeof(im->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

const char *
eml_imap_errmsg(const struct eml_imap *im)
{
	return im->errmsg[0] ? im->errmsg : "no error";
}

unsigned
eml_imap_caps(const struct eml_imap *im)
{
	return im->caps;
}

struct eml_imap *
eml_imap_new(struct eml_net_io *io, const struct eml_imap_opts *o)
{
	struct eml_imap *im = calloc(1, sizeof(*im));

	if (im == NULL)
		return NULL;
	im->io = io;
	im->rd = eml_imap_rd_new(o ? o->max_line : 0, o ? o->max_literal : 0);
	if (im->rd == NULL) {
		free(im);
		return NULL;
	}
	im->flags = o ? o->flags : 0;
	im->arena.max = o && o->max_line ? o->max_line :
	    EML_IMAP_DEFAULT_MAX_LINE;
	im->rtext.max = ERRMSG_MAX;
	return im;
}

void
eml_imap_free(struct eml_imap *im)
{
	if (im == NULL)
		return;
	eml_imap_rd_free(im->rd);
	free(im->toks);
	free(im->uids);
	eml_buf_free(&im->arena);
	eml_buf_free(&im->rtext);
	eml_buf_free(&im->out);
	free(im);
}

static void
trace(struct eml_imap *im, int dir, const char *s, size_t n)
{
	if (im->io->trace != NULL)
		im->io->trace(im->io->ctx, dir, s, n);
}

/* ---- tokens ---- */

static int
add_tok(struct eml_imap *im, enum tk type, const char *s, size_t n)
{
	struct tok *t;
	int r;

	if (im->ntok == im->captok) {
		size_t cap = im->captok ? im->captok * 2 : 64;

		if (im->ntok >= MAX_TOKENS)
			return seterr(im, EML_ELIMIT,
			    "server response has too many items");
		if ((t = realloc(im->toks, cap * sizeof(*t))) == NULL)
			return EML_ENOMEM;
		im->toks = t;
		im->captok = cap;
	}
	t = &im->toks[im->ntok];
	t->type = type;
	t->off = im->arena.len;
	t->len = n;
	if ((r = eml_buf_add(&im->arena, s, n)) < 0 ||
	    (r = eml_buf_addc(&im->arena, '\0')) < 0)
		return r == EML_ELIMIT ? seterr(im, r,
		    "server response over the size limit") : r;
	im->ntok++;
	return EML_OK;
}

static const char *
tstr(const struct eml_imap *im, size_t i)
{
	return im->arena.data + im->toks[i].off;
}

static int
tis(const struct eml_imap *im, size_t i, const char *atom)
{
	return i < im->ntok && im->toks[i].type == TK_ATOM &&
	    strcasecmp(tstr(im, i), atom) == 0;
}

/* A number (RFC 9051 9: number = 1*DIGIT, 32 bits; number64). */
static int
tnum(const struct eml_imap *im, size_t i, uint64_t max, uint64_t *v_r)
{
	const char *s;
	uint64_t v = 0;

	if (i >= im->ntok || im->toks[i].type != TK_ATOM)
		return -1;
	s = tstr(im, i);
	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (unsigned)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*v_r = v;
	return 0;
}

static int
tnum32(const struct eml_imap *im, size_t i, uint32_t *v_r)
{
	uint64_t v;

	if (tnum(im, i, UINT32_MAX, &v) < 0)
		return -1;
	*v_r = (uint32_t)v;
	return 0;
}

/* Tokenise one TEXT piece s[0..n) of the response. */
static int
tokenize(struct eml_imap *im, const char *s, size_t n)
{
	size_t i = 0;
	int r;

	while (i < n) {
		size_t j;
		char c = s[i];

		if (c == ' ') {
			i++;
			continue;
		}
		if (c == '(' || c == ')' || c == '[' || c == ']') {
			if (c == '(' || c == '[') {
				if (++im->depth > MAX_DEPTH)
					return seterr(im, EML_EPROTO,
					    "server response nested too deep");
			} else if (im->depth > 0)
				im->depth--;
			r = add_tok(im, c == '(' ? TK_LP : c == ')' ? TK_RP :
			    c == '[' ? TK_LB : TK_RB, &c, 1);
			if (r < 0)
				return r;
			i++;
			continue;
		}
		if (c == '"') {
			struct eml_buf q = { .max = im->arena.max };

			for (j = i + 1; j < n && s[j] != '"'; j++) {
				if (s[j] == '\\' && j + 1 < n)
					j++;
				if ((r = eml_buf_addc(&q, s[j])) < 0) {
					eml_buf_free(&q);
					return r;
				}
			}
			if (j < n) {
				r = add_tok(im, TK_STRING, q.data ? q.data : "",
				    q.len);
				eml_buf_free(&q);
				if (r < 0)
					return r;
				i = j + 1;
				continue;
			}
			/* an unterminated quote is only human text in a
			 * status response: keep it as an atom */
			eml_buf_free(&q);
		}
		for (j = i; j < n && s[j] != ' ' && s[j] != '(' &&
		    s[j] != ')' && s[j] != ']'; j++) {
			/* BODY[HEADER.FIELDS (A B)]<0>: the section is
			 * part of the atom, spaces and all */
			if (s[j] == '[') {
				const char *e = memchr(s + j, ']', n - j);

				if (e == NULL)
					break;
				j = (size_t)(e - s);
			}
		}
		if (j == i)
			j++;	/* a lone '[' after an atom char */
		if ((r = add_tok(im, TK_ATOM, s + i, j - i)) < 0)
			return r;
		i = j;
	}
	return EML_OK;
}

/* ---- reading ---- */

static int
fill(struct eml_imap *im)
{
	ssize_t n;

	if (im->eof)
		return seterr(im, EML_ECLOSED, "connection closed by the "
		    "server");
	n = im->io->read(im->io->ctx, im->ibuf, sizeof(im->ibuf));
	if (n < 0) {
		int r = n < -1 ? (int)n : EML_EIO;

		return seterr(im, r, "reading from the server failed: %s",
		    eml_net_strerror(r));
	}
	if (n == 0) {
		im->eof = 1;
		/* mid-response, a literal or line was cut short */
		if (eml_imap_rd_finish(im->rd) < 0)
			return seterr(im, EML_EPROTO, "connection closed "
			    "by the server in mid-response");
		return seterr(im, EML_ECLOSED,
		    "connection closed by the server");
	}
	return eml_imap_rd_feed(im->rd, im->ibuf, (size_t)n);
}

static void
body_abort(struct eml_imap *im)
{
	if (im->body_open && im->fcb && im->fcb->abort)
		im->fcb->abort(im->fcb->ctx);
	im->body_open = 0;
}

/* Is the last token a FETCH body item whose literal we stream? */
static int
body_item(const struct eml_imap *im)
{
	const char *s;

	if (im->fcb == NULL || im->ntok < 4 || im->body_open ||
	    !tis(im, 2, "FETCH") || im->toks[im->ntok - 1].type != TK_ATOM)
		return 0;
	s = tstr(im, im->ntok - 1);
	return strncasecmp(s, "BODY[]", 6) == 0 ||
	    strncasecmp(s, "BINARY[]", 8) == 0 || strcasecmp(s, "RFC822") == 0;
}

/* Read one whole response into the token list; 1 done, <0 error.  The
 * body literal of a FETCH is streamed to fcb on the way. */
static int
read_response(struct eml_imap *im)
{
	struct eml_imap_rd_event ev;
	struct eml_buf lit = { .max = SMALL_LIT };
	int r, started = 0;

	im->ntok = 0;
	im->depth = 0;
	eml_buf_reset(&im->arena);
	eml_buf_reset(&im->rtext);
	for (;;) {
		r = eml_imap_rd_next(im->rd, &ev);
		if (r == 0) {
			if ((r = fill(im)) < 0)
				goto fail;
			continue;
		}
		if (r < 0) {
			if (r == EML_ELIMIT)
				seterr(im, r, "server line or literal over "
				    "the size limit");
			else
				seterr(im, r, "server sent a malformed "
				    "literal");
			goto fail;
		}
		if (ev.type == EML_IMAP_RD_TEXT) {
			if (!started) {
				started = 1;
				trace(im, '<', ev.text, ev.len);
				eml_buf_add(&im->rtext, ev.text,
				    EMLI_MIN(ev.len, ERRMSG_MAX - 1));
			}
			if ((r = tokenize(im, ev.text, ev.len)) < 0)
				goto fail;
			if (ev.lit < 0)
				break;
			if (body_item(im)) {
				im->lit_kind = 2;
				if (im->fcb->begin && (r = im->fcb->begin(
				    im->fcb->ctx, (uint64_t)ev.lit)) < 0) {
					r = seterr(im, EML_EDELIVER,
					    "cannot store the message");
					goto fail;
				}
				im->body_open = 1;
				if ((r = add_tok(im, TK_BODY, "", 0)) < 0)
					goto fail;
			} else
				im->lit_kind = ev.lit > SMALL_LIT ? 1 : 0;
			eml_buf_reset(&lit);
			continue;
		}
		/* a literal's bytes */
		if (im->lit_kind == 2) {
			if (ev.len && im->fcb->data && im->fcb->data(
			    im->fcb->ctx, ev.text, ev.len) < 0) {
				r = seterr(im, EML_EDELIVER,
				    "cannot store the message");
				goto fail;
			}
		} else if (im->lit_kind == 0 &&
		    (r = eml_buf_add(&lit, ev.text, ev.len)) < 0)
			goto fail;
		if (ev.left == 0) {
			if (im->lit_kind == 0)
				r = add_tok(im, TK_STRING,
				    lit.data ? lit.data : "", lit.len);
			else if (im->lit_kind == 1)
				r = add_tok(im, TK_BIGLIT, "", 0);
			if (r < 0)
				goto fail;
		}
	}
	eml_buf_free(&lit);
	return 1;
fail:
	eml_buf_free(&lit);
	body_abort(im);
	return r;
}

/* ---- interpreting ---- */

static void
learn_caps(struct eml_imap *im, size_t i, size_t end)
{
	static const struct {
		const char *name;
		unsigned bit;
	} tab[] = {
		{ "IMAP4rev2", EML_IMAP_CAP_IMAP4REV2 },
		{ "STARTTLS", EML_IMAP_CAP_STARTTLS },
		{ "LOGINDISABLED", EML_IMAP_CAP_LOGINDIS },
		{ "LITERAL+", EML_IMAP_CAP_LITERALP },
		{ "LITERAL-", EML_IMAP_CAP_LITERALM },
		{ "IDLE", EML_IMAP_CAP_IDLE },
		{ "ID", EML_IMAP_CAP_ID },
		{ "CONDSTORE", EML_IMAP_CAP_CONDSTORE },
		{ "QRESYNC", EML_IMAP_CAP_QRESYNC },
		{ "UTF8=ACCEPT", EML_IMAP_CAP_UTF8 },
		{ "SASL-IR", EML_IMAP_CAP_SASLIR },
		{ "AUTH=PLAIN", EML_IMAP_CAP_AUTH_PLAIN },
		{ "ENABLE", EML_IMAP_CAP_ENABLE },
		{ "UIDPLUS", EML_IMAP_CAP_UIDPLUS },
	};

	im->caps = 0;
	im->have_caps = 1;
	im->mechs[0] = '\0';
	for (; i < end; i++) {
		for (size_t k = 0; k < EMLI_NELEM(tab); k++)
			if (tis(im, i, tab[k].name))
				im->caps |= tab[k].bit;
		if (im->toks[i].type == TK_ATOM &&
		    strncasecmp(tstr(im, i), "AUTH=", 5) == 0 &&
		    strlen(im->mechs) + im->toks[i].len < sizeof(im->mechs)) {
			strcat(im->mechs, tstr(im, i) + 5);
			strcat(im->mechs, " ");
		}
	}
}

/* Response code "[...]" after a status word at token i. */
static void
resp_code(struct eml_imap *im, size_t i)
{
	size_t end;

	if (i >= im->ntok || im->toks[i].type != TK_LB)
		return;
	for (end = i + 1; end < im->ntok && im->toks[end].type != TK_RB; end++)
		;
	i++;
	if (tis(im, i, "CAPABILITY"))
		learn_caps(im, i + 1, end);
	else if (tis(im, i, "UIDVALIDITY"))
		(void)tnum32(im, i + 1, &im->sel.uidvalidity);
	else if (tis(im, i, "UIDNEXT"))
		(void)tnum32(im, i + 1, &im->sel.uidnext);
	else if (tis(im, i, "HIGHESTMODSEQ"))
		(void)tnum(im, i + 1, UINT64_MAX, &im->sel.highestmodseq);
	else if (tis(im, i, "NOMODSEQ"))
		im->sel.highestmodseq = 0;
}

static int
is_status(const struct eml_imap *im, size_t i)
{
	return tis(im, i, "OK") || tis(im, i, "NO") || tis(im, i, "BAD") ||
	    tis(im, i, "BYE") || tis(im, i, "PREAUTH");
}

/* Text of the response after its status and code, for messages. */
static const char *
human(const struct eml_imap *im)
{
	const char *s = im->rtext.data ? im->rtext.data : "";
	const char *p = strchr(s, ' ');

	return p ? p + 1 : s;
}

static int
add_uid(struct eml_imap *im, uint32_t u)
{
	if (im->nuids == im->capuids) {
		size_t cap = im->capuids ? im->capuids * 2 : 256;
		uint32_t *v = realloc(im->uids, cap * sizeof(*v));

		if (v == NULL)
			return EML_ENOMEM;
		im->uids = v;
		im->capuids = cap;
	}
	im->uids[im->nuids++] = u;
	return EML_OK;
}

struct fetch_ctx {
	int (*done)(void *ctx, uint32_t uid);
	void *ctx;
	const uint32_t *want;	/* sorted UIDs asked for */
	size_t nwant;
};

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* * n FETCH (...) at the end of the response. */
static int
fetch_resp(struct eml_imap *im, struct fetch_ctx *fc)
{
	uint32_t uid = 0;
	size_t i, body = 0;
	int has_uid = 0, r;

	for (i = 4; i + 1 < im->ntok; i++) {
		if (tis(im, i, "UID") && tnum32(im, i + 1, &uid) == 0)
			has_uid = 1;
		if (im->toks[i].type == TK_ATOM && (im->toks[i + 1].type ==
		    TK_BODY || im->toks[i + 1].type == TK_STRING) &&
		    (strncasecmp(tstr(im, i), "BODY[]", 6) == 0 ||
		    strncasecmp(tstr(im, i), "BINARY[]", 8) == 0 ||
		    strcasecmp(tstr(im, i), "RFC822") == 0))
			body = i + 1;
	}
	if (fc == NULL || (body == 0 && !im->body_open))
		return EML_OK;	/* a flag update or such */
	if (!has_uid || (fc->want && !bsearch(&uid, fc->want, fc->nwant,
	    sizeof(uid), cmp_u32))) {
		body_abort(im);
		return seterr(im, EML_EPROTO, "server sent a message "
		    "without the UID asked for");
	}
	if (!im->body_open) {
		/* the body came as a quoted string */
		const struct tok *t = &im->toks[body];

		if (im->fcb->begin && im->fcb->begin(im->fcb->ctx, t->len) < 0)
			return seterr(im, EML_EDELIVER,
			    "cannot store the message");
		im->body_open = 1;
		if (im->fcb->data && im->fcb->data(im->fcb->ctx,
		    im->arena.data + t->off, t->len) < 0) {
			body_abort(im);
			return seterr(im, EML_EDELIVER,
			    "cannot store the message");
		}
	}
	im->body_open = 0;
	if (im->fcb->end && im->fcb->end(im->fcb->ctx) < 0)
		return seterr(im, EML_EDELIVER, "cannot store message UID "
		    "%u", (unsigned)uid);
	if (fc->done && (r = fc->done(fc->ctx, uid)) < 0)
		return seterr(im, r, "message UID %u stored, but saving the "
		    "state failed", (unsigned)uid);
	return EML_OK;
}

struct list_ctx {
	int (*fn)(void *ctx, const struct eml_imap_mailbox *mb);
	void *ctx;
	int stopped;
};

static int
list_resp(struct eml_imap *im, struct list_ctx *lc)
{
	struct eml_imap_mailbox mb;
	struct eml_buf flags = { .max = 4096 }, name = { .max = 4096 * 4 };
	size_t i = 3;
	int r = EML_OK;

	if (lc == NULL || lc->stopped)
		return EML_OK;
	/* RFC 9051 7.3.1: "(" flags ")" SP delim SP mailbox */
	if (im->ntok < 3 || im->toks[2].type != TK_LP)
		return seterr(im, EML_EPROTO, "malformed LIST reply");
	for (; i < im->ntok && im->toks[i].type != TK_RP; i++) {
		if (flags.len)
			(void)eml_buf_addc(&flags, ' ');
		(void)eml_buf_adds(&flags, tstr(im, i));
	}
	i++;
	if (i + 1 >= im->ntok) {
		r = seterr(im, EML_EPROTO, "malformed LIST reply");
		goto out;
	}
	mb.delim = 0;
	if (im->toks[i].type == TK_STRING && im->toks[i].len == 1)
		mb.delim = tstr(im, i)[0];
	else if (!tis(im, i, "NIL")) {
		r = seterr(im, EML_EPROTO, "malformed LIST delimiter");
		goto out;
	}
	i++;
	if (im->toks[i].type != TK_ATOM && im->toks[i].type != TK_STRING) {
		r = seterr(im, EML_EPROTO, "malformed LIST name");
		goto out;
	}
	if (im->utf8)
		r = eml_buf_add(&name, tstr(im, i), im->toks[i].len);
	else if (eml_imap_utf7_decode(tstr(im, i), im->toks[i].len,
	    &name) < 0) {
		/* RFC 3501 5.1.3: a name that is not valid mUTF-7 is
		 * shown as sent, never decoded loosely */
		eml_buf_reset(&name);
		r = eml_buf_add(&name, tstr(im, i), im->toks[i].len);
	}
	/* a name with NUL cannot be named back to the server */
	if (r == EML_OK && memchr(tstr(im, i), 0, im->toks[i].len) == NULL) {
		mb.name = name.data ? name.data : "";
		mb.flags = flags.data ? flags.data : "";
		if (lc->fn(lc->ctx, &mb) != 0)
			lc->stopped = 1;
	}
	if (r == EML_ELIMIT)
		r = EML_OK;	/* a 64 KB name is skipped, not fatal */
out:
	eml_buf_free(&flags);
	eml_buf_free(&name);
	return r;
}

struct cmd_ctx {
	struct fetch_ctx *fetch;
	struct list_ctx *list;
	int search;
	int (*cont)(struct eml_imap *im, struct cmd_ctx *cc);	/* on "+" */
	void *cont_arg;
	int bye;
};

/* Handle one untagged response. */
static int
untagged(struct eml_imap *im, struct cmd_ctx *cc)
{
	uint32_t n;

	if (is_status(im, 1)) {
		if (tis(im, 1, "BYE"))
			cc->bye = 1;
		resp_code(im, 2);
		return EML_OK;
	}
	if (tis(im, 1, "CAPABILITY")) {
		learn_caps(im, 2, im->ntok);
		return EML_OK;
	}
	if (tis(im, 1, "ENABLED")) {
		for (size_t i = 2; i < im->ntok; i++) {
			if (tis(im, i, "UTF8=ACCEPT"))
				im->utf8 = 1;
			if (tis(im, i, "QRESYNC"))
				im->qresync = 1;
		}
		return EML_OK;
	}
	if (tis(im, 1, "LIST"))
		return list_resp(im, cc->list);
	if (tis(im, 1, "SEARCH")) {
		if (!cc->search)
			return EML_OK;
		for (size_t i = 2; i < im->ntok; i++) {
			int r;

			if (im->toks[i].type == TK_LP)
				break;	/* (MODSEQ n), RFC 7162 3.1.5 */
			if (tnum32(im, i, &n) < 0 || n == 0)
				return seterr(im, EML_EPROTO,
				    "malformed SEARCH reply");
			if ((r = add_uid(im, n)) < 0)
				return r;
		}
		return EML_OK;
	}
	if (tnum32(im, 1, &n) == 0) {
		if (tis(im, 2, "EXISTS")) {
			im->sel.exists = n;
			im->got_exists = 1;
		} else if (tis(im, 2, "RECENT"))
			im->got_exists = 1;
		else if (tis(im, 2, "FETCH")) {
			if (im->ntok < 5 || im->toks[3].type != TK_LP)
				return seterr(im, EML_EPROTO,
				    "malformed FETCH reply");
			return fetch_resp(im, cc->fetch);
		}
		return EML_OK;
	}
	/* FLAGS, ID, STATUS, VANISHED, ESEARCH...: nothing we need */
	return EML_OK;
}

/*
 * Read responses until the tagged reply to tag.  Returns EML_OK for OK,
 * EML_EREFUSED for NO/BAD (message in errmsg), <0 for errors.
 */
static int
wait_tagged(struct eml_imap *im, const char *tag, struct cmd_ctx *cc)
{
	int r;

	for (;;) {
		if ((r = read_response(im)) < 0)
			return r;
		if (im->ntok == 0)
			return seterr(im, EML_EPROTO, "server sent an empty "
			    "line");
		if (im->toks[0].type == TK_ATOM && strcmp(tstr(im, 0),
		    "*") == 0) {
			if (im->ntok < 2)
				return seterr(im, EML_EPROTO,
				    "server sent a malformed response");
			if ((r = untagged(im, cc)) < 0)
				return r;
			continue;
		}
		if (im->toks[0].type == TK_ATOM && tstr(im, 0)[0] == '+' &&
		    tstr(im, 0)[1] == '\0') {
			if (cc->cont == NULL)
				return seterr(im, EML_EPROTO, "server asked "
				    "for data nobody was sending");
			if ((r = cc->cont(im, cc)) < 0)
				return r;
			continue;
		}
		if (im->toks[0].type == TK_ATOM &&
		    strcmp(tstr(im, 0), tag) == 0) {
			if (cc->bye && !tis(im, 1, "OK"))
				return seterr(im, EML_EPROTO, "server closed "
				    "the session: %s", human(im));
			resp_code(im, 2);
			if (tis(im, 1, "OK"))
				return EML_OK;
			if (tis(im, 1, "NO") || tis(im, 1, "BAD"))
				return seterr(im, EML_EREFUSED, "%s",
				    human(im));
			return seterr(im, EML_EPROTO, "server sent a "
			    "malformed tagged reply");
		}
		/* a tagged reply to another command: a server that
		 * answers what was never asked is not trusted */
		if (cc->bye)
			return seterr(im, EML_EPROTO, "server closed the "
			    "session");
		return seterr(im, EML_EPROTO, "server sent an unexpected "
		    "reply: %.60s", im->rtext.data ? im->rtext.data : "");
	}
}

/* ---- writing ---- */

static void
new_tag(struct eml_imap *im)
{
	snprintf(im->tag, sizeof(im->tag), "E%u", ++im->tagno);
}

static int
send_raw(struct eml_imap *im, const void *p, size_t n)
{
	if (n && im->io->write(im->io->ctx, p, n) <= 0)
		return seterr(im, EML_EIO, "writing to the server failed");
	return EML_OK;
}

/* Send im->out (one line, CRLF appended); secret masks it in traces. */
static int
send_out(struct eml_imap *im, int secret)
{
	int r;

	if (secret) {
		/* "E3 LOGIN", "E3 AUTHENTICATE PLAIN": what is shown */
		const char *sp = strchr(im->out.data, ' ');

		sp = sp ? strchr(sp + 1, ' ') : NULL;
		if (sp && strncasecmp(im->out.data + strcspn(im->out.data,
		    " ") + 1, "AUTHENTICATE ", 13) == 0)
			sp = strchr(sp + 1, ' ');
		trace(im, '>', im->out.data, sp ? (size_t)(sp - im->out.data) :
		    im->out.len);
		trace(im, '*', "(credentials not shown)", 23);
	} else
		trace(im, '>', im->out.data, im->out.len);
	if ((r = eml_buf_add(&im->out, "\r\n", 2)) < 0)
		return r;
	r = send_raw(im, im->out.data, im->out.len);
	eml_buf_reset(&im->out);
	return r;
}

int
eml_imap_quote(const char *s, size_t len, int utf8, struct eml_buf *out)
{
	int r;

	if (memchr(s, 0, len) != NULL)
		return EML_EFORMAT;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		/* RFC 9051 9: QUOTED-CHAR is 7-bit text without CR/LF;
		 * RFC 6855 3 adds UTF-8 once UTF8=ACCEPT is enabled */
		if (c == '\r' || c == '\n' || (c >= 0x80 && !utf8))
			return 1;
	}
	if ((r = eml_buf_addc(out, '"')) < 0)
		return r;
	for (size_t i = 0; i < len; i++) {
		if ((s[i] == '"' || s[i] == '\\') &&
		    (r = eml_buf_addc(out, '\\')) < 0)
			return r;
		if ((r = eml_buf_addc(out, s[i])) < 0)
			return r;
	}
	return eml_buf_addc(out, '"');
}

/* Continuation for a synchronizing literal: send the bytes queued. */
struct lit_arg {
	const char *p;
	size_t n;
	int sent;
};

static int
lit_cont(struct eml_imap *im, struct cmd_ctx *cc)
{
	struct lit_arg *la = cc->cont_arg;

	if (la->sent)
		return seterr(im, EML_EPROTO, "server asked for data twice");
	la->sent = 1;
	cc->cont = NULL;
	return send_raw(im, la->p, la->n);
}

/*
 * Append an astring arg to the command: quoted if it can be, else a
 * literal (RFC 9051 4.3): LITERAL+ (or LITERAL- up to 4096 bytes,
 * RFC 7888) inline, otherwise sent after the server's "+"; the command
 * then goes on in im->out.
 */
static int
add_astring(struct eml_imap *im, const char *s, size_t len)
{
	char hdr[48];
	int r, nonsync;

	r = eml_imap_quote(s, len, im->utf8, &im->out);
	if (r <= 0)
		return r;
	nonsync = (im->caps & EML_IMAP_CAP_LITERALP) ||
	    ((im->caps & EML_IMAP_CAP_LITERALM) && len <= 4096);
	snprintf(hdr, sizeof(hdr), "{%zu%s}", len, nonsync ? "+" : "");
	if ((r = eml_buf_adds(&im->out, hdr)) < 0)
		return r;
	trace(im, '>', im->out.data, im->out.len);
	if ((r = eml_buf_add(&im->out, "\r\n", 2)) < 0 ||
	    (r = send_raw(im, im->out.data, im->out.len)) < 0)
		return r;
	eml_buf_reset(&im->out);
	if (!nonsync) {
		struct lit_arg la = { s, len, 0 };
		struct cmd_ctx cc = { .cont = lit_cont, .cont_arg = &la };

		/* wait for "+": read one response at a time */
		while (!la.sent) {
			if ((r = read_response(im)) < 0)
				return r;
			if (im->ntok > 0 && strcmp(tstr(im, 0), "+") == 0) {
				if ((r = lit_cont(im, &cc)) < 0)
					return r;
				break;
			}
			if (im->ntok > 0 && strcmp(tstr(im, 0), im->tag) == 0)
				return seterr(im, EML_EREFUSED, "%s",
				    human(im));
			if (im->ntok >= 2 && strcmp(tstr(im, 0), "*") == 0 &&
			    (r = untagged(im, &cc)) < 0)
				return r;
		}
		return EML_OK;
	}
	return send_raw(im, s, len);
}

/* Mailbox name arg: mUTF-7 unless UTF8=ACCEPT is on (RFC 6855 3). */
static int
add_mailbox(struct eml_imap *im, const char *name)
{
	struct eml_buf b = { .max = 65536 };
	int r;

	if (im->utf8)
		return add_astring(im, name, strlen(name));
	if ((r = eml_imap_utf7_encode(name, strlen(name), &b)) < 0) {
		eml_buf_free(&b);
		return seterr(im, r, "mailbox name is not valid UTF-8");
	}
	r = add_astring(im, b.data ? b.data : "", b.len);
	eml_buf_free(&b);
	return r;
}

static int
cmd_begin(struct eml_imap *im, const char *verb)
{
	new_tag(im);
	eml_buf_reset(&im->out);
	if (eml_buf_adds(&im->out, im->tag) < 0 ||
	    eml_buf_addc(&im->out, ' ') < 0 ||
	    eml_buf_adds(&im->out, verb) < 0)
		return EML_ENOMEM;
	return EML_OK;
}

/* A simple command: verb only, then wait for its reply. */
static int
simple(struct eml_imap *im, const char *verb, struct cmd_ctx *cc)
{
	struct cmd_ctx none = { 0 };
	int r;

	if ((r = cmd_begin(im, verb)) < 0 || (r = send_out(im, 0)) < 0)
		return r;
	return wait_tagged(im, im->tag, cc ? cc : &none);
}

/* ---- session ---- */

static int
capability(struct eml_imap *im)
{
	im->caps = 0;
	im->have_caps = 0;
	im->mechs[0] = '\0';
	return simple(im, "CAPABILITY", NULL);
}

int
eml_imap_open(struct eml_imap *im)
{
	struct cmd_ctx cc = { 0 };
	int r, need_tls = !im->io->tls && !(im->flags & EML_IMAP_NO_TLS);

	if ((r = read_response(im)) < 0) {
		/* a TLS record on a plaintext port: say which URL fits */
		if (im->rtext.len == 0 && eml_imap_rd_pending(im->rd) == 0 &&
		    im->ibuf[0] == 0x16)
			return seterr(im, EML_EPROTO, "server speaks TLS on "
			    "this port: use imaps:// (port 993)");
		return r;
	}
	if (im->rtext.data && (unsigned char)im->rtext.data[0] == 0x16)
		return seterr(im, EML_EPROTO, "server speaks TLS on this "
		    "port: use imaps:// (port 993)");
	/* RFC 9051 7.1: the greeting is an untagged OK, PREAUTH or BYE;
	 * anything else is not an IMAP server (or not one to trust) */
	if (im->ntok < 2 || strcmp(tstr(im, 0), "*") != 0)
		return seterr(im, EML_EPROTO, "not an IMAP greeting: %.60s",
		    im->rtext.data ? im->rtext.data : "");
	if (tis(im, 1, "BYE"))
		return seterr(im, EML_EREFUSED, "server refused the "
		    "connection: %s", human(im));
	if (tis(im, 1, "PREAUTH")) {
		/* RFC 9051 11.1 / mutt CVE-2020-14093: an authenticated
		 * session cannot be upgraded to TLS */
		if (need_tls)
			return seterr(im, EML_ENOTLS, "server sent PREAUTH on "
			    "a connection without TLS; refusing (use imaps:// "
			    "or --no-tls for a trusted local server)");
		im->preauth = 1;
	} else if (!tis(im, 1, "OK"))
		return seterr(im, EML_EPROTO, "not an IMAP greeting: %.60s",
		    im->rtext.data ? im->rtext.data : "");
	resp_code(im, 2);
	if (!im->have_caps && (r = capability(im)) < 0)
		return r;
	if (!need_tls)
		return EML_OK;
	if (!(im->caps & EML_IMAP_CAP_STARTTLS))
		return seterr(im, EML_ENOTLS, "server does not offer STARTTLS"
		    "; refusing to continue without TLS");
	if (im->io->starttls == NULL)
		return seterr(im, EML_ENOTLS, "TLS is not available");
	if ((r = cmd_begin(im, "STARTTLS")) < 0 || (r = send_out(im, 0)) < 0)
		return r;
	if ((r = wait_tagged(im, im->tag, &cc)) < 0)
		return r == EML_EREFUSED ? seterr(im, EML_ENOTLS, "server "
		    "refused STARTTLS: %s", human(im)) : r;
	/* CVE-2011-0411 class: a byte after the reply and before the
	 * handshake was injected in plaintext */
	if (eml_imap_rd_pending(im->rd) != 0)
		return seterr(im, EML_EPROTO, "server sent data after the "
		    "STARTTLS reply, before TLS; refusing");
	if ((r = im->io->starttls(im->io->ctx)) < 0)
		return seterr(im, r < -1 ? r : EML_ETLS, "TLS handshake "
		    "failed");
	im->io->tls = 1;
	/* RFC 9051 6.2.1: forget what was learnt before TLS */
	return capability(im);
}

/* AUTHENTICATE (RFC 9051 6.2.2) with one SASL exchange of net/sasl.c:
 * each "+ base64" challenge answered, SASL-IR (RFC 4959) when offered. */
struct sasl_arg {
	struct eml_sasl *sasl;
	struct eml_buf ir;	/* initial response still to send */
	int has_ir;
	int err;
};

static int
send_b64_line(struct eml_imap *im, const void *p, size_t n)
{
	struct eml_buf b = { 0 };
	int r;

	if ((r = eml_b64_encode(p, n, -1, &b)) < 0 ||
	    (r = eml_buf_add(&b, "\r\n", 2)) < 0) {
		eml_buf_free(&b);
		return r;
	}
	trace(im, '*', "(credentials not shown)", 23);
	r = send_raw(im, b.data, b.len);
	memset(b.data, 0, b.len);
	eml_buf_free(&b);
	return r;
}

static int
sasl_cont(struct eml_imap *im, struct cmd_ctx *cc)
{
	struct sasl_arg *sa = cc->cont_arg;
	struct eml_buf in = { .max = 65536 }, out = { 0 };
	const char *ch = im->ntok > 1 ? tstr(im, 1) : "";
	int r;

	if (sa->has_ir) {
		/* the server's empty "+": now the initial response */
		sa->has_ir = 0;
		return send_b64_line(im, sa->ir.data ? sa->ir.data : "",
		    sa->ir.len);
	}
	/* attack case 63: the challenge is decoded into a capped buffer */
	if ((r = eml_b64_decode(ch, strlen(ch), &in)) < 0) {
		eml_buf_free(&in);
		send_raw(im, "*\r\n", 3);	/* RFC 9051 6.2.2: cancel */
		sa->err = EML_EAUTH;
		return seterr(im, EML_EAUTH, "server sent a malformed SASL "
		    "challenge");
	}
	r = eml_sasl_step(sa->sasl, in.data ? in.data : "", in.len, &out);
	eml_buf_free(&in);
	if (r < 0) {
		eml_buf_free(&out);
		send_raw(im, "*\r\n", 3);
		sa->err = r;
		return seterr(im, EML_EAUTH, "authentication with the server "
		    "failed: %s", r == EML_EAUTH ? "the server's proof is "
		    "wrong" : "bad challenge");
	}
	r = send_b64_line(im, out.data ? out.data : "", out.len);
	if (out.data)
		memset(out.data, 0, out.len);
	eml_buf_free(&out);
	return r;
}

static int
sasl_login(struct eml_imap *im, const char *mech, const char *user,
    const char *secret)
{
	struct sasl_arg sa = { 0 };
	struct cmd_ctx cc = { .cont = sasl_cont, .cont_arg = &sa };
	char verb[64];
	int r;

	if ((sa.sasl = eml_sasl_new(mech, user, secret, NULL, 0)) == NULL)
		return seterr(im, EML_EINVAL, "cannot use %s with these "
		    "credentials", mech);
	if ((r = eml_sasl_start(sa.sasl, &sa.ir)) < 0)
		goto out;
	sa.has_ir = r == 1;
	snprintf(verb, sizeof(verb), "AUTHENTICATE %s", mech);
	if ((r = cmd_begin(im, verb)) < 0)
		goto out;
	if (sa.has_ir && (im->caps & EML_IMAP_CAP_SASLIR)) {
		struct eml_buf b = { 0 };

		/* RFC 4959 3: an empty initial response is "=" */
		if (sa.ir.len == 0)
			r = eml_buf_adds(&b, "=");
		else
			r = eml_b64_encode(sa.ir.data, sa.ir.len, -1, &b);
		if (r == EML_OK && (r = eml_buf_addc(&im->out, ' ')) == 0)
			r = eml_buf_add(&im->out, b.data, b.len);
		if (b.data)
			memset(b.data, 0, b.len);
		eml_buf_free(&b);
		sa.has_ir = 0;
		if (r < 0 || (r = send_out(im, 1)) < 0)
			goto out;
	} else if ((r = send_out(im, 0)) < 0)
		goto out;
	r = wait_tagged(im, im->tag, &cc);
	if (r == EML_OK && strncasecmp(mech, "SCRAM-", 6) == 0 &&
	    !eml_sasl_verified(sa.sasl))
		/* RFC 5802 9: a server that did not prove it knows the
		 * password may be anyone */
		r = seterr(im, EML_EAUTH, "server accepted %s without "
		    "proving it knows the password", mech);
	else if (r == EML_EREFUSED)
		r = seterr(im, EML_EAUTH, "login failed: %s", human(im));
out:
	if (sa.ir.data)
		memset(sa.ir.data, 0, sa.ir.len);
	eml_buf_free(&sa.ir);
	eml_sasl_free(sa.sasl);
	return r;
}

int
eml_imap_login(struct eml_imap *im, const char *user, const char *pass)
{
	return eml_imap_auth(im, user, pass, NULL, 0);
}

int
eml_imap_auth(struct eml_imap *im, const char *user, const char *pass,
    const char *want, int token)
{
	struct cmd_ctx cc = { 0 };
	const char *mech;
	int r;

	/* attack case 65: CR, LF or NUL would end the command early */
	if (strpbrk(user, "\r\n") || strpbrk(pass, "\r\n"))
		return seterr(im, EML_EINVAL, "user or password holds a line "
		    "break");
	if (!im->preauth) {
		if (!im->io->tls && !(im->flags & EML_IMAP_NO_TLS))
			return seterr(im, EML_ENOTLS, "refusing to send a "
			    "password without TLS");
		mech = want ? (strstr(im->mechs, want) ? want : NULL) :
		    eml_sasl_choose(im->mechs, 1, token);
		if (want != NULL && mech == NULL)
			return seterr(im, EML_EAUTH, "server does not offer "
			    "AUTH=%s (it offers: %s)", want, im->mechs);
		if (mech != NULL)
			r = sasl_login(im, mech, user, pass);
		else if (token)
			return seterr(im, EML_EAUTH, "server offers no OAuth "
			    "mechanism (OAUTHBEARER, XOAUTH2)");
		else if (im->caps & EML_IMAP_CAP_LOGINDIS)
			return seterr(im, EML_EAUTH, "server disabled LOGIN "
			    "and offers no mechanism we have");
		else {
			/* RFC 9051 6.2.3: LOGIN when no SASL fits */
			if ((r = cmd_begin(im, "LOGIN ")) < 0 ||
			    (r = add_astring(im, user, strlen(user))) < 0 ||
			    (r = eml_buf_addc(&im->out, ' ')) < 0 ||
			    (r = add_astring(im, pass, strlen(pass))) < 0 ||
			    (r = send_out(im, 1)) < 0)
				return r;
			r = wait_tagged(im, im->tag, &cc);
		}
		if (r == EML_EREFUSED)
			return seterr(im, EML_EAUTH, "login failed: %s",
			    human(im));
		if (r < 0)
			return r;
		/* RFC 9051 6.2.2: the OK may carry new capabilities;
		 * otherwise ask, since they change after login */
		if ((r = capability(im)) < 0)
			return r;
	}
	im->authed = 1;
	if (im->caps & EML_IMAP_CAP_ID) {
		/* RFC 2971: some providers want to know the client */
		r = simple(im, "ID (\"name\" \"emlkit\" \"version\" \""
		    EML_VERSION "\")", NULL);
		if (r < 0 && r != EML_EREFUSED)
			return r;
	}
	if (im->caps & EML_IMAP_CAP_ENABLE) {
		char en[64] = "ENABLE";

		if (im->caps & EML_IMAP_CAP_QRESYNC)
			strcat(en, " QRESYNC");
		else if (im->caps & EML_IMAP_CAP_CONDSTORE)
			strcat(en, " CONDSTORE");
		if (im->caps & EML_IMAP_CAP_UTF8)
			strcat(en, " UTF8=ACCEPT");
		if (strcmp(en, "ENABLE") != 0 &&
		    (r = simple(im, en, NULL)) < 0 && r != EML_EREFUSED)
			return r;
	}
	return EML_OK;
}

int
eml_imap_list(struct eml_imap *im,
    int (*fn)(void *ctx, const struct eml_imap_mailbox *mb), void *ctx)
{
	struct list_ctx lc = { fn, ctx, 0 };
	struct cmd_ctx cc = { .list = &lc };

	return simple(im, "LIST \"\" \"*\"", &cc);
}

int
eml_imap_select(struct eml_imap *im, const char *name, int readonly,
    struct eml_imap_selected *sel_r)
{
	struct cmd_ctx cc = { 0 };
	int r;

	memset(&im->sel, 0, sizeof(im->sel));
	if ((r = cmd_begin(im, readonly ? "EXAMINE " : "SELECT ")) < 0 ||
	    (r = add_mailbox(im, name)) < 0 || (r = send_out(im, 0)) < 0)
		return r;
	if ((r = wait_tagged(im, im->tag, &cc)) < 0)
		return r == EML_EREFUSED ? seterr(im, r, "cannot select "
		    "\"%s\": %s", name, human(im)) : r;
	/* RFC 9051 7.1: UIDVALIDITY is required; without it no UID can
	 * be remembered safely */
	if (im->sel.uidvalidity == 0)
		return seterr(im, EML_EPROTO, "server sent no UIDVALIDITY "
		    "for \"%s\"", name);
	*sel_r = im->sel;
	return EML_OK;
}

int
eml_imap_uid_search(struct eml_imap *im, const char *criteria,
    uint32_t **uids_r, size_t *n_r)
{
	struct cmd_ctx cc = { .search = 1 };
	int r;

	*uids_r = NULL;
	*n_r = 0;
	/* attack case 50: the caller's text must not end the command */
	if (strpbrk(criteria, "\r\n") != NULL)
		return seterr(im, EML_EINVAL, "search holds a line break");
	im->nuids = 0;
	if ((r = cmd_begin(im, "UID SEARCH ")) < 0 ||
	    (r = eml_buf_adds(&im->out, criteria)) < 0 ||
	    (r = send_out(im, 0)) < 0)
		return r;
	if ((r = wait_tagged(im, im->tag, &cc)) < 0)
		return r == EML_EREFUSED ? seterr(im, r, "search refused: %s",
		    human(im)) : r;
	qsort(im->uids, im->nuids, sizeof(*im->uids), cmp_u32);
	*uids_r = im->uids;
	*n_r = im->nuids;
	im->uids = NULL;
	im->nuids = im->capuids = 0;
	return EML_OK;
}

int
eml_imap_uid_fetch(struct eml_imap *im, const uint32_t *uids, size_t n,
    int mark_seen, unsigned window, const struct eml_fetch_cb *cb,
    int (*done)(void *ctx, uint32_t uid), void *done_ctx)
{
	struct fetch_ctx fc = { done, done_ctx, NULL, 0 };
	struct cmd_ctx cc = { .fetch = &fc };
	char (*tags)[16];
	size_t sent = 0, got = 0;
	uint32_t *want;
	int r = EML_OK;

	if (n == 0)
		return EML_OK;
	if (window == 0)
		window = 16;
	if ((want = malloc(n * sizeof(*want))) == NULL)
		return EML_ENOMEM;
	memcpy(want, uids, n * sizeof(*want));
	qsort(want, n, sizeof(*want), cmp_u32);
	fc.want = want;
	fc.nwant = n;
	if ((tags = calloc(window, sizeof(*tags))) == NULL) {
		free(want);
		return EML_ENOMEM;
	}
	im->fcb = cb;
	while (got < n) {
		/* keep window commands in flight: many small messages
		 * then cost one round trip per window, not per message */
		while (sent < n && sent - got < window) {
			char cmd[96];

			snprintf(cmd, sizeof(cmd), "UID FETCH %u (UID %s)",
			    (unsigned)uids[sent], mark_seen ? "BODY[]" :
			    "BODY.PEEK[]");
			if ((r = cmd_begin(im, cmd)) < 0 ||
			    (r = send_out(im, 0)) < 0)
				goto out;
			memcpy(tags[sent % window], im->tag, 16);
			sent++;
		}
		r = wait_tagged(im, tags[got % window], &cc);
		if (r == EML_EREFUSED)
			goto out;
		if (r < 0)
			goto out;
		got++;
	}
out:
	if (r == EML_EREFUSED)
		r = seterr(im, r, "fetch refused: %s", human(im));
	im->fcb = NULL;
	free(tags);
	free(want);
	return r;
}

/* Continuation of APPEND: stream the message, then end the line. */
struct append_arg {
	uint64_t size;
	ssize_t (*rd)(void *ctx, void *buf, size_t n);
	void *ctx;
	int sent;
};

static int
append_body(struct eml_imap *im, struct append_arg *aa)
{
	uint64_t left = aa->size;
	int r;

	aa->sent = 1;
	while (left > 0) {
		ssize_t k = aa->rd(aa->ctx, im->ibuf,
		    left < sizeof(im->ibuf) ? (size_t)left : sizeof(im->ibuf));

		if (k <= 0)
			return seterr(im, EML_EIO, "the message ended before "
			    "its announced size");
		/* im->ibuf is free: the reader is drained between
		 * responses */
		if ((r = send_raw(im, im->ibuf, (size_t)k)) < 0)
			return r;
		left -= (uint64_t)k;
	}
	return send_raw(im, "\r\n", 2);
}

static int
append_cont(struct eml_imap *im, struct cmd_ctx *cc)
{
	struct append_arg *aa = cc->cont_arg;

	cc->cont = NULL;
	if (aa->sent)
		return seterr(im, EML_EPROTO, "server asked for data twice");
	return append_body(im, aa);
}

int
eml_imap_append(struct eml_imap *im, const char *name, uint64_t size,
    ssize_t (*rd)(void *ctx, void *buf, size_t n), void *rd_ctx)
{
	struct append_arg aa = { size, rd, rd_ctx, 0 };
	struct cmd_ctx cc = { .cont = append_cont, .cont_arg = &aa };
	char hdr[48];
	int r, nonsync = (im->caps & EML_IMAP_CAP_LITERALP) != 0 ||
	    ((im->caps & EML_IMAP_CAP_LITERALM) && size <= 4096);

	if ((r = cmd_begin(im, "APPEND ")) < 0 ||
	    (r = add_mailbox(im, name)) < 0)
		return r;
	snprintf(hdr, sizeof(hdr), " {%llu%s}", (unsigned long long)size,
	    nonsync ? "+" : "");
	if ((r = eml_buf_adds(&im->out, hdr)) < 0 ||
	    (r = send_out(im, 0)) < 0)
		return r;
	if (nonsync && (r = append_body(im, &aa)) < 0)
		return r;
	if ((r = wait_tagged(im, im->tag, &cc)) < 0)
		return r == EML_EREFUSED ? seterr(im, r, "append refused: "
		    "%s", human(im)) : r;
	if (!aa.sent)
		return seterr(im, EML_EPROTO, "server accepted an APPEND "
		    "before its message");
	return EML_OK;
}

static int
idle_cont(struct eml_imap *im, struct cmd_ctx *cc)
{
	cc->cont = NULL;
	*(int *)cc->cont_arg = 1;
	return EML_OK;
}

int
eml_imap_idle(struct eml_imap *im)
{
	int started = 0, r;
	struct cmd_ctx cc = { .cont = idle_cont, .cont_arg = &started };

	if (!(im->caps & EML_IMAP_CAP_IDLE))
		return seterr(im, EML_EREFUSED, "server does not offer IDLE");
	im->got_exists = 0;
	if ((r = cmd_begin(im, "IDLE")) < 0 || (r = send_out(im, 0)) < 0)
		return r;
	/* RFC 2177: untagged responses until we send DONE */
	while (!im->got_exists) {
		if ((r = read_response(im)) < 0)
			return r;
		if (im->ntok >= 1 && strcmp(tstr(im, 0), "+") == 0 &&
		    !started) {
			started = 1;
			continue;
		}
		if (im->ntok >= 2 && strcmp(tstr(im, 0), "*") == 0) {
			if ((r = untagged(im, &cc)) < 0)
				return r;
			if (cc.bye)
				return seterr(im, EML_EPROTO, "server closed "
				    "the session: %s", human(im));
			continue;
		}
		if (im->ntok >= 2 && strcmp(tstr(im, 0), im->tag) == 0)
			return seterr(im, EML_EREFUSED, "IDLE refused: %s",
			    human(im));
		return seterr(im, EML_EPROTO, "unexpected reply during IDLE");
	}
	trace(im, '>', "DONE", 4);
	if ((r = send_raw(im, "DONE\r\n", 6)) < 0)
		return r;
	cc.cont = NULL;
	if ((r = wait_tagged(im, im->tag, &cc)) < 0)
		return r;
	return 1;
}

int
eml_imap_logout(struct eml_imap *im)
{
	struct cmd_ctx cc = { 0 };
	int r;

	if ((r = cmd_begin(im, "LOGOUT")) < 0 || (r = send_out(im, 0)) < 0)
		return r;
	r = wait_tagged(im, im->tag, &cc);
	/* RFC 9051 6.1.3: BYE then OK; a server that just closes after
	 * BYE has still logged us out */
	if (r < 0 && cc.bye)
		return EML_OK;
	return r;
}
