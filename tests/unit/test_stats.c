/*
 * Unit tests for stats: nearest-rank percentiles (the rank, and the value
 * it picks from known sorted durations) and the failure rate in tenths
 * of a percent.  Exact expected values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include "jobd/stats.h"

/* The pct-th percentile of the sorted values v[0..n-1], as stats picks it. */
static int64_t
pick(const int64_t *v, int64_t n, int pct)
{
	int64_t r = stats_rank(n, pct);

	return r == 0 ? -1 : v[r - 1];
}

static void
test_stats_rank_nearest(void **state)
{
	(void)state;
	/* ceil(p * n / 100), at least 1. */
	assert_int_equal(stats_rank(1, 50), 1);
	assert_int_equal(stats_rank(1, 95), 1);
	assert_int_equal(stats_rank(2, 50), 1);
	assert_int_equal(stats_rank(2, 95), 2);
	assert_int_equal(stats_rank(3, 50), 2);
	assert_int_equal(stats_rank(4, 50), 2);
	assert_int_equal(stats_rank(5, 50), 3);
	assert_int_equal(stats_rank(10, 50), 5);
	assert_int_equal(stats_rank(10, 95), 10);
	assert_int_equal(stats_rank(20, 95), 19);
	assert_int_equal(stats_rank(21, 95), 20);
	assert_int_equal(stats_rank(100, 95), 95);
	assert_int_equal(stats_rank(101, 95), 96);
	assert_int_equal(stats_rank(100, 100), 100);
	assert_int_equal(stats_rank(100, 1), 1);
	assert_int_equal(stats_rank(1000, 50), 500);
	assert_int_equal(stats_rank(1001, 50), 501);
}

static void
test_stats_rank_edges(void **state)
{
	(void)state;
	assert_int_equal(stats_rank(0, 50), 0);
	assert_int_equal(stats_rank(-3, 50), 0);
	assert_int_equal(stats_rank(7, 0), 1);		/* clamped to 1% */
	assert_int_equal(stats_rank(7, 250), 7);	/* clamped to 100% */
	/* No overflow, however many values. */
	assert_int_equal(stats_rank(INT64_MAX, 100), INT64_MAX);
	assert_int_equal(stats_rank(INT64_MAX, 50),
	    INT64_MAX / 100 * 50 + (INT64_MAX % 100 * 50 + 99) / 100);
}

static void
test_stats_percentile_known_durations(void **state)
{
	static const int64_t tens[] = { 1000, 2000, 3000, 4000, 5000, 6000,
	    7000, 8000, 9000, 10000 };
	static const int64_t four[] = { 100, 200, 300, 400 };
	static const int64_t one[] = { 4242 };
	/* 19 fast runs and one slow one: p95 is the 19th, not the outlier. */
	int64_t twenty[20];
	int i;

	(void)state;
	assert_int_equal(pick(tens, 10, 50), 5000);
	assert_int_equal(pick(tens, 10, 95), 10000);
	assert_int_equal(pick(four, 4, 50), 200);
	assert_int_equal(pick(four, 4, 95), 400);
	assert_int_equal(pick(one, 1, 50), 4242);
	assert_int_equal(pick(one, 1, 95), 4242);
	for (i = 0; i < 19; i++)
		twenty[i] = 10 + i;
	twenty[19] = 60000;
	assert_int_equal(pick(twenty, 20, 50), 19);
	assert_int_equal(pick(twenty, 20, 95), 28);
	assert_int_equal(pick(twenty, 0, 50), -1);
}

static void
test_stats_rate(void **state)
{
	(void)state;
	assert_int_equal(stats_rate_permille(0, 0), -1);
	assert_int_equal(stats_rate_permille(3, 0), -1);
	assert_int_equal(stats_rate_permille(0, 7), 0);
	assert_int_equal(stats_rate_permille(7, 7), 1000);
	assert_int_equal(stats_rate_permille(1, 4), 250);
	assert_int_equal(stats_rate_permille(1, 3), 333);
	assert_int_equal(stats_rate_permille(2, 3), 667);
	assert_int_equal(stats_rate_permille(1, 16), 63);	/* 62.5: up */
	assert_int_equal(stats_rate_permille(1, 2001), 0);	/* 0.49: down */
	assert_int_equal(stats_rate_permille(1, 1999), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_rank_nearest),
		cmocka_unit_test(test_stats_rank_edges),
		cmocka_unit_test(test_stats_percentile_known_durations),
		cmocka_unit_test(test_stats_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
