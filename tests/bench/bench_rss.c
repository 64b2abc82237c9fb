/*
 * bench_rss.c - run a command and report its peak resident set size.
 *
 *   bench_rss [-k] NAME CMD [ARG...]
 *
 * The child inherits stdin (so "cat FILE | bench_rss ..." measures a
 * pipe); its stdout goes to /dev/null unless -k.  Prints
 * "RSS prog=NAME maxrss_kb=N wall=T status=S" using wait4(2)'s
 * ru_maxrss of that child alone, which avoids needing time(1).
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

int
main(int argc, char **argv)
{
	struct rusage ru;
	int keep = 0, st, fd, i = 1;
	double t0, t1;
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "-k") == 0) {
		keep = 1;
		i++;
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: bench_rss [-k] NAME CMD [ARG...]\n");
		return 2;
	}
	fflush(stdout);
	t0 = bench_now();
	if ((pid = fork()) < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		if (!keep && ((fd = open("/dev/null", O_WRONLY)) < 0 ||
		    dup2(fd, 1) < 0))
			_exit(127);
		execvp(argv[i + 1], argv + i + 1);
		perror(argv[i + 1]);
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) < 0) {
		perror("wait4");
		return 1;
	}
	t1 = bench_now();
	printf("RSS prog=%s maxrss_kb=%ld wall=%.4f status=%d\n", argv[i],
	    ru.ru_maxrss, t1 - t0,
	    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}
