/*
 * check_edit.c - streaming edits: the no-op edit is the identity on every
 * corpus file in any chunking; removing a part takes exactly its bytes
 * (delimiter, header, body) out; header and parameter edits change only
 * their own bytes; replace, re-encode and the 7bit rule give what a
 * parser reads back; and a 1 GiB attachment read from a pipe is stripped
 * in bounded memory.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "eml.h"
#include "check_util.h"

typedef void (*setup_fn)(struct eml_edit *, void *);

/* Edit in[0..len) fed in chunks of chunk bytes (0 = whole) into out. */
static int
run_edit(const void *in, size_t len, size_t chunk, setup_fn setup,
    void *arg, struct eml_buf *out)
{
	struct eml_sink *s = eml_sink_buf(out);
	struct eml_edit *e;
	const char *p = in;
	size_t pos = 0, k;
	int r = EML_OK, rc;

	ck_assert_ptr_nonnull(s);
	e = eml_edit_new(s, NULL);
	ck_assert_ptr_nonnull(e);
	if (setup != NULL)
		setup(e, arg);
	if (chunk == 0)
		chunk = len ? len : 1;
	while (r == EML_OK && pos < len) {
		k = len - pos < chunk ? len - pos : chunk;
		r = eml_edit_feed(e, p + pos, k);
		pos += k;
	}
	if (r == EML_OK)
		r = eml_edit_finish(e);
	eml_edit_free(e);
	rc = eml_sink_close(s);
	return r != EML_OK ? r : rc;
}

static char *
edit_str(const char *in, setup_fn setup, void *arg, size_t chunk)
{
	struct eml_buf out = { 0 };

	ck_assert_int_eq(run_edit(in, strlen(in), chunk, setup, arg, &out),
	    EML_OK);
	return eml_buf_steal(&out);
}

/* Every chunking gives the same output: whole, 1, 2, 3, 5, 13 bytes. */
static char *
edit_all_chunks(const char *in, setup_fn setup, void *arg)
{
	static const size_t chunks[] = { 1, 2, 3, 5, 13 };
	char *want = edit_str(in, setup, arg, 0), *got;
	size_t i;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		got = edit_str(in, setup, arg, chunks[i]);
		ck_assert_msg(strcmp(got, want) == 0,
		    "chunk %zu:\n%s\nwhole:\n%s", chunks[i], got, want);
		free(got);
	}
	return want;
}

/* ------------------------------------------------------------------ */
/* The identity, and removal by the parser's offsets, on the corpora.  */

static int
keep_all(void *ctx, const struct eml_part *pt, const char *hdr,
    size_t hdr_len, struct eml_edit_decision *d)
{
	unsigned *n = ctx;

	(*n)++;
	ck_assert_int_eq(d->action, EML_EDIT_KEEP);
	ck_assert_int_eq(d->cte, -1);
	return EML_OK;
}

static void
setup_hold_all(struct eml_edit *e, void *arg)
{
	/* the callback makes every header block held: the held path is
	 * an identity too */
	ck_assert_int_eq(eml_edit_set_callback(e, keep_all, arg), EML_OK);
}

struct child {
	char section[256];
	uint64_t start, end;		/* delimiter start, part end */
	uint64_t offset;		/* of its header, */
	unsigned depth;			/* which name it at PART_END */
	int open;
};

struct children {
	struct child v[64];
	size_t n;
};

/* Sections and byte ranges of the multipart children of a message, as
 * the parser reports them: the delimiter before a child starts it, the
 * child's PART_END ends it. */
static void
list_children(const char *buf, size_t len, struct children *c)
{
	struct eml_parser *p = eml_parser_new(NULL);
	struct eml_event ev;
	uint64_t delim = 0;
	int have_delim = 0, r;
	size_t i;

	c->n = 0;
	ck_assert_ptr_nonnull(p);
	eml_parser_feed(p, buf, len);
	eml_parser_finish(p);
	while ((r = eml_parser_next(p, &ev)) > 0 && ev.type != EML_EV_END) {
		switch (ev.type) {
		case EML_EV_BOUNDARY:
			have_delim = !ev.is_close;
			delim = ev.offset;
			break;
		case EML_EV_PART_BEGIN:
			if (have_delim && c->n < 64) {
				c->v[c->n].start = delim;
				c->v[c->n].end = UINT64_MAX;
				c->v[c->n].offset = ev.part->offset;
				c->v[c->n].depth = ev.part->depth;
				c->v[c->n].open = 1;
				strcpy(c->v[c->n].section, ev.part->section);
				c->n++;
			}
			have_delim = 0;
			break;
		case EML_EV_PART_END:
			/* by offset, not by pointer: the parser moves its
			 * parts when nesting grows (issue 6 1.2) */
			for (i = 0; i < c->n; i++)
				if (c->v[i].open &&
				    c->v[i].offset == ev.part->offset &&
				    c->v[i].depth == ev.part->depth) {
					c->v[i].end = ev.part->end_offset;
					c->v[i].open = 0;
				}
			break;
		default:
			break;
		}
	}
	ck_assert_int_ge(r, 0);
	eml_parser_free(p);
	for (i = 0; i < c->n; i++)
		ck_assert_uint_ne(c->v[i].end, UINT64_MAX);
}

static void
setup_remove(struct eml_edit *e, void *arg)
{
	ck_assert_int_eq(eml_edit_remove(e, arg), EML_OK);
}

struct stats {
	unsigned long files, removed, bytes;
};

static void
check_identity(const char *path, const char *buf, size_t len)
{
	static const size_t chunks[] = { 0, 4093, 7, 1 };
	struct eml_buf out = { 0 };
	unsigned calls;
	size_t i;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		/* a byte at a time is the slow path: small files only */
		if (chunks[i] == 1 && len > 16384)
			continue;
		eml_buf_reset(&out);
		ck_assert_int_eq(run_edit(buf, len, chunks[i], NULL, NULL,
		    &out), EML_OK);
		ck_assert_msg(out.len == len && memcmp(out.data ? out.data :
		    "", buf, len) == 0, "%s: no-op edit differs (chunk %zu)",
		    path, chunks[i]);
		eml_buf_reset(&out);
		calls = 0;
		ck_assert_int_eq(run_edit(buf, len, chunks[i], setup_hold_all,
		    &calls, &out), EML_OK);
		ck_assert_msg(out.len == len && memcmp(out.data ? out.data :
		    "", buf, len) == 0, "%s: held no-op differs (chunk %zu)",
		    path, chunks[i]);
		ck_assert_uint_ge(calls, 1);
	}
	eml_buf_free(&out);
}

/* The line end of the first line ("\r\n" if none). */
static const char *
input_eol(const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len);

	return nl != NULL && nl > buf && nl[-1] != '\r' ? "\n" : "\r\n";
}

static void
check_removals(const char *path, const char *buf, size_t len,
    struct stats *st)
{
	struct children *c = malloc(sizeof(*c));
	struct eml_buf out = { 0 }, want = { 0 };
	size_t i;

