/*
 * fuzz_filter.c - round-trip properties of the filters for any chunking.
 *
 * Input: byte 0 picks the property, byte 1 the chunking (write sizes
 * come from a generator seeded with it; 0 = one write), byte 2 a
 * parameter (line length, line ends, limit), the rest is the payload.
 * Every property also checks that the chunked run gives the bytes a
 * single write gives.
 *   0 base64 encode then decode is the identity
 *   1 QP binary encode then decode is the identity
 *   2 QP text: for text with uniform line ends, the identity
 *   3 UTF-8 -> charset -> UTF-8 is the identity where the charset holds
 *     the text (UTF-16, GB18030, UTF-7 always; ISO-2022-JP, ISO-8859-15,
 *     CP932, BIG5-HKSCS when the conversion succeeds); KOI8-R bytes ->
 *     UTF-8 -> KOI8-R too.  Names whose reading alias is themselves:
 *     "shift_jis" is read as CP932 on purpose, so SHIFT_JIS's yen sign
 *     at 0x5C comes back as a backslash.
 *   4 dot-stuff then unstuff gives the text with CRLF line ends
 *   5 the EOL filters are idempotent and give what a plain reading
 *     gives (CRLF, CR, LF each one line end, a final bare CR included);
 *     eml_filter_eol_end adds exactly one line end to an unended last
 *     line and is idempotent too
 *   6 the limit filter never passes more than max
 *   7 the mbox filter's output reads back as the message
 * and for every input: the RFC 8621 preview (eml_filter_preview) of the
 * payload as text and as HTML is the same for any chunking, valid UTF-8,
 * at most EML_PREVIEW_CHARS characters, and the HTML one is the text one
 * of what eml_filter_html2text renders.
 */
#include "fuzz.h"

struct chunker {
	uint32_t x;
	unsigned max;
};

static size_t
next_len(struct chunker *c, size_t left)
{
	size_t k;

	if (c->max == 0)
		return left;
	c->x ^= c->x << 13;
	c->x ^= c->x >> 17;
	c->x ^= c->x << 5;
	k = c->x % c->max + 1;
	return k < left ? k : left;
}

/* Write p[0..n) through s in chunks, close; the first error. */
static int
feed(struct eml_sink *s, const void *p, size_t n, unsigned seed)
{
	struct chunker c = { seed * 2654435761u + 1, seed % 97 };
	const char *q = p;
	size_t i, k;
	int r = EML_OK;

	if (s == NULL)
		return EML_ENOMEM;
	for (i = 0; i < n && r == EML_OK; i += k) {
		k = next_len(&c, n - i);
		r = eml_sink_write(s, q + i, k);
	}
	if (r != EML_OK) {
		eml_sink_abort(s);
		return r;
	}
	return eml_sink_close(s);
}

static int
same(const struct eml_buf *a, const void *p, size_t n)
{
	return a->len == n && (n == 0 || memcmp(a->data, p, n) == 0);
}

/* Run a chain twice, chunked and whole; outputs must agree. */
#define BOTH(mk, p, n, out, rc) do {					\
	struct eml_buf w_ = { 0 };					\
	int rw_;							\
	rc = feed(mk(eml_sink_buf(&out)), p, n, seed);			\
	rw_ = feed(mk(eml_sink_buf(&w_)), p, n, 0);			\
	FUZZ_CHECK(rc == rw_);						\
	FUZZ_CHECK(rc != EML_OK || same(&out, w_.data, w_.len));	\
	eml_buf_free(&w_);						\
} while (0)

static unsigned param;

static struct eml_sink *b64_round(struct eml_sink *n)
{ return eml_filter_b64_enc(eml_filter_b64_dec(n), param % 80,
    (int)(param / 80 % 3) - 1); }
static struct eml_sink *qp_bin_round(struct eml_sink *n)
{ return eml_filter_qp_enc(eml_filter_qp_dec(n), param & 1, 1); }
static struct eml_sink *qp_txt_round(struct eml_sink *n)
{ return eml_filter_qp_enc(eml_filter_qp_dec(n), param & 1, 0); }
static struct eml_sink *eol_crlf(struct eml_sink *n)
{ return eml_filter_eol(n, 1); }
static struct eml_sink *eol_lf(struct eml_sink *n)
{ return eml_filter_eol(n, 0); }
static struct eml_sink *eol_mode(struct eml_sink *n)
{ return eml_filter_eol(n, param & 1); }
static struct eml_sink *eol_end_mode(struct eml_sink *n)
{ return eml_filter_eol_end(n, param & 1); }
static struct eml_sink *utf8_clean(struct eml_sink *n)
{ return eml_filter_charset(n, "UTF-8", "UTF-8"); }
static struct eml_sink *stuff_unstuff(struct eml_sink *n)
{ return eml_filter_dotstuff(eml_filter_dotunstuff(n)); }
static struct eml_sink *limit(struct eml_sink *n)
{ return eml_filter_limit(n, param * 7); }
static struct eml_sink *mbox(struct eml_sink *n)
{ return eml_filter_mbox(n, "From fuzz", 0); }

