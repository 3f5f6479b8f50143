/*
 * cronrate: next-fire computations per second (cron_next()).
 *
 * usage: cronrate [-t MS] [-z ZONE] EXPR ...
 *
 * For each EXPR, computes the next fire time after instants spread over
 * two years (2026 and 2027, not in order, at odd seconds) for at least MS
 * milliseconds (default 300), in ZONE (default UTC; loaded with tz.h).
 * Prints "RATE COUNT EXPR" (computations per second) a line.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "jobd/cron.h"
#include "jobd/tz.h"

#define CR_BASE_MS	1767225600000LL		/* 2026-01-01T00:00:00Z */
#define CR_MINUTES	(2 * 525600LL)		/* two years of minutes */
#define CR_STRIDE	7919LL			/* prime: visits them all */
#define CR_BATCH	1024

int
main(int argc, char **argv)
{
	struct cron_expr e;
	struct tz *z = NULL;
	const char *zone = "UTC";
	char err[256];
	double t0, t, limit = 0.3;
	int64_t after, next, sum = 0, i;
	int ch, a, b, error;

	while ((ch = getopt(argc, argv, "t:z:")) != -1) {
		switch (ch) {
		case 't':
			limit = bench_number("cronrate", optarg, 1, 600000) / 1000.0;
			break;
		case 'z':
			zone = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind >= argc)
		goto usage;
	if (tz_load(zone, &z, err, sizeof(err)) != 0) {
		fprintf(stderr, "cronrate: %s\n", err);
		return 1;
	}
	for (a = optind; a < argc; a++) {
		if (cron_parse(argv[a], &e, err, sizeof(err)) != 0) {
			fprintf(stderr, "cronrate: \"%s\": %s\n", argv[a], err);
			return 1;
		}
		i = 0;
		t0 = bench_now();
		do {
			for (b = 0; b < CR_BATCH; b++, i++) {
				after = CR_BASE_MS +
				    (i * CR_STRIDE % CR_MINUTES) * 60000 +
				    (i % 60) * 1000;
				if ((error = cron_next(&e, z, after, &next))
				    != 0) {
					fprintf(stderr, "cronrate: \"%s\": "
					    "cron_next: error %d\n", argv[a],
					    error);
					return 1;
				}
				sum += next - after;
			}
			t = bench_now();
		} while (t - t0 < limit);
		printf("%.0f %lld %s\n", i / (t - t0), (long long)i, argv[a]);
	}
	tz_free(z);
	/* The sum keeps the computations from being optimised away. */
	return sum == 0 ? 2 : 0;
usage:
	fprintf(stderr, "usage: cronrate [-t MS] [-z ZONE] EXPR ...\n");
	return 64;
}
