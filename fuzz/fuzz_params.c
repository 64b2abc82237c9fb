/*
 * fuzz_params.c - Content-Type / Content-Disposition with RFC 2231
 * parameters; an encoded parameter must decode back to its value.
 */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eml_ctype ct;
	char *copy = malloc(size ? size : 1);
	size_t i;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	memset(&ct, 0, sizeof(ct));
	if (eml_ctype_parse(copy, size, &ct) == EML_OK) {
		for (i = 0; i < ct.params.n; i++) {
			const char *v = ct.params.v[i].value;
			struct eml_buf e = { 0 };
			struct eml_ctype back;

			if (!eml_utf8_valid(v, strlen(v)))
				continue;
			memset(&back, 0, sizeof(back));
			eml_buf_adds(&e, "x/y");
			if (eml_rfc2231_encode("p", v, strlen(v), "\r\n",
			    &e) == EML_OK && eml_ctype_parse(e.data, e.len,
			    &back) == EML_OK) {
				const char *w = eml_params_get(&back.params,
				    "p");

				FUZZ_CHECK(w != NULL && strcmp(w, v) == 0);
			}
			eml_ctype_free(&back);
			eml_buf_free(&e);
		}
	}
	eml_ctype_free(&ct);
	memset(&ct, 0, sizeof(ct));
	eml_disposition_parse(copy, size, &ct);
	eml_ctype_free(&ct);
	eml_cte_parse(copy, size);
	free(copy);
	return 0;
}
