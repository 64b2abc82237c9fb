/*
 * rfc2047.c - RFC 2047 encoded-words: lenient decoding of header text and
 * encoding of UTF-8 text.
 *
 * The decoder takes a field value as found in mail, folded or not, with
 * any mix of plain text, raw 8-bit and encoded-words, and does what real
 * mail needs (each point is a line in docs/LENIENCY.md):
 * - whitespace between two encoded-words is dropped (RFC 2047 6.2), and
 *   the bytes of adjacent words in the same charset are joined before
 *   charset conversion, so a multibyte character split across two words
 *   survives;
 * - words need no whitespace around them ("R=?iso-8859-1?Q?=E5?=fisk"),
 *   are decoded inside quoted strings too, and may contain whitespace or
 *   folds (the folds are dropped, other spaces kept, as mail-parser and
 *   most clients do); these set EML_D_RFC2047_LENIENT;
 * - B text without padding or with garbage, Q text with bad "=" escapes
 *   are decoded as far as possible (EML_D_RFC2047_LENIENT);
 * - "=?" that does not start a well-formed word is kept literally
 *   (EML_D_RFC2047_INVALID);
 * - a fold in plain text (whitespace around CRLF) reads as one space;
 * - raw 8-bit outside words is kept if it is valid UTF-8 (RFC 6532), else
 *   its UTF-8 runs are kept and the rest decoded with the fallback list
 *   (eml_charset_fallback, EML_D_HEADER_8BIT); raw ISO-2022-JP
 *   (ESC sequences, common in Japanese mail) is decoded as such;
 * - NUL becomes U+FFFD.
 * Work is linear: an encoded-word's text cannot contain "?", so each
 * byte is scanned by a bounded number of word candidates.
 */
#include <stdlib.h>

#include "eml_priv.h"

#define CS_MAX		75	/* longest charset label we accept */
#define WORD_MAX	75	/* RFC 2047 2: encoded-word length */
#define FOLD_COL	78	/* RFC 5322 2.1.1: recommended line length */
#define OVERHEAD	12	/* strlen("=?UTF-8?Q?") + strlen("?=") */

#define IS_LWS(c)	(EMLI_WSP(c) || (c) == '\r' || (c) == '\n')

struct word {
	const char *cs;		/* charset, without "*language" */
	size_t cslen;
	int enc;		/* 'B' or 'Q' */
	const char *text;
	size_t tlen;
	size_t end;		/* index just past "?=" */
	int lenient;		/* whitespace or 8-bit inside the text */
};

struct dec {
	struct eml_buf *out;
	const char *fallback;
	struct eml_buf plain;	/* pending plain text (raw bytes) */
	struct eml_buf grp;	/* decoded bytes of the current word group */
	char grp_cs[CS_MAX + 1];
	int grp_active;
	struct eml_defects defects;
};

/*
 * RFC 2047 2: encoded-word = "=?" charset "?" encoding "?" encoded-text
 * "?=".  s[i] is "=?".  Returns 1 and fills w if a word starts at i.
 */
