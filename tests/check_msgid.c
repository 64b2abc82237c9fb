/*
 * check_msgid.c - Message-ID / In-Reply-To / References lists, and
 * agreement with mail-parser's fields/id.json.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml.h"
#include "check_util.h"

/* out: ids joined by " "; bad: EML_D_MSGID_INVALID expected (-1 any). */
static const struct {
	const char *in;
	const char *out;
	int bad;
} vec[] = {
	/* RFC 5322 A.1.1, A.2, A.5 */
	{ "<1234@local.machine.example>", "1234@local.machine.example", 0 },
	{ "<1234@local.machine.example> <3456@example.net>",
	  "1234@local.machine.example 3456@example.net", 0 },
	{ "<1234@local.machine.example>\r\n <3456@example.net>",
	  "1234@local.machine.example 3456@example.net", 0 },
	{ "              <testabcd.1234@silly.test>",
	  "testabcd.1234@silly.test", 0 },
	/* A.6.3: CFWS inside the obsolete id is dropped */
	{ "<1234   @   local(blah)  .machine .example>",
	  "1234@local.machine.example", 0 },
	/* In-Reply-To with phrases and comments (RFC 5322 4.5.4) */
	{ "<a@b> (John's message of \"Mon, 1 Jan\")", "a@b", 0 },
	{ "Your message of Mon, 1 Jan 2001 <x@y.z>", "x@y.z", 0 },
	{ "\"Bob <not@an.id>\" <x@y.z>", "x@y.z", 0 },
	{ "<a@b>,<c@d>", "a@b c@d", -1 },
	{ "<a@b\r\n .c>", "a@b.c", 0 },
	{ "<\"quoted local\"@b>", "\"quoted local\"@b", 0 },
	{ "<a@[1.2.3.4]>", "a@[1.2.3.4]", 0 },
	/* broken */
	{ "a@b", "a@b", 1 },
	{ "   malformed2@id.machine.example \t  ",
	  "malformed2@id.machine.example", 1 },
	{ "a@b c@d", "a@b c@d", 1 },
	{ "m", "m", 1 },
	{ "John Smith", "", -1 },
	{ "<>", "", 1 },
	{ "<no-at-sign>", "no-at-sign", 1 },
	{ "<a@b", "a@b", 1 },
	{ "<<a@b>>", "a@b", 1 },
	{ "<a@b <c@d>", "c@d", 1 },
	{ "<a@b> (unterminated", "a@b", -1 },
	{ "\"unterminated <a@b>", "", -1 },
	{ "\\", "\\", 1 },
	{ "", "", 0 },
	{ "  \r\n  ", "", 0 },
};

static void
ser(const struct eml_idlist *l, char *out, size_t size)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < l->n && o < size; i++) {
		int n = snprintf(out + o, size - o, "%s%s", i ? " " : "",
		    l->v[i]);

		if (n < 0)
			break;
		o += (size_t)n;
	}
}

START_TEST(test_vectors)
{
	struct eml_idlist l = { 0 };
	char got[1024];
	int bad;

	ck_assert_int_eq(eml_msgid_parse(vec[_i].in, strlen(vec[_i].in), &l),
	    EML_OK);
	ser(&l, got, sizeof(got));
	ck_assert_msg(strcmp(got, vec[_i].out) == 0, "%s: got '%s' want '%s'",
	    vec[_i].in, got, vec[_i].out);
	bad = (tu_defects64(&l.defects) & EML_BIT(EML_D_MSGID_INVALID)) != 0;
	if (vec[_i].bad >= 0)
		ck_assert_msg(bad == vec[_i].bad, "%s: invalid bit %d",
		    vec[_i].in, bad);
	eml_msgid_free(&l);
	ck_assert_ptr_null(l.v);
	eml_msgid_free(&l);
}
END_TEST

