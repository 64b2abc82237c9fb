/*
 * check_addr.c - address lists: RFC 5322 Appendix A, obsolete and broken
 * forms, linear time, and agreement with mail-parser's field vectors.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eml.h"
#include "check_util.h"

/* Expected results: one line per address, "name|email|group", "~" for
 * NULL.  bad: 1 EML_D_ADDR_INVALID must be set, 0 must not, -1 either. */
static const struct {
	const char *in;
	const char *out;
	int bad;
} vec[] = {
	/* RFC 5322 A.1.1 */
	{ "John Doe <jdoe@machine.example>",
	  "John Doe|jdoe@machine.example|~", 0 },
	{ "Mary Smith <mary@example.net>", "Mary Smith|mary@example.net|~", 0 },
	/* A.1.2 */
	{ "\"Joe Q. Public\" <john.q.public@example.com>",
	  "Joe Q. Public|john.q.public@example.com|~", 0 },
	{ "Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
	  "Mary Smith|mary@x.test|~\n~|jdoe@example.org|~\nWho?|one@y.test|~",
	  0 },
	{ "<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
	  "~|boss@nil.test|~\nGiant; \"Big\" Box|sysservices@example.net|~",
	  0 },
	/* A.1.3 */
	{ "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
	  "Ed Jones|c@a.test|A Group\n~|joe@where.test|A Group\n"
	  "John|jdoe@one.test|A Group", 0 },
	{ "Undisclosed recipients:;", "~|~|Undisclosed recipients", 0 },
	/* A.2 */
	{ "\"Mary Smith: Personal Account\" <smith@home.example>",
	  "Mary Smith: Personal Account|smith@home.example|~", 0 },
	/* A.5 white space and comments */
	{ "Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
	  "Pete|pete@silly.test|~", 0 },
	{ "A Group(Some people)\r\n     :Chris Jones "
	  "<c@(Chris's host.)public.example>,\r\n         joe@example.org,\r\n"
	  "  John <jdoe@one.test> (my dear friend); (the end of the group)",
	  "Chris Jones|c@public.example|A Group\n~|joe@example.org|A Group\n"
	  "John|jdoe@one.test|A Group", 0 },
	{ "(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;",
	  "~|~|Hidden recipients", 0 },
	/* A.6.1 */
	{ "Joe Q. Public <john.q.public@example.com>",
	  "Joe Q. Public|john.q.public@example.com|~", 0 },
	/* A.6.2 obsolete route, empty element, CFWS around dots */
	{ "Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
	  "Mary Smith|mary@example.net|~\n~|jdoe@test.example|~", 0 },
	/* A.6.3 */
	{ "John Doe <jdoe@machine(comment).  example>",
	  "John Doe|jdoe@machine.example|~", 0 },
	{ "Mary Smith\r\n  \r\n          <mary@example.net>",
	  "Mary Smith|mary@example.net|~", 0 },
	/* groups */
	{ "undisclosed-recipients:;", "~|~|undisclosed-recipients", 0 },
	{ "A Group: a@b, c@d;", "~|a@b|A Group\n~|c@d|A Group", 0 },
	{ "x@y, G: a@b; z@w", "~|x@y|~\n~|a@b|G\n~|z@w|~", 0 },
	{ "G: a@b", "~|a@b|G", 1 },		/* no ';' */
	{ "G1: a@b; G2:;", "~|a@b|G1\n~|~|G2", 0 },
	/* quoted local parts, escapes, domain literals, routes */
	{ "\"john doe\"@x", "~|\"john doe\"@x|~", 0 },
	{ "\"a\\\"b\" <q@x>", "a\"b|q@x|~", 0 },
	{ "jd@[192.0.2.1]", "~|jd@[192.0.2.1]|~", 0 },
	{ "Foo <jd@[IPv6:2001:db8::1]>", "Foo|jd@[IPv6:2001:db8::1]|~", 0 },
	{ "<@route1,@route2:user@host>", "~|user@host|~", 0 },
	{ "X <@a.example:u@h>, y@z", "X|u@h|~\n~|y@z|~", 0 },
	/* broken forms */
	{ "Doe, John <jd@x>", "Doe, John|jd@x|~", 1 },
	{ "Doe, John <jd@x>, Roe, Jane <jr@x>",
	  "Doe, John|jd@x|~\nRoe, Jane|jr@x|~", 1 },
	{ "a@x, Doe, John <jd@x>", "~|a@x|~\nDoe, John|jd@x|~", 1 },
	{ "John Q. Public <jqp@x>", "John Q. Public|jqp@x|~", 0 },
	{ "jd@x (John)", "John|jd@x|~", 0 },
	{ "jd@x (John (Jr.) Doe)", "John (Jr.) Doe|jd@x|~", 0 },
	{ "<a@b> (Name)", "Name|a@b|~", 0 },
	{ "jd@x", "~|jd@x|~", 0 },
	{ "  jd@x  ,  ", "~|jd@x|~", 0 },
	{ "<<<<a@b>>>>", "~|a@b|~", 1 },
	{ "<@[0", "", -1 },
	{ "0@[", "", 1 },
	{ "\"unterminated", "unterminated|~|~", 1 },
	{ "\"unterminated <a@b>", "unterminated|a@b|~", 1 },
	{ "\\", "", 1 },
	{ "\"x\\", "x|~|~", 1 },
	{ "(unterminated", "", -1 },
	{ "a@b c@d", "~|a@b|~\n~|c@d|~", 1 },
	{ "John jd@x", "John|jd@x|~", 1 },
	{ "<a@b> <c@d>", "~|a@b|~\n~|c@d|~", -1 },
	{ "<a@b, c@d", "~|a@b|~\n~|c@d|~", 1 },
	{ "<a@b> Doe", "Doe|a@b|~", 1 },
	{ "phil@example.com <phil@example.com>",
	  "phil@example.com|phil@example.com|~", 0 },
	{ "\"John\r\n Doe\"  <a@b>", "John Doe|a@b|~", 0 },
	{ "  \"  spaced   out \" <a@b>", "spaced out|a@b|~", 0 },
	{ "NO (posting not allowed)", "posting not allowed|~|~", 1 },
	{ "John Doe", "John Doe|~|~", 1 },
	{ "", "", 0 },
	{ " , ,, ", "", 0 },
	{ ";", "", 1 },
	{ ">", "", 1 },
	{ "@", "", 1 },
	{ "<>", "", 1 },
	{ "a@b>", "", -1 },
	/* encoded-words and 8-bit */
	{ "=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
	  "Keld J\xc3\xb8rn Simonsen|keld@dkuug.dk|~", 0 },
	{ "=?utf-8?q?a?= =?utf-8?q?b?= <a@b.com>", "ab|a@b.com|~", 0 },
	{ "\"=?ISO-8859-1?Q?a?= b\" <t@t.com>", "a b|t@t.com|~", 0 },
	{ "Andr\xc3\xa9 <a@b>", "Andr\xc3\xa9|a@b|~", 0 },
	{ "Andr\xe9 <a@b>", "Andr\xc3\xa9|a@b|~", 0 },
	{ "=?utf-8?q?Gr=C3=BCppe?=: a@b;", "~|a@b|Gr\xc3\xbcppe", 0 },
};

