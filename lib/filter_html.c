/*
 * filter_html.c - HTML to plain text, streaming (eml_filter_html2text).
 *
 * A byte state machine in the spirit of the HTML tokenizer (WHATWG HTML
 * 13.2.5), cut down to what reading a mail body needs: tags are dropped,
 * comments and the contents of <script> and <style> too, block elements
 * and <br> end a line, character references (13.2.5.72) are decoded to
 * UTF-8 and runs of white space become one space as CSS 'white-space:
 * normal' renders them (kept inside <pre>).  Every piece of state is a
 * fixed-size field, so memory does not depend on the input and where
 * the input is split cannot change the output.  Input is taken as
 * UTF-8; invalid bytes become U+FFFD, so the output is always UTF-8.
 */
#include <errno.h>
#include <string.h>

#include "eml_priv.h"

#define OUTBUF		4096
#define NAME_MAX_	16	/* longer tag names are not ones we know */
#define REF_MAX		32	/* longest reference we try to decode */

enum hstate {
	H_TEXT,
	H_TAG_OPEN,	/* after '<' */
	H_TAG_NAME,
	H_TAG_ATTR,	/* inside a tag after its name, until '>' */
	H_TAG_QUOTE,	/* inside a quoted attribute value */
	H_MARKUP,	/* "<!" or "<?": comment or declaration */
	H_COMMENT,	/* "<!--" ... "-->" */
	H_RAWTEXT,	/* <script>/<style> content, until its end tag */
	H_REF		/* after '&' */
};

struct html_sink {
	struct eml_sink s;
	enum hstate st;
	char name[NAME_MAX_ + 1];	/* tag name, lower-case */
	unsigned name_len;
	int name_long;			/* name over NAME_MAX_ */
	int closing;			/* "</" */
	unsigned char quote;		/* H_TAG_QUOTE: ' or " */
	unsigned mark_n;		/* H_MARKUP: bytes seen; "--" */
	unsigned dashes;		/* H_COMMENT: '-' run before '>' */
	const char *raw_end;		/* H_RAWTEXT: "script" or "style" */
	unsigned raw_match;		/* bytes of "</NAME" matched */
	char ref[REF_MAX + 1];		/* H_REF: bytes after '&' */
	unsigned ref_len;
	unsigned pre;			/* <pre> nesting (capped) */
	/* output layout */
	int started;			/* any text written */
	int space;			/* a space is pending */
	unsigned nl;			/* line ends pending (max 2) */
	int bol;			/* at the start of a line */
	/* UTF-8 check of text bytes */
	unsigned char u8[4];
	unsigned u8_len, u8_need;
	/* output buffer */
	unsigned char buf[OUTBUF];
	size_t n;
	int err;
};

static void
h_flush(struct html_sink *h)
{
	int r;

	if (h->n > 0 && h->err == EML_OK &&
	    (r = eml_sink_write(h->s.next, h->buf, h->n)) < 0)
		h->err = r;
	h->n = 0;
}

static void
h_raw(struct html_sink *h, const void *p, size_t n)
{
	if (n > sizeof(h->buf) - h->n)
		h_flush(h);
	memcpy(h->buf + h->n, p, n);	/* n is at most 4 */
	h->n += n;
}

/* Pending layout before a visible character. */
static void
h_layout(struct html_sink *h)
{
	if (h->started && h->nl > 0) {
		h_raw(h, "\n\n", h->nl > 1 ? 2 : 1);
		h->bol = 1;
	} else if (h->started && h->space && !h->bol)
		h_raw(h, " ", 1);
	h->nl = 0;
	h->space = 0;
	h->started = 1;
	h->bol = 0;
}

