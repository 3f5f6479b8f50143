/*
 * sqlcommit: how many durable single-row commits per second SQLite makes
 * on this machine's disk, the limit of any submission path that promises
 * "accepted means durable".
 *
 * usage: sqlcommit [-s SECONDS] [-m MIN_COMMITS] DB
 *
 * Opens (creating) DB in WAL mode with synchronous=FULL, as jobd's store
 * does, and commits one row per BEGIN IMMEDIATE ... COMMIT transaction
 * for at least SECONDS (default 1) and MIN_COMMITS (default 50) commits.
 * Prints "COMMITS SECONDS RATE" on stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bench.h"

static void
check(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "sqlcommit: %s: %s\n", what,
		    sqlite3_errmsg(db));
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	sqlite3 *db;
	sqlite3_stmt *ins;
	long secs = 1, min = 50, n = 0;
	double t0, t;
	int ch;

	while ((ch = getopt(argc, argv, "m:s:")) != -1) {
		switch (ch) {
		case 'm':
			min = bench_number("sqlcommit", optarg, 1, 100000000);
			break;
		case 's':
			secs = bench_number("sqlcommit", optarg, 0, 3600);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	if (sqlite3_open(argv[optind], &db) != SQLITE_OK) {
		fprintf(stderr, "sqlcommit: %s: %s\n", argv[optind],
		    sqlite3_errmsg(db));
		return 1;
	}
	check(db, sqlite3_exec(db, "PRAGMA journal_mode = WAL; "
	    "PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; "
	    "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY "
	    "AUTOINCREMENT, command TEXT NOT NULL, created_at INTEGER "
	    "NOT NULL) STRICT", NULL, NULL, NULL), "setup");
	check(db, sqlite3_prepare_v2(db, "INSERT INTO t (command, created_at) "
	    "VALUES ('true', ?1)", -1, &ins, NULL), "prepare");
	t0 = bench_now();
	do {
		check(db, sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL,
		    NULL), "begin");
		sqlite3_bind_int64(ins, 1, n);
		check(db, sqlite3_step(ins), "insert");
		sqlite3_reset(ins);
		check(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL),
		    "commit");
		n++;
		t = bench_now();
	} while (t - t0 < secs || n < min);
	sqlite3_finalize(ins);
	sqlite3_close(db);
	printf("%ld %.6f %.3f\n", n, t - t0, n / (t - t0));
	return 0;
usage:
	fprintf(stderr, "usage: sqlcommit [-s SECONDS] [-m MIN_COMMITS] DB\n");
	return 64;
}
