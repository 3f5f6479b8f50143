/*
 * civil: calendar arithmetic in the proleptic Gregorian calendar, on days
 * counted from 1970-01-01 (day 0; negative before it).  Shared by cron, tz
 * and timefmt.  Pure: no allocation, no I/O, no clock, no global state;
 * any thread.
 */
#ifndef JOBD_CIVIL_H
#define JOBD_CIVIL_H

#include <stdbool.h>
#include <stdint.h>

/*
 * a / b rounded toward negative infinity (C's "/" rounds toward zero), so
 * that civil_floor_div(-1, 86400) is -1, the day before 1970-01-01.  b
 * must not be 0, and a / b must fit (not INT64_MIN / -1).
 */
int64_t	civil_floor_div(int64_t a, int64_t b);

/* Whether y is a leap year (divisible by 4, and not by 100 unless by
 * 400); year 0 is 1 BC and a leap year. */
bool	civil_is_leap(int64_t y);

/* The number of days, 28 to 31, of month m (1-12) in year y. */
int	civil_days_in_month(int64_t y, int m);

/*
 * The day number of date y-m-d: days from 1970-01-01 to it, negative
 * before (Howard Hinnant's days_from_civil).  m is 1-12; d is normally
 * 1-31, but any d counts on from the first of the month (d 0 is the last
 * day of the month before).  Exact for any |y| < 2^40.
 */
int64_t	civil_to_days(int64_t y, int m, int d);

/*
 * The inverse of civil_to_days(): the date of day number z into *yp, *mp
 * (1-12) and *dp (1-31).  Exact for any |z| < 2^60.
 */
void	civil_from_days(int64_t z, int64_t *yp, int *mp, int *dp);

/* The day of the week of day number z: 0-6, Sunday 0 (1970-01-01, day
 * 0, was a Thursday, 4). */
int	civil_weekday(int64_t z);

#endif /* JOBD_CIVIL_H */
