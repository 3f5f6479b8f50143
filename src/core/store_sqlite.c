/*
 * store_sqlite: the SQLite backend -- opening the database file (its
 * directory, its permissions, read-only and immutable opens), the schema
 * migrations, the statement calls, errors, the busy handler,
 * transactions and the file's upkeep.
 *
 * The connection runs in WAL mode with synchronous=FULL, so a commit that
 * returned is durable; every write is a BEGIN IMMEDIATE transaction (the
 * write lock is taken up front, so a transaction never fails half way for
 * want of it), retried STORE_BUSY_TRIES times while another process holds
 * the lock.  SQLite result codes become negative errnos in lite_err()
 * alone; the words go to st->errmsg.
 */
#define _XOPEN_SOURCE 700	/* realpath */

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "jobd/sqlib.h"

#include "jobd/schema.h"
#include "store_impl.h"

#define STORE_APP_ID		0x6a6f6264	/* "jobd" */
#define STORE_BUSY_MS		2000		/* one wait for the lock */
#define STORE_BUSY_TRIES	4		/* waits before -EBUSY */
#define STORE_WAL_LIMIT		(16 << 20)	/* WAL bytes kept after a reset */
#define STORE_WAL_LIMIT_STR	"16777216"

/* The connection, st->conn. */
struct lite {
	sqlite3			*db;
	const char		*wal;		/* the -wal file (SQLite's) */
	bool			 poke;		/* STORE_POKE */
	bool			 relaxed;	/* synchronous may not be FULL */
	bool			 light;		/* in a TXN_LIGHT */
	bool			 nowait;	/* busy: fail at once */
	struct timespec		 busy_since;	/* this wait's start */
	uint64_t		 rng;		/* busy waits' jitter */
};

struct lite_stmt {
	struct stmt		 base;
	sqlite3_stmt		*s;
	struct store		*st;
};

static const struct store_ops lite_ops;

static struct lite *
lite(const struct store *st)
{
	return st->conn;
}

static sqlite3_stmt *
ls(struct stmt *s)
{
	return ((struct lite_stmt *)s)->s;
}

/*
 * Translate SQLite result code rc into a negative errno and remember the
 * connection's message.  The one place that knows SQLite's codes.
 */
static int
lite_err(struct store *st, int rc)
{
	sqlite3 *db = lite(st) != NULL ? lite(st)->db : NULL;
	int sys = db != NULL ? sq.system_errno(db) : 0;
	const char *msg = db != NULL ? sq.errmsg(db) : sq.errstr(rc);

	if (rc == SQLITE_READONLY_DBMOVED)
		msg = "the database file was deleted or moved while in use";
	else if (rc == SQLITE_CANTOPEN_SYMLINK)
		msg = "is a symbolic link, which jobd does not follow; refused "
		    "(fix: name the file itself)";
	else if ((rc & 0xff) == SQLITE_READONLY)
		msg = "database is read-only";
	/* A failing disk or file system: say which database. */
	if (st->path != NULL && (rc == SQLITE_CANTOPEN_SYMLINK ||
	    (rc & 0xff) == SQLITE_READONLY ||
	    (rc & 0xff) == SQLITE_FULL || (rc & 0xff) == SQLITE_IOERR))
		snprintf(st->errmsg, sizeof(st->errmsg), "%s: %s", st->path,
		    msg);
	else
		snprintf(st->errmsg, sizeof(st->errmsg), "%s", msg);
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CANTOPEN:
		if (rc == SQLITE_CANTOPEN_SYMLINK)
			return -ELOOP;
		return sys == EACCES || sys == EISDIR ? -sys : -ENOENT;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return -EBADMSG;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
	case SQLITE_TOOBIG:
		return -EINVAL;
	case SQLITE_IOERR:
		return sys == ENOSPC || sys == EDQUOT ? -ENOSPC : -EIO;
	default:
		return -EIO;
	}
}

/*
 * Another connection holds a lock we need: sleep a little and try again,
 * for up to STORE_BUSY_MS.  SQLite's own handler sleeps ever longer, up to
 * 100 ms a time, so that under contention a waiter often sleeps on long
 * after the lock is free; short sleeps with jitter keep the wait close to
 * the holder's transaction, a millisecond or two.
 */
