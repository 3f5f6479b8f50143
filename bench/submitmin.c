/*
 * submitmin: the least a durable one-job submission can cost: start a
 * process, open the database, insert one row with synchronous=FULL,
 * close.  The benchmark runs it many times in a row (with bench/spawn)
 * and compares "jobctl submit" with it.
 *
 * usage: submitmin DB		insert one row into DB and exit
 *        submitmin -h DB	create DB and its table, then keep it open
 *				until stdin reaches EOF
 *
 * While a jobd runs, its connection keeps the database's WAL file in
 * place; -h does the same for the measurement, so that every submitmin
 * opens a database that is already open elsewhere, as jobctl does.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

static int
fail(sqlite3 *db, const char *path)
{
	fprintf(stderr, "submitmin: %s: %s\n", path, sqlite3_errmsg(db));
	sqlite3_close(db);
	return 1;
}

int
main(int argc, char **argv)
{
	sqlite3 *db;
	sqlite3_stmt *ins;
	struct timespec ts;
	const char *path;
	char buf[256];
	int hold = 0;

	if (argc == 3 && strcmp(argv[1], "-h") == 0)
		hold = 1;
	else if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: submitmin [-h] DB\n");
		return 64;
	}
	path = argv[argc - 1];
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    (hold ? SQLITE_OPEN_CREATE : 0), NULL) != SQLITE_OK)
		return fail(db, path);
	if (sqlite3_exec(db, "PRAGMA journal_mode = WAL; "
	    "PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000",
	    NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, path);
	if (hold) {
		if (sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS t (id "
		    "INTEGER PRIMARY KEY AUTOINCREMENT, command TEXT NOT NULL, "
		    "created_at INTEGER NOT NULL) STRICT; "
		    "SELECT count(*) FROM t", NULL, NULL, NULL) != SQLITE_OK)
			return fail(db, path);
		printf("ready\n");
		fflush(stdout);
		while (read(0, buf, sizeof(buf)) > 0)
			;
		sqlite3_close(db);
		return 0;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, path);
	if (sqlite3_prepare_v2(db, "INSERT INTO t (command, created_at) "
	    "VALUES ('true', ?1)", -1, &ins, NULL) != SQLITE_OK)
		return fail(db, path);
	sqlite3_bind_int64(ins, 1, (sqlite3_int64)ts.tv_sec * 1000 +
	    ts.tv_nsec / 1000000);
	if (sqlite3_step(ins) != SQLITE_DONE)
		return fail(db, path);
	sqlite3_finalize(ins);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, path);
	printf("%lld\n", (long long)sqlite3_last_insert_rowid(db));
	sqlite3_close(db);
	return 0;
}
