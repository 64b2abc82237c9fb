/*
 * uu.c - uuencode: find "begin MODE NAME" ... "end" blocks in text and
 * decode them; write a block.
 *
 * The decoder works on whole lines.  A line split across steps is
 * gathered in s->line (its first sizeof(line) bytes; the rest of a longer
 * line is dropped, and the same cut is applied to lines that arrive
 * whole), so the output does not depend on the chunking.  Each data line
 * is bounded by its real length: a length character that claims more than
 * the line holds yields only the bytes the line has.
 */
#include <stdio.h>
#include <string.h>

#include "eml_priv.h"

#define LINE_MAX_ (sizeof(((struct eml_uu_dec *)0)->line))

/* Historic uuencode maps a 6-bit value to value + 0x20; 0 is written as
 * '`' (0x60) since trailing spaces get lost in transit.  Both decode. */
#define UU_DEC(c)	(((unsigned)(unsigned char)(c) - 0x20) & 0x3f)
#define UU_ENC(v)	((v) ? (char)((v) + 0x20) : '`')

void
eml_uu_dec_init(struct eml_uu_dec *s)
{
	memset(s, 0, sizeof(*s));
}

/* "begin" SP 1*ODIGIT 1*SP name; sets mode and name on success. */
static int
parse_begin(struct eml_uu_dec *s, const char *l, size_t n)
{
	size_t i = 6, d;
	unsigned mode = 0;

	if (n < 8 || memcmp(l, "begin ", 6) != 0)
		return 0;
	for (d = 0; i < n && l[i] >= '0' && l[i] <= '7'; i++, d++)
		mode = (mode << 3 | (unsigned)(l[i] - '0')) & 07777;
	if (d == 0 || i >= n || l[i] != ' ')
		return 0;
	while (i < n && l[i] == ' ')
		i++;
	if (i >= n)
		return 0;
	if (s->state == 0) {
		s->mode = mode;
		emli_strlcpy(s->name, l + i, n - i, sizeof(s->name));
	}
	return 1;
}

static unsigned char *
data_line(const char *l, size_t n, unsigned char *o)
{
	unsigned v[4];
	size_t i, k, want, have;

	for (i = 0; i < n; i++) {
		/* Not uuencode (text around or inside a broken block). */
		if ((unsigned char)l[i] < 0x20 || (unsigned char)l[i] > 0x60)
			return o;
	}
	want = UU_DEC(l[0]);
	for (i = 1; want > 0 && n - i >= 2; i += 4) {
		k = EMLI_MIN(n - i, (size_t)4);
		v[0] = UU_DEC(l[i]);
		v[1] = UU_DEC(l[i + 1]);
		v[2] = k > 2 ? UU_DEC(l[i + 2]) : 0;
		v[3] = k > 3 ? UU_DEC(l[i + 3]) : 0;
		have = EMLI_MIN(k - 1, want);	/* 2 chars: 1 byte, ... */
		*o++ = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (have > 1)
			*o++ = (unsigned char)(v[1] << 4 | v[2] >> 2);
		if (have > 2)
			*o++ = (unsigned char)(v[2] << 6 | v[3]);
		want -= have;
		if (n - i < 4)
			break;
	}
	return o;
}

/* One line without its LF; cut: it was longer than LINE_MAX_. */
static unsigned char *
one_line(struct eml_uu_dec *s, const char *l, size_t n, int cut,
    unsigned char *o)
{
	size_t i;

	if (!cut && n > 0 && l[n - 1] == '\r')
		n--;
	if (s->state != 1) {
		if (n >= 8 && l[0] == 'b' && parse_begin(s, l, n)) {
			/* Only the first block is decoded; later ones are
			 * counted so the caller can tell. */
			s->blocks++;
			if (s->state == 0)
				s->state = 1;
		}
		return o;
	}
	if (n >= 3 && memcmp(l, "end", 3) == 0) {
		for (i = 3; i < n && EMLI_WSP(l[i]); i++)
			;
		if (i == n) {
			s->state = 2;
			return o;
		}
	}
	if (n == 0)
		return o;	/* blank lines: lenient */
	return data_line(l, n, o);
}

size_t
eml_uu_dec_step(struct eml_uu_dec *s, const void *in, size_t len, void *out)
{
	const char *p = in, *end = p + len, *nl;
	unsigned char *o = out;
	size_t n, k;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		if (nl != NULL && s->nline == 0 && !s->overflow) {
			/* A whole line in the input: no copy. */
			o = one_line(s, p, EMLI_MIN(n, LINE_MAX_),
			    n > LINE_MAX_, o);
			p = nl + 1;
			continue;
		}
		k = EMLI_MIN(n, LINE_MAX_ - s->nline);
		memcpy(s->line + s->nline, p, k);
		s->nline += (unsigned)k;
		if (k < n)
			s->overflow = 1;
		if (nl == NULL)
			break;
		o = one_line(s, s->line, s->nline, s->overflow, o);
		s->nline = 0;
		s->overflow = 0;
		p = nl + 1;
	}
	return (size_t)(o - (unsigned char *)out);
}

size_t
eml_uu_dec_finish(struct eml_uu_dec *s, void *out)
{
	unsigned char *o = out;

	/* A last line without LF; its output is at most 63 bytes. */
	if (s->nline > 0 || s->overflow)
		o = one_line(s, s->line, s->nline, s->overflow, o);
	s->nline = 0;
	s->overflow = 0;
	if (s->state == 1)
		s->truncated = 1;
	return (size_t)(o - (unsigned char *)out);
}

int
eml_uu_encode(const char *name, unsigned mode, const void *in, size_t len,
    const char *eol, struct eml_buf *out)
{
	const unsigned char *p = in;
	char line[64 + 8], head[32];
	size_t old = out->len, el, i, j, k, n;
	unsigned a, b, c;
	int rc;

	if (eol == NULL)
		eol = "\n";
	if (name == NULL || *name == '\0' || strpbrk(name, "\r\n") != NULL ||
	    (el = strlen(eol)) > 8)
		return EML_EINVAL;
	snprintf(head, sizeof(head), "begin %o ", mode & 07777);
	if ((rc = eml_buf_adds(out, head)) != EML_OK ||
	    (rc = eml_buf_adds(out, name)) != EML_OK ||
	    (rc = eml_buf_adds(out, eol)) != EML_OK)
		goto fail;
	for (i = 0; i < len; i += k) {
		/* 45 bytes a line: a length char and 60 chars. */
		k = EMLI_MIN(len - i, (size_t)45);
		n = 0;
		line[n++] = UU_ENC(k);
		for (j = 0; j < k; j += 3) {
			a = p[i + j];
			b = j + 1 < k ? p[i + j + 1] : 0;
			c = j + 2 < k ? p[i + j + 2] : 0;
			line[n++] = UU_ENC(a >> 2);
			line[n++] = UU_ENC((a << 4 | b >> 4) & 63);
			line[n++] = UU_ENC((b << 2 | c >> 6) & 63);
			line[n++] = UU_ENC(c & 63);
		}
		memcpy(line + n, eol, el);
		if ((rc = eml_buf_add(out, line, n + el)) != EML_OK)
			goto fail;
	}
	if ((rc = eml_buf_adds(out, "`")) != EML_OK ||
	    (rc = eml_buf_adds(out, eol)) != EML_OK ||
	    (rc = eml_buf_adds(out, "end")) != EML_OK ||
	    (rc = eml_buf_adds(out, eol)) != EML_OK)
		goto fail;
	return EML_OK;
fail:
	out->len = old;
	if (out->data != NULL)
		out->data[old] = '\0';
	return rc;
}
