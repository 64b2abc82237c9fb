/*
 * charset.c - charset labels as real mail spells them, conversion to
 * UTF-8 through glibc iconv, UTF-8 validation.
 *
 * Choices (see also docs/LENIENCY.md):
 * - iso-8859-1, latin1 and friends are read as windows-1252, as browsers
 *   do (WHATWG Encoding): mailers label cp1252 text "iso-8859-1" and the
 *   C1 range is otherwise unused.  windows-1252 is decoded by a table
 *   here, not by iconv, so the five bytes cp1252 leaves undefined (0x81,
 *   0x8D, 0x8F, 0x90, 0x9D) map to the C1 code points and the fallback
 *   decoder can never fail.
 * - us-ascii (and unknown or "unknown-8bit" labels) with 8-bit bytes:
 *   if the bytes are valid UTF-8 they are taken as UTF-8 (mis-labelled
 *   UTF-8 is by far the common case and pure latin1 text is almost never
 *   valid UTF-8), else they are decoded with the fallback charset.  For
 *   unknown labels *guessed_r is set; for us-ascii it is not.
 * - Shift_JIS labels use CP932 (glibc's SHIFT_JIS turns 0x5C into a yen
 *   sign and lacks the Microsoft rows real mail uses), EUC-KR and
 *   ks_c_5601-1987 use CP949, GB2312/GBK use GB18030, Big5 uses
 *   BIG5-HKSCS, ISO-2022-JP uses ISO-2022-JP-2 (all supersets), TIS-620
 *   uses WINDOWS-874, iso-8859-8-i (logical order) is ISO-8859-8.
 * - iconv descriptors are lent out from a small cache under a lock
 *   (emli_iconv_open, below): glibc unloads a gconv module with its
 *   last descriptor, so an open per conversion reloaded it each time.
 *   UTF-8, windows-1252 and US-ASCII never touch iconv, nor does pure
 *   ASCII input in an ASCII-based charset.
 */
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdlib.h>

#include "eml_priv.h"

#define LABEL_MAX	64	/* longer labels are not charset names */

/* Marks labels that mean "we don't know": the fallback is used. */
static const char FALLBACK_MARK[] = "";

struct alias {
	const char *label;	/* normalised: lower-case, trimmed */
	const char *canon;	/* iconv name, or FALLBACK_MARK */
};

