/*
 * timefmt: parsing and printing durations and points in time.
 *
 * This module owns the textual forms of time that users type and read:
 * durations ("1h30m"), points in time ("now", "+5m", "@1767225600",
 * "2026-12-01 03:00", "2026-12-01T03:00:00.000Z") and their printed forms.
 * Every point in time is UTC milliseconds since the epoch in an int64_t;
 * every duration is a non-negative int64_t count of milliseconds.
 *
 * It reads no clock (callers pass "now") and keeps no state: no statics, no
 * allocation.  UTC arithmetic is done with civil_to_days()/civil_from_days()
 * (civil.h: the proleptic Gregorian calendar), so the file needs only POSIX.
 * The only contact with the outside world is local-time conversion, which
 * goes through mktime() and localtime_r() and so reads the process's time
 * zone (TZ, or /etc/localtime).  Every function is reentrant and may be
 * called from any thread; callers that change TZ must call tzset()
 * themselves.
 *
 * Local times are validated by round trip: a candidate UTC second is accepted
 * only if localtime_r() turns it back into exactly the fields the user wrote.
 * A wall-clock time no candidate reproduces does not exist (a DST gap) and is
 * refused; when several do (the repeated hour in autumn) the earliest wins.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobd/civil.h"
#include "jobd/timefmt.h"

#if defined(__GNUC__)
#define TF_PRINTF(f, a)	__attribute__((format(printf, f, a)))
#else
#define TF_PRINTF(f, a)
#endif

#define MS_PER_SEC	INT64_C(1000)
#define SECS_PER_DAY	INT64_C(86400)
#define WHY_MAX		192	/* a reason, without the "invalid ..." prefix */
#define QUOTE_MAX	96	/* the quoted input in an error message */
#define QUOTE_SHOWN	72	/* input bytes shown before "..." */

/* Duration units, largest first; a duration must use them in this order. */
static const struct tf_unit {
	const char	*name;
	int64_t		 ms;
} tf_units[] = {
	{ "d",	INT64_C(86400000) },
	{ "h",	INT64_C(3600000) },
	{ "m",	INT64_C(60000) },
	{ "s",	INT64_C(1000) },
	{ "ms",	INT64_C(1) },
};
#define TF_NUNITS	(sizeof(tf_units) / sizeof(tf_units[0]))
#define TF_UNIT_S	3	/* index of "s": relative times stop there */

static const char *const tf_months[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};

/* A broken-down time as written by the user, before any conversion. */
struct tf_civil {
	int	year;		/* 1970..9999 */
	int	mon;		/* 1..12 */
	int	day;		/* 1..31 */
	int	hour;		/* 0..23 */
	int	min;		/* 0..59 */
	int	sec;		/* 0..59 */
	int	msec;		/* 0..999 */
	int	has_zone;	/* "Z" or an offset was given */
	int	off_sign;	/* +1 or -1 */
	int	off_hour;	/* 0..23 */
	int	off_min;	/* 0..59 */
};

static void	tf_why(char *, size_t, const char *, ...) TF_PRINTF(3, 4);

/*
 * Write a printf-style reason to why (whylen bytes).  Truncation is fine:
 * the reason is for humans.
 */
static void
tf_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/*
 * Write s, double-quoted, into q (qlen bytes, qlen >= 8).  Control bytes,
 * '"' and '\' are escaped so the message stays one line; input longer than
 * QUOTE_SHOWN bytes is cut and marked with "...".
 */
static void
tf_quote(char *q, size_t qlen, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0, shown = 0;

	q[n++] = '"';
	for (; *p != '\0'; p++, shown++) {
		/* Room for the longest escape, "...", '"' and the NUL. */
		if (shown >= QUOTE_SHOWN || n + 4 + 3 + 2 > qlen) {
			memcpy(q + n, "...", 3);
			n += 3;
			break;
		}
		if (*p < 0x20 || *p == 0x7f) {
			q[n++] = '\\';
			q[n++] = 'x';
			q[n++] = hex[*p >> 4];
			q[n++] = hex[*p & 0xf];
		} else if (*p == '"' || *p == '\\') {
			q[n++] = '\\';
			q[n++] = (char)*p;
		} else
			q[n++] = (char)*p;
	}
	q[n++] = '"';
	q[n] = '\0';
}

