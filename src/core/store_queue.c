/*
 * store_queue: queues as objects (store.h): their settings and paused
 * flags in table queues, read with the counts that metric_jobs keeps by
 * trigger (no scan of jobs); jobctl queue's changes; jobd.conf's [queue
 * NAME] sections; and max_pending's backpressure, checked in the
 * transaction that submits.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/clock.h"
#include "jobd/outbox.h"
#include "jobd/queue.h"
#include "store_impl.h"

/* A row of SQL_QUEUE (store_sql.c) into *q; name borrowed from s. */
static void
queue_read(struct stmt *s, struct queue_info *q)
{
	memset(q, 0, sizeof(*q));
	q->name = (const char *)db_col_text(s, 0);
	q->paused = db_col_int(s, 1) != 0;
	q->stored = db_col_int(s, 2) != 0;
	q->config = db_col_int(s, 3) != 0;
	q->set.concurrency = col_opt(s, 4);
	q->set.rate_n = col_opt(s, 5);
	q->set.rate_period_ms = col_opt(s, 6);
	q->set.weight = db_col_int(s, 7);
	q->set.max_pending = col_opt(s, 8);
	q->set.max_running_per_user = col_opt(s, 9);
	q->set.max_attempts = col_opt(s, 10);
	q->set.timeout_ms = col_opt(s, 11);
	q->set.backoff_ms = col_opt(s, 12);
	q->set.backoff_max_ms = col_opt(s, 13);
	q->updated_at = db_col_int(s, 14);
	q->pending = db_col_int(s, 15);
	q->running = db_col_int(s, 16);
}

int
store_queue_list(struct store *st, store_queue_fn fn, void *arg)
{
	struct queue_info q;
	struct stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_QUEUE_LIST, &error)) == NULL)
		return error;
	while ((rc = db_step(s)) == DB_ROW) {
		queue_read(s, &q);
		if ((error = fn(&q, arg)) != 0)
			break;
	}
	if (error == 0 && rc != DB_DONE)
		error = store_err(st, rc);
	db_reset(s);
	return error;
}

int
store_queue_get(struct store *st, const char *name, struct queue_info *q)
{
	struct stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_QUEUE_GET, &error)) == NULL)
		return error;
	db_bind_text(s, 1, name);
	rc = db_step(s);
	if (rc == DB_ROW) {
		queue_read(s, q);
		q->name = name;
	} else if (rc == DB_DONE) {
		snprintf(st->errmsg, sizeof(st->errmsg), "no queue \"%s\" "
		    "(no jobs and no settings)", name);
		error = -ENOENT;
	} else
		error = store_err(st, rc);
	db_reset(s);
	db_clear(s);
	return error;
}

int
store_queue_settings(struct store *st, const char *name,
    struct queue_settings *set)
{
	struct stmt *s;
	int error = 0, rc;

	queue_settings_init(set);
	if ((s = store_stmt(st, Q_QUEUE_SETTINGS, &error)) == NULL)
		return error;
	db_bind_text(s, 1, name != NULL ? name : QUEUE_DEFAULT);
	if ((rc = db_step(s)) == DB_ROW) {
		set->concurrency = col_opt(s, 0);
		set->rate_n = col_opt(s, 1);
		set->rate_period_ms = col_opt(s, 2);
		set->weight = db_col_int(s, 3);
		set->max_pending = col_opt(s, 4);
		set->max_running_per_user = col_opt(s, 5);
		set->max_attempts = col_opt(s, 6);
		set->timeout_ms = col_opt(s, 7);
		set->backoff_ms = col_opt(s, 8);
		set->backoff_max_ms = col_opt(s, 9);
	} else if (rc != DB_DONE)
		error = store_err(st, rc);
	db_reset(s);
	db_clear(s);
	return error;
}

