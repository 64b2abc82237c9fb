/*
 * check_parser.c - the streaming parser and the tree: structure, section
 * numbers, diagnostics, limits, chunk invariance and byte-exact writing.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <time.h>

#include "eml.h"

/* scan.c's path switch (eml_priv.h): 0 auto, 1 scalar .. 4 AVX-512 */
int emli_scan_force(int i);

#define EMLI_MIN_T(a, b)	((a) < (b) ? (a) : (b))
#define EMLI_MAX_T(a, b)	((a) > (b) ? (a) : (b))

/* Pre-order "section:type:bodylen" of every node, space-separated. */
static char *
shape(const struct eml_msg *m)
{
	struct eml_buf b = { 0 };
	const struct eml_node *n;
	char tmp[512];

	for (n = m->root; n != NULL; n = eml_node_next(n)) {
		snprintf(tmp, sizeof(tmp), "%s%s:%s:%zu", b.len ? " " : "",
		    n->info.section[0] ? n->info.section : "-", n->info.ctype,
		    n->info.is_multipart ? n->preamble_len + n->epilogue_len :
		    n->body_len);
		eml_buf_adds(&b, tmp);
	}
	return eml_buf_steal(&b);
}

static int
has_diag(const struct eml_msg *m, enum eml_diag_code code)
{
	size_t i;

	for (i = 0; i < m->ndiags; i++)
		if (m->diags[i].code == code)
			return 1;
	return 0;
}

static const struct {
	const char *in;
	const char *shape;
	enum eml_diag_code diag;	/* expected, or EML_D_NONE */
} cases[] = {
	{ "Subject: x\n\nhello\n", "1:text/plain:6", EML_D_NONE },
	{ "Subject: x\r\n\r\nhello\r\n", "1:text/plain:7", EML_D_NONE },
	{ "", "1:text/plain:0", EML_D_NONE },
	{ "\n", "1:text/plain:0", EML_D_NONE },
	{ "Subject: no body", "1:text/plain:0", EML_D_NO_HEADER_END },
	{ "hello world\n", "1:text/plain:12", EML_D_HEADER_NO_COLON },
	/* RFC 2046 5.1.1: preamble, epilogue, padding after the boundary */
	{ "Content-Type: multipart/mixed; boundary=b\n\npre\n--b \t\n"
	  "\na\n--b\nContent-Type: text/html\n\n<b>\n--b--\nepi\n",
	  "-:multipart/mixed:7 1:text/plain:1 2:text/html:3", EML_D_NONE },
	/* the CRLF before the delimiter belongs to it */
	{ "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n"
	  "a\r\n\r\n--b--\r\n",
	  "-:multipart/mixed:0 1:text/plain:3", EML_D_NONE },
	/* nested boundaries that are prefixes of each other */
	{ "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	  "Content-Type: multipart/alternative; boundary=b1\n\n--b1\n\nx\n"
	  "--b1\n\ny\n--b1--\n--b\n\nz\n--b--\n",
	  "-:multipart/mixed:0 1:multipart/alternative:0 1.1:text/plain:1 "
	  "1.2:text/plain:1 2:text/plain:1", EML_D_NONE },
	/* longer token is not a match */
	{ "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--bx\n"
	  "--b--\n", "-:multipart/mixed:0 1:text/plain:6", EML_D_NONE },
	/* missing close delimiter */
	{ "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n",
	  "-:multipart/mixed:0 1:text/plain:2", EML_D_MISSING_CLOSE_DELIM },
	/* no delimiter at all: one leaf, as GMime reads it */
	{ "Content-Type: multipart/mixed; boundary=b\n\nno parts\n",
	  "1:multipart/mixed:9", EML_D_BOUNDARY_NOT_FOUND },
	{ "Content-Type: multipart/mixed\n\n--b\n\nx\n",
	  "1:multipart/mixed:7", EML_D_MULTIPART_NO_BOUNDARY },
	/* part without headers or body */
	{ "Content-Type: multipart/mixed; boundary=b\n\n--b\n--b--\n",
	  "-:multipart/mixed:0 1:text/plain:0", EML_D_PART_NO_HEADERS },
	/* RFC 3501 sections through message/rfc822 */
	{ "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nt\n--b\n"
	  "Content-Type: message/rfc822\n\nSubject: in\n"
	  "Content-Type: multipart/alternative; boundary=c\n\n--c\n\nu\n"
	  "--c\n\nv\n--c--\n--b\nContent-Type: message/rfc822\n\n"
	  "Subject: leaf\n\nw\n--b--\n",
	  "-:multipart/mixed:0 1:text/plain:1 2:message/rfc822:0 "
	  "2:multipart/alternative:0 2.1:text/plain:1 2.2:text/plain:1 "
	  "3:message/rfc822:0 3.1:text/plain:1", EML_D_NONE },
	/* multipart/digest children default to message/rfc822 */
	{ "Content-Type: multipart/digest; boundary=d\n\n--d\n\n"
	  "Subject: a\n\nA\n--d--\n",
	  "-:multipart/digest:0 1:message/rfc822:0 1.1:text/plain:1",
	  EML_D_NONE },
	/* an encoded message/rfc822 stays opaque */
	{ "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n"
	  "\nU3ViamVjdDogeAoKeQo=\n", "1:message/rfc822:21",
	  EML_D_CTE_ON_COMPOSITE },
	/* two Content-Type fields: the first wins */
	{ "Content-Type: text/html\nContent-Type: multipart/mixed; "
	  "boundary=b\n\n--b\n\nx\n--b--\n", "1:text/html:13",
	  EML_D_CONFLICTING_HEADER },
	/* folded header, and an mbox From_ line before the headers */
	{ "From a@b Thu Jan  1 00:00:00 2026\nSubject: a\n b\n\nx\n",
	  "1:text/plain:2", EML_D_NONE },
	{ "Content-Type: multipart/mixed;\n boundary=\"a b\"\n\n--a b\n\n"
	  "x\n--a b--\n", "-:multipart/mixed:0 1:text/plain:1",
	  EML_D_NONE },
	/* headers of a part cut off by the next delimiter */
	{ "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	  "Content-Type: text/html\n--b--\n",
	  "-:multipart/mixed:0 1:text/html:0", EML_D_NO_HEADER_END },
	/* bare CR is data */
	{ "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\r--b\n"
	  "--b--\n", "-:multipart/mixed:0 1:text/plain:5", EML_D_NONE },
	/* issue 6 section 2: consecutive delimiters make no empty part */
	{ "Content-Type: multipart/mixed; boundary=b\n\n--b\n--b\n\nx\n"
	  "--b\n--b\r\n--b  \n\ny\n--b--\n",
	  "-:multipart/mixed:0 1:text/plain:1 2:text/plain:1",
	  EML_D_EMPTY_PART },
	/* no boundary=: one leaf */
	{ "Content-Type: multipart/mixed\n\nx\n",
	  "1:multipart/mixed:2", EML_D_MULTIPART_NO_BOUNDARY },
	/* a nested multipart without its delimiter is a leaf, up to the
	 * outer delimiter */
	{ "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	  "Content-Type: multipart/related; boundary=c\n\nhidden\n--b\n"
	  "\ny\n--b--\n",
	  "-:multipart/mixed:0 1:multipart/related:6 2:text/plain:1",
	  EML_D_BOUNDARY_NOT_FOUND },
	/* a UTF-8 BOM before the first header is skipped */
	{ "\xef\xbb\xbfSubject: x\nContent-Type: text/html\n\n<p>\n",
	  "1:text/html:4", EML_D_BOM },
	{ "\xef\xbb\xbf" "From a@b Thu Jan  1 00:00:00 2026\nContent-Type: "
	  "text/html\n\n<p>\n", "1:text/html:4", EML_D_BOM },
	/* a part whose first header line starts with WSP: its fields are
	 * read (GMime, Python), not taken as body */
	{ "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nt\n--b\n"
	  " junk\nContent-Type: application/x-msdownload\n\nMZ\n--b--\n",
	  "-:multipart/mixed:0 1:text/plain:1 2:application/x-msdownload:2",
	  EML_D_PART_LEADING_WSP },
	/* "--b--x" and "--b---" are text: the multipart goes on */
	{ "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nt\n--b--x\n"
	  "--b---\n--b\nContent-Type: text/html\n\n<p>\n--b--\n",
	  "-:multipart/mixed:0 1:text/plain:15 2:text/html:3",
	  EML_D_CLOSE_DELIM_SUFFIX },
	/* a boundary ending in "--": "--b--" is its delimiter */
	{ "Content-Type: multipart/mixed; boundary=\"b--\"\n\n--b--\n\nt\n"
	  "--b--\nContent-Type: text/html\n\n<p>\n--b----\n",
	  "-:multipart/mixed:0 1:text/plain:1 2:text/html:3",
	  EML_D_BOUNDARY_DASH_END },
	/* ": x" (empty name) is a field; the header block goes on */
	{ "Content-Type: multipart/mixed; boundary=b\n\n--b\n: x\n"
	  "Content-Type: application/x-msdownload\n\nMZ\n--b--\n",
	  "-:multipart/mixed:0 1:application/x-msdownload:2",
	  EML_D_HEADER_EMPTY_NAME },
	/* RFC 2045 5.2: an invalid Content-Type is text/plain */
	{ "Content-Type: multipart\n\n--b\n", "1:text/plain:4",
	  EML_D_CTYPE_INVALID },
	/* header-level codes */
	{ "Subject: a\rb\n\nx\n", "1:text/plain:2", EML_D_BARE_CR },
	{ "Subject: a\r\nTo: b\n\nx\n", "1:text/plain:2", EML_D_MIXED_EOL },
	{ "Bad Name: a\n\nx\n", "1:text/plain:15", EML_D_HEADER_BAD_NAME },
	{ "Subject: a", "1:text/plain:0", EML_D_TRUNCATED },
	{ "Content-Type: multipart/mixed; boundary=\"a<b\"\n\n--a<b\n\nx\n"
	  "--a<b--\n", "-:multipart/mixed:0 1:text/plain:1",
	  EML_D_BOUNDARY_BAD_CHARS },
	/* issue 6 1.5: uuencode blocks in text/plain bodies are parts */
	{ "Subject: x\n\nhi\nbegin 644 a.txt\n#86)C\n`\nend\nbye\n",
	  "1:text/plain:35 1.u1:application/octet-stream:28", EML_D_NONE },
	{ "Subject: x\n\nbegin 644 a\n#86)C\nend\nmid\nbegin 600 b\r\n"
	  "#86)C\r\nend\r\n",
	  "1:text/plain:51 1.u1:application/octet-stream:22 "
	  "1.u2:application/octet-stream:25", EML_D_NONE },
	/* inside a multipart: "end" right before the delimiter, and a
	 * block cut off by the delimiter */
	{ "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n"
	  "begin 644 a\n#86)C\nend\n--b\n\nbegin 644 c\n#86)C\n--b--\n",
	  "-:multipart/mixed:0 1:text/plain:21 1.u1:application/octet-stream:21 "
	  "2:text/plain:17 2.u1:application/octet-stream:17",
	  EML_D_UU_TRUNCATED },
	/* not a begin line; not in a text/plain or QP body */
	{ "Subject: x\n\nbeginning 644 a\nbegin a\n", "1:text/plain:24",
	  EML_D_NONE },
	{ "Content-Type: text/html\n\nbegin 644 a\n#86)C\nend\n",
	  "1:text/html:22", EML_D_NONE },
};

