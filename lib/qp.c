/*
 * qp.c - quoted-printable transfer encoding (RFC 2045 6.7) and the
 * Q encoding of RFC 2047 4.2 (the rfc2047 flag: "_" is a space).
 *
 * The decoder is one scanner over a contiguous buffer.  It resolves every
 * byte it can from what it sees and stops before an unresolved tail
 * ("=", "=X", "=" WSP* CR?, WSP+ CR?) that needs the next bytes; the step
 * function holds that tail in s->held and rescans it together with the
 * next input.  Since the same scanner decides every byte, the output does
 * not depend on how the input is chunked.  The scanner copies runs with
 * memchr-found '=' and LF, so plain text costs about a memcpy.
 */
#include <string.h>

#include "eml_priv.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/*
 * Trailing whitespace is held, so its length is capped: a run longer than
 * WS_KEEP before a line end loses only its last WS_KEEP bytes, the rest is
 * kept (lenient; real encoders never write such runs).  With a CR after
 * it the tail is WS_KEEP + 1 = 80 bytes, sizeof(held).  Likewise "="
 * followed by more than EQ_WS blanks is a bad escape, not a soft break.
 */
#define WS_KEEP	79
#define EQ_WS	78
#define TAIL_MAX 80

static const signed char hexval[256] = {
	['0'] = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	['A'] = 11, 12, 13, 14, 15, 16,
	/* RFC 2045 wants upper case; lower case is accepted (lenient). */
	['a'] = 11, 12, 13, 14, 15, 16
};	/* value + 1; 0 = not a hex digit */

/* A "=XX" escape at p (3 bytes available)? */
#define HEX2(p)	(hexval[(p)[1]] != 0 && hexval[(p)[2]] != 0)
#define UNHEX(p) ((unsigned char)((hexval[(p)[1]] - 1) << 4 | \
		    (hexval[(p)[2]] - 1)))

static const char hexdig[] = "0123456789ABCDEF";

void
eml_qp_dec_init(struct eml_qp_dec *s)
{
	memset(s, 0, sizeof(*s));
}

static unsigned char *
put(const struct eml_qp_dec *s, unsigned char *o, const unsigned char *p,
    size_t n)
{
	size_t i;

	if (!s->rfc2047) {
		memcpy(o, p, n);
		return o + n;
	}
	for (i = 0; i < n; i++)
		o[i] = p[i] == '_' ? ' ' : p[i];
	return o + n;
}

/*
 * Resolve the '=' at q.  Returns where scanning goes on, or NULL if more
 * input is needed to decide (never when final).
 */
static const unsigned char *
escape(struct eml_qp_dec *s, const unsigned char *q, const unsigned char *end,
    int final, unsigned char **op)
{
	const unsigned char *r;

	if (q + 1 == end) {
		/*
		 * "=" ending the input: the body's last line ended in a soft
		 * break whose EOL was the delimiter's (RFC 2046 5.1.1: the
		 * CRLF before "--b" belongs to the delimiter), as GMime and
		 * Python read it.  Q words (RFC 2047) have no soft breaks.
		 */
		if (final && !s->rfc2047)
			return end;
		goto more;
	}
	if (hexval[q[1]] != 0) {
		if (q + 2 == end)
			goto more;
		if (hexval[q[2]] != 0) {
			*(*op)++ = UNHEX(q);
			return q + 3;
		}
		goto bad;
	}
	/* RFC 2045 6.7 rule 5: "=" at the end of a line is a soft line
	 * break; blanks after it were added in transport (rule 3). */
	for (r = q + 1; r < end && EMLI_WSP(*r) && r - q - 1 < EQ_WS; r++)
		;
	if (r == end) {
		if (final && !s->rfc2047)
			return end;	/* "=" and blanks at the end: as above */
		goto more;
	}
	if (*r == '\n')
		return r + 1;
	if (*r == '\r') {
		/* A CR ending the input was a cut CRLF. */
		if (r + 1 == end)
			return final ? end : NULL;
		if (r[1] == '\n')
			return r + 2;
	}
	goto bad;
more:
	if (!final)
		return NULL;
bad:
	/* Not an escape: keep the "=" literally (lenient, as most
	 * decoders) and go on with the byte after it. */
	s->bad++;
	*(*op)++ = '=';
	return q + 1;
}

/*
 * Copy from p to *op up to the next LF or '=' that is not a "=XX" escape
 * (those are decoded on the way); returns where it stopped, *segp is
 * where the literal run before it began (trailing blanks are looked for
 * only there, never in decoded bytes).  With SSE2 (part of x86-64) 16
 * bytes are tested and stored at a time: bytes past the stop are
 * rewritten later, and the store stays in bounds since the output never
 * runs ahead of the bytes scanned and 16 more input bytes exist.
 */
