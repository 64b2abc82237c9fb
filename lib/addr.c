/*
 * addr.c - address lists (RFC 5322 3.4, obsolete forms 4.4) parsed the
 * way real mail needs: groups, comments, quoted strings, routes, domain
 * literals, encoded-words and raw 8-bit in names, and the usual breakage
 * (unquoted commas and dots in names, missing angle brackets, stray
 * brackets, unterminated quotes).
 *
 * The value is cut into tokens once (atoms, quoted strings, comments,
 * domain literals, specials), then each element between top-level commas
 * is classified by looking at its tokens.  Every token is looked at a
 * bounded number of times, so a list of n addresses takes O(n).
 */
#include <stdlib.h>

#include "eml_priv.h"

#define MAX_COMMENT_DEPTH 32	/* deeper nesting is flagged */

enum { T_ATOM = 1, T_QUOTED, T_COMMENT, T_DLIT, T_SPECIAL };

struct tok {
	unsigned char type;
	unsigned char ws;	/* whitespace right before the token */
	unsigned char c;	/* T_SPECIAL: the character */
	unsigned char closed;	/* quoted/comment/literal ends properly */
	size_t s, e;		/* bytes [s, e) of the value */
};

struct ap {
	const char *v;
	size_t len;
	const char *fallback;
	struct eml_addrlist *l;
	size_t cap;		/* allocated l->v entries */
	struct tok *t;
	size_t nt, tcap;
	char *group;		/* current group name, NULL outside */
	int in_group;
	size_t group_n;		/* addresses emitted in this group */
	int full;		/* EML_MAX_ADDRS reached */
	struct eml_buf b, c;	/* scratch */
};

#define DEFECT(p)	(eml_defects_set(&(p)->l->defects, EML_D_ADDR_INVALID))

static int
is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 5322 3.2.3 specials, less '.' (kept in atoms so that names like
 * "John Q. Public" and obs-local-part "a.b" stay one word), less '\' and
 * the closing brackets (stray ones are ordinary text). */
static int
is_special(int c)
{
	return c == '(' || c == '<' || c == '>' || c == '[' || c == ':' ||
	    c == ';' || c == '@' || c == ',' || c == '"';
}

/* End of the bracketed run starting at v[i] (quoted string, comment or
 * domain literal), honouring quoted-pairs; len if it never closes, which
 * *closed_r tells. */
static size_t
skip_run(struct ap *p, size_t i, int open, int close, int *closed_r)
{
	unsigned depth = 1;
	const char *v = p->v;

	for (i++; i < p->len; i++) {
		if (v[i] == '\\') {
			i++;
		} else if (v[i] == close) {
			if (open == close || --depth == 0) {
				*closed_r = 1;
				return i + 1;
			}
		} else if (v[i] == open && open != close) {
			if (++depth == MAX_COMMENT_DEPTH)
				DEFECT(p);
		}
	}
	DEFECT(p);		/* unterminated */
	*closed_r = 0;
	return p->len;
}

/*
 * An unterminated quoted string would swallow the rest of the field and
 * the address in it ('"Doe <jd@x>'): end it before the first '<' that a
 * '>' follows, so the mailbox survives (the defect is already set).
 */
static size_t
quote_cut(const struct ap *p, size_t i, size_t j)
{
	const char *lt = memchr(p->v + i + 1, '<', j - i - 1);

	if (lt != NULL && memchr(lt, '>', (size_t)(p->v + j - lt)) != NULL)
		return (size_t)(lt - p->v);
	return j;
}

static int
add_tok(struct ap *p, int type, size_t s, size_t e, int ws, int closed)
{
	struct tok *k;

	if (p->nt == p->tcap) {
		size_t nc = p->tcap ? p->tcap * 2 : 32;
		struct tok *nt = realloc(p->t, nc * sizeof(*nt));

		if (nt == NULL)
			return EML_ENOMEM;
		p->t = nt;
		p->tcap = nc;
	}
	k = &p->t[p->nt++];
	k->type = (unsigned char)type;
	k->ws = (unsigned char)ws;
	k->c = type == T_SPECIAL ? (unsigned char)p->v[s] : 0;
	k->closed = (unsigned char)closed;
	k->s = s;
	k->e = e;
	return EML_OK;
}

