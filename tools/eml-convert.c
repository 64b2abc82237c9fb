/*
 * eml-convert - rewrite messages for a purpose, changing nothing else
 * (nmh's mhfixmsg, reformime -r): every change is a rule of the library's
 * streaming edit engine (eml_edit_*), so every byte no rule touches is
 * the input's, and a message no rule applies to comes out byte for byte.
 *
 * Rules need facts about bodies (is this latin1-labelled text valid
 * UTF-8? does a QP body decode to lines a transport takes?) before the
 * header that labels them is written: the message is read once into the
 * tree (eml_msg_parse_mem, which points into the input without copying)
 * to decide, and then streamed through the editor.  An input file is
 * mapped, not copied; a pipe's message is held once.
 *
 * Changing a field that a DKIM-Signature's h= covers, or any body byte,
 * breaks the signature: each such change is reported on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static const char usage_text[] =
    "eml-convert [--utf8] [--7bit] [--8bit] [--crlf | --lf] [--fold] "
    "[--decode-headers] [--repair] [-i] " TOOL_USAGE_INPUT " [file ...]";
static const char help_text[] =
    "Rewrite messages for a purpose, changing nothing else; with no option\n"
    "a message comes out byte for byte.  Output on stdout, or with -i in\n"
    "place of each file (temporary file, fsync, rename).\n"
    "  --utf8      text parts converted to UTF-8 and relabelled\n"
    "  --7bit      8bit and binary parts re-encoded (QP for text, else\n"
    "              base64) for a transport without 8BITMIME\n"
    "  --8bit      QP and base64 text decoded to 8bit (7bit when ASCII)\n"
    "              where the text allows: no NUL, no bare CR, lines <= 998\n"
    "  --crlf      line ends become CRLF    --lf  line ends become LF\n"
    "  --fold      header lines over 78 columns folded again at spaces\n"
    "              (after commas in address lists; never in a quoted\n"
    "              string); one over 998 with nowhere to fold is reported\n"
    "  --decode-headers  encoded-words (RFC 2047) and RFC 2231 parameters\n"
    "              become UTF-8 (RFC 6532), quoted where the syntax needs\n"
    "  --repair    add a missing MIME-Version, fix mislabelled charsets\n"
    "              (us-ascii or latin1 declared, UTF-8 found), close a\n"
    "              multipart cut off at the end, fix a boundary the body\n"
    "              does not use, drop a transfer encoding on a multipart,\n"
    "              label or re-encode bodies whose encoding is wrong\n"
    "  -i          rewrite each file in place\n"
    "A change that breaks a DKIM signature is reported on stderr.\n";

struct opts {
	int utf8, to7, to8, eol, repair, inplace;	/* eol: 0, 1 CRLF, 2 LF */
	int fold, decode;
};

/* Facts about a decoded text body. */
struct facts {
	int has8, nul, bare_cr, valid_utf8;
	size_t maxline;
};

struct conv {
	struct opts o;
	struct eml_edit *e;
	const struct tool_src *src;
	/* DKIM h= of the message, lower-case, ':'-separated */
	struct eml_buf dkim_h;
	int dkim;
	int body_warned;
	int changed;
	struct eml_buf tail;		/* appended after the edit */
	struct eml_buf msg;		/* a pipe's message */
	struct eml_buf tmp;
	struct eml_buf fld;		/* a field being rewritten */
	int failed;
	/* an mbox message written: its separator is pending */
	int pend;
	uint64_t pend_end;
	char *pend_name;
	size_t eol_len;
	int raw_from;			/* From_ line copied from the file */
};

static void
scan(const char *p, size_t n, struct facts *f)
{
	size_t i, line = 0;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\n') {
			line = 0;
			continue;
		}
		if (c == '\r' && (i + 1 == n || p[i + 1] != '\n'))
			f->bare_cr = 1;
		if (c == '\r')
			continue;
		if (c == 0)
			f->nul = 1;
		if (c >= 0x80)
			f->has8 = 1;
		if (++line > f->maxline)
			f->maxline = line;
	}
	f->valid_utf8 = eml_utf8_valid(p, n);
}

