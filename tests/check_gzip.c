/*
 * check_gzip.c - the gzip filter (lib/filter_gzip.c): what it writes is
 * what eml_input_open reads back, for any chunking of the writes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eml.h"

static void
roundtrip(const char *data, size_t len, size_t step)
{
	struct eml_buf z = { 0 };
	struct eml_sink *s = eml_filter_gzip(eml_sink_buf(&z), 6);
	char path[] = "/tmp/emlgzXXXXXX", *back;
	struct eml_input *in;
	size_t i, got = 0;
	long n;
	int fd;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < len; i += step)
		ck_assert_int_eq(eml_sink_write(s, data + i,
		    len - i < step ? len - i : step), EML_OK);
	ck_assert_int_eq(eml_sink_close(s), EML_OK);
	ck_assert_uint_ge(z.len, 18);	/* header + trailer at least */
	ck_assert_int_eq((unsigned char)z.data[0], 0x1f);
	ck_assert_int_eq((unsigned char)z.data[1], 0x8b);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, z.data, z.len), (ssize_t)z.len);
	close(fd);
	ck_assert_int_eq(eml_input_open(path, &in), EML_OK);
	ck_assert(eml_input_is_gzip(in));
	back = malloc(len + 1);
	while ((n = eml_input_read(in, back + got, len + 1 - got)) > 0)
		got += (size_t)n;
	ck_assert_int_eq(n, 0);
	ck_assert_uint_eq(got, len);
	ck_assert(memcmp(back, data, len) == 0);
	eml_input_close(in);
	unlink(path);
	free(back);
	eml_buf_free(&z);
}

START_TEST(t_gzip_roundtrip)
{
	size_t len = 300000, i;
	char *d = malloc(len);
	unsigned seed = 7;

	/* half text, half noise: both deflate paths */
	for (i = 0; i < len; i++)
		d[i] = i < len / 2 ? "From a line\n"[i % 12] :
		    (char)rand_r(&seed);
	roundtrip(d, len, len);
	roundtrip(d, len, 1 + (size_t)_i * 997);
	roundtrip("", 0, 1);
	free(d);
}
END_TEST

START_TEST(t_gzip_error_sticks)
{
	struct eml_buf z = { 0 };
	struct eml_sink *s;

	z.max = 10;	/* the header alone does not fit */
	s = eml_filter_gzip(eml_sink_buf(&z), 9);
	ck_assert_ptr_nonnull(s);
	eml_sink_write(s, "hello", 5);
	ck_assert_int_eq(eml_sink_close(s), EML_ELIMIT);
	eml_buf_free(&z);
}
END_TEST

Suite *
eml_gzip_suite(void)
{
	Suite *s = suite_create("gzip");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_gzip_roundtrip, 0, 4);
	tcase_add_test(tc, t_gzip_error_sticks);
	suite_add_tcase(s, tc);
	return s;
}
