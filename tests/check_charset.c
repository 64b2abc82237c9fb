/*
 * check_charset.c - charset labels, conversion to UTF-8, UTF-8 checks.
 */
#include <check.h>
#include <iconv.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml.h"
#include "check_util.h"

static const struct {
	const char *label;
	const char *canon;	/* NULL: the label itself comes back */
} canons[] = {
	{ "ks_c_5601-1987", "CP949" },
	{ "KS_C_5601-1987", "CP949" },
	{ "x-sjis", "CP932" },
	{ "Shift_JIS", "CP932" },
	{ "shift-jis", "CP932" },
	{ " \"ISO-8859-1\" ", "WINDOWS-1252" },
	{ "latin1", "WINDOWS-1252" },
	{ "'utf8'", "UTF-8" },
	{ "UTF-8*en", "UTF-8" },
	{ "iso-8859-8-i", "ISO-8859-8" },
	{ "unicode-1-1-utf-7", "UTF-7" },
	{ "gb2312", "GB18030" },
	{ "GBK", "GB18030" },
	{ "x-gbk", "GB18030" },
	{ "euc-cn", "GB18030" },
	{ "cp-850", "CP850" },
	{ "tis-620", "WINDOWS-874" },
	{ "windows-874", "WINDOWS-874" },
	{ "koi8-r", "KOI8-R" },
	{ "big5", "BIG5-HKSCS" },
	{ "x-mac-cyrillic", "MAC-CYRILLIC" },
	{ "iso-2022-jp", "ISO-2022-JP-2" },
	{ "us-ascii", "US-ASCII" },
	{ "x-unknown", NULL },
	{ "iso-8859-2", NULL },
	{ "no-such-charset", NULL },
};

START_TEST(t_canon)
{
	const char *r = eml_charset_canon(canons[_i].label);

	if (canons[_i].canon == NULL)
		ck_assert_ptr_eq(r, canons[_i].label);
	else
		ck_assert_str_eq(r, canons[_i].canon);
}
END_TEST

static const struct {
	const char *label;
	int known;
} knowns[] = {
	{ "utf-8", 1 }, { "KOI8-R", 1 }, { "iso-8859-2", 1 },
	{ "ks_c_5601-1987", 1 }, { "x-sjis", 1 }, { "windows-1251", 1 },
	{ "x-unknown", 0 }, { "unknown-8bit", 0 }, { "default", 0 },
	{ "no-such-charset", 0 }, { "", 0 }, { "utf-8//TRANSLIT", 0 },
	{ "\"\"", 0 },
	/* other spellings real mail uses, resolved to glibc's names */
	{ "mac-iceland", 1 }, { "x-mac-icelandic", 1 }, { "macroman", 1 },
	{ "x-cp1253", 1 }, { "cp-1254", 1 }, { "windows1250", 1 },
	{ "latin-2", 1 }, { "iso-latin-2", 1 }, { "x-iso-8859-2", 1 },
	{ "iso_8859_1", 1 }, { "iso-8859-7:1987", 1 }, { "8859-5", 1 },
	{ "ms950", 1 }, { "windows-950", 1 }, { "l9", 1 },
	{ "x-euc-tw", 1 }, { "iso-8859-6-i", 1 }, { "utf8mb4", 1 },
	{ "x-mac-klingon", 0 }, { "x-", 0 }, { "cp-", 0 }, { "latin-", 0 },
};

START_TEST(t_known)
{
	ck_assert_int_eq(eml_charset_known(knowns[_i].label),
	    knowns[_i].known);
}
END_TEST

struct conv {
	const char *cs;
	const char *in;
	size_t len;		/* 0: strlen(in) */
	const char *want;
	int guessed;
};

#define FFFD "\xEF\xBF\xBD"