/* The section by which the editor addresses n's header block. */
static void
hdr_section(const struct eml_node *n, char *out, size_t outsz)
{
	const struct eml_node *p = n->parent;

	if (p == NULL)
		snprintf(out, outsz, "%s", "");
	else if (p->info.is_message)
		snprintf(out, outsz, "%s%sHEADER", p->info.section,
		    p->info.section[0] != '\0' ? "." : "");
	else
		snprintf(out, outsz, "%s", n->info.section);
}

/* A change to n's header field (or its body when field is NULL): is it
 * covered by the DKIM signature? */
static void dkim_field(struct conv *, int, const char *, const char *);

static void
dkim_note(struct conv *c, const struct eml_node *n, const char *field)
{
	if (!c->dkim)
		return;
	dkim_field(c, n->parent == NULL, field, n->info.section);
}

/* A change to a field of the message's own header (top) or of a part's
 * (the body, to DKIM); field NULL: the body. */
static void
dkim_field(struct conv *c, int top, const char *field, const char *section)
{
	char want[128];
	size_t i;

	if (!c->dkim)
		return;
	if (field != NULL && top && strcasecmp(field, "DKIM-Signature") == 0) {
		tool_warn_src(c->src, 0, "changing the DKIM-Signature field "
		    "breaks it (RFC 6376 3.4.1, simple canonicalization)");
		return;
	}
	if (field != NULL && top) {
		snprintf(want, sizeof(want), ":%s:", field);
		for (i = 0; want[i] != '\0'; i++)
			if (want[i] >= 'A' && want[i] <= 'Z')
				want[i] = (char)(want[i] - 'A' + 'a');
		if (strstr(c->dkim_h.data, want) != NULL)
			tool_warn_src(c->src, 0, "changing %s breaks the "
			    "DKIM-Signature (its h= covers it)", field);
		return;
	}
	if (!c->body_warned) {
		c->body_warned = 1;
		tool_warn_src(c->src, 0, "changing the body breaks the "
		    "DKIM-Signature (part %s)", section);
	}
}

/* The DKIM-Signature's h= tag (RFC 6376 3.5) of the message header. */
static void
dkim_read(struct conv *c, const struct eml_node *root)
{
	size_t i, k;
	const struct eml_header *h;
	const char *v, *e, *t;

	eml_buf_reset(&c->dkim_h);
	xcheck(eml_buf_adds(&c->dkim_h, ":"));
	c->dkim = 0;
	for (i = 0; i < root->nheaders; i++) {
		h = &root->headers[i];
		if (h->name_len != 14 || strncasecmp(h->name,
		    "dkim-signature", 14) != 0)
			continue;
		c->dkim = 1;
		v = h->value;
		e = v + h->value_len;
		/* tags are "name=value;" with FWS anywhere */
		for (t = v; t < e; t++) {
			const char *q = t;

			while (q < e && strchr(" \t\r\n", *q) != NULL)
				q++;
			if (q + 1 < e && (*q == 'h' || *q == 'H') &&
			    (q == v || strchr("; \t\r\n", q[-1]) != NULL)) {
				q++;
				while (q < e && strchr(" \t\r\n", *q) != NULL)
					q++;
				if (q < e && *q == '=') {
					for (q++; q < e && *q != ';'; q++) {
						if (strchr(" \t\r\n", *q) !=
						    NULL)
							continue;
						k = (unsigned char)*q;
						xcheck(eml_buf_addc(&c->dkim_h,
						    k >= 'A' && k <= 'Z' ?
						    (int)(k - 'A' + 'a') :
						    (int)k));
					}
					xcheck(eml_buf_addc(&c->dkim_h, ':'));
					break;
				}
			}
			if ((t = memchr(t, ';', (size_t)(e - t))) == NULL)
				break;
		}
	}
}

static int
is_charset(const char *cs, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcasecmp(cs, *list) == 0)
			return 1;
	return 0;
}

static const char *const ascii_names[] = { "", "us-ascii", "ascii",
	"ansi_x3.4-1968", NULL };
static const char *const latin_names[] = { "iso-8859-1", "latin1",
	"iso-8859-15", "windows-1252", "cp1252", NULL };

