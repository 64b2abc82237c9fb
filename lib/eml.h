/*
 * eml.h - the whole public API of libemlkit, an RFC 5322 / MIME library.
 *
 * Conventions: functions returning int give EML_OK (0) or a negative
 * EML_E* code; streaming "next" calls give 1 for an item, 0 for "need more
 * input" and a negative code on error.  Malformed mail is never an error:
 * it is parsed leniently and reported as diagnostics (see eml_diag_*).
 * Returned pointers are borrowed until the next call on the same object
 * unless the comment says "caller frees".  The library never prints,
 * exits or aborts.
 *
 * Copyright (c) 2026 the emlkit authors.  MIT licence, see LICENSE.
 */
#ifndef EML_H
#define EML_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EML_VERSION "0.1.0"
#define EML_VERSION_NUM 0x000100

/* ------------------------------------------------------------------ */
/* Errors                                                               */

enum eml_err {
	EML_OK = 0,
	EML_ENOMEM = -1,	/* out of memory */
	EML_ELIMIT = -2,	/* a configured limit was reached */
	EML_EIO = -3,		/* read/write failed, see errno */
	EML_EINVAL = -4,	/* misuse: bad argument or call order */
	EML_ECHARSET = -5,	/* unknown charset (conversion not possible) */
	EML_EFORMAT = -6,	/* input is not in the expected format */
	EML_EEXIST = -7		/* target exists (never overwritten) */
};

/* Static English text for an EML_E* code. */
const char *eml_strerror(int err);

/* ------------------------------------------------------------------ */
/* Growable byte buffer, used for outputs of variable size.            */

struct eml_buf {
	char *data;		/* NUL-terminated when len > 0 or after _cstr */
	size_t len;
	size_t cap;
	size_t max;		/* 0 = unlimited; else appends fail with ELIMIT */
};

/* Append n bytes; returns EML_OK, EML_ENOMEM or EML_ELIMIT (then nothing
 * is appended).  The data stays NUL-terminated. */
int eml_buf_add(struct eml_buf *b, const void *p, size_t n);
int eml_buf_addc(struct eml_buf *b, int c);
int eml_buf_adds(struct eml_buf *b, const char *s);
/* Append the UTF-8 form of code point cp (U+FFFD if cp is invalid). */
int eml_buf_add_utf8(struct eml_buf *b, uint32_t cp);
/* Make room for n more bytes; returns a pointer to write them at or NULL.
 * Commit them with b->len += written. */
char *eml_buf_reserve(struct eml_buf *b, size_t n);
void eml_buf_reset(struct eml_buf *b);	/* len = 0, keeps memory */
void eml_buf_free(struct eml_buf *b);	/* frees data, zeroes b */
/* Give the data to the caller (caller frees with free()); b is zeroed.
 * Never NULL unless out of memory: an empty buffer gives "". */
char *eml_buf_steal(struct eml_buf *b);

/* ------------------------------------------------------------------ */
/* Diagnostics: every tolerated deviation from the RFCs.               */

enum eml_severity {
	EML_SEV_INFO = 0,	/* legal but unusual */
	EML_SEV_WARN = 1,	/* violates an RFC, meaning is clear */
	EML_SEV_CRIT = 2	/* other software may read this differently */
};

/* Stable codes: never renumber, only append.  Names and texts are in
 * diag.c; docs/LENIENCY.md and eml-lint list them. */
