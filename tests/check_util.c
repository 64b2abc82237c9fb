/*
 * check_util.c - file helpers for the Check suites.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eml.h"
#include "check_util.h"

char *
tu_slurp(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 65536) {
			char *nb = realloc(buf, cap = cap * 2 + 65536);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	buf[len] = '\0';
	*len_r = len;
	return buf;
}

const char *
tu_shared_corpus(void)
{
	static const char *dir;
	struct stat st;
	const char *env = getenv("EML_SHARED_CORPUS");

	if (dir != NULL)
		return *dir ? dir : NULL;
	dir = env != NULL ? env : "../shared/corpus";
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		dir = "";
	return *dir ? dir : NULL;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t
tu_walk(const char *dir, int (*filter)(const char *name),
    void (*fn)(const char *path, void *arg), void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, count = 0, i;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap * 2 + 64) *
			    sizeof(*names));
			if (nn == NULL)
				break;
			names = nn;
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp);
	for (i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			count += tu_walk(path, filter, fn, arg);
		} else if (S_ISREG(st.st_mode) &&
		    (filter == NULL || filter(names[i]))) {
			fn(path, arg);
			count++;
		}
		free(names[i]);
	}
	free(names);
	return count;
}

char *
tu_json_str(const char **p)
{
	struct eml_buf b = { 0 };
	const char *s = *p + 1;
	unsigned long cp, lo;

	for (; *s != '\0' && *s != '"'; s++) {
		if (*s != '\\') {
			eml_buf_addc(&b, *s);
			continue;
		}
		switch (*++s) {
		case 'n': eml_buf_addc(&b, '\n'); break;
		case 'r': eml_buf_addc(&b, '\r'); break;
		case 't': eml_buf_addc(&b, '\t'); break;
		case 'b': eml_buf_addc(&b, '\b'); break;
		case 'f': eml_buf_addc(&b, '\f'); break;
		case 'u':
			if (sscanf(s + 1, "%4lx", &cp) != 1)
				break;
			s += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && s[1] == '\\' &&
			    s[2] == 'u' && sscanf(s + 3, "%4lx", &lo) == 1) {
				cp = 0x10000 + ((cp - 0xD800) << 10) +
				    (lo - 0xDC00);
				s += 6;
			}
			eml_buf_add_utf8(&b, (uint32_t)cp);
			break;
		case '\0':
			s--;
			break;
		default: eml_buf_addc(&b, *s); break;
		}
	}
	*p = *s != '\0' ? s + 1 : s;
	return eml_buf_steal(&b);
}

size_t
tu_field_len(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0') {
		if (s[n] == '\n' && s[n + 1] != ' ' && s[n + 1] != '\t')
			break;
		n++;
	}
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return n;
}
