/*
 * fieldcheck.c - the defects inside header values, as one function the
 * parser's header hook calls, so that every value the parser or the tree
 * reads turns its defects into diagnostics of the message (issue 6, 3):
 * Content-Type and Content-Disposition parameters (RFC 2231 gaps, junk
 * after quoted values, raw 8-bit, RFC 2047 in values), and in message
 * headers the address fields, Date, the message-id fields and the
 * RFC 2047 words of Subject.
 *
 * Each value is parsed once by the module that owns its syntax; nothing
 * here re-implements a grammar.  Work is linear in the value (every
 * parser used is) and values over EMLI_FIELDCHECK_MAX are not checked at
 * all, so hostile headers cost no more than the parser's own limits.
 */
#include <stdlib.h>

#include "eml_priv.h"

enum kind { K_NONE, K_CTYPE, K_CDISP, K_ADDR, K_DATE, K_MSGID, K_TEXT };

static const struct {
	const char *name;
	size_t len;
	enum kind kind;
	int message_only;	/* only in a message header, not a part's */
} fields[] = {
	{ "content-type", 12, K_CTYPE, 0 },
	{ "content-disposition", 19, K_CDISP, 0 },
	/* RFC 5322 3.6.2, 3.6.3; 3.6.6 the same fields resent */
	{ "from", 4, K_ADDR, 1 },
	{ "sender", 6, K_ADDR, 1 },
	{ "reply-to", 8, K_ADDR, 1 },
	{ "to", 2, K_ADDR, 1 },
	{ "cc", 2, K_ADDR, 1 },
	{ "bcc", 3, K_ADDR, 1 },
	{ "resent-from", 11, K_ADDR, 1 },
	{ "resent-sender", 13, K_ADDR, 1 },
	{ "resent-to", 9, K_ADDR, 1 },
	{ "resent-cc", 9, K_ADDR, 1 },
	{ "resent-bcc", 10, K_ADDR, 1 },
	/* 3.6.1, 3.6.6 */
	{ "date", 4, K_DATE, 1 },
	{ "resent-date", 11, K_DATE, 1 },
	/* 3.6.4 */
	{ "message-id", 10, K_MSGID, 1 },
	{ "in-reply-to", 11, K_MSGID, 1 },
	{ "references", 10, K_MSGID, 1 },
	{ "resent-message-id", 17, K_MSGID, 1 },
	/* 3.6.5, RFC 2047 words */
	{ "subject", 7, K_TEXT, 1 },
	{ "comments", 8, K_TEXT, 1 },
};

int
emli_field_check(const char *name, size_t nlen, const char *v, size_t vlen,
    const char *fallback, unsigned flags, struct eml_defects *d)
{
	enum kind kind = K_NONE;
	size_t i;
	int r = EML_OK;

	memset(d, 0, sizeof(*d));
	if (name == NULL || v == NULL || vlen > EMLI_FIELDCHECK_MAX ||
	    nlen < 2 || nlen > 19 || strchr("cfsrtbdmiCFSRTBDMI", *name) ==
	    NULL)
		return EML_OK;	/* most fields: one look at the name */
	for (i = 0; i < EMLI_NELEM(fields); i++) {
		if (fields[i].len == nlen &&
		    strncasecmp(name, fields[i].name, nlen) == 0) {
			if (!fields[i].message_only ||
			    (flags & EMLI_FC_MESSAGE))
				kind = fields[i].kind;
			break;
		}
	}
	switch (kind) {
	case K_NONE:
		break;
	case K_CTYPE:
	case K_CDISP: {
		struct eml_ctype ct;

		r = kind == K_CTYPE ? eml_ctype_parse(v, vlen, &ct) :
		    eml_disposition_parse(v, vlen, &ct);
		if (r == EML_OK)
			eml_defects_or(d, &ct.params.defects);
		eml_ctype_free(&ct);
		break;
	}
	case K_ADDR: {
		struct eml_addrlist l = { 0 };

		if ((r = eml_addr_parse(v, vlen, fallback, &l)) == EML_OK)
			eml_defects_or(d, &l.defects);
		eml_addr_free(&l);
		break;
	}
	case K_DATE: {
		struct eml_date dt;

		(void)eml_date_parse(v, vlen, &dt);
		eml_defects_or(d, &dt.defects);
		break;
	}
	case K_MSGID: {
		struct eml_idlist l = { 0 };

		if ((r = eml_msgid_parse(v, vlen, &l)) == EML_OK)
			eml_defects_or(d, &l.defects);
		eml_msgid_free(&l);
		break;
	}
	case K_TEXT: {
		struct eml_buf out = { 0 };

		/* eml_hdr_decode finds defects only at "=?", 8-bit bytes,
		 * NUL and ESC (raw ISO-2022-JP): text without any of them
		 * has none, and most subjects are such text */
		for (i = 0; i < vlen; i++) {
			unsigned char ch = (unsigned char)v[i];

			if (ch >= 0x80 || ch == '\0' || ch == 0x1B ||
			    (ch == '=' && i + 1 < vlen && v[i + 1] == '?'))
				break;
		}
		if (i == vlen)
			break;

		out.max = vlen * 4 + 64;
		r = eml_hdr_decode(v, vlen, fallback, &out, d);
		eml_buf_free(&out);
		break;
	}
	}
	if (r == EML_ELIMIT)
		r = EML_OK;	/* cannot happen: out.max is the worst case */
	return r;
}
