/*
 * eml-grep - select messages whose decoded header fields, addresses or
 * body text match a PCRE2 pattern (mblaze's magrep, with grep's -i -v
 * -c -l -L -q).  Patterns are compiled once with the JIT.
 *
 * What is matched is what a reader sees: field values decoded to UTF-8
 * (RFC 2047, unfolded), addresses as "Name <addr>" and "addr", and the
 * text of text/plain and text/html parts (transfer-decoded, converted
 * to UTF-8, HTML rendered as text by eml_filter_html2text), line by
 * line, so that memory does not grow with the message.  A message of an mbox that is printed is
 * held until it is known to match (capped).
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <getopt.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"

static const char usage_text[] =
    "eml-grep [-h name]... [-a] [-b] [-ivclLqn] " TOOL_USAGE_INPUT
    " pattern [file ...]";
static const char help_text[] =
    "Select the messages in which PATTERN (PCRE2, UTF-8) matches:\n"
    "  -h NAME     a decoded field NAME (repeat for several); without -h,\n"
    "              -a or -b every field, as \"Name: value\"\n"
    "  -a          addresses (\"Name <addr>\" and \"addr\") of the -h fields,\n"
    "              or of From, To, Cc, Bcc, Reply-To, Sender\n"
    "  -b          the text of the body: text/plain and text/html parts,\n"
    "              decoded to UTF-8, HTML tags dropped, line by line\n"
    "  -i          ignore case    -v  select messages that do not match\n"
    "  -c          count the selected messages of each input\n"
    "  -l / -L     print the inputs with / without a selected message\n"
    "  -q          print nothing, exit at the first selected message\n"
    "  -n          for mbox messages, print FILE:INDEX:OFFSET, not the\n"
    "              message\n"
    "Output: the file name of each selected message of a file or Maildir;\n"
    "a selected mbox (or standard input) message is printed whole, mbox\n"
    "messages with their From_ line, so the output is an mbox.\n"
    "Exit status: 0 a message was selected, 1 none, 2 an error.\n";

/* Text lines longer than this are matched in pieces. */
#define LINE_MAX_BYTES	65536
/* A selected mbox message is printed from memory; beyond this it cannot
 * be (the index and offset are printed instead, with a warning). */
#define HOLD_MAX_BYTES	((size_t)256 << 20)

struct state {
	/* options */
	const char **names;
	size_t nnames;
	int addrs, body, invert, count, list, list_not, quiet, number;
	pcre2_code *re;
	pcre2_match_data *md;
	/* per message */
	struct eml_parser *p;
	struct eml_parser_opts opts;
	int matched;			/* the pattern matched somewhere */
	int failed;
	int hdr_done;			/* top header block over */
	int in_text, in_html;		/* the current leaf is text */
	struct eml_sink *html;		/* HTML leaf: charset -> html2text
					 * -> lines (eml_filter_html2text) */
	struct eml_sink *html_tail;	/* the html2text filter itself */
	int rendered;			/* lines come from html: UTF-8 */
	const char *charset;
	char charset_buf[64];
	struct eml_buf line;		/* text line being collected */
	struct eml_buf conv;
	struct eml_buf hold;		/* the message, to print it */
	int hold_over;
	/* per input */
	unsigned long nsel;		/* selected messages in this input */
	char *cur_name;		/* a copy: the input layer frees names */
	int cur_multi;
	/* overall */
	int any;
	int error;
};

static int
match(struct state *s, const char *p, size_t n)
{
	int r;

	if (s->matched)
		return 1;
	/* PCRE2_MATCH_INVALID_UTF: a stray invalid byte (text is UTF-8 by
	 * construction, but a header may carry raw bytes) only fails to
	 * match, it is not an error. */
	r = pcre2_match(s->re, (PCRE2_SPTR)p, n, 0, 0, s->md, NULL);
	if (r >= 0)
		s->matched = 1;
	return s->matched;
}

