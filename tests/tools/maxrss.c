/*
 * maxrss CMD [ARG...] - run CMD (stdin, stdout and stderr inherited)
 * and print its peak resident set size in KiB (getrusage of the child,
 * via wait4) on stderr as "maxrss: N"; exits with CMD's status.  For
 * the tool tests that bound memory (a 1 GiB message through eml-json).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct rusage ru;
	pid_t pid;
	int st;

	if (argc < 2) {
		fprintf(stderr, "usage: maxrss CMD [ARG...]\n");
		return 2;
	}
	if ((pid = fork()) < 0) {
		perror("maxrss: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) != pid) {
		perror("maxrss: wait4");
		return 2;
	}
	fprintf(stderr, "maxrss: %ld\n", ru.ru_maxrss);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
