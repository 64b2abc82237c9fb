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
	EML_EEXIST = -7,	/* target exists (never overwritten) */
	EML_ENOTSUP = -8	/* a facility is missing: libcrypto for SHA-256 */
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
	/* Message-level checks (lint.c, eml_lint_*): only the whole
	 * message shows them; the parser never reports these. */
	EML_D_FROM_MISSING,		/* no From: (RFC 5322 3.6) */
	EML_D_DATE_MISSING,		/* no Date: (RFC 5322 3.6) */
	EML_D_MSGID_MISSING,		/* no Message-ID: (SHOULD, 3.6.4) */
	EML_D_SUBJECT_MISSING,		/* no Subject: */
	EML_D_HEADER_DUPLICATE,		/* a field 3.6 allows once, twice */
	EML_D_BODY_LINE_LONG,		/* body line over 998 (5321 4.5.3.1.6) */
	EML_D_BOUNDARY_PREFIX,		/* nested boundary prefix of another */
	EML_D_BOUNDARY_IN_CONTENT,	/* "--outer..." line inside a part */
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
	uint64_t msg_offset;	/* offset of the message itself in the
				 * input (eml_parser_set_origin), so an
				 * mbox reader can tell messages apart */
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
#define EML_DEFAULT_MAX_BOUNDARY	998	/* longest boundary accepted */

enum eml_parse_flags {
	EML_PARSE_DECODE = 1 << 0,	/* BODY events carry decoded data */
	EML_PARSE_STRICT_MIME = 1 << 1,	/* need MIME-Version for MIME */
	EML_PARSE_NO_UUENCODE = 1 << 2,	/* don't look for uuencode blocks */
	EML_PARSE_MBOXRD = 1 << 3,	/* not used by the parser itself */
	/* Don't parse header values for their defects (addresses, dates,
	 * message-ids, encoded-words): for callers that want no
	 * diagnostics of them, such as header-only tools; the MIME fields
	 * are still parsed. */
	EML_PARSE_NO_FIELD_CHECK = 1 << 4,
	/* For callers that read only the fields of the top header block
	 * and stop at its HEADERS_END (eml-hdr, eml-grep -h): the
	 * Content-* fields are not interpreted, so the message is one
	 * text/plain leaf whatever it declares, and neither the fields
	 * nor their lines are checked (no diagnostics of them).  The
	 * HEADER events are the same as without the flag. */
	EML_PARSE_HEADERS_ONLY = 1 << 5,
	/* Don't scan body bytes for their defects (line lengths, bare CR,
	 * NUL, 8-bit data in 7bit, QP and base64 syntax, uuencode ends):
	 * for callers that want no body diagnostics, such as a listing of
	 * parts.  Structure and decoding are the same. */
	EML_PARSE_NO_BODY_CHECK = 1 << 6
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
	size_t max_boundary;		/* 0 = EML_DEFAULT_MAX_BOUNDARY; a
					 * longer boundary= makes the multipart
					 * one leaf (boundary-too-long) */
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
 * are N.1, N.2.  Final at HEADERS_END.
 *
 * A "begin MODE NAME" ... "end" uuencode block in a text/plain body (7bit,
 * 8bit or binary; not with EML_PARSE_NO_UUENCODE) is a part of its own,
 * child of the text part S, numbered S.u1, S.u2 (not IMAP sections: IMAP
 * knows no parts inside a text body).  In the stream its BODY events hold
 * the block's bytes, from the begin line to the end line, so the raw
 * slices still tile the input and the text part's BODY events are the text
 * around it; it has no header fields (HEADERS_END with empty raw).  In the
 * tree it is a child node whose bytes are also in its parent's body (the
 * body IMAP shows); eml_msg_write writes them once.  It has
 * is_uu_block, cte EML_CTE_UUENCODE, type application/octet-stream,
 * disposition "attachment" and filename NAME. */
