/*
 * Unit tests for tz: TZif files and POSIX TZ rules against zdump(8) and
 * glibc, DST gaps and repeated hours, zone names, malformed files, the
 * local zone.
 *
 * The literal offsets and instants come from `zdump -v -c 2026,2027 ZONE`
 * (and -c 2100,2101 / 2500,2501 for the footer rule, and older years for
 * history), tzdata 2025b; each instant is the "UT" side of a zdump line,
 * converted with python3's calendar.timegm().  Single-threaded: the tests
 * set TZ with setenv() to compare with glibc and to choose the local zone.
 */
#define _DEFAULT_SOURCE		/* mkdtemp() */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "jobd/tz.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define HOUR		3600
#define DAY		86400

static struct tz *
load(const char *name)
{
	struct tz *z = NULL;
	char err[256] = "";
	int rc;

	rc = tz_load(name, &z, err, sizeof(err));
	if (rc != 0)
		fail_msg("tz_load(\"%s\"): %d: %s", name ? name : "(null)", rc,
		    err);
	return z;
}

static void
set_tz(const char *tz)
{
	if (tz == NULL)
		assert_int_equal(unsetenv("TZ"), 0);
	else
		assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

/* Offsets at instants, from zdump -v.  Each change gives two rows: the
 * last second before it and the instant of it. */
static const struct {
	const char	*zone;
	int64_t		 t;
	int32_t		 off;
	int		 isdst;
} zdump_rows[] = {
	/* America/New_York 2026: Sun Mar 8 07:00:00 2026 UT = 03:00 EDT;
	 * Sun Nov 1 06:00:00 2026 UT = 01:00 EST. */
	{ "America/New_York",	1772953199, -18000, 0 },
	{ "America/New_York",	1772953200, -14400, 1 },
	{ "America/New_York",	1793512799, -14400, 1 },
	{ "America/New_York",	1793512800, -18000, 0 },
	/* 2100 and 2500: past the file's table, from the footer rule
	 * EST5EDT,M3.2.0,M11.1.0.  Mar 14 07:00 UT, Nov 7 06:00 UT. */
	{ "America/New_York",	4108690799, -18000, 0 },
	{ "America/New_York",	4108690800, -14400, 1 },
	{ "America/New_York",	4129250399, -14400, 1 },
	{ "America/New_York",	4129250400, -18000, 0 },
	{ "America/New_York",	16731471599, -18000, 0 },
	{ "America/New_York",	16731471600, -14400, 1 },
	{ "America/New_York",	16752031199, -14400, 1 },
	{ "America/New_York",	16752031200, -18000, 0 },
	/* 1883-11-18 17:00 UT: local mean time -4:56:02 ends. */
	{ "America/New_York",	-2717650801, -17762, 0 },
	{ "America/New_York",	-2717650800, -18000, 0 },
	/* Europe/Berlin 2026: Mar 29 01:00 UT, Oct 25 01:00 UT. */
	{ "Europe/Berlin",	1774745999, 3600, 0 },
	{ "Europe/Berlin",	1774746000, 7200, 1 },
	{ "Europe/Berlin",	1792889999, 7200, 1 },
	{ "Europe/Berlin",	1792890000, 3600, 0 },
	/* 2100: CET-1CEST,M3.5.0,M10.5.0/3: Mar 28 01:00, Oct 31 01:00. */
	{ "Europe/Berlin",	4109878799, 3600, 0 },
	{ "Europe/Berlin",	4109878800, 7200, 1 },
	{ "Europe/Berlin",	4128627599, 7200, 1 },
	{ "Europe/Berlin",	4128627600, 3600, 0 },
	/* 1945: double summer time (CEMT, +3) from May 24 00:00 UT to
	 * Sep 24 00:00 UT. */
	{ "Europe/Berlin",	-776563201, 7200, 1 },
	{ "Europe/Berlin",	-776563200, 10800, 1 },
	{ "Europe/Berlin",	-765936001, 10800, 1 },
	{ "Europe/Berlin",	-765936000, 7200, 1 },
	/* Australia/Lord_Howe 2026: Apr 4 15:00 UT back 30 minutes to
	 * +10:30; Oct 3 15:30 UT forward 30 minutes to +11. */
	{ "Australia/Lord_Howe", 1775314799, 39600, 1 },
	{ "Australia/Lord_Howe", 1775314800, 37800, 0 },
	{ "Australia/Lord_Howe", 1791041399, 37800, 0 },
	{ "Australia/Lord_Howe", 1791041400, 39600, 1 },
	/* 2100, <+1030>-10:30<+11>-11,M10.1.0,M4.1.0: Apr 3 15:00 UT,
	 * Oct 2 15:30 UT. */
	{ "Australia/Lord_Howe", 4110447599, 39600, 1 },
	{ "Australia/Lord_Howe", 4110447600, 37800, 0 },
	{ "Australia/Lord_Howe", 4126174199, 37800, 0 },
	{ "Australia/Lord_Howe", 4126174200, 39600, 1 },
	/* Europe/Dublin: "negative DST", IST in summer is standard time
	 * and GMT in winter is isdst=1.  2026: Mar 29 and Oct 25 01:00 UT;
	 * 2500: Mar 28 and Oct 31 01:00 UT. */
	{ "Europe/Dublin",	1774745999, 0, 1 },
	{ "Europe/Dublin",	1774746000, 3600, 0 },
	{ "Europe/Dublin",	1792889999, 3600, 0 },
	{ "Europe/Dublin",	1792890000, 0, 1 },
	{ "Europe/Dublin",	16732659599, 0, 1 },
	{ "Europe/Dublin",	16732659600, 3600, 0 },
	{ "Europe/Dublin",	16751408399, 3600, 0 },
	{ "Europe/Dublin",	16751408400, 0, 1 },
	/* America/Nuuk, footer <-02>2<-01>,M3.5.0/-1,M10.5.0/0 (negative
	 * rule time): 2026 Mar 29 01:00 UT, Oct 25 01:00 UT. */
	{ "America/Nuuk",	1774745999, -7200, 0 },
	{ "America/Nuuk",	1774746000, -3600, 1 },
	{ "America/Nuuk",	1792889999, -3600, 1 },
	{ "America/Nuuk",	1792890000, -7200, 0 },
	/* Asia/Kolkata: +05:30 since 1945-10-14 17:30 UT (+06:30 before). */
	{ "Asia/Kolkata",	-764145001, 23400, 1 },
	{ "Asia/Kolkata",	-764145000, 19800, 0 },
	{ "Asia/Kolkata",	1767225600, 19800, 0 },
	{ "Asia/Kolkata",	4108690800, 19800, 0 },
	/* Asia/Kathmandu: +05:45 since 1985-12-31 18:30 UT. */
	{ "Asia/Kathmandu",	504901799, 19800, 0 },
	{ "Asia/Kathmandu",	504901800, 20700, 0 },
	{ "Asia/Kathmandu",	1782864000, 20700, 0 },
	/* Australia/Eucla: +08:45, DST +09:45 last in 2008-2009. */
	{ "Australia/Eucla",	1224954899, 31500, 0 },
	{ "Australia/Eucla",	1224954900, 35100, 1 },
	{ "Australia/Eucla",	1238260499, 35100, 1 },
	{ "Australia/Eucla",	1238260500, 31500, 0 },
	{ "Australia/Eucla",	1782864000, 31500, 0 },
	{ "UTC",		1772953200, 0, 0 },
	{ "Etc/UTC",		-2717650800, 0, 0 },
};

static void
test_tz_offsets_match_zdump(void **state)
{
	struct tz *z;
	size_t i;
	int isdst;
	int32_t off;

	(void)state;
	for (i = 0; i < NELEM(zdump_rows); i++) {
		z = load(zdump_rows[i].zone);
		isdst = -1;
		off = tz_offset(z, zdump_rows[i].t, &isdst);
		if (off != zdump_rows[i].off || isdst != zdump_rows[i].isdst)
			fail_msg("%s at %lld: offset %d isdst %d, zdump says "
			    "%d %d", zdump_rows[i].zone,
			    (long long)zdump_rows[i].t, (int)off, isdst,
			    (int)zdump_rows[i].off, zdump_rows[i].isdst);
		assert_int_equal(tz_offset(z, zdump_rows[i].t, NULL), off);
		tz_free(z);
	}
}

/* Broken-down local times, from the local side of zdump lines. */
static const struct {
	const char	*zone;
	int64_t		 t;
	int		 year, month, mday, hour, min, sec, wday;
	int32_t		 gmtoff;
} localtimes[] = {
	/* Sun Mar 8 01:59:59 2026 EST / Sun Mar 8 03:00:00 2026 EDT */
	{ "America/New_York", 1772953199, 2026, 3, 8, 1, 59, 59, 0, -18000 },
	{ "America/New_York", 1772953200, 2026, 3, 8, 3, 0, 0, 0, -14400 },
	/* Sun Nov 1 01:59:59 2026 EDT / Sun Nov 1 01:00:00 2026 EST */
	{ "America/New_York", 1793512799, 2026, 11, 1, 1, 59, 59, 0, -14400 },
	{ "America/New_York", 1793512800, 2026, 11, 1, 1, 0, 0, 0, -18000 },
	/* Sun Nov 18 12:03:57 1883 LMT / 12:00:00 EST */
	{ "America/New_York", -2717650801, 1883, 11, 18, 12, 3, 57, 0,
	    -17762 },
	{ "America/New_York", -2717650800, 1883, 11, 18, 12, 0, 0, 0,
	    -18000 },
	/* Sun Apr 5 01:59:59 2026 +11 / Sun Apr 5 01:30:00 2026 +1030 */
	{ "Australia/Lord_Howe", 1775314799, 2026, 4, 5, 1, 59, 59, 0,
	    39600 },
	{ "Australia/Lord_Howe", 1775314800, 2026, 4, 5, 1, 30, 0, 0,
	    37800 },
	/* Sun Oct 4 01:59:59 2026 +1030 / Sun Oct 4 02:30:00 2026 +11 */
	{ "Australia/Lord_Howe", 1791041399, 2026, 10, 4, 1, 59, 59, 0,
	    37800 },
	{ "Australia/Lord_Howe", 1791041400, 2026, 10, 4, 2, 30, 0, 0,
	    39600 },
	/* Tue Dec 31 23:59:59 1985 +0530 / Wed Jan 1 00:15:00 1986 +0545 */
	{ "Asia/Kathmandu", 504901799, 1985, 12, 31, 23, 59, 59, 2, 19800 },
	{ "Asia/Kathmandu", 504901800, 1986, 1, 1, 0, 15, 0, 3, 20700 },
	/* 2026-01-01T00:00:00Z, a Thursday */
	{ "Asia/Kolkata", 1767225600, 2026, 1, 1, 5, 30, 0, 4, 19800 },
	{ "Australia/Eucla", 1767225600, 2026, 1, 1, 8, 45, 0, 4, 31500 },
	{ "UTC", 1767225600, 2026, 1, 1, 0, 0, 0, 4, 0 },
	/* Sun Oct 31 01:59:59 2100 CEST: the footer rule */
	{ "Europe/Berlin", 4128627599, 2100, 10, 31, 2, 59, 59, 0, 7200 },
	{ "Europe/Berlin", 4128627600, 2100, 10, 31, 2, 0, 0, 0, 3600 },
	/* before the epoch: 1969-12-31T23:59:59Z, a Wednesday */
	{ "UTC", -1, 1969, 12, 31, 23, 59, 59, 3, 0 },
};

static void
test_tz_localtime_fields(void **state)
{
	struct tz *z;
	struct tz_tm tm;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(localtimes); i++) {
		z = load(localtimes[i].zone);
		tz_localtime(z, localtimes[i].t, &tm);
		if (tm.year != localtimes[i].year ||
		    tm.month != localtimes[i].month ||
		    tm.mday != localtimes[i].mday ||
		    tm.hour != localtimes[i].hour ||
		    tm.min != localtimes[i].min ||
		    tm.sec != localtimes[i].sec ||
		    tm.wday != localtimes[i].wday ||
		    tm.gmtoff != localtimes[i].gmtoff)
			fail_msg("%s at %lld: %04d-%02d-%02d %02d:%02d:%02d "
			    "wday %d off %d", localtimes[i].zone,
			    (long long)localtimes[i].t, tm.year, tm.month,
			    tm.mday, tm.hour, tm.min, tm.sec, tm.wday,
			    (int)tm.gmtoff);
		tz_free(z);
	}
	/* NULL is UTC. */
	tz_localtime(NULL, 1772953200, &tm);
	assert_int_equal(tm.hour, 7);
	assert_int_equal(tm.gmtoff, 0);
}