static const struct conv convs[] = {
	/* glibc's MAC-IS under mail's spellings (0xDC is U+0110, 0xDE
	 * thorn); cp-1253 is Greek, latin-2 Central European */
	{ "mac-iceland", "\xDC\xDE", 0, "\xC4\x90\xC3\x9E", 0 },
	{ "x-mac-icelandic", "\xDE", 0, "\xC3\x9E", 0 },
	{ "cp-1253", "\xE1", 0, "\xCE\xB1", 0 },
	{ "latin-2", "\xB1", 0, "\xC4\x85", 0 },
	/* iso-8859-1 read as windows-1252; cp1252's holes stay C1. */
	{ "iso-8859-1", "\x80 caf\xE9", 0, "\xE2\x82\xAC caf\xC3\xA9", 0 },
	{ "latin1", "\x81\x9F", 0, "\xC2\x81\xC5\xB8", 0 },
	/* us-ascii with 8-bit: UTF-8 if valid, else windows-1252. */
	{ "us-ascii", "caf\xC3\xA9", 0, "caf\xC3\xA9", 0 },
	{ "us-ascii", "caf\xE9", 0, "caf\xC3\xA9", 0 },
	{ "utf-8", "plain", 0, "plain", 0 },
	{ "utf-8", "a\xFF" "b", 0, "a" FFFD "b", 0 },
	{ "utf-8", "\xE2\x82", 0, FFFD, 0 },
	{ "utf-8", "\xE2\x82x", 0, FFFD "x", 0 },
	{ "utf-8", "\xED\xA0\x80", 0, FFFD FFFD FFFD, 0 },
	{ "utf-8", "\xC0\xAF", 0, FFFD FFFD, 0 },
	{ "utf-8", "\xF4\x90\x80\x80", 0, FFFD FFFD FFFD FFFD, 0 },
	{ "utf8", "\xF0\x9F\x98\x80", 0, "\xF0\x9F\x98\x80", 0 },
	{ "koi8-r", "\xF0\xD2\xC9\xD7\xC5\xD4", 0,
	  "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82", 0 },
	{ "cp1251", "\xCF\xF0\xE8", 0, "\xD0\x9F\xD1\x80\xD0\xB8", 0 },
	{ "ks_c_5601-1987", "\xBE\xC8\xB3\xE7", 0,
	  "\xEC\x95\x88\xEB\x85\x95", 0 },
	{ "Shift_JIS", "\x93\xFA\x96\x7B", 0, "\xE6\x97\xA5\xE6\x9C\xAC",
	  0 },
	{ "x-sjis", "a\\b", 0, "a\\b", 0 },
	{ "shift_jis", "\x93", 0, FFFD, 0 },
	{ "shift_jis", "a\xA0" "b", 0, "a" FFFD "b", 0 },
	{ "gb2312", "\xC4\xE3\xBA\xC3", 0, "\xE4\xBD\xA0\xE5\xA5\xBD", 0 },
	{ "iso-2022-jp", "\x1B$B$3$s$K$A$O\x1B(B!", 0,
	  "\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF!",
	  0 },
	{ "iso-8859-8-i", "\xF9\xEC\xE5\xED", 0,
	  "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D", 0 },
	{ "unicode-1-1-utf-7", "+AOk-", 0, "\xC3\xA9", 0 },
	{ "utf-16le", "a\0b\0", 4, "ab", 0 },
	{ "x-unknown", "caf\xE9", 0, "caf\xC3\xA9", 1 },
	{ "x-unknown", "caf\xC3\xA9", 0, "caf\xC3\xA9", 1 },
	{ "no-such-charset", "abc", 0, "abc", 1 },
	{ "\"KOI8-R\"", "\xF0", 0, "\xD0\x9F", 0 },
	{ "windows-874", "\xA1", 0, "\xE0\xB8\x81", 0 },
	{ "cp-850", "\x82", 0, "\xC3\xA9", 0 },
};

START_TEST(t_conv)
{
	const struct conv *c = &convs[_i];
	struct eml_buf out = { 0 };
	int guessed = -1;
	size_t len = c->len ? c->len : strlen(c->in);

	ck_assert_int_eq(eml_charset_to_utf8(c->cs, c->in, len, NULL, &out,
	    &guessed), EML_OK);
	ck_assert_msg(out.len == strlen(c->want) &&
	    memcmp(out.data, c->want, out.len) == 0,
	    "case %d (%s): got [%.*s]", _i, c->cs, (int)out.len, out.data);
	ck_assert_int_eq(guessed, c->guessed);
	eml_buf_free(&out);
}
END_TEST

/* The fallback charset applies to unknown labels only. */
START_TEST(t_fallback)
{
	struct eml_buf out = { 0 };
	int guessed = 0;

	ck_assert_int_eq(eml_charset_to_utf8("x-unknown", "\xF0", 1,
	    "koi8-r", &out, &guessed), EML_OK);
	ck_assert_str_eq(out.data, "\xD0\x9F");
	ck_assert_int_eq(guessed, 1);
	eml_buf_reset(&out);
	ck_assert_int_eq(eml_charset_to_utf8("x-unknown", "\xE9", 1,
	    "also-unknown", &out, NULL), EML_OK);
	ck_assert_str_eq(out.data, "\xC3\xA9");
	eml_buf_free(&out);
}
END_TEST

