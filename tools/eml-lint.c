/*
 * eml-lint - validate messages: the parser's diagnostics (RFC 5322,
 * 2045-2049, 2047, 2231, 6532) and the library's message-level checks
 * (eml_lint_*: missing and duplicate fields, RFC 5321 line limits,
 * boundary collisions), each with its stable code, severity and line.
 *
 * A thin loop: every check is in lib/ (parser, fieldcheck.c, bodycheck.c,
 * lint.c) so other tools can lint; this file only chooses what counts
 * and prints.  Findings of one message are held (bounded by the parser's
 * and the linter's max_diags) to print them in line order; SARIF output
 * is streamed: the rules first, then each result as it is found.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const char usage_text[] =
    "eml-lint [--json | --sarif] [--strict] [-W code] [-Wno-code] "
    TOOL_USAGE_INPUT " [file ...]";
static const char help_text[] =
    "Check messages against RFC 5322, 2045-2049, 2047, 2231, 6532 and\n"
    "RFC 5321's transport limits; report each finding with its code.\n"
    "  --json      one JSON object a line: file, message, offset, line,\n"
    "              section, code, severity, level, text\n"
    "  --sarif     one SARIF 2.1.0 log (for CI code-scanning annotations)\n"
    "  --strict    warnings count as errors\n"
    "  -W CODE     CODE counts as an error whatever its severity\n"
    "  -Wno-CODE   CODE is not reported (and does not count)\n"
    "  --list      print every code with its severity and text, and exit\n"
    "Output: FILE:LINE: SEVERITY: TEXT [CODE], LINE counted from the start\n"
    "of the file (also in an mbox); SEVERITY is error (crit), warning\n"
    "(warn) or info.\n"
    "Exit status: 0 no error-level finding, 1 an error-level finding (or a\n"
    "warning with --strict), 2 an input could not be read or a usage error.\n";

enum fmt { F_TEXT, F_JSON, F_SARIF };
enum pick { P_DEFAULT = 0, P_ERROR, P_OFF };

struct finding {
	enum eml_diag_code code;
	unsigned long line;	/* in the input */
	uint64_t offset;	/* in the input */
	char section[64];
};

struct state {
	enum fmt fmt;
	int strict;
	unsigned char pick[EML_D__COUNT];
	struct eml_parser *p;
	struct eml_lint *lint;
	const struct tool_src *src;
	struct finding *f;
	size_t nf, capf;
	int failed;
	int errors;		/* an error-level finding was seen */
	int nresults;		/* SARIF results written */
	/* an mbox message is parsed with its From_ line, which the input
	 * layer has taken off: what the diagnostics count it in */
	unsigned long adj_lines;
	uint64_t adj_off;
	struct eml_buf out;
};

static const char *
level_name(enum eml_severity s)
{
	return s == EML_SEV_CRIT ? "error" : s == EML_SEV_WARN ? "warning" :
	    "info";
}

/* SARIF 2.1.0 levels (3.27.10): "error", "warning", "note". */
static const char *
sarif_level(enum eml_severity s)
{
	return s == EML_SEV_CRIT ? "error" : s == EML_SEV_WARN ? "warning" :
	    "note";
}

/* Does a finding of code count as an error? */
static int
is_error(const struct state *s, enum eml_diag_code c)
{
	enum eml_severity sev = eml_diag_severity(c);

	return s->pick[c] == P_ERROR || sev == EML_SEV_CRIT ||
	    (s->strict && sev == EML_SEV_WARN);
}

static void
add(struct state *s, const struct eml_diag *d)
{
	struct finding *f;

	if ((unsigned)d->code >= EML_D__COUNT || s->pick[d->code] == P_OFF)
		return;
	if (s->nf == s->capf) {
		s->capf = s->capf ? s->capf * 2 : 16;
		s->f = xrealloc(s->f, s->capf * sizeof(*s->f));
	}
	f = &s->f[s->nf++];
	f->code = d->code;
	if (d->line > s->adj_lines)
		f->line = s->src->line + (d->line - s->adj_lines) - 1;
	else
		f->line = s->src->line > 1 ? s->src->line - 1 : 1;
	f->offset = s->src->offset + (d->offset >= s->adj_off ?
	    d->offset - s->adj_off : 0);
	snprintf(f->section, sizeof(f->section), "%s",
	    d->section != NULL ? d->section : "");
}

