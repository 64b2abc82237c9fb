/*
 * lint.c - message-level checks (issue 7): what only the whole message
 * shows, added to the parser's own diagnostics so that eml-lint stays a
 * thin loop and other tools can lint too.
 *
 * Driven by the parser's events, never by a copy of the message: the
 * state is a few counters for the message's header fields, one slot per
 * nesting level (bounded by the parser's max_depth) and the first bytes
 * of the body line being read (the longest boundary and its "--"), so
 * memory does not grow with the message and any chunking of the input
 * gives the same findings (the parser's events tile the input the same
 * way whatever the chunking; only the number of BODY events changes, and
 * the line state carries across them).
 *
 * The checks:
 * - From and Date are required, Message-ID should be there, Subject is
 *   usual (RFC 5322 3.6; large providers reject mail without the first
 *   three);
 * - the fields RFC 5322 3.6 allows at most once (its table: Date, From,
 *   Sender, Reply-To, To, Cc, Bcc, Message-ID, In-Reply-To, References,
 *   Subject) given again: readers pick different ones;
 * - body lines over 998 octets without the EOL (RFC 5321 4.5.3.1.6: a
 *   relay may refuse or break them; binary bodies are exempt, they need
 *   BINARYMIME anyway);
 * - a multipart boundary that is a prefix of an enclosing multipart's
 *   boundary or the reverse (RFC 2046 5.1.1: "must not appear inside
 *   any of the encapsulated parts"; a parser that matches on prefixes,
 *   as many do, splits such a message differently);
 * - a line inside a part (body, preamble or epilogue) that starts with
 *   "--" and the boundary of an enclosing multipart without being its
 *   delimiter ("--bfoo" for boundary "b"): the same ambiguity.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eml_priv.h"

/* RFC 5322 3.6, the fields with "max number 1". */
static const char *const once[] = {
	"date", "from", "sender", "reply-to", "to", "cc", "bcc",
	"message-id", "in-reply-to", "references", "subject"
};
#define NONCE	(sizeof(once) / sizeof(once[0]))
enum { F_DATE = 0, F_FROM = 1, F_MSGID = 7, F_SUBJECT = 10 };

/* RFC 5321 4.5.3.1.6: 1000 octets with the CRLF. */
#define LINE_MAX_OCTETS	998

struct slot {
	unsigned long ct_line;	/* line of this part's Content-Type */
	uint64_t ct_off;
};

struct eml_lint {
	unsigned max, n;		/* finding budget, findings so far */
	unsigned count[NONCE];		/* top-level fields seen */
	struct slot *slots;
	size_t nslots;
	/* the body line being read */
	const struct eml_part *lpart;	/* whose body (NULL: none) */
	int lcontainer;			/* preamble/epilogue of lpart */
	uint64_t llen;			/* octets so far, EOL excluded */
	int lcr;			/* last octet was CR */
	int lchecked;			/* boundary check done */
	int llong;			/* long line reported */
	char head[2 + EML_BOUNDARY_MAX + 1];
	size_t hlen;
	unsigned long lline;		/* line and offset of its start */
	uint64_t loff;
};

static const enum eml_diag_code lint_codes[] = {
	EML_D_FROM_MISSING, EML_D_DATE_MISSING, EML_D_MSGID_MISSING,
	EML_D_SUBJECT_MISSING, EML_D_HEADER_DUPLICATE, EML_D_BODY_LINE_LONG,
	EML_D_BOUNDARY_PREFIX, EML_D_BOUNDARY_IN_CONTENT
};

int
eml_diag_is_lint(enum eml_diag_code code)
{
	size_t i;

	for (i = 0; i < sizeof(lint_codes) / sizeof(lint_codes[0]); i++)
		if (lint_codes[i] == code)
			return 1;
	return 0;
}

struct eml_lint *
eml_lint_new(unsigned max_diags)
{
	struct eml_lint *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->max = max_diags != 0 ? max_diags : EML_DEFAULT_MAX_DIAGS;
	return l;
}

void
eml_lint_free(struct eml_lint *l)
{
	if (l == NULL)
		return;
	free(l->slots);
	free(l);
}