struct eml_part {
	const struct eml_part *parent;	/* NULL for the message itself */
	unsigned depth;			/* 0 for the message */
	char section[256];		/* IMAP section (final at HEADERS_END) */
	char ctype[128];		/* "text/plain" (lower-case) */
	char charset[64];		/* lower-case, "" if none */
	const char *boundary;		/* multipart only, else ""; whole,
					 * NUL-terminated, owned like the part */
	size_t boundary_len;
	char disposition[16];		/* "attachment", "inline", "" if none
					 * (lower-case, cut at 15 bytes) */
	char filename[256];		/* Content-Disposition filename*, then
					 * filename, then Content-Type name:
					 * UTF-8, cut at a character, "" */
	enum eml_cte cte;
	int is_multipart;		/* multipart/x with a boundary */
	int is_message;			/* message/rfc822, message/global */
	int is_attachment;		/* C-D attachment or has a filename */
	int is_uu_block;		/* a uuencode block inside a text/plain
					 * body (section S.uN of its part S):
					 * its bytes [offset, end_offset) are
					 * also its parent's body, so its
					 * events carry no raw bytes */
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
/* Forget the message in progress, keep options (for the next message):
 * p is then as eml_parser_new left it. */
void eml_parser_reset(struct eml_parser *p);
/* Where the next message starts in a larger input (an mbox): byte offset
 * and 1-based line of its first byte.  Call after new or reset, before
 * feeding; every offset and line in events, parts and diagnostics is then
 * one of the whole input, and diag.msg_offset is offset. */
void eml_parser_set_origin(struct eml_parser *p, uint64_t offset,
    unsigned long line);
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
/* 1 if n holds a body rather than parts: no children, or only the
 * uuencode blocks found in its text (info.is_uu_block), which are leaves
 * themselves. */
int eml_node_is_leaf(const struct eml_node *n);
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
/* The plain-text preview of UTF-8 body text (RFC 8621 4.1.4), as a
 * filter (preview.c): with html set the text is first rendered by
 * eml_filter_html2text (tags, comments, <style> and <script> dropped,
 * character references decoded); then every run of white space (Unicode
 * White_Space: line ends, tabs, U+00A0 ...) becomes one space, none
 * leads or trails, controls are dropped, bytes that are not UTF-8 become
 * U+FFFD, and at most EML_PREVIEW_CHARS characters pass, never a partial
 * one; what comes after them is accepted and dropped.  Any chunking
 * gives the same preview.  NULL if out of memory (next is freed). */
struct eml_sink *eml_filter_preview(struct eml_sink *next, int html);
/* eml_filter_preview over utf8[0..len), appended to out.  Returns
 * EML_OK, EML_ENOMEM or EML_ELIMIT. */
int eml_preview(const char *utf8, size_t len, int html, struct eml_buf *out);

/* ------------------------------------------------------------------ */
/* Header field values.                                                */

/* Unfold a raw value (remove CRLF/LF before WSP) and trim surrounding
 * whitespace, appending to out. */
int eml_hdr_unfold(const char *v, size_t len, struct eml_buf *out);
/* Decode an unstructured value to UTF-8: unfold, decode RFC 2047 words
 * leniently, accept raw UTF-8 (RFC 6532) and decode other 8-bit bytes with
 * fallback, a fallback list (see eml_charset_fallback; NULL =
 * windows-1252): UTF-8 runs stay UTF-8, the rest goes through the list.
 * *defects_r (may be NULL) gets codes. */
int eml_hdr_decode(const char *v, size_t len, const char *fallback,
    struct eml_buf *out, struct eml_defects *defects_r);
/* The fallback list for msg's raw 8-bit header bytes: the charset of
 * the message's own first text part (not one inside an attached
 * message), when it is a known charset other than US-ASCII or UTF-8,
 * then deflt (NULL = "windows-1252"): "big5,windows-1252".  Pass it as
 * the fallback of eml_hdr_decode, eml_addr_parse, ...  Written to
 * buf[size]; returns EML_OK, EML_ELIMIT (too small) or EML_EINVAL. */
int eml_msg_fallback(const struct eml_msg *msg, const char *deflt,
    char *buf, size_t size);
/* Encode a UTF-8 value for a header field named name: plain when it is
 * ASCII with short enough words, else RFC 2047 words where needed, folded
 * at 78 columns with eol ("\r\n" or "\n").  Appends "Name: value" + eol. */
int eml_hdr_encode(const char *name, const char *utf8, size_t len,
    const char *eol, struct eml_buf *out);

/* Rewriting a raw header field (fold.c): f[0..len) is one field as read,
 * "Name: value" with its folds and its line end; what replaces it is
 * appended to out, with the field's own line ends. */
#define EML_FOLD_WIDTH	78	/* RFC 5322 2.1.1: lines SHOULD be <= 78 */
#define EML_LINE_MAX	998	/* RFC 5322 2.1.1: lines MUST be <= 998 */
/* Fold the lines of f longer than width (0 = EML_FOLD_WIDTH; 76 for a
 * line with an encoded-word, RFC 2047 2) by inserting a line end before
 * whitespace that is there (RFC 5322 2.2.3), so unfolding gives the same
 * value: in a structured field after a ',' or ';' where one fits, never
 * inside a quoted string, <...> or [...], nor before the value's first
 * word; unstructured fields (Subject, Comments, X-...) at any space.  A
 * line with no such place is left as it is; *long_r (may be NULL) gets
 * how many lines are still over EML_LINE_MAX.  A field within width
 * comes out byte for byte, and folding the output again changes
 * nothing.  Returns EML_OK, EML_ENOMEM or EML_ELIMIT. */
int eml_fold_field(const char *f, size_t len, size_t width,
    struct eml_buf *out, unsigned *long_r);
/* Encoded-words of f as RFC 6532 UTF-8: in unstructured fields each run
 * of words becomes its text; in address fields (From, To, Cc, ...,
 * Keywords) a run in a phrase becomes atoms, or a quoted-string when
 * the text needs one (RFC 5322 3.2.4: "Doe, John"), a run in a comment
 * its text with ( ) \ escaped, and a word inside a quoted-string stays
 * (RFC 2047 5 (3)); Content-Type and Content-Disposition parameters in
 * RFC 2231 form or with words become name="UTF-8 value".  A run is
 * decoded only when its charset is known, its bytes valid and the text
 * has no control character or "=?".  Returns 1 (rewritten, appended to
 * out), 0 (nothing to decode: out unchanged), or EML_ENOMEM/ELIMIT. */
int eml_hdr_decode_field(const char *f, size_t len, struct eml_buf *out);

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
 * bytes become U+FFFD; an unknown charset uses fallback (a fallback list
 * as for eml_charset_fallback; NULL = windows-1252) and sets *guessed_r.  Never fails but for EML_ENOMEM or
 * EML_ELIMIT. */
int eml_charset_to_utf8(const char *charset, const char *in, size_t len,
    const char *fallback, struct eml_buf *out, int *guessed_r);
/* 1 if s[0..len) is valid UTF-8. */
int eml_utf8_valid(const char *s, size_t len);
/* The number of LF bytes in s[0..len), a vector at a time where the CPU
 * allows (for line numbers counted over large inputs). */
size_t eml_count_lf(const char *s, size_t len);
/*
 * Undeclared 8-bit text (raw header bytes, an unknown charset) to UTF-8,
 * appended to out.  fallbacks is a fallback list: one charset or several
 * separated by commas ("big5,windows-1252"; NULL = "windows-1252"), and
 * every function here that takes a fallback accepts such a list.  Valid
 * UTF-8 is kept as it is (RFC 6532).  Otherwise each entry but the last
 * is tried on the whole text and taken if it converts without an error
 * (multibyte charsets like big5 are tried so even when last); the last
 * decodes the text mixed: valid UTF-8 sequences stay UTF-8, the bytes
 * around them go through that charset ("caf\xe9 \xc3\xa9" with
 * windows-1252 is "caf\u00e9 \u00e9").  Unknown entries are skipped; at
 * most 8 are tried.  Returns EML_OK, EML_ENOMEM or EML_ELIMIT.
 */
int eml_charset_fallback(const char *fallbacks, const char *in, size_t len,
    struct eml_buf *out);

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
	int bol;		/* at a line start (only blanks since LF) */
	int started;		/* an alphabet byte was seen */
	int ended;		/* the data ended: padding or a text line */
	unsigned padneed;	/* '=' still expected after the end */
	uint64_t trailing;	/* non-blank bytes after the end, not decoded */
	uint64_t badpad;	/* missing or misplaced '=' */
};
void eml_b64_dec_init(struct eml_b64_dec *s);
/* Decode len bytes; writes at most EML_B64_DECODED_MAX(len) bytes to out
 * and returns how many.  Whitespace and garbage are skipped.  The data
 * ends after the padding that completes a group, or at the first line,
 * once data has begun, whose first non-blank byte is neither alphabet nor
 * '=' (a list footer appended to the body): the rest is not decoded, its
 * non-blank bytes are counted in trailing. */
