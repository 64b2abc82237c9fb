/*
 * check_mbox.c - mbox splitter and writer.  Every case runs whole, split
 * at every offset and one byte at a time; all must agree.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml.h"
#include "check_util.h"

#define MAXMSG	64

struct split {
	size_t n;			/* messages */
	char *from[MAXMSG];		/* From_ lines */
	struct eml_buf msg[MAXMSG];	/* message bytes */
	struct eml_buf dump;		/* everything, for comparing runs */
	int bad;			/* protocol error seen */
};

static void
split_free(struct split *s)
{
	size_t i;

	for (i = 0; i < s->n && i < MAXMSG; i++) {
		free(s->from[i]);
		eml_buf_free(&s->msg[i]);
	}
	eml_buf_free(&s->dump);
	memset(s, 0, sizeof(*s));
}

static void
drain(struct eml_mbox *m, const char *in, size_t inlen, unsigned flags,
    struct split *s)
{
	struct eml_mbox_event ev;
	int r;
	char tag[128];

	while ((r = eml_mbox_next(m, &ev)) > 0) {
		/* Data slices may be cut anywhere: only BEGIN and END
		 * positions must not depend on the chunking. */
		if (ev.type != EML_MBOX_DATA) {
			snprintf(tag, sizeof(tag), "|%d:%lu:%llu:%zu:%lu@%llu|",
			    (int)ev.type, ev.index,
			    (unsigned long long)ev.offset, ev.len,
			    ev.from_unquoted,
			    (unsigned long long)ev.from_unquoted_offset);
			eml_buf_adds(&s->dump, tag);
		}
		switch (ev.type) {
		case EML_MBOX_BEGIN:
			if (s->n >= MAXMSG || ev.index != s->n + 1 ||
			    ev.offset + ev.len > inlen ||
			    memcmp(in + ev.offset, ev.data, ev.len) != 0) {
				s->bad = 1;
				break;
			}
			s->from[s->n] = strndup(ev.data, ev.len);
			s->n++;
			break;
		case EML_MBOX_DATA:
			if (s->n == 0 || ev.index != s->n || ev.len == 0) {
				s->bad = 1;
				break;
			}
			/* Data is input at its offset, except the '>' that
			 * mboxrd unquoting drops (offset is past it). */
			if (!(flags & EML_MBOX_RD) &&
			    (ev.offset + ev.len > inlen ||
			    memcmp(in + ev.offset, ev.data, ev.len) != 0))
				s->bad = 1;
			eml_buf_add(&s->msg[s->n - 1], ev.data, ev.len);
			eml_buf_add(&s->dump, ev.data, ev.len);
			break;
		case EML_MBOX_END:
			if (ev.index != s->n)
				s->bad = 1;
			break;
		}
	}
	if (r < 0)
		s->bad = 1;
}

/* Split in[0..len) feeding chunk bytes at a time (0 = whole); each chunk
 * is a fresh heap copy so stale pointers show up under ASan. */
static void
run_split(const char *in, size_t len, unsigned flags, size_t chunk,
    struct split *s)
{
	struct eml_mbox *m = eml_mbox_new(flags);
	size_t off = 0, n;

	memset(s, 0, sizeof(*s));
	ck_assert_ptr_nonnull(m);
	if (chunk == 0)
		chunk = len ? len : 1;
	while (off < len) {
		char *c;

		n = len - off < chunk ? len - off : chunk;
		c = malloc(n);
		memcpy(c, in + off, n);
		ck_assert_int_eq(eml_mbox_feed(m, c, n), EML_OK);
		drain(m, in, len, flags, s);
		free(c);
		off += n;
	}
	eml_mbox_finish(m);
	drain(m, in, len, flags, s);
	eml_mbox_free(m);
	ck_assert_msg(!s->bad, "event sequence broken (chunk %zu)", chunk);
}

/* Two feeds, cut at offset cut. */
static void
run_cut(const char *in, size_t len, unsigned flags, size_t cut,
    struct split *s)
{
	struct eml_mbox *m = eml_mbox_new(flags);
	char *a = malloc(cut + 1), *b = malloc(len - cut + 1);