static int
parse_word(const char *s, size_t len, size_t i, struct word *w)
{
	size_t j = i + 2, k, t;
	unsigned char c;

	for (k = j; k < len && s[k] != '?'; k++) {
		c = (unsigned char)s[k];
		if (k - j >= CS_MAX || c <= ' ' || c >= 0x7F)
			return 0;
	}
	if (k >= len || k == j)
		return 0;
	w->cs = s + j;
	/* RFC 2231 5: charset "*" language; the language is dropped. */
	for (w->cslen = 0; w->cslen < k - j && w->cs[w->cslen] != '*';
	    w->cslen++)
		;
	if (w->cslen == 0)
		return 0;
	k++;
	if (k + 1 >= len || s[k + 1] != '?')
		return 0;
	w->enc = s[k] == 'b' || s[k] == 'B' ? 'B' :
	    s[k] == 'q' || s[k] == 'Q' ? 'Q' : 0;
	if (w->enc == 0)
		return 0;
	t = k + 2;
	w->lenient = 0;
	for (k = t; k < len && s[k] != '?'; k++) {
		c = (unsigned char)s[k];
		if (IS_LWS(c) || c >= 0x80)
			w->lenient = 1;
	}
	if (k + 1 >= len || s[k + 1] != '=')
		return 0;
	w->text = s + t;
	w->tlen = k - t;
	w->end = k + 2;
	return 1;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Room for n more bytes in b, or NULL (ENOMEM, or b's cap: the
 * scratch buffers' caps are the input's length, never reached). */
static char *
room(struct eml_buf *b, size_t n, int *r)
{
	char *w;

	if (b->max != 0 && b->len + n > b->max) {
		*r = EML_ELIMIT;
		return NULL;
	}
	if ((w = eml_buf_reserve(b, n)) == NULL)
		*r = EML_ENOMEM;
	return w;
}

/* RFC 2047 4.2: Q encoding.  Folds inside the text are dropped.  The
 * output is never longer than the text: it is written in place. */
static int
q_decode(const char *t, size_t n, struct eml_buf *b, int *lenient)
{
	const unsigned char *p = (const unsigned char *)t;
	size_t i;
	int r = EML_OK, hi, lo;
	char *w, *o;

	if ((w = room(b, n, &r)) == NULL)
		return r;
	o = w;
	for (i = 0; i < n; i++) {
		if (p[i] == '_') {
			*o++ = ' ';
		} else if (p[i] == '=') {
			hi = i + 1 < n ? hexval(p[i + 1]) : -1;
			lo = i + 2 < n ? hexval(p[i + 2]) : -1;
			if (hi >= 0 && lo >= 0) {
				*o++ = (char)(hi << 4 | lo);
				i += 2;
			} else {
				*lenient = 1;
				*o++ = '=';
			}
		} else if (p[i] == '\r' || p[i] == '\n') {
			while (i + 1 < n && IS_LWS(p[i + 1]))
				i++;
		} else
			*o++ = (char)p[i];
	}
	b->len += (size_t)(o - w);
	b->data[b->len] = '\0';
	return EML_OK;
}

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* RFC 2047 4.1: B encoding, tolerating missing padding and garbage. */
static int
b_decode(const char *t, size_t n, struct eml_buf *b, int *lenient)
{
	const unsigned char *p = (const unsigned char *)t;
	uint32_t acc = 0;
	unsigned nbits = 0, q = 0;
	size_t i;
	int v, r = EML_OK;
	char *w, *o;

	/* 6 bits a byte of text: the output is shorter than n */
	if ((w = room(b, n, &r)) == NULL)
		return r;
	o = w;
	for (i = 0; i < n; i++) {
		if ((v = b64val(p[i])) >= 0) {
			acc = (acc << 6 | (uint32_t)v) & 0xFFFFFF;
			nbits += 6;
			q = (q + 1) % 4;
			if (nbits >= 8) {
				nbits -= 8;
				*o++ = (char)(acc >> nbits & 0xFF);
			}
		} else if (p[i] == '=') {
			/* End of a quantum; data after it is another
			 * encoding glued on, decode it too. */
			if (q == 1)
				*lenient = 1;
			acc = nbits = q = 0;
		} else if (!IS_LWS(p[i]))
			*lenient = 1;
	}
	if (q != 0)
		*lenient = 1;	/* missing padding */
	b->len += (size_t)(o - w);
	b->data[b->len] = '\0';
	return EML_OK;
}

static size_t
count_nul(const char *s, size_t n)
{
	const char *e = s + n, *q;
	size_t c = 0;

	for (; s < e && (q = memchr(s, '\0', (size_t)(e - s))) != NULL;
	    s = q + 1)
		c++;
	return c;
}

/* U+FFFD as UTF-8 (EF BF BD) in s[0..n), as the old byte-wise scan
 * counted it (overlapping matches cannot occur). */
static size_t
count_fffd(const char *s, size_t n)
{
	const char *e = s + n, *q;
	size_t c = 0;

	for (; s < e && (q = memchr(s, '\xEF', (size_t)(e - s))) != NULL;
	    s = q + 1)
		if (e - q >= 3 && memcmp(q, "\xEF\xBF\xBD", 3) == 0)
			c++;
	return c;
}

/* Append converted bytes, NUL -> U+FFFD, and note U+FFFD introduced. */
static int
add_text(struct dec *d, const char *cs, const char *in, size_t n,
    enum eml_diag_code unknown_code)
{
	struct eml_buf *out = d->out;
	size_t old = out->len, i, nul = 0, rep_in = 0, rep_out = 0;
	int guessed = 0, r;
	char *copy;

	/* cs NULL: undeclared 8-bit, through the fallback list */
	if (cs == NULL)
		r = eml_charset_fallback(d->fallback, in, n, out);
	else
		r = eml_charset_to_utf8(cs, in, n, d->fallback, out,
		    &guessed);
	if (r != EML_OK)
		return r;
	if (guessed)
		eml_defects_set(&d->defects, unknown_code);
	/* NULs, and U+FFFD (EF BF BD) out and in: found by memchr, since
	 * most text has none */
	nul = count_nul(out->data + old, out->len - old);
	rep_out = count_fffd(out->data + old, out->len - old);
	rep_in = count_fffd(in, n);
	if (rep_out > rep_in)
		eml_defects_set(&d->defects, EML_D_CHARSET_INVALID);
	if (nul == 0)
		return EML_OK;
	if ((copy = malloc(out->len - old)) == NULL)
		return EML_ENOMEM;
	n = out->len - old;
	memcpy(copy, out->data + old, n);
	out->len = old;
	for (i = 0, r = EML_OK; i < n && r == EML_OK; i++)
		r = copy[i] == '\0' ? eml_buf_add_utf8(out, 0xFFFD) :
		    eml_buf_addc(out, copy[i]);
	free(copy);
	return r;
}

static int
flush_group(struct dec *d)
{
	int r;

	if (!d->grp_active)
		return EML_OK;
	d->grp_active = 0;
	r = add_text(d, d->grp_cs, d->grp.data, d->grp.len,
	    EML_D_CHARSET_UNKNOWN);
	eml_buf_reset(&d->grp);
	return r;
}

static int
flush_plain(struct dec *d)
{
	const char *p = d->plain.data;
	size_t n = d->plain.len;
	const char *cs = "UTF-8";
	int r;

	if (n == 0)
		return EML_OK;
	if (memchr(p, 0x1B, n) != NULL && memchr(p, '$', n) != NULL) {
		cs = "ISO-2022-JP";
		eml_defects_set(&d->defects, EML_D_HEADER_8BIT);
	} else if (!eml_utf8_valid(p, n)) {
		cs = NULL;	/* UTF-8 runs kept, the rest by fallback */
		eml_defects_set(&d->defects, EML_D_HEADER_8BIT);
	}
	if (memchr(p, '\0', n) != NULL)
		eml_defects_set(&d->defects, EML_D_HEADER_NUL);
	r = add_text(d, cs, p, n, EML_D_HEADER_8BIT);
	eml_buf_reset(&d->plain);
	return r;
}

static int
handle_word(struct dec *d, const char *s, size_t len, size_t i,
    const struct word *w)
{
	int lenient = w->lenient, r;

	/* RFC 2047 5: a word must be delimited by whitespace or, in a
	 * comment, by parentheses. */
	if (i > 0 && !IS_LWS(s[i - 1]) && s[i - 1] != '(')
		lenient = 1;
	if (w->end < len && !IS_LWS(s[w->end]) && s[w->end] != ')')
		lenient = 1;
	if (!d->grp_active || !emli_eqi(w->cs, w->cslen, d->grp_cs)) {
		if ((r = flush_group(d)) != EML_OK ||
		    (r = flush_plain(d)) != EML_OK)
			return r;
		emli_strlcpy(d->grp_cs, w->cs, w->cslen, sizeof(d->grp_cs));
		d->grp_active = 1;
	}
	if (w->enc == 'B')
		r = b_decode(w->text, w->tlen, &d->grp, &lenient);
	else
		r = q_decode(w->text, w->tlen, &d->grp, &lenient);
	if (lenient)
		eml_defects_set(&d->defects, EML_D_RFC2047_LENIENT);
	return r;
}

static int
is_word_at(const char *s, size_t len, size_t i, struct word *w)
{
	return i + 1 < len && s[i] == '=' && s[i + 1] == '?' &&
	    parse_word(s, len, i, w);
}

/*
 * The common value: printable ASCII and blanks, without "=?".  Nothing
 * to decode or convert and no defect: the result is the input with each
 * run of LWS that holds a CR or LF turned into one space, as the general
 * loop below turns it.  Returns 1 when done, 0 to take the general
 * path (not such a value, or out cannot take it: the general path
 * reports why).
 */
static int
decode_plain(const char *s, size_t len, struct eml_buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, j;
	char *w, *o;

	for (i = 0; i < len; i++)
		if (p[i] >= 0x7F || (p[i] < 0x20 && !IS_LWS(p[i])) ||
		    (p[i] == '=' && i + 1 < len && p[i + 1] == '?'))
			return 0;
	if (out->max != 0 && out->len + len > out->max)
		return 0;
	if ((w = eml_buf_reserve(out, len)) == NULL)
		return 0;
	o = w;
	for (i = 0; i < len; i = j) {
		if (!IS_LWS(p[i])) {
			for (j = i + 1; j < len && !IS_LWS(p[j]); j++)
				;
			memcpy(o, s + i, j - i);
			o += j - i;
			continue;
		}
		for (j = i; j < len && IS_LWS(p[j]) && p[j] != '\r' &&
		    p[j] != '\n'; j++)
			;
		if (j < len && IS_LWS(p[j])) {
			/* a fold in the run: it reads as one space */
			while (j < len && IS_LWS(p[j]))
				j++;
			*o++ = ' ';
		} else {
			memcpy(o, s + i, j - i);
			o += j - i;
		}
	}
	out->len += (size_t)(o - w);
	out->data[out->len] = '\0';
	return 1;
}

int
eml_rfc2047_decode(const char *s, size_t len, const char *fallback,
    struct eml_buf *out, struct eml_defects *defects_r)
{
	struct dec d;
	struct word w;
	size_t i = 0, j, w_at = SIZE_MAX;	/* w was parsed at w_at */
	int fold, r = EML_OK;

	if (decode_plain(s, len, out))
		return EML_OK;
	memset(&d, 0, sizeof(d));
	d.out = out;
	d.fallback = fallback;
	/* Both scratch buffers hold at most the input's bytes. */
	d.plain.max = len + 1;
	d.grp.max = len + 1;
	while (i < len && r == EML_OK) {
		if (s[i] == '=' && i + 1 < len && s[i + 1] == '?') {
			if (w_at == i || parse_word(s, len, i, &w)) {
				r = handle_word(&d, s, len, i, &w);
				i = w.end;
				continue;
			}
			eml_defects_set(&d.defects, EML_D_RFC2047_INVALID);
			if ((r = flush_group(&d)) == EML_OK)
				r = eml_buf_add(&d.plain, "=?", 2);
			i += 2;
			continue;
		}
		if (IS_LWS(s[i])) {
			fold = 0;
			for (j = i; j < len && IS_LWS(s[j]); j++)
				if (s[j] == '\r' || s[j] == '\n')
					fold = 1;
			/* RFC 2047 6.2: whitespace between adjacent
			 * encoded-words is not displayed. */
			if (d.grp_active && is_word_at(s, len, j, &w)) {
				i = w_at = j;	/* not parsed twice */
				continue;
			}
			if ((r = flush_group(&d)) != EML_OK)
				break;
			r = fold ? eml_buf_addc(&d.plain, ' ') :
			    eml_buf_add(&d.plain, s + i, j - i);
			i = j;
			continue;
		}
		if ((r = flush_group(&d)) != EML_OK)
			break;
		for (j = i + 1; j < len && s[j] != '=' && !IS_LWS(s[j]); j++)
			;
		r = eml_buf_add(&d.plain, s + i, j - i);
		i = j;
	}
	if (r == EML_OK && (r = flush_group(&d)) == EML_OK)
		r = flush_plain(&d);
	eml_buf_free(&d.plain);
	eml_buf_free(&d.grp);
	if (defects_r != NULL)
		eml_defects_or(defects_r, &d.defects);
	return r;
}

/* ------------------------------------------------------------------ */
/* Encoding.                                                           */

/* RFC 2047 5 (3): characters a Q word may carry as themselves in any
 * position (phrase, comment or text). */
static int
q_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '!' || c == '*' || c == '+' ||
	    c == '-' || c == '/' || c == ' ';
}

