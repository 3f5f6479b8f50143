/*
 * tz: IANA time zones read from their TZif files (RFC 8536), including the
 * POSIX TZ footer rule for times past the last transition, into an
 * immutable per-zone object.  Conversion never touches TZ or libc's
 * localtime, so it is thread-safe.
 */
#ifndef JOBD_TZ_H
#define JOBD_TZ_H

#include <stddef.h>
#include <stdint.h>

#ifndef TZ_DIR
#define TZ_DIR	"/usr/share/zoneinfo"
#endif

struct tz;

/*
 * Load zone "name" ("Europe/Berlin", "UTC") from TZ_DIR, or with name NULL
 * or "" the local zone (the TZ variable when it names a zone file, with
 * or without a leading ':', or is a POSIX TZ string such as
 * "CET-1CEST,M3.5.0,M10.5.0/3", else /etc/localtime; UTC when neither
 * exists).  A name that has no zoneinfo file is -ENOENT (glibc would
 * silently use UTC); a malformed file or name (absolute, "..") is
 * -EINVAL; -ENOMEM, or another negative errno when the file cannot be
 * read.  Writes a one-line reason to err.  Reads TZ with getenv(), and is
 * the only function here that does I/O.  The caller frees *out with
 * tz_free().
 */
int	tz_load(const char *name, struct tz **out, char *err, size_t errlen);

/*
 * Load the system zone: /etc/localtime, named after the zone file it
 * links to ("localtime" when it is no link), else UTC.  The TZ variable
 * is not consulted: this is the zone of a schedule that names none, the
 * same for jobd and jobctl whatever their environment.  Errors as
 * tz_load().
 */
int	tz_load_system(struct tz **out, char *err, size_t errlen);

/* Free a zone; NULL is fine. */
void	tz_free(struct tz *z);

/* The zone's name as loaded ("Europe/Berlin"; "localtime" for the local
 * zone when it has no better name; "UTC"). */
const char *tz_name(const struct tz *z);

/* The UTC offset in seconds at instant t (UTC seconds), and whether it is
 * daylight saving time (*isdst may be NULL).  NULL z is UTC. */
int32_t	tz_offset(const struct tz *z, int64_t t, int *isdst);

/*
 * The UTC offset at instant t (UTC seconds) and the span of instants
 * [*start, *end) around t over which it stays the same: *start is the
 * instant of the last change at or before t (INT64_MIN when there is
 * none), *end that of the next change after t (INT64_MAX when there is
 * none).  A span may also end where the offset stays the same (only at
 * a change of the rule that gives it), never after a real change.  This
 * is what lets cron_next() step from one offset to the next.  NULL z is
 * UTC.
 */
int32_t	tz_span(const struct tz *z, int64_t t, int64_t *start,
	    int64_t *end);

/* Local broken-down time, without libc.  Months 1-12, wday 0-6 Sunday 0. */
struct tz_tm {
	int	year, month, mday, hour, min, sec, wday;
	int32_t	gmtoff;		/* seconds east of UTC */
};

/* Instant t (UTC seconds) as local time in z (NULL: UTC). */
void	tz_localtime(const struct tz *z, int64_t t, struct tz_tm *out);

/*
 * The instants (UTC seconds) at which local time (year, month, mday, hour,
 * min, 0) occurs in z: 0 (skipped by a forward change), 1, or 2 (repeated
 * by a backward change), earliest first, in out[0..1].  When 0, *gap_end
 * (if not NULL) gets the instant of the change that skipped it.  Returns
 * the count, or -EINVAL for a date or time that is not one (February 30,
 * hour 24).  NULL z is UTC.
 */
int	tz_local_to_utc(const struct tz *z, int year, int month, int mday,
	    int hour, int min, int64_t out[2], int64_t *gap_end);

#endif /* JOBD_TZ_H */
