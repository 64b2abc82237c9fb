/*
 * check_diag.c - diagnostics: one message per code under corpus/diag/
 * whose code must come out at its line (stream, one byte at a time, and
 * tree); the severity table against docs/LENIENCY.md; the body checker
 * against the decoders' own counters; the real-mail decoding cases of
 * issue 6 through the whole parser.
 *
 * corpus/diag/NAME.eml triggers the code named NAME (eml_diag_name) and
 * NAME.line holds the 1-based line it must be reported at.  Other
 * engineers add their own pairs; this file needs no change for them.
 * An optional NAME.opts sets parser limits for codes that only a limit
 * triggers ("max_header_bytes=64", one setting a line), so that their
 * messages stay small.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml_priv.h"
#include "check_util.h"

#define DIAG_DIR	"corpus/diag"

static enum eml_diag_code
code_by_name(const char *name, size_t n)
{
	int c;

	for (c = 1; c < EML_D__COUNT; c++)
		if (strlen(eml_diag_name(c)) == n &&
		    memcmp(eml_diag_name(c), name, n) == 0)
			return (enum eml_diag_code)c;
	return EML_D_NONE;
}

/* Diagnostics of a stream parse in chunks of chunk bytes, as
 * "code@line/offset " words. */
static char *
stream_diags(const char *in, size_t len, size_t chunk,
    const struct eml_parser_opts *opts, unsigned flags)
{
	struct eml_parser_opts o = *opts;
	struct eml_parser *p;

	o.flags |= flags;
	p = eml_parser_new(&o);
	struct eml_buf b = { 0 };
	struct eml_event ev;
	size_t pos = 0, k;
	char tmp[96];
	int r;

	ck_assert_ptr_nonnull(p);
	for (;;) {
		if (pos < len) {
			k = len - pos < chunk ? len - pos : chunk;
			ck_assert_int_eq(eml_parser_feed(p, in + pos, k), 0);
			pos += k;
		} else {
			eml_parser_finish(p);
		}
		while ((r = eml_parser_next(p, &ev)) > 0) {
			if (ev.type == EML_EV_DIAG) {
				snprintf(tmp, sizeof(tmp), "%s@%lu/%llu ",
				    eml_diag_name(ev.diag.code), ev.diag.line,
				    (unsigned long long)ev.diag.offset);
				eml_buf_adds(&b, tmp);
			}
			if (ev.type == EML_EV_END)
				goto done;
		}
		ck_assert_int_ge(r, 0);
	}
done:
	eml_parser_free(p);
	return eml_buf_steal(&b);
}

static char *
tree_diags(const char *in, size_t len, const struct eml_parser_opts *opts)
{
	struct eml_msg *m;
	struct eml_buf b = { 0 };
	char tmp[96];
	size_t i;

	ck_assert_int_eq(eml_msg_parse_mem(in, len, opts, &m), EML_OK);
	for (i = 0; i < m->ndiags; i++) {
		snprintf(tmp, sizeof(tmp), "%s@%lu/%llu ",
		    eml_diag_name(m->diags[i].code), m->diags[i].line,
		    (unsigned long long)m->diags[i].offset);
		eml_buf_adds(&b, tmp);
	}
	eml_msg_free(m);
	return eml_buf_steal(&b);
}

/* Is "name@line/" among the words of list? */
static int
has_at(const char *list, const char *name, unsigned long line)
{
	char want[96];
	const char *s;
	size_t n;

	n = (size_t)snprintf(want, sizeof(want), "%s@%lu/", name, line);
	for (s = list; (s = strstr(s, want)) != NULL; s += n)
		if (s == list || s[-1] == ' ')
			return 1;
	return 0;
}

/* The sorted words of list (body diagnostics come when their bytes are
 * seen, so their order among the others may follow the chunking). */
