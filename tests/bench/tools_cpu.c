/*
 * tools_cpu.c - run one command and report its wall and CPU time.
 *
 *   tools_cpu CMD [ARG...]
 *
 * For tools.sh, which times our tools against mblaze's.  The child's
 * stdin is inherited (so a message list can be fed to it), its stdout
 * and stderr go to /dev/null (both sides write nothing to a terminal).
 * CPU time is user + sys of every process the child waited for, from
 * getrusage(RUSAGE_CHILDREN): for "sh -c 'mlist D | mhdr ...'" that is
 * the shell and both sides of the pipe, which time(1) would need bash
 * for.  Prints "wall=S cpu=S user=S sys=S status=N".
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
tv(const struct timeval *t)
{
	return t->tv_sec + t->tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	struct rusage ru;
	double t0, t1, u, s;
	int st, fd;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: tools_cpu CMD [ARG...]\n");
		return 2;
	}
	fflush(stdout);
	t0 = now();
	if ((pid = fork()) < 0) {
		perror("tools_cpu: fork");
		return 2;
	}
	if (pid == 0) {
		if ((fd = open("/dev/null", O_WRONLY)) < 0 ||
		    dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid) {
		perror("tools_cpu: waitpid");
		return 2;
	}
	t1 = now();
	/* Only one child was ever started, so the totals are its own. */
	if (getrusage(RUSAGE_CHILDREN, &ru) < 0) {
		perror("tools_cpu: getrusage");
		return 2;
	}
	u = tv(&ru.ru_utime);
	s = tv(&ru.ru_stime);
	printf("wall=%.4f cpu=%.4f user=%.4f sys=%.4f status=%d\n", t1 - t0,
	    u + s, u, s, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}
