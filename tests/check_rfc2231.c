/*
 * check_rfc2231.c - RFC 2231 parameter continuations, charsets and the
 * encoder (lib/rfc2231.c).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml_priv.h"
#include "check_util.h"

#define BAD	EML_BIT(EML_D_RFC2231_INVALID)
#define CONF	EML_BIT(EML_D_CONFLICTING_PARAM)
#define CHECKED_BITS	(BAD | CONF)

static const struct {
	const char *in;		/* parameters of a Content-Type */
	const char *name, *value, *charset, *lang;
	size_t n;		/* parameters expected */
	uint64_t defects;
} cases[] = {
	/* RFC 2231 3 */
	{ "; access-type=URL;\r\n URL*0=\"ftp://\";\r\n"
	    " URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"",
	    "url", "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar",
	    NULL, NULL, 2, 0 },
	/* RFC 2231 4 */
	{ ";\r\n title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A",
	    "title", "This is ***fun***", "us-ascii", "en-us", 1, 0 },
	/* RFC 2231 4.1 */
	{ ";\r\n title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n"
	    " title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n title*2=\"isn't it!\"",
	    "title", "This is even more ***fun*** isn't it!", "us-ascii", "en",
	    1, 0 },
	/* Empty charset and language */
	{ "; a*=''x%20y", "a", "x y", NULL, NULL, 1, 0 },
	{ "; a*=iso-8859-1'de'Fr%F6sche", "a", "Fr\xc3\xb6sche",
	    "iso-8859-1", "de", 1, 0 },
	{ "; a*=UTF-8''%e2%82%ac", "a", "\xe2\x82\xac", "UTF-8", NULL, 1, 0 },
	/* A character split across segments is joined before decoding */
	{ "; a*0*=utf-8''%E2%82; a*1*=%AC", "a", "\xe2\x82\xac", "utf-8",
	    NULL, 1, 0 },
	/* Out of order is fine (RFC 2231 3 sorts by index) */
	{ "; a*2=c; a*0=a; a*1=b", "a", "abc", NULL, NULL, 1, 0 },
	{ "; a*1*=%20b; x=1; a*0*=utf-8''a", "a", "a b", "utf-8", NULL, 2,
	    0 },
	/* Gaps, duplicates, missing segment 0 */
	{ "; a*0=x; a*2=z", "a", "xz", NULL, NULL, 1, BAD },
	{ "; a*0=x; a*0=y; a*1=z", "a", "xz", NULL, NULL, 1, BAD },
	{ "; a*1=b", "a", "b", NULL, NULL, 1, BAD },
	{ "; a*=utf-8''x; a*0=y", "a", "x", "utf-8", NULL, 1, BAD },
	/* Both forms: the RFC 2231 one wins, no conflict */
	{ "; name=old.pdf; name*=utf-8''n%C3%A9w.pdf", "name",
	    "n\xc3\xa9w.pdf", "utf-8", NULL, 1, 0 },
	{ "; name*=utf-8''n%C3%A9w.pdf; name=old.pdf", "name",
	    "n\xc3\xa9w.pdf", "utf-8", NULL, 1, 0 },
	/* Malformed */
	{ "; a*=utf-8''100%", "a", "100%", "utf-8", NULL, 1, BAD },
	{ "; a*=utf-8''%zz%4", "a", "%zz%4", "utf-8", NULL, 1, BAD },
	{ "; a*=hello%20world", "a", "hello world", NULL, NULL, 1, BAD },
	{ "; a*=utf-8'x%20y", "a", "utf-8'x y", NULL, NULL, 1, BAD },
	{ "; a**=x; b*x=y; c*1x=z; d*12345=w; c=ok", "c", "ok", NULL, NULL,
	    1, BAD },
	{ "; a*1000=x; a*999=y", "a", "y", NULL, NULL, 1, BAD },
	{ "; a*01=b; a*00=a", "a", "ab", NULL, NULL, 1, 0 },
	{ "; *=x; *0=y; b=1", "b", "1", NULL, NULL, 1, 0 },
	/* Plain segments are literal, extended ones percent-decoded */
	{ "; a*0*=utf-8''%41; a*1=%41", "a", "A%41", "utf-8", NULL, 1, 0 },
	/* Quoted extended value (invalid per RFC, seen in the wild) */
	{ "; a*=\"utf-8''x%20y\"", "a", "x y", "utf-8", NULL, 1, 0 },
	/* %00 does not end the C string */
	{ "; a*=utf-8''x%00y", "a", "x\xef\xbf\xbdy", "utf-8", NULL, 1, 0 },
	/* Outlook: an RFC 2047 word split over plain continuations */
	{ "; filename*0=\"=?utf-8?Q?caf=C3\"; filename*1=\"=A9.txt?=\"",
	    "filename", "caf\xc3\xa9.txt", NULL, NULL, 1, 0 },
	/* Charset repeated on later segments (seen in the wild) */
	{ "; a*0*=utf-8''x; a*1*=utf-8''%C3%A9; a*2*=UTF-8'en'y", "a",
	    "x\xc3\xa9y", "utf-8", NULL, 1, BAD },
	{ "; a*0*=utf-8''x; a*1*=latin1'y", "a", "xlatin1'y", "utf-8",
	    NULL, 1, 0 },
	/* Names are case-insensitive and come out lower-case */
	{ "; TITLE*0=a; Title*1=b", "title", "ab", NULL, NULL, 1, 0 },
};

