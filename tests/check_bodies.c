/*
 * check_bodies.c - RFC 8621 4.1.4 body selection (eml_msg_bodies).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "eml.h"

static const struct {
	const char *in;
	const char *want;	/* "text|html|attachments" sections */
} cases[] = {
	{ "Subject: a\n\nplain\n", "1|1|" },
	{ "Content-Type: text/html\n\n<p>\n", "1|1|" },
	{ "Content-Type: image/png\nContent-Transfer-Encoding: base64\n\n"
	  "iVBO\n", "1|1|" },
	{ "Content-Type: multipart/alternative; boundary=b\n\n--b\n\nt\n"
	  "--b\nContent-Type: text/html\n\n<p>\n--b--\n", "1|2|" },
	/* an alternative with one view: it serves both */
	{ "Content-Type: multipart/alternative; boundary=b\n\n--b\n"
	  "Content-Type: text/html\n\n<p>\n--b--\n", "1|1|" },
	{ "Content-Type: multipart/mixed; boundary=m\n\n--m\n"
	  "Content-Type: multipart/alternative; boundary=b\n\n--b\n\nt\n--b\n"
	  "Content-Type: text/html\n\n<p>\n--b--\n--m\n"
	  "Content-Type: application/pdf\nContent-Disposition: attachment;"
	  " filename=a.pdf\n\n%PDF\n--m\nContent-Type: message/rfc822\n\n"
	  "Subject: fwd\n\nx\n--m--\n", "1.1|1.2|2,3" },
	/* an inline text part with a file name after the first part is an
	 * attachment; a second plain part without one is body */
	{ "Content-Type: multipart/mixed; boundary=m\n\n--m\n\none\n--m\n"
	  "Content-Disposition: inline; filename=x.txt\n\nfile\n--m\n\n"
	  "two\n--m--\n", "1,3|1,3|2" },
	/* related: only the first part is body, images are attachments */
	{ "Content-Type: multipart/related; boundary=r\n\n--r\n"
	  "Content-Type: text/html\n\n<img>\n--r\nContent-Type: image/gif\n"
	  "\nGIF\n--r--\n", "1|1|2" },
};

static void
list(struct eml_buf *b, const struct eml_node **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			eml_buf_addc(b, ',');
		eml_buf_adds(b, v[i]->info.section);
	}
}

START_TEST(test_select)
{
	struct eml_msg *m;
	struct eml_bodies bd;
	struct eml_buf got = { 0 };

	ck_assert_int_eq(eml_msg_parse_mem(cases[_i].in,
	    strlen(cases[_i].in), NULL, &m), EML_OK);
	ck_assert_int_eq(eml_msg_bodies(m, &bd), EML_OK);
	list(&got, bd.text, bd.ntext);
	eml_buf_addc(&got, '|');
	list(&got, bd.html, bd.nhtml);
	eml_buf_addc(&got, '|');
	list(&got, bd.attachments, bd.nattachments);
	ck_assert_str_eq(got.data, cases[_i].want);
	eml_buf_free(&got);
	eml_bodies_free(&bd);
	eml_msg_free(m);
}
END_TEST

Suite *
eml_bodies_suite(void)
{
	Suite *s = suite_create("bodies");
	TCase *tc = tcase_create("rfc8621");

	tcase_add_loop_test(tc, test_select, 0, sizeof(cases) /
	    sizeof(cases[0]));
	suite_add_tcase(s, tc);
	return s;
}
