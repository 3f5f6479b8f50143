/*
 * Unit tests for cron: the parser (exact bitsets and flags, refusals with
 * messages that name the field), next fire times with exact expected
 * instants in UTC and in zones with 30- and 45-minute offsets and DST
 * changes, and a brute-force cross-check of cron_next() against the rule
 * of DESIGN §7 applied minute by minute.
 *
 * Expected times are written as ISO 8601 with the offset in force, read
 * by iso() below.  The DST ones were derived by hand from
 * `zdump -v -c 2026,2027 ZONE` (tzdata 2025b):
 *
 *   America/New_York     Mar  8 07:00:00 2026 UT: 01:59:59 EST -> 03:00 EDT
 *                        Nov  1 06:00:00 2026 UT: 01:59:59 EDT -> 01:00 EST
 *   Europe/Berlin        Mar 29 01:00:00 2026 UT: 01:59:59 CET -> 03:00 CEST
 *                        Oct 25 01:00:00 2026 UT: 02:59:59 CEST -> 02:00 CET
 *   Australia/Lord_Howe  Apr  4 15:00:00 2026 UT: 01:59:59 +11 -> 01:30 +1030
 *                        Oct  3 15:30:00 2026 UT: 01:59:59 +1030 -> 02:30 +11
 *
 * so in New York 02:00-02:59 on March 8 does not exist and 01:00-01:59
 * on November 1 happens twice; in Berlin 02:00-02:59 on March 29 does not
 * exist and 02:00-02:59 on October 25 happens twice; on Lord Howe Island
 * 01:30-01:59 on April 5 happens twice and 02:00-02:29 on October 4 does
 * not exist.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jobd/clock.h"
#include "jobd/cron.h"
#include "jobd/tz.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#define B(n)		(UINT64_C(1) << (n))
#define RANGE(a, b)	((~UINT64_C(0) >> (63 - (b))) & (~UINT64_C(0) << (a)))
#define ALL_MIN		RANGE(0, 59)
#define ALL_HOUR	RANGE(0, 23)
#define ALL_MDAY	RANGE(1, 31)
#define ALL_MON		RANGE(1, 12)
#define ALL_WDAY	RANGE(0, 6)
#define ODD_MDAY	(B(1) | B(3) | B(5) | B(7) | B(9) | B(11) | B(13) | \
			 B(15) | B(17) | B(19) | B(21) | B(23) | B(25) | \
			 B(27) | B(29) | B(31))
#define MS		CRON_MDAY_STAR
#define WS		CRON_WDAY_STAR
#define FX		CRON_FIXED_TIME

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
test_days(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "2026-03-08T03:00:00-04:00", "2026-03-08T07:00Z",
 * "2026-03-08T01:59:59.999-05:00": UTC ms. */
static int64_t
iso(const char *s)
{
	int y, mo, d, h, mi, sec = 0, ms = 0, oh = 0, om = 0, n = 0;
	char sign = 'Z';

	if (sscanf(s, "%d-%d-%dT%d:%d%n", &y, &mo, &d, &h, &mi, &n) != 5)
		fail_msg("bad test time \"%s\"", s);
	s += n;
	if (*s == ':') {
		if (sscanf(s, ":%d%n", &sec, &n) != 1)
			fail_msg("bad test seconds \"%s\"", s);
		s += n;
	}
	if (*s == '.') {
		if (sscanf(s, ".%3d%n", &ms, &n) != 1 || n != 4)
			fail_msg("bad test milliseconds \"%s\"", s);
		s += n;
	}
	if (*s == '+' || *s == '-') {
		sign = *s;
		if (sscanf(s + 1, "%d:%d", &oh, &om) != 2)
			fail_msg("bad test offset \"%s\"", s);
	} else if (*s != 'Z')
		fail_msg("test time without zone \"%s\"", s);
	return ((test_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) -
	    (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60)) * 1000 + ms;
}

static struct tz *
load(const char *name)
{
	struct tz *z = NULL;
	char err[256];

	if (name == NULL)
		return NULL;
	if (tz_load(name, &z, err, sizeof(err)) != 0)
		fail_msg("tz_load(\"%s\"): %s", name, err);
	return z;
}

static struct cron_expr
parse(const char *spec)
{
	struct cron_expr e;
	char err[256];

	if (cron_parse(spec, &e, err, sizeof(err)) != 0)
		fail_msg("cron_parse(\"%s\"): %s", spec, err);
	return e;
}

/* Parsing: valid expressions and exactly what they parse to. */

