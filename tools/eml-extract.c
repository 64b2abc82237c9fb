/*
 * eml-extract - write the parts of messages out, transfer-decoded.
 *
 * Streams: each selected part is written as its decoded BODY events
 * arrive, so a 1 GiB attachment needs no more memory than a small one.
 * With -d DIR every file is created by openat() on a descriptor of DIR
 * with O_CREAT|O_EXCL|O_NOFOLLOW under the name eml_fname_safe() made
 * (one path component, no "..", no leading dash), so nothing can be
 * written outside DIR and a symlink planted at the name is never
 * followed; and the tool confines itself with Landlock to creating files
 * under DIR before it reads the first message.
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
    "eml-extract [-a] [-p SECTION] [-t TYPE] [-n NAME] [--text] "
    "[-d DIR [-f] [--manifest]] " TOOL_USAGE_INPUT " [file ...]";

static const char help_text[] =
    "Write the parts of each message out, transfer-decoded.\n"
    "  -p SECTION      the part at this IMAP section (2.1); repeatable\n"
    "  -t GLOB         parts whose content type matches (image/*)\n"
    "  -n GLOB         parts whose file name matches (*.pdf)\n"
    "  -a, --attachments  attachments only: parts with a file name or\n"
    "                  attachment disposition, forwarded messages and\n"
    "                  every part that is not text/*\n"
    "  --text          the readable text in UTF-8: the text/plain body,\n"
    "                  or text made from the HTML body when there is none\n"
    "  -d DIR          write each part into DIR (created if missing)\n"
    "                  under its safe file name; default: to stdout\n"
    "  -f, --force     overwrite files that were in DIR before (never a\n"
    "                  file written by this run)\n"
    "  --manifest      with -d: one JSON line per file written: input,\n"
    "                  msg, section, type, name, file, size, sha256\n"
    "  Without -p/-t/-n/-a every leaf part is written (a message/rfc822\n"
    "  part as one .eml file); given together they must all match.\n"
    "  With several messages into one DIR, file names get the number of\n"
    "  the message (counted over all inputs, from 1) and '-' in front.\n";

#define OPT_TEXT	0x200
#define OPT_MANIFEST	0x201
#define MAX_SECTIONS	64
#define MAX_CAPS	4	/* a leaf and a uuencode block inside it */
#define MAX_KNOWN	100000	/* names remembered for -f */
#define MAX_VARIANT	10000	/* name-1 .. name-9999 */
/* Write buffer of a part going to a file; malloc'ed at its first use, so
 * a run that writes little touches (and page-faults) little of it: as
 * arrays in struct state the four were 256 KiB that main's memset
 * faulted in at every start, half the page faults of a --version. */
#define CAP_BUF		65536

/* One part being written. */
struct cap {
	const struct eml_part *pt;
	int fd;				/* -d: the file, else -1 */
	struct eml_buf file;		/* -d: name in DIR */
	char section[256];
	char ctype[128];
	char name[256];			/* the original file name */
	uint64_t size;
	struct eml_sha256 sha;
	int is_msg;			/* raw bytes of the part's message */
	char *buf;			/* -d: CAP_BUF, BODY events are small */
	size_t n;
	int werr;			/* -d: errno of a failed write */
};

struct state {
	/* options */
	const char *sections[MAX_SECTIONS];
	unsigned nsections;
	const char *type_glob;
	const char *name_glob;
	int attachments;
	int text;
	const char *dir;
	int dirfd;
	int force;
	int manifest;
	/* per run */
	struct eml_parser *p;
	unsigned long msgno;		/* over all inputs */
	int prefix;			/* this message's names get msgno- */
	struct cap caps[MAX_CAPS];
	unsigned ncaps;
	int failed;			/* this message */
	struct eml_buf known;		/* -f: names written, NUL-separated */
	unsigned nknown;
	/* --text */
	int text_done;			/* text/plain written */
	int spool_fd;			/* HTML made text, -1 none */
	int spooled;
	const struct eml_part *text_pt;	/* part going to text_o */
	struct eml_buf line;
};

static int
stdout_write(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	tool_write(p, n);
	return EML_OK;
}

static struct eml_sink *
stdout_sink(void)
{
	struct eml_sink *s = eml_sink_cb(stdout_write, NULL, NULL);

	if (s == NULL)
		tool_die(NULL, "out of memory");
	return s;
}

