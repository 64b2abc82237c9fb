/*
 * eml-b64 - base64 encode (default) or decode standard input or files,
 * streaming through the library's filters (RFC 2045 6.8).
 */
#include <getopt.h>
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
	static const struct option longopts[] = {
		{ "decode", no_argument, NULL, 'd' },
		{ "wrap", required_argument, NULL, 'w' },
		{ "crlf", no_argument, NULL, 'c' },
		{ "no-sandbox", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, TOOL_OPT_HELP },
		{ "version", no_argument, NULL, TOOL_OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { 0, 76, 0 };
	char *end;
	long w;
	int c, no_sandbox = 0;

	tool_init("eml-b64");
	while ((c = getopt_long(argc, argv, "dw:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.decode = 1;
			break;
		case 'w':
			w = strtol(optarg, &end, 10);
			if (*end != '\0' || w < 4 || w > 76 || w % 4 != 0) {
				tool_warn(NULL, "-w: want 4..76, a multiple "
				    "of 4: %s", optarg);
				tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
			}
			o.wrap = (unsigned)w;
			break;
		case 'c':
			o.crlf = 1;
			break;
		case 'S':
			no_sandbox = 1;
			break;
		case 'h':
		case TOOL_OPT_HELP:
			pump_help_exit(usage_text, help_text);
		case TOOL_OPT_VERSION:
			tool_version_exit();
		default:
			tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
		}
	}
	pump_confine(no_sandbox);
	return pump_run(argc - optind, argv + optind, chain, &o);
}
