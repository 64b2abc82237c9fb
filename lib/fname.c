/*
 * fname.c - a file name taken from a message (Content-Disposition
 * filename, Content-Type name), made safe to create on any platform.
 *
 * The name comes from the sender, so it is hostile until shown otherwise:
 * "../../.bashrc", "C:\Windows\x.exe", "invoice\u202Efdp.exe" (shown as
 * "invoiceexe.pdf"), "CON", "-rf", a name of 100 KB, a NUL.  What comes
 * out is one path component that every common file system accepts and
 * that reads as what it is, with letters of every script kept.
 */
#include <stdio.h>
#include <stdlib.h>

#include "eml_priv.h"

#define EXT_KEEP	16	/* an extension up to this is kept when cut */

/* Code point of the UTF-8 sequence at s (n bytes, valid), and its
 * length in *len_r; -1 and length 1 for an invalid byte. */
static long
next_cp(const unsigned char *s, size_t n, size_t *len_r)
{
	size_t k;

	if (s[0] < 0x80) {
		*len_r = 1;
		return s[0];
	}
	for (k = 2; k <= 4 && k <= n; k++) {
		if (eml_utf8_valid((const char *)s, k)) {
			*len_r = k;
			if (k == 2)
				return (long)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
			if (k == 3)
				return (long)(s[0] & 0x0F) << 12 |
				    (long)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
			return (long)(s[0] & 0x07) << 18 |
			    (long)(s[1] & 0x3F) << 12 |
			    (long)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
		}
	}
	*len_r = 1;
	return -1;
}

/* Characters dropped: controls (C0, DEL, C1), format characters that
 * reorder or hide text (bidi embeddings, overrides and isolates, marks,
 * zero-width characters, BOM, the tag block), noncharacters. */
static int
dropped(long cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||
	    cp == 0xAD ||			/* soft hyphen */
	    cp == 0x061C ||			/* arabic letter mark */
	    cp == 0x180E ||			/* mongolian vowel separator */
	    (cp >= 0x200B && cp <= 0x200F) ||	/* ZW space..RLM */
	    (cp >= 0x202A && cp <= 0x202E) ||	/* LRE..RLO */
	    (cp >= 0x2060 && cp <= 0x206F) ||	/* WJ, isolates, ... */
	    cp == 0xFEFF ||
	    (cp >= 0xFFF9 && cp <= 0xFFFB) ||	/* interlinear annotation */
	    (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE ||
	    (cp >= 0xE0000 && cp <= 0xE007F);	/* tags */
}

/* Characters replaced by '_': path separators and reserved characters
 * of every platform (POSIX '/', Windows '\' and <>:"|?*, classic Mac
 * ':'), and the look-alikes of the separators. */
static int
replaced(long cp)
{
	return (cp < 0x80 && strchr("/\\<>:\"|?*", (int)cp) != NULL) ||
	    cp == 0x2044 || cp == 0x2215 || cp == 0x29F8 || cp == 0x29F9 ||
	    cp == 0xFF0F || cp == 0xFF3C || cp == 0xFF1A ||
	    cp == 0x2024 || cp == 0x2025 || cp == 0x2026 || /* dot leaders */
	    cp == 0xFE52 || cp == 0xFF0E;		/* small, fullwidth . */
}

/* Windows reserved device names (with any extension: "con.txt" is the
 * console too), compared case-insensitively. */
static int
reserved(const char *s, size_t n)
{
	static const char *const names[] = { "con", "prn", "aux", "nul",
	    "conin$", "conout$", "clock$" };
	size_t i, base;

	for (base = 0; base < n && s[base] != '.'; base++)
		;
	while (base > 0 && s[base - 1] == ' ')
		base--;
	for (i = 0; i < EMLI_NELEM(names); i++)
		if (emli_eqi(s, base, names[i]))
			return 1;
	/* COM0-9, LPT0-9, also with superscript digits 1-3 */
	if ((base == 4 || base == 5) && (strncasecmp(s, "com", 3) == 0 ||
	    strncasecmp(s, "lpt", 3) == 0)) {
		if (base == 4 && s[3] >= '0' && s[3] <= '9')
			return 1;
		if (base == 5 && (unsigned char)s[3] == 0xC2 &&
		    ((unsigned char)s[4] == 0xB9 || (unsigned char)s[4] == 0xB2 ||
		    (unsigned char)s[4] == 0xB3))
			return 1;
	}
	return 0;
}

/* An extension for a content type, for generated names. */
static const char *
type_ext(const char *ctype)
{
	static const struct {
		const char *type, *ext;
	} t[] = {
		{ "application/pdf", "pdf" }, { "application/zip", "zip" },
		{ "application/gzip", "gz" }, { "application/json", "json" },
		{ "application/xml", "xml" }, { "application/msword", "doc" },
		{ "application/vnd.ms-excel", "xls" },
		{ "application/vnd.ms-powerpoint", "ppt" },
		{ "application/vnd.openxmlformats-officedocument."
		  "wordprocessingml.document", "docx" },
		{ "application/vnd.openxmlformats-officedocument."
		  "spreadsheetml.sheet", "xlsx" },
		{ "application/vnd.openxmlformats-officedocument."
		  "presentationml.presentation", "pptx" },
		{ "application/pgp-signature", "asc" },
		{ "application/pkcs7-signature", "p7s" },
		{ "application/x-pkcs7-signature", "p7s" },
		{ "application/ics", "ics" }, { "text/calendar", "ics" },
		{ "text/plain", "txt" }, { "text/html", "html" },
		{ "text/csv", "csv" }, { "text/xml", "xml" },
		{ "text/markdown", "md" }, { "text/rfc822-headers", "txt" },
		{ "image/jpeg", "jpg" }, { "image/png", "png" },
		{ "image/gif", "gif" }, { "image/webp", "webp" },
		{ "image/svg+xml", "svg" }, { "image/tiff", "tif" },
		{ "image/bmp", "bmp" }, { "audio/mpeg", "mp3" },
		{ "audio/ogg", "ogg" }, { "audio/wav", "wav" },
		{ "video/mp4", "mp4" }, { "video/mpeg", "mpg" },
		{ "message/rfc822", "eml" }, { "message/global", "eml" },
		{ "message/delivery-status", "txt" },
	};
	size_t i;

	if (ctype == NULL)
		return "bin";
	for (i = 0; i < EMLI_NELEM(t); i++)
		if (strcasecmp(ctype, t[i].type) == 0)
			return t[i].ext;
	return "bin";
}

/* Clean name[0..len) into out (appended at start): see eml.h. */
static int
clean(const char *name, size_t len, struct eml_buf *out)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t i, k, base = 0, start = out->len;
	long cp;
	int r = EML_OK, dot = 0;

	/* the last path component of any platform */
	for (i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == '\\')
			base = i + 1;
	for (i = base; i < len && r == EML_OK; i += k) {
		cp = next_cp(s + i, len - i, &k);
		if (cp < 0) {
			r = eml_buf_addc(out, '_');	/* not UTF-8 */
			dot = 0;
			continue;
		}
		if (dropped(cp))
			continue;
		if (replaced(cp)) {
			r = eml_buf_addc(out, '_');
			dot = 0;
			continue;
		}
		if (cp == '.') {
			/* no ".." anywhere: a run of dots is one */
			if (dot)
				continue;
			dot = 1;
		} else
			dot = 0;
		/* no leading dot (hidden file, ".."), dash (an option to
		 * whatever command gets the name) or space */
		if (out->len == start && (cp == '.' || cp == '-' || cp == ' ' ||
		    cp == '~'))
			continue;
		r = eml_buf_add(out, name + i, k);
	}
	if (r != EML_OK)
		return r;
	/* Windows drops trailing dots and spaces: "x.exe." is x.exe */
	while (out->len > start && (out->data[out->len - 1] == '.' ||
	    out->data[out->len - 1] == ' '))
		out->len--;
	if (out->data != NULL)
		out->data[out->len] = '\0';
	return EML_OK;
}

