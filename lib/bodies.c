/*
 * bodies.c - which parts a reader shows: the text body, the HTML body and
 * the attachments, by the algorithm of RFC 8621 4.1.4 (JMAP), so that
 * every tool picks the same parts.
 */
#include <stdlib.h>

#include "eml_priv.h"

/* Nesting followed; deeper multiparts are not looked into (the parser's
 * depth limit is configurable, the stack here is not). */
#define MAX_DEPTH	64

struct sel {
	struct eml_bodies *b;
	int err;
};

static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void
add(struct sel *s, const struct eml_node ***v, size_t *n,
    const struct eml_node *node)
{
	const struct eml_node **nv;

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
select_parts(struct sel *s, const struct eml_node *first, int single,
    const char *mptype, int in_alt, int want_text, int want_html,
    unsigned depth)
{
	struct eml_bodies *b = s->b;
	const struct eml_node *n;
	size_t text_len = b->ntext, html_len = b->nhtml, i = 0, k;
	struct eml_buf name = { 0 };
	char disp[32];
	int alt = strcmp(mptype, "alternative") == 0;

	for (n = first; n != NULL && s->err == 0;
	    n = single ? NULL : n->next, i++) {
		const char *type = n->info.ctype;
		int is_inline, text, html;

		eml_buf_reset(&name);
		if ((s->err = eml_node_disposition(n, disp, sizeof(disp),
		    &name)) != EML_OK)
			break;
		is_inline = strcmp(disp, "attachment") != 0 &&
		    (strcmp(type, "text/plain") == 0 ||
		    strcmp(type, "text/html") == 0 || inline_media(type)) &&
		    (i == 0 || (strcmp(mptype, "related") != 0 &&
		    (inline_media(type) || name.len == 0)));
		/* parser (issue 6): uuencode blocks in a text part are
		 * attachments of their own */
		if (!n->info.is_multipart && !n->info.is_message) {
			const struct eml_node *u;

			for (u = n->first_child; u != NULL; u = u->next)
				if (u->info.is_uu_block)
					add(s, &b->attachments,
					    &b->nattachments, u);
		}
		if (starts(type, "multipart/")) {
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
	eml_buf_free(&name);
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
eml_node_bodies(const struct eml_node *top, struct eml_bodies *b)
{
	struct sel s = { b, 0 };

	memset(b, 0, sizeof(*b));
	if (top != NULL)
		select_parts(&s, top, 1, "mixed", 0, 1, 1, 0);
	if (s.err != 0)
		eml_bodies_free(b);
	return s.err;
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
