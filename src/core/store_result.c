/*
 * store_result: recording ended attempts (retry, done or dead, with their
 * notifications, metrics and dependencies in the same transaction), the
 * claim that follows them, and jobctl's side of the dead-letter table.
 */
#include <errno.h>

#include "jobd/crash.h"
#include "store_impl.h"

/* Record one ended attempt; the caller holds the transaction. */
static int
store_end_one(struct store *st, struct attempt_end *e, int64_t now)
{
	sqlite3_stmt *s;
	bool cancel = false;
	const char *state;
	int error = 0, rc;

	/* The fence: is the attempt still the job's current one? */
	if ((s = store_stmt(st, Q_FENCE, &error)) == NULL)
		return error;
	sqlite3_bind_int64(s, 1, e->job_id);
	sqlite3_bind_int64(s, 2, e->attempt);
	sqlite3_bind_text(s, 3, e->owner, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		cancel = sqlite3_column_int64(s, 0) != 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_err(st, rc);
	e->applied = rc == SQLITE_ROW;
	if (!e->applied) {
		if ((s = store_stmt(st, Q_LATE_ATTEMPT, &error)) == NULL)
			return error;
		sqlite3_bind_int64(s, 1, e->job_id);
		sqlite3_bind_int64(s, 2, e->attempt);
		sqlite3_bind_text(s, 3, e->owner, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, e->error != NULL ? e->error :
		    e->outcome, -1, SQLITE_STATIC);
		return store_run(st, s);
	}
	if (cancel && e->action != END_DONE)
		e->action = END_CANCELLED;

	/* The attempt row. */
	if ((s = store_stmt(st, Q_END_ATTEMPT, &error)) == NULL)
		return error;
	sqlite3_bind_int64(s, 1, e->job_id);
	sqlite3_bind_int64(s, 2, e->attempt);
	sqlite3_bind_text(s, 3, e->owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, e->finished_at);
	if (e->has_exit_code)
		sqlite3_bind_int64(s, 5, e->exit_code);
	else
		sqlite3_bind_null(s, 5);
	if (e->signal != 0)
		sqlite3_bind_int64(s, 6, e->signal);
	else
		sqlite3_bind_null(s, 6);
	sqlite3_bind_text(s, 7, e->outcome, -1, SQLITE_STATIC);
	if (e->output != NULL && e->output_len > 0)
		sqlite3_bind_blob64(s, 8, e->output, e->output_len,
		    SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 8);
	sqlite3_bind_int64(s, 9, e->output_dropped);
	bind_text(s, 10, e->error);
	if (e->started_at != 0)
		sqlite3_bind_int64(s, 11, e->started_at);
	else
		sqlite3_bind_null(s, 11);
	error = store_run(st, s);
	sqlite3_clear_bindings(s);
	if (error != 0)
		return error;
	/* Its counters, with it: the job is still in jobs. */
	if ((error = store_metrics_end(st, e)) != 0)
		return error;

	/* The job. */
	switch (e->action) {
	case END_DONE:
		state = "done";
		break;
	case END_CANCELLED:
		state = "cancelled";
		break;
	case END_RETRY:
	case END_REQUEUE:
		state = "pending";
		break;
	default:
		state = "running";	/* moved to dead_jobs below */
		break;
	}
	if ((s = store_stmt(st, Q_END_JOB, &error)) == NULL)
		return error;
	sqlite3_bind_int64(s, 1, e->job_id);
	sqlite3_bind_text(s, 2, state, -1, SQLITE_STATIC);
	if (e->action == END_RETRY || e->action == END_REQUEUE)
		sqlite3_bind_int64(s, 3, e->run_at);
	else
		sqlite3_bind_null(s, 3);
	sqlite3_bind_int64(s, 4, e->action == END_REQUEUE ? 1 : 0);
	sqlite3_bind_int64(s, 5, now);
	if (e->action == END_RETRY || e->action == END_REQUEUE)
		sqlite3_bind_null(s, 6);
	else
		sqlite3_bind_int64(s, 6, now);
	if (e->has_exit_code)
		sqlite3_bind_int64(s, 7, e->exit_code);
	else
		sqlite3_bind_null(s, 7);
	bind_text(s, 8, e->action == END_DONE ? NULL : e->error);
	error = store_run(st, s);
	sqlite3_clear_bindings(s);
	/* Its notifications, in this transaction: the outbox. */
	if (error == 0)
		error = store_notify_end(st, e, now);
	/* The jobs that wait on it, in this transaction too. */
	if (error == 0 && (e->action == END_DONE ||
	    e->action == END_CANCELLED))
		error = store_deps_end(st, e->job_id, e->action == END_DONE ?
		    JOB_DONE : JOB_CANCELLED, now);
	if (error != 0 || e->action != END_DEAD)
		return error;

	/* Into the dead-letter table: insert and delete, one transaction. */
	if ((s = store_stmt(st, Q_TO_DEAD, &error)) == NULL)
		return error;
	sqlite3_bind_int64(s, 1, e->job_id);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_text(s, 3, e->reason != NULL ? e->reason : "failed",
	    -1, SQLITE_STATIC);
	if ((error = store_run(st, s)) != 0)
		return error;
	crash_point("in_deadletter");
	if ((s = store_stmt(st, Q_DELETE_JOB, &error)) == NULL)
		return error;
	sqlite3_bind_int64(s, 1, e->job_id);
	if ((error = store_run(st, s)) != 0)
		return error;
	return store_deps_end(st, e->job_id, JOB_DEAD, now);
}

int
store_finish(struct store *st, struct attempt_end *ends, size_t n,
    int64_t now)
{
	size_t got;

	if (n == 0)
		return 0;
	return store_finish_claim(st, ends, n, now, NULL, 0, 0, NULL, &got);
}

int
store_finish_claim(struct store *st, struct attempt_end *ends, size_t n,
    int64_t now, const char *owner, int64_t lease_ms, size_t max,
    struct job *out, size_t *got)
{
	size_t i;
	int error;

	*got = 0;
	if (n == 0 && max == 0)
		return 0;
	if ((error = store_begin(st)) != 0)
		return error;
	for (i = 0; i < n; i++)
		if ((error = store_end_one(st, &ends[i], now)) != 0)
			goto fail;
	if (max > 0 && (error = store_claim_locked(st, owner, now, lease_ms,
	    max, out, got)) != 0)
		goto fail;
	if ((error = store_commit(st)) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	for (i = 0; i < *got; i++)
		job_clear(&out[i]);
	*got = 0;
	return error;
}

/*
 * jobctl's side of the dead-letter table.
 */

int
store_dead_retry(struct store *st, const int64_t *ids, size_t n, int64_t now,
    size_t *bad, int64_t *moved)
{
	sqlite3_stmt *chk, *ins, *del, *qs;
	struct room r = { 0 };
	size_t i;
	int error = 0, rc;

	*moved = 0;
	if ((chk = store_stmt(st, Q_DEAD_STATE, &error)) == NULL ||
	    (qs = store_stmt(st, Q_DEAD_QUEUES, &error)) == NULL ||
	    (ins = store_stmt(st, n > 0 ? Q_DEAD_TO_JOBS :
	    Q_DEAD_ALL_TO_JOBS, &error)) == NULL ||
	    (del = store_stmt(st, n > 0 ? Q_DEAD_DELETE :
	    Q_DEAD_DELETE_ALL, &error)) == NULL)
		return error;
	if ((error = store_begin(st)) != 0)
		return error;
	if (n == 0) {
		while ((rc = sqlite3_step(qs)) == SQLITE_ROW && error == 0)
			error = room_add(st, &r,
			    (const char *)sqlite3_column_text(qs, 0),
			    sqlite3_column_int64(qs, 1));
		if (error == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
			error = store_err(st, rc);
		sqlite3_reset(qs);
		if (error != 0)
			goto fail;
		sqlite3_bind_int64(ins, 1, 1);
		sqlite3_bind_int64(ins, 2, now);
		if ((error = store_run(st, ins)) != 0)
			goto fail;
		*moved = sqlite3_changes(st->db);
		if ((error = store_run(st, del)) != 0)
			goto fail;
	}
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(chk, 1, ids[i]);
		rc = sqlite3_step(chk);
		if (rc == SQLITE_ROW)
			error = room_add(st, &r,
			    (const char *)sqlite3_column_text(chk, 0), 1);
		sqlite3_reset(chk);
		if (rc == SQLITE_DONE) {
			*bad = i;
			error = store_seterr(st, -ENOENT, "not a dead job");
			goto fail;
		}
		if (rc != SQLITE_ROW) {
			error = store_err(st, rc);
			goto fail;
		}
		if (error != 0)
			goto fail;
		sqlite3_bind_int64(ins, 1, ids[i]);
		sqlite3_bind_int64(ins, 2, now);
		sqlite3_bind_int64(del, 1, ids[i]);
		if ((error = store_run(st, ins)) != 0 ||
		    (error = store_run(st, del)) != 0)
			goto fail;
		(*moved)++;
	}
	/* max_pending, as for a submission: all or nothing. */
	if ((error = room_check(st, &r)) != 0 ||
	    (error = store_commit(st)) != 0)
		goto fail;
	room_free(&r);
	return 0;
fail:
	store_rollback(st);
	room_free(&r);
	*moved = 0;
	return error;
}

int
store_dead_purge(struct store *st, int64_t before, int64_t *purged)
{
	sqlite3_stmt *a, *d, *w, *v;
	int error = 0;

	*purged = 0;
	if ((a = store_stmt(st, Q_PURGE_ATTEMPTS, &error)) == NULL ||
	    (d = store_stmt(st, Q_PURGE_DEAD, &error)) == NULL ||
	    (w = store_stmt(st, Q_DEP_PURGE, &error)) == NULL ||
	    (v = store_stmt(st, Q_DEP_PURGE_DEP, &error)) == NULL)
		return error;
	if ((error = store_begin(st)) != 0)
		return error;
	sqlite3_bind_int64(a, 1, before);
	sqlite3_bind_int64(d, 1, before);
	sqlite3_bind_int64(w, 1, before);
	sqlite3_bind_int64(v, 1, before);
	if ((error = store_run(st, a)) != 0 ||
	    (error = store_run(st, w)) != 0 ||
	    (error = store_run(st, v)) != 0 ||
	    (error = store_run(st, d)) != 0)
		goto fail;
	*purged = sqlite3_changes(st->db);
	if ((error = store_commit(st)) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	*purged = 0;
	return error;
}

