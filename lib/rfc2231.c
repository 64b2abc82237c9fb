/*
 * rfc2231.c - RFC 2231 parameter values: joining continuations
 * ("name*0*=", "name*1="), charset/language prefixes, percent-encoding;
 * and the encoder used when building messages.
 */
#include <stdio.h>
#include <stdlib.h>

#include "eml_priv.h"

struct seg {
	const char *base;	/* name without the "*N*" suffix */
	size_t base_len;
	long idx;		/* -1: plain "name=" */
	int ext;		/* value is charset'lang'%XX (RFC 2231 4) */
	size_t k;		/* position in the field */
};

struct grp {
	size_t start, end;	/* segs[start..end) share a base name */
	size_t first;		/* smallest k: output order */
};

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = EMLI_LOWER(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Split the suffix off a raw name.  RFC 2231 3, 4:
 *   name "*" / name "*" index / name "*" index "*"
 * Returns 0 if the suffix is malformed ("a**", "a*x", "a*1000").  Leading
 * zeros ("a*01") are accepted: the index is unambiguous.
 */
static int
split_name(const char *name, size_t len, struct seg *sg)
{
	const char *star = memchr(name, '*', len);
	size_t i, nd;
	long idx = 0;

	sg->base = name;
	sg->idx = -1;
	sg->ext = 0;
	if (star == NULL) {
		sg->base_len = len;
		return 1;
	}
	sg->base_len = (size_t)(star - name);
	i = sg->base_len + 1;
	if (i == len) {		/* "name*": a single extended value */
		sg->idx = 0;
		sg->ext = 1;
		return 1;
	}
	for (nd = 0; i < len && name[i] >= '0' && name[i] <= '9'; i++, nd++) {
		if (nd >= 4)
			return 0;
		idx = idx * 10 + (name[i] - '0');
	}
	if (nd == 0 || idx > EMLI_MAX_2231_INDEX)
		return 0;
	if (i < len && name[i] == '*') {
		sg->ext = 1;
		i++;
	}
	if (i != len)
		return 0;
	sg->idx = idx;
	return 1;
}

static int
cmp_seg(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;
	size_t n = EMLI_MIN(x->base_len, y->base_len);
	int c = memcmp(x->base, y->base, n);

	if (c != 0)
		return c;
	if (x->base_len != y->base_len)
		return x->base_len < y->base_len ? -1 : 1;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

static int
cmp_grp(const void *a, const void *b)
{
	const struct grp *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* Percent-decode an extended value; a '%' without two hex digits is kept
 * literally (flagged), as no reader agrees on anything better. */
static int
pct_decode(const char *s, size_t n, struct eml_buf *out, struct eml_defects *defects)
{
	size_t i;
	int hi, lo, r;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n &&
		    (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0) {
			r = eml_buf_addc(out, hi << 4 | lo);
			i += 2;
		} else {
			if (s[i] == '%')
				eml_defects_set(defects, EML_D_RFC2231_INVALID);
			r = eml_buf_addc(out, (unsigned char)s[i]);
		}
		if (r != EML_OK)
			return r;
	}
	return EML_OK;
}

/* Undeclared bytes: kept if valid UTF-8, else UTF-8 runs kept and the
 * rest read as windows-1252 (eml_charset_fallback). */
static int
raw_to_utf8(const char *s, size_t n, struct eml_buf *out, struct eml_defects *defects)
{
	if (eml_utf8_valid(s, n))
		return eml_buf_add(out, s, n);
	eml_defects_set(defects, EML_D_HEADER_8BIT);
	return eml_charset_fallback(NULL, s, n, out);
}

static int
has_encoded_word(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++)
		if (s[i] == '=' && s[i + 1] == '?')
			return 1;
	return 0;
}

/* Bytes without a declared charset: RFC 2047 words are decoded because
 * real mail puts them in quoted values (filename="=?utf-8?B?...?="), which
 * RFC 2047 5 forbids but every reader accepts. */
static int
undeclared_to_utf8(const char *s, size_t n, struct eml_buf *out,
    struct eml_defects *defects)
{
	struct eml_defects d = { { 0 } };
	int r;

	if (!has_encoded_word(s, n))
		return raw_to_utf8(s, n, out, defects);
	r = eml_rfc2047_decode(s, n, EMLI_FALLBACK, out, &d);
	eml_defects_or(defects, &d);
	return r;
}

static char *
dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Copy the final value, NULs (from %00 or a charset) as U+FFFD so the
 * C string is not cut short. */
static char *
finish_value(const struct eml_buf *b)
{
	struct eml_buf o;
	size_t i;

	if (b->len == 0 || memchr(b->data, '\0', b->len) == NULL)
		return dupn(b->len ? b->data : "", b->len);
	memset(&o, 0, sizeof(o));
	for (i = 0; i < b->len; i++) {
		if ((b->data[i] == '\0' ? eml_buf_add_utf8(&o, 0xFFFD) :
		    eml_buf_addc(&o, (unsigned char)b->data[i])) != EML_OK) {
			eml_buf_free(&o);
			return NULL;
		}
	}
	return eml_buf_steal(&o);
}

/*
 * Leniency: some mailers repeat the charset (and language) on every
 * extended segment ("a*1*=iso-8859-1'%20b").  RFC 2231 4.1 puts it on
 * segment 0 only, but "'" is not an attribute-char, so a later segment
 * starting with segment 0's charset and "'" cannot be meant literally.
 */
static void
strip_repeated_prefix(const char *cs, const char **valp, size_t *vlenp,
    struct eml_defects *defects)
{
	const char *val = *valp;
	size_t vlen = *vlenp, cl = strlen(cs), k;

	if (vlen <= cl || strncasecmp(val, cs, cl) != 0 || val[cl] != '\'')
		return;
	eml_defects_set(defects, EML_D_RFC2231_INVALID);
	val += cl + 1;
	vlen -= cl + 1;
	/* An optional language tag and its closing "'". */
	for (k = 0; k < vlen && (val[k] == '-' ||
	    (val[k] >= '0' && val[k] <= '9') ||
	    (EMLI_LOWER(val[k]) >= 'a' && EMLI_LOWER(val[k]) <= 'z')); k++)
		;
	if (k < vlen && val[k] == '\'') {
		val += k + 1;
		vlen -= k + 1;
	}
	*valp = val;
	*vlenp = vlen;
}

/* Join the RFC 2231 segments segs[a..b) (sorted by index) into raw
 * bytes, reading charset and language from segment 0. */
static int
join_2231(const char *arena, const struct emli_praw *v, const struct seg *segs,
    size_t a, size_t b, struct eml_buf *raw, char **cs_r, char **lang_r,
    struct eml_defects *defects)
{
	const char *val, *q1, *q2;
	size_t vlen, t;
	long expect = 0, prev = -1;
	int r;

	for (t = a; t < b; t++) {
		if (segs[t].idx == prev) {
			/* Same index twice: the first one wins. */
			eml_defects_set(defects, EML_D_RFC2231_INVALID);
			continue;
		}
		if (segs[t].idx != expect)
			eml_defects_set(defects, EML_D_RFC2231_INVALID);
		/* Leniency: after a gap the segments present are still
		 * joined in index order; dropping them loses more. */
		val = arena + v[segs[t].k].val;
		vlen = v[segs[t].k].val_len;
		if (segs[t].idx == 0 && segs[t].ext) {
			q1 = memchr(val, '\'', vlen);
			q2 = q1 ? memchr(q1 + 1, '\'', vlen -
			    (size_t)(q1 + 1 - val)) : NULL;
			if (q2 != NULL) {
				if (q1 > val &&
				    (*cs_r = dupn(val, (size_t)(q1 - val))) ==
				    NULL)
					return EML_ENOMEM;
				if (q2 > q1 + 1 &&
				    (*lang_r = dupn(q1 + 1,
				    (size_t)(q2 - q1 - 1))) == NULL)
					return EML_ENOMEM;
				vlen -= (size_t)(q2 + 1 - val);
				val = q2 + 1;
			} else {
				/* No charset'lang' prefix: decoded as
				 * undeclared bytes. */
				eml_defects_set(defects, EML_D_RFC2231_INVALID);
			}
		} else if (segs[t].ext && *cs_r != NULL) {
			strip_repeated_prefix(*cs_r, &val, &vlen, defects);
		}
		r = segs[t].ext ? pct_decode(val, vlen, raw, defects) :
		    eml_buf_add(raw, val, vlen);
		if (r != EML_OK)
			return r;
		prev = segs[t].idx;
		expect = prev + 1;
	}
	return EML_OK;
}

/* Build one parameter from the group segs[a..b). */
static int
build_param(const char *arena, const struct emli_praw *v,
    const struct seg *segs, size_t a, size_t b, struct eml_param *pm,
    struct eml_defects *defects)
{
	struct eml_buf raw, out;
	const struct emli_praw *plain = NULL, *o;
	size_t t, first2231 = b, rawmax;
	int r = EML_OK, guessed = 0;

	memset(pm, 0, sizeof(*pm));
	memset(&raw, 0, sizeof(raw));
	memset(&out, 0, sizeof(out));
	rawmax = 0;
	for (t = a; t < b; t++) {
		o = &v[segs[t].k];
		rawmax += o->val_len;
		if (segs[t].idx >= 0) {
			if (first2231 == b)
				first2231 = t;
			continue;
		}
		if (plain == NULL)
			plain = o;
		else if (o->val_len != plain->val_len ||
		    memcmp(arena + o->val, arena + plain->val, o->val_len))
			eml_defects_set(defects, EML_D_CONFLICTING_PARAM);
	}
	/* Decoding never grows bytes more than 3x (one byte to U+FFFD or a
	 * windows-1252 character); the cap only guards against bugs. */
	raw.max = rawmax + 16;
	out.max = rawmax * 4 + 64;
	if (first2231 < b) {
		/* Mailers send both "name=" (for old readers) and "name*=":
		 * the RFC 2231 one is the real value. */
		r = join_2231(arena, v, segs, first2231, b, &raw, &pm->charset,
		    &pm->lang, defects);
		if (r != EML_OK)
			goto out;
		if (pm->charset != NULL) {
			r = eml_charset_to_utf8(pm->charset, raw.data, raw.len,
			    NULL, &out, &guessed);
			if (guessed)
				eml_defects_set(defects, EML_D_CHARSET_UNKNOWN);
		} else {
			r = undeclared_to_utf8(raw.data, raw.len, &out,
			    defects);
		}
	} else if (emli_eqi(segs[a].base, segs[a].base_len, "boundary")) {
		/* The boundary is matched against body bytes: decoding
		 * "=?" words or 8-bit bytes here would make the parser
		 * disagree with every other reader, so it stays as sent. */
		r = eml_buf_add(&out, arena + plain->val, plain->val_len);
	} else {
		r = undeclared_to_utf8(arena + plain->val, plain->val_len,
		    &out, defects);
	}
	if (r == EML_ELIMIT) {
		eml_defects_set(defects, EML_D_CHARSET_INVALID);
		eml_buf_reset(&out);
		r = EML_OK;
	}
	if (r != EML_OK)
		goto out;
	pm->name = dupn(segs[a].base, segs[a].base_len);
	pm->value = finish_value(&out);
	if (pm->name == NULL || pm->value == NULL)
		r = EML_ENOMEM;
out:
	eml_buf_free(&raw);
	eml_buf_free(&out);
	if (r != EML_OK) {
		free(pm->name);
		free(pm->value);
		free(pm->charset);
		free(pm->lang);
		memset(pm, 0, sizeof(*pm));
	}
	return r;
}

int
emli_params_join(const char *arena, const struct emli_praw *v, size_t n,
    struct eml_params *p)
{
	struct seg *segs;
	struct grp *grps;
	struct eml_param *nv;
	size_t i, ns = 0, ng = 0, room;
	int r = EML_OK;

	if (n == 0)
		return EML_OK;
	segs = calloc(n, sizeof(*segs));
	grps = calloc(n, sizeof(*grps));
	if (segs == NULL || grps == NULL) {
		free(segs);
		free(grps);
		return EML_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (!split_name(arena + v[i].name, v[i].name_len, &segs[ns])) {
			eml_defects_set(&p->defects, EML_D_RFC2231_INVALID);
			continue;
		}
		if (segs[ns].base_len == 0)	/* "*=x", "*0=x" */
			continue;
		segs[ns++].k = i;
	}
	/* Sorting groups the segments of a name by index; n is capped by
	 * EMLI_MAX_PRAW so this stays cheap. */
	qsort(segs, ns, sizeof(*segs), cmp_seg);
	for (i = 0; i < ns; i++) {
		if (i == 0 || segs[i].base_len != segs[i - 1].base_len ||
		    memcmp(segs[i].base, segs[i - 1].base, segs[i].base_len)) {
			grps[ng].start = i;
			grps[ng].first = segs[i].k;
			ng++;
		}
		grps[ng - 1].end = i + 1;
		if (segs[i].k < grps[ng - 1].first)
			grps[ng - 1].first = segs[i].k;
	}
	qsort(grps, ng, sizeof(*grps), cmp_grp);
	room = p->n < EML_MAX_PARAMS ? EML_MAX_PARAMS - p->n : 0;
	if (ng > room)
		ng = room;	/* the rest are dropped (EML_MAX_PARAMS) */
	if (ng > 0) {
		nv = realloc(p->v, (p->n + ng) * sizeof(*nv));
		if (nv == NULL) {
			r = EML_ENOMEM;
			goto out;
		}
		p->v = nv;
	}
	for (i = 0; i < ng; i++) {
		r = build_param(arena, v, segs, grps[i].start, grps[i].end,
		    &p->v[p->n], &p->defects);
		if (r != EML_OK)
			break;
		p->n++;
	}
out:
	free(segs);
	free(grps);
	return r;
}

/* ------------------------------------------------------------------ */
/* Encoder                                                              */

/* RFC 2231 7: attribute-char := <any (US-ASCII) CHAR except SPACE, CTLs,
 * "*", "'", "%", or tspecials> */
static int
is_attr_char(int c)
{
	if (c <= 32 || c >= 127)
		return 0;
	return strchr("*'%()<>@,;:\\\"/[]?=", c) == NULL;
}

/* Length of the UTF-8 sequence starting with byte c (1 for junk), so a
 * character is never split across continuation lines. */
static size_t
utf8_seqlen(const unsigned char *s, size_t n)
{
	size_t want, i;

	if (s[0] < 0xc0)
		want = 1;
	else if (s[0] < 0xe0)
		want = 2;
	else if (s[0] < 0xf0)
		want = 3;
	else
		want = 4;
	for (i = 1; i < want && i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			break;
	return i;
}

/* Columns for the folded continuation lines; the tab is counted as 8 so
 * no display shows more than 78. */
#define LINE_MAX_COLS	78
#define TAB_COLS	8
/* "; name=value" kept on the caller's line only when this short. */
#define SAME_LINE_MAX	40

int
eml_rfc2231_encode(const char *name, const char *utf8, size_t len,
    const char *eol, struct eml_buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *u = (const unsigned char *)utf8;
	size_t nlen, i, k, qlen, cl, col, seg, unit, mark;
	int plain = 1, r = EML_OK;
	char num[16];

	if (name == NULL || out == NULL || (utf8 == NULL && len > 0))
		return EML_EINVAL;
	if (eol == NULL)
		eol = "\r\n";
	nlen = strlen(name);
	for (i = 0; i < nlen; i++)
		if (!is_attr_char((unsigned char)name[i]))
			return EML_EINVAL;
	if (nlen == 0)
		return EML_EINVAL;
	mark = out->len;
	/* Quoted length, or not plain if anything is not printable ASCII. */
	qlen = 2;
	for (i = 0; i < len; i++) {
		/* "=?" would be read back as an RFC 2047 word (see
		 * undeclared_to_utf8), so such values get a charset. */
		if (u[i] < 0x20 || u[i] > 0x7e ||
		    (u[i] == '=' && i + 1 < len && u[i + 1] == '?')) {
			plain = 0;
			break;
		}
		qlen += (u[i] == '"' || u[i] == '\\') ? 2 : 1;
	}
	if (plain && TAB_COLS + nlen + 1 + qlen <= LINE_MAX_COLS) {
		if (2 + nlen + 1 + qlen <= SAME_LINE_MAX)
			r = eml_buf_adds(out, "; ");
		else if ((r = eml_buf_adds(out, ";")) == EML_OK &&
		    (r = eml_buf_adds(out, eol)) == EML_OK)
			r = eml_buf_addc(out, '\t');
		if (r == EML_OK)
			r = eml_buf_adds(out, name);
		if (r == EML_OK)
			r = eml_buf_adds(out, "=\"");
		for (i = 0; r == EML_OK && i < len; i++) {
			if (u[i] == '"' || u[i] == '\\')
				r = eml_buf_addc(out, '\\');
			if (r == EML_OK)
				r = eml_buf_addc(out, u[i]);
		}
		if (r == EML_OK)
			r = eml_buf_addc(out, '"');
		goto done;
	}

	/*
	 * RFC 2231 3/4: name*0*=utf-8''%E2%82%AC...; name*1*=...  Encoded
	 * size first, to know whether one segment ("name*=") suffices.
	 */
	cl = TAB_COLS + nlen + 2 + 7;	/* "\tname*=utf-8''" */
	for (i = 0; i < len; i++)
		cl += is_attr_char(u[i]) ? 1 : 3;
	seg = cl + 1 <= LINE_MAX_COLS ? (size_t)-1 : 0;
	i = 0;
	do {
		if ((r = eml_buf_addc(out, ';')) != EML_OK ||
		    (r = eml_buf_adds(out, eol)) != EML_OK ||
		    (r = eml_buf_addc(out, '\t')) != EML_OK ||
		    (r = eml_buf_adds(out, name)) != EML_OK)
			goto done;
		if (seg == (size_t)-1)
			snprintf(num, sizeof(num), "*=");
		else
			snprintf(num, sizeof(num), "*%zu*=", seg);
		if ((r = eml_buf_adds(out, num)) != EML_OK)
			goto done;
		col = TAB_COLS + nlen + strlen(num);
		if (seg == 0 || seg == (size_t)-1) {
			if ((r = eml_buf_adds(out, "utf-8''")) != EML_OK)
				goto done;
			col += 7;
		}
		/* Whole characters while they fit with the ';' that may
		 * follow; at least one per line so this always ends. */
		while (i < len) {
			unit = utf8_seqlen(u + i, len - i);
			cl = 0;
			for (k = 0; k < unit; k++)
				cl += is_attr_char(u[i + k]) ? 1 : 3;
			if (col + cl + 1 > LINE_MAX_COLS &&
			    col > TAB_COLS + nlen + 12)
				break;
			for (k = 0; k < unit && r == EML_OK; k++) {
				if (is_attr_char(u[i + k])) {
					r = eml_buf_addc(out, u[i + k]);
					continue;
				}
				if ((r = eml_buf_addc(out, '%')) == EML_OK &&
				    (r = eml_buf_addc(out,
				    hex[u[i + k] >> 4])) == EML_OK)
					r = eml_buf_addc(out, hex[u[i + k] & 15]);
			}
			if (r != EML_OK)
				goto done;
			col += cl;
			i += unit;
		}
		seg++;
	} while (i < len && seg <= EMLI_MAX_2231_INDEX);
	if (i < len)
		r = EML_ELIMIT;	/* over 1000 continuations */
done:
	if (r != EML_OK) {
		/* Leave out as it was: no half-written parameter. */
		out->len = mark;
		if (out->data != NULL)
			out->data[mark] = '\0';
	}
	return r;
}