size_t eml_b64_dec_step(struct eml_b64_dec *s, const void *in, size_t len,
    void *out);
/* Flush a final partial group (missing padding is tolerated); writes at
 * most 3 bytes. */
size_t eml_b64_dec_finish(struct eml_b64_dec *s, void *out);
/* Which decoder the step function uses ("avx512vbmi", "avx2", "ssse3",
 * "scalar"). */
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
/* Output: sinks and filters.                                          */
/*
 * A sink takes bytes and can fail; a filter is a sink that transforms
 * what is written and passes the result to the sink behind it (next),
 * keeping its state across writes, so any chunking of the input gives
 * the same output.  A chain is built once (innermost sink first) and
 * written through; nothing is assembled whole in memory:
 *
 *	s = eml_filter_dotstuff(eml_filter_limit(eml_sink_fd(fd), max));
 *	if (s == NULL) ...ENOMEM...
 *	r = eml_sink_write(s, p, n);	... more writes ...
 *	r = eml_sink_close(s);		(first error of the chain)
 *
 * Errors are sticky: after a write fails, every later write returns the
 * same code (errno restored for EML_EIO) and close finishes nothing.  A
 * filter owns next: close and abort go down the chain.  A constructor
 * given next == NULL returns NULL (so nested constructors fail as one);
 * a filter constructor that fails frees next.  Sinks are not
 * thread-safe; one chain belongs to one thread at a time.
 */
struct eml_sink;

/* Write to fd with a write(2) loop (EINTR and short writes handled; no
 * buffering, so every write is on the fd when the call returns).  A
 * failed write is EML_EIO with errno (ENOSPC on a full disk, EPIPE...).
 * fd is not closed.  NULL if out of memory. */
struct eml_sink *eml_sink_fd(int fd);
/* Append to b (the caller's; not freed).  b->max is honoured: a write
 * that would pass it fails with EML_ELIMIT and appends nothing. */
struct eml_sink *eml_sink_buf(struct eml_buf *b);
/* Call write(ctx, p, n) for each write (n > 0); it returns EML_OK or a
 * negative EML_E* code, which the writer gets back.  close (may be NULL)
 * is called by eml_sink_close when no error happened before, and its
 * result is returned; it is not called after an error nor by
 * eml_sink_abort.  ctx stays the caller's. */
struct eml_sink *eml_sink_cb(int (*write)(void *ctx, const void *p,
    size_t n), int (*close)(void *ctx), void *ctx);
/* A sink that writes into parent without owning it: closing or aborting
 * it leaves parent open.  For a filter chain that ends inside a larger
 * output (one part's body in a message): build the chain on
 * eml_sink_sub(out), close the chain, go on writing to out.  A failed
 * write fails parent too (its error is sticky there as well).  parent
 * must outlive it.  NULL if out of memory or parent is NULL. */
struct eml_sink *eml_sink_sub(struct eml_sink *parent);
/* Write n bytes (n == 0 is a no-op).  Returns EML_OK or <0. */
int eml_sink_write(struct eml_sink *s, const void *p, size_t n);
/* Write a NUL-terminated string. */
int eml_sink_puts(struct eml_sink *s, const char *str);
/* Finish every filter of the chain (encoders flush their last group,
 * dot-stuffing writes ".\r\n", delivery sinks commit), free the chain.
 * Returns EML_OK or the first error of the chain; after any error the
 * sinks behind it are aborted instead (a Maildir or mbox delivery is
 * then discarded, never left half written).  NULL gives EML_EINVAL. */
int eml_sink_close(struct eml_sink *s);
/* Free the chain without finishing: delivery sinks discard what was
 * written.  NULL is a no-op. */
void eml_sink_abort(struct eml_sink *s);
/* Bytes accepted by s so far (its input side, before any transform). */
uint64_t eml_sink_bytes(const struct eml_sink *s);
/* The sticky error of s (EML_OK if none). */
int eml_sink_error(const struct eml_sink *s);

/* Filters.  Each returns NULL if out of memory (next is then freed). */

/* Base64 encode (RFC 2045 6.8): lines of line_len characters (0 = 76;
 * clamped to 4..76, a multiple of 4) ending in CRLF (crlf = 1) or LF;
 * close writes the padding and ends the last line. */
struct eml_sink *eml_filter_b64_enc(struct eml_sink *next, unsigned line_len,
    int crlf);
/* Base64 decode; whitespace and other non-alphabet bytes are skipped, a
 * final group without padding is decoded (as eml_b64_dec_step). */
struct eml_sink *eml_filter_b64_dec(struct eml_sink *next);
/* Quoted-printable encode (RFC 2045 6.7): lines of at most 76 ending in
 * CRLF or LF.  binary = 0 (text): CRLF and LF of the input are line ends
 * (written as the chosen EOL), a bare CR is =0D; binary = 1: every CR and
 * LF is encoded, so decoding gives back the bytes exactly. */
struct eml_sink *eml_filter_qp_enc(struct eml_sink *next, int crlf,
    int binary);
/* Quoted-printable decode (soft breaks removed, trailing whitespace on a
 * line deleted as RFC 2045 6.7 rule 3 says, bad escapes kept). */
