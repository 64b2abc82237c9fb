/*
 * parser.c - the streaming RFC 5322 / MIME parser: push bytes, pull events.
 *
 * The parser works on a "window": either the caller's buffer, or, when an
 * item (a header field, a possible boundary line) straddles two feeds, a
 * small internal hold buffer into which just enough of the next feed is
 * copied to finish the item.  Every event's raw bytes are a slice of the
 * window, and the slices of all events tile the input exactly, so a
 * caller can re-serialise or seek back by offset.
 *
 * Line ends: LF and CRLF both end a line; a bare CR is data.  The EOL
 * before a boundary delimiter belongs to the delimiter (RFC 2046 5.1.1).
 */
#include <stdlib.h>
#include <stdio.h>

#include "eml_priv.h"

/* A delimiter line is "--" boundary, transport padding, EOL.  Padding is
 * unbounded in the RFC; we give up on a line this long. */
#define DELIM_LINE_MAX	(2 * EML_BOUNDARY_MAX + 1024)
#define QUEUE_MAX	16

enum pstate {
	S_PART_START,	/* emit PART_BEGIN for the part on top */
	S_MBOX_FROM,	/* optional "From " line before the first header */
	S_HEADERS,	/* header fields of the top part */
	S_SKIP_FIELD,	/* rest of an over-long field, as RAW */
	S_BODY,		/* body of a leaf, or preamble/epilogue of a multipart */
	S_UNWIND,	/* close parts down to a delimiter's multipart */
	S_EOF,		/* input ended: close everything */
	S_DONE
};

enum mpstate {
	MP_NONE,	/* not a multipart */
	MP_PREAMBLE,
	MP_CHILD,	/* inside a child part */
	MP_EPILOGUE
};

struct frame {
	struct eml_part part;
	enum mpstate mp;
	size_t blen;			/* boundary length */
	int btrunc;			/* boundary cut to its prefix */
	int is_digest;			/* children default to message/rfc822 */
	int saw_ctype, saw_cte, saw_cd, saw_mime_version;
	int ctype_invalid;
	unsigned nheaders;
	int message_level;		/* root or body of message/rfc822 */
	struct eml_decoder dec;
	struct emli_bodycheck bc;	/* diag branch hook: body checks */
};

struct eml_parser {
	struct eml_parser_opts o;
	struct frame *st;		/* stack of open parts */
	unsigned top;			/* number of open parts */
	unsigned cap;
	enum pstate state;

	/* input */
	const char *in;			/* caller's buffer */
	size_t inlen, inpos;
	struct eml_buf hold;		/* bytes copied from earlier feeds */
	size_t holdpos;
	int finished;

	uint64_t off;			/* input offset of the window start */
	unsigned long line;		/* line number at the window start */
	int at_bol;			/* window start is at a line start */
	size_t hscan;			/* header bytes already searched */

	/* queued events */
	struct eml_event q[QUEUE_MAX];
	unsigned qhead, qn;

	/* delimiter waiting for S_UNWIND */
	unsigned delim_level;
	size_t delim_len;
	int delim_close;

	unsigned nparts;
	unsigned ndiags;
	size_t header_block;		/* header bytes in this message */
	int parts_capped;
	int saw_lf, saw_crlf;
	int mbox_from;			/* diag hook: a From_ line came first */
	struct eml_buf dec;		/* decoded data of the last BODY */
	char errmsg[128];
};

/* ------------------------------------------------------------------ */

static void
defaults(struct eml_parser_opts *o)
{
	if (o->max_depth == 0)
		o->max_depth = EML_DEFAULT_MAX_DEPTH;
	if (o->max_parts == 0)
		o->max_parts = EML_DEFAULT_MAX_PARTS;
	if (o->max_header_bytes == 0)
		o->max_header_bytes = EML_DEFAULT_MAX_HEADER_BYTES;
	if (o->max_headers == 0)
		o->max_headers = EML_DEFAULT_MAX_HEADERS;
	if (o->max_header_block == 0)
		o->max_header_block = EML_DEFAULT_MAX_HEADER_BLOCK;
	if (o->max_diags == 0)
		o->max_diags = EML_DEFAULT_MAX_DIAGS;
	/* the frame stack needs the depth bounded whatever was asked */
	if (o->max_depth > 100000)
		o->max_depth = 100000;
}

struct eml_parser *
eml_parser_new(const struct eml_parser_opts *opts)
{
	struct eml_parser *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	if (opts != NULL)
		p->o = *opts;
	defaults(&p->o);
	eml_parser_reset(p);
	return p;
}

void
eml_parser_free(struct eml_parser *p)
{
	if (p == NULL)
		return;
	free(p->st);
	eml_buf_free(&p->hold);
	eml_buf_free(&p->dec);
	free(p);
}

