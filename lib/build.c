/*
 * build.c - building new messages and editing parsed ones.
 *
 * A build has a header list and one of two kinds of body:
 *
 *  - new: an optional text part and attachments, encoded on write (one
 *    leaf, or multipart/mixed when there are attachments);
 *  - raw: the body of a parsed message, kept as bytes.  Attachments added
 *    to it are inserted before the close delimiter of a multipart/mixed,
 *    or the old body is wrapped as the first part of a new one.
 *
 * Fields of a parsed message keep their raw bytes (and the gap up to the
 * next field, so odd bytes survive) until edited; so does everything
 * before the first field and after the header block.  Writing an
 * unedited build therefore gives the parsed bytes back exactly.
 *
 * Header injection is impossible by construction: names are checked
 * against RFC 5322 ftext, values with CR or LF are refused, and file
 * names and content types with control characters are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "eml_priv.h"

/* Caps so that a build cannot grow without bound. */
#define BUILD_MAX_HEADERS	EML_DEFAULT_MAX_HEADERS
#define BUILD_MAX_ATTACH	EML_DEFAULT_MAX_PARTS
#define BUILD_MAX_VALUE		EML_DEFAULT_MAX_HEADER_BYTES
#define BUILD_MAX_NAME		998	/* RFC 5322 2.1.1 line limit */
#define BUILD_LINE_MAX		78	/* RFC 5322 2.1.1 "SHOULD" */
#define BOUNDARY_PREFIX		"=_emlkit_"
#define BOUNDARY_TRIES		16

struct bhdr {
	char *name;		/* NUL-terminated copy */
	char *value;		/* UTF-8 to encode, or NULL: use raw */
	size_t raw_off;		/* field bytes in b->src */
	size_t raw_len;
	size_t gap_len;		/* bytes after the field that belong to no
				 * field, kept even when it is edited */
};

struct batt {
	char *ctype;		/* lower-case "type/subtype" */
	char *filename;		/* UTF-8, NULL = none */
	char *data;		/* NULL when read from fd */
	size_t len;
	int fd;			/* read at write time, or -1 */
};

struct eml_build {
	struct bhdr *h;
	size_t nh, caph;
	struct batt *a;
	size_t na, capa;
	char *text;		/* text body, UTF-8 */
	size_t text_len;
	int has_text;
	char subtype[8];	/* "plain" or "html" */

	/* Parsed source (eml_build_from_msg); src == NULL for new builds. */
	char *src;		/* copy of the message bytes */
	size_t src_len;
	int raw_body;		/* body is src[hdr_end..src_len) */
	size_t pre_len;		/* bytes before the first field */
	size_t hdr_end;		/* start of the blank line after fields */
	size_t sep_len;		/* length of that blank line (0: none) */
	int src_mixed;		/* top level is multipart/mixed */
	char src_bnd[EML_BOUNDARY_MAX + 1];
	char src_eol[3];	/* line end the source uses, "" unknown */
};

/* ------------------------------------------------------------------ */
/* Small helpers.                                                       */

static char *
dupn(const char *s, size_t n)
{
	char *p;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static const char *
find(const char *hay, size_t n, const char *needle, size_t m)
{
	size_t i;

	if (m == 0 || m > n)
		return NULL;
	for (i = 0; i + m <= n; i++) {
		const char *p = memchr(hay + i, needle[0], n - m + 1 - i);

		if (p == NULL)
			return NULL;
		i = (size_t)(p - hay);
		if (memcmp(p, needle, m) == 0)
			return p;
	}
	return NULL;
}

static int
is_content_field(const char *name)
{
	return strncasecmp(name, "content-", 8) == 0;
}

/* RFC 5322 3.6.8: field-name = 1*ftext; ftext = %d33-57 / %d59-126 */
static int
valid_name(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0')
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 33 || c > 126 || c == ':' || i >= BUILD_MAX_NAME)
			return 0;
	}
	return 1;
}

/* 1 if s[0..n) is well-formed UTF-8. */
static int
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0, k, need;

	while (i < n) {
		unsigned char c = s[i], lo = 0x80, hi = 0xBF;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			need = 1;
		else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			lo = c == 0xE0 ? 0xA0 : 0x80;
			hi = c == 0xED ? 0x9F : 0xBF;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			lo = c == 0xF0 ? 0x90 : 0x80;
			hi = c == 0xF4 ? 0x8F : 0xBF;
		} else
			return 0;
		for (k = 1; k <= need; k++) {
			if (i + k >= n || s[i + k] < lo || s[i + k] > hi)
				return 0;
			lo = 0x80;
			hi = 0xBF;
		}
		i += need + 1;
	}
	return 1;
}

/* A header value must not be able to start a new field or line: no CR,
 * LF (or NUL, which a C string cannot hold anyway), and it must be UTF-8
 * so that the encoder never emits raw bytes it does not understand. */
static int
valid_value(const char *v)
{
	size_t n;

	if (v == NULL)
		return 0;
	n = strcspn(v, "\r\n");
	if (v[n] != '\0' || n > BUILD_MAX_VALUE)
		return 0;
	return utf8_ok((const unsigned char *)v, n);
}

/* File names end up in parameters: no control characters at all. */
static int
valid_filename(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return i <= BUILD_MAX_VALUE &&
	    utf8_ok((const unsigned char *)s, i);
}

/* RFC 2045 5.1: type "/" subtype, both tokens.  Parameters are not
 * accepted here (the builder writes its own). */