/*
 * Write "invalid <kind> "<s>": <why>" to err, if there is an err, and
 * return error.
 */
static int
tf_fail(int error, char *err, size_t errlen, const char *kind, const char *s,
    const char *why)
{
	char q[QUOTE_MAX];

	if (err != NULL && errlen > 0) {
		tf_quote(q, sizeof(q), s);
		(void)snprintf(err, errlen, "invalid %s %s: %s", kind, q, why);
	}
	return error;
}

static int
tf_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

static int
tf_isalpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Split ms into floored seconds and a 0..999 remainder, without overflow. */
static void
tf_split_ms(int64_t ms, int64_t *secs, int *msec)
{
	int64_t s = ms / MS_PER_SEC, r = ms % MS_PER_SEC;

	if (r < 0) {
		r += MS_PER_SEC;
		s--;
	}
	*secs = s;
	*msec = (int)r;
}

/* Fail a format call with -ERANGE, leaving buf empty when it has room. */
static int
tf_range(char *buf, size_t len)
{
	if (buf != NULL && len > 0)
		buf[0] = '\0';
	return -ERANGE;
}

/*
 * Copy the NUL-terminated tmp into buf (len bytes).  Returns 0, or -ERANGE
 * leaving buf empty (when len > 0) if it does not fit.
 */
static int
tf_put(char *buf, size_t len, const char *tmp)
{
	size_t n = strlen(tmp);

	if (buf == NULL || n >= len)
		return tf_range(buf, len);
	memcpy(buf, tmp, n + 1);
	return 0;
}

/* The index in tf_units of the unit named by u (ulen bytes), or -1. */
static int
tf_unit_find(const char *u, size_t ulen)
{
	size_t i;

	for (i = 0; i < TF_NUNITS; i++)
		if (strlen(tf_units[i].name) == ulen &&
		    strncmp(tf_units[i].name, u, ulen) == 0)
			return (int)i;
	return -1;
}

/*
 * Read one "<integer><unit>" term at *pp, where prev is the index of the
 * previous term's unit (-1 for the first).  On success advance *pp, set
 * *unit and *v, and set *overflow if the integer does not fit in int64_t.
 * Returns 0 or -EINVAL with a reason.
 */
static int
tf_scan_term(const char **pp, int prev, int *unit, int64_t *v, int *overflow,
    char *why, size_t whylen)
{
	char q[QUOTE_MAX];
	const char *p = *pp, *num, *u;
	int nlen, i, next;

	if (prev == (int)TF_NUNITS - 1) {
		tf_quote(q, sizeof(q), p);
		tf_why(why, whylen, "nothing can follow \"%s\", the smallest "
		    "unit, found %s", tf_units[prev].name, q);
		return -EINVAL;
	}
	if (!tf_isdigit(*p)) {
		tf_quote(q, sizeof(q), p);
		if (prev < 0)
			tf_why(why, whylen, "expected a number, found %s", q);
		else
			tf_why(why, whylen, "expected a number after \"%s\", "
			    "found %s", tf_units[prev].name, q);
		return -EINVAL;
	}
	*v = 0;
	for (num = p; tf_isdigit(*p); p++) {
		if (*v > (INT64_MAX - (*p - '0')) / 10)
			*overflow = 1;
		else
			*v = *v * 10 + (*p - '0');
	}
	nlen = p - num > 24 ? 24 : (int)(p - num);
	for (u = p; tf_isalpha(*p); p++)
		continue;
	if (p == u && *p == '\0') {
		/* Suggest the unit that may come next. */
		next = prev < 0 ? TF_UNIT_S : prev + 1;
		tf_why(why, whylen, "missing unit (e.g. %.*s%s)", nlen, num,
		    tf_units[next].name);
		return -EINVAL;
	}
	if (p == u) {
		tf_quote(q, sizeof(q), p);
		tf_why(why, whylen, "expected a unit (ms, s, m, h or d) after "
		    "\"%.*s\", found %s", nlen, num, q);
		return -EINVAL;
	}
	if ((i = tf_unit_find(u, (size_t)(p - u))) < 0) {
		tf_why(why, whylen, "unknown unit \"%.*s\" (use ms, s, m, h "
		    "or d)", p - u > 16 ? 16 : (int)(p - u), u);
		return -EINVAL;
	}
	if (i == prev) {
		tf_why(why, whylen, "unit \"%s\" appears twice",
		    tf_units[i].name);
		return -EINVAL;
	}
	if (i < prev) {
		tf_why(why, whylen, "\"%s\" cannot follow \"%s\" (units go "
		    "from largest to smallest: d, h, m, s, ms)",
		    tf_units[i].name, tf_units[prev].name);
		return -EINVAL;
	}
	*pp = p;
	*unit = i;
	return 0;
}

