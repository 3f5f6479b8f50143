/*
 * Fuzz target for cron: cron_parse() on arbitrary text, and cron_next()
 * on whatever parses.
 *
 * Two independent models are checked against the module:
 *
 * - a reference parser written from the syntax documented in jobctl(1)
 *   and DESIGN §7 (fields, lists, ranges, steps, names, macros, 0 and 7
 *   both Sunday, the '*' rule of the day fields, "never fires" as
 *   -ERANGE): cron_parse() must accept and refuse exactly the same
 *   strings, with the same bitsets and flags, and write a terminated
 *   message into an error buffer of any size;
 *
 * - a brute-force matcher that walks real time minute by minute over a
 *   bounded window and applies the documented rule to each instant: an
 *   expression without a fixed time fires at every instant whose local
 *   time matches; one with a fixed time fires at most once per local
 *   minute, at the first instant at which local time reaches or passes
 *   that minute (a minute skipped by a forward change fires at the
 *   change, several of them once; a repeated one only in its first pass).
 *   The first fire times after a few start times, in UTC and in a zone
 *   with daylight saving time, and the fire times after each of those,
 *   must be exactly the ones cron_next() gives; when the window holds
 *   fewer, cron_next()'s next answer must lie beyond the window.
 *
 * Input: the expression is the text up to the first newline.  The bytes
 * after it, if any, choose the zone and the start times; without them a
 * hash of the expression does, so that plain expressions make good seeds.
 * Any disagreement aborts with both sides printed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/civil.h"
#include "jobd/cron.h"
#include "jobd/tz.h"

#define FUZZ_NAME	"fuzz_cron"
#include "fuzz.h"

#define DAY		INT64_C(86400)
#define WINDOW		(2 * DAY)	/* seconds walked after a start */
#define LOOKBACK	(2 * DAY)	/* seconds looked at before it */
#define MAX_FIRES	4		/* fire times compared per start */
#define NSTARTS		2		/* start times per zone */
#define MAX_BASES	64		/* start points per zone */

int	LLVMFuzzerInitialize(int *argc, char ***argv);

/* Zones with daylight saving time, odd offsets and odd changes. */
static const char *const zone_names[] = {
	"America/New_York",	/* 1 hour at 02:00 */
	"Europe/Berlin",
	"Australia/Lord_Howe",	/* 30-minute changes */
	"America/Santiago",	/* changes at midnight: skips 00:00 */
	"Pacific/Apia",		/* skipped 2011-12-30 whole */
	"America/St_Johns",	/* -03:30 / -02:30 */
	"Pacific/Chatham",	/* +12:45 / +13:45 */
	"Asia/Kathmandu",	/* +05:45, no DST */
	"Africa/Casablanca",	/* negative DST */
	"Antarctica/Troll",	/* a 2-hour change */
};
#define NZONES	(sizeof(zone_names) / sizeof(zone_names[0]))

struct zone {
	const char	*name;
	struct tz	*tz;		/* NULL: UTC */
	int64_t		 base[MAX_BASES];	/* UTC seconds */
	size_t		 nbase;
};

static struct zone zones[NZONES + 1];	/* zones[0] is UTC */
static size_t nzones;

/* The reference model of an expression. */
struct ref {
	uint64_t	minute;
	uint32_t	hour, mday;
	uint16_t	month;
	uint8_t		wday;
	bool		mday_star, wday_star, fixed, reboot;
};

static const char *const ref_months[] = {
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
	"nov", "dec"
};
static const char *const ref_days[] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat"
};

struct ref_field {
	int			 lo, hi, span;
	const char *const	*names;
	int			 nnames, base;
};

static const struct ref_field ref_fields[5] = {
	{ 0, 59, 60, NULL, 0, 0 },
	{ 0, 23, 24, NULL, 0, 0 },
	{ 1, 31, 31, NULL, 0, 0 },
	{ 1, 12, 12, ref_months, 12, 1 },
	{ 0, 7, 7, ref_days, 7, 0 },
};

