/*
 * store_metrics: the store's side of the metrics (metrics.h): the counters
 * that the transactions recording an outcome increment, and the snapshot
 * that "jobctl metrics" and jobd's metrics_file print.
 *
 * Counters live in metric_attempts and metric_counters (schema
 * 012_metrics.sql), one UPSERT per thing counted, in the caller's write
 * transaction: they commit with what they count or not at all, and
 * deleting old jobs, attempts or ledger rows never lowers them.  The
 * counts of ended attempts are tallied first and written together just
 * before the commit, in key order (store_metrics_flush()): on a backend
 * whose claims run side by side, a counter row is then locked for as
 * long as the commit takes, and two claims never wait on each other's
 * counters in a circle.  Jobs by
 * queue and state are kept in metric_jobs by triggers.  Reading them all
 * walks those small tables, the due pending jobs and the schedules.
 *
 * Called by the thread that uses the store, like the rest of it.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/metrics.h"
#include "store_impl.h"

/* Bucket b of a run of d ms: the first bound d does not pass. */
static int
bucket_of(int64_t d)
{
	int b;

	for (b = 0; b < METRICS_NBUCKETS; b++)
		if (d <= metrics_bucket_ms[b])
			break;
	return b;		/* METRICS_NBUCKETS: +Inf alone */
}

/* Outcomes whose duration is a run's (they ran until their end). */
static bool
outcome_ran(const char *outcome)
{
	return strcmp(outcome, "ok") == 0 || strcmp(outcome, "failed") == 0 ||
	    strcmp(outcome, "timeout") == 0;
}

/* The tally entry of kind, key, sub; a new one at zero; NULL: ENOMEM. */
static struct tally *
tally_get(struct store *st, enum tally_kind kind, const char *key,
    const char *sub)
{
	struct tally *t;
	size_t i, cap;

	for (i = 0; i < st->ntally; i++) {
		t = &st->tally[i];
		if (t->kind == kind && strcmp(t->key, key) == 0 &&
		    strcmp(t->sub, sub) == 0)
			return t;
	}
	if (st->ntally == st->tallycap) {
		cap = st->tallycap == 0 ? 8 : 2 * st->tallycap;
		if ((t = realloc(st->tally, cap * sizeof(*t))) == NULL)
			return NULL;
		st->tally = t;
		st->tallycap = cap;
	}
	t = &st->tally[st->ntally];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->key = strdup(key);
	t->sub = strdup(sub);
	if (t->key == NULL || t->sub == NULL) {
		free(t->key);
		free(t->sub);
		return NULL;
	}
	st->ntally++;
	return t;
}

int
store_metrics_end(struct store *st, const struct attempt_end *e,
    const char *queue, const char *sched)
{
	struct tally *t;
	int64_t d = 0;
	bool ran;
	int b;

	ran = outcome_ran(e->outcome) && e->started_at != 0;
	if (ran)
		d = e->finished_at > e->started_at ?
		    e->finished_at - e->started_at : 0;
	if ((t = tally_get(st, TALLY_ATTEMPT, queue, e->outcome)) == NULL)
		goto oom;
	t->n++;
	if (ran) {
		t->runs++;
		t->run_ms += d;
		if ((b = bucket_of(d)) < METRICS_NBUCKETS)
			t->b[b]++;
	}
	if (e->action == END_DONE && sched != NULL) {
		if ((t = tally_get(st, TALLY_LATEST, "last_success",
		    sched)) == NULL)
			goto oom;
		if (e->finished_at > t->n)
			t->n = e->finished_at;
	}
	if (e->action == END_DEAD) {
		if ((t = tally_get(st, TALLY_COUNTER, "dead", queue)) == NULL)
			goto oom;
		t->n++;
	}
	return 0;
oom:
	return store_seterr(st, -ENOMEM, "out of memory");
}

static int
tally_cmp(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;
	int c;

	/* metric_attempts before metric_counters, each by its key. */
	if ((x->kind == TALLY_ATTEMPT) != (y->kind == TALLY_ATTEMPT))
		return x->kind == TALLY_ATTEMPT ? -1 : 1;
	if ((c = strcmp(x->key, y->key)) != 0)
		return c;
	return strcmp(x->sub, y->sub);
}

