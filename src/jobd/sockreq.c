/*
 * sockreq: the requests of jobd's socket (see sockserv.h): what each one
 * reads, what the connecting user may do with it, and its answer.
 *
 * A user acts on the jobs that run as them (run_as), and every job they
 * submit runs as them; root and jobd's own user act on every job.  A job
 * of someone else is answered -EACCES, "not yours", as jobctl on the
 * database answers a job that is not there.
 *
 * Submissions wait in the batch (sockserv.c's check handle) and are
 * written by batch_flush(): every submission of a turn of the loop in
 * one store_submit(), one transaction.  Should that fail, one of them is
 * to blame (a key in use, a full queue): each is then written on its own,
 * for its own answer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobd/clock.h"
#include "jobd/job.h"
#include "jobd/config.h"
#include "jobd/jobspec.h"
#include "jobd/quota.h"
#include "jobd/schedule.h"
#include "jobd/store.h"
#include "jobd/wire.h"
#include "sockserv_impl.h"

/*
 * Answers.  {"v": 1, "rc": 0, "r": the result} or {"v": 1, "rc": -errno,
 * "r": [words, index]}; answer_begin() writes up to the result.
 */
void
answer_begin(struct wire_buf *b, int rc)
{
	wire_begin(b);
	wire_map(b, 3);
	wire_key(b, "v");
	wire_int(b, WIRE_VERSION);
	wire_key(b, "rc");
	wire_int(b, rc);
	wire_key(b, "r");
}

void
answer_error(struct wire_buf *b, int rc, const char *msg, size_t bad)
{
	char line[1024];
	size_t i;

	/*
	 * One line, whatever of the request it quotes: a control byte (a
	 * newline in a user name sent) becomes '?'.
	 */
	snprintf(line, sizeof(line), "%s", msg[0] != '\0' ? msg : "failed");
	for (i = 0; line[i] != '\0'; i++)
		if ((unsigned char)line[i] < ' ' || line[i] == 0x7f)
			line[i] = '?';
	wire_buf_free(b);
	answer_begin(b, rc < 0 && rc >= -4095 ? rc : -EIO);
	wire_array(b, 2);
	wire_str(b, line);
	wire_int(b, (int64_t)bad);
}

/* What jobd itself fails at, the client is told in general words. */
void
answer_store(struct conn *c, int rc, size_t bad)
{
	answer_error(&c->out, rc, store_errmsg(c->srv->st), bad);
}

/*
 * Requests.  Each op reads its argument from rd and writes its answer to
 * c->out; what it refuses it answers with the reason.
 */
struct op {
	const char	*name;
	void		(*fn)(struct conn *c, struct wire_rd *rd);
	bool		 batched;	/* answered from the batch */
};

/* The user a job runs as: its run_as, or jobd's own. */
static bool
job_is_theirs(const struct conn *c, const struct job *j)
{
	if (c->peer.all)
		return true;
	return j->run_as != NULL && strcmp(j->run_as, c->peer.name) == 0;
}

/*
 * Whether job id is the peer's: 0, else the answer was written (no such
 * job, or not theirs).
 */
static int
own_job_at(struct conn *c, int64_t id, struct job *j, size_t index)
{
	struct job tmp;
	char msg[160];
	int error;

	/* Root's, every job is: the request's own call says if it exists. */
	if (j == NULL && c->peer.all)
		return 0;
	if (j == NULL)
		j = &tmp;
	if ((error = store_job_get(c->srv->st, id, j)) != 0) {
		answer_store(c, error, index);
		return error;
	}
	if (!job_is_theirs(c, j)) {
		snprintf(msg, sizeof(msg), "not yours (it runs as %s)",
		    j->run_as != NULL ? j->run_as : "jobd's own user");
		answer_error(&c->out, -EACCES, msg, index);
		job_clear(j);
		return -EACCES;
	}
	if (j == &tmp)
		job_clear(j);
	return 0;
}

static int
own_job(struct conn *c, int64_t id, struct job *j)
{
	return own_job_at(c, id, j, 0);
}

