/*
 * eml-attach - add files to a message, strip attachments, or build a new
 * message (what makemime, mmime and ripMIME's strippers are used for).
 *
 * Adding streams: the message on stdin goes through the parser and its
 * raw slices are copied as they come, so its bytes stay as they were;
 * each file is read and encoded as it is written.  A multipart/mixed
 * message gets the files as new parts before its close delimiter; any
 * other message becomes multipart/mixed with its own body, header
 * fields Content-* and all, as the first part.  Stripping is the
 * library's streaming edit engine (replace by section), after one pass
 * that measures each part (size, SHA-256).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static const char usage_text[] =
    "eml-attach [-t TYPE] file ... < message\n"
    "       eml-attach --strip [-t GLOB] [-n GLOB] [--larger SIZE] "
    "< message\n"
    "       eml-attach --new [--from A] [--to A] [--cc A] [--subject S] "
    "[-H 'Name: value'] [file ...] < body";

static const char help_text[] =
    "Add files to the message on stdin, or strip its attachments, or\n"
    "build a new message; the result goes to stdout.\n"
    "  -t TYPE         content type of the files added (default: from\n"
    "                  the extension); with --strip a glob on the type\n"
    "  --strip         replace attachments with a short text/plain note\n"
    "                  (section, name, type, size, sha256); other bytes stay\n"
    "  -n GLOB         --strip: only attachments whose name matches\n"
    "  --larger SIZE   --strip: only those over SIZE bytes (k, M, G)\n"
    "  --new           a new message: body from stdin (UTF-8 text)\n"
    "  --from, --to, --cc ADDRS, --subject TEXT, -H 'Name: value'\n"
    "                  header fields of --new (UTF-8, encoded as needed)\n"
    "  Files are sent 7bit when they are 7-bit text with the message's\n"
    "  line ends, quoted-printable when they are UTF-8 text/*, else\n"
    "  base64; non-ASCII file names as RFC 2231 parameters.\n";

#define OPT_STRIP	0x200
#define OPT_LARGER	0x201
#define OPT_NEW		0x202
#define OPT_FROM	0x203
#define OPT_TO		0x204
#define OPT_CC		0x205
#define OPT_SUBJECT	0x206
#define MAX_HDRS	64
#define MAX_BODY	(64UL << 20)	/* --new body text held in memory */

struct opts {
	const char *type;
	int strip;
	const char *name_glob;
	uint64_t larger;
	int has_larger;
	int new_msg;
	const char *from, *to, *cc, *subject;
	const char *hdrs[MAX_HDRS];
	unsigned nhdrs;
};

static struct eml_sink *
stdout_sink(void)
{
	struct eml_sink *s;

	if ((s = eml_sink_fd(STDOUT_FILENO)) == NULL)
		tool_die(NULL, "out of memory");
	return s;
}

static void
put(struct eml_sink *out, const void *p, size_t n)
{
	int r;

	if (n > 0 && (r = eml_sink_write(out, p, n)) != EML_OK) {
		if (r == EML_EIO)
			tool_die(NULL, "write error: %s", strerror(errno));
		tool_die(NULL, "%s", eml_strerror(r));
	}
}

static void
puts_(struct eml_sink *out, const char *s)
{
	put(out, s, strlen(s));
}

/* ---- one file as a MIME part ---- */

struct scan {
	int nul, eight, bare_cr, crlf, lf, long_line, utf8_bad, has_bnd;
};

/* Read fd once to choose the transfer encoding (RFC 2045 2.7: 7bit is
 * lines of at most 998 octets, no NUL, no bare CR or LF). */
