/*
 * envelope.c - what an SMTP client needs from a message besides its
 * bytes: the envelope recipients (RFC 5322 3.6.3, 3.6.6), which fields
 * not to send (Bcc), whether an address is a valid RFC 5321 Mailbox, and
 * whether the message needs SMTPUTF8 (RFC 6531) or 8BITMIME (RFC 6152).
 *
 * Everything works on parser events or single fields, so a message is
 * never held in memory: the recipients are collected from the HEADER
 * events of the top-level header, the transport needs from the raw
 * bytes of every event.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "eml_priv.h"

/* ------------------------------------------------------------------ */
/* Recipients                                                          */

/* FNV-1a of the address with the domain folded to lower case: RFC 5321
 * 2.4, the local part may be case-sensitive, the domain is not. */
static uint64_t
addr_hash(const char *a)
{
	const char *at = strrchr(a, '@');
	uint64_t h = 14695981039346656037ULL;
	const char *s;

	for (s = a; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (at != NULL && s > at)
			c = (unsigned char)EMLI_LOWER(c);
		h = (h ^ c) * 1099511628211ULL;
	}
	return h;
}

static int
addr_same(const char *a, const char *b)
{
	const char *x = strrchr(a, '@'), *y = strrchr(b, '@');

	if (x == NULL || y == NULL)
		return strcmp(a, b) == 0;
	return x - a == y - b && memcmp(a, b, (size_t)(x - a)) == 0 &&
	    strcasecmp(x, y) == 0;
}

/* One list of addresses with a hash set for deduplication: open
 * addressing, at most half full, each slot the hash (|1, so 0 is free)
 * and the index of the address. */
struct alist {
	char **v;
	size_t n, cap;
	uint64_t *ht;
	size_t hcap;		/* slots, a power of two */
};

struct eml_rcpts {
	struct alist main;	/* To, Cc, Bcc */
	struct alist resent;	/* the most recent block's Resent-To/Cc/Bcc */
	int resent_dest;	/* that block named destinations */
	int in_block, block_date, block_done;
	struct eml_defects defects;
};

static int
list_add(struct eml_rcpts *r, struct alist *l, const char *addr)
{
	uint64_t h = addr_hash(addr) | 1;
	size_t i, mask;
	char *copy;

	if ((l->n + 1) * 2 > l->hcap) {
		size_t ncap = l->hcap ? l->hcap * 2 : 64, k;
		uint64_t *nt = calloc(ncap * 2, sizeof(*nt));

		if (nt == NULL)
			return EML_ENOMEM;
		for (k = 0; k < l->hcap; k++) {
			if (l->ht[2 * k] == 0)
				continue;
			for (i = l->ht[2 * k] & (ncap - 1); nt[2 * i] != 0;
			    i = (i + 1) & (ncap - 1))
				;
			nt[2 * i] = l->ht[2 * k];
			nt[2 * i + 1] = l->ht[2 * k + 1];
		}
		free(l->ht);
		l->ht = nt;
		l->hcap = ncap;
	}
	mask = l->hcap - 1;
	for (i = h & mask; l->ht[2 * i] != 0; i = (i + 1) & mask)
		if (l->ht[2 * i] == h && addr_same(l->v[l->ht[2 * i + 1]],
		    addr))
			return EML_OK;		/* a duplicate */
	if (l->n >= EML_MAX_RCPTS) {
		eml_defects_set(&r->defects, EML_D_ADDR_INVALID);
		return EML_OK;
	}
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		char **nv = realloc(l->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return EML_ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	if ((copy = strdup(addr)) == NULL)
		return EML_ENOMEM;
	l->v[l->n] = copy;
	l->ht[2 * i] = h;
	l->ht[2 * i + 1] = l->n;
	l->n++;
	return EML_OK;
}

static void
list_free(struct alist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->ht);
}

struct eml_rcpts *
eml_rcpts_new(void)
{
	return calloc(1, sizeof(struct eml_rcpts));
}