static int
queue_upsert(struct store *st, const char *name,
    const struct queue_settings *set, bool config, int64_t now)
{
	struct stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_QUEUE_UPSERT, &error)) == NULL)
		return error;
	db_bind_text(s, 1, name);
	db_bind_int(s, 2, now);
	bind_opt(s, 3, set->concurrency);
	bind_opt(s, 4, set->rate_n);
	bind_opt(s, 5, set->rate_period_ms);
	db_bind_int(s, 6, set->weight);
	bind_opt(s, 7, set->max_pending);
	bind_opt(s, 8, set->max_running_per_user);
	bind_opt(s, 9, set->max_attempts);
	bind_opt(s, 10, set->timeout_ms);
	bind_opt(s, 11, set->backoff_ms);
	bind_opt(s, 12, set->backoff_max_ms);
	db_bind_text(s, 13, config ? "config" : "cli");
	error = store_run(st, s);
	db_clear(s);
	return error;
}

/* Copy the settings of dst whose bit is in mask from src. */
static void
queue_merge(struct queue_settings *dst, const struct queue_settings *src,
    unsigned mask)
{
	if (mask & (1u << QK_CONCURRENCY))
		dst->concurrency = src->concurrency;
	if (mask & (1u << QK_RATE)) {
		dst->rate_n = src->rate_n;
		dst->rate_period_ms = src->rate_period_ms;
	}
	if (mask & (1u << QK_WEIGHT))
		dst->weight = src->weight;
	if (mask & (1u << QK_MAX_PENDING))
		dst->max_pending = src->max_pending;
	if (mask & (1u << QK_MAX_RUNNING_PER_USER))
		dst->max_running_per_user = src->max_running_per_user;
	if (mask & (1u << QK_MAX_ATTEMPTS))
		dst->max_attempts = src->max_attempts;
	if (mask & (1u << QK_TIMEOUT))
		dst->timeout_ms = src->timeout_ms;
	if (mask & (1u << QK_BACKOFF))
		dst->backoff_ms = src->backoff_ms;
	if (mask & (1u << QK_BACKOFF_MAX))
		dst->backoff_max_ms = src->backoff_max_ms;
}