/* The event stream, with adjacent body slices merged so that it does not
 * depend on chunking.  A body-level diagnostic comes when the checker has
 * seen its bytes, which depends on the chunking: those are listed at the
 * end, each with its own line and offset (diag branch). */
static char *
events(const char *in, size_t len, size_t chunk, unsigned flags)
{
	struct eml_parser_opts o = { .flags = flags };
	struct eml_parser *p = eml_parser_new(&o);
	struct eml_buf b = { 0 }, raw = { 0 }, run = { 0 }, data = { 0 };
	struct eml_buf diags = { 0 };
	struct eml_event ev;
	size_t pos = 0;
	int r, last = -1;
	char tmp[512];

	ck_assert_ptr_nonnull(p);
	for (;;) {
		if (pos < len) {
			size_t k = len - pos < chunk ? len - pos : chunk;

			ck_assert_int_eq(eml_parser_feed(p, in + pos, k), 0);
			pos += k;
		} else {
			eml_parser_finish(p);
		}
		while ((r = eml_parser_next(p, &ev)) > 0) {
			eml_buf_add(&raw, ev.raw, ev.raw_len);
			if (ev.type == EML_EV_DIAG) {
				/* may come between body slices: listed apart,
				 * with where it occurred */
				snprintf(tmp, sizeof(tmp), "\n%s@%llu/%lu[%s]",
				    eml_diag_name(ev.diag.code),
				    (unsigned long long)ev.diag.offset,
				    ev.diag.line, ev.diag.section);
				eml_buf_adds(&diags, tmp);
				continue;
			}
			if ((int)ev.type == last && (ev.type == EML_EV_BODY ||
			    ev.type == EML_EV_PREAMBLE ||
			    ev.type == EML_EV_EPILOGUE ||
			    ev.type == EML_EV_RAW)) {
				eml_buf_add(&run, ev.raw, ev.raw_len);
				eml_buf_add(&data, ev.data, ev.data_len);
				continue;
			}
			/* a run of body slices ends: its bytes, then data */
			eml_buf_add(&b, run.data, run.len);
			eml_buf_addc(&b, '|');
			eml_buf_add(&b, data.data, data.len);
			eml_buf_reset(&run);
			eml_buf_reset(&data);
			last = ev.type;
			snprintf(tmp, sizeof(tmp), "\n%d@%llu/%lu[%s|%s|%d]",
			    ev.type, (unsigned long long)ev.offset, ev.line,
			    ev.part ? ev.part->section : "",
			    ev.part ? ev.part->ctype : "",
			    ev.type == EML_EV_DIAG ? (int)ev.diag.code : 0);
			eml_buf_adds(&b, tmp);
			eml_buf_add(&run, ev.raw, ev.raw_len);
			eml_buf_add(&data, ev.data, ev.data_len);
			if (ev.type == EML_EV_END)
				goto done;
		}
		ck_assert_int_ge(r, 0);
	}
done:
	eml_buf_adds(&b, "\ndiags:");
	eml_buf_add(&b, diags.data, diags.len);
	eml_buf_free(&diags);
	ck_assert_msg(raw.len == len && memcmp(raw.data ? raw.data : "", in,
	    len) == 0, "raw slices do not tile the input (chunk %zu)", chunk);
	eml_buf_free(&raw);
	eml_buf_free(&run);
	eml_buf_free(&data);
	eml_parser_free(p);
	return eml_buf_steal(&b);
}

