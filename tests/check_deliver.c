/*
 * check_deliver.c - the mailbox delivery sinks: Maildir from a stream
 * (unique names, tmp then new, nothing left behind on abort or error,
 * several processes at once) and mbox append (mboxrd quoting read back
 * by our reader, abort truncates, dot-lock and fcntl lock honoured,
 * concurrent appenders serialised).
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "eml.h"
#include "eml_priv.h"
#include "check_util.h"

static char tmpdir[64];
static char md[128];
static char mb[128];

static void
setup(void)
{
	strcpy(tmpdir, "/tmp/eml_deliver_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(md, sizeof(md), "%s/Maildir", tmpdir);
	snprintf(mb, sizeof(mb), "%s/mbox", tmpdir);
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

/* Entries of md/sub (dot files skipped). */
static size_t
count(const char *sub)
{
	char path[256];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", md, sub);
	if ((d = opendir(path)) == NULL)
		return (size_t)-1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Write p[0..n) in chunks of 1, 2, 3, ... bytes. */
static int
write_chunked(struct eml_sink *s, const char *p, size_t n)
{
	size_t i, k = 1;
	int r;

	for (i = 0; i < n; i += k, k++) {
		if (k > n - i)
			k = n - i;
		if ((r = eml_sink_write(s, p + i, k)) != EML_OK)
			return r;
	}
	return EML_OK;
}

/* time.M<6 digits>P<pid>Q<n>.host */
static void
check_name(const char *name)
{
	const char *p = name;

	ck_assert(*p >= '1' && *p <= '9');
	while (*p >= '0' && *p <= '9')
		p++;
	ck_assert_msg(strncmp(p, ".M", 2) == 0, "name %s", name);
	p += 2;
	ck_assert_uint_eq(strspn(p, "0123456789"), 6);
	p += 6;
	ck_assert(*p++ == 'P');
	ck_assert_uint_ge(strspn(p, "0123456789"), 1);
	p += strspn(p, "0123456789");
	ck_assert(*p++ == 'Q');
	ck_assert_uint_ge(strspn(p, "0123456789"), 1);
	p += strspn(p, "0123456789");
	ck_assert(*p++ == '.');
	ck_assert(*p != '\0');
	ck_assert_ptr_null(strpbrk(p, "/:,"));
}

START_TEST(test_maildir_stream)
{
	struct eml_buf msg = { 0 };
	char *name = (char *)1, path[512], *data;
	struct eml_sink *s;
	struct stat st;
	size_t i, len;
	int err = 1;

	for (i = 0; i < 5000; i++)
		eml_buf_adds(&msg, i ? "line of the body\n" :
		    "Subject: big\n\n");
	s = eml_sink_maildir(md, 1, &name, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(err, EML_OK);
	ck_assert_ptr_null(name);	/* set at close */
	ck_assert_int_eq(write_chunked(s, msg.data, msg.len), EML_OK);
	/* still in tmp/ while being written */
	ck_assert_uint_eq(count("tmp"), 1);
	ck_assert_uint_eq(count("new"), 0);
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	ck_assert_ptr_nonnull(name);
	check_name(name);
	ck_assert_uint_eq(count("tmp"), 0);
	ck_assert_uint_eq(count("new"), 1);
	snprintf(path, sizeof(path), "%s/new/%s", md, name);
	data = tu_slurp(path, &len);
	ck_assert_ptr_nonnull(data);
	ck_assert_uint_eq(len, msg.len);
	ck_assert(memcmp(data, msg.data, len) == 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 077, 0);
	free(data);
	free(name);
	eml_buf_free(&msg);
}
END_TEST

/* Abort, or an error in the chain in front: new/ gets nothing, tmp/ is
 * cleaned. */
START_TEST(test_maildir_discard)
{
	struct eml_sink *s;
	char *name = NULL;
	int err;

	s = eml_sink_maildir(md, 1, &name, &err);
	ck_assert_int_eq(eml_sink_puts(s, "Subject: x\n\nhalf"), EML_OK);
	ck_assert_uint_eq(count("tmp"), 1);
	eml_sink_abort(s);
	ck_assert_uint_eq(count("tmp"), 0);
	ck_assert_uint_eq(count("new"), 0);
	ck_assert_ptr_null(name);
	s = eml_filter_limit(eml_sink_maildir(md, 0, &name, &err), 10);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(eml_sink_puts(s, "Subject: x\n"), EML_ELIMIT);
	ck_assert_int_eq(eml_sink_close(s), EML_ELIMIT);
	ck_assert_uint_eq(count("tmp"), 0);
	ck_assert_uint_eq(count("new"), 0);
	ck_assert_ptr_null(name);
	/* an error at the filter's close (cut-short SMTP data) too */
	s = eml_filter_dotunstuff(eml_sink_maildir(md, 0, &name, &err));
	ck_assert_int_eq(eml_sink_puts(s, "Subject: x\r\n\r\nbody\r\n"),
	    EML_OK);
	ck_assert_int_eq(eml_sink_close(s), EML_EFORMAT);
	ck_assert_uint_eq(count("tmp"), 0);
	ck_assert_uint_eq(count("new"), 0);
	/* and the good case through the same filter */
	s = eml_filter_dotunstuff(eml_sink_maildir(md, 0, &name, &err));
	ck_assert_int_eq(eml_sink_puts(s, "A: b\r\n\r\n..x\r\n.\r\n"), EML_OK);
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	ck_assert_uint_eq(count("new"), 1);
	free(name);
}
END_TEST

START_TEST(test_maildir_errors)
{
	char *name = (char *)1;
	int err = 0;

	ck_assert_ptr_null(eml_sink_maildir(md, 0, &name, &err));
	ck_assert_int_eq(err, EML_EIO);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_null(name);
	ck_assert_ptr_null(eml_sink_maildir(NULL, 1, NULL, &err));
	ck_assert_int_eq(err, EML_EINVAL);
	ck_assert_ptr_null(eml_sink_maildir("", 1, NULL, NULL));
}
END_TEST

START_TEST(test_maildir_host)
{
	char out[64];

	emli_maildir_host("a/b:c,d.example", out, sizeof(out));
	ck_assert_str_eq(out, "a\\057b\\072c\\054d.example");
	emli_maildir_host("plain", out, sizeof(out));
	ck_assert_str_eq(out, "plain");
	/* bounded */
	emli_maildir_host("////////////////", out, 12);
	ck_assert_uint_lt(strlen(out), 12);
}
END_TEST

/* Many deliveries in a row and from several processes: every one gets a
 * name of its own (the Q counter, the pid). */
START_TEST(test_maildir_unique)
{
	enum { KIDS = 4, EACH = 100 };
	pid_t pid[KIDS];
	int i, j, st;

	ck_assert_int_eq(eml_maildir_deliver(md, "x", 1, 1, NULL), EML_OK);
	for (i = 0; i < KIDS; i++) {
		pid[i] = fork();
		ck_assert_int_ge(pid[i], 0);
		if (pid[i] == 0) {
			for (j = 0; j < EACH; j++)
				if (eml_maildir_deliver(md, "y\n", 2, 0,
				    NULL) != EML_OK)
					_exit(1);
			_exit(0);
		}
	}
	for (j = 0; j < EACH; j++)
		ck_assert_int_eq(eml_maildir_deliver(md, "z", 1, 0, NULL),
		    EML_OK);
	for (i = 0; i < KIDS; i++) {
		ck_assert_int_eq(waitpid(pid[i], &st, 0), pid[i]);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	ck_assert_uint_eq(count("new"), 1 + (KIDS + 1) * EACH);
	ck_assert_uint_eq(count("tmp"), 0);
}
END_TEST

/* ---- mbox ---- */

#define MAXMSG	256

struct readback {
	size_t n;
	char *from[MAXMSG];
	struct eml_buf msg[MAXMSG];
};

static void
readback(const char *path, struct readback *rb)
{
	struct eml_mbox_event ev;
	struct eml_mbox *m;
	size_t len;
	char *data = tu_slurp(path, &len);
	int r;

	memset(rb, 0, sizeof(*rb));
	ck_assert_ptr_nonnull(data);
	m = eml_mbox_new(EML_MBOX_RD);
	ck_assert_int_eq(eml_mbox_feed(m, data, len), EML_OK);
	ck_assert_int_eq(eml_mbox_finish(m), EML_OK);
	while ((r = eml_mbox_next(m, &ev)) > 0) {
		if (ev.type == EML_MBOX_BEGIN) {
			ck_assert_uint_lt(rb->n, MAXMSG);
			rb->from[rb->n++] = strndup(ev.data, ev.len);
		} else if (ev.type == EML_MBOX_DATA)
			eml_buf_add(&rb->msg[rb->n - 1], ev.data, ev.len);
	}
	ck_assert_int_eq(r, 0);
	eml_mbox_free(m);
	free(data);
}

static void
readback_free(struct readback *rb)
{
	size_t i;

	for (i = 0; i < rb->n; i++) {
		free(rb->from[i]);
		eml_buf_free(&rb->msg[i]);
	}
}

static const char *const mbox_msgs[] = {
	("Subject: one\n\nFrom the start\n>From quoted\n>>>From deep\n"
	    "Fro\nFrom\n\n\nend\n"),
	"Subject: two\r\n\r\nFrom crlf\r\n",
	"Subject: three\n\nno line end",
	"",
	"From x\n",
};

/* What the sink appends, our mboxrd reader gives back exactly. */
START_TEST(test_mbox_append)
{
	struct readback rb;
	struct eml_sink *s;
	struct stat st;
	char lock[160];
	size_t i;
	int err;

	for (i = 0; i < EMLI_NELEM(mbox_msgs); i++) {
		s = eml_sink_mbox(mb, "From a@b Thu Jan  1 00:00:00 1970\n",
		    0, &err);
		ck_assert_ptr_nonnull(s);
		ck_assert_int_eq(write_chunked(s, mbox_msgs[i],
		    strlen(mbox_msgs[i])), EML_OK);
		ck_assert_int_eq(eml_sink_close(s), EML_OK);
	}
	snprintf(lock, sizeof(lock), "%s.lock", mb);
	ck_assert_int_ne(stat(lock, &st), 0);	/* unlocked */
	ck_assert_int_eq(stat(mb, &st), 0);
	ck_assert_int_eq(st.st_mode & 077, 0);
	readback(mb, &rb);
	ck_assert_uint_eq(rb.n, EMLI_NELEM(mbox_msgs));
	for (i = 0; i < rb.n; i++) {
		ck_assert_str_eq(rb.from[i],
		    "From a@b Thu Jan  1 00:00:00 1970");
		/* a message without a final line end gets one */
		if (i == 2)
			ck_assert_str_eq(rb.msg[i].data,
			    "Subject: three\n\nno line end\n");
		else
			ck_assert_str_eq(rb.msg[i].len ? rb.msg[i].data : "",
			    mbox_msgs[i]);
	}
	readback_free(&rb);
	/* NULL from line: MAILER-DAEMON and a date */
	s = eml_sink_mbox(mb, NULL, EML_MBOX_NO_DOTLOCK, &err);
	ck_assert_int_eq(eml_sink_puts(s, "A: b\n\nc\n"), EML_OK);
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	readback(mb, &rb);
	ck_assert_uint_eq(rb.n, EMLI_NELEM(mbox_msgs) + 1);
	ck_assert(strncmp(rb.from[rb.n - 1], "From MAILER-DAEMON ", 19) == 0);
	ck_assert_str_eq(rb.msg[rb.n - 1].data, "A: b\n\nc\n");
	readback_free(&rb);
}
END_TEST

/* The filter alone, every chunking, agrees with eml_mbox_write. */
START_TEST(test_mbox_filter)
{
	struct eml_buf want = { 0 }, got = { 0 };
	struct eml_sink *s;
	size_t i, cut, len;
	const char *m;

	for (i = 0; i < EMLI_NELEM(mbox_msgs); i++) {
		m = mbox_msgs[i];
		len = strlen(m);
		eml_buf_reset(&want);
		ck_assert_int_eq(eml_mbox_write("From me", m, len, &want),
		    EML_OK);
		for (cut = 0; cut <= len + 1; cut++) {
			unsigned fl = len >= 2 && m[len - 1] == '\n' &&
			    m[len - 2] == '\r' ? EML_MBOX_CRLF : 0;

			eml_buf_reset(&got);
			s = eml_filter_mbox(eml_sink_buf(&got), "From me", fl);
			if (cut == len + 1)
				ck_assert_int_eq(write_chunked(s, m, len),
				    EML_OK);
			else {
				ck_assert_int_eq(eml_sink_write(s, m, cut),
				    EML_OK);
				ck_assert_int_eq(eml_sink_write(s, m + cut,
				    len - cut), EML_OK);
			}
			ck_assert_int_eq(eml_sink_close(s), EML_OK);
			ck_assert_uint_eq(got.len, want.len);
			ck_assert(memcmp(got.data, want.data, want.len) == 0);
		}
	}
	errno = 0;
	ck_assert_ptr_null(eml_filter_mbox(eml_sink_buf(&got), "Frm x", 0));
	ck_assert_int_eq(errno, EINVAL);
	eml_buf_free(&want);
	eml_buf_free(&got);
}
END_TEST

static off_t
fsize(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* Abort and errors put the file back as it was. */
START_TEST(test_mbox_discard)
{
	struct eml_sink *s;
	char *before, *after;
	size_t blen, alen;
	off_t old;
	int err;

	ck_assert_ptr_nonnull(s = eml_sink_mbox(mb, "From a", 0, &err));
	ck_assert_int_eq(eml_sink_puts(s, "A: 1\n\n1\n"), EML_OK);
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	before = tu_slurp(mb, &blen);
	old = fsize(mb);
	s = eml_sink_mbox(mb, "From b", 0, &err);
	ck_assert_int_eq(eml_sink_puts(s, "A: 2\n\nFrom here on\n"), EML_OK);
	eml_sink_abort(s);
	ck_assert_int_eq(fsize(mb), old);
	s = eml_filter_limit(eml_sink_mbox(mb, "From c", 0, &err), 12);
	ck_assert_int_eq(eml_sink_puts(s, "A: 3\n\n"), EML_OK);
	ck_assert_int_eq(eml_sink_puts(s, "too long\n"), EML_ELIMIT);
	ck_assert_int_eq(eml_sink_close(s), EML_ELIMIT);
	after = tu_slurp(mb, &alen);
	ck_assert_uint_eq(alen, blen);
	ck_assert(memcmp(before, after, blen) == 0);
	free(before);
	free(after);
	/* misuse */
	ck_assert_ptr_null(eml_sink_mbox(mb, "Frm x", 0, &err));
	ck_assert_int_eq(err, EML_EINVAL);
	ck_assert_ptr_null(eml_sink_mbox(tmpdir, NULL, 0, &err));
	ck_assert_int_eq(err, EML_EIO);		/* a directory: EISDIR */
	ck_assert_int_eq(fsize(mb), old);
}
END_TEST

/* A file not ending in a blank line gets one first, so the new message
 * is a message of its own when read back. */
START_TEST(test_mbox_tail)
{
	static const char *const tails[] = { "From x\nA: b\n\nbody",
	    "From x\nA: b\n\nbody\n", "From x\r\nA: b\r\n\r\nbody\r\n\r\n" };
	struct readback rb;
	struct eml_sink *s;
	size_t i;
	int err, fd;

	for (i = 0; i < EMLI_NELEM(tails); i++) {
		fd = open(mb, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, tails[i], strlen(tails[i])),
		    (ssize_t)strlen(tails[i]));
		close(fd);
		s = eml_sink_mbox(mb, "From y", 0, &err);
		ck_assert_int_eq(eml_sink_puts(s, "C: d\n\nnew\n"), EML_OK);
		ck_assert_int_eq(eml_sink_close(s), EML_OK);
		readback(mb, &rb);
		ck_assert_uint_eq(rb.n, 2);
		ck_assert_str_eq(rb.from[1], "From y");
		ck_assert_str_eq(rb.msg[1].data, "C: d\n\nnew\n");
		ck_assert(strncmp(rb.msg[0].data, "A: b", 4) == 0);
		readback_free(&rb);
	}
}
END_TEST

static double
now_s(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/* A dot-lock someone holds is waited for, then given up on with
 * EAGAIN; a stale one (older than 1024 s) is taken over. */
START_TEST(test_mbox_dotlock)
{
	struct timeval tv[2];
	struct eml_sink *s;
	char lock[160];
	struct stat st;
	double t0;
	int fd, err;

	snprintf(lock, sizeof(lock), "%s.lock", mb);
	fd = open(lock, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	t0 = now_s();
	ck_assert_ptr_null(eml_sink_mbox(mb, "From a", 0, &err));
	ck_assert_int_eq(err, EML_EIO);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert(now_s() - t0 >= 1.5);
	ck_assert_int_eq(stat(lock, &st), 0);	/* not ours to remove */
	ck_assert_int_eq(fsize(mb), -1);	/* file not even created */
	/* without the dot-lock the fcntl lock alone is used */
	s = eml_sink_mbox(mb, "From a", EML_MBOX_NO_DOTLOCK, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	/* stale */
	tv[0].tv_sec = tv[1].tv_sec = time(NULL) - 2000;
	tv[0].tv_usec = tv[1].tv_usec = 0;
	ck_assert_int_eq(utimes(lock, tv), 0);
	s = eml_sink_mbox(mb, "From b", 0, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(stat(lock, &st), 0);	/* ours now */
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	ck_assert_int_ne(stat(lock, &st), 0);
}
END_TEST

/* An fcntl lock held by another process is honoured. */
START_TEST(test_mbox_fcntl)
{
	int go[2], ready[2], fd, err, st;
	struct eml_sink *s;
	struct flock fl;
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fd = open(mb, O_RDWR | O_CREAT, 0600);
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fd < 0 || fcntl(fd, F_SETLK, &fl) != 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_ptr_null(eml_sink_mbox(mb, "From a", 0, &err));
	ck_assert_int_eq(err, EML_EIO);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	s = eml_sink_mbox(mb, "From a", 0, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
}
END_TEST

/* Appenders in several processes at once: the locks serialise them, so
 * every message reads back whole. */
START_TEST(test_mbox_concurrent)
{
	enum { KIDS = 4, EACH = 25 };
	unsigned seen[KIDS][EACH];
	struct readback rb;
	pid_t pid[KIDS];
	char body[4096];
	unsigned k, j;
	size_t i;
	int st;

	for (k = 0; k < KIDS; k++) {
		pid[k] = fork();
		ck_assert_int_ge(pid[k], 0);
		if (pid[k] != 0)
			continue;
		for (j = 0; j < EACH; j++) {
			struct eml_sink *s;
			int err, n;

			s = eml_sink_mbox(mb, "From kid", 0, &err);
			if (s == NULL)
				_exit(1);
			n = snprintf(body, sizeof(body), "X-Id: %u %u\n\n", k,
			    j);
			/* big enough to need several writes; with From
			 * lines to quote */
			for (i = 0; i < 40; i++)
				n += snprintf(body + n, sizeof(body) - n,
				    "From line %zu of %u/%u\n", i, k, j);
			for (i = 0; i < (size_t)n; i += 7)
				if (eml_sink_write(s, body + i, EMLI_MIN(7,
				    (size_t)n - i)) != EML_OK)
					_exit(1);
			if (eml_sink_close(s) != EML_OK)
				_exit(1);
		}
		_exit(0);
	}
	for (k = 0; k < KIDS; k++) {
		ck_assert_int_eq(waitpid(pid[k], &st, 0), pid[k]);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	readback(mb, &rb);
	ck_assert_uint_eq(rb.n, KIDS * EACH);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < rb.n; i++) {
		int n;

		ck_assert_int_eq(sscanf(rb.msg[i].data, "X-Id: %u %u", &k,
		    &j), 2);
		ck_assert(k < KIDS && j < EACH);
		seen[k][j]++;
		n = snprintf(body, sizeof(body), "X-Id: %u %u\n\n", k, j);
		for (st = 0; st < 40; st++)
			n += snprintf(body + n, sizeof(body) - n,
			    "From line %d of %u/%u\n", st, k, j);
		ck_assert_str_eq(rb.msg[i].data, body);
	}
	for (k = 0; k < KIDS; k++)
		for (j = 0; j < EACH; j++)
			ck_assert_uint_eq(seen[k][j], 1);
	readback_free(&rb);
}
END_TEST

Suite *
eml_deliver_suite(void)
{
	Suite *s = suite_create("deliver");
	TCase *tc = tcase_create("deliver");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_maildir_stream);
	tcase_add_test(tc, test_maildir_discard);
	tcase_add_test(tc, test_maildir_errors);
	tcase_add_test(tc, test_maildir_host);
	tcase_add_test(tc, test_maildir_unique);
	tcase_add_test(tc, test_mbox_append);
	tcase_add_test(tc, test_mbox_filter);
	tcase_add_test(tc, test_mbox_discard);
	tcase_add_test(tc, test_mbox_tail);
	tcase_add_test(tc, test_mbox_dotlock);
	tcase_add_test(tc, test_mbox_fcntl);
	tcase_add_test(tc, test_mbox_concurrent);
	suite_add_tcase(s, tc);
	return s;
}
