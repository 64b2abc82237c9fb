/*
 * check_hdrblock.c - the top header block as header-only tools read it:
 * lines of only WSP before the first field are skipped, not taken for
 * the blank line (RFC 5322 2.2); EML_PARSE_HEADERS_ONLY gives the same
 * HEADER events as a full parse, without the MIME structure or any
 * diagnostic of the fields; the plain-text path of eml_hdr_decode gives
 * what the general one gives; section numbers cut as snprintf cut them.
 * The header-block streams are fed whole, split at every offset and one
 * byte at a time.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml.h"
#include "check_util.h"

/* The events of the top header block, up to its HEADERS_END, as text:
 * "H name=value", "R <len>", "D code", "E ctype"; the input fed in
 * pieces of chunk bytes (0 = whole, else split after the first chunk
 * bytes and then one piece for the rest when split is set). */
static char *
events(const char *in, size_t len, unsigned flags, size_t chunk, int split)
{
	struct eml_parser_opts o;
	struct eml_parser *p;
	struct eml_event ev;
	struct eml_buf b = { 0 };
	char tmp[512];
	size_t off = 0, n;
	int r, done = 0;

	memset(&o, 0, sizeof(o));
	o.flags = flags;
	p = eml_parser_new(&o);
	ck_assert_ptr_nonnull(p);
	while (!done) {
		if (off < len) {
			n = chunk == 0 ? len - off : split ? (off == 0 ? chunk :
			    len - off) : chunk;
			if (n > len - off)
				n = len - off;
			ck_assert_int_eq(eml_parser_feed(p, in + off, n), EML_OK);
			off += n;
		} else
			eml_parser_finish(p);
		while ((r = eml_parser_next(p, &ev)) > 0) {
			if (ev.part == NULL || ev.part->depth != 0)
				continue;
			if (ev.type == EML_EV_HEADER) {
				eml_buf_adds(&b, "H ");
				eml_buf_add(&b, ev.name, ev.name_len);
				eml_buf_addc(&b, '=');
				eml_buf_add(&b, ev.value, ev.value_len);
				eml_buf_addc(&b, '\n');
			} else if (ev.type == EML_EV_RAW) {
				snprintf(tmp, sizeof(tmp), "R %zu\n",
				    ev.raw_len);
				eml_buf_adds(&b, tmp);
			} else if (ev.type == EML_EV_DIAG) {
				snprintf(tmp, sizeof(tmp), "D %s@%lu\n",
				    eml_diag_name(ev.diag.code), ev.line);
				eml_buf_adds(&b, tmp);
			} else if (ev.type == EML_EV_HEADERS_END) {
				snprintf(tmp, sizeof(tmp), "E %s\n",
				    ev.part->ctype);
				eml_buf_adds(&b, tmp);
				done = 1;
				break;
			}
		}
		ck_assert_int_ge(r, 0);
		if (off >= len && r == 0 && !done) {
			/* finished and drained without HEADERS_END */
			ck_assert_msg(0, "no HEADERS_END");
		}
	}
	eml_parser_free(p);
	return b.data != NULL ? (char *)b.data : strdup("");
}

/* The same events however the input is cut. */
static char *
events_all_cuts(const char *in, unsigned flags)
{
	size_t len = strlen(in), i;
	char *whole = events(in, len, flags, 0, 0), *e;

	e = events(in, len, flags, 1, 0);
	ck_assert_str_eq(e, whole);
	free(e);
	for (i = 1; i < len; i++) {
		e = events(in, len, flags, i, 1);
		ck_assert_msg(strcmp(e, whole) == 0, "split at %zu:\n%s\n"
		    "whole:\n%s", i, e, whole);
		free(e);
	}
	return whole;
}