enum eml_diag_code {
	EML_D_NONE = 0,
	EML_D_NO_HEADER_END,		/* headers run to EOF, no blank line */
	EML_D_HEADER_NO_COLON,		/* header line without a colon */
	EML_D_HEADER_BAD_NAME,		/* empty name or bytes outside ftext */
	EML_D_HEADER_SPACE_BEFORE_COLON, /* "Subject : x" (obsolete) */
	EML_D_HEADER_NUL,		/* NUL byte in a header */
	EML_D_HEADER_8BIT,		/* unencoded 8-bit, not valid UTF-8 */
	EML_D_HEADER_TOO_LONG,		/* field over max_header_bytes */
	EML_D_HEADER_LINE_LONG,		/* line over 998 octets (5322 2.1.1) */
	EML_D_HEADERS_TOO_MANY,		/* over max_headers fields */
	EML_D_HEADER_BLOCK_TOO_LONG,	/* header block over its budget */
	EML_D_BARE_CR,			/* CR not followed by LF */
	EML_D_MIXED_EOL,		/* LF and CRLF in one message */
	EML_D_LEADING_BLANK,		/* message starts with blank line or WSP */
	EML_D_MULTIPART_NO_BOUNDARY,	/* multipart without boundary= */
	EML_D_BOUNDARY_NOT_FOUND,	/* no delimiter line in the body */
	EML_D_MISSING_CLOSE_DELIM,	/* "--b--" never seen, ended at EOF */
	EML_D_BOUNDARY_TOO_LONG,	/* boundary over 70 chars */
	EML_D_BOUNDARY_BAD_CHARS,	/* boundary outside bchars */
	EML_D_CONFLICTING_HEADER,	/* two Content-Type etc., first wins */
	EML_D_CONFLICTING_PARAM,	/* a parameter given twice */
	EML_D_DEPTH_LIMIT,		/* nesting over max_depth: opaque */
	EML_D_PARTS_LIMIT,		/* over max_parts: rest is body */
	EML_D_PART_NO_HEADERS,		/* part with no headers and no body */
	EML_D_CTE_UNKNOWN,		/* unknown Content-Transfer-Encoding */
	EML_D_CTE_ON_COMPOSITE,		/* base64/QP on multipart or message */
	EML_D_CTYPE_INVALID,		/* unparsable Content-Type */
	EML_D_NO_MIME_VERSION,		/* MIME headers but no MIME-Version */
	EML_D_B64_GARBAGE,		/* non-alphabet bytes in base64 */
	EML_D_B64_PADDING,		/* missing or misplaced '=' */
	EML_D_QP_BAD_ESCAPE,		/* "=" not followed by 2 hex digits */
	EML_D_QP_LINE_LONG,		/* encoded line over 76 chars */
	EML_D_8BIT_IN_7BIT,		/* 8-bit bytes in a 7bit body */
	EML_D_UU_TRUNCATED,		/* uuencode block without "end" */
	EML_D_RFC2047_INVALID,		/* malformed encoded-word kept literal */
	EML_D_RFC2047_LENIENT,		/* encoded-word decoded leniently */
	EML_D_RFC2231_INVALID,		/* bad continuation / gap / dup */
	EML_D_CHARSET_UNKNOWN,		/* unknown charset, fallback used */
	EML_D_CHARSET_INVALID,		/* bytes invalid in charset, U+FFFD */
	EML_D_ADDR_INVALID,		/* address list parsed best-effort */
	EML_D_DATE_INVALID,		/* date unparsable */
	EML_D_DATE_LENIENT,		/* date parsed with obsolete/broken form */
	EML_D_MSGID_INVALID,		/* message-id list malformed */
	EML_D_MBOX_FROM_UNQUOTED,	/* "From " in body of an mboxo */
	EML_D_TRUNCATED,		/* input ended inside a structure */
	EML_D_NUL_IN_BODY,		/* NUL byte in a text body */
	EML_D_BOM,			/* UTF-8 byte order mark before headers */
	EML_D_B64_TRAILING_TEXT,	/* text after the end of base64 data */
	EML_D_EMPTY_PART,		/* delimiter right after a delimiter */
	EML_D_PART_LEADING_WSP,		/* part header block starts with WSP */
	EML_D_BOUNDARY_PADDING_LONG,	/* long transport padding on a delim */
	EML_D_BOUNDARY_DASH_END,	/* boundary ends in "-": "--b--" twice */
	EML_D_CLOSE_DELIM_SUFFIX,	/* "--b--x" or "--b---" */
	EML_D_HEADER_EMPTY_NAME,	/* ": value", a field without a name */
	EML_D_PARAM_TRAILING_JUNK,	/* text after a quoted parameter value */
	EML_D_ADDR_SPOOF,		/* "<a@x> <b@y>": which one is meant? */
	EML_D_ADDR_CONTROL,		/* CR, LF, NUL or markup in an address */
	EML_D_ADDR_OBS_ROUTE,		/* obsolete route "<@r:u@d>" */
	EML_D__COUNT
};

/*
 * A set of diagnostic codes (one bit each).  The code set may grow to
 * EML_D_CAPACITY without changing the set's size; use the functions
 * below rather than the words.
 */
#define EML_D_CAPACITY	256
struct eml_defects {
	uint32_t w[EML_D_CAPACITY / 32];
};

static inline void
eml_defects_set(struct eml_defects *d, enum eml_diag_code c)
{
	if ((unsigned)c < EML_D_CAPACITY)
		d->w[(unsigned)c / 32] |= (uint32_t)1 << ((unsigned)c % 32);
}

static inline int
eml_defects_has(const struct eml_defects *d, enum eml_diag_code c)
{
	return (unsigned)c < EML_D_CAPACITY &&
	    (d->w[(unsigned)c / 32] >> ((unsigned)c % 32) & 1) != 0;
}

/* d |= s */
static inline void
eml_defects_or(struct eml_defects *d, const struct eml_defects *s)
{
	unsigned i;

	for (i = 0; i < EML_D_CAPACITY / 32; i++)
		d->w[i] |= s->w[i];
}

/* 1 if any code is set. */
static inline int
eml_defects_any(const struct eml_defects *d)
{
	unsigned i;

	for (i = 0; i < EML_D_CAPACITY / 32; i++)
		if (d->w[i] != 0)
			return 1;
	return 0;
}

struct eml_diag {
	enum eml_diag_code code;
	enum eml_severity severity;
	unsigned long line;	/* 1-based line in the input, 0 = unknown */
	uint64_t offset;	/* byte offset in the input */
	const char *section;	/* IMAP section of the part ("" = top) */
};

/* Stable short name ("header-no-colon") and English text of a code. */
const char *eml_diag_name(enum eml_diag_code code);
const char *eml_diag_text(enum eml_diag_code code);
enum eml_severity eml_diag_severity(enum eml_diag_code code);

/* ------------------------------------------------------------------ */
/* Limits and parser options.                                          */

#define EML_DEFAULT_MAX_DEPTH		100
#define EML_DEFAULT_MAX_PARTS		10000
#define EML_DEFAULT_MAX_HEADER_BYTES	(1024 * 1024)	/* one field */
#define EML_DEFAULT_MAX_HEADERS		10000		/* fields per part */
#define EML_DEFAULT_MAX_HEADER_BLOCK	(10 * 1024 * 1024) /* all fields */
#define EML_DEFAULT_MAX_DIAGS		1000		/* per message */
#define EML_BOUNDARY_MAX		80	/* 70 + slack, RFC 2046 */

enum eml_parse_flags {
	EML_PARSE_DECODE = 1 << 0,	/* BODY events carry decoded data */
	EML_PARSE_STRICT_MIME = 1 << 1,	/* need MIME-Version for MIME */
	EML_PARSE_NO_UUENCODE = 1 << 2,	/* don't look for uuencode blocks */
	EML_PARSE_MBOXRD = 1 << 3	/* not used by the parser itself */
};

