/*
 * check_filter.c - every filter, table-driven, each case run whole, split
 * at every offset, and one byte at a time: all must give the same bytes
 * and the same result.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml.h"
#include "eml_priv.h"
#include "check_util.h"

/* Builds the filter chain under test in front of next. */
struct maker {
	const char *name;
	struct eml_sink *(*make)(struct eml_sink *next);
};

/*
 * Run in[0..len) through a fresh chain into out: whole (split == len),
 * in two pieces at split, or one byte at a time (split == (size_t)-1).
 * Returns the first error of the writes and close.
 */
static int
run(struct eml_sink *(*make)(struct eml_sink *), const char *in, size_t len,
    size_t split, struct eml_buf *out)
{
	struct eml_sink *s;
	size_t i;
	int r = EML_OK, r2;

	eml_buf_reset(out);
	s = make(eml_sink_buf(out));
	ck_assert_ptr_nonnull(s);
	if (split == (size_t)-1) {
		for (i = 0; i < len && r == EML_OK; i++)
			r = eml_sink_write(s, in + i, 1);
	} else {
		r = eml_sink_write(s, in, split);
		if (r == EML_OK)
			r = eml_sink_write(s, in + split, len - split);
	}
	if (r == EML_OK)
		ck_assert_uint_eq(eml_sink_bytes(s), len);
	r2 = eml_sink_close(s);
	return r != EML_OK ? r : r2;
}

/*
 * Every chunking gives want (wlen bytes) and result rc.  On an error the
 * output is not compared (what got through before it depends on the
 * chunking by design).
 */
static void
all_ways(struct eml_sink *(*make)(struct eml_sink *), const char *in,
    size_t len, const char *want, size_t wlen, int rc)
{
	struct eml_buf out = { 0 };
	size_t split;
	int r;

	for (split = 0; split <= len + 1; split++) {
		size_t sp = split == len + 1 ? (size_t)-1 : split;

		r = run(make, in, len, sp, &out);
		ck_assert_msg(r == rc, "split %zu: result %d, want %d",
		    split, r, rc);
		if (rc != EML_OK)
			continue;
		ck_assert_msg(out.len == wlen && (wlen == 0 ||
		    memcmp(out.data, want, wlen) == 0),
		    "split %zu: got %zu bytes \"%.*s\", want \"%.*s\"",
		    split, out.len, (int)out.len, out.data ? out.data : "",
		    (int)wlen, want);
	}
	eml_buf_free(&out);
}

static struct eml_sink *mk_eol_crlf(struct eml_sink *n)
{ return eml_filter_eol(n, 1); }
static struct eml_sink *mk_eol_lf(struct eml_sink *n)
{ return eml_filter_eol(n, 0); }
static struct eml_sink *mk_eol_end_crlf(struct eml_sink *n)
{ return eml_filter_eol_end(n, 1); }
static struct eml_sink *mk_eol_end_lf(struct eml_sink *n)
{ return eml_filter_eol_end(n, 0); }
static struct eml_sink *mk_stuff(struct eml_sink *n)
{ return eml_filter_dotstuff(n); }
static struct eml_sink *mk_unstuff(struct eml_sink *n)
{ return eml_filter_dotunstuff(n); }
static struct eml_sink *mk_stuff_unstuff(struct eml_sink *n)
{ return eml_filter_dotstuff(eml_filter_dotunstuff(n)); }
static struct eml_sink *mk_limit5(struct eml_sink *n)
{ return eml_filter_limit(n, 5); }
static struct eml_sink *mk_limit0(struct eml_sink *n)
{ return eml_filter_limit(n, 0); }

