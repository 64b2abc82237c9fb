/*
 * tree.c - an in-memory message tree built from parser events, and its
 * byte-exact serialisation.  Nodes point into the caller's buffer; only
 * pieces the parser had to copy (never, when the whole message is fed at
 * once) are copied into an arena.
 */
#include <stdlib.h>

#include "eml_priv.h"

struct arena {
	struct arena *next;
	size_t used, size;
	char data[];
};

struct tree_priv {
	struct eml_node **nodes;	/* every node, for a flat free */
	size_t nnodes, cap;
	struct arena *arena;
	size_t diagcap;
	size_t *hdrcap;			/* per node: headers capacity */
};

static void *
arena_alloc(struct tree_priv *t, size_t n)
{
	struct arena *a = t->arena;

	if (a == NULL || a->size - a->used < n) {
		size_t size = EMLI_MAX(n, 16384);

		if ((a = malloc(sizeof(*a) + size)) == NULL)
			return NULL;
		a->size = size;
		a->used = 0;
		a->next = t->arena;
		t->arena = a;
	}
	a->used += n;
	return a->data + a->used - n;
}

static int
inside(const struct eml_msg *m, const char *p)
{
	return p >= m->buf && p <= m->buf + m->len;
}

/* Append raw bytes to a piece (*pp, *lenp), copying only if needed. */
static int
extend(struct eml_msg *m, const char **pp, size_t *lenp, const char *raw,
    size_t n)
{
	struct tree_priv *t = m->priv;
	char *c;

	if (n == 0)
		return 0;
	if (*pp == NULL && inside(m, raw)) {
		*pp = raw;
		*lenp = n;
		return 0;
	}
	if (*pp != NULL && *pp + *lenp == raw && inside(m, raw)) {
		*lenp += n;
		return 0;
	}
	if ((c = arena_alloc(t, *lenp + n)) == NULL)
		return EML_ENOMEM;
	if (*lenp > 0)
		memcpy(c, *pp, *lenp);
	memcpy(c + *lenp, raw, n);
	*pp = c;
	*lenp += n;
	return 0;
}

