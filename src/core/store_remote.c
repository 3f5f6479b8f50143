/*
 * store_remote: a store reached through jobd's socket (store_connect()).
 *
 * The calls jobctl makes for a user who cannot write the database go to
 * jobd as requests (wire.h); jobd runs them on its own store for the user
 * the kernel names, and answers with the result, or the error and its
 * words, so that jobctl prints and exits as it would on the database.
 * Each call of store.h that can go this way begins with
 *
 *	if (st->remote != NULL)
 *		return remote_xxx(st, ...);
 *
 * Any other call reaches remote_ops below, whose first statement fails
 * with -EPERM: "needs the database itself".
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobd/schedule.h"
#include "jobd/wire.h"
#include "store_impl.h"

#define REMOTE_TIMEOUT_S	120	/* for jobd's answer */

struct remote {
	int		 fd;
	int64_t		 version;	/* store_data_version() */
};

static int
remote_refuse(struct store *st)
{
	return store_seterr(st, -EPERM, "this command needs the database "
	    "itself, not jobd's socket (run it as the database's owner)");
}

static int
r_prepare(struct store *st, const char *sql, bool keep, struct stmt **sp)
{
	(void)sql;
	(void)keep;
	*sp = NULL;
	return remote_refuse(st);
}

static int
r_begin(struct store *st, enum store_txn t)
{
	(void)t;
	return remote_refuse(st);
}

static void
r_rollback(struct store *st)
{
	(void)st;
}

static bool
r_in_txn(struct store *st)
{
	(void)st;
	return false;
}

static void
r_close(struct store *st)
{
	struct remote *rm = st->remote;

	if (rm != NULL && rm->fd >= 0)
		(void)close(rm->fd);
	free(rm);
	st->remote = NULL;
}

static const struct store_ops remote_ops = {
	.name = "jobd's socket",
	.prepare = r_prepare,
	.begin = r_begin,
	.commit = remote_refuse,
	.rollback = r_rollback,
	.in_txn = r_in_txn,
	.close = r_close,
};