/* Cut out->data[start..] to max bytes at a character boundary, keeping
 * a short extension. */
static void
cut(struct eml_buf *out, size_t start, size_t max)
{
	char *s = out->data + start;
	size_t n = out->len - start, e, elen = 0, keep;
	const char *dot;

	if (n <= max)
		return;
	dot = strrchr(s, '.');
	if (dot != NULL && dot != s) {
		elen = n - (size_t)(dot - s);
		if (elen > EXT_KEEP || elen >= max / 2)
			elen = 0;
	}
	keep = max - elen;
	/* back to the start of a UTF-8 character; the part kept must not
	 * end in '.' or ' ' either ("a..pdf", "a .pdf") */
	while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80)
		keep--;
	while (elen > 0 && keep > 0 && (s[keep - 1] == '.' ||
	    s[keep - 1] == ' '))
		keep--;
	if (keep == 0 && elen > 0) {
		/* nothing left before the extension: cut it instead */
		elen = 0;
		keep = max;
		while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80)
			keep--;
	}
	if (elen > 0)
		memmove(s + keep, s + n - elen, elen);
	e = keep + elen;
	out->len = start + e;
	s[e] = '\0';
	/* a cut may leave a trailing dot or space before the extension */
	while (out->len > start && (out->data[out->len - 1] == '.' ||
	    out->data[out->len - 1] == ' '))
		out->data[--out->len] = '\0';
}

int
eml_fname_safe(const char *name, size_t len, const char *ctype,
    const char *section, size_t max, struct eml_buf *out)
{
	size_t start = out->len;
	int r;

	if (max == 0)
		max = EML_FNAME_MAX;
	if (max < 16)
		return EML_EINVAL;
	if (name != NULL && (r = clean(name, len, out)) != EML_OK)
		goto fail;
	if (out->len == start) {
		/* nothing usable: a name from where the part is and what it
		 * is, "part-1.2.pdf" */
		const char *sec = section != NULL && *section != '\0' ?
		    section : "1";
		char tmp[EML_FNAME_MAX + 1];

		snprintf(tmp, sizeof(tmp), "part-%s.%s", sec, type_ext(ctype));
		if ((r = clean(tmp, strlen(tmp), out)) != EML_OK)
			goto fail;
	}
	cut(out, start, max);
	if (reserved(out->data + start, out->len - start)) {
		/* "CON.txt" -> "_CON.txt" */
		if ((r = eml_buf_addc(out, '\0')) != EML_OK)
			goto fail;
		memmove(out->data + start + 1, out->data + start,
		    out->len - start - 1);
		out->data[start] = '_';
		out->data[out->len] = '\0';
		cut(out, start, max);
	}
	return EML_OK;
fail:
	out->len = start;
	if (out->data != NULL)
		out->data[start] = '\0';
	return r;
}