const char *
eml_parser_errmsg(const struct eml_parser *p)
{
	return p->errmsg;
}

void
eml_parser_reset(struct eml_parser *p)
{
	p->top = 0;
	p->state = S_PART_START;
	p->in = NULL;
	p->inlen = p->inpos = 0;
	eml_buf_reset(&p->hold);
	p->holdpos = 0;
	p->finished = 0;
	p->off = 0;
	p->line = 1;
	p->at_bol = 1;
	p->qhead = p->qn = 0;
	p->nparts = 0;
	p->ndiags = 0;
	p->header_block = 0;
	p->parts_capped = 0;
	p->saw_lf = p->saw_crlf = 0;
	p->mbox_from = 0;
	p->errmsg[0] = '\0';
}

int
eml_parser_feed(struct eml_parser *p, const void *buf, size_t len)
{
	if (p->inpos < p->inlen || p->finished) {
		snprintf(p->errmsg, sizeof(p->errmsg),
		    "feed before the previous input was drained");
		return EML_EINVAL;
	}
	p->in = buf;
	p->inlen = len;
	p->inpos = 0;
	return EML_OK;
}

int
eml_parser_finish(struct eml_parser *p)
{
	p->finished = 1;
	return EML_OK;
}

/* ------------------------------------------------------------------ */
/* Events */

static struct eml_event *
push(struct eml_parser *p, enum eml_event_type type)
{
	struct eml_event *ev;

	/* Steps push a bounded number of events; the queue is sized for it. */
	ev = &p->q[(p->qhead + p->qn++) % QUEUE_MAX];
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->part = p->top > 0 ? &p->st[p->top - 1].part : NULL;
	ev->offset = p->off;
	ev->line = p->line;
	return ev;
}

static void
diag(struct eml_parser *p, enum eml_diag_code code)
{
	struct eml_event *ev;
	struct eml_part *part = p->top > 0 ? &p->st[p->top - 1].part : NULL;

	if (part != NULL) {
		/* one report per code and part keeps hostile input O(1) */
		if (eml_defects_has(&part->defects, code))
			return;
		eml_defects_set(&part->defects, code);
	}
	if (p->ndiags >= p->o.max_diags || p->qn >= QUEUE_MAX - 4)
		return;
	p->ndiags++;
	ev = push(p, EML_EV_DIAG);
	ev->diag.code = code;
	ev->diag.severity = eml_diag_severity(code);
	ev->diag.line = p->line;
	ev->diag.offset = p->off;
	ev->diag.section = part != NULL ? part->section : "";
}

/* ------------------------------------------------------------------ */
/* Window */

/* The window is all there will be: finished, and either the window is
 * the last feed itself or that feed is used up. */
static int
at_eof(const struct eml_parser *p)
{
	return p->finished && (p->holdpos >= p->hold.len ||
	    p->inpos >= p->inlen);
}

static void
window(struct eml_parser *p, const char **w, size_t *n)
{
	if (p->holdpos < p->hold.len) {
		*w = p->hold.data + p->holdpos;
		*n = p->hold.len - p->holdpos;
	} else {
		*w = p->in != NULL ? p->in + p->inpos : "";
		*n = p->inlen - p->inpos;
	}
}

static unsigned long
count_lines(const char *s, size_t n)
{
	unsigned long c = 0;
	const char *e = s + n, *q;

	while (s < e && (q = memchr(s, '\n', e - s)) != NULL) {
		c++;
		s = q + 1;
	}
	return c;
}

/* Mark n bytes of the window as used by the event just pushed. */
static void
consume(struct eml_parser *p, const char *w, size_t n)
{
	if (n == 0)
		return;
	p->hscan = 0;
	p->line += count_lines(w, n);
	p->at_bol = w[n - 1] == '\n';
	p->off += n;
	if (p->holdpos < p->hold.len) {
		p->holdpos += n;
		if (p->holdpos == p->hold.len) {
			p->holdpos = 0;
			p->hold.len = 0;
		}
	} else {
		p->inpos += n;
	}
}

/*
 * A step needs more bytes than the window has.  Returns 1 if the window
 * grew, 0 if the caller must feed (or finish), <0 on error.
 */
