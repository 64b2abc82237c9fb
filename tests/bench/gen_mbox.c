/*
 * gen_mbox.c - deterministic generator of benchmark mail.
 *
 *   gen_mbox [-s seed] [-n bytes] OUT	an mbox of realistic mixed mail
 *   gen_mbox -b bytes OUT		one message with a huge attachment
 *   gen_mbox -B bytes OUT		a bare base64 stream (codec bench)
 *   gen_mbox -Q bytes OUT		quoted-printable text (codec bench)
 *
 * Everything comes from a seeded PRNG so every run writes the same bytes.
 * The mbox is mboxrd: "From " at a line start in a body is written as
 * ">From ".  Lines end in LF as in an mbox on disk.  OUT is written to
 * OUT.tmp first and renamed, so a killed run never leaves a short file
 * that a later run would take for a cached one.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* splitmix64: tiny, fast and good enough for test data. */
static uint64_t
rnd(void)
{
	uint64_t z;

	z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t
rndn(size_t n)
{
	return (size_t)(rnd() % n);
}

static size_t
rndr(size_t lo, size_t hi)
{
	return lo + rndn(hi - lo + 1);
}

/* Percent chance. */
static int
chance(unsigned pct)
{
	return rndn(100) < pct;
}

static void
die(const char *msg)
{
	perror(msg);
	exit(1);
}

/* Growable output buffer for one message. */
struct sbuf {
	char *p;
	size_t len, cap;
};

static void
sb_grow(struct sbuf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	while (b->len + n + 1 > b->cap)
		b->cap = b->cap ? b->cap * 2 : 65536;
	if ((b->p = realloc(b->p, b->cap)) == NULL)
		die("realloc");
}

static void
sb_add(struct sbuf *b, const void *p, size_t n)
{
	sb_grow(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
sb_puts(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void
sb_putc(struct sbuf *b, int c)
{
	char ch = (char)c;

	sb_add(b, &ch, 1);
}

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sb_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* ------------------------------------------------------------------ */
/* Vocabulary. */

static const char *const words[] = {
	"the", "of", "and", "to", "in", "a", "is", "that", "for", "it",
	"as", "was", "with", "be", "by", "on", "not", "he", "this", "are",
	"or", "his", "from", "at", "which", "but", "have", "an", "had",
	"they", "you", "were", "their", "one", "all", "we", "can", "her",
	"has", "there", "been", "if", "more", "when", "will", "would",
	"who", "so", "no", "meeting", "project", "budget", "quarter",
	"report", "attached", "please", "review", "thanks", "regards",
	"schedule", "deadline", "customer", "invoice", "release", "server",
	"database", "backup", "network", "security", "update", "patch",
	"kernel", "compiler", "benchmark", "latency", "throughput",
	"deployment", "rollback", "ticket", "issue", "feature", "roadmap",
	"contract", "proposal", "agenda", "minutes", "travel", "expense",
	"approval", "signature", "document", "spreadsheet", "presentation",
	"conference", "workshop", "tomorrow", "yesterday", "Monday",
	"Friday", "afternoon", "morning", "office", "remote", "colleague",
	"manager", "engineering", "marketing", "finance", "legal", "team",
	"question", "answer", "problem", "solution", "approach", "design",
	"implementation", "testing", "production", "staging", "version",
	"2.4.1", "#4711", "e.g.", "i.e.", "(see", "below)", "ASAP", "FYI",
	"50%", "$1,200", "a=b", "x==y", "C++", "<none>", "[draft]",
};

static const char *const uwords[] = {
	"café", "naïve", "Grüße", "señor", "façade", "Zürich", "Köln",
	"München", "déjà", "vu", "Ærø", "Škoda", "Łódź", "€100", "“quoted”",
	"—", "résumé", "jalapeño", "Åsa", "Øresund", "İstanbul",
	"привет", "мир", "日本語", "東京", "中文", "한국어", "Ελληνικά",
	"עברית", "العربية", "🙂", "✓", "…",
};

/* Latin-1 bytes for iso-8859-1 bodies and words. */
static const char *const lwords[] = {
	"caf\xe9", "na\xefve", "Gr\xfc\xdf" "e", "se\xf1or", "fa\xe7" "ade",
	"Z\xfcrich", "K\xf6ln", "M\xfcnchen", "d\xe9j\xe0", "r\xe9sum\xe9",
	"\xc5sa", "\xd8resund", "\xa3" "50", "\xbd", "\xa7" "3",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

enum cs { CS_ASCII, CS_UTF8, CS_LATIN1 };

static const char *
word(enum cs cs)
{
	if (cs == CS_UTF8 && chance(6))
		return uwords[rndn(NELEM(uwords))];
	if (cs == CS_LATIN1 && chance(6))
		return lwords[rndn(NELEM(lwords))];
	return words[rndn(NELEM(words))];
}

/* Display width is close enough to bytes for wrapping test text. */
static void
sentence(struct sbuf *b, enum cs cs)
{
	size_t i, n = rndr(4, 18);
	const char *w;

	for (i = 0; i < n; i++) {
		w = word(cs);
		if (i == 0) {
			sb_putc(b, w[0] >= 'a' && w[0] <= 'z' ? w[0] - 32 :
			    w[0]);
			sb_puts(b, w + 1);
		} else {
			sb_putc(b, ' ');
			sb_puts(b, w);
		}
	}
	sb_puts(b, chance(15) ? "? " : ". ");
}

/* One paragraph as a single long line (no LF). */
static void
paragraph(struct sbuf *b, enum cs cs)
{
	size_t i, n = rndr(1, 7);

	for (i = 0; i < n; i++)
		sentence(b, cs);
	if (b->len && b->p[b->len - 1] == ' ')
		b->len--;
}

/*
 * Plain text of about size bytes.  wrap: break lines at 72 columns (a
 * 7bit/8bit body); otherwise paragraphs stay long lines for QP to
 * soft-break.  Some paragraphs are reply quotes and some lines start
 * with "From " to exercise mbox quoting.
 */
static void
gen_text(struct sbuf *out, size_t size, enum cs cs, int wrap)
{
	struct sbuf para = { 0 };
	size_t start = out->len, i, col, ws;
	const char *pre;

	sb_puts(out, chance(50) ? "Hi all,\n\n" : "Hello,\n\n");
	while (out->len - start < size) {
		para.len = 0;
		if (chance(4))
			sb_puts(&para, "From the desk of the manager: ");
		paragraph(&para, cs);
		pre = chance(15) ? "> " : "";
		if (!wrap) {
			sb_puts(out, pre);
			sb_add(out, para.p, para.len);
			sb_puts(out, "\n\n");
			continue;
		}
		/* Greedy wrap at spaces. */
		i = 0;
		while (i < para.len) {
			sb_puts(out, pre);
			col = 0;
			ws = 0;
			while (i + col < para.len && col < 72) {
				if (para.p[i + col] == ' ')
					ws = col;
				col++;
			}
			if (i + col < para.len && ws > 0)
				col = ws;
			sb_add(out, para.p + i, col);
			sb_putc(out, '\n');
			i += col;
			while (i < para.len && para.p[i] == ' ')
				i++;
		}
		sb_putc(out, '\n');
	}
	sb_puts(out, "-- \nJohn Example\nExample Corp.\n");
	free(para.p);
}

static void
gen_html(struct sbuf *out, size_t size, enum cs cs)
{
	size_t start = out->len;

	sb_puts(out, "<!DOCTYPE html><html><head><meta http-equiv=\"Content-"
	    "Type\" content=\"text/html; charset=utf-8\"><style type=\"text/"
	    "css\">body{font-family:Arial,Helvetica,sans-serif;font-size:14px"
	    ";color:#222222}p{margin:0 0 12px 0}a{color:#1a73e8}</style>"
	    "</head>\n<body><div dir=\"ltr\" class=\"gmail_default\" style=\""
	    "font-family:arial,sans-serif\">\n");
	while (out->len - start < size) {
		sb_puts(out, "<p style=\"margin:0;line-height:1.4\">");
		paragraph(out, cs);
		if (chance(30))
			sb_printf(out, " <a href=\"https://www.example.com/"
			    "track?id=%016llx&amp;utm_source=newsletter&amp;"
			    "utm_medium=email\">link</a>",
			    (unsigned long long)rnd());
		if (chance(20))
			sb_puts(out, " <b>important</b> <i>note</i>");
		sb_puts(out, "</p>\n");
	}
	sb_puts(out, "<div class=\"gmail_signature\">--<br>John Example<br>"
	    "Example Corp.</div></div></body></html>\n");
}

/* ------------------------------------------------------------------ */
/* Encoders (our own: the benchmark must not trust emlkit to make its  */
/* own input).                                                         */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Encode n bytes as base64 lines of 76 chars + LF. */
static void
b64_lines(struct sbuf *out, const unsigned char *p, size_t n)
{
	size_t i, col = 0;
	uint32_t v;
	char *o;

	sb_grow(out, (n + 2) / 3 * 4 + n / 57 + 2);
	o = out->p + out->len;
	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = b64[(v >> 6) & 63];
		*o++ = b64[v & 63];
		if ((col += 4) == 76) {
			*o++ = '\n';
			col = 0;
		}
	}
	if (n - i == 1) {
		v = (uint32_t)p[i] << 16;
		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = '=';
		*o++ = '=';
		col += 4;
	} else if (n - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = b64[(v >> 6) & 63];
		*o++ = '=';
		col += 4;
	}
	if (col)
		*o++ = '\n';
	out->len = (size_t)(o - out->p);
}

/* Random binary of n bytes, base64 encoded in 57-byte line groups so it
 * can also be streamed. */
static void
fill_random(unsigned char *p, size_t n)
{
	uint64_t v;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		v = rnd();
		memcpy(p + i, &v, 8);
	}
	if (i < n) {
		v = rnd();
		memcpy(p + i, &v, n - i);
	}
}

static void
b64_random(struct sbuf *out, size_t n)
{
	unsigned char blk[57 * 256];
	size_t k;

	while (n > 0) {
		k = n < sizeof(blk) ? n : sizeof(blk);
		fill_random(blk, k);
		b64_lines(out, blk, k);
		n -= k;
	}
}

/*
 * Quoted-printable, RFC 2045 6.7: lines at most 76 chars with the "=" of
 * a soft break, trailing whitespace encoded, "From " at a line start
 * encoded so that mbox readers never see it.
 */
static void
qp_encode(struct sbuf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, col = 0, k;
	unsigned char c;
	char tok[3];
	int lit;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\n') {
			sb_putc(out, '\n');
			col = 0;
			continue;
		}
		lit = (c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && i + 1 < n && s[i + 1] != '\n');
		if (col + (lit ? 1 : 3) > 75) {
			sb_puts(out, "=\n");
			col = 0;
		}
		/* Checked after any soft break: it may start a line too. */
		if (c == 'F' && col == 0 && n - i >= 5 &&
		    memcmp(s + i, "From ", 5) == 0)
			lit = 0;
		if (lit) {
			tok[0] = (char)c;
			k = 1;
		} else {
			tok[0] = '=';
			tok[1] = hex[c >> 4];
			tok[2] = hex[c & 15];
			k = 3;
		}
		sb_add(out, tok, k);
		col += k;
	}
	if (col)
		sb_putc(out, '\n');
}

/* mboxrd quoting of a raw 7bit/8bit body: ">*From " gets one more ">". */
static void
mbox_quote(struct sbuf *out, const char *s, size_t n)
{
	size_t i = 0, j, e;

	while (i < n) {
		e = i;
		while (e < n && s[e] != '\n')
			e++;
		j = i;
		while (j < e && s[j] == '>')
			j++;
		if (e - j >= 5 && memcmp(s + j, "From ", 5) == 0)
			sb_putc(out, '>');
		sb_add(out, s + i, e - i + (e < n));
		i = e + 1;
	}
}

/* ------------------------------------------------------------------ */
/* Headers. */

static const char *const first_names[] = {
	"John", "Mary", "Ahmed", "Li", "Sofia", "Jürgen", "François",
	"Björn", "Zoë", "Ивана", "太郎", "José", "Anna", "Peter", "Ольга",
	"Mohammed", "Ingrid", "Chloé", "Søren", "Paweł",
};
static const char *const last_names[] = {
	"Smith", "Müller", "García", "Nguyen", "Kowalski", "Dupont", "Rossi",
	"Ivanov", "Tanaka", "Öztürk", "Johansson", "Nowak", "O'Brien",
	"Fernández", "Schäfer", "Lefèvre", "Смирнов", "山田",
};
static const char *const domains[] = {
	"example.com", "example.org", "example.net", "mail.example.de",
	"corp.example.co.uk", "lists.example.org", "example.fr",
};
static const char *const subjects[] = {
	"Quarterly report", "Meeting tomorrow at 10", "Re: budget approval",
	"Invoice #4711 for October", "Your order has shipped",
	"Weekly status update", "Lunch?", "Server maintenance window",
	"Fwd: contract draft", "Résumé for the open position",
	"Grüße aus München", "Café meeting → moved to Friday",
	"Привет, как дела?", "日本語のテストメール", "Re: Re: Re: deployment",
	"Ærø ferry schedule — updated", "Price list 2026 (€)",
	"[project-dev] Patch v3 0/7: rework the parser",
	"Your account statement is ready", "Photos from the workshop 🙂",
};

static int
is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* Length of the UTF-8 sequence starting with byte c. */
static size_t
u8len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xf0)
		return 4;
	if (c >= 0xe0)
		return 3;
	return 2;
}

