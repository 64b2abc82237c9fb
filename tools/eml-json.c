/*
 * eml-json - messages as JSON Lines, shaped after the JMAP Email object
 * (RFC 8621 4.1) with a few additions: transfer encoding, SHA-256 and
 * input offset per part, parser diagnostics, and flags for guessed
 * values.  docs/json-schema.md describes every field.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"

static const char usage_text[] = "eml-json [--pretty] [file ...]";

/* Deeper multipart nesting is cut in bodyStructure (the JSON writer has
 * 63 levels and each multipart takes two). */
#define MAX_STRUCT_DEPTH	24

struct ctx {
	struct eml_json j;
	struct eml_buf out;
	struct eml_buf tmp;
	const struct eml_msg *m;
	int err;			/* first JSON writer error */
	int fallback;			/* a charset was guessed */
	int lenient_date;
	struct eml_bodies bodies;	/* RFC 8621 4.1.4 selection */
};

/* Keep the first error; the message is reported as failed at the end. */
#define J(c, call) do {							\
	int r_ = (call);						\
	if (r_ != EML_OK && (c)->err == 0)				\
		(c)->err = r_;						\
} while (0)

static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Decoded text of the first field name in n into c->tmp; 0 if none. */
static int
field_text(struct ctx *c, const struct eml_node *n, const char *name)
{
	const struct eml_header *h = eml_node_header(n, name);
	struct eml_defects defects = { { 0 } };

	eml_buf_reset(&c->tmp);
	if (h == NULL)
		return 0;
	xcheck(eml_hdr_decode(h->value, h->value_len, NULL, &c->tmp,
	    &defects));
	if (eml_defects_has(&defects, EML_D_CHARSET_UNKNOWN) ||
	    eml_defects_has(&defects, EML_D_HEADER_8BIT))
		c->fallback = 1;
	return 1;
}

static void
key_text(struct ctx *c, const char *key, const struct eml_node *n,
    const char *name)
{
	J(c, eml_json_key(&c->j, key));
	if (field_text(c, n, name))
		J(c, eml_json_str(&c->j, c->tmp.data ? c->tmp.data : "",
		    c->tmp.len));
	else
		J(c, eml_json_null(&c->j));
}

static void
key_ids(struct ctx *c, const char *key, const char *name)
{
	const struct eml_header *h = eml_node_header(c->m->root, name);
	struct eml_idlist l;
	size_t i;

	J(c, eml_json_key(&c->j, key));
	memset(&l, 0, sizeof(l));
	if (h == NULL) {
		J(c, eml_json_null(&c->j));
		return;
	}
	xcheck(eml_msgid_parse(h->value, h->value_len, &l));
	if (l.n == 0) {
		J(c, eml_json_null(&c->j));
	} else {
		J(c, eml_json_arr_begin(&c->j));
		for (i = 0; i < l.n; i++)
			J(c, eml_json_cstr(&c->j, l.v[i]));
		J(c, eml_json_arr_end(&c->j));
	}
	eml_msgid_free(&l);
}

/* JMAP asAddresses: groups are flattened into their members. */
static void
key_addrs(struct ctx *c, const char *key, const char *name)
{
	const struct eml_header *h = eml_node_header(c->m->root, name);
	struct eml_addrlist l;
	size_t i;

	J(c, eml_json_key(&c->j, key));
	memset(&l, 0, sizeof(l));
	if (h == NULL) {
		J(c, eml_json_null(&c->j));
		return;
	}
	xcheck(eml_addr_parse(h->value, h->value_len, NULL, &l));
	J(c, eml_json_arr_begin(&c->j));
	for (i = 0; i < l.n; i++) {
		if (l.v[i].email == NULL && l.v[i].name == NULL)
			continue;
		J(c, eml_json_obj_begin(&c->j));
		J(c, eml_json_key(&c->j, "name"));
		J(c, eml_json_cstr(&c->j, l.v[i].name));
		J(c, eml_json_key(&c->j, "email"));
		J(c, eml_json_cstr(&c->j, l.v[i].email));
		J(c, eml_json_obj_end(&c->j));
	}
	J(c, eml_json_arr_end(&c->j));
	eml_addr_free(&l);
}

static void
key_date(struct ctx *c)
{
	const struct eml_header *h = eml_node_header(c->m->root, "date");
	struct eml_date d;
	char buf[32];

	J(c, eml_json_key(&c->j, "sentAt"));
	if (h == NULL || eml_date_parse(h->value, h->value_len, &d) !=
	    EML_OK) {
		J(c, eml_json_null(&c->j));
		return;
	}
	if (d.lenient)
		c->lenient_date = 1;
	eml_date_rfc3339(&d, buf);
	J(c, eml_json_cstr(&c->j, buf));
}

