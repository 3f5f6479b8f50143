/*
 * quota: the per-user quotas of [quota] (quota.h), decided in one place.
 * No state, no database, no clock: the usage is the caller's.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jobd/procopt.h"
#include "jobd/quota.h"
#include "jobd/store.h"

/*
 * Would have + add pass max?  Only a growing count is checked (add > 0),
 * and only against a limit (max > 0); written so that it cannot
 * overflow.
 */
static bool
quota_over(int64_t have, int64_t add, int64_t max)
{
	return max > 0 && add > 0 && have > max - add;
}

/* " (this ... adds N)" after a message, when more than one is added. */
static void
quota_adds(char *err, size_t errlen, const char *what, int64_t add)
{
	size_t n;

	if (add <= 1 || (n = strlen(err)) + 1 >= errlen)
		return;
	snprintf(err + n, errlen - n, " (this %s adds %" PRId64 ")", what,
	    add);
}

int
quota_check(const struct quota_conf *q, const char *user,
    const struct user_usage *u, int64_t add_pending, int64_t add_schedules,
    char *err, size_t errlen)
{
	char lim[32];
	char none[1];

	if (err == NULL || errlen == 0) {
		err = none;
		errlen = sizeof(none);
	}
	if (user == NULL)
		user = "?";
	if (quota_over(u->pending, add_pending, q->pending)) {
		snprintf(err, errlen, "quota: %s has %" PRId64 " pending "
		    "job%s, [quota] pending = %d", user, u->pending,
		    u->pending == 1 ? "" : "s", q->pending);
		quota_adds(err, errlen, "submission", add_pending);
		return -EDQUOT;
	}
	if (quota_over(u->schedules, add_schedules, q->schedules)) {
		snprintf(err, errlen, "quota: %s has %" PRId64 " schedule%s, "
		    "[quota] schedules = %d", user, u->schedules,
		    u->schedules == 1 ? "" : "s", q->schedules);
		quota_adds(err, errlen, "change", add_schedules);
		return -EDQUOT;
	}
	/* Output is made later, by the runs: any addition waits for room. */
	if (q->output > 0 && u->output > q->output &&
	    (add_pending > 0 || add_schedules > 0)) {
		procopt_size_format(q->output, lim, sizeof(lim));
		snprintf(err, errlen, "quota: %s keeps %" PRId64 " bytes of "
		    "job output, more than [quota] output = %s; jobctl prune "
		    "or [retention] output frees it", user, u->output, lim);
		return -EDQUOT;
	}
	return 0;
}

bool
quota_is_set(const struct quota_conf *q)
{
	return q->pending > 0 || q->schedules > 0 || q->output > 0;
}
