/*
 * timefmt: parsing and printing durations and points in time.
 *
 * Durations are written as one or more <integer><unit> terms with units in
 * decreasing order, each at most once: "500ms", "90s", "5m", "1h30m", "2d",
 * "1d12h".  Units: ms, s, m, h, d.  A bare number is refused (the unit is
 * never guessed).
 *
 * Times are "now", "+DURATION" (from now), "@EPOCH" (seconds since the
 * epoch, UTC), "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]" or the same with a "T"
 * separator; a trailing "Z" or numeric offset ("+01:00", "+0100", "-05")
 * makes it absolute, otherwise it is a local time in the process's time zone
 * (TZ).  A local time that does not exist (skipped by a DST change) is
 * refused; one that exists twice is the first occurrence.  Also at(1)'s
 * everyday forms (timefmt_parse_at()): "23:00", "3pm", "noon",
 * "midnight", "tomorrow 03:00", "friday 09:00", "now + 2 hours".
 *
 * All functions are pure except that local-time conversion reads the
 * process's time zone; they do not read the clock (callers pass "now").
 * Errors: 0 or -EINVAL/-ERANGE, with a one-line reason that quotes the input
 * written to err (errlen bytes, NUL included; err may be NULL).
 */
#ifndef JOBD_TIMEFMT_H
#define JOBD_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Longest string any timefmt_format_* function writes, NUL included. */
#define TIMEFMT_MAX	64

/*
 * Parse duration "s" into *ms (>= 0).  -EINVAL on bad syntax, -ERANGE when
 * the value does not fit in int64 milliseconds.  *ms is written only on
 * success.
 */
int	timefmt_parse_duration(const char *s, int64_t *ms, char *err,
	    size_t errlen);

/*
 * Parse time "s" into *ms (UTC ms).  "now" is the current UTC ms used for
 * "now" and "+DURATION".  -EINVAL on bad syntax or a nonexistent local
 * time, -ERANGE when out of range.  *ms is written only on success.
 */
int	timefmt_parse_time(const char *s, int64_t now, int64_t *ms, char *err,
	    size_t errlen);

/*
 * The everyday forms of timefmt_parse_time() (timefmt_at.c has the rules):
 * a time of day (HH:MM[:SS], H[:MM]am/pm, noon, midnight, teatime) alone
 * (its next occurrence) or with a day (today, tomorrow, a weekday name:
 * the next such day after today), in either order; or "now" or "now + N
 * UNIT" (minutes, hours, days, weeks) or "now + DURATION".  Ambiguous
 * forms are refused: a bare number, 12am/12pm, a day without a time,
 * months and years.  On failure a reason without the "invalid time"
 * prefix goes to why (whylen bytes) and -EINVAL or -ERANGE is returned.
 */
int	timefmt_parse_at(const char *s, int64_t now, int64_t *ms, char *why,
	    size_t whylen);

/*
 * The local wall-clock time year-mon-day hour:min:sec as UTC ms in *ms, in
 * the process's zone: a time skipped by a DST change is refused (-EINVAL),
 * a repeated one is its first occurrence.  Fields out of range are -EINVAL.
 * The reason goes to why (whylen bytes), without a prefix.
 */
int	timefmt_local_to_utc(int year, int mon, int day, int hour, int min,
	    int sec, int64_t *ms, char *why, size_t whylen);

/*
 * Write "ms" as RFC 3339 UTC with milliseconds, "2026-12-01T03:00:00.000Z".
 * Returns 0, or -ERANGE if buf (len bytes) is too small or ms unprintable.
 */
int	timefmt_format_utc(int64_t ms, char *buf, size_t len);

/*
 * Write "ms" as local ISO 8601 with a numeric offset, seconds precision:
 * "2026-12-01T03:00:00+01:00".  Returns 0 or -ERANGE.
 */
int	timefmt_format_local(int64_t ms, char *buf, size_t len);

/*
 * Write the duration "ms" (>= 0) in the syntax timefmt_parse_duration
 * reads, largest units first, zero terms omitted: "1h30m", "500ms", "0s".
 * Returns 0 or -ERANGE.
 */
int	timefmt_format_duration(int64_t ms, char *buf, size_t len);

/*
 * Write "ms" relative to "now" for humans, rounded down to the largest unit
 * and at most two terms: "now" (within a second), "in 5m", "3h12m ago",
 * "2d ago".  Returns 0 or -ERANGE.
 */
int	timefmt_format_relative(int64_t ms, int64_t now, char *buf,
	    size_t len);

#endif /* JOBD_TIMEFMT_H */
