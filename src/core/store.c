/*
 * store: jobs -- submission (idempotency keys, max_pending), reading and
 * listing jobs and their attempts, cancel and rerun.  The store's other
 * concerns are in the files store_<concern>.c beside it, sharing
 * store_impl.h: the connection (store_conn.c) and its engines (SQLite's,
 * with its migrations: store_sqlite.c), the SQL (store_sql.c), the
 * daemon's side (store_daemon.c), results and dead letters
 * (store_result.c), the claim (store_claim.c), schedules
 * (store_schedule.c), queues, dependencies, notifications, metrics,
 * stats and pruning.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/clock.h"
#include "store_impl.h"

static const char *const state_names[JOB_NSTATES] = {
	[JOB_PENDING] = "pending",
	[JOB_RUNNING] = "running",
	[JOB_DONE] = "done",
	[JOB_CANCELLED] = "cancelled",
	[JOB_DEAD] = "dead",
};

const char *
job_state_name(enum job_state s)
{
	if ((unsigned)s >= JOB_NSTATES)
		return NULL;
	return state_names[s];
}

int
job_state_parse(const char *name, enum job_state *s)
{
	int i;

	for (i = 0; i < JOB_NSTATES; i++) {
		if (strcmp(name, state_names[i]) == 0) {
			*s = (enum job_state)i;
			return 0;
		}
	}
	return -EINVAL;
}

void
job_clear(struct job *j)
{
	if (j == NULL)
		return;
	free(j->queue);
	free(j->command);
	free(j->key);
	free(j->schedule);
	free(j->env);
	free(j->cwd);
	free(j->run_as);
	free(j->lease_owner);
	free(j->last_error);
	free(j->dead_reason);
	free(j->mail_to);
	free(j->hook[JOB_HOOK_DEAD]);
	free(j->hook[JOB_HOOK_FAILURE]);
	free(j->hook[JOB_HOOK_SUCCESS]);
	free(j->notify_event);
	free(j->input);
	memset(j, 0, sizeof(*j));
}

/* Bind an optional job option: JOB_DEFAULT binds SQL NULL. */
void
bind_opt(struct stmt *s, int i, int64_t v)
{
	if (v == JOB_DEFAULT)
		db_bind_null(s, i);
	else
		db_bind_int(s, i, v);
}

/* Bind the process options *p as ?first .. ?first+5 (PROC_COLS). */
void
bind_proc(struct stmt *s, int first, const struct job_proc *p)
{
	int i;

	bind_opt(s, first, p->umask);
	for (i = 0; i < JOB_NLIMITS; i++)
		bind_opt(s, first + 1 + i, p->limit[i]);
	if (p->kill_mode == JOB_KILL_ATTEMPT)
		db_bind_text(s, first + 5, "attempt");
	else if (p->kill_mode == JOB_KILL_PROCESS)
		db_bind_text(s, first + 5, "process");
	else
		db_bind_null(s, first + 5);
}

/* Bind mail settings as ?first (NULL: no mail) and ?first+1 (MAIL_COLS). */
void
bind_mail(struct stmt *s, int first, const char *to, enum mail_on on)
{
	const char *name = mail_on_name(on);

	db_bind_text(s, first, to);
	db_bind_text(s, first + 1, name);
}

/*
 * Look key js->key up for a submission at "now": 0 with *id its job when
 * the key names a job with the same contents; -ENOENT when the key is free
 * (never used, expired, or its job purged); -EEXIST when it names a job
 * that differs (st->errmsg says how).
 */