struct eml_sink *eml_filter_qp_dec(struct eml_sink *next);
/* Transfer-decode any CTE (base64, QP, x-uuencode; 7bit, 8bit, binary
 * and unknown pass through), as eml_decoder_step. */
struct eml_sink *eml_filter_decode(struct eml_sink *next, enum eml_cte cte);
/* Transfer-encode: base64 (76 columns) and QP (text mode) with CRLF or
 * LF; 7bit, 8bit and binary pass the bytes through unchanged (the
 * caller chose that encoding because the data fits it); uuencode and
 * unknown give NULL with errno EINVAL (next is freed). */
struct eml_sink *eml_filter_encode(struct eml_sink *next, enum eml_cte cte,
    int crlf);
/* Convert from charset from to charset to with iconv.  from is read as
 * real mail means it (eml_charset_canon: "shift_jis" is CP932,
 * "iso-8859-1" windows-1252); to is the exact charset named when iconv
 * knows it (else its eml_charset_canon name).  A multibyte character split across writes
 * converts right.  When to is UTF-8, bytes invalid in from become U+FFFD
 * (one per invalid byte; UTF-8 input is checked by the filter itself,
 * one per maximal invalid subpart, and 5- and 6-byte forms are invalid).  When to is another charset, a character it
 * cannot hold (or input invalid in from) is an error, EML_ECHARSET: no
 * silent substitute, the caller picks a charset that can hold the text
 * (UTF-8 always can; from UTF-8 to an ISO-2022 charset an ESC in the
 * text is such a character).  Input ending inside a character is
 * EML_ECHARSET at close (U+FFFD when to is UTF-8).  Stateful charsets (ISO-2022-JP)
 * get their final shift sequence at close.  NULL with errno EINVAL if
 * either charset is unknown to iconv (next is freed). */
struct eml_sink *eml_filter_charset(struct eml_sink *next, const char *from,
    const char *to);
/* Line ends: every CRLF, bare LF and bare CR becomes CRLF (crlf = 1) or
 * LF (crlf = 0).  Idempotent: filtering twice is filtering once.  A CR
 * at the end of a write is held until the next byte or close (it may
 * be the start of a CRLF), so what next has seen before close does not
 * tell whether the last line is ended: use eml_filter_eol_end for that. */
struct eml_sink *eml_filter_eol(struct eml_sink *next, int crlf);
/* As eml_filter_eol, and close ends the last line with one line end if
 * the output is not empty and does not end in one ("a\r" gives "a\r\n",
 * "a" too, "" nothing).  Idempotent as well. */
struct eml_sink *eml_filter_eol_end(struct eml_sink *next, int crlf);
/* SMTP DATA (RFC 5321 4.5.2): line ends become CRLF as eml_filter_eol
 * does, a line starting with '.' gets one more '.', and close ends the
 * last line with CRLF (if it was not ended) and writes ".\r\n". */
struct eml_sink *eml_filter_dotstuff(struct eml_sink *next);
/* The server side of that (SMTP DATA, POP3 multi-line replies): a
 * leading '.' of a line is removed, and the line "." ends the data;
 * what follows is not passed on (see eml_filter_dotunstuff_end).  Only
 * CRLF ends a line here: a bare LF or CR is data, so "\n.\n" does not
 * end the data (SMTP smuggling).  Line ends are passed as they are.
 * close without the end line is EML_EFORMAT (the data was cut short). */
struct eml_sink *eml_filter_dotunstuff(struct eml_sink *next);
/* For an unstuffing filter: 1 once the end line was seen, with *end_r
 * (may be NULL) set to the number of bytes written into s up to and
 * including it (so the caller knows which of its bytes were past the
 * end: eml_sink_bytes(s) - *end_r); else 0. */
int eml_filter_dotunstuff_end(const struct eml_sink *s, uint64_t *end_r);
/* Pass at most max bytes: a write that would go past max fails with
 * EML_ELIMIT and passes none of its bytes (nor does any later one). */
struct eml_sink *eml_filter_limit(struct eml_sink *next, uint64_t max);
/* gzip-compress (RFC 1952; what eml_input_open reads back) at level 1..9
 * (other values: zlib's default); close writes the trailer. */
struct eml_sink *eml_filter_gzip(struct eml_sink *next, int level);
/* HTML to plain text (filter_html.c, issue 7): tags dropped, comments
 * and <script>/<style> contents dropped, block elements and <br> end a
 * line, character references decoded, white space collapsed as a
 * browser renders it (kept in <pre>).  Input is read as UTF-8 (convert
 * it first); output is always valid UTF-8 (invalid bytes become U+FFFD)
 * ending in a line end.  State is a few fixed fields: any chunking gives
 * the same output. */
struct eml_sink *eml_filter_html2text(struct eml_sink *next);

/* ------------------------------------------------------------------ */
/* Mailbox delivery: sinks that write one message into a mailbox.      */

/*
 * Maildir delivery from a stream: the message goes to dir/tmp/NAME as
 * it is written; eml_sink_close fsyncs it, links it into dir/new/NAME
 * (never replacing a file; rename where hard links are missing), removes
 * the tmp name and fsyncs dir/new.  NAME is Maildir's unique name,
 * time.M<usec>P<pid>Q<n>.host (n counts this process's deliveries; '/',
 * ':' and ',' in the host name become \057, \072, \054).  create: make
 * dir, dir/tmp, dir/new, dir/cur if missing.  After a successful close
 * *name_r (if not NULL; may stay NULL if out of memory) is NAME (caller
 * frees).  An abort, or an error anywhere in the chain, removes the tmp
 * file: new/ only gets whole messages.  NULL on error with *err_r (if not
 * NULL) EML_EINVAL, EML_ENOMEM, EML_EEXIST (no free name) or EML_EIO
 * with errno (ENOENT: no such Maildir and create not set).  A close
 * that fails after the link (fsync of new/) returns EML_EIO with the
 * message delivered: a retry may then make a duplicate, never a loss.
 */
struct eml_sink *eml_sink_maildir(const char *dir, int create,
    char **name_r, int *err_r);