	memset(s, 0, sizeof(*s));
	memcpy(a, in, cut);
	memcpy(b, in + cut, len - cut);
	eml_mbox_feed(m, a, cut);
	drain(m, in, len, flags, s);
	eml_mbox_feed(m, b, len - cut);
	drain(m, in, len, flags, s);
	eml_mbox_finish(m);
	drain(m, in, len, flags, s);
	eml_mbox_free(m);
	free(a);
	free(b);
	ck_assert_msg(!s->bad, "event sequence broken (cut %zu)", cut);
}

/* Split every way; all dumps must equal the whole-buffer one, which is
 * left in *s. */
static void
split_all_ways(const char *in, size_t len, unsigned flags, struct split *s,
    int every_cut)
{
	static const size_t chunks[] = { 1, 2, 3, 5, 7, 64, 4096 };
	struct split t;
	size_t i;

	run_split(in, len, flags, 0, s);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		run_split(in, len, flags, chunks[i], &t);
		ck_assert_msg(t.dump.len == s->dump.len && (t.dump.len == 0 ||
		    memcmp(t.dump.data, s->dump.data, t.dump.len) == 0),
		    "chunk %zu differs", chunks[i]);
		split_free(&t);
	}
	for (i = 0; every_cut && i <= len; i++) {
		run_cut(in, len, flags, i, &t);
		ck_assert_msg(t.dump.len == s->dump.len && (t.dump.len == 0 ||
		    memcmp(t.dump.data, s->dump.data, t.dump.len) == 0),
		    "cut at %zu differs", i);
		split_free(&t);
	}
}

static const struct {
	const char *in;
	unsigned flags;
	const char *want;	/* "FROM\n--\nBODY==\n" per message */
} cases[] = {
	{ "From a\nX: 1\n\nbody\n\nFrom b\nY: 2\n\nb2\n", 0,
	  "From a\n--\nX: 1\n\nbody\n==\nFrom b\n--\nY: 2\n\nb2\n==\n" },
	/* no blank line before: body text */
	{ "From a\nbody\nFrom b\n", 0, "From a\n--\nbody\nFrom b\n==\n" },
	{ "From a\n\n>From x\n>>From y\n>Fromage\n", EML_MBOX_RD,
	  "From a\n--\n\nFrom x\n>From y\n>Fromage\n==\n" },
	{ "From a\n\n>From x\n>>From y\n>Fromage\n", 0,
	  "From a\n--\n\n>From x\n>>From y\n>Fromage\n==\n" },
	{ "From a\n>From x\n", EML_MBOX_RD, "From a\n--\nFrom x\n==\n" },
	{ "From a\nx\n\n>From b\n", EML_MBOX_RD,
	  "From a\n--\nx\n\nFrom b\n==\n" },
	{ "From a\r\nX: 1\r\n\r\nb\r\n\r\nFrom b\r\nY\r\n", 0,
	  "From a\n--\nX: 1\r\n\r\nb\r\n==\nFrom b\n--\nY\r\n==\n" },
	{ "From a\nx\n\n\n\nFrom b\ny\n", 0,
	  "From a\n--\nx\n\n\n==\nFrom b\n--\ny\n==\n" },
	/* a final blank line ends the last message like a separator */
	{ "From a\nx\n\n", 0, "From a\n--\nx\n==\n" },
	{ "From a\nx\n\n\n", 0, "From a\n--\nx\n\n==\n" },
	{ "From a\nx", 0, "From a\n--\nx==\n" },
	{ "junk\n\nFrom a\nx\n", 0, "From a\n--\nx\n==\n" },
	{ "\n\nFrom a\nx\n", 0, "From a\n--\nx\n==\n" },
	{ "From a", 0, "From a\n--\n==\n" },
	{ "From a\n", 0, "From a\n--\n==\n" },
	{ "From a\n\nFrom b\n", 0, "From a\n--\n==\nFrom b\n--\n==\n" },
	{ "From a\n\rx\n\r\n", 0, "From a\n--\n\rx\n==\n" },
	{ "From a\nx\n\r\rFrom b\n", 0, "From a\n--\nx\n\r\rFrom b\n==\n" },
	{ "From a\n\nFromage\n", 0, "From a\n--\n\nFromage\n==\n" },
	{ "From a\n\nFrom\n", 0, "From a\n--\n\nFrom\n==\n" },
	{ "From a\nb\n\n>\n>>Fro\n", EML_MBOX_RD,
	  "From a\n--\nb\n\n>\n>>Fro\n==\n" },
	/* a UTF-8 BOM before the first From_ line is skipped (issue 6) */
	{ "\xEF\xBB\xBF" "From a\nx\n\nFrom b\ny\n", 0,
	  "From a\n--\nx\n==\nFrom b\n--\ny\n==\n" },
	{ "\xEF\xBB\xBF" "From a\nx\n\n\xEF\xBB\xBF" "From b\ny\n", 0,
	  "From a\n--\nx\n\n\xEF\xBB\xBF" "From b\ny\n==\n" },
	{ "\xEF\xBB" "From a\nx\n", 0, "" },
	{ "\xEF\xBB\xBF", 0, "" },
	{ "", 0, "" },
	{ "\n", 0, "" },
	{ "22\n", 0, "" },
	{ "Fro", 0, "" },
};

