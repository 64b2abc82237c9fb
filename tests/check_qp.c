/*
 * check_qp.c - quoted-printable decoder and encoder.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml.h"
#include "check_util.h"

/* In lib/qp.c: 0 auto, 1 scalar, 2 SSE2, 3 AVX-512 (a path the CPU
 * lacks runs the SSE2 one).  The paths must agree byte for byte. */
void emli_qp_force_impl(int impl);
#define NIMPL	3

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* Decode in chunks of size chunk (0 = whole); caller frees. */
static unsigned char *
dec_chunked(const void *in, size_t len, size_t chunk, int rfc2047,
    size_t *olen, uint64_t *bad)
{
	struct eml_qp_dec s;
	const unsigned char *p = in;
	unsigned char *out = malloc(EML_QP_DECODED_MAX(len) + 64), *t;
	size_t i, k, o = 0, n;

	if (out == NULL)
		ck_abort_msg("out of memory");
	eml_qp_dec_init(&s);
	s.rfc2047 = rfc2047;
	if (chunk == 0)
		chunk = len ? len : 1;
	for (i = 0; i < len; i += k) {
		k = len - i < chunk ? len - i : chunk;
		/* Into a buffer of exactly the promised size, so that
		 * ASan sees any write past it. */
		if ((t = malloc(EML_QP_DECODED_MAX(k))) == NULL)
			ck_abort_msg("out of memory");
		n = eml_qp_dec_step(&s, p + i, k, t);
		/* Plain ifs: Check records every passing ck_assert. */
		if (n > EML_QP_DECODED_MAX(k))
			ck_abort_msg("step wrote %zu for %zu", n, k);
		memcpy(out + o, t, n);
		free(t);
		o += n;
	}
	if ((t = malloc(64)) == NULL)
		ck_abort_msg("out of memory");
	n = eml_qp_dec_finish(&s, t);
	if (n > 64)
		ck_abort_msg("finish wrote %zu", n);
	memcpy(out + o, t, n);
	free(t);
	*olen = o + n;
	if (bad != NULL)
		*bad = s.bad;
	return out;
}

static const struct {
	const char *in, *out;
	uint64_t bad;
	int rfc2047;
} vec[] = {
	/* RFC 2045 6.7 rule 5 example, soft line breaks. */
	{ "Now's the time =\r\nfor all folk to come=\r\n to the aid of "
	  "their country.", "Now's the time for all folk to come to the aid "
	  "of their country.", 0, 0 },
	{ "=41=42=43", "ABC", 0, 0 },
	{ "a=3Db", "a=b", 0, 0 },
	{ "=3d=e9", "=\xe9", 0, 0 },		/* lower case accepted */
	{ "caf=C3=A9\r\n", "caf\xc3\xa9\r\n", 0, 0 },
	{ "=G1", "=G1", 1, 0 },			/* bad escape kept */
	{ "=1G", "=1G", 1, 0 },
	/* '=' at the end of the body: a soft break whose EOL went to the
	 * delimiter line (not in Q words, which have none) */
	{ "abc=", "abc", 0, 0 },
	{ "abc= \t", "abc", 0, 0 },
	{ "a  =", "a  ", 0, 0 },
	{ "abc=", "abc=", 1, 1 },
	{ "abc=4", "abc=4", 1, 0 },
	{ "a==41", "a=A", 1, 0 },
	{ "= x", "= x", 1, 0 },
	{ "=\rx", "=\rx", 1, 0 },
	{ "a=\nb", "ab", 0, 0 },		/* soft breaks */
	{ "a=\r\nb", "ab", 0, 0 },
	{ "a= \t \r\nb", "ab", 0, 0 },		/* blanks after '=' */
	{ "a=  \nb", "ab", 0, 0 },
	{ "a  \r\nb", "a\r\nb", 0, 0 },		/* trailing blanks (rule 3) */
	{ "a \t \nb", "a\nb", 0, 0 },
	{ "a  ", "a", 0, 0 },
	{ "a  \r", "a\r", 0, 0 },		/* cut CRLF at the end */
	{ "a =20\n", "a  \n", 0, 0 },		/* encoded blanks stay */
	{ "a=20 \n", "a \n", 0, 0 },
	{ "a  =\nb", "a  b", 0, 0 },
	{ "a\r\nb\nc\r\n", "a\r\nb\nc\r\n", 0, 0 }, /* line ends as is */
	{ "a\rb", "a\rb", 0, 0 },
	{ " \r \n", " \r\n", 0, 0 },
	{ "=\r", "", 0, 0 },
	{ "=", "", 0, 0 },
	{ "=", "=", 1, 1 },
	{ "", "", 0, 0 },
	{ "\n\n", "\n\n", 0, 0 },
	{ "a_b=5Fc", "a_b_c", 0, 0 },
	{ "a_b=5Fc", "a b_c", 0, 1 },		/* RFC 2047 Q encoding */
	{ "=E9t=E9_", "\xe9t\xe9 ", 0, 1 },
	{ "\xe9=3D", "\xe9=", 0, 0 },		/* raw 8-bit passes */
};

