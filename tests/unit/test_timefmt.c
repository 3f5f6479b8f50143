/*
 * Unit tests for timefmt: durations, points in time, local-time edge cases
 * (DST gaps and repeated hours) and every printed form.  Table-driven; the
 * tables give exact expected values, checked by hand against date(1) and
 * zdump(8) for the local-time cases.  Single-threaded: the tests change TZ
 * with setenv() and tzset().
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "jobd/timefmt.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define SENTINEL	INT64_C(-424242)	/* out-param not written */
#define T_2026_01_01	INT64_C(1767225600000)	/* 2026-01-01T00:00:00Z */
#define T_2026_12_01_03	INT64_C(1796094000000)	/* 2026-12-01T03:00:00Z */
#define T_NOW		T_2026_01_01		/* the fixed "now" */

#define SEC		INT64_C(1000)
#define MIN		(60 * SEC)
#define HOUR		(60 * MIN)
#define DAY		(24 * HOUR)

static void
set_tz(const char *tz)
{
	assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

/*
 * Check that a failed parse left a one-line message that names the input:
 * "invalid <kind> <quoted>: ...".  quoted NULL means "\"<in>\"".
 */
static void
check_message(const char *err, const char *kind, const char *in,
    const char *quoted)
{
	char want[256];

	if (quoted != NULL)
		(void)snprintf(want, sizeof(want), "invalid %s %s: ", kind,
		    quoted);
	else
		(void)snprintf(want, sizeof(want), "invalid %s \"%s\": ", kind,
		    in);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("input \"%s\": message \"%s\" does not start with "
		    "\"%s\"", in, err, want);
	assert_null(strchr(err, '\n'));
	assert_true(strlen(err) > strlen(want));
}

/* Durations. */

static const struct {
	const char	*in;
	int64_t		 ms;
} valid_durations[] = {
	{ "0s",			0 },
	{ "0ms",		0 },
	{ "00s",		0 },
	{ "1ms",		1 },
	{ "500ms",		500 },
	{ "999ms",		999 },
	{ "1000ms",		1000 },
	{ "1s",			SEC },
	{ "90s",		90 * SEC },
	{ "3600s",		HOUR },
	{ "1m",			MIN },
	{ "5m",			5 * MIN },
	{ "007m",		7 * MIN },
	{ "60m",		HOUR },
	{ "1m30s",		90 * SEC },
	{ "10s250ms",		10 * SEC + 250 },
	{ "1h",			HOUR },
	{ "1h30m",		90 * MIN },
	{ "1h1ms",		HOUR + 1 },
	{ "2h0m",		2 * HOUR },
	{ "24h",		DAY },
	{ "2d",			2 * DAY },
	{ "1d12h",		DAY + 12 * HOUR },
	{ "1d1s",		DAY + SEC },
	{ "1d0h0m0s0ms",	DAY },
	{ "1d2h3m4s5ms",	DAY + 2 * HOUR + 3 * MIN + 4 * SEC + 5 },
	{ "365d",		365 * DAY },
	{ "9223372036854775807ms", INT64_MAX },
	{ "106751991167d",	INT64_C(9223372036828800000) },
	{ "106751991167d25975807ms", INT64_MAX },
};

static const struct {
	const char	*in;
	int		 rc;
	const char	*quoted;	/* NULL: "\"" in "\"" */
} invalid_durations[] = {
	{ "",			-EINVAL, NULL },
	{ "90",			-EINVAL, NULL },
	{ "5x",			-EINVAL, NULL },
	{ "30m1h",		-EINVAL, NULL },
	{ "1h1h",		-EINVAL, NULL },
	{ "1ms1s",		-EINVAL, NULL },
	{ "1s1s",		-EINVAL, NULL },
	{ "-5m",		-EINVAL, NULL },
	{ "+5m",		-EINVAL, NULL },
	{ "5 m",		-EINVAL, NULL },
	{ " 5m",		-EINVAL, NULL },
	{ "5m ",		-EINVAL, NULL },
	{ "1.5h",		-EINVAL, NULL },
	{ "1,5h",		-EINVAL, NULL },
	{ "1h30",		-EINVAL, NULL },
	{ "h",			-EINVAL, NULL },
	{ "ms",			-EINVAL, NULL },
	{ "1hm",		-EINVAL, NULL },
	{ "5M",			-EINVAL, NULL },
	{ "5H",			-EINVAL, NULL },
	{ "5min",		-EINVAL, NULL },
	{ "5sec",		-EINVAL, NULL },
	{ "5mss",		-EINVAL, NULL },
	{ "1d 2h",		-EINVAL, NULL },
	{ "1h-5m",		-EINVAL, NULL },
	{ "1e3ms",		-EINVAL, NULL },
	{ "0x10s",		-EINVAL, NULL },
	{ "\xd9\xa3s",		-EINVAL, NULL },	/* Arabic-Indic 3 */
	{ "5\xef\xbd\x8d",	-EINVAL, NULL },	/* fullwidth m */
	{ "5\t",		-EINVAL, "\"5\\x09\"" },
	{ "5m\n",		-EINVAL, "\"5m\\x0a\"" },
	{ "99999999999999999999999x", -EINVAL, NULL },
	{ "9223372036854775808ms", -ERANGE, NULL },
	{ "106751991168d",	-ERANGE, NULL },
	{ "106751991167d25975808ms", -ERANGE, NULL },
	{ "99999999999999999999999s", -ERANGE, NULL },
	{ "106751991167d24h",	-ERANGE, NULL },
};

static void
test_timefmt_duration_valid(void **state)
{
	char err[256];
	int64_t ms;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(valid_durations); i++) {
		ms = SENTINEL;
		err[0] = '\0';
		if (timefmt_parse_duration(valid_durations[i].in, &ms, err,
		    sizeof(err)) != 0)
			fail_msg("\"%s\": %s", valid_durations[i].in, err);
		if (ms != valid_durations[i].ms)
			fail_msg("\"%s\": got %lld, want %lld",
			    valid_durations[i].in, (long long)ms,
			    (long long)valid_durations[i].ms);
	}
}

