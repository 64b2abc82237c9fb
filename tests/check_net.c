/*
 * check_net.c - the shared network pieces without a network: reply
 * parsing (whole, split at every offset, one byte at a time), line caps,
 * URLs, credentials, SASL (RFC 7677's SCRAM-SHA-256 vector and its
 * failure cases) and the DNS SRV parser with canned answers.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eml_priv.h"
#include "net/eml_net.h"
#include "net/net_priv.h"

/* ---------------------------------------------------------------- replies */

static const struct {
	const char *in;
	int rc;			/* of the first eml_proto_reply */
	int code;
	const char *text;
	unsigned nlines;
	const char *enh;
} replies[] = {
	{ "220 mail.example.test ESMTP\r\n", 1, 220,
	  "mail.example.test ESMTP", 1, "" },
	{ "250-mail.example.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
	  "250 8BITMIME\r\n", 1, 250,
	  "mail.example.test\nPIPELINING\nSIZE 10240000\n8BITMIME", 4, "" },
	{ "250 2.1.0 Ok\r\n", 1, 250, "Ok", 1, "2.1.0" },
	{ "550 5.7.1 <x@y>: Relay access denied\r\n", 1, 550,
	  "<x@y>: Relay access denied", 1, "5.7.1" },
	/* class of the enhanced code must match the reply's */
	{ "550 2.1.0 odd\r\n", 1, 550, "2.1.0 odd", 1, "" },
	{ "354\r\n", 1, 354, "", 1, "" },
	{ "250 bare LF ends a line too\n", 1, 250,
	  "bare LF ends a line too", 1, "" },
	{ "250-first\r\n251 second\r\n", EML_EPROTO, 0, NULL, 0, NULL },
	{ "25 short\r\n", EML_EPROTO, 0, NULL, 0, NULL },
	{ "2500 four digits\r\n", EML_EPROTO, 0, NULL, 0, NULL },
	{ "650 bad class\r\n", EML_EPROTO, 0, NULL, 0, NULL },
	{ "\x16\x03\x01\x02\x05hello\r\n", EML_EPROTO, 0, NULL, 0, NULL },
	{ "250-no end yet\r\n", 0, 0, NULL, 0, NULL },
};

static int
reply_split(const char *in, size_t len, size_t step, struct eml_reply *r)
{
	struct eml_proto *p = eml_proto_new(0, 0);
	size_t off = 0, n;
	int rc = 0;

	ck_assert_ptr_nonnull(p);
	while (off < len) {
		n = step == 0 ? len - off : EMLI_MIN(step, len - off);
		ck_assert_int_eq(eml_proto_feed(p, in + off, n), EML_OK);
		off += n;
		rc = eml_proto_reply(p, r, 0);
		if (rc != 0)
			break;
	}
	eml_proto_free(p);
	return rc;
}

START_TEST(test_reply_table)
{
	size_t len = strlen(replies[_i].in), step;
	struct eml_reply r;
	int rc;

	/* whole, then every chunk size down to one byte at a time */
	for (step = 0; step <= len; step++) {
		memset(&r, 0, sizeof(r));
		rc = reply_split(replies[_i].in, len, step, &r);
		ck_assert_int_eq(rc, replies[_i].rc);
		if (rc == 1) {
			ck_assert_int_eq(r.code, replies[_i].code);
			ck_assert_str_eq(r.text.data, replies[_i].text);
			ck_assert_uint_eq(r.nlines, replies[_i].nlines);
			ck_assert_str_eq(r.enh, replies[_i].enh);
		}
		eml_reply_free(&r);
	}
}
END_TEST

START_TEST(test_reply_sequence)
{
	static const char in[] = "250 first\r\n251-a\r\n251 b\r\n354 go\r\n";
	struct eml_proto *p = eml_proto_new(0, 0);
	struct eml_reply r = { 0 };

	ck_assert_int_eq(eml_proto_feed(p, in, sizeof(in) - 1), EML_OK);
	ck_assert_int_eq(eml_proto_reply(p, &r, 0), 1);
	ck_assert_int_eq(r.code, 250);
	ck_assert_int_eq(eml_proto_reply(p, &r, 0), 1);
	ck_assert_int_eq(r.code, 251);
	ck_assert_str_eq(r.text.data, "a\nb");
	ck_assert_int_eq(eml_proto_reply(p, &r, 0), 1);
	ck_assert_int_eq(r.code, 354);
	ck_assert_int_eq(eml_proto_reply(p, &r, 0), 0);
	ck_assert_uint_eq(eml_proto_pending(p), 0);
	eml_reply_free(&r);
	eml_proto_free(p);
}
END_TEST