static int
name_in(const char *n, size_t len, const char *const *v, size_t nv)
{
	size_t i;

	for (i = 0; i < nv && v[i] != NULL; i++)
		if (strlen(v[i]) == len && strncasecmp(v[i], n, len) == 0)
			return 1;
	return 0;
}

static const char *const addr_fields[] = {
	"from", "to", "cc", "bcc", "reply-to", "sender", NULL
};

static void
on_header(struct state *s, const struct eml_event *ev)
{
	struct eml_addrlist l;
	size_t i;

	if (s->body && !s->addrs && s->nnames == 0)
		return;
	if (s->addrs) {
		if (!(s->nnames > 0 ? name_in(ev->name, ev->name_len,
		    s->names, s->nnames) : name_in(ev->name, ev->name_len,
		    addr_fields, 99)))
			return;
		memset(&l, 0, sizeof(l));
		xcheck(eml_addr_parse(ev->value, ev->value_len, NULL, &l));
		for (i = 0; i < l.n && !s->matched; i++) {
			const struct eml_addr *a = &l.v[i];

			if (a->email == NULL)
				continue;
			match(s, a->email, strlen(a->email));
			if (a->name != NULL) {
				eml_buf_reset(&s->conv);
				xcheck(eml_buf_adds(&s->conv, a->name));
				xcheck(eml_buf_adds(&s->conv, " <"));
				xcheck(eml_buf_adds(&s->conv, a->email));
				xcheck(eml_buf_addc(&s->conv, '>'));
				match(s, s->conv.data, s->conv.len);
			}
		}
		eml_addr_free(&l);
		return;
	}
	eml_buf_reset(&s->conv);
	if (s->nnames > 0) {
		if (!name_in(ev->name, ev->name_len, s->names, s->nnames))
			return;
	} else {
		xcheck(eml_buf_add(&s->conv, ev->name, ev->name_len));
		xcheck(eml_buf_adds(&s->conv, ": "));
	}
	xcheck(eml_hdr_decode(ev->value, ev->value_len, NULL, &s->conv,
	    NULL));
	match(s, s->conv.data ? s->conv.data : "", s->conv.len);
}

/* One line of body text (no EOL), in the part's charset. */
static void
text_line(struct state *s, const char *p, size_t n)
{
	struct eml_buf *u = &s->conv;

	eml_buf_reset(u);
	if (s->rendered || s->charset[0] == '\0' || eml_utf8_valid(p, n))
		xcheck(eml_buf_add(u, p, n));
	else
		xcheck(eml_charset_to_utf8(s->charset, p, n, NULL, u, NULL));
	match(s, u->data ? u->data : "", u->len);
}

static void
text_data(struct state *s, const char *p, size_t n)
{
	const char *e = p + n, *nl;
	size_t k;

	while (p < e && !s->matched) {
		nl = memchr(p, '\n', (size_t)(e - p));
		k = nl != NULL ? (size_t)(nl - p) : (size_t)(e - p);
		if (s->line.len + k > LINE_MAX_BYTES) {
			k = LINE_MAX_BYTES - s->line.len;
			nl = NULL;
			xcheck(eml_buf_add(&s->line, p, k));
			text_line(s, s->line.data, s->line.len);
			eml_buf_reset(&s->line);
			p += k;
			continue;
		}
		xcheck(eml_buf_add(&s->line, p, k));
		p += k;
		if (nl == NULL)
			break;
		p++;
		if (s->line.len > 0 && s->line.data[s->line.len - 1] == '\r')
			s->line.len--;
		text_line(s, s->line.data ? s->line.data : "", s->line.len);
		eml_buf_reset(&s->line);
	}
}

/* Rendered HTML text, split into lines as the text of text/plain is. */
static int
html_out(void *ctx, const void *p, size_t n)
{
	struct state *s = ctx;

	s->rendered = 1;
	text_data(s, p, n);
	s->rendered = 0;
	return EML_OK;
}

