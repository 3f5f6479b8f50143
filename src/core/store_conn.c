/*
 * store_conn: the store as a connection, whatever the engine -- opening a
 * database by its name, statements by name, errors and transactions.  The
 * engine's own work is behind st->ops (store_impl.h); SQLite's is in
 * store_sqlite.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/clock.h"
#include "jobd/dburl.h"
#include "jobd/schema.h"
#include "store_impl.h"

int
store_schema_version(void)
{
	return schema_nmigrations;
}

const char *
store_errmsg(const struct store *st)
{
	return st->errmsg;
}

int
store_exit_code(int error)
{
	switch (error) {
	case 0:
		return 0;
	case -ENOENT:
	case -EISDIR:
	case -ENOTDIR:
		return 66;		/* EX_NOINPUT */
	case -EACCES:
	case -EPERM:
	case -EROFS:
	case -ELOOP:
		return 77;		/* EX_NOPERM */
	case -EBUSY:
	case -EAGAIN:
	case -EDEADLK:
	case -ENOTCONN:
	case -ECONNREFUSED:
	case -ETIMEDOUT:
	case -EHOSTUNREACH:
	case -EDQUOT:		/* quota.h: once the user's jobs end */
		return 75;		/* EX_TEMPFAIL */
	case -EBADMSG:
	case -EINVAL:
		return 65;		/* EX_DATAERR */
	case -EPROTONOSUPPORT:
		return 69;		/* EX_UNAVAILABLE */
	case -ENOSPC:
	case -EIO:
		return 74;		/* EX_IOERR */
	case -ENOMEM:
		return 71;		/* EX_OSERR */
	default:
		return 1;
	}
}

int
store_err(struct store *st, int rc)
{
	(void)st;
	return rc < 0 ? rc : 0;
}

int
store_norow(struct store *st, int rc)
{
	if (rc < 0)
		return rc;
	if (rc == DB_ROW)
		return 0;
	return store_seterr(st, -EIO, "internal error: a statement that "
	    "gives one row gave none");
}

int
store_seterr(struct store *st, int error, const char *msg)
{
	snprintf(st->errmsg, sizeof(st->errmsg), "%s", msg);
	return error;
}

/* The prepared statement q, preparing it on first use; NULL on error. */
struct stmt *
store_stmt(struct store *st, enum store_stmt q, int *error)
{
	int rc;

	const char *sql = st->dialect != NULL && st->dialect[q] != NULL ?
	    st->dialect[q] : store_sql[q];

	if (st->q[q] == NULL &&
	    (rc = st->ops->prepare(st, sql, true, &st->q[q])) != 0) {
		*error = rc;
		return NULL;
	}
	return st->q[q];
}

struct stmt *
store_prepare(struct store *st, const char *sql, int *error)
{
	struct stmt *s;
	int rc;

	if ((rc = st->ops->prepare(st, sql, false, &s)) != 0) {
		*error = rc;
		return NULL;
	}
	return s;
}

/* Step a statement that returns no rows (or one, unread), then reset it. */
int
store_run(struct store *st, struct stmt *s)
{
	int rc;

	rc = db_step(s);
	db_reset(s);
	return store_err(st, rc);
}

int
store_begin_txn(struct store *st, enum store_txn kind)
{
	return st->ops->begin(st, kind);
}

int
store_begin(struct store *st)
{
	return st->ops->begin(st, TXN_WRITE);
}

int
store_commit(struct store *st)
{
	return st->ops->commit(st);
}

/* Roll back after an error (or end a read), keeping the error's message. */
void
store_rollback(struct store *st)
{
	st->ops->rollback(st);
}

int
store_wake_fd(struct store *st, int *fd, uint64_t *gen)
{
	*fd = -1;
	*gen = 0;
	return st->ops->wake_fd != NULL ? st->ops->wake_fd(st, fd, gen) : 0;
}

int
store_wake_read(struct store *st, bool *woke)
{
	*woke = false;
	return st->ops->wake_read != NULL ? st->ops->wake_read(st, woke) : 0;
}

int
store_sync_clock(struct store *st, struct jd_offset_clock *c, int64_t *off)
{
	int64_t before, server, after;
	int error;

	*off = 0;
	if (st->ops->server_ms == NULL)
		return store_seterr(st, -EOPNOTSUPP, "the database has no "
		    "server clock");
	if (!clock_is_test_absolute(c->base)) {
		before = clock_wall_ms(c->base);
		if ((error = st->ops->server_ms(st, &server)) != 0)
			return error;
		after = clock_wall_ms(c->base);
		*off = server - before - (after - before) / 2;
	}
	clock_offset_set(c, *off);
	return 0;
}

int
store_identity(struct store *st, uint64_t id[2])
{
	return st->ops->identity(st, id);
}

const char *
store_name(const struct store *st)
{
	return st->path != NULL ? st->path : "";
}

int
store_open(struct store **stp, const char *path, int flags,
    const struct jd_clock *clock, char *err, size_t errlen)
{
	struct store *st;
	int error;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	st->clock = clock;
	if (dburl_is_postgres(path))
		error = store_pg_open(st, path, flags, err, errlen);
	else
		error = store_sqlite_open(st, path, flags, err, errlen);
	if (error != 0) {
		store_close(st);
		return error;
	}
	*stp = st;
	return 0;
}

void
store_close(struct store *st)
{
	int i;

	if (st == NULL)
		return;
	for (i = 0; i < Q_MAX; i++)
		db_finalize(st->q[i]);
	if (st->ops != NULL)
		st->ops->close(st);
	store_notify_free(st);
	store_metrics_drop(st);
	free(st->tally);
	free(st->path);
	free(st);
}