/* One visible code point (already valid). */
static void
h_cp(struct html_sink *h, uint32_t c)
{
	unsigned char b[4];
	size_t n;

	if (c == 0 || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		c = 0xfffd;	/* 13.2.5.80: null, surrogate, out of range */
	if (c < 0x80) {
		b[0] = (unsigned char)c;
		n = 1;
	} else if (c < 0x800) {
		b[0] = (unsigned char)(0xc0 | (c >> 6));
		b[1] = (unsigned char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (c >> 12));
		b[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (c >> 18));
		b[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (c & 0x3f));
		n = 4;
	}
	h_layout(h);
	h_raw(h, b, n);
}

static void
h_ws(struct html_sink *h, unsigned char c)
{
	if (h->pre > 0) {
		if (c == '\n' && !h->started)
			return;
		if (c == '\n') {
			h_raw(h, "\n", 1);
			h->bol = 1;
			h->space = 0;
		} else if (c != '\r') {
			h_layout(h);
			h_raw(h, &c, 1);
		}
		return;
	}
	h->space = 1;
}

static void
h_break(struct html_sink *h, unsigned n)
{
	if (h->nl < n)
		h->nl = n;
	h->space = 0;
}

/* Text bytes: UTF-8 checked across writes (RFC 3629 4). */
static void
h_byte(struct html_sink *h, unsigned char c)
{
	if (h->u8_need > 0) {
		int ok = (c & 0xc0) == 0x80;

		if (ok && h->u8_len == 1) {
			/* second byte ranges rule out overlongs, surrogates
			 * and code points past U+10FFFF */
			if (h->u8[0] == 0xe0 && c < 0xa0)
				ok = 0;
			else if (h->u8[0] == 0xed && c > 0x9f)
				ok = 0;
			else if (h->u8[0] == 0xf0 && c < 0x90)
				ok = 0;
			else if (h->u8[0] == 0xf4 && c > 0x8f)
				ok = 0;
		}
		if (!ok) {
			h->u8_need = 0;
			h->u8_len = 0;
			h_cp(h, 0xfffd);
			/* c starts afresh */
		} else {
			h->u8[h->u8_len++] = c;
			if (h->u8_len < h->u8_need)
				return;
			h_layout(h);
			h_raw(h, h->u8, h->u8_len);
			h->u8_need = 0;
			h->u8_len = 0;
			return;
		}
	}
	if (c < 0x80) {
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f')
			h_ws(h, c);
		else if (c < 0x20 || c == 0x7f)
			return;		/* controls render as nothing */
		else
			h_cp(h, c);
		return;
	}
	if (c >= 0xc2 && c <= 0xdf)
		h->u8_need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		h->u8_need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		h->u8_need = 4;
	else {
		h_cp(h, 0xfffd);
		return;
	}
	h->u8[0] = c;
	h->u8_len = 1;
}

static void
h_u8_end(struct html_sink *h)
{
	if (h->u8_need > 0) {
		h->u8_need = 0;
		h->u8_len = 0;
		h_cp(h, 0xfffd);
	}
}

/* Elements that start and end a line (CSS display: block and the like,
 * HTML 15.3). */
static const char *const blocks[] = {
	"address", "article", "aside", "blockquote", "center", "dd", "div",
	"dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
	"h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
	"nav", "ol", "p", "pre", "section", "table", "tr", "ul", "title",
	"caption", "tbody", "thead", "tfoot", NULL
};

static int
is_block(const char *n)
{
	unsigned i;

	for (i = 0; blocks[i] != NULL; i++)
		if (strcmp(blocks[i], n) == 0)
			return 1;
	return 0;
}

/* The tag just closed with '>'. */
static void
h_tag_done(struct html_sink *h)
{
	const char *n = h->name;

	h->st = H_TEXT;
	if (h->name_long || h->name_len == 0)
		return;
	if (!h->closing && (strcmp(n, "script") == 0 ||
	    strcmp(n, "style") == 0)) {
		h->raw_end = n[1] == 'c' ? "script" : "style";
		h->raw_match = 0;
		h->st = H_RAWTEXT;
		return;
	}
	if (strcmp(n, "br") == 0) {
		/* one line end, even several in a row */
		h_u8_end(h);
		if (h->started) {
			if (h->nl > 0) {
				h_raw(h, "\n\n", h->nl > 1 ? 2 : 1);
				h->nl = 0;
			}
			h_raw(h, "\n", 1);
			h->bol = 1;
		}
		h->space = 0;
		return;
	}
	if (strcmp(n, "td") == 0 || strcmp(n, "th") == 0) {
		if (!h->closing)
			h->space = 1;	/* cells side by side */
		return;
	}
	if (strcmp(n, "pre") == 0) {
		if (h->closing && h->pre > 0)
			h->pre--;
		else if (!h->closing && h->pre < 64)
			h->pre++;
	}
	if (is_block(n))
		h_break(h, n[0] == 'p' || n[0] == 'h' ? 2 : 1);
}

/* Named references mail uses (HTML 13.5 has 2231; these are the ones
 * seen in real messages); any other is kept as written. */
static const struct {
	const char *name;
	uint32_t cp;
} named[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "nbsp", 0xa0 }, { "copy", 0xa9 },
	{ "reg", 0xae }, { "trade", 0x2122 }, { "hellip", 0x2026 },
	{ "mdash", 0x2014 }, { "ndash", 0x2013 }, { "lsquo", 0x2018 },
	{ "rsquo", 0x2019 }, { "ldquo", 0x201c }, { "rdquo", 0x201d },
	{ "laquo", 0xab }, { "raquo", 0xbb }, { "bull", 0x2022 },
	{ "middot", 0xb7 }, { "euro", 0x20ac }, { "pound", 0xa3 },
	{ "yen", 0xa5 }, { "cent", 0xa2 }, { "sect", 0xa7 },
	{ "deg", 0xb0 }, { "plusmn", 0xb1 }, { "times", 0xd7 },
	{ "divide", 0xf7 }, { "para", 0xb6 }, { "iexcl", 0xa1 },
	{ "iquest", 0xbf }, { "zwnj", 0x200c }, { "zwj", 0x200d },
	{ "shy", 0xad }, { "auml", 0xe4 }, { "ouml", 0xf6 },
	{ "uuml", 0xfc }, { "Auml", 0xc4 }, { "Ouml", 0xd6 },
	{ "Uuml", 0xdc }, { "szlig", 0xdf }, { "eacute", 0xe9 },
	{ "egrave", 0xe8 }, { "agrave", 0xe0 }, { "aacute", 0xe1 },
	{ "ccedil", 0xe7 }, { "ntilde", 0xf1 }, { "oacute", 0xf3 },
	{ "iacute", 0xed }, { "uacute", 0xfa }, { "Eacute", 0xc9 },
	{ NULL, 0 }
};

