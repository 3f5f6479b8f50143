/*
 * cron: crontab expressions and their fire times in a time zone.
 *
 * The syntax is Vixie cron's: five fields (minute hour day-of-month month
 * day-of-week) of lists, ranges and steps ("*\/15", "1-30/7", "mon-fri"),
 * month and weekday names in any case, 0 and 7 both Sunday, and the macros
 * @yearly @annually @monthly @weekly @daily @midnight @hourly @reboot (lower
 * case only).  When both day fields are restricted a day matches if either
 * does; a field counts as unrestricted when it starts with '*' (so
 * "0 0 *\/2 * mon" needs both, "0 0 1-31/2 * mon" either).
 *
 * Daylight saving time (Vixie cron's rule): an expression whose minute and
 * hour fields both do not start with '*' has a fixed time; a fixed time
 * skipped by a forward change fires at the first instant after the change,
 * and one that occurs twice fires once, at the first occurrence.  Other
 * expressions fire at every real instant whose local time matches: none in
 * the gap, both passes of a repeated hour.
 *
 * Pure: parsing and next-fire computation allocate nothing, read no clock
 * and do no I/O; zones are loaded by tz.h.  Thread-safe.
 */
#ifndef JOBD_CRON_H
#define JOBD_CRON_H

#include <stddef.h>
#include <stdint.h>

struct tz;

#define CRON_EXPR_MAX		256	/* longest expression accepted */

/* cron_expr.flags */
#define CRON_MDAY_STAR		0x01	/* day-of-month starts with '*' */
#define CRON_WDAY_STAR		0x02	/* day-of-week starts with '*' */
#define CRON_FIXED_TIME		0x04	/* minute and hour do not */
#define CRON_REBOOT		0x08	/* @reboot: no times, once per start */

struct cron_expr {
	uint64_t	minute;		/* bit n: minute n, 0-59 */
	uint32_t	hour;		/* bit n: hour n, 0-23 */
	uint32_t	mday;		/* bit n: day n, 1-31 */
	uint16_t	month;		/* bit n: month n, 1-12 */
	uint8_t		wday;		/* bit n: weekday n, 0-6, Sunday 0 */
	unsigned int	flags;
};

/*
 * Parse "spec" into *out.  Returns 0, or -EINVAL after writing one line
 * that names the bad field and quotes it to err (errlen bytes; err may be
 * NULL), e.g. "hour field \"25\": 25 is out of range 0-23".  An
 * expression that can never fire ("0 0 30 2 *") is -ERANGE with a reason.
 * *out is written only on success.
 */
int	cron_parse(const char *spec, struct cron_expr *out, char *err,
	    size_t errlen);

/*
 * The first fire time of e strictly after "after" (UTC ms), in zone tz
 * (NULL: UTC), into *next (UTC ms, whole minutes).  Moves by month, day,
 * hour and minute rather than minute by minute.  Returns 0, -EINVAL for an
 * @reboot expression, or -ERANGE when nothing fires within CRON_HORIZON
 * years.
 */
#define CRON_HORIZON	50
int	cron_next(const struct cron_expr *e, const struct tz *tz,
	    int64_t after, int64_t *next);

#endif /* JOBD_CRON_H */