static int
store_key_find(struct store *st, const struct job_spec *js, int64_t now,
    int64_t *id)
{
	struct stmt *s;
	const char *diff;
	int64_t ttl, fin, jid;
	int error = 0, rc;
	bool present;

	if ((s = store_stmt(st, Q_KEY_FIND, &error)) == NULL)
		return error;
	db_bind_text(s, 1, js->key);
	db_bind_text(s, 2, js->queue != NULL ? js->queue : "default");
	db_bind_text(s, 3, js->command);
	db_bind_int(s, 4, js->priority);
	bind_opt(s, 5, js->max_attempts);
	bind_opt(s, 6, js->timeout_ms);
	bind_opt(s, 7, js->backoff_ms);
	bind_opt(s, 8, js->backoff_max_ms);
	if (js->env_len > 0)
		db_bind_blob(s, 9, js->env, js->env_len);
	else
		db_bind_null(s, 9);
	db_bind_text(s, 10, js->cwd);
	db_bind_text(s, 11, js->run_as);
	db_bind_text(s, 12, js->key_when);
	bind_proc(s, 13, &js->proc);
	bind_mail(s, 19, js->mail_to, js->mail_on);
	db_bind_text(s, 21, js->hook[JOB_HOOK_DEAD]);
	db_bind_text(s, 22, js->hook[JOB_HOOK_FAILURE]);
	db_bind_text(s, 23, js->hook[JOB_HOOK_SUCCESS]);
	rc = db_step(s);
	if (rc == DB_ROW) {
		jid = db_col_int(s, 0);
		ttl = db_col_int(s, 1);
		present = db_col_int(s, 2) != 0;
		fin = db_col_null(s, 3) ? -1 :
		    db_col_int(s, 3);
		diff = (const char *)db_col_text(s, 4);
		if (!present || (fin >= 0 && clock_add(fin, ttl) <= now)) {
			error = -ENOENT;
		} else if (diff != NULL) {
			snprintf(st->errmsg, sizeof(st->errmsg), "key \"%s\" "
			    "already names job %lld, whose %s differs; nothing "
			    "submitted (use another key, or wait until the key "
			    "expires)", js->key, (long long)jid, diff);
			error = -EEXIST;
		} else {
			*id = jid;
		}
	} else if (rc == DB_DONE) {
		error = -ENOENT;
	} else {
		error = store_err(st, rc);
	}
	db_reset(s);
	db_clear(s);
	return error;
}

/* Make key js->key name job id from now on. */
static int
store_key_take(struct store *st, const struct job_spec *js, int64_t id,
    int64_t now)
{
	struct stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_KEY_TAKE, &error)) == NULL)
		return error;
	db_bind_text(s, 1, js->key);
	db_bind_int(s, 2, id);
	db_bind_int(s, 3, js->key_ttl_ms >= 0 ? js->key_ttl_ms :
	    JOB_KEY_TTL_DEFAULT_MS);
	db_bind_text(s, 4, js->key_when);
	db_bind_int(s, 5, now);
	error = store_run(st, s);
	db_clear(s);
	return error;
}

int
store_insert(struct store *st, const struct job_spec *js, int64_t now,
    int64_t *id)
{
	struct stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_INSERT, &error)) == NULL)
		return error;
	db_bind_text(s, 1, js->queue != NULL ? js->queue : "default");
	db_bind_text(s, 2, js->command);
	db_bind_int(s, 3, js->priority);
	db_bind_int(s, 4, js->run_at);
	bind_opt(s, 5, js->max_attempts);
	bind_opt(s, 6, js->timeout_ms);
	bind_opt(s, 7, js->backoff_ms);
	bind_opt(s, 8, js->backoff_max_ms);
	db_bind_text(s, 9, js->key);
	if (js->env_len > 0)
		db_bind_blob(s, 10, js->env, js->env_len);
	else
		db_bind_null(s, 10);
	db_bind_text(s, 11, js->cwd);
	db_bind_text(s, 12, js->run_as);
	db_bind_int(s, 13, now);
	db_bind_int(s, 14, js->schedule_id);
	db_bind_int(s, 15, js->slot_at);
	db_bind_int(s, 16, js->after_id);
	bind_proc(s, 17, &js->proc);
	bind_mail(s, 23, js->mail_to, js->mail_on);
	db_bind_text(s, 25, js->hook[JOB_HOOK_DEAD]);
	db_bind_text(s, 26, js->hook[JOB_HOOK_FAILURE]);
	db_bind_text(s, 27, js->hook[JOB_HOOK_SUCCESS]);
	if ((rc = db_step(s)) >= 0)
		*id = db_inserted_id(s);
	db_reset(s);
	db_clear(s);
	return store_err(st, rc);
}