START_TEST(test_prefixes)
{
	const char *s = vec[_i].in;
	size_t n = strlen(s), k;

	for (k = 0; k <= n; k++) {
		struct eml_idlist l = { 0 };
		char *c = malloc(k ? k : 1);

		ck_assert_ptr_nonnull(c);
		memcpy(c, s, k);
		ck_assert_int_eq(eml_msgid_parse(c, k, &l), EML_OK);
		eml_msgid_free(&l);
		free(c);
	}
}
END_TEST

/* A long References field: all kept up to the cap, linear time. */
START_TEST(test_many)
{
	struct eml_buf b = { 0 };
	struct eml_idlist l = { 0 };
	char tmp[64];
	size_t i;

	for (i = 0; i < 20000; i++) {
		snprintf(tmp, sizeof(tmp), "<id%zu@example.com>\r\n ", i);
		ck_assert_int_eq(eml_buf_adds(&b, tmp), EML_OK);
	}
	ck_assert_int_eq(eml_msgid_parse(b.data, b.len, &l), EML_OK);
	ck_assert_uint_eq(l.n, 10000);
	ck_assert_str_eq(l.v[9999], "id9999@example.com");
	ck_assert(tu_defects64(&l.defects) & EML_BIT(EML_D_MSGID_INVALID));
	eml_msgid_free(&l);
	eml_buf_free(&b);
}
END_TEST

/* ---- mail-parser's fields/id.json --------------------------------- */

/* Measured: 10/11; mail-parser keeps the CFWS of the A.6.3 id. */
#define ID_AGREE_MIN	10

START_TEST(test_mail_parser)
{
	const char *dir = tu_shared_corpus(), *p, *e;
	char path[4096], got[1024];
	char *json, *hdr, *s;
	size_t len, total = 0, agree = 0;
	int verbose = getenv("EML_TEST_VERBOSE") != NULL;

	if (dir == NULL) {
		printf("skipped: id: no shared corpus\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/mail-parser/fields/id.json", dir);
	if ((json = tu_slurp(path, &len)) == NULL) {
		printf("skipped: id: %s unreadable\n", path);
		return;
	}
	for (p = json; (p = strstr(p, "\"header\":")) != NULL; ) {
		struct eml_idlist l = { 0 };
		struct eml_buf want = { 0 };

		p = strchr(p + 9, '"');
		ck_assert_ptr_nonnull(p);
		hdr = tu_json_str(&p);
		e = strstr(p, "\"expected\":");
		ck_assert_ptr_nonnull(e);
		e += 11;
		while (*e == ' ' || *e == '\n')
			e++;
		eml_buf_adds(&want, "");
		if (*e == '[') {
			for (e++; *e != ']' && *e != '\0'; ) {
				if (*e != '"') {
					e++;
					continue;
				}
				s = tu_json_str(&e);
				if (want.len > 0)
					eml_buf_addc(&want, ' ');
				eml_buf_adds(&want, s);
				free(s);
			}
		}
		ck_assert_int_eq(eml_msgid_parse(hdr, tu_field_len(hdr), &l),
		    EML_OK);
		ser(&l, got, sizeof(got));
		total++;
		if (strcmp(got, want.data) == 0)
			agree++;
		else if (verbose)
			printf("id differs: %s\n  ours '%s'\n  theirs '%s'\n",
			    hdr, got, want.data);
		eml_buf_free(&want);
		eml_msgid_free(&l);
		free(hdr);
		p = e;
	}
	printf("id: mail-parser agreement %zu/%zu\n", agree, total);
	ck_assert_uint_eq(total, 11);
	ck_assert_uint_ge(agree, ID_AGREE_MIN);
	free(json);
}
END_TEST

Suite *
eml_msgid_suite(void)
{
	Suite *s = suite_create("msgid");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_vectors, 0,
	    (int)(sizeof(vec) / sizeof(vec[0])));
	tcase_add_loop_test(tc, test_prefixes, 0,
	    (int)(sizeof(vec) / sizeof(vec[0])));
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_mail_parser);
	suite_add_tcase(s, tc);
	return s;
}