/* Sorted by label for bsearch. */
static const struct alias aliases[] = {
	{ "646", "US-ASCII" },
	{ "ansi_x3.4-1968", "US-ASCII" },
	{ "ascii", "US-ASCII" },
	{ "big-5", "BIG5-HKSCS" },
	{ "big5", "BIG5-HKSCS" },
	{ "big5-hkscs", "BIG5-HKSCS" },
	{ "chinese", "GB18030" },
	{ "cn-big5", "BIG5-HKSCS" },
	{ "cp-1250", "WINDOWS-1250" },
	{ "cp-1251", "WINDOWS-1251" },
	{ "cp-1252", "WINDOWS-1252" },
	{ "cp-850", "CP850" },
	{ "cp-866", "CP866" },
	{ "cp1250", "WINDOWS-1250" },
	{ "cp1251", "WINDOWS-1251" },
	{ "cp1252", "WINDOWS-1252" },
	{ "cp1253", "WINDOWS-1253" },
	{ "cp1254", "WINDOWS-1254" },
	{ "cp1255", "WINDOWS-1255" },
	{ "cp1256", "WINDOWS-1256" },
	{ "cp1257", "WINDOWS-1257" },
	{ "cp1258", "WINDOWS-1258" },
	{ "cp819", "WINDOWS-1252" },
	{ "cp850", "CP850" },
	{ "cp874", "WINDOWS-874" },
	{ "cp932", "CP932" },
	{ "cp936", "GB18030" },
	{ "cp949", "CP949" },
	{ "cp950", "BIG5-HKSCS" },
	{ "csbig5", "BIG5-HKSCS" },
	{ "csgb2312", "GB18030" },
	{ "csiso2022jp", "ISO-2022-JP-2" },
	{ "csisolatin1", "WINDOWS-1252" },
	{ "cskoi8r", "KOI8-R" },
	{ "csshiftjis", "CP932" },
	{ "default", FALLBACK_MARK },
	{ "euc-cn", "GB18030" },
	{ "euc-kr", "CP949" },
	{ "gb18030", "GB18030" },
	{ "gb2312", "GB18030" },
	{ "gb_2312", "GB18030" },
	{ "gb_2312-80", "GB18030" },
	{ "gbk", "GB18030" },
	{ "ibm819", "WINDOWS-1252" },
	{ "ibm850", "CP850" },
	{ "iso-10646-ucs-2", "UCS-2" },
	{ "iso-2022-jp", "ISO-2022-JP-2" },
	{ "iso-8859-1", "WINDOWS-1252" },
	{ "iso-8859-11", "WINDOWS-874" },
	{ "iso-8859-6-e", "ISO-8859-6" },
	{ "iso-8859-6-i", "ISO-8859-6" },
	{ "iso-8859-8-e", "ISO-8859-8" },
	{ "iso-8859-8-i", "ISO-8859-8" },
	{ "iso-ir-100", "WINDOWS-1252" },
	{ "iso8859-1", "WINDOWS-1252" },
	{ "iso88591", "WINDOWS-1252" },
	{ "iso_8859-1", "WINDOWS-1252" },
	{ "iso_8859-1:1987", "WINDOWS-1252" },
	{ "iso_8859-8-i", "ISO-8859-8" },
	{ "koi8-r", "KOI8-R" },
	{ "koi8-u", "KOI8-U" },
	{ "koi8r", "KOI8-R" },
	{ "ks_c_5601", "CP949" },
	{ "ks_c_5601-1987", "CP949" },
	{ "ks_c_5601-1989", "CP949" },
	{ "ksc5601", "CP949" },
	{ "ksc_5601", "CP949" },
	{ "l1", "WINDOWS-1252" },
	{ "l9", "ISO-8859-15" },
	{ "latin-1", "WINDOWS-1252" },
	{ "latin1", "WINDOWS-1252" },
	{ "logical", "ISO-8859-8" },
	{ "mac", "MACINTOSH" },
	{ "mac-ce", "MAC-CENTRALEUROPE" },
	{ "mac-centraleurope", "MAC-CENTRALEUROPE" },
	{ "mac-cyrillic", "MAC-CYRILLIC" },
	{ "mac-iceland", "MAC-IS" },
	{ "mac-icelandic", "MAC-IS" },
	{ "mac-roman", "MACINTOSH" },
	{ "mac-sami", "MAC-SAMI" },
	{ "mac-ukrainian", "MAC-UK" },
	{ "macintosh", "MACINTOSH" },
	{ "macroman", "MACINTOSH" },
	{ "ms932", "CP932" },
	{ "ms936", "GB18030" },
	{ "ms949", "CP949" },
	{ "ms950", "BIG5-HKSCS" },
	{ "ms_kanji", "CP932" },
	{ "shift-jis", "CP932" },
	{ "shift_jis", "CP932" },
	{ "sjis", "CP932" },
	{ "tis-620", "WINDOWS-874" },
	{ "tis-620-2533", "WINDOWS-874" },
	{ "tis620", "WINDOWS-874" },
	{ "uhc", "CP949" },
	{ "unicode-1-1-utf-7", "UTF-7" },
	{ "unicode-1-1-utf-8", "UTF-8" },
	{ "unknown", FALLBACK_MARK },
	{ "unknown-8bit", FALLBACK_MARK },
	{ "us", "US-ASCII" },
	{ "us-ascii", "US-ASCII" },
	{ "utf-7", "UTF-7" },
	{ "utf-8", "UTF-8" },
	{ "utf8", "UTF-8" },
	{ "utf8mb4", "UTF-8" },
	{ "visual", "ISO-8859-8" },
	{ "windows-1250", "WINDOWS-1250" },
	{ "windows-1251", "WINDOWS-1251" },
	{ "windows-1252", "WINDOWS-1252" },
	{ "windows-31j", "CP932" },
	{ "windows-874", "WINDOWS-874" },
	{ "windows-932", "CP932" },
	{ "windows-936", "GB18030" },
	{ "windows-949", "CP949" },
	{ "windows-950", "BIG5-HKSCS" },
	{ "x-big5", "BIG5-HKSCS" },
	{ "x-cp1250", "WINDOWS-1250" },
	{ "x-cp1251", "WINDOWS-1251" },
	{ "x-cp1252", "WINDOWS-1252" },
	{ "x-euc-cn", "GB18030" },
	{ "x-euc-jp", "EUC-JP" },
	{ "x-euc-kr", "CP949" },
	{ "x-euc-tw", "EUC-TW" },
	{ "x-gb2312", "GB18030" },
	{ "x-gbk", "GB18030" },
	{ "x-koi8-r", "KOI8-R" },
	{ "x-mac-ce", "MAC-CENTRALEUROPE" },
	{ "x-mac-centraleurope", "MAC-CENTRALEUROPE" },
	{ "x-mac-centraleurroman", "MAC-CENTRALEUROPE" },
	{ "x-mac-cyrillic", "MAC-CYRILLIC" },
	{ "x-mac-iceland", "MAC-IS" },
	{ "x-mac-icelandic", "MAC-IS" },
	{ "x-mac-roman", "MACINTOSH" },
	{ "x-mac-ukrainian", "MAC-UK" },
	{ "x-ms-cp932", "CP932" },
	{ "x-ms-cp949", "CP949" },
	{ "x-sjis", "CP932" },
	{ "x-tis620", "WINDOWS-874" },
	{ "x-unicode20utf8", "UTF-8" },
	{ "x-unknown", FALLBACK_MARK },
	{ "x-user-defined", FALLBACK_MARK },
	{ "x-utf-7", "UTF-7" },
	{ "x-windows-874", "WINDOWS-874" },
	{ "x-windows-950", "BIG5-HKSCS" },
	{ "x-x-big5", "BIG5-HKSCS" },
};

