/*
 * common.c - the input loop and small helpers shared by the eml-* tools.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"

#define CHUNK		65536
#define HDR_STEP	4096	/* first read with tool_in.headers_only */
#define MIN_SZ(a, b)	((a) < (b) ? (a) : (b))
/* An mbox message is collected in memory for whole-message tools. */
#define MBOX_MSG_MAX	((size_t)1 << 30)

static const char *progname = "eml";

void
tool_init(const char *name)
{
	progname = name;
}

const char *
tool_name(void)
{
	return progname;
}

static void
vwarn_file(const char *file, const char *fmt, va_list ap)
{
	fflush(stdout);
	if (file != NULL)
		fprintf(stderr, "%s: %s: ", progname, file);
	else
		fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
tool_warn(const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_file(file, fmt, ap);
	va_end(ap);
}

void
tool_warn_err(const char *file, int err)
{
	if (err == EML_EIO)
		tool_warn(file, "%s", strerror(errno));
	else
		tool_warn(file, "%s", eml_strerror(err));
}

void
tool_die(const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_file(file, fmt, ap);
	va_end(ap);
	exit(TOOL_EXIT_FAIL);
}

void
tool_sha256_need(void)
{
	if (eml_sha256_errmsg() != NULL)
		tool_die(NULL, "%s", eml_sha256_errmsg());
}

void
tool_sha256_final(struct eml_sha256 *s, unsigned char dg[32])
{
	int r;

	if ((r = eml_sha256_final(s, dg)) != EML_OK)
		tool_die(NULL, "SHA-256: %s", r == EML_ENOTSUP &&
		    eml_sha256_errmsg() != NULL ? eml_sha256_errmsg() :
		    eml_strerror(r));
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		tool_die(NULL, "out of memory");
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		tool_die(NULL, "out of memory");
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL)
		tool_die(NULL, "out of memory");
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		tool_die(NULL, "out of memory");
	return p;
}

void
xcheck(int r)
{
	if (r != EML_OK)
		tool_die(NULL, "%s", eml_strerror(r));
}

void
tool_usage_exit(const char *usage, int code)
{
	FILE *f = code == 0 ? stdout : stderr;

	fprintf(f, "usage: %s\n", usage);
	exit(code);
}

void
tool_version_exit(void)
{
	printf("%s (emlkit) %s\n", progname, EML_VERSION);
	exit(TOOL_EXIT_OK);
}

/* Report a failed input; EML_EIO carries errno. */
static int
input_failed(const char *name, int err)
{
	tool_warn_err(name, err);
	return TOOL_EXIT_FAIL;
}

/* ------------------------------------------------------------------ */
/* The older loops, kept for tools written against them: both now run
 * over tool_run, so they read Maildir, --files-from and the rest too. */

struct adapt {
	tool_chunk_fn fn;
	void *arg;
};

static int
adapt_chunk(enum tool_chunk what, const char *data, size_t len,
    const struct tool_src *src, void *arg)
{
	struct adapt *a = arg;

	return a->fn(what, data, len, src->index, src->name, a->arg);
}

int
tool_loop_stream(int argc, char **argv, tool_chunk_fn fn, void *arg)
{
	struct adapt a = { fn, arg };

	return tool_run(argc, argv, adapt_chunk, &a);
}

/* Whole-message loop: each message collected in memory (capped). */
struct collect {
	struct eml_buf msg;
	int failed;		/* this message is lost (too big) */
	tool_msg_fn fn;
	void *arg;
};

static int
collect_chunk(enum tool_chunk what, const char *data, size_t len,
    unsigned long idx, const char *name, void *arg)
{
	struct collect *c = arg;
	int r;

	switch (what) {
	case TOOL_BEGIN:
		eml_buf_reset(&c->msg);
		c->failed = 0;
		return 0;
	case TOOL_DATA:
		if (c->failed)
			return 0;
		if ((r = eml_buf_add(&c->msg, data, len)) != EML_OK) {
			if (r == EML_ENOMEM)
				tool_die(name, "out of memory");
			tool_warn(name, "message %lu: too large", idx);
			c->failed = 1;
			return 1;
		}
		return 0;
	case TOOL_END:
		if (c->failed)
			return 0;
		return c->fn(c->msg.len ? c->msg.data : "", c->msg.len, idx,
		    name, c->arg);
	}
	return 0;
}

