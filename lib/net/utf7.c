/*
 * utf7.c - IMAP modified UTF-7 mailbox names (RFC 3501 5.1.3) and the
 * mapping of a server's mailbox name to a local relative path.
 *
 * Decoding is strict, as Dovecot's imap-utf7.c: a name has exactly one
 * encoding, so a server cannot make two names that look alike locally.
 */
#include "eml_priv.h"
#include "net/eml_fetch.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

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
	if (c == ',')
		return 63;
	return -1;
}

/* Next code point of UTF-8 s[*i..n), or -1 if invalid (overlong,
 * surrogate, > U+10FFFF, truncated). */
static long
utf8_next(const unsigned char *s, size_t n, size_t *i)
{
	unsigned char c = s[*i];
	long cp, min;
	int k;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf)
		k = 1, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		k = 2, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 3, cp = c & 0x07, min = 0x10000;
	else
		return -1;
	if (n - *i <= (size_t)k)
		return -1;
	for (int j = 1; j <= k; j++) {
		if ((s[*i + j] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[*i + j] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*i += k + 1;
	return cp;
}

/* Base64 state of an open "&...-" shift while encoding. */
struct shift {
	int open;
	uint32_t bits;
	int nb;
};

static int
put_unit(struct eml_buf *out, struct shift *sh, unsigned u)
{
	int r;

	if (!sh->open) {
		if ((r = eml_buf_addc(out, '&')) < 0)
			return r;
		sh->open = 1;
	}
	sh->bits = sh->bits << 16 | u;
	sh->nb += 16;
	while (sh->nb >= 6) {
		sh->nb -= 6;
		if ((r = eml_buf_addc(out, b64[(sh->bits >> sh->nb) & 63])) < 0)
			return r;
	}
	sh->bits &= (1u << sh->nb) - 1;
	return EML_OK;
}

static int
close_shift(struct eml_buf *out, struct shift *sh)
{
	int r;

	if (!sh->open)
		return EML_OK;
	if (sh->nb > 0 &&
	    (r = eml_buf_addc(out, b64[(sh->bits << (6 - sh->nb)) & 63])) < 0)
		return r;
	sh->open = 0;
	sh->bits = 0;
	sh->nb = 0;
	return eml_buf_addc(out, '-');
}

int
eml_imap_utf7_encode(const char *name, size_t len, struct eml_buf *out)
{
	const unsigned char *s = (const unsigned char *)name;
	struct shift sh = { 0, 0, 0 };
	size_t i = 0, start = out->len;
	int r = EML_OK;

	while (i < len) {
		long cp;

		if (s[i] == 0) {
			r = EML_EFORMAT;
			break;
		}
		/* RFC 3501 5.1.3: printable US-ASCII stands for itself,
		 * "&" is "&-", everything else goes into one shift per run
		 * (adjacent shifts would be a second spelling). */
		if (s[i] >= 0x20 && s[i] < 0x7f) {
			if ((r = close_shift(out, &sh)) < 0)
				break;
			r = s[i] == '&' ? eml_buf_adds(out, "&-") :
			    eml_buf_addc(out, s[i]);
			if (r < 0)
				break;
			i++;
			continue;
		}
		if ((cp = utf8_next(s, len, &i)) < 0) {
			r = EML_EFORMAT;
			break;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			r = put_unit(out, &sh, 0xd800 | (unsigned)(cp >> 10));
			if (r == EML_OK)
				r = put_unit(out, &sh,
				    0xdc00 | (unsigned)(cp & 0x3ff));
		} else
			r = put_unit(out, &sh, (unsigned)cp);
		if (r < 0)
			break;
	}
	if (r == EML_OK)
		r = close_shift(out, &sh);
	if (r < 0) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	return r;
}

int
eml_imap_utf7_decode(const char *str, size_t len, struct eml_buf *out)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, start = out->len;
	int r = EML_OK;

	while (i < len && r == EML_OK) {
		uint32_t bits = 0, hi = 0;
		int nb = 0, units = 0;

		if (s[i] < 0x20 || s[i] >= 0x7f) {
			r = EML_EFORMAT;	/* raw 8-bit or control */
			break;
		}
		if (s[i] != '&') {
			r = eml_buf_addc(out, s[i++]);
			continue;
		}
		i++;
		if (i < len && s[i] == '-') {
			r = eml_buf_addc(out, '&');
			i++;
			continue;
		}
		for (;;) {
			int v;

			if (i >= len) {
				r = EML_EFORMAT;	/* unterminated */
				break;
			}
			if (s[i] == '-') {
				i++;
				/* RFC 3501 5.1.3: padding bits zero, no
				 * empty shift, no pending high surrogate */
				if (units == 0 || nb >= 6 ||
				    (bits & ((1u << nb) - 1)) != 0 || hi != 0)
					r = EML_EFORMAT;
				/* "&...-&" would be a second spelling */
				else if (i < len && s[i] == '&')
					r = EML_EFORMAT;
				break;
			}
			if ((v = b64val(s[i++])) < 0) {
				r = EML_EFORMAT;
				break;
			}
			bits = bits << 6 | (unsigned)v;
			nb += 6;
			if (nb < 16)
				continue;
			nb -= 16;
			{
				uint32_t u = (bits >> nb) & 0xffff;

				bits &= (1u << nb) - 1;
				units++;
				if (hi != 0) {
					if (u < 0xdc00 || u > 0xdfff) {
						r = EML_EFORMAT;
						break;
					}
					u = 0x10000 + ((hi - 0xd800) << 10) +
					    (u - 0xdc00);
					hi = 0;
				} else if (u >= 0xd800 && u <= 0xdbff) {
					hi = u;
					continue;
				} else if (u >= 0xdc00 && u <= 0xdfff) {
					r = EML_EFORMAT;
					break;
				} else if (u >= 0x20 && u < 0x7f) {
					/* printable ASCII must be direct */
					r = EML_EFORMAT;
					break;
				}
				if ((r = eml_buf_add_utf8(out, u)) < 0)
					break;
			}
		}
	}
	if (r < 0) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	return r;
}

int
eml_imap_local_path(const char *name, char delim, struct eml_buf *out)
{
	size_t len = strlen(name), i, lvl = 0, start = out->len;
	int r = EML_OK;

	if (len == 0 || len > 4096 || name[0] == delim)
		return EML_EFORMAT;
	for (i = 0; i <= len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (i == len || (delim != 0 && c == (unsigned char)delim)) {
			const char *l = name + i - lvl;

			/* an empty level, "." or ".." would climb out of,
			 * or alias within, the local folder */
			if (lvl == 0 || lvl > 255 || (lvl == 1 && l[0] == '.') ||
			    (lvl == 2 && l[0] == '.' && l[1] == '.')) {
				r = EML_EFORMAT;
				break;
			}
			if (i < len && (r = eml_buf_addc(out, '/')) < 0)
				break;
			lvl = 0;
			continue;
		}
		if (c < 0x20 || c == 0x7f || c == '/') {
			r = EML_EFORMAT;
			break;
		}
		if ((r = eml_buf_addc(out, c)) < 0)
			break;
		lvl++;
	}
	if (r < 0) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	return r;
}
