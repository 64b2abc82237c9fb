/*
 * filter_charset.c - charset conversion through iconv, as a filter.
 *
 * A character split across two writes: iconv stops with EINVAL at an
 * incomplete sequence at the end of its input; those bytes (a few, at
 * most HELD) are kept and completed from the next write, so any chunking
 * converts the same.  The shift state of stateful charsets lives in the
 * iconv descriptor, which the filter keeps for its whole life.
 *
 * Errors: to UTF-8, a byte that is invalid in the source charset becomes
 * U+FFFD (one per byte: iconv does not say how long the bad sequence
 * is), as eml_charset_to_utf8 does for bodies.  To any other charset an
 * invalid input byte or a character the target cannot hold is
 * EML_ECHARSET: glibc reports both as EILSEQ, and a silent '?' in an
 * outgoing message is data loss the caller did not ask for (UTF-8 can
 * hold everything, so the caller has a way out).
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>

#include "eml_priv.h"

#define HELD	16	/* longest incomplete sequence kept (ISO-2022 escapes
			 * and GB18030's 4 bytes are far shorter) */
#define OUTBUF	8192

static const char fffd[] = "\xEF\xBF\xBD";

struct cs_sink {
	struct eml_sink s;
	iconv_t cd;
	int to_utf8;
	unsigned char held[HELD];
	size_t nheld;
};

struct cs_out {
	char buf[OUTBUF];
	char *op;
	size_t oleft;
};

static int
out_flush(struct cs_sink *c, struct cs_out *o)
{
	size_t n = sizeof(o->buf) - o->oleft;

	o->op = o->buf;
	o->oleft = sizeof(o->buf);
	return n > 0 ? eml_sink_write(c->s.next, o->buf, n) : EML_OK;
}

/* A bad byte: U+FFFD to UTF-8, else the conversion fails. */
static int
bad_byte(struct cs_sink *c, struct cs_out *o)
{
	int r;

	if (!c->to_utf8)
		return EML_ECHARSET;
	if (o->oleft < sizeof(fffd) && (r = out_flush(c, o)) < 0)
		return r;
	memcpy(o->op, fffd, 3);
	o->op += 3;
	o->oleft -= 3;
	return EML_OK;
}

/*
 * Convert in[0..len); *used_r gets the bytes consumed.  What is left is
 * an incomplete sequence at the end (fewer than HELD bytes).
 */
static int
convert(struct cs_sink *c, struct cs_out *o, const unsigned char *in,
    size_t len, size_t *used_r)
{
	char *ip = (char *)(uintptr_t)in;
	size_t ileft = len;
	int r;

	while (ileft > 0) {
		if (iconv(c->cd, &ip, &ileft, &o->op, &o->oleft) !=
		    (size_t)-1)
			break;
		if (errno == E2BIG) {
			if ((r = out_flush(c, o)) < 0)
				return r;
			continue;
		}
		if (errno == EINVAL && ileft < HELD)
			break;		/* wait for the rest of it */
		if (errno != EILSEQ && errno != EINVAL)
			return EML_ECHARSET;
		if ((r = bad_byte(c, o)) < 0)
			return r;
		ip++;
		ileft--;
	}
	*used_r = len - ileft;
	return EML_OK;
}

static int
cs_write(struct eml_sink *s, const void *p, size_t n)
{
	struct cs_sink *c = (struct cs_sink *)s;
	const unsigned char *q = p;
	struct cs_out o;
	size_t used;
	int r;

	o.op = o.buf;
	o.oleft = sizeof(o.buf);
	/* Complete a held sequence a byte at a time: only the few bytes
	 * of one character go this slow way. */
	while (c->nheld > 0 && n > 0) {
		c->held[c->nheld++] = *q++;
		n--;
		if ((r = convert(c, &o, c->held, c->nheld, &used)) < 0)
			return r;
		if (used == 0 && c->nheld == HELD) {
			/* never completes: not a character */
			if ((r = bad_byte(c, &o)) < 0)
				return r;
			used = 1;
		}
		memmove(c->held, c->held + used, c->nheld - used);
		c->nheld -= used;
	}
	if (n > 0) {
		if ((r = convert(c, &o, q, n, &used)) < 0)
			return r;
		memcpy(c->held, q + used, n - used);
		c->nheld = n - used;
	}
	return out_flush(c, &o);
}

static int
cs_finish(struct eml_sink *s)
{
	struct cs_sink *c = (struct cs_sink *)s;
	struct cs_out o;
	int r;

	o.op = o.buf;
	o.oleft = sizeof(o.buf);
	/* The input ended inside a character. */
	if (c->nheld > 0 && (r = bad_byte(c, &o)) < 0)
		return r;
	c->nheld = 0;
	/* Back to the initial shift state (ISO-2022-JP's ESC ( B). */
	if (iconv(c->cd, NULL, NULL, &o.op, &o.oleft) == (size_t)-1)
		return EML_ECHARSET;
	return out_flush(c, &o);
}

static void
cs_release(struct eml_sink *s, int discard)
{
	iconv_close(((struct cs_sink *)s)->cd);
}

static const struct emli_sink_ops cs_ops = { cs_write, cs_finish, cs_release };

static int
is_utf8(const char *name)
{
	return strcasecmp(name, "UTF-8") == 0 || strcasecmp(name, "UTF8") == 0;
}

/* iconv options ("//TRANSLIT", "//IGNORE") are not charset names. */
static int
plausible(const char *name)
{
	return name != NULL && name[0] != '\0' && strchr(name, '/') == NULL &&
	    strlen(name) < 64;
}

struct eml_sink *
eml_filter_charset(struct eml_sink *next, const char *from, const char *to)
{
	const char *f, *t;
	struct cs_sink *c;
	iconv_t cd = (iconv_t)-1;

	if (next == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	/* Reading, take the label as real mail means it (aliases);
	 * writing, the exact charset named, if iconv has it. */
	f = plausible(from) ? eml_charset_canon(from) : NULL;
	t = plausible(to) ? to : NULL;
	if (f != NULL && t != NULL && plausible(f) &&
	    (cd = iconv_open(t, f)) == (iconv_t)-1) {
		t = eml_charset_canon(to);
		if (plausible(t))
			cd = iconv_open(t, f);
	}
	if (cd == (iconv_t)-1) {
		eml_sink_abort(next);
		errno = EINVAL;
		return NULL;
	}
	c = (struct cs_sink *)emli_sink_new(sizeof(*c), &cs_ops, next, 1);
	if (c == NULL) {
		iconv_close(cd);
		return NULL;
	}
	c->cd = cd;
	c->to_utf8 = is_utf8(t);
	return &c->s;
}