/* text/html goes through the library's renderer (lib/filter_html.c):
 * what matches is the text a reader sees, references decoded; an
 * unknown charset is read as UTF-8. */
static void
html_begin(struct state *s)
{
	struct eml_sink *h, *c;
	const char *cs = s->charset[0] != '\0' ? s->charset : "utf-8";

	if ((h = eml_filter_html2text(eml_sink_cb(html_out, NULL, s))) ==
	    NULL)
		tool_die(NULL, "out of memory");
	if ((c = eml_filter_charset(eml_sink_sub(h), cs, "utf-8")) == NULL &&
	    (c = eml_filter_charset(eml_sink_sub(h), "utf-8", "utf-8")) ==
	    NULL)
		tool_die(NULL, "out of memory");
	/* c closes into h through a sub-sink; h is closed after it */
	s->html = c;
	s->html_tail = h;
}

static void
html_end(struct state *s)
{
	(void)eml_sink_close(s->html);
	s->rendered = 1;
	(void)eml_sink_close(s->html_tail);
	s->rendered = 0;
	s->html = NULL;
	s->html_tail = NULL;
}

static void
on_event(struct state *s, const struct eml_event *ev)
{
	const struct eml_part *pt = ev->part;

	switch (ev->type) {
	case EML_EV_HEADER:
		if (pt != NULL && pt->depth == 0)
			on_header(s, ev);
		break;
	case EML_EV_HEADERS_END:
		if (pt != NULL && pt->depth == 0)
			s->hdr_done = 1;
		if (!s->body || pt == NULL || pt->is_multipart ||
		    pt->is_message)
			break;
		s->in_text = strcmp(pt->ctype, "text/plain") == 0 ||
		    strcmp(pt->ctype, "text/html") == 0;
		s->in_html = strcmp(pt->ctype, "text/html") == 0;
		snprintf(s->charset_buf, sizeof(s->charset_buf), "%s",
		    pt->charset);
		s->charset = s->charset_buf;
		eml_buf_reset(&s->line);
		if (s->in_html)
			html_begin(s);
		break;
	case EML_EV_BODY:
		if (s->in_text && s->html != NULL)
			(void)eml_sink_write(s->html, ev->data, ev->data_len);
		else if (s->in_text)
			text_data(s, ev->data, ev->data_len);
		break;
	case EML_EV_PART_END:
		if (s->html != NULL)
			html_end(s);
		if (s->in_text && s->line.len > 0 && !s->matched)
			text_line(s, s->line.data, s->line.len);
		eml_buf_reset(&s->line);
		s->in_text = 0;
		break;
	default:
		break;
	}
}

/* Nothing more can change the outcome: headers only, or matched. */
static int
decided(const struct state *s)
{
	return s->matched || (!s->body && s->hdr_done);
}

static void
drain(struct state *s, const struct tool_src *src)
{
	struct eml_event ev;
	int r = 0;

	while (!decided(s) && (r = eml_parser_next(s->p, &ev)) > 0)
		on_event(s, &ev);
	if (!decided(s) && r < 0 && !s->failed) {
		tool_warn_src(src, 0, "%s", eml_parser_errmsg(s->p));
		s->failed = 1;
		s->error = 1;
	}
}