static void
headers(struct ctx *c, const struct eml_node *n)
{
	size_t i;
	struct eml_defects defects;

	J(c, eml_json_key(&c->j, "headers"));
	J(c, eml_json_arr_begin(&c->j));
	for (i = 0; i < n->nheaders; i++) {
		const struct eml_header *h = &n->headers[i];

		memset(&defects, 0, sizeof(defects));
		eml_buf_reset(&c->tmp);
		xcheck(eml_hdr_decode(h->value, h->value_len, NULL, &c->tmp,
		    &defects));
		J(c, eml_json_obj_begin(&c->j));
		J(c, eml_json_key(&c->j, "name"));
		J(c, eml_json_str(&c->j, h->name, h->name_len));
		J(c, eml_json_key(&c->j, "value"));
		J(c, eml_json_str(&c->j, c->tmp.data ? c->tmp.data : "",
		    c->tmp.len));
		J(c, eml_json_obj_end(&c->j));
	}
	J(c, eml_json_arr_end(&c->j));
}

/* Content-Disposition type (lower-case, "" if none) and file name. */
static void
disposition(const struct eml_node *n, char disp[32], struct eml_buf *name)
{
	eml_buf_reset(name);
	xcheck(eml_node_disposition(n, disp, 32, name));
}

static int
is_multipart(const struct eml_node *n)
{
	return starts(n->info.ctype, "multipart/");
}

/* A leaf's transfer-decoded bytes: a message/rfc822 part (a container
 * in the tree, a leaf in JMAP) is its raw body. */
static void
leaf_bytes(struct ctx *c, const struct eml_node *n, struct eml_buf *out)
{
	eml_buf_reset(out);
	if (n->info.is_message) {
		uint64_t off = n->info.body_offset;
		uint64_t len = n->info.end_offset > off ?
		    n->info.end_offset - off : 0;

		if (off <= c->m->len && len <= c->m->len - off)
			xcheck(eml_buf_add(out, c->m->buf + off, (size_t)len));
		return;
	}
	xcheck(eml_node_decode(n, out));
}

static void
key_cid(struct ctx *c, const struct eml_node *n)
{
	const char *p, *e;

	J(c, eml_json_key(&c->j, "cid"));
	if (!field_text(c, n, "content-id")) {
		J(c, eml_json_null(&c->j));
		return;
	}
	/* RFC 8621: the id without angle brackets or whitespace. */
	p = c->tmp.data ? c->tmp.data : "";
	e = p + c->tmp.len;
	while (p < e && (*p == '<' || *p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == '>' || e[-1] == ' ' || e[-1] == '\t'))
		e--;
	J(c, eml_json_str(&c->j, p, (size_t)(e - p)));
}

static void
key_language(struct ctx *c, const struct eml_node *n)
{
	const char *p, *e, *q;

	J(c, eml_json_key(&c->j, "language"));
	if (!field_text(c, n, "content-language")) {
		J(c, eml_json_null(&c->j));
		return;
	}
	J(c, eml_json_arr_begin(&c->j));
	p = c->tmp.data ? c->tmp.data : "";
	e = p + c->tmp.len;
	while (p < e) {
		while (p < e && (*p == ',' || *p == ' ' || *p == '\t'))
			p++;
		for (q = p; q < e && *q != ','; q++)
			;
		while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
			q--;
		if (q > p)
			J(c, eml_json_str(&c->j, p, (size_t)(q - p)));
		while (q < e && *q != ',')
			q++;
		p = q;
	}
	J(c, eml_json_arr_end(&c->j));
}

