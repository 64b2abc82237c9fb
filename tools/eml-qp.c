/*
 * eml-qp - quoted-printable encode (default) or decode standard input or
 * files, streaming through the library's filters (RFC 2045 6.7).
 */
#include <getopt.h>

#include "common.h"
#include "pump.h"

static const char usage_text[] =
    "eml-qp [-d] [-b] [--crlf] [--no-sandbox] [file ...]";

static const char help_text[] =
    "Quoted-printable-encode each input (standard input if none) to\n"
    "standard output, in lines of at most 76 characters.\n"
    "  -d, --decode    decode instead: soft line breaks removed, trailing\n"
    "                  blanks on a line deleted (RFC 2045 6.7 rule 3), bad\n"
    "                  escapes kept as they are\n"
    "  -b, --binary    encode CR and LF too, so that decoding gives back\n"
    "                  the bytes exactly (default: text, line ends stay\n"
    "                  line ends)\n"
    "      --crlf      end encoded lines with CRLF (default LF)\n";

struct opts {
	int decode;
	int binary;
	int crlf;
};

static struct eml_sink *
chain(struct eml_sink *next, void *arg)
{
	const struct opts *o = arg;

	if (o->decode)
		return eml_filter_qp_dec(next);
	return eml_filter_qp_enc(next, o->crlf, o->binary);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "decode", no_argument, NULL, 'd' },
		{ "binary", no_argument, NULL, 'b' },
		{ "crlf", no_argument, NULL, 'c' },
		{ "no-sandbox", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, TOOL_OPT_HELP },
		{ "version", no_argument, NULL, TOOL_OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { 0, 0, 0 };
	int c, no_sandbox = 0;

	tool_init("eml-qp");
	while ((c = getopt_long(argc, argv, "dbh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.decode = 1;
			break;
		case 'b':
			o.binary = 1;
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