struct eml_parser_opts {
	unsigned max_depth;		/* 0 = EML_DEFAULT_MAX_DEPTH */
	unsigned max_parts;		/* 0 = EML_DEFAULT_MAX_PARTS */
	size_t max_header_bytes;	/* 0 = EML_DEFAULT_MAX_HEADER_BYTES */
	unsigned max_headers;		/* 0 = EML_DEFAULT_MAX_HEADERS */
	size_t max_header_block;	/* 0 = EML_DEFAULT_MAX_HEADER_BLOCK */
	unsigned max_diags;		/* 0 = EML_DEFAULT_MAX_DIAGS */
	unsigned flags;			/* EML_PARSE_* */
	const char *fallback_charset;	/* NULL = "windows-1252" */
};

/* ------------------------------------------------------------------ */
/* Content types and transfer encodings.                               */

enum eml_cte {
	EML_CTE_7BIT = 0,	/* also the default when absent */
	EML_CTE_8BIT,
	EML_CTE_BINARY,
	EML_CTE_QP,
	EML_CTE_BASE64,
	EML_CTE_UUENCODE,	/* x-uuencode, x-uue, uuencode */
	EML_CTE_UNKNOWN		/* treated as binary: data == raw */
};

/* "7bit", "quoted-printable", ... */
const char *eml_cte_name(enum eml_cte cte);
/* Parse a Content-Transfer-Encoding value (case-insensitive, comments
 * and whitespace ignored).  Unknown values give EML_CTE_UNKNOWN. */
enum eml_cte eml_cte_parse(const char *v, size_t len);

/* One parameter of a structured field.  Values are decoded to UTF-8
 * (RFC 2231 continuations joined and charset-converted, quoted strings
 * unquoted, RFC 2047 words in values decoded as real mail needs). */
struct eml_param {
	char *name;		/* lower-case, without "*N*" suffixes */
	char *value;		/* UTF-8 */
	char *charset;		/* RFC 2231 charset or NULL */
	char *lang;		/* RFC 2231 language or NULL */
};

struct eml_params {
	struct eml_param *v;
	size_t n;
	struct eml_defects defects;	/* one code per problem seen */
};

#define EML_MAX_PARAMS 128	/* more are dropped (Dovecot's cap) */

/* Parse ";"-separated parameters in s[0..len) (starting at the first ';'
 * or at a parameter name).  p must be zeroed or freed first.  Returns
 * EML_OK or EML_ENOMEM; malformed input only sets p->defects. */
int eml_params_parse(const char *s, size_t len, struct eml_params *p);
/* Value of parameter name (case-insensitive) or NULL.  First one wins. */
const char *eml_params_get(const struct eml_params *p, const char *name);
void eml_params_free(struct eml_params *p);

/* A parsed Content-Type or Content-Disposition. */
struct eml_ctype {
	char type[64];		/* lower-case; "" if absent/invalid */
	char subtype[64];	/* lower-case */
	struct eml_params params;
};

/* Parse a Content-Type value ("text/plain; charset=utf-8").  For
 * Content-Disposition, type gets the disposition and subtype is "".
 * Returns EML_OK or EML_ENOMEM; invalid input leaves type "" and sets
 * EML_D_CTYPE_INVALID in params.defects.  Free with eml_ctype_free. */
int eml_ctype_parse(const char *v, size_t len, struct eml_ctype *ct);
int eml_disposition_parse(const char *v, size_t len, struct eml_ctype *ct);
void eml_ctype_free(struct eml_ctype *ct);

/* ------------------------------------------------------------------ */
/* Streaming parser: push bytes, pull events.                          */

enum eml_event_type {
	EML_EV_PART_BEGIN = 1,	/* a part starts; ev.part is it */
	EML_EV_HEADER,		/* one header field (raw = whole field) */
	EML_EV_HEADERS_END,	/* raw = the blank line (may be empty) */
	EML_EV_PREAMBLE,	/* raw = multipart preamble bytes */
	EML_EV_BOUNDARY,	/* raw = delimiter line incl. its EOLs */
	EML_EV_BODY,		/* raw = leaf body bytes; data = decoded */
	EML_EV_EPILOGUE,	/* raw = multipart epilogue bytes */
	EML_EV_RAW,		/* raw bytes outside any structure (limits) */
	EML_EV_PART_END,	/* the part ev.part ends */
	EML_EV_DIAG,		/* ev.diag is a diagnostic */
	EML_EV_END		/* the message ended; no more events */
};

/* What the parser knows about a part.  Owned by the parser; valid from
 * PART_BEGIN until its PART_END (content fields filled at HEADERS_END).
 *
 * section is the IMAP part specifier (RFC 3501 6.4.5 BODY[section]):
 * children of a multipart are S.1, S.2, ...; a message that is not
 * multipart has its body at S.1 ("1" at the top); a message that is
 * multipart takes the section S of the part that holds it ("" at the
 * top, N for the body of message/rfc822 part N), so that its children
 * are N.1, N.2.  Final at HEADERS_END. */
