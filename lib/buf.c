/*
 * buf.c - growable byte buffer with a cap, and error texts.
 */
#include <stdlib.h>

#include "eml_priv.h"

const char *
eml_strerror(int err)
{
	switch (err) {
	case EML_OK:		return "success";
	case EML_ENOMEM:	return "out of memory";
	case EML_ELIMIT:	return "limit reached";
	case EML_EIO:		return "input/output error";
	case EML_EINVAL:	return "invalid argument";
	case EML_ECHARSET:	return "unknown charset";
	case EML_EFORMAT:	return "invalid format";
	case EML_EEXIST:	return "file exists";
	case EML_ENOTSUP:	return "not supported here";
	}
	return "unknown error";
}

char *
eml_buf_reserve(struct eml_buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (n > SIZE_MAX - b->len - 1)
		return NULL;
	need = b->len + n + 1;	/* room for the terminating NUL */
	if (b->max != 0 && b->len + n > b->max)
		return NULL;
	if (need <= b->cap)
		return b->data + b->len;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return NULL;
	b->data = p;
	b->cap = cap;
	return b->data + b->len;
}

int
eml_buf_add(struct eml_buf *b, const void *p, size_t n)
{
	char *w;

	if (b->max != 0 && b->len + n > b->max)
		return EML_ELIMIT;
	if ((w = eml_buf_reserve(b, n)) == NULL)
		return EML_ENOMEM;
	if (n > 0)
		memcpy(w, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return EML_OK;
}

int
eml_buf_addc(struct eml_buf *b, int c)
{
	unsigned char ch = (unsigned char)c;

	return eml_buf_add(b, &ch, 1);
}

int
eml_buf_adds(struct eml_buf *b, const char *s)
{
	return eml_buf_add(b, s, strlen(s));
}

int
eml_buf_add_utf8(struct eml_buf *b, uint32_t cp)
{
	unsigned char u[4];
	size_t n;

	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80) {
		u[0] = cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = 0xC0 | (cp >> 6);
		u[1] = 0x80 | (cp & 0x3F);
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = 0xE0 | (cp >> 12);
		u[1] = 0x80 | ((cp >> 6) & 0x3F);
		u[2] = 0x80 | (cp & 0x3F);
		n = 3;
	} else {
		u[0] = 0xF0 | (cp >> 18);
		u[1] = 0x80 | ((cp >> 12) & 0x3F);
		u[2] = 0x80 | ((cp >> 6) & 0x3F);
		u[3] = 0x80 | (cp & 0x3F);
		n = 4;
	}
	return eml_buf_add(b, u, n);
}

void
eml_buf_reset(struct eml_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
eml_buf_free(struct eml_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *
eml_buf_steal(struct eml_buf *b)
{
	char *p;

	if (b->data == NULL && eml_buf_reserve(b, 0) == NULL)
		return NULL;
	b->data[b->len] = '\0';
	p = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