static void
rule(struct conv *c, int r)
{
	if (r != EML_OK) {
		tool_warn_src(c->src, 0, "edit rule: %s", r == EML_ENOMEM ?
		    "out of memory" : "refused");
		c->failed = 1;
	}
	c->changed = 1;
}

static const char *
find(const char *h, size_t hl, const char *pat)
{
	size_t pl = strlen(pat), i;

	for (i = 0; pl <= hl && i <= hl - pl; i++)
		if (h[i] == pat[0] && memcmp(h + i, pat, pl) == 0)
			return h + i;
	return NULL;
}

/* Boundary the body of multipart n uses when its declared one is not
 * found: the first preamble line "--X" whose "--X--" or second "--X"
 * line also occurs. */
static int
find_boundary(const struct eml_node *n, char *out, size_t outsz)
{
	/* the parser reads such a multipart as a leaf: its body */
	const char *p = n->preamble != NULL ? n->preamble : n->body;
	const char *e, *nl;
	size_t k;

	if (p == NULL)
		return 0;
	e = p + (n->preamble != NULL ? n->preamble_len : n->body_len);
	for (; p < e; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		k = (size_t)(nl - p);
		while (k > 0 && strchr(" \t\r", p[k - 1]) != NULL)
			k--;
		if (k >= 3 && p[0] == '-' && p[1] == '-' && k - 2 < outsz &&
		    k - 2 <= 70) {
			char pat[96];
			const char *r;

			memcpy(out, p + 2, k - 2);
			out[k - 2] = '\0';
			if (k >= 4 && strcmp(out + k - 4, "--") == 0)
				continue;
			snprintf(pat, sizeof(pat), "\n--%s", out);
			r = find(nl, (size_t)(e - nl), pat);
			if (r != NULL && strspn(out, "0123456789abcdefghijklm"
			    "nopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:="
			    " ?") == strlen(out))
				return 1;
		}
		if (nl == e)
			break;
	}
	return 0;
}

/* 1 if p[0..len), written as it is, would hold a delimiter line of a
 * multipart around n (RFC 2046 5.1.1), so must stay encoded. */
static int
delim_inside(const struct eml_node *n, const char *p, size_t len)
{
	const struct eml_node *a;
	char pat[96];
	const char *r;

	for (a = n->parent; a != NULL; a = a->parent) {
		if (!a->info.is_multipart || a->info.boundary[0] == '\0')
			continue;
		snprintf(pat, sizeof(pat), "--%s", a->info.boundary);
		if (len >= strlen(pat) && memcmp(p, pat, strlen(pat)) == 0)
			return 1;
		snprintf(pat, sizeof(pat), "\n--%s", a->info.boundary);
		if ((r = find(p, len, pat)) != NULL)
			return 1;
	}
	return 0;
}

