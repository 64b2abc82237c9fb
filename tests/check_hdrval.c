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

/* "中文測試：會議時間" in Big5 (ASCII-range trail bytes 0x47, 0x7C
 * included) and in UTF-8 */
#define BIG5_SUBJ "\xa4\xa4\xa4\xe5\xb4\xfa\xb8\xd5\xa1\x47\xb7\x7c" \
    "\xc4\xb3\xae\xc9\xb6\xa1"
#define UTF8_SUBJ "\xe4\xb8\xad\xe6\x96\x87\xe6\xb8\xac\xe8\xa9\xa6" \
    "\xef\xbc\x9a\xe6\x9c\x83\xe8\xad\xb0\xe6\x99\x82\xe9\x96\x93"

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
	/* raw 8-bit: UTF-8 runs as UTF-8, the rest by the fallback */
	{ "caf\xE9 \xC3\xA9", 0, NULL, "caf\xC3\xA9 \xC3\xA9",
	  B(HEADER_8BIT) },
	{ "\xC3\xA9t\xE9", 0, "windows-1252", "\xC3\xA9t\xC3\xA9",
	  B(HEADER_8BIT) },
	/* a fallback list: big5 takes what is valid big5 ... */
	{ BIG5_SUBJ, 0, "big5,windows-1252", UTF8_SUBJ, B(HEADER_8BIT) },
	{ BIG5_SUBJ " =?utf-8?q?x?=", 0, "big5,windows-1252",
	  UTF8_SUBJ " x", B(HEADER_8BIT) },
	/* ... and only that: latin-1 text goes on to windows-1252 */
	{ "caf\xE9 \xC3\xA9", 0, "big5,windows-1252",
	  "caf\xC3\xA9 \xC3\xA9", B(HEADER_8BIT) },
	{ "caf\xE9", 0, "nonsense, big5 ,windows-1252", "caf\xC3\xA9",
	  B(HEADER_8BIT) },
	/* without the list, big5 bytes are read as windows-1252 */
	{ "\xA4\xA4", 0, NULL, "\xC2\xA4\xC2\xA4", B(HEADER_8BIT) },
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

/* A Big5 message as Taiwanese webmail sends it: raw Big5 in Subject and
 * in the From name, the text part labelled big5. */
static const char big5_msg[] =
    "From: \xa4\xfd\xa4\x70\xa9\xfa <ming@example.com.tw>\r\n"
    "To: team@example.com.tw\r\n"
    "Subject: " BIG5_SUBJ "\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b5\"\r\n"
    "\r\n"
    "--b5\r\n"
    "Content-Type: text/plain; charset=\"big5\"\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "\xb1\x7a\xa6\x6e\xa1\x41\xa9\xfa\xa4\xd1\xa4\x55\xa4\xc8\xa4\x54"
    "\xc2\x49\xb6\x7d\xb7\x7c\xa1\x43\r\n"
    "--b5\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: inner\r\n"
    "Content-Type: text/plain; charset=koi8-r\r\n"
    "\r\n"
    "x\r\n"
    "--b5--\r\n";

START_TEST(t_msg_fallback)
{
	struct eml_msg *m;
	const struct eml_header *h;
	struct eml_buf out = { 0 };
	char fb[128];

	ck_assert_int_eq(eml_msg_parse_mem(big5_msg, sizeof(big5_msg) - 1,
	    NULL, &m), EML_OK);
	ck_assert_int_eq(eml_msg_fallback(m, NULL, fb, sizeof(fb)), EML_OK);
	ck_assert_str_eq(fb, "big5,windows-1252");
	ck_assert_int_eq(eml_msg_fallback(m, "iso-8859-2", fb, sizeof(fb)),
	    EML_OK);
	ck_assert_str_eq(fb, "big5,iso-8859-2");
	ck_assert_int_eq(eml_msg_fallback(m, NULL, fb, 8), EML_ELIMIT);
	ck_assert_int_eq(eml_msg_fallback(m, NULL, fb, sizeof(fb)), EML_OK);
	h = eml_node_header(m->root, "subject");
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(eml_hdr_decode(h->value, h->value_len, fb, &out,
	    NULL), EML_OK);
	ck_assert_str_eq(out.data, UTF8_SUBJ);
	eml_buf_free(&out);
	/* and the display name through the address parser */
	{
		struct eml_addrlist l = { 0 };

		h = eml_node_header(m->root, "from");
		ck_assert_int_eq(eml_addr_parse(h->value, h->value_len, fb,
		    &l), EML_OK);
		ck_assert_uint_eq(l.n, 1);
		ck_assert_str_eq(l.v[0].name, "\xe7\x8e\x8b\xe5\xb0\x8f"
		    "\xe6\x98\x8e");
		ck_assert_str_eq(l.v[0].email, "ming@example.com.tw");
		eml_addr_free(&l);
	}
	eml_msg_free(m);
}
END_TEST

/* No text part with a useful charset: the default alone. */
START_TEST(t_msg_fallback_none)
{
	static const char a[] = "Subject: x\r\nContent-Type: text/plain; "
	    "charset=us-ascii\r\n\r\nbody\r\n";
	static const char b[] = "Subject: x\r\nContent-Type: image/png\r\n"
	    "\r\nbody\r\n";
	static const char c[] = "Subject: x\r\nContent-Type: text/plain; "
	    "charset=no-such-cs\r\n\r\nbody\r\n";
	const char *v[] = { a, b, c };
	struct eml_msg *m;
	char fb[64];
	size_t i;

	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(eml_msg_parse_mem(v[i], strlen(v[i]), NULL,
		    &m), EML_OK);
		ck_assert_int_eq(eml_msg_fallback(m, NULL, fb, sizeof(fb)),
		    EML_OK);
		ck_assert_str_eq(fb, "windows-1252");
		eml_msg_free(m);
	}
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
	tcase_add_test(tc, t_msg_fallback);
	tcase_add_test(tc, t_msg_fallback_none);
	tcase_add_test(tc, t_limit);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