static void
test_tz_span(void **state)
{
	struct tz *z;
	int64_t s, e;

	(void)state;
	z = load("America/New_York");
	/* 2026-07-01: EDT from Mar 8 07:00 UT to Nov 1 06:00 UT. */
	assert_int_equal(tz_span(z, 1782864000, &s, &e), -14400);
	assert_int_equal(s, 1772953200);
	assert_int_equal(e, 1793512800);
	/* At the change itself, the span starts there. */
	assert_int_equal(tz_span(z, 1793512800, &s, &e), -18000);
	assert_int_equal(s, 1793512800);
	/* One second before, it ends there. */
	assert_int_equal(tz_span(z, 1793512799, &s, &e), -14400);
	assert_int_equal(e, 1793512800);
	/* 2100, from the footer rule: Mar 14 07:00 UT to Nov 7 06:00 UT. */
	assert_int_equal(tz_span(z, 4118000000, &s, &e), -14400);
	assert_int_equal(s, 4108690800);
	assert_int_equal(e, 4129250400);
	tz_free(z);

	/* Kolkata: +05:30 from 1945-10-14 17:30 UT on, for ever. */
	z = load("Asia/Kolkata");
	assert_int_equal(tz_span(z, 1767225600, &s, &e), 19800);
	assert_int_equal(s, -764145000);
	assert_true(e == INT64_MAX);
	tz_free(z);

	z = load("UTC");
	assert_int_equal(tz_span(z, 1767225600, &s, &e), 0);
	assert_true(s == INT64_MIN);
	assert_true(e == INT64_MAX);
	tz_free(z);
	assert_int_equal(tz_span(NULL, 0, &s, &e), 0);
	assert_true(s == INT64_MIN && e == INT64_MAX);
}