int
tool_loop(int argc, char **argv, tool_msg_fn fn, void *arg)
{
	struct collect c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.msg.max = MBOX_MSG_MAX;
	c.fn = fn;
	c.arg = arg;
	rc = tool_loop_stream(argc, argv, collect_chunk, &c);
	eml_buf_free(&c.msg);
	return rc;
}

/* ------------------------------------------------------------------ */

/* Length of the UTF-8 sequence at s (1..4) and its code point, or 0 if
 * invalid (overlong, surrogate, out of range, truncated). */
static size_t
utf8_seq(const unsigned char *s, size_t n, uint32_t *cp_r)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp_r = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_r = cp;
	return len;
}

static void
escape(const char *s, size_t len, int bs, struct eml_buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	char tmp[16];
	size_t i = 0, k;
	uint32_t cp;

	while (i < len) {
		/* The common case: a run of printable ASCII, added at once. */
		for (k = i; k < len && p[k] >= 0x20 && p[k] < 0x7f &&
		    (p[k] != '\\' || !bs); k++)
			;
		if (k > i) {
			xcheck(eml_buf_add(out, p + i, k - i));
			i = k;
			continue;
		}
		k = utf8_seq(p + i, len - i, &cp);
		if (k == 0) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
			xcheck(eml_buf_adds(out, tmp));
			i++;
			continue;
		}
		if (cp == '\\') {
			xcheck(eml_buf_adds(out, "\\\\"));	/* bs set */
		} else if (cp < 0x20 || cp == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", (unsigned)cp);
			xcheck(eml_buf_adds(out, tmp));
		} else if ((cp >= 0x80 && cp <= 0x9f) ||
		    (cp >= 0x200e && cp <= 0x200f) ||
		    (cp >= 0x2028 && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069)) {
			/* C1 controls reach the terminal as escapes; bidi
			 * overrides make "evil.exe.txt" look harmless. */
			snprintf(tmp, sizeof(tmp), "\\u{%04x}", (unsigned)cp);
			xcheck(eml_buf_adds(out, tmp));
		} else
			xcheck(eml_buf_add(out, p + i, k));
		i += k;
	}
}

void
tool_escape(const char *s, size_t len, struct eml_buf *out)
{
	escape(s, len, 1, out);
}

void
tool_escape_text(const char *s, size_t len, struct eml_buf *out)
{
	escape(s, len, 0, out);
}

/* ------------------------------------------------------------------ */
/* The one input layer */

struct tool_inopts tool_in = { 0, NULL, 0, -1, 0, 0, NULL, 0, 0, 0 };

const char tool_help_input[] =
    "Inputs: files, - or none for standard input, .gz files, mboxes\n"
    "(recognised by their first \"From \" line) and Maildir folders (cur/\n"
    "and new/).  With several inputs each output line starts with where\n"
    "it came from, as grep does: FILE: or, for an mbox message,\n"
    "FILE:INDEX:OFFSET: (message number from 1, byte offset of the\n"
    "message after its From_ line).\n"
    "  --mbox               read every input as an mbox\n"
    "  --files-from FILE    read input names from FILE (- = stdin), one a line\n"
    "  -0, --null           names in --files-from end with NUL, not newline\n"
    "  -H, --with-filename  prefix output lines even for one input\n"
    "  --no-filename        never prefix output lines\n"
    "  --no-sandbox         do not confine the tool with Landlock (debugging)\n"
    "  --help, --version    this text (also -h where -h names no header);\n"
    "                       the version\n"
    "Exit status: 0 success, 1 an input or a write failed, 2 usage error.\n";

void
tool_help_exit(const char *usage, const char *help)
{
	printf("usage: %s\n", usage);
	if (help != NULL)
		fputs(help, stdout);
	fputs(tool_help_input, stdout);
	exit(tool_flush(TOOL_EXIT_OK));
}

