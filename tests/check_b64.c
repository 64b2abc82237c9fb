/*
 * check_b64.c - base64 codec (scalar and SIMD paths) and eml_decoder.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml.h"
#include "check_util.h"

/* In lib/b64.c: 0 auto, 1 scalar, 2 ssse3, 3 avx2, 4 avx512vbmi (a
 * path the CPU lacks runs the scalar one).  Every test runs them all. */
void emli_b64_force_impl(int impl);
#define NIMPL	4

static const char alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* Counters a decode ends with: garbage, trailing, badpad. */
struct cnt {
	uint64_t garbage, trailing, badpad;
};

#define IS_WS(c)	((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')

/* Oracle: the decoding rule written the plain way, one byte at a time. */
static size_t
ref_decode(const unsigned char *in, size_t len, unsigned char *out,
    struct cnt *k)
{
	uint32_t acc = 0;
	unsigned n = 0, padneed = 0;
	int bol = 1, started = 0, ended = 0;
	size_t i, o = 0;
	const char *q;
	unsigned char c;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < len; i++) {
		c = in[i];
		q = c != 0 ? strchr(alpha, c) : NULL;
		if (ended) {
			if (c == '=' && padneed > 0) {
				padneed--;
			} else if (!IS_WS(c)) {
				if (padneed > 0 || c == '=') {
					k->badpad++;
					padneed = 0;
					if (c == '=')
						continue;
				}
				k->trailing++;
			}
		} else if (q != NULL) {
			bol = 0;
			started = 1;
			acc = acc << 6 | (uint32_t)(q - alpha);
			if (++n == 4) {
				out[o++] = (unsigned char)(acc >> 16);
				out[o++] = (unsigned char)(acc >> 8);
				out[o++] = (unsigned char)acc;
				n = 0;
				acc = 0;
			}
		} else if (c == '=') {
			bol = 0;
			if (n == 2) {
				out[o++] = (unsigned char)(acc >> 4);
				padneed = 1;
				ended = 1;
			} else if (n == 3) {
				out[o++] = (unsigned char)(acc >> 10);
				out[o++] = (unsigned char)(acc >> 2);
				ended = 1;
			} else {
				k->badpad++;
			}
			n = 0;
			acc = 0;
		} else if (IS_WS(c)) {
			if (c == '\n')
				bol = 1;
		} else if (bol && started) {
			ended = 1;
			k->trailing++;
		} else {
			k->garbage++;
		}
	}
	if (n == 2)
		out[o++] = (unsigned char)(acc >> 4);
	if (n == 3) {
		out[o++] = (unsigned char)(acc >> 10);
		out[o++] = (unsigned char)(acc >> 2);
	}
	if (n != 0 || padneed > 0)
		k->badpad++;
	return o;
}

/* Decode in chunks of size chunk (0 = whole); caller frees. */
static unsigned char *
dec_chunked(const unsigned char *in, size_t len, size_t chunk,
    size_t *olen, struct cnt *cn)
{
	struct eml_b64_dec s;
	unsigned char *out = malloc(EML_B64_DECODED_MAX(len) + 64), *t;
	size_t i, k, o = 0, n;

	if (out == NULL)
		ck_abort_msg("out of memory");
	eml_b64_dec_init(&s);
	if (chunk == 0)
		chunk = len ? len : 1;
	for (i = 0; i < len; i += k) {
		k = len - i < chunk ? len - i : chunk;
		/* Into a buffer of exactly the promised size, so that
		 * ASan sees any write past it. */
		if ((t = malloc(EML_B64_DECODED_MAX(k))) == NULL)
			ck_abort_msg("out of memory");
		n = eml_b64_dec_step(&s, in + i, k, t);
		/* Plain ifs: Check records every passing ck_assert. */
		if (n > EML_B64_DECODED_MAX(k))
			ck_abort_msg("step wrote %zu for %zu", n, k);
		memcpy(out + o, t, n);
		free(t);
		o += n;
	}
	if ((t = malloc(3)) == NULL)
		ck_abort_msg("out of memory");
	n = eml_b64_dec_finish(&s, t);
	if (n > 3)
		ck_abort_msg("finish wrote %zu", n);
	memcpy(out + o, t, n);
	free(t);
	*olen = o + n;
	cn->garbage = s.garbage;
	cn->trailing = s.trailing;
	cn->badpad = s.badpad;
	return out;
}

