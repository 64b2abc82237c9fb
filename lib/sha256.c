/*
 * sha256.c - SHA-256 (FIPS 180-4) for part digests, through libcrypto's
 * EVP interface.  OpenSSL's implementation uses the SHA-NI or AVX2 code
 * the CPU has, several times faster than the portable C this file held
 * before (39% of eml-json's time went to it).
 *
 * libcrypto is loaded with dlopen() at the first digest, not linked.
 * Linked, libcrypto.so.3 (4.7 MB, some 3400 symbol relocations, BIND_NOW)
 * was mapped and relocated at every start of every tool that can hash:
 * 0.7 ms of eml-extract's 1.5 ms start-up, paid even by the runs that
 * hash nothing (eml-extract -a, eml-parts without the sha256 column),
 * and those tools are run once per message from procmail or find -exec,
 * where start-up is most of the time.  Loaded on demand, a run that
 * hashes pays it once and one that does not never does; a program that
 * links libcrypto anyway (the clients, for TLS) gets the copy already in
 * the process.  So libemlkit needs no -lcrypto for this file (libc's
 * dlopen, -ldl before glibc 2.34), and a program linked with -static has
 * no SHA-256 (dlopen needs the dynamic loader).  When libcrypto cannot
 * be loaded, final fails with EML_ENOTSUP and eml_sha256_errmsg() says
 * why; nothing falls back to a digest of our own.
 *
 * The library name is the one we were compiled against
 * (OPENSSL_SHLIB_VERSION), so the EVP prototypes of <openssl/evp.h>
 * match the functions found; every pointer is type-checked against them
 * below.
 *
 * struct eml_sha256 holds a pointer to an EVP_MD_CTX made at the first
 * update (or at final for an empty input) and freed by final, so init
 * never allocates and a finished digest holds no memory.  An allocation
 * failure is remembered and reported by final.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include "eml_priv.h"

#define STR_(x)	#x
#define STR(x)	STR_(x)
#define CRYPTO_SONAME	"libcrypto.so." STR(OPENSSL_SHLIB_VERSION)

/* The EVP functions used, found in the loaded libcrypto. */
struct evp {
	void *dl;
	EVP_MD *(*md_fetch)(OSSL_LIB_CTX *, const char *, const char *);
	const EVP_MD *(*sha256)(void);
	EVP_MD_CTX *(*ctx_new)(void);
	void (*ctx_free)(EVP_MD_CTX *);
	int (*init)(EVP_MD_CTX *, const EVP_MD *, ENGINE *);
	int (*update)(EVP_MD_CTX *, const void *, size_t);
	int (*final)(EVP_MD_CTX *, unsigned char *, unsigned int *);
};

static struct evp evp;
static const EVP_MD *md;	/* NULL: libcrypto could not be loaded */
static char load_err[256];
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

/* sizeof does not evaluate its operand, so these assignments make the
 * compiler check each pointer's type against <openssl/evp.h> without
 * referring to libcrypto's symbols (which would link it again). */
#define CHECK_TYPE(f, sym)	((void)sizeof((evp.f = sym)))

/* Find the functions in soname into e; 0, or -1 with the reason in
 * err.  e->dl is left open on success. */
