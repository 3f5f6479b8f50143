/*
 * store_claim: which pending jobs start next, and why one does not.
 *
 * The claim runs inside the caller's write transaction (store_finish_claim()
 * in store_result.c records the finished attempts in the same one), so every
 * daemon on the database sees the same counts.  A job starts only when
 *
 *   - it waits for no dependency (waiting = 0) and its overlap = queue
 *     predecessor has ended (after_id),
 *   - its run_at has come,
 *   - its queue is not paused, has fewer running jobs than its concurrency
 *     (counted across all daemons) and a token in its rate bucket,
 *   - its run_as user has fewer running jobs than the queue's
 *     max_running_per_user and the daemon's global one.
 *
 * Among the queues with a startable job, the claim takes from the one with
 * the smallest pass (stride scheduling): each job started adds
 * 1 / weight to its queue's vtime, so with work everywhere a queue of
 * weight 3 starts three jobs for every one of a queue of weight 1.  A queue
 * that had nothing to start (idle, paused, full, rate limited) comes back
 * at the current virtual time vnow, the largest vtime - 1 / weight: its
 * pass is max(vtime, vnow), so it cannot start a burst to catch up, and no
 * queue with due work waits for more than one round of the others.  Ties
 * go to the smaller stored vtime, then the name.  Within a queue:
 * priority, run_at, id.  Every queue with pending jobs has a row in
 * queues (a trigger makes it, schema/019_claim_order.sql); without
 * settings it has weight 1 and no limits.
 *
 * The rate bucket holds rate_n tokens (its burst) and refills at rate_n
 * per rate_period_ms; tokens and tokens_at are its level at a time, and
 * the level now is computed from them (no timer writes it).
 *
 * Cost: one seek for vnow (queues_vnow); a walk of queues_claim, which
 * holds the queues with pending jobs that are not paused in claim order,
 * as far as the first queues that start jobs (a full queue before them
 * costs a seek of its running count, a rate-limited one a row); and one
 * seek per priority present (jobs_claim) in each queue looked at: usually
 * one or two queues.  Jobs of paused or full queues and jobs still
 * waiting for dependencies are never walked.
 * The head walk of a queue passes over the jobs whose user is at a limit
 * or whose predecessor still runs.
 *
 * store_claim_next() (the daemon's next wake-up) and store_job_why() use
 * the same functions, so what they say is what the claim does.
 *
 * Several daemons' claims at once (a backend with row_locks: PostgreSQL).
 * Each claim locks the job it takes and passes over those another claim
 * holds (FOR UPDATE SKIP LOCKED), so claims of a queue without limits run
 * side by side.  A queue with limits is counted by one claim at a time:
 * the claim locks it and reads it again before it starts a job there
 * (cq_lock()); the daemon's own max_running_per_user, by one claim at a
 * time of the daemons that set it.  A vtime another claim moved meanwhile
 * gets this claim's advance on top (Q_CLAIM_QSAVE).  The queue rows are
 * written last, in name order, after the rows the commit will lock
 * (Q_CLAIM_QROWS), so that claims wait on each other in a line, never in
 * a circle.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

/* One queue as the claim sees it now. */
struct cq {
	char		*name;
	bool		 row;		/* has a row in queues */
	bool		 paused;
	int64_t		 concurrency;	/* 0: no limit */
	int64_t		 rate_n;	/* 0: no rate limit */
	int64_t		 rate_ms;
	double		 tokens;	/* the bucket's level now */
	int64_t		 weight;
	double		 vtime;		/* virtual time; pass max(vtime, vnow) */
	double		 vtime0;	/* as read */
	int64_t		 user_max;	/* 0: no limit */
	int64_t		 running;	/* across all daemons */
	bool		 out;		/* nothing more to start this turn */
	bool		 dirty;		/* started a job: save vtime, tokens */
	bool		 locked;	/* counted by this claim alone */
};

enum cq_block {
	CQ_OK,
	CQ_PAUSED,
	CQ_FULL,
	CQ_RATE
};

static int64_t
col_int(struct stmt *s, int i, int64_t none)
{
	return db_col_null(s, i) ? none :
	    db_col_int(s, i);
}

/* The global virtual time of fair sharing (0 with no queue rows). */
static int
claim_vnow(struct store *st, double *v)
{
	struct stmt *s;
	int error = 0, rc;

	*v = 0;
	if ((s = store_stmt(st, Q_CLAIM_VNOW, &error)) == NULL)
		return error;
	if ((rc = db_step(s)) == DB_ROW)
		*v = db_col_double(s, 0);
	else
		error = store_norow(st, rc);
	db_reset(s);
	return error;
}