struct eml_part {
	const struct eml_part *parent;	/* NULL for the message itself */
	unsigned depth;			/* 0 for the message */
	char section[256];		/* IMAP section (final at HEADERS_END) */
	char ctype[128];		/* "text/plain" (lower-case) */
	char charset[64];		/* lower-case, "" if none */
	char boundary[EML_BOUNDARY_MAX + 1]; /* multipart only */
	enum eml_cte cte;
	int is_multipart;		/* multipart/x with a boundary */
	int is_message;			/* message/rfc822, message/global */
	int is_attachment;		/* C-D attachment or has a filename */
	unsigned nchildren;		/* children begun so far */
	uint64_t offset;		/* first byte of the part's headers */
	uint64_t body_offset;		/* first byte of the body */
	uint64_t end_offset;		/* one past the body (at PART_END) */
	uint64_t raw_size;		/* leaf body bytes; a multipart counts
				 * preamble + epilogue (at PART_END) */
	uint64_t decoded_size;		/* decoded bytes (EML_PARSE_DECODE) */
	unsigned long line;		/* line of the first header */
	struct eml_defects defects;	/* codes seen in this part */
};

struct eml_event {
	enum eml_event_type type;
	const struct eml_part *part;	/* the part this event belongs to */
	const char *raw;		/* input bytes of this event */
	size_t raw_len;
	uint64_t offset;		/* input offset of raw[0] */
	unsigned long line;		/* input line of raw[0], 1-based */
	/* HEADER: name (without colon), raw value after the colon
	 * (folding kept, EOL stripped). */
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
	/* BODY with EML_PARSE_DECODE: transfer-decoded bytes. */
	const char *data;
	size_t data_len;
	/* BOUNDARY: 1 if this is the close delimiter "--b--". */
	int is_close;
	/* DIAG */
	struct eml_diag diag;
};

struct eml_parser;

/* Create a parser; opts may be NULL.  Returns NULL if out of memory. */
struct eml_parser *eml_parser_new(const struct eml_parser_opts *opts);
/* Free p and all it owns.  NULL is a no-op. */
void eml_parser_free(struct eml_parser *p);
/* Forget the message in progress, keep options (for the next message). */
void eml_parser_reset(struct eml_parser *p);
/* Give the parser input.  buf must stay valid until eml_parser_next
 * returns 0 (need more) or EML_EV_END: the events point into it.
 * Returns EML_OK or EML_EINVAL (called before draining). */
int eml_parser_feed(struct eml_parser *p, const void *buf, size_t len);
/* Input ended. */
int eml_parser_finish(struct eml_parser *p);
/* Next event into *ev.  Returns 1 (event), 0 (need more input: all fed
 * bytes were used or copied) or <0 (EML_ENOMEM).  After EML_EV_END it
 * keeps returning 0.  Concatenating raw of every event gives back
 * exactly the input. */
int eml_parser_next(struct eml_parser *p, struct eml_event *ev);
/* Text of the last error, owned by p. */
const char *eml_parser_errmsg(const struct eml_parser *p);

/* ------------------------------------------------------------------ */
/* In-memory message tree built from parser events.  Nodes point into  */
/* the message buffer without copying.                                 */

struct eml_header {
	const char *name;	/* field name, not NUL-terminated */
	size_t name_len;
	const char *raw;	/* whole field incl. EOL (for re-serialising) */
	size_t raw_len;
	const char *value;	/* raw value after the colon, EOL stripped */
	size_t value_len;
	uint64_t offset;
	unsigned long line;
};

struct eml_node {
	struct eml_node *parent, *first_child, *next; /* tree links */
	struct eml_part info;		/* copy of the parser's part info */
	struct eml_header *headers;	/* in order */
	size_t nheaders;
	/* Raw pieces, each pointing into the message buffer.  For a leaf,
	 * body is the raw body; for a multipart, preamble and epilogue; the
	 * separator is the blank line after the headers. */
	const char *sep;
	size_t sep_len;
	const char *body;
	size_t body_len;
	const char *preamble;
	size_t preamble_len;
	const char *epilogue;
	size_t epilogue_len;
	const char *open_delim;		/* boundary line before this part */
	size_t open_delim_len;
	const char *close_delim;	/* "--b--" line of this multipart */
	size_t close_delim_len;
	const char *trailer;		/* EML_EV_RAW bytes after this part */
	size_t trailer_len;
};

struct eml_msg {
	struct eml_node *root;
	const char *buf;		/* the message bytes */
	size_t len;
	struct eml_diag *diags;
	size_t ndiags;
	unsigned nparts;
	/* internal */
	void *priv;
};

/* Parse a whole message held in buf[0..len), which must outlive the
 * result (nodes point into it).  opts may be NULL.  Returns EML_OK and
 * *msg_r, or EML_ENOMEM.  Free with eml_msg_free. */
int eml_msg_parse_mem(const void *buf, size_t len,
    const struct eml_parser_opts *opts, struct eml_msg **msg_r);
void eml_msg_free(struct eml_msg *msg);

/* Depth-first pre-order walk without recursion: returns the node after
 * n, or NULL at the end. */
struct eml_node *eml_node_next(const struct eml_node *n);
/* First header named name (case-insensitive) or NULL. */
const struct eml_header *eml_node_header(const struct eml_node *n,
    const char *name);
/* Number of headers named name. */
size_t eml_node_header_count(const struct eml_node *n, const char *name);
/* Transfer-decode a leaf body into out (appended).  Returns EML_OK,
 * EML_ENOMEM or EML_ELIMIT. */
int eml_node_decode(const struct eml_node *n, struct eml_buf *out);
/* Decode the leaf body to UTF-8 text: transfer decoding then charset
 * conversion from the part's charset (fallback when unknown).  *guessed_r
 * (may be NULL) is set to 1 when the fallback charset was used. */
int eml_node_text(const struct eml_node *n, struct eml_buf *out,
    int *guessed_r);
/* Content-Disposition type ("attachment", "inline", "" if none) and the
 * file name (disposition filename*, then Content-Type name*, decoded to
 * UTF-8; "" if none), written to the caller's buffers. */
