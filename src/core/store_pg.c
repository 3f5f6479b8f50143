/*
 * store_pg: the PostgreSQL backend -- a libpq connection named by a
 * postgresql:// URI, its schema migrations (schema/postgresql/), and the
 * statement calls of store_impl.h, so that the store's logic runs on it
 * unchanged.
 *
 * Statements: the SQL of store_sql[] is SQLite's; store_pg_translate()
 * makes it PostgreSQL's where the two differ only in spelling (?N
 * placeholders become $N, SQLite's INDEXED BY hints go), and
 * store_pg_sql[] has the statements that differ in more than spelling.  Each is run with
 * PQexecParams when first stepped, its integers bound as int8, its
 * doubles as float8, its blobs as bytea (binary), its text untyped; the
 * whole result is read at once, so a statement may run while another's
 * rows are being read, as SQLite allows.
 *
 * Transactions: a write transaction takes one advisory lock of the
 * database (store_pgsql.c's Q_BEGIN) before anything else, so writers run
 * one at a time, as on SQLite: a cron slot's ledger, a submission's
 * limits, a cancel, the reaper are decided as they are there, by one
 * writer that sees every commit before it.  The exception is the
 * daemons' claims (TXN_CLAIM: the finished attempts and the claim that
 * follows, store_finish_claim()), the transactions that several daemons
 * make all the time: they take that lock shared (Q_BEGIN_CLAIM), so they
 * run beside each other and never beside another writer, and lock what
 * they share instead -- each job they take FOR UPDATE SKIP LOCKED, each
 * queue whose limits they count (store_claim.c), the counters they move
 * just before the commit in one order (store_metrics_flush()).  A
 * deadlock between two claims (rows of dependents, say) is -EDEADLK,
 * and the store runs the claim again.  A read transaction is REPEATABLE
 * READ: one snapshot.  Times are the callers' (UTC ms), as on SQLite; a
 * daemon's clock runs on the server's time (sched_sync_clock()).
 *
 * Errors: SQLSTATE classes become negative errnos in pg_err() alone; a
 * lost connection is -ENOTCONN.  Messages name the database by its
 * redacted name (dburl_redact()): no password is ever printed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jobd/dburl.h"
#include "jobd/pq.h"
#include "jobd/schema.h"
#include "store_impl.h"

/*
 * The advisory lock of migrations ("jobd" and one more); the writers' is
 * store_pgsql.c's Q_BEGIN.
 */
#define PG_LOCK_MIGRATE		INT64_C(0x6a6f626400)

/*
 * The longest a write waits for the writers' lock before -EBUSY ("the
 * database stayed locked"), as SQLite's busy waits.
 */
#define PG_LOCK_WAIT_MS		8000

/* Parameter and column types (pg_type.h's OIDs). */
#define PG_BOOL		16
#define PG_BYTEA	17
#define PG_INT8		20
#define PG_INT2		21
#define PG_INT4		23
#define PG_TEXT		25
#define PG_OID		26
#define PG_FLOAT4	700
#define PG_FLOAT8	701
#define PG_NUMERIC	1700

/* The channel of wake-ups (store_wake_fd()). */
#define PG_CHANNEL	"jobd_wake"

/* The connection, st->conn. */
struct pg {
	PGconn		*conn;
	int64_t		 changes;	/* of the last statement run */
	enum pg_txn {
		PG_IDLE,		/* no transaction */
		PG_READING,		/* a TXN_READ */
		PG_WRITING,		/* a TXN_WRITE or TXN_LIGHT */
	}		 txn;		/* what pg_begin() began */
	bool		 poke;		/* STORE_POKE: wake daemons */
	bool		 listening;	/* LISTEN PG_CHANNEL */
	bool		 woken;		/* a wake-up read with a result */
	uint64_t	 gen;		/* connections made */
	uint64_t	 nplans;	/* server statements named so far */
};

/*
 * A statement prepared on the server for one signature (its parameters'
 * types: a NULL binds no type, so one statement may need a few), on the
 * connection of number gen.
 */
#define PG_PLANS	4
struct pg_plan {
	Oid		*types;		/* nparams of them; NULL: slot free */
	char		 name[32];
	uint64_t	 gen;
};

struct pg_stmt {
	struct stmt	 base;
	struct store	*st;
	bool		 keep;		/* kept: prepared on the server */
	struct pg_plan	 plans[PG_PLANS];
	char		*sql;		/* translated */
	int		 nparams;	/* the highest $N */
	unsigned char	*used;		/* used[N - 1]: $N is in sql */
	/*
	 * The bindings, as PQexecParams and PQexecPrepared take them:
	 * values[N - 1] (NULL: SQL NULL), its length and format (blobs:
	 * binary) and type (0: let the server infer; text for a number the
	 * text skips, which needs one all the same); an integer's or a
	 * double's text in nums, a copied string in own.
	 */
	const char	**values;
	int		*lens, *fmts;
	Oid		*types;
	char		(*nums)[32];
	char		**own;
	PGresult	*res;		/* the result being read, or NULL */
	int		 row;		/* the row stepped to, -1 before */
	void		**blobs;	/* decoded bytea of the row, by column */
	bool		 oom;		/* a binding could not be copied */
	size_t		*bloblens;
};

