/*
 * check_util.h - helpers shared by the Check suites.
 */
#ifndef CHECK_UTIL_H
#define CHECK_UTIL_H

#include <stddef.h>

/* Read a whole file; caller frees with free().  NULL if unreadable. */
char *tu_slurp(const char *path, size_t *len_r);
/* Directory of the shared corpus (../shared/corpus or $EML_SHARED_CORPUS),
 * or NULL (tests then print "skipped"). */
const char *tu_shared_corpus(void);
/* Call fn(path, arg) for each regular file below dir whose name passes
 * the filter (NULL = all), in sorted order.  Returns the count. */
size_t tu_walk(const char *dir, int (*filter)(const char *name),
    void (*fn)(const char *path, void *arg), void *arg);

#endif