static int
get_id(struct wire_rd *rd, int64_t *id)
{
	if (wire_get_int(rd, id) == 0 && *id <= 0)
		wire_rd_fail(rd, -EINVAL, "job id %" PRId64 " (ids start at "
		    "1)", *id);
	return rd->error;
}

/* An array of ids, at most WIRE_ITEMS_MAX; *ids malloc'd. */
static int
get_ids(struct wire_rd *rd, int64_t **ids, size_t *n)
{
	size_t i;

	*ids = NULL;
	if (wire_get_array(rd, n) != 0)
		return rd->error;
	if ((*ids = calloc(*n > 0 ? *n : 1, sizeof(**ids))) == NULL)
		return wire_rd_fail(rd, -ENOMEM, "out of memory");
	for (i = 0; i < *n; i++)
		if (get_id(rd, &(*ids)[i]) != 0)
			break;
	return rd->error;
}

static void
op_job(struct conn *c, struct wire_rd *rd)
{
	struct job j;
	int64_t id;

	if (get_id(rd, &id) != 0 || wire_rd_done(rd) != 0)
		return;
	if (own_job(c, id, &j) != 0)
		return;
	answer_begin(&c->out, 0);
	wire_put(&c->out, &wire_job, &j);
	job_clear(&j);
}


/*
 * One element of a listing, of type l->t: -EMSGSIZE (which stops the
 * listing) once the answer would pass WIRE_RESPONSE_MAX, so that a
 * listing of large jobs is refused before it takes more memory than an
 * answer may have.
 */
int
list_put(struct list_ctx *l, const void *p)
{
	wire_put(&l->items, l->t, p);
	l->n++;
	return l->items.len > WIRE_RESPONSE_MAX ? -EMSGSIZE : 0;
}

static int
list_job(const struct job *j, void *arg)
{
	return list_put(arg, j);
}

static int
list_attempt(const struct attempt *a, void *arg)
{
	return list_put(arg, a);
}

static int
list_dep(const struct store_dep *d, void *arg)
{
	return list_put(arg, d);
}

static int
list_id(int64_t id, void *arg)
{
	struct list_ctx *l = arg;

	wire_int(&l->items, id);
	l->n++;
	return l->items.len > WIRE_RESPONSE_MAX ? -EMSGSIZE : 0;
}

/* The answer: an array of what the listing gathered. */
void
list_answer(struct conn *c, struct list_ctx *l, int error)
{
	if (error == -EMSGSIZE || (error == 0 && l->items.error != 0))
		answer_error(&c->out, l->items.error != 0 ? l->items.error :
		    -EMSGSIZE, "the answer is too large for jobd's socket",
		    0);
	else if (error != 0)
		answer_store(c, error, 0);
	else {
		answer_begin(&c->out, 0);
		wire_array(&c->out, l->n);
		/* The elements, without the header room wire_begin() made. */
		if (l->items.error == 0 && c->out.error == 0) {
			size_t n = l->items.len - WIRE_HEADER;

			if (c->out.cap - c->out.len < n) {
				unsigned char *p = realloc(c->out.p,
				    c->out.len + n);

				if (p == NULL)
					c->out.error = -ENOMEM;
				else {
					c->out.p = p;
					c->out.cap = c->out.len + n;
				}
			}
			if (c->out.error == 0) {
				memcpy(c->out.p + c->out.len,
				    l->items.p + WIRE_HEADER, n);
				c->out.len += n;
			}
		}
	}
	wire_buf_free(&l->items);
}