/* windows-1252 0x80..0x9F; the undefined bytes keep their C1 value. */
/*
 * iconv descriptors are kept for reuse, a few of them: glibc unloads a
 * gconv module when its last descriptor closes, so opening one per
 * conversion dlopens the module again each time (4-5% of eml-json and
 * of a header-only eml-hdr run on real mail).  A descriptor is lent to
 * one caller at a time, under a lock, so the module stays thread-safe;
 * it goes back in its initial shift state.
 */
#define ICONV_SLOTS	8

static struct iconv_slot {
	char to[LABEL_MAX], from[LABEL_MAX];
	iconv_t cd;
	int used, busy;
} slots[ICONV_SLOTS];
static unsigned victim;
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;

iconv_t
emli_iconv_open(const char *to, const char *from)
{
	struct iconv_slot *s = NULL;
	iconv_t cd, old = (iconv_t)-1;
	unsigned i;

	if (strlen(to) >= LABEL_MAX || strlen(from) >= LABEL_MAX)
		return iconv_open(to, from);
	pthread_mutex_lock(&slots_lock);
	for (i = 0; i < ICONV_SLOTS; i++)
		if (slots[i].used && !slots[i].busy &&
		    strcmp(slots[i].to, to) == 0 &&
		    strcmp(slots[i].from, from) == 0) {
			slots[i].busy = 1;
			pthread_mutex_unlock(&slots_lock);
			return slots[i].cd;
		}
	pthread_mutex_unlock(&slots_lock);
	if ((cd = iconv_open(to, from)) == (iconv_t)-1)
		return cd;
	pthread_mutex_lock(&slots_lock);
	for (i = 0; i < ICONV_SLOTS && s == NULL; i++)
		if (!slots[i].used)
			s = &slots[i];
	for (i = 0; i < ICONV_SLOTS && s == NULL; i++) {
		victim = (victim + 1) % ICONV_SLOTS;
		if (!slots[victim].busy) {
			s = &slots[victim];
			old = s->cd;
		}
	}
	if (s != NULL) {
		memcpy(s->to, to, strlen(to) + 1);
		memcpy(s->from, from, strlen(from) + 1);
		s->cd = cd;
		s->used = s->busy = 1;
	}
	pthread_mutex_unlock(&slots_lock);
	if (old != (iconv_t)-1)
		iconv_close(old);
	return cd;
}