static int
valid_ctype(const char *s)
{
	static const char tspecials[] = "()<>@,;:\\\"/[]?=";
	const char *slash = strchr(s, '/');
	size_t i;

	if (slash == NULL || slash == s || slash[1] == '\0' ||
	    strlen(s) > 127)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (s + i == slash)
			continue;
		if (c <= 32 || c >= 127 || strchr(tspecials, c) != NULL)
			return 0;
	}
	return 1;
}

static void
random_bytes(unsigned char *p, size_t n)
{
	static unsigned long ctr;
	size_t got = 0, i;
	ssize_t r;
	int fd;

	while (got < n) {
		r = getrandom(p + got, n - got, GRND_NONBLOCK);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got < n && (fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) >= 0) {
		while (got < n && (r = read(fd, p + got, n - got)) > 0)
			got += (size_t)r;
		close(fd);
	}
	/* Last resort: uniqueness, not secrecy, is what boundaries and
	 * message-ids need; time, pid, a counter and an address mix. */
	if (got < n) {
		unsigned long long x = (unsigned long long)time(NULL) ^
		    ((unsigned long long)getpid() << 32) ^
		    ((unsigned long long)(uintptr_t)p << 7) ^ ++ctr;

		for (i = got; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			p[i] = (unsigned char)(x >> 24);
		}
	}
}

static void
random_hex(char *out, size_t nbytes)
{
	static const char hx[] = "0123456789abcdef";
	unsigned char r[32];
	size_t i;

	if (nbytes > sizeof(r))
		nbytes = sizeof(r);
	random_bytes(r, nbytes);
	for (i = 0; i < nbytes; i++) {
		out[2 * i] = hx[r[i] >> 4];
		out[2 * i + 1] = hx[r[i] & 15];
	}
	out[2 * nbytes] = '\0';
}

/* ------------------------------------------------------------------ */
/* Construction and header editing.                                     */

struct eml_build *
eml_build_new(void)
{
	struct eml_build *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	memcpy(b->subtype, "plain", 6);
	return b;
}

static void
att_free(struct batt *a)
{
	free(a->ctype);
	free(a->filename);
	free(a->data);
}

void
eml_build_free(struct eml_build *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->nh; i++) {
		free(b->h[i].name);
		free(b->h[i].value);
	}
	for (i = 0; i < b->na; i++)
		att_free(&b->a[i]);
	free(b->h);
	free(b->a);
	free(b->text);
	free(b->src);
	free(b);
}

static int
hdr_append(struct eml_build *b, const char *name, size_t name_len,
    const char *value, size_t raw_off, size_t raw_len, size_t gap_len)
{
	struct bhdr *nh;
	size_t cap;

	if (b->nh >= BUILD_MAX_HEADERS)
		return EML_ELIMIT;
	if (b->nh == b->caph) {
		cap = b->caph ? b->caph * 2 : 16;
		if ((nh = realloc(b->h, cap * sizeof(*nh))) == NULL)
			return EML_ENOMEM;
		b->h = nh;
		b->caph = cap;
	}
	nh = &b->h[b->nh];
	memset(nh, 0, sizeof(*nh));
	if ((nh->name = dupn(name, name_len)) == NULL)
		return EML_ENOMEM;
	if (value != NULL && (nh->value = dupn(value, strlen(value))) == NULL) {
		free(nh->name);
		return EML_ENOMEM;
	}
	nh->raw_off = raw_off;
	nh->raw_len = raw_len;
	nh->gap_len = gap_len;
	b->nh++;
	return EML_OK;
}

static void
hdr_delete(struct eml_build *b, size_t i)
{
	free(b->h[i].name);
	free(b->h[i].value);
	memmove(&b->h[i], &b->h[i + 1], (b->nh - i - 1) * sizeof(b->h[0]));
	b->nh--;
}

/* The builder writes Content-Type and Content-Transfer-Encoding of new
 * bodies itself; letting the caller set them too would give two
 * conflicting fields (or a body that does not match its encoding). */
static int
reserved_name(const struct eml_build *b, const char *name)
{
	if (b->raw_body)
		return 0;
	return strcasecmp(name, "Content-Type") == 0 ||
	    strcasecmp(name, "Content-Transfer-Encoding") == 0;
}

int
eml_build_set_header(struct eml_build *b, const char *name,
    const char *utf8)
{
	size_t i;
	char *v;
	int found = 0;

	if (b == NULL || !valid_name(name) || !valid_value(utf8) ||
	    reserved_name(b, name))
		return EML_EINVAL;
	/* The first field of that name is replaced where it stands (so an
	 * edit keeps the field order), later ones go. */
	for (i = 0; i < b->nh; ) {
		if (strcasecmp(b->h[i].name, name) != 0) {
			i++;
			continue;
		}
		if (found) {
			hdr_delete(b, i);
			continue;
		}
		if ((v = dupn(utf8, strlen(utf8))) == NULL)
			return EML_ENOMEM;
		free(b->h[i].value);
		b->h[i].value = v;
		found = 1;
		i++;
	}
	if (found)
		return EML_OK;
	return hdr_append(b, name, strlen(name), utf8, 0, 0, 0);
}

int
eml_build_add_header(struct eml_build *b, const char *name,
    const char *utf8)
{
	if (b == NULL || !valid_name(name) || !valid_value(utf8) ||
	    reserved_name(b, name))
		return EML_EINVAL;
	return hdr_append(b, name, strlen(name), utf8, 0, 0, 0);
}

int
eml_build_remove_header(struct eml_build *b, const char *name)
{
	size_t i;
	int n = 0;

	if (b == NULL || name == NULL)
		return 0;
	for (i = 0; i < b->nh; ) {
		if (strcasecmp(b->h[i].name, name) == 0) {
			hdr_delete(b, i);
			n++;
		} else
			i++;
	}
	return n;
}