static bool
ref_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* A number or a name of field f at s (len bytes), exactly. */
static bool
ref_value(const struct ref_field *f, const char *s, size_t len, int *v)
{
	size_t i;
	long n = 0;
	int k;

	if (len == 0)
		return false;
	if (s[0] >= '0' && s[0] <= '9') {
		for (i = 0; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return false;
			if (n < 1000)
				n = n * 10 + (s[i] - '0');
		}
		if (n < f->lo || n > f->hi)
			return false;
		*v = (int)n;
		return true;
	}
	if (len != 3)
		return false;
	for (k = 0; k < f->nnames; k++) {
		for (i = 0; i < 3; i++) {
			char c = s[i];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != f->names[k][i])
				break;
		}
		if (i == 3) {
			*v = k + f->base;
			return true;
		}
	}
	return false;
}

/* One list item of field f, s to e. */
static bool
ref_item(const struct ref_field *f, const char *s, const char *e,
    uint64_t *bits)
{
	const char *slash, *dash;
	int a, b, v;
	long step = 1;

	for (slash = s; slash < e && *slash != '/'; slash++)
		;
	if (slash < e) {
		const char *p;

		if (slash + 1 == e)
			return false;
		step = 0;
		for (p = slash + 1; p < e; p++) {
			if (*p < '0' || *p > '9')
				return false;
			if (step < 1000)
				step = step * 10 + (*p - '0');
		}
		if (step < 1 || step > f->span)
			return false;
	}
	if (slash - s == 1 && *s == '*') {
		a = f->lo;
		b = f->hi;
	} else {
		for (dash = s; dash < slash && *dash != '-'; dash++)
			;
		if (!ref_value(f, s, (size_t)(dash - s), &a))
			return false;
		if (dash < slash) {
			if (!ref_value(f, dash + 1, (size_t)(slash - dash - 1),
			    &b) || a > b)
				return false;
		} else
			b = slash < e ? f->hi : a;
	}
	for (v = a; v <= b; v += (int)step)
		*bits |= UINT64_C(1) << v;
	return true;
}

static bool
ref_field_parse(const struct ref_field *f, const char *s, const char *e,
    uint64_t *bits)
{
	const char *c;

	*bits = 0;
	for (;;) {
		for (c = s; c < e && *c != ','; c++)
			;
		if (c == s || !ref_item(f, s, c, bits))
			return false;
		if (c == e)
			return true;
		s = c + 1;
	}
}