static const struct store_ops pg_ops;
static void	pg_clear(struct stmt *);
static void	pg_free(struct pg_stmt *);

static struct pg *
pgc(const struct store *st)
{
	return st->conn;
}

static struct pg_stmt *
ps(struct stmt *s)
{
	return (struct pg_stmt *)s;
}

/* The first line of a libpq message, without "ERROR:  " and the like. */
static void
pg_words(char *out, size_t outlen, const char *msg)
{
	static const char *const pre[] = { "ERROR:  ", "FATAL:  " };
	size_t i, n;

	if (msg == NULL || *msg == '\0')
		msg = "unknown error";
	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		if (strncmp(msg, pre[i], strlen(pre[i])) == 0)
			msg += strlen(pre[i]);
	n = strcspn(msg, "\n");
	snprintf(out, outlen, "%.*s", (int)n, msg);
}

/* Is the connection gone (the server restarted, the network dropped)? */
static bool
pg_lost(struct store *st)
{
	return pgc(st)->conn == NULL || pq.status(pgc(st)->conn) != CONNECTION_OK;
}

/*
 * The connection is gone: one message, the same each time, so that a
 * daemon logs an outage once, not each failed call (the first connection's
 * failure, in store_open(), gives libpq's words).
 */
static int
pg_gone(struct store *st)
{
	snprintf(st->errmsg, sizeof(st->errmsg), "%s: no connection to the "
	    "database server (it stopped, or the network did); reconnecting",
	    st->path);
	return -ENOTCONN;
}

/*
 * Translate the failed result res (or, when NULL, the connection's
 * state) into a negative errno, with its words in st->errmsg.  The one
 * place that knows SQLSTATEs.
 */
static int
pg_err(struct store *st, const PGresult *res)
{
	const char *state = res != NULL ?
	    pq.resultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	char words[400];

	pg_words(words, sizeof(words), res != NULL ?
	    pq.resultErrorMessage(res) : pq.errorMessage(pgc(st)->conn));
	if (pg_lost(st))
		return pg_gone(st);
	snprintf(st->errmsg, sizeof(st->errmsg), "%s", words);
	if (state == NULL)
		return -EIO;
	if (strncmp(state, "23", 2) == 0 ||	/* integrity constraint */
	    strncmp(state, "22", 2) == 0)	/* data exception */
		return -EINVAL;
	if (strcmp(state, "55P03") == 0) {	/* lock not available */
		snprintf(st->errmsg, sizeof(st->errmsg), "database is locked "
		    "by another transaction (waited %d s)",
		    PG_LOCK_WAIT_MS / 1000);
		return -EBUSY;
	}
	if (strcmp(state, "40001") == 0 ||	/* serialization failure */
	    strcmp(state, "40P01") == 0) {	/* deadlock */
		snprintf(st->errmsg, sizeof(st->errmsg), "transaction "
		    "undone, in a deadlock with another daemon's: %s", words);
		return -EDEADLK;
	}
	if (strcmp(state, "57014") == 0)	/* statement timeout */
		return -EBUSY;
	if (strcmp(state, "25006") == 0)	/* read-only transaction */
		return -EROFS;
	if (strcmp(state, "42501") == 0 ||	/* insufficient privilege */
	    strncmp(state, "28", 2) == 0)	/* authorization */
		return -EACCES;
	if (strcmp(state, "53100") == 0)	/* disk full */
		return -ENOSPC;
	if (strcmp(state, "53200") == 0)	/* out of memory */
		return -ENOMEM;
	if (strncmp(state, "08", 2) == 0 ||	/* connection exception */
	    strncmp(state, "57P", 3) == 0)	/* the server shut down */
		return pg_gone(st);
	return -EIO;
}

/* Note the wake-ups that came in with a result (store_wake_read()). */
static void
pg_notifies(struct pg *c)
{
	PGnotify *n;

	while ((n = pq.notifies(c->conn)) != NULL) {
		if (n->be_pid != pq.backendPID(c->conn))
			c->woken = true;
		pq.freemem(n);
	}
}

/*
 * The server's notices (a warning that it shuts down, say) are not
 * written to stderr by libpq: what matters comes as an error.
 */
static void
pg_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* The session, on each connection: its LISTEN (the settings come with it). */
static int
pg_session(struct store *st)
{
	PGresult *res;
	int error = 0;

	if (!pgc(st)->listening)
		return 0;
	res = pq.exec(pgc(st)->conn, "LISTEN " PG_CHANNEL);
	if (pq.resultStatus(res) != PGRES_COMMAND_OK)
		error = pg_err(st, res);
	pq.clear(res);
	return error;
}

/*
 * The connection was lost (the server restarted, the network dropped):
 * connect again, once, within libpq's connect_timeout.  Called before a
 * transaction or a statement outside one, never inside a transaction:
 * what it did is gone with the connection, and its caller has failed.
 */