void
store_metrics_drop(struct store *st)
{
	size_t i;

	for (i = 0; i < st->ntally; i++) {
		free(st->tally[i].key);
		free(st->tally[i].sub);
	}
	st->ntally = 0;
}

int
store_metrics_flush(struct store *st)
{
	struct tally *t;
	struct stmt *s;
	size_t i;
	int error = 0, k;

	if (st->ntally > 1)
		qsort(st->tally, st->ntally, sizeof(*st->tally), tally_cmp);
	for (i = 0; i < st->ntally && error == 0; i++) {
		t = &st->tally[i];
		switch (t->kind) {
		case TALLY_ATTEMPT:
			if ((s = store_stmt(st, Q_METRIC_ATTEMPT,
			    &error)) == NULL)
				break;
			db_bind_text(s, 1, t->key);
			db_bind_text(s, 2, t->sub);
			db_bind_int(s, 3, t->n);
			db_bind_int(s, 4, t->runs);
			db_bind_int(s, 5, t->run_ms);
			for (k = 0; k < METRICS_NBUCKETS; k++)
				db_bind_int(s, 6 + k, t->b[k]);
			error = store_run(st, s);
			break;
		case TALLY_LATEST:
			if ((s = store_stmt(st, Q_METRIC_LAST_OK,
			    &error)) == NULL)
				break;
			db_bind_text(s, 1, t->key);
			db_bind_text(s, 2, t->sub);
			db_bind_int(s, 3, t->n);
			error = store_run(st, s);
			break;
		case TALLY_COUNTER:
			error = store_metrics_add(st, t->key, t->sub, t->n);
			break;
		}
	}
	store_metrics_drop(st);
	return error;
}

int
store_metrics_add(struct store *st, const char *name, const char *label,
    int64_t n)
{
	struct stmt *s;
	int error = 0;

	if (n == 0)
		return 0;
	if ((s = store_stmt(st, Q_METRIC_ADD, &error)) == NULL)
		return error;
	db_bind_text(s, 1, name);
	db_bind_text(s, 2, label);
	db_bind_int(s, 3, n);
	return store_run(st, s);
}

/* The queue called name in snap, added in name order if new; NULL: ENOMEM. */
static struct metrics_queue *
queue_get(struct metrics_snapshot *snap, const char *name)
{
	struct metrics_queue *q;
	size_t lo = 0, hi = snap->nqueues, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(snap->queues[mid].name, name)) == 0)
			return &snap->queues[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	q = realloc(snap->queues, (snap->nqueues + 1) * sizeof(*q));
	if (q == NULL)
		return NULL;
	snap->queues = q;
	memmove(&q[lo + 1], &q[lo], (snap->nqueues - lo) * sizeof(*q));
	memset(&q[lo], 0, sizeof(*q));
	if ((q[lo].name = strdup(name)) == NULL) {
		memmove(&q[lo], &q[lo + 1], (snap->nqueues - lo) * sizeof(*q));
		return NULL;
	}
	snap->nqueues++;
	return &q[lo];
}

static const char *
col_text(struct stmt *s, int i)
{
	const char *t = db_col_text(s, i);

	return t != NULL ? t : "";
}

/* Each row of statement q (bound as it is) through fn; reset after. */
static int
each_row(struct store *st, enum store_stmt q, int64_t now,
    int (*fn)(struct stmt *, struct metrics_snapshot *),
    struct metrics_snapshot *snap)
{
	struct stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, q, &error)) == NULL)
		return error;
	if (q == Q_METRIC_LAG)		/* the only one with a ?1 */
		db_bind_int(s, 1, now);
	while ((rc = db_step(s)) == DB_ROW)
		if ((error = fn(s, snap)) != 0)
			break;
	db_reset(s);
	if (error != 0)
		return error;
	return store_err(st, rc);
}

static int
row_jobs(struct stmt *s, struct metrics_snapshot *snap)
{
	struct metrics_queue *q;
	enum job_state state;

	if ((q = queue_get(snap, col_text(s, 0))) == NULL)
		return -ENOMEM;
	if (job_state_parse(col_text(s, 1), &state) == 0)
		q->jobs[state] += db_col_int(s, 2);
	return 0;
}

