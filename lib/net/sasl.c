/*
 * sasl.c - SASL client mechanisms: PLAIN (RFC 4616), LOGIN, SCRAM-SHA-256
 * (RFC 5802, 7677) written with libcrypto, XOAUTH2 and OAUTHBEARER
 * (RFC 7628) with a token.  The protocol layers base64 the messages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "eml_priv.h"
#include "net/net_priv.h"

enum mech { M_PLAIN, M_LOGIN, M_SCRAM, M_XOAUTH2, M_OAUTHBEARER };

static const char *const mech_names[] = {
	"PLAIN", "LOGIN", "SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER"
};

/* RFC 5802 5.1: a server may ask for any count; fewer than 4096 is weak
 * (RFC 7677 4) and a huge one is a denial of service (attack case 64) */
#define SCRAM_MIN_ITER 4096
#define SCRAM_MAX_ITER 1000000

struct eml_sasl {
	enum mech mech;
	int step;
	char *user, *secret, *host;
	unsigned port;
	char nonce[64];
	struct eml_buf first_bare;	/* SCRAM client-first-message-bare */
	unsigned char server_sig[SHA256_DIGEST_LENGTH];
	int verified;
};

int
emli_net_b64enc(const void *in, size_t n, struct eml_buf *out)
{
	char *w;
	int len;

	if (n > (SIZE_MAX / 4) * 3 - 3 || n > 0x3fffffff)
		return EML_ELIMIT;
	if ((w = eml_buf_reserve(out, (n + 2) / 3 * 4 + 1)) == NULL)
		return EML_ENOMEM;
	len = EVP_EncodeBlock((unsigned char *)w, in, (int)n);
	out->len += (size_t)len;
	out->data[out->len] = '\0';
	return EML_OK;
}

static int
b64char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int
emli_net_b64dec(const char *in, size_t n, struct eml_buf *out)
{
	size_t i, pad = 0;
	char *w;
	int len;

	if (n % 4 != 0 || n > 0x3fffffff)
		return EML_EFORMAT;
	for (i = 0; i < n; i++) {
		if (in[i] == '=' && i >= n - 2) {
			pad++;
			continue;
		}
		if (pad || !b64char((unsigned char)in[i]))
			return EML_EFORMAT;
	}
	if (n == 0)
		return eml_buf_add(out, "", 0);
	if ((w = eml_buf_reserve(out, n / 4 * 3 + 1)) == NULL)
		return EML_ENOMEM;
	len = EVP_DecodeBlock((unsigned char *)w, (const unsigned char *)in,
	    (int)n);
	if (len < 0 || (size_t)len < pad)
		return EML_EFORMAT;
	out->len += (size_t)len - pad;
	out->data[out->len] = '\0';
	return EML_OK;
}

int
eml_sasl_plaintext(const char *mech)
{
	return strcasecmp(mech, "SCRAM-SHA-256") != 0;
}

/* attack case 65: CR, LF or NUL would leave the SASL string */
static int
bad_chars(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") != NULL;
}