/* Flags of the mbox writers (besides EML_MBOX_RD, which they ignore). */
enum {
	EML_MBOX_CRLF = 1 << 1,		/* separator line ends in CRLF */
	EML_MBOX_NO_DOTLOCK = 1 << 2	/* fcntl lock only, no PATH.lock */
};

/*
 * The mboxrd form of one message, as a filter: the separator (the first
 * line of from_line, which must start "From "; NULL = "From
 * MAILER-DAEMON <date in UTC>"), then the message with every line
 * matching ">*From " given one more '>' (the reader's EML_MBOX_RD undoes
 * it), a line end if the message lacks one, and the blank line that
 * ends a message (RFC 4155).  The final line ends are the message's own
 * (CRLF if its last line ends so), the separator's are LF unless
 * EML_MBOX_CRLF.  NULL with errno EINVAL if from_line is not a "From "
 * line, ENOMEM if out of memory (next is freed either way).
 */
struct eml_sink *eml_filter_mbox(struct eml_sink *next,
    const char *from_line, unsigned flags);
/*
 * Append one message to the mbox file path (created 0600 if missing),
 * written as eml_filter_mbox does, under a dot-lock PATH.lock (created
 * NFS-safe with link(); one older than 1024 s is stale and removed, as
 * procmail does) and an fcntl write lock on the file (as mutt and
 * procmail use both); each is tried for 2 s.  If the file does not end
 * in a blank line, line ends are added first so the new "From " line
 * starts a message.  eml_sink_close fsyncs and unlocks; eml_sink_abort,
 * or an error anywhere in the chain, truncates the file back to its old
 * size and unlocks.  NULL on error with *err_r EML_EINVAL (no path, bad
 * from_line, not a regular file), EML_ENOMEM, or EML_EIO with errno
 * (EAGAIN: still locked by someone else after 2 s).
 */
struct eml_sink *eml_sink_mbox(const char *path, const char *from_line,
    unsigned flags, int *err_r);

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
	int zone_unknown;	/* "-0000": local time, zone unknown (RFC
				 * 5322 3.3); formatted as "-00:00" */
	struct eml_defects defects; /* EML_D_DATE_LENIENT or _INVALID */
};

/* Parse an RFC 5322 date-time leniently (obsolete zones, 2-digit years,
 * missing day name or seconds, 12-hour clocks, zones without a sign,
 * common broken forms).  Returns EML_OK or EML_EFORMAT if nothing usable
 * was found; either way d->defects says what was wrong (DATE_INVALID on
 * EML_EFORMAT, DATE_LENIENT when lenient is set). */
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
/* Envelope and transport: what an SMTP client needs besides the bytes. */

#define EML_MAX_RCPTS	10000	/* recipients kept; more set ADDR_INVALID */

/*
 * Envelope recipients, collected field by field from the top-level
 * header (the HEADER events with ev.part->depth == 0, in order), so the
 * message need not be in memory.  To, Cc and Bcc give the recipients;
 * when the message has Resent- fields naming destinations, the most
 * recent Resent- block's (the first one: RFC 5322 3.6.6, blocks are
 * prepended) Resent-To, Resent-Cc and Resent-Bcc give them instead.
 * Only valid addr-specs are kept (group names and phrases are not
 * recipients), in order of first appearance, deduplicated with the
 * domain compared case-insensitively and the local part exactly (RFC
 * 5321 2.4).
 */
struct eml_rcpts;
/* New empty collector, NULL if out of memory. */
struct eml_rcpts *eml_rcpts_new(void);
/* Feed one header field (name without colon, raw value).  Fields that
 * are not address fields are used only to find where the Resent- block
 * ends.  fallback: fallback list for raw 8-bit names.  Returns EML_OK,
 * EML_ENOMEM or EML_EINVAL. */
int eml_rcpts_field(struct eml_rcpts *r, const char *name, size_t nlen,
    const char *value, size_t vlen, const char *fallback);
/* Feed every top-level field of the header block at the start of
 * buf[0..len) (a whole message or just its header; parsing stops at the
 * blank line). */
int eml_rcpts_from_header(const char *buf, size_t len, const char *fallback,
    struct eml_rcpts *r);
/* The recipients so far: *v_r[0..*n_r), strings owned by r. */
void eml_rcpts_list(const struct eml_rcpts *r, char *const **v_r,
    size_t *n_r);
/* 1 if the list comes from a Resent- block. */
int eml_rcpts_resent(const struct eml_rcpts *r);
/* Codes of the address fields seen (ADDR_INVALID, ADDR_SPOOF, ...). */
const struct eml_defects *eml_rcpts_defects(const struct eml_rcpts *r);
/* 1 if a recipient is not ASCII, so the envelope needs SMTPUTF8. */
int eml_rcpts_need_smtputf8(const struct eml_rcpts *r);
void eml_rcpts_free(struct eml_rcpts *r);

/* 1 if a top-level header field must not be sent: Bcc and Resent-Bcc
 * (RFC 5322 3.6.3).  Used while copying the parser's events to the
 * sink, dropping the raw bytes of those HEADER events (depth 0 only: a
 * Bcc in an attached message is part of that message). */
int eml_field_drop_on_send(const char *name, size_t nlen);

enum { EML_SMTP_UTF8 = 1 };	/* SMTPUTF8 was offered (RFC 6531) */
/*
 * 1 if a[0..len) is a Mailbox of RFC 5321 4.1.2, as MAIL FROM and RCPT
 * TO take it: Dot-string or Quoted-string local part of at most 64
 * octets, a domain of at most 255 octets with LDH labels (at most 63
 * each) or an IPv4 / IPv6 address literal.  CR, LF, NUL and other
 * controls are refused; non-ASCII (valid UTF-8, in atoms, quoted
 * strings and U-labels) only with EML_SMTP_UTF8.  Else 0, and *why_r
 * (may be NULL) gets a static English reason.
 */
int eml_addr_smtp_ok(const char *a, size_t len, unsigned flags,
    const char **why_r);

/* What a message needs from the server, decided from the parser's
 * events while it streams through (feed every event, in order). */
