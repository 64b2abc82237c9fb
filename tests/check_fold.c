/*
 * check_fold.c - rewriting raw header fields: eml_fold_field and
 * eml_hdr_decode_field.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml.h"
#include "check_util.h"

#define N(a)	(int)(sizeof(a) / sizeof((a)[0]))

#define LONG40	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct {
	const char *in;
	const char *want;		/* NULL: the input */
	unsigned nlong;
} folds[] = {
	/* within 78: the same bytes, folds and all */
	{ "To: a@example.com\r\n", NULL, 0 },
	{ "To: a@example.com,\r\n b@example.com\n", NULL, 0 },
	/* an address list breaks after its commas, CRLF kept */
	{ "To: Bob One <bob1@example.com>, Carol Two <carol2@example.com>, "
	  "Dave <d@example.com>\r\n",
	  "To: Bob One <bob1@example.com>, Carol Two <carol2@example.com>,\r\n"
	  " Dave <d@example.com>\r\n", 0 },
	/* never inside a quoted string: the comma in it is text */
	{ "To: \"Aaaaaaaaa Bbbbbbbbbbb, Ccccccccccc Dddddddddd Eeeeeeeeeee "
	  "Fffff\" <x@example.com>\n",
	  "To: \"Aaaaaaaaa Bbbbbbbbbbb, Ccccccccccc Dddddddddd Eeeeeeeeeee "
	  "Fffff\"\n <x@example.com>\n", 0 },
	/* unstructured: at any space; one long word stays */
	{ "Subject: " LONG40 " " LONG40 "\n",
	  "Subject: " LONG40 "\n " LONG40 "\n", 0 },
	{ "Subject: " LONG40 LONG40 "\n", NULL, 0 },
	/* a line with an encoded-word keeps to 76 (RFC 2047 2); the word
	 * itself is never split */
	{ "Subject: =?utf-8?q?" LONG40 "?= =?utf-8?q?" LONG40 "?=\n",
	  "Subject: =?utf-8?q?" LONG40 "?=\n =?utf-8?q?" LONG40 "?=\n", 0 },
	/* References: between the ids */
	{ "References: <" LONG40 "@x> <" LONG40 "@y>\n",
	  "References: <" LONG40 "@x>\n <" LONG40 "@y>\n", 0 },
	/* no space after the name's first word: nowhere to fold */
	{ "X-Token: " LONG40 LONG40 LONG40 LONG40 LONG40 LONG40 LONG40 LONG40
	  LONG40 LONG40 LONG40 LONG40 LONG40 LONG40 LONG40 LONG40 LONG40
	  LONG40 LONG40 LONG40 LONG40 LONG40 LONG40 LONG40 LONG40 "\n",
	  NULL, 1 },
	/* trailing whitespace is no place to fold (no empty line) */
	{ "Subject: " LONG40 LONG40 "   \n", NULL, 0 },
};

START_TEST(t_fold)
{
	struct eml_buf out = { 0 }, again = { 0 };
	const char *want = folds[_i].want != NULL ? folds[_i].want :
	    folds[_i].in;
	unsigned nlong = 99;

	ck_assert_int_eq(eml_fold_field(folds[_i].in, strlen(folds[_i].in), 0,
	    &out, &nlong), EML_OK);
	ck_assert_str_eq(out.data, want);
	ck_assert_uint_eq(nlong, folds[_i].nlong);
	/* idempotent */
	ck_assert_int_eq(eml_fold_field(out.data, out.len, 0, &again, NULL),
	    EML_OK);
	ck_assert_str_eq(again.data, out.data);
	eml_buf_free(&out);
	eml_buf_free(&again);
}
END_TEST

/* Unfolding what was folded gives the value back, at every width. */
START_TEST(t_fold_unfold)
{
	static const char f[] = "Cc: \"Q, R\" <q@example.com> (a comment, "
	    "here), S T <s@example.com>, =?utf-8?q?x?= <u@example.com>, "
	    "[not, an] <v@example.com>\r\n";
	struct eml_buf a = { 0 }, b = { 0 }, out = { 0 };
	size_t w;

	ck_assert_int_eq(eml_hdr_unfold(f, strlen(f), &a), EML_OK);
	for (w = 10; w <= 120; w++) {
		eml_buf_reset(&out);
		eml_buf_reset(&b);
		ck_assert_int_eq(eml_fold_field(f, strlen(f), w, &out, NULL),
		    EML_OK);
		ck_assert_int_eq(eml_hdr_unfold(out.data, out.len, &b), EML_OK);
		ck_assert_str_eq(b.data, a.data);
		/* nothing breaks inside the quoted string or [...] */
		ck_assert_ptr_nonnull(strstr(out.data, "\"Q, R\""));
		ck_assert_ptr_nonnull(strstr(out.data, "[not, an]"));
	}
	eml_buf_free(&a);
	eml_buf_free(&b);
	eml_buf_free(&out);
}
END_TEST