static int
tokenize(struct ap *p)
{
	const char *v = p->v;
	size_t i = 0, j;
	int ws = 0, type, r, closed;

	while (i < p->len) {
		unsigned char c = (unsigned char)v[i];

		if (is_ws(c)) {
			ws = 1;
			i++;
			continue;
		}
		closed = 1;
		switch (c) {
		case '"':
			type = T_QUOTED;
			j = skip_run(p, i, '"', '"', &closed);
			if (!closed)
				j = quote_cut(p, i, j);
			break;
		case '(':
			type = T_COMMENT;
			j = skip_run(p, i, '(', ')', &closed);
			break;
		case '[':
			/* RFC 5322 3.4.1 domain-literal; also "[x]" in names */
			type = T_DLIT;
			j = skip_run(p, i, '[', ']', &closed);
			break;
		default:
			if (is_special(c)) {
				type = T_SPECIAL;
				j = i + 1;
				break;
			}
			type = T_ATOM;
			for (j = i; j < p->len && !is_ws((unsigned char)v[j]) &&
			    !is_special((unsigned char)v[j]); j++)
				;
			break;
		}
		if ((r = add_tok(p, type, i, j, ws, closed)) != EML_OK)
			return r;
		ws = 0;
		i = j;
	}
	return EML_OK;
}

static int
is_sp(const struct ap *p, size_t k, int c)
{
	return k < p->nt && p->t[k].type == T_SPECIAL && p->t[k].c == c;
}

/* Append the unescaped inside of a quoted string or comment token. */
static int
add_inner(struct ap *p, struct eml_buf *b, const struct tok *k)
{
	size_t i = k->s + 1, e = k->closed ? k->e - 1 : k->e;
	int r = EML_OK;

	for (; i < e && r == EML_OK; i++) {
		if (p->v[i] == '\\') {
			if (++i >= e)
				break;	/* "\" at the very end */
		}
		r = eml_buf_addc(b, p->v[i]);
	}
	return r;
}

/* The words of tokens [a, b) as a phrase: quoted strings unquoted,
 * comments left out, one space wherever there was a gap. */
static int
add_phrase(struct ap *p, struct eml_buf *b, size_t a, size_t e)
{
	size_t k;
	int gap = b->len > 0, r = EML_OK;

	for (k = a; k < e && r == EML_OK; k++) {
		const struct tok *t = &p->t[k];

		if (t->type == T_COMMENT) {
			gap = 1;
			continue;
		}
		if ((gap || t->ws) && b->len > 0)
			r = eml_buf_addc(b, ' ');
		gap = 0;
		if (r != EML_OK)
			break;
		if (t->type == T_QUOTED)
			r = add_inner(p, b, t);
		else
			r = eml_buf_add(b, p->v + t->s, t->e - t->s);
	}
	return r;
}

/* The text of the comments among tokens [a, b), joined by spaces. */
static int
add_comments(struct ap *p, struct eml_buf *b, size_t a, size_t e)
{
	size_t k;
	int r = EML_OK;

	for (k = a; k < e && r == EML_OK; k++) {
		if (p->t[k].type != T_COMMENT)
			continue;
		if (b->len > 0 && (r = eml_buf_addc(b, ' ')) != EML_OK)
			break;
		r = add_inner(p, b, &p->t[k]);
	}
	return r;
}

/* An addr-spec from tokens [a, b): raw tokens, CFWS dropped (RFC 5322
 * 4.4 allows it around the dots and the '@' of obsolete forms). */
static int
add_spec(struct ap *p, struct eml_buf *b, size_t a, size_t e)
{
	size_t k;
	int r = EML_OK;

	for (k = a; k < e && r == EML_OK; k++) {
		const struct tok *t = &p->t[k];
		size_t i;

		if (t->type == T_COMMENT)
			continue;
		if (t->type != T_QUOTED) {
			r = eml_buf_add(b, p->v + t->s, t->e - t->s);
			continue;
		}
		/* RFC 5322 3.2.4: a fold in a quoted string is not part of
		 * it; a CR or LF that is not a fold stays (and makes the
		 * address invalid) */
		for (i = t->s; i < t->e && r == EML_OK; i++) {
			if (p->v[i] == '\r' && i + 2 < t->e &&
			    p->v[i + 1] == '\n' && EMLI_WSP(p->v[i + 2]))
				i++;
			else if (p->v[i] == '\n' && i + 1 < t->e &&
			    EMLI_WSP(p->v[i + 1]))
				;
			else
				r = eml_buf_addc(b, p->v[i]);
		}
	}
	return r;
}

