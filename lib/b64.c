/*
 * b64.c - base64 transfer encoding (RFC 2045 6.8, RFC 4648 4).
 *
 * The decoder is lenient the way mail needs it: whitespace is skipped,
 * other bytes outside the alphabet are skipped and counted, missing
 * padding is tolerated.  It also knows where the data ends, since list
 * software appends plain-text footers to base64 bodies: after the '='
 * that completes a group, or at a line that does not start like base64
 * (see dec_byte).  It is also fast: runs of clean alphabet bytes go
 * through an AVX-512 VBMI, AVX2 or SSSE3 kernel chosen at run time (the
 * VBMI one also takes line ends and garbage, and MIME lines of one
 * length without any compaction: dec_lines), with a table-driven
 * scalar loop for everything else.  Both paths implement the same rule
 * for every byte, so their output is identical for any input and any
 * chunking (tests/check_b64.c compares them).
 */
#include <stdint.h>
#include <string.h>

#include "eml_priv.h"

#if (defined(__x86_64__) || defined(__i386__)) && \
    (defined(__GNUC__) || defined(__clang__))
#define B64_X86 1
#include <immintrin.h>
#endif

/* Only tests call this; it is not part of the public API. */
void emli_b64_force_impl(int impl);

enum { IMPL_AUTO, IMPL_SCALAR, IMPL_SSSE3, IMPL_AVX2, IMPL_AVX512 };

static int forced = IMPL_AUTO;

/* Decoding classes: 0..63 alphabet values, then the byte kinds that take
 * the slow path.  Bit 7 marks every non-alphabet byte. */
#define C_PAD	0x80	/* '=' */
#define C_WS	0x81	/* CR, LF, SP, HTAB: line structure, not garbage */
#define C_BAD	0xff	/* anything else */

static const unsigned char dtab[256] = {
	C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0x00 */
	C_BAD, C_WS, C_WS, C_BAD, C_BAD, C_WS, C_BAD, C_BAD,	/* 0x08 */
	C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0x10 */
	C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0x18 */
	C_WS, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0x20 */
	C_BAD, C_BAD, C_BAD,   62, C_BAD, C_BAD, C_BAD,   63,	/* 0x28 */
	  52,   53,   54,   55,   56,   57,   58,   59,	/* 0x30 */
	  60,   61, C_BAD, C_BAD, C_BAD, C_PAD, C_BAD, C_BAD,	/* 0x38 */
	C_BAD,   0,   1,   2,   3,   4,   5,   6,	/* 0x40 */
	  7,   8,   9,   10,   11,   12,   13,   14,	/* 0x48 */
	  15,   16,   17,   18,   19,   20,   21,   22,	/* 0x50 */
	  23,   24,   25, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0x58 */
	C_BAD,   26,   27,   28,   29,   30,   31,   32,	/* 0x60 */
	  33,   34,   35,   36,   37,   38,   39,   40,	/* 0x68 */
	  41,   42,   43,   44,   45,   46,   47,   48,	/* 0x70 */
	  49,   50,   51, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0x78 */
	C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0x80 */
	C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0x88 */
	C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0x90 */
	C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0x98 */
	C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0xa0 */
	C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0xa8 */
	C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0xb0 */
	C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0xb8 */
	C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0xc0 */
	C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0xc8 */
	C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0xd0 */
	C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0xd8 */
	C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0xe0 */
	C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0xe8 */
	C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0xf0 */
	C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD, C_BAD,	/* 0xf8 */
};

