/*
 * Tests for quota: quota_check() on each quota and its boundaries, with
 * its messages; and store_user_usage(), its input, read from a real
 * SQLite file with jobs of two users in every state, schedules, and
 * attempts with output.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "jobd/job.h"
#include "jobd/procopt.h"
#include "jobd/quota.h"
#include "jobd/schedule.h"
#include "jobd/store.h"
#include "fake_clock.h"
#include "testdir.h"

#define T0	1764460800000LL		/* 2025-11-30T00:00:00Z */

static int
check(const struct quota_conf *q, const struct user_usage *u, int64_t jobs,
    int64_t scheds, char *err, size_t errlen)
{
	err[0] = '\0';
	return quota_check(q, "alice", u, jobs, scheds, err, errlen);
}

static void
test_quota_unlimited(void **state)
{
	struct quota_conf q = { 0, 0, 0 };
	struct user_usage u = { 1000000, 1000000, INT64_MAX / 2 };
	char err[256];

	(void)state;
	assert_false(quota_is_set(&q));
	assert_int_equal(check(&q, &u, 1000000, 1000000, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	q.output = 1;
	assert_true(quota_is_set(&q));
	q.output = 0;
	q.schedules = 1;
	assert_true(quota_is_set(&q));
	q.schedules = 0;
	q.pending = 1;
	assert_true(quota_is_set(&q));
}

static void
test_quota_pending(void **state)
{
	struct quota_conf q = { 100, 0, 0 };
	struct user_usage u = { 99, 0, 0 };
	char err[256];

	(void)state;
	/* Exactly at the limit is within it; one over is not. */
	assert_int_equal(check(&q, &u, 1, 0, err, sizeof(err)), 0);
	u.pending = 100;
	assert_int_equal(check(&q, &u, 1, 0, err, sizeof(err)), -EDQUOT);
	assert_string_equal(err, "quota: alice has 100 pending jobs, "
	    "[quota] pending = 100");
	/* A batch counts whole. */
	u.pending = 95;
	assert_int_equal(check(&q, &u, 5, 0, err, sizeof(err)), 0);
	assert_int_equal(check(&q, &u, 6, 0, err, sizeof(err)), -EDQUOT);
	assert_string_equal(err, "quota: alice has 95 pending jobs, "
	    "[quota] pending = 100 (this submission adds 6)");
	/* Nothing added, nothing checked: a user over it may still remove. */
	u.pending = 150;
	assert_int_equal(check(&q, &u, 0, 0, err, sizeof(err)), 0);
	assert_int_equal(check(&q, &u, -3, 1, err, sizeof(err)), 0);
	q.pending = 1;
	u.pending = 1;
	assert_int_equal(check(&q, &u, 1, 0, err, sizeof(err)), -EDQUOT);
	assert_string_equal(err, "quota: alice has 1 pending job, "
	    "[quota] pending = 1");
	/* Counts far past any limit do not wrap. */
	assert_int_equal(check(&q, &u, INT64_MAX, 0, err, sizeof(err)),
	    -EDQUOT);
}

static void
test_quota_schedules(void **state)
{
	struct quota_conf q = { 0, 20, 0 };
	struct user_usage u = { 0, 19, 0 };
	char err[256];

	(void)state;
	assert_int_equal(check(&q, &u, 0, 1, err, sizeof(err)), 0);
	u.schedules = 20;
	assert_int_equal(check(&q, &u, 0, 1, err, sizeof(err)), -EDQUOT);
	assert_string_equal(err, "quota: alice has 20 schedules, "
	    "[quota] schedules = 20");
	u.schedules = 18;
	assert_int_equal(check(&q, &u, 0, 2, err, sizeof(err)), 0);
	assert_int_equal(check(&q, &u, 0, 3, err, sizeof(err)), -EDQUOT);
	assert_string_equal(err, "quota: alice has 18 schedules, "
	    "[quota] schedules = 20 (this change adds 3)");
	/* Jobs are not schedules. */
	u.schedules = 20;
	assert_int_equal(check(&q, &u, 1000, 0, err, sizeof(err)), 0);
	/* Replacing schedules one for one adds none. */
	assert_int_equal(check(&q, &u, 0, 0, err, sizeof(err)), 0);
}

static void
test_quota_output(void **state)
{
	struct quota_conf q = { 0, 0, 1048576 };
	struct user_usage u = { 0, 0, 1048576 };
	char err[256];

	(void)state;
	/* As much as the limit is kept: still room. */
	assert_int_equal(check(&q, &u, 1, 0, err, sizeof(err)), 0);
	assert_int_equal(check(&q, &u, 0, 1, err, sizeof(err)), 0);
	u.output = 1048577;
	assert_int_equal(check(&q, &u, 1, 0, err, sizeof(err)), -EDQUOT);
	assert_string_equal(err, "quota: alice keeps 1048577 bytes of job "
	    "output, more than [quota] output = 1M; jobctl prune or "
	    "[retention] output frees it");
	/* New schedules would make more: refused too. */
	err[0] = '\0';
	assert_int_equal(check(&q, &u, 0, 1, err, sizeof(err)), -EDQUOT);
	assert_non_null(strstr(err, "[quota] output = 1M"));
	/* Adding nothing is never refused. */
	assert_int_equal(check(&q, &u, 0, 0, err, sizeof(err)), 0);
	assert_int_equal(check(&q, &u, -1, -1, err, sizeof(err)), 0);
	q.output = 1536;
	u.output = 1537;
	assert_int_equal(check(&q, &u, 1, 0, err, sizeof(err)), -EDQUOT);
	assert_non_null(strstr(err, "keeps 1537 bytes of job output, more "
	    "than [quota] output = 1536;"));
}

/* The first quota passed is the one named: pending, schedules, output. */
static void
test_quota_order_and_buffers(void **state)
{
	struct quota_conf q = { 10, 10, 10 };
	struct user_usage u = { 10, 10, 11 };
	char err[256], small[16];

	(void)state;
	assert_int_equal(check(&q, &u, 1, 1, err, sizeof(err)), -EDQUOT);
	assert_non_null(strstr(err, "[quota] pending = 10"));
	assert_int_equal(check(&q, &u, 0, 1, err, sizeof(err)), -EDQUOT);
	assert_non_null(strstr(err, "[quota] schedules = 10"));
	u.pending = u.schedules = 0;
	assert_int_equal(check(&q, &u, 1, 1, err, sizeof(err)), -EDQUOT);
	assert_non_null(strstr(err, "[quota] output = 10;"));
	/* A short buffer gets the start of the line; none, no line. */
	assert_int_equal(check(&q, &u, 2, 0, small, sizeof(small)), -EDQUOT);
	assert_string_equal(small, "quota: alice ke");
	assert_int_equal(quota_check(&q, "alice", &u, 2, 0, NULL, 0),
	    -EDQUOT);
	/* The errno is the one store_exit_code() makes "try again". */
	assert_int_equal(store_exit_code(-EDQUOT), 75);
}

static int
setup(void **state)
{
	return test_store_fixture(state, "quota", T0);
}

static int
teardown(void **state)
{
	return test_store_unfixture(state);
}

/* Submit one job of user (NULL: jobd's own) due at run_at. */
static int64_t
submit(struct store_fixture *f, const char *user, int64_t run_at)
{
	struct job_spec js;
	int64_t id = 0;

	memset(&js, 0, sizeof(js));
	js.command = "true";
	js.run_at = run_at;
	js.run_as = user;
	js.max_attempts = js.timeout_ms = JOB_DEFAULT;
	js.backoff_ms = js.backoff_max_ms = JOB_DEFAULT;
	procopt_init(&js.proc);
	assert_int_equal(store_submit(f->st, &js, 1, &id, NULL), 0);
	return id;
}

/* Claim job id, the only one due, and end its attempt with output. */
static void
run(struct store_fixture *f, int64_t id, const void *out, size_t len,
    enum end_action action)
{
	struct attempt_end e;
	struct job got;
	size_t n;

	assert_int_equal(store_claim(f->st, "me", T0, 60000, 1, &got, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(got.id, id);
	memset(&e, 0, sizeof(e));
	e.job_id = id;
	e.attempt = got.attempts;
	e.owner = "me";
	e.outcome = action == END_DONE ? "ok" : "failed";
	e.has_exit_code = true;
	e.exit_code = action == END_DONE ? 0 : 1;
	e.finished_at = T0;
	e.output = out;
	e.output_len = len;
	e.action = action;
	e.run_at = T0;
	e.reason = "attempts used up";
	job_clear(&got);
	assert_int_equal(store_finish(f->st, &e, 1, T0), 0);
	assert_true(e.applied);
}

static void
schedule(struct store_fixture *f, const char *name, const char *user)
{
	struct schedule sc;
	int64_t id;

	memset(&sc, 0, sizeof(sc));
	sc.name = (char *)(uintptr_t)name;
	sc.cron = (char *)(uintptr_t)"0 3 * * *";
	sc.command = (char *)(uintptr_t)"true";
	sc.run_as = (char *)(uintptr_t)user;
	sc.max_attempts = sc.timeout_ms = JOB_DEFAULT;
	sc.backoff_ms = sc.backoff_max_ms = JOB_DEFAULT;
	procopt_init(&sc.proc);
	sc.enabled = true;
	sc.next_run_at = T0 + 86400000;
	sc.source = (char *)(uintptr_t)"cli";
	assert_int_equal(store_schedule_put(f->st, &sc, false, &id), 0);
}

static void
usage_is(struct store_fixture *f, const char *user, int64_t pending,
    int64_t schedules, int64_t output)
{
	struct user_usage u = { -1, -1, -1 };

	assert_int_equal(store_user_usage(f->st, user, &u), 0);
	assert_int_equal(u.pending, pending);
	assert_int_equal(u.schedules, schedules);
	assert_int_equal(u.output, output);
}

/*
 * Alice: a job done after a failed attempt (two outputs), a dead one, a
 * running one, a pending one, a cancelled one; two schedules.  Bob: a
 * done job whose output holds NUL bytes, a pending job, a schedule.
 * jobd's own user: a job and a schedule with no run_as.  Each user gets
 * exactly their own, output in bytes.
 */
static void
test_store_user_usage(void **state)
{
	struct store_fixture *f = *state;
	unsigned char bin[100];
	enum job_state was;
	struct job got;
	int64_t id, a;
	size_t n, bad;

	usage_is(f, "alice", 0, 0, 0);

	id = submit(f, "alice", T0);
	run(f, id, "oops\n", 5, END_RETRY);
	run(f, id, "h\xc3\xa9llo", 6, END_DONE);	/* "héllo": 6 bytes */
	usage_is(f, "alice", 0, 0, 11);

	id = submit(f, "alice", T0);
	run(f, id, "dead!!!", 7, END_DEAD);
	usage_is(f, "alice", 0, 0, 18);

	memset(bin, 0, sizeof(bin));
	bin[50] = 0xff;
	id = submit(f, "bob", T0);
	run(f, id, bin, sizeof(bin), END_DONE);

	/* Running: its attempt has no output yet. */
	a = submit(f, "alice", T0);
	assert_int_equal(store_claim(f->st, "me", T0, 60000, 1, &got, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(got.id, a);
	job_clear(&got);
	usage_is(f, "alice", 1, 0, 18);

	(void)submit(f, "alice", T0 + 3600000);
	id = submit(f, "alice", T0 + 3600000);
	usage_is(f, "alice", 3, 0, 18);
	assert_int_equal(store_cancel(f->st, &id, 1, &was, &bad), 0);
	assert_int_equal(was, JOB_PENDING);
	usage_is(f, "alice", 2, 0, 18);

	(void)submit(f, "bob", T0 + 3600000);
	(void)submit(f, NULL, T0 + 3600000);
	schedule(f, "a1", "alice");
	schedule(f, "a2", "alice");
	schedule(f, "b1", "bob");
	schedule(f, "root", NULL);

	usage_is(f, "alice", 2, 2, 18);
	usage_is(f, "bob", 1, 1, 100);
	usage_is(f, "carol", 0, 0, 0);
	/* Names match exactly: no case folding, no prefix. */
	usage_is(f, "Alice", 0, 0, 0);
	usage_is(f, "ali", 0, 0, 0);

	assert_int_equal(store_schedule_delete(f->st, "a2"), 0);
	usage_is(f, "alice", 2, 1, 18);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quota_unlimited),
		cmocka_unit_test(test_quota_pending),
		cmocka_unit_test(test_quota_schedules),
		cmocka_unit_test(test_quota_output),
		cmocka_unit_test(test_quota_order_and_buffers),
		cmocka_unit_test_setup_teardown(test_store_user_usage, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