START_TEST(test_shape)
{
	const char *in = cases[_i].in;
	size_t len = strlen(in), c;
	int path;
	struct eml_msg *m;
	struct eml_buf out = { 0 };
	char *s, *whole;

	ck_assert_int_eq(eml_msg_parse_mem(in, len, NULL, &m), 0);
	s = shape(m);
	ck_assert_str_eq(s, cases[_i].shape);
	free(s);
	if (cases[_i].diag != EML_D_NONE)
		ck_assert_msg(has_diag(m, cases[_i].diag), "no %s",
		    eml_diag_name(cases[_i].diag));
	ck_assert_int_eq(eml_msg_write(m, &out), 0);
	ck_assert_uint_eq(out.len, len);
	ck_assert(memcmp(out.data ? out.data : "", in, len) == 0);
	eml_buf_free(&out);
	eml_msg_free(m);

	/* every split point, and one byte at a time, with each scan path
	 * (scan.c: scalar, SSE2, AVX2, AVX-512; one the CPU lacks runs
	 * scalar) giving the scalar path's events */
	emli_scan_force(1);
	whole = events(in, len, len ? len : 1, EML_PARSE_DECODE);
	for (path = 1; path <= 4; path++) {
		emli_scan_force(path);
		for (c = 1; c <= len; c++) {
			char *e = events(in, len, c, EML_PARSE_DECODE);

			ck_assert_str_eq(e, whole);
			free(e);
		}
	}
	emli_scan_force(0);
	free(whole);
}
END_TEST

/* Feed in two pieces split at every offset. */
START_TEST(test_split_every_offset)
{
	const char *in = cases[_i].in;
	size_t len = strlen(in), cut;
	char *whole = events(in, len, len ? len : 1, 0);

	for (cut = 0; cut <= len; cut++) {
		struct eml_parser *p = eml_parser_new(NULL);
		struct eml_buf raw = { 0 };
		struct eml_event ev;

		eml_parser_feed(p, in, cut);
		while (eml_parser_next(p, &ev) > 0)
			eml_buf_add(&raw, ev.raw, ev.raw_len);
		eml_parser_feed(p, in + cut, len - cut);
		eml_parser_finish(p);
		while (eml_parser_next(p, &ev) > 0)
			eml_buf_add(&raw, ev.raw, ev.raw_len);
		ck_assert_uint_eq(raw.len, len);
		ck_assert(memcmp(raw.data ? raw.data : "", in, len) == 0);
		eml_buf_free(&raw);
		eml_parser_free(p);
	}
	free(whole);
}
END_TEST

/* EML_PARSE_NO_BODY_CHECK: no body-level diagnostics, and the same
 * structure and decoded data as without it. */
START_TEST(test_no_body_check)
{
	struct eml_buf in = { 0 };
	char *with, *without, *d;
	size_t i;

	eml_buf_adds(&in, "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Transfer-Encoding: quoted-printable\n\n");
	for (i = 0; i < 1200; i++)
		eml_buf_addc(&in, 'x');
	eml_buf_adds(&in, "\nbare\rcr =ZZ\n--b--\n");
	with = events(in.data, in.len, in.len, EML_PARSE_DECODE);
	without = events(in.data, in.len, in.len, EML_PARSE_DECODE |
	    EML_PARSE_NO_BODY_CHECK);
	ck_assert_ptr_nonnull(strstr(with, "qp-line-long"));
	ck_assert_ptr_nonnull(strstr(with, "bare-cr"));
	ck_assert_ptr_nonnull(strstr(with, "qp-bad-escape"));
	ck_assert_ptr_null(strstr(without, "qp-line-long"));
	ck_assert_ptr_null(strstr(without, "bare-cr"));
	ck_assert_ptr_null(strstr(without, "qp-bad-escape"));
	/* header-level ones stay; everything before the list is the same */
	ck_assert_ptr_nonnull(strstr(without, "no-mime-version"));
	d = strstr(with, "\ndiags:");
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(strncmp(with, without, (size_t)(d - with) + 7), 0);
	free(with);
	free(without);
	eml_buf_free(&in);
}
END_TEST