static int
lite_busy(void *arg, int count)
{
	struct lite *l = arg;
	struct timespec now, ts;
	int64_t waited_ms, us;

	if (l->nowait)
		return 0;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	if (count == 0)
		l->busy_since = now;
	waited_ms = (int64_t)(now.tv_sec - l->busy_since.tv_sec) * 1000 +
	    (now.tv_nsec - l->busy_since.tv_nsec) / 1000000;
	if (waited_ms >= STORE_BUSY_MS)
		return 0;
	us = count < 4 ? 250 << count : 2000;
	l->rng = l->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	us += (int64_t)((l->rng >> 33) % (uint64_t)(us / 2 + 1));
	ts.tv_sec = 0;
	ts.tv_nsec = (long)us * 1000;
	(void)nanosleep(&ts, NULL);
	return 1;
}

/* The lock was not to be had within "ms": say so. */
static int
lite_locked(struct store *st, int ms)
{
	snprintf(st->errmsg, sizeof(st->errmsg),
	    "database is locked by another process (waited %d s)", ms / 1000);
	return -EBUSY;
}

static int
lite_exec(struct store *st, const char *sql)
{
	int rc;

	if ((rc = sq.exec(lite(st)->db, sql, NULL, NULL, NULL)) !=
	    SQLITE_OK)
		return lite_err(st, rc);
	return 0;
}

/*
 * The statement calls.
 */

static int
lite_prepare(struct store *st, const char *sql, bool keep, struct stmt **out)
{
	struct lite_stmt *ls;
	int rc;

	if ((ls = calloc(1, sizeof(*ls))) == NULL)
		return store_seterr(st, -ENOMEM, "out of memory");
	rc = sq.prepare_v3(lite(st)->db, sql, -1,
	    keep ? SQLITE_PREPARE_PERSISTENT : 0, &ls->s, NULL);
	if (rc != SQLITE_OK) {
		free(ls);
		return lite_err(st, rc);
	}
	ls->base.ops = &lite_ops;
	ls->st = st;
	*out = &ls->base;
	return 0;
}

static void
lite_finalize(struct stmt *s)
{
	sq.finalize(ls(s));
	free(s);
}

static int
lite_step(struct stmt *s)
{
	int rc = sq.step(ls(s));

	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	return lite_err(((struct lite_stmt *)s)->st, rc);
}

static void
lite_reset(struct stmt *s)
{
	sq.reset(ls(s));
}

static void
lite_clear(struct stmt *s)
{
	sq.clear_bindings(ls(s));
}

static void
lite_bind_int(struct stmt *s, int i, int64_t v)
{
	sq.bind_int64(ls(s), i, v);
}

static void
lite_bind_double(struct stmt *s, int i, double v)
{
	sq.bind_double(ls(s), i, v);
}

static void
lite_bind_text(struct stmt *s, int i, const char *v, bool copy)
{
	if (v == NULL)
		sq.bind_null(ls(s), i);
	else
		sq.bind_text(ls(s), i, v, -1, copy ? SQLITE_TRANSIENT :
		    SQLITE_STATIC);
}

static void
lite_bind_blob(struct stmt *s, int i, const void *p, size_t n)
{
	sq.bind_blob64(ls(s), i, p, n, SQLITE_STATIC);
}

static void
lite_bind_null(struct stmt *s, int i)
{
	sq.bind_null(ls(s), i);
}

static bool
lite_col_null(struct stmt *s, int i)
{
	return sq.column_type(ls(s), i) == SQLITE_NULL;
}

static int64_t
lite_col_int(struct stmt *s, int i)
{
	return sq.column_int64(ls(s), i);
}

static double
lite_col_double(struct stmt *s, int i)
{
	return sq.column_double(ls(s), i);
}

static const char *
lite_col_text(struct stmt *s, int i)
{
	return (const char *)sq.column_text(ls(s), i);
}

static const void *
lite_col_blob(struct stmt *s, int i, size_t *len)
{
	const void *p = sq.column_blob(ls(s), i);

	*len = p != NULL ? (size_t)sq.column_bytes(ls(s), i) : 0;
	return p;
}

static int
lite_col_count(struct stmt *s)
{
	return sq.column_count(ls(s));
}

static const char *
lite_col_name(struct stmt *s, int i)
{
	return sq.column_name(ls(s), i);
}

