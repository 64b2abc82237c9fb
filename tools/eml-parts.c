/*
 * eml-parts - list the MIME parts of messages.
 *
 * Streams: messages are fed to the parser in 64 KiB chunks and sizes are
 * counted from the decoded BODY events, so a message with a 1 GiB
 * attachment needs no more memory than a small one.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"

static const char usage_text[] =
    "eml-parts [--tree] [-o column,...] " TOOL_USAGE_INPUT " [file ...]";

static const char help_text[] =
    "List the MIME parts of each message, one leaf part a line.\n"
    "  -t, --tree      show the whole tree, containers too, indented\n"
    "  -o COLUMNS      print these tab-separated columns (comma list):\n"
    "    msg          message number within its input (from 1)\n"
    "    section      IMAP part number (RFC 3501 BODY[section])\n"
    "    type         content type, lower-case\n"
    "    size         bytes after transfer decoding\n"
    "    charset      charset parameter, \"\" if none\n"
    "    cte          transfer encoding (7bit, base64, ...)\n"
    "    disposition  inline, attachment or \"\"\n"
    "    name         file name (RFC 2231/2047 decoded, escaped)\n"
    "    sha256       SHA-256 of the decoded bytes\n"
    "    offset       byte offset of the part's headers in the input\n"
    "  The default is -o msg,section,type,size,disposition,name.\n"
    "  In --tree output a message/rfc822 part is followed by its\n"
    "  message's body: SECTION.TEXT when that body is a multipart.\n";

enum col {
	C_MSG, C_SECTION, C_TYPE, C_SIZE, C_CHARSET, C_CTE, C_DISP, C_NAME,
	C_SHA256, C_OFFSET, C__COUNT
};
static const char *const col_names[C__COUNT] = {
	"msg", "section", "type", "size", "charset", "cte", "disposition",
	"name", "sha256", "offset"
};
#define MAX_COLS	32

/* Per open part (indexed by depth): what the headers said. */
struct slot {
	char disp[16];			/* "", "inline", "attachment" */
	struct eml_buf cd_name;		/* Content-Disposition filename */
	struct eml_buf ct_name;		/* Content-Type name */
	uint64_t size;			/* decoded bytes counted */
	struct eml_sha256 sha;		/* of the decoded bytes */
};

struct state {
	int tree;
	enum col cols[MAX_COLS];
	unsigned ncols;
	int want_sha;
	struct eml_parser *p;
	struct slot *slots;
	unsigned nslots;
	struct eml_buf line;
	int failed;			/* parser error in this message */
};

static struct slot *
slot_at(struct state *s, unsigned depth)
{
	if (depth >= s->nslots) {
		unsigned n = depth + 8;

		s->slots = xrealloc(s->slots, n * sizeof(*s->slots));
		memset(s->slots + s->nslots, 0,
		    (n - s->nslots) * sizeof(*s->slots));
		s->nslots = n;
	}
	return &s->slots[depth];
}

static int
name_is(const struct eml_event *ev, const char *lit)
{
	return ev->name_len == strlen(lit) &&
	    strncasecmp(ev->name, lit, ev->name_len) == 0;
}

static void
header(struct state *s, const struct eml_event *ev)
{
	struct slot *sl = slot_at(s, ev->part->depth);
	struct eml_ctype ct;
	const char *v;

	memset(&ct, 0, sizeof(ct));
	if (name_is(ev, "content-disposition")) {
		xcheck(eml_disposition_parse(ev->value, ev->value_len, &ct));
		/* RFC 2183 2.8: unknown types are treated as attachment. */
		if (sl->disp[0] == '\0' && ct.type[0] != '\0')
			strcpy(sl->disp, strcmp(ct.type, "inline") == 0 ?
			    "inline" : "attachment");
		if (sl->cd_name.len == 0 &&
		    (v = eml_params_get(&ct.params, "filename")) != NULL)
			xcheck(eml_buf_adds(&sl->cd_name, v));
		eml_ctype_free(&ct);
	} else if (name_is(ev, "content-type")) {
		xcheck(eml_ctype_parse(ev->value, ev->value_len, &ct));
		if (sl->ct_name.len == 0 &&
		    (v = eml_params_get(&ct.params, "name")) != NULL)
			xcheck(eml_buf_adds(&sl->ct_name, v));
		eml_ctype_free(&ct);
	}
}

static const char *
section(const struct eml_part *pt)
{
	return pt->section[0] != '\0' ? pt->section : "-";
}

