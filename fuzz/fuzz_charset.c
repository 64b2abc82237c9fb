/*
 * fuzz_charset.c - conversion to UTF-8: the charset label is the first
 * line of the input, the bytes the rest; the output is valid UTF-8.
 * The label is also used as a fallback list (with ",windows-1252"
 * appended) for the same bytes: the output is valid UTF-8 and, when the
 * bytes are valid UTF-8, they come back unchanged.
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
	eml_buf_reset(&out);
	{
		char list[96];

		memcpy(list, label, n);
		memcpy(list + n, ",windows-1252", sizeof(",windows-1252"));
		if (eml_charset_fallback(list, s, size, &out) == EML_OK) {
			FUZZ_CHECK(eml_utf8_valid(out.data ? out.data : "",
			    out.len));
			if (eml_utf8_valid(s, size))
				FUZZ_CHECK(out.len == size && (size == 0 ||
				    memcmp(out.data, s, size) == 0));
		}
	}
	eml_buf_free(&out);
	return 0;
}
