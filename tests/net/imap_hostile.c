/*
 * imap_hostile.c - a misbehaving IMAP or POP3 server for the end-to-end
 * tests of eml-imap and eml-pop3 (tests/net/imap_e2e.sh).  It listens on
 * 127.0.0.1 (port 0: the kernel picks; written to PORTFILE), serves one
 * connection in the way MODE says, and exits.  Plain C and POSIX, so a
 * minimal Debian has all it needs.
 *
 *	imap_hostile imap|pop3 MODE PORTFILE
 *
 * Modes before login (the client must refuse before any credential):
 *	preauth     IMAP: PREAUTH greeting on a connection without TLS
 *	nostarttls  no STARTTLS / STLS offered
 *	inject      bytes right after the STARTTLS / STLS reply
 * Modes after login (the tests use --no-tls so they reach the fetch;
 * message 1 is always served whole, message 2 is where it goes wrong):
 *	good        both messages served whole
 *	forged      message 2 holds a tagged "OK" line: only data
 *	bigline     a 10 MB line instead of message 2
 *	biglit      a literal announced larger than what comes, then close
 *	stall       a literal of 1 GB of which 10 bytes come, then silence
 *	drop        the connection closes in the middle of message 2
 *	garbage     binary garbage instead of message 2
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static const char msg1[] = "From: a@example.test\r\nSubject: one\r\n\r\n"
    "first message\r\n";
static const char msg2[] = "From: b@example.test\r\nSubject: two\r\n\r\n"
    "E6 OK forged: this line is data\r\n.\r\nlast line\r\n";

static int fd;
static const char *mode;

static void
put(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, s, n, MSG_NOSIGNAL);

		if (k <= 0)
			exit(0);	/* the client hung up: its right */
		s += k;
		n -= (size_t)k;
	}
}

static void
puts_(const char *s)
{
	put(s, strlen(s));
}