void
emli_iconv_close(iconv_t cd)
{
	unsigned i;

	(void)iconv(cd, NULL, NULL, NULL, NULL);	/* initial state */
	pthread_mutex_lock(&slots_lock);
	for (i = 0; i < ICONV_SLOTS; i++)
		if (slots[i].used && slots[i].busy && slots[i].cd == cd) {
			slots[i].busy = 0;
			pthread_mutex_unlock(&slots_lock);
			return;
		}
	pthread_mutex_unlock(&slots_lock);
	iconv_close(cd);
}

static const uint16_t cp1252_c1[32] = {
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178
};

/*
 * Normalise a label into buf: trim whitespace and quotes, drop an RFC 2231
 * "*language" suffix, lower-case.  Returns 0 if the label is empty or too
 * long to be a charset name.
 */
static int
normalise(const char *label, char *buf, size_t size)
{
	size_t b, e, i, n;

	if (label == NULL)
		return 0;
	b = 0;
	e = strlen(label);
	while (b < e && (EMLI_WSP(label[b]) || label[b] == '"' ||
	    label[b] == '\'' || label[b] == '\r' || label[b] == '\n'))
		b++;
	while (e > b && (EMLI_WSP(label[e - 1]) || label[e - 1] == '"' ||
	    label[e - 1] == '\'' || label[e - 1] == '\r' ||
	    label[e - 1] == '\n'))
		e--;
	for (i = b; i < e; i++)
		if (label[i] == '*')
			break;
	e = i;
	n = e - b;
	if (n == 0 || n >= size)
		return 0;
	for (i = 0; i < n; i++)
		buf[i] = EMLI_LOWER(label[b + i]);
	buf[n] = '\0';
	return 1;
}

static int
alias_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct alias *)elem)->label);
}

static const struct alias *
lookup(const char *norm)
{
	return bsearch(norm, aliases, EMLI_NELEM(aliases), sizeof(aliases[0]),
	    alias_cmp);
}

const char *
eml_charset_canon(const char *label)
{
	char norm[LABEL_MAX];
	const struct alias *a;

	if (!normalise(label, norm, sizeof(norm)))
		return label;
	if ((a = lookup(norm)) == NULL || a->canon == FALLBACK_MARK)
		return label;
	return a->canon;
}

/*
 * Other spellings of a label, tried in turn when neither the table nor
 * iconv knows it: real mail writes glibc's names with an "x-" prefix,
 * '_' for '-', "cp-1253", "windows1250", "latin-2", "iso-latin-2",
 * "8859-2", "iso-8859-1:1987".  Writes candidate k into buf; 0 when
 * rule k does not apply.  Each rule rewrites the label once, so the work
 * per label is bounded.
 */
static int
cat2(char *buf, size_t size, const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	if (na + nb >= size)
		return 0;
	memcpy(buf, a, na);
	memcpy(buf + na, b, nb + 1);
	return 1;
}