/* Collapse whitespace runs to one space and trim, in place. */
static void
squeeze(struct eml_buf *b)
{
	size_t i, o = 0;
	int sp = 0;

	for (i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->data[i];

		if (is_ws(c)) {
			sp = 1;
			continue;
		}
		if (sp && o > 0)
			b->data[o++] = ' ';
		sp = 0;
		b->data[o++] = (char)c;
	}
	b->len = o;
	if (b->data != NULL)
		b->data[o] = '\0';
}

/* Turn the text in p->b into a UTF-8 name (caller frees) in *out;
 * NULL if it is empty.  Raw 8-bit that is not UTF-8 goes through the
 * fallback charset; encoded-words are decoded. */
static int
finish_text(struct ap *p, char **out)
{
	struct eml_buf *b = &p->b, *c = &p->c;
	struct eml_defects def = { { 0 } };
	size_t i;
	int r, high = 0;

	*out = NULL;
	squeeze(b);
	if (b->len == 0)
		return EML_OK;
	for (i = 0; i < b->len && !high; i++)
		high = (unsigned char)b->data[i] >= 0x80;
	if (b->len >= 2 && strstr(b->data, "=?") != NULL) {
		/* the word decoder also takes raw 8-bit, inside words too
		 * ("=?iso-8859-1?Q?J\xfcrgen?="): convert nothing first */
		eml_buf_reset(c);
		r = eml_rfc2047_decode(b->data, b->len, p->fallback, c, &def);
		if (r != EML_OK)
			return r;
		eml_defects_or(&p->l->defects, &def);
		eml_buf_reset(b);
		if ((r = eml_buf_add(b, c->data, c->len)) != EML_OK)
			return r;
		squeeze(b);
		if (b->len == 0)
			return EML_OK;
	} else if (high && !eml_utf8_valid(b->data, b->len)) {
		eml_buf_reset(c);
		r = eml_charset_fallback(p->fallback, b->data, b->len, c);
		if (r != EML_OK)
			return r;
		eml_buf_reset(b);
		if ((r = eml_buf_add(b, c->data, c->len)) != EML_OK)
			return r;
		eml_defects_set(&p->l->defects, EML_D_HEADER_8BIT);
	}
	if ((*out = eml_buf_steal(b)) == NULL)
		return EML_ENOMEM;
	return EML_OK;
}

/* RFC 5322 3.2.3: atext, plus 8-bit bytes for RFC 6532 UTF-8. */
static int
is_atext(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80)
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/*
 * Is s[0..n) an addr-spec (RFC 5322 3.4.1) as the email field may hold
 * it?  local-part "@" domain with
 *   local-part = word *("." word), word = 1*atext / quoted-string
 *     (RFC 5322 4.4 obs-local-part; empty words, "a..b" as Japanese
 *     carriers write, are tolerated: they hold no markup)
 *   domain = 1*atext *("." 1*atext) / "[" 1*(ALNUM / "." / ":" / "-") "]"
 *     (RFC 5321 4.1.3 address literals; dtext would allow markup)
 * No CTL, CR, LF, NUL, '<' or '>' anywhere, not even quoted: *control_r
 * says so (EML_D_ADDR_CONTROL).  Returns 1 if valid.
 */
int
emli_addr_spec_ok(const char *s, size_t n, int *control_r)
{
	size_t i = 0, lab;
	int c;

	*control_r = 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7F || c == '<' || c == '>') {
			*control_r = 1;
			return 0;
		}
	}
	/* local-part */
	i = 0;
	while (i < n && s[i] != '@') {
		c = (unsigned char)s[i];
		if (c == '"') {
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\' && ++i >= n)
					return 0;
			if (i >= n)
				return 0;	/* unterminated */
			i++;
			if (i < n && s[i] != '.' && s[i] != '@')
				return 0;
		} else if (c == '.' || is_atext(c)) {
			i++;
		} else
			return 0;
	}
	if (i == 0 || i >= n || s[0] == '.')
		return 0;
	i++;			/* '@' */
	if (i >= n)
		return 0;
	if (s[i] == '[') {
		for (i++; i < n && s[i] != ']'; i++) {
			c = (unsigned char)s[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '.' || c == ':' ||
			    c == '-')) {
				*control_r = 1;	/* markup in brackets */
				return 0;
			}
		}
		return i + 1 == n && s[i - 1] != '[';
	}
	for (lab = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
		} else if (is_atext(c))
			lab++;
		else
			return 0;	/* a second '@', '"', '[' ... */
	}
	return lab > 0;
}