/*
 * max_pending: the jobs of specs[] are inserted, fresh[i] telling those
 * that are new (not found by their key); check each queue that got new
 * jobs once, with how many it got.
 */
static int
store_submit_room(struct store *st, const struct job_spec *specs, size_t n,
    const bool *fresh)
{
	struct room r = { 0 };
	size_t i;
	int error = 0;

	for (i = 0; i < n && error == 0; i++)
		if (fresh[i])
			error = room_add(st, &r, specs[i].queue, 1);
	if (error == 0)
		error = room_check(st, &r);
	room_free(&r);
	return error;
}

/* store_submit()'s rows, in the caller's transaction. */
int
store_submit_rows(struct store *st, const struct job_spec *specs, size_t n,
    int64_t *ids, bool *existed, int64_t now)
{
	bool *fresh;
	size_t i;
	int error = 0;

	if ((fresh = calloc(n > 0 ? n : 1, sizeof(*fresh))) == NULL)
		return store_seterr(st, -ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		bool found = false;

		if (specs[i].key != NULL) {
			error = store_key_find(st, &specs[i], now, &ids[i]);
			if (error == 0)
				found = true;
			else if (error != -ENOENT)
				goto fail;
		}
		if (!found && (error = store_insert(st, &specs[i], now,
		    &ids[i])) != 0)
			goto fail;
		if (!found && specs[i].key != NULL &&
		    (error = store_key_take(st, &specs[i], ids[i], now)) != 0)
			goto fail;
		if (!found && specs[i].ndeps > 0 &&
		    (error = store_deps_add(st, ids[i], &specs[i], ids,
		    i)) != 0)
			goto fail;
		if (existed != NULL)
			existed[i] = found;
		fresh[i] = !found;
	}
	error = store_submit_room(st, specs, n, fresh);
fail:
	free(fresh);
	return error;
}

int
store_submit(struct store *st, const struct job_spec *specs, size_t n,
    int64_t *ids, bool *existed)
{
	int error;

	if (st->remote != NULL)
		return remote_submit(st, specs, n, ids, existed);
	if ((error = store_begin(st)) != 0)
		return error;
	if ((error = store_submit_rows(st, specs, n, ids, existed,
	    clock_wall_ms(st->clock))) != 0 ||
	    (error = store_commit(st)) != 0)
		store_rollback(st);
	return error;
}

/* A copy of column i as a C string, or NULL for SQL NULL. */
char *
col_strdup(struct stmt *s, int i, bool *oom)
{
	const char *t;
	char *p;

	if ((t = db_col_text(s, i)) == NULL)
		return NULL;
	if ((p = strdup((const char *)t)) == NULL)
		*oom = true;
	return p;
}

int64_t
col_opt(struct stmt *s, int i)
{
	if (db_col_null(s, i))
		return JOB_DEFAULT;
	return db_col_int(s, i);
}

/* Read the process options of columns first .. first+5 into *p. */
void
col_proc(struct stmt *s, int first, struct job_proc *p)
{
	const char *t;
	int i;

	p->umask = col_opt(s, first);
	for (i = 0; i < JOB_NLIMITS; i++)
		p->limit[i] = col_opt(s, first + 1 + i);
	t = (const char *)db_col_text(s, first + PROC_NCOLS - 1);
	p->kill_mode = t == NULL ? JOB_DEFAULT : strcmp(t, "process") == 0 ?
	    JOB_KILL_PROCESS : JOB_KILL_ATTEMPT;
}

/* The mail_on of column i; MAIL_ON_UNSET when NULL. */
enum mail_on
col_mail_on(struct stmt *s, int i)
{
	const char *t = (const char *)db_col_text(s, i);
	enum mail_on on = MAIL_ON_UNSET;

	if (t != NULL)
		(void)mail_on_parse(t, &on);
	return on;
}

/*
 * The env blob of column i into *env and *len (NULL and 0 when it is
 * empty), less a torn last entry: every entry ends in a NUL.  With copy,
 * *env is a copy that the caller frees (NULL, with *oom set, when out of
 * memory); without, it points into s and is valid until the next step.
 */
