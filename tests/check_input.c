/*
 * check_input.c - eml_input_*: plain files, pipes, gzip (one and several
 * members, corrupt, truncated), peek, slurp.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "eml.h"
#include "check_util.h"

static char tmpdir[64];

static void
setup(void)
{
	strcpy(tmpdir, "/tmp/eml_input_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

/* gzip data into out (one member). */
static void
gzl(const void *in, size_t len, struct eml_buf *out, int level)
{
	z_stream zs;
	char *w;

	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS,
	    8, Z_DEFAULT_STRATEGY), Z_OK);
	w = eml_buf_reserve(out, deflateBound(&zs, len));
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = len;
	zs.next_out = (Bytef *)w;
	zs.avail_out = deflateBound(&zs, len);
	ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	out->len += zs.total_out;
	deflateEnd(&zs);
}

static void
gz(const void *in, size_t len, struct eml_buf *out)
{
	gzl(in, len, out, 6);
}

static char *
put(const char *name, const void *data, size_t len)
{
	static char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

/* Read everything with reads of step bytes. */
static void
read_all(struct eml_input *in, size_t step, struct eml_buf *out)
{
	long n;
	char *w;

	for (;;) {
		w = eml_buf_reserve(out, step);
		n = eml_input_read(in, w, step);
		ck_assert_int_ge(n, 0);
		if (n == 0)
			break;
		out->len += (size_t)n;
	}
	out->data[out->len] = '\0';
}

/* Pseudo-random mail-like text. */
static void
text(struct eml_buf *b, size_t len)
{
	uint32_t x = 12345;

	while (b->len < len) {
		x = x * 1103515245 + 12345;
		eml_buf_addc(b, (x >> 16) % 11 == 0 ? '\n' :
		    'a' + (x >> 16) % 26);
	}
}

static const char msg[] = "From: a@b\nSubject: hi\n\nbody\n";

START_TEST(test_plain)
{
	struct eml_input *in;
	struct eml_buf out = { 0 };
	char pk[16];
	const char *buf;
	size_t len;

	ck_assert_int_eq(eml_input_open(put("m", msg, sizeof(msg) - 1), &in),
	    EML_OK);
	ck_assert_int_eq(eml_input_is_gzip(in), 0);
	ck_assert_int_eq(eml_input_peek(in, pk, 5), 5);
	ck_assert(memcmp(pk, "From:", 5) == 0);
	ck_assert_int_eq(eml_input_peek(in, pk, 16), 16);
	read_all(in, 3, &out);
	ck_assert_str_eq(out.data, msg);
	eml_input_close(in);

	/* slurp after a peek still gives everything (mmap) */
	ck_assert_int_eq(eml_input_open(put("m", msg, sizeof(msg) - 1), &in),
	    EML_OK);
	ck_assert_int_eq(eml_input_peek(in, pk, 5), 5);
	ck_assert_int_eq(eml_input_slurp(in, &buf, &len), EML_OK);
	ck_assert_uint_eq(len, sizeof(msg) - 1);
	ck_assert(memcmp(buf, msg, len) == 0);
	eml_input_close(in);
	eml_buf_free(&out);
}
END_TEST

/* A read consumes: slurp gives what is left. */
START_TEST(test_slurp_rest)
{
	struct eml_input *in;
	char c[5];
	const char *buf;
	size_t len;

	ck_assert_int_eq(eml_input_open(put("m", msg, sizeof(msg) - 1), &in),
	    EML_OK);
	ck_assert_int_eq(eml_input_read(in, c, 5), 5);
	ck_assert_int_eq(eml_input_slurp(in, &buf, &len), EML_OK);
	ck_assert_uint_eq(len, sizeof(msg) - 6);
	ck_assert_str_eq(buf, msg + 5);
	ck_assert_int_eq(eml_input_slurp(in, &buf, &len), EML_EINVAL);
	eml_input_close(in);
}
END_TEST

START_TEST(test_empty)
{
	struct eml_input *in;
	char c[4];
	const char *buf;
	size_t len = 1;

	ck_assert_int_eq(eml_input_open(put("e", "", 0), &in), EML_OK);
	ck_assert_int_eq(eml_input_peek(in, c, 4), 0);
	ck_assert_int_eq(eml_input_read(in, c, 4), 0);
	eml_input_close(in);
	ck_assert_int_eq(eml_input_open(put("e", "", 0), &in), EML_OK);
	ck_assert_int_eq(eml_input_slurp(in, &buf, &len), EML_OK);
	ck_assert_uint_eq(len, 0);
	eml_input_close(in);
	/* one byte: too short for the gzip magic */
	ck_assert_int_eq(eml_input_open(put("e", "\x1f", 1), &in), EML_OK);
	ck_assert_int_eq(eml_input_is_gzip(in), 0);
	ck_assert_int_eq(eml_input_read(in, c, 4), 1);
	ck_assert_int_eq(c[0], 0x1f);
	eml_input_close(in);
}
END_TEST

START_TEST(test_errors)
{
	struct eml_input *in = (struct eml_input *)1;
	char path[128];

	snprintf(path, sizeof(path), "%s/nonexistent", tmpdir);
	ck_assert_int_eq(eml_input_open(path, &in), EML_EIO);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_null(in);
	ck_assert_int_eq(eml_input_open(tmpdir, &in), EML_EIO);
	ck_assert_int_eq(errno, EISDIR);
	ck_assert_int_eq(eml_input_fd(-1, 0, &in), EML_EINVAL);
	eml_input_close(NULL);
}
END_TEST

/* step sizes for reading gzip data */
static const size_t steps[] = { 1, 7, 4096, 65536, 1 << 20 };

START_TEST(test_gzip)
{
	struct eml_buf plain = { 0 }, z = { 0 }, out = { 0 };
	struct eml_input *in;
	const char *buf;
	size_t len;
	char pk[8];

	text(&plain, 300000);
	gz(plain.data, plain.len, &z);
	ck_assert_int_eq(eml_input_open(put("m.gz", z.data, z.len), &in),
	    EML_OK);
	ck_assert_int_eq(eml_input_is_gzip(in), 1);
	ck_assert_int_eq(eml_input_peek(in, pk, 8), 8);
	ck_assert(memcmp(pk, plain.data, 8) == 0);
	read_all(in, steps[_i], &out);
	ck_assert_uint_eq(out.len, plain.len);
	ck_assert(memcmp(out.data, plain.data, plain.len) == 0);
	eml_input_close(in);

	ck_assert_int_eq(eml_input_open(put("m.gz", z.data, z.len), &in),
	    EML_OK);
	ck_assert_int_eq(eml_input_slurp(in, &buf, &len), EML_OK);
	ck_assert_uint_eq(len, plain.len);
	ck_assert(memcmp(buf, plain.data, len) == 0);
	eml_input_close(in);
	eml_buf_free(&plain);
	eml_buf_free(&z);
	eml_buf_free(&out);
}
END_TEST

/* "cat a.gz b.gz c.gz" is one gzip file; trailing zeros are ignored. */
START_TEST(test_gzip_members)
{
	struct eml_buf z = { 0 }, out = { 0 }, big = { 0 };
	struct eml_input *in;

	text(&big, 100000);
	gz("one\n", 4, &z);
	gz(big.data, big.len, &z);
	gz("", 0, &z);
	gz("three\n", 6, &z);
	eml_buf_add(&z, "\0\0\0\0", 4);
	ck_assert_int_eq(eml_input_open(put("m.gz", z.data, z.len), &in),
	    EML_OK);
	read_all(in, steps[_i], &out);
	ck_assert_uint_eq(out.len, 4 + big.len + 6);
	ck_assert(memcmp(out.data, "one\n", 4) == 0);
	ck_assert(memcmp(out.data + 4, big.data, big.len) == 0);
	ck_assert(memcmp(out.data + 4 + big.len, "three\n", 6) == 0);
	eml_input_close(in);
	eml_buf_free(&z);
	eml_buf_free(&out);
	eml_buf_free(&big);
}
END_TEST

/* The second member's magic straddles two raw reads: the first raw read
 * is 4096 bytes, so a first member of 4095 bytes puts 0x1f last in it. */
START_TEST(test_gzip_straddle)
{
	struct eml_buf z = { 0 }, out = { 0 }, data = { 0 };
	struct eml_input *in;
	size_t l;

	text(&data, 8000);
	for (l = 4000; l < 4095; l++) {
		eml_buf_reset(&z);
		gzl(data.data, l, &z, 0);
		if (z.len == 4095)
			break;
	}
	ck_assert_uint_eq(z.len, 4095);
	gz("tail\n", 5, &z);
	ck_assert_int_eq(eml_input_open(put("s.gz", z.data, z.len), &in),
	    EML_OK);
	read_all(in, 100, &out);
	ck_assert_uint_eq(out.len, l + 5);
	ck_assert(memcmp(out.data, data.data, l) == 0);
	ck_assert_str_eq(out.data + l, "tail\n");
	eml_input_close(in);
	eml_buf_free(&z);
	eml_buf_free(&out);
	eml_buf_free(&data);
}
END_TEST

START_TEST(test_gzip_bad)
{
	struct eml_buf plain = { 0 }, z = { 0 };
	struct eml_input *in;
	char buf[65536];
	long n;

	/* corrupt deflate data after a valid header */
	ck_assert_int_eq(eml_input_open(put("c.gz",
	    "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xff\xff\xff", 14),
	    &in), EML_OK);
	ck_assert_int_eq(eml_input_is_gzip(in), 1);
	ck_assert_int_eq(eml_input_read(in, buf, sizeof(buf)), EML_EIO);
	eml_input_close(in);

	/* truncated: an error at the end, not a silent short read */
	text(&plain, 50000);
	gz(plain.data, plain.len, &z);
	ck_assert_int_eq(eml_input_open(put("t.gz", z.data, z.len - 10),
	    &in), EML_OK);
	while ((n = eml_input_read(in, buf, sizeof(buf))) > 0)
		;
	ck_assert_int_eq(n, EML_EIO);
	eml_input_close(in);
	eml_buf_free(&plain);
	eml_buf_free(&z);
}
END_TEST

/* Pipes: no mmap, read into memory; gzip through a pipe too.  The data
 * fits the pipe buffer so no writer process is needed. */
START_TEST(test_pipe)
{
	struct eml_buf plain = { 0 }, z = { 0 };
	struct eml_input *in;
	const char *buf;
	size_t len;
	int fds[2];
	int gzip = _i;

	text(&plain, gzip ? 40000 : 30000);
	if (gzip)
		gz(plain.data, plain.len, &z);
	else
		eml_buf_add(&z, plain.data, plain.len);
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], z.data, z.len), (ssize_t)z.len);
	close(fds[1]);
	ck_assert_int_eq(eml_input_fd(fds[0], 1, &in), EML_OK);
	ck_assert_int_eq(eml_input_is_gzip(in), gzip);
	ck_assert_int_eq(eml_input_slurp(in, &buf, &len), EML_OK);
	ck_assert_uint_eq(len, plain.len);
	ck_assert(memcmp(buf, plain.data, len) == 0);
	ck_assert(buf[len] == '\0');
	eml_input_close(in);	/* closes fds[0] */
	ck_assert_int_eq(close(fds[0]), -1);
	eml_buf_free(&plain);
	eml_buf_free(&z);
}
END_TEST

