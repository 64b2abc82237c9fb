/* fuzz_date.c - dates; a parsed date formats and parses back the same. */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eml_date d, d2;
	char *copy = malloc(size ? size : 1);

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (eml_date_parse(copy, size, &d) != EML_OK) {
		FUZZ_CHECK(eml_defects_has(&d.defects, EML_D_DATE_INVALID));
	} else {
		char s[40], t[32];

		eml_date_rfc5322(&d, s);
		eml_date_rfc3339(&d, t);
		if (d.utc >= 0 && d.utc < 253402300800LL) {
			FUZZ_CHECK(eml_date_parse(s, strlen(s), &d2) == EML_OK);
			FUZZ_CHECK(d2.utc == d.utc && d2.offset == d.offset);
			FUZZ_CHECK(d2.zone_unknown == d.zone_unknown);
		}
	}
	free(copy);
	return 0;
}