static const char etab[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#ifdef B64_X86
/* The VBMI kernel needs byte permutes (VBMI) and byte compress (VBMI2);
 * the check includes the OS saving the zmm state. */
static int
have_avx512(void)
{
	return EMLI_CPU(AVX512F, "avx512f") &&
	    EMLI_CPU(AVX512BW, "avx512bw") &&
	    EMLI_CPU(AVX512_VBMI, "avx512vbmi") &&
	    EMLI_CPU(AVX512_VBMI2, "avx512vbmi2");
}
#endif

static int
pick_impl(void)
{
	if (forced != IMPL_AUTO) {
#ifdef B64_X86
		if (forced == IMPL_AVX512 && !have_avx512())
			return IMPL_SCALAR;
		if (forced == IMPL_AVX2 && !EMLI_CPU(AVX2, "avx2"))
			return IMPL_SCALAR;
		if (forced == IMPL_SSSE3 && !EMLI_CPU(SSSE3, "ssse3"))
			return IMPL_SCALAR;
		return forced;
#else
		return IMPL_SCALAR;
#endif
	}
#ifdef B64_X86
	if (have_avx512())
		return IMPL_AVX512;
	if (EMLI_CPU(AVX2, "avx2"))
		return IMPL_AVX2;
	if (EMLI_CPU(SSSE3, "ssse3"))
		return IMPL_SSSE3;
#endif
	return IMPL_SCALAR;
}

const char *
eml_b64_impl(void)
{
	switch (pick_impl()) {
	case IMPL_AVX512:
		return "avx512vbmi";
	case IMPL_AVX2:
		return "avx2";
	case IMPL_SSSE3:
		return "ssse3";
	default:
		return "scalar";
	}
}

void
eml_b64_force_scalar(int on)
{
	forced = on ? IMPL_SCALAR : IMPL_AUTO;
}

void
emli_b64_force_impl(int impl)
{
	if (impl < IMPL_AUTO || impl > IMPL_AVX512)
		impl = IMPL_AUTO;
	forced = impl;
}

void
eml_b64_dec_init(struct eml_b64_dec *s)
{
	memset(s, 0, sizeof(*s));
	s->bol = 1;
}

#ifdef B64_X86
/*
 * SIMD kernels.  Validity is decided from the two nibbles of each byte:
 * the high nibble selects one of five groups (bit 0x01 for 0x2_, 0x02 for
 * 0x3_, 0x04 for 0x4_/0x6_, 0x08 for 0x5_/0x7_, 0x10 for the rest) and
 * lut_lo[low nibble] has a group's bit set when that low nibble is NOT an
 * alphabet byte in that group.  So a byte is invalid iff
 * lut_lo[lo] & lut_hi[hi] != 0.  The value is byte + roll[hi], with '/'
 * moved to index 1 since it shares 0x2_ with '+'.
 *
 * Output room: the caller gives EML_B64_DECODED_MAX(len) bytes, and at
 * most 3/4 of the bytes consumed plus 3 bytes (from sextets carried in
 * s->acc) have been written, so with R input bytes left at least
 * 3R/4 - 3/2 bytes are free.  The kernels store whole vectors (32 or 16
 * bytes) and therefore only run while R >= 48 (AVX2) or R >= 24 (SSSE3).
 */
#define LUT_LO	0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, \
		0x11, 0x11, 0x13, 0x1a, 0x1b, 0x1b, 0x1b, 0x1a
#define LUT_HI	0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, \
		0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10
#define LUT_ROLL 0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0
/* Big-endian 24-bit groups out of each 32-bit lane. */
#define PACK	2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1

__attribute__((target("ssse3")))
static size_t
dec_ssse3(const unsigned char **pp, const unsigned char *end,
    unsigned char *o)
{
	const unsigned char *p = *pp;
	unsigned char *o0 = o;
	const __m128i lut_lo = _mm_setr_epi8(LUT_LO);
	const __m128i lut_hi = _mm_setr_epi8(LUT_HI);
	const __m128i lut_roll = _mm_setr_epi8(LUT_ROLL);
	const __m128i pack = _mm_setr_epi8(PACK);
	const __m128i m0f = _mm_set1_epi8(0x0f);
	const __m128i slash = _mm_set1_epi8('/');
	const __m128i mul1 = _mm_set1_epi32(0x01400140);
	const __m128i mul2 = _mm_set1_epi32(0x00011000);
	__m128i v, hi, lo, bad, roll, m;
	unsigned mask, q;

	while (end - p >= 24) {
		v = _mm_loadu_si128((const __m128i *)(const void *)p);
		hi = _mm_and_si128(_mm_srli_epi32(v, 4), m0f);
		lo = _mm_and_si128(v, m0f);
		bad = _mm_and_si128(_mm_shuffle_epi8(lut_lo, lo),
		    _mm_shuffle_epi8(lut_hi, hi));
		mask = ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(bad,
		    _mm_setzero_si128())) & 0xffffu;
		roll = _mm_shuffle_epi8(lut_roll,
		    _mm_add_epi8(hi, _mm_cmpeq_epi8(v, slash)));
		v = _mm_add_epi8(v, roll);
		m = _mm_madd_epi16(_mm_maddubs_epi16(v, mul1), mul2);
		m = _mm_shuffle_epi8(m, pack);
		_mm_storeu_si128((__m128i *)(void *)o, m);
		if (mask == 0) {
			p += 16;
			o += 12;
			continue;
		}
		q = (unsigned)__builtin_ctz(mask) / 4;
		p += q * 4;
		o += q * 3;
		break;
	}
	*pp = p;
	return (size_t)(o - o0);
}

