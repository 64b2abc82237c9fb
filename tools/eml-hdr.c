/*
 * eml-hdr - print header fields of messages, decoded to UTF-8 (mblaze's
 * mhdr): all of them, or those named with -h; their addresses (-a) or
 * their dates normalised (-d).
 *
 * Only the message's own header block is read: once it ends, the rest
 * of the message is skipped without parsing, so a large mailbox costs
 * little more than reading it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common.h"

static const char usage_text[] =
    "eml-hdr [-h name]... [-r] [-a [-A]] [-d [--date-format FMT]] "
    TOOL_USAGE_INPUT " [file ...]";
static const char help_text[] =
    "Print the header fields of each message, decoded to UTF-8: RFC 2047\n"
    "words decoded, folding removed; control characters shown as \\xHH.\n"
    "  -h NAME     only fields named NAME (case-insensitive; repeat for\n"
    "              several); each line is then the value alone\n"
    "  -r          raw values: unfolded, not decoded\n"
    "  -a          the addresses of the fields, one a line, \"Name <addr>\"\n"
    "              (default fields: From, To, Cc, Bcc, Reply-To, Sender)\n"
    "  -A          with -a, the address alone\n"
    "  -d          the fields' dates as RFC 3339 (default field: Date)\n"
    "  --date-format FMT\n"
    "              with -d, strftime(3) format instead, in UTC\n"
    "Output lines: \"Name: value\", or the value alone with -h, -a, -d;\n"
    "with several inputs prefixed by FILE: or FILE:INDEX:OFFSET:.\n";

enum mode {
	M_TEXT,
	M_RAW,
	M_ADDR,
	M_DATE
};

struct state {
	enum mode mode;
	int addr_only;			/* -A */
	const char *date_fmt;		/* --date-format */
	const char **names;		/* -h */
	size_t *lens;			/* their strlen */
	size_t nnames;
	struct eml_parser *p;
	struct eml_parser_opts opts;
	int done;			/* the header block is over */
	int failed;
	struct eml_buf line, val;
	struct eml_buf pfx;		/* tool_prefix of this message */
};

static const char *const addr_fields[] = {
	"from", "to", "cc", "bcc", "reply-to", "sender", NULL
};

/* lens[i] is strlen(v[i]), or lens is NULL: a strlen for each name at
 * each field was a measurable part of a run over many messages. */
static int
name_in(const char *n, size_t len, const char *const *v, const size_t *lens,
    size_t nv)
{
	size_t i;

	for (i = 0; i < nv && v[i] != NULL; i++)
		if ((lens != NULL ? lens[i] : strlen(v[i])) == len &&
		    strncasecmp(v[i], n, len) == 0)
			return 1;
	return 0;
}

static int
selected(const struct state *s, const struct eml_event *ev)
{
	if (s->nnames > 0)
		return name_in(ev->name, ev->name_len, s->names, s->lens,
		    s->nnames);
	if (s->mode == M_ADDR)
		return name_in(ev->name, ev->name_len, addr_fields, NULL,
		    99);
	if (s->mode == M_DATE)
		return ev->name_len == 4 &&
		    strncasecmp(ev->name, "date", 4) == 0;
	return 1;
}

static void
begin_line(struct state *s, const struct tool_src *src)
{
	(void)src;
	eml_buf_reset(&s->line);
	xcheck(eml_buf_add(&s->line, s->pfx.data, s->pfx.len));
}

static void
end_line(struct state *s)
{
	xcheck(eml_buf_addc(&s->line, '\n'));
	tool_write(s->line.data, s->line.len);
}

/* A display name as a phrase that reads back: quoted (RFC 5322 3.2.4)
 * when it holds specials, so "Doe, Jane" stays one name. */