/* A queue's row of Q_CLAIM_QNEXT or Q_CLAIM_QUEUE into *q, at now. */
static int
cq_read(struct store *st, struct stmt *s, int64_t now, struct cq *q)
{
	int64_t at;
	double full;

	memset(q, 0, sizeof(*q));
	q->row = db_col_int(s, 1) != 0;
	q->paused = db_col_int(s, 2) != 0;
	q->concurrency = col_int(s, 3, 0);
	q->rate_n = col_int(s, 4, 0);
	q->rate_ms = col_int(s, 5, 0);
	if (q->rate_ms <= 0)
		q->rate_n = 0;
	full = (double)q->rate_n;
	q->tokens = db_col_null(s, 6) ? full :
	    db_col_double(s, 6);
	at = col_int(s, 7, now);
	if (q->rate_n > 0 && now > at)
		q->tokens += (double)(now - at) * full / (double)q->rate_ms;
	if (q->tokens > full)
		q->tokens = full;
	q->weight = col_int(s, 8, 1);
	if (q->weight < 1)
		q->weight = 1;
	q->vtime = q->vtime0 = db_col_double(s, 9);
	q->user_max = col_int(s, 10, 0);
	q->running = db_col_int(s, 11);
	if ((q->name = strdup((const char *)db_col_text(s, 0))) ==
	    NULL)
		return store_seterr(st, -ENOMEM, "out of memory");
	return 0;
}

/* Read queue name's settings and running count; its bucket's level now. */
static int
cq_load(struct store *st, const char *name, int64_t now, struct cq *q)
{
	struct stmt *s;
	int error = 0, rc;

	memset(q, 0, sizeof(*q));
	if ((s = store_stmt(st, Q_CLAIM_QUEUE, &error)) == NULL)
		return error;
	db_bind_textc(s, 1, name);
	if ((rc = db_step(s)) == DB_ROW)
		error = cq_read(st, s, now, q);
	else
		error = store_norow(st, rc);
	db_reset(s);
	db_clear(s);
	return error;
}

/* What keeps queue q from starting any job now. */
static enum cq_block
cq_block(const struct cq *q)
{
	if (q->paused)
		return CQ_PAUSED;
	if (q->concurrency > 0 && q->running >= q->concurrency)
		return CQ_FULL;
	if (q->rate_n > 0 && q->tokens < 1.0)
		return CQ_RATE;
	return CQ_OK;
}

/* When q's bucket next holds a whole token (now if it does). */
static int64_t
cq_token_at(const struct cq *q, int64_t now)
{
	double ms;
	int64_t t;

	if (q->rate_n <= 0 || q->tokens >= 1.0)
		return now;
	ms = (1.0 - q->tokens) * (double)q->rate_ms / (double)q->rate_n;
	t = (int64_t)ms;
	return now + (ms > (double)t ? t + 1 : t);
}

/*
 * q's first startable job (dependencies met, predecessor ended, user
 * below the limits) in claim order among those due at now, in *id (0:
 * none); *next gets the earliest run_at of the startable jobs of any
 * priority (INT64_MAX: none), for the next wake-up.  lock: for the claim,
 * which takes the job (row_locks: locks it, passing over the jobs that
 * other claims hold).
 */
static int
cq_head(struct store *st, const struct cq *q, int64_t now, bool lock,
    int64_t *id, int64_t *next)
{
	struct stmt *pr, *pk;
	int64_t prio = INT64_MIN, at;
	int error = 0, rc;

	*id = 0;
	*next = INT64_MAX;
	if ((pr = store_stmt(st, Q_CLAIM_PRIO, &error)) == NULL ||
	    (pk = store_stmt(st, lock ? Q_CLAIM_PICK : Q_CLAIM_PEEK,
	    &error)) == NULL)
		return error;
	for (;;) {
		db_bind_text(pr, 1, q->name);
		db_bind_int(pr, 2, prio);
		rc = db_step(pr);
		if (rc == DB_ROW)
			prio = db_col_int(pr, 0);
		db_reset(pr);
		if (rc == DB_DONE)
			break;
		if (rc != DB_ROW)
			return store_err(st, rc);
		db_bind_text(pk, 1, q->name);
		db_bind_int(pk, 2, prio);
		db_bind_int(pk, 3, q->user_max);
		db_bind_int(pk, 4, st->user_max);
		rc = db_step(pk);
		if (rc == DB_ROW) {
			at = db_col_int(pk, 1);
			if (at < *next)
				*next = at;
			if (at <= now) {
				*id = db_col_int(pk, 0);
				db_reset(pk);
				return 0;
			}
		}
		db_reset(pk);
		if (rc != DB_DONE && rc != DB_ROW)
			return store_err(st, rc);
		if (prio == INT64_MAX)
			break;
		prio++;
	}
	return 0;
}

