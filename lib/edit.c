/*
 * edit.c - streaming edits: rules applied while copying the parser's raw
 * slices to a sink.
 *
 * The raw slices of the parser's events tile the input, so an editor
 * that writes every slice it is not told to change gives the input back
 * byte for byte.  What a rule needs to see before it can decide is the
 * header block of a part (its section is final only at HEADERS_END, and
 * a callback decides by Content-Type or Content-Disposition), so the
 * delimiter line and header fields of a part that a rule could address
 * are held until HEADERS_END; every other part streams through one
 * event at a time.  Bodies are never held: a removed or replaced body
 * is dropped as it is parsed, a re-encoded one goes through a filter
 * chain (decode, charset, encode) into the sink.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>

#include "eml_priv.h"

#define MAX_RULES	1024
#define HOLD_MAX_DEFAULT (EML_DEFAULT_MAX_HEADER_BLOCK + \
	    EML_DEFAULT_MAX_HEADER_BYTES)
#define READ_CHUNK	65536

enum rkind {
	R_REMOVE,
	R_REPLACE,
	R_HEADER,	/* set (value) or remove (NULL) a header field */
	R_PARAM,	/* set or remove a parameter of a field */
	R_REENCODE,
	R_7BIT		/* every 8bit/binary leaf to QP or base64 */
};

struct rule {
	enum rkind kind;
	char *section;		/* NULL: every part (R_7BIT) */
	char *name;		/* header field name */
	char *param;		/* R_PARAM: parameter name */
	char *value;		/* NULL = remove */
	int cte;		/* R_REENCODE: target, -1 = keep */
	char *charset;		/* R_REENCODE: target or NULL */
	struct eml_edit_content content; /* R_REPLACE (borrowed) */
};

/* One held event of the pending header block. */
struct held {
	enum eml_event_type type;	/* BOUNDARY, HEADER or RAW */
	size_t off, len;		/* in e->hold */
	size_t name_len;		/* HEADER: name at off */
};

/* One edit that applies to the header block being written. */
struct pedit {
	int kind;		/* R_HEADER or R_PARAM */
	const char *name;
	const char *param;
	const char *value;
	int done;		/* R_HEADER set: first field replaced */
};

struct eml_edit {
	struct eml_parser *p;
	struct eml_sink *out;		/* not owned */
	int err;			/* sticky */
	char errmsg[160];
	unsigned applied;

	struct rule *rules;
	size_t nrules, rcap;
	int (*decide)(void *, const struct eml_part *, const char *, size_t,
	    struct eml_edit_decision *);
	void *decide_ctx;
	int (*field_fn)(void *, const struct eml_part *, const char *,
	    size_t, struct eml_buf *);
	void *field_ctx;
	struct eml_buf fbuf;		/* a field the filter rewrote */
	const char *fallback;

	/* the header block being held */
	int holding;			/* between PART_BEGIN and HEADERS_END */
	struct eml_buf hold;
	struct held *hv;
	size_t nhv, hvcap;
	int delim_pending;		/* hv[0] is a delimiter not yet sent */

	/* dropping a removed or replaced part up to its PART_END */
	int dropping;
	unsigned drop_nest;

	/* re-encoding a leaf body */
	struct eml_sink *chain;
	uint64_t chain_offset;		/* the leaf it is for: by offset, */
	unsigned chain_depth;		/* as the parser may move parts */

	int eol_known, crlf;		/* line ends of the input */
	int wrote;			/* something was written, */
	char last;			/* ending in this byte */
	int after_drop;			/* a part was just dropped */
	int finished;
	struct eml_buf tmp;		/* one field being rewritten */
	struct eml_buf tmp2;
};

/* ------------------------------------------------------------------ */

static int
fail(struct eml_edit *e, int err, const char *what)
{
	if (e->err == EML_OK) {
		e->err = err;
		snprintf(e->errmsg, sizeof(e->errmsg), "%s: %s", what,
		    eml_strerror(err));
	}
	return e->err;
}

struct eml_edit *
eml_edit_new(struct eml_sink *out, const struct eml_parser_opts *opts)
{
	struct eml_edit *e;
	struct eml_parser_opts o = { 0 };

	if (out == NULL)
		return NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if (opts != NULL)
		o = *opts;
	/* the editor needs raw bytes only: the decode filter decodes */
	o.flags &= ~(unsigned)EML_PARSE_DECODE;
	if ((e->p = eml_parser_new(&o)) == NULL) {
		free(e);
		return NULL;
	}
	e->out = out;
	e->fallback = opts != NULL && opts->fallback_charset != NULL ?
	    opts->fallback_charset : EMLI_FALLBACK;
	e->hold.max = HOLD_MAX_DEFAULT;
	if (opts != NULL && opts->max_header_block > 0)
		e->hold.max = opts->max_header_block +
		    (opts->max_header_bytes > 0 ? opts->max_header_bytes :
		    EML_DEFAULT_MAX_HEADER_BYTES);
	e->tmp.max = e->tmp2.max = e->fbuf.max = e->hold.max;
	return e;
}

static void
rule_free(struct rule *r)
{
	free(r->section);
	free(r->name);
	free(r->param);
	free(r->value);
	free(r->charset);
}

void
eml_edit_free(struct eml_edit *e)
{
	size_t i;

	if (e == NULL)
		return;
	if (e->chain != NULL)
		eml_sink_abort(e->chain);
	for (i = 0; i < e->nrules; i++)
		rule_free(&e->rules[i]);
	free(e->rules);
	free(e->hv);
	eml_buf_free(&e->hold);
	eml_buf_free(&e->tmp);
	eml_buf_free(&e->tmp2);
	eml_buf_free(&e->fbuf);
	eml_parser_free(e->p);
	free(e);
}

const char *
eml_edit_errmsg(const struct eml_edit *e)
{
	return e->errmsg[0] ? e->errmsg : eml_strerror(e->err);
}

unsigned
eml_edit_applied(const struct eml_edit *e)
{
	return e->applied;
}

/* ------------------------------------------------------------------ */
/* Rules                                                                */

static char *
dup_or_null(const char *s, int *bad)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*bad = 1;
	return d;
}

/* RFC 5322 3.6.8: field-name = 1*ftext, ftext = %d33-57 / %d59-126 */
static int
valid_field_name(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 33 || (unsigned char)*s > 126 ||
		    *s == ':')
			return 0;
	return 1;
}