/* Decide the rules for node n and its children. */
static void
decide(struct conv *c, const struct eml_msg *m, const struct eml_node *n)
{
	const struct eml_part *pt = &n->info;
	const struct eml_node *ch;
	struct facts f;
	char hs[300], b[80];
	int text = strncmp(pt->ctype, "text/", 5) == 0;
	int leaf = !pt->is_multipart && !pt->is_message;
	int has_ct = eml_node_header(n, "Content-Type") != NULL;
	int done = 0, fixed_cs = 0;

	hdr_section(n, hs, sizeof(hs));
	if (leaf && (text || c->o.repair)) {
		eml_buf_reset(&c->tmp);
		if (eml_node_decode(n, &c->tmp) != EML_OK)
			eml_buf_reset(&c->tmp);
		scan(c->tmp.len > 0 ? c->tmp.data : "", c->tmp.len, &f);
	} else {
		memset(&f, 0, sizeof(f));
	}
	if (c->o.repair) {
		/* a transfer encoding on a multipart (RFC 2045 6.4) */
		if (eml_defects_has(&pt->defects, EML_D_CTE_ON_COMPOSITE) &&
		    (pt->is_multipart || pt->is_message)) {
			rule(c, eml_edit_set_header(c->e, hs,
			    "Content-Transfer-Encoding", NULL));
			dkim_note(c, n, "Content-Transfer-Encoding");
		}
		/* the body's delimiters use another boundary */
		if (strncmp(pt->ctype, "multipart/", 10) == 0 &&
		    eml_defects_has(&pt->defects,
		    EML_D_BOUNDARY_NOT_FOUND) && find_boundary(n, b,
		    sizeof(b))) {
			rule(c, eml_edit_set_param(c->e, hs, "Content-Type",
			    "boundary", b));
			dkim_note(c, n, "Content-Type");
		} else if (strncmp(pt->ctype, "multipart/", 10) == 0 &&
		    eml_defects_has(&pt->defects, EML_D_BOUNDARY_NOT_FOUND) &&
		    leaf) {
			/* no delimiter line at all, of any boundary: there
			 * are no parts to keep, and the parser reads the
			 * body as one leaf, as readers show it; mhfixmsg's
			 * -fixboundary needs a delimiter to take the
			 * boundary from.  Relabelled as the text it is. */
			eml_buf_reset(&c->tmp);
			if (eml_node_decode(n, &c->tmp) != EML_OK)
				eml_buf_reset(&c->tmp);
			scan(c->tmp.len > 0 ? c->tmp.data : "", c->tmp.len,
			    &f);
			if (!f.nul && !f.bare_cr && f.maxline <= 998 &&
			    (!f.has8 || f.valid_utf8)) {
				rule(c, eml_edit_set_header(c->e, hs,
				    "Content-Type", f.has8 ?
				    "text/plain; charset=utf-8" :
				    "text/plain; charset=us-ascii"));
				dkim_note(c, n, "Content-Type");
				if (pt->cte == EML_CTE_BINARY ||
				    (pt->cte == EML_CTE_7BIT && f.has8)) {
					rule(c, eml_edit_set_header(c->e, hs,
					    "Content-Transfer-Encoding",
					    f.has8 ? "8bit" : NULL));
					dkim_note(c, n,
					    "Content-Transfer-Encoding");
				}
				done = 1;
			}
		}
		/* a message/rfc822 in base64 or QP (RFC 2046 5.2.1 allows
		 * 7bit, 8bit, binary only), which the parser keeps a leaf:
		 * decoded where its lines allow, else labelled as the
		 * opaque data it is */
		if (strncasecmp(pt->ctype, "message/", 8) == 0 && leaf &&
		    (pt->cte == EML_CTE_BASE64 || pt->cte == EML_CTE_QP) &&
		    eml_defects_has(&pt->defects, EML_D_CTE_ON_COMPOSITE)) {
			if (!f.nul && !f.bare_cr && f.maxline <= 998 &&
			    !delim_inside(n, c->tmp.data, c->tmp.len))
				rule(c, eml_edit_reencode(c->e, pt->section,
				    f.has8 ? EML_CTE_8BIT : EML_CTE_7BIT,
				    NULL));
			else
				rule(c, eml_edit_set_header(c->e, hs,
				    "Content-Type",
				    "application/octet-stream"));
			dkim_note(c, n, NULL);
			done = 1;
		}
		/* a multipart cut off at the end gets its close delimiters,
		 * innermost first (after the edit) */
		if (pt->is_multipart && n->close_delim == NULL &&
		    pt->end_offset >= m->len && pt->boundary[0] != '\0' &&
		    !eml_defects_has(&pt->defects, EML_D_BOUNDARY_NOT_FOUND)) {
			struct eml_buf cl = { 0 };

			xcheck(eml_buf_adds(&cl, "\n--"));
			xcheck(eml_buf_adds(&cl, pt->boundary));
			xcheck(eml_buf_adds(&cl, "--\n"));
			xcheck(eml_buf_add(&cl, c->tail.data, c->tail.len));
			eml_buf_free(&c->tail);
			c->tail = cl;
			c->changed = 1;
			dkim_note(c, n, NULL);
		}
	}
	if (leaf && text && c->o.repair && f.has8 && f.valid_utf8 &&
	    has_ct && (is_charset(pt->charset, ascii_names) ||
	    is_charset(pt->charset, latin_names))) {
		/* mislabelled: valid UTF-8 with 8-bit bytes is not ASCII,
		 * and practically never latin1 (RFC 6657 3) */
		rule(c, eml_edit_set_param(c->e, hs, "Content-Type",
		    "charset", "utf-8"));
		dkim_note(c, n, n->parent == NULL ? "Content-Type" : NULL);
		fixed_cs = 1;
	}
	if (leaf && text && c->o.utf8 && !done && !fixed_cs && pt->charset[0] != '\0' &&
	    strcasecmp(pt->charset, "utf-8") != 0 &&
	    !is_charset(pt->charset, ascii_names)) {
		rule(c, eml_edit_reencode(c->e, pt->section, -1, "utf-8"));
		dkim_note(c, n, NULL);
		done = 1;
	}
	if (leaf && c->o.repair && !done && (pt->cte == EML_CTE_7BIT) &&
	    eml_defects_has(&pt->defects, EML_D_8BIT_IN_7BIT)) {
		/* 8-bit data labelled 7bit: label it 8bit where a transport
		 * takes the lines, else re-encode */
		if (!f.nul && !f.bare_cr && f.maxline <= 998 && text) {
			rule(c, eml_edit_set_header(c->e, hs,
			    "Content-Transfer-Encoding", "8bit"));
			dkim_note(c, n, n->parent == NULL ?
			    "Content-Transfer-Encoding" : NULL);
		} else {
			rule(c, eml_edit_reencode(c->e, pt->section,
			    text ? EML_CTE_QP : EML_CTE_BASE64, NULL));
			dkim_note(c, n, NULL);
		}
		done = 1;
	}
	if (leaf && c->o.repair && !done &&
	    (pt->cte == EML_CTE_BASE64 || pt->cte == EML_CTE_QP) &&
	    (eml_defects_has(&pt->defects, EML_D_B64_GARBAGE) ||
	    eml_defects_has(&pt->defects, EML_D_B64_PADDING) ||
	    eml_defects_has(&pt->defects, EML_D_QP_BAD_ESCAPE) ||
	    eml_defects_has(&pt->defects, EML_D_QP_LINE_LONG))) {
		/* decoded as readers decode it, encoded as it should be */
		rule(c, eml_edit_reencode(c->e, pt->section, (int)pt->cte,
		    NULL));
		dkim_note(c, n, NULL);
		done = 1;
	}
	if (leaf && text && c->o.to8 && !done &&
	    (pt->cte == EML_CTE_BASE64 || pt->cte == EML_CTE_QP) &&
	    !f.nul && !f.bare_cr && f.maxline <= 998 &&
	    (!f.has8 || f.valid_utf8 || pt->charset[0] != '\0')) {
		rule(c, eml_edit_reencode(c->e, pt->section, f.has8 ?
		    EML_CTE_8BIT : EML_CTE_7BIT, NULL));
		dkim_note(c, n, NULL);
		done = 1;
	}
	for (ch = n->first_child; ch != NULL; ch = ch->next)
		decide(c, m, ch);
}