/* Does declared type decl hold word (in any case)? */
static bool
decl_has(const char *decl, const char *word)
{
	size_t n = strlen(word);

	for (; *decl != '\0'; decl++)
		if (strncasecmp(decl, word, n) == 0)
			return true;
	return false;
}

/*
 * A table column's type by SQLite's affinity rules on its declared type
 * (STRICT tables declare INTEGER, REAL, TEXT or BLOB); an expression's,
 * or an ANY column's, by the value in the current row.
 */
static enum db_type
lite_col_type(struct stmt *s, int i)
{
	const char *decl = sq.column_decltype(ls(s), i);

	if (decl != NULL && strcasecmp(decl, "ANY") != 0) {
		if (decl_has(decl, "INT"))
			return DB_INT;
		if (decl_has(decl, "CHAR") || decl_has(decl, "CLOB") ||
		    decl_has(decl, "TEXT"))
			return DB_TEXT;
		if (*decl == '\0' || decl_has(decl, "BLOB"))
			return DB_BLOB;
		if (decl_has(decl, "REAL") || decl_has(decl, "FLOA") ||
		    decl_has(decl, "DOUB"))
			return DB_FLOAT;
		return DB_INT;		/* NUMERIC */
	}
	switch (sq.column_type(ls(s), i)) {
	case SQLITE_INTEGER:
		return DB_INT;
	case SQLITE_FLOAT:
		return DB_FLOAT;
	case SQLITE_TEXT:
		return DB_TEXT;
	case SQLITE_BLOB:
		return DB_BLOB;
	default:
		return DB_NULL;
	}
}

static int64_t
lite_changes(struct store *st)
{
	return sq.changes(lite(st)->db);
}

/* Not RETURNING: in SQLite that costs a temporary table each insert. */
static int64_t
lite_inserted_id(struct stmt *s)
{
	return sq.last_insert_rowid(sq.db_handle(ls(s)));
}

/*
 * Transactions.
 */

/*
 * BEGIN IMMEDIATE, waiting for the write lock up to STORE_BUSY_TRIES times
 * STORE_BUSY_MS (the busy handler does the waiting).
 */
static int
lite_begin_immediate(struct store *st)
{
	struct stmt *s;
	int error = 0, i;

	if ((s = store_stmt(st, Q_BEGIN, &error)) == NULL)
		return error;
	for (i = 0; i < STORE_BUSY_TRIES; i++) {
		if ((error = store_run(st, s)) != -EBUSY)
			break;
	}
	if (error == -EBUSY)
		return lite_locked(st, STORE_BUSY_TRIES * STORE_BUSY_MS);
	return error;
}

/*
 * A light transaction is over: synchronous back to FULL, or, if that
 * fails, the next durable write does it first (lite_begin).
 */
static void
lite_unlight(struct store *st)
{
	struct lite *l = lite(st);

	if (!l->light)
		return;
	l->light = false;
	if (lite_exec(st, "PRAGMA synchronous = FULL") == 0)
		l->relaxed = false;
}

/*
 * TXN_WRITE: BEGIN IMMEDIATE for a durable write; if a light transaction
 * could not put the connection back to synchronous=FULL, do it now or
 * refuse, so that no accepted job or result ever commits without its
 * fsync.  TXN_LIGHT: BEGIN IMMEDIATE with synchronous=NORMAL, a commit
 * that does not wait for the disk (the next FULL commit syncs it too).
 * TXN_READ: a deferred BEGIN, whose first read takes the snapshot.
 */
static int
lite_begin(struct store *st, enum store_txn kind)
{
	struct lite *l = lite(st);
	int error;

	switch (kind) {
	case TXN_READ:
		return lite_exec(st, "BEGIN");
	case TXN_LIGHT:
		l->relaxed = true;
		l->light = true;
		(void)lite_exec(st, "PRAGMA synchronous = NORMAL");
		if ((error = lite_begin_immediate(st)) != 0)
			lite_unlight(st);
		return error;
	case TXN_WRITE:
	default:
		if (l->relaxed) {
			if ((error = lite_exec(st,
			    "PRAGMA synchronous = FULL")) != 0)
				return error;
			l->relaxed = false;
		}
		return lite_begin_immediate(st);
	}
}