static struct eml_sink *mk_b64e(struct eml_sink *n)
{ return eml_filter_b64_enc(n, 0, 1); }
static struct eml_sink *mk_b64e_lf8(struct eml_sink *n)
{ return eml_filter_b64_enc(n, 8, 0); }
static struct eml_sink *mk_b64d(struct eml_sink *n)
{ return eml_filter_b64_dec(n); }
static struct eml_sink *mk_qpe(struct eml_sink *n)
{ return eml_filter_qp_enc(n, 0, 0); }
static struct eml_sink *mk_qpe_crlf(struct eml_sink *n)
{ return eml_filter_qp_enc(n, 1, 0); }
static struct eml_sink *mk_qpe_bin(struct eml_sink *n)
{ return eml_filter_qp_enc(n, 1, 1); }
static struct eml_sink *mk_qpd(struct eml_sink *n)
{ return eml_filter_qp_dec(n); }
static struct eml_sink *mk_dec_uu(struct eml_sink *n)
{ return eml_filter_decode(n, EML_CTE_UUENCODE); }
static struct eml_sink *mk_dec_7bit(struct eml_sink *n)
{ return eml_filter_decode(n, EML_CTE_7BIT); }
static struct eml_sink *mk_enc_b64(struct eml_sink *n)
{ return eml_filter_encode(n, EML_CTE_BASE64, 0); }
static struct eml_sink *mk_enc_8bit(struct eml_sink *n)
{ return eml_filter_encode(n, EML_CTE_8BIT, 1); }
static struct eml_sink *mk_b64_round(struct eml_sink *n)
{ return eml_filter_b64_enc(eml_filter_b64_dec(n), 4, 1); }
static struct eml_sink *mk_qp_round(struct eml_sink *n)
{ return eml_filter_qp_enc(eml_filter_qp_dec(n), 0, 1); }
static struct eml_sink *mk_latin1_utf8(struct eml_sink *n)
{ return eml_filter_charset(n, "iso-8859-15", "utf-8"); }
static struct eml_sink *mk_utf8_latin1(struct eml_sink *n)
{ return eml_filter_charset(n, "utf-8", "iso-8859-1"); }
static struct eml_sink *mk_utf8_utf8(struct eml_sink *n)
{ return eml_filter_charset(n, "utf-8", "UTF-8"); }
static struct eml_sink *mk_utf8_jis(struct eml_sink *n)
{ return eml_filter_charset(n, "utf-8", "ISO-2022-JP"); }
static struct eml_sink *mk_utf8_cp932(struct eml_sink *n)
{ return eml_filter_charset(n, "utf-8", "CP932"); }
static struct eml_sink *mk_jis_utf8(struct eml_sink *n)
{ return eml_filter_charset(n, "iso-2022-jp", "utf-8"); }
static struct eml_sink *mk_sjis_utf8(struct eml_sink *n)
{ return eml_filter_charset(n, "shift_jis", "utf-8"); }
static struct eml_sink *mk_utf8_utf16(struct eml_sink *n)
{ return eml_filter_charset(n, "utf-8", "UTF-16BE"); }
static struct eml_sink *mk_utf16_utf8(struct eml_sink *n)
{ return eml_filter_charset(n, "UTF-16BE", "utf-8"); }
/* a realistic stack: decode a QP body in latin-1 to UTF-8 with LF */
static struct eml_sink *mk_stack(struct eml_sink *n)
{
	return eml_filter_qp_dec(eml_filter_charset(eml_filter_eol(n, 0),
	    "iso-8859-1", "utf-8"));
}

#define S(x)	x, sizeof(x) - 1

