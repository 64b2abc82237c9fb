/*
 * eml-qp - quoted-printable encode (default) or decode standard input or
 * files, streaming through the library's filters (RFC 2045 6.7).
 */
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
	struct opts o = { 0, 0, 0 };
	const struct pump_opt extra[] = {
		{ "binary", 'b', &o.binary, NULL },
		{ NULL, 0, NULL, NULL }
	};
	struct pump_args a;
	int n;

	tool_init("eml-qp");
	n = pump_getopt(argc, argv, usage_text, help_text, extra, &a);
	o.decode = a.decode;
	o.crlf = a.crlf;
	pump_confine(a.no_sandbox);
	return pump_run(argc - n, argv + n, chain, &o);
}