static const char *const holds_all[] = { "UTF-16LE", "UTF-16", "GB18030",
    "UTF-7", "UTF-32BE" };
static const char *const holds_some[] = { "ISO-2022-JP", "ISO-8859-15",
    "CP932", "BIG5-HKSCS" };
static const char *cs;

static struct eml_sink *to_cs(struct eml_sink *n)
{ return eml_filter_charset(n, "UTF-8", cs); }
static struct eml_sink *from_cs(struct eml_sink *n)
{ return eml_filter_charset(n, cs, "UTF-8"); }
static struct eml_sink *koi_utf8(struct eml_sink *n)
{ return eml_filter_charset(n, "KOI8-R", "UTF-8"); }
static struct eml_sink *utf8_koi(struct eml_sink *n)
{ return eml_filter_charset(n, "UTF-8", "KOI8-R"); }

static void
charset_round(const uint8_t *p, size_t n, unsigned seed)
{
	struct eml_buf u = { 0 }, c = { 0 }, back = { 0 };
	int r;

	/* valid UTF-8 from any bytes (U+FFFD for the rest) */
	BOTH(utf8_clean, p, n, u, r);
	FUZZ_CHECK(r == EML_OK);
	FUZZ_CHECK(eml_utf8_valid(u.data ? u.data : "", u.len));
	if (param & 1) {
		cs = holds_all[param / 2 % (sizeof(holds_all) / sizeof(holds_all[0]))];
		BOTH(to_cs, u.data, u.len, c, r);
		FUZZ_CHECK(r == EML_OK);
	} else {
		cs = holds_some[param / 2 % (sizeof(holds_some) / sizeof(holds_some[0]))];
		BOTH(to_cs, u.data, u.len, c, r);
		FUZZ_CHECK(r == EML_OK || r == EML_ECHARSET);
	}
	if (r == EML_OK) {
		BOTH(from_cs, c.data, c.len, back, r);
		FUZZ_CHECK(r == EML_OK && same(&back, u.data, u.len));
	}
	eml_buf_free(&c);
	eml_buf_free(&back);
	/* every byte is a KOI8-R character */
	BOTH(koi_utf8, p, n, c, r);
	FUZZ_CHECK(r == EML_OK);
	BOTH(utf8_koi, c.data, c.len, back, r);
	FUZZ_CHECK(r == EML_OK && same(&back, p, n));
	eml_buf_free(&u);
	eml_buf_free(&c);
	eml_buf_free(&back);
}

/* Line ends by the plain reading, one byte at a time: what the EOL
 * filter must give whatever the chunking. */
static void
eol_ref(const uint8_t *p, size_t n, int crlf, struct eml_buf *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] != '\r' && p[i] != '\n') {
			eml_buf_addc(out, (char)p[i]);
			continue;
		}
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
			i++;
		eml_buf_add(out, crlf ? "\r\n" : "\n", crlf ? 2 : 1);
	}
}

static void
eol_props(const uint8_t *p, size_t n, unsigned seed)
{
	struct eml_buf ref = { 0 }, out = { 0 }, again = { 0 };
	int r, crlf = param & 1;

	eol_ref(p, n, crlf, &ref);
	BOTH(eol_mode, p, n, out, r);
	FUZZ_CHECK(r == EML_OK && same(&out, ref.data, ref.len));
	eml_buf_reset(&out);
	if (ref.len > 0 && ref.data[ref.len - 1] != '\n')
		eml_buf_add(&ref, crlf ? "\r\n" : "\n", crlf ? 2 : 1);
	BOTH(eol_end_mode, p, n, out, r);
	FUZZ_CHECK(r == EML_OK && same(&out, ref.data, ref.len));
	BOTH(eol_end_mode, out.data, out.len, again, r);
	FUZZ_CHECK(r == EML_OK && same(&again, out.data, out.len));
	eml_buf_free(&ref);
	eml_buf_free(&out);
	eml_buf_free(&again);
}

static void
mbox_back(const uint8_t *p, size_t n, const struct eml_buf *out)
{
	struct eml_mbox *m = eml_mbox_new(EML_MBOX_RD);
	struct eml_mbox_event ev;
	struct eml_buf msg = { 0 };
	unsigned begins = 0;

	if (m == NULL)
		return;
	FUZZ_CHECK(eml_mbox_feed(m, out->data, out->len) == EML_OK);
	FUZZ_CHECK(eml_mbox_finish(m) == EML_OK);
	while (eml_mbox_next(m, &ev) > 0) {
		if (ev.type == EML_MBOX_BEGIN)
			begins++;
		else if (ev.type == EML_MBOX_DATA)
			eml_buf_add(&msg, ev.data, ev.len);
	}
	FUZZ_CHECK(begins == 1);
	/* the message, with the line end the writer adds if it had none */
	if (n > 0 && p[n - 1] != '\n') {
		FUZZ_CHECK(msg.len == n + 1 && memcmp(msg.data, p, n) == 0 &&
		    msg.data[n] == '\n');
	} else
		FUZZ_CHECK(same(&msg, p, n));
	eml_buf_free(&msg);
	eml_mbox_free(m);
}

