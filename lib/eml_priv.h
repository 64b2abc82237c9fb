/*
 * eml_priv.h - internals shared between the modules of lib/; never
 * installed.  Names here are emli_ (curl's Curl_ vs curl_).
 */
#ifndef EML_PRIV_H
#define EML_PRIV_H

#include <string.h>
#include <strings.h>

#include "eml.h"

/* CPU features for the SIMD paths.  glibc's answer, read once by the
 * dynamic loader, where it has one: libgcc's __builtin_cpu_supports
 * brings a constructor that probes CPUID again at every start of every
 * program (about 0.1 ms on a VM, where CPUID traps; issue 7's
 * start-up).  Both include the OS saving the vector state. */
#if defined(__x86_64__) && defined(__has_include)
#if __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>
#define EMLI_CPU(glibc, gcc)	CPU_FEATURE_ACTIVE(glibc)
#endif
#endif
#ifndef EMLI_CPU
#define EMLI_CPU(glibc, gcc)	__builtin_cpu_supports(gcc)
#endif

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

/* ---- Encoded-words (rfc2047.c) ---- */

/* Length of a well-formed encoded-word (RFC 2047 2) starting at s[i],
 * with no whitespace or 8-bit byte inside it; 0 if none starts there. */
size_t emli_rfc2047_word_at(const char *s, size_t len, size_t i);

/* ---- Addresses (addr.c) ---- */

/* 1 if s[0..n) is an addr-spec the email field of eml_addr may hold
 * (RFC 5322 3.4.1, obsolete local parts tolerated, RFC 6532 UTF-8,
 * address literals of RFC 5321 4.1.3 only); *control_r is set when it
 * has CTLs, '<', '>' or markup in a domain literal. */
int emli_addr_spec_ok(const char *s, size_t n, int *control_r);

/* ---- Header-value defects (fieldcheck.c) ---- */

/* Values longer than this are not checked (their parsers are linear,
 * this bounds the work per field further). */
#define EMLI_FIELDCHECK_MAX	(64 * 1024)
#define EMLI_FC_MESSAGE		1	/* the field is in a message header */

/*
 * The defects found inside the value v[0..vlen) of field name (without
 * colon; the raw value as the parser gives it, folds kept) into *d:
 * Content-Type and Content-Disposition parameters in any header, and with
 * EMLI_FC_MESSAGE the address fields (From, Sender, Reply-To, To, Cc,
 * Bcc and their Resent- forms), Date, Message-ID, In-Reply-To,
 * References and Subject.  Other fields give no defects.  fallback is a
 * fallback list as for eml_charset_fallback.  The parser calls it for
 * every field but Content-Type, whose parameter defects it takes from
 * its own parse of the value (one parse per field).  Returns EML_OK or
 * EML_ENOMEM.
 */
int emli_field_check(const char *name, size_t nlen, const char *v,
    size_t vlen, const char *fallback, unsigned flags,
    struct eml_defects *d);

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
/* ---- Sinks and filters (sink.c, filter_*.c, maildir.c, mbox.c) ---- */

/*
 * What a kind of sink does.  write gets n > 0 bytes and returns EML_OK
 * or <0.  finish (may be NULL) is called by eml_sink_close only while no
 * error has happened: a filter writes what it still holds to next, a
 * delivery sink commits.  release (may be NULL) frees what the sink owns
 * (not next, not the struct) and is always called last; discard is set
 * when the output must not be kept (abort, or an error anywhere in the
 * chain), so a delivery sink removes what it wrote.
 */
struct emli_sink_ops {
	int (*write)(struct eml_sink *s, const void *p, size_t n);
	int (*finish)(struct eml_sink *s);
	void (*release)(struct eml_sink *s, int discard);
};

struct eml_sink {
	const struct emli_sink_ops *ops;
	struct eml_sink *next;	/* filters: where output goes (owned) */
	int err;		/* first error, sticky */
	int err_errno;		/* errno at that error (EML_EIO) */
	uint64_t bytes;		/* bytes accepted */
};

/* Allocate a sink of size bytes (>= sizeof(struct eml_sink), the struct
 * embedding it first) with ops and next.  If next is given and the
 * allocation fails, next is aborted.  NULL with errno ENOMEM; a NULL next
 * for a filter (want_next) also gives NULL (its constructor failed). */
struct eml_sink *emli_sink_new(size_t size, const struct emli_sink_ops *ops,
    struct eml_sink *next, int want_next);
