/*
 * eml-json - messages as JSON Lines, shaped after the JMAP Email object
 * (RFC 8621 4.1) with a few additions: transfer encoding, SHA-256 and
 * input offset per part, the parts of attached messages, parser
 * diagnostics, flags for guessed values, and where the message came
 * from.  docs/json-schema.md describes every field.
 *
 * One pass over the streaming parser, in bounded memory whatever the
 * message size: the structure is kept without the bodies, hashes are
 * computed as the bytes pass, and only the start of each text part is
 * kept for bodyValues (up to --max-body-value-bytes, and a budget for
 * all of them).  The RFC 8621 4.1.4 selection then runs over the kept
 * structure (eml_shape_bodies, the same code eml_msg_bodies uses).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common.h"

static const char usage_text[] =
    "eml-json [--pretty] [--max-body-value-bytes N] [--part-headers] "
    TOOL_USAGE_INPUT " [file ...]";
static const char help_text[] =
    "Each message as one JSON object a line (JSON Lines), shaped after\n"
    "the JMAP Email object (RFC 8621 4.1); docs/json-schema.md has every\n"
    "field.  Memory stays bounded whatever the message size.\n"
    "  -p, --pretty            indent the objects (one spans lines)\n"
    "  --max-body-value-bytes N\n"
    "                          cut each bodyValues value at N bytes of\n"
    "                          UTF-8 (isTruncated: true); default 1048576\n"
    "  --part-headers          give every part its headers, not only the\n"
    "                          message (JMAP's bodyProperties \"headers\")\n"
    "  --properties LIST       the same for LIST containing \"headers\"\n";

/* Deeper nesting is cut in bodyStructure (the JSON writer has 63 levels
 * and each part level takes two). */
#define MAX_STRUCT_DEPTH	24
#define DEF_MAX_VALUE		((size_t)1 << 20)
/* What all kept body values of one message may take, and per-part
 * headers: beyond these, values are cut and headers dropped (flagged). */
#define VALUE_BUDGET		((size_t)24 << 20)
#define HDR_BUDGET		((size_t)8 << 20)
/* Kept of a text part even when values are cut shorter: the preview is
 * made from it. */
#define PREVIEW_KEEP		4096
/* The JSON is written out in pieces of about this size. */
#define FLUSH_AT		65536

/* A field kept for output: offsets into its list's one buffer, which
 * holds every name and raw value (folding kept), each NUL-terminated,
 * so a message's fields cost no allocation each. */
struct hdr {
	size_t name_off, name_len;
	size_t value_off, value_len;
};

struct hdrs {
	struct hdr *v;
	size_t n, cap;
	struct eml_buf text;
};

#define HNAME(h, x)	((h)->text.data + (x)->name_off)
#define HVALUE(h, x)	((h)->text.data + (x)->value_off)

struct jpart {
	struct jpart *parent, *first, *last, *next, *prev, *all;
	struct eml_shape shape;		/* for the body selection */
	unsigned depth;
	char section[256];
	char ctype[128];
	char charset[64];
	enum eml_cte cte;
	int is_multipart, is_message;
	char disp[64];			/* first Content-Disposition type */
	int seen_cd, seen_ct;
	struct eml_buf name;		/* CD filename, else CT name */
	int name_from_cd;
	struct eml_buf cid, lang, loc;	/* raw first values */
	int has_cid, has_lang, has_loc;
	uint64_t offset;		/* of the headers, in the message */
	uint64_t size;			/* decoded (leaf) or raw (message) */
	struct eml_sha256 sha;
	char hex[65];
	int keep;			/* text: keep the value's start */
	struct eml_buf value;		/* transfer-decoded, in charset */
	int value_cut;			/* more bytes than were kept */
	int enc_problem;		/* decoding trouble seen */
	int check;			/* re-decode raw to see garbage */
	struct eml_decoder dec;
	struct hdrs headers;		/* --part-headers */
};

struct jdiag {
	enum eml_diag_code code;
	enum eml_severity severity;
	unsigned long line;
	const struct jpart *part;
};

struct ctx {
	/* options */
	int pretty;
	size_t max_value;
	int part_headers;
	/* per run */
	struct eml_parser *p;
	struct eml_json j;
	struct eml_buf out;
	struct eml_buf tmp;
	int err;			/* first JSON writer error */
	/* per message */
	int failed;
	struct jpart *root, *all;
	struct jpart **stack;		/* open parts by depth */
	unsigned nstack;
	struct hdrs top;		/* the message's own fields */
	struct jdiag *diags;
	size_t ndiags, capdiags;
	uint64_t size;
	size_t value_used, hdr_used;
	int hdrs_dropped;
	int fallback, lenient_date, repaired;
	struct eml_shape_bodies bodies;
	/* value_text's last result: the preview and bodyValues show the
	 * same first text part, made once */
	const struct jpart *vt_part;
	struct eml_buf vt;
	int vt_problem;
	/* the decoded Subject, shown twice (subject, headers) */
	const struct hdr *subj_hdr;
	struct eml_buf subj;
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

/* snprintf(dst, size, "%s", src) without the format machinery, which
 * showed in profiles at several copies per part. */
static void
copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Does v[0..len) contain the lower-case ASCII word lit, in any case? */
static int
has_ci(const char *v, size_t len, const char *lit)
{
	size_t n = strlen(lit), i;

	for (i = 0; i + n <= len; i++)
		if ((v[i] | 0x20) == lit[0] && strncasecmp(v + i, lit, n) == 0)
			return 1;
	return 0;
}

static int
name_is(const char *n, size_t len, const char *lit)
{
	return len == strlen(lit) && strncasecmp(n, lit, len) == 0;
}

/* Write what the JSON writer has produced so far: the object is never
 * assembled whole. */
static void
spill(struct ctx *c)
{
	if (c->out.len >= FLUSH_AT) {
		tool_write(c->out.data, c->out.len);
		eml_buf_reset(&c->out);
	}
}

/* ------------------------------------------------------------------ */
/* Collecting the structure */

static void
hdrs_add(struct hdrs *h, const struct eml_event *ev)
{
	struct hdr *x;

	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 16;
		h->v = xrealloc(h->v, h->cap * sizeof(*h->v));
	}
	x = &h->v[h->n++];
	x->name_off = h->text.len;
	x->name_len = ev->name_len;
	xcheck(eml_buf_add(&h->text, ev->name, ev->name_len));
	xcheck(eml_buf_addc(&h->text, '\0'));
	x->value_off = h->text.len;
	x->value_len = ev->value_len;
	xcheck(eml_buf_add(&h->text, ev->value, ev->value_len));
	xcheck(eml_buf_addc(&h->text, '\0'));
}

