/*
 * store_schedule: schedules -- their definitions, schedules.d sync, the
 * slots that fire (store_fire), and their history.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "jobd/clock.h"
#include "jobd/schedule.h"
#include "store_impl.h"

/* Bind the definition of sc as ?1..?16 (SCHED_DEF_COLS) and ?20..?25. */
static void
sched_bind_def(struct stmt *s, const struct schedule *sc)
{
	db_bind_text(s, 1, sc->name);
	db_bind_text(s, 2, sc->cron);
	db_bind_text(s, 3, sc->tz);
	db_bind_text(s, 4, sc->command);
	db_bind_text(s, 5, sc->queue != NULL ? sc->queue : "default");
	db_bind_int(s, 6, sc->priority);
	bind_opt(s, 7, sc->max_attempts);
	bind_opt(s, 8, sc->timeout_ms);
	bind_opt(s, 9, sc->backoff_ms);
	bind_opt(s, 10, sc->backoff_max_ms);
	if (sc->env_len > 0)
		db_bind_blob(s, 11, sc->env, sc->env_len);
	else
		db_bind_null(s, 11);
	db_bind_text(s, 12, sc->cwd);
	db_bind_text(s, 13, sc->run_as);
	db_bind_text(s, 14, sched_overlap_name(sc->overlap));
	db_bind_text(s, 15, sched_catchup_name(sc->catchup));
	db_bind_int(s, 16, sc->enabled ? 1 : 0);
	bind_proc(s, 20, &sc->proc);
	bind_mail(s, 26, sc->mail_to, sc->mail_on);
	db_bind_text(s, 28, sc->hook[JOB_HOOK_DEAD]);
	db_bind_text(s, 29, sc->hook[JOB_HOOK_FAILURE]);
	db_bind_text(s, 30, sc->hook[JOB_HOOK_SUCCESS]);
}

/* Read the schedule of the current row (SCHED_COLS); see job_read(). */
static int
sched_read(struct stmt *s, struct schedule *sc, bool copy)
{
	bool oom = false;
	const char *t;

	memset(sc, 0, sizeof(*sc));
#define TEXT(i) (copy ? col_strdup(s, (i), &oom) :			\
	    (char *)(uintptr_t)db_col_text(s, (i)))
	sc->id = db_col_int(s, 0);
	sc->name = TEXT(1);
	sc->cron = TEXT(2);
	sc->tz = TEXT(3);
	sc->command = TEXT(4);
	sc->queue = TEXT(5);
	sc->priority = db_col_int(s, 6);
	sc->max_attempts = col_opt(s, 7);
	sc->timeout_ms = col_opt(s, 8);
	sc->backoff_ms = col_opt(s, 9);
	sc->backoff_max_ms = col_opt(s, 10);
	col_env(s, 11, copy, &sc->env, &sc->env_len, &oom);
	sc->cwd = TEXT(12);
	sc->run_as = TEXT(13);
	if ((t = (const char *)db_col_text(s, 14)) == NULL ||
	    sched_overlap_parse(t, &sc->overlap) != 0)
		sc->overlap = OVERLAP_SKIP;
	if ((t = (const char *)db_col_text(s, 15)) == NULL ||
	    sched_catchup_parse(t, &sc->catchup) != 0)
		sc->catchup = CATCHUP_SKIP;
	sc->enabled = db_col_int(s, 16) != 0;
	sc->next_run_at = db_col_int(s, 17);
	sc->last_run_at = db_col_int(s, 18);
	sc->source = TEXT(19);
	sc->created_at = db_col_int(s, 20);
	sc->updated_at = db_col_int(s, 21);
	col_proc(s, 22, &sc->proc);
	sc->mail_to = TEXT(22 + PROC_NCOLS);
	sc->mail_on = col_mail_on(s, 23 + PROC_NCOLS);
	sc->hook[JOB_HOOK_DEAD] = TEXT(24 + PROC_NCOLS);
	sc->hook[JOB_HOOK_FAILURE] = TEXT(25 + PROC_NCOLS);
	sc->hook[JOB_HOOK_SUCCESS] = TEXT(26 + PROC_NCOLS);