static void
cqs_free(struct cq *qs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(qs[i].name);
	free(qs);
}

/*
 * The queues that may start a job (pending jobs, neither paused nor
 * full) come in claim order, by vtime, then name (queues_claim):
 * cqs_more() appends the next one to *qs (*n of *cap), 1 if it did, 0 at
 * the end; the statement stays open until it is reset.
 */
static int
cqs_more(struct store *st, struct stmt *s, int64_t now, struct cq **qs,
    size_t *n, size_t *cap)
{
	struct cq *t;
	int error, rc;

	if ((rc = db_step(s)) == DB_DONE)
		return 0;
	if (rc != DB_ROW)
		return store_err(st, rc);
	if (*n == *cap) {
		*cap = *cap == 0 ? 16 : 2 * *cap;
		if ((t = realloc(*qs, *cap * sizeof(*t))) == NULL)
			return store_seterr(st, -ENOMEM, "out of memory");
		*qs = t;
	}
	if ((error = cq_read(st, s, now, &(*qs)[*n])) != 0)
		return error;
	(*n)++;
	return 1;
}

/*
 * Whether a queue of vtime av and name an comes before one of bv, bn in
 * the claim: the order of queues_claim.  A queue's turn is its pass,
 * max(vtime, vnow), which grows with its vtime, so the vtime orders the
 * passes and breaks their ties.
 */
static bool
cq_before(double av, const char *an, double bv, const char *bn)
{
	if (av != bv)
		return av < bv;
	return strcmp(an, bn) < 0;
}

/* Start job id for owner: running, leased, an attempts row; into *j. */
static int
claim_one(struct store *st, int64_t id, const char *owner, int64_t now,
    int64_t lease_ms, struct job *j)
{
	struct stmt *c, *g, *a;
	int error = 0, rc;

	if ((c = store_stmt(st, Q_CLAIM, &error)) == NULL ||
	    (g = store_stmt(st, Q_CLAIMED, &error)) == NULL ||
	    (a = store_stmt(st, Q_ATTEMPT_START, &error)) == NULL)
		return error;
	db_bind_int(c, 1, id);
	db_bind_text(c, 2, owner);
	db_bind_int(c, 3, now);
	db_bind_int(c, 4, lease_ms);
	if ((error = store_run(st, c)) != 0)
		return error;
	db_bind_int(g, 1, id);
	if ((rc = db_step(g)) == DB_ROW)
		error = job_read(g, j, true);
	else
		error = store_norow(st, rc);
	db_reset(g);
	if (error != 0)
		return error;
	db_bind_int(a, 1, id);
	db_bind_int(a, 2, j->attempts);
	db_bind_text(a, 3, owner);
	db_bind_int(a, 4, now);
	if ((error = store_run(st, a)) != 0)
		job_clear(j);
	return error;
}

/* Keep q's vtime and bucket level after it started jobs. */
static int
cq_save(struct store *st, const struct cq *q, int64_t now, double vnow)
{
	struct stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_CLAIM_QSAVE, &error)) == NULL)
		return error;
	db_bind_text(s, 1, q->name);
	db_bind_int(s, 2, now);
	db_bind_double(s, 3, q->vtime);
	db_bind_double(s, 6, q->vtime0);
	db_bind_double(s, 7, vnow);
	if (q->rate_n > 0) {
		db_bind_double(s, 4, q->tokens);
		db_bind_int(s, 5, now);
	} else {
		db_bind_null(s, 4);
		db_bind_null(s, 5);
	}
	return store_run(st, s);
}

/* Whether the claim counts something of q's that others' claims move. */
static bool
cq_limited(const struct cq *q)
{
	return q->concurrency > 0 || q->rate_n > 0 || q->user_max > 0;
}

