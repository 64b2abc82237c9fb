/*
 * check_sha256.c - SHA-256 against the FIPS 180-4 / NIST example
 * vectors, padding edge lengths and chunk-invariance (the digest comes
 * from libcrypto; these check our use of it).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "eml.h"
#include "eml_priv.h"

static const struct {
	const char *in;
	size_t repeat;		/* in is the single char repeated, if > 0 */
	const char *hex;
} vec[] = {
	{ "", 0,
	  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", 0,
	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	/* 448 bits */
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 0,
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	/* 896 bits */
	{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", 0,
	  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	{ "a", 1000000,
	  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
	/* Padding edges: the length field fits (55) or needs a block. */
	{ "a", 55,
	  "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
	{ "a", 56,
	  "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
	{ "a", 63,
	  "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
	{ "a", 64,
	  "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
	{ "a", 65,
	  "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
	{ "a", 119,
	  "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
};

static char *
vec_data(int i, size_t *len_r)
{
	char *p;

	if (vec[i].repeat == 0) {
		*len_r = strlen(vec[i].in);
		p = malloc(*len_r + 1);
		ck_assert_ptr_nonnull(p);
		memcpy(p, vec[i].in, *len_r + 1);
		return p;
	}
	*len_r = vec[i].repeat;
	p = malloc(*len_r);
	ck_assert_ptr_nonnull(p);
	memset(p, vec[i].in[0], *len_r);
	return p;
}

START_TEST(test_vectors)
{
	struct eml_sha256 s;
	unsigned char d[32];
	char hex[65];
	size_t len;
	char *p = vec_data(_i, &len);

	eml_sha256_init(&s);
	eml_sha256_update(&s, p, len);
	eml_sha256_final(&s, d);
	eml_sha256_hex(d, hex);
	ck_assert_str_eq(hex, vec[_i].hex);
	free(p);
}
END_TEST

/* Every chunk size gives the same digest as one update. */
START_TEST(test_chunks)
{
	struct eml_sha256 s;
	unsigned char d[32];
	char hex[65];
	size_t len, off, chunk, n;
	char *p = vec_data(_i, &len);

	if (len > 5000)
		len = 5000;	/* the 1M vector is checked whole above */
	for (chunk = 1; chunk <= 130; chunk++) {
		eml_sha256_init(&s);
		for (off = 0; off < len; off += n) {
			n = len - off < chunk ? len - off : chunk;
			eml_sha256_update(&s, p + off, n);
		}
		eml_sha256_update(&s, p, 0);
		eml_sha256_final(&s, d);
		eml_sha256_hex(d, hex);
		if (vec[_i].repeat != 1000000)
			ck_assert_str_eq(hex, vec[_i].hex);
	}
	free(p);
}
END_TEST

/* Irregular chunks over a non-repeating pattern, 1M 'a' split unevenly. */
START_TEST(test_million_uneven)
{
	struct eml_sha256 s;
	unsigned char d[32];
	char hex[65], block[1000];
	size_t total = 0, n, k = 0;

	memset(block, 'a', sizeof(block));
	eml_sha256_init(&s);
	while (total < 1000000) {
		n = 1 + (k++ * 37) % 997;
		if (n > 1000000 - total)
			n = 1000000 - total;
		eml_sha256_update(&s, block, n);
		total += n;
	}
	eml_sha256_final(&s, d);
	eml_sha256_hex(d, hex);
	ck_assert_str_eq(hex,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

/* final() leaves the state ready for a new digest. */
START_TEST(test_reuse)
{
	struct eml_sha256 s;
	unsigned char d[32];
	char hex[65];

	eml_sha256_init(&s);
	eml_sha256_update(&s, "xyz", 3);
	eml_sha256_final(&s, d);
	eml_sha256_update(&s, "abc", 3);
	eml_sha256_final(&s, d);
	eml_sha256_hex(d, hex);
	ck_assert_str_eq(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

/* An abandoned digest is released by _free (LeakSanitizer checks this
 * under SAN=address) and the state then starts afresh. */
START_TEST(test_free)
{
	struct eml_sha256 s;
	unsigned char d[32];
	char hex[65];

	eml_sha256_init(&s);
	eml_sha256_update(&s, "xyz", 3);
	ck_assert_ptr_nonnull(s.ctx);
	eml_sha256_free(&s);
	ck_assert_ptr_null(s.ctx);
	eml_sha256_init(&s);
	ck_assert_int_eq(eml_sha256_final(&s, d), EML_OK);
	ck_assert_ptr_null(s.ctx);
	eml_sha256_hex(d, hex);
	ck_assert_str_eq(hex,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

/* libcrypto is loaded on demand: a library that is missing, or present
 * without the EVP functions, is refused with a reason naming it; the
 * one we were built against loads, and this process (which can load it)
 * reports no error. */
START_TEST(test_load)
{
	char err[256];

	err[0] = '\0';
	ck_assert_int_eq(emli_sha256_probe("libemlkit-no-such-crypto.so.9",
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "SHA-256 needs libcrypto"));
	ck_assert_ptr_nonnull(strstr(err, "libemlkit-no-such-crypto.so.9"));
	err[0] = '\0';
	/* zlib is in every tool's process, and has no digest */
	ck_assert_int_eq(emli_sha256_probe("libz.so.1", err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "libz.so.1 has no EVP_MD_fetch"));
	ck_assert_int_eq(emli_sha256_probe(NULL, err, sizeof(err)), 0);
	ck_assert_ptr_null(eml_sha256_errmsg());
	ck_assert_str_eq(eml_strerror(EML_ENOTSUP), "not supported here");
}
END_TEST

Suite *
eml_sha256_suite(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_vectors, 0,
	    (int)(sizeof(vec) / sizeof(vec[0])));
	tcase_add_loop_test(tc, test_chunks, 0,
	    (int)(sizeof(vec) / sizeof(vec[0])));
	tcase_add_test(tc, test_million_uneven);
	tcase_add_test(tc, test_reuse);
	tcase_add_test(tc, test_free);
	tcase_add_test(tc, test_load);
	suite_add_tcase(s, tc);
	return s;
}
