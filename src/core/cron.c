/*
 * cron: crontab expressions and their fire times.
 *
 * cron_parse() turns the five fields (or a macro) into one bitset per field
 * plus the flags that the day-of-month/day-of-week rule and the DST rule
 * need; it refuses anything it does not fully understand with a message
 * that names the field and quotes it.
 *
 * cron_next() works on "local seconds": a local date and time counted as
 * if it were UTC.  A zone is a sequence of spans of constant UTC offset
 * (tz_span()); inside a span local time and UTC differ by a constant, so
 * the first fire time in a span is the first matching local minute in the
 * span's local range, found by cron_match() in big steps: a month that
 * does not match is skipped whole, then a day, then an hour, then
 * minutes.  Walking the spans in order of UTC gives the earliest fire time
 * even when a backward change makes local time run twice.  The DST rule
 * for fixed-time expressions (DESIGN §7) needs one more quantity, the
 * high-water mark: the latest local time that has already occurred before
 * the span starts.  Local times below it are a second pass (skipped);
 * local times between it and the span's first local time were skipped by
 * a forward change, and a match among them fires at the span's first
 * instant, the instant of the change.
 *
 * Pure: no allocation, no I/O, no clock, no global state; any thread.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jobd/civil.h"
#include "jobd/cron.h"
#include "jobd/tz.h"

#if defined(__GNUC__)
#define CRON_PRINTF(f, a)	__attribute__((format(printf, f, a)))
#else
#define CRON_PRINTF(f, a)
#endif

#define DAY		INT64_C(86400)
#define QUOTE_MAX	80	/* bytes of input quoted in a message */
#define CRON_T_MIN	INT64_C(-62135596800)	/* 0001-01-01T00:00:00Z */
#define CRON_T_MAX	INT64_C(253402300800)	/* 10000-01-01T00:00:00Z */
#define HORIZON_SECS	((int64_t)CRON_HORIZON * 366 * DAY)
#define HWM_LOOKBACK	(2 * DAY)	/* spans looked at before the first */

#define MINUTE_MASK	((UINT64_C(1) << 60) - 1)
#define HOUR_MASK	UINT32_C(0x00ffffff)
#define MDAY_MASK	UINT32_C(0xfffffffe)
#define MONTH_MASK	UINT16_C(0x1ffe)
#define WDAY_MASK	UINT8_C(0x7f)

enum cron_field {
	F_MINUTE, F_HOUR, F_MDAY, F_MONTH, F_WDAY, F_COUNT
};

static const char *const month_names[] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec", NULL
};
static const char *const wday_names[] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL
};

static const struct cron_field_def {
	const char		*name;
	int			 lo, hi;	/* values accepted (wday 0-7) */
	int			 span;		/* values in the field */
	const char *const	*names;		/* names for lo..., or NULL */
	int			 name_base;	/* the value of names[0] */
	const char		*hint;		/* what the field takes */
} fields[F_COUNT] = {
	{ "minute",	  0, 59, 60, NULL,	  0, "0-59" },
	{ "hour",	  0, 23, 24, NULL,	  0, "0-23" },
	{ "day-of-month", 1, 31, 31, NULL,	  0, "1-31" },
	{ "month",	  1, 12, 12, month_names, 1, "1-12 or jan-dec" },
	{ "day-of-week",  0,  7,  7, wday_names,  0,
	    "0-7 or sun-sat, 0 and 7 both Sunday" },
};

static const struct cron_macro {
	const char	*name;
	const char	*expansion;	/* NULL: @reboot */
} macros[] = {
	{ "@yearly",	"0 0 1 1 *" },
	{ "@annually",	"0 0 1 1 *" },
	{ "@monthly",	"0 0 1 * *" },
	{ "@weekly",	"0 0 * * 0" },
	{ "@daily",	"0 0 * * *" },
	{ "@midnight",	"0 0 * * *" },
	{ "@hourly",	"0 * * * *" },
	{ "@reboot",	NULL },
};
#define NMACROS		(sizeof(macros) / sizeof(macros[0]))
#define MACRO_LIST	"@yearly, @annually, @monthly, @weekly, @daily, " \
			"@midnight, @hourly or @reboot"

