/*
 * check_fname.c - safe file names (lib/fname.c): a table of hostile
 * names, generated names, length bounds at character boundaries, and a
 * property check over many generated inputs.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml_priv.h"
#include "check_util.h"

/*
 * What "safe" means, checked here independently of lib/fname.c: valid
 * UTF-8, 1..max bytes, no separator or reserved character of any
 * platform, no control, bidi or zero-width character, no leading '.',
 * '-' or space, no trailing '.' or space, no "..", not a Windows
 * device name.
 */
static const char *
unsafe(const char *s, size_t n, size_t max)
{
	static const char *const dev[] = { "con", "prn", "aux", "nul",
	    "com1", "com9", "lpt1", "lpt9", "conin$", "conout$" };
	size_t i, base;

	if (n == 0)
		return "empty";
	if (n > max)
		return "too long";
	if (strlen(s) != n)
		return "NUL inside";
	if (!eml_utf8_valid(s, n))
		return "not UTF-8";
	if (strpbrk(s, "/\\<>:\"|?*") != NULL)
		return "reserved character";
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
			return "control";
	if (strstr(s, "\xc2\x80") || strstr(s, "\xc2\x9f") ||
	    strstr(s, "\xe2\x80\xae") || strstr(s, "\xe2\x80\xab") ||
	    strstr(s, "\xe2\x81\xa6") || strstr(s, "\xe2\x81\xa9") ||
	    strstr(s, "\xe2\x80\x8b") || strstr(s, "\xe2\x80\x8f") ||
	    strstr(s, "\xef\xbb\xbf") || strstr(s, "\xe2\x88\x95"))
		return "invisible or look-alike character";
	if (s[0] == '.' || s[0] == '-' || s[0] == ' ')
		return "leading . - or space";
	if (s[n - 1] == '.' || s[n - 1] == ' ')
		return "trailing . or space";
	if (strstr(s, "..") != NULL)
		return "..";
	for (base = 0; base < n && s[base] != '.'; base++)
		;
	for (i = 0; i < EMLI_NELEM(dev); i++)
		if (base == strlen(dev[i]) && strncasecmp(s, dev[i], base) == 0)
			return "device name";
	return NULL;
}

