/*
 * check_envelope.c - envelope recipients (To/Cc/Bcc, the most recent
 * Resent- block, deduplication), Bcc removal while streaming, the RFC
 * 5321 Mailbox check, and SMTPUTF8 / 8BITMIME needs at any chunking.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml_priv.h"
#include "check_util.h"

/* "a,b,c" of the recipient list. */
static const char *
joined(const struct eml_rcpts *r)
{
	static char buf[4096];
	char *const *v;
	size_t n, i;

	eml_rcpts_list(r, &v, &n);
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strncat(buf, ",", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, v[i], sizeof(buf) - strlen(buf) - 1);
	}
	return buf;
}

static const struct {
	const char *hdr;
	const char *want;
	int resent;
} rc[] = {
	{ "To: a@x.example, B <b@y.example>\r\nCc: c@z.example\r\n"
	  "Bcc: d@w.example\r\n\r\nbody\r\n",
	  "a@x.example,b@y.example,c@z.example,d@w.example", 0 },
	/* deduplicated: the domain case-insensitively, the local part not */
	{ "To: a@X.Example, Other <a@x.EXAMPLE>\r\nCc: A@x.example\r\n"
	  "Bcc: a@x.example\r\n\r\n", "a@X.Example,A@x.example", 0 },
	/* groups, phrases and invalid addresses are not recipients */
	{ "To: undisclosed-recipients:;\r\nCc: Team: t1@x, t2@x;, a@b@c,"
	  " just a name, x@[<b>]\r\n\r\n", "t1@x,t2@x", 0 },
	/* folded fields, From and Reply-To are not recipients */
	{ "From: f@x\r\nReply-To: r@x\r\nTo: a@x,\r\n b@x\r\n\r\n", "a@x,b@x",
	  0 },
	/* RFC 5322 3.6.6: the first (most recent) Resent- block wins */
	{ "Resent-Date: Tue, 2 Jan 2001 12:00:00 +0000\r\n"
	  "Resent-From: fwd2@x\r\n"
	  "Resent-To: new2@x\r\n"
	  "Resent-Bcc: hidden2@x\r\n"
	  "Received: from a by b; Tue, 2 Jan 2001 11:59:00 +0000\r\n"
	  "Resent-Date: Mon, 1 Jan 2001 12:00:00 +0000\r\n"
	  "Resent-From: fwd1@x\r\n"
	  "Resent-To: new1@x\r\n"
	  "To: orig@x\r\n\r\n", "new2@x,hidden2@x", 1 },
	/* two blocks with nothing between: a second Resent-Date ends the
	 * first */
	{ "Resent-Date: Tue, 2 Jan 2001 12:00:00 +0000\r\n"
	  "Resent-Cc: new2@x\r\n"
	  "Resent-Date: Mon, 1 Jan 2001 12:00:00 +0000\r\n"
	  "Resent-To: new1@x\r\n"
	  "To: orig@x\r\n\r\n", "new2@x", 1 },
	/* a Resent- block without destinations: the original ones */
	{ "Resent-Date: Tue, 2 Jan 2001 12:00:00 +0000\r\n"
	  "Resent-From: fwd@x\r\n"
	  "To: orig@x\r\n\r\n", "orig@x", 0 },
	/* the header block only: a To in the body or an attached message
	 * is not a recipient */
	{ "To: a@x\r\nContent-Type: message/rfc822\r\n\r\nTo: inner@x\r\n\r\n"
	  "x\r\n", "a@x", 0 },
};

START_TEST(t_rcpts)
{
	struct eml_rcpts *r = eml_rcpts_new();

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(eml_rcpts_from_header(rc[_i].hdr, strlen(rc[_i].hdr),
	    NULL, r), EML_OK);
	ck_assert_str_eq(joined(r), rc[_i].want);
	ck_assert_int_eq(eml_rcpts_resent(r), rc[_i].resent);
	eml_rcpts_free(r);
}
END_TEST

