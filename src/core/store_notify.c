/*
 * store_notify: the store's side of notifications (outbox.h).  In the
 * transaction that records an attempt's end, read what the outcome needs
 * of its job and schedule, let outbox_plan() decide, and insert the
 * notification jobs it plans: they commit, or vanish, with the outcome.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/crash.h"
#include "jobd/job.h"
#include "jobd/mail.h"
#include "jobd/outbox.h"
#include "jobd/store.h"
#include "store_impl.h"

/* The daemon's notification settings, owned copies. */
struct store_notify {
	char		*hook[JOB_NHOOKS];
	int64_t		 max_attempts;
	int64_t		 timeout_ms;
	char		*mailer, *mail_from, *user, *host;
	enum mail_on	 mail_on;
};

/* Free what n owns, and n. */
static void
notify_free(struct store_notify *n)
{
	int i;

	for (i = 0; i < JOB_NHOOKS; i++)
		free(n->hook[i]);
	free(n->mailer);
	free(n->mail_from);
	free(n->user);
	free(n->host);
	free(n);
}

/* A copy of s into *d; false when out of memory.  NULL stays NULL. */
static bool
notify_dup(char **d, const char *s)
{
	*d = NULL;
	return s == NULL || (*d = strdup(s)) != NULL;
}

void
store_notify_free(struct store *st)
{
	if (st->notify == NULL)
		return;
	notify_free(st->notify);
	st->notify = NULL;
}

int
store_notify_set(struct store *st, const struct outbox_conf *c)
{
	struct store_notify *n;
	int i;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return store_seterr(st, -ENOMEM, "out of memory");
	for (i = 0; i < JOB_NHOOKS; i++)
		if (!notify_dup(&n->hook[i], c->hook[i]))
			goto oom;
	if (!notify_dup(&n->mailer, c->mailer) ||
	    !notify_dup(&n->mail_from, c->mail_from) ||
	    !notify_dup(&n->user, c->user) ||
	    !notify_dup(&n->host, c->host))
		goto oom;
	n->max_attempts = c->max_attempts;
	n->timeout_ms = c->timeout_ms;
	n->mail_on = c->mail_on;
	store_notify_free(st);
	st->notify = n;
	return 0;
oom:
	notify_free(n);
	return store_seterr(st, -ENOMEM, "out of memory");
}

/* Insert notification j about job "of"; the caller holds the transaction. */
static int
notify_insert(struct store *st, const struct outbox_job *j, int64_t of,
    int64_t now, const struct outbox_conf *c)
{
	struct stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_NOTIFY_INSERT, &error)) == NULL)
		return error;
	db_bind_text(s, 1, OUTBOX_QUEUE);
	db_bind_text(s, 2, j->command);
	db_bind_int(s, 3, now);
	bind_opt(s, 4, c->max_attempts);
	bind_opt(s, 5, c->timeout_ms);
	if (j->env_len > 0)
		db_bind_blob(s, 6, j->env, j->env_len);
	else
		db_bind_null(s, 6);
	db_bind_text(s, 7, j->run_as);
	db_bind_int(s, 8, of);
	db_bind_text(s, 9, outbox_event_name(j->event));
	if (j->input != NULL && j->input_len > 0)
		db_bind_blob(s, 10, j->input, j->input_len);
	else
		db_bind_null(s, 10);
	error = store_run(st, s);
	db_clear(s);
	return error;
}

int
store_notify_end(struct store *st, const struct attempt_end *e, int64_t now)
{
	struct outbox_outcome o;
	struct outbox_conf c;
	struct outbox_job jobs[OUTBOX_MAX];
	struct stmt *s;
	size_t i, n = 0;
	int error = 0, rc, k;

	if (e->action != END_DONE && e->action != END_RETRY &&
	    e->action != END_DEAD)
		return 0;
	memset(&c, 0, sizeof(c));
	c.max_attempts = c.timeout_ms = JOB_DEFAULT;
	if (st->notify != NULL) {
		for (k = 0; k < JOB_NHOOKS; k++)
			c.hook[k] = st->notify->hook[k];
		c.max_attempts = st->notify->max_attempts;
		c.timeout_ms = st->notify->timeout_ms;
		c.mailer = st->notify->mailer;
		c.mail_from = st->notify->mail_from;
		c.mail_on = st->notify->mail_on;
		c.user = st->notify->user;
		c.host = st->notify->host;
	}

	/* The job as the outcome left it, still in jobs. */
	if ((s = store_stmt(st, Q_NOTIFY_OUTCOME, &error)) == NULL)
		return error;
	db_bind_int(s, 1, e->job_id);
	if ((rc = db_step(s)) != DB_ROW) {
		db_reset(s);
		return rc == DB_DONE ? 0 : store_err(st, rc);
	}
	memset(&o, 0, sizeof(o));
	o.job_id = e->job_id;
	o.attempt = e->attempt;
	o.queue = (const char *)db_col_text(s, 0);
	o.command = (const char *)db_col_text(s, 1);
	o.run_as = (const char *)db_col_text(s, 2);
	o.schedule = (const char *)db_col_text(s, 3);
	o.notify_of = db_col_int(s, 4);
	for (k = 0; k < JOB_NHOOKS; k++) {
		o.job_hook[k] = (const char *)db_col_text(s, 5 + k);
		o.sched_hook[k] = (const char *)db_col_text(s,
		    5 + JOB_NHOOKS + k);
	}
	o.mail_to = (const char *)db_col_text(s, 5 + 2 * JOB_NHOOKS);
	o.mail_on = col_mail_on(s, 6 + 2 * JOB_NHOOKS);
	o.finished_at = e->finished_at;
	o.failed = e->action != END_DONE;
	o.dead = e->action == END_DEAD;
	o.outcome = e->outcome;
	o.has_exit_code = e->has_exit_code;
	o.exit_code = e->exit_code;
	o.signal = e->signal;
	o.reason = o.dead && e->reason != NULL ? e->reason : e->error;
	o.output = e->output;
	o.output_len = e->output != NULL ? e->output_len : 0;

	if ((error = outbox_plan(&c, &o, jobs, &n)) != 0) {
		db_reset(s);
		return store_seterr(st, error, "out of memory");
	}
	for (i = 0; i < n && error == 0; i++)
		error = notify_insert(st, &jobs[i], e->job_id, now, &c);
	for (i = 0; i < n; i++)
		outbox_job_clear(&jobs[i]);
	db_reset(s);
	if (error == 0 && n > 0)
		crash_point("in_notify");
	return error;
}