/*
 * COMMIT.  A daemon learns of our commits from inotify events on the WAL
 * file, but the writes of a commit come before it is visible to other
 * connections; so, with STORE_POKE, set the WAL's times once the commit is
 * done: that event always finds the new data.
 */
static int
lite_commit(struct store *st)
{
	struct lite *l = lite(st);
	struct stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_COMMIT, &error)) == NULL)
		return error;
	if ((error = store_run(st, s)) == 0 && l->poke && *l->wal != '\0')
		(void)utimensat(AT_FDCWD, l->wal, NULL, 0);
	if (error == 0)
		lite_unlight(st);
	return error;
}

/* Roll back after an error, keeping the first error's message. */
static void
lite_rollback(struct store *st)
{
	char saved[sizeof(st->errmsg)];
	struct stmt *s;
	int error = 0;

	memcpy(saved, st->errmsg, sizeof(saved));
	if (!sq.get_autocommit(lite(st)->db) &&
	    (s = store_stmt(st, Q_ROLLBACK, &error)) != NULL)
		(void)store_run(st, s);		/* else SQLite rolled back */
	lite_unlight(st);
	memcpy(st->errmsg, saved, sizeof(saved));
}

static bool
lite_in_txn(struct store *st)
{
	return !sq.get_autocommit(lite(st)->db);
}

/*
 * The file's upkeep.
 */

/*
 * When the WAL file has grown past STORE_WAL_LIMIT, checkpoint it and
 * truncate it, unless a reader still needs it: -EBUSY at once then.
 */
static int
lite_wal_trim(struct store *st)
{
	struct lite *l = lite(st);
	struct stat sb;
	int rc;

	if (*l->wal == '\0' || stat(l->wal, &sb) != 0 ||
	    sb.st_size <= STORE_WAL_LIMIT)
		return 0;
	l->nowait = true;
	rc = sq.wal_checkpoint_v2(l->db, NULL,
	    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	l->nowait = false;
	if (rc == SQLITE_BUSY)
		return -EBUSY;
	return rc == SQLITE_OK ? 0 : lite_err(st, rc);
}

/* PRAGMA incremental_vacuum(pages), when auto_vacuum is INCREMENTAL. */
static int
lite_vacuum_step(struct store *st, int pages, int64_t *left)
{
	char sql[64];
	int64_t mode = 0;
	int error;

	if ((error = store_first_int(st, Q_AUTO_VACUUM, &mode)) != 0)
		return error;
	if (mode != 2)			/* not INCREMENTAL */
		return 0;
	snprintf(sql, sizeof(sql), "PRAGMA incremental_vacuum(%d)", pages);
	if ((error = lite_exec(st, sql)) != 0)
		return error;
	return store_first_int(st, Q_FREELIST, left);
}

/*
 * sqlite_sequence is an ordinary table to write: the row of table gets
 * seq = last, made when it has none.
 */
static int
lite_id_last_set(struct store *st, const char *table, int64_t last)
{
	static const char *const sql[] = {
	    "UPDATE sqlite_sequence SET seq = ?2 WHERE name = ?1",
	    "INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)",
	};
	sqlite3_stmt *s;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if ((rc = sq.prepare_v2(lite(st)->db, sql[i], -1, &s,
		    NULL)) != SQLITE_OK)
			return lite_err(st, rc);
		sq.bind_text(s, 1, table, -1, SQLITE_STATIC);
		sq.bind_int64(s, 2, last);
		rc = sq.step(s);
		sq.finalize(s);
		if (rc != SQLITE_DONE)
			return lite_err(st, rc);
		if (sq.changes(lite(st)->db) > 0)
			break;
	}
	return 0;
}

static int64_t
file_size(const char *path)
{
	struct stat sb;

	if (path == NULL || *path == '\0' || stat(path, &sb) != 0)
		return 0;
	return (int64_t)sb.st_size;
}

static void
lite_sizes(struct store *st, int64_t *db, int64_t *log)
{
	*db = file_size(sq.db_filename(lite(st)->db, "main"));
	*log = file_size(lite(st)->wal);
}

static int
lite_identity(struct store *st, uint64_t *id)
{
	struct stat sb;
	char msg[256];

	if (stat(sq.db_filename(lite(st)->db, "main"), &sb) == -1) {
		snprintf(msg, sizeof(msg), "%s: %s", st->path != NULL ?
		    st->path : "the database", strerror(errno));
		return store_seterr(st, -errno, msg);
	}
	id[0] = (uint64_t)sb.st_dev;
	id[1] = (uint64_t)sb.st_ino;
	return 0;
}