int eml_node_disposition(const struct eml_node *n, char *disp, size_t dlen,
    struct eml_buf *filename);

/* The parts a reader shows, chosen by RFC 8621 4.1.4 (JMAP textBody,
 * htmlBody, attachments).  A message/rfc822 part is a leaf here.  The
 * arrays point to nodes of msg (they live as long as msg). */
struct eml_bodies {
	const struct eml_node **text;
	size_t ntext;
	const struct eml_node **html;
	size_t nhtml;
	const struct eml_node **attachments;
	size_t nattachments;
};

/* Fill *b for msg.  Returns EML_OK or EML_ENOMEM (b is then empty).
 * Free with eml_bodies_free. */
int eml_msg_bodies(const struct eml_msg *msg, struct eml_bodies *b);
/* The same for the message whose top node is top (the root, or the
 * first child of a message/rfc822 part). */
int eml_node_bodies(const struct eml_node *top, struct eml_bodies *b);
void eml_bodies_free(struct eml_bodies *b);

/* The same selection over a structure-only description of a message,
 * for a caller that streamed the message instead of keeping it (eml-json
 * keeps the structure, not the bodies).  A shape is what the selection
 * looks at; first_child is followed for multipart/ types only. */
struct eml_shape {
	const struct eml_shape *first_child, *next;
	const char *ctype;		/* "text/plain", lower-case */
	const char *disposition;	/* "attachment", "inline", "" */
	int has_name;			/* a file name was given */
	const void *user;		/* the caller's own node */
};
struct eml_shape_bodies {
	const struct eml_shape **text;
	size_t ntext;
	const struct eml_shape **html;
	size_t nhtml;
	const struct eml_shape **attachments;
	size_t nattachments;
};
/* Fill *b for the message whose top part is top.  Returns EML_OK or
 * EML_ENOMEM (b is then empty).  Free with eml_shape_bodies_free. */
int eml_shape_bodies(const struct eml_shape *top, struct eml_shape_bodies *b);
void eml_shape_bodies_free(struct eml_shape_bodies *b);

#define EML_PREVIEW_CHARS	256	/* RFC 8621 4.1.4 "preview" */
/* The plain-text preview of UTF-8 body text (RFC 8621 4.1.4): with html
 * set, tags, comments, <style> and <script> contents are dropped and the
 * common entities decoded; whitespace runs become one space; at most
 * EML_PREVIEW_CHARS characters, never a partial one.  Appends to out.
 * Returns EML_OK, EML_ENOMEM or EML_ELIMIT. */
int eml_preview(const char *utf8, size_t len, int html, struct eml_buf *out);

/* ------------------------------------------------------------------ */
/* Header field values.                                                */

/* Unfold a raw value (remove CRLF/LF before WSP) and trim surrounding
 * whitespace, appending to out. */
int eml_hdr_unfold(const char *v, size_t len, struct eml_buf *out);
/* Decode an unstructured value to UTF-8: unfold, decode RFC 2047 words
 * leniently, accept raw UTF-8 (RFC 6532) and decode other 8-bit bytes with
 * fallback (NULL = windows-1252).  *defects_r (may be NULL) gets codes. */
int eml_hdr_decode(const char *v, size_t len, const char *fallback,
    struct eml_buf *out, struct eml_defects *defects_r);
/* Encode a UTF-8 value for a header field named name: plain when it is
 * ASCII with short enough words, else RFC 2047 words where needed, folded
 * at 78 columns with eol ("\r\n" or "\n").  Appends "Name: value" + eol. */
int eml_hdr_encode(const char *name, const char *utf8, size_t len,
    const char *eol, struct eml_buf *out);

/* ------------------------------------------------------------------ */
/* RFC 2047 encoded-words and RFC 2231 parameter values.               */

/* Decode encoded-words in text (any mix with plain text), appending
 * UTF-8.  Lenient: adjacent words joined (also a multibyte character split
 * across words), missing whitespace, words inside quoted strings, unknown
 * charsets through fallback (NULL = windows-1252).  Folded input is
 * accepted: a fold reads as one space.  *defects_r (may be NULL) gets
 * the codes seen added.  Returns EML_OK, EML_ENOMEM or EML_ELIMIT. */
int eml_rfc2047_decode(const char *s, size_t len, const char *fallback,
    struct eml_buf *out, struct eml_defects *defects_r);
/* Encode UTF-8 text as encoded-words (B or Q, whichever is shorter),
 * each at most 75 chars, words separated by " "; first_col is where the
 * first word starts, to fit 78-column folding.  Appends to out. */
int eml_rfc2047_encode(const char *utf8, size_t len, int first_col,
    const char *eol, struct eml_buf *out);
/* Encode a parameter for a header as RFC 2231 (name*0*=utf-8''...;
 * continuation lines folded with eol) if it needs it, else name="value".
 * Appends "; " ... to out. */
int eml_rfc2231_encode(const char *name, const char *utf8, size_t len,
    const char *eol, struct eml_buf *out);

/* ------------------------------------------------------------------ */
/* Charsets.                                                           */

/* Canonical iconv name for a charset label as real mail spells it
 * ("ks_c_5601-1987" -> "CP949", "iso-8859-1" -> "WINDOWS-1252"); the label
 * itself if unknown to the table.  Returns a static string or label. */
const char *eml_charset_canon(const char *label);
/* 1 if charset is known to iconv (after aliasing). */
int eml_charset_known(const char *label);
/* Convert in[0..len) from charset to UTF-8, appending to out.  Invalid
 * bytes become U+FFFD; an unknown charset uses fallback (NULL =
 * windows-1252) and sets *guessed_r.  Never fails but for EML_ENOMEM or
 * EML_ELIMIT. */