START_TEST(test_vectors)
{
	const char *in = vec[_i].in, *exp = vec[_i].out;
	size_t len = strlen(in), olen, chunk;
	unsigned char *o;
	uint64_t bad;
	int impl;

	for (impl = 1; impl <= NIMPL; impl++) {
		emli_qp_force_impl(impl);
		for (chunk = 0; chunk <= len + 1; chunk++) {
			o = dec_chunked(in, len, chunk, vec[_i].rfc2047, &olen,
			    &bad);
			ck_assert_msg(olen == strlen(exp) &&
			    memcmp(o, exp, olen) == 0,
			    "vector %d impl %d chunk %zu: got \"%.*s\"", _i,
			    impl, chunk, (int)olen, (const char *)o);
			ck_assert_uint_eq(bad, vec[_i].bad);
			free(o);
		}
	}
	emli_qp_force_impl(0);
}
END_TEST

/*
 * The scalar, SSE2 and AVX-512 paths on QP text built from every kind of
 * piece the vector blocks judge (escapes in both cases, bad ones, soft
 * breaks with LF and CRLF and with blanks after the '=', hard line ends
 * with and without trailing blanks, lone CRs, long blank runs, 8-bit
 * bytes) between literal runs long enough for whole blocks: the same
 * output and the same bad count, for chunk sizes that put the chunk
 * edges at every offset of a block.  The reference is the scalar path
 * decoding the whole input.
 */
START_TEST(test_paths_agree)
{
	static const char *const pieces[] = {
		"=", "=4", "=41", "=4G", "= ", "=\r", "=\r\n", "=\n", " ",
		"\t", "\r", "\n", "\r\n", "=3D", "=e9", "=C3=A9", "=c3=a9",
		"  =\n", "xyz ", "=  \r\n", " \n", "\t\r\n", " \r", "==41",
		"=\r\r\n", "=4\n", "\x80\xff", "= \t\n", "\n\n", "=F0=9F=99=82",
	};
	static const char text[] =
	    "Proposal benchmark e.g. if customer meeting which travel on";
	static const size_t chunks[] = { 1, 2, 3, 5, 16, 63, 64, 65, 66, 67,
	    100, 129, 200, 1000 };
	char buf[6000];
	unsigned char *ref, *o;
	size_t len, j, n, c, rlen, olen;
	uint64_t rbad, bad;
	int impl;

	len = 0;
	while (len < 5000) {
		j = rnd() % (sizeof(pieces) / sizeof(pieces[0]));
		if (rnd() % 40 == 0) {
			n = 60 + rnd() % 40;
			memset(buf + len, rnd() % 2 ? ' ' : '\t', n);
			len += n;
		}
		n = strlen(pieces[j]);
		memcpy(buf + len, pieces[j], n);
		len += n;
		/* Literal text of 0..119 bytes, often none (dense). */
		n = _i % 2 ? rnd() % 120 : rnd() % 4 * (rnd() % 30);
		for (c = 0; c < n; c++)
			buf[len + c] = text[(len + c) % (sizeof(text) - 1)];
		len += n;
	}
	emli_qp_force_impl(1);
	ref = dec_chunked(buf, len, 0, 0, &rlen, &rbad);
	for (impl = 1; impl <= NIMPL; impl++) {
		emli_qp_force_impl(impl);
		for (c = 0; c <= sizeof(chunks) / sizeof(chunks[0]); c++) {
			o = dec_chunked(buf, len, c ? chunks[c - 1] : 0, 0,
			    &olen, &bad);
			if (olen != rlen || memcmp(o, ref, olen) != 0 ||
			    bad != rbad)
				ck_abort_msg("impl %d chunk %zu differs", impl,
				    c ? chunks[c - 1] : 0);
			free(o);
		}
	}
	emli_qp_force_impl(0);
	free(ref);
}
END_TEST