struct eml_transport {
	int smtputf8;		/* 8-bit in the top-level header: SMTPUTF8 */
	int eightbit;		/* 8-bit elsewhere: 8BITMIME (RFC 6152) */
	int binary;		/* NUL, bare CR or a line over 998 octets:
				 * BINARYMIME (RFC 3030) or re-encoding */
	uint64_t col_;		/* internal: length of the current line */
	int cr_;		/* internal: last byte was CR */
};
void eml_transport_init(struct eml_transport *t);
void eml_transport_event(struct eml_transport *t,
    const struct eml_event *ev);

/* ------------------------------------------------------------------ */
/* Safe file names.                                                    */

#define EML_FNAME_MAX	255	/* bytes; NAME_MAX of common file systems */

/*
 * Make a file name from a message (name[0..len), UTF-8 as
 * eml_node_disposition gives it; may be NULL) safe to create in a
 * directory on any platform, appending it to out (NUL-terminated):
 * - only the last path component is kept ('/' and '\' both separate);
 * - Windows' reserved characters <>:"|?* and look-alikes of the
 *   separators become '_', so do bytes that are not UTF-8;
 * - control characters, bidi embeddings, overrides and isolates,
 *   zero-width and other invisible format characters are removed;
 * - no leading '.', '-', '~' or space, no trailing '.' or space, no
 *   ".." (runs of dots become one);
 * - Windows device names (CON, NUL, COM1, LPT1, "con.txt", ...) get a
 *   leading '_';
 * - at most max bytes (0 = EML_FNAME_MAX; less than 16 is EML_EINVAL),
 *   cut at a character boundary, keeping an extension of up to 16;
 * - letters and marks of every script are kept as they are.
 * When nothing usable is left, the name is made from section and ctype:
 * "part-1.2.pdf" ("part-1.bin" without them).  Returns EML_OK,
 * EML_EINVAL, EML_ENOMEM or EML_ELIMIT (out->max; out is left as it
 * was).
 */
int eml_fname_safe(const char *name, size_t len, const char *ctype,
    const char *section, size_t max, struct eml_buf *out);
/* The content type for a file name from its extension, without regard
 * to case ("a.PDF" -> "application/pdf"), from a built-in table
 * (mimetypes.c); "application/octet-stream" when unknown.  A static
 * string. */
const char *eml_mime_type_for_name(const char *name);

/* ------------------------------------------------------------------ */
/* Writer: serialising and building messages.                           */

/* Serialise msg exactly as parsed (byte-identical to the input when it
 * was not modified).  Appends to out. */
int eml_msg_write(const struct eml_msg *msg, struct eml_buf *out);
/* The same into a sink, piece by piece (nothing is copied); out is not
 * closed.  Returns EML_OK or the sink's error. */
int eml_msg_write_sink(const struct eml_msg *msg, struct eml_sink *out);

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
/* The same with the data read from fd when the message is written: from
 * its current offset to end of file, base64-encoded as it is read, so it
 * never has to fit in memory.  fd is not closed and must stay open until
 * the write; a second write reads on from where the first stopped (for
 * a file, lseek it back first).  A message ctype (message/rfc822...) becomes
 * application/octet-stream (its body cannot be checked for 7bit/8bit
 * lines first, and RFC 2046 5.2.1 forbids base64 there).  A read error
 * makes the write fail with EML_EIO. */
int eml_build_attach_fd(struct eml_build *b, const char *ctype,
    const char *filename, int fd);
/* Serialise with eol "\r\n" or "\n": bodies get base64 or QP as needed
 * with lines under 76 columns, boundaries that cannot occur in the
 * content.  A build from a parsed message keeps that message's own line
 * ends (its raw bytes cannot change).  Appends to out; on error out is
 * left as it was.  Returns EML_OK, EML_EINVAL, EML_ENOMEM, EML_ELIMIT. */
int eml_build_write(const struct eml_build *b, const char *eol,
    struct eml_buf *out);
/* The same into a sink, written as it is encoded (attachments from
 * descriptors are read and encoded on the way): no output is held in
 * memory.  The boundary is 128 random bits after "=_emlkit_", which
 * base64 and quoted-printable output cannot contain; what goes out
 * unencoded (7bit text, message/rfc822 parts, a parsed body, file names)
 * is searched for it.  out is not closed.  On error out has a partial
 * message: abort it (eml_sink_abort discards a delivery sink).  Returns
 * EML_OK, EML_EINVAL, EML_ENOMEM, EML_ELIMIT, EML_EIO or the sink's
 * error. */
int eml_build_write_sink(const struct eml_build *b, const char *eol,
    struct eml_sink *out);

/* ------------------------------------------------------------------ */
/* Streaming edits: rules applied while copying the parser's raw       */
/* slices to a sink, so every byte no rule touches is the input's.     */
/*
 * Feed the message in any chunks; the output goes to the sink as it is
 * parsed.  Memory is bounded whatever the message size: bodies are
 * never held (a removed or replaced body is skipped as it streams, a
 * re-encoded one goes through decode, charset and encode filters); of a
 * part that a rule or the callback could address, the delimiter line
 * and the header block are held until its header ends (capped by the
 * parser's max_header_block + max_header_bytes, else EML_ELIMIT); any
 * other part streams one header field at a time.
 *
 * Sections are the parser's (struct eml_part): children of a multipart
 * are S.1, S.2, ...; a message that is not multipart has its body at
 * S.1 ("1" at the top).  Besides: "" (and "HEADER") is always the top
 * header block, "N.HEADER" (RFC 3501 6.4.5) the header of the message
 * inside message/rfc822 part N, and "N" the part N itself (not the
 * multipart message it may hold, which the parser also calls N).
 *
 * Rules are decided when a part's header ends, in the order given; the
 * first remove, replace or re-encode that addresses a part wins (the
 * callback's decision before all), header and parameter edits all
 * apply.  Sizes are not known then: a tool that strips by size parses
 * once for the sections (eml_part.raw_size) and edits by section.
 * Edits need the part's own delimiter: the message itself cannot be
 * removed or replaced, nor can the message inside a message/rfc822
 * part be removed (replace it, or remove the message/rfc822 part).
 * Strings given to the rule functions are copied; content pointers in
 * struct eml_edit_content are borrowed until eml_edit_finish.
 */