void
eml_lint_reset(struct eml_lint *l)
{
	memset(l->count, 0, sizeof(l->count));
	l->n = 0;
	l->lpart = NULL;
}

static int
report(struct eml_lint *l, enum eml_diag_code code, unsigned long line,
    uint64_t off, const char *section, eml_lint_fn fn, void *arg)
{
	struct eml_diag d;

	if (l->n >= l->max)
		return EML_OK;
	l->n++;
	memset(&d, 0, sizeof(d));
	d.code = code;
	d.severity = eml_diag_severity(code);
	d.line = line;
	d.offset = off;
	d.section = section != NULL ? section : "";
	return fn(arg, &d);
}

static struct slot *
slot_at(struct eml_lint *l, unsigned depth)
{
	struct slot *s;
	size_t n;

	if (depth >= l->nslots) {
		n = depth + 8;
		if ((s = realloc(l->slots, n * sizeof(*s))) == NULL)
			return NULL;
		memset(s + l->nslots, 0, (n - l->nslots) * sizeof(*s));
		l->slots = s;
		l->nslots = n;
	}
	return &l->slots[depth];
}

/* Does the line head start "--" + the boundary of m? */
static int
head_has(const struct eml_lint *l, const struct eml_part *m)
{
	size_t bl = strlen(m->boundary);

	return m->is_multipart && bl > 0 && l->hlen >= 2 + bl &&
	    memcmp(l->head + 2, m->boundary, bl) == 0;
}

/* The boundary check of the line read so far (once per line). */
static int
check_head(struct eml_lint *l, eml_lint_fn fn, void *arg)
{
	const struct eml_part *m;

	if (l->lchecked)
		return EML_OK;
	l->lchecked = 1;
	if (l->hlen < 3 || l->head[0] != '-' || l->head[1] != '-')
		return EML_OK;
	m = l->lcontainer ? l->lpart : l->lpart->parent;
	for (; m != NULL; m = m->parent)
		if (head_has(l, m))
			return report(l, EML_D_BOUNDARY_IN_CONTENT, l->lline,
			    l->loff, l->lpart->section, fn, arg);
	return EML_OK;
}

static void
line_start(struct eml_lint *l, unsigned long line, uint64_t off)
{
	l->llen = 0;
	l->lcr = 0;
	l->lchecked = 0;
	l->llong = 0;
	l->hlen = 0;
	l->lline = line;
	l->loff = off;
}

/* The region of body lines ended (another event came). */
static int
lines_end(struct eml_lint *l, eml_lint_fn fn, void *arg)
{
	int r = EML_OK;

	if (l->lpart != NULL && l->llen > 0)
		r = check_head(l, fn, arg);
	l->lpart = NULL;
	return r;
}

static int
lines(struct eml_lint *l, const struct eml_event *ev, int container,
    eml_lint_fn fn, void *arg)
{
	const unsigned char *p = (const unsigned char *)ev->raw;
	const unsigned char *e = p + ev->raw_len, *nl;
	unsigned long line = ev->line;
	int check_len = container || ev->part->cte != EML_CTE_BINARY;
	size_t k;
	int r;

	if (l->lpart != ev->part || l->lcontainer != container) {
		if ((r = lines_end(l, fn, arg)) != EML_OK)
			return r;
		l->lpart = ev->part;
		l->lcontainer = container;
		line_start(l, line, ev->offset);
	}
	while (p < e) {
		nl = memchr(p, '\n', (size_t)(e - p));
		k = (size_t)((nl != NULL ? nl : e) - p);
		if (l->hlen < sizeof(l->head) - 1) {
			size_t c = sizeof(l->head) - 1 - l->hlen;

			c = c < k ? c : k;
			memcpy(l->head + l->hlen, p, c);
			l->hlen += c;
			if (l->hlen == sizeof(l->head) - 1 &&
			    (r = check_head(l, fn, arg)) != EML_OK)
				return r;
		}
		if (k > 0) {
			/* a CR counts unless the LF follows it */
			l->llen += k + (l->lcr ? 1 : 0);
			l->lcr = p[k - 1] == '\r';
			if (l->lcr)
				l->llen--;
		}
		if (check_len && !l->llong && l->llen > LINE_MAX_OCTETS) {
			l->llong = 1;
			if ((r = report(l, EML_D_BODY_LINE_LONG, l->lline,
			    l->loff, ev->part->section, fn, arg)) != EML_OK)
				return r;
		}
		if (nl == NULL)
			break;
		if ((r = check_head(l, fn, arg)) != EML_OK)
			return r;
		p = nl + 1;
		line++;
		line_start(l, line, ev->offset +
		    (uint64_t)(p - (const unsigned char *)ev->raw));
	}
	return EML_OK;
}