/* --decode-headers and --fold, field by field as the editor writes
 * them (eml_edit_set_field_filter): decoded first, so what decoding
 * made long is folded. */
static int
field_filter(void *arg, const struct eml_part *pt, const char *f,
    size_t len, struct eml_buf *out)
{
	struct conv *c = arg;
	const char *cur = f, *colon;
	char name[80];
	size_t n = len, nl;
	unsigned nlong = 0;
	int r, changed = 0;

	if (c->o.decode) {
		eml_buf_reset(&c->fld);
		if ((r = eml_hdr_decode_field(f, len, &c->fld)) < 0)
			return r;
		if (r == 1) {
			cur = c->fld.data;
			n = c->fld.len;
			changed = 1;
		}
	}
	if (c->o.fold) {
		if ((r = eml_fold_field(cur, n, 0, out, &nlong)) != EML_OK)
			return r;
		if (out->len != n || memcmp(out->data, cur, n) != 0)
			changed = 1;
	} else if (changed && (r = eml_buf_add(out, cur, n)) != EML_OK) {
		return r;
	}
	colon = memchr(f, ':', len);
	nl = colon != NULL ? (size_t)(colon - f) : 0;
	while (nl > 0 && (f[nl - 1] == ' ' || f[nl - 1] == '\t'))
		nl--;
	snprintf(name, sizeof(name), "%.*s", (int)nl, f);
	if (nlong > 0)
		tool_warn_src(c->src, 0, "%s: a line over %d octets has no "
		    "place to fold (RFC 5322 2.1.1)", name, EML_LINE_MAX);
	if (!changed)
		return 0;
	c->changed = 1;
	dkim_field(c, pt->depth == 0, name, pt->section);
	return 1;
}