/* Write all of p[0..n) to fd (EINTR and short writes handled): EML_OK or
 * EML_EIO with errno. */
int emli_write_all(int fd, const void *p, size_t n);
/* The host part of a Maildir name: h with '/', ':' and ',' as octal
 * escapes ("\057"), into out[size] (maildir.c). */
void emli_maildir_host(const char *h, char *out, size_t size);

/* ---- Body checks (bodycheck.c): body-level diagnostics of a leaf ---- */

/* Called once per occurrence: code at input line and byte offset. */
typedef void (*emli_bodycheck_fn)(void *arg, enum eml_diag_code code,
    unsigned long line, uint64_t off);

#define EMLI_BC_MBOX	1	/* message is from an mbox: "From " lines */
#define EMLI_BC_NO_UU	2	/* no uuencode blocks in text bodies */

struct emli_bodycheck {
	enum eml_cte cte;
	unsigned flags;			/* EMLI_BC_* */
	unsigned budget;		/* reports left (max_diags) */
	const unsigned char *tab;	/* byte kinds that matter */
	int active, lines, uu;
	int bol;
	unsigned long col;		/* bytes on the line so far */
	int col_cr;			/* last byte counted was a CR */
	unsigned line_seen;		/* codes reported on this line */
	int cr;				/* CR pending: bare unless LF */
	uint64_t cr_off;
	unsigned long cr_line;
	char lp[16];			/* first bytes of the line */
	unsigned nlp;
	int lp_pending;			/* at a line start: take lp */
	int lp_have, lp_whole;		/* lp taken; the whole line */
	uint64_t lp_off;
	unsigned long lp_line;
	int uu_open;			/* "begin" seen, no "end" yet */
	uint64_t uu_off;
	unsigned long uu_line;
	int qp_st;			/* after '=' */
	uint64_t qp_eq_off;
	unsigned long qp_eq_line;
	int b64_bol, b64_started, b64_ended, b64_trail;
	unsigned b64_nacc, b64_padneed, b64_end_nacc;
};

/* Set up c for a leaf with transfer encoding cte; text: a text/ type
 * (uuencode blocks are looked for); budget: at most this many reports. */
void emli_bodycheck_init(struct emli_bodycheck *c, enum eml_cte cte,
    int text, unsigned flags, unsigned budget);
/* Check raw body bytes buf[0..n), whose first byte is at input offset
 * off and line line; fn gets each occurrence. */
void emli_bodycheck_feed(struct emli_bodycheck *c, const void *buf,
    size_t n, uint64_t off, unsigned long line, emli_bodycheck_fn fn,
    void *arg);
/* The body ended at off/line: report what was left open. */
void emli_bodycheck_finish(struct emli_bodycheck *c, uint64_t off,
    unsigned long line, emli_bodycheck_fn fn, void *arg);

/* ---- SHA-256 (sha256.c): libcrypto loaded on demand ---- */
/* Load libcrypto's digest functions from soname (NULL: the one linked
 * against) and unload them: 0, or -1 with the reason in err.  For the
 * tests of the error path; the digest itself loads once, by itself. */
int emli_sha256_probe(const char *soname, char *err, size_t errlen);

/* ---- iconv descriptors lent from a small cache (charset.c) ---- */
#include <iconv.h>
/* As iconv_open; give it back with emli_iconv_close, never iconv_close. */
iconv_t emli_iconv_open(const char *to, const char *from);
void emli_iconv_close(iconv_t cd);

/* ---- Structural scanning (scan.c): SIMD with scalar twins ---- */

enum { EMLI_SCAN_AUTO, EMLI_SCAN_SCALAR, EMLI_SCAN_SSE2, EMLI_SCAN_AVX2,
    EMLI_SCAN_AVX512 };
/* Use path i from now on (EMLI_SCAN_AUTO: the best the CPU has, or
 * $EML_SCAN); one the CPU lacks gives scalar.  Returns the path used. */
int emli_scan_force(int i);
/* The path in use: "scalar", "sse2", "avx2" or "avx512". */
const char *emli_scan_impl(void);
/* The first i in [max(from, 1), n) where s[i - 1] is LF and s[i] one of
 * set[0..nset), i.e. the next line starting with such a byte; n if none. */
size_t emli_scan_bol(const char *s, size_t n, size_t from, const char *set,
    size_t nset);
/* The number of LF bytes in s[0..n). */
size_t emli_scan_count_lf(const char *s, size_t n);

#endif /* EML_PRIV_H */
