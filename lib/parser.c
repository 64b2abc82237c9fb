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

/* Events one step pushes, diagnostics aside: those have their own queue,
 * which grows (bounded by max_diags) so that none is dropped however the
 * input is cut into chunks. */
#define QUEUE_MAX	16
#define FCHUNK		8	/* frames per allocation */
/* RFC 5322 2.1.1: lines are at most 998 octets without the CRLF */
#define LINE_MAX_5322	998

enum pstate {
	S_PART_START,	/* emit PART_BEGIN for the part on top */
	S_BOM,		/* optional UTF-8 BOM before the first header */
	S_MBOX_FROM,	/* optional "From " line before the first header */
	S_HEADERS,	/* header fields of the top part */
	S_SKIP_FIELD,	/* rest of an over-long field, as RAW */
	S_PROBE,	/* multipart: is there a delimiter at all? */
	S_BODY,		/* body of a leaf, or preamble/epilogue of a multipart */
	S_UNWIND,	/* close parts down to a delimiter's multipart */
	S_AFTER_DELIM,	/* a delimiter was emitted: another one right after? */
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
	char *bnd;			/* boundary storage, kept across reuse */
	size_t bndcap;
	int is_digest;			/* children default to message/rfc822 */
	int saw_ctype, saw_cte, saw_cd, saw_mime_version;
	int ctype_invalid;
	int fname_cd;			/* filename came from C-D */
	unsigned nheaders;
	int message_level;		/* root or body of message/rfc822 */
	int uu_scan;			/* look for uuencode blocks */
	unsigned uu_blocks;		/* blocks found (S.uN) */
	struct eml_decoder dec;
	struct emli_bodycheck bc;	/* diag branch hook: body checks */
};

/* Longest line kept to recognise "begin MODE NAME" and "end". */
#define UU_LINE_MAX	300

/* What delim_check found about the line at a line start. */
struct dline {
	unsigned level;			/* frame index + 1 */
	int close;
	size_t len;			/* line length incl. its EOL */
	size_t pad;			/* transport padding bytes */
	int suffix;			/* "--b--x": not a delimiter */
	int committed;			/* padding over the cap, no EOL yet */
	size_t pre;			/* EOL bytes before the "--" */
};

struct qdiag {
	struct eml_diag d;
	const struct eml_part *part;
	uint64_t seq;			/* events pushed before it */
	char section[sizeof(((struct eml_part *)0)->section)];
};

struct eml_parser {
	struct eml_parser_opts o;
	struct frame **fr;		/* frames in chunks of FCHUNK: a frame
					 * never moves while it is open */
	unsigned nchunks;
	unsigned top;			/* number of open parts */
	enum pstate state;

	/* input */
	const char *in;			/* caller's buffer */
	size_t inlen, inpos;
	struct eml_buf hold;		/* bytes copied from earlier feeds */
	size_t holdpos;
	int finished;

	uint64_t origin;		/* offset of the message's first byte */
	unsigned long origin_line;
	uint64_t off;			/* input offset of the window start */
	unsigned long line;		/* line number at the window start */
	int at_bol;			/* window start is at a line start */
	/* Resumable scans: offsets relative to the window start, which
	 * does not move while a step waits for more input. */
	size_t hend;			/* header: end of the last whole line */
	size_t hscan;			/* header: bytes searched for an LF */
	size_t pline, psearch;		/* probe: line start, LF searched to */
	uint64_t dl_off;		/* delimiter candidate: line offset */
	unsigned dl_frame;		/* ... the frame it matched */
	size_t dl_scan;			/* ... bytes of padding seen WSP */

	/* queued events, and diagnostics in their own queue: each is
	 * delivered after the events pushed before it (seq) */
	struct eml_event q[QUEUE_MAX];
	unsigned qhead, qn;
	uint64_t pushed, popped;
	struct qdiag *dq;
	size_t dhead, dn, dcap;

	/* delimiter waiting for S_UNWIND */
	unsigned delim_level;
	struct dline delim;
	size_t probe_sep;		/* S_PROBE: length of the blank line */
	uint64_t hd_off;		/* where the header block's own diags go */
	unsigned long hd_line;

	unsigned nparts;
	unsigned ndiags;
	size_t header_block;		/* header bytes in this message */
	int parts_capped;
	int saw_lf, saw_crlf, saw_mixed;
	int mbox_from;			/* diag hook: a From_ line came first */
	struct eml_buf dec;		/* decoded data of the last BODY */

	/* uuencode blocks in the text body on top (one at a time) */
	struct eml_part uu;		/* the block's part while uu_in */
	int uu_in;
	struct eml_decoder uudec;
	struct eml_buf udec;		/* decoded data of the last uu BODY */
	char uline[UU_LINE_MAX];	/* start of the current body line */
	size_t ulen;
	int uover, ubol;
	char errmsg[128];
};

static struct frame *
frame_at(const struct eml_parser *p, unsigned i)
{
	return &p->fr[i / FCHUNK][i % FCHUNK];
}

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
	if (o->max_boundary == 0)
		o->max_boundary = EML_DEFAULT_MAX_BOUNDARY;
	/* the frame table needs the depth bounded whatever was asked */
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
	unsigned i, j;

	if (p == NULL)
		return;
	for (i = 0; i < p->nchunks; i++) {
		for (j = 0; j < FCHUNK; j++)
			free(p->fr[i][j].bnd);
		free(p->fr[i]);
	}
	free(p->fr);
	free(p->dq);
	eml_buf_free(&p->hold);
	eml_buf_free(&p->dec);
	eml_buf_free(&p->udec);
	free(p);
}

const char *
eml_parser_errmsg(const struct eml_parser *p)
{
	return p->errmsg;
}

/*
 * Every field that describes the message in progress goes back to what
 * calloc and eml_parser_new gave; only memory (frames, hold, dec) and the
 * options are kept.  A scan offset left over from an abandoned message
 * once pointed past the next message's small window.
 */
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
	p->origin = 0;
	p->origin_line = 1;
	p->off = 0;
	p->line = 1;
	p->at_bol = 1;
	p->hend = p->hscan = 0;
	p->pline = p->psearch = 0;
	p->dl_off = UINT64_MAX;
	p->dl_frame = 0;
	p->dl_scan = 0;
	p->qhead = p->qn = 0;
	p->pushed = p->popped = 0;
	p->dhead = p->dn = 0;
	p->delim_level = 0;
	memset(&p->delim, 0, sizeof(p->delim));
	p->probe_sep = 0;
	p->nparts = 0;
	p->ndiags = 0;
	p->header_block = 0;
	p->parts_capped = 0;
	p->saw_lf = p->saw_crlf = p->saw_mixed = 0;
	p->mbox_from = 0;
	eml_buf_reset(&p->dec);
	eml_buf_reset(&p->udec);
	memset(&p->uu, 0, sizeof(p->uu));
	p->uu_in = 0;
	p->ulen = 0;
	p->uover = 0;
	p->ubol = 1;
	p->errmsg[0] = '\0';
}

