/*
 * Unit tests for clock's time arithmetic: clock_add() saturates instead of
 * overflowing (run under UBSan, an overflow would abort), clock_wall_add()
 * also caps at CLOCK_WALL_MAX_MS.  Exact expected values.  And the test
 * clock's two forms: an absolute time is every process's (the database
 * server's too), an offset is a wrong host clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>

#include <cmocka.h>

#include "jobd/clock.h"
#include "testdir.h"

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

static void
put(const char *path, const char *text)
{
	FILE *f;

	assert_non_null(f = fopen(path, "w"));
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void
test_clock_test_forms(void **state)
{
	const struct jd_clock *c;
	char dir[256], path[300];
	int64_t sys, t;

	(void)state;
	assert_false(clock_is_test_absolute(&clock_system));
	test_tmpdir(dir, sizeof(dir), "clock");
	snprintf(path, sizeof(path), "%s/clock", dir);
	assert_int_equal(setenv("JOBD_TEST_CLOCK", path, 1), 0);
	c = clock_default();
	assert_ptr_not_equal(c, &clock_system);

	put(path, "1796083200000\n");
	assert_int_equal(clock_wall_ms(c), NOW);
	assert_true(clock_is_test_absolute(c));

	put(path, "+600000\n");
	sys = clock_wall_ms(&clock_system);
	t = clock_wall_ms(c);
	assert_true(t >= sys + 600000 && t < sys + 660000);
	assert_false(clock_is_test_absolute(c));

	put(path, "-5000");
	sys = clock_wall_ms(&clock_system);
	t = clock_wall_ms(c);
	assert_true(t >= sys - 5000 && t < sys + 55000);
	assert_false(clock_is_test_absolute(c));

	/* Half written: the last reading stands, in its form. */
	put(path, "1796083200000\n");
	assert_true(clock_is_test_absolute(c));
	put(path, "");
	assert_int_equal(clock_wall_ms(c), NOW);
	assert_true(clock_is_test_absolute(c));

	assert_int_equal(unsetenv("JOBD_TEST_CLOCK"), 0);
	assert_ptr_equal(clock_default(), &clock_system);
	test_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock_add_exact),
		cmocka_unit_test(test_clock_add_saturates),
		cmocka_unit_test(test_clock_wall_add_caps),
		cmocka_unit_test(test_clock_test_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
