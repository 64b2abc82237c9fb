/*
 * check_bodies.c - RFC 8621 4.1.4 body selection (eml_msg_bodies).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The selection over shapes a streaming caller builds by hand: a mixed
 * with an alternative (plain, html), an inline image with a name after
 * the first part, and a PDF attachment. */
START_TEST(test_shapes)
{
	struct eml_shape sh[6];
	struct eml_shape_bodies b;

	memset(sh, 0, sizeof(sh));
	sh[0].ctype = "multipart/mixed";
	sh[0].disposition = "";
	sh[0].first_child = &sh[1];
	sh[1].ctype = "multipart/alternative";
	sh[1].disposition = "";
	sh[1].first_child = &sh[2];
	sh[1].next = &sh[4];
	sh[2].ctype = "text/plain";
	sh[2].disposition = "";
	sh[2].next = &sh[3];
	sh[3].ctype = "text/html";
	sh[3].disposition = "";
	sh[4].ctype = "image/png";
	sh[4].disposition = "inline";
	sh[4].has_name = 1;
	sh[4].next = &sh[5];
	sh[5].ctype = "application/pdf";
	sh[5].disposition = "attachment";
	sh[5].has_name = 1;
	ck_assert_int_eq(eml_shape_bodies(&sh[0], &b), EML_OK);
	/* RFC 8621 4.1.4: an inline image after the body of a mixed is
	 * shown in both views (the pseudo-code adds it to attachments only
	 * when one view is off). */
	ck_assert_uint_eq(b.ntext, 2);
	ck_assert_ptr_eq(b.text[0], &sh[2]);
	ck_assert_ptr_eq(b.text[1], &sh[4]);
	ck_assert_uint_eq(b.nhtml, 2);
	ck_assert_ptr_eq(b.html[0], &sh[3]);
	ck_assert_ptr_eq(b.html[1], &sh[4]);
	ck_assert_uint_eq(b.nattachments, 1);
	ck_assert_ptr_eq(b.attachments[0], &sh[5]);
	eml_shape_bodies_free(&b);
	ck_assert_ptr_null(b.text);
}
END_TEST

static const struct {
	const char *in;
	int html;
	const char *want;
} previews[] = {
	{ "  Hello,\r\n\r\n  world \t\n", 0, "Hello, world" },
	{ "<p>a&amp;b &lt;c&gt; &#233;&#x20ac;</p>", 1, "a&b <c> \xc3\xa9\xe2\x82\xac" },
	/* inline elements do not separate words ("<b>H</b>ello" reads
	 * "Hello"), block elements do: the HTML filter's rendering */
	{ "<style>p { x: 1 }</style><b>bold</b><script>x()</script>t", 1,
	  "boldt" },
	{ "<p>one</p><div>two<br>three</div><td>four</td><td>five", 1,
	  "one two three four five" },
	/* U+00A0 and the other Unicode White_Space normalised too */
	{ "a\xc2\xa0\xe3\x80\x80" "b\xe2\x80\xa8" "c\x01\xc2\x85", 0, "a b c" },
	{ "&#x3000;x&#160; y", 1, "x y" },
	{ "<!-- hidden -->shown&nbsp;text", 1, "shown text" },
	{ "<p>not html", 0, "<p>not html" },
	{ "&bogus; &#;", 1, "&bogus; &#;" },
	{ "", 0, "" },
};

START_TEST(test_preview)
{
	struct eml_buf b = { 0 };

	ck_assert_int_eq(eml_preview(previews[_i].in, strlen(previews[_i].in),
	    previews[_i].html, &b), EML_OK);
	ck_assert_str_eq(b.len ? b.data : "", previews[_i].want);
	eml_buf_free(&b);
}
END_TEST

/* 256 characters at most, counted as characters, never split. */
START_TEST(test_preview_cap)
{
	struct eml_buf in = { 0 }, b = { 0 };
	size_t i, chars = 0;

	for (i = 0; i < 300; i++)
		eml_buf_adds(&in, "\xc3\xa9");	/* U+00E9, 2 bytes */
	ck_assert_int_eq(eml_preview(in.data, in.len, 0, &b), EML_OK);
	for (i = 0; i < b.len; i++)
		if (((unsigned char)b.data[i] & 0xc0) != 0x80)
			chars++;
	ck_assert_uint_eq(chars, EML_PREVIEW_CHARS);
	ck_assert_uint_eq(b.len, 2 * EML_PREVIEW_CHARS);
	/* a preview never ends on a blank: when the cap leaves room for
	 * the blank but not for the word after it, it ends before it */
	eml_buf_reset(&in);
	eml_buf_reset(&b);
	for (i = 0; i < EML_PREVIEW_CHARS - 1; i++)
		eml_buf_addc(&in, 'a');
	eml_buf_adds(&in, " b c");
	ck_assert_int_eq(eml_preview(in.data, in.len, 0, &b), EML_OK);
	ck_assert_uint_eq(b.len, EML_PREVIEW_CHARS - 1);
	ck_assert_int_eq(b.data[b.len - 1], 'a');
	/* one 'a' fewer: the blank and "b" fit, 256 exactly */
	eml_buf_reset(&b);
	ck_assert_int_eq(eml_preview(in.data + 1, in.len - 1, 0, &b),
	    EML_OK);
	ck_assert_uint_eq(b.len, EML_PREVIEW_CHARS);
	ck_assert(memcmp(b.data + b.len - 2, " b", 2) == 0);
	/* a character cut off by the end of the input is U+FFFD, as the
	 * charset and HTML filters make it: the preview is valid UTF-8 */
	eml_buf_reset(&b);
	ck_assert_int_eq(eml_preview("ab\xc3", 3, 0, &b), EML_OK);
	ck_assert_str_eq(b.data, "ab\xef\xbf\xbd");
	eml_buf_reset(&b);
	ck_assert_int_eq(eml_preview("a\xff\xc3(b", 5, 1, &b), EML_OK);
	ck_assert_str_eq(b.data, "a\xef\xbf\xbd\xef\xbf\xbd(b");
	eml_buf_free(&in);
	eml_buf_free(&b);
}
END_TEST