/* attack case 41: a 10 MB line is refused once it passes the cap, long
 * before it is all read; "250-" forever stops at max_lines */
START_TEST(test_reply_caps)
{
	struct eml_proto *p = eml_proto_new(1000, 0);
	struct eml_reply r = { 0 };
	char chunk[4096];
	size_t fed = 0;
	int rc = EML_OK, i;

	memset(chunk, 'x', sizeof(chunk));
	memcpy(chunk, "250 ", 4);
	while (fed < 10 * 1024 * 1024 && (rc = eml_proto_feed(p, chunk,
	    sizeof(chunk))) == EML_OK)
		fed += sizeof(chunk);
	ck_assert_int_eq(rc, EML_ELIMIT);
	ck_assert_uint_lt(fed, 8192);
	eml_proto_free(p);

	p = eml_proto_new(0, 0);
	for (i = 0; i < 2000 && rc != EML_ELIMIT; i++) {
		ck_assert_int_eq(eml_proto_feed(p, "250-more\r\n", 10), EML_OK);
		rc = eml_proto_reply(p, &r, 100);
		ck_assert_int_le(rc, 0);
	}
	ck_assert_int_eq(rc, EML_ELIMIT);
	ck_assert_int_lt(i, 200);
	eml_reply_free(&r);
	eml_proto_free(p);
}
END_TEST

START_TEST(test_proto_take)
{
	struct eml_proto *p = eml_proto_new(0, 0);
	const char *line, *d;
	size_t len;

	ck_assert_int_eq(eml_proto_feed(p, "* 1 FETCH {5}\r\nab", 17), 0);
	ck_assert_int_eq(eml_proto_line(p, &line, &len), 1);
	ck_assert_str_eq(line, "* 1 FETCH {5}");
	ck_assert_uint_eq(eml_proto_take(p, 5, &d), 2);
	ck_assert_int_eq(memcmp(d, "ab", 2), 0);
	ck_assert_int_eq(eml_proto_feed(p, "c\r\nde)\r\n", 8), 0);
	ck_assert_uint_eq(eml_proto_take(p, 3, &d), 3);
	ck_assert_int_eq(memcmp(d, "c\r\n", 3), 0);
	ck_assert_int_eq(eml_proto_line(p, &line, &len), 1);
	ck_assert_str_eq(line, "de)");
	ck_assert_int_eq(eml_proto_send(p, "a1 NOOP\r\n", 9), 0);
	ck_assert_int_eq(memcmp(eml_proto_out(p, &len), "a1 NOOP\r\n", 9), 0);
	ck_assert_uint_eq(len, 9);
	eml_proto_sent(p, 9);
	eml_proto_out(p, &len);
	ck_assert_uint_eq(len, 0);
	eml_proto_free(p);
}
END_TEST

/* ---------------------------------------------------------------- URLs */

