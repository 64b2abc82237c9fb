/* fuzz_addr.c - address lists, never reading past the field. */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eml_addrlist l;
	char *copy = malloc(size ? size : 1);	/* exact size: ASan sees overreads */

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	memset(&l, 0, sizeof(l));
	eml_addr_parse(copy, size, NULL, &l);
	eml_addr_free(&l);
	free(copy);
	return 0;
}
