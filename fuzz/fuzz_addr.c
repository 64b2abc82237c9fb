/* fuzz_addr.c - address lists, never reading past the field.  Property:
 * the email field is always NULL or a valid addr-spec, so it never holds
 * CR, LF, NUL, '<' or '>' (a caller may put it on an SMTP line). */
#include "fuzz.h"
#include "eml_priv.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eml_addrlist l;
	char *copy = malloc(size ? size : 1);	/* exact size: ASan sees overreads */
	size_t i;
	int control;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	memset(&l, 0, sizeof(l));
	eml_addr_parse(copy, size, NULL, &l);
	for (i = 0; i < l.n; i++) {
		const char *e = l.v[i].email;

		if (e == NULL)
			continue;
		FUZZ_CHECK(emli_addr_spec_ok(e, strlen(e), &control));
		FUZZ_CHECK(strpbrk(e, "\r\n<>") == NULL);
		FUZZ_CHECK(strchr(e, '@') != NULL);
	}
	eml_addr_free(&l);
	free(copy);
	return 0;
}