START_TEST(t_limit)
{
	struct eml_buf out = { 0 };

	out.max = 3;
	ck_assert_int_eq(eml_charset_to_utf8("koi8-r", "\xF0\xD2\xC9", 3,
	    NULL, &out, NULL), EML_ELIMIT);
	eml_buf_free(&out);
	out.max = 3;
	ck_assert_int_eq(eml_charset_to_utf8("iso-8859-1", "\xE9\xE9", 2,
	    NULL, &out, NULL), EML_ELIMIT);
	eml_buf_free(&out);
}
END_TEST

/* Long input through iconv (crosses the 4 KiB output chunk). */
START_TEST(t_long)
{
	struct eml_buf out = { 0 };
	char in[10000];
	size_t i;

	for (i = 0; i < sizeof(in); i += 2)
		memcpy(in + i, "\xBE\xC8", 2);
	ck_assert_int_eq(eml_charset_to_utf8("euc-kr", in, sizeof(in), NULL,
	    &out, NULL), EML_OK);
	ck_assert_uint_eq(out.len, sizeof(in) / 2 * 3);
	for (i = 0; i < out.len; i += 3)
		ck_assert(memcmp(out.data + i, "\xEC\x95\x88", 3) == 0);
	eml_buf_free(&out);
}
END_TEST

static const struct {
	const char *s;
	size_t len;
	int valid;
} utf8s[] = {
	{ "", 0, 1 }, { "plain ascii text, long enough for words", 0, 1 },
	{ "caf\xC3\xA9", 0, 1 }, { "\xE2\x82\xAC", 0, 1 },
	{ "\xF0\x9F\x98\x80", 0, 1 }, { "\xF4\x8F\xBF\xBF", 0, 1 },
	{ "a\0b", 3, 1 },
	{ "\xC3", 0, 0 }, { "\xC0\x80", 0, 0 }, { "\xE0\x80\x80", 0, 0 },
	{ "\xED\xA0\x80", 0, 0 }, { "\xF4\x90\x80\x80", 0, 0 },
	{ "\xF8\x88\x80\x80\x80", 0, 0 }, { "abcdefgh\x80", 0, 0 },
	{ "\xFF", 0, 0 }, { "\xE2\x82\xACx\xE2\x82", 0, 0 },
};

START_TEST(t_utf8)
{
	size_t len = utf8s[_i].len ? utf8s[_i].len : strlen(utf8s[_i].s);

	ck_assert_int_eq(eml_utf8_valid(utf8s[_i].s, len), utf8s[_i].valid);
}
END_TEST

/* GMime's filter samples: the same text in a charset and in UTF-8. */
static const struct {
	const char *file;
	const char *cs;
	const char *utf8;	/* NULL: only check the output is clean */
} samples[] = {
	{ "cyrillic.cp1251.txt", "windows-1251", "cyrillic.utf-8.txt" },
	{ "cyrillic.iso-8859-5.txt", "iso-8859-5", "cyrillic.utf-8.txt" },
	{ "cyrillic.koi8-r.txt", "koi8-r", "cyrillic.utf-8.txt" },
	{ "japanese.iso-2022-jp.txt", "iso-2022-jp", "japanese.utf-8.txt" },
	{ "japanese.shift-jis.txt", "shift_jis", "japanese.utf-8.txt" },
	{ "japanese.shift-jis.txt", "x-sjis", "japanese.utf-8.txt" },
	/* The Big5 sample lost characters upstream; it differs from the
	 * UTF-8 file, so only check that it converts without errors. */
	{ "chinese.big5.txt", "big5", NULL },
	{ "french-fable.cp1252.txt", "iso-8859-1", NULL },
};

