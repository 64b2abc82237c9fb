/*
 * fuzz_html.c - eml_filter_html2text: for any input, the output is valid
 * UTF-8 (RFC 3629: no overlongs, surrogates or code points past
 * U+10FFFF), ends in a line end when it is not empty, and is the same
 * whether the input comes in one write, byte by byte or in chunks of a
 * size taken from the input.
 */
#include "fuzz.h"

static void
render(const uint8_t *in, size_t len, size_t chunk, struct eml_buf *out)
{
	struct eml_sink *s = eml_filter_html2text(eml_sink_buf(out));
	size_t pos;

	FUZZ_CHECK(s != NULL);
	for (pos = 0; pos < len; pos += chunk)
		FUZZ_CHECK(eml_sink_write(s, in + pos, len - pos < chunk ?
		    len - pos : chunk) == EML_OK);
	FUZZ_CHECK(eml_sink_close(s) == EML_OK);
}

static int
utf8_ok(const unsigned char *p, size_t n)
{
	size_t i = 0, k, need;
	uint32_t c;

	while (i < n) {
		c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, c &= 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, c &= 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, c &= 0x07;
		else
			return 0;
		if (i + need >= n)
			return 0;
		for (k = 1; k <= need; k++) {
			if (i + k >= n || (p[i + k] & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (p[i + k] & 0x3f);
		}
		if ((need == 2 && c < 0x800) || (need == 3 && c < 0x10000) ||
		    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eml_buf a = { 0 }, b = { 0 }, c = { 0 };
	size_t chunk = size > 0 ? (size_t)data[0] % 13 + 1 : 1;

	render(data, size, size > 0 ? size : 1, &a);
	render(data, size, 1, &b);
	render(data, size, chunk, &c);
	FUZZ_CHECK(a.len == b.len && a.len == c.len);
	FUZZ_CHECK(a.len == 0 || (memcmp(a.data, b.data, a.len) == 0 &&
	    memcmp(a.data, c.data, a.len) == 0));
	FUZZ_CHECK(utf8_ok((const unsigned char *)a.data, a.len));
	FUZZ_CHECK(a.len == 0 || a.data[a.len - 1] == '\n');
	eml_buf_free(&a);
	eml_buf_free(&b);
	eml_buf_free(&c);
	return 0;
}