	ck_assert_ptr_nonnull(c);
	list_children(buf, len, c);
	for (i = 0; i < c->n && i < 16; i++) {
		const struct child *ch = &c->v[i];

		/* a section the parser cut off ("+") is not addressable */
		if (strchr(ch->section, '+') != NULL)
			continue;
		eml_buf_reset(&out);
		eml_buf_reset(&want);
		eml_buf_add(&want, buf, ch->start);
		/* a delimiter whose EOL the part's last line took (after a
		 * nested close delimiter) gets one, to start a line */
		if (ch->end < len && buf[ch->end] == '-' && want.len > 0 &&
		    want.data[want.len - 1] != '\n')
			eml_buf_adds(&want, input_eol(buf, len));
		eml_buf_add(&want, buf + ch->end, len - ch->end);
		ck_assert_int_eq(run_edit(buf, len, i % 2 ? 0 : 509,
		    setup_remove, (void *)(uintptr_t)ch->section, &out),
		    EML_OK);
		ck_assert_msg(out.len == want.len && memcmp(out.data ?
		    out.data : "", want.data ? want.data : "", want.len) == 0,
		    "%s: removing %s [%llu, %llu) is not the input minus "
		    "those bytes", path, ch->section,
		    (unsigned long long)ch->start,
		    (unsigned long long)ch->end);
		st->removed++;
	}
	eml_buf_free(&out);
	eml_buf_free(&want);
	free(c);
}

static void
corpus_cb(const char *path, void *arg)
{
	struct stats *st = arg;
	size_t len;
	char *buf = tu_slurp(path, &len);

	ck_assert_msg(buf != NULL, "%s: unreadable", path);
	check_identity(path, buf, len);
	check_removals(path, buf, len, st);
	st->files++;
	st->bytes += len;
	free(buf);
}

START_TEST(test_corpus_identity_and_remove)
{
	struct stats st = { 0 };

	/* every file, message or not: an edit that does nothing is the
	 * identity on any bytes */
	tu_walk("corpus", NULL, corpus_cb, &st);
	printf("edit corpus: %lu files, %lu bytes identical in 4 chunkings, "
	    "%lu removals exact\n", st.files, st.bytes, st.removed);
	ck_assert_uint_gt(st.files, 100);
	ck_assert_uint_gt(st.removed, 50);
}
END_TEST

START_TEST(test_shared_corpus)
{
	struct stats st = { 0 };
	const char *dir = tu_shared_corpus();

	if (dir == NULL) {
		printf("edit shared corpus: skipped (absent)\n");
		return;
	}
	tu_walk(dir, NULL, corpus_cb, &st);
	printf("edit shared corpus: %lu files, %lu bytes identical, "
	    "%lu removals exact\n", st.files, st.bytes, st.removed);
	ck_assert_uint_gt(st.files, 0);
}
END_TEST


/* The first Content-Type field of the top header block: [start, end)
 * and its value, or start = end = where a new field goes. */
struct ctfield {
	uint64_t start, end;
	int found, headers;
};

static void
find_ctype(const char *buf, size_t len, struct ctfield *f)
{
	struct eml_parser *p = eml_parser_new(NULL);
	struct eml_event ev;

	memset(f, 0, sizeof(*f));
	ck_assert_ptr_nonnull(p);
	eml_parser_feed(p, buf, len);
	eml_parser_finish(p);
	while (eml_parser_next(p, &ev) > 0 && ev.type != EML_EV_END) {
		if (ev.part == NULL || ev.part->depth != 0)
			continue;
		if (ev.type == EML_EV_HEADER) {
			f->headers++;
			if (!f->found && ev.name_len == 12 &&
			    strncasecmp(ev.name, "Content-Type", 12) == 0) {
				f->found = 1;
				f->start = ev.offset;
				f->end = ev.offset + ev.raw_len;
			}
		} else if (ev.type == EML_EV_HEADERS_END) {
			if (!f->found)
				f->start = f->end = ev.offset;
			break;
		}
	}
	eml_parser_free(p);
}

static void
setup_charset_param(struct eml_edit *e, void *arg)
{
	ck_assert_int_eq(eml_edit_set_param(e, "", "Content-Type", "charset",
	    "utf-8"), EML_OK);
}

/* Parameters of a Content-Type value other than charset, as a string. */
static char *
other_params(const char *v, size_t n)
{
	struct eml_ctype ct;
	struct eml_buf b = { 0 };
	size_t i;

	memset(&ct, 0, sizeof(ct));
	ck_assert_int_eq(eml_ctype_parse(v, n, &ct), EML_OK);
	eml_buf_adds(&b, ct.type);
	eml_buf_adds(&b, "/");
	eml_buf_adds(&b, ct.subtype);
	for (i = 0; i < ct.params.n; i++) {
		if (strcmp(ct.params.v[i].name, "charset") == 0)
			continue;
		eml_buf_adds(&b, ";");
		eml_buf_adds(&b, ct.params.v[i].name);
		eml_buf_adds(&b, "=");
		eml_buf_adds(&b, ct.params.v[i].value);
	}
	eml_ctype_free(&ct);
	return eml_buf_steal(&b);
}

static void
param_cb(const char *path, void *arg)
{
	struct stats *st = arg;
	struct eml_buf out = { 0 };
	struct ctfield f;
	size_t len, tail;
	char *buf = tu_slurp(path, &len), *a, *b;
	const char *v, *nv;
	struct eml_ctype ct;

	ck_assert_ptr_nonnull(buf);
	find_ctype(buf, len, &f);
	/* a real Content-Type with a type: what a parameter edit is for */
	if (!f.found) {
		free(buf);
		return;
	}
	ck_assert_int_eq(run_edit(buf, len, 61, setup_charset_param, NULL,
	    &out), EML_OK);
	tail = len - f.end;
	/* every byte before and after the field is the input's */
	ck_assert_msg(out.len >= f.start + tail &&
	    memcmp(out.data, buf, f.start) == 0 &&
	    memcmp(out.data + out.len - tail, buf + f.end, tail) == 0,
	    "%s: bytes outside Content-Type changed", path);
	/* and the field has the charset, its other parameters as they
	 * were (RFC 2231 continuations of charset are gone) */
	v = memchr(buf + f.start, ':', f.end - f.start);
	nv = memchr(out.data + f.start, ':', out.len - tail - f.start);
	ck_assert_ptr_nonnull(v);
	ck_assert_ptr_nonnull(nv);
	v++;
	nv++;
	memset(&ct, 0, sizeof(ct));
	ck_assert_int_eq(eml_ctype_parse(nv, out.data + out.len - tail - nv,
	    &ct), EML_OK);
	ck_assert_msg(eml_params_get(&ct.params, "charset") != NULL &&
	    strcmp(eml_params_get(&ct.params, "charset"), "utf-8") == 0,
	    "%s: no charset=utf-8 in %.*s", path,
	    (int)(out.data + out.len - tail - nv), nv);
	eml_ctype_free(&ct);
	a = other_params(v, buf + f.end - v);
	b = other_params(nv, out.data + out.len - tail - nv);
	ck_assert_msg(strcmp(a, b) == 0, "%s: parameters %s became %s", path,
	    a, b);
	free(a);
	free(b);
	st->files++;
	eml_buf_free(&out);
	free(buf);
}

