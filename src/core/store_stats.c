/*
 * store_stats: what jobctl stats and jobctl status read, beyond the
 * counts of store.c (Q_COUNT): per queue and per schedule, the attempts
 * that ended in a window (how many, how many failed, their durations'
 * percentiles), the last success and the dead jobs; and the leases no
 * daemon reclaimed.
 *
 * Cost: the window's attempts are read through attempts_finished, twice
 * (counts, then durations in order), each with a primary-key probe of
 * jobs and dead_jobs; the queues are found with one index probe per
 * queue; the last success and the dead count of each row are one index
 * probe each (schema/013_stats.sql).  Nothing scans the whole history.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/stats.h"
#include "store_impl.h"

struct sgroup {
	char		*name;
	int64_t		 id;		/* the schedule's; 0 for a queue */
	int64_t		 runs, failures;
	int64_t		 r50, r95;	/* the percentiles' ranks */
	int64_t		 p50, p95;
	int64_t		 seen;		/* durations read so far */
};

struct sgroups {
	struct sgroup	*g;
	size_t		 n, cap;
};

static int
groups_add(struct sgroups *gs, const char *name, int64_t id)
{
	struct sgroup *g;
	size_t cap;

	if (gs->n == gs->cap) {
		cap = gs->cap ? gs->cap * 2 : 16;
		if ((g = realloc(gs->g, cap * sizeof(*g))) == NULL)
			return -ENOMEM;
		gs->g = g;
		gs->cap = cap;
	}
	g = &gs->g[gs->n];
	memset(g, 0, sizeof(*g));
	g->id = id;
	g->p50 = g->p95 = -1;
	if ((g->name = strdup(name != NULL ? name : "")) == NULL)
		return -ENOMEM;
	gs->n++;
	return 0;
}

static void
groups_free(struct sgroups *gs)
{
	size_t i;

	for (i = 0; i < gs->n; i++)
		free(gs->g[i].name);
	free(gs->g);
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct sgroup *)a)->name,
	    ((const struct sgroup *)b)->name);
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = ((const struct sgroup *)a)->id;
	int64_t y = ((const struct sgroup *)b)->id;

	return x < y ? -1 : x > y;
}

/*
 * The group of column 0 of s's row: by name for queues (gs sorted by
 * name), by id for schedules (gs sorted by id); NULL when none.
 */
static struct sgroup *
groups_find(struct sgroups *gs, enum stats_kind kind, struct stmt *s)
{
	struct sgroup key;

	if (gs->n == 0)
		return NULL;	/* bsearch() may not be given NULL */
	memset(&key, 0, sizeof(key));
	if (kind == STATS_QUEUE) {
		if ((key.name = (char *)(uintptr_t)
		    db_col_text(s, 0)) == NULL)
			return NULL;
		return bsearch(&key, gs->g, gs->n, sizeof(key), cmp_name);
	}
	key.id = db_col_int(s, 0);
	return bsearch(&key, gs->g, gs->n, sizeof(key), cmp_id);
}

/* The rows there will be: queues by name, schedules by id. */
static int
stats_names(struct store *st, enum stats_kind kind,
    const struct stats_filter *f, struct sgroups *gs)
{
	struct stmt *s;
	int error = 0, rc;

	if (kind == STATS_QUEUE && f->queue != NULL)
		return groups_add(gs, f->queue, 0);
	if ((s = store_stmt(st, kind == STATS_QUEUE ? Q_STATS_QUEUES :
	    Q_STATS_SCHEDS, &error)) == NULL)
		return error;
	if (kind == STATS_SCHEDULE) {
		db_bind_text(s, 1, f->schedule);
		db_bind_text(s, 2, f->queue);
	}
	while ((rc = db_step(s)) == DB_ROW) {
		if (kind == STATS_QUEUE)
			error = groups_add(gs,
			    (const char *)db_col_text(s, 0), 0);
		else
			error = groups_add(gs,
			    (const char *)db_col_text(s, 1),
			    db_col_int(s, 0));
		if (error != 0)
			break;
	}
	if (error == 0 && rc != DB_DONE)
		error = store_err(st, rc);
	db_reset(s);
	db_clear(s);
	return error;
}

/* Runs and failures in the window, and so the percentiles' ranks. */
static int
stats_runs(struct store *st, enum stats_kind kind,
    const struct stats_filter *f, struct sgroups *gs)
{
	struct sgroup *g;
	struct stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, kind == STATS_QUEUE ? Q_STATS_RUNS_Q :
	    Q_STATS_RUNS_S, &error)) == NULL)
		return error;
	db_bind_int(s, 1, f->since);
	db_bind_int(s, 2, f->until);
	while ((rc = db_step(s)) == DB_ROW) {
		if ((g = groups_find(gs, kind, s)) == NULL)
			continue;
		g->runs = db_col_int(s, 1);
		g->failures = db_col_int(s, 2);
		g->r50 = stats_rank(g->runs, 50);
		g->r95 = stats_rank(g->runs, 95);
	}
	if (rc != DB_DONE)
		error = store_err(st, rc);
	db_reset(s);
	return error;
}