static void
lite_close(struct store *st)
{
	struct lite *l = lite(st);

	if (l == NULL)
		return;
	sq.close(l->db);
	free(l);
	st->conn = NULL;
}

static const struct store_ops lite_ops = {
	.name = "SQLite",
	.prepare = lite_prepare,
	.finalize = lite_finalize,
	.step = lite_step,
	.reset = lite_reset,
	.clear = lite_clear,
	.bind_int = lite_bind_int,
	.bind_double = lite_bind_double,
	.bind_text = lite_bind_text,
	.bind_blob = lite_bind_blob,
	.bind_null = lite_bind_null,
	.col_null = lite_col_null,
	.col_int = lite_col_int,
	.col_double = lite_col_double,
	.col_text = lite_col_text,
	.col_blob = lite_col_blob,
	.col_count = lite_col_count,
	.col_name = lite_col_name,
	.col_type = lite_col_type,
	.changes = lite_changes,
	.inserted_id = lite_inserted_id,
	.begin = lite_begin,
	.commit = lite_commit,
	.rollback = lite_rollback,
	.in_txn = lite_in_txn,
	.close = lite_close,
	.wal_trim = lite_wal_trim,
	.vacuum_step = lite_vacuum_step,
	.id_last_set = lite_id_last_set,
	.sizes = lite_sizes,
	.identity = lite_identity,
};

/*
 * Is this a jobd database, of a version we know?  Reads the header and the
 * schema, writes nothing.  *version gets the schema version (0: empty).
 */
static int
lite_check(struct store *st, int64_t *version)
{
	int64_t app = 0, tables = 0;
	sqlite3_stmt *s;
	int rc;

	/*
	 * One statement, so one snapshot: read one by one, a creator's
	 * migration committing in between would show tables without the
	 * stamp, which looks like somebody else's database.
	 */
	rc = sq.prepare_v2(lite(st)->db, "SELECT "
	    "(SELECT user_version FROM pragma_user_version), "
	    "(SELECT application_id FROM pragma_application_id), "
	    "(SELECT count(*) FROM sqlite_schema)", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return lite_err(st, rc);
	if ((rc = sq.step(s)) == SQLITE_ROW) {
		*version = sq.column_int64(s, 0);
		app = sq.column_int64(s, 1);
		tables = sq.column_int64(s, 2);
	}
	sq.finalize(s);
	if (rc != SQLITE_ROW)
		return lite_err(st, rc);
	if (app != STORE_APP_ID && (app != 0 || *version != 0 || tables != 0))
		return store_seterr(st, -EBADMSG,
		    "not a jobd database (it is SQLite, but holds other data)");
	if (*version > schema_nmigrations) {
		snprintf(st->errmsg, sizeof(st->errmsg),
		    "database schema version %lld is newer than this jobd "
		    "supports (%d); upgrade jobd", (long long)*version,
		    schema_nmigrations);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/* The number of migration "name" (its 1-based place), or 0. */
static int
store_migration_index(const char *name)
{
	int i;

	for (i = 0; i < schema_nmigrations; i++)
		if (strcmp(schema_migrations[i].name, name) == 0)
			return i + 1;
	return 0;
}

/*
 * Turn a database made before 009_retention.sql into auto_vacuum =
 * INCREMENTAL, so that pruning can give space back.  The mode of a
 * database with tables changes only with a VACUUM, which cannot run in a
 * transaction: so after the migration committed, by whoever migrated.
 * VACUUM copies the whole database (into a temporary file, then through
 * the WAL): it takes time and temporary disk space about the size of the
 * database, and holds the write lock meanwhile.  It is atomic; if it
 * fails (e.g. the disk is full) the database stays as it was, in the
 * old mode, and still works: freed pages are reused, only never given
 * back.  The WAL it grew is checkpointed and truncated after.
 */
static void
lite_incremental(struct store *st)
{
	char saved[sizeof(st->errmsg)];
	int64_t mode = 0;

	memcpy(saved, st->errmsg, sizeof(saved));
	if (store_first_int(st, Q_AUTO_VACUUM, &mode) == 0 && mode != 2 &&
	    lite_exec(st, "PRAGMA auto_vacuum = INCREMENTAL") == 0 &&
	    lite_exec(st, "VACUUM") == 0)
		(void)lite_exec(st, "PRAGMA wal_checkpoint(TRUNCATE)");
	memcpy(st->errmsg, saved, sizeof(saved));
}

/*
 * Bring the schema up to date: in one IMMEDIATE transaction, check the
 * database again (another process may have migrated it meanwhile), apply
 * the missing migrations and stamp the version.
 */
static int
lite_migrate(struct store *st, bool readonly)
{
	char sql[64];
	int64_t version = 0;
	int error, i;

	if (!readonly && (error = lite_begin(st, TXN_WRITE)) != 0)
		return error;
	if ((error = lite_check(st, &version)) != 0)
		goto fail;
	if (readonly) {
		if (version < schema_nmigrations) {
			snprintf(st->errmsg, sizeof(st->errmsg),
			    "database schema version %lld needs upgrading to "
			    "%d, which a read-only open cannot do",
			    (long long)version, schema_nmigrations);
			return -EROFS;
		}
		return 0;
	}
	for (i = (int)version; i < schema_nmigrations; i++) {
		if ((error = lite_exec(st, schema_migrations[i].sql)) != 0) {
			char why[sizeof(st->errmsg)];

			memcpy(why, st->errmsg, sizeof(why));
			snprintf(st->errmsg, sizeof(st->errmsg),
			    "migration %s failed: %.400s",
			    schema_migrations[i].name,
			    why);
			goto fail;
		}
	}
	if (version < schema_nmigrations) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		    schema_nmigrations);
		if ((error = lite_exec(st, sql)) != 0)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d",
		    STORE_APP_ID);
		if ((error = lite_exec(st, sql)) != 0)
			goto fail;
	}
	if ((error = lite_commit(st)) != 0)
		return error;
	if (version > 0 && version < store_migration_index("009_retention.sql"))
		lite_incremental(st);
	return 0;
fail:
	if (!readonly)
		lite_rollback(st);
	return error;
}