struct eml_edit;

/* What replaces a part: header fields made from ctype, disposition and
 * filename (RFC 2231 when needed; line ends as the input's), a blank
 * line, then the source encoded in cte as it is read.  With raw_entity
 * the source is a whole entity (fields, blank line, body) copied as it
 * is.  The source is data[0..len) when data is set, else fd (read to
 * EOF, not closed) when use_fd is set, else read() until it returns 0
 * (<0: an EML_E* code, which the edit returns). */
struct eml_edit_content {
	const char *ctype;	/* NULL: application/octet-stream */
	const char *disposition; /* "attachment", "inline" or NULL */
	const char *filename;	/* UTF-8 or NULL (then disposition
				 * defaults to attachment) */
	enum eml_cte cte;	/* how the body is written */
	int raw_entity;
	const void *data;
	size_t len;
	int use_fd;
	int fd;
	long (*read)(void *ctx, void *buf, size_t n);
	void *read_ctx;
};

enum eml_edit_action {
	EML_EDIT_KEEP = 0,	/* as it is (header edits still apply) */
	EML_EDIT_REMOVE,	/* part and its delimiter go */
	EML_EDIT_REPLACE,	/* header and body become content */
	EML_EDIT_REENCODE	/* leaf body to cte and/or charset */
};

/* What the callback decides for one part (zeroed, KEEP, cte -1). */
struct eml_edit_decision {
	enum eml_edit_action action;
	struct eml_edit_content content;	/* REPLACE; used at once */
	int cte;			/* REENCODE: enum eml_cte or -1 */
	const char *charset;		/* REENCODE: target or NULL */
};

/* An editor writing to out (not owned: close it after _finish).  opts
 * are the parser's (NULL = defaults; EML_PARSE_DECODE is ignored).
 * Returns NULL if out is NULL or out of memory. */
struct eml_edit *eml_edit_new(struct eml_sink *out,
    const struct eml_parser_opts *opts);
/* Free e; the sink stays open.  NULL is a no-op. */
void eml_edit_free(struct eml_edit *e);

/* Rules, before the first feed.  Each returns EML_OK, EML_EINVAL (bad
 * name, value with CR or LF), EML_ENOMEM or EML_ELIMIT (over 1024). */
/* Remove the part at section: its delimiter, header and body go, so
 * the multipart stays well-formed (it may be left with no parts). */
int eml_edit_remove(struct eml_edit *e, const char *section);
/* Replace the header and body of the part at section with c (ctype,
 * disposition and filename with CR or LF: EML_EINVAL). */
int eml_edit_replace(struct eml_edit *e, const char *section,
    const struct eml_edit_content *c);
/* Set header field name of the header block at section to utf8
 * (encoded with eml_hdr_encode): the first field of that name is
 * rewritten where it is, later ones go, and if there is none it is
 * added at the end of the block.  utf8 NULL removes every field of that
 * name.  Every other field stays byte for byte. */
int eml_edit_set_header(struct eml_edit *e, const char *section,
    const char *name, const char *utf8);
/* Set (utf8) or remove (NULL) parameter param of the first field named
 * field (Content-Type, Content-Disposition) at section.  Only the
 * parameter's bytes change: the first occurrence is rewritten in place
 * (quoted, or RFC 2231 when it needs it), other occurrences and RFC 2231
 * continuations go with their ';', a new one is appended to the value;
 * a missing field is added (Content-Type: the part's type; else
 * "attachment"). */
int eml_edit_set_param(struct eml_edit *e, const char *section,
    const char *field, const char *param, const char *utf8);
/* Re-encode the leaf body at section to cte (enum eml_cte below
 * EML_CTE_UUENCODE, -1 = keep) and/or charset (NULL = keep): decode,
 * convert, encode as it streams; Content-Transfer-Encoding and the
 * charset parameter are set to match.  QP is binary-safe (CR and LF
 * encoded) for other than text/ *.  A body in a charset iconv does not
 * know keeps its charset; an unknown target, or text the target cannot
 * hold, fails the edit (EML_ECHARSET: pick UTF-8).  No re-encoded line
 * may be a delimiter of a multipart around the part (RFC 2046 5.1.1):
 * QP output writes a line's leading '-' as =2D; bytes written as they
 * are (7bit, 8bit, binary, raw replacements) that hold such a line fail
 * the edit with EML_EFORMAT (use QP or base64). */
int eml_edit_reencode(struct eml_edit *e, const char *section, int cte,
    const char *charset);
/* SMTP without 8BITMIME (RFC 6152): every 8bit or binary leaf becomes
 * quoted-printable (text/ *) or base64 (other types), and a multipart or
 * message labelled 8bit or binary is labelled 7bit.  Headers are not
 * changed (8-bit headers need SMTPUTF8).  Declared-7bit parts are
 * trusted. */
int eml_edit_7bit(struct eml_edit *e);
/* Call decide for every part when its header ends: part is final, hdr
 * the raw header block (fields as written), *d_r zeroed with KEEP and
 * cte -1.  Return EML_OK, or <0 to stop the edit with that error. */
int eml_edit_set_callback(struct eml_edit *e,
    int (*decide)(void *ctx, const struct eml_part *part, const char *hdr,
    size_t hdr_len, struct eml_edit_decision *d_r), void *ctx);

/* Call fn for every header field of every part as it is written (after
 * the header rules): f[0..len) is the field with its line end, part the
 * part it heads (depth 0: the message's own header; its section may not
 * be final yet).  fn appends what is written instead to out and returns
 * 1, or returns 0 to keep the field, or <0 to stop the edit with that
 * error.  It does not make parts held: headers still stream. */
int eml_edit_set_field_filter(struct eml_edit *e,
    int (*fn)(void *ctx, const struct eml_part *part, const char *f,
    size_t len, struct eml_buf *out), void *ctx);

