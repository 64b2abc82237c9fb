/*
 * check_attack.c - the hostile inputs of shared/research/attack-cases.md
 * that apply to the library as it stands, each named by its number.
 * Cases covered elsewhere: A1 A2 A4 B16 B17 D28 D30 D31 D32 in
 * check_parser.c, B18 in check_addr.c, C21 in check_rfc2047.c, C22 in
 * check_rfc2231.c, C23 in check_b64.c, C24 in check_qp.c, C25 in
 * check_uu.c.  Huge inputs are generated here, never stored.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "eml.h"

static struct eml_msg *
parse(const char *s, size_t len, unsigned flags)
{
	struct eml_parser_opts o = { .flags = flags };
	struct eml_msg *m;
	struct eml_buf out = { 0 };

	ck_assert_int_eq(eml_msg_parse_mem(s, len, &o, &m), EML_OK);
	/* every case must also write back byte for byte (D31) */
	ck_assert_int_eq(eml_msg_write(m, &out), EML_OK);
	ck_assert_uint_eq(out.len, len);
	ck_assert(len == 0 || memcmp(out.data, s, len) == 0);
	eml_buf_free(&out);
	return m;
}

static int
has(const struct eml_msg *m, enum eml_diag_code code)
{
	size_t i;

	for (i = 0; i < m->ndiags; i++)
		if (m->diags[i].code == code)
			return 1;
	return 0;
}

static size_t
count_leaves(const struct eml_msg *m)
{
	const struct eml_node *n;
	size_t c = 0;

	for (n = m->root; n != NULL; n = eml_node_next(n))
		c += n->first_child == NULL;
	return c;
}

/* A3: 1000 levels, no closing delimiters: every part closed at EOF, and
 * diagnostics stay O(1) each and bounded in number. */
START_TEST(a3_truncated_deep_nesting)
{
	struct eml_buf b = { 0 };
	struct eml_msg *m;
	char line[128];
	int i;

	for (i = 0; i < 1000; i++) {
		snprintf(line, sizeof(line), "Content-Type: multipart/mixed;"
		    " boundary=b%d\n\n--b%d\n", i, i);
		eml_buf_adds(&b, line);
	}
	m = parse(b.data, b.len, 0);
	ck_assert(has(m, EML_D_DEPTH_LIMIT));
	ck_assert_uint_le(m->ndiags, EML_DEFAULT_MAX_DIAGS);
	eml_msg_free(m);
	eml_buf_free(&b);
}
END_TEST

/* A7: empty multiparts, the same answer every time, no NULL children */
START_TEST(a7_empty_multipart)
{
	static const char *in[] = {
		"Content-Type: multipart/mixed; boundary=b\n\n--b--\n",
		"Content-Type: multipart/mixed; boundary=b\n\n--b",
		"Content-Type: multipart/mixed; boundary=b\n\n--b\n",
	};
	static const size_t leaves[] = { 1, 1, 1 };
	struct eml_msg *m = parse(in[_i], strlen(in[_i]), 0);

	/* an empty multipart is its own leaf; "--b" opens one empty part */
	ck_assert_uint_eq(count_leaves(m), leaves[_i]);
	ck_assert_ptr_nonnull(m->root);
	eml_msg_free(m);
}
END_TEST

/* A8: garbage suffix is not a delimiter, padding is, a huge boundary is
 * refused with a diagnostic */
