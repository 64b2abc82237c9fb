/*
 * check_net_imap.c - IMAP response reader, modified UTF-7, local names,
 * fetch state, and the IMAP client against scripted (and misbehaving)
 * servers over a socketpair.
 */
#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eml.h"
#include "net/eml_fetch.h"
#include "net/imap_script.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- reader ---- */

/* Feed in[0..len) in pieces of chunk bytes (0 = whole) and render the
 * events as text: T<first>[text]{lit} and L[bytes]; the result is
 * what every chunking must give. */
static int
render(const char *in, size_t len, size_t chunk, size_t max_line,
    uint64_t max_lit, struct eml_buf *out)
{
	struct eml_imap_rd *rd = eml_imap_rd_new(max_line, max_lit);
	struct eml_imap_rd_event ev;
	size_t i = 0;
	int r = 0;
	char num[48];

	ck_assert_ptr_nonnull(rd);
	if (chunk == 0)
		chunk = len ? len : 1;
	while (i < len && r >= 0) {
		size_t k = len - i < chunk ? len - i : chunk;

		/* a copy of exactly k bytes: ASan sees reads past it */
		char *piece = malloc(k);

		memcpy(piece, in + i, k);
		ck_assert_int_eq(eml_imap_rd_feed(rd, piece, k), EML_OK);
		while ((r = eml_imap_rd_next(rd, &ev)) > 0) {
			if (ev.type == EML_IMAP_RD_TEXT) {
				snprintf(num, sizeof(num), "T%d[", ev.first);
				eml_buf_adds(out, num);
				eml_buf_add(out, ev.text, ev.len);
				snprintf(num, sizeof(num), "]{%lld}",
				    (long long)ev.lit);
				eml_buf_adds(out, num);
			} else {
				/* pieces of one literal are joined, so
				 * any chunking renders the same */
				eml_buf_add(out, ev.text, ev.len);
				if (ev.left == 0)
					eml_buf_adds(out, "|");
			}
		}
		free(piece);
		i += k;
	}
	if (r >= 0)
		r = eml_imap_rd_finish(rd);
	eml_imap_rd_free(rd);
	return r;
}

static const char resp[] =
    "* 1 FETCH (UID 5 BODY[] {12}\r\nE2 OK forged)\r\n"
    "* 2 FETCH (BODY[HEADER] {0}\r\n BODY[TEXT] {3}\r\nabc UID 6)\r\n"
    "* LIST () \"/\" {5}\r\nINBOX\r\n"
    "E1 OK done\r\n";

START_TEST(rd_every_split)
{
	struct eml_buf whole = { 0 }, b = { 0 };

	ck_assert_int_eq(render(resp, strlen(resp), 0, 0, 0, &whole), EML_OK);
	ck_assert_str_eq(whole.data,
	    "T1[* 1 FETCH (UID 5 BODY[] ]{12}E2 OK forged|T0[)]{-1}"
	    "T1[* 2 FETCH (BODY[HEADER] ]{0}|T0[ BODY[TEXT] ]{3}abc|"
	    "T0[ UID 6)]{-1}"
	    "T1[* LIST () \"/\" ]{5}INBOX|T0[]{-1}"
	    "T1[E1 OK done]{-1}");
	/* the tagged-looking line inside the literal stayed data */
	for (size_t c = 1; c <= strlen(resp); c++) {
		eml_buf_reset(&b);
		ck_assert_int_eq(render(resp, strlen(resp), c, 0, 0, &b),
		    EML_OK);
		ck_assert_msg(strcmp(b.data, whole.data) == 0,
		    "chunk %zu: %s", c, b.data);
	}
	eml_buf_free(&whole);
	eml_buf_free(&b);
}
END_TEST

