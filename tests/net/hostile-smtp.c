/*
 * hostile-smtp.c - a misbehaving SMTP server for the tool's end-to-end
 * tests: listens on 127.0.0.1, prints its port, accepts one connection
 * and plays a corpus/smtp/NAME.script on it (tests/net/script.c), then
 * exits 0 if the client did what the script expects.
 *
 *   hostile-smtp SCRIPT [PORT]     PORT 0 (default): any free port
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "script.c"

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char err[1024] = "";
	int s, c, one = 1, r;

	if (argc < 2) {
		fprintf(stderr, "usage: hostile-smtp SCRIPT [PORT]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(argc > 2 ? (unsigned short)atoi(argv[2]) : 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s, 1) < 0 ||
	    getsockname(s, (struct sockaddr *)&sa, &sl) < 0) {
		perror("hostile-smtp");
		return 1;
	}
	printf("%u\n", ntohs(sa.sin_port));
	fflush(stdout);
	/* 20 s for the client to come, then give up */
	alarm(20);
	if ((c = accept(s, NULL, NULL)) < 0) {
		perror("hostile-smtp: accept");
		return 1;
	}
	alarm(0);
	close(s);
	r = script_play(c, argv[1], err, sizeof(err));
	close(c);
	if (r != 0)
		fprintf(stderr, "hostile-smtp: %s\n", err);
	return r == 0 ? 0 : 1;
}