/*
 * Run lock statement qn (of queue name; NULL: none): *got whether the
 * lock is held now (got NULL: a lock that waits).
 */
static int
claim_lock(struct store *st, enum store_stmt qn, const char *name,
    bool *got)
{
	struct stmt *l;
	int error = 0, rc;

	if ((l = store_stmt(st, qn, &error)) == NULL)
		return error;
	if (name != NULL)
		db_bind_text(l, 1, name);
	if ((rc = db_step(l)) == DB_ROW && got != NULL)
		*got = db_col_int(l, 0) != 0;
	else if (rc != DB_ROW)
		error = store_norow(st, rc);
	db_reset(l);
	return error;
}

/*
 * On a backend whose claims run side by side, q's counts (running jobs,
 * tokens, per-user) are only exact while this claim alone may start
 * jobs there: lock the queue for the transaction, then read it again,
 * with what the claims before committed.  The first such lock of a claim
 * waits; a later one is only taken if free -- a claim holding one queue
 * never waits for another, so two never wait on each other -- and a
 * queue held by another claim is left to that one this time (1: locked
 * and read again, q->out as it is now; 0: left).
 */
static int
cq_lock(struct store *st, struct cq *q, int64_t now, bool wait)
{
	struct cq fresh;
	bool got = true;
	int error;

	if ((error = claim_lock(st, wait ? Q_CLAIM_QLOCK : Q_CLAIM_QTRY,
	    q->name, wait ? NULL : &got)) != 0)
		return error;
	if (!got) {
		q->out = true;
		return 0;
	}
	if ((error = cq_load(st, q->name, now, &fresh)) != 0) {
		free(fresh.name);
		return error;
	}
	free(q->name);
	*q = fresh;
	q->locked = true;
	q->out = cq_block(q) != CQ_OK;
	return 1;
}

/* Lock the rows of the queues whose pending count moved (Q_CLAIM_QROWS). */
static int
claim_rows(struct store *st)
{
	struct stmt *l;
	int error = 0, rc;

	if ((l = store_stmt(st, Q_CLAIM_QROWS, &error)) == NULL)
		return error;
	while ((rc = db_step(l)) == DB_ROW)
		;
	if (rc != DB_DONE)
		error = store_err(st, rc);
	db_reset(l);
	return error;
}

static int
cq_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cq *)a)->name,
	    ((const struct cq *)b)->name);
}

int
store_claim_locked(struct store *st, const char *owner, int64_t now,
    int64_t lease_ms, size_t max, struct job *out, size_t *n)
{
	struct stmt *s;
	struct cq *qs = NULL, *q;
	size_t nq = 0, cap = 0, i, nlocked = 0;
	int64_t id, next;
	double vnow, lastv = 0;
	bool more = true;
	int error, rc;

	/*
	 * Queues are read in claim order only as far as needed: the last
	 * one read bounds all the others from below, so once the best
	 * queue read so far comes before it, no other can come first.
	 */
	*n = 0;
	if ((error = claim_vnow(st, &vnow)) != 0 ||
	    (s = store_stmt(st, Q_CLAIM_QNEXT, &error)) == NULL)
		return error;
	if (st->ops->row_locks && st->user_max > 0 &&
	    (error = claim_lock(st, Q_CLAIM_ULOCK, NULL, NULL)) != 0)
		return error;
	while (*n < max) {
		for (q = NULL, i = 0; i < nq; i++)
			if (!qs[i].out && (q == NULL || cq_before(qs[i].vtime,
			    qs[i].name, q->vtime, q->name)))
				q = &qs[i];
		if (more && (q == NULL || cq_before(lastv, qs[nq - 1].name,
		    q->vtime, q->name))) {
			if ((rc = cqs_more(st, s, now, &qs, &nq, &cap)) < 0) {
				error = rc;
				goto out;
			}
			if (rc == 0) {
				more = false;
				continue;
			}
			q = &qs[nq - 1];
			lastv = q->vtime;
			q->out = cq_block(q) != CQ_OK;
			continue;
		}
		if (q == NULL)
			break;
		if (st->ops->row_locks && !q->locked && cq_limited(q)) {
			if ((rc = cq_lock(st, q, now, nlocked == 0)) < 0) {
				error = rc;
				goto out;
			}
			if (rc == 0 || q->out)
				continue;
			nlocked++;
		}
		if ((error = cq_head(st, q, now, true, &id, &next)) != 0)
			goto out;
		if (id == 0) {
			q->out = true;
			continue;
		}
		if ((error = claim_one(st, id, owner, now, lease_ms,
		    &out[*n])) != 0)
			goto out;
		(*n)++;
		q->running++;
		if (q->rate_n > 0)
			q->tokens -= 1.0;
		/* Back from idle at vnow: no burst to catch up. */
		if (q->vtime < vnow)
			q->vtime = vnow;
		q->vtime += 1.0 / (double)q->weight;
		q->dirty = true;
		q->out = cq_block(q) != CQ_OK;
	}
	db_reset(s);
	/*
	 * In name order, after the rows of every queue that the commit
	 * will lock: claims side by side wait on each other in a line.
	 */
	if (st->ops->row_locks && *n > 0 &&
	    (error = claim_rows(st)) != 0)
		goto out;
	if (nq > 1)
		qsort(qs, nq, sizeof(*qs), cq_name_cmp);
	for (i = 0; i < nq; i++)
		if (qs[i].dirty &&
		    (error = cq_save(st, &qs[i], now, vnow)) != 0)
			goto out;
	st->claim_short = st->ops->row_locks && *n < max;
out:
	db_reset(s);
	cqs_free(qs, nq);
	if (error != 0) {
		for (i = 0; i < *n; i++)
			job_clear(&out[i]);
		*n = 0;
	}
	return error;
}

