/*
 * check_maildir.c - Maildir delivery, listing, detection.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eml.h"
#include "check_util.h"

static char tmpdir[64];
static char md[128];

static void
setup(void)
{
	strcpy(tmpdir, "/tmp/eml_maildir_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(md, sizeof(md), "%s/Mail", tmpdir);
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

static size_t
count_dir(const char *sub)
{
	char **v;
	size_t n, i, c = 0;
	char path[256];

	/* eml_maildir_list only looks at new/ and cur/: count by prefix */
	if (eml_maildir_list(md, &v, &n) != EML_OK)
		return (size_t)-1;
	snprintf(path, sizeof(path), "%s/%s/", md, sub);
	for (i = 0; i < n; i++)
		if (strncmp(v[i], path, strlen(path)) == 0)
			c++;
	eml_maildir_list_free(v, n);
	return c;
}

START_TEST(test_deliver)
{
	static const char *msgs[] = { "A: 1\n\none\n", "B: 2\n\ntwo\n", "" };
	char *name, **v, *data, path[512];
	size_t n, i, len;
	struct stat st;

	ck_assert_int_eq(eml_maildir_is(md), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(eml_maildir_deliver(md, msgs[i],
		    strlen(msgs[i]), 1, &name), EML_OK);
		ck_assert_ptr_nonnull(name);
		/* time.M<usec>P<pid>Q<n>.host (Maildir's unique name) */
		ck_assert_ptr_nonnull(strstr(name, ".M"));
		ck_assert_ptr_nonnull(strchr(name, 'P'));
		ck_assert_ptr_nonnull(strchr(name, 'Q'));
		ck_assert_ptr_null(strchr(name, '/'));
		ck_assert_ptr_null(strchr(name, ':'));
		snprintf(path, sizeof(path), "%s/new/%s", md, name);
		data = tu_slurp(path, &len);
		ck_assert_ptr_nonnull(data);
		ck_assert_uint_eq(len, strlen(msgs[i]));
		ck_assert(memcmp(data, msgs[i], len) == 0);
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_int_eq(st.st_mode & 077, 0);	/* private */
		snprintf(path, sizeof(path), "%s/tmp/%s", md, name);
		ck_assert_int_ne(stat(path, &st), 0);	/* tmp cleaned */
		free(data);
		free(name);
	}
	ck_assert_int_eq(eml_maildir_is(md), 1);
	ck_assert_int_eq(eml_maildir_list(md, &v, &n), EML_OK);
	ck_assert_uint_eq(n, 3);
	for (i = 1; i < n; i++)
		ck_assert_int_le(strcmp(strrchr(v[i - 1], '/'),
		    strrchr(v[i], '/')), 0);
	eml_maildir_list_free(v, n);
	ck_assert_uint_eq(count_dir("new"), 3);
	ck_assert_uint_eq(count_dir("cur"), 0);
	/* name_r may be NULL */
	ck_assert_int_eq(eml_maildir_deliver(md, "x", 1, 0, NULL), EML_OK);
	ck_assert_uint_eq(count_dir("new"), 4);
}
END_TEST

/* Listing covers cur/ too, ignores dot files, sorts by file name. */
START_TEST(test_list)
{
	char path[256], **v;
	size_t n;
	FILE *f;
	static const char *files[] = { "cur/2.x:2,S", "new/1.x", "cur/.hidden",
	    "new/3.x" };
	size_t i;

	ck_assert_int_eq(eml_maildir_deliver(md, "x", 1, 1, NULL), EML_OK);
	ck_assert_int_eq(eml_maildir_list(md, &v, &n), EML_OK);
	ck_assert_uint_eq(n, 1);
	unlink(v[0]);
	eml_maildir_list_free(v, n);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", md, files[i]);
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fclose(f);
	}
	ck_assert_int_eq(eml_maildir_list(md, &v, &n), EML_OK);
	ck_assert_uint_eq(n, 3);
	snprintf(path, sizeof(path), "%s/new/1.x", md);
	ck_assert_str_eq(v[0], path);
	snprintf(path, sizeof(path), "%s/cur/2.x:2,S", md);
	ck_assert_str_eq(v[1], path);
	snprintf(path, sizeof(path), "%s/new/3.x", md);
	ck_assert_str_eq(v[2], path);
	eml_maildir_list_free(v, n);
}
END_TEST

START_TEST(test_errors)
{
	char **v = (char **)1;
	size_t n = 1;
	char *name = (char *)1;

	/* no create: the folders must exist */
	ck_assert_int_eq(eml_maildir_deliver(md, "x", 1, 0, &name), EML_EIO);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_null(name);
	ck_assert_int_eq(eml_maildir_list(md, &v, &n), EML_EIO);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(eml_maildir_is(tmpdir), 0);
	ck_assert_int_eq(eml_maildir_deliver(NULL, "x", 1, 0, NULL),
	    EML_EINVAL);
}
END_TEST

Suite *
eml_maildir_suite(void)
{
	Suite *s = suite_create("maildir");
	TCase *tc = tcase_create("maildir");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_deliver);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return s;
}