/* From parser events fed one byte at a time: the same recipients. */
START_TEST(t_rcpts_stream)
{
	const char *m = rc[_i].hdr;
	size_t len = strlen(m), i;
	struct eml_parser *p = eml_parser_new(NULL);
	struct eml_rcpts *r = eml_rcpts_new();
	struct eml_event ev;
	int n;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(r);
	for (i = 0; i <= len; i++) {
		if (i < len)
			ck_assert_int_eq(eml_parser_feed(p, m + i, 1), EML_OK);
		else
			eml_parser_finish(p);
		while ((n = eml_parser_next(p, &ev)) > 0)
			if (ev.type == EML_EV_HEADER && ev.part->depth == 0)
				ck_assert_int_eq(eml_rcpts_field(r, ev.name,
				    ev.name_len, ev.value, ev.value_len, NULL),
				    EML_OK);
		ck_assert_int_ge(n, 0);
	}
	ck_assert_str_eq(joined(r), rc[_i].want);
	eml_rcpts_free(r);
	eml_parser_free(p);
}
END_TEST

/* Thousands of recipients, half of them duplicates: linear, capped. */
START_TEST(t_rcpts_many)
{
	struct eml_rcpts *r = eml_rcpts_new();
	struct eml_buf b = { 0 };
	char *const *v;
	size_t n, i;
	char tmp[64];

	for (i = 0; i < 30000; i++) {
		snprintf(tmp, sizeof(tmp), "%su%zu@Example.COM",
		    i ? ", " : "", i % 15000);
		ck_assert_int_eq(eml_buf_adds(&b, tmp), EML_OK);
	}
	ck_assert_int_eq(eml_rcpts_field(r, "To", 2, b.data, b.len, NULL),
	    EML_OK);
	eml_rcpts_list(r, &v, &n);
	/* eml_addr_parse keeps EML_MAX_ADDRS per field */
	ck_assert_uint_eq(n, EML_MAX_ADDRS);
	ck_assert_str_eq(v[0], "u0@Example.COM");
	ck_assert(eml_defects_has(eml_rcpts_defects(r), EML_D_ADDR_INVALID));
	eml_buf_free(&b);
	eml_rcpts_free(r);
}
END_TEST

START_TEST(t_rcpts_utf8)
{
	static const char a[] = "To: a@x\r\nCc: J\xc3\xb6rg <j\xc3\xb6rg@x>\r\n\r\n";
	static const char b[] = "To: a@x\r\nSubject: caf\xc3\xa9\r\n\r\n";
	struct eml_rcpts *r = eml_rcpts_new();

	ck_assert_int_eq(eml_rcpts_from_header(a, strlen(a), NULL, r), EML_OK);
	ck_assert_int_eq(eml_rcpts_need_smtputf8(r), 1);
	eml_rcpts_free(r);
	r = eml_rcpts_new();
	ck_assert_int_eq(eml_rcpts_from_header(b, strlen(b), NULL, r), EML_OK);
	ck_assert_int_eq(eml_rcpts_need_smtputf8(r), 0);
	eml_rcpts_free(r);
}
END_TEST

/* ---- Bcc removal while streaming ---- */

static const char bcc_in[] =
    "From: a@x\r\n"
    "To: b@x\r\n"
    "Bcc: secret1@x,\r\n"
    "  secret2@x\r\n"
    "Subject: hi\r\n"
    "BCC: secret3@x\r\n"
    "Resent-Bcc: secret4@x\r\n"
    "Content-Type: multipart/mixed; boundary=z\r\n"
    "\r\n"
    "--z\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Bcc: kept@x\r\n"
    "\r\n"
    "inner\r\n"
    "--z--\r\n";

static const char bcc_want[] =
    "From: a@x\r\n"
    "To: b@x\r\n"
    "Subject: hi\r\n"
    "Content-Type: multipart/mixed; boundary=z\r\n"
    "\r\n"
    "--z\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Bcc: kept@x\r\n"
    "\r\n"
    "inner\r\n"
    "--z--\r\n";