/* Encoded-words for s: B or Q, charset given, chunks split at character
 * boundaries, words separated by folding "\n ". */
static void
ew_encode(struct sbuf *out, const char *cset, const char *s, int q)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s), i = 0, j, k, maxin;
	int latin1 = strcmp(cset, "iso-8859-1") == 0;
	const unsigned char *u = (const unsigned char *)s;
	unsigned char c;
	int first = 1;

	maxin = q ? 18 : 42;
	while (i < n) {
		j = i;
		while (j < n) {
			k = latin1 ? 1 : u8len(u[j]);
			if (j + k - i > maxin)
				break;
			j += k;
		}
		if (j == i)
			j = i + 1;
		if (!first)
			sb_puts(out, "\n ");
		first = 0;
		sb_printf(out, "=?%s?%c?", cset, q ? 'Q' : 'B');
		if (q) {
			for (k = i; k < j; k++) {
				c = u[k];
				if (c == ' ')
					sb_putc(out, '_');
				else if (c >= 0x80 || c == '=' || c == '?' ||
				    c == '_' || c < 0x20)
					sb_printf(out, "=%c%c", hex[c >> 4],
					    hex[c & 15]);
				else
					sb_putc(out, c);
			}
		} else {
			struct sbuf t = { 0 };

			b64_lines(&t, u + i, j - i);
			sb_add(out, t.p, t.len - 1);	/* without LF */
			free(t.p);
		}
		sb_puts(out, "?=");
		i = j;
	}
}