/* The durations, in order within each group: pick the ranks. */
static int
stats_times(struct store *st, enum stats_kind kind,
    const struct stats_filter *f, struct sgroups *gs)
{
	struct sgroup *g;
	struct stmt *s;
	int64_t d;
	int error = 0, rc;

	if ((s = store_stmt(st, kind == STATS_QUEUE ? Q_STATS_TIMES_Q :
	    Q_STATS_TIMES_S, &error)) == NULL)
		return error;
	db_bind_int(s, 1, f->since);
	db_bind_int(s, 2, f->until);
	while ((rc = db_step(s)) == DB_ROW) {
		if ((g = groups_find(gs, kind, s)) == NULL)
			continue;
		d = db_col_int(s, 1);
		g->seen++;
		if (g->seen == g->r50)
			g->p50 = d;
		if (g->seen == g->r95)
			g->p95 = d;
	}
	if (rc != DB_DONE)
		error = store_err(st, rc);
	db_reset(s);
	return error;
}

/* One number from statement q about group g (its name or its id). */
static int
stats_probe(struct store *st, enum store_stmt q, enum stats_kind kind,
    const struct sgroup *g, int64_t *v)
{
	struct stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, q, &error)) == NULL)
		return error;
	if (kind == STATS_QUEUE)
		db_bind_text(s, 1, g->name);
	else
		db_bind_int(s, 1, g->id);
	*v = 0;
	if ((rc = db_step(s)) == DB_ROW)
		*v = db_col_int(s, 0);	/* NULL: 0 */
	else if (rc != DB_DONE)
		error = store_err(st, rc);
	db_reset(s);
	db_clear(s);
	return error;
}

static int
stats_kind(struct store *st, enum stats_kind kind,
    const struct stats_filter *f, store_stats_fn fn, void *arg)
{
	struct sgroups gs = { NULL, 0, 0 };
	struct stats_row r;
	struct sgroup *g;
	size_t i;
	int error;

	if ((error = stats_names(st, kind, f, &gs)) != 0)
		goto out;
	if (kind == STATS_SCHEDULE && f->schedule != NULL && gs.n == 0) {
		error = store_seterr(st, -ENOENT, "no such schedule");
		goto out;
	}
	/* SQLite's order of text (BINARY) is strcmp()'s. */
	if ((error = stats_runs(st, kind, f, &gs)) != 0 ||
	    (error = stats_times(st, kind, f, &gs)) != 0)
		goto out;
	if (kind == STATS_SCHEDULE && gs.n > 1)
		qsort(gs.g, gs.n, sizeof(*gs.g), cmp_name);
	for (i = 0; i < gs.n; i++) {
		g = &gs.g[i];
		memset(&r, 0, sizeof(r));
		r.kind = kind;
		r.name = g->name;
		r.runs = g->runs;
		r.failures = g->failures;
		r.p50_ms = g->p50;
		r.p95_ms = g->p95;
		if ((error = stats_probe(st, kind == STATS_QUEUE ?
		    Q_STATS_OK_Q : Q_STATS_OK_S, kind, g, &r.last_ok)) != 0 ||
		    (error = stats_probe(st, kind == STATS_QUEUE ?
		    Q_STATS_DEAD_Q : Q_STATS_DEAD_S, kind, g, &r.dead)) != 0)
			goto out;
		if ((error = fn(&r, arg)) != 0)
			goto out;
	}
out:
	groups_free(&gs);
	return error;
}

int
store_stats(struct store *st, const struct stats_filter *f,
    store_stats_fn fn, void *arg)
{
	int error;

	/* One snapshot: the counts and the durations must agree. */
	if ((error = store_begin_txn(st, TXN_READ)) != 0)
		return error;
	error = 0;
	if (f->schedule == NULL)
		error = stats_kind(st, STATS_QUEUE, f, fn, arg);
	if (error == 0)
		error = stats_kind(st, STATS_SCHEDULE, f, fn, arg);
	store_rollback(st);		/* read only: nothing to keep */
	return error;
}

int
store_stuck_leases(struct store *st, int64_t before, int64_t *n,
    int64_t *oldest, int64_t *job)
{
	struct stmt *s;
	int error = 0, rc;

	*n = *oldest = *job = 0;
	if ((s = store_stmt(st, Q_STUCK_LEASES, &error)) == NULL)
		return error;
	db_bind_int(s, 1, before);
	if ((rc = db_step(s)) == DB_ROW) {
		*n = db_col_int(s, 0);
		*oldest = db_col_int(s, 1);
		*job = db_col_int(s, 2);
	} else if (rc != DB_DONE) {
		error = store_err(st, rc);
	}
	db_reset(s);
	return error;
}
