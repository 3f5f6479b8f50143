/*
 * store_result: recording ended attempts (retry, done or dead, with their
 * notifications, metrics and dependencies in the same transaction), the
 * claim that follows them, and jobctl's side of the dead-letter table.
 */
#include <errno.h>
#include <stdlib.h>

#include "jobd/crash.h"
#include "store_impl.h"

/* Record one ended attempt; the caller holds the transaction. */
static int
store_end_one(struct store *st, struct attempt_end *e, int64_t now)
{
	struct stmt *s;
	char *queue = NULL, *sched = NULL;
	bool cancel = false, oom = false;
	const char *state;
	int error = 0, rc;

	/* The fence: is the attempt still the job's current one? */
	if ((s = store_stmt(st, Q_FENCE, &error)) == NULL)
		return error;
	db_bind_int(s, 1, e->job_id);
	db_bind_int(s, 2, e->attempt);
	db_bind_text(s, 3, e->owner);
	rc = db_step(s);
	if (rc == DB_ROW) {
		cancel = db_col_int(s, 0) != 0;
		queue = col_strdup(s, 1, &oom);
		sched = col_strdup(s, 2, &oom);
	}
	db_reset(s);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_err(st, rc);
	e->applied = rc == DB_ROW;
	if (oom || (e->applied && queue == NULL)) {
		free(queue);
		free(sched);
		return store_seterr(st, -ENOMEM, "out of memory");
	}
	if (!e->applied) {
		if ((s = store_stmt(st, Q_LATE_ATTEMPT, &error)) == NULL)
			return error;
		db_bind_int(s, 1, e->job_id);
		db_bind_int(s, 2, e->attempt);
		db_bind_text(s, 3, e->owner);
		db_bind_text(s, 4, e->error != NULL ? e->error :
		    e->outcome);
		return store_run(st, s);
	}
	e->cancel_requested = cancel;
	if (st->decide != NULL)
		st->decide(e, st->decide_arg);
	/* Its counters, tallied for the commit. */
	error = store_metrics_end(st, e, queue, sched);
	free(queue);
	free(sched);
	if (error != 0)
		return error;

	/* The attempt row. */
	if ((s = store_stmt(st, Q_END_ATTEMPT, &error)) == NULL)
		return error;
	db_bind_int(s, 1, e->job_id);
	db_bind_int(s, 2, e->attempt);
	db_bind_text(s, 3, e->owner);
	db_bind_int(s, 4, e->finished_at);
	if (e->has_exit_code)
		db_bind_int(s, 5, e->exit_code);
	else
		db_bind_null(s, 5);
	if (e->signal != 0)
		db_bind_int(s, 6, e->signal);
	else
		db_bind_null(s, 6);
	db_bind_text(s, 7, e->outcome);
	if (e->output != NULL && e->output_len > 0)
		db_bind_blob(s, 8, e->output, e->output_len);
	else
		db_bind_null(s, 8);
	db_bind_int(s, 9, e->output_dropped);
	db_bind_text(s, 10, e->error);
	if (e->started_at != 0)
		db_bind_int(s, 11, e->started_at);
	else
		db_bind_null(s, 11);
	error = store_run(st, s);
	db_clear(s);
	if (error != 0)
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
	db_bind_int(s, 1, e->job_id);
	db_bind_text(s, 2, state);
	if (e->action == END_RETRY || e->action == END_REQUEUE)
		db_bind_int(s, 3, e->run_at);
	else
		db_bind_null(s, 3);
	db_bind_int(s, 4, e->action == END_REQUEUE ? 1 : 0);
	db_bind_int(s, 5, now);
	if (e->action == END_RETRY || e->action == END_REQUEUE)
		db_bind_null(s, 6);
	else
		db_bind_int(s, 6, now);
	if (e->has_exit_code)
		db_bind_int(s, 7, e->exit_code);
	else
		db_bind_null(s, 7);
	db_bind_text(s, 8, e->action == END_DONE ? NULL : e->error);
	error = store_run(st, s);
	db_clear(s);
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
	db_bind_int(s, 1, e->job_id);
	db_bind_int(s, 2, now);
	db_bind_text(s, 3, e->reason != NULL ? e->reason : "failed");
	if ((error = store_run(st, s)) != 0)
		return error;
	crash_point("in_deadletter");
	if ((s = store_stmt(st, Q_DELETE_JOB, &error)) == NULL)
		return error;
	db_bind_int(s, 1, e->job_id);
	if ((error = store_run(st, s)) != 0)
		return error;
	return store_deps_end(st, e->job_id, JOB_DEAD, now);
}

