/*
 * fuzz_edit.c - streaming edits on any input, fed in chunks whose sizes
 * come from the input: the no-op edit is the identity (with and without
 * holding every header block); removing a multipart child takes out
 * exactly its bytes (plus the line end a delimiter needs when the part's
 * last EOL went with a nested close delimiter), and the output parsed
 * again has one part fewer in that multipart; a header set at the top is
 * there once with its value; parameter, re-encoding and callback edits
 * run to the end without a crash or leak.
 */
#include "fuzz.h"

static const struct eml_parser_opts opts = { .max_depth = 16,
    .max_parts = 200 };

struct run {
	const uint8_t *data;
	size_t size, chunk;
};

static int
keep(void *ctx, const struct eml_part *pt, const char *hdr, size_t n,
    struct eml_edit_decision *d)
{
	return EML_OK;
}

static int
drop_even(void *ctx, const struct eml_part *pt, const char *hdr, size_t n,
    struct eml_edit_decision *d)
{
	if (pt->depth > 0 && (n & 1) == 0) {
		d->action = EML_EDIT_REMOVE;
	} else if (n % 3 == 0) {
		d->action = EML_EDIT_REENCODE;
		d->cte = EML_CTE_BASE64;
	} else if (n % 5 == 0) {
		d->action = EML_EDIT_REPLACE;
		d->content.ctype = "text/plain; charset=utf-8";
		d->content.filename = "r\xc3\xa9.txt";
		d->content.cte = EML_CTE_QP;
		d->content.data = hdr;	/* the part's own header as text */
		d->content.len = n;
	}
	return EML_OK;
}

enum what { NOOP, HOLD, REMOVE, HEADERS, REENCODE, CALLBACK };

/* Edit the input into out; returns the edit's result. */
static int
edit(const struct run *rn, enum what w, const char *section,
    struct eml_buf *out)
{
	struct eml_sink *s = eml_sink_buf(out);
	struct eml_edit *e;
	size_t pos = 0, k;
	int r = EML_OK;

	if (s == NULL)
		return EML_ENOMEM;
	if ((e = eml_edit_new(s, &opts)) == NULL) {
		eml_sink_abort(s);
		return EML_ENOMEM;
	}
	switch (w) {
	case HOLD:
		eml_edit_set_callback(e, keep, NULL);
		break;
	case REMOVE:
		eml_edit_remove(e, section);
		break;
	case HEADERS:
		eml_edit_set_header(e, "", "Subject", "fuzz \xc3\xa9");
		eml_edit_set_header(e, section, "X-Fuzz", NULL);
		eml_edit_set_param(e, section, "Content-Type", "charset",
		    "utf-8");
		eml_edit_set_param(e, "", "Content-Disposition", "filename",
		    NULL);
		break;
	case REENCODE:
		eml_edit_reencode(e, section, EML_CTE_QP, "utf-8");
		eml_edit_7bit(e);
		break;
	case CALLBACK:
		eml_edit_set_callback(e, drop_even, NULL);
		break;
	default:
		break;
	}
	while (r == EML_OK && pos < rn->size) {
		k = rn->size - pos < rn->chunk ? rn->size - pos : rn->chunk;
		r = eml_edit_feed(e, rn->data + pos, k);
		pos += k;
	}
	if (r == EML_OK)
		r = eml_edit_finish(e);
	eml_edit_free(e);
	if (r == EML_OK)
		r = eml_sink_close(s);
	else
		eml_sink_abort(s);
	return r;
}

/* The multipart children of the input: section, delimiter start, end,
 * and the parent's number of children. */
struct child {
	char section[256];
	uint64_t start, end;
	uint64_t offset;	/* names the part at HEADERS_END and PART_END: */
	unsigned depth;		/* the parser may move its parts (issue 6 1.2) */
};

static size_t
children(const uint8_t *data, size_t size, struct child *v, size_t max,
    int *top_raw_r)
{
	struct eml_parser *p = eml_parser_new(&opts);
	struct eml_event ev;
	uint64_t delim = 0;
	int have = 0;
	size_t n = 0, i;

	if (p == NULL)
		return 0;
	eml_parser_feed(p, data, size);
	eml_parser_finish(p);
	*top_raw_r = 0;
	while (eml_parser_next(p, &ev) > 0 && ev.type != EML_EV_END) {
		if (ev.type == EML_EV_RAW && ev.part != NULL &&
		    ev.part->depth == 0 && ev.part->body_offset == 0)
			*top_raw_r = 1;
		if (ev.type == EML_EV_BOUNDARY) {
			have = !ev.is_close;
			delim = ev.offset;
		} else if (ev.type == EML_EV_PART_BEGIN) {
			if (have && n < max) {
				v[n].start = delim;
				v[n].end = (uint64_t)-1;
				v[n].offset = ev.part->offset;
				v[n].depth = ev.part->depth;
				v[n].section[0] = '\0';
				n++;
			}
			have = 0;
		} else if (ev.type == EML_EV_HEADERS_END) {
			for (i = 0; i < n; i++)
				if (v[i].offset == ev.part->offset &&
				    v[i].depth == ev.part->depth &&
				    v[i].section[0] == '\0')
					strcpy(v[i].section, ev.part->section);
		} else if (ev.type == EML_EV_PART_END) {
			for (i = 0; i < n; i++)
				if (v[i].offset == ev.part->offset &&
				    v[i].depth == ev.part->depth &&
				    v[i].end == (uint64_t)-1)
					v[i].end = ev.part->end_offset;
		}
	}
	eml_parser_free(p);
	return n;
}