/* Local times to instants: gaps, repeats and ordinary times. */
static const struct {
	const char	*zone;
	int		 y, mo, d, h, mi;
	int		 n;
	int64_t		 t0, t1;	/* instants, or gap_end when n == 0 */
} l2u[] = {
	/* New York, 2026-03-08: 02:00-02:59 do not exist; the change is
	 * at 07:00 UT. */
	{ "America/New_York", 2026, 3, 8, 2, 0, 0, 1772953200, 0 },
	{ "America/New_York", 2026, 3, 8, 2, 30, 0, 1772953200, 0 },
	{ "America/New_York", 2026, 3, 8, 2, 59, 0, 1772953200, 0 },
	{ "America/New_York", 2026, 3, 8, 1, 59, 1, 1772953140, 0 },
	{ "America/New_York", 2026, 3, 8, 3, 0, 1, 1772953200, 0 },
	/* 2026-11-01: 01:00-01:59 happen twice, EDT then EST. */
	{ "America/New_York", 2026, 11, 1, 1, 0, 2, 1793509200, 1793512800 },
	{ "America/New_York", 2026, 11, 1, 1, 30, 2, 1793511000, 1793514600 },
	{ "America/New_York", 2026, 11, 1, 1, 59, 2, 1793512740, 1793516340 },
	{ "America/New_York", 2026, 11, 1, 0, 59, 1, 1793509140, 0 },
	{ "America/New_York", 2026, 11, 1, 2, 0, 1, 1793516400, 0 },
	{ "America/New_York", 2026, 7, 1, 12, 0, 1, 1782921600, 0 },
	/* Berlin: 02:00-02:59 skipped on 2026-03-29 (01:00 UT), repeated
	 * on 2026-10-25 (00:00-00:59 UT CEST, 01:00-01:59 UT CET). */
	{ "Europe/Berlin", 2026, 3, 29, 2, 30, 0, 1774746000, 0 },
	{ "Europe/Berlin", 2026, 10, 25, 2, 30, 2, 1792888200, 1792891800 },
	{ "Europe/Berlin", 2026, 10, 25, 3, 0, 1, 1792893600, 0 },
	/* Lord Howe: 02:00-02:29 skipped on 2026-10-04 (15:30 UT the day
	 * before); 01:30-01:59 repeated on 2026-04-05, +11 then +10:30. */
	{ "Australia/Lord_Howe", 2026, 10, 4, 2, 0, 0, 1791041400, 0 },
	{ "Australia/Lord_Howe", 2026, 10, 4, 2, 29, 0, 1791041400, 0 },
	{ "Australia/Lord_Howe", 2026, 10, 4, 2, 30, 1, 1791041400, 0 },
	{ "Australia/Lord_Howe", 2026, 4, 5, 1, 45, 2, 1775313900, 1775315700 },
	{ "Australia/Lord_Howe", 2026, 4, 5, 1, 29, 1, 1775312940, 0 },
	{ "Australia/Lord_Howe", 2026, 4, 5, 2, 0, 1, 1775316600, 0 },
	/* Kathmandu, 1986-01-01 00:00-00:14 skipped at 1985-12-31 18:30 UT. */
	{ "Asia/Kathmandu", 1986, 1, 1, 0, 0, 0, 504901800, 0 },
	{ "Asia/Kathmandu", 1986, 1, 1, 0, 15, 1, 504901800, 0 },
	/* 2100 from the footer: 02:30 on Mar 14 skipped, 01:30 on Nov 7
	 * twice. */
	{ "America/New_York", 2100, 3, 14, 2, 30, 0, 4108690800, 0 },
	{ "America/New_York", 2100, 11, 7, 1, 30, 2, 4129248600, 4129252200 },
	{ "UTC", 2026, 3, 8, 2, 30, 1, 1772937000, 0 },
};

