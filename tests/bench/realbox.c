/*
 * realbox.c - build a big mbox of real messages from the shared corpus.
 *
 *   realbox [-n bytes] CORPUS OUT
 *
 * Every *.eml and *.msg file and every file of a maildir (a path with a
 * "cur", "new" or "maildir" folder) becomes one mbox message: a "From "
 * separator, the bytes with mboxrd quoting (">*From " gets one more ">")
 * and a blank line before the next separator.  A file that already starts
 * with a "From " envelope line has that line replaced by ours.  Files
 * that are mailboxes (named *.mbox or mbox*, starting with "From ") are
 * appended as they are.  Files under _license/ or output/ folders are
 * skipped.  The set, in sorted path order, is repeated until OUT holds
 * at least bytes (default 500 MB).
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEP "From bench@localhost Thu Jan  1 00:00:00 2026\n"

static char **paths;
static size_t npaths, cappaths;

static void
die(const char *msg)
{
	perror(msg);
	exit(1);
}

static int
has_dir(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	const char *p = path;

	while ((p = strstr(p, dir)) != NULL) {
		if (p > path && p[-1] == '/' && p[n] == '/')
			return 1;
		p += n;
	}
	return 0;
}

static int
ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

static int
visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type != FTW_F)
		return 0;
	if (has_dir(path, "_license") || has_dir(path, "output"))
		return 0;
	if (npaths == cappaths) {
		cappaths = cappaths ? cappaths * 2 : 1024;
		if ((paths = realloc(paths, cappaths * sizeof(*paths))) ==
		    NULL)
			die("realloc");
	}
	if ((paths[npaths++] = strdup(path)) == NULL)
		die("strdup");
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
slurp(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		die(path);
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			if ((p = realloc(p, cap)) == NULL)
				die("realloc");
		}
		if ((n = fread(p + len, 1, cap - len, f)) == 0)
			break;
		len += n;
	}
	fclose(f);
	*len_r = len;
	return p;
}

struct sbuf {
	char *p;
	size_t len, cap;
};

static void
sb_add(struct sbuf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		while (b->len + n > b->cap)
			b->cap = b->cap ? b->cap * 2 : 1 << 20;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			die("realloc");
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* Append a message file as one mboxrd message. */
static void
add_message(struct sbuf *b, const char *s, size_t n)
{
	size_t i = 0, j, e;

	if (n >= 5 && memcmp(s, "From ", 5) == 0) {
		while (i < n && s[i] != '\n')
			i++;
		if (i < n)
			i++;
	}
	sb_add(b, SEP, strlen(SEP));
	while (i < n) {
		e = i;
		while (e < n && s[e] != '\n')
			e++;
		j = i;
		while (j < e && s[j] == '>')
			j++;
		if (e - j >= 5 && memcmp(s + j, "From ", 5) == 0)
			sb_add(b, ">", 1);
		sb_add(b, s + i, e - i + (e < n));
		i = e + 1;
	}
	if (b->p[b->len - 1] != '\n')
		sb_add(b, "\n", 1);
	sb_add(b, "\n", 1);
}

int
main(int argc, char **argv)
{
	uint64_t target = 500000000, total = 0;
	struct sbuf round = { 0 };
	unsigned long nmsg = 0, nbox = 0, reps = 0;
	char tmp[4096], *s;
	const char *base;
	size_t i, n;
	FILE *f;
	int c;

	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n')
			goto usage;
		target = strtoull(optarg, NULL, 0);
	}
	if (optind + 2 != argc)
		goto usage;
	if (nftw(argv[optind], visit, 32, FTW_PHYS) != 0)
		die(argv[optind]);
	qsort(paths, npaths, sizeof(*paths), cmp);
	for (i = 0; i < npaths; i++) {
		base = strrchr(paths[i], '/');
		base = base ? base + 1 : paths[i];
		if (ends_with(base, ".mbox") || strncmp(base, "mbox", 4) == 0) {
			s = slurp(paths[i], &n);
			if (n >= 5 && memcmp(s, "From ", 5) == 0) {
				sb_add(&round, s, n);
				if (s[n - 1] != '\n')
					sb_add(&round, "\n", 1);
				sb_add(&round, "\n", 1);
				nbox++;
			}
			free(s);
			continue;
		}
		if (!ends_with(base, ".eml") && !ends_with(base, ".msg") &&
		    !has_dir(paths[i], "cur") && !has_dir(paths[i], "new") &&
		    !has_dir(paths[i], "maildir"))
			continue;
		s = slurp(paths[i], &n);
		if (n > 0) {
			add_message(&round, s, n);
			nmsg++;
		}
		free(s);
	}
	if (round.len == 0) {
		fprintf(stderr, "realbox: no messages in %s\n", argv[optind]);
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[optind + 1]);
	if ((f = fopen(tmp, "w")) == NULL)
		die(tmp);
	while (total < target) {
		if (fwrite(round.p, 1, round.len, f) != round.len)
			die(tmp);
		total += round.len;
		reps++;
	}
	if (fflush(f) != 0 || fclose(f) != 0)
		die(tmp);
	if (rename(tmp, argv[optind + 1]) != 0)
		die(argv[optind + 1]);
	fprintf(stderr, "realbox: %s: %lu message files + %lu mbox files "
	    "(%zu bytes) x %lu = %llu bytes\n", argv[optind + 1], nmsg, nbox,
	    round.len, reps, (unsigned long long)total);
	return 0;
usage:
	fprintf(stderr, "usage: realbox [-n bytes] CORPUS OUT\n");
	return 2;
}