static void	cron_errf(char *, size_t, const char *, ...) CRON_PRINTF(3, 4);

static void
cron_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * The len bytes at s for a message, into q (qlen bytes): control
 * characters and non-ASCII bytes as \xNN, '"' and '\' escaped, and "..."
 * after QUOTE_MAX bytes.
 */
static const char *
cron_quote(const char *s, size_t len, char *q, size_t qlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; i < len && i < QUOTE_MAX && o + 5 < qlen; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f) {
			q[o++] = '\\';
			q[o++] = 'x';
			q[o++] = hex[c >> 4];
			q[o++] = hex[c & 15];
		} else {
			if (c == '"' || c == '\\')
				q[o++] = '\\';
			q[o++] = (char)c;
		}
	}
	if (i < len && o + 4 <= qlen) {
		memcpy(q + o, "...", 3);
		o += 3;
	}
	q[o] = '\0';
	return q;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Parsing. */

struct cron_pctx {
	const struct cron_field_def	*def;
	const char			*field;	/* the whole field */
	size_t				 flen;
	char				*err;
	size_t				 errlen;
};

static int	field_fail(const struct cron_pctx *, const char *, ...)
		    CRON_PRINTF(2, 3);

/* Write "<name> field "<field>": <why>" and return -EINVAL. */
static int
field_fail(const struct cron_pctx *pc, const char *fmt, ...)
{
	char q[4 * QUOTE_MAX + 8], why[256];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	cron_errf(pc->err, pc->errlen, "%s field \"%s\": %s", pc->def->name,
	    cron_quote(pc->field, pc->flen, q, sizeof(q)), why);
	return -EINVAL;
}

/* Whether the 3 letters at s name something in names (any case). */
static int
name_index(const char *const *names, const char *s, size_t len)
{
	size_t i, k;

	if (names == NULL || len != 3)
		return -1;
	for (i = 0; names[i] != NULL; i++) {
		for (k = 0; k < 3; k++)
			if ((s[k] | 0x20) != names[i][k])
				break;
		if (k == 3)
			return (int)i;
	}
	return -1;
}

/*
 * One value (a number or a name) at *pp, before end, into *v; *pp moves
 * past it.
 */
static int
parse_value(const struct cron_pctx *pc, const char **pp, const char *end,
    int *v)
{
	const struct cron_field_def *d = pc->def;
	const char *p = *pp, *s = p;
	char q[4 * QUOTE_MAX + 8];
	long n = 0;
	int i;

	if (p < end && is_digit(*p)) {
		for (; p < end && is_digit(*p); p++)
			if (n < 1000000)
				n = n * 10 + (*p - '0');
		if (n < d->lo || n > d->hi) {
			if (n >= 1000000)
				return field_fail(pc, "\"%s\" is out of range "
				    "%d-%d", cron_quote(s, (size_t)(p - s), q,
				    sizeof(q)), d->lo, d->hi);
			return field_fail(pc, "%ld is out of range %d-%d", n,
			    d->lo, d->hi);
		}
		*v = (int)n;
		*pp = p;
		return 0;
	}
	if (p < end && is_alpha(*p)) {
		for (; p < end && is_alpha(*p); p++)
			;
		cron_quote(s, (size_t)(p - s), q, sizeof(q));
		if ((i = name_index(d->names, s, (size_t)(p - s))) >= 0) {
			*v = i + d->name_base;
			*pp = p;
			return 0;
		}
		if (name_index(month_names, s, (size_t)(p - s)) >= 0)
			return field_fail(pc, "\"%s\" is a month name; the %s "
			    "field takes %s", q, d->name, d->hint);
		if (name_index(wday_names, s, (size_t)(p - s)) >= 0)
			return field_fail(pc, "\"%s\" is a day name; the %s "
			    "field takes %s", q, d->name, d->hint);
		return field_fail(pc, "unknown name \"%s\"; the %s field "
		    "takes %s", q, d->name, d->hint);
	}
	if (p == end)
		return field_fail(pc, "a value is missing");
	return field_fail(pc, "unexpected \"%s\"", cron_quote(p, 1, q,
	    sizeof(q)));
}

