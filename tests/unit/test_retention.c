/*
 * Unit tests for retention: the pure decision (retention.c) on a test
 * clock, the [retention] keys of jobd.conf, and the store's bounded prune
 * steps (store_prune.c) on a real database.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "jobd/config.h"
#include "jobd/job.h"
#include "jobd/jobspec.h"
#include "jobd/procopt.h"
#include "jobd/retention.h"
#include "jobd/store.h"
#include "fake_clock.h"
#include "testdir.h"

#define T0	1764460800000LL		/* 2025-11-30T00:00:00Z */
#define MIN	60000LL
#define HOUR	(60 * MIN)
#define DAY	(24 * HOUR)

static void
test_retention_cutoff_and_age(void **state)
{
	struct fake_clock fc;
	int64_t now, cut;

	(void)state;
	fake_clock_init(&fc, T0);
	now = clock_wall_ms(&fc.clock);
	cut = retention_cutoff(now, DAY);
	assert_int_equal(cut, T0 - DAY);
	/* Exactly the window ago stays; a millisecond more goes. */
	assert_false(retention_is_old(T0 - DAY, cut));
	assert_true(retention_is_old(T0 - DAY - 1, cut));
	assert_false(retention_is_old(T0, cut));
	/* Time passes: what was young is old. */
	fake_clock_advance(&fc, DAY + 1);
	cut = retention_cutoff(clock_wall_ms(&fc.clock), DAY);
	assert_true(retention_is_old(T0, cut));
	/* 0 keeps for ever; an unknown finish time is never old. */
	assert_int_equal(retention_cutoff(now, 0), RETENTION_NONE);
	assert_false(retention_is_old(1, RETENTION_NONE));
	assert_false(retention_is_old(0, cut));
	/* A window reaching before the epoch cuts nothing. */
	assert_int_equal(retention_cutoff(1000, 2000), RETENTION_NONE);
}

static void
test_retention_rules(void **state)
{
	struct retention r;
	struct prune_rules p;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.keep_ms[RET_DONE] = DAY;
	r.keep_ms[RET_CANCELLED] = 2 * DAY;
	r.keep_ms[RET_DEAD] = 0;
	r.keep_ms[RET_OUTPUT] = HOUR;
	r.schedule_runs = 7;
	assert_int_equal(retention_rules(&r, T0, -1, -1, &p), 0);
	assert_int_equal(p.cutoff[RET_DONE], T0 - DAY);
	assert_int_equal(p.cutoff[RET_CANCELLED], T0 - 2 * DAY);
	assert_int_equal(p.cutoff[RET_DEAD], RETENTION_NONE);
	assert_int_equal(p.cutoff[RET_OUTPUT], T0 - HOUR);
	assert_true(p.want[RET_DONE] && p.want[RET_CANCELLED] &&
	    p.want[RET_DEAD]);
	assert_int_equal(p.schedule_runs, 7);
	/* --older-than replaces every window, 0 meaning "until now". */
	assert_int_equal(retention_rules(&r, T0, 5 * MIN, -1, &p), 0);
	assert_int_equal(p.cutoff[RET_DEAD], T0 - 5 * MIN);
	assert_int_equal(p.cutoff[RET_OUTPUT], T0 - 5 * MIN);
	assert_int_equal(retention_rules(&r, T0, 0, -1, &p), 0);
	assert_int_equal(p.cutoff[RET_DONE], T0);
	/* --state: that state alone, no output. */
	assert_int_equal(retention_rules(&r, T0, -1, RET_CANCELLED, &p), 0);
	assert_false(p.want[RET_DONE]);
	assert_true(p.want[RET_CANCELLED]);
	assert_false(p.want[RET_DEAD]);
	assert_int_equal(p.cutoff[RET_DONE], RETENTION_NONE);
	assert_int_equal(p.cutoff[RET_OUTPUT], RETENTION_NONE);
	assert_int_equal(retention_rules(&r, T0, -1, RET_OUTPUT, &p), -EINVAL);
}