static int
respell(const char *norm, int k, char *buf, size_t size)
{
	const char *s = norm;
	size_t i, n;

	switch (k) {
	case 0:		/* "x-cp1253", "x-iso-8859-2" */
		if (strncmp(s, "x-", 2) != 0)
			return 0;
		emli_strlcpy(buf, s + 2, strlen(s + 2), size);
		return 1;
	case 1:		/* '_' and ' ' for '-', ":1987" dropped */
		n = strcspn(s, ":");
		emli_strlcpy(buf, s, n, size);
		for (i = 0; buf[i] != '\0'; i++)
			if (buf[i] == '_' || buf[i] == ' ')
				buf[i] = '-';
		return 1;
	case 2:		/* "cp-1253", "windows1250" */
		if (strncmp(s, "x-", 2) == 0)
			s += 2;
		if (strncmp(s, "cp-", 3) == 0)
			s += 3;
		else if (strncmp(s, "windows", 7) == 0 && s[7] != '-')
			s += 7;
		else
			return 0;
		if (strspn(s, "0123456789") != strlen(s) || *s == '\0')
			return 0;
		return cat2(buf, size, "cp", s);
	case 3:		/* "latin-2", "iso-latin-2", "l-2" */
		if (strncmp(s, "x-", 2) == 0)
			s += 2;
		if (strncmp(s, "iso-", 4) == 0)
			s += 4;
		if (strncmp(s, "latin-", 6) != 0)
			return 0;
		return cat2(buf, size, "latin", s + 6);
	case 4:		/* "8859-2", "iso8859_2" */
		if (strncmp(s, "8859", 4) != 0)
			return 0;
		return cat2(buf, size, "iso-", s);
	}
	return 0;
}

/* Table, then iconv, for one normalised label; 1 if found. */
static int
resolve_norm(const char *norm, char *buf, size_t size, int *fallback_r)
{
	const struct alias *a;
	iconv_t cd;

	*fallback_r = 0;
	/* "" would make iconv use the locale's charset */
	if (norm[0] == '\0')
		return 0;
	if ((a = lookup(norm)) != NULL) {
		if (a->canon == FALLBACK_MARK) {
			*fallback_r = 1;
			return 0;
		}
		emli_strlcpy(buf, a->canon, strlen(a->canon), size);
		return 1;
	}
	/* Only plausible names reach iconv ("//" would select options). */
	if (strchr(norm, '/') != NULL)
		return 0;
	if ((cd = emli_iconv_open("UTF-8", norm)) == (iconv_t)-1)
		return 0;
	emli_iconv_close(cd);
	emli_strlcpy(buf, norm, strlen(norm), size);
	return 1;
}

/*
 * Resolve a label to an iconv name in buf.  Returns 1 if it can be
 * converted (table hit or iconv knows it, also under another spelling),
 * 0 if not.
 */
static int
resolve(const char *label, char *buf, size_t size)
{
	char norm[LABEL_MAX], alt[LABEL_MAX];
	int k, fb;

	if (!normalise(label, norm, sizeof(norm)))
		return 0;
	if (resolve_norm(norm, buf, size, &fb))
		return 1;
	if (fb)
		return 0;
	for (k = 0; k < 5; k++) {
		if (respell(norm, k, alt, sizeof(alt)) &&
		    strcmp(alt, norm) != 0 &&
		    resolve_norm(alt, buf, size, &fb))
			return 1;
	}
	return 0;
}