void
col_env(struct stmt *s, int i, bool copy, char **env, size_t *len,
    bool *oom)
{
	size_t n;
	const char *blob = db_col_blob(s, i, &n);

	while (n > 0 && blob[n - 1] != '\0')
		n--;
	*env = NULL;
	*len = 0;
	if (blob == NULL || n == 0)
		return;
	*len = n;
	if (!copy)
		*env = (char *)(uintptr_t)blob;
	else if ((*env = malloc(n)) != NULL)
		memcpy(*env, blob, n);
	else
		*oom = true;
}

/* A blob column, as it is: borrowed without copy, else copied. */
void
col_blob(struct stmt *s, int i, bool copy, void **p, size_t *len,
    bool *oom)
{
	size_t n;
	const void *blob = db_col_blob(s, i, &n);

	*p = NULL;
	*len = 0;
	if (blob == NULL || n == 0)
		return;
	*len = n;
	if (!copy)
		*p = (void *)(uintptr_t)blob;
	else if ((*p = malloc(n)) != NULL)
		memcpy(*p, blob, n);
	else
		*oom = true;
}

/*
 * Read the job of the current row of s (JOB_COLS_*) into *j.  With copy,
 * strings are duplicated (owned by *j); without, they point into s and are
 * valid until the next step.
 */
int
job_read(struct stmt *s, struct job *j, bool copy)
{
	bool oom = false;
	const char *state;

	memset(j, 0, sizeof(*j));
#define TEXT(i) (copy ? col_strdup(s, (i), &oom) :			\
	    (char *)(uintptr_t)db_col_text(s, (i)))
	j->id = db_col_int(s, 0);
	j->queue = TEXT(1);
	j->command = TEXT(2);
	j->priority = db_col_int(s, 3);
	j->run_at = db_col_int(s, 4);
	j->attempts = db_col_int(s, 5);
	j->max_attempts = col_opt(s, 6);
	j->timeout_ms = col_opt(s, 7);
	j->backoff_ms = col_opt(s, 8);
	j->backoff_max_ms = col_opt(s, 9);
	j->key = TEXT(10);
	j->schedule_id = db_col_int(s, 11);
	j->slot_at = db_col_int(s, 12);
	col_env(s, 13, copy, &j->env, &j->env_len, &oom);
	j->cwd = TEXT(14);
	j->run_as = TEXT(15);
	j->created_at = db_col_int(s, 16);
	j->updated_at = db_col_int(s, 17);
	j->finished_at = db_col_int(s, 18);
	j->has_exit_code = !db_col_null(s, 19);
	j->exit_code = db_col_int(s, 19);
	j->last_error = TEXT(20);
	j->schedule = TEXT(21);
	state = (const char *)db_col_text(s, 22);
	if (state == NULL || job_state_parse(state, &j->state) != 0)
		j->state = JOB_PENDING;
	j->cancel_requested = db_col_int(s, 23) != 0;
	j->lease_owner = TEXT(24);
	j->lease_expires_at = db_col_int(s, 25);
	j->dead_at = db_col_int(s, 26);
	j->dead_reason = TEXT(27);
	j->after_id = db_col_int(s, 28);
	col_proc(s, 29, &j->proc);
	j->rerun_of = db_col_int(s, 29 + PROC_NCOLS);
	j->mail_to = TEXT(30 + PROC_NCOLS);
	j->mail_on = col_mail_on(s, 31 + PROC_NCOLS);
	j->hook[JOB_HOOK_DEAD] = TEXT(32 + PROC_NCOLS);
	j->hook[JOB_HOOK_FAILURE] = TEXT(33 + PROC_NCOLS);
	j->hook[JOB_HOOK_SUCCESS] = TEXT(34 + PROC_NCOLS);
	j->notify_of = db_col_int(s, 35 + PROC_NCOLS);
	j->notify_event = TEXT(36 + PROC_NCOLS);
	col_blob(s, 37 + PROC_NCOLS, copy, &j->input, &j->input_len, &oom);
	j->waiting = db_col_int(s, 38 + PROC_NCOLS);
