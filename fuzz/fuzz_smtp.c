/*
 * fuzz_smtp.c - what an SMTP server (or the DNS) sends us.  The first
 * byte picks the target:
 *   0  reply parser (eml_proto_reply), input cut in two at data[1]
 *   1  DNS SRV answer parser
 *   2  DATA filter (eml_filter_dotstuff, which the engine uses): the
 *      output holds CRLF.CRLF only at its end, and no bare CR or LF
 *   3  the whole SMTP session: the rest is the server's byte stream,
 *      played over a socketpair (curl-fuzzer's scripted responses)
 */
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "net/eml_net.h"

static void
replies(const uint8_t *d, size_t n)
{
	struct eml_proto *p = eml_proto_new(256, 0);
	struct eml_reply r = { 0 };
	size_t cut = n ? d[0] % (n + 1) : 0;
	int rc;

	if (p == NULL)
		return;
	if (eml_proto_feed(p, d, cut) == 0)
		while ((rc = eml_proto_reply(p, &r, 8)) == 1)
			FUZZ_CHECK(r.code >= 200 && r.code <= 599);
	if (eml_proto_feed(p, d + cut, n - cut) == 0)
		while ((rc = eml_proto_reply(p, &r, 8)) == 1)
			FUZZ_CHECK(r.code >= 200 && r.code <= 599);
	eml_reply_free(&r);
	eml_proto_free(p);
}

static void
dns(const uint8_t *d, size_t n)
{
	struct eml_srv s[8];
	size_t k, i;

	if (eml_dns_parse_srv(d, n, s, 8, &k) == 0) {
		FUZZ_CHECK(k <= 8);
		for (i = 0; i < k; i++)
			FUZZ_CHECK(strlen(s[i].target) < sizeof(s[i].target));
	}
}

static void
dotenc(const uint8_t *d, size_t n)
{
	struct eml_buf out = { 0 };
	struct eml_sink *f = eml_filter_dotstuff(eml_sink_buf(&out));
	size_t i, cut = n ? d[0] % (n + 1) : 0;

	if (f == NULL)
		return;
	if (eml_sink_write(f, d, cut) < 0 ||
	    eml_sink_write(f, d + cut, n - cut) < 0) {
		eml_sink_abort(f);
		eml_buf_free(&out);
		return;
	}
	if (eml_sink_close(f) < 0) {
		eml_buf_free(&out);
		return;
	}
	for (i = 0; i + 5 <= out.len; i++)
		if (memcmp(out.data + i, "\r\n.\r\n", 5) == 0)
			FUZZ_CHECK(i + 5 == out.len);
	for (i = 0; i < out.len; i++) {
		if (out.data[i] == '\r')
			FUZZ_CHECK(i + 1 < out.len && out.data[i + 1] == '\n');
		if (out.data[i] == '\n')
			FUZZ_CHECK(i > 0 && out.data[i - 1] == '\r');
	}
	eml_buf_free(&out);
}

struct body {
	const char *p;
	size_t n;
};

static long
rd(void *ctx, void *buf, size_t n)
{
	struct body *b = ctx;

	n = n < b->n ? n : b->n;
	memcpy(buf, b->p, n);
	b->p += n;
	b->n -= n;
	return (long)n;
}

static void
session(const uint8_t *d, size_t n)
{
	static const char *const rcpt[] = { "bob@example.test",
	    "carol@example.test" };
	struct eml_conn_opts co = { .io_timeout = 200 };
	struct eml_smtp_opts so = { .tls = EML_TLS_NONE };
	struct eml_smtp_env env = { .from = "a@example.test", .rcpt = rcpt,
	    .nrcpt = 2, .size = 20 };
	struct body b = { ".\r\nhello\n.\r\n", 13 };
	struct eml_conn *c;
	struct eml_smtp *s;
	int sv[2];

	if (n > 60000 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return;
	signal(SIGPIPE, SIG_IGN);
	if (n > 0) {
		so.user = d[0] & 1 ? "user" : NULL;
		so.secret = "pencil";
		env.flags = d[0] >> 4;
		d++;
		n--;
	}
	if (write(sv[1], d, n) != (ssize_t)n) {
		close(sv[0]);
		close(sv[1]);
		return;
	}
	shutdown(sv[1], SHUT_WR);
	c = eml_conn_new_fd(&co, sv[0]);
	s = eml_smtp_new(c, &so);
	if (s != NULL && eml_smtp_open(s) == 0 &&
	    eml_smtp_send(s, &env, rd, &b) == 0)
		FUZZ_CHECK(eml_smtp_last_reply(s)->code == 250);
	if (s != NULL)
		eml_smtp_quit(s);
	eml_smtp_free(s);
	eml_conn_free(c);
	close(sv[1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 4) {
	case 0: replies(data + 1, size - 1); break;
	case 1: dns(data + 1, size - 1); break;
	case 2: dotenc(data + 1, size - 1); break;
	case 3: session(data + 1, size - 1); break;
	}
	return 0;
}
