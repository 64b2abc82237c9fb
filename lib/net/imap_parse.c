/*
 * imap_parse.c - IMAP response reader: the server stream cut into
 * response text and literals (RFC 9051 section 4.3 and 7).  No I/O.
 *
 * Text is copied (it is short, and a response line split across reads
 * must be joined); literals are not: their pieces point into the fed
 * buffer, so a 50 MB message body costs no memory here, and a tagged
 * line inside a literal is only data.
 */
#include <stdlib.h>

#include "eml_priv.h"
#include "net/eml_fetch.h"

enum rd_state {
	RD_LINE,		/* collecting text up to LF */
	RD_LITERAL,		/* handing out literal bytes */
	RD_ERROR
};

struct eml_imap_rd {
	enum rd_state state;
	struct eml_buf line;	/* text of the current piece, capped */
	const unsigned char *in;	/* fed bytes not yet used */
	size_t in_len;
	uint64_t left;		/* literal bytes to come */
	uint64_t max_literal;
	int mid;		/* inside a response (after a literal) */
	int err;
	int empty_lit;		/* a {0} literal still to announce */
};

struct eml_imap_rd *
eml_imap_rd_new(size_t max_line, uint64_t max_literal)
{
	struct eml_imap_rd *rd = calloc(1, sizeof(*rd));

	if (rd == NULL)
		return NULL;
	rd->line.max = max_line ? max_line : EML_IMAP_DEFAULT_MAX_LINE;
	rd->max_literal = max_literal;
	return rd;
}

void
eml_imap_rd_free(struct eml_imap_rd *rd)
{
	if (rd == NULL)
		return;
	eml_buf_free(&rd->line);
	free(rd);
}

int
eml_imap_rd_feed(struct eml_imap_rd *rd, const void *p, size_t n)
{
	if (rd->in_len != 0)
		return EML_EINVAL;
	rd->in = p;
	rd->in_len = n;
	return EML_OK;
}

size_t
eml_imap_rd_pending(const struct eml_imap_rd *rd)
{
	return rd->in_len + rd->line.len;
}

int
eml_imap_rd_finish(struct eml_imap_rd *rd)
{
	if (rd->state == RD_ERROR)
		return rd->err;
	/* A literal longer than what arrived, or a response whose last
	 * line has no end: the message is incomplete (RFC 9051 4.3). */
	if (rd->state == RD_LITERAL || rd->line.len != 0 || rd->mid ||
	    rd->in_len != 0)
		return EML_EPROTO;
	return EML_OK;
}

static int
fail(struct eml_imap_rd *rd, int err)
{
	rd->state = RD_ERROR;
	rd->err = err;
	return err;
}

/*
 * RFC 9051 9: literal = "{" number64 ["+"] "}" CRLF; literal8 = "~{"
 * number64 "}" CRLF.  Servers never send "+", but it costs nothing to
 * read.  Returns the offset of "{" (or "~{") in s[0..n), or -1 when the
 * line does not end in a literal; *size_r the size, -2 for a size
 * that is not a number64 (then the caller fails).
 */
static long
literal_at_end(const char *s, size_t n, uint64_t *size_r, int *bad_r)
{
	size_t i, j;
	uint64_t v = 0;

	*bad_r = 0;
	if (n < 3 || s[n - 1] != '}')
		return -1;
	i = n - 1;
	if (s[i - 1] == '+')
		i--;
	j = i;
	while (j > 0 && s[j - 1] >= '0' && s[j - 1] <= '9')
		j--;
	if (j == 0 || s[j - 1] != '{')
		return -1;
	if (j == i) {
		/* "{}" or "{+}": looks like a literal, is not one */
		*bad_r = 1;
		return (long)j - 1;
	}
	for (size_t k = j; k < i; k++) {
		unsigned d = (unsigned)(s[k] - '0');

		/* number64 is at most 2^63-1 (RFC 9051 9) */
		if (v > (UINT64_C(0x7fffffffffffffff) - d) / 10) {
			*bad_r = 1;
			return (long)j - 1;
		}
		v = v * 10 + d;
	}
	*size_r = v;
	j--;
	if (j > 0 && s[j - 1] == '~')
		j--;
	return (long)j;
}

int
eml_imap_rd_next(struct eml_imap_rd *rd, struct eml_imap_rd_event *ev)
{
	if (rd->state == RD_ERROR)
		return rd->err;
	if (rd->state == RD_LITERAL) {
		size_t k;

		if (rd->empty_lit) {
			rd->empty_lit = 0;
			rd->state = RD_LINE;
			ev->type = EML_IMAP_RD_LITERAL;
			ev->text = "";
			ev->len = 0;
			ev->left = 0;
			return 1;
		}
		if (rd->in_len == 0)
			return 0;
		k = rd->left < rd->in_len ? (size_t)rd->left : rd->in_len;
		ev->type = EML_IMAP_RD_LITERAL;
		ev->text = (const char *)rd->in;
		ev->len = k;
		rd->in += k;
		rd->in_len -= k;
		rd->left -= k;
		ev->left = rd->left;
		if (rd->left == 0)
			rd->state = RD_LINE;
		return 1;
	}
	for (;;) {
		const unsigned char *lf;
		size_t k, n;
		uint64_t size = 0;
		long at;
		int bad, r;

		if (rd->in_len == 0)
			return 0;
		lf = memchr(rd->in, '\n', rd->in_len);
		k = lf ? (size_t)(lf - rd->in) + 1 : rd->in_len;
		if ((r = eml_buf_add(&rd->line, rd->in, k)) < 0)
			return fail(rd, r);
		rd->in += k;
		rd->in_len -= k;
		if (lf == NULL)
			return 0;
		n = rd->line.len - 1;
		/* RFC 9051 2.2: lines end in CRLF; a bare LF is taken
		 * too (docs/LENIENCY.md), since it cannot be misread. */
		if (n > 0 && rd->line.data[n - 1] == '\r')
			n--;
		rd->line.data[n] = '\0';
		at = literal_at_end(rd->line.data, n, &size, &bad);
		if (bad)
			return fail(rd, EML_EPROTO);
		ev->type = EML_IMAP_RD_TEXT;
		ev->first = !rd->mid;
		ev->text = rd->line.data;
		if (at >= 0) {
			if (rd->max_literal != 0 && size > rd->max_literal)
				return fail(rd, EML_ELIMIT);
			ev->len = (size_t)at;
			rd->line.data[at] = '\0';
			ev->lit = (int64_t)size;
			rd->left = size;
			rd->state = RD_LITERAL;
			rd->empty_lit = size == 0;
			rd->mid = 1;
		} else {
			ev->len = n;
			ev->lit = -1;
			rd->mid = 0;
		}
		/* The text stays in line until the next call. */
		rd->line.len = 0;
		return 1;
	}
}