static const struct {
	const char	*spec;
	uint64_t	 minute, hour, mday, month, wday;
	unsigned int	 flags;
} valid[] = {
	{ "* * * * *", ALL_MIN, ALL_HOUR, ALL_MDAY, ALL_MON, ALL_WDAY,
	    MS | WS },
	{ "0 0 * * *", B(0), B(0), ALL_MDAY, ALL_MON, ALL_WDAY,
	    MS | WS | FX },
	{ "*/15 * * * *", B(0) | B(15) | B(30) | B(45), ALL_HOUR, ALL_MDAY,
	    ALL_MON, ALL_WDAY, MS | WS },
	{ "0 */2 * * *", B(0), UINT64_C(0x555555), ALL_MDAY, ALL_MON,
	    ALL_WDAY, MS | WS },
	{ "5,10,15 1-3 * * *", B(5) | B(10) | B(15), B(1) | B(2) | B(3),
	    ALL_MDAY, ALL_MON, ALL_WDAY, MS | WS | FX },
	{ "0-59/20 * * * *", B(0) | B(20) | B(40), ALL_HOUR, ALL_MDAY,
	    ALL_MON, ALL_WDAY, MS | WS },
	{ "1-30/7 * * * *", B(1) | B(8) | B(15) | B(22) | B(29), ALL_HOUR,
	    ALL_MDAY, ALL_MON, ALL_WDAY, MS | WS },
	{ "0 0 1 1 *", B(0), B(0), B(1), B(1), ALL_WDAY, WS | FX },
	{ "0 0 * * 0", B(0), B(0), ALL_MDAY, ALL_MON, B(0), MS | FX },
	{ "0 0 * * 7", B(0), B(0), ALL_MDAY, ALL_MON, B(0), MS | FX },
	{ "0 0 * * 1-7", B(0), B(0), ALL_MDAY, ALL_MON, ALL_WDAY, MS | FX },
	{ "0 0 * * 5-7", B(0), B(0), ALL_MDAY, ALL_MON, B(5) | B(6) | B(0),
	    MS | FX },
	{ "0 0 * * mon-fri", B(0), B(0), ALL_MDAY, ALL_MON, RANGE(1, 5),
	    MS | FX },
	{ "0 0 * * MON,wed,Fri", B(0), B(0), ALL_MDAY, ALL_MON,
	    B(1) | B(3) | B(5), MS | FX },
	{ "0 0 * * sun,SAT", B(0), B(0), ALL_MDAY, ALL_MON, B(0) | B(6),
	    MS | FX },
	{ "0 0 * jan-mar *", B(0), B(0), ALL_MDAY, RANGE(1, 3), ALL_WDAY,
	    MS | WS | FX },
	{ "0 0 * JAN,Dec *", B(0), B(0), ALL_MDAY, B(1) | B(12), ALL_WDAY,
	    MS | WS | FX },
	{ "0 0 * */3 *", B(0), B(0), ALL_MDAY, B(1) | B(4) | B(7) | B(10),
	    ALL_WDAY, MS | WS | FX },
	{ "0 0 */2 * mon", B(0), B(0), ODD_MDAY, ALL_MON, B(1), MS | FX },
	{ "0 0 1-31/2 * mon", B(0), B(0), ODD_MDAY, ALL_MON, B(1), FX },
	{ "0 0 29 2 1", B(0), B(0), B(29), B(2), B(1), FX },
	{ "0 0 29 2 *", B(0), B(0), B(29), B(2), ALL_WDAY, WS | FX },
	{ "0 0 30 2 mon", B(0), B(0), B(30), B(2), B(1), FX },
	{ "0 0 */31 2 *", B(0), B(0), B(1), B(2), ALL_WDAY, MS | WS | FX },
	{ "@yearly", B(0), B(0), B(1), B(1), ALL_WDAY, WS | FX },
	{ "@annually", B(0), B(0), B(1), B(1), ALL_WDAY, WS | FX },
	{ "@monthly", B(0), B(0), B(1), ALL_MON, ALL_WDAY, WS | FX },
	{ "@weekly", B(0), B(0), ALL_MDAY, ALL_MON, B(0), MS | FX },
	{ "@daily", B(0), B(0), ALL_MDAY, ALL_MON, ALL_WDAY, MS | WS | FX },
	{ "@midnight", B(0), B(0), ALL_MDAY, ALL_MON, ALL_WDAY,
	    MS | WS | FX },
	{ "@hourly", B(0), ALL_HOUR, ALL_MDAY, ALL_MON, ALL_WDAY, MS | WS },
	{ "@reboot", 0, 0, 0, 0, 0, CRON_REBOOT },
	{ "  @daily\t", B(0), B(0), ALL_MDAY, ALL_MON, ALL_WDAY,
	    MS | WS | FX },
	{ "  0   0 * * *  ", B(0), B(0), ALL_MDAY, ALL_MON, ALL_WDAY,
	    MS | WS | FX },
	{ "0\t0\t*\t*\t*", B(0), B(0), ALL_MDAY, ALL_MON, ALL_WDAY,
	    MS | WS | FX },
	{ "59 23 31 12 6", B(59), B(23), B(31), B(12), B(6), FX },
	{ "00 05 * * *", B(0), B(5), ALL_MDAY, ALL_MON, ALL_WDAY,
	    MS | WS | FX },
	{ "5/15 * * * *", B(5) | B(20) | B(35) | B(50), ALL_HOUR, ALL_MDAY,
	    ALL_MON, ALL_WDAY, MS | WS },
	{ "*/60 * * * *", B(0), ALL_HOUR, ALL_MDAY, ALL_MON, ALL_WDAY,
	    MS | WS },
	{ "0 0 * * */2", B(0), B(0), ALL_MDAY, ALL_MON,
	    B(0) | B(2) | B(4) | B(6), MS | WS | FX },
	{ "0 0 * * 1/2", B(0), B(0), ALL_MDAY, ALL_MON,
	    B(1) | B(3) | B(5) | B(0), MS | FX },
	{ "0,30 9-17 * * mon-fri", B(0) | B(30), RANGE(9, 17), ALL_MDAY,
	    ALL_MON, RANGE(1, 5), MS | FX },
	{ "0 9-17/2 * * *", B(0), B(9) | B(11) | B(13) | B(15) | B(17),
	    ALL_MDAY, ALL_MON, ALL_WDAY, MS | WS | FX },
	{ "15 14 1 * *", B(15), B(14), B(1), ALL_MON, ALL_WDAY, WS | FX },
	{ "23 0-20/2 * * *", B(23), UINT64_C(0x155555), ALL_MDAY, ALL_MON,
	    ALL_WDAY, MS | WS | FX },
	{ "0 0,12 1 */2 *", B(0), B(0) | B(12), B(1),
	    B(1) | B(3) | B(5) | B(7) | B(9) | B(11), ALL_WDAY, WS | FX },
	{ "* 2 * * *", ALL_MIN, B(2), ALL_MDAY, ALL_MON, ALL_WDAY, MS | WS },
	{ "30 */1 * * *", B(30), ALL_HOUR, ALL_MDAY, ALL_MON, ALL_WDAY,
	    MS | WS },
	{ "0 0 31 1,3,5,7,8,10,12 *", B(0), B(0), B(31),
	    B(1) | B(3) | B(5) | B(7) | B(8) | B(10) | B(12), ALL_WDAY,
	    WS | FX },
	{ "0 0 1-1 * *", B(0), B(0), B(1), ALL_MON, ALL_WDAY, WS | FX },
	{ "59 23 * feb-feb,aug */7", B(59), B(23), ALL_MDAY, B(2) | B(8),
	    B(0), MS | WS | FX },
	{ "7 7 7 7 7", B(7), B(7), B(7), B(7), B(0), FX },
};

