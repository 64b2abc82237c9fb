/*
 * check_sink.c - the sinks (fd, eml_buf, callback) and the chain rules:
 * sticky errors, byte counts, close and abort down the chain, a full
 * disk is an error.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eml.h"
#include "eml_priv.h"
#include "check_util.h"

START_TEST(test_buf)
{
	struct eml_buf b = { 0 };
	struct eml_sink *s = eml_sink_buf(&b);

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(eml_sink_write(s, "ab", 2), EML_OK);
	ck_assert_int_eq(eml_sink_write(s, NULL, 0), EML_OK);
	ck_assert_int_eq(eml_sink_puts(s, "cd"), EML_OK);
	ck_assert_uint_eq(eml_sink_bytes(s), 4);
	ck_assert_int_eq(eml_sink_error(s), EML_OK);
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	ck_assert_str_eq(b.data, "abcd");
	/* b->max: the write that passes it fails whole, and sticks */
	b.max = 6;
	s = eml_sink_buf(&b);
	ck_assert_int_eq(eml_sink_write(s, "123", 3), EML_ELIMIT);
	ck_assert_int_eq(eml_sink_write(s, "1", 1), EML_ELIMIT);
	ck_assert_int_eq(eml_sink_error(s), EML_ELIMIT);
	ck_assert_uint_eq(eml_sink_bytes(s), 0);
	ck_assert_int_eq(eml_sink_close(s), EML_ELIMIT);
	ck_assert_str_eq(b.data, "abcd");
	eml_buf_free(&b);
	/* misuse */
	ck_assert_int_eq(eml_sink_write(NULL, "x", 1), EML_EINVAL);
	ck_assert_int_eq(eml_sink_close(NULL), EML_EINVAL);
	eml_sink_abort(NULL);
	ck_assert_ptr_null(eml_sink_buf(NULL));
	ck_assert_ptr_null(eml_sink_fd(-1));
	ck_assert_ptr_null(eml_filter_eol(NULL, 1));
	ck_assert_ptr_null(eml_filter_limit(NULL, 1));
}
END_TEST

struct rec {
	struct eml_buf got;
	int fail_at;		/* fail the write that starts at this byte */
	int closes;
	int close_rc;
};

static int
rec_write(void *ctx, const void *p, size_t n)
{
	struct rec *r = ctx;

	if (r->fail_at >= 0 && r->got.len + n > (size_t)r->fail_at)
		return EML_EIO;
	eml_buf_add(&r->got, p, n);
	return (int)n;		/* a positive count is success too */
}

static int
rec_close(void *ctx)
{
	struct rec *r = ctx;

	r->closes++;
	return r->close_rc;
}

START_TEST(test_cb)
{
	struct rec r = { { 0 }, -1, 0, EML_OK };
	struct eml_sink *s;

	s = eml_sink_cb(rec_write, rec_close, &r);
	ck_assert_int_eq(eml_sink_puts(s, "hello"), EML_OK);
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	ck_assert_int_eq(r.closes, 1);
	ck_assert_str_eq(r.got.data, "hello");
	/* the close callback's error is close's result */
	r.close_rc = EML_ELIMIT;
	s = eml_sink_cb(rec_write, rec_close, &r);
	ck_assert_int_eq(eml_sink_close(s), EML_ELIMIT);
	ck_assert_int_eq(r.closes, 2);
	/* after a write error: no close callback, the error is returned */
	r.close_rc = EML_OK;
	r.fail_at = 8;
	s = eml_sink_cb(rec_write, rec_close, &r);
	ck_assert_int_eq(eml_sink_puts(s, "abcd"), EML_EIO);
	ck_assert_int_eq(eml_sink_puts(s, "x"), EML_EIO);
	ck_assert_int_eq(eml_sink_close(s), EML_EIO);
	ck_assert_int_eq(r.closes, 2);
	/* abort never calls close */
	r.fail_at = -1;
	s = eml_sink_cb(rec_write, rec_close, &r);
	eml_sink_abort(s);
	ck_assert_int_eq(r.closes, 2);
	/* close may be NULL */
	s = eml_sink_cb(rec_write, NULL, &r);
	ck_assert_int_eq(eml_sink_puts(s, "!"), EML_OK);
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	ck_assert_str_eq(r.got.data, "hello!");
	ck_assert_ptr_null(eml_sink_cb(NULL, NULL, NULL));
	eml_buf_free(&r.got);
}
END_TEST

