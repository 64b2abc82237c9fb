/*
 * filter_text.c - line-level filters: line-end conversion, SMTP
 * dot-stuffing and unstuffing.
 *
 * Each is a byte state machine whose only state between writes is a few
 * flags, so the output cannot depend on where the input was split.  Runs
 * of bytes that need no change are passed to next as slices of the
 * caller's buffer; changed bytes go through a small stack buffer.
 */
#include <errno.h>

#include "eml_priv.h"

#define OUTBUF	4096

/* Output collected per write call: slices of the input and bytes of our
 * own, in order. */
struct out {
	struct eml_sink *next;
	unsigned char buf[OUTBUF];
	size_t n;
	int err;
};

static void
out_flush(struct out *o)
{
	int r;

	if (o->n > 0 && o->err == EML_OK &&
	    (r = eml_sink_write(o->next, o->buf, o->n)) < 0)
		o->err = r;
	o->n = 0;
}

static void
out_put(struct out *o, const void *p, size_t n)
{
	int r;

	if (n == 0 || o->err != EML_OK)
		return;
	if (o->n + n <= sizeof(o->buf)) {
		memcpy(o->buf + o->n, p, n);
		o->n += n;
		return;
	}
	out_flush(o);
	if (n <= sizeof(o->buf) / 2) {
		memcpy(o->buf, p, n);
		o->n = n;
	} else if ((r = eml_sink_write(o->next, p, n)) < 0)
		o->err = r;
}

static void
out_eol(struct out *o, int crlf)
{
	out_put(o, crlf ? "\r\n" : "\n", crlf ? 2 : 1);
}

static int
out_done(struct out *o)
{
	out_flush(o);
	return o->err;
}

static void
out_init(struct out *o, struct eml_sink *next)
{
	o->next = next;
	o->n = 0;
	o->err = EML_OK;
}

/* ---- line ends ---- */

struct eol_sink {
	struct eml_sink s;
	int crlf;		/* output CRLF (1) or LF (0) */
	int cr;			/* the last byte was a CR not yet written */
	int bol;		/* at the start of a line (dot-stuffing) */
	int dot;		/* dot-stuffing on */
	int end;		/* close ends an unended last line */
};

/*
 * Normalise p[0..n): CRLF, bare LF and bare CR each become one EOL.  A CR
 * at the end of a write is held (the LF may come next).  With dot set,
 * a '.' starting a line is doubled (RFC 5321 4.5.2).
 */
static int
eol_write(struct eml_sink *s, const void *p, size_t n)
{
	struct eol_sink *e = (struct eol_sink *)s;
	const unsigned char *q = p, *end = q + n, *run;
	struct out o;

	out_init(&o, s->next);
	while (q < end && o.err == EML_OK) {
		if (e->cr) {
			/* CR then LF is one line end; a bare CR is one. */
			e->cr = 0;
			out_eol(&o, e->crlf);
			e->bol = 1;
			if (*q == '\n') {
				q++;
				continue;
			}
		}
		if (e->dot && e->bol && *q == '.')
			out_put(&o, ".", 1);
		e->bol = 0;
		run = q;
		while (q < end && *q != '\r' && *q != '\n')
			q++;
		out_put(&o, run, (size_t)(q - run));
		if (q == end)
			break;
		if (*q == '\r')
			e->cr = 1;
		else {
			out_eol(&o, e->crlf);
			e->bol = 1;
		}
		q++;
	}
	return out_done(&o);
}

static int
eol_finish(struct eml_sink *s)
{
	struct eol_sink *e = (struct eol_sink *)s;
	struct out o;

	out_init(&o, s->next);
	if (e->cr) {
		e->cr = 0;
		out_eol(&o, e->crlf);
		e->bol = 1;
	}
	/* Only here is it known whether the last line was ended: a CR
	 * held above is its line end, so a caller that looked at our
	 * output before close, saw no line end and added one, got two (the
	 * BDAT path of smtp.c did).  RFC 5321 4.1.1.4: DATA ends with CRLF
	 * "." CRLF, the CRLF ending the last line being part of it. */
	if ((e->dot || e->end) && !e->bol)
		out_eol(&o, e->crlf);
	if (e->dot)
		out_put(&o, ".\r\n", 3);
	return out_done(&o);
}

static const struct emli_sink_ops eol_ops = { eol_write, eol_finish, NULL };