/*
 * Parse the duration s into *ms.  On failure write the reason (without the
 * "invalid duration" prefix) to why and return -EINVAL or -ERANGE.  Syntax
 * errors win over overflow, so "99999999999999999999x" is -EINVAL.
 */
static int
tf_parse_duration(const char *s, int64_t *ms, char *why, size_t whylen)
{
	char maxs[TIMEFMT_MAX];
	const char *p = s;
	int64_t total = 0, v, term;
	int error, unit, prev = -1, overflow = 0;

	if (*p == '\0') {
		tf_why(why, whylen, "empty duration (e.g. 90s or 1h30m)");
		return -EINVAL;
	}
	if (*p == '+' || *p == '-') {
		tf_why(why, whylen, "a duration has no sign");
		return -EINVAL;
	}
	while (*p != '\0') {
		if ((error = tf_scan_term(&p, prev, &unit, &v, &overflow, why,
		    whylen)) != 0)
			return error;
		prev = unit;
		if (overflow || v > INT64_MAX / tf_units[unit].ms) {
			overflow = 1;
			continue;
		}
		term = v * tf_units[unit].ms;
		if (total > INT64_MAX - term)
			overflow = 1;
		else
			total += term;
	}
	if (overflow) {
		if (timefmt_format_duration(INT64_MAX, maxs, sizeof(maxs)) != 0)
			maxs[0] = '\0';
		tf_why(why, whylen, "too long (the longest is %s)", maxs);
		return -ERANGE;
	}
	*ms = total;
	return 0;
}

int
timefmt_parse_duration(const char *s, int64_t *ms, char *err, size_t errlen)
{
	char why[WHY_MAX];
	int64_t v;
	int error;

	if ((error = tf_parse_duration(s, &v, why, sizeof(why))) != 0)
		return tf_fail(error, err, errlen, "duration", s, why);
	*ms = v;
	return 0;
}

/* Read exactly n ASCII digits at *pp into *out; advance *pp on success. */
static int
tf_digits(const char **pp, int n, int *out)
{
	const char *p = *pp;
	int i, v = 0;

	for (i = 0; i < n; i++, p++) {
		if (!tf_isdigit(*p))
			return 0;
		v = v * 10 + (*p - '0');
	}
	*pp = p;
	*out = v;
	return 1;
}

/*
 * Parse the syntax of "YYYY-MM-DD[( |T)HH:MM[:SS[.fff]][Z|(+|-)HH[[:]MM]]]"
 * into *c, without range checks.  Returns 0 or -EINVAL with a reason.
 */