/* A UTF-8 string re-encoded as Latin-1 when all of it fits, else NULL. */
static int
to_latin1(const char *s, char *out, size_t size)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0;
	unsigned cp;

	while (*u) {
		if (o + 1 >= size)
			return 0;
		if (*u < 0x80) {
			out[o++] = (char)*u++;
			continue;
		}
		if ((*u & 0xe0) != 0xc0 || (u[1] & 0xc0) != 0x80)
			return 0;
		cp = (unsigned)(u[0] & 0x1f) << 6 | (u[1] & 0x3f);
		if (cp > 0xff)
			return 0;
		out[o++] = (char)cp;
		u += 2;
	}
	out[o] = '\0';
	return 1;
}

/* Unstructured text: plain, UTF-8 B, UTF-8 Q or Latin-1 Q. */
static void
put_text_header(struct sbuf *out, const char *s)
{
	char l1[256];

	if (is_ascii(s) && chance(80)) {
		sb_puts(out, s);
		return;
	}
	switch (rndn(3)) {
	case 0:
		ew_encode(out, "UTF-8", s, 0);
		break;
	case 1:
		ew_encode(out, "utf-8", s, 1);
		break;
	default:
		if (to_latin1(s, l1, sizeof(l1)))
			ew_encode(out, "iso-8859-1", l1, 1);
		else
			ew_encode(out, "UTF-8", s, 0);
		break;
	}
}