/* mkdir -p for the directories above "path", each created 0700. */
static int
store_mkdirs(const char *path)
{
	char dir[PATH_MAX];
	size_t i, len;

	if ((len = strlen(path)) >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, len + 1);
	for (i = 1; i < len; i++) {
		if (dir[i] != '/')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			return -errno;
		dir[i] = '/';
	}
	return 0;
}

/* fsync the directory holding path, so a new file's name is durable. */
static void
store_sync_dir(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd;

	if (strlen(path) >= sizeof(dir))
		return;
	strcpy(dir, path);
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
}

/*
 * For STORE_NOFOLLOW: "path" with its directory resolved (realpath), in a
 * new string, or NULL.  SQLite's SQLITE_OPEN_NOFOLLOW refuses a symbolic
 * link anywhere in the path; only the last one, the file itself, is ours
 * to refuse (store_prepare_path did), the directory may be a link.
 */
static char *
store_real_path(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX], *real, *out;

	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == path)
		strcpy(dir, "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		return NULL;
	if ((real = realpath(dir, NULL)) == NULL)
		return NULL;
	slash = slash != NULL ? slash + 1 : path;
	if ((out = malloc(strlen(real) + strlen(slash) + 2)) != NULL)
		sprintf(out, "%s/%s", strcmp(real, "/") == 0 ? "" : real,
		    slash);
	free(real);
	return out;
}

/*
 * A -wal or -shm we cannot write (another user made it, e.g. root's
 * sqlite3 a moment before it hands it to the database's owner) would make
 * SQLite open it read-only and every write fail with "read-only": say
 * which file and whose it is.
 */
