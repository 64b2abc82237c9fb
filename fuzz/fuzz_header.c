/*
 * fuzz_header.c - header value decoding: unfolding, RFC 2047 words, raw
 * 8-bit, and the encoder, whose output must decode back to its input.
 */
#include "fuzz.h"

/* Folding may turn a run of blanks into one space: compare modulo that. */
static void
squeeze(struct eml_buf *b)
{
	size_t i, j = 0;

	for (i = 0; i < b->len; i++) {
		int blank = b->data[i] == ' ' || b->data[i] == '\t';

		if (blank && (j == 0 || b->data[j - 1] == ' '))
			continue;
		b->data[j++] = blank ? ' ' : b->data[i];
	}
	while (j > 0 && b->data[j - 1] == ' ')
		j--;
	b->len = j;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct eml_buf a = { 0 }, b = { 0 }, c = { 0 };
	struct eml_defects defects = { { 0 } };

	eml_hdr_unfold(s, size, &a);
	eml_hdr_decode(s, size, NULL, &b, &defects);
	eml_rfc2047_decode(s, size, "iso-8859-2", &c, &defects);
	/* decoded text is UTF-8; encoding it must give it back */
	if (b.len > 0 && eml_utf8_valid(b.data, b.len) &&
	    memchr(b.data, '\0', b.len) == NULL) {
		struct eml_buf e = { 0 }, d = { 0 }, u = { 0 };

		eml_buf_reset(&a);
		eml_hdr_unfold(b.data, b.len, &u);
		if (eml_hdr_encode("Subject", u.data, u.len, "\r\n", &e) ==
		    EML_OK) {
			eml_hdr_decode(e.data + 8, e.len - 10, NULL, &d, NULL);
			squeeze(&d);
			squeeze(&u);
			FUZZ_CHECK(d.len == u.len &&
			    memcmp(d.data ? d.data : "", u.data ? u.data : "",
			    u.len) == 0);
		}
		eml_buf_free(&e);
		eml_buf_free(&d);
		eml_buf_free(&u);
	}
	eml_buf_free(&a);
	eml_buf_free(&b);
	eml_buf_free(&c);
	return 0;
}