/* A descriptor not at offset 0: input starts where it stands. */
START_TEST(test_fd_offset)
{
	struct eml_input *in;
	const char *buf;
	size_t len;
	int fd = open(put("m", msg, sizeof(msg) - 1), O_RDONLY);

	ck_assert_int_eq(lseek(fd, 6, SEEK_SET), 6);
	ck_assert_int_eq(eml_input_fd(fd, 0, &in), EML_OK);
	ck_assert_int_eq(eml_input_slurp(in, &buf, &len), EML_OK);
	ck_assert_uint_eq(len, sizeof(msg) - 7);
	ck_assert(memcmp(buf, msg + 6, len) == 0);
	eml_input_close(in);
	ck_assert_int_eq(close(fd), 0);	/* not owned: still open */
}
END_TEST

/* From_ line times: asctime as qmail/Postfix write it, with a zone or
 * "remote from" after it, without seconds; others are unknown. */
static const struct {
	const char *line;
	int ok;
	long long t;		/* expected, from date -u -d ... +%s */
} from_times[] = {
	{ "From a@b Tue Dec  1 08:00:00 2026", 1, 1796112000LL },
	{ "From a@b  Thu Feb 29 23:59:59 2024", 1, 1709251199LL },
	{ "From MAILER-DAEMON Thu Jan  1 00:00:00 1970", 1, 0 },
	{ "From a@b Sat Mar  1 12:30 2025", 1, 1740832200LL },
	{ "From a@b Tue Dec  1 08:00:00 2026 +0100", 1, 1796112000LL },
	{ "From a@b Tue Dec 01 08:00:00 2026 remote from x", 1, 1796112000LL },
	{ "From a b c Mon Jan 31 01:02:03 2000", 1, 949280523LL },
	{ "From a@b", 0, 0 },
	{ "From a@b Tue Xyz  1 08:00:00 2026", 0, 0 },
	{ "From a@b Tue Dec 32 08:00:00 2026", 0, 0 },
	{ "From a@b Tue Dec  1 25:00:00 2026", 0, 0 },
	{ "Subject: Tue Dec  1 08:00:00 2026", 0, 0 },
};