void
eml_parser_set_origin(struct eml_parser *p, uint64_t offset,
    unsigned long line)
{
	/* only before the first byte: offsets already handed out stay */
	if (p->off != p->origin || p->state != S_PART_START || p->top != 0)
		return;
	p->origin = p->off = offset;
	p->origin_line = p->line = line > 0 ? line : 1;
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

static struct eml_part *
top_part(struct eml_parser *p)
{
	return p->top > 0 ? &frame_at(p, p->top - 1)->part : NULL;
}

static struct eml_event *
push(struct eml_parser *p, enum eml_event_type type)
{
	struct eml_event *ev;

	/* Steps push a bounded number of events; the queue is sized for it. */
	ev = &p->q[(p->qhead + p->qn++) % QUEUE_MAX];
	p->pushed++;
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->part = top_part(p);
	ev->offset = p->off;
	ev->line = p->line;
	return ev;
}

/*
 * One occurrence of code at input offset off, line line, in the part on
 * top.  Every occurrence is reported up to max_diags (the part's defect
 * set keeps every code regardless).  The section is copied: it is the
 * part's section as it stands now, which the tree keeps too, so stream
 * and tree name the same one.
 */
static void
diag_part(struct eml_parser *p, struct eml_part *part,
    enum eml_diag_code code, uint64_t off, unsigned long line)
{
	struct qdiag *q;

	if (part != NULL)
		eml_defects_set(&part->defects, code);
	if (p->ndiags >= p->o.max_diags)
		return;
	if (p->dhead > 0 && p->dhead == p->dn) {
		p->dhead = p->dn = 0;
	}
	if (p->dn == p->dcap) {
		size_t ncap = p->dcap ? p->dcap * 2 : 16;
		struct qdiag *nq;

		if (p->dhead > 0) {
			/* compact first: delivered ones are gone */
			memmove(p->dq, p->dq + p->dhead, (p->dn - p->dhead) *
			    sizeof(*p->dq));
			p->dn -= p->dhead;
			p->dhead = 0;
		}
		if (p->dn == p->dcap) {
			if ((nq = realloc(p->dq, ncap * sizeof(*nq))) == NULL)
				return;	/* out of memory: this one is lost */
			p->dq = nq;
			p->dcap = ncap;
		}
	}
	p->ndiags++;
	q = &p->dq[p->dn++];
	memset(&q->d, 0, sizeof(q->d));
	strcpy(q->section, part != NULL ? part->section : "");
	q->d.code = code;
	q->d.severity = eml_diag_severity(code);
	q->d.line = line;
	q->d.offset = off;
	q->d.msg_offset = p->origin;
	q->part = part;
	q->seq = p->pushed;
}

void
emli_parser_diag_at(struct eml_parser *p, enum eml_diag_code code,
    uint64_t off, unsigned long line)
{
	/* inside a uuencode block, a body check is about the block */
	diag_part(p, p->uu_in ? &p->uu : top_part(p), code, off, line);
}

static unsigned long count_lines(const char *, size_t);

void
emli_parser_diag_in(struct eml_parser *p, enum eml_diag_code code,
    const char *chunk, size_t at)
{
	emli_parser_diag_at(p, code, p->off + at,
	    p->line + count_lines(chunk, at));
}

/* At the window start. */
static void
diag(struct eml_parser *p, enum eml_diag_code code)
{
	emli_parser_diag_at(p, code, p->off, p->line);
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
	return (unsigned long)emli_scan_count_lf(s, n);
}

/* consume() when the caller has counted the n bytes' LFs already */
static void
consume_lines(struct eml_parser *p, const char *w, size_t n,
    unsigned long lfs)
{
	if (n == 0)
		return;
	/* the window start moves: resumable scans start over */
	p->hend = p->hscan = 0;
	p->pline = p->psearch = 0;
	p->line += lfs;
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

/* Mark n bytes of the window as used by the event just pushed. */
static void
consume(struct eml_parser *p, const char *w, size_t n)
{
	if (n > 0)
		consume_lines(p, w, n, count_lines(w, n));
}

/*
 * A step needs more bytes than the window has.  Returns 1 if the window
 * grew, 0 if the caller must feed (or finish), <0 on error.  The window
 * keeps its start, so offsets into it stay valid.
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
		/* window was the caller's: keep its tail */
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
	return frame_at(p, p->top - 1);
}

static void
section_child(char *dst, size_t size, const char *base, unsigned n)
{
	char num[16], *d = num + sizeof(num);
	size_t bl = strlen(base), nl, k;

	/* "%s.%u" by hand: snprintf was a tenth of a header-only parse */
	do
		*--d = (char)('0' + n % 10);
	while ((n /= 10) > 0);
	nl = (size_t)(num + sizeof(num) - d);
	k = EMLI_MIN(bl, size - 1);
	memcpy(dst, base, k);
	if (bl > 0 && k < size - 1)
		dst[k++] = '.';
	memcpy(dst + k, d, EMLI_MIN(nl, size - 1 - k));
	k += EMLI_MIN(nl, size - 1 - k);
	dst[k] = '\0';
	if (bl + (bl > 0) + nl >= size)
		dst[size - 2] = '+';	/* marks a cut-off section */
}

/*
 * Open a new part below the top one (or the root).  Frames are allocated
 * FCHUNK at a time and never moved or freed before the parser, so that
 * ev.part, part->parent and every pointer into a part stay valid from its
 * PART_BEGIN to its PART_END however deep the message nests.
 */
static int
open_part(struct eml_parser *p)
{
	struct frame *f, *parent = p->top > 0 ? cur(p) : NULL;
	char *bnd;
	size_t bndcap;

	if (p->top / FCHUNK >= p->nchunks) {
		struct frame **nf, *c;

		nf = realloc(p->fr, (p->nchunks + 1) * sizeof(*nf));
		if (nf == NULL)
			return EML_ENOMEM;
		p->fr = nf;
		if ((c = calloc(FCHUNK, sizeof(*c))) == NULL)
			return EML_ENOMEM;
		p->fr[p->nchunks++] = c;
	}
	f = frame_at(p, p->top++);
	bnd = f->bnd;
	bndcap = f->bndcap;
	memset(f, 0, sizeof(*f));
	f->bnd = bnd;
	f->bndcap = bndcap;
	f->part.boundary = "";
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

/* RFC 2046 5.1.1: bcharsnospace := DIGIT / ALPHA / "'" / "(" / ")" /
 * "+" / "_" / "," / "-" / "." / "/" / ":" / "=" / "?"; bchars adds " ",
 * which may not be last. */
static int
bchars_ok(const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = b[i];

		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || strchr("'()+_,-./:=? ", c) != NULL)
			continue;
		return 0;
	}
	return n > 0 && b[n - 1] != ' ';
}

