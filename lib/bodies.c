/*
 * bodies.c - which parts a reader shows: the text body, the HTML body and
 * the attachments, by the algorithm of RFC 8621 4.1.4 (JMAP), so that
 * every tool picks the same parts.
 */
#include <stdint.h>
#include <stdlib.h>

#include "eml_priv.h"

/* Nesting followed; deeper multiparts are not looked into (the parser's
 * depth limit is configurable, the stack here is not). */
#define MAX_DEPTH	64

struct sel {
	struct eml_shape_bodies *b;
	int err;
};

static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void
add(struct sel *s, const struct eml_shape ***v, size_t *n,
    const struct eml_shape *node)
{
	const struct eml_shape **nv;

	if (s->err != 0)
		return;
	/* grow at powers of two */
	if ((*n & (*n - 1)) == 0) {
		nv = realloc(*v, (*n ? *n * 2 : 4) * sizeof(*nv));
		if (nv == NULL) {
			s->err = EML_ENOMEM;
			return;
		}
		*v = nv;
	}
	(*v)[(*n)++] = node;
}

static int
inline_media(const char *type)
{
	return starts(type, "image/") || starts(type, "audio/") ||
	    starts(type, "video/");
}

/* Children first.. of a multipart of subtype mptype (or the message's
 * own body when single).  want_text / want_html turn off once an
 * alternative below chose the other view, as the RFC's pseudo-code
 * passes null lists down. */
static void
select_parts(struct sel *s, const struct eml_shape *first, int single,
    const char *mptype, int in_alt, int want_text, int want_html,
    unsigned depth)
{
	struct eml_shape_bodies *b = s->b;
	const struct eml_shape *n;
	size_t text_len = b->ntext, html_len = b->nhtml, i = 0, k;
	int alt = strcmp(mptype, "alternative") == 0;

	for (n = first; n != NULL && s->err == 0;
	    n = single ? NULL : n->next, i++) {
		const char *type = n->ctype;
		int is_inline, text, html;

		is_inline = strcmp(n->disposition, "attachment") != 0 &&
		    (strcmp(type, "text/plain") == 0 ||
		    strcmp(type, "text/html") == 0 || inline_media(type)) &&
		    (i == 0 || (strcmp(mptype, "related") != 0 &&
		    (inline_media(type) || !n->has_name)));
		/* parser (issue 6): a leaf's children are the uuencode
		 * blocks found in its text, attachments of their own */
		if (!starts(type, "multipart/")) {
			const struct eml_shape *u;

			for (u = n->first_child; u != NULL; u = u->next)
				add(s, &b->attachments, &b->nattachments, u);
		}
		/* parser (issue 6): a multipart without parts (no delimiter,
		 * no boundary=) is a leaf and is listed */
		if (starts(type, "multipart/") && n->first_child != NULL) {
			const char *sub = type + 10;

			if (depth < MAX_DEPTH)
				select_parts(s, n->first_child, 0, sub,
				    in_alt || strcmp(sub, "alternative") == 0,
				    want_text, want_html, depth + 1);
			continue;
		}
		if (!is_inline) {
			add(s, &b->attachments, &b->nattachments, n);
			continue;
		}
		text = strcmp(type, "text/plain") == 0;
		html = strcmp(type, "text/html") == 0;
		if (alt) {
			if (text && want_text)
				add(s, &b->text, &b->ntext, n);
			else if (html && want_html)
				add(s, &b->html, &b->nhtml, n);
			else if (!text && !html)
				add(s, &b->attachments, &b->nattachments, n);
			continue;
		}
		if (in_alt) {
			if (text)
				want_html = 0;
			if (html)
				want_text = 0;
		}
		if (want_text)
			add(s, &b->text, &b->ntext, n);
		if (want_html)
			add(s, &b->html, &b->nhtml, n);
		if ((!want_text || !want_html) && inline_media(type))
			add(s, &b->attachments, &b->nattachments, n);
	}
	if (alt && want_text && want_html) {
		/* only one of the two views was found: it serves both */
		if (text_len == b->ntext && html_len != b->nhtml)
			for (k = html_len; k < b->nhtml; k++)
				add(s, &b->text, &b->ntext, b->html[k]);
		if (html_len == b->nhtml && text_len != b->ntext)
			for (k = text_len; k < b->ntext; k++)
				add(s, &b->html, &b->nhtml, b->text[k]);
	}
}

int
eml_shape_bodies(const struct eml_shape *top, struct eml_shape_bodies *b)
{
	struct sel s = { b, 0 };

	memset(b, 0, sizeof(*b));
	if (top != NULL)
		select_parts(&s, top, 1, "mixed", 0, 1, 1, 0);
	if (s.err != 0)
		eml_shape_bodies_free(b);
	return s.err;
}

