/*
 * tz: IANA time zones from their TZif files (RFC 8536), without libc's
 * localtime and without touching TZ.
 *
 * A zone is read once into an immutable struct tz: the transitions of the
 * file's 64-bit data block (version 2 and later; the 32-bit block of a
 * version 1 file), with the transitions that change neither the offset nor
 * the DST flag dropped, and the POSIX TZ rule of the footer (RFC 8536
 * §3.3, with the §3.3.1 extensions: hours -167 to 167 in rule times), which
 * gives the offset for instants at and after the last transition of the
 * file.  Every lookup is a binary search in the table or a computation of
 * the rule's changes in the five years around the instant; the object is
 * never written after tz_load() returns, so any thread may use it.
 *
 * Files are opened close-on-exec, capped at TZ_FILE_MAX bytes and checked
 * before use: counts, sizes, ascending transition times, type indexes,
 * offsets within 26 hours, the footer.  Leap-second ("right/") zones are
 * refused: their times are not POSIX times.  Zone names are relative paths
 * under TZ_DIR of letters, digits and "_+-/" with no empty component, so
 * "..", absolute paths and hidden files cannot be named.
 *
 * Instants are clamped to +-2^50 seconds (about 35 million years) so that
 * no arithmetic can overflow.
 */
#define _XOPEN_SOURCE 700	/* realpath() */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobd/civil.h"
#include "jobd/tz.h"

#if defined(__GNUC__)
#define TZ_PRINTF(f, a)	__attribute__((format(printf, f, a)))
#else
#define TZ_PRINTF(f, a)
#endif

#define TZ_FILE_MAX	(1024 * 1024)	/* bytes: no real zone is near */
#define TZ_NAME_MAX	255		/* bytes of a zone name */
#define TZ_TYPES_MAX	256		/* local time types (index is a byte) */
#define TZ_OFF_LIMIT	(26 * 3600)	/* |UTC offset| < this, seconds */
#define TZ_T_LIMIT	(INT64_C(1) << 50)	/* instants are clamped */
#define TZ_LOCALTIME	"/etc/localtime"
#define TZ_HDR_LEN	44		/* bytes of a TZif header */
#define DAY		INT64_C(86400)
#define RULE_YEARS	5		/* years of rule changes looked at */

/* One date of a POSIX TZ rule: "Jn", "n" or "Mm.w.d", then "/time". */
struct tz_rdate {
	char	kind;		/* 'J', 'D' (plain n) or 'M' */
	int	n;		/* J: 1-365; D: 0-365; M: month 1-12 */
	int	week;		/* M: 1-5, 5 the last */
	int	wday;		/* M: 0-6, Sunday 0 */
	int32_t	secs;		/* local time of day, -167 h to 167 h */
};

/* The POSIX TZ rule of a footer, or of TZ itself. */
struct tz_rule {
	int32_t		std_off;	/* seconds east of UTC */
	int32_t		dst_off;	/* seconds east, when has_dst */
	bool		has_dst;
	struct tz_rdate	start;		/* DST starts: local standard time */
	struct tz_rdate	end;		/* DST ends: local DST time */
};

struct tz {
	char		name[TZ_NAME_MAX + 1];
	int32_t		off0;		/* in force before the first change */
	int		dst0;
	bool		has_rule;	/* rule applies from rule_from on */
	int64_t		rule_from;	/* UTC s: the file's last transition */
	struct tz_rule	rule;
	size_t		n;		/* changes in the table */
	int64_t		*at;		/* UTC s, strictly ascending */
	int32_t		*off;		/* offset from at[i] on */
	uint8_t		*dst;		/* DST flag from at[i] on */
};

/* What is in force at an instant, and for how long. */
struct tz_seg {
	int64_t	start;		/* UTC s of the last change <= t, or MIN */
	int64_t	end;		/* UTC s of the next change > t, or MAX */
	int32_t	off;
	int	isdst;
};

static void	tz_errf(char *, size_t, const char *, ...) TZ_PRINTF(3, 4);

