/*
 * preview.c - the RFC 8621 4.1.4 "preview" of a body, as a filter.
 *
 * RFC 8621 4.1.4: "A plaintext fragment of the message body ...
 * Stripping HTML tags, normalising whitespace ... is recommended."  The
 * HTML is stripped by the one HTML-to-text filter of the library
 * (filter_html.c, eml_filter_html2text), so a preview and eml-extract
 * --text read the same words out of a message; plain text goes through
 * the UTF-8 check of eml_filter_charset, so both paths hand this filter
 * valid UTF-8 with U+FFFD for bytes that were not.  What is left here is
 * the normalising: every run of white space (Unicode White_Space, which
 * has U+00A0, so "&nbsp;" is a blank here while the HTML filter keeps it
 * unbroken) is one space, none leads or trails, controls are dropped,
 * and the text stops after EML_PREVIEW_CHARS characters, never inside
 * one.  State is a few fields: any chunking gives the same preview.
 */
#include <string.h>

#include "eml_priv.h"

struct preview_sink {
	struct eml_sink s;
	unsigned chars;		/* characters written */
	int space;		/* white space seen since the last one */
	unsigned char u8[4];	/* a character split across writes */
	unsigned u8_len, u8_need;
	/* at most one write's characters: the cap bounds it */
	unsigned char buf[4 * EML_PREVIEW_CHARS + EML_PREVIEW_CHARS];
	size_t n;
};

/* Unicode 15 White_Space (PropList.txt), ASCII and the line ends
 * included. */
static int
is_space(uint32_t c)
{
	return c == ' ' || (c >= 0x09 && c <= 0x0d) || c == 0x85 ||
	    c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
	    c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
	    c == 0x3000;
}

/* One whole character u8[0..len) with code point c. */
static void
pv_char(struct preview_sink *p, const unsigned char *u8, size_t len,
    uint32_t c)
{
	if (p->chars >= EML_PREVIEW_CHARS)
		return;
	if (is_space(c)) {
		p->space = 1;
		return;
	}
	/* C0, DEL and C1 controls show as nothing */
	if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
		return;
	if (p->space && p->chars > 0) {
		/* no room for the word after it: end here, never on a
		 * blank */
		if (p->chars + 2 > EML_PREVIEW_CHARS) {
			p->chars = EML_PREVIEW_CHARS;
			return;
		}
		p->buf[p->n++] = ' ';
		p->chars++;
	}
	p->space = 0;
	memcpy(p->buf + p->n, u8, len);
	p->n += len;
	p->chars++;
}

static int
preview_write(struct eml_sink *s, const void *v, size_t n)
{
	struct preview_sink *p = (struct preview_sink *)s;
	const unsigned char *q = v, *end = q + n;
	uint32_t c;
	unsigned i;
	int r;

	p->n = 0;
	for (; q < end && p->chars < EML_PREVIEW_CHARS; q++) {
		if (p->u8_need == 0) {
			if (*q < 0x80) {
				pv_char(p, q, 1, *q);
				continue;
			}
			/* the input is valid UTF-8 (see the top): a lead
			 * byte tells the length; a stray continuation byte
			 * is skipped all the same */
			if (*q < 0xc0)
				continue;
			p->u8_need = *q < 0xe0 ? 2 : *q < 0xf0 ? 3 : 4;
			p->u8[0] = *q;
			p->u8_len = 1;
			continue;
		}
		p->u8[p->u8_len++] = *q;
		if (p->u8_len < p->u8_need)
			continue;
		c = p->u8[0] & (0x7f >> p->u8_need);
		for (i = 1; i < p->u8_need; i++)
			c = c << 6 | (p->u8[i] & 0x3f);
		pv_char(p, p->u8, p->u8_need, c);
		p->u8_need = p->u8_len = 0;
	}
	/* past the cap the rest is dropped: the writer need not know */
	if (p->n > 0 && (r = eml_sink_write(s->next, p->buf, p->n)) < 0)
		return r;
	return EML_OK;
}

static const struct emli_sink_ops preview_ops = { preview_write, NULL,
    NULL };

struct eml_sink *
eml_filter_preview(struct eml_sink *next, int html)
{
	struct eml_sink *s;

	s = emli_sink_new(sizeof(struct preview_sink), &preview_ops, next, 1);
	if (s == NULL)
		return NULL;
	return html ? eml_filter_html2text(s) :
	    eml_filter_charset(s, "UTF-8", "UTF-8");
}

int
eml_preview(const char *utf8, size_t len, int html, struct eml_buf *out)
{
	struct eml_sink *s = eml_filter_preview(eml_sink_buf(out), html);
	int r;

	if (s == NULL)
		return EML_ENOMEM;
	if ((r = eml_sink_write(s, utf8, len)) < 0) {
		eml_sink_abort(s);
		return r;
	}
	return eml_sink_close(s);
}
