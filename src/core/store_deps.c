/*
 * store_deps: dependencies between jobs (jobctl submit --after), the
 * store's side.  job_deps holds one row per edge and jobs.waiting the
 * count of a job's unmet rows, so that the claim reads one column.  The
 * count is set in the transaction that submits the job and lowered in
 * every transaction that ends a job it waits on; a dependency that ends
 * dead or cancelled cancels, in that same transaction, the pending jobs
 * that needed it done, and theirs in turn.  A job only waits on jobs
 * that exist before it, so the edges never make a cycle.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

int
store_deps_add(struct store *st, int64_t id, const struct job_spec *js,
    const int64_t *ids, size_t nids)
{
	const struct job_dep *d;
	enum job_state state;
	struct stmt *s;
	int64_t dep, waiting = 0;
	size_t i;
	bool met;
	int error = 0;

	for (i = 0; i < js->ndeps; i++) {
		d = &js->deps[i];
		if (d->id == 0 && d->ref >= nids) {
			snprintf(st->errmsg, sizeof(st->errmsg), "dependency "
			    "on entry %zu of the submission: only earlier "
			    "entries can be named", d->ref + 1);
			return -EINVAL;
		}
		dep = d->id != 0 ? d->id : ids[d->ref];
		error = store_job_state(st, dep, &state);
		if (error == -ENOENT) {
			snprintf(st->errmsg, sizeof(st->errmsg), "dependency "
			    "job %" PRId64 " does not exist", dep);
			return error;
		}
		if (error != 0)
			return error;
		if (!d->any && (state == JOB_DEAD || state == JOB_CANCELLED)) {
			snprintf(st->errmsg, sizeof(st->errmsg), "dependency "
			    "job %" PRId64 " already ended %s (use --after-any "
			    "to run after it whatever the outcome)", dep,
			    job_state_name(state));
			return -EINVAL;
		}
		met = state == JOB_DONE || (d->any && state != JOB_PENDING &&
		    state != JOB_RUNNING);
		if ((s = store_stmt(st, Q_DEP_INSERT, &error)) == NULL)
			return error;
		db_bind_int(s, 1, id);
		db_bind_int(s, 2, dep);
		db_bind_int(s, 3, d->any);
		db_bind_int(s, 4, met);
		if ((error = store_run(st, s)) != 0)
			return error;
		if (db_changes(st) > 0 && !met)
			waiting++;
	}
	if (waiting == 0)
		return 0;
	if ((s = store_stmt(st, Q_DEP_WAITING, &error)) == NULL)
		return error;
	db_bind_int(s, 1, id);
	db_bind_int(s, 2, waiting);
	return store_run(st, s);
}

/* A job whose end is still to be passed on, and whether to cancel it. */
struct dep_work {
	int64_t		 id;
	enum job_state	 state;
	int64_t		 cause;		/* cancel it for this dependency; 0 */
	enum job_state	 cause_state;
};

struct dep_stack {
	struct dep_work	*w;
	size_t		 n, cap;
};

static int
dep_push(struct store *st, struct dep_stack *k, const struct dep_work *w)
{
	struct dep_work *nw;
	size_t cap;

	if (k->n == k->cap) {
		cap = k->cap ? k->cap * 2 : 16;
		if ((nw = realloc(k->w, cap * sizeof(*nw))) == NULL)
			return store_seterr(st, -ENOMEM, "out of memory");
		k->w = nw;
		k->cap = cap;
	}
	k->w[k->n++] = *w;
	return 0;
}

/* Cancel pending job w->id because its dependency failed; *did: it was. */
static int
dep_cancel(struct store *st, const struct dep_work *w, int64_t now,
    bool *did)
{
	struct stmt *s;
	char why[128];
	int error = 0;

	*did = false;
	if ((s = store_stmt(st, Q_DEP_CANCEL, &error)) == NULL)
		return error;
	snprintf(why, sizeof(why), "dependency job %" PRId64 " ended %s",
	    w->cause, job_state_name(w->cause_state));
	db_bind_int(s, 1, w->id);
	db_bind_int(s, 2, now);
	db_bind_textc(s, 3, why);
	if ((error = store_run(st, s)) != 0)
		return error;
	*did = db_changes(st) > 0;
	return 0;
}