struct eml_sasl *
eml_sasl_new(const char *mech, const char *user, const char *secret,
    const char *host, unsigned port)
{
	struct eml_sasl *s;
	size_t i;

	for (i = 0; i < EMLI_NELEM(mech_names); i++)
		if (strcasecmp(mech, mech_names[i]) == 0)
			break;
	if (i == EMLI_NELEM(mech_names) || user == NULL || secret == NULL ||
	    bad_chars(user) || bad_chars(secret) || bad_chars(host)) {
		errno = EINVAL;
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->mech = (enum mech)i;
	s->user = strdup(user);
	s->secret = strdup(secret);
	s->host = strdup(host != NULL ? host : "");
	s->port = port;
	if (s->user == NULL || s->secret == NULL || s->host == NULL) {
		eml_sasl_free(s);
		return NULL;
	}
	return s;
}

void
eml_sasl_free(struct eml_sasl *s)
{
	if (s == NULL)
		return;
	free(s->user);
	if (s->secret != NULL) {
		OPENSSL_cleanse(s->secret, strlen(s->secret));
		free(s->secret);
	}
	free(s->host);
	eml_buf_free(&s->first_bare);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

const char *emli_sasl_test_nonce;

int
emli_sasl_set_nonce(struct eml_sasl *s, const char *nonce)
{
	if (strlen(nonce) >= sizeof(s->nonce))
		return EML_EINVAL;
	snprintf(s->nonce, sizeof(s->nonce), "%s", nonce);
	return EML_OK;
}

const char *
eml_sasl_choose(const char *offered, int tls, int token)
{
	static const char *const pw_order[] = { "SCRAM-SHA-256", "PLAIN",
	    "LOGIN" };
	static const char *const tok_order[] = { "OAUTHBEARER", "XOAUTH2" };
	const char *const *order = token ? tok_order : pw_order;
	size_t n = token ? EMLI_NELEM(tok_order) : EMLI_NELEM(pw_order);
	const char *p, *e;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!tls && eml_sasl_plaintext(order[i]))
			continue;
		for (p = offered; *p != '\0'; p = e) {
			while (*p == ' ')
				p++;
			e = p + strcspn(p, " ");
			if (e > p && emli_eqi(p, (size_t)(e - p), order[i]))
				return order[i];
		}
	}
	return NULL;
}

/* RFC 5802 5.1: saslname, "=" and "," escaped as =3D and =2C */
static int
add_saslname(struct eml_buf *b, const char *u)
{
	int r = EML_OK;

	for (; *u != '\0' && r == EML_OK; u++)
		r = *u == ',' ? eml_buf_adds(b, "=2C") : *u == '=' ?
		    eml_buf_adds(b, "=3D") : eml_buf_addc(b, *u);
	return r;
}

int
eml_sasl_start(struct eml_sasl *s, struct eml_buf *out)
{
	unsigned char rnd[18];
	struct eml_buf nb = { 0 };
	int r = EML_OK;

	s->step = 1;
	switch (s->mech) {
	case M_PLAIN:	/* RFC 4616 2: [authzid] NUL authcid NUL passwd */
		if ((r = eml_buf_addc(out, 0)) < 0 ||
		    (r = eml_buf_adds(out, s->user)) < 0 ||
		    (r = eml_buf_addc(out, 0)) < 0 ||
		    (r = eml_buf_adds(out, s->secret)) < 0)
			return r;
		return 1;
	case M_LOGIN:
		return 0;
	case M_XOAUTH2:
		if ((r = eml_buf_adds(out, "user=")) < 0 ||
		    (r = eml_buf_adds(out, s->user)) < 0 ||
		    (r = eml_buf_adds(out, "\001auth=Bearer ")) < 0 ||
		    (r = eml_buf_adds(out, s->secret)) < 0 ||
		    (r = eml_buf_adds(out, "\001\001")) < 0)
			return r;
		return 1;
	case M_OAUTHBEARER: {	/* RFC 7628 3.1 */
		char port[16];

		snprintf(port, sizeof(port), "%u", s->port);
		if ((r = eml_buf_adds(out, "n,a=")) < 0 ||
		    (r = add_saslname(out, s->user)) < 0 ||
		    (r = eml_buf_adds(out, ",\001host=")) < 0 ||
		    (r = eml_buf_adds(out, s->host)) < 0 ||
		    (r = eml_buf_adds(out, "\001port=")) < 0 ||
		    (r = eml_buf_adds(out, port)) < 0 ||
		    (r = eml_buf_adds(out, "\001auth=Bearer ")) < 0 ||
		    (r = eml_buf_adds(out, s->secret)) < 0 ||
		    (r = eml_buf_adds(out, "\001\001")) < 0)
			return r;
		return 1;
	}
	case M_SCRAM:
		if (s->nonce[0] == '\0' && emli_sasl_test_nonce != NULL)
			emli_sasl_set_nonce(s, emli_sasl_test_nonce);
		if (s->nonce[0] == '\0') {
			if (RAND_bytes(rnd, sizeof(rnd)) != 1)
				return EML_EIO;
			if ((r = emli_net_b64enc(rnd, sizeof(rnd), &nb)) < 0)
				return r;
			snprintf(s->nonce, sizeof(s->nonce), "%s", nb.data);
			eml_buf_free(&nb);
		}
		eml_buf_reset(&s->first_bare);
		if ((r = eml_buf_adds(&s->first_bare, "n=")) < 0 ||
		    (r = add_saslname(&s->first_bare, s->user)) < 0 ||
		    (r = eml_buf_adds(&s->first_bare, ",r=")) < 0 ||
		    (r = eml_buf_adds(&s->first_bare, s->nonce)) < 0)
			return r;
		/* gs2-header "n,,": no channel binding, no authzid */
		if ((r = eml_buf_adds(out, "n,,")) < 0 ||
		    (r = eml_buf_add(out, s->first_bare.data,
		    s->first_bare.len)) < 0)
			return r;
		return 1;
	}
	return EML_EINVAL;
}

