/*
 * fuzz_message.c - the whole-message paths: the tree (parse, write back
 * byte-exact, decode every leaf) and the streaming parser fed in chunks
 * whose sizes come from the input, which must tile the input exactly.
 */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eml_parser_opts o = { .max_depth = 16, .max_parts = 200,
	    .flags = EML_PARSE_DECODE };
	struct eml_msg *m;
	struct eml_buf out = { 0 }, raw = { 0 };
	struct eml_parser *p;
	struct eml_event ev;
	const struct eml_node *n;
	size_t pos = 0, chunk = size ? data[0] % 17 + 1 : 1;
	int r;

	if (eml_msg_parse_mem(data, size, &o, &m) == EML_OK) {
		FUZZ_CHECK(eml_msg_write(m, &out) == EML_OK);
		FUZZ_CHECK(out.len == size &&
		    memcmp(out.data ? out.data : "", data, size) == 0);
		for (n = m->root; n != NULL; n = eml_node_next(n)) {
			struct eml_buf t = { 0 };
			char disp[32];

			if (eml_node_is_leaf(n))
				eml_node_text(n, &t, NULL);
			eml_node_disposition(n, disp, sizeof(disp), &t);
			eml_buf_free(&t);
		}
		eml_msg_free(m);
	}
	eml_buf_free(&out);

	if ((p = eml_parser_new(&o)) == NULL)
		return 0;
	for (;;) {
		if (pos < size) {
			size_t k = size - pos < chunk ? size - pos : chunk;

			eml_parser_feed(p, data + pos, k);
			pos += k;
		} else {
			eml_parser_finish(p);
		}
		while ((r = eml_parser_next(p, &ev)) > 0) {
			eml_buf_add(&raw, ev.raw, ev.raw_len);
			if (ev.type == EML_EV_END)
				goto done;
		}
		if (r < 0)
			break;
	}
done:
	FUZZ_CHECK(r < 0 || (raw.len == size &&
	    memcmp(raw.data ? raw.data : "", data, size) == 0));
	eml_buf_free(&raw);
	eml_parser_free(p);
	return 0;
}
