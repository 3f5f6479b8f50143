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
	struct stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_DAEMON_INSERT, &error)) == NULL)
		return error;
	if ((error = store_begin(st)) != 0)
		return error;
	db_bind_text(s, 1, d->instance);
	db_bind_text(s, 2, d->host);
	db_bind_int(s, 3, d->pid);
	db_bind_text(s, 4, d->boot_id);
	db_bind_text(s, 5, d->version);
	db_bind_int(s, 6, d->started_at);
	db_bind_int(s, 7, d->heartbeat_at);
	db_bind_int(s, 8, d->heartbeat_ms > 0 ? d->heartbeat_ms : 0);
	db_bind_int(s, 9, st->user_max);
	if ((error = store_run(st, s)) != 0 ||
	    (error = store_commit(st)) != 0)
		store_rollback(st);
	db_clear(s);
	return error;
}

int
store_daemon_unregister(struct store *st, const char *instance)
{
	struct stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_DAEMON_DELETE, &error)) == NULL)
		return error;
	if ((error = store_begin(st)) != 0)
		return error;
	db_bind_text(s, 1, instance);
	if ((error = store_run(st, s)) != 0 ||
	    (error = store_commit(st)) != 0)
		store_rollback(st);
	return error;
}

int
store_daemon_reclaim(struct store *st, const char *instance, int64_t now,
    int64_t *n)
{
	struct stmt *r, *d;
	int error = 0;

	if ((r = store_stmt(st, Q_RECLAIM, &error)) == NULL ||
	    (d = store_stmt(st, Q_DAEMON_DELETE, &error)) == NULL)
		return error;
	if ((error = store_begin(st)) != 0)
		return error;
	db_bind_text(r, 1, instance);
	db_bind_int(r, 2, now);
	if ((error = store_run(st, r)) != 0)
		goto fail;
	*n = db_changes(st);
	db_bind_text(d, 1, instance);
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
	struct stmt *j, *d;
	int error = 0;

	if ((j = store_stmt(st, Q_HEARTBEAT_JOBS, &error)) == NULL ||
	    (d = store_stmt(st, Q_HEARTBEAT_DAEMON, &error)) == NULL)
		return error;
	/*
	 * A heartbeat need not survive a power cut (after a reboot the
	 * boot id tells the leases' owner is gone anyway), so it commits
	 * without waiting for the disk; the next FULL commit syncs it too.
	 */
	if ((error = store_begin_txn(st, TXN_LIGHT)) != 0)
		return error;
	db_bind_text(j, 1, owner);
	db_bind_int(j, 2, now);
	db_bind_int(j, 3, lease_ms);
	db_bind_text(d, 1, owner);
	db_bind_int(d, 2, now);
	db_bind_int(d, 3, every_ms > 0 ? every_ms : 0);
	db_bind_int(d, 4, st->user_max);
	if ((error = store_run(st, j)) != 0 ||
	    (error = store_run(st, d)) != 0 ||
	    (error = store_commit(st)) != 0)
		store_rollback(st);
	return error;
}

int
store_attempt_procs(struct store *st, const char *owner,
    const struct attempt_proc *p, size_t n)
{
	struct stmt *s;
	size_t i;
	int error = 0;

	if (n == 0)
		return 0;
	if ((s = store_stmt(st, Q_ATTEMPT_PROC, &error)) == NULL)
		return error;
	/* Like a heartbeat: after a power cut no process of it is left. */
	if ((error = store_begin_txn(st, TXN_LIGHT)) != 0)
		return error;
	for (i = 0; i < n && error == 0; i++) {
		db_bind_int(s, 1, p[i].job_id);
		db_bind_int(s, 2, p[i].attempt);
		db_bind_text(s, 3, owner);
		db_bind_int(s, 4, p[i].pid);
		db_bind_int(s, 5, p[i].pid_start);
		db_bind_text(s, 6, p[i].boot_id);
		if (p[i].cgroup != NULL)
			db_bind_text(s, 7, p[i].cgroup);
		else
			db_bind_null(s, 7);
		error = store_run(st, s);
	}
	db_clear(s);
	if (error != 0 || (error = store_commit(st)) != 0)
		store_rollback(st);
	return error;
}