static const struct {
	const char *in;
	size_t max_line;
	uint64_t max_lit;
	int want;
} rd_bad[] = {
	/* attack case 45: sizes with overflow checks */
	{ "* 1 FETCH (BODY[] {99999999999999999999}\r\n", 0, 0, EML_EPROTO },
	{ "* 1 FETCH (BODY[] {9223372036854775808}\r\n", 0, 0, EML_EPROTO },
	{ "* 1 FETCH (BODY[] {}\r\n", 0, 0, EML_EPROTO },
	{ "* 1 FETCH (BODY[] {4294967296}\r\nabc", 0, 1000, EML_ELIMIT },
	/* a literal longer than what arrives (46) */
	{ "* 1 FETCH (BODY[] {10}\r\nabc", 0, 0, EML_EPROTO },
	/* a line never ended, a line over the cap */
	{ "* OK no end", 0, 0, EML_EPROTO },
	{ "* OK 0123456789012345678901234567890123456789\r\n", 32, 0,
	    EML_ELIMIT },
	/* "{5}" with no line end after it is not a literal yet */
	{ "* 1 FETCH (BODY[] {5}", 0, 0, EML_EPROTO },
	{ "* 1 FETCH (BODY[] {-1}\r\n", 0, 0, EML_OK },
	{ "* 1 FETCH (BODY[] {5}\r\nabcde)\r\n", 0, 0, EML_OK },
};

START_TEST(rd_errors)
{
	struct eml_buf b = { 0 };
	int r;

	for (size_t c = 0; c < 3; c++) {
		eml_buf_reset(&b);
		r = render(rd_bad[_i].in, strlen(rd_bad[_i].in), c,
		    rd_bad[_i].max_line, rd_bad[_i].max_lit, &b);
		ck_assert_msg(r == rd_bad[_i].want, "%s: %d",
		    rd_bad[_i].in, r);
	}
	eml_buf_free(&b);
}
END_TEST

/* A literal of 64 MB costs the reader nothing: it is never held. */
START_TEST(rd_big_literal)
{
	struct eml_imap_rd *rd = eml_imap_rd_new(0, 0);
	struct eml_imap_rd_event ev;
	static char chunk[65536];
	const char *head = "* 1 FETCH (UID 1 BODY[] {67108864}\r\n";
	uint64_t got = 0;
	int texts = 0;

	memset(chunk, 'a', sizeof(chunk));
	ck_assert_int_eq(eml_imap_rd_feed(rd, head, strlen(head)), 0);
	while (eml_imap_rd_next(rd, &ev) > 0)
		texts++;
	for (int i = 0; i < 1024; i++) {
		ck_assert_int_eq(eml_imap_rd_feed(rd, chunk, sizeof(chunk)),
		    0);
		while (eml_imap_rd_next(rd, &ev) > 0) {
			ck_assert_int_eq(ev.type, EML_IMAP_RD_LITERAL);
			/* the piece is the fed buffer itself: no copy */
			ck_assert(ev.text >= chunk &&
			    ev.text < chunk + sizeof(chunk));
			got += ev.len;
		}
	}
	ck_assert_uint_eq(got, 67108864);
	ck_assert_int_eq(eml_imap_rd_feed(rd, ")\r\n", 3), 0);
	ck_assert_int_eq(eml_imap_rd_next(rd, &ev), 1);
	ck_assert_int_eq(ev.type, EML_IMAP_RD_TEXT);
	ck_assert_int_eq(eml_imap_rd_finish(rd), 0);
	ck_assert_int_eq(texts, 1);
	eml_imap_rd_free(rd);
}
END_TEST

/* ---- modified UTF-7 ---- */

static const struct {
	const char *utf8, *utf7;
} u7[] = {
	{ "INBOX", "INBOX" },
	{ "&", "&-" },
	{ "a&b", "a&-b" },
	/* RFC 3501 5.1.3's example */
	{ "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac"
	  "\xe8\xaa\x9e", "~peter/mail/&U,BTFw-/&ZeVnLIqe-" },
	{ "Entw\xc3\xbcrfe", "Entw&APw-rfe" },
	{ "\xf0\x9f\x98\x80", "&2D3eAA-" },		/* a surrogate pair */
	{ "\xc3\xa9\xc3\xa9\xc3\xa9", "&AOkA6QDp-" },	/* one shift */
	{ "tab\there", "tab&AAk-here" },
};

START_TEST(utf7_both_ways)
{
	struct eml_buf b = { 0 };

	ck_assert_int_eq(eml_imap_utf7_encode(u7[_i].utf8,
	    strlen(u7[_i].utf8), &b), EML_OK);
	ck_assert_str_eq(b.data, u7[_i].utf7);
	eml_buf_reset(&b);
	ck_assert_int_eq(eml_imap_utf7_decode(u7[_i].utf7,
	    strlen(u7[_i].utf7), &b), EML_OK);
	ck_assert_str_eq(b.data, u7[_i].utf8);
	eml_buf_free(&b);
}
END_TEST

