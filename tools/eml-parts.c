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

static const char usage_text[] = "eml-parts [--tree] [file ...]";

/* Per open part (indexed by depth): what the headers said. */
struct slot {
	char disp[16];			/* "", "inline", "attachment" */
	struct eml_buf cd_name;		/* Content-Disposition filename */
	struct eml_buf ct_name;		/* Content-Type name */
	uint64_t size;			/* decoded bytes counted */
};

struct state {
	int tree;
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
print_leaf(struct state *s, unsigned long idx, const struct eml_part *pt)
{
	struct slot *sl = slot_at(s, pt->depth);
	const struct eml_buf *name = sl->cd_name.len ? &sl->cd_name :
	    &sl->ct_name;
	char num[32];

	eml_buf_reset(&s->line);
	if (s->tree) {
		for (unsigned i = 0; i <= pt->depth; i++)
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
		snprintf(num, sizeof(num), "%lu\t", idx);
		xcheck(eml_buf_adds(&s->line, num));
		xcheck(eml_buf_adds(&s->line, section(pt)));
		xcheck(eml_buf_addc(&s->line, '\t'));
		xcheck(eml_buf_adds(&s->line, pt->ctype));
		snprintf(num, sizeof(num), "\t%llu\t",
		    (unsigned long long)sl->size);
		xcheck(eml_buf_adds(&s->line, num));
		xcheck(eml_buf_adds(&s->line, sl->disp));
		xcheck(eml_buf_addc(&s->line, '\t'));
		if (name->len > 0)
			tool_escape(name->data, name->len, &s->line);
	}
	xcheck(eml_buf_addc(&s->line, '\n'));
	fwrite(s->line.data, 1, s->line.len, stdout);
}

/* --tree: a container, printed when its headers are known. */
static void
print_container(const struct eml_part *pt)
{
	unsigned i;

	for (i = 0; i <= pt->depth; i++)
		fputs("  ", stdout);
	printf("%s %s\n", section(pt), pt->ctype);
}

static void
handle(struct state *s, const struct eml_event *ev, unsigned long idx)
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
		break;
	case EML_EV_HEADER:
		header(s, ev);
		break;
	case EML_EV_HEADERS_END:
		if (s->tree && (pt->is_multipart || pt->is_message))
			print_container(pt);
		break;
	case EML_EV_BODY:
		slot_at(s, pt->depth)->size += ev->data_len;
		break;
	case EML_EV_PART_END:
		if (!pt->is_multipart && !pt->is_message)
			print_leaf(s, idx, pt);
		break;
	default:
		break;
	}
}

static int
drain(struct state *s, unsigned long idx, const char *name)
{
	struct eml_event ev;
	int r;

	while ((r = eml_parser_next(s->p, &ev)) > 0)
		handle(s, &ev, idx);
	if (r < 0 && !s->failed) {
		tool_warn(name, "message %lu: %s", idx,
		    eml_parser_errmsg(s->p));
		s->failed = 1;
	}
	return r < 0;
}

static int
chunk(enum tool_chunk what, const char *data, size_t len,
    unsigned long idx, const char *name, void *arg)
{
	struct state *s = arg;

	switch (what) {
	case TOOL_BEGIN:
		eml_parser_reset(s->p);
		s->failed = 0;
		if (s->tree)
			printf("%s:%lu\n", name, idx);
		return 0;
	case TOOL_DATA:
		if (s->failed)
			return 0;
		if (eml_parser_feed(s->p, data, len) != EML_OK) {
			tool_warn(name, "message %lu: parser misuse", idx);
			s->failed = 1;
			return 1;
		}
		return drain(s, idx, name);
	case TOOL_END:
		if (s->failed)
			return 1;
		eml_parser_finish(s->p);
		return drain(s, idx, name);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "tree", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, TOOL_OPT_HELP },
		{ "version", no_argument, NULL, TOOL_OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct eml_parser_opts o;
	struct state s;
	unsigned i;
	int c, rc;

	tool_init("eml-parts");
	memset(&s, 0, sizeof(s));
	while ((c = getopt_long(argc, argv, "t", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			s.tree = 1;
			break;
		case TOOL_OPT_HELP:
			tool_usage_exit(usage_text, TOOL_EXIT_OK);
		case TOOL_OPT_VERSION:
			tool_version_exit();
		default:
			tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
		}
	}
	memset(&o, 0, sizeof(o));
	o.flags = EML_PARSE_DECODE;
	if ((s.p = eml_parser_new(&o)) == NULL)
		tool_die(NULL, "out of memory");
	rc = tool_loop_stream(argc - optind, argv + optind, chunk, &s);
	eml_parser_free(s.p);
	for (i = 0; i < s.nslots; i++) {
		eml_buf_free(&s.slots[i].cd_name);
		eml_buf_free(&s.slots[i].ct_name);
	}
	free(s.slots);
	eml_buf_free(&s.line);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		tool_warn(NULL, "write error");
		rc = TOOL_EXIT_FAIL;
	}
	return rc;
}
