/*
 * msgid.c - Message-ID, In-Reply-To and References (RFC 5322 3.6.4).
 *
 * msg-id = [CFWS] "<" id-left "@" id-right ">" [CFWS]; In-Reply-To and
 * References may also carry obsolete phrases between ids (4.5.4), e.g.
 * "<id> (John's message of ...)" or "Your message of ... <id>".
 */
#include <stdlib.h>

#include "eml_priv.h"

#define MAX_IDS		10000	/* per field; more are dropped */

/* Index after the comment starting at s[i] == '('; to len if open. */
static size_t
skip_comment(const char *s, size_t len, size_t i)
{
	unsigned depth = 0;

	for (; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i + 1;
	}
	return len;
}

static size_t
skip_quoted(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return len;
}

static int
is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
push(struct eml_idlist *l, size_t *cap, struct eml_buf *b)
{
	char *id;

	if (l->n >= MAX_IDS) {
		eml_defects_set(&l->defects, EML_D_MSGID_INVALID);
		eml_buf_reset(b);
		return EML_OK;
	}
	if (l->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		char **nv = realloc(l->v, nc * sizeof(*nv));

		if (nv == NULL)
			return EML_ENOMEM;
		l->v = nv;
		*cap = nc;
	}
	if ((id = eml_buf_steal(b)) == NULL)
		return EML_ENOMEM;
	l->v[l->n++] = id;
	return EML_OK;
}

int
eml_msgid_parse(const char *v, size_t len, struct eml_idlist *l)
{
	struct eml_buf b = { 0 };
	size_t i = 0, cap = 0, j, bare_s = 0, bare_e = 0;
	unsigned words = 0;
	int r = EML_OK, closed;

	if (v == NULL)
		len = 0;
	while (i < len && r == EML_OK) {
		if (is_ws((unsigned char)v[i])) {
			i++;
		} else if (v[i] == '(') {
			i = skip_comment(v, len, i);
		} else if (v[i] == '"') {
			i = skip_quoted(v, len, i);	/* phrase */
		} else if (v[i] == '<') {
			/* Inside the brackets CFWS is dropped (obs-id-left
			 * allows it); quoted strings are kept whole. */
			eml_buf_reset(&b);
			closed = 0;
			for (i++; i < len; ) {
				if (v[i] == '>') {
					closed = 1;
					i++;
					break;
				}
				if (v[i] == '<') {
					/* "<<id>>" or a lost '>': restart */
					eml_defects_set(&l->defects, EML_D_MSGID_INVALID);
					eml_buf_reset(&b);
					i++;
				} else if (is_ws((unsigned char)v[i])) {
					i++;
				} else if (v[i] == '(') {
					i = skip_comment(v, len, i);
				} else {
					j = v[i] == '"' ? skip_quoted(v, len, i)
					    : i + 1;
					if ((r = eml_buf_add(&b, v + i,
					    j - i)) != EML_OK)
						break;
					i = j;
				}
			}
			if (r != EML_OK)
				break;
			if (!closed || b.len == 0 ||
			    memchr(b.data, '@', b.len) == NULL)
				eml_defects_set(&l->defects, EML_D_MSGID_INVALID);
			if (b.len > 0)
				r = push(l, &cap, &b);
			while (i < len && v[i] == '>') {
				eml_defects_set(&l->defects, EML_D_MSGID_INVALID);
				i++;	/* "<id>>" */
			}
		} else {
			/* A bare word: an id without brackets if it has an
			 * '@', else part of a phrase. */
			j = i;
			while (j < len && !is_ws((unsigned char)v[j]) &&
			    v[j] != '<' && v[j] != '(' && v[j] != '"')
				j++;
			if (words++ == 0) {
				bare_s = i;
				bare_e = j;
			}
			if (memchr(v + i, '@', j - i) != NULL) {
				eml_defects_set(&l->defects, EML_D_MSGID_INVALID);
				eml_buf_reset(&b);
				if ((r = eml_buf_add(&b, v + i, j - i)) ==
				    EML_OK)
					r = push(l, &cap, &b);
			}
			i = j;
		}
	}
	/* "Message-ID: foo": one bare word and nothing else is kept. */
	if (r == EML_OK && l->n == 0 && words == 1) {
		eml_defects_set(&l->defects, EML_D_MSGID_INVALID);
		eml_buf_reset(&b);
		if ((r = eml_buf_add(&b, v + bare_s, bare_e - bare_s)) == EML_OK)
			r = push(l, &cap, &b);
	}
	eml_buf_free(&b);
	return r;
}

void
eml_msgid_free(struct eml_idlist *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}