static const struct fcase {
	struct eml_sink *(*make)(struct eml_sink *);
	const char *in;
	size_t len;
	const char *want;
	size_t wlen;
	int rc;
} text_cases[] = {
	{ mk_eol_crlf, S(""), S(""), EML_OK },
	{ mk_eol_crlf, S("a\nb\r\nc\rd"), S("a\r\nb\r\nc\r\nd"), EML_OK },
	{ mk_eol_crlf, S("\r\r\n\n\r"), S("\r\n\r\n\r\n\r\n"), EML_OK },
	{ mk_eol_crlf, S("\n\r"), S("\r\n\r\n"), EML_OK },
	{ mk_eol_crlf, S("x\r"), S("x\r\n"), EML_OK },
	{ mk_eol_lf, S("a\nb\r\nc\rd\r"), S("a\nb\nc\nd\n"), EML_OK },
	{ mk_eol_lf, S("\r\r\n\n"), S("\n\n\n"), EML_OK },
	{ mk_eol_lf, S("no eol"), S("no eol"), EML_OK },
	/* a final bare CR is exactly one line end, with or without the
	 * last line ended at close (the BDAT path once sent two) */
	{ mk_eol_end_crlf, S("abc\r"), S("abc\r\n"), EML_OK },
	{ mk_eol_end_crlf, S("abc"), S("abc\r\n"), EML_OK },
	{ mk_eol_end_crlf, S("a\r\r"), S("a\r\n\r\n"), EML_OK },
	{ mk_eol_end_crlf, S("a\n"), S("a\r\n"), EML_OK },
	{ mk_eol_end_crlf, S(""), S(""), EML_OK },
	{ mk_eol_end_lf, S("x\r\ny\r"), S("x\ny\n"), EML_OK },
	{ mk_eol_end_lf, S("x\r\ny"), S("x\ny\n"), EML_OK },
	/* RFC 5321 4.5.2 */
	{ mk_stuff, S(""), S(".\r\n"), EML_OK },
	{ mk_stuff, S("a"), S("a\r\n.\r\n"), EML_OK },
	{ mk_stuff, S("a\r\n"), S("a\r\n.\r\n"), EML_OK },
	{ mk_stuff, S(".\n..\r\nx.y\n.z\r"),
	  S("..\r\n...\r\nx.y\r\n..z\r\n.\r\n"), EML_OK },
	{ mk_stuff, S("."), S("..\r\n.\r\n"), EML_OK },
	{ mk_stuff, S("a\r.b"), S("a\r\n..b\r\n.\r\n"), EML_OK },
	/* RFC 5321 4.5.2 doubles a period that is the first character of
	 * a line; after a NUL it is not, and a receiver that keeps the NUL
	 * (as it must) would keep a doubled one: "\0.." is not "\0.".  The
	 * danger, a receiver that drops NULs and reads "\0.\r\n" as the
	 * end, is closed where SMTP is spoken: eml_smtp refuses NUL in
	 * DATA (corpus/smtp/nul-in-data.script). */
	{ mk_stuff, S("a\r\n\0.\r\n\0\0.x"),
	  S("a\r\n\0.\r\n\0\0.x\r\n.\r\n"), EML_OK },
	{ mk_stuff_unstuff, S("\0.\r\n.\0"), S("\0.\r\n.\0\r\n"), EML_OK },
	{ mk_unstuff, S(".\r\n"), S(""), EML_OK },
	{ mk_unstuff, S("a\r\n..b\r\n.c\r\n.\r\nafter"),
	  S("a\r\n.b\r\nc\r\n"), EML_OK },
	/* only CRLF starts a line: no smuggled end */
	{ mk_unstuff, S("a\n.\nb\r.\rc\r\n.\r\n"), S("a\n.\nb\r.\rc\r\n"),
	  EML_OK },
	{ mk_unstuff, S(".\rx\r\n.\r\r\n.\r\n"), S("\rx\r\n\r\r\n"), EML_OK },
	{ mk_unstuff, S("a\r\n"), "", 0, EML_EFORMAT },
	{ mk_unstuff, S("a\r\n."), "", 0, EML_EFORMAT },
	{ mk_unstuff, S("a\r\n.\r"), "", 0, EML_EFORMAT },
	{ mk_stuff_unstuff, S(".\n..\r\nx\r\n.\r\n"),
	  S(".\r\n..\r\nx\r\n.\r\n"), EML_OK },
	{ mk_limit5, S("12345"), S("12345"), EML_OK },
	{ mk_limit5, S("123456"), "", 0, EML_ELIMIT },
	{ mk_limit0, S(""), S(""), EML_OK },
	{ mk_limit0, S("1"), "", 0, EML_ELIMIT },
	/* RFC 4648 10 */
	{ mk_b64e, S(""), S(""), EML_OK },
	{ mk_b64e, S("f"), S("Zg==\r\n"), EML_OK },
	{ mk_b64e, S("foobar"), S("Zm9vYmFy\r\n"), EML_OK },
	{ mk_b64e_lf8, S("foobarfoobarx"), S("Zm9vYmFy\nZm9vYmFy\neA==\n"),
	  EML_OK },
	{ mk_enc_b64, S("fo"), S("Zm8=\n"), EML_OK },
	{ mk_b64d, S("Zm9v\r\nYm\tFy"), S("foobar"), EML_OK },
	{ mk_b64d, S("Zm8"), S("fo"), EML_OK },
	{ mk_b64d, S("Zg==\r\n"), S("f"), EML_OK },
	{ mk_b64_round, S("\0\377\r\n\nxyz"), S("\0\377\r\n\nxyz"), EML_OK },
	/* RFC 2045 6.7 */
	{ mk_qpe, S("a \nb=\tc\t"), S("a=20\nb=3D\tc=09"), EML_OK },
	{ mk_qpe_crlf, S("x\r\ny\nz\r"), S("x\r\ny\r\nz=0D"), EML_OK },
	{ mk_qpe_bin, S("x\r\n\xff"), S("x=0D=0A=FF"), EML_OK },
	{ mk_qpe, S("0123456789012345678901234567890123456789"
	  "01234567890123456789012345678901234567890123456789"),
	  S("0123456789012345678901234567890123456789"
	  "01234567890123456789012345678901234=\n567890123456789"), EML_OK },
	{ mk_qpd, S("a=\nb=3D  \nc=4"), S("ab=\nc=4"), EML_OK },
	{ mk_qpd, S("caf=C3=A9=\r\n!\r\n"), S("caf\xc3\xa9!\r\n"), EML_OK },
	{ mk_qp_round, S("\0 \r\n.From =\t"), S("\0 \r\n.From =\t"),
	  EML_OK },
	{ mk_dec_7bit, S("as is\r\n"), S("as is\r\n"), EML_OK },
	{ mk_enc_8bit, S("\xe9\n"), S("\xe9\n"), EML_OK },
	{ mk_dec_uu, S("text\nbegin 644 x\n#86)C\n`\nend\nmore\n"),
	  S("abc"), EML_OK },
	/* charsets; the split cases cut every multibyte character */
	{ mk_latin1_utf8, S("caf\xe9 \xa4"), S("caf\xc3\xa9 \xe2\x82\xac"),
	  EML_OK },
	{ mk_utf8_latin1, S("caf\xc3\xa9 \xc3\xbf"), S("caf\xe9 \xff"),
	  EML_OK },
	{ mk_utf8_latin1, S("\xe2\x82\xac"), "", 0, EML_ECHARSET },
	{ mk_utf8_latin1, S("a\xc3"), "", 0, EML_ECHARSET },
	{ mk_utf8_latin1, S("a\xff"), "", 0, EML_ECHARSET },
	{ mk_utf8_utf8, S("\xf0\x9f\x98\x80x\xffy\xc3"),
	  S("\xf0\x9f\x98\x80x\xef\xbf\xbdy\xef\xbf\xbd"), EML_OK },
	{ mk_utf8_jis, S("\xe6\x97\xa5\xe6\x9c\xac!"),
	  S("\x1b$BF|K\\\x1b(B!"), EML_OK },
	{ mk_utf8_jis, S("\xe6\x97\xa5"), S("\x1b$BF|\x1b(B"), EML_OK },
	/* no silent substitutes: glibc's one-way yen -> 0x5C, an ESC that
	 * would read as a shift */
	{ mk_utf8_cp932, S("\xe6\x97\xa5"), S("\x93\xfa"), EML_OK },
	{ mk_utf8_cp932, S("a\xc2\xa5"), "", 0, EML_ECHARSET },
	{ mk_utf8_jis, S("a\x1b$Bb"), "", 0, EML_ECHARSET },
	{ mk_jis_utf8, S("\x1b$BF|K\\\x1b(B!"),
	  S("\xe6\x97\xa5\xe6\x9c\xac!"), EML_OK },
	{ mk_sjis_utf8, S("\x93\xfa\x96\x7b"), S("\xe6\x97\xa5\xe6\x9c\xac"),
	  EML_OK },
	{ mk_utf8_utf16, S("a\xf0\x9f\x98\x80"), S("\0a\xd8\x3d\xde\x00"),
	  EML_OK },
	{ mk_utf16_utf8, S("\0a\xd8\x3d\xde\x00"), S("a\xf0\x9f\x98\x80"),
	  EML_OK },
	{ mk_stack, S("caf=E9=\r\n!\r\nx =\r\n\r\n"),
	  S("caf\xc3\xa9!\nx \n"), EML_OK },
};