__attribute__((target("avx2")))
static size_t
dec_avx2(const unsigned char **pp, const unsigned char *end,
    unsigned char *o)
{
	const unsigned char *p = *pp;
	unsigned char *o0 = o;
	const __m256i lut_lo = _mm256_setr_epi8(LUT_LO, LUT_LO);
	const __m256i lut_hi = _mm256_setr_epi8(LUT_HI, LUT_HI);
	const __m256i lut_roll = _mm256_setr_epi8(LUT_ROLL, LUT_ROLL);
	const __m256i pack = _mm256_setr_epi8(PACK, PACK);
	const __m256i perm = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
	const __m256i m0f = _mm256_set1_epi8(0x0f);
	const __m256i slash = _mm256_set1_epi8('/');
	const __m256i mul1 = _mm256_set1_epi32(0x01400140);
	const __m256i mul2 = _mm256_set1_epi32(0x00011000);
	__m256i v, hi, lo, bad, roll, m;
	uint32_t mask, q;

	while (end - p >= 48) {
		v = _mm256_loadu_si256((const __m256i *)(const void *)p);
		hi = _mm256_and_si256(_mm256_srli_epi32(v, 4), m0f);
		lo = _mm256_and_si256(v, m0f);
		bad = _mm256_and_si256(_mm256_shuffle_epi8(lut_lo, lo),
		    _mm256_shuffle_epi8(lut_hi, hi));
		mask = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(bad,
		    _mm256_setzero_si256()));
		roll = _mm256_shuffle_epi8(lut_roll,
		    _mm256_add_epi8(hi, _mm256_cmpeq_epi8(v, slash)));
		v = _mm256_add_epi8(v, roll);
		m = _mm256_madd_epi16(_mm256_maddubs_epi16(v, mul1), mul2);
		m = _mm256_shuffle_epi8(m, pack);
		m = _mm256_permutevar8x32_epi32(m, perm);
		_mm256_storeu_si256((__m256i *)(void *)o, m);
		if (mask == 0) {
			p += 32;
			o += 24;
			continue;
		}
		/*
		 * A non-alphabet byte, typically the line end of a 76-column
		 * body: keep the whole groups before it and let the scalar
		 * loop step over it.
		 */
		q = (uint32_t)__builtin_ctz(mask) / 4;
		p += q * 4;
		o += q * 3;
		*pp = p;
		return (size_t)(o - o0);
	}
	*pp = p;
	/* The rest of a block too short for 32 bytes. */
	return (size_t)(o - o0) + dec_ssse3(pp, end, o);
}

/*
 * AVX-512 VBMI kernel: 64 input bytes a step, with the MIME line ends,
 * blanks and garbage taken out in the vector path instead of by the
 * scalar loop.  Each block is classified through dtab (a 128-entry
 * vpermi2b lookup; bytes >= 0x80 are garbage), the alphabet bytes are
 * compressed out (VBMI2 vpcompressb) and appended to a vector of pending
 * sextets, and every 64 sextets are packed to 48 bytes.  Pending sextets
 * carry over from s->acc on entry and back to it on exit, so the kernel
 * can take over at any point of a group.
 *
 * It applies dec_byte's rule to every byte it consumes: alphabet bytes
 * clear bol and set started, LF sets bol, other blanks change nothing,
 * garbage is counted.  It stops in front of the two bytes whose rule
 * changes more than that, leaving them to dec_byte: '=' (padding, which
 * may end the data) and garbage at a line start once data has begun (a
 * footer, which ends it).  Finding the latter needs, for each garbage
 * byte, whether the nearest alphabet byte or LF before it is an LF: a
 * walk over the LFs of the block (about one per 76 bytes), done only
 * when the block has garbage after the data started.
 *
 * Output is written with masked stores of exactly the decoded bytes, so
 * the bound of dec_step (3/4 of the sextets, carried ones included)
 * holds without any slack.
 */
#define B64_AVX512 "avx512f,avx512bw,avx512vbmi,avx512vbmi2,popcnt,bmi,lzcnt"

static const unsigned char iota64[64] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
	32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,
	48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63,
};

/* Big-endian 24-bit groups out of each 32-bit lane, 16 lanes. */
static const unsigned char pack64[64] = {
	2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12,
	18, 17, 16, 22, 21, 20, 26, 25, 24, 30, 29, 28,
	34, 33, 32, 38, 37, 36, 42, 41, 40, 46, 45, 44,
	50, 49, 48, 54, 53, 52, 58, 57, 56, 62, 61, 60,
};

/* Bits 0..k-1; k may be 64. */
static inline uint64_t
below(unsigned k)
{
	return k >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << k) - 1;
}

