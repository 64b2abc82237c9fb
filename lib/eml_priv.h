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

/* ---- Parameters: header.c tokenises, rfc2231.c joins and decodes ---- */

/* One raw "name=value" as written: name lower-case with its "*N*"
 * suffix, value unquoted but not decoded.  Offsets into an arena where
 * both are NUL-terminated. */
struct emli_praw {
	size_t name, name_len;
	size_t val, val_len;
	int quoted;
};

/* Raw parameters kept per field (RFC 2231 segments count one each);
 * the rest of a longer field is ignored, bounding the work. */
#define EMLI_MAX_PRAW		(EML_MAX_PARAMS * 8)
/* Highest RFC 2231 continuation index accepted ("name*999"). */
#define EMLI_MAX_2231_INDEX	999

/* Turn raw parameters v[0..n) (in field order) into p: split "*N*"
 * suffixes, join continuations by index (gaps, duplicates and bad
 * suffixes set EML_D_RFC2231_INVALID), percent-decode extended segments,
 * convert from the segment-0 charset, decode RFC 2047 words in values
 * without a charset, and turn raw 8-bit into UTF-8 (windows-1252 if not
 * UTF-8); a plain "boundary" is kept byte for byte, as the body has
 * it.  A name with both plain and RFC 2231 forms gets the 2231 value;
 * conflicting plain duplicates keep the first and set
 * EML_D_CONFLICTING_PARAM.  At most EML_MAX_PARAMS are kept.  Appends to
 * p.  Returns EML_OK or EML_ENOMEM. */
int emli_params_join(const char *arena, const struct emli_praw *v, size_t n,
    struct eml_params *p);

/* ---- Codecs (decoder.c): one whole-buffer driver for every codec ---- */

/* A codec's init'ed state and its step/finish; max(state, n) bounds the
 * output of n input bytes plus finish. */
struct emli_codec {
	void *state;
	size_t (*step)(void *state, const void *in, size_t len, void *out);
	size_t (*finish)(void *state, void *out);
	size_t (*max)(const void *state, size_t len);
};

/* Run in[0..len) through c, appending to out (NUL-terminated): in one go
 * when the worst case fits, else in slices so that out->max is honoured
 * exactly.  Returns EML_OK, EML_ENOMEM or EML_ELIMIT (out unchanged). */
int emli_codec_run(const struct emli_codec *c, const void *in, size_t len,
    struct eml_buf *out);

/* ---- Parser hooks (parser.c) for checks run on body chunks ---- */

struct eml_parser;
/* Report one occurrence of code in the part being parsed, at byte at of
 * the chunk of input chunk (a BODY slice: call from the body path before
 * the parser moves past it).  Counts against max_diags; the line is
 * computed from the chunk.  Safe to call with any code. */
void emli_parser_diag_in(struct eml_parser *p, enum eml_diag_code code,
    const char *chunk, size_t at);
/* The same at an absolute input offset and line. */
void emli_parser_diag_at(struct eml_parser *p, enum eml_diag_code code,
    uint64_t offset, unsigned long line);

#endif /* EML_PRIV_H */