static inline const unsigned char *
run(const struct eml_qp_dec *s, const unsigned char *p,
    const unsigned char *end, unsigned char **op, const unsigned char **segp)
{
	unsigned char *o = *op;
	const unsigned char *seg = p;
	int h, l;
#ifdef __SSE2__
	const __m128i eq = _mm_set1_epi8('='), lf = _mm_set1_epi8('\n');
	__m128i v;
	unsigned m;
#endif

	if (s->rfc2047) {
		for (; p < end && *p != '\n'; p++) {
			if (*p == '=') {
				if (end - p < 3 || !HEX2(p))
					break;
				*o++ = UNHEX(p);
				p += 2;
				seg = p + 1;
			} else {
				*o++ = *p == '_' ? ' ' : *p;
			}
		}
		goto out;
	}
	for (;;) {
#ifdef __SSE2__
		while (end - p >= 16) {
			v = _mm_loadu_si128((const __m128i *)(const void *)p);
			m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			    _mm_cmpeq_epi8(v, eq), _mm_cmpeq_epi8(v, lf)));
			_mm_storeu_si128((__m128i *)(void *)o, v);
			if (m != 0) {
				m = (unsigned)__builtin_ctz(m);
				o += m;
				p += m;
				goto found;
			}
			p += 16;
			o += 16;
		}
#endif
		while (p < end && *p != '=' && *p != '\n')
			*o++ = *p++;
#ifdef __SSE2__
found:
#endif
		if (p == end || *p == '\n' || end - p < 3)
			break;
		h = hexval[p[1]] - 1;
		l = hexval[p[2]] - 1;
		if ((h | l) < 0) {
			/* the common soft line breaks, "=" LF and "=" CRLF,
			 * here rather than through escape() */
			if (p[1] == '\n') {
				p += 2;
			} else if (p[1] == '\r' && p[2] == '\n') {
				p += 3;
			} else {
				break;
			}
			seg = p;
			continue;
		}
		*o++ = (unsigned char)(h << 4 | l);
		p += 3;
		/* escapes come in runs (a UTF-8 character is 2-4 of them):
		 * take the run here, without a vector round trip each */
		while (end - p >= 3 && p[0] == '=' &&
		    (h = hexval[p[1]] - 1) >= 0 && (l = hexval[p[2]] - 1) >= 0) {
			*o++ = (unsigned char)(h << 4 | l);
			p += 3;
		}
		seg = p;
	}
out:
	*op = o;
	*segp = seg;
	return p;
}

/*
 * Decode [p, end) to *op.  Returns where the unresolved tail starts (end
 * when final); the tail is at most TAIL_MAX bytes.  The output never
 * gets ahead of the bytes scanned (trailing blanks are copied, then taken
 * back).
 */
static const unsigned char *
scan(struct eml_qp_dec *s, const unsigned char *p, const unsigned char *end,
    int final, unsigned char **op)
{
	const unsigned char *seg, *q, *t, *u;
	unsigned char *o = *op;

	while (p < end) {
		q = run(s, p, end, &o, &seg);
		if (q == end) {
			/*
			 * No line end seen: the trailing blanks (and a CR
			 * after them) wait for what follows.  At the end of
			 * the input they are trailing blanks, also before a
			 * last CR (a cut CRLF); finish then writes at most
			 * 2 bytes ("=X").
			 */
			t = end;
			if (t > seg && t[-1] == '\r')
				t--;
			for (u = t; u > seg && EMLI_WSP(u[-1]) &&
			    t - u < WS_KEEP; u--)
				;
			if (!final && u == t)
				u = end;	/* nothing to hold */
			o -= end - u;
			if (final)
				o = put(s, o, t, (size_t)(end - t));
			p = final ? end : u;
			break;
		}
		if (*q == '\n') {
			/* RFC 2045 6.7 rule 3: delete trailing white space;
			 * the line end itself (CRLF or LF) is kept as is. */
			t = q;
			if (t > seg && t[-1] == '\r')
				t--;
			for (u = t; u > seg && EMLI_WSP(u[-1]) &&
			    t - u < WS_KEEP; u--)
				;
			o -= q - u;
			o = put(s, o, t, (size_t)(q + 1 - t));
			p = q + 1;
			continue;
		}
		if ((t = escape(s, q, end, final, &o)) == NULL) {
			p = q;
			break;
		}
		p = t;
	}
	*op = o;
	return p;
}

size_t
eml_qp_dec_step(struct eml_qp_dec *s, const void *in, size_t len, void *out)
{
	const unsigned char *p = in, *end = p + len, *stop;
	unsigned char tmp[TAIL_MAX + TAIL_MAX + 1];
	unsigned char *o = out;
	size_t k, m, c;

	if (s->nheld > TAIL_MAX)
		s->nheld = 0;	/* misuse; never produced here */
	if (s->nheld > 0) {
		/*
		 * Rescan the held tail with enough new bytes to resolve it:
		 * a tail is at most TAIL_MAX bytes, so with TAIL_MAX + 1
		 * more the scanner gets past the held part unless the input
		 * is shorter than that.
		 */
		k = s->nheld;
		m = EMLI_MIN(len, (size_t)TAIL_MAX + 1);
		memcpy(tmp, s->held, k);
		memcpy(tmp + k, p, m);
		stop = scan(s, tmp, tmp + k + m, 0, &o);
		c = (size_t)(stop - tmp);
		if (c < k || m == len) {
			/* Everything was in tmp: keep its tail. */
			s->nheld = (unsigned)(k + m - c);
			memmove(s->held, tmp + c, s->nheld);
			return (size_t)(o - (unsigned char *)out);
		}
		p += c - k;
		s->nheld = 0;
	}
	stop = scan(s, p, end, 0, &o);
	s->nheld = (unsigned)(end - stop);
	memcpy(s->held, stop, s->nheld);
	return (size_t)(o - (unsigned char *)out);
}