START_TEST(test_join_table)
{
	struct eml_params p;
	const char *in = cases[_i].in;
	size_t m;

	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(eml_params_parse(in, strlen(in), &p), EML_OK);
	ck_assert_uint_eq(p.n, cases[_i].n);
	for (m = 0; m < p.n; m++)
		if (strcmp(p.v[m].name, cases[_i].name) == 0)
			break;
	ck_assert_uint_lt(m, p.n);
	ck_assert_str_eq(p.v[m].value, cases[_i].value);
	if (cases[_i].charset == NULL)
		ck_assert_ptr_null(p.v[m].charset);
	else
		ck_assert_str_eq(p.v[m].charset, cases[_i].charset);
	if (cases[_i].lang == NULL)
		ck_assert_ptr_null(p.v[m].lang);
	else
		ck_assert_str_eq(p.v[m].lang, cases[_i].lang);
	ck_assert_uint_eq(tu_defects64(&p.defects) & CHECKED_BITS, cases[_i].defects);
	eml_params_free(&p);
}
END_TEST

START_TEST(test_unknown_charset)
{
	struct eml_params p;
	const char *in = "; a*=x-no-such-charset''caf%E9";

	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(eml_params_parse(in, strlen(in), &p), EML_OK);
	ck_assert_uint_eq(p.n, 1);
	ck_assert(tu_defects64(&p.defects) & EML_BIT(EML_D_CHARSET_UNKNOWN));
	/* Through the windows-1252 fallback. */
	ck_assert_str_eq(p.v[0].value, "caf\xc3\xa9");
	eml_params_free(&p);
}
END_TEST

START_TEST(test_many_continuations)
{
	/* 10000 segments: indexes over 999 are refused, the raw cap stops
	 * the scan, and the work stays linear. */
	size_t n = 10000, i, len;
	char *s = malloc(n * 16 + 16), *w = s;
	struct eml_params p;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < n; i++)
		w += sprintf(w, "; a*%zu=x", i);
	len = (size_t)(w - s);
	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(eml_params_parse(s, len, &p), EML_OK);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_uint_eq(strlen(p.v[0].value), EMLI_MAX_2231_INDEX + 1);
	ck_assert(tu_defects64(&p.defects) & BAD);
	eml_params_free(&p);

	/* In reverse order, and each index twice. */
	w = s;
	for (i = 0; i < 500; i++)
		w += sprintf(w, "; a*%zu=%c; a*%zu=z", 499 - i,
		    'a' + (int)((499 - i) % 26), 499 - i);
	len = (size_t)(w - s);
	ck_assert_int_eq(eml_params_parse(s, len, &p), EML_OK);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_uint_eq(strlen(p.v[0].value), 500);
	ck_assert_int_eq(p.v[0].value[0], 'a');
	ck_assert_int_eq(p.v[0].value[27], 'b');
	ck_assert(tu_defects64(&p.defects) & BAD);
	eml_params_free(&p);
	free(s);
}
END_TEST

/* ---- Encoder ---- */

static const struct {
	const char *name, *value, *eol, *want;
} enc_cases[] = {
	{ "filename", "a.pdf", "\r\n", "; filename=\"a.pdf\"" },
	{ "filename", "", "\r\n", "; filename=\"\"" },
	{ "filename", "a \"b\\\".pdf", "\n", "; filename=\"a \\\"b\\\\\\\".pdf\"" },
	{ "filename", "caf\xc3\xa9.pdf", "\r\n",
	    ";\r\n\tfilename*=utf-8''caf%C3%A9.pdf" },
	{ "name", "50% of 'x'*", "\n",
	    "; name=\"50% of 'x'*\"" },
	{ "name", "tab\there", "\n", ";\n\tname*=utf-8''tab%09here" },
	{ "filename", "a-rather-long-but-plain-file-name-here.pdf", "\n",
	    ";\n\tfilename=\"a-rather-long-but-plain-file-name-here.pdf\"" },
	{ "n", "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac", "\n",
	    ";\n\tn*0*=utf-8''%E2%82%AC%E2%82%AC%E2%82%AC%E2%82%AC%E2%82%AC"
	    "%E2%82%AC;\n\tn*1*=%E2%82%AC" },
};