static void
check_case(const char *in, unsigned flags, const char *want)
{
	struct split s;
	struct eml_buf got = { 0 };
	size_t i;

	split_all_ways(in, strlen(in), flags, &s, 1);
	for (i = 0; i < s.n; i++) {
		eml_buf_adds(&got, s.from[i]);
		eml_buf_adds(&got, "\n--\n");
		eml_buf_add(&got, s.msg[i].data, s.msg[i].len);
		eml_buf_adds(&got, "==\n");
	}
	ck_assert_str_eq(got.len ? got.data : "", want);
	eml_buf_free(&got);
	split_free(&s);
}

START_TEST(test_cases)
{
	check_case(cases[_i].in, cases[_i].flags, cases[_i].want);
}
END_TEST

/* Unquoted "From " lines in bodies (mboxo) are counted at END with the
 * offset of the first; the split is the same however it is fed. */
static const struct {
	const char *in;
	unsigned flags;
	const char *want;	/* per message "count@offset " */
} unq[] = {
	{ "From a\nx\nFrom b\ny\n", 0, "1@9 " },
	{ "From a\nx\nFrom b\nFrom c\n\nFrom d\nz\n", 0, "2@9 0@0 " },
	{ "From a\nx\n\nFrom b\n", 0, "0@0 0@0 " },
	{ "From a\n>From x\n", EML_MBOX_RD, "0@0 " },
	{ "From a\r\nx\r\nFrom b\r\n", 0, "1@11 " },
	{ "From a\nFromage\nFrom\n", 0, "0@0 " },
};

START_TEST(test_from_unquoted)
{
	size_t len = strlen(unq[_i].in), chunk, pos, k;
	struct eml_buf got = { 0 };
	struct eml_mbox_event ev;
	struct eml_mbox *m;
	char tmp[64];

	for (chunk = 1; chunk <= len; chunk++) {
		m = eml_mbox_new(unq[_i].flags);
		ck_assert_ptr_nonnull(m);
		eml_buf_reset(&got);
		for (pos = 0;;) {
			int done = pos >= len;

			if (!done) {
				k = len - pos < chunk ? len - pos : chunk;
				ck_assert_int_eq(eml_mbox_feed(m,
				    unq[_i].in + pos, k), 0);
				pos += k;
			} else {
				eml_mbox_finish(m);
			}
			while (eml_mbox_next(m, &ev) > 0) {
				if (ev.type != EML_MBOX_END)
					continue;
				snprintf(tmp, sizeof(tmp), "%lu@%llu ",
				    ev.from_unquoted, (unsigned long long)
				    ev.from_unquoted_offset);
				eml_buf_adds(&got, tmp);
			}
			if (done)
				break;
		}
		ck_assert_str_eq(got.data ? got.data : "", unq[_i].want);
		eml_mbox_free(m);
	}
	eml_buf_free(&got);
}
END_TEST

/* mime4j's expected split keeps the separator blank line in each
 * message; ours drops it, so ours is theirs minus one final "\n". */
