/*
 * check_corpus.c - every message of our corpus/ and of the shared corpus
 * must parse, be written back byte for byte, and give the same event
 * stream however the input is cut into chunks.  Where mail-parser's
 * expected JSON exists, the fields both libraries report are compared
 * and the agreement rate is printed and held above a floor.
 *
 * EML_CORPUS_TRACE=1 prints each file before it is parsed (to find the
 * culprit when the suite dies of a signal).
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eml.h"
#include "check_util.h"

/* Messages up to this size are also fed one byte at a time; larger ones
 * in 3- and 17-byte chunks, which keeps the ASan run short. */
#define ONE_BYTE_MAX	(256 * 1024)

#define MIN_SZ(a, b)	((a) < (b) ? (a) : (b))
#define LOWER(c)	((c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c))

/* The mail-parser agreement measured when this test was written, in
 * per mille, less a small margin.  Raise it as the library improves. */
#define MP_FLOOR_PERMILLE	850

/* ------------------------------------------------------------------ */
/* Results of one run over a set of files.                             */

struct stats {
	unsigned long files, msgs, parsed, roundtrip, chunk_ok, concat_ok;
	unsigned long nfail;
	FILE *log;		/* all failures, one line each */
	const char *label;
};

static void
fail_note(struct stats *st, const char *path, unsigned long idx,
    const char *what, const char *detail)
{
	st->nfail++;
	if (st->nfail <= 25)
		printf("corpus FAIL %s#%lu: %s%s%s\n", path, idx, what,
		    detail ? ": " : "", detail ? detail : "");
	if (st->log != NULL)
		fprintf(st->log, "%s#%lu: %s%s%s\n", path, idx, what,
		    detail ? ": " : "", detail ? detail : "");
}

/* Directory of the test binary, for the report files. */
static void
build_dir(char *dir, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			snprintf(dir, size, "%s", exe);
			return;
		}
	}
	snprintf(dir, size, "build");
}

static FILE *
open_report(const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX + 64];

	build_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fopen(path, "w");
}

/* ------------------------------------------------------------------ */
/* Event stream digest.  BODY, PREAMBLE, EPILOGUE and RAW events may be */
/* cut wherever a chunk ends, so adjacent ones of one part are merged  */
/* before hashing; every other event must come out whole.  Diagnostics */
/* go to their own digest since they may come between body pieces.     */

struct evrec {
	struct eml_sha256 main, diag;
	/* pending mergeable event */
	int ptype;
	char psection[128];
	uint64_t poffset, plen, pdlen;
	unsigned long pline;
	struct eml_sha256 praw, pdata;
	/* raw bytes must tile the input */
	const char *input;
	size_t input_len;
	uint64_t pos;
	int tiled;		/* 0 once a gap or mismatch is seen */
	unsigned long nevents, ndiags;
	int ended;
};

static void
h_u64(struct eml_sha256 *s, uint64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	eml_sha256_update(s, b, 8);
}

static void
h_str(struct eml_sha256 *s, const char *p, size_t n)
{
	h_u64(s, n);
	if (n > 0)
		eml_sha256_update(s, p, n);
}

static void
h_cstr(struct eml_sha256 *s, const char *p)
{
	h_str(s, p, strlen(p));
}

static int
mergeable(int type)
{
	return type == EML_EV_BODY || type == EML_EV_PREAMBLE ||
	    type == EML_EV_EPILOGUE || type == EML_EV_RAW;
}

static void
rec_flush(struct evrec *r)
{
	unsigned char d[32];

	if (r->ptype == 0)
		return;
	h_u64(&r->main, (uint64_t)r->ptype);
	h_cstr(&r->main, r->psection);
	h_u64(&r->main, r->poffset);
	h_u64(&r->main, r->pline);
	h_u64(&r->main, r->plen);
	h_u64(&r->main, r->pdlen);
	eml_sha256_final(&r->praw, d);
	eml_sha256_update(&r->main, d, 32);
	eml_sha256_final(&r->pdata, d);
	eml_sha256_update(&r->main, d, 32);
	r->ptype = 0;
}

static void
rec_init(struct evrec *r, const char *input, size_t len)
{
	memset(r, 0, sizeof(*r));
	eml_sha256_init(&r->main);
	eml_sha256_init(&r->diag);
	r->input = input;
	r->input_len = len;
	r->tiled = 1;
}

static void
rec_part(struct eml_sha256 *s, const struct eml_part *pt, int type)
{
	h_cstr(s, pt->section);
	h_u64(s, pt->depth);
	h_u64(s, pt->offset);
	h_u64(s, pt->line);
	if (type == EML_EV_PART_BEGIN)
		return;
	h_cstr(s, pt->ctype);
	h_cstr(s, pt->charset);
	h_cstr(s, pt->boundary);
	h_u64(s, (uint64_t)pt->cte);
	h_u64(s, (uint64_t)pt->is_multipart);
	h_u64(s, (uint64_t)pt->is_message);
	h_u64(s, (uint64_t)pt->is_attachment);
	h_u64(s, pt->body_offset);
	if (type != EML_EV_PART_END)
		return;
	h_u64(s, pt->nchildren);
	h_u64(s, pt->end_offset);
	h_u64(s, pt->raw_size);
	h_u64(s, pt->decoded_size);
	h_u64(s, tu_defects64(&pt->defects));
}