void
store_set_decide(struct store *st, store_decide_fn fn, void *arg)
{
	st->decide = fn;
	st->decide_arg = arg;
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

/* How often a claim undone by a deadlock with another's runs again. */
#define CLAIM_TRIES	3

/* The daemon's choice, kept to run a claim again from the start. */
struct end_choice {
	enum end_action	 action;
	int64_t		 run_at;
	const char	*reason;
};

static int
finish_claim_once(struct store *st, struct attempt_end *ends, size_t n,
    int64_t now, const char *owner, int64_t lease_ms, size_t max,
    struct job *out, size_t *got, const struct store_sub *sub)
{
	size_t i;
	int error;

	*got = 0;
	if ((error = store_begin_txn(st, TXN_CLAIM)) != 0)
		return error;
	for (i = 0; i < n; i++)
		if ((error = store_end_one(st, &ends[i], now)) != 0)
			goto fail;
	if (sub != NULL && (error = store_submit_rows(st, sub->specs, sub->n,
	    sub->ids, sub->existed, now)) != 0)
		goto fail;
	if (max > 0 && (error = store_claim_locked(st, owner, now, lease_ms,
	    max, out, got)) != 0)
		goto fail;
	if ((error = store_metrics_flush(st)) != 0 ||
	    (error = store_commit(st)) != 0)
		goto fail;
	return 0;
fail:
	store_metrics_drop(st);
	store_rollback(st);
	for (i = 0; i < *got; i++)
		job_clear(&out[i]);
	*got = 0;
	return error;
}

int
store_finish_claim(struct store *st, struct attempt_end *ends, size_t n,
    int64_t now, const char *owner, int64_t lease_ms, size_t max,
    struct job *out, size_t *got)
{
	struct end_choice *was = NULL;
	size_t i;
	int error, try;

	*got = 0;
	st->claim_short = false;
	if (n == 0 && max == 0)
		return 0;
	/*
	 * Claims that run side by side (row_locks) may deadlock on the rows
	 * of a dependent job, say: the server undoes one, which then runs
	 * again, with the daemon's choices as they came in.
	 */
	if (st->ops->row_locks && n > 0) {
		if ((was = calloc(n, sizeof(*was))) == NULL)
			return store_seterr(st, -ENOMEM, "out of memory");
		for (i = 0; i < n; i++) {
			was[i].action = ends[i].action;
			was[i].run_at = ends[i].run_at;
			was[i].reason = ends[i].reason;
		}
	}
	for (try = 1;; try++) {
		error = finish_claim_once(st, ends, n, now, owner, lease_ms,
		    max, out, got, NULL);
		if (error != -EDEADLK || !st->ops->row_locks ||
		    try == CLAIM_TRIES)
			break;
		for (i = 0; i < n; i++) {
			ends[i].action = was[i].action;
			ends[i].run_at = was[i].run_at;
			ends[i].reason = was[i].reason;
		}
	}
	free(was);
	return error;
}

/*
 * jobctl's side of the dead-letter table.
 */

int
store_dead_retry(struct store *st, const int64_t *ids, size_t n, int64_t now,
    size_t *bad, int64_t *moved)
{
	struct stmt *chk, *ins, *del, *qs;
	struct room r = { 0 };
	size_t i;
	int error = 0, rc;

	if (st->remote != NULL)
		return remote_dead_retry(st, ids, n, bad, moved);
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
		while ((rc = db_step(qs)) == DB_ROW && error == 0)
			error = room_add(st, &r,
			    (const char *)db_col_text(qs, 0),
			    db_col_int(qs, 1));
		if (error == 0 && rc != DB_DONE && rc != DB_ROW)
			error = store_err(st, rc);
		db_reset(qs);
		if (error != 0)
			goto fail;
		db_bind_int(ins, 1, 1);
		db_bind_int(ins, 2, now);
		if ((error = store_run(st, ins)) != 0)
			goto fail;
		*moved = db_changes(st);
		if ((error = store_run(st, del)) != 0)
			goto fail;
	}
	for (i = 0; i < n; i++) {
		db_bind_int(chk, 1, ids[i]);
		rc = db_step(chk);
		if (rc == DB_ROW)
			error = room_add(st, &r,
			    (const char *)db_col_text(chk, 0), 1);
		db_reset(chk);
		if (rc == DB_DONE) {
			*bad = i;
			error = store_seterr(st, -ENOENT, "not a dead job");
			goto fail;
		}
		if (rc != DB_ROW) {
			error = store_err(st, rc);
			goto fail;
		}
		if (error != 0)
			goto fail;
		db_bind_int(ins, 1, ids[i]);
		db_bind_int(ins, 2, now);
		db_bind_int(del, 1, ids[i]);
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
	struct stmt *a, *d, *w, *v;
	int error = 0;

	*purged = 0;
	if ((a = store_stmt(st, Q_PURGE_ATTEMPTS, &error)) == NULL ||
	    (d = store_stmt(st, Q_PURGE_DEAD, &error)) == NULL ||
	    (w = store_stmt(st, Q_DEP_PURGE, &error)) == NULL ||
	    (v = store_stmt(st, Q_DEP_PURGE_DEP, &error)) == NULL)
		return error;
	if ((error = store_begin(st)) != 0)
		return error;
	db_bind_int(a, 1, before);
	db_bind_int(d, 1, before);
	db_bind_int(w, 1, before);
	db_bind_int(v, 1, before);
	if ((error = store_run(st, a)) != 0 ||
	    (error = store_run(st, w)) != 0 ||
	    (error = store_run(st, v)) != 0 ||
	    (error = store_run(st, d)) != 0)
		goto fail;
	*purged = db_changes(st);
	if ((error = store_commit(st)) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	*purged = 0;
	return error;
}


bool
store_claim_takes_submits(const struct store *st)
{
	return st->remote == NULL && !st->ops->row_locks;
}

int
store_submit_claim(struct store *st, const struct store_sub *sub,
    struct attempt_end *ends, size_t n, int64_t now, const char *owner,
    int64_t lease_ms, size_t max, struct job *out, size_t *got)
{
	*got = 0;
	st->claim_short = false;
	if (!store_claim_takes_submits(st))
		return store_seterr(st, -EOPNOTSUPP, "a claim on this "
		    "database takes no submissions");
	return finish_claim_once(st, ends, n, now, owner, lease_ms, max, out,
	    got, sub);
}