static int
more(struct eml_parser *p)
{
	const char *s, *nl;
	size_t n;
	int r;

	if (p->inpos >= p->inlen)
		return 0;
	if (p->holdpos == p->hold.len) {
		/* window was the caller's: keep its tail, it is small */
		p->hold.len = p->holdpos = 0;
		r = eml_buf_add(&p->hold, p->in + p->inpos,
		    p->inlen - p->inpos);
		p->inpos = p->inlen;
		return r < 0 ? r : 0;
	}
	/* window is the hold: take one more line of the caller's */
	if (p->holdpos > 0 && p->holdpos > p->hold.len / 2) {
		memmove(p->hold.data, p->hold.data + p->holdpos,
		    p->hold.len - p->holdpos);
		p->hold.len -= p->holdpos;
		p->holdpos = 0;
	}
	s = p->in + p->inpos;
	n = p->inlen - p->inpos;
	if ((nl = memchr(s, '\n', n)) != NULL)
		n = nl - s + 1;
	if ((r = eml_buf_add(&p->hold, s, n)) < 0)
		return r;
	p->inpos += n;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Parts */

static struct frame *
cur(struct eml_parser *p)
{
	return &p->st[p->top - 1];
}

static int
grow(struct eml_parser *p)
{
	unsigned ncap;
	struct frame *ns;

	if (p->top < p->cap)
		return 0;
	ncap = p->cap ? p->cap * 2 : 8;
	if ((ns = realloc(p->st, ncap * sizeof(*ns))) == NULL)
		return EML_ENOMEM;
	/* parent pointers point into the stack: re-aim them */
	for (unsigned i = 1; i < p->top; i++)
		ns[i].part.parent = &ns[i - 1].part;
	p->st = ns;
	p->cap = ncap;
	return 0;
}

static void
section_child(char *dst, size_t size, const char *base, unsigned n)
{
	int r;

	if (*base == '\0')
		r = snprintf(dst, size, "%u", n);
	else
		r = snprintf(dst, size, "%s.%u", base, n);
	if (r < 0 || (size_t)r >= size)
		dst[size - 2] = '+';	/* marks a cut-off section */
}

/* Open a new part below the top one (or the root). */
static int
open_part(struct eml_parser *p)
{
	struct frame *f, *parent = p->top > 0 ? cur(p) : NULL;

	/* step() made room: queued events point into the stack */
	if (p->top >= p->cap)
		return EML_ENOMEM;
	f = &p->st[p->top++];
	memset(f, 0, sizeof(*f));
	f->part.parent = parent != NULL ? &parent->part : NULL;
	f->part.depth = p->top - 1;
	f->part.offset = p->off;
	f->part.line = p->line;
	f->mp = MP_NONE;
	p->nparts++;
	if (parent == NULL) {
		f->message_level = 1;
	} else if (parent->mp != MP_NONE) {
		parent->part.nchildren++;
		section_child(f->part.section, sizeof(f->part.section),
		    parent->part.section, parent->part.nchildren);
		if (parent->is_digest)
			strcpy(f->part.ctype, "message/rfc822");
	} else {
		/* body of message/rfc822: IMAP numbers it by its parent */
		parent->part.nchildren++;
		f->message_level = 1;
		strcpy(f->part.section, parent->part.section);
	}
	if (f->part.ctype[0] == '\0')
		strcpy(f->part.ctype, "text/plain");
	return 0;
}

static void
header_ctype(struct eml_parser *p, struct frame *f, const char *v,
    size_t n)
{
	struct eml_ctype ct;
	const char *val;

	memset(&ct, 0, sizeof(ct));
	if (eml_ctype_parse(v, n, &ct) < 0) {
		/* out of memory: the defaults stand */
		eml_ctype_free(&ct);
		return;
	}
	if (ct.type[0] == '\0' || ct.subtype[0] == '\0') {
		f->ctype_invalid = 1;
		diag(p, EML_D_CTYPE_INVALID);
	} else {
		snprintf(f->part.ctype, sizeof(f->part.ctype), "%s/%s",
		    ct.type, ct.subtype);
	}
	if (eml_defects_has(&ct.params.defects, EML_D_CONFLICTING_PARAM))
		diag(p, EML_D_CONFLICTING_PARAM);
	if ((val = eml_params_get(&ct.params, "charset")) != NULL) {
		size_t i;

		emli_strlcpy(f->part.charset, val, strlen(val),
		    sizeof(f->part.charset));
		for (i = 0; f->part.charset[i] != '\0'; i++)
			f->part.charset[i] = EMLI_LOWER(f->part.charset[i]);
	}
	if (strcmp(ct.type, "multipart") == 0) {
		val = eml_params_get(&ct.params, "boundary");
		if (val == NULL || *val == '\0') {
			diag(p, EML_D_MULTIPART_NO_BOUNDARY);
		} else {
			/* RFC 2046 allows 70; longer ones are real (and a
			 * memory attack when huge): keep a prefix and match
			 * by it, as Dovecot does */
			f->blen = strlen(val);
			if (f->blen > EML_BOUNDARY_MAX) {
				diag(p, EML_D_BOUNDARY_TOO_LONG);
				f->blen = EML_BOUNDARY_MAX;
				f->btrunc = 1;
			}
			memcpy(f->part.boundary, val, f->blen);
			f->part.boundary[f->blen] = '\0';
			f->part.is_multipart = 1;
			f->is_digest = strcmp(ct.subtype, "digest") == 0;
		}
	}
	eml_ctype_free(&ct);
}

static void
header_cd(struct eml_parser *p, struct frame *f, const char *v, size_t n)
{
	struct eml_ctype cd;

	memset(&cd, 0, sizeof(cd));
	if (eml_disposition_parse(v, n, &cd) < 0) {
		eml_ctype_free(&cd);
		return;
	}
	if (strcmp(cd.type, "attachment") == 0 ||
	    eml_params_get(&cd.params, "filename") != NULL)
		f->part.is_attachment = 1;
	eml_ctype_free(&cd);
}

/* Look at the fields that shape the MIME structure. */
static void
header_seen(struct eml_parser *p, const char *name, size_t nlen,
    const char *v, size_t vlen)
{
	struct frame *f = cur(p);
	struct eml_defects fd;
	unsigned c;

	/* [fields] header-value defects become diagnostics at the field's
	 * line and offset (emli_field_check, lib/fieldcheck.c); the two
	 * codes header_ctype emits itself are left out there */
	if (emli_field_check(name, nlen, v, vlen, p->o.fallback_charset,
	    f->message_level ? EMLI_FC_MESSAGE : 0, &fd) == EML_OK &&
	    eml_defects_any(&fd))
		for (c = 1; c < EML_D__COUNT; c++)
			if (eml_defects_has(&fd, c) && ((c !=
			    EML_D_CTYPE_INVALID && c != EML_D_CONFLICTING_PARAM)
			    || !emli_eqi(name, nlen, "content-type")))
				diag(p, c);
	/* [fields] end */

	if (nlen < 12 || strncasecmp(name, "content-", 8) != 0) {
		if (emli_eqi(name, nlen, "mime-version"))
			f->saw_mime_version = 1;
		return;
	}
	if (emli_eqi(name, nlen, "content-type")) {
		if (f->saw_ctype++) {
			diag(p, EML_D_CONFLICTING_HEADER);
			return;
		}
		f->part.ctype[0] = '\0';
		header_ctype(p, f, v, vlen);
		if (f->part.ctype[0] == '\0')
			strcpy(f->part.ctype, "text/plain");
	} else if (emli_eqi(name, nlen, "content-transfer-encoding")) {
		if (f->saw_cte++) {
			diag(p, EML_D_CONFLICTING_HEADER);
			return;
		}
		f->part.cte = eml_cte_parse(v, vlen);
		if (f->part.cte == EML_CTE_UNKNOWN)
			diag(p, EML_D_CTE_UNKNOWN);
	} else if (emli_eqi(name, nlen, "content-disposition")) {
		if (f->saw_cd++) {
			diag(p, EML_D_CONFLICTING_HEADER);
			return;
		}
		header_cd(p, f, v, vlen);
	}
}

/* Headers are over: decide what the body is. */
static void
headers_done(struct eml_parser *p)
{
	struct frame *f = cur(p);
	struct eml_part *pt = &f->part;
	int container_ok = pt->depth < p->o.max_depth && !p->parts_capped;

	if (f->message_level && (p->o.flags & EML_PARSE_STRICT_MIME) &&
	    pt->depth == 0 && !f->saw_mime_version && f->saw_ctype) {
		/* strict: without MIME-Version the body is plain text */
		pt->is_multipart = 0;
		strcpy(pt->ctype, "text/plain");
	}
	if (pt->depth == 0 && f->saw_ctype && !f->saw_mime_version)
		diag(p, EML_D_NO_MIME_VERSION);
	if (pt->is_multipart) {
		if (pt->cte == EML_CTE_BASE64 || pt->cte == EML_CTE_QP)
			diag(p, EML_D_CTE_ON_COMPOSITE);
		if (!container_ok) {
			diag(p, p->parts_capped ? EML_D_PARTS_LIMIT :
			    EML_D_DEPTH_LIMIT);
			pt->is_multipart = 0;
		}
	}
	if (strcmp(pt->ctype, "message/rfc822") == 0 ||
	    strcmp(pt->ctype, "message/global") == 0) {
		/* RFC 2046 5.2.1: an encoded message is opaque to us */
		if (pt->cte == EML_CTE_BASE64 || pt->cte == EML_CTE_QP) {
			diag(p, EML_D_CTE_ON_COMPOSITE);
		} else if (!container_ok) {
			diag(p, EML_D_DEPTH_LIMIT);
		} else {
			pt->is_message = 1;
		}
	}
	if (f->message_level && !pt->is_multipart) {
		char base[sizeof(pt->section)];

		strcpy(base, pt->section);
		section_child(pt->section, sizeof(pt->section), base, 1);
	}
	f->mp = pt->is_multipart ? MP_PREAMBLE : MP_NONE;
	eml_decoder_init(&f->dec, pt->is_multipart || pt->is_message ?
	    EML_CTE_BINARY : pt->cte);
	/* diag branch hook: body-level checks of a leaf (bodycheck.c) */
	if (!pt->is_multipart && !pt->is_message)
		emli_bodycheck_init(&f->bc, pt->cte,
		    strncmp(pt->ctype, "text/", 5) == 0,
		    (p->mbox_from ? EMLI_BC_MBOX : 0) |
		    (p->o.flags & EML_PARSE_NO_UUENCODE ? EMLI_BC_NO_UU : 0),
		    p->o.max_diags);
}

/* ------------------------------------------------------------------ */
/* Header fields */

/* RFC 5322 3.6.8: ftext = %d33-57 / %d59-126 */
static int
valid_name(const char *s, size_t n)
{
	size_t i;

	while (n > 0 && EMLI_WSP(s[n - 1]))
		n--;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c <= 32 || c >= 127 || c == ':')
			return 0;
	}
	return 1;
}