static int
is_text(const struct eml_part *pt)
{
	return strncmp(pt->ctype, "text/", 5) == 0;
}

/* Whether the leaf (or message/rfc822 part) pt is to be written. */
static int
selected(const struct state *s, const struct eml_part *pt)
{
	unsigned i;

	if (s->nsections > 0) {
		for (i = 0; i < s->nsections; i++)
			if (strcmp(s->sections[i], pt->section) == 0)
				break;
		if (i == s->nsections)
			return 0;
	}
	if (s->type_glob != NULL && !tool_glob_ci(s->type_glob, pt->ctype))
		return 0;
	if (s->name_glob != NULL && (pt->filename[0] == '\0' ||
	    !tool_glob_ci(s->name_glob, pt->filename)))
		return 0;
	/* RFC 8621 4.1.4's attachments, roughly: what is not body text */
	if (s->attachments && !(pt->is_attachment || pt->is_uu_block ||
	    pt->is_message || !is_text(pt)))
		return 0;
	return 1;
}

static int
known(const struct state *s, const char *name)
{
	size_t off = 0;

	while (off < s->known.len) {
		if (strcmp(s->known.data + off, name) == 0)
			return 1;
		off += strlen(s->known.data + off) + 1;
	}
	return 0;
}

/* "name.ext" -> "name-N.ext" into out (the extension kept, so the file
 * still opens with its program). */
static void
variant(const char *base, unsigned n, struct eml_buf *out)
{
	const char *dot = strrchr(base, '.');
	char num[16];
	size_t stem = dot != NULL && dot != base ? (size_t)(dot - base) :
	    strlen(base);

	eml_buf_reset(out);
	xcheck(eml_buf_add(out, base, stem));
	snprintf(num, sizeof(num), "-%u", n);
	xcheck(eml_buf_adds(out, num));
	xcheck(eml_buf_adds(out, base + stem));
}

/* Create the file for c in DIR: the safe name, or the first numbered
 * variant that does not exist.  O_EXCL|O_NOFOLLOW: an existing file,
 * and a symlink whatever it points to, is never opened. */
static int
create_file(struct state *s, struct cap *c, const struct tool_src *src)
{
	struct eml_buf base;
	char num[32];
	size_t max;
	unsigned n;
	int fd, r;

	memset(&base, 0, sizeof(base));
	if (s->prefix) {
		snprintf(num, sizeof(num), "%lu-", s->msgno);
		xcheck(eml_buf_adds(&base, num));
	}
	/* room for the prefix and a "-9999" variant in NAME_MAX */
	max = EML_FNAME_MAX - base.len - 6;
	r = eml_fname_safe(c->name, strlen(c->name), c->ctype, c->section,
	    max, &base);
	if (r != EML_OK) {
		tool_warn_src(src, 0, "part %s: no file name: %s",
		    c->section, eml_strerror(r));
		eml_buf_free(&base);
		return -1;
	}
	xcheck(eml_buf_addc(&base, '\0'));
	eml_buf_reset(&c->file);
	xcheck(eml_buf_adds(&c->file, base.data));
	for (n = 0; n < MAX_VARIANT; ) {
		fd = openat(s->dirfd, c->file.data, O_WRONLY | O_CREAT |
		    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd >= 0) {
			eml_buf_free(&base);
			c->fd = fd;
			return 0;
		}
		if (errno != EEXIST) {
			tool_warn_src(src, 0, "%s/%s: %s", s->dir,
			    c->file.data, strerror(errno));
			eml_buf_free(&base);
			return -1;
		}
		/* -f: a file from before this run goes (unlinkat removes
		 * a symlink itself, never its target); ours stay */
		if (s->force && !known(s, c->file.data) &&
		    unlinkat(s->dirfd, c->file.data, 0) == 0)
			continue;
		variant(base.data, ++n, &c->file);
		xcheck(eml_buf_addc(&c->file, '\0'));
		c->file.len--;
	}
	tool_warn_src(src, 0, "%s/%s: too many files of that name", s->dir,
	    base.data);
	eml_buf_free(&base);
	return -1;
}