int
store_queue_set(struct store *st, const char *name,
    const struct queue_settings *set, unsigned mask)
{
	struct queue_settings cur;
	struct queue_info q;
	char why[QUEUE_WHY_MAX];
	int error;

	if ((error = store_begin(st)) != 0)
		return error;
	queue_settings_init(&cur);
	error = store_queue_get(st, name, &q);
	if (error == 0 && q.config) {
		snprintf(st->errmsg, sizeof(st->errmsg), "the settings of "
		    "queue \"%s\" are in jobd.conf ([queue %s]): change them "
		    "there and reload jobd; nothing changed", name, name);
		error = -EPERM;
		goto fail;
	}
	if (error == 0)
		cur = q.set;
	else if (error != -ENOENT)
		goto fail;
	queue_merge(&cur, set, mask);
	if (queue_settings_check(&cur, why, sizeof(why)) != 0) {
		snprintf(st->errmsg, sizeof(st->errmsg), "queue \"%s\": %s; "
		    "nothing changed", name, why);
		error = -EINVAL;
		goto fail;
	}
	if ((error = queue_upsert(st, name, &cur, false,
	    clock_wall_ms(st->clock))) != 0)
		goto fail;
	if ((error = store_commit(st)) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return error;
}

int
store_queue_pause(struct store *st, const char *name, bool paused,
    bool *was)
{
	struct queue_info q;
	struct stmt *s;
	int error = 0;

	if ((error = store_begin(st)) != 0)
		return error;
	error = store_queue_get(st, name, &q);
	if (was != NULL)
		*was = error == 0 && q.paused;
	if (error != 0 && error != -ENOENT)
		goto fail;
	if ((s = store_stmt(st, Q_QUEUE_PAUSE, &error)) == NULL)
		goto fail;
	db_bind_text(s, 1, name);
	db_bind_int(s, 2, paused ? 1 : 0);
	db_bind_int(s, 3, clock_wall_ms(st->clock));
	error = store_run(st, s);
	db_clear(s);
	if (error != 0 || (error = store_commit(st)) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return error;
}

int
store_queue_sync(struct store *st, const char *const *names,
    const struct queue_settings *sets, size_t n)
{
	struct queue_settings none;
	char gone[QUEUE_NAME_MAX + 1];
	int64_t now = clock_wall_ms(st->clock);
	struct stmt *s;
	size_t i;
	int error = 0, rc;
	bool kept;

	if ((error = store_begin(st)) != 0)
		return error;
	queue_settings_init(&none);
	/* The queues the file no longer names lose their settings. */
	for (;;) {
		if ((s = store_stmt(st, Q_QUEUE_UNCONFIG, &error)) == NULL)
			goto fail;
		gone[0] = '\0';
		while ((rc = db_step(s)) == DB_ROW) {
			const char *q = (const char *)db_col_text(s,
			    0);

			for (kept = false, i = 0; i < n && !kept; i++)
				kept = strcmp(names[i], q) == 0;
			if (!kept && strlen(q) <= QUEUE_NAME_MAX) {
				snprintf(gone, sizeof(gone), "%s", q);
				break;
			}
		}
		if (rc != DB_ROW && rc != DB_DONE) {
			error = store_err(st, rc);
			db_reset(s);
			goto fail;
		}
		db_reset(s);
		if (gone[0] == '\0')
			break;
		if ((error = queue_upsert(st, gone, &none, false, now)) != 0)
			goto fail;
	}
	for (i = 0; i < n; i++)
		if ((error = queue_upsert(st, names[i], &sets[i], true,
		    now)) != 0)
			goto fail;
	if ((error = store_commit(st)) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return error;
}

int
store_queue_room(struct store *st, const char *queue, int64_t extra,
    int64_t added)
{
	struct stmt *s;
	int64_t max, pending;
	int error = 0, rc;

	if (queue == NULL)
		queue = QUEUE_DEFAULT;
	if (strncmp(queue, QUEUE_RESERVED, strlen(QUEUE_RESERVED)) == 0)
		return 0;
	if ((s = store_stmt(st, Q_QUEUE_ROOM, &error)) == NULL)
		return error;
	db_bind_text(s, 1, queue);
	rc = db_step(s);
	if (rc == DB_ROW) {
		max = db_col_int(s, 0);
		pending = db_col_int(s, 1);
		if (pending + extra > max) {
			snprintf(st->errmsg, sizeof(st->errmsg), "queue \"%s\" "
			    "is full: %" PRId64 " pending, max_pending %" PRId64,
			    queue, pending - added, max);
			if (added + extra > 1)
				snprintf(st->errmsg + strlen(st->errmsg),
				    sizeof(st->errmsg) - strlen(st->errmsg),
				    " (this submission adds %" PRId64 ")",
				    added + extra);
			error = -EAGAIN;
		}
	} else if (rc != DB_DONE)
		error = store_err(st, rc);
	db_reset(s);
	db_clear(s);
	return error;
}

int
room_add(struct store *st, struct room *r, const char *queue, int64_t added)
{
	struct room_q *t;
	size_t i;

	if (queue == NULL)
		queue = QUEUE_DEFAULT;
	for (i = 0; i < r->n; i++)
		if (strcmp(r->q[i].queue, queue) == 0) {
			r->q[i].added += added;
			return 0;
		}
	if (r->n == r->cap) {
		r->cap = r->cap == 0 ? 4 : 2 * r->cap;
		if ((t = realloc(r->q, r->cap * sizeof(*t))) == NULL)
			return store_seterr(st, -ENOMEM, "out of memory");
		r->q = t;
	}
	if ((r->q[r->n].queue = strdup(queue)) == NULL)
		return store_seterr(st, -ENOMEM, "out of memory");
	r->q[r->n++].added = added;
	return 0;
}

int
room_check(struct store *st, const struct room *r)
{
	size_t i;
	int error = 0;

	for (i = 0; i < r->n && error == 0; i++)
		error = store_queue_room(st, r->q[i].queue, 0, r->q[i].added);
	return error;
}

void
room_free(struct room *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->q[i].queue);
	free(r->q);
	memset(r, 0, sizeof(*r));
}
