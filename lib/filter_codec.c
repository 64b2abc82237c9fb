/*
 * filter_codec.c - transfer-encoding filters: base64 and quoted-printable
 * both ways, and any-CTE decode/encode.
 *
 * The codecs are the existing init/step/finish state machines (b64.c,
 * qp.c, decoder.c); a filter only feeds them slices of what is written
 * and passes what they produce on.  Their state carries partial groups,
 * held blanks and soft breaks across writes, so the output does not
 * depend on how the input was split.
 */
#include <errno.h>

#include "eml_priv.h"

/* Input bytes per step: the output of a slice must fit out[] for every
 * codec; QP encoding grows data the most (3x plus soft breaks). */
#define SLICE	2048
#define OUTMAX	(EML_QP_ENCODED_MAX(SLICE) + 256)

struct codec_sink {
	struct eml_sink s;
	size_t (*step)(void *st, const void *in, size_t len, void *out);
	size_t (*finish)(void *st, void *out);
	union {
		struct eml_decoder dec;
		struct eml_b64_enc b64;
		struct eml_qp_enc qp;
	} u;
};

static int
codec_write(struct eml_sink *s, const void *p, size_t n)
{
	struct codec_sink *c = (struct codec_sink *)s;
	unsigned char out[OUTMAX];
	const unsigned char *q = p;
	size_t k, m;
	int r;

	while (n > 0) {
		k = EMLI_MIN(n, (size_t)SLICE);
		m = c->step(&c->u, q, k, out);
		if (m > 0 && (r = eml_sink_write(s->next, out, m)) < 0)
			return r;
		q += k;
		n -= k;
	}
	return EML_OK;
}

static int
codec_finish(struct eml_sink *s)
{
	struct codec_sink *c = (struct codec_sink *)s;
	unsigned char out[256];
	size_t m = c->finish(&c->u, out);

	return m > 0 ? eml_sink_write(s->next, out, m) : EML_OK;
}

static const struct emli_sink_ops codec_ops = {
	codec_write, codec_finish, NULL
};

static size_t
dec_step(void *st, const void *in, size_t len, void *out)
{
	return eml_decoder_step(st, in, len, out);
}

static size_t
dec_finish(void *st, void *out)
{
	return eml_decoder_finish(st, out);
}

static size_t
b64e_step(void *st, const void *in, size_t len, void *out)
{
	return eml_b64_enc_step(st, in, len, out);
}

static size_t
b64e_finish(void *st, void *out)
{
	return eml_b64_enc_finish(st, out);
}

static size_t
qpe_step(void *st, const void *in, size_t len, void *out)
{
	return eml_qp_enc_step(st, in, len, out);
}

static size_t
qpe_finish(void *st, void *out)
{
	return eml_qp_enc_finish(st, out);
}

static struct codec_sink *
codec_new(struct eml_sink *next,
    size_t (*step)(void *, const void *, size_t, void *),
    size_t (*finish)(void *, void *))
{
	struct codec_sink *c;

	c = (struct codec_sink *)emli_sink_new(sizeof(*c), &codec_ops, next,
	    1);
	if (c == NULL)
		return NULL;
	c->step = step;
	c->finish = finish;
	return c;
}

struct eml_sink *
eml_filter_b64_enc(struct eml_sink *next, unsigned line_len, int crlf)
{
	struct codec_sink *c = codec_new(next, b64e_step, b64e_finish);

	if (c == NULL)
		return NULL;
	eml_b64_enc_init(&c->u.b64, crlf > 0 ? 1 : crlf < 0 ? -1 : 0);
	c->u.b64.line_len = line_len;
	return &c->s;
}

struct eml_sink *
eml_filter_qp_enc(struct eml_sink *next, int crlf, int binary)
{
	struct codec_sink *c = codec_new(next, qpe_step, qpe_finish);

	if (c == NULL)
		return NULL;
	eml_qp_enc_init(&c->u.qp, crlf != 0, binary != 0);
	return &c->s;
}

struct eml_sink *
eml_filter_decode(struct eml_sink *next, enum eml_cte cte)
{
	struct codec_sink *c = codec_new(next, dec_step, dec_finish);

	if (c == NULL)
		return NULL;
	eml_decoder_init(&c->u.dec, cte);
	return &c->s;
}

struct eml_sink *
eml_filter_b64_dec(struct eml_sink *next)
{
	return eml_filter_decode(next, EML_CTE_BASE64);
}

struct eml_sink *
eml_filter_qp_dec(struct eml_sink *next)
{
	return eml_filter_decode(next, EML_CTE_QP);
}

/* 7bit, 8bit and binary bodies are written as they are. */
static int
pass_write(struct eml_sink *s, const void *p, size_t n)
{
	return eml_sink_write(s->next, p, n);
}

static const struct emli_sink_ops pass_ops = { pass_write, NULL, NULL };

struct eml_sink *
eml_filter_encode(struct eml_sink *next, enum eml_cte cte, int crlf)
{
	switch (cte) {
	case EML_CTE_BASE64:
		return eml_filter_b64_enc(next, 0, crlf);
	case EML_CTE_QP:
		return eml_filter_qp_enc(next, crlf, 0);
	case EML_CTE_7BIT:
	case EML_CTE_8BIT:
	case EML_CTE_BINARY:
		return emli_sink_new(sizeof(struct eml_sink), &pass_ops, next,
		    1);
	default:
		/* uuencode needs a name and mode (eml_uu_encode); unknown
		 * encodings cannot be produced. */
		eml_sink_abort(next);
		errno = EINVAL;
		return NULL;
	}
}
