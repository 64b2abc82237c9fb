/*
 * check_net_smtp.c - the SMTP engine against scripted servers: every
 * corpus/smtp/NAME.script is played by a forked child on one end of a
 * socketpair (tests/net/script.c) while eml_smtp talks on the other; the
 * script's C: lines are what the client must send, byte for byte.  Also
 * the core's DATA filter the engine uses (eml_filter_dotstuff), held to
 * the SMTP-smuggling cases: endings, NUL before a dot, chunking.
 */
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eml_priv.h"
#include "net/net_priv.h"

#include "net/script.c"

#define SCRIPT_DIR "corpus/smtp"

static char **scripts;
static size_t nscripts;

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
list_scripts(void)
{
	struct dirent *e;
	DIR *d;
	size_t n;

	if (scripts != NULL)
		return;
	/* called while the suite is built: no ck_assert here */
	if ((d = opendir(SCRIPT_DIR)) == NULL) {
		fprintf(stderr, "check_net_smtp: no %s (run from the top "
		    "directory)\n", SCRIPT_DIR);
		exit(1);
	}
	while ((e = readdir(d)) != NULL) {
		n = strlen(e->d_name);
		if (n < 8 || strcmp(e->d_name + n - 7, ".script") != 0)
			continue;
		scripts = realloc(scripts, (nscripts + 1) * sizeof(*scripts));
		if (scripts == NULL || (scripts[nscripts++] =
		    strdup(e->d_name)) == NULL)
			exit(1);
	}
	closedir(d);
	qsort(scripts, nscripts, sizeof(*scripts), by_name);
}

static const struct {
	const char *name;
	int code;
} codes[] = {
	{ "OK", EML_OK }, { "EPROTO", EML_EPROTO }, { "ENOTLS", EML_ENOTLS },
	{ "EPERM", EML_EPERM }, { "ETEMP", EML_ETEMP }, { "EAUTH", EML_EAUTH },
	{ "ECLOSED", EML_ECLOSED }, { "EUNKNOWN", EML_EUNKNOWN },
	{ "EINVAL", EML_EINVAL }, { "ETLS", EML_ETLS }, { "EIO", EML_EIO },
	{ "ETIMEOUT", EML_ETIMEOUT }, { "EFORMAT", EML_EFORMAT },
};

struct harness {
	char from[256];
	char *rcpt[16];
	size_t nrcpt;
	char expect[32];
	char errmsg[256];
	char user[64], secret[64], mech[32], notify[64], ret[16];
	struct eml_buf msg;
	struct eml_smtp_opts so;
	struct eml_smtp_env env;
	int quit;
	size_t rdpos;
};

static void
parse_opts(const char *path, struct harness *h)
{
	static char line[1 << 16], tmp[1 << 16];
	FILE *f = fopen(path, "r");
	char *a;
	size_t n;

	ck_assert_ptr_nonnull(f);
	memset(h, 0, sizeof(*h));
	strcpy(h->from, "alice@example.test");
	strcpy(h->expect, "OK");
	h->so.tls = EML_TLS_NONE;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "M: ", 3) == 0 || strcmp(line, "M:") == 0) {
			n = script_unescape(line + (line[2] ? 3 : 2), tmp);
			ck_assert_int_eq(eml_buf_add(&h->msg, tmp, n), 0);
			continue;
		}
		if (strncmp(line, "O: ", 3) != 0)
			continue;
		a = line + 3;
#define OPT(k) (strncmp(a, k " ", strlen(k) + 1) == 0 ? \
	(a += strlen(k) + 1, 1) : 0)
		if (OPT("from"))
			emli_strlcpy(h->from, a, strlen(a), sizeof(h->from));
		else if (OPT("rcpt")) {
			ck_assert_uint_lt(h->nrcpt, 16);
			n = script_unescape(a, tmp);
			tmp[n] = '\0';
			h->rcpt[h->nrcpt++] = strdup(tmp);
		} else if (OPT("expect"))
			emli_strlcpy(h->expect, a, strlen(a), sizeof(h->expect));
		else if (OPT("errmsg"))
			emli_strlcpy(h->errmsg, a, strlen(a), sizeof(h->errmsg));
		else if (OPT("user"))
			sscanf(a, "%63s %63s", h->user, h->secret);
		else if (OPT("mech"))
			emli_strlcpy(h->mech, a, strlen(a), sizeof(h->mech));
		else if (OPT("notify"))
			emli_strlcpy(h->notify, a, strlen(a), sizeof(h->notify));
		else if (OPT("ret"))
			emli_strlcpy(h->ret, a, strlen(a), sizeof(h->ret));
		else if (OPT("size"))
			h->env.size = strtoull(a, NULL, 10);
		else if (OPT("max-line"))
			h->so.max_line = strtoul(a, NULL, 10);
		else if (OPT("chunk-size"))
			h->so.chunk_size = strtoul(a, NULL, 10);
		else if (OPT("tls"))
			h->so.tls = strcmp(a, "starttls") == 0 ?
			    EML_TLS_STARTTLS : EML_TLS_NONE;
		else if (OPT("flags")) {
			if (strstr(a, "8bit"))
				h->env.flags |= EML_SMTP_BODY_8BIT;
			if (strstr(a, "utf8"))
				h->env.flags |= EML_SMTP_NEED_UTF8;
			if (strstr(a, "binary"))
				h->env.flags |= EML_SMTP_BODY_BINARY;
			if (strstr(a, "allow-rcpt-fail"))
				h->env.flags |= EML_SMTP_ALLOW_RCPT_FAIL;
			if (strstr(a, "no-chunking"))
				h->so.no_chunking = 1;
			if (strstr(a, "quit"))
				h->quit = 1;
		}