int
store_attempt_proc_get(struct store *st, int64_t job_id, int64_t attempt,
    struct attempt_proc *out, char *boot, size_t bootlen, char *cgroup,
    size_t cglen)
{
	struct stmt *s;
	const char *t;
	int error = 0, rc;

	memset(out, 0, sizeof(*out));
	if (bootlen > 0)
		boot[0] = '\0';
	if (cglen > 0)
		cgroup[0] = '\0';
	if ((s = store_stmt(st, Q_ATTEMPT_PROC_GET, &error)) == NULL)
		return error;
	db_bind_int(s, 1, job_id);
	db_bind_int(s, 2, attempt);
	rc = db_step(s);
	if (rc == DB_ROW) {
		out->job_id = job_id;
		out->attempt = attempt;
		out->pid = db_col_int(s, 0);
		out->pid_start = db_col_int(s, 1);
		if ((t = (const char *)db_col_text(s, 2)) != NULL &&
		    bootlen > 0)
			(void)snprintf(boot, bootlen, "%s", t);
		if ((t = (const char *)db_col_text(s, 3)) != NULL &&
		    cglen > 0)
			(void)snprintf(cgroup, cglen, "%s", t);
		out->boot_id = boot;
		out->cgroup = cgroup[0] != '\0' ? cgroup : NULL;
	} else if (rc != DB_DONE)
		error = store_err(st, rc);
	db_reset(s);
	return error;
}

/* The single integer a query returns, or INT64_MAX when it returns none. */
int
store_first_int(struct store *st, enum store_stmt q, int64_t *v)
{
	struct stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, q, &error)) == NULL)
		return error;
	rc = db_step(s);
	if (rc == DB_ROW)
		*v = db_col_int(s, 0);
	else if (rc == DB_DONE)
		*v = INT64_MAX;
	else
		error = store_err(st, rc);
	db_reset(s);
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
	struct stmt *s;
	int error = 0, rc, i;
	int64_t *v[4] = { &t->due, &t->expiry, &t->cron, &t->data_version };

	if ((s = store_stmt(st, Q_TIMES, &error)) == NULL)
		return error;
	if ((rc = db_step(s)) == DB_ROW)
		for (i = 0; i < 4; i++)
			*v[i] = db_col_null(s, i) ?
			    INT64_MAX : db_col_int(s, i);
	else
		error = store_norow(st, rc);
	db_reset(s);
	if (error == 0)
		error = store_claim_next(st, clock_wall_ms(st->clock),
		    &t->due);
	return error;
}

int
store_wal_trim(struct store *st)
{
	return st->ops->wal_trim(st);
}

int
store_data_version(struct store *st, int64_t *v)
{
	if (st->remote != NULL)
		return remote_data_version(st, v);
	return store_first_int(st, Q_DATA_VERSION, v);
}

int
store_expired_list(struct store *st, int64_t now, size_t max,
    store_job_fn fn, void *arg)
{
	struct stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_EXPIRED, &error)) == NULL)
		return error;
	db_bind_int(s, 1, now);
	db_bind_int(s, 2, (int64_t)max);
	return store_each_job(st, s, fn, arg);
}

int
store_leases_of(struct store *st, const char *owner, size_t max,
    store_job_fn fn, void *arg)
{
	struct stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_LEASES_OF, &error)) == NULL)
		return error;
	db_bind_text(s, 1, owner);
	db_bind_int(s, 2, (int64_t)max);
	return store_each_job(st, s, fn, arg);
}

int
store_cancel_requests(struct store *st, const char *owner, store_job_fn fn,
    void *arg)
{
	struct stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_CANCEL_REQUESTS, &error)) == NULL)
		return error;
	db_bind_text(s, 1, owner);
	return store_each_job(st, s, fn, arg);
}