static int
add_rule(struct eml_edit *e, const struct rule *tmpl)
{
	struct rule *r, *v;
	int bad = 0;

	if (e->err != EML_OK)
		return e->err;
	if (e->nrules >= MAX_RULES)
		return EML_ELIMIT;
	if (e->nrules == e->rcap) {
		size_t cap = e->rcap ? e->rcap * 2 : 4;

		if ((v = realloc(e->rules, cap * sizeof(*v))) == NULL)
			return EML_ENOMEM;
		e->rules = v;
		e->rcap = cap;
	}
	r = &e->rules[e->nrules];
	*r = *tmpl;
	r->section = dup_or_null(tmpl->section, &bad);
	r->name = dup_or_null(tmpl->name, &bad);
	r->param = dup_or_null(tmpl->param, &bad);
	r->value = dup_or_null(tmpl->value, &bad);
	r->charset = dup_or_null(tmpl->charset, &bad);
	if (bad) {
		rule_free(r);
		return EML_ENOMEM;
	}
	e->nrules++;
	return EML_OK;
}

int
eml_edit_remove(struct eml_edit *e, const char *section)
{
	struct rule r = { .kind = R_REMOVE, .section = (char *)(uintptr_t)
	    section };

	if (section == NULL)
		return EML_EINVAL;
	return add_rule(e, &r);
}

/* What goes into a header field must not end it (no CR or LF): a
 * file name from outside must not add fields of its own. */
static int
content_ok(const struct eml_edit_content *c)
{
	return (c->ctype == NULL || strpbrk(c->ctype, "\r\n") == NULL) &&
	    (c->disposition == NULL ||
	    strpbrk(c->disposition, "\r\n") == NULL) &&
	    (c->filename == NULL || strpbrk(c->filename, "\r\n") == NULL);
}

int
eml_edit_replace(struct eml_edit *e, const char *section,
    const struct eml_edit_content *c)
{
	struct rule r = { .kind = R_REPLACE };

	if (section == NULL || c == NULL || !content_ok(c))
		return EML_EINVAL;
	r.section = (char *)(uintptr_t)section;
	r.content = *c;
	return add_rule(e, &r);
}

int
eml_edit_set_header(struct eml_edit *e, const char *section,
    const char *name, const char *utf8)
{
	struct rule r = { .kind = R_HEADER };

	if (section == NULL || !valid_field_name(name) ||
	    (utf8 != NULL && strpbrk(utf8, "\r\n") != NULL))
		return EML_EINVAL;
	r.section = (char *)(uintptr_t)section;
	r.name = (char *)(uintptr_t)name;
	r.value = (char *)(uintptr_t)utf8;
	return add_rule(e, &r);
}

int
eml_edit_set_param(struct eml_edit *e, const char *section,
    const char *field, const char *param, const char *utf8)
{
	struct rule r = { .kind = R_PARAM };
	const char *s;

	if (section == NULL || !valid_field_name(field) || param == NULL ||
	    *param == '\0' || (utf8 != NULL && strpbrk(utf8, "\r\n") != NULL))
		return EML_EINVAL;
	/* RFC 2045 5.1: attribute := token, and "*" marks RFC 2231 */
	for (s = param; *s; s++)
		if ((unsigned char)*s <= 32 || (unsigned char)*s >= 127 ||
		    strchr("()<>@,;:\\\"/[]?=*'%", *s) != NULL)
			return EML_EINVAL;
	r.section = (char *)(uintptr_t)section;
	r.name = (char *)(uintptr_t)field;
	r.param = (char *)(uintptr_t)param;
	r.value = (char *)(uintptr_t)utf8;
	return add_rule(e, &r);
}

int
eml_edit_reencode(struct eml_edit *e, const char *section, int cte,
    const char *charset)
{
	struct rule r = { .kind = R_REENCODE };

	if (section == NULL || cte < -1 || cte >= EML_CTE_UUENCODE)
		return EML_EINVAL;
	r.section = (char *)(uintptr_t)section;
	r.cte = cte;
	r.charset = (char *)(uintptr_t)charset;
	return add_rule(e, &r);
}

int
eml_edit_7bit(struct eml_edit *e)
{
	struct rule r = { .kind = R_7BIT };

	return add_rule(e, &r);
}

int
eml_edit_set_callback(struct eml_edit *e,
    int (*decide)(void *ctx, const struct eml_part *part, const char *hdr,
    size_t hdr_len, struct eml_edit_decision *d_r), void *ctx)
{
	e->decide = decide;
	e->decide_ctx = ctx;
	return EML_OK;
}

int
eml_edit_set_field_filter(struct eml_edit *e,
    int (*fn)(void *ctx, const struct eml_part *part, const char *f,
    size_t len, struct eml_buf *out), void *ctx)
{
	e->field_fn = fn;
	e->field_ctx = ctx;
	return EML_OK;
}

/* ------------------------------------------------------------------ */
/* Addressing                                                           */

/* A part that holds a message: the root, or the body of message/rfc822. */
static int
message_level(const struct eml_part *pt)
{
	return pt->parent == NULL || pt->parent->is_message;
}

/*
 * Does rule section s address part pt (section final)?  "" is the top
 * header block; "HEADER" and "N.HEADER" (RFC 3501 6.4.5) the header of
 * the message at the top or in part N; otherwise the parser's section,
 * where a multipart message inside message/rfc822 part N, which the
 * parser numbers N too, is left to N itself.
 */
static int
addresses(const char *s, const struct eml_part *pt)
{
	size_t n = strlen(s);

	if (n == 0)
		return pt->depth == 0;
	if (n >= 6 && strcmp(s + n - 6, "HEADER") == 0) {
		if (!message_level(pt))
			return 0;
		if (n == 6)
			return pt->depth == 0;
		return pt->parent != NULL && s[n - 7] == '.' &&
		    strlen(pt->parent->section) == n - 7 &&
		    memcmp(pt->parent->section, s, n - 7) == 0;
	}
	if (strcmp(s, pt->section) != 0)
		return 0;
	return pt->parent == NULL ||
	    strcmp(pt->parent->section, pt->section) != 0;
}

/*
 * Could a rule address pt, whose section may still change at
 * HEADERS_END?  A message-level part ends up with its parent's section
 * S or with S.1, and may be called "" or HEADER; a multipart child's
 * section is final from PART_BEGIN.
 */
static int
may_address(const char *s, const struct eml_part *pt)
{
	const char *base;
	size_t bl;

	if (!message_level(pt))
		return strcmp(s, pt->section) == 0;
	if (pt->depth == 0 && (*s == '\0' || strcmp(s, "HEADER") == 0 ||
	    strcmp(s, "1") == 0))
		return 1;
	base = pt->parent != NULL ? pt->parent->section : "";
	bl = strlen(base);
	if (strncmp(s, base, bl) != 0)
		return 0;
	s += bl;
	return *s == '\0' || strcmp(s, ".1") == 0 || strcmp(s, ".HEADER") == 0;
}

