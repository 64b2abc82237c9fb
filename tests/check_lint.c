/*
 * check_lint.c - the message-level checks (lib/lint.c): each lint code's
 * corpus/diag message gives that code, and no other lint code, at its
 * line however the input is chunked; the limits are exact (998 octets,
 * CRLF or LF); a nested message's fields are not the message's; the
 * finding budget holds; a linter is reusable across messages.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml_priv.h"
#include "check_util.h"

#define DIAG_DIR	"corpus/diag"

static int
collect(void *arg, const struct eml_diag *d)
{
	struct eml_buf *b = arg;
	char tmp[128];

	ck_assert(eml_diag_is_lint(d->code));
	ck_assert_int_eq(d->severity, eml_diag_severity(d->code));
	ck_assert_ptr_nonnull(d->section);
	snprintf(tmp, sizeof(tmp), "%s@%lu/%llu ", eml_diag_name(d->code),
	    d->line, (unsigned long long)d->offset);
	eml_buf_adds(b, tmp);
	return 0;
}

/* Lint findings of in[0..len) fed in chunks of chunk bytes, as
 * "code@line/offset " words in the order found. */
static char *
lint_diags(struct eml_lint *l, const char *in, size_t len, size_t chunk)
{
	struct eml_parser *p = eml_parser_new(NULL);
	struct eml_buf b = { 0 };
	struct eml_event ev;
	size_t pos = 0, k;
	int r;

	ck_assert_ptr_nonnull(p);
	eml_buf_adds(&b, "");
	for (;;) {
		if (pos < len) {
			k = len - pos < chunk ? len - pos : chunk;
			ck_assert_int_eq(eml_parser_feed(p, in + pos, k), 0);
			pos += k;
		} else {
			eml_parser_finish(p);
		}
		while ((r = eml_parser_next(p, &ev)) > 0) {
			ck_assert_int_eq(eml_lint_event(l, &ev, collect, &b),
			    EML_OK);
			if (ev.type == EML_EV_END)
				goto done;
		}
		ck_assert_int_ge(r, 0);
	}
done:
	eml_parser_free(p);
	return eml_buf_steal(&b);
}

static char *
lint_str(const char *msg, size_t chunk)
{
	struct eml_lint *l = eml_lint_new(0);
	char *s;

	ck_assert_ptr_nonnull(l);
	s = lint_diags(l, msg, strlen(msg), chunk);
	eml_lint_free(l);
	return s;
}

static int
is_lint_eml(const char *name)
{
	size_t n = strlen(name);
	int c;

	if (n <= 4 || strcmp(name + n - 4, ".eml") != 0)
		return 0;
	for (c = 1; c < EML_D__COUNT; c++)
		if (strlen(eml_diag_name(c)) == n - 4 &&
		    memcmp(eml_diag_name(c), name, n - 4) == 0)
			return eml_diag_is_lint(c);
	return 0;
}

struct walk {
	unsigned files;
	unsigned char have[EML_D__COUNT];
};

static void
check_one(const char *path, void *arg)
{
	struct walk *wk = arg;
	const char *base = strrchr(path, '/') + 1;
	size_t blen = strlen(base) - 4, len, llen;
	char lpath[4096], want[128], *msg, *lt, *whole, *c1, *c7;
	struct eml_lint *l = eml_lint_new(0);
	unsigned long line;
	int c;

	snprintf(lpath, sizeof(lpath), "%.*s.line", (int)(strlen(path) - 4),
	    path);
	lt = tu_slurp(lpath, &llen);
	ck_assert_msg(lt != NULL, "%s: no %s", path, lpath);
	line = strtoul(lt, NULL, 10);
	free(lt);
	msg = tu_slurp(path, &len);
	ck_assert_ptr_nonnull(msg);
	whole = lint_diags(l, msg, len, len);
	/* the same linter again: reset by the next message's PART_BEGIN */
	c1 = lint_diags(l, msg, len, 1);
	c7 = lint_diags(l, msg, len, 7);
	/* exactly one finding, the file's own code at its line */
	{
		int n = snprintf(want, sizeof(want), "%.*s@%lu/", (int)blen,
		    base, line);

		ck_assert_msg(strncmp(whole, want, (size_t)n) == 0 &&
		    strchr(whole, ' ') == whole + strlen(whole) - 1,
		    "%s: want only %s..., got [%s]", path, want, whole);
	}
	ck_assert_msg(strcmp(whole, c1) == 0, "%s: [%s] byte at a time [%s]",
	    path, whole, c1);
	ck_assert_msg(strcmp(whole, c7) == 0, "%s: [%s] 7 at a time [%s]",
	    path, whole, c7);
	for (c = 1; c < EML_D__COUNT; c++)
		if (strlen(eml_diag_name(c)) == blen &&
		    memcmp(eml_diag_name(c), base, blen) == 0)
			wk->have[c] = 1;
	wk->files++;
	free(whole);
	free(c1);
	free(c7);
	free(msg);
	eml_lint_free(l);
}

/* Every lint code has its message, and it fires there alone. */
START_TEST(test_corpus)
{
	struct walk wk;
	int c;

	memset(&wk, 0, sizeof(wk));
	tu_walk(DIAG_DIR, is_lint_eml, check_one, &wk);
	for (c = 1; c < EML_D__COUNT; c++)
		if (eml_diag_is_lint(c))
			ck_assert_msg(wk.have[c], "no %s/%s.eml", DIAG_DIR,
			    eml_diag_name(c));
	ck_assert_uint_ge(wk.files, 8);
}
END_TEST

#define HDRS "From: a@example.com\r\nTo: b@example.com\r\nSubject: s\r\n" \
	"Date: Mon, 1 Jan 2001 12:00:00 +0000\r\nMessage-ID: <a@b>\r\n"