static int
tf_scan_datetime(const char *s, struct tf_civil *c, char *why, size_t whylen)
{
	char q[QUOTE_MAX];
	const char *p = s;
	int n;

	memset(c, 0, sizeof(*c));
	c->off_sign = 1;
	if (!tf_digits(&p, 4, &c->year) || tf_isdigit(*p)) {
		tf_why(why, whylen, "the year must have 4 digits "
		    "(YYYY-MM-DD)");
		return -EINVAL;
	}
	if (*p++ != '-' || !tf_digits(&p, 2, &c->mon) || tf_isdigit(*p)) {
		tf_why(why, whylen, "the month must have 2 digits "
		    "(YYYY-MM-DD)");
		return -EINVAL;
	}
	if (*p++ != '-' || !tf_digits(&p, 2, &c->day) || tf_isdigit(*p)) {
		tf_why(why, whylen, "the day must have 2 digits (YYYY-MM-DD)");
		return -EINVAL;
	}
	if (*p == '\0')
		return 0;
	if (*p != ' ' && *p != 'T') {
		tf_quote(q, sizeof(q), p);
		tf_why(why, whylen, "unexpected %s after the date (expected "
		    "the end, \" HH:MM\" or \"THH:MM\")", q);
		return -EINVAL;
	}
	p++;
	if (!tf_digits(&p, 2, &c->hour) || *p++ != ':' ||
	    !tf_digits(&p, 2, &c->min) || tf_isdigit(*p)) {
		tf_why(why, whylen, "the time must be HH:MM or HH:MM:SS, "
		    "with 2 digits each");
		return -EINVAL;
	}
	if (*p == ':') {
		p++;
		if (!tf_digits(&p, 2, &c->sec) || tf_isdigit(*p)) {
			tf_why(why, whylen, "the seconds must have 2 digits");
			return -EINVAL;
		}
		if (*p == '.') {
			p++;
			for (n = 0; tf_isdigit(*p); n++, p++) {
				if (n == 3) {
					tf_why(why, whylen, "at most 3 digits "
					    "after the seconds (milliseconds)");
					return -EINVAL;
				}
				c->msec = c->msec * 10 + (*p - '0');
			}
			if (n == 0) {
				tf_why(why, whylen, "expected digits after "
				    "the \".\" in the seconds");
				return -EINVAL;
			}
			for (; n < 3; n++)
				c->msec *= 10;
		}
	}
	if (*p == 'Z') {
		c->has_zone = 1;
		p++;
	} else if (*p == '+' || *p == '-') {
		c->has_zone = 1;
		c->off_sign = *p++ == '-' ? -1 : 1;
		if (!tf_digits(&p, 2, &c->off_hour))
			goto badoff;
		if (*p == ':') {
			p++;
			if (!tf_digits(&p, 2, &c->off_min))
				goto badoff;
		} else if (tf_isdigit(*p) && !tf_digits(&p, 2, &c->off_min))
			goto badoff;
		if (tf_isdigit(*p))
			goto badoff;
	}
	if (*p != '\0') {
		tf_quote(q, sizeof(q), p);
		tf_why(why, whylen, "unexpected %s after the time", q);
		return -EINVAL;
	}
	return 0;

badoff:
	tf_why(why, whylen, "the UTC offset must be Z, +HH, +HHMM or +HH:MM "
	    "(or the same with -)");
	return -EINVAL;
}

/* Check the ranges of the fields of c.  Returns 0 or -EINVAL. */
static int
tf_check_civil(const struct tf_civil *c, char *why, size_t whylen)
{
	if (c->year < 1970) {
		tf_why(why, whylen, "year %d is out of range (1970-9999)",
		    c->year);
		return -EINVAL;
	}
	if (c->mon < 1 || c->mon > 12) {
		tf_why(why, whylen, "month %d is out of range (1-12)", c->mon);
		return -EINVAL;
	}
	if (c->day < 1 || c->day > civil_days_in_month(c->year, c->mon)) {
		tf_why(why, whylen, "day %d is out of range for %s %d",
		    c->day, tf_months[c->mon - 1], c->year);
		return -EINVAL;
	}
	if (c->hour > 23) {
		tf_why(why, whylen, "hour %d is out of range (0-23)", c->hour);
		return -EINVAL;
	}
	if (c->min > 59) {
		tf_why(why, whylen, "minute %d is out of range (0-59)",
		    c->min);
		return -EINVAL;
	}
	if (c->sec > 59) {
		tf_why(why, whylen, "second %d is out of range (0-59; leap "
		    "seconds are not accepted)", c->sec);
		return -EINVAL;
	}
	if (c->off_hour > 23 || c->off_min > 59) {
		tf_why(why, whylen, "UTC offset %c%02d:%02d is out of range "
		    "(at most 23:59)", c->off_sign < 0 ? '-' : '+',
		    c->off_hour, c->off_min);
		return -EINVAL;
	}
	return 0;
}

/* Seconds of the wall-clock time c as if it were UTC. */
static int64_t
tf_civil_secs(const struct tf_civil *c)
{
	return civil_to_days(c->year, c->mon, c->day) * SECS_PER_DAY +
	    c->hour * 3600 + c->min * 60 + c->sec;
}

/*
 * UTC offset in seconds of local time at t, computed as the broken-down
 * local time read as UTC minus t (plain POSIX: no tm_gmtoff).  Returns 0 and
 * fills *tm, or -ERANGE.
 */
