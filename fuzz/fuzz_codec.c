/*
 * fuzz_codec.c - base64, quoted-printable and uuencode decoders: any
 * chunking gives the output of one call, within the size bound, and the
 * same counters (base64: garbage, trailing text, bad padding); the
 * encoders round-trip; the body checker (bodycheck.c) reports the same
 * for any chunking, within its budget, and agrees with the base64
 * decoder's counters; every base64 and QP path (scalar, SIMD) gives the
 * same.  The first byte picks the codec and the chunk.
 */
#include "fuzz.h"
#include "eml_priv.h"

struct rep {
	unsigned n;
	unsigned long line[64];
	uint64_t off[64];
	unsigned char code[64];
	unsigned has[EML_D__COUNT];
};

static void
rep_cb(void *arg, enum eml_diag_code code, unsigned long line, uint64_t off)
{
	struct rep *r = arg;

	if (r->n < 64) {
		r->line[r->n] = line;
		r->off[r->n] = off;
		r->code[r->n] = (unsigned char)code;
	}
	r->n++;
	r->has[code]++;
}

/* The checker over data in chunks, lines counted as the parser does. */
static void
check_body(enum eml_cte cte, int text, const uint8_t *in, size_t len,
    size_t chunk, unsigned budget, struct rep *r)
{
	struct emli_bodycheck c;
	unsigned long line = 1;
	size_t pos = 0, k, i;

	memset(r, 0, sizeof(*r));
	emli_bodycheck_init(&c, cte, text, EMLI_BC_MBOX, budget);
	while (pos < len) {
		k = len - pos < chunk ? len - pos : chunk;
		emli_bodycheck_feed(&c, in + pos, k, pos, line, rep_cb, r);
		for (i = 0; i < k; i++)
			line += in[pos + i] == '\n';
		pos += k;
	}
	emli_bodycheck_finish(&c, len, line, rep_cb, r);
}

static void
body_props(const uint8_t *in, size_t len, size_t chunk, unsigned sel)
{
	static const enum eml_cte ctes[] = { EML_CTE_7BIT, EML_CTE_8BIT,
	    EML_CTE_QP, EML_CTE_BASE64, EML_CTE_BINARY, EML_CTE_UUENCODE };
	enum eml_cte cte = ctes[sel % 6];
	int text = (sel / 6) % 2;
	struct rep a, b;
	struct eml_b64_dec d;
	char *o;

	check_body(cte, text, in, len, len ? len : 1, 1000, &a);
	check_body(cte, text, in, len, chunk, 1000, &b);
	FUZZ_CHECK(a.n == b.n && a.n <= 1000);
	FUZZ_CHECK(memcmp(a.line, b.line, sizeof(a.line)) == 0 &&
	    memcmp(a.off, b.off, sizeof(a.off)) == 0 &&
	    memcmp(a.code, b.code, sizeof(a.code)) == 0);
	for (unsigned i = 0; i < a.n && i < 64; i++)
		FUZZ_CHECK(a.off[i] <= len);
	check_body(cte, text, in, len, chunk, 3, &b);
	FUZZ_CHECK(b.n <= 3);
	if (cte != EML_CTE_BASE64 || (o = malloc(EML_B64_DECODED_MAX(len) +
	    8)) == NULL)
		return;
	eml_b64_dec_init(&d);
	eml_b64_dec_step(&d, in, len, o);
	eml_b64_dec_finish(&d, o);
	free(o);
	FUZZ_CHECK((d.trailing > 0) == (a.has[EML_D_B64_TRAILING_TEXT] > 0));
	FUZZ_CHECK((d.badpad > 0) == (a.has[EML_D_B64_PADDING] > 0));
	FUZZ_CHECK((d.garbage > 0) == (a.has[EML_D_B64_GARBAGE] > 0));
}

/* In lib/b64.c, for tests: 1 scalar, 2 ssse3, 3 avx2, 4 avx512vbmi. */
void emli_b64_force_impl(int impl);

/* Base64 in chunks through one path; returns the output size.  The
 * decoder's output and counters depend on neither. */
static size_t
b64_counters(const uint8_t *in, size_t len, size_t chunk, int impl,
    struct eml_b64_dec *d, char *out)
{
	size_t pos = 0, n = 0, k;

	emli_b64_force_impl(impl);
	eml_b64_dec_init(d);
	while (pos < len) {
		k = len - pos < chunk ? len - pos : chunk;
		n += eml_b64_dec_step(d, in + pos, k, out + n);
		pos += k;
	}
	n += eml_b64_dec_finish(d, out + n);
	emli_b64_force_impl(0);
	return n;
}

/* In lib/qp.c, for tests: 1 scalar, 2 SSE2, 3 AVX-512. */
void emli_qp_force_impl(int impl);

/* QP in chunks through one path; returns the output size, *bad the
 * bad escapes counted. */