START_TEST(test_decode_events)
{
	static const char msg[] =
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "Content-Transfer-Encoding: base64\n\naGVsbG8g\nd29ybGQ=\n"
	    "--b\nContent-Transfer-Encoding: quoted-printable\n\n"
	    "caf=C3=A9 =\nsoft\n--b--\n";
	struct eml_parser_opts o = { .flags = EML_PARSE_DECODE };
	struct eml_parser *p = eml_parser_new(&o);
	struct eml_buf d1 = { 0 }, d2 = { 0 };
	struct eml_event ev;

	eml_parser_feed(p, msg, sizeof(msg) - 1);
	eml_parser_finish(p);
	while (eml_parser_next(p, &ev) > 0) {
		if (ev.type != EML_EV_BODY)
			continue;
		if (strcmp(ev.part->section, "1") == 0)
			eml_buf_add(&d1, ev.data, ev.data_len);
		else
			eml_buf_add(&d2, ev.data, ev.data_len);
		if (ev.type == EML_EV_PART_END)
			ck_assert_uint_eq(ev.part->decoded_size,
			    strcmp(ev.part->section, "1") ? 10 : 11);
	}
	ck_assert_str_eq(d1.data, "hello world");
	ck_assert_str_eq(d2.data, "caf\xc3\xa9 soft");
	eml_buf_free(&d1);
	eml_buf_free(&d2);
	eml_parser_free(p);
}
END_TEST

/* Parse a generated message and return the seconds it took. */
static double
timed_parse(const char *buf, size_t len, const struct eml_parser_opts *o,
    struct eml_msg **m)
{
	clock_t t0 = clock();

	ck_assert_int_eq(eml_msg_parse_mem(buf, len, o, m), 0);
	return (double)(clock() - t0) / CLOCKS_PER_SEC;
}

static char *
repeat(const char *head, const char *unit, size_t count, const char *tail,
    size_t *len_r)
{
	struct eml_buf b = { 0 };
	size_t i;

	eml_buf_adds(&b, head);
	for (i = 0; i < count; i++)
		eml_buf_adds(&b, unit);
	eml_buf_adds(&b, tail);
	*len_r = b.len;
	return eml_buf_steal(&b);
}

static unsigned
max_depth(const struct eml_msg *m)
{
	const struct eml_node *n;
	unsigned d = 0;

	for (n = m->root; n != NULL; n = eml_node_next(n))
		if (n->info.depth > d)
			d = n->info.depth;
	return d;
}

/* attack-cases.md A.1 and A.2: deep nesting stays bounded and linear */
START_TEST(test_deep_nesting)
{
	static const char *units[] = {
		"Content-Type: multipart/mixed; boundary=x\n\n--x\n",
		"Content-Type: message/rfc822\n\n",
	};
	size_t len, n = 100000;
	struct eml_msg *m;
	struct eml_buf out = { 0 };
	char *buf = repeat("", units[_i], n, "", &len);

	timed_parse(buf, len, NULL, &m);
	ck_assert_uint_le(max_depth(m), EML_DEFAULT_MAX_DEPTH + 1);
	ck_assert(has_diag(m, EML_D_DEPTH_LIMIT));
	ck_assert_int_eq(eml_msg_write(m, &out), 0);
	ck_assert(out.len == len && memcmp(out.data, buf, len) == 0);
	eml_buf_free(&out);
	eml_msg_free(m);
	free(buf);
}
END_TEST

/* A.4: a million 4-byte parts stop at max_parts; the rest is kept */
START_TEST(test_many_parts)
{
	size_t len;
	struct eml_parser_opts o = { .max_parts = 1000 };
	struct eml_msg *m;
	struct eml_buf out = { 0 };
	char *buf = repeat("Content-Type: multipart/mixed; boundary=a\n\n",
	    "--a\n\n", 1000000, "", &len);

	timed_parse(buf, len, &o, &m);
	ck_assert_uint_le(m->nparts, 1000);
	ck_assert(has_diag(m, EML_D_PARTS_LIMIT));
	eml_msg_write(m, &out);
	ck_assert(out.len == len && memcmp(out.data, buf, len) == 0);
	eml_buf_free(&out);
	eml_msg_free(m);
	free(buf);
}
END_TEST

/* B.16/B.17: a huge folded field is truncated, many fields are linear */
START_TEST(test_header_limits)
{
	size_t len, len2;
	struct eml_msg *m;
	struct eml_buf out = { 0 };
	char *big = repeat("Subject: x\n", " continued line\n", 1000000,
	    "\nbody\n", &len);
	char *many;
	double t1, t10;

	timed_parse(big, len, NULL, &m);
	ck_assert(has_diag(m, EML_D_HEADER_TOO_LONG));
	ck_assert_uint_le(m->root->headers[0].raw_len,
	    EML_DEFAULT_MAX_HEADER_BYTES);
	ck_assert_uint_eq(m->root->body_len, 5);
	eml_msg_write(m, &out);
	ck_assert(out.len == len && memcmp(out.data, big, len) == 0);
	eml_buf_free(&out);
	eml_msg_free(m);
	free(big);

	many = repeat("", "To: a@b\n", 50000, "\nx\n", &len);
	t1 = timed_parse(many, len, NULL, &m);
	eml_msg_free(m);
	free(many);
	many = repeat("", "To: a@b\n", 500000, "\nx\n", &len2);
	t10 = timed_parse(many, len2, NULL, &m);
	ck_assert(has_diag(m, EML_D_HEADERS_TOO_MANY));
	/* fields past the limit are one raw run, not an entry each */
	ck_assert_uint_le(m->root->nheaders, EML_DEFAULT_MAX_HEADERS + 1);
	eml_msg_free(m);
	free(many);
	ck_assert_msg(t10 < 30 * t1 + 0.5, "not linear: %f vs %f", t1, t10);
}
END_TEST

/* D.28: a 256 MiB line without a newline, streamed, in flat memory: the
 * parser holds nothing of it (its hold stays empty). */
START_TEST(test_long_line_streaming)
{
	static char chunk[65536];
	struct eml_parser_opts o = { .flags = EML_PARSE_DECODE };
	struct eml_parser *p = eml_parser_new(&o);
	struct eml_event ev;
	static const char head[] =
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n";
	uint64_t body = 0;
	size_t i;

	memset(chunk, 'A', sizeof(chunk));
	eml_parser_feed(p, head, sizeof(head) - 1);
	while (eml_parser_next(p, &ev) > 0)
		;
	for (i = 0; i < 4096; i++) {
		eml_parser_feed(p, chunk, sizeof(chunk));
		while (eml_parser_next(p, &ev) > 0)
			if (ev.type == EML_EV_BODY)
				body += ev.raw_len;
	}
	eml_parser_finish(p);
	while (eml_parser_next(p, &ev) > 0)
		if (ev.type == EML_EV_BODY)
			body += ev.raw_len;
	ck_assert_uint_eq(body, (uint64_t)4096 * sizeof(chunk));
	eml_parser_free(p);
}
END_TEST