static void
part(struct ctx *c, const struct eml_node *n, unsigned depth)
{
	struct eml_buf name = { 0 }, data = { 0 };
	struct eml_sha256 sh;
	unsigned char dg[32];
	char disp[32], hex[65];
	const struct eml_node *ch;

	J(c, eml_json_obj_begin(&c->j));
	J(c, eml_json_key(&c->j, "partId"));
	if (is_multipart(n))
		J(c, eml_json_null(&c->j));
	else
		J(c, eml_json_cstr(&c->j, n->info.section));
	J(c, eml_json_key(&c->j, "type"));
	J(c, eml_json_cstr(&c->j, n->info.ctype));
	J(c, eml_json_key(&c->j, "charset"));
	if (n->info.charset[0] != '\0')
		J(c, eml_json_cstr(&c->j, n->info.charset));
	else if (starts(n->info.ctype, "text/"))
		J(c, eml_json_cstr(&c->j, "us-ascii"));	/* RFC 2045 5.2 */
	else
		J(c, eml_json_null(&c->j));
	disposition(n, disp, &name);
	J(c, eml_json_key(&c->j, "disposition"));
	J(c, eml_json_cstr(&c->j, disp[0] ? disp : NULL));
	J(c, eml_json_key(&c->j, "name"));
	J(c, eml_json_cstr(&c->j, name.len ? name.data : NULL));
	key_cid(c, n);
	key_language(c, n);
	key_text(c, "location", n, "content-location");
	J(c, eml_json_key(&c->j, "encoding"));
	J(c, eml_json_cstr(&c->j, eml_cte_name(n->info.cte)));
	J(c, eml_json_key(&c->j, "offset"));
	J(c, eml_json_int(&c->j, (int64_t)n->info.offset));
	if (is_multipart(n)) {
		J(c, eml_json_key(&c->j, "size"));
		J(c, eml_json_int(&c->j, n->info.end_offset >
		    n->info.body_offset ? (int64_t)(n->info.end_offset -
		    n->info.body_offset) : 0));
		J(c, eml_json_key(&c->j, "sha256"));
		J(c, eml_json_null(&c->j));
		J(c, eml_json_key(&c->j, "subParts"));
		if (depth >= MAX_STRUCT_DEPTH) {
			J(c, eml_json_null(&c->j));
		} else {
			J(c, eml_json_arr_begin(&c->j));
			for (ch = n->first_child; ch != NULL; ch = ch->next)
				part(c, ch, depth + 1);
			J(c, eml_json_arr_end(&c->j));
		}
	} else {
		leaf_bytes(c, n, &data);
		eml_sha256_init(&sh);
		eml_sha256_update(&sh, data.data, data.len);
		eml_sha256_final(&sh, dg);
		eml_sha256_hex(dg, hex);
		J(c, eml_json_key(&c->j, "size"));
		J(c, eml_json_int(&c->j, (int64_t)data.len));
		J(c, eml_json_key(&c->j, "sha256"));
		J(c, eml_json_cstr(&c->j, hex));
	}
	J(c, eml_json_obj_end(&c->j));
	eml_buf_free(&name);
	eml_buf_free(&data);
}

static void
part_ids(struct ctx *c, const char *key, const struct eml_node **v,
    size_t n)
{
	size_t i;

	J(c, eml_json_key(&c->j, key));
	J(c, eml_json_arr_begin(&c->j));
	for (i = 0; i < n; i++)
		J(c, eml_json_cstr(&c->j, v[i]->info.section));
	J(c, eml_json_arr_end(&c->j));
}

static void
body_value(struct ctx *c, const struct eml_node *n)
{
	int guessed = 0;

	J(c, eml_json_key(&c->j, n->info.section));
	eml_buf_reset(&c->tmp);
	xcheck(eml_node_text(n, &c->tmp, &guessed));
	if (guessed)
		c->fallback = 1;
	J(c, eml_json_obj_begin(&c->j));
	J(c, eml_json_key(&c->j, "value"));
	J(c, eml_json_str(&c->j, c->tmp.data ? c->tmp.data : "",
	    c->tmp.len));
	J(c, eml_json_key(&c->j, "isEncodingProblem"));
	J(c, eml_json_bool(&c->j, guessed));
	J(c, eml_json_key(&c->j, "isTruncated"));
	J(c, eml_json_bool(&c->j, 0));
	J(c, eml_json_obj_end(&c->j));
}

/* bodyValues for the text parts of textBody and htmlBody, once each. */
static void
body_values(struct ctx *c)
{
	const struct eml_bodies *b = &c->bodies;
	const struct eml_node **ls[2] = { b->text, b->html };
	size_t lens[2] = { b->ntext, b->nhtml };
	size_t i, k, m;
	int seen;

	J(c, eml_json_key(&c->j, "bodyValues"));
	J(c, eml_json_obj_begin(&c->j));
	for (m = 0; m < 2; m++) {
		for (i = 0; i < lens[m]; i++) {
			const struct eml_node *n = ls[m][i];

			if (!starts(n->info.ctype, "text/"))
				continue;
			seen = 0;
			for (k = 0; k < (m == 0 ? i : b->ntext) && !seen; k++)
				seen = b->text[k] == n;
			for (k = 0; m == 1 && k < i && !seen; k++)
				seen = b->html[k] == n;
			if (!seen)
				body_value(c, n);
		}
	}
	J(c, eml_json_obj_end(&c->j));
}

static const char *
sev_name(enum eml_severity s)
{
	return s == EML_SEV_CRIT ? "crit" : s == EML_SEV_WARN ? "warn" :
	    "info";
}