#undef OPT
	}
	fclose(f);
	if (h->nrcpt == 0)
		h->rcpt[h->nrcpt++] = strdup("bob@example.test");
}

static long
rd(void *ctx, void *buf, size_t n)
{
	struct harness *h = ctx;
	/* small reads: the encoder must not care where chunks end */
	size_t k = EMLI_MIN(EMLI_MIN(n, (size_t)7), h->msg.len - h->rdpos);

	memcpy(buf, h->msg.data + h->rdpos, k);
	h->rdpos += k;
	return (long)k;
}

START_TEST(test_script)
{
	struct eml_conn_opts co = { .io_timeout = 5000 };
	char path[512], err[1024] = "";
	struct eml_conn *c;
	struct eml_smtp *s;
	struct harness h;
	int sv[2], r, st, want = 1;
	size_t i;
	pid_t pid;
	FILE *ef;

	list_scripts();
	snprintf(path, sizeof(path), "%s/%s", SCRIPT_DIR, scripts[_i]);
	parse_opts(path, &h);
	for (i = 0; i < EMLI_NELEM(codes); i++)
		if (strcmp(h.expect, codes[i].name) == 0)
			want = codes[i].code;
	ck_assert_msg(want <= 0 || strcmp(h.expect, "ANYERR") == 0,
	    "%s: unknown expect %s", path, h.expect);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ef = tmpfile();
	ck_assert_ptr_nonnull(ef);
	if ((pid = fork()) == 0) {
		signal(SIGPIPE, SIG_IGN);
		close(sv[0]);
		r = script_play(sv[1], path, err, sizeof(err));
		fputs(err, ef);
		fflush(ef);
		_exit(r == 0 ? 0 : 1);
	}
	ck_assert_int_ge(pid, 0);
	close(sv[1]);
	signal(SIGPIPE, SIG_IGN);
	c = eml_conn_new_fd(&co, sv[0]);
	h.so.user = h.user[0] ? h.user : NULL;
	h.so.secret = h.secret;
	h.so.mech = h.mech[0] ? h.mech : NULL;
	emli_sasl_test_nonce = "rOprNGfwEbeRWgbNEkqO";	/* RFC 7677 */
	s = eml_smtp_new(c, &h.so);
	r = eml_smtp_open(s);
	if (r == 0) {
		h.env.from = h.from;
		h.env.rcpt = (const char *const *)h.rcpt;
		h.env.nrcpt = h.nrcpt;
		h.env.notify = h.notify[0] ? h.notify : NULL;
		h.env.ret = h.ret[0] ? h.ret : NULL;
		r = eml_smtp_send(s, &h.env, rd, &h);
	}
	if (h.quit)
		eml_smtp_quit(s);
	emli_sasl_test_nonce = NULL;
	if (strcmp(h.expect, "ANYERR") == 0)
		ck_assert_msg(r < 0, "%s: want an error, got %d", path, r);
	else
		ck_assert_msg(r == want, "%s: want %s, got %s (%s)", path,
		    h.expect, eml_net_strerror(r), eml_smtp_errmsg(s));
	if (h.errmsg[0])
		ck_assert_msg(strstr(eml_smtp_errmsg(s), h.errmsg) != NULL,
		    "%s: message \"%s\" lacks \"%s\"", path,
		    eml_smtp_errmsg(s), h.errmsg);
	eml_smtp_free(s);
	eml_conn_free(c);	/* closes sv[0]: the child sees the end */
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	rewind(ef);
	err[0] = '\0';
	if (fgets(err, sizeof(err), ef) == NULL)
		err[0] = '\0';
	fclose(ef);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", err);
	for (i = 0; i < h.nrcpt; i++)
		free(h.rcpt[i]);
	eml_buf_free(&h.msg);
}
END_TEST

/* ---------------------------------------------------------------- DATA */

