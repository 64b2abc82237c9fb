/*
 * fuzz_mbox.c - the mbox splitter, fed in chunks from the input: the
 * same messages whatever the chunking.
 */
#include <stdio.h>

#include "fuzz.h"

static void
split(const uint8_t *data, size_t size, size_t chunk, unsigned flags,
    struct eml_buf *out)
{
	struct eml_mbox *m = eml_mbox_new(flags);
	struct eml_mbox_event ev;
	size_t pos = 0;
	int r, done = 0;

	if (m == NULL)
		return;
	for (;;) {
		if (pos < size) {
			size_t k = size - pos < chunk ? size - pos : chunk;

			eml_mbox_feed(m, data + pos, k);
			pos += k;
		} else {
			eml_mbox_finish(m);
			done = 1;
		}
		while ((r = eml_mbox_next(m, &ev)) > 0) {
			char tag[32];

			/* DATA slices depend on chunking; their bytes don't */
			if (ev.type != EML_MBOX_DATA) {
				snprintf(tag, sizeof(tag), "<%d:%lu>",
				    ev.type, ev.index);
				eml_buf_adds(out, tag);
			}
			eml_buf_add(out, ev.data, ev.len);
		}
		if (r < 0 || done)
			break;
	}
	eml_mbox_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eml_buf a = { 0 }, b = { 0 };
	unsigned flags;
	size_t chunk;

	if (size < 1)
		return 0;
	flags = data[0] & 1 ? EML_MBOX_RD : 0;
	chunk = data[0] / 2 % 37 + 1;
	split(data + 1, size - 1, size, flags, &a);
	split(data + 1, size - 1, chunk, flags, &b);
	FUZZ_CHECK(a.len == b.len && memcmp(a.data ? a.data : "",
	    b.data ? b.data : "", a.len) == 0);
	eml_buf_free(&a);
	eml_buf_free(&b);
	return 0;
}
