/*
 * store_prune: retention, the store's side.  Finished jobs past their
 * window go with their attempts and idempotency keys; output past its
 * window is cleared from attempts that stay; free pages go back to the
 * file system.  Each step is one short transaction, so a submitter never
 * waits long for the write lock: the caller (jobd's loop, "jobctl prune")
 * calls again while there is more.  What is old enough is decided by
 * retention.c; the SQL (store_sql.c, Q_PRUNE_*) only walks
 * the indexes from the oldest.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_impl.h"

#define PRUNE_BATCH_MAX	4096	/* rows one step looks at, at most */

struct prune_victim {
	int64_t		 id;
	int		 kind;		/* enum ret_kind, a state */
	char		*key;		/* its idempotency key, or NULL */
};

struct prune_run {
	struct store		*st;
	struct prune_counts	*c;
	struct timespec		 start;
	int64_t			 budget_ms;	/* < 0: none */
	int			 left;		/* rows this step may still do */
	int			 did;		/* rows this step did */
	bool			 more;
};

static int64_t
prune_elapsed_ms(const struct prune_run *p)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - p->start.tv_sec) * 1000 +
	    (now.tv_nsec - p->start.tv_nsec) / 1000000;
}

/* May this step do more?  Sets p->more when it stops for its bounds. */
static bool
prune_room(struct prune_run *p)
{
	if (p->left <= 0 || (p->budget_ms >= 0 && p->did > 0 &&
	    prune_elapsed_ms(p) >= p->budget_ms)) {
		p->more = true;
		return false;
	}
	return true;
}

/* Remove job v (of jobs or dead_jobs) with its attempts and its key. */
static int
prune_one(struct prune_run *p, const struct prune_victim *v)
{
	struct store *st = p->st;
	struct stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_PRUNE_SIZE, &error)) == NULL)
		return error;
	db_bind_int(s, 1, v->id);
	if ((rc = db_step(s)) == DB_ROW) {
		p->c->attempts += db_col_int(s, 0);
		p->c->output_bytes += db_col_int(s, 1);
	}
	db_reset(s);
	if (rc != DB_ROW)
		return store_err(st, rc);
	if ((s = store_stmt(st, Q_PRUNE_ATTEMPTS, &error)) == NULL)
		return error;
	db_bind_int(s, 1, v->id);
	if ((error = store_run(st, s)) != 0)
		return error;
	if (v->key != NULL) {
		if ((s = store_stmt(st, Q_PRUNE_KEY, &error)) == NULL)
			return error;
		db_bind_int(s, 1, v->id);
		db_bind_text(s, 2, v->key);
		if ((error = store_run(st, s)) != 0)
			return error;
		p->c->keys += db_changes(st);
	}
	s = store_stmt(st, v->kind == RET_DEAD ? Q_PRUNE_DEAD_JOB :
	    Q_PRUNE_JOB, &error);
	if (s == NULL)
		return error;
	db_bind_int(s, 1, v->id);
	if ((error = store_run(st, s)) != 0)
		return error;
	if (db_changes(st) > 0) {
		p->c->jobs[v->kind]++;
		if ((error = store_deps_forget(st, v->id)) != 0)
			return error;
	}
	p->left--;
	p->did++;
	return 0;
}

/*
 * Read the victims statement s (bound, with its limit) yields, then
 * remove them: the rows are read first, so that the walk never sees its
 * own deletions.  Sets p->more when s gave as many as it was allowed.
 */
static int
prune_victims(struct prune_run *p, struct stmt *s, int limit)
{
	struct prune_victim *v;
	int error = 0, i, n = 0, rc;

	if ((v = calloc((size_t)limit, sizeof(*v))) == NULL) {
		db_reset(s);
		return store_seterr(p->st, -ENOMEM, "out of memory");
	}
	while (n < limit && (rc = db_step(s)) == DB_ROW) {
		v[n].id = db_col_int(s, 0);
		v[n].kind = db_col_int(s, 2);
		if (!db_col_null(s, 1) &&
		    (v[n].key = strdup((const char *)
		    db_col_text(s, 1))) == NULL) {
			error = store_seterr(p->st, -ENOMEM, "out of memory");
			break;
		}
		n++;
	}
	if (error == 0 && n < limit && rc != DB_DONE)
		error = store_err(p->st, rc);
	db_reset(s);
	if (n == limit)
		p->more = true;
	for (i = 0; i < n && error == 0; i++) {
		if (!prune_room(p))
			break;
		if (v[i].kind < 0 || v[i].kind >= RET_NSTATES)
			continue;
		error = prune_one(p, &v[i]);
	}
	for (i = 0; i < n; i++)
		free(v[i].key);
	free(v);
	return error;
}