static void
rec_event(struct evrec *r, const struct eml_event *ev)
{
	const char *section = ev->part != NULL ? ev->part->section : "";

	r->nevents++;
	if (ev->type == EML_EV_END)
		r->ended = 1;
	if (ev->raw_len > 0) {
		if (ev->offset != r->pos || r->pos + ev->raw_len >
		    r->input_len || memcmp(ev->raw, r->input + r->pos,
		    ev->raw_len) != 0)
			r->tiled = 0;
		r->pos += ev->raw_len;
	}
	if (ev->type == EML_EV_DIAG) {
		r->ndiags++;
		h_u64(&r->diag, (uint64_t)ev->diag.code);
		h_u64(&r->diag, (uint64_t)ev->diag.severity);
		h_u64(&r->diag, ev->diag.offset);
		h_u64(&r->diag, ev->diag.line);
		h_cstr(&r->diag, ev->diag.section ? ev->diag.section : "");
		return;
	}
	if (mergeable(ev->type)) {
		if (ev->raw_len == 0 && ev->data_len == 0)
			return;	/* an empty piece says nothing */
		if (r->ptype == (int)ev->type &&
		    strcmp(r->psection, section) == 0 &&
		    r->poffset + r->plen == ev->offset) {
			if (ev->raw_len > 0)
				eml_sha256_update(&r->praw, ev->raw,
				    ev->raw_len);
			if (ev->data_len > 0)
				eml_sha256_update(&r->pdata, ev->data,
				    ev->data_len);
			r->plen += ev->raw_len;
			r->pdlen += ev->data_len;
			return;
		}
		rec_flush(r);
		r->ptype = (int)ev->type;
		snprintf(r->psection, sizeof(r->psection), "%s", section);
		r->poffset = ev->offset;
		r->pline = ev->line;
		r->plen = ev->raw_len;
		r->pdlen = ev->data_len;
		eml_sha256_init(&r->praw);
		eml_sha256_init(&r->pdata);
		if (ev->raw_len > 0)
			eml_sha256_update(&r->praw, ev->raw, ev->raw_len);
		if (ev->data_len > 0)
			eml_sha256_update(&r->pdata, ev->data, ev->data_len);
		return;
	}
	rec_flush(r);
	h_u64(&r->main, (uint64_t)ev->type);
	h_cstr(&r->main, section);
	h_u64(&r->main, ev->offset);
	h_u64(&r->main, ev->line);
	h_str(&r->main, ev->raw, ev->raw_len);
	h_str(&r->main, ev->name, ev->name_len);
	h_str(&r->main, ev->value, ev->value_len);
	h_u64(&r->main, (uint64_t)ev->is_close);
	if (ev->part != NULL && (ev->type == EML_EV_PART_BEGIN ||
	    ev->type == EML_EV_HEADERS_END || ev->type == EML_EV_PART_END))
		rec_part(&r->main, ev->part, ev->type);
}

/* Digest of the whole stream: main and diag digests, concatenated. */
struct evsum {
	unsigned char main[32], diag[32];
	unsigned long ndiags;
	int tiled, ended, err;
};

static void
rec_final(struct evrec *r, struct evsum *s)
{
	rec_flush(r);
	eml_sha256_final(&r->main, s->main);
	eml_sha256_final(&r->diag, s->diag);
	s->ndiags = r->ndiags;
	s->tiled = r->tiled && r->pos == r->input_len;
	s->ended = r->ended;
}

/* Stream buf through a fresh parser, chunk bytes at a time (0 = all at
 * once, straight from buf).  Chunks are copied into a heap block of
 * exactly their size, so reading past what was fed, or keeping pointers
 * into a chunk after asking for more, shows up (ASan / digest). */
static void
stream(const char *buf, size_t len, size_t chunk, struct evsum *s)
{
	struct eml_parser_opts o;
	struct eml_parser *p;
	struct eml_event ev;
	struct evrec r;
	char *blk = NULL;
	size_t off = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	memset(&o, 0, sizeof(o));
	o.flags = EML_PARSE_DECODE;
	p = eml_parser_new(&o);
	if (p == NULL) {
		s->err = EML_ENOMEM;
		return;
	}
	rec_init(&r, buf, len);
	if (chunk != 0)
		blk = malloc(chunk);
	while (off < len) {
		size_t n = chunk == 0 ? len : MIN_SZ(chunk, len - off);
		const char *in = buf + off;

		if (blk != NULL) {
			memcpy(blk, buf + off, n);
			in = blk;
		}
		if ((rc = eml_parser_feed(p, in, n)) != EML_OK) {
			s->err = rc;
			goto out;
		}
		while ((rc = eml_parser_next(p, &ev)) > 0)
			rec_event(&r, &ev);
		if (rc < 0) {
			s->err = rc;
			goto out;
		}
		off += n;
	}
	if ((rc = eml_parser_finish(p)) != EML_OK) {
		s->err = rc;
		goto out;
	}
	while ((rc = eml_parser_next(p, &ev)) > 0)
		rec_event(&r, &ev);
	if (rc < 0)
		s->err = rc;
out:
	rec_final(&r, s);
	free(blk);
	eml_parser_free(p);
}

/* ------------------------------------------------------------------ */
/* One message: parse, round trip, chunk invariance.                   */