/* Convert msg[0..len) to fd. */
static int
convert(struct conv *c, const char *msg, size_t len, int fd)
{
	struct eml_msg *m;
	struct eml_sink *s, *top;
	int r;

	c->changed = 0;
	c->body_warned = 0;
	eml_buf_reset(&c->tail);
	if (eml_msg_parse_mem(msg, len, NULL, &m) != EML_OK) {
		tool_warn_src(c->src, 0, "out of memory");
		return 1;
	}
	dkim_read(c, m->root);
	if ((s = eml_sink_fd(fd)) == NULL)
		tool_die(NULL, "out of memory");
	top = s;
	if (c->o.eol != 0 && (top = eml_filter_eol(s, c->o.eol == 1)) ==
	    NULL)
		tool_die(NULL, "out of memory");
	if ((c->e = eml_edit_new(top, NULL)) == NULL)
		tool_die(NULL, "out of memory");
	if (c->o.fold || c->o.decode)
		eml_edit_set_field_filter(c->e, field_filter, c);
	if (c->o.repair) {
		size_t i;

		for (i = 0; i < m->ndiags; i++)
			if (m->diags[i].code == EML_D_NO_MIME_VERSION &&
			    m->diags[i].section != NULL &&
			    (m->diags[i].section[0] == '\0' ||
			    strcmp(m->diags[i].section, "1") == 0) &&
			    eml_node_header(m->root, "MIME-Version") == NULL)
				break;
		if (i < m->ndiags) {
			rule(c, eml_edit_set_header(c->e, "", "MIME-Version",
			    "1.0"));
			dkim_note(c, m->root, "MIME-Version");
		}
	}
	if (c->o.to7) {
		rule(c, eml_edit_7bit(c->e));
		c->changed = 0;		/* known after the edit */
	}
	decide(c, m, m->root);
	if (c->failed) {
		eml_edit_free(c->e);
		eml_sink_abort(top);
		eml_msg_free(m);
		return 1;
	}
	r = eml_edit_feed(c->e, msg, len);
	if (r == EML_OK)
		r = eml_edit_finish(c->e);
	if (r == EML_OK && c->o.to7 && eml_edit_applied(c->e) > 0)
		dkim_note(c, m->root, NULL);
	if (r == EML_OK && c->tail.len > 0) {
		/* after a body that ends without a line end, the close
		 * delimiter's own line end comes first; else it is not
		 * needed */
		size_t skip = len > 0 && msg[len - 1] == '\n' ? 1 : 0;

		r = eml_sink_write(top, c->tail.data + skip,
		    c->tail.len - skip);
	}
	if (r != EML_OK) {
		int err = errno;

		if (r == EML_EIO)
			tool_warn_src(c->src, 0, "write error: %s",
			    strerror(err));
		else
			tool_warn_src(c->src, 0, "%s", eml_edit_errmsg(c->e) !=
			    NULL ? eml_edit_errmsg(c->e) : "write error");
		eml_edit_free(c->e);
		eml_sink_abort(top);
		eml_msg_free(m);
		return 1;
	}
	eml_edit_free(c->e);
	c->e = NULL;
	r = eml_sink_close(top);
	eml_msg_free(m);
	if (r != EML_OK) {
		tool_warn_src(c->src, 0, "write error: %s", strerror(errno));
		return 1;
	}
	return 0;
}

/* -i: temporary file in the file's folder, fsync, rename over it; on
 * any failure the original stays. */