static void
test_cron_parse_valid(void **state)
{
	struct cron_expr e;
	char err[256];
	size_t i;
	int rc;

	(void)state;
	assert_true(NELEM(valid) >= 40);
	for (i = 0; i < NELEM(valid); i++) {
		err[0] = '\0';
		memset(&e, 0xa5, sizeof(e));
		if ((rc = cron_parse(valid[i].spec, &e, err, sizeof(err))) != 0)
			fail_msg("\"%s\": %d %s", valid[i].spec, rc, err);
		if (e.minute != valid[i].minute || e.hour != valid[i].hour ||
		    e.mday != valid[i].mday || e.month != valid[i].month ||
		    e.wday != valid[i].wday || e.flags != valid[i].flags)
			fail_msg("\"%s\": minute %#llx hour %#x mday %#x month "
			    "%#x wday %#x flags %#x", valid[i].spec,
			    (unsigned long long)e.minute, (unsigned)e.hour,
			    (unsigned)e.mday, (unsigned)e.month,
			    (unsigned)e.wday, e.flags);
	}
}

/* Parsing: refusals, each with the field its message must name. */

static const struct {
	const char	*spec;
	int		 error;
	const char	*names;		/* the field, or what to name */
	const char	*quotes;	/* a part the message must quote */
} invalid[] = {
	{ "", -EINVAL, "minute hour day-of-month month day-of-week", NULL },
	{ "   ", -EINVAL, "minute hour day-of-month month day-of-week",
	    NULL },
	{ "* * * *", -EINVAL, "minute hour day-of-month month day-of-week",
	    "has 4 fields" },
	{ "* * * * * *", -EINVAL, "minute hour day-of-month month "
	    "day-of-week", "has 6 fields" },
	{ "0 0 * * * echo hi", -EINVAL, "day-of-week", "has 7 fields" },
	{ "60 * * * *", -EINVAL, "minute field", "\"60\"" },
	{ "* 24 * * *", -EINVAL, "hour field", "\"24\"" },
	{ "* * 0 * *", -EINVAL, "day-of-month field", "\"0\"" },
	{ "* * 32 * *", -EINVAL, "day-of-month field", "\"32\"" },
	{ "* * * 0 *", -EINVAL, "month field", "\"0\"" },
	{ "* * * 13 *", -EINVAL, "month field", "\"13\"" },
	{ "* * * * 8", -EINVAL, "day-of-week field", "\"8\"" },
	{ "*/0 * * * *", -EINVAL, "minute field", "step 0" },
	{ "* * * * */0", -EINVAL, "day-of-week field", "step 0" },
	{ "0 0 1 */0 *", -EINVAL, "month field", "step 0" },
	{ "* 5-2 * * *", -EINVAL, "hour field", "range \"5-2\" runs "
	    "backwards" },
	{ "* * 20-10 * *", -EINVAL, "day-of-month field", "\"20-10\"" },
	{ "* * * dec-jan *", -EINVAL, "month field", "\"dec-jan\"" },
	{ "* * * * fri-mon", -EINVAL, "day-of-week field", "\"fri-mon\"" },
	{ "1,,2 * * * *", -EINVAL, "minute field", "empty list item" },
	{ "1, * * * *", -EINVAL, "minute field", "empty list item" },
	{ ",1 * * * *", -EINVAL, "minute field", "empty list item" },
	{ "* * * * mon,", -EINVAL, "day-of-week field", "empty list item" },
	{ "abc * * * *", -EINVAL, "minute field", "\"abc\"" },
	{ "* * * * monday", -EINVAL, "day-of-week field", "\"monday\"" },
	{ "* * * mon *", -EINVAL, "month field", "day name" },
	{ "* * * * jan", -EINVAL, "day-of-week field", "month name" },
	{ "* jan * * *", -EINVAL, "hour field", "month name" },
	{ "* * sun * *", -EINVAL, "day-of-month field", "day name" },
	{ "*5 * * * *", -EINVAL, "minute field", "'*'" },
	{ "** * * * *", -EINVAL, "minute field", "'*'" },
	{ "5-* * * * *", -EINVAL, "minute field", "\"*\"" },
	{ "1-2-3 * * * *", -EINVAL, "minute field", "unexpected \"-\"" },
	{ "*/ * * * *", -EINVAL, "minute field", "step" },
	{ "*/x * * * *", -EINVAL, "minute field", "step" },
	{ "*/61 * * * *", -EINVAL, "minute field", "step 61" },
	{ "* */25 * * *", -EINVAL, "hour field", "step 25" },
	{ "-1 * * * *", -EINVAL, "minute field", "unexpected \"-\"" },
	{ "1.5 * * * *", -EINVAL, "minute field", "unexpected \".\"" },
	{ "99999999999999999999 * * * *", -EINVAL, "minute field",
	    "out of range 0-59" },
	{ "0 0 * * 1\n", -EINVAL, "day-of-week field", "\\x0a" },
	{ "0 0 * * m\xc3\xb6n", -EINVAL, "day-of-week field", "\\xc3" },
	{ "5 4 * * sun-", -EINVAL, "day-of-week field", "missing" },
	{ "5 4 * * 1-2/", -EINVAL, "day-of-week field", "step" },
	{ "@DAILY", -EINVAL, "macro", "lower case" },
	{ "@Daily", -EINVAL, "macro", "\"@Daily\"" },
	{ "@fortnightly", -EINVAL, "macro", "\"@fortnightly\"" },
	{ "@", -EINVAL, "macro", "\"@\"" },
	{ "@daily 0", -EINVAL, "minute hour day-of-month month day-of-week",
	    "\"0\"" },
	{ "@reboot now", -EINVAL, "minute hour day-of-month", "\"now\"" },
	{ "0 0 30 2 *", -ERANGE, "day-of-month field", "never fires" },
	{ "0 0 31 2 *", -ERANGE, "day-of-month field", "month field \"2\"" },
	{ "0 0 31 4,6,9,11 *", -ERANGE, "day-of-month field",
	    "\"4,6,9,11\"" },
	{ "0 0 30,31 feb *", -ERANGE, "day-of-month field", "\"30,31\"" },
	{ "0 0 31 apr */7", -ERANGE, "day-of-month field", "never fires" },
};