/* Take p->b as an address (caller frees) or NULL if it is empty or not
 * a valid addr-spec; the email field never holds anything else. */
static int
finish_spec(struct ap *p, char **out)
{
	int control;

	*out = NULL;
	if (p->b.len == 0)
		return EML_OK;
	if (!emli_addr_spec_ok(p->b.data, p->b.len, &control)) {
		if (control)
			eml_defects_set(&p->l->defects, EML_D_ADDR_CONTROL);
		else
			DEFECT(p);
		eml_buf_reset(&p->b);
		return EML_OK;
	}
	if ((*out = eml_buf_steal(&p->b)) == NULL)
		return EML_ENOMEM;
	return EML_OK;
}

/* Append an address; takes name and email (either may be NULL). */
static int
emit(struct ap *p, char *name, char *email)
{
	struct eml_addr *a;
	char *g = NULL;

	if (p->l->n >= EML_MAX_ADDRS) {
		DEFECT(p);
		p->full = 1;
		free(name);
		free(email);
		return EML_OK;
	}
	if (p->l->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 8;
		struct eml_addr *nv = realloc(p->l->v, nc * sizeof(*nv));

		if (nv == NULL)
			goto nomem;
		p->l->v = nv;
		p->cap = nc;
	}
	if (p->group != NULL && (g = strdup(p->group)) == NULL)
		goto nomem;
	a = &p->l->v[p->l->n++];
	a->name = name;
	a->email = email;
	a->group = g;
	p->group_n++;
	return EML_OK;
nomem:
	free(name);
	free(email);
	return EML_ENOMEM;
}

/* An empty group ("undisclosed-recipients:;") is kept as one entry with
 * no name and no address, so that the group is not lost. */
static int
end_group(struct ap *p)
{
	int r = EML_OK;

	if (p->in_group && p->group_n == 0)
		r = emit(p, NULL, NULL);
	free(p->group);
	p->group = NULL;
	p->in_group = 0;
	return r;
}

/* Does a '<' come before the next ',', ';' or ':' after token k?  Used
 * to read "Doe, John <jd@x>" as one mailbox. */
static int
angle_follows(const struct ap *p, size_t k)
{
	for (; k < p->nt; k++) {
		if (p->t[k].type != T_SPECIAL)
			continue;
		if (p->t[k].c == '<')
			return 1;
		if (p->t[k].c == ',' || p->t[k].c == ';' || p->t[k].c == ':' ||
		    p->t[k].c == '@')
			return 0;
	}
	return 0;
}

/* name-addr: phrase [a, lt), angle-addr (lt, gt), rest (gt, e). */
static int
do_angle(struct ap *p, size_t a, size_t lt, size_t gt, size_t e)
{
	char *name = NULL, *email = NULL;
	size_t k = lt + 1, m, rest;
	int r;

	/* "<<<<a@b>>>>" */
	while (is_sp(p, k, '<')) {
		DEFECT(p);
		k++;
	}
	rest = gt;
	while (rest + 1 < e && is_sp(p, rest + 1, '>'))
		rest++;
	/* RFC 5322 4.4 obs-route "@a,@b:" is dropped */
	if (is_sp(p, k, '@')) {
		for (m = k; m < gt && !is_sp(p, m, ':'); m++)
			;
		if (m < gt) {
			k = m + 1;
			eml_defects_set(&p->l->defects, EML_D_ADDR_OBS_ROUTE);
		} else
			DEFECT(p);
	}
	eml_buf_reset(&p->b);
	if ((r = add_spec(p, &p->b, k, gt)) != EML_OK ||
	    (r = finish_spec(p, &email)) != EML_OK)
		goto fail;
	if (email == NULL)
		DEFECT(p);
	/* Display name: the phrase; else words after the '>' (seen in
	 * broken mailers); else a comment, as for "<a@b> (Name)". */
	eml_buf_reset(&p->b);
	if ((r = add_phrase(p, &p->b, a, lt)) != EML_OK)
		goto fail;
	for (m = rest + 1; m < e; m++)
		if (p->t[m].type != T_COMMENT)
			DEFECT(p);	/* words after the '>' */
	if (rest > gt)
		DEFECT(p);	/* "<a@b>>" */
	if (p->b.len == 0 && rest < e &&
	    (r = add_phrase(p, &p->b, rest + 1, e)) != EML_OK)
		goto fail;
	if (p->b.len == 0 && ((r = add_comments(p, &p->b, a, lt)) != EML_OK ||
	    (r = add_comments(p, &p->b, k, e)) != EML_OK))
		goto fail;
	if ((r = finish_text(p, &name)) != EML_OK)
		goto fail;
	if (name == NULL && email == NULL)
		return EML_OK;
	return emit(p, name, email);
fail:
	free(name);
	free(email);
	return r;
}

