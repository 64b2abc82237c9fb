/*
 * check_net_pop3.c - POP3 reply reader (multi-line or not, dot
 * unstuffing at every split) and the POP3 client against scripted and
 * misbehaving servers.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml.h"
#include "net/eml_fetch.h"
#include "net/imap_script.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* Read one reply of in[] in chunks; renders S+/S-[text] D[...] E. */
static int
render(const char *in, size_t len, int multi, size_t chunk,
    struct eml_buf *out, size_t *left_r)
{
	struct eml_pop3_rd *rd = eml_pop3_rd_new(64);
	struct eml_pop3_rd_event ev;
	size_t i = 0;
	int r = 0, ended = 0;

	ck_assert_ptr_nonnull(rd);
	eml_pop3_rd_expect(rd, multi);
	if (chunk == 0)
		chunk = len ? len : 1;
	while (i < len && r >= 0) {
		size_t k = len - i < chunk ? len - i : chunk;
		char *piece = malloc(k);

		memcpy(piece, in + i, k);
		ck_assert_int_eq(eml_pop3_rd_feed(rd, piece, k), 0);
		/* after the reply, bytes must be refused (IDLE state) */
		while ((r = eml_pop3_rd_next(rd, &ev)) > 0) {
			if (ev.type == EML_POP3_RD_STATUS) {
				eml_buf_adds(out, ev.ok ? "S+[" : "S-[");
				eml_buf_add(out, ev.text, ev.len);
				eml_buf_adds(out, "]");
				ended = !ev.ok || !multi;
			} else if (ev.type == EML_POP3_RD_DATA)
				eml_buf_add(out, ev.text, ev.len);
			else {
				eml_buf_adds(out, "|E");
				ended = 1;
			}
		}
		i += k;
		*left_r = len - i + eml_pop3_rd_pending(rd);
		free(piece);
	}
	if (r >= 0 && !ended)
		r = eml_pop3_rd_finish(rd);
	eml_pop3_rd_free(rd);
	return r;
}

static const struct {
	const char *in;
	int multi;
	const char *want;	/* NULL: error */
} replies[] = {
	{ "+OK 2 320\r\n", 0, "S+[2 320]" },
	{ "-ERR no such message\r\n", 0, "S-[no such message]" },
	{ "+OK\r\n", 0, "S+[]" },
	/* a single-line reply is not followed by a body (STAT, UIDL n) */
	{ "+OK 1 abc\r\n", 0, "S+[1 abc]" },
	{ "+OK\r\nline\r\n..dot\r\n.x\r\n\r\n.\r\n", 1,
	    "S+[]line\r\n.dot\r\nx\r\n\r\n|E" },
	/* RFC 1939 3: the end is CRLF.CRLF only */
	{ "+OK\r\na\n.\nb\r\n.\r\n", 1, "S+[]a\n\nb\r\n|E" },
	{ "+OK\r\n.\r\n", 1, "S+[]|E" },
	{ "+OK\r\n..\r\n.\r\n", 1, "S+[].\r\n|E" },
	{ "+OK\r\n.\rx\r\n.\r\n", 1, "S+[]\rx\r\n|E" },
	{ "-ERR gone\r\n", 1, "S-[gone]" },
	{ "+OK\r\nno end\r\n", 1, NULL },
	{ "+OKAY\r\n", 0, NULL },
	{ "hello\r\n", 0, NULL },
	{ "+OK 0123456789012345678901234567890123456789012345678901234567"
	    "89\r\n", 0, NULL },		/* over the 64-byte cap */
	/* a reply where one was not asked for: an injected reply */
	{ "+OK 1 2\r\n+OK injected\r\n", 0, NULL },
};

START_TEST(rd_replies)
{
	struct eml_buf whole = { 0 };
	size_t len = strlen(replies[_i].in), left;

	for (size_t c = 0; c <= len; c++) {
		int r;

		eml_buf_reset(&whole);
		r = render(replies[_i].in, len, replies[_i].multi, c, &whole,
		    &left);
		if (replies[_i].want == NULL)
			ck_assert_msg(r < 0, "%s chunk %zu: %d %s",
			    replies[_i].in, c, r, whole.data);
		else {
			ck_assert_msg(r >= 0, "%s chunk %zu: %d",
			    replies[_i].in, c, r);
			ck_assert_msg(strcmp(whole.data, replies[_i].want) ==
			    0, "chunk %zu: %s", c, whole.data);
		}
	}
	eml_buf_free(&whole);
}
END_TEST