static void
test_cron_parse_invalid(void **state)
{
	struct cron_expr e, before;
	char err[512];
	size_t i;
	int rc;

	(void)state;
	assert_true(NELEM(invalid) >= 40);
	memset(&before, 0x5a, sizeof(before));
	for (i = 0; i < NELEM(invalid); i++) {
		e = before;
		err[0] = '\0';
		rc = cron_parse(invalid[i].spec, &e, err, sizeof(err));
		if (rc != invalid[i].error)
			fail_msg("\"%s\": returned %d, want %d (%s)",
			    invalid[i].spec, rc, invalid[i].error, err);
		if (memcmp(&e, &before, sizeof(e)) != 0)
			fail_msg("\"%s\": *out written on failure",
			    invalid[i].spec);
		if (strstr(err, invalid[i].names) == NULL ||
		    (invalid[i].quotes != NULL &&
		    strstr(err, invalid[i].quotes) == NULL) ||
		    strchr(err, '\n') != NULL)
			fail_msg("\"%s\": message \"%s\" lacks \"%s\" or "
			    "\"%s\"", invalid[i].spec, err, invalid[i].names,
			    invalid[i].quotes ? invalid[i].quotes : "");
	}
}

static void
test_cron_parse_messages(void **state)
{
	static const struct {
		const char	*spec;
		const char	*msg;
	} msgs[] = {
		{ "0 25 * * *", "hour field \"25\": 25 is out of range 0-23" },
		{ "0 0 * * 1,,2", "day-of-week field \"1,,2\": empty list "
		    "item" },
		{ "* 5-2 * * *", "hour field \"5-2\": range \"5-2\" runs "
		    "backwards" },
		{ "*/0 * * * *", "minute field \"*/0\": step 0 is not "
		    "allowed" },
		{ "1,*/0 * * * *", "minute field \"1,*/0\": \"*/0\": step 0 "
		    "is not allowed" },
		{ "0 0 * * 1-2-3", "day-of-week field \"1-2-3\": unexpected "
		    "\"-\"" },
		{ "0 0 * * 5,1-2x", "day-of-week field \"5,1-2x\": unexpected "
		    "\"x\" in \"1-2x\"" },
		{ "0 0 * mon *", "month field \"mon\": \"mon\" is a day "
		    "name; the month field takes 1-12 or jan-dec" },
		{ "0 0 30 2 *", "day-of-month field \"30\" and month field "
		    "\"2\" name no date: the expression never fires" },
		{ "@DAILY", "unknown macro \"@DAILY\" (macros are lower case: "
		    "use @yearly, @annually, @monthly, @weekly, @daily, "
		    "@midnight, @hourly or @reboot)" },
		{ "* * *", "cron expression \"* * *\" has 3 fields; expected "
		    "5 (minute hour day-of-month month day-of-week)" },
	};
	struct cron_expr e;
	char err[512], small[16], longspec[CRON_EXPR_MAX + 40];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(msgs); i++) {
		(void)cron_parse(msgs[i].spec, &e, err, sizeof(err));
		assert_string_equal(err, msgs[i].msg);
	}
	/* A small buffer is truncated, NUL-terminated; NULL is fine. */
	assert_int_equal(cron_parse("0 25 * * *", &e, small, sizeof(small)),
	    -EINVAL);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(cron_parse("0 25 * * *", &e, NULL, 0), -EINVAL);
	assert_int_equal(cron_parse(NULL, &e, err, sizeof(err)), -EINVAL);
	/* Over-long input, even when it would otherwise be valid. */
	memset(longspec, ' ', sizeof(longspec));
	memcpy(longspec, "0 0 * * *", 9);
	longspec[CRON_EXPR_MAX + 1] = '\0';
	assert_int_equal(cron_parse(longspec, &e, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "too long"));
	longspec[CRON_EXPR_MAX] = '\0';		/* exactly the limit */
	assert_int_equal(cron_parse(longspec, &e, err, sizeof(err)), 0);
	/* Quoted input is bounded and escaped. */
	memset(longspec, '9', CRON_EXPR_MAX - 10);
	memcpy(longspec + CRON_EXPR_MAX - 10, " * * * *", 9);
	assert_int_equal(cron_parse(longspec, &e, err, sizeof(err)),
	    -EINVAL);
	assert_true(strlen(err) < 300);
	assert_non_null(strstr(err, "..."));
}

/* Next fire times: each row is an expression, a zone, a start, and the
 * fire times that follow, each strictly after the one before. */

