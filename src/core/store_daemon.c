/*
 * store_daemon: the daemon's side of the store -- registration and
 * heartbeats in daemons, reclaiming a dead daemon's leases, the attempts'
 * processes, and the times the loop sleeps until.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jobd/clock.h"
#include "store_impl.h"

int
store_daemon_register(struct store *st, const struct daemon_info *d)
{
	sqlite3_stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_DAEMON_INSERT, &error)) == NULL)
		return error;
	if ((error = store_begin(st)) != 0)
		return error;
	sqlite3_bind_text(s, 1, d->instance, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, d->host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, d->pid);
	sqlite3_bind_text(s, 4, d->boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, d->version, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, d->started_at);
	sqlite3_bind_int64(s, 7, d->heartbeat_at);
	sqlite3_bind_int64(s, 8, d->heartbeat_ms > 0 ? d->heartbeat_ms : 0);
	sqlite3_bind_int64(s, 9, st->user_max);
	if ((error = store_run(st, s)) != 0 ||
	    (error = store_commit(st)) != 0)
		store_rollback(st);
	sqlite3_clear_bindings(s);
	return error;
}

int
store_daemon_unregister(struct store *st, const char *instance)
{
	sqlite3_stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_DAEMON_DELETE, &error)) == NULL)
		return error;
	if ((error = store_begin(st)) != 0)
		return error;
	sqlite3_bind_text(s, 1, instance, -1, SQLITE_STATIC);
	if ((error = store_run(st, s)) != 0 ||
	    (error = store_commit(st)) != 0)
		store_rollback(st);
	return error;
}

int
store_daemon_reclaim(struct store *st, const char *instance, int64_t now,
    int64_t *n)
{
	sqlite3_stmt *r, *d;
	int error = 0;

	if ((r = store_stmt(st, Q_RECLAIM, &error)) == NULL ||
	    (d = store_stmt(st, Q_DAEMON_DELETE, &error)) == NULL)
		return error;
	if ((error = store_begin(st)) != 0)
		return error;
	sqlite3_bind_text(r, 1, instance, -1, SQLITE_STATIC);
	sqlite3_bind_int64(r, 2, now);
	if ((error = store_run(st, r)) != 0)
		goto fail;
	*n = sqlite3_changes(st->db);
	sqlite3_bind_text(d, 1, instance, -1, SQLITE_STATIC);
	if ((error = store_run(st, d)) != 0 ||
	    (error = store_commit(st)) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return error;
}

int
store_heartbeat(struct store *st, const char *owner, int64_t now,
    int64_t lease_ms, int64_t every_ms)
{
	sqlite3_stmt *j, *d;
	int error = 0;

	if ((j = store_stmt(st, Q_HEARTBEAT_JOBS, &error)) == NULL ||
	    (d = store_stmt(st, Q_HEARTBEAT_DAEMON, &error)) == NULL)
		return error;
	/*
	 * A heartbeat need not survive a power cut (after a reboot the
	 * boot id tells the leases' owner is gone anyway), so it commits
	 * without waiting for the disk; the next FULL commit syncs it too.
	 */
	st->relaxed = true;
	(void)store_exec(st, "PRAGMA synchronous = NORMAL");
	if ((error = store_begin_raw(st)) != 0)
		goto out;
	sqlite3_bind_text(j, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(j, 2, now);
	sqlite3_bind_int64(j, 3, lease_ms);
	sqlite3_bind_text(d, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(d, 2, now);
	sqlite3_bind_int64(d, 3, every_ms > 0 ? every_ms : 0);
	sqlite3_bind_int64(d, 4, st->user_max);
	if ((error = store_run(st, j)) != 0 ||
	    (error = store_run(st, d)) != 0 ||
	    (error = store_commit(st)) != 0)
		store_rollback(st);
out:
	if (store_exec(st, "PRAGMA synchronous = FULL") == 0)
		st->relaxed = false;	/* else store_begin retries it */
	return error;
}

int
store_attempt_procs(struct store *st, const char *owner,
    const struct attempt_proc *p, size_t n)
{
	sqlite3_stmt *s;
	size_t i;
	int error = 0;

	if (n == 0)
		return 0;
	if ((s = store_stmt(st, Q_ATTEMPT_PROC, &error)) == NULL)
		return error;
	/* Like a heartbeat: after a power cut no process of it is left. */
	st->relaxed = true;
	(void)store_exec(st, "PRAGMA synchronous = NORMAL");
	if ((error = store_begin_raw(st)) != 0)
		goto out;
	for (i = 0; i < n && error == 0; i++) {
		sqlite3_bind_int64(s, 1, p[i].job_id);
		sqlite3_bind_int64(s, 2, p[i].attempt);
		sqlite3_bind_text(s, 3, owner, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, p[i].pid);
		sqlite3_bind_int64(s, 5, p[i].pid_start);
		sqlite3_bind_text(s, 6, p[i].boot_id, -1, SQLITE_STATIC);
		if (p[i].cgroup != NULL)
			sqlite3_bind_text(s, 7, p[i].cgroup, -1,
			    SQLITE_STATIC);
		else
			sqlite3_bind_null(s, 7);
		error = store_run(st, s);
	}
	sqlite3_clear_bindings(s);
	if (error != 0 || (error = store_commit(st)) != 0)
		store_rollback(st);
out:
	if (store_exec(st, "PRAGMA synchronous = FULL") == 0)
		st->relaxed = false;	/* else store_begin retries it */
	return error;
}

int
store_attempt_proc_get(struct store *st, int64_t job_id, int64_t attempt,
    struct attempt_proc *out, char *boot, size_t bootlen, char *cgroup,
    size_t cglen)
{
	sqlite3_stmt *s;
	const char *t;
	int error = 0, rc;

	memset(out, 0, sizeof(*out));
	if (bootlen > 0)
		boot[0] = '\0';
	if (cglen > 0)
		cgroup[0] = '\0';
	if ((s = store_stmt(st, Q_ATTEMPT_PROC_GET, &error)) == NULL)
		return error;
	sqlite3_bind_int64(s, 1, job_id);
	sqlite3_bind_int64(s, 2, attempt);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->job_id = job_id;
		out->attempt = attempt;
		out->pid = sqlite3_column_int64(s, 0);
		out->pid_start = sqlite3_column_int64(s, 1);
		if ((t = (const char *)sqlite3_column_text(s, 2)) != NULL &&
		    bootlen > 0)
			(void)snprintf(boot, bootlen, "%s", t);
		if ((t = (const char *)sqlite3_column_text(s, 3)) != NULL &&
		    cglen > 0)
			(void)snprintf(cgroup, cglen, "%s", t);
		out->boot_id = boot;
		out->cgroup = cgroup[0] != '\0' ? cgroup : NULL;
	} else if (rc != SQLITE_DONE)
		error = store_err(st, rc);
	sqlite3_reset(s);
	return error;
}