/* RFC 4648 section 10. */
static const struct {
	const char *plain, *enc;
} rfc4648[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

START_TEST(test_rfc4648)
{
	struct eml_buf b = { 0 };
	const char *p = rfc4648[_i].plain, *e = rfc4648[_i].enc;
	int impl;

	for (impl = 1; impl <= NIMPL; impl++) {
		emli_b64_force_impl(impl);
		eml_buf_reset(&b);
		ck_assert_int_eq(eml_b64_decode(e, strlen(e), &b), EML_OK);
		ck_assert_uint_eq(b.len, strlen(p));
		ck_assert_mem_eq(b.len ? b.data : "", p, strlen(p));
	}
	emli_b64_force_impl(0);
	eml_buf_reset(&b);
	ck_assert_int_eq(eml_b64_encode(p, strlen(p), -1, &b), EML_OK);
	ck_assert_uint_eq(b.len, strlen(e));
	ck_assert_mem_eq(b.len ? b.data : "", e, strlen(e));
	/* With line ends: one line, terminated. */
	eml_buf_reset(&b);
	ck_assert_int_eq(eml_b64_encode(p, strlen(p), 1, &b), EML_OK);
	ck_assert_uint_eq(b.len, *p ? strlen(e) + 2 : 0);
	eml_buf_free(&b);
}
END_TEST

/* Malformed input: lenient results, and what was counted. */
static const struct {
	const char *in;
	size_t inlen;			/* 0: strlen(in) */
	const char *out;
	size_t outlen;
	uint64_t garbage, trailing, badpad;
} bad[] = {
	{ "Zg", 0, "f", 1, 0, 0, 1 },		/* missing padding */
	{ "Zm9", 0, "fo", 2, 0, 0, 1 },
	{ "Z", 0, "", 0, 0, 0, 1 },		/* len = 1 mod 4 */
	{ "Zm9vY", 0, "foo", 3, 0, 0, 1 },
	{ "Zm9vYmFyZ", 0, "foobar", 6, 0, 0, 1 },
	/* Padding ends the data: the rest is trailing text. */
	{ "Zg==Zm8=", 0, "f", 1, 0, 3, 1 },
	{ "Zg=Zm9v", 0, "f", 1, 0, 4, 1 },
	{ "=Zm9v", 0, "foo", 3, 0, 0, 1 },	/* leading '=' */
	{ "==Zm9v==", 0, "foo", 3, 0, 0, 4 },
	{ "=", 0, "", 0, 0, 0, 1 },		/* only '=' */
	{ "====", 0, "", 0, 0, 0, 4 },
	{ "Z=m9v", 0, "\x9b\xdb", 2, 0, 0, 2 },	/* lone sextet dropped */
	/* Whitespace every other char. */
	{ "Z m 9 v Y m F y", 0, "foobar", 6, 0, 0, 0 },
	{ "Z\nm\n9\nv\r\n", 0, "foo", 3, 0, 0, 0 },
	{ "Zm9v!!YmFy", 0, "foobar", 6, 2, 0, 0 },	/* garbage skipped */
	{ "Zm9v\x80YmFy\xff", 0, "foobar", 6, 2, 0, 0 },
	{ "Zm9v\0YmFy", 9, "foobar", 6, 1, 0, 0 },
	{ "-_.:", 0, "", 0, 4, 0, 0 },
	{ "Zm9vYg=", 0, "foob", 4, 0, 0, 1 },	/* one '=' missing */
	{ "Zm9vYg==", 0, "foob", 4, 0, 0, 0 },
	{ "Zm9vYg===", 0, "foob", 4, 0, 0, 1 },
	{ "\tZm9v\r\n YmFy \r\n", 0, "foobar", 6, 0, 0, 0 },
	{ "Zm8", 0, "fo", 2, 0, 0, 1 },
	{ "AAAA", 0, "\0\0\0", 3, 0, 0, 0 },
	{ "////", 0, "\xff\xff\xff", 3, 0, 0, 0 },
	{ "++++", 0, "\xfb\xef\xbe", 3, 0, 0, 0 },
	/* A footer after the data (Mailman): a line that does not start
	 * like base64 ends it, padding or not. */
	{ "Zm9v\n-- \nfooter\n", 0, "foo", 3, 0, 8, 0 },
	{ "Zm9vYg==\nMailing list\n", 0, "foob", 4, 0, 11, 0 },
	{ "Zm9v\r\n____\r\nQUJD\r\n", 0, "foo", 3, 0, 8, 0 },
	{ "Zm9vY\n[x]\n", 0, "foo", 3, 0, 3, 1 },	/* mid-group */
	{ "Zm9v\n  !x\n", 0, "foo", 3, 0, 2, 0 },
	/* Junk lines before the data are garbage, not the end. */
	{ "!!\nZm9v\n", 0, "foo", 3, 2, 0, 0 },
};

START_TEST(test_malformed)
{
	size_t len = bad[_i].inlen ? bad[_i].inlen : strlen(bad[_i].in), olen;
	unsigned char *o;
	struct cnt k, rk;
	int impl;

	for (impl = 1; impl <= NIMPL; impl++) {
		emli_b64_force_impl(impl);
		o = dec_chunked((const unsigned char *)bad[_i].in, len, 0,
		    &olen, &k);
		ck_assert_uint_eq(olen, bad[_i].outlen);
		ck_assert_mem_eq(o, bad[_i].out, olen);
		ck_assert_uint_eq(k.garbage, bad[_i].garbage);
		ck_assert_uint_eq(k.trailing, bad[_i].trailing);
		ck_assert_uint_eq(k.badpad, bad[_i].badpad);
		free(o);
		o = dec_chunked((const unsigned char *)bad[_i].in, len, 1,
		    &olen, &rk);
		ck_assert_uint_eq(olen, bad[_i].outlen);
		ck_assert_mem_eq(o, bad[_i].out, olen);
		ck_assert_mem_eq(&k, &rk, sizeof(k));
		free(o);
	}
	emli_b64_force_impl(0);
	/* The oracle agrees with the table too. */
	o = malloc(EML_B64_DECODED_MAX(len) + 8);
	ck_assert_ptr_nonnull(o);
	olen = ref_decode((const unsigned char *)bad[_i].in, len, o, &rk);
	ck_assert_uint_eq(olen, bad[_i].outlen);
	ck_assert_mem_eq(o, bad[_i].out, olen);
	ck_assert_uint_eq(rk.garbage, bad[_i].garbage);
	ck_assert_uint_eq(rk.trailing, bad[_i].trailing);
	ck_assert_uint_eq(rk.badpad, bad[_i].badpad);
	free(o);
}
END_TEST

/* Random base64 with line ends, garbage, '=' and all byte values. */
static unsigned char *
random_b64(size_t len, int dirt)
{
	unsigned char *s = malloc(len + 1);
	size_t i;
	uint32_t r;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < len; i++) {
		r = rnd();
		if (dirt == 0 || r % 1000 >= (uint32_t)dirt)
			s[i] = (unsigned char)alpha[(r >> 10) % 64];
		else if (r % 5 == 0)
			s[i] = '=';
		else if (r % 5 == 1)
			s[i] = '\n';
		else if (r % 5 == 2)
			s[i] = ' ';
		else
			s[i] = (unsigned char)(r >> 12);
	}
	/* Line structure in part of it. */
	if (dirt > 0 && len > 200)
		for (i = 76; i < len / 2; i += 77)
			s[i] = '\n';
	s[len] = '\0';
	return s;
}