int eml_charset_to_utf8(const char *charset, const char *in, size_t len,
    const char *fallback, struct eml_buf *out, int *guessed_r);
/* 1 if s[0..len) is valid UTF-8. */
int eml_utf8_valid(const char *s, size_t len);

/* ------------------------------------------------------------------ */
/* Transfer codecs: init/step/finish, caller-owned state and output.    */

#define EML_B64_DECODED_MAX(n)	(((n) / 4 + 1) * 3)
/* Encoded size with line breaks of up to 2 bytes every 76 chars. */
#define EML_B64_ENCODED_MAX(n)	((((n) + 2) / 3 * 4) + \
    ((((n) + 2) / 3 * 4) / 76 + 1) * 2 + 4)
/* QP holds up to 80 bytes (trailing blanks) that may come out later. */
#define EML_QP_DECODED_MAX(n)	((n) + 80)
#define EML_QP_ENCODED_MAX(n)	((n) * 3 + ((n) * 3 / 75 + 2) * 3 + 8)

struct eml_b64_dec {
	uint32_t acc;		/* bits collected so far */
	unsigned nacc;		/* sextets in acc (0..3) */
	unsigned pad;		/* '=' seen */
	uint64_t garbage;	/* bytes skipped that were not alphabet/WSP */
};
void eml_b64_dec_init(struct eml_b64_dec *s);
/* Decode len bytes; writes at most EML_B64_DECODED_MAX(len) bytes to out
 * and returns how many.  Whitespace and garbage are skipped. */
size_t eml_b64_dec_step(struct eml_b64_dec *s, const void *in, size_t len,
    void *out);
/* Flush a final partial group (missing padding is tolerated); writes at
 * most 3 bytes. */
size_t eml_b64_dec_finish(struct eml_b64_dec *s, void *out);
/* Which decoder the step function uses ("avx2", "ssse3", "scalar"). */
const char *eml_b64_impl(void);
/* Force the scalar path (for tests comparing the paths). */
void eml_b64_force_scalar(int on);

struct eml_b64_enc {
	unsigned char rem[3];
	unsigned nrem;
	unsigned col;
	unsigned line_len;	/* 0 = 76; larger values are clamped */
	int crlf;		/* 1: lines end in CRLF, 0: LF, -1: none */
};
void eml_b64_enc_init(struct eml_b64_enc *s, int crlf);
size_t eml_b64_enc_step(struct eml_b64_enc *s, const void *in, size_t len,
    void *out);
size_t eml_b64_enc_finish(struct eml_b64_enc *s, void *out);

struct eml_qp_dec {
	unsigned char held[80];	/* "=", "=X", or trailing whitespace */
	unsigned nheld;
	int rfc2047;		/* "_" means space (Q encoding) */
	uint64_t bad;		/* bad escapes kept literally */
};
void eml_qp_dec_init(struct eml_qp_dec *s);
size_t eml_qp_dec_step(struct eml_qp_dec *s, const void *in, size_t len,
    void *out);
size_t eml_qp_dec_finish(struct eml_qp_dec *s, void *out);

struct eml_qp_enc {
	unsigned col;
	unsigned char held;	/* pending whitespace or CR */
	int has_held;
	int crlf;		/* output line ends: 1 CRLF, 0 LF */
	int binary;		/* 1: encode CR and LF too */
};
void eml_qp_enc_init(struct eml_qp_enc *s, int crlf, int binary);
size_t eml_qp_enc_step(struct eml_qp_enc *s, const void *in, size_t len,
    void *out);
size_t eml_qp_enc_finish(struct eml_qp_enc *s, void *out);

/* uuencode.  The decoder takes text line by line and finds
 * "begin MODE NAME" ... "end" blocks anywhere in it (as munpack does),
 * decoding their lines to out; text outside blocks is ignored. */
struct eml_uu_dec {
	int state;		/* 0 looking for begin, 1 in block, 2 done */
	char line[256];		/* partial line held across steps */
	unsigned nline;
	int overflow;		/* current line longer than line[] */
	char name[256];		/* file name from the begin line */
	unsigned mode;
	unsigned blocks;	/* blocks begun */
	int truncated;		/* input ended inside a block */
};
#define EML_UU_DECODED_MAX(n)	((n) + 256)
void eml_uu_dec_init(struct eml_uu_dec *s);
size_t eml_uu_dec_step(struct eml_uu_dec *s, const void *in, size_t len,
    void *out);
size_t eml_uu_dec_finish(struct eml_uu_dec *s, void *out);
/* Encode data as a whole uuencode block ("begin 644 name" ... "end"). */
int eml_uu_encode(const char *name, unsigned mode, const void *in,
    size_t len, const char *eol, struct eml_buf *out);

/* Whole-buffer helpers over the step functions, appending to out. */
int eml_b64_decode(const void *in, size_t len, struct eml_buf *out);
int eml_b64_encode(const void *in, size_t len, int crlf, struct eml_buf *out);
int eml_qp_decode(const void *in, size_t len, struct eml_buf *out);
int eml_qp_encode(const void *in, size_t len, int crlf, struct eml_buf *out);

/* Transfer decoder for any CTE: one state for the parser and tools. */
struct eml_decoder {
	enum eml_cte cte;
	union {
		struct eml_b64_dec b64;
		struct eml_qp_dec qp;
		struct eml_uu_dec uu;
	} u;
};
void eml_decoder_init(struct eml_decoder *d, enum eml_cte cte);
/* Worst-case output for len input bytes. */
size_t eml_decoder_max(const struct eml_decoder *d, size_t len);
size_t eml_decoder_step(struct eml_decoder *d, const void *in, size_t len,
    void *out);
