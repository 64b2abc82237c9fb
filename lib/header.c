/*
 * header.c - structured MIME fields: Content-Type (RFC 2045 5.1),
 * Content-Disposition (RFC 2183), Content-Transfer-Encoding (RFC 2045 6.1)
 * and their ";"-separated parameters.  This file only tokenises; joining
 * RFC 2231 continuations and decoding values is in rfc2231.c.
 *
 * Everything here is lenient: real mail has missing ';', unquoted values
 * with tspecials, comments in odd places and unterminated quotes.  Each
 * leniency is commented where it is taken.
 */
#include <stdlib.h>

#include "eml_priv.h"

/*
 * RFC 2045 5.1:
 * token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>
 * tspecials := "(" / ")" / "<" / ">" / "@" / "," / ";" / ":" / "\" /
 *              <"> / "/" / "[" / "]" / "?" / "="
 */
static int
is_token(int c)
{
	if (c <= 32 || c >= 127)
		return 0;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* Bytes of a parameter name: token chars, and 8-bit bytes because some
 * mailers write raw UTF-8 names; they are harmless to keep. */
static int
is_pname(int c)
{
	return is_token(c) || (c & 0x80) != 0;
}

static int
is_fws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * RFC 5322 3.2.2: CFWS = (1*([FWS] comment) [FWS]) / FWS, with comments
 * nesting and quoted-pairs inside.  An unterminated comment runs to the
 * end.  Past depth 32 '(' is not counted, so a ')' closes early: the
 * field is garbage anyway and this keeps the state bounded.
 */
size_t
emli_skip_cfws(const char *s, size_t len, size_t i)
{
	unsigned depth;
	int c;

	while (i < len) {
		c = (unsigned char)s[i];
		if (is_fws(c)) {
			i++;
			continue;
		}
		if (c != '(')
			break;
		depth = 1;
		i++;
		while (i < len && depth > 0) {
			c = (unsigned char)s[i++];
			if (c == '\\' && i < len)
				i++;
			else if (c == '(' && depth < 32)
				depth++;
			else if (c == ')')
				depth--;
		}
	}
	return i;
}

/* ------------------------------------------------------------------ */
/* Content-Transfer-Encoding                                            */

const char *
eml_cte_name(enum eml_cte cte)
{
	switch (cte) {
	case EML_CTE_7BIT:	return "7bit";
	case EML_CTE_8BIT:	return "8bit";
	case EML_CTE_BINARY:	return "binary";
	case EML_CTE_QP:	return "quoted-printable";
	case EML_CTE_BASE64:	return "base64";
	case EML_CTE_UUENCODE:	return "x-uuencode";
	case EML_CTE_UNKNOWN:	break;
	}
	return "unknown";
}

static const struct {
	const char *name;
	enum eml_cte cte;
} cte_names[] = {
	{ "7bit", EML_CTE_7BIT },
	{ "8bit", EML_CTE_8BIT },
	{ "binary", EML_CTE_BINARY },
	{ "quoted-printable", EML_CTE_QP },
	{ "base64", EML_CTE_BASE64 },
	/* No RFC names uuencode; these are what mailers actually send. */
	{ "x-uuencode", EML_CTE_UUENCODE },
	{ "x-uue", EML_CTE_UUENCODE },
	{ "uuencode", EML_CTE_UUENCODE },
	{ "uue", EML_CTE_UUENCODE },
	/*
	 * Misspellings seen in real mail.  Each maps to the encoding every
	 * reader assumes, so decoding them is safer than treating the body
	 * as opaque: "7-bit", "8-bit", "quoted_printable", "base-64".
	 */
	{ "7-bit", EML_CTE_7BIT },
	{ "8-bit", EML_CTE_8BIT },
	{ "quoted_printable", EML_CTE_QP },
	{ "base-64", EML_CTE_BASE64 },
};

enum eml_cte
eml_cte_parse(const char *v, size_t len)
{
	size_t i, start, k;

	if (v == NULL)
		return EML_CTE_UNKNOWN;
	i = emli_skip_cfws(v, len, 0);
	/* Leniency: a quoted value ("base64") as some generators write. */
	if (i < len && v[i] == '"')
		i++;
	start = i;
	while (i < len && is_token((unsigned char)v[i]))
		i++;
	/* Leniency: whatever follows the token (";", junk, a comment) is
	 * ignored; "base64;" is common. */
	for (k = 0; k < EMLI_NELEM(cte_names); k++)
		if (emli_eqi(v + start, i - start, cte_names[k].name))
			return cte_names[k].cte;
	return EML_CTE_UNKNOWN;
}

/* ------------------------------------------------------------------ */
/* Parameters                                                           */

struct praw_list {
	struct emli_praw *v;
	size_t n, cap;
	struct eml_buf arena;	/* names and unquoted values */
};

static int
praw_add(struct praw_list *l, size_t name, size_t name_len, size_t val,
    size_t val_len, int quoted)
{
	struct emli_praw *nv;
	size_t ncap;

	if (l->n == l->cap) {
		ncap = l->cap ? l->cap * 2 : 16;
		if (ncap > EMLI_MAX_PRAW)
			ncap = EMLI_MAX_PRAW;
		nv = realloc(l->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return EML_ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n].name = name;
	l->v[l->n].name_len = name_len;
	l->v[l->n].val = val;
	l->v[l->n].val_len = val_len;
	l->v[l->n].quoted = quoted;
	l->n++;
	return EML_OK;
}

/* 1 if s[i..] starts "name =" (a parameter), used to end an unquoted
 * value at a missing ';' ("a=b c=d"). */
static int
looks_like_param(const char *s, size_t len, size_t i)
{
	size_t start = i;

	while (i < len && is_pname((unsigned char)s[i]))
		i++;
	if (i == start)
		return 0;
	while (i < len && is_fws((unsigned char)s[i]))
		i++;
	return i < len && s[i] == '=';
}

/* Index of the next ';' outside quoted strings at or after i, or len. */
static size_t
skip_to_semi(const char *s, size_t len, size_t i)
{
	while (i < len && s[i] != ';') {
		if (s[i] == '"') {
			for (i++; i < len && s[i] != '"'; i++)
				if (s[i] == '\\' && i + 1 < len)
					i++;
		}
		if (i < len)
			i++;
	}
	return i;
}

/*
 * Read a value at s[*ip] into the arena.  A value is a sequence of pieces
 * (quoted strings and unquoted runs) up to ';', the end, or the start of
 * another "name=".  Leniencies, all from real mail:
 * - unquoted runs take any byte but WSP, ';' and '"': "boundary=----=_P"
 *   and "name=a/b?c" keep their tspecials;
 * - pieces separated by whitespace are joined with one space, so an
 *   unquoted "name=My File.pdf" survives;
 * - a comment after whitespace is dropped ("us-ascii (Plain text)");
 * - an unterminated quoted string runs to the end of the field;
 * - line breaks inside quoted strings are unfolded (CR/LF removed).
 * But a value that starts with a quoted string ends at its closing quote
 * (RFC 2045 5.1: value := token / quoted-string), as GMime and Python
 * read it: in 'boundary="b"x' the boundary is "b", and in 'charset =
 * "iso-8859-1" Content-Transfer-Encoding: 8bit' (a line break lost) the
 * charset is "iso-8859-1".  What follows up to the next ';' is skipped
 * and *junk_r set (EML_D_PARAM_TRAILING_JUNK); a "name=" there starts
 * the next parameter as for unquoted values.
 * Returns 1 if a value was present (possibly ""), 0 if none, <0 on error.
 */
static int
read_value(const char *s, size_t len, size_t *ip, struct eml_buf *b,
    int *quoted_r, int *junk_r)
{
	size_t i = *ip, k;
	int have = 0, c;

	*quoted_r = 0;
	*junk_r = 0;
	while (i < len && s[i] != ';') {
		if (s[i] == '"') {
			int first = !have;

			*quoted_r = 1;
			for (i++; i < len && s[i] != '"'; i++) {
				c = (unsigned char)s[i];
				if (c == '\\' && i + 1 < len)
					c = (unsigned char)s[++i];
				else if (c == '\r' || c == '\n')
					continue;
				if (eml_buf_addc(b, c) != EML_OK)
					return EML_ENOMEM;
			}
			if (i < len)
				i++;	/* closing quote */
			if (first) {
				have = 1;
				k = emli_skip_cfws(s, len, i);
				if (k >= len || s[k] == ';' ||
				    looks_like_param(s, len, k)) {
					i = k;
					break;
				}
				*junk_r = 1;
				i = skip_to_semi(s, len, k);
				break;
			}
		} else {
			k = i;
			while (i < len && s[i] != ';' && s[i] != '"' &&
			    !is_fws((unsigned char)s[i]))
				i++;
			if (eml_buf_add(b, s + k, i - k) != EML_OK)
				return EML_ENOMEM;
		}
		have = 1;
		k = i;
		while (k < len && is_fws((unsigned char)s[k]))
			k++;
		if (k < len && s[k] == '(')
			k = emli_skip_cfws(s, len, k);
		if (k >= len || s[k] == ';' || looks_like_param(s, len, k)) {
			i = k;
			break;
		}
		if (k > i && eml_buf_addc(b, ' ') != EML_OK)
			return EML_ENOMEM;
		i = k;
	}
	*ip = i;
	return have;
}

/* Skip one unit that is not a parameter: a bare word, a quoted string,
 * or a single stray byte.  Always advances. */
static size_t
skip_junk(const char *s, size_t len, size_t i)
{
	size_t start = i;

	if (s[i] == '"') {
		for (i++; i < len && s[i] != '"'; i++)
			if (s[i] == '\\' && i + 1 < len)
				i++;
		return i < len ? i + 1 : len;
	}
	while (i < len && is_pname((unsigned char)s[i]))
		i++;
	return i > start ? i : start + 1;
}

int
eml_params_parse(const char *s, size_t len, struct eml_params *p)
{
	struct praw_list l;
	size_t i, ns, nl, j, name_off, val_off;
	int r, quoted, junk;

	memset(&l, 0, sizeof(l));
	/* Names and values are never longer than the input. */
	l.arena.max = len * 2 + 64;
	i = 0;
	while (s != NULL && i < len) {
		i = emli_skip_cfws(s, len, i);
		if (i >= len)
			break;
		if (s[i] == ';') {
			i++;
			continue;
		}
		ns = i;
		while (i < len && is_pname((unsigned char)s[i]))
			i++;
		nl = i - ns;
		j = emli_skip_cfws(s, len, i);
		if (nl == 0 || j >= len || s[j] != '=') {
			/* Leniency: "foo;" or "= x;" or a stray byte: not a
			 * parameter, skipped silently (mail-parser does too). */
			i = nl > 0 ? i : skip_junk(s, len, i);
			continue;
		}
		i = emli_skip_cfws(s, len, j + 1);
		/* Names are stored lower-case, NUL-terminated. */
		name_off = l.arena.len;
		for (j = 0; j < nl; j++)
			if (eml_buf_addc(&l.arena,
			    EMLI_LOWER((unsigned char)s[ns + j])) != EML_OK)
				goto nomem;
		if (eml_buf_addc(&l.arena, '\0') != EML_OK)
			goto nomem;
		val_off = l.arena.len;
		r = read_value(s, len, &i, &l.arena, &quoted, &junk);
		if (r < 0)
			goto nomem;
		if (junk)
			eml_defects_set(&p->defects, EML_D_PARAM_TRAILING_JUNK);
		if (r == 0) {
			/* "name=" with nothing: dropped. */
			l.arena.len = name_off;
			continue;
		}
		if (praw_add(&l, name_off, nl, val_off,
		    l.arena.len - val_off, quoted) != EML_OK)
			goto nomem;
		if (eml_buf_addc(&l.arena, '\0') != EML_OK)
			goto nomem;
		/* Bound the work: past the cap the rest is ignored. */
		if (l.n == EMLI_MAX_PRAW)
			break;
	}
	r = EML_OK;
	if (l.n > 0)
		r = emli_params_join(l.arena.data, l.v, l.n, p);
	free(l.v);
	eml_buf_free(&l.arena);
	return r;
nomem:
	free(l.v);
	eml_buf_free(&l.arena);
	return EML_ENOMEM;
}

const char *
eml_params_get(const struct eml_params *p, const char *name)
{
	size_t i;

	if (p == NULL || name == NULL)
		return NULL;
	for (i = 0; i < p->n; i++)
		if (strcasecmp(p->v[i].name, name) == 0)
			return p->v[i].value;
	return NULL;
}

void
eml_params_free(struct eml_params *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].value);
		free(p->v[i].charset);
		free(p->v[i].lang);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------------ */
/* Content-Type and Content-Disposition                                 */

/* Copy a token lower-case into dst[64]; longer ones are truncated (no
 * real type is that long, and bytes are ASCII so no character breaks). */
static void
copy_lower(char *dst, const char *s, size_t n)
{
	size_t k;

	emli_strlcpy(dst, s, n, 64);
	for (k = 0; dst[k] != '\0'; k++)
		dst[k] = (char)EMLI_LOWER((unsigned char)dst[k]);
}

/* Every byte a token char, or also '/' when slash is set. */
static int
all_token(const char *s, size_t n, int slash)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (!is_token((unsigned char)s[k]) && !(slash && s[k] == '/'))
			return 0;
	return n > 0;
}