static const struct {
	const char *in;
	int rc;
	enum eml_proto_kind proto;
	enum eml_tls_mode tls;
	const char *user, *host;
	unsigned port;
} urls[] = {
	{ "smtp://mail.example.org", 0, EML_P_SMTP, EML_TLS_STARTTLS, NULL,
	  "mail.example.org", 587 },
	{ "smtps://mail.example.org", 0, EML_P_SMTP, EML_TLS_IMPLICIT, NULL,
	  "mail.example.org", 465 },
	{ "SMTP://h:25/", 0, EML_P_SMTP, EML_TLS_STARTTLS, NULL, "h", 25 },
	{ "imaps://alice%40example.org@imap.example.org:10993", 0, EML_P_IMAP,
	  EML_TLS_IMPLICIT, "alice@example.org", "imap.example.org", 10993 },
	{ "imap://bob@h", 0, EML_P_IMAP, EML_TLS_STARTTLS, "bob", "h", 143 },
	{ "pop3://h", 0, EML_P_POP3, EML_TLS_STARTTLS, NULL, "h", 110 },
	{ "pop3s://u@[::1]:995", 0, EML_P_POP3, EML_TLS_IMPLICIT, "u", "::1",
	  995 },
	{ "smtp://a@b@h", 0, EML_P_SMTP, EML_TLS_STARTTLS, "a@b", "h", 587 },
	{ "smtp://user:secret@h", EML_EINVAL, 0, 0, NULL, NULL, 0 },
	{ "http://h", EML_EFORMAT, 0, 0, NULL, NULL, 0 },
	{ "smtp://", EML_EFORMAT, 0, 0, NULL, NULL, 0 },
	{ "smtp://h:0", EML_EFORMAT, 0, 0, NULL, NULL, 0 },
	{ "smtp://h:65536", EML_EFORMAT, 0, 0, NULL, NULL, 0 },
	{ "smtp://h:25x", EML_EFORMAT, 0, 0, NULL, NULL, 0 },
	{ "smtp://u%0d%0aRSET@h", EML_EFORMAT, 0, 0, NULL, NULL, 0 },
	{ "smtp://h w", EML_EFORMAT, 0, 0, NULL, NULL, 0 },
	{ "smtp://[::1", EML_EFORMAT, 0, 0, NULL, NULL, 0 },
};

START_TEST(test_url_table)
{
	struct eml_url u;
	int rc = eml_url_parse(urls[_i].in, &u);

	ck_assert_int_eq(rc, urls[_i].rc);
	if (rc == 0) {
		ck_assert_int_eq(u.proto, urls[_i].proto);
		ck_assert_int_eq(u.tls, urls[_i].tls);
		if (urls[_i].user == NULL)
			ck_assert_ptr_null(u.user);
		else
			ck_assert_str_eq(u.user, urls[_i].user);
		ck_assert_str_eq(u.host, urls[_i].host);
		ck_assert_uint_eq(u.port, urls[_i].port);
	}
	eml_url_free(&u);
}
END_TEST

/* ---------------------------------------------------------------- creds */

static char tmpdir[64];

static const char *
tmpfile_with(const char *name, const char *content)
{
	static char path[128];
	FILE *f;

	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/eml-check-net.XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	}
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
	return path;
}

START_TEST(test_cred_file_command)
{
	char *s;

	ck_assert_int_eq(eml_cred_file(tmpfile_with("pw", "s3cret\r\nx\n"),
	    &s), 0);
	ck_assert_str_eq(s, "s3cret");
	free(s);
	ck_assert_int_eq(eml_cred_file("/nonexistent/pw", &s), EML_EIO);
	ck_assert_int_eq(eml_cred_command("printf 'from cmd\\nmore\\n'", &s),
	    0);
	ck_assert_str_eq(s, "from cmd");
	free(s);
	/* a failing command is an error even if it printed something */
	ck_assert_int_eq(eml_cred_command("echo half; exit 3", &s), EML_EIO);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(eml_cred_command("printf 'a\\0b\\n'", &s),
	    EML_EFORMAT);
}
END_TEST

START_TEST(test_cred_netrc)
{
	const char *path = tmpfile_with("netrc",
	    "machine other login x password y\n"
	    "machine mail.example.org\n  login alice\n  password \"a b\"\n"
	    "machine mail.example.org login bob password bobpw\n"
	    "default login anon password anonpw\n");
	char *u, *p;

	ck_assert_int_eq(eml_cred_netrc(path, "mail.example.org", NULL, &u,
	    &p), 1);
	ck_assert_str_eq(u, "alice");
	ck_assert_str_eq(p, "a b");
	free(u);
	free(p);
	ck_assert_int_eq(eml_cred_netrc(path, "MAIL.example.org", "bob", &u,
	    &p), 1);
	ck_assert_str_eq(p, "bobpw");
	free(u);
	free(p);
	ck_assert_int_eq(eml_cred_netrc(path, "elsewhere", NULL, &u, &p), 1);
	ck_assert_str_eq(u, "anon");
	free(u);
	free(p);
	path = tmpfile_with("netrc2", "machine a login b password c\n");
	ck_assert_int_eq(eml_cred_netrc(path, "z", NULL, &u, &p), 0);
}
END_TEST