static void
hdrs_free(struct hdrs *h)
{
	free(h->v);
	eml_buf_free(&h->text);
	memset(h, 0, sizeof(*h));
}

/* Empty, keeping the memory for the next message. */
static void
hdrs_reset(struct hdrs *h)
{
	h->n = 0;
	eml_buf_reset(&h->text);
}

static const struct hdr *
hdrs_get(const struct hdrs *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (name_is(HNAME(h, &h->v[i]), h->v[i].name_len, name))
			return &h->v[i];
	return NULL;
}

static void
msg_free(struct ctx *c)
{
	struct jpart *jp, *nx;

	for (jp = c->all; jp != NULL; jp = nx) {
		nx = jp->all;
		eml_buf_free(&jp->name);
		eml_buf_free(&jp->cid);
		eml_buf_free(&jp->lang);
		eml_buf_free(&jp->loc);
		eml_buf_free(&jp->value);
		hdrs_free(&jp->headers);
		/* a part whose PART_END never came still holds a context */
		eml_sha256_free(&jp->sha);
		free(jp);
	}
	c->all = c->root = NULL;
	hdrs_reset(&c->top);
	c->ndiags = 0;
	c->size = 0;
	c->value_used = c->hdr_used = 0;
	c->hdrs_dropped = 0;
	c->failed = 0;
	c->fallback = c->lenient_date = c->repaired = 0;
	c->vt_part = NULL;
}

static struct jpart *
open_part(struct ctx *c, const struct eml_part *pt)
{
	struct jpart *jp = xcalloc(1, sizeof(*jp)), *par = NULL;

	jp->depth = pt->depth;
	jp->offset = pt->offset;
	jp->all = c->all;
	c->all = jp;
	if (pt->depth >= c->nstack) {
		unsigned n = pt->depth + 16;

		c->stack = xrealloc(c->stack, n * sizeof(*c->stack));
		memset(c->stack + c->nstack, 0,
		    (n - c->nstack) * sizeof(*c->stack));
		c->nstack = n;
	}
	if (pt->depth > 0)
		par = c->stack[pt->depth - 1];
	c->stack[pt->depth] = jp;
	if (par == NULL) {
		if (c->root == NULL)
			c->root = jp;
		return jp;
	}
	jp->parent = par;
	jp->prev = par->last;
	if (par->last != NULL)
		par->last->next = jp;
	else
		par->first = jp;
	par->last = jp;
	return jp;
}

static struct jpart *
part_of(struct ctx *c, const struct eml_part *pt)
{
	if (pt == NULL || pt->depth >= c->nstack ||
	    c->stack[pt->depth] == NULL)
		return c->root;
	return c->stack[pt->depth];
}

static void
copy_first(struct eml_buf *b, int *has, const struct eml_event *ev)
{
	if (*has)
		return;
	*has = 1;
	xcheck(eml_buf_add(b, ev->value, ev->value_len));
}

static void
on_header(struct ctx *c, struct jpart *jp, const struct eml_event *ev)
{
	struct eml_ctype ct;
	const char *v;
	size_t need = ev->name_len + ev->value_len + 32;

	if (jp == c->root)
		hdrs_add(&c->top, ev);
	else if (c->part_headers) {
		if (c->hdr_used + need <= HDR_BUDGET) {
			hdrs_add(&jp->headers, ev);
			c->hdr_used += need;
		} else
			c->hdrs_dropped = 1;
	}
	if (c->part_headers && jp == c->root) {
		if (c->hdr_used + need <= HDR_BUDGET) {
			hdrs_add(&jp->headers, ev);
			c->hdr_used += need;
		} else
			c->hdrs_dropped = 1;
	}
	memset(&ct, 0, sizeof(ct));
	/* As eml_node_disposition: the first field of each counts. */
	if (name_is(ev->name, ev->name_len, "content-disposition")) {
		if (jp->seen_cd)
			return;
		jp->seen_cd = 1;
		xcheck(eml_disposition_parse(ev->value, ev->value_len, &ct));
		copy_str(jp->disp, sizeof(jp->disp), ct.type);
		if ((v = eml_params_get(&ct.params, "filename")) != NULL) {
			eml_buf_reset(&jp->name);
			xcheck(eml_buf_adds(&jp->name, v));
			jp->name_from_cd = 1;
		}
		eml_ctype_free(&ct);
	} else if (name_is(ev->name, ev->name_len, "content-type")) {
		if (jp->seen_ct)
			return;
		jp->seen_ct = 1;
		/* Only its name parameter is wanted here (the parser has the
		 * rest): a value without the word has none to parse for. */
		if (jp->name_from_cd || !has_ci(ev->value, ev->value_len,
		    "name"))
			return;
		xcheck(eml_ctype_parse(ev->value, ev->value_len, &ct));
		if (!jp->name_from_cd &&
		    (v = eml_params_get(&ct.params, "name")) != NULL) {
			eml_buf_reset(&jp->name);
			xcheck(eml_buf_adds(&jp->name, v));
		}
		eml_ctype_free(&ct);
	} else if (name_is(ev->name, ev->name_len, "content-id"))
		copy_first(&jp->cid, &jp->has_cid, ev);
	else if (name_is(ev->name, ev->name_len, "content-language"))
		copy_first(&jp->lang, &jp->has_lang, ev);
	else if (name_is(ev->name, ev->name_len, "content-location"))
		copy_first(&jp->loc, &jp->has_loc, ev);
}