static void
op_list(struct conn *c, struct wire_rd *rd)
{
	struct list_ctx l = { .t = &wire_job };
	struct job_filter f;
	int error;

	memset(&f, 0, sizeof(f));
	f.state = -1;
	f.limit = 100;
	if (wire_get(rd, &wire_job_filter, &f) != 0 || wire_rd_done(rd) != 0)
		goto out;
	if (f.limit <= 0 || f.limit > SOCK_LIST_MAX)
		wire_rd_fail(rd, -EINVAL, "limit %" PRId64 ": at most %d jobs "
		    "through jobd's socket", f.limit, SOCK_LIST_MAX);
	else if (f.state < -1 || f.state >= JOB_NSTATES ||
	    f.states >= 1u << JOB_NSTATES)
		wire_rd_fail(rd, -EINVAL, "filter: no such state");
	if (rd->error != 0)
		goto out;
	if (!c->peer.all)
		f.run_as = c->peer.name;
	wire_begin(&l.items);
	error = store_job_list(c->srv->st, &f, list_job, &l);
	list_answer(c, &l, error);
	f.run_as = NULL;	/* not the wire's to free */
out:
	wire_release(&wire_job_filter, &f);
}

static void
op_attempts(struct conn *c, struct wire_rd *rd)
{
	struct list_ctx l = { .t = &wire_attempt };
	int64_t id;

	if (get_id(rd, &id) != 0 || wire_rd_done(rd) != 0 ||
	    own_job(c, id, NULL) != 0)
		return;
	wire_begin(&l.items);
	list_answer(c, &l, store_attempt_list(c->srv->st, id, list_attempt,
	    &l));
}

static void
op_deps(struct conn *c, struct wire_rd *rd, bool dependents)
{
	struct list_ctx l = { .t = &wire_dep };
	int64_t id;

	if (get_id(rd, &id) != 0 || wire_rd_done(rd) != 0 ||
	    own_job(c, id, NULL) != 0)
		return;
	wire_begin(&l.items);
	list_answer(c, &l, store_job_deps(c->srv->st, id, dependents, list_dep,
	    &l));
}

static void
op_dependencies(struct conn *c, struct wire_rd *rd)
{
	op_deps(c, rd, false);
}

static void
op_dependents(struct conn *c, struct wire_rd *rd)
{
	op_deps(c, rd, true);
}

static void
op_reruns(struct conn *c, struct wire_rd *rd)
{
	struct list_ctx l = { .t = NULL };
	int64_t *ids;
	size_t n;

	if (get_ids(rd, &ids, &n) == 0 && n != 1)
		wire_rd_fail(rd, -EBADMSG, "reruns: one id");
	if (rd->error != 0 || wire_rd_done(rd) != 0 ||
	    own_job(c, ids[0], NULL) != 0) {
		free(ids);
		return;
	}
	wire_begin(&l.items);
	list_answer(c, &l, store_job_reruns(c->srv->st, ids[0], list_id, &l));
	free(ids);
}

/* Every job of ids[] is the peer's: 0, else the answer was written. */
static int
own_jobs(struct conn *c, const int64_t *ids, size_t n)
{
	size_t i;
	int error;

	/* jobctl names the job by its index */
	for (i = 0; i < n; i++)
		if ((error = own_job_at(c, ids[i], NULL, i)) != 0)
			return error;
	return 0;
}

static void
op_cancel(struct conn *c, struct wire_rd *rd)
{
	enum job_state *was = NULL;
	int64_t *ids;
	size_t n, i, bad = 0;
	int error;

	if (get_ids(rd, &ids, &n) != 0 || wire_rd_done(rd) != 0 ||
	    own_jobs(c, ids, n) != 0)
		goto out;
	if ((was = calloc(n > 0 ? n : 1, sizeof(*was))) == NULL) {
		answer_error(&c->out, -ENOMEM, "out of memory", 0);
		goto out;
	}
	if ((error = store_cancel(c->srv->st, ids, n, was, &bad)) != 0) {
		answer_store(c, error, bad);
		goto out;
	}
	answer_begin(&c->out, 0);
	wire_array(&c->out, n);
	for (i = 0; i < n; i++)
		wire_int(&c->out, was[i]);
	c->srv->kick(c->srv->kick_arg);
out:
	free(was);
	free(ids);
}