static void
scan_fd(int fd, const char *path, struct scan *sc)
{
	static const char mark[] = "=_emlkit_";
	unsigned char buf[65536];
	size_t line = 0, mk = 0;
	unsigned need = 0;
	int prev_cr = 0;
	ssize_t n, i;

	memset(sc, 0, sizeof(*sc));
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			unsigned char c = buf[i];

			if (prev_cr && c != '\n')
				sc->bare_cr = 1;
			if (c == '\n') {
				if (prev_cr)
					sc->crlf = 1;
				else
					sc->lf = 1;
				line = 0;
			} else if (c != '\r' && ++line > 998)
				sc->long_line = 1;
			prev_cr = c == '\r';
			if (c == 0)
				sc->nul = 1;
			if (c >= 0x80)
				sc->eight = 1;
			/* UTF-8 shape (RFC 3629) */
			if (need > 0) {
				if ((c & 0xc0) != 0x80)
					sc->utf8_bad = 1;
				need--;
			} else if (c >= 0xc2 && c <= 0xdf)
				need = 1;
			else if (c >= 0xe0 && c <= 0xef)
				need = 2;
			else if (c >= 0xf0 && c <= 0xf4)
				need = 3;
			else if (c >= 0x80)
				sc->utf8_bad = 1;
			/* our boundary's mark in 7bit text would end the
			 * part early */
			mk = c == (unsigned char)mark[mk] ? mk + 1 :
			    (c == (unsigned char)mark[0]);
			if (mk == sizeof(mark) - 1)
				sc->has_bnd = 1;
		}
	}
	if (n < 0)
		tool_die(path, "%s", strerror(errno));
	if (prev_cr)
		sc->bare_cr = 1;
	if (need > 0)
		sc->utf8_bad = 1;
}