static const struct eml_header *
msg_hdr(const struct eml_node *n, size_t i)
{
	return &n->headers[i];
}

/* A nested multipart with the top-level boundary (broken mail) makes
 * "before the close delimiter" ambiguous: such a message is wrapped
 * instead of appended to. */
static int
boundary_reused(const struct eml_node *root)
{
	const struct eml_node *n;

	for (n = eml_node_next(root); n != NULL; n = eml_node_next(n))
		if (n->info.is_multipart &&
		    strcmp(n->info.boundary, root->info.boundary) == 0)
			return 1;
	return 0;
}

struct eml_build *
eml_build_from_msg(const struct eml_msg *msg)
{
	const struct eml_node *root;
	const struct eml_header *hd;
	struct eml_build *b;
	size_t i, start, end, prev_end;

	if (msg == NULL || msg->root == NULL || (msg->buf == NULL &&
	    msg->len > 0))
		return NULL;
	root = msg->root;
	if ((b = eml_build_new()) == NULL)
		return NULL;
	if ((b->src = dupn(msg->buf, msg->len)) == NULL)
		goto fail;
	b->src_len = msg->len;
	b->raw_body = 1;

	/* End of the header block: the blank line, else the body. */
	if (root->sep != NULL) {
		b->hdr_end = (size_t)(root->sep - msg->buf);
		b->sep_len = root->sep_len;
	} else
		b->hdr_end = (size_t)EMLI_MIN(root->info.body_offset,
		    (uint64_t)msg->len);
	if (b->hdr_end > msg->len || b->sep_len > msg->len - b->hdr_end)
		goto fail;

	/* Each field owns its bytes up to the next field (or the end of
	 * the block), so that any gap is written back unchanged. */
	prev_end = b->pre_len = root->nheaders > 0 ?
	    (size_t)(msg_hdr(root, 0)->raw - msg->buf) : b->hdr_end;
	for (i = 0; i < root->nheaders; i++) {
		hd = msg_hdr(root, i);
		start = (size_t)(hd->raw - msg->buf);
		end = i + 1 < root->nheaders ?
		    (size_t)(msg_hdr(root, i + 1)->raw - msg->buf) : b->hdr_end;
		if (hd->raw < msg->buf || start != prev_end ||
		    end < start + hd->raw_len || end > b->hdr_end)
			goto fail;
		if (hdr_append(b, hd->name, hd->name_len, NULL, start,
		    hd->raw_len, end - start - hd->raw_len) != EML_OK)
			goto fail;
		prev_end = end;
	}

	/* New lines follow the source's own line ends, since its raw bytes
	 * cannot change; mixing both would be a defect. */
	if (root->nheaders > 0) {
		hd = msg_hdr(root, 0);
		if (hd->raw_len >= 2 && hd->raw[hd->raw_len - 1] == '\n')
			snprintf(b->src_eol, sizeof(b->src_eol), "%s",
			    hd->raw[hd->raw_len - 2] == '\r' ? "\r\n" : "\n");
	}
	if (b->src_eol[0] == '\0' && b->sep_len > 0)
		snprintf(b->src_eol, sizeof(b->src_eol), "%s",
		    b->sep_len >= 2 ? "\r\n" : "\n");

	if (root->info.is_multipart &&
	    strcmp(root->info.ctype, "multipart/mixed") == 0 &&
	    root->info.boundary[0] != '\0' &&
	    root->info.boundary_len <= EML_BOUNDARY_MAX &&	/* parser */
	    !boundary_reused(root)) {
		b->src_mixed = 1;
		memcpy(b->src_bnd, root->info.boundary,
		    root->info.boundary_len + 1);
	}
	return b;
fail:
	eml_build_free(b);
	return NULL;
}

int
eml_build_set_text(struct eml_build *b, const char *subtype,
    const char *utf8, size_t len)
{
	char *t;
	size_t i;

	if (b == NULL || subtype == NULL || (utf8 == NULL && len > 0))
		return EML_EINVAL;
	if (strcasecmp(subtype, "plain") != 0 &&
	    strcasecmp(subtype, "html") != 0)
		return EML_EINVAL;
	if ((t = dupn(utf8 != NULL ? utf8 : "", len)) == NULL)
		return EML_ENOMEM;
	free(b->text);
	b->text = t;
	b->text_len = len;
	b->has_text = 1;
	snprintf(b->subtype, sizeof(b->subtype), "%s",
	    strcasecmp(subtype, "html") == 0 ? "html" : "plain");
	/* A parsed message's body is replaced: its Content-* fields
	 * described the old body, so they go with it. */
	if (b->raw_body) {
		b->raw_body = 0;
		b->src_mixed = 0;
		for (i = 0; i < b->nh; ) {
			if (is_content_field(b->h[i].name))
				hdr_delete(b, i);
			else
				i++;
		}
	}
	return EML_OK;
}

static const struct {
	const char *ext;
	const char *ctype;
} ext_types[] = {
	{ "pdf", "application/pdf" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "txt", "text/plain" },
	{ "html", "text/html" },
	{ "htm", "text/html" },
	{ "zip", "application/zip" },
	{ "gz", "application/gzip" },
	{ "json", "application/json" },
	{ "csv", "text/csv" },
	{ "ics", "text/calendar" },
	{ "eml", "message/rfc822" },
};