/* Copy a UTF-8 string into dst[size], cut before a character that does
 * not fit whole. */
static void
utf8_cut_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* EML_ENOMEM if the value could not be read whole: a structure guessed
 * from part of it (multipart/mixed without its boundary) would be a
 * wrong parse reported as a right one. */
static int
header_ctype(struct eml_parser *p, struct frame *f, const char *v,
    size_t n)
{
	struct eml_ctype ct;
	const char *val;
	unsigned c;

	memset(&ct, 0, sizeof(ct));
	if (eml_ctype_parse(v, n, &ct) < 0) {
		eml_ctype_free(&ct);
		return EML_ENOMEM;
	}
	if (ct.type[0] == '\0' || ct.subtype[0] == '\0') {
		/* RFC 2045 5.2: an invalid type is text/plain */
		f->ctype_invalid = 1;
		diag(p, EML_D_CTYPE_INVALID);
	} else {
		snprintf(f->part.ctype, sizeof(f->part.ctype), "%s/%s",
		    ct.type, ct.subtype);
	}
	/* [fields] every parameter defect is a diagnostic (conflicting
	 * parameters, param-trailing-junk, rfc2231-invalid, raw 8-bit,
	 * encoded-words); ctype-invalid was decided above */
	for (c = 1; c < EML_D__COUNT; c++)
		if (c != EML_D_CTYPE_INVALID &&
		    eml_defects_has(&ct.params.defects, c))
			diag(p, c);
	if ((val = eml_params_get(&ct.params, "charset")) != NULL) {
		size_t i;

		emli_strlcpy(f->part.charset, val, strlen(val),
		    sizeof(f->part.charset));
		for (i = 0; f->part.charset[i] != '\0'; i++)
			f->part.charset[i] = EMLI_LOWER(f->part.charset[i]);
	}
	if (!f->fname_cd && (val = eml_params_get(&ct.params, "name")) != NULL)
		utf8_cut_copy(f->part.filename, sizeof(f->part.filename), val);
	if (strcmp(ct.type, "multipart") == 0) {
		size_t blen;

		val = eml_params_get(&ct.params, "boundary");
		blen = val != NULL ? strlen(val) : 0;
		if (blen == 0) {
			diag(p, EML_D_MULTIPART_NO_BOUNDARY);
		} else if (blen > p->o.max_boundary) {
			/* compared whole or not at all: a prefix match lets an
			 * inner multipart take the outer one's delimiters */
			diag(p, EML_D_BOUNDARY_TOO_LONG);
		} else {
			if (blen > 70)
				diag(p, EML_D_BOUNDARY_TOO_LONG);
			if (!bchars_ok(val, blen))
				diag(p, EML_D_BOUNDARY_BAD_CHARS);
			/* "--b--" is then a delimiter of b, and the close
			 * delimiter of "b" without its dashes */
			if (blen >= 2 && val[blen - 1] == '-' &&
			    val[blen - 2] == '-')
				diag(p, EML_D_BOUNDARY_DASH_END);
			if (f->bndcap < blen + 1) {
				char *nb = realloc(f->bnd, blen + 1);

				if (nb == NULL) {
					eml_ctype_free(&ct);
					return EML_ENOMEM;
				}
				f->bnd = nb;
				f->bndcap = blen + 1;
			}
			memcpy(f->bnd, val, blen + 1);
			f->part.boundary = f->bnd;
			f->part.boundary_len = blen;
			f->part.is_multipart = 1;
			f->is_digest = strcmp(ct.subtype, "digest") == 0;
		}
	}
	eml_ctype_free(&ct);
	return EML_OK;
}

static int
header_cd(struct eml_parser *p, struct frame *f, const char *v, size_t n)
{
	struct eml_ctype cd;
	const char *fn;

	memset(&cd, 0, sizeof(cd));
	if (eml_disposition_parse(v, n, &cd) < 0) {
		/* as header_ctype: no attachment silently made inline */
		eml_ctype_free(&cd);
		return EML_ENOMEM;
	}
	emli_strlcpy(f->part.disposition, cd.type, strlen(cd.type),
	    sizeof(f->part.disposition));
	/* emli_params_join gives filename* (RFC 2231) over filename */
	fn = eml_params_get(&cd.params, "filename");
	if (fn != NULL && *fn != '\0') {
		utf8_cut_copy(f->part.filename, sizeof(f->part.filename), fn);
		f->fname_cd = 1;
	}
	if (strcmp(cd.type, "attachment") == 0 || fn != NULL)
		f->part.is_attachment = 1;
	eml_ctype_free(&cd);
	return EML_OK;
}

/* Look at the fields that shape the MIME structure.  EML_OK or
 * EML_ENOMEM. */
static int
header_seen(struct eml_parser *p, const char *name, size_t nlen,
    const char *v, size_t vlen)
{
	struct frame *f = cur(p);
	struct eml_defects fd;
	unsigned c;

	/* The caller reads the fields and stops: no structure to find. */
	if (p->o.flags & EML_PARSE_HEADERS_ONLY)
		return EML_OK;
	/* [fields] header-value defects become diagnostics at the field's
	 * line and offset (emli_field_check, lib/fieldcheck.c);
	 * Content-Type's are emitted by header_ctype from its own parse */
	if (!(p->o.flags & EML_PARSE_NO_FIELD_CHECK) &&
	    !emli_eqi(name, nlen, "content-type") &&
	    emli_field_check(name, nlen, v, vlen, p->o.fallback_charset,
	    f->message_level ? EMLI_FC_MESSAGE : 0, &fd) == EML_OK &&
	    eml_defects_any(&fd))
		for (c = 1; c < EML_D__COUNT; c++)
			if (eml_defects_has(&fd, c))
				diag(p, c);
	/* [fields] end */

	if (nlen < 12 || strncasecmp(name, "content-", 8) != 0) {
		if (emli_eqi(name, nlen, "mime-version"))
			f->saw_mime_version = 1;
		return EML_OK;
	}
	if (emli_eqi(name, nlen, "content-type")) {
		if (f->saw_ctype++) {
			diag(p, EML_D_CONFLICTING_HEADER);
			return EML_OK;
		}
		f->part.ctype[0] = '\0';
		if (header_ctype(p, f, v, vlen) < 0)
			return EML_ENOMEM;
		if (f->part.ctype[0] == '\0')
			strcpy(f->part.ctype, "text/plain");
	} else if (emli_eqi(name, nlen, "content-transfer-encoding")) {
		if (f->saw_cte++) {
			diag(p, EML_D_CONFLICTING_HEADER);
			return EML_OK;
		}
		f->part.cte = eml_cte_parse(v, vlen);
		if (f->part.cte == EML_CTE_UNKNOWN)
			diag(p, EML_D_CTE_UNKNOWN);
	} else if (emli_eqi(name, nlen, "content-disposition")) {
		if (f->saw_cd++) {
			diag(p, EML_D_CONFLICTING_HEADER);
			return EML_OK;
		}
		return header_cd(p, f, v, vlen);
	}
	return EML_OK;
}