struct eml_sink *
eml_filter_eol(struct eml_sink *next, int crlf)
{
	struct eol_sink *e;

	e = (struct eol_sink *)emli_sink_new(sizeof(*e), &eol_ops, next, 1);
	if (e == NULL)
		return NULL;
	e->crlf = crlf != 0;
	e->bol = 1;
	return &e->s;
}

struct eml_sink *
eml_filter_eol_end(struct eml_sink *next, int crlf)
{
	struct eml_sink *s = eml_filter_eol(next, crlf);

	if (s != NULL)
		((struct eol_sink *)s)->end = 1;
	return s;
}

struct eml_sink *
eml_filter_dotstuff(struct eml_sink *next)
{
	struct eol_sink *e;

	e = (struct eol_sink *)emli_sink_new(sizeof(*e), &eol_ops, next, 1);
	if (e == NULL)
		return NULL;
	/* SMTP DATA lines end in CRLF only (RFC 5321 2.3.8): bare LFs are
	 * normalised here so the server never has to guess. */
	e->crlf = 1;
	e->bol = 1;
	e->dot = 1;
	return &e->s;
}

/* ---- dot-unstuffing ---- */

enum ust {
	U_BOL,		/* after CRLF (or at the start) */
	U_DOT,		/* a leading '.' was seen (and dropped) */
	U_DOTCR,	/* ".\r" at the start of a line */
	U_MID,		/* inside a line */
	U_CR,		/* a CR inside a line */
	U_END		/* CRLF "." CRLF seen */
};

struct unstuff_sink {
	struct eml_sink s;
	enum ust st;
	uint64_t end;		/* input bytes up to the end line */
};

static int
unstuff_write(struct eml_sink *s, const void *p, size_t n)
{
	struct unstuff_sink *u = (struct unstuff_sink *)s;
	const unsigned char *q = p, *end = q + n, *run;
	struct out o;

	out_init(&o, s->next);
	while (q < end && u->st != U_END && o.err == EML_OK) {
		switch (u->st) {
		case U_BOL:
			/* RFC 5321 4.5.2: a leading period is removed;
			 * alone on its line it ends the data. */
			if (*q == '.') {
				u->st = U_DOT;
				q++;
			} else
				u->st = U_MID;
			break;
		case U_DOT:
			if (*q == '\r') {
				u->st = U_DOTCR;
				q++;
			} else
				u->st = U_MID;
			break;
		case U_DOTCR:
			if (*q == '\n') {
				u->st = U_END;
				q++;
				u->end = s->bytes + (uint64_t)(q -
				    (const unsigned char *)p);
			} else {
				/* ".\rx": the CR was data after all */
				out_put(&o, "\r", 1);
				u->st = U_CR;
			}
			break;
		case U_MID:
			run = q;
			while (q < end && *q != '\r')
				q++;
			out_put(&o, run, (size_t)(q - run));
			if (q < end) {
				out_put(&o, q, 1);
				u->st = U_CR;
				q++;
			}
			break;
		case U_CR:
			/* Only CRLF starts a line: "\n.\n" or "\r.\r" in
			 * the data never ends it (SMTP smuggling). */
			out_put(&o, q, 1);
			if (*q == '\n')
				u->st = U_BOL;
			else if (*q != '\r')
				u->st = U_MID;
			q++;
			break;
		case U_END:
			break;
		}
	}
	/* Bytes after the end line belong to whatever follows the data
	 * (the next reply, the next command): not ours to pass on. */
	return out_done(&o);
}

static int
unstuff_finish(struct eml_sink *s)
{
	return ((struct unstuff_sink *)s)->st == U_END ? EML_OK : EML_EFORMAT;
}

static const struct emli_sink_ops unstuff_ops = {
	unstuff_write, unstuff_finish, NULL
};

struct eml_sink *
eml_filter_dotunstuff(struct eml_sink *next)
{
	struct unstuff_sink *u;

	u = (struct unstuff_sink *)emli_sink_new(sizeof(*u), &unstuff_ops,
	    next, 1);
	if (u == NULL)
		return NULL;
	u->st = U_BOL;
	return &u->s;
}

int
eml_filter_dotunstuff_end(const struct eml_sink *s, uint64_t *end_r)
{
	const struct unstuff_sink *u = (const struct unstuff_sink *)s;

	if (s == NULL || s->ops != &unstuff_ops || u->st != U_END)
		return 0;
	if (end_r != NULL)
		*end_r = u->end;
	return 1;
}
