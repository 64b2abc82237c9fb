/*
 * scan.c - structural scanning of mail text a block at a time.
 *
 * The parser and the mbox splitter care about few lines: those that start
 * with '-' in a body (a delimiter may follow, RFC 2046 5.1.1), with 'b'
 * in a text body (uuencode "begin"), with "From " in an mbox.  Looking at
 * every line with memchr costs a call per short line; here a 16, 32 or
 * 64 byte block is compared at once and the bitmask of "LF here and the
 * wanted byte right after" says where the next candidate line starts, as
 * simdjson finds JSON structure.  Counting LFs (line numbers of events)
 * is the same compare plus a popcount.
 *
 * Each SIMD path has a scalar twin giving the same answer for every
 * input; the path is picked once at run time from the CPU, or forced by
 * EML_SCAN=scalar|sse2|avx2|avx512 in the environment or by
 * emli_scan_force() (tests/check_scan.c and fuzz/fuzz_parser.c run all).
 */
#include <stdlib.h>
#include <string.h>

#include "eml_priv.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SCAN_X86 1
#include <immintrin.h>
#endif

static int impl = -1;		/* EMLI_SCAN_*, -1: not picked yet */

static int
supported(int i)
{
	switch (i) {
	case EMLI_SCAN_SCALAR:
		return 1;
#ifdef SCAN_X86
	case EMLI_SCAN_SSE2:
		return 1;	/* part of x86-64 */
	case EMLI_SCAN_AVX2:
		return EMLI_CPU(AVX2, "avx2");
	case EMLI_SCAN_AVX512:
		/* the check includes the OS saving the zmm state */
		return EMLI_CPU(AVX512F, "avx512f") &&
		    EMLI_CPU(AVX512BW, "avx512bw") &&
		    EMLI_CPU(BMI2, "bmi2");
#endif
	default:
		return 0;
	}
}

static int
by_name(const char *s)
{
	static const char *const names[] = { "auto", "scalar", "sse2",
	    "avx2", "avx512" };
	int i;

	for (i = 0; s != NULL && i < (int)(sizeof(names) / sizeof(names[0]));
	    i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return EMLI_SCAN_AUTO;
}

static int
best(void)
{
	int i;

	for (i = EMLI_SCAN_AVX512; i > EMLI_SCAN_SCALAR; i--)
		if (supported(i))
			return i;
	return EMLI_SCAN_SCALAR;
}

/* Picked once: a forced path the CPU lacks falls back to scalar, so a
 * test forcing each path runs everywhere (and says which ran). */
static int
pick(int want)
{
	if (want == EMLI_SCAN_AUTO)
		return best();
	return supported(want) ? want : EMLI_SCAN_SCALAR;
}

static int
cur(void)
{
	if (impl < 0)
		impl = pick(by_name(getenv("EML_SCAN")));
	return impl;
}

int
emli_scan_force(int i)
{
	if (i < EMLI_SCAN_AUTO || i > EMLI_SCAN_AVX512)
		i = EMLI_SCAN_AUTO;
	impl = i == EMLI_SCAN_AUTO ? pick(by_name(getenv("EML_SCAN"))) :
	    pick(i);
	return impl;
}

const char *
emli_scan_impl(void)
{
	static const char *const names[] = { "auto", "scalar", "sse2",
	    "avx2", "avx512" };

	return names[cur()];
}

/* ---- scalar twins: the definition the SIMD paths must match ---- */

static int
in_set(unsigned char c, const char *set, size_t nset)
{
	return memchr(set, c, nset) != NULL;
}

static size_t
bol_scalar(const char *s, size_t n, size_t i, const char *set, size_t nset)
{
	for (; i < n; i++)
		if (s[i - 1] == '\n' && in_set((unsigned char)s[i], set, nset))
			return i;
	return n;
}

static size_t
lf_scalar(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += s[i] == '\n';
	return c;
}

#ifdef SCAN_X86
/*
 * Block kernels.  For the candidates at i .. i+W-1, the bytes before
 * them are the block loaded at i - 1: one unaligned load each, no carry
 * between blocks.  The tail shorter than a block is the scalar twin's.
 */
__attribute__((target("sse2")))
static size_t
bol_sse2(const char *s, size_t n, size_t i, const char *set, size_t nset)
{
	const __m128i lf = _mm_set1_epi8('\n');
	size_t k;

	for (; i + 16 <= n; i += 16) {
		__m128i prev = _mm_loadu_si128((const __m128i *)(s + i - 1));
		__m128i cur_ = _mm_loadu_si128((const __m128i *)(s + i));
		__m128i hit = _mm_setzero_si128();
		unsigned m;

		for (k = 0; k < nset; k++)
			hit = _mm_or_si128(hit, _mm_cmpeq_epi8(cur_,
			    _mm_set1_epi8(set[k])));
		m = (unsigned)_mm_movemask_epi8(_mm_and_si128(hit,
		    _mm_cmpeq_epi8(prev, lf)));
		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
	return bol_scalar(s, n, i, set, nset);
}

__attribute__((target("sse2")))
static size_t
lf_sse2(const char *s, size_t n)
{
	const __m128i lf = _mm_set1_epi8('\n');
	size_t i, c = 0;

	for (i = 0; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(s + i));

		c += (size_t)__builtin_popcount((unsigned)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(v, lf)));
	}
	return c + lf_scalar(s + i, n - i);
}