static int
is_resent(const char *name, size_t nlen)
{
	return nlen >= 7 && strncasecmp(name, "resent-", 7) == 0;
}

int
eml_rcpts_field(struct eml_rcpts *r, const char *name, size_t nlen,
    const char *value, size_t vlen, const char *fallback)
{
	struct eml_addrlist l = { 0 };
	const char *base = name;
	size_t blen = nlen, i;
	int which = 0, ret;

	if (r == NULL || name == NULL)
		return EML_EINVAL;
	if (is_resent(name, nlen)) {
		/* RFC 5322 3.6.6: resent blocks are prepended, so the first
		 * one is the most recent; it ends where the run of Resent-
		 * fields ends, or at a second Resent-Date */
		if (r->block_done ||
		    (r->in_block && emli_eqi(name, nlen, "resent-date") &&
		    r->block_date)) {
			r->block_done = 1;
			return EML_OK;
		}
		r->in_block = 1;
		if (emli_eqi(name, nlen, "resent-date"))
			r->block_date = 1;
		base = name + 7;
		blen = nlen - 7;
		which = 1;
	} else if (r->in_block) {
		r->block_done = 1;
	}
	if (!emli_eqi(base, blen, "to") && !emli_eqi(base, blen, "cc") &&
	    !emli_eqi(base, blen, "bcc"))
		return EML_OK;
	if (which)
		r->resent_dest = 1;
	if ((ret = eml_addr_parse(value, vlen, fallback, &l)) != EML_OK)
		goto done;
	eml_defects_or(&r->defects, &l.defects);
	for (i = 0; i < l.n && ret == EML_OK; i++) {
		if (l.v[i].email == NULL)
			continue;	/* a group name, a phrase */
		ret = list_add(r, which ? &r->resent : &r->main,
		    l.v[i].email);
	}
done:
	eml_addr_free(&l);
	return ret;
}

void
eml_rcpts_list(const struct eml_rcpts *r, char *const **v_r, size_t *n_r)
{
	const struct alist *l = r->resent_dest ? &r->resent : &r->main;

	*v_r = l->v;
	*n_r = l->n;
}

int
eml_rcpts_resent(const struct eml_rcpts *r)
{
	return r->resent_dest;
}

const struct eml_defects *
eml_rcpts_defects(const struct eml_rcpts *r)
{
	return &r->defects;
}

/*
 * The header block of a message in buf (parsing stops at its end):
 * fields are found with the streaming parser, which also handles
 * folding and every malformation as the rest of the library does.
 */
int
eml_rcpts_from_header(const char *buf, size_t len, const char *fallback,
    struct eml_rcpts *r)
{
	struct eml_parser *p;
	struct eml_event ev;
	int ret = EML_OK, n, done = 0;

	if ((p = eml_parser_new(NULL)) == NULL)
		return EML_ENOMEM;
	if ((ret = eml_parser_feed(p, buf, len)) == EML_OK)
		ret = eml_parser_finish(p);
	while (ret == EML_OK && !done && (n = eml_parser_next(p, &ev)) != 0) {
		if (n < 0) {
			ret = n;
			break;
		}
		if (ev.type == EML_EV_HEADER && ev.part->depth == 0)
			ret = eml_rcpts_field(r, ev.name, ev.name_len,
			    ev.value, ev.value_len, fallback);
		else if (ev.type == EML_EV_HEADERS_END || ev.type == EML_EV_END)
			done = 1;
	}
	eml_parser_free(p);
	return ret;
}

void
eml_rcpts_free(struct eml_rcpts *r)
{
	if (r == NULL)
		return;
	list_free(&r->main);
	list_free(&r->resent);
	free(r);
}

int
eml_field_drop_on_send(const char *name, size_t nlen)
{
	/* RFC 5322 3.6.3: Bcc is removed before the message is sent (the
	 * first of the three ways it describes, the one that tells no
	 * recipient about the others); the same for Resent-Bcc (3.6.6) */
	return emli_eqi(name, nlen, "bcc") || emli_eqi(name, nlen,
	    "resent-bcc");
}

