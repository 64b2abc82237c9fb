/*
 * extract.c - the library in 40 lines: write the transfer-decoded bytes
 * of one part of a message to standard output.  `make demo` builds and
 * runs it; eml-extract (with safe file names) will be the real tool.
 *
 *   cc -Ilib docs/examples/extract.c build/libemlkit.a -lz -o extract
 *   ./extract corpus/demo/demo.eml 3 > attachment
 */
#include <stdio.h>
#include <string.h>

#include "eml.h"

int
main(int argc, char **argv)
{
	struct eml_input *in;
	struct eml_msg *msg;
	struct eml_buf out = { 0 };
	const struct eml_node *n;
	const char *buf;
	size_t len;

	if (argc != 3) {
		fprintf(stderr, "usage: extract FILE SECTION\n");
		return 2;
	}
	if (eml_input_open(argv[1], &in) != EML_OK ||
	    eml_input_slurp(in, &buf, &len) != EML_OK) {
		perror(argv[1]);
		return 1;
	}
	if (eml_msg_parse_mem(buf, len, NULL, &msg) != EML_OK)
		return 1;
	for (n = msg->root; n != NULL; n = eml_node_next(n))
		if (n->first_child == NULL &&
		    strcmp(n->info.section, argv[2]) == 0)
			break;
	if (n == NULL || eml_node_decode(n, &out) != EML_OK) {
		fprintf(stderr, "%s: no part %s\n", argv[1], argv[2]);
		return 1;
	}
	fwrite(out.data, 1, out.len, stdout);
	eml_buf_free(&out);
	eml_msg_free(msg);
	eml_input_close(in);
	return 0;
}