START_TEST(test_encode_table)
{
	struct eml_buf b;

	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(eml_rfc2231_encode(enc_cases[_i].name,
	    enc_cases[_i].value, strlen(enc_cases[_i].value),
	    enc_cases[_i].eol, &b), EML_OK);
	ck_assert_str_eq(b.data, enc_cases[_i].want);
	eml_buf_free(&b);
}
END_TEST

/* Every line fits 78 columns (tab = 8), no "%" escape is cut, and parsing
 * gives the value back. */
static void
check_roundtrip(const char *name, const char *v, size_t len)
{
	struct eml_buf b;
	struct eml_ctype ct;
	const char *line, *nl;
	size_t cols, k;

	memset(&b, 0, sizeof(b));
	eml_buf_adds(&b, "application/octet-stream");
	ck_assert_int_eq(eml_rfc2231_encode(name, v, len, "\r\n", &b),
	    EML_OK);
	for (line = b.data; line != NULL; line = nl ? nl + 2 : NULL) {
		nl = strstr(line, "\r\n");
		cols = 0;
		for (k = 0; line + k != nl && line[k] != '\0'; k++) {
			cols += line[k] == '\t' ? 8 : 1;
			if (line[k] == '%')
				ck_assert(line + k + 2 < (nl ? nl :
				    line + strlen(line)));
		}
		ck_assert_uint_le(cols, 78);
	}
	ck_assert_int_eq(eml_ctype_parse(b.data, b.len, &ct), EML_OK);
	ck_assert_uint_eq(ct.params.n, 1);
	ck_assert_uint_eq(strlen(ct.params.v[0].value), len);
	ck_assert(memcmp(ct.params.v[0].value, v, len) == 0);
	ck_assert(!eml_defects_any(&ct.params.defects));
	eml_ctype_free(&ct);
	eml_buf_free(&b);
}

START_TEST(test_encode_roundtrip)
{
	char v[3000];
	size_t i;
	static const char *samples[] = {
		"x", "hello world.txt", "caf\xc3\xa9", "%41 '*' ;=\"\\",
		"\xf0\x9f\x98\x80 emoji", "=?utf-8?B?not-a-word?=",
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x83\x95.pdf",
	};

	for (i = 0; i < EMLI_NELEM(samples); i++)
		check_roundtrip("filename", samples[i], strlen(samples[i]));
	/* Long plain, long mixed, with a long name. */
	for (i = 0; i < 300; i++)
		v[i] = (char)('a' + i % 26);
	check_roundtrip("filename", v, 300);
	for (i = 0; i + 2 < 2999; i += 2) {
		v[i] = (char)0xc3;
		v[i + 1] = (char)(0xa0 + i % 16);
		if (i % 10 == 0)
			v[i + 1] = ' ';
		if (i % 10 == 0)
			v[i] = 'x';
	}
	check_roundtrip("filename", v, i);
	check_roundtrip("a-really-long-parameter-name-for-testing", v, 400);
}
END_TEST

START_TEST(test_encode_errors)
{
	struct eml_buf b;

	memset(&b, 0, sizeof(b));
	eml_buf_adds(&b, "x/y");
	ck_assert_int_eq(eml_rfc2231_encode("bad name", "v", 1, "\n", &b),
	    EML_EINVAL);
	ck_assert_int_eq(eml_rfc2231_encode("", "v", 1, "\n", &b),
	    EML_EINVAL);
	ck_assert_int_eq(eml_rfc2231_encode("a*", "v", 1, "\n", &b),
	    EML_EINVAL);
	ck_assert_str_eq(b.data, "x/y");
	/* Cap reached: nothing half-written stays behind. */
	b.max = 20;
	ck_assert_int_eq(eml_rfc2231_encode("filename",
	    "caf\xc3\xa9 caf\xc3\xa9 caf\xc3\xa9", 17, "\n", &b), EML_ELIMIT);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_str_eq(b.data, "x/y");
	eml_buf_free(&b);
}
END_TEST

Suite *
eml_rfc2231_suite(void)
{
	Suite *s = suite_create("rfc2231");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_join_table, 0, EMLI_NELEM(cases));
	tcase_add_test(tc, test_unknown_charset);
	tcase_add_test(tc, test_many_continuations);
	tcase_add_loop_test(tc, test_encode_table, 0, EMLI_NELEM(enc_cases));
	tcase_add_test(tc, test_encode_roundtrip);
	tcase_add_test(tc, test_encode_errors);
	suite_add_tcase(s, tc);
	return s;
}
