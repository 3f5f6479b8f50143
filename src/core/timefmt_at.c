/*
 * timefmt_at: the everyday forms of a point in time that at(1) users type:
 * "23:00", "3pm", "noon", "midnight", "teatime", "tomorrow 03:00",
 * "friday 09:00" (or "09:00 friday"), "today 18:30" and
 * "now + 2 hours".  timefmt_parse_time() hands every input that is not one
 * of its own forms here.
 *
 * The rules, chosen so that no input has two readings:
 *   - a time of day alone is its next occurrence: today when it is still
 *     ahead on the wall clock, else tomorrow;
 *   - "today" and "tomorrow" name that day; a weekday name names the next
 *     day of that name after today (1 to 7 days ahead: "friday" on a
 *     Friday is a week away; write the time alone for today);
 *   - a day needs a time ("tomorrow" alone is refused, not read as this
 *     time of day tomorrow);
 *   - a bare number ("3", "1500") is refused: write 03:00 or 15:00;
 *   - "12am" and "12pm" are refused: write midnight or noon;
 *   - "now + N UNIT" counts minutes, hours, days or weeks of 24 hours
 *     (or takes a duration: "now + 1h30m"); months and years, whose
 *     length varies, are refused.
 * Words are case-insensitive.  The wall-clock time is converted as
 * timefmt_local_to_utc() does: a time in a DST gap is refused, a repeated
 * one is its first occurrence.
 *
 * Pure like the rest of timefmt: no clock (the caller passes now), no
 * state; local time is the process's zone (TZ).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "jobd/civil.h"
#include "jobd/timefmt.h"

#define AT_TOKENS	8		/* words in one time */
#define AT_WORD_MAX	24		/* bytes of one word */

static const char *const at_days[7] = {	/* civil_weekday(): 0 is Sunday */
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
	"saturday",
};

/* The units of "now + N UNIT", in milliseconds. */
static const struct {
	const char	*name;
	int64_t		 ms;
} at_units[] = {
	{ "minute",	INT64_C(60000) },
	{ "min",	INT64_C(60000) },
	{ "hour",	INT64_C(3600000) },
	{ "day",	INT64_C(86400000) },
	{ "week",	INT64_C(604800000) },
};

struct at_tok {
	const char	*p;		/* into the input */
	size_t		 len;
};

static int
at_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

static int
at_isalpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Is token t the word w (case-insensitive)? */
static int
at_is(const struct at_tok *t, const char *w)
{
	return t->len == strlen(w) && strncasecmp(t->p, w, t->len) == 0;
}

/*
 * Split s into tokens: runs of letters, runs of digits and ':' (a clock
 * time), and single '+'.  Blanks separate tokens.  Returns the count, or
 * -1 with a reason on an unexpected character or too many tokens.
 */
static int
at_split(const char *s, struct at_tok *t, char *why, size_t whylen)
{
	const char *p = s;
	int n = 0;

	while (*p != '\0') {
		if (*p == ' ' || *p == '\t') {
			p++;
			continue;
		}
		if (n == AT_TOKENS) {
			snprintf(why, whylen, "too many words");
			return -1;
		}
		t[n].p = p;
		if (at_isalpha(*p))
			while (at_isalpha(*p))
				p++;
		else if (at_isdigit(*p))
			while (at_isdigit(*p) || *p == ':')
				p++;
		else if (*p == '+')
			p++;
		else {
			if (*p == '/' || *p == '.' || *p == '-')
				snprintf(why, whylen, "unexpected \"%c\": "
				    "write a date as YYYY-MM-DD (e.g. "
				    "2026-12-01 03:00)", *p);
			else
				snprintf(why, whylen, "unexpected character "
				    "\"%c\" (expected a form such as 23:00, "
				    "tomorrow 03:00, friday 09:00 or now + 2 "
				    "hours)", (*p >= 0x20 && *p < 0x7f) ?
				    *p : '?');
			return -1;
		}
		t[n].len = (size_t)(p - t[n].p);
		n++;
	}
	return n;
}