static void
check_message(struct stats *st, const char *path, unsigned long idx,
    const char *buf, size_t len)
{
	static const size_t big_chunks[] = { 3, 17, 4096 };
	static const size_t small_chunks[] = { 1, 7, 4096 };
	const size_t *chunks = len <= ONE_BYTE_MAX ? small_chunks : big_chunks;
	struct eml_msg *msg = NULL;
	struct eml_buf out = { 0 };
	struct evsum whole, part;
	char detail[160];
	size_t i;
	int rc, same = 1;

	st->msgs++;
	rc = eml_msg_parse_mem(buf, len, NULL, &msg);
	if (rc != EML_OK || msg == NULL) {
		fail_note(st, path, idx, "parse", eml_strerror(rc));
	} else {
		st->parsed++;
		rc = eml_msg_write(msg, &out);
		if (rc != EML_OK) {
			fail_note(st, path, idx, "write", eml_strerror(rc));
		} else if (out.len != len || (len > 0 &&
		    memcmp(out.data, buf, len) != 0)) {
			size_t k = 0;

			while (k < len && k < out.len && out.data[k] == buf[k])
				k++;
			snprintf(detail, sizeof(detail), "input %zu bytes, "
			    "output %zu, first difference at %zu", len,
			    out.len, k);
			fail_note(st, path, idx, "round-trip", detail);
		} else {
			st->roundtrip++;
		}
	}
	eml_buf_free(&out);
	eml_msg_free(msg);

	stream(buf, len, 0, &whole);
	if (whole.err != 0) {
		fail_note(st, path, idx, "stream", eml_strerror(whole.err));
		same = 0;
	}
	if (!whole.tiled || !whole.ended) {
		fail_note(st, path, idx, whole.ended ? "raw bytes of the "
		    "events do not tile the input" : "no END event", NULL);
	} else {
		st->concat_ok++;
	}
	for (i = 0; i < 3 && same; i++) {
		stream(buf, len, chunks[i], &part);
		if (part.err != 0 || memcmp(part.main, whole.main, 32) != 0 ||
		    memcmp(part.diag, whole.diag, 32) != 0 ||
		    part.tiled != whole.tiled) {
			snprintf(detail, sizeof(detail), "%zu-byte chunks: %s"
			    "%s%s (diags %lu vs %lu)", chunks[i],
			    part.err ? eml_strerror(part.err) : "",
			    memcmp(part.main, whole.main, 32) ? " events "
			    "differ" : "", memcmp(part.diag, whole.diag, 32) ?
			    " diagnostics differ" : "", part.ndiags,
			    whole.ndiags);
			fail_note(st, path, idx, "chunk-variance", detail);
			same = 0;
		}
	}
	if (same)
		st->chunk_ok++;
}

/* A file: one message, or an mbox split into its messages. */
static void
check_file(struct stats *st, const char *path)
{
	struct eml_mbox *mb;
	struct eml_mbox_event ev;
	struct eml_buf cur = { 0 };
	char *buf;
	size_t len;
	unsigned long idx = 0;
	int rc, in_msg = 0;

	if (getenv("EML_CORPUS_TRACE") != NULL) {
		fprintf(stderr, "corpus: %s\n", path);
		fflush(stderr);
	}
	buf = tu_slurp(path, &len);
	if (buf == NULL) {
		fail_note(st, path, 0, "unreadable", NULL);
		return;
	}
	st->files++;
	if (!eml_mbox_sniff(buf, len)) {
		check_message(st, path, 0, buf, len);
		free(buf);
		return;
	}
	mb = eml_mbox_new(0);
	if (mb == NULL || eml_mbox_feed(mb, buf, len) != EML_OK ||
	    eml_mbox_finish(mb) != EML_OK) {
		fail_note(st, path, 0, "mbox", "cannot start the splitter");
		goto out;
	}
	while ((rc = eml_mbox_next(mb, &ev)) > 0) {
		switch (ev.type) {
		case EML_MBOX_BEGIN:
			eml_buf_reset(&cur);
			in_msg = 1;
			idx = ev.index;
			break;
		case EML_MBOX_DATA:
			if (eml_buf_add(&cur, ev.data, ev.len) != EML_OK)
				fail_note(st, path, idx, "mbox", "ENOMEM");
			break;
		case EML_MBOX_END:
			if (in_msg)
				check_message(st, path, idx,
				    cur.data ? cur.data : "", cur.len);
			in_msg = 0;
			break;
		}
	}
	if (rc < 0)
		fail_note(st, path, idx, "mbox", eml_strerror(rc));
out:
	eml_buf_free(&cur);
	eml_mbox_free(mb);
	free(buf);
}

static int
has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Which files of the corpora are messages: not licences, notes,
 * expected outputs, codec vectors or charset samples. */
static int
is_message_path(const char *path)
{
	static const char *const skip_dir[] = {
		"/_license/", "/output/", "/mail-parser/fields/",
		"/gmime/encodings/", "/gmime/filters/", "/gmime/mime-part/",
	};
	static const char *const skip_ext[] = {
		".json", ".xml", ".out", ".bin", ".md", ".gz", ".html",
		".jpg", ".b64", ".uu", ".qp", ".sha256", ".parts", ".tree",
		".json-pretty", ".dict",
	};
	const char *base = strrchr(path, '/');
	size_t i;

	base = base != NULL ? base + 1 : path;
	for (i = 0; i < sizeof(skip_dir) / sizeof(skip_dir[0]); i++)
		if (strstr(path, skip_dir[i]) != NULL)
			return 0;
	for (i = 0; i < sizeof(skip_ext) / sizeof(skip_ext[0]); i++)
		if (has_suffix(base, skip_ext[i]))
			return 0;
	if (strncmp(base, "LICENSE", 7) == 0 ||
	    strncmp(base, "COPYING", 7) == 0 ||
	    strncmp(base, "README", 6) == 0 ||
	    strcmp(base, "attachment.txt") == 0)
		return 0;
	/* mime4j's .txt files are decoded bodies, not messages. */
	if (has_suffix(base, ".txt") && strstr(path, "/mime4j/") != NULL)
		return 0;
	return 1;
}

static void
walk_cb(const char *path, void *arg)
{
	if (is_message_path(path))
		check_file(arg, path);
}

