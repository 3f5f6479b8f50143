/*
 * sqlib: SQLite's library, mapped with dlopen() the first time a SQLite
 * database is opened, as pq.h maps libpq: a jobctl that only talks to
 * jobd's socket never loads it (about 0.3 ms of its start, and most of
 * its relocations: bench/RESULTS.md).  store_sqlite.c, the one caller,
 * writes sq.step(...) for sqlite3_step(...); the types and constants are
 * sqlite3.h's, the members typed from its prototypes.
 */
#ifndef JOBD_SQLIB_H
#define JOBD_SQLIB_H

#include <stddef.h>

#include <sqlite3.h>

struct sq_api {
	__typeof__(sqlite3_step)	*step;
	__typeof__(sqlite3_finalize)	*finalize;
	__typeof__(sqlite3_column_int64)	*column_int64;
	__typeof__(sqlite3_prepare_v2)	*prepare_v2;
	__typeof__(sqlite3_db_filename)	*db_filename;
	__typeof__(sqlite3_get_autocommit)	*get_autocommit;
	__typeof__(sqlite3_column_type)	*column_type;
	__typeof__(sqlite3_column_text)	*column_text;
	__typeof__(sqlite3_changes)	*changes;
	__typeof__(sqlite3_bind_text)	*bind_text;
	__typeof__(sqlite3_bind_null)	*bind_null;
	__typeof__(sqlite3_bind_int64)	*bind_int64;
	__typeof__(sqlite3_wal_checkpoint_v2)	*wal_checkpoint_v2;
	__typeof__(sqlite3_system_errno)	*system_errno;
	__typeof__(sqlite3_reset)	*reset;
	__typeof__(sqlite3_prepare_v3)	*prepare_v3;
	__typeof__(sqlite3_open_v2)	*open_v2;
	__typeof__(sqlite3_last_insert_rowid)	*last_insert_rowid;
	__typeof__(sqlite3_filename_wal)	*filename_wal;
	__typeof__(sqlite3_exec)	*exec;
	__typeof__(sqlite3_errstr)	*errstr;
	__typeof__(sqlite3_errmsg)	*errmsg;
	__typeof__(sqlite3_db_readonly)	*db_readonly;
	__typeof__(sqlite3_db_handle)	*db_handle;
	__typeof__(sqlite3_column_name)	*column_name;
	__typeof__(sqlite3_column_double)	*column_double;
	__typeof__(sqlite3_column_decltype)	*column_decltype;
	__typeof__(sqlite3_column_count)	*column_count;
	__typeof__(sqlite3_column_bytes)	*column_bytes;
	__typeof__(sqlite3_column_blob)	*column_blob;
	__typeof__(sqlite3_close)	*close;
	__typeof__(sqlite3_clear_bindings)	*clear_bindings;
	__typeof__(sqlite3_busy_handler)	*busy_handler;
	__typeof__(sqlite3_bind_double)	*bind_double;
	__typeof__(sqlite3_bind_blob64)	*bind_blob64;
};

/* SQLite's calls, once sq_load() returned 0. */
extern struct sq_api sq;

/*
 * Map the library (once per process; any thread).  0, or -ENOENT with
 * err saying what is missing.
 */
int	sq_load(char *err, size_t errlen);

#endif /* JOBD_SQLIB_H */