/* Tokens k and k+1 belong to the same word unless whitespace or a
 * comment separates them; a gap next to '@' or '.' does not count
 * (obsolete "jdoe@test  . example"). */
static int
joined(const struct ap *p, size_t k, size_t n)
{
	const struct tok *x = &p->t[k], *y = &p->t[n];

	if (n == k + 1 && !y->ws)
		return 1;
	if ((x->type == T_SPECIAL && x->c == '@') || p->v[x->e - 1] == '.')
		return 1;
	if ((y->type == T_SPECIAL && y->c == '@') || p->v[y->s] == '.')
		return 1;
	return 0;
}

/* Next word of non-comment tokens at or after *k, before e: [*a, *b). */
static int
next_word(const struct ap *p, size_t *k, size_t e, size_t *a, size_t *b,
    int *has_at)
{
	size_t i = *k, last;

	while (i < e && p->t[i].type == T_COMMENT)
		i++;
	if (i >= e)
		return 0;
	*a = i;
	*has_at = 0;
	last = i;
	for (;;) {
		if (is_sp(p, last, '@'))
			*has_at = 1;
		for (i = last + 1; i < e && p->t[i].type == T_COMMENT; i++)
			;
		if (i >= e || !joined(p, last, i))
			break;
		last = i;
	}
	*b = last + 1;
	*k = last + 1;
	return 1;
}

/* addr-spec without brackets, maybe with a name around it. */
static int
do_bare(struct ap *p, size_t a, size_t e)
{
	size_t k, wa, wb, at_a = 0, at_b = 0, nw = 0, nat = 0;
	char *name = NULL, *email = NULL;
	int has_at, r;

	for (k = a; next_word(p, &k, e, &wa, &wb, &has_at); nw++) {
		if (has_at && nat++ == 0) {
			at_a = wa;
			at_b = wb;
		}
	}
	if (nw == 0)
		return EML_OK;		/* only comments */
	if (nat > 1) {
		/* "a@b c@d": a missing comma */
		DEFECT(p);
		for (k = a; next_word(p, &k, e, &wa, &wb, &has_at); ) {
			if (!has_at)
				continue;
			eml_buf_reset(&p->b);
			if ((r = add_spec(p, &p->b, wa, wb)) != EML_OK ||
			    (r = finish_spec(p, &email)) != EML_OK)
				return r;
			if (email != NULL && (r = emit(p, NULL, email)) !=
			    EML_OK)
				return r;
		}
		return EML_OK;
	}
	if (nat == 0) {
		if (nw > 1 || p->t[a].type == T_QUOTED) {
			/* a phrase with no address */
			eml_buf_reset(&p->b);
			if ((r = add_phrase(p, &p->b, a, e)) != EML_OK ||
			    (r = finish_text(p, &name)) != EML_OK)
				return r;
			DEFECT(p);
			return name != NULL ? emit(p, name, NULL) : EML_OK;
		}
		/* a lone word: an RFC 822 local address ("NO", "root") */
		k = a;
		next_word(p, &k, e, &at_a, &at_b, &has_at);
	}
	eml_buf_reset(&p->b);
	if ((r = add_spec(p, &p->b, at_a, at_b)) != EML_OK ||
	    (r = finish_spec(p, &email)) != EML_OK)
		goto fail;
	/* "jd@x (John)": the comment is the name; words beside the address
	 * ("John jd@x") are a name too, but not valid. */
	eml_buf_reset(&p->b);
	if (nw > 1) {
		DEFECT(p);
		if ((r = add_phrase(p, &p->b, a, at_a)) != EML_OK ||
		    (r = add_phrase(p, &p->b, at_b, e)) != EML_OK)
			goto fail;
	} else if ((r = add_comments(p, &p->b, a, e)) != EML_OK)
		goto fail;
	if ((r = finish_text(p, &name)) != EML_OK)
		goto fail;
	if (name == NULL && email == NULL)
		return EML_OK;
	return emit(p, name, email);
fail:
	free(name);
	free(email);
	return r;
}

