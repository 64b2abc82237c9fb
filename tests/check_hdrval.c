/*
 * check_hdrval.c - header values: unfold, decode, encode and fold.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml.h"
#include "check_util.h"

#define B(c)	EML_BIT(EML_D_##c)
#define N(a)	(int)(sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *in;
	const char *want;
} unfolds[] = {
	{ "a\r\n b", "a b" },
	{ "  a\n\tb  \r\n", "a\tb" },
	{ " Fwd: \r\n\tSaying \r\n Hello\r\n", "Fwd: \tSaying  Hello" },
	{ "\r\n", "" },
	{ "", "" },
	{ "no fold", "no fold" },
};

START_TEST(t_unfold)
{
	struct eml_buf out = { 0 };

	ck_assert_int_eq(eml_hdr_unfold(unfolds[_i].in,
	    strlen(unfolds[_i].in), &out), EML_OK);
	ck_assert_str_eq(out.data, unfolds[_i].want);
	eml_buf_free(&out);
}
END_TEST

static const struct {
	const char *in;
	size_t len;		/* 0: strlen */
	const char *fallback;
	const char *want;
	uint64_t defects;
} decodes[] = {
	{ " Fwd: \r\n\tSaying \r\n Hello\r\n", 0, NULL, "Fwd: Saying Hello",
	  0 },
	{ " =?utf-8?q?caf=C3=A9?= au lait \r\n", 0, NULL,
	  "caf\xC3\xA9 au lait", 0 },
	{ "caf\xC3\xA9", 0, NULL, "caf\xC3\xA9", 0 },
	{ "caf\xE9", 0, NULL, "caf\xC3\xA9", B(HEADER_8BIT) },
	{ "caf\xE9", 0, "koi8-r", "caf\xD0\x98", B(HEADER_8BIT) },
	{ "a\0b", 3, NULL, "a\xEF\xBF\xBD" "b", B(HEADER_NUL) },
	{ "\x82\xA0 =?utf-8?q?x?=", 0, "shift_jis", "\xE3\x81\x82 x",
	  B(HEADER_8BIT) },
	{ "  ", 0, NULL, "", 0 },
};

START_TEST(t_decode)
{
	struct eml_buf out = { 0 };
	struct eml_defects ds = { { 0 } };
	uint64_t d;
	size_t len = decodes[_i].len ? decodes[_i].len :
	    strlen(decodes[_i].in);

	ck_assert_int_eq(eml_hdr_decode(decodes[_i].in, len,
	    decodes[_i].fallback, &out, &ds), EML_OK);
	d = tu_defects64(&ds);
	ck_assert_str_eq(out.data, decodes[_i].want);
	ck_assert_msg(d == decodes[_i].defects, "defects %llx",
	    (unsigned long long)d);
	eml_buf_free(&out);
}
END_TEST

static const struct {
	const char *name;
	const char *in;
	const char *eol;
	const char *want;
} encodes[] = {
	{ "Subject", "Hello world", "\r\n", "Subject: Hello world\r\n" },
	{ "Subject", "", "\r\n", "Subject:\r\n" },
	{ "Subject", "  padded  ", "\n", "Subject: padded\n" },
	{ "Subject", "Caf\xC3\xA9 ouvert", "\n",
	  "Subject: =?UTF-8?B?Q2Fmw6k=?= ouvert\n" },
	{ "Subject", "\xC3\xA9t\xC3\xA9 \xC3\xA0 Paris", "\n",
	  "Subject: =?UTF-8?B?w6l0w6kgw6A=?= Paris\n" },
	/* No header injection: line breaks in the value are spaces. */
	{ "Subject", "a\r\nBcc: evil@example.org", "\r\n",
	  "Subject: a Bcc: evil@example.org\r\n" },
	/* Text that looks like an encoded-word is encoded. */
	{ "Subject", "see =?utf-8?q?x?= here", "\n",
	  "Subject: see =?UTF-8?B?PT91dGYtOD9xP3g/PQ==?= here\n" },
	/* Whitespace runs are kept where no fold is needed. */
	{ "Subject", "a\tb  c", "\n", "Subject: a\tb  c\n" },
	/* ASCII is folded at whitespace, not encoded. */
	{ "Subject", "The quick brown fox jumps over the lazy dog and keeps "
	  "running until the line is long", "\r\n",
	  "Subject: The quick brown fox jumps over the lazy dog and keeps "
	  "running until\r\n the line is long\r\n" },
};