static void
ser(const struct eml_addrlist *l, char *out, size_t size)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < l->n && o < size; i++) {
		int n = snprintf(out + o, size - o, "%s%s|%s|%s",
		    i ? "\n" : "",
		    l->v[i].name ? l->v[i].name : "~",
		    l->v[i].email ? l->v[i].email : "~",
		    l->v[i].group ? l->v[i].group : "~");
		if (n < 0)
			break;
		o += (size_t)n;
	}
}

START_TEST(test_vectors)
{
	struct eml_addrlist l = { 0 };
	char got[2048];
	int bad;

	ck_assert_int_eq(eml_addr_parse(vec[_i].in, strlen(vec[_i].in),
	    NULL, &l), EML_OK);
	ser(&l, got, sizeof(got));
	ck_assert_msg(strcmp(got, vec[_i].out) == 0,
	    "%s: got\n%s\nwant\n%s", vec[_i].in, got, vec[_i].out);
	bad = (tu_defects64(&l.defects) & EML_BIT(EML_D_ADDR_INVALID)) != 0;
	if (vec[_i].bad >= 0)
		ck_assert_msg(bad == vec[_i].bad, "%s: invalid bit %d",
		    vec[_i].in, bad);
	eml_addr_free(&l);
	ck_assert_ptr_null(l.v);
}
END_TEST