/* Meet the rows that wait on w->id; queue the jobs its failure cancels. */
static int
dep_pass(struct store *st, struct dep_stack *k, const struct dep_work *w)
{
	struct dep_work v;
	struct stmt *s;
	bool done = w->state == JOB_DONE;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_DEP_MET_JOBS, &error)) == NULL)
		return error;
	db_bind_int(s, 1, w->id);
	db_bind_int(s, 2, done);
	if ((error = store_run(st, s)) != 0)
		return error;
	if ((s = store_stmt(st, Q_DEP_MET, &error)) == NULL)
		return error;
	db_bind_int(s, 1, w->id);
	db_bind_int(s, 2, done);
	if ((error = store_run(st, s)) != 0)
		return error;
	if (done)
		return 0;
	if ((s = store_stmt(st, Q_DEP_VICTIMS, &error)) == NULL)
		return error;
	db_bind_int(s, 1, w->id);
	memset(&v, 0, sizeof(v));
	v.state = JOB_CANCELLED;
	v.cause = w->id;
	v.cause_state = w->state;
	while ((rc = db_step(s)) == DB_ROW) {
		v.id = db_col_int(s, 0);
		if ((error = dep_push(st, k, &v)) != 0)
			break;
	}
	if (error == 0 && rc != DB_DONE)
		error = store_err(st, rc);
	db_reset(s);
	return error;
}

int
store_deps_end(struct store *st, int64_t id, enum job_state state,
    int64_t now)
{
	struct dep_stack k = { NULL, 0, 0 };
	struct dep_work w = { id, state, 0, JOB_PENDING };
	bool did;
	int error;

	if ((error = dep_push(st, &k, &w)) != 0)
		return error;
	while (k.n > 0 && error == 0) {
		w = k.w[--k.n];
		if (w.cause != 0) {
			if ((error = dep_cancel(st, &w, now, &did)) != 0 ||
			    !did)
				continue;
		}
		error = dep_pass(st, &k, &w);
	}
	free(k.w);
	return error;
}

int
store_deps_forget(struct store *st, int64_t id)
{
	struct stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_DEP_FORGET, &error)) == NULL)
		return error;
	db_bind_int(s, 1, id);
	if ((error = store_run(st, s)) != 0)
		return error;
	if ((s = store_stmt(st, Q_DEP_FORGET_DEP, &error)) == NULL)
		return error;
	db_bind_int(s, 1, id);
	return store_run(st, s);
}

int
store_job_deps(struct store *st, int64_t id, bool dependents,
    store_dep_fn fn, void *arg)
{
	struct store_dep d;
	struct stmt *s;
	const char *state;
	int error = 0, rc;

	if (st->remote != NULL)
		return remote_job_deps(st, id, dependents, fn, arg);
	if ((s = store_stmt(st, dependents ? Q_DEP_RLIST : Q_DEP_LIST,
	    &error)) == NULL)
		return error;
	db_bind_int(s, 1, id);
	while ((rc = db_step(s)) == DB_ROW) {
		d.id = db_col_int(s, 0);
		d.any = db_col_int(s, 1) != 0;
		d.met = db_col_int(s, 2) != 0;
		state = (const char *)db_col_text(s, 3);
		if (state == NULL || job_state_parse(state, &d.state) != 0)
			d.state = JOB_NSTATES;
		if ((error = fn(&d, arg)) != 0)
			break;
	}
	if (error == 0 && rc != DB_DONE && rc != DB_ROW)
		error = store_err(st, rc);
	db_reset(s);
	return error;
}