static void
put_name(struct state *s, const char *name)
{
	size_t i;

	if (strpbrk(name, "()<>[]:;@\\,.\"") == NULL) {
		tool_escape(name, strlen(name), &s->line);
		return;
	}
	/* Inside the quotes a backslash must be the quoted-pair "\\",
	 * which tool_escape writes (unlike tool_escape_text); only the
	 * quote itself is left to escape. */
	eml_buf_reset(&s->val);
	tool_escape(name, strlen(name), &s->val);
	xcheck(eml_buf_addc(&s->line, '"'));
	for (i = 0; i < s->val.len; i++) {
		if (s->val.data[i] == '"')
			xcheck(eml_buf_addc(&s->line, '\\'));
		xcheck(eml_buf_addc(&s->line, s->val.data[i]));
	}
	xcheck(eml_buf_addc(&s->line, '"'));
}

static void
print_addrs(struct state *s, const struct eml_event *ev,
    const struct tool_src *src)
{
	struct eml_addrlist l;
	size_t i;

	memset(&l, 0, sizeof(l));
	xcheck(eml_addr_parse(ev->value, ev->value_len, NULL, &l));
	for (i = 0; i < l.n; i++) {
		const struct eml_addr *a = &l.v[i];

		if (a->email == NULL)
			continue;	/* an empty group */
		begin_line(s, src);
		if (!s->addr_only && a->name != NULL && a->name[0] != '\0') {
			put_name(s, a->name);
			xcheck(eml_buf_adds(&s->line, " <"));
			tool_escape(a->email, strlen(a->email), &s->line);
			xcheck(eml_buf_addc(&s->line, '>'));
		} else
			tool_escape(a->email, strlen(a->email), &s->line);
		end_line(s);
	}
	eml_addr_free(&l);
}

static void
print_date(struct state *s, const struct eml_event *ev,
    const struct tool_src *src)
{
	struct eml_date d;
	struct tm tm;
	char buf[256];

	if (eml_date_parse(ev->value, ev->value_len, &d) != EML_OK) {
		tool_warn_src(src, ev->line, "%.*s: unparsable date",
		    (int)ev->name_len, ev->name);
		return;
	}
	if (s->date_fmt != NULL) {
		if (gmtime_r(&d.utc, &tm) == NULL)
			return;
		buf[0] = '\0';
		strftime(buf, sizeof(buf), s->date_fmt, &tm);
	} else
		eml_date_rfc3339(&d, buf);
	begin_line(s, src);
	xcheck(eml_buf_adds(&s->line, buf));
	end_line(s);
}

static void
print_field(struct state *s, const struct eml_event *ev,
    const struct tool_src *src)
{
	eml_buf_reset(&s->val);
	if (s->mode == M_RAW)
		xcheck(eml_hdr_unfold(ev->value, ev->value_len, &s->val));
	else
		xcheck(eml_hdr_decode(ev->value, ev->value_len, NULL, &s->val,
		    NULL));
	begin_line(s, src);
	/* The value as it reads: a backslash is itself (mhdr prints it so;
	 * a quoted-pair in a phrase or comment stays as written, since
	 * which backslashes are quoted-pairs depends on the field's
	 * syntax: -a gives the unquoted names). */
	if (s->nnames == 0) {
		tool_escape_text(ev->name, ev->name_len, &s->line);
		xcheck(eml_buf_adds(&s->line, ": "));
	}
	tool_escape_text(s->val.data ? s->val.data : "", s->val.len,
	    &s->line);
	end_line(s);
}

static void
handle(struct state *s, const struct eml_event *ev,
    const struct tool_src *src)
{
	if (ev->part == NULL || ev->part->depth != 0)
		return;
	if (ev->type == EML_EV_HEADERS_END) {
		s->done = 1;
		return;
	}
	if (ev->type != EML_EV_HEADER || !selected(s, ev))
		return;
	switch (s->mode) {
	case M_ADDR:
		print_addrs(s, ev, src);
		break;
	case M_DATE:
		print_date(s, ev, src);
		break;
	default:
		print_field(s, ev, src);
		break;
	}
}