static void
op_why(struct conn *c, struct wire_rd *rd)
{
	struct job_why w;
	int64_t id, now;
	size_t n;
	int error;

	if (wire_get_array(rd, &n) == 0 && n != 2)
		wire_rd_fail(rd, -EBADMSG, "why: [id, now]");
	if (rd->error != 0 || get_id(rd, &id) != 0 ||
	    wire_get_int(rd, &now) != 0 || wire_rd_done(rd) != 0 ||
	    own_job(c, id, NULL) != 0)
		return;
	if ((error = store_job_why(c->srv->st, id, now, &w)) != 0) {
		answer_store(c, error, 0);
		return;
	}
	answer_begin(&c->out, 0);
	wire_put(&c->out, &wire_why, &w);
	job_why_clear(&w);
}

static void
op_rerun(struct conn *c, struct wire_rd *rd)
{
	int64_t id, run_at, new_id = 0;
	size_t n;
	int error;

	if (wire_get_array(rd, &n) == 0 && n != 2)
		wire_rd_fail(rd, -EBADMSG, "rerun: [id, run_at]");
	if (rd->error != 0 || get_id(rd, &id) != 0 ||
	    wire_get_int(rd, &run_at) != 0 || wire_rd_done(rd) != 0 ||
	    own_job(c, id, NULL) != 0)
		return;
	if ((error = store_job_rerun(c->srv->st, id, run_at, &new_id)) != 0) {
		answer_store(c, error, 0);
		return;
	}
	answer_begin(&c->out, 0);
	wire_int(&c->out, new_id);
	c->srv->kick(c->srv->kick_arg);
}

static void
op_dead_retry(struct conn *c, struct wire_rd *rd)
{
	int64_t *ids, moved = 0;
	size_t n, bad = 0;
	int error;

	if (get_ids(rd, &ids, &n) != 0 || wire_rd_done(rd) != 0)
		goto out;
	/* Every dead job is a user's choice only of their own. */
	if (n == 0 && !c->peer.all) {
		answer_error(&c->out, -EPERM, "dead retry --all moves every "
		    "user's jobs: name your own jobs' ids", 0);
		goto out;
	}
	if (own_jobs(c, ids, n) != 0)
		goto out;
	if ((error = store_dead_retry(c->srv->st, ids, n,
	    clock_wall_ms(c->srv->clock), &bad, &moved)) != 0) {
		answer_store(c, error, bad);
		goto out;
	}
	answer_begin(&c->out, 0);
	wire_int(&c->out, moved);
	c->srv->kick(c->srv->kick_arg);
out:
	free(ids);
}

/*
 * A submission: checked now, written with the batch.  A job that names
 * a user runs as that user, so only root may name another; one made by a
 * schedule or cron slot only jobd makes; one that waits for another job
 * must wait for the user's own.
 */
static int
spec_allowed(struct conn *c, struct job_spec *s, size_t i, char *msg,
    size_t msglen)
{
	char why[JOBSPEC_WHY_MAX];
	size_t d;
	int error;

	if (s->run_as == NULL && !c->peer.all) {
		if ((s->run_as = strdup(c->peer.name)) == NULL)
			return -ENOMEM;
	} else if (s->run_as != NULL && !c->peer.all &&
	    strcmp(s->run_as, c->peer.name) != 0) {
		snprintf(msg, msglen, "a job submitted through jobd's socket "
		    "runs as its submitter (%s), not as %s", c->peer.name,
		    s->run_as);
		return -EPERM;
	}
	if (!c->peer.all && (s->schedule_id != 0 || s->slot_at != 0)) {
		snprintf(msg, msglen, "job %zu: only jobd makes the jobs of "
		    "schedules", i + 1);
		return -EPERM;
	}
	if ((error = jobspec_check(s, why, sizeof(why))) != 0) {
		snprintf(msg, msglen, "job %zu: %s", i + 1, why);
		return error;
	}
	if (s->after_id != 0 && own_job(c, s->after_id, NULL) != 0)
		return 1;
	for (d = 0; d < s->ndeps; d++) {
		if (s->deps[d].id == 0 && s->deps[d].ref >= i) {
			snprintf(msg, msglen, "job %zu: waits for job %zu of "
			    "the batch, not before it", i + 1,
			    s->deps[d].ref + 1);
			return -EINVAL;
		}
		if (s->deps[d].id != 0 && own_job(c, s->deps[d].id, NULL) != 0)
			return 1;
	}
	return 0;
}