static int
need_hold(const struct eml_edit *e, const struct eml_part *pt)
{
	size_t i;

	if (e->decide != NULL)
		return 1;
	for (i = 0; i < e->nrules; i++)
		if (e->rules[i].section == NULL ||
		    may_address(e->rules[i].section, pt))
			return 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Output                                                               */

static int
put(struct eml_edit *e, const void *p, size_t n)
{
	int r;

	if (e->err != EML_OK)
		return e->err;
	if (n == 0)
		return EML_OK;
	if ((r = eml_sink_write(e->out, p, n)) < 0)
		return fail(e, r, "writing the output");
	e->last = ((const char *)p)[n - 1];
	e->wrote = 1;
	return EML_OK;
}

static int
puts_(struct eml_edit *e, const char *s)
{
	return put(e, s, strlen(s));
}

static const char *
eol(const struct eml_edit *e)
{
	return e->crlf ? "\r\n" : "\n";
}

/* The input's line ends are those of its first line. */
static void
learn_eol(struct eml_edit *e, const char *raw, size_t n)
{
	const char *nl;

	if (e->eol_known || n == 0 || (nl = memchr(raw, '\n', n)) == NULL)
		return;
	e->eol_known = 1;
	e->crlf = nl > raw && nl[-1] == '\r';
}

/* A sink that passes to e->out without owning it (chains end in it). */
static int
fwd_write(void *ctx, const void *p, size_t n)
{
	return put(ctx, p, n);
}

static struct eml_sink *
fwd_sink(struct eml_edit *e)
{
	return eml_sink_cb(fwd_write, NULL, e);
}

/* ------------------------------------------------------------------ */
/* Delimiter guard                                                      */

/*
 * RFC 2046 5.1.1: a body must not hold a line that is a delimiter of a
 * multipart around it.  The input's bodies do not (the parser would have
 * split them there), but re-encoded bytes are new: QP's soft breaks
 * start new lines anywhere ("x...x=" then "--b--"), and decoded bytes
 * written as 8bit may hold "--b".  The editor cannot change a boundary
 * it did not write, so QP output gets a line's leading '-' as "=2D"
 * (re-broken to stay within 76 columns), and bytes that pass unencoded
 * are checked: a line "--" + an enclosing boundary fails the edit with
 * EML_EFORMAT (re-encode to QP or base64 instead).
 */
#define GUARD_LINE	256
#define QP_COLS		76	/* RFC 2045 6.7 rule 5 */

struct guard {
	struct eml_sink s;
	int escape;			/* QP output: escape, else check */
	int crlf;
	int pass;			/* the rest of this line passes */
	unsigned char line[GUARD_LINE];	/* the line start held */
	size_t n;
	char *bounds;			/* check: "b1\0b2\0" around the part */
	size_t blen, maxb;
};

static int
guard_put(struct guard *g, const void *p, size_t n)
{
	return n > 0 ? eml_sink_write(g->s.next, p, n) : EML_OK;
}

/* Write a held line that starts "--" as QP with its '-' as =2D. */
static int
guard_escape(struct guard *g)
{
	const unsigned char *l = g->line;
	size_t n = g->n, len = n, k;
	int r;

	if (len > 0 && l[len - 1] == '\n')
		len--;
	if (len > 0 && l[len - 1] == '\r')
		len--;
	if ((r = guard_put(g, "=2D", 3)) < 0)
		return r;
	if (len <= QP_COLS - 2 || len >= GUARD_LINE - 2)
		return guard_put(g, l + 1, n - 1);
	/* "=2D" + l[1..k) + "=" fits in 76; no "=XX" is cut */
	k = QP_COLS - 3;
	if (l[k - 1] == '=')
		k -= 1;
	else if (l[k - 2] == '=')
		k -= 2;
	if ((r = guard_put(g, l + 1, k - 1)) < 0 ||
	    (r = guard_put(g, "=", 1)) < 0 ||
	    (r = guard_put(g, g->crlf ? "\r\n" : "\n", g->crlf ? 2 : 1)) < 0)
		return r;
	if (n - k >= 2 && l[k] == '-' && l[k + 1] == '-') {
		/* the short rest starts a line too */
		if ((r = guard_put(g, "=2D", 3)) < 0)
			return r;
		k++;
	}
	return guard_put(g, l + k, n - k);
}

/* Decide on the held line start once it is known enough; at_end: no
 * more bytes come. */
static int
guard_decide(struct guard *g, int at_end)
{
	const unsigned char *l = g->line;
	size_t n = g->n, i, bl;
	int nl = l[n - 1] == '\n', r = EML_OK;
	const char *b;

	if (l[0] != '-' || (n >= 2 && l[1] != '-')) {
		r = guard_put(g, l, n);
	} else if (!nl && !at_end &&
	    n < (g->escape ? GUARD_LINE : EMLI_MIN(GUARD_LINE, 2 + g->maxb))) {
		return EML_OK;	/* more of the line first */
	} else if (n < 2) {
		r = guard_put(g, l, n);
	} else if (g->escape) {
		r = guard_escape(g);
	} else {
		for (i = 0; i < g->blen; i += bl + 1) {
			b = g->bounds + i;
			bl = strlen(b);
			if (n >= 2 + bl && memcmp(l + 2, b, bl) == 0)
				return EML_EFORMAT;
		}
		r = guard_put(g, l, n);
	}
	g->n = 0;
	g->pass = !nl;
	return r;
}

static int
guard_write(struct eml_sink *s, const void *p, size_t n)
{
	struct guard *g = (struct guard *)s;
	const unsigned char *q = p, *end = q + n, *nl;
	size_t k;
	int r;

	while (q < end) {
		if (g->pass) {
			nl = memchr(q, '\n', (size_t)(end - q));
			k = nl != NULL ? (size_t)(nl - q) + 1 : (size_t)(end - q);
			if ((r = guard_put(g, q, k)) < 0)
				return r;
			q += k;
			if (nl != NULL)
				g->pass = 0;
			continue;
		}
		g->line[g->n++] = *q++;
		if ((r = guard_decide(g, 0)) < 0)
			return r;
	}
	return EML_OK;
}

static int
guard_finish(struct eml_sink *s)
{
	struct guard *g = (struct guard *)s;

	return g->n > 0 ? guard_decide(g, 1) : EML_OK;
}

static void
guard_release(struct eml_sink *s, int discard)
{
	free(((struct guard *)s)->bounds);
}

static const struct emli_sink_ops guard_ops = { guard_write, guard_finish,
    guard_release };

/* A guard in front of next for a body of pt (escape: QP output).  A
 * check with no multipart around pt is no guard: next itself. */
static struct eml_sink *
guard_new(struct eml_sink *next, int escape, int crlf,
    const struct eml_part *pt)
{
	struct guard *g;
	const struct eml_part *a;
	size_t len = 0, bl;
	char *b;

	if (next == NULL)
		return NULL;
	for (a = pt->parent; a != NULL; a = a->parent)
		if (a->is_multipart && a->boundary[0] != '\0')
			len += strlen(a->boundary) + 1;
	if (!escape && len == 0)
		return next;
	g = (struct guard *)emli_sink_new(sizeof(*g), &guard_ops, next, 1);
	if (g == NULL)
		return NULL;
	g->escape = escape;
	g->crlf = crlf;
	if (escape)
		return &g->s;
	if ((g->bounds = malloc(len)) == NULL) {
		eml_sink_abort(&g->s);
		return NULL;
	}
	for (a = pt->parent, b = g->bounds; a != NULL; a = a->parent) {
		if (!a->is_multipart || a->boundary[0] == '\0')
			continue;
		bl = strlen(a->boundary);
		memcpy(b, a->boundary, bl + 1);
		b += bl + 1;
		g->maxb = EMLI_MAX(g->maxb, bl);
	}
	g->blen = len;
	return &g->s;
}

/* ------------------------------------------------------------------ */
/* Parameters: spans in a raw field value                               */

struct pspan {
	size_t semi;	/* the ';' before the parameter */
	size_t ns, ne;	/* name */
	size_t ve;	/* one past the value */
};

/* Skip a quoted string starting at v[i] == '"'; returns past its end. */
static size_t
skip_quoted(const char *v, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (v[i] == '\\' && i + 1 < n)
			i++;
		else if (v[i] == '"')
			return i + 1;
	}
	return n;
}