/*
 * Positions of a block where bol holds before the byte: the nearest
 * alphabet byte or LF before it is an LF (or there is none and bol held
 * on entry).  A is the alphabet mask, N the LF mask.
 */
static inline uint64_t
bol_region(uint64_t A, uint64_t N, int bol)
{
	uint64_t r = 0, above, a;
	unsigned k;

	if (bol)
		r = A ? below((unsigned)__builtin_ctzll(A)) : ~(uint64_t)0;
	while (N) {
		above = ~below((unsigned)__builtin_ctzll(N) + 1);
		a = A & above;
		k = a ? (unsigned)__builtin_ctzll(a) : 64;
		r |= above & below(k);
		N &= ~below(k);
	}
	return r;
}

__attribute__((target(B64_AVX512)))
static inline unsigned char *
pack_store(__m512i x, unsigned nbytes, unsigned char *o)
{
	const __m512i mul1 = _mm512_set1_epi32(0x01400140);
	const __m512i mul2 = _mm512_set1_epi32(0x00011000);
	const __m512i pack = _mm512_loadu_si512(pack64);

	x = _mm512_madd_epi16(_mm512_maddubs_epi16(x, mul1), mul2);
	x = _mm512_permutexvar_epi8(pack, x);
	_mm512_mask_storeu_epi8(o, below(nbytes), x);
	return o + nbytes;
}

__attribute__((target(B64_AVX512)))
static unsigned char *
dec_avx512(struct eml_b64_dec *s, const unsigned char **pp,
    const unsigned char *end, unsigned char *o)
{
	const unsigned char *p = *pp;
	const __m512i lut0 = _mm512_loadu_si512(dtab);
	const __m512i lut1 = _mm512_loadu_si512(dtab + 64);
	const __m512i iota = _mm512_loadu_si512(iota64);
	const __m512i ws = _mm512_set1_epi8((char)C_WS);
	const __m512i nl = _mm512_set1_epi8('\n');
	const __m512i eq = _mm512_set1_epi8('=');
	const __m512i cr = _mm512_set1_epi8('\r');
	unsigned char tmp[64];
	__m512i v, t, cur, nc, idx, all;
	uint64_t A, N, W, P, B, hi, S, stop, M, garbage = 0;
	unsigned len, c, k, q;
	int bol = s->bol, started = s->started, resync;

	if (end - p < 64)
		return o;
	memset(tmp, 0, sizeof(tmp));
	for (k = 0; k < s->nacc; k++)
		tmp[k] = (unsigned char)((s->acc >> (6 * (s->nacc - 1 - k))) &
		    63);
	cur = _mm512_loadu_si512(tmp);
	len = s->nacc;
	while (end - p >= 64) {
		/* Big bodies come from memory, not cache: without a
		 * prefetch this kernel ran slower than the AVX2 one there
		 * (2.0 vs 3.0 GB/s over 64 MiB; 10.8 vs 6.4 in cache). */
		_mm_prefetch((const char *)p + 640, _MM_HINT_T0);
		v = _mm512_loadu_si512(p);
		t = _mm512_permutex2var_epi8(lut0, v, lut1);
		hi = _mm512_movepi8_mask(v);
		A = ~(_mm512_movepi8_mask(t) | hi);
		W = _mm512_cmpeq_epi8_mask(t, ws) & ~hi;
		N = _mm512_cmpeq_epi8_mask(v, nl);
		P = _mm512_cmpeq_epi8_mask(v, eq);
		B = ~(A | W | P);
		q = 64;
		resync = 0;
		if (!(P | B) && N != 0 && !((W & ~N) &
		    ~_mm512_cmpeq_epi8_mask(v, cr))) {
			/*
			 * A clean block with a line end: if the groups are
			 * whole after its last LF, hand the lines after it
			 * back to dec_lines, which takes them without
			 * compaction.
			 */
			k = 64 - (unsigned)__builtin_clzll(N);
			if ((len + (unsigned)__builtin_popcountll(A &
			    below(k))) % 4 == 0) {
				q = k;
				A &= below(q);
				N &= below(q);
				resync = 1;
			}
		} else if (P | B) {
			stop = P;
			/* Garbage where the data has begun: 1s after the
			 * first alphabet byte, or all if it began before. */
			S = started ? ~(uint64_t)0 : A ?
			    ~below((unsigned)__builtin_ctzll(A) + 1) : 0;
			if (B & S)
				stop |= B & S & bol_region(A, N, bol);
			if (stop) {
				q = (unsigned)__builtin_ctzll(stop);
				A &= below(q);
				N &= below(q);
				B &= below(q);
			}
		}
		/* Append this block's sextets to the pending ones. */
		nc = _mm512_maskz_compress_epi8(A, t);
		c = (unsigned)__builtin_popcountll(A);
		idx = _mm512_mask_blend_epi8(below(len),
		    _mm512_add_epi8(iota, _mm512_set1_epi8((char)(64 - len))),
		    iota);
		all = _mm512_permutex2var_epi8(cur, idx, nc);
		len += c;
		if (len >= 64) {
			o = pack_store(all, 48, o);
			len -= 64;
			/* What did not fit starts at nc[c - len]. */
			cur = _mm512_permutexvar_epi8(_mm512_add_epi8(iota,
			    _mm512_set1_epi8((char)(c - len))), nc);
		} else {
			cur = all;
		}
		garbage += (unsigned)__builtin_popcountll(B);
		started |= A != 0;
		M = A | N;
		if (M)
			bol = (int)((N >> (63 - __builtin_clzll(M))) & 1);
		if (q < 64 || resync) {
			p += q;
			break;
		}
		p += 64;
	}
	/* Whole groups out, the rest back into acc. */
	o = pack_store(cur, len / 4 * 3, o);
	_mm512_storeu_si512(tmp, cur);
	s->acc = 0;
	for (k = len / 4 * 4; k < len; k++)
		s->acc = s->acc << 6 | tmp[k];
	s->nacc = len % 4;
	s->bol = bol;
	s->started = started;
	s->garbage += garbage;
	*pp = p;
	return o;
}