#undef TEXT
	if (oom) {
		schedule_clear(sc);
		return -ENOMEM;
	}
	return 0;
}

/* The source of schedule "name" into buf, or -ENOENT. */
static int
sched_source(struct store *st, const char *name, char *buf, size_t len)
{
	struct stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_SCHED_SOURCE, &error)) == NULL)
		return error;
	db_bind_text(s, 1, name);
	rc = db_step(s);
	if (rc == DB_ROW)
		snprintf(buf, len, "%s", db_col_text(s, 0));
	else
		error = rc == DB_DONE ? -ENOENT : store_err(st, rc);
	db_reset(s);
	return error;
}

/* Insert or update one schedule; the caller holds the transaction. */
static int
sched_write(struct store *st, const struct schedule *sc, bool replace,
    int64_t now, int64_t *id)
{
	char src[PATH_MAX + 16];
	struct stmt *s;
	int error = 0;

	error = sched_source(st, sc->name, src, sizeof(src));
	if (error == 0 && (!replace || strcmp(src, sc->source) != 0)) {
		snprintf(st->errmsg, sizeof(st->errmsg), "a schedule named "
		    "\"%.100s\" already exists (from %.200s)", sc->name, src);
		return -EEXIST;
	}
	if (error != 0 && error != -ENOENT)
		return error;
	if ((s = store_stmt(st, error == 0 ? Q_SCHED_UPDATE : Q_SCHED_INSERT,
	    &error)) == NULL)
		return error;
	sched_bind_def(s, sc);
	db_bind_int(s, 17, sc->next_run_at);
	db_bind_text(s, 18, sc->source);
	db_bind_int(s, 19, now);
	error = store_run(st, s);
	db_clear(s);
	if (error == 0 && id != NULL) {
		struct schedule got;

		if ((error = store_schedule_get(st, sc->name, &got)) == 0) {
			*id = got.id;
			schedule_clear(&got);
		}
	}
	return error;
}

int
store_schedule_put(struct store *st, const struct schedule *sc, bool replace,
    int64_t *id)
{
	int error;

	if (st->remote != NULL)
		return remote_schedule_put(st, sc, replace, id);
	if ((error = store_begin(st)) != 0)
		return error;
	if ((error = sched_write(st, sc, replace, clock_wall_ms(st->clock),
	    id)) != 0 || (error = store_commit(st)) != 0)
		store_rollback(st);
	return error;
}

int
store_schedule_get(struct store *st, const char *name, struct schedule *out)
{
	struct stmt *s;
	int error = 0, rc;

	if (st->remote != NULL)
		return remote_schedule_get(st, name, out);
	if ((s = store_stmt(st, Q_SCHED_GET, &error)) == NULL)
		return error;
	db_bind_text(s, 1, name);
	rc = db_step(s);
	if (rc == DB_ROW)
		error = sched_read(s, out, true);
	else if (rc == DB_DONE)
		error = store_seterr(st, -ENOENT, "no such schedule");
	else
		error = store_err(st, rc);
	db_reset(s);
	return error;
}

/* Call fn for every row of the schedule query s (bound by the caller). */
static int
store_each_schedule(struct store *st, struct stmt *s, store_schedule_fn fn,
    void *arg)
{
	struct schedule sc;
	int error = 0, rc;

	while ((rc = db_step(s)) == DB_ROW) {
		(void)sched_read(s, &sc, false);
		if ((error = fn(&sc, arg)) != 0)
			break;
	}
	if (error == 0 && rc != DB_DONE)
		error = store_err(st, rc);
	db_reset(s);
	return error;
}

