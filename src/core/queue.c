/*
 * queue: the rules of queue names and settings (see queue.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "jobd/job.h"
#include "jobd/jobspec.h"
#include "jobd/queue.h"
#include "jobd/timefmt.h"

#define SEC	1000LL
#define DAY	(24 * 3600 * SEC)

/* The ranges of jobd.conf's [job] keys, which the queue defaults share. */
#define QUEUE_TIMEOUT_MAX_MS	(30 * DAY)
#define QUEUE_BACKOFF_MIN_MS	100
#define QUEUE_BACKOFF_MAX_MS	DAY
#define QUEUE_BACKOFF_CAP_MS	(30 * DAY)

/* A queue's "not set" is a job's: queue_job_opt() mixes them. */
_Static_assert(QUEUE_NONE == JOB_DEFAULT, "QUEUE_NONE is JOB_DEFAULT");

static const char *const queue_keys[QK_N] = {
	"concurrency", "rate", "weight", "max_pending",
	"max_running_per_user", "max_attempts", "timeout", "backoff",
	"backoff_max"
};

static int
queue_fail(char *why, size_t whylen, const char *reason)
{
	snprintf(why, whylen, "%s", reason);
	return -EINVAL;
}

int
queue_name_check(const char *q, bool reserved_ok, char *why, size_t whylen)
{
	const char *p;
	size_t len = strlen(q);

	if (len == 0 || len > QUEUE_NAME_MAX) {
		snprintf(why, whylen, "must be 1 to %d characters",
		    QUEUE_NAME_MAX);
		return -EINVAL;
	}
	for (p = q; *p != '\0'; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && *p != '_' && *p != '-' &&
		    *p != '.')
			return queue_fail(why, whylen, "use letters, digits, "
			    "'.', '_' and '-'");
	if (*q == '-' || *q == '.')
		return queue_fail(why, whylen, "must not start with '-' or "
		    "'.'");
	if (!reserved_ok &&
	    strncmp(q, QUEUE_RESERVED, strlen(QUEUE_RESERVED)) == 0)
		return queue_fail(why, whylen, "names starting with \""
		    QUEUE_RESERVED "\" are reserved for jobd's own jobs");
	return 0;
}

void
queue_settings_init(struct queue_settings *s)
{
	s->concurrency = QUEUE_NONE;
	s->rate_n = s->rate_period_ms = QUEUE_NONE;
	s->weight = 1;
	s->max_pending = QUEUE_NONE;
	s->max_running_per_user = QUEUE_NONE;
	s->max_attempts = QUEUE_NONE;
	s->timeout_ms = QUEUE_NONE;
	s->backoff_ms = s->backoff_max_ms = QUEUE_NONE;
}

const char *
queue_key_name(enum queue_key k)
{
	return queue_keys[k];
}

int
queue_key_find(const char *name, enum queue_key *k)
{
	size_t i, j;

	for (i = 0; i < QK_N; i++) {
		const char *a = queue_keys[i];

		for (j = 0; a[j] != '\0' && name[j] != '\0'; j++)
			if (a[j] != name[j] && !(a[j] == '_' &&
			    name[j] == '-'))
				break;
		if (a[j] == '\0' && name[j] == '\0') {
			*k = (enum queue_key)i;
			return 0;
		}
	}
	return -ENOENT;
}

/* A duration in [min, max] ms. */
static int
queue_duration(const char *s, int64_t min, int64_t max, int64_t *ms,
    char *why, size_t whylen)
{
	char err[256], a[TIMEFMT_MAX], b[TIMEFMT_MAX];
	int64_t v;

	if (timefmt_parse_duration(s, &v, err, sizeof(err)) != 0)
		return queue_fail(why, whylen, err);
	if (v < min || v > max) {
		(void)timefmt_format_duration(min, a, sizeof(a));
		(void)timefmt_format_duration(max, b, sizeof(b));
		snprintf(why, whylen, "must be between %s and %s", a, b);
		return -EINVAL;
	}
	*ms = v;
	return 0;
}

int
queue_rate_parse(const char *s, int64_t *n, int64_t *period_ms, char *why,
    size_t whylen)
{
	const char *slash = strchr(s, '/');
	char num[32];
	int64_t v, p;

	if (slash == NULL || slash == s || (size_t)(slash - s) >= sizeof(num))
		return queue_fail(why, whylen, "expected N/PERIOD, such as "
		    "10/1s or 100/1m");
	memcpy(num, s, (size_t)(slash - s));
	num[slash - s] = '\0';
	if (jobspec_int_parse(num, 1, QUEUE_COUNT_MAX, &v, why, whylen) != 0) {
		char r[QUEUE_WHY_MAX];

		snprintf(r, sizeof(r), "the number of starts %s", why);
		return queue_fail(why, whylen, r);
	}
	if (queue_duration(slash + 1, 1, QUEUE_PERIOD_MAX_MS, &p, why,
	    whylen) != 0) {
		char r[QUEUE_WHY_MAX];

		snprintf(r, sizeof(r), "the period %s", why);
		return queue_fail(why, whylen, r);
	}
	*n = v;
	*period_ms = p;
	return 0;
}

