/*
 * bench.h - helpers shared by the benchmark programs (not by emlkit).
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* What each contestant computes over the decoded bodies, so the two
 * libraries can be checked against each other and no work is skipped.
 * The byte sum does not depend on how the data is cut into chunks. */
struct bench_sum {
	uint64_t bytes;
	uint64_t sum;
};

static inline void
bench_add(struct bench_sum *s, const void *p, size_t n)
{
	const unsigned char *u = p;
	uint64_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc += u[i];
	s->sum += acc;
	s->bytes += n;
}

static inline double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this process (user + system): on a shared machine it is
 * less disturbed by other load than the wall time. */
static inline double
bench_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif /* BENCH_H */
