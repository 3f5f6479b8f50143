/*
 * Fuzz target for timefmt: the parsers on arbitrary text, and every
 * round trip between the parsers and the printers.
 *
 * - A duration that parses prints (timefmt_format_duration) as text that
 *   parses back to the same value and prints the same again; "+" and it
 *   is that much after "now" as a time.
 * - A time that parses prints as RFC 3339 UTC that parses back to the
 *   same millisecond; as local ISO 8601 with an offset that parses back to
 *   the same second; without its offset, as a wall-clock time that exists
 *   and means the same instant or, in the repeated hour of a backward
 *   change, the earlier one with the same wall clock; and as "@EPOCH".
 * - A refusal is -EINVAL or -ERANGE with a one-line, terminated message,
 *   and leaves the result untouched.
 * - The 8 bytes after the first NUL, when there are that many, are a
 *   value printed by each printer into a buffer of any length (the byte
 *   after them), which must hold a terminated string or be refused.
 *
 * The process's zone is one of a few with daylight saving time, picked by
 * a hash of the input.  Any failure aborts with the input named.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobd/timefmt.h"

#define FUZZ_NAME	"fuzz_timefmt"
#include "fuzz.h"

#define INPUT_MAX	512
/* 9999-12-31T23:59:59.999Z, the last instant timefmt_format_utc prints */
#define UTC_MAX_MS	INT64_C(253402300799999)


static const char *const zones[] = {
	"UTC", "America/New_York", "Europe/Dublin", "Australia/Lord_Howe",
	"Pacific/Apia", "America/Santiago",
};
#define NZONES	(sizeof(zones) / sizeof(zones[0]))

static const int64_t nows[] = {
	INT64_C(1772951400000),		/* 2026-03-08T06:30:00Z */
	INT64_C(1793502000123),		/* 2026-11-01T05:40:00.123Z */
	INT64_C(0),
	INT64_C(253402300799000),	/* 9999-12-31T23:59:59Z */
};
#define NNOWS	(sizeof(nows) / sizeof(nows[0]))

static const char *cur_input;
static const char *cur_zone;

/* A refusal: the right code and a terminated, non-empty message. */
static void
check_refusal(const char *what, int rc, const char *err, size_t errlen)
{
	if (rc != -EINVAL && rc != -ERANGE)
		fuzz_fail("%s returned %d", what, rc);
	if (memchr(err, '\0', errlen) == NULL)
		fuzz_fail("%s: the message is not terminated", what);
	if (err[0] == '\0')
		fuzz_fail("%s: an empty message", what);
	if (strchr(err, '\n') != NULL)
		fuzz_fail("%s: the message \"%s\" is not one line", what, err);
}

static int64_t
floor_secs(int64_t ms)
{
	return ms / 1000 - (ms % 1000 < 0);
}

static void
check_duration(const char *s, int64_t now)
{
	char err[256], buf[TIMEFMT_MAX], buf2[TIMEFMT_MAX], plus[INPUT_MAX + 2];
	int64_t ms = -42, ms2 = -42, t;
	int rc;

	rc = timefmt_parse_duration(s, &ms, err, sizeof(err));
	if (rc != 0) {
		check_refusal("timefmt_parse_duration", rc, err, sizeof(err));
		if (ms != -42)
			fuzz_fail("a refused duration wrote its result");
		return;
	}
	if (ms < 0)
		fuzz_fail("duration %lld is negative", (long long)ms);
	if (timefmt_format_duration(ms, buf, sizeof(buf)) != 0)
		fuzz_fail("duration %lld does not print", (long long)ms);
	if (timefmt_parse_duration(buf, &ms2, err, sizeof(err)) != 0 ||
	    ms2 != ms)
		fuzz_fail("duration %lld prints as \"%s\", which reads as %lld",
		    (long long)ms, buf, (long long)ms2);
	if (timefmt_format_duration(ms2, buf2, sizeof(buf2)) != 0 ||
	    strcmp(buf, buf2) != 0)
		fuzz_fail("\"%s\" prints as \"%s\"", buf, buf2);
	snprintf(plus, sizeof(plus), "+%s", s);
	rc = timefmt_parse_time(plus, now, &t, err, sizeof(err));
	if (now <= INT64_MAX - ms ? rc != 0 || t != now + ms : rc != -ERANGE)
		fuzz_fail("\"%s\" from %lld is %d, %lld; expected %lld + %lld",
		    plus, (long long)now, rc, (long long)t, (long long)now,
		    (long long)ms);
}