START_TEST(a8_boundary_forms)
{
	static const char garbage[] = "Content-Type: multipart/mixed; "
	    "boundary=b\n\n--b\n\nx\n--bXYZ\ny\n--b  \t\n\nz\n--b--\n";
	struct eml_msg *m = parse(garbage, sizeof(garbage) - 1, 0);
	struct eml_buf b = { 0 };
	size_t i;

	ck_assert_uint_eq(count_leaves(m), 2);
	ck_assert_uint_eq(m->root->first_child->body_len, 10);
	eml_msg_free(m);

	eml_buf_adds(&b, "Content-Type: multipart/mixed; boundary=\"");
	for (i = 0; i < 10000; i++)
		eml_buf_addc(&b, 'x');
	eml_buf_adds(&b, "\"\n\n--xxxx\n\nbody\n");
	m = parse(b.data, b.len, 0);
	ck_assert(has(m, EML_D_BOUNDARY_TOO_LONG));
	ck_assert_uint_eq(count_leaves(m), 1);
	ck_assert_uint_eq(strlen(m->root->info.boundary), m->root->info.boundary_len);
	eml_msg_free(m);

	/* a 100-character boundary, as some mailers write, still works */
	eml_buf_reset(&b);
	eml_buf_adds(&b, "Content-Type: multipart/mixed; boundary=");
	for (i = 0; i < 100; i++)
		eml_buf_addc(&b, 'a' + i % 26);
	eml_buf_adds(&b, "\n\n--");
	eml_buf_add(&b, b.data + 40, 100);
	eml_buf_adds(&b, "\n\nx\n--");
	eml_buf_add(&b, b.data + 40, 100);
	eml_buf_adds(&b, "\n\ny\n--");
	eml_buf_add(&b, b.data + 40, 100);
	eml_buf_adds(&b, "--\nepilogue\n");
	m = parse(b.data, b.len, 0);
	ck_assert_uint_eq(count_leaves(m), 2);
	ck_assert_uint_eq(m->root->epilogue_len, 9);
	eml_msg_free(m);
	eml_buf_free(&b);
}
END_TEST

/* A9: conflicting fields and parameters: the first wins, flagged */
START_TEST(a9_conflicts)
{
	static const char two_cte[] = "Content-Transfer-Encoding: base64\n"
	    "Content-Transfer-Encoding: quoted-printable\n\naGk=\n";
	static const char two_b[] = "Content-Type: multipart/mixed; "
	    "boundary=a; boundary=b\n\n--a\n\nx\n--a--\n";
	struct eml_msg *m = parse(two_cte, sizeof(two_cte) - 1, 0);
	struct eml_buf d = { 0 };

	ck_assert(has(m, EML_D_CONFLICTING_HEADER));
	ck_assert_int_eq(m->root->info.cte, EML_CTE_BASE64);
	eml_node_decode(m->root, &d);
	ck_assert_str_eq(d.data, "hi");
	eml_buf_free(&d);
	eml_msg_free(m);
	m = parse(two_b, sizeof(two_b) - 1, 0);
	ck_assert(has(m, EML_D_CONFLICTING_PARAM));
	ck_assert_str_eq(m->root->info.boundary, "a");
	ck_assert_uint_eq(count_leaves(m), 1);
	eml_msg_free(m);
}
END_TEST

/* A10: MIME without MIME-Version: MIME by default, plain when strict */
START_TEST(a10_no_mime_version)
{
	static const char in[] = "Content-Type: multipart/mixed; "
	    "boundary=b\n\n--b\n\nx\n--b\n\ny\n--b--\n";
	struct eml_msg *m = parse(in, sizeof(in) - 1, 0);

	ck_assert(has(m, EML_D_NO_MIME_VERSION));
	ck_assert_uint_eq(count_leaves(m), 2);
	eml_msg_free(m);
	m = parse(in, sizeof(in) - 1, EML_PARSE_STRICT_MIME);
	ck_assert_uint_eq(count_leaves(m), 1);
	ck_assert_str_eq(m->root->info.ctype, "text/plain");
	eml_msg_free(m);
}
END_TEST

