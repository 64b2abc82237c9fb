/*
 * script.c - plays a corpus/smtp/NAME.script as the server side of one
 * connection (curl's <reply>/<protocol>, OpenSMTPD's smtpscript).  Used
 * by tests/check_net_smtp.c over a socketpair and by hostile-smtp.c over
 * TCP, so the same misbehaving servers test the engine and the tool.
 *
 * Lines (escapes \r \n \t \0 \\ \xHH in the text):
 *   S: TEXT     send TEXT CRLF (one write; embed \r\n for one segment)
 *   R: TEXT     send TEXT as is, no CRLF
 *   L: N C      send N bytes of character C (no CRLF): long lines
 *   C: TEXT     the client must send exactly TEXT CRLF next
 *   C: *        any one line
 *   P: MS       pause MS milliseconds
 *   X:          close the connection now
 *   O: ...  M: ...   options and message for the Check harness (skipped)
 *   # comment
 * After the last line the client must close without sending more, unless
 * "O: trailing-ok".  Returns 0 if the client did what the script says.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

size_t script_unescape(const char *in, char *out);
int script_play(int fd, const char *path, char *err, size_t errsize);

size_t
script_unescape(const char *in, char *out)
{
	size_t n = 0;
	unsigned v;

	for (; *in != '\0'; in++) {
		if (*in != '\\' || in[1] == '\0') {
			out[n++] = *in;
			continue;
		}
		switch (*++in) {
		case 'r': out[n++] = '\r'; break;
		case 'n': out[n++] = '\n'; break;
		case 't': out[n++] = '\t'; break;
		case '0': out[n++] = '\0'; break;
		case 'x':
			if (sscanf(in + 1, "%2x", &v) == 1) {
				out[n++] = (char)v;
				in += 2;
			}
			break;
		default: out[n++] = *in;
		}
	}
	return n;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One line from the client, CRLF required; 10 s at most */
static int
read_line(int fd, char *buf, size_t size, size_t *len_r)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t n = 0;
	ssize_t r;
	char c;

	for (;;) {
		if (poll(&pfd, 1, 10000) <= 0)
			return -2;
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			buf[n] = '\0';
			*len_r = n;
			return n > 0 ? 1 : -1;	/* 1: a partial line */
		}
		if (n + 1 < size)
			buf[n++] = c;
		if (c == '\n')
			break;
	}
	buf[n] = '\0';
	*len_r = n;
	return 0;
}

int
script_play(int fd, const char *path, char *err, size_t errsize)
{
	static char line[1 << 16], want[1 << 16], got[1 << 16];
	FILE *f = fopen(path, "r");
	int trailing_ok = 0, lineno = 0, rc = 0;
	size_t n, glen;

	if (f == NULL) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "O: trailing-ok", 14) == 0)
			trailing_ok = 1;
		if (strlen(line) < 2 || line[1] != ':')
			continue;
		const char *arg = line[2] == ' ' ? line + 3 : line + 2;

		switch (line[0]) {
		case 'S':
		case 'R':
			n = script_unescape(arg, want);
			if (line[0] == 'S') {
				want[n++] = '\r';
				want[n++] = '\n';
			}
			if (write_all(fd, want, n) < 0) {
				/* the client hung up: fine if it had to */
				goto end;
			}
			break;
		case 'L': {
			unsigned long count = strtoul(arg, NULL, 10);
			const char *sp = strchr(arg, ' ');
			char chunk[8192];

			memset(chunk, sp ? sp[1] : 'x', sizeof(chunk));
			while (count > 0) {
				n = count < sizeof(chunk) ? count :
				    sizeof(chunk);
				if (write_all(fd, chunk, n) < 0)
					goto end;
				count -= n;
			}
			break;
		}
		case 'C':
			rc = read_line(fd, got, sizeof(got), &glen);
			if (rc == 1) {
				snprintf(err, errsize, "%s:%d: expected \"%s\","
				    " got \"%.200s\" without a line end", path,
				    lineno, arg, got);
				rc = -1;
				goto out;
			}
			if (rc < 0) {
				snprintf(err, errsize, "%s:%d: expected \"%s\","
				    " got %s", path, lineno, arg, rc == -2 ?
				    "nothing for 10 s" : "end of connection");
				rc = -1;
				goto out;
			}
			if (strcmp(arg, "*") == 0)
				break;
			n = script_unescape(arg, want);
			memcpy(want + n, "\r\n", 3);
			n += 2;
			if (glen != n || memcmp(got, want, n) != 0) {
				got[strcspn(got, "\r\n")] = '\0';
				snprintf(err, errsize, "%s:%d: expected \"%s\", "
				    "got \"%.200s\"%s", path, lineno, arg, got,
				    glen > 1 && got[glen - 2] != '\r' ?
				    " (no CR)" : "");
				rc = -1;
				goto out;
			}
			break;
		case 'P': {
			struct timespec ts;
			long ms = strtol(arg, NULL, 10);

			ts.tv_sec = ms / 1000;
			ts.tv_nsec = (ms % 1000) * 1000000;
			nanosleep(&ts, NULL);
			break;
		}
		case 'X':
			goto end;
		}
	}
	/* the script is over: the client must now close */
	if (!trailing_ok) {
		rc = read_line(fd, got, sizeof(got), &glen);
		if (rc >= 0) {
			got[strcspn(got, "\r\n")] = '\0';
			snprintf(err, errsize, "%s: after the script the client "
			    "sent \"%.200s\"", path, got);
			rc = -1;
			goto out;
		}
		if (rc == -2) {
			snprintf(err, errsize, "%s: the client did not close",
			    path);
			rc = -1;
			goto out;
		}
	}
end:
	rc = 0;
out:
	fclose(f);
	return rc;
}