static void
check_time(const char *s, int64_t now)
{
	char err[256], u[TIMEFMT_MAX], l[TIMEFMT_MAX], w[TIMEFMT_MAX];
	char l2[TIMEFMT_MAX], e[32];
	int64_t t = -42, t2, secs;
	size_t n;
	int rc;

	rc = timefmt_parse_time(s, now, &t, err, sizeof(err));
	if (rc != 0) {
		check_refusal("timefmt_parse_time", rc, err, sizeof(err));
		if (t != -42)
			fuzz_fail("a refused time wrote its result");
		return;
	}
	secs = floor_secs(t);

	/* RFC 3339 UTC, to the millisecond. */
	rc = timefmt_format_utc(t, u, sizeof(u));
	if (t >= 0 && t <= UTC_MAX_MS) {
		if (rc != 0)
			fuzz_fail("time %lld does not print as UTC", (long long)t);
		if (timefmt_parse_time(u, now, &t2, err, sizeof(err)) != 0 ||
		    t2 != t)
			fuzz_fail("time %lld prints as \"%s\", which reads as %lld",
			    (long long)t, u, (long long)t2);
	}

	/* "@EPOCH", to the second. */
	if (t >= 0) {
		snprintf(e, sizeof(e), "@%lld", (long long)secs);
		if (timefmt_parse_time(e, now, &t2, err, sizeof(err)) != 0 ||
		    t2 != secs * 1000)
			fuzz_fail("\"%s\" reads as %lld", e, (long long)t2);
	}

	/* Local time with its offset, to the second; then without it. */
	if (timefmt_format_local(t, l, sizeof(l)) != 0)
		return;		/* out of the printable years */
	if (strncmp(l, "1969", 4) <= 0 || (n = strlen(l)) != 25)
		return;		/* before what the parser takes */
	if (timefmt_parse_time(l, now, &t2, err, sizeof(err)) != 0 ||
	    t2 != secs * 1000)
		fuzz_fail("time %lld prints as \"%s\", which reads as %lld (%s)",
		    (long long)t, l, (long long)t2, err);
	memcpy(w, l, 19);
	w[19] = '\0';
	if (timefmt_parse_time(w, now, &t2, err, sizeof(err)) != 0)
		fuzz_fail("time %lld prints as \"%s\", but \"%s\" is refused: %s",
		    (long long)t, l, w, err);
	if (t2 > secs * 1000)
		fuzz_fail("\"%s\" is %lld, after %lld that printed it as \"%s\"",
		    w, (long long)t2, (long long)t, l);
	if (timefmt_format_local(t2, l2, sizeof(l2)) != 0 ||
	    strncmp(l2, w, 19) != 0)
		fuzz_fail("\"%s\" reads as %lld, which prints as \"%s\"", w,
		    (long long)t2, l2);
	if (t2 < secs * 1000 && strcmp(l2, l) == 0)
		fuzz_fail("\"%s\" and %lld both print as \"%s\"", w,
		    (long long)t, l);
}

/* The printers on value v into a buffer of exactly len bytes. */
static void
check_printers(int64_t v, int64_t now, size_t len)
{
	static int (*const fmt[])(int64_t, char *, size_t) = {
		timefmt_format_utc, timefmt_format_local,
		timefmt_format_duration,
	};
	char full[TIMEFMT_MAX], *buf;
	int64_t back;
	size_t i;
	int rc, rcf;

	if ((buf = malloc(len > 0 ? len : 1)) == NULL)
		return;
	for (i = 0; i < 4; i++) {
		memset(buf, 'x', len);
		if (i < 3) {
			rc = fmt[i](v, buf, len);
			rcf = fmt[i](v, full, sizeof(full));
		} else {
			rc = timefmt_format_relative(v, now, buf, len);
			rcf = timefmt_format_relative(v, now, full,
			    sizeof(full));
		}
		if (rc != 0 && rc != -ERANGE)
			fuzz_fail("printer %zu of %lld returned %d", i,
			    (long long)v, rc);
		if (rc == 0 && (memchr(buf, '\0', len) == NULL ||
		    rcf != 0 || strcmp(buf, full) != 0))
			fuzz_fail("printer %zu of %lld into %zu bytes is not what "
			    "it prints into %d", i, (long long)v, len,
			    TIMEFMT_MAX);
		if (rc != 0 && rcf == 0 && strlen(full) < len)
			fuzz_fail("printer %zu of %lld refuses %zu bytes for \"%s\"",
			    i, (long long)v, len, full);
		if (rc != 0 && len > 0 && buf[0] != '\0')
			fuzz_fail("printer %zu of %lld: a refusal leaves text",
			    i, (long long)v);
	}
	if (v >= 0 && (timefmt_format_duration(v, full, sizeof(full)) != 0 ||
	    timefmt_parse_duration(full, &back, NULL, 0) != 0 || back != v))
		fuzz_fail("duration %lld does not read back from \"%s\"",
		    (long long)v, full);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[INPUT_MAX + 1];
	const uint8_t *nul;
	uint64_t h, v = 0;
	int64_t now;
	size_t len, i;
	const char *zone;

	nul = memchr(data, '\0', size);
	len = nul != NULL ? (size_t)(nul - data) : size;
	if (len > INPUT_MAX)
		return -1;
	memcpy(s, data, len);
	s[len] = '\0';
	h = fuzz_hash(data, size);
	zone = zones[h % NZONES];
	if (cur_zone == NULL || strcmp(cur_zone, zone) != 0) {
		setenv("TZ", zone, 1);
		tzset();
	}
	cur_zone = zone;
	cur_input = s;
	now = nows[h / NZONES % NNOWS];

	check_duration(s, now);
	check_time(s, now);
	if (nul != NULL && size - len - 1 >= 8) {
		for (i = 0; i < 8; i++)
			v = v << 8 | nul[1 + i];
		check_printers((int64_t)v, now, size - len - 1 > 8 ?
		    nul[9] % (TIMEFMT_MAX + 8) : TIMEFMT_MAX);
	}
	return 0;
}
