/*
 * fold.c - rewriting one raw header field as eml-convert --fold and
 * --decode-headers need it: over-long lines folded again (RFC 5322
 * 2.2.3), encoded-words (RFC 2047) turned into RFC 6532 UTF-8.
 *
 * Both take a field as it was read (name, colon, value with its folds,
 * line end) and change as few bytes as they can: folding only inserts a
 * line end before whitespace that is there, so unfolding gives back the
 * value it had; decoding replaces runs of encoded-words and nothing
 * around them.  eml_hdr_encode (hdrval.c) folds too, but while it
 * encodes a new value it chooses words to encode; this folds what is
 * written already, and knows where a structured field may not break.
 */
#include <stdlib.h>

#include "eml_priv.h"

#define EW_LINE_MAX	76	/* RFC 2047 2: a line with an encoded-word */
#define BREAKS_MAX	(64 * 1024)	/* break points kept per line */

/* Fields whose value is *text (RFC 5322 3.6.5, RFC 2045 8, RFC 2047 5
 * (1) "extension" X- fields): no quoted strings, comments or brackets. */
static int
unstructured(const char *name, size_t n)
{
	return emli_eqi(name, n, "subject") ||
	    emli_eqi(name, n, "comments") ||
	    emli_eqi(name, n, "content-description") ||
	    emli_eqi(name, n, "thread-topic") ||
	    (n > 2 && strncasecmp(name, "x-", 2) == 0);
}

/* Fields of addresses or phrases, where encoded-words may stand for
 * words of a phrase or in comments (RFC 2047 5 (2), (3)). */
static int
phrase_field(const char *name, size_t n)
{
	static const char *const names[] = { "from", "sender", "reply-to",
	    "to", "cc", "bcc", "resent-from", "resent-sender", "resent-to",
	    "resent-cc", "resent-bcc", "mail-followup-to", "mail-reply-to",
	    "disposition-notification-to", "return-receipt-to", "keywords",
	    NULL };
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (emli_eqi(name, n, names[i]))
			return 1;
	return 0;
}

/* The line end a field uses for a new fold: its own. */
static const char *
field_eol(const char *f, size_t len)
{
	const char *nl = memchr(f, '\n', len);

	return nl != NULL && nl > f && nl[-1] == '\r' ? "\r\n" : "\n";
}

/* 1 if p[0..n) holds an encoded-word. */
static int
has_ew(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++)
		if (p[i] == '=' && p[i + 1] == '?' &&
		    emli_rfc2047_word_at(p, n, i) > 0)
			return 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Folding                                                              */

/* Where a structured field stands while it is scanned. */
struct fstate {
	int quoted;		/* inside a quoted string */
	int escaped;		/* after a backslash */
	unsigned comment;	/* comment depth */
	int angle;		/* inside <...> */
	int bracket;		/* inside [...] */
	char last;		/* last byte outside whitespace */
};

static void
fstate_step(struct fstate *s, char c)
{
	if (s->escaped) {
		s->escaped = 0;
	} else if (s->quoted) {
		if (c == '\\')
			s->escaped = 1;
		else if (c == '"')
			s->quoted = 0;
	} else if (s->comment > 0) {
		if (c == '\\')
			s->escaped = 1;
		else if (c == '(')
			s->comment++;
		else if (c == ')')
			s->comment--;
	} else if (c == '"') {
		s->quoted = 1;
	} else if (c == '(') {
		s->comment = 1;
	} else if (c == '<') {
		s->angle = 1;
	} else if (c == '>') {
		s->angle = 0;
	} else if (c == '[') {
		s->bracket = 1;
	} else if (c == ']') {
		s->bracket = 0;
	}
	if (!EMLI_WSP(c))
		s->last = c;
}

struct brk {
	size_t at;		/* the whitespace the new line starts with */
	int good;		/* after a top-level ',' or ';' */
};

/* The longest a line from p[0..n) may be. */
static size_t
limit(const char *p, size_t n, size_t width)
{
	return has_ew(p, n) && width > EW_LINE_MAX ? EW_LINE_MAX : width;
}