/*
 * '"item": ' for a message about the len bytes of item s, into q; ""
 * when the item is the whole field, which the message quotes already.
 */
static const char *
item_prefix(const struct cron_pctx *pc, const char *s, size_t len, char *q,
    size_t qlen)
{
	char t[4 * QUOTE_MAX + 8];

	if (len == pc->flen)
		return "";
	(void)snprintf(q, qlen, "\"%s\": ", cron_quote(s, len, t,
	    sizeof(t)));
	return q;
}

/*
 * One list item "*", "*\/step", "a", "a-b", "a-b/step" or "a/step" (which
 * means a-max/step, as in cronie), s to end, into *bits.
 */
static int
parse_item(const struct cron_pctx *pc, const char *s, const char *end,
    uint64_t *bits)
{
	const struct cron_field_def *d = pc->def;
	const char *p = s;
	char q[4 * QUOTE_MAX + 8];
	long step = 1;
	int a, b, v, error;
	bool ranged = false;

	if (p < end && *p == '*') {
		a = d->lo;
		b = d->hi;
		p++;
		ranged = true;
		if (p < end && *p != '/')
			return field_fail(pc, "%s'*' stands alone or takes a "
			    "step, as in \"*/5\"", item_prefix(pc, s,
			    (size_t)(end - s), q, sizeof(q)));
	} else {
		if ((error = parse_value(pc, &p, end, &a)) != 0)
			return error;
		b = a;
		if (p < end && *p == '-') {
			p++;
			if ((error = parse_value(pc, &p, end, &b)) != 0)
				return error;
			if (a > b)
				return field_fail(pc, "range \"%s\" runs "
				    "backwards", cron_quote(s, (size_t)(p - s),
				    q, sizeof(q)));
			ranged = true;
		}
	}
	if (p < end && *p == '/') {
		const char *ss = ++p;

		for (step = 0; p < end && is_digit(*p); p++)
			if (step < 1000000)
				step = step * 10 + (*p - '0');
		if (p == ss)
			return field_fail(pc, "%sa step is a number, as in "
			    "\"*/5\"", item_prefix(pc, s, (size_t)(end - s),
			    q, sizeof(q)));
		if (step == 0)
			return field_fail(pc, "%sstep 0 is not allowed",
			    item_prefix(pc, s, (size_t)(end - s), q,
			    sizeof(q)));
		if (step > d->span)
			return field_fail(pc, "%sstep %ld is out of range "
			    "1-%d", item_prefix(pc, s, (size_t)(end - s), q,
			    sizeof(q)), step, d->span);
		if (!ranged)
			b = d->hi;	/* "a/step": a-max/step */
	}
	if (p < end) {
		char q2[4 * QUOTE_MAX + 8];

		if ((size_t)(end - s) == pc->flen)
			return field_fail(pc, "unexpected \"%s\"",
			    cron_quote(p, 1, q, sizeof(q)));
		return field_fail(pc, "unexpected \"%s\" in \"%s\"",
		    cron_quote(p, 1, q, sizeof(q)), cron_quote(s,
		    (size_t)(end - s), q2, sizeof(q2)));
	}
	for (v = a; v <= b; v += (int)step)
		*bits |= UINT64_C(1) << v;
	return 0;
}

/* One field, a comma-separated list of items, into *bits. */
static int
parse_field(const struct cron_pctx *pc, uint64_t *bits)
{
	const char *p = pc->field, *end = pc->field + pc->flen, *comma;
	char item[CRON_EXPR_MAX + 1];
	int error;

	*bits = 0;
	for (;;) {
		if ((comma = memchr(p, ',', (size_t)(end - p))) == NULL)
			comma = end;
		if (comma == p)
			return field_fail(pc, "empty list item");
		/* A NUL-terminated copy, so that messages can quote it. */
		memcpy(item, p, (size_t)(comma - p));
		item[comma - p] = '\0';
		if ((error = parse_item(pc, item, item + (comma - p),
		    bits)) != 0)
			return error;
		if (comma == end)
			return 0;
		p = comma + 1;
	}
}