/* Security-relevant recovery: which mailbox a display name belongs to,
 * and the codes set (exactly, among SPOOF, CONTROL, OBS_ROUTE, INVALID). */
#define SEC_BITS (EML_BIT(EML_D_ADDR_SPOOF) | EML_BIT(EML_D_ADDR_CONTROL) | \
    EML_BIT(EML_D_ADDR_OBS_ROUTE) | EML_BIT(EML_D_ADDR_INVALID))
#define SPOOF	EML_BIT(EML_D_ADDR_SPOOF)
#define CTRL	EML_BIT(EML_D_ADDR_CONTROL)
#define ROUTE	EML_BIT(EML_D_ADDR_OBS_ROUTE)
#define INVAL	EML_BIT(EML_D_ADDR_INVALID)
static const struct {
	const char *in;
	size_t len;		/* 0: strlen */
	const char *out;
	uint64_t codes;
} sec[] = {
	/* the name goes with the mailbox it precedes */
	{ "<user@spoofed> \"name\" <user@legit>", 0,
	  "~|user@spoofed|~\nname|user@legit|~", SPOOF },
	{ "<user@spoofed> name <user@legit>", 0,
	  "~|user@spoofed|~\nname|user@legit|~", SPOOF },
	{ "A <a@x> <b@y>", 0, "A|a@x|~\n~|b@y|~", SPOOF },
	{ "A <a@x> (c) B <b@y>, z@w", 0, "A|a@x|~\nB|b@y|~\n~|z@w|~", SPOOF },
	/* a@b@c and markup are never an address */
	{ "a@b@c", 0, "", INVAL },
	{ "X <a@b@c>", 0, "X|~|~", INVAL },
	{ "<user@[<script>alert(1)</script>]>", 0, "", CTRL | INVAL },
	{ "x@[1.2.3.4<b>]", 0, "", CTRL },
	{ "x@[IPv6:2001:db8::1]", 0, "~|x@[IPv6:2001:db8::1]|~", 0 },
	{ "\"<b>\"@x", 0, "", CTRL },
	{ "\"a\r\nb\"@x", 0, "", CTRL },
	{ "\"a\r\n b\"@x", 0, "~|\"a b\"@x|~", 0 },
	{ "a\0b@x", 4 + 1, "", CTRL },
	{ "a\x01@x", 0, "", CTRL },
	{ "a@b.", 0, "", INVAL },
	{ "a@.b", 0, "", INVAL },
	{ ".a@b", 0, "", INVAL },
	{ "a..b@docomo.ne.jp", 0, "~|a..b@docomo.ne.jp|~", 0 },
	{ "J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc" "cher.example>", 0,
	  "J\xc3\xb6rg|j\xc3\xb6rg@b\xc3\xbc" "cher.example|~", 0 },
	/* RFC 5322 4.4 obsolete routes: the addr-spec, flagged */
	{ "<@r1,@r2:user@d>", 0, "~|user@d|~", ROUTE },
	{ "Joe <@r1.example:joe@d.example>", 0, "Joe|joe@d.example|~",
	  ROUTE },
	/* an unbalanced quote does not lose the address */
	{ "\"Doe <jd@x>", 0, "Doe|jd@x|~", INVAL },
	{ "\"Doe, John <jd@x>, b@y", 0, "Doe, John|jd@x|~\n~|b@y|~", INVAL },
	/* comments are comments, not part of the name */
	{ "John (the man) Doe <jd@x>", 0, "John Doe|jd@x|~", 0 },
	{ "\"John\" (Jr.) <jd@x>", 0, "John|jd@x|~", 0 },
	{ "(Boss) <jd@x>", 0, "Boss|jd@x|~", 0 },
	{ "jd@x (John)", 0, "John|jd@x|~", 0 },
};