/*
 * Write line f[ls..le) broken before the break points in b[0..nb):
 * greedily, each new line as long as its limit allows, preferring a
 * syntactic boundary; where none fits, the first break point after
 * the limit.  A line that comes out within its limit has none of the
 * pieces split again, and a longer one has no break point left, so a
 * second pass changes nothing.
 */
static int
fold_line(const char *f, size_t ls, size_t le, const struct brk *b,
    size_t nb, size_t width, const char *eol, struct eml_buf *out)
{
	size_t s = ls, i, j = 0, fit, good;
	int r;

	while (le - s > limit(f + s, le - s, width)) {
		fit = good = (size_t)-1;
		while (j < nb && b[j].at <= s)
			j++;
		for (i = j; i < nb; i++) {
			if (b[i].at - s > limit(f + s, b[i].at - s, width))
				break;
			fit = i;
			if (b[i].good)
				good = i;
		}
		if (good != (size_t)-1)
			fit = good;
		else if (fit == (size_t)-1 && j < nb)
			fit = j;
		if (fit == (size_t)-1)
			break;
		if ((r = eml_buf_add(out, f + s, b[fit].at - s)) != EML_OK ||
		    (r = eml_buf_adds(out, eol)) != EML_OK)
			return r;
		s = b[fit].at;
	}
	return eml_buf_add(out, f + s, le - s);
}

int
eml_fold_field(const char *f, size_t len, size_t width,
    struct eml_buf *out, unsigned *long_r)
{
	const char *colon = memchr(f, ':', len), *nl, *eol;
	struct fstate st;
	struct brk *b = NULL;
	size_t nb = 0, cap = 0, ls, le, next, k, start = out->len, vpos;
	unsigned nlong = 0;
	int unstr, r = EML_OK;

	if (long_r != NULL)
		*long_r = 0;
	if (width == 0)
		width = EML_FOLD_WIDTH;
	if (colon == NULL)
		return eml_buf_add(out, f, len);
	vpos = (size_t)(colon - f);
	unstr = unstructured(f, vpos);
	eol = field_eol(f, len);
	memset(&st, 0, sizeof(st));
	for (ls = 0; ls < len && r == EML_OK; ls = next) {
		nl = memchr(f + ls, '\n', len - ls);
		next = nl != NULL ? (size_t)(nl - f) + 1 : len;
		le = nl != NULL ? (size_t)(nl - f) : len;
		if (le > ls && f[le - 1] == '\r')
			le--;
		nb = 0;
		for (k = ls; k < le; k++) {
			int top = unstr || (!st.quoted && !st.angle &&
			    !st.bracket);

			/* RFC 5322 2.2.3: a fold goes before WSP that
			 * follows text on its line and precedes more; the
			 * value's first word stays beside the name */
			if (EMLI_WSP(f[k]) && k > ls && !EMLI_WSP(f[k - 1]) &&
			    k - 1 > vpos && top) {
				size_t q = k;

				while (q < le && EMLI_WSP(f[q]))
					q++;
				if (q < le) {
					if (nb == cap) {
						struct brk *nbk;

						if (cap == BREAKS_MAX)
							goto scanned;
						cap = cap ? cap * 2 : 32;
						if ((nbk = realloc(b, cap *
						    sizeof(*b))) == NULL) {
							r = EML_ENOMEM;
							break;
						}
						b = nbk;
					}
					b[nb].at = k;
					b[nb].good = !unstr && st.comment == 0 &&
					    (st.last == ',' || st.last == ';');
					nb++;
				}
			}
scanned:
			if (!unstr && k > vpos)
				fstate_step(&st, f[k]);
		}
		if (r != EML_OK)
			break;
		if (le - ls <= limit(f + ls, le - ls, width))
			r = eml_buf_add(out, f + ls, le - ls);
		else
			r = fold_line(f, ls, le, b, nb, width, eol, out);
		if (r == EML_OK)
			r = eml_buf_add(out, f + le, next - le);
	}
	free(b);
	if (r != EML_OK) {
		out->len = start;
		return r;
	}
	/* RFC 5322 2.1.1: 998 octets is a MUST; what could not fold */
	for (ls = start; ls < out->len; ls = next) {
		nl = memchr(out->data + ls, '\n', out->len - ls);
		next = nl != NULL ? (size_t)(nl - out->data) + 1 : out->len;
		le = nl != NULL ? (size_t)(nl - out->data) : out->len;
		if (le > ls && out->data[le - 1] == '\r')
			le--;
		if (le - ls > EML_LINE_MAX)
			nlong++;
	}
	if (long_r != NULL)
		*long_r = nlong;
	return EML_OK;
}