#undef TEXT
	if (oom) {
		job_clear(j);
		return -ENOMEM;
	}
	return 0;
}

int
store_job_get(struct store *st, int64_t id, struct job *out)
{
	struct stmt *s;
	int error = 0, rc;

	if (st->remote != NULL)
		return remote_job_get(st, id, out);
	if ((s = store_stmt(st, Q_GET, &error)) == NULL)
		return error;
	db_bind_int(s, 1, id);
	rc = db_step(s);
	if (rc == DB_ROW)
		error = job_read(s, out, true);
	else if (rc == DB_DONE)
		error = -ENOENT;
	else
		error = store_err(st, rc);
	db_reset(s);
	if (error == -ENOENT) {
		int64_t last = 0;

		/* Below the highest id ever given: it was, and is gone. */
		(void)store_last_job_id(st, &last);
		store_seterr(st, -ENOENT, id > 0 && id <= last ?
		    "no such job (pruned?)" : "no such job");
	}
	return error;
}

/* Call fn for every row of the job query s (bound by the caller). */
int
store_each_job(struct store *st, struct stmt *s, store_job_fn fn, void *arg)
{
	struct job j;
	int error = 0, rc;

	while ((rc = db_step(s)) == DB_ROW) {
		(void)job_read(s, &j, false);
		if ((error = fn(&j, arg)) != 0)
			break;
	}
	if (error == 0 && rc != DB_DONE)
		error = store_err(st, rc);
	db_reset(s);
	return error;
}

/*
 * The WHERE terms of a filtered listing for one table: ?1 queue, ?2
 * schedule id, ?3 since (see store_job_list_where()).
 */
static void
list_terms(char *buf, size_t len, const struct job_filter *f)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s%s%s",
	    f->queue != NULL ? " AND queue = ?1" : "",
	    f->schedule_id != 0 ? " AND schedule_id = ?2" : "",
	    f->since != 0 ? " AND created_at >= ?3" : "",
	    f->run_as != NULL ? " AND run_as = ?5" : "");
}

/* Fewer live jobs than this: list them through their partial indexes. */
#define LIST_FEW_LIVE	10000

/*
 * The subquery of the ids of the pending (jobs_pending) and running
 * (jobs_running_lease) jobs that states (a mask, those two only) names,
 * through their partial indexes, into buf.
 */
static void
list_live_ids(char *buf, size_t len, unsigned states)
{
	bool p = (states & (1u << JOB_PENDING)) != 0;
	bool r = (states & (1u << JOB_RUNNING)) != 0;

	snprintf(buf, len, "%s%s%s",
	    p ? "SELECT id FROM jobs INDEXED BY jobs_pending "
	    "WHERE state = 'pending'" : "",
	    p && r ? " UNION ALL " : "",
	    r ? "SELECT id FROM jobs INDEXED BY jobs_running_lease "
	    "WHERE state = 'running'" : "");
}

/*
 * Are there fewer than LIST_FEW_LIVE jobs of the live states (pending,
 * running) of mask states?  One walk of their partial indexes, bounded.
 */
static int
list_few_live(struct store *st, unsigned states, bool *few)
{
	char sql[512], ids[256];
	struct stmt *s;
	int rc;

	list_live_ids(ids, sizeof(ids), states);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM (%s LIMIT %d) AS few",
	    ids, LIST_FEW_LIVE);
	if ((s = store_prepare(st, sql, &rc)) == NULL)
		return rc;
	rc = db_step(s);
	*few = rc == DB_ROW && db_col_int(s, 0) < LIST_FEW_LIVE;
	db_finalize(s);
	return rc == DB_ROW ? 0 : store_err(st, rc);
}

/*
 * Were fewer than LIST_FEW_LIVE jobs created at or after since?  One
 * bounded walk of jobs_created.
 */