static void
tz_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* s for a message, quoted by the caller: at most 80 bytes, and a byte that
 * is not printable ASCII becomes "?". */
static const char *
tz_printable(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < len && i < 80; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static int64_t
clamp_t(int64_t t)
{
	if (t > TZ_T_LIMIT)
		return TZ_T_LIMIT;
	if (t < -TZ_T_LIMIT)
		return -TZ_T_LIMIT;
	return t;
}

/* POSIX TZ strings. */

/* A zone abbreviation: 3 or more letters, or <[A-Za-z0-9+-]{3,}>. */
static bool
posix_name(const char **pp, const char *end)
{
	const char *p = *pp, *s;

	if (p < end && *p == '<') {
		for (s = ++p; p < end && *p != '>'; p++)
			if (!((*p >= 'A' && *p <= 'Z') ||
			    (*p >= 'a' && *p <= 'z') ||
			    (*p >= '0' && *p <= '9') || *p == '+' || *p == '-'))
				return false;
		if (p == end || p - s < 3)
			return false;
		*pp = p + 1;
		return true;
	}
	for (s = p; p < end && ((*p >= 'A' && *p <= 'Z') ||
	    (*p >= 'a' && *p <= 'z')); p++)
		;
	if (p - s < 3)
		return false;
	*pp = p;
	return true;
}

/* Up to "maxdig" digits into *v. */
static bool
posix_num(const char **pp, const char *end, int maxdig, int *v)
{
	const char *p = *pp;
	int n = 0, i;

	for (i = 0; i < maxdig && p < end && *p >= '0' && *p <= '9'; i++)
		n = n * 10 + (*p++ - '0');
	if (i == 0)
		return false;
	*v = n;
	*pp = p;
	return true;
}

/* [+-]hh[:mm[:ss]] with hh <= maxh, into *secs (signed as written). */
static bool
posix_time(const char **pp, const char *end, int maxh, int32_t *secs)
{
	const char *p = *pp;
	int sign = 1, h, m = 0, s = 0;

	if (p < end && (*p == '+' || *p == '-'))
		sign = *p++ == '-' ? -1 : 1;
	if (!posix_num(&p, end, 3, &h) || h > maxh)
		return false;
	if (p < end && *p == ':') {
		p++;
		if (!posix_num(&p, end, 2, &m) || m > 59)
			return false;
		if (p < end && *p == ':') {
			p++;
			if (!posix_num(&p, end, 2, &s) || s > 59)
				return false;
		}
	}
	*secs = sign * (h * 3600 + m * 60 + s);
	*pp = p;
	return true;
}

static bool
posix_date(const char **pp, const char *end, struct tz_rdate *d)
{
	const char *p = *pp;

	d->week = d->wday = 0;
	d->secs = 7200;
	if (p < end && *p == 'J') {
		p++;
		d->kind = 'J';
		if (!posix_num(&p, end, 3, &d->n) || d->n < 1 || d->n > 365)
			return false;
	} else if (p < end && *p == 'M') {
		p++;
		d->kind = 'M';
		if (!posix_num(&p, end, 2, &d->n) || d->n < 1 || d->n > 12 ||
		    p >= end || *p++ != '.' ||
		    !posix_num(&p, end, 1, &d->week) || d->week < 1 ||
		    d->week > 5 || p >= end || *p++ != '.' ||
		    !posix_num(&p, end, 1, &d->wday) || d->wday > 6)
			return false;
	} else {
		d->kind = 'D';
		if (!posix_num(&p, end, 3, &d->n) || d->n > 365)
			return false;
	}
	if (p < end && *p == '/') {
		p++;
		if (!posix_time(&p, end, 167, &d->secs))
			return false;
	}
	*pp = p;
	return true;
}

/*
 * Parse the POSIX TZ string s (len bytes) into *r: "std offset [dst
 * [offset] [,start[/time],end[/time]]]".  A dst without a rule gets the
 * US rule ",M3.2.0,M11.1.0", as in tzcode.  Returns false when malformed.
 */
static bool
posix_parse(const char *s, size_t len, struct tz_rule *r)
{
	const char *p = s, *end = s + len;
	int32_t secs;

	memset(r, 0, sizeof(*r));
	if (!posix_name(&p, end) || !posix_time(&p, end, 24, &secs))
		return false;
	r->std_off = -secs;
	if (p == end)
		return true;
	if (!posix_name(&p, end))
		return false;
	r->has_dst = true;
	r->dst_off = r->std_off + 3600;
	if (p < end && *p != ',') {
		if (!posix_time(&p, end, 24, &secs))
			return false;
		r->dst_off = -secs;
	}
	if (r->dst_off <= -TZ_OFF_LIMIT || r->dst_off >= TZ_OFF_LIMIT)
		return false;
	if (p == end) {
		r->start = (struct tz_rdate){ 'M', 3, 2, 0, 7200 };
		r->end = (struct tz_rdate){ 'M', 11, 1, 0, 7200 };
		return true;
	}
	if (*p++ != ',' || !posix_date(&p, end, &r->start) ||
	    p >= end || *p++ != ',' || !posix_date(&p, end, &r->end))
		return false;
	return p == end;
}

/* The instant (UTC s) of rule date d in year y, local time at offset off. */
static int64_t
rule_instant(const struct tz_rdate *d, int64_t y, int32_t off)
{
	int64_t day;
	int md, first;

	switch (d->kind) {
	case 'J':	/* 1-365, February 29 never counted */
		day = civil_to_days(y, 1, 1) + d->n - 1;
		if (civil_is_leap(y) && d->n >= 60)
			day++;
		break;
	case 'D':	/* 0-365, February 29 counted */
		day = civil_to_days(y, 1, 1) + d->n;
		break;
	default:	/* M: day wday of week "week" of month n */
		day = civil_to_days(y, d->n, 1);
		first = civil_weekday(day);
		md = 1 + (d->wday - first + 7) % 7 + 7 * (d->week - 1);
		while (md > civil_days_in_month(y, d->n))
			md -= 7;
		day += md - 1;
		break;
	}
	return day * DAY + d->secs - off;
}

/*
 * What rule r puts in force at instant t: its changes in the years around
 * t, sorted, with changes at the same instant merged (a rule that ends DST
 * at the instant it starts it again, like "J365/25", is DST all year).
 */
static void
rule_seg(const struct tz_rule *r, int64_t t, struct tz_seg *seg)
{
	struct {
		int64_t	at;
		int	dst;
	} ev[2 * RULE_YEARS], tmp;
	int32_t offs[2 * RULE_YEARS];
	int64_t y, m0;
	int n = 0, i, j, k, pre;
	int mo, d;
	bool changes = false;

	seg->start = INT64_MIN;
	seg->end = INT64_MAX;
	seg->off = r->std_off;
	seg->isdst = 0;
	if (!r->has_dst)
		return;
	civil_from_days(civil_floor_div(t + r->std_off, DAY), &y, &mo, &d);
	for (m0 = y - RULE_YEARS / 2; m0 <= y + RULE_YEARS / 2; m0++) {
		ev[n].at = rule_instant(&r->start, m0, r->std_off);
		ev[n++].dst = 1;
		ev[n].at = rule_instant(&r->end, m0, r->dst_off);
		ev[n++].dst = 0;
	}
	/* Insertion sort: stable, so a tie keeps the later year's event
	 * after the earlier year's. */
	for (i = 1; i < n; i++) {
		tmp = ev[i];
		for (j = i; j > 0 && ev[j - 1].at > tmp.at; j--)
			ev[j] = ev[j - 1];
		ev[j] = tmp;
	}
	/* Merge ties: the last event at an instant wins. */
	for (i = 0, k = 0; i < n; i++) {
		if (k > 0 && ev[k - 1].at == ev[i].at)
			k--;
		ev[k++] = ev[i];
	}
	n = k;
	pre = !ev[0].dst;
	for (i = 0; i < n; i++) {
		offs[i] = ev[i].dst ? r->dst_off : r->std_off;
		if (offs[i] != (i == 0 ? (pre ? r->dst_off : r->std_off) :
		    offs[i - 1]))
			changes = true;
	}
	for (i = -1; i + 1 < n && ev[i + 1].at <= t; i++)
		;
	if (i < 0) {		/* cannot happen: the window starts earlier */
		seg->off = pre ? r->dst_off : r->std_off;
		seg->isdst = pre;
		seg->end = ev[0].at;
		return;
	}
	seg->off = offs[i];
	seg->isdst = ev[i].dst;
	if (!changes)		/* DST all year, or DST == standard */
		return;
	for (j = i; j > 0 && offs[j - 1] == offs[i]; j--)
		;
	seg->start = ev[j].at;
	for (j = i + 1; j < n && offs[j] == offs[i]; j++)
		;
	seg->end = j < n ? ev[j].at : ev[n - 1].at;
	if (seg->end <= t)	/* cannot happen: the window ends later */
		seg->end = INT64_MAX;
}

/* The table's part of a lookup: what is in force at t by the table alone,
 * with seg->end INT64_MAX when nothing changes after t in it. */
static void
table_seg(const struct tz *z, int64_t t, struct tz_seg *seg)
{
	size_t lo = 0, hi = z->n, mid, j;
	ptrdiff_t i;

	while (lo < hi) {	/* first index with at > t */
		mid = lo + (hi - lo) / 2;
		if (z->at[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	i = (ptrdiff_t)lo - 1;
	if (i < 0) {
		seg->off = z->off0;
		seg->isdst = z->dst0;
		seg->start = INT64_MIN;
	} else {
		seg->off = z->off[i];
		seg->isdst = z->dst[i];
		while (i > 0 && z->off[i - 1] == seg->off)
			i--;
		seg->start = i == 0 && z->off0 == seg->off ? INT64_MIN :
		    z->at[i];
	}
	for (j = lo; j < z->n && z->off[j] == seg->off; j++)
		;
	seg->end = j < z->n ? z->at[j] : INT64_MAX;
}

/* What is in force at instant t in z (not NULL). */
static void
tz_find(const struct tz *z, int64_t t, struct tz_seg *seg)
{
	struct tz_seg ts;

	if (z->has_rule && t >= z->rule_from) {
		rule_seg(&z->rule, t, seg);
		if (z->rule_from != INT64_MIN && seg->start < z->rule_from) {
			table_seg(z, z->rule_from, &ts);
			seg->start = ts.off == seg->off ? ts.start :
			    z->rule_from;
		}
		return;
	}
	table_seg(z, t, seg);
	if (seg->end == INT64_MAX && z->has_rule) {
		rule_seg(&z->rule, z->rule_from, &ts);
		seg->end = ts.off == seg->off ? ts.end : z->rule_from;
	}
}

/* Loading. */

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64s(const uint8_t *p)
{
	uint64_t v = (uint64_t)be32(p) << 32 | be32(p + 4);

	return v <= INT64_MAX ? (int64_t)v : -(int64_t)(~v) - 1;
}

static int32_t
be32s(const uint8_t *p)
{
	uint32_t v = be32(p);

	return v <= INT32_MAX ? (int32_t)v : -(int32_t)(~v) - 1;
}

struct tzif_hdr {
	int		version;	/* 1, 2, 3 or 4 */
	uint32_t	isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static const char *
tzif_header(const uint8_t *p, size_t len, struct tzif_hdr *h)
{
	if (len < TZ_HDR_LEN)
		return "truncated header";
	if (memcmp(p, "TZif", 4) != 0)
		return "not a TZif file";
	if (p[4] == 0)
		h->version = 1;
	else if (p[4] >= '2' && p[4] <= '4')
		h->version = p[4] - '0';
	else
		return "unknown TZif version";
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	return NULL;
}

/* Bytes of the data block after header h, with times of tsz bytes. */
static uint64_t
tzif_block_len(const struct tzif_hdr *h, unsigned int tsz)
{
	return (uint64_t)h->timecnt * tsz + h->timecnt +
	    (uint64_t)h->typecnt * 6 + h->charcnt +
	    (uint64_t)h->leapcnt * (tsz + 4) + h->isstdcnt + h->isutcnt;
}

/*
 * Parse the TZif image p (len bytes) into a new zone named "name".
 * Returns NULL after pointing *why at the reason (or NULL when out of
 * memory).
 */
static struct tz *
tzif_parse(const uint8_t *p, size_t len, const char *name, const char **why)
{
	struct tzif_hdr h;
	const uint8_t *times, *idx, *types, *foot;
	struct tz *z;
	unsigned int tsz = 4;
	uint64_t blen;
	size_t pos = TZ_HDR_LEN, i, n;
	int32_t off, prev_off;
	int dst, prev_dst;
	int64_t at, prev_at = INT64_MIN;

	if ((*why = tzif_header(p, len, &h)) != NULL)
		return NULL;
	if (h.version >= 2) {	/* skip the 32-bit block */
		blen = tzif_block_len(&h, 4);
		if (blen > len - pos) {
			*why = "truncated version 1 data";
			return NULL;
		}
		pos += (size_t)blen;
		if ((*why = tzif_header(p + pos, len - pos, &h)) != NULL)
			return NULL;
		pos += TZ_HDR_LEN;
		tsz = 8;
	}
	if (h.typecnt == 0 || h.typecnt > TZ_TYPES_MAX || h.charcnt == 0 ||
	    (h.isstdcnt != 0 && h.isstdcnt != h.typecnt) ||
	    (h.isutcnt != 0 && h.isutcnt != h.typecnt)) {
		*why = "bad counts in the header";
		return NULL;
	}
	if (h.leapcnt != 0) {
		*why = "leap-second zones (\"right/\") are not supported";
		return NULL;
	}
	blen = tzif_block_len(&h, tsz);
	if (blen > len - pos) {
		*why = "truncated data";
		return NULL;
	}
	times = p + pos;
	idx = times + (size_t)h.timecnt * tsz;
	types = idx + h.timecnt;
	foot = p + pos + blen;
	for (i = 0; i < h.typecnt; i++) {
		off = be32s(types + 6 * i);
		if (off <= -TZ_OFF_LIMIT || off >= TZ_OFF_LIMIT ||
		    types[6 * i + 4] > 1 || types[6 * i + 5] >= h.charcnt) {
			*why = "bad local time type";
			return NULL;
		}
	}
	for (i = 0; i < h.timecnt; i++) {
		at = tsz == 8 ? be64s(times + 8 * i) : be32s(times + 4 * i);
		if ((i > 0 && at <= prev_at) || idx[i] >= h.typecnt) {
			*why = "bad transition";
			return NULL;
		}
		prev_at = at;
	}
	z = calloc(1, sizeof(*z) + (size_t)h.timecnt *
	    (sizeof(int64_t) + sizeof(int32_t) + 1));
	if (z == NULL) {
		*why = NULL;
		return NULL;
	}
	z->at = (int64_t *)(z + 1);
	z->off = (int32_t *)(z->at + h.timecnt);
	z->dst = (uint8_t *)(z->off + h.timecnt);
	(void)snprintf(z->name, sizeof(z->name), "%s", name);
	/* Before the first transition: type 0 (RFC 8536 §3.2). */
	z->off0 = prev_off = be32s(types);
	z->dst0 = prev_dst = types[4];
	for (i = 0, n = 0; i < h.timecnt; i++) {
		at = tsz == 8 ? be64s(times + 8 * i) : be32s(times + 4 * i);
		off = be32s(types + 6 * idx[i]);
		dst = types[6 * idx[i] + 4];
		if (off == prev_off && dst == prev_dst)
			continue;
		z->at[n] = at;
		z->off[n] = prev_off = off;
		z->dst[n++] = (uint8_t)(prev_dst = dst);
	}
	z->n = n;
	z->rule_from = h.timecnt > 0 ? prev_at : INT64_MIN;
	if (h.version >= 2 && foot < p + len) {
		/* The footer: "\n" TZ-string "\n", the string maybe empty. */
		const uint8_t *nl = memchr(foot + 1, '\n', (size_t)(p + len -
		    foot - 1));

		if (*foot != '\n' || nl == NULL || nl + 1 != p + len) {
			*why = "bad footer";
			free(z);
			return NULL;
		}
		if (nl > foot + 1) {
			if (!posix_parse((const char *)foot + 1,
			    (size_t)(nl - foot - 1), &z->rule)) {
				*why = "bad TZ rule in the footer";
				free(z);
				return NULL;
			}
			z->has_rule = true;
		}
	}
	return z;
}

/* Read the file at path into a new zone named "name". */
static int
tz_load_file(const char *path, const char *name, struct tz **out, char *err,
    size_t errlen)
{
	struct stat st;
	uint8_t *buf;
	const char *why;
	char q[96];
	size_t got = 0;
	ssize_t r = 0;
	int fd, error;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		error = errno;
		if (error == ENOENT || error == ENOTDIR) {
			tz_errf(err, errlen, "unknown time zone \"%s\" (no "
			    "file %s)", tz_printable(name, q, sizeof(q)),
			    path);
			return -ENOENT;
		}
		tz_errf(err, errlen, "time zone \"%s\": %s: %s",
		    tz_printable(name, q, sizeof(q)), path, strerror(error));
		return -error;
	}
	if (fstat(fd, &st) == -1) {
		error = errno;
		(void)close(fd);
		tz_errf(err, errlen, "time zone \"%s\": %s: %s",
		    tz_printable(name, q, sizeof(q)), path, strerror(error));
		return -error;
	}
	if (!S_ISREG(st.st_mode)) {
		(void)close(fd);
		tz_errf(err, errlen, "unknown time zone \"%s\" (%s is not a "
		    "zone file)", tz_printable(name, q, sizeof(q)), path);
		return -ENOENT;
	}
	if (st.st_size > TZ_FILE_MAX) {
		(void)close(fd);
		tz_errf(err, errlen, "time zone \"%s\": %s: larger than %d "
		    "bytes", tz_printable(name, q, sizeof(q)), path,
		    TZ_FILE_MAX);
		return -EINVAL;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		(void)close(fd);
		tz_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* Read one byte more than fstat said, to notice a file that grew. */
	while (got <= (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size + 1 - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	error = r == -1 ? errno : 0;
	(void)close(fd);
	if (error != 0) {
		free(buf);
		tz_errf(err, errlen, "time zone \"%s\": %s: %s",
		    tz_printable(name, q, sizeof(q)), path, strerror(error));
		return -error;
	}
	if (got > (size_t)st.st_size) {
		free(buf);
		tz_errf(err, errlen, "time zone \"%s\": %s: changed while "
		    "being read", tz_printable(name, q, sizeof(q)), path);
		return -EINVAL;
	}
	*out = tzif_parse(buf, got, name, &why);
	free(buf);
	if (*out != NULL)
		return 0;
	if (why == NULL) {
		tz_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	tz_errf(err, errlen, "time zone \"%s\": %s: %s",
	    tz_printable(name, q, sizeof(q)), path, why);
	return -EINVAL;
}

/* Whether name is a zone name we accept; if not, say why. */
static bool
tz_name_ok(const char *name, const char **why)
{
	const char *p;
	size_t comp = 0;

	if (strlen(name) > TZ_NAME_MAX) {
		*why = "too long";
		return false;
	}
	if (name[0] == '/') {
		*why = "absolute paths are not zone names";
		return false;
	}
	for (p = name; *p != '\0'; p++) {
		if (*p == '/') {
			if (comp == 0) {
				*why = "empty path component";
				return false;
			}
			comp = 0;
			continue;
		}
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '+' ||
		    *p == '-')) {
			*why = *p == '.' ? "\".\" is not allowed in a zone "
			    "name" : "only letters, digits and \"_+-/\" are "
			    "allowed";
			return false;
		}
		comp++;
	}
	if (comp == 0) {
		*why = "empty path component";
		return false;
	}
	return true;
}

static struct tz *
tz_new_fixed(const char *name, const struct tz_rule *r)
{
	struct tz *z;

	if ((z = calloc(1, sizeof(*z))) == NULL)
		return NULL;
	(void)snprintf(z->name, sizeof(z->name), "%s", name);
	z->at = NULL;
	z->off = NULL;
	z->dst = NULL;
	z->rule_from = INT64_MIN;
	if (r != NULL) {
		z->rule = *r;
		z->has_rule = true;
		z->off0 = r->std_off;
	}
	return z;
}

/* /etc/localtime's zone name: its symlink target under TZ_DIR, if any. */
static void
tz_local_name(char *name, size_t len)
{
	char link[PATH_MAX], abs[PATH_MAX + 8], *real;
	const char *rel, *why;
	ssize_t n;
	size_t dl = strlen(TZ_DIR);

	(void)snprintf(name, len, "localtime");
	if ((n = readlink(TZ_LOCALTIME, link, sizeof(link) - 1)) < 0)
		return;
	link[n] = '\0';
	if (link[0] == '/')
		(void)snprintf(abs, sizeof(abs), "%s", link);
	else
		(void)snprintf(abs, sizeof(abs), "/etc/%s", link);
	rel = abs;
	if ((real = realpath(abs, NULL)) == NULL)
		return;
	/* Prefer the name the link gives ("US/Eastern"), else the file's
	 * real path ("America/New_York"). */
	if (!(strncmp(abs, TZ_DIR "/", dl + 1) == 0 &&
	    tz_name_ok(abs + dl + 1, &why)))
		rel = real;
	if (strncmp(rel, TZ_DIR "/", dl + 1) == 0 &&
	    tz_name_ok(rel + dl + 1, &why))
		(void)snprintf(name, len, "%s", rel + dl + 1);
	free(real);
}

/* The local zone: TZ, else /etc/localtime, else UTC. */
static int
tz_load_local(struct tz **out, char *err, size_t errlen)
{
	const char *env = getenv("TZ"), *why;
	char path[sizeof(TZ_DIR) + TZ_NAME_MAX + 2], name[TZ_NAME_MAX + 1];
	struct tz_rule r;
	size_t dl = strlen(TZ_DIR);
	int error;

	if (env != NULL && *env == ':')
		env++;
	if (env != NULL && *env != '\0') {
		if (*env == '/') {
			if (strncmp(env, TZ_DIR "/", dl + 1) == 0 &&
			    tz_name_ok(env + dl + 1, &why))
				(void)snprintf(name, sizeof(name), "%s",
				    env + dl + 1);
			else
				(void)snprintf(name, sizeof(name),
				    "localtime");
			error = tz_load_file(env, name, out, err, errlen);
			if (error != -ENOENT)
				return error;
		} else if (tz_name_ok(env, &why)) {
			(void)snprintf(path, sizeof(path), "%s/%s", TZ_DIR,
			    env);
			error = tz_load_file(path, env, out, err, errlen);
			if (error != -ENOENT)
				return error;
		}
		/* Not a file: a POSIX TZ string like "CET-1CEST,M3.5.0,
		 * M10.5.0/3" is a zone of its own. */
		if (strlen(env) <= TZ_NAME_MAX &&
		    posix_parse(env, strlen(env), &r)) {
			if ((*out = tz_new_fixed(env, &r)) == NULL)
				goto nomem;
			return 0;
		}
	}
	return tz_load_system(out, err, errlen);
nomem:
	tz_errf(err, errlen, "out of memory");
	return -ENOMEM;
}

int
tz_load_system(struct tz **out, char *err, size_t errlen)
{
	char name[TZ_NAME_MAX + 1];
	int error;

	tz_local_name(name, sizeof(name));
	error = tz_load_file(TZ_LOCALTIME, name, out, err, errlen);
	if (error != -ENOENT)
		return error;
	if ((*out = tz_new_fixed("UTC", NULL)) == NULL) {
		tz_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int
tz_load(const char *name, struct tz **out, char *err, size_t errlen)
{
	char path[sizeof(TZ_DIR) + TZ_NAME_MAX + 2], q[96];
	const char *why;
	int error;

	if (name == NULL || *name == '\0')
		return tz_load_local(out, err, errlen);
	if (!tz_name_ok(name, &why)) {
		tz_errf(err, errlen, "invalid time zone name \"%s\": %s",
		    tz_printable(name, q, sizeof(q)), why);
		return -EINVAL;
	}
	(void)snprintf(path, sizeof(path), "%s/%s", TZ_DIR, name);
	error = tz_load_file(path, name, out, err, errlen);
	if (error == -ENOENT && (strcmp(name, "UTC") == 0 ||
	    strcmp(name, "Etc/UTC") == 0)) {
		if ((*out = tz_new_fixed(name, NULL)) == NULL) {
			tz_errf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		return 0;
	}
	return error;
}

void
tz_free(struct tz *z)
{
	free(z);
}

const char *
tz_name(const struct tz *z)
{
	return z != NULL ? z->name : "UTC";
}

int32_t
tz_offset(const struct tz *z, int64_t t, int *isdst)
{
	struct tz_seg seg;

	if (z == NULL) {
		seg.off = 0;
		seg.isdst = 0;
	} else
		tz_find(z, clamp_t(t), &seg);
	if (isdst != NULL)
		*isdst = seg.isdst;
	return seg.off;
}

int32_t
tz_span(const struct tz *z, int64_t t, int64_t *start, int64_t *end)
{
	struct tz_seg seg;

	if (z == NULL) {
		*start = INT64_MIN;
		*end = INT64_MAX;
		return 0;
	}
	tz_find(z, clamp_t(t), &seg);
	*start = seg.start;
	*end = seg.end;
	return seg.off;
}

void
tz_localtime(const struct tz *z, int64_t t, struct tz_tm *out)
{
	int64_t x, day, sod, y;

	t = clamp_t(t);
	out->gmtoff = tz_offset(z, t, NULL);
	x = t + out->gmtoff;
	day = civil_floor_div(x, DAY);
	sod = x - day * DAY;
	civil_from_days(day, &y, &out->month, &out->mday);
	out->year = (int)y;
	out->hour = (int)(sod / 3600);
	out->min = (int)(sod / 60 % 60);
	out->sec = (int)(sod % 60);
	out->wday = civil_weekday(day);
}

int
tz_local_to_utc(const struct tz *z, int year, int month, int mday, int hour,
    int min, int64_t out[2], int64_t *gap_end)
{
	struct tz_seg seg;
	int64_t local, t, c, lo, hi, first_after = INT64_MIN;
	int n = 0;

	if (month < 1 || month > 12 || mday < 1 ||
	    mday > civil_days_in_month(year, month) || hour < 0 ||
	    hour > 23 || min < 0 || min > 59 || year < -1000000 ||
	    year > 1000000)
		return -EINVAL;
	local = civil_to_days(year, month, mday) * DAY + hour * 3600 +
	    min * 60;
	if (z == NULL) {
		out[0] = local;
		return 1;
	}
	/* Every instant whose local time could be "local" lies within
	 * TZ_OFF_LIMIT of it: walk the spans of that window in order. */
	lo = local - TZ_OFF_LIMIT;
	hi = local + TZ_OFF_LIMIT;
	for (t = lo;;) {
		tz_find(z, t, &seg);
		c = local - seg.off;
		if (c >= t && c < seg.end && n < 2)
			out[n++] = c;
		if (first_after == INT64_MIN && t > lo &&
		    seg.start + seg.off > local)
			first_after = seg.start;
		if (seg.end > hi)
			break;
		t = seg.end;
	}
	if (n == 0 && gap_end != NULL)
		*gap_end = first_after != INT64_MIN ? first_after :
		    local - seg.off;
	return n;
}