void
specs_free(struct conn *c)
{
	size_t i;

	for (i = 0; c->specs != NULL && i < c->nspecs; i++)
		wire_release(&wire_job_spec, &c->specs[i]);
	free(c->specs);
	free(c->ids);
	free(c->existed);
	c->specs = NULL;
	c->ids = NULL;
	c->existed = NULL;
	c->nspecs = 0;
}

static void
op_submit(struct conn *c, struct wire_rd *rd)
{
	struct sockserv *srv = c->srv;
	char msg[512];
	size_t i, n;
	int error;

	if (wire_get_array(rd, &n) != 0)
		return;
	if (n == 0) {
		wire_rd_fail(rd, -EINVAL, "no jobs to submit");
		return;
	}
	c->specs = calloc(n, sizeof(*c->specs));
	c->ids = calloc(n, sizeof(*c->ids));
	c->existed = calloc(n, sizeof(*c->existed));
	if (c->specs == NULL || c->ids == NULL || c->existed == NULL) {
		wire_rd_fail(rd, -ENOMEM, "out of memory");
		specs_free(c);
		return;
	}
	c->nspecs = n;
	for (i = 0; i < n; i++) {
		struct job_spec *s = &c->specs[i];

		s->priority = 0;
		s->max_attempts = s->timeout_ms = JOB_DEFAULT;
		s->backoff_ms = s->backoff_max_ms = JOB_DEFAULT;
		s->key_ttl_ms = JOB_DEFAULT;
		s->proc.umask = s->proc.kill_mode = JOB_DEFAULT;
		s->proc.limit[0] = s->proc.limit[1] = JOB_DEFAULT;
		s->proc.limit[2] = s->proc.limit[3] = JOB_DEFAULT;
		if (wire_get(rd, &wire_job_spec, s) != 0)
			break;
	}
	if (wire_rd_done(rd) != 0) {
		specs_free(c);
		return;
	}
	for (i = 0; i < n; i++) {
		msg[0] = '\0';
		if ((error = spec_allowed(c, &c->specs[i], i, msg,
		    sizeof(msg))) != 0) {
			if (error < 0)
				answer_error(&c->out, error, msg[0] != '\0' ?
				    msg : "out of memory", i);
			specs_free(c);
			return;
		}
	}
	/* Written by sockserv_batch(), with what else arrives this turn. */
	c->state = CONN_BUSY;
	c->bnext = NULL;
	*srv->batch_tail = c;
	srv->batch_tail = &c->bnext;
}

static const struct op ops[] = {
	{ "attempts",		op_attempts,		false },
	{ "cancel",		op_cancel,		false },
	{ "crontab",		op_crontab,		false },
	{ "crontab-install",	op_crontab_install,	false },
	{ "crontab-remove",	op_crontab_remove,	false },
	{ "dead-retry",		op_dead_retry,		false },
	{ "dependencies",	op_dependencies,	false },
	{ "dependents",		op_dependents,		false },
	{ "job",		op_job,			false },
	{ "list",		op_list,		false },
	{ "rerun",		op_rerun,		false },
	{ "reruns",		op_reruns,		false },
	{ "schedule",		op_schedule,		false },
	{ "schedule-add",	op_schedule_add,	false },
	{ "schedule-enable",	op_schedule_enable,	false },
	{ "schedule-last",	op_schedule_last,	false },
	{ "schedule-remove",	op_schedule_remove,	false },
	{ "schedule-run",	op_schedule_run,	false },
	{ "schedule-set",	op_schedule_set,	false },
	{ "schedule-slots",	op_schedule_slots,	false },
	{ "schedules",		op_schedules,		false },
	{ "submit",		op_submit,		true },
	{ "why",		op_why,			false },
};