START_TEST(test_text)
{
	const struct fcase *c = &text_cases[_i];

	all_ways(c->make, c->in, c->len, c->want, c->wlen, c->rc);
}
END_TEST

/* Filtering twice gives what filtering once does. */
START_TEST(test_eol_idempotent)
{
	static const char *in[] = { "a\r\r\n\n\rb", "\r", "\n\n", "x\r\ny",
	    "\r\n\r" };
	struct eml_buf once = { 0 }, twice = { 0 };
	size_t i;
	int crlf;

	for (crlf = 0; crlf < 2; crlf++)
		for (i = 0; i < 2 * sizeof(in) / sizeof(in[0]); i++) {
			struct eml_sink *(*mk)(struct eml_sink *) =
			    i % 2 == 0 ? (crlf ? mk_eol_crlf : mk_eol_lf) :
			    (crlf ? mk_eol_end_crlf : mk_eol_end_lf);
			const char *p = in[i / 2];

			ck_assert_int_eq(run(mk, p, strlen(p), 0, &once),
			    EML_OK);
			ck_assert_int_eq(run(mk, once.data, once.len, 1,
			    &twice), EML_OK);
			ck_assert_uint_eq(once.len, twice.len);
			ck_assert(memcmp(once.data, twice.data, once.len) == 0);
		}
	eml_buf_free(&once);
	eml_buf_free(&twice);
}
END_TEST