void
eml_shape_bodies_free(struct eml_shape_bodies *b)
{
	free(b->text);
	free(b->html);
	free(b->attachments);
	memset(b, 0, sizeof(*b));
}

/* ------------------------------------------------------------------ */
/* The same selection over a parsed tree: the tree is described as
 * shapes first, so that the tree and the stream (eml-json) share one
 * implementation. */

struct shapes {
	struct eml_shape *v;
	char (*disp)[16];
	size_t n, cap;
	int err;
};

/* Describe n and, for a multipart, its children (down to MAX_DEPTH, as
 * far as the selection looks). */
static struct eml_shape *
describe(struct shapes *sh, const struct eml_node *n, unsigned depth)
{
	struct eml_buf name = { 0 };
	struct eml_shape *me, *prev = NULL, *c;
	const struct eml_node *ch;
	char disp[32];
	size_t i;
	int r;

	if (sh->err != 0 || sh->n == sh->cap)
		return NULL;
	i = sh->n++;
	me = &sh->v[i];
	memset(me, 0, sizeof(*me));
	if ((r = eml_node_disposition(n, disp, sizeof(disp), &name)) < 0) {
		sh->err = r;
		eml_buf_free(&name);
		return NULL;
	}
	emli_strlcpy(sh->disp[i], disp, strlen(disp), sizeof(sh->disp[i]));
	me->ctype = n->info.ctype;
	me->disposition = sh->disp[i];
	me->has_name = name.len > 0;
	me->user = n;
	eml_buf_free(&name);
	/* parser (issue 6): a text part's uuencode blocks are its
	 * children */
	if ((!starts(n->info.ctype, "multipart/") && (n->first_child ==
	    NULL || !n->first_child->info.is_uu_block)) || depth >= MAX_DEPTH)
		return me;
	for (ch = n->first_child; ch != NULL; ch = ch->next) {
		if ((c = describe(sh, ch, depth + 1)) == NULL)
			break;
		if (prev == NULL)
			me->first_child = c;
		else
			prev->next = c;
		prev = c;
	}
	return me;
}

static size_t
count_nodes(const struct eml_node *n, unsigned depth)
{
	const struct eml_node *ch;
	size_t k = 1;

	if ((!starts(n->info.ctype, "multipart/") && (n->first_child == NULL ||
	    !n->first_child->info.is_uu_block)) || depth >= MAX_DEPTH)
		return 1;	/* parser: uu blocks are counted too */
	for (ch = n->first_child; ch != NULL; ch = ch->next)
		k += count_nodes(ch, depth + 1);
	return k;
}

static int
to_nodes(const struct eml_shape **v, size_t n, const struct eml_node ***out)
{
	size_t i;

	*out = NULL;
	if (n == 0)
		return EML_OK;
	if ((*out = malloc(n * sizeof(**out))) == NULL)
		return EML_ENOMEM;
	for (i = 0; i < n; i++)
		(*out)[i] = v[i]->user;
	return EML_OK;
}

int
eml_node_bodies(const struct eml_node *top, struct eml_bodies *b)
{
	struct shapes sh = { NULL, NULL, 0, 0, 0 };
	struct eml_shape_bodies sb;
	int r;

	memset(b, 0, sizeof(*b));
	if (top == NULL)
		return EML_OK;
	sh.cap = count_nodes(top, 0);
	sh.v = calloc(sh.cap, sizeof(*sh.v));
	sh.disp = calloc(sh.cap, sizeof(*sh.disp));
	if (sh.v == NULL || sh.disp == NULL) {
		r = EML_ENOMEM;
		goto done;
	}
	describe(&sh, top, 0);
	if ((r = sh.err) != EML_OK)
		goto done;
	if ((r = eml_shape_bodies(sh.v, &sb)) != EML_OK)
		goto done;
	b->ntext = sb.ntext;
	b->nhtml = sb.nhtml;
	b->nattachments = sb.nattachments;
	if ((r = to_nodes(sb.text, sb.ntext, &b->text)) != EML_OK ||
	    (r = to_nodes(sb.html, sb.nhtml, &b->html)) != EML_OK ||
	    (r = to_nodes(sb.attachments, sb.nattachments,
	    &b->attachments)) != EML_OK)
		eml_bodies_free(b);
	eml_shape_bodies_free(&sb);
done:
	free(sh.v);
	free(sh.disp);
	return r;
}

int
eml_msg_bodies(const struct eml_msg *msg, struct eml_bodies *b)
{
	return eml_node_bodies(msg->root, b);
}

void
eml_bodies_free(struct eml_bodies *b)
{
	free(b->text);
	free(b->html);
	free(b->attachments);
	memset(b, 0, sizeof(*b));
}
