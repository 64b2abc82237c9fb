/*
 * fuzz_fname.c - safe file names: the first byte picks the length bound,
 * the rest is the name.  Property: the output is always safe (checked
 * here without lib/fname.c's own helpers): valid UTF-8 of 1..max bytes,
 * no separator, reserved, control or bidi character, no leading '.',
 * '-' or space, no trailing '.' or space, no "..", no device name.
 */
#include <strings.h>

#include "fuzz.h"

static int
safe(const char *s, size_t n, size_t max)
{
	static const char *const dev[] = { "con", "prn", "aux", "nul",
	    "com1", "lpt1", "conin$" };
	size_t i, base;

	if (n == 0 || n > max || strlen(s) != n || !eml_utf8_valid(s, n))
		return 0;
	if (strpbrk(s, "/\\<>:\"|?*") != NULL || strstr(s, "..") != NULL)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
			return 0;
	if (strstr(s, "\xe2\x80\xae") != NULL || strstr(s, "\xe2\x80\xad") ||
	    strstr(s, "\xe2\x81\xa6") != NULL || strstr(s, "\xc2\x9b"))
		return 0;
	if (s[0] == '.' || s[0] == '-' || s[0] == ' ' || s[n - 1] == '.' ||
	    s[n - 1] == ' ')
		return 0;
	for (base = 0; base < n && s[base] != '.'; base++)
		;
	for (i = 0; i < sizeof(dev) / sizeof(dev[0]); i++)
		if (base == strlen(dev[i]) && strncasecmp(s, dev[i], base) == 0)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eml_buf out = { 0 };
	size_t max;
	char *copy;

	if (size == 0)
		return 0;
	max = 16 + data[0] % 240;
	if ((copy = malloc(size - 1 ? size - 1 : 1)) == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (eml_fname_safe(copy, size - 1, "application/pdf", "1.2", max,
	    &out) == EML_OK)
		FUZZ_CHECK(safe(out.data, out.len, max));
	eml_buf_free(&out);
	free(copy);
	return 0;
}
