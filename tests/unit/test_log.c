/*
 * Unit tests for log's streaks: a repeated error is logged once, counted,
 * summarised once a period, and its end is logged with the count.  The
 * log lines are read back from stderr, pointed at a temporary file; times
 * are passed in, so no test waits.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "jobd/log.h"

#define T0	INT64_C(5000000)	/* a monotonic ms */

static FILE	*captured;
static int	 saved_stderr = -1;

static int
setup(void **state)
{
	(void)state;
	(void)unsetenv("JOURNAL_STREAM");
	log_init("jobd", LOG_LEVEL_INFO);
	if ((captured = tmpfile()) == NULL)
		return -1;
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	if (saved_stderr < 0 || dup2(fileno(captured), STDERR_FILENO) < 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	(void)dup2(saved_stderr, STDERR_FILENO);
	(void)close(saved_stderr);
	fclose(captured);
	return 0;
}

/* The lines logged since the last call, each without its timestamp. */
static char *
lines(int *n)
{
	static char buf[8192];
	char line[1024], *p;
	size_t len = 0;

	*n = 0;
	buf[0] = '\0';
	rewind(captured);
	while (fgets(line, sizeof(line), captured) != NULL) {
		/* "YYYY-MM-DD HH:MM:SS.mmm jobd LEVEL: message" */
		p = strstr(line, " jobd ");
		assert_non_null(p);
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s",
		    p + 6);
		(*n)++;
	}
	rewind(captured);
	assert_int_equal(ftruncate(fileno(captured), 0), 0);
	return buf;
}

static void
test_streak_once_then_counted(void **state)
{
	struct log_streak ls;
	int n, i;

	(void)state;
	memset(&ls, 0, sizeof(ls));
	assert_true(log_streak_warnx(&ls, T0, "disk full",
	    "recording %d results: disk full", 1));
	for (i = 1; i <= 500; i++)
		assert_false(log_streak_warnx(&ls, T0 + i * 100, "disk full",
		    "recording %d results: disk full", i + 1));
	assert_string_equal(lines(&n),
	    "warning: recording 1 results: disk full\n");
	assert_int_equal(n, 1);
	assert_int_equal(ls.total, 501);

	/* A period after the last line: one summary with the count. */
	assert_true(log_streak_warnx(&ls, T0 + LOG_STREAK_PERIOD_MS,
	    "disk full", "claiming jobs: disk full"));
	assert_string_equal(lines(&n), "warning: claiming jobs: disk full "
	    "(repeated 501 times in the last 60 s)\n");
	assert_false(log_streak_warnx(&ls, T0 + LOG_STREAK_PERIOD_MS + 1,
	    "disk full", "claiming jobs: disk full"));
	assert_string_equal(lines(&n), "");

	assert_int_equal(log_streak_end(&ls, T0 + 90000, "database %s works "
	    "again", "jobs.db"), 503);
	assert_string_equal(lines(&n), "info: database jobs.db works again "
	    "after 503 failures in 90 s\n");
	assert_string_equal(ls.key, "");

	/* No streak: ending it says nothing; a new error is logged. */
	assert_int_equal(log_streak_end(&ls, T0 + 91000, "again"), 0);
	assert_string_equal(lines(&n), "");
	assert_true(log_streak_warnx(&ls, T0 + 92000, "disk full",
	    "recording 1 results: disk full"));
	(void)lines(&n);
	assert_int_equal(n, 1);
}

static void
test_streak_other_error(void **state)
{
	struct log_streak ls;
	int n;

	(void)state;
	memset(&ls, 0, sizeof(ls));
	assert_true(log_streak_warnx(&ls, T0, "database is locked", "a: "
	    "database is locked"));
	assert_false(log_streak_warnx(&ls, T0 + 10, "database is locked",
	    "b: database is locked"));
	assert_false(log_streak_warnx(&ls, T0 + 20, "database is locked",
	    "c: database is locked"));
	assert_true(log_streak_warnx(&ls, T0 + 2500, "disk I/O error",
	    "d: disk I/O error"));
	assert_string_equal(lines(&n),
	    "warning: a: database is locked\n"
	    "warning: the previous error repeated 2 more times in 3 s: "
	    "database is locked\n"
	    "warning: d: disk I/O error\n");
	/* Straight back to the first: logged again, nothing to summarise. */
	assert_true(log_streak_warnx(&ls, T0 + 2600, "database is locked",
	    "e: database is locked"));
	assert_string_equal(lines(&n), "warning: e: database is locked\n");
	assert_int_equal(log_streak_end(&ls, T0 + 4000, "ok"), 5);
	assert_string_equal(lines(&n), "info: ok after 5 failures in 4 s\n");
}

static void
test_streak_keeps_errno(void **state)
{
	struct log_streak ls;
	int n;

	(void)state;
	memset(&ls, 0, sizeof(ls));
	errno = ENOSPC;
	(void)log_streak_warnx(&ls, T0, "x", "x");
	assert_int_equal(errno, ENOSPC);
	(void)log_streak_warnx(&ls, T0 + 1, "x", "x");
	assert_int_equal(errno, ENOSPC);
	(void)log_streak_end(&ls, T0 + 2, "y");
	assert_int_equal(errno, ENOSPC);
	(void)lines(&n);
	assert_int_equal(n, 2);
}

static void
test_streak_empty_key(void **state)
{
	struct log_streak ls;
	int n;

	(void)state;
	memset(&ls, 0, sizeof(ls));
	assert_true(log_streak_warnx(&ls, T0, "", "no text"));
	assert_false(log_streak_warnx(&ls, T0 + 1, "", "no text"));
	(void)lines(&n);
	assert_int_equal(n, 1);
	assert_int_equal(log_streak_end(&ls, T0 + 2, "over"), 2);
	(void)lines(&n);
	assert_int_equal(n, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_streak_once_then_counted),
		cmocka_unit_test(test_streak_other_error),
		cmocka_unit_test(test_streak_keeps_errno),
		cmocka_unit_test(test_streak_empty_key),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