/* Length of the EOL that ends at s[i] ('\n'): 1 or 2. */
static size_t
eol_len(const char *s, size_t i)
{
	return i > 0 && s[i - 1] == '\r' ? 2 : 1;
}

/* Does the line w[0..n) (no EOL) match an open boundary?  Returns the
 * frame index + 1, or 0; *close_r is set for "--b--". */
static unsigned
match_delim(struct eml_parser *p, const char *w, size_t n, int *close_r)
{
	unsigned i;

	if (n < 3 || w[0] != '-' || w[1] != '-' || p->parts_capped)
		return 0;
	for (i = p->top; i-- > 0;) {
		struct frame *f = &p->st[i];
		const char *r;
		size_t rest;

		if (f->mp != MP_PREAMBLE && f->mp != MP_CHILD)
			continue;
		if (n - 2 < f->blen || memcmp(w + 2, f->part.boundary,
		    f->blen) != 0)
			continue;
		r = w + 2 + f->blen;
		rest = n - 2 - f->blen;
		if (f->btrunc) {
			/* matched by prefix: the rest of the line is the
			 * boundary's tail, then maybe "--" and padding */
			while (rest > 0 && (EMLI_WSP(r[rest - 1]) ||
			    r[rest - 1] == '\r'))
				rest--;
			*close_r = rest >= 2 && r[rest - 1] == '-' &&
			    r[rest - 2] == '-';
			return i + 1;
		}
		*close_r = rest >= 2 && r[0] == '-' && r[1] == '-';
		if (*close_r)
			return i + 1;
		/* RFC 2046 5.1.1: only transport padding may follow */
		while (rest > 0 && (EMLI_WSP(*r) || *r == '\r')) {
			r++;
			rest--;
		}
		if (rest == 0)
			return i + 1;
	}
	return 0;
}