/*
 * Clean MIME lines, the common case (RFC 2045 6.8: encoders write lines
 * of at most 76 characters, nearly always all of one length, a multiple
 * of 4): a line of L alphabet bytes and its CRLF or LF decodes to 3L/4
 * bytes with no compaction at all.  The first line of a run is measured
 * (line_one); the lines after it are assumed to have the same layout,
 * checked with one compare per 64 bytes against the expected positions
 * of the non-alphabet bytes and the expected line end, and decoded with
 * fixed masks (line_run).  The next line's address does not depend on
 * this one's contents, so the loop is not bound by the latency of the
 * lookups, as the compacting kernel is.
 *
 * Runs only with no sextet pending (s->nacc == 0), so that groups start
 * at the line's first byte.  The bytes taken are alphabet bytes, CR
 * before LF, and LF: dec_byte's rule for them is bol = 0 and started =
 * 1, nothing, bol = 1, which the caller applies (a run always ends
 * after an LF).  Anything else ('=', blanks, garbage, a line whose
 * length is not a multiple of 4) stops the run in front of its line.
 */

/* Non-alphabet lanes of a 64-byte vector v whose lookup through dtab is
 * t (bit 7 of either: the lookup only sees the low 7 bits). */
#define B64_NONALPHA(v, t) _mm512_movepi8_mask(_mm512_or_si512((v), (t)))

__attribute__((target(B64_AVX512)))
static inline __m512i
pack48(__m512i t)
{
	const __m512i mul1 = _mm512_set1_epi32(0x01400140);
	const __m512i mul2 = _mm512_set1_epi32(0x00011000);

	t = _mm512_madd_epi16(_mm512_maddubs_epi16(t, mul1), mul2);
	return _mm512_permutexvar_epi8(_mm512_loadu_si512(pack64), t);
}

/*
 * One line at p of up to 124 alphabet bytes (a multiple of 4) and its
 * line end, decoded to o.  Returns the bytes consumed (0: not such a
 * line) and sets *len_r to the alphabet bytes, *eol_r to 1 or 2.
 */
__attribute__((target(B64_AVX512)))
static size_t
line_one(const unsigned char *p, const unsigned char *end, unsigned char *o,
    unsigned *len_r, unsigned *eol_r)
{
	const __m512i lut0 = _mm512_loadu_si512(dtab);
	const __m512i lut1 = _mm512_loadu_si512(dtab + 64);
	size_t avail = (size_t)(end - p);
	uint64_t m0, m1, na0, na1 = ~(uint64_t)0;
	__m512i v0, v1 = _mm512_setzero_si512(), t0, t1 = v1;
	unsigned k, e;

	m0 = below(avail < 64 ? (unsigned)avail : 64);
	v0 = _mm512_maskz_loadu_epi8(m0, p);
	t0 = _mm512_permutex2var_epi8(lut0, v0, lut1);
	na0 = B64_NONALPHA(v0, t0) | ~m0;
	if (na0 != 0) {
		k = (unsigned)__builtin_ctzll(na0);
	} else {
		if (avail <= 64)
			return 0;
		m1 = below(avail - 64 < 64 ? (unsigned)(avail - 64) : 64);
		v1 = _mm512_maskz_loadu_epi8(m1, p + 64);
		t1 = _mm512_permutex2var_epi8(lut0, v1, lut1);
		na1 = B64_NONALPHA(v1, t1) | ~m1;
		if (na1 == 0)
			return 0;
		k = 64 + (unsigned)__builtin_ctzll(na1);
	}
	if (k % 4 != 0 || k >= avail)
		return 0;
	if (p[k] == '\n')
		e = 1;
	else if (p[k] == '\r' && k + 1 < avail && p[k + 1] == '\n')
		e = 2;
	else
		return 0;
	if (k >= 64) {
		_mm512_mask_storeu_epi8(o, below(48), pack48(t0));
		_mm512_mask_storeu_epi8(o + 48, below((k - 64) / 4 * 3),
		    pack48(t1));
	} else {
		_mm512_mask_storeu_epi8(o, below(k / 4 * 3), pack48(t0));
	}
	*len_r = k;
	*eol_r = e;
	return k + e;
}