__attribute__((target("avx2")))
static size_t
bol_avx2(const char *s, size_t n, size_t i, const char *set, size_t nset)
{
	const __m256i lf = _mm256_set1_epi8('\n');
	size_t k;

	for (; i + 32 <= n; i += 32) {
		__m256i prev = _mm256_loadu_si256((const __m256i *)(s + i - 1));
		__m256i cur_ = _mm256_loadu_si256((const __m256i *)(s + i));
		__m256i hit = _mm256_setzero_si256();
		unsigned m;

		for (k = 0; k < nset; k++)
			hit = _mm256_or_si256(hit, _mm256_cmpeq_epi8(cur_,
			    _mm256_set1_epi8(set[k])));
		m = (unsigned)_mm256_movemask_epi8(_mm256_and_si256(hit,
		    _mm256_cmpeq_epi8(prev, lf)));
		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
	return bol_sse2(s, n, i, set, nset);
}

__attribute__((target("avx2,popcnt")))
static size_t
lf_avx2(const char *s, size_t n)
{
	const __m256i lf = _mm256_set1_epi8('\n');
	size_t i, c = 0;

	for (i = 0; i + 32 <= n; i += 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(s + i));

		c += (size_t)__builtin_popcount((unsigned)
		    _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, lf)));
	}
	return c + lf_sse2(s + i, n - i);
}

__attribute__((target("avx512f,avx512bw,bmi2")))
static size_t
bol_avx512(const char *s, size_t n, size_t i, const char *set, size_t nset)
{
	const __m512i lf = _mm512_set1_epi8('\n');
	size_t k;

	for (; i + 64 <= n; i += 64) {
		__m512i prev = _mm512_loadu_si512((const void *)(s + i - 1));
		__m512i cur_ = _mm512_loadu_si512((const void *)(s + i));
		__mmask64 hit = 0, m;

		for (k = 0; k < nset; k++)
			hit |= _mm512_cmpeq_epi8_mask(cur_,
			    _mm512_set1_epi8(set[k]));
		m = hit & _mm512_cmpeq_epi8_mask(prev, lf);
		if (m != 0)
			return i + (size_t)__builtin_ctzll(m);
	}
	if (i < n) {
		/* the tail in one masked block: masked-off bytes are not
		 * read, so nothing past s[n - 1] is touched */
		__mmask64 keep = _bzhi_u64(~0ULL, (unsigned)(n - i)), hit = 0, m;
		__m512i prev = _mm512_maskz_loadu_epi8(keep, s + i - 1);
		__m512i cur_ = _mm512_maskz_loadu_epi8(keep, s + i);

		for (k = 0; k < nset; k++)
			hit |= _mm512_cmpeq_epi8_mask(cur_,
			    _mm512_set1_epi8(set[k]));
		m = hit & _mm512_cmpeq_epi8_mask(prev, lf) & keep;
		if (m != 0)
			return i + (size_t)__builtin_ctzll(m);
	}
	return n;
}

__attribute__((target("avx512f,avx512bw,bmi2,popcnt")))
static size_t
lf_avx512(const char *s, size_t n)
{
	const __m512i lf = _mm512_set1_epi8('\n');
	size_t i, c = 0;

	for (i = 0; i + 64 <= n; i += 64) {
		__m512i v = _mm512_loadu_si512((const void *)(s + i));

		c += (size_t)__builtin_popcountll(
		    _mm512_cmpeq_epi8_mask(v, lf));
	}
	if (i < n) {
		/* the tail in one masked block, as in bol_avx512 */
		__mmask64 keep = _bzhi_u64(~0ULL, (unsigned)(n - i));
		__m512i v = _mm512_maskz_loadu_epi8(keep, s + i);

		c += (size_t)__builtin_popcountll(
		    _mm512_cmpeq_epi8_mask(v, lf) & keep);
	}
	return c;
}
#endif

size_t
emli_scan_bol(const char *s, size_t n, size_t from, const char *set,
    size_t nset)
{
	/* a line start is after an LF: position 0 is the caller's */
	if (from == 0)
		from = 1;
	if (from >= n)
		return n;
	switch (cur()) {
#ifdef SCAN_X86
	case EMLI_SCAN_AVX512:
		return bol_avx512(s, n, from, set, nset);
	case EMLI_SCAN_AVX2:
		return bol_avx2(s, n, from, set, nset);
	case EMLI_SCAN_SSE2:
		return bol_sse2(s, n, from, set, nset);
#endif
	default:
		return bol_scalar(s, n, from, set, nset);
	}
}

size_t
eml_count_lf(const char *s, size_t len)
{
	return emli_scan_count_lf(s, len);
}

size_t
emli_scan_count_lf(const char *s, size_t n)
{
	switch (cur()) {
#ifdef SCAN_X86
	case EMLI_SCAN_AVX512:
		return lf_avx512(s, n);
	case EMLI_SCAN_AVX2:
		return lf_avx2(s, n);
	case EMLI_SCAN_SSE2:
		return lf_sse2(s, n);
#endif
	default:
		return lf_scalar(s, n);
	}
}