/* An error behind a filter comes back through it and stays; the close
 * of the chain reports it and skips the finishing writes. */
START_TEST(test_chain_error)
{
	struct rec r = { { 0 }, 3, 0, EML_OK };
	struct eml_sink *s;

	s = eml_filter_dotstuff(eml_sink_cb(rec_write, rec_close, &r));
	ck_assert_int_eq(eml_sink_puts(s, "ab"), EML_OK);
	ck_assert_int_eq(eml_sink_puts(s, "cd"), EML_EIO);
	ck_assert_int_eq(eml_sink_puts(s, "ef"), EML_EIO);
	ck_assert_uint_eq(eml_sink_bytes(s), 2);
	ck_assert_int_eq(eml_sink_close(s), EML_EIO);
	ck_assert_int_eq(r.closes, 0);
	ck_assert_str_eq(r.got.data, "ab");
	/* an error raised at close (the finishing write) */
	eml_buf_reset(&r.got);
	r.fail_at = 2;
	s = eml_filter_dotstuff(eml_sink_cb(rec_write, rec_close, &r));
	ck_assert_int_eq(eml_sink_puts(s, "ab"), EML_OK);
	ck_assert_int_eq(eml_sink_close(s), EML_EIO);
	ck_assert_int_eq(r.closes, 0);
	eml_buf_free(&r.got);
}
END_TEST

/* A full disk is an error with errno ENOSPC, never silent truncation;
 * errno survives later calls on the failed sink. */
START_TEST(test_full)
{
	char block[4096];
	struct eml_sink *s;
	int fd, r = EML_OK, i;

	fd = open("/dev/full", O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "check_sink: no /dev/full, skipped\n");
		return;
	}
	memset(block, 'x', sizeof(block));
	s = eml_filter_eol(eml_sink_fd(fd), 1);
	ck_assert_ptr_nonnull(s);
	for (i = 0; i < 10 && r == EML_OK; i++)
		r = eml_sink_write(s, block, sizeof(block));
	ck_assert_int_eq(r, EML_EIO);
	ck_assert_int_eq(errno, ENOSPC);
	errno = 0;
	ck_assert_int_eq(eml_sink_write(s, "y", 1), EML_EIO);
	ck_assert_int_eq(errno, ENOSPC);
	errno = 0;
	ck_assert_int_eq(eml_sink_close(s), EML_EIO);
	ck_assert_int_eq(errno, ENOSPC);
	/* and at close, when only the finishing bytes fail */
	s = eml_filter_dotstuff(eml_sink_fd(fd));
	errno = 0;
	ck_assert_int_eq(eml_sink_close(s), EML_EIO);
	ck_assert_int_eq(errno, ENOSPC);
	close(fd);
}
END_TEST

static volatile sig_atomic_t ticks;

static void
on_alarm(int sig)
{
	(void)sig;
	ticks++;
}

/*
 * A slow reader and a timer signal without SA_RESTART: the writes are
 * interrupted (EINTR) and cut short, and every byte still arrives once,
 * in order.
 */