START_TEST(t_bcc_drop)
{
	size_t step = (size_t)_i + 1, len = sizeof(bcc_in) - 1, off, k;
	struct eml_parser *p = eml_parser_new(NULL);
	struct eml_buf out = { 0 };
	struct eml_event ev;
	int n;

	ck_assert_ptr_nonnull(p);
	for (off = 0; off <= len; off += k) {
		k = len - off < step ? len - off : step;
		if (k > 0)
			ck_assert_int_eq(eml_parser_feed(p, bcc_in + off, k),
			    EML_OK);
		else
			eml_parser_finish(p);
		while ((n = eml_parser_next(p, &ev)) > 0) {
			if (ev.type == EML_EV_HEADER && ev.part->depth == 0 &&
			    eml_field_drop_on_send(ev.name, ev.name_len))
				continue;
			ck_assert_int_eq(eml_buf_add(&out, ev.raw, ev.raw_len),
			    EML_OK);
		}
		ck_assert_int_ge(n, 0);
		if (k == 0)
			break;
	}
	ck_assert_uint_eq(out.len, sizeof(bcc_want) - 1);
	ck_assert(memcmp(out.data, bcc_want, out.len) == 0);
	eml_buf_free(&out);
	eml_parser_free(p);
}
END_TEST

/* ---- RFC 5321 Mailbox ---- */

static const struct {
	const char *a;
	size_t len;		/* 0: strlen */
	unsigned flags;
	int ok;
} sm[] = {
	{ "user@example.com", 0, 0, 1 },
	{ "first.last+tag@sub.example.co.uk", 0, 0, 1 },
	{ "!#$%&'*+-/=?^_`{|}~@x.example", 0, 0, 1 },
	{ "\"john doe\"@example.com", 0, 0, 1 },
	{ "\"a\\\"b\"@example.com", 0, 0, 1 },
	{ "u@[192.0.2.1]", 0, 0, 1 },
	{ "u@[IPv6:2001:db8::1]", 0, 0, 1 },
	{ "u@localhost", 0, 0, 1 },
	{ "u@a-b.example", 0, 0, 1 },
	{ "u@123.example", 0, 0, 1 },
	/* refused */
	{ "", 0, 0, 0 },
	{ "user", 0, 0, 0 },
	{ "@example.com", 0, 0, 0 },
	{ "user@", 0, 0, 0 },
	{ "a@b@c", 0, 0, 0 },
	{ "a..b@example.com", 0, 0, 0 },
	{ ".a@example.com", 0, 0, 0 },
	{ "a.@example.com", 0, 0, 0 },
	{ "a b@example.com", 0, 0, 0 },
	{ "a@example..com", 0, 0, 0 },
	{ "a@-example.com", 0, 0, 0 },
	{ "a@example-.com", 0, 0, 0 },
	{ "a@example.com.", 0, 0, 0 },
	{ "a@exa_mple.com", 0, 0, 0 },
	{ "a\r\n@example.com", 0, 0, 0 },
	{ "a@example.com\r\nRCPT TO:<evil@x>", 0, 0, 0 },
	{ "a\0b@example.com", 15, 0, 0 },
	{ "a\x01@example.com", 0, 0, 0 },
	{ "\"a\r\nb\"@example.com", 0, 0, 0 },
	{ "\"unterminated@example.com", 0, 0, 0 },
	{ "u@[300.0.0.1]", 0, 0, 0 },
	{ "u@[1.2.3]", 0, 0, 0 },
	{ "u@[IPv6:zz::1]", 0, 0, 0 },
	{ "u@[tag:anything]", 0, 0, 0 },
	{ "u@[<script>]", 0, 0, 0 },
	{ "<u@example.com>", 0, 0, 0 },
	/* SMTPUTF8 local parts and U-labels only when allowed */
	{ "j\xc3\xb6rg@example.com", 0, 0, 0 },
	{ "j\xc3\xb6rg@example.com", 0, EML_SMTP_UTF8, 1 },
	{ "u@b\xc3\xbc" "cher.example", 0, 0, 0 },
	{ "u@b\xc3\xbc" "cher.example", 0, EML_SMTP_UTF8, 1 },
	{ "\"\xc3\xa9\"@example.com", 0, EML_SMTP_UTF8, 1 },
	{ "j\xf6rg@example.com", 0, EML_SMTP_UTF8, 0 },	/* not UTF-8 */
};