static void
put_mailbox(struct sbuf *out)
{
	char name[128], addr[128];
	const char *f = first_names[rndn(NELEM(first_names))];
	const char *l = last_names[rndn(NELEM(last_names))];
	size_t i, o = 0;

	snprintf(name, sizeof(name), "%s %s", f, l);
	/* Address: ASCII letters of the name, lower-cased. */
	for (i = 0; name[i] && o + 1 < 40; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c >= 'A' && c <= 'Z')
			addr[o++] = (char)(c + 32);
		else if ((c >= 'a' && c <= 'z') || c == ' ')
			addr[o++] = c == ' ' ? '.' : (char)c;
	}
	if (o == 0 || addr[0] == '.')
		o = (size_t)snprintf(addr, sizeof(addr), "user%u",
		    (unsigned)rndn(1000));
	addr[o] = '\0';
	if (chance(15)) {
		sb_printf(out, "%s@%s", addr, domains[rndn(NELEM(domains))]);
		return;
	}
	if (is_ascii(name)) {
		if (strchr(name, '\'') || chance(30))
			sb_printf(out, "\"%s\"", name);
		else
			sb_puts(out, name);
	} else {
		put_text_header(out, name);
	}
	sb_printf(out, " <%s@%s>", addr, domains[rndn(NELEM(domains))]);
}

static void
put_msgid(struct sbuf *out)
{
	sb_printf(out, "<%016llx.%u@%s>", (unsigned long long)rnd(),
	    (unsigned)rndn(100000), domains[rndn(NELEM(domains))]);
}

static time_t msg_time = 1704067200;	/* 2024-01-01 */