static int
store_check_side(const char *path, const struct stat *db, char *err,
    size_t errlen)
{
	static const char *const side[] = { "-wal", "-shm" };
	char name[PATH_MAX + 8];
	struct stat sb;
	size_t i;

	for (i = 0; i < sizeof(side) / sizeof(side[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", path, side[i]);
		if (lstat(name, &sb) == -1 || access(name, W_OK) == 0 ||
		    errno != EACCES)
			continue;
		snprintf(err, errlen, "%s: owned by uid %lu (mode %04o), "
		    "which uid %lu cannot write: the database is read-only "
		    "(fix: chown %lu %s, the owner of the database)", name,
		    (unsigned long)sb.st_uid, (unsigned)(sb.st_mode & 07777),
		    (unsigned long)geteuid(), (unsigned long)db->st_uid, name);
		return -EROFS;
	}
	return 0;
}

/*
 * Check the path before SQLite sees it, so that each way it can be wrong
 * gets its own error, and create the file 0600 when asked.
 */
static int
store_prepare_path(const char *path, int flags, char *err, size_t errlen)
{
	struct stat sb;
	int error, fd;

	if (*path == '\0') {
		snprintf(err, errlen, "empty database path");
		return -EINVAL;
	}
	if (((flags & STORE_NOFOLLOW) ? lstat(path, &sb) : stat(path, &sb)) ==
	    0) {
		if (S_ISLNK(sb.st_mode)) {
			snprintf(err, errlen, "%s: is a symbolic link, which "
			    "jobd does not follow; refused (fix: name the "
			    "file itself)", path);
			return -ELOOP;
		}
		if (S_ISDIR(sb.st_mode)) {
			snprintf(err, errlen, "%s: is a directory, not a "
			    "database file", path);
			return -EISDIR;
		}
		if (!S_ISREG(sb.st_mode)) {
			snprintf(err, errlen, "%s: not a regular file", path);
			return -EBADMSG;
		}
		if (access(path, R_OK) == -1) {
			error = -errno;
			snprintf(err, errlen, "%s: cannot read: %s", path,
			    strerror(-error));
			return error;
		}
		if (!(flags & STORE_READONLY) && access(path, W_OK) == -1) {
			error = errno == EACCES ? -EROFS : -errno;
			snprintf(err, errlen, "%s: database is read-only: %s",
			    path, strerror(errno));
			return error;
		}
		if (!(flags & STORE_READONLY))
			return store_check_side(path, &sb, err, errlen);
		return 0;
	}
	if (errno != ENOENT) {
		error = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-error));
		return error;
	}
	if ((flags & STORE_MKDIR) && (error = store_mkdirs(path)) != 0) {
		snprintf(err, errlen, "%s: cannot create its directory: %s",
		    path, strerror(-error));
		return error;
	}
	if (!(flags & STORE_CREATE)) {
		snprintf(err, errlen, "%s: no such database", path);
		return -ENOENT;
	}
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1 && errno != EEXIST) {	/* EEXIST: another creator */
		error = -errno;
		if (error == -ENOENT)
			snprintf(err, errlen, "%s: no such directory", path);
		else
			snprintf(err, errlen, "%s: cannot create: %s", path,
			    strerror(-error));
		return error;
	}
	if (fd != -1) {
		(void)fchmod(fd, 0600);
		close(fd);
		store_sync_dir(path);
	}
	return 0;
}

/*
 * A WAL database on a read-only file system with no -wal file left: no
 * reader can make the -shm file SQLite wants, and nothing can change the
 * file there, so it is read as immutable.  The URI for that, or NULL.
 */
static char *
store_immutable_uri(const char *path)
{
	char wal[PATH_MAX + 8], *uri, *u;
	struct statvfs vfs;
	struct stat sb;
	const char *p;

	if (statvfs(path, &vfs) != 0 || !(vfs.f_flag & ST_RDONLY))
		return NULL;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (stat(wal, &sb) == 0 && sb.st_size > 0)
		return NULL;
	if ((uri = malloc(strlen(path) * 3 + 32)) == NULL)
		return NULL;
	u = uri + sprintf(uri, *path == '/' ? "file://" : "file:");
	for (p = path; *p != '\0'; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			u += sprintf(u, "%%%02x", (unsigned char)*p);
		else
			*u++ = *p;
	}
	strcpy(u, "?immutable=1");
	return uri;
}