static void
test_timefmt_duration_invalid(void **state)
{
	char err[256];
	int64_t ms;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < NELEM(invalid_durations); i++) {
		ms = SENTINEL;
		err[0] = '\0';
		rc = timefmt_parse_duration(invalid_durations[i].in, &ms, err,
		    sizeof(err));
		if (rc != invalid_durations[i].rc)
			fail_msg("\"%s\": got %d, want %d (%s)",
			    invalid_durations[i].in, rc,
			    invalid_durations[i].rc, err);
		assert_int_equal(ms, SENTINEL);
		check_message(err, "duration", invalid_durations[i].in,
		    invalid_durations[i].quoted);
	}
}

static void
test_timefmt_duration_messages(void **state)
{
	char err[256];
	int64_t ms;

	(void)state;
	assert_int_equal(timefmt_parse_duration("5x", &ms, err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(err, "invalid duration \"5x\": unknown unit \"x\" "
	    "(use ms, s, m, h or d)");
	assert_int_equal(timefmt_parse_duration("90", &ms, err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(err, "invalid duration \"90\": missing unit "
	    "(e.g. 90s)");
	assert_int_equal(timefmt_parse_duration("1h30", &ms, err,
	    sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "missing unit (e.g. 30m)"));
	assert_int_equal(timefmt_parse_duration("30m1h", &ms, err,
	    sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "\"h\" cannot follow \"m\""));
	assert_int_equal(timefmt_parse_duration("1h1h", &ms, err,
	    sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unit \"h\" appears twice"));
	assert_int_equal(timefmt_parse_duration("1ms5s", &ms, err,
	    sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "nothing can follow \"ms\""));
	assert_int_equal(timefmt_parse_duration("9223372036854775808ms", &ms,
	    err, sizeof(err)), -ERANGE);
	assert_non_null(strstr(err, "106751991167d7h12m55s807ms"));
}

static void
test_timefmt_duration_err_buffer(void **state)
{
	char err[8], big[300], msg[512];
	int64_t ms = SENTINEL;

	(void)state;
	/* No buffer at all. */
	assert_int_equal(timefmt_parse_duration("5x", &ms, NULL, 0), -EINVAL);
	assert_int_equal(ms, SENTINEL);
	/* A zero length: untouched. */
	memcpy(err, "canary", 7);
	assert_int_equal(timefmt_parse_duration("5x", &ms, err, 0), -EINVAL);
	assert_string_equal(err, "canary");
	/* Too short: truncated, terminated. */
	assert_int_equal(timefmt_parse_duration("5x", &ms, err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(err, "invalid");
	/* A long input is cut in the message, which stays bounded. */
	memset(big, '7', sizeof(big) - 2);
	big[sizeof(big) - 2] = 'q';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(timefmt_parse_duration(big, &ms, msg, sizeof(msg)),
	    -EINVAL);
	assert_non_null(strstr(msg, "...\""));
	assert_true(strlen(msg) < 300);
	assert_int_equal(ms, SENTINEL);
}

static const struct {
	const char	*in;
	const char	*canon;
} canonical_durations[] = {
	{ "0s",		"0s" },
	{ "0ms",	"0s" },
	{ "1d0h0m0s0ms", "1d" },
	{ "1h30m",	"1h30m" },
	{ "90s",	"1m30s" },
	{ "60m",	"1h" },
	{ "25h",	"1d1h" },
	{ "1000ms",	"1s" },
	{ "1001ms",	"1s1ms" },
	{ "007m",	"7m" },
	{ "500ms",	"500ms" },
	{ "2d",		"2d" },
	{ "1d12h",	"1d12h" },
	{ "1d2h3m4s5ms", "1d2h3m4s5ms" },
	{ "86399999ms",	"23h59m59s999ms" },
	{ "9223372036854775807ms", "106751991167d7h12m55s807ms" },
};

static void
test_timefmt_duration_roundtrip(void **state)
{
	char buf[TIMEFMT_MAX];
	int64_t ms, back;
	uint64_t v;
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < NELEM(canonical_durations); i++) {
		assert_int_equal(timefmt_parse_duration(
		    canonical_durations[i].in, &ms, NULL, 0), 0);
		assert_int_equal(timefmt_format_duration(ms, buf,
		    sizeof(buf)), 0);
		assert_string_equal(buf, canonical_durations[i].canon);
		assert_int_equal(timefmt_parse_duration(buf, &back, NULL, 0),
		    0);
		assert_int_equal(back, ms);
	}
	/* parse(format(v)) == v over a spread of values. */
	v = 1;
	for (k = 0; k < 2000; k++) {
		v = v * UINT64_C(6364136223846793005) + 1442695040888963407;
		ms = (int64_t)((v >> 1) >> (k % 63));
		assert_int_equal(timefmt_format_duration(ms, buf, sizeof(buf)),
		    0);
		assert_int_equal(timefmt_parse_duration(buf, &back, NULL, 0),
		    0);
		assert_int_equal(back, ms);
	}
}

static void
test_timefmt_format_duration(void **state)
{
	char buf[TIMEFMT_MAX];

	(void)state;
	assert_int_equal(timefmt_format_duration(0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0s");
	assert_int_equal(timefmt_format_duration(500, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "500ms");
	assert_int_equal(timefmt_format_duration(90 * MIN, buf, sizeof(buf)),
	    0);
	assert_string_equal(buf, "1h30m");
	assert_int_equal(timefmt_format_duration(DAY + 2 * HOUR + 3 * MIN +
	    4 * SEC + 5, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1d2h3m4s5ms");
	assert_int_equal(timefmt_format_duration(DAY + 5, buf, sizeof(buf)),
	    0);
	assert_string_equal(buf, "1d5ms");
	assert_int_equal(timefmt_format_duration(-1, buf, sizeof(buf)),
	    -ERANGE);
	assert_int_equal(timefmt_format_duration(INT64_MIN, buf, sizeof(buf)),
	    -ERANGE);
}

/* Points in time. */

static const struct {
	const char	*in;
	int64_t		 ms;
} absolute_times[] = {
	{ "2026-01-01T00:00:00Z",	T_2026_01_01 },
	{ "2026-01-01 00:00:00Z",	T_2026_01_01 },
	{ "2026-01-01T00:00Z",		T_2026_01_01 },
	{ "2026-01-01 00:00Z",		T_2026_01_01 },
	{ "2026-12-01T03:00:00Z",	T_2026_12_01_03 },
	{ "2026-12-01T03:00:00.000Z",	T_2026_12_01_03 },
	{ "2026-12-01T03:00:00.5Z",	T_2026_12_01_03 + 500 },
	{ "2026-12-01T03:00:00.05Z",	T_2026_12_01_03 + 50 },
	{ "2026-12-01T03:00:00.123Z",	T_2026_12_01_03 + 123 },
	{ "2026-12-01T04:00:00+01:00",	T_2026_12_01_03 },
	{ "2026-12-01T04:00+0100",	T_2026_12_01_03 },
	{ "2026-12-01T04:00+01",	T_2026_12_01_03 },
	{ "2026-11-30T22:00-05:00",	T_2026_12_01_03 },
	{ "2026-11-30 22:00:00-0500",	T_2026_12_01_03 },
	{ "2026-12-01T03:00:00+00:00",	T_2026_12_01_03 },
	{ "2026-12-01T03:00:00-00:00",	T_2026_12_01_03 },
	{ "2026-12-01T03:00:00.999-00",	T_2026_12_01_03 + 999 },
	{ "2026-06-15T12:34:56+05:45",	INT64_C(1781506196000) },
	{ "2026-06-15T12:34:56+23:59",	INT64_C(1781440556000) },
	{ "2026-06-15T12:34:56-23:59",	INT64_C(1781613236000) },
	{ "1970-01-01T00:00:00Z",	0 },
	{ "1970-01-01T00:00:00+01:00",	-HOUR },
	{ "2024-02-29T12:00:00Z",	INT64_C(1709208000000) },
	{ "2000-02-29T00:00Z",		INT64_C(951782400000) },
	{ "2026-02-28T23:59:59Z",	INT64_C(1772323199000) },
	{ "9999-12-31T23:59:59Z",	INT64_C(253402300799000) },
	{ "9999-12-31T23:59:59.999Z",	INT64_C(253402300799999) },
	{ "@1767225600",		T_2026_01_01 },
	{ "@0",				0 },
	{ "@0001767225600",		T_2026_01_01 },
	{ "@9223372036854775",		INT64_C(9223372036854775000) },
	{ "now",			T_NOW },
	{ "+0s",			T_NOW },
	{ "+5m",			T_NOW + 5 * MIN },
	{ "+1h30m",			T_NOW + 90 * MIN },
	{ "+1d12h",			T_NOW + DAY + 12 * HOUR },
	{ "+500ms",			T_NOW + 500 },
};

static void
test_timefmt_time_absolute(void **state)
{
	char err[256];
	int64_t ms;
	size_t i;

	(void)state;
	/* These must not depend on the zone. */
	set_tz("Australia/Lord_Howe");
	for (i = 0; i < NELEM(absolute_times); i++) {
		ms = SENTINEL;
		err[0] = '\0';
		if (timefmt_parse_time(absolute_times[i].in, T_NOW, &ms, err,
		    sizeof(err)) != 0)
			fail_msg("\"%s\": %s", absolute_times[i].in, err);
		if (ms != absolute_times[i].ms)
			fail_msg("\"%s\": got %lld, want %lld",
			    absolute_times[i].in, (long long)ms,
			    (long long)absolute_times[i].ms);
	}
}

static const struct {
	const char	*in;
	int		 rc;
	const char	*msg;		/* a part of the message, or NULL */
} invalid_times[] = {
	{ "",				-EINVAL, "empty" },
	{ " 2026-01-01",		-EINVAL, NULL },
	{ "2026-01-01 ",		-EINVAL, NULL },
	{ "2026-01-01  12:00",		-EINVAL, NULL },
	{ "2025-02-29",			-EINVAL,
	    "day 29 is out of range for February 2025" },
	{ "2026-02-30",			-EINVAL,
	    "day 30 is out of range for February 2026" },
	{ "2100-02-29",			-EINVAL,
	    "day 29 is out of range for February 2100" },
	{ "2026-04-31",			-EINVAL,
	    "day 31 is out of range for April 2026" },
	{ "2026-01-00",			-EINVAL, "day 0" },
	{ "2026-13-01",			-EINVAL, "month 13" },
	{ "2026-00-10",			-EINVAL, "month 0" },
	{ "2026-01-01 24:00",		-EINVAL, "hour 24" },
	{ "2026-01-01 23:60",		-EINVAL, "minute 60" },
	{ "2026-01-01 23:59:60",	-EINVAL, "second 60" },
	{ "2026-12-31T23:59:60Z",	-EINVAL, "second 60" },
	{ "1969-12-31",			-EINVAL, "year 1969" },
	{ "0000-01-01T00:00Z",		-EINVAL, "year 0" },
	{ "2026-1-01",			-EINVAL, "month" },
	{ "2026-01-1",			-EINVAL, "day" },
	{ "26-01-01",			-EINVAL, "year" },
	{ "02026-01-01",		-EINVAL, "year" },
	{ "2026/01/01",			-EINVAL, NULL },
	{ "20260101",			-EINVAL, NULL },
	{ "2026-01-01x",		-EINVAL, "\"x\"" },
	{ "2026-01-01Z",		-EINVAL, NULL },
	{ "2026-01-01 12",		-EINVAL, NULL },
	{ "2026-01-01 1:00",		-EINVAL, NULL },
	{ "2026-01-01 12:0",		-EINVAL, NULL },
	{ "2026-01-01 12:000",		-EINVAL, NULL },
	{ "2026-01-01 12:00:5",		-EINVAL, NULL },
	{ "2026-01-01 12:00x",		-EINVAL, "\"x\"" },
	{ "2026-01-01 12:00:00 ",	-EINVAL, NULL },
	{ "2026-01-01t12:00",		-EINVAL, NULL },
	{ "2026-01-01T12:00z",		-EINVAL, NULL },
	{ "2026-01-01T12:00Zx",		-EINVAL, NULL },
	{ "2026-01-01T12:00ZZ",		-EINVAL, NULL },
	{ "2026-01-01T12:00 Z",		-EINVAL, NULL },
	{ "2026-01-01T12:00+24:00",	-EINVAL, "offset" },
	{ "2026-01-01T12:00+01:60",	-EINVAL, "offset" },
	{ "2026-01-01T12:00+1",		-EINVAL, "offset" },
	{ "2026-01-01T12:00+013",	-EINVAL, "offset" },
	{ "2026-01-01T12:00+01:3",	-EINVAL, "offset" },
	{ "2026-01-01T12:00+01:",	-EINVAL, "offset" },
	{ "2026-01-01T12:00+01300",	-EINVAL, "offset" },
	{ "2026-01-01T12:00+",		-EINVAL, "offset" },
	{ "2026-01-01T12:00:00.1234Z",	-EINVAL, NULL },
	{ "2026-01-01T12:00:00.Z",	-EINVAL, NULL },
	{ "2026-01-01T12:00.5Z",	-EINVAL, NULL },
	{ "now ",			-EINVAL, NULL },
	{ "nowx",			-EINVAL, NULL },
	{ "tomorrow",			-EINVAL, "needs a time of day" },
	{ "+",				-EINVAL, NULL },
	{ "+5x",			-EINVAL, "unknown unit \"x\"" },
	{ "+90",			-EINVAL, "missing unit" },
	{ "+-5m",			-EINVAL, NULL },
	{ "++5m",			-EINVAL, NULL },
	{ "+ 5m",			-EINVAL, NULL },
	{ "-5m",			-EINVAL, NULL },
	{ "@",				-EINVAL, NULL },
	{ "@-5",			-EINVAL, NULL },
	{ "@+5",			-EINVAL, NULL },
	{ "@ 5",			-EINVAL, NULL },
	{ "@12a",			-EINVAL, NULL },
	{ "@1.5",			-EINVAL, NULL },
	{ "@99999999999999999999999x",	-EINVAL, NULL },
	{ "@9223372036854776",		-ERANGE, NULL },
	{ "@99999999999999999999999",	-ERANGE, NULL },
	{ "+9223372036854775808ms",	-ERANGE, NULL },
	{ "+9223372036854775807ms",	-ERANGE, NULL },
};

static void
test_timefmt_time_invalid(void **state)
{
	char err[256];
	int64_t ms;
	size_t i;
	int rc;

	(void)state;
	set_tz("America/New_York");
	for (i = 0; i < NELEM(invalid_times); i++) {
		ms = SENTINEL;
		err[0] = '\0';
		rc = timefmt_parse_time(invalid_times[i].in, T_NOW, &ms, err,
		    sizeof(err));
		if (rc != invalid_times[i].rc)
			fail_msg("\"%s\": got %d, want %d (%s)",
			    invalid_times[i].in, rc, invalid_times[i].rc, err);
		assert_int_equal(ms, SENTINEL);
		check_message(err, "time", invalid_times[i].in, NULL);
		if (invalid_times[i].msg != NULL &&
		    strstr(err, invalid_times[i].msg) == NULL)
			fail_msg("\"%s\": message \"%s\" lacks \"%s\"",
			    invalid_times[i].in, err, invalid_times[i].msg);
	}
}

static void
test_timefmt_time_messages(void **state)
{
	char err[256];
	int64_t ms;

	(void)state;
	assert_int_equal(timefmt_parse_time("2026-02-30", T_NOW, &ms, err,
	    sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid time \"2026-02-30\": day 30 is out "
	    "of range for February 2026");
	assert_int_equal(timefmt_parse_time("+5x", T_NOW, &ms, err,
	    sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid time \"+5x\": unknown unit \"x\" "
	    "(use ms, s, m, h or d)");
	assert_int_equal(timefmt_parse_time("2026-02-30", T_NOW, &ms, NULL,
	    0), -EINVAL);
}

static void
test_timefmt_time_relative_overflow(void **state)
{
	int64_t ms = SENTINEL;

	(void)state;
	assert_int_equal(timefmt_parse_time("+1ms", INT64_MAX - 1, &ms, NULL,
	    0), 0);
	assert_int_equal(ms, INT64_MAX);
	ms = SENTINEL;
	assert_int_equal(timefmt_parse_time("+2ms", INT64_MAX - 1, &ms, NULL,
	    0), -ERANGE);
	assert_int_equal(timefmt_parse_time("+1d", INT64_MAX - DAY / 2, &ms,
	    NULL, 0), -ERANGE);
	assert_int_equal(ms, SENTINEL);
	/* A negative "now" is just arithmetic. */
	assert_int_equal(timefmt_parse_time("+106751991167d25975807ms", -1,
	    &ms, NULL, 0), 0);
	assert_int_equal(ms, INT64_MAX - 1);
}

/* Local times: expected values checked with date(1) and zdump(8). */

static const struct {
	const char	*tz;
	const char	*in;
	int64_t		 ms;
} local_times[] = {
	{ "America/New_York", "2026-07-04 12:00",
	    INT64_C(1783180800000) },
	{ "America/New_York", "2026-07-04T12:00",
	    INT64_C(1783180800000) },
	{ "America/New_York", "2026-01-15 08:30:15",
	    INT64_C(1768483815000) },
	{ "America/New_York", "2026-12-01",
	    INT64_C(1796101200000) },
	{ "America/New_York", "2025-12-31 19:00",	T_2026_01_01 },
	{ "America/New_York", "2026-03-08 01:59:59",
	    INT64_C(1772953199000) },
	{ "America/New_York", "2026-03-08 03:00",
	    INT64_C(1772953200000) },
	/* The repeated hour: the first (EDT) occurrence. */
	{ "America/New_York", "2026-11-01 01:00",
	    INT64_C(1793509200000) },
	{ "America/New_York", "2026-11-01 01:30",
	    INT64_C(1793511000000) },
	{ "America/New_York", "2026-11-01T01:30:00.250",
	    INT64_C(1793511000250) },
	{ "America/New_York", "2026-11-01 01:59:59",
	    INT64_C(1793512799000) },
	{ "America/New_York", "2026-11-01 02:00",
	    INT64_C(1793516400000) },
	/* Half-hour DST, southern hemisphere: first occurrence is +11. */
	{ "Australia/Lord_Howe", "2026-04-05 01:45",
	    INT64_C(1775313900000) },
	/* An offset change that is not a DST change (both sides isdst=0). */
	{ "Europe/Moscow", "2014-10-26 01:30",
	    INT64_C(1414272600000) },
	{ "UTC", "2026-06-01 12:00",
	    INT64_C(1780315200000) },
	{ "Europe/Berlin", "2026-12-01 04:00",		T_2026_12_01_03 },
};

static void
test_timefmt_time_local(void **state)
{
	char err[256];
	int64_t ms;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(local_times); i++) {
		set_tz(local_times[i].tz);
		ms = SENTINEL;
		err[0] = '\0';
		if (timefmt_parse_time(local_times[i].in, T_NOW, &ms, err,
		    sizeof(err)) != 0)
			fail_msg("%s \"%s\": %s", local_times[i].tz,
			    local_times[i].in, err);
		if (ms != local_times[i].ms)
			fail_msg("%s \"%s\": got %lld, want %lld",
			    local_times[i].tz, local_times[i].in,
			    (long long)ms, (long long)local_times[i].ms);
	}
}

static const struct {
	const char	*tz;
	const char	*in;
} nonexistent_times[] = {
	{ "America/New_York",	"2026-03-08 02:30" },
	{ "America/New_York",	"2026-03-08 02:00" },
	{ "America/New_York",	"2026-03-08T02:59:59" },
	{ "Australia/Lord_Howe", "2026-10-04 02:15" },
	/* Samoa skipped a whole day. */
	{ "Pacific/Apia",	"2011-12-30 12:00" },
	{ "Pacific/Apia",	"2011-12-30" },
};

static void
test_timefmt_time_local_gap(void **state)
{
	char err[256], want[128];
	int64_t ms;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(nonexistent_times); i++) {
		set_tz(nonexistent_times[i].tz);
		ms = SENTINEL;
		err[0] = '\0';
		if (timefmt_parse_time(nonexistent_times[i].in, T_NOW, &ms,
		    err, sizeof(err)) != -EINVAL)
			fail_msg("%s \"%s\": accepted as %lld",
			    nonexistent_times[i].tz, nonexistent_times[i].in,
			    (long long)ms);
		assert_int_equal(ms, SENTINEL);
		check_message(err, "time", nonexistent_times[i].in, NULL);
		(void)snprintf(want, sizeof(want), "does not exist in the "
		    "local time zone %s", nonexistent_times[i].tz);
		if (strstr(err, want) == NULL)
			fail_msg("message \"%s\" lacks \"%s\"", err, want);
	}
	set_tz("America/New_York");
	assert_int_equal(timefmt_parse_time("2026-03-08 02:30", T_NOW, &ms,
	    err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid time \"2026-03-08 02:30\": "
	    "2026-03-08 02:30:00 does not exist in the local time zone "
	    "America/New_York (the clocks skip it when changing from EST to "
	    "EDT)");
	/* With an explicit offset the same wall time is fine. */
	assert_int_equal(timefmt_parse_time("2026-03-08 02:30-05:00", T_NOW,
	    &ms, err, sizeof(err)), 0);
	assert_int_equal(ms, INT64_C(1772953200000) + 30 * MIN);
}

/*
 * at(1)'s everyday forms, in New York, from a fixed now: Wednesday
 * 2026-03-04 10:00 EST.  Daylight saving time starts on Sunday 2026-03-08
 * (02:00-03:00 is skipped) and ends on Sunday 2026-11-01 (01:00-02:00
 * repeats).  Expected values checked against Python's zoneinfo.
 */
#define T_WED_10	INT64_C(1772636400000)	/* 2026-03-04 10:00 EST */

static const struct {
	int64_t		 now;
	const char	*in;
	int64_t		 ms;
} at_times[] = {
	{ T_WED_10, "now",			T_WED_10 },
	{ T_WED_10, "NOW",			T_WED_10 },
	{ T_WED_10, "now + 2 hours",		T_WED_10 + 2 * HOUR },
	{ T_WED_10, "now + 1 hour",		T_WED_10 + HOUR },
	{ T_WED_10, "now +2 hours",		T_WED_10 + 2 * HOUR },
	{ T_WED_10, "now+2hours",		T_WED_10 + 2 * HOUR },
	{ T_WED_10, "now + 90 minutes",		T_WED_10 + 90 * MIN },
	{ T_WED_10, "now + 5 min",		T_WED_10 + 5 * MIN },
	{ T_WED_10, "now + 3 days",		T_WED_10 + 3 * DAY },
	{ T_WED_10, "now + 2 weeks",		T_WED_10 + 14 * DAY },
	{ T_WED_10, "Now + 1 Day",		T_WED_10 + DAY },
	{ T_WED_10, "now + 1h30m",		T_WED_10 + 90 * MIN },
	{ T_WED_10, "now +90s",			T_WED_10 + 90 * SEC },
	/* A time alone: today while it is ahead, else tomorrow. */
	{ T_WED_10, "23:00",			INT64_C(1772683200000) },
	{ T_WED_10, "09:00",			INT64_C(1772719200000) },
	{ T_WED_10, "9:00",			INT64_C(1772719200000) },
	{ T_WED_10, "10:00",			INT64_C(1772722800000) },
	{ T_WED_10, "10:00:30",			T_WED_10 + 30 * SEC },
	{ T_WED_10, "noon",			INT64_C(1772643600000) },
	{ T_WED_10, "midnight",			INT64_C(1772686800000) },
	{ T_WED_10, "teatime",			INT64_C(1772658000000) },
	{ T_WED_10, "3pm",			INT64_C(1772654400000) },
	{ T_WED_10, "3:30 pm",			INT64_C(1772656200000) },
	{ T_WED_10, "11am",			INT64_C(1772640000000) },
	{ T_WED_10, "11 AM",			INT64_C(1772640000000) },
	/* A day and a time, in either order. */
	{ T_WED_10, "tomorrow 03:00",		INT64_C(1772697600000) },
	{ T_WED_10, "03:00 tomorrow",		INT64_C(1772697600000) },
	{ T_WED_10, "tomorrow 10:00",		INT64_C(1772722800000) },
	{ T_WED_10, "today 08:00",		INT64_C(1772629200000) },
	{ T_WED_10, "today noon",		INT64_C(1772643600000) },
	{ T_WED_10, "friday 09:00",		INT64_C(1772805600000) },
	{ T_WED_10, "Fri 09:00",		INT64_C(1772805600000) },
	{ T_WED_10, "9am friday",		INT64_C(1772805600000) },
	{ T_WED_10, "midnight thursday",	INT64_C(1772686800000) },
	/* Today's weekday is a week away, across the change to EDT. */
	{ T_WED_10, "wednesday 11:00",		INT64_C(1773241200000) },
	{ T_WED_10, "monday 02:30",		INT64_C(1773037800000) },
	/* The repeated hour: its first occurrence (EDT) ... */
	{ INT64_C(1793507400000), "01:30",	INT64_C(1793511000000) },
	/* ... and when that is over, tomorrow's. */
	{ INT64_C(1793513400000), "01:45",	INT64_C(1793601900000) },
};

static const struct {
	int64_t		 now;
	const char	*in;
	const char	*msg;		/* a part of the message */
} at_invalid[] = {
	{ T_WED_10, "tomorrow",			"needs a time of day" },
	{ T_WED_10, "friday",			"needs a time of day" },
	{ T_WED_10, "tomorrow 25:00",		"hour 25 is out of range" },
	{ T_WED_10, "23:60",			"minute 60 is out of range" },
	{ T_WED_10, "3",			"ambiguous" },
	{ T_WED_10, "1500",			"ambiguous" },
	{ T_WED_10, "tomorrow 3",		"ambiguous" },
	{ T_WED_10, "12am",			"12am is ambiguous" },
	{ T_WED_10, "12 pm",			"12pm is ambiguous" },
	{ T_WED_10, "13pm",			"out of range" },
	{ T_WED_10, "now + 1 month",		"ambiguous" },
	{ T_WED_10, "now + 2 years",		"ambiguous" },
	{ T_WED_10, "now + 2 fortnights",	"unknown unit" },
	{ T_WED_10, "now +",			"expected" },
	{ T_WED_10, "now 2 hours",		"expected" },
	{ T_WED_10, "next friday 09:00",	"\"next\"" },
	{ T_WED_10, "in 2 hours",		"\"in\"" },
	{ T_WED_10, "12/25 09:00",		"YYYY-MM-DD" },
	{ T_WED_10, "tomorrow friday 09:00",	"more than one day" },
	{ T_WED_10, "03:00 04:00",		"more than one time" },
	{ T_WED_10, "noon midnight",		"more than one time" },
	{ T_WED_10, "9:5",			"not a time of day" },
	{ T_WED_10, "23:00 ",			"blanks" },
	{ T_WED_10, "soon",			"unknown word \"soon\"" },
	/* Long digit strings are no hour, and summing them must not overflow. */
	{ T_WED_10, "5001000675199",		"ambiguous" },
	{ T_WED_10, "5001000675199 pm",		"not a time of day" },
	{ T_WED_10, "tomorrow 5001000675199:00", "not a time of day" },
	/* The skipped hour: Sunday 2026-03-08 02:30 does not exist. */
	{ T_WED_10, "sunday 02:30",		"does not exist" },
	{ INT64_C(1772949600000), "02:30",	"does not exist" },
};

static void
test_timefmt_time_at(void **state)
{
	char err[256];
	int64_t ms;
	size_t i;

	(void)state;
	set_tz("America/New_York");
	for (i = 0; i < NELEM(at_times); i++) {
		ms = SENTINEL;
		err[0] = '\0';
		if (timefmt_parse_time(at_times[i].in, at_times[i].now, &ms,
		    err, sizeof(err)) != 0)
			fail_msg("\"%s\": %s", at_times[i].in, err);
		if (ms != at_times[i].ms)
			fail_msg("\"%s\": got %lld, want %lld", at_times[i].in,
			    (long long)ms, (long long)at_times[i].ms);
	}
	for (i = 0; i < NELEM(at_invalid); i++) {
		ms = SENTINEL;
		err[0] = '\0';
		if (timefmt_parse_time(at_invalid[i].in, at_invalid[i].now,
		    &ms, err, sizeof(err)) == 0)
			fail_msg("\"%s\": accepted as %lld", at_invalid[i].in,
			    (long long)ms);
		assert_int_equal(ms, SENTINEL);
		check_message(err, "time", at_invalid[i].in, NULL);
		if (strstr(err, at_invalid[i].msg) == NULL)
			fail_msg("\"%s\": message \"%s\" lacks \"%s\"",
			    at_invalid[i].in, err, at_invalid[i].msg);
	}
	/* The same wall time elsewhere is another instant. */
	set_tz("Europe/Berlin");
	assert_int_equal(timefmt_parse_time("tomorrow 03:00", T_WED_10, &ms,
	    err, sizeof(err)), 0);
	assert_int_equal(ms, INT64_C(1772676000000));
	set_tz("America/New_York");
}

/* Printing. */

static const struct {
	int64_t		 ms;
	const char	*out;		/* NULL: -ERANGE */
} utc_formats[] = {
	{ 0,				"1970-01-01T00:00:00.000Z" },
	{ 1,				"1970-01-01T00:00:00.001Z" },
	{ -1,				"1969-12-31T23:59:59.999Z" },
	{ -1000,			"1969-12-31T23:59:59.000Z" },
	{ -1001,			"1969-12-31T23:59:58.999Z" },
	{ T_2026_12_01_03,		"2026-12-01T03:00:00.000Z" },
	{ T_2026_12_01_03 + 7,		"2026-12-01T03:00:00.007Z" },
	{ INT64_C(1709208000000),	"2024-02-29T12:00:00.000Z" },
	{ INT64_C(253402300799999),	"9999-12-31T23:59:59.999Z" },
	{ INT64_C(-62167219200000),	"0000-01-01T00:00:00.000Z" },
	{ INT64_C(253402300800000),	NULL },
	{ INT64_C(-62167219200001),	NULL },
	{ INT64_MAX,			NULL },
	{ INT64_MIN,			NULL },
};

static void
test_timefmt_format_utc(void **state)
{
	char buf[TIMEFMT_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(utc_formats); i++) {
		if (utc_formats[i].out == NULL) {
			assert_int_equal(timefmt_format_utc(utc_formats[i].ms,
			    buf, sizeof(buf)), -ERANGE);
			continue;
		}
		assert_int_equal(timefmt_format_utc(utc_formats[i].ms, buf,
		    sizeof(buf)), 0);
		assert_string_equal(buf, utc_formats[i].out);
	}
}

static const struct {
	const char	*tz;
	int64_t		 ms;
	const char	*out;
} local_formats[] = {
	{ "Europe/Berlin",	T_2026_12_01_03,
	    "2026-12-01T04:00:00+01:00" },
	{ "Europe/Berlin",	T_2026_12_01_03 + 999,
	    "2026-12-01T04:00:00+01:00" },
	{ "UTC",		T_2026_12_01_03, "2026-12-01T03:00:00+00:00" },
	{ "America/New_York",	T_2026_12_01_03,
	    "2026-11-30T22:00:00-05:00" },
	{ "America/New_York",	INT64_C(1793511000000),
	    "2026-11-01T01:30:00-04:00" },
	{ "America/New_York",	INT64_C(1793514600000),
	    "2026-11-01T01:30:00-05:00" },
	{ "America/St_Johns",	T_2026_12_01_03,
	    "2026-11-30T23:30:00-03:30" },
	{ "Asia/Kolkata",	T_2026_12_01_03,
	    "2026-12-01T08:30:00+05:30" },
	{ "Asia/Kathmandu",	T_2026_12_01_03,
	    "2026-12-01T08:45:00+05:45" },
	{ "America/New_York",	-1,
	    "1969-12-31T18:59:59-05:00" },
};

static void
test_timefmt_format_local(void **state)
{
	char buf[TIMEFMT_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(local_formats); i++) {
		set_tz(local_formats[i].tz);
		assert_int_equal(timefmt_format_local(local_formats[i].ms, buf,
		    sizeof(buf)), 0);
		assert_string_equal(buf, local_formats[i].out);
	}
	assert_int_equal(timefmt_format_local(INT64_MAX, buf, sizeof(buf)),
	    -ERANGE);
	assert_int_equal(timefmt_format_local(INT64_MIN, buf, sizeof(buf)),
	    -ERANGE);
}

/* A spread of instants from 1970 to 9999, with milliseconds. */
static int64_t
spread(int k)
{
	uint64_t x = (uint64_t)k * UINT64_C(0x9e3779b97f4a7c15) + 12345;

	x ^= x >> 29;
	return (int64_t)(x % UINT64_C(253402300800000));
}

static void
test_timefmt_time_roundtrip(void **state)
{
	static const char *const zones[] = {
		"America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu",
	};
	char buf[TIMEFMT_MAX];
	int64_t ms, back, t;
	size_t z;
	int k;

	(void)state;
	/* format_utc then parse: exact, milliseconds included. */
	for (k = 0; k < 5000; k++) {
		ms = spread(k);
		assert_int_equal(timefmt_format_utc(ms, buf, sizeof(buf)), 0);
		assert_int_equal(timefmt_parse_time(buf, T_NOW, &back, NULL, 0),
		    0);
		assert_int_equal(back, ms);
	}
	/*
	 * format_local then parse: exact to the second, including every
	 * quarter hour around this year's DST changes in New York.
	 */
	for (z = 0; z < NELEM(zones); z++) {
		set_tz(zones[z]);
		for (k = 0; k < 2000; k++) {
			/* Keep the local year within 1970..9999. */
			ms = (DAY + spread(k) % (INT64_C(253402300800000) -
			    2 * DAY)) / SEC * SEC;
			assert_int_equal(timefmt_format_local(ms, buf,
			    sizeof(buf)), 0);
			assert_int_equal(timefmt_parse_time(buf, T_NOW, &back,
			    NULL, 0), 0);
			assert_int_equal(back, ms);
		}
	}
	set_tz("America/New_York");
	for (t = INT64_C(1772953200000) - 3 * HOUR;
	    t < INT64_C(1772953200000) + 3 * HOUR; t += 15 * MIN) {
		assert_int_equal(timefmt_format_local(t, buf, sizeof(buf)), 0);
		assert_int_equal(timefmt_parse_time(buf, T_NOW, &back, NULL, 0),
		    0);
		assert_int_equal(back, t);
	}
	for (t = INT64_C(1793516400000) - 3 * HOUR;
	    t < INT64_C(1793516400000) + 3 * HOUR; t += 15 * MIN) {
		assert_int_equal(timefmt_format_local(t, buf, sizeof(buf)), 0);
		assert_int_equal(timefmt_parse_time(buf, T_NOW, &back, NULL, 0),
		    0);
		assert_int_equal(back, t);
	}
}

static const struct {
	int64_t		 diff;		/* ms - now */
	const char	*out;
} relative_formats[] = {
	{ 0,					"now" },
	{ 999,					"now" },
	{ -999,					"now" },
	{ 1000,					"in 1s" },
	{ -1000,				"1s ago" },
	{ 59 * SEC + 999,			"in 59s" },
	{ 61 * SEC,				"in 1m1s" },
	{ 5 * MIN,				"in 5m" },
	{ 5 * MIN + 30 * SEC,			"in 5m30s" },
	{ 5 * MIN + 30 * SEC + 999,		"in 5m30s" },
	{ -(3 * HOUR + 12 * MIN + 30 * SEC),	"3h12m ago" },
	{ HOUR + 59 * SEC,			"in 1h" },
	{ 2 * DAY,				"in 2d" },
	{ -2 * DAY,				"2d ago" },
	{ 2 * DAY + 5 * MIN,			"in 2d" },
	{ 2 * DAY + HOUR + 59 * MIN,		"in 2d1h" },
	{ -(DAY + 23 * HOUR + 59 * MIN),	"1d23h ago" },
	{ 400 * DAY + 3 * HOUR,			"in 400d3h" },
};

static void
test_timefmt_format_relative(void **state)
{
	char buf[TIMEFMT_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(relative_formats); i++) {
		assert_int_equal(timefmt_format_relative(T_NOW +
		    relative_formats[i].diff, T_NOW, buf, sizeof(buf)), 0);
		assert_string_equal(buf, relative_formats[i].out);
	}
	/* The extremes do not overflow. */
	assert_int_equal(timefmt_format_relative(INT64_MAX, INT64_MIN, buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "in 213503982334d14h");
	assert_int_equal(timefmt_format_relative(INT64_MIN, INT64_MAX, buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "213503982334d14h ago");
	assert_int_equal(timefmt_format_relative(INT64_MIN, INT64_MIN, buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "now");
}

static void
test_timefmt_format_buffer_too_small(void **state)
{
	char buf[TIMEFMT_MAX];

	(void)state;
	/* "2026-12-01T03:00:00.000Z" is 24 characters. */
	assert_int_equal(timefmt_format_utc(T_2026_12_01_03, buf, 24),
	    -ERANGE);
	assert_string_equal(buf, "");
	assert_int_equal(timefmt_format_utc(T_2026_12_01_03, buf, 25), 0);
	assert_string_equal(buf, "2026-12-01T03:00:00.000Z");

	set_tz("Europe/Berlin");
	assert_int_equal(timefmt_format_local(T_2026_12_01_03, buf, 25),
	    -ERANGE);
	assert_string_equal(buf, "");
	assert_int_equal(timefmt_format_local(T_2026_12_01_03, buf, 26), 0);

	assert_int_equal(timefmt_format_duration(90 * MIN, buf, 5), -ERANGE);
	assert_string_equal(buf, "");
	assert_int_equal(timefmt_format_duration(90 * MIN, buf, 6), 0);
	assert_string_equal(buf, "1h30m");
	assert_int_equal(timefmt_format_duration(0, buf, 2), -ERANGE);
	assert_int_equal(timefmt_format_duration(0, buf, 3), 0);

	assert_int_equal(timefmt_format_relative(T_NOW + 330 * SEC, T_NOW,
	    buf, 8), -ERANGE);
	assert_string_equal(buf, "");
	assert_int_equal(timefmt_format_relative(T_NOW + 330 * SEC, T_NOW,
	    buf, 9), 0);
	assert_string_equal(buf, "in 5m30s");
	assert_int_equal(timefmt_format_relative(T_NOW, T_NOW, buf, 3),
	    -ERANGE);

	/* A zero length writes nothing; a NULL buffer is refused. */
	memcpy(buf, "canary", 7);
	assert_int_equal(timefmt_format_utc(0, buf, 0), -ERANGE);
	assert_int_equal(timefmt_format_local(0, buf, 0), -ERANGE);
	assert_int_equal(timefmt_format_duration(1, buf, 0), -ERANGE);
	assert_int_equal(timefmt_format_relative(0, 0, buf, 0), -ERANGE);
	assert_string_equal(buf, "canary");
	assert_int_equal(timefmt_format_utc(0, NULL, 0), -ERANGE);
	assert_int_equal(timefmt_format_duration(0, NULL, 0), -ERANGE);

	/* TIMEFMT_MAX is enough for the longest of each. */
	assert_int_equal(timefmt_format_duration(INT64_MAX, buf, TIMEFMT_MAX),
	    0);
	assert_int_equal(timefmt_format_relative(INT64_MIN, INT64_MAX, buf,
	    TIMEFMT_MAX), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timefmt_duration_valid),
		cmocka_unit_test(test_timefmt_duration_invalid),
		cmocka_unit_test(test_timefmt_duration_messages),
		cmocka_unit_test(test_timefmt_duration_err_buffer),
		cmocka_unit_test(test_timefmt_duration_roundtrip),
		cmocka_unit_test(test_timefmt_format_duration),
		cmocka_unit_test(test_timefmt_time_absolute),
		cmocka_unit_test(test_timefmt_time_invalid),
		cmocka_unit_test(test_timefmt_time_messages),
		cmocka_unit_test(test_timefmt_time_relative_overflow),
		cmocka_unit_test(test_timefmt_time_local),
		cmocka_unit_test(test_timefmt_time_local_gap),
		cmocka_unit_test(test_timefmt_time_at),
		cmocka_unit_test(test_timefmt_format_utc),
		cmocka_unit_test(test_timefmt_format_local),
		cmocka_unit_test(test_timefmt_time_roundtrip),
		cmocka_unit_test(test_timefmt_format_relative),
		cmocka_unit_test(test_timefmt_format_buffer_too_small),
	};

	set_tz("America/New_York");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