static const struct {
	const char	*zone;		/* NULL: UTC */
	const char	*spec;
	const char	*after;
	const char	*want[7];
} nexts[] = {
	/* Leap days across years; 2100 is not a leap year. */
	{ NULL, "0 0 29 2 *", "2025-01-01T00:00Z",
	    { "2028-02-29T00:00Z", "2032-02-29T00:00Z",
	    "2036-02-29T00:00Z" } },
	{ NULL, "0 0 29 2 *", "2096-03-01T00:00Z",
	    { "2104-02-29T00:00Z" } },
	/* Both day fields restricted: February 29 or any Monday in
	 * February (2026-02-02 is a Monday). */
	{ NULL, "0 0 29 2 1", "2026-01-01T00:00Z",
	    { "2026-02-02T00:00Z", "2026-02-09T00:00Z", "2026-02-16T00:00Z",
	    "2026-02-23T00:00Z", "2027-02-01T00:00Z" } },
	{ NULL, "0 0 29 2 1", "2028-02-22T00:00Z",
	    { "2028-02-28T00:00Z", "2028-02-29T00:00Z",
	    "2029-02-05T00:00Z" } },
	/* The '*' subtlety: odd days that are Mondays (Mondays in January
	 * 2026: 5, 12, 19, 26; February: 2, 9, 16, 23) ... */
	{ NULL, "0 0 */2 * mon", "2026-01-01T00:00Z",
	    { "2026-01-05T00:00Z", "2026-01-19T00:00Z", "2026-02-09T00:00Z",
	    "2026-02-23T00:00Z" } },
	/* ... against odd days or Mondays. */
	{ NULL, "0 0 1-31/2 * mon", "2026-01-01T00:00Z",
	    { "2026-01-03T00:00Z", "2026-01-05T00:00Z", "2026-01-07T00:00Z",
	    "2026-01-09T00:00Z", "2026-01-11T00:00Z", "2026-01-12T00:00Z",
	    "2026-01-13T00:00Z" } },
	{ NULL, "@yearly", "2026-06-01T00:00Z", { "2027-01-01T00:00Z" } },
	{ NULL, "@annually", "2026-12-31T23:59Z", { "2027-01-01T00:00Z" } },
	{ NULL, "@monthly", "2026-06-01T00:00Z", { "2026-07-01T00:00Z" } },
	{ NULL, "@weekly", "2026-06-01T00:00Z", { "2026-06-07T00:00Z",
	    "2026-06-14T00:00Z" } },
	{ NULL, "@daily", "2026-06-01T00:00Z", { "2026-06-02T00:00Z" } },
	{ NULL, "@midnight", "2026-06-01T23:59:59Z",
	    { "2026-06-02T00:00Z" } },
	{ NULL, "@hourly", "2026-06-01T00:30Z", { "2026-06-01T01:00Z",
	    "2026-06-01T02:00Z" } },
	{ NULL, "*/5 * * * *", "2026-12-31T23:58Z", { "2027-01-01T00:00Z",
	    "2027-01-01T00:05Z" } },
	{ NULL, "59 23 31 12 *", "2026-01-01T00:00Z",
	    { "2026-12-31T23:59Z", "2027-12-31T23:59Z" } },
	{ NULL, "0 0 31 * *", "2026-01-31T00:00Z", { "2026-03-31T00:00Z",
	    "2026-05-31T00:00Z", "2026-07-31T00:00Z", "2026-08-31T00:00Z" } },
	{ NULL, "30 8 * * mon-fri", "2026-01-02T09:00Z",
	    { "2026-01-05T08:30Z", "2026-01-06T08:30Z" } },
	{ NULL, "0 12 * * 7", "2026-01-01T00:00Z", { "2026-01-04T12:00Z",
	    "2026-01-11T12:00Z" } },
	/* Friday the 13th is "13th or Friday" in cron. */
	{ NULL, "0 0 13 * 5", "2026-02-01T00:00Z", { "2026-02-06T00:00Z",
	    "2026-02-13T00:00Z", "2026-02-20T00:00Z", "2026-02-27T00:00Z",
	    "2026-03-06T00:00Z", "2026-03-13T00:00Z" } },
	{ NULL, "0 0 * * *", "1969-12-31T12:00Z", { "1970-01-01T00:00Z",
	    "1970-01-02T00:00Z" } },
	/* 30- and 45-minute offsets: fields match local time. */
	{ "Asia/Kolkata", "0 9 * * *", "2026-01-01T00:00Z",
	    { "2026-01-01T09:00+05:30", "2026-01-02T09:00+05:30" } },
	{ "Asia/Kolkata", "*/20 * * * *", "2026-01-01T00:00Z",
	    { "2026-01-01T05:40+05:30", "2026-01-01T06:00+05:30" } },
	{ "Asia/Kathmandu", "0 0 * * *", "2026-01-01T00:00Z",
	    { "2026-01-02T00:00+05:45", "2026-01-03T00:00+05:45" } },
	{ "Asia/Kathmandu", "15 * * * *", "2026-01-01T00:00Z",
	    { "2026-01-01T06:15+05:45", "2026-01-01T07:15+05:45" } },
	{ "Australia/Eucla", "*/30 * * * *", "2026-01-01T00:00Z",
	    { "2026-01-01T09:00+08:45", "2026-01-01T09:30+08:45" } },
	{ "Australia/Eucla", "0 0 1 1 *", "2026-06-01T00:00Z",
	    { "2027-01-01T00:00+08:45" } },

	/* New York, spring forward (March 8). */
	{ "America/New_York", "30 2 * * *", "2026-03-07T12:00-05:00",
	    { "2026-03-08T03:00-04:00", "2026-03-09T02:30-04:00" } },
	{ "America/New_York", "0 2 * * *", "2026-03-07T12:00-05:00",
	    { "2026-03-08T03:00-04:00", "2026-03-09T02:00-04:00" } },
	{ "America/New_York", "30 1 * * *", "2026-03-07T12:00-05:00",
	    { "2026-03-08T01:30-05:00", "2026-03-09T01:30-04:00" } },
	{ "America/New_York", "0 3 * * *", "2026-03-07T12:00-05:00",
	    { "2026-03-08T03:00-04:00", "2026-03-09T03:00-04:00" } },
	/* Several fixed times in the gap fire once, at its end. */
	{ "America/New_York", "0,15,30,45 2 * * *", "2026-03-07T12:00-05:00",
	    { "2026-03-08T03:00-04:00", "2026-03-09T02:00-04:00" } },
	{ "America/New_York", "*/15 * * * *", "2026-03-08T01:30-05:00",
	    { "2026-03-08T01:45-05:00", "2026-03-08T03:00-04:00",
	    "2026-03-08T03:15-04:00" } },
	{ "America/New_York", "30 * * * *", "2026-03-08T00:00-05:00",
	    { "2026-03-08T00:30-05:00", "2026-03-08T01:30-05:00",
	    "2026-03-08T03:30-04:00" } },
	{ "America/New_York", "@hourly", "2026-03-08T00:30-05:00",
	    { "2026-03-08T01:00-05:00", "2026-03-08T03:00-04:00",
	    "2026-03-08T04:00-04:00" } },
	/* Exactly at the change, and just before it. */
	{ "America/New_York", "30 2 * * *", "2026-03-08T01:59:59.999-05:00",
	    { "2026-03-08T03:00-04:00" } },
	{ "America/New_York", "30 2 * * *", "2026-03-08T03:00-04:00",
	    { "2026-03-09T02:30-04:00" } },

	/* New York, fall back (November 1). */
	{ "America/New_York", "30 2 * * *", "2026-10-31T12:00-04:00",
	    { "2026-11-01T02:30-05:00", "2026-11-02T02:30-05:00" } },
	{ "America/New_York", "0 2 * * *", "2026-10-31T12:00-04:00",
	    { "2026-11-01T02:00-05:00", "2026-11-02T02:00-05:00" } },
	{ "America/New_York", "30 1 * * *", "2026-10-31T12:00-04:00",
	    { "2026-11-01T01:30-04:00", "2026-11-02T01:30-05:00" } },
	{ "America/New_York", "30 1 * * *", "2026-11-01T01:15-05:00",
	    { "2026-11-02T01:30-05:00" } },
	{ "America/New_York", "0 3 * * *", "2026-10-31T12:00-04:00",
	    { "2026-11-01T03:00-05:00", "2026-11-02T03:00-05:00" } },
	{ "America/New_York", "*/15 * * * *", "2026-11-01T01:30-04:00",
	    { "2026-11-01T01:45-04:00", "2026-11-01T01:00-05:00",
	    "2026-11-01T01:15-05:00", "2026-11-01T01:30-05:00",
	    "2026-11-01T01:45-05:00", "2026-11-01T02:00-05:00" } },
	/* From late in the first pass, the second pass comes next. */
	{ "America/New_York", "*/15 * * * *", "2026-11-01T01:50-04:00",
	    { "2026-11-01T01:00-05:00", "2026-11-01T01:15-05:00" } },
	{ "America/New_York", "30 * * * *", "2026-11-01T00:00-04:00",
	    { "2026-11-01T00:30-04:00", "2026-11-01T01:30-04:00",
	    "2026-11-01T01:30-05:00", "2026-11-01T02:30-05:00" } },
	{ "America/New_York", "@hourly", "2026-11-01T00:30-04:00",
	    { "2026-11-01T01:00-04:00", "2026-11-01T01:00-05:00",
	    "2026-11-01T02:00-05:00" } },

	/* Berlin, spring forward (March 29). */
	{ "Europe/Berlin", "30 2 * * *", "2026-03-28T12:00+01:00",
	    { "2026-03-29T03:00+02:00", "2026-03-30T02:30+02:00" } },
	{ "Europe/Berlin", "0 2 * * *", "2026-03-28T12:00+01:00",
	    { "2026-03-29T03:00+02:00", "2026-03-30T02:00+02:00" } },
	{ "Europe/Berlin", "30 1 * * *", "2026-03-28T12:00+01:00",
	    { "2026-03-29T01:30+01:00", "2026-03-30T01:30+02:00" } },
	{ "Europe/Berlin", "0 3 * * *", "2026-03-28T12:00+01:00",
	    { "2026-03-29T03:00+02:00", "2026-03-30T03:00+02:00" } },
	{ "Europe/Berlin", "*/15 * * * *", "2026-03-29T01:30+01:00",
	    { "2026-03-29T01:45+01:00", "2026-03-29T03:00+02:00",
	    "2026-03-29T03:15+02:00" } },
	{ "Europe/Berlin", "30 * * * *", "2026-03-29T00:00+01:00",
	    { "2026-03-29T00:30+01:00", "2026-03-29T01:30+01:00",
	    "2026-03-29T03:30+02:00" } },
	{ "Europe/Berlin", "@hourly", "2026-03-29T00:30+01:00",
	    { "2026-03-29T01:00+01:00", "2026-03-29T03:00+02:00",
	    "2026-03-29T04:00+02:00" } },

	/* Berlin, fall back (October 25). */
	{ "Europe/Berlin", "30 2 * * *", "2026-10-24T12:00+02:00",
	    { "2026-10-25T02:30+02:00", "2026-10-26T02:30+01:00" } },
	{ "Europe/Berlin", "0 2 * * *", "2026-10-24T12:00+02:00",
	    { "2026-10-25T02:00+02:00", "2026-10-26T02:00+01:00" } },
	{ "Europe/Berlin", "30 1 * * *", "2026-10-24T12:00+02:00",
	    { "2026-10-25T01:30+02:00", "2026-10-26T01:30+01:00" } },
	{ "Europe/Berlin", "0 3 * * *", "2026-10-24T12:00+02:00",
	    { "2026-10-25T03:00+01:00", "2026-10-26T03:00+01:00" } },
	{ "Europe/Berlin", "*/15 * * * *", "2026-10-25T02:30+02:00",
	    { "2026-10-25T02:45+02:00", "2026-10-25T02:00+01:00",
	    "2026-10-25T02:15+01:00", "2026-10-25T02:30+01:00",
	    "2026-10-25T02:45+01:00", "2026-10-25T03:00+01:00" } },
	{ "Europe/Berlin", "30 * * * *", "2026-10-25T01:00+02:00",
	    { "2026-10-25T01:30+02:00", "2026-10-25T02:30+02:00",
	    "2026-10-25T02:30+01:00", "2026-10-25T03:30+01:00" } },
	{ "Europe/Berlin", "@hourly", "2026-10-25T01:30+02:00",
	    { "2026-10-25T02:00+02:00", "2026-10-25T02:00+01:00",
	    "2026-10-25T03:00+01:00" } },

	/* Lord Howe Island: 30-minute changes. */
	{ "Australia/Lord_Howe", "*/15 * * * *", "2026-04-05T01:15+11:00",
	    { "2026-04-05T01:30+11:00", "2026-04-05T01:45+11:00",
	    "2026-04-05T01:30+10:30", "2026-04-05T01:45+10:30",
	    "2026-04-05T02:00+10:30" } },
	{ "Australia/Lord_Howe", "45 1 * * *", "2026-04-04T12:00+11:00",
	    { "2026-04-05T01:45+11:00", "2026-04-06T01:45+10:30" } },
	{ "Australia/Lord_Howe", "15 2 * * *", "2026-10-03T12:00+10:30",
	    { "2026-10-04T02:30+11:00", "2026-10-05T02:15+11:00" } },
	{ "Australia/Lord_Howe", "0,30 2 * * *", "2026-10-03T12:00+10:30",
	    { "2026-10-04T02:30+11:00", "2026-10-05T02:00+11:00" } },
	{ "Australia/Lord_Howe", "*/10 2 * * *", "2026-10-03T12:00+10:30",
	    { "2026-10-04T02:30+11:00", "2026-10-04T02:40+11:00",
	    "2026-10-04T02:50+11:00", "2026-10-05T02:00+11:00" } },
	{ "Australia/Lord_Howe", "@hourly", "2026-04-05T00:30+11:00",
	    { "2026-04-05T01:00+11:00", "2026-04-05T02:00+10:30" } },

	/* Far future, from the footer rule: New York 2100-03-14. */
	{ "America/New_York", "30 2 * * *", "2100-03-13T12:00-05:00",
	    { "2100-03-14T03:00-04:00", "2100-03-15T02:30-04:00" } },
	{ "America/New_York", "30 1 * * *", "2100-11-06T12:00-04:00",
	    { "2100-11-07T01:30-04:00", "2100-11-08T01:30-05:00" } },
};