/* The same without what ends the data ('=', a line starting with
 * garbage), so that dirty input runs through every path to its end. */
static unsigned char *
random_b64_long(size_t len, int dirt)
{
	unsigned char *s = random_b64(len, dirt);
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '=')
			s[i] = '!';
		if ((i == 0 || s[i - 1] == '\n') && s[i] != '\n' &&
		    !strchr(alpha, s[i]))
			s[i] = 'Q';
	}
	return s;
}

static void
compare_all(const unsigned char *in, size_t len, size_t maxchunk)
{
	unsigned char *ref = malloc(EML_B64_DECODED_MAX(len) + 8), *o;
	size_t rlen, olen, chunk;
	struct cnt rg, g;
	int impl;

	ck_assert_ptr_nonnull(ref);
	rlen = ref_decode(in, len, ref, &rg);
	for (impl = 1; impl <= NIMPL; impl++) {
		emli_b64_force_impl(impl);
		for (chunk = 0; chunk <= maxchunk; chunk++) {
			o = dec_chunked(in, len, chunk, &olen, &g);
			if (olen != rlen || memcmp(o, ref, rlen) != 0 ||
			    memcmp(&g, &rg, sizeof(g)) != 0)
				ck_abort_msg("impl %d chunk %zu differs",
				    impl, chunk);
			free(o);
		}
	}
	emli_b64_force_impl(0);
	free(ref);
}