size_t
eml_qp_dec_finish(struct eml_qp_dec *s, void *out)
{
	unsigned char tmp[TAIL_MAX], res[TAIL_MAX];
	unsigned char *o = res;
	size_t k = EMLI_MIN(s->nheld, (unsigned)TAIL_MAX);

	/* Scan into res: the scanner may copy blanks it then drops. */
	memcpy(tmp, s->held, k);
	scan(s, tmp, tmp + k, 1, &o);
	s->nheld = 0;
	memcpy(out, res, (size_t)(o - res));
	return (size_t)(o - res);
}

/* ------------------------------------------------------------------ */

/* Content before a soft break: 75 chars, so that with "=" a line is at
 * most 76 (RFC 2045 6.7 rule 5). */
#define QP_COLS	75

void
eml_qp_enc_init(struct eml_qp_enc *s, int crlf, int binary)
{
	memset(s, 0, sizeof(*s));
	s->crlf = crlf;
	s->binary = binary;
}

static unsigned char *
enc_eol(const struct eml_qp_enc *s, unsigned char *o)
{
	if (s->crlf)
		*o++ = '\r';
	*o++ = '\n';
	return o;
}

static unsigned char *
enc_lit(struct eml_qp_enc *s, unsigned char *o, unsigned char c)
{
	if (s->col + 1 > QP_COLS) {
		*o++ = '=';
		o = enc_eol(s, o);
		s->col = 0;
	}
	*o++ = c;
	s->col++;
	return o;
}

static unsigned char *
enc_hex(struct eml_qp_enc *s, unsigned char *o, unsigned char c)
{
	if (s->col + 3 > QP_COLS) {
		*o++ = '=';
		o = enc_eol(s, o);
		s->col = 0;
	}
	o[0] = '=';
	o[1] = (unsigned char)hexdig[c >> 4];
	o[2] = (unsigned char)hexdig[c & 15];
	s->col += 3;
	return o + 3;
}

size_t
eml_qp_enc_step(struct eml_qp_enc *s, const void *in, size_t len,
    void *out)
{
	const unsigned char *p = in, *end = p + len;
	unsigned char *o = out;
	unsigned char c, h;

	while (p < end) {
		c = *p++;
		if (s->has_held) {
			h = s->held;
			s->has_held = 0;
			if (h == '\r') {
				/* Text mode: CR LF is a line end, a bare CR
				 * is data. */
				if (c == '\n') {
					o = enc_eol(s, o);
					s->col = 0;
					continue;
				}
				o = enc_hex(s, o, h);
			} else if (!s->binary && (c == '\n' || c == '\r')) {
				/* Rule 3: a blank before a line end must
				 * be encoded.  Before a CR it may be one;
				 * encoding it is always safe. */
				o = enc_hex(s, o, h);
			} else {
				o = enc_lit(s, o, h);
			}
		}
		if (!s->binary && c == '\n') {
			o = enc_eol(s, o);
			s->col = 0;
		} else if ((!s->binary && c == '\r') || c == ' ' ||
		    c == '\t') {
			s->held = c;
			s->has_held = 1;
		} else if (c < 33 || c > 126 || c == '=' ||
		    (s->col == 0 && (c == '.' || c == 'F'))) {
			/*
			 * A "." or "F" starting a line is encoded so that no
			 * line is a lone "." (SMTP) or starts "From " (mbox).
			 */
			o = enc_hex(s, o, c);
		} else {
			o = enc_lit(s, o, c);
		}
	}
	return (size_t)(o - (unsigned char *)out);
}

size_t
eml_qp_enc_finish(struct eml_qp_enc *s, void *out)
{
	unsigned char *o = out;

	/* Blanks at the very end would be deleted by decoders (rule 3). */
	if (s->has_held)
		o = enc_hex(s, o, s->held);
	s->has_held = 0;
	s->col = 0;
	return (size_t)(o - (unsigned char *)out);
}

/* Whole-buffer encoding through the shared driver (decoder.c). */

static size_t
enc_step(void *s, const void *in, size_t len, void *out)
{
	return eml_qp_enc_step(s, in, len, out);
}

static size_t
enc_finish(void *s, void *out)
{
	return eml_qp_enc_finish(s, out);
}

static size_t
enc_max(const void *s, size_t len)
{
	return EML_QP_ENCODED_MAX(len);
}

int
eml_qp_encode(const void *in, size_t len, int crlf, struct eml_buf *out)
{
	struct eml_qp_enc s;
	struct emli_codec c = { &s, enc_step, enc_finish, enc_max };

	eml_qp_enc_init(&s, crlf, 0);
	return emli_codec_run(&c, in, len, out);
}