static void
add_col(struct state *s, enum col c, const struct tool_src *src,
    const struct eml_part *pt, struct slot *sl)
{
	const struct eml_buf *name = sl->cd_name.len ? &sl->cd_name :
	    &sl->ct_name;
	unsigned char dg[32];
	char num[72];

	switch (c) {
	case C_MSG:
		snprintf(num, sizeof(num), "%lu", src->index);
		xcheck(eml_buf_adds(&s->line, num));
		break;
	case C_SECTION:
		xcheck(eml_buf_adds(&s->line, section(pt)));
		break;
	case C_TYPE:
		xcheck(eml_buf_adds(&s->line, pt->ctype));
		break;
	case C_SIZE:
		snprintf(num, sizeof(num), "%llu",
		    (unsigned long long)sl->size);
		xcheck(eml_buf_adds(&s->line, num));
		break;
	case C_CHARSET:
		xcheck(eml_buf_adds(&s->line, pt->charset));
		break;
	case C_CTE:
		xcheck(eml_buf_adds(&s->line, eml_cte_name(pt->cte)));
		break;
	case C_DISP:
		xcheck(eml_buf_adds(&s->line, sl->disp));
		break;
	case C_NAME:
		if (name->len > 0)
			tool_escape(name->data, name->len, &s->line);
		break;
	case C_SHA256:
		tool_sha256_final(&sl->sha, dg);
		eml_sha256_hex(dg, num);
		xcheck(eml_buf_adds(&s->line, num));
		break;
	case C_OFFSET:
		/* In the input, so that `tail -c +N` finds the part. */
		snprintf(num, sizeof(num), "%llu",
		    (unsigned long long)(src->offset + pt->offset));
		xcheck(eml_buf_adds(&s->line, num));
		break;
	case C__COUNT:
		break;
	}
}

static void
print_leaf(struct state *s, const struct tool_src *src,
    const struct eml_part *pt)
{
	struct slot *sl = slot_at(s, pt->depth);
	const struct eml_buf *name = sl->cd_name.len ? &sl->cd_name :
	    &sl->ct_name;
	char num[32];
	unsigned i;

	eml_buf_reset(&s->line);
	xcheck(eml_buf_adds(&s->line, tool_prefix(src)));
	if (s->tree) {
		for (unsigned d = 0; d <= pt->depth; d++)
			xcheck(eml_buf_adds(&s->line, "  "));
		snprintf(num, sizeof(num), " %llu bytes",
		    (unsigned long long)sl->size);
		xcheck(eml_buf_adds(&s->line, section(pt)));
		xcheck(eml_buf_addc(&s->line, ' '));
		xcheck(eml_buf_adds(&s->line, pt->ctype));
		xcheck(eml_buf_adds(&s->line, num));
		if (sl->disp[0] != '\0') {
			xcheck(eml_buf_addc(&s->line, ' '));
			xcheck(eml_buf_adds(&s->line, sl->disp));
		}
		if (name->len > 0) {
			xcheck(eml_buf_adds(&s->line, " \""));
			tool_escape(name->data, name->len, &s->line);
			xcheck(eml_buf_addc(&s->line, '"'));
		}
	} else {
		for (i = 0; i < s->ncols; i++) {
			if (i > 0)
				xcheck(eml_buf_addc(&s->line, '\t'));
			add_col(s, s->cols[i], src, pt, sl);
		}
	}
	xcheck(eml_buf_addc(&s->line, '\n'));
	tool_write(s->line.data, s->line.len);
}

/* --tree: a container, printed when its headers are known.  The
 * message inside a message/rfc822 part N shares N as its section when
 * it is a multipart (RFC 3501 6.4.5: its parts are N.1, N.2); it is
 * shown as N.TEXT, the IMAP name of that body, so that no section is
 * printed twice. */
static void
print_container(const struct tool_src *src, const struct eml_part *pt)
{
	unsigned i;

	tool_puts(tool_prefix(src));
	for (i = 0; i <= pt->depth; i++)
		tool_puts("  ");
	tool_puts(section(pt));
	if (pt->parent != NULL && pt->parent->is_message &&
	    strcmp(pt->section, pt->parent->section) == 0)
		tool_puts(pt->section[0] != '\0' ? ".TEXT" : "TEXT");
	tool_puts(" ");
	tool_puts(pt->ctype);
	tool_puts("\n");
}