static int
tf_local_offset(time_t t, struct tm *tm, int64_t *off)
{
	if (localtime_r(&t, tm) == NULL)
		return -ERANGE;
	*off = civil_to_days((int64_t)tm->tm_year + 1900,
	    tm->tm_mon + 1, tm->tm_mday) * SECS_PER_DAY +
	    tm->tm_hour * 3600 + tm->tm_min * 60 + tm->tm_sec - (int64_t)t;
	return 0;
}

/* Does local time at t have exactly the wall-clock fields of c? */
static int
tf_local_matches(time_t t, const struct tf_civil *c)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return tm.tm_year == c->year - 1900 && tm.tm_mon == c->mon - 1 &&
	    tm.tm_mday == c->day && tm.tm_hour == c->hour &&
	    tm.tm_min == c->min && tm.tm_sec == c->sec;
}

/*
 * Convert the local wall-clock time c to UTC seconds in *secs.
 *
 * Candidates are what mktime() makes of c with tm_isdst -1, 0 and 1, plus c
 * shifted by the UTC offsets in force three days either side of the first
 * of those (this catches offset changes that are not DST changes, where
 * tm_isdst does not tell the two sides apart).  A candidate counts only if
 * localtime_r() gives back c exactly; the earliest one wins.  With none,
 * c falls in a gap and is refused.
 */
static int
tf_local_to_utc(const struct tf_civil *c, int64_t *secs, char *why,
    size_t whylen)
{
	static const int isdst[3] = { -1, 0, 1 };
	struct tm base, tm, before, after;
	char zb[16], za[16];
	const char *zone;
	int64_t naive, off, best = 0;
	time_t t, t0 = 0;
	int i, found = 0, have_t0 = 0;

	memset(&base, 0, sizeof(base));
	base.tm_year = c->year - 1900;
	base.tm_mon = c->mon - 1;
	base.tm_mday = c->day;
	base.tm_hour = c->hour;
	base.tm_min = c->min;
	base.tm_sec = c->sec;
	for (i = 0; i < 3; i++) {
		tm = base;
		tm.tm_isdst = isdst[i];
		tm.tm_wday = -1;	/* mktime() sets it on success */
		t = mktime(&tm);
		if (tm.tm_wday == -1)
			continue;
		if (!have_t0) {
			t0 = t;
			have_t0 = 1;
		}
		if (tf_local_matches(t, c) && (!found || t < best)) {
			best = t;
			found = 1;
		}
	}
	if (!have_t0) {
		tf_why(why, whylen, "cannot be converted to local time");
		return -ERANGE;
	}
	naive = tf_civil_secs(c);
	for (i = -1; i <= 1; i += 2) {
		t = t0 + i * 3 * SECS_PER_DAY;
		if (tf_local_offset(t, &tm, &off) != 0)
			continue;
		t = (time_t)(naive - off);
		if (tf_local_matches(t, c) && (!found || t < best)) {
			best = t;
			found = 1;
		}
	}
	if (found) {
		*secs = best;
		return 0;
	}

	/* A gap: name the zone and, if they differ, the offsets around it. */
	zone = getenv("TZ");
	if (zone != NULL && *zone == ':')
		zone++;
	if (zone == NULL || *zone == '\0')
		zone = "/etc/localtime";
	zb[0] = za[0] = '\0';
	if (tf_local_offset(t0 - 3 * SECS_PER_DAY, &before, &off) == 0)
		(void)strftime(zb, sizeof(zb), "%Z", &before);
	if (tf_local_offset(t0 + 3 * SECS_PER_DAY, &after, &off) == 0)
		(void)strftime(za, sizeof(za), "%Z", &after);
	if (zb[0] != '\0' && za[0] != '\0' && strcmp(zb, za) != 0)
		tf_why(why, whylen, "%04d-%02d-%02d %02d:%02d:%02d does not "
		    "exist in the local time zone %s (the clocks skip it when "
		    "changing from %s to %s)", c->year, c->mon, c->day,
		    c->hour, c->min, c->sec, zone, zb, za);
	else
		tf_why(why, whylen, "%04d-%02d-%02d %02d:%02d:%02d does not "
		    "exist in the local time zone %s (the clocks skip it)",
		    c->year, c->mon, c->day, c->hour, c->min, c->sec, zone);
	return -EINVAL;
}

