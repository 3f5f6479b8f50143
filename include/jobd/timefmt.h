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
 * refused; one that exists twice is the first occurrence.
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