static const char *
guess_ctype(const char *filename)
{
	const char *dot;
	size_t i;

	if (filename == NULL || (dot = strrchr(filename, '.')) == NULL ||
	    strchr(dot, '/') != NULL)
		return "application/octet-stream";
	for (i = 0; i < EMLI_NELEM(ext_types); i++)
		if (strcasecmp(dot + 1, ext_types[i].ext) == 0)
			return ext_types[i].ctype;
	return "application/octet-stream";
}

/* The common part of eml_build_attach and eml_build_attach_fd. */
static int
attach(struct eml_build *b, const char *ctype, const char *filename,
    const void *data, size_t len, int fd)
{
	struct batt *a, *na;
	size_t cap, i;

	if (b == NULL || (data == NULL && len > 0))
		return EML_EINVAL;
	if (filename != NULL && !valid_filename(filename))
		return EML_EINVAL;
	if (ctype == NULL)
		ctype = guess_ctype(filename);
	/* A multipart body cannot be carried as an opaque leaf. */
	if (!valid_ctype(ctype) || strncasecmp(ctype, "multipart/", 10) == 0)
		return EML_EINVAL;
	if (b->na >= BUILD_MAX_ATTACH)
		return EML_ELIMIT;
	if (b->na == b->capa) {
		cap = b->capa ? b->capa * 2 : 4;
		if ((na = realloc(b->a, cap * sizeof(*na))) == NULL)
			return EML_ENOMEM;
		b->a = na;
		b->capa = cap;
	}
	a = &b->a[b->na];
	memset(a, 0, sizeof(*a));
	a->fd = fd;
	if ((a->ctype = dupn(ctype, strlen(ctype))) == NULL ||
	    (filename != NULL &&
	    (a->filename = dupn(filename, strlen(filename))) == NULL) ||
	    (fd < 0 &&
	    (a->data = dupn(data != NULL ? data : "", len)) == NULL)) {
		att_free(a);
		return EML_ENOMEM;
	}
	for (i = 0; a->ctype[i] != '\0'; i++)
		a->ctype[i] = EMLI_LOWER(a->ctype[i]);
	a->len = fd < 0 ? len : 0;
	b->na++;
	return EML_OK;
}

int
eml_build_attach(struct eml_build *b, const char *ctype,
    const char *filename, const void *data, size_t len)
{
	return attach(b, ctype, filename, data, len, -1);
}

int
eml_build_attach_fd(struct eml_build *b, const char *ctype,
    const char *filename, int fd)
{
	if (fd < 0)
		return EML_EINVAL;
	return attach(b, ctype, filename, NULL, 0, fd);
}

/* ------------------------------------------------------------------ */
/* Encoding bodies, written as they are encoded.                        */

/*
 * Everything goes to the caller's sink through this one, which
 * remembers the last byte written: a part must end with a line end, and
 * whether it does is known only from what went out.
 */
struct track {
	struct eml_sink s;
	struct eml_sink *out;
	int last;		/* last byte written, -1: none since reset */
};

static int
track_write(struct eml_sink *s, const void *p, size_t n)
{
	struct track *t = (struct track *)s;
	int r;

	if ((r = eml_sink_write(t->out, p, n)) < 0)
		return r;
	t->last = ((const unsigned char *)p)[n - 1];
	return EML_OK;
}

static const struct emli_sink_ops track_ops = { track_write, NULL, NULL };

static int
put(struct track *t, const void *p, size_t n)
{
	return eml_sink_write(&t->s, p, n);
}

static int
puts_(struct track *t, const char *s)
{
	return eml_sink_puts(&t->s, s);
}

static int
eol_if_missing(struct track *t, const char *eol)
{
	return t->last == '\n' ? EML_OK : puts_(t, eol);
}

/*
 * The canonical form of text for base64 (RFC 2045 6.8, RFC 2046 4.1.1):
 * LF becomes CRLF; CRLF and a bare CR stay as they are.
 */
struct canon_sink {
	struct eml_sink s;
	int cr;			/* the last byte was CR */
};

static int
canon_write(struct eml_sink *s, const void *p, size_t n)
{
	struct canon_sink *c = (struct canon_sink *)s;
	const char *q = p, *end = q + n, *run = q;
	int r;

	for (; q < end; q++) {
		if (*q == '\n' && !c->cr) {
			if ((r = eml_sink_write(s->next, run,
			    (size_t)(q - run))) < 0 ||
			    (r = eml_sink_write(s->next, "\r", 1)) < 0)
				return r;
			run = q;
		}
		c->cr = *q == '\r';
	}
	return eml_sink_write(s->next, run, (size_t)(q - run));
}

static const struct emli_sink_ops canon_ops = { canon_write, NULL, NULL };

static struct eml_sink *
canon_filter(struct eml_sink *next)
{
	return emli_sink_new(sizeof(struct canon_sink), &canon_ops, next, 1);
}

/* Run p[0..n) through chain (built on a sub-sink of t) and close it. */
static int
through(struct eml_sink *chain, const void *p, size_t n)
{
	int r;

	if (chain == NULL)
		return EML_ENOMEM;
	if ((r = eml_sink_write(chain, p, n)) != EML_OK) {
		eml_sink_abort(chain);
		return r;
	}
	return eml_sink_close(chain);
}

#define FD_CHUNK	(64 * 1024)

