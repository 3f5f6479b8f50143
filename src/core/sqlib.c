/*
 * sqlib: SQLite's library, mapped with dlopen() the first time it is
 * needed (sqlib.h).
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "jobd/sqlib.h"

#define SQ_LIBRARY	"libsqlite3.so.0"

struct sq_api sq;

/* Each member of struct sq_api and the SQLite symbol it is. */
#define SQ_SYM(m)	{ offsetof(struct sq_api, m), "sqlite3_" #m }
static const struct {
	size_t		 off;
	const char	*name;
} sq_syms[] = {
	SQ_SYM(step),
	SQ_SYM(finalize),
	SQ_SYM(column_int64),
	SQ_SYM(prepare_v2),
	SQ_SYM(db_filename),
	SQ_SYM(get_autocommit),
	SQ_SYM(column_type),
	SQ_SYM(column_text),
	SQ_SYM(changes),
	SQ_SYM(bind_text),
	SQ_SYM(bind_null),
	SQ_SYM(bind_int64),
	SQ_SYM(wal_checkpoint_v2),
	SQ_SYM(system_errno),
	SQ_SYM(reset),
	SQ_SYM(prepare_v3),
	SQ_SYM(open_v2),
	SQ_SYM(last_insert_rowid),
	SQ_SYM(filename_wal),
	SQ_SYM(exec),
	SQ_SYM(errstr),
	SQ_SYM(errmsg),
	SQ_SYM(db_readonly),
	SQ_SYM(db_handle),
	SQ_SYM(column_name),
	SQ_SYM(column_double),
	SQ_SYM(column_decltype),
	SQ_SYM(column_count),
	SQ_SYM(column_bytes),
	SQ_SYM(column_blob),
	SQ_SYM(close),
	SQ_SYM(clear_bindings),
	SQ_SYM(busy_handler),
	SQ_SYM(bind_double),
	SQ_SYM(bind_blob64),
};

static pthread_once_t	sq_once = PTHREAD_ONCE_INIT;
static int		sq_error;
static char		sq_why[256];

static void
sq_open(void)
{
	struct sq_api api;
	void *lib, *f;
	size_t i;

	if ((lib = dlopen(SQ_LIBRARY, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(sq_why, sizeof(sq_why), "cannot load %s, SQLite's "
		    "library (install libsqlite3-0): %s", SQ_LIBRARY,
		    dlerror());
		sq_error = -ENOENT;
		return;
	}
	for (i = 0; i < sizeof(sq_syms) / sizeof(sq_syms[0]); i++) {
		if ((f = dlsym(lib, sq_syms[i].name)) == NULL) {
			snprintf(sq_why, sizeof(sq_why), "%s has no %s: too "
			    "old a SQLite", SQ_LIBRARY, sq_syms[i].name);
			sq_error = -ENOENT;
			dlclose(lib);
			return;
		}
		/* A function pointer is stored as the object pointer POSIX
		   dlsym() gives: the same representation. */
		memcpy((char *)&api + sq_syms[i].off, &f, sizeof(f));
	}
	sq = api;		/* never closed: it stays for the process */
}

int
sq_load(char *err, size_t errlen)
{
	(void)pthread_once(&sq_once, sq_open);
	if (sq_error != 0 && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", sq_why);
	return sq_error;
}