static void
handle(struct state *s, const struct eml_event *ev,
    const struct tool_src *src)
{
	const struct eml_part *pt = ev->part;
	struct slot *sl;

	switch (ev->type) {
	case EML_EV_PART_BEGIN:
		sl = slot_at(s, pt->depth);
		sl->disp[0] = '\0';
		eml_buf_reset(&sl->cd_name);
		eml_buf_reset(&sl->ct_name);
		sl->size = 0;
		if (s->want_sha) {
			/* a slot's last part may have ended without its
			 * PART_END (a cut input): drop its digest */
			eml_sha256_free(&sl->sha);
			eml_sha256_init(&sl->sha);
		}
		break;
	case EML_EV_HEADER:
		header(s, ev);
		break;
	case EML_EV_HEADERS_END:
		if (s->tree && (pt->is_multipart || pt->is_message))
			print_container(src, pt);
		break;
	case EML_EV_BODY:
		sl = slot_at(s, pt->depth);
		sl->size += ev->data_len;
		if (s->want_sha)
			eml_sha256_update(&sl->sha, ev->data, ev->data_len);
		break;
	case EML_EV_PART_END:
		if (!pt->is_multipart && !pt->is_message)
			print_leaf(s, src, pt);
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
	if (r < 0 && !s->failed) {
		tool_warn_src(src, 0, "%s", eml_parser_errmsg(s->p));
		s->failed = 1;
	}
	return r < 0;
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
		if (s->tree) {
			char num[32];

			/* This line names the message already: no prefix. */
			tool_puts(src->name);
			snprintf(num, sizeof(num), ":%lu\n", src->index);
			tool_puts(num);
		}
		return 0;
	case TOOL_DATA:
		if (s->failed)
			return 0;
		if (eml_parser_feed(s->p, data, len) != EML_OK) {
			tool_warn_src(src, 0, "parser misuse");
			s->failed = 1;
			return 1;
		}
		return drain(s, src);
	case TOOL_END:
		if (s->failed)
			return 1;
		eml_parser_finish(s->p);
		return drain(s, src);
	}
	return 0;
}

/* -o: comma-separated column names. */
static void
parse_cols(struct state *s, const char *arg)
{
	const char *p = arg, *e;
	size_t n;
	unsigned i;

	s->ncols = 0;
	while (*p != '\0') {
		e = p + strcspn(p, ",");
		n = (size_t)(e - p);
		for (i = 0; i < C__COUNT; i++)
			if (strlen(col_names[i]) == n &&
			    strncmp(col_names[i], p, n) == 0)
				break;
		if (i == C__COUNT || s->ncols == MAX_COLS) {
			tool_warn(NULL, "-o: unknown column \"%.*s\"", (int)n,
			    p);
			tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
		}
		s->cols[s->ncols++] = (enum col)i;
		if (i == C_SHA256)
			s->want_sha = 1;
		p = *e == ',' ? e + 1 : e;
	}
	if (s->ncols == 0)
		tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "tree", no_argument, NULL, 't' },
		{ "columns", required_argument, NULL, 'o' },
		TOOL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static const enum col defcols[] = { C_MSG, C_SECTION, C_TYPE,
	    C_SIZE, C_DISP, C_NAME };
	struct eml_parser_opts o;
	struct state s;
	unsigned i;
	int c, rc;

	tool_init("eml-parts");
	memset(&s, 0, sizeof(s));
	memcpy(s.cols, defcols, sizeof(defcols));
	s.ncols = sizeof(defcols) / sizeof(defcols[0]);
	while ((c = getopt_long(argc, argv, "to:h" TOOL_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (tool_opt(c, optarg, usage_text, help_text))
			continue;
		switch (c) {
		case 'h':
			tool_help_exit(usage_text, help_text);
		case 't':
			s.tree = 1;
			break;
		case 'o':
			parse_cols(&s, optarg);
			break;
		default:
			tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
		}
	}
	memset(&o, 0, sizeof(o));
	/* A listing shows no diagnostics: skip the checks that make them
	 * (a third of the parse on real mail, issue 9). */
	o.flags = EML_PARSE_DECODE | EML_PARSE_NO_FIELD_CHECK |
	    EML_PARSE_NO_BODY_CHECK;
	if ((s.p = eml_parser_new(&o)) == NULL)
		tool_die(NULL, "out of memory");
	if (s.want_sha)
		tool_sha256_need();
	tool_in.confine = 1;	/* reads only: no writes, exec, network */
	rc = tool_run(argc - optind, argv + optind, chunk, &s);
	eml_parser_free(s.p);
	for (i = 0; i < s.nslots; i++) {
		eml_buf_free(&s.slots[i].cd_name);
		eml_buf_free(&s.slots[i].ct_name);
		eml_sha256_free(&s.slots[i].sha);
	}
	free(s.slots);
	eml_buf_free(&s.line);
	return tool_flush(rc);
}
