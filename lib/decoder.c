/*
 * decoder.c - one transfer decoder for any Content-Transfer-Encoding, so
 * the parser and the tools need not switch on the encoding themselves.
 */
#include <string.h>

#include "eml_priv.h"

void
eml_decoder_init(struct eml_decoder *d, enum eml_cte cte)
{
	memset(d, 0, sizeof(*d));
	d->cte = cte;
	switch (cte) {
	case EML_CTE_QP:
		eml_qp_dec_init(&d->u.qp);
		break;
	case EML_CTE_BASE64:
		eml_b64_dec_init(&d->u.b64);
		break;
	case EML_CTE_UUENCODE:
		eml_uu_dec_init(&d->u.uu);
		break;
	default:
		break;
	}
}

size_t
eml_decoder_max(const struct eml_decoder *d, size_t len)
{
	switch (d->cte) {
	case EML_CTE_QP:
		return EML_QP_DECODED_MAX(len);
	case EML_CTE_BASE64:
		return EML_B64_DECODED_MAX(len);
	case EML_CTE_UUENCODE:
		return EML_UU_DECODED_MAX(len);
	default:
		return len;
	}
}

size_t
eml_decoder_step(struct eml_decoder *d, const void *in, size_t len,
    void *out)
{
	switch (d->cte) {
	case EML_CTE_QP:
		return eml_qp_dec_step(&d->u.qp, in, len, out);
	case EML_CTE_BASE64:
		return eml_b64_dec_step(&d->u.b64, in, len, out);
	case EML_CTE_UUENCODE:
		return eml_uu_dec_step(&d->u.uu, in, len, out);
	default:
		/* 7bit, 8bit, binary and unknown encodings: as is. */
		if (len > 0)
			memcpy(out, in, len);
		return len;
	}
}

size_t
eml_decoder_finish(struct eml_decoder *d, void *out)
{
	switch (d->cte) {
	case EML_CTE_QP:
		return eml_qp_dec_finish(&d->u.qp, out);
	case EML_CTE_BASE64:
		return eml_b64_dec_finish(&d->u.b64, out);
	case EML_CTE_UUENCODE:
		return eml_uu_dec_finish(&d->u.uu, out);
	default:
		return 0;
	}
}