/* Months of 2000, a leap year: every date that exists. */
static int
ref_mdays(int m)
{
	static const int n[13] = { 0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	return n[m];
}

static int
ref_parse(const char *s, struct ref *r)
{
	static const char *const macro[][2] = {
		{ "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" },
		{ "@monthly", "0 0 1 * *" }, { "@weekly", "0 0 * * 0" },
		{ "@daily", "0 0 * * *" }, { "@midnight", "0 0 * * *" },
		{ "@hourly", "0 * * * *" }, { "@reboot", NULL },
	};
	const char *start[5], *end[5], *p;
	uint64_t bits[5];
	size_t i;
	int nf = 0, m, d;
	bool any;

	memset(r, 0, sizeof(*r));
	if (strlen(s) > CRON_EXPR_MAX)
		return -EINVAL;
	for (p = s; ref_blank(*p); p++)
		;
	if (*p == '@') {
		const char *w = p;

		while (*p != '\0' && !ref_blank(*p))
			p++;
		for (i = 0; i < sizeof(macro) / sizeof(macro[0]); i++)
			if (strlen(macro[i][0]) == (size_t)(p - w) &&
			    memcmp(macro[i][0], w, (size_t)(p - w)) == 0)
				break;
		while (ref_blank(*p))
			p++;
		if (i == sizeof(macro) / sizeof(macro[0]) || *p != '\0')
			return -EINVAL;
		if (macro[i][1] == NULL) {
			r->reboot = true;
			return 0;
		}
		return ref_parse(macro[i][1], r);
	}
	while (*p != '\0') {
		if (nf == 5)
			return -EINVAL;
		start[nf] = p;
		while (*p != '\0' && !ref_blank(*p))
			p++;
		end[nf++] = p;
		while (ref_blank(*p))
			p++;
	}
	if (nf != 5)
		return -EINVAL;
	for (i = 0; i < 5; i++)
		if (!ref_field_parse(&ref_fields[i], start[i], end[i],
		    &bits[i]))
			return -EINVAL;
	r->minute = bits[0];
	r->hour = (uint32_t)bits[1];
	r->mday = (uint32_t)bits[2];
	r->month = (uint16_t)bits[3];
	r->wday = (uint8_t)((bits[4] & 0x7f) | (bits[4] >> 7 & 1));
	r->mday_star = *start[2] == '*';
	r->wday_star = *start[4] == '*';
	r->fixed = *start[0] != '*' && *start[1] != '*';
	if (r->wday_star) {
		any = false;
		for (m = 1; m <= 12; m++)
			for (d = 1; d <= ref_mdays(m); d++)
				if ((r->month >> m & 1) && (r->mday >> d & 1))
					any = true;
		if (!any)
			return -ERANGE;
	}
	return 0;
}

/* Does local time L (seconds, a whole minute) match r? */
static bool
ref_match(const struct ref *r, int64_t L)
{
	int64_t days = civil_floor_div(L, DAY), sod = L - days * DAY, y;
	int m, d, wd;
	bool md, wdm;

	civil_from_days(days, &y, &m, &d);
	wd = civil_weekday(days);
	if (!(r->minute >> (sod / 60 % 60) & 1) ||
	    !(r->hour >> (sod / 3600) & 1) || !(r->month >> m & 1))
		return false;
	md = r->mday >> d & 1;
	wdm = r->wday >> wd & 1;
	if (r->mday_star || r->wday_star)
		return md && wdm;
	return md || wdm;
}

static void
fail(const char *expr, const char *fmt, ...) __attribute__((format(printf,
    2, 3), __noreturn__));

static void
fail(const char *expr, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_cron: expression \"%s\": ", expr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* The UTC offset at instant t (seconds). */
static int32_t
offset_at(const struct zone *z, int64_t t)
{
	return tz_offset(z->tz, t, NULL);
}

/*
 * The high-water mark before instant t0 (a whole minute): the end of the
 * latest local minute reached by any instant in [t0 - LOOKBACK, t0).
 * An hour whose two ends have the same offset is taken as constant (its
 * latest local minute is its last); the others are walked minute by
 * minute.  False when the zone is one the brute force cannot judge
 * there (an offset that is not a whole number of minutes).
 */
static bool
brute_hwm(const struct zone *z, int64_t t0, int64_t *hwm)
{
	int64_t t, u, h = INT64_MIN;
	int32_t off, o;

	for (t = t0 - 60; t > t0 - LOOKBACK; t -= 3600) {
		if ((off = offset_at(z, t)) % 60 != 0)
			return false;
		if (t + off + 60 > h)
			h = t + off + 60;
		if (offset_at(z, t - 3600) == off)
			continue;
		for (u = t - 3540; u < t; u += 60) {
			if ((o = offset_at(z, u)) % 60 != 0)
				return false;
			if (u + o + 60 > h)
				h = u + o + 60;
		}
	}
	*hwm = h;
	return true;
}

/*
 * The first fire times of r strictly after "after" (UTC ms) within the
 * window, at most MAX_FIRES, into out (UTC ms).  Returns their number, or
 * -1 when the zone cannot be judged there; *wend gets the last instant
 * (UTC seconds) looked at.
 */
static int
brute_fires(const struct ref *r, const struct zone *z, int64_t after,
    int64_t out[MAX_FIRES], int64_t *wend)
{
	int64_t t0, t, end, hwm = 0, L, M;
	int32_t off, poff = 0;
	int n = 0;

	t0 = civil_floor_div(after, 60000) * 60 + 60;
	end = t0 + WINDOW;
	*wend = end;
	if (r->fixed && !brute_hwm(z, t0, &hwm))
		return -1;
	for (t = t0; t <= end && n < MAX_FIRES; t += 60) {
		off = offset_at(z, t);
		if (off % 60 != 0)
			return -1;
		if (t > t0 && off != poff && offset_at(z, t - 1) != off)
			return -1;	/* the change is not at t */
		poff = off;
		L = t + off;
		if (!r->fixed) {
			if (ref_match(r, L))
				out[n++] = t * 1000;
			continue;
		}
		/* Local minutes from the high-water mark to L fire now. */
		if (L - hwm > 3 * DAY)
			return -1;
		for (M = hwm; M <= L; M += 60) {
			if (ref_match(r, M)) {
				out[n++] = t * 1000;
				break;
			}
		}
		if (L + 60 > hwm)
			hwm = L + 60;
	}
	return n;
}

static void
check_next(const char *expr, const struct cron_expr *e, const struct ref *r,
    const struct zone *z, int64_t after)
{
	int64_t fires[MAX_FIRES], wend, prev, next;
	int n, i, rc;

	if ((n = brute_fires(r, z, after, fires, &wend)) < 0)
		return;
	prev = after;
	for (i = 0; i < n; i++) {
		rc = cron_next(e, z->tz, prev, &next);
		if (rc != 0 || next != fires[i])
			fail(expr, "zone %s, after %lld: cron_next() is %d, "
			    "%lld; the brute force says %lld (fire %d from "
			    "%lld)", z->name, (long long)prev, rc,
			    rc == 0 ? (long long)next : 0LL,
			    (long long)fires[i], i, (long long)after);
		prev = next;
	}
	if (n == MAX_FIRES)
		return;
	rc = cron_next(e, z->tz, prev, &next);
	if (rc == 0 && next <= wend * 1000)
		fail(expr, "zone %s, after %lld: cron_next() is %lld; the "
		    "brute force finds nothing up to %lld", z->name,
		    (long long)prev, (long long)next, (long long)wend * 1000);
	if (rc != 0 && rc != -ERANGE)
		fail(expr, "zone %s, after %lld: cron_next() returned %d",
		    z->name, (long long)prev, rc);
}

/* Parameter byte i: from the input when it has one, else from the hash. */
static unsigned
param(const uint8_t *p, size_t n, uint64_t h, size_t i)
{
	if (i < n)
		return p[i];
	return (unsigned)(h >> (8 * (i % 8)) & 0xff) ^ (unsigned)(i * 37);
}

static void
add_base(struct zone *z, int64_t t)
{
	if (z->nbase < MAX_BASES)
		z->base[z->nbase++] = t;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const int64_t fixed[] = {
		0,			/* 1970-01-01 */
		951696000,		/* 2000-02-28, before a leap day */
		1325073600,		/* 2011-12-28T12:00Z: Apia's jump */
		1767225600,		/* 2026-01-01 */
		2177452800,		/* 2039-01-01: past 32-bit times */
		4107456000,		/* 2100-02-28, no leap day */
	};
	struct zone *z;
	char err[256];
	int64_t t, s, e;
	size_t i, k;

	(void)argc;
	(void)argv;
	zones[0].name = "UTC";
	nzones = 1;
	for (i = 0; i < NZONES; i++) {
		z = &zones[nzones];
		if (tz_load(zone_names[i], &z->tz, err, sizeof(err)) != 0) {
			fprintf(stderr, "fuzz_cron: %s (skipped)\n", err);
			continue;
		}
		z->name = zone_names[i];
		nzones++;
	}
	for (i = 0; i < nzones; i++) {
		z = &zones[i];
		for (k = 0; k < sizeof(fixed) / sizeof(fixed[0]); k++)
			add_base(z, fixed[k]);
		/* The changes of 2025 to 2027 and of 2038 to 2039. */
		for (k = 0; k < 2; k++) {
			t = k == 0 ? 1735689600 : 2145916800;
			e = t + 2 * 366 * DAY;
			while (t < e && z->nbase < MAX_BASES) {
				tz_span(z->tz, t, &s, &t);
				if (t >= e)
					break;
				add_base(z, t);
			}
		}
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char expr[CRON_EXPR_MAX + 64], *err;
	const uint8_t *nl, *pp;
	struct cron_expr e;
	struct ref r;
	const struct zone *z;
	size_t len, np, errlen;
	uint64_t h;
	int64_t after, delta;
	unsigned b;
	int rc, rrc, i;

	nl = memchr(data, '\n', size);
	len = nl != NULL ? (size_t)(nl - data) : size;
	if (len >= sizeof(expr))
		return -1;
	memcpy(expr, data, len);
	expr[len] = '\0';
	pp = nl != NULL ? nl + 1 : NULL;
	np = nl != NULL ? size - len - 1 : 0;
	h = fuzz_hash(data, len);

	/* The message, into a buffer of any size (exactly that size). */
	errlen = param(pp, np, h, 0) % 8 == 0 ? param(pp, np, h, 1) % 16 :
	    256;
	err = errlen > 0 ? malloc(errlen) : NULL;
	if (errlen > 0 && err == NULL)
		return 0;
	if (err != NULL)
		memset(err, 'x', errlen);
	rc = cron_parse(expr, &e, err, errlen);
	if (rc != 0 && err != NULL && memchr(err, '\0', errlen) == NULL)
		fail(expr, "the message is not terminated");
	if (rc != 0 && errlen > 1 && err[0] == '\0')
		fail(expr, "refused with an empty message");
	free(err);
	if (cron_parse(expr, &e, NULL, 0) != rc)
		fail(expr, "a different result without a message buffer");

	rrc = ref_parse(expr, &r);
	if (rc != rrc)
		fail(expr, "cron_parse() returned %d, the reference %d", rc,
		    rrc);
	if (rc != 0)
		return 0;
	if (r.reboot) {
		int64_t next;

		if (e.flags != CRON_REBOOT)
			fail(expr, "@reboot: flags %#x", e.flags);
		if (cron_next(&e, NULL, 0, &next) != -EINVAL)
			fail(expr, "cron_next() of @reboot is not -EINVAL");
		return 0;
	}
	if (e.minute != r.minute || e.hour != r.hour || e.mday != r.mday ||
	    e.month != r.month || e.wday != r.wday ||
	    !!(e.flags & CRON_MDAY_STAR) != r.mday_star ||
	    !!(e.flags & CRON_WDAY_STAR) != r.wday_star ||
	    !!(e.flags & CRON_FIXED_TIME) != r.fixed ||
	    (e.flags & CRON_REBOOT))
		fail(expr, "parsed as %#llx %#x %#x %#x %#x flags %#x; the "
		    "reference says %#llx %#x %#x %#x %#x%s%s%s",
		    (unsigned long long)e.minute, e.hour, e.mday, e.month,
		    e.wday, e.flags, (unsigned long long)r.minute, r.hour,
		    r.mday, r.month, r.wday, r.mday_star ? " mday*" : "",
		    r.wday_star ? " wday*" : "", r.fixed ? " fixed" : "");

	/* Fire times: UTC, then one zone with changes. */
	b = param(pp, np, h, 2);
	for (i = 0; i < 2 * NSTARTS; i++) {
		z = i < NSTARTS ? &zones[0] :
		    &zones[nzones > 1 ? 1 + b % (nzones - 1) : 0];
		b = param(pp, np, h, 3 + 5 * (size_t)i);
		after = z->base[b % z->nbase] * 1000;
		delta = (int64_t)(param(pp, np, h, 4 + 5 * (size_t)i) |
		    param(pp, np, h, 5 + 5 * (size_t)i) << 8 |
		    param(pp, np, h, 6 + 5 * (size_t)i) << 16 |
		    param(pp, np, h, 7 + 5 * (size_t)i) << 24);
		/* Within two days either side, often on a whole minute. */
		delta = delta % (4 * DAY * 1000) - 2 * DAY * 1000;
		if (b & 0x80)
			delta -= delta % 60000;
		if (b & 0x40)
			delta -= 1;
		check_next(expr, &e, &r, z, after + delta);
	}
	return 0;
}