START_TEST(test_fd_interrupted)
{
	enum { TOTAL = 8 << 20 };
	struct sigaction sa, old;
	struct itimerval it = { { 0, 500 }, { 0, 500 } }, off = { { 0, 0 },
	    { 0, 0 } };
	int data[2], back[2], st;
	unsigned long sum = 0, got = 0;
	unsigned char *buf;
	struct eml_sink *s;
	size_t i;
	pid_t pid;

	ck_assert_int_eq(pipe(data), 0);
	ck_assert_int_eq(pipe(back), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		unsigned char rb[777];
		unsigned long cs = 0, pos = 0;
		ssize_t n;

		close(data[1]);
		close(back[0]);
		while ((n = read(data[0], rb, sizeof(rb))) > 0) {
			for (i = 0; i < (size_t)n; i++, pos++)
				cs = cs * 31 + rb[i] + pos;
			if (pos % 65536 < (unsigned long)n)
				usleep(200);
		}
		if (write(back[1], &cs, sizeof(cs)) != sizeof(cs) ||
		    write(back[1], &pos, sizeof(pos)) != sizeof(pos))
			_exit(1);
		_exit(0);
	}
	close(data[0]);
	close(back[1]);
	buf = malloc(TOTAL);
	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < TOTAL; i++) {
		buf[i] = (unsigned char)(i * 7 + (i >> 9));
		sum = sum * 31 + buf[i] + i;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART */
	sigaction(SIGALRM, &sa, &old);
	setitimer(ITIMER_REAL, &it, NULL);
	s = eml_sink_fd(data[1]);
	for (i = 0; i < TOTAL; i += 1 << 20)
		ck_assert_int_eq(eml_sink_write(s, buf + i, 1 << 20), EML_OK);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	close(data[1]);
	ck_assert_int_eq(read(back[0], &got, sizeof(got)), sizeof(got));
	ck_assert_uint_eq(got, sum);
	ck_assert_int_eq(read(back[0], &got, sizeof(got)), sizeof(got));
	ck_assert_uint_eq(got, TOTAL);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_gt(ticks, 0);	/* the signals did come */
	close(back[0]);
	free(buf);
}
END_TEST

/* ---- the streaming writer ---- */