/*
 * Lines of exactly len alphabet bytes and an eol-byte line end from p
 * on; returns the bytes consumed (whole lines).  All masks are fixed
 * for the run: m0/m1 the bytes of a line in its first and second
 * vector, e0/e1 where the line end must be, pat0/pat1 what it must be.
 */
__attribute__((target(B64_AVX512)))
static size_t
line_run(const unsigned char *p, const unsigned char *end, unsigned char *o,
    unsigned len, unsigned eol, unsigned char **o_r)
{
	const __m512i lut0 = _mm512_loadu_si512(dtab);
	const __m512i lut1 = _mm512_loadu_si512(dtab + 64);
	const unsigned char *p0 = p;
	unsigned char pat[128];
	unsigned stride = len + eol, nb0, nb1;
	uint64_t m0, m1, e0, e1, s0, s1, bad;
	__m512i pat0, pat1, v0, v1, t0, t1;

	memset(pat, 0, sizeof(pat));
	if (eol == 2)
		pat[len] = '\r';
	pat[stride - 1] = '\n';
	pat0 = _mm512_loadu_si512(pat);
	pat1 = _mm512_loadu_si512(pat + 64);
	m0 = below(stride < 64 ? stride : 64);
	m1 = stride > 64 ? below(stride - 64) : 0;
	e0 = m0 & ~below(len < 64 ? len : 64);
	e1 = m1 & ~below(len > 64 ? len - 64 : 0);
	nb0 = (len < 64 ? len : 64) / 4 * 3;
	nb1 = len > 64 ? (len - 64) / 4 * 3 : 0;
	s0 = below(nb0);
	s1 = below(nb1);
	if (stride <= 64) {
		while ((size_t)(end - p) >= stride) {
			_mm_prefetch((const char *)p + 1536, _MM_HINT_T0);
			v0 = _mm512_maskz_loadu_epi8(m0, p);
			t0 = _mm512_permutex2var_epi8(lut0, v0, lut1);
			bad = ((B64_NONALPHA(v0, t0) & m0) ^ e0) |
			    _mm512_mask_cmpneq_epi8_mask(e0, v0, pat0);
			if (bad)
				break;
			_mm512_mask_storeu_epi8(o, s0, pack48(t0));
			o += nb0;
			p += stride;
		}
	} else {
		while ((size_t)(end - p) >= stride) {
			_mm_prefetch((const char *)p + 1536, _MM_HINT_T0);
			_mm_prefetch((const char *)p + 1600, _MM_HINT_T0);
			v0 = _mm512_loadu_si512(p);
			v1 = _mm512_maskz_loadu_epi8(m1, p + 64);
			t0 = _mm512_permutex2var_epi8(lut0, v0, lut1);
			t1 = _mm512_permutex2var_epi8(lut0, v1, lut1);
			bad = (B64_NONALPHA(v0, t0) ^ e0) |
			    ((B64_NONALPHA(v1, t1) & m1) ^ e1) |
			    _mm512_mask_cmpneq_epi8_mask(e0, v0, pat0) |
			    _mm512_mask_cmpneq_epi8_mask(e1, v1, pat1);
			if (bad)
				break;
			_mm512_mask_storeu_epi8(o, s0, pack48(t0));
			_mm512_mask_storeu_epi8(o + nb0, s1, pack48(t1));
			o += nb0 + nb1;
			p += stride;
		}
	}
	*o_r = o;
	return (size_t)(p - p0);
}

/* Clean lines from *pp on, as many as there are; the state update for
 * what was taken (see above). */