static const struct {
	const char *in;
	const char *out;
} dots[] = {
	{ "", ".\r\n" },
	{ ".", "..\r\n.\r\n" },
	{ "a\r\nb\r\n", "a\r\nb\r\n.\r\n" },
	{ "last line", "last line\r\n.\r\n" },
	/* attack case 38: each smuggling ending becomes harmless */
	{ "a\n.\nb", "a\r\n..\r\nb\r\n.\r\n" },
	{ "a\n.\r\nb", "a\r\n..\r\nb\r\n.\r\n" },
	{ "a\r\n.\nb", "a\r\n..\r\nb\r\n.\r\n" },
	{ "a\r.\r\nb", "a\r\n..\r\nb\r\n.\r\n" },
	{ "a\r\n.\rb", "a\r\n..\r\nb\r\n.\r\n" },
	{ "a\r.\rb", "a\r\n..\r\nb\r\n.\r\n" },
	{ "a\r.\nb", "a\r\n..\r\nb\r\n.\r\n" },
	{ "a\n.\rb", "a\r\n..\r\nb\r\n.\r\n" },
	{ "a\r\r\nb", "a\r\n\r\nb\r\n.\r\n" },
	{ "x\n\n.\n", "x\r\n\r\n..\r\n.\r\n" },
	{ "..x\n", "...x\r\n.\r\n" },
	{ "a.b\n.", "a.b\r\n..\r\n.\r\n" },
};

static void
enc(const char *in, size_t len, size_t step, struct eml_buf *out)
{
	struct eml_sink *f = eml_filter_dotstuff(eml_sink_buf(out));
	size_t off, n;

	ck_assert_ptr_nonnull(f);
	for (off = 0; off < len; off += n) {
		n = step ? EMLI_MIN(step, len - off) : len - off;
		ck_assert_int_eq(eml_sink_write(f, in + off, n), 0);
	}
	ck_assert_int_eq(eml_sink_close(f), 0);
}

START_TEST(test_dotenc)
{
	size_t len = strlen(dots[_i].in), step;
	struct eml_buf out = { 0 };

	/* whole, then every chunk size down to a byte at a time */
	for (step = 0; step <= len + 1; step++) {
		eml_buf_reset(&out);
		enc(dots[_i].in, len, step, &out);
		ck_assert_str_eq(out.data, dots[_i].out);
	}
	eml_buf_free(&out);
}
END_TEST

/* Every input: the output has exactly one CRLF.CRLF (at the end), no
 * bare CR or LF.  (NUL is left out: the core filter does not stuff a
 * dot after NULs, so the engine refuses NUL in DATA; nul-in-data.script.) */
START_TEST(test_dotenc_random)
{
	static const char alpha[] = "\r\n.ab";
	struct eml_buf out = { 0 };
	char in[64];
	unsigned seed = 1;
	size_t i, k, n;
	int round;

	for (round = 0; round < 4000; round++) {
		n = (size_t)(rand_r(&seed) % sizeof(in));
		for (i = 0; i < n; i++)
			in[i] = alpha[rand_r(&seed) % 5];
		eml_buf_reset(&out);
		enc(in, n, (size_t)(rand_r(&seed) % 5), &out);
		for (k = 0; k + 5 <= out.len; k++)
			if (memcmp(out.data + k, "\r\n.\r\n", 5) == 0)
				break;
		ck_assert_uint_eq(k + 5, out.len > 3 ? out.len : k + 5);
		for (k = 0; k < out.len; k++) {
			if (out.data[k] == '\r')
				ck_assert_int_eq(out.data[k + 1], '\n');
			if (out.data[k] == '\n')
				ck_assert(k > 0 && out.data[k - 1] == '\r');
			/* NULs dropped: still no lone "." line but the end */
			if (out.data[k] == '.' && (k == 0 ||
			    out.data[k - 1] == '\n' || out.data[k - 1] == 0) &&
			    k + 3 < out.len) {
				size_t j = k;

				while (j > 0 && out.data[j - 1] == 0)
					j--;
				if (j == 0 || out.data[j - 1] == '\n')
					ck_assert_int_eq(out.data[k + 1], '.');
			}
		}
	}
	eml_buf_free(&out);
}
END_TEST

static const struct {
	const char *a;
	int ok;
} addrs[] = {
	{ "alice@example.test", 1 }, { "", 1 }, { "\"a b\"@example.test", 1 },
	{ "a@b\r\nRCPT TO:<x@y>", 0 }, { "a@b\n", 0 }, { "a@b> SIZE=1", 0 },
	{ "<a@b", 0 }, { "a b@c", 0 }, { "a\tb@c", 0 }, { "\"unterminated@x", 0 },
	{ "us\xc3\xa9r@example.test", 1 },
};

START_TEST(test_check_addr)
{
	ck_assert_int_eq(eml_smtp_check_addr(addrs[_i].a) == 0, addrs[_i].ok);
}
END_TEST

Suite *
eml_net_smtp_suite(void)
{
	Suite *s = suite_create("net_smtp");
	TCase *tc = tcase_create("scripts");
	TCase *td = tcase_create("data");

	list_scripts();
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_script, 0, (int)nscripts);
	suite_add_tcase(s, tc);
	tcase_set_timeout(td, 60);	/* slow under sanitizers */
	tcase_add_loop_test(td, test_dotenc, 0, EMLI_NELEM(dots));
	tcase_add_test(td, test_dotenc_random);
	tcase_add_loop_test(td, test_check_addr, 0, EMLI_NELEM(addrs));
	suite_add_tcase(s, td);
	return s;
}