/* ------------------------------------------------------------------ */
/* RFC 5321 4.1.2 Mailbox                                              */

/* RFC 5321 4.1.2: atext as in RFC 5322 */
static int
smtp_atext(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* Length of a UTF8-non-ascii character at s (RFC 6531 3.3), 0 if none. */
static size_t
utf8_char(const char *s, size_t n)
{
	size_t k;

	if ((unsigned char)s[0] < 0x80)
		return 0;
	for (k = 2; k <= 4 && k <= n; k++)
		if (eml_utf8_valid(s, k))
			return k;
	return 0;
}

/* IPv4-address-literal: Snum 3("." Snum), Snum 0..255, 1*3DIGIT. */
static int
ipv4_lit(const char *s, size_t n)
{
	size_t i = 0;
	int part, digits, val;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
		for (digits = 0, val = 0; i < n && s[i] >= '0' && s[i] <= '9' &&
		    digits < 4; i++, digits++)
			val = val * 10 + (s[i] - '0');
		if (digits == 0 || digits > 3 || val > 255)
			return 0;
	}
	return i == n;
}

int
eml_addr_smtp_ok(const char *a, size_t len, unsigned flags,
    const char **why_r)
{
	const char *why = NULL, *at = NULL;
	size_t i, k, llen, dlen, lab;
	int utf8 = (flags & EML_SMTP_UTF8) != 0;
	unsigned char c;

	if (a == NULL) {
		why = "no address";
		goto bad;
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)a[i];
		if (c == '\r' || c == '\n' || c == '\0') {
			why = "CR, LF or NUL in the address";
			goto bad;
		}
		if (c < 0x20 || c == 0x7F) {
			why = "control character in the address";
			goto bad;
		}
		if (c >= 0x80 && !utf8) {
			why = "non-ASCII address without SMTPUTF8";
			goto bad;
		}
	}
	if (utf8 && !eml_utf8_valid(a, len)) {
		why = "invalid UTF-8";
		goto bad;
	}
	/* Local-part = Dot-string / Quoted-string */
	i = 0;
	if (len > 0 && a[0] == '"') {
		for (i = 1; i < len && a[i] != '"'; i++) {
			c = (unsigned char)a[i];
			if (c == '\\') {
				/* quoted-pairSMTP = %d92 %d32-126 */
				if (++i >= len || (unsigned char)a[i] < 32 ||
				    (unsigned char)a[i] > 126) {
					why = "bad quoted pair";
					goto bad;
				}
			} else if (c < 32 || (c > 126 && !utf8)) {
				why = "bad character in quoted local part";
				goto bad;
			}
		}
		if (i >= len) {
			why = "unterminated quoted local part";
			goto bad;
		}
		i++;
		if (i >= len || a[i] != '@') {
			why = "no '@' after the local part";
			goto bad;
		}
	} else {
		/* Dot-string = Atom *("." Atom) */
		lab = 0;
		while (i < len && a[i] != '@') {
			if (a[i] == '.') {
				if (lab == 0) {
					why = "empty atom in the local part";
					goto bad;
				}
				lab = 0;
				i++;
			} else if (smtp_atext((unsigned char)a[i])) {
				lab++;
				i++;
			} else if (utf8 && (k = utf8_char(a + i, len - i)) > 0) {
				lab++;
				i += k;
			} else {
				why = "bad character in the local part";
				goto bad;
			}
		}
		if (lab == 0) {
			why = i == 0 ? "empty local part" :
			    "local part ends in '.'";
			goto bad;
		}
		if (i >= len) {
			why = "no '@'";
			goto bad;
		}
	}
	at = a + i;
	llen = i;
	dlen = len - i - 1;
	/* RFC 5321 4.5.3.1.1 and 4.5.3.1.2 */
	if (llen > 64) {
		why = "local part over 64 octets";
		goto bad;
	}
	if (dlen > 255) {
		why = "domain over 255 octets";
		goto bad;
	}
	if (dlen == 0) {
		why = "empty domain";
		goto bad;
	}
	a = at + 1;
	if (a[0] == '[') {
		/* address-literal; General-address-literal needs a tag
		 * registered with IANA, and none but IPv6 is */
		char tmp[64];
		struct in6_addr in6;

		if (a[dlen - 1] != ']') {
			why = "unterminated address literal";
			goto bad;
		}
		if (ipv4_lit(a + 1, dlen - 2))
			return 1;
		if (dlen - 2 > 5 && dlen - 2 < sizeof(tmp) + 5 &&
		    strncasecmp(a + 1, "IPv6:", 5) == 0) {
			memcpy(tmp, a + 6, dlen - 7);
			tmp[dlen - 7] = '\0';
			if (inet_pton(AF_INET6, tmp, &in6) == 1)
				return 1;
		}
		why = "bad address literal";
		goto bad;
	}
	/* Domain = sub-domain *("." sub-domain); sub-domain = Let-dig
	 * [Ldh-str], with U-labels under SMTPUTF8 (RFC 6531 3.3) */
	lab = 0;
	for (i = 0; i < dlen; ) {
		c = (unsigned char)a[i];
		if (c == '.') {
			if (lab == 0 || a[i - 1] == '-') {
				why = "bad domain label";
				goto bad;
			}
			lab = 0;
			i++;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c == '-' && lab > 0)) {
			lab++;
			i++;
		} else if (utf8 && (k = utf8_char(a + i, dlen - i)) > 0) {
			lab++;
			i += k;
		} else {
			why = "bad character in the domain";
			goto bad;
		}
		if (lab > 63) {
			why = "domain label over 63 octets";
			goto bad;
		}
	}
	if (lab == 0 || a[dlen - 1] == '-') {
		why = "bad domain label";
		goto bad;
	}
	return 1;