int
store_schedule_list(struct store *st, store_schedule_fn fn, void *arg)
{
	struct stmt *s;
	int error = 0;

	if (st->remote != NULL)
		return remote_schedule_list(st, fn, arg);
	if ((s = store_stmt(st, Q_SCHED_LIST, &error)) == NULL)
		return error;
	return store_each_schedule(st, s, fn, arg);
}

/* Run a one-statement write on a name: 0, -ENOENT, or an error. */
static int
sched_named_write(struct store *st, struct stmt *s)
{
	int error;

	if ((error = store_begin(st)) != 0) {
		db_reset(s);
		return error;
	}
	if ((error = store_run(st, s)) != 0)
		goto fail;
	if (db_changes(st) == 0) {
		error = store_seterr(st, -ENOENT, "no such schedule");
		goto fail;
	}
	if ((error = store_commit(st)) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return error;
}

int
store_schedule_delete(struct store *st, const char *name)
{
	struct stmt *s;
	int error = 0;

	if (st->remote != NULL)
		return remote_schedule_delete(st, name);
	if ((s = store_stmt(st, Q_SCHED_DELETE, &error)) == NULL)
		return error;
	db_bind_text(s, 1, name);
	return sched_named_write(st, s);
}

int
store_schedule_enable(struct store *st, const char *name, bool enabled,
    int64_t next_run_at)
{
	struct stmt *s;
	int error = 0;

	if (st->remote != NULL)
		return remote_schedule_enable(st, name, enabled,
		    next_run_at);
	if ((s = store_stmt(st, Q_SCHED_ENABLE, &error)) == NULL)
		return error;
	db_bind_text(s, 1, name);
	db_bind_int(s, 2, enabled ? 1 : 0);
	db_bind_int(s, 3, next_run_at);
	db_bind_int(s, 4, clock_wall_ms(st->clock));
	return sched_named_write(st, s);
}

/* Is the stored definition of sc->name the same as sc's? */
static int
sched_same(struct store *st, const struct schedule *sc, bool *same)
{
	struct stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_SCHED_SAME, &error)) == NULL)
		return error;
	sched_bind_def(s, sc);
	rc = db_step(s);
	*same = rc == DB_ROW;
	db_reset(s);
	db_clear(s);
	return rc == DB_ROW || rc == DB_DONE ? 0 : store_err(st, rc);
}

/*
 * One schedule of a synced source, in the caller's transaction: "found" is
 * what sched_source() said of its name (0: it exists, -ENOENT: new).  A new
 * one is counted in *created, a changed one in *updated and written; one
 * whose definition is unchanged is left alone and keeps its next_run_at.
 */
static int
sched_upsert(struct store *st, const struct schedule *sc, int found,
    int64_t now, int64_t *created, int64_t *updated)
{
	bool same = false;
	int error;

	if (found == 0 && (error = sched_same(st, sc, &same)) != 0)
		return error;
	if (found == -ENOENT)
		(*created)++;
	else if (same)
		return 0;
	else
		(*updated)++;
	return sched_write(st, sc, true, now, NULL);
}