START_TEST(test_rlug)
{
	const char *dir = tu_shared_corpus();
	char path[4096];
	char *in, *want;
	size_t len, wlen, i;
	struct split s;

	if (dir == NULL) {
		printf("skipped: no shared corpus\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/mime4j/mbox/mbox.rlug", dir);
	in = tu_slurp(path, &len);
	ck_assert_ptr_nonnull(in);
	split_all_ways(in, len, 0, &s, 0);
	ck_assert_uint_eq(s.n, 5);
	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "%s/mime4j/mbox/mbox.rlug-%zu",
		    dir, i);
		want = tu_slurp(path, &wlen);
		ck_assert_ptr_nonnull(want);
		ck_assert_str_eq(s.from[i],
		    "From news@gmane.org Tue Mar 04 03:33:20 2003");
		ck_assert_uint_eq(s.msg[i].len, wlen - 1);
		ck_assert(want[wlen - 1] == '\n');
		ck_assert(memcmp(s.msg[i].data, want, wlen - 1) == 0);
		free(want);
	}
	split_free(&s);
	free(in);
}
END_TEST

static const struct {
	const char *name;
	size_t nmsg;
} sisimai[] = {
	{ "size-0", 0 },
	{ "size-1", 0 },	/* "\n" */
	{ "size-2", 0 },	/* "22\n": no From_ line, no message */
	{ "mbox-0", 37 },	/* CRLF bodies */
	{ "mbox-1", 1 },
};

