/*
 * queue: the rules of queues as objects, in one place for jobctl (submit,
 * schedule add and set, import-crontab, jobctl queue), schedule files and
 * jobd.conf's [queue NAME] sections.
 *
 *   name           1 to QUEUE_NAME_MAX bytes of letters, digits, '.', '_'
 *                  and '-', not starting with '-' or '.', nor with
 *                  QUEUE_RESERVED ("jobd.": jobd's own queues, such as
 *                  the notifications' jobd.notify)
 *   concurrency    the most running jobs of the queue, across daemons:
 *                  1 to QUEUE_COUNT_MAX, or none
 *   rate           N/PERIOD ("10/1s", "100/1m"): at most N starts per
 *                  PERIOD (a token bucket); N 1 to QUEUE_COUNT_MAX, PERIOD
 *                  a duration of 1ms to QUEUE_PERIOD_MAX_MS; or none
 *   weight         the queue's share of the workers: 1 to QUEUE_WEIGHT_MAX
 *                  (default 1)
 *   max_pending    the most pending jobs; a submission beyond it is
 *                  refused: 0 to QUEUE_PENDING_MAX, or none
 *   max_running_per_user
 *                  the most running jobs of one user in the queue: 1 to
 *                  QUEUE_COUNT_MAX, or none
 *   max_attempts, timeout, backoff, backoff_max
 *                  the defaults of the queue's jobs and schedules that do
 *                  not set their own (the ranges of jobd.conf's [job]); or
 *                  none: jobd.conf's
 *
 * "none" is the word for "no limit" or "not set".  Every function returns
 * 0 or -EINVAL with a reason in why (whylen bytes, QUEUE_WHY_MAX is
 * enough) that does not repeat the key or the value.  No state; nothing
 * prints or exits; every function is thread-safe.
 */
#ifndef JOBD_QUEUE_H
#define JOBD_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUEUE_NAME_MAX		64		/* bytes of a name */
#define QUEUE_RESERVED		"jobd."		/* jobd's own queues */
#define QUEUE_DEFAULT		"default"	/* a job's queue when unnamed */
#define QUEUE_COUNT_MAX		1000000
#define QUEUE_PENDING_MAX	1000000000
#define QUEUE_WEIGHT_MAX	1000
#define QUEUE_PERIOD_MAX_MS	(24LL * 3600 * 1000)	/* a day */
#define QUEUE_NONE		(-1)		/* no limit, not set */
#define QUEUE_WHY_MAX		160
/* The longest text queue_setting_format() writes, NUL included. */
#define QUEUE_VALUE_MAX		64

/* The settings of a queue: QUEUE_NONE where there is none. */
struct queue_settings {
	int64_t		concurrency;
	int64_t		rate_n;			/* with rate_period_ms */
	int64_t		rate_period_ms;
	int64_t		weight;			/* never QUEUE_NONE */
	int64_t		max_pending;
	int64_t		max_running_per_user;
	int64_t		max_attempts;
	int64_t		timeout_ms;
	int64_t		backoff_ms;
	int64_t		backoff_max_ms;
};

/* The settings by key, in the order jobctl and jobd.conf list them. */
enum queue_key {
	QK_CONCURRENCY,
	QK_RATE,
	QK_WEIGHT,
	QK_MAX_PENDING,
	QK_MAX_RUNNING_PER_USER,
	QK_MAX_ATTEMPTS,
	QK_TIMEOUT,
	QK_BACKOFF,
	QK_BACKOFF_MAX,
	QK_N
};

/*
 * Is q a valid queue name?  With reserved_ok, names starting with
 * QUEUE_RESERVED are accepted too (to read jobd's own queues).
 */
int	queue_name_check(const char *q, bool reserved_ok, char *why,
	    size_t whylen);

/* No limits, weight 1, no job defaults. */
void	queue_settings_init(struct queue_settings *s);

/* Key k's name as jobd.conf spells it ("max_pending"); k < QK_N. */
const char *queue_key_name(enum queue_key k);
/* The key named name ('-' and '_' alike), or -ENOENT. */
int	queue_key_find(const char *name, enum queue_key *k);

/*
 * Parse value (the text of key k, or "none") into s; nothing else of s
 * changes, and nothing when it fails.  QK_BACKOFF takes BASE[,MAX] as
 * jobctl's --backoff does, and sets backoff_max_ms too when MAX is given.
 */
int	queue_setting_parse(struct queue_settings *s, enum queue_key k,
	    const char *value, char *why, size_t whylen);

/* The rules between settings: a back-off maximum not below its base. */
int	queue_settings_check(const struct queue_settings *s, char *why,
	    size_t whylen);

/* Key k of s as text ("10/1s", "30s", "none") in buf (QUEUE_VALUE_MAX). */
void	queue_setting_format(const struct queue_settings *s, enum queue_key k,
	    char *buf, size_t len);

/* Parse "N/PERIOD" into *n and *period_ms. */
int	queue_rate_parse(const char *s, int64_t *n, int64_t *period_ms,
	    char *why, size_t whylen);

/*
 * A job option as a job gets it: its own (job, not QUEUE_NONE), else its
 * queue's (queue), else jobd.conf's (conf).  The one rule of inheritance
 * of max_attempts, timeout, backoff and backoff_max.
 */
int64_t	queue_job_opt(int64_t job, int64_t queue, int64_t conf);

/*
 * Does s set anything beyond the defaults (a limit, a weight other than
 * 1, a job default)?
 */
bool	queue_settings_any(const struct queue_settings *s);

#endif /* JOBD_QUEUE_H */