static void
on_headers_end(struct jpart *jp, const struct eml_part *pt)
{
	copy_str(jp->section, sizeof(jp->section), pt->section);
	copy_str(jp->ctype, sizeof(jp->ctype), pt->ctype);
	copy_str(jp->charset, sizeof(jp->charset), pt->charset);
	jp->cte = pt->cte;
	/* parser (issue 6): a multipart without a delimiter or without
	 * boundary= is a leaf; the parser says which, at HEADERS_END */
	jp->is_multipart = pt->is_multipart;
	jp->is_message = pt->is_message;
	/* Values are kept for text the selection may show: not for parts
	 * declared attachments. */
	jp->keep = starts(pt->ctype, "text/") && !jp->is_multipart &&
	    strcmp(jp->disp, "attachment") != 0;
	eml_sha256_init(&jp->sha);
	/* The decoded bytes do not say whether base64 had garbage or QP a
	 * bad escape: the raw text of a shown part is decoded once more
	 * (into scratch, thrown away) to tell isEncodingProblem. */
	if (jp->keep && (jp->cte == EML_CTE_BASE64 || jp->cte == EML_CTE_QP)) {
		jp->check = 1;
		eml_decoder_init(&jp->dec, jp->cte);
	}
	jp->shape.ctype = jp->ctype;
	jp->shape.disposition = jp->disp;
	jp->shape.has_name = jp->name.len > 0;
	jp->shape.user = jp;
	/* Only a multipart's children are looked into. */
	if (jp->parent != NULL && jp->parent->is_multipart) {
		if (jp->prev == NULL)
			jp->parent->shape.first_child = &jp->shape;
		else
			jp->prev->shape.next = &jp->shape;
	}
}

static void
keep_value(struct ctx *c, struct jpart *jp, const char *d, size_t n)
{
	size_t want = c->max_value > PREVIEW_KEEP ? c->max_value :
	    PREVIEW_KEEP, room, k;

	if (jp->value.len >= want) {
		jp->value_cut = jp->value_cut || n > 0;
		return;
	}
	room = want - jp->value.len;
	if (c->value_used + room > VALUE_BUDGET)
		room = VALUE_BUDGET > c->value_used ?
		    VALUE_BUDGET - c->value_used : 0;
	k = n < room ? n : room;
	if (k < n)
		jp->value_cut = 1;
	if (k > 0) {
		xcheck(eml_buf_add(&jp->value, d, k));
		c->value_used += k;
	}
}

/* A message/rfc822 part is a leaf for JMAP: its size and digest cover
 * the enclosed message, i.e. every input byte of its descendants. */
static void
feed_containers(struct ctx *c, const struct eml_event *ev)
{
	unsigned d, depth;

	if (ev->part == NULL || ev->raw_len == 0)
		return;
	depth = ev->part->depth;
	for (d = 0; d < depth && d < c->nstack; d++) {
		struct jpart *a = c->stack[d];

		if (a != NULL && a->is_message) {
			eml_sha256_update(&a->sha, ev->raw, ev->raw_len);
			a->size += ev->raw_len;
		}
	}
}

static void
check_raw(struct jpart *jp, const char *raw, size_t n)
{
	static char scratch[EML_B64_DECODED_MAX(16384) + 16384 + 256];
	size_t k;

	while (n > 0) {
		k = n < 16384 ? n : 16384;
		eml_decoder_step(&jp->dec, raw, k, scratch);
		raw += k;
		n -= k;
	}
}

static void
check_end(struct jpart *jp)
{
	char scratch[128];

	eml_decoder_finish(&jp->dec, scratch);
	if ((jp->cte == EML_CTE_BASE64 && jp->dec.u.b64.garbage > 0) ||
	    (jp->cte == EML_CTE_QP && jp->dec.u.qp.bad > 0))
		jp->enc_problem = 1;
}

static int
enc_problem_code(enum eml_diag_code code)
{
	switch (code) {
	case EML_D_B64_GARBAGE:
	case EML_D_B64_PADDING:
	case EML_D_QP_BAD_ESCAPE:
	case EML_D_CHARSET_UNKNOWN:
	case EML_D_CHARSET_INVALID:
	case EML_D_8BIT_IN_7BIT:
	case EML_D_UU_TRUNCATED:
	case EML_D_CTE_UNKNOWN:
		return 1;
	default:
		return 0;
	}
}