/*
 * The head of a request: {"v": 1, "op": NAME, "a": ...}, rd left at the
 * argument.  NULL with rd failed when it is not one.
 */
static const struct op *
request_head(struct wire_rd *rd)
{
	char key[WIRE_KEY_MAX], name[WIRE_KEY_MAX];
	int64_t v;
	size_t n, i;

	if (wire_get_map(rd, &n) == 0 && n != 3)
		wire_rd_fail(rd, -EBADMSG, "a request of %zu keys (3: v, op, "
		    "a)", n);
	if (wire_get_key(rd, key, sizeof(key)) == 0 && strcmp(key, "v") != 0)
		wire_rd_fail(rd, -EBADMSG, "a request begins with \"v\"");
	if (wire_get_int(rd, &v) == 0 && v != WIRE_VERSION)
		wire_rd_fail(rd, -EPROTONOSUPPORT, "version %" PRId64 " of "
		    "jobd's protocol; this jobd speaks %d", v, WIRE_VERSION);
	if (wire_get_key(rd, key, sizeof(key)) == 0 && strcmp(key, "op") != 0)
		wire_rd_fail(rd, -EBADMSG, "\"op\" comes second");
	if (wire_get_key(rd, name, sizeof(name)) == 0 &&
	    wire_get_key(rd, key, sizeof(key)) == 0 && strcmp(key, "a") != 0)
		wire_rd_fail(rd, -EBADMSG, "\"a\" comes third");
	if (rd->error != 0)
		return NULL;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].name, name) == 0)
			return &ops[i];
	wire_rd_fail(rd, -EOPNOTSUPP, "no request \"%s\" in version %d of "
	    "jobd's protocol", name, WIRE_VERSION);
	return NULL;
}

/*
 * Run the request in p: its answer is then in c->out, or it waits in the
 * batch (c->state CONN_BUSY).
 */
void
request_run(struct conn *c, const void *p, size_t len)
{
	const struct op *op;
	struct wire_rd rd;

	wire_rd_init(&rd, p, len);
	memset(&c->out, 0, sizeof(c->out));
	if ((op = request_head(&rd)) != NULL)
		op->fn(c, &rd);
	if (rd.error != 0)
		answer_error(&c->out, rd.error, rd.err, 0);
}

/*
 * The batch: every submission of this turn in one transaction, then each
 * answered.  On an error the transaction wrote nothing, and each is
 * written on its own for its own answer.
 */
static void
batch_answer(struct conn *c, int error)
{
	size_t i;

	if (error != 0)
		answer_store(c, error, 0);
	else {
		answer_begin(&c->out, 0);
		wire_array(&c->out, c->nspecs);
		for (i = 0; i < c->nspecs; i++) {
			wire_array(&c->out, 2);
			wire_int(&c->out, c->ids[i]);
			wire_bool(&c->out, c->existed[i]);
		}
	}
	specs_free(c);
	conn_send(c);
}

/*
 * The quotas of [quota] for the submissions of the batch (head): each
 * user's usage, with what that user's earlier submissions of the batch
 * add.  Those over a quota are answered and left out; returns the rest.
 * The usage is read before the batch's transaction: a user who also
 * writes through another jobd at that moment may pass a quota by those.
 */
static struct conn *
batch_quota(struct sockserv *srv, struct conn *head)
{
	const struct quota_conf *q = &srv->cfg->quota;
	struct user_usage u;
	struct conn *c, *e, *next, *keep = NULL, **tail = &keep;
	char msg[512];
	int64_t added;
	int error;

	for (c = head; c != NULL; c = next) {
		next = c->bnext;
		c->bnext = NULL;
		error = 0;
		if (!c->peer.all && quota_is_set(q)) {
			added = 0;
			for (e = keep; e != NULL; e = e->bnext)
				if (strcmp(e->peer.name, c->peer.name) == 0)
					added += (int64_t)e->nspecs;
			if ((error = store_user_usage(srv->st, c->peer.name,
			    &u)) != 0)
				answer_store(c, error, 0);
			else {
				u.pending += added;
				if ((error = quota_check(q, c->peer.name, &u,
				    (int64_t)c->nspecs, 0, msg,
				    sizeof(msg))) != 0)
					answer_error(&c->out, error, msg, 0);
			}
		}
		if (error != 0) {
			specs_free(c);
			conn_send(c);
			continue;
		}
		*tail = c;
		tail = &c->bnext;
	}
	return keep;
}