/* Print one selected message as the options say. */
static void
selected(struct state *s, const struct tool_src *src)
{
	char num[64];

	s->nsel++;
	s->any = 1;
	if (s->quiet)
		exit(tool_flush(TOOL_EXIT_OK));
	if (s->count || s->list || s->list_not)
		return;
	if (src->in_mbox && (s->number || s->hold_over)) {
		if (s->hold_over && !s->number)
			tool_warn_src(src, 0, "too large to print: its index "
			    "and offset are given");
		tool_puts(src->name);
		snprintf(num, sizeof(num), ":%lu:%llu\n", src->index,
		    (unsigned long long)src->offset);
		tool_puts(num);
		return;
	}
	if (src->in_mbox) {
		struct eml_buf out = { 0 };
		const char *from = src->from_line;

		/* A forced --mbox may have no From_ line to give back. */
		if (from == NULL || strncmp(from, "From ", 5) != 0)
			from = "From MAILER-DAEMON Thu Jan  1 00:00:00 1970";
		/* The message as it was in its mbox: quoted again. */
		if (eml_mbox_write(from, s->hold.data ? s->hold.data : "",
		    s->hold.len, &out) != EML_OK)
			tool_die(NULL, "out of memory");
		tool_write(out.data, out.len);
		eml_buf_free(&out);
		return;
	}
	if (strcmp(src->name, "(standard input)") == 0) {
		tool_write(s->hold.data ? s->hold.data : "", s->hold.len);
		return;
	}
	tool_puts(src->name);
	tool_puts("\n");
}

static void
input_done(struct state *s)
{
	char num[32];

	if (s->cur_name == NULL)
		return;
	if (s->count) {
		if (s->cur_multi) {
			tool_puts(s->cur_name);
			tool_puts(":");
		}
		snprintf(num, sizeof(num), "%lu\n", s->nsel);
		tool_puts(num);
	} else if ((s->list && s->nsel > 0) || (s->list_not && s->nsel == 0)) {
		tool_puts(s->cur_name);
		tool_puts("\n");
	}
	free(s->cur_name);
	s->cur_name = NULL;
	s->nsel = 0;
}