/* B12, B15, D29: tiny and degenerate messages */
START_TEST(b12_b15_d29_degenerate)
{
	static const char *in[] = {
		"", "x", "\n", "\r\n", "--", "Subject: a", "Subject: a\n",
		"Subject:\n", ":\n", "\nX: y\n", "Subject:\r\n\r\n",
		"\r", "\r\r\n", "\n\r",
	};
	struct eml_msg *m = parse(in[_i], strlen(in[_i]), 0);
	const struct eml_header *h;

	ck_assert_ptr_nonnull(m->root);
	ck_assert_uint_eq(m->nparts, 1);
	if ((h = eml_node_header(m->root, "subject")) != NULL)
		ck_assert_uint_le(h->value_len, 2);
	eml_msg_free(m);
}
END_TEST

/* B13: NUL bytes are kept by length and never truncate */
START_TEST(b13_nul_in_headers)
{
	static const char in[] = "Subject: a\0\0b\nX\0Y: z\n\nbody\n";
	struct eml_msg *m = parse(in, sizeof(in) - 1, 0);
	const struct eml_header *h = eml_node_header(m->root, "subject");
	struct eml_buf d = { 0 };

	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->value_len, 5);
	ck_assert(has(m, EML_D_HEADER_NUL));
	eml_hdr_decode(h->value, h->value_len, NULL, &d, NULL);
	ck_assert_str_eq(d.data, "a\xef\xbf\xbd\xef\xbf\xbd" "b");
	/* a name with a NUL is not a header: the headers end there
	 * (header-bad-name: it has a colon, the name is not ftext) */
	ck_assert_uint_eq(m->root->nheaders, 1);
	ck_assert(has(m, EML_D_HEADER_BAD_NAME));
	eml_buf_free(&d);
	eml_msg_free(m);
}
END_TEST

/* B14: CRLF inside a name; a line with no colon ends the headers */
START_TEST(b14_broken_header_lines)
{
	static const char in[] = "From: a@b\r\nX-Header\r\n  Name: v\r\n"
	    "Subject: s\r\n\r\nbody\r\n";
	struct eml_msg *m = parse(in, sizeof(in) - 1, 0);

	ck_assert_uint_eq(m->root->nheaders, 1);
	ck_assert(has(m, EML_D_HEADER_NO_COLON));
	ck_assert_ptr_null(eml_node_header(m->root, "subject"));
	eml_msg_free(m);
}
END_TEST

/* B19: raw 8-bit in Subject: UTF-8 kept, Latin-1 through the fallback */
START_TEST(b19_8bit_headers)
{
	static const char in[] = "Subject: caf\xc3\xa9\nComments: caf\xe9\n"
	    "From: J\xfcrgen <j@x>\n\n";
	struct eml_msg *m = parse(in, sizeof(in) - 1, 0);
	const struct eml_header *h;
	struct eml_buf d = { 0 };
	struct eml_addrlist l = { 0 };
	struct eml_defects defects = { { 0 } };

	h = eml_node_header(m->root, "subject");
	eml_hdr_decode(h->value, h->value_len, NULL, &d, &defects);
	ck_assert_str_eq(d.data, "caf\xc3\xa9");
	ck_assert(!eml_defects_has(&defects, EML_D_HEADER_8BIT));
	eml_buf_reset(&d);
	h = eml_node_header(m->root, "comments");
	eml_hdr_decode(h->value, h->value_len, NULL, &d, &defects);
	ck_assert_str_eq(d.data, "caf\xc3\xa9");
	ck_assert(eml_defects_has(&defects, EML_D_HEADER_8BIT));
	h = eml_node_header(m->root, "from");
	eml_addr_parse(h->value, h->value_len, NULL, &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.v[0].name, "J\xc3\xbcrgen");
	eml_addr_free(&l);
	eml_buf_free(&d);
	eml_msg_free(m);
}
END_TEST

static long
max_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* B20: a 256 MiB header line without a newline, streamed: the field is
 * cut at max_header_bytes, the rest comes back as RAW, memory is flat. */