int
store_claim_next(struct store *st, int64_t now, int64_t *due)
{
	struct stmt *s;
	struct cq q;
	int64_t id, next, tok;
	int error = 0, rc = DB_DONE;

	/*
	 * Paused and full queues are not read: a resume or a job's end
	 * wakes the loop.  A job that may start now ends the search.
	 */
	*due = INT64_MAX;
	if ((s = store_stmt(st, Q_CLAIM_QNEXT, &error)) == NULL)
		return error;
	while (*due > now && (rc = db_step(s)) == DB_ROW) {
		if ((error = cq_read(st, s, now, &q)) != 0)
			break;
		error = cq_head(st, &q, now, false, &id, &next);
		free(q.name);
		if (error != 0)
			break;
		if (next == INT64_MAX)
			continue;
		if ((tok = cq_token_at(&q, now)) > next)
			next = tok;
		if (next < *due)
			*due = next;
	}
	if (error == 0 && rc != DB_ROW && rc != DB_DONE)
		error = store_err(st, rc);
	db_reset(s);
	return error;
}

int
store_claim(struct store *st, const char *owner, int64_t now,
    int64_t lease_ms, size_t max, struct job *out, size_t *n)
{
	return store_finish_claim(st, NULL, 0, now, owner, lease_ms, max,
	    out, n);
}

bool
store_claim_short(struct store *st)
{
	return st->claim_short;
}

void
store_set_user_max(struct store *st, int64_t max)
{
	st->user_max = max > 0 ? max : 0;
}

/*
 * Why a job waits: the first rule of the claim it does not meet.
 */

static int
why_ids(struct store *st, enum store_stmt qn, const char *text, int64_t id,
    struct job_why *w)
{
	struct stmt *s;
	int64_t *t;
	size_t cap = 0;
	int error = 0, rc;

	if ((s = store_stmt(st, qn, &error)) == NULL)
		return error;
	if (text != NULL)
		db_bind_text(s, 1, text);
	else
		db_bind_int(s, 1, id);
	while ((rc = db_step(s)) == DB_ROW) {
		if (w->nids == cap) {
			cap = cap == 0 ? 8 : 2 * cap;
			if ((t = realloc(w->ids, cap * sizeof(*t))) == NULL) {
				error = store_seterr(st, -ENOMEM,
				    "out of memory");
				break;
			}
			w->ids = t;
		}
		w->ids[w->nids++] = db_col_int(s, 0);
	}
	if (error == 0 && rc != DB_DONE)
		error = store_err(st, rc);
	db_reset(s);
	db_clear(s);
	return error;
}

/* The running counts of user (NULL: jobd's) in queue and in all. */
static int
why_users(struct store *st, const char *queue, const char *user,
    int64_t *inq, int64_t *all)
{
	struct stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_CLAIM_USERS, &error)) == NULL)
		return error;
	db_bind_text(s, 1, queue);
	if (user != NULL)
		db_bind_text(s, 2, user);
	else
		db_bind_null(s, 2);
	if ((rc = db_step(s)) == DB_ROW) {
		*inq = db_col_int(s, 0);
		*all = db_col_int(s, 1);
	} else
		error = store_norow(st, rc);
	db_reset(s);
	db_clear(s);
	return error;
}