static void
on_event(struct ctx *c, const struct eml_event *ev)
{
	struct jpart *jp;

	feed_containers(c, ev);
	switch (ev->type) {
	case EML_EV_PART_BEGIN:
		open_part(c, ev->part);
		break;
	case EML_EV_HEADER:
		on_header(c, part_of(c, ev->part), ev);
		break;
	case EML_EV_HEADERS_END:
		on_headers_end(part_of(c, ev->part), ev->part);
		break;
	case EML_EV_BODY:
		jp = part_of(c, ev->part);
		jp->size += ev->data_len;
		eml_sha256_update(&jp->sha, ev->data, ev->data_len);
		if (jp->keep)
			keep_value(c, jp, ev->data, ev->data_len);
		if (jp->check)
			check_raw(jp, ev->raw, ev->raw_len);
		break;
	case EML_EV_PART_END:
		jp = part_of(c, ev->part);
		if (jp->check)
			check_end(jp);
		if (!jp->is_multipart) {
			unsigned char dg[32];

			tool_sha256_final(&jp->sha, dg);
			eml_sha256_hex(dg, jp->hex);
		} else
			/* A multipart's size is its raw body (JMAP). */
			jp->size = ev->part->end_offset >
			    ev->part->body_offset ? ev->part->end_offset -
			    ev->part->body_offset : 0;
		break;
	case EML_EV_DIAG:
		jp = part_of(c, ev->part);
		if (enc_problem_code(ev->diag.code) && jp != NULL)
			jp->enc_problem = 1;
		if (ev->diag.code == EML_D_MISSING_CLOSE_DELIM ||
		    ev->diag.code == EML_D_BOUNDARY_NOT_FOUND)
			c->repaired = 1;
		if (c->ndiags == c->capdiags) {
			c->capdiags = c->capdiags ? c->capdiags * 2 : 16;
			c->diags = xrealloc(c->diags,
			    c->capdiags * sizeof(*c->diags));
		}
		c->diags[c->ndiags].code = ev->diag.code;
		c->diags[c->ndiags].severity = ev->diag.severity;
		c->diags[c->ndiags].line = ev->diag.line;
		c->diags[c->ndiags].part = jp;
		c->ndiags++;
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Writing the object */

#define IS_LWS(ch)	((ch) == ' ' || (ch) == '\t' || (ch) == '\r' || \
			    (ch) == '\n')

/* Is v a value eml_hdr_decode has nothing to decode in: printable
 * ASCII, blanks and line ends only, and no "=?" (RFC 2047 2)?  Most
 * fields of real mail are. */
static int
plain_value(const char *v, size_t n)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			if (p[i] == '=' && i + 1 < n && p[i + 1] == '?')
				return 0;
		} else if (p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return 0;
	}
	return 1;
}

/* Decoded text of a raw field value into c->tmp.  A plain value is what
 * eml_hdr_decode makes of it, without its scratch buffers: blanks and
 * line ends cut at both ends, and each run of them that holds a line
 * end (a fold) one space (RFC 5322 2.2.3). */
static void
value_decode(struct ctx *c, const char *v, size_t n)
{
	struct eml_defects defects = { { 0 } };
	size_t b = 0, e = n, i, j;
	char *w;
	int fold;

	eml_buf_reset(&c->tmp);
	if (!plain_value(v, n)) {
		xcheck(eml_hdr_decode(v, n, NULL, &c->tmp, &defects));
		if (eml_defects_has(&defects, EML_D_CHARSET_UNKNOWN) ||
		    eml_defects_has(&defects, EML_D_HEADER_8BIT))
			c->fallback = 1;
		return;
	}
	while (b < e && IS_LWS(v[b]))
		b++;
	while (e > b && IS_LWS(v[e - 1]))
		e--;
	if ((w = eml_buf_reserve(&c->tmp, e - b)) == NULL)
		tool_die(NULL, "out of memory");
	for (i = b; i < e; ) {
		if (!IS_LWS(v[i])) {
			*w++ = v[i++];
			continue;
		}
		fold = 0;
		for (j = i; j < e && IS_LWS(v[j]); j++)
			if (v[j] == '\r' || v[j] == '\n')
				fold = 1;
		if (fold)
			*w++ = ' ';
		else {
			memcpy(w, v + i, j - i);
			w += j - i;
		}
		i = j;
	}
	c->tmp.len = (size_t)(w - c->tmp.data);
	c->tmp.data[c->tmp.len] = '\0';
}

/* Decoded text of the first top-level field name into c->tmp. */
static int
field_text(struct ctx *c, const struct hdrs *h, const char *name)
{
	const struct hdr *x = hdrs_get(h, name);

	eml_buf_reset(&c->tmp);
	if (x == NULL)
		return 0;
	value_decode(c, HVALUE(h, x), x->value_len);
	return 1;
}

/* The same for a raw value already picked. */
static void
raw_text(struct ctx *c, const struct eml_buf *raw)
{
	value_decode(c, raw->data ? raw->data : "", raw->len);
}

static void
put_tmp(struct ctx *c)
{
	J(c, eml_json_str(&c->j, c->tmp.data ? c->tmp.data : "",
	    c->tmp.len));
}

static void
key_ids(struct ctx *c, const char *key, const char *name)
{
	const struct hdr *h = hdrs_get(&c->top, name);
	struct eml_idlist l;
	size_t i;

	J(c, eml_json_key(&c->j, key));
	memset(&l, 0, sizeof(l));
	if (h == NULL) {
		J(c, eml_json_null(&c->j));
		return;
	}
	xcheck(eml_msgid_parse(HVALUE(&c->top, h), h->value_len, &l));
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
	const struct hdr *h = hdrs_get(&c->top, name);
	struct eml_addrlist l;
	size_t i;

	J(c, eml_json_key(&c->j, key));
	memset(&l, 0, sizeof(l));
	if (h == NULL) {
		J(c, eml_json_null(&c->j));
		return;
	}
	xcheck(eml_addr_parse(HVALUE(&c->top, h), h->value_len, NULL, &l));
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
	const struct hdr *h = hdrs_get(&c->top, "date");
	struct eml_date d;
	char buf[32];

	J(c, eml_json_key(&c->j, "sentAt"));
	if (h == NULL || eml_date_parse(HVALUE(&c->top, h), h->value_len,
	    &d) != EML_OK) {
		J(c, eml_json_null(&c->j));
		return;
	}
	if (d.lenient)
		c->lenient_date = 1;
	eml_date_rfc3339(&d, buf);
	J(c, eml_json_cstr(&c->j, buf));
}