static int
pg_reconnect(struct store *st)
{
	struct pg *c = pgc(st);

	if (!pg_lost(st))
		return 0;
	pq.reset(c->conn);
	c->gen++;
	c->txn = PG_IDLE;
	if (pq.status(c->conn) != CONNECTION_OK)
		return pg_gone(st);
	return pg_session(st);
}

/* Run sql, which returns no rows, outside the statement calls. */
static int
pg_exec(struct store *st, const char *sql)
{
	PGresult *res;
	int error = 0;

	res = pq.exec(pgc(st)->conn, sql);
	if (pq.resultStatus(res) != PGRES_COMMAND_OK &&
	    pq.resultStatus(res) != PGRES_TUPLES_OK)
		error = pg_err(st, res);
	pq.clear(res);
	pg_notifies(pgc(st));
	return error;
}

/* The one integer that sql returns (0 for NULL), into *v. */
static int
pg_int(struct store *st, const char *sql, int64_t *v)
{
	PGresult *res;
	int error = 0;

	res = pq.exec(pgc(st)->conn, sql);
	if (pq.resultStatus(res) != PGRES_TUPLES_OK)
		error = pg_err(st, res);
	else if (pq.ntuples(res) != 1)
		error = store_seterr(st, -EIO, "internal error: no row");
	else
		*v = strtoll(pq.getvalue(res, 0, 0), NULL, 10);
	pq.clear(res);
	return error;
}

/* SQLite's SQL as PostgreSQL's (store_impl.h). */
char *
store_pg_translate(const char *sql, int *nparams, unsigned char *used,
    size_t nused)
{
	size_t len = strlen(sql);
	char *out, *o;
	const char *p = sql;
	int hi = 0;

	/* "?" becomes "$" and digits are copied: never longer but for ?. */
	if ((out = malloc(len * 2 + 1)) == NULL)
		return NULL;
	o = out;
	while (*p != '\0') {
		if (*p == '\'' || *p == '"') {
			char q = *p;

			*o++ = *p++;
			while (*p != '\0') {
				if (*p == q && p[1] == q) {
					*o++ = *p++;
					*o++ = *p++;
				} else if (*p == q) {
					*o++ = *p++;
					break;
				} else {
					*o++ = *p++;
				}
			}
			continue;
		}
		if (*p == '$' && p[1] >= '1' && p[1] <= '9') {
			int n = 0;

			*o++ = *p++;		/* PostgreSQL's own: counted */
			while (*p >= '0' && *p <= '9') {
				n = n * 10 + (*p - '0');
				*o++ = *p++;
			}
			if (n > hi)
				hi = n;
			if (used != NULL && (size_t)n <= nused)
				used[n - 1] = 1;
			continue;
		}
		if (*p == '?') {
			int n = 0;

			p++;
			if (*p >= '0' && *p <= '9') {
				while (*p >= '0' && *p <= '9')
					n = n * 10 + (*p++ - '0');
			} else {
				n = hi + 1;
			}
			if (n > hi)
				hi = n;
			if (used != NULL && n >= 1 && (size_t)n <= nused)
				used[n - 1] = 1;
			o += sprintf(o, "$%d", n);
			continue;
		}
		if ((p == sql || !(p[-1] == '_' || (p[-1] >= 'a' &&
		    p[-1] <= 'z') || (p[-1] >= 'A' && p[-1] <= 'Z'))) &&
		    (strncasecmp(p, "INDEXED BY ", 11) == 0 ||
		    strncasecmp(p, "NOT INDEXED", 11) == 0)) {
			bool by = strncasecmp(p, "INDEXED BY ", 11) == 0;

			p += 11;
			if (by) {
				while (*p == ' ')
					p++;
				while (*p == '_' || (*p >= 'a' && *p <= 'z') ||
				    (*p >= 'A' && *p <= 'Z') ||
				    (*p >= '0' && *p <= '9'))
					p++;
			}
			continue;
		}
		*o++ = *p++;
	}
	*o = '\0';
	*nparams = hi;
	return out;
}

/*
 * The statement calls.
 */

static int
pg_prepare(struct store *st, const char *sql, bool keep, struct stmt **out)
{
	struct pg_stmt *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return store_seterr(st, -ENOMEM, "out of memory");
	s->base.ops = &pg_ops;
	s->st = st;
	s->keep = keep;
	s->row = -1;
	/* Count first, then note which numbers the text uses. */
	if ((s->sql = store_pg_translate(sql, &s->nparams, NULL, 0)) == NULL)
		goto oom;
	if (s->nparams > 0) {
		size_t n = (size_t)s->nparams;

		free(s->sql);
		s->sql = NULL;
		if ((s->used = calloc(n, 1)) == NULL ||
		    (s->values = calloc(n, sizeof(*s->values))) == NULL ||
		    (s->lens = calloc(n, sizeof(*s->lens))) == NULL ||
		    (s->fmts = calloc(n, sizeof(*s->fmts))) == NULL ||
		    (s->types = calloc(n, sizeof(*s->types))) == NULL ||
		    (s->nums = calloc(n, sizeof(*s->nums))) == NULL ||
		    (s->own = calloc(n, sizeof(*s->own))) == NULL ||
		    (s->sql = store_pg_translate(sql, &s->nparams, s->used,
		    n)) == NULL)
			goto oom;
		pg_clear(&s->base);
	}
	*out = &s->base;
	return 0;
oom:
	pg_free(s);
	return store_seterr(st, -ENOMEM, "out of memory");
}

