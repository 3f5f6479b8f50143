/*
 * Unit tests for clock's time arithmetic: clock_add() saturates instead of
 * overflowing (run under UBSan, an overflow would abort), clock_wall_add()
 * also caps at CLOCK_WALL_MAX_MS.  Exact expected values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include "jobd/clock.h"

#define NOW	INT64_C(1796083200000)	/* 2026-12-01T00:00:00Z */

static void
test_clock_add_exact(void **state)
{
	(void)state;
	assert_int_equal(clock_add(NOW, 1000), NOW + 1000);
	assert_int_equal(clock_add(NOW, 0), NOW);
	assert_int_equal(clock_add(NOW, -NOW), 0);
	assert_int_equal(clock_add(-5, 3), -2);
	assert_int_equal(clock_add(INT64_MAX - 1, 1), INT64_MAX);
	assert_int_equal(clock_add(INT64_MIN + 1, -1), INT64_MIN);
	assert_int_equal(clock_add(INT64_MAX, INT64_MIN), -1);
}

static void
test_clock_add_saturates(void **state)
{
	(void)state;
	assert_int_equal(clock_add(NOW, INT64_MAX), INT64_MAX);
	assert_int_equal(clock_add(INT64_MAX, 1), INT64_MAX);
	assert_int_equal(clock_add(INT64_MAX, INT64_MAX), INT64_MAX);
	assert_int_equal(clock_add(1, INT64_MAX), INT64_MAX);
	assert_int_equal(clock_add(-NOW, INT64_MIN), INT64_MIN);
	assert_int_equal(clock_add(INT64_MIN, -1), INT64_MIN);
	assert_int_equal(clock_add(INT64_MIN, INT64_MIN), INT64_MIN);
}

static void
test_clock_wall_add_caps(void **state)
{
	(void)state;
	assert_int_equal(CLOCK_WALL_MAX_MS, INT64_C(253402300799999));
	assert_int_equal(clock_wall_add(NOW, 60000), NOW + 60000);
	assert_int_equal(clock_wall_add(NOW, INT64_MAX), CLOCK_WALL_MAX_MS);
	assert_int_equal(clock_wall_add(NOW, CLOCK_WALL_MAX_MS - NOW),
	    CLOCK_WALL_MAX_MS);
	assert_int_equal(clock_wall_add(NOW, CLOCK_WALL_MAX_MS - NOW + 1),
	    CLOCK_WALL_MAX_MS);
	assert_int_equal(clock_wall_add(CLOCK_WALL_MAX_MS, 1),
	    CLOCK_WALL_MAX_MS);
	assert_int_equal(clock_wall_add(INT64_MAX, INT64_MAX),
	    CLOCK_WALL_MAX_MS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock_add_exact),
		cmocka_unit_test(test_clock_add_saturates),
		cmocka_unit_test(test_clock_wall_add_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
