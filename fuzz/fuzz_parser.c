/*
 * fuzz_parser.c - the streaming parser under every structural scan path
 * (lib/scan.c: scalar, SSE2, AVX2, AVX-512; one the CPU lacks runs
 * scalar).  For a chunking taken from the input and for the whole input
 * at once, every path must give the scalar path's event stream exactly
 * (types, offsets, lines, sections, raw and decoded bytes, diagnostics),
 * and the raw slices must tile the input.
 */
#include "fuzz.h"

/* scan.c's path switch (eml_priv.h): 0 auto, 1 scalar .. 4 AVX-512 */
int emli_scan_force(int i);

static void
put(struct eml_buf *b, const void *p, size_t n)
{
	char len[24];

	snprintf(len, sizeof(len), "%zu:", n);
	eml_buf_adds(b, len);
	eml_buf_add(b, p, n);
}

/* The event stream as bytes, or NULL if the parser failed (limits,
 * memory): then only the paths' agreement on failing is checked. */
static char *
stream(const uint8_t *data, size_t size, size_t chunk, size_t *len_r)
{
	struct eml_parser_opts o = { .max_depth = 16, .max_parts = 200,
	    .flags = EML_PARSE_DECODE };
	struct eml_parser *p = eml_parser_new(&o);
	struct eml_buf b = { 0 }, raw = { 0 };
	struct eml_event ev;
	size_t pos = 0;
	char tmp[400];
	int r;

	if (p == NULL)
		return NULL;
	for (;;) {
		if (pos < size) {
			size_t k = size - pos < chunk ? size - pos : chunk;

			eml_parser_feed(p, data + pos, k);
			pos += k;
		} else
			eml_parser_finish(p);
		while ((r = eml_parser_next(p, &ev)) > 0) {
			eml_buf_add(&raw, ev.raw, ev.raw_len);
			snprintf(tmp, sizeof(tmp), "\n%d@%llu/%lu[%s]%d/%llu",
			    ev.type, (unsigned long long)ev.offset, ev.line,
			    ev.part ? ev.part->section : "",
			    ev.type == EML_EV_DIAG ? (int)ev.diag.code : 0,
			    ev.type == EML_EV_DIAG ?
			    (unsigned long long)ev.diag.offset : 0ULL);
			eml_buf_adds(&b, tmp);
			put(&b, ev.raw, ev.raw_len);
			put(&b, ev.data, ev.data_len);
			if (ev.type == EML_EV_END)
				goto done;
		}
		if (r < 0)
			break;
	}
done:
	eml_parser_free(p);
	if (r < 0) {
		eml_buf_free(&b);
		eml_buf_free(&raw);
		return NULL;
	}
	FUZZ_CHECK(raw.len == size &&
	    memcmp(raw.data ? raw.data : "", data, size) == 0);
	eml_buf_free(&raw);
	*len_r = b.len;
	return eml_buf_steal(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunks[2], c, wlen = 0, glen = 0;
	char *want, *got;
	int path;

	chunks[0] = size ? size : 1;
	chunks[1] = size ? (size_t)data[0] % 97 + 1 : 1;
	for (c = 0; c < 2; c++) {
		emli_scan_force(1);
		want = stream(data, size, chunks[c], &wlen);
		for (path = 2; path <= 4; path++) {
			emli_scan_force(path);
			got = stream(data, size, chunks[c], &glen);
			FUZZ_CHECK((want == NULL) == (got == NULL));
			FUZZ_CHECK(got == NULL || (glen == wlen &&
			    memcmp(got, want, wlen) == 0));
			free(got);
		}
		free(want);
	}
	emli_scan_force(0);
	return 0;
}