/* ------------------------------------------------------------------ */
/* Encoded-words to UTF-8                                               */

/*
 * Decode the run of encoded-words s[0..n) (words and the whitespace
 * between them) into out.  Returns 1 when the text can stand in a
 * field: decoded without a guess (known charset, valid bytes), no
 * control character (an encoded CR LF would start a new field), and
 * no "=?" that a reader would try to decode again.
 */
static int
decode_run(const char *s, size_t n, struct eml_buf *out, int *err_r)
{
	struct eml_defects d;
	size_t old = out->len, i;

	memset(&d, 0, sizeof(d));
	*err_r = eml_rfc2047_decode(s, n, NULL, out, &d);
	if (*err_r != EML_OK)
		return 0;
	if (eml_defects_has(&d, EML_D_CHARSET_UNKNOWN) ||
	    eml_defects_has(&d, EML_D_CHARSET_INVALID) ||
	    eml_defects_has(&d, EML_D_RFC2047_INVALID) ||
	    eml_defects_has(&d, EML_D_HEADER_NUL) ||
	    eml_defects_has(&d, EML_D_HEADER_8BIT))
		goto no;
	for (i = old; i < out->len; i++) {
		unsigned char c = (unsigned char)out->data[i];

		if ((c < 0x20 && c != '\t') || c == 0x7F)
			goto no;
		if (c == '=' && i + 1 < out->len && out->data[i + 1] == '?')
			goto no;
	}
	if (out->len > old &&
	    !eml_utf8_valid(out->data + old, out->len - old))
		goto no;
	return 1;
no:
	out->len = old;
	return 0;
}

/* The end of the run of encoded-words at v[i] (words separated by
 * linear whitespace, each ending where stop() allows). */
static size_t
run_end(const char *v, size_t n, size_t i, int (*stop)(int))
{
	size_t w, e = i, k;

	while ((w = emli_rfc2047_word_at(v, n, i)) > 0 &&
	    (i + w == n || stop((unsigned char)v[i + w]))) {
		e = i + w;
		for (k = e; k < n && (EMLI_WSP(v[k]) || v[k] == '\r' ||
		    v[k] == '\n'); k++)
			;
		if (k == e)
			break;
		i = k;
	}
	return e;
}

static int
stop_text(int c)
{
	return EMLI_WSP(c) || c == '\r' || c == '\n';
}

static int
stop_comment(int c)
{
	return stop_text(c) || c == ')';
}

static int
stop_phrase(int c)
{
	return stop_text(c) || c == '<' || c == ',' || c == ';' || c == '(';
}

/* RFC 5322 3.2.3 atext, and RFC 6532 3.2's UTF8-non-ascii. */
static int
atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80 ||
	    strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* d[0..n) as a quoted-string: '"' and '\\' become quoted-pairs. */
static int
put_quoted(const char *d, size_t n, struct eml_buf *out)
{
	size_t i;
	int r;

	if ((r = eml_buf_addc(out, '"')) != EML_OK)
		return r;
	for (i = 0; i < n; i++) {
		if ((d[i] == '"' || d[i] == '\\') &&
		    (r = eml_buf_addc(out, '\\')) != EML_OK)
			return r;
		if ((r = eml_buf_addc(out, d[i])) != EML_OK)
			return r;
	}
	return eml_buf_addc(out, '"');
}

/* A decoded phrase d[0..n) as words: atoms when it is atoms separated
 * by single spaces, else one quoted-string (RFC 5322 3.2.4). */
static int
put_phrase(const char *d, size_t n, struct eml_buf *out)
{
	size_t i;
	int plain = n > 0 && d[0] != ' ' && d[n - 1] != ' ';

	for (i = 0; plain && i < n; i++)
		if (!atext((unsigned char)d[i]) && !(d[i] == ' ' &&
		    d[i + 1] != ' '))
			plain = 0;
	return plain ? eml_buf_add(out, d, n) : put_quoted(d, n, out);
}

