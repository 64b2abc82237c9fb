/*
 * diag.c - names, texts and severities of the diagnostic codes.  Names are
 * stable: eml-lint prints them and users grep for them.  This is the one
 * severity table: docs/LENIENCY.md lists every code with the same
 * severity, and tests/check_diag.c fails when the two disagree.
 */
#include "eml_priv.h"

static const struct {
	const char *name;
	enum eml_severity sev;
	const char *text;
} diags[EML_D__COUNT] = {
	[EML_D_NONE] = { "none", EML_SEV_INFO, "no problem" },
	[EML_D_NO_HEADER_END] = { "no-header-end", EML_SEV_WARN,
	    "headers run to EOF, no blank line" },
	[EML_D_HEADER_NO_COLON] = { "header-no-colon", EML_SEV_CRIT,
	    "header line without a colon" },
	[EML_D_HEADER_BAD_NAME] = { "header-bad-name", EML_SEV_CRIT,
	    "empty name or bytes outside ftext" },
	[EML_D_HEADER_SPACE_BEFORE_COLON] = { "header-space-before-colon", EML_SEV_WARN,
	    "\"Subject : x\" (obsolete)" },
	[EML_D_HEADER_NUL] = { "header-nul", EML_SEV_CRIT,
	    "NUL byte in a header" },
	[EML_D_HEADER_8BIT] = { "header-8bit", EML_SEV_WARN,
	    "unencoded 8-bit, not valid UTF-8" },
	[EML_D_HEADER_TOO_LONG] = { "header-too-long", EML_SEV_CRIT,
	    "field over max_header_bytes" },
	[EML_D_HEADER_LINE_LONG] = { "header-line-long", EML_SEV_WARN,
	    "line over 998 octets (5322 2.1.1)" },
	[EML_D_HEADERS_TOO_MANY] = { "headers-too-many", EML_SEV_CRIT,
	    "over max_headers fields" },
	[EML_D_HEADER_BLOCK_TOO_LONG] = { "header-block-too-long", EML_SEV_CRIT,
	    "header block over its budget" },
	[EML_D_BARE_CR] = { "bare-cr", EML_SEV_WARN,
	    "CR not followed by LF" },
	[EML_D_MIXED_EOL] = { "mixed-eol", EML_SEV_INFO,
	    "LF and CRLF in one message" },
	[EML_D_LEADING_BLANK] = { "leading-blank", EML_SEV_INFO,
	    "message starts with blank line or WSP" },
	[EML_D_MULTIPART_NO_BOUNDARY] = { "multipart-no-boundary", EML_SEV_CRIT,
	    "multipart without boundary=" },
	[EML_D_BOUNDARY_NOT_FOUND] = { "boundary-not-found", EML_SEV_CRIT,
	    "no delimiter line in the body" },
	[EML_D_MISSING_CLOSE_DELIM] = { "missing-close-delim", EML_SEV_WARN,
	    "\"--b--\" never seen, ended at EOF" },
	[EML_D_BOUNDARY_TOO_LONG] = { "boundary-too-long", EML_SEV_CRIT,
	    "boundary over 70 chars" },
	[EML_D_BOUNDARY_BAD_CHARS] = { "boundary-bad-chars", EML_SEV_WARN,
	    "boundary outside bchars" },
	[EML_D_CONFLICTING_HEADER] = { "conflicting-header", EML_SEV_CRIT,
	    "two Content-Type etc., first wins" },
	[EML_D_CONFLICTING_PARAM] = { "conflicting-param", EML_SEV_CRIT,
	    "a parameter given twice" },
	[EML_D_DEPTH_LIMIT] = { "depth-limit", EML_SEV_CRIT,
	    "nesting over max_depth: opaque" },
	[EML_D_PARTS_LIMIT] = { "parts-limit", EML_SEV_CRIT,
	    "over max_parts: rest is body" },
	[EML_D_PART_NO_HEADERS] = { "part-no-headers", EML_SEV_CRIT,
	    "part with no headers and no body" },
	[EML_D_CTE_UNKNOWN] = { "cte-unknown", EML_SEV_WARN,
	    "unknown Content-Transfer-Encoding" },
	[EML_D_CTE_ON_COMPOSITE] = { "cte-on-composite", EML_SEV_CRIT,
	    "base64/QP on multipart or message" },
	[EML_D_CTYPE_INVALID] = { "ctype-invalid", EML_SEV_CRIT,
	    "unparsable Content-Type" },
	[EML_D_NO_MIME_VERSION] = { "no-mime-version", EML_SEV_INFO,
	    "MIME headers but no MIME-Version" },
	[EML_D_B64_GARBAGE] = { "b64-garbage", EML_SEV_WARN,
	    "non-alphabet bytes in base64" },
	[EML_D_B64_PADDING] = { "b64-padding", EML_SEV_WARN,
	    "missing or misplaced '='" },
	[EML_D_QP_BAD_ESCAPE] = { "qp-bad-escape", EML_SEV_WARN,
	    "\"=\" not followed by 2 hex digits" },
	[EML_D_QP_LINE_LONG] = { "qp-line-long", EML_SEV_WARN,
	    "encoded line over 76 chars" },
	[EML_D_8BIT_IN_7BIT] = { "8bit-in-7bit", EML_SEV_WARN,
	    "8-bit bytes in a 7bit body" },
	[EML_D_UU_TRUNCATED] = { "uu-truncated", EML_SEV_WARN,
	    "uuencode block without \"end\"" },
	[EML_D_RFC2047_INVALID] = { "rfc2047-invalid", EML_SEV_WARN,
	    "malformed encoded-word kept literal" },
	[EML_D_RFC2047_LENIENT] = { "rfc2047-lenient", EML_SEV_INFO,
	    "encoded-word decoded leniently" },
	[EML_D_RFC2231_INVALID] = { "rfc2231-invalid", EML_SEV_CRIT,
	    "bad continuation / gap / dup" },
	[EML_D_CHARSET_UNKNOWN] = { "charset-unknown", EML_SEV_INFO,
	    "unknown charset, fallback used" },
	[EML_D_CHARSET_INVALID] = { "charset-invalid", EML_SEV_WARN,
	    "bytes invalid in charset, U+FFFD" },
	[EML_D_ADDR_INVALID] = { "addr-invalid", EML_SEV_WARN,
	    "address list parsed best-effort" },
	[EML_D_DATE_INVALID] = { "date-invalid", EML_SEV_WARN,
	    "date unparsable" },
	[EML_D_DATE_LENIENT] = { "date-lenient", EML_SEV_INFO,
	    "date parsed with obsolete/broken form" },
	[EML_D_MSGID_INVALID] = { "msgid-invalid", EML_SEV_WARN,
	    "message-id list malformed" },
	[EML_D_MBOX_FROM_UNQUOTED] = { "mbox-from-unquoted", EML_SEV_INFO,
	    "\"From \" in body of an mboxo" },
	[EML_D_TRUNCATED] = { "truncated", EML_SEV_CRIT,
	    "input ended inside a structure" },
	[EML_D_NUL_IN_BODY] = { "nul-in-body", EML_SEV_CRIT,
	    "NUL byte in a text body" },
	[EML_D_BOM] = { "bom", EML_SEV_WARN,
	    "UTF-8 byte order mark before the headers, skipped" },
	[EML_D_B64_TRAILING_TEXT] = { "b64-trailing-text", EML_SEV_WARN,
	    "text after the end of the base64 data, not decoded" },
	[EML_D_EMPTY_PART] = { "empty-part", EML_SEV_WARN,
	    "delimiter line right after a delimiter line" },
	[EML_D_PART_LEADING_WSP] = { "part-leading-wsp", EML_SEV_CRIT,
	    "a part's header block starts with whitespace" },
	[EML_D_BOUNDARY_PADDING_LONG] = { "boundary-padding-long", EML_SEV_CRIT,
	    "long transport padding after a delimiter" },
	[EML_D_BOUNDARY_DASH_END] = { "boundary-dash-end", EML_SEV_CRIT,
	    "boundary ends in '-': delimiters look like close delimiters" },
	[EML_D_CLOSE_DELIM_SUFFIX] = { "close-delim-suffix", EML_SEV_CRIT,
	    "text after a close delimiter (\"--b--x\")" },
	[EML_D_HEADER_EMPTY_NAME] = { "header-empty-name", EML_SEV_CRIT,
	    "field with an empty name (\": x\")" },
	[EML_D_PARAM_TRAILING_JUNK] = { "param-trailing-junk", EML_SEV_CRIT,
	    "text after a quoted parameter value" },
	[EML_D_ADDR_SPOOF] = { "addr-spoof", EML_SEV_CRIT,
	    "several addresses where one is shown (\"<a@x> <b@y>\")" },
	[EML_D_ADDR_CONTROL] = { "addr-control", EML_SEV_CRIT,
	    "CR, LF, NUL or markup in an address" },
	[EML_D_ADDR_OBS_ROUTE] = { "addr-obs-route", EML_SEV_INFO,
	    "obsolete route in an address (\"<@r:u@d>\")" },
	/* lint.c: message-level checks */
	[EML_D_FROM_MISSING] = { "from-missing", EML_SEV_CRIT,
	    "no From field (RFC 5322 3.6 requires one)" },
	[EML_D_DATE_MISSING] = { "date-missing", EML_SEV_CRIT,
	    "no Date field (RFC 5322 3.6 requires one)" },
	[EML_D_MSGID_MISSING] = { "msgid-missing", EML_SEV_WARN,
	    "no Message-ID field (RFC 5322 3.6.4: SHOULD have one)" },
	[EML_D_SUBJECT_MISSING] = { "subject-missing", EML_SEV_INFO,
	    "no Subject field" },
	[EML_D_HEADER_DUPLICATE] = { "header-duplicate", EML_SEV_CRIT,
	    "a field RFC 5322 3.6 allows once appears again" },
	[EML_D_BODY_LINE_LONG] = { "body-line-long", EML_SEV_WARN,
	    "body line over 998 octets (RFC 5321 4.5.3.1.6)" },
	[EML_D_BOUNDARY_PREFIX] = { "boundary-prefix", EML_SEV_CRIT,
	    "boundary is a prefix of an enclosing one's or the reverse "
	    "(RFC 2046 5.1.1)" },
	[EML_D_BOUNDARY_IN_CONTENT] = { "boundary-in-content", EML_SEV_CRIT,
	    "a line of a part starts with an enclosing boundary "
	    "(RFC 2046 5.1.1)" },
};

const char *
eml_diag_name(enum eml_diag_code code)
{
	return (unsigned)code < EML_D__COUNT ? diags[code].name : "unknown";
}

const char *
eml_diag_text(enum eml_diag_code code)
{
	return (unsigned)code < EML_D__COUNT ? diags[code].text : "unknown";
}

enum eml_severity
eml_diag_severity(enum eml_diag_code code)
{
	return (unsigned)code < EML_D__COUNT ? diags[code].sev : EML_SEV_WARN;
}