static const struct {
	const char *in;
	size_t len;		/* 0: strlen; in NULL: no name */
	const char *ctype, *section;
	const char *want;
} fn[] = {
	{ "report.pdf", 0, NULL, NULL, "report.pdf" },
	{ "Budget 2026 (final).xlsx", 0, NULL, NULL,
	  "Budget 2026 (final).xlsx" },
	/* path components of every platform */
	{ "../../.bashrc", 0, NULL, NULL, "bashrc" },
	{ "/etc/passwd", 0, NULL, NULL, "passwd" },
	{ "C:\\Windows\\System32\\evil.dll", 0, NULL, NULL, "evil.dll" },
	{ "..\\..\\x.exe", 0, NULL, NULL, "x.exe" },
	{ "C:evil.exe", 0, NULL, NULL, "C_evil.exe" },
	{ "a/b/", 0, "application/pdf", "2", "part-2.pdf" },
	{ "..", 0, "text/plain", "1.2", "part-1.2.txt" },
	{ ".", 0, NULL, NULL, "part-1.bin" },
	/* reserved characters */
	{ "what?<b>|*\".txt", 0, NULL, NULL, "what__b____.txt" },
	/* bidi override: "invoice\u202Efdp.exe" reads "invoiceexe.pdf" */
	{ "invoice\xe2\x80\xae" "fdp.exe", 0, NULL, NULL, "invoicefdp.exe" },
	{ "a\xe2\x81\xa6" "b\xe2\x81\xa9" "c\xe2\x80\x8b" "d\xef\xbb\xbf.txt",
	  0, NULL, NULL, "abcd.txt" },
	/* controls and bytes that are not UTF-8 */
	{ "a\r\nb\tc\x7f" "d.txt", 0, NULL, NULL, "abcd.txt" },
	{ "a\0b.txt", 7, NULL, NULL, "ab.txt" },
	{ "caf\xe9.txt", 0, NULL, NULL, "caf_.txt" },
	{ "a\xc2\x85" "b", 0, NULL, NULL, "ab" },
	/* leading and trailing dots, dashes, spaces; no ".." */
	{ ".htaccess", 0, NULL, NULL, "htaccess" },
	{ "-rf", 0, NULL, NULL, "rf" },
	{ " - .x", 0, NULL, NULL, "x" },
	{ "~backup", 0, NULL, NULL, "backup" },
	{ "x.exe.", 0, NULL, NULL, "x.exe" },
	{ "x.exe . . ", 0, NULL, NULL, "x.exe" },
	{ "a..b...c", 0, NULL, NULL, "a.b.c" },
	/* look-alikes of separators and dots */
	{ "a\xe2\x88\x95" "b\xef\xbc\x8f" "c", 0, NULL, NULL, "a_b_c" },
	{ "a\xe2\x80\xa5" "b", 0, NULL, NULL, "a_b" },
	/* Windows device names */
	{ "CON", 0, NULL, NULL, "_CON" },
	{ "nul.txt", 0, NULL, NULL, "_nul.txt" },
	{ "Com1.log", 0, NULL, NULL, "_Com1.log" },
	{ "LPT9", 0, NULL, NULL, "_LPT9" },
	{ "com\xc2\xb9", 0, NULL, NULL, "_com\xc2\xb9" },
	{ "console.txt", 0, NULL, NULL, "console.txt" },
	{ "aux .c", 0, NULL, NULL, "_aux .c" },
	/* letters of every script kept */
	{ "\xe5\xa0\xb1\xe5\x91\x8a\xe6\x9b\xb8.pdf", 0, NULL, NULL,
	  "\xe5\xa0\xb1\xe5\x91\x8a\xe6\x9b\xb8.pdf" },
	{ "\xd0\xbe\xd1\x82\xd1\x87\xd1\x91\xd1\x82.docx", 0, NULL, NULL,
	  "\xd0\xbe\xd1\x82\xd1\x87\xd1\x91\xd1\x82.docx" },
	{ "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d.txt", 0, NULL, NULL,
	  "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d.txt" },
	{ "Gr\xc3\xbc\xc3\x9f" "e.txt", 0, NULL, NULL,
	  "Gr\xc3\xbc\xc3\x9f" "e.txt" },
	/* no name: from the type */
	{ NULL, 0, "application/pdf", "1.2", "part-1.2.pdf" },
	{ NULL, 0, "image/jpeg", "3", "part-3.jpg" },
	{ NULL, 0, "message/rfc822", "2", "part-2.eml" },
	{ NULL, 0, "application/x-unknown", "1", "part-1.bin" },
	{ "", 0, NULL, "", "part-1.bin" },
	{ "\xe2\x80\xae", 0, "text/html", "4", "part-4.html" },
};

START_TEST(t_table)
{
	struct eml_buf out = { 0 };
	size_t len = fn[_i].in == NULL ? 0 : fn[_i].len ? fn[_i].len :
	    strlen(fn[_i].in);
	const char *why;

	ck_assert_int_eq(eml_fname_safe(fn[_i].in, len, fn[_i].ctype,
	    fn[_i].section, 0, &out), EML_OK);
	ck_assert_msg(strcmp(out.data, fn[_i].want) == 0, "%d: got [%s]",
	    _i, out.data);
	why = unsafe(out.data, out.len, EML_FNAME_MAX);
	ck_assert_msg(why == NULL, "%s: %s", out.data, why);
	eml_buf_free(&out);
}
END_TEST