START_TEST(test_from_time)
{
	const char *l = from_times[_i].line;
	time_t t = 1;
	int r = eml_mbox_from_time(l, strlen(l), &t);

	ck_assert_msg((r == EML_OK) == from_times[_i].ok, "%s", l);
	if (from_times[_i].ok)
		ck_assert_msg((long long)t == from_times[_i].t, "%s: %lld", l,
		    (long long)t);
}
END_TEST

/* Random From_ lines, exactly sized allocations: no read past the end
 * (ASan), and a time only for a date this recognises. */
START_TEST(test_from_time_random)
{
	static const char alpha[] = "From Tue Dec 1 08:00:59 2026 @a:0123456789";
	unsigned seed = 777, i, k, n;
	time_t t;
	char *l;

	for (i = 0; i < 5000; i++) {
		n = ((seed = seed * 1103515245 + 12345) >> 16) % 48;
		l = malloc(n ? n : 1);
		for (k = 0; k < n; k++) {
			seed = seed * 1103515245 + 12345;
			l[k] = alpha[(seed >> 16) % (sizeof(alpha) - 1)];
		}
		if (n >= 5)
			memcpy(l, "From ", 5);
		(void)eml_mbox_from_time(l, n, &t);
		free(l);
	}
}
END_TEST

Suite *
eml_input_suite(void)
{
	Suite *s = suite_create("input");
	TCase *tc = tcase_create("input");
	size_t ns = sizeof(steps) / sizeof(steps[0]);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_slurp_rest);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_errors);
	tcase_add_loop_test(tc, test_gzip, 0, ns);
	tcase_add_loop_test(tc, test_gzip_members, 0, ns);
	tcase_add_test(tc, test_gzip_straddle);
	tcase_add_test(tc, test_gzip_bad);
	tcase_add_loop_test(tc, test_pipe, 0, 2);
	tcase_add_test(tc, test_fd_offset);
	tcase_add_loop_test(tc, test_from_time, 0,
	    sizeof(from_times) / sizeof(from_times[0]));
	tcase_add_test(tc, test_from_time_random);
	suite_add_tcase(s, tc);
	return s;
}