int
queue_setting_parse(struct queue_settings *s, enum queue_key k,
    const char *value, char *why, size_t whylen)
{
	int64_t v = QUEUE_NONE, w = QUEUE_NONE;
	char buf[128], *comma;
	bool none = strcmp(value, "none") == 0;

	if (none && k == QK_WEIGHT)
		return queue_fail(why, whylen, "a weight is a number, 1 to "
		    "1000");
	switch (k) {
	case QK_CONCURRENCY:
	case QK_MAX_RUNNING_PER_USER:
		if (!none && jobspec_int_parse(value, 1, QUEUE_COUNT_MAX, &v,
		    why, whylen) != 0)
			return -EINVAL;
		if (k == QK_CONCURRENCY)
			s->concurrency = v;
		else
			s->max_running_per_user = v;
		return 0;
	case QK_RATE:
		if (!none && queue_rate_parse(value, &v, &w, why, whylen) != 0)
			return -EINVAL;
		s->rate_n = v;
		s->rate_period_ms = w;
		return 0;
	case QK_WEIGHT:
		if (jobspec_int_parse(value, 1, QUEUE_WEIGHT_MAX, &v, why,
		    whylen) != 0)
			return -EINVAL;
		s->weight = v;
		return 0;
	case QK_MAX_PENDING:
		if (!none && jobspec_int_parse(value, 0, QUEUE_PENDING_MAX, &v,
		    why, whylen) != 0)
			return -EINVAL;
		s->max_pending = v;
		return 0;
	case QK_MAX_ATTEMPTS:
		if (!none && jobspec_attempts_parse(value, &v, why,
		    whylen) != 0)
			return -EINVAL;
		s->max_attempts = v;
		return 0;
	case QK_TIMEOUT:
		if (!none && queue_duration(value, 0, QUEUE_TIMEOUT_MAX_MS, &v,
		    why, whylen) != 0)
			return -EINVAL;
		s->timeout_ms = v;
		return 0;
	case QK_BACKOFF:
		if (none) {
			s->backoff_ms = s->backoff_max_ms = QUEUE_NONE;
			return 0;
		}
		if (strlen(value) >= sizeof(buf))
			return queue_fail(why, whylen, "too long");
		strcpy(buf, value);
		if ((comma = strchr(buf, ',')) != NULL)
			*comma++ = '\0';
		if (queue_duration(buf, QUEUE_BACKOFF_MIN_MS,
		    QUEUE_BACKOFF_MAX_MS, &v, why, whylen) != 0)
			return -EINVAL;
		if (comma != NULL) {
			if (queue_duration(comma, QUEUE_BACKOFF_MIN_MS,
			    QUEUE_BACKOFF_CAP_MS, &w, why, whylen) != 0)
				return -EINVAL;
			if (w < v)
				return queue_fail(why, whylen, "the maximum "
				    "must not be less than the base");
			s->backoff_max_ms = w;
		}
		s->backoff_ms = v;
		return 0;
	case QK_BACKOFF_MAX:
		if (!none && queue_duration(value, QUEUE_BACKOFF_MIN_MS,
		    QUEUE_BACKOFF_CAP_MS, &v, why, whylen) != 0)
			return -EINVAL;
		s->backoff_max_ms = v;
		return 0;
	default:
		return queue_fail(why, whylen, "unknown setting");
	}
}

int
queue_settings_check(const struct queue_settings *s, char *why,
    size_t whylen)
{
	if (s->backoff_ms != QUEUE_NONE && s->backoff_max_ms != QUEUE_NONE &&
	    s->backoff_max_ms < s->backoff_ms)
		return queue_fail(why, whylen, "backoff_max must not be less "
		    "than backoff");
	return 0;
}

static void
queue_fmt_ms(int64_t ms, char *buf, size_t len)
{
	if (ms == QUEUE_NONE || timefmt_format_duration(ms, buf, len) != 0)
		snprintf(buf, len, "none");
}

static void
queue_fmt_int(int64_t v, char *buf, size_t len)
{
	if (v == QUEUE_NONE)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%" PRId64, v);
}

void
queue_setting_format(const struct queue_settings *s, enum queue_key k,
    char *buf, size_t len)
{
	char p[TIMEFMT_MAX];

	switch (k) {
	case QK_CONCURRENCY:
		queue_fmt_int(s->concurrency, buf, len);
		break;
	case QK_RATE:
		if (s->rate_n == QUEUE_NONE || s->rate_period_ms == QUEUE_NONE) {
			snprintf(buf, len, "none");
			break;
		}
		queue_fmt_ms(s->rate_period_ms, p, sizeof(p));
		snprintf(buf, len, "%" PRId64 "/%s", s->rate_n, p);
		break;
	case QK_WEIGHT:
		queue_fmt_int(s->weight, buf, len);
		break;
	case QK_MAX_PENDING:
		queue_fmt_int(s->max_pending, buf, len);
		break;
	case QK_MAX_RUNNING_PER_USER:
		queue_fmt_int(s->max_running_per_user, buf, len);
		break;
	case QK_MAX_ATTEMPTS:
		queue_fmt_int(s->max_attempts, buf, len);
		break;
	case QK_TIMEOUT:
		queue_fmt_ms(s->timeout_ms, buf, len);
		break;
	case QK_BACKOFF:
		queue_fmt_ms(s->backoff_ms, buf, len);
		break;
	case QK_BACKOFF_MAX:
		queue_fmt_ms(s->backoff_max_ms, buf, len);
		break;
	default:
		snprintf(buf, len, "none");
		break;
	}
}

bool
queue_settings_any(const struct queue_settings *s)
{
	return s->concurrency != QUEUE_NONE || s->rate_n != QUEUE_NONE ||
	    s->weight != 1 || s->max_pending != QUEUE_NONE ||
	    s->max_running_per_user != QUEUE_NONE ||
	    s->max_attempts != QUEUE_NONE || s->timeout_ms != QUEUE_NONE ||
	    s->backoff_ms != QUEUE_NONE || s->backoff_max_ms != QUEUE_NONE;
}

int64_t
queue_job_opt(int64_t job, int64_t queue, int64_t conf)
{
	if (job != QUEUE_NONE)
		return job;
	return queue != QUEUE_NONE ? queue : conf;
}
