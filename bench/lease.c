/*
 * lease: the cost of the daemon's lease (claim) transaction on a given
 * database, without changing the database.
 *
 * usage: lease [-n ITERATIONS] [-m MAX] DB
 *
 * Opens DB through the store and calls store_claim() -- the daemon's own
 * function and SQL, up to MAX jobs (default 2, one per free worker) --
 * ITERATIONS times.  A commit hook, installed on the store's connection
 * through sqlite3_auto_extension(), turns each COMMIT into a ROLLBACK, so
 * every call sees the same database and the figure is the transaction's
 * work (BEGIN IMMEDIATE, the claim UPDATE ... RETURNING, the attempts
 * INSERTs, the queues' fair-share and rate state) without the fsync.
 * The hook also checks that each call claimed MAX jobs.
 *
 * DB may also be a postgresql:// URI.  The PostgreSQL backend ends a
 * transaction with libpq's PQexec("COMMIT") (or "NOTIFY ...; COMMIT"),
 * which it calls through pq.exec (pq.h); once the store is open, the
 * program puts lease_exec() there, which sends ROLLBACK in its place
 * while a call is timed.  There the check is that
 * store_claim() returned MAX jobs and its COMMIT was the one rolled back.
 *
 * Prints "MEDIAN_US P90_US ITERATIONS" on stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bench.h"
#include "jobd/clock.h"
#include "jobd/job.h"
#include "jobd/pq.h"
#include "jobd/store.h"

#define LEASE_WARMUP	10
#define LEASE_OWNER	"bench:lease"
#define LEASE_MS	300000

static sqlite3	*hook_db;		/* the store's connection */
static int	 hook_armed;		/* roll the next COMMIT back */
static int	 hook_changes;		/* rows changed by that transaction */
static int	 hook_base;
static int	 hook_rolled;		/* PostgreSQL COMMITs rolled back */

static PGresult	*(*real_exec)(PGconn *, const char *);

/* PostgreSQL: the store's COMMIT, while armed, becomes a ROLLBACK. */
static PGresult *
lease_exec(PGconn *conn, const char *sql)
{
	size_t n = strlen(sql);

	if (hook_armed && n >= 6 && strcmp(sql + n - 6, "COMMIT") == 0) {
		hook_rolled++;
		return real_exec(conn, "ROLLBACK");
	}
	return real_exec(conn, sql);
}

static int
commit_hook(void *arg)
{
	(void)arg;
	if (!hook_armed)
		return 0;
	hook_changes = sqlite3_total_changes(hook_db) - hook_base;
	return 1;			/* non-zero: ROLLBACK instead */
}

static int
hook_init(sqlite3 *db, char **errmsg, const sqlite3_api_routines *api)
{
	(void)errmsg;
	(void)api;
	hook_db = db;
	sqlite3_commit_hook(db, commit_hook, NULL);
	return SQLITE_OK;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct store *st;
	struct job out[64];
	char err[512];
	double *us, t0;
	long iters = 1000, max = 2, i;
	size_t n, k;
	int ch, error, pg;

	while ((ch = getopt(argc, argv, "m:n:")) != -1) {
		switch (ch) {
		case 'm':
			max = bench_number("lease", optarg, 1, 64);
			break;
		case 'n':
			iters = bench_number("lease", optarg, 1, 10000000);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	if ((us = calloc((size_t)iters, sizeof(*us))) == NULL) {
		fprintf(stderr, "lease: out of memory\n");
		return 1;
	}
	sqlite3_auto_extension((void (*)(void))hook_init);
	if ((error = store_open(&st, argv[optind], 0, &clock_system, err,
	    sizeof(err))) != 0) {
		fprintf(stderr, "lease: %s\n", err);
		return 1;
	}
	pg = strncmp(argv[optind], "postgres", 8) == 0;
	if (pg) {			/* libpq is loaded now */
		real_exec = pq.exec;
		pq.exec = lease_exec;
	}
	if (!pg && hook_db == NULL) {
		fprintf(stderr, "lease: the commit hook was not installed\n");
		return 1;
	}
	for (i = -LEASE_WARMUP; i < iters; i++) {
		if (!pg)
			hook_base = sqlite3_total_changes(hook_db);
		hook_changes = -1;
		hook_rolled = 0;
		n = 0;
		hook_armed = 1;
		t0 = (bench_now() * 1000000);
		error = store_claim(st, LEASE_OWNER,
		    clock_wall_ms(&clock_system), LEASE_MS, (size_t)max, out,
		    &n);
		if (i >= 0)
			us[i] = (bench_now() * 1000000) - t0;
		hook_armed = 0;
		if (pg) {
			for (k = 0; k < n; k++)
				job_clear(&out[k]);
			if (error != 0 || hook_rolled != 1 ||
			    n != (size_t)max) {
				fprintf(stderr, "lease: %s: a claim returned "
				    "%d with %zu jobs, %d COMMITs rolled "
				    "back: fewer than %ld jobs due? (%s)\n",
				    argv[optind], error, n, hook_rolled, max,
				    store_errmsg(st));
				return 1;
			}
			continue;
		}
		if (error == 0) {
			fprintf(stderr, "lease: the claim committed; the "
			    "database was changed\n");
			return 1;
		}
		/* A job and its attempt each, then the queues' state. */
		if (hook_changes < 2 * max) {
			fprintf(stderr, "lease: %s: a claim changed %d rows, "
			    "fewer than %ld: fewer than %ld jobs due? (%s)\n",
			    argv[optind], hook_changes, 2 * max, max,
			    store_errmsg(st));
			return 1;
		}
	}
	store_close(st);
	qsort(us, (size_t)iters, sizeof(*us), cmp_double);
	printf("%.3f %.3f %ld\n", us[iters / 2], us[iters * 9 / 10], iters);
	free(us);
	return 0;
usage:
	fprintf(stderr, "usage: lease [-n ITERATIONS] [-m MAX] DB\n");
	return 64;
}
