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
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eml.h"
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
	return s;
}