START_TEST(test_account)
{
	const char *path = tmpfile_with("accounts",
	    "# emlkit accounts\n"
	    "defaults\n  cafile /etc/ca.pem\n\n"
	    "account home\n  url smtps://smtp.example.net\n  user me\n"
	    "account work\n  url smtp://mail.example.org:587\n"
	    "  user alice@example.org\n  password-command pass show work\n"
	    "  from alice@example.org\n  fingerprint sha256:AA\n"
	    "  fingerprint sha256:BB\n  tls off\n"
	    "account last\n  bogus key\n");
	struct eml_account a;
	unsigned line = 0;

	ck_assert_int_eq(eml_account_load(path, "work", &a, &line), 1);
	ck_assert_str_eq(a.url, "smtp://mail.example.org:587");
	ck_assert_str_eq(a.user, "alice@example.org");
	ck_assert_str_eq(a.password_command, "pass show work");
	ck_assert_str_eq(a.from, "alice@example.org");
	ck_assert_str_eq(a.cafile, "/etc/ca.pem");
	ck_assert_uint_eq(a.nfingerprints, 2);
	ck_assert_str_eq(a.fingerprints[1], "sha256:BB");
	ck_assert_int_eq(a.no_tls, 1);
	eml_account_free(&a);
	ck_assert_int_eq(eml_account_load(path, "nope", &a, &line), 0);
	ck_assert_int_eq(eml_account_load(path, "last", &a, &line),
	    EML_EFORMAT);
	ck_assert_uint_eq(line, 17);
}
END_TEST

/* ---------------------------------------------------------------- SASL */

static char *
b64(const struct eml_buf *b)
{
	struct eml_buf o = { 0 };

	ck_assert_int_eq(emli_net_b64enc(b->data, b->len, &o), 0);
	return eml_buf_steal(&o);
}

START_TEST(test_sasl_plain_oauth)
{
	struct eml_sasl *s = eml_sasl_new("PLAIN", "tim", "tanstaaftanstaaf",
	    NULL, 0);
	struct eml_buf out = { 0 };
	char *e;

	ck_assert_int_eq(eml_sasl_start(s, &out), 1);
	e = b64(&out);
	/* RFC 4616 4 example, without authzid */
	ck_assert_str_eq(e, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
	free(e);
	ck_assert_int_lt(eml_sasl_step(s, "x", 1, &out), 0);
	eml_sasl_free(s);
	eml_buf_reset(&out);
	s = eml_sasl_new("xoauth2", "someuser@example.com", "ya29.vF9dft4",
	    NULL, 0);
	ck_assert_int_eq(eml_sasl_start(s, &out), 1);
	ck_assert_int_eq(out.len, 52);
	ck_assert_int_eq(memcmp(out.data, "user=someuser@example.com\001auth="
	    "Bearer ya29.vF9dft4\001\001", 52), 0);
	eml_sasl_free(s);
	eml_buf_reset(&out);
	s = eml_sasl_new("OAUTHBEARER", "user@example.com", "tok",
	    "server.example.com", 587);
	ck_assert_int_eq(eml_sasl_start(s, &out), 1);
	ck_assert_str_eq(out.data, "n,a=user@example.com,\001host=server."
	    "example.com\001port=587\001auth=Bearer tok\001\001");
	eml_sasl_free(s);
	eml_buf_free(&out);
	/* attack case 65: CR/LF in a secret never reaches the wire */
	errno = 0;
	ck_assert_ptr_null(eml_sasl_new("PLAIN", "u", "pw\r\nQUIT", NULL, 0));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(eml_sasl_new("CRAM-MD5", "u", "p", NULL, 0));
	/* the choice: SCRAM first, plaintext mechanisms only over TLS */
	ck_assert_str_eq(eml_sasl_choose("PLAIN LOGIN SCRAM-SHA-256", 1, 0),
	    "SCRAM-SHA-256");
	ck_assert_str_eq(eml_sasl_choose("LOGIN PLAIN", 1, 0), "PLAIN");
	ck_assert_ptr_null(eml_sasl_choose("LOGIN PLAIN", 0, 0));
	ck_assert_str_eq(eml_sasl_choose("PLAIN scram-sha-256", 0, 0),
	    "SCRAM-SHA-256");
	ck_assert_str_eq(eml_sasl_choose("PLAIN XOAUTH2", 1, 1), "XOAUTH2");
	ck_assert_ptr_null(eml_sasl_choose("CRAM-MD5", 1, 0));
}
END_TEST

START_TEST(test_sasl_login)
{
	struct eml_sasl *s = eml_sasl_new("LOGIN", "u", "p", NULL, 0);
	struct eml_buf out = { 0 };

	ck_assert_int_eq(eml_sasl_start(s, &out), 0);
	ck_assert_int_eq(eml_sasl_step(s, "Username:", 9, &out), 1);
	ck_assert_str_eq(out.data, "u");
	eml_buf_reset(&out);
	ck_assert_int_eq(eml_sasl_step(s, "Password:", 9, &out), 1);
	ck_assert_str_eq(out.data, "p");
	ck_assert_int_lt(eml_sasl_step(s, "more?", 5, &out), 0);
	eml_buf_free(&out);
	eml_sasl_free(s);
}
END_TEST

/* RFC 7677 3: the SCRAM-SHA-256 exchange for user "user", "pencil" */
#define V_CNONCE "rOprNGfwEbeRWgbNEkqO"
#define V_SFIRST "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," \
	"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define V_CFINAL "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)" \
	"hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define V_SFINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

