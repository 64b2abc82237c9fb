/*
 * check_parser.c - the streaming parser and the tree: structure, section
 * numbers, diagnostics, limits, chunk invariance and byte-exact writing.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "eml.h"

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
	{ "Content-Type: multipart/mixed; boundary=b\n\nno parts\n",
	  "-:multipart/mixed:9", EML_D_BOUNDARY_NOT_FOUND },
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
	struct eml_buf bd = { 0 };
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
			if (ev.type == EML_EV_DIAG && last == EML_EV_BODY) {
				snprintf(tmp, sizeof(tmp), "\nbody %d@%llu/%lu",
				    (int)ev.diag.code,
				    (unsigned long long)ev.diag.offset,
				    ev.diag.line);
				eml_buf_adds(&bd, tmp);
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
	ck_assert_msg(raw.len == len && memcmp(raw.data ? raw.data : "", in,
	    len) == 0, "raw slices do not tile the input (chunk %zu)", chunk);
	eml_buf_add(&b, bd.data, bd.len);
	eml_buf_free(&bd);
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

	/* every split point, and one byte at a time */
	whole = events(in, len, len ? len : 1, EML_PARSE_DECODE);
	for (c = 1; c <= len; c++) {
		char *e = events(in, len, c, EML_PARSE_DECODE);

		ck_assert_str_eq(e, whole);
		free(e);
	}
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

Suite *
eml_parser_suite(void)
{
	Suite *s = suite_create("parser");
	TCase *tc = tcase_create("structure");
	TCase *lim = tcase_create("limits");

	tcase_add_loop_test(tc, test_shape, 0, sizeof(cases) /
	    sizeof(cases[0]));
	tcase_add_loop_test(tc, test_split_every_offset, 0, sizeof(cases) /
	    sizeof(cases[0]));
	tcase_add_test(tc, test_decode_events);
	tcase_add_test(tc, test_feed_misuse);
	suite_add_tcase(s, tc);
	tcase_set_timeout(lim, 120);
	tcase_add_loop_test(lim, test_deep_nesting, 0, 2);
	tcase_add_test(lim, test_many_parts);
	tcase_add_test(lim, test_header_limits);
	tcase_add_test(lim, test_long_line_streaming);
	tcase_add_loop_test(lim, test_random_bytes, 0, 4);
	suite_add_tcase(s, lim);
	return s;
}
