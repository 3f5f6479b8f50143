/*
 * quota: whether a user may add jobs or schedules, given what the user
 * has now (store_user_usage()) and [quota] of jobd.conf.  One pure
 * decision, no database and no clock: whoever accepts work on a user's
 * behalf reads the usage and asks here.
 *
 * Quotas are for users who reach jobd through its socket.  Root and the
 * database's owner write the database directly and are not subject to
 * them; nor are the jobs that schedules make when their slots fire (the
 * schedules were counted when they were added).  The running jobs of a
 * user are limited by [jobd] max_running_per_user, which the claim
 * applies: that is the running quota, and there is none here.
 */
#ifndef JOBD_QUOTA_H
#define JOBD_QUOTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct user_usage;

/* [quota] of jobd.conf; every limit is per run_as user, 0: no limit. */
struct quota_conf {
	int	 pending;	/* jobs pending or running at once */
	int	 schedules;	/* schedules owned, whatever their source */
	int64_t	 output;	/* bytes of attempt output the database keeps */
};

/*
 * Whether adding add_pending jobs and add_schedules schedules to u, what
 * user "user" has now, keeps the user within q.  A count that does not
 * grow (0 or less) is not checked against its limit, so that a user over
 * a lowered limit may still remove work.  Exactly at a limit is within
 * it.  Output cannot be added ahead, so it refuses any addition (jobs or
 * schedules) once more is kept than q->output.
 *
 * Returns 0, or -EDQUOT with one line in err (errlen bytes; err may be
 * NULL) naming the user, the count and the quota, e.g. "quota: alice has
 * 100 pending jobs, [quota] pending = 100".  The first quota exceeded is
 * reported, in the order pending, schedules, output.  Pure; any thread.
 */
int	quota_check(const struct quota_conf *q, const char *user,
	    const struct user_usage *u, int64_t add_pending,
	    int64_t add_schedules, char *err, size_t errlen);

/*
 * Does q set any limit?  Without one quota_check() refuses nothing, and
 * the caller may skip reading the usage (store_user_usage() visits every
 * job of the user that the database keeps).
 */
bool	quota_is_set(const struct quota_conf *q);

#endif /* JOBD_QUOTA_H */
