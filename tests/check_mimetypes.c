/*
 * check_mimetypes.c - eml_mime_type_for_name (lib/mimetypes.c): the
 * type from the extension, without case, only the last component's.
 */
#include <check.h>
#include <string.h>

#include "eml.h"

START_TEST(t_mimetypes_known)
{
	ck_assert_str_eq(eml_mime_type_for_name("a.pdf"), "application/pdf");
	ck_assert_str_eq(eml_mime_type_for_name("A.PDF"), "application/pdf");
	ck_assert_str_eq(eml_mime_type_for_name("x.tar.gz"),
	    "application/gzip");
	ck_assert_str_eq(eml_mime_type_for_name("dir/p.JPG"), "image/jpeg");
	ck_assert_str_eq(eml_mime_type_for_name("7z.7z"),
	    "application/x-7z-compressed");
	ck_assert_str_eq(eml_mime_type_for_name("z.zst"), "application/zstd");
	ck_assert_str_eq(eml_mime_type_for_name("m.eml"), "message/rfc822");
}
END_TEST

START_TEST(t_mimetypes_unknown)
{
	ck_assert_str_eq(eml_mime_type_for_name("noext"),
	    "application/octet-stream");
	ck_assert_str_eq(eml_mime_type_for_name(".pdf"),
	    "application/octet-stream");
	ck_assert_str_eq(eml_mime_type_for_name("a."),
	    "application/octet-stream");
	ck_assert_str_eq(eml_mime_type_for_name("a.pdf/b"),
	    "application/octet-stream");
	ck_assert_str_eq(eml_mime_type_for_name("a.unknownext"),
	    "application/octet-stream");
	ck_assert_str_eq(eml_mime_type_for_name(NULL),
	    "application/octet-stream");
}
END_TEST

Suite *
eml_mimetypes_suite(void)
{
	Suite *s = suite_create("mimetypes");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, t_mimetypes_known);
	tcase_add_test(tc, t_mimetypes_unknown);
	suite_add_tcase(s, tc);
	return s;
}
