/*
 * net_priv.h - internals shared by the files of lib/net; never installed.
 */
#ifndef EML_NET_PRIV_H
#define EML_NET_PRIV_H

#include "net/eml_net.h"

/* Base64 without line breaks (RFC 4648 4), as SASL wants it. */
int emli_net_b64enc(const void *in, size_t n, struct eml_buf *out);
/* Strict: only the alphabet, length a multiple of 4, padding only at the
 * end (attack case 63).  EML_EFORMAT otherwise. */
int emli_net_b64dec(const char *in, size_t n, struct eml_buf *out);
/* Tests: use nonce instead of random bytes (RFC 7677's vector). */
int emli_sasl_set_nonce(struct eml_sasl *s, const char *nonce);

/* Tests: when set, every SCRAM exchange uses this client nonce. */
extern const char *emli_sasl_test_nonce;

#endif