START_TEST(test_corpus_param_edit)
{
	struct stats st = { 0 };
	const char *dir = tu_shared_corpus();

	tu_walk("corpus/mime", NULL, param_cb, &st);
	tu_walk("corpus/third_party", NULL, param_cb, &st);
	if (dir != NULL)
		tu_walk(dir, NULL, param_cb, &st);
	printf("edit param: charset set in %lu messages, every other byte "
	    "and parameter kept\n", st.files);
	ck_assert_uint_gt(st.files, 20);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Removal and replacement, exactly.                                   */

static const char mixed[] =
    "From: a@example.org\r\n"
    "Subject: test\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "hello\r\n"
    "--b1\r\n"
    "Content-Type: image/png; name=\"a.png\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Disposition: attachment; filename=\"a.png\"\r\n"
    "\r\n"
    "iVBORw0KGgo=\r\n"
    "--b1\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: inner\r\n"
    "Content-Type: multipart/alternative; boundary=b2\r\n"
    "\r\n"
    "--b2\r\n"
    "\r\n"
    "plain\r\n"
    "--b2\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<p>html</p>\r\n"
    "--b2--\r\n"
    "--b1--\r\n"
    "epilogue\r\n";

/* mixed without [from, to) of the given substrings' positions */
static char *
cut(const char *s, const char *from, const char *to)
{
	const char *a = strstr(s, from), *b;
	struct eml_buf o = { 0 };

	ck_assert_ptr_nonnull(a);
	b = strstr(a + 1, to);
	ck_assert_ptr_nonnull(b);
	eml_buf_add(&o, s, a - s);
	eml_buf_adds(&o, b);
	return eml_buf_steal(&o);
}

START_TEST(test_remove)
{
	char *got, *want;

	/* the attachment: from the EOL before its delimiter to its end */
	got = edit_all_chunks(mixed, setup_remove, "2");
	want = cut(mixed, "\r\n--b1\r\nContent-Type: image/png",
	    "\r\n--b1\r\nContent-Type: message/rfc822");
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	/* a part inside the message inside part 3 */
	got = edit_all_chunks(mixed, setup_remove, "3.2");
	want = cut(mixed, "\r\n--b2\r\nContent-Type: text/html",
	    "\r\n--b2--");
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	/* the first part: its delimiter has no EOL before it here (the
	 * preamble's EOL belongs to it) */
	got = edit_all_chunks(mixed, setup_remove, "3.1");
	want = cut(mixed, "--b2\r\n\r\nplain", "\r\n--b2\r\nContent-Type");
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	/* the message/rfc822 part whole: its last line end went with the
	 * inner close delimiter, so the outer one gets one back */
	got = edit_all_chunks(mixed, setup_remove, "3");
	want = cut(mixed, "\r\n--b1\r\nContent-Type: message/rfc822",
	    "\r\n--b1--");
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	/* what cannot be removed stays: the message, a missing section */
	got = edit_all_chunks(mixed, setup_remove, "");
	ck_assert_str_eq(got, mixed);
	free(got);
	got = edit_all_chunks(mixed, setup_remove, "7");
	ck_assert_str_eq(got, mixed);
	free(got);
}
END_TEST

static int
drop_images(void *ctx, const struct eml_part *pt, const char *hdr,
    size_t hdr_len, struct eml_edit_decision *d)
{
	if (strncmp(pt->ctype, "image/", 6) == 0)
		d->action = EML_EDIT_REMOVE;
	/* the held header block is what was written */
	ck_assert(hdr_len == 0 || hdr[hdr_len - 1] == '\n' ||
	    pt->depth == 0);
	return EML_OK;
}

static void
setup_drop_images(struct eml_edit *e, void *arg)
{
	eml_edit_set_callback(e, drop_images, NULL);
}

START_TEST(test_callback_remove)
{
	char *got = edit_all_chunks(mixed, setup_drop_images, NULL);
	char *want = cut(mixed, "\r\n--b1\r\nContent-Type: image/png",
	    "\r\n--b1\r\nContent-Type: message/rfc822");

	ck_assert_str_eq(got, want);
	free(got);
	free(want);
}
END_TEST

static void
setup_replace(struct eml_edit *e, void *arg)
{
	struct eml_edit_content c = { 0 };

	c.ctype = "text/plain; charset=utf-8";
	c.filename = "removed.txt";
	c.cte = EML_CTE_BASE64;
	c.data = "The attachment was removed.\n";
	c.len = strlen(c.data);
	ck_assert_int_eq(eml_edit_replace(e, "2", &c), EML_OK);
}

START_TEST(test_replace)
{
	char *got = edit_all_chunks(mixed, setup_replace, NULL);
	const char *a = strstr(mixed, "Content-Type: image/png");
	const char *b = strstr(mixed, "\r\n--b1\r\nContent-Type: message");
	struct eml_buf want = { 0 };
	struct eml_buf d = { 0 };

	eml_buf_add(&want, mixed, a - mixed);
	eml_buf_adds(&want, "Content-Type: text/plain; charset=utf-8; "
	    "name=\"removed.txt\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=\"removed.txt\"\r\n"
	    "\r\n");
	eml_b64_encode("The attachment was removed.\n", 28, 1, &d);
	eml_buf_add(&want, d.data, d.len);
	eml_buf_adds(&want, b);
	ck_assert_str_eq(got, want.data);
	free(got);
	eml_buf_free(&want);
	eml_buf_free(&d);
}
END_TEST

struct src {
	const char *s;
	size_t pos, step;
};

static long
src_read(void *ctx, void *buf, size_t n)
{
	struct src *s = ctx;
	size_t k = strlen(s->s + s->pos);

	if (k > s->step)
		k = s->step;	/* short reads */
	if (k > n)
		k = n;
	memcpy(buf, s->s + s->pos, k);
	s->pos += k;
	return (long)k;
}

static long
src_fail(void *ctx, void *buf, size_t n)
{
	return EML_EIO;
}

/* Replacement from a file descriptor and from a callback give the
 * same bytes as from a buffer; a failing source fails the edit. */
START_TEST(test_replace_sources)
{
	static const char body[] = "line one\r\nline two =\r\n\xc3\xa9t\xc3\xa9\r\n";
	const char *in = "Content-Type: multipart/mixed; boundary=x\n\n--x\n"
	    "Content-Type: text/plain\n\nold\n--x--\n";
	struct eml_edit_content c = { 0 };
	struct eml_buf o1 = { 0 }, o2 = { 0 }, o3 = { 0 };
	struct eml_sink *s;
	struct eml_edit *e;
	struct src sr = { body, 0, 3 };
	int fds[2];

	c.ctype = "text/plain; charset=utf-8";
	c.cte = EML_CTE_QP;
	c.data = body;
	c.len = strlen(body);
	s = eml_sink_buf(&o1);
	e = eml_edit_new(s, NULL);
	ck_assert_int_eq(eml_edit_replace(e, "1", &c), EML_OK);
	ck_assert_int_eq(eml_edit_feed(e, in, strlen(in)), EML_OK);
	ck_assert_int_eq(eml_edit_finish(e), EML_OK);
	ck_assert_uint_eq(eml_edit_applied(e), 1);
	eml_edit_free(e);
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	/* LF input: the new header has LF line ends */
	ck_assert_ptr_nonnull(strstr(o1.data, "\n--x\nContent-Type: text/plain;"
	    " charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
	    "line one\nline two =3D\n=C3=A9t=C3=A9\n\n--x--\n"));

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], body, strlen(body)),
	    (ssize_t)strlen(body));
	close(fds[1]);
	c.data = NULL;
	c.len = 0;
	c.use_fd = 1;
	c.fd = fds[0];
	s = eml_sink_buf(&o2);
	e = eml_edit_new(s, NULL);
	ck_assert_int_eq(eml_edit_replace(e, "1", &c), EML_OK);
	ck_assert_int_eq(eml_edit_feed(e, in, strlen(in)), EML_OK);
	ck_assert_int_eq(eml_edit_finish(e), EML_OK);
	eml_edit_free(e);
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	close(fds[0]);
	ck_assert_str_eq(o2.data, o1.data);

	c.use_fd = 0;
	c.read = src_read;
	c.read_ctx = &sr;
	s = eml_sink_buf(&o3);
	e = eml_edit_new(s, NULL);
	ck_assert_int_eq(eml_edit_replace(e, "1", &c), EML_OK);
	ck_assert_int_eq(eml_edit_feed(e, in, strlen(in)), EML_OK);
	ck_assert_int_eq(eml_edit_finish(e), EML_OK);
	eml_edit_free(e);
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	ck_assert_str_eq(o3.data, o1.data);

	c.read = src_fail;
	eml_buf_reset(&o3);
	s = eml_sink_buf(&o3);
	e = eml_edit_new(s, NULL);
	ck_assert_int_eq(eml_edit_replace(e, "1", &c), EML_OK);
	ck_assert_int_eq(eml_edit_feed(e, in, strlen(in)), EML_EIO);
	ck_assert_int_eq(eml_edit_finish(e), EML_EIO);
	eml_edit_free(e);
	eml_sink_abort(s);

	/* a raw entity is copied as it is */
	memset(&c, 0, sizeof(c));
	c.raw_entity = 1;
	c.data = "X-New: 1\n\nraw";
	c.len = strlen(c.data);
	eml_buf_reset(&o3);
	s = eml_sink_buf(&o3);
	e = eml_edit_new(s, NULL);
	ck_assert_int_eq(eml_edit_replace(e, "1", &c), EML_OK);
	ck_assert_int_eq(eml_edit_feed(e, in, strlen(in)), EML_OK);
	ck_assert_int_eq(eml_edit_finish(e), EML_OK);
	eml_edit_free(e);
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	ck_assert_str_eq(o3.data, "Content-Type: multipart/mixed; boundary=x"
	    "\n\n--x\nX-New: 1\n\nraw\n--x--\n");
	eml_buf_free(&o1);
	eml_buf_free(&o2);
	eml_buf_free(&o3);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Header and parameter edits: only their own bytes change.            */