static void
run_corpus(struct stats *st, const char *const *dirs, size_t ndirs)
{
	size_t i;

	for (i = 0; i < ndirs; i++)
		tu_walk(dirs[i], NULL, walk_cb, st);
	printf("corpus %s: %lu files, %lu messages, parsed %lu, "
	    "round-trip ok %lu, chunk-invariant %lu, raw tiles input %lu\n",
	    st->label, st->files, st->msgs, st->parsed, st->roundtrip,
	    st->chunk_ok, st->concat_ok);
	fflush(stdout);
}

static void
assert_all_ok(const struct stats *st)
{
	ck_assert_uint_gt(st->msgs, 0);
	ck_assert_uint_eq(st->parsed, st->msgs);
	ck_assert_uint_eq(st->roundtrip, st->msgs);
	ck_assert_uint_eq(st->chunk_ok, st->msgs);
	ck_assert_uint_eq(st->concat_ok, st->msgs);
}

START_TEST(test_own_corpus)
{
	struct stats st = { .label = "corpus/" };
	/* Not corpus/fuzz/<entry>/ of the field-level fuzzers: those are
	 * not messages (they are replayed by their own suites). */
	static const char *const dirs[] = {
		"corpus/mime", "corpus/demo", "corpus/third_party",
		"corpus/tools", "corpus/fuzz/message", "corpus/fuzz/mbox",
	};

	st.log = open_report("corpus-failures.txt");
	run_corpus(&st, dirs, sizeof(dirs) / sizeof(dirs[0]));
	if (st.log != NULL)
		fclose(st.log);
	/* mime/ (24 messages with the mbox), demo/, 44 third-party
	 * messages, and what the tool tests and fuzzers keep. */
	ck_assert_uint_ge(st.msgs, 69);
	assert_all_ok(&st);
}
END_TEST

START_TEST(test_shared_corpus)
{
	struct stats st = { .label = "shared" };
	const char *dir = tu_shared_corpus();

	if (dir == NULL) {
		printf("skipped: shared corpus not found\n");
		return;
	}
	st.log = open_report("corpus-shared-failures.txt");
	run_corpus(&st, &dir, 1);
	if (st.log != NULL)
		fclose(st.log);
	/* SOURCES.md there counts about 1,886 messages. */
	ck_assert_uint_ge(st.msgs, 1500);
	assert_all_ok(&st);
}
END_TEST

/* ------------------------------------------------------------------ */
/* A small JSON reader, enough for mail-parser's expected outputs.     */

enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	int t;
	double num;
	char *str;		/* J_STR, NUL-terminated UTF-8 */
	size_t len;
	struct jv *v;		/* J_ARR / J_OBJ members */
	char **keys;		/* J_OBJ */
	size_t n, cap;
};

struct jp {
	const char *s, *end;
	int err;
	unsigned depth;
};

static void
jv_free(struct jv *j)
{
	size_t i;

	for (i = 0; i < j->n; i++) {
		jv_free(&j->v[i]);
		if (j->keys != NULL)
			free(j->keys[i]);
	}
	free(j->v);
	free(j->keys);
	free(j->str);
	memset(j, 0, sizeof(*j));
}

static void
jws(struct jp *p)
{
	while (p->s < p->end && (*p->s == ' ' || *p->s == '\n' ||
	    *p->s == '\r' || *p->s == '\t'))
		p->s++;
}

static unsigned
jhex4(struct jp *p)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		int c = p->s < p->end ? *p->s++ : 0;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			p->err = 1;
	}
	return v;
}

static char *
jstring(struct jp *p, size_t *len_r)
{
	struct eml_buf b = { 0 };

	p->s++;		/* opening quote */
	while (p->s < p->end && *p->s != '"') {
		if (*p->s != '\\') {
			eml_buf_addc(&b, (unsigned char)*p->s++);
			continue;
		}
		p->s++;
		if (p->s >= p->end)
			break;
		switch (*p->s++) {
		case 'n': eml_buf_addc(&b, '\n'); break;
		case 'r': eml_buf_addc(&b, '\r'); break;
		case 't': eml_buf_addc(&b, '\t'); break;
		case 'b': eml_buf_addc(&b, '\b'); break;
		case 'f': eml_buf_addc(&b, '\f'); break;
		case 'u': {
			uint32_t cp = jhex4(p);

			if (cp >= 0xd800 && cp < 0xdc00 &&
			    p->end - p->s >= 6 && p->s[0] == '\\' &&
			    p->s[1] == 'u') {
				uint32_t lo;

				p->s += 2;
				lo = jhex4(p);
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
			}
			eml_buf_add_utf8(&b, cp);
			break;
		}
		default:
			eml_buf_addc(&b, (unsigned char)p->s[-1]);
			break;
		}
	}
	if (p->s >= p->end)
		p->err = 1;
	else
		p->s++;
	*len_r = b.len;
	return eml_buf_steal(&b);
}

static void jvalue(struct jp *p, struct jv *j);

static struct jv *
jpush(struct jv *j)
{
	if (j->n == j->cap) {
		size_t nc = j->cap * 2 + 8;
		struct jv *nv = realloc(j->v, nc * sizeof(*nv));

		if (nv == NULL)
			return NULL;
		j->v = nv;
		if (j->t == J_OBJ) {
			char **nk = realloc(j->keys, nc * sizeof(*nk));

			if (nk == NULL)
				return NULL;
			j->keys = nk;
		}
		j->cap = nc;
	}
	memset(&j->v[j->n], 0, sizeof(j->v[0]));
	return &j->v[j->n++];
}