/* Children of the multipart at section parent in a parsed message. */
static long
nchildren(const void *buf, size_t len, const char *parent,
    unsigned *nparts_r)
{
	struct eml_msg *m;
	const struct eml_node *n;
	long c = -1;

	if (eml_msg_parse_mem(buf, len, &opts, &m) != EML_OK)
		return -2;
	*nparts_r = m->nparts;
	for (n = m->root; n != NULL; n = eml_node_next(n))
		if (n->info.is_multipart &&
		    strcmp(n->info.section, parent) == 0) {
			c = (long)n->info.nchildren;
			break;
		}
	eml_msg_free(m);
	return c;
}

static void
check_subject(const struct eml_buf *out)
{
	struct eml_msg *m;
	const struct eml_header *h;
	struct eml_buf v = { 0 };

	if (eml_msg_parse_mem(out->data ? out->data : "", out->len, &opts,
	    &m) != EML_OK)
		return;
	FUZZ_CHECK(eml_node_header_count(m->root, "Subject") == 1);
	h = eml_node_header(m->root, "Subject");
	if (eml_hdr_decode(h->value, h->value_len, NULL, &v, NULL) == EML_OK)
		FUZZ_CHECK(v.len == 7 && memcmp(v.data, "fuzz \xc3\xa9", 7) == 0);
	eml_buf_free(&v);
	eml_msg_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run rn = { data, size, size ? data[0] % 23 + 1 : 1 };
	struct eml_buf out = { 0 }, want = { 0 };
	struct child v[32];
	size_t n, pick;
	int r, top_raw = 0;

	/* the identity */
	if (edit(&rn, NOOP, NULL, &out) == EML_OK)
		FUZZ_CHECK(out.len == size && (size == 0 ||
		    memcmp(out.data, data, size) == 0));
	eml_buf_reset(&out);
	if (edit(&rn, HOLD, NULL, &out) == EML_OK)
		FUZZ_CHECK(out.len == size && (size == 0 ||
		    memcmp(out.data, data, size) == 0));

	/* removing one child */
	n = children(data, size, v, 32, &top_raw);
	pick = size > 1 ? data[1] % (n ? n : 1) : 0;
	if (n > 0 && v[pick].end != (uint64_t)-1 && v[pick].section[0] &&
	    strchr(v[pick].section, '+') == NULL) {
		const struct child *c = &v[pick];
		char parent[256];
		char *dot;
		const uint8_t *nl;
		long before, after;
		unsigned np = 0, np2 = 0;

		eml_buf_reset(&out);
		r = edit(&rn, REMOVE, c->section, &out);
		FUZZ_CHECK(r == EML_OK || r == EML_ENOMEM || r == EML_ELIMIT);
		if (r == EML_OK) {
			eml_buf_add(&want, data, c->start);
			if (c->end < size && data[c->end] == '-' &&
			    want.len > 0 && want.data[want.len - 1] != '\n') {
				nl = memchr(data, '\n', size);
				eml_buf_adds(&want, nl != NULL && nl > data &&
				    nl[-1] != '\r' ? "\n" : "\r\n");
			}
			eml_buf_add(&want, data + c->end, size - c->end);
			FUZZ_CHECK(out.len == want.len && (want.len == 0 ||
			    memcmp(out.data, want.data, want.len) == 0));
			strcpy(parent, c->section);
			dot = strrchr(parent, '.');
			if (dot != NULL)
				*dot = '\0';
			else
				parent[0] = '\0';
			before = nchildren(data, size, parent, &np);
			after = nchildren(out.data, out.len, parent, &np2);
			/* at the parts cap the part after the removed one
			 * comes in: the property holds below it */
			if (before >= 0 && np < opts.max_parts)
				FUZZ_CHECK(after == before - 1);
		}
	}

	/* a header set at the top is there once, with its value (unless
	 * the top header has bytes the parser did not take as fields, such
	 * as an mbox "From " line over its 4096-byte cap, after which a
	 * new field need not read as one) */
	eml_buf_reset(&out);
	if (edit(&rn, HEADERS, n > 0 && v[0].section[0] ? v[0].section : "1",
	    &out) == EML_OK && !top_raw)
		check_subject(&out);

	/* the other edits: no crash, no leak, a result */
	eml_buf_reset(&out);
	edit(&rn, REENCODE, n > 0 && v[n - 1].section[0] ? v[n - 1].section :
	    "1", &out);
	eml_buf_reset(&out);
	edit(&rn, CALLBACK, NULL, &out);
	eml_buf_free(&out);
	eml_buf_free(&want);
	return 0;
}