static const char *const u7_bad[] = {
	"&", "&AGE", "&-&AGE", "a&Jjo!-", "&AGE-&AGE-", "&-x&AEE-",
	"&2D0-",		/* lone high surrogate */
	"&3gA-",		/* lone low surrogate */
	"&AOk-&AOk-",		/* two shifts in a row */
	"&AOl-",		/* non-zero padding bits */
	"&-x&-&",		/* unterminated at the end */
};

START_TEST(utf7_strict)
{
	struct eml_buf b = { 0 };

	for (size_t i = 0; i < N(u7_bad); i++) {
		eml_buf_reset(&b);
		ck_assert_msg(eml_imap_utf7_decode(u7_bad[i],
		    strlen(u7_bad[i]), &b) == EML_EFORMAT, "%s", u7_bad[i]);
		ck_assert_uint_eq(b.len, 0);
	}
	eml_buf_reset(&b);
	ck_assert_int_eq(eml_imap_utf7_decode("\xc3\xa9", 2, &b),
	    EML_EFORMAT);
	/* "&AEE-" is "A" encoded: a second spelling of "A" */
	ck_assert_int_eq(eml_imap_utf7_decode("&AEE-", 5, &b), EML_EFORMAT);
	ck_assert_int_eq(eml_imap_utf7_encode("\xc3", 1, &b), EML_EFORMAT);
	ck_assert_int_eq(eml_imap_utf7_encode("a\0b", 3, &b), EML_EFORMAT);
	eml_buf_free(&b);
}
END_TEST

START_TEST(local_paths)
{
	static const struct {
		const char *name;
		char delim;
		const char *want;	/* NULL: refused */
	} t[] = {
		{ "INBOX", '/', "INBOX" },
		{ "Lists/emlkit", '/', "Lists/emlkit" },
		{ "Lists.emlkit", '.', "Lists/emlkit" },
		{ "../../x", '/', NULL },
		{ "..", '/', NULL },
		{ "a/../b", '/', NULL },
		{ "/abs", '/', NULL },
		{ "a//b", '/', NULL },
		{ "a/", '/', NULL },
		{ "a/b", '.', NULL },	/* '/' that is not the delimiter */
		{ "x\ny", '/', NULL },
		{ ".hidden", '/', ".hidden" },
		{ "$(rm -rf ~)", '/', "$(rm -rf ~)" },	/* a plain name */
		{ "", '/', NULL },
		{ "a.b", 0, "a.b" },
	};
	struct eml_buf b = { 0 };

	for (size_t i = 0; i < N(t); i++) {
		int r;

		eml_buf_reset(&b);
		r = eml_imap_local_path(t[i].name, t[i].delim, &b);
		if (t[i].want == NULL) {
			ck_assert_msg(r == EML_EFORMAT, "%s", t[i].name);
			ck_assert_uint_eq(b.len, 0);
		} else {
			ck_assert_msg(r == EML_OK, "%s", t[i].name);
			ck_assert_str_eq(b.data, t[i].want);
		}
	}
	{
		char big[300];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		ck_assert_int_eq(eml_imap_local_path(big, '/', &b),
		    EML_EFORMAT);
	}
	eml_buf_free(&b);
}
END_TEST

/* ---- state ---- */

static char tmpdir[64];