int
store_schedule_sync_in(struct store *st, const char *source,
    const struct schedule *items, size_t n, size_t *bad, int64_t *created,
    int64_t *updated, int64_t *deleted)
{
	int64_t now = clock_wall_ms(st->clock), nc = 0, nu = 0, nd = 0;
	char src[PATH_MAX + 16];
	struct stmt *s, *del;
	size_t i;
	int error, rc;

	for (i = 0; i < n; i++) {
		error = sched_source(st, items[i].name, src, sizeof(src));
		if (error == 0 && strcmp(src, source) != 0) {
			*bad = i;
			snprintf(st->errmsg, sizeof(st->errmsg), "a schedule "
			    "named \"%.100s\" already exists (from %.200s)",
			    items[i].name, src);
			return -EEXIST;
		}
		if ((error = sched_upsert(st, &items[i], error, now, &nc,
		    &nu)) != 0) {
			*bad = i;
			return error;
		}
	}
	/* Delete what the source no longer has. */
	error = 0;
	if ((s = store_stmt(st, Q_SCHED_OF_SOURCE, &error)) == NULL ||
	    (del = store_stmt(st, Q_SCHED_DELETE, &error)) == NULL)
		return error;
	db_bind_text(s, 1, source);
	while ((rc = db_step(s)) == DB_ROW) {
		const char *name = (const char *)db_col_text(s, 0);

		for (i = 0; i < n; i++)
			if (strcmp(items[i].name, name) == 0)
				break;
		if (i < n)
			continue;
		db_bind_textc(del, 1, name);
		if ((error = store_run(st, del)) != 0)
			break;
		nd++;
	}
	if (error == 0 && rc != DB_DONE && rc != DB_ROW)
		error = store_err(st, rc);
	db_reset(s);
	if (error != 0)
		return error;
	if (created != NULL)
		*created = nc;
	if (updated != NULL)
		*updated = nu;
	if (deleted != NULL)
		*deleted = nd;
	return 0;
}

int
store_schedule_sync(struct store *st, const char *source,
    const struct schedule *items, size_t n, size_t *bad, int64_t *created,
    int64_t *updated, int64_t *deleted)
{
	int error;

	if ((error = store_begin(st)) != 0)
		return error;
	if ((error = store_schedule_sync_in(st, source, items, n, bad,
	    created, updated, deleted)) != 0 ||
	    (error = store_commit(st)) != 0)
		store_rollback(st);
	return error;
}

/* Source src is one below prefix (no '/' after it): a file of the dir. */
static bool
sched_under(const char *src, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(src, prefix, n) == 0 && strchr(src + n, '/') == NULL;
}

/* The index of source src in srcs[], or nsrc. */
static size_t
sched_src_find(const struct sched_src *srcs, size_t nsrc, const char *src)
{
	size_t k;

	for (k = 0; k < nsrc; k++)
		if (strcmp(srcs[k].source, src) == 0)
			break;
	return k;
}

/* Does srcs[k] hold a schedule named name? */
static bool
sched_src_has(const struct sched_src *sr, const char *name)
{
	size_t i;

	for (i = 0; i < sr->n; i++)
		if (strcmp(sr->items[i].name, name) == 0)
			return true;
	return false;
}