static void
jvalue(struct jp *p, struct jv *j)
{
	jws(p);
	if (p->s >= p->end || ++p->depth > 200) {
		p->err = 1;
		return;
	}
	if (*p->s == '{' || *p->s == '[') {
		int obj = *p->s == '{';
		char close = obj ? '}' : ']';

		j->t = obj ? J_OBJ : J_ARR;
		p->s++;
		jws(p);
		if (p->s < p->end && *p->s == close) {
			p->s++;
			p->depth--;
			return;
		}
		while (!p->err) {
			char *key = NULL;
			size_t kl;
			struct jv *m;

			jws(p);
			if (obj) {
				if (p->s >= p->end || *p->s != '"') {
					p->err = 1;
					break;
				}
				key = jstring(p, &kl);
				jws(p);
				if (p->s >= p->end || *p->s++ != ':')
					p->err = 1;
			}
			if ((m = jpush(j)) == NULL) {
				free(key);
				p->err = 1;
				break;
			}
			if (obj)
				j->keys[j->n - 1] = key;
			jvalue(p, m);
			jws(p);
			if (p->s < p->end && *p->s == ',') {
				p->s++;
				continue;
			}
			if (p->s < p->end && *p->s == close) {
				p->s++;
				break;
			}
			p->err = 1;
		}
	} else if (*p->s == '"') {
		j->t = J_STR;
		j->str = jstring(p, &j->len);
	} else if (p->end - p->s >= 4 && memcmp(p->s, "null", 4) == 0) {
		j->t = J_NULL;
		p->s += 4;
	} else if (p->end - p->s >= 4 && memcmp(p->s, "true", 4) == 0) {
		j->t = J_BOOL;
		j->num = 1;
		p->s += 4;
	} else if (p->end - p->s >= 5 && memcmp(p->s, "false", 5) == 0) {
		j->t = J_BOOL;
		p->s += 5;
	} else {
		char *e;

		j->t = J_NUM;
		j->num = strtod(p->s, &e);
		if (e == p->s)
			p->err = 1;
		p->s = e;
	}
	p->depth--;
}