/* From i, find the next ';' outside quotes and comments (or n). */
static size_t
next_semi(const char *v, size_t n, size_t i)
{
	while (i < n && v[i] != ';') {
		if (v[i] == '"')
			i = skip_quoted(v, n, i);
		else if (v[i] == '(')
			i = emli_skip_cfws(v, n, i);
		else
			i++;
	}
	return i;
}

/*
 * The next parameter of v[0..n) at or after *pos (RFC 2045 5.1:
 * parameter := attribute "=" value, value := token / quoted-string,
 * with CFWS around as RFC 5322 allows).  Returns 1 and *sp, 0 at the
 * end.  Text that is not a parameter is skipped to the next ';'.
 */
static int
next_param(const char *v, size_t n, size_t *pos, struct pspan *sp)
{
	size_t i = *pos, j;

	for (;;) {
		i = next_semi(v, n, i);
		if (i >= n)
			return 0;
		sp->semi = i;
		j = emli_skip_cfws(v, n, i + 1);
		sp->ns = j;
		while (j < n && (unsigned char)v[j] > 32 && v[j] != '=' &&
		    v[j] != ';' && v[j] != '(' && v[j] != '"' &&
		    (unsigned char)v[j] < 127)
			j++;
		sp->ne = j;
		j = emli_skip_cfws(v, n, j);
		if (sp->ne == sp->ns || j >= n || v[j] != '=') {
			i = j > i + 1 ? j : i + 1;
			continue;
		}
		j = emli_skip_cfws(v, n, j + 1);
		if (j < n && v[j] == '"') {
			j = skip_quoted(v, n, j);
		} else {
			while (j < n && (unsigned char)v[j] > 32 &&
			    v[j] != ';' && v[j] != '(' && v[j] != '"')
				j++;
		}
		sp->ve = j;
		*pos = j;
		return 1;
	}
}

/* Is the parameter name v[ns..ne) param, or one of its RFC 2231 forms
 * (param*, param*N, param*N*)? */
static int
param_is(const char *v, const struct pspan *sp, const char *param)
{
	size_t pl = strlen(param), nl = sp->ne - sp->ns;

	if (nl < pl || strncasecmp(v + sp->ns, param, pl) != 0)
		return 0;
	return nl == pl || v[sp->ns + pl] == '*';
}

/*
 * Set (value) or remove (NULL) parameter param of the field f (whole
 * field, "Name:" through its EOL), writing the new field to out.  Only
 * the parameter's bytes change: the first occurrence is rewritten in
 * place, later ones (RFC 2231 continuations too) go with their ';'; a
 * parameter not there is appended at the end of the value.  Returns 1
 * if the field changed.
 */
static int
edit_param(struct eml_edit *e, const char *f, size_t flen,
    const char *param, const char *value, struct eml_buf *out, int *r_r)
{
	const char *colon = memchr(f, ':', flen), *v;
	size_t vn, pos = 0, copied, vo, fe = flen;
	struct pspan sp;
	struct eml_buf enc = { 0 };
	int first = 1, changed = 0, r = EML_OK;

	*r_r = EML_OK;
	if (colon == NULL)
		return 0;
	/* the value runs to the EOL that ends the field */
	if (fe > 0 && f[fe - 1] == '\n')
		fe--;
	if (fe > 0 && f[fe - 1] == '\r')
		fe--;
	v = colon + 1;
	vo = v - f;
	vn = fe - vo;
	enc.max = e->tmp.max;
	if (value != NULL && (r = eml_rfc2231_encode(param, value,
	    strlen(value), eol(e), &enc)) != EML_OK)
		goto done;
	eml_buf_reset(out);
	copied = 0;
	while (r == EML_OK && next_param(v, vn, &pos, &sp)) {
		if (!param_is(v, &sp, param))
			continue;
		changed = 1;
		if (first && value != NULL) {
			/* rewrite from the name on, keeping "; " as written */
			if (enc.len >= 2 && enc.data[1] == ' ') {
				r = eml_buf_add(out, f + copied,
				    vo + sp.ns - copied);
				if (r == EML_OK)
					r = eml_buf_add(out, enc.data + 2,
					    enc.len - 2);
			} else {
				r = eml_buf_add(out, f + copied,
				    vo + sp.semi - copied);
				if (r == EML_OK)
					r = eml_buf_add(out, enc.data,
					    enc.len);
			}
		} else {
			r = eml_buf_add(out, f + copied, vo + sp.semi - copied);
		}
		copied = vo + sp.ve;
		first = 0;
	}
	if (r != EML_OK)
		goto done;
	if (first && value != NULL) {
		/* not there: append after what the value has */
		changed = 1;
		r = eml_buf_add(out, f + copied, fe - copied);
		if (r == EML_OK)
			r = eml_buf_add(out, enc.data, enc.len);
		copied = fe;
	}
	if (changed && r == EML_OK)
		r = eml_buf_add(out, f + copied, flen - copied);
done:
	eml_buf_free(&enc);
	*r_r = r;
	return r == EML_OK && changed;
}