/* Where the data ended, so a POP3 client keeps the bytes after it. */
START_TEST(test_unstuff_end)
{
	struct eml_buf out = { 0 };
	struct eml_sink *s = eml_filter_dotunstuff(eml_sink_buf(&out));
	uint64_t end = 99;

	ck_assert_int_eq(eml_filter_dotunstuff_end(s, &end), 0);
	ck_assert_int_eq(eml_sink_write(s, "x\r\n.", 4), EML_OK);
	ck_assert_int_eq(eml_filter_dotunstuff_end(s, &end), 0);
	ck_assert_int_eq(eml_sink_write(s, "\r\n+OK next\r\n", 12), EML_OK);
	ck_assert_int_eq(eml_filter_dotunstuff_end(s, &end), 1);
	ck_assert_uint_eq(end, 6);
	ck_assert_uint_eq(eml_sink_bytes(s) - end, 10);
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	ck_assert_str_eq(out.data, "x\r\n");
	/* not an unstuffing filter */
	s = eml_sink_buf(&out);
	ck_assert_int_eq(eml_filter_dotunstuff_end(s, NULL), 0);
	eml_sink_abort(s);
	eml_buf_free(&out);
}
END_TEST

/* Large inputs: runs longer than the filters' stack buffers. */
START_TEST(test_text_large)
{
	struct eml_buf in = { 0 }, want = { 0 }, out = { 0 };
	size_t i;

	for (i = 0; i < 20000; i++) {
		/* i % 3 == 2 follows an ended line, 1 follows an "x" */
		eml_buf_adds(&in, i % 3 ? ".line\n" : "x");
		eml_buf_adds(&want, i % 3 == 2 ? "..line\r\n" :
		    i % 3 ? ".line\r\n" : "x");
	}
	for (i = 0; i < 30000; i++) {
		eml_buf_addc(&in, 'y');
		eml_buf_addc(&want, 'y');
	}
	eml_buf_adds(&want, "\r\n.\r\n");
	for (i = 0; i <= in.len; i += 997) {
		ck_assert_int_eq(run(mk_stuff, in.data, in.len, i, &out),
		    EML_OK);
		ck_assert_uint_eq(out.len, want.len);
		ck_assert(memcmp(out.data, want.data, want.len) == 0);
	}
	eml_buf_free(&in);
	eml_buf_free(&want);
	eml_buf_free(&out);
}
END_TEST