START_TEST(b20_huge_header_line)
{
	static char chunk[65536];
	struct eml_parser *p = eml_parser_new(NULL);
	struct eml_event ev;
	uint64_t total = 9, hdr = 0;
	long before = max_rss_kib();
	int i;

	memset(chunk, 'a', sizeof(chunk));
	eml_parser_feed(p, "Subject: ", 9);
	while (eml_parser_next(p, &ev) > 0)
		;
	for (i = 0; i < 4096; i++) {
		eml_parser_feed(p, chunk, sizeof(chunk));
		while (eml_parser_next(p, &ev) > 0) {
			total += ev.raw_len;
			if (ev.type == EML_EV_HEADER)
				hdr = ev.raw_len;
		}
	}
	eml_parser_finish(p);
	while (eml_parser_next(p, &ev) > 0)
		total += ev.raw_len;
	eml_parser_free(p);
	ck_assert_uint_le(hdr, EML_DEFAULT_MAX_HEADER_BYTES);
	ck_assert_uint_gt(hdr, 0);
	/* the raw slices of the first feed ("Subject: ") were counted as
	 * 9 up front: everything else tiles the rest */
	ck_assert_uint_ge(total, (uint64_t)4096 * sizeof(chunk));
	ck_assert_msg(max_rss_kib() - before < 64 * 1024,
	    "memory grew by %ld KiB", max_rss_kib() - before);
}
END_TEST

/* C26: base64 on a multipart is ignored, the structure is parsed */
START_TEST(c26_cte_on_multipart)
{
	static const char in[] = "Content-Type: multipart/mixed; boundary=b\n"
	    "Content-Transfer-Encoding: base64\n\n--b\n\nx\n--b--\n";
	struct eml_msg *m = parse(in, sizeof(in) - 1, 0);

	ck_assert(has(m, EML_D_CTE_ON_COMPOSITE));
	ck_assert_uint_eq(count_leaves(m), 1);
	ck_assert_uint_eq(m->root->first_child->body_len, 1);
	eml_msg_free(m);
}
END_TEST

/* D27: the same part tree whatever the line ends */
START_TEST(d27_mixed_eol)
{
	static const char lf[] = "Content-Type: multipart/mixed; "
	    "boundary=b\n\n--b\nContent-Type: text/html\n\n<p>\n--b\n\nq\n"
	    "--b--\n";
	struct eml_buf crlf = { 0 }, mixed = { 0 };
	const char *v[3];
	size_t lens[3], i, k;
	char shapes[3][256];

	for (i = 0; lf[i] != '\0'; i++) {
		if (lf[i] == '\n') {
			eml_buf_adds(&crlf, "\r\n");
			eml_buf_adds(&mixed, i % 2 ? "\r\n" : "\n");
		} else {
			eml_buf_addc(&crlf, lf[i]);
			eml_buf_addc(&mixed, lf[i]);
		}
	}
	v[0] = lf;
	lens[0] = sizeof(lf) - 1;
	v[1] = crlf.data;
	lens[1] = crlf.len;
	v[2] = mixed.data;
	lens[2] = mixed.len;
	for (k = 0; k < 3; k++) {
		struct eml_msg *m = parse(v[k], lens[k], 0);
		const struct eml_node *n;

		shapes[k][0] = '\0';
		for (n = m->root; n != NULL; n = eml_node_next(n)) {
			strcat(shapes[k], n->info.section);
			strcat(shapes[k], n->info.ctype);
			strcat(shapes[k], ";");
		}
		eml_msg_free(m);
	}
	ck_assert_str_eq(shapes[0], shapes[1]);
	ck_assert_str_eq(shapes[0], shapes[2]);
	eml_buf_free(&crlf);
	eml_buf_free(&mixed);
}
END_TEST

/*
 * J67: allocation failure at every allocation site of a parse.  The test
 * binary is linked with --wrap for malloc, calloc and realloc (Makefile);
 * fail_after counts down to the allocation that fails.
 */