START_TEST(t_smtp_ok)
{
	size_t len = sm[_i].len ? sm[_i].len : strlen(sm[_i].a);
	const char *why = NULL;
	int ok = eml_addr_smtp_ok(sm[_i].a, len, sm[_i].flags, &why);

	ck_assert_msg(ok == sm[_i].ok, "%s: %d (%s)", sm[_i].a, ok,
	    why ? why : "-");
	if (!ok)
		ck_assert_ptr_nonnull(why);
}
END_TEST

/* RFC 5321 4.5.3.1: 64 octets of local part, 255 of domain, 63 per
 * label. */
START_TEST(t_smtp_lengths)
{
	char a[600];
	size_t i;

	memset(a, 'l', 64);
	strcpy(a + 64, "@example.com");
	ck_assert_int_eq(eml_addr_smtp_ok(a, strlen(a), 0, NULL), 1);
	memset(a, 'l', 65);
	strcpy(a + 65, "@example.com");
	ck_assert_int_eq(eml_addr_smtp_ok(a, strlen(a), 0, NULL), 0);
	/* a domain of 4 labels of 63: 255 octets */
	strcpy(a, "u@");
	for (i = 0; i < 4; i++) {
		memset(a + strlen(a) + 1, 0, 1);
		memset(a + strlen(a), 'd', 63);
		a[2 + (i + 1) * 63 + i] = '\0';
		if (i < 3)
			strcat(a, ".");
	}
	ck_assert_uint_eq(strlen(a) - 2, 255);
	ck_assert_int_eq(eml_addr_smtp_ok(a, strlen(a), 0, NULL), 1);
	strcat(a, "x");
	ck_assert_int_eq(eml_addr_smtp_ok(a, strlen(a), 0, NULL), 0);
	strcpy(a, "u@");
	memset(a + 2, 'd', 64);
	strcpy(a + 66, ".example");
	ck_assert_int_eq(eml_addr_smtp_ok(a, strlen(a), 0, NULL), 0);
}
END_TEST

/* Every address the lenient parser hands out is either accepted by the
 * strict check or refused with a reason: never a crash, never CR/LF. */
START_TEST(t_smtp_vs_parser)
{
	static const char *const in[] = { "a@b, \"x y\"@c.example, <@r:u@d>",
	    "J\xc3\xb6rg <j@x>, a..b@docomo.ne.jp, u@[1.2.3.4]" };
	size_t i, j;

	for (i = 0; i < EMLI_NELEM(in); i++) {
		struct eml_addrlist l = { 0 };

		ck_assert_int_eq(eml_addr_parse(in[i], strlen(in[i]), NULL,
		    &l), EML_OK);
		for (j = 0; j < l.n; j++) {
			const char *e = l.v[j].email;

			if (e != NULL && strstr(e, "..") == NULL)
				ck_assert_msg(eml_addr_smtp_ok(e, strlen(e),
				    EML_SMTP_UTF8, NULL), "%s", e);
		}
		eml_addr_free(&l);
	}
}
END_TEST

/* ---- SMTPUTF8 / 8BITMIME / binary ---- */

