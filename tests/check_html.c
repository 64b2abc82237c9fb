/*
 * check_html.c - the HTML-to-text filter (lib/filter_html.c): what a
 * reader of the mail sees, for any chunking of the writes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml.h"

/* Render in[] written step bytes at a time; compare with want. */
static void
expect(const char *in, const char *want)
{
	size_t len = strlen(in), steps[] = { 0, 1, 2, 3, 7 };
	unsigned i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct eml_buf out = { 0 };
		struct eml_sink *s = eml_filter_html2text(eml_sink_buf(&out));
		size_t step = steps[i] ? steps[i] : len + 1, pos;

		ck_assert_ptr_nonnull(s);
		for (pos = 0; pos < len; pos += step)
			ck_assert_int_eq(eml_sink_write(s, in + pos,
			    len - pos < step ? len - pos : step), EML_OK);
		ck_assert_int_eq(eml_sink_close(s), EML_OK);
		ck_assert_msg(out.len == strlen(want) && (out.len == 0 ||
		    memcmp(out.data, want, out.len) == 0),
		    "step %zu: got \"%s\" want \"%s\"", step,
		    out.len ? out.data : "", want);
		eml_buf_free(&out);
	}
}

START_TEST(t_html_tags_dropped)
{
	expect("<b>bold</b> and <i class=\"x>y\">it</i>", "bold and it\n");
	expect("", "");
	expect("<html><body></body></html>", "");
}
END_TEST

START_TEST(t_html_script_style)
{
	expect("a<script>if (x<y) s=\"</p>\";</script>b", "ab\n");
	expect("a<STYLE type=text/css>p { x: 1 }</sTyLe >b", "ab\n");
	expect("a<!-- <p>hidden</p> -- still -->b", "ab\n");
	expect("a<!DOCTYPE html>b<?xml x?>c", "abc\n");
}
END_TEST

START_TEST(t_html_blocks)
{
	expect("<p>one</p><p>two</p>", "one\n\ntwo\n");
	expect("<div>a</div><div>b</div>", "a\nb\n");
	expect("line<br>two<br/>three", "line\ntwo\nthree\n");
	expect("a<br><br>b", "a\n\nb\n");
	expect("<ul><li>x</li><li>y</li></ul>", "x\ny\n");
	expect("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr>"
	    "</table>", "a b\nc\n");
}
END_TEST

START_TEST(t_html_whitespace)
{
	expect("  a \n\t  b  ", "a b\n");
	expect("<p>\n  x\n</p>", "x\n");
	expect("<pre>  a\n    b</pre>c", "  a\n    b\n\nc\n");
}
END_TEST

START_TEST(t_html_refs)
{
	expect("&lt;a&gt; &amp; &quot;q&quot; &#65;&#x42;&#X43;",
	    "<a> & \"q\" ABC\n");
	expect("Gr&uuml;&szlig;e&nbsp;&euro;", "Gr\303\274\303\237e\302\240"
	    "\342\202\254\n");
	expect("&#x1F600; &#150;", "\360\237\230\200 \342\200\223\n");
	/* 13.2.5.80: null, surrogates, past U+10FFFF are U+FFFD */
	expect("&#0;&#xD800;&#1114112;", "\357\277\275\357\277\275"
	    "\357\277\275\n");
	/* unknown or unterminated: kept as written */
	expect("&nope; AT&T &", "&nope; AT&T &\n");
	expect("&amp", "&\n");
	expect("a < b", "a < b\n");
}
END_TEST

START_TEST(t_html_utf8)
{
	/* valid UTF-8 passes; invalid bytes become U+FFFD */
	expect("\303\244\360\237\230\200", "\303\244\360\237\230\200\n");
	expect("a\377b", "a\357\277\275b\n");
	expect("\340\200\200", "\357\277\275\357\277\275\357\277\275\n");
	expect("x\303", "x\357\277\275\n");
}
END_TEST

START_TEST(t_html_bounded)
{
	/* a huge tag, attribute, comment and reference: no state grows
	 * (the test is that this returns with the text after them) */
	size_t n = 1 << 20, i;
	char *big = malloc(4 * n + 64), *p = big;

	ck_assert_ptr_nonnull(big);
	p += sprintf(p, "<x");
	for (i = 0; i < n; i++)
		*p++ = 'a';
	p += sprintf(p, " y=\"");
	for (i = 0; i < n; i++)
		*p++ = '>';
	p += sprintf(p, "\"><!--");
	for (i = 0; i < n; i++)
		*p++ = '-';
	p += sprintf(p, ">&");
	for (i = 0; i < n; i++)
		*p++ = 'z';
	*p = '\0';
	{
		struct eml_buf out = { 0 };
		struct eml_sink *s = eml_filter_html2text(eml_sink_buf(&out));

		ck_assert_int_eq(eml_sink_write(s, big, strlen(big)), EML_OK);
		ck_assert_int_eq(eml_sink_write(s, " ok", 3), EML_OK);
		ck_assert_int_eq(eml_sink_close(s), EML_OK);
		/* the reference is cut at 32 bytes and shown as text */
		ck_assert_uint_eq(out.len, 1 + n + 4);
		ck_assert(memcmp(out.data + out.len - 4, " ok\n", 4) == 0);
		eml_buf_free(&out);
	}
	free(big);
}
END_TEST

Suite *
eml_html_suite(void)
{
	Suite *s = suite_create("html");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, t_html_tags_dropped);
	tcase_add_test(tc, t_html_script_style);
	tcase_add_test(tc, t_html_blocks);
	tcase_add_test(tc, t_html_whitespace);
	tcase_add_test(tc, t_html_refs);
	tcase_add_test(tc, t_html_utf8);
	tcase_add_test(tc, t_html_bounded);
	suite_add_tcase(s, tc);
	return s;
}