static void
test_tz_local_to_utc(void **state)
{
	struct tz *z;
	int64_t out[2], gap;
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < NELEM(l2u); i++) {
		z = load(l2u[i].zone);
		out[0] = out[1] = gap = -1;
		n = tz_local_to_utc(z, l2u[i].y, l2u[i].mo, l2u[i].d, l2u[i].h,
		    l2u[i].mi, out, &gap);
		if (n != l2u[i].n ||
		    (n == 0 && gap != l2u[i].t0) ||
		    (n >= 1 && out[0] != l2u[i].t0) ||
		    (n == 2 && out[1] != l2u[i].t1))
			fail_msg("%s %04d-%02d-%02d %02d:%02d: n %d out %lld "
			    "%lld gap %lld; want n %d %lld %lld", l2u[i].zone,
			    l2u[i].y, l2u[i].mo, l2u[i].d, l2u[i].h, l2u[i].mi,
			    n, (long long)out[0], (long long)out[1],
			    (long long)gap, l2u[i].n, (long long)l2u[i].t0,
			    (long long)l2u[i].t1);
		tz_free(z);
	}
	/* NULL is UTC; gap_end may be NULL; bad fields are -EINVAL. */
	assert_int_equal(tz_local_to_utc(NULL, 2026, 1, 1, 0, 0, out, NULL),
	    1);
	assert_int_equal(out[0], 1767225600);
	z = load("America/New_York");
	assert_int_equal(tz_local_to_utc(z, 2026, 3, 8, 2, 30, out, NULL), 0);
	assert_int_equal(tz_local_to_utc(z, 2026, 2, 29, 0, 0, out, &gap),
	    -EINVAL);
	assert_int_equal(tz_local_to_utc(z, 2026, 13, 1, 0, 0, out, &gap),
	    -EINVAL);
	assert_int_equal(tz_local_to_utc(z, 2026, 1, 1, 24, 0, out, &gap),
	    -EINVAL);
	assert_int_equal(tz_local_to_utc(z, 2026, 1, 1, 0, 60, out, &gap),
	    -EINVAL);
	tz_free(z);
}

/*
 * Every instant, minute by minute over a window around each change, is
 * among the instants tz_local_to_utc() gives for its local time, and each
 * local minute gets exactly as many instants as map to it.
 */
#define RT_DAYS		40
#define RT_MINUTES	((RT_DAYS + 4) * 1440)

static int64_t
rt_key(const struct tz_tm *tm)
{
	int64_t y = tm->year, era, yoe, doy, doe;
	int m = tm->month;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + tm->mday - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468) * 1440 + tm->hour * 60 + tm->min;
}

static void
test_tz_local_to_utc_roundtrip(void **state)
{
	static const char *const zones[] = {
		"America/New_York", "Europe/Berlin", "Australia/Lord_Howe",
		"Europe/Dublin", "Asia/Kathmandu", "America/Nuuk",
	};
	static const int64_t windows[] = {
		1772323200,	/* 2026-03-01 */
		1790812800,	/* 2026-10-01 */
		1775001600,	/* 2026-04-01 */
		504748800,	/* 1985-12-30 */
		4107542400,	/* 2100-03-01 */
	};
	static unsigned char count[RT_MINUTES];
	struct tz *z;
	struct tz_tm tm;
	int64_t t, out[2], gap, key, base;
	size_t zi, wi;
	int n, k;

	(void)state;
	for (zi = 0; zi < NELEM(zones); zi++) {
		z = load(zones[zi]);
		for (wi = 0; wi < NELEM(windows); wi++) {
			/* Count the instants of each local minute, with a
			 * day of margin either side. */
			memset(count, 0, sizeof(count));
			tz_localtime(z, windows[wi], &tm);
			base = rt_key(&tm) - 2 * 1440;
			for (t = windows[wi] - DAY;
			    t < windows[wi] + (RT_DAYS + 1) * DAY; t += 60) {
				tz_localtime(z, t, &tm);
				key = rt_key(&tm) - base;
				assert_true(key >= 0 && key < RT_MINUTES);
				count[key]++;
			}
			for (t = windows[wi]; t < windows[wi] + RT_DAYS * DAY;
			    t += 60) {
				tz_localtime(z, t, &tm);
				n = tz_local_to_utc(z, tm.year, tm.month,
				    tm.mday, tm.hour, tm.min, out, &gap);
				for (k = 0; k < n && out[k] != t; k++)
					;
				if (k == n)
					fail_msg("%s: %lld not found back "
					    "(n %d)", zones[zi], (long long)t,
					    n);
				if (count[rt_key(&tm) - base] != n)
					fail_msg("%s: %lld: %d instants, "
					    "tz_local_to_utc says %d",
					    zones[zi], (long long)t,
					    count[rt_key(&tm) - base], n);
			}
		}
		tz_free(z);
	}
}