/* Forget the decoded blobs of the current row. */
static void
pg_blobs_free(struct pg_stmt *s)
{
	int i, n;

	if (s->blobs == NULL)
		return;
	n = s->res != NULL ? pq.nfields(s->res) : 0;
	for (i = 0; i < n; i++)
		pq.freemem(s->blobs[i]);
	free(s->blobs);
	free(s->bloblens);
	s->blobs = NULL;
	s->bloblens = NULL;
}

static void
pg_reset(struct stmt *st)
{
	struct pg_stmt *s = ps(st);

	pg_blobs_free(s);
	pq.clear(s->res);
	s->res = NULL;
	s->row = -1;
}

/* Parameter i (0-based) back to unbound: SQL NULL. */
static void
pg_unbind(struct pg_stmt *s, int i)
{
	free(s->own[i]);
	s->own[i] = NULL;
	s->values[i] = NULL;
	s->lens[i] = 0;
	s->fmts[i] = 0;
	s->types[i] = s->used[i] ? 0 : PG_TEXT;
}

static void
pg_clear(struct stmt *st)
{
	struct pg_stmt *s = ps(st);
	int i;

	for (i = 0; i < s->nparams; i++)
		pg_unbind(s, i);
}

static void
pg_free(struct pg_stmt *s)
{
	int i;

	for (i = 0; i < s->nparams && s->own != NULL; i++)
		free(s->own[i]);
	for (i = 0; i < PG_PLANS; i++)
		free(s->plans[i].types);	/* the server's go with it */
	free(s->used);
	free(s->values);
	free(s->lens);
	free(s->fmts);
	free(s->types);
	free(s->nums);
	free(s->own);
	free(s->sql);
	free(s);
}

static void
pg_finalize(struct stmt *st)
{
	pg_reset(st);
	pg_free(ps(st));
}

/*
 * The server statement of s for the parameter types types[], preparing
 * it when this connection has none yet; NULL when it cannot be kept
 * (every slot taken by other signatures: the statement is then sent
 * unnamed, planned each time) or preparing failed (*error set).
 */
static struct pg_plan *
pg_plan(struct pg_stmt *s, const Oid *types, int *error)
{
	struct pg *c = pgc(s->st);
	struct pg_plan *pl = NULL;
	size_t tsize = (size_t)s->nparams * sizeof(*types);
	PGresult *res;
	int i;

	*error = 0;
	for (i = 0; i < PG_PLANS && pl == NULL; i++)
		if (s->plans[i].types != NULL && (tsize == 0 ||
		    memcmp(s->plans[i].types, types, tsize) == 0))
			pl = &s->plans[i];
	for (i = 0; i < PG_PLANS && pl == NULL; i++)
		if (s->plans[i].types == NULL) {
			if ((s->plans[i].types = malloc(tsize + 1)) == NULL)
				return NULL;
			if (tsize > 0)		/* types is NULL then */
				memcpy(s->plans[i].types, types, tsize);
			pl = &s->plans[i];
			pl->gen = c->gen - 1;		/* not prepared yet */
		}
	if (pl == NULL || pl->gen == c->gen)
		return pl;
	snprintf(pl->name, sizeof(pl->name), "jobd%" PRIu64, c->nplans++);
	res = pq.prepare(c->conn, pl->name, s->sql, s->nparams, types);
	if (pq.resultStatus(res) != PGRES_COMMAND_OK) {
		*error = pg_err(s->st, res);
		pq.clear(res);
		return NULL;
	}
	pq.clear(res);
	pl->gen = c->gen;
	return pl;
}

static int
pg_step(struct stmt *st)
{
	struct pg_stmt *s = ps(st);
	struct pg_plan *pl = NULL;
	ExecStatusType rs;
	int error;

	if (s->res != NULL) {
		pg_blobs_free(s);
		if (++s->row < pq.ntuples(s->res))
			return DB_ROW;
		s->row = pq.ntuples(s->res);
		return DB_DONE;
	}
	if (s->oom) {
		s->oom = false;
		return store_seterr(s->st, -ENOMEM, "out of memory");
	}
	/*
	 * Outside a transaction, a lost connection is made again first.  Not
	 * pq.transactionStatus() == PQTRANS_IDLE: a lost connection's status is
	 * PQTRANS_UNKNOWN, and its first statement would fail each time.
	 * Inside one, the statement fails: the rest of the transaction must
	 * not run on its own.
	 */
	if (pgc(s->st)->txn == PG_IDLE && (error = pg_reconnect(s->st)) != 0)
		return error;
	/*
	 * A kept statement is planned once on the server (per signature and
	 * connection): parsing and planning cost more than most of ours
	 * take to run.
	 */
	if (s->keep && (pl = pg_plan(s, s->types, &error)) == NULL &&
	    error != 0)
		return error;
	if (pl != NULL)
		s->res = pq.execPrepared(pgc(s->st)->conn, pl->name,
		    s->nparams, s->values, s->lens, s->fmts, 0);
	else
		s->res = pq.execParams(pgc(s->st)->conn, s->sql, s->nparams,
		    s->types, s->values, s->lens, s->fmts, 0);
	pg_notifies(pgc(s->st));
	rs = pq.resultStatus(s->res);
	if (rs != PGRES_TUPLES_OK && rs != PGRES_COMMAND_OK) {
		error = pg_err(s->st, s->res);
		pq.clear(s->res);
		s->res = NULL;
		return error;
	}
	pgc(s->st)->changes = strtoll(pq.cmdTuples(s->res), NULL, 10);
	s->row = 0;
	return pq.ntuples(s->res) > 0 ? DB_ROW : DB_DONE;
}