/* D.32: random bytes parse, tile, and write back */
START_TEST(test_random_bytes)
{
	size_t len = 1 << 20, i;
	char *buf = malloc(len);
	struct eml_msg *m;
	struct eml_buf out = { 0 };
	uint32_t x = 2463534242u + _i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		/* bias towards the bytes the grammar cares about */
		buf[i] = (x & 7) == 0 ? "\n-:\r b=;"[(x >> 8) & 7] : (char)x;
	}
	ck_assert_int_eq(eml_msg_parse_mem(buf, len, NULL, &m), 0);
	eml_msg_write(m, &out);
	ck_assert(out.len == len && memcmp(out.data, buf, len) == 0);
	eml_buf_free(&out);
	eml_msg_free(m);
	free(buf);
}
END_TEST

START_TEST(test_feed_misuse)
{
	struct eml_parser *p = eml_parser_new(NULL);
	struct eml_event ev;

	ck_assert_int_eq(eml_parser_feed(p, "ab", 2), 0);
	ck_assert_int_eq(eml_parser_feed(p, "cd", 2), EML_EINVAL);
	ck_assert_str_ne(eml_parser_errmsg(p), "");
	while (eml_parser_next(p, &ev) > 0)
		;
	eml_parser_free(p);
	eml_parser_free(NULL);
}
END_TEST

/* Events of in[0..len) fed in chunks through p, as events() digests
 * them but without creating the parser: for the reset property. */
static char *
events_with(struct eml_parser *p, const char *in, size_t len, size_t chunk)
{
	struct eml_buf b = { 0 };
	struct eml_event ev;
	size_t pos = 0;
	int r;
	char tmp[600];

	for (;;) {
		if (pos < len) {
			size_t k = len - pos < chunk ? len - pos : chunk;

			ck_assert_int_eq(eml_parser_feed(p, in + pos, k), 0);
			pos += k;
		} else {
			eml_parser_finish(p);
		}
		while ((r = eml_parser_next(p, &ev)) > 0) {
			snprintf(tmp, sizeof(tmp), "%d@%llu/%lu[%s|%s|%s]",
			    ev.type, (unsigned long long)ev.offset, ev.line,
			    ev.part ? ev.part->section : "",
			    ev.part ? ev.part->ctype : "",
			    ev.type == EML_EV_DIAG ?
			    eml_diag_name(ev.diag.code) : "");
			eml_buf_adds(&b, tmp);
			eml_buf_add(&b, ev.raw, ev.raw_len);
			eml_buf_add(&b, ev.data, ev.data_len);
			if (ev.type == EML_EV_END)
				return eml_buf_steal(&b);
		}
		ck_assert_int_ge(r, 0);
	}
}

/*
 * Issue 6 1.1: abandon a message inside a folded header (the header scan
 * offset is then far into it), reset, parse a small message: the events
 * must be those of a new parser.  Old code read past the small window
 * (ASan: heap-buffer-overflow).
 */
START_TEST(test_reset)
{
	struct eml_buf big = { 0 };
	static const char second[] = "Subject: s\n c\n\nhi\n";
	struct eml_parser_opts o = { .flags = EML_PARSE_DECODE };
	struct eml_parser *p, *fresh;
	struct eml_event ev;
	size_t i, cut;
	char *a, *b, *b7, *ball, *heap;

	eml_buf_adds(&big, "From: a@b\nSubject: x\n");
	for (i = 0; i < 2000; i++)
		eml_buf_adds(&big, " folded line of a long subject\n");
	/* on the heap, exactly sized: a read past it is an ASan report */
	heap = malloc(sizeof(second) - 1);
	memcpy(heap, second, sizeof(second) - 1);
	fresh = eml_parser_new(&o);
	b = events_with(fresh, heap, sizeof(second) - 1, 1);
	eml_parser_reset(fresh);
	b7 = events_with(fresh, heap, sizeof(second) - 1, 7);
	eml_parser_reset(fresh);
	ball = events_with(fresh, heap, sizeof(second) - 1, 1000);
	eml_parser_free(fresh);
	for (cut = 1; cut < big.len; cut += big.len / 37 + 1) {
		p = eml_parser_new(&o);
		/* one byte at a time, so the field is held and scanned */
		for (i = 0; i < cut; i++) {
			eml_parser_feed(p, big.data + i, 1);
			while (eml_parser_next(p, &ev) > 0)
				;
		}
		eml_parser_reset(p);
		a = events_with(p, heap, sizeof(second) - 1, 1000);
		ck_assert_str_eq(a, ball);
		free(a);
		eml_parser_reset(p);
		a = events_with(p, heap, sizeof(second) - 1, 1);
		ck_assert_str_eq(a, b);
		free(a);
		eml_parser_reset(p);
		a = events_with(p, heap, sizeof(second) - 1, 7);
		ck_assert_str_eq(a, b7);
		free(a);
		eml_parser_free(p);
	}
	free(b);
	free(b7);
	free(ball);
	free(heap);
	eml_buf_free(&big);
}
END_TEST

/*
 * Issue 6 1.2: ev.part is valid from PART_BEGIN to its PART_END.  Nest d
 * multiparts (d = 1..max_depth), keep every part pointer, and read them
 * all (section, parent chain) at every event; under ASan a frame stack
 * that moves while they are kept is a heap-use-after-free.
 */
START_TEST(test_stable_parts)
{
	struct eml_parser_opts o = { .max_depth = 40 };
	unsigned d;

	for (d = 1; d <= o.max_depth; d++) {
		struct eml_buf m = { 0 };
		const struct eml_part *kept[64];
		unsigned nk = 0, i, maxk = 0;
		struct eml_parser *p = eml_parser_new(&o);
		struct eml_event ev;
		size_t pos = 0;
		char tmp[128];
		int r;

		for (i = 0; i < d; i++) {
			snprintf(tmp, sizeof(tmp), "Content-Type: multipart/mixed;"
			    " boundary=b%u\n\n--b%u\n", i, i);
			eml_buf_adds(&m, tmp);
		}
		eml_buf_adds(&m, "Content-Type: text/plain\n\nleaf\n");
		for (i = d; i-- > 0;) {
			snprintf(tmp, sizeof(tmp), "--b%u--\n", i);
			eml_buf_adds(&m, tmp);
		}
		for (;;) {
			if (pos < m.len) {
				size_t k = EMLI_MIN_T(m.len - pos, 5);

				eml_parser_feed(p, m.data + pos, k);
				pos += k;
			} else {
				eml_parser_finish(p);
			}
			while ((r = eml_parser_next(p, &ev)) > 0) {
				unsigned j;

				if (ev.type == EML_EV_PART_BEGIN) {
					ck_assert_uint_lt(nk, 64);
					kept[nk++] = ev.part;
					if (nk > maxk)
						maxk = nk;
				}
				for (j = 0; j < nk; j++) {
					const struct eml_part *q;
					unsigned up = 0;

					ck_assert_uint_eq(kept[j]->depth, j);
					ck_assert(strlen(kept[j]->section) < 256);
					for (q = kept[j]; q->parent; q = q->parent)
						up++;
					ck_assert_uint_eq(up, j);
				}
				if (ev.type == EML_EV_PART_END) {
					ck_assert_ptr_eq(ev.part, kept[nk - 1]);
					nk--;
				}
				if (ev.type == EML_EV_END)
					break;
			}
			ck_assert_int_ge(r, 0);
			if (r > 0)
				break;
		}
		ck_assert_uint_eq(maxk, d + 1);
		ck_assert_uint_eq(nk, 0);
		eml_parser_free(p);
		eml_buf_free(&m);
	}
}
END_TEST