static struct eml_sasl *
scram_at_final(struct eml_buf *out, const char *sfirst)
{
	struct eml_sasl *s = eml_sasl_new("SCRAM-SHA-256", "user", "pencil",
	    NULL, 0);

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(emli_sasl_set_nonce(s, V_CNONCE), 0);
	ck_assert_int_eq(eml_sasl_start(s, out), 1);
	ck_assert_str_eq(out->data, "n,,n=user,r=" V_CNONCE);
	eml_buf_reset(out);
	if (sfirst != NULL)
		return s;
	ck_assert_int_eq(eml_sasl_step(s, V_SFIRST, strlen(V_SFIRST), out),
	    1);
	return s;
}

START_TEST(test_scram_rfc7677)
{
	struct eml_buf out = { 0 };
	struct eml_sasl *s = scram_at_final(&out, NULL);

	ck_assert_str_eq(out.data, V_CFINAL);
	ck_assert_int_eq(eml_sasl_verified(s), 0);
	eml_buf_reset(&out);
	ck_assert_int_eq(eml_sasl_step(s, V_SFINAL, strlen(V_SFINAL), &out),
	    1);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_int_eq(eml_sasl_verified(s), 1);
	eml_sasl_free(s);
	eml_buf_free(&out);
}
END_TEST

/* attack case 64: each wrong server message fails closed */
static const struct {
	const char *sfirst, *sfinal;
	int rc;
} scram_bad[] = {
	{ "r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", NULL, EML_EAUTH },
	{ "r=" V_CNONCE, NULL, EML_EFORMAT },	/* same nonce, no s/i */
	{ "r=" V_CNONCE "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095", NULL,
	  EML_EAUTH },
	{ "r=" V_CNONCE "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4294967295", NULL,
	  EML_EAUTH },
	{ "r=" V_CNONCE "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-1", NULL,
	  EML_EFORMAT },
	{ "r=" V_CNONCE "x,s=not*base64,i=4096", NULL, EML_EFORMAT },
	{ "m=ext,r=" V_CNONCE "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", NULL,
	  EML_EFORMAT },
	{ NULL, "v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", EML_EAUTH },
	{ NULL, "e=invalid-proof", EML_EAUTH },
	{ NULL, "x=1", EML_EFORMAT },
};

START_TEST(test_scram_bad)
{
	struct eml_buf out = { 0 };
	struct eml_sasl *s;
	const char *f = scram_bad[_i].sfirst;

	s = scram_at_final(&out, f);
	if (f != NULL)
		ck_assert_int_eq(eml_sasl_step(s, f, strlen(f), &out),
		    scram_bad[_i].rc);
	else
		ck_assert_int_eq(eml_sasl_step(s, scram_bad[_i].sfinal,
		    strlen(scram_bad[_i].sfinal), &out), scram_bad[_i].rc);
	ck_assert_int_eq(eml_sasl_verified(s), 0);
	eml_sasl_free(s);
	eml_buf_free(&out);
}
END_TEST