static size_t
q_len(const unsigned char *p, size_t n)
{
	size_t i, l = 0;

	for (i = 0; i < n; i++)
		l += q_safe(p[i]) ? 1 : 3;
	return l;
}

static size_t
b_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

static size_t
seq_len(const unsigned char *p, size_t n)
{
	size_t k = 1;

	if (p[0] >= 0xC0)
		while (k < n && k < 4 && (p[k] & 0xC0) == 0x80)
			k++;
	return k;
}

static int
put_word(const unsigned char *p, size_t n, int useb, struct eml_buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char tmp[WORD_MAX * 2];
	size_t i, o = 0;
	uint32_t v;
	int r;

	if (useb) {
		for (i = 0; i < n; i += 3) {
			v = (uint32_t)p[i] << 16;
			if (i + 1 < n)
				v |= (uint32_t)p[i + 1] << 8;
			if (i + 2 < n)
				v |= p[i + 2];
			tmp[o++] = b64[v >> 18 & 63];
			tmp[o++] = b64[v >> 12 & 63];
			tmp[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
			tmp[o++] = i + 2 < n ? b64[v & 63] : '=';
		}
	} else {
		for (i = 0; i < n; i++) {
			if (p[i] == ' ')
				tmp[o++] = '_';
			else if (q_safe(p[i]))
				tmp[o++] = p[i];
			else {
				tmp[o++] = '=';
				tmp[o++] = hex[p[i] >> 4];
				tmp[o++] = hex[p[i] & 15];
			}
		}
	}
	if ((r = eml_buf_adds(out, useb ? "=?UTF-8?B?" : "=?UTF-8?Q?")) !=
	    EML_OK || (r = eml_buf_add(out, tmp, o)) != EML_OK)
		return r;
	return eml_buf_add(out, "?=", 2);
}

int
eml_rfc2047_encode(const char *utf8, size_t len, int first_col,
    const char *eol, struct eml_buf *out)
{
	struct eml_buf clean = { 0 };
	const unsigned char *p;
	size_t i, j, k, col, avail, elen, rest, nb;
	int useb, first = 1, r = EML_OK;

	if (first_col < 0)
		first_col = 0;
	if (eol == NULL)
		eol = "\r\n";
	if (!eml_utf8_valid(utf8, len)) {
		clean.max = len * 3 + 16;
		if ((r = eml_charset_to_utf8("UTF-8", utf8, len, NULL, &clean,
		    NULL)) != EML_OK)
			goto done;
		utf8 = clean.data;
		len = clean.len;
	}
	p = (const unsigned char *)utf8;
	useb = b_len(len) < q_len(p, len);
	rest = useb ? b_len(len) : q_len(p, len);
	col = (size_t)first_col;
	for (i = 0; i < len; i = j) {
		avail = FOLD_COL > col + !first ? FOLD_COL - col - !first : 0;
		avail = EMLI_MIN(avail, WORD_MAX);
		/* Fold rather than start a stub word: need room for a
		 * reasonable word unless the rest fits.  The first word
		 * folds only if no character fits (the caller's line has
		 * no whitespace of ours to fold at). */
		if (OVERHEAD + rest > avail && (first ?
		    avail < OVERHEAD + 12 : avail < OVERHEAD + 28)) {
			if ((r = eml_buf_adds(out, eol)) != EML_OK ||
			    (r = eml_buf_addc(out, ' ')) != EML_OK)
				goto done;
			col = 1;
			avail = WORD_MAX;
		} else if (!first) {
			if ((r = eml_buf_addc(out, ' ')) != EML_OK)
				goto done;
			col++;
		}
		first = 0;
		/* Whole characters only (RFC 2047 5). */
		for (j = i, elen = 0; j < len; j += k) {
			k = seq_len(p + j, len - j);
			nb = useb ? b_len(j + k - i) : elen + q_len(p + j, k);
			if (j > i && OVERHEAD + nb > avail)
				break;
			elen = nb;
		}
		if ((r = put_word(p + i, j - i, useb, out)) != EML_OK)
			goto done;
		col += OVERHEAD + elen;
		rest = rest > elen ? rest - elen : 0;
		if (useb)
			rest = b_len(len - j);
	}
done:
	eml_buf_free(&clean);
	return r;
}

/* ------------------------------------------------------------------ */
/* Finding words in raw fields (fold.c).                               */

size_t
emli_rfc2047_word_at(const char *s, size_t len, size_t i)
{
	struct word w;

	if (!is_word_at(s, len, i, &w) || w.lenient)
		return 0;
	return w.end - i;
}