/* CPU seconds to parse head + n bytes of unit + tail fed 1 byte at a
 * time (the best of three runs, against noise on a shared machine). */
static double
time_1byte(const char *head, char unit, size_t n, const char *tail)
{
	struct eml_buf b = { 0 };
	double best = 1e9;
	int run;
	size_t i;

	eml_buf_adds(&b, head);
	for (i = 0; i < n; i++)
		eml_buf_addc(&b, unit);
	eml_buf_adds(&b, tail);
	for (run = 0; run < 3; run++) {
		struct eml_parser *p = eml_parser_new(NULL);
		struct eml_event ev;
		clock_t t0 = clock();
		double t;

		for (i = 0; i < b.len; i++) {
			eml_parser_feed(p, b.data + i, 1);
			while (eml_parser_next(p, &ev) > 0)
				;
		}
		eml_parser_finish(p);
		while (eml_parser_next(p, &ev) > 0)
			;
		t = (double)(clock() - t0) / CLOCKS_PER_SEC;
		if (t < best)
			best = t;
		eml_parser_free(p);
	}
	eml_buf_free(&b);
	return best;
}

/*
 * Issue 6 1.3: scans resume where they stopped.  A 100 KB..800 KB header
 * field, a long "--" line in a body and a long transport padding, each fed
 * a byte at a time, must grow at most ~2.2x per doubling (old code: 4x,
 * 8.7 s at 800 KB).  A ratio, not an absolute time.
 */
static const struct {
	const char *head;
	char unit;
	const char *tail;
} linear_cases[] = {
	{ "Subject: ", 'x', "\n\nbody\n" },
	{ "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nt\n--", 'x',
	  "\n--b--\n" },
	{ "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nt\n--b", ' ',
	  "x\n--b--\n" },
};

START_TEST(test_linear_scans)
{
	double t[4];
	unsigned i;

	for (i = 0; i < 4; i++)
		t[i] = time_1byte(linear_cases[_i].head, linear_cases[_i].unit,
		    (size_t)100000 << i, linear_cases[_i].tail);
	for (i = 1; i < 4; i++) {
		/* below 5 ms the clock's granularity is the figure */
		if (t[i - 1] < 0.005)
			continue;
		ck_assert_msg(t[i] <= 2.2 * t[i - 1] + 0.002,
		    "case %d: %f s then %f s at %zu bytes", _i, t[i - 1], t[i],
		    (size_t)100000 << i);
	}
	/* and over the whole range (2.2^3 = 10.6; quadratic is 64) */
	ck_assert_msg(t[3] <= 10.6 * EMLI_MAX_T(t[0], 0.005),
	    "case %d: %f s at 100 KB, %f s at 800 KB", _i, t[0], t[3]);
	printf("linear scans case %d: 100K %.3f s, 800K %.3f s (%.2fx per "
	    "doubling)\n", _i, t[0], t[3], t[0] > 0 ? cbrt(t[3] / t[0]) : 0);
}
END_TEST

/*
 * Issue 6 1.4: boundaries are compared whole.  Three nested multiparts
 * whose boundaries (82, 81, 80 characters) share an 80-byte prefix: the
 * outer delimiter closes both inner ones and text "22" is part 2 (old
 * code: matched by the prefix, 1.1.2).
 */
START_TEST(test_whole_boundaries)
{
	struct eml_buf b = { 0 }, out = { 0 };
	char bnd[3][100];
	struct eml_msg *m;
	char *sh;
	int i;

	for (i = 0; i < 3; i++) {
		int k, len = 82 - i;

		for (k = 0; k < len; k++)
			bnd[i][k] = '0' + (k + 1) % 10;
		bnd[i][len] = '\0';
	}
	for (i = 0; i < 3; i++) {
		eml_buf_adds(&b, "Content-Type: multipart/mixed; boundary=\"");
		eml_buf_adds(&b, bnd[i]);
		eml_buf_adds(&b, "\"\n\n--");
		eml_buf_adds(&b, bnd[i]);
		eml_buf_adds(&b, "\n");
	}
	eml_buf_adds(&b, "\n1\n--");
	eml_buf_adds(&b, bnd[0]);
	eml_buf_adds(&b, "\n\n22\n--");
	eml_buf_adds(&b, bnd[0]);
	eml_buf_adds(&b, "--\n");
	ck_assert_int_eq(eml_msg_parse_mem(b.data, b.len, NULL, &m), 0);
	sh = shape(m);
	ck_assert_str_eq(sh, "-:multipart/mixed:0 1:multipart/mixed:0 "
	    "1.1:multipart/mixed:0 1.1.1:text/plain:1 2:text/plain:2");
	ck_assert_str_eq(m->root->info.boundary, bnd[0]);
	ck_assert_uint_eq(m->root->info.boundary_len, 82);
	ck_assert(has_diag(m, EML_D_BOUNDARY_TOO_LONG));
	ck_assert(has_diag(m, EML_D_MISSING_CLOSE_DELIM));
	ck_assert_int_eq(eml_msg_write(m, &out), 0);
	ck_assert(out.len == b.len && memcmp(out.data, b.data, b.len) == 0);
	free(sh);
	eml_msg_free(m);
	eml_buf_free(&out);

	/* over max_boundary: no prefix match, the multipart is one leaf */
	{
		struct eml_parser_opts o = { .max_boundary = 81 };

		ck_assert_int_eq(eml_msg_parse_mem(b.data, b.len, &o, &m), 0);
		sh = shape(m);
		ck_assert_str_eq(sh, "1:multipart/mixed:680");
		/* the whole body after the first header and blank line */
		ck_assert_uint_eq(m->root->body_len, b.len - 126);
		ck_assert(has_diag(m, EML_D_BOUNDARY_TOO_LONG));
		free(sh);
		eml_msg_free(m);
	}
	eml_buf_free(&b);
}
END_TEST