/* A message with a body line of n octets (x), EOL eol. */
static char *
long_line_msg(size_t n, const char *eol, const char *cte)
{
	struct eml_buf b = { 0 };
	size_t i;

	eml_buf_adds(&b, HDRS);
	if (cte != NULL) {
		eml_buf_adds(&b, "MIME-Version: 1.0\r\n"
		    "Content-Type: application/octet-stream\r\n"
		    "Content-Transfer-Encoding: ");
		eml_buf_adds(&b, cte);
		eml_buf_adds(&b, "\r\n");
	}
	eml_buf_adds(&b, "\r\nfirst\r\n");
	for (i = 0; i < n; i++)
		eml_buf_addc(&b, 'x');
	/* without an EOL the long line ends the body */
	if (*eol != '\0') {
		eml_buf_adds(&b, eol);
		eml_buf_adds(&b, "last\r\n");
	}
	return eml_buf_steal(&b);
}

/* 998 octets is the limit, without its CRLF or LF (RFC 5321
 * 4.5.3.1.6); a line ending the body without EOL counts too. */
START_TEST(test_line_limit)
{
	static const char *const eols[] = { "\r\n", "\n", "" };
	size_t i;
	char *m, *f;

	for (i = 0; i < 3; i++) {
		m = long_line_msg(998, eols[i], NULL);
		f = lint_str(m, 5);
		ck_assert_msg(strstr(f, "body-line-long") == NULL, "998 [%s]",
		    f);
		free(f);
		free(m);
		m = long_line_msg(999, eols[i], NULL);
		f = lint_str(m, 5);
		ck_assert_msg(strstr(f, "body-line-long@8/") != NULL,
		    "999 eol %zu [%s]", i, f);
		free(f);
		free(m);
	}
	/* binary bodies are exempt: they need BINARYMIME anyway */
	m = long_line_msg(5000, "\r\n", "binary");
	f = lint_str(m, 64);
	ck_assert_str_eq(f, "");
	free(f);
	free(m);
	m = long_line_msg(5000, "\r\n", "8bit");
	f = lint_str(m, 64);
	ck_assert_ptr_nonnull(strstr(f, "body-line-long@11/"));
	free(f);
	free(m);
}
END_TEST

#define NESTED(line) HDRS \
	"MIME-Version: 1.0\r\n" \
	"Content-Type: multipart/mixed; boundary=\"aa\"\r\n\r\n" \
	"preamble\r\n--aa\r\nContent-Type: text/plain\r\n\r\nhi\r\n" \
	line \
	"--aa\r\nContent-Type: message/rfc822\r\n\r\n" \
	"From: c@example.com\r\nDate: Tue, 2 Jan 2001 12:00:00 +0000\r\n" \
	"MIME-Version: 1.0\r\n" \
	"Content-Type: multipart/alternative; boundary=\"zz\"\r\n\r\n" \
	"--zz\r\nContent-Type: text/plain\r\n\r\ninner\r\n--zz--\r\n" \
	"\r\n--aa--\r\n"

/* A well-formed message with a nested one gives nothing: the attached
 * message's From/Date are not the message's duplicates, and distinct
 * boundaries are not prefixes. */
START_TEST(test_clean)
{
	char *f = lint_str(NESTED(""), 3);

	ck_assert_str_eq(f, "");
	free(f);
}
END_TEST

/* "--aab..." in a part of the multipart with boundary "aa" is not its
 * delimiter for this parser, but a prefix-matching one splits there. */
START_TEST(test_prefix_line)
{
	char *f = lint_str(NESTED("--aab is not a delimiter here\r\n"), 3);

	ck_assert_str_eq(f, "boundary-in-content@14/224 ");
	free(f);
}
END_TEST

/* Only the top level's fields count for missing/duplicate; a message
 * with every field but nested multipart boundaries that collide. */
START_TEST(test_nested_fields)
{
	static const char msg[] = HDRS
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"aa\"\r\n\r\n"
	    "--aa\r\nContent-Type: message/rfc822\r\n\r\n"
	    "From: c@example.com\r\nFrom: d@example.com\r\n\r\nx\r\n"
	    "--aa--\r\n";
	char *f = lint_str(msg, 1);

	ck_assert_str_eq(f, "");
	free(f);
}
END_TEST

/* The budget caps the findings of one message and resets with it. */
START_TEST(test_budget)
{
	struct eml_buf b = { 0 };
	struct eml_lint *l = eml_lint_new(3);
	char *m, *f;
	size_t i, n;
	const char *s;

	ck_assert_ptr_nonnull(l);
	eml_buf_adds(&b, HDRS "\r\n");
	for (i = 0; i < 10; i++) {
		for (n = 0; n < 1200; n++)
			eml_buf_addc(&b, 'y');
		eml_buf_adds(&b, "\r\n");
	}
	m = eml_buf_steal(&b);
	for (i = 0; i < 2; i++) {
		f = lint_diags(l, m, strlen(m), 100);
		for (n = 0, s = f; (s = strstr(s, "body-line-long")) != NULL;
		    s++)
			n++;
		ck_assert_uint_eq(n, 3);
		ck_assert_ptr_nonnull(strstr(f, "body-line-long@7/"));
		free(f);
	}
	free(m);
	eml_lint_free(l);
}
END_TEST

Suite *eml_lint_suite(void);

Suite *
eml_lint_suite(void)
{
	Suite *s = suite_create("lint");
	TCase *tc = tcase_create("lint");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_corpus);
	tcase_add_test(tc, test_line_limit);
	tcase_add_test(tc, test_clean);
	tcase_add_test(tc, test_prefix_line);
	tcase_add_test(tc, test_nested_fields);
	tcase_add_test(tc, test_budget);
	suite_add_tcase(s, tc);
	return s;
}