static int
diagnostics(struct ctx *c)
{
	size_t i;
	int repaired = 0;

	J(c, eml_json_key(&c->j, "diagnostics"));
	J(c, eml_json_arr_begin(&c->j));
	for (i = 0; i < c->m->ndiags; i++) {
		const struct eml_diag *d = &c->m->diags[i];

		if (d->code == EML_D_MISSING_CLOSE_DELIM ||
		    d->code == EML_D_BOUNDARY_NOT_FOUND)
			repaired = 1;
		J(c, eml_json_obj_begin(&c->j));
		J(c, eml_json_key(&c->j, "code"));
		J(c, eml_json_cstr(&c->j, eml_diag_name(d->code)));
		J(c, eml_json_key(&c->j, "severity"));
		J(c, eml_json_cstr(&c->j, sev_name(d->severity)));
		J(c, eml_json_key(&c->j, "line"));
		J(c, eml_json_int(&c->j, (int64_t)d->line));
		J(c, eml_json_key(&c->j, "message"));
		J(c, eml_json_cstr(&c->j, eml_diag_text(d->code)));
		J(c, eml_json_key(&c->j, "section"));
		J(c, eml_json_cstr(&c->j, d->section ? d->section : ""));
		J(c, eml_json_obj_end(&c->j));
	}
	J(c, eml_json_arr_end(&c->j));
	return repaired;
}

static int
message(const char *buf, size_t len, unsigned long idx, const char *name,
    void *arg)
{
	struct ctx *c = arg;
	struct eml_msg *m;
	const struct eml_node *root;
	int r, repaired;

	if ((r = eml_msg_parse_mem(buf, len, NULL, &m)) != EML_OK) {
		tool_warn(name, "message %lu: %s", idx, eml_strerror(r));
		return 1;
	}
	c->m = m;
	root = m->root;
	c->err = 0;
	c->fallback = c->lenient_date = 0;
	eml_buf_reset(&c->out);
	eml_json_init(&c->j, &c->out, c->j.pretty);

	J(c, eml_json_obj_begin(&c->j));
	key_ids(c, "messageId", "message-id");
	key_ids(c, "inReplyTo", "in-reply-to");
	key_ids(c, "references", "references");
	key_addrs(c, "sender", "sender");
	key_addrs(c, "from", "from");
	key_addrs(c, "to", "to");
	key_addrs(c, "cc", "cc");
	key_addrs(c, "bcc", "bcc");
	key_addrs(c, "replyTo", "reply-to");
	key_text(c, "subject", root, "subject");
	key_date(c);
	J(c, eml_json_key(&c->j, "size"));
	J(c, eml_json_int(&c->j, (int64_t)len));
	headers(c, root);
	J(c, eml_json_key(&c->j, "bodyStructure"));
	part(c, root, 0);
	xcheck(eml_msg_bodies(m, &c->bodies));
	part_ids(c, "textBody", c->bodies.text, c->bodies.ntext);
	part_ids(c, "htmlBody", c->bodies.html, c->bodies.nhtml);
	part_ids(c, "attachments", c->bodies.attachments,
	    c->bodies.nattachments);
	J(c, eml_json_key(&c->j, "hasAttachment"));
	J(c, eml_json_bool(&c->j, c->bodies.nattachments > 0));
	body_values(c);
	repaired = diagnostics(c);
	J(c, eml_json_key(&c->j, "guessed"));
	J(c, eml_json_obj_begin(&c->j));
	J(c, eml_json_key(&c->j, "fallbackCharset"));
	J(c, eml_json_bool(&c->j, c->fallback));
	J(c, eml_json_key(&c->j, "repairedBoundary"));
	J(c, eml_json_bool(&c->j, repaired));
	J(c, eml_json_key(&c->j, "lenientDate"));
	J(c, eml_json_bool(&c->j, c->lenient_date));
	J(c, eml_json_obj_end(&c->j));
	J(c, eml_json_obj_end(&c->j));
	eml_bodies_free(&c->bodies);
	eml_msg_free(m);
	c->m = NULL;
	if (c->err != 0) {
		tool_warn(name, "message %lu: %s", idx, eml_strerror(c->err));
		return 1;
	}
	xcheck(eml_buf_addc(&c->out, '\n'));
	fwrite(c->out.data, 1, c->out.len, stdout);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, TOOL_OPT_HELP },
		{ "version", no_argument, NULL, TOOL_OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct ctx c;
	int ch, rc;

	tool_init("eml-json");
	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, "p", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			c.j.pretty = 1;
			break;
		case TOOL_OPT_HELP:
			tool_usage_exit(usage_text, TOOL_EXIT_OK);
		case TOOL_OPT_VERSION:
			tool_version_exit();
		default:
			tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
		}
	}
	rc = tool_loop(argc - optind, argv + optind, message, &c);
	eml_buf_free(&c.out);
	eml_buf_free(&c.tmp);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		tool_warn(NULL, "write error");
		rc = TOOL_EXIT_FAIL;
	}
	return rc;
}