/* Against glibc: every field at pseudo-random instants, 1900-2200. */
static void
test_tz_matches_libc(void **state)
{
	static const char *const zones[] = {
		"America/New_York", "Europe/Berlin", "Australia/Lord_Howe",
		"Asia/Kolkata", "Asia/Kathmandu", "Australia/Eucla", "UTC",
		"America/Sao_Paulo", "Africa/Casablanca", "Pacific/Apia",
		"America/Santiago", "Asia/Tehran", "Europe/Dublin",
		"Antarctica/Troll", "Pacific/Chatham", "America/St_Johns",
		"Europe/London", "America/Nuuk", "Pacific/Kiritimati",
		"America/Adak", "Asia/Gaza", "Europe/Moscow",
	};
	struct tz *z;
	struct tz_tm m;
	struct tm tm;
	uint64_t seed = 12345;
	time_t tt;
	int64_t t;
	size_t zi;
	int i, isdst;

	(void)state;
	for (zi = 0; zi < NELEM(zones); zi++) {
		z = load(zones[zi]);
		set_tz(zones[zi]);
		for (i = 0; i < 20000; i++) {
			seed = seed * 6364136223846793005ULL +
			    1442695040888963407ULL;
			/* 1900-01-01 to about 2200 */
			t = (int64_t)(seed >> 20) % INT64_C(9467280000) -
			    INT64_C(2208988800);
			tt = (time_t)t;
			assert_non_null(localtime_r(&tt, &tm));
			tz_localtime(z, t, &m);
			(void)tz_offset(z, t, &isdst);
			if (m.gmtoff != tm.tm_gmtoff ||
			    isdst != tm.tm_isdst ||
			    m.year != tm.tm_year + 1900 ||
			    m.month != tm.tm_mon + 1 ||
			    m.mday != tm.tm_mday || m.hour != tm.tm_hour ||
			    m.min != tm.tm_min || m.sec != tm.tm_sec ||
			    m.wday != tm.tm_wday)
				fail_msg("%s at %lld: ours %04d-%02d-%02d "
				    "%02d:%02d:%02d off %d dst %d, glibc off "
				    "%ld dst %d", zones[zi], (long long)t,
				    m.year, m.month, m.mday, m.hour, m.min,
				    m.sec, (int)m.gmtoff, isdst,
				    (long)tm.tm_gmtoff, tm.tm_isdst);
		}
		tz_free(z);
	}
	set_tz(NULL);
}

static void
test_tz_unknown_zone(void **state)
{
	static const char *const names[] = {
		"Mars/Olympus_Mons", "Europe/Nowhere", "America", "Etc",
		"utc_",
	};
	struct tz *z = (struct tz *)&z;		/* must stay untouched */
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(names); i++) {
		err[0] = '\0';
		assert_int_equal(tz_load(names[i], &z, err, sizeof(err)),
		    -ENOENT);
		assert_ptr_equal(z, (struct tz *)&z);
		if (strstr(err, names[i]) == NULL ||
		    strstr(err, "unknown time zone") == NULL)
			fail_msg("\"%s\": message \"%s\"", names[i], err);
	}
	/* err may be NULL. */
	assert_int_equal(tz_load("Mars/Olympus_Mons", &z, NULL, 0), -ENOENT);
}

static void
test_tz_bad_names(void **state)
{
	static const struct {
		const char	*name;
		const char	*why;
	} bad[] = {
		{ "/etc/passwd",		"absolute" },
		{ "/usr/share/zoneinfo/UTC",	"absolute" },
		{ "../../../etc/passwd",	"\".\"" },
		{ "Europe/../UTC",		"\".\"" },
		{ "./UTC",			"\".\"" },
		{ ".hidden",			"\".\"" },
		{ "Europe//Berlin",		"empty" },
		{ "Europe/",			"empty" },
		{ "Europe/Ber lin",		"letters" },
		{ "Europe/Berlin\n",		"letters" },
		{ "UTC;rm",			"letters" },
		{ "Europe\\Berlin",		"letters" },
		{ "zone.tab",			"\".\"" },
	};
	struct tz *z = NULL;
	char err[256], longname[400];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		err[0] = '\0';
		assert_int_equal(tz_load(bad[i].name, &z, err, sizeof(err)),
		    -EINVAL);
		assert_null(z);
		if (strstr(err, "invalid time zone name") == NULL ||
		    strstr(err, bad[i].why) == NULL ||
		    strchr(err, '\n') != NULL)
			fail_msg("\"%s\": message \"%s\"", bad[i].name, err);
	}
	memset(longname, 'A', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(tz_load(longname, &z, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too long"));
}

/* TZif writing, for malformed and hand-made files. */

struct tzif_type {
	int32_t	off;
	int	isdst;
};

static size_t
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 4;
}

static size_t
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
	return 8;
}

/* One header and data block (tsz 4 or 8), at p; returns its length. */
static size_t
tzif_block(uint8_t *p, char version, unsigned int tsz, size_t ntimes,
    const int64_t *times, const uint8_t *idx, size_t ntypes,
    const struct tzif_type *types)
{
	size_t o = 0, i;

	memcpy(p, "TZif", 4);
	p[4] = (uint8_t)version;
	memset(p + 5, 0, 15);
	o = 20;
	o += put32(p + o, 0);			/* isutcnt */
	o += put32(p + o, 0);			/* isstdcnt */
	o += put32(p + o, 0);			/* leapcnt */
	o += put32(p + o, (uint32_t)ntimes);	/* timecnt */
	o += put32(p + o, (uint32_t)ntypes);	/* typecnt */
	o += put32(p + o, 4);			/* charcnt */
	for (i = 0; i < ntimes; i++)
		o += tsz == 8 ? put64(p + o, (uint64_t)times[i]) :
		    put32(p + o, (uint32_t)times[i]);
	for (i = 0; i < ntimes; i++)
		p[o++] = idx[i];
	for (i = 0; i < ntypes; i++) {
		o += put32(p + o, (uint32_t)types[i].off);
		p[o++] = (uint8_t)types[i].isdst;
		p[o++] = 0;
	}
	memcpy(p + o, "ABC", 4);
	return o + 4;
}