START_TEST(test_security)
{
	struct eml_addrlist l = { 0 };
	char got[2048];
	size_t len = sec[_i].len ? sec[_i].len : strlen(sec[_i].in);

	ck_assert_int_eq(eml_addr_parse(sec[_i].in, len, NULL, &l), EML_OK);
	ser(&l, got, sizeof(got));
	ck_assert_msg(strcmp(got, sec[_i].out) == 0,
	    "%s: got\n%s\nwant\n%s", sec[_i].in, got, sec[_i].out);
	ck_assert_msg((tu_defects64(&l.defects) & SEC_BITS) == sec[_i].codes,
	    "%s: codes %llx want %llx", sec[_i].in,
	    (unsigned long long)(tu_defects64(&l.defects) & SEC_BITS),
	    (unsigned long long)sec[_i].codes);
	eml_addr_free(&l);
}
END_TEST

/* Every prefix of every vector: nothing read past len (ASan checks). */
START_TEST(test_prefixes)
{
	const char *s = vec[_i].in;
	size_t n = strlen(s), k;

	for (k = 0; k <= n; k++) {
		struct eml_addrlist l = { 0 };
		char *c = malloc(k ? k : 1);

		ck_assert_ptr_nonnull(c);
		memcpy(c, s, k);
		ck_assert_int_eq(eml_addr_parse(c, k, NULL, &l), EML_OK);
		eml_addr_free(&l);
		free(c);
	}
}
END_TEST

/* A list of n addresses in the forms the parser treats differently. */
static char *
make_list(size_t n, size_t *len_r)
{
	struct eml_buf b = { 0 };
	char tmp[128];
	size_t i;

	for (i = 0; i < n; i++) {
		switch (i % 4) {
		case 0:
			snprintf(tmp, sizeof(tmp), "User %zu <u%zu@example.com>, ",
			    i, i);
			break;
		case 1:
			snprintf(tmp, sizeof(tmp), "Doe, J%zu <d%zu@x.test>, ",
			    i, i);
			break;
		case 2:
			snprintf(tmp, sizeof(tmp), "b%zu@y.test (Bare %zu), ",
			    i, i);
			break;
		default:
			snprintf(tmp, sizeof(tmp), "\"Q, %zu\" <q%zu@z.test>,\r\n ",
			    i, i);
			break;
		}
		ck_assert_int_eq(eml_buf_adds(&b, tmp), EML_OK);
	}
	*len_r = b.len;
	return eml_buf_steal(&b);
}

static double
time_parse(size_t n, size_t *got_r, uint64_t *def_r)
{
	struct timespec a, z;
	double best = 1e9, t;
	size_t len;
	char *s = make_list(n, &len);
	int rep, reps = n >= 100000 ? 3 : n >= 10000 ? 7 : 30;

	/* CPU time, best of several runs: the machine may be busy */
	for (rep = 0; rep < reps; rep++) {
		struct eml_addrlist l = { 0 };

		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
		ck_assert_int_eq(eml_addr_parse(s, len, NULL, &l), EML_OK);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &z);
		t = (double)(z.tv_sec - a.tv_sec) +
		    (double)(z.tv_nsec - a.tv_nsec) / 1e9;
		if (t < best)
			best = t;
		*got_r = l.n;
		*def_r = tu_defects64(&l.defects);
		if (l.n > 0)
			ck_assert_ptr_nonnull(l.v[l.n - 1].email);
		eml_addr_free(&l);
	}
	free(s);
	return best;
}