static const int dirt_levels[] = { 0, 1, 10, 50, 200, 600 };

START_TEST(test_paths_agree)
{
	unsigned char *in;
	size_t len;

	for (len = 0; len < 300; len += 7) {
		in = random_b64(len, dirt_levels[_i]);
		compare_all(in, len, len + 1 < 80 ? len + 1 : 80);
		free(in);
	}
	in = random_b64(5000, dirt_levels[_i]);
	compare_all(in, 5000, 130);
	free(in);
	for (len = 0; len < 300; len += 7) {
		in = random_b64_long(len, dirt_levels[_i]);
		compare_all(in, len, len + 1 < 80 ? len + 1 : 80);
		free(in);
	}
	in = random_b64_long(5000, dirt_levels[_i]);
	compare_all(in, 5000, 130);
	free(in);
}
END_TEST

/* Every byte value at every position of a vector block. */
START_TEST(test_every_byte)
{
	unsigned char in[160];
	size_t pos, i;

	for (pos = 0; pos < 80; pos += 3) {
		for (i = 0; i < sizeof(in); i++)
			in[i] = (unsigned char)alpha[(i * 7) % 64];
		in[pos] = (unsigned char)_i;
		compare_all(in, sizeof(in), 1);
	}
}
END_TEST

/*
 * MIME text (76-column lines, CRLF or LF) with one event spliced in at
 * every offset of the first vector blocks, so that each kernel meets it
 * at every lane and with 0..3 sextets pending: padding, a footer line,
 * garbage inside a line and at a line start, blank lines, high bytes.
 */
static const char *const events[] = {
	"=", "==", "\n-- \nfooter\n", "\r\n____\r\n", "!", "\n!x", " \t ",
	"\n\n\n", "\x80\xff", "Q=Q", "\n=\n", "A\n[", ":-:-:-:-",
};

START_TEST(test_events)
{
	const char *ev = events[_i % 13];
	int crlf = _i >= 13;
	unsigned char in[700];
	size_t len, elen = strlen(ev), pos, i, col;

	for (pos = 0; pos < 200; pos++) {
		len = col = 0;
		for (i = 0; len < 600; i++) {
			if (i == pos) {
				memcpy(in + len, ev, elen);
				len += elen;
			}
			if (col == 76) {
				if (crlf)
					in[len++] = '\r';
				in[len++] = '\n';
				col = 0;
			} else {
				in[len++] = (unsigned char)alpha[(i * 11) % 64];
				col++;
			}
		}
		compare_all(in, len, pos % 5 == 0 ? 70 : 0);
	}
}
END_TEST

/* Garbage every other byte and 76-column lines: the kernels skip it
 * without leaving their loops, with the same counts. */
