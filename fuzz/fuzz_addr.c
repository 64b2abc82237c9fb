/* fuzz_addr.c - address lists, never reading past the field.  Property:
 * the email field is always NULL or a valid addr-spec, so it never holds
 * CR, LF, NUL, '<' or '>' (a caller may put it on an SMTP line).  The
 * same bytes as a To field give envelope recipients that are all such
 * addresses, and what the strict RFC 5321 check accepts has no CR, LF
 * or NUL. */
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
	{
		struct eml_rcpts *r = eml_rcpts_new();
		char *const *v;
		size_t n;

		if (r != NULL && eml_rcpts_field(r, "To", 2, copy, size,
		    NULL) == EML_OK) {
			eml_rcpts_list(r, &v, &n);
			for (i = 0; i < n; i++)
				FUZZ_CHECK(emli_addr_spec_ok(v[i],
				    strlen(v[i]), &control));
		}
		eml_rcpts_free(r);
	}
	if (eml_addr_smtp_ok(copy, size, EML_SMTP_UTF8, NULL))
		FUZZ_CHECK(memchr(copy, '\r', size) == NULL &&
		    memchr(copy, '\n', size) == NULL &&
		    memchr(copy, '\0', size) == NULL);
	free(copy);
	return 0;
}
