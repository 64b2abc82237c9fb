/*
 * check_fieldcheck.c - header-value defects as message diagnostics
 * (lib/fieldcheck.c and its hook in the parser): the classification of
 * each field, the line and offset of the diagnostic in the stream at any
 * chunking and in the tree, and the corpus/diag messages of these codes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml_priv.h"
#include "check_util.h"

#define B(c)	EML_BIT(EML_D_##c)

/* ---- emli_field_check, one field at a time ---- */

static const struct {
	const char *name;
	const char *value;
	unsigned flags;
	uint64_t want;
} fc[] = {
	{ "From", "a@example.com", EMLI_FC_MESSAGE, 0 },
	{ "From", "<a@x> \"n\" <b@y>", EMLI_FC_MESSAGE, B(ADDR_SPOOF) },
	{ "TO", "a@b@c", EMLI_FC_MESSAGE, B(ADDR_INVALID) },
	{ "Cc", "<@r:u@d>", EMLI_FC_MESSAGE, B(ADDR_OBS_ROUTE) },
	{ "Bcc", "x@[<b>]", EMLI_FC_MESSAGE, B(ADDR_CONTROL) },
	{ "Resent-To", "a@b@c", EMLI_FC_MESSAGE, B(ADDR_INVALID) },
	{ "Reply-To", "caf\xe9 <a@b>", EMLI_FC_MESSAGE, B(HEADER_8BIT) },
	/* address fields of a MIME part header are not message fields */
	{ "From", "a@b@c", 0, 0 },
	{ "Date", "Mon, 1 Jan 2001 12:00:00 +0000", EMLI_FC_MESSAGE, 0 },
	{ "Date", "1 Jan 01 12:00 EST", EMLI_FC_MESSAGE, B(DATE_LENIENT) },
	{ "date", "tomorrow", EMLI_FC_MESSAGE, B(DATE_INVALID) },
	{ "Message-ID", "<a@b>", EMLI_FC_MESSAGE, 0 },
	{ "Message-ID", "<a@b", EMLI_FC_MESSAGE, B(MSGID_INVALID) },
	{ "References", "<a@b> <c@d", EMLI_FC_MESSAGE, B(MSGID_INVALID) },
	{ "Subject", "=?utf-8?q?ok?=", EMLI_FC_MESSAGE, 0 },
	{ "Subject", "=?utf-8?X?bad?=", EMLI_FC_MESSAGE, B(RFC2047_INVALID) },
	{ "Subject", "=?x-nope?q?caf=E9?=", EMLI_FC_MESSAGE,
	  B(CHARSET_UNKNOWN) },
	{ "Subject", "caf\xe9", EMLI_FC_MESSAGE, B(HEADER_8BIT) },
	/* Content-* in any header */
	{ "Content-Type", "text/plain; charset=\"a\"b", 0,
	  B(PARAM_TRAILING_JUNK) },
	{ "Content-Type", "multipart/mixed; boundary=\"b\"x", EMLI_FC_MESSAGE,
	  B(PARAM_TRAILING_JUNK) },
	{ "Content-Type", "text", 0, B(CTYPE_INVALID) },
	{ "Content-Disposition", "attachment; filename*0=a; filename*2=b", 0,
	  B(RFC2231_INVALID) },
	{ "Content-Disposition", "attachment; filename=\"caf\xe9.txt\"", 0,
	  B(HEADER_8BIT) },
	/* fields without a checked syntax */
	{ "X-Anything", "a@b@c <<<", EMLI_FC_MESSAGE, 0 },
	{ "Received", "from x by y; garbage", EMLI_FC_MESSAGE, 0 },
};

START_TEST(t_field_check)
{
	struct eml_defects d;

	ck_assert_int_eq(emli_field_check(fc[_i].name, strlen(fc[_i].name),
	    fc[_i].value, strlen(fc[_i].value), NULL, fc[_i].flags, &d),
	    EML_OK);
	ck_assert_msg(tu_defects64(&d) == fc[_i].want,
	    "%s: %s: got %llx want %llx", fc[_i].name, fc[_i].value,
	    (unsigned long long)tu_defects64(&d),
	    (unsigned long long)fc[_i].want);
}
END_TEST