static int
lint_cb(void *arg, const struct eml_diag *d)
{
	add(arg, d);
	return 0;
}

/* RFC 3986 URI reference of a file name: unreserved and "/" kept, the
 * rest percent-encoded. */
static void
add_uri(struct eml_buf *b, const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p) != NULL) {
			xcheck(eml_buf_addc(b, *p));
		} else {
			xcheck(eml_buf_addc(b, '%'));
			xcheck(eml_buf_addc(b, hex[*p >> 4]));
			xcheck(eml_buf_addc(b, hex[*p & 15]));
		}
	}
}

static void
emit(struct state *s, const struct finding *f)
{
	const struct tool_src *src = s->src;
	enum eml_severity sev = eml_diag_severity(f->code);
	struct eml_json j;
	struct eml_buf uri = { 0 };
	char num[64];
	const char *lvl;

	if (is_error(s, f->code)) {
		s->errors = 1;
		lvl = "error";
	} else {
		lvl = sev == EML_SEV_CRIT ? "error" : level_name(sev);
	}
	eml_buf_reset(&s->out);
	switch (s->fmt) {
	case F_TEXT:
		xcheck(eml_buf_adds(&s->out, src->name));
		snprintf(num, sizeof(num), ":%lu: ", f->line);
		xcheck(eml_buf_adds(&s->out, num));
		xcheck(eml_buf_adds(&s->out, lvl));
		xcheck(eml_buf_adds(&s->out, ": "));
		xcheck(eml_buf_adds(&s->out, eml_diag_text(f->code)));
		if (f->section[0] != '\0') {
			xcheck(eml_buf_adds(&s->out, " (part "));
			xcheck(eml_buf_adds(&s->out, f->section));
			xcheck(eml_buf_addc(&s->out, ')'));
		}
		xcheck(eml_buf_adds(&s->out, " ["));
		xcheck(eml_buf_adds(&s->out, eml_diag_name(f->code)));
		xcheck(eml_buf_adds(&s->out, "]\n"));
		break;
	case F_JSON:
		eml_json_init(&j, &s->out, 0);
		xcheck(eml_json_obj_begin(&j));
		xcheck(eml_json_key(&j, "file"));
		xcheck(eml_json_cstr(&j, src->name));
		xcheck(eml_json_key(&j, "message"));
		xcheck(eml_json_int(&j, (int64_t)src->index));
		xcheck(eml_json_key(&j, "offset"));
		xcheck(eml_json_int(&j, (int64_t)f->offset));
		xcheck(eml_json_key(&j, "line"));
		xcheck(eml_json_int(&j, (int64_t)f->line));
		xcheck(eml_json_key(&j, "section"));
		xcheck(eml_json_cstr(&j, f->section));
		xcheck(eml_json_key(&j, "code"));
		xcheck(eml_json_cstr(&j, eml_diag_name(f->code)));
		xcheck(eml_json_key(&j, "severity"));
		xcheck(eml_json_cstr(&j, level_name(sev)));
		xcheck(eml_json_key(&j, "level"));
		xcheck(eml_json_cstr(&j, lvl));
		xcheck(eml_json_key(&j, "text"));
		xcheck(eml_json_cstr(&j, eml_diag_text(f->code)));
		xcheck(eml_json_obj_end(&j));
		xcheck(eml_buf_addc(&s->out, '\n'));
		break;
	case F_SARIF:
		if (s->nresults++ > 0)
			xcheck(eml_buf_adds(&s->out, ",\n"));
		eml_json_init(&j, &s->out, 0);
		xcheck(eml_json_obj_begin(&j));
		xcheck(eml_json_key(&j, "ruleId"));
		xcheck(eml_json_cstr(&j, eml_diag_name(f->code)));
		xcheck(eml_json_key(&j, "ruleIndex"));
		xcheck(eml_json_int(&j, (int64_t)f->code - 1));
		xcheck(eml_json_key(&j, "level"));
		xcheck(eml_json_cstr(&j, is_error(s, f->code) ? "error" :
		    sarif_level(sev)));
		xcheck(eml_json_key(&j, "message"));
		xcheck(eml_json_obj_begin(&j));
		xcheck(eml_json_key(&j, "text"));
		xcheck(eml_json_cstr(&j, eml_diag_text(f->code)));
		xcheck(eml_json_obj_end(&j));
		xcheck(eml_json_key(&j, "locations"));
		xcheck(eml_json_arr_begin(&j));
		xcheck(eml_json_obj_begin(&j));
		xcheck(eml_json_key(&j, "physicalLocation"));
		xcheck(eml_json_obj_begin(&j));
		xcheck(eml_json_key(&j, "artifactLocation"));
		xcheck(eml_json_obj_begin(&j));
		xcheck(eml_json_key(&j, "uri"));
		add_uri(&uri, src->name);
		xcheck(eml_json_str(&j, uri.data, uri.len));
		xcheck(eml_json_obj_end(&j));
		xcheck(eml_json_key(&j, "region"));
		xcheck(eml_json_obj_begin(&j));
		xcheck(eml_json_key(&j, "startLine"));
		xcheck(eml_json_int(&j, (int64_t)(f->line > 0 ? f->line :
		    1)));
		xcheck(eml_json_obj_end(&j));
		xcheck(eml_json_obj_end(&j));
		xcheck(eml_json_obj_end(&j));
		xcheck(eml_json_arr_end(&j));
		xcheck(eml_json_obj_end(&j));
		break;
	}
	tool_write(s->out.data, s->out.len);
	eml_buf_free(&uri);
}