static void
mk_tmp(void)
{
	strcpy(tmpdir, "/tmp/eml-imap-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
rm_tmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(state_roundtrip)
{
	struct eml_state *st;
	char path[128];
	int fd;

	mk_tmp();
	snprintf(path, sizeof(path), "%s/INBOX.state", tmpdir);
	ck_assert_int_eq(eml_state_load(path, &st), EML_OK);
	ck_assert_uint_eq(eml_state_uidvalidity(st), 0);
	ck_assert_int_eq(eml_state_set_uidvalidity(st, 77), EML_OK);
	ck_assert_int_eq(eml_state_imap_done(st, 5), EML_OK);
	ck_assert_int_eq(eml_state_imap_done(st, 3), EML_OK);	/* max */
	ck_assert_int_eq(eml_state_pop3_done(st, "b-2"), EML_OK);
	ck_assert_int_eq(eml_state_pop3_done(st, "a-1"), EML_OK);
	ck_assert_int_eq(eml_state_pop3_done(st, "bad uidl"), EML_EFORMAT);
	eml_state_free(st);

	ck_assert_int_eq(eml_state_load(path, &st), EML_OK);
	ck_assert_uint_eq(eml_state_uidvalidity(st), 77);
	ck_assert_uint_eq(eml_state_last_uid(st), 5);
	ck_assert(eml_state_has_uidl(st, "a-1"));
	ck_assert(eml_state_has_uidl(st, "b-2"));
	ck_assert(!eml_state_has_uidl(st, "c-3"));
	{
		const char *keep[] = { "b-2", NULL, "z-9" };

		ck_assert_int_eq(eml_state_pop3_prune(st, keep, 3), EML_OK);
		ck_assert(!eml_state_has_uidl(st, "a-1"));
		ck_assert(eml_state_has_uidl(st, "b-2"));
		eml_state_free(st);
		ck_assert_int_eq(eml_state_load(path, &st), EML_OK);
		ck_assert(!eml_state_has_uidl(st, "a-1"));
		ck_assert(eml_state_has_uidl(st, "b-2"));
	}
	/* another UIDVALIDITY: refused, nothing changes */
	ck_assert_int_eq(eml_state_set_uidvalidity(st, 78), EML_ESTATE);
	ck_assert_uint_eq(eml_state_uidvalidity(st), 77);
	eml_state_free(st);

	/* no temp file left beside it */
	{
		char tmp[160];

		snprintf(tmp, sizeof(tmp), "%s/INBOX.state.tmp%ld", tmpdir,
		    (long)getpid());
		ck_assert_int_ne(access(tmp, F_OK), 0);
	}
	/* IMAP only: no UIDL lines */
	{
		char p2[160];

		snprintf(p2, sizeof(p2), "%s/imap.state", tmpdir);
		ck_assert_int_eq(eml_state_load(p2, &st), EML_OK);
		ck_assert_int_eq(eml_state_set_uidvalidity(st, 9), EML_OK);
		ck_assert_int_eq(eml_state_imap_done(st, 1), EML_OK);
		eml_state_free(st);
		ck_assert_int_eq(eml_state_load(p2, &st), EML_OK);
		ck_assert_uint_eq(eml_state_last_uid(st), 1);
		ck_assert(!eml_state_has_uidl(st, "x"));
		eml_state_free(st);
	}
	/* a damaged file is an error, never an empty state */
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "emlkit-state 1\nlastuid 9", 24), 24);
	close(fd);
	ck_assert_int_eq(eml_state_load(path, &st), EML_EFORMAT);
	ck_assert_ptr_null(st);
	rm_tmp();
}
END_TEST

/* ---- destinations ---- */

