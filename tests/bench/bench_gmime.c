/*
 * bench_gmime.c - the contestant: the same work as bench_emlkit with
 * GMime 3.2.  Only the benchmark links GMime; emlkit never does.
 *
 *   bench_gmime [-m] MBOX	split and parse an mbox, decode every part
 *   bench_gmime -1 [-m] FILE	parse one message ("-" = stdin), same work
 *
 * The input is a GMimeStreamFs over the file, or with -m a
 * GMimeStreamMmap; a pipe gets a GMimeStreamPipe.
 *
 * Prints one "RESULT" line with counts, the byte sum of all decoded
 * bodies and the wall time.
 */
#include <sys/mman.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "bench.h"

static struct bench_sum total;
static unsigned long nparts, nleaves;

/* A null stream that also sums what is written to it, so that every
 * decoded byte is touched as bench_emlkit touches it. */
typedef struct {
	GMimeStreamNull parent;
} ChkStream;

typedef struct {
	GMimeStreamNullClass parent_class;
} ChkStreamClass;

static GType chk_stream_get_type(void);
G_DEFINE_TYPE(ChkStream, chk_stream, GMIME_TYPE_STREAM_NULL)

static ssize_t
chk_write(GMimeStream *stream, const char *buf, size_t len)
{
	bench_add(&total, buf, len);
	return GMIME_STREAM_CLASS(chk_stream_parent_class)->write(stream, buf,
	    len);
}

static void
chk_stream_class_init(ChkStreamClass *klass)
{
	GMIME_STREAM_CLASS(klass)->write = chk_write;
}

static void
chk_stream_init(ChkStream *s)
{
	(void)s;
}

static GMimeStream *sink;

static void
walk(GMimeObject *o)
{
	GMimeDataWrapper *w;
	GMimeMessage *m;
	int i, n;

	if (o == NULL)
		return;
	nparts++;
	if (GMIME_IS_MULTIPART(o)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
		for (i = 0; i < n; i++)
			walk(g_mime_multipart_get_part(GMIME_MULTIPART(o), i));
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		if (m != NULL)
			walk(g_mime_message_get_mime_part(m));
	} else if (GMIME_IS_PART(o)) {
		nleaves++;
		/* write_to_stream undoes the transfer encoding. */
		w = g_mime_part_get_content(GMIME_PART(o));
		if (w != NULL)
			g_mime_data_wrapper_write_to_stream(w, sink);
	}
}

int
main(int argc, char **argv)
{
	GMimeParser *parser;
	GMimeMessage *msg;
	GMimeStream *in;
	unsigned long nmsgs = 0, nfail = 0;
	gint64 pos, next;
	const char *path;
	int one = 0, use_mmap = 0, fd, c;
	double t0, t1, c0, c1;

	while ((c = getopt(argc, argv, "1m")) != -1) {
		if (c == '1')
			one = 1;
		else if (c == 'm')
			use_mmap = 1;
		else
			goto usage;
	}
	if (optind + 1 != argc)
		goto usage;
	path = argv[optind];
	g_mime_init();
	sink = g_object_new(chk_stream_get_type(), NULL);
	t0 = bench_now();
	c0 = bench_cpu();
	if (strcmp(path, "-") == 0)
		fd = 0;
	else if ((fd = open(path, O_RDONLY)) < 0) {
		perror(path);
		return 1;
	}
	if (lseek(fd, 0, SEEK_CUR) < 0)
		in = g_mime_stream_pipe_new(fd);	/* a pipe: no seeking */
	else if (use_mmap)
		in = g_mime_stream_mmap_new(fd, PROT_READ, MAP_PRIVATE);
	else
		in = g_mime_stream_fs_new(fd);
	if (in == NULL) {
		perror(path);
		return 1;
	}
	parser = g_mime_parser_new_with_stream(in);
	g_mime_parser_set_format(parser,
	    one ? GMIME_FORMAT_MESSAGE : GMIME_FORMAT_MBOX);
	while (!g_mime_parser_eos(parser)) {
		pos = g_mime_parser_tell(parser);
		msg = g_mime_parser_construct_message(parser, NULL);
		if (msg == NULL) {
			/* GMime gives up on some real messages (junk before
			 * the headers); go on with the next one as long as
			 * the parser moves forward. */
			nfail++;
			if (one || g_mime_parser_eos(parser))
				break;
			/* Restart after the bad spot: in mbox mode the
			 * parser skips to the next "From " line. */
			next = g_mime_parser_tell(parser);
			if (next <= pos)
				next = pos + 1;
			if (g_mime_stream_seek(in, next,
			    GMIME_STREAM_SEEK_SET) < 0)
				break;
			g_mime_parser_init_with_stream(parser, in);
			continue;
		}
		nmsgs++;
		walk(g_mime_message_get_mime_part(msg));
		g_object_unref(msg);
		if (one)
			break;
	}
	t1 = bench_now();
	c1 = bench_cpu();
	printf("RESULT prog=gmime msgs=%lu failed=%lu parts=%lu "
	    "leaves=%lu decoded=%llu sum=%016llx time=%.4f cpu=%.4f\n",
	    nmsgs, nfail, nparts, nleaves,
	    (unsigned long long)total.bytes, (unsigned long long)total.sum,
	    t1 - t0, c1 - c0);
	g_object_unref(parser);
	g_object_unref(in);
	g_object_unref(sink);
	g_mime_shutdown();
	return 0;
usage:
	fprintf(stderr, "usage: bench_gmime [-1] [-m] FILE\n");
	return 2;
}