static int pv_html;

static struct eml_sink *preview(struct eml_sink *n)
{ return eml_filter_preview(n, pv_html); }
static struct eml_sink *html2text(struct eml_sink *n)
{ return eml_filter_html2text(n); }

static size_t
u8chars(const struct eml_buf *b)
{
	size_t i, n = 0;

	for (i = 0; i < b->len; i++)
		n += ((unsigned char)b->data[i] & 0xc0) != 0x80;
	return n;
}

static void
preview_props(const uint8_t *p, size_t n, unsigned seed)
{
	struct eml_buf pv = { 0 }, text = { 0 }, pt = { 0 };
	int r;

	for (pv_html = 0; pv_html < 2; pv_html++) {
		eml_buf_reset(&pv);
		BOTH(preview, p, n, pv, r);
		FUZZ_CHECK(r == EML_OK);
		FUZZ_CHECK(eml_utf8_valid(pv.data ? pv.data : "", pv.len));
		FUZZ_CHECK(u8chars(&pv) <= EML_PREVIEW_CHARS);
		FUZZ_CHECK(pv.len == 0 || (pv.data[0] != ' ' &&
		    pv.data[pv.len - 1] != ' '));
	}
	/* pv is the HTML preview now */
	BOTH(html2text, p, n, text, r);
	FUZZ_CHECK(r == EML_OK);
	pv_html = 0;
	BOTH(preview, text.data, text.len, pt, r);
	FUZZ_CHECK(r == EML_OK && same(&pt, pv.data, pv.len));
	eml_buf_free(&pv);
	eml_buf_free(&text);
	eml_buf_free(&pt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eml_buf out = { 0 }, norm = { 0 }, again = { 0 };
	const uint8_t *p = data + 3;
	unsigned mode, seed;
	size_t n;
	int r;

	if (size < 3)
		return 0;
	mode = data[0] % 8;
	seed = data[1];
	param = data[2];
	n = size - 3;
	switch (mode) {
	case 0:
		BOTH(b64_round, p, n, out, r);
		FUZZ_CHECK(r == EML_OK && same(&out, p, n));
		break;
	case 1:
		BOTH(qp_bin_round, p, n, out, r);
		FUZZ_CHECK(r == EML_OK && same(&out, p, n));
		break;
	case 2:
		/* text mode keeps line ends as lines: give it uniform
		 * ones, the kind it writes */
		BOTH(eol_mode, p, n, norm, r);
		FUZZ_CHECK(r == EML_OK);
		BOTH(qp_txt_round, norm.data, norm.len, out, r);
		FUZZ_CHECK(r == EML_OK && same(&out, norm.data, norm.len));
		break;
	case 3:
		charset_round(p, n, seed);
		break;
	case 4:
		BOTH(eol_crlf, p, n, norm, r);
		FUZZ_CHECK(r == EML_OK);
		if (norm.len > 0 && norm.data[norm.len - 1] != '\n')
			eml_buf_add(&norm, "\r\n", 2);
		BOTH(stuff_unstuff, p, n, out, r);
		FUZZ_CHECK(r == EML_OK && same(&out, norm.data, norm.len));
		break;
	case 5:
		BOTH(eol_mode, p, n, norm, r);
		FUZZ_CHECK(r == EML_OK);
		BOTH(eol_mode, norm.data, norm.len, again, r);
		FUZZ_CHECK(r == EML_OK && same(&again, norm.data, norm.len));
		/* and LF after CRLF is LF */
		eml_buf_reset(&again);
		BOTH(eol_lf, p, n, out, r);
		BOTH(eol_crlf, p, n, again, r);
		eml_buf_reset(&norm);
		BOTH(eol_lf, again.data, again.len, norm, r);
		FUZZ_CHECK(same(&norm, out.data, out.len));
		eol_props(p, n, seed);
		break;
	case 6:
		r = feed(limit(eml_sink_buf(&out)), p, n, seed);
		FUZZ_CHECK(out.len <= (size_t)param * 7);
		if (n <= (size_t)param * 7)
			FUZZ_CHECK(r == EML_OK && same(&out, p, n));
		else
			FUZZ_CHECK(r == EML_ELIMIT);
		break;
	case 7:
		BOTH(mbox, p, n, out, r);
		FUZZ_CHECK(r == EML_OK);
		mbox_back(p, n, &out);
		break;
	}
	preview_props(p, n, seed);
	eml_buf_free(&out);
	eml_buf_free(&norm);
	eml_buf_free(&again);
	return 0;
}