/* Parse a date-time form of s into *ms.  Returns 0, -EINVAL or -ERANGE. */
static int
tf_parse_datetime(const char *s, int64_t *ms, char *why, size_t whylen)
{
	struct tf_civil c;
	int64_t secs;
	int error;

	if ((error = tf_scan_datetime(s, &c, why, whylen)) != 0 ||
	    (error = tf_check_civil(&c, why, whylen)) != 0)
		return error;
	if (c.has_zone)
		secs = tf_civil_secs(&c) -
		    c.off_sign * (c.off_hour * 3600 + c.off_min * 60);
	else if ((error = tf_local_to_utc(&c, &secs, why, whylen)) != 0)
		return error;
	/* Years 1970..9999 with a 64-bit time_t: this cannot overflow. */
	*ms = secs * MS_PER_SEC + c.msec;
	return 0;
}

int
timefmt_local_to_utc(int year, int mon, int day, int hour, int min, int sec,
    int64_t *ms, char *why, size_t whylen)
{
	struct tf_civil c;
	int64_t secs;
	int error;

	if (year > 9999) {
		tf_why(why, whylen, "year %d is out of range (1970-9999)",
		    year);
		return -ERANGE;
	}
	memset(&c, 0, sizeof(c));
	c.year = year;
	c.mon = mon;
	c.day = day;
	c.hour = hour;
	c.min = min;
	c.sec = sec;
	if ((error = tf_check_civil(&c, why, whylen)) != 0 ||
	    (error = tf_local_to_utc(&c, &secs, why, whylen)) != 0)
		return error;
	*ms = secs * MS_PER_SEC;
	return 0;
}

/* Parse "@EPOCH" (s points after the '@') into *ms. */
static int
tf_parse_epoch(const char *s, int64_t *ms, char *why, size_t whylen)
{
	char q[QUOTE_MAX];
	const char *p = s;
	int64_t v = 0;
	int overflow = 0;

	if (!tf_isdigit(*p)) {
		if (*p == '\0')
			tf_why(why, whylen, "expected seconds since the epoch "
			    "after \"@\"");
		else {
			tf_quote(q, sizeof(q), p);
			tf_why(why, whylen, "expected seconds since the epoch "
			    "(digits only) after \"@\", found %s", q);
		}
		return -EINVAL;
	}
	for (; tf_isdigit(*p); p++) {
		if (v > (INT64_MAX / MS_PER_SEC - (*p - '0')) / 10)
			overflow = 1;
		else
			v = v * 10 + (*p - '0');
	}
	if (*p != '\0') {
		tf_quote(q, sizeof(q), p);
		tf_why(why, whylen, "unexpected %s after the seconds since "
		    "the epoch", q);
		return -EINVAL;
	}
	if (overflow) {
		tf_why(why, whylen, "too far in the future (at most @%lld)",
		    (long long)(INT64_MAX / MS_PER_SEC));
		return -ERANGE;
	}
	*ms = v * MS_PER_SEC;
	return 0;
}

int
timefmt_parse_time(const char *s, int64_t now, int64_t *ms, char *err,
    size_t errlen)
{
	char why[WHY_MAX];
	int64_t v = 0, d;
	int error = 0;

	if (*s == '\0') {
		tf_why(why, sizeof(why), "empty time");
		error = -EINVAL;
	} else if (strcmp(s, "now") == 0)
		v = now;
	else if (*s == '+') {
		if ((error = tf_parse_duration(s + 1, &d, why,
		    sizeof(why))) == 0) {
			if (now > INT64_MAX - d) {
				tf_why(why, sizeof(why), "now plus the "
				    "duration is too far in the future");
				error = -ERANGE;
			} else
				v = now + d;
		}
	} else if (*s == '@')
		error = tf_parse_epoch(s + 1, &v, why, sizeof(why));
	else if (tf_isdigit(*s) && s[strspn(s, "0123456789")] == '-')
		error = tf_parse_datetime(s, &v, why, sizeof(why));
	else
		error = timefmt_parse_at(s, now, &v, why, sizeof(why));
	if (error != 0)
		return tf_fail(error, err, errlen, "time", s, why);
	*ms = v;
	return 0;
}

/*
 * Negative ms (before 1970) are printed by flooring, so -1 is
 * "1969-12-31T23:59:59.999Z".  Years outside 0000..9999 are -ERANGE.
 */