static void
put_date(struct sbuf *out, const char *prefix, const char *suffix)
{
	char d[64];
	struct tm tm;

	gmtime_r(&msg_time, &tm);
	strftime(d, sizeof(d), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	sb_printf(out, "%s%s%s", prefix, d, suffix);
}

/* mbox separator with an asctime(3) date, as mbox(5) has it. */
static void
put_from_line(struct sbuf *out)
{
	char d[64];
	struct tm tm;

	gmtime_r(&msg_time, &tm);
	strftime(d, sizeof(d), "%a %b %e %H:%M:%S %Y", &tm);
	sb_printf(out, "From bench@localhost %s\n", d);
}

static void
common_headers(struct sbuf *out, int outer)
{
	size_t i, n;

	msg_time += (time_t)rndr(60, 7200);
	if (outer) {
		n = rndr(1, 5);
		sb_puts(out, "Return-Path: <bounce@example.net>\n");
		for (i = 0; i < n; i++) {
			sb_printf(out, "Received: from mail%u.example.net "
			    "(mail%u.example.net [10.%u.%u.%u])\n\tby mx%u."
			    "example.org (Postfix) with ESMTPS id %08llX\n"
			    "\tfor <user@example.org>; ", (unsigned)i,
			    (unsigned)i, (unsigned)rndn(256),
			    (unsigned)rndn(256), (unsigned)rndn(256),
			    (unsigned)rndn(9),
			    (unsigned long long)(rnd() & 0xffffffffULL));
			put_date(out, "", "\n");
		}
		if (chance(40)) {
			/* A long folded DKIM signature, as most mail has. */
			struct sbuf t = { 0 };
			unsigned char raw[180];

			fill_random(raw, sizeof(raw));
			b64_lines(&t, raw, sizeof(raw));
			for (i = 0; i < t.len; i++)
				if (t.p[i] == '\n')
					t.p[i] = ' ';
			sb_puts(out, "DKIM-Signature: v=1; a=rsa-sha256; "
			    "c=relaxed/relaxed; d=example.com; s=sel1;\n"
			    "\th=from:to:subject:date:message-id;\n"
			    "\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
			    "=;\n\tb=");
			for (i = 0; i < t.len; i += 64) {
				if (i)
					sb_puts(out, "\n\t ");
				sb_add(out, t.p + i,
				    t.len - i < 64 ? t.len - i : 64);
			}
			sb_putc(out, '\n');
			free(t.p);
		}
	}
	sb_puts(out, "From: ");
	put_mailbox(out);
	sb_puts(out, "\nTo: ");
	put_mailbox(out);
	n = chance(30) ? rndr(1, 12) : 0;
	for (i = 0; i < n; i++) {
		sb_puts(out, i ? ",\n    " : "\nCc: ");
		put_mailbox(out);
	}
	sb_puts(out, "\nSubject: ");
	if (chance(20))
		sb_puts(out, "Re: ");
	put_text_header(out, subjects[rndn(NELEM(subjects))]);
	put_date(out, "\nDate: ", "\n");
	sb_puts(out, "Message-ID: ");
	put_msgid(out);
	sb_putc(out, '\n');
	if (chance(40)) {
		n = rndr(1, 40);
		sb_puts(out, "In-Reply-To: ");
		put_msgid(out);
		sb_puts(out, "\nReferences:");
		for (i = 0; i < n; i++) {
			sb_puts(out, i ? "\n " : " ");
			put_msgid(out);
		}
		sb_putc(out, '\n');
	}
	if (chance(50))
		sb_puts(out, "User-Agent: Mozilla/5.0 (X11; Linux x86_64; "
		    "rv:128.0) Gecko/20100101 Thunderbird/128.5.0\n");
	if (chance(30))
		sb_printf(out, "X-Spam-Status: No, score=-%u.%u required=5.0 "
		    "tests=BAYES_00,DKIM_SIGNED,\n\tDKIM_VALID,SPF_PASS "
		    "autolearn=ham version=3.4.6\n", (unsigned)rndn(9),
		    (unsigned)rndn(10));
	sb_puts(out, "MIME-Version: 1.0\n");
}

/* ------------------------------------------------------------------ */
/* Parts.  Each writes its content headers, a blank line and a body    */
/* ending in LF.                                                       */

static unsigned boundary_seq;

static void
new_boundary(char *b, size_t size)
{
	switch (rndn(3)) {
	case 0:
		snprintf(b, size, "----=_Part_%u_%llu.%u", boundary_seq++,
		    (unsigned long long)(rnd() >> 20), (unsigned)rndn(1000));
		break;
	case 1:
		snprintf(b, size, "%016llx%012llx", (unsigned long long)rnd(),
		    (unsigned long long)(rnd() >> 16));
		break;
	default:
		snprintf(b, size, "=-=-=__bound%u__=-=-=", boundary_seq++);
		break;
	}
}

static void
text_plain(struct sbuf *out)
{
	struct sbuf t = { 0 };
	size_t size = chance(80) ? rndr(300, 4000) : rndr(4000, 40000);

	switch (rndn(10)) {
	case 0: case 1: case 2: case 3:
		sb_puts(out, "Content-Type: text/plain; charset=us-ascii\n"
		    "Content-Transfer-Encoding: 7bit\n\n");
		gen_text(&t, size, CS_ASCII, 1);
		mbox_quote(out, t.p, t.len);
		break;
	case 4: case 5:
		sb_puts(out, "Content-Type: text/plain; charset=UTF-8; "
		    "format=flowed\nContent-Transfer-Encoding: 8bit\n\n");
		gen_text(&t, size, CS_UTF8, 1);
		mbox_quote(out, t.p, t.len);
		break;
	case 6: case 7: case 8:
		sb_puts(out, "Content-Type: text/plain; charset=\"utf-8\"\n"
		    "Content-Transfer-Encoding: quoted-printable\n\n");
		gen_text(&t, size, CS_UTF8, 0);
		qp_encode(out, t.p, t.len);
		break;
	default:
		sb_puts(out, "Content-Type: text/plain; charset=iso-8859-1\n"
		    "Content-Transfer-Encoding: quoted-printable\n\n");
		gen_text(&t, size, CS_LATIN1, 0);
		qp_encode(out, t.p, t.len);
		break;
	}
	free(t.p);
}

static void
text_html(struct sbuf *out)
{
	struct sbuf t = { 0 };
	size_t size = chance(80) ? rndr(1000, 12000) : rndr(12000, 80000);

	gen_html(&t, size, CS_UTF8);
	if (chance(85)) {
		sb_puts(out, "Content-Type: text/html; charset=\"UTF-8\"\n"
		    "Content-Transfer-Encoding: quoted-printable\n\n");
		qp_encode(out, t.p, t.len);
	} else {
		sb_puts(out, "Content-Type: text/html; charset=utf-8\n"
		    "Content-Transfer-Encoding: base64\n\n");
		b64_lines(out, (unsigned char *)t.p, t.len);
	}
	free(t.p);
}

static void
alternative(struct sbuf *out)
{
	char b[80];

	new_boundary(b, sizeof(b));
	sb_printf(out, "Content-Type: multipart/alternative;\n"
	    "\tboundary=\"%s\"\n\n", b);
	sb_printf(out, "--%s\n", b);
	text_plain(out);
	sb_printf(out, "\n--%s\n", b);
	text_html(out);
	sb_printf(out, "\n--%s--\n", b);
}

/* Attachment sizes: mostly small, a long tail up to several MB. */
static size_t
attach_size(void)
{
	size_t r = rndn(100);

	if (r < 78)
		return rndr(2000, 64000);
	if (r < 95)
		return rndr(64000, 512000);
	if (r < 99)
		return rndr(512000, 2000000);
	return rndr(2000000, 6000000);
}

static const char *const attach_types[][2] = {
	{ "application/pdf", "pdf" },
	{ "image/jpeg", "jpg" },
	{ "image/png", "png" },
	{ "application/zip", "zip" },
	{ "application/vnd.openxmlformats-officedocument.spreadsheetml."
	    "sheet", "xlsx" },
	{ "application/octet-stream", "bin" },
	{ "text/csv", "csv" },
};
static const char *const file_stems[] = {
	"report", "invoice_2026-10", "Präsentation", "résumé", "photo",
	"scan0001", "Übersicht Q3", "contract draft v2", "данные",
	"IMG_20260412_101500",
};

static void
attachment(struct sbuf *out, size_t size)
{
	size_t t = rndn(NELEM(attach_types));
	const char *stem = file_stems[rndn(NELEM(file_stems))];
	struct sbuf txt = { 0 };
	size_t i;

	sb_printf(out, "Content-Type: %s", attach_types[t][0]);
	if (is_ascii(stem) && strchr(stem, ' ') == NULL) {
		sb_printf(out, "; name=%s.%s\nContent-Disposition: "
		    "attachment; filename=%s.%s", stem, attach_types[t][1],
		    stem, attach_types[t][1]);
	} else if (is_ascii(stem)) {
		sb_printf(out, ";\n name=\"%s.%s\"\nContent-Disposition: "
		    "attachment;\n filename=\"%s.%s\"", stem,
		    attach_types[t][1], stem, attach_types[t][1]);
	} else if (chance(50)) {
		/* RFC 2231 with percent-encoding. */
		sb_puts(out, "\nContent-Disposition: attachment;\n"
		    " filename*=UTF-8''");
		for (i = 0; stem[i]; i++) {
			unsigned char c = (unsigned char)stem[i];

			if (c < 0x80 && c != ' ' && c != '%')
				sb_putc(out, c);
			else
				sb_printf(out, "%%%02X", c);
		}
		sb_printf(out, ".%s", attach_types[t][1]);
	} else {
		/* The common non-standard encoded-word in quotes. */
		sb_puts(out, ";\n name=\"");
		ew_encode(out, "UTF-8", stem, 0);
		sb_printf(out, ".%s\"\nContent-Disposition: attachment",
		    attach_types[t][1]);
	}
	sb_puts(out, "\nContent-Transfer-Encoding: base64\n\n");
	if (t == NELEM(attach_types) - 1) {
		while (txt.len < size)
			sb_printf(&txt, "%u,%s,%s,%u.%02u\n",
			    (unsigned)rndn(100000), words[rndn(NELEM(words))],
			    first_names[rndn(NELEM(first_names))],
			    (unsigned)rndn(10000), (unsigned)rndn(100));
		b64_lines(out, (unsigned char *)txt.p, txt.len);
		free(txt.p);
	} else {
		b64_random(out, size);
	}
}

static void message(struct sbuf *out, int outer, int depth);

static void
forwarded(struct sbuf *out, int depth)
{
	char b[80];

	new_boundary(b, sizeof(b));
	sb_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\n\n"
	    "This is a multi-part message in MIME format.\n--%s\n", b, b);
	text_plain(out);
	sb_printf(out, "\n--%s\nContent-Type: message/rfc822\n"
	    "Content-Disposition: %s\n\n", b,
	    chance(50) ? "inline" : "attachment; filename=\"fwd.eml\"");
	message(out, 0, depth + 1);
	sb_printf(out, "\n--%s--\n", b);
}