/* Read fd to its end into chain, then close it. */
static int
through_fd(struct eml_sink *chain, int fd)
{
	char *buf;
	ssize_t k;
	int r = EML_OK, e;

	if (chain == NULL)
		return EML_ENOMEM;
	if ((buf = malloc(FD_CHUNK)) == NULL) {
		eml_sink_abort(chain);
		return EML_ENOMEM;
	}
	for (;;) {
		k = read(fd, buf, FD_CHUNK);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if ((r = eml_sink_write(chain, buf, (size_t)k)) != EML_OK)
			break;
	}
	e = errno;
	free(buf);
	if (k < 0)
		r = EML_EIO;
	if (r != EML_OK) {
		eml_sink_abort(chain);
		errno = e;
		return r;
	}
	return eml_sink_close(chain);
}

struct scan {
	size_t nbad;		/* 8-bit and control bytes */
	size_t longest;		/* longest line, without its EOL */
	size_t len;		/* length with CRLF counted as LF */
	int bare_cr;		/* a CR not followed by LF */
	int nul;
	int eightbit;
};

/* Look at text as if its CRLFs were LFs. */
static void
scan_text(const char *p, size_t n, struct scan *sc)
{
	size_t i, col = 0;

	memset(sc, 0, sizeof(*sc));
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\r' && i + 1 < n && p[i + 1] == '\n')
			continue;
		sc->len++;
		if (c == '\n') {
			col = 0;
			continue;
		}
		if (++col > sc->longest)
			sc->longest = col;
		if (c == '\r')
			sc->bare_cr = 1;
		if (c == 0)
			sc->nul = 1;
		if (c >= 0x80)
			sc->eightbit = 1;
		if (c >= 0x80 || c == 0x7f || (c < 0x20 && c != '\t'))
			sc->nbad++;
	}
}

/*
 * The encoding of a text part: 7bit when it is plain ASCII with short
 * lines, quoted-printable when few bytes need escaping (QP costs 3 bytes
 * for each, base64 4/3 for all), else base64 of the canonical CRLF form
 * (RFC 2045 6.8 / RFC 2046 4.1.1).
 */
static enum eml_cte
text_cte(const char *p, size_t n)
{
	struct scan sc;

	scan_text(p, n, &sc);
	if (sc.nbad == 0 && !sc.bare_cr && sc.longest <= BUILD_LINE_MAX)
		return EML_CTE_7BIT;
	if (!sc.bare_cr && !sc.nul && sc.nbad * 6 < sc.len)
		return EML_CTE_QP;
	return EML_CTE_BASE64;
}

static int
text_body(struct track *t, const char *p, size_t n, enum eml_cte cte,
    const char *eol)
{
	int crlf = strcmp(eol, "\r\n") == 0, r;

	t->last = -1;
	switch (cte) {
	case EML_CTE_7BIT:
		if ((r = through(eml_filter_eol(eml_sink_sub(&t->s), crlf), p,
		    n)) != EML_OK)
			return r;
		return eol_if_missing(t, eol);
	case EML_CTE_QP:
		/* text mode: CRLF and LF are line ends, as eol */
		if ((r = through(eml_filter_qp_enc(eml_sink_sub(&t->s), crlf,
		    0), p, n)) != EML_OK)
			return r;
		/* Keep the decoded text exact: end with a soft line break
		 * rather than adding a newline the text did not have (the
		 * encoder's lines have at most 75 characters, so the '='
		 * fits). */
		if (t->last != -1 && t->last != '\n' &&
		    (r = puts_(t, "=")) != EML_OK)
			return r;
		return t->last == -1 ? EML_OK : eol_if_missing(t, eol);
	default:
		if ((r = through(canon_filter(eml_filter_b64_enc(
		    eml_sink_sub(&t->s), 0, crlf)), p, n)) != EML_OK)
			return r;
		return eol_if_missing(t, eol);
	}
}

/* Write "prefix" + param(s) + eol, breaking after the first ';' when
 * the parameter does not fit on the line. */
static int
param_field(const char *prefix, const char *pname, const char *value,
    const char *eol, struct track *o)
{
	struct eml_buf t = { 0 };
	const char *nl;
	size_t first;
	int r;

	if ((r = puts_(o, prefix)) != EML_OK)
		return r;
	if (value != NULL) {
		t.max = BUILD_MAX_VALUE * 4;
		if ((r = eml_rfc2231_encode(pname, value, strlen(value), eol,
		    &t)) != EML_OK)
			goto out;
		nl = t.len > 0 ? memchr(t.data, '\n', t.len) : NULL;
		first = nl != NULL ? (size_t)(nl - t.data) : t.len;
		if (first > 0 && t.data[first - 1] == '\r')
			first--;
		if (strlen(prefix) + first > BUILD_LINE_MAX && t.len >= 2 &&
		    t.data[0] == ';' && t.data[1] == ' ') {
			if ((r = puts_(o, ";")) != EML_OK ||
			    (r = puts_(o, eol)) != EML_OK ||
			    (r = put(o, t.data + 1, t.len - 1)) != 0)
				goto out;
		} else if (t.len > 0 && (r = put(o, t.data, t.len)) != EML_OK)
			goto out;
	}
	r = puts_(o, eol);
out:
	eml_buf_free(&t);
	return r;
}

/* 1 if data can travel as 7bit/8bit lines of at most 998 octets, as a
 * message/rfc822 body must (RFC 2046 5.2.1: no base64 there). */
static int
message_ok(const char *p, size_t n, int *eightbit_r)
{
	size_t i, col = 0;

	*eightbit_r = 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\n') {
			col = 0;
			continue;
		}
		if (c == '\r' && i + 1 < n && p[i + 1] == '\n')
			continue;
		if (c == '\r' || c == 0 || ++col > 998)
			return 0;
		if (c >= 0x80)
			*eightbit_r = 1;
	}
	return 1;
}