static const struct jv *
jget(const struct jv *j, const char *key)
{
	size_t i;

	if (j == NULL || j->t != J_OBJ)
		return NULL;
	for (i = 0; i < j->n; i++)
		if (strcmp(j->keys[i], key) == 0)
			return &j->v[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* mail-parser comparison.                                             */

/* One part of their result, flattened in pre-order like our tree. */
struct mp_part {
	const struct jv *part;	/* the "parts" element */
	char ctype[160];
	unsigned depth;
	int top;		/* first part of a message object */
	size_t nattach;		/* top: length of "attachments" */
};

struct mp_list {
	struct mp_part *v;
	size_t n, cap;
};

static const struct jv *
mp_header(const struct jv *part, const char *name)
{
	const struct jv *hs = jget(part, "headers");
	size_t i;

	if (hs == NULL || hs->t != J_ARR)
		return NULL;
	for (i = 0; i < hs->n; i++) {
		const struct jv *nm = jget(&hs->v[i], "name");

		if (nm != NULL && nm->t == J_STR && strcmp(nm->str, name) == 0)
			return jget(&hs->v[i], "value");
	}
	return NULL;
}

static void
mp_flatten(const struct jv *msg, unsigned depth, struct mp_list *l);

static void
mp_add(const struct jv *parts, size_t i, unsigned depth, int in_digest,
    int top, size_t nattach, struct mp_list *l)
{
	const struct jv *part = &parts->v[i], *ct, *body, *kids, *sub;
	struct mp_part *mp;
	size_t k;

	if (l->n == l->cap) {
		size_t nc = l->cap * 2 + 16;
		struct mp_part *nv = realloc(l->v, nc * sizeof(*nv));

		if (nv == NULL)
			return;
		l->v = nv;
		l->cap = nc;
	}
	mp = &l->v[l->n++];
	memset(mp, 0, sizeof(*mp));
	mp->part = part;
	mp->depth = depth;
	mp->top = top;
	mp->nattach = nattach;
	ct = jget(mp_header(part, "content_type"), "ContentType");
	if (ct != NULL && jget(ct, "c_type") != NULL &&
	    jget(ct, "c_type")->t == J_STR) {
		const struct jv *st = jget(ct, "c_subtype");
		char *c;

		snprintf(mp->ctype, sizeof(mp->ctype), "%s/%s",
		    jget(ct, "c_type")->str,
		    st != NULL && st->t == J_STR ? st->str : "");
		for (c = mp->ctype; *c; c++)
			*c = (char)LOWER(*c);
	} else {
		snprintf(mp->ctype, sizeof(mp->ctype), "%s", in_digest ?
		    "message/rfc822" : "text/plain");
	}
	body = jget(part, "body");
	if ((kids = jget(body, "Multipart")) != NULL && kids->t == J_ARR) {
		int digest = strcmp(mp->ctype, "multipart/digest") == 0;

		for (k = 0; k < kids->n; k++) {
			size_t ci = (size_t)kids->v[k].num;

			if (ci > i && ci < parts->n)
				mp_add(parts, ci, depth + 1, digest, 0, 0, l);
		}
	} else if ((sub = jget(body, "Message")) != NULL) {
		mp_flatten(sub, depth + 1, l);
	}
}

static void
mp_flatten(const struct jv *msg, unsigned depth, struct mp_list *l)
{
	const struct jv *parts = jget(msg, "parts");
	const struct jv *att = jget(msg, "attachments");

	if (parts == NULL || parts->t != J_ARR || parts->n == 0)
		return;
	mp_add(parts, 0, depth, 0, 1, att != NULL ? att->n : 0, l);
}

struct agree {
	unsigned long ok, total;
	unsigned long cat_ok[16], cat_total[16];
	FILE *log;
};

static const char *const cat_name[] = {
	"parts", "ctype", "subject", "from", "to", "cc", "date",
	"message-id", "text", "binary", "attachments",
};
enum { C_PARTS, C_CTYPE, C_SUBJECT, C_FROM, C_TO, C_CC, C_DATE,
	C_MSGID, C_TEXT, C_BINARY, C_ATTACH, C__N };

/* Write s[0..n) to f on one line, escaping controls, at most max. */
static void
put_escaped(FILE *f, const char *s, size_t n, size_t max)
{
	size_t i;

	for (i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			fputs("\\n", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	if (n > max)
		fputs("...", f);
}

static void
field(struct agree *a, const char *file, int cat, size_t part, int ok,
    const char *ours, size_t olen, const char *theirs, size_t tlen)
{
	size_t k = 0, from;

	a->total++;
	a->cat_total[cat]++;
	if (ok) {
		a->ok++;
		a->cat_ok[cat]++;
		return;
	}
	if (a->log == NULL)
		return;
	/* show both from a little before the first difference */
	while (k < olen && k < tlen && ours[k] == theirs[k])
		k++;
	from = k > 40 ? k - 40 : 0;
	fprintf(a->log, "%s part %zu %s (lengths %zu/%zu, differ at %zu):\n"
	    "  ours:   ", file, part, cat_name[cat], olen, tlen, k);
	put_escaped(a->log, ours + from, olen - from, 200);
	fputs("\n  theirs: ", a->log);
	put_escaped(a->log, theirs + from, tlen - from, 200);
	fputs("\n", a->log);
}

/* Collapse whitespace runs to one space and trim, in place. */
static size_t
squeeze(char *s, size_t n)
{
	size_t i, o = 0;
	int sp = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			sp = o > 0;
			continue;
		}
		if (sp)
			s[o++] = ' ';
		sp = 0;
		s[o++] = (char)c;
	}
	s[o] = '\0';
	return o;
}

static void
cmp_text(struct agree *a, const char *file, int cat, size_t idx,
    const char *ours, size_t olen, const char *theirs)
{
	char *o = strndup(ours, olen), *t = strdup(theirs);
	size_t on = squeeze(o, olen), tn = squeeze(t, strlen(t));

	field(a, file, cat, idx, on == tn && memcmp(o, t, on) == 0, o, on,
	    t, tn);
	free(o);
	free(t);
}

/* "name <addr>, ..." of their address value. */
static void
mp_addrs(const struct jv *v, struct eml_buf *b)
{
	const struct jv *l = jget(jget(v, "Address"), "List");
	size_t i;

	if (l == NULL || l->t != J_ARR) {
		const struct jv *g = jget(jget(v, "Address"), "Group");

		if (g != NULL && g->t == J_ARR) {
			for (i = 0; i < g->n; i++)
				mp_addrs(jget(&g->v[i], "addresses"), b);
		}
		if (v != NULL && v->t == J_ARR) {
			/* group members: plain list of {name,address} */
			for (i = 0; i < v->n; i++) {
				const struct jv *nm = jget(&v->v[i], "name");
				const struct jv *ad = jget(&v->v[i],
				    "address");

				if (b->len > 0)
					eml_buf_adds(b, ", ");
				if (nm != NULL && nm->t == J_STR)
					eml_buf_adds(b, nm->str);
				eml_buf_adds(b, " <");
				if (ad != NULL && ad->t == J_STR)
					eml_buf_adds(b, ad->str);
				eml_buf_adds(b, ">");
			}
		}
		return;
	}
	for (i = 0; i < l->n; i++) {
		const struct jv *nm = jget(&l->v[i], "name");
		const struct jv *ad = jget(&l->v[i], "address");

		if (b->len > 0)
			eml_buf_adds(b, ", ");
		if (nm != NULL && nm->t == J_STR)
			eml_buf_adds(b, nm->str);
		eml_buf_adds(b, " <");
		if (ad != NULL && ad->t == J_STR)
			eml_buf_adds(b, ad->str);
		eml_buf_adds(b, ">");
	}
}

static void
our_addrs(const struct eml_header *h, struct eml_buf *b)
{
	struct eml_addrlist l = { 0 };
	size_t i;

	if (h == NULL || eml_addr_parse(h->value, h->value_len, NULL, &l) !=
	    EML_OK)
		return;
	for (i = 0; i < l.n; i++) {
		if (b->len > 0)
			eml_buf_adds(b, ", ");
		if (l.v[i].name != NULL)
			eml_buf_adds(b, l.v[i].name);
		eml_buf_adds(b, " <");
		if (l.v[i].email != NULL)
			eml_buf_adds(b, l.v[i].email);
		eml_buf_adds(b, ">");
	}
	eml_addr_free(&l);
}

static void
cmp_addr(struct agree *a, const char *file, int cat, size_t idx,
    const struct eml_node *n, const struct jv *part, const char *mpname,
    const char *name)
{
	const struct jv *v = mp_header(part, mpname);
	struct eml_buf o = { 0 }, t = { 0 };

	if (v == NULL)
		return;
	mp_addrs(v, &t);
	if (n != NULL)
		our_addrs(eml_node_header(n, name), &o);
	cmp_text(a, file, cat, idx, o.data ? o.data : "", o.len,
	    t.data ? t.data : "");
	eml_buf_free(&o);
	eml_buf_free(&t);
}

static void
cmp_headers(struct agree *a, const char *file, size_t idx,
    const struct eml_node *n, const struct jv *part)
{
	const struct jv *v;
	const struct eml_header *h;
	struct eml_buf o = { 0 };
	char buf[64];

	if ((v = jget(mp_header(part, "subject"), "Text")) != NULL &&
	    v->t == J_STR) {
		h = n != NULL ? eml_node_header(n, "Subject") : NULL;
		if (h != NULL)
			eml_hdr_decode(h->value, h->value_len, NULL, &o, NULL);
		cmp_text(a, file, C_SUBJECT, idx, o.data ? o.data : "", o.len,
		    v->str);
		eml_buf_reset(&o);
	}
	cmp_addr(a, file, C_FROM, idx, n, part, "from", "From");
	cmp_addr(a, file, C_TO, idx, n, part, "to", "To");
	cmp_addr(a, file, C_CC, idx, n, part, "cc", "Cc");
	if ((v = jget(mp_header(part, "date"), "DateTime")) != NULL) {
		struct tm tm;
		struct eml_date d;
		time_t theirs;
		const struct jv *bg = jget(v, "tz_before_gmt");
		long off;
		int ok = 0;

		memset(&tm, 0, sizeof(tm));
		tm.tm_year = (int)jget(v, "year")->num - 1900;
		tm.tm_mon = (int)jget(v, "month")->num - 1;
		tm.tm_mday = (int)jget(v, "day")->num;
		tm.tm_hour = (int)jget(v, "hour")->num;
		tm.tm_min = (int)jget(v, "minute")->num;
		tm.tm_sec = (int)jget(v, "second")->num;
		off = (long)jget(v, "tz_hour")->num * 3600 +
		    (long)jget(v, "tz_minute")->num * 60;
		theirs = timegm(&tm) + (bg != NULL && bg->num ? off : -off);
		h = n != NULL ? eml_node_header(n, "Date") : NULL;
		snprintf(buf, sizeof(buf), "none");
		if (h != NULL && eml_date_parse(h->value, h->value_len, &d) ==
		    EML_OK) {
			ok = d.utc == theirs;
			snprintf(buf, sizeof(buf), "%lld", (long long)d.utc);
		}
		{
			char tb[32];

			snprintf(tb, sizeof(tb), "%lld", (long long)theirs);
			field(a, file, C_DATE, idx, ok, buf, strlen(buf), tb,
			    strlen(tb));
		}
	}
	if ((v = jget(mp_header(part, "message_id"), "Text")) != NULL &&
	    v->t == J_STR) {
		struct eml_idlist l = { 0 };

		h = n != NULL ? eml_node_header(n, "Message-ID") : NULL;
		if (h != NULL && eml_msgid_parse(h->value, h->value_len, &l) ==
		    EML_OK && l.n > 0)
			eml_buf_adds(&o, l.v[0]);
		eml_msgid_free(&l);
		cmp_text(a, file, C_MSGID, idx, o.data ? o.data : "", o.len,
		    v->str);
	}
	eml_buf_free(&o);
}

/* CRLF to LF in place; returns the new length. */
static size_t
unix_eol(char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++)
		if (!(s[i] == '\r' && i + 1 < n && s[i + 1] == '\n'))
			s[o++] = s[i];
	if (o < n)
		s[o] = '\0';
	return o;
}

static void
cmp_body(struct agree *a, const char *file, size_t idx,
    const struct eml_node *n, const struct jv *part)
{
	const struct jv *body = jget(part, "body"), *v;
	struct eml_buf o = { 0 };

	if ((v = jget(body, "Text")) != NULL || (v = jget(body, "Html")) !=
	    NULL) {
		if (v->t != J_STR)
			return;
		size_t ol, tl;
		char *t;

		if (n != NULL && eml_node_is_leaf(n))
			eml_node_text(n, &o, NULL);
		/* mail-parser turns CRLF into LF in text; compare the
		 * text, not the line ends. */
		ol = o.data != NULL ? unix_eol(o.data, o.len) : 0;
		/* the JSON string may hold U+0000: copy by length */
		if ((t = malloc(v->len + 1)) == NULL)
			return;
		memcpy(t, v->str, v->len + 1);
		tl = unix_eol(t, v->len);
		field(a, file, C_TEXT, idx, ol == tl && (ol == 0 ||
		    memcmp(o.data, t, ol) == 0), o.data ? o.data : "", ol, t,
		    tl);
		free(t);
	} else if ((v = jget(body, "Binary")) != NULL ||
	    (v = jget(body, "InlineBinary")) != NULL) {
		struct eml_buf t = { 0 };
		size_t i;

		if (v->t != J_ARR)
			return;
		for (i = 0; i < v->n; i++)
			eml_buf_addc(&t, (int)v->v[i].num);
		if (n != NULL && eml_node_is_leaf(n))
			eml_node_decode(n, &o);
		field(a, file, C_BINARY, idx, o.len == t.len && (o.len == 0 ||
		    memcmp(o.data, t.data, o.len) == 0), o.data ? o.data : "",
		    o.len, t.data ? t.data : "", t.len);
		eml_buf_free(&t);
	}
	eml_buf_free(&o);
}

/* Our attachments in the message whose top node is top: RFC 8621
 * 4.1.4's selection, which mail-parser implements too. */
static size_t
our_attachments(const struct eml_node *top)
{
	struct eml_bodies bd;
	size_t n;

	if (eml_node_bodies(top, &bd) != EML_OK)
		return 0;
	n = bd.nattachments;
	eml_bodies_free(&bd);
	return n;
}

static void
compare_mp(struct agree *a, const char *file, const char *buf, size_t len,
    const struct jv *root)
{
	struct mp_list l = { 0 };
	struct eml_msg *msg = NULL;
	const struct eml_node **ours = NULL;
	size_t no = 0, cap = 0, i, nmax;
	char ob[32], tb[32];
	const struct eml_node *n;

	mp_flatten(root, 0, &l);
	if (eml_msg_parse_mem(buf, len, NULL, &msg) != EML_OK) {
		free(l.v);
		return;
	}
	for (n = msg->root; n != NULL; n = eml_node_next(n)) {
		if (no == cap) {
			const struct eml_node **nv = realloc(ours,
			    (cap = cap * 2 + 16) * sizeof(*nv));

			if (nv == NULL)
				break;
			ours = nv;
		}
		ours[no++] = n;
	}
	snprintf(ob, sizeof(ob), "%zu", no);
	snprintf(tb, sizeof(tb), "%zu", l.n);
	field(a, file, C_PARTS, 0, no == l.n, ob, strlen(ob), tb, strlen(tb));
	nmax = no > l.n ? no : l.n;
	for (i = 0; i < nmax; i++) {
		const struct eml_node *on = i < no ? ours[i] : NULL;
		const struct mp_part *tp = i < l.n ? &l.v[i] : NULL;
		char o[200], t[200];

		snprintf(o, sizeof(o), "%s@%u", on ? on->info.ctype : "-",
		    on ? on->info.depth : 0);
		snprintf(t, sizeof(t), "%s@%u", tp ? tp->ctype : "-",
		    tp ? tp->depth : 0);
		field(a, file, C_CTYPE, i, strcmp(o, t) == 0, o, strlen(o), t,
		    strlen(t));
		if (tp == NULL)
			continue;
		cmp_headers(a, file, i, on, tp->part);
		cmp_body(a, file, i, on, tp->part);
		if (tp->top) {
			size_t oa = on != NULL ? our_attachments(on) : 0;

			snprintf(o, sizeof(o), "%zu", oa);
			snprintf(t, sizeof(t), "%zu", tp->nattach);
			field(a, file, C_ATTACH, i, oa == tp->nattach, o,
			    strlen(o), t, strlen(t));
		}
	}
	free(ours);
	free(l.v);
	eml_msg_free(msg);
}

static char *
to_crlf(const char *s, size_t len, size_t *len_r)
{
	char *o = malloc(len * 2 + 1);
	size_t i, n = 0;

	if (o == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			o[n++] = '\r';
		o[n++] = s[i];
	}
	o[n] = '\0';
	*len_r = n;
	return o;
}

static int
load_json(const char *path, struct jv *j)
{
	size_t len;
	char *s = tu_slurp(path, &len);
	struct jp p;

	memset(j, 0, sizeof(*j));
	if (s == NULL)
		return -1;
	p.s = s;
	p.end = s + len;
	p.err = 0;
	p.depth = 0;
	jvalue(&p, j);
	free(s);
	if (p.err) {
		jv_free(j);
		return -1;
	}
	return 0;
}

static void
mp_cb(const char *path, void *arg)
{
	struct agree *a = arg;
	char jpath[PATH_MAX];
	size_t len, clen, n = strlen(path);
	char *buf, *crlf;
	struct jv j;

	if (!has_suffix(path, ".eml") || n + 16 > sizeof(jpath))
		return;
	if ((buf = tu_slurp(path, &len)) == NULL)
		return;
	memcpy(jpath, path, n - 4);
	strcpy(jpath + n - 4, ".json");
	if (load_json(jpath, &j) == 0) {
		compare_mp(a, path, buf, len, &j);
		jv_free(&j);
	}
	strcpy(jpath + n - 4, ".crlf.json");
	if (load_json(jpath, &j) == 0 &&
	    (crlf = to_crlf(buf, len, &clen)) != NULL) {
		char label[PATH_MAX + 8];

		snprintf(label, sizeof(label), "%s (CRLF)", path);
		compare_mp(a, label, crlf, clen, &j);
		free(crlf);
		jv_free(&j);
	}
	free(buf);
}

START_TEST(test_mail_parser_agreement)
{
	struct agree a;
	const char *dir = tu_shared_corpus();
	char path[PATH_MAX];
	unsigned long permille;
	int c;

	if (dir == NULL) {
		printf("skipped: shared corpus not found\n");
		return;
	}
	memset(&a, 0, sizeof(a));
	a.log = open_report("mail-parser-disagreements.txt");
	snprintf(path, sizeof(path), "%s/mail-parser/eml", dir);
	tu_walk(path, NULL, mp_cb, &a);
	if (a.log != NULL)
		fclose(a.log);
	ck_assert_uint_gt(a.total, 1000);
	permille = a.ok * 1000 / a.total;
	printf("mail-parser agreement: %lu/%lu fields (%lu.%lu%%)\n", a.ok,
	    a.total, permille / 10, permille % 10);
	for (c = 0; c < C__N; c++)
		printf("  %-12s %lu/%lu\n", cat_name[c], a.cat_ok[c],
		    a.cat_total[c]);
	fflush(stdout);
	ck_assert_uint_ge(permille, MP_FLOOR_PERMILLE);
}
END_TEST

Suite *
eml_corpus_suite(void)
{
	Suite *s = suite_create("corpus");
	TCase *tc = tcase_create("corpus");

	/* The shared corpus is 31 MB, streamed four times. */
	tcase_set_timeout(tc, 1200);
	tcase_add_test(tc, test_own_corpus);
	tcase_add_test(tc, test_shared_corpus);
	tcase_add_test(tc, test_mail_parser_agreement);
	suite_add_tcase(s, tc);
	return s;
}
