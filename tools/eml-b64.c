/*
 * eml-b64 - base64 encode (default) or decode standard input or files,
 * streaming through the library's filters (RFC 2045 6.8).
 */
#include <stdlib.h>

#include "common.h"
#include "pump.h"

static const char usage_text[] =
    "eml-b64 [-d] [-w COLS] [--crlf] [--no-sandbox] [file ...]";

static const char help_text[] =
    "Base64-encode each input (standard input if none) to standard\n"
    "output; each input is encoded or decoded on its own.\n"
    "  -d, --decode    decode instead: whitespace and bytes outside the\n"
    "                  alphabet are skipped, as mail readers do, and the\n"
    "                  data ends after its padding\n"
    "  -w, --wrap COLS encoded line length, 4..76 (a multiple of 4;\n"
    "                  default 76, as MIME requires at most)\n"
    "      --crlf      end encoded lines with CRLF (default LF)\n";

struct opts {
	int decode;
	unsigned wrap;
	int crlf;
};

static struct eml_sink *
chain(struct eml_sink *next, void *arg)
{
	const struct opts *o = arg;

	if (o->decode)
		return eml_filter_b64_dec(next);
	return eml_filter_b64_enc(next, o->wrap, o->crlf);
}

int
main(int argc, char **argv)
{
	const char *wrap = NULL;
	const struct pump_opt extra[] = {
		{ "wrap", 'w', NULL, &wrap },
		{ NULL, 0, NULL, NULL }
	};
	struct pump_args a;
	struct opts o = { 0, 76, 0 };
	char *end;
	long w;
	int n;

	tool_init("eml-b64");
	n = pump_getopt(argc, argv, usage_text, help_text, extra, &a);
	if (wrap != NULL) {
		w = strtol(wrap, &end, 10);
		if (*end != '\0' || w < 4 || w > 76 || w % 4 != 0)
			pump_usage_error(usage_text, "-w: want 4..76, a "
			    "multiple of 4: %s", wrap);
		o.wrap = (unsigned)w;
	}
	o.decode = a.decode;
	o.crlf = a.crlf;
	pump_confine(a.no_sandbox);
	return pump_run(argc - n, argv + n, chain, &o);
}
