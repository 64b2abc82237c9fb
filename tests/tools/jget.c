/*
 * jget PATH < JSON-LINES - print PATH of each JSON value on stdin, one
 * line per value, as `jq -r PATH` would for the paths used in tests:
 * ".key", "[N]", chained (".textBody[0].partId"), "." for the whole
 * value.  Strings print decoded, other values as written; a missing
 * member prints "null".  Invalid JSON is an error (exit 1), so this is
 * also the tests' JSON validator where no jq or python is installed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *p, *end;
static int bad;

static void
ws(void)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
}

static void value(const char *path, int print);

static void
put_utf8(unsigned cp)
{
	if (cp < 0x80) {
		putchar((int)cp);
	} else if (cp < 0x800) {
		putchar((int)(0xc0 | cp >> 6));
		putchar((int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		putchar((int)(0xe0 | cp >> 12));
		putchar((int)(0x80 | (cp >> 6 & 0x3f)));
		putchar((int)(0x80 | (cp & 0x3f)));
	} else {
		putchar((int)(0xf0 | cp >> 18));
		putchar((int)(0x80 | (cp >> 12 & 0x3f)));
		putchar((int)(0x80 | (cp >> 6 & 0x3f)));
		putchar((int)(0x80 | (cp & 0x3f)));
	}
}

static unsigned
hex4(void)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++, p++) {
		if (p >= end || !isxdigit((unsigned char)*p)) {
			bad = 1;
			return 0;
		}
		v = v * 16 + (unsigned)(isdigit((unsigned char)*p) ? *p - '0' :
		    (tolower((unsigned char)*p) - 'a' + 10));
	}
	return v;
}

/* A string at p ('"'); printed decoded, or compared with key. */
static int
string(int print, const char *key, size_t keylen)
{
	const char *start = ++p;
	size_t k = 0;
	int match = key != NULL;
	unsigned cp, lo;

	while (p < end && *p != '"') {
		int c;

		if ((unsigned char)*p < 0x20) {
			bad = 1;
			return 0;
		}
		if (*p != '\\') {
			c = (unsigned char)*p++;
			if (print)
				putchar(c);
			if (match && (k >= keylen || key[k] != c))
				match = 0;
			k++;
			continue;
		}
		if (++p >= end) {
			bad = 1;
			return 0;
		}
		switch (*p++) {
		case '"': c = '"'; break;
		case '\\': c = '\\'; break;
		case '/': c = '/'; break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u':
			cp = hex4();
			if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 &&
			    p[0] == '\\' && p[1] == 'u') {
				p += 2;
				lo = hex4();
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
			}
			if (print)
				put_utf8(cp);
			match = 0;	/* keys in tests are ASCII */
			continue;
		default:
			bad = 1;
			return 0;
		}
		if (print)
			putchar(c);
		if (match && (k >= keylen || key[k] != c))
			match = 0;
		k++;
	}
	(void)start;
	if (p >= end) {
		bad = 1;
		return 0;
	}
	p++;
	return match && k == keylen;
}

/* Length of the first path step's key (".key") or -1 for "[N]". */
static void
step(const char *path, const char **key, size_t *klen, long *idx,
    const char **rest)
{
	*key = NULL;
	*idx = -1;
	if (path[0] == '.' && path[1] != '\0' && path[1] != '[') {
		*key = path + 1;
		*klen = strcspn(path + 1, ".[");
		*rest = path + 1 + *klen;
	} else if (path[0] == '[' || (path[0] == '.' && path[1] == '[')) {
		char *e;

		if (path[0] == '.')
			path++;
		*idx = strtol(path + 1, &e, 10);
		*rest = e;
		if (**rest == ']')
			(*rest)++;
	} else
		*rest = path;
}

/* Parse one value; print it when path is "" and print is set; descend
 * along path otherwise.  Returns whether path was found. */
static int found;

static void
value(const char *path, int print)
{
	const char *key, *rest, *start;
	size_t klen = 0;
	long idx, i = 0;
	int here = print && (path[0] == '\0' || strcmp(path, ".") == 0);

	if (here)
		found = 1;
	step(path, &key, &klen, &idx, &rest);
	ws();
	if (p >= end) {
		bad = 1;
		return;
	}
	start = p;
	if (*p == '{') {
		p++;
		ws();
		if (p < end && *p == '}') {
			p++;
			goto raw;
		}
		for (;;) {
			int m;

			ws();
			if (p >= end || *p != '"') {
				bad = 1;
				return;
			}
			m = string(0, key, klen);
			ws();
			if (p >= end || *p++ != ':') {
				bad = 1;
				return;
			}
			value(rest, print && !here && m && key != NULL);
			if (bad)
				return;
			ws();
			if (p < end && *p == ',') {
				p++;
				continue;
			}
			if (p < end && *p == '}') {
				p++;
				break;
			}
			bad = 1;
			return;
		}
	} else if (*p == '[') {
		p++;
		ws();
		if (p < end && *p == ']') {
			p++;
			goto raw;
		}
		for (;; i++) {
			value(rest, print && !here && idx == i);
			if (bad)
				return;
			ws();
			if (p < end && *p == ',') {
				p++;
				continue;
			}
			if (p < end && *p == ']') {
				p++;
				break;
			}
			bad = 1;
			return;
		}
	} else if (*p == '"') {
		string(here, NULL, 0);
		return;
	} else {
		while (p < end && (isalnum((unsigned char)*p) || *p == '-' ||
		    *p == '+' || *p == '.'))
			p++;
		if (p == start || (strncmp(start, "true", 4) != 0 &&
		    strncmp(start, "false", 5) != 0 &&
		    strncmp(start, "null", 4) != 0 &&
		    !isdigit((unsigned char)*start) && *start != '-'))
			bad = 1;
	}
raw:
	if (here)
		fwrite(start, 1, (size_t)(p - start), stdout);
}

int
main(int argc, char **argv)
{
	char *buf = NULL, *nb;
	size_t n = 0, cap = 0, k;

	if (argc != 2) {
		fprintf(stderr, "usage: jget PATH < json\n");
		return 2;
	}
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
			if ((nb = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "jget: out of memory\n");
				return 2;
			}
			buf = nb;
		}
		if ((k = fread(buf + n, 1, cap - n, stdin)) == 0)
			break;
		n += k;
	}
	p = buf;
	end = buf + n;
	for (;;) {
		ws();
		if (p >= end)
			break;
		found = 0;
		value(argv[1], 1);
		if (bad) {
			fprintf(stderr, "jget: invalid JSON at byte %ld\n",
			    (long)(p - buf));
			return 1;
		}
		if (!found)
			fputs("null", stdout);
		putchar('\n');
	}
	free(buf);
	return 0;
}