/* Windows-1252 for references to C1 controls (13.2.5.80). */
static const uint16_t c1[32] = {
	0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
	0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178
};

/* Decode ref[0..ref_len) ("#65", "#x41", "amp"); 1 and *cp if known. */
static int
ref_decode(const struct html_sink *h, uint32_t *cp)
{
	const char *r = h->ref;
	uint32_t v = 0;
	unsigned i, nd = 0;

	if (h->ref_len >= 2 && r[0] == '#') {
		int hex = r[1] == 'x' || r[1] == 'X';

		for (i = hex ? 2 : 1; i < h->ref_len; i++) {
			unsigned char c = (unsigned char)r[i];
			unsigned d;

			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (hex && c >= 'a' && c <= 'f')
				d = c - 'a' + 10;
			else if (hex && c >= 'A' && c <= 'F')
				d = c - 'A' + 10;
			else
				return 0;
			if (v <= 0x110000)
				v = v * (hex ? 16 : 10) + d;
			nd++;
		}
		if (nd == 0)
			return 0;
		if (v >= 0x80 && v <= 0x9f)
			v = c1[v - 0x80];
		*cp = v;
		return 1;
	}
	for (i = 0; named[i].name != NULL; i++)
		if (strlen(named[i].name) == h->ref_len &&
		    memcmp(named[i].name, r, h->ref_len) == 0) {
			*cp = named[i].cp;
			return 1;
		}
	return 0;
}

/* The reference ended (at end, which is not part of it, or ';'). */
static void
h_ref_done(struct html_sink *h, int semi)
{
	uint32_t cp;
	unsigned i;

	h->st = H_TEXT;
	if (ref_decode(h, &cp)) {
		if (cp == 0xad || cp == 0x200c || cp == 0x200d)
			return;		/* invisible */
		if (cp == 0xa0) {
			/* a no-break space is not collapsed */
			h_cp(h, cp);
			return;
		}
		h_cp(h, cp);
		return;
	}
	h_byte(h, '&');
	for (i = 0; i < h->ref_len; i++)
		h_byte(h, (unsigned char)h->ref[i]);
	if (semi)
		h_byte(h, ';');
}

static int
is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

