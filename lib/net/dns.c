/*
 * dns.c - SRV answers (RFC 2782) parsed from res_query's reply with our
 * own bounds-checked parser (RFC 1035 4.1), and the submission server
 * autoconfiguration of RFC 6186 / RFC 8314 5.1 with a built-in table of
 * well-known providers as a fallback (as mail clients' autoconfig).
 */
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eml_priv.h"
#include "net/eml_net.h"

#define DNS_HDR 12
#define TYPE_SRV 33
#define CLASS_IN 1

static unsigned
get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Read the (possibly compressed, RFC 1035 4.1.4) name at *off into
 * out (dotted, no final dot; may be NULL to skip).  *off moves past the
 * name as stored.  Pointers must go backwards, which also ends loops. */
static int
name(const unsigned char *m, size_t len, size_t *off, char *out, size_t size)
{
	size_t p = *off, o = 0, lim = p, end = 0;
	int jumped = 0, total = 0;
	unsigned l;

	for (;;) {
		if (p >= len)
			return EML_EFORMAT;
		l = m[p];
		if ((l & 0xc0) == 0xc0) {
			size_t to;

			if (p + 1 >= len)
				return EML_EFORMAT;
			to = (size_t)(l & 0x3f) << 8 | m[p + 1];
			if (to >= lim)
				return EML_EFORMAT;	/* forward or loop */
			if (!jumped)
				end = p + 2;
			jumped = 1;
			lim = to;
			p = to;
			continue;
		}
		if (l & 0xc0)
			return EML_EFORMAT;	/* RFC 6891 extended labels */
		if (l == 0) {
			if (!jumped)
				end = p + 1;
			break;
		}
		if (p + 1 + l > len || (total += (int)l + 1) > 255)
			return EML_EFORMAT;
		if (out != NULL) {
			if (o + l + 2 > size)
				return EML_EFORMAT;
			if (o > 0)
				out[o++] = '.';
			memcpy(out + o, m + p + 1, l);
			o += l;
		}
		p += 1 + l;
	}
	if (out != NULL)
		out[o] = '\0';
	*off = end;
	return EML_OK;
}

static int
srv_cmp(const void *a, const void *b)
{
	const struct eml_srv *x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	/* RFC 2782 asks for a weighted random pick; heaviest first keeps
	 * the result reproducible, which tests and users prefer here */
	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return 0;
}

int
eml_dns_parse_srv(const unsigned char *m, size_t len, struct eml_srv *out,
    size_t max, size_t *n_r)
{
	size_t off = DNS_HDR, n = 0, rdlen;
	unsigned qd, an, type, cls, k;
	int r, dot = 0;

	*n_r = 0;
	if (len < DNS_HDR)
		return EML_EFORMAT;
	if ((m[3] & 0x0f) != 0)		/* RCODE: NXDOMAIN and friends */
		return EML_OK;
	qd = get16(m + 4);
	an = get16(m + 6);
	for (k = 0; k < qd; k++) {
		if ((r = name(m, len, &off, NULL, 0)) < 0)
			return r;
		if (off + 4 > len)
			return EML_EFORMAT;
		off += 4;
	}
	for (k = 0; k < an; k++) {
		if ((r = name(m, len, &off, NULL, 0)) < 0)
			return r;
		if (off + 10 > len)
			return EML_EFORMAT;
		type = get16(m + off);
		cls = get16(m + off + 2);
		rdlen = get16(m + off + 8);
		off += 10;
		if (off + rdlen > len)
			return EML_EFORMAT;
		if (type == TYPE_SRV && cls == CLASS_IN) {
			size_t t = off + 6;
			struct eml_srv s;

			if (rdlen < 7)
				return EML_EFORMAT;
			s.prio = get16(m + off);
			s.weight = get16(m + off + 2);
			s.port = get16(m + off + 4);
			if ((r = name(m, len, &t, s.target,
			    sizeof(s.target))) < 0)
				return r;
			if (t != off + rdlen)
				return EML_EFORMAT;
			/* RFC 2782: target "." means "not available" */
			if (s.target[0] == '\0')
				dot = 1;
			else if (n < max && s.port != 0)
				out[n++] = s;
		}
		off += rdlen;
	}
	if (dot && n == 0)
		return EML_OK;
	qsort(out, n, sizeof(*out), srv_cmp);
	*n_r = n;
	return EML_OK;
}

