/*
 * fuzz_codec.c - base64, quoted-printable and uuencode decoders: any
 * chunking gives the output of one call, within the size bound; and the
 * encoders round-trip.  The first byte picks the codec and the chunk.
 */
#include "fuzz.h"

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

	if (size < 1)
		return 0;
	cte = ctes[data[0] % 3];
	chunk = data[0] / 3 % 29 + 1;
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
			eml_b64_force_scalar(1);
			nb = decode(cte, data, size, chunk, b);
			eml_b64_force_scalar(0);
			FUZZ_CHECK(na == nb && memcmp(a, b, na) == 0);
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
	return 0;
}