/* A message that is not multipart has its body at S.1. */
static void
leaf_section(struct frame *f)
{
	struct eml_part *pt = &f->part;
	char base[sizeof(pt->section)];

	if (!f->message_level)
		return;
	strcpy(base, pt->section);
	section_child(pt->section, sizeof(pt->section), base, 1);
}

/* Diagnostics of the header block as a whole are placed after its blank
 * line (end_headers sets hd_off and hd_line), where the body starts. */
static void
diag_hd(struct eml_parser *p, enum eml_diag_code code)
{
	emli_parser_diag_at(p, code, p->hd_off, p->hd_line);
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
		diag_hd(p, EML_D_NO_MIME_VERSION);
	if (pt->is_multipart) {
		if (pt->cte == EML_CTE_BASE64 || pt->cte == EML_CTE_QP)
			diag_hd(p, EML_D_CTE_ON_COMPOSITE);
		if (!container_ok) {
			diag_hd(p, p->parts_capped ? EML_D_PARTS_LIMIT :
			    EML_D_DEPTH_LIMIT);
			pt->is_multipart = 0;
		}
	}
	if (strcmp(pt->ctype, "message/rfc822") == 0 ||
	    strcmp(pt->ctype, "message/global") == 0) {
		/* RFC 2046 5.2.1: an encoded message is opaque to us */
		if (pt->cte == EML_CTE_BASE64 || pt->cte == EML_CTE_QP) {
			diag_hd(p, EML_D_CTE_ON_COMPOSITE);
		} else if (!container_ok) {
			diag_hd(p, EML_D_DEPTH_LIMIT);
		} else {
			pt->is_message = 1;
		}
	}
	if (!pt->is_multipart)
		leaf_section(f);
	f->mp = pt->is_multipart ? MP_PREAMBLE : MP_NONE;
	eml_decoder_init(&f->dec, pt->is_multipart || pt->is_message ?
	    EML_CTE_BINARY : pt->cte);
	/* munpack and GMime find "begin" blocks in plain text bodies; one
	 * in a QP or base64 body would need the decoded lines */
	f->uu_scan = !(p->o.flags & EML_PARSE_NO_UUENCODE) &&
	    !pt->is_multipart && !pt->is_message &&
	    strcmp(pt->ctype, "text/plain") == 0 &&
	    (pt->cte == EML_CTE_7BIT || pt->cte == EML_CTE_8BIT ||
	    pt->cte == EML_CTE_BINARY);
	p->ubol = 1;
	p->ulen = 0;
	p->uover = 0;
	/* diag branch hook: body-level checks of a leaf (bodycheck.c) */
	if (!pt->is_multipart && !pt->is_message)
		emli_bodycheck_init(&f->bc, pt->cte,
		    strncmp(pt->ctype, "text/", 5) == 0,
		    (p->mbox_from ? EMLI_BC_MBOX : 0) |
		    (p->o.flags & EML_PARSE_NO_UUENCODE ? EMLI_BC_NO_UU : 0),
		    p->o.max_diags);
}

/* ------------------------------------------------------------------ */
/* Delimiter lines */

/* Length of the EOL that ends at s[i] ('\n'): 1 or 2. */
static size_t
eol_len(const char *s, size_t i)
{
	return i > 0 && s[i - 1] == '\r' ? 2 : 1;
}

enum { DL_NO = 0, DL_YES = 1, DL_MORE = -1 };

/*
 * Is the line starting at s (n bytes of it are here, s[0..1] == "--") a
 * delimiter of an open multipart?  RFC 2046 5.1.1: "--" boundary, "--"
 * for the close delimiter, transport padding (LWSP of any length; a bare
 * CR is taken as padding too), EOL.  The boundary is compared whole.
 * Anything else after the boundary ("--b--x", "--b---", "--bx") makes the
 * line text, as GMime and Python's email read it.  Returns DL_YES (*d
 * filled), DL_NO (d->suffix set for "--b--x") or DL_MORE: the bytes here
 * do not decide.  Work per call is bounded by the boundaries' lengths
 * (plus new padding: p->dl_* remember how much was seen), so a long
 * "--" line fed a byte at a time costs linear time.  Padding over
 * max_header_bytes is taken as a delimiter without waiting for its EOL
 * (d->committed), so memory stays bounded.
 */
static int
delim_check(struct eml_parser *p, const char *s, size_t n, int eof,
    uint64_t lineoff, struct dline *d)
{
	unsigned i;
	int more_needed = 0;

	memset(d, 0, sizeof(*d));
	if (n < 2 || s[0] != '-' || s[1] != '-' || p->parts_capped)
		return n < 2 && !eof ? DL_MORE : DL_NO;
	for (i = p->top; i-- > 0;) {
		struct frame *f = frame_at(p, i);
		size_t blen = f->part.boundary_len, m = n - 2, rest, k;
		const char *r;
		int close = 0;

		if (f->mp != MP_PREAMBLE && f->mp != MP_CHILD)
			continue;
		if (m < blen) {
			if (!eof && memcmp(s + 2, f->part.boundary, m) == 0)
				more_needed = 1;
			continue;
		}
		if (memcmp(s + 2, f->part.boundary, blen) != 0)
			continue;
		r = s + 2 + blen;
		rest = m - blen;
		k = 0;
		if (rest >= 1 && r[0] == '-') {
			if (rest == 1) {
				if (!eof)
					more_needed = 1;
				continue;
			}
			if (r[1] != '-')
				continue;	/* "--b-x": maybe a longer one */
			close = 1;
			k = 2;
		}
		if (p->dl_off == lineoff && p->dl_frame == i &&
		    p->dl_scan > k && p->dl_scan <= rest)
			k = p->dl_scan;
		while (k < rest && (EMLI_WSP(r[k]) || r[k] == '\r'))
			k++;
		if (k < rest) {
			if (r[k] != '\n') {
				if (close)
					d->suffix = 1;
				continue;
			}
			d->len = 2 + blen + k + 1;
		} else if (eof) {
			d->len = n;
		} else if (k - 2 * close > p->o.max_header_bytes) {
			d->len = n;
			d->committed = 1;
		} else {
			p->dl_off = lineoff;
			p->dl_frame = i;
			p->dl_scan = k;
			more_needed = 1;
			continue;
		}
		d->level = i + 1;
		d->close = close;
		d->pad = k - 2 * close;
		d->suffix = 0;
		return DL_YES;
	}
	return more_needed ? DL_MORE : DL_NO;
}

/*
 * A delimiter of the multipart at stack index d->level - 1 was found at
 * the window start: len bytes, from the EOL before it to the one after
 * it.  The parts above close first (S_UNWIND), then it is emitted.
 */
