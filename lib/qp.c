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
 * SSE2-found '=' and LF, so plain text costs about a memcpy; with
 * AVX-512 whole 64-byte blocks of escapes, soft breaks and line ends are
 * decoded in the vector unit first (blocks_avx512), stopping in front of
 * whatever needs the scanner's judgement.
 */
#include <string.h>

#include "eml_priv.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if (defined(__x86_64__) || defined(__i386__)) && \
    (defined(__GNUC__) || defined(__clang__))
#define QP_X86 1
#include <immintrin.h>
#endif

/* Only tests and the benchmark call this; not public.  0 auto, 1 scalar
 * (no vector code at all), 2 SSE2 runs only, 3 AVX-512 blocks. */
void emli_qp_force_impl(int impl);

enum { QP_AUTO, QP_SCALAR, QP_SSE2, QP_AVX512 };

static int qp_forced = QP_AUTO;

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

#ifdef QP_X86
#define QP_TARGET "avx512f,avx512bw,avx512vbmi2,popcnt,bmi,lzcnt"

static int
have_avx512(void)
{
	return EMLI_CPU(AVX512F, "avx512f") &&
	    EMLI_CPU(AVX512BW, "avx512bw") &&
	    EMLI_CPU(AVX512_VBMI2, "avx512vbmi2");
}
#endif

static int
qp_impl(void)
{
	int i = qp_forced;

#ifdef QP_X86
	if (i == QP_AUTO)
		return have_avx512() ? QP_AVX512 : QP_SSE2;
	if (i == QP_AVX512 && !have_avx512())
		return QP_SSE2;
	return i;
#else
	return i == QP_SCALAR ? QP_SCALAR : QP_SSE2;
#endif
}

void
emli_qp_force_impl(int impl)
{
	if (impl < QP_AUTO || impl > QP_AVX512)
		impl = QP_AUTO;
	qp_forced = impl;
}

#ifdef QP_X86
/*
 * AVX-512 blocks: 64 input bytes a step, with every escape ("=XX"), soft
 * line break ("=" LF, "=" CRLF) and hard line end decoded in the vector
 * unit, the bytes to drop (hex digits, soft breaks) compressed out
 * (VBMI2 vpcompressb) and 64 bytes stored.  A block is taken up to its
 * first byte that needs scan()'s judgement:
 *  - a '=' that is neither an escape nor a soft break (bad, or blanks
 *    after it: RFC 2045 6.7 rule 3 for soft breaks);
 *  - a hard LF with a blank before it, or before its CR (rule 3: the
 *    trailing blanks are deleted): the block stops after the last byte
 *    before those blanks, so scan() sees the whole run;
 *  - blanks or a CR ending the block, which may be trailing blanks of a
 *    line end in the next block: the block stops in front of them.
 * So the byte before each block is never a literal blank or CR, which
 * makes an LF in lane 0 or 1 as safe as anywhere, and scan() resumes
 * with its segment starting where a literal run began, as before.
 * Returns where it stopped; the output never gets ahead of the input,
 * so with 66 bytes left the 64-byte store stays inside the caller's
 * EML_QP_DECODED_MAX room.
 */