/* ------------------------------------------------------------------ */
/* Header blocks                                                        */

static int
hold_add(struct eml_edit *e, const struct eml_event *ev)
{
	struct held *h;
	int r;

	if (e->nhv >= e->hvcap) {
		size_t cap = e->hvcap ? e->hvcap * 2 : 32;

		/* the parser caps fields per block; RAW runs are capped by
		 * hold.max, so is this array through it */
		if (cap > e->hold.max / 2 + 64)
			return fail(e, EML_ELIMIT, "holding a header block");
		if ((h = realloc(e->hv, cap * sizeof(*h))) == NULL)
			return fail(e, EML_ENOMEM, "holding a header block");
		e->hv = h;
		e->hvcap = cap;
	}
	h = &e->hv[e->nhv];
	h->type = ev->type;
	h->off = e->hold.len;
	h->len = ev->raw_len;
	h->name_len = ev->type == EML_EV_HEADER ? ev->name_len : 0;
	if ((r = eml_buf_add(&e->hold, ev->raw, ev->raw_len)) != EML_OK)
		return fail(e, r, "holding a header block");
	e->nhv++;
	return EML_OK;
}

static void
hold_clear(struct eml_edit *e)
{
	eml_buf_reset(&e->hold);
	e->nhv = 0;
	e->delim_pending = 0;
	e->holding = 0;
}

/* Write the held delimiter line, if any. */
static int
flush_delim(struct eml_edit *e)
{
	int r;

	if (!e->delim_pending)
		return EML_OK;
	e->delim_pending = 0;
	r = put(e, e->hold.data + e->hv[0].off, e->hv[0].len);
	/* a part that is held keeps its fields behind the delimiter */
	if (!e->holding)
		hold_clear(e);
	return r;
}

/* Write header field f of pt through the field filter, if any. */
static int
put_hdr(struct eml_edit *e, const struct eml_part *pt, const char *f,
    size_t flen)
{
	int r;

	if (e->field_fn == NULL || e->err != EML_OK)
		return put(e, f, flen);
	eml_buf_reset(&e->fbuf);
	if ((r = e->field_fn(e->field_ctx, pt, f, flen, &e->fbuf)) < 0)
		return fail(e, r, "the field filter");
	if (r == 0)
		return put(e, f, flen);
	return put(e, e->fbuf.data, e->fbuf.len);
}

/* Write one header field f, with the edits pv[0..npv) applied. */
static int
put_field(struct eml_edit *e, const struct eml_part *pt, const char *f,
    size_t flen, size_t name_len, struct pedit *pv, size_t npv)
{
	const char *cur = f;
	size_t cur_len = flen, i;
	struct eml_buf *a = &e->tmp, *b = &e->tmp2, *t;
	int r;

	for (i = 0; i < npv; i++) {
		struct pedit *pe = &pv[i];

		if (strlen(pe->name) != name_len ||
		    strncasecmp(cur, pe->name, name_len) != 0)
			continue;
		if (pe->kind == R_HEADER) {
			if (pe->value == NULL || pe->done)
				return EML_OK;	/* removed */
			pe->done = 1;
			eml_buf_reset(a);
			if ((r = eml_hdr_encode(pe->name, pe->value,
			    strlen(pe->value), eol(e), a)) != EML_OK)
				return fail(e, r, "encoding a header field");
			cur = a->data;
			cur_len = a->len;
			name_len = strlen(pe->name);
			t = a; a = b; b = t;
		} else if (!pe->done) {
			/* the first field of a name is the one readers use */
			pe->done = 1;
			if (edit_param(e, cur, cur_len, pe->param, pe->value, a,
			    &r)) {
				cur = a->data;
				cur_len = a->len;
				t = a; a = b; b = t;
			} else if (r != EML_OK) {
				return fail(e, r, "editing a parameter");
			}
		}
	}
	return put_hdr(e, pt, cur, cur_len);
}

/* Fields that set edits did not find go at the end of the block. */
static int
put_missing(struct eml_edit *e, struct pedit *pv, size_t npv,
    const struct eml_part *pt, int last_nl, int *added_r)
{
	size_t i, j;
	int r;

	for (i = 0; i < npv; i++) {
		struct pedit *pe = &pv[i];

		if (pe->done || pe->value == NULL)
			continue;
		eml_buf_reset(&e->tmp);
		if (pe->kind == R_HEADER) {
			r = eml_hdr_encode(pe->name, pe->value,
			    strlen(pe->value), eol(e), &e->tmp);
		} else {
			/* a parameter of a field that is not there: the
			 * field is made with what the part is (RFC 2045 5.2
			 * defaults for Content-Type) */
			const char *v = strcasecmp(pe->name,
			    "Content-Type") == 0 ? pt->ctype : "attachment";

			if ((r = eml_buf_adds(&e->tmp, pe->name)) == EML_OK &&
			    (r = eml_buf_adds(&e->tmp, ": ")) == EML_OK &&
			    (r = eml_buf_adds(&e->tmp, v)) == EML_OK)
				r = eml_rfc2231_encode(pe->param, pe->value,
				    strlen(pe->value), eol(e), &e->tmp);
			if (r == EML_OK)
				r = eml_buf_adds(&e->tmp, eol(e));
			/* later parameter edits of this field go in it */
			for (j = i + 1; r == EML_OK && j < npv; j++) {
				struct pedit *q = &pv[j];

				if (q->kind != R_PARAM || q->done ||
				    strcasecmp(q->name, pe->name) != 0)
					continue;
				q->done = 1;
				if (q->value == NULL)
					continue;
				e->tmp.len -= strlen(eol(e));
				r = eml_rfc2231_encode(q->param, q->value,
				    strlen(q->value), eol(e), &e->tmp);
				if (r == EML_OK)
					r = eml_buf_adds(&e->tmp, eol(e));
			}
		}
		if (r != EML_OK)
			return fail(e, r, "encoding a header field");
		pe->done = 1;
		/* after a field that ended the input without an EOL */
		if (!last_nl && !*added_r && (r = puts_(e, eol(e))) != EML_OK)
			return r;
		*added_r = 1;
		/* one field per name, whatever asked for it */
		for (j = i + 1; pe->kind == R_HEADER && j < npv; j++)
			if (pv[j].kind == R_HEADER &&
			    strcasecmp(pv[j].name, pe->name) == 0)
				pv[j].done = 1;
		if ((r = put(e, e->tmp.data, e->tmp.len)) != EML_OK)
			return r;
	}
	return EML_OK;
}