START_TEST(t_samples)
{
	const char *dir = tu_shared_corpus();
	char path[4096];
	char *in, *want = NULL;
	size_t len, wlen = 0;
	struct eml_buf out = { 0 };
	int guessed = -1;

	if (dir == NULL) {
		printf("skipped: charset samples (no shared corpus)\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/gmime/filters/%s", dir,
	    samples[_i].file);
	if ((in = tu_slurp(path, &len)) == NULL) {
		printf("skipped: %s unreadable\n", path);
		return;
	}
	ck_assert_int_eq(eml_charset_to_utf8(samples[_i].cs, in, len, NULL,
	    &out, &guessed), EML_OK);
	ck_assert_int_eq(guessed, 0);
	ck_assert(eml_utf8_valid(out.data, out.len));
	ck_assert_ptr_null(strstr(out.data, FFFD));
	if (samples[_i].utf8 != NULL) {
		snprintf(path, sizeof(path), "%s/gmime/filters/%s", dir,
		    samples[_i].utf8);
		want = tu_slurp(path, &wlen);
		ck_assert_ptr_nonnull(want);
		ck_assert_uint_eq(out.len, wlen);
		ck_assert(memcmp(out.data, want, wlen) == 0);
	}
	free(in);
	free(want);
	eml_buf_free(&out);
}
END_TEST

#define N(a)	(int)(sizeof(a) / sizeof((a)[0]))

/* The iconv descriptors charset.c lends out and takes back: more
 * charsets than it keeps (8), in turn and from several threads, must
 * convert exactly as a descriptor of one's own does. */
static const struct {
	const char *cs, *in;
} reuses[] = {
	{ "KOI8-R", "\xF0\xD2\xC9\xD7\xC5\xD4" },
	{ "ISO-8859-2", "\xB1\xE6\xEA\xB3\xF1\xF3" },
	{ "ISO-8859-5", "\xBF\xE0\xD8\xD2\xD5\xE2" },
	{ "ISO-8859-7", "\xE1\xE2\xE3\xE4" },
	{ "EUC-JP", "\xC6\xFC\xCB\xDC\xB8\xEC" },
	{ "WINDOWS-1251", "\xCF\xF0\xE8\xE2\xE5\xF2" },
	{ "ISO-8859-15", "\xA4\xBD\xBE" },
	{ "WINDOWS-1250", "\x8A\x9A\xC8\xE8" },
	{ "IBM866", "\x8F\xE0\xA8\xA2\xA5\xE2" },
	{ "ISO-8859-9", "\xD0\xDD\xDE\xF0\xFD\xFE" },
	{ "ISO-8859-4", "\xA1\xA2\xA3\xB1" },
	{ "ISO-2022-JP", "a\x1b$BF|K\\\x1b(Bz" },
};

static char reuse_want[N(reuses)][64];

static void
reuse_expect(void)
{
	size_t i, il, ol;
	char *ip, *op;
	iconv_t cd;

	for (i = 0; i < N(reuses); i++) {
		ck_assert((cd = iconv_open("UTF-8", reuses[i].cs)) !=
		    (iconv_t)-1);
		ip = (char *)(uintptr_t)reuses[i].in;
		il = strlen(ip);
		op = reuse_want[i];
		ol = sizeof(reuse_want[i]) - 1;
		ck_assert(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
		ck_assert(iconv(cd, NULL, NULL, &op, &ol) != (size_t)-1);
		*op = '\0';
		iconv_close(cd);
	}
}

static void *
reuse_run(void *arg)
{
	struct eml_buf out = { 0 };
	size_t k, i;
	int bad = 0;

	for (k = 0; k < 300; k++) {
		i = (k * 7 + (size_t)(uintptr_t)arg) % N(reuses);
		out.len = 0;
		if (eml_charset_to_utf8(reuses[i].cs, reuses[i].in,
		    strlen(reuses[i].in), NULL, &out, NULL) != EML_OK ||
		    out.len != strlen(reuse_want[i]) ||
		    memcmp(out.data, reuse_want[i], out.len) != 0)
			bad++;
	}
	eml_buf_free(&out);
	return (void *)(uintptr_t)bad;
}

START_TEST(t_reuse)
{
	pthread_t th[4];
	void *bad;
	uintptr_t i;

	reuse_expect();
	ck_assert_ptr_null(reuse_run((void *)0));
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, reuse_run,
		    (void *)i), 0);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(th[i], &bad), 0);
		ck_assert_ptr_null(bad);
	}
}
END_TEST

Suite *
eml_charset_suite(void)
{
	Suite *s = suite_create("charset");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_canon, 0, N(canons));
	tcase_add_loop_test(tc, t_known, 0, N(knowns));
	tcase_add_loop_test(tc, t_conv, 0, N(convs));
	tcase_add_test(tc, t_fallback);
	tcase_add_test(tc, t_limit);
	tcase_add_test(tc, t_long);
	tcase_add_loop_test(tc, t_utf8, 0, N(utf8s));
	tcase_add_loop_test(tc, t_samples, 0, N(samples));
	tcase_add_test(tc, t_reuse);
	suite_add_tcase(s, tc);
	return s;
}