static const struct {
	const char *in;
	const char *want;
} wsp_cases[] = {
	/* spaces, then a tab line, then the fields */
	{ "   \n\t \nFrom: a@x\nSubject: hi\n\nbody\n",
	  "D leading-blank@1\nR 7\nH From= a@x\nH Subject= hi\nE text/plain\n" },
	/* CRLF; one diagnostic per run of such lines */
	{ "  \r\nFrom: a@x\r\n\r\nb\r\n",
	  "D leading-blank@1\nR 4\nH From= a@x\nE text/plain\n" },
	/* between fields a line of WSP folds into the field above */
	{ "From: a@x\n  \nSubject: hi\n\nb\n",
	  "H From= a@x\n  \nH Subject= hi\nE text/plain\n" },
	/* a WSP line then text: still an empty header block (RFC 5322 has
	 * no field there) */
	{ "  x: y\nFrom: a@x\n\nb\n",
	  "D leading-blank@1\nE text/plain\n" },
	/* an empty first line is the blank line */
	{ "\nFrom: a@x\n", "E text/plain\n" },
};

START_TEST(test_wsp_lines)
{
	char *e = events_all_cuts(wsp_cases[_i].in, 0);

	ck_assert_str_eq(e, wsp_cases[_i].want);
	free(e);
}
END_TEST

/* Only the HEADER events: HEADERS_ONLY must not change them. */
static char *
only_headers(const char *ev)
{
	struct eml_buf b = { 0 };
	const char *l = ev, *nl;

	for (; *l != '\0'; l = nl + 1) {
		nl = strchr(l, '\n');
		if (l[0] == 'H')
			eml_buf_add(&b, l, (size_t)(nl - l + 1));
	}
	return b.data != NULL ? (char *)b.data : strdup("");
}

static const char *const ho_cases[] = {
	/* a multipart: no probe for its delimiter, one text/plain leaf */
	"From: a@x\nContent-Type: multipart/mixed; boundary=b\n"
	"MIME-Version: 1.0\nSubject: s\n\n--b\n\nx\n--b--\n",
	/* fields that give diagnostics in a full parse: none here */
	"From: a@x\nDate: not a date\nContent-Type: text/plain; charset=\n"
	"X-Long: \t\r\nSubject: bare\rcr\nTo: <<<\n\nb\n",
	/* a conflicting Content-Type, an unknown CTE */
	"Content-Type: text/html\nContent-Type: image/png\n"
	"Content-Transfer-Encoding: x-foo\n\nb\n",
	/* leading WSP lines and folding */
	" \nSubject: a\n b\n\t\nFrom: x\n\n",
};

START_TEST(test_headers_only)
{
	const char *in = ho_cases[_i];
	char *full = events_all_cuts(in, 0);
	char *ho = events_all_cuts(in, EML_PARSE_HEADERS_ONLY);
	char *h1 = only_headers(full), *h2 = only_headers(ho);
	const char *l;

	ck_assert_str_eq(h2, h1);
	/* the one leaf, whatever Content-Type says */
	l = strstr(ho, "E ");
	ck_assert_ptr_nonnull(l);
	ck_assert_str_eq(l, "E text/plain\n");
	/* no diagnostic but the leading blank lines' */
	for (l = ho; (l = strstr(l, "D ")) != NULL; l++)
		ck_assert(strncmp(l, "D leading-blank@", 16) == 0);
	free(full);
	free(ho);
	free(h1);
	free(h2);
}
END_TEST

/* eml_hdr_decode of plain values (no encoded-word, no 8-bit) against
 * the same values with an encoded-word glued to the end, which takes
 * the general path: the plain part must come out the same. */
static const char *const plain_vals[] = {
	"hello world",
	"  lead and trail  ",
	"folded\r\n value\r\n\tagain",
	"folded\n  two\n\t\tthree",
	"tabs\tinside  and   runs",
	"a\\b \"q\" (c) <x@y>",
	"= ? =x ?= ?=",
	"",
	" \t ",
	"line\r\n \r\n more",
	"cr\rinside",
};