int
eml_charset_known(const char *label)
{
	char name[LABEL_MAX];

	return resolve(label, name, sizeof(name));
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		if (len >= 2 && (s[1] & 0xC0) == 0x80)
			return 2;
		return 0;
	}
	if (c >= 0xE0 && c <= 0xEF) {
		if (len < 3 || (s[1] & 0xC0) != 0x80 ||
		    (s[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && s[1] < 0xA0)
			return 0;	/* overlong */
		if (c == 0xED && s[1] >= 0xA0)
			return 0;	/* surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (len < 4 || (s[1] & 0xC0) != 0x80 ||
		    (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && s[1] < 0x90)
			return 0;	/* overlong */
		if (c == 0xF4 && s[1] >= 0x90)
			return 0;	/* over U+10FFFF */
		return 4;
	}
	return 0;
}

int
eml_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		/* ASCII fast path, 8 bytes at a time. */
		while (i + 8 <= len) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			if (w & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		if (i >= len)
			break;
		if ((n = utf8_seq(p + i, len - i)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

/*
 * Length of the maximal invalid subpart at s (Unicode 3.9 / WHATWG): a
 * truncated sequence is one U+FFFD, a stray byte another.
 */
static size_t
utf8_bad_len(const unsigned char *s, size_t len)
{
	unsigned char lo = 0x80, hi = 0xBF, c = s[0];
	size_t need, i;

	if (c >= 0xC2 && c <= 0xDF)
		need = 1;
	else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 1;
	for (i = 1; i <= need && i < len; i++) {
		if (s[i] < lo || s[i] > hi)
			break;
		lo = 0x80;
		hi = 0xBF;
	}
	return i;
}

/* Copy UTF-8, replacing each maximal invalid subpart by U+FFFD. */
static int
utf8_clean(const char *in, size_t len, struct eml_buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, start = 0, n;
	int r;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = utf8_seq(p + i, len - i)) != 0) {
			i += n;
			continue;
		}
		if ((r = eml_buf_add(out, in + start, i - start)) != EML_OK)
			return r;
		if ((r = eml_buf_add_utf8(out, 0xFFFD)) != EML_OK)
			return r;
		i += utf8_bad_len(p + i, len - i);
		start = i;
	}
	return eml_buf_add(out, in + start, i - start);
}

static int
cp1252_to_utf8(const char *in, size_t len, struct eml_buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i, start = 0;
	uint32_t cp;
	int r;

	for (i = 0; i < len; i++) {
		if (p[i] < 0x80)
			continue;
		if ((r = eml_buf_add(out, in + start, i - start)) != EML_OK)
			return r;
		cp = p[i] < 0xA0 ? cp1252_c1[p[i] - 0x80] : p[i];
		if ((r = eml_buf_add_utf8(out, cp)) != EML_OK)
			return r;
		start = i + 1;
	}
	return eml_buf_add(out, in + start, len - start);
}

/* Flush iconv output from tmp into out. */
static int
flush_tmp(char *tmp, char **op, size_t *oleft, size_t size,
    struct eml_buf *out)
{
	int r = eml_buf_add(out, tmp, size - *oleft);

	*op = tmp;
	*oleft = size;
	return r;
}

/*
 * Convert with iconv.  EILSEQ: emit U+FFFD, skip one byte and go on (the
 * shift state of stateful charsets is kept).  EINVAL: the input ends in
 * a truncated sequence, U+FFFD.
 */
static int
iconv_to_utf8(iconv_t cd, const char *in, size_t len, struct eml_buf *out)
{
	char tmp[4096];
	char *ip = (char *)(uintptr_t)in, *op = tmp;
	size_t ileft = len, oleft = sizeof(tmp);
	int r;

	while (ileft > 0) {
		if (iconv(cd, &ip, &ileft, &op, &oleft) != (size_t)-1)
			break;
		if (errno == E2BIG) {
			if ((r = flush_tmp(tmp, &op, &oleft, sizeof(tmp),
			    out)) != EML_OK)
				return r;
			continue;
		}
		if ((r = flush_tmp(tmp, &op, &oleft, sizeof(tmp), out)) !=
		    EML_OK)
			return r;
		if ((r = eml_buf_add_utf8(out, 0xFFFD)) != EML_OK)
			return r;
		if (errno == EILSEQ) {
			ip++;
			ileft--;
		} else
			break;	/* EINVAL: truncated at the end */
	}
	/* Return to the initial shift state (may write bytes). */
	if (oleft < 16 && (r = flush_tmp(tmp, &op, &oleft, sizeof(tmp),
	    out)) != EML_OK)
		return r;
	(void)iconv(cd, NULL, NULL, &op, &oleft);
	return flush_tmp(tmp, &op, &oleft, sizeof(tmp), out);
}

/*
 * Fast path: plain ASCII reads the same in every ASCII-based charset, so
 * iconv is skipped.  Not for UTF-7/16/32 and UCS ("+" and NULs mean
 * something there) nor for ESC, which switches ISO-2022 state.
 */
static int
ascii_same(const char *name, const char *in, size_t len)
{
	size_t i;

	if (strncasecmp(name, "UTF-", 4) == 0 ||
	    strncasecmp(name, "UCS", 3) == 0 ||
	    strncasecmp(name, "UNICODE", 7) == 0)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)in[i] >= 0x80 || in[i] == 0x1B ||
		    in[i] == '\0' || in[i] == '~' || in[i] == '\\')
			return 0;
	return 1;
}