/* Parameter i (1-based) of st, unbound, as its 0-based index; -1: none. */
static int
pg_param(struct stmt *st, int i)
{
	struct pg_stmt *s = ps(st);

	if (i < 1 || i > s->nparams)
		return -1;		/* as SQLite: SQLITE_RANGE, ignored */
	pg_unbind(s, i - 1);
	return i - 1;
}

static void
pg_bind_int(struct stmt *st, int i, int64_t v)
{
	struct pg_stmt *s = ps(st);

	if ((i = pg_param(st, i)) < 0)
		return;
	snprintf(s->nums[i], sizeof(s->nums[i]), "%" PRId64, v);
	s->values[i] = s->nums[i];
	s->types[i] = PG_INT8;
}

static void
pg_bind_double(struct stmt *st, int i, double v)
{
	struct pg_stmt *s = ps(st);

	if ((i = pg_param(st, i)) < 0)
		return;
	snprintf(s->nums[i], sizeof(s->nums[i]), "%.17g", v);
	s->values[i] = s->nums[i];
	s->types[i] = PG_FLOAT8;
}

static void
pg_bind_text(struct stmt *st, int i, const char *v, bool copy)
{
	struct pg_stmt *s = ps(st);

	if ((i = pg_param(st, i)) < 0 || v == NULL)
		return;
	if (copy && (v = s->own[i] = strdup(v)) == NULL) {
		s->oom = true;		/* the step fails */
		return;
	}
	s->values[i] = v;
}

static void
pg_bind_blob(struct stmt *st, int i, const void *v, size_t n)
{
	struct pg_stmt *s = ps(st);

	if ((i = pg_param(st, i)) < 0 || v == NULL)
		return;
	s->values[i] = v;
	s->lens[i] = (int)n;
	s->fmts[i] = 1;
	s->types[i] = PG_BYTEA;
}

static void
pg_bind_null(struct stmt *st, int i)
{
	(void)pg_param(st, i);
}

/* Is there a value at column i of the current row? */
static bool
pg_at(struct pg_stmt *s, int i)
{
	return s->res != NULL && s->row >= 0 && s->row < pq.ntuples(s->res) &&
	    i >= 0 && i < pq.nfields(s->res);
}

static bool
pg_col_null(struct stmt *st, int i)
{
	struct pg_stmt *s = ps(st);

	return !pg_at(s, i) || pq.getisnull(s->res, s->row, i);
}

static int64_t
pg_col_int(struct stmt *st, int i)
{
	struct pg_stmt *s = ps(st);
	const char *v;

	if (pg_col_null(st, i))
		return 0;
	v = pq.getvalue(s->res, s->row, i);
	if (*v == 't')			/* a boolean */
		return 1;
	if (*v == 'f')
		return 0;
	if (strpbrk(v, ".eE") != NULL)	/* a double, as SQLite casts */
		return (int64_t)strtod(v, NULL);
	return strtoll(v, NULL, 10);
}

static double
pg_col_double(struct stmt *st, int i)
{
	struct pg_stmt *s = ps(st);

	if (pg_col_null(st, i))
		return 0;
	return strtod(pq.getvalue(s->res, s->row, i), NULL);
}

static const char *
pg_col_text(struct stmt *st, int i)
{
	struct pg_stmt *s = ps(st);

	if (pg_col_null(st, i))
		return NULL;
	return pq.getvalue(s->res, s->row, i);
}

static const void *
pg_col_blob(struct stmt *st, int i, size_t *len)
{
	struct pg_stmt *s = ps(st);
	int n;

	*len = 0;
	if (pg_col_null(st, i))
		return NULL;
	if (pq.ftype(s->res, i) != PG_BYTEA) {	/* text read as bytes */
		*len = (size_t)pq.getlength(s->res, s->row, i);
		return *len > 0 ? pq.getvalue(s->res, s->row, i) : NULL;
	}
	if (s->blobs == NULL) {
		n = pq.nfields(s->res);
		s->blobs = calloc((size_t)n, sizeof(*s->blobs));
		s->bloblens = calloc((size_t)n, sizeof(*s->bloblens));
		if (s->blobs == NULL || s->bloblens == NULL) {
			free(s->blobs);
			free(s->bloblens);
			s->blobs = NULL;
			s->bloblens = NULL;
			return NULL;
		}
	}
	if (s->blobs[i] == NULL)
		s->blobs[i] = pq.unescapeBytea((const unsigned char *)
		    pq.getvalue(s->res, s->row, i), &s->bloblens[i]);
	*len = s->blobs[i] != NULL ? s->bloblens[i] : 0;
	return *len > 0 ? s->blobs[i] : NULL;
}