static void
boundary_new(char *b, size_t size)
{
	unsigned char r[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	size_t i;

	if (fd < 0 || read(fd, r, sizeof(r)) != (ssize_t)sizeof(r))
		tool_die("/dev/urandom", "%s", strerror(errno));
	close(fd);
	/* "=_" cannot occur in base64 or quoted-printable output */
	snprintf(b, size, "=_emlkit_");
	for (i = 0; i < sizeof(r); i++)
		snprintf(b + strlen(b), size - strlen(b), "%02x", r[i]);
}

/* Write "--B" EOL, the part's header, the encoded body and no final
 * EOL (the next delimiter line brings its own, RFC 2046 5.1.1). */
static void
attach_file(struct eml_sink *out, const char *path, const char *type,
    const char *bnd, const char *eol)
{
	int crlf = eol[0] == '\r';
	struct eml_buf h = { 0 };
	const char *base, *ct;
	enum eml_cte cte;
	struct eml_sink *enc;
	struct scan sc;
	char buf[65536];
	ssize_t n;
	int fd, r, lines_ok;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		tool_die(path, "%s", strerror(errno));
	scan_fd(fd, path, &sc);
	if (lseek(fd, 0, SEEK_SET) != 0)
		tool_die(path, "cannot read it twice: %s", strerror(errno));
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	ct = type != NULL ? type : eml_mime_type_for_name(base);
	/* the file's line ends must be the message's: in 7bit and text
	 * quoted-printable they are written as the message's EOL */
	lines_ok = !sc.bare_cr && !(crlf ? sc.lf : sc.crlf);
	if (!sc.nul && !sc.eight && !sc.long_line && lines_ok && !sc.has_bnd)
		cte = EML_CTE_7BIT;
	else if (strncmp(ct, "text/", 5) == 0 && !sc.nul && !sc.utf8_bad &&
	    lines_ok)
		cte = EML_CTE_QP;
	else
		cte = EML_CTE_BASE64;
	/* RFC 2046 5.2.1: a message/rfc822 body is 7bit, 8bit or binary */
	if ((strncmp(ct, "message/", 8) == 0 || strncmp(ct, "multipart/",
	    10) == 0) && cte != EML_CTE_7BIT)
		ct = "application/octet-stream";
	xcheck(eml_buf_adds(&h, "--"));
	xcheck(eml_buf_adds(&h, bnd));
	xcheck(eml_buf_adds(&h, eol));
	xcheck(eml_buf_adds(&h, "Content-Type: "));
	xcheck(eml_buf_adds(&h, ct));
	if (strncmp(ct, "text/", 5) == 0 && strchr(ct, ';') == NULL)
		xcheck(eml_buf_adds(&h, cte == EML_CTE_7BIT ?
		    "; charset=us-ascii" : cte == EML_CTE_QP ?
		    "; charset=utf-8" : ""));
	r = eml_rfc2231_encode("name", base, strlen(base), eol, &h);
	xcheck(r);
	xcheck(eml_buf_adds(&h, eol));
	xcheck(eml_buf_adds(&h, "Content-Disposition: attachment"));
	xcheck(eml_rfc2231_encode("filename", base, strlen(base), eol, &h));
	xcheck(eml_buf_adds(&h, eol));
	xcheck(eml_buf_adds(&h, "Content-Transfer-Encoding: "));
	xcheck(eml_buf_adds(&h, eml_cte_name(cte)));
	xcheck(eml_buf_adds(&h, eol));
	xcheck(eml_buf_adds(&h, eol));
	put(out, h.data, h.len);
	eml_buf_free(&h);
	if ((enc = eml_filter_encode(eml_sink_sub(out), cte, crlf)) == NULL)
		tool_die(NULL, "out of memory");
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if ((r = eml_sink_write(enc, buf, (size_t)n)) != EML_OK)
			tool_die(NULL, "write error: %s", r == EML_EIO ?
			    strerror(errno) : eml_strerror(r));
	if (n < 0)
		tool_die(path, "%s", strerror(errno));
	if ((r = eml_sink_close(enc)) != EML_OK)
		tool_die(NULL, "write error: %s", r == EML_EIO ?
		    strerror(errno) : eml_strerror(r));
	close(fd);
}

/* ---- adding files to the message on stdin ---- */

struct add {
	struct eml_sink *out;
	char **files;
	int nfiles;
	const char *type;
	const char *eol;
	int eol_known;
	int mixed;		/* the top is multipart/mixed: insert */
	int done;		/* the files are written */
	int top_done;		/* the top header is over */
	struct eml_buf held;	/* Content-* fields of the top */
	char bnd[64];
	int has_mime_version;
};

static int
is_content_field(const struct eml_event *ev)
{
	return ev->name_len >= 8 && strncasecmp(ev->name, "content-", 8) == 0;
}

static void
add_files(struct add *a, int lead_eol)
{
	int i;

	for (i = 0; i < a->nfiles; i++) {
		if (i > 0 || lead_eol)
			puts_(a->out, a->eol);
		attach_file(a->out, a->files[i], a->type, a->bnd, a->eol);
	}
	a->done = 1;
}

static void
add_event(struct add *a, const struct eml_event *ev)
{
	const struct eml_part *pt = ev->part;

	if (!a->eol_known && ev->raw_len > 0 &&
	    memchr(ev->raw, '\n', ev->raw_len) != NULL) {
		const char *nl = memchr(ev->raw, '\n', ev->raw_len);

		a->eol = nl > ev->raw && nl[-1] == '\r' ? "\r\n" : "\n";
		a->eol_known = 1;
	}
	if (!a->top_done && pt != NULL && pt->depth == 0) {
		if (ev->type == EML_EV_HEADER) {
			if (ev->name_len == 12 &&
			    strncasecmp(ev->name, "mime-version", 12) == 0)
				a->has_mime_version = 1;
			if (is_content_field(ev)) {
				/* held: they may move into the first part
				 * (bounded by the parser's header limits) */
				xcheck(eml_buf_add(&a->held, ev->raw,
				    ev->raw_len));
				return;
			}
			put(a->out, ev->raw, ev->raw_len);
			return;
		}
		if (ev->type == EML_EV_HEADERS_END) {
			a->top_done = 1;
			a->mixed = pt->is_multipart &&
			    strcmp(pt->ctype, "multipart/mixed") == 0;
			if (!a->mixed && !a->eol_known)
				a->eol = "\n";
			if (!a->has_mime_version) {
				puts_(a->out, "MIME-Version: 1.0");
				puts_(a->out, a->eol);
			}
			if (a->mixed) {
				/* the boundary is the message's own */
				snprintf(a->bnd, sizeof(a->bnd), "%.*s",
				    (int)pt->boundary_len, pt->boundary);
				if (pt->boundary_len >= sizeof(a->bnd))
					tool_die(NULL, "boundary too long");
				put(a->out, a->held.data, a->held.len);
				put(a->out, ev->raw, ev->raw_len);
				return;
			}
			boundary_new(a->bnd, sizeof(a->bnd));
			puts_(a->out, "Content-Type: multipart/mixed; "
			    "boundary=\"");
			puts_(a->out, a->bnd);
			puts_(a->out, "\"");
			puts_(a->out, a->eol);
			puts_(a->out, a->eol);
			/* the original entity is the first part: its
			 * Content-* fields, its blank line, its body */
			puts_(a->out, "--");
			puts_(a->out, a->bnd);
			puts_(a->out, a->eol);
			put(a->out, a->held.data, a->held.len);
			if (ev->raw_len > 0)
				put(a->out, ev->raw, ev->raw_len);
			else
				puts_(a->out, a->eol);
			return;
		}
	}
	if (a->mixed && !a->done && ev->type == EML_EV_BOUNDARY &&
	    ev->is_close && pt != NULL && (pt->depth == 0 ||
	    (pt->parent != NULL && pt->parent->depth == 0 &&
	    pt->parent->is_multipart))) {
		/* before the top close delimiter: it starts with the EOL
		 * that ends the last part's body, or not */
		int lead = ev->raw_len > 0 && (ev->raw[0] == '\r' ||
		    ev->raw[0] == '\n');

		if (!lead) {
			add_files(a, 0);
			puts_(a->out, a->eol);
		} else
			add_files(a, 1);
	}
	put(a->out, ev->raw, ev->raw_len);
}

static int
run_add(struct opts *o, char **files, int nfiles)
{
	struct eml_parser *p;
	struct eml_event ev;
	struct add a;
	char buf[65536];
	ssize_t n;
	int r, got = 0;

	memset(&a, 0, sizeof(a));
	a.out = stdout_sink();
	a.files = files;
	a.nfiles = nfiles;
	a.type = o->type;
	a.eol = "\n";
	/* every file is opened before anything is written, so a missing
	 * one fails before a partial message is out */
	for (int i = 0; i < nfiles; i++)
		if (access(files[i], R_OK) != 0)
			tool_die(files[i], "%s", strerror(errno));
	if ((p = eml_parser_new(NULL)) == NULL)
		tool_die(NULL, "out of memory");
	for (;;) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			tool_die("(standard input)", "%s", strerror(errno));
		if (n == 0 && !got)
			tool_die("(standard input)", "empty: not a message");
		got |= n > 0;
		if (n == 0)
			eml_parser_finish(p);
		else
			eml_parser_feed(p, buf, (size_t)n);
		while ((r = eml_parser_next(p, &ev)) > 0 &&
		    ev.type != EML_EV_END)
			add_event(&a, &ev);
		if (r < 0)
			tool_die("(standard input)", "%s",
			    eml_parser_errmsg(p));
		if (n == 0)
			break;
	}
	eml_parser_free(p);
	if (!a.top_done) {
		/* no header block end (an empty input) */
		put(a.out, a.held.data, a.held.len);
		tool_die("(standard input)", "does not look like a message");
	}
	if (!a.done) {
		/* not mixed (the wrapper we opened), or mixed without its
		 * close delimiter */
		add_files(&a, 1);
		if (!a.mixed || a.nfiles > 0) {
			puts_(a.out, a.eol);
		}
		puts_(a.out, "--");
		puts_(a.out, a.bnd);
		puts_(a.out, "--");
		puts_(a.out, a.eol);
	}
	eml_buf_free(&a.held);
	if ((r = eml_sink_close(a.out)) != EML_OK)
		tool_die(NULL, "write error: %s", strerror(errno));
	return TOOL_EXIT_OK;
}