int
store_connect(struct store **stp, const char *path,
    const struct jd_clock *clock, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct timeval tv = { REMOTE_TIMEOUT_S, 0 };
	struct store *st;
	struct remote *rm;
	int fd, error;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket %s: the path is too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		error = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return error;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		error = -errno;
		snprintf(err, errlen, "jobd's socket %s: %s", path,
		    error == -ECONNREFUSED ? "no jobd listens on it" :
		    strerror(-error));
		(void)close(fd);
		return error;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	st = calloc(1, sizeof(*st));
	rm = calloc(1, sizeof(*rm));
	if (st == NULL || rm == NULL || (st->path = strdup(path)) == NULL) {
		free(st);
		free(rm);
		(void)close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rm->fd = fd;
	st->remote = rm;
	st->ops = &remote_ops;
	st->clock = clock;
	*stp = st;
	return 0;
}

bool
store_is_remote(const struct store *st)
{
	return st->remote != NULL;
}

static int
io_fail(struct store *st, int error, const char *what)
{
	char msg[256];

	if (error == -EAGAIN || error == -EWOULDBLOCK)
		snprintf(msg, sizeof(msg), "jobd's socket %s: no answer "
		    "within %d s", st->path, REMOTE_TIMEOUT_S);
	else if (error == 0 || error == -EPIPE || error == -ECONNRESET)
		snprintf(msg, sizeof(msg), "jobd's socket %s: jobd closed "
		    "the connection (%s)", st->path, what);
	else
		snprintf(msg, sizeof(msg), "jobd's socket %s: %s: %s",
		    st->path, what, strerror(-error));
	return store_seterr(st, error == -EAGAIN || error == -EWOULDBLOCK ?
	    -ETIMEDOUT : -ECONNRESET, msg);
}

static int
read_full(int fd, void *p, size_t n)
{
	unsigned char *q = p;
	ssize_t r;

	while (n > 0) {
		if ((r = read(fd, q, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EPIPE;
		q += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * Send the request op with its argument (already in b, after the map's
 * first entries: see remote_begin()), read the answer, and leave rd at its
 * result.  Returns the answer's rc; on an error answer, its words are the
 * store's errmsg and *bad (if not NULL) the index it names.
 */
static int
remote_call(struct store *st, struct wire_buf *b, struct wire_rd *rd,
    unsigned char **resp, size_t *bad)
{
	struct remote *rm = st->remote;
	unsigned char head[WIRE_HEADER];
	char key[WIRE_KEY_MAX], *msg;
	const unsigned char *p;
	size_t n, len, i;
	ssize_t w;
	int64_t v, rc = 0, badv = 0;
	int error;

	*resp = NULL;
	if ((error = wire_end(b, WIRE_REQUEST_MAX)) != 0) {
		wire_buf_free(b);
		return store_seterr(st, error, error == -EMSGSIZE ?
		    "the request is larger than jobd's socket takes (1 MiB)" :
		    "out of memory");
	}
	for (p = b->p, n = b->len; n > 0; p += w, n -= (size_t)w)
		if ((w = send(rm->fd, p, n, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR) {
				w = 0;
				continue;
			}
			/*
			 * A refused connection is answered and closed at
			 * once: its answer is still there to read.
			 */
			if (errno == EPIPE || errno == ECONNRESET)
				break;
			error = -errno;
			wire_buf_free(b);
			return io_fail(st, error, "sending");
		}
	wire_buf_free(b);
	if ((error = read_full(rm->fd, head, sizeof(head))) != 0)
		return io_fail(st, error == -EPIPE ? 0 : error, "reading");
	if (wire_length(head, WIRE_RESPONSE_MAX, &len) != 0)
		return store_seterr(st, -EBADMSG, "jobd's answer is too large");
	if ((*resp = malloc(len > 0 ? len : 1)) == NULL)
		return store_seterr(st, -ENOMEM, "out of memory");
	if ((error = read_full(rm->fd, *resp, len)) != 0)
		return io_fail(st, error == -EPIPE ? 0 : error, "reading");
	wire_rd_init(rd, *resp, len);
	/* {"v": 1, "rc": N, "r": the result, or [words, index]} */
	if (wire_get_map(rd, &n) == 0 && n != 3)
		wire_rd_fail(rd, -EBADMSG, "an answer of %zu keys", n);
	for (i = 0; i < 3 && rd->error == 0; i++) {
		if (wire_get_key(rd, key, sizeof(key)) != 0)
			break;
		if (strcmp(key, i == 0 ? "v" : i == 1 ? "rc" : "r") != 0) {
			wire_rd_fail(rd, -EBADMSG, "key \"%s\" out of place",
			    key);
			break;
		}
		if (i == 0 && wire_get_int(rd, &v) == 0 && v != WIRE_VERSION)
			wire_rd_fail(rd, -EPROTONOSUPPORT, "jobd answers in "
			    "version %lld of its protocol, this jobctl speaks "
			    "%d", (long long)v, WIRE_VERSION);
		if (i == 1 && wire_get_int(rd, &rc) == 0 &&
		    (rc > 0 || rc < -4095))
			wire_rd_fail(rd, -EBADMSG, "rc %lld", (long long)rc);
	}
	if (rd->error != 0)
		return store_seterr(st, rd->error, rd->err);
	if (rc == 0)
		return 0;
	if (wire_get_array(rd, &n) == 0 && n != 2)
		wire_rd_fail(rd, -EBADMSG, "an error of %zu elements", n);
	if (wire_get_str(rd, &msg) == 0 && wire_get_int(rd, &badv) == 0 &&
	    wire_rd_done(rd) == 0) {
		store_seterr(st, (int)rc, msg != NULL ? msg : "");
		if (bad != NULL && badv >= 0)
			*bad = (size_t)badv;
	}
	free(msg);
	if (rd->error != 0)
		return store_seterr(st, rd->error, rd->err);
	return (int)rc;
}

/* A request: {"v": 1, "op": op, "a": the argument, written next}. */
static void
remote_begin(struct wire_buf *b, const char *op)
{
	wire_begin(b);
	wire_map(b, 3);
	wire_key(b, "v");
	wire_int(b, WIRE_VERSION);
	wire_key(b, "op");
	wire_key(b, op);	/* text, as a key */
	wire_key(b, "a");
}

/* After reading the result: the whole answer was read, or why not. */
static int
remote_done(struct store *st, struct wire_rd *rd, unsigned char *resp)
{
	int error = wire_rd_done(rd);

	if (error != 0)
		store_seterr(st, error, rd->err);
	free(resp);
	return error;
}

int
remote_submit(struct store *st, const struct job_spec *specs, size_t n,
    int64_t *ids, bool *existed)
{
	struct wire_buf b;
	struct wire_rd rd;
	unsigned char *resp;
	size_t i, m;
	int error;

	remote_begin(&b, "submit");
	wire_array(&b, n);
	for (i = 0; i < n; i++)
		wire_put(&b, &wire_job_spec, &specs[i]);
	if ((error = remote_call(st, &b, &rd, &resp, NULL)) != 0) {
		free(resp);
		return error;
	}
	/* [[id, existed], ...] */
	if (wire_get_array(&rd, &m) == 0 && m != n)
		wire_rd_fail(&rd, -EBADMSG, "%zu ids for %zu jobs", m, n);
	for (i = 0; i < n && rd.error == 0; i++) {
		bool ex = false;

		if (wire_get_array(&rd, &m) == 0 && m != 2)
			wire_rd_fail(&rd, -EBADMSG, "an id of %zu elements", m);
		(void)wire_get_int(&rd, &ids[i]);
		(void)wire_get_bool(&rd, &ex);
		if (existed != NULL)
			existed[i] = ex;
	}
	return remote_done(st, &rd, resp);
}

/* A call whose answer is one struct of type t into out (wire_release()). */
static int
remote_get_one(struct store *st, struct wire_buf *b,
    const struct wire_type *t, void *out)
{
	struct wire_rd rd;
	unsigned char *resp;
	int error;

	if ((error = remote_call(st, b, &rd, &resp, NULL)) != 0) {
		free(resp);
		return error;
	}
	if (wire_get(&rd, t, out) != 0 || wire_rd_done(&rd) != 0) {
		error = store_seterr(st, rd.error, rd.err);
		wire_release(t, out);
	}
	free(resp);
	return error;
}

int
remote_job_get(struct store *st, int64_t id, struct job *out)
{
	struct wire_buf b;

	memset(out, 0, sizeof(*out));
	remote_begin(&b, "job");
	wire_int(&b, id);
	return remote_get_one(st, &b, &wire_job, out);
}

/* Read an array of structs of type t, calling fn for each. */
static int
remote_each(struct store *st, struct wire_rd *rd, unsigned char *resp,
    const struct wire_type *t, size_t size, int (*fn)(const void *, void *),
    void *arg)
{
	void *p;
	size_t i, n;
	int stop = 0;

	if ((p = calloc(1, size)) == NULL) {
		free(resp);
		return store_seterr(st, -ENOMEM, "out of memory");
	}
	if (wire_get_array(rd, &n) == 0)
		for (i = 0; i < n && stop == 0; i++) {
			if (wire_get(rd, t, p) != 0)
				break;
			stop = fn(p, arg);
			wire_release(t, p);
			memset(p, 0, size);
		}
	wire_release(t, p);
	free(p);
	if (stop != 0) {
		free(resp);
		return stop;
	}
	return remote_done(st, rd, resp);
}

struct job_each {
	store_job_fn	 fn;
	void		*arg;
};

static int
job_each(const void *p, void *arg)
{
	struct job_each *e = arg;

	return e->fn(p, e->arg);
}

int
remote_job_list(struct store *st, const struct job_filter *f,
    store_job_fn fn, void *arg)
{
	struct job_each e = { fn, arg };
	struct wire_buf b;
	struct wire_rd rd;
	unsigned char *resp;
	int error;

	remote_begin(&b, "list");
	wire_put(&b, &wire_job_filter, f);
	if ((error = remote_call(st, &b, &rd, &resp, NULL)) != 0) {
		free(resp);
		return error;
	}
	return remote_each(st, &rd, resp, &wire_job, sizeof(struct job),
	    job_each, &e);
}

struct attempt_each {
	store_attempt_fn	 fn;
	void			*arg;
};

static int
attempt_each(const void *p, void *arg)
{
	struct attempt_each *e = arg;

	return e->fn(p, e->arg);
}

int
remote_attempt_list(struct store *st, int64_t id, store_attempt_fn fn,
    void *arg)
{
	struct attempt_each e = { fn, arg };
	struct wire_buf b;
	struct wire_rd rd;
	unsigned char *resp;
	int error;

	remote_begin(&b, "attempts");
	wire_int(&b, id);
	if ((error = remote_call(st, &b, &rd, &resp, NULL)) != 0) {
		free(resp);
		return error;
	}
	return remote_each(st, &rd, resp, &wire_attempt,
	    sizeof(struct attempt), attempt_each, &e);
}

struct dep_each {
	store_dep_fn	 fn;
	void		*arg;
};

static int
dep_each(const void *p, void *arg)
{
	struct dep_each *e = arg;

	return e->fn(p, e->arg);
}

int
remote_job_deps(struct store *st, int64_t id, bool dependents,
    store_dep_fn fn, void *arg)
{
	struct dep_each e = { fn, arg };
	struct wire_buf b;
	struct wire_rd rd;
	unsigned char *resp;
	int error;

	remote_begin(&b, dependents ? "dependents" : "dependencies");
	wire_int(&b, id);
	if ((error = remote_call(st, &b, &rd, &resp, NULL)) != 0) {
		free(resp);
		return error;
	}
	return remote_each(st, &rd, resp, &wire_dep, sizeof(struct store_dep),
	    dep_each, &e);
}

/* Send op with the n ids; the answer's result is left in rd. */
static int
remote_ids_call(struct store *st, const char *op, const int64_t *ids,
    size_t n, struct wire_rd *rd, unsigned char **resp, size_t *bad)
{
	struct wire_buf b;
	size_t i;

	remote_begin(&b, op);
	wire_array(&b, n);
	for (i = 0; i < n; i++)
		wire_int(&b, ids[i]);
	return remote_call(st, &b, rd, resp, bad);
}

int
remote_job_reruns(struct store *st, int64_t id, store_id_fn fn, void *arg)
{
	struct wire_rd rd;
	unsigned char *resp;
	int64_t v;
	size_t i, n;
	int error, stop = 0;

	if ((error = remote_ids_call(st, "reruns", &id, 1, &rd, &resp,
	    NULL)) != 0) {
		free(resp);
		return error;
	}
	if (wire_get_array(&rd, &n) == 0)
		for (i = 0; i < n && stop == 0; i++)
			if (wire_get_int(&rd, &v) == 0)
				stop = fn(v, arg);
	if (stop != 0) {
		free(resp);
		return stop;
	}
	return remote_done(st, &rd, resp);
}

int
remote_cancel(struct store *st, const int64_t *ids, size_t n,
    enum job_state *was, size_t *bad)
{
	struct wire_rd rd;
	unsigned char *resp;
	int64_t v;
	size_t i, m;
	int error;

	if ((error = remote_ids_call(st, "cancel", ids, n, &rd, &resp,
	    bad)) != 0) {
		free(resp);
		return error;
	}
	if (wire_get_array(&rd, &m) == 0 && m != n)
		wire_rd_fail(&rd, -EBADMSG, "%zu states for %zu jobs", m, n);
	for (i = 0; i < n && rd.error == 0; i++)
		if (wire_get_int(&rd, &v) == 0) {
			if (v < 0 || v >= JOB_NSTATES)
				wire_rd_fail(&rd, -EBADMSG, "state %lld",
				    (long long)v);
			else if (was != NULL)
				was[i] = (enum job_state)v;
		}
	return remote_done(st, &rd, resp);
}

int
remote_job_why(struct store *st, int64_t id, int64_t now, struct job_why *w)
{
	struct wire_buf b;

	memset(w, 0, sizeof(*w));
	remote_begin(&b, "why");
	wire_array(&b, 2);
	wire_int(&b, id);
	wire_int(&b, now);
	return remote_get_one(st, &b, &wire_why, w);
}

int
remote_job_rerun(struct store *st, int64_t id, int64_t run_at,
    int64_t *new_id)
{
	struct wire_buf b;
	struct wire_rd rd;
	unsigned char *resp;
	int error;

	remote_begin(&b, "rerun");
	wire_array(&b, 2);
	wire_int(&b, id);
	wire_int(&b, run_at);
	if ((error = remote_call(st, &b, &rd, &resp, NULL)) != 0) {
		free(resp);
		return error;
	}
	(void)wire_get_int(&rd, new_id);
	return remote_done(st, &rd, resp);
}

int
remote_dead_retry(struct store *st, const int64_t *ids, size_t n,
    size_t *bad, int64_t *moved)
{
	struct wire_rd rd;
	unsigned char *resp;
	int error;

	if ((error = remote_ids_call(st, "dead-retry", ids, n, &rd, &resp,
	    bad)) != 0) {
		free(resp);
		return error;
	}
	(void)wire_get_int(&rd, moved);
	return remote_done(st, &rd, resp);
}

/*
 * jobctl wait reads the job again whenever this moves: through the
 * socket there is no cheap sign of a change, so it moves at every call.
 */
int
remote_data_version(struct store *st, int64_t *v)
{
	*v = ++st->remote->version;
	return 0;
}

struct sched_each {
	store_schedule_fn	 fn;
	void			*arg;
};

static int
sched_each(const void *p, void *arg)
{
	struct sched_each *e = arg;

	return e->fn(p, e->arg);
}

int
remote_schedule_list(struct store *st, store_schedule_fn fn, void *arg)
{
	struct sched_each e = { fn, arg };
	struct wire_buf b;
	struct wire_rd rd;
	unsigned char *resp;
	int error;

	remote_begin(&b, "schedules");
	wire_null(&b);
	if ((error = remote_call(st, &b, &rd, &resp, NULL)) != 0) {
		free(resp);
		return error;
	}
	return remote_each(st, &rd, resp, &wire_schedule,
	    sizeof(struct schedule), sched_each, &e);
}

int
remote_crontab_get(struct store *st, const char *user, char **text,
    size_t *len)
{
	struct wire_buf b;
	struct wire_rd rd;
	unsigned char *resp;
	void *p = NULL;
	int error;

	*text = NULL;
	*len = 0;
	remote_begin(&b, "crontab");
	wire_str(&b, user);
	if ((error = remote_call(st, &b, &rd, &resp, NULL)) != 0) {
		free(resp);
		return error;
	}
	if (wire_get_bytes(&rd, &p, len) == 0 && p == NULL)
		wire_rd_fail(&rd, -EBADMSG, "a crontab of null");
	if ((error = remote_done(st, &rd, resp)) != 0) {
		free(p);
		*len = 0;
		return error;
	}
	*text = p;
	return 0;
}

int
remote_crontab_put(struct store *st, const char *user, const char *text,
    size_t len, const struct schedule *items, size_t n, size_t *bad,
    int64_t *created, int64_t *updated, int64_t *deleted)
{
	struct wire_buf b;
	struct wire_rd rd;
	unsigned char *resp;
	size_t i, m;
	int error;

	remote_begin(&b, "crontab-install");
	wire_array(&b, 3);
	wire_str(&b, user);
	wire_bytes(&b, text, len);
	wire_array(&b, n);
	for (i = 0; i < n; i++)
		wire_put(&b, &wire_schedule, &items[i]);
	if ((error = remote_call(st, &b, &rd, &resp, bad)) != 0) {
		free(resp);
		return error;
	}
	/* [created, updated, deleted] */
	if (wire_get_array(&rd, &m) == 0 && m != 3)
		wire_rd_fail(&rd, -EBADMSG, "%zu counts (3)", m);
	(void)wire_get_int(&rd, created);
	(void)wire_get_int(&rd, updated);
	(void)wire_get_int(&rd, deleted);
	return remote_done(st, &rd, resp);
}

int
remote_crontab_remove(struct store *st, const char *user, int64_t *deleted)
{
	struct wire_buf b;
	struct wire_rd rd;
	unsigned char *resp;
	int64_t v = 0;
	int error;

	remote_begin(&b, "crontab-remove");
	wire_str(&b, user);
	if ((error = remote_call(st, &b, &rd, &resp, NULL)) != 0) {
		free(resp);
		return error;
	}
	(void)wire_get_int(&rd, &v);
	if (deleted != NULL)
		*deleted = v;
	return remote_done(st, &rd, resp);
}

/* A call whose answer is one integer (or null) into *v (may be NULL). */
static int
remote_get_int(struct store *st, struct wire_buf *b, int64_t *v)
{
	struct wire_rd rd;
	unsigned char *resp;
	int64_t x = 0;
	int error;

	if ((error = remote_call(st, b, &rd, &resp, NULL)) != 0) {
		free(resp);
		return error;
	}
	if (!wire_get_null(&rd))
		(void)wire_get_int(&rd, &x);
	if (v != NULL)
		*v = x;
	return remote_done(st, &rd, resp);
}

int
remote_schedule_get(struct store *st, const char *name, struct schedule *out)
{
	struct wire_buf b;

	memset(out, 0, sizeof(*out));
	remote_begin(&b, "schedule");
	wire_str(&b, name);
	return remote_get_one(st, &b, &wire_schedule, out);
}

int
remote_schedule_last(struct store *st, int64_t id, struct sched_last *out)
{
	struct wire_buf b;

	memset(out, 0, sizeof(*out));
	remote_begin(&b, "schedule-last");
	wire_int(&b, id);
	return remote_get_one(st, &b, &wire_sched_last, out);
}

struct slot_each {
	store_slot_fn	 fn;
	void		*arg;
};

static int
slot_each(const void *p, void *arg)
{
	struct slot_each *e = arg;

	return e->fn(p, e->arg);
}

int
remote_schedule_slots(struct store *st, int64_t id, int64_t limit,
    store_slot_fn fn, void *arg)
{
	struct slot_each e = { fn, arg };
	struct wire_buf b;
	struct wire_rd rd;
	unsigned char *resp;
	int error;

	remote_begin(&b, "schedule-slots");
	wire_array(&b, 2);
	wire_int(&b, id);
	wire_int(&b, limit);
	if ((error = remote_call(st, &b, &rd, &resp, NULL)) != 0) {
		free(resp);
		return error;
	}
	return remote_each(st, &rd, resp, &wire_slot,
	    sizeof(struct slot_info), slot_each, &e);
}

int
remote_schedule_put(struct store *st, const struct schedule *s,
    bool replace, int64_t *id)
{
	struct wire_buf b;

	remote_begin(&b, "schedule-add");
	wire_array(&b, 2);
	wire_put(&b, &wire_schedule, s);
	wire_bool(&b, replace);
	return remote_get_int(st, &b, id);
}

int
remote_schedule_set(struct store *st, const struct schedule *s,
    bool new_next)
{
	struct wire_buf b;

	remote_begin(&b, "schedule-set");
	wire_array(&b, 2);
	wire_put(&b, &wire_schedule, s);
	wire_bool(&b, new_next);
	return remote_get_int(st, &b, NULL);
}

int
remote_schedule_delete(struct store *st, const char *name)
{
	struct wire_buf b;

	remote_begin(&b, "schedule-remove");
	wire_str(&b, name);
	return remote_get_int(st, &b, NULL);
}

int
remote_schedule_enable(struct store *st, const char *name, bool enabled,
    int64_t next_run_at)
{
	struct wire_buf b;

	remote_begin(&b, "schedule-enable");
	wire_array(&b, 3);
	wire_str(&b, name);
	wire_bool(&b, enabled);
	wire_int(&b, next_run_at);
	return remote_get_int(st, &b, NULL);
}

/* Only "run now" (jobctl schedule run) goes through the socket. */
int
remote_schedule_fire(struct store *st, const struct schedule *s,
    struct slot *slots, size_t n, int64_t next_run_at)
{
	struct wire_buf b;

	if (n != 1 || slots[0].slot_at != 0 || next_run_at != 0)
		return remote_refuse(st);
	remote_begin(&b, "schedule-run");
	wire_str(&b, s->name);
	return remote_get_int(st, &b, &slots[0].job_id);
}