static int
pg_col_count(struct stmt *st)
{
	struct pg_stmt *s = ps(st);

	return s->res != NULL ? pq.nfields(s->res) : 0;
}

static const char *
pg_col_name(struct stmt *st, int i)
{
	struct pg_stmt *s = ps(st);

	return s->res != NULL ? pq.fname(s->res, i) : NULL;
}

/* A column's type, from its type's OID: every value of it has that one. */
static enum db_type
pg_col_type(struct stmt *st, int i)
{
	struct pg_stmt *s = ps(st);

	if (s->res == NULL || i < 0 || i >= pq.nfields(s->res))
		return DB_NULL;
	switch (pq.ftype(s->res, i)) {
	case PG_BOOL:
	case PG_INT2:
	case PG_INT4:
	case PG_INT8:
	case PG_OID:
		return DB_INT;
	case PG_FLOAT4:
	case PG_FLOAT8:
	case PG_NUMERIC:
		return DB_FLOAT;
	case PG_BYTEA:
		return DB_BLOB;
	default:
		return DB_TEXT;
	}
}

static int64_t
pg_changes(struct store *st)
{
	return pgc(st)->changes;
}

/* Its statement ends in "RETURNING id" (store_pgsql.c). */
static int64_t
pg_inserted_id(struct stmt *st)
{
	return pg_col_int(st, 0);
}

/*
 * Transactions.
 */

static int
pg_begin(struct store *st, enum store_txn kind)
{
	char sql[256];
	int error;

	if ((error = pg_reconnect(st)) != 0)
		return error;
	switch (kind) {
	case TXN_READ:
		error = pg_exec(st, "BEGIN ISOLATION LEVEL REPEATABLE READ "
		    "READ ONLY");
		pgc(st)->txn = error == 0 ? PG_READING : PG_IDLE;
		return error;
	case TXN_LIGHT:
	case TXN_WRITE:
	case TXN_CLAIM:
	default:
		snprintf(sql, sizeof(sql), "BEGIN ISOLATION LEVEL READ "
		    "COMMITTED; SET LOCAL lock_timeout = %d; %s%s",
		    PG_LOCK_WAIT_MS, kind == TXN_LIGHT ?
		    "SET LOCAL synchronous_commit = off; " : "",
		    store_pg_sql[kind == TXN_CLAIM ? Q_BEGIN_CLAIM : Q_BEGIN]);
		if ((error = pg_exec(st, sql)) != 0 &&
		    pq.transactionStatus(pgc(st)->conn) != PQTRANS_IDLE)
			(void)pg_exec(st, "ROLLBACK");
		pgc(st)->txn = error == 0 ? PG_WRITING : PG_IDLE;
		return error;
	}
}

/*
 * COMMIT.  jobctl's writes (STORE_POKE) wake the daemons: the NOTIFY is
 * part of the transaction, delivered when it commits and only then.
 */
static int
pg_commit(struct store *st)
{
	struct pg *c = pgc(st);
	bool poke = c->poke && c->txn == PG_WRITING;

	c->txn = PG_IDLE;
	return pg_exec(st, poke ? "NOTIFY " PG_CHANNEL "; COMMIT" : "COMMIT");
}

static void
pg_rollback(struct store *st)
{
	char saved[sizeof(st->errmsg)];

	pgc(st)->txn = PG_IDLE;
	if (pgc(st)->conn == NULL ||
	    pq.transactionStatus(pgc(st)->conn) == PQTRANS_IDLE)
		return;
	memcpy(saved, st->errmsg, sizeof(saved));
	(void)pg_exec(st, "ROLLBACK");
	memcpy(st->errmsg, saved, sizeof(saved));
}

static bool
pg_in_txn(struct store *st)
{
	return pgc(st)->txn != PG_IDLE;
}

/*
 * Upkeep: the server's own (autovacuum, its WAL); nothing to do here.
 */

static int
pg_wal_trim(struct store *st)
{
	(void)st;
	return 0;
}

static int
pg_vacuum_step(struct store *st, int pages, int64_t *left)
{
	(void)st;
	(void)pages;
	*left = 0;
	return 0;
}

/*
 * ALTER SEQUENCE, unlike setval(), is transactional: the sequence gets a
 * new file that a rollback throws away, with the nextval() after it that
 * makes last its last value (is_called, as Q_LAST_ID reads it).
 */