START_TEST(test_plain_decode)
{
	const char *v = plain_vals[_i];
	struct eml_buf a = { 0 }, b = { 0 }, c = { 0 };
	struct eml_defects da, db;
	char *glued;
	size_t n = strlen(v);

	memset(&da, 0, sizeof(da));
	memset(&db, 0, sizeof(db));
	ck_assert_int_eq(eml_hdr_decode(v, n, NULL, &a, &da), EML_OK);
	/* "\x01" is not plain: the general path, to compare with */
	glued = malloc(n + 2);
	memcpy(glued, v, n);
	glued[n] = '\x01';
	glued[n + 1] = '\0';
	ck_assert_int_eq(eml_hdr_decode(glued, n + 1, NULL, &b, &db),
	    EML_OK);
	ck_assert_ptr_nonnull(b.data);
	/* the general path's result less the glued byte, which trimming
	 * may have kept apart from a trailing blank */
	ck_assert(b.len >= 1 && b.data[b.len - 1] == '\x01');
	eml_buf_add(&c, b.data, b.len - 1);
	/* trailing LWS before \x01 is not trimmed there: trim it here */
	while (c.len > 0 && (c.data[c.len - 1] == ' ' ||
	    c.data[c.len - 1] == '\t'))
		c.len--;
	ck_assert_uint_eq(a.len, c.len);
	ck_assert(a.len == 0 || memcmp(a.data, c.data, a.len) == 0);
	ck_assert_uint_eq(tu_defects64(&da), 0);
	free(glued);
	eml_buf_free(&a);
	eml_buf_free(&b);
	eml_buf_free(&c);
}
END_TEST

/* Section numbers as snprintf("%s.%u") wrote them, cut at 255 bytes
 * with a '+' before the NUL: 100 levels of a 10th child ("10.10...")
 * run past the 256 bytes of eml_part.section. */
START_TEST(test_section_cut)
{
	struct eml_parser_opts o;
	struct eml_parser *p;
	struct eml_event ev;
	struct eml_buf m = { 0 };
	char want[512], full[1024], tmp[64];
	int lvl, k, r, seen = 0;
	size_t fl;

	for (lvl = 0; lvl < 100; lvl++) {
		snprintf(tmp, sizeof(tmp), "Content-Type: multipart/mixed; "
		    "boundary=b%d\n\n", lvl);
		eml_buf_adds(&m, tmp);
		for (k = 0; k < 9; k++) {
			snprintf(tmp, sizeof(tmp), "--b%d\n\nx\n", lvl);
			eml_buf_adds(&m, tmp);
		}
		snprintf(tmp, sizeof(tmp), "--b%d\n", lvl);
		eml_buf_adds(&m, tmp);
	}
	eml_buf_adds(&m, "\nleaf\n");
	for (lvl = 99; lvl >= 0; lvl--) {
		snprintf(tmp, sizeof(tmp), "--b%d--\n", lvl);
		eml_buf_adds(&m, tmp);
	}
	memset(&o, 0, sizeof(o));
	o.max_depth = 120;
	o.max_parts = 5000;
	p = eml_parser_new(&o);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(eml_parser_feed(p, m.data, m.len), EML_OK);
	eml_parser_finish(p);
	while ((r = eml_parser_next(p, &ev)) > 0) {
		if (ev.type != EML_EV_HEADERS_END || ev.part->depth == 0 ||
		    !ev.part->is_multipart)
			continue;
		/* a nested container at depth d is "10" d times */
		full[0] = '\0';
		for (k = 0; k < (int)ev.part->depth; k++) {
			fl = strlen(full);
			snprintf(full + fl, sizeof(full) - fl, "%s10",
			    k > 0 ? "." : "");
		}
		fl = strlen(full);
		memcpy(want, full, fl < 255 ? fl + 1 : 255);
		if (fl >= 256) {
			want[255] = '\0';
			want[254] = '+';
		} else if (fl == 255)
			want[255] = '\0';
		ck_assert_str_eq(ev.part->section, want);
		seen++;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(seen, 99);
	eml_parser_free(p);
	eml_buf_free(&m);
}
END_TEST

Suite *
eml_hdrblock_suite(void)
{
	Suite *s = suite_create("hdrblock");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_wsp_lines, 0,
	    sizeof(wsp_cases) / sizeof(wsp_cases[0]));
	tcase_add_loop_test(tc, test_headers_only, 0,
	    sizeof(ho_cases) / sizeof(ho_cases[0]));
	tcase_add_loop_test(tc, test_plain_decode, 0,
	    sizeof(plain_vals) / sizeof(plain_vals[0]));
	tcase_add_test(tc, test_section_cut);
	suite_add_tcase(s, tc);
	return s;
}