START_TEST(test_linear)
{
	size_t n1, n2, n3;
	uint64_t d1, d2, d3;
	double t1 = time_parse(1000, &n1, &d1);
	double t2 = time_parse(10000, &n2, &d2);
	double t3 = time_parse(100000, &n3, &d3);

	ck_assert_uint_eq(n1, 1000);
	ck_assert_uint_eq(n2, 10000);
	/* the cap: the rest is dropped and flagged */
	ck_assert_uint_eq(n3, EML_MAX_ADDRS);
	ck_assert(d3 & EML_BIT(EML_D_ADDR_INVALID));
	printf("address: 1k %.4fs, 10k %.4fs, 100k %.4fs\n", t1, t2, t3);
	/* below the cap every address is built; 10x input must not take
	 * more than ~20x time (quadratic would be 100x) */
	ck_assert_msg(t2 < t1 * 20 + 0.01, "1k->10k ratio %.1f", t2 / t1);
	ck_assert_msg(t3 < t2 * 20 + 0.01, "10k->100k ratio %.1f", t3 / t2);
}
END_TEST

/* ---- mail-parser's fields/address.json ---------------------------- */

/* A tiny JSON reader for the corpus files: values are parsed into a
 * tree of nodes. */
enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	int type;
	char *str;		/* J_STR; key for object members */
	char *key;
	struct jv *kid, *next;
};

static void
jfree(struct jv *v)
{
	while (v != NULL) {
		struct jv *n = v->next;

		jfree(v->kid);
		free(v->str);
		free(v->key);
		free(v);
		v = n;
	}
}

static void
jws(const char **p)
{
	while (**p == ' ' || **p == '\n' || **p == '\r' || **p == '\t')
		(*p)++;
}

static struct jv *
jparse(const char **p)
{
	struct jv *v = calloc(1, sizeof(*v)), **tail;

	ck_assert_ptr_nonnull(v);
	jws(p);
	if (**p == '"') {
		v->type = J_STR;
		v->str = tu_json_str(p);
	} else if (**p == '[' || **p == '{') {
		int obj = **p == '{';

		v->type = obj ? J_OBJ : J_ARR;
		tail = &v->kid;
		(*p)++;
		for (;;) {
			char *key = NULL;

			jws(p);
			if (**p == ']' || **p == '}' || **p == '\0') {
				if (**p)
					(*p)++;
				break;
			}
			if (**p == ',') {
				(*p)++;
				continue;
			}
			if (obj) {
				key = tu_json_str(p);
				jws(p);
				if (**p == ':')
					(*p)++;
			}
			*tail = jparse(p);
			(*tail)->key = key;
			tail = &(*tail)->next;
		}
	} else if (strncmp(*p, "null", 4) == 0) {
		v->type = J_NULL;
		*p += 4;
	} else if (strncmp(*p, "true", 4) == 0 || strncmp(*p, "false", 5) == 0) {
		v->type = J_BOOL;
		v->str = strdup(**p == 't' ? "1" : "0");
		*p += **p == 't' ? 4 : 5;
	} else {
		const char *s = *p;

		v->type = J_NUM;
		while (**p == '-' || (**p >= '0' && **p <= '9') || **p == '.')
			(*p)++;
		v->str = strndup(s, (size_t)(*p - s));
	}
	return v;
}

static struct jv *
jget(const struct jv *o, const char *key)
{
	struct jv *k;

	for (k = o != NULL ? o->kid : NULL; k != NULL; k = k->next)
		if (k->key != NULL && strcmp(k->key, key) == 0)
			return k;
	return NULL;
}

static void
add_field(struct eml_buf *b, const struct jv *v)
{
	eml_buf_adds(b, v != NULL && v->type == J_STR ? v->str : "~");
}

