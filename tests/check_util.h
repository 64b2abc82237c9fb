/*
 * check_util.h - helpers shared by the Check suites.
 */
#ifndef CHECK_UTIL_H
#define CHECK_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "eml.h"

/* Test tables write expected defect sets as masks of the first 64 codes. */
#define EML_BIT(code)	((uint64_t)1 << (code))

static inline uint64_t
tu_defects64(const struct eml_defects *d)
{
	return d->w[0] | (uint64_t)d->w[1] << 32;
}

/* Read a whole file; caller frees with free().  NULL if unreadable. */
char *tu_slurp(const char *path, size_t *len_r);
/* Directory of the shared corpus (../shared/corpus or $EML_SHARED_CORPUS),
 * or NULL (tests then print "skipped"). */
const char *tu_shared_corpus(void);
/* Call fn(path, arg) for each regular file below dir whose name passes
 * the filter (NULL = all), in sorted order.  Returns the count. */
size_t tu_walk(const char *dir, int (*filter)(const char *name),
    void (*fn)(const char *path, void *arg), void *arg);

/* Read the JSON string whose opening quote is at *p, with every escape
 * (\uXXXX and surrogate pairs to UTF-8); *p moves past the closing
 * quote.  Caller frees with free(). */
char *tu_json_str(const char **p);
/* Length of the header field value at s as a header parser hands it
 * over: up to the line end that is not followed by WSP, without it. */
size_t tu_field_len(const char *s);

#endif
