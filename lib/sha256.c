/*
 * sha256.c - SHA-256 (FIPS 180-4) for part digests, through libcrypto's
 * EVP interface.  OpenSSL's implementation uses the SHA-NI or AVX2 code
 * the CPU has, several times faster than the portable C this file held
 * before (39% of eml-json's time went to it).
 *
 * struct eml_sha256 holds a pointer to an EVP_MD_CTX made at the first
 * update (or at final for an empty input) and freed by final, so init
 * never allocates and a finished digest holds no memory.  An allocation
 * failure is remembered and reported by final.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "eml_priv.h"

static EVP_MD *md;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

/* OpenSSL 3 looks the algorithm up on every EVP_DigestInit_ex given
 * EVP_sha256(); fetching it once keeps the per-part cost low. */
static void
md_fetch(void)
{
	md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *
sha256_md(void)
{
	pthread_once(&md_once, md_fetch);
	return md != NULL ? md : EVP_sha256();
}

void
eml_sha256_init(struct eml_sha256 *s)
{
	s->ctx = NULL;
	s->err = 0;
}

/* Make the context on first use; 0 on success. */
static int
start(struct eml_sha256 *s)
{
	EVP_MD_CTX *c;

	if (s->ctx != NULL)
		return 0;
	if (s->err)
		return -1;
	if ((c = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(c, sha256_md(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		s->err = 1;
		return -1;
	}
	s->ctx = c;
	return 0;
}

void
eml_sha256_update(struct eml_sha256 *s, const void *p, size_t len)
{
	if (len == 0)
		return;		/* p may be NULL then */
	if (start(s) < 0 || EVP_DigestUpdate(s->ctx, p, len) != 1)
		s->err = 1;
}

int
eml_sha256_final(struct eml_sha256 *s, unsigned char out[32])
{
	unsigned n = 0;
	int ok;

	ok = start(s) == 0 && !s->err &&
	    EVP_DigestFinal_ex(s->ctx, out, &n) == 1 && n == 32;
	if (!ok)
		memset(out, 0, 32);
	/* Leave it reusable (a new digest starts) and holding nothing. */
	eml_sha256_free(s);
	return ok ? EML_OK : EML_ENOMEM;
}

void
eml_sha256_free(struct eml_sha256 *s)
{
	EVP_MD_CTX_free(s->ctx);
	s->ctx = NULL;
	s->err = 0;
}

void
eml_sha256_hex(const unsigned char d[32], char hex[65])
{
	static const char hx[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		hex[2 * i] = hx[d[i] >> 4];
		hex[2 * i + 1] = hx[d[i] & 15];
	}
	hex[64] = '\0';
}