static void
add_entry(struct eml_buf *b, const struct jv *a, const struct jv *g)
{
	if (b->len > 0)
		eml_buf_addc(b, '\n');
	add_field(b, a != NULL ? jget(a, "name") : NULL);
	eml_buf_addc(b, '|');
	add_field(b, a != NULL ? jget(a, "address") : NULL);
	eml_buf_addc(b, '|');
	add_field(b, g);
}

/* mail-parser's expected value in our "name|email|group" lines. */
static char *
expected_lines(const struct jv *e)
{
	struct eml_buf b = { 0 };
	const struct jv *x, *g, *a;

	eml_buf_adds(&b, "");
	if ((x = jget(e, "List")) != NULL) {
		for (a = x->kid; a != NULL; a = a->next)
			add_entry(&b, a, NULL);
	} else if ((x = jget(e, "Group")) != NULL) {
		for (g = x->kid; g != NULL; g = g->next) {
			const struct jv *gn = jget(g, "name");

			a = jget(g, "addresses");
			if (a == NULL || a->kid == NULL)
				add_entry(&b, NULL, gn);
			for (a = a != NULL ? a->kid : NULL; a; a = a->next)
				add_entry(&b, a, gn);
		}
	}
	return eml_buf_steal(&b);
}
/* Measured: 40/60.  The rest are conventions where mail-parser appends
 * comments to names, keeps obs-routes and CFWS in addresses, keeps
 * leading blanks in quoted names, or reads a comment as a mailbox; and
 * (10 of them) where it keeps List-* URLs ("<mailto:a@b?subject=x>",
 * "<http://...>") and RFC 822 local names ("NO") as addresses: our
 * email field only ever holds an addr-spec. */
#define ADDR_AGREE_MIN	40

START_TEST(test_mail_parser)
{
	const char *dir = tu_shared_corpus();
	char path[4096], got[4096];
	const char *p;
	char *json;
	struct jv *root, *e;
	size_t len, total = 0, agree = 0;
	int verbose = getenv("EML_TEST_VERBOSE") != NULL;

	if (dir == NULL) {
		printf("skipped: address: no shared corpus\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/mail-parser/fields/address.json", dir);
	if ((json = tu_slurp(path, &len)) == NULL) {
		printf("skipped: address: %s unreadable\n", path);
		return;
	}
	p = json;
	root = jparse(&p);
	ck_assert_int_eq(root->type, J_ARR);
	for (e = root->kid; e != NULL; e = e->next) {
		const struct jv *h = jget(e, "header");
		struct eml_addrlist l = { 0 };
		char *want;

		ck_assert_ptr_nonnull(h);
		ck_assert_int_eq(eml_addr_parse(h->str, tu_field_len(h->str),
		    NULL, &l), EML_OK);
		ser(&l, got, sizeof(got));
		want = expected_lines(jget(e, "expected"));
		total++;
		if (strcmp(got, want) == 0)
			agree++;
		else if (verbose)
			printf("address differs: %s\n  ours:\n%s\n  theirs:\n%s\n",
			    h->str, got, want);
		free(want);
		eml_addr_free(&l);
	}
	printf("address: mail-parser agreement %zu/%zu\n", agree, total);
	ck_assert_uint_eq(total, 60);
	ck_assert_uint_ge(agree, ADDR_AGREE_MIN);
	jfree(root);
	free(json);
}
END_TEST

Suite *
eml_addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("core");
	TCase *tl = tcase_create("linear");

	tcase_add_loop_test(tc, test_vectors, 0,
	    (int)(sizeof(vec) / sizeof(vec[0])));
	tcase_add_loop_test(tc, test_security, 0,
	    (int)(sizeof(sec) / sizeof(sec[0])));
	tcase_add_loop_test(tc, test_prefixes, 0,
	    (int)(sizeof(vec) / sizeof(vec[0])));
	tcase_add_test(tc, test_mail_parser);
	tcase_add_test(tl, test_linear);
	tcase_set_timeout(tl, 60);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tl);
	return s;
}