/* Cut to max bytes at a character boundary, the extension kept. */
START_TEST(t_length)
{
	struct eml_buf in = { 0 }, out = { 0 };
	size_t i, max;
	const char *why;

	for (i = 0; i < 200; i++)
		ck_assert_int_eq(eml_buf_adds(&in, "\xe6\x97\xa5"), EML_OK);
	ck_assert_int_eq(eml_buf_adds(&in, ".pdf"), EML_OK);
	for (max = 16; max <= 300; max++) {
		eml_buf_reset(&out);
		ck_assert_int_eq(eml_fname_safe(in.data, in.len, NULL, NULL,
		    max, &out), EML_OK);
		why = unsafe(out.data, out.len, max);
		ck_assert_msg(why == NULL, "max %zu: %s", max, why);
		ck_assert_msg(out.len > 4 && strcmp(out.data + out.len - 4,
		    ".pdf") == 0, "max %zu: %s", max, out.data);
		/* nothing lost that fitted */
		ck_assert_uint_ge(out.len + 3, max < in.len ? max : in.len);
	}
	/* the default bound */
	eml_buf_reset(&out);
	ck_assert_int_eq(eml_fname_safe(in.data, in.len, NULL, NULL, 0, &out),
	    EML_OK);
	ck_assert_uint_le(out.len, EML_FNAME_MAX);
	ck_assert_int_eq(eml_fname_safe("x", 1, NULL, NULL, 15, &out),
	    EML_EINVAL);
	/* a long extension is not worth keeping whole */
	eml_buf_reset(&out);
	ck_assert_int_eq(eml_fname_safe("abcdefghij.klmnopqrstuvwxyz", 27,
	    NULL, NULL, 16, &out), EML_OK);
	ck_assert_str_eq(out.data, "abcdefghij.klmno");
	eml_buf_free(&in);
	eml_buf_free(&out);
}
END_TEST

/* out->max is honoured and out is left as it was. */
START_TEST(t_limit)
{
	struct eml_buf out = { 0 };

	ck_assert_int_eq(eml_buf_adds(&out, "keep"), EML_OK);
	out.max = 8;
	ck_assert_int_eq(eml_fname_safe("a-long-name.txt", 15, NULL, NULL, 0,
	    &out), EML_ELIMIT);
	ck_assert_str_eq(out.data, "keep");
	eml_buf_free(&out);
}
END_TEST

/* Random names from hostile pieces: the output is always safe. */
START_TEST(t_property)
{
	static const char *const pieces[] = { "a", "Z", ".", "..", "/", "\\",
	    ":", "-", " ", "~", "\r", "\n", "\x01", "\x7f", "\xff", "\xc3",
	    "\xc3\xa9", "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x80\x8b",
	    "\xef\xbb\xbf", "\xe2\x88\x95", "\xef\xbc\x8f", "\xf0\x9f\x98\x80",
	    "con", "NUL", "com1", "lpt\xc2\xb9", ".txt", "\"", "*", "?", "<",
	    "\xe6\x97\xa5", "\xc2\x85", "\xed\xa0\x80", "\xf4\x90\x80\x80" };
	struct eml_buf in = { 0 }, out = { 0 };
	unsigned long seed = 12345;
	size_t iter, k, n, max;
	const char *why;

	for (iter = 0; iter < 20000; iter++) {
		eml_buf_reset(&in);
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		n = (seed >> 33) % 24;
		for (k = 0; k < n; k++) {
			seed = seed * 6364136223846793005ULL +
			    1442695040888963407ULL;
			ck_assert_int_eq(eml_buf_adds(&in,
			    pieces[(seed >> 33) % EMLI_NELEM(pieces)]), EML_OK);
		}
		max = 16 + (seed >> 40) % 64;
		eml_buf_reset(&out);
		ck_assert_int_eq(eml_fname_safe(in.data ? in.data : "", in.len,
		    "text/plain", "1.2", max, &out), EML_OK);
		why = unsafe(out.data, out.len, max);
		if (why != NULL)
			for (k = 0; k < in.len; k++)
				fprintf(stderr, "%02x ", (unsigned char)in.data[k]);
		ck_assert_msg(why == NULL, "%zu: [%s]: %s (max %zu)", iter,
		    out.data, why, max);
	}
	eml_buf_free(&in);
	eml_buf_free(&out);
}
END_TEST

Suite *
eml_fname_suite(void)
{
	Suite *s = suite_create("fname");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_table, 0, (int)EMLI_NELEM(fn));
	tcase_add_test(tc, t_length);
	tcase_add_test(tc, t_limit);
	tcase_add_test(tc, t_property);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