bad:
	if (why_r != NULL)
		*why_r = why;
	return 0;
}

/* ------------------------------------------------------------------ */
/* SMTPUTF8 / 8BITMIME                                                 */

void
eml_transport_init(struct eml_transport *t)
{
	memset(t, 0, sizeof(*t));
}

/* Lines (RFC 5321 4.5.3.1.6: 998 octets plus CRLF), NUL and bare CR,
 * over bytes that arrive in any chunks. */
static void
scan_lines(struct eml_transport *t, const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (t->cr_) {
			t->cr_ = 0;
			if (c != '\n')
				t->binary = 1;	/* bare CR */
		}
		if (c == '\n') {
			t->col_ = 0;
			continue;
		}
		if (c == '\r') {
			t->cr_ = 1;
			continue;
		}
		if (c == '\0')
			t->binary = 1;
		if (++t->col_ > 998)
			t->binary = 1;
	}
}

static int
has_8bit(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= 0x80)
			return 1;
	return 0;
}

void
eml_transport_event(struct eml_transport *t, const struct eml_event *ev)
{
	const unsigned char *s = (const unsigned char *)ev->raw;

	if (ev->raw == NULL || ev->raw_len == 0)
		return;
	scan_lines(t, s, ev->raw_len);
	if (!has_8bit(s, ev->raw_len))
		return;
	/* RFC 6532 3: UTF-8 in the message header needs SMTPUTF8 (RFC
	 * 6531); 8-bit anywhere else (bodies, part headers, which are
	 * body text of the message) needs 8BITMIME (RFC 6152) */
	if (ev->type == EML_EV_HEADER && ev->part != NULL &&
	    ev->part->depth == 0)
		t->smtputf8 = 1;
	else
		t->eightbit = 1;
}

int
eml_rcpts_need_smtputf8(const struct eml_rcpts *r)
{
	char *const *v;
	size_t n, i;

	eml_rcpts_list(r, &v, &n);
	for (i = 0; i < n; i++)
		if (has_8bit((const unsigned char *)v[i], strlen(v[i])))
			return 1;
	return 0;
}