static int
list_few_since(struct store *st, int64_t since, bool *few)
{
	struct stmt *s;
	int rc;

	if ((s = store_prepare(st, "SELECT count(*) FROM (SELECT 1 "
	    "FROM jobs INDEXED BY jobs_created WHERE created_at >= ?1 "
	    "LIMIT ?2) AS few", &rc)) == NULL)
		return rc;
	db_bind_int(s, 1, since);
	db_bind_int(s, 2, LIST_FEW_LIVE);
	rc = db_step(s);
	*few = rc == DB_ROW && db_col_int(s, 0) < LIST_FEW_LIVE;
	db_finalize(s);
	return rc == DB_ROW ? 0 : store_err(st, rc);
}

/*
 * A listing with the filters Q_LIST lacks (several states, a schedule, a
 * creation time), as one statement made for the filter: only the terms
 * that are set, so that SQLite can use jobs_schedule_id for a schedule.
 * Pending and running jobs, and jobs created since a time, when they are
 * few, are found through their indexes (a server's table is mostly old,
 * finished jobs); otherwise, like Q_LIST, two rowid scans newest first,
 * merged, that stop after ?4 rows.
 */
static int
store_job_list_where(struct store *st, const struct job_filter *f,
    store_job_fn fn, void *arg)
{
	char sql[2048], in[96] = "", ids[256];
	unsigned states = f->states != 0 ? f->states : (1u << JOB_NSTATES) - 1;
	unsigned active = (1u << JOB_PENDING) | (1u << JOB_RUNNING);
	struct stmt *s;
	bool live = false, dead, few = false, recent = false;
	int i, error;

	if (f->state >= 0)
		states &= 1u << f->state;
	dead = (states & (1u << JOB_DEAD)) != 0;
	for (i = 0; i < JOB_NSTATES; i++) {
		if (i == JOB_DEAD || (states & (1u << i)) == 0)
			continue;
		snprintf(in + strlen(in), sizeof(in) - strlen(in), "%s'%s'",
		    live ? ", " : "", job_state_name((enum job_state)i));
		live = true;
	}
	sql[0] = '\0';
	if (live && (states & ~(1u << JOB_DEAD) & ~active) == 0 &&
	    (error = list_few_live(st, states, &few)) != 0)
		return error;
	if (live && !few && f->since != 0 && f->schedule_id == 0 &&
	    (error = list_few_since(st, f->since, &recent)) != 0)
		return error;
	if (live && recent) {
		snprintf(sql, sizeof(sql), "SELECT " JOB_COLS_LIVE " FROM jobs "
		    "WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_created "
		    "WHERE created_at >= ?3) AND state IN (%s)", in);
		list_terms(sql, sizeof(sql), f);
	} else if (live && few) {
		list_live_ids(ids, sizeof(ids), states);
		snprintf(sql, sizeof(sql), "SELECT " JOB_COLS_LIVE " FROM jobs "
		    "WHERE id IN (%s)", ids);
		list_terms(sql, sizeof(sql), f);
	} else if (live) {
		snprintf(sql, sizeof(sql), "SELECT " JOB_COLS_LIVE " FROM jobs "
		    "WHERE state IN (%s)", in);
		list_terms(sql, sizeof(sql), f);
	}
	if (dead) {
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql),
		    "%sSELECT " JOB_COLS_DEAD " FROM dead_jobs WHERE true",
		    live ? " UNION ALL " : "");
		list_terms(sql, sizeof(sql), f);
	}
	if (!live && !dead)
		return 0;
	snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql),
	    " ORDER BY 1 DESC LIMIT ?4");
	if ((s = store_prepare(st, sql, &error)) == NULL)
		return error;
	db_bind_text(s, 1, f->queue);
	db_bind_int(s, 2, f->schedule_id);
	db_bind_int(s, 3, f->since);
	db_bind_int(s, 4, f->limit);
	db_bind_text(s, 5, f->run_as);
	error = store_each_job(st, s, fn, arg);
	db_finalize(s);
	return error;
}

