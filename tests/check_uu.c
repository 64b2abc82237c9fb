/*
 * check_uu.c - uuencode blocks found in text, decoded line by line.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml.h"
#include "check_util.h"

struct res {
	unsigned char *out;
	size_t len;
	struct eml_uu_dec s;
};

/* Decode in chunks of size chunk (0 = whole); caller frees r->out. */
static void
dec_chunked(const void *in, size_t len, size_t chunk, struct res *r)
{
	const unsigned char *p = in;
	unsigned char *t;
	size_t i, k, n;

	r->out = malloc(EML_UU_DECODED_MAX(len) + 64);
	if (r->out == NULL)
		ck_abort_msg("out of memory");
	r->len = 0;
	eml_uu_dec_init(&r->s);
	if (chunk == 0)
		chunk = len ? len : 1;
	for (i = 0; i < len; i += k) {
		k = len - i < chunk ? len - i : chunk;
		/* Into a buffer of exactly the promised size, so that
		 * ASan sees any write past it. */
		if ((t = malloc(EML_UU_DECODED_MAX(k))) == NULL)
			ck_abort_msg("out of memory");
		n = eml_uu_dec_step(&r->s, p + i, k, t);
		/* Plain ifs: Check records every passing ck_assert. */
		if (n > EML_UU_DECODED_MAX(k))
			ck_abort_msg("step wrote %zu for %zu", n, k);
		memcpy(r->out + r->len, t, n);
		free(t);
		r->len += n;
	}
	if ((t = malloc(64)) == NULL)
		ck_abort_msg("out of memory");
	n = eml_uu_dec_finish(&r->s, t);
	if (n > 64)
		ck_abort_msg("finish wrote %zu", n);
	memcpy(r->out + r->len, t, n);
	free(t);
	r->len += n;
}

static const struct {
	const char *in, *out;
	const char *name;
	unsigned mode;
	int truncated;
	unsigned blocks;
} vec[] = {
	/* "abc": 0x61 0x62 0x63 -> 24 22 9 35 -> "86)C". */
	{ "hello\nbegin 644 a.txt\n#86)C\n`\nend\nbye\n", "abc", "a.txt",
	  0644, 0, 1 },
	{ "begin 644 a.txt\r\n#86)C\r\n`\r\nend\r\n", "abc", "a.txt",
	  0644, 0, 1 },
	{ "begin 0755 my file.bin\n#86)C\n \nend\n", "abc", "my file.bin",
	  0755, 0, 1 },
	/* Length claims 45 but the line holds 3 bytes: only those. */
	{ "begin 644 x\nM86)C\nend\n", "abc", "x", 0644, 0, 1 },
	/* Two chars make one byte, three make two. */
	{ "begin 644 x\n#86\nend\n", "a", "x", 0644, 0, 1 },
	{ "begin 644 x\n#86)\nend\n", "ab", "x", 0644, 0, 1 },
	/* Length 1 with a full group: one byte. */
	{ "begin 644 x\n!86)C\nend\n", "a", "x", 0644, 0, 1 },
	/* Missing "end": truncated; a last line without LF counts. */
	{ "begin 644 x\n#86)C", "abc", "x", 0644, 1, 1 },
	{ "begin 644 x\n#86)C\n", "abc", "x", 0644, 1, 1 },
	/* Text lines inside the block are skipped, blank lines too. */
	{ "begin 644 x\n\nhello there\n#86)C\nend\n", "abc", "x", 0644, 0,
	  1 },
	/* "end" with blanks after it; "ending" is not an end. */
	{ "begin 644 x\n#86)C\nend  \n#86)C\n", "abc", "x", 0644, 0, 1 },
	/* Only the first block is decoded; the others are counted. */
	{ "begin 644 x\n#86)C\nend\nbegin 600 y\n#86)C\nend\n", "abc", "x",
	  0644, 0, 2 },
	/* Not begin lines. */
	{ "begin-base64 644 x\n#86)C\nend\n", "", "", 0, 0, 0 },
	{ "beginning 644 x\n#86)C\nend\n", "", "", 0, 0, 0 },
	{ "begin 9 x\n#86)C\nend\n", "", "", 0, 0, 0 },
	{ "begin 644\n#86)C\nend\n", "", "", 0, 0, 0 },
	{ "begin 644 \n#86)C\nend\n", "", "", 0, 0, 0 },
	{ " begin 644 x\n#86)C\nend\n", "", "", 0, 0, 0 },
	{ "", "", "", 0, 0, 0 },
};

START_TEST(test_vectors)
{
	const char *in = vec[_i].in;
	size_t len = strlen(in), chunk;
	struct res r;

	for (chunk = 0; chunk <= len + 1; chunk++) {
		dec_chunked(in, len, chunk, &r);
		ck_assert_msg(r.len == strlen(vec[_i].out) &&
		    memcmp(r.out, vec[_i].out, r.len) == 0,
		    "vector %d chunk %zu: %zu bytes", _i, chunk, r.len);
		ck_assert_str_eq(r.s.name, vec[_i].name);
		ck_assert_uint_eq(r.s.mode, vec[_i].mode);
		ck_assert_int_eq(r.s.truncated, vec[_i].truncated);
		ck_assert_uint_eq(r.s.blocks, vec[_i].blocks);
		free(r.out);
	}
}
END_TEST

/* Lines longer than the held buffer, split anywhere: same output, no
 * read past a line. */
