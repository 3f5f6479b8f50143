/*
 * store_conn: the connection -- opening the database file (its directory,
 * its permissions, read-only and immutable opens), the schema migrations,
 * prepared statements, errors, the busy handler and transactions.
 *
 * One struct store is one SQLite connection, used by one thread at a time.
 * The connection runs in WAL mode with synchronous=FULL, so a commit that
 * returned is durable; every write is a BEGIN IMMEDIATE transaction (the
 * write lock is taken up front, so a transaction never fails half way for
 * want of it), retried STORE_BUSY_TRIES times while another process holds
 * the lock.  Statements are prepared once, on first use, and reset after
 * every use.  SQLite result codes become negative errnos in store_err()
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
#include <unistd.h>

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

/*
 * Translate SQLite result code rc into a negative errno and remember the
 * connection's message.  The one place that knows SQLite's codes.
 */
int
store_err(struct store *st, int rc)
{
	int sys = st->db != NULL ? sqlite3_system_errno(st->db) : 0;
	const char *msg = st->db != NULL ? sqlite3_errmsg(st->db) :
	    sqlite3_errstr(rc);

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

int
store_seterr(struct store *st, int error, const char *msg)
{
	snprintf(st->errmsg, sizeof(st->errmsg), "%s", msg);
	return error;
}

/* The prepared statement q, preparing it on first use; NULL on error. */
sqlite3_stmt *
store_stmt(struct store *st, enum store_stmt q, int *error)
{
	int rc;

	if (st->q[q] == NULL) {
		rc = sqlite3_prepare_v3(st->db, store_sql[q], -1,
		    SQLITE_PREPARE_PERSISTENT, &st->q[q], NULL);
		if (rc != SQLITE_OK) {
			*error = store_err(st, rc);
			return NULL;
		}
	}
	return st->q[q];
}

/* Step a statement that returns no rows, then reset it. */
int
store_run(struct store *st, sqlite3_stmt *s)
{
	int rc;

	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_err(st, rc);
	return 0;
}

/*
 * Another connection holds a lock we need: sleep a little and try again,
 * for up to STORE_BUSY_MS.  SQLite's own handler sleeps ever longer, up to
 * 100 ms a time, so that under contention a waiter often sleeps on long
 * after the lock is free; short sleeps with jitter keep the wait close to
 * the holder's transaction, a millisecond or two.
 */
static int
store_busy(void *arg, int count)
{
	struct store *st = arg;
	struct timespec now, ts;
	int64_t waited_ms, us;

	if (st->nowait)
		return 0;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	if (count == 0)
		st->busy_since = now;
	waited_ms = (int64_t)(now.tv_sec - st->busy_since.tv_sec) * 1000 +
	    (now.tv_nsec - st->busy_since.tv_nsec) / 1000000;
	if (waited_ms >= STORE_BUSY_MS)
		return 0;
	us = count < 4 ? 250 << count : 2000;
	st->rng = st->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	us += (int64_t)((st->rng >> 33) % (uint64_t)(us / 2 + 1));
	ts.tv_sec = 0;
	ts.tv_nsec = (long)us * 1000;
	(void)nanosleep(&ts, NULL);
	return 1;
}

/* The lock was not to be had within "ms": say so. */
static int
store_locked(struct store *st, int ms)
{
	snprintf(st->errmsg, sizeof(st->errmsg),
	    "database is locked by another process (waited %d s)", ms / 1000);
	return -EBUSY;
}

/*
 * BEGIN IMMEDIATE, waiting for the write lock up to STORE_BUSY_TRIES times
 * STORE_BUSY_MS (the busy handler does the waiting).
 */
int
store_begin_raw(struct store *st)
{
	sqlite3_stmt *s;
	int error = 0, i;

	if ((s = store_stmt(st, Q_BEGIN, &error)) == NULL)
		return error;
	for (i = 0; i < STORE_BUSY_TRIES; i++) {
		if ((error = store_run(st, s)) != -EBUSY)
			break;
	}
	if (error == -EBUSY)
		return store_locked(st, STORE_BUSY_TRIES * STORE_BUSY_MS);
	return error;
}

/*
 * BEGIN IMMEDIATE for a durable write: if a heartbeat could not put the
 * connection back to synchronous=FULL, do it now or refuse, so that no
 * accepted job or result ever commits without its fsync.
 */
int
store_begin(struct store *st)
{
	int error;

	if (st->relaxed) {
		if ((error = store_exec(st, "PRAGMA synchronous = FULL")) != 0)
			return error;
		st->relaxed = false;
	}
	return store_begin_raw(st);
}

/*
 * COMMIT.  A daemon learns of our commits from inotify events on the WAL
 * file, but the writes of a commit come before it is visible to other
 * connections; so, with STORE_POKE, set the WAL's times once the commit is
 * done: that event always finds the new data.
 */
int
store_commit(struct store *st)
{
	sqlite3_stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_COMMIT, &error)) == NULL)
		return error;
	if ((error = store_run(st, s)) == 0 && st->poke && *st->wal != '\0')
		(void)utimensat(AT_FDCWD, st->wal, NULL, 0);
	return error;
}