START_TEST(test_unknown)
{
	struct eml_buf b = { 0 };

	errno = 0;
	ck_assert_ptr_null(eml_filter_charset(eml_sink_buf(&b), "x-nonesuch",
	    "utf-8"));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(eml_filter_charset(eml_sink_buf(&b), "utf-8",
	    "utf-8//TRANSLIT"));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(eml_filter_charset(eml_sink_buf(&b), "utf-8",
	    NULL));
	ck_assert_ptr_null(eml_filter_encode(eml_sink_buf(&b),
	    EML_CTE_UUENCODE, 1));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(eml_filter_b64_enc(NULL, 0, 1));
	ck_assert_ptr_null(eml_filter_charset(NULL, "utf-8", "utf-8"));
}
END_TEST

static uint64_t rng = 0x2545F4914F6CDD1DULL;

static unsigned
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 20);
}

/* Random data through encoder then decoder, random chunks: identity. */
START_TEST(test_round_random)
{
	static struct eml_sink *(*const mk[])(struct eml_sink *) = {
		mk_b64_round, mk_qp_round
	};
	struct eml_buf in = { 0 }, out = { 0 };
	struct eml_sink *s;
	size_t i, k, n;
	unsigned t;

	for (t = 0; t < 200; t++) {
		eml_buf_reset(&in);
		n = rnd() % 5000;
		for (i = 0; i < n; i++)
			eml_buf_addc(&in, t & 1 ? (int)(rnd() & 255) :
			    " \r\n=.Fa\t"[rnd() % 9]);
		eml_buf_reset(&out);
		s = mk[t % 2](eml_sink_buf(&out));
		for (i = 0; i < n; i += k) {
			k = rnd() % 300;
			k = EMLI_MIN(n - i, k);
			ck_assert_int_eq(eml_sink_write(s, in.data + i, k),
			    EML_OK);
		}
		ck_assert_int_eq(eml_sink_close(s), EML_OK);
		ck_assert_msg(out.len == n && (n == 0 ||
		    memcmp(out.data, in.data, n) == 0), "round %u: %zu bytes "
		    "in, %zu out", t, n, out.len);
	}
	eml_buf_free(&in);
	eml_buf_free(&out);
}
END_TEST

Suite *
eml_filter_suite(void)
{
	Suite *s = suite_create("filter");
	TCase *tc = tcase_create("filter");

	tcase_add_loop_test(tc, test_text, 0,
	    sizeof(text_cases) / sizeof(text_cases[0]));
	tcase_add_test(tc, test_eol_idempotent);
	tcase_add_test(tc, test_unstuff_end);
	tcase_add_test(tc, test_text_large);
	tcase_add_test(tc, test_unknown);
	tcase_add_test(tc, test_round_random);
	suite_add_tcase(s, tc);
	return s;
}