static void
mixed(struct sbuf *out, int nested)
{
	char b[80], rb[80];
	size_t i, n = rndr(1, 2);

	new_boundary(b, sizeof(b));
	sb_printf(out, "Content-Type: multipart/mixed;\n boundary=\"%s\"\n\n",
	    b);
	if (chance(50))
		sb_puts(out, "This is a multi-part message in MIME format.\n");
	sb_printf(out, "--%s\n", b);
	if (nested) {
		/* mixed(related(alternative(text, html), image), attach) */
		new_boundary(rb, sizeof(rb));
		sb_printf(out, "Content-Type: multipart/related; "
		    "type=\"multipart/alternative\";\n boundary=\"%s\"\n\n"
		    "--%s\n", rb, rb);
		alternative(out);
		n = rndr(1, 3);
		for (i = 0; i < n; i++) {
			sb_printf(out, "\n--%s\nContent-Type: image/png; "
			    "name=\"image%03u.png\"\nContent-ID: "
			    "<image%03u@example.com>\nContent-Disposition: "
			    "inline\nContent-Transfer-Encoding: base64\n\n",
			    rb, (unsigned)i, (unsigned)i);
			b64_random(out, rndr(1500, 40000));
		}
		sb_printf(out, "\n--%s--\n", rb);
	} else if (chance(50)) {
		text_plain(out);
	} else {
		alternative(out);
	}
	for (i = 0; i < n; i++) {
		sb_printf(out, "\n--%s\n", b);
		attachment(out, attach_size());
	}
	sb_printf(out, "\n--%s--\n", b);
	if (chance(10))
		sb_puts(out, "\nThis is the epilogue.\n");
}