int
store_job_list(struct store *st, const struct job_filter *f,
    store_job_fn fn, void *arg)
{
	struct stmt *s;
	int error = 0;

	if (st->remote != NULL)
		return remote_job_list(st, f, fn, arg);
	if (f->states != 0 || f->schedule_id != 0 || f->since != 0 ||
	    f->run_as != NULL ||
	    f->state == JOB_PENDING || f->state == JOB_RUNNING)
		return store_job_list_where(st, f, fn, arg);
	if ((s = store_stmt(st, Q_LIST, &error)) == NULL)
		return error;
	db_bind_text(s, 1, f->state >= 0 ?
	    job_state_name((enum job_state)f->state) : NULL);
	db_bind_text(s, 2, f->queue);
	db_bind_int(s, 3, f->limit);
	error = store_each_job(st, s, fn, arg);
	db_clear(s);
	return error;
}

int
store_attempt_list(struct store *st, int64_t id, store_attempt_fn fn,
    void *arg)
{
	struct stmt *s;
	struct attempt a;
	int error = 0, rc;

	if (st->remote != NULL)
		return remote_attempt_list(st, id, fn, arg);
	if ((s = store_stmt(st, Q_ATTEMPTS, &error)) == NULL)
		return error;
	db_bind_int(s, 1, id);
	while ((rc = db_step(s)) == DB_ROW) {
		memset(&a, 0, sizeof(a));
		a.id = db_col_int(s, 0);
		a.job_id = db_col_int(s, 1);
		a.attempt = db_col_int(s, 2);
		a.owner = (char *)(uintptr_t)db_col_text(s, 3);
		a.started_at = db_col_int(s, 4);
		a.finished_at = db_col_int(s, 5);
		a.has_exit_code = !db_col_null(s, 6);
		a.exit_code = db_col_int(s, 6);
		a.signal = db_col_int(s, 7);
		a.outcome = (char *)(uintptr_t)db_col_text(s, 8);
		a.output = db_col_blob(s, 9, &a.output_len);
		a.output_dropped = db_col_int(s, 10);
		a.error = (char *)(uintptr_t)db_col_text(s, 11);
		if ((error = fn(&a, arg)) != 0)
			break;
	}
	if (error == 0 && rc != DB_DONE)
		error = store_err(st, rc);
	db_reset(s);
	return error;
}

/* The state of job id, live or dead: 0 and *state, or -ENOENT. */
int
store_job_state(struct store *st, int64_t id, enum job_state *state)
{
	struct stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_STATE, &error)) == NULL)
		return error;
	db_bind_int(s, 1, id);
	rc = db_step(s);
	if (rc == DB_ROW) {
		if (job_state_parse((const char *)db_col_text(s, 0),
		    state) != 0)
			error = -EBADMSG;
	} else if (rc == DB_DONE) {
		error = -ENOENT;
	} else {
		error = store_err(st, rc);
	}
	db_reset(s);
	return error;
}