static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
sorted(const char *list)
{
	char *copy = strdup(list), *w[4096], *save = NULL, *t;
	struct eml_buf b = { 0 };
	size_t n = 0, i;

	ck_assert_ptr_nonnull(copy);
	for (t = strtok_r(copy, " ", &save); t != NULL && n < 4096;
	    t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	qsort(w, n, sizeof(w[0]), cmpstr);
	for (i = 0; i < n; i++) {
		eml_buf_adds(&b, w[i]);
		eml_buf_addc(&b, ' ');
	}
	free(copy);
	return eml_buf_steal(&b);
}

static int
is_eml(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcmp(name + n - 4, ".eml") == 0;
}

/* NAME.opts next to a corpus message, if any: limits, one a line. */
static void
read_opts(const char *path, struct eml_parser_opts *o)
{
	char opath[4096], *t, *line, *save = NULL;
	size_t n;

	memset(o, 0, sizeof(*o));
	snprintf(opath, sizeof(opath), "%.*s.opts", (int)(strlen(path) - 4),
	    path);
	if ((t = tu_slurp(opath, &n)) == NULL)
		return;
	for (line = strtok_r(t, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		unsigned long v;

		if (sscanf(line, "max_header_bytes=%lu", &v) == 1)
			o->max_header_bytes = v;
		else if (sscanf(line, "max_header_block=%lu", &v) == 1)
			o->max_header_block = v;
		else if (sscanf(line, "max_headers=%lu", &v) == 1)
			o->max_headers = (unsigned)v;
		else if (sscanf(line, "max_depth=%lu", &v) == 1)
			o->max_depth = (unsigned)v;
		else if (sscanf(line, "max_parts=%lu", &v) == 1)
			o->max_parts = (unsigned)v;
		else
			ck_abort_msg("%s: unknown setting %s", opath, line);
	}
	free(t);
}

struct walk {
	unsigned files;
	unsigned char have[EML_D__COUNT];
};

static void
check_one(const char *path, void *arg)
{
	struct walk *wk = arg;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t blen = strlen(base) - 4, len, llen;
	enum eml_diag_code code = code_by_name(base, blen);
	char lpath[4096], *msg, *lt, *whole, *bytes, *tree, *s1, *s2;
	unsigned long line;
	const char *name;
	struct eml_parser_opts o;

	ck_assert_msg(code != EML_D_NONE, "%s: no code is named %.*s", path,
	    (int)blen, base);
	/* message-level codes come from eml_lint_*, not the parser:
	 * tests/check_lint.c checks their messages the same way */
	if (eml_diag_is_lint(code)) {
		wk->have[code] = 1;
		wk->files++;
		return;
	}
	name = eml_diag_name(code);
	snprintf(lpath, sizeof(lpath), "%.*s.line", (int)(strlen(path) - 4),
	    path);
	lt = tu_slurp(lpath, &llen);
	ck_assert_msg(lt != NULL, "%s: no %s", path, lpath);
	line = strtoul(lt, NULL, 10);
	free(lt);
	ck_assert_msg(line > 0, "%s: bad line", lpath);
	msg = tu_slurp(path, &len);
	ck_assert_ptr_nonnull(msg);
	read_opts(path, &o);

	whole = stream_diags(msg, len, len ? len : 1, &o, EML_PARSE_DECODE);
	bytes = stream_diags(msg, len, 1, &o, EML_PARSE_DECODE);
	tree = tree_diags(msg, len, &o);
	ck_assert_msg(has_at(whole, name, line), "%s: no %s at line %lu in "
	    "the stream: %s", path, name, line, whole);
	ck_assert_msg(has_at(bytes, name, line), "%s: no %s at line %lu fed "
	    "a byte at a time: %s", path, name, line, bytes);
	ck_assert_msg(has_at(tree, name, line), "%s: no %s at line %lu in "
	    "the tree: %s", path, name, line, tree);
	/* the same diagnostics, with offsets, however it is fed */
	s1 = sorted(whole);
	s2 = sorted(bytes);
	ck_assert_msg(strcmp(s1, s2) == 0, "%s: [%s] vs [%s]", path, s1, s2);
	free(s2);
	s2 = sorted(tree);
	ck_assert_msg(strcmp(s1, s2) == 0, "%s: stream [%s] tree [%s]", path,
	    s1, s2);
	free(s1);
	free(s2);
	free(whole);
	free(bytes);
	free(tree);
	free(msg);
	wk->have[code] = 1;
	wk->files++;
}

START_TEST(test_corpus_lines)
{
	struct walk wk;

	memset(&wk, 0, sizeof(wk));
	tu_walk(DIAG_DIR, is_eml, check_one, &wk);
	ck_assert_uint_gt(wk.files, 20);
}
END_TEST

/* Which codes have a message (test_corpus_lines checks them). */
static void
note_one(const char *path, void *arg)
{
	struct walk *wk = arg;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	enum eml_diag_code code = code_by_name(base, strlen(base) - 4);

	if (code != EML_D_NONE)
		wk->have[code] = 1;
	wk->files++;
}

/* Every code has a corpus message (EML_DIAG_ALL=0 only prints the
 * missing ones, for a branch that adds a code before its message). */
START_TEST(test_corpus_complete)
{
	struct walk wk;
	struct eml_buf miss = { 0 };
	unsigned n = 0;
	int c;
	const char *all = getenv("EML_DIAG_ALL");

	memset(&wk, 0, sizeof(wk));
	tu_walk(DIAG_DIR, is_eml, note_one, &wk);
	for (c = 1; c < EML_D__COUNT; c++) {
		if (wk.have[c])
			continue;
		eml_buf_addc(&miss, ' ');
		eml_buf_adds(&miss, eml_diag_name(c));
		n++;
	}
	if (n > 0)
		printf("diag: %u of %d codes have no corpus/diag message:%s\n",
		    n, EML_D__COUNT - 1, miss.data);
	if (all == NULL || strcmp(all, "0") != 0)
		ck_assert_msg(n == 0, "codes without a message:%s", miss.data);
	eml_buf_free(&miss);
}
END_TEST

/* Names are unique and well formed; every code has text and severity. */
START_TEST(test_table)
{
	int c, d;
	const char *n;

	for (c = 0; c < EML_D__COUNT; c++) {
		n = eml_diag_name(c);
		ck_assert_ptr_nonnull(n);
		ck_assert_msg(strcmp(n, "unknown") != 0 && *n != '\0',
		    "code %d has no name", c);
		ck_assert_uint_eq(strspn(n, "abcdefghijklmnopqrstuvwxyz"
		    "0123456789-"), strlen(n));
		ck_assert_ptr_nonnull(eml_diag_text(c));
		ck_assert(*eml_diag_text(c) != '\0');
		ck_assert_int_le(eml_diag_severity(c), EML_SEV_CRIT);
		for (d = 0; d < c; d++)
			ck_assert_str_ne(n, eml_diag_name(d));
	}
	ck_assert_str_eq(eml_diag_name(EML_D__COUNT), "unknown");
}
END_TEST

static const char *
sev_name(enum eml_severity s)
{
	return s == EML_SEV_INFO ? "info" : s == EML_SEV_WARN ? "warn" :
	    "crit";
}

/*
 * docs/LENIENCY.md agrees with diag.c: its table rows "| `name`[, `name`]
 * | sev | ... |" name every code once, with the code's severity, and
 * name nothing else.
 */
START_TEST(test_leniency_doc)
{
	size_t len;
	char *doc = tu_slurp("docs/LENIENCY.md", &len), *line, *save = NULL;
	unsigned rows[EML_D__COUNT];
	struct eml_buf err = { 0 };
	char tmp[256];
	int c;

	ck_assert_msg(doc != NULL, "docs/LENIENCY.md not readable");
	memset(rows, 0, sizeof(rows));
	for (line = strtok_r(doc, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *bar, *sev, *q, *e;
		size_t sl;

		if (strncmp(line, "| ", 2) != 0 || line[2] != '`')
			continue;
		if ((bar = strchr(line + 2, '|')) == NULL)
			continue;
		sev = bar + 1;
		while (*sev == ' ')
			sev++;
		sl = strcspn(sev, " |");
		for (q = line + 2; q < bar && (q = memchr(q, '`',
		    (size_t)(bar - q))) != NULL; q = e + 1) {
			enum eml_diag_code code;

			if ((e = memchr(q + 1, '`', (size_t)(bar - q - 1))) ==
			    NULL)
				break;
			code = code_by_name(q + 1, (size_t)(e - q - 1));
			if (code == EML_D_NONE) {
				snprintf(tmp, sizeof(tmp), " [no code %.*s]",
				    (int)(e - q - 1), q + 1);
				eml_buf_adds(&err, tmp);
				continue;
			}
			rows[code]++;
			if (sl != 4 || strncmp(sev,
			    sev_name(eml_diag_severity(code)), 4) != 0) {
				snprintf(tmp, sizeof(tmp), " [%s: doc %.*s, "
				    "diag.c %s]", eml_diag_name(code),
				    (int)sl, sev,
				    sev_name(eml_diag_severity(code)));
				eml_buf_adds(&err, tmp);
			}
		}
	}
	for (c = 1; c < EML_D__COUNT; c++) {
		if (rows[c] == 1)
			continue;
		snprintf(tmp, sizeof(tmp), " [%s: %u rows]", eml_diag_name(c),
		    rows[c]);
		eml_buf_adds(&err, tmp);
	}
	ck_assert_msg(err.len == 0, "LENIENCY.md vs diag.c:%s", err.data);
	eml_buf_free(&err);
	free(doc);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The body checker against the decoders' counters.                   */

struct seen {
	unsigned n[EML_D__COUNT];
	unsigned long first_line[EML_D__COUNT];
};

static void
seen_cb(void *arg, enum eml_diag_code code, unsigned long line, uint64_t off)
{
	struct seen *s = arg;

	if (s->n[code]++ == 0)
		s->first_line[code] = line;
	(void)off;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static const char alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64-ish text: lines of alphabet with some '=', garbage, blanks and
 * footer-like lines. */
static size_t
gen_b64(char *s, size_t cap)
{
	size_t n = 0, i, ll;
	unsigned lines = 1 + rnd() % 12, l;

	for (l = 0; l < lines && n + 90 < cap; l++) {
		ll = 4 + rnd() % 76;
		for (i = 0; i < ll; i++) {
			uint32_t r = rnd() % 200;

			s[n++] = r == 0 ? '=' : r == 1 ? '!' : r == 2 ? ' ' :
			    r == 3 ? '\r' : alpha[rnd() % 64];
		}
		if (rnd() % 9 == 0)
			s[n - ll] = "_-[ \t="[rnd() % 6];
		if (rnd() % 2)
			s[n++] = '\r';
		s[n++] = '\n';
	}
	return n;
}

START_TEST(test_checker_vs_b64)
{
	char in[2048], out[2048];
	unsigned iter;

	for (iter = 0; iter < 3000; iter++) {
		size_t n = gen_b64(in, sizeof(in)), o, chunk, i, k;
		struct eml_b64_dec d;
		struct emli_bodycheck c;
		struct seen sn;

		eml_b64_dec_init(&d);
		o = eml_b64_dec_step(&d, in, n, out);
		o += eml_b64_dec_finish(&d, out + o);
		chunk = 1 + iter % 17;
		memset(&sn, 0, sizeof(sn));
		emli_bodycheck_init(&c, EML_CTE_BASE64, 0, 0, 100000);
		for (i = 0; i < n; i += k) {
			k = n - i < chunk ? n - i : chunk;
			emli_bodycheck_feed(&c, in + i, k, i, 1, seen_cb, &sn);
		}
		emli_bodycheck_finish(&c, n, 1, seen_cb, &sn);
		ck_assert_msg((d.trailing > 0) ==
		    (sn.n[EML_D_B64_TRAILING_TEXT] > 0),
		    "trailing %llu vs %u: %.*s",
		    (unsigned long long)d.trailing,
		    sn.n[EML_D_B64_TRAILING_TEXT], (int)n, in);
		ck_assert_uint_le(sn.n[EML_D_B64_TRAILING_TEXT], 1);
		ck_assert_msg((d.badpad > 0) == (sn.n[EML_D_B64_PADDING] > 0),
		    "badpad %llu vs %u: %.*s", (unsigned long long)d.badpad,
		    sn.n[EML_D_B64_PADDING], (int)n, in);
		ck_assert_msg((d.garbage > 0) ==
		    (sn.n[EML_D_B64_GARBAGE] > 0), "garbage %llu vs %u: %.*s",
		    (unsigned long long)d.garbage, sn.n[EML_D_B64_GARBAGE],
		    (int)n, in);
	}
}
END_TEST

/* QP: the checker's bad escapes are the decoder's. */
START_TEST(test_checker_vs_qp)
{
	static const char pieces[] = "=aZ9F \t\r\nx=";
	char in[512], out[1024];
	unsigned iter;

	for (iter = 0; iter < 5000; iter++) {
		size_t n = 1 + rnd() % 60, o, i, k, chunk;
		struct eml_qp_dec d;
		struct emli_bodycheck c;
		struct seen sn;

		for (i = 0; i < n; i++)
			in[i] = pieces[rnd() % (sizeof(pieces) - 1)];
		eml_qp_dec_init(&d);
		o = eml_qp_dec_step(&d, in, n, out);
		o += eml_qp_dec_finish(&d, out + o);
		chunk = 1 + iter % 7;
		memset(&sn, 0, sizeof(sn));
		emli_bodycheck_init(&c, EML_CTE_QP, 1, 0, 100000);
		for (i = 0; i < n; i += k) {
			k = n - i < chunk ? n - i : chunk;
			emli_bodycheck_feed(&c, in + i, k, i, 1, seen_cb, &sn);
		}
		emli_bodycheck_finish(&c, n, 1, seen_cb, &sn);
		ck_assert_msg((d.bad > 0) == (sn.n[EML_D_QP_BAD_ESCAPE] > 0),
		    "bad %llu vs %u: [%.*s]", (unsigned long long)d.bad,
		    sn.n[EML_D_QP_BAD_ESCAPE], (int)n, in);
	}
}
END_TEST

/* Each occurrence is one diagnostic per line, with its line; a hostile
 * body cannot give more than the budget. */
START_TEST(test_checker_lines_budget)
{
	struct emli_bodycheck c;
	struct seen sn;
	static const char body[] = "ok\nn\0l\0\nok\nbare\rcr\r\n\0\n";
	size_t i, n = sizeof(body) - 1;
	char *big;

	memset(&sn, 0, sizeof(sn));
	emli_bodycheck_init(&c, EML_CTE_8BIT, 1, 0, 100);
	for (i = 0; i < n; i++)
		emli_bodycheck_feed(&c, body + i, 1, 100 + i, 0, seen_cb, &sn);
	emli_bodycheck_finish(&c, 100 + n, 0, seen_cb, &sn);
	/* the line argument is only taken at each feed's start */
	ck_assert_uint_eq(sn.n[EML_D_NUL_IN_BODY], 2);
	ck_assert_uint_eq(sn.n[EML_D_BARE_CR], 1);

	memset(&sn, 0, sizeof(sn));
	emli_bodycheck_init(&c, EML_CTE_8BIT, 1, 0, 100);
	emli_bodycheck_feed(&c, body, n, 0, 10, seen_cb, &sn);
	emli_bodycheck_finish(&c, n, 16, seen_cb, &sn);
	ck_assert_uint_eq(sn.n[EML_D_NUL_IN_BODY], 2);
	ck_assert_uint_eq(sn.first_line[EML_D_NUL_IN_BODY], 11);
	ck_assert_uint_eq(sn.first_line[EML_D_BARE_CR], 13);

	/* 200k lines with a NUL each, budget 50 */
	n = 200000 * 3;
	big = malloc(n);
	ck_assert_ptr_nonnull(big);
	for (i = 0; i < n; i += 3)
		memcpy(big + i, "a\0\n", 3);
	memset(&sn, 0, sizeof(sn));
	emli_bodycheck_init(&c, EML_CTE_7BIT, 1, 0, 50);
	emli_bodycheck_feed(&c, big, n, 0, 1, seen_cb, &sn);
	emli_bodycheck_finish(&c, n, 200001, seen_cb, &sn);
	ck_assert_uint_eq(sn.n[EML_D_NUL_IN_BODY], 50);
	free(big);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Issue 6's real-mail decoding cases through the whole parser.        */

/* Decoded body of section sec, through the stream (DECODE, in chunks)
 * and the tree; both must agree. */
static char *
decoded(const char *in, size_t chunk, const char *sec, size_t *len_r)
{
	struct eml_parser_opts o = { .flags = EML_PARSE_DECODE };
	struct eml_parser *p = eml_parser_new(&o);
	struct eml_buf b = { 0 }, t = { 0 };
	struct eml_event ev;
	struct eml_msg *m;
	struct eml_node *n;
	size_t len = strlen(in), pos = 0, k;
	int r;

	ck_assert_ptr_nonnull(p);
	for (;;) {
		if (pos < len) {
			k = len - pos < chunk ? len - pos : chunk;
			eml_parser_feed(p, in + pos, k);
			pos += k;
		} else {
			eml_parser_finish(p);
		}
		while ((r = eml_parser_next(p, &ev)) > 0) {
			if (ev.type == EML_EV_BODY &&
			    strcmp(ev.part->section, sec) == 0)
				eml_buf_add(&b, ev.data, ev.data_len);
			if (ev.type == EML_EV_END)
				goto done;
		}
		ck_assert_int_ge(r, 0);
	}
done:
	eml_parser_free(p);
	ck_assert_int_eq(eml_msg_parse_mem(in, len, NULL, &m), EML_OK);
	for (n = m->root; n != NULL; n = eml_node_next(n))
		if (n->first_child == NULL &&
		    strcmp(n->info.section, sec) == 0)
			break;
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(eml_node_decode(n, &t), EML_OK);
	ck_assert_uint_eq(t.len, b.len);
	ck_assert_mem_eq(t.data ? t.data : "", b.data ? b.data : "", b.len);
	eml_buf_free(&t);
	eml_msg_free(m);
	*len_r = b.len;
	if (b.data == NULL)
		return strdup("");
	return eml_buf_steal(&b);
}

static const char footer_msg[] =
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    "--b\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n"
    "SGVsbG8sIHdvcmxkIQ0K\r\n"
    "_______________________________________________\r\n"
    "List mailing list\r\n"
    "https://lists.example.org/mailman/listinfo/list\r\n"
    "--b\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    "soft break at the very end=\r\n"
    "--b--\r\n";

START_TEST(test_real_mail_decoding)
{
	static const struct eml_parser_opts none;
	size_t chunk, len;
	char *d;

	for (chunk = 1; chunk <= sizeof(footer_msg); chunk += 1 + chunk / 3) {
		/* the footer stays out of the base64 part's bytes */
		d = decoded(footer_msg, chunk, "1", &len);
		ck_assert_uint_eq(len, 15);
		ck_assert_mem_eq(d, "Hello, world!\r\n", 15);
		free(d);
		/* "=" before the delimiter is a soft break */
		d = decoded(footer_msg, chunk, "2", &len);
		ck_assert_uint_eq(len, 26);
		ck_assert_mem_eq(d, "soft break at the very end", 26);
		free(d);
	}
	d = stream_diags(footer_msg, sizeof(footer_msg) - 1, 7, &none,
	    EML_PARSE_DECODE);
	ck_assert_msg(has_at(d, "b64-trailing-text", 9), "%s", d);
	ck_assert_msg(strstr(d, "qp-bad-escape") == NULL, "%s", d);
	free(d);
}
END_TEST

Suite *
eml_diag_suite(void)
{
	Suite *s = suite_create("diag");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_leniency_doc);
	tcase_add_test(tc, test_corpus_lines);
	tcase_add_test(tc, test_corpus_complete);
	tcase_add_test(tc, test_checker_vs_b64);
	tcase_add_test(tc, test_checker_vs_qp);
	tcase_add_test(tc, test_checker_lines_budget);
	tcase_add_test(tc, test_real_mail_decoding);
	suite_add_tcase(s, tc);
	return s;
}