int
timefmt_format_utc(int64_t ms, char *buf, size_t len)
{
	char tmp[TIMEFMT_MAX];
	int64_t secs, days, sod, y;
	int msec, m, d, n;

	tf_split_ms(ms, &secs, &msec);
	days = civil_floor_div(secs, SECS_PER_DAY);
	sod = secs - days * SECS_PER_DAY;
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		return tf_range(buf, len);
	n = snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    (int)y, m, d, (int)(sod / 3600), (int)(sod / 60 % 60),
	    (int)(sod % 60), msec);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return tf_range(buf, len);
	return tf_put(buf, len, tmp);
}

/*
 * The milliseconds are dropped (floored).  An offset that is not a whole
 * number of minutes (local mean time, before 1900 or so) is rounded to the
 * nearest minute and the printed wall-clock time follows it, so the string
 * still names the right instant to the second's precision of the offset.
 */
int
timefmt_format_local(int64_t ms, char *buf, size_t len)
{
	char tmp[TIMEFMT_MAX];
	struct tm tm;
	int64_t secs, off, offm, aoff, local, days, sod, y;
	int msec, m, d, n;

	tf_split_ms(ms, &secs, &msec);
	if ((int64_t)(time_t)secs != secs ||
	    tf_local_offset((time_t)secs, &tm, &off) != 0)
		return tf_range(buf, len);
	offm = civil_floor_div(off + 30, 60);
	local = secs + offm * 60;
	days = civil_floor_div(local, SECS_PER_DAY);
	sod = local - days * SECS_PER_DAY;
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		return tf_range(buf, len);
	aoff = offm < 0 ? -offm : offm;
	n = snprintf(tmp, sizeof(tmp),
	    "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", (int)y, m, d,
	    (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60),
	    offm < 0 ? '-' : '+', (int)(aoff / 60), (int)(aoff % 60));
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return tf_range(buf, len);
	return tf_put(buf, len, tmp);
}

int
timefmt_format_duration(int64_t ms, char *buf, size_t len)
{
	char tmp[TIMEFMT_MAX];
	size_t i, used = 0;
	int64_t v;
	int n;

	if (ms < 0)
		return tf_range(buf, len);
	if (ms == 0)
		return tf_put(buf, len, "0s");
	tmp[0] = '\0';
	for (i = 0; i < TF_NUNITS; i++) {
		v = ms / tf_units[i].ms;
		ms %= tf_units[i].ms;
		if (v == 0)
			continue;
		n = snprintf(tmp + used, sizeof(tmp) - used, "%lld%s",
		    (long long)v, tf_units[i].name);
		if (n < 0 || (size_t)n >= sizeof(tmp) - used)
			return tf_range(buf, len);
		used += (size_t)n;
	}
	return tf_put(buf, len, tmp);
}

/*
 * Rounded down to the largest non-zero unit among d, h, m and s and the unit
 * just below it, zero terms omitted: 2d0h5m is "2d", 1h5m30s is "1h5m".
 */
int
timefmt_format_relative(int64_t ms, int64_t now, char *buf, size_t len)
{
	char tmp[TIMEFMT_MAX];
	uint64_t a, u, v, w;
	size_t i;
	int future, n;

	/* The true difference always fits in uint64_t. */
	if (ms >= now) {
		a = (uint64_t)ms - (uint64_t)now;
		future = 1;
	} else {
		a = (uint64_t)now - (uint64_t)ms;
		future = 0;
	}
	if (a < (uint64_t)MS_PER_SEC)
		return tf_put(buf, len, "now");
	for (i = 0; i < TF_UNIT_S; i++)
		if (a >= (uint64_t)tf_units[i].ms)
			break;
	u = (uint64_t)tf_units[i].ms;
	v = a / u;
	w = i < TF_UNIT_S ? a % u / (uint64_t)tf_units[i + 1].ms : 0;
	if (w != 0)
		n = snprintf(tmp, sizeof(tmp), "%s%llu%s%llu%s%s",
		    future ? "in " : "", (unsigned long long)v,
		    tf_units[i].name, (unsigned long long)w,
		    tf_units[i + 1].name, future ? "" : " ago");
	else
		n = snprintf(tmp, sizeof(tmp), "%s%llu%s%s",
		    future ? "in " : "", (unsigned long long)v,
		    tf_units[i].name, future ? "" : " ago");
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return tf_range(buf, len);
	return tf_put(buf, len, tmp);
}
