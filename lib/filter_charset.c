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
 * is; for UTF-8 input, which is checked here, one per maximal invalid
 * subpart), as eml_charset_to_utf8 does for bodies.  To any other charset an
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
	iconv_t cd;		/* (iconv_t)-1 for UTF-8 to UTF-8 */
	int to_utf8;
	int from_utf8;
	int to_iso2022;		/* ESC is a shift there, not a character */
	unsigned char held[HELD];	/* incomplete for iconv */
	size_t nheld;
	unsigned char u8[4];	/* incomplete UTF-8 input character */
	size_t nu8;
	iconv_t rcd;		/* to -> UTF-8, checking what cd wrote */
	unsigned char *pend;	/* input converted, not yet read back */
	size_t npend;
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

/*
 * One UTF-8 character at s[0..len): its length, 0 if s is the valid
 * start of one that needs more bytes, or -k if s[0..k) is invalid (k is
 * the maximal invalid subpart, Unicode 3.9, so U+FFFD counts match
 * eml_charset_to_utf8's).
 */
static int
u8_char(const unsigned char *s, size_t len)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t need, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		need = 1;
	else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		if (c == 0xE0)
			lo = 0xA0;	/* overlong */
		else if (c == 0xED)
			hi = 0x9F;	/* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		if (c == 0xF0)
			lo = 0x90;	/* overlong */
		else if (c == 0xF4)
			hi = 0x8F;	/* over U+10FFFF */
	} else
		return -1;
	for (i = 1; i <= need; i++) {
		if (i >= len)
			return 0;
		if (s[i] < lo || s[i] > hi)
			return -(int)i;
		lo = 0x80;
		hi = 0xBF;
	}
	return (int)need + 1;
}

/*
 * Read output back and match it against the input it came from (pend):
 * glibc maps some characters one way only ("best fit": CP932 writes
 * U+00A5 YEN SIGN as 0x5C, which reads back as a backslash), and such a
 * silent substitute is the data loss EML_ECHARSET is for.  The input is
 * kept until its output has been read back; a converter that holds a
 * character back (composing ones) only delays the match.
 */
static int
read_back(struct cs_sink *c, const char *out, size_t n, int final)
{
	char back[8192], *ip = (char *)(uintptr_t)out, *op;
	size_t ileft = n, oleft, m, rc;
	int reset = 0;

	for (;;) {
		op = back;
		oleft = sizeof(back);
		if (ileft > 0)
			rc = iconv(c->rcd, &ip, &ileft, &op, &oleft);
		else if (final && !reset) {
			rc = iconv(c->rcd, NULL, NULL, &op, &oleft);
			reset = 1;
		} else
			break;
		if (rc == (size_t)-1 && errno != E2BIG)
			return EML_ECHARSET;
		m = (size_t)(op - back);
		if (m > c->npend || memcmp(back, c->pend, m) != 0)
			return EML_ECHARSET;
		memmove(c->pend, c->pend + m, c->npend - m);
		c->npend -= m;
		if (rc == (size_t)-1)
			reset = 0;	/* E2BIG: go on where it stopped */
	}
	return final && c->npend > 0 ? EML_ECHARSET : EML_OK;
}

#define PEND_MAX	8192

/* Convert p[0..n) (whole UTF-8 characters; NULL: the final reset) to
 * the output, reading each piece back before it goes out. */
static int
checked(struct cs_sink *c, struct cs_out *o, const unsigned char *p,
    size_t n)
{
	char tmp[4096], *ip = (char *)(uintptr_t)p, *op, *before;
	size_t ileft = n, oleft, k, rc;
	int r;

	for (;;) {
		op = tmp;
		oleft = sizeof(tmp);
		before = ip;
		if (p == NULL)
			rc = iconv(c->cd, NULL, NULL, &op, &oleft);
		else
			rc = iconv(c->cd, &ip, &ileft, &op, &oleft);
		if (rc == (size_t)-1 && errno != E2BIG)
			return EML_ECHARSET;
		k = (size_t)(ip - before);
		if (c->npend + k > PEND_MAX)
			return EML_ECHARSET;
		if (k > 0)
			memcpy(c->pend + c->npend, before, k);
		c->npend += k;
		if ((r = read_back(c, tmp, (size_t)(op - tmp), p == NULL)) < 0)
			return r;
		k = (size_t)(op - tmp);
		while (k > 0) {
			size_t w;

			if (o->oleft == 0 && (r = out_flush(c, o)) < 0)
				return r;
			w = EMLI_MIN(k, o->oleft);
			memcpy(o->op, op - k, w);
			o->op += w;
			o->oleft -= w;
			k -= w;
		}
		if (rc != (size_t)-1)
			return EML_OK;
	}
}

