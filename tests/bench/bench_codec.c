/*
 * bench_codec.c - transfer-decoder micro-benchmarks.
 *
 *   bench_codec [-r rounds] [-s name] B64FILE QPFILE
 *
 * Each file is loaded into memory once and decoded in 64 KiB input
 * chunks, rounds times, by emlkit (eml_b64_dec_step / eml_qp_dec_step)
 * and by GMime (g_mime_encoding_{base64,quoted}_decode_step); for base64
 * also by coreutils "base64 -d" reading the file (from the page cache)
 * and writing to /dev/null.  Variants: the same text with CRLF line
 * ends (b64crlf), with garbage (b64garb), and 1 MiB streams that stay
 * in the L2 cache (b64cache, qpcache); "-avx2", "-sse2", "-scalar" are
 * emlkit with that path forced, in the same run; -s runs only the
 * contestants whose name contains NAME.  Prints one RESULT line per
 * contestant with the median wall and CPU times and the output size and
 * byte sum (from one untimed pass), which must agree; "out=0" for
 * coreutils, whose output is not seen.
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "eml.h"
#include "bench.h"

#define CHUNK (64 * 1024)
/* The in-cache runs: 1 MiB streams, well inside the 4 MiB L2. */
#define WIN (1024 * 1024)

/* In lib/b64.c (not public): 0 auto, 1 scalar, 2 ssse3, 3 avx2,
 * 4 avx512vbmi.  Forcing the AVX2 kernel gives the figure before the
 * VBMI one, measured in the same run. */
void emli_b64_force_impl(int impl);

struct input {
	unsigned char *p;
	size_t len;
};

struct out {
	uint64_t bytes;
	uint64_t sum;
	int full;	/* sum every byte (untimed check pass) */
};

static void
load(const char *path, struct input *in)
{
	size_t cap = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0) {
		perror(path);
		exit(1);
	}
	in->p = NULL;
	in->len = 0;
	for (;;) {
		if (cap - in->len < (1 << 20)) {
			cap = cap ? cap * 2 : 64 << 20;
			if ((in->p = realloc(in->p, cap)) == NULL) {
				perror("realloc");
				exit(1);
			}
		}
		if ((n = read(fd, in->p + in->len, cap - in->len)) <= 0)
			break;
		in->len += (size_t)n;
	}
	close(fd);
}

/* The decoders write their output to memory, which cannot be elided,
 * so the timed rounds only count it; one untimed pass sums every byte
 * so that the contestants can be checked against each other. */
static void
note(struct out *o, const unsigned char *p, size_t n)
{
	struct bench_sum bs = { 0, 0 };

	if (o->full) {
		bench_add(&bs, p, n);
		o->sum += bs.sum;
	}
	o->bytes += n;
}

static unsigned char obuf[CHUNK * 2];

static void
b64_emlkit(const struct input *in, struct out *o)
{
	struct eml_b64_dec s;
	size_t i, k, n;

	eml_b64_dec_init(&s);
	for (i = 0; i < in->len; i += k) {
		k = in->len - i < CHUNK ? in->len - i : CHUNK;
		n = eml_b64_dec_step(&s, in->p + i, k, obuf);
		note(o, obuf, n);
	}
	n = eml_b64_dec_finish(&s, obuf);
	note(o, obuf, n);
}

static void
b64_emlkit_avx2(const struct input *in, struct out *o)
{
	emli_b64_force_impl(3);
	b64_emlkit(in, o);
	emli_b64_force_impl(0);
}

static void
b64_emlkit_scalar(const struct input *in, struct out *o)
{
	emli_b64_force_impl(1);
	b64_emlkit(in, o);
	emli_b64_force_impl(0);
}

/*
 * The garbage-heavy input: a garbage byte after every byte of the clean
 * text but the line ends (so that no line starts with garbage, which
 * would end the data).  Decodes to the same bytes as the clean text.
 */
