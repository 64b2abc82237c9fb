/*
 * check_json.c - the JSON writer: exact compact and pretty output,
 * RFC 8259 string escaping, U+FFFD for invalid UTF-8 (maximal subparts),
 * the depth cap and misuse detection.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml.h"

/* String escaping: input bytes -> exact JSON text. */
#define S(lit)	(lit), sizeof(lit) - 1
static const struct {
	const char *in;
	size_t len;
	const char *out;
} strs[] = {
	{ S(""), "\"\"" },
	{ S("plain text"), "\"plain text\"" },
	{ S("q\"b\\s/"), "\"q\\\"b\\\\s/\"" },
	{ S("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"" },
	{ S("\x01\x1f\x0b"), "\"\\u0001\\u001f\\u000b\"" },
	{ S("a\0b"), "\"a\\u0000b\"" },
	{ S("\x7f"), "\"\x7f\"" },
	/* Valid UTF-8 passes through unchanged. */
	{ S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
	  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
	/* U+2028 / U+2029 are escaped, U+2027 / U+202A are not. */
	{ S("\xe2\x80\xa8|\xe2\x80\xa9|\xe2\x80\xa7|\xe2\x80\xaa"),
	  "\"\\u2028|\\u2029|\xe2\x80\xa7|\xe2\x80\xaa\"" },
	/* Lone continuation, bytes never valid. */
	{ S("a\x80z"), "\"a\xef\xbf\xbdz\"" },
	{ S("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ S("\xff\xfe"), "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
	/* Truncated sequences: one U+FFFD per maximal subpart. */
	{ S("\xe2\x82"), "\"\xef\xbf\xbd\"" },
	{ S("\xe2\x82z"), "\"\xef\xbf\xbdz\"" },
	{ S("\xf0\x9f\x98"), "\"\xef\xbf\xbd\"" },
	{ S("\xf0\x9f\x98\xe2\x82\xac"), "\"\xef\xbf\xbd\xe2\x82\xac\"" },
	/* Overlong E0 80 and surrogate ED A0: each byte separately. */
	{ S("\xe0\x80\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ S("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
	/* Above U+10FFFF. */
	{ S("\xf4\x90\x80\x80"),
	  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ S("\xf5"), "\"\xef\xbf\xbd\"" },
	/* Unicode 3.9 table 3-8 example: 61 F1 80 80 E1 80 C2 62 80 63 80
	 * BF 64 -> a FFFD FFFD FFFD b FFFD c FFFD FFFD d. */
	{ S("\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64"),
	  "\"a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "b\xef\xbf\xbd"
	  "c\xef\xbf\xbd\xef\xbf\xbd" "d\"" },
	/* Max code point U+10FFFF is valid. */
	{ S("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"" },
};

START_TEST(test_strings)
{
	struct eml_buf b = { 0 };
	struct eml_json j;

	eml_json_init(&j, &b, 0);
	ck_assert_int_eq(eml_json_str(&j, strs[_i].in, strs[_i].len), 0);
	ck_assert_str_eq(b.data, strs[_i].out);
	eml_buf_free(&b);
}
END_TEST

/* One document written with every call, in both modes. */
static void
write_doc(struct eml_json *j)
{
	ck_assert_int_eq(eml_json_obj_begin(j), 0);
	ck_assert_int_eq(eml_json_key(j, "name"), 0);
	ck_assert_int_eq(eml_json_cstr(j, "x\"y"), 0);
	ck_assert_int_eq(eml_json_key(j, "n"), 0);
	ck_assert_int_eq(eml_json_int(j, -42), 0);
	ck_assert_int_eq(eml_json_key(j, "big"), 0);
	ck_assert_int_eq(eml_json_int(j, INT64_MIN), 0);
	ck_assert_int_eq(eml_json_key(j, "list"), 0);
	ck_assert_int_eq(eml_json_arr_begin(j), 0);
	ck_assert_int_eq(eml_json_bool(j, 1), 0);
	ck_assert_int_eq(eml_json_bool(j, 0), 0);
	ck_assert_int_eq(eml_json_null(j), 0);
	ck_assert_int_eq(eml_json_cstr(j, NULL), 0);
	ck_assert_int_eq(eml_json_obj_begin(j), 0);
	ck_assert_int_eq(eml_json_key(j, "k"), 0);
	ck_assert_int_eq(eml_json_str(j, "v", 1), 0);
	ck_assert_int_eq(eml_json_obj_end(j), 0);
	ck_assert_int_eq(eml_json_arr_begin(j), 0);
	ck_assert_int_eq(eml_json_arr_end(j), 0);
	ck_assert_int_eq(eml_json_arr_end(j), 0);
	ck_assert_int_eq(eml_json_key(j, "empty"), 0);
	ck_assert_int_eq(eml_json_obj_begin(j), 0);
	ck_assert_int_eq(eml_json_obj_end(j), 0);
	ck_assert_int_eq(eml_json_key(j, "k\n"), 0);
	ck_assert_int_eq(eml_json_int(j, 0), 0);
	ck_assert_int_eq(eml_json_obj_end(j), 0);
	ck_assert_uint_eq(j->depth, 0);
}

START_TEST(test_compact)
{
	struct eml_buf b = { 0 };
	struct eml_json j;

	eml_json_init(&j, &b, 0);
	write_doc(&j);
	ck_assert_str_eq(b.data,
	    "{\"name\":\"x\\\"y\",\"n\":-42,\"big\":-9223372036854775808,"
	    "\"list\":[true,false,null,null,{\"k\":\"v\"},[]],"
	    "\"empty\":{},\"k\\n\":0}");
	eml_buf_free(&b);
}
END_TEST

START_TEST(test_pretty)
{
	struct eml_buf b = { 0 };
	struct eml_json j;

	eml_json_init(&j, &b, 1);
	write_doc(&j);
	ck_assert_str_eq(b.data,
	    "{\n"
	    "  \"name\": \"x\\\"y\",\n"
	    "  \"n\": -42,\n"
	    "  \"big\": -9223372036854775808,\n"
	    "  \"list\": [\n"
	    "    true,\n"
	    "    false,\n"
	    "    null,\n"
	    "    null,\n"
	    "    {\n"
	    "      \"k\": \"v\"\n"
	    "    },\n"
	    "    []\n"
	    "  ],\n"
	    "  \"empty\": {},\n"
	    "  \"k\\n\": 0\n"
	    "}");
	eml_buf_free(&b);
}
END_TEST

START_TEST(test_scalars_top)
{
	struct eml_buf b = { 0 };
	struct eml_json j;

	eml_json_init(&j, &b, 1);
	ck_assert_int_eq(eml_json_int(&j, 9223372036854775807LL), 0);
	ck_assert_str_eq(b.data, "9223372036854775807");
	eml_buf_reset(&b);
	eml_json_init(&j, &b, 0);
	ck_assert_int_eq(eml_json_arr_begin(&j), 0);
	ck_assert_int_eq(eml_json_str(&j, NULL, 0), 0);
	ck_assert_int_eq(eml_json_int(&j, 1), 0);
	ck_assert_int_eq(eml_json_arr_end(&j), 0);
	ck_assert_str_eq(b.data, "[\"\",1]");
	eml_buf_free(&b);
}
END_TEST

START_TEST(test_depth)
{
	struct eml_buf b = { 0 };
	struct eml_json j;
	int i;

	eml_json_init(&j, &b, 0);
	for (i = 0; i < 63; i++)
		ck_assert_int_eq(eml_json_arr_begin(&j), 0);
	ck_assert_int_eq(eml_json_arr_begin(&j), EML_ELIMIT);
	ck_assert_int_eq(eml_json_obj_begin(&j), EML_ELIMIT);
	ck_assert_uint_eq(j.depth, 63);
	ck_assert_uint_eq(b.len, 63);
	ck_assert_int_eq(eml_json_int(&j, 5), 0);
	for (i = 0; i < 63; i++)
		ck_assert_int_eq(eml_json_arr_end(&j), 0);
	ck_assert_int_eq(eml_json_arr_end(&j), EML_EINVAL);
	ck_assert_uint_eq(b.len, 63 * 2 + 1);
	ck_assert_int_eq(b.data[63], '5');
	eml_buf_free(&b);
}
END_TEST

START_TEST(test_misuse)
{
	struct eml_buf b = { 0 };
	struct eml_json j;

	eml_json_init(&j, &b, 0);
	ck_assert_int_eq(eml_json_key(&j, "top"), EML_EINVAL);
	ck_assert_int_eq(eml_json_obj_end(&j), EML_EINVAL);
	ck_assert_int_eq(eml_json_obj_begin(&j), 0);
	ck_assert_int_eq(eml_json_int(&j, 1), EML_EINVAL); /* no key */
	ck_assert_int_eq(eml_json_arr_end(&j), EML_EINVAL); /* wrong kind */
	ck_assert_int_eq(eml_json_key(&j, "a"), 0);
	ck_assert_int_eq(eml_json_key(&j, "b"), EML_EINVAL);
	ck_assert_int_eq(eml_json_obj_end(&j), EML_EINVAL); /* dangling */
	ck_assert_int_eq(eml_json_arr_begin(&j), 0);
	ck_assert_int_eq(eml_json_key(&j, "c"), EML_EINVAL);
	ck_assert_int_eq(eml_json_obj_end(&j), EML_EINVAL);
	ck_assert_int_eq(eml_json_arr_end(&j), 0);
	ck_assert_int_eq(eml_json_obj_end(&j), 0);
	ck_assert_str_eq(b.data, "{\"a\":[]}");
	eml_buf_free(&b);
}
END_TEST

/* A capped buffer gives EML_ELIMIT, never an overflow. */
START_TEST(test_limit)
{
	struct eml_buf b = { 0 };
	struct eml_json j;

	b.max = 8;
	eml_json_init(&j, &b, 0);
	ck_assert_int_eq(eml_json_cstr(&j, "0123456789"), EML_ELIMIT);
	ck_assert_uint_le(b.len, 8);
	eml_buf_free(&b);
}
END_TEST

/* The writer skips plain bytes eight at a time: every byte value, at
 * every position of a word and of the tail, must be found as a byte at
 * a time would find it.  The expectation is built byte by byte here
 * (ASCII only: a lone byte >= 0x80 is one U+FFFD). */
static void
ref_byte(struct eml_buf *b, unsigned char c)
{
	char t[8];

	if (c == '"' || c == '\\') {
		t[0] = '\\';
		t[1] = (char)c;
		eml_buf_add(b, t, 2);
	} else if (c >= 0x80)
		eml_buf_add(b, "\xef\xbf\xbd", 3);
	else if (c < 0x20) {
		switch (c) {
		case '\b': eml_buf_add(b, "\\b", 2); break;
		case '\f': eml_buf_add(b, "\\f", 2); break;
		case '\n': eml_buf_add(b, "\\n", 2); break;
		case '\r': eml_buf_add(b, "\\r", 2); break;
		case '\t': eml_buf_add(b, "\\t", 2); break;
		default:
			snprintf(t, sizeof(t), "\\u%04x", c);
			eml_buf_add(b, t, 6);
		}
	} else
		eml_buf_addc(b, c);
}

START_TEST(test_every_byte_everywhere)
{
	struct eml_buf got = { 0 }, want = { 0 };
	struct eml_json j;
	char in[24];
	size_t len, pos, i;
	unsigned c;

	for (len = 1; len <= sizeof(in); len++)
		for (pos = 0; pos < len; pos++)
			for (c = 0; c < 256; c++) {
				/* plain bytes near the special ones */
				for (i = 0; i < len; i++)
					in[i] = (char)(i % 2 ? 0x21 : 0x7e);
				in[pos] = (char)c;
				eml_buf_reset(&got);
				eml_buf_reset(&want);
				eml_json_init(&j, &got, 0);
				ck_assert_int_eq(eml_json_str(&j, in, len),
				    EML_OK);
				eml_buf_addc(&want, '"');
				for (i = 0; i < len; i++)
					ref_byte(&want, (unsigned char)in[i]);
				eml_buf_addc(&want, '"');
				ck_assert_uint_eq(got.len, want.len);
				ck_assert_msg(memcmp(got.data, want.data,
				    got.len) == 0, "byte %02x at %zu of %zu",
				    c, pos, len);
			}
	eml_buf_free(&got);
	eml_buf_free(&want);
}
END_TEST

Suite *
eml_json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_strings, 0,
	    (int)(sizeof(strs) / sizeof(strs[0])));
	tcase_add_test(tc, test_compact);
	tcase_add_test(tc, test_pretty);
	tcase_add_test(tc, test_scalars_top);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_misuse);
	tcase_add_test(tc, test_limit);
	tcase_add_test(tc, test_every_byte_everywhere);
	suite_add_tcase(s, tc);
	return s;
}