static void
test_cron_next_table(void **state)
{
	struct cron_expr e;
	struct tz *z;
	int64_t t, next, want;
	size_t i, k;
	int rc;

	(void)state;
	for (i = 0; i < NELEM(nexts); i++) {
		e = parse(nexts[i].spec);
		z = load(nexts[i].zone);
		t = iso(nexts[i].after);
		for (k = 0; k < NELEM(nexts[i].want) &&
		    nexts[i].want[k] != NULL; k++) {
			want = iso(nexts[i].want[k]);
			next = -1;
			if ((rc = cron_next(&e, z, t, &next)) != 0 ||
			    next != want)
				fail_msg("%s \"%s\" after %lld (row %zu, "
				    "#%zu): rc %d next %lld, want %s = %lld",
				    nexts[i].zone ? nexts[i].zone : "UTC",
				    nexts[i].spec, (long long)t, i, k, rc,
				    (long long)next, nexts[i].want[k],
				    (long long)want);
			t = next;
		}
		tz_free(z);
	}
}

static void
test_cron_next_strictly_after(void **state)
{
	struct cron_expr e = parse("0 0 * * *");
	int64_t next;

	(void)state;
	/* Exactly at a fire time: the next one. */
	assert_int_equal(cron_next(&e, NULL, iso("2026-01-01T00:00Z"), &next),
	    0);
	assert_int_equal(next, iso("2026-01-02T00:00Z"));
	/* A millisecond before: that one. */
	assert_int_equal(cron_next(&e, NULL, iso("2026-01-01T00:00Z") - 1,
	    &next), 0);
	assert_int_equal(next, iso("2026-01-01T00:00Z"));
	/* Before the epoch, negative milliseconds. */
	assert_int_equal(cron_next(&e, NULL, -1, &next), 0);
	assert_int_equal(next, 0);
	assert_int_equal(cron_next(&e, NULL, -86400001, &next), 0);
	assert_int_equal(next, -86400000);
}