/* Decoded comment text: '(' ')' '\' become quoted-pairs (RFC 5322
 * 3.2.2 ctext). */
static int
put_ctext(const char *d, size_t n, struct eml_buf *out)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		if (strchr("()\\", d[i]) != NULL &&
		    (r = eml_buf_addc(out, '\\')) != EML_OK)
			return r;
		if ((r = eml_buf_addc(out, d[i])) != EML_OK)
			return r;
	}
	return EML_OK;
}

/* A word may start at v[i]: after whitespace, at the start, or after
 * what delimits it in its context. */
static int
word_start(const char *v, size_t i, size_t from, const char *also)
{
	return i == from || stop_text((unsigned char)v[i - 1]) ||
	    strchr(also, v[i - 1]) != NULL;
}

/*
 * Value v[0..n) of an unstructured (phrase 0) or address/phrase field
 * (phrase 1), decoded into out.  Quoted strings and angle or bracket
 * parts are copied: RFC 2047 5 (3) keeps an encoded-word out of a
 * quoted-string, so one there is text.
 */
static int
decode_value(const char *v, size_t n, int phrase, struct eml_buf *out,
    int *changed_r)
{
	struct eml_buf dec = { 0 };
	size_t i = 0, j, e;
	unsigned comment = 0;
	int r = EML_OK, err;

	dec.max = n * 4 + 16;
	while (i < n && r == EML_OK) {
		char c = v[i];

		if (c == '=' && i + 1 < n && v[i + 1] == '?' &&
		    (!phrase || comment > 0 ? word_start(v, i, 0,
		    comment > 0 ? "(" : "") : word_start(v, i, 0, ",:;"))) {
			e = run_end(v, n, i, !phrase ? stop_text :
			    comment > 0 ? stop_comment : stop_phrase);
			eml_buf_reset(&dec);
			if (e > i && decode_run(v + i, e - i, &dec, &err)) {
				r = !phrase ? eml_buf_add(out, dec.data,
				    dec.len) : comment > 0 ? put_ctext(
				    dec.data, dec.len, out) : put_phrase(
				    dec.data, dec.len, out);
				*changed_r = 1;
				i = e;
				continue;
			}
			if ((r = err) != EML_OK)
				break;
		}
		j = i + 1;
		if (phrase && comment == 0 && (c == '"' || c == '<' ||
		    c == '[')) {
			char close = c == '"' ? '"' : c == '<' ? '>' : ']';

			for (; j < n && v[j] != close; j++)
				if (v[j] == '\\' && j + 1 < n)
					j++;
			if (j < n)
				j++;
		} else if (phrase && c == '\\' && j < n) {
			j++;
		} else if (phrase && c == '(') {
			comment++;
		} else if (phrase && c == ')' && comment > 0) {
			comment--;
		}
		r = eml_buf_add(out, v + i, j - i);
		i = j;
	}
	eml_buf_free(&dec);
	return r;
}

/* 1 if the parameters in s[0..n) use RFC 2231 (a '*' in a name) or
 * carry an encoded-word. */
static int
params_encoded(const char *s, size_t n)
{
	size_t i = 0;

	if (has_ew(s, n))
		return 1;
	while (i < n) {
		if (s[i] == '"') {
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			i++;
			continue;
		}
		if (s[i] == ';') {
			i = emli_skip_cfws(s, n, i + 1);
			while (i < n && s[i] != '=' && s[i] != ';' &&
			    s[i] != '"' && !stop_text((unsigned char)s[i])) {
				if (s[i] == '*')
					return 1;
				i++;
			}
			continue;
		}
		i++;
	}
	return 0;
}

/*
 * Content-Type / Content-Disposition: the type as it was, then every
 * parameter as the library reads it (RFC 2231 joined and converted,
 * words decoded), as name="UTF-8 value" (RFC 6532 3.2 quoted-string),
 * one a line where the line would pass 78.  Returns 1 when rewritten.
 */
static int
decode_params(const char *f, size_t vpos, size_t vend, const char *eol,
    struct eml_buf *out, int *err_r)
{
	struct eml_params p;
	struct eml_buf it = { 0 };
	size_t semi = vpos, i, col, start = out->len;
	int r = EML_OK, q = 0;