static void
dirty(const struct input *in, struct input *d)
{
	static const char junk[] = "!*.~\x01\x80";
	size_t i, n = 0;

	if ((d->p = malloc(in->len * 2 + 1)) == NULL) {
		perror("malloc");
		exit(1);
	}
	for (i = 0; i < in->len; i++) {
		d->p[n++] = in->p[i];
		if (in->p[i] != '\n' && in->p[i] != '\r')
			d->p[n++] = (unsigned char)junk[i % 6];
	}
	d->len = n;
}

/* The same text with CRLF line ends, as mail is on the wire. */
static void
crlf(const struct input *in, struct input *d)
{
	size_t i, n = 0;

	if ((d->p = malloc(in->len * 2 + 1)) == NULL) {
		perror("malloc");
		exit(1);
	}
	for (i = 0; i < in->len; i++) {
		if (in->p[i] == '\n')
			d->p[n++] = '\r';
		d->p[n++] = in->p[i];
	}
	d->len = n;
}

static void
b64_gmime(const struct input *in, struct out *o)
{
	guint32 save = 0;
	int state = 0;
	size_t i, k, n;

	for (i = 0; i < in->len; i += k) {
		k = in->len - i < CHUNK ? in->len - i : CHUNK;
		n = g_mime_encoding_base64_decode_step(in->p + i, k, obuf,
		    &state, &save);
		note(o, obuf, n);
	}
}

static void
qp_emlkit(const struct input *in, struct out *o)
{
	struct eml_qp_dec s;
	size_t i, k, n;

	eml_qp_dec_init(&s);
	for (i = 0; i < in->len; i += k) {
		k = in->len - i < CHUNK ? in->len - i : CHUNK;
		n = eml_qp_dec_step(&s, in->p + i, k, obuf);
		note(o, obuf, n);
	}
	n = eml_qp_dec_finish(&s, obuf);
	note(o, obuf, n);
}

/* In lib/qp.c (not public): 0 auto, 1 scalar, 2 SSE2, 3 AVX-512. */
void emli_qp_force_impl(int impl);

static void
qp_emlkit_sse2(const struct input *in, struct out *o)
{
	emli_qp_force_impl(2);
	qp_emlkit(in, o);
	emli_qp_force_impl(0);
}

static void
qp_emlkit_scalar(const struct input *in, struct out *o)
{
	emli_qp_force_impl(1);
	qp_emlkit(in, o);
	emli_qp_force_impl(0);
}

static void
qp_gmime(const struct input *in, struct out *o)
{
	guint32 save = 0;
	int state = 0;
	size_t i, k, n;

	for (i = 0; i < in->len; i += k) {
		k = in->len - i < CHUNK ? in->len - i : CHUNK;
		n = g_mime_encoding_quoted_decode_step(in->p + i, k, obuf,
		    &state, &save);
		note(o, obuf, n);
	}
}

/* coreutils base64 -d < path > /dev/null; returns the child's CPU
 * time. */