static void
test_retention_state_parse(void **state)
{
	enum ret_kind k;

	(void)state;
	assert_int_equal(retention_state_parse("done", &k), 0);
	assert_int_equal(k, RET_DONE);
	assert_int_equal(retention_state_parse("dead", &k), 0);
	assert_int_equal(k, RET_DEAD);
	assert_int_equal(retention_state_parse("running", &k), -ERANGE);
	assert_int_equal(retention_state_parse("pending", &k), -ERANGE);
	assert_int_equal(retention_state_parse("output", &k), -EINVAL);
	assert_int_equal(retention_state_parse("Done", &k), -EINVAL);
}

static void
test_retention_config(void **state)
{
	static const char good[] =
	    "[retention]\ndone = 2d\ncancelled = 0s\ndead = 90d\n"
	    "output = 12h\nschedule_runs = 50\ninterval = 30s\n";
	struct jd_config c;
	char err[512];

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(c.retention.keep_ms[RET_DONE], 7 * DAY);
	assert_int_equal(c.retention.keep_ms[RET_CANCELLED], 7 * DAY);
	assert_int_equal(c.retention.keep_ms[RET_DEAD], 30 * DAY);
	assert_int_equal(c.retention.schedule_runs, 1000);
	assert_int_equal(config_load_buf(&c, good, strlen(good), "t.conf",
	    err, sizeof(err)), 0);
	assert_int_equal(c.retention.keep_ms[RET_DONE], 2 * DAY);
	assert_int_equal(c.retention.keep_ms[RET_CANCELLED], 0);
	assert_int_equal(c.retention.keep_ms[RET_DEAD], 90 * DAY);
	assert_int_equal(c.retention.keep_ms[RET_OUTPUT], 12 * HOUR);
	assert_int_equal(c.retention.schedule_runs, 50);
	assert_int_equal(c.prune_interval_ms, 30000);
	/* Bad input names file:line and the key, and changes nothing. */
	assert_int_equal(config_load_buf(&c, "[retention]\ndone = 3x\n", 22,
	    "t.conf", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "t.conf:2: done = \"3x\""));
	assert_int_equal(c.retention.keep_ms[RET_DONE], 2 * DAY);
	assert_int_equal(config_load_buf(&c, "[retention]\nkeep = 1d\n", 22,
	    "t.conf", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "t.conf:2:"));
	assert_non_null(strstr(err, "keep"));
	assert_int_equal(config_load_buf(&c, "[retention]\nschedule_runs = "
	    "-1\n", 30, "t.conf", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "schedule_runs"));
	assert_int_equal(c.retention.schedule_runs, 50);
	config_free(&c);
}

/* The store: a database with jobs finished on a test clock. */
struct fixture {
	char			 dir[PATH_MAX];
	char			 db[PATH_MAX];
	struct fake_clock	 fc;
	struct store		*st;
	sqlite3			*side;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	test_tmpdir(f->dir, sizeof(f->dir), "ret");
	fake_clock_init(&f->fc, T0);
	test_store_open(f->dir, f->db, sizeof(f->db), &f->fc.clock, &f->st);
	assert_int_equal(sqlite3_open(f->db, &f->side), SQLITE_OK);
	sqlite3_busy_timeout(f->side, 5000);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	sqlite3_close(f->side);
	store_close(f->st);
	test_rmdir(f->dir);
	free(f);
	return 0;
}