	*err_r = EML_OK;
	for (; semi < vend && (q || f[semi] != ';'); semi++) {
		if (q && f[semi] == '\\')
			semi++;
		else if (f[semi] == '"')
			q = !q;
	}
	if (semi >= vend || !params_encoded(f + semi, vend - semi))
		return 0;
	memset(&p, 0, sizeof(p));
	if ((*err_r = eml_params_parse(f + semi, vend - semi, &p)) != EML_OK)
		return 0;
	if (eml_defects_has(&p.defects, EML_D_RFC2231_INVALID) ||
	    eml_defects_has(&p.defects, EML_D_CHARSET_UNKNOWN) ||
	    eml_defects_has(&p.defects, EML_D_CHARSET_INVALID) ||
	    eml_defects_has(&p.defects, EML_D_RFC2047_INVALID) ||
	    eml_defects_has(&p.defects, EML_D_CONFLICTING_PARAM) ||
	    eml_defects_has(&p.defects, EML_D_PARAM_TRAILING_JUNK))
		goto keep;
	for (i = 0; i < p.n; i++) {
		const unsigned char *c = (const unsigned char *)p.v[i].value;

		for (; *c != '\0'; c++)
			if ((*c < 0x20 && *c != '\t') || *c == 0x7F)
				goto keep;
		if (!eml_utf8_valid(p.v[i].value, strlen(p.v[i].value)) ||
		    strstr(p.v[i].value, "=?") != NULL)
			goto keep;
	}
	r = eml_buf_add(out, f, semi);
	col = semi;
	for (i = 0; i < semi; i++)
		if (f[i] == '\n')
			col = semi - i - 1;
	for (i = 0; r == EML_OK && i < p.n; i++) {
		eml_buf_reset(&it);
		if ((r = eml_buf_adds(&it, p.v[i].name)) != EML_OK ||
		    (r = eml_buf_addc(&it, '=')) != EML_OK ||
		    (r = put_quoted(p.v[i].value, strlen(p.v[i].value),
		    &it)) != EML_OK)
			break;
		/* "; " before it, or a fold where the line would pass 78 */
		if (col + 2 + it.len > EML_FOLD_WIDTH) {
			r = eml_buf_addc(out, ';');
			if (r == EML_OK)
				r = eml_buf_adds(out, eol);
			if (r == EML_OK)
				r = eml_buf_addc(out, '\t');
			col = 1 + it.len;
		} else {
			r = eml_buf_adds(out, "; ");
			col += 2 + it.len;
		}
		if (r == EML_OK)
			r = eml_buf_add(out, it.data, it.len);
	}
	eml_buf_free(&it);
	eml_params_free(&p);
	if (r != EML_OK) {
		out->len = start;
		*err_r = r;
		return 0;
	}
	return 1;
keep:
	eml_params_free(&p);
	return 0;
}

int
eml_hdr_decode_field(const char *f, size_t len, struct eml_buf *out)
{
	const char *colon = memchr(f, ':', len);
	size_t vpos, vend, start = out->len;
	int changed = 0, r, err;

	if (colon == NULL)
		return 0;
	vpos = (size_t)(colon - f) + 1;
	/* the line end stays the field's own */
	vend = len;
	if (vend > vpos && f[vend - 1] == '\n')
		vend--;
	if (vend > vpos && f[vend - 1] == '\r')
		vend--;
	if (emli_eqi(f, vpos - 1, "content-type") ||
	    emli_eqi(f, vpos - 1, "content-disposition")) {
		if (!decode_params(f, vpos, vend, field_eol(f, len), out,
		    &err))
			return err;
		changed = 1;
		r = EML_OK;
	} else if (unstructured(f, vpos - 1) || phrase_field(f, vpos - 1)) {
		if (!has_ew(f + vpos, vend - vpos))
			return 0;
		r = eml_buf_add(out, f, vpos);
		if (r == EML_OK)
			r = decode_value(f + vpos, vend - vpos,
			    phrase_field(f, vpos - 1), out, &changed);
	} else {
		return 0;	/* no encoded-word may stand there */
	}
	if (r == EML_OK && changed)
		r = eml_buf_add(out, f + vend, len - vend);
	if (r != EML_OK || !changed) {
		out->len = start;
		return r;
	}
	return 1;
}