static void
cap_begin(struct state *s, const struct eml_part *pt,
    const struct tool_src *src)
{
	struct cap *c;

	if (s->ncaps == MAX_CAPS)
		return;
	c = &s->caps[s->ncaps];
	c->pt = pt;
	c->fd = -1;
	c->size = 0;
	c->is_msg = pt->is_message;
	snprintf(c->section, sizeof(c->section), "%s", pt->section);
	snprintf(c->ctype, sizeof(c->ctype), "%s", pt->ctype);
	snprintf(c->name, sizeof(c->name), "%s", pt->filename);
	eml_sha256_init(&c->sha);
	c->n = 0;
	c->werr = 0;
	if (s->dir != NULL) {
		if (c->buf == NULL && (c->buf = malloc(CAP_BUF)) == NULL)
			tool_die(NULL, "out of memory");
		if (create_file(s, c, src) != 0) {
			s->failed = 1;
			return;
		}
	}
	s->ncaps++;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
cap_flush(struct cap *c)
{
	if (c->n > 0 && c->werr == 0)
		c->werr = write_all(c->fd, c->buf, c->n);
	c->n = 0;
}

static void
cap_write(struct state *s, struct cap *c, const void *p, size_t n,
    const struct tool_src *src)
{
	if (n == 0)
		return;
	c->size += n;
	/* only --manifest shows it (libcrypto's first digest costs a
	 * provider fetch that would double a small run) */
	if (s->manifest)
		eml_sha256_update(&c->sha, p, n);
	if (c->fd < 0) {
		tool_write(p, n);
		return;
	}
	if (n > CAP_BUF - c->n) {
		cap_flush(c);
		if (n > CAP_BUF / 2) {
			if (c->werr == 0)
				c->werr = write_all(c->fd, p, n);
			n = 0;
		}
	}
	memcpy(c->buf + c->n, p, n);
	c->n += n;
	if (c->werr != 0 && !s->failed) {
		tool_warn_src(src, 0, "%s/%s: write error: %s", s->dir,
		    c->file.data, strerror(c->werr));
		s->failed = 1;
	}
}

static void
manifest_line(struct state *s, struct cap *c, const struct tool_src *src)
{
	unsigned char dg[32];
	char hex[65];
	struct eml_json j;
	int r;

	/* nothing was hashed without --manifest: finishing the digest
	 * would load libcrypto for nothing */
	if (!s->manifest) {
		eml_sha256_free(&c->sha);
		return;
	}
	if ((r = eml_sha256_final(&c->sha, dg)) != EML_OK) {
		tool_warn_src(src, 0, "%s/%s: sha256: %s", s->dir,
		    c->file.data, r == EML_ENOTSUP ? eml_sha256_errmsg() :
		    eml_strerror(r));
		s->failed = 1;
		return;
	}
	eml_sha256_hex(dg, hex);
	eml_buf_reset(&s->line);
	eml_json_init(&j, &s->line, 0);
	xcheck(eml_json_obj_begin(&j));
	xcheck(eml_json_key(&j, "input"));
	xcheck(eml_json_cstr(&j, src->name));
	xcheck(eml_json_key(&j, "msg"));
	xcheck(eml_json_int(&j, (int64_t)src->index));
	xcheck(eml_json_key(&j, "section"));
	xcheck(eml_json_cstr(&j, c->section));
	xcheck(eml_json_key(&j, "type"));
	xcheck(eml_json_cstr(&j, c->ctype));
	xcheck(eml_json_key(&j, "name"));
	xcheck(eml_json_cstr(&j, c->name[0] != '\0' ? c->name : NULL));
	xcheck(eml_json_key(&j, "file"));
	xcheck(eml_json_str(&j, c->file.data, c->file.len));
	xcheck(eml_json_key(&j, "size"));
	xcheck(eml_json_int(&j, (int64_t)c->size));
	xcheck(eml_json_key(&j, "sha256"));
	xcheck(eml_json_cstr(&j, hex));
	xcheck(eml_json_obj_end(&j));
	xcheck(eml_buf_addc(&s->line, '\n'));
	tool_write(s->line.data, s->line.len);
}

/* Close the top capture: on failure its file is removed, so a file in
 * DIR is always a whole part. */
static void
cap_end(struct state *s, const struct tool_src *src, int ok)
{
	struct cap *c = &s->caps[--s->ncaps];
	int r;

	r = ok && !s->failed ? EML_OK : EML_EIO;
	if (c->fd >= 0) {
		if (r == EML_OK) {
			cap_flush(c);
			if (c->werr == 0 && close(c->fd) != 0)
				c->werr = errno;
			else if (c->werr != 0)
				close(c->fd);
			c->fd = -1;
			if (c->werr != 0) {
				tool_warn_src(src, 0, "%s/%s: write error: %s",
				    s->dir, c->file.data, strerror(c->werr));
				s->failed = 1;
				r = EML_EIO;
			}
		} else
			close(c->fd);
	}
	c->fd = -1;
	if (r != EML_OK || s->failed) {
		eml_sha256_free(&c->sha);
		if (s->dir != NULL)
			(void)unlinkat(s->dirfd, c->file.data, 0);
		return;
	}
	if (s->dir != NULL) {
		if (s->force && s->nknown < MAX_KNOWN) {
			xcheck(eml_buf_add(&s->known, c->file.data,
			    c->file.len + 1));
			s->nknown++;
		}
		manifest_line(s, c, src);
	} else
		eml_sha256_free(&c->sha);
}

/* ---- --text ---- */

static struct eml_sink *
text_chain(struct eml_sink *out, const struct eml_part *pt)
{
	const char *cs = pt->charset[0] != '\0' ? pt->charset : "utf-8";
	struct eml_sink *t;

	/* an unknown charset is read as UTF-8 (invalid bytes become
	 * U+FFFD): the text is still shown.  Through a sub-sink: closing
	 * the charset filter leaves out open for text_end to close. */
	if ((t = eml_filter_charset(eml_sink_sub(out), cs, "utf-8")) == NULL &&
	    (t = eml_filter_charset(eml_sink_sub(out), "utf-8", "utf-8")) ==
	    NULL)
		tool_die(NULL, "out of memory");
	return t;
}

/* The chain for pt: t is its head, o (owned) closed after. */
struct text_out {
	struct eml_sink *head, *tail;
};
static struct text_out text_o;

static void
text_begin(struct state *s, const struct eml_part *pt)
{
	int html = strcmp(pt->ctype, "text/html") == 0;
	struct eml_sink *o;

	if (s->text_done || s->text_pt != NULL || pt->is_attachment ||
	    strcmp(pt->disposition, "attachment") == 0)
		return;
	if (strcmp(pt->ctype, "text/plain") == 0) {
		o = stdout_sink();
		s->text_done = 1;
		s->spooled = 0;	/* the plain text wins */
	} else if (html && !s->spooled && s->spool_fd >= 0) {
		if (ftruncate(s->spool_fd, 0) != 0 ||
		    lseek(s->spool_fd, 0, SEEK_SET) != 0)
			return;
		if ((o = eml_sink_fd(s->spool_fd)) == NULL)
			tool_die(NULL, "out of memory");
		s->spooled = 1;
	} else
		return;
	text_o.tail = o;
	if (html)
		text_o.tail = o = eml_filter_html2text(o);
	if (o == NULL)
		tool_die(NULL, "out of memory");
	text_o.head = text_chain(o, pt);
	s->text_pt = pt;
}

static void
text_end(struct state *s, const struct tool_src *src)
{
	int r, r2;

	r = eml_sink_close(text_o.head);
	r2 = eml_sink_close(text_o.tail);
	if ((r != EML_OK || r2 != EML_OK) && !s->failed) {
		tool_warn_src(src, 0, "part %s: %s", s->text_pt->section,
		    eml_strerror(r != EML_OK ? r : r2));
		s->failed = 1;
	}
	s->text_pt = NULL;
}

static void
text_flush_spool(struct state *s)
{
	char buf[65536];
	ssize_t n;

	if (s->text_done || !s->spooled)
		return;
	if (lseek(s->spool_fd, 0, SEEK_SET) != 0)
		return;
	while ((n = read(s->spool_fd, buf, sizeof(buf))) > 0)
		tool_write(buf, (size_t)n);
	s->spooled = 0;
}

/* ---- events ---- */

static int
capturing(const struct state *s, const struct eml_part *pt)
{
	unsigned i;

	for (i = 0; i < s->ncaps; i++)
		if (s->caps[i].pt == pt)
			return 1;
	return 0;
}

static void
abort_all(struct state *s, const struct tool_src *src)
{
	s->failed = 1;
	while (s->ncaps > 0)
		cap_end(s, src, 0);
	if (s->text_pt != NULL)
		text_end(s, src);
}

static void
handle(struct state *s, const struct eml_event *ev,
    const struct tool_src *src)
{
	const struct eml_part *pt = ev->part;
	unsigned i;

	/* a message/rfc822 part being written gets the raw bytes of the
	 * message inside it as they are */
	for (i = 0; i < s->ncaps; i++) {
		struct cap *c = &s->caps[i];

		if (c->is_msg && pt != c->pt && pt != NULL &&
		    pt->depth > c->pt->depth && ev->raw_len > 0)
			cap_write(s, c, ev->raw, ev->raw_len, src);
	}
	switch (ev->type) {
	case EML_EV_DIAG:
		/* the input ended inside a part: what was open is not
		 * whole, and a file in DIR is always a whole part */
		if (ev->diag.code == EML_D_TRUNCATED && s->ncaps > 0) {
			tool_warn_src(src, 0, "part %s: input ends inside it: "
			    "not written", s->caps[s->ncaps - 1].section);
			abort_all(s, src);
		}
		break;
	case EML_EV_HEADERS_END:
		if (s->text) {
			if (!pt->is_multipart && !pt->is_message &&
			    is_text(pt))
				text_begin(s, pt);
			break;
		}
		if (pt->is_multipart || s->failed)
			break;
		/* inside a message being written, nothing else starts */
		for (i = 0; i < s->ncaps; i++)
			if (s->caps[i].is_msg)
				return;
		if (pt->is_message && pt->depth == 0)
			break;
		if (selected(s, pt))
			cap_begin(s, pt, src);
		break;
	case EML_EV_BODY:
		if (s->text_pt == pt && ev->data_len > 0) {
			int r = eml_sink_write(text_o.head, ev->data,
			    ev->data_len);

			if (r != EML_OK && !s->failed) {
				tool_warn_src(src, 0, "part %s: %s",
				    pt->section, eml_strerror(r));
				s->failed = 1;
			}
		}
		for (i = 0; i < s->ncaps; i++)
			if (s->caps[i].pt == pt)
				cap_write(s, &s->caps[i], ev->data,
				    ev->data_len, src);
		break;
	case EML_EV_PART_END:
		if (s->text_pt == pt)
			text_end(s, src);
		if (capturing(s, pt)) {
			/* captures nest: pt is the top one */
			while (s->ncaps > 0 && s->caps[s->ncaps - 1].pt != pt)
				cap_end(s, src, 0);
			cap_end(s, src, 1);
		}
		break;
	default:
		break;
	}
}

static int
drain(struct state *s, const struct tool_src *src)
{
	struct eml_event ev;
	int r;

	while ((r = eml_parser_next(s->p, &ev)) > 0)
		handle(s, &ev, src);
	if (r < 0) {
		tool_warn_src(src, 0, "%s", eml_parser_errmsg(s->p));
		abort_all(s, src);
		return 1;
	}
	return 0;
}

static int
chunk(enum tool_chunk what, const char *data, size_t len,
    const struct tool_src *src, void *arg)
{
	struct state *s = arg;

	switch (what) {
	case TOOL_BEGIN:
		eml_parser_reset(s->p);
		s->failed = 0;
		s->msgno++;
		/* several messages into one DIR: names cannot collide
		 * across messages and say which message they are from */
		s->prefix = s->msgno > 1 || src->multi || src->in_mbox ||
		    src->in_maildir;
		s->text_done = 0;
		s->spooled = 0;
		return 0;
	case TOOL_DATA:
		if (s->failed)
			return 0;
		if (eml_parser_feed(s->p, data, len) != EML_OK) {
			tool_warn_src(src, 0, "parser misuse");
			abort_all(s, src);
			return 1;
		}
		return drain(s, src);
	case TOOL_END:
		if (!s->failed) {
			eml_parser_finish(s->p);
			drain(s, src);
		}
		/* a cut message: what is still open is not whole */
		if (s->ncaps > 0 || s->text_pt != NULL)
			abort_all(s, src);
		if (s->text)
			text_flush_spool(s);
		return s->failed;
	}
	return 0;
}

static int
open_dir(const char *dir)
{
	int fd;

	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		tool_die(dir, "%s", strerror(errno));
	/* O_NOFOLLOW: DIR itself must not be a symlink either */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		tool_die(dir, "%s", strerror(errno));
	return fd;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "section", required_argument, NULL, 'p' },
		{ "type", required_argument, NULL, 't' },
		{ "name", required_argument, NULL, 'n' },
		{ "attachments", no_argument, NULL, 'a' },
		{ "dir", required_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ "text", no_argument, NULL, OPT_TEXT },
		{ "manifest", no_argument, NULL, OPT_MANIFEST },
		TOOL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct eml_parser_opts o;
	struct state s;
	int c, rc;

	tool_init("eml-extract");
	memset(&s, 0, sizeof(s));
	s.dirfd = -1;
	s.spool_fd = -1;
	while ((c = getopt_long(argc, argv, "p:t:n:ad:f" TOOL_SHORTOPTS,
	    longopts, NULL)) != -1) {
		if (tool_opt(c, optarg, usage_text, help_text))
			continue;
		switch (c) {
		case 'p':
			if (s.nsections == MAX_SECTIONS)
				tool_die(NULL, "-p: at most %d sections",
				    MAX_SECTIONS);
			s.sections[s.nsections++] = optarg;
			break;
		case 't':
			s.type_glob = optarg;
			break;
		case 'n':
			s.name_glob = optarg;
			break;
		case 'a':
			s.attachments = 1;
			break;
		case 'd':
			s.dir = optarg;
			break;
		case 'f':
			s.force = 1;
			break;
		case OPT_TEXT:
			s.text = 1;
			break;
		case OPT_MANIFEST:
			s.manifest = 1;
			break;
		default:
			tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
		}
	}
	if ((s.manifest || s.force) && s.dir == NULL) {
		tool_warn(NULL, "--manifest and -f need -d DIR");
		tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
	}
	if (s.text && (s.dir != NULL || s.nsections > 0 || s.attachments ||
	    s.type_glob != NULL || s.name_glob != NULL)) {
		tool_warn(NULL, "--text goes to stdout, without -d/-p/-t/-n/-a");
		tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
	}
	/* --manifest needs libcrypto (loaded at the first digest): say so
	 * before writing anything rather than after the first file */
	if (s.manifest && eml_sha256_errmsg() != NULL)
		tool_die(NULL, "%s", eml_sha256_errmsg());
	if (s.dir != NULL) {
		s.dirfd = open_dir(s.dir);
		tool_in.write_dir = s.dir;
	}
	if (s.text) {
		/* HTML text waits here until the message shows it has no
		 * text/plain; opened before the sandbox closes writes */
		FILE *f = tmpfile();

		if (f == NULL || (s.spool_fd = dup(fileno(f))) < 0)
			tool_die(NULL, "temporary file: %s", strerror(errno));
		fclose(f);
	}
	memset(&o, 0, sizeof(o));
	/* No field checks: their diagnostics are never shown here, and
	 * checking the encoded-words of Subject or From converted their
	 * charsets, loading a gconv module (ISO-2022-JP, GB18030, UTF-7:
	 * 20 of the first 300 corpus messages) in a run that writes
	 * only attachments.  File names are still decoded: the MIME
	 * fields are parsed whatever the flag. */
	o.flags = EML_PARSE_DECODE | EML_PARSE_NO_FIELD_CHECK;
	if ((s.p = eml_parser_new(&o)) == NULL)
		tool_die(NULL, "out of memory");
	tool_in.confine = 1;	/* creates files under DIR only */
	rc = tool_run(argc - optind, argv + optind, chunk, &s);
	eml_parser_free(s.p);
	for (unsigned i = 0; i < MAX_CAPS; i++) {
		eml_buf_free(&s.caps[i].file);
		free(s.caps[i].buf);
	}
	eml_buf_free(&s.known);
	eml_buf_free(&s.line);
	if (s.spool_fd >= 0)
		close(s.spool_fd);
	if (s.dirfd >= 0)
		close(s.dirfd);
	return tool_flush(rc);
}
