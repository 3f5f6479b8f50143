/*
 * Tests for metrics and store_metrics: the text a snapshot prints (label
 * escaping, cumulative buckets, seconds from ms), the counters that
 * store_finish() keeps (only for results it applies), and the atomic file.
 * A real SQLite file in a temporary directory and an injected clock.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "jobd/job.h"
#include "jobd/metrics.h"
#include "jobd/procopt.h"
#include "jobd/schema.h"
#include "jobd/store.h"
#include "fake_clock.h"
#include "testdir.h"

#define T0	1764460800000LL		/* 2025-11-30T00:00:00Z */

static int
setup(void **state)
{
	return test_store_fixture(state, "metrics", T0);
}

static int
teardown(void **state)
{
	return test_store_unfixture(state);
}

/* metrics_format(snap) as a string; the caller frees it. */
static char *
format(const struct metrics_snapshot *snap)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	assert_non_null(fp = open_memstream(&text, &len));
	assert_int_equal(metrics_format(snap, fp), 0);
	assert_int_equal(fclose(fp), 0);
	return text;
}

static void
assert_line(const char *text, const char *line)
{
	char want[512];
	const char *p;

	snprintf(want, sizeof(want), "%s\n", line);
	for (p = text; (p = strstr(p, want)) != NULL; p++)
		if (p == text || p[-1] == '\n')
			return;
	fail_msg("no line \"%s\" in:\n%s", line, text);
}

/* Label values escape \, " and newline; buckets add up; ms are seconds. */
static void
test_metrics_format_escapes_and_buckets(void **state)
{
	struct metrics_queue q;
	struct metrics_schedule sc;
	struct metrics_daemon d;
	struct metrics_snapshot snap;
	char qname[] = "a\"b\\c\nd", sname[] = "s\"1", inst[] = "h:1:x",
	    host[] = "h", boot[] = "b";
	char *text;

	(void)state;
	memset(&snap, 0, sizeof(snap));
	memset(&q, 0, sizeof(q));
	memset(&sc, 0, sizeof(sc));
	memset(&d, 0, sizeof(d));
	snap.now = T0 + 90500;
	q.name = qname;
	q.jobs[JOB_PENDING] = 2;
	q.jobs[JOB_DEAD] = 1;
	q.oldest_due = T0;
	q.dead_total = 3;
	q.attempts[1] = 7;		/* failed */
	q.buckets[0] = 1;		/* <= 0.1 s */
	q.buckets[3] = 2;		/* <= 5 s */
	q.runs = 4;			/* one beyond 12 h */
	q.run_ms = 1500;
	snap.queues = &q;
	snap.nqueues = 1;
	sc.name = sname;
	sc.fired = 5;
	sc.missed = 2;
	sc.last_success = T0 + 250;
	snap.scheds = &sc;
	snap.nscheds = 1;
	d.instance = inst;
	d.host = host;
	d.boot_id = boot;
	d.heartbeat_at = T0 + 1000;
	d.up = true;
	snap.daemons = &d;
	snap.ndaemons = 1;
	snap.db_bytes = 4096;

	text = format(&snap);
	assert_line(text, "# TYPE jobd_up gauge");
	assert_line(text, "jobd_up 1");
	assert_line(text, "jobd_daemon_up{instance=\"h:1:x\",host=\"h\"} 1");
	assert_line(text, "jobd_daemon_heartbeat_timestamp_seconds{"
	    "instance=\"h:1:x\",host=\"h\"} 1764460801");
	assert_line(text, "jobd_jobs{queue=\"a\\\"b\\\\c\\nd\","
	    "state=\"pending\"} 2");
	assert_line(text, "jobd_queue_lag_seconds{queue=\"a\\\"b\\\\c\\nd\"} "
	    "90.5");
	assert_line(text, "jobd_dead_letters{queue=\"a\\\"b\\\\c\\nd\"} 1");
	assert_line(text, "# TYPE jobd_dead_letters_total counter");
	assert_line(text, "jobd_dead_letters_total{queue=\"a\\\"b\\\\c\\nd\"} "
	    "3");
	assert_line(text, "jobd_attempts_total{queue=\"a\\\"b\\\\c\\nd\","
	    "outcome=\"failed\"} 7");
	assert_line(text, "# TYPE jobd_run_duration_seconds histogram");
	assert_line(text, "jobd_run_duration_seconds_bucket{"
	    "queue=\"a\\\"b\\\\c\\nd\",le=\"0.1\"} 1");
	assert_line(text, "jobd_run_duration_seconds_bucket{"
	    "queue=\"a\\\"b\\\\c\\nd\",le=\"1\"} 1");
	assert_line(text, "jobd_run_duration_seconds_bucket{"
	    "queue=\"a\\\"b\\\\c\\nd\",le=\"5\"} 3");
	assert_line(text, "jobd_run_duration_seconds_bucket{"
	    "queue=\"a\\\"b\\\\c\\nd\",le=\"43200\"} 3");
	assert_line(text, "jobd_run_duration_seconds_bucket{"
	    "queue=\"a\\\"b\\\\c\\nd\",le=\"+Inf\"} 4");
	assert_line(text, "jobd_run_duration_seconds_sum{"
	    "queue=\"a\\\"b\\\\c\\nd\"} 1.5");
	assert_line(text, "jobd_run_duration_seconds_count{"
	    "queue=\"a\\\"b\\\\c\\nd\"} 4");
	assert_line(text, "jobd_cron_slots_total{schedule=\"s\\\"1\","
	    "outcome=\"fired\"} 5");
	assert_line(text, "jobd_cron_slots_total{schedule=\"s\\\"1\","
	    "outcome=\"skipped\"} 0");
	assert_line(text, "jobd_cron_slots_total{schedule=\"s\\\"1\","
	    "outcome=\"missed\"} 2");
	assert_line(text, "jobd_schedule_last_success_timestamp_seconds{"
	    "schedule=\"s\\\"1\"} 1764460800.25");
	assert_line(text, "jobd_database_size_bytes 4096");
	assert_line(text, "jobd_database_wal_size_bytes 0");
	/* No raw newline inside a label: every line is a sample or # */
	assert_null(strstr(text, "\nd\""));
	free(text);
}