static size_t
qp_path(const uint8_t *in, size_t len, size_t chunk, int impl,
    uint64_t *bad, char *out)
{
	struct eml_qp_dec d;
	size_t pos = 0, n = 0, k;

	emli_qp_force_impl(impl);
	eml_qp_dec_init(&d);
	while (pos < len) {
		k = len - pos < chunk ? len - pos : chunk;
		n += eml_qp_dec_step(&d, in + pos, k, out + n);
		pos += k;
	}
	n += eml_qp_dec_finish(&d, out + n);
	emli_qp_force_impl(0);
	*bad = d.bad;
	return n;
}

static size_t
decode(enum eml_cte cte, const uint8_t *in, size_t len, size_t chunk,
    char *out)
{
	struct eml_decoder d;
	size_t pos = 0, n = 0;

	eml_decoder_init(&d, cte);
	while (pos < len) {
		size_t k = len - pos < chunk ? len - pos : chunk;

		n += eml_decoder_step(&d, in + pos, k, out + n);
		pos += k;
	}
	return n + eml_decoder_finish(&d, out + n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum eml_cte ctes[] = { EML_CTE_BASE64, EML_CTE_QP,
	    EML_CTE_UUENCODE };
	enum eml_cte cte;
	struct eml_decoder d;
	char *a, *b;
	size_t na, nb, max, chunk;
	unsigned data_sel;

	if (size < 1)
		return 0;
	cte = ctes[data[0] % 3];
	chunk = data[0] / 3 % 29 + 1;
	data_sel = data[0] / 87u + (size > 1 ? data[1] : 0u);
	data++;
	size--;
	eml_decoder_init(&d, cte);
	max = eml_decoder_max(&d, size) + 64;
	a = malloc(max);
	b = malloc(max);
	if (a != NULL && b != NULL) {
		na = decode(cte, data, size, size ? size : 1, a);
		nb = decode(cte, data, size, chunk, b);
		FUZZ_CHECK(na <= max && na == nb && memcmp(a, b, na) == 0);
		if (cte == EML_CTE_BASE64) {
			struct eml_b64_dec s1, s2;
			/* Small chunks, chunks around a 64-byte vector block,
			 * and the whole input, through every path. */
			size_t chunks[3] = { chunk, 60 + chunk,
			    size ? size : 1 };
			int impl, c;

			FUZZ_CHECK(b64_counters(data, size, size ? size : 1, 1,
			    &s1, a) == na);
			for (impl = 1; impl <= 4; impl++) {
				for (c = 0; c < 3; c++) {
					nb = b64_counters(data, size, chunks[c],
					    impl, &s2, b);
					FUZZ_CHECK(na == nb &&
					    memcmp(a, b, na) == 0);
					FUZZ_CHECK(s1.garbage == s2.garbage &&
					    s1.trailing == s2.trailing &&
					    s1.badpad == s2.badpad);
				}
			}
		}
		if (cte == EML_CTE_QP) {
			/* The scalar, SSE2 and AVX-512 paths, the same way. */
			size_t chunks[3] = { chunk, 60 + chunk,
			    size ? size : 1 };
			uint64_t bad1, bad2;
			int impl, c;

			FUZZ_CHECK(qp_path(data, size, size ? size : 1, 1,
			    &bad1, a) == na);
			for (impl = 1; impl <= 3; impl++) {
				for (c = 0; c < 3; c++) {
					nb = qp_path(data, size, chunks[c],
					    impl, &bad2, b);
					FUZZ_CHECK(na == nb &&
					    memcmp(a, b, na) == 0 &&
					    bad1 == bad2);
				}
			}
		}
	}
	if (cte != EML_CTE_UUENCODE) {
		struct eml_buf e = { 0 }, back = { 0 };

		if (cte == EML_CTE_BASE64) {
			eml_b64_encode(data, size, 1, &e);
			eml_b64_decode(e.data, e.len, &back);
		} else {
			/* binary mode encodes CR and LF: an exact round trip */
			struct eml_qp_enc qe;
			char *o = eml_buf_reserve(&e, EML_QP_ENCODED_MAX(size));

			if (o != NULL) {
				eml_qp_enc_init(&qe, 1, 1);
				e.len = eml_qp_enc_step(&qe, data, size, o);
				e.len += eml_qp_enc_finish(&qe, o + e.len);
				FUZZ_CHECK(e.len <= EML_QP_ENCODED_MAX(size));
			}
			eml_qp_decode(e.data, e.len, &back);
		}
		FUZZ_CHECK(back.len == size && (size == 0 ||
		    memcmp(back.data, data, size) == 0));
		eml_buf_free(&e);
		eml_buf_free(&back);
	}
	free(a);
	free(b);
	body_props(data, size, chunk, data_sel);
	return 0;
}