START_TEST(test_garbage_heavy)
{
	unsigned char *in = malloc(20000);
	size_t i;

	ck_assert_ptr_nonnull(in);
	for (i = 0; i < 20000; i++) {
		if (i % 78 == 77)
			in[i] = '\n';
		else if (i % 2)
			in[i] = (unsigned char)"!*\x80\x01.~"[(i / 2) % 6];
		else
			in[i] = (unsigned char)alpha[(i * 5) % 64];
	}
	compare_all(in, 20000, 3);
	free(in);
}
END_TEST

/* Encoder: 76-column lines, each end, chunk invariance, round trip. */
START_TEST(test_encode_roundtrip)
{
	static const int eols[] = { 1, 0, -1 };
	int crlf = eols[_i];
	struct eml_b64_enc s;
	struct eml_buf whole = { 0 }, dec = { 0 };
	unsigned char *data, *o;
	size_t len, i, k, n, chunk, line;

	for (len = 0; len < 2000; len = len * 3 + 1) {
		data = malloc(len + 1);
		ck_assert_ptr_nonnull(data);
		for (i = 0; i < len; i++)
			data[i] = (unsigned char)rnd();
		eml_buf_reset(&whole);
		ck_assert_int_eq(eml_b64_encode(data, len, crlf, &whole),
		    EML_OK);
		/* Lines of exactly 76 chars but the last. */
		for (i = line = 0; i < whole.len; i++) {
			if (whole.data[i] == '\n' || whole.data[i] == '\r') {
				ck_assert_int_ne(crlf, -1);
				if (whole.data[i] == '\r') {
					ck_assert_int_eq(crlf, 1);
					i++;
					ck_assert_int_eq(whole.data[i], '\n');
				}
				ck_assert(line == 76 || i + 1 == whole.len);
				line = 0;
			} else {
				ck_assert(strchr(alpha, whole.data[i]) ||
				    whole.data[i] == '=');
				line++;
			}
		}
		if (crlf >= 0 && len > 0)
			ck_assert_int_eq(whole.data[whole.len - 1], '\n');
		/* Any chunking gives the same text. */
		o = malloc(EML_B64_ENCODED_MAX(len) + 16);
		ck_assert_ptr_nonnull(o);
		for (chunk = 1; chunk < 60; chunk += 1 + chunk / 8) {
			eml_b64_enc_init(&s, crlf);
			for (i = n = 0; i < len; i += k) {
				k = len - i < chunk ? len - i : chunk;
				n += eml_b64_enc_step(&s, data + i, k, o + n);
			}
			n += eml_b64_enc_finish(&s, o + n);
			ck_assert_uint_eq(n, whole.len);
			ck_assert_mem_eq(o, whole.data, n);
		}
		ck_assert_uint_le(whole.len, EML_B64_ENCODED_MAX(len));
		free(o);
		eml_buf_reset(&dec);
		ck_assert_int_eq(eml_b64_decode(whole.data, whole.len, &dec),
		    EML_OK);
		ck_assert_uint_eq(dec.len, len);
		ck_assert_mem_eq(dec.len ? dec.data : "", data, len);
		free(data);
	}
	eml_buf_free(&whole);
	eml_buf_free(&dec);
}
END_TEST

START_TEST(test_line_len)
{
	struct eml_b64_enc s;
	char out[64];
	size_t n;

	eml_b64_enc_init(&s, 0);
	s.line_len = 8;
	n = eml_b64_enc_step(&s, "foobarfoob", 10, out);
	n += eml_b64_enc_finish(&s, out + n);
	ck_assert_uint_eq(n, 18);
	ck_assert_mem_eq(out, "Zm9vYmFy\nZm9vYg==\n", 18);
}
END_TEST

START_TEST(test_buf_limit)
{
	struct eml_buf b = { 0 };
	static const char big[] = "Zm9vYmFyZm9vYmFyZm9vYmFy";	/* 18 bytes */

	b.max = 10;
	ck_assert_int_eq(eml_b64_decode(big, strlen(big), &b), EML_ELIMIT);
	ck_assert_uint_eq(b.len, 0);
	b.max = 18;
	ck_assert_int_eq(eml_b64_decode(big, strlen(big), &b), EML_OK);
	ck_assert_uint_eq(b.len, 18);
	eml_buf_reset(&b);
	b.max = 10;
	ck_assert_int_eq(eml_b64_encode("foobarfoobar", 12, -1, &b),
	    EML_ELIMIT);
	ck_assert_uint_eq(b.len, 0);
	eml_buf_free(&b);
}
END_TEST