/* RFC 8621 receivedAt is a UTCDate. */
static void
key_received(struct ctx *c, const struct tool_src *src)
{
	struct tm tm;
	char buf[32];

	J(c, eml_json_key(&c->j, "receivedAt"));
	if (!src->has_time || gmtime_r(&src->received, &tm) == NULL) {
		J(c, eml_json_null(&c->j));
		return;
	}
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	J(c, eml_json_cstr(&c->j, buf));
}

static void
headers(struct ctx *c, const struct hdrs *h)
{
	struct eml_buf raw = { 0 };
	size_t i;

	J(c, eml_json_key(&c->j, "headers"));
	J(c, eml_json_arr_begin(&c->j));
	for (i = 0; i < h->n; i++) {
		J(c, eml_json_obj_begin(&c->j));
		J(c, eml_json_key(&c->j, "name"));
		J(c, eml_json_str(&c->j, HNAME(h, &h->v[i]),
		    h->v[i].name_len));
		J(c, eml_json_key(&c->j, "value"));
		if (&h->v[i] == c->subj_hdr) {
			/* decoded once, for "subject" */
			J(c, eml_json_str(&c->j, c->subj.data ? c->subj.data :
			    "", c->subj.len));
		} else {
			raw.data = HVALUE(h, &h->v[i]);
			raw.len = h->v[i].value_len;
			raw_text(c, &raw);
			put_tmp(c);
		}
		J(c, eml_json_obj_end(&c->j));
		spill(c);
	}
	J(c, eml_json_arr_end(&c->j));
}