/* ------------------------------------------------------------------ */
/* Decisions at HEADERS_END                                             */

struct decision {
	int action;			/* EML_EDIT_* */
	struct eml_edit_content content;
	int cte;
	const char *charset;
	struct pedit *pv;		/* room for every rule and two more */
	size_t npv, maxpv;
};

static int
is_text(const struct eml_part *pt)
{
	return strncmp(pt->ctype, "text/", 5) == 0;
}

static void
add_pedit(struct decision *d, int kind, const char *name,
    const char *param, const char *value)
{
	if (d->npv >= d->maxpv)
		return;		/* cannot happen: room for every rule */
	d->pv[d->npv].kind = kind;
	d->pv[d->npv].name = name;
	d->pv[d->npv].param = param;
	d->pv[d->npv].value = value;
	d->pv[d->npv].done = 0;
	d->npv++;
}

/* Undeclared text is read as the fallback charset (a superset of
 * US-ASCII, RFC 2046 4.1.2's default), as the parser reads it. */
static const char *
from_charset(const struct eml_edit *e, const struct eml_part *pt)
{
	return pt->charset[0] ? pt->charset : e->fallback;
}

/* Re-encoding a leaf: what its headers become.  A body in a charset
 * iconv does not know keeps its charset (converting it would be a
 * guess); an unknown target is the caller's error. */
static int
plan_reencode(struct eml_edit *e, struct decision *d,
    const struct eml_part *pt, int cte, const char *charset)
{
	if (charset != NULL && !eml_charset_known(charset))
		return fail(e, EML_ECHARSET, charset);
	if (charset != NULL && (!eml_charset_known(from_charset(e, pt)) ||
	    strcasecmp(eml_charset_canon(from_charset(e, pt)),
	    eml_charset_canon(charset)) == 0))
		charset = pt->charset[0] ? NULL : charset;
	if (cte < 0)
		cte = (int)pt->cte;
	if (cte >= EML_CTE_UUENCODE)
		return EML_OK;	/* no encoder: the part stays as it is */
	d->action = EML_EDIT_REENCODE;
	d->cte = cte;
	d->charset = charset;
	if (d->cte != (int)pt->cte)
		add_pedit(d, R_HEADER, "Content-Transfer-Encoding", NULL,
		    eml_cte_name((enum eml_cte)d->cte));
	if (charset != NULL)
		add_pedit(d, R_PARAM, "Content-Type", "charset", charset);
	return EML_OK;
}

static int
leaf(const struct eml_part *pt)
{
	return !pt->is_multipart && !pt->is_message;
}

static int
decide(struct eml_edit *e, const struct eml_part *pt, struct decision *d)
{
	size_t i, hoff = e->delim_pending ? e->hv[0].len : 0;
	struct eml_edit_decision cd;
	int r;

	d->action = EML_EDIT_KEEP;
	d->npv = 0;
	if (e->decide != NULL) {
		memset(&cd, 0, sizeof(cd));
		cd.action = EML_EDIT_KEEP;
		cd.cte = -1;
		if ((r = e->decide(e->decide_ctx, pt, e->hold.data != NULL ?
		    e->hold.data + hoff : "", e->hold.len - hoff, &cd)) < 0)
			return fail(e, r, "the edit callback");
		if (cd.action == EML_EDIT_REPLACE && !content_ok(&cd.content))
			return fail(e, EML_EINVAL, "the edit callback's content");
		if (cd.action == EML_EDIT_REMOVE ||
		    cd.action == EML_EDIT_REPLACE) {
			d->action = cd.action;
			d->content = cd.content;
		} else if (cd.action == EML_EDIT_REENCODE && leaf(pt)) {
			if ((r = plan_reencode(e, d, pt, cd.cte,
			    cd.charset)) != EML_OK)
				return r;
		}
	}
	for (i = 0; i < e->nrules; i++) {
		struct rule *ru = &e->rules[i];

		if (ru->kind == R_7BIT) {
			if (d->action != EML_EDIT_KEEP)
				continue;
			if (pt->cte != EML_CTE_8BIT &&
			    pt->cte != EML_CTE_BINARY)
				continue;
			if (leaf(pt)) {
				if ((r = plan_reencode(e, d, pt, is_text(pt) ?
				    EML_CTE_QP : EML_CTE_BASE64, NULL)) != EML_OK)
					return r;
			} else {
				/* RFC 2045 6.4: a composite is labelled by
				 * what is inside it, which becomes 7bit */
				add_pedit(d, R_HEADER,
				    "Content-Transfer-Encoding", NULL, "7bit");
			}
			continue;
		}
		if (!addresses(ru->section, pt))
			continue;
		switch (ru->kind) {
		case R_REMOVE:
		case R_REPLACE:
			if (d->action == EML_EDIT_KEEP) {
				d->action = ru->kind == R_REMOVE ?
				    EML_EDIT_REMOVE : EML_EDIT_REPLACE;
				d->content = ru->content;
			}
			break;
		case R_REENCODE:
			if (d->action == EML_EDIT_KEEP && leaf(pt) &&
			    (r = plan_reencode(e, d, pt, ru->cte,
			    ru->charset)) != EML_OK)
				return r;
			break;
		case R_HEADER:
		case R_PARAM:
			add_pedit(d, ru->kind, ru->name, ru->param, ru->value);
			break;
		default:
			break;
		}
	}
	/* a part stands only where its delimiter can go with it; the
	 * message itself and a message/rfc822 body are not removable */
	if ((d->action == EML_EDIT_REMOVE && !e->delim_pending) ||
	    (d->action == EML_EDIT_REPLACE && pt->depth == 0))
		d->action = EML_EDIT_KEEP;
	return EML_OK;
}

/* ------------------------------------------------------------------ */
/* Replacement content and re-encoding                                  */

/* An encoder into e->out for a body of pt, behind a delimiter guard
 * (above) unless the bytes are the input's (check = 0).  QP of other
 * than text encodes CR and LF too (RFC 2045 6.7 rule 4), so the bytes
 * come back exactly. */
static struct eml_sink *
encoder(struct eml_edit *e, enum eml_cte cte, int text,
    const struct eml_part *pt, int check)
{
	struct eml_sink *s = fwd_sink(e);

	if (cte == EML_CTE_QP)
		return eml_filter_qp_enc(guard_new(s, 1, e->crlf, pt), e->crlf,
		    !text);
	if (cte == EML_CTE_BASE64)
		return eml_filter_encode(s, cte, e->crlf);
	if (check)
		s = guard_new(s, 0, e->crlf, pt);
	return eml_filter_encode(s, cte >= EML_CTE_UUENCODE ? EML_CTE_BINARY :
	    cte, e->crlf);
}