static void
end_of(struct attempt_end *e, int64_t id, const char *outcome,
    enum end_action action, int64_t ms)
{
	memset(e, 0, sizeof(*e));
	e->job_id = id;
	e->attempt = 1;
	e->owner = "me";
	e->outcome = outcome;
	e->has_exit_code = true;
	e->exit_code = strcmp(outcome, "ok") == 0 ? 0 : 1;
	e->started_at = T0 + 1000;
	e->finished_at = T0 + 1000 + ms;
	e->action = action;
	e->reason = "failed";
}

/*
 * store_finish() counts what it applies, by queue and outcome, with the
 * run's bucket and the death; a late result (the lease lost) counts
 * nothing; deleting the rows lowers no counter.
 */
static void
test_metrics_store_counts_applied_results(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec js[3];
	struct attempt_end e[2];
	struct metrics_snapshot snap;
	struct job got[3];
	int64_t ids[3];
	size_t i, n;
	char err[512];
	struct store *side;

	memset(js, 0, sizeof(js));
	for (i = 0; i < 3; i++) {
		js[i].command = "true";
		js[i].queue = "q";
		js[i].run_at = T0;
		js[i].max_attempts = js[i].timeout_ms = JOB_DEFAULT;
		js[i].backoff_ms = js[i].backoff_max_ms = JOB_DEFAULT;
		procopt_init(&js[i].proc);
	}
	js[2].run_at = T0 + 60000;	/* not due */
	assert_int_equal(store_submit(f->st, js, 3, ids, NULL), 0);
	assert_int_equal(store_claim(f->st, "me", T0, 60000, 2, got, &n), 0);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++)
		job_clear(&got[i]);
	end_of(&e[0], ids[0], "ok", END_DONE, 200);
	end_of(&e[1], ids[1], "failed", END_DEAD, 20000);
	assert_int_equal(store_finish(f->st, e, 2, T0 + 30000), 0);
	assert_true(e[0].applied && e[1].applied);
	/* The same results again: late, not applied, not counted. */
	end_of(&e[0], ids[0], "ok", END_DONE, 200);
	assert_int_equal(store_finish(f->st, e, 1, T0 + 31000), 0);
	assert_false(e[0].applied);

	assert_int_equal(store_metrics_read(f->st, T0 + 90000, &snap), 0);
	assert_int_equal(snap.nqueues, 1);
	assert_string_equal(snap.queues[0].name, "q");
	assert_int_equal(snap.queues[0].attempts[0], 1);	/* ok */
	assert_int_equal(snap.queues[0].attempts[1], 1);	/* failed */
	assert_int_equal(snap.queues[0].dead_total, 1);
	assert_int_equal(snap.queues[0].jobs[JOB_DONE], 1);
	assert_int_equal(snap.queues[0].jobs[JOB_DEAD], 1);
	assert_int_equal(snap.queues[0].jobs[JOB_PENDING], 1);
	assert_int_equal(snap.queues[0].oldest_due, T0 + 60000);
	assert_int_equal(snap.queues[0].runs, 2);
	assert_int_equal(snap.queues[0].run_ms, 20200);
	assert_int_equal(snap.queues[0].buckets[1], 1);	/* <= 0.5 s */
	assert_int_equal(snap.queues[0].buckets[5], 1);	/* <= 60 s */
	assert_true(snap.db_bytes > 0);
	metrics_free(&snap);

	/* Pruning, by another connection: the counters stay. */
	assert_int_equal(store_open(&side, f->db, 0, &f->fc.clock, err,
	    sizeof(err)), 0);
	assert_int_equal(store_dead_purge(side, INT64_MAX, (int64_t[]){ 0 }),
	    0);
	store_close(side);
	assert_int_equal(store_metrics_read(f->st, T0 + 90000, &snap), 0);
	assert_int_equal(snap.queues[0].jobs[JOB_DEAD], 0);
	assert_int_equal(snap.queues[0].dead_total, 1);
	assert_int_equal(snap.queues[0].attempts[1], 1);
	metrics_free(&snap);
}