/*
 * A delimiter of the multipart at stack index level was found at the
 * window start: len bytes, from the EOL before it to the one after it.
 * The parts above level close first (S_UNWIND), then it is emitted.
 */
static void
begin_unwind(struct eml_parser *p, unsigned level, size_t len, int close)
{
	p->delim_level = level;
	p->delim_len = len;
	p->delim_close = close;
	p->state = S_UNWIND;
}

/* Headers of the top part are over (raw = the blank line, or empty). */
static int
end_headers(struct eml_parser *p, const char *w, size_t len)
{
	struct eml_event *ev = push(p, EML_EV_HEADERS_END);

	ev->raw = w;
	ev->raw_len = len;
	consume(p, w, len);
	cur(p)->part.body_offset = p->off;
	headers_done(p);
	p->state = S_BODY;
	return 1;
}

static int
step_headers(struct eml_parser *p)
{
	const char *w, *nl, *colon;
	size_t n, end, lineend, lim = p->o.max_header_bytes;
	struct frame *f = cur(p);
	struct eml_event *ev;
	unsigned level;
	int close, truncated = 0;

	window(p, &w, &n);
	if (n == 0) {
		if (!at_eof(p))
			return 0;
		if (f->nheaders > 0)
			diag(p, EML_D_NO_HEADER_END);
		else if (p->top > 1)
			diag(p, EML_D_PART_NO_HEADERS);
		end_headers(p, w, 0);
		p->state = S_EOF;
		return 1;
	}
	/* blank line: end of headers */
	if (w[0] == '\n')
		return end_headers(p, w, 1);
	if (w[0] == '\r' && n >= 2 && w[1] == '\n')
		return end_headers(p, w, 2);
	if (w[0] == '\r' && n == 1 && !at_eof(p))
		return more(p);
	/*
	 * Find the end of the field: the first line, and the lines after
	 * it that start with WSP.  p->hscan remembers how far an earlier
	 * try got, so a field fed a byte at a time is scanned once.
	 */
	end = p->hscan;
	for (;;) {
		size_t upto = EMLI_MIN(n, lim + 1);

		if (end > 0 && w[end - 1] == '\n') {
			/* at a line start: WSP continues the field */
			if (end >= n) {
				if (!at_eof(p) && n <= lim) {
					p->hscan = end;
					return more(p);
				}
				break;
			}
			if (!EMLI_WSP(w[end]))
				break;
		}
		nl = end < upto ? memchr(w + end, '\n', upto - end) : NULL;
		if (nl == NULL) {
			if (n <= lim && !at_eof(p)) {
				p->hscan = end;
				return more(p);
			}
			if (n > lim) {
				end = lim;
				truncated = 1;
			} else {
				end = n;
			}
			break;
		}
		end = nl - w + 1;
	}
	nl = memchr(w, '\n', end);
	lineend = nl != NULL ? (size_t)(nl - w) : end;
	/* a delimiter line ends a part that has no blank line */
	level = match_delim(p, w, lineend - (nl != NULL && lineend > 0 &&
	    w[lineend - 1] == '\r'), &close);
	colon = memchr(w, ':', lineend);
	if (level > 0 || colon == NULL || !valid_name(w, colon - w) ||
	    EMLI_WSP(w[0])) {
		if (level > 0)
			diag(p, f->nheaders == 0 ? EML_D_PART_NO_HEADERS :
			    EML_D_NO_HEADER_END);
		else if (f->nheaders == 0 && EMLI_WSP(w[0]))
			diag(p, EML_D_LEADING_BLANK);
		else
			diag(p, EML_D_HEADER_NO_COLON);
		return end_headers(p, w, 0);
	}
	if (truncated) {
		diag(p, EML_D_HEADER_TOO_LONG);
		p->state = S_SKIP_FIELD;
	}
	if (f->nheaders >= p->o.max_headers ||
	    p->header_block + end > p->o.max_header_block) {
		/* over budget: keep the bytes, stop interpreting them */
		diag(p, f->nheaders >= p->o.max_headers ?
		    EML_D_HEADERS_TOO_MANY : EML_D_HEADER_BLOCK_TOO_LONG);
		ev = push(p, EML_EV_RAW);
		ev->raw = w;
		ev->raw_len = end;
		consume(p, w, end);
		return 1;
	}
	f->nheaders++;
	p->header_block += end;
	ev = push(p, EML_EV_HEADER);
	ev->raw = w;
	ev->raw_len = end;
	ev->name = w;
	ev->name_len = colon - w;
	while (ev->name_len > 0 && EMLI_WSP(w[ev->name_len - 1]))
		ev->name_len--;
	if (ev->name_len != (size_t)(colon - w))
		diag(p, EML_D_HEADER_SPACE_BEFORE_COLON);
	ev->value = colon + 1;
	ev->value_len = end - (colon + 1 - w);
	if (ev->value_len > 0 && w[end - 1] == '\n') {
		ev->value_len--;
		if (ev->value_len > 0 && w[end - 2] == '\r')
			ev->value_len--;
	}
	if (memchr(w, '\0', end) != NULL)
		diag(p, EML_D_HEADER_NUL);
	header_seen(p, ev->name, ev->name_len, ev->value, ev->value_len);
	consume(p, w, end);
	return 1;
}