/* A file of n pseudo-random bytes; its descriptor, at offset 0. */
static int
data_file(char *path, size_t n, unsigned seed)
{
	unsigned char buf[65536];
	uint32_t x = seed * 2654435761u + 1;
	size_t i, k;
	int fd;

	strcpy(path, "/tmp/eml_sink_data_XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	for (i = 0; i < n; i += k) {
		size_t j;

		k = n - i < sizeof(buf) ? n - i : sizeof(buf);
		for (j = 0; j < k; j++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[j] = (unsigned char)(x >> 7);
		}
		ck_assert_int_eq(write(fd, buf, k), (ssize_t)k);
	}
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static char *
read_fd(int fd, size_t *len_r)
{
	struct eml_buf b = { 0 };
	char tmp[65536];
	ssize_t k;

	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	while ((k = read(fd, tmp, sizeof(tmp))) > 0)
		ck_assert_int_eq(eml_buf_add(&b, tmp, (size_t)k), EML_OK);
	*len_r = b.len;
	return eml_buf_steal(&b);
}

static struct eml_build *
new_build(void)
{
	struct eml_build *b = eml_build_new();

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(eml_build_set_header(b, "From", "a@example.org"),
	    EML_OK);
	ck_assert_int_eq(eml_build_set_header(b, "Date",
	    "Tue, 1 Dec 2026 22:00:00 +0000"), EML_OK);
	ck_assert_int_eq(eml_build_set_header(b, "Message-ID", "<x@y>"),
	    EML_OK);
	return b;
}

/* An attachment read from a descriptor comes out whole: parse the
 * message and decode it back. */
START_TEST(test_build_attach_fd)
{
	enum { SIZE = 3 * 1024 * 1024 + 1 };
	char in_path[64], out_path[64], *msgbuf, *want;
	struct eml_bodies bodies;
	struct eml_build *b;
	struct eml_buf dec = { 0 };
	struct eml_sink *s;
	struct eml_msg *m;
	const char *bnd;
	size_t len, wlen, i;
	int in, out;

	in = data_file(in_path, SIZE, 7);
	want = read_fd(in, &wlen);
	ck_assert_uint_eq(wlen, SIZE);
	ck_assert_int_eq(lseek(in, 0, SEEK_SET), 0);
	b = new_build();
	ck_assert_int_eq(eml_build_set_text(b, "plain", "see attached\n", 13),
	    EML_OK);
	ck_assert_int_eq(eml_build_attach_fd(b, NULL, "data.bin", in),
	    EML_OK);
	strcpy(out_path, "/tmp/eml_sink_out_XXXXXX");
	out = mkstemp(out_path);
	ck_assert_int_ge(out, 0);
	unlink(out_path);
	s = eml_sink_fd(out);
	ck_assert_int_eq(eml_build_write_sink(b, "\r\n", s), EML_OK);
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	msgbuf = read_fd(out, &len);
	ck_assert_uint_gt(len, SIZE * 4 / 3);
	ck_assert_int_eq(eml_msg_parse_mem(msgbuf, len, NULL, &m), EML_OK);
	ck_assert_str_eq(m->root->info.ctype, "multipart/mixed");
	/* "=_emlkit_" and 128 bits in hex */
	bnd = m->root->info.boundary;
	ck_assert_uint_eq(strlen(bnd), 9 + 32);
	ck_assert(strncmp(bnd, "=_emlkit_", 9) == 0);
	ck_assert_uint_eq(strspn(bnd + 9, "0123456789abcdef"), 32);
	ck_assert_int_eq(eml_msg_bodies(m, &bodies), EML_OK);
	ck_assert_uint_eq(bodies.nattachments, 1);
	ck_assert_uint_eq(bodies.ntext, 1);
	ck_assert_int_eq(eml_node_decode(bodies.attachments[0], &dec),
	    EML_OK);
	ck_assert_uint_eq(dec.len, SIZE);
	ck_assert(memcmp(dec.data, want, SIZE) == 0);
	/* every line CRLF and at most 78 + 2 */
	for (i = 0; i < len; i++)
		if (msgbuf[i] == '\n')
			ck_assert(i > 0 && msgbuf[i - 1] == '\r');
	eml_bodies_free(&bodies);
	eml_msg_free(m);
	eml_build_free(b);
	eml_buf_free(&dec);
	free(msgbuf);
	free(want);
	close(in);
	close(out);
}
END_TEST

/* No output needs to fit in memory: a 64 MiB attachment from a file
 * written to a pipe costs a few MiB of peak RSS.  Measured in a fresh
 * child, so the peak is this write's alone. */
START_TEST(test_build_bounded)
{
	enum { SIZE = 64 * 1024 * 1024 };
	char path[64];
	int fd, p[2], st;
	long grown = -1;
	pid_t pid;

	fd = data_file(path, SIZE, 3);
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct rusage ru0, ru1;
		struct eml_build *b;
		struct eml_sink *s;
		int nul = open("/dev/null", O_WRONLY);
		long d;

		getrusage(RUSAGE_SELF, &ru0);
		b = new_build();
		s = eml_sink_fd(nul);
		if (eml_build_attach_fd(b, "application/octet-stream",
		    "big.bin", fd) != EML_OK ||
		    eml_build_write_sink(b, "\n", s) != EML_OK ||
		    eml_sink_close(s) != EML_OK)
			_exit(1);
		getrusage(RUSAGE_SELF, &ru1);
		d = ru1.ru_maxrss - ru0.ru_maxrss;	/* KiB */
		if (write(p[1], &d, sizeof(d)) != sizeof(d))
			_exit(1);
		_exit(lseek(fd, 0, SEEK_CUR) == SIZE ? 0 : 2);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &grown, sizeof(grown)), sizeof(grown));
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	fprintf(stderr, "check_sink: 64 MiB attachment written, peak RSS "
	    "grew %ld KiB\n", grown);
	ck_assert_int_lt(grown, 8 * 1024);
	close(p[0]);
	close(fd);
}
END_TEST