static int
parse_macro(const char *s, size_t len, const char *rest,
    struct cron_expr *out, char *err, size_t errlen)
{
	char q[4 * QUOTE_MAX + 8], q2[4 * QUOTE_MAX + 8];
	size_t i, k;
	bool upper = false;

	cron_quote(s, len, q, sizeof(q));
	for (i = 0; i < NMACROS; i++)
		if (strlen(macros[i].name) == len &&
		    memcmp(macros[i].name, s, len) == 0)
			break;
	if (i == NMACROS) {
		for (i = 0; i < NMACROS; i++) {
			if (strlen(macros[i].name) != len)
				continue;
			for (k = 0; k < len; k++)
				if ((is_alpha(s[k]) ? s[k] | 0x20 : s[k]) !=
				    macros[i].name[k])
					break;
			if (k == len)
				upper = true;
		}
		cron_errf(err, errlen, "unknown macro \"%s\" (%suse "
		    MACRO_LIST ")", q, upper ? "macros are lower case: " : "");
		return -EINVAL;
	}
	if (*rest != '\0') {
		cron_errf(err, errlen, "unexpected \"%s\" after %s: a macro "
		    "stands for all five fields (minute hour day-of-month "
		    "month day-of-week)", cron_quote(rest, strlen(rest), q2,
		    sizeof(q2)), q);
		return -EINVAL;
	}
	if (macros[i].expansion == NULL) {
		memset(out, 0, sizeof(*out));
		out->flags = CRON_REBOOT;
		return 0;
	}
	return cron_parse(macros[i].expansion, out, err, errlen);
}

/* Whether the month and day-of-month bitsets share a real date (with
 * February 29: months are as long as in the leap year 2000). */
static bool
cron_has_date(uint16_t month, uint32_t mday)
{
	uint32_t days;		/* bits 1 to the last day of month m */
	int m;

	for (m = 1; m <= 12; m++) {
		days = (UINT32_C(2) << civil_days_in_month(2000, m)) - 2;
		if ((month >> m & 1) && (mday & days) != 0)
			return true;
	}
	return false;
}