static int
row_attempts(struct stmt *s, struct metrics_snapshot *snap)
{
	struct metrics_queue *q;
	const char *outcome = col_text(s, 1);
	int i;

	if ((q = queue_get(snap, col_text(s, 0))) == NULL)
		return -ENOMEM;
	for (i = 0; i < METRICS_NOUTCOMES; i++)
		if (strcmp(outcome, metrics_outcomes[i]) == 0)
			q->attempts[i] += db_col_int(s, 2);
	q->runs += db_col_int(s, 3);
	q->run_ms += db_col_int(s, 4);
	for (i = 0; i < METRICS_NBUCKETS; i++)
		q->buckets[i] += db_col_int(s, 5 + i);
	return 0;
}

static int
row_dead(struct stmt *s, struct metrics_snapshot *snap)
{
	struct metrics_queue *q;

	if ((q = queue_get(snap, col_text(s, 0))) == NULL)
		return -ENOMEM;
	q->dead_total += db_col_int(s, 1);
	return 0;
}

static int
row_lag(struct stmt *s, struct metrics_snapshot *snap)
{
	struct metrics_queue *q;

	if ((q = queue_get(snap, col_text(s, 0))) == NULL)
		return -ENOMEM;
	q->oldest_due = db_col_int(s, 1);
	return 0;
}

static int
row_sched(struct stmt *s, struct metrics_snapshot *snap)
{
	struct metrics_schedule *sc;

	sc = realloc(snap->scheds, (snap->nscheds + 1) * sizeof(*sc));
	if (sc == NULL)
		return -ENOMEM;
	snap->scheds = sc;
	sc = &sc[snap->nscheds];
	memset(sc, 0, sizeof(*sc));
	if ((sc->name = strdup(col_text(s, 0))) == NULL)
		return -ENOMEM;
	snap->nscheds++;
	sc->fired = db_col_int(s, 1);
	sc->skipped = db_col_int(s, 2);
	sc->missed = db_col_int(s, 3);
	sc->last_success = db_col_int(s, 4);
	return 0;
}

static int
row_daemon(struct stmt *s, struct metrics_snapshot *snap)
{
	struct metrics_daemon *d;

	d = realloc(snap->daemons, (snap->ndaemons + 1) * sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	snap->daemons = d;
	d = &d[snap->ndaemons];
	memset(d, 0, sizeof(*d));
	snap->ndaemons++;
	d->instance = strdup(col_text(s, 0));
	d->host = strdup(col_text(s, 1));
	d->pid = db_col_int(s, 2);
	d->boot_id = strdup(col_text(s, 3));
	d->started_at = db_col_int(s, 5);
	d->heartbeat_at = db_col_int(s, 6);
	if (d->instance == NULL || d->host == NULL || d->boot_id == NULL)
		return -ENOMEM;
	return 0;
}

int
store_metrics_read(struct store *st, int64_t now,
    struct metrics_snapshot *snap)
{
	int error;

	memset(snap, 0, sizeof(*snap));
	snap->now = now;
	/* One read transaction: every figure from the same commit. */
	if ((error = store_begin_txn(st, TXN_READ)) != 0)
		return error;
	if ((error = each_row(st, Q_METRIC_JOBS, now, row_jobs, snap)) != 0 ||
	    (error = each_row(st, Q_METRIC_ATTEMPTS, now, row_attempts,
	    snap)) != 0 ||
	    (error = each_row(st, Q_METRIC_DEADS, now, row_dead, snap)) != 0 ||
	    (error = each_row(st, Q_METRIC_LAG, now, row_lag, snap)) != 0 ||
	    (error = each_row(st, Q_METRIC_SCHEDS, now, row_sched,
	    snap)) != 0 ||
	    (error = each_row(st, Q_DAEMONS, now, row_daemon, snap)) != 0) {
		if (error == -ENOMEM)
			store_seterr(st, error, "out of memory");
		store_rollback(st);
		metrics_free(snap);
		return error;
	}
	store_rollback(st);		/* read only: nothing to keep */
	st->ops->sizes(st, &snap->db_bytes, &snap->wal_bytes);
	return 0;
}