/* A complete file: version 1 (version 0) or 2+, with a footer. */
static size_t
tzif_file(uint8_t *p, char version, size_t ntimes, const int64_t *times,
    const uint8_t *idx, size_t ntypes, const struct tzif_type *types,
    const char *footer)
{
	size_t o;

	o = tzif_block(p, version, 4, ntimes, times, idx, ntypes, types);
	if (version == 0)
		return o;
	o += tzif_block(p + o, version, 8, ntimes, times, idx, ntypes, types);
	o += (size_t)sprintf((char *)p + o, "\n%s\n", footer);
	return o;
}

static char tmpdir[PATH_MAX - 64];

static void
write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* Load the file at path as the local zone (TZ=":path"). */
static int
load_path(const char *path, struct tz **z, char *err, size_t errlen)
{
	char tzv[PATH_MAX + 2];
	int rc;

	(void)snprintf(tzv, sizeof(tzv), ":%s", path);
	set_tz(tzv);
	rc = tz_load(NULL, z, err, errlen);
	set_tz(NULL);
	return rc;
}

static int
setup_tmpdir(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	(void)snprintf(tmpdir, sizeof(tmpdir), "%s/test_tz.XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown_tmpdir(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_tz_bad_files(void **state)
{
	static const int64_t times[] = { 100, 200 };
	static const int64_t backwards[] = { 200, 100 };
	static const uint8_t idx[] = { 1, 0 };
	static const uint8_t badidx[] = { 1, 2 };
	static const struct tzif_type types[] = { { 0, 0 }, { 3600, 1 } };
	static const struct tzif_type hugeoff[] = { { 0, 0 },
	    { 30 * 3600, 0 } };
	static const struct tzif_type baddst[] = { { 0, 0 }, { 3600, 2 } };
	uint8_t buf[4096], *big;
	char path[PATH_MAX], err[512];
	struct tz *z = NULL;
	size_t len, i;
	struct {
		const char	*what;
		size_t		 cut;		/* truncate to this, or 0 */
		const char	*why;
	} cases[] = {
		{ "truncated header", 30, "truncated header" },
		{ "truncated data", 60, "truncated" },
		{ "truncated v2 data", 120, "truncated" },
	};

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/bad", tmpdir);

	/* A good file first, so the cases below differ by one thing. */
	len = tzif_file(buf, '2', 2, times, idx, 2, types, "ABC0");
	write_file(path, buf, len);
	assert_int_equal(load_path(path, &z, err, sizeof(err)), 0);
	assert_int_equal(tz_offset(z, 150, NULL), 3600);
	assert_int_equal(tz_offset(z, 250, NULL), 0);
	assert_int_equal(tz_offset(z, 50, NULL), 0);
	tz_free(z);

	for (i = 0; i < NELEM(cases); i++) {
		write_file(path, buf, cases[i].cut);
		z = NULL;
		assert_int_equal(load_path(path, &z, err, sizeof(err)),
		    -EINVAL);
		assert_null(z);
		if (strstr(err, cases[i].why) == NULL)
			fail_msg("%s: message \"%s\"", cases[i].what, err);
	}

	memcpy(buf, "TZjf", 4);
	write_file(path, buf, len);
	assert_int_equal(load_path(path, &z, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a TZif file"));

	len = tzif_file(buf, '9', 2, times, idx, 2, types, "ABC0");
	write_file(path, buf, len);
	assert_int_equal(load_path(path, &z, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "version"));

	len = tzif_file(buf, '2', 2, backwards, idx, 2, types, "ABC0");
	write_file(path, buf, len);
	assert_int_equal(load_path(path, &z, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad transition"));

	len = tzif_file(buf, '2', 2, times, badidx, 2, types, "ABC0");
	write_file(path, buf, len);
	assert_int_equal(load_path(path, &z, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad transition"));

	len = tzif_file(buf, '2', 2, times, idx, 2, hugeoff, "ABC0");
	write_file(path, buf, len);
	assert_int_equal(load_path(path, &z, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "local time type"));

	len = tzif_file(buf, '2', 2, times, idx, 2, baddst, "ABC0");
	write_file(path, buf, len);
	assert_int_equal(load_path(path, &z, err, sizeof(err)), -EINVAL);

	len = tzif_file(buf, '2', 2, times, idx, 0, types, "ABC0");
	write_file(path, buf, len);
	assert_int_equal(load_path(path, &z, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "counts"));

	/* Footers: not a rule, no final newline, junk after it. */
	len = tzif_file(buf, '2', 2, times, idx, 2, types, "ABC0DEF,M13.1.0");
	write_file(path, buf, len);
	assert_int_equal(load_path(path, &z, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "footer"));
	len = tzif_file(buf, '2', 2, times, idx, 2, types, "ABC0");
	write_file(path, buf, len - 1);
	assert_int_equal(load_path(path, &z, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "footer"));
	buf[len] = 'x';
	write_file(path, buf, len + 1);
	assert_int_equal(load_path(path, &z, err, sizeof(err)), -EINVAL);

	/* Leap seconds: one 12-byte record in the 64-bit block. */
	len = tzif_block(buf, '2', 4, 2, times, idx, 2, types);
	i = len;
	len += tzif_block(buf + len, '2', 8, 2, times, idx, 2, types);
	put32(buf + i + 28, 1);
	memset(buf + len, 0, 12);
	len += 12;
	len += (size_t)sprintf((char *)buf + len, "\nABC0\n");
	write_file(path, buf, len);
	assert_int_equal(load_path(path, &z, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "leap"));

	/* Over the size cap. */
	big = calloc(1, 1024 * 1024 + 1);
	assert_non_null(big);
	memcpy(big, buf, len);
	write_file(path, big, 1024 * 1024 + 1);
	free(big);
	assert_int_equal(load_path(path, &z, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "larger than"));

	/* Empty file. */
	write_file(path, "", 0);
	assert_int_equal(load_path(path, &z, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, path));
}

/* Hand-made files: version 1 (no footer) and a footer-only version 2. */
static void
test_tz_handmade_files(void **state)
{
	static const int64_t times[] = { -1000, 1000 };
	static const uint8_t idx[] = { 1, 0 };
	static const struct tzif_type types[] = { { -3600, 0 },
	    { 1800, 1 } };
	uint8_t buf[4096];
	char path[PATH_MAX], err[512];
	struct tz *z = NULL;
	int64_t s, e;
	size_t len;

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/v1", tmpdir);
	len = tzif_file(buf, 0, 2, times, idx, 2, types, NULL);
	write_file(path, buf, len);
	assert_int_equal(load_path(path, &z, err, sizeof(err)), 0);
	assert_string_equal(tz_name(z), "localtime");
	assert_int_equal(tz_offset(z, -1001, NULL), -3600);
	assert_int_equal(tz_offset(z, -1000, NULL), 1800);
	assert_int_equal(tz_offset(z, 999, NULL), 1800);
	assert_int_equal(tz_offset(z, 1000, NULL), -3600);
	assert_int_equal(tz_offset(z, INT64_C(1) << 40, NULL), -3600);
	assert_int_equal(tz_span(z, 0, &s, &e), 1800);
	assert_int_equal(s, -1000);
	assert_int_equal(e, 1000);
	tz_free(z);

	/* No transitions, only the footer: New York's rule. */
	(void)snprintf(path, sizeof(path), "%s/footer", tmpdir);
	len = tzif_file(buf, '3', 0, NULL, NULL, 1, types,
	    "EST5EDT,M3.2.0,M11.1.0");
	write_file(path, buf, len);
	assert_int_equal(load_path(path, &z, err, sizeof(err)), 0);
	assert_int_equal(tz_offset(z, 1772953199, NULL), -18000);
	assert_int_equal(tz_offset(z, 1772953200, NULL), -14400);
	assert_int_equal(tz_offset(z, 1793512799, NULL), -14400);
	assert_int_equal(tz_offset(z, 1793512800, NULL), -18000);
	assert_int_equal(tz_span(z, 1782864000, &s, &e), -14400);
	assert_int_equal(s, 1772953200);
	assert_int_equal(e, 1793512800);
	tz_free(z);
}

/*
 * POSIX TZ strings (as TZ, and so as footers): each against glibc over
 * 1970-2100, and some against literal instants.  Forms: Mm.w.d, Jn, n,
 * negative and more-than-24-hour rule times (RFC 8536 §3.3.1), quoted
 * names, half-hour DST, negative DST, DST all year, no rule (the US
 * default).
 */
static void
test_tz_posix_strings(void **state)
{
	/* "from": where glibc is a fair reference.  (For a rule-less
	 * "ABC5DEF" glibc borrows its posixrules file and gets the end of
	 * DST wrong; for RFC 8536's DST-all-year "EST5EDT,0/0,J365/25" it
	 * picks the rule's year by UTC and has standard time for the first
	 * five hours of each UTC year.  Both are checked against literals
	 * below.) */
	static const struct {
		const char	*rule;
		int64_t		 from;
	} rules[] = {
		{ "CET-1CEST,M3.5.0,M10.5.0/3",			0 },
		{ "EST5EDT,M3.2.0,M11.1.0",			0 },
		{ "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",	0 },
		{ "<-02>2<-01>,M3.5.0/-1,M10.5.0/0",		0 },
		{ "IST-1GMT0,M10.5.0,M3.5.0/1",			0 },
		{ "AAA3BBB,J60/2,J300/2",			0 },
		{ "XXX-2YYY,59/1:30,300/4",			0 },
		{ "<+0545>-5:45",				0 },
		{ "NZST-12NZDT,M9.5.0,M4.1.0/3",			0 },
		{ "<-03>3<-02>,M3.2.0/-2:30,M11.1.0/-1:30",	0 },
		{ "ABC-10DEF-10:30,M10.1.0/26,M4.1.0/-26",	0 },
	};
	struct tz *z;
	struct tm tm;
	time_t tt;
	int64_t t;
	size_t i;
	int isdst;

	(void)state;
	for (i = 0; i < NELEM(rules); i++) {
		set_tz(rules[i].rule);
		z = load(NULL);
		assert_string_equal(tz_name(z), rules[i].rule);
		for (t = rules[i].from; t < INT64_C(4102444800);
		    t += 3 * HOUR + 17) {
			tt = (time_t)t;
			assert_non_null(localtime_r(&tt, &tm));
			if (tz_offset(z, t, &isdst) != tm.tm_gmtoff ||
			    isdst != tm.tm_isdst)
				fail_msg("TZ=%s at %lld: ours %d/%d, glibc "
				    "%ld/%d", rules[i].rule, (long long)t,
				    (int)tz_offset(z, t, NULL), isdst,
				    (long)tm.tm_gmtoff, tm.tm_isdst);
		}
		tz_free(z);
	}
	/* Literals for the Lord Howe rule in 2026 (zdump above). */
	set_tz("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
	z = load(NULL);
	assert_int_equal(tz_offset(z, 1775314799, NULL), 39600);
	assert_int_equal(tz_offset(z, 1775314800, NULL), 37800);
	assert_int_equal(tz_offset(z, 1791041399, NULL), 37800);
	assert_int_equal(tz_offset(z, 1791041400, NULL), 39600);
	tz_free(z);
	/* No rule: tzcode's default, the US rule M3.2.0,M11.1.0, which
	 * gives New York's 2026 changes (zdump above). */
	set_tz("ABC5DEF");
	z = load(NULL);
	assert_int_equal(tz_offset(z, 1772953199, NULL), -18000);
	assert_int_equal(tz_offset(z, 1772953200, NULL), -14400);
	assert_int_equal(tz_offset(z, 1793512799, NULL), -14400);
	assert_int_equal(tz_offset(z, 1793512800, &isdst), -18000);
	assert_int_equal(isdst, 0);
	tz_free(z);
	/* DST all year: never a change. */
	set_tz("EST5EDT,0/0,J365/25");
	z = load(NULL);
	assert_int_equal(tz_offset(z, 1782864000, &isdst), -14400);
	assert_int_equal(isdst, 1);
	assert_int_equal(tz_offset(z, 1767225600, &isdst), -14400);
	assert_int_equal(tz_offset(z, 0, &isdst), -14400);
	assert_int_equal(tz_offset(z, 4102444800, &isdst), -14400);
	tz_free(z);
	set_tz(NULL);
}

static void
test_tz_local_zone(void **state)
{
	struct tz *z, *z2;
	char err[256], name[300];

	(void)state;
	set_tz("Asia/Kolkata");
	z = load(NULL);
	assert_string_equal(tz_name(z), "Asia/Kolkata");
	assert_int_equal(tz_offset(z, 1767225600, NULL), 19800);
	tz_free(z);

	set_tz(":Europe/Berlin");
	z = load("");
	assert_string_equal(tz_name(z), "Europe/Berlin");
	assert_int_equal(tz_offset(z, 1782864000, NULL), 7200);
	tz_free(z);

	set_tz(":/usr/share/zoneinfo/Australia/Lord_Howe");
	z = load(NULL);
	assert_string_equal(tz_name(z), "Australia/Lord_Howe");
	assert_int_equal(tz_offset(z, 1775314800, NULL), 37800);
	tz_free(z);

	/* TZ naming nothing, or empty, or unset: /etc/localtime, named by
	 * its link when there is one, else UTC.  All three agree. */
	set_tz(NULL);
	z = load(NULL);
	assert_true(strlen(tz_name(z)) > 0);
	if (strcmp(tz_name(z), "localtime") != 0) {
		z2 = load(tz_name(z));
		assert_int_equal(tz_offset(z2, 1772953200, NULL),
		    tz_offset(z, 1772953200, NULL));
		assert_int_equal(tz_offset(z2, 1793512800, NULL),
		    tz_offset(z, 1793512800, NULL));
		tz_free(z2);
	}
	(void)snprintf(name, sizeof(name), "%s", tz_name(z));
	tz_free(z);
	set_tz("Nowhere/Zone");
	z2 = load(NULL);
	assert_string_equal(tz_name(z2), name);
	tz_free(z2);
	set_tz("");
	z2 = load(NULL);
	assert_string_equal(tz_name(z2), name);
	tz_free(z2);

	/* TZ naming something that is not a zone file falls back too. */
	set_tz(":/dev/null");
	assert_int_equal(tz_load(NULL, &z2, err, sizeof(err)), 0);
	assert_string_equal(tz_name(z2), name);
	tz_free(z2);
	set_tz(NULL);
}

/* The system zone is /etc/localtime's, whatever TZ says. */
static void
test_tz_system_zone(void **state)
{
	struct tz *local, *sys;
	char err[256];
	static const char *const tzs[] = { NULL, "Asia/Kolkata",
	    ":Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3", "" };
	size_t i;

	(void)state;
	set_tz(NULL);
	local = load(NULL);
	for (i = 0; i < NELEM(tzs); i++) {
		set_tz(tzs[i]);
		assert_int_equal(tz_load_system(&sys, err, sizeof(err)), 0);
		assert_string_equal(tz_name(sys), tz_name(local));
		assert_int_equal(tz_offset(sys, 1772953200, NULL),
		    tz_offset(local, 1772953200, NULL));
		assert_int_equal(tz_offset(sys, 1782864000, NULL),
		    tz_offset(local, 1782864000, NULL));
		tz_free(sys);
	}
	tz_free(local);
	set_tz(NULL);
}

static void
test_tz_utc(void **state)
{
	struct tz *z;
	int isdst = -1;

	(void)state;
	z = load("UTC");
	assert_string_equal(tz_name(z), "UTC");
	assert_int_equal(tz_offset(z, 1772953200, &isdst), 0);
	assert_int_equal(isdst, 0);
	tz_free(z);
	z = load("Etc/UTC");
	assert_string_equal(tz_name(z), "Etc/UTC");
	tz_free(z);
	assert_string_equal(tz_name(NULL), "UTC");
	assert_int_equal(tz_offset(NULL, 0, &isdst), 0);
	tz_free(NULL);
	/* Extreme instants are clamped, never overflow. */
	z = load("America/New_York");
	assert_int_equal(tz_offset(z, INT64_MAX, NULL),
	    tz_offset(z, INT64_C(1) << 50, NULL));
	assert_int_equal(tz_offset(z, INT64_MIN, NULL), -17762);
	tz_free(z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tz_offsets_match_zdump),
		cmocka_unit_test(test_tz_localtime_fields),
		cmocka_unit_test(test_tz_span),
		cmocka_unit_test(test_tz_local_to_utc),
		cmocka_unit_test(test_tz_local_to_utc_roundtrip),
		cmocka_unit_test(test_tz_matches_libc),
		cmocka_unit_test(test_tz_unknown_zone),
		cmocka_unit_test(test_tz_bad_names),
		cmocka_unit_test(test_tz_bad_files),
		cmocka_unit_test(test_tz_handmade_files),
		cmocka_unit_test(test_tz_posix_strings),
		cmocka_unit_test(test_tz_local_zone),
		cmocka_unit_test(test_tz_system_zone),
		cmocka_unit_test(test_tz_utc),
	};

	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
