/*
 * url.c - server URLs as curl takes them (RFC 3986 subset):
 * scheme://[user@]host[:port][/path], schemes smtp, smtps, imap, imaps,
 * pop3, pop3s; plus the error texts and the sysexits mapping.
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "eml_priv.h"
#include "net/eml_net.h"

static const struct {
	const char *name;
	enum eml_proto_kind proto;
	enum eml_tls_mode tls;
	unsigned port;
} schemes[] = {
	{ "smtp", EML_P_SMTP, EML_TLS_STARTTLS, 587 },	/* RFC 6409 */
	{ "smtps", EML_P_SMTP, EML_TLS_IMPLICIT, 465 },	/* RFC 8314 */
	{ "imap", EML_P_IMAP, EML_TLS_STARTTLS, 143 },
	{ "imaps", EML_P_IMAP, EML_TLS_IMPLICIT, 993 },
	{ "pop3", EML_P_POP3, EML_TLS_STARTTLS, 110 },
	{ "pop3s", EML_P_POP3, EML_TLS_IMPLICIT, 995 },
};

const char *
eml_url_scheme(enum eml_proto_kind proto, enum eml_tls_mode tls)
{
	size_t i;

	for (i = 0; i < EMLI_NELEM(schemes); i++)
		if (schemes[i].proto == proto && schemes[i].tls ==
		    (tls == EML_TLS_IMPLICIT ? EML_TLS_IMPLICIT :
		    EML_TLS_STARTTLS))
			return schemes[i].name;
	return "?";
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = EMLI_LOWER(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 3986 2.1 percent-decoding; NUL, CR and LF are refused because the
 * result goes into protocol commands (attack case 65). */
static int
decode(const char *s, size_t n, char **out)
{
	char *d;
	size_t i, j = 0;
	int hi, lo;

	if ((d = malloc(n + 1)) == NULL)
		return EML_ENOMEM;
	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n) {
				free(d);
				return EML_EFORMAT;
			}
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0 || hi * 16 + lo == 0 ||
			    hi * 16 + lo == '\r' || hi * 16 + lo == '\n') {
				free(d);
				return EML_EFORMAT;
			}
			d[j++] = (char)(hi * 16 + lo);
			i += 2;
		} else
			d[j++] = s[i];
	}
	d[j] = '\0';
	*out = d;
	return EML_OK;
}

void
eml_url_free(struct eml_url *u)
{
	free(u->user);
	free(u->host);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

int
eml_url_parse(const char *url, struct eml_url *u)
{
	const char *p, *auth, *end, *at, *hs, *he, *colon;
	size_t i, n;
	unsigned long port;
	int r = EML_EFORMAT;

	memset(u, 0, sizeof(*u));
	if (url == NULL)
		return EML_EINVAL;
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return EML_EFORMAT;
	if ((p = strstr(url, "://")) == NULL)
		return EML_EFORMAT;
	n = (size_t)(p - url);
	for (i = 0; i < EMLI_NELEM(schemes); i++)
		if (emli_eqi(url, n, schemes[i].name))
			break;
	if (i == EMLI_NELEM(schemes))
		return EML_EFORMAT;
	u->proto = schemes[i].proto;
	u->tls = schemes[i].tls;
	u->port = schemes[i].port;
	auth = p + 3;
	end = auth + strcspn(auth, "/?#");
	/* the last '@' ends the userinfo: user names may hold one */
	at = NULL;
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at != NULL) {
		if (memchr(auth, ':', (size_t)(at - auth)) != NULL) {
			r = EML_EINVAL;	/* password in the URL */
			goto fail;
		}
		if ((r = decode(auth, (size_t)(at - auth), &u->user)) < 0)
			goto fail;
		r = EML_EFORMAT;
		hs = at + 1;
	} else
		hs = auth;
	if (hs < end && *hs == '[') {	/* RFC 3986 3.2.2 IP-literal */
		if ((he = memchr(hs, ']', (size_t)(end - hs))) == NULL)
			goto fail;
		colon = he + 1 < end ? he + 1 : NULL;
		if (colon != NULL && *colon != ':')
			goto fail;
		hs++;
	} else {
		colon = memchr(hs, ':', (size_t)(end - hs));
		he = colon != NULL ? colon : end;
	}
	if (he == hs)
		goto fail;
	if ((u->host = strndup(hs, (size_t)(he - hs))) == NULL) {
		r = EML_ENOMEM;
		goto fail;
	}
	if (colon != NULL) {
		char *e;

		if (colon + 1 == end || colon[1] < '0' || colon[1] > '9')
			goto fail;
		port = strtoul(colon + 1, &e, 10);
		if (e != end || port == 0 || port > 65535)
			goto fail;
		u->port = (unsigned)port;
	}
	if (*end == '/' && end[1] != '\0') {
		n = strcspn(end + 1, "?#");
		if (n > 0 && (r = decode(end + 1, n, &u->path)) < 0)
			goto fail;
	}
	return EML_OK;
fail:
	eml_url_free(u);
	return r;
}

const char *
eml_net_strerror(int err)
{
	switch (err) {
	case EML_ETIMEOUT:	return "timed out";
	case EML_ECONNECT:	return "cannot connect";
	case EML_ETLS:		return "TLS failure";
	case EML_EPROTO:	return "protocol error";
	case EML_EAUTH:		return "authentication failed";
	case EML_ETEMP:		return "temporary failure";
	case EML_EPERM:		return "permanent failure";
	case EML_ECLOSED:	return "connection closed by server";
	case EML_ENOTLS:	return "TLS required but not available";
	case EML_EDNS:		return "host name lookup failed";
	case EML_EUNKNOWN:	return "delivery status unknown";
	}
	return eml_strerror(err);
}

/* One mapping for all three tools (msmtp's smtp_exitcode); sendmail
 * callers retry on EX_TEMPFAIL only. */
int
eml_net_exitcode(int err)
{
	switch (err) {
	case EML_OK:		return 0;
	case EML_ENOMEM:	return EX_OSERR;
	case EML_ELIMIT:	return EX_PROTOCOL;
	case EML_EIO:		return EX_IOERR;
	case EML_EINVAL:	return EX_USAGE;
	case EML_EFORMAT:	return EX_DATAERR;
	case EML_ETIMEOUT:	return EX_TEMPFAIL;
	case EML_ECONNECT:	return EX_UNAVAILABLE;
	case EML_EDNS:		return EX_NOHOST;
	case EML_ETLS:		return EX_PROTOCOL;
	case EML_ENOTLS:	return EX_PROTOCOL;
	case EML_EPROTO:	return EX_PROTOCOL;
	case EML_ECLOSED:	return EX_TEMPFAIL;
	case EML_EAUTH:		return EX_NOPERM;
	case EML_ETEMP:		return EX_TEMPFAIL;
	case EML_EPERM:		return EX_UNAVAILABLE;
	case EML_EUNKNOWN:	return EX_TEMPFAIL;
	}
	return EX_SOFTWARE;
}