struct hcase {
	const char *in;
	int kind;		/* 0 header, 1 param */
	const char *section, *name, *param, *value;
	const char *out;
};

static const struct hcase hcases[] = {
	/* set: rewritten where it is, the rest byte for byte */
	{ "From: a\nSubject:  old  \n\tfolded\nX-A: 1\n\nbody\n", 0, "",
	  "Subject", NULL, "new", "From: a\nSubject: new\nX-A: 1\n\nbody\n" },
	/* later fields of the name go; case-insensitive */
	{ "subject: 1\nX: y\nSUBJECT: 2\n\nb", 0, "", "Subject", NULL, "3",
	  "Subject: 3\nX: y\n\nb" },
	/* absent: appended at the end of the block, CRLF as the input */
	{ "From: a\r\n\r\nb", 0, "", "X-Tag", NULL, "caf\xc3\xa9",
	  "From: a\r\nX-Tag: =?UTF-8?B?Y2Fmw6k=?=\r\n\r\nb" },
	/* remove every field of the name */
	{ "A: 1\nB: 2\nA: 3\n\nb", 0, "", "a", NULL, NULL, "B: 2\n\nb" },
	/* top header of a non-multipart message is "" and "1" */
	{ "A: 1\n\nb", 0, "1", "A", NULL, "2", "A: 2\n\nb" },
	/* a part's header block */
	{ "Content-Type: multipart/mixed; boundary=q\n\n--q\nA: 1\n\nx\n"
	  "--q\nA: 1\n\ny\n--q--\n", 0, "2", "A", NULL, "two",
	  "Content-Type: multipart/mixed; boundary=q\n\n--q\nA: 1\n\nx\n"
	  "--q\nA: two\n\ny\n--q--\n" },
	/* a header added to a part with no blank line gets one, so the
	 * body stays body */
	{ "Content-Type: multipart/mixed; boundary=q\n\n--q\nbody\n--q--\n",
	  0, "1", "X", NULL, "1",
	  "Content-Type: multipart/mixed; boundary=q\n\n--q\nX: 1\n\nbody\n"
	  "--q--\n" },
	/* the header of the message in a message/rfc822 part, and of the
	 * part itself */
	{ "Content-Type: multipart/mixed; boundary=q\n\n--q\n"
	  "Content-Type: message/rfc822\n\nSubject: in\n\nbody\n--q--\n",
	  0, "1.HEADER", "Subject", NULL, "new",
	  "Content-Type: multipart/mixed; boundary=q\n\n--q\n"
	  "Content-Type: message/rfc822\n\nSubject: new\n\nbody\n--q--\n" },
	{ "Content-Type: multipart/mixed; boundary=q\n\n--q\n"
	  "Content-Type: message/rfc822\n\nSubject: in\n\nbody\n--q--\n",
	  0, "1", "X", NULL, "y",
	  "Content-Type: multipart/mixed; boundary=q\n\n--q\n"
	  "Content-Type: message/rfc822\nX: y\n\nSubject: in\n\nbody\n"
	  "--q--\n" },
	/* parameters: only the parameter's bytes */
	{ "Content-Type: text/plain;charset=iso-8859-1 (c); format=flowed\n"
	  "\nb", 1, "", "Content-Type", "charset", "utf-8",
	  "Content-Type: text/plain;charset=\"utf-8\" (c); format=flowed\n"
	  "\nb" },
	{ "Content-Type: text/plain; a=1;\n\tcharset=\"x;y\"; b=2\n\nb", 1,
	  "", "Content-Type", "charset", NULL,
	  "Content-Type: text/plain; a=1; b=2\n\nb" },
	{ "Content-Type: text/plain; format=flowed\n\nb", 1, "",
	  "content-type", "charset", "utf-8",
	  "Content-Type: text/plain; format=flowed; charset=\"utf-8\"\n\nb" },
	/* RFC 2231 continuations go with the rewritten parameter */
	{ "Content-Disposition: attachment; filename*0=\"a\";\n"
	  " filename*1=\"b.txt\"; size=3\n\nb", 1, "",
	  "Content-Disposition", "filename", "c.txt",
	  "Content-Disposition: attachment; filename=\"c.txt\"; size=3\n\nb" },
	/* a value that needs RFC 2231 */
	{ "Content-Type: application/pdf; name=x\n\nb", 1, "",
	  "Content-Type", "name", "\xc3\xa9.pdf",
	  "Content-Type: application/pdf;\n\tname*=utf-8''%C3%A9.pdf\n\nb" },
	/* a missing field is made */
	{ "From: a\n\nb", 1, "", "Content-Type", "charset", "utf-8",
	  "From: a\nContent-Type: text/plain; charset=\"utf-8\"\n\nb" },
	/* a section that is not there changes nothing */
	{ "From: a\n\nb", 0, "4.2", "From", NULL, "x", "From: a\n\nb" },
};

static void
setup_hcase(struct eml_edit *e, void *arg)
{
	const struct hcase *c = arg;

	if (c->kind == 0)
		ck_assert_int_eq(eml_edit_set_header(e, c->section, c->name,
		    c->value), EML_OK);
	else
		ck_assert_int_eq(eml_edit_set_param(e, c->section, c->name,
		    c->param, c->value), EML_OK);
}