static int
cmp_finding(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return (int)x->code - (int)y->code;
}

static int
drain(struct state *s)
{
	struct eml_event ev;
	int r;

	while ((r = eml_parser_next(s->p, &ev)) > 0) {
		if (ev.type == EML_EV_DIAG)
			add(s, &ev.diag);
		else if (eml_lint_event(s->lint, &ev, lint_cb, s) != EML_OK)
			r = EML_ENOMEM;
		if (r < 0)
			break;
	}
	if (r < 0 && !s->failed) {
		tool_warn_src(s->src, 0, "%s", r == EML_ENOMEM ?
		    "out of memory" : eml_parser_errmsg(s->p));
		s->failed = 1;
	}
	return r < 0;
}

static int
chunk(enum tool_chunk what, const char *data, size_t len,
    const struct tool_src *src, void *arg)
{
	struct state *s = arg;
	size_t i;
	int r;

	s->src = src;
	switch (what) {
	case TOOL_BEGIN:
		eml_parser_reset(s->p);
		eml_lint_reset(s->lint);
		s->failed = 0;
		s->nf = 0;
		s->adj_lines = 0;
		s->adj_off = 0;
		/* with its From_ line the parser reports "From " lines an
		 * mboxo writer left unquoted (mbox-from-unquoted) */
		if (src->in_mbox && src->from_line != NULL) {
			s->adj_lines = 1;
			s->adj_off = src->from_len + 1;
			if (eml_parser_feed(s->p, src->from_line,
			    src->from_len) != EML_OK || drain(s) ||
			    eml_parser_feed(s->p, "\n", 1) != EML_OK ||
			    drain(s)) {
				s->failed = 1;
				return 1;
			}
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
		return drain(s);
	case TOOL_END:
		if (s->failed)
			return 1;
		eml_parser_finish(s->p);
		r = drain(s);
		/* the same finding twice (a code the parser reports once per
		 * part at one line) is printed once */
		if (s->nf > 1)
			qsort(s->f, s->nf, sizeof(*s->f), cmp_finding);
		for (i = 0; i < s->nf; i++)
			if (i == 0 || cmp_finding(&s->f[i - 1], &s->f[i]) != 0)
				emit(s, &s->f[i]);
		return r;
	}
	return 0;
}

static enum eml_diag_code
code_by_name(const char *name)
{
	int c;

	for (c = 1; c < EML_D__COUNT; c++)
		if (strcmp(eml_diag_name(c), name) == 0)
			return (enum eml_diag_code)c;
	return EML_D_NONE;
}

static void
sarif_begin(struct state *s)
{
	struct eml_json j;
	int c;

	eml_buf_reset(&s->out);
	xcheck(eml_buf_adds(&s->out, "{\"$schema\":\"https://json.schemastore"
	    ".org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{"
	    "\"tool\":{\"driver\":{\"name\":\"eml-lint\","
	    "\"informationUri\":\"https://example.invalid/emlkit\","
	    "\"version\":\"0.1.0\",\"rules\":[\n"));
	for (c = 1; c < EML_D__COUNT; c++) {
		enum eml_severity sev = eml_diag_severity(c);

		if (c > 1)
			xcheck(eml_buf_adds(&s->out, ",\n"));
		eml_json_init(&j, &s->out, 0);
		xcheck(eml_json_obj_begin(&j));
		xcheck(eml_json_key(&j, "id"));
		xcheck(eml_json_cstr(&j, eml_diag_name(c)));
		xcheck(eml_json_key(&j, "shortDescription"));
		xcheck(eml_json_obj_begin(&j));
		xcheck(eml_json_key(&j, "text"));
		xcheck(eml_json_cstr(&j, eml_diag_text(c)));
		xcheck(eml_json_obj_end(&j));
		xcheck(eml_json_key(&j, "help"));
		xcheck(eml_json_obj_begin(&j));
		xcheck(eml_json_key(&j, "text"));
		xcheck(eml_json_cstr(&j, eml_diag_text(c)));
		xcheck(eml_json_obj_end(&j));
		xcheck(eml_json_key(&j, "defaultConfiguration"));
		xcheck(eml_json_obj_begin(&j));
		xcheck(eml_json_key(&j, "level"));
		xcheck(eml_json_cstr(&j, sarif_level(sev)));
		xcheck(eml_json_obj_end(&j));
		xcheck(eml_json_obj_end(&j));
	}
	xcheck(eml_buf_adds(&s->out, "]}},\"results\":[\n"));
	tool_write(s->out.data, s->out.len);
}

int
main(int argc, char **argv)
{
	enum { O_JSON = 0x200, O_SARIF, O_STRICT, O_LIST };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, O_JSON },
		{ "sarif", no_argument, NULL, O_SARIF },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "list", no_argument, NULL, O_LIST },
		TOOL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct eml_parser_opts o;
	struct state s;
	enum eml_diag_code code;
	const char *name;
	int c, rc, list = 0, off;

	tool_init("eml-lint");
	memset(&s, 0, sizeof(s));
	while ((c = getopt_long(argc, argv, "W:" TOOL_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (tool_opt(c, optarg, usage_text, help_text))
			continue;
		switch (c) {
		case O_JSON:
			s.fmt = F_JSON;
			break;
		case O_SARIF:
			s.fmt = F_SARIF;
			break;
		case O_STRICT:
			s.strict = 1;
			break;
		case O_LIST:
			list = 1;
			break;
		case 'W':
			off = strncmp(optarg, "no-", 3) == 0;
			name = off ? optarg + 3 : optarg;
			if ((code = code_by_name(name)) == EML_D_NONE) {
				tool_warn(NULL, "-W: no code named \"%s\" "
				    "(--list shows them)", name);
				tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
			}
			s.pick[code] = off ? P_OFF : P_ERROR;
			break;
		default:
			tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
		}
	}
	if (list) {
		for (c = 1; c < EML_D__COUNT; c++)
			printf("%s\t%s\t%s\n", eml_diag_name(c),
			    level_name(eml_diag_severity(c)),
			    eml_diag_text(c));
		return tool_flush(TOOL_EXIT_OK);
	}
	memset(&o, 0, sizeof(o));
	if ((s.p = eml_parser_new(&o)) == NULL ||
	    (s.lint = eml_lint_new(0)) == NULL)
		tool_die(NULL, "out of memory");
	tool_in.confine = 1;	/* reads only: no writes, exec, network */
	/* an mbox is read as it is: ">From " stays quoted, so that only
	 * unquoted "From " lines are reported, at their own lines */
	tool_in.mboxo = 1;
	if (s.fmt == F_SARIF)
		sarif_begin(&s);
	rc = tool_run(argc - optind, argv + optind, chunk, &s);
	if (s.fmt == F_SARIF)
		tool_puts("\n]}]}\n");
	eml_parser_free(s.p);
	eml_lint_free(s.lint);
	free(s.f);
	eml_buf_free(&s.out);
	rc = tool_flush(rc);
	if (rc != TOOL_EXIT_OK)
		return 2;
	return s.errors ? 1 : 0;
}
