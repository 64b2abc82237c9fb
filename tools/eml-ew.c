/*
 * eml-ew - RFC 2047 encoded-words: encode each line of UTF-8 text
 * (default) or decode the encoded-words in header text, streaming line by
 * line through the library's encoder and decoder.
 */
#include <errno.h>
#include <string.h>

#include "common.h"
#include "pump.h"

static const char usage_text[] =
    "eml-ew [-d] [-n NAME] [--fallback CHARSETS] [--crlf] [--no-sandbox] "
    "[file ...]";

static const char help_text[] =
    "Encode each line of UTF-8 text as RFC 2047 encoded-words (B or Q,\n"
    "whichever is shorter, at most 75 characters each), one output line\n"
    "an input line.\n"
    "  -n, --name NAME   write a header field instead: \"NAME: value\",\n"
    "                    encoded only where needed and folded at 78\n"
    "                    columns, as the library writes headers\n"
    "  -d, --decode      decode header text: lines starting with a blank\n"
    "                    continue the line before (unfolded), encoded-\n"
    "                    words become UTF-8, leniently as mail readers do\n"
    "      --fallback CS charsets tried for raw 8-bit bytes that are not\n"
    "                    UTF-8 (comma list; default windows-1252)\n"
    "      --crlf        end output lines with CRLF (default LF)\n"
    "Lines are held one at a time, at most 1 MiB: a longer line is cut at\n"
    "its last blank (encoded-words never contain one) and then at 1 MiB.\n";

#define LINE_MAX_BYTES	(1024 * 1024)

struct ew {
	struct eml_sink *next;
	int decode;
	const char *name;
	const char *fallback;
	const char *eol;
	struct eml_buf line;	/* the logical line so far, no EOL */
	struct eml_buf out;
	int held;		/* decode: a line ended; next byte decides */
};

static int
emit(struct ew *e, const char *s, size_t n, int eol)
{
	int r;

	eml_buf_reset(&e->out);
	if (e->decode) {
		r = eml_hdr_decode(s, n, e->fallback, &e->out, NULL);
		if (r == EML_OK && eol)
			r = eml_buf_adds(&e->out, e->eol);
	} else if (e->name != NULL) {
		/* eml_hdr_encode ends the field with its own EOL */
		r = eml_hdr_encode(e->name, s, n, e->eol, &e->out);
	} else {
		r = eml_rfc2047_encode(s, n, 0, e->eol, &e->out);
		if (r == EML_OK && eol)
			r = eml_buf_adds(&e->out, e->eol);
	}
	if (r != EML_OK)
		return r;
	return eml_sink_write(e->next, e->out.data, e->out.len);
}

/* The line is over its cap: pass on what ends at its last blank. */
static int
emit_part(struct ew *e)
{
	const char *s = e->line.data;
	size_t n = e->line.len, cut = n;
	int r;

	while (cut > 0 && s[cut - 1] != ' ' && s[cut - 1] != '\t')
		cut--;
	if (cut == 0)
		cut = n;
	if ((r = emit(e, s, cut, 0)) != EML_OK)
		return r;
	memmove(e->line.data, s + cut, n - cut);
	e->line.len = n - cut;
	return EML_OK;
}

static int
line_done(struct ew *e)
{
	size_t n = e->line.len;
	int r;

	if (n > 0 && e->line.data[n - 1] == '\r')
		n--;
	r = emit(e, e->line.data != NULL ? e->line.data : "", n, 1);
	eml_buf_reset(&e->line);
	return r;
}

static int
ew_write(void *ctx, const void *p, size_t n)
{
	struct ew *e = ctx;
	const char *s = p, *end = s + n, *nl;
	int r;

	while (s < end) {
		if (e->held) {
			e->held = 0;
			if (*s == ' ' || *s == '\t') {
				/* a fold: the field goes on */
				if ((r = eml_buf_addc(&e->line, '\n')) < 0)
					return r;
			} else if ((r = line_done(e)) != EML_OK) {
				return r;
			}
		}
		nl = memchr(s, '\n', (size_t)(end - s));
		if ((r = eml_buf_add(&e->line, s, (size_t)((nl ? nl : end) -
		    s))) != EML_OK)
			return r;
		if (e->line.len > LINE_MAX_BYTES &&
		    (r = emit_part(e)) != EML_OK)
			return r;
		if (nl == NULL)
			break;
		s = nl + 1;
		if (e->decode)
			e->held = 1;
		else if ((r = line_done(e)) != EML_OK)
			return r;
	}
	return EML_OK;
}

static int
ew_close(void *ctx)
{
	struct ew *e = ctx;
	int r = EML_OK;

	if (e->held || e->line.len > 0) {
		if (e->held)
			r = line_done(e);
		else if ((r = emit(e, e->line.data, e->line.len, 0)) ==
		    EML_OK && e->decode)
			eml_buf_reset(&e->line);
	}
	if (r == EML_OK)
		r = eml_sink_close(e->next);
	else
		eml_sink_abort(e->next);
	e->next = NULL;
	return r;
}

static struct ew proto;
static struct ew cur;

static struct eml_sink *
chain(struct eml_sink *next, void *arg)
{
	struct eml_sink *s;

	(void)arg;
	if (next == NULL)
		return NULL;
	eml_buf_free(&cur.line);
	eml_buf_free(&cur.out);
	cur = proto;
	cur.next = next;
	if ((s = eml_sink_cb(ew_write, ew_close, &cur)) == NULL)
		eml_sink_abort(next);
	return s;
}

int
main(int argc, char **argv)
{
	const struct pump_opt extra[] = {
		{ "name", 'n', NULL, &proto.name },
		{ "fallback", 0, NULL, &proto.fallback },
		{ NULL, 0, NULL, NULL }
	};
	struct pump_args a;
	int n, rc;

	tool_init("eml-ew");
	n = pump_getopt(argc, argv, usage_text, help_text, extra, &a);
	proto.decode = a.decode;
	proto.eol = a.crlf ? "\r\n" : "\n";
	if (proto.decode && proto.name != NULL)
		pump_usage_error(usage_text, "-n is for encoding");
	pump_confine(a.no_sandbox);
	rc = pump_run(argc - n, argv + n, chain, NULL);
	eml_buf_free(&cur.line);
	eml_buf_free(&cur.out);
	return rc;
}