int
store_sqlite_open(struct store *st, const char *path, int flags, char *err,
    size_t errlen)
{
	struct lite *l;
	char mode[16], *dotpath = NULL;
	int64_t version;
	int error, rc, oflags;
	sqlite3_stmt *s;

	if ((error = sq_load(err, errlen)) != 0 ||
	    (error = store_prepare_path(path, flags, err, errlen)) != 0)
		return error;
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	st->ops = &lite_ops;
	st->conn = l;
	st->path = strdup(path);	/* NULL: messages without it */
	l->poke = (flags & STORE_POKE) != 0;
	l->wal = "";
	oflags = (flags & STORE_READONLY) ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE;
	/*
	 * A relative "file:..." would be taken as a URI: make it a path.
	 * A read-only file system may need a URI of our own.
	 */
	if ((flags & STORE_NOFOLLOW) &&
	    (dotpath = store_real_path(path)) != NULL)
		oflags |= SQLITE_OPEN_NOFOLLOW;
	else if ((flags & STORE_READONLY) &&
	    (dotpath = store_immutable_uri(path)) != NULL)
		oflags |= SQLITE_OPEN_URI;
	else if (strncmp(path, "file:", 5) == 0 &&
	    (dotpath = malloc(strlen(path) + 3)) != NULL)
		sprintf(dotpath, "./%s", path);
	if (flags & STORE_NOFOLLOW)
		oflags |= SQLITE_OPEN_NOFOLLOW;	/* the file itself, at least */
	rc = sq.open_v2(dotpath != NULL ? dotpath : path, &l->db,
	    oflags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, NULL);
	free(dotpath);
	if (rc != SQLITE_OK) {
		error = lite_err(st, rc);
		goto fail;
	}
	l->wal = sq.filename_wal(sq.db_filename(l->db, "main"));
	if (l->wal == NULL)
		l->wal = "";
	l->rng = (uint64_t)getpid() ^ (uint64_t)(uintptr_t)st;
	sq.busy_handler(l->db, lite_busy, l);
	if (!(flags & STORE_READONLY) && sq.db_readonly(l->db, "main")) {
		error = store_seterr(st, -EROFS, "database is read-only");
		goto fail;
	}
	/* Refuse a foreign or newer database before changing anything. */
	if ((error = lite_check(st, &version)) != 0)
		goto fail;
	/*
	 * A new database frees pages back to the file system when asked
	 * (store_vacuum_step): the mode must be set before the first table,
	 * and before the switch to WAL writes the header.
	 */
	if (version == 0 && !(flags & STORE_READONLY) &&
	    (error = lite_exec(st, "PRAGMA auto_vacuum = INCREMENTAL")) != 0)
		goto fail;
	/* Switch to WAL once; it then sticks to the file. */
	rc = sq.prepare_v2(l->db, "PRAGMA journal_mode", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sq.step(s);
		snprintf(mode, sizeof(mode), "%s", rc == SQLITE_ROW ?
		    (const char *)sq.column_text(s, 0) : "");
		sq.finalize(s);
	}
	if (rc != SQLITE_ROW) {
		error = lite_err(st, rc);
		goto fail;
	}
	/*
	 * The switch needs the file to itself, and SQLite does not call the
	 * busy handler for it: while other processes open the database at
	 * the same moment (each reading it briefly), call it ourselves.
	 */
	if (strcmp(mode, "wal") != 0 && !(flags & STORE_READONLY)) {
		int i;

		for (i = 0; (error = lite_exec(st,
		    "PRAGMA journal_mode = WAL")) == -EBUSY; i++)
			if (!lite_busy(l, i))
				break;
		if (error == -EBUSY)
			error = lite_locked(st, STORE_BUSY_MS);
		if (error != 0)
			goto fail;
	}
	if ((error = lite_exec(st, "PRAGMA synchronous = FULL; "
	    "PRAGMA foreign_keys = ON; "
	    "PRAGMA journal_size_limit = " STORE_WAL_LIMIT_STR)) != 0)
		goto fail;
	if ((flags & STORE_SMALL) &&
	    (error = lite_exec(st, "PRAGMA cache_size = -512")) != 0)
		goto fail;
	/* Up to date: no transaction, so readers never wait for writers. */
	if (version < schema_nmigrations &&
	    (error = lite_migrate(st, flags & STORE_READONLY)) != 0)
		goto fail;
	return 0;
fail:
	if (st->path != NULL && strncmp(st->errmsg, path, strlen(path)) ==
	    0 && st->errmsg[strlen(path)] == ':')
		snprintf(err, errlen, "%s", st->errmsg);  /* named already */
	else
		snprintf(err, errlen, "%s: %s", path, st->errmsg);
	return error;
}
