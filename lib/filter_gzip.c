/*
 * filter_gzip.c - gzip compression as a filter (RFC 1952), so that tools
 * can write .gz mailboxes the way lib/input.c reads them: streamed through
 * zlib's deflate, never held whole.
 */
#include <errno.h>
#include <stdlib.h>
#include <zlib.h>

#include "eml_priv.h"

#define GZ_OUT	65536

struct gzip_sink {
	struct eml_sink s;
	z_stream z;
	int live;		/* deflateInit2 succeeded */
	unsigned char out[GZ_OUT];
};

/* Run deflate with flush over what z holds, passing output on. */
static int
gz_pump(struct gzip_sink *g, int flush)
{
	int zr, r;

	do {
		g->z.next_out = g->out;
		g->z.avail_out = sizeof(g->out);
		zr = deflate(&g->z, flush);
		if (zr == Z_STREAM_ERROR)
			return EML_EINVAL;
		if (zr == Z_MEM_ERROR)
			return EML_ENOMEM;
		if ((r = eml_sink_write(g->s.next, g->out,
		    sizeof(g->out) - g->z.avail_out)) != EML_OK)
			return r;
	} while (g->z.avail_out == 0 ||
	    (flush == Z_FINISH && zr != Z_STREAM_END));
	return EML_OK;
}

static int
gz_write(struct eml_sink *s, const void *p, size_t n)
{
	struct gzip_sink *g = (struct gzip_sink *)s;
	int r;

	/* avail_in is a uInt: feed huge writes in slices */
	while (n > 0) {
		size_t k = n > (1u << 30) ? (1u << 30) : n;

		g->z.next_in = (Bytef *)(uintptr_t)p;
		g->z.avail_in = (uInt)k;
		if ((r = gz_pump(g, Z_NO_FLUSH)) != EML_OK)
			return r;
		p = (const char *)p + k;
		n -= k;
	}
	return EML_OK;
}

static int
gz_finish(struct eml_sink *s)
{
	struct gzip_sink *g = (struct gzip_sink *)s;

	g->z.next_in = NULL;
	g->z.avail_in = 0;
	return gz_pump(g, Z_FINISH);
}

static void
gz_release(struct eml_sink *s, int discard)
{
	struct gzip_sink *g = (struct gzip_sink *)s;

	(void)discard;
	if (g->live)
		deflateEnd(&g->z);
}

static const struct emli_sink_ops gzip_ops = {
	gz_write, gz_finish, gz_release
};

struct eml_sink *
eml_filter_gzip(struct eml_sink *next, int level)
{
	struct gzip_sink *g;

	g = (struct gzip_sink *)emli_sink_new(sizeof(*g), &gzip_ops, next, 1);
	if (g == NULL)
		return NULL;
	if (level < 0 || level > 9)
		level = Z_DEFAULT_COMPRESSION;
	/* windowBits 15 + 16: a gzip header and trailer, not zlib's */
	if (deflateInit2(&g->z, level, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		eml_sink_abort(&g->s);
		errno = ENOMEM;
		return NULL;
	}
	g->live = 1;
	return &g->s;
}