int
tool_opt(int c, const char *arg, const char *usage, const char *help)
{
	switch (c) {
	case TOOL_OPT_MBOX:
		tool_in.force_mbox = 1;
		return 1;
	case TOOL_OPT_FILES_FROM:
		tool_in.files_from = arg;
		return 1;
	case '0':
		tool_in.nul = 1;
		return 1;
	case 'H':
		tool_in.with_name = 1;
		return 1;
	case TOOL_OPT_NO_FILENAME:
		tool_in.with_name = 0;
		return 1;
	case TOOL_OPT_NO_SANDBOX:
		tool_in.no_sandbox = 1;
		return 1;
	case TOOL_OPT_HELP:
		tool_help_exit(usage, help);
	case TOOL_OPT_VERSION:
		tool_version_exit();
	}
	return 0;
}

static const char *
write_reason(void)
{
	return errno != 0 ? strerror(errno) : "unknown error";
}

void
tool_write(const void *p, size_t n)
{
	if (n == 0)
		return;
	errno = 0;
	if (fwrite(p, 1, n, stdout) != n)
		tool_die(NULL, "write error: %s", write_reason());
}

void
tool_puts(const char *s)
{
	tool_write(s, strlen(s));
}

int
tool_flush(int rc)
{
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		tool_warn(NULL, "write error: %s", write_reason());
		return TOOL_EXIT_FAIL;
	}
	return rc;
}

const char *
tool_prefix(const struct tool_src *src)
{
	static struct eml_buf b;
	char num[64];

	if (!src->multi)
		return "";
	eml_buf_reset(&b);
	xcheck(eml_buf_adds(&b, src->name));
	if (src->in_mbox) {
		snprintf(num, sizeof(num), ":%lu:%llu", src->index,
		    (unsigned long long)src->offset);
		xcheck(eml_buf_adds(&b, num));
	}
	xcheck(eml_buf_addc(&b, ':'));
	return b.data;
}

