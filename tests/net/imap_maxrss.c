/*
 * imap_maxrss.c - run a command, then print its peak resident memory in
 * KB on fd 3 and exit with its status: how the end-to-end tests show
 * that a 50 MB message goes through eml-imap and eml-pop3 in bounded
 * memory (no /usr/bin/time in a minimal Debian).
 *
 *	imap_maxrss CMD [ARG...]  3>FILE
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct rusage ru;
	pid_t pid;
	int st;
	FILE *f;

	if (argc < 2)
		return 2;
	if ((pid = fork()) == 0) {
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 ||
	    getrusage(RUSAGE_CHILDREN, &ru) < 0)
		return 126;
	if ((f = fdopen(3, "w")) != NULL) {
		fprintf(f, "%ld\n", ru.ru_maxrss);
		fclose(f);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}