/* Issue 6 2: transport padding of any length (RFC 2046 5.1.1): 5000
 * blanks after a delimiter still make a delimiter, with a diagnostic,
 * and the part's headers are read. */
START_TEST(test_long_padding)
{
	struct eml_buf b = { 0 };
	struct eml_msg *m;
	char *sh;
	size_t i;

	eml_buf_adds(&b, "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "\nt\n--b");
	for (i = 0; i < 5000; i++)
		eml_buf_addc(&b, i % 2 ? ' ' : '\t');
	eml_buf_adds(&b, "\nContent-Type: application/x-msdownload\n\nMZ\n"
	    "--b--\n");
	ck_assert_int_eq(eml_msg_parse_mem(b.data, b.len, NULL, &m), 0);
	sh = shape(m);
	ck_assert_str_eq(sh, "-:multipart/mixed:0 1:text/plain:1 "
	    "2:application/x-msdownload:2");
	ck_assert(has_diag(m, EML_D_BOUNDARY_PADDING_LONG));
	free(sh);
	eml_msg_free(m);
	for (i = 1; i < 9; i += 3) {
		char *e1 = events(b.data, b.len, b.len, 0);
		char *e2 = events(b.data, b.len, i, 0);

		ck_assert_str_eq(e1, e2);
		free(e1);
		free(e2);
	}
	eml_buf_free(&b);
}
END_TEST

/*
 * Issue 6 3: each occurrence is a diagnostic with its own line and
 * offset; the stream and the tree name the same section; an origin makes
 * offsets and lines those of a larger input (an mbox), with msg_offset.
 */
START_TEST(test_diag_occurrences)
{
	static const char in[] =
	    "Content-Type: text/plain\n"		/* line 1 */
	    "Content-Type: text/html\n"			/* 2 */
	    "X: a\rb\n"					/* 3 */
	    "Content-Type: text/x\n"			/* 4 */
	    "\n"
	    "body\n";
	struct eml_parser *p = eml_parser_new(NULL);
	struct eml_event ev;
	struct eml_msg *m;
	unsigned long lines[8];
	uint64_t offs[8];
	char secs[8][48];
	unsigned n = 0, i, k = 0;

	eml_parser_set_origin(p, 1000, 50);
	eml_parser_feed(p, in, sizeof(in) - 1);
	eml_parser_finish(p);
	while (eml_parser_next(p, &ev) > 0) {
		if (ev.type == EML_EV_PART_BEGIN) {
			ck_assert_uint_eq(ev.part->offset, 1000);
			ck_assert_uint_eq(ev.part->line, 50);
		}
		if (ev.type != EML_EV_DIAG)
			continue;
		ck_assert_uint_lt(n, 8);
		ck_assert_uint_eq(ev.diag.msg_offset, 1000);
		lines[n] = ev.diag.line;
		offs[n] = ev.diag.offset;
		snprintf(secs[n], sizeof(secs[n]), "%s:%s",
		    eml_diag_name(ev.diag.code), ev.diag.section);
		n++;
	}
	eml_parser_free(p);
	/* two conflicting-header (lines 2 and 4), one bare-cr (line 3,
	 * at the CR), no-mime-version */
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(secs[0], "conflicting-header:");
	ck_assert_uint_eq(lines[0], 51);
	ck_assert_uint_eq(offs[0], 1000 + 25);
	ck_assert_str_eq(secs[1], "bare-cr:");
	ck_assert_uint_eq(lines[1], 52);
	ck_assert_uint_eq(offs[1], 1000 + 49 + 4);
	ck_assert_str_eq(secs[2], "conflicting-header:");
	ck_assert_uint_eq(lines[2], 53);

	/* the tree has the same diagnostics, lines and sections */
	ck_assert_int_eq(eml_msg_parse_mem(in, sizeof(in) - 1, NULL, &m), 0);
	ck_assert_uint_eq(m->ndiags, n);
	for (i = 0; i < m->ndiags; i++) {
		char t[48];

		snprintf(t, sizeof(t), "%s:%s", eml_diag_name(m->diags[i].code),
		    m->diags[i].section);
		ck_assert_str_eq(t, secs[i]);
		ck_assert_uint_eq(m->diags[i].line + 49, lines[i]);
		ck_assert_uint_eq(m->diags[i].offset + 1000, offs[i]);
		k++;
	}
	ck_assert_uint_eq(k, 4);
	eml_msg_free(m);

	/* max_diags bounds them */
	{
		struct eml_parser_opts o = { .max_diags = 2 };

		ck_assert_int_eq(eml_msg_parse_mem(in, sizeof(in) - 1, &o, &m),
		    0);
		ck_assert_uint_eq(m->ndiags, 2);
		eml_msg_free(m);
	}
}
END_TEST

/* Issue 6 4: eml_part has the disposition and the file name, filename*
 * over filename over Content-Type name, decoded and cut at a character. */
static const struct {
	const char *fields;
	const char *disp;
	const char *name;
} fname_cases[] = {
	{ "Content-Type: application/pdf; name=\"ct.pdf\"\n"
	  "Content-Disposition: attachment; filename=\"cd.pdf\";\n"
	  " filename*=utf-8''r%C3%A9sum%C3%A9.pdf\n", "attachment",
	  "r\xc3\xa9sum\xc3\xa9.pdf" },
	{ "Content-Disposition: inline; filename=\"cd.pdf\"\n"
	  "Content-Type: application/pdf; name=\"ct.pdf\"\n", "inline",
	  "cd.pdf" },
	{ "Content-Type: application/pdf; name=\"=?utf-8?q?caf=C3=A9?=.pdf\"\n",
	  "", "caf\xc3\xa9.pdf" },
	{ "Content-Type: text/plain\n", "", "" },
	{ "Content-Disposition: ATTACHMENT\n", "attachment", "" },
};

START_TEST(test_part_filename)
{
	struct eml_buf b = { 0 };
	struct eml_msg *m;
	const struct eml_node *n;

	eml_buf_adds(&b, "Content-Type: multipart/mixed; boundary=b\n\n--b\n");
	eml_buf_adds(&b, fname_cases[_i].fields);
	eml_buf_adds(&b, "\nx\n--b--\n");
	ck_assert_int_eq(eml_msg_parse_mem(b.data, b.len, NULL, &m), 0);
	n = m->root->first_child;
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(n->info.disposition, fname_cases[_i].disp);
	ck_assert_str_eq(n->info.filename, fname_cases[_i].name);
	eml_msg_free(m);
	eml_buf_free(&b);
}
END_TEST

START_TEST(test_filename_cut)
{
	struct eml_buf b = { 0 };
	struct eml_msg *m;
	size_t i, len;

	eml_buf_adds(&b, "Content-Type: application/x; name=\"");
	for (i = 0; i < 200; i++)
		eml_buf_adds(&b, "\xc3\xa9");
	eml_buf_adds(&b, "\"\n\nx\n");
	ck_assert_int_eq(eml_msg_parse_mem(b.data, b.len, NULL, &m), 0);
	len = strlen(m->root->info.filename);
	ck_assert_uint_eq(len, 254);	/* 127 whole characters */
	ck_assert(eml_utf8_valid(m->root->info.filename, len));
	eml_msg_free(m);
	eml_buf_free(&b);
}
END_TEST

/* Issue 6 1.5: a uuencode block's part in the stream (section, name,
 * decoded data), in the tree (decode, round trip), and
 * EML_PARSE_NO_UUENCODE turning it off. */
START_TEST(test_uuencode_parts)
{
	static const char in[] = "Subject: x\n\nHere it is:\n"
	    "begin 644 hello.txt\n"
	    "M2&5L;&\\L('1H:7,@9FEL92!W87,@<V5N=\"!U=65N8V]D960@:6X@=&AE(&)O\n"
	    ".9'D@;V8@82!M86EL+@H`\n`\nend\nRegards\n";
	static const char file[] = "Hello, this file was sent uuencoded in "
	    "the body of a mail.\n";
	struct eml_parser_opts o = { .flags = EML_PARSE_DECODE };
	struct eml_parser *p;
	struct eml_event ev;
	struct eml_buf text = { 0 }, data = { 0 }, out = { 0 };
	struct eml_msg *m;
	const struct eml_node *n;
	int begins = 0, flags;

	for (flags = 0; flags < 2; flags++) {
		o.flags = EML_PARSE_DECODE | (flags ? EML_PARSE_NO_UUENCODE : 0);
		p = eml_parser_new(&o);
		begins = 0;
		eml_buf_reset(&text);
		eml_buf_reset(&data);
		eml_parser_feed(p, in, sizeof(in) - 1);
		eml_parser_finish(p);
		while (eml_parser_next(p, &ev) > 0) {
			if (ev.type == EML_EV_PART_BEGIN)
				begins++;
			if (ev.type == EML_EV_PART_END && ev.part->is_uu_block) {
				ck_assert_str_eq(ev.part->section, "1.u1");
				ck_assert_str_eq(ev.part->filename, "hello.txt");
				ck_assert_str_eq(ev.part->disposition,
				    "attachment");
				ck_assert_int_eq(ev.part->cte, EML_CTE_UUENCODE);
				ck_assert_uint_eq(ev.part->offset, 12 + 12);
				ck_assert_uint_eq(ev.part->line, 4);
				ck_assert_uint_eq(ev.part->end_offset,
				    sizeof(in) - 1 - 8);
				ck_assert_ptr_eq(ev.part->parent->parent, NULL);
			}
			if (ev.type != EML_EV_BODY)
				continue;
			if (ev.part->is_uu_block)
				eml_buf_add(&data, ev.data, ev.data_len);
			else
				eml_buf_add(&text, ev.data, ev.data_len);
		}
		eml_parser_free(p);
		if (flags == 0) {
			ck_assert_int_eq(begins, 2);
			ck_assert_str_eq(data.data, file);
			ck_assert_str_eq(text.data, "Here it is:\nRegards\n");
		} else {
			ck_assert_int_eq(begins, 1);
			ck_assert_uint_eq(data.len, 0);
			ck_assert_uint_eq(text.len, sizeof(in) - 1 - 12);
		}
	}
	eml_buf_free(&text);

	ck_assert_int_eq(eml_msg_parse_mem(in, sizeof(in) - 1, NULL, &m), 0);
	n = m->root->first_child;
	ck_assert_ptr_nonnull(n);
	ck_assert(n->info.is_uu_block);
	ck_assert_str_eq(n->info.filename, "hello.txt");
	eml_buf_reset(&data);
	ck_assert_int_eq(eml_node_decode(n, &data), 0);
	ck_assert_str_eq(data.data, file);
	/* the text part's body is still the whole body */
	ck_assert_uint_eq(m->root->body_len, sizeof(in) - 1 - 12);
	ck_assert_int_eq(eml_msg_write(m, &out), 0);
	ck_assert(out.len == sizeof(in) - 1 && memcmp(out.data, in,
	    out.len) == 0);
	eml_msg_free(m);
	eml_buf_free(&out);
	eml_buf_free(&data);
}
END_TEST

Suite *
eml_parser_suite(void)
{
	Suite *s = suite_create("parser");
	TCase *tc = tcase_create("structure");
	TCase *lim = tcase_create("limits");

	/* every chunk size of every case: slow under sanitizers on a
	 * loaded machine */
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_shape, 0, sizeof(cases) /
	    sizeof(cases[0]));
	tcase_add_loop_test(tc, test_split_every_offset, 0, sizeof(cases) /
	    sizeof(cases[0]));
	tcase_add_test(tc, test_decode_events);
	tcase_add_test(tc, test_no_body_check);
	tcase_add_test(tc, test_feed_misuse);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_stable_parts);
	tcase_add_test(tc, test_whole_boundaries);
	tcase_add_test(tc, test_long_padding);
	tcase_add_test(tc, test_diag_occurrences);
	tcase_add_loop_test(tc, test_part_filename, 0, sizeof(fname_cases) /
	    sizeof(fname_cases[0]));
	tcase_add_test(tc, test_filename_cut);
	tcase_add_test(tc, test_uuencode_parts);
	suite_add_tcase(s, tc);
	tcase_set_timeout(lim, 120);
	tcase_add_loop_test(lim, test_deep_nesting, 0, 2);
	tcase_add_test(lim, test_many_parts);
	tcase_add_test(lim, test_header_limits);
	tcase_add_test(lim, test_long_line_streaming);
	tcase_add_loop_test(lim, test_random_bytes, 0, 4);
	tcase_add_loop_test(lim, test_linear_scans, 0, sizeof(linear_cases) /
	    sizeof(linear_cases[0]));
	suite_add_tcase(s, lim);
	return s;
}