/* Flush the end of the input; writes at most 64 bytes. */
size_t eml_decoder_finish(struct eml_decoder *d, void *out);
/* Decode a whole buffer in transfer encoding cte, appending to out (the
 * appended bytes are NUL-terminated).  Returns EML_OK, EML_ENOMEM or
 * EML_ELIMIT (out->max; out is then left as it was). */
int eml_decode(enum eml_cte cte, const void *in, size_t len,
    struct eml_buf *out);

/* ------------------------------------------------------------------ */
/* Structured fields: addresses, dates, message-ids.                   */

struct eml_addr {
	char *name;		/* display name, UTF-8, NULL if none */
	char *email;		/* addr-spec "local@domain", NULL if none */
	char *group;		/* group name this address is in, or NULL */
};

struct eml_addrlist {
	struct eml_addr *v;
	size_t n;
	struct eml_defects defects;	/* codes seen */
};

#define EML_MAX_ADDRS 10000	/* per field; more are dropped */

/* Parse an address-list / mailbox-list value (raw, possibly folded, with
 * encoded-words and raw 8-bit) leniently: groups, comments, quoted local
 * parts, obsolete routes, unquoted commas or dots in display names,
 * missing angle brackets.  l must be zeroed.  Returns EML_OK/EML_ENOMEM.
 * An empty group ("undisclosed-recipients:;") gives one entry with only
 * group set; a comment is the name only when there is no phrase. */
int eml_addr_parse(const char *v, size_t len, const char *fallback,
    struct eml_addrlist *l);
void eml_addr_free(struct eml_addrlist *l);

struct eml_date {
	time_t utc;		/* seconds since the epoch, UTC */
	int offset;		/* zone offset in minutes east of UTC */
	int lenient;		/* 1 if an obsolete or broken form was used */
};

/* Parse an RFC 5322 date-time leniently (obsolete zones, 2-digit years,
 * missing day name or seconds, common broken forms).  Returns EML_OK or
 * EML_EFORMAT if nothing usable was found. */
int eml_date_parse(const char *v, size_t len, struct eml_date *d);
/* Format as RFC 3339 ("2026-11-26T14:40:53+01:00") into buf (>= 26). */
void eml_date_rfc3339(const struct eml_date *d, char buf[32]);
/* Format as RFC 5322 ("Thu, 26 Nov 2026 14:40:53 +0100") into buf. */
void eml_date_rfc5322(const struct eml_date *d, char buf[40]);

struct eml_idlist {
	char **v;		/* ids without angle brackets */
	size_t n;
	struct eml_defects defects;	/* codes seen */
};
/* Parse a Message-ID / In-Reply-To / References value.  l must be
 * zeroed.  Lenient: ids without brackets, comments, phrases between. */
int eml_msgid_parse(const char *v, size_t len, struct eml_idlist *l);
void eml_msgid_free(struct eml_idlist *l);

/* ------------------------------------------------------------------ */
/* Writer: serialising and building messages.                           */

/* Serialise msg exactly as parsed (byte-identical to the input when it
 * was not modified).  Appends to out. */
int eml_msg_write(const struct eml_msg *msg, struct eml_buf *out);

/* A message under construction.  Headers are kept in order; parts are a
 * tree.  All strings are copied in. */
struct eml_build;
struct eml_build *eml_build_new(void);
void eml_build_free(struct eml_build *b);
/* Start from a parsed message: its headers and top-level parts are
 * copied so that serialising without edits gives msg's bytes. */
struct eml_build *eml_build_from_msg(const struct eml_msg *msg);
/* Set header name to the UTF-8 value (replacing all fields of that name,
 * or appended if none); encoded and folded at 78 columns on output.
 * Names must be printable ASCII without ':' or space, values UTF-8
 * without CR or LF: else EML_EINVAL.  On new bodies Content-Type and
 * Content-Transfer-Encoding belong to the builder (EML_EINVAL). */
int eml_build_set_header(struct eml_build *b, const char *name,
    const char *utf8);
/* Append one more field of that name. */
int eml_build_add_header(struct eml_build *b, const char *name,
    const char *utf8);
/* Remove all fields named name; returns how many were removed. */
int eml_build_remove_header(struct eml_build *b, const char *name);
/* Set the text body (UTF-8); subtype "plain" or "html". */
int eml_build_set_text(struct eml_build *b, const char *subtype,
    const char *utf8, size_t len);
/* Add an attachment with content type ctype (NULL = guess from name:
 * application/octet-stream), file name (UTF-8, RFC 2231 when needed) and
 * data.  The message becomes multipart/mixed if it was not. */
int eml_build_attach(struct eml_build *b, const char *ctype,
    const char *filename, const void *data, size_t len);
/* Serialise with eol "\r\n" or "\n": bodies get base64 or QP as needed
 * with lines under 76 columns, boundaries that cannot occur in the
 * content.  A build from a parsed message keeps that message's own line
 * ends (its raw bytes cannot change).  Appends to out; on error out is
 * left as it was.  Returns EML_OK, EML_EINVAL, EML_ENOMEM, EML_ELIMIT. */
int eml_build_write(const struct eml_build *b, const char *eol,
    struct eml_buf *out);

/* ------------------------------------------------------------------ */
/* Input: files, pipes, gzip, mmap; mailbox formats.                   */