/* The single integer a query returns, or INT64_MAX when it returns none. */
int
store_first_int(struct store *st, enum store_stmt q, int64_t *v)
{
	sqlite3_stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, q, &error)) == NULL)
		return error;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(s, 0);
	else if (rc == SQLITE_DONE)
		*v = INT64_MAX;
	else
		error = store_err(st, rc);
	sqlite3_reset(s);
	return error;
}

int
store_next_times(struct store *st, int64_t *next_due, int64_t *next_expiry)
{
	int error;

	if ((error = store_claim_next(st, clock_wall_ms(st->clock),
	    next_due)) != 0)
		return error;
	return store_first_int(st, Q_NEXT_EXPIRY, next_expiry);
}

int
store_times(struct store *st, struct store_times *t)
{
	sqlite3_stmt *s;
	int error = 0, rc, i;
	int64_t *v[4] = { &t->due, &t->expiry, &t->cron, &t->data_version };

	if ((s = store_stmt(st, Q_TIMES, &error)) == NULL)
		return error;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		for (i = 0; i < 4; i++)
			*v[i] = sqlite3_column_type(s, i) == SQLITE_NULL ?
			    INT64_MAX : sqlite3_column_int64(s, i);
	else
		error = store_err(st, rc == SQLITE_DONE ? SQLITE_INTERNAL : rc);
	sqlite3_reset(s);
	if (error == 0)
		error = store_claim_next(st, clock_wall_ms(st->clock),
		    &t->due);
	return error;
}

int
store_wal_trim(struct store *st)
{
	struct stat sb;
	int rc;

	if (*st->wal == '\0' || stat(st->wal, &sb) != 0 ||
	    sb.st_size <= STORE_WAL_LIMIT)
		return 0;
	st->nowait = true;
	rc = sqlite3_wal_checkpoint_v2(st->db, NULL,
	    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	st->nowait = false;
	if (rc == SQLITE_BUSY)
		return -EBUSY;
	return rc == SQLITE_OK ? 0 : store_err(st, rc);
}

int
store_data_version(struct store *st, int64_t *v)
{
	return store_first_int(st, Q_DATA_VERSION, v);
}

int
store_expired_list(struct store *st, int64_t now, size_t max,
    store_job_fn fn, void *arg)
{
	sqlite3_stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_EXPIRED, &error)) == NULL)
		return error;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, (int64_t)max);
	return store_each_job(st, s, fn, arg);
}

int
store_cancel_requests(struct store *st, const char *owner, store_job_fn fn,
    void *arg)
{
	sqlite3_stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_CANCEL_REQUESTS, &error)) == NULL)
		return error;
	sqlite3_bind_text(s, 1, owner, -1, SQLITE_STATIC);
	return store_each_job(st, s, fn, arg);
}