void *__real_malloc(size_t);
void *__real_calloc(size_t, size_t);
void *__real_realloc(void *, size_t);
void *__wrap_malloc(size_t);
void *__wrap_calloc(size_t, size_t);
void *__wrap_realloc(void *, size_t);
static long fail_after = -1;

static int
should_fail(void)
{
	return fail_after >= 0 && fail_after-- == 0;
}

void *
__wrap_malloc(size_t n)
{
	return should_fail() ? NULL : __real_malloc(n);
}

void *
__wrap_calloc(size_t a, size_t b)
{
	return should_fail() ? NULL : __real_calloc(a, b);
}

void *
__wrap_realloc(void *p, size_t n)
{
	return should_fail() ? NULL : __real_realloc(p, n);
}

START_TEST(j67_alloc_failure)
{
	static const char in[] = "Subject: =?utf-8?B?w6k=?=\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "Content-Type: text/plain; charset=iso-8859-1\n"
	    "Content-Disposition: attachment; filename*=utf-8''%C3%A9.txt\n"
	    "Content-Transfer-Encoding: base64\n\naGk=\n--b\n"
	    "Content-Type: message/rfc822\n\nSubject: x\n\ny\n--b--\n";
	long site;
	int ok = 0, nomem = 0;

	for (site = 0; site < 400; site++) {
		struct eml_msg *m = NULL;
		int r;

		fail_after = site;
		r = eml_msg_parse_mem(in, sizeof(in) - 1, NULL, &m);
		if (r == EML_OK) {
			const struct eml_node *n;

			for (n = m->root; n != NULL; n = eml_node_next(n)) {
				struct eml_buf t = { 0 };
				char disp[16];

				eml_node_text(n, &t, NULL);
				eml_node_disposition(n, disp, sizeof(disp), &t);
				eml_buf_free(&t);
			}
		}
		fail_after = -1;
		if (r == EML_OK) {
			ck_assert_ptr_nonnull(m);
			/* a parse that succeeds is the whole parse: a failed
			 * allocation is never a different structure (it was
			 * multipart/mixed with boundary "" when the copy of
			 * the boundary failed: check_sink's attach_fd once) */
			ck_assert_str_eq(m->root->info.ctype,
			    "multipart/mixed");
			ck_assert_str_eq(m->root->info.boundary, "b");
			ck_assert_uint_eq(m->nparts, 4);
			ck_assert(m->root->first_child->info.is_attachment);
			ck_assert_str_eq(m->root->first_child->info.filename,
			    "\xc3\xa9.txt");
			ok++;
		} else {
			ck_assert_int_eq(r, EML_ENOMEM);
			ck_assert_ptr_null(m);
			nomem++;
		}
		eml_msg_free(m);
	}
	/* failures were injected, and past the last site it succeeds */
	ck_assert_int_gt(nomem, 5);
	ck_assert_int_gt(ok, 0);
}
END_TEST

Suite *
eml_attack_suite(void)
{
	Suite *s = suite_create("attack");
	TCase *tc = tcase_create("cases");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, a3_truncated_deep_nesting);
	tcase_add_loop_test(tc, a7_empty_multipart, 0, 3);
	tcase_add_test(tc, a8_boundary_forms);
	tcase_add_test(tc, a9_conflicts);
	tcase_add_test(tc, a10_no_mime_version);
	tcase_add_loop_test(tc, b12_b15_d29_degenerate, 0, 14);
	tcase_add_test(tc, b13_nul_in_headers);
	tcase_add_test(tc, b14_broken_header_lines);
	tcase_add_test(tc, b19_8bit_headers);
	tcase_add_test(tc, b20_huge_header_line);
	tcase_add_test(tc, c26_cte_on_multipart);
	tcase_add_test(tc, d27_mixed_eol);
	tcase_add_test(tc, j67_alloc_failure);
	suite_add_tcase(s, tc);
	return s;
}