/* ---- --strip ---- */

struct rec {
	char section[256];
	unsigned depth;
	char type[128];
	char name[256];
	uint64_t size;
	char sha[65];
	int chosen;
};

struct strip {
	struct opts *o;
	struct rec *recs;
	size_t nrecs;
	struct eml_sha256 *sha;		/* per open record */
	size_t open_rec;		/* index + 1 of the one measuring */
	unsigned open_depth;
	int open_msg;
	struct eml_buf note;
};

/* An attachment --strip may remove: a part with a file name or an
 * attachment disposition, or a forwarded message; not a uuencode block
 * (it has no delimiter of its own to replace). */
static int
strip_candidate(const struct opts *o, const struct eml_part *pt)
{
	if (pt->is_multipart || pt->is_uu_block || pt->depth == 0)
		return 0;
	/* a Content-Type name= alone also names a file (mail clients show
	 * such a part as an attachment) */
	if (!pt->is_attachment && !pt->is_message && pt->filename[0] == '\0')
		return 0;
	if (o->type != NULL && !tool_glob_ci(o->type, pt->ctype))
		return 0;
	if (o->name_glob != NULL && (pt->filename[0] == '\0' ||
	    !tool_glob_ci(o->name_glob, pt->filename)))
		return 0;
	return 1;
}

