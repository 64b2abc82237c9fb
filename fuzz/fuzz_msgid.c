/* fuzz_msgid.c - Message-ID, In-Reply-To and References lists. */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eml_idlist l;
	char *copy = malloc(size ? size : 1);

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	memset(&l, 0, sizeof(l));
	eml_msgid_parse(copy, size, &l);
	eml_msgid_free(&l);
	free(copy);
	return 0;
}