void
batch_flush(struct sockserv *srv)
{
	struct job_spec *all = NULL;
	struct conn *c, *next, *head = srv->batch;
	int64_t *ids = NULL;
	bool *existed = NULL;
	size_t n = 0, k, i, nb = 0;
	int error = -ENOMEM;

	if (head == NULL)
		return;
	srv->batch = NULL;
	srv->batch_tail = &srv->batch;
	if ((head = batch_quota(srv, head)) == NULL)
		return;
	for (c = head; c != NULL; c = c->bnext) {
		n += c->nspecs;
		nb++;
	}
	/*
	 * One transaction for them all, unless one waits for another of its
	 * own batch: the references then count from its own first job.
	 */
	for (c = head; c != NULL && nb > 1; c = c->bnext)
		for (i = 0; i < c->nspecs; i++)
			if (c->specs[i].ndeps > 0)
				nb = 1;
	if (nb > 1) {
		all = calloc(n, sizeof(*all));
		ids = calloc(n, sizeof(*ids));
		existed = calloc(n, sizeof(*existed));
	}
	if (all != NULL && ids != NULL && existed != NULL) {
		for (k = 0, c = head; c != NULL; c = c->bnext)
			for (i = 0; i < c->nspecs; i++)
				all[k++] = c->specs[i];
		error = srv->submit(srv->kick_arg, all, n, ids, existed);
	}
	if (head->bnext == NULL) {
		/* One: the scheduler may claim it in the same transaction. */
		batch_answer(head, srv->submit(srv->kick_arg, head->specs,
		    head->nspecs, head->ids, head->existed));
		head = NULL;
	}
	for (k = 0, c = head; c != NULL; c = next) {
		next = c->bnext;
		if (error == 0) {
			memcpy(c->ids, ids + k, c->nspecs * sizeof(*ids));
			memcpy(c->existed, existed + k,
			    c->nspecs * sizeof(*existed));
			k += c->nspecs;
			batch_answer(c, 0);
		} else
			batch_answer(c, store_submit(srv->st, c->specs,
			    c->nspecs, c->ids, c->existed));
	}
	free(all);
	free(ids);
	free(existed);
	srv->kick(srv->kick_arg);
}

static void
fuzz_kick(void *arg)
{
	(void)arg;
}

static int
fuzz_submit(void *arg, const struct job_spec *specs, size_t n, int64_t *ids,
    bool *existed)
{
	return store_submit(arg, specs, n, ids, existed);
}

int
sockserv_fuzz(struct store *st, const struct jd_clock *clock, bool all,
    const void *p, size_t len, unsigned char **answer, size_t *answer_len)
{
	static struct jd_config cfg;	/* only [quota]: large, but set */
	struct sockserv srv;
	struct conn c;

	memset(&srv, 0, sizeof(srv));
	memset(&c, 0, sizeof(c));
	cfg.quota.pending = 1000000;
	srv.cfg = &cfg;
	srv.st = st;
	srv.clock = clock;
	srv.kick = fuzz_kick;
	srv.submit = fuzz_submit;
	srv.kick_arg = st;
	srv.self = geteuid();
	srv.batch_tail = &srv.batch;
	c.srv = &srv;
	c.peer.uid = all ? 0 : 65534;
	c.peer.all = all;
	snprintf(c.peer.name, sizeof(c.peer.name), "%s", all ? "root" :
	    "nobody");
	request_run(&c, p, len);
	if (c.state == CONN_BUSY)
		batch_flush(&srv);
	else
		conn_send(&c);
	specs_free(&c);
	*answer = c.out.p;
	*answer_len = c.out.len;
	return c.out.error;
}