START_TEST(test_impl_name)
{
	const char *n;

	eml_b64_force_scalar(1);
	ck_assert_str_eq(eml_b64_impl(), "scalar");
	eml_b64_force_scalar(0);
	n = eml_b64_impl();
	ck_assert(strcmp(n, "avx512vbmi") == 0 || strcmp(n, "avx2") == 0 ||
	    strcmp(n, "ssse3") == 0 || strcmp(n, "scalar") == 0);
	/* Forcing a path the CPU has really selects it, so the loops over
	 * NIMPL test each kernel here, not the scalar one four times. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	emli_b64_force_impl(4);
	if (__builtin_cpu_supports("avx512vbmi2") &&
	    __builtin_cpu_supports("avx512vbmi") &&
	    __builtin_cpu_supports("avx512bw"))
		ck_assert_str_eq(eml_b64_impl(), "avx512vbmi");
	else
		printf("note: no AVX-512 VBMI2 here, its path not tested\n");
	emli_b64_force_impl(3);
	if (__builtin_cpu_supports("avx2"))
		ck_assert_str_eq(eml_b64_impl(), "avx2");
	emli_b64_force_impl(0);
#endif
}
END_TEST

/*
 * Line layouts for the AVX-512 clean-line path (lib/b64.c dec_lines),
 * which takes lines of one length (a multiple of 4, up to 124) with
 * fixed masks: every length from 0 to 132 with LF and CRLF, clean, with
 * one byte of one line changed (padding, a blank, garbage, a lone CR or
 * LF, a high byte), with a line one group shorter or longer, with a
 * padded last line and a footer.  Chunk sizes up to a line and a bit,
 * so that chunks end at every offset of a line.
 */
static const unsigned char line_bytes[] = { '=', ' ', '!', '\r', '\n',
    0x80, '\t', 'A' };

START_TEST(test_line_layouts)
{
	unsigned llen = (unsigned)_i % 133, crlf = (unsigned)_i / 133, v;
	unsigned char in[1700];
	size_t len, i, j, nl, maxchunk, at;

	maxchunk = llen + 4;
	for (v = 0; v < 3 + 2 * sizeof(line_bytes); v++) {
		len = 0;
		for (nl = 0; nl < 9 && len + llen + 8 < sizeof(in) - 40;
		    nl++) {
			j = llen;
			if (v == 1 && nl == 4)
				j = llen >= 4 ? llen - 4 : 0;
			if (v == 2 && nl == 4)
				j = llen + 4;
			for (i = 0; i < j; i++)
				in[len++] = (unsigned char)alpha[rnd() % 64];
			if (crlf)
				in[len++] = '\r';
			in[len++] = '\n';
		}
		if (v >= 3 && len > 0) {
			/* One byte of the fifth line, or its first line end
			 * byte (a CR for LF, an LF for CR...). */
			at = (llen + 1 + crlf) * 4;
			at += v % 2 ? llen : rnd() % (llen + 1 + crlf);
			if (at < len)
				in[at] = line_bytes[(v - 3) / 2];
		}
		if (v == 0) {
			memcpy(in + len, "QUI=\n-- \nlist footer\n", 21);
			len += 21;
		}
		compare_all(in, len, maxchunk);
	}
}
END_TEST

/* GMime's codec vectors: photo.b64 is photo.jpg in 76-column lines. */
START_TEST(test_gmime_photo)
{
	const char *dir = tu_shared_corpus();
	char path[1024];
	char *jpg, *b64;
	size_t jlen, blen;
	struct eml_buf b = { 0 };
	int impl;

	if (dir == NULL) {
		printf("skipped: shared corpus not found (gmime photo.b64)\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/gmime/encodings/photo.jpg", dir);
	jpg = tu_slurp(path, &jlen);
	snprintf(path, sizeof(path), "%s/gmime/encodings/photo.b64", dir);
	b64 = tu_slurp(path, &blen);
	if (jpg == NULL || b64 == NULL) {
		printf("skipped: gmime/encodings not in the shared corpus\n");
		free(jpg);
		free(b64);
		return;
	}
	for (impl = 1; impl <= NIMPL; impl++) {
		emli_b64_force_impl(impl);
		eml_buf_reset(&b);
		ck_assert_int_eq(eml_b64_decode(b64, blen, &b), EML_OK);
		ck_assert_uint_eq(b.len, jlen);
		ck_assert_mem_eq(b.data, jpg, jlen);
	}
	emli_b64_force_impl(0);
	/* Our encoder writes the same text. */
	eml_buf_reset(&b);
	ck_assert_int_eq(eml_b64_encode(jpg, jlen, 0, &b), EML_OK);
	ck_assert_uint_eq(b.len, blen);
	ck_assert_mem_eq(b.data, b64, blen);
	eml_buf_free(&b);
	free(jpg);
	free(b64);
}
END_TEST

/* eml_decoder dispatches on the encoding; unknown ones are copied. */
static const struct {
	enum eml_cte cte;
	const char *in, *out;
} disp[] = {
	{ EML_CTE_7BIT, "a=41 Zm9v\r\n", "a=41 Zm9v\r\n" },
	{ EML_CTE_8BIT, "\xe9t\xe9=\n", "\xe9t\xe9=\n" },
	{ EML_CTE_BINARY, "x\r\ny", "x\r\ny" },
	{ EML_CTE_UNKNOWN, "=41", "=41" },
	{ EML_CTE_QP, "a=41 =\r\nb  \r\n", "aA b\r\n" },
	{ EML_CTE_BASE64, "Zm9v\r\nYg==\r\n", "foob" },
	{ EML_CTE_UUENCODE, "hi\nbegin 644 x\n#86)C\n`\nend\n", "abc" },
};

START_TEST(test_decoder)
{
	struct eml_decoder d;
	const char *in = disp[_i].in;
	size_t len = strlen(in), i, n = 0;
	char out[256];

	/* Byte at a time, the hardest chunking. */
	eml_decoder_init(&d, disp[_i].cte);
	ck_assert_uint_ge(eml_decoder_max(&d, len), len * 3 / 4);
	for (i = 0; i < len; i++)
		n += eml_decoder_step(&d, in + i, 1, out + n);
	n += eml_decoder_finish(&d, out + n);
	ck_assert_uint_eq(n, strlen(disp[_i].out));
	ck_assert_mem_eq(out, disp[_i].out, n);
}
END_TEST

Suite *
eml_b64_suite(void)
{
	Suite *s = suite_create("b64");
	TCase *tc = tcase_create("b64");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_rfc4648, 0, (int)(sizeof(rfc4648) /
	    sizeof(rfc4648[0])));
	tcase_add_loop_test(tc, test_malformed, 0, (int)(sizeof(bad) /
	    sizeof(bad[0])));
	tcase_add_loop_test(tc, test_paths_agree, 0,
	    (int)(sizeof(dirt_levels) / sizeof(dirt_levels[0])));
	tcase_add_loop_test(tc, test_every_byte, 0, 256);
	tcase_add_loop_test(tc, test_events, 0, 26);
	tcase_add_test(tc, test_garbage_heavy);
	tcase_add_loop_test(tc, test_line_layouts, 0, 2 * 133);
	tcase_add_loop_test(tc, test_encode_roundtrip, 0, 3);
	tcase_add_test(tc, test_line_len);
	tcase_add_test(tc, test_buf_limit);
	tcase_add_test(tc, test_impl_name);
	tcase_add_test(tc, test_gmime_photo);
	tcase_add_loop_test(tc, test_decoder, 0, (int)(sizeof(disp) /
	    sizeof(disp[0])));
	suite_add_tcase(s, tc);
	return s;
}