static void
test_cron_next_errors(void **state)
{
	struct cron_expr e, zero;
	int64_t next = 42;

	(void)state;
	e = parse("@reboot");
	assert_int_equal(cron_next(&e, NULL, 0, &next), -EINVAL);
	assert_int_equal(next, 42);
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(cron_next(&zero, NULL, 0, &next), -EINVAL);
	/* Past year 9999: nothing within reach. */
	e = parse("* * * * *");
	assert_int_equal(cron_next(&e, NULL, INT64_C(253402300800000),
	    &next), -ERANGE);
	assert_int_equal(cron_next(&e, NULL, INT64_MAX, &next), -ERANGE);
	assert_int_equal(next, 42);
	/* The last minute of year 9999 still fires. */
	assert_int_equal(cron_next(&e, NULL, INT64_C(253402300740000) - 1,
	    &next), 0);
	assert_int_equal(next, INT64_C(253402300740000));
	/* Far before year 1 is treated as year 1. */
	assert_int_equal(cron_next(&e, NULL, INT64_MIN, &next), 0);
	assert_int_equal(next, INT64_C(-62135596800000));
	/* Hand-made: only February 30 (day-of-week '*'), never. */
	e = parse("0 0 * 2 *");
	e.mday = 1u << 30;
	e.flags &= ~(unsigned int)CRON_MDAY_STAR;
	assert_int_equal(cron_next(&e, NULL, 0, &next), -ERANGE);
}

/*
 * Brute force.  The rule of DESIGN §7, applied directly, minute by
 * minute in UTC: a real minute fires when its local time (tz_localtime)
 * matches the fields; for a fixed-time expression, only the first time a
 * local minute occurs, and a matching local minute that a forward change
 * skipped fires at the first instant after the change.  The fire times
 * over a window must be exactly what iterating cron_next() gives, and
 * cron_next() from any instant inside it must give the first of them
 * after that instant.
 */

static bool
bf_match(const struct cron_expr *e, int min, int hour, int mday, int month,
    int wday)
{
	bool md, wd;

	if (!(e->minute >> min & 1) || !(e->hour >> hour & 1) ||
	    !(e->month >> month & 1))
		return false;
	md = e->mday >> mday & 1;
	wd = e->wday >> wday & 1;
	if ((e->flags & CRON_MDAY_STAR) || (e->flags & CRON_WDAY_STAR))
		return md && wd;
	return md || wd;
}

/* A local minute, as minutes since 1970-01-01T00:00 local. */
static int64_t
bf_key(const struct tz_tm *tm)
{
	return test_days(tm->year, tm->month, tm->mday) * 1440 +
	    tm->hour * 60 + tm->min;
}

static bool
bf_key_matches(const struct cron_expr *e, int64_t key)
{
	int64_t day = key >= 0 ? key / 1440 : -((-key + 1439) / 1440);
	int64_t y, era, doe, yoe, doy, mp, w;
	int m, d, mod = (int)(key - day * 1440);

	/* Civil date of "day" (H. Hinnant), and its weekday. */
	w = (day + 4) % 7;
	if (w < 0)
		w += 7;
	day += 719468;
	era = (day >= 0 ? day : day - 146096) / 146097;
	doe = day - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = (int)(doy - (153 * mp + 2) / 5 + 1);
	m = (int)(mp < 10 ? mp + 3 : mp - 9);
	(void)y;
	return bf_match(e, mod % 60, mod / 60, d, m, (int)w);
}

#define BF_MAX	(80 * 1440)	/* minutes in a window, with margins */

