/*
 * tools_mdrepeat.c - make a big Maildir out of a small one.
 *
 *   tools_mdrepeat SRC DST N
 *
 * Every file of SRC/cur is hard-linked N times into DST/cur as
 * "rK.NAME" (K = 1..N), so DST holds N times the messages, each copy a
 * distinct Maildir entry but the same bytes (and page-cache pages).
 * tools.sh uses it to reach ~20k messages, where process start-up no
 * longer dominates; a shell loop of ln would cost one fork per link.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	char src[4096], dst[4096];
	struct dirent *de;
	DIR *d;
	long n, k, count = 0;
	const char *sub[] = { "cur", "new", "tmp" };
	int i;

	if (argc != 4 || (n = atol(argv[3])) < 1) {
		fprintf(stderr, "usage: tools_mdrepeat SRC DST N\n");
		return 2;
	}
	if (mkdir(argv[2], 0755) < 0 && errno != EEXIST) {
		perror(argv[2]);
		return 1;
	}
	for (i = 0; i < 3; i++) {
		snprintf(dst, sizeof dst, "%s/%s", argv[2], sub[i]);
		if (mkdir(dst, 0755) < 0 && errno != EEXIST) {
			perror(dst);
			return 1;
		}
	}
	snprintf(src, sizeof src, "%s/cur", argv[1]);
	if ((d = opendir(src)) == NULL) {
		perror(src);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(src, sizeof src, "%s/cur/%s", argv[1], de->d_name);
		for (k = 1; k <= n; k++) {
			snprintf(dst, sizeof dst, "%s/cur/r%ld.%s", argv[2], k,
			    de->d_name);
			if (link(src, dst) < 0 && errno != EEXIST) {
				perror(dst);
				return 1;
			}
			count++;
		}
	}
	closedir(d);
	printf("%ld\n", count);
	return 0;
}