static void
measure(struct strip *s, const struct eml_event *ev, struct eml_sha256 *sha)
{
	const struct eml_part *pt = ev->part;
	struct rec *rc;
	unsigned char dg[32];

	if (s->open_rec > 0) {
		rc = &s->recs[s->open_rec - 1];
		if (s->open_msg && pt != NULL && pt->depth > s->open_depth &&
		    ev->raw_len > 0) {
			rc->size += ev->raw_len;
			eml_sha256_update(sha, ev->raw, ev->raw_len);
		} else if (ev->type == EML_EV_BODY && pt != NULL &&
		    pt->depth == s->open_depth) {
			rc->size += ev->data_len;
			eml_sha256_update(sha, ev->data, ev->data_len);
		}
		if (ev->type == EML_EV_PART_END && pt->depth ==
		    s->open_depth) {
			tool_sha256_final(sha, dg);
			eml_sha256_hex(dg, rc->sha);
			rc->chosen = !s->o->has_larger ||
			    rc->size > s->o->larger;
			s->open_rec = 0;
		}
		return;
	}
	if (ev->type != EML_EV_HEADERS_END || !strip_candidate(s->o, pt))
		return;
	s->recs = xrealloc(s->recs, (s->nrecs + 1) * sizeof(*s->recs));
	rc = &s->recs[s->nrecs++];
	memset(rc, 0, sizeof(*rc));
	snprintf(rc->section, sizeof(rc->section), "%s", pt->section);
	snprintf(rc->type, sizeof(rc->type), "%s", pt->ctype);
	snprintf(rc->name, sizeof(rc->name), "%s", pt->filename);
	rc->depth = pt->depth;
	eml_sha256_init(sha);
	s->open_rec = s->nrecs;
	s->open_depth = pt->depth;
	s->open_msg = pt->is_message;
}

static int
decide(void *ctx, const struct eml_part *pt, const char *hdr, size_t len,
    struct eml_edit_decision *d)
{
	struct strip *s = ctx;
	struct rec *rc;
	char num[32];
	size_t i;
	int ascii = 1;

	for (i = 0; i < s->nrecs; i++)
		if (s->recs[i].chosen && s->recs[i].depth == pt->depth &&
		    strcmp(s->recs[i].section, pt->section) == 0)
			break;
	if (i == s->nrecs)
		return EML_OK;
	rc = &s->recs[i];
	eml_buf_reset(&s->note);
	xcheck(eml_buf_adds(&s->note, "An attachment was removed here by "
	    "eml-attach --strip.\n"));
	xcheck(eml_buf_adds(&s->note, "Section: "));
	xcheck(eml_buf_adds(&s->note, rc->section));
	xcheck(eml_buf_adds(&s->note, "\nName: "));
	xcheck(eml_buf_adds(&s->note, rc->name[0] != '\0' ? rc->name :
	    "(none)"));
	xcheck(eml_buf_adds(&s->note, "\nType: "));
	xcheck(eml_buf_adds(&s->note, rc->type));
	snprintf(num, sizeof(num), "%llu", (unsigned long long)rc->size);
	xcheck(eml_buf_adds(&s->note, "\nSize: "));
	xcheck(eml_buf_adds(&s->note, num));
	xcheck(eml_buf_adds(&s->note, " bytes\nSHA-256: "));
	xcheck(eml_buf_adds(&s->note, rc->sha));
	xcheck(eml_buf_adds(&s->note, "\n"));
	for (i = 0; i < s->note.len; i++)
		if ((unsigned char)s->note.data[i] >= 0x80 ||
		    s->note.data[i] < 0x09)
			ascii = 0;
	d->action = EML_EDIT_REPLACE;
	d->content.ctype = ascii ? "text/plain; charset=us-ascii" :
	    "text/plain; charset=utf-8";
	d->content.disposition = "inline";
	d->content.cte = ascii ? EML_CTE_7BIT : EML_CTE_QP;
	d->content.data = s->note.data;
	d->content.len = s->note.len;
	(void)hdr;
	(void)len;
	return EML_OK;
}

