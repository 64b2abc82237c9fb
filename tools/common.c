/*
 * common.c - the input loop and small helpers shared by the eml-* tools.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define CHUNK		65536
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
/* Streaming loop */

static int
stream_mbox(struct eml_input *in, const char *name, tool_chunk_fn fn,
    void *arg)
{
	struct eml_mbox *m = eml_mbox_new(EML_MBOX_RD);
	struct eml_mbox_event ev;
	char *buf = xmalloc(CHUNK);
	int rc = TOOL_EXIT_OK, eof = 0, r;
	long n;

	if (m == NULL)
		tool_die(NULL, "out of memory");
	while (!eof) {
		if ((n = eml_input_read(in, buf, CHUNK)) < 0) {
			rc = input_failed(name, (int)n);
			break;
		}
		if (n == 0) {
			eof = 1;
			eml_mbox_finish(m);
		} else
			eml_mbox_feed(m, buf, (size_t)n);
		while ((r = eml_mbox_next(m, &ev)) > 0) {
			enum tool_chunk w = ev.type == EML_MBOX_BEGIN ?
			    TOOL_BEGIN : ev.type == EML_MBOX_DATA ?
			    TOOL_DATA : TOOL_END;

			if (w == TOOL_BEGIN)
				r = fn(w, NULL, 0, ev.index, name, arg);
			else
				r = fn(w, ev.data, ev.len, ev.index, name,
				    arg);
			if (r != 0)
				rc = TOOL_EXIT_FAIL;
		}
		if (r < 0) {
			rc = input_failed(name, r);
			break;
		}
	}
	eml_mbox_free(m);
	free(buf);
	return rc;
}

static int
stream_single(struct eml_input *in, const char *name, tool_chunk_fn fn,
    void *arg)
{
	char *buf = xmalloc(CHUNK);
	int rc = TOOL_EXIT_OK;
	long n;

	if (fn(TOOL_BEGIN, NULL, 0, 1, name, arg) != 0)
		rc = TOOL_EXIT_FAIL;
	while ((n = eml_input_read(in, buf, CHUNK)) > 0)
		if (fn(TOOL_DATA, buf, (size_t)n, 1, name, arg) != 0)
			rc = TOOL_EXIT_FAIL;
	if (n < 0)
		rc = input_failed(name, (int)n);
	/* END even after a read error: the caller frees its state. */
	if (fn(TOOL_END, NULL, 0, 1, name, arg) != 0)
		rc = TOOL_EXIT_FAIL;
	free(buf);
	return rc;
}

/* Open one input and peek whether it is an mbox. */
static int
open_input(const char *path, struct eml_input **in_r, int *mbox_r)
{
	char pk[5];
	long n;
	int r;

	*mbox_r = 0;
	if ((r = eml_input_open(path, in_r)) != EML_OK)
		return input_failed(path, r);
	if ((n = eml_input_peek(*in_r, pk, sizeof(pk))) < 0) {
		eml_input_close(*in_r);
		*in_r = NULL;
		return input_failed(path, (int)n);
	}
	*mbox_r = eml_mbox_sniff(pk, (size_t)n);
	return TOOL_EXIT_OK;
}

int
tool_loop_stream(int argc, char **argv, tool_chunk_fn fn, void *arg)
{
	static char *dash[] = { "-" };
	struct eml_input *in;
	int i, mbox, rc = TOOL_EXIT_OK;

	if (argc == 0) {
		argc = 1;
		argv = dash;
	}
	for (i = 0; i < argc; i++) {
		if (open_input(argv[i], &in, &mbox) != TOOL_EXIT_OK) {
			rc = TOOL_EXIT_FAIL;
			continue;
		}
		if ((mbox ? stream_mbox(in, argv[i], fn, arg) :
		    stream_single(in, argv[i], fn, arg)) != TOOL_EXIT_OK)
			rc = TOOL_EXIT_FAIL;
		eml_input_close(in);
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Whole-message loop, built on the streaming one for mboxes. */

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
	static char *dash[] = { "-" };
	struct collect c;
	struct eml_input *in;
	const char *buf;
	size_t len;
	int i, mbox, r, rc = TOOL_EXIT_OK;

	memset(&c, 0, sizeof(c));
	c.msg.max = MBOX_MSG_MAX;
	c.fn = fn;
	c.arg = arg;
	if (argc == 0) {
		argc = 1;
		argv = dash;
	}
	for (i = 0; i < argc; i++) {
		if (open_input(argv[i], &in, &mbox) != TOOL_EXIT_OK) {
			rc = TOOL_EXIT_FAIL;
			continue;
		}
		if (mbox) {
			if (stream_mbox(in, argv[i], collect_chunk, &c) !=
			    TOOL_EXIT_OK)
				rc = TOOL_EXIT_FAIL;
		} else if ((r = eml_input_slurp(in, &buf, &len)) != EML_OK) {
			rc = input_failed(argv[i], r);
		} else if (fn(buf, len, 1, argv[i], arg) != 0)
			rc = TOOL_EXIT_FAIL;
		eml_input_close(in);
	}
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

void
tool_escape(const char *s, size_t len, struct eml_buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	char tmp[16];
	size_t i = 0, k;
	uint32_t cp;

	while (i < len) {
		k = utf8_seq(p + i, len - i, &cp);
		if (k == 0) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
			xcheck(eml_buf_adds(out, tmp));
			i++;
			continue;
		}
		if (cp == '\\') {
			xcheck(eml_buf_adds(out, "\\\\"));
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