/* Replace every occurrence of the boundary of a in a by that of b. */
static void
same_boundary(struct eml_buf *a, const struct eml_buf *b)
{
	const char *pa = strstr(a->data, "boundary=\""), *pb;
	char ba[128], bb[128];
	struct eml_buf o = { 0 };
	size_t la, i;

	if (pa == NULL)
		return;
	pb = strstr(b->data, "boundary=\"");
	ck_assert_ptr_nonnull(pb);
	la = strcspn(pa + 10, "\"");
	snprintf(ba, sizeof(ba), "%.*s", (int)la, pa + 10);
	snprintf(bb, sizeof(bb), "%.*s", (int)strcspn(pb + 10, "\""),
	    pb + 10);
	for (i = 0; i < a->len; ) {
		if (a->len - i >= la && memcmp(a->data + i, ba, la) == 0) {
			eml_buf_adds(&o, bb);
			i += la;
		} else
			eml_buf_addc(&o, a->data[i++]);
	}
	eml_buf_free(a);
	*a = o;
}

static int
chunk_cb(void *ctx, const void *p, size_t n)
{
	return eml_buf_add(ctx, p, n);
}

/* The buffer writer and the sink writer agree, also through an SMTP
 * chain (dot-stuff, then unstuff on the other side). */
START_TEST(test_build_same)
{
	static const char *texts[] = { "plain ascii\n", ("caf\xc3\xa9 "
	    "\xe2\x82\xac\nsecond line\n"), "no eol", "\x01\x02\r\x03 binary",
	    "" };
	struct eml_buf a = { 0 }, c = { 0 };
	struct eml_build *b;
	struct eml_sink *s;
	size_t i, k;

	for (i = 0; i < 2 * EMLI_NELEM(texts); i++) {
		const char *t = texts[i % EMLI_NELEM(texts)];

		b = new_build();
		ck_assert_int_eq(eml_build_set_text(b, "plain", t, strlen(t)),
		    EML_OK);
		if (i >= EMLI_NELEM(texts)) {
			ck_assert_int_eq(eml_build_attach(b, "text/csv",
			    "r\xc3\xa9sum\xc3\xa9.csv", "a,b\n1,2\n", 8),
			    EML_OK);
			ck_assert_int_eq(eml_build_attach(b, "message/rfc822",
			    NULL, "Subject: inner\n\nbody\n", 21), EML_OK);
		}
		for (k = 0; k < 2; k++) {
			const char *eol = k ? "\r\n" : "\n";

			eml_buf_reset(&a);
			eml_buf_reset(&c);
			ck_assert_int_eq(eml_build_write(b, eol, &a), EML_OK);
			s = eml_filter_dotstuff(eml_filter_dotunstuff(
			    eml_sink_cb(chunk_cb, NULL, &c)));
			ck_assert_int_eq(eml_build_write_sink(b, eol, s),
			    EML_OK);
			ck_assert_int_eq(eml_sink_close(s), EML_OK);
			if (!k) {
				/* dot-stuffing made its line ends CRLF */
				struct eml_buf lf = { 0 };

				s = eml_filter_eol(eml_sink_buf(&lf), 0);
				ck_assert_int_eq(eml_sink_write(s, c.data,
				    c.len), EML_OK);
				ck_assert_int_eq(eml_sink_close(s), EML_OK);
				eml_buf_free(&c);
				c = lf;
			}
			same_boundary(&c, &a);
			ck_assert_str_eq(c.data, a.data);
		}
		eml_build_free(b);
	}
	eml_buf_free(&a);
	eml_buf_free(&c);
}
END_TEST