void
tool_warn_src(const struct tool_src *src, unsigned long line,
    const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: %s", progname, src->name);
	if (line > 0)
		fprintf(stderr, ":%lu", src->line + line - 1);
	fputs(": ", stderr);
	if (src->in_mbox)
		fprintf(stderr, "message %lu: ", src->index);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Does the message start with a header field?  Only its first line is
 * looked at (RFC 5322 2.2: field-name is printable ASCII but ':', then
 * the colon; obsolete syntax allows blanks before it, 4.5.8). */
struct hsniff {
	char line[1000];
	size_t n;
	int decided;
};

static int
hsniff_ok(const struct hsniff *h)
{
	size_t i = 0;

	while (i < h->n && (unsigned char)h->line[i] > 0x20 &&
	    (unsigned char)h->line[i] < 0x7f && h->line[i] != ':')
		i++;
	if (i == 0)
		return 0;
	while (i < h->n && (h->line[i] == ' ' || h->line[i] == '\t'))
		i++;
	return i < h->n && h->line[i] == ':';
}

static void
hsniff_decide(struct hsniff *h, const struct tool_src *src)
{
	if (h->decided)
		return;
	h->decided = 1;
	if (!hsniff_ok(h))
		tool_warn_src(src, 1, "does not look like a message "
		    "(no header fields)");
}

/* A line of only SP, HT (and a CR before its LF), not empty: the parser
 * skips such lines before the first field (RFC 5322 2.2: they are not
 * the empty line that ends the header block). */
static int
hsniff_blank(const struct hsniff *h)
{
	size_t i, sp = 0;

	for (i = 0; i < h->n; i++) {
		if (h->line[i] == ' ' || h->line[i] == '\t')
			sp++;
		else if (h->line[i] != '\r' || i + 1 != h->n)
			return 0;
	}
	return sp > 0;
}

static void
hsniff_feed(struct hsniff *h, const char *p, size_t n,
    const struct tool_src *src)
{
	const char *nl;
	size_t k, take;

	while (!h->decided && n > 0) {
		nl = memchr(p, '\n', n);
		k = nl != NULL ? (size_t)(nl - p) : n;
		take = MIN_SZ(k, sizeof(h->line) - h->n);
		memcpy(h->line + h->n, p, take);
		h->n += take;
		if (take == k && nl == NULL)
			return;		/* the line goes on in the next chunk */
		if (!hsniff_blank(h)) {
			hsniff_decide(h, src);
			return;
		}
		/* a blank line longer than line[] is looked at in pieces */
		h->n = 0;
		if (take < k) {
			p += take;
			n -= take;
		} else {
			p = nl + 1;
			n -= k + 1;
		}
	}
}

struct runner {
	tool_src_fn fn;
	void *arg;
	int multi;			/* several inputs */
	char *buf;
	struct hsniff hs;
};

static int
run_mbox(struct runner *r, struct eml_input *in, struct tool_src *src)
{
	struct eml_mbox *m = eml_mbox_new(tool_in.mboxo ? 0 : EML_MBOX_RD);
	struct eml_mbox_event ev;
	struct eml_buf from = { NULL, 0, 0, 4096 };
	unsigned long lines = 0;	/* LFs of the input before here */
	uint64_t end = 0;		/* input offset after the last event */
	int rc = TOOL_EXIT_OK, eof = 0, open = 0, first = 0, k, k2, skip = 0;
	long n;

	if (m == NULL)
		tool_die(NULL, "out of memory");
	src->in_mbox = 1;
	while (!eof) {
		if ((n = eml_input_read(in, r->buf, CHUNK)) < 0) {
			rc = input_failed(src->name, (int)n);
			break;
		}
		if (n == 0) {
			eof = 1;
			eml_mbox_finish(m);
		} else
			eml_mbox_feed(m, r->buf, (size_t)n);
		while ((k = eml_mbox_next(m, &ev)) > 0) {
			switch (ev.type) {
			case EML_MBOX_BEGIN:
				/* The splitter drops only the blank line
				 * before a From_ line (and bytes before the
				 * first one, which a sniffed mbox has not). */
				if (ev.offset > end && src->index > 0)
					lines++;
				src->index = ev.index;
				eml_buf_reset(&from);
				if (eml_buf_add(&from, ev.data, ev.len) !=
				    EML_OK)
					xcheck(eml_buf_add(&from, ev.data,
					    4000));
				src->from_line = from.data;
				src->from_len = from.len;
				src->has_time = eml_mbox_from_time(ev.data,
				    ev.len, &src->received) == EML_OK;
				lines++;
				src->line = lines + 1;
				end = ev.offset + ev.len;
				first = 1;
				skip = 0;
				src->offset = 0;
				open = 1;
				memset(&r->hs, 0, sizeof(r->hs));
				/* BEGIN is sent with the first data, when
				 * the message's offset is known. */
				break;
			case EML_MBOX_DATA:
				if (first) {
					src->offset = ev.offset;
					if (r->fn(TOOL_BEGIN, NULL, 0, src,
					    r->arg) != 0)
						rc = TOOL_EXIT_FAIL;
					first = 0;
				}
				hsniff_feed(&r->hs, ev.data, ev.len, src);
				lines += eml_count_lf(ev.data, ev.len);
				end = ev.offset + ev.len;
				/* The splitter must still see the bytes to
				 * find the next message; the tool need not. */
				if (skip)
					break;
				k2 = r->fn(TOOL_DATA, ev.data, ev.len, src,
				    r->arg);
				if (k2 == TOOL_SKIP_REST)
					skip = 1;
				else if (k2 != 0)
					rc = TOOL_EXIT_FAIL;
				break;
			case EML_MBOX_END:
				if (first) {
					src->offset = end + 1;
					if (r->fn(TOOL_BEGIN, NULL, 0, src,
					    r->arg) != 0)
						rc = TOOL_EXIT_FAIL;
					first = 0;
				}
				hsniff_decide(&r->hs, src);
				if (r->fn(TOOL_END, NULL, 0, src, r->arg) != 0)
					rc = TOOL_EXIT_FAIL;
				open = 0;
				break;
			}
		}
		if (k < 0) {
			rc = input_failed(src->name, k);
			break;
		}
	}
	/* END even after a read error: the caller frees its state. */
	if (open) {
		if (first && r->fn(TOOL_BEGIN, NULL, 0, src, r->arg) != 0)
			rc = TOOL_EXIT_FAIL;
		if (r->fn(TOOL_END, NULL, 0, src, r->arg) != 0)
			rc = TOOL_EXIT_FAIL;
	}
	src->from_line = NULL;
	eml_buf_free(&from);
	eml_mbox_free(m);
	return rc;
}

static int
run_single(struct runner *r, struct eml_input *in, struct tool_src *src)
{
	int rc = TOOL_EXIT_OK, k;
	long n;
	/* A header block is mostly within the first few KiB: a tool that
	 * stops there should not copy 64 KiB of body out of the kernel.
	 * The reads grow, so a large message is soon read CHUNK at once. */
	size_t want = tool_in.headers_only ? HDR_STEP : CHUNK;

	src->index = 1;
	src->offset = 0;
	src->line = 1;
	memset(&r->hs, 0, sizeof(r->hs));
	if (r->fn(TOOL_BEGIN, NULL, 0, src, r->arg) != 0)
		rc = TOOL_EXIT_FAIL;
	for (; (n = eml_input_read(in, r->buf, want)) > 0;
	    want = MIN_SZ(want * 2, CHUNK)) {
		hsniff_feed(&r->hs, r->buf, (size_t)n, src);
		k = r->fn(TOOL_DATA, r->buf, (size_t)n, src, r->arg);
		if (k == TOOL_SKIP_REST) {
			/* A file holds one message: the rest is not read. */
			hsniff_decide(&r->hs, src);
			break;
		}
		if (k != 0)
			rc = TOOL_EXIT_FAIL;
	}
	if (n < 0)
		rc = input_failed(src->name, (int)n);
	else
		hsniff_decide(&r->hs, src);
	if (r->fn(TOOL_END, NULL, 0, src, r->arg) != 0)
		rc = TOOL_EXIT_FAIL;
	return rc;
}

static int
is_dir(const char *dir, const char *sub)
{
	char p[4096];
	struct stat st;

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, sub) >= sizeof(p))
		return 0;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Is the file name a message of a Maildir: a file in cur/ or new/ of a
 * folder that also has cur/, new/ and tmp/ (maildir(5))?  Named one by
 * one (md/cur/123:2,S) it is as much a Maildir message as when the
 * folder is named.  Only names whose folder is spelt cur or new cost a
 * stat; a folder spelt "." or ".." is resolved first. */
