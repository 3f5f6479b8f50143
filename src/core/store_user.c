/*
 * store_user: what one run_as user has in the database, for the quotas
 * (quota.h) of users who submit through jobd's socket.  Read on every
 * such submission, so it never scans: each count is an index search on
 * the user (schema/021_users.sql), and the output sum reads the user's
 * own attempts through attempts_job.
 */
#include <errno.h>
#include <string.h>

#include "store_impl.h"

int
store_user_usage(struct store *st, const char *user, struct user_usage *u)
{
	struct stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_USER_USAGE, &error)) == NULL)
		return error;
	db_bind_text(s, 1, user);
	if ((rc = db_step(s)) == DB_ROW) {
		u->pending = db_col_int(s, 0);
		u->schedules = db_col_int(s, 1);
		u->output = db_col_int(s, 2);
	} else
		error = store_norow(st, rc);
	db_reset(s);
	db_clear(s);
	return error;
}