/* Feed input; writes what is decided to the sink.  Returns EML_OK or
 * <0 (sticky): the sink's error, EML_ENOMEM, EML_ELIMIT (a held header
 * block over its cap), EML_ECHARSET, EML_EFORMAT (see _reencode), the
 * callback's, or the replacement source's.  After an error the output
 * is incomplete: abort the sink (a delivery sink then discards it). */
int eml_edit_feed(struct eml_edit *e, const void *buf, size_t len);
/* Input ended: write the rest.  Does not close the sink. */
int eml_edit_finish(struct eml_edit *e);
/* Read fd to EOF through the editor, then _finish. */
int eml_edit_fd(struct eml_edit *e, int fd);
/* Parts that a rule or decision changed (removed, replaced, re-encoded
 * or with header edits) so far. */
unsigned eml_edit_applied(const struct eml_edit *e);
/* Text of the first error, owned by e. */
const char *eml_edit_errmsg(const struct eml_edit *e);

/* ------------------------------------------------------------------ */
/* Input: files, pipes, gzip, mmap; mailbox formats.                   */

struct eml_input;
/* Open path ("-" or NULL = stdin).  gzip input (by magic bytes) is
 * decompressed transparently.  A regular file whose size is known (once
 * slurped or asked for its mtime) is read up to that size, not to a
 * read(2) that returns 0.  Returns EML_OK
 * and *in_r, or EML_EIO with errno set, or EML_ENOMEM. */
int eml_input_open(const char *path, struct eml_input **in_r);
/* Wrap an open descriptor (not closed by _close unless own is set). */
int eml_input_fd(int fd, int own, struct eml_input **in_r);
/* Read up to len bytes; returns bytes read, 0 at EOF, or EML_EIO. */
long eml_input_read(struct eml_input *in, void *buf, size_t len);
/* Like _read, without the copy where it can: for a plain regular file the
 * file is mapped and *p_r points into the map, else the bytes are read
 * into buf and *p_r is buf.  The bytes stay valid until the next call on
 * in (or _close).  Returns bytes available, 0 at EOF, or EML_EIO.  A
 * plain file is read as it was when first viewed; don't mix with _slurp. */
long eml_input_view(struct eml_input *in, void *buf, size_t len,
    const char **p_r);
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
	/* END: "From " lines inside the message that do not follow a blank
	 * line, so are body text (RFC 4155), left unquoted by an mboxo
	 * writer (EML_D_MBOX_FROM_UNQUOTED); and the offset of the first. */
	unsigned long from_unquoted;
	uint64_t from_unquoted_offset;
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
 * with a separator line; appends to out (eml_filter_mbox into out, the
 * separator's line end taken from the message's last line). */
int eml_mbox_write(const char *from_line, const void *msg, size_t len,
    struct eml_buf *out);

/* Maildir. */
/* Deliver msg into dir/tmp then link into dir/new with a unique name
 * (created folders cur, new, tmp if create is set).  The file name
 * (without folder) is written to name_r (caller frees) if not NULL.
 * The whole-buffer form of eml_sink_maildir. */
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

/* SHA-256 (for part digests), computed by libcrypto (EVP), which is
 * loaded with dlopen() at the first digest of the process, so programs
 * that hash nothing never load it.  init never allocates; the first
 * update makes a context that final (or _free, to abandon a digest)
 * releases, so every init'ed and updated state must reach one of them.
 * After final the state starts a new digest. */
struct eml_sha256 {
	void *ctx;		/* EVP_MD_CTX, NULL until the first update */
	int err;		/* EML_ENOMEM or EML_ENOTSUP seen: final fails */
};
void eml_sha256_init(struct eml_sha256 *s);
void eml_sha256_update(struct eml_sha256 *s, const void *p, size_t len);
/* Write the digest of everything updated since init (or the last final)
 * to out.  Returns EML_OK, EML_ENOMEM, or EML_ENOTSUP when libcrypto
 * cannot be loaded (see eml_sha256_errmsg); out is then all zeroes. */
int eml_sha256_final(struct eml_sha256 *s, unsigned char out[32]);
/* Why SHA-256 is unavailable ("SHA-256 needs libcrypto: " and the
 * loader's reason), loading libcrypto if that was not tried yet; NULL
 * when it works.  The string is static: do not free it. */
const char *eml_sha256_errmsg(void);
/* Release an unfinished digest; the state can be init'ed again. */
void eml_sha256_free(struct eml_sha256 *s);
/* Lower-case hex of the digest into hex[65]. */
void eml_sha256_hex(const unsigned char d[32], char hex[65]);

/* ------------------------------------------------------------------ */
/* Message-level checks (lint.c): what only the whole message shows,   */
/* added to the parser's own diagnostics.  Driven by parser events, in */
/* memory bounded by the nesting depth, whatever the message size.     */

struct eml_lint;
/* Called once per finding; d (and d->section) is valid during the call
 * only.  A nonzero return stops eml_lint_event, which returns it. */
typedef int (*eml_lint_fn)(void *arg, const struct eml_diag *d);
/* max_diags caps the findings of one message (0 = EML_DEFAULT_MAX_DIAGS).
 * Returns NULL if out of memory. */
struct eml_lint *eml_lint_new(unsigned max_diags);
void eml_lint_free(struct eml_lint *l);
/* Forget the message in progress (before the next message). */
void eml_lint_reset(struct eml_lint *l);
/* Give every event of one message, in order, from PART_BEGIN of the
 * message to EML_EV_END (DIAG events are ignored: the caller has them).
 * Findings come through fn as soon as they are known: the missing fields
 * at the message's HEADERS_END, the others at the line concerned.
 * Returns EML_OK, EML_ENOMEM or what fn returned. */
int eml_lint_event(struct eml_lint *l, const struct eml_event *ev,
    eml_lint_fn fn, void *arg);
/* 1 if code is one of the message-level checks of lint.c. */
int eml_diag_is_lint(enum eml_diag_code code);

#ifdef __cplusplus
}
#endif
#endif /* EML_H */