static int
drain(struct state *s, const struct tool_src *src)
{
	struct eml_event ev;
	int r = 0;

	while (!s->done && (r = eml_parser_next(s->p, &ev)) > 0)
		handle(s, &ev, src);
	if (!s->done && r < 0) {
		tool_warn_src(src, 0, "%s", eml_parser_errmsg(s->p));
		s->failed = 1;
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
		/* A parser left in the middle of a message (the header
		 * block over, the rest not fed) is reset: reset returns it
		 * to a new parser's state (fuzz_reset tests it) and keeps
		 * its memory, which a new parser per message would not. */
		eml_parser_reset(s->p);
		s->done = s->failed = 0;
		/* the same for each line of the message: made once */
		eml_buf_reset(&s->pfx);
		xcheck(eml_buf_adds(&s->pfx, tool_prefix(src)));
		return 0;
	case TOOL_DATA:
		/* After the header block the parser is not fed: the
		 * bodies are read past, not parsed. */
		if (s->done || s->failed)
			return TOOL_SKIP_REST;
		if (eml_parser_feed(s->p, data, len) != EML_OK) {
			tool_warn_src(src, 0, "parser misuse");
			s->failed = 1;
			return 1;
		}
		if (drain(s, src))
			return 1;
		return s->done ? TOOL_SKIP_REST : 0;
	case TOOL_END:
		if (s->done)
			return 0;
		if (s->failed)
			return 1;
		eml_parser_finish(s->p);
		return drain(s, src) != 0;
	}
	return 0;
}

enum {
	OPT_DATE_FORMAT = 0x200
};

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "header", required_argument, NULL, 'h' },
		{ "raw", no_argument, NULL, 'r' },
		{ "addresses", no_argument, NULL, 'a' },
		{ "addr-only", no_argument, NULL, 'A' },
		{ "date", no_argument, NULL, 'd' },
		{ "date-format", required_argument, NULL, OPT_DATE_FORMAT },
		TOOL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct state s;
	int c, rc, modes = 0;

	tool_init("eml-hdr");
	memset(&s, 0, sizeof(s));
	s.names = xcalloc((size_t)argc + 1, sizeof(*s.names));
	s.lens = xcalloc((size_t)argc + 1, sizeof(*s.lens));
	while ((c = getopt_long(argc, argv, "h:raAd" TOOL_SHORTOPTS,
	    longopts, NULL)) != -1) {
		if (tool_opt(c, optarg, usage_text, help_text))
			continue;
		switch (c) {
		case 'h':
			s.lens[s.nnames] = strlen(optarg);
			s.names[s.nnames++] = optarg;
			break;
		case 'r':
			s.mode = M_RAW;
			modes++;
			break;
		case 'a':
			s.mode = M_ADDR;
			modes++;
			break;
		case 'A':
			s.addr_only = 1;
			break;
		case 'd':
			s.mode = M_DATE;
			modes++;
			break;
		case OPT_DATE_FORMAT:
			s.date_fmt = optarg;
			break;
		default:
			tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
		}
	}
	if (modes > 1 || (s.addr_only && s.mode != M_ADDR) ||
	    (s.date_fmt != NULL && s.mode != M_DATE)) {
		tool_warn(NULL, "-r, -a and -d exclude each other; -A needs "
		    "-a, --date-format needs -d");
		tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
	}
	memset(&s.opts, 0, sizeof(s.opts));
	/* Headers are printed, not linted, and only the top block's: no
	 * value checks, no MIME structure (the parser need not parse a
	 * Content-Type to find a multipart we never enter), and the file
	 * is read in small steps since we stop at the blank line. */
	s.opts.flags = EML_PARSE_NO_FIELD_CHECK | EML_PARSE_HEADERS_ONLY;
	tool_in.headers_only = 1;
	tool_in.no_time = 1;	/* prints no receive time */
	if ((s.p = eml_parser_new(&s.opts)) == NULL)
		tool_die(NULL, "out of memory");
	tool_in.confine = 1;	/* reads only: no writes, exec, network */
	rc = tool_run(argc - optind, argv + optind, chunk, &s);
	eml_parser_free(s.p);
	eml_buf_free(&s.line);
	eml_buf_free(&s.val);
	eml_buf_free(&s.pfx);
	free(s.names);
	free(s.lens);
	return tool_flush(rc);
}