static const struct provider {
	const char *domain;
	const char *smtp;	/* host:port implicit TLS when port 465 */
	unsigned smtp_port;
	const char *imap;
	const char *pop3;
} providers[] = {
	/* each provider's published client settings */
	{ "gmail.com", "smtp.gmail.com", 465, "imap.gmail.com",
	    "pop.gmail.com" },
	{ "googlemail.com", "smtp.gmail.com", 465, "imap.gmail.com",
	    "pop.gmail.com" },
	{ "outlook.com", "smtp-mail.outlook.com", 587, "outlook.office365.com",
	    "outlook.office365.com" },
	{ "hotmail.com", "smtp-mail.outlook.com", 587,
	    "outlook.office365.com", "outlook.office365.com" },
	{ "live.com", "smtp-mail.outlook.com", 587, "outlook.office365.com",
	    "outlook.office365.com" },
	{ "yahoo.com", "smtp.mail.yahoo.com", 465, "imap.mail.yahoo.com",
	    "pop.mail.yahoo.com" },
	{ "icloud.com", "smtp.mail.me.com", 587, "imap.mail.me.com", NULL },
	{ "me.com", "smtp.mail.me.com", 587, "imap.mail.me.com", NULL },
	{ "aol.com", "smtp.aol.com", 465, "imap.aol.com", "pop.aol.com" },
	{ "gmx.net", "mail.gmx.net", 465, "imap.gmx.net", "pop.gmx.net" },
	{ "gmx.de", "mail.gmx.net", 465, "imap.gmx.net", "pop.gmx.net" },
	{ "web.de", "smtp.web.de", 587, "imap.web.de", "pop3.web.de" },
	{ "fastmail.com", "smtp.fastmail.com", 465, "imap.fastmail.com",
	    "pop.fastmail.com" },
	{ "qq.com", "smtp.qq.com", 465, "imap.qq.com", "pop.qq.com" },
	{ "163.com", "smtp.163.com", 465, "imap.163.com", "pop.163.com" },
	{ "126.com", "smtp.126.com", 465, "imap.126.com", "pop.126.com" },
	{ "yeah.net", "smtp.yeah.net", 465, "imap.yeah.net", "pop.yeah.net" },
	{ "sina.com", "smtp.sina.com", 465, "imap.sina.com", "pop.sina.com" },
	{ "sohu.com", "smtp.sohu.com", 465, "imap.sohu.com", "pop3.sohu.com" },
	{ "yandex.ru", "smtp.yandex.ru", 465, "imap.yandex.ru",
	    "pop.yandex.ru" },
	{ "mail.ru", "smtp.mail.ru", 465, "imap.mail.ru", "pop.mail.ru" },
	{ "zoho.com", "smtp.zoho.com", 465, "imap.zoho.com", "pop.zoho.com" },
	{ "proton.me", NULL, 0, NULL, NULL },	/* only through Bridge */
};

int
eml_autoconf_table(const char *domain, enum eml_proto_kind proto,
    struct eml_autoconf *ac)
{
	const char *host;
	size_t i;

	for (i = 0; i < EMLI_NELEM(providers); i++) {
		if (strcasecmp(domain, providers[i].domain) != 0)
			continue;
		switch (proto) {
		case EML_P_SMTP:
			host = providers[i].smtp;
			ac->port = providers[i].smtp_port;
			ac->tls = ac->port == 465 ? EML_TLS_IMPLICIT :
			    EML_TLS_STARTTLS;
			break;
		case EML_P_IMAP:
			host = providers[i].imap;
			ac->port = 993;
			ac->tls = EML_TLS_IMPLICIT;
			break;
		default:
			host = providers[i].pop3;
			ac->port = 995;
			ac->tls = EML_TLS_IMPLICIT;
		}
		if (host == NULL)
			return 0;
		snprintf(ac->host, sizeof(ac->host), "%s", host);
		ac->source = "built-in table";
		return 1;
	}
	return 0;
}

static int
default_lookup(const char *n, unsigned char *ans, int anslen)
{
	return res_query(n, C_IN, ns_t_srv, ans, anslen);
}

int
eml_autoconf_smtp(const char *from,
    int (*lookup)(const char *name, unsigned char *ans, int anslen),
    struct eml_autoconf *ac)
{
	static const struct {
		const char *prefix;
		enum eml_tls_mode tls;
		const char *source;
	} svc[] = {
		/* RFC 8314 5.1: implicit TLS is preferred */
		{ "_submissions._tcp.", EML_TLS_IMPLICIT,
		    "SRV _submissions._tcp" },
		{ "_submission._tcp.", EML_TLS_STARTTLS,
		    "SRV _submission._tcp" },
	};
	unsigned char ans[4096];
	struct eml_srv srv[8];
	char qname[300];
	const char *domain;
	size_t i, n;
	int len;

	memset(ac, 0, sizeof(*ac));
	if (from == NULL || (domain = strrchr(from, '@')) == NULL ||
	    domain[1] == '\0')
		return EML_EINVAL;
	domain++;
	if (strlen(domain) > 253 || strpbrk(domain, " \t\r\n>") != NULL)
		return EML_EINVAL;
	if (lookup == NULL)
		lookup = default_lookup;
	for (i = 0; i < EMLI_NELEM(svc); i++) {
		snprintf(qname, sizeof(qname), "%s%s", svc[i].prefix, domain);
		len = lookup(qname, ans, sizeof(ans));
		if (len <= 0)
			continue;
		if (eml_dns_parse_srv(ans, EMLI_MIN((size_t)len, sizeof(ans)),
		    srv, EMLI_NELEM(srv), &n) < 0 || n == 0)
			continue;
		snprintf(ac->host, sizeof(ac->host), "%s", srv[0].target);
		ac->port = srv[0].port;
		ac->tls = svc[i].tls;
		ac->source = svc[i].source;
		return 1;
	}
	return eml_autoconf_table(domain, EML_P_SMTP, ac);
}