static int
header(struct eml_lint *l, const struct eml_event *ev, eml_lint_fn fn,
    void *arg)
{
	const struct eml_part *pt = ev->part;
	struct slot *s;
	size_t i;

	if (ev->name_len == 12 && strncasecmp(ev->name, "content-type",
	    12) == 0) {
		if ((s = slot_at(l, pt->depth)) == NULL)
			return EML_ENOMEM;
		if (s->ct_line == 0) {
			s->ct_line = ev->line;
			s->ct_off = ev->offset;
		}
	}
	if (pt->parent != NULL)
		return EML_OK;
	for (i = 0; i < NONCE; i++) {
		if (strlen(once[i]) != ev->name_len ||
		    strncasecmp(ev->name, once[i], ev->name_len) != 0)
			continue;
		if (++l->count[i] == 2)
			return report(l, EML_D_HEADER_DUPLICATE, ev->line,
			    ev->offset, pt->section, fn, arg);
		break;
	}
	return EML_OK;
}

static int
headers_end(struct eml_lint *l, const struct eml_event *ev, eml_lint_fn fn,
    void *arg)
{
	const struct eml_part *pt = ev->part, *a;
	const struct slot *s;
	size_t bl, al;
	int r;

	if (pt->parent == NULL) {
		static const struct {
			unsigned f;
			enum eml_diag_code code;
		} req[] = {
			{ F_FROM, EML_D_FROM_MISSING },
			{ F_DATE, EML_D_DATE_MISSING },
			{ F_MSGID, EML_D_MSGID_MISSING },
			{ F_SUBJECT, EML_D_SUBJECT_MISSING }
		};
		size_t i;

		for (i = 0; i < sizeof(req) / sizeof(req[0]); i++)
			if (l->count[req[i].f] == 0 && (r = report(l,
			    req[i].code, ev->line, ev->offset, "", fn,
			    arg)) != EML_OK)
				return r;
	}
	if (!pt->is_multipart || (bl = strlen(pt->boundary)) == 0)
		return EML_OK;
	if ((s = slot_at(l, pt->depth)) == NULL)
		return EML_ENOMEM;
	for (a = pt->parent; a != NULL; a = a->parent) {
		if (!a->is_multipart || (al = strlen(a->boundary)) == 0)
			continue;
		if (memcmp(pt->boundary, a->boundary, bl < al ? bl : al) == 0)
			return report(l, EML_D_BOUNDARY_PREFIX,
			    s->ct_line != 0 ? s->ct_line : ev->line,
			    s->ct_line != 0 ? s->ct_off : ev->offset,
			    pt->section, fn, arg);
	}
	return EML_OK;
}

int
eml_lint_event(struct eml_lint *l, const struct eml_event *ev,
    eml_lint_fn fn, void *arg)
{
	struct slot *s;
	int r;

	switch (ev->type) {
	case EML_EV_BODY:
		return lines(l, ev, 0, fn, arg);
	case EML_EV_PREAMBLE:
	case EML_EV_EPILOGUE:
		return lines(l, ev, 1, fn, arg);
	case EML_EV_DIAG:
		return EML_OK;
	default:
		break;
	}
	if ((r = lines_end(l, fn, arg)) != EML_OK)
		return r;
	switch (ev->type) {
	case EML_EV_PART_BEGIN:
		if (ev->part->parent == NULL)
			eml_lint_reset(l);
		if ((s = slot_at(l, ev->part->depth)) == NULL)
			return EML_ENOMEM;
		s->ct_line = 0;
		s->ct_off = 0;
		return EML_OK;
	case EML_EV_HEADER:
		return header(l, ev, fn, arg);
	case EML_EV_HEADERS_END:
		return headers_end(l, ev, fn, arg);
	default:
		return EML_OK;
	}
}