static int
why_locked(struct store *st, int64_t id, int64_t now, struct job_why *w)
{
	struct stmt *s;
	struct cq q;
	char *queue = NULL, *user = NULL;
	int64_t run_at, attempts, waiting, after, inq = 0, all = 0, ndaemons;
	int64_t dmax;
	bool oom = false;
	int error = 0, rc;

	memset(&q, 0, sizeof(q));
	if ((s = store_stmt(st, Q_WHY_JOB, &error)) == NULL)
		return error;
	db_bind_int(s, 1, id);
	if ((rc = db_step(s)) != DB_ROW) {
		db_reset(s);
		if (rc == DB_DONE)
			return 0;		/* not live: WHY_NONE */
		return store_err(st, rc);
	}
	if (strcmp((const char *)db_col_text(s, 0), "pending") != 0) {
		db_reset(s);
		return 0;
	}
	queue = col_strdup(s, 1, &oom);
	user = col_strdup(s, 2, &oom);
	run_at = db_col_int(s, 3);
	attempts = db_col_int(s, 4);
	waiting = db_col_int(s, 5);
	after = col_int(s, 6, 0);
	db_reset(s);
	if (oom || queue == NULL) {
		error = store_seterr(st, -ENOMEM, "out of memory");
		goto out;
	}
	if (waiting > 0) {
		w->reason = WHY_DEPS;
		error = why_ids(st, Q_WHY_DEPS, NULL, id, w);
		goto out;
	}
	if (after != 0) {
		w->reason = WHY_AFTER;
		w->n = after;
		goto out;
	}
	if ((error = cq_load(st, queue, now, &q)) != 0)
		goto out;
	switch (cq_block(&q)) {
	case CQ_PAUSED:
		w->reason = WHY_PAUSED;
		goto out;
	default:
		break;
	}
	if (run_at > now) {
		w->reason = attempts > 0 ? WHY_BACKOFF : WHY_LATER;
		w->until = run_at;
		w->n = attempts;
		goto out;
	}
	switch (cq_block(&q)) {
	case CQ_FULL:
		w->reason = WHY_CONCURRENCY;
		w->n = q.concurrency;
		error = why_ids(st, Q_WHY_RUNNING, queue, 0, w);
		goto out;
	case CQ_RATE:
		w->reason = WHY_RATE;
		w->until = cq_token_at(&q, now);
		w->n = q.rate_n;
		goto out;
	default:
		break;
	}
	if ((error = why_users(st, queue, user, &inq, &all)) != 0)
		goto out;
	if (q.user_max > 0 && inq >= q.user_max) {
		w->reason = WHY_USER_QUEUE;
		w->n = q.user_max;
		goto out;
	}
	if ((s = store_stmt(st, Q_WHY_DAEMONS, &error)) == NULL)
		goto out;
	if ((rc = db_step(s)) == DB_ROW) {
		ndaemons = db_col_int(s, 0);
		dmax = col_int(s, 1, 0);
	} else {
		ndaemons = dmax = 0;
		error = store_norow(st, rc);
	}
	db_reset(s);
	if (error != 0)
		goto out;
	if (dmax > 0 && all >= dmax) {
		w->reason = WHY_USER_GLOBAL;
		w->n = dmax;
	} else if (ndaemons == 0)
		w->reason = WHY_NO_DAEMON;
	else
		w->reason = WHY_NEXT;
out:
	free(q.name);
	free(queue);
	free(user);
	return error;
}

int
store_job_why(struct store *st, int64_t id, int64_t now, struct job_why *w)
{
	int error;
	bool own;

	if (st->remote != NULL)
		return remote_job_why(st, id, now, w);
	memset(w, 0, sizeof(*w));
	/* One snapshot: a read transaction around the reads. */
	own = !st->ops->in_txn(st);
	if (own && (error = store_begin_txn(st, TXN_READ)) != 0)
		return error;
	error = why_locked(st, id, now, w);
	if (own)
		store_rollback(st);	/* read only: nothing to keep */
	if (error != 0)
		job_why_clear(w);
	return error;
}

void
job_why_clear(struct job_why *w)
{
	free(w->ids);
	memset(w, 0, sizeof(*w));
}