struct eml_input;
/* Open path ("-" or NULL = stdin).  gzip input (by magic bytes) is
 * decompressed transparently.  Returns EML_OK and *in_r, or EML_EIO with
 * errno set, or EML_ENOMEM. */
int eml_input_open(const char *path, struct eml_input **in_r);
/* Wrap an open descriptor (not closed by _close unless own is set). */
int eml_input_fd(int fd, int own, struct eml_input **in_r);
/* Read up to len bytes; returns bytes read, 0 at EOF, or EML_EIO. */
long eml_input_read(struct eml_input *in, void *buf, size_t len);
/* Peek at the first bytes without consuming them (up to 4096). */
long eml_input_peek(struct eml_input *in, void *buf, size_t len);
/* Whole input: mmap'd for plain regular files, else read into memory.
 * *buf_r stays valid until _close. */
int eml_input_slurp(struct eml_input *in, const char **buf_r, size_t *len_r);
int eml_input_is_gzip(const struct eml_input *in);
/* Modification time of the input's file (a Maildir message's delivery
 * time).  Returns EML_OK or EML_EIO. */
int eml_input_mtime(const struct eml_input *in, time_t *t_r);
void eml_input_close(struct eml_input *in);

/* mbox splitter: push bytes, pull messages as byte slices.  "From " lines
 * start messages (mboxo; with EML_MBOX_RD, ">From " unquoting of mboxrd
 * is applied to the message bytes).  The message bytes exclude the
 * separator line and the blank line before the next "From " (or before
 * the end of the input), so what eml_mbox_write wrote reads back as it
 * was.  Bytes before the first "From " line belong to no message. */
enum { EML_MBOX_RD = 1 };
struct eml_mbox;
struct eml_mbox *eml_mbox_new(unsigned flags);
void eml_mbox_free(struct eml_mbox *m);
int eml_mbox_feed(struct eml_mbox *m, const void *buf, size_t len);
int eml_mbox_finish(struct eml_mbox *m);

enum eml_mbox_ev_type {
	EML_MBOX_BEGIN = 1,	/* a message starts; from_line is its separator */
	EML_MBOX_DATA,		/* bytes of the current message */
	EML_MBOX_END		/* the current message ended */
};
struct eml_mbox_event {
	enum eml_mbox_ev_type type;
	const char *data;	/* DATA: bytes; BEGIN: the "From " line */
	size_t len;
	uint64_t offset;	/* input offset of data[0] */
	unsigned long index;	/* 1-based message number */
};
/* Next event: 1, 0 (need more input), <0 error.  Same rules as the
 * parser: data points into the fed buffer or the splitter's own. */
int eml_mbox_next(struct eml_mbox *m, struct eml_mbox_event *ev);
/* 1 if buf starts like an mbox ("From " line). */
int eml_mbox_sniff(const void *buf, size_t len);
/* Time of an mbox From_ line ("From a@b Tue Dec  1 08:00:00 2026"), read
 * as UTC.  Returns EML_OK and *t_r, or EML_EFORMAT when the line has no
 * date this recognises. */
int eml_mbox_from_time(const char *line, size_t len, time_t *t_r);
/* Quote a message for mboxrd (">From " -> ">>From ", "From " -> ">From ")
 * with a separator line; appends to out. */
int eml_mbox_write(const char *from_line, const void *msg, size_t len,
    struct eml_buf *out);

/* Maildir. */
/* Deliver msg into dir/tmp then link into dir/new with a unique name
 * (created folders cur, new, tmp if create is set).  The file name
 * (without folder) is written to name_r (caller frees) if not NULL. */
int eml_maildir_deliver(const char *dir, const void *msg, size_t len,
    int create, char **name_r);
/* List message files in dir/new and dir/cur, sorted by name; caller
 * frees each path and the array with eml_maildir_list_free. */
int eml_maildir_list(const char *dir, char ***paths_r, size_t *n_r);
void eml_maildir_list_free(char **paths, size_t n);
/* 1 if dir looks like a Maildir to read (has cur/ and new/). */
int eml_maildir_is(const char *dir);

/* ------------------------------------------------------------------ */
/* JSON writer, used by the tools.                                     */

struct eml_json {
	struct eml_buf *out;
	int pretty;
	unsigned depth;
	unsigned char first[64];	/* per level: no comma yet */
	int after_key;
};
void eml_json_init(struct eml_json *j, struct eml_buf *out, int pretty);
int eml_json_obj_begin(struct eml_json *j);
int eml_json_obj_end(struct eml_json *j);
int eml_json_arr_begin(struct eml_json *j);
int eml_json_arr_end(struct eml_json *j);
int eml_json_key(struct eml_json *j, const char *key);
/* A string value; invalid UTF-8 becomes U+FFFD, controls are escaped. */
int eml_json_str(struct eml_json *j, const char *s, size_t len);
int eml_json_cstr(struct eml_json *j, const char *s);	/* NULL = null */
int eml_json_int(struct eml_json *j, int64_t v);
int eml_json_bool(struct eml_json *j, int v);
int eml_json_null(struct eml_json *j);

/* SHA-256 (for part digests), small and dependency-free. */
struct eml_sha256 {
	uint32_t h[8];
	uint64_t n;
	unsigned char buf[64];
	unsigned nbuf;
};
void eml_sha256_init(struct eml_sha256 *s);
void eml_sha256_update(struct eml_sha256 *s, const void *p, size_t len);
void eml_sha256_final(struct eml_sha256 *s, unsigned char out[32]);
/* Lower-case hex of the digest into hex[65]. */
void eml_sha256_hex(const unsigned char d[32], char hex[65]);

#ifdef __cplusplus
}
#endif
#endif /* EML_H */