static int64_t
sql_int(struct fixture *f, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(f->side, sql, -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Submit n jobs (keys "k0".. when keyed), run each to done at "now". */
static void
run_done(struct fixture *f, int n, bool keyed)
{
	static const char out[] = "some output\n";
	char key[32];
	int i;

	for (i = 0; i < n; i++) {
		struct job_spec js;
		struct attempt_end e;
		struct job got;
		int64_t id, now = clock_wall_ms(&f->fc.clock);
		size_t k;

		memset(&js, 0, sizeof(js));
		js.command = "true";
		js.run_at = now;
		js.max_attempts = js.timeout_ms = JOB_DEFAULT;
		js.backoff_ms = js.backoff_max_ms = JOB_DEFAULT;
		procopt_init(&js.proc);
		snprintf(key, sizeof(key), "k%d", i);
		if (keyed) {
			js.key = key;
			js.key_ttl_ms = DAY;
		}
		assert_int_equal(store_submit(f->st, &js, 1, &id, NULL), 0);
		assert_int_equal(store_claim(f->st, "me", now, MIN, 1, &got,
		    &k), 0);
		assert_int_equal(k, 1);
		job_clear(&got);
		memset(&e, 0, sizeof(e));
		e.job_id = id;
		e.attempt = 1;
		e.owner = "me";
		e.outcome = "ok";
		e.has_exit_code = true;
		e.finished_at = now;
		e.output = out;
		e.output_len = sizeof(out) - 1;
		e.action = END_DONE;
		assert_int_equal(store_finish(f->st, &e, 1, now), 0);
		assert_true(e.applied);
		fake_clock_advance(&f->fc, 1);
	}
}

static void
rules_at(struct fixture *f, struct prune_rules *p)
{
	struct retention r;

	memset(&r, 0, sizeof(r));
	r.keep_ms[RET_DONE] = DAY;
	r.keep_ms[RET_OUTPUT] = HOUR;
	assert_int_equal(retention_rules(&r, clock_wall_ms(&f->fc.clock), -1,
	    -1, p), 0);
}

/* Each step removes at most max_rows jobs; the steps together all. */
static void
test_prune_steps_are_bounded(void **state)
{
	struct fixture *f = *state;
	struct prune_counts c;
	struct prune_rules p;
	bool more;
	int steps = 0;

	run_done(f, 25, true);
	rules_at(f, &p);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_prune_step(f->st, &p, 10, 1000, &c, &more), 0);
	assert_int_equal(c.jobs[RET_DONE], 0);	/* young: nothing */
	assert_false(more);
	fake_clock_advance(&f->fc, DAY + MIN);
	rules_at(f, &p);
	do {
		int64_t before = c.jobs[RET_DONE];

		assert_int_equal(store_prune_step(f->st, &p, 10, 1000, &c,
		    &more), 0);
		assert_true(c.jobs[RET_DONE] - before <= 10);
		steps++;
	} while (more && steps < 10);
	assert_int_equal(steps, 3);
	assert_int_equal(c.jobs[RET_DONE], 25);
	assert_int_equal(c.attempts, 25);
	assert_int_equal(c.keys, 25);
	assert_int_equal(c.output_bytes, 25 * 12);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM jobs"), 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM attempts"), 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM job_keys"), 0);
}

/* Output goes before its job, and the attempt row stays. */
static void
test_prune_output_only(void **state)
{
	struct fixture *f = *state;
	struct prune_counts c, d;
	struct prune_rules p;
	bool more;

	run_done(f, 3, false);
	fake_clock_advance(&f->fc, 2 * HOUR);
	rules_at(f, &p);
	memset(&c, 0, sizeof(c));
	/* A dry run counts the same and leaves everything. */
	assert_int_equal(store_prune_dry(f->st, &p, &d), 0);
	assert_int_equal(d.outputs, 3);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM attempts WHERE "
	    "output IS NOT NULL"), 3);
	assert_int_equal(store_prune_step(f->st, &p, 100, 1000, &c, &more), 0);
	assert_memory_equal(&c, &d, sizeof(c));
	assert_int_equal(c.jobs[RET_DONE], 0);
	assert_int_equal(c.outputs, 3);
	assert_int_equal(c.output_bytes, 36);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM attempts WHERE "
	    "output IS NULL AND output_dropped = 12"), 3);
}

/* A job that a pending rerun was copied from stays; the id is known. */
static void
test_prune_spares_rerun_source(void **state)
{
	struct fixture *f = *state;
	struct prune_counts c;
	struct prune_rules p;
	struct job jb;
	int64_t src, rerun, last;
	bool more;

	run_done(f, 2, false);
	src = sql_int(f, "SELECT min(id) FROM jobs");
	assert_int_equal(store_job_rerun(f->st, src, T0 + 10 * DAY, &rerun),
	    0);
	fake_clock_advance(&f->fc, 2 * DAY);
	rules_at(f, &p);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_prune_step(f->st, &p, 100, 1000, &c, &more), 0);
	assert_int_equal(c.jobs[RET_DONE], 1);
	assert_int_equal(store_job_get(f->st, src, &jb), 0);
	job_clear(&jb);
	assert_int_equal(store_job_get(f->st, src + 1, &jb), -ENOENT);
	assert_string_equal(store_errmsg(f->st), "no such job (pruned?)");
	assert_int_equal(store_job_get(f->st, rerun + 1, &jb), -ENOENT);
	assert_string_equal(store_errmsg(f->st), "no such job");
	assert_int_equal(store_last_job_id(f->st, &last), 0);
	assert_int_equal(last, rerun);
}

