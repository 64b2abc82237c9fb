/*
 * fuzz_charset.c - conversion to UTF-8: the charset label is the first
 * line of the input, the bytes the rest; the output is valid UTF-8.
 */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *nl;
	char label[64];
	struct eml_buf out = { 0 };
	size_t n;

	nl = memchr(s, '\n', size < 63 ? size : 63);
	n = nl != NULL ? (size_t)(nl - s) : 0;
	memcpy(label, s, n);
	label[n] = '\0';
	if (nl != NULL) {
		s += n + 1;
		size -= n + 1;
	}
	if (eml_charset_to_utf8(label, s, size, NULL, &out, NULL) == EML_OK)
		FUZZ_CHECK(eml_utf8_valid(out.data ? out.data : "", out.len));
	eml_buf_free(&out);
	return 0;
}