/* "now + N UNIT" or "now + DURATION": the tokens after "now". */
static int
at_relative(const struct at_tok *t, int n, int64_t now, int64_t *ms,
    char *why, size_t whylen)
{
	int64_t v = 0, d = 0, unit = 0;
	size_t i, len;

	if (n == 0) {
		*ms = now;
		return 0;
	}
	if (!(t[0].len == 1 && *t[0].p == '+') || n < 2) {
		snprintf(why, whylen, "after \"now\" expected \"+ N UNIT\" "
		    "(e.g. now + 2 hours)");
		return -EINVAL;
	}
	/* A duration in timefmt's syntax: "now + 1h30m", "now +90m". */
	if (timefmt_parse_duration(t[1].p, &d, NULL, 0) == 0)
		goto add;
	if (n != 3 || !at_isdigit(*t[1].p) || !at_isalpha(*t[2].p) ||
	    memchr(t[1].p, ':', t[1].len) != NULL) {
		snprintf(why, whylen, "expected \"now + N UNIT\" with UNIT "
		    "minutes, hours, days or weeks (e.g. now + 2 hours), or "
		    "\"now + DURATION\" (e.g. now + 1h30m)");
		return -EINVAL;
	}
	for (i = 0; i < t[1].len; i++) {
		if (v > (INT64_MAX - (t[1].p[i] - '0')) / 10) {
			snprintf(why, whylen, "the number is too large");
			return -ERANGE;
		}
		v = v * 10 + (t[1].p[i] - '0');
	}
	len = t[2].len;
	if (len > 1 && (t[2].p[len - 1] == 's' || t[2].p[len - 1] == 'S'))
		len--;			/* "hours" as "hour" */
	for (i = 0; i < sizeof(at_units) / sizeof(at_units[0]); i++)
		if (strlen(at_units[i].name) == len &&
		    strncasecmp(at_units[i].name, t[2].p, len) == 0)
			unit = at_units[i].ms;
	if (unit == 0) {
		if ((len == 5 && strncasecmp(t[2].p, "month", 5) == 0) ||
		    (len == 4 && strncasecmp(t[2].p, "year", 4) == 0))
			snprintf(why, whylen, "\"%.*s\" is ambiguous (months "
			    "and years vary in length): use days, weeks or a "
			    "date", (int)t[2].len, t[2].p);
		else
			snprintf(why, whylen, "unknown unit \"%.*s\" (use "
			    "minutes, hours, days or weeks)",
			    t[2].len > AT_WORD_MAX ? AT_WORD_MAX :
			    (int)t[2].len, t[2].p);
		return -EINVAL;
	}
	if (v > INT64_MAX / unit) {
		snprintf(why, whylen, "too far in the future");
		return -ERANGE;
	}
	d = v * unit;
add:
	if (now > INT64_MAX - d) {
		snprintf(why, whylen, "now plus the duration is too far in "
		    "the future");
		return -ERANGE;
	}
	*ms = now + d;
	return 0;
}

/*
 * A time of day at tokens t[*i...]: "HH:MM[:SS]" (24-hour), "H[:MM]am",
 * "H[:MM] pm", "noon", "midnight" or "teatime".  Returns 1 and advances
 * *i when t[*i] starts one, 0 when it is not a time, -EINVAL with a reason
 * when it is a bad one.
 */
static int
at_clock(const struct at_tok *t, int n, int *i, int *hour, int *min,
    int *sec, char *why, size_t whylen)
{
	const struct at_tok *k = &t[*i];
	const char *p = k->p, *end = k->p + k->len;
	int h = 0, m = 0, s = 0, nh = 0, colon = 0, ampm = 0, pm = 0;

	if (at_is(k, "noon") || at_is(k, "midnight") || at_is(k, "teatime")) {
		*hour = at_is(k, "noon") ? 12 : at_is(k, "teatime") ? 16 : 0;
		*min = *sec = 0;
		(*i)++;
		return 1;
	}
	if (!at_isdigit(*p))
		return 0;
	/* Digits past the second make it no hour (nh > 2): not summed. */
	for (; p < end && at_isdigit(*p); p++, nh++)
		if (nh < 2)
			h = h * 10 + (*p - '0');
	if (p < end && *p == ':') {
		colon = 1;
		p++;
		if (end - p < 2 || !at_isdigit(p[0]) || !at_isdigit(p[1]))
			goto bad;
		m = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
		if (p < end && *p == ':') {
			p++;
			if (end - p != 2 || !at_isdigit(p[0]) ||
			    !at_isdigit(p[1]))
				goto bad;
			s = (p[0] - '0') * 10 + (p[1] - '0');
			p += 2;
		}
	}
	/* am or pm, written on or after the number. */
	if (*i + 1 < n && (at_is(&t[*i + 1], "am") ||
	    at_is(&t[*i + 1], "pm"))) {
		ampm = 1;
		pm = at_is(&t[*i + 1], "pm");
	}
	if (p == end && !ampm && !colon) {
		snprintf(why, whylen, "\"%.*s\" is ambiguous: write the time "
		    "as HH:MM on the 24-hour clock (e.g. 03:00 or 15:00), or "
		    "with am or pm", k->len > AT_WORD_MAX ? AT_WORD_MAX :
		    (int)k->len, k->p);
		return -EINVAL;
	}
	if (p != end || nh == 0 || nh > 2)
		goto bad;
	if (ampm) {
		if (h == 12) {
			snprintf(why, whylen, "12%s is ambiguous: write %s "
			    "(or %s)", pm ? "pm" : "am",
			    pm ? "noon" : "midnight", pm ? "12:00" : "00:00");
			return -EINVAL;
		}
		if (h < 1 || h > 12) {
			snprintf(why, whylen, "hour %d is out of range with "
			    "am or pm (1-11)", h);
			return -EINVAL;
		}
		h += pm ? 12 : 0;
	}
	if (h > 23) {
		snprintf(why, whylen, "hour %d is out of range (0-23)", h);
		return -EINVAL;
	}
	if (m > 59) {
		snprintf(why, whylen, "minute %d is out of range (0-59)", m);
		return -EINVAL;
	}
	if (s > 59) {
		snprintf(why, whylen, "second %d is out of range (0-59)", s);
		return -EINVAL;
	}
	*hour = h;
	*min = m;
	*sec = s;
	*i += 1 + ampm;
	return 1;

bad:
	snprintf(why, whylen, "\"%.*s\" is not a time of day (write HH:MM, "
	    "e.g. 03:00 or 23:30)", k->len > AT_WORD_MAX ? AT_WORD_MAX :
	    (int)k->len, k->p);
	return -EINVAL;
}