static struct eml_node *
new_node(struct eml_msg *m, struct eml_node *parent, struct eml_node *prev)
{
	struct tree_priv *t = m->priv;
	struct eml_node *n;

	if (t->nnodes == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		struct eml_node **nn = realloc(t->nodes, ncap * sizeof(*nn));
		size_t *nh = realloc(t->hdrcap, ncap * sizeof(*nh));

		if (nn != NULL)
			t->nodes = nn;
		if (nh != NULL)
			t->hdrcap = nh;
		if (nn == NULL || nh == NULL)
			return NULL;
		t->cap = ncap;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	t->hdrcap[t->nnodes] = 0;
	t->nodes[t->nnodes++] = n;
	n->parent = parent;
	if (parent == NULL)
		m->root = n;
	else if (prev == NULL)
		parent->first_child = n;
	else
		prev->next = n;
	return n;
}

/* Copy a NUL-terminated string of length len into the arena. */
static const char *
arena_str(struct tree_priv *t, const char *s, size_t len)
{
	char *c = arena_alloc(t, len + 1);

	if (c == NULL)
		return NULL;
	memcpy(c, s, len);
	c[len] = '\0';
	return c;
}

/* The parser's part info, with what points into the parser (the
 * boundary) copied: the node outlives the parser's frame. */
static int
copy_info(struct eml_msg *m, struct eml_node *n, const struct eml_part *part)
{
	const char *ob = n->info.boundary;
	size_t obl = n->info.boundary_len;

	n->info = *part;
	n->info.parent = n->parent != NULL ? &n->parent->info : NULL;
	if (part->boundary_len == 0) {
		n->info.boundary = "";
	} else if (ob != NULL && obl == part->boundary_len &&
	    memcmp(ob, part->boundary, obl) == 0) {
		n->info.boundary = ob;
	} else if ((n->info.boundary = arena_str(m->priv, part->boundary,
	    part->boundary_len)) == NULL) {
		n->info.boundary = "";
		n->info.boundary_len = 0;
		return EML_ENOMEM;
	}
	return 0;
}

static int
add_header(struct eml_msg *m, struct eml_node *n, size_t idx,
    const struct eml_event *ev)
{
	struct tree_priv *t = m->priv;
	struct eml_header *h;

	if (n->nheaders == t->hdrcap[idx]) {
		size_t ncap = t->hdrcap[idx] ? t->hdrcap[idx] * 2 : 16;
		struct eml_header *nh = realloc(n->headers,
		    ncap * sizeof(*nh));

		if (nh == NULL)
			return EML_ENOMEM;
		n->headers = nh;
		t->hdrcap[idx] = ncap;
	}
	h = &n->headers[n->nheaders];
	memset(h, 0, sizeof(*h));
	if (extend(m, &h->raw, &h->raw_len, ev->raw, ev->raw_len) < 0)
		return EML_ENOMEM;
	/* name and value are slices of raw: re-aim them if raw was copied */
	if (ev->name != NULL) {
		h->name = h->raw + (ev->name - ev->raw);
		h->name_len = ev->name_len;
		h->value = h->raw + (ev->value - ev->raw);
		h->value_len = ev->value_len;
	}
	h->offset = ev->offset;
	h->line = ev->line;
	n->nheaders++;
	return 0;
}

static int
add_diag(struct eml_msg *m, struct eml_node *n, const struct eml_diag *d)
{
	struct tree_priv *t = m->priv;

	if (m->ndiags == t->diagcap) {
		size_t ncap = t->diagcap ? t->diagcap * 2 : 8;
		struct eml_diag *nd = realloc(m->diags, ncap * sizeof(*nd));

		if (nd == NULL)
			return EML_ENOMEM;
		m->diags = nd;
		t->diagcap = ncap;
	}
	m->diags[m->ndiags] = *d;
	/* the section as the stream named it (the parser's copy is gone) */
	if ((m->diags[m->ndiags].section = arena_str(t, d->section,
	    strlen(d->section))) == NULL)
		return EML_ENOMEM;
	m->ndiags++;
	return 0;
}

/* Index of node n in the flat list (the last one, as it is being built). */
static size_t
node_index(const struct eml_msg *m)
{
	return ((struct tree_priv *)m->priv)->nnodes - 1;
}

int
eml_msg_parse_mem(const void *buf, size_t len,
    const struct eml_parser_opts *opts, struct eml_msg **msg_r)
{
	struct eml_parser_opts o;
	struct eml_parser *p;
	struct eml_msg *m;
	struct eml_event ev;
	struct eml_node *curn = NULL, *n;
	size_t *stackidx = NULL, scap = 0, depth = 0;
	struct eml_node **lastc = NULL;		/* last child per level */
	const char *delim = NULL;
	size_t delim_len = 0;
	int r = 0;

	*msg_r = NULL;
	memset(&o, 0, sizeof(o));
	if (opts != NULL)
		o = *opts;
	o.flags &= ~EML_PARSE_DECODE;	/* bodies are decoded on demand */
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return EML_ENOMEM;
	if ((m->priv = calloc(1, sizeof(struct tree_priv))) == NULL) {
		free(m);
		return EML_ENOMEM;
	}
	m->buf = buf;
	m->len = len;
	if ((p = eml_parser_new(&o)) == NULL) {
		eml_msg_free(m);
		return EML_ENOMEM;
	}
	eml_parser_feed(p, buf, len);
	eml_parser_finish(p);
	while (r >= 0 && (r = eml_parser_next(p, &ev)) > 0) {
		r = 0;
		switch (ev.type) {
		case EML_EV_PART_BEGIN:
			if (depth == scap) {
				size_t ncap = scap ? scap * 2 : 16;
				size_t *ns = realloc(stackidx,
				    ncap * sizeof(*ns));
				struct eml_node **nl = realloc(lastc,
				    ncap * sizeof(*nl));

				if (ns != NULL)
					stackidx = ns;
				if (nl != NULL)
					lastc = nl;
				if (ns == NULL || nl == NULL) {
					r = EML_ENOMEM;
					break;
				}
				scap = ncap;
			}
			if ((n = new_node(m, curn, depth > 0 ?
			    lastc[depth - 1] : NULL)) == NULL) {
				r = EML_ENOMEM;
				break;
			}
			if (depth > 0)
				lastc[depth - 1] = n;
			lastc[depth] = NULL;
			stackidx[depth++] = node_index(m);
			if ((r = copy_info(m, n, ev.part)) < 0)
				break;
			n->open_delim = delim;
			n->open_delim_len = delim_len;
			delim = NULL;
			delim_len = 0;
			curn = n;
			m->nparts++;
			break;
		case EML_EV_RAW:
			/* bytes past a limit: one entry for a whole run, so
			 * that the tree stays within the limits too */
			if (curn->nheaders > 0 &&
			    curn->headers[curn->nheaders - 1].name == NULL) {
				struct eml_header *h =
				    &curn->headers[curn->nheaders - 1];

				r = extend(m, &h->raw, &h->raw_len, ev.raw,
				    ev.raw_len);
				break;
			}
			/* FALLTHROUGH */
		case EML_EV_HEADER:
			r = add_header(m, curn, stackidx[depth - 1], &ev);
			break;
		case EML_EV_HEADERS_END:
			if ((r = copy_info(m, curn, ev.part)) < 0)
				break;
			r = extend(m, &curn->sep, &curn->sep_len, ev.raw,
			    ev.raw_len);
			break;
		case EML_EV_PREAMBLE:
			r = extend(m, &curn->preamble, &curn->preamble_len,
			    ev.raw, ev.raw_len);
			break;
		case EML_EV_BODY:
			r = extend(m, &curn->body, &curn->body_len, ev.raw,
			    ev.raw_len);
			/* a uuencode block's bytes stay in its text part's
			 * body too (the body IMAP and eml_node_text see); the
			 * writer skips the block's node */
			if (r == 0 && curn->info.is_uu_block)
				r = extend(m, &curn->parent->body,
				    &curn->parent->body_len, ev.raw, ev.raw_len);
			break;
		case EML_EV_EPILOGUE:
			if (delim != NULL) {
				/* a delimiter whose part was never opened
				 * (part limit): write it where it stood */
				curn->close_delim = delim;
				curn->close_delim_len = delim_len;
				delim = NULL;
			}
			r = extend(m, &curn->epilogue, &curn->epilogue_len,
			    ev.raw, ev.raw_len);
			break;
		case EML_EV_BOUNDARY:
			if (ev.is_close) {
				r = extend(m, &curn->close_delim,
				    &curn->close_delim_len, ev.raw,
				    ev.raw_len);
			} else {
				/* consecutive delimiters (empty-part) are one
				 * piece before the next part */
				r = extend(m, &delim, &delim_len, ev.raw,
				    ev.raw_len);
			}
			break;
		case EML_EV_PART_END:
			if ((r = copy_info(m, curn, ev.part)) < 0)
				break;

			if (delim != NULL && curn->close_delim == NULL) {
				curn->close_delim = delim;
				curn->close_delim_len = delim_len;
				delim = NULL;
			}
			curn = curn->parent;
			depth--;
			break;
		case EML_EV_DIAG:
			r = add_diag(m, curn, &ev.diag);
			break;
		case EML_EV_END:
			break;
		}
	}
	free(stackidx);
	free(lastc);
	eml_parser_free(p);
	if (r < 0) {
		eml_msg_free(m);
		return r;
	}
	*msg_r = m;
	return EML_OK;
}

void
eml_msg_free(struct eml_msg *m)
{
	struct tree_priv *t;
	struct arena *a, *na;
	size_t i;

	if (m == NULL)
		return;
	t = m->priv;
	if (t != NULL) {
		for (i = 0; i < t->nnodes; i++) {
			free(t->nodes[i]->headers);
			free(t->nodes[i]);
		}
		free(t->nodes);
		free(t->hdrcap);
		for (a = t->arena; a != NULL; a = na) {
			na = a->next;
			free(a);
		}
		free(t);
	}
	free(m->diags);
	free(m);
}

struct eml_node *
eml_node_next(const struct eml_node *n)
{
	if (n->first_child != NULL)
		return n->first_child;
	while (n != NULL && n->next == NULL)
		n = n->parent;
	return n != NULL ? n->next : NULL;
}

int
eml_node_is_leaf(const struct eml_node *n)
{
	return n->first_child == NULL || n->first_child->info.is_uu_block;
}

const struct eml_header *
eml_node_header(const struct eml_node *n, const char *name)
{
	size_t i;

	for (i = 0; i < n->nheaders; i++)
		if (n->headers[i].name != NULL &&
		    emli_eqi(n->headers[i].name, n->headers[i].name_len, name))
			return &n->headers[i];
	return NULL;
}

size_t
eml_node_header_count(const struct eml_node *n, const char *name)
{
	size_t i, c = 0;

	for (i = 0; i < n->nheaders; i++)
		if (n->headers[i].name != NULL &&
		    emli_eqi(n->headers[i].name, n->headers[i].name_len, name))
			c++;
	return c;
}

int
eml_node_decode(const struct eml_node *n, struct eml_buf *out)
{
	return eml_decode(n->info.cte, n->body, n->body_len, out);
}

int
eml_node_text(const struct eml_node *n, struct eml_buf *out, int *guessed_r)
{
	struct eml_buf raw = { 0 };
	int r, guessed = 0;

	if ((r = eml_node_decode(n, &raw)) < 0)
		goto done;
	if (n->info.charset[0] == '\0' && eml_utf8_valid(raw.data, raw.len))
		r = eml_buf_add(out, raw.data, raw.len);
	else
		r = eml_charset_to_utf8(n->info.charset[0] ?
		    n->info.charset : NULL, raw.data, raw.len, NULL, out,
		    &guessed);
	if (n->info.charset[0] == '\0' && r >= 0 &&
	    !eml_utf8_valid(raw.data, raw.len))
		guessed = 1;
done:
	eml_buf_free(&raw);
	if (guessed_r != NULL)
		*guessed_r = guessed;
	return r;
}

int
eml_node_disposition(const struct eml_node *n, char *disp, size_t dlen,
    struct eml_buf *filename)
{
	const struct eml_header *h;
	struct eml_ctype ct;
	const char *v = NULL;
	int r = EML_OK;

	if (dlen > 0)
		disp[0] = '\0';
	memset(&ct, 0, sizeof(ct));
	if ((h = eml_node_header(n, "content-disposition")) != NULL) {
		if ((r = eml_disposition_parse(h->value, h->value_len,
		    &ct)) < 0) {
			eml_ctype_free(&ct);
			return r;
		}
		if (dlen > 0)
			emli_strlcpy(disp, ct.type, strlen(ct.type), dlen);
		if ((v = eml_params_get(&ct.params, "filename")) != NULL &&
		    filename != NULL)
			r = eml_buf_adds(filename, v);
		eml_ctype_free(&ct);
		if (v != NULL)
			return r;
	}
	if ((h = eml_node_header(n, "content-type")) != NULL) {
		if ((r = eml_ctype_parse(h->value, h->value_len, &ct)) < 0) {
			eml_ctype_free(&ct);
			return r;
		}
		if ((v = eml_params_get(&ct.params, "name")) != NULL &&
		    filename != NULL)
			r = eml_buf_adds(filename, v);
		eml_ctype_free(&ct);
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* Writing back */

static int
put(struct eml_sink *out, const char *p, size_t n)
{
	return n > 0 ? eml_sink_write(out, p, n) : 0;
}

/* What comes after a node's children. */
static int
write_tail(const struct eml_node *n, struct eml_sink *out)
{
	int r;

	if ((r = put(out, n->close_delim, n->close_delim_len)) < 0)
		return r;
	if ((r = put(out, n->epilogue, n->epilogue_len)) < 0)
		return r;
	return put(out, n->trailer, n->trailer_len);
}

int
eml_msg_write_sink(const struct eml_msg *msg, struct eml_sink *out)
{
	const struct eml_node *n;
	size_t i;
	int r;

	if (msg == NULL || out == NULL)
		return EML_EINVAL;
	n = msg->root;
	/* iterative pre-order walk: depth is bounded by the parser, but a
	 * deep tree must not cost stack */
	while (n != NULL) {
		if (n->info.is_uu_block)
			goto tail;	/* written with its parent's body */
		if ((r = put(out, n->open_delim, n->open_delim_len)) < 0)
			return r;
		for (i = 0; i < n->nheaders; i++)
			if ((r = put(out, n->headers[i].raw,
			    n->headers[i].raw_len)) < 0)
				return r;
		if ((r = put(out, n->sep, n->sep_len)) < 0 ||
		    (r = put(out, n->preamble, n->preamble_len)) < 0 ||
		    (r = put(out, n->body, n->body_len)) < 0)
			return r;
		if (n->first_child != NULL) {
			n = n->first_child;
			continue;
		}
		/* leaving n: write tails up the tree until a sibling */
tail:
		for (;;) {
			if ((r = write_tail(n, out)) < 0)
				return r;
			if (n->next != NULL) {
				n = n->next;
				break;
			}
			n = n->parent;
			if (n == NULL)
				break;
		}
	}
	return EML_OK;
}

int
eml_msg_write(const struct eml_msg *msg, struct eml_buf *out)
{
	struct eml_sink *s;
	int r;

	if (out == NULL)
		return EML_EINVAL;
	if ((s = eml_sink_buf(out)) == NULL)
		return EML_ENOMEM;
	r = eml_msg_write_sink(msg, s);
	eml_sink_abort(s);
	return r;
}