START_TEST(test_long_lines)
{
	char in[2048], name[400];
	size_t len = 0, k, cut;
	struct res ref, r;
	struct eml_uu_dec s;
	unsigned char *o;
	size_t n;

	memset(name, 'n', 300);
	name[300] = '\0';
	len += (size_t)sprintf(in + len, "begin 644 %s\n", name);
	len += (size_t)sprintf(in + len, "#86)C\n");
	/* A 600-char data-looking line, then a 300-char one with CR. */
	in[len++] = 'M';
	memset(in + len, '8', 599);
	len += 599;
	in[len++] = '\n';
	memset(in + len, '!', 299);
	len += 299;
	in[len++] = '\r';
	in[len++] = '\n';
	len += (size_t)sprintf(in + len, "#86)C\nend\n");

	dec_chunked(in, len, 0, &ref);
	/* The line is cut at 256 bytes: 10 for "begin 644 ". */
	ck_assert_uint_eq(strlen(ref.s.name), 246);
	ck_assert_int_eq(ref.s.truncated, 0);
	/* abc, 45 bytes from the long line, 1 from the "!" line, abc. */
	ck_assert_uint_eq(ref.len, 3 + 45 + 1 + 3);
	ck_assert_mem_eq(ref.out, "abc", 3);
	ck_assert_mem_eq(ref.out + ref.len - 3, "abc", 3);
	for (k = 1; k < 300; k += 1 + k / 10) {
		dec_chunked(in, len, k, &r);
		if (r.len != ref.len || memcmp(r.out, ref.out, r.len) != 0 ||
		    strcmp(r.s.name, ref.s.name) != 0)
			ck_abort_msg("chunk %zu differs", k);
		free(r.out);
	}
	o = malloc(EML_UU_DECODED_MAX(len) + 64);
	if (o == NULL)
		ck_abort_msg("out of memory");
	for (cut = 0; cut <= len; cut++) {
		eml_uu_dec_init(&s);
		n = eml_uu_dec_step(&s, in, cut, o);
		n += eml_uu_dec_step(&s, in + cut, len - cut, o + n);
		n += eml_uu_dec_finish(&s, o + n);
		if (n != ref.len || memcmp(o, ref.out, n) != 0)
			ck_abort_msg("split at %zu differs", cut);
	}
	free(o);
	free(ref.out);
}
END_TEST

START_TEST(test_encode_roundtrip)
{
	static const char *const eols[] = { "\n", "\r\n" };
	struct eml_buf b = { 0 };
	unsigned char data[1000];
	struct res r;
	size_t len, i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 131 + (i >> 3));
	for (len = 0; len <= sizeof(data); len += 1 + len / 3) {
		eml_buf_reset(&b);
		ck_assert_int_eq(eml_uu_encode("f.bin", 0600, data, len,
		    eols[_i], &b), EML_OK);
		ck_assert(strncmp(b.data, "begin 600 f.bin", 15) == 0);
		dec_chunked(b.data, b.len, 0, &r);
		ck_assert_uint_eq(r.len, len);
		ck_assert_mem_eq(r.out, data, len);
		ck_assert_str_eq(r.s.name, "f.bin");
		ck_assert_int_eq(r.s.truncated, 0);
		free(r.out);
	}
	eml_buf_reset(&b);
	ck_assert_int_eq(eml_uu_encode("a.txt", 0644, "abc", 3, NULL, &b),
	    EML_OK);
	ck_assert_str_eq(b.data, "begin 644 a.txt\n#86)C\n`\nend\n");
	ck_assert_int_eq(eml_uu_encode("a\nb", 0644, "abc", 3, NULL, &b),
	    EML_EINVAL);
	eml_buf_free(&b);
}
END_TEST

/* GMime's vector: photo.uu decodes to photo.jpg, and our encoder writes
 * the same text. */
START_TEST(test_gmime_photo)
{
	const char *dir = tu_shared_corpus();
	char path[1024];
	char *jpg, *uu;
	size_t jlen, ulen, k;
	struct eml_buf b = { 0 };
	struct res r;

	if (dir == NULL) {
		printf("skipped: shared corpus not found (gmime photo.uu)\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/gmime/encodings/photo.jpg", dir);
	jpg = tu_slurp(path, &jlen);
	snprintf(path, sizeof(path), "%s/gmime/encodings/photo.uu", dir);
	uu = tu_slurp(path, &ulen);
	if (jpg == NULL || uu == NULL) {
		printf("skipped: gmime/encodings not in the shared corpus\n");
		free(jpg);
		free(uu);
		return;
	}
	for (k = 0; k < 200; k += 1 + k * 3) {
		dec_chunked(uu, ulen, k, &r);
		ck_assert_uint_eq(r.len, jlen);
		ck_assert_mem_eq(r.out, jpg, jlen);
		ck_assert_str_eq(r.s.name, "photo.jpg");
		ck_assert_uint_eq(r.s.mode, 0644);
		ck_assert_int_eq(r.s.truncated, 0);
		free(r.out);
	}
	ck_assert_int_eq(eml_uu_encode("photo.jpg", 0644, jpg, jlen, "\n", &b),
	    EML_OK);
	ck_assert_uint_eq(b.len, ulen);
	ck_assert_mem_eq(b.data, uu, ulen);
	eml_buf_free(&b);
	free(jpg);
	free(uu);
}
END_TEST

Suite *
eml_uu_suite(void)
{
	Suite *s = suite_create("uu");
	TCase *tc = tcase_create("uu");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_vectors, 0, (int)(sizeof(vec) /
	    sizeof(vec[0])));
	tcase_add_test(tc, test_long_lines);
	tcase_add_loop_test(tc, test_encode_roundtrip, 0, 2);
	tcase_add_test(tc, test_gmime_photo);
	suite_add_tcase(s, tc);
	return s;
}