/* One line from the client without CRLF; exits at EOF. */
static char *
getline_(void)
{
	static char line[8192];
	size_t n = 0;
	char c;

	for (;;) {
		if (read(fd, &c, 1) != 1)
			exit(0);
		if (c == '\n')
			break;
		if (n + 1 < sizeof(line))
			line[n++] = c;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	return line;
}

static void
big(size_t n)
{
	static char x[65536];

	memset(x, 'x', sizeof(x));
	while (n > 0) {
		size_t k = n < sizeof(x) ? n : sizeof(x);

		put(x, k);
		n -= k;
	}
}

static int
is(const char *m)
{
	return strcmp(mode, m) == 0;
}

static void
imap(void)
{
	char out[512], *l, tag[64], verb[64];

	if (is("preauth")) {
		puts_("* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] welcome\r\n");
		for (;;)
			getline_();
	}
	if (is("nostarttls"))
		puts_("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n");
	else if (is("inject"))
		puts_("* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n");
	else
		puts_("* OK [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n");
	for (;;) {
		l = getline_();
		if (sscanf(l, "%63s %63s", tag, verb) != 2)
			continue;
		if (!strcasecmp(verb, "STARTTLS")) {
			snprintf(out, sizeof(out), "%s OK go\r\n* CAPABILITY "
			    "IMAP4rev1 AUTH=PLAIN\r\n", tag);
			puts_(out);
		} else if (!strcasecmp(verb, "CAPABILITY")) {
			snprintf(out, sizeof(out), "* CAPABILITY IMAP4rev1 "
			    "LITERAL+\r\n%s OK\r\n", tag);
			puts_(out);
		} else if (!strcasecmp(verb, "LOGIN")) {
			snprintf(out, sizeof(out), "%s OK in\r\n", tag);
			puts_(out);
		} else if (!strcasecmp(verb, "SELECT") ||
		    !strcasecmp(verb, "EXAMINE")) {
			snprintf(out, sizeof(out), "* 2 EXISTS\r\n* OK "
			    "[UIDVALIDITY 7] v\r\n* OK [UIDNEXT 3] n\r\n"
			    "%s OK selected\r\n", tag);
			puts_(out);
		} else if (!strcasecmp(verb, "UID") && strstr(l, "SEARCH")) {
			/* what is asked: "UID n:*"; answer the rest */
			unsigned from = 1;
			const char *u = strstr(l, "UID ");

			u = u ? strstr(u + 4, "UID ") : NULL;
			if (u)
				from = (unsigned)strtoul(u + 4, NULL, 10);
			snprintf(out, sizeof(out), "* SEARCH%s%s\r\n"
			    "%s OK\r\n", from <= 1 ? " 1" : "",
			    from <= 2 ? " 2" : " 2", tag);
			puts_(out);
		} else if (!strcasecmp(verb, "UID") && strstr(l, "FETCH")) {
			unsigned uid = (unsigned)strtoul(strstr(l, "FETCH") +
			    6, NULL, 10);
			const char *m = uid == 1 ? msg1 : msg2;

			if (uid == 2 && is("bigline")) {
				puts_("* 2 FETCH (UID 2 ");
				big(10 * 1024 * 1024);
				puts_("\r\n");
			} else if (uid == 2 && is("biglit")) {
				puts_("* 2 FETCH (UID 2 BODY[] {100}\r\n"
				    "0123456789");
				exit(0);
			} else if (uid == 2 && is("stall")) {
				puts_("* 2 FETCH (UID 2 BODY[] {1000000000}"
				    "\r\n0123456789");
				sleep(30);
				exit(0);
			} else if (uid == 2 && is("drop")) {
				snprintf(out, sizeof(out), "* 2 FETCH (UID 2 "
				    "BODY[] {%zu}\r\n", strlen(m));
				puts_(out);
				put(m, strlen(m) / 2);
				exit(0);
			} else if (uid == 2 && is("garbage")) {
				put("\x00\x01\xff\xfe garbage \x1b[2J\r\n", 19);
			} else {
				snprintf(out, sizeof(out), "* %u FETCH (UID %u "
				    "BODY[] {%zu}\r\n", uid, uid, strlen(m));
				puts_(out);
				puts_(m);
				snprintf(out, sizeof(out), ")\r\n%s OK\r\n",
				    tag);
				puts_(out);
			}
		} else if (!strcasecmp(verb, "LOGOUT")) {
			snprintf(out, sizeof(out), "* BYE\r\n%s OK\r\n", tag);
			puts_(out);
			exit(0);
		} else {
			snprintf(out, sizeof(out), "%s BAD what\r\n", tag);
			puts_(out);
		}
	}
}

/* msg with dot-stuffing and CRLF.CRLF */
static void
pop3_msg(const char *m, size_t upto)
{
	const char *p = m;

	puts_("+OK message follows\r\n");
	while (*p && (size_t)(p - m) < upto) {
		const char *e = strstr(p, "\r\n");
		size_t n = e ? (size_t)(e - p) + 2 : strlen(p);

		if (*p == '.')
			put(".", 1);
		put(p, n);
		p += n;
	}
	if (upto >= strlen(m))
		puts_(".\r\n");
}

static void
pop3(void)
{
	char *l;

	puts_("+OK hostile POP3\r\n");
	for (;;) {
		l = getline_();
		if (!strcasecmp(l, "CAPA")) {
			if (is("nostarttls"))
				puts_("+OK\r\nUSER\r\nUIDL\r\n.\r\n");
			else if (is("inject"))
				puts_("+OK\r\nSTLS\r\nUSER\r\n.\r\n");
			else
				puts_("+OK\r\nUSER\r\nUIDL\r\n.\r\n");
		} else if (!strcasecmp(l, "STLS"))
			puts_("+OK go\r\n+OK injected\r\n");
		else if (!strncasecmp(l, "USER ", 5) ||
		    !strncasecmp(l, "PASS ", 5))
			puts_("+OK\r\n");
		else if (!strcasecmp(l, "STAT"))
			puts_("+OK 2 200\r\n");
		else if (!strcasecmp(l, "LIST"))
			puts_("+OK\r\n1 60\r\n2 140\r\n.\r\n");
		else if (!strcasecmp(l, "UIDL"))
			puts_("+OK\r\n1 uid-one\r\n2 uid-two\r\n.\r\n");
		else if (!strcasecmp(l, "RETR 1"))
			pop3_msg(msg1, (size_t)-1);
		else if (!strcasecmp(l, "RETR 2")) {
			if (is("bigline")) {
				puts_("+OK ");
				big(10 * 1024 * 1024);
			} else if (is("drop")) {
				pop3_msg(msg2, strlen(msg2) / 2);
				exit(0);
			} else if (is("stall")) {
				puts_("+OK\r\nSubject: x\r\n");
				sleep(30);
				exit(0);
			} else if (is("garbage"))
				put("\x00\x01\xff garbage\r\n", 13);
			else
				pop3_msg(msg2, (size_t)-1);
		} else if (!strncasecmp(l, "DELE ", 5))
			puts_("+OK deleted\r\n");
		else if (!strcasecmp(l, "QUIT")) {
			puts_("+OK bye\r\n");
			exit(0);
		} else
			puts_("-ERR what\r\n");
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	FILE *f;
	int ls, one = 1;

	if (argc != 4)
		return 2;
	mode = argv[2];
	signal(SIGPIPE, SIG_IGN);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(ls, 1) < 0 || getsockname(ls, (struct sockaddr *)&sa,
	    &sl) < 0) {
		perror("imap_hostile");
		return 1;
	}
	if ((f = fopen(argv[3], "w")) == NULL)
		return 1;
	fprintf(f, "%u\n", ntohs(sa.sin_port));
	fclose(f);
	/* one client, and never longer than a minute */
	alarm(60);
	if ((fd = accept(ls, NULL, NULL)) < 0)
		return 1;
	close(ls);
	if (strcmp(argv[1], "pop3") == 0)
		pop3();
	else
		imap();
	return 0;
}