static size_t
bf_expected(const struct cron_expr *e, const struct tz *z, int64_t w0,
    int64_t w1, int64_t *out, size_t max)
{
	static unsigned char seen[3 * BF_MAX];
	struct tz_tm tm;
	int64_t t, key, prev = INT64_MIN, base = INT64_MIN, k;
	bool fixed = e->flags & CRON_FIXED_TIME, fire;
	size_t n = 0;

	memset(seen, 0, sizeof(seen));
	for (t = w0 - 2 * 86400; t < w1; t += 60) {
		tz_localtime(z, t, &tm);
		key = bf_key(&tm);
		if (base == INT64_MIN)
			base = key - BF_MAX / 2;
		assert_true(key - base >= 0 && key - base <
		    (int64_t)sizeof(seen));
		fire = bf_match(e, tm.min, tm.hour, tm.mday, tm.month,
		    tm.wday) && (!fixed || !seen[key - base]);
		if (fixed && prev != INT64_MIN && key > prev + 1)
			for (k = prev + 1; k < key; k++)
				if (!seen[k - base] && bf_key_matches(e, k))
					fire = true;
		seen[key - base] = 1;
		prev = key;
		if (fire && t >= w0) {
			assert_true(n < max);
			out[n++] = t * 1000;
		}
	}
	return n;
}

static void
test_cron_next_brute_force(void **state)
{
	static const char *const zones[] = {
		"America/New_York", "Europe/Berlin", "Australia/Lord_Howe",
		"Europe/Dublin", "Asia/Kathmandu", "America/Santiago", NULL,
	};
	static const char *const specs[] = {
		"30 2 * * *", "0 2 * * *", "30 1 * * *", "0 3 * * *",
		"*/15 * * * *", "30 * * * *", "@hourly", "0,30 2-3 * * *",
		"45 1 * * *", "15 2 * * *", "*/10 2 * * *", "59 1 * * *",
		"0 0 */2 * mon", "0 0 1-31/2 * mon", "5 0-4 * * sun",
		"@daily",
	};
	/* Two weeks either side of each 2026 change, and more. */
	static const struct {
		int64_t	from, to;	/* UTC s */
	} windows[] = {
		{ 1772323200, 1775606400 },	/* 2026-03-01 - 04-08 */
		{ 1790812800, 1794096000 },	/* 2026-10-01 - 11-08 */
		{ 1759276800, 1762560000 },	/* 2025-10-01 - 11-08 */
	};
	static int64_t want[BF_MAX];
	struct cron_expr e;
	struct tz *z;
	int64_t t, next, after;
	uint64_t seed = 7;
	size_t zi, si, wi, n, k, j;
	int r;

	(void)state;
	for (zi = 0; zi < NELEM(zones); zi++) {
		z = load(zones[zi]);
		for (si = 0; si < NELEM(specs); si++) {
			e = parse(specs[si]);
			for (wi = 0; wi < NELEM(windows); wi++) {
				n = bf_expected(&e, z, windows[wi].from,
				    windows[wi].to, want, NELEM(want));
				t = windows[wi].from * 1000 - 1;
				for (k = 0;; k++) {
					assert_int_equal(cron_next(&e, z, t,
					    &next), 0);
					if (next >= windows[wi].to * 1000)
						break;
					if (k >= n || next != want[k])
						fail_msg("%s \"%s\" after "
						    "%lld: %lld, brute force "
						    "%lld",
						    zones[zi] ? zones[zi] :
						    "UTC", specs[si],
						    (long long)t,
						    (long long)next,
						    k < n ? (long long)want[k] :
						    -1LL);
					t = next;
				}
				assert_int_equal(k, n);
				/* From instants in between. */
				for (r = 0; r < 200 && n > 0; r++) {
					seed = seed * 6364136223846793005ULL +
					    1442695040888963407ULL;
					after = windows[wi].from * 1000 +
					    (int64_t)((seed >> 16) %
					    (uint64_t)(want[n - 1] -
					    windows[wi].from * 1000));
					for (j = 0; want[j] <= after; j++)
						;
					assert_int_equal(cron_next(&e, z,
					    after, &next), 0);
					if (next != want[j])
						fail_msg("%s \"%s\" after "
						    "%lld: %lld, brute force "
						    "%lld",
						    zones[zi] ? zones[zi] :
						    "UTC", specs[si],
						    (long long)after,
						    (long long)next,
						    (long long)want[j]);
				}
			}
		}
		tz_free(z);
	}
}

/* Figures, not assertions: cron_next() calls per second. */
static void
test_cron_next_speed(void **state)
{
	static const struct {
		const char	*spec;
		const char	*zone;
	} cases[] = {
		{ "*/5 * * * *",	NULL },
		{ "*/5 * * * *",	"Europe/Berlin" },
		{ "0 0 29 2 1",		NULL },
		{ "0 0 29 2 1",		"Europe/Berlin" },
		{ "30 2 * * *",		"America/New_York" },
		{ "0 0 29 2 *",		NULL },
	};
	struct cron_expr e;
	struct tz *z;
	int64_t t, start, elapsed, n, t0, t1;
	size_t i;
	int k;

	(void)state;
	t0 = iso("2026-01-01T00:00Z");
	t1 = iso("2090-01-01T00:00Z");
	for (i = 0; i < NELEM(cases); i++) {
		e = parse(cases[i].spec);
		z = load(cases[i].zone);
		t = t0;
		n = 0;
		start = clock_mono_ms(&clock_system);
		do {
			for (k = 0; k < 1000; k++) {
				assert_int_equal(cron_next(&e, z, t, &t), 0);
				if (t > t1)
					t = t0;
			}
			n += 1000;
			elapsed = clock_mono_ms(&clock_system) - start;
		} while (elapsed < 200);
		printf("INFO cron_next \"%s\" in %s: %.0f calls/s\n",
		    cases[i].spec, cases[i].zone ? cases[i].zone : "UTC",
		    (double)n * 1000.0 / (double)elapsed);
		tz_free(z);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cron_parse_valid),
		cmocka_unit_test(test_cron_parse_invalid),
		cmocka_unit_test(test_cron_parse_messages),
		cmocka_unit_test(test_cron_next_table),
		cmocka_unit_test(test_cron_next_strictly_after),
		cmocka_unit_test(test_cron_next_errors),
		cmocka_unit_test(test_cron_next_brute_force),
		cmocka_unit_test(test_cron_next_speed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