__attribute__((target(B64_AVX512)))
static unsigned char *
dec_lines(struct eml_b64_dec *s, const unsigned char **pp,
    const unsigned char *end, unsigned char *o)
{
	const unsigned char *p = *pp;
	unsigned len, eol;
	size_t n;
	int any = 0, alpha = 0;

	while ((n = line_one(p, end, o, &len, &eol)) > 0) {
		any = 1;
		alpha |= len > 0;
		p += n;
		o += len / 4 * 3;
		p += line_run(p, end, o, len, eol, &o);
	}
	if (any) {
		s->bol = 1;
		if (alpha)
			s->started = 1;
	}
	*pp = p;
	return o;
}

#endif /* B64_X86 */

/* A byte after the end of the data: only the padding still owed and
 * blanks belong to the data; the rest is trailing text. */
static inline void
after_end(struct eml_b64_dec *s, unsigned char c)
{
	unsigned v = dtab[c];

	if (v == C_PAD && s->padneed > 0) {
		s->padneed--;
		s->pad++;
		return;
	}
	if (v == C_WS)
		return;
	if (s->padneed > 0 || v == C_PAD) {
		s->badpad++;	/* "Zg=x" or "Zg===" */
		s->padneed = 0;
		if (v == C_PAD)
			return;
	}
	s->trailing++;
}

/* The one rule for a byte that is not part of a clean group. */
static inline unsigned char *
dec_byte(struct eml_b64_dec *s, unsigned char c, unsigned char *o)
{
	unsigned v = dtab[c];

	if (s->ended) {
		after_end(s, c);
		return o;
	}
	if (v < 64) {
		s->bol = 0;
		s->started = 1;
		s->acc = (s->acc << 6) | v;
		if (++s->nacc == 4) {
			*o++ = (unsigned char)(s->acc >> 16);
			*o++ = (unsigned char)(s->acc >> 8);
			*o++ = (unsigned char)s->acc;
			s->acc = 0;
			s->nacc = 0;
		}
	} else if (v == C_PAD) {
		/*
		 * RFC 4648 3.3 / RFC 2045 6.8: '=' after two or three
		 * sextets ends the data (as Python's decoder does); what
		 * follows is not base64 of this body.  A '=' where no group
		 * can end is misplaced: skipped, and a lone sextet before it
		 * (no whole byte) dropped.
		 */
		s->pad++;
		s->bol = 0;
		if (s->nacc == 2) {
			*o++ = (unsigned char)(s->acc >> 4);
			s->padneed = 1;
			s->ended = 1;
		} else if (s->nacc == 3) {
			*o++ = (unsigned char)(s->acc >> 10);
			*o++ = (unsigned char)(s->acc >> 2);
			s->ended = 1;
		} else {
			s->badpad++;
		}
		s->acc = 0;
		s->nacc = 0;
	} else if (v == C_WS) {
		if (c == '\n')
			s->bol = 1;
	} else if (s->bol && s->started) {
		/*
		 * A line that starts with a byte base64 never has, after
		 * the data began: a footer ("-- ", "____", "[list] ...").
		 * Not decoded (issue: Mailman appends one to real mail).
		 */
		s->ended = 1;
		s->trailing++;	/* finish flushes a partial group */
	} else {
		s->garbage++;
	}
	return o;
}

size_t
eml_b64_dec_step(struct eml_b64_dec *s, const void *in, size_t len,
    void *out)
{
	const unsigned char *p = in, *end = p + len, *p0;
	unsigned char *o = out;
	unsigned a, b, c, d;
	int impl = pick_impl();

	while (p < end) {
		if (s->ended) {
			while (p < end)
				after_end(s, *p++);
			break;
		}
#ifdef B64_X86
		if (impl == IMPL_AVX512) {
			/* Clean lines first, the compacting kernel for the
			 * rest; the scalar loop only where neither moves. */
			p0 = p;
			if (s->nacc == 0)
				o = dec_lines(s, &p, end, o);
			if (p == p0)
				o = dec_avx512(s, &p, end, o);
			if (p != p0)
				continue;
		}
#endif
		if (s->nacc == 0) {
			p0 = p;
#ifdef B64_X86
			if (impl == IMPL_AVX2)
				o += dec_avx2(&p, end, o);
			else if (impl == IMPL_SSSE3)
				o += dec_ssse3(&p, end, o);
#else
			(void)impl;
#endif
			/* Clean groups of four, one table lookup each. */
			while (end - p >= 4) {
				a = dtab[p[0]];
				b = dtab[p[1]];
				c = dtab[p[2]];
				d = dtab[p[3]];
				if ((a | b | c | d) & 0x80)
					break;
				a = a << 18 | b << 12 | c << 6 | d;
				o[0] = (unsigned char)(a >> 16);
				o[1] = (unsigned char)(a >> 8);
				o[2] = (unsigned char)a;
				o += 3;
				p += 4;
			}
			/* The fast paths take alphabet bytes only. */
			if (p != p0) {
				s->bol = 0;
				s->started = 1;
			}
			if (p >= end)
				break;
		}
		o = dec_byte(s, *p++, o);
	}
	return (size_t)(o - (unsigned char *)out);
}

