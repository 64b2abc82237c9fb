/*
 * json.c - a small streaming JSON writer (RFC 8259) for the tools.
 *
 * The only state is in struct eml_json: first[] keeps, per nesting
 * level, whether an element has been written yet (so we know when a
 * comma is due) and whether the level is an object, so misuse such as a
 * key inside an array is reported instead of producing broken JSON.
 */
#include <inttypes.h>
#include <stdio.h>

#include "eml_priv.h"

/* Bits of first[level]. */
#define LV_EMPTY	0x01	/* no element written at this level yet */
#define LV_OBJECT	0x02	/* level is an object (else array/top) */

#define JSON_MAX_DEPTH	63	/* first[] has 64 levels, 0 is the top */

/* One byte: where the buffer has room (the common case) without a call;
 * the cap and growth are eml_buf_addc's. */
static int
addc(struct eml_buf *o, char c)
{
	if (o->len + 2 <= o->cap && (o->max == 0 || o->len < o->max)) {
		o->data[o->len++] = c;
		o->data[o->len] = '\0';
		return EML_OK;
	}
	return eml_buf_addc(o, c);
}

void
eml_json_init(struct eml_json *j, struct eml_buf *out, int pretty)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->pretty = pretty != 0;
	j->first[0] = LV_EMPTY;
}

static int
indent(struct eml_json *j, unsigned depth)
{
	char *w;

	if ((w = eml_buf_reserve(j->out, 1 + 2 * (size_t)depth)) == NULL)
		return j->out->max != 0 ? EML_ELIMIT : EML_ENOMEM;
	*w++ = '\n';
	memset(w, ' ', 2 * (size_t)depth);
	j->out->len += 1 + 2 * (size_t)depth;
	j->out->data[j->out->len] = '\0';
	return EML_OK;
}

/* Whatever goes before a value: nothing after a key, else a comma when
 * the level already has an element, and the indentation. */
static int
before_value(struct eml_json *j)
{
	unsigned char *lv = &j->first[j->depth];
	int r;

	if (j->after_key) {
		j->after_key = 0;
		return EML_OK;
	}
	if (*lv & LV_OBJECT)
		return EML_EINVAL;	/* a value in an object needs a key */
	if (j->depth == 0) {
		/* Several top-level values (JSON lines): the caller puts
		 * its own separator between them. */
		*lv &= ~LV_EMPTY;
		return EML_OK;
	}
	if (!(*lv & LV_EMPTY) && (r = addc(j->out, ',')) != EML_OK)
		return r;
	*lv &= ~LV_EMPTY;
	if (j->pretty)
		return indent(j, j->depth);
	return EML_OK;
}

static int
begin(struct eml_json *j, int c, unsigned char kind)
{
	int r;

	if (j->depth >= JSON_MAX_DEPTH)
		return EML_ELIMIT;
	if ((r = before_value(j)) != EML_OK)
		return r;
	if ((r = addc(j->out, (char)c)) != EML_OK)
		return r;
	j->depth++;
	j->first[j->depth] = LV_EMPTY | kind;
	return EML_OK;
}

static int
end(struct eml_json *j, int c, unsigned char kind)
{
	unsigned char lv = j->first[j->depth];
	int r;

	if (j->depth == 0 || (lv & LV_OBJECT) != kind || j->after_key)
		return EML_EINVAL;
	j->depth--;
	/* An empty container stays on one line: "{}" and "[]". */
	if (j->pretty && !(lv & LV_EMPTY) &&
	    (r = indent(j, j->depth)) != EML_OK)
		return r;
	return addc(j->out, (char)c);
}

int
eml_json_obj_begin(struct eml_json *j)
{
	return begin(j, '{', LV_OBJECT);
}

int
eml_json_obj_end(struct eml_json *j)
{
	return end(j, '}', LV_OBJECT);
}

int
eml_json_arr_begin(struct eml_json *j)
{
	return begin(j, '[', 0);
}

int
eml_json_arr_end(struct eml_json *j)
{
	return end(j, ']', 0);
}

/*
 * Length of the well-formed UTF-8 sequence at s[0..n), or 0 if it is
 * ill-formed; then *bad_r is the length of its maximal subpart (Unicode
 * 3.9, "U+FFFD Substitution of Maximal Subparts"): the lead byte plus the
 * continuation bytes that were still valid, at least 1.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n, size_t *bad_r)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t need, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		need = 1;
	else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		if (c == 0xE0)
			lo = 0xA0;	/* no overlongs */
		else if (c == 0xED)
			hi = 0x9F;	/* no surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;	/* <= U+10FFFF */
	} else {
		*bad_r = 1;
		return 0;
	}
	for (i = 1; i <= need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*bad_r = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xBF;
	}
	return need + 1;
}