static void
begin_unwind(struct eml_parser *p, const struct dline *d, size_t len)
{
	p->delim = *d;
	p->delim.pre = len - d->len;
	p->delim.len = len;
	p->delim_level = d->level - 1;
	p->state = S_UNWIND;
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

/* Headers of the top part are over (raw = the blank line, or empty).  A
 * multipart first looks for its delimiter (S_PROBE) before HEADERS_END,
 * since a multipart without one is a leaf. */
static int
end_headers(struct eml_parser *p, const char *w, size_t len)
{
	struct eml_event *ev;

	p->hd_off = p->off + len;
	p->hd_line = p->line + (len > 0);
	headers_done(p);
	if (cur(p)->part.is_multipart) {
		p->probe_sep = len;
		p->pline = p->psearch = len;
		p->state = S_PROBE;
		return 1;
	}
	ev = push(p, EML_EV_HEADERS_END);
	ev->raw = w;
	ev->raw_len = len;
	consume(p, w, len);
	cur(p)->part.body_offset = p->off;
	p->state = S_BODY;
	return 1;
}

/* Line-level checks of one whole field w[0..end) at the window start:
 * each line over 998 octets, the first bare CR, NUL, and the first EOL
 * that differs from the message's first (RFC 5322 2.1.1, 2.3). */
static void
field_checks(struct eml_parser *p, const char *w, size_t end)
{
	size_t ls = 0;
	unsigned long ln = p->line;
	int cr = 0;
	const char *q;

	while (ls < end) {
		const char *nl = memchr(w + ls, '\n', end - ls);
		size_t le = nl != NULL ? (size_t)(nl - w) : end, len = le - ls;

		if (nl != NULL && le > ls && w[le - 1] == '\r')
			len--;
		if (len > LINE_MAX_5322)
			emli_parser_diag_at(p, EML_D_HEADER_LINE_LONG,
			    p->off + ls, ln);
		if (nl != NULL && !p->saw_mixed) {
			int crlf = le > 0 && w[le - 1] == '\r';

			if (crlf)
				p->saw_crlf = 1;
			else
				p->saw_lf = 1;
			if (p->saw_crlf && p->saw_lf) {
				p->saw_mixed = 1;
				emli_parser_diag_at(p, EML_D_MIXED_EOL,
				    p->off + ls, ln);
			}
		}
		/* the CR of a CRLF is not in len: any CR in it is bare */
		if (!cr && (q = memchr(w + ls, '\r', len)) != NULL) {
			cr = 1;
			emli_parser_diag_at(p, EML_D_BARE_CR, p->off + (q - w),
			    ln);
		}
		ln++;
		ls = le + 1;
	}
	if ((q = memchr(w, '\0', end)) != NULL)
		emli_parser_diag_at(p, EML_D_HEADER_NUL, p->off + (q - w),
		    p->line + count_lines(w, q - w));
}

/* Only SP, HT, CR and LF in s[0..n). */
static int
all_wsp(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!EMLI_WSP(s[i]) && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

static int
step_headers(struct eml_parser *p)
{
	const char *w, *nl, *colon;
	size_t n, end, pos, lineend, lim = p->o.max_header_bytes;
	struct frame *f = cur(p);
	struct eml_event *ev;
	struct dline d;
	int truncated = 0, isdelim, scan0;
	unsigned long lfs = 0;		/* LFs the scan found */
	size_t l1 = 0;			/* the first one */

	window(p, &w, &n);
	if (n == 0) {
		if (!at_eof(p))
			return 0;
		if (f->nheaders > 0)
			diag(p, EML_D_NO_HEADER_END);
		else if (p->top > 1)
			diag(p, EML_D_PART_NO_HEADERS);
		end_headers(p, w, 0);
		if (p->state == S_BODY)
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
	 * it that start with WSP.  hend and hscan remember how far an
	 * earlier try got (the last whole line, and how far the LF search
	 * went), so a field fed a byte at a time is scanned once.
	 */
	end = p->hend;
	pos = EMLI_MAX(p->hscan, end);
	/* A scan from the window start sees every LF of the field: the
	 * first one ends the first line, and their count is the lines to
	 * consume, so neither needs another memchr. */
	scan0 = end == 0 && pos == 0;
	for (;;) {
		size_t upto = EMLI_MIN(n, lim + 1);

		if (end > 0 && w[end - 1] == '\n') {
			/* at a line start: WSP continues the field */
			if (end >= n) {
				if (!at_eof(p) && n <= lim) {
					p->hend = p->hscan = end;
					return more(p);
				}
				break;
			}
			if (!EMLI_WSP(w[end]))
				break;
		}
		nl = pos < upto ? memchr(w + pos, '\n', upto - pos) : NULL;
		if (nl == NULL) {
			if (n <= lim && !at_eof(p)) {
				p->hend = end;
				p->hscan = upto;
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
		end = pos = nl - w + 1;
		if (lfs++ == 0)
			l1 = end - 1;
	}
	/* truncated: the last LF seen may lie past the cut */
	if (truncated)
		scan0 = 0;
	nl = !scan0 ? memchr(w, '\n', end) : lfs > 0 ? w + l1 : NULL;
	lineend = nl != NULL ? (size_t)(nl - w) : end;
	/* a delimiter line ends a part that has no blank line */
	isdelim = w[0] == '-' && delim_check(p, w, nl != NULL ? lineend + 1 :
	    lineend, 1, p->off, &d) == DL_YES;
	if (isdelim) {
		diag(p, f->nheaders == 0 ? EML_D_PART_NO_HEADERS :
		    EML_D_NO_HEADER_END);
		return end_headers(p, w, 0);
	}
	if (EMLI_WSP(w[0]) && f->nheaders == 0 && p->top == 1 &&
	    all_wsp(w, end)) {
		/*
		 * Lines of only WSP before the message's first field: not
		 * the blank line that ends the header block (RFC 5322 2.2,
		 * 3.5: that line is empty), and there is no field for them
		 * to fold into.  mblaze and Python read the fields below,
		 * so they are skipped as raw bytes and reading goes on.
		 */
		diag(p, EML_D_LEADING_BLANK);
		if (!(p->o.flags & EML_PARSE_HEADERS_ONLY))
			field_checks(p, w, end);
		ev = push(p, EML_EV_RAW);
		ev->raw = w;
		ev->raw_len = end;
		consume(p, w, end);
		return 1;
	}
	if (EMLI_WSP(w[0]) && f->nheaders == 0 && p->top > 1) {
		/*
		 * A part's first header line starts with WSP: GMime and
		 * Python skip that line and read the fields below it, so
		 * reading it as body would hide them (and the attachment
		 * they describe).  The line is kept as raw bytes.
		 */
		diag(p, EML_D_PART_LEADING_WSP);
		field_checks(p, w, end);
		if (truncated) {
			diag(p, EML_D_HEADER_TOO_LONG);
			p->state = S_SKIP_FIELD;
		}
		ev = push(p, EML_EV_RAW);
		ev->raw = w;
		ev->raw_len = end;
		consume(p, w, end);
		return 1;
	}
	colon = memchr(w, ':', lineend);
	if (colon == NULL || EMLI_WSP(w[0]) ||
	    (colon > w && !valid_name(w, colon - w))) {
		if (f->nheaders == 0 && EMLI_WSP(w[0]))
			diag(p, EML_D_LEADING_BLANK);
		else if (colon != NULL && !EMLI_WSP(w[0]))
			diag(p, EML_D_HEADER_BAD_NAME);
		else
			diag(p, EML_D_HEADER_NO_COLON);
		return end_headers(p, w, 0);
	}
	if (!(p->o.flags & EML_PARSE_HEADERS_ONLY))
		field_checks(p, w, end);
	if (end == n && at_eof(p) && w[end - 1] != '\n')
		emli_parser_diag_at(p, EML_D_TRUNCATED, p->off + end,
		    p->line + count_lines(w, end));
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
	if (colon == w) {
		/* ": x": Python's email reads it as a field and goes on, so
		 * ending the header block here would hide the rest */
		diag(p, EML_D_HEADER_EMPTY_NAME);
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
	if (header_seen(p, ev->name, ev->name_len, ev->value,
	    ev->value_len) < 0) {
		snprintf(p->errmsg, sizeof(p->errmsg),
		    "out of memory reading a Content-* field");
		return EML_ENOMEM;
	}
	consume_lines(p, w, end, scan0 ? lfs : count_lines(w, end));
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

/* A UTF-8 byte order mark before the first header (some Windows tools
 * write one): skipped as raw bytes, else every header would be lost. */
static int
step_bom(struct eml_parser *p)
{
	static const char bom[] = "\xef\xbb\xbf";
	const char *w;
	size_t n;
	struct eml_event *ev;

	window(p, &w, &n);
	if (n < 3 && !at_eof(p) && memcmp(w, bom, n) == 0)
		return more(p);
	p->state = S_MBOX_FROM;
	if (n < 3 || memcmp(w, bom, 3) != 0)
		return 1;
	diag(p, EML_D_BOM);
	ev = push(p, EML_EV_RAW);
	ev->raw = w;
	ev->raw_len = 3;
	consume(p, w, 3);
	cur(p)->part.offset = p->off;
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
		if (frame_at(p, i)->mp == MP_PREAMBLE ||
		    frame_at(p, i)->mp == MP_CHILD)
			return 1;
	return 0;
}

/*
 * A multipart's headers are over and HEADERS_END waits: look for its
 * first delimiter.  RFC 2046 gives a multipart without one no parts; GMime
 * reads its body as one leaf, and so do we, so that its text stays
 * reachable (an outer delimiter or the end of input first means there is
 * none).  The bytes looked at are held, up to max_header_bytes: past that
 * the multipart stands and what follows is its preamble.
 */
static int
step_probe(struct eml_parser *p)
{
	struct frame *f = cur(p);
	struct eml_event *ev;
	const char *w, *nl;
	size_t n, pos;
	struct dline d;
	int eof = at_eof(p), leaf = 0, r;

	window(p, &w, &n);
	for (;;) {
		pos = p->pline;
		if (pos >= n) {
			if (eof) {
				leaf = 1;
				break;
			}
			goto wait;
		}
		if (p->psearch == pos && w[pos] == '-') {
			r = delim_check(p, w + pos, n - pos, eof, p->off + pos,
			    &d);
			if (r == DL_MORE)
				goto wait;
			if (r == DL_YES) {
				leaf = d.level != p->top;
				break;
			}
		}
		if (p->psearch < pos)
			p->psearch = pos;
		nl = memchr(w + p->psearch, '\n', n - p->psearch);
		if (nl == NULL) {
			p->psearch = n;
			if (eof) {
				leaf = 1;
				break;
			}
			goto wait;
		}
		p->pline = p->psearch = nl - w + 1;
	}
	if (leaf) {
		struct eml_part *pt = &f->part;

		pt->is_multipart = 0;
		f->mp = MP_NONE;
		f->is_digest = 0;
		leaf_section(f);
		eml_decoder_init(&f->dec, pt->cte);
		/* diag hook: the leaf's body checks (bodycheck.c) */
		emli_bodycheck_init(&f->bc, pt->cte, 0,
		    (p->mbox_from ? EMLI_BC_MBOX : 0) | EMLI_BC_NO_UU,
		    p->o.max_diags);
		/* where the search ended (the end of the input, or the outer
		 * delimiter), in the leaf's section */
		emli_parser_diag_at(p, EML_D_BOUNDARY_NOT_FOUND, p->off +
		    EMLI_MIN(pos, n), p->line + count_lines(w, EMLI_MIN(pos, n)));
	}
	goto done;
wait:
	if (n - p->probe_sep <= p->o.max_header_bytes) {
		size_t pl = p->pline, ps = p->psearch;

		r = more(p);
		p->pline = pl;
		p->psearch = ps;
		return r;
	}
	/* too long to hold: the multipart stands */
done:
	ev = push(p, EML_EV_HEADERS_END);
	ev->raw = w;
	ev->raw_len = p->probe_sep;
	consume(p, w, p->probe_sep);
	f->part.body_offset = p->off;
	p->pline = p->psearch = 0;
	p->state = S_BODY;
	return 1;
}

/* diag branch hook: bodycheck.c reports an occurrence at the position
 * it found (in a uuencode block: the block's part). */
static void
body_diag(void *arg, enum eml_diag_code code, unsigned long line,
    uint64_t off)
{
	emli_parser_diag_at(arg, code, off, line);
}

/* "begin" SP 1*ODIGIT 1*SP name (uu.c's rule); *name_r is the name. */
static int
uu_begin_line(const char *l, size_t n, const char **name_r, size_t *nlen_r)
{
	size_t i = 6, d = 0;

	if (n < 8 || memcmp(l, "begin ", 6) != 0)
		return 0;
	while (i < n && l[i] >= '0' && l[i] <= '7') {
		i++;
		d++;
	}
	if (d == 0 || i >= n || l[i] != ' ')
		return 0;
	while (i < n && l[i] == ' ')
		i++;
	if (i >= n)
		return 0;
	*name_r = l + i;
	*nlen_r = n - i;
	return 1;
}

/* The uuencode part on top of the text part: push its event. */
static struct eml_event *
uu_push(struct eml_parser *p, enum eml_event_type type)
{
	struct eml_event *ev = push(p, type);

	ev->part = &p->uu;
	return ev;
}

/* The block ends (after its "end" line, or with its text part). */
static int
uu_close(struct eml_parser *p)
{
	struct eml_event *ev;
	if (p->o.flags & EML_PARSE_DECODE) {
		char *o = eml_buf_reserve(&p->udec, 128);
		size_t k;

		if (o == NULL)
			return EML_ENOMEM;
		if ((k = eml_decoder_finish(&p->uudec, o)) > 0) {
			ev = uu_push(p, EML_EV_BODY);
			ev->data = o;
			ev->data_len = k;
			p->uu.decoded_size += k;
		}
	}
	p->uu.end_offset = p->off;
	uu_push(p, EML_EV_PART_END);
	p->uu_in = 0;
	return 0;
}

/* The window starts with a "begin" line: the block's part begins. */
static void
uu_open(struct eml_parser *p, const char *name, size_t nlen)
{
	struct frame *f = cur(p);
	struct eml_part *u = &p->uu;
	size_t i;

	memset(u, 0, sizeof(*u));
	u->parent = &f->part;
	u->depth = f->part.depth + 1;
	f->uu_blocks++;
	f->part.nchildren++;
	if ((size_t)snprintf(u->section, sizeof(u->section), "%s.u%u",
	    f->part.section, f->uu_blocks) >= sizeof(u->section))
		u->section[sizeof(u->section) - 2] = '+';
	strcpy(u->ctype, "application/octet-stream");
	u->boundary = "";
	u->cte = EML_CTE_UUENCODE;
	u->is_attachment = 1;
	u->is_uu_block = 1;
	strcpy(u->disposition, "attachment");
	/* the name is raw bytes: kept when it is UTF-8, else 8-bit -> '_' */
	emli_strlcpy(u->filename, name, nlen, sizeof(u->filename));
	if (!eml_utf8_valid(u->filename, strlen(u->filename)))
		for (i = 0; u->filename[i] != '\0'; i++)
			if ((unsigned char)u->filename[i] >= 0x80)
				u->filename[i] = '_';
	u->offset = u->body_offset = p->off;
	u->line = p->line;
	p->uu_in = 1;
	p->ubol = 1;
	uu_push(p, EML_EV_PART_BEGIN);
	uu_push(p, EML_EV_HEADERS_END);
	eml_decoder_init(&p->uudec, EML_CTE_UUENCODE);
}

enum { UU_NO, UU_BEGIN, UU_MORE };

/* Is the line at s (n bytes here; complete: it ends at n) a "begin"
 * line?  Decided from as few bytes as possible, so that only a line that
 * may be one is held (at most UU_LINE_MAX bytes). */
static int
uu_begin_check(const char *s, size_t n, int complete, const char **name_r,
    size_t *nlen_r)
{
	const char *nl = memchr(s, '\n', EMLI_MIN(n, (size_t)UU_LINE_MAX));
	size_t len = nl != NULL ? (size_t)(nl - s) : EMLI_MIN(n,
	    (size_t)UU_LINE_MAX);

	if (memcmp(s, "begin ", EMLI_MIN(len, (size_t)6)) != 0)
		return UU_NO;
	if (nl == NULL && !complete)
		return n >= UU_LINE_MAX ? UU_NO : UU_MORE;
	while (len > 0 && (s[len - 1] == '\r' || EMLI_WSP(s[len - 1])))
		len--;
	return uu_begin_line(s, len, name_r, nlen_r) ? UU_BEGIN : UU_NO;
}

/*
 * Emit up to n bytes of w as body of the top part.  final: w[n] ends a
 * line (a delimiter follows, or the input ended).  In a text part that
 * is searched for uuencode blocks, a "begin" line starts a part of its
 * own whose BODY is the block up to its "end" line; a line that may be a
 * "begin" line is held until decided.  Returns the bytes emitted (fewer
 * than n when a block starts or ends in them, 0: need more input) or <0.
 */
static long
emit_body(struct eml_parser *p, const char *w, size_t n, int final)
{
	struct frame *f = cur(p);
	struct eml_event *ev;
	enum eml_event_type t = EML_EV_BODY;
	struct eml_part *pt = &f->part;
	struct eml_decoder *dec = &f->dec;
	struct eml_buf *db = &p->dec;
	int closing = 0;

	if (n == 0)
		return 0;
	if (f->mp == MP_PREAMBLE)
		t = EML_EV_PREAMBLE;
	else if (f->mp == MP_EPILOGUE || f->mp == MP_CHILD)
		t = EML_EV_EPILOGUE;	/* MP_CHILD can't reach here */
	if (t == EML_EV_BODY && f->uu_scan && !p->uu_in) {
		size_t ls = p->at_bol ? 0 : n;
		const char *nl, *name;
		size_t nlen;
		int r;

		if (!p->at_bol && (nl = memchr(w, '\n', n)) != NULL)
			ls = nl - w + 1;
		while (ls < n) {
			if (w[ls] == 'b') {
				r = uu_begin_check(w + ls, n - ls, final,
				    &name, &nlen);
				if (r == UU_MORE) {
					n = ls;
					break;
				}
				if (r == UU_BEGIN) {
					if (ls > 0) {
						n = ls;
						break;
					}
					uu_open(p, name, nlen);
					return 0;	/* events; body next */
				}
			}
			/* only a line starting with 'b' can be "begin" */
			ls = emli_scan_bol(w, n, ls + 1, "b", 1);
		}
		if (n == 0)
			return 0;
	} else if (t == EML_EV_BODY && p->uu_in) {
		/* the block's lines, up to the end of its "end" line */
		size_t i = 0;

		pt = &p->uu;
		dec = &p->uudec;
		db = &p->udec;
		while (i < n) {
			const char *nl;
			size_t seg, k, len;

			if (p->ubol) {
				p->ulen = 0;
				p->uover = 0;
				p->ubol = 0;
			}
			nl = memchr(w + i, '\n', n - i);
			seg = (nl != NULL ? (size_t)(nl - w) + 1 : n) - i;
			k = EMLI_MIN(seg, UU_LINE_MAX - p->ulen);
			memcpy(p->uline + p->ulen, w + i, k);
			p->ulen += k;
			if (k < seg)
				p->uover = 1;
			i += seg;
			if (nl == NULL && !(final && i == n))
				break;
			p->ubol = 1;
			len = p->ulen - (nl != NULL);
			while (len > 0 && (p->uline[len - 1] == '\r' ||
			    EMLI_WSP(p->uline[len - 1])))
				len--;
			if (!p->uover && len == 3 &&
			    memcmp(p->uline, "end", 3) == 0) {
				n = i;
				closing = 1;
				break;
			}
		}
	}
	ev = push(p, t);
	ev->raw = w;
	ev->raw_len = n;
	pt->raw_size += n;
	if (pt == &p->uu)
		ev->part = pt;
	/* diag hook: a block's bytes are its text part's body too */
	if (t == EML_EV_BODY && !(p->o.flags & EML_PARSE_NO_BODY_CHECK))
		emli_bodycheck_feed(&f->bc, w, n, p->off, p->line, body_diag,
		    p);
	if (t == EML_EV_BODY && (p->o.flags & EML_PARSE_DECODE)) {
		char *o = eml_buf_reserve(db, eml_decoder_max(dec, n));

		if (o == NULL) {
			snprintf(p->errmsg, sizeof(p->errmsg),
			    "out of memory decoding %zu bytes", n);
			return EML_ENOMEM;
		}
		ev->data = o;
		ev->data_len = eml_decoder_step(dec, w, n, o);
		pt->decoded_size += ev->data_len;
	}
	consume(p, w, n);
	if (closing && uu_close(p) < 0)
		return EML_ENOMEM;
	return (long)n;
}

static int
step_body(struct eml_parser *p)
{
	const char *w, *nl;
	size_t n, linestart, eolstart, keep;
	struct dline d;
	int r, eof = at_eof(p);
	long k;

	window(p, &w, &n);
	if (n == 0)
		return eof ? (p->state = S_EOF, 1) : 0;
	if (!any_boundary(p)) {
		if ((k = emit_body(p, w, n, eof)) < 0)
			return EML_ENOMEM;
		return k > 0 || p->qn > 0 ? 1 : more(p);
	}
	/*
	 * Look at each line start for "--" and check such lines
	 * (delim_check decides as early as the bytes allow).  Bytes before
	 * an EOL at the window end, or before a "--" line not decided yet,
	 * wait for more input: the EOL may belong to a delimiter.  keep is
	 * where the undecided bytes start.
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
			r = delim_check(p, w + linestart, n - linestart, eof,
			    p->off + linestart, &d);
			if (r == DL_MORE)
				goto tail;
			if (r == DL_YES) {
				if ((k = emit_body(p, w, eolstart, 1)) < 0)
					return EML_ENOMEM;
				/* a uuencode block cut the body short: the
				 * next step finds this delimiter again */
				if ((size_t)k == eolstart) {
					begin_unwind(p, &d, linestart -
					    eolstart + d.len);
					return 1;
				}
				return k > 0 || p->qn > 0 ? 1 : more(p);
			}
			if (d.suffix)
				emli_parser_diag_at(p, EML_D_CLOSE_DELIM_SUFFIX,
				    p->off + linestart, p->line +
				    count_lines(w, linestart));
		}
		/* Only a line starting with '-' can be a delimiter: the
		 * lines between go by in blocks (scan.c).  With none left,
		 * an LF ending the window may still be a delimiter's. */
		linestart = emli_scan_bol(w, n, linestart + 1, "-", 1);
		if (linestart == n) {
			keep = w[n - 1] == '\n' ? n - eol_len(w, n - 1) : n;
			goto tail;
		}
		eolstart = linestart - eol_len(w, linestart - 1);
	}
tail:
	if (eof)
		keep = n;
	else if (keep == n && w[n - 1] == '\r')
		keep = n - 1;	/* may be the CR of a CRLF before "--" */
	if (keep > 0) {
		if ((k = emit_body(p, w, keep, eof)) < 0)
			return EML_ENOMEM;
		if (k > 0 || p->qn > 0)
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

	if (p->uu_in && f->uu_scan) {
		/* a block without "end": uu-truncated comes from bodycheck.c,
		 * at its begin line */
		uu_close(p);
		return;		/* the part itself closes on the next step */
	}
	if (f->mp == MP_PREAMBLE || f->mp == MP_CHILD) {
		diag(p, f->part.nchildren == 0 ? EML_D_BOUNDARY_NOT_FOUND :
		    EML_D_MISSING_CLOSE_DELIM);
	}
	if (f->mp == MP_NONE && !(p->o.flags & EML_PARSE_NO_BODY_CHECK))
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
	if (p->delim.pad > LINE_MAX_5322 || p->delim.committed)
		emli_parser_diag_at(p, EML_D_BOUNDARY_PADDING_LONG,
		    p->off + p->delim.pre, p->line + (p->delim.pre > 0));
	ev = push(p, EML_EV_BOUNDARY);
	ev->raw = w;
	ev->raw_len = p->delim.len;
	ev->is_close = p->delim.close;
	consume(p, w, p->delim.len);
	if (p->delim.close) {
		f->mp = MP_EPILOGUE;
		p->state = S_BODY;
		return 1;
	}
	f->mp = MP_CHILD;
	p->state = S_AFTER_DELIM;
	return 1;
}

/*
 * A delimiter was emitted; the next part opens unless another delimiter
 * of the same multipart follows at once ("--b", "--b"): GMime, Python and
 * MimeKit make no empty part there, so neither do we.  The extra line is
 * one more BOUNDARY event.
 */
static int
step_after_delim(struct eml_parser *p)
{
	struct frame *f = cur(p);
	const char *w;
	size_t n;
	struct dline d;
	struct eml_event *ev;
	int r;

	window(p, &w, &n);
	if (p->at_bol && n > 0 && w[0] == '-') {
		r = delim_check(p, w, n, at_eof(p), p->off, &d);
		if (r == DL_MORE)
			return more(p);
		if (r == DL_YES && d.level == p->top && !d.close) {
			diag(p, EML_D_EMPTY_PART);
			if (d.pad > LINE_MAX_5322 || d.committed)
				diag(p, EML_D_BOUNDARY_PADDING_LONG);
			ev = push(p, EML_EV_BOUNDARY);
			ev->raw = w;
			ev->raw_len = d.len;
			consume(p, w, d.len);
			return 1;
		}
	} else if (p->at_bol && n == 0 && !at_eof(p)) {
		return 0;
	}
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
		p->state = p->top == 1 && p->off == p->origin ? S_BOM :
		    S_HEADERS;
		return 1;
	case S_BOM:
		return step_bom(p);
	case S_MBOX_FROM:
		return step_mbox_from(p);
	case S_HEADERS:
		return step_headers(p);
	case S_SKIP_FIELD:
		return step_skip_field(p);
	case S_PROBE:
		return step_probe(p);
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
	case S_AFTER_DELIM:
		return step_after_delim(p);
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

	while (p->qn == 0 && p->dhead == p->dn) {
		if (p->state == S_DONE)
			return 0;
		if ((r = step(p)) < 0)
			return r;
		if (r == 0 && p->qn == 0 && p->dhead == p->dn)
			return 0;
	}
	if (p->dhead < p->dn && (p->qn == 0 ||
	    p->dq[p->dhead].seq <= p->popped)) {
		/* a diagnostic, in its place among the events */
		struct qdiag *q = &p->dq[p->dhead++];

		memset(ev, 0, sizeof(*ev));
		ev->type = EML_EV_DIAG;
		ev->part = q->part;
		ev->offset = q->d.offset;
		ev->line = q->d.line;
		ev->diag = q->d;
		ev->diag.section = q->section;
		return 1;
	}
	*ev = p->q[p->qhead];
	p->qhead = (p->qhead + 1) % QUEUE_MAX;
	p->qn--;
	p->popped++;
	return 1;
}