/* The streaming filter written in random pieces (one byte at a time
 * for some) gives what eml_preview gives for the whole. */
static void
preview_same(const char *in, size_t n, int html, const struct eml_buf *want,
    unsigned seed)
{
	struct eml_buf got = { 0 };
	struct eml_sink *s = eml_filter_preview(eml_sink_buf(&got), html);
	size_t pos, k;

	ck_assert_ptr_nonnull(s);
	for (pos = 0; pos < n; pos += k) {
		seed = seed * 1103515245 + 12345;
		k = seed % 3 == 0 ? 1 : (seed >> 16) % 17 + 1;
		if (k > n - pos)
			k = n - pos;
		ck_assert_int_eq(eml_sink_write(s, in + pos, k), EML_OK);
	}
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	ck_assert_uint_eq(got.len, want->len);
	ck_assert(got.len == 0 || memcmp(got.data, want->data, got.len) == 0);
	eml_buf_free(&got);
}

/* Arbitrary bytes (cut tags, entities, comments, invalid UTF-8) never
 * read past the input nor give more than the cap; ASan watches. */
START_TEST(test_preview_random)
{
	static const char alpha[] = "<>&#;x!-/ \n\t\xc3\xa9\xff\x80" "amp";
	unsigned seed = 12345, i, k, n;
	struct eml_buf b = { 0 };
	char *in;

	for (i = 0; i < 3000; i++) {
		n = (seed = seed * 1103515245 + 12345) >> 16 & 255;
		in = malloc(n ? n : 1);
		for (k = 0; k < n; k++) {
			seed = seed * 1103515245 + 12345;
			in[k] = alpha[(seed >> 16) % (sizeof(alpha) - 1)];
		}
		eml_buf_reset(&b);
		ck_assert_int_eq(eml_preview(in, n, (int)(i & 1), &b), EML_OK);
		ck_assert_uint_le(b.len, 4 * EML_PREVIEW_CHARS);
		ck_assert(eml_utf8_valid(b.data ? b.data : "", b.len));
		preview_same(in, n, (int)(i & 1), &b, seed);
		free(in);
	}
	eml_buf_free(&b);
}
END_TEST

/* The HTML preview is the preview of what eml_filter_html2text renders:
 * one HTML-to-text in the library.  Longer than the cap, so the cut is
 * checked too. */
START_TEST(test_preview_is_html2text)
{
	static const char *const pieces[] = { "<p>", "</p>", "<b>", "</b>",
	    "<br>", "&nbsp;", "&amp", "&#233;", "<!-- c -->", "<td>",
	    "<script>x</script>", "word", " ", "\n", "<pre> a\n b</pre>",
	    "\xe2\x80\x83", "\xff", "&copy;", "<li>" };
	unsigned seed = 777, i, k;

	for (i = 0; i < 300; i++) {
		struct eml_buf in = { 0 }, text = { 0 }, a = { 0 }, b = { 0 };
		struct eml_sink *s;

		for (k = 0; k < 200; k++) {
			seed = seed * 1103515245 + 12345;
			eml_buf_adds(&in, pieces[(seed >> 16) %
			    (sizeof(pieces) / sizeof(pieces[0]))]);
		}
		s = eml_filter_html2text(eml_sink_buf(&text));
		ck_assert_int_eq(eml_sink_write(s, in.data, in.len), EML_OK);
		ck_assert_int_eq(eml_sink_close(s), EML_OK);
		ck_assert_int_eq(eml_preview(in.data, in.len, 1, &a), EML_OK);
		ck_assert_int_eq(eml_preview(text.data, text.len, 0, &b),
		    EML_OK);
		ck_assert_uint_eq(a.len, b.len);
		ck_assert(memcmp(a.data, b.data, a.len) == 0);
		eml_buf_free(&in);
		eml_buf_free(&text);
		eml_buf_free(&a);
		eml_buf_free(&b);
	}
}
END_TEST

Suite *
eml_bodies_suite(void)
{
	Suite *s = suite_create("bodies");
	TCase *tc = tcase_create("rfc8621");

	tcase_add_loop_test(tc, test_select, 0, sizeof(cases) /
	    sizeof(cases[0]));
	tcase_add_test(tc, test_shapes);
	tcase_add_loop_test(tc, test_preview, 0,
	    sizeof(previews) / sizeof(previews[0]));
	tcase_add_test(tc, test_preview_cap);
	tcase_add_test(tc, test_preview_random);
	tcase_add_test(tc, test_preview_is_html2text);
	suite_add_tcase(s, tc);
	return s;
}