int
cron_parse(const char *spec, struct cron_expr *out, char *err, size_t errlen)
{
	struct cron_pctx pc = { NULL, NULL, 0, err, errlen };
	struct cron_expr e;
	const char *p, *start[F_COUNT + 1];
	char q[4 * QUOTE_MAX + 8], q2[4 * QUOTE_MAX + 8];
	size_t len, flen[F_COUNT + 1];
	uint64_t bits;
	int nf = 0, i, error;

	if (spec == NULL)
		spec = "";
	for (len = 0; len <= CRON_EXPR_MAX && spec[len] != '\0'; len++)
		;
	if (len > CRON_EXPR_MAX) {
		cron_errf(err, errlen, "cron expression \"%s\" is too long "
		    "(more than %d bytes)", cron_quote(spec, len, q,
		    sizeof(q)), CRON_EXPR_MAX);
		return -EINVAL;
	}
	for (p = spec; is_blank(*p); p++)
		;
	if (*p == '@') {
		const char *s = p, *r;

		while (*p != '\0' && !is_blank(*p))
			p++;
		for (r = p; is_blank(*r); r++)
			;
		return parse_macro(s, (size_t)(p - s), r, out, err, errlen);
	}
	/* Split into fields at blanks; count them all for the message. */
	while (*p != '\0') {
		if (nf <= F_COUNT)
			start[nf] = p;
		while (*p != '\0' && !is_blank(*p))
			p++;
		if (nf <= F_COUNT)
			flen[nf] = (size_t)(p - start[nf]);
		nf++;
		while (is_blank(*p))
			p++;
	}
	if (nf != F_COUNT) {
		if (nf == 0)
			cron_errf(err, errlen, "empty cron expression: "
			    "expected 5 fields (minute hour day-of-month "
			    "month day-of-week) or a macro such as @daily");
		else
			cron_errf(err, errlen, "cron expression \"%s\" has %d "
			    "field%s; expected 5 (minute hour day-of-month "
			    "month day-of-week)", cron_quote(spec, len, q,
			    sizeof(q)), nf, nf == 1 ? "" : "s");
		return -EINVAL;
	}
	memset(&e, 0, sizeof(e));
	for (i = 0; i < F_COUNT; i++) {
		pc.def = &fields[i];
		pc.field = start[i];
		pc.flen = flen[i];
		if ((error = parse_field(&pc, &bits)) != 0)
			return error;
		switch (i) {
		case F_MINUTE:
			e.minute = bits;
			break;
		case F_HOUR:
			e.hour = (uint32_t)bits;
			break;
		case F_MDAY:
			e.mday = (uint32_t)bits;
			if (start[i][0] == '*')
				e.flags |= CRON_MDAY_STAR;
			break;
		case F_MONTH:
			e.month = (uint16_t)bits;
			break;
		default:	/* 7 is Sunday too */
			e.wday = (uint8_t)((bits | bits >> 7) & WDAY_MASK);
			if (start[i][0] == '*')
				e.flags |= CRON_WDAY_STAR;
			break;
		}
	}
	if (start[F_MINUTE][0] != '*' && start[F_HOUR][0] != '*')
		e.flags |= CRON_FIXED_TIME;
	/*
	 * With day-of-week starting with '*', a day must match the
	 * day-of-month field: if no chosen month has a chosen day, the
	 * expression never fires.  (A day-of-month starting with '*'
	 * always has day 1; when both are restricted, weekdays suffice.)
	 */
	if ((e.flags & CRON_WDAY_STAR) && !cron_has_date(e.month, e.mday)) {
		cron_errf(err, errlen, "day-of-month field \"%s\" and month "
		    "field \"%s\" name no date: the expression never fires",
		    cron_quote(start[F_MDAY], flen[F_MDAY], q, sizeof(q)),
		    cron_quote(start[F_MONTH], flen[F_MONTH], q2,
		    sizeof(q2)));
		return -ERANGE;
	}
	*out = e;
	return 0;
}

/* Next fire time. */

/* The bitsets of an expression, masked to their ranges. */
struct cron_m {
	uint64_t	minute;
	uint32_t	hour;
	uint32_t	mday;
	uint16_t	month;
	uint8_t		wday;
	bool		or_days;	/* both day fields restricted */
};

/* The lowest set bit of v at or above bit "from", or -1. */
static int
next_bit64(uint64_t v, int from)
{
	if (from > 63)
		return -1;
	v &= ~UINT64_C(0) << from;
	return v == 0 ? -1 : __builtin_ctzll(v);
}

static bool
day_ok(const struct cron_m *m, int mday, int wday)
{
	bool md = m->mday >> mday & 1, wd = m->wday >> wday & 1;

	return m->or_days ? md || wd : md && wd;
}

/*
 * The first local minute L (local seconds) with lo <= L < hi that the
 * fields match, into *out.  Big steps: a month that does not match is
 * skipped whole, then a day, then an hour.
 */