int
store_schedule_sync_dir(struct store *st, const char *prefix,
    struct sched_src *srcs, size_t nsrc, size_t *bad_src, size_t *bad,
    int64_t *gone)
{
	int64_t now = clock_wall_ms(st->clock), ngone = 0;
	char src[PATH_MAX + 16];
	struct stmt *s, *del, *mv;
	size_t i, k, o;
	int error, rc;

	for (k = 0; k < nsrc; k++)
		srcs[k].created = srcs[k].updated = srcs[k].moved =
		    srcs[k].deleted = 0;
	if ((error = store_begin(st)) != 0)
		return error;
	for (k = 0; k < nsrc; k++) {
		const struct sched_src *sr = &srcs[k];

		for (i = 0; !sr->keep && i < sr->n; i++) {
			error = sched_source(st, sr->items[i].name, src,
			    sizeof(src));
			if (error == 0 && strcmp(src, sr->source) != 0) {
				o = sched_src_find(srcs, nsrc, src);
				if (!sched_under(src, prefix) ||
				    (o < nsrc && srcs[o].keep)) {
					*bad_src = k;
					*bad = i;
					snprintf(st->errmsg,
					    sizeof(st->errmsg), "a schedule "
					    "named \"%.100s\" already exists "
					    "(from %.200s)", sr->items[i].name,
					    src);
					error = -EEXIST;
					goto fail;
				}
				/* Moved here from another file: keep it. */
				if ((mv = store_stmt(st, Q_SCHED_MOVE,
				    &error)) == NULL)
					goto fail;
				db_bind_text(mv, 1, sr->items[i].name);
				db_bind_text(mv, 2, sr->source);
				db_bind_int(mv, 3, now);
				if ((error = store_run(st, mv)) != 0)
					goto fail;
				srcs[k].moved++;
			}
			if ((error = sched_upsert(st, &sr->items[i], error,
			    now, &srcs[k].created, &srcs[k].updated)) != 0) {
				*bad_src = k;
				*bad = i;
				goto fail;
			}
		}
	}
	/* Delete what no source under prefix has, but a kept one's. */
	error = 0;
	if ((s = store_stmt(st, Q_SCHED_UNDER, &error)) == NULL ||
	    (del = store_stmt(st, Q_SCHED_DELETE, &error)) == NULL)
		goto fail;
	db_bind_text(s, 1, prefix);
	while ((rc = db_step(s)) == DB_ROW) {
		const char *name = (const char *)db_col_text(s, 0);
		const char *from = (const char *)db_col_text(s, 1);

		if (name == NULL || from == NULL || !sched_under(from, prefix))
			continue;
		k = sched_src_find(srcs, nsrc, from);
		if (k < nsrc && (srcs[k].keep || sched_src_has(&srcs[k], name)))
			continue;
		db_bind_textc(del, 1, name);
		if ((error = store_run(st, del)) != 0)
			break;
		if (k < nsrc)
			srcs[k].deleted++;
		else
			ngone++;
	}
	if (error == 0 && rc != DB_DONE && rc != DB_ROW)
		error = store_err(st, rc);
	db_reset(s);
	if (error != 0 || (error = store_commit(st)) != 0)
		goto fail;
	if (gone != NULL)
		*gone = ngone;
	return 0;
fail:
	store_rollback(st);
	return error;
}

int
store_schedule_due(struct store *st, int64_t now, size_t max, bool reboot,
    store_schedule_fn fn, void *arg)
{
	struct stmt *s;
	int error = 0;

	if ((s = store_stmt(st, reboot ? Q_SCHED_REBOOT : Q_SCHED_DUE,
	    &error)) == NULL)
		return error;
	if (!reboot) {
		db_bind_int(s, 1, now);
		db_bind_int(s, 2, (int64_t)max);
	}
	return store_each_schedule(st, s, fn, arg);
}

int
store_schedule_active(struct store *st, int64_t id, int64_t *job_id)
{
	struct stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_SCHED_ACTIVE, &error)) == NULL)
		return error;
	db_bind_int(s, 1, id);
	rc = db_step(s);
	*job_id = rc == DB_ROW ? db_col_int(s, 0) : 0;
	db_reset(s);
	return rc == DB_ROW || rc == DB_DONE ? 0 : store_err(st, rc);
}

/* store_schedule_fire() inside a transaction; boot_id: see the reboot. */
static int
store_fire(struct store *st, const struct schedule *sc, const char *boot_id,
    struct slot *slots, size_t n, int64_t next_run_at, int64_t now)
{
	struct stmt *ins, *link, *done, *prune, *boot = NULL;
	struct job_spec js;
	int64_t latest = 0, prev_job = 0, fired = 0, skipped = 0, missed = 0;
	size_t i;
	int error = 0;