/* Bytes put_str copies as they are: printable ASCII but '"' and '\\'
 * (RFC 8259 7).  The rest is escaped, or checked as UTF-8 (>= 0x80). */
#define PLAIN(c)	((c) >= 0x20 && (c) < 0x80 && (c) != '"' && (c) != '\\')

/* Does any of the 8 bytes of w need a look (!PLAIN)?  Exact, with the
 * usual bit tricks: a byte below 0x20, with the high bit, or equal to
 * '"' or '\\' sets its high bit in the result. */
static int
word_special(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
	uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');

	return (((w - ones * 0x20) & ~w) | ((q - ones) & ~q) |
	    ((b - ones) & ~b) | w) & high ? 1 : 0;
}

static int
put_str(struct eml_buf *o, const char *str, size_t len)
{
	static const char hx[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, start = 0, k, bad;
	char esc[8];
	int r;

	if ((r = addc(o, '"')) != EML_OK)
		return r;
	/* Skip runs of plain bytes eight at a time and copy each run at
	 * once; only the bytes between runs are looked at one by one. */
	for (;;) {
		const char *rep = NULL;
		size_t replen = 0;
		unsigned char c;

		while (i + 8 <= len) {
			uint64_t w;

			memcpy(&w, s + i, 8);
			if (word_special(w))
				break;
			i += 8;
		}
		while (i < len && PLAIN(s[i]))
			i++;
		if (i >= len)
			break;
		c = s[i];
		k = 1;
		if (c >= 0x80) {
			k = utf8_seq(s + i, len - i, &bad);
			if (k == 0) {
				rep = "\xEF\xBF\xBD";	/* U+FFFD */
				replen = 3;
				k = bad;
			} else if (k == 3 && c == 0xE2 && s[i + 1] == 0x80 &&
			    (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
				/* U+2028/2029 end lines in JavaScript. */
				rep = s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029";
				replen = 6;
			}
		} else if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			rep = esc;
			replen = 2;
		} else {
			rep = esc;
			replen = 2;
			esc[0] = '\\';
			switch (c) {
			case '\b': esc[1] = 'b'; break;
			case '\f': esc[1] = 'f'; break;
			case '\n': esc[1] = 'n'; break;
			case '\r': esc[1] = 'r'; break;
			case '\t': esc[1] = 't'; break;
			default:
				memcpy(esc + 1, "u00", 3);
				esc[4] = hx[c >> 4];
				esc[5] = hx[c & 15];
				replen = 6;
			}
		}
		if (rep == NULL) {
			i += k;		/* well-formed UTF-8: part of the run */
			continue;
		}
		if (i > start &&
		    (r = eml_buf_add(o, str + start, i - start)) != EML_OK)
			return r;
		if ((r = eml_buf_add(o, rep, replen)) != EML_OK)
			return r;
		i += k;
		start = i;
	}
	if (i > start &&
	    (r = eml_buf_add(o, str + start, i - start)) != EML_OK)
		return r;
	return addc(o, '"');
}

int
eml_json_key(struct eml_json *j, const char *key)
{
	unsigned char *lv = &j->first[j->depth];
	int r;

	if (!(*lv & LV_OBJECT) || j->after_key || key == NULL)
		return EML_EINVAL;
	if (!(*lv & LV_EMPTY) && (r = addc(j->out, ',')) != EML_OK)
		return r;
	*lv &= ~LV_EMPTY;
	if (j->pretty && (r = indent(j, j->depth)) != EML_OK)
		return r;
	if ((r = put_str(j->out, key, strlen(key))) != EML_OK)
		return r;
	if ((r = addc(j->out, ':')) != EML_OK ||
	    (j->pretty && (r = addc(j->out, ' ')) != EML_OK))
		return r;
	j->after_key = 1;
	return EML_OK;
}

int
eml_json_str(struct eml_json *j, const char *s, size_t len)
{
	int r;

	if (s == NULL && len > 0)
		return EML_EINVAL;
	if ((r = before_value(j)) != EML_OK)
		return r;
	return put_str(j->out, s != NULL ? s : "", len);
}

int
eml_json_cstr(struct eml_json *j, const char *s)
{
	if (s == NULL)
		return eml_json_null(j);
	return eml_json_str(j, s, strlen(s));
}

static int
put_lit(struct eml_json *j, const char *lit)
{
	int r;

	if ((r = before_value(j)) != EML_OK)
		return r;
	return eml_buf_adds(j->out, lit);
}

int
eml_json_int(struct eml_json *j, int64_t v)
{
	char tmp[32], *p = tmp + sizeof(tmp) - 1;
	/* digits from the end, as %lld would print them, without stdio */
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	*p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	return put_lit(j, p);
}

int
eml_json_bool(struct eml_json *j, int v)
{
	return put_lit(j, v ? "true" : "false");
}

int
eml_json_null(struct eml_json *j)
{
	return put_lit(j, "null");
}