START_TEST(test_header_edits)
{
	const struct hcase *c = &hcases[_i];
	char *got = edit_all_chunks(c->in, setup_hcase, (void *)(uintptr_t)c);

	ck_assert_str_eq(got, c->out);
	free(got);
}
END_TEST

START_TEST(test_rule_args)
{
	struct eml_buf b = { 0 };
	struct eml_sink *s = eml_sink_buf(&b);
	struct eml_edit *e = eml_edit_new(s, NULL);
	struct eml_edit_content c = { 0 };
	int i;

	ck_assert_ptr_null(eml_edit_new(NULL, NULL));
	ck_assert_int_eq(eml_edit_set_header(e, "", "Bad Name", "x"),
	    EML_EINVAL);
	ck_assert_int_eq(eml_edit_set_header(e, "", "X", "a\r\nB: c"),
	    EML_EINVAL);
	ck_assert_int_eq(eml_edit_set_header(e, NULL, "X", "a"), EML_EINVAL);
	ck_assert_int_eq(eml_edit_set_param(e, "", "Content-Type", "a=b",
	    "x"), EML_EINVAL);
	ck_assert_int_eq(eml_edit_reencode(e, "1", EML_CTE_UUENCODE, NULL),
	    EML_EINVAL);
	ck_assert_int_eq(eml_edit_remove(e, NULL), EML_EINVAL);
	/* no field of the replacement can be ended from outside */
	c.filename = "a.txt\r\nBcc: victim@example.org";
	ck_assert_int_eq(eml_edit_replace(e, "1", &c), EML_EINVAL);
	c.filename = NULL;
	c.ctype = "text/plain\nX: y";
	ck_assert_int_eq(eml_edit_replace(e, "1", &c), EML_EINVAL);
	/* rules are capped: 1024 */
	for (i = 0; i < 1024; i++)
		ck_assert_int_eq(eml_edit_remove(e, "9"), EML_OK);
	ck_assert_int_eq(eml_edit_remove(e, "9"), EML_ELIMIT);
	eml_edit_free(e);
	eml_edit_free(NULL);
	eml_sink_close(s);
	eml_buf_free(&b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Re-encoding: what a parser reads back.                              */

/* Decoded text (UTF-8) of the leaf at section of msg. */
static char *
leaf_text(const char *msg, const char *section, struct eml_part *info_r)
{
	struct eml_msg *m;
	const struct eml_node *n;
	struct eml_buf t = { 0 };

	ck_assert_int_eq(eml_msg_parse_mem(msg, strlen(msg), NULL, &m),
	    EML_OK);
	for (n = m->root; n != NULL; n = eml_node_next(n))
		if (n->first_child == NULL &&
		    strcmp(n->info.section, section) == 0)
			break;
	ck_assert_msg(n != NULL, "no leaf %s", section);
	ck_assert_int_eq(eml_node_text(n, &t, NULL), EML_OK);
	if (info_r != NULL)
		*info_r = n->info;
	eml_msg_free(m);
	return eml_buf_steal(&t);
}

struct rcase {
	const char *in;
	const char *section;
	int cte;
	const char *charset;
	enum eml_cte want_cte;
	const char *want_charset;
};

static const struct rcase rcases[] = {
	{ "Content-Type: text/plain; charset=iso-8859-1\n"
	  "Content-Transfer-Encoding: 8bit\n\ncaf\xe9 cr\xe8me\nline 2\n",
	  "1", EML_CTE_QP, "utf-8", EML_CTE_QP, "utf-8" },
	{ "Content-Type: multipart/mixed; boundary=z\n\n--z\n"
	  "Content-Type: text/plain; charset=utf-8\n"
	  "Content-Transfer-Encoding: quoted-printable\n\n"
	  "na=C3=AFve soft=\nbreak\n--z--\n",
	  "1", EML_CTE_BASE64, NULL, EML_CTE_BASE64, "utf-8" },
	{ "Content-Type: multipart/mixed; boundary=z\n\n--z\n"
	  "Content-Type: text/plain; charset=utf-8\n"
	  "Content-Transfer-Encoding: base64\n\n"
	  "w6l0w6kK\n--z--\n",
	  "1", EML_CTE_8BIT, "iso-8859-1", EML_CTE_8BIT, "iso-8859-1" },
	/* no Content-Transfer-Encoding and no charset: both are added */
	{ "Subject: s\n\nplain \xe9\n", "1", EML_CTE_QP, "utf-8", EML_CTE_QP,
	  "utf-8" },
};

static void
setup_rcase(struct eml_edit *e, void *arg)
{
	const struct rcase *c = arg;

	ck_assert_int_eq(eml_edit_reencode(e, c->section, c->cte, c->charset),
	    EML_OK);
}

START_TEST(test_reencode)
{
	const struct rcase *c = &rcases[_i];
	char *got = edit_all_chunks(c->in, setup_rcase, (void *)(uintptr_t)c);
	char *before, *after;
	struct eml_part info;

	before = leaf_text(c->in, c->section, NULL);
	after = leaf_text(got, c->section, &info);
	ck_assert_str_eq(after, before);
	ck_assert_int_eq(info.cte, c->want_cte);
	ck_assert_str_eq(info.charset, c->want_charset);
	free(before);
	free(after);
	free(got);
}
END_TEST

/* An unknown target charset is the caller's error. */
START_TEST(test_reencode_unknown_charset)
{
	const char *in = "Content-Type: text/plain\n\nx\n";
	struct eml_buf b = { 0 };
	struct eml_sink *s = eml_sink_buf(&b);
	struct eml_edit *e = eml_edit_new(s, NULL);

	ck_assert_int_eq(eml_edit_reencode(e, "1", -1, "no-such-charset-x"),
	    EML_OK);
	ck_assert_int_eq(eml_edit_feed(e, in, strlen(in)), EML_ECHARSET);
	eml_edit_free(e);
	eml_sink_abort(s);
	eml_buf_free(&b);
}
END_TEST

static void
setup_7bit(struct eml_edit *e, void *arg)
{
	ck_assert_int_eq(eml_edit_7bit(e), EML_OK);
}

/* SMTP without 8BITMIME: no 8-bit byte is left in the bodies, every
 * leaf decodes to what it was, and 7bit parts are untouched. */
START_TEST(test_7bit)
{
	static const char in[] =
	    "From: a@b\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=z\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n"
	    "--z\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n"
	    "caf\xc3\xa9\r\nline=2\r\n"
	    "--z\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Transfer-Encoding: binary\r\n\r\n"
	    "\x00\x01\xff\r\n\xfe"
	    "\r\n--z\r\nContent-Type: text/plain\r\n\r\nascii\r\n--z--\r\n";
	struct eml_buf out = { 0 };
	struct eml_msg *m1, *m2;
	const struct eml_node *a, *b;
	size_t i, len = sizeof(in) - 1;

	ck_assert_int_eq(run_edit(in, len, 0, setup_7bit, NULL, &out), EML_OK);
	for (i = 0; i < out.len; i++)
		ck_assert_msg((unsigned char)out.data[i] < 0x80 &&
		    out.data[i] != '\0', "8-bit byte at %zu", i);
	ck_assert_ptr_nonnull(strstr(out.data, "boundary=z\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n"));
	ck_assert_ptr_nonnull(strstr(out.data,
	    "\r\n--z\r\nContent-Type: text/plain\r\n\r\nascii\r\n--z--\r\n"));
	ck_assert_int_eq(eml_msg_parse_mem(in, len, NULL, &m1), EML_OK);
	ck_assert_int_eq(eml_msg_parse_mem(out.data, out.len, NULL, &m2),
	    EML_OK);
	ck_assert_uint_eq(m1->nparts, m2->nparts);
	for (a = m1->root, b = m2->root; a != NULL && b != NULL;
	    a = eml_node_next(a), b = eml_node_next(b)) {
		struct eml_buf da = { 0 }, db = { 0 };

		ck_assert_str_eq(a->info.section, b->info.section);
		if (a->first_child != NULL)
			continue;
		eml_node_decode(a, &da);
		eml_node_decode(b, &db);
		ck_assert_uint_eq(da.len, db.len);
		ck_assert(memcmp(da.data, db.data, da.len) == 0);
		ck_assert(b->info.cte == EML_CTE_7BIT ||
		    b->info.cte == EML_CTE_QP || b->info.cte == EML_CTE_BASE64);
		eml_buf_free(&da);
		eml_buf_free(&db);
	}
	ck_assert_ptr_null(a);
	ck_assert_ptr_null(b);
	/* text went to QP, the rest to base64 */
	ck_assert_int_eq(m2->root->first_child->info.cte, EML_CTE_QP);
	ck_assert_int_eq(m2->root->first_child->next->info.cte,
	    EML_CTE_BASE64);
	eml_msg_free(m1);
	eml_msg_free(m2);
	eml_buf_free(&out);
}
END_TEST


/* CRLF -> LF, for comparing text that QP's text mode re-ended. */
static void
unify_eol(struct eml_buf *b)
{
	size_t i, j;

	for (i = j = 0; i < b->len; i++)
		if (!(b->data[i] == '\r' && i + 1 < b->len &&
		    b->data[i + 1] == '\n'))
			b->data[j++] = b->data[i];
	b->len = j;
}

static void
sevenbit_cb(const char *path, void *arg)
{
	struct stats *st = arg;
	struct eml_buf out = { 0 };
	struct eml_msg *m1, *m2;
	const struct eml_node *a, *b;
	size_t len, i;
	char *buf = tu_slurp(path, &len);
	unsigned eight = 0;

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(eml_msg_parse_mem(buf, len, NULL, &m1), EML_OK);
	for (a = m1->root; a != NULL; a = eml_node_next(a))
		if (a->first_child == NULL && (a->info.cte == EML_CTE_8BIT ||
		    a->info.cte == EML_CTE_BINARY) && !a->info.is_message)
			eight++;
	if (eight == 0) {
		eml_msg_free(m1);
		free(buf);
		return;
	}
	ck_assert_int_eq(run_edit(buf, len, 0, setup_7bit, NULL, &out),
	    EML_OK);
	ck_assert_int_eq(eml_msg_parse_mem(out.data, out.len, NULL, &m2),
	    EML_OK);
	/* the same parts, each leaf decoding to what it was */
	for (a = m1->root, b = m2->root; a != NULL && b != NULL;
	    a = eml_node_next(a), b = eml_node_next(b)) {
		struct eml_buf da = { 0 }, db = { 0 };
		int was8 = a->info.cte == EML_CTE_8BIT ||
		    a->info.cte == EML_CTE_BINARY;

		ck_assert_msg(strcmp(a->info.section, b->info.section) == 0 &&
		    strcmp(a->info.ctype, b->info.ctype) == 0,
		    "%s: part %s %s became %s %s", path, a->info.section,
		    a->info.ctype, b->info.section, b->info.ctype);
		if (a->first_child != NULL || a->info.is_message ||
		    a->info.is_multipart)
			continue;
		if (!was8)
			continue;
		ck_assert_msg(b->info.cte == EML_CTE_QP ||
		    b->info.cte == EML_CTE_BASE64, "%s: %s still %s", path,
		    b->info.section, eml_cte_name(b->info.cte));
		for (i = 0; i < b->body_len; i++)
			ck_assert_msg((unsigned char)b->body[i] < 0x80,
			    "%s: %s: 8-bit byte in the body", path,
			    b->info.section);
		ck_assert_int_eq(eml_node_decode(a, &da), EML_OK);
		ck_assert_int_eq(eml_node_decode(b, &db), EML_OK);
		if (b->info.cte == EML_CTE_QP) {
			unify_eol(&da);
			unify_eol(&db);
		}
		ck_assert_msg(da.len == db.len && (da.len == 0 ||
		    memcmp(da.data, db.data, da.len) == 0),
		    "%s: %s decodes differently (%zu, %zu bytes)", path,
		    b->info.section, da.len, db.len);
		eml_buf_free(&da);
		eml_buf_free(&db);
	}
	ck_assert_msg(a == NULL && b == NULL, "%s: part count differs", path);
	st->files++;
	st->removed += eight;
	eml_msg_free(m1);
	eml_msg_free(m2);
	eml_buf_free(&out);
	free(buf);
}

START_TEST(test_corpus_7bit)
{
	struct stats st = { 0 };
	const char *dir = tu_shared_corpus();

	tu_walk("corpus/mime", NULL, sevenbit_cb, &st);
	tu_walk("corpus/third_party", NULL, sevenbit_cb, &st);
	if (dir != NULL)
		tu_walk(dir, NULL, sevenbit_cb, &st);
	printf("edit 7bit: %lu messages, %lu 8bit/binary leaves re-encoded, "
	    "same parts, same decoded bytes\n", st.files, st.removed);
	ck_assert_uint_gt(st.files, 5);
}
END_TEST


/* RFC 2046 5.1.1: what re-encoding writes holds no delimiter line of a
 * multipart around it.  QP's soft breaks start new lines anywhere: at
 * every position of a "--z--" in a long 8-bit line the 7bit output has
 * the same parts, decodes the same, and keeps lines within 76. */
START_TEST(test_guard_qp)
{
	struct eml_buf in = { 0 }, out = { 0 };
	struct eml_msg *m;
	const struct eml_node *n;
	struct eml_buf t = { 0 };
	const char *l, *nl;
	size_t base, want;
	int k;

	for (k = 1; k < 160; k++) {
		eml_buf_reset(&in);
		eml_buf_reset(&out);
		eml_buf_adds(&in, "Content-Type: multipart/mixed; boundary=z\n\n"
		    "--z\nContent-Type: text/plain; charset=utf-8\n"
		    "Content-Transfer-Encoding: 8bit\n\n");
		base = in.len;
		while (in.len < base + (size_t)k)
			eml_buf_adds(&in, k % 3 ? "x" : "\xc3\xa9");
		eml_buf_adds(&in, "--z--x =");
		want = in.len - base;
		eml_buf_adds(&in, "\n--z\n\nsecond\n--z--\n");
		ck_assert_int_eq(run_edit(in.data, in.len, 0, setup_7bit, NULL,
		    &out), EML_OK);
		ck_assert_int_eq(eml_msg_parse_mem(out.data, out.len, NULL, &m),
		    EML_OK);
		ck_assert_msg(m->nparts == 3, "k=%d:\n%s", k, out.data);
		n = m->root->first_child;
		eml_buf_reset(&t);
		ck_assert_int_eq(eml_node_decode(n, &t), EML_OK);
		ck_assert_int_eq(n->info.cte, EML_CTE_QP);
		/* the text as it was, up to the delimiter's EOL */
		ck_assert_uint_eq(t.len, want);
		ck_assert(memcmp(t.data, in.data + base, want) == 0);
		for (l = n->body; l < n->body + n->body_len; l = nl + 1) {
			nl = memchr(l, '\n', n->body + n->body_len - l);
			if (nl == NULL)
				nl = n->body + n->body_len;
			ck_assert_msg(nl - l <= 76, "k=%d: line of %d", k,
			    (int)(nl - l));
			ck_assert_msg(nl - l < 2 || l[0] != '-' || l[1] != '-',
			    "k=%d: a line starts with --", k);
		}
		eml_msg_free(m);
	}
	eml_buf_free(&t);
	eml_buf_free(&in);
	eml_buf_free(&out);
}
END_TEST

/* Decoded bytes written as they are cannot be escaped: an edit that
 * would write a delimiter line fails (EML_EFORMAT), as does a raw
 * replacement holding one. */
START_TEST(test_guard_check)
{
	const char *in = "Content-Type: multipart/mixed; boundary=z\n\n--z\n"
	    "Content-Transfer-Encoding: quoted-printable\n\nok\n=2D-z--\n"
	    "--z--\n";
	const char *fine = "Content-Type: multipart/mixed; boundary=z\n\n--z\n"
	    "Content-Transfer-Encoding: quoted-printable\n\nok\n=2D-y--\n"
	    "--z--\n";
	struct eml_edit_content c = { 0 };
	struct eml_buf b = { 0 };
	struct eml_sink *s;
	struct eml_edit *e;
	char *got;

	s = eml_sink_buf(&b);
	e = eml_edit_new(s, NULL);
	ck_assert_int_eq(eml_edit_reencode(e, "1", EML_CTE_8BIT, NULL), EML_OK);
	ck_assert_int_eq(eml_edit_feed(e, in, strlen(in)), EML_EFORMAT);
	eml_edit_free(e);
	eml_sink_abort(s);
	eml_buf_free(&b);
	/* the same with a line that is no delimiter of z */
	got = edit_str(fine, setup_rcase, (void *)(uintptr_t)&(const struct
	    rcase){ NULL, "1", EML_CTE_8BIT, NULL, 0, NULL }, 0);
	ck_assert_str_eq(got, "Content-Type: multipart/mixed; boundary=z\n\n"
	    "--z\nContent-Transfer-Encoding: 8bit\n\nok\n--y--\n--z--\n");
	free(got);

	c.raw_entity = 1;
	c.data = "X: 1\n\n--z--\nhidden\n";
	c.len = strlen(c.data);
	s = eml_sink_buf(&b);
	e = eml_edit_new(s, NULL);
	ck_assert_int_eq(eml_edit_replace(e, "1", &c), EML_OK);
	ck_assert_int_eq(eml_edit_feed(e, fine, strlen(fine)), EML_EFORMAT);
	eml_edit_free(e);
	eml_sink_abort(s);
	eml_buf_free(&b);
}
END_TEST


/* At the parts limit a delimiter has no part after it: it is written
 * all the same, at the end of the input or before the epilogue. */
START_TEST(test_parts_limit)
{
	static const char *const ins[] = {
		"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b\n",
		"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b\n"
		    "rest\n--b--\n",
	};
	struct eml_parser_opts o = { .max_parts = 2 };
	struct eml_buf b = { 0 };
	struct eml_sink *s;
	struct eml_edit *e;
	size_t i;

	for (i = 0; i < 2; i++) {
		eml_buf_reset(&b);
		s = eml_sink_buf(&b);
		e = eml_edit_new(s, &o);
		ck_assert_int_eq(eml_edit_remove(e, "9"), EML_OK);
		ck_assert_int_eq(eml_edit_feed(e, ins[i], strlen(ins[i])),
		    EML_OK);
		ck_assert_int_eq(eml_edit_finish(e), EML_OK);
		eml_edit_free(e);
		ck_assert_int_eq(eml_sink_close(s), EML_OK);
		ck_assert_str_eq(b.data, ins[i]);
	}
	eml_buf_free(&b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Errors                                                               */

/* A sink that fails is an error of the edit, and stays one. */
START_TEST(test_sink_error)
{
	struct eml_buf b = { 0 };
	struct eml_sink *s;
	struct eml_edit *e;

	b.max = 40;
	s = eml_sink_buf(&b);
	e = eml_edit_new(s, NULL);
	ck_assert_int_eq(eml_edit_feed(e, mixed, sizeof(mixed) - 1),
	    EML_ELIMIT);
	ck_assert_int_eq(eml_edit_feed(e, "x", 1), EML_ELIMIT);
	ck_assert_int_eq(eml_edit_finish(e), EML_ELIMIT);
	ck_assert_ptr_nonnull(strstr(eml_edit_errmsg(e), "writing"));
	eml_edit_free(e);
	eml_sink_abort(s);
	eml_buf_free(&b);
}
END_TEST

/* A held header block is capped (the parser's header limits). */
START_TEST(test_hold_cap)
{
	struct eml_parser_opts o = { .max_header_block = 1000,
	    .max_header_bytes = 200 };
	struct eml_buf in = { 0 }, b = { 0 };
	struct eml_sink *s = eml_sink_buf(&b);
	struct eml_edit *e = eml_edit_new(s, &o);
	int i;

	for (i = 0; i < 200; i++)
		eml_buf_adds(&in, "X-Filler: 0123456789\n");
	eml_buf_adds(&in, "\nbody\n");
	ck_assert_int_eq(eml_edit_set_header(e, "", "Subject", "x"), EML_OK);
	ck_assert_int_eq(eml_edit_feed(e, in.data, in.len), EML_ELIMIT);
	eml_edit_free(e);
	eml_sink_abort(s);
	eml_buf_free(&b);
	eml_buf_free(&in);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The bound: strip a 1 GiB attachment read from a pipe.               */

#define BIG_HEAD \
	"From: big@example.org\r\nSubject: big\r\nMIME-Version: 1.0\r\n" \
	"Content-Type: multipart/mixed; boundary=\"=_big\"\r\n\r\n" \
	"This is a multi-part message.\r\n" \
	"--=_big\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" \
	"See the attachment.\r\n"
#define BIG_PART_HEAD \
	"\r\n--=_big\r\nContent-Type: application/octet-stream\r\n" \
	"Content-Transfer-Encoding: base64\r\n" \
	"Content-Disposition: attachment; filename=\"big.bin\"\r\n\r\n"
#define BIG_TAIL \
	"\r\n--=_big\r\nContent-Type: text/plain\r\n\r\nafter\r\n" \
	"--=_big--\r\nepilogue\r\n"

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t k;

	while (n > 0) {
		if ((k = write(fd, c, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/* The message, with an attachment of body_bytes base64 bytes (lines of
 * 76 + CRLF), written as it is made. */
static void
gen_big(int fd, uint64_t body_bytes)
{
	static char block[78 * 840];
	uint64_t left = body_bytes;
	size_t i, j;

	for (i = 0; i < sizeof(block) / 78; i++) {
		for (j = 0; j < 76; j++)
			block[i * 78 + j] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
			    "klmnopqrstuvwxyz0123456789+/"[(i * 7 + j) % 64];
		block[i * 78 + 76] = '\r';
		block[i * 78 + 77] = '\n';
	}
	if (write_all(fd, BIG_HEAD BIG_PART_HEAD, strlen(BIG_HEAD
	    BIG_PART_HEAD)) < 0)
		_exit(1);
	while (left > 0) {
		size_t k = left < sizeof(block) ? (size_t)left : sizeof(block);

		if (write_all(fd, block, k) < 0)
			_exit(1);
		left -= k;
	}
	if (write_all(fd, BIG_TAIL, strlen(BIG_TAIL)) < 0)
		_exit(1);
}

struct hash_sink {
	struct eml_sha256 h;
	uint64_t n;
};

static int
hash_write(void *ctx, const void *p, size_t n)
{
	struct hash_sink *hs = ctx;

	eml_sha256_update(&hs->h, p, n);
	hs->n += n;
	return EML_OK;
}

/* Resident memory now, in KiB (/proc/self/statm), or -1. */
static long
rss_now_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size, res = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		res = -1;
	fclose(f);
	return res < 0 ? -1 : res * (sysconf(_SC_PAGESIZE) / 1024);
}

/*
 * The bound: strip the 1 GiB attachment of a message read from a
 * pipe in under 32 MiB of max RSS (getrusage in the process doing the
 * edit), and the output is the input without that part.  ru_maxrss is a
 * high-water mark that a process inherits from the one it was forked
 * from, so it bounds the edit when this process started well below the
 * bound (a plain `make check`); under ASan the runner alone is over it,
 * and there the growth of the resident size during the edit, sampled as
 * it runs, is what is bounded (it is checked in every build).
 */
START_TEST(test_strip_1gib_bounded)
{
	const char *env = getenv("EML_BIGSTRIP_MB");
	uint64_t mb = env != NULL ? strtoull(env, NULL, 10) : 1024;
	uint64_t body = mb << 20;
	struct hash_sink hs;
	struct eml_sha256 want;
	unsigned char d1[32], d2[32];
	struct eml_sink *s;
	struct eml_edit *e;
	struct rusage ru;
	int fds[2], status, r = EML_OK;
	pid_t pid;
	long max_kib, base_kib, cur0, cur, peak = 0;
	unsigned long reads = 0;
	struct timespec t0, t1;
	char *buf = malloc(65536);
	ssize_t n;

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(getrusage(RUSAGE_SELF, &ru), 0);
	base_kib = ru.ru_maxrss;
	ck_assert_int_eq(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		gen_big(fds[1], body);
		close(fds[1]);
		_exit(0);
	}
	ck_assert_int_ge(pid, 0);
	close(fds[1]);
	eml_sha256_init(&hs.h);
	hs.n = 0;
	s = eml_sink_cb(hash_write, NULL, &hs);
	e = eml_edit_new(s, NULL);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(eml_edit_remove(e, "2"), EML_OK);
	cur0 = rss_now_kib();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (r == EML_OK) {
		if ((n = read(fds[0], buf, 65536)) < 0 && errno == EINTR)
			continue;
		ck_assert_int_ge(n, 0);
		if (n == 0)
			break;
		r = eml_edit_feed(e, buf, (size_t)n);
		if (++reads % 256 == 0 && (cur = rss_now_kib()) > peak)
			peak = cur;
	}
	ck_assert_int_eq(r, EML_OK);
	ck_assert_int_eq(eml_edit_finish(e), EML_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if ((cur = rss_now_kib()) > peak)
		peak = cur;
	ck_assert_uint_eq(eml_edit_applied(e), 1);
	eml_edit_free(e);
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	close(fds[0]);
	free(buf);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(getrusage(RUSAGE_SELF, &ru), 0);
	max_kib = ru.ru_maxrss;

	/* the expected output: the message regenerated without the part
	 * (its delimiter line, header and body) */
	eml_sha256_init(&want);
	eml_sha256_update(&want, BIG_HEAD BIG_TAIL, strlen(BIG_HEAD
	    BIG_TAIL));
	eml_sha256_final(&want, d1);
	eml_sha256_final(&hs.h, d2);
	ck_assert_uint_eq(hs.n, strlen(BIG_HEAD BIG_TAIL));
	ck_assert(memcmp(d1, d2, 32) == 0);
	/* the time is for the record, not asserted: a bound test */
	printf("edit strip: %llu MiB attachment from a pipe in %.2f s, "
	    "max RSS %ld KiB (%ld at the start), resident growth %ld KiB\n",
	    (unsigned long long)mb, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, max_kib, base_kib,
	    cur0 >= 0 ? peak - cur0 : -1);
	fflush(stdout);
	if (cur0 >= 0)
		ck_assert_int_lt(peak - cur0, 32 * 1024);
	if (base_kib < 16 * 1024)
		ck_assert_int_lt(max_kib, 32 * 1024);
	else
		printf("edit strip: max RSS bound not checked: the process "
		    "started at %ld KiB\n", base_kib);
}
END_TEST

/* eml_edit_fd reads a descriptor to its end through the editor. */
START_TEST(test_edit_fd)
{
	struct eml_buf b = { 0 };
	struct eml_sink *s = eml_sink_buf(&b);
	struct eml_edit *e = eml_edit_new(s, NULL);
	char *want = cut(mixed, "\r\n--b1\r\nContent-Type: image/png",
	    "\r\n--b1\r\nContent-Type: message/rfc822");
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], mixed, sizeof(mixed) - 1),
	    (ssize_t)sizeof(mixed) - 1);
	close(fds[1]);
	ck_assert_int_eq(eml_edit_remove(e, "2"), EML_OK);
	ck_assert_int_eq(eml_edit_fd(e, fds[0]), EML_OK);
	close(fds[0]);
	eml_edit_free(e);
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	ck_assert_str_eq(b.data, want);
	/* a descriptor that cannot be read is EML_EIO */
	s = eml_sink_buf(&b);
	e = eml_edit_new(s, NULL);
	ck_assert_int_eq(eml_edit_fd(e, -1), EML_EIO);
	eml_edit_free(e);
	eml_sink_abort(s);
	free(want);
	eml_buf_free(&b);
}
END_TEST

Suite *
eml_edit_suite(void)
{
	Suite *s = suite_create("edit");
	TCase *tc = tcase_create("edit");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_remove);
	tcase_add_test(tc, test_callback_remove);
	tcase_add_test(tc, test_replace);
	tcase_add_test(tc, test_replace_sources);
	tcase_add_loop_test(tc, test_header_edits, 0,
	    sizeof(hcases) / sizeof(hcases[0]));
	tcase_add_test(tc, test_rule_args);
	tcase_add_loop_test(tc, test_reencode, 0,
	    sizeof(rcases) / sizeof(rcases[0]));
	tcase_add_test(tc, test_reencode_unknown_charset);
	tcase_add_test(tc, test_7bit);
	tcase_add_test(tc, test_corpus_7bit);
	tcase_add_test(tc, test_guard_qp);
	tcase_add_test(tc, test_guard_check);
	tcase_add_test(tc, test_parts_limit);
	tcase_add_test(tc, test_sink_error);
	tcase_add_test(tc, test_hold_cap);
	tcase_add_test(tc, test_corpus_identity_and_remove);
	tcase_add_test(tc, test_shared_corpus);
	tcase_add_test(tc, test_corpus_param_edit);
	tcase_add_test(tc, test_edit_fd);
	tcase_add_test(tc, test_strip_1gib_bounded);
	suite_add_tcase(s, tc);
	return s;
}