/* Roll back after an error, keeping the first error's message. */
void
store_rollback(struct store *st)
{
	char saved[sizeof(st->errmsg)];
	sqlite3_stmt *s;
	int error = 0;

	if (sqlite3_get_autocommit(st->db))
		return;			/* SQLite already rolled back */
	memcpy(saved, st->errmsg, sizeof(saved));
	if ((s = store_stmt(st, Q_ROLLBACK, &error)) != NULL)
		(void)store_run(st, s);
	memcpy(st->errmsg, saved, sizeof(saved));
}

int
store_exec(struct store *st, const char *sql)
{
	int rc;

	if ((rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return store_err(st, rc);
	return 0;
}

/*
 * Is this a jobd database, of a version we know?  Reads the header and the
 * schema, writes nothing.  *version gets the schema version (0: empty).
 */
static int
store_check(struct store *st, int64_t *version)
{
	int64_t app = 0, tables = 0;
	sqlite3_stmt *s;
	int rc;

	/*
	 * One statement, so one snapshot: read one by one, a creator's
	 * migration committing in between would show tables without the
	 * stamp, which looks like somebody else's database.
	 */
	rc = sqlite3_prepare_v2(st->db, "SELECT "
	    "(SELECT user_version FROM pragma_user_version), "
	    "(SELECT application_id FROM pragma_application_id), "
	    "(SELECT count(*) FROM sqlite_schema)", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_err(st, rc);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*version = sqlite3_column_int64(s, 0);
		app = sqlite3_column_int64(s, 1);
		tables = sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return store_err(st, rc);
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
store_incremental(struct store *st)
{
	char saved[sizeof(st->errmsg)];
	int64_t mode = 0;

	memcpy(saved, st->errmsg, sizeof(saved));
	if (store_first_int(st, Q_AUTO_VACUUM, &mode) == 0 && mode != 2 &&
	    store_exec(st, "PRAGMA auto_vacuum = INCREMENTAL") == 0 &&
	    store_exec(st, "VACUUM") == 0)
		(void)store_exec(st, "PRAGMA wal_checkpoint(TRUNCATE)");
	memcpy(st->errmsg, saved, sizeof(saved));
}

/*
 * Bring the schema up to date: in one IMMEDIATE transaction, check the
 * database again (another process may have migrated it meanwhile), apply
 * the missing migrations and stamp the version.
 */
static int
store_migrate(struct store *st, bool readonly)
{
	char sql[64];
	int64_t version = 0;
	int error, i;

	if (!readonly && (error = store_begin(st)) != 0)
		return error;
	if ((error = store_check(st, &version)) != 0)
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
		if ((error = store_exec(st, schema_migrations[i].sql)) != 0) {
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
		if ((error = store_exec(st, sql)) != 0)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d",
		    STORE_APP_ID);
		if ((error = store_exec(st, sql)) != 0)
			goto fail;
	}
	if ((error = store_commit(st)) != 0)
		return error;
	if (version > 0 && version < store_migration_index("009_retention.sql"))
		store_incremental(st);
	return 0;
fail:
	if (!readonly)
		store_rollback(st);
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
store_open(struct store **stp, const char *path, int flags,
    const struct jd_clock *clock, char *err, size_t errlen)
{
	struct store *st;
	char mode[16], *dotpath = NULL;
	int64_t version;
	int error, rc, oflags;
	sqlite3_stmt *s;

	if ((error = store_prepare_path(path, flags, err, errlen)) != 0)
		return error;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	st->clock = clock;
	st->path = strdup(path);	/* NULL: messages without it */
	st->poke = (flags & STORE_POKE) != 0;
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
	rc = sqlite3_open_v2(dotpath != NULL ? dotpath : path, &st->db,
	    oflags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, NULL);
	free(dotpath);
	if (rc != SQLITE_OK) {
		error = store_err(st, rc);
		goto fail;
	}
	st->wal = sqlite3_filename_wal(sqlite3_db_filename(st->db, "main"));
	if (st->wal == NULL)
		st->wal = "";
	st->rng = (uint64_t)getpid() ^ (uint64_t)(uintptr_t)st;
	sqlite3_busy_handler(st->db, store_busy, st);
	if (!(flags & STORE_READONLY) && sqlite3_db_readonly(st->db, "main")) {
		error = store_seterr(st, -EROFS, "database is read-only");
		goto fail;
	}
	/* Refuse a foreign or newer database before changing anything. */
	if ((error = store_check(st, &version)) != 0)
		goto fail;
	/*
	 * A new database frees pages back to the file system when asked
	 * (store_vacuum_step): the mode must be set before the first table,
	 * and before the switch to WAL writes the header.
	 */
	if (version == 0 && !(flags & STORE_READONLY) &&
	    (error = store_exec(st, "PRAGMA auto_vacuum = INCREMENTAL")) != 0)
		goto fail;
	/* Switch to WAL once; it then sticks to the file. */
	rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		snprintf(mode, sizeof(mode), "%s", rc == SQLITE_ROW ?
		    (const char *)sqlite3_column_text(s, 0) : "");
		sqlite3_finalize(s);
	}
	if (rc != SQLITE_ROW) {
		error = store_err(st, rc);
		goto fail;
	}
	/*
	 * The switch needs the file to itself, and SQLite does not call the
	 * busy handler for it: while other processes open the database at
	 * the same moment (each reading it briefly), call it ourselves.
	 */
	if (strcmp(mode, "wal") != 0 && !(flags & STORE_READONLY)) {
		int i;

		for (i = 0; (error = store_exec(st,
		    "PRAGMA journal_mode = WAL")) == -EBUSY; i++)
			if (!store_busy(st, i))
				break;
		if (error == -EBUSY)
			error = store_locked(st, STORE_BUSY_MS);
		if (error != 0)
			goto fail;
	}
	if ((error = store_exec(st, "PRAGMA synchronous = FULL; "
	    "PRAGMA foreign_keys = ON; "
	    "PRAGMA journal_size_limit = " STORE_WAL_LIMIT_STR)) != 0)
		goto fail;
	if ((flags & STORE_SMALL) &&
	    (error = store_exec(st, "PRAGMA cache_size = -512")) != 0)
		goto fail;
	/* Up to date: no transaction, so readers never wait for writers. */
	if (version < schema_nmigrations &&
	    (error = store_migrate(st, flags & STORE_READONLY)) != 0)
		goto fail;
	*stp = st;
	return 0;
fail:
	if (st->path != NULL && strncmp(st->errmsg, path, strlen(path)) ==
	    0 && st->errmsg[strlen(path)] == ':')
		snprintf(err, errlen, "%s", st->errmsg);  /* named already */
	else
		snprintf(err, errlen, "%s: %s", path, st->errmsg);
	store_close(st);
	return error;
}

void
store_close(struct store *st)
{
	int i;

	if (st == NULL)
		return;
	for (i = 0; i < Q_MAX; i++)
		sqlite3_finalize(st->q[i]);
	sqlite3_close(st->db);
	store_notify_free(st);
	free(st->path);
	free(st);
}