/* Scan a word up to WSP, '(', ';' (or '/' when stop_slash). */
static size_t
scan_word(const char *v, size_t len, size_t i, int stop_slash)
{
	while (i < len && v[i] != ';' && v[i] != '(' && v[i] != '"' &&
	    !is_fws((unsigned char)v[i]) && !(stop_slash && v[i] == '/'))
		i++;
	return i;
}

/* Parameters after the type: at ';' or, leniently, at a name after
 * whitespace ("text/html charset=utf-8"). */
static int
parse_rest(const char *v, size_t len, size_t i, struct eml_ctype *ct)
{
	struct eml_params tmp;
	int r;

	if (i >= len)
		return EML_OK;
	memset(&tmp, 0, sizeof(tmp));
	r = eml_params_parse(v + i, len - i, &tmp);
	if (r != EML_OK) {
		eml_params_free(&tmp);
		return r;
	}
	eml_defects_or(&tmp.defects, &ct->params.defects);
	ct->params = tmp;
	return EML_OK;
}

int
eml_ctype_parse(const char *v, size_t len, struct eml_ctype *ct)
{
	size_t i, ts, te, ss, se;
	int r;

	memset(ct, 0, sizeof(*ct));
	if (v == NULL) {
		v = "";
		len = 0;
	}
	/* RFC 2045 5.1: type "/" subtype, with CFWS allowed around the
	 * slash (RFC 5322 structured field): " text (x) / plain". */
	i = emli_skip_cfws(v, len, 0);
	ts = i;
	i = scan_word(v, len, i, 1);
	te = i;
	i = emli_skip_cfws(v, len, i);
	ss = se = i;
	if (i < len && v[i] == '/') {
		i = emli_skip_cfws(v, len, i + 1);
		ss = i;
		/* Leniency: a subtype keeps further slashes
		 * ("text/plain/format"), as mail-parser does. */
		i = scan_word(v, len, i, 0);
		se = i;
	}
	if (all_token(v + ts, te - ts, 0) && all_token(v + ss, se - ss, 1)) {
		copy_lower(ct->type, v + ts, te - ts);
		copy_lower(ct->subtype, v + ss, se - ss);
	} else {
		/* Missing type or subtype ("text", "text/", "/plain") or
		 * bytes outside token: RFC 2045 5.2 says treat it as
		 * text/plain; the caller does, seeing type "".  Parameters
		 * are still parsed: a charset may be useful. */
		eml_defects_set(&ct->params.defects, EML_D_CTYPE_INVALID);
		if (memchr(v + ts, '=', te - ts) != NULL)
			i = ts;	/* "charset=x" alone: keep the parameter */
	}
	r = parse_rest(v, len, i, ct);
	if (r != EML_OK)
		eml_ctype_free(ct);
	return r;
}

int
eml_disposition_parse(const char *v, size_t len, struct eml_ctype *ct)
{
	size_t i, ts, te;
	int r;

	memset(ct, 0, sizeof(*ct));
	if (v == NULL) {
		v = "";
		len = 0;
	}
	/* RFC 2183 2: disposition-type is a token, params follow. */
	i = emli_skip_cfws(v, len, 0);
	ts = i;
	i = scan_word(v, len, i, 0);
	te = i;
	if (all_token(v + ts, te - ts, 0)) {
		copy_lower(ct->type, v + ts, te - ts);
	} else {
		eml_defects_set(&ct->params.defects, EML_D_CTYPE_INVALID);
		if (memchr(v + ts, '=', te - ts) != NULL)
			i = ts;	/* "filename=x" alone: keep the parameter */
	}
	r = parse_rest(v, len, i, ct);
	if (r != EML_OK)
		eml_ctype_free(ct);
	return r;
}

void
eml_ctype_free(struct eml_ctype *ct)
{
	if (ct == NULL)
		return;
	eml_params_free(&ct->params);
	ct->type[0] = '\0';
	ct->subtype[0] = '\0';
}
