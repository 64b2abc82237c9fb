/*
 * fuzz_reset.c - eml_parser_reset returns a parser to the state of a new
 * one.  The input is two messages: the first is fed in chunks and
 * abandoned at a point taken from the input (anywhere: inside a folded
 * header, a delimiter, a held line), the parser is reset, and the second
 * is parsed through it.  Its events (type, offsets, lines, sections,
 * diagnostics, raw and decoded bytes) must equal a new parser's.
 */
#include "fuzz.h"

/* Digest of every event of in[0..len), fed in chunk-sized pieces. */
static int
run(struct eml_parser *p, const uint8_t *in, size_t len, size_t chunk,
    struct eml_buf *out)
{
	struct eml_event ev;
	size_t pos = 0;
	int r;

	for (;;) {
		if (pos < len) {
			size_t k = len - pos < chunk ? len - pos : chunk;

			eml_parser_feed(p, in + pos, k);
			pos += k;
		} else {
			eml_parser_finish(p);
		}
		while ((r = eml_parser_next(p, &ev)) > 0) {
			uint64_t rec[6] = { ev.type, ev.offset, ev.line,
			    ev.raw_len, ev.data_len, ev.diag.code };

			eml_buf_add(out, rec, sizeof(rec));
			if (ev.part != NULL)
				eml_buf_adds(out, ev.part->section);
			if (ev.type == EML_EV_DIAG)
				eml_buf_adds(out, ev.diag.section);
			eml_buf_add(out, ev.raw, ev.raw_len);
			eml_buf_add(out, ev.data, ev.data_len);
			if (ev.type == EML_EV_END)
				return 0;
		}
		if (r < 0)
			return r;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eml_parser_opts o = { .max_depth = 16, .max_parts = 200,
	    .flags = EML_PARSE_DECODE };
	struct eml_parser *p, *fresh;
	struct eml_buf a = { 0 }, b = { 0 };
	struct eml_event ev;
	size_t split, stop, chunk, pos = 0;
	const uint8_t *second;
	size_t slen;
	int ra, rb;

	if (size < 3)
		return 0;
	/* first message: data[3..split), abandoned after stop bytes */
	split = 3 + (data[0] | data[1] << 8) % (size - 2);
	stop = split > 3 ? (data[2] * 131u) % (split - 3 + 1) : 0;
	chunk = data[2] % 7 + 1;
	second = data + split;
	slen = size - split;
	if ((p = eml_parser_new(&o)) == NULL)
		return 0;
	while (pos < stop) {
		size_t k = stop - pos < chunk ? stop - pos : chunk;

		if (eml_parser_feed(p, data + 3 + pos, k) < 0)
			break;
		pos += k;
		while (eml_parser_next(p, &ev) > 0)
			;
	}
	eml_parser_reset(p);
	ra = run(p, second, slen, chunk, &a);
	if ((fresh = eml_parser_new(&o)) != NULL) {
		rb = run(fresh, second, slen, chunk, &b);
		FUZZ_CHECK(ra == rb);
		FUZZ_CHECK(ra < 0 || (a.len == b.len &&
		    memcmp(a.data, b.data, a.len) == 0));
		eml_parser_free(fresh);
	}
	eml_buf_free(&a);
	eml_buf_free(&b);
	eml_parser_free(p);
	return 0;
}