static int
text_part(const struct eml_build *b, const char *eol, struct track *t)
{
	const char *text = b->text != NULL ? b->text : "";
	enum eml_cte cte = text_cte(text, b->text_len);
	int r;

	if ((r = puts_(t, "Content-Type: text/")) != EML_OK ||
	    (r = puts_(t, b->subtype)) != EML_OK ||
	    (r = puts_(t, "; charset=utf-8")) != EML_OK ||
	    (r = puts_(t, eol)) != EML_OK ||
	    (r = puts_(t, "Content-Transfer-Encoding: ")) != EML_OK ||
	    (r = puts_(t, eml_cte_name(cte))) != EML_OK ||
	    (r = puts_(t, eol)) != EML_OK ||
	    (r = puts_(t, eol)) != EML_OK)
		return r;
	return text_body(t, text, b->text_len, cte, eol);
}

/*
 * One attachment.  From memory, a message type that fits 7bit/8bit lines
 * goes as it is (RFC 2046 5.2.1), anything else as base64.  From a
 * descriptor nothing can be looked at first, so it is always base64 and
 * a message type becomes application/octet-stream (a message/rfc822
 * body must not be base64).
 */
static int
att_part(const struct batt *a, const char *eol, int force_b64,
    struct track *o)
{
	struct eml_buf pre = { 0 };
	const char *ctype = a->ctype;
	int r, eightbit = 0, raw = 0, crlf = strcmp(eol, "\r\n") == 0;

	if (strncmp(ctype, "message/", 8) == 0) {
		if (a->fd < 0 && !force_b64 &&
		    message_ok(a->data, a->len, &eightbit))
			raw = 1;
		else
			ctype = "application/octet-stream";
	}
	if ((r = eml_buf_adds(&pre, "Content-Type: ")) != EML_OK ||
	    (r = eml_buf_adds(&pre, ctype)) != EML_OK)
		goto out;
	if ((r = param_field(pre.data, "name", a->filename, eol, o)) != 0 ||
	    (r = param_field("Content-Disposition: attachment", "filename",
	    a->filename, eol, o)) != EML_OK ||
	    (r = puts_(o, "Content-Transfer-Encoding: ")) != EML_OK ||
	    (r = puts_(o, raw ? (eightbit ? "8bit" : "7bit") :
	    "base64")) != EML_OK ||
	    (r = puts_(o, eol)) != EML_OK ||
	    (r = puts_(o, eol)) != EML_OK)
		goto out;
	if (raw)
		r = through(eml_filter_eol(eml_sink_sub(&o->s), crlf), a->data,
		    a->len);
	else if (a->fd >= 0)
		r = through_fd(eml_filter_b64_enc(eml_sink_sub(&o->s), 0,
		    crlf), a->fd);
	else
		r = through(eml_filter_b64_enc(eml_sink_sub(&o->s), 0, crlf),
		    a->data, a->len);
	if (r == EML_OK)
		r = eol_if_missing(o, eol);
out:
	eml_buf_free(&pre);
	return r;
}

/* ------------------------------------------------------------------ */
/* Writing.                                                             */

static int
has_header(const struct eml_build *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->nh; i++)
		if (strcasecmp(b->h[i].name, name) == 0)
			return 1;
	return 0;
}

/* Fields selected by want: 0 all, 1 only Content-*, -1 all but
 * Content-*.  more: something follows the fields. */
static int
write_headers(const struct eml_build *b, int want, int more,
    const char *eol, struct track *o)
{
	struct eml_buf enc = { 0 };
	const struct bhdr *h;
	size_t i;
	int r = EML_OK, c, pending = 0;

	for (i = 0; i < b->nh && r == EML_OK; i++) {
		h = &b->h[i];
		c = is_content_field(h->name);
		if ((want > 0 && !c) || (want < 0 && c))
			continue;
		/* A raw field that ended the input may lack its EOL; what
		 * follows must not join it. */
		if (pending && (r = puts_(o, eol)) != EML_OK)
			break;
		if (h->value == NULL)
			r = put(o, b->src + h->raw_off, h->raw_len);
		else {
			eml_buf_reset(&enc);
			if ((r = eml_hdr_encode(h->name, h->value,
			    strlen(h->value), eol, &enc)) == EML_OK)
				r = put(o, enc.data, enc.len);
		}
		if (r == EML_OK && h->gap_len > 0)
			r = put(o, b->src + h->raw_off + h->raw_len,
			    h->gap_len);
		pending = o->last != '\n';
	}
	eml_buf_free(&enc);
	if (r == EML_OK && pending && more)
		r = puts_(o, eol);
	return r;
}