/* Long blank runs: the held tail is capped; still chunk-invariant. */
static void
check_invariant(const char *in, size_t len)
{
	unsigned char *ref, *o;
	size_t rlen, olen, i, k, cut, n;
	struct eml_qp_dec s;
	uint64_t rbad, bad;

	ref = dec_chunked(in, len, 0, 0, &rlen, &rbad);
	/* Every split point into two pieces. */
	for (cut = 0; cut <= len; cut++) {
		o = malloc(EML_QP_DECODED_MAX(len) + 64);
		if (o == NULL)
			ck_abort_msg("out of memory");
		eml_qp_dec_init(&s);
		n = eml_qp_dec_step(&s, in, cut, o);
		n += eml_qp_dec_step(&s, in + cut, len - cut, o + n);
		n += eml_qp_dec_finish(&s, o + n);
		if (n != rlen || memcmp(o, ref, n) != 0 || s.bad != rbad)
			ck_abort_msg("split at %zu differs", cut);
		free(o);
	}
	/* Every chunk size. */
	for (k = 1; k <= 100 && k <= len; k++) {
		o = dec_chunked(in, len, k, 0, &olen, &bad);
		if (olen != rlen || memcmp(o, ref, olen) != 0 || bad != rbad)
			ck_abort_msg("chunk %zu differs", k);
		free(o);
	}
	/* Bytes taken one at a time, mixed with empty steps. */
	o = malloc(EML_QP_DECODED_MAX(len) + 64);
	if (o == NULL)
		ck_abort_msg("out of memory");
	eml_qp_dec_init(&s);
	for (i = n = 0; i < len; i++) {
		n += eml_qp_dec_step(&s, in + i, 0, o + n);
		n += eml_qp_dec_step(&s, in + i, 1, o + n);
	}
	n += eml_qp_dec_finish(&s, o + n);
	if (n != rlen || memcmp(o, ref, n) != 0)
		ck_abort_msg("byte at a time differs");
	free(o);
	free(ref);
}

START_TEST(test_chunk_invariant)
{
	static const char *const pieces[] = {
		"=", "=4", "=41", "=4G", "= ", "=\r", "=\r\n", "=\n", " ",
		"\t", "\r", "\n", "\r\n", "a", "bc", "_", "=3D", "=e9",
		"  =\n", "xyz ", "=  \r\n",
	};
	char buf[4096];
	size_t len = 0, j, n;
	int round;

	for (round = 0; round < 30; round++) {
		len = 0;
		while (len < 300) {
			j = rnd() % (sizeof(pieces) / sizeof(pieces[0]));
			if (rnd() % 20 == 0) {
				/* A blank run around the 79/80 caps. */
				n = 60 + rnd() % 40;
				memset(buf + len, rnd() % 2 ? ' ' : '\t', n);
				len += n;
			}
			n = strlen(pieces[j]);
			memcpy(buf + len, pieces[j], n);
			len += n;
		}
		check_invariant(buf, len);
	}
}
END_TEST

/* Exactly at the caps: 79 blanks before a line end are all dropped,
 * 100 keep their first 21; "=" + 78 blanks is a soft break, + 79 not. */
START_TEST(test_caps)
{
	char in[256], exp[256];
	unsigned char *o;
	size_t olen;
	uint64_t bad;

	memset(in, ' ', 79);
	memcpy(in + 79, "\nx", 2);
	o = dec_chunked(in, 81, 0, 0, &olen, &bad);
	ck_assert_uint_eq(olen, 2);
	ck_assert_mem_eq(o, "\nx", 2);
	free(o);

	memset(in, ' ', 100);
	memcpy(in + 100, "\r\nx", 3);
	memset(exp, ' ', 21);
	memcpy(exp + 21, "\r\nx", 3);
	o = dec_chunked(in, 103, 7, 0, &olen, &bad);
	ck_assert_uint_eq(olen, 24);
	ck_assert_mem_eq(o, exp, 24);
	free(o);

	in[0] = '=';
	memset(in + 1, ' ', 78);
	memcpy(in + 79, "\r\nx", 3);
	o = dec_chunked(in, 82, 0, 0, &olen, &bad);
	ck_assert_uint_eq(olen, 1);
	ck_assert_int_eq(o[0], 'x');
	ck_assert_uint_eq(bad, 0);
	free(o);

	memset(in + 1, ' ', 79);
	memcpy(in + 80, "\r\nx", 3);
	o = dec_chunked(in, 83, 0, 0, &olen, &bad);
	ck_assert_uint_eq(bad, 1);
	ck_assert_uint_eq(olen, 4);		/* "=" CR LF "x" */
	ck_assert_mem_eq(o, "=\r\nx", 4);
	free(o);
}
END_TEST