static const struct {
	const char *in;
	const char *want;		/* NULL: nothing to decode */
} decodes[] = {
	{ "Subject: =?iso-8859-1?q?caf=E9?= ok\r\n",
	  "Subject: caf\xc3\xa9 ok\r\n" },
	/* adjacent words join (RFC 2047 6.2), folds elsewhere stay */
	{ "Subject: a\n =?utf-8?b?w6k=?=\n =?utf-8?b?w6k=?= b\n",
	  "Subject: a\n \xc3\xa9\xc3\xa9 b\n" },
	/* a display name that needs quoting is quoted (RFC 5322 3.2.4) */
	{ "From: =?utf-8?q?Doe=2C_John?= <j@example.com>\n",
	  "From: \"Doe, John\" <j@example.com>\n" },
	{ "From: =?utf-8?q?say_=22hi=22?= <j@example.com>\n",
	  "From: \"say \\\"hi\\\"\" <j@example.com>\n" },
	{ "To: =?utf-8?q?Ren=C3=A9_Z?= <r@example.com>, b@example.com\n",
	  "To: Ren\xc3\xa9 Z <r@example.com>, b@example.com\n" },
	/* in a comment: ( ) \ escaped */
	{ "To: r@example.com (=?utf-8?q?a=29b?=)\n",
	  "To: r@example.com (a\\)b)\n" },
	/* in a quoted string it is text (RFC 2047 5 (3)) */
	{ "To: \"=?utf-8?q?x?=\" <q@example.com>\n", NULL },
	/* an encoded CR LF would make a new field: kept */
	{ "Subject: =?utf-8?q?a=0D=0ABcc:_x@y?=\n", NULL },
	/* unknown charset, invalid bytes: kept */
	{ "Subject: =?x-nonesuch?q?abc?=\n", NULL },
	{ "Subject: =?utf-8?q?=FF=FE?=\n", NULL },
	/* text that would read as a word again: kept */
	{ "Subject: =?utf-8?q?=3D=3Fx?=\n", NULL },
	/* no words, or a field where none may stand */
	{ "Subject: plain\n", NULL },
	{ "Message-ID: <=?utf-8?q?x?=@example.com>\n", NULL },
	/* RFC 2231 parameters and words in quoted names become UTF-8 */
	{ "Content-Type: text/plain; name*=utf-8''%E2%82%AC.txt\n",
	  "Content-Type: text/plain; name=\"\xe2\x82\xac.txt\"\n" },
	{ "Content-Disposition: attachment;\r\n filename*0*=iso-8859-1''caf"
	  "%E9; filename*1=\".pdf\"\r\n",
	  "Content-Disposition: attachment; filename=\"caf\xc3\xa9.pdf\"\r\n" },
	{ "Content-Type: application/pdf; name=\"=?utf-8?q?r=C3=A9sum"
	  "=C3=A9.pdf?=\"\n",
	  "Content-Type: application/pdf; name=\"r\xc3\xa9sum\xc3\xa9.pdf\"\n" },
	{ "Content-Type: text/plain; charset=utf-8\n", NULL },
};

START_TEST(t_decode_field)
{
	struct eml_buf out = { 0 }, again = { 0 };
	int r = eml_hdr_decode_field(decodes[_i].in, strlen(decodes[_i].in),
	    &out);

	if (decodes[_i].want == NULL) {
		ck_assert_int_eq(r, 0);
		ck_assert_uint_eq(out.len, 0);
	} else {
		ck_assert_int_eq(r, 1);
		ck_assert_str_eq(out.data, decodes[_i].want);
		/* nothing left to decode */
		ck_assert_int_eq(eml_hdr_decode_field(out.data, out.len,
		    &again), 0);
	}
	eml_buf_free(&out);
	eml_buf_free(&again);
}
END_TEST

Suite *
eml_fold_suite(void)
{
	Suite *s = suite_create("fold");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_fold, 0, N(folds));
	tcase_add_test(tc, t_fold_unfold);
	tcase_add_loop_test(tc, t_decode_field, 0, N(decodes));
	suite_add_tcase(s, tc);
	return s;
}