/* Content that holds the boundary prefix cannot take the boundary. */
START_TEST(test_build_boundary_content)
{
	static const char evil[] = "--=_emlkit_\n--=_emlkit_0123456789abcdef"
	    "0123456789abcdef--\n";
	struct eml_bodies bodies;
	struct eml_buf o = { 0 }, d = { 0 };
	struct eml_build *b = new_build();
	struct eml_msg *m;

	ck_assert_int_eq(eml_build_set_text(b, "plain", evil,
	    sizeof(evil) - 1), EML_OK);
	ck_assert_int_eq(eml_build_attach(b, "message/rfc822", "m.eml",
	    "Subject: x\n\n--=_emlkit_\n", 24), EML_OK);
	ck_assert_int_eq(eml_build_write(b, "\n", &o), EML_OK);
	ck_assert_int_eq(eml_msg_parse_mem(o.data, o.len, NULL, &m), EML_OK);
	ck_assert_int_eq(eml_msg_bodies(m, &bodies), EML_OK);
	ck_assert_uint_eq(bodies.ntext, 1);
	ck_assert_uint_eq(bodies.nattachments, 1);
	ck_assert_int_eq(eml_node_decode(bodies.text[0], &d), EML_OK);
	ck_assert_str_eq(d.data, evil);
	eml_bodies_free(&bodies);
	eml_msg_free(m);
	eml_build_free(b);
	eml_buf_free(&o);
	eml_buf_free(&d);
}
END_TEST

START_TEST(test_write_errors)
{
	static const char msg[] = "Content-Type: multipart/mixed; "
	    "boundary=b\n\npre\n--b\nA: 1\n\none\n--b--\nepi\n";
	struct eml_build *b = new_build();
	struct eml_buf o = { 0 };
	struct eml_sink *s;
	struct eml_msg *m;
	int dir, full;

	ck_assert_int_eq(eml_build_attach_fd(b, NULL, "x", -1), EML_EINVAL);
	/* a read error is the write's error */
	dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(dir, 0);
	ck_assert_int_eq(eml_build_attach_fd(b, NULL, "x", dir), EML_OK);
	s = eml_sink_buf(&o);
	ck_assert_int_eq(eml_build_write_sink(b, "\n", s), EML_EIO);
	ck_assert_int_eq(errno, EISDIR);
	eml_sink_abort(s);
	ck_assert_uint_gt(o.len, 0);	/* the sink got the part before */
	eml_buf_reset(&o);
	ck_assert_int_eq(lseek(dir, 0, SEEK_SET), 0);
	ck_assert_int_eq(eml_build_write(b, "\n", &o), EML_EIO);
	ck_assert_uint_eq(o.len, 0);	/* left as it was */
	close(dir);
	eml_build_free(b);
	/* the sink's error stops the writer */
	b = new_build();
	ck_assert_int_eq(eml_build_set_text(b, "plain", "x\n", 2), EML_OK);
	s = eml_filter_limit(eml_sink_buf(&o), 40);
	ck_assert_int_eq(eml_build_write_sink(b, "\n", s), EML_ELIMIT);
	eml_sink_abort(s);
	eml_build_free(b);
	/* eml_msg_write_sink gives the message back, and a full disk is
	 * an error */
	ck_assert_int_eq(eml_msg_parse_mem(msg, sizeof(msg) - 1, NULL, &m),
	    EML_OK);
	eml_buf_reset(&o);
	s = eml_sink_buf(&o);
	ck_assert_int_eq(eml_msg_write_sink(m, s), EML_OK);
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	ck_assert_str_eq(o.data, msg);
	if ((full = open("/dev/full", O_WRONLY)) >= 0) {
		s = eml_sink_fd(full);
		ck_assert_int_eq(eml_msg_write_sink(m, s), EML_EIO);
		ck_assert_int_eq(errno, ENOSPC);
		eml_sink_abort(s);
		close(full);
	}
	ck_assert_int_eq(eml_msg_write_sink(NULL, s), EML_EINVAL);
	eml_msg_free(m);
	eml_buf_free(&o);
}
END_TEST

Suite *
eml_sink_suite(void)
{
	Suite *s = suite_create("sink");
	TCase *tc = tcase_create("sink");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_buf);
	tcase_add_test(tc, test_cb);
	tcase_add_test(tc, test_chain_error);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_fd_interrupted);
	suite_add_tcase(s, tc);
	tc = tcase_create("writer");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_build_attach_fd);
	tcase_add_test(tc, test_build_bounded);
	tcase_add_test(tc, test_build_same);
	tcase_add_test(tc, test_build_boundary_content);
	tcase_add_test(tc, test_write_errors);
	suite_add_tcase(s, tc);
	return s;
}