/* Encoder output rules, checked on any output. */
static void
check_encoded(const char *e, size_t n, int crlf)
{
	size_t i, col = 0;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)e[i];
		if (c == '\r') {
			if (!crlf || i + 1 >= n || e[i + 1] != '\n')
				ck_abort_msg("stray CR at %zu", i);
			continue;
		}
		if (c == '\n') {
			if (crlf && (i == 0 || e[i - 1] != '\r'))
				ck_abort_msg("bare LF at %zu", i);
			if (col > 0 && (e[i - 1 - crlf] == ' ' ||
			    e[i - 1 - crlf] == '\t'))
				ck_abort_msg("trailing blank at %zu", i);
			col = 0;
			continue;
		}
		if (c != '\t' && (c < 32 || c > 126))
			ck_abort_msg("unencoded byte %#x at %zu", c, i);
		if (++col > 76)
			ck_abort_msg("line over 76 at %zu", i);
		if (c == '=' && !(i + 1 < n && (e[i + 1] == '\r' ||
		    e[i + 1] == '\n')) && !(i + 2 < n &&
		    strchr("0123456789ABCDEF", e[i + 1]) &&
		    strchr("0123456789ABCDEF", e[i + 2])))
			ck_abort_msg("bad escape at %zu", i);
	}
	if (n > 0 && (e[n - 1] == ' ' || e[n - 1] == '\t'))
		ck_abort_msg("trailing blank at the end");
}

/* Random data in binary mode and text in text mode come back intact;
 * any chunking of the encoder gives the same text. */
START_TEST(test_encode_roundtrip)
{
	int crlf = _i & 1, binary = (_i >> 1) & 1;
	static const char tx[] = "ab =.\tF\xe9\n\r ";
	struct eml_qp_enc s;
	unsigned char *data, *o, *d = NULL;
	size_t len, i, n, k, chunk, whole, dlen;

	for (len = 0; len < 3000; len = len * 2 + 1) {
		data = malloc(len + 1);
		o = malloc(EML_QP_ENCODED_MAX(len) + 1);
		if (data == NULL || o == NULL)
			ck_abort_msg("out of memory");
		for (i = 0; i < len; i++) {
			data[i] = binary ? (unsigned char)rnd() :
			    (unsigned char)tx[rnd() % (sizeof(tx) - 1)];
			/* Text mode: line ends as the output writes them. */
			if (!binary && crlf && data[i] == '\n' &&
			    (i == 0 || data[i - 1] != '\r'))
				data[i] = 'x';
			if (!binary && !crlf && data[i] == '\n' && i > 0 &&
			    data[i - 1] == '\r')
				data[i] = 'y';
		}
		whole = 0;
		for (chunk = 0; chunk < 80; chunk += 1 + chunk / 4) {
			eml_qp_enc_init(&s, crlf, binary);
			k = chunk ? chunk : len + 1;
			for (i = n = 0; i < len; i += k) {
				size_t m = len - i < k ? len - i : k;
				size_t w = eml_qp_enc_step(&s, data + i, m,
				    o + n);

				if (w > EML_QP_ENCODED_MAX(m))
					ck_abort_msg("step wrote too much");
				n += w;
			}
			n += eml_qp_enc_finish(&s, o + n);
			if (n > EML_QP_ENCODED_MAX(len))
				ck_abort_msg("over EML_QP_ENCODED_MAX");
			if (chunk == 0) {
				whole = n;
				check_encoded((char *)o, n, crlf);
				d = dec_chunked(o, n, 0, 0, &dlen, NULL);
				ck_assert_uint_eq(dlen, len);
				ck_assert_mem_eq(d, len ? data : d, len);
				free(d);
				d = malloc(n + 1);
				memcpy(d, o, n);
			} else {
				ck_assert_uint_eq(n, whole);
				ck_assert_mem_eq(o, d, n);
			}
		}
		free(d);
		free(data);
		free(o);
	}
}
END_TEST