/* The jobs of one state past cutoff. */
static int
prune_aged(struct prune_run *p, enum store_stmt q, int64_t cutoff)
{
	struct stmt *s;
	int error = 0;

	if (cutoff == RETENTION_NONE || !prune_room(p))
		return 0;
	if ((s = store_stmt(p->st, q, &error)) == NULL)
		return error;
	db_bind_int(s, 1, cutoff);
	db_bind_int(s, 2, p->left);
	return prune_victims(p, s, p->left);
}

/* Each schedule's finished jobs beyond its newest r->schedule_runs. */
static int
prune_capped(struct prune_run *p, const struct prune_rules *r)
{
	struct stmt *sc, *s;
	int64_t *ids = NULL, *grown;
	size_t n = 0, cap = 0, i;
	int error = 0, rc;

	if (r->schedule_runs <= 0 || !prune_room(p))
		return 0;
	if ((sc = store_stmt(p->st, Q_PRUNE_SCHEDS, &error)) == NULL)
		return error;
	db_bind_int(sc, 1, p->c->next_schedule);
	while ((rc = db_step(sc)) == DB_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((grown = realloc(ids, cap * sizeof(*ids))) ==
			    NULL) {
				error = store_seterr(p->st, -ENOMEM,
				    "out of memory");
				break;
			}
			ids = grown;
		}
		ids[n++] = db_col_int(sc, 0);
	}
	if (error == 0 && rc != DB_DONE)
		error = store_err(p->st, rc);
	db_reset(sc);
	/* Go on where the last step stopped, a schedule at a time. */
	p->c->next_schedule = 0;
	for (i = 0; i < n && error == 0; i++) {
		if (!prune_room(p)) {
			p->c->next_schedule = ids[i];
			break;
		}
		if (r->want[RET_DONE] || r->want[RET_CANCELLED]) {
			if ((s = store_stmt(p->st, Q_PRUNE_CAP_LIVE,
			    &error)) == NULL)
				break;
			db_bind_int(s, 1, ids[i]);
			db_bind_int(s, 2, r->schedule_runs);
			db_bind_int(s, 3, p->left);
			db_bind_int(s, 4, r->want[RET_DONE]);
			db_bind_int(s, 5, r->want[RET_CANCELLED]);
			if ((error = prune_victims(p, s, p->left)) != 0)
				break;
		}
		if (r->want[RET_DEAD] && p->left > 0) {
			if ((s = store_stmt(p->st, Q_PRUNE_CAP_DEAD,
			    &error)) == NULL)
				break;
			db_bind_int(s, 1, ids[i]);
			db_bind_int(s, 2, r->schedule_runs);
			db_bind_int(s, 3, p->left);
			error = prune_victims(p, s, p->left);
		}
		if (p->left <= 0) {	/* this one may have more */
			p->c->next_schedule = ids[i];
			p->more = true;
			break;
		}
	}
	free(ids);
	return error;
}