/* The input on stdin as a file that can be read twice: stdin itself
 * when it is a regular file, else a copy in an unlinked temporary. */
static int
rereadable_stdin(void)
{
	struct stat st;
	char buf[65536];
	ssize_t n;
	FILE *f;
	int fd;

	if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode) &&
	    lseek(STDIN_FILENO, 0, SEEK_CUR) >= 0)
		return STDIN_FILENO;
	if ((f = tmpfile()) == NULL || (fd = dup(fileno(f))) < 0)
		tool_die(NULL, "temporary file: %s", strerror(errno));
	fclose(f);
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			tool_die("(standard input)", "%s", strerror(errno));
		if (write(fd, buf, (size_t)n) != n)
			tool_die(NULL, "temporary file: %s", strerror(errno));
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		tool_die(NULL, "temporary file: %s", strerror(errno));
	return fd;
}

static int
run_strip(struct opts *o)
{
	struct eml_parser_opts po;
	struct eml_sha256 sha;
	struct eml_parser *p;
	struct eml_event ev;
	struct eml_sink *out;
	struct eml_edit *e;
	struct strip s;
	char buf[65536];
	off_t start;
	ssize_t n;
	int fd, r;

	memset(&s, 0, sizeof(s));
	s.o = o;
	fd = rereadable_stdin();
	start = lseek(fd, 0, SEEK_CUR);
	memset(&po, 0, sizeof(po));
	po.flags = EML_PARSE_DECODE;
	if ((p = eml_parser_new(&po)) == NULL)
		tool_die(NULL, "out of memory");
	eml_sha256_init(&sha);
	/* pass 1: sizes and digests of the candidates */
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			tool_die("(standard input)", "%s", strerror(errno));
		if (n == 0)
			eml_parser_finish(p);
		else
			eml_parser_feed(p, buf, (size_t)n);
		while ((r = eml_parser_next(p, &ev)) > 0)
			measure(&s, &ev, &sha);
		if (r < 0)
			tool_die("(standard input)", "%s",
			    eml_parser_errmsg(p));
		if (n == 0)
			break;
	}
	eml_sha256_free(&sha);
	eml_parser_free(p);
	/* pass 2: the edit, every other byte copied */
	if (lseek(fd, start, SEEK_SET) != start)
		tool_die("(standard input)", "%s", strerror(errno));
	out = stdout_sink();
	if ((e = eml_edit_new(out, NULL)) == NULL)
		tool_die(NULL, "out of memory");
	xcheck(eml_edit_set_callback(e, decide, &s));
	if ((r = eml_edit_fd(e, fd)) != EML_OK)
		tool_die(NULL, "%s", eml_edit_errmsg(e));
	eml_edit_free(e);
	if ((r = eml_sink_close(out)) != EML_OK)
		tool_die(NULL, "write error: %s", strerror(errno));
	free(s.recs);
	eml_buf_free(&s.note);
	return TOOL_EXIT_OK;
}

/* ---- --new ---- */

static void
set_hdr(struct eml_build *b, const char *name, const char *v)
{
	int r;

	if ((r = eml_build_add_header(b, name, v)) != EML_OK)
		tool_die(NULL, "%s: %s", name, r == EML_EINVAL ?
		    "not a valid header field" : eml_strerror(r));
}