/* The rest of a field over max_header_bytes: RAW up to its end. */
static int
step_skip_field(struct eml_parser *p)
{
	const char *w, *nl;
	size_t n, end = 0;
	struct eml_event *ev;

	window(p, &w, &n);
	if (n == 0)
		return at_eof(p) ? (p->state = S_HEADERS, 1) : 0;
	if (p->at_bol && !EMLI_WSP(w[0])) {
		p->state = S_HEADERS;
		return 1;
	}
	for (;;) {
		if (end > 0 && w[end - 1] == '\n') {
			if (end >= n)
				break;	/* decided on the next window */
			if (!EMLI_WSP(w[end])) {
				p->state = S_HEADERS;
				break;
			}
		}
		if ((nl = memchr(w + end, '\n', n - end)) == NULL) {
			end = n;
			break;
		}
		end = nl - w + 1;
	}
	if (end == 0)
		return 1;
	ev = push(p, EML_EV_RAW);
	ev->raw = w;
	ev->raw_len = end;
	consume(p, w, end);
	return 1;
}

static int
step_mbox_from(struct eml_parser *p)
{
	const char *w, *nl;
	size_t n;
	struct eml_event *ev;

	window(p, &w, &n);
	p->state = S_HEADERS;
	if (n < 5 && !at_eof(p) && memcmp(w, "From ", n) == 0)
		return (p->state = S_MBOX_FROM, more(p));
	if (n < 5 || memcmp(w, "From ", 5) != 0)
		return 1;
	nl = memchr(w, '\n', EMLI_MIN(n, 4096));
	if (nl == NULL && n < 4096 && !at_eof(p))
		return (p->state = S_MBOX_FROM, more(p));
	ev = push(p, EML_EV_RAW);
	ev->raw = w;
	ev->raw_len = nl != NULL ? (size_t)(nl - w + 1) : EMLI_MIN(n, 4096);
	p->mbox_from = 1;	/* diag hook */
	consume(p, w, ev->raw_len);
	cur(p)->part.offset = p->off;
	cur(p)->part.line = p->line;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Bodies */

static int
any_boundary(struct eml_parser *p)
{
	unsigned i;

	if (p->parts_capped)
		return 0;
	for (i = 0; i < p->top; i++)
		if (p->st[i].mp == MP_PREAMBLE || p->st[i].mp == MP_CHILD)
			return 1;
	return 0;
}

/* diag branch hook: bodycheck.c reports an occurrence; it is queued
 * by diag() and given the position the checker found. */
static void
body_diag(void *arg, enum eml_diag_code code, unsigned long line,
    uint64_t off)
{
	struct eml_parser *p = arg;
	unsigned qn = p->qn;
	struct eml_event *ev;

	diag(p, code);
	if (p->qn > qn) {
		ev = &p->q[(p->qhead + p->qn - 1) % QUEUE_MAX];
		ev->line = ev->diag.line = line;
		ev->offset = ev->diag.offset = off;
	}
}

/* Emit w[0..n) as body of the top part. */
static int
emit_body(struct eml_parser *p, const char *w, size_t n)
{
	struct frame *f = cur(p);
	struct eml_event *ev;
	enum eml_event_type t = EML_EV_BODY;

	if (n == 0)
		return 0;
	if (f->mp == MP_PREAMBLE)
		t = EML_EV_PREAMBLE;
	else if (f->mp == MP_EPILOGUE || f->mp == MP_CHILD)
		t = EML_EV_EPILOGUE;	/* MP_CHILD can't reach here */
	ev = push(p, t);
	ev->raw = w;
	ev->raw_len = n;
	f->part.raw_size += n;
	if (t == EML_EV_BODY)	/* diag hook */
		emli_bodycheck_feed(&f->bc, w, n, p->off, p->line, body_diag,
		    p);
	if (t == EML_EV_BODY && (p->o.flags & EML_PARSE_DECODE)) {
		char *o = eml_buf_reserve(&p->dec,
		    eml_decoder_max(&f->dec, n));

		if (o == NULL) {
			snprintf(p->errmsg, sizeof(p->errmsg),
			    "out of memory decoding %zu bytes", n);
			return EML_ENOMEM;
		}
		ev->data = o;
		ev->data_len = eml_decoder_step(&f->dec, w, n, o);
		f->part.decoded_size += ev->data_len;
	}
	consume(p, w, n);
	return 0;
}

static int
step_body(struct eml_parser *p)
{
	const char *w, *s, *e, *nl;
	size_t n, linestart, lineend, eolstart, l, keep;
	unsigned level;
	int close;

	window(p, &w, &n);
	if (n == 0)
		return at_eof(p) ? (p->state = S_EOF, 1) : 0;
	if (!any_boundary(p)) {
		if (emit_body(p, w, n) < 0)
			return EML_ENOMEM;
		return 1;
	}
	/*
	 * Look at each line start for "--" and check such lines whole.
	 * Bytes before an EOL at the window end, or before a "--" line not
	 * seen whole yet, wait for more input: the EOL may belong to a
	 * delimiter.  keep is where the undecided bytes start.
	 */
	if (p->at_bol) {
		linestart = eolstart = 0;
	} else if ((nl = memchr(w, '\n', n)) == NULL) {
		keep = n;
		goto tail;
	} else {
		linestart = nl - w + 1;
		eolstart = linestart - eol_len(w, nl - w);
	}
	for (;;) {
		keep = eolstart;
		if (linestart >= n)
			goto tail;
		if (w[linestart] == '-') {
			if (n - linestart < 2 && !at_eof(p))
				goto tail;
			if (n - linestart >= 2 && w[linestart + 1] == '-') {
				s = w + linestart;
				l = EMLI_MIN(n - linestart, DELIM_LINE_MAX);
				nl = memchr(s, '\n', l);
				if (nl == NULL && l < DELIM_LINE_MAX &&
				    !at_eof(p))
					goto tail;
				lineend = nl != NULL ? (size_t)(nl - s) : l;
				level = match_delim(p, s, lineend -
				    (nl != NULL && lineend > 0 &&
				    s[lineend - 1] == '\r'), &close);
				if (level > 0) {
					if (emit_body(p, w, eolstart) < 0)
						return EML_ENOMEM;
					begin_unwind(p, level - 1, linestart -
					    eolstart + lineend + (nl != NULL),
					    close);
					return 1;
				}
			}
		}
		e = memchr(w + linestart, '\n', n - linestart);
		if (e == NULL) {
			keep = n;
			goto tail;
		}
		linestart = e - w + 1;
		eolstart = linestart - eol_len(w, e - w);
	}
tail:
	if (at_eof(p))
		keep = n;
	else if (keep == n && w[n - 1] == '\r')
		keep = n - 1;	/* may be the CR of a CRLF before "--" */
	if (keep > 0) {
		if (emit_body(p, w, keep) < 0)
			return EML_ENOMEM;
		return 1;
	}
	return more(p);
}

/* Close the top part. */
static void
close_part(struct eml_parser *p)
{
	struct frame *f = cur(p);
	struct eml_event *ev;

	if (f->mp == MP_PREAMBLE || f->mp == MP_CHILD) {
		diag(p, f->part.nchildren == 0 ? EML_D_BOUNDARY_NOT_FOUND :
		    EML_D_MISSING_CLOSE_DELIM);
	}
	if (f->mp == MP_NONE)	/* diag hook */
		emli_bodycheck_finish(&f->bc, p->off, p->line, body_diag, p);
	if (f->mp == MP_NONE && (p->o.flags & EML_PARSE_DECODE)) {
		char *o = eml_buf_reserve(&p->dec, 128);

		if (o != NULL) {
			size_t k = eml_decoder_finish(&f->dec, o);

			if (k > 0) {
				ev = push(p, EML_EV_BODY);
				ev->data = o;
				ev->data_len = k;
				f->part.decoded_size += k;
			}
		}
	}
	f->part.end_offset = p->off;
	ev = push(p, EML_EV_PART_END);
	ev->part = &f->part;
	p->top--;
}

static int
step_unwind(struct eml_parser *p)
{
	const char *w;
	size_t n;
	struct frame *f;
	struct eml_event *ev;

	if (p->top > p->delim_level + 1) {
		close_part(p);
		return 1;
	}
	f = cur(p);
	window(p, &w, &n);
	ev = push(p, EML_EV_BOUNDARY);
	ev->raw = w;
	ev->raw_len = p->delim_len;
	ev->is_close = p->delim_close;
	consume(p, w, p->delim_len);
	if (p->delim_close) {
		f->mp = MP_EPILOGUE;
		p->state = S_BODY;
		return 1;
	}
	f->mp = MP_CHILD;
	if (p->nparts >= p->o.max_parts) {
		/* RFC-less policy: the rest is the multipart's epilogue */
		p->parts_capped = 1;
		diag(p, EML_D_PARTS_LIMIT);
		f->mp = MP_EPILOGUE;
		p->state = S_BODY;
		return 1;
	}
	if (open_part(p) < 0)
		return EML_ENOMEM;
	p->state = S_PART_START;
	return 1;
}

static int
step(struct eml_parser *p)
{
	switch (p->state) {
	case S_PART_START:
		if (p->top == 0 && open_part(p) < 0)
			return EML_ENOMEM;
		push(p, EML_EV_PART_BEGIN);
		p->state = p->top == 1 && p->off == 0 ? S_MBOX_FROM : S_HEADERS;
		return 1;
	case S_MBOX_FROM:
		return step_mbox_from(p);
	case S_HEADERS:
		return step_headers(p);
	case S_SKIP_FIELD:
		return step_skip_field(p);
	case S_BODY:
		if (cur(p)->part.is_message && cur(p)->part.nchildren == 0) {
			if (open_part(p) < 0)
				return EML_ENOMEM;
			p->state = S_PART_START;
			return 1;
		}
		return step_body(p);
	case S_UNWIND:
		return step_unwind(p);
	case S_EOF:
		if (p->top > 0) {
			close_part(p);
			return 1;
		}
		push(p, EML_EV_END);
		p->state = S_DONE;
		return 1;
	case S_DONE:
		return 0;
	}
	return 0;
}

int
eml_parser_next(struct eml_parser *p, struct eml_event *ev)
{
	int r;

	while (p->qn == 0) {
		if (p->state == S_DONE)
			return 0;
		/* grow the stack only while no queued event points into it */
		if (grow(p) < 0)
			return EML_ENOMEM;
		if ((r = step(p)) < 0)
			return r;
		if (r == 0 && p->qn == 0)
			return 0;
	}
	*ev = p->q[p->qhead];
	p->qhead = (p->qhead + 1) % QUEUE_MAX;
	p->qn--;
	return 1;
}