static size_t
count_dir(const char *dir, const char *sub)
{
	char cmd[256];
	FILE *f;
	size_t n = 0;
	char line[512];

	snprintf(cmd, sizeof(cmd), "ls -A '%s/%s' 2>/dev/null", dir, sub);
	ck_assert_ptr_nonnull(f = popen(cmd, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		n++;
	pclose(f);
	return n;
}

/* A message cut short leaves nothing; a whole one is stored with LF. */
START_TEST(dest_maildir)
{
	struct eml_fetch_dest *d;
	const struct eml_fetch_cb *cb;
	char md[128], cmd[256];
	int err;
	const char *wire = "Subject: x\r\n\r\nline\r\n";

	mk_tmp();
	snprintf(md, sizeof(md), "%s/md/", tmpdir);
	ck_assert_ptr_nonnull(d = eml_fetch_dest_new(md, &err));
	ck_assert_int_eq(eml_fetch_dest_kind(d), EML_DEST_MAILDIR);
	cb = eml_fetch_dest_cb(d);
	ck_assert_int_eq(cb->begin(cb->ctx, 10), 0);
	ck_assert_int_eq(cb->data(cb->ctx, wire, 7), 0);
	cb->abort(cb->ctx);
	ck_assert_uint_eq(count_dir(md, "new"), 0);
	ck_assert_uint_eq(count_dir(md, "tmp"), 0);
	ck_assert_int_eq(cb->begin(cb->ctx, 10), 0);
	for (const char *p = wire; *p; p++)	/* one byte at a time */
		ck_assert_int_eq(cb->data(cb->ctx, p, 1), 0);
	ck_assert_int_eq(cb->end(cb->ctx), 0);
	ck_assert_uint_eq(count_dir(md, "new"), 1);
	ck_assert_uint_eq(count_dir(md, "tmp"), 0);
	snprintf(cmd, sizeof(cmd), "printf 'Subject: x\\n\\nline\\n' | "
	    "cmp -s - %s/new/*", md);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_uint_eq(eml_fetch_dest_bytes(d), strlen(wire));
	/* a message left open when the destination goes is discarded */
	ck_assert_int_eq(cb->begin(cb->ctx, 10), 0);
	ck_assert_int_eq(cb->data(cb->ctx, wire, 5), 0);
	eml_fetch_dest_free(d);
	ck_assert_uint_eq(count_dir(md, "new"), 1);
	ck_assert_uint_eq(count_dir(md, "tmp"), 0);
	rm_tmp();
}
END_TEST

/* ---- the client against scripted servers ---- */

#define OK_TLS_CAPS "S:* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR ID " \
	"LITERAL+ IDLE\r\nE2 OK\r\n"

static char body1[] = "From: a@example.org\r\nSubject: one\r\n\r\n"
    "E9 OK forged tagged reply inside the body\r\n";
static char body2[] = "Subject: two\r\n\r\n)\r\n* 3 FETCH (UID 99)\r\n";
static char s_fetch1[512], s_fetch2[512];

START_TEST(session_fetch)
{
	const char *script[] = {
		"S:* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hi\r\n",
		"C:E1 STARTTLS",
		"S:E1 OK begin TLS\r\n",
		"C:E2 CAPABILITY",
		OK_TLS_CAPS,
		"C:E3 AUTHENTICATE PLAIN AHVzZXIAcGFzcw==",
		"S:E3 OK logged in\r\n",
		"C:E4 CAPABILITY",
		"S:* CAPABILITY IMAP4rev1 ID IDLE LITERAL+\r\nE4 OK\r\n",
		"C:E5 ID (\"name\" \"emlkit\" \"version\" \"" EML_VERSION "\")",
		"S:* ID NIL\r\nE5 OK\r\n",
		"C:E6 SELECT \"Entw&APw-rfe\"",
		"S:* 3 EXISTS\r\n* OK [UIDVALIDITY 77] x\r\n"
		    "* OK [UIDNEXT 9] x\r\nE6 OK [READ-WRITE] done\r\n",
		"C:E7 UID SEARCH UID 5:*",
		"S:* SEARCH 8 5\r\nE7 OK\r\n",
		"C:E8 UID FETCH 5 (UID BODY.PEEK[])",
		"C:E9 UID FETCH 8 (UID BODY.PEEK[])",
		s_fetch1, s_fetch2,
		"C:E10 LOGOUT",
		"S:* BYE bye\r\nE10 OK\r\n",
		NULL
	};
	struct script_io s;
	struct eml_imap *im;
	struct eml_imap_selected sel;
	struct sink_rec rec = { 0 };
	struct eml_fetch_cb cb = REC_CB(rec);
	uint32_t *uids;
	size_t n;

	snprintf(s_fetch1, sizeof(s_fetch1), "S:* 1 FETCH (UID 5 BODY[] "
	    "{%zu}\r\n%s)\r\nE8 OK\r\n", strlen(body1), body1);
	snprintf(s_fetch2, sizeof(s_fetch2), "S:* 2 FETCH (BODY[] {%zu}\r\n"
	    "%s UID 8 FLAGS (\\Seen))\r\nE9 OK\r\n", strlen(body2), body2);
	script_start(&s, script, 0);
	im = eml_imap_new(&s.io, NULL);
	ck_assert_int_eq(eml_imap_open(im), EML_OK);
	ck_assert_int_eq(s.tls_calls, 1);
	/* LOGINDISABLED from before TLS was forgotten */
	ck_assert(!(eml_imap_caps(im) & EML_IMAP_CAP_LOGINDIS));
	ck_assert_int_eq(eml_imap_login(im, "user", "pass"), EML_OK);
	ck_assert_int_eq(eml_imap_select(im, "Entw\xc3\xbcrfe", 0, &sel),
	    EML_OK);
	ck_assert_uint_eq(sel.uidvalidity, 77);
	ck_assert_uint_eq(sel.uidnext, 9);
	ck_assert_uint_eq(sel.exists, 3);
	ck_assert_int_eq(eml_imap_uid_search(im, "UID 5:*", &uids, &n),
	    EML_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(uids[0], 5);
	ck_assert_uint_eq(uids[1], 8);
	ck_assert_int_eq(eml_imap_uid_fetch(im, uids, n, 0, 16, &cb,
	    rec_done, &rec), EML_OK);
	free(uids);
	ck_assert_int_eq(rec.ends, 2);
	ck_assert_int_eq(rec.aborts, 0);
	ck_assert_str_eq(rec.msgs[0], body1);
	ck_assert_str_eq(rec.msgs[1], body2);
	ck_assert_uint_eq(rec.ndone, 2);
	ck_assert_uint_eq(rec.done[0], 5);
	ck_assert_uint_eq(rec.done[1], 8);
	ck_assert_int_eq(eml_imap_logout(im), EML_OK);
	eml_imap_free(im);
	free(rec.data);
	ck_assert_int_eq(script_end(&s), 0);
}
END_TEST

/* Hostile servers: each must end in an error before credentials go. */
#define P10 "(((((((((("
static const struct {
	const char *name;
	const char *script[8];
	int tls;		/* connection counts as implicit TLS */
	int want;
} hostile[] = {
	{ "PREAUTH when TLS is required",
	    { "S:* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n", "W",
	    NULL }, 0, EML_ENOTLS },
	{ "no STARTTLS offered",
	    { "S:* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n", "W", NULL },
	    0, EML_ENOTLS },
	{ "STARTTLS refused",
	    { "S:* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n",
	    "C:E1 STARTTLS", "S:E1 NO not now\r\n", "W", NULL }, 0,
	    EML_ENOTLS },
	{ "bytes after the STARTTLS reply",
	    { "S:* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n",
	    "C:E1 STARTTLS", "S:E1 OK go\r\n* CAPABILITY IMAP4rev1 "
	    "AUTH=PLAIN\r\nE2 OK\r\n", "W", NULL }, 0, EML_EPROTO },
	{ "garbage greeting",
	    { "S:\x16\x03\x01\x02\x05\x01\x02\x03\xfc\r\n", "W", NULL }, 0,
	    EML_EPROTO },
	{ "SMTP greeting",
	    { "S:220 mx.example.org ESMTP\r\n", "W", NULL }, 0, EML_EPROTO },
	{ "BYE greeting",
	    { "S:* BYE too many connections\r\n", "W", NULL }, 0,
	    EML_EREFUSED },
	{ "10 MB line",
	    { "S:* OK ", "B:10485760", "W", NULL }, 1, EML_ELIMIT },
	{ "closed at once", { "X", NULL }, 1, EML_ECLOSED },
	{ "nested 70 deep",
	    { "S:* OK hi\r\n", "C:E1 CAPABILITY", "S:* FLAGS " P10 P10 P10 P10
	    P10 P10 P10 "\r\n", "W", NULL }, 1, EML_EPROTO },
};

START_TEST(session_hostile)
{
	struct script_io s;
	struct eml_imap *im;
	int r;

	script_start(&s, hostile[_i].script, hostile[_i].tls);
	im = eml_imap_new(&s.io, NULL);
	r = eml_imap_open(im);
	if (r == EML_OK)
		r = eml_imap_login(im, "user", "secret");
	ck_assert_msg(r == hostile[_i].want, "%s: %d %s", hostile[_i].name,
	    r, eml_imap_errmsg(im));
	ck_assert_int_eq(s.tls_calls, 0);
	ck_assert_ptr_null(strstr(s.sent, "secret"));
	ck_assert_ptr_null(strstr(s.sent, "AUTHENTICATE"));
	ck_assert_ptr_null(strstr(s.sent, "LOGIN"));
	eml_imap_free(im);
	script_end(&s);
}
END_TEST

/* Fetches that go wrong: nothing half-stored, done only for stored. */
static const struct {
	const char *name;
	const char *script[8];
	int want;
	int ends, aborts;
} badfetch[] = {
	{ "literal larger than what arrives",
	    { "C:E1 UID FETCH 4 (UID BODY.PEEK[])",
	    "S:* 1 FETCH (UID 4 BODY[] {100}\r\nSubject: cut\r\n", "X",
	    NULL }, EML_EPROTO, 0, 1 },
	{ "dropped between messages",
	    { "C:E1 UID FETCH 4 (UID BODY.PEEK[])",
	    "S:* 1 FETCH (UID 4 BODY[] {3}\r\nabc)\r\nE1 OK\r\n", "X",
	    NULL }, 0, 1, 0 },	/* ECLOSED or EIO: which comes first */
	{ "UID not asked for",
	    { "C:E1 UID FETCH 4 (UID BODY.PEEK[])",
	    "S:* 1 FETCH (UID 7 BODY[] {3}\r\nabc)\r\nE1 OK\r\n", "W",
	    NULL }, EML_EPROTO, 0, 1 },
	{ "no UID",
	    { "C:E1 UID FETCH 4 (UID BODY.PEEK[])",
	    "S:* 1 FETCH (BODY[] {3}\r\nabc)\r\nE1 OK\r\n", "W",
	    NULL }, EML_EPROTO, 0, 1 },
	{ "garbage in the middle",
	    { "C:E1 UID FETCH 4 (UID BODY.PEEK[])",
	    "S:* 1 FETCH (UID 4 BODY[] {3}\r\nabc)\r\n\x01\x02 hello\r\n",
	    "W", NULL }, EML_EPROTO, 1, 0 },
};

START_TEST(session_badfetch)
{
	struct script_io s;
	struct eml_imap *im;
	struct sink_rec rec = { 0 };
	struct eml_fetch_cb cb = REC_CB(rec);
	uint32_t uids[2] = { 4, 5 };
	int r;

	script_start(&s, badfetch[_i].script, 1);
	im = eml_imap_new(&s.io, NULL);
	/* window 1: the second command waits for the first reply */
	r = eml_imap_uid_fetch(im, uids, 2, 0, 1, &cb, rec_done, &rec);
	ck_assert_msg(r == badfetch[_i].want || (badfetch[_i].want == 0 &&
	    (r == EML_ECLOSED || r == EML_EIO)), "%s: %d %s",
	    badfetch[_i].name, r, eml_imap_errmsg(im));
	ck_assert_int_eq(rec.ends, badfetch[_i].ends);
	ck_assert_int_eq(rec.aborts, badfetch[_i].aborts);
	ck_assert_uint_eq(rec.ndone, (size_t)badfetch[_i].ends);
	eml_imap_free(im);
	free(rec.data);
	script_end(&s);
}
END_TEST

/* LOGIN with a user that needs a literal (synchronizing, no LITERAL+),
 * APPEND with its "+" wait, LIST decoding names, IDLE. */
static ssize_t
mem_read(void *ctx, void *buf, size_t n)
{
	struct { const char *p; size_t n; } *m = ctx;
	size_t k = n < m->n ? n : m->n;

	memcpy(buf, m->p, k);
	m->p += k;
	m->n -= k;
	return (ssize_t)k;
}

static int
list_cb(void *ctx, const struct eml_imap_mailbox *mb)
{
	struct eml_buf *b = ctx;
	char d[2] = { mb->delim ? mb->delim : '0', 0 };

	eml_buf_adds(b, mb->name);
	eml_buf_adds(b, d);
	eml_buf_adds(b, "|");
	return 0;
}

START_TEST(session_literals)
{
	const char *script[] = {
		"S:* OK [CAPABILITY IMAP4rev1] hi\r\n",
		"C:E1 LOGIN {5}",
		"S:+ go\r\n",
		"R:5:\xc3\xbc" "ser",	/* 8-bit: cannot be quoted */
		"C: \"pa\\\\ss\"",
		"S:E1 OK in\r\n",
		"C:E2 CAPABILITY",
		"S:* CAPABILITY IMAP4rev1 IDLE\r\nE2 OK\r\n",
		"C:E3 APPEND \"Sent\" {12}",
		"S:+ Ready\r\n",
		"R:14:hello\r\nbye\r\n\r\n",
		"S:E3 OK [APPENDUID 1 3] done\r\n",
		"C:E4 LIST \"\" \"*\"",
		"S:* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
		    "* LIST () \"/\" {12}\r\nEntw&APw-rfe\r\n"
		    "* LIST (\\Noselect) NIL \"&Jjo\"\r\nE4 OK\r\n",
		"C:E5 IDLE",
		"S:+ idling\r\n* 1 EXPUNGE\r\n* 4 EXISTS\r\n",
		"C:DONE",
		"S:E5 OK done\r\n",
		NULL
	};
	struct script_io s;
	struct eml_imap *im;
	struct eml_buf names = { 0 };
	const char *msg = "hello\r\nbye\r\n";
	struct { const char *p; size_t n; } src = { msg, 12 };
	struct eml_imap_opts o = { .flags = EML_IMAP_NO_TLS };

	script_start(&s, script, 0);
	im = eml_imap_new(&s.io, &o);
	ck_assert_int_eq(eml_imap_open(im), EML_OK);
	ck_assert_int_eq(eml_imap_login(im, "\xc3\xbc" "ser", "pa\\ss"), EML_OK);
	ck_assert_int_eq(eml_imap_append(im, "Sent", 12, mem_read, &src),
	    EML_OK);
	ck_assert_int_eq(eml_imap_list(im, list_cb, &names), EML_OK);
	/* an invalid mUTF-7 name is shown as sent, not decoded loosely */
	ck_assert_str_eq(names.data, "INBOX/|Entw\xc3\xbcrfe/|&Jjo0|");
	ck_assert_int_eq(eml_imap_idle(im), 1);
	eml_imap_free(im);
	eml_buf_free(&names);
	ck_assert_int_eq(script_end(&s), 0);
}
END_TEST

START_TEST(session_logindisabled)
{
	const char *script[] = {
		"S:* OK [CAPABILITY IMAP4rev1 LOGINDISABLED AUTH=GSSAPI] x\r\n",
		"W", NULL
	};
	struct script_io s;
	struct eml_imap *im;

	script_start(&s, script, 1);
	im = eml_imap_new(&s.io, NULL);
	ck_assert_int_eq(eml_imap_open(im), EML_OK);
	ck_assert_int_eq(eml_imap_login(im, "u", "secret"), EML_EAUTH);
	ck_assert_ptr_null(strstr(s.sent, "secret"));
	eml_imap_free(im);
	script_end(&s);
}
END_TEST

START_TEST(session_wrong_password)
{
	const char *script[] = {
		"S:* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] x\r\n",
		"C:E1 AUTHENTICATE PLAIN",
		"S:+ \r\n",
		"C:AHUAYmFk",
		"S:E1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
		NULL
	};
	struct script_io s;
	struct eml_imap *im;

	script_start(&s, script, 1);
	im = eml_imap_new(&s.io, NULL);
	ck_assert_int_eq(eml_imap_open(im), EML_OK);
	ck_assert_int_eq(eml_imap_login(im, "u", "bad"), EML_EAUTH);
	ck_assert_ptr_nonnull(strstr(eml_imap_errmsg(im),
	    "Authentication failed"));
	eml_imap_free(im);
	ck_assert_int_eq(script_end(&s), 0);
}
END_TEST

Suite *
eml_net_imap_suite(void)
{
	Suite *s = suite_create("net_imap");
	TCase *tc = tcase_create("reader");

	tcase_add_test(tc, rd_every_split);
	tcase_add_loop_test(tc, rd_errors, 0, N(rd_bad));
	tcase_add_test(tc, rd_big_literal);
	suite_add_tcase(s, tc);
	tc = tcase_create("utf7");
	tcase_add_loop_test(tc, utf7_both_ways, 0, N(u7));
	tcase_add_test(tc, utf7_strict);
	tcase_add_test(tc, local_paths);
	suite_add_tcase(s, tc);
	tc = tcase_create("state");
	tcase_add_test(tc, state_roundtrip);
	tcase_add_test(tc, dest_maildir);
	suite_add_tcase(s, tc);
	tc = tcase_create("session");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, session_fetch);
	tcase_add_loop_test(tc, session_hostile, 0, N(hostile));
	tcase_add_loop_test(tc, session_badfetch, 0, N(badfetch));
	tcase_add_test(tc, session_literals);
	tcase_add_test(tc, session_logindisabled);
	tcase_add_test(tc, session_wrong_password);
	suite_add_tcase(s, tc);
	return s;
}
