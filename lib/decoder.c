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

/* Input bytes per slice when the worst case does not fit out->max: a
 * multiple of 3 and 4 so base64 groups stay whole.  QP encoding grows
 * data the most, so its bound sizes the slice buffer. */
#define SLICE	3072

int
emli_codec_run(const struct emli_codec *c, const void *in, size_t len,
    struct eml_buf *out)
{
	unsigned char tmp[EML_QP_ENCODED_MAX(SLICE) + 64];
	const unsigned char *p = in;
	size_t n, k, old = out->len;
	char *w;
	int rc;

	if (len < SIZE_MAX / 8 &&
	    (w = eml_buf_reserve(out, c->max(c->state, len))) != NULL) {
		n = len > 0 ? c->step(c->state, in, len, w) : 0;
		n += c->finish(c->state, w + n);
		out->len += n;
		out->data[out->len] = '\0';
		return EML_OK;
	}
	while (len > 0) {
		k = EMLI_MIN(len, (size_t)SLICE);
		n = c->step(c->state, p, k, tmp);
		if ((rc = eml_buf_add(out, tmp, n)) != EML_OK)
			goto fail;
		p += k;
		len -= k;
	}
	n = c->finish(c->state, tmp);
	if ((rc = eml_buf_add(out, tmp, n)) != EML_OK)
		goto fail;
	return EML_OK;
fail:
	out->len = old;
	if (out->data != NULL)
		out->data[old] = '\0';
	return rc;
}

static size_t
dec_step(void *d, const void *in, size_t len, void *out)
{
	return eml_decoder_step(d, in, len, out);
}

static size_t
dec_finish(void *d, void *out)
{
	return eml_decoder_finish(d, out);
}

static size_t
dec_max(const void *d, size_t len)
{
	return eml_decoder_max(d, len) + 64;	/* finish writes <= 64 */
}

int
eml_decode(enum eml_cte cte, const void *in, size_t len, struct eml_buf *out)
{
	struct eml_decoder d;
	struct emli_codec c = { &d, dec_step, dec_finish, dec_max };

	eml_decoder_init(&d, cte);
	return emli_codec_run(&c, in, len, out);
}

int
eml_b64_decode(const void *in, size_t len, struct eml_buf *out)
{
	return eml_decode(EML_CTE_BASE64, in, len, out);
}

int
eml_qp_decode(const void *in, size_t len, struct eml_buf *out)
{
	return eml_decode(EML_CTE_QP, in, len, out);
}