	if ((ins = store_stmt(st, Q_SLOT_INSERT, &error)) == NULL ||
	    (link = store_stmt(st, Q_SLOT_JOB, &error)) == NULL ||
	    (done = store_stmt(st, Q_SCHED_FIRED, &error)) == NULL ||
	    (prune = store_stmt(st, Q_SLOT_PRUNE, &error)) == NULL ||
	    (boot_id != NULL &&
	    (boot = store_stmt(st, Q_SCHED_BOOT, &error)) == NULL))
		return error;
	schedule_job_spec(sc, &js);
	if (boot != NULL) {
		db_bind_int(boot, 1, sc->id);
		db_bind_text(boot, 2, boot_id);
		if ((error = store_run(st, boot)) != 0)
			return error;
		if (db_changes(st) == 0)
			return -EALREADY;
	}
	for (i = 0; i < n; i++) {
		struct slot *sl = &slots[i];

		sl->job_id = 0;
		/* A full queue: the slot is skipped, "run now" refused. */
		if (!sl->skip && (error = store_queue_room(st, sc->queue, 1,
		    0)) != 0) {
			if (error != -EAGAIN || sl->slot_at == 0)
				return error;
			snprintf(st->full, sizeof(st->full), "%s", st->errmsg);
			sl->skip = true;
			sl->reason = st->full;
			sl->missed = 0;
		}
		if (sl->slot_at != 0) {
			db_bind_int(ins, 1, sc->id);
			db_bind_int(ins, 2, sl->slot_at);
			db_bind_text(ins, 3, sl->skip ? "skipped" :
			    "queued");
			db_bind_text(ins, 4, sl->reason);
			db_bind_int(ins, 5, now);
			if ((error = store_run(st, ins)) != 0)
				return error;
			if (db_changes(st) == 0)
				continue;	/* already in the ledger */
			if (sl->slot_at > latest)
				latest = sl->slot_at;
		}
		if (sl->skip) {
			if (sl->missed > 0)
				missed += sl->missed;
			else
				skipped++;
			continue;
		}
		if (sl->slot_at != 0 || boot != NULL)
			fired++;	/* a slot, not "schedule run" */
		js.slot_at = sl->slot_at;
		js.run_at = now;
		js.after_id = sl->after_id == -1 ? prev_job : sl->after_id;
		if ((error = store_insert(st, &js, now, &sl->job_id)) != 0)
			return error;
		prev_job = sl->job_id;
		if (sl->slot_at != 0) {
			db_bind_int(link, 1, sc->id);
			db_bind_int(link, 2, sl->slot_at);
			db_bind_int(link, 3, sl->job_id);
			if ((error = store_run(st, link)) != 0)
				return error;
		}
	}
	if ((error = store_metrics_add(st, "slots_fired", sc->name,
	    fired)) != 0 ||
	    (error = store_metrics_add(st, "slots_skipped", sc->name,
	    skipped)) != 0 ||
	    (error = store_metrics_add(st, "slots_missed", sc->name,
	    missed)) != 0)
		return error;
	db_bind_int(done, 1, sc->id);
	db_bind_int(done, 2, next_run_at);
	db_bind_int(done, 3, latest);
	db_bind_int(prune, 1, sc->id);
	db_bind_int(prune, 2, STORE_SLOTS_KEPT - 1);
	if ((error = store_run(st, done)) != 0)
		return error;
	return store_run(st, prune);
}

static int
store_fire_tx(struct store *st, const struct schedule *sc,
    const char *boot_id, struct slot *slots, size_t n, int64_t next_run_at,
    int64_t now)
{
	size_t i;
	int error;

	if ((error = store_begin(st)) != 0)
		return error;
	if ((error = store_fire(st, sc, boot_id, slots, n, next_run_at,
	    now)) != 0 || (error = store_commit(st)) != 0) {
		store_rollback(st);
		for (i = 0; i < n; i++)
			slots[i].job_id = 0;
	}
	return error;
}

int
store_schedule_fire(struct store *st, const struct schedule *sc,
    struct slot *slots, size_t n, int64_t next_run_at, int64_t now)
{
	if (st->remote != NULL)
		return remote_schedule_fire(st, sc, slots, n, next_run_at);
	return store_fire_tx(st, sc, NULL, slots, n, next_run_at, now);
}

int
store_schedule_reboot(struct store *st, const struct schedule *sc,
    const char *boot_id, struct slot *slot, int64_t now)
{
	return store_fire_tx(st, sc, boot_id, slot, 1, 0, now);
}