static int
chunk(enum tool_chunk what, const char *data, size_t len,
    const struct tool_src *src, void *arg)
{
	struct state *s = arg;
	int keep;

	/* A message printed whole is held; others are not. */
	keep = !s->quiet && !s->count && !s->list && !s->list_not &&
	    !(src->in_mbox && s->number) && (src->in_mbox ||
	    strcmp(src->name, "(standard input)") == 0);
	switch (what) {
	case TOOL_BEGIN:
		/* an HTML part the last message did not end (a parser
		 * error) is dropped */
		if (s->html != NULL) {
			eml_sink_abort(s->html);
			eml_sink_abort(s->html_tail);
			s->html = s->html_tail = NULL;
		}
		/* -c, -l and -L report per input; an mbox is one input, each
		 * Maildir file another. */
		if (s->cur_name == NULL || strcmp(s->cur_name, src->name) != 0 ||
		    src->index == 1) {
			input_done(s);
			s->cur_name = xstrdup(src->name);
			s->cur_multi = src->multi;
		}
		/* A parser stopped mid-message is reset: reset returns it
		 * to a new parser's state (fuzz_reset tests it) and keeps
		 * its memory. */
		eml_parser_reset(s->p);
		s->matched = s->failed = s->hdr_done = 0;
		s->in_text = 0;
		eml_buf_reset(&s->hold);
		s->hold_over = 0;
		return 0;
	case TOOL_DATA:
		if (keep && !s->hold_over &&
		    eml_buf_add(&s->hold, data, len) != EML_OK)
			s->hold_over = 1;
		if (decided(s) || s->failed)
			return keep ? 0 : TOOL_SKIP_REST;
		if (eml_parser_feed(s->p, data, len) != EML_OK) {
			s->failed = 1;
			s->error = 1;
			return 1;
		}
		drain(s, src);
		/* Decided: the rest of the message is not even read. */
		return decided(s) && !keep ? TOOL_SKIP_REST : 0;
	case TOOL_END:
		if (!decided(s) && !s->failed) {
			eml_parser_finish(s->p);
			drain(s, src);
			if (s->body && s->in_text && s->line.len > 0)
				text_line(s, s->line.data, s->line.len);
		}
		/* Decided early, the parser may have stopped mid-message. */
		if (s->failed)
			return 1;
		if (s->matched != s->invert)
			selected(s, src);
		return 0;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "header", required_argument, NULL, 'h' },
		{ "addresses", no_argument, NULL, 'a' },
		{ "body", no_argument, NULL, 'b' },
		{ "ignore-case", no_argument, NULL, 'i' },
		{ "invert-match", no_argument, NULL, 'v' },
		{ "count", no_argument, NULL, 'c' },
		{ "files-with-matches", no_argument, NULL, 'l' },
		{ "files-without-match", no_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "number", no_argument, NULL, 'n' },
		TOOL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct state s;
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE eoff;
	uint32_t flags = PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF;
	int c, e, rc;

	tool_init("eml-grep");
	memset(&s, 0, sizeof(s));
	s.names = xcalloc((size_t)argc + 1, sizeof(*s.names));
	s.hold.max = HOLD_MAX_BYTES;
	while ((c = getopt_long(argc, argv, "h:abivclLqn" TOOL_SHORTOPTS,
	    longopts, NULL)) != -1) {
		if (tool_opt(c, optarg, usage_text, help_text))
			continue;
		switch (c) {
		case 'h':
			s.names[s.nnames++] = optarg;
			break;
		case 'a':
			s.addrs = 1;
			break;
		case 'b':
			s.body = 1;
			break;
		case 'i':
			flags |= PCRE2_CASELESS;
			break;
		case 'v':
			s.invert = 1;
			break;
		case 'c':
			s.count = 1;
			break;
		case 'l':
			s.list = 1;
			break;
		case 'L':
			s.list_not = 1;
			break;
		case 'q':
			s.quiet = 1;
			break;
		case 'n':
			s.number = 1;
			break;
		default:
			tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
		}
	}
	/* grep's status for a usage error is 2, as ours. */
	if (optind >= argc)
		tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
	s.re = pcre2_compile((PCRE2_SPTR)argv[optind], PCRE2_ZERO_TERMINATED,
	    flags, &e, &eoff, NULL);
	if (s.re == NULL) {
		pcre2_get_error_message(e, msg, sizeof(msg));
		tool_warn(NULL, "pattern at %lu: %s", (unsigned long)eoff,
		    (char *)msg);
		exit(TOOL_EXIT_USAGE);
	}
	/* The JIT is a speed-up only: without it (no executable memory)
	 * the interpreter matches the same. */
	(void)pcre2_jit_compile(s.re, PCRE2_JIT_COMPLETE);
	if ((s.md = pcre2_match_data_create_from_pattern(s.re, NULL)) ==
	    NULL)
		tool_die(NULL, "out of memory");
	optind++;
	memset(&s.opts, 0, sizeof(s.opts));
	/* matching needs no diagnostics of header values */
	s.opts.flags = EML_PARSE_DECODE | EML_PARSE_NO_FIELD_CHECK;
	if (!s.body) {
		/* Only the top header block is matched: no MIME structure
		 * to find, and the file is read in small steps, since
		 * TOOL_SKIP_REST comes at its blank line. */
		s.opts.flags |= EML_PARSE_HEADERS_ONLY;
		tool_in.headers_only = 1;
	}
	if ((s.p = eml_parser_new(&s.opts)) == NULL)
		tool_die(NULL, "out of memory");
	tool_in.confine = 1;	/* reads only: no writes, exec, network */
	tool_in.no_time = 1;	/* prints no receive time */
	rc = tool_run(argc - optind, argv + optind, chunk, &s);
	input_done(&s);
	if (s.html != NULL) {
		eml_sink_abort(s.html);
		eml_sink_abort(s.html_tail);
	}
	eml_parser_free(s.p);
	pcre2_match_data_free(s.md);
	pcre2_code_free(s.re);
	eml_buf_free(&s.line);
	eml_buf_free(&s.conv);
	eml_buf_free(&s.hold);
	free(s.names);
	rc = tool_flush(rc);
	/* grep: 2 for trouble, else 0 selected, 1 none. */
	if (rc != TOOL_EXIT_OK || s.error)
		return 2;
	return s.any ? TOOL_EXIT_OK : TOOL_EXIT_FAIL;
}