static void
h_step(struct html_sink *h, unsigned char c)
{
	switch (h->st) {
	case H_TEXT:
		if (c == '<') {
			h_u8_end(h);
			h->st = H_TAG_OPEN;
		} else if (c == '&') {
			h_u8_end(h);
			h->ref_len = 0;
			h->st = H_REF;
		} else
			h_byte(h, c);
		return;
	case H_REF:
		if (c == ';') {
			h_ref_done(h, 1);
		} else if ((is_alnum(c) || (c == '#' && h->ref_len == 0)) &&
		    h->ref_len < REF_MAX) {
			h->ref[h->ref_len++] = (char)c;
		} else {
			h_ref_done(h, 0);
			h_step(h, c);
		}
		return;
	case H_TAG_OPEN:
		h->name_len = 0;
		h->name_long = 0;
		h->closing = 0;
		if (c == '/') {
			h->closing = 1;
			h->st = H_TAG_NAME;
		} else if (c == '!' || c == '?') {
			h->mark_n = 0;
			h->st = H_MARKUP;
		} else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
			h->st = H_TAG_NAME;
			h_step(h, c);
		} else {
			/* 13.2.5.6: not a tag, the '<' is text */
			h->st = H_TEXT;
			h_byte(h, '<');
			h_step(h, c);
		}
		return;
	case H_TAG_NAME:
		if (is_alnum(c)) {
			if (h->name_len < NAME_MAX_)
				h->name[h->name_len++] = (char)(c >= 'A' &&
				    c <= 'Z' ? c + 32 : c);
			else
				h->name_long = 1;
			return;
		}
		h->name[h->name_len] = '\0';
		h->st = H_TAG_ATTR;
		h_step(h, c);
		return;
	case H_TAG_ATTR:
		if (c == '>')
			h_tag_done(h);
		else if (c == '"' || c == '\'') {
			h->quote = c;
			h->st = H_TAG_QUOTE;
		}
		return;
	case H_TAG_QUOTE:
		if (c == h->quote)
			h->st = H_TAG_ATTR;
		return;
	case H_MARKUP:
		/* "<!--" starts a comment; anything else ends at '>' */
		if (h->mark_n < 2 && c == '-') {
			if (++h->mark_n == 2) {
				h->dashes = 0;
				h->st = H_COMMENT;
			}
			return;
		}
		h->mark_n = 3;
		if (c == '>')
			h->st = H_TEXT;
		return;
	case H_COMMENT:
		if (c == '>' && h->dashes >= 2)
			h->st = H_TEXT;
		else if (c == '-')
			h->dashes++;
		else
			h->dashes = 0;
		return;
	case H_RAWTEXT: {
		/* look for "</script" or "</style", any case */
		size_t len = strlen(h->raw_end);
		unsigned m = h->raw_match;

		if (m == 0)
			m = c == '<' ? 1 : 0;
		else if (m == 1)
			m = c == '/' ? 2 : (c == '<' ? 1 : 0);
		else if (m - 2 < len) {
			if ((c >= 'A' && c <= 'Z' ? c + 32 : c) ==
			    (unsigned char)h->raw_end[m - 2])
				m++;
			else
				m = c == '<' ? 1 : 0;
		}
		if (m == len + 2) {
			/* the end tag: its name read, rest to '>' */
			memcpy(h->name, h->raw_end, len + 1);
			h->name_len = (unsigned)len;
			h->name_long = 0;
			h->closing = 1;
			h->st = H_TAG_ATTR;
			m = 0;
		}
		h->raw_match = m;
		return;
	}
	}
}

static int
html_write(struct eml_sink *s, const void *p, size_t n)
{
	struct html_sink *h = (struct html_sink *)s;
	const unsigned char *q = p;
	size_t i;

	for (i = 0; i < n && h->err == EML_OK; i++)
		h_step(h, q[i]);
	h_flush(h);
	return h->err;
}

static int
html_finish(struct eml_sink *s)
{
	struct html_sink *h = (struct html_sink *)s;

	if (h->st == H_REF)
		h_ref_done(h, 0);
	else if (h->st == H_TAG_OPEN)
		h_byte(h, '<');
	h_u8_end(h);
	if (h->started && !h->bol)
		h_raw(h, "\n", 1);
	h_flush(h);
	return h->err;
}

static const struct emli_sink_ops html_ops = { html_write, html_finish,
    NULL };

struct eml_sink *
eml_filter_html2text(struct eml_sink *next)
{
	struct html_sink *h;

	h = (struct html_sink *)emli_sink_new(sizeof(*h), &html_ops, next, 1);
	if (h == NULL)
		return NULL;
	h->st = H_TEXT;
	h->bol = 1;
	h->err = EML_OK;
	return &h->s;
}