static int
pg_id_last_set(struct store *st, const char *table, int64_t last)
{
	char name[128], sql[512], *id, *lit;

	if (last < 1)
		return store_seterr(st, -EINVAL, "internal error: id below 1");
	snprintf(name, sizeof(name), "%s_id_seq", table);
	if ((id = pq.escapeIdentifier(pgc(st)->conn, name, strlen(name))) ==
	    NULL)
		return pg_err(st, NULL);
	if ((lit = pq.escapeLiteral(pgc(st)->conn, id, strlen(id))) == NULL) {
		pq.freemem(id);
		return pg_err(st, NULL);
	}
	snprintf(sql, sizeof(sql), "ALTER SEQUENCE %s RESTART WITH %" PRId64
	    "; SELECT nextval(%s::regclass)", id, last, lit);
	pq.freemem(id);
	pq.freemem(lit);
	return pg_exec(st, sql);
}

static void
pg_sizes(struct store *st, int64_t *db, int64_t *log)
{
	*log = 0;
	if (pg_int(st, "SELECT pg_database_size(current_database())", db) !=
	    0)
		*db = 0;
}

/* 0 and the FNV-1a hash of the masked name (store_identity()). */
static int
pg_identity(struct store *st, uint64_t *id)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const char *s;

	for (s = st->path; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	id[0] = 0;
	id[1] = h;
	return 0;
}

static int
pg_server_ms(struct store *st, int64_t *ms)
{
	int error;

	if ((error = pg_reconnect(st)) != 0)
		return error;
	return pg_int(st, "SELECT (extract(epoch FROM clock_timestamp()) * "
	    "1000)::bigint", ms);
}

static int
pg_wake_fd(struct store *st, int *fd, uint64_t *gen)
{
	struct pg *c = pgc(st);
	int error;

	if (!c->listening) {
		if ((error = pg_reconnect(st)) != 0 ||
		    (error = pg_exec(st, "LISTEN " PG_CHANNEL)) != 0)
			return error;
		c->listening = true;
	}
	*fd = pq.socket(c->conn);
	*gen = c->gen;
	return 0;
}

static int
pg_wake_read(struct store *st, bool *woke)
{
	struct pg *c = pgc(st);

	if (!pg_lost(st) && pq.consumeInput(c->conn) == 0)
		return pg_err(st, NULL);
	if (!pg_lost(st))
		pg_notifies(c);
	*woke = c->woken;
	c->woken = false;
	return pg_lost(st) ? pg_err(st, NULL) : 0;
}

static void
pg_close(struct store *st)
{
	struct pg *c = pgc(st);

	if (c == NULL)
		return;
	pq.finish(c->conn);
	free(c);
	st->conn = NULL;
}

static const struct store_ops pg_ops = {
	.name = "PostgreSQL",
	.row_locks = true,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.step = pg_step,
	.reset = pg_reset,
	.clear = pg_clear,
	.bind_int = pg_bind_int,
	.bind_double = pg_bind_double,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.col_null = pg_col_null,
	.col_int = pg_col_int,
	.col_double = pg_col_double,
	.col_text = pg_col_text,
	.col_blob = pg_col_blob,
	.col_count = pg_col_count,
	.col_name = pg_col_name,
	.col_type = pg_col_type,
	.changes = pg_changes,
	.inserted_id = pg_inserted_id,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.in_txn = pg_in_txn,
	.close = pg_close,
	.wal_trim = pg_wal_trim,
	.vacuum_step = pg_vacuum_step,
	.id_last_set = pg_id_last_set,
	.sizes = pg_sizes,
	.wake_fd = pg_wake_fd,
	.wake_read = pg_wake_read,
	.server_ms = pg_server_ms,
	.identity = pg_identity,
};

/*
 * The schema.
 */

/*
 * The schema version of the database (0: no jobd tables), refusing one
 * that holds other tables or is newer than this build.
 */