static int decode_mixed(const char *name, const char *in, size_t len,
    struct eml_buf *out);

static int
decode_as(const char *name, const char *in, size_t len,
    struct eml_buf *out)
{
	iconv_t cd;
	size_t start;
	int r;

	if (strcmp(name, "UTF-8") == 0)
		return utf8_clean(in, len, out);
	if (strcmp(name, "WINDOWS-1252") == 0)
		return cp1252_to_utf8(in, len, out);
	if (strcmp(name, "US-ASCII") == 0) {
		if (eml_utf8_valid(in, len))
			return eml_buf_add(out, in, len);
		return decode_mixed("WINDOWS-1252", in, len, out);
	}
	if (ascii_same(name, in, len))
		return eml_buf_add(out, in, len);
	if ((cd = emli_iconv_open("UTF-8", name)) == (iconv_t)-1)
		return cp1252_to_utf8(in, len, out);
	start = out->len;
	r = iconv_to_utf8(cd, in, len, out);
	emli_iconv_close(cd);
	/* glibc lets some labels (a UTF-8 spelling with junk after it)
	 * pass bytes through unchecked: never hand out invalid UTF-8 */
	if (r == EML_OK && !eml_utf8_valid(out->data + start,
	    out->len - start)) {
		struct eml_buf tmp = { 0 };

		if ((r = eml_buf_add(&tmp, out->data + start,
		    out->len - start)) == EML_OK) {
			out->len = start;
			r = utf8_clean(tmp.data, tmp.len, out);
		}
		eml_buf_free(&tmp);
	}
	return r;
}

int
eml_charset_to_utf8(const char *charset, const char *in, size_t len,
    const char *fallback, struct eml_buf *out, int *guessed_r)
{
	char name[LABEL_MAX];

	if (guessed_r != NULL)
		*guessed_r = 0;
	if (len == 0)
		return EML_OK;	/* in may be NULL then */
	if (resolve(charset, name, sizeof(name)))
		return decode_as(name, in, len, out);
	if (guessed_r != NULL)
		*guessed_r = 1;
	return eml_charset_fallback(fallback, in, len, out);
}

/*
 * Convert in[0..len) with iconv name, without any replacement: returns 1
 * and appends if every byte converts, 0 (out unchanged) if not, or
 * EML_ENOMEM.
 */
static int
decode_strict(const char *name, const char *in, size_t len,
    struct eml_buf *out)
{
	char tmp[4096];
	char *ip = (char *)(uintptr_t)in, *op;
	size_t ileft = len, oleft, start = out->len, rc;
	iconv_t cd;
	int r = 1, err;