/* A value over the cap is not looked at (bounded work per field). */
START_TEST(t_field_cap)
{
	size_t n = EMLI_FIELDCHECK_MAX + 1, i;
	char *v = malloc(n);
	struct eml_defects d;

	ck_assert_ptr_nonnull(v);
	for (i = 0; i < n; i++)
		v[i] = "a@b@c, "[i % 7];
	ck_assert_int_eq(emli_field_check("To", 2, v, n, NULL,
	    EMLI_FC_MESSAGE, &d), EML_OK);
	ck_assert(!eml_defects_any(&d));
	ck_assert_int_eq(emli_field_check("To", 2, v, n - 2, NULL,
	    EMLI_FC_MESSAGE, &d), EML_OK);
	ck_assert(eml_defects_has(&d, EML_D_ADDR_INVALID));
	free(v);
}
END_TEST

/* ---- through the parser: code, line, offset ---- */

static const char msg[] =
    "Return-Path: <a@example.com>\r\n"				/* 1 */
    "From: <ceo@spoofed.example> \"CEO\"\r\n"			/* 2 */
    " <attacker@legit.example>\r\n"				/* 3 */
    "Date: sometime\r\n"					/* 4 */
    "Message-ID: <no-end@example.com\r\n"			/* 5 */
    "Subject: =?utf-8?X?bad?=\r\n"				/* 6 */
    "MIME-Version: 1.0\r\n"					/* 7 */
    "Content-Type: multipart/mixed; boundary=\"b\"x\r\n"	/* 8 */
    "\r\n"							/* 9 */
    "--b\r\n"							/* 10 */
    "Content-Type: text/plain\r\n"				/* 11 */
    "Content-Disposition: attachment; filename*0=a;\r\n"	/* 12 */
    "  filename*2=c\r\n"					/* 13 */
    "From: not@a@message.header\r\n"				/* 14 */
    "\r\n"							/* 15 */
    "x\r\n"							/* 16 */
    "--b--\r\n";

static const struct {
	enum eml_diag_code code;
	unsigned long line;
	const char *field;	/* the field the offset points at */
	const char *section;
} want[] = {
	{ EML_D_ADDR_SPOOF, 2, "From: <ceo", "" },
	{ EML_D_DATE_INVALID, 4, "Date:", "" },
	{ EML_D_MSGID_INVALID, 5, "Message-ID:", "" },
	{ EML_D_RFC2047_INVALID, 6, "Subject:", "" },
	{ EML_D_PARAM_TRAILING_JUNK, 8, "Content-Type: multipart", "" },
	{ EML_D_RFC2231_INVALID, 12, "Content-Disposition:", "1" },
};

/* Diagnostics of one parse, whole or fed `step` bytes at a time. */
static size_t
stream_diags(size_t step, struct eml_diag *out, size_t max)
{
	struct eml_parser *p = eml_parser_new(NULL);
	struct eml_event ev;
	size_t len = sizeof(msg) - 1, off = 0, n = 0, k;
	int r;

	ck_assert_ptr_nonnull(p);
	while (off < len) {
		k = step == 0 || len - off < step ? len - off : step;
		ck_assert_int_eq(eml_parser_feed(p, msg + off, k), EML_OK);
		off += k;
		while ((r = eml_parser_next(p, &ev)) > 0)
			if (ev.type == EML_EV_DIAG && n < max)
				out[n++] = ev.diag;
		ck_assert_int_ge(r, 0);
	}
	eml_parser_finish(p);
	while ((r = eml_parser_next(p, &ev)) > 0)
		if (ev.type == EML_EV_DIAG && n < max)
			out[n++] = ev.diag;
	eml_parser_free(p);
	return n;
}