/* Write the source of c through s (a chain or e->out). */
static int
put_source(struct eml_edit *e, struct eml_sink *s,
    const struct eml_edit_content *c)
{
	char *buf;
	long n;
	int r = EML_OK;

	if (c->data != NULL || (!c->use_fd && c->read == NULL))
		return c->len > 0 && c->data != NULL ?
		    eml_sink_write(s, c->data, c->len) : EML_OK;
	if ((buf = malloc(READ_CHUNK)) == NULL)
		return EML_ENOMEM;
	for (;;) {
		if (c->use_fd) {
			n = read(c->fd, buf, READ_CHUNK);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				n = EML_EIO;
		} else {
			n = c->read(c->read_ctx, buf, READ_CHUNK);
		}
		if (n <= 0) {
			/* a callback's own EML_E* code, else EIO */
			r = n == 0 ? EML_OK : n >= EML_EEXIST ? (int)n : EML_EIO;
			break;
		}
		if ((r = eml_sink_write(s, buf, (size_t)n)) < 0)
			break;
	}
	free(buf);
	return r;
}

static int
put_replacement(struct eml_edit *e, const struct eml_part *pt,
    const struct eml_edit_content *c)
{
	struct eml_sink *s;
	struct eml_buf *h = &e->tmp;
	const char *ct = c->ctype != NULL ? c->ctype :
	    "application/octet-stream";
	const char *disp = c->disposition;
	int r = EML_OK, cte = c->cte;

	if (!c->raw_entity) {
		if (cte < 0 || cte >= EML_CTE_UUENCODE)
			cte = EML_CTE_BASE64;
		if (disp == NULL && c->filename != NULL)
			disp = "attachment";
		eml_buf_reset(h);
		r = eml_buf_adds(h, "Content-Type: ");
		if (r == EML_OK)
			r = eml_buf_adds(h, ct);
		/* RFC 2046 4.5.1 name= for readers that skip C-D */
		if (r == EML_OK && c->filename != NULL)
			r = eml_rfc2231_encode("name", c->filename,
			    strlen(c->filename), eol(e), h);
		if (r == EML_OK)
			r = eml_buf_adds(h, eol(e));
		if (r == EML_OK && cte != EML_CTE_7BIT) {
			r = eml_buf_adds(h, "Content-Transfer-Encoding: ");
			if (r == EML_OK)
				r = eml_buf_adds(h,
				    eml_cte_name((enum eml_cte)cte));
			if (r == EML_OK)
				r = eml_buf_adds(h, eol(e));
		}
		if (r == EML_OK && disp != NULL) {
			r = eml_buf_adds(h, "Content-Disposition: ");
			if (r == EML_OK)
				r = eml_buf_adds(h, disp);
			if (r == EML_OK && c->filename != NULL)
				r = eml_rfc2231_encode("filename", c->filename,
				    strlen(c->filename), eol(e), h);
			if (r == EML_OK)
				r = eml_buf_adds(h, eol(e));
		}
		if (r == EML_OK)
			r = eml_buf_adds(h, eol(e));
		if (r != EML_OK)
			return fail(e, r, "the replacement's header");
		if ((r = put(e, h->data, h->len)) != EML_OK)
			return r;
	}
	if ((s = encoder(e, c->raw_entity ? EML_CTE_BINARY : (enum eml_cte)cte,
	    strncasecmp(ct, "text/", 5) == 0, pt, 1)) == NULL)
		return fail(e, EML_ENOMEM, "the replacement's encoder");
	r = put_source(e, s, c);
	if (r < 0) {
		eml_sink_abort(s);
		return fail(e, r, "writing the replacement");
	}
	if ((r = eml_sink_close(s)) < 0)
		return fail(e, r, "writing the replacement");
	return EML_OK;
}

/* Decode, convert, encode: the chain a re-encoded body goes through. */
static int
start_chain(struct eml_edit *e, const struct eml_part *pt,
    const struct decision *d)
{
	struct eml_sink *s;
	const char *from = from_charset(e, pt);

	int conv = d->charset != NULL && strcasecmp(from, d->charset) != 0;
	int decoded = pt->cte == EML_CTE_QP || pt->cte == EML_CTE_BASE64 ||
	    pt->cte == EML_CTE_UUENCODE;

	if ((s = encoder(e, (enum eml_cte)d->cte, is_text(pt), pt,
	    conv || decoded)) == NULL)
		return fail(e, EML_ENOMEM, "re-encoding a body");
	if (conv) {
		struct eml_sink *c;

		errno = 0;
		if ((c = eml_filter_charset(s, from, d->charset)) == NULL)
			return fail(e, errno == EINVAL ? EML_ECHARSET :
			    EML_ENOMEM, "converting a body's charset");
		s = c;
	}
	if ((s = eml_filter_decode(s, pt->cte)) == NULL)
		return fail(e, EML_ENOMEM, "re-encoding a body");
	e->chain = s;
	e->chain_offset = pt->offset;
	e->chain_depth = pt->depth;
	return EML_OK;
}

/* HEADERS_END of a held part: decide, then write what stays. */
static int
end_held(struct eml_edit *e, const struct eml_event *ev)
{
	const struct eml_part *pt = ev->part;
	struct decision *d;
	size_t i;
	int r = EML_OK, added = 0, last_nl = 1;

	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->pv = calloc(e->nrules + 3, sizeof(*d->pv))) == NULL) {
		free(d);
		hold_clear(e);
		return fail(e, EML_ENOMEM, "deciding an edit");
	}
	d->maxpv = e->nrules + 3;
	if ((r = decide(e, pt, d)) != EML_OK)
		goto done;
	switch (d->action) {
	case EML_EDIT_REMOVE:
		/* RFC 2046 5.1.1: the delimiter goes with its part */
		e->applied++;
		e->dropping = 1;
		e->drop_nest = 0;
		goto done;
	case EML_EDIT_REPLACE:
		e->applied++;
		if ((r = flush_delim(e)) == EML_OK)
			r = put_replacement(e, pt, &d->content);
		e->dropping = 1;
		e->drop_nest = 0;
		goto done;
	default:
		break;
	}
	if ((r = flush_delim(e)) != EML_OK)
		goto done;
	for (i = e->delim_pending ? 1 : 0; i < e->nhv; i++) {
		const struct held *h = &e->hv[i];
		const char *f = e->hold.data + h->off;

		if (h->type == EML_EV_BOUNDARY)
			continue;	/* sent by flush_delim */
		if (h->type == EML_EV_HEADER && d->npv > 0)
			r = put_field(e, pt, f, h->len, h->name_len, d->pv,
			    d->npv);
		else if (h->type == EML_EV_HEADER)
			r = put_hdr(e, pt, f, h->len);
		else
			r = put(e, f, h->len);
		if (r != EML_OK)
			goto done;
		if (h->len > 0)
			last_nl = f[h->len - 1] == '\n';
	}
	if (d->npv > 0 && (r = put_missing(e, d->pv, d->npv, pt, last_nl,
	    &added)) != EML_OK)
		goto done;
	/* new fields before a body that had no blank line: add one, or
	 * the body would read as header */
	if (ev->raw_len == 0 && added)
		if ((r = puts_(e, eol(e))) != EML_OK)
			goto done;
	if ((r = put(e, ev->raw, ev->raw_len)) != EML_OK)
		goto done;
	if (d->npv > 0 || d->action == EML_EDIT_REENCODE)
		e->applied++;
	if (d->action == EML_EDIT_REENCODE)
		r = start_chain(e, pt, d);