static const struct {
	const char *in, *out;
} enc[] = {
	{ "hello", "hello" },
	{ "a=b", "a=3Db" },
	{ "caf\xc3\xa9", "caf=C3=A9" },
	{ "trail \n", "trail=20\n" },
	{ "tab\t\r\nx", "tab=09\nx" },		/* CRLF in, LF out (crlf 0) */
	{ "end ", "end=20" },
	{ "a b", "a b" },
	{ ".\n", "=2E\n" },
	{ "From here\n", "=46rom here\n" },
	{ "x\ry", "x=0Dy" },
	{ "0123456789012345678901234567890123456789012345678901234567890"
	  "123456789012345678901234567890",
	  "0123456789012345678901234567890123456789012345678901234567890"
	  "12345678901234=\n5678901234567890" },
};

START_TEST(test_encode_vectors)
{
	struct eml_buf b = { 0 };

	ck_assert_int_eq(eml_qp_encode(enc[_i].in, strlen(enc[_i].in), 0, &b),
	    EML_OK);
	ck_assert_str_eq(b.len ? b.data : "", enc[_i].out);
	eml_buf_free(&b);
}
END_TEST

START_TEST(test_binary_mode)
{
	struct eml_qp_enc s;
	char out[64];
	size_t n;

	eml_qp_enc_init(&s, 1, 1);
	n = eml_qp_enc_step(&s, "a\r\nb \n", 6, out);
	n += eml_qp_enc_finish(&s, out + n);
	ck_assert_uint_eq(n, 12);
	ck_assert_mem_eq(out, "a=0D=0Ab =0A", 12);
}
END_TEST

START_TEST(test_buf_helpers)
{
	struct eml_buf b = { 0 };

	b.max = 3;
	ck_assert_int_eq(eml_qp_decode("=41=42=43=44", 12, &b), EML_ELIMIT);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(eml_qp_decode("=41=42=43", 9, &b), EML_OK);
	ck_assert_str_eq(b.data, "ABC");
	eml_buf_reset(&b);
	ck_assert_int_eq(eml_qp_encode("\xff\xff", 2, 1, &b), EML_ELIMIT);
	b.max = 0;
	ck_assert_int_eq(eml_qp_encode("\xff\xff", 2, 1, &b), EML_OK);
	ck_assert_str_eq(b.data, "=FF=FF");
	eml_buf_free(&b);
}
END_TEST

/* GMime's vectors: wikipedia.qp decodes to wikipedia.txt. */
START_TEST(test_gmime_wikipedia)
{
	const char *dir = tu_shared_corpus();
	char path[1024];
	char *txt, *qp;
	size_t tlen, qlen, olen, k;
	unsigned char *o;
	struct eml_buf b = { 0 };

	if (dir == NULL) {
		printf("skipped: shared corpus not found (gmime wikipedia)\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/gmime/encodings/wikipedia.txt", dir);
	txt = tu_slurp(path, &tlen);
	snprintf(path, sizeof(path), "%s/gmime/encodings/wikipedia.qp", dir);
	qp = tu_slurp(path, &qlen);
	if (txt == NULL || qp == NULL) {
		printf("skipped: gmime/encodings not in the shared corpus\n");
		free(txt);
		free(qp);
		return;
	}
	for (k = 0; k < 40; k++) {
		o = dec_chunked(qp, qlen, k, 0, &olen, NULL);
		ck_assert_uint_eq(olen, tlen);
		ck_assert_mem_eq(o, txt, tlen);
		free(o);
	}
	/* Our encoder's text is valid and decodes back. */
	ck_assert_int_eq(eml_qp_encode(txt, tlen, 0, &b), EML_OK);
	check_encoded(b.data, b.len, 0);
	o = dec_chunked(b.data, b.len, 0, 0, &olen, NULL);
	ck_assert_uint_eq(olen, tlen);
	ck_assert_mem_eq(o, txt, tlen);
	free(o);
	eml_buf_free(&b);
	free(txt);
	free(qp);
}
END_TEST

Suite *
eml_qp_suite(void)
{
	Suite *s = suite_create("qp");
	TCase *tc = tcase_create("qp");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_vectors, 0, (int)(sizeof(vec) /
	    sizeof(vec[0])));
	tcase_add_test(tc, test_chunk_invariant);
	tcase_add_loop_test(tc, test_paths_agree, 0, 40);
	tcase_add_test(tc, test_caps);
	tcase_add_loop_test(tc, test_encode_roundtrip, 0, 4);
	tcase_add_loop_test(tc, test_encode_vectors, 0, (int)(sizeof(enc) /
	    sizeof(enc[0])));
	tcase_add_test(tc, test_binary_mode);
	tcase_add_test(tc, test_buf_helpers);
	tcase_add_test(tc, test_gmime_wikipedia);
	suite_add_tcase(s, tc);
	return s;
}