static int
run_new(struct opts *o, char **files, int nfiles)
{
	struct eml_buf body = { 0 };
	struct eml_build *b;
	struct eml_sink *out;
	char buf[65536], name[80];
	const char *colon, *base;
	int *fds, i, r;
	ssize_t n;

	if ((b = eml_build_new()) == NULL)
		tool_die(NULL, "out of memory");
	if (o->from != NULL)
		set_hdr(b, "From", o->from);
	if (o->to != NULL)
		set_hdr(b, "To", o->to);
	if (o->cc != NULL)
		set_hdr(b, "Cc", o->cc);
	if (o->subject != NULL)
		set_hdr(b, "Subject", o->subject);
	for (unsigned k = 0; k < o->nhdrs; k++) {
		if ((colon = strchr(o->hdrs[k], ':')) == NULL ||
		    colon == o->hdrs[k] ||
		    (size_t)(colon - o->hdrs[k]) >= sizeof(name))
			tool_die(NULL, "-H %s: want 'Name: value'",
			    o->hdrs[k]);
		snprintf(name, sizeof(name), "%.*s",
		    (int)(colon - o->hdrs[k]), o->hdrs[k]);
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		set_hdr(b, name, colon);
	}
	/* the body text, capped: it is a text a person wrote */
	body.max = MAX_BODY;
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			tool_die("(standard input)", "%s", strerror(errno));
		if (eml_buf_add(&body, buf, (size_t)n) != EML_OK)
			tool_die("(standard input)", "body over %lu MiB",
			    MAX_BODY >> 20);
	}
	if ((r = eml_build_set_text(b, "plain", body.len ? body.data : "",
	    body.len)) != EML_OK)
		tool_die("(standard input)", "body: %s", eml_strerror(r));
	fds = xcalloc((size_t)nfiles + 1, sizeof(*fds));
	for (i = 0; i < nfiles; i++) {
		if ((fds[i] = open(files[i], O_RDONLY | O_CLOEXEC)) < 0)
			tool_die(files[i], "%s", strerror(errno));
		base = strrchr(files[i], '/') != NULL ?
		    strrchr(files[i], '/') + 1 : files[i];
		if ((r = eml_build_attach_fd(b, o->type != NULL ? o->type :
		    eml_mime_type_for_name(base), base, fds[i])) != EML_OK)
			tool_die(files[i], "%s", eml_strerror(r));
	}
	out = stdout_sink();
	if ((r = eml_build_write_sink(b, "\n", out)) != EML_OK)
		tool_die(NULL, "%s", r == EML_EIO ? strerror(errno) :
		    eml_strerror(r));
	if ((r = eml_sink_close(out)) != EML_OK)
		tool_die(NULL, "write error: %s", strerror(errno));
	for (i = 0; i < nfiles; i++)
		close(fds[i]);
	free(fds);
	eml_build_free(b);
	eml_buf_free(&body);
	return TOOL_EXIT_OK;
}

/* "10M" -> 10485760 (k, M, G: powers of 1024). */
static uint64_t
parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		tool_die(NULL, "--larger %s: not a size", s);
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end != '\0')
		tool_die(NULL, "--larger %s: not a size", s);
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "name", required_argument, NULL, 'n' },
		{ "strip", no_argument, NULL, OPT_STRIP },
		{ "larger", required_argument, NULL, OPT_LARGER },
		{ "new", no_argument, NULL, OPT_NEW },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "cc", required_argument, NULL, OPT_CC },
		{ "subject", required_argument, NULL, OPT_SUBJECT },
		{ "header", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, TOOL_OPT_HELP },
		{ "version", no_argument, NULL, TOOL_OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o;
	int c;

	tool_init("eml-attach");
	memset(&o, 0, sizeof(o));
	while ((c = getopt_long(argc, argv, "t:n:H:", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 't':
			o.type = optarg;
			break;
		case 'n':
			o.name_glob = optarg;
			break;
		case 'H':
			if (o.nhdrs == MAX_HDRS)
				tool_die(NULL, "-H: at most %d", MAX_HDRS);
			o.hdrs[o.nhdrs++] = optarg;
			break;
		case OPT_STRIP:
			o.strip = 1;
			break;
		case OPT_LARGER:
			o.larger = parse_size(optarg);
			o.has_larger = 1;
			break;
		case OPT_NEW:
			o.new_msg = 1;
			break;
		case OPT_FROM:
			o.from = optarg;
			break;
		case OPT_TO:
			o.to = optarg;
			break;
		case OPT_CC:
			o.cc = optarg;
			break;
		case OPT_SUBJECT:
			o.subject = optarg;
			break;
		case TOOL_OPT_HELP:
			tool_help_exit(usage_text, help_text);
		case TOOL_OPT_VERSION:
			tool_version_exit();
		default:
			tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (o.strip && o.new_msg)
		tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
	if (!o.new_msg && (o.from || o.to || o.cc || o.subject || o.nhdrs))
		tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
	if (o.strip) {
		if (argc > 0)
			tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
		tool_sha256_need();	/* each note names a digest */
		return run_strip(&o);
	}
	if ((o.name_glob != NULL || o.has_larger))
		tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
	if (o.new_msg)
		return run_new(&o, argv, argc);
	if (argc == 0)
		tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
	return run_add(&o, argv, argc);
}