static int
load(const char *soname, struct evp *e, char *err, size_t errlen)
{
	static const char *const names[] = {
		"EVP_MD_fetch", "EVP_sha256", "EVP_MD_CTX_new",
		"EVP_MD_CTX_free", "EVP_DigestInit_ex", "EVP_DigestUpdate",
		"EVP_DigestFinal_ex"
	};
	void *f[sizeof(names) / sizeof(names[0])];
	const char *why;
	size_t i;

	memset(e, 0, sizeof(*e));
	/* RTLD_LOCAL: its symbols stay out of the global scope, so they
	 * cannot resolve another library's references behind our back */
	if ((e->dl = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		snprintf(err, errlen, "SHA-256 needs libcrypto: %s",
		    why != NULL ? why : soname);
		return -1;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((f[i] = dlsym(e->dl, names[i])) == NULL) {
			snprintf(err, errlen, "SHA-256 needs libcrypto: "
			    "%s has no %s", soname, names[i]);
			dlclose(e->dl);
			e->dl = NULL;
			return -1;
		}
	}
	/* POSIX guarantees a dlsym() result converts to a function
	 * pointer; ISO C does not, hence the casts through void * */
	e->md_fetch = (EVP_MD *(*)(OSSL_LIB_CTX *, const char *,
	    const char *))f[0];
	e->sha256 = (const EVP_MD *(*)(void))f[1];
	e->ctx_new = (EVP_MD_CTX *(*)(void))f[2];
	e->ctx_free = (void (*)(EVP_MD_CTX *))f[3];
	e->init = (int (*)(EVP_MD_CTX *, const EVP_MD *, ENGINE *))f[4];
	e->update = (int (*)(EVP_MD_CTX *, const void *, size_t))f[5];
	e->final = (int (*)(EVP_MD_CTX *, unsigned char *,
	    unsigned int *))f[6];
	return 0;
}

static void
load_default(void)
{
	const EVP_MD *m;

	CHECK_TYPE(md_fetch, EVP_MD_fetch);
	CHECK_TYPE(sha256, EVP_sha256);
	CHECK_TYPE(ctx_new, EVP_MD_CTX_new);
	CHECK_TYPE(ctx_free, EVP_MD_CTX_free);
	CHECK_TYPE(init, EVP_DigestInit_ex);
	CHECK_TYPE(update, EVP_DigestUpdate);
	CHECK_TYPE(final, EVP_DigestFinal_ex);
	if (load(CRYPTO_SONAME, &evp, load_err, sizeof(load_err)) != 0)
		return;
	/* OpenSSL 3 looks the algorithm up on every EVP_DigestInit_ex
	 * given EVP_sha256(); fetching it once keeps the per-part cost
	 * low.  The handle stays open for the life of the process. */
	if ((m = evp.md_fetch(NULL, "SHA256", NULL)) == NULL)
		m = evp.sha256();
	if (m == NULL) {
		snprintf(load_err, sizeof(load_err), "SHA-256 needs "
		    "libcrypto: %s has no SHA-256 digest", CRYPTO_SONAME);
		return;
	}
	md = m;
}

/* The digest, libcrypto loaded at the first call; NULL if it cannot be. */
static const EVP_MD *
sha256_md(void)
{
	pthread_once(&load_once, load_default);
	return md;
}

int
emli_sha256_probe(const char *soname, char *err, size_t errlen)
{
	struct evp e;

	if (load(soname != NULL ? soname : CRYPTO_SONAME, &e, err,
	    errlen) != 0)
		return -1;
	dlclose(e.dl);
	return 0;
}

const char *
eml_sha256_errmsg(void)
{
	return sha256_md() == NULL ? load_err : NULL;
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
	const EVP_MD *m;
	EVP_MD_CTX *c;

	if (s->ctx != NULL)
		return 0;
	if (s->err)
		return -1;
	if ((m = sha256_md()) == NULL) {
		s->err = EML_ENOTSUP;
		return -1;
	}
	if ((c = evp.ctx_new()) == NULL || evp.init(c, m, NULL) != 1) {
		evp.ctx_free(c);
		s->err = EML_ENOMEM;
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
	if (start(s) == 0 && evp.update(s->ctx, p, len) != 1)
		s->err = EML_ENOMEM;
}

int
eml_sha256_final(struct eml_sha256 *s, unsigned char out[32])
{
	unsigned n = 0;
	int r;

	if (start(s) != 0)
		r = s->err;
	else if (s->err)
		r = s->err;
	else if (evp.final(s->ctx, out, &n) != 1 || n != 32)
		r = EML_ENOMEM;
	else
		r = EML_OK;
	if (r != EML_OK)
		memset(out, 0, 32);
	/* Leave it reusable (a new digest starts) and holding nothing. */
	eml_sha256_free(s);
	return r;
}

void
eml_sha256_free(struct eml_sha256 *s)
{
	/* a context exists only once libcrypto is loaded */
	if (s->ctx != NULL)
		evp.ctx_free(s->ctx);
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