	if (strcmp(name, "UTF-8") == 0) {
		if (!eml_utf8_valid(in, len))
			return 0;
		return eml_buf_add(out, in, len) == EML_OK ? 1 : EML_ENOMEM;
	}
	if (strcmp(name, "WINDOWS-1252") == 0)
		return cp1252_to_utf8(in, len, out) == EML_OK ? 1 : EML_ENOMEM;
	if ((cd = emli_iconv_open("UTF-8", name)) == (iconv_t)-1)
		return 0;
	for (;;) {
		op = tmp;
		oleft = sizeof(tmp);
		rc = iconv(cd, &ip, &ileft, &op, &oleft);
		err = rc == (size_t)-1 ? errno : 0;
		if (eml_buf_add(out, tmp, sizeof(tmp) - oleft) != EML_OK) {
			r = EML_ENOMEM;
			break;
		}
		if (err == E2BIG)
			continue;
		if (err != 0)
			r = 0;	/* EILSEQ, or EINVAL: truncated at the end */
		break;
	}
	if (r == 1) {
		/* back to the initial shift state (may write bytes) */
		op = tmp;
		oleft = sizeof(tmp);
		(void)iconv(cd, NULL, NULL, &op, &oleft);
		if (eml_buf_add(out, tmp, sizeof(tmp) - oleft) != EML_OK)
			r = EML_ENOMEM;
	}
	emli_iconv_close(cd);
	if (r == 1 && !eml_utf8_valid(out->data + start, out->len - start))
		r = 0;
	if (r != 1) {
		out->len = start;
		if (out->data != NULL)
			out->data[out->len] = '\0';
	}
	return r;
}

/* Charsets whose characters span several bytes, ASCII-range trail bytes
 * included: splitting their text at UTF-8-looking sequences would break
 * characters, so they are tried whole first. */
static int
is_multibyte(const char *name)
{
	static const char *const mb[] = { "BIG5", "GB", "CP932", "CP949",
	    "CP936", "CP950", "EUC-", "ISO-2022", "SHIFT", "SJIS", "UHC",
	    "JOHAB", "HZ" };
	size_t i;

	for (i = 0; i < EMLI_NELEM(mb); i++)
		if (strncasecmp(name, mb[i], strlen(mb[i])) == 0)
			return 1;
	return 0;
}

/*
 * Mixed text: valid UTF-8 multibyte sequences are taken as UTF-8 (RFC
 * 6532), every stretch of other bytes (ASCII included, so a multibyte
 * charset keeps its ASCII trail bytes) is converted with name.
 */
static int
decode_mixed(const char *name, const char *in, size_t len,
    struct eml_buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, start = 0, n;
	int r;

	while (i < len) {
		if (p[i] < 0x80 || (n = utf8_seq(p + i, len - i)) == 0) {
			i++;
			continue;
		}
		if (i > start && (r = decode_as(name, in + start, i - start,
		    out)) != EML_OK)
			return r;
		if ((r = eml_buf_add(out, in + i, n)) != EML_OK)
			return r;
		i += n;
		start = i;
	}
	if (i > start)
		return decode_as(name, in + start, i - start, out);
	return EML_OK;
}

int
eml_charset_fallback(const char *fallbacks, const char *in, size_t len,
    struct eml_buf *out)
{
	char label[LABEL_MAX], name[LABEL_MAX], last[LABEL_MAX];
	const char *s = fallbacks != NULL ? fallbacks : EMLI_FALLBACK, *e;
	size_t n, tries = 0;
	int r;

	if (len == 0 || eml_utf8_valid(in, len))
		return eml_buf_add(out, in, len);
	strcpy(last, "WINDOWS-1252");
	/* Each entry but the last must take the whole text without an
	 * error (mutt's assumed_charset): a Big5 subject is Big5 only if
	 * it is valid Big5.  The last one (windows-1252 when none is
	 * usable) decodes the text mixed with UTF-8.  At most 8 entries
	 * are tried, bounding the work. */
	for (; *s != '\0' && tries < 8; s = e) {
		while (*s == ',' || EMLI_WSP(*s))
			s++;
		for (e = s; *e != '\0' && *e != ','; e++)
			;
		if ((n = (size_t)(e - s)) == 0)
			break;
		if (n >= sizeof(label))
			continue;
		emli_strlcpy(label, s, n, sizeof(label));
		if (!resolve(label, name, sizeof(name)))
			continue;
		tries++;
		strcpy(last, name);
		if (strspn(e, ", \t") == strlen(e) && !is_multibyte(name))
			break;	/* the last one: mixed below */
		if ((r = decode_strict(name, in, len, out)) != 0)
			return r == 1 ? EML_OK : r;
	}
	return decode_mixed(last, in, len, out);
}