/* Find attribute "k=" in a SCRAM message: its value and length. */
static const char *
attr(const char *m, size_t n, char k, size_t *len_r)
{
	const char *p = m, *e = m + n, *c;

	while (p < e) {
		c = memchr(p, ',', (size_t)(e - p));
		if (c == NULL)
			c = e;
		if (c - p >= 2 && p[0] == k && p[1] == '=') {
			*len_r = (size_t)(c - p - 2);
			return p + 2;
		}
		p = c + 1;
	}
	return NULL;
}

static int
hmac(const void *key, size_t klen, const void *d, size_t n, unsigned char *md)
{
	unsigned len = SHA256_DIGEST_LENGTH;

	return HMAC(EVP_sha256(), key, (int)klen, d, n, md, &len) != NULL ?
	    EML_OK : EML_ENOMEM;
}

static int
scram_final(struct eml_sasl *s, const char *in, size_t n, struct eml_buf *out)
{
	unsigned char salted[32], ckey[32], skey[32], stored[32], csig[32];
	unsigned char proof[32];
	struct eml_buf salt = { 0 }, auth = { 0 };
	const char *r, *sv, *iv;
	size_t rl, sl, il, i, without;
	unsigned long iter;
	char *e, ibuf[16];
	int rc = EML_EFORMAT;

	if (memchr(in, '\0', n) != NULL || (n > 0 && in[0] == 'm'))
		return EML_EFORMAT;	/* RFC 5802 5.1: m= is fatal */
	if ((r = attr(in, n, 'r', &rl)) == NULL ||
	    (sv = attr(in, n, 's', &sl)) == NULL ||
	    (iv = attr(in, n, 'i', &il)) == NULL || il == 0 || il > 10)
		return EML_EFORMAT;
	/* the server's nonce must extend ours (RFC 5802 5.1 r=) */
	if (rl <= strlen(s->nonce) || memcmp(r, s->nonce, strlen(s->nonce)))
		return EML_EAUTH;
	memcpy(ibuf, iv, il);
	ibuf[il] = '\0';
	if (ibuf[0] < '0' || ibuf[0] > '9')
		return EML_EFORMAT;
	iter = strtoul(ibuf, &e, 10);
	if (*e != '\0')
		return EML_EFORMAT;
	if (iter < SCRAM_MIN_ITER || iter > SCRAM_MAX_ITER)
		return EML_EAUTH;
	if ((rc = emli_net_b64dec(sv, sl, &salt)) < 0 || salt.len == 0) {
		eml_buf_free(&salt);
		return EML_EFORMAT;
	}
	if (!PKCS5_PBKDF2_HMAC(s->secret, (int)strlen(s->secret),
	    (unsigned char *)salt.data, (int)salt.len, (int)iter, EVP_sha256(),
	    sizeof(salted), salted)) {
		eml_buf_free(&salt);
		return EML_ENOMEM;
	}
	eml_buf_free(&salt);
	/* client-final-message-without-proof = "c=biws,r=" nonce */
	without = out->len;
	if ((rc = eml_buf_adds(out, "c=biws,r=")) < 0 ||
	    (rc = eml_buf_add(out, r, rl)) < 0)
		goto done;
	if ((rc = eml_buf_add(&auth, s->first_bare.data,
	    s->first_bare.len)) < 0 || (rc = eml_buf_addc(&auth, ',')) < 0 ||
	    (rc = eml_buf_add(&auth, in, n)) < 0 ||
	    (rc = eml_buf_addc(&auth, ',')) < 0 ||
	    (rc = eml_buf_add(&auth, out->data + without,
	    out->len - without)) < 0)
		goto done;
	if ((rc = hmac(salted, 32, "Client Key", 10, ckey)) < 0 ||
	    (rc = hmac(salted, 32, "Server Key", 10, skey)) < 0)
		goto done;
	SHA256(ckey, 32, stored);
	if ((rc = hmac(stored, 32, auth.data, auth.len, csig)) < 0 ||
	    (rc = hmac(skey, 32, auth.data, auth.len, s->server_sig)) < 0)
		goto done;
	for (i = 0; i < 32; i++)
		proof[i] = ckey[i] ^ csig[i];
	if ((rc = eml_buf_adds(out, ",p=")) < 0 ||
	    (rc = emli_net_b64enc(proof, 32, out)) < 0)
		goto done;
	rc = 1;
done:
	OPENSSL_cleanse(salted, sizeof(salted));
	OPENSSL_cleanse(ckey, sizeof(ckey));
	eml_buf_free(&auth);
	return rc;
}