static bool
cron_match(const struct cron_m *m, int64_t lo, int64_t hi, int64_t *out)
{
	int64_t L, day, sod, y;
	int mo, d, h, mi, nd, wd, b;

	L = civil_floor_div(lo + 59, 60) * 60;
	if (L >= hi)
		return false;
	day = civil_floor_div(L, DAY);
	sod = L - day * DAY;
	h = (int)(sod / 3600);
	mi = (int)(sod / 60 % 60);
	civil_from_days(day, &y, &mo, &d);
	for (;;) {
		if (!(m->month >> mo & 1)) {
			if ((b = next_bit64(m->month, mo + 1)) < 0) {
				y++;
				b = next_bit64(m->month, 1);
			}
			mo = b;
			d = 1;
			h = mi = 0;
			day = civil_to_days(y, mo, 1);
			if (day * DAY >= hi)
				return false;
		}
		nd = civil_days_in_month(y, mo);
		wd = civil_weekday(day);
		while (d <= nd && !day_ok(m, d, wd)) {
			d++;
			day++;
			wd = wd == 6 ? 0 : wd + 1;
			h = mi = 0;
		}
		if (day * DAY >= hi)
			return false;
		if (d > nd) {		/* day is now the 1st of the next */
			if (++mo > 12) {
				mo = 1;
				y++;
			}
			d = 1;
			continue;
		}
		if ((b = next_bit64(m->hour, h)) < 0) {
			d++;
			day++;
			h = mi = 0;
			continue;
		}
		if (b != h) {
			h = b;
			mi = 0;
		}
		if ((b = next_bit64(m->minute, mi)) < 0) {
			h++;
			mi = 0;
			continue;
		}
		L = day * DAY + h * 3600 + b * 60;
		if (L >= hi)
			return false;
		*out = L;
		return true;
	}
}

/*
 * The high-water mark before span start s: the latest local time (local
 * seconds, exclusive) reached by any instant before s.
 */
static int64_t
cron_hwm(const struct tz *tz, int64_t s)
{
	int64_t hwm = INT64_MIN, ps, pe, stop = s - HWM_LOOKBACK;
	int32_t off;
	int i;

	for (i = 0; i < 4 && s != INT64_MIN && s > stop; i++) {
		off = tz_span(tz, s - 1, &ps, &pe);
		if (s + off > hwm)
			hwm = s + off;
		s = ps;
	}
	return hwm;
}

int
cron_next(const struct cron_expr *e, const struct tz *tz, int64_t after,
    int64_t *next)
{
	struct cron_m m;
	int64_t a, t, s, end, limit, hwm = INT64_MIN, lo, hi, L;
	int32_t off;
	bool fixed = e->flags & CRON_FIXED_TIME;

	if (e->flags & CRON_REBOOT)
		return -EINVAL;
	m.minute = e->minute & MINUTE_MASK;
	m.hour = e->hour & HOUR_MASK;
	m.mday = e->mday & MDAY_MASK;
	m.month = e->month & MONTH_MASK;
	m.wday = e->wday & WDAY_MASK;
	m.or_days = !(e->flags & (CRON_MDAY_STAR | CRON_WDAY_STAR));
	if (m.minute == 0 || m.hour == 0 || m.month == 0 ||
	    (m.or_days ? (m.mday | m.wday) == 0 :
	    m.mday == 0 || m.wday == 0))
		return -EINVAL;		/* not from cron_parse() */
	/* The first whole second after "after". */
	a = civil_floor_div(after, 1000) + 1;
	if (a < CRON_T_MIN)
		a = CRON_T_MIN;
	if (a >= CRON_T_MAX)
		return -ERANGE;
	limit = a + HORIZON_SECS < CRON_T_MAX ? a + HORIZON_SECS : CRON_T_MAX;
	t = a;
	off = tz_span(tz, t, &s, &end);
	if (fixed && s != INT64_MIN)
		hwm = cron_hwm(tz, s);
	for (;;) {
		/* A fixed time skipped by a forward change fires at the
		 * change: local times from hwm to the span's first. */
		if (fixed && s >= a && hwm < s + off &&
		    cron_match(&m, hwm, s + off, &L)) {
			*next = s * 1000;
			return 0;
		}
		lo = t + off;
		if (fixed && hwm > lo)
			lo = hwm;	/* a second pass: already fired */
		hi = (end < limit ? end : limit) + off;
		if (lo < hi && cron_match(&m, lo, hi, &L)) {
			*next = (L - off) * 1000;
			return 0;
		}
		if (end >= limit)
			return -ERANGE;
		if (end + off > hwm)
			hwm = end + off;
		t = end;
		off = tz_span(tz, t, &s, &end);
	}
}