done:
	free(d->pv);
	free(d);
	hold_clear(e);
	return r;
}

/* ------------------------------------------------------------------ */
/* Events                                                               */

static int
is_chain_part(const struct eml_edit *e, const struct eml_part *pt)
{
	return pt->offset == e->chain_offset && pt->depth == e->chain_depth;
}

static int
event(struct eml_edit *e, const struct eml_event *ev)
{
	int r;

	if (ev->raw_len > 0)
		learn_eol(e, ev->raw, ev->raw_len);
	if (e->dropping) {
		if (ev->type == EML_EV_PART_BEGIN)
			e->drop_nest++;
		else if (ev->type == EML_EV_PART_END && e->drop_nest-- == 0) {
			e->dropping = 0;
			e->after_drop = 1;
		}
		return EML_OK;
	}
	if (e->after_drop && ev->raw_len > 0) {
		/*
		 * The EOL before a delimiter may belong to the end of the
		 * part that went (a nested close delimiter took it), so
		 * the delimiter after it would no longer start a line:
		 * give it back (RFC 2046 5.1.1).
		 */
		e->after_drop = 0;
		if (ev->type == EML_EV_BOUNDARY && ev->raw[0] == '-' &&
		    e->wrote && e->last != '\n' &&
		    (r = puts_(e, eol(e))) != EML_OK)
			return r;
	}
	/* a held delimiter waits for its part only: at the parts limit
	 * the multipart's epilogue, or its end, comes instead */
	if (e->delim_pending && !e->holding &&
	    ev->type != EML_EV_PART_BEGIN && ev->type != EML_EV_DIAG &&
	    (r = flush_delim(e)) != EML_OK)
		return r;
	switch (ev->type) {
	case EML_EV_BOUNDARY:
		if (ev->is_close || e->nrules + (e->decide != NULL) == 0)
			return put(e, ev->raw, ev->raw_len);
		/* wait for the part: it may go, and its delimiter with it */
		hold_clear(e);
		if ((r = hold_add(e, ev)) != EML_OK)
			return r;
		e->delim_pending = 1;
		return EML_OK;
	case EML_EV_PART_BEGIN:
		if (need_hold(e, ev->part)) {
			e->holding = 1;
			return EML_OK;
		}
		return flush_delim(e);	/* and forgets it */
	case EML_EV_HEADER:
	case EML_EV_RAW:
		if (e->holding)
			return hold_add(e, ev);
		break;
	case EML_EV_HEADERS_END:
		if (e->holding)
			return end_held(e, ev);
		break;
	case EML_EV_BODY:
		if (e->chain != NULL && is_chain_part(e, ev->part)) {
			if ((r = eml_sink_write(e->chain, ev->raw,
			    ev->raw_len)) < 0)
				return fail(e, r, "re-encoding a body");
			return EML_OK;
		}
		break;
	case EML_EV_PART_END:
		if (e->chain != NULL && is_chain_part(e, ev->part)) {
			r = eml_sink_close(e->chain);
			e->chain = NULL;
			if (r < 0)
				return fail(e, r, "re-encoding a body");
		}
		break;
	default:
		break;
	}
	/* diagnostics carry no bytes and decide nothing */
	if (ev->raw_len == 0)
		return EML_OK;
	if ((r = flush_delim(e)) != EML_OK)
		return r;
	if (ev->type == EML_EV_HEADER)
		return put_hdr(e, ev->part, ev->raw, ev->raw_len);
	return put(e, ev->raw, ev->raw_len);
}

static int
drain(struct eml_edit *e)
{
	struct eml_event ev;
	int r;

	while ((r = eml_parser_next(e->p, &ev)) > 0) {
		if (ev.type == EML_EV_END) {
			e->finished = 1;
			if ((r = flush_delim(e)) != EML_OK)
				return r;
			continue;
		}
		if ((r = event(e, &ev)) != EML_OK)
			return r;
	}
	if (r < 0)
		return fail(e, r, eml_parser_errmsg(e->p));
	return EML_OK;
}

int
eml_edit_feed(struct eml_edit *e, const void *buf, size_t len)
{
	int r;

	if (e->err != EML_OK)
		return e->err;
	if (e->finished)
		return fail(e, EML_EINVAL, "feeding after the end");
	if (len == 0)
		return EML_OK;
	if ((r = eml_parser_feed(e->p, buf, len)) != EML_OK)
		return fail(e, r, "feeding the parser");
	return drain(e);
}

int
eml_edit_finish(struct eml_edit *e)
{
	int r;

	if (e->err != EML_OK)
		return e->err;
	if (e->finished)
		return EML_OK;
	if ((r = eml_parser_finish(e->p)) != EML_OK)
		return fail(e, r, "finishing the parser");
	if ((r = drain(e)) != EML_OK)
		return r;
	/* the parser closes every part before END, so this is a
	 * misbehaving chain only */
	if (e->chain != NULL) {
		r = eml_sink_close(e->chain);
		e->chain = NULL;
		if (r < 0)
			return fail(e, r, "re-encoding a body");
	}
	return e->err;
}

int
eml_edit_fd(struct eml_edit *e, int fd)
{
	char *buf;
	ssize_t n;
	int r = EML_OK;

	if ((buf = malloc(READ_CHUNK)) == NULL)
		return fail(e, EML_ENOMEM, "the read buffer");
	for (;;) {
		n = read(fd, buf, READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = fail(e, EML_EIO, "reading the input");
			break;
		}
		if (n == 0) {
			r = eml_edit_finish(e);
			break;
		}
		if ((r = eml_edit_feed(e, buf, (size_t)n)) != EML_OK)
			break;
	}
	free(buf);
	return r;
}