/*
 * A finished job that a pending job waits on (--after) stays; a pruned
 * job's dependency rows go with it, both ways.
 */
static void
test_prune_spares_dependency(void **state)
{
	struct fixture *f = *state;
	struct prune_counts c;
	struct prune_rules p;
	struct job_spec js;
	struct job_dep d[2];
	struct attempt_end e;
	struct job got, jb;
	int64_t a, b, pend, waiter, e_id, now;
	size_t k;
	char sql[160];
	bool more;

	run_done(f, 2, false);
	a = sql_int(f, "SELECT min(id) FROM jobs");
	b = a + 1;
	now = clock_wall_ms(&f->fc.clock);
	memset(&js, 0, sizeof(js));
	js.command = "true";
	js.max_attempts = js.timeout_ms = JOB_DEFAULT;
	js.backoff_ms = js.backoff_max_ms = JOB_DEFAULT;
	procopt_init(&js.proc);
	js.run_at = now + 10 * DAY;
	assert_int_equal(store_submit(f->st, &js, 1, &pend, NULL), 0);
	/* waiter: pending, waits on a (met) and on pend. */
	memset(d, 0, sizeof(d));
	d[0].id = a;
	d[1].id = pend;
	js.run_at = now;
	js.deps = d;
	js.ndeps = 2;
	assert_int_equal(store_submit(f->st, &js, 1, &waiter, NULL), 0);
	/* e_id: waits on b, runs to done. */
	d[0].id = b;
	js.ndeps = 1;
	assert_int_equal(store_submit(f->st, &js, 1, &e_id, NULL), 0);
	assert_int_equal(store_claim(f->st, "me", now, MIN, 1, &got, &k), 0);
	assert_int_equal(k, 1);
	assert_int_equal(got.id, e_id);
	job_clear(&got);
	memset(&e, 0, sizeof(e));
	e.job_id = e_id;
	e.attempt = 1;
	e.owner = "me";
	e.outcome = "ok";
	e.finished_at = now;
	e.action = END_DONE;
	assert_int_equal(store_finish(f->st, &e, 1, now), 0);

	fake_clock_advance(&f->fc, 2 * DAY);
	rules_at(f, &p);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_prune_step(f->st, &p, 100, 1000, &c, &more), 0);
	assert_int_equal(c.jobs[RET_DONE], 2);	/* b and e_id */
	assert_int_equal(store_job_get(f->st, a, &jb), 0);
	job_clear(&jb);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM job_deps WHERE "
	    "job_id = %lld OR dep_id = %lld", (long long)e_id, (long long)b);
	assert_int_equal(sql_int(f, sql), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM job_deps WHERE "
	    "job_id = %lld", (long long)waiter);
	assert_int_equal(sql_int(f, sql), 2);
}

static void
test_new_database_is_incremental(void **state)
{
	struct fixture *f = *state;
	int64_t left = -1;

	assert_int_equal(sql_int(f, "PRAGMA auto_vacuum"), 2);
	assert_int_equal(store_vacuum_step(f->st, 10, &left), 0);
	assert_int_equal(left, 0);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retention_cutoff_and_age),
		cmocka_unit_test(test_retention_rules),
		cmocka_unit_test(test_retention_state_parse),
		cmocka_unit_test(test_retention_config),
		T(test_prune_steps_are_bounded),
		T(test_prune_output_only),
		T(test_prune_spares_rerun_source),
		T(test_prune_spares_dependency),
		T(test_new_database_is_incremental),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