__attribute__((target(QP_TARGET)))
static const unsigned char *
blocks_avx512(const unsigned char *p, const unsigned char *end,
    unsigned char **op)
{
	const __m512i c_eq = _mm512_set1_epi8('=');
	const __m512i c_lf = _mm512_set1_epi8('\n');
	const __m512i c_cr = _mm512_set1_epi8('\r');
	const __m512i c_sp = _mm512_set1_epi8(' ');
	const __m512i c_ht = _mm512_set1_epi8('\t');
	const __m512i c_0 = _mm512_set1_epi8('0');
	const __m512i c_a = _mm512_set1_epi8('a');
	const __m512i c_20 = _mm512_set1_epi8(0x20);
	const __m512i c_9 = _mm512_set1_epi8(9), c_5 = _mm512_set1_epi8(5);
	const __m512i c_0f = _mm512_set1_epi8(0x0f);
	const __m512i c_f0 = _mm512_set1_epi8((char)0xf0);
	unsigned char *o = *op;
	__m512i v, v1, v2, n1, n2, dec;
	uint64_t E, N, R, W, D1, L1, H1, L2, H2, F1, F2, F2b, esc, s1, s2;
	uint64_t drop, badeq, badlf, x, wr, keep;
	unsigned cut, adv, c65;

	while (end - p >= 66) {
		/* As in b64.c: big bodies come from memory. */
		_mm_prefetch((const char *)p + 1024, _MM_HINT_T0);
		v = _mm512_loadu_si512(p);
		v1 = _mm512_loadu_si512(p + 1);
		v2 = _mm512_loadu_si512(p + 2);
		E = _mm512_cmpeq_epi8_mask(v, c_eq);
		N = _mm512_cmpeq_epi8_mask(v, c_lf);
		R = _mm512_cmpeq_epi8_mask(v, c_cr);
		W = _mm512_cmpeq_epi8_mask(v, c_sp) |
		    _mm512_cmpeq_epi8_mask(v, c_ht);
		/* Hex digits of v1 (p[1..64]): digits, and letters of
		 * either case (lenient, as hexval). */
		D1 = _mm512_cmple_epu8_mask(_mm512_sub_epi8(v1, c_0), c_9);
		L1 = _mm512_cmple_epu8_mask(_mm512_sub_epi8(
		    _mm512_or_si512(v1, c_20), c_a), c_5);
		H1 = D1 | L1;
		/* The same for v2 = p[2..65] is v1's shifted, plus p[65]. */
		c65 = p[65];
		H2 = H1 >> 1 | (uint64_t)(hexval[c65] != 0) << 63;
		L2 = L1 >> 1 | (uint64_t)(hexval[c65] > 10) << 63;
		esc = E & H1 & H2;
		F1 = _mm512_cmpeq_epi8_mask(v1, c_lf);
		F2 = _mm512_cmpeq_epi8_mask(v1, c_cr);
		F2b = _mm512_cmpeq_epi8_mask(v2, c_lf);
		s1 = E & F1;
		s2 = E & F2 & F2b;
		badeq = E & ~(esc | s1 | s2);
		drop = esc << 1 | esc << 2 | s1 | s1 << 1 | s2 | s2 << 1 |
		    s2 << 2;
		/* Hard line ends with a blank before them or their CR. */
		N &= ~drop;
		badlf = N & (W << 1 | (R & W << 1) << 1);
		cut = 64;
		adv = 0;
		if (badeq | badlf) {
			x = badeq | badlf;
			cut = (unsigned)__builtin_ctzll(x);
			if (!(badeq & x & -x)) {
				/* Stop after the last byte before the
				 * blanks (and CR) in front of that LF. */
				x = ~(W | R) & ((x & -x) - 1);
				cut = x ? 64 - (unsigned)__builtin_clzll(x) : 0;
			}
		} else {
			/* Blanks or CR (not dropped) at the block's end. */
			wr = (W | R) & ~drop;
			if (wr >> 63) {
				x = ~wr;
				cut = x ? 64 - (unsigned)__builtin_clzll(x) : 0;
			} else {
				/* Escapes and soft breaks reaching past it. */
				adv = (unsigned)((esc | s2) >> 63) * 2 +
				    (unsigned)((s1 >> 63) | ((esc | s2) >>
				    62 & 1));
			}
		}
		if (cut == 0)
			break;
		keep = ~drop & (cut >= 64 ? ~(uint64_t)0 :
		    ((uint64_t)1 << cut) - 1);
		/* Nibbles: the low 4 bits, + 9 for letters. */
		n1 = _mm512_mask_add_epi8(_mm512_and_si512(v1, c_0f), L1,
		    _mm512_and_si512(v1, c_0f), c_9);
		n2 = _mm512_mask_add_epi8(_mm512_and_si512(v2, c_0f), L2,
		    _mm512_and_si512(v2, c_0f), c_9);
		dec = _mm512_or_si512(_mm512_and_si512(_mm512_slli_epi16(n1,
		    4), c_f0), n2);
		v = _mm512_mask_mov_epi8(v, esc, dec);
		_mm512_storeu_si512(o, _mm512_maskz_compress_epi8(keep, v));
		o += __builtin_popcountll(keep);
		p += cut + adv;
		/* scan() judges what stopped the block; blanks at its
		 * end are only deferred to the next one. */
		if (badeq | badlf)
			break;
	}
	*op = o;
	return p;
}
#endif

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
run(const struct eml_qp_dec *s, int impl, const unsigned char *p,
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
		while (impl != QP_SCALAR && end - p >= 16) {
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
	int impl = s->rfc2047 ? QP_SCALAR : qp_impl();

	while (p < end) {
#ifdef QP_X86
		if (impl == QP_AVX512)
			p = blocks_avx512(p, end, &o);
#endif
		q = run(s, impl, p, end, &o, &seg);
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