/* Valid, complete input: to the output as is, or through iconv. */
static int
pass(struct cs_sink *c, struct cs_out *o, const unsigned char *p, size_t n)
{
	size_t used, k;
	int r;

	if (c->cd != (iconv_t)-1) {
		/* glibc copies an ESC into ISO-2022 output, where it reads
		 * back as a shift sequence: the text cannot be held. */
		if (c->to_iso2022 && memchr(p, 0x1B, n) != NULL)
			return EML_ECHARSET;
		if (c->rcd != (iconv_t)-1)
			return n > 0 ? checked(c, o, p, n) : EML_OK;
		if ((r = convert(c, o, p, n, &used)) < 0)
			return r;
		/* whole characters only: nothing can be left */
		return used == n ? EML_OK : EML_ECHARSET;
	}
	while (n > 0) {
		if (o->oleft == 0 && (r = out_flush(c, o)) < 0)
			return r;
		k = EMLI_MIN(n, o->oleft);
		memcpy(o->op, p, k);
		o->op += k;
		o->oleft -= k;
		p += k;
		n -= k;
	}
	return EML_OK;
}

/*
 * UTF-8 input is checked here, not by iconv: glibc's decoder takes the
 * obsolete 5- and 6-byte forms (0xF8-0xFD) and passes values past
 * U+10FFFF on, which is not UTF-8 (RFC 3629).
 */
static int
u8_write(struct cs_sink *c, struct cs_out *o, const unsigned char *p,
    size_t n)
{
	const unsigned char *run;
	int k, r;

	/* finish a character split across writes, byte by byte */
	while (c->nu8 > 0 && n > 0) {
		c->u8[c->nu8++] = *p++;
		n--;
		while (c->nu8 > 0 && (k = u8_char(c->u8, c->nu8)) != 0) {
			if (k > 0 && (r = pass(c, o, c->u8, (size_t)k)) < 0)
				return r;
			if (k < 0 && (r = bad_byte(c, o)) < 0)
				return r;
			k = k < 0 ? -k : k;
			memmove(c->u8, c->u8 + k, c->nu8 - (size_t)k);
			c->nu8 -= (size_t)k;
		}
	}
	run = p;
	while (n > 0) {
		if (*p < 0x80) {
			p++;
			n--;
			continue;
		}
		if ((k = u8_char(p, n)) > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if ((r = pass(c, o, run, (size_t)(p - run))) < 0)
			return r;
		if (k == 0) {
			/* the input ends inside a character: keep it */
			memcpy(c->u8, p, n);
			c->nu8 = n;
			return EML_OK;
		}
		if ((r = bad_byte(c, o)) < 0)
			return r;
		p += -k;
		n -= (size_t)-k;
		run = p;
	}
	return pass(c, o, run, (size_t)(p - run));
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
	if (c->from_utf8) {
		if ((r = u8_write(c, &o, q, n)) < 0)
			return r;
		return out_flush(c, &o);
	}
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
	if ((c->nheld > 0 || c->nu8 > 0) && (r = bad_byte(c, &o)) < 0)
		return r;
	c->nheld = c->nu8 = 0;
	/* Back to the initial shift state (ISO-2022-JP's ESC ( B). */
	if (c->rcd != (iconv_t)-1) {
		if ((r = checked(c, &o, NULL, 0)) < 0)
			return r;
	} else if (c->cd != (iconv_t)-1 &&
	    iconv(c->cd, NULL, NULL, &o.op, &o.oleft) == (size_t)-1)
		return EML_ECHARSET;
	return out_flush(c, &o);
}

static void
cs_release(struct eml_sink *s, int discard)
{
	struct cs_sink *c = (struct cs_sink *)s;

	if (c->cd != (iconv_t)-1)
		emli_iconv_close(c->cd);
	if (c->rcd != (iconv_t)-1)
		emli_iconv_close(c->rcd);
	free(c->pend);
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
	    (cd = emli_iconv_open(t, f)) == (iconv_t)-1) {
		t = eml_charset_canon(to);
		if (plausible(t))
			cd = emli_iconv_open(t, f);
	}
	if (cd == (iconv_t)-1) {
		eml_sink_abort(next);
		errno = EINVAL;
		return NULL;
	}
	c = (struct cs_sink *)emli_sink_new(sizeof(*c), &cs_ops, next, 1);
	if (c == NULL) {
		emli_iconv_close(cd);
		return NULL;
	}
	c->to_utf8 = is_utf8(t);
	c->from_utf8 = is_utf8(f);
	c->to_iso2022 = strncasecmp(t, "ISO-2022", 8) == 0 ||
	    strncasecmp(t, "ISO2022", 7) == 0 ||
	    strncasecmp(t, "CSISO2022", 9) == 0;
	if (c->to_utf8 && c->from_utf8) {
		/* checking is all there is to do */
		emli_iconv_close(cd);
		cd = (iconv_t)-1;
	}
	c->cd = cd;
	c->rcd = (iconv_t)-1;
	/* From UTF-8 to a legacy charset: every character is checked to
	 * read back as itself (see read_back). */
	if (c->from_utf8 && !c->to_utf8 &&
	    ((c->pend = malloc(PEND_MAX)) == NULL ||
	    (c->rcd = emli_iconv_open("UTF-8", t)) == (iconv_t)-1)) {
		eml_sink_abort(&c->s);
		errno = c->pend == NULL ? ENOMEM : EINVAL;
		return NULL;
	}
	return &c->s;
}
