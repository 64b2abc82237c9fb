/*
 * imap_script.h - a scripted server for the IMAP and POP3 client tests
 * (curl's <reply>/<protocol>, OpenSMTPD's smtpscript): a child process
 * on one end of a socketpair plays the script, the client under test
 * talks to the other end through struct eml_net_io.
 *
 * Script steps:
 *	"C:line"	the client must send line (CRLF added)
 *	"R:n:text"	the client sends n raw bytes (an APPEND literal)
 *			equal to text
 *	"S:text"	send text as is (the script writes its CRLFs)
 *	"B:n"		send n bytes of 'x' with no line end (10 MB line)
 *	"X"		close the connection now
 *	"W"		read and drop whatever comes until the client
 *			hangs up
 * The child exits 0 if the client did all the script asked, 1 at the
 * first difference (printed on stderr), so success tests check both.
 * Header-only: each suite includes it once.
 */
#ifndef IMAP_SCRIPT_H
#define IMAP_SCRIPT_H

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/eml_fetch.h"

struct script_io {
	struct eml_net_io io;
	int fd;
	pid_t pid;
	int tls_calls;
	int fail_tls;
	char sent[65536];	/* what the client wrote, for checks */
	size_t nsent;
};

static __attribute__((unused)) ssize_t
sio_read(void *ctx, void *buf, size_t n)
{
	struct script_io *s = ctx;
	struct pollfd pfd = { s->fd, POLLIN, 0 };

	/* a stuck client test fails instead of hanging */
	if (poll(&pfd, 1, 10000) <= 0)
		return -1;
	for (;;) {
		ssize_t k = read(s->fd, buf, n);

		if (k < 0 && errno == EINTR)
			continue;
		return k;
	}
}

static __attribute__((unused)) int
sio_write(void *ctx, const void *p, size_t n)
{
	struct script_io *s = ctx;
	const char *c = p;

	if (s->nsent + n < sizeof(s->sent)) {
		memcpy(s->sent + s->nsent, p, n);
		s->nsent += n;
		s->sent[s->nsent] = '\0';
	}
	while (n > 0) {
		ssize_t k = send(s->fd, c, n, MSG_NOSIGNAL);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += k;
		n -= (size_t)k;
	}
	return 1;
}

static __attribute__((unused)) int
sio_starttls(void *ctx)
{
	struct script_io *s = ctx;

	s->tls_calls++;
	return s->fail_tls ? -1 : 0;
}

/* Read one CRLF line (without it) from fd; -1 at EOF. */
static __attribute__((unused)) int
child_line(int fd, char *buf, size_t size)
{
	size_t n = 0;

	for (;;) {
		char c;
		ssize_t k = read(fd, &c, 1);

		if (k <= 0)
			return -1;
		if (c == '\n')
			break;
		if (n + 1 < size)
			buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return 0;
}

static __attribute__((unused)) void
child_send(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k <= 0)
			_exit(2);	/* the client hung up: its choice */
		p += k;
		n -= (size_t)k;
	}
}

static __attribute__((unused)) void
child_run(int fd, const char *const *script)
{
	static char line[1 << 16];

	for (; *script; script++) {
		const char *st = *script;

		if (st[0] == 'S' && st[1] == ':') {
			child_send(fd, st + 2, strlen(st + 2));
		} else if (st[0] == 'C' && st[1] == ':') {
			if (child_line(fd, line, sizeof(line)) < 0) {
				fprintf(stderr, "script: EOF, wanted %s\n", st);
				_exit(1);
			}
			if (strcmp(line, st + 2) != 0) {
				fprintf(stderr, "script: got '%s', wanted "
				    "'%s'\n", line, st + 2);
				_exit(1);
			}
		} else if (st[0] == 'R' && st[1] == ':') {
			char *e;
			size_t n = strtoul(st + 2, &e, 10), i;
			char *b = malloc(n + 1);

			for (i = 0; i < n; i++)
				if (read(fd, b + i, 1) != 1) {
					fprintf(stderr, "script: short R\n");
					_exit(1);
				}
			b[n] = '\0';
			if (*e == ':' && memcmp(b, e + 1, n) != 0) {
				fprintf(stderr, "script: R differs\n");
				_exit(1);
			}
			free(b);
		} else if (st[0] == 'B' && st[1] == ':') {
			size_t n = strtoul(st + 2, NULL, 10), k;
			char *b = malloc(65536);

			memset(b, 'x', 65536);
			for (; n > 0; n -= k) {
				k = n < 65536 ? n : 65536;
				child_send(fd, b, k);
			}
			free(b);
		} else if (st[0] == 'X') {
			close(fd);
			_exit(0);
		} else if (st[0] == 'W') {
			/* wait for the client to hang up */
			while (read(fd, line, sizeof(line)) > 0)
				;
		}
	}
	/* the script is done: nothing more may come but the close */
	if (read(fd, line, 1) > 0) {
		fprintf(stderr, "script: client sent more than the script\n");
		_exit(1);
	}
	_exit(0);
}

/* Start the scripted server; tls: the connection counts as TLS. */
static __attribute__((unused)) void
script_start(struct script_io *s, const char *const *script, int tls)
{
	int sv[2];

	memset(s, 0, sizeof(*s));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		abort();
	fflush(NULL);
	if ((s->pid = fork()) < 0)
		abort();
	if (s->pid == 0) {
		close(sv[0]);
		child_run(sv[1], script);
	}
	close(sv[1]);
	s->fd = sv[0];
	s->io.ctx = s;
	s->io.read = sio_read;
	s->io.write = sio_write;
	s->io.starttls = sio_starttls;
	s->io.tls = tls;
}

/* Close our end and reap the child: its exit status (0 = script
 * followed, 1 = the client differed, 2 = the client hung up early). */
static __attribute__((unused)) int
script_end(struct script_io *s)
{
	int st;

	close(s->fd);
	if (waitpid(s->pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}

/* Collects what the fetch callbacks see. */
struct sink_rec {
	char *data;
	size_t len, cap;
	int begins, ends, aborts;
	uint32_t done[64];
	size_t ndone;
	char msgs[8][4096];	/* each finished message */
	int fail_end;
};

static __attribute__((unused)) int
rec_begin(void *ctx, uint64_t size)
{
	struct sink_rec *r = ctx;

	r->begins++;
	r->len = 0;
	return 0;
}

static __attribute__((unused)) int
rec_data(void *ctx, const void *p, size_t n)
{
	struct sink_rec *r = ctx;

	if (r->len + n + 1 > r->cap) {
		r->cap = (r->len + n + 1) * 2;
		r->data = realloc(r->data, r->cap);
	}
	memcpy(r->data + r->len, p, n);
	r->len += n;
	r->data[r->len] = '\0';
	return 0;
}

static __attribute__((unused)) int
rec_end(void *ctx)
{
	struct sink_rec *r = ctx;

	if (r->fail_end)
		return -1;
	if (r->ends < 8)
		snprintf(r->msgs[r->ends], sizeof(r->msgs[0]), "%s",
		    r->data ? r->data : "");
	r->ends++;
	return 0;
}

static __attribute__((unused)) void
rec_abort(void *ctx)
{
	struct sink_rec *r = ctx;

	r->aborts++;
}

static __attribute__((unused)) int
rec_done(void *ctx, uint32_t uid)
{
	struct sink_rec *r = ctx;

	if (r->ndone < 64)
		r->done[r->ndone++] = uid;
	return 0;
}

#define REC_CB(rec) { &(rec), rec_begin, rec_data, rec_end, rec_abort }

#endif