/*
 * A day at t[*i]: "today" (0), "tomorrow" (1) or a weekday name, full or
 * its first three letters (days to the next such day after today, 1-7).
 * Returns 1 and advances *i, or 0 when t[*i] is not a day.
 */
static int
at_day(const struct at_tok *t, int *i, int wday, int *ahead)
{
	const struct at_tok *k = &t[*i];
	int d;

	if (at_is(k, "today"))
		*ahead = 0;
	else if (at_is(k, "tomorrow"))
		*ahead = 1;
	else {
		for (d = 0; d < 7; d++)
			if (at_is(k, at_days[d]) || (k->len == 3 &&
			    strncasecmp(k->p, at_days[d], 3) == 0))
				break;
		if (d == 7)
			return 0;
		*ahead = (d - wday + 7) % 7;
		if (*ahead == 0)
			*ahead = 7;
	}
	(*i)++;
	return 1;
}

int
timefmt_parse_at(const char *s, int64_t now, int64_t *ms, char *why,
    size_t whylen)
{
	struct at_tok t[AT_TOKENS];
	struct tm tm;
	time_t tnow;
	int64_t days, y, v;
	int n, i = 0, rc, hour = -1, min = 0, sec = 0, ahead = -1, m, d;
	int have_time = 0, have_day = 0;

	if (*s == ' ' || *s == '\t' || (*s != '\0' &&
	    (s[strlen(s) - 1] == ' ' || s[strlen(s) - 1] == '\t'))) {
		snprintf(why, whylen, "leading or trailing blanks");
		return -EINVAL;
	}
	if ((n = at_split(s, t, why, whylen)) < 0)
		return -EINVAL;
	if (n == 0) {
		snprintf(why, whylen, "empty time");
		return -EINVAL;
	}
	if (at_is(&t[0], "now"))
		return at_relative(t + 1, n - 1, now, ms, why, whylen);

	tnow = (time_t)(now / 1000 - (now % 1000 < 0));
	if (localtime_r(&tnow, &tm) == NULL) {
		snprintf(why, whylen, "now cannot be converted to local time");
		return -ERANGE;
	}
	while (i < n) {
		if (!have_time && (rc = at_clock(t, n, &i, &hour, &min, &sec,
		    why, whylen)) != 0) {
			if (rc < 0)
				return rc;
			have_time = 1;
			continue;
		}
		if (!have_day && at_day(t, &i, tm.tm_wday, &ahead)) {
			have_day = 1;
			continue;
		}
		if (at_is(&t[i], "next") || at_is(&t[i], "this") ||
		    at_is(&t[i], "at") || at_is(&t[i], "in"))
			snprintf(why, whylen, "\"%.*s\" is not needed and not "
			    "accepted: write e.g. friday 09:00 (the next "
			    "Friday) or now + 2 hours", (int)t[i].len,
			    t[i].p);
		else if (have_time && (at_isdigit(*t[i].p) ||
		    at_is(&t[i], "am") || at_is(&t[i], "pm") ||
		    at_is(&t[i], "noon") || at_is(&t[i], "midnight") ||
		    at_is(&t[i], "teatime")))
			snprintf(why, whylen, "more than one time of day");
		else if (have_day && at_day(t, &i, tm.tm_wday, &ahead))
			snprintf(why, whylen, "more than one day");
		else
			snprintf(why, whylen, "unknown word \"%.*s\" "
			    "(expected a time such as 23:00, 3pm, noon or "
			    "midnight; today, tomorrow or a weekday name; or "
			    "now + N minutes/hours/days/weeks)",
			    t[i].len > AT_WORD_MAX ? AT_WORD_MAX :
			    (int)t[i].len, t[i].p);
		return -EINVAL;
	}
	if (!have_time) {
		snprintf(why, whylen, "a day needs a time of day (e.g. "
		    "\"%.*s 09:00\")", (int)t[0].len, t[0].p);
		return -EINVAL;
	}
	if (!have_day) {
		/* Today if the time is still ahead on the wall clock. */
		ahead = hour * 3600 + min * 60 + sec >
		    tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec ? 0 : 1;
	}
	days = civil_to_days((int64_t)tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday) + ahead;
	civil_from_days(days, &y, &m, &d);
	if ((rc = timefmt_local_to_utc((int)y, m, d, hour, min, sec, &v, why,
	    whylen)) != 0)
		return rc;
	if (!have_day && v <= now) {
		/* The first pass of a repeated hour is already over. */
		civil_from_days(days + 1, &y, &m, &d);
		if ((rc = timefmt_local_to_utc((int)y, m, d, hour, min, sec,
		    &v, why, whylen)) != 0)
			return rc;
	}
	*ms = v;
	return 0;
}