START_TEST(test_sisimai)
{
	const char *dir = tu_shared_corpus();
	char path[4096];
	char *in;
	size_t len, i, total = 0;
	struct split s;

	if (dir == NULL) {
		printf("skipped: no shared corpus\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/sisimai/mailbox/%s", dir,
	    sisimai[_i].name);
	in = tu_slurp(path, &len);
	ck_assert_ptr_nonnull(in);
	split_all_ways(in, len, 0, &s, len < 4096);
	ck_assert_uint_eq(s.n, sisimai[_i].nmsg);
	for (i = 0; i < s.n; i++) {
		ck_assert(strncmp(s.from[i], "From ", 5) == 0);
		ck_assert_uint_gt(s.msg[i].len, 100);
		total += strlen(s.from[i]) + s.msg[i].len;
	}
	/* Only From_ lines, their EOLs and separators are not in messages:
	 * at most 4 bytes (CRLF + CRLF blank) per message go missing. */
	if (s.n > 0) {
		ck_assert_uint_le(total, len);
		ck_assert_uint_ge(total + 4 * s.n, len);
	}
	split_free(&s);
	free(in);
}
END_TEST

/* Long lines are passed through, a long From_ line is cut at 64 KiB,
 * and the results still do not depend on the chunking. */
START_TEST(test_long_lines)
{
	size_t big = 100000, i;
	struct eml_buf in = { 0 };
	struct split s;

	eml_buf_adds(&in, "From ");
	for (i = 0; i < 100000; i++)
		eml_buf_addc(&in, 'f');
	eml_buf_adds(&in, "\nSubject: x\n\n");
	for (i = 0; i < big; i++)
		eml_buf_addc(&in, 'a' + i % 26);
	eml_buf_adds(&in, "\n\n");
	for (i = 0; i < big; i++)
		eml_buf_addc(&in, '>');
	eml_buf_adds(&in, "From z\n\nFrom b\nq\n");
	split_all_ways(in.data, in.len, EML_MBOX_RD, &s, 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_uint_eq(strlen(s.from[0]), 65536);
	ck_assert_uint_eq(s.msg[0].len, 12 + big + 2 + big + 7);
	ck_assert(s.msg[0].data[12 + big + 2] == '>');
	ck_assert_str_eq(s.msg[1].data, "q\n");
	split_free(&s);
	eml_buf_free(&in);
}
END_TEST

static const struct {
	const char *msg;
	const char *want;
} wcases[] = {
	{ "A: b\n\nx\n", "From me\nA: b\n\nx\n\n" },
	{ "A: b\n\nFrom x\n>From y\n>>From z\nFromage\n",
	  "From me\nA: b\n\n>From x\n>>From y\n>>>From z\nFromage\n\n" },
	{ "A: b\r\n\r\nx\r\n", "From me\r\nA: b\r\n\r\nx\r\n\r\n" },
	{ "A: b\n\nno eol", "From me\nA: b\n\nno eol\n\n" },
	{ "From x\n", "From me\n>From x\n\n" },
};

START_TEST(test_write)
{
	struct eml_buf out = { 0 };

	ck_assert_int_eq(eml_mbox_write("From me\n", wcases[_i].msg,
	    strlen(wcases[_i].msg), &out), EML_OK);
	ck_assert_str_eq(out.data, wcases[_i].want);
	eml_buf_free(&out);
}
END_TEST

/* What eml_mbox_write writes, the mboxrd reader gives back. */
START_TEST(test_roundtrip)
{
	static const char *msgs[] = {
		"A: 1\n\nFrom the start\n>From quoted\n\n\nend\n",
		"B: 2\r\n\r\n>>From deep\r\n\r\n",
		"C: 3\n\n",
		"D: 4\n\nFrom\n>\nFrom \n",
	};
	struct eml_buf out = { 0 };
	struct split s;
	size_t i;

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(eml_mbox_write("From x@y Thu Jan  1 "
		    "00:00:00 1970", msgs[i], strlen(msgs[i]), &out), EML_OK);
	split_all_ways(out.data, out.len, EML_MBOX_RD, &s, 1);
	ck_assert_uint_eq(s.n, 4);
	for (i = 0; i < 4; i++) {
		ck_assert_str_eq(s.from[i],
		    "From x@y Thu Jan  1 00:00:00 1970");
		ck_assert_str_eq(s.msg[i].data, msgs[i]);
	}
	split_free(&s);
	ck_assert_int_eq(eml_mbox_write("Frm x", "a", 1, &out), EML_EINVAL);
	eml_buf_free(&out);
}
END_TEST

START_TEST(test_sniff)
{
	ck_assert_int_eq(eml_mbox_sniff("From a@b Thu", 12), 1);
	ck_assert_int_eq(eml_mbox_sniff("From ", 5), 1);
	ck_assert_int_eq(eml_mbox_sniff("From", 4), 0);
	ck_assert_int_eq(eml_mbox_sniff("\xEF\xBB\xBF" "From a", 9), 1);
	ck_assert_int_eq(eml_mbox_sniff("\xEF\xBB" "From a", 8), 0);
	ck_assert_int_eq(eml_mbox_sniff("From: a@b", 9), 0);
	ck_assert_int_eq(eml_mbox_sniff(">From a", 7), 0);
	ck_assert_int_eq(eml_mbox_sniff("", 0), 0);
}
END_TEST

START_TEST(test_misuse)
{
	struct eml_mbox *m = eml_mbox_new(0);
	struct eml_mbox_event ev;

	ck_assert_int_eq(eml_mbox_feed(m, "From a\nb\n", 9), EML_OK);
	/* not drained yet */
	ck_assert_int_eq(eml_mbox_feed(m, "x", 1), EML_EINVAL);
	while (eml_mbox_next(m, &ev) > 0)
		;
	ck_assert_int_eq(eml_mbox_feed(m, "x", 1), EML_OK);
	eml_mbox_free(m);
	eml_mbox_free(NULL);
}
END_TEST

Suite *
eml_mbox_suite(void)
{
	Suite *s = suite_create("mbox");
	TCase *tc = tcase_create("mbox");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_cases, 0,
	    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_rlug);
	tcase_add_loop_test(tc, test_from_unquoted, 0,
	    (int)(sizeof(unq) / sizeof(unq[0])));
	tcase_add_loop_test(tc, test_sisimai, 0,
	    sizeof(sisimai) / sizeof(sisimai[0]));
	tcase_add_test(tc, test_long_lines);
	tcase_add_loop_test(tc, test_write, 0,
	    sizeof(wcases) / sizeof(wcases[0]));
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_sniff);
	tcase_add_test(tc, test_misuse);
	suite_add_tcase(s, tc);
	return s;
}