static int
pg_version(struct store *st, int64_t *version)
{
	int64_t n = 0;
	int error;

	/*
	 * One statement, so one snapshot: whether the stamp is there and
	 * whether anything else is (two would see a migration committing
	 * between them as tables without a stamp: somebody else's).
	 */
	*version = 0;
	if ((error = pg_int(st, "SELECT 2 * (to_regclass('jobd_meta') IS NOT "
	    "NULL)::int + (SELECT count(*) > 0 FROM pg_tables WHERE "
	    "schemaname = current_schema() AND tablename <> 'jobd_meta')::int",
	    &n)) != 0)
		return error;
	if (n == 1)
		return store_seterr(st, -EBADMSG, "not a jobd database (it "
		    "holds other tables)");
	if (n < 2 || (error = pg_int(st, "SELECT version FROM jobd_meta",
	    version)) != 0)
		return error;
	if (*version > schema_pg_nmigrations) {
		snprintf(st->errmsg, sizeof(st->errmsg), "database schema "
		    "version %" PRId64 " is newer than this jobd supports "
		    "(%d); upgrade jobd", *version, schema_pg_nmigrations);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/*
 * Bring the schema up to date, under an advisory lock, so that daemons
 * starting at once migrate once: the first applies the migrations in one
 * transaction, the others wait for it and find nothing left to do.
 */
static int
pg_migrate(struct store *st, int flags)
{
	char sql[96];
	int64_t version = 0;
	int error, i;

	if ((error = pg_version(st, &version)) != 0)
		return error;
	if (version == schema_pg_nmigrations)
		return 0;
	if (flags & STORE_READONLY) {
		snprintf(st->errmsg, sizeof(st->errmsg), "database schema "
		    "version %" PRId64 " needs upgrading to %d, which a "
		    "read-only open cannot do", version, schema_pg_nmigrations);
		return -EROFS;
	}
	if (version == 0 && !(flags & STORE_CREATE))
		return store_seterr(st, -ENOENT, "no such database (it has "
		    "no jobd tables; jobd creates them)");
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_lock(%" PRId64 ")",
	    PG_LOCK_MIGRATE);
	if ((error = pg_exec(st, sql)) != 0)
		return error;
	if ((error = pg_exec(st, "BEGIN")) != 0)
		goto unlock;
	if ((error = pg_version(st, &version)) != 0)	/* again, locked */
		goto fail;
	for (i = (int)version; i < schema_pg_nmigrations; i++) {
		if ((error = pg_exec(st, schema_pg_migrations[i].sql)) != 0) {
			char why[sizeof(st->errmsg)];

			memcpy(why, st->errmsg, sizeof(why));
			snprintf(st->errmsg, sizeof(st->errmsg),
			    "migration postgresql/%s failed: %.400s",
			    schema_pg_migrations[i].name, why);
			goto fail;
		}
	}
	snprintf(sql, sizeof(sql), "UPDATE jobd_meta SET version = %d",
	    schema_pg_nmigrations);
	if ((error = pg_exec(st, sql)) != 0 ||
	    (error = pg_exec(st, "COMMIT")) != 0)
		goto fail;
	goto unlock;
fail:
	pg_rollback(st);
unlock:
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_unlock(%" PRId64 ")",
	    PG_LOCK_MIGRATE);
	(void)pg_exec(st, sql);
	return error;
}

/*
 * Connecting failed: the errno of libpq's message (a failed connection
 * has no SQLSTATE to go by; a server whose messages are not in English
 * makes all of these -ENOTCONN, "try again").
 */
static int
pg_connect_errno(const char *msg)
{
	if (strstr(msg, "password") != NULL ||
	    strstr(msg, "authentication") != NULL ||
	    strstr(msg, "permission denied") != NULL ||
	    strstr(msg, "not permitted") != NULL ||
	    strstr(msg, "pg_hba.conf") != NULL)
		return -EACCES;
	if (strstr(msg, "does not exist") != NULL)
		return -ENOENT;
	return -ENOTCONN;
}

int
store_pg_open(struct store *st, const char *name, int flags, char *err,
    size_t errlen)
{
	/*
	 * Bounds on a call that waits for the network: connecting, and a
	 * peer gone without a word (TCP keepalives and tcp_user_timeout).
	 * synchronous_commit on, whatever the server's or the database's
	 * default: an accepted job is on disk (only TXN_LIGHT turns it off,
	 * for its transaction).  The URI's own settings, after these, win.
	 */
	static const char *const keys[] = { "connect_timeout",
	    "application_name", "keepalives_idle", "keepalives_interval",
	    "keepalives_count", "tcp_user_timeout", "options", "dbname", NULL };
	const char *values[] = { "5", "jobd", "10", "3", "3", "15000",
	    "-c client_min_messages=warning -c synchronous_commit=on", name,
	    NULL };
	char shown[512], words[400];
	struct pg *c;
	int error;

	dburl_redact(name, shown, sizeof(shown));
	if ((error = pq_load(words, sizeof(words))) != 0) {
		snprintf(err, errlen, "%s: %s", shown, words);
		return error;
	}
	if ((error = dburl_check(name, err, errlen)) != 0)
		return error;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (st->path = strdup(shown)) == NULL) {
		free(c);
		snprintf(err, errlen, "%s: out of memory", shown);
		return -ENOMEM;
	}
	st->ops = &pg_ops;
	st->conn = c;
	st->dialect = store_pg_sql;
	c->conn = pq.connectdbParams(keys, values, 1);
	if (c->conn == NULL || pq.status(c->conn) != CONNECTION_OK) {
		pg_words(words, sizeof(words), c->conn != NULL ?
		    pq.errorMessage(c->conn) : "out of memory");
		error = pg_connect_errno(words);
		snprintf(err, errlen, "%s: cannot connect: %s", shown, words);
		return error;
	}
	c->poke = (flags & STORE_POKE) != 0;
	(void)pq.setNoticeProcessor(c->conn, pg_notice, NULL);
	/* Notices (e.g. "relation exists, skipping") are not errors. */
	if ((error = pg_session(st)) != 0 ||
	    ((flags & STORE_READONLY) && (error = pg_exec(st,
	    "SET default_transaction_read_only = on")) != 0) ||
	    (error = pg_migrate(st, flags)) != 0) {
		snprintf(err, errlen, "%s: %s", shown, st->errmsg);
		return error;
	}
	return 0;
}