/* One whole message: headers and body.  depth > 0 is an inner message
 * of a forward, kept small. */
static void
message(struct sbuf *out, int outer, int depth)
{
	size_t r = rndn(100);

	common_headers(out, outer);
	if (depth > 0 && r >= 55)
		r = r % 55;
	if (r < 30) {
		text_plain(out);
	} else if (r < 55) {
		alternative(out);
	} else if (r < 75) {
		mixed(out, 0);
	} else if (r < 85) {
		forwarded(out, depth);
	} else if (r < 93) {
		mixed(out, 1);
	} else if (r < 97) {
		/* Single-part base64 message. */
		sb_puts(out, "Content-Type: application/pdf; "
		    "name=\"scan.pdf\"\nContent-Disposition: attachment; "
		    "filename=\"scan.pdf\"\nContent-Transfer-Encoding: "
		    "base64\n\n");
		b64_random(out, attach_size());
	} else {
		struct sbuf t = { 0 };

		sb_puts(out, "Content-Type: text/plain; charset=utf-8\n"
		    "Content-Transfer-Encoding: base64\n\n");
		gen_text(&t, rndr(500, 20000), CS_UTF8, 1);
		b64_lines(out, (unsigned char *)t.p, t.len);
		free(t.p);
	}
}

/* ------------------------------------------------------------------ */