static int
in_place(struct conv *c, const char *msg, size_t len, const char *path)
{
	char *tmp;
	const char *slash = strrchr(path, '/');
	size_t dl = slash != NULL ? (size_t)(slash - path) + 1 : 0;
	struct stat st;
	int fd, r;

	tmp = xmalloc(dl + 32);
	memcpy(tmp, path, dl);
	strcpy(tmp + dl, ".eml-convert.XXXXXX");
	if ((fd = mkstemp(tmp)) < 0) {
		tool_warn_src(c->src, 0, "temporary file: %s",
		    strerror(errno));
		free(tmp);
		return 1;
	}
	/* the file keeps its permissions (mkstemp made it 0600) */
	if (stat(path, &st) == 0 && fchmod(fd, st.st_mode & 07777) != 0) {
		tool_warn_src(c->src, 0, "chmod: %s", strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return 1;
	}
	r = convert(c, msg, len, fd);
	if (r == 0 && fsync(fd) != 0) {
		tool_warn_src(c->src, 0, "fsync: %s", strerror(errno));
		r = 1;
	}
	if (close(fd) != 0 && r == 0) {
		tool_warn_src(c->src, 0, "write error: %s", strerror(errno));
		r = 1;
	}
	if (r == 0 && rename(tmp, path) != 0) {
		tool_warn_src(c->src, 0, "rename: %s", strerror(errno));
		r = 1;
	}
	if (r != 0)
		unlink(tmp);
	free(tmp);
	return r;
}

/* gap bytes of blank lines between two mbox messages (or after the
 * last), which the splitter took off: written back as they were. */
static void
separator(struct conv *c, uint64_t gap)
{
	uint64_t i;

	c->pend = 0;
	if (c->o.inplace)
		return;
	for (i = 0; i + c->eol_len <= gap; i += c->eol_len)
		tool_puts(c->eol_len == 2 ? "\r\n" : "\n");
}

/* Copy bytes [from, to) of the regular file name to stdout.  Returns 0,
 * or -1 when name is not a regular file that can be read again. */
static int
copy_range(const char *name, uint64_t from, uint64_t to)
{
	struct stat st;
	char buf[65536];
	ssize_t k;
	int fd;

	if (from > to || (fd = open(name, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	/* a message of nothing after a From_ line without a line end */
	if ((uint64_t)st.st_size < to)
		to = (uint64_t)st.st_size;
	while (from < to) {
		size_t want = to - from < sizeof(buf) ? (size_t)(to - from) :
		    sizeof(buf);

		if ((k = pread(fd, buf, want, (off_t)from)) <= 0) {
			close(fd);
			return -1;
		}
		tool_write(buf, (size_t)k);
		from += (uint64_t)k;
	}
	close(fd);
	return 0;
}

/* After the last message of an mbox: the file's remaining bytes, or (a
 * pipe, whose trailing blank line cannot be known) one blank line. */
static void
end_of_mbox(struct conv *c)
{
	struct stat st;

	c->pend = 0;
	if (c->o.inplace)
		return;
	if (stat(c->pend_name, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > c->pend_end)
			copy_range(c->pend_name, c->pend_end,
			    (uint64_t)st.st_size);
		return;
	}
	separator(c, c->eol_len);
}

static int
chunk(enum tool_chunk what, const char *data, size_t len,
    const struct tool_src *src, void *arg)
{
	struct conv *c = arg;
	int r;

	c->src = src;
	switch (what) {
	case TOOL_BEGIN:
		eml_buf_reset(&c->msg);
		c->failed = 0;
		if (c->pend && (!src->in_mbox ||
		    strcmp(src->name, c->pend_name) != 0))
			end_of_mbox(c);
		c->raw_from = 0;
		if (src->in_mbox && !c->o.inplace) {
			uint64_t start = c->pend ? c->pend_end : 0;

			/* a file's bytes between two messages (blank lines,
			 * the From_ line and its line end) are copied as
			 * they are */
			c->pend = 0;
			c->raw_from = copy_range(src->name, start,
			    src->offset) == 0;
			if (!c->raw_from && start > 0)
				separator(c, c->eol_len);
		}
		return 0;
	case TOOL_DATA:
		if (eml_buf_add(&c->msg, data, len) != EML_OK) {
			tool_warn_src(src, 0, "out of memory");
			c->failed = 1;
			return 1;
		}
		return 0;
	case TOOL_END:
		if (c->failed)
			return 1;
		/* an empty message still has a buffer to point into */
		if (c->msg.data == NULL)
			xcheck(eml_buf_adds(&c->msg, ""));
		if (c->o.inplace) {
			if (src->in_mbox || strcmp(src->name,
			    "(standard input)") == 0) {
				tool_warn_src(src, 0, "-i takes message "
				    "files only");
				return 1;
			}
			return in_place(c, c->msg.data, c->msg.len,
			    src->name);
		}
		tool_flush(0);
		if (src->in_mbox) {
			/* an mbox stays an mbox: where its bytes cannot be
			 * read again (a pipe, gzip), the From_ line with the
			 * line end of the message's first line, and one
			 * blank line between messages */
			const char *nl = memchr(c->msg.data, '\n',
			    c->msg.len);

			c->eol_len = nl != NULL && nl > c->msg.data &&
			    nl[-1] == '\r' ? 2 : 1;
			if (!c->raw_from && src->from_line != NULL) {
				tool_write(src->from_line, src->from_len);
				tool_puts(c->eol_len == 2 ? "\r\n" : "\n");
			}
			tool_flush(0);
			r = convert(c, c->msg.data, c->msg.len, 1);
			c->pend = 1;
			c->pend_end = src->offset + c->msg.len;
			free(c->pend_name);
			c->pend_name = xstrdup(src->name);
			return r;
		}
		return convert(c, c->msg.data, c->msg.len, 1);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	enum { O_UTF8 = 0x200, O_7BIT, O_8BIT, O_CRLF, O_LF, O_REPAIR,
		O_FOLD, O_DECODE };
	static const struct option longopts[] = {
		{ "utf8", no_argument, NULL, O_UTF8 },
		{ "7bit", no_argument, NULL, O_7BIT },
		{ "8bit", no_argument, NULL, O_8BIT },
		{ "crlf", no_argument, NULL, O_CRLF },
		{ "lf", no_argument, NULL, O_LF },
		{ "repair", no_argument, NULL, O_REPAIR },
		{ "fold", no_argument, NULL, O_FOLD },
		{ "decode-headers", no_argument, NULL, O_DECODE },
		{ "in-place", no_argument, NULL, 'i' },
		TOOL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct conv c;
	int ch, rc;

	tool_init("eml-convert");
	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, "i" TOOL_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (tool_opt(ch, optarg, usage_text, help_text))
			continue;
		switch (ch) {
		case O_UTF8:
			c.o.utf8 = 1;
			break;
		case O_7BIT:
			c.o.to7 = 1;
			break;
		case O_8BIT:
			c.o.to8 = 1;
			break;
		case O_CRLF:
			c.o.eol = 1;
			break;
		case O_LF:
			c.o.eol = 2;
			break;
		case O_REPAIR:
			c.o.repair = 1;
			break;
		case O_FOLD:
			c.o.fold = 1;
			break;
		case O_DECODE:
			c.o.decode = 1;
			break;
		case 'i':
			c.o.inplace = 1;
			break;
		default:
			tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
		}
	}
	if (c.o.to7 && c.o.to8) {
		tool_warn(NULL, "--7bit and --8bit exclude each other");
		tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
	}
	/* the bytes of an mbox are kept as they are (no >From unquoting) */
	tool_in.mboxo = 1;
	/* without -i it only writes to stdout, open already */
	tool_in.confine = !c.o.inplace;
	rc = tool_run(argc - optind, argv + optind, chunk, &c);
	if (c.pend)
		end_of_mbox(&c);
	free(c.pend_name);
	eml_buf_free(&c.msg);
	eml_buf_free(&c.tmp);
	eml_buf_free(&c.fld);
	eml_buf_free(&c.tail);
	eml_buf_free(&c.dkim_h);
	return tool_flush(rc);
}
