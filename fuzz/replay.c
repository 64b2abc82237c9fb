/*
 * replay.c - main() for the harnesses outside a fuzzer: runs each file
 * (directories are walked) through LLVMFuzzerTestOneInput once.  `make
 * fuzz-replay` runs it over corpus/fuzz/<target>/ so a crash that was
 * fixed stays fixed.
 */
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fuzz.h"

static int
one(const char *path, unsigned long *count)
{
	FILE *f = fopen(path, "rb");
	struct eml_buf b = { 0 };
	char tmp[65536];
	size_t k;

	if (f == NULL) {
		perror(path);
		return 1;
	}
	while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if (eml_buf_add(&b, tmp, k) < 0)
			break;
	fclose(f);
	LLVMFuzzerTestOneInput((const uint8_t *)(b.data ? b.data : ""),
	    b.len);
	eml_buf_free(&b);
	(*count)++;
	return 0;
}

static int
walk(const char *path, unsigned long *count)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int bad = 0;

	if (stat(path, &st) != 0) {
		perror(path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return one(path, count);
	if ((d = opendir(path)) == NULL) {
		perror(path);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		char sub[4096];

		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		bad |= walk(sub, count);
	}
	closedir(d);
	return bad;
}

int
main(int argc, char **argv)
{
	unsigned long count = 0;
	int i, bad = 0;

	for (i = 1; i < argc; i++)
		bad |= walk(argv[i], &count);
	printf("%s: %lu inputs replayed\n", argv[0], count);
	return bad;
}