static FILE *
open_tmp(const char *path, char *tmp, size_t size)
{
	FILE *f;

	snprintf(tmp, size, "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		die(tmp);
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	return f;
}

static void
close_tmp(FILE *f, const char *tmp, const char *path)
{
	if (fflush(f) != 0 || ferror(f) || fclose(f) != 0)
		die(tmp);
	if (rename(tmp, path) != 0)
		die(path);
}

static void
put(FILE *f, const struct sbuf *b)
{
	if (fwrite(b->p, 1, b->len, f) != b->len)
		die("write");
}

/* One message whose attachment is size bytes, streamed in pieces. */
static void
gen_big(const char *path, uint64_t size)
{
	struct sbuf b = { 0 };
	char tmp[4096];
	FILE *f = open_tmp(path, tmp, sizeof(tmp));
	size_t k;

	sb_puts(&b, "From bench@localhost Thu Jan  1 00:00:00 2026\n");
	common_headers(&b, 1);
	sb_puts(&b, "Content-Type: multipart/mixed; boundary=\"big-b\"\n\n"
	    "--big-b\n");
	text_plain(&b);
	sb_puts(&b, "\n--big-b\nContent-Type: application/octet-stream; "
	    "name=\"disk.img\"\nContent-Disposition: attachment; "
	    "filename=\"disk.img\"\nContent-Transfer-Encoding: base64\n\n");
	put(f, &b);
	while (size > 0) {
		b.len = 0;
		k = size < 57 * 16384 ? (size_t)size : 57 * 16384;
		b64_random(&b, k);
		put(f, &b);
		size -= k;
	}
	b.len = 0;
	sb_puts(&b, "\n--big-b--\n");
	put(f, &b);
	close_tmp(f, tmp, path);
	free(b.p);
}

/* A bare base64 stream of size encoded bytes (random data, 76-column
 * lines), for the codec benchmark. */
static void
gen_b64(const char *path, uint64_t size)
{
	struct sbuf b = { 0 };
	char tmp[4096];
	FILE *f = open_tmp(path, tmp, sizeof(tmp));
	uint64_t total = 0;

	while (total < size) {
		b.len = 0;
		b64_random(&b, 57 * 16384);
		if (b.len > size - total)
			b.len = (size_t)(size - total) / 77 * 77;
		if (b.len == 0)
			break;
		put(f, &b);
		total += b.len;
	}
	close_tmp(f, tmp, path);
	free(b.p);
}

/* Quoted-printable text of about size bytes: mail text and HTML with
 * UTF-8, so mostly ASCII with =XX escapes and soft line breaks. */
static void
gen_qp(const char *path, uint64_t size)
{
	struct sbuf t = { 0 }, b = { 0 };
	char tmp[4096];
	FILE *f = open_tmp(path, tmp, sizeof(tmp));
	uint64_t total = 0;

	while (total < size) {
		t.len = 0;
		b.len = 0;
		if (chance(70))
			gen_text(&t, 1 << 20, CS_UTF8, chance(30));
		else
			gen_html(&t, 1 << 20, CS_UTF8);
		qp_encode(&b, t.p, t.len);
		put(f, &b);
		total += b.len;
	}
	close_tmp(f, tmp, path);
	free(t.p);
	free(b.p);
}

static void
gen_mbox(const char *path, uint64_t size)
{
	struct sbuf b = { 0 };
	char tmp[4096];
	FILE *f = open_tmp(path, tmp, sizeof(tmp));
	uint64_t total = 0;
	unsigned long n = 0;

	while (total < size) {
		b.len = 0;
		put_from_line(&b);
		message(&b, 1, 0);
		if (b.p[b.len - 1] != '\n')
			sb_putc(&b, '\n');
		sb_putc(&b, '\n');
		put(f, &b);
		total += b.len;
		n++;
	}
	close_tmp(f, tmp, path);
	fprintf(stderr, "gen_mbox: %s: %lu messages, %llu bytes\n", path, n,
	    (unsigned long long)total);
	free(b.p);
}

int
main(int argc, char **argv)
{
	uint64_t size = 300000000, big = 0;
	int c, mode = 'n';

	while ((c = getopt(argc, argv, "B:Q:b:n:s:")) != -1) {
		switch (c) {
		case 'B':
		case 'Q':
			mode = c;
			size = strtoull(optarg, NULL, 0);
			break;
		case 'b':
			big = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			size = strtoull(optarg, NULL, 0);
			break;
		case 's':
			rng_state = strtoull(optarg, NULL, 0);
			break;
		default:
			goto usage;
		}
	}
	if (optind + 1 != argc)
		goto usage;
	if (big)
		gen_big(argv[optind], big);
	else if (mode == 'B')
		gen_b64(argv[optind], size);
	else if (mode == 'Q')
		gen_qp(argv[optind], size);
	else
		gen_mbox(argv[optind], size);
	return 0;
usage:
	fprintf(stderr, "usage: gen_mbox [-s seed] [-n bytes] OUT\n"
	    "       gen_mbox -b bytes OUT\n"
	    "       gen_mbox -B bytes OUT | -Q bytes OUT\n");
	return 2;
}