static char retr[512];

START_TEST(session_fetch)
{
	const char *script[] = {
		"S:+OK POP3 ready <1896.697170952@dbc.mtview.ca.us>\r\n",
		"C:CAPA",
		"S:+OK\r\nUSER\r\nSTLS\r\nUIDL\r\n.\r\n",
		"C:STLS",
		"S:+OK begin TLS\r\n",
		"C:CAPA",
		"S:+OK\r\nUSER\r\nSASL PLAIN LOGIN\r\nUIDL\r\nTOP\r\n.\r\n",
		"C:AUTH PLAIN AHVzZXIAcGFzcw==",
		"S:+OK logged in\r\n",
		"C:STAT",
		"S:+OK 2 320\r\n",
		"C:LIST",
		"S:+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n",
		"C:UIDL",
		"S:+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n"
		    ".\r\n",
		"C:RETR 2",
		retr,
		"C:DELE 2",
		"S:+OK deleted\r\n",
		"C:QUIT",
		"S:+OK bye\r\n",
		NULL
	};
	struct script_io s;
	struct eml_pop3 *p;
	struct eml_pop3_msg *m;
	struct sink_rec rec = { 0 };
	struct eml_fetch_cb cb = REC_CB(rec);
	size_t n;

	snprintf(retr, sizeof(retr), "S:+OK 200 octets\r\nSubject: x\r\n\r\n"
	    "..leading dot\r\n.\r\n");
	script_start(&s, script, 0);
	p = eml_pop3_new(&s.io, 0, 0);
	ck_assert_int_eq(eml_pop3_open(p), EML_OK);
	ck_assert_int_eq(s.tls_calls, 1);
	ck_assert_int_eq(eml_pop3_login(p, "user", "pass"), EML_OK);
	ck_assert_int_eq(eml_pop3_list(p, &m, &n), EML_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(m[1].num, 2);
	ck_assert_uint_eq(m[1].size, 200);
	ck_assert_str_eq(m[0].uidl, "whqtswO00WBw418f9t5JxYwZ");
	ck_assert_str_eq(m[1].uidl, "QhdPYR:00WBw1Ph7x7");
	free(m);
	ck_assert_int_eq(eml_pop3_retr(p, 2, -1, &cb), EML_OK);
	ck_assert_int_eq(rec.ends, 1);
	ck_assert_str_eq(rec.msgs[0], "Subject: x\r\n\r\n.leading dot\r\n");
	ck_assert_int_eq(eml_pop3_dele(p, 2), EML_OK);
	ck_assert_int_eq(eml_pop3_quit(p), EML_OK);
	eml_pop3_free(p);
	free(rec.data);
	ck_assert_int_eq(script_end(&s), 0);
}
END_TEST

static const struct {
	const char *name;
	const char *script[8];
	int tls;
	int want;
} hostile[] = {
	{ "no STLS offered",
	    { "S:+OK hi\r\n", "C:CAPA", "S:+OK\r\nUSER\r\n.\r\n", "W",
	    NULL }, 0, EML_ENOTLS },
	{ "no CAPA at all",
	    { "S:+OK hi\r\n", "C:CAPA", "S:-ERR what\r\n", "W", NULL }, 0,
	    EML_ENOTLS },
	{ "STLS refused",
	    { "S:+OK hi\r\n", "C:CAPA", "S:+OK\r\nSTLS\r\n.\r\n", "C:STLS",
	    "S:-ERR [SYS/PERM] no\r\n", "W", NULL }, 0, EML_ENOTLS },
	{ "bytes after the STLS reply",
	    { "S:+OK hi\r\n", "C:CAPA", "S:+OK\r\nSTLS\r\n.\r\n", "C:STLS",
	    "S:+OK go\r\n+OK injected\r\n", "W", NULL }, 0, EML_EPROTO },
	{ "garbage greeting",
	    { "S:* OK IMAP here\r\n", "W", NULL }, 1, EML_EPROTO },
	{ "10 MB line",
	    { "S:+OK ", "B:10485760", "W", NULL }, 1, EML_ELIMIT },
	{ "greeting -ERR",
	    { "S:-ERR go away\r\n", "W", NULL }, 1, EML_EREFUSED },
	{ "closed at once", { "X", NULL }, 1, EML_ECLOSED },
};

START_TEST(session_hostile)
{
	struct script_io s;
	struct eml_pop3 *p;
	int r;

	script_start(&s, hostile[_i].script, hostile[_i].tls);
	p = eml_pop3_new(&s.io, 0, 0);
	r = eml_pop3_open(p);
	if (r == EML_OK)
		r = eml_pop3_login(p, "user", "secret");
	ck_assert_msg(r == hostile[_i].want, "%s: %d %s", hostile[_i].name,
	    r, eml_pop3_errmsg(p));
	ck_assert_int_eq(s.tls_calls, 0);
	ck_assert_ptr_null(strstr(s.sent, "secret"));
	ck_assert_ptr_null(strstr(s.sent, "USER"));
	eml_pop3_free(p);
	script_end(&s);
}
END_TEST

/* RETR that goes wrong: the message is aborted, never ended. */
static const struct {
	const char *name;
	const char *script[6];
} badretr[] = {
	{ "dropped mid-message",
	    { "C:RETR 1", "S:+OK\r\nSubject: x\r\n\r\nhalf", "X", NULL } },
	{ "dropped before the final dot",
	    { "C:RETR 1", "S:+OK\r\nSubject: x\r\n\r\nall\r\n", "X",
	    NULL } },
	{ "dot without CRLF",
	    { "C:RETR 1", "S:+OK\r\nSubject: x\r\n\r\nall\r\n.", "X",
	    NULL } },
};

START_TEST(session_badretr)
{
	struct script_io s;
	struct eml_pop3 *p;
	struct sink_rec rec = { 0 };
	struct eml_fetch_cb cb = REC_CB(rec);

	script_start(&s, badretr[_i].script, 1);
	p = eml_pop3_new(&s.io, 0, 0);
	ck_assert_int_eq(eml_pop3_retr(p, 1, -1, &cb), EML_EPROTO);
	ck_assert_int_eq(rec.ends, 0);
	ck_assert_int_eq(rec.aborts, 1);
	eml_pop3_free(p);
	free(rec.data);
	script_end(&s);
}
END_TEST

START_TEST(session_user_pass)
{
	const char *script[] = {
		"S:+OK hi\r\n",
		"C:CAPA",
		"S:+OK\r\nUSER\r\n.\r\n",
		"C:USER joe",
		"S:+OK\r\n",
		"C:PASS wrong",
		"S:-ERR [AUTH] invalid login\r\n",
		NULL
	};
	struct script_io s;
	struct eml_pop3 *p;

	script_start(&s, script, 1);
	p = eml_pop3_new(&s.io, 0, 0);
	ck_assert_int_eq(eml_pop3_open(p), EML_OK);
	ck_assert_int_eq(eml_pop3_login(p, "joe", "wrong"), EML_EAUTH);
	ck_assert_ptr_nonnull(strstr(eml_pop3_errmsg(p), "invalid login"));
	ck_assert_int_eq(eml_pop3_login(p, "joe\r\nDELE 1", "x"),
	    EML_EINVAL);
	eml_pop3_free(p);
	ck_assert_int_eq(script_end(&s), 0);
}
END_TEST

/* RFC 1939 7's own example: the digest must come out as printed. */
START_TEST(session_apop)
{
	const char *script[] = {
		"S:+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n",
		"C:CAPA",
		"S:+OK\r\nUIDL\r\n.\r\n",
		"C:APOP mrose c4c9334bac560ecc979e58001b3e22fb",
		"S:+OK maildrop has 1 message (369 octets)\r\n",
		NULL
	};
	struct script_io s;
	struct eml_pop3 *p;

	script_start(&s, script, 1);
	p = eml_pop3_new(&s.io, 0, 0);
	ck_assert_int_eq(eml_pop3_open(p), EML_OK);
	ck_assert_int_eq(eml_pop3_login(p, "mrose", "tanstaaf"), EML_OK);
	eml_pop3_free(p);
	ck_assert_int_eq(script_end(&s), 0);
}
END_TEST

Suite *
eml_net_pop3_suite(void)
{
	Suite *s = suite_create("net_pop3");
	TCase *tc = tcase_create("reader");

	tcase_add_loop_test(tc, rd_replies, 0, N(replies));
	suite_add_tcase(s, tc);
	tc = tcase_create("session");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, session_fetch);
	tcase_add_loop_test(tc, session_hostile, 0, N(hostile));
	tcase_add_loop_test(tc, session_badretr, 0, N(badretr));
	tcase_add_test(tc, session_user_pass);
	tcase_add_test(tc, session_apop);
	suite_add_tcase(s, tc);
	return s;
}