static void
key_cid(struct ctx *c, const struct jpart *jp)
{
	const char *p, *e;

	J(c, eml_json_key(&c->j, "cid"));
	if (!jp->has_cid) {
		J(c, eml_json_null(&c->j));
		return;
	}
	raw_text(c, &jp->cid);
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
key_language(struct ctx *c, const struct jpart *jp)
{
	const char *p, *e, *q;

	J(c, eml_json_key(&c->j, "language"));
	if (!jp->has_lang) {
		J(c, eml_json_null(&c->j));
		return;
	}
	raw_text(c, &jp->lang);
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

/* The part's IMAP section as the tree shows it: the multipart inside a
 * message/rfc822 part N shares N (RFC 3501 6.4.5) and is N.TEXT here,
 * so that every part has a section of its own. */
static void
section_label(const struct jpart *jp, char *buf, size_t size)
{
	if (jp->parent != NULL && jp->parent->is_message &&
	    strcmp(jp->section, jp->parent->section) == 0)
		snprintf(buf, size, "%s%sTEXT", jp->section,
		    jp->section[0] != '\0' ? "." : "");
	else
		copy_str(buf, size, jp->section);
}

static void
part(struct ctx *c, const struct jpart *jp, unsigned depth, int with_sub)
{
	const struct jpart *ch;
	char label[300], blob[80];

	J(c, eml_json_obj_begin(&c->j));
	J(c, eml_json_key(&c->j, "partId"));
	if (jp->is_multipart)
		J(c, eml_json_null(&c->j));
	else
		J(c, eml_json_cstr(&c->j, jp->section));
	J(c, eml_json_key(&c->j, "blobId"));
	if (jp->is_multipart) {
		J(c, eml_json_null(&c->j));
	} else {
		memcpy(blob, "sha256:", 7);
		copy_str(blob + 7, sizeof(blob) - 7, jp->hex);
		J(c, eml_json_cstr(&c->j, blob));
	}
	J(c, eml_json_key(&c->j, "type"));
	J(c, eml_json_cstr(&c->j, jp->ctype));
	J(c, eml_json_key(&c->j, "charset"));
	if (jp->charset[0] != '\0')
		J(c, eml_json_cstr(&c->j, jp->charset));
	else if (starts(jp->ctype, "text/"))
		J(c, eml_json_cstr(&c->j, "us-ascii"));	/* RFC 2045 5.2 */
	else
		J(c, eml_json_null(&c->j));
	J(c, eml_json_key(&c->j, "disposition"));
	J(c, eml_json_cstr(&c->j, jp->disp[0] ? jp->disp : NULL));
	J(c, eml_json_key(&c->j, "name"));
	J(c, eml_json_cstr(&c->j, jp->name.len ? jp->name.data : NULL));
	key_cid(c, jp);
	key_language(c, jp);
	J(c, eml_json_key(&c->j, "location"));
	if (jp->has_loc) {
		raw_text(c, &jp->loc);
		put_tmp(c);
	} else
		J(c, eml_json_null(&c->j));
	J(c, eml_json_key(&c->j, "encoding"));
	J(c, eml_json_cstr(&c->j, eml_cte_name(jp->cte)));
	J(c, eml_json_key(&c->j, "section"));
	section_label(jp, label, sizeof(label));
	J(c, eml_json_cstr(&c->j, label));
	J(c, eml_json_key(&c->j, "offset"));
	J(c, eml_json_int(&c->j, (int64_t)jp->offset));
	J(c, eml_json_key(&c->j, "size"));
	J(c, eml_json_int(&c->j, (int64_t)jp->size));
	J(c, eml_json_key(&c->j, "sha256"));
	J(c, eml_json_cstr(&c->j, jp->is_multipart ? NULL : jp->hex));
	if (c->part_headers)
		headers(c, &jp->headers);
	if (jp->is_multipart && with_sub) {
		J(c, eml_json_key(&c->j, "subParts"));
		if (depth >= MAX_STRUCT_DEPTH) {
			J(c, eml_json_null(&c->j));
		} else {
			J(c, eml_json_arr_begin(&c->j));
			for (ch = jp->first; ch != NULL; ch = ch->next)
				part(c, ch, depth + 1, 1);
			J(c, eml_json_arr_end(&c->j));
		}
	}
	/* ext: the structure of an attached message, which JMAP keeps a
	 * leaf, so that nested attachments are reachable with digests. */
	if (jp->is_message && jp->first != NULL && with_sub) {
		J(c, eml_json_key(&c->j, "subMessage"));
		if (depth >= MAX_STRUCT_DEPTH)
			J(c, eml_json_null(&c->j));
		else
			part(c, jp->first, depth + 1, 1);
	}
	J(c, eml_json_obj_end(&c->j));
	spill(c);
}

static void
part_list(struct ctx *c, const char *key, const struct eml_shape **v,
    size_t n)
{
	size_t i;

	J(c, eml_json_key(&c->j, key));
	J(c, eml_json_arr_begin(&c->j));
	for (i = 0; i < n; i++)
		part(c, v[i]->user, 0, 0);
	J(c, eml_json_arr_end(&c->j));
}

/* Drop an incomplete UTF-8 sequence at the end of a cut value. */
static size_t
utf8_cut(const char *s, size_t n)
{
	size_t i, k;

	for (i = 1; i <= 4 && i <= n; i++) {
		unsigned char b = (unsigned char)s[n - i];

		if ((b & 0xc0) == 0x80)
			continue;
		k = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 :
		    b >= 0xc0 ? 2 : 1;
		return k > i ? n - i : n;
	}
	return n;
}

/* Append s[0..n) to out with each CRLF made LF (RFC 8621 4.1.4
 * bodyValues): runs between CRs are copied whole, a lone CR is kept. */
static void
crlf_to_lf(const char *s, size_t n, struct eml_buf *out)
{
	const char *e = s + n, *cr;
	char *w;

	if ((w = eml_buf_reserve(out, n)) == NULL)
		tool_die(NULL, "out of memory");
	while ((cr = memchr(s, '\r', (size_t)(e - s))) != NULL) {
		if (cr + 1 < e && cr[1] == '\n') {
			memcpy(w, s, (size_t)(cr - s));
			w += cr - s;
			s = cr + 1;	/* the LF is copied with the next run */
		} else {
			memcpy(w, s, (size_t)(cr + 1 - s));
			w += cr + 1 - s;
			s = cr + 1;
		}
	}
	memcpy(w, s, (size_t)(e - s));
	w += e - s;
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0';
}

/* The kept start of a text part as UTF-8 with LF line ends (RFC 8621
 * 4.1.4 bodyValues) in c->vt, c->vt_problem for a guessed charset or a
 * decoding problem.  The preview and then bodyValues ask for the same
 * part first: the last one made is kept. */
static const struct eml_buf *
value_text(struct ctx *c, const struct jpart *jp)
{
	struct eml_buf u = { 0 };
	const char *raw = jp->value.data ? jp->value.data : "", *t;
	size_t n = jp->value.len, tn;
	int guessed = 0, valid, plain = jp->charset[0] == '\0' ||
	    strcmp(jp->charset, "utf-8") == 0 ||
	    strcmp(jp->charset, "us-ascii") == 0;

	if (c->vt_part == jp)
		return &c->vt;
	c->vt_part = jp;
	eml_buf_reset(&c->vt);
	if (jp->value_cut && plain)
		n = utf8_cut(raw, n);
	/* Valid UTF-8 labelled UTF-8 or ASCII, or unlabelled, is its own
	 * UTF-8 (as eml_charset_to_utf8 would copy it): no copy. */
	valid = plain && eml_utf8_valid(raw, n);
	if (valid) {
		t = raw;
		tn = n;
	} else {
		xcheck(eml_charset_to_utf8(jp->charset[0] ? jp->charset :
		    NULL, raw, n, NULL, &u, &guessed));
		t = u.data ? u.data : "";
		tn = u.len;
	}
	if (jp->charset[0] == '\0' && !valid)
		guessed = 1;
	/* A multibyte character cut by the limit decodes as U+FFFD. */
	if (jp->value_cut && tn >= 3 &&
	    memcmp(t + tn - 3, "\xef\xbf\xbd", 3) == 0)
		tn -= 3;
	crlf_to_lf(t, tn, &c->vt);
	eml_buf_free(&u);
	c->vt_problem = guessed || jp->enc_problem;
	return &c->vt;
}

static void
body_value(struct ctx *c, const struct jpart *jp)
{
	const struct eml_buf *t = value_text(c, jp);
	int cut = jp->value_cut;
	size_t n;

	if (c->vt_problem)
		c->fallback = 1;
	n = t->len;
	if (n > c->max_value) {
		n = utf8_cut(t->data, c->max_value);
		cut = 1;
	}
	J(c, eml_json_key(&c->j, jp->section));
	J(c, eml_json_obj_begin(&c->j));
	J(c, eml_json_key(&c->j, "value"));
	J(c, eml_json_str(&c->j, t->data ? t->data : "", n));
	J(c, eml_json_key(&c->j, "isEncodingProblem"));
	J(c, eml_json_bool(&c->j, c->vt_problem));
	J(c, eml_json_key(&c->j, "isTruncated"));
	J(c, eml_json_bool(&c->j, cut));
	J(c, eml_json_obj_end(&c->j));
	spill(c);
}

/* bodyValues for the text parts of textBody and htmlBody, once each. */
static void
body_values(struct ctx *c)
{
	const struct eml_shape_bodies *b = &c->bodies;
	const struct eml_shape **ls[2] = { b->text, b->html };
	size_t lens[2] = { b->ntext, b->nhtml };
	size_t i, k, m;
	int seen;

	J(c, eml_json_key(&c->j, "bodyValues"));
	J(c, eml_json_obj_begin(&c->j));
	for (m = 0; m < 2; m++) {
		for (i = 0; i < lens[m]; i++) {
			const struct jpart *jp = ls[m][i]->user;

			if (!starts(jp->ctype, "text/"))
				continue;
			seen = 0;
			for (k = 0; k < (m == 0 ? i : b->ntext) && !seen; k++)
				seen = b->text[k] == ls[m][i];
			for (k = 0; m == 1 && k < i && !seen; k++)
				seen = b->html[k] == ls[m][i];
			if (!seen)
				body_value(c, jp);
		}
	}
	J(c, eml_json_obj_end(&c->j));
}

/* RFC 8621 preview: from the first text part of textBody. */
static void
preview(struct ctx *c)
{
	struct eml_buf pv = { 0 };
	const struct eml_buf *t;
	const struct jpart *jp = NULL;
	size_t i;

	for (i = 0; i < c->bodies.ntext && jp == NULL; i++) {
		const struct jpart *tp = c->bodies.text[i]->user;

		if (starts(tp->ctype, "text/"))
			jp = tp;
	}
	J(c, eml_json_key(&c->j, "preview"));
	if (jp != NULL) {
		t = value_text(c, jp);
		xcheck(eml_preview(t->data ? t->data : "", t->len,
		    strcmp(jp->ctype, "text/html") == 0, &pv));
	}
	J(c, eml_json_str(&c->j, pv.data ? pv.data : "", pv.len));
	eml_buf_free(&pv);
}

static const char *
sev_name(enum eml_severity s)
{
	return s == EML_SEV_CRIT ? "crit" : s == EML_SEV_WARN ? "warn" :
	    "info";
}

static void
diagnostics(struct ctx *c, const struct tool_src *src)
{
	char label[300];
	size_t i;

	J(c, eml_json_key(&c->j, "diagnostics"));
	J(c, eml_json_arr_begin(&c->j));
	for (i = 0; i < c->ndiags; i++) {
		const struct jdiag *d = &c->diags[i];
		const struct jpart *jp = d->part;

		J(c, eml_json_obj_begin(&c->j));
		J(c, eml_json_key(&c->j, "code"));
		J(c, eml_json_cstr(&c->j, eml_diag_name(d->code)));
		J(c, eml_json_key(&c->j, "severity"));
		J(c, eml_json_cstr(&c->j, sev_name(d->severity)));
		J(c, eml_json_key(&c->j, "line"));
		J(c, eml_json_int(&c->j, (int64_t)d->line));
		/* ext: the same counted from the start of the input file,
		 * which differs for a message of an mbox */
		J(c, eml_json_key(&c->j, "inputLine"));
		J(c, eml_json_int(&c->j, d->line > 0 ?
		    (int64_t)(src->line + d->line - 1) : 0));
		J(c, eml_json_key(&c->j, "message"));
		J(c, eml_json_cstr(&c->j, eml_diag_text(d->code)));
		/* The part's ids as bodyStructure gives them. */
		J(c, eml_json_key(&c->j, "partId"));
		J(c, eml_json_cstr(&c->j, jp == NULL || jp->is_multipart ?
		    NULL : jp->section));
		J(c, eml_json_key(&c->j, "section"));
		if (jp != NULL)
			section_label(jp, label, sizeof(label));
		else
			label[0] = '\0';
		J(c, eml_json_cstr(&c->j, label));
		J(c, eml_json_obj_end(&c->j));
		spill(c);
	}
	J(c, eml_json_arr_end(&c->j));
}

static void
source(struct ctx *c, const struct tool_src *src)
{
	if ((!src->multi && !src->in_mbox) || tool_in.with_name == 0)
		return;
	J(c, eml_json_key(&c->j, "source"));
	J(c, eml_json_obj_begin(&c->j));
	J(c, eml_json_key(&c->j, "file"));
	J(c, eml_json_cstr(&c->j, src->name));
	J(c, eml_json_key(&c->j, "index"));
	J(c, eml_json_int(&c->j, (int64_t)src->index));
	J(c, eml_json_key(&c->j, "offset"));
	J(c, eml_json_int(&c->j, (int64_t)src->offset));
	J(c, eml_json_obj_end(&c->j));
}

static int
emit(struct ctx *c, const struct tool_src *src)
{
	c->err = 0;
	eml_buf_reset(&c->out);
	eml_json_init(&c->j, &c->out, c->pretty);
	if (c->root == NULL) {
		tool_warn_src(src, 0, "no message structure");
		return 1;
	}
	if (eml_shape_bodies(&c->root->shape, &c->bodies) != EML_OK)
		tool_die(NULL, "out of memory");
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
	J(c, eml_json_key(&c->j, "subject"));
	c->subj_hdr = NULL;
	if (field_text(c, &c->top, "subject")) {
		put_tmp(c);
		c->subj_hdr = hdrs_get(&c->top, "subject");
		eml_buf_reset(&c->subj);
		xcheck(eml_buf_add(&c->subj, c->tmp.data ? c->tmp.data : "",
		    c->tmp.len));
	} else
		J(c, eml_json_null(&c->j));
	key_date(c);
	key_received(c, src);
	J(c, eml_json_key(&c->j, "size"));
	J(c, eml_json_int(&c->j, (int64_t)c->size));
	headers(c, &c->top);
	J(c, eml_json_key(&c->j, "bodyStructure"));
	part(c, c->root, 0, 1);
	part_list(c, "textBody", c->bodies.text, c->bodies.ntext);
	part_list(c, "htmlBody", c->bodies.html, c->bodies.nhtml);
	part_list(c, "attachments", c->bodies.attachments,
	    c->bodies.nattachments);
	J(c, eml_json_key(&c->j, "hasAttachment"));
	J(c, eml_json_bool(&c->j, c->bodies.nattachments > 0));
	preview(c);
	body_values(c);
	diagnostics(c, src);
	J(c, eml_json_key(&c->j, "guessed"));
	J(c, eml_json_obj_begin(&c->j));
	J(c, eml_json_key(&c->j, "fallbackCharset"));
	J(c, eml_json_bool(&c->j, c->fallback));
	J(c, eml_json_key(&c->j, "repairedBoundary"));
	J(c, eml_json_bool(&c->j, c->repaired));
	J(c, eml_json_key(&c->j, "lenientDate"));
	J(c, eml_json_bool(&c->j, c->lenient_date));
	J(c, eml_json_obj_end(&c->j));
	if (c->hdrs_dropped) {
		J(c, eml_json_key(&c->j, "headersTruncated"));
		J(c, eml_json_bool(&c->j, 1));
	}
	source(c, src);
	J(c, eml_json_obj_end(&c->j));
	eml_shape_bodies_free(&c->bodies);
	if (c->err != 0) {
		/* What was spilled already is cut short: end the line so
		 * the next object starts on its own. */
		tool_write("\n", 1);
		tool_warn_src(src, 0, "%s", eml_strerror(c->err));
		return 1;
	}
	xcheck(eml_buf_addc(&c->out, '\n'));
	tool_write(c->out.data, c->out.len);
	eml_buf_reset(&c->out);
	return 0;
}

static int
drain(struct ctx *c, const struct tool_src *src)
{
	struct eml_event ev;
	int r;

	while ((r = eml_parser_next(c->p, &ev)) > 0)
		on_event(c, &ev);
	if (r < 0 && !c->failed) {
		tool_warn_src(src, 0, "%s", eml_parser_errmsg(c->p));
		c->failed = 1;
	}
	return r < 0;
}

static int
chunk(enum tool_chunk what, const char *data, size_t len,
    const struct tool_src *src, void *arg)
{
	struct ctx *c = arg;
	int r;

	switch (what) {
	case TOOL_BEGIN:
		msg_free(c);
		eml_parser_reset(c->p);
		return 0;
	case TOOL_DATA:
		if (c->failed)
			return 0;
		c->size += len;
		if (eml_parser_feed(c->p, data, len) != EML_OK) {
			tool_warn_src(src, 0, "parser misuse");
			c->failed = 1;
			return 1;
		}
		return drain(c, src);
	case TOOL_END:
		if (c->failed) {
			msg_free(c);
			return 1;
		}
		eml_parser_finish(c->p);
		if (drain(c, src)) {
			msg_free(c);
			return 1;
		}
		r = emit(c, src);
		msg_free(c);
		return r;
	}
	return 0;
}

static size_t
parse_size(const char *s)
{
	char *e;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &e, 10);
	if (errno != 0 || e == s || *e != '\0' || s[0] == '-') {
		tool_warn(NULL, "--max-body-value-bytes: not a number: %s", s);
		tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
	}
	/* JMAP: 0 means no limit; ours is the memory bound's. */
	if (v == 0 || v > VALUE_BUDGET)
		v = VALUE_BUDGET;
	return (size_t)v;
}

enum {
	OPT_MAX_VALUE = 0x200,
	OPT_PART_HEADERS,
	OPT_PROPERTIES
};

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pretty", no_argument, NULL, 'p' },
		{ "max-body-value-bytes", required_argument, NULL,
		    OPT_MAX_VALUE },
		{ "part-headers", no_argument, NULL, OPT_PART_HEADERS },
		{ "properties", required_argument, NULL, OPT_PROPERTIES },
		TOOL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct eml_parser_opts o;
	struct ctx c;
	int ch, rc;

	tool_init("eml-json");
	memset(&c, 0, sizeof(c));
	c.max_value = DEF_MAX_VALUE;
	while ((ch = getopt_long(argc, argv, "ph" TOOL_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (tool_opt(ch, optarg, usage_text, help_text))
			continue;
		switch (ch) {
		case 'h':
			tool_help_exit(usage_text, help_text);
		case 'p':
			c.pretty = 1;
			break;
		case OPT_MAX_VALUE:
			c.max_value = parse_size(optarg);
			break;
		case OPT_PART_HEADERS:
			c.part_headers = 1;
			break;
		case OPT_PROPERTIES:
			/* JMAP bodyProperties: only "headers" changes
			 * what is written; the rest is always there. */
			if (strstr(optarg, "headers") != NULL)
				c.part_headers = 1;
			break;
		default:
			tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
		}
	}
	memset(&o, 0, sizeof(o));
	o.flags = EML_PARSE_DECODE;
	if ((c.p = eml_parser_new(&o)) == NULL)
		tool_die(NULL, "out of memory");
	tool_sha256_need();	/* every blobId is a digest */
	tool_in.confine = 1;	/* reads only: no writes, exec, network */
	rc = tool_run(argc - optind, argv + optind, chunk, &c);
	msg_free(&c);
	eml_parser_free(c.p);
	free(c.stack);
	free(c.diags);
	hdrs_free(&c.top);
	eml_buf_free(&c.out);
	eml_buf_free(&c.tmp);
	eml_buf_free(&c.vt);
	eml_buf_free(&c.subj);
	return tool_flush(rc);
}