static int
count_entries(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
test_metrics_write_file_and_check_path(void **state)
{
	struct store_fixture *f = *state;
	char dir[PATH_MAX + 8], path[PATH_MAX + 24], bad[PATH_MAX + 40];
	char buf[64], err[512];
	struct stat sb;
	FILE *fp;

	snprintf(dir, sizeof(dir), "%s/out", f->dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/jobd.prom", dir);
	assert_int_equal(metrics_check_path(path, err, sizeof(err)), 0);
	assert_int_equal(metrics_write_file(path, "a 1\n", 4, err,
	    sizeof(err)), 0);
	assert_int_equal(metrics_write_file(path, "b 2\n", 4, err,
	    sizeof(err)), 0);
	assert_non_null(fp = fopen(path, "r"));
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_string_equal(buf, "b 2\n");
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	assert_int_equal(count_entries(dir), 1);

	snprintf(bad, sizeof(bad), "%s/missing/jobd.prom", f->dir);
	assert_int_equal(metrics_check_path(bad, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "missing"));
	assert_int_equal(metrics_write_file(bad, "a\n", 2, err, sizeof(err)),
	    -ENOENT);
	assert_int_equal(metrics_check_path("jobd.prom", err, sizeof(err)),
	    -EINVAL);
	assert_int_equal(metrics_check_path(dir, err, sizeof(err)), -EISDIR);
	snprintf(bad, sizeof(bad), "%s/", path);
	assert_int_equal(metrics_check_path(bad, err, sizeof(err)), -EISDIR);
	snprintf(bad, sizeof(bad), "%s/x.prom", path);
	assert_int_equal(metrics_check_path(bad, err, sizeof(err)), -ENOTDIR);
}

/*
 * A database made before the metrics migration: its history is counted
 * once when the migration runs, so counters do not start from zero.
 */
static void
test_metrics_migration_counts_history(void **state)
{
	struct store_fixture *f = *state;
	struct metrics_snapshot snap;
	char path[PATH_MAX + 16], sql[64], err[512];
	sqlite3 *db;
	int i, k = -1;

	for (i = 0; i < schema_nmigrations; i++)
		if (strcmp(schema_migrations[i].name, "012_metrics.sql") == 0)
			k = i;
	assert_true(k > 0);
	snprintf(path, sizeof(path), "%s/old.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	for (i = 0; i < k; i++)
		assert_int_equal(sqlite3_exec(db, schema_migrations[i].sql,
		    NULL, NULL, NULL), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", k);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	    "PRAGMA application_id = 1785684580;"
	    "INSERT INTO schedules (id, name, cron, command, created_at, "
	    "  updated_at) VALUES (1, 'nightly', '0 3 * * *', 'true', 0, 0);"
	    "INSERT INTO jobs (id, queue, command, state, run_at, "
	    "  created_at, updated_at, finished_at, schedule_id, slot_at) "
	    "  VALUES (1, 'a', 'true', 'done', 0, 0, 0, 5000, 1, 1000),"
	    "  (2, 'a', 'true', 'done', 0, 0, 0, 9000, 1, 2000),"
	    "  (3, 'a', 'true', 'pending', 0, 0, 0, NULL, NULL, NULL);"
	    "INSERT INTO dead_jobs (id, queue, command, priority, run_at, "
	    "  attempts, created_at, updated_at, dead_at, reason) "
	    "  VALUES (4, 'b', 'false', 0, 0, 1, 0, 0, 0, 'failed');"
	    "INSERT INTO attempts (job_id, attempt, owner, started_at, "
	    "  outcome) VALUES (1, 1, 'x', 0, 'ok'), (2, 1, 'x', 0, 'failed'),"
	    "  (2, 2, 'x', 0, 'ok'), (4, 1, 'x', 0, 'failed'),"
	    "  (99, 1, 'x', 0, 'ok');"
	    "INSERT INTO schedule_slots (schedule_id, slot_at, outcome, "
	    "  recorded_at) VALUES (1, 1000, 'queued', 0),"
	    "  (1, 2000, 'queued', 0), (1, 3000, 'skipped', 0);"
	    "INSERT INTO schedule_slots (schedule_id, slot_at, outcome, "
	    "  reason, recorded_at) VALUES (1, 500, 'skipped', 'missed while "
	    "jobd was not running (catchup = skip)', 0);",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	store_close(f->st);
	assert_int_equal(store_open(&f->st, path, 0, &f->fc.clock, err,
	    sizeof(err)), 0);
	assert_int_equal(store_metrics_read(f->st, T0, &snap), 0);
	assert_int_equal(snap.nqueues, 2);
	assert_string_equal(snap.queues[0].name, "a");
	assert_int_equal(snap.queues[0].jobs[JOB_DONE], 2);
	assert_int_equal(snap.queues[0].jobs[JOB_PENDING], 1);
	assert_int_equal(snap.queues[0].attempts[0], 2);	/* ok */
	assert_int_equal(snap.queues[0].attempts[1], 1);	/* failed */
	assert_string_equal(snap.queues[1].name, "b");
	assert_int_equal(snap.queues[1].jobs[JOB_DEAD], 1);
	assert_int_equal(snap.queues[1].dead_total, 1);
	assert_int_equal(snap.queues[1].attempts[1], 1);
	assert_int_equal(snap.nscheds, 1);
	assert_int_equal(snap.scheds[0].fired, 2);
	assert_int_equal(snap.scheds[0].skipped, 1);
	assert_int_equal(snap.scheds[0].missed, 1);
	assert_int_equal(snap.scheds[0].last_success, 9000);
	metrics_free(&snap);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_format_escapes_and_buckets),
		cmocka_unit_test_setup_teardown(
		    test_metrics_store_counts_applied_results, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_metrics_write_file_and_check_path, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_metrics_migration_counts_history, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