size_t
eml_b64_dec_finish(struct eml_b64_dec *s, void *out)
{
	unsigned char *o = out;

	/* Missing padding is tolerated: flush as if '=' had come. */
	if (s->nacc == 2) {
		*o++ = (unsigned char)(s->acc >> 4);
	} else if (s->nacc == 3) {
		*o++ = (unsigned char)(s->acc >> 10);
		*o++ = (unsigned char)(s->acc >> 2);
	}
	if (s->nacc != 0 || s->padneed > 0)
		s->badpad++;
	s->acc = 0;
	s->nacc = 0;
	s->padneed = 0;
	return (size_t)(o - (unsigned char *)out);
}

/* ------------------------------------------------------------------ */

void
eml_b64_enc_init(struct eml_b64_enc *s, int crlf)
{
	memset(s, 0, sizeof(*s));
	s->crlf = crlf;
}

static unsigned
enc_linelen(const struct eml_b64_enc *s)
{
	unsigned n = s->line_len;

	/* RFC 2045 6.8: encoded lines are at most 76 characters. */
	if (n == 0 || n > 76)
		n = 76;
	n &= ~3u;
	return n ? n : 4;
}

static unsigned char *
enc_eol(const struct eml_b64_enc *s, unsigned char *o)
{
	if (s->crlf > 0)
		*o++ = '\r';
	if (s->crlf >= 0)
		*o++ = '\n';
	return o;
}

static unsigned char *
enc_group(unsigned char *o, unsigned a, unsigned b, unsigned c)
{
	unsigned x = a << 16 | b << 8 | c;

	o[0] = (unsigned char)etab[x >> 18];
	o[1] = (unsigned char)etab[(x >> 12) & 63];
	o[2] = (unsigned char)etab[(x >> 6) & 63];
	o[3] = (unsigned char)etab[x & 63];
	return o + 4;
}

size_t
eml_b64_enc_step(struct eml_b64_enc *s, const void *in, size_t len,
    void *out)
{
	const unsigned char *p = in, *end = p + len;
	unsigned char *o = out;
	unsigned ll = enc_linelen(s);

	while (s->nrem > 0 && s->nrem < 3 && p < end)
		s->rem[s->nrem++] = *p++;
	if (s->nrem == 3) {
		o = enc_group(o, s->rem[0], s->rem[1], s->rem[2]);
		s->nrem = 0;
		if ((s->col += 4) >= ll && s->crlf >= 0) {
			o = enc_eol(s, o);
			s->col = 0;
		}
	}
	while (end - p >= 3) {
		o = enc_group(o, p[0], p[1], p[2]);
		p += 3;
		if ((s->col += 4) >= ll && s->crlf >= 0) {
			o = enc_eol(s, o);
			s->col = 0;
		}
	}
	while (p < end)
		s->rem[s->nrem++] = *p++;
	return (size_t)(o - (unsigned char *)out);
}

size_t
eml_b64_enc_finish(struct eml_b64_enc *s, void *out)
{
	unsigned char *o = out;

	if (s->nrem > 0) {
		o = enc_group(o, s->rem[0], s->nrem > 1 ? s->rem[1] : 0, 0);
		o[-1] = '=';
		if (s->nrem == 1)
			o[-2] = '=';
		s->col += 4;
		s->nrem = 0;
	}
	if (s->col > 0 && s->crlf >= 0)
		o = enc_eol(s, o);
	s->col = 0;
	return (size_t)(o - (unsigned char *)out);
}

/* Whole-buffer encoding through the shared driver (decoder.c). */

static size_t
enc_step(void *s, const void *in, size_t len, void *out)
{
	return eml_b64_enc_step(s, in, len, out);
}

static size_t
enc_finish(void *s, void *out)
{
	return eml_b64_enc_finish(s, out);
}

static size_t
enc_max(const void *s, size_t len)
{
	return EML_B64_ENCODED_MAX(len);
}

int
eml_b64_encode(const void *in, size_t len, int crlf, struct eml_buf *out)
{
	struct eml_b64_enc s;
	struct emli_codec c = { &s, enc_step, enc_finish, enc_max };

	eml_b64_enc_init(&s, crlf);
	return emli_codec_run(&c, in, len, out);
}