START_TEST(t_encode)
{
	struct eml_buf out = { 0 };

	ck_assert_int_eq(eml_hdr_encode(encodes[_i].name, encodes[_i].in,
	    strlen(encodes[_i].in), encodes[_i].eol, &out), EML_OK);
	ck_assert_str_eq(out.data, encodes[_i].want);
	eml_buf_free(&out);
}
END_TEST

/* Random words: encode, check the lines, decode back.  Words are
 * separated by one space: a fold at a tab or a longer run of whitespace
 * reads back as one space (hdr_decode collapses folds). */
START_TEST(t_roundtrip)
{
	static const char *const pool[] = {
	    "a", "word", "Subject", "=?x?=", "caf\xC3\xA9",
	    "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", "(comment)", "\"q\"",
	    "\xF0\x9F\x98\x80", "tab", "x=y?", "_", "\xD0\x96\xD0\x96",
	    ("Looooooooooooooooooooooooooooooooooooooooooooooooooooooooooooo"
	    "oooooooooooooong")
	};
	unsigned seed = 5322;
	char s[2048];
	int k;

	for (k = 0; k < 2000; k++) {
		struct eml_buf enc = { 0 }, dec = { 0 };
		size_t n = 0, i, col = 0, nw = rand_r(&seed) % 30 + 1;
		const char *v, *eol = k % 2 ? "\r\n" : "\n";
		struct eml_defects d = { { 0 } };

		while (nw-- > 0) {
			const char *w = pool[rand_r(&seed) % N(pool)];

			if (n + strlen(w) + 2 >= sizeof(s))
				break;
			if (n > 0)
				s[n++] = ' ';
			memcpy(s + n, w, strlen(w));
			n += strlen(w);
		}
		s[n] = '\0';
		ck_assert_int_eq(eml_hdr_encode("Subject", s, n, eol, &enc),
		    EML_OK);
		ck_assert_uint_ge(enc.len, strlen(eol));
		ck_assert(strcmp(enc.data + enc.len - strlen(eol), eol) == 0);
		for (i = 0; i < enc.len; i++) {
			unsigned char c = (unsigned char)enc.data[i];

			ck_assert_msg(c < 0x80, "8-bit in %s", enc.data);
			if (c == '\n') {
				/* A fold goes on with whitespace. */
				ck_assert(i + 1 == enc.len ||
				    enc.data[i + 1] == ' ' ||
				    enc.data[i + 1] == '\t');
				col = 0;
				continue;
			}
			if (c == '\r') {
				ck_assert(eol[0] == '\r' &&
				    enc.data[i + 1] == '\n');
				continue;
			}
			col++;
			ck_assert_msg(col <= 78, "line over 78: %s",
			    enc.data);
		}
		v = enc.data + strlen("Subject:");
		ck_assert_int_eq(eml_hdr_decode(v, strlen(v), NULL, &dec, &d),
		    EML_OK);
		ck_assert_msg(strcmp(dec.data, s) == 0, "[%s] -> [%s] -> [%s]",
		    s, enc.data, dec.data);
		eml_buf_free(&enc);
		eml_buf_free(&dec);
	}
}
END_TEST

START_TEST(t_limit)
{
	struct eml_buf out = { 0 };

	out.max = 10;
	ck_assert_int_eq(eml_hdr_encode("Subject", "caf\xC3\xA9", 5, "\n",
	    &out), EML_ELIMIT);
	eml_buf_free(&out);
	out.max = 2;
	ck_assert_int_eq(eml_hdr_decode("abc", 3, NULL, &out, NULL),
	    EML_ELIMIT);
	eml_buf_free(&out);
}
END_TEST

Suite *
eml_hdrval_suite(void)
{
	Suite *s = suite_create("hdrval");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_unfold, 0, N(unfolds));
	tcase_add_loop_test(tc, t_decode, 0, N(decodes));
	tcase_add_loop_test(tc, t_encode, 0, N(encodes));
	tcase_add_test(tc, t_roundtrip);
	tcase_add_test(tc, t_limit);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
