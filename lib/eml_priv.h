/*
 * eml_priv.h - internals shared between the modules of lib/; never
 * installed.  Names here are emli_ (curl's Curl_ vs curl_).
 */
#ifndef EML_PRIV_H
#define EML_PRIV_H

#include <string.h>
#include <strings.h>

#include "eml.h"

#define EMLI_MIN(a, b)	((a) < (b) ? (a) : (b))
#define EMLI_MAX(a, b)	((a) > (b) ? (a) : (b))
#define EMLI_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* RFC 5322 3.2.2: WSP = SP / HTAB */
#define EMLI_WSP(c)	((c) == ' ' || (c) == '\t')
#define EMLI_LOWER(c)	((c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c))

/* Case-insensitive compare of a counted string with a C string. */
static inline int
emli_eqi(const char *s, size_t n, const char *lit)
{
	size_t m = strlen(lit);

	return n == m && strncasecmp(s, lit, n) == 0;
}

/* Bounded copy that always terminates (dst size > 0). */
static inline void
emli_strlcpy(char *dst, const char *src, size_t n, size_t size)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Default fallback charset for undeclared 8-bit text. */
#define EMLI_FALLBACK	"windows-1252"

/* Parser helpers for RFC 5322 tokens (header.c). */
/* Skip CFWS (whitespace, folding, nested comments) from s[i]; returns the
 * new index.  Comment nesting is capped (depth 32) to bound work. */
size_t emli_skip_cfws(const char *s, size_t len, size_t i);

#endif /* EML_PRIV_H */