static const struct {
	const char *msg;
	size_t len;		/* 0: strlen */
	int smtputf8, eightbit, binary;
} tr[] = {
	{ "Subject: plain\r\n\r\nascii body\r\n", 0, 0, 0, 0 },
	{ "Subject: caf\xc3\xa9\r\n\r\nascii body\r\n", 0, 1, 0, 0 },
	{ "From: J\xc3\xb6rg <j@x>\r\n\r\nx\r\n", 0, 1, 0, 0 },
	{ "Subject: x\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
	  "caf\xc3\xa9\r\n", 0, 0, 1, 0 },
	/* a part header is body text of the message: 8BITMIME */
	{ "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
	  "Content-Type: text/plain; name=\"caf\xc3\xa9\"\r\n\r\nx\r\n--b--\r\n",
	  0, 0, 1, 0 },
	/* the preamble counts too */
	{ "Content-Type: multipart/mixed; boundary=b\r\n\r\npr\xe9\r\n--b\r\n"
	  "\r\nx\r\n--b--\r\n", 0, 0, 1, 0 },
	{ "Subject: x\r\n\r\na\0b\r\n", 19, 0, 0, 1 },
	{ "Subject: x\r\n\r\na\rb\r\n", 0, 0, 0, 1 },
	{ "Subject: x\n\nLF lines are fine\n", 0, 0, 0, 0 },
};

static void
scan(const char *m, size_t len, size_t step, struct eml_transport *t)
{
	struct eml_parser *p = eml_parser_new(NULL);
	struct eml_event ev;
	size_t off, k;
	int n;

	ck_assert_ptr_nonnull(p);
	eml_transport_init(t);
	for (off = 0; ; off += k) {
		k = len - off < step ? len - off : step;
		if (k > 0)
			ck_assert_int_eq(eml_parser_feed(p, m + off, k), EML_OK);
		else
			eml_parser_finish(p);
		while ((n = eml_parser_next(p, &ev)) > 0)
			eml_transport_event(t, &ev);
		ck_assert_int_ge(n, 0);
		if (k == 0)
			break;
	}
	eml_parser_free(p);
}

START_TEST(t_transport)
{
	size_t len = tr[_i].len ? tr[_i].len : strlen(tr[_i].msg), step;
	struct eml_transport t;

	for (step = 1; step <= len + 1; step += step < 8 ? 1 : len) {
		scan(tr[_i].msg, len, step, &t);
		ck_assert_msg(t.smtputf8 == tr[_i].smtputf8 &&
		    t.eightbit == tr[_i].eightbit &&
		    t.binary == tr[_i].binary, "%d step %zu: %d %d %d", _i,
		    step, t.smtputf8, t.eightbit, t.binary);
	}
}
END_TEST

/* A line of 998 octets is fine, 999 is not, wherever the chunks fall. */
START_TEST(t_transport_long_line)
{
	size_t n = 20 + 999 + 2, step;
	char *m = malloc(n + 1);
	struct eml_transport t;

	ck_assert_ptr_nonnull(m);
	memcpy(m, "Subject: x\r\n\r\n", 14);
	memset(m + 14, 'a', 998);
	memcpy(m + 14 + 998, "\r\n", 2);
	for (step = 1; step < 1100; step = step * 3 + 1) {
		scan(m, 14 + 998 + 2, step, &t);
		ck_assert_int_eq(t.binary, 0);
	}
	memset(m + 14, 'a', 999);
	memcpy(m + 14 + 999, "\r\n", 2);
	for (step = 1; step < 1100; step = step * 3 + 1) {
		scan(m, 14 + 999 + 2, step, &t);
		ck_assert_int_eq(t.binary, 1);
	}
	free(m);
}
END_TEST

Suite *
eml_envelope_suite(void)
{
	Suite *s = suite_create("envelope");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_rcpts, 0, (int)EMLI_NELEM(rc));
	tcase_add_loop_test(tc, t_rcpts_stream, 0, (int)EMLI_NELEM(rc));
	tcase_add_test(tc, t_rcpts_many);
	tcase_add_test(tc, t_rcpts_utf8);
	tcase_add_loop_test(tc, t_bcc_drop, 0, 7);
	tcase_add_loop_test(tc, t_smtp_ok, 0, (int)EMLI_NELEM(sm));
	tcase_add_test(tc, t_smtp_lengths);
	tcase_add_test(tc, t_smtp_vs_parser);
	tcase_add_loop_test(tc, t_transport, 0, (int)EMLI_NELEM(tr));
	tcase_add_test(tc, t_transport_long_line);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
