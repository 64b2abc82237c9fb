/*
 * fuzz_fold.c - one raw header field through eml_fold_field and
 * eml_hdr_decode_field: folding keeps the unfolded value and is
 * idempotent; decoding never adds a line that is not a fold (an encoded
 * CR LF must not start a new field) nor a bare CR, and what it gives
 * folds like any field.
 */
#include "fuzz.h"

/* Line breaks that are not folds: a CR or LF not followed by WSP,
 * or a CR not followed by LF, before the end. */
static size_t
count_breaks(const char *p, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i + 1 < n; i++)
		if ((p[i] == '\r' && p[i + 1] != '\n') || (p[i] == '\n' &&
		    p[i + 1] != ' ' && p[i + 1] != '\t'))
			k++;
	return k;
}

static void
check_fold(const char *f, size_t n, size_t width)
{
	struct eml_buf a = { 0 }, b = { 0 }, u1 = { 0 }, u2 = { 0 };

	if (eml_fold_field(f, n, width, &a, NULL) == EML_OK) {
		FUZZ_CHECK(eml_fold_field(a.data != NULL ? a.data : "", a.len,
		    width, &b, NULL) == EML_OK);
		FUZZ_CHECK(a.len == b.len && (a.len == 0 ||
		    memcmp(a.data, b.data, a.len) == 0));
		if (eml_hdr_unfold(f, n, &u1) == EML_OK &&
		    eml_hdr_unfold(a.data != NULL ? a.data : "", a.len,
		    &u2) == EML_OK)
			FUZZ_CHECK(u1.len == u2.len && (u1.len == 0 ||
			    memcmp(u1.data, u2.data, u1.len) == 0));
	}
	eml_buf_free(&a);
	eml_buf_free(&b);
	eml_buf_free(&u1);
	eml_buf_free(&u2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *f = (const char *)data;
	struct eml_buf d = { 0 };
	size_t width = size > 0 ? 10 + data[0] % 100 : 0;

	check_fold(f, size, 0);
	check_fold(f, size, width);
	if (eml_hdr_decode_field(f, size, &d) == 1) {
		FUZZ_CHECK(count_breaks(d.data, d.len) <= count_breaks(f, size));
		check_fold(d.data, d.len, 0);
	}
	eml_buf_free(&d);
	return 0;
}