static void
check_diags(const struct eml_diag *d, size_t n, const char *how)
{
	size_t i, j;

	for (i = 0; i < EMLI_NELEM(want); i++) {
		const char *at = strstr(msg, want[i].field);

		for (j = 0; j < n; j++)
			if (d[j].code == want[i].code)
				break;
		ck_assert_msg(j < n, "%s: no %s", how,
		    eml_diag_name(want[i].code));
		ck_assert_msg(d[j].line == want[i].line, "%s: %s at line %lu",
		    how, eml_diag_name(want[i].code), d[j].line);
		ck_assert_ptr_nonnull(at);
		ck_assert_msg(d[j].offset == (uint64_t)(at - msg),
		    "%s: %s at offset %llu", how, eml_diag_name(want[i].code),
		    (unsigned long long)d[j].offset);
	}
	/* the part header's From is not a message field */
	for (j = 0; j < n; j++)
		ck_assert_msg(d[j].code != EML_D_ADDR_INVALID, "%s: %s line %lu",
		    how, eml_diag_name(d[j].code), d[j].line);
}

START_TEST(t_stream)
{
	struct eml_diag a[64], b[64];
	size_t na = stream_diags(0, a, 64), nb, i, step;

	check_diags(a, na, "whole");
	for (step = 1; step <= 7; step++) {
		nb = stream_diags(step, b, 64);
		ck_assert_uint_eq(na, nb);
		for (i = 0; i < na; i++) {
			ck_assert_int_eq(a[i].code, b[i].code);
			ck_assert_uint_eq(a[i].line, b[i].line);
			ck_assert_uint_eq(a[i].offset, b[i].offset);
		}
	}
}
END_TEST

START_TEST(t_tree)
{
	struct eml_msg *m;

	ck_assert_int_eq(eml_msg_parse_mem(msg, sizeof(msg) - 1, NULL, &m),
	    EML_OK);
	check_diags(m->diags, m->ndiags, "tree");
	eml_msg_free(m);
}
END_TEST

/* ---- corpus/diag messages for the codes emitted here ---- */

static const char *const codes[] = {
	"param-trailing-junk", "addr-spoof", "addr-control",
	"addr-obs-route", "addr-invalid", "date-invalid", "date-lenient",
	"msgid-invalid", "rfc2047-invalid", "rfc2047-lenient",
	"rfc2231-invalid", "header-8bit", "charset-unknown", "charset-invalid",
};

START_TEST(t_corpus)
{
	char path[256];
	char *eml, *line;
	size_t len, llen, i;
	unsigned long want_line;
	struct eml_msg *m;
	int found = 0;

	snprintf(path, sizeof(path), "corpus/diag/%s.line", codes[_i]);
	line = tu_slurp(path, &llen);
	ck_assert_msg(line != NULL, "%s missing", path);
	want_line = strtoul(line, NULL, 10);
	snprintf(path, sizeof(path), "corpus/diag/%s.eml", codes[_i]);
	eml = tu_slurp(path, &len);
	ck_assert_msg(eml != NULL, "%s missing", path);
	ck_assert_int_eq(eml_msg_parse_mem(eml, len, NULL, &m), EML_OK);
	for (i = 0; i < m->ndiags; i++)
		if (strcmp(eml_diag_name(m->diags[i].code), codes[_i]) == 0 &&
		    m->diags[i].line == want_line)
			found = 1;
	ck_assert_msg(found, "%s: no %s at line %lu", path, codes[_i],
	    want_line);
	eml_msg_free(m);
	free(eml);
	free(line);
}
END_TEST

Suite *
eml_fieldcheck_suite(void)
{
	Suite *s = suite_create("fieldcheck");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_field_check, 0, (int)EMLI_NELEM(fc));
	tcase_add_test(tc, t_field_cap);
	tcase_add_test(tc, t_stream);
	tcase_add_test(tc, t_tree);
	tcase_add_loop_test(tc, t_corpus, 0, (int)EMLI_NELEM(codes));
	suite_add_tcase(s, tc);
	return s;
}