static int
parse(struct ap *p)
{
	size_t i = 0, j, lt, gt, words;
	int r, has_at;

	while (i < p->nt && !p->full) {
		if (is_sp(p, i, ',')) {
			i++;
			continue;
		}
		if (is_sp(p, i, ';')) {
			if (!p->in_group)
				DEFECT(p);
			if ((r = end_group(p)) != EML_OK)
				return r;
			i++;
			continue;
		}
		if (is_sp(p, i, '>')) {
			DEFECT(p);	/* stray '>' */
			i++;
			continue;
		}
		/* find the element's end and its angle brackets */
		lt = gt = SIZE_MAX;
		has_at = 0;
		words = 0;
		for (j = i; j < p->nt; j++) {
			const struct tok *t = &p->t[j];

			if (t->type != T_SPECIAL) {
				if (t->type != T_COMMENT)
					words++;
				continue;
			}
			if (t->c == ',' && lt == SIZE_MAX && !has_at &&
			    words > 0 && angle_follows(p, j + 1)) {
				DEFECT(p);	/* "Doe, John <jd@x>" */
				continue;
			}
			if (t->c == ',' || t->c == ';')
				break;
			if (t->c == ':' && lt == SIZE_MAX && !has_at)
				break;
			if (t->c == '@')
				has_at = 1;
			if (t->c == '<') {
				if (lt != SIZE_MAX) {
					/* "<a@x> "name" <b@y>", "A <a@x>
					 * <b@y>": two mailboxes where one
					 * was meant, a spoofing trick.  The
					 * words before the second '<' are
					 * its display name, not the first
					 * one's: end this element after the
					 * first '>' and its comments. */
					size_t k = gt + 1;

					eml_defects_set(&p->l->defects,
					    EML_D_ADDR_SPOOF);
					while (k < j && is_sp(p, k, '>'))
						k++;
					while (k < j &&
					    p->t[k].type == T_COMMENT)
						k++;
					if (gt < j && k < j)
						j = k;
					break;
				}
				lt = j;
				for (j++; j < p->nt; j++) {
					if (is_sp(p, j, '>'))
						break;
					/* a ',' ends an unclosed '<' unless
					 * an obs-route goes on ("@a,@b:") */
					if (is_sp(p, j, ',') &&
					    !is_sp(p, j + 1, '@'))
						break;
					if (is_sp(p, j, ';'))
						break;
				}
				gt = j;
				if (j >= p->nt || !is_sp(p, j, '>')) {
					DEFECT(p);
					j--;	/* re-read the ',' or ';' */
				} else {
					while (is_sp(p, j + 1, '>'))
						j++;
				}
			}
		}
		if (j < p->nt && is_sp(p, j, ':') && lt == SIZE_MAX) {
			/* RFC 5322 3.4 group: display-name ":" */
			if (p->in_group) {
				DEFECT(p);	/* groups do not nest */
				if ((r = end_group(p)) != EML_OK)
					return r;
			}
			eml_buf_reset(&p->b);
			if ((r = add_phrase(p, &p->b, i, j)) != EML_OK ||
			    (r = finish_text(p, &p->group)) != EML_OK)
				return r;
			if (p->group == NULL && (p->group = strdup("")) == NULL)
				return EML_ENOMEM;
			p->in_group = 1;
			p->group_n = 0;
			i = j + 1;
			continue;
		}
		if (lt != SIZE_MAX)
			r = do_angle(p, i, lt, gt < j ? gt : j, j);
		else
			r = do_bare(p, i, j);
		if (r != EML_OK)
			return r;
		if (j == i)
			j++;		/* cannot happen; never loop */
		i = j;
	}
	if (p->in_group) {
		DEFECT(p);		/* group without ';' */
		return end_group(p);
	}
	return EML_OK;
}

int
eml_addr_parse(const char *v, size_t len, const char *fallback,
    struct eml_addrlist *l)
{
	struct ap p;
	int r;

	memset(&p, 0, sizeof(p));
	p.v = v;
	p.len = v != NULL ? len : 0;
	p.fallback = fallback;
	p.l = l;
	p.cap = l->n;
	if ((r = tokenize(&p)) == EML_OK)
		r = parse(&p);
	free(p.t);
	free(p.group);
	eml_buf_free(&p.b);
	eml_buf_free(&p.c);
	return r;
}

void
eml_addr_free(struct eml_addrlist *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].email);
		free(l->v[i].group);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}