int
store_schedule_slots(struct store *st, int64_t id, int64_t limit,
    store_slot_fn fn, void *arg)
{
	struct slot_info si;
	struct stmt *s;
	int error = 0, rc;

	if (st->remote != NULL)
		return remote_schedule_slots(st, id, limit, fn, arg);
	if ((s = store_stmt(st, Q_SLOT_LIST, &error)) == NULL)
		return error;
	db_bind_int(s, 1, id);
	db_bind_int(s, 2, limit);
	while ((rc = db_step(s)) == DB_ROW) {
		si.slot_at = db_col_int(s, 0);
		si.job_id = db_col_int(s, 1);
		si.outcome = (const char *)db_col_text(s, 2);
		si.reason = (const char *)db_col_text(s, 3);
		si.job_state = (const char *)db_col_text(s, 4);
		if ((error = fn(&si, arg)) != 0)
			break;
	}
	if (error == 0 && rc != DB_DONE)
		error = store_err(st, rc);
	db_reset(s);
	return error;
}

int
store_schedule_set(struct store *st, const struct schedule *sc,
    bool new_next)
{
	char src[PATH_MAX + 16];
	struct stmt *s;
	int error = 0;

	if (st->remote != NULL)
		return remote_schedule_set(st, sc, new_next);
	if ((s = store_stmt(st, Q_SCHED_SET, &error)) == NULL)
		return error;
	if ((error = store_begin(st)) != 0)
		return error;
	if ((error = sched_source(st, sc->name, src, sizeof(src))) != 0) {
		if (error == -ENOENT)
			store_seterr(st, error, "no such schedule");
		goto fail;
	}
	if (strcmp(src, "cli") != 0) {
		snprintf(st->errmsg, sizeof(st->errmsg), "schedule %.100s "
		    "comes from %.200s", sc->name, src);
		error = -EPERM;
		goto fail;
	}
	sched_bind_def(s, sc);
	db_bind_int(s, 17, sc->next_run_at);
	db_bind_int(s, 18, new_next ? 1 : 0);
	db_bind_int(s, 19, clock_wall_ms(st->clock));
	error = store_run(st, s);
	db_clear(s);
	if (error != 0 || (error = store_commit(st)) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return error;
}

/* Step the one-row schedule query q for schedule id; *row says if any. */
static int
sched_last_row(struct store *st, enum store_stmt q, int64_t id,
    struct stmt **sp, bool *row)
{
	int error = 0, rc;

	if ((*sp = store_stmt(st, q, &error)) == NULL)
		return error;
	db_bind_int(*sp, 1, id);
	rc = db_step(*sp);
	*row = rc == DB_ROW;
	if (rc != DB_ROW && rc != DB_DONE) {
		error = store_err(st, rc);
		db_reset(*sp);
	}
	return error;
}

int
store_schedule_last(struct store *st, int64_t id, struct sched_last *out)
{
	struct sched_last l;
	struct stmt *s;
	bool row;
	int error;

	if (st->remote != NULL)
		return remote_schedule_last(st, id, out);
	memset(&l, 0, sizeof(l));
	if ((error = sched_last_row(st, Q_SCHED_LAST, id, &s, &row)) != 0)
		return error;
	if (row) {
		l.job_id = db_col_int(s, 0);
		if (job_state_parse((const char *)db_col_text(s, 1),
		    &l.state) != 0)
			l.state = JOB_DONE;
		l.at = db_col_int(s, 2);
		l.has_exit_code = !db_col_null(s, 3);
		l.exit_code = db_col_int(s, 3);
	}
	db_reset(s);
	if ((error = sched_last_row(st, Q_SCHED_LAST_OK, id, &s, &row)) != 0)
		return error;
	if (row) {
		l.ok_job_id = db_col_int(s, 0);
		l.ok_at = db_col_int(s, 2);
	}
	db_reset(s);
	*out = l;
	return 0;
}