static const char *const wday[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const month[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* RFC 5322 3.3 date-time, local time; no locale involved. */
static void
now_rfc5322(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;
	long off;

	if (localtime_r(&t, &tm) == NULL) {
		gmtime_r(&t, &tm);
		tm.tm_gmtoff = 0;
	}
	off = tm.tm_gmtoff / 60;
	snprintf(buf, size, "%s, %d %s %04d %02d:%02d:%02d %c%02ld%02ld",
	    wday[tm.tm_wday % 7], tm.tm_mday, month[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60,
	    (off < 0 ? -off : off) % 60);
}

/* RFC 5322 3.6.4: "<" time.pid.random "@" host ">".  The host name is
 * used only when it is a plain dot-atom of letters, digits and '-'. */
static void
new_msgid(char *buf, size_t size)
{
	char host[256], rnd[33];
	time_t t = time(NULL);
	struct tm tm;
	size_t i;
	int ok;

	ok = gethostname(host, sizeof(host)) == 0;
	host[sizeof(host) - 1] = '\0';
	for (i = 0; ok && host[i] != '\0'; i++) {
		unsigned char c = (unsigned char)host[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' ||
		    (c == '.' && i > 0 && host[i + 1] != '\0' &&
		    host[i + 1] != '.')))
			ok = 0;
	}
	if (!ok || host[0] == '\0' || i > 200)
		memcpy(host, "localhost", 10);
	gmtime_r(&t, &tm);
	random_hex(rnd, 8);
	snprintf(buf, size, "<%04d%02d%02d%02d%02d%02d.%ld.%s@%s>",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long)getpid(), rnd, host);
}

/* Date, Message-ID and MIME-Version for new messages when missing. */
static int
auto_headers(const struct eml_build *b, int want_date, const char *eol,
    struct track *o)
{
	char tmp[320];
	int r;

	if (want_date && !has_header(b, "Date")) {
		now_rfc5322(tmp, sizeof(tmp));
		if ((r = puts_(o, "Date: ")) != EML_OK ||
		    (r = puts_(o, tmp)) != EML_OK ||
		    (r = puts_(o, eol)) != EML_OK)
			return r;
	}
	if (want_date && !has_header(b, "Message-ID")) {
		new_msgid(tmp, sizeof(tmp));
		if ((r = puts_(o, "Message-ID: ")) != EML_OK ||
		    (r = puts_(o, tmp)) != EML_OK ||
		    (r = puts_(o, eol)) != EML_OK)
			return r;
	}
	if (!has_header(b, "MIME-Version")) {
		if ((r = puts_(o, "MIME-Version: 1.0")) != EML_OK ||
		    (r = puts_(o, eol)) != EML_OK)
			return r;
	}
	return EML_OK;
}

static int
mixed_header(const char *bnd, const char *eol, struct track *o)
{
	int r;

	/* The boundary has '=' (a tspecial), so it must be quoted. */
	if ((r = puts_(o, "Content-Type: multipart/mixed;")) != 0 ||
	    (r = puts_(o, eol)) != EML_OK ||
	    (r = puts_(o, " boundary=\"")) != EML_OK ||
	    (r = puts_(o, bnd)) != EML_OK ||
	    (r = puts_(o, "\"")) != EML_OK)
		return r;
	return puts_(o, eol);
}

static int
delim(const char *bnd, int close, const char *eol, struct track *o)
{
	int r;

	if ((r = puts_(o, "--")) != EML_OK ||
	    (r = puts_(o, bnd)) != EML_OK ||
	    (close && (r = puts_(o, "--")) != EML_OK))
		return r;
	return puts_(o, eol);
}

/*
 * RFC 2046 5.1.1: the boundary must not occur in any part.  Parts are
 * written as they are encoded, so they cannot all be searched first;
 * what makes the guarantee instead:
 *  - base64 output has no '-' at all, and quoted-printable output never
 *    has "=_" ('=' is always =XX with hex digits, or a soft break), so
 *    "--=_emlkit_" cannot occur in either: attachments from a
 *    descriptor, always base64, need no look;
 *  - what goes out as it is (7bit text, message attachments, the body
 *    of a parsed message, file names) is in memory and is searched;
 *  - 128 random bits make even a crafted clash with content one cannot
 *    see a guess.
 * A clash draws a new boundary.
 */
static int
clashes(const char *p, size_t n, const char *needle, size_t m)
{
	return p != NULL && n > 0 && find(p, n, needle, m) != NULL;
}

static int
pick_boundary(char *bnd, const struct eml_build *b, int new_text,
    const char *extra, size_t extra_len)
{
	char needle[EML_BOUNDARY_MAX + 3];
	const struct batt *a;
	size_t i, m;
	int tries, clash;

	for (tries = 0; tries < BOUNDARY_TRIES; tries++) {
		memcpy(bnd, BOUNDARY_PREFIX, sizeof(BOUNDARY_PREFIX));
		random_hex(bnd + sizeof(BOUNDARY_PREFIX) - 1, 16);
		m = (size_t)snprintf(needle, sizeof(needle), "--%s", bnd);
		clash = clashes(extra, extra_len, needle, m) ||
		    (new_text && clashes(b->text, b->text_len, needle, m));
		for (i = 0; !clash && i < b->na; i++) {
			a = &b->a[i];
			clash = clashes(a->data, a->len, needle, m) ||
			    (a->filename != NULL && clashes(a->filename,
			    strlen(a->filename), needle, m));
		}
		if (!clash)
			return EML_OK;
	}
	return EML_ELIMIT;
}

/* Where to insert parts in a parsed multipart/mixed: the start of the
 * line holding its close delimiter, or (none) the end. */
static size_t
close_delim_at(const struct eml_build *b, int *found_r)
{
	char needle[EML_BOUNDARY_MAX + 5];
	const char *s = b->src + b->hdr_end, *p;
	size_t n = b->src_len - b->hdr_end, m, off = 0;

	*found_r = 0;
	m = (size_t)snprintf(needle, sizeof(needle), "--%s--", b->src_bnd);
	while ((p = find(s + off, n - off, needle, m)) != NULL) {
		if (p == b->src || p[-1] == '\n') {
			*found_r = 1;
			return (size_t)(p - b->src);
		}
		off = (size_t)(p - s) + 1;
	}
	return b->src_len;
}

/* The parts after the first, each after a delimiter line. */
static int
write_parts(const struct eml_build *b, const char *bnd, int text,
    int check_src_bnd, const char *eol, struct track *o)
{
	char needle[EML_BOUNDARY_MAX + 3];
	size_t i, m = 0;
	int r, force;

	if (check_src_bnd)
		m = (size_t)snprintf(needle, sizeof(needle), "--%s", bnd);
	if (text && ((r = delim(bnd, 0, eol, o)) != EML_OK ||
	    (r = text_part(b, eol, o)) != EML_OK ||
	    (r = puts_(o, eol)) != EML_OK))
		return r;
	for (i = 0; i < b->na; i++) {
		/* A fixed boundary (a parsed multipart/mixed) that occurs in
		 * an attached message: that one goes as base64. */
		force = check_src_bnd && clashes(b->a[i].data, b->a[i].len,
		    needle, m);
		if ((r = delim(bnd, 0, eol, o)) != EML_OK ||
		    (r = att_part(&b->a[i], eol, force, o)) != EML_OK ||
		    (r = puts_(o, eol)) != EML_OK)
			return r;
	}
	return EML_OK;
}

static int
build_write(const struct eml_build *b, const char *eol, struct track *o)
{
	char bnd[EML_BOUNDARY_MAX + 1];
	size_t ins, body;
	int r, found;

	/* A parsed body unchanged: its own bytes (with any edited fields).
	 * Fields are written back to back as they were, so a last field
	 * without EOL still touches the body exactly as in the source. */
	if (b->raw_body && b->na == 0) {
		if ((r = put(o, b->src, b->pre_len)) != EML_OK ||
		    (r = write_headers(b, 0, 0, eol, o)) != EML_OK)
			return r;
		return put(o, b->src + b->hdr_end, b->src_len - b->hdr_end);
	}
	if ((r = put(o, b->src, b->pre_len)) != EML_OK)
		return r;
	if (b->raw_body && b->src_mixed) {
		/* Append to the existing multipart/mixed, whose boundary
		 * is fixed. */
		ins = close_delim_at(b, &found);
		if ((r = write_headers(b, 0, 1, eol, o)) != EML_OK ||
		    (r = put(o, b->src + b->hdr_end, ins - b->hdr_end)) != 0)
			return r;
		if (!found && (r = eol_if_missing(o, eol)) != EML_OK)
			return r;
		if ((r = write_parts(b, b->src_bnd, 0, 1, eol, o)) != EML_OK)
			return r;
		if (found)
			return put(o, b->src + ins, b->src_len - ins);
		return delim(b->src_bnd, 1, eol, o);
	}
	if (b->raw_body) {
		/* Wrap the old body as the first part; its Content-* fields
		 * move with it.  The whole old text is checked for the new
		 * boundary. */
		body = b->hdr_end + b->sep_len;
		if ((r = pick_boundary(bnd, b, 0, b->src,
		    b->src_len)) != EML_OK ||
		    (r = write_headers(b, -1, 1, eol, o)) != EML_OK ||
		    (r = auto_headers(b, 0, eol, o)) != EML_OK ||
		    (r = mixed_header(bnd, eol, o)) != EML_OK ||
		    (r = puts_(o, eol)) != EML_OK ||
		    (r = delim(bnd, 0, eol, o)) != EML_OK ||
		    (r = write_headers(b, 1, 1, eol, o)) != EML_OK)
			return r;
		if (b->sep_len > 0)
			r = put(o, b->src + b->hdr_end, b->sep_len);
		else
			r = puts_(o, eol);
		if (r != EML_OK || (r = put(o, b->src + body,
		    b->src_len - body)) != EML_OK ||
		    (r = puts_(o, eol)) != EML_OK ||
		    (r = write_parts(b, bnd, 0, 0, eol, o)) != EML_OK)
			return r;
		return delim(bnd, 1, eol, o);
	}
	/* A new body. */
	if ((r = write_headers(b, 0, 1, eol, o)) != EML_OK ||
	    (r = auto_headers(b, b->src == NULL, eol, o)) != EML_OK)
		return r;
	if (b->na == 0)		/* one text leaf: its fields are the message's */
		return text_part(b, eol, o);
	if ((r = pick_boundary(bnd, b, b->has_text, NULL, 0)) != EML_OK ||
	    (r = mixed_header(bnd, eol, o)) != EML_OK ||
	    (r = puts_(o, eol)) != EML_OK ||
	    (r = write_parts(b, bnd, b->has_text, 0, eol, o)) != EML_OK)
		return r;
	return delim(bnd, 1, eol, o);
}

int
eml_build_write_sink(const struct eml_build *b, const char *eol,
    struct eml_sink *out)
{
	struct track *t;
	int r;

	if (b == NULL || out == NULL)
		return EML_EINVAL;
	if (eol == NULL)
		eol = "\r\n";
	if (strcmp(eol, "\r\n") != 0 && strcmp(eol, "\n") != 0)
		return EML_EINVAL;
	if (b->src != NULL && b->src_eol[0] != '\0')
		eol = b->src_eol;
	t = (struct track *)emli_sink_new(sizeof(*t), &track_ops, NULL, 0);
	if (t == NULL)
		return EML_ENOMEM;
	t->out = out;
	t->last = -1;
	r = build_write(b, eol, t);
	eml_sink_abort(&t->s);	/* out stays the caller's, open */
	return r;
}

int
eml_build_write(const struct eml_build *b, const char *eol,
    struct eml_buf *out)
{
	struct eml_sink *s;
	size_t start;
	int r;

	if (b == NULL || out == NULL)
		return EML_EINVAL;
	start = out->len;
	if ((s = eml_sink_buf(out)) == NULL)
		return EML_ENOMEM;
	r = eml_build_write_sink(b, eol, s);
	eml_sink_abort(s);
	if (r != EML_OK) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
	}
	return r;
}