int
store_job_rerun(struct store *st, int64_t id, int64_t run_at,
    int64_t *new_id)
{
	enum job_state state;
	struct stmt *s;
	int error = 0, rc;

	if (st->remote != NULL)
		return remote_job_rerun(st, id, run_at, new_id);
	if ((s = store_stmt(st, Q_RERUN, &error)) == NULL)
		return error;
	if ((error = store_begin(st)) != 0)
		return error;
	if ((error = store_job_state(st, id, &state)) != 0) {
		if (error == -ENOENT)
			store_seterr(st, error, "no such job");
		goto fail;
	}
	if (state == JOB_PENDING || state == JOB_RUNNING) {
		snprintf(st->errmsg, sizeof(st->errmsg), "job %lld is %s: "
		    "only a finished job (done, cancelled or dead) can be run "
		    "again", (long long)id, job_state_name(state));
		error = -EINPROGRESS;
		goto fail;
	}
	db_bind_int(s, 1, id);
	db_bind_int(s, 2, run_at);
	if ((rc = db_step(s)) >= 0)
		*new_id = db_inserted_id(s);
	db_reset(s);
	db_clear(s);
	if ((error = store_err(st, rc)) != 0)
		goto fail;
	if ((s = store_stmt(st, Q_RERUN_QUEUE, &error)) == NULL)
		goto fail;
	db_bind_int(s, 1, *new_id);
	if ((rc = db_step(s)) == DB_ROW)
		error = store_queue_room(st,
		    (const char *)db_col_text(s, 0), 0, 1);
	else
		error = store_norow(st, rc);
	db_reset(s);
	if (error != 0)
		goto fail;
	if ((error = store_commit(st)) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return error;
}

int
store_job_reruns(struct store *st, int64_t id, store_id_fn fn, void *arg)
{
	struct stmt *s;
	int error = 0, rc;

	if (st->remote != NULL)
		return remote_job_reruns(st, id, fn, arg);
	if ((s = store_stmt(st, Q_RERUNS, &error)) == NULL)
		return error;
	db_bind_int(s, 1, id);
	while ((rc = db_step(s)) == DB_ROW)
		if ((error = fn(db_col_int(s, 0), arg)) != 0)
			break;
	if (error == 0 && rc != DB_DONE)
		error = store_err(st, rc);
	db_reset(s);
	return error;
}

int
store_cancel(struct store *st, const int64_t *ids, size_t n,
    enum job_state *was, size_t *bad)
{
	int64_t now = clock_wall_ms(st->clock);
	struct stmt *s;
	size_t i;
	int error;

	if (st->remote != NULL)
		return remote_cancel(st, ids, n, was, bad);
	if ((error = store_begin(st)) != 0)
		return error;
	for (i = 0; i < n; i++) {
		if ((error = store_job_state(st, ids[i], &was[i])) != 0)
			goto bad;
		switch (was[i]) {
		case JOB_PENDING:
			s = store_stmt(st, Q_CANCEL_PENDING, &error);
			break;
		case JOB_RUNNING:
			s = store_stmt(st, Q_CANCEL_RUNNING, &error);
			break;
		case JOB_CANCELLED:
			continue;
		default:
			error = -EALREADY;
			goto bad;
		}
		if (s == NULL)
			goto fail;
		db_bind_int(s, 1, ids[i]);
		db_bind_int(s, 2, now);
		if ((error = store_run(st, s)) != 0)
			goto fail;
		if (was[i] == JOB_PENDING &&
		    (error = store_deps_end(st, ids[i], JOB_CANCELLED,
		    now)) != 0)
			goto fail;
	}
	if ((error = store_commit(st)) != 0)
		goto fail;
	return 0;
bad:
	*bad = i;
	if (error == -ENOENT)
		store_seterr(st, error, "no such job");
	else if (error == -EALREADY)
		snprintf(st->errmsg, sizeof(st->errmsg),
		    "job already finished (%s)", job_state_name(was[i]));
fail:
	store_rollback(st);
	return error;
}

int
store_count(struct store *st, store_count_fn fn, void *arg)
{
	enum job_state state;
	struct stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_COUNT, &error)) == NULL)
		return error;
	while ((rc = db_step(s)) == DB_ROW) {
		if (job_state_parse((const char *)db_col_text(s, 1),
		    &state) != 0)
			continue;
		if ((error = fn((const char *)db_col_text(s, 0), state,
		    db_col_int(s, 2), arg)) != 0)
			break;
	}
	if (error == 0 && rc != DB_DONE)
		error = store_err(st, rc);
	db_reset(s);
	return error;
}

int
store_daemon_list(struct store *st, store_daemon_fn fn, void *arg)
{
	struct daemon_info d;
	struct stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_DAEMONS, &error)) == NULL)
		return error;
	while ((rc = db_step(s)) == DB_ROW) {
		d.instance = (const char *)db_col_text(s, 0);
		d.host = (const char *)db_col_text(s, 1);
		d.pid = db_col_int(s, 2);
		d.boot_id = (const char *)db_col_text(s, 3);
		d.version = (const char *)db_col_text(s, 4);
		d.started_at = db_col_int(s, 5);
		d.heartbeat_at = db_col_int(s, 6);
		d.heartbeat_ms = db_col_int(s, 7);
		if ((error = fn(&d, arg)) != 0)
			break;
	}
	if (error == 0 && rc != DB_DONE)
		error = store_err(st, rc);
	db_reset(s);
	return error;
}