START_TEST(test_b64_strict)
{
	struct eml_buf o = { 0 };

	ck_assert_int_eq(emli_net_b64dec("dGVzdA==", 8, &o), 0);
	ck_assert_str_eq(o.data, "test");
	eml_buf_reset(&o);
	ck_assert_int_eq(emli_net_b64dec("", 0, &o), 0);
	ck_assert_int_eq(emli_net_b64dec("dGVzdA=", 7, &o), EML_EFORMAT);
	ck_assert_int_eq(emli_net_b64dec("dG=zdA==", 8, &o), EML_EFORMAT);
	ck_assert_int_eq(emli_net_b64dec("dGVz\r\nA=", 8, &o), EML_EFORMAT);
	eml_buf_free(&o);
}
END_TEST

/* ---------------------------------------------------------------- DNS */

struct dnsb {
	unsigned char m[1024];
	size_t n;
};

static void
put(struct dnsb *b, const void *p, size_t n)
{
	ck_assert_uint_le(b->n + n, sizeof(b->m));
	memcpy(b->m + b->n, p, n);
	b->n += n;
}

static void
put16(struct dnsb *b, unsigned v)
{
	unsigned char c[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	put(b, c, 2);
}

static void
putname(struct dnsb *b, const char *name)
{
	const char *p = name, *d;
	unsigned char l;

	while (*p != '\0') {
		d = strchr(p, '.');
		l = (unsigned char)(d ? (size_t)(d - p) : strlen(p));
		put(b, &l, 1);
		put(b, p, l);
		p += l + (d != NULL);
	}
	put(b, "", 1);
}

/* A reply to name with SRV answers "prio weight port target"... */
static void
srv_reply(struct dnsb *b, const char *qname, int n, const char *const *srv)
{
	int i;

	b->n = 0;
	put16(b, 0x1234);
	put16(b, 0x8180);
	put16(b, 1);
	put16(b, (unsigned)n);
	put16(b, 0);
	put16(b, 0);
	putname(b, qname);
	put16(b, 33);
	put16(b, 1);
	for (i = 0; i < n; i++) {
		unsigned prio, weight, port;
		char target[128];
		size_t at;

		ck_assert_int_eq(sscanf(srv[i], "%u %u %u %127s", &prio,
		    &weight, &port, target), 4);
		put16(b, 0xc00c);	/* pointer to the question's name */
		put16(b, 33);
		put16(b, 1);
		put16(b, 0);
		put16(b, 300);
		at = b->n;
		put16(b, 0);
		put16(b, prio);
		put16(b, weight);
		put16(b, port);
		putname(b, strcmp(target, ".") ? target : "");
		b->m[at] = (unsigned char)((b->n - at - 2) >> 8);
		b->m[at + 1] = (unsigned char)(b->n - at - 2);
	}
}

START_TEST(test_dns_srv)
{
	static const char *const two[] = { "10 0 587 b.example.org",
	    "5 10 465 a.example.org", "5 20 465 c.example.org" };
	static const char *const none[] = { "0 0 0 ." };
	struct eml_srv s[4];
	struct dnsb b;
	size_t n, cut;

	srv_reply(&b, "_submissions._tcp.example.org", 3, two);
	ck_assert_int_eq(eml_dns_parse_srv(b.m, b.n, s, 4, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(s[0].target, "c.example.org");
	ck_assert_uint_eq(s[0].port, 465);
	ck_assert_str_eq(s[1].target, "a.example.org");
	ck_assert_str_eq(s[2].target, "b.example.org");
	/* every truncation is refused or gives fewer answers, never more */
	for (cut = 0; cut < b.n; cut++) {
		int rc = eml_dns_parse_srv(b.m, cut, s, 4, &n);

		ck_assert(rc == EML_EFORMAT || (rc == 0 && n < 3));
	}
	srv_reply(&b, "_submission._tcp.example.org", 1, none);
	ck_assert_int_eq(eml_dns_parse_srv(b.m, b.n, s, 4, &n), 0);
	ck_assert_uint_eq(n, 0);
	/* a compression pointer to itself */
	srv_reply(&b, "_submissions._tcp.example.org", 1, two);
	b.m[12] = 0xc0;
	b.m[13] = 12;
	ck_assert_int_eq(eml_dns_parse_srv(b.m, b.n, s, 4, &n), EML_EFORMAT);
}
END_TEST

static int
canned(const char *name, unsigned char *ans, int anslen)
{
	static const char *const one[] = { "0 1 10465 mail.example.test" };
	struct dnsb b;

	if (strcmp(name, "_submission._tcp.example.test") != 0)
		return -1;	/* NXDOMAIN for _submissions */
	srv_reply(&b, name, 1, one);
	ck_assert_int_le(b.n, anslen);
	memcpy(ans, b.m, b.n);
	return (int)b.n;
}

static int
nothing(const char *name, unsigned char *ans, int anslen)
{
	return -1;
}

START_TEST(test_autoconf)
{
	struct eml_autoconf ac;

	ck_assert_int_eq(eml_autoconf_smtp("a@example.test", canned, &ac), 1);
	ck_assert_str_eq(ac.host, "mail.example.test");
	ck_assert_uint_eq(ac.port, 10465);
	ck_assert_int_eq(ac.tls, EML_TLS_STARTTLS);
	ck_assert_str_eq(ac.source, "SRV _submission._tcp");
	ck_assert_int_eq(eml_autoconf_smtp("x@gmail.com", nothing, &ac), 1);
	ck_assert_str_eq(ac.host, "smtp.gmail.com");
	ck_assert_int_eq(ac.tls, EML_TLS_IMPLICIT);
	ck_assert_int_eq(eml_autoconf_smtp("x@QQ.com", nothing, &ac), 1);
	ck_assert_str_eq(ac.host, "smtp.qq.com");
	ck_assert_int_eq(eml_autoconf_smtp("x@unknown.invalid", nothing, &ac),
	    0);
	ck_assert_int_eq(eml_autoconf_smtp("nodomain", nothing, &ac),
	    EML_EINVAL);
}
END_TEST

START_TEST(test_exitcodes)
{
	/* sendmail callers retry on EX_TEMPFAIL (75) only */
	ck_assert_int_eq(eml_net_exitcode(EML_OK), 0);
	ck_assert_int_eq(eml_net_exitcode(EML_ETEMP), 75);
	ck_assert_int_eq(eml_net_exitcode(EML_ETIMEOUT), 75);
	ck_assert_int_eq(eml_net_exitcode(EML_EUNKNOWN), 75);
	ck_assert_int_eq(eml_net_exitcode(EML_EPERM), 69);
	ck_assert_int_eq(eml_net_exitcode(EML_EAUTH), 77);
	ck_assert_int_eq(eml_net_exitcode(EML_ETLS), 76);
	ck_assert_int_eq(eml_net_exitcode(EML_EDNS), 68);
	ck_assert_str_eq(eml_net_strerror(EML_ENOTLS),
	    "TLS required but not available");
	ck_assert_str_eq(eml_net_strerror(EML_ENOMEM), "out of memory");
}
END_TEST

static void
cleanup(void)
{
	char cmd[128];

	if (tmpdir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			return;
	}
}

Suite *
eml_net_suite(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_reply_table, 0, EMLI_NELEM(replies));
	tcase_add_test(tc, test_reply_sequence);
	tcase_add_test(tc, test_reply_caps);
	tcase_add_test(tc, test_proto_take);
	tcase_add_loop_test(tc, test_url_table, 0, EMLI_NELEM(urls));
	tcase_add_test(tc, test_cred_file_command);
	tcase_add_test(tc, test_cred_netrc);
	tcase_add_test(tc, test_account);
	tcase_add_test(tc, test_sasl_plain_oauth);
	tcase_add_test(tc, test_sasl_login);
	tcase_add_test(tc, test_scram_rfc7677);
	tcase_add_loop_test(tc, test_scram_bad, 0, EMLI_NELEM(scram_bad));
	tcase_add_test(tc, test_b64_strict);
	tcase_add_test(tc, test_dns_srv);
	tcase_add_test(tc, test_autoconf);
	tcase_add_test(tc, test_exitcodes);
	tcase_add_unchecked_fixture(tc, NULL, cleanup);
	suite_add_tcase(s, tc);
	return s;
}
