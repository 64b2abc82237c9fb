/*
 * partspan.c - print "SECTION<TAB>OFFSET<TAB>END<TAB>TYPE" for every
 * part of the message on stdin: the byte offset of its header and one
 * past its body, as the parser reports them, so a test can check which
 * bytes a rewrite left alone.  Test helper, not installed.
 */
#include <stdio.h>
#include <unistd.h>

#include "eml.h"

int
main(void)
{
	struct eml_parser *p = eml_parser_new(NULL);
	struct eml_event ev;
	char buf[65536];
	ssize_t n;
	int r;

	if (p == NULL)
		return 1;
	for (;;) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0)
			return 1;
		if (n == 0)
			eml_parser_finish(p);
		else
			eml_parser_feed(p, buf, (size_t)n);
		while ((r = eml_parser_next(p, &ev)) > 0)
			if (ev.type == EML_EV_PART_END)
				printf("%s\t%llu\t%llu\t%s\n",
				    ev.part->section[0] ? ev.part->section :
				    "-", (unsigned long long)ev.part->offset,
				    (unsigned long long)ev.part->end_offset,
				    ev.part->ctype);
		if (r < 0)
			return 1;
		if (n == 0)
			break;
	}
	eml_parser_free(p);
	return 0;
}
