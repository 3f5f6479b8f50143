/*
 * What the benchmark programs share: a monotonic clock and checked
 * numeric arguments.
 */
#ifndef JOBD_BENCH_H
#define JOBD_BENCH_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Seconds on the monotonic clock. */
static inline double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The number s, from min to max, or a message from prog and exit 64. */
static inline long
bench_number(const char *prog, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "%s: \"%s\": not a number from %ld to %ld\n",
		    prog, s, min, max);
		exit(64);
	}
	return v;
}

#endif /* JOBD_BENCH_H */