/* Clear the output of attempts that finished before cutoff. */
static int
prune_output(struct prune_run *p, int64_t cutoff)
{
	struct stmt *s, *u;
	int64_t *row;
	int error = 0, i, n = 0, limit, rc;

	if (cutoff == RETENTION_NONE || !prune_room(p))
		return 0;
	if ((s = store_stmt(p->st, Q_PRUNE_OUTPUTS, &error)) == NULL ||
	    (u = store_stmt(p->st, Q_PRUNE_OUTPUT, &error)) == NULL)
		return error;
	limit = p->left;
	if ((row = calloc((size_t)limit * 2, sizeof(*row))) == NULL)
		return store_seterr(p->st, -ENOMEM, "out of memory");
	db_bind_int(s, 1, cutoff);
	db_bind_int(s, 2, limit);
	while (n < limit && (rc = db_step(s)) == DB_ROW) {
		row[2 * n] = db_col_int(s, 0);
		row[2 * n + 1] = db_col_int(s, 1);
		n++;
	}
	if (n < limit && rc != DB_DONE)
		error = store_err(p->st, rc);
	db_reset(s);
	if (n == limit)
		p->more = true;
	for (i = 0; i < n && error == 0 && prune_room(p); i++) {
		db_bind_int(u, 1, row[2 * i]);
		db_bind_int(u, 2, row[2 * i + 1]);
		if ((error = store_run(p->st, u)) != 0)
			break;
		p->c->outputs++;
		p->c->output_bytes += row[2 * i + 1];
		p->left--;
		p->did++;
	}
	free(row);
	return error;
}

/* The work of one prune inside the caller's transaction. */
static int
prune_work(struct prune_run *p, const struct prune_rules *r)
{
	int error;

	if ((r->want[RET_DONE] && (error = prune_aged(p, Q_PRUNE_DONE,
	    r->cutoff[RET_DONE])) != 0) ||
	    (r->want[RET_CANCELLED] && (error = prune_aged(p,
	    Q_PRUNE_CANCELLED, r->cutoff[RET_CANCELLED])) != 0) ||
	    (r->want[RET_DEAD] && (error = prune_aged(p, Q_PRUNE_DEAD,
	    r->cutoff[RET_DEAD])) != 0) ||
	    (error = prune_capped(p, r)) != 0 ||
	    (error = prune_output(p, r->cutoff[RET_OUTPUT])) != 0)
		return error;
	return 0;
}

int
store_prune_step(struct store *st, const struct prune_rules *r,
    int max_rows, int64_t budget_ms, struct prune_counts *c, bool *more)
{
	struct prune_counts add;
	struct prune_run p;
	int error, i;

	*more = false;
	memset(&add, 0, sizeof(add));
	memset(&p, 0, sizeof(p));
	p.st = st;
	p.c = &add;
	add.next_schedule = c->next_schedule;
	p.budget_ms = budget_ms;
	p.left = max_rows < 1 ? 1 : max_rows > PRUNE_BATCH_MAX ?
	    PRUNE_BATCH_MAX : max_rows;
	if ((error = store_begin(st)) != 0)
		return error;
	clock_gettime(CLOCK_MONOTONIC, &p.start);
	if ((error = prune_work(&p, r)) != 0 ||
	    (error = store_commit(st)) != 0) {
		store_rollback(st);
		return error;
	}
	for (i = 0; i < RET_NSTATES; i++)
		c->jobs[i] += add.jobs[i];
	c->attempts += add.attempts;
	c->keys += add.keys;
	c->outputs += add.outputs;
	c->output_bytes += add.output_bytes;
	c->next_schedule = p.more ? add.next_schedule : 0;
	*more = p.more;
	return 0;
}

int
store_prune_dry(struct store *st, const struct prune_rules *r,
    struct prune_counts *c)
{
	struct prune_run p;
	int error;

	memset(c, 0, sizeof(*c));
	memset(&p, 0, sizeof(p));
	p.st = st;
	p.c = c;
	p.budget_ms = -1;
	if ((error = store_begin(st)) != 0)
		return error;
	clock_gettime(CLOCK_MONOTONIC, &p.start);
	do {
		p.more = false;
		p.left = PRUNE_BATCH_MAX;
		p.did = 0;
		if ((error = prune_work(&p, r)) != 0)
			break;
	} while (p.more);
	store_rollback(st);
	if (error != 0)
		memset(c, 0, sizeof(*c));
	return error;
}

int
store_vacuum_step(struct store *st, int pages, int64_t *left)
{
	*left = 0;
	return st->ops->vacuum_step(st, pages < 1 ? 1 : pages, left);
}

int
store_last_job_id(struct store *st, int64_t *id)
{
	int error;

	if ((error = store_first_int(st, Q_LAST_ID, id)) != 0)
		return error;
	if (*id == INT64_MAX)		/* no row: no job ever */
		*id = 0;
	return 0;
}
