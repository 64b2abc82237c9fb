/*
 * bench_emlkit.c - split an mbox with eml_mbox_* and parse every message
 * with the streaming parser (EML_PARSE_DECODE), touching every decoded
 * body byte.
 *
 *   bench_emlkit MBOX		the benchmark
 *   bench_emlkit -r FILE	only read() the file (the floor)
 *
 * Input is read with read() in 256 KiB chunks.  Prints one "RESULT"
 * line with counts, the byte sum of all decoded bodies and the wall time.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eml.h"
#include "bench.h"

#define CHUNK (256 * 1024)

struct stats {
	unsigned long msgs, parts, leaves, diags;
	struct bench_sum sum;
};

static void
fail(const char *what, int err)
{
	fprintf(stderr, "bench_emlkit: %s: %s\n", what, eml_strerror(err));
	exit(1);
}

static void
drain_parser(struct eml_parser *p, struct stats *st)
{
	struct eml_event ev;
	int r;

	while ((r = eml_parser_next(p, &ev)) > 0) {
		switch (ev.type) {
		case EML_EV_PART_BEGIN:
			st->parts++;
			break;
		case EML_EV_BODY:
			bench_add(&st->sum, ev.data, ev.data_len);
			break;
		case EML_EV_PART_END:
			if (!ev.part->is_multipart && !ev.part->is_message)
				st->leaves++;
			break;
		case EML_EV_DIAG:
			st->diags++;
			break;
		default:
			break;
		}
	}
	if (r < 0)
		fail(eml_parser_errmsg(p), r);
}

static void
drain_mbox(struct eml_mbox *m, struct eml_parser *p, struct stats *st)
{
	struct eml_mbox_event mev;
	int r;

	while ((r = eml_mbox_next(m, &mev)) > 0) {
		switch (mev.type) {
		case EML_MBOX_BEGIN:
			st->msgs++;
			eml_parser_reset(p);
			break;
		case EML_MBOX_DATA:
			if ((r = eml_parser_feed(p, mev.data, mev.len)) < 0)
				fail("eml_parser_feed", r);
			drain_parser(p, st);
			break;
		case EML_MBOX_END:
			if ((r = eml_parser_finish(p)) < 0)
				fail("eml_parser_finish", r);
			drain_parser(p, st);
			break;
		}
	}
	if (r < 0)
		fail("eml_mbox_next", r);
}

int
main(int argc, char **argv)
{
	struct eml_parser_opts opts;
	struct stats st;
	struct eml_parser *p;
	struct eml_mbox *m;
	unsigned long long nread = 0;
	char *buf;
	ssize_t n;
	int readonly = 0, fd, r;
	double t0, t1, c0, c1;

	if (argc == 3 && strcmp(argv[1], "-r") == 0)
		readonly = 1;
	else if (argc != 2) {
		fprintf(stderr, "usage: bench_emlkit [-r] FILE\n");
		return 2;
	}
	memset(&st, 0, sizeof(st));
	memset(&opts, 0, sizeof(opts));
	opts.flags = EML_PARSE_DECODE;
	if ((buf = malloc(CHUNK)) == NULL ||
	    (p = eml_parser_new(&opts)) == NULL ||
	    (m = eml_mbox_new(0)) == NULL)
		fail("setup", EML_ENOMEM);
	t0 = bench_now();
	c0 = bench_cpu();
	if ((fd = open(argv[argc - 1], O_RDONLY)) < 0) {
		perror(argv[argc - 1]);
		return 1;
	}
	while ((n = read(fd, buf, CHUNK)) > 0) {
		nread += (unsigned long long)n;
		if (readonly)
			continue;
		if ((r = eml_mbox_feed(m, buf, (size_t)n)) < 0)
			fail("eml_mbox_feed", r);
		drain_mbox(m, p, &st);
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	if (!readonly) {
		if ((r = eml_mbox_finish(m)) < 0)
			fail("eml_mbox_finish", r);
		drain_mbox(m, p, &st);
	}
	close(fd);
	t1 = bench_now();
	c1 = bench_cpu();
	if (readonly)
		printf("RESULT prog=read bytes=%llu time=%.4f cpu=%.4f\n",
		    nread, t1 - t0, c1 - c0);
	else
		printf("RESULT prog=emlkit msgs=%lu parts=%lu leaves=%lu "
		    "decoded=%llu sum=%016llx diags=%lu time=%.4f cpu=%.4f\n",
		    st.msgs, st.parts, st.leaves,
		    (unsigned long long)st.sum.bytes,
		    (unsigned long long)st.sum.sum, st.diags, t1 - t0,
		    c1 - c0);
	eml_parser_free(p);
	eml_mbox_free(m);
	free(buf);
	return 0;
}