static int
maildir_file(const char *name)
{
	char dir[4096], *sl, *real, *last;

	if (strcmp(name, "-") == 0 ||
	    (size_t)snprintf(dir, sizeof(dir), "%s", name) >= sizeof(dir))
		return 0;
	if ((sl = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (sl == dir)
		return 0;		/* a file in / */
	else
		*sl = '\0';
	last = (sl = strrchr(dir, '/')) != NULL ? sl + 1 : dir;
	if (strcmp(last, ".") == 0 || strcmp(last, "..") == 0) {
		if ((real = realpath(dir, NULL)) == NULL ||
		    strlen(real) >= sizeof(dir)) {
			free(real);
			return 0;
		}
		snprintf(dir, sizeof(dir), "%s", real);
		free(real);
		last = (sl = strrchr(dir, '/')) != NULL ? sl + 1 : dir;
	}
	if (strcmp(last, "cur") != 0 && strcmp(last, "new") != 0)
		return 0;
	if (sl == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (sl == dir)
		snprintf(dir, sizeof(dir), "/");
	else
		*sl = '\0';
	return is_dir(dir, "cur") && is_dir(dir, "new") && is_dir(dir, "tmp");
}

/* The delivery time a Maildir keeps as the file's mtime (maildir(5)),
 * for a file of a Maildir named as a folder or one by one (issue 7). */
static void
maildir_time(struct eml_input *in, const char *name, int in_maildir,
    struct tool_src *src)
{
	if (!tool_in.no_time && (in_maildir || maildir_file(name)) &&
	    eml_input_mtime(in, &src->received) == EML_OK)
		src->has_time = 1;
}

/* One file (or stdin), a message or an mbox.  Returns -1 (nothing
 * reported) when name is a directory, for run_name to look into. */
static int
run_file(struct runner *r, const char *name, int in_maildir)
{
	struct tool_src src;
	struct eml_input *in;
	char pk[8];	/* "From ", after a BOM */
	long n;
	int e, rc;

	memset(&src, 0, sizeof(src));
	/* grep's name for it, in prefixes and messages */
	src.name = strcmp(name, "-") == 0 ? "(standard input)" : name;
	src.in_maildir = in_maildir;
	src.multi = r->multi || (in_maildir && tool_in.with_name != 0);
	/* Opened first and asked after: one path lookup per message of a
	 * large Maildir, not three. */
	if ((e = eml_input_open(name, &in)) != EML_OK) {
		if (e == EML_EIO && errno == EISDIR && !in_maildir)
			return -1;
		return input_failed(src.name, e);
	}
	maildir_time(in, name, in_maildir, &src);
	if ((n = eml_input_peek(in, pk, sizeof(pk))) < 0) {
		eml_input_close(in);
		return input_failed(src.name, (int)n);
	}
	if (tool_in.force_mbox || eml_mbox_sniff(pk, (size_t)n))
		rc = run_mbox(r, in, &src);
	else
		rc = run_single(r, in, &src);
	eml_input_close(in);
	return rc;
}

static int
run_name(struct runner *r, const char *name)
{
	char **v;
	size_t n, i;
	int e, rc;

	if ((rc = run_file(r, name, 0)) >= 0)
		return rc;
	rc = TOOL_EXIT_OK;
	if (!eml_maildir_is(name)) {
		errno = EISDIR;
		return input_failed(name, EML_EIO);
	}
	if ((e = eml_maildir_list(name, &v, &n)) != EML_OK)
		return input_failed(name, e);
	/* A file gone since the listing (a reader moved it to cur/) is
	 * reported like any missing input. */
	for (i = 0; i < n; i++)
		if (run_file(r, v[i], 1) != TOOL_EXIT_OK)
			rc = TOOL_EXIT_FAIL;
	eml_maildir_list_free(v, n);
	return rc;
}

static int
run_files_from(struct runner *r)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = TOOL_EXIT_OK, delim = tool_in.nul ? '\0' : '\n';
	const char *ff = tool_in.files_from;

	if (strcmp(ff, "-") == 0)
		f = stdin;
	else if ((f = fopen(ff, "r")) == NULL)
		return input_failed(ff, EML_EIO);
	while ((errno = 0, n = getdelim(&line, &cap, delim, f)) > 0) {
		if (line[n - 1] == delim)
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (run_name(r, line) != TOOL_EXIT_OK)
			rc = TOOL_EXIT_FAIL;
	}
	if (ferror(f))
		rc = input_failed(ff, EML_EIO);
	free(line);
	if (f != stdin)
		fclose(f);
	return rc;
}

int
tool_run(int argc, char **argv, tool_src_fn fn, void *arg)
{
	struct runner r;
	int i, abi, rc = TOOL_EXIT_OK;

	memset(&r, 0, sizeof(r));
	r.fn = fn;
	r.arg = arg;
	r.buf = xmalloc(CHUNK);
	r.multi = tool_in.with_name == 1 || (tool_in.with_name != 0 &&
	    (argc > 1 || tool_in.files_from != NULL));
	if (tool_in.files_from != NULL && argc > 0) {
		tool_warn(NULL, "--files-from and file operands exclude "
		    "each other");
		exit(TOOL_EXIT_USAGE);
	}
	if (tool_in.confine) {
		if (!tool_in.no_sandbox &&
		    emlt_sandbox(tool_in.write_dir, &abi) != 0)
			tool_warn(NULL, "warning: cannot confine: %s",
			    strerror(errno));
		/* also unconfined, so a test sees the difference */
		emlt_sandbox_probe();
	}
	if (tool_in.files_from != NULL)
		rc = run_files_from(&r);
	else if (argc == 0)
		rc = run_name(&r, "-");
	for (i = 0; i < argc; i++)
		if (run_name(&r, argv[i]) != TOOL_EXIT_OK)
			rc = TOOL_EXIT_FAIL;
	free(r.buf);
	return rc;
}

int
tool_glob_ci(const char *glob, const char *s)
{
	char g[1024], t[1024];
	size_t i;

	snprintf(g, sizeof(g), "%s", glob);
	snprintf(t, sizeof(t), "%s", s);
	for (i = 0; g[i] != '\0'; i++)
		if (g[i] >= 'A' && g[i] <= 'Z')
			g[i] += 32;
	for (i = 0; t[i] != '\0'; i++)
		if (t[i] >= 'A' && t[i] <= 'Z')
			t[i] += 32;
	return fnmatch(g, t, 0) == 0;
}