static double
b64_coreutils(const char *path)
{
	struct rusage ru;
	pid_t pid;
	int st, fd;

	if ((pid = fork()) < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		if ((fd = open(path, O_RDONLY)) < 0 || dup2(fd, 0) < 0)
			_exit(127);
		if ((fd = open("/dev/null", O_WRONLY)) < 0 || dup2(fd, 1) < 0)
			_exit(127);
		execlp("base64", "base64", "-d", (char *)NULL);
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench_codec: base64 -d failed\n");
		return 0;
	}
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* -s: only the contestants whose name contains this. */
static const char *only;

/*
 * A contestant: fn decodes in, or (win > 0) the first win bytes of in
 * as len / win separate streams, which then come from the L2 cache
 * (4 MiB here) instead of memory: the two side by side show what memory
 * bandwidth costs.
 */
static void
run_win(const char *name, void (*fn)(const struct input *, struct out *),
    const struct input *in, size_t win, const char *path, int rounds)
{
	double t[64], c[64], t0, c0;
	struct input w = *in;
	struct out o, chk;
	size_t reps = 1, r;
	int i;

	if (only != NULL && strstr(name, only) == NULL)
		return;
	if (win > 0 && win < in->len) {
		w.len = win;
		reps = in->len / win;
	}
	memset(&chk, 0, sizeof(chk));
	chk.full = 1;
	if (fn != NULL)
		for (r = 0; r < reps; r++)
			fn(&w, &chk);
	for (i = 0; i < rounds; i++) {
		memset(&o, 0, sizeof(o));
		t0 = bench_now();
		c0 = bench_cpu();
		if (fn != NULL) {
			for (r = 0; r < reps; r++)
				fn(&w, &o);
			c[i] = bench_cpu() - c0;
		} else {
			c[i] = b64_coreutils(path);
		}
		t[i] = bench_now() - t0;
	}
	qsort(t, (size_t)rounds, sizeof(t[0]), cmpd);
	qsort(c, (size_t)rounds, sizeof(c[0]), cmpd);
	printf("RESULT prog=%s in=%zu out=%llu sum=%016llx time=%.4f "
	    "cpu=%.4f min=%.4f max=%.4f\n", name, w.len * reps,
	    (unsigned long long)chk.bytes, (unsigned long long)chk.sum,
	    t[rounds / 2], c[rounds / 2], t[0], t[rounds - 1]);
	fflush(stdout);
}

static void
run(const char *name, void (*fn)(const struct input *, struct out *),
    const struct input *in, const char *path, int rounds)
{
	run_win(name, fn, in, 0, path, rounds);
}

int
main(int argc, char **argv)
{
	struct input b64, qp, garb;
	int rounds = 5, c;

	while ((c = getopt(argc, argv, "r:s:")) != -1) {
		if (c == 's') {
			only = optarg;
			continue;
		}
		if (c != 'r')
			goto usage;
		rounds = atoi(optarg);
		if (rounds < 1 || rounds > 64)
			goto usage;
	}
	if (optind + 2 != argc)
		goto usage;
	g_mime_init();
	load(argv[optind], &b64);
	load(argv[optind + 1], &qp);
	printf("INFO b64_impl=%s\n", eml_b64_impl());
	run("b64-emlkit", b64_emlkit, &b64, NULL, rounds);
	run("b64-emlkit-avx2", b64_emlkit_avx2, &b64, NULL, rounds);
	run_win("b64cache-emlkit", b64_emlkit, &b64, WIN, NULL, rounds);
	run_win("b64cache-emlkit-avx2", b64_emlkit_avx2, &b64, WIN, NULL,
	    rounds);
	run("b64-gmime", b64_gmime, &b64, NULL, rounds);
	run("b64-coreutils", NULL, &b64, argv[optind], rounds);
	crlf(&b64, &garb);
	run("b64crlf-emlkit", b64_emlkit, &garb, NULL, rounds);
	run("b64crlf-emlkit-avx2", b64_emlkit_avx2, &garb, NULL, rounds);
	free(garb.p);
	dirty(&b64, &garb);
	run("b64garb-emlkit", b64_emlkit, &garb, NULL, rounds);
	run("b64garb-emlkit-avx2", b64_emlkit_avx2, &garb, NULL, rounds);
	run("b64garb-emlkit-scalar", b64_emlkit_scalar, &garb, NULL, rounds);
	run("b64garb-gmime", b64_gmime, &garb, NULL, rounds);
	free(garb.p);
	run("qp-emlkit", qp_emlkit, &qp, NULL, rounds);
	run("qp-emlkit-sse2", qp_emlkit_sse2, &qp, NULL, rounds);
	run("qp-emlkit-scalar", qp_emlkit_scalar, &qp, NULL, rounds);
	run("qp-gmime", qp_gmime, &qp, NULL, rounds);
	run_win("qpcache-emlkit", qp_emlkit, &qp, WIN, NULL, rounds);
	run_win("qpcache-gmime", qp_gmime, &qp, WIN, NULL, rounds);
	free(b64.p);
	free(qp.p);
	g_mime_shutdown();
	return 0;
usage:
	fprintf(stderr,
	    "usage: bench_codec [-r rounds] [-s name] B64FILE QPFILE\n");
	return 2;
}