static int
scram_verify(struct eml_sasl *s, const char *in, size_t n)
{
	struct eml_buf sig = { 0 };
	const char *v;
	size_t vl;
	int ok;

	if (attr(in, n, 'e', &vl) != NULL)
		return EML_EAUTH;	/* server-error */
	if ((v = attr(in, n, 'v', &vl)) == NULL)
		return EML_EFORMAT;
	if (emli_net_b64dec(v, vl, &sig) < 0) {
		eml_buf_free(&sig);
		return EML_EFORMAT;
	}
	ok = sig.len == 32 && CRYPTO_memcmp(sig.data, s->server_sig, 32) == 0;
	eml_buf_free(&sig);
	if (!ok)
		return EML_EAUTH;	/* not the server that has our key */
	s->verified = 1;
	return EML_OK;
}

int
eml_sasl_step(struct eml_sasl *s, const void *in, size_t inlen,
    struct eml_buf *out)
{
	int r;

	if (s->step == 0)
		return EML_EINVAL;
	switch (s->mech) {
	case M_PLAIN:
		return EML_EPROTO;	/* the initial response was all */
	case M_LOGIN:
		/* The challenges are "Username:" and "Password:" by
		 * convention only; the order is what counts. */
		if (s->step > 2)
			return EML_EPROTO;
		r = eml_buf_adds(out, s->step == 1 ? s->user : s->secret);
		s->step++;
		return r < 0 ? r : 1;
	case M_XOAUTH2:
		/* an error challenge (JSON) gets an empty answer, then the
		 * server sends its failure reply */
		return s->step++ > 1 ? EML_EPROTO : 1;
	case M_OAUTHBEARER:	/* RFC 7628 3.2.3: answer a failure ^A */
		if (s->step++ > 1)
			return EML_EPROTO;
		r = eml_buf_addc(out, 1);
		return r < 0 ? r : 1;
	case M_SCRAM:
		if (s->step == 1) {
			s->step = 2;
			return scram_final(s, in, inlen, out);
		}
		if (s->step == 2) {
			s->step = 3;
			if ((r = scram_verify(s, in, inlen)) < 0)
				return r;
			return 1;	/* an empty response */
		}
		return EML_EPROTO;
	}
	return EML_EINVAL;
}

int
eml_sasl_verified(const struct eml_sasl *s)
{
	return s->mech != M_SCRAM || s->verified;
}
