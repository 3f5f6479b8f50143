/*
 * Tests for workers: the real pool running real jobs through runner, with a
 * counter and a condition variable standing in for the loop's uv_async.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <setjmp.h>
#include <cmocka.h>

#include "jobd/clock.h"
#include "jobd/workers.h"

#define NWORK	12

struct waiter {
	pthread_mutex_t	lock;
	pthread_cond_t	cond;
	int		notified;
};

static void
on_notify(void *arg)
{
	struct waiter *w = arg;

	pthread_mutex_lock(&w->lock);
	w->notified++;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

/* Collect finished work until "want" have come back, or 20 s pass. */
static int
collect(struct workers *pool, struct waiter *w, struct work **got, int want)
{
	struct timespec deadline;
	struct work *wk, *next;
	int n = 0;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 20;
	while (n < want) {
		for (wk = workers_take_done(pool); wk != NULL; wk = next) {
			next = wk->next;
			got[n++] = wk;
		}
		if (n >= want)
			break;
		pthread_mutex_lock(&w->lock);
		if (w->notified == 0 && pthread_cond_timedwait(&w->cond,
		    &w->lock, &deadline) != 0) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		w->notified = 0;
		pthread_mutex_unlock(&w->lock);
	}
	return n;
}

static void
work_init(struct work *wk, int64_t id, const char *command)
{
	memset(wk, 0, sizeof(*wk));
	wk->job.id = id;
	wk->job.attempt = 1;
	wk->job.command = command;
	wk->job.queue = "default";
	wk->job.kill_grace_ms = 1000;
	wk->job.max_output = 4096;
	assert_int_equal(runner_ctl_init(&wk->ctl), 0);
}

static void
test_workers_run_everything_pushed(void **state)
{
	struct waiter w = { PTHREAD_MUTEX_INITIALIZER,
	    PTHREAD_COND_INITIALIZER, 0 };
	struct work works[NWORK], *got[NWORK];
	char cmds[NWORK][64], want[32];
	struct workers *pool;
	bool seen[NWORK] = { false };
	int i, n;

	(void)state;
	assert_int_equal(workers_start(&pool, 3, &clock_system, on_notify,
	    &w), 0);
	for (i = 0; i < NWORK; i++) {
		snprintf(cmds[i], sizeof(cmds[i]), "echo job-$JOBD_JOB_ID");
		work_init(&works[i], i + 1, cmds[i]);
		workers_push(pool, &works[i]);
	}
	n = collect(pool, &w, got, NWORK);
	assert_int_equal(n, NWORK);
	for (i = 0; i < n; i++) {
		struct work *wk = got[i];
		int64_t id = wk->job.id;

		assert_true(id >= 1 && id <= NWORK);
		assert_false(seen[id - 1]);
		seen[id - 1] = true;
		assert_int_equal(wk->res.outcome, RUN_OK);
		snprintf(want, sizeof(want), "job-%lld\n", (long long)id);
		assert_int_equal(wk->res.output_len, strlen(want));
		assert_memory_equal(wk->res.output, want, strlen(want));
		free(wk->res.output);
		runner_ctl_destroy(&wk->ctl);
	}
	workers_stop(pool);
}

/*
 * Three workers run three jobs at once: each job marks itself started and
 * then succeeds only once all three have started (it gives up after 10 s),
 * which cannot happen if the pool ran them one after the other.
 */
static void
test_workers_run_in_parallel(void **state)
{
	struct waiter w = { PTHREAD_MUTEX_INITIALIZER,
	    PTHREAD_COND_INITIALIZER, 0 };
	struct work works[3], *got[3];
	struct workers *pool;
	char dir[256], cmd[1024], rm[300];
	const char *tmp = getenv("TMPDIR");
	int i;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/par.XXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "touch %s/$JOBD_JOB_ID; i=0; "
	    "while [ $(ls %s | wc -l) -lt 3 ] && [ $i -lt 1000 ]; do "
	    "sleep 0.01; i=$((i + 1)); done; [ $(ls %s | wc -l) -ge 3 ]",
	    dir, dir, dir);
	assert_int_equal(workers_start(&pool, 3, &clock_system, on_notify,
	    &w), 0);
	for (i = 0; i < 3; i++) {
		work_init(&works[i], i + 1, cmd);
		workers_push(pool, &works[i]);
	}
	assert_int_equal(collect(pool, &w, got, 3), 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(got[i]->res.outcome, RUN_OK);
		free(got[i]->res.output);
		runner_ctl_destroy(&got[i]->ctl);
	}
	workers_stop(pool);
	snprintf(rm, sizeof(rm), "rm -rf '%s'", dir);
	assert_int_equal(system(rm), 0);
}

/* A job whose user does not exist never runs: a spawn error. */
static void
test_workers_prepare_error_is_spawn_error(void **state)
{
	struct waiter w = { PTHREAD_MUTEX_INITIALIZER,
	    PTHREAD_COND_INITIALIZER, 0 };
	struct work wk, *got[1];
	struct workers *pool;

	(void)state;
	assert_int_equal(workers_start(&pool, 1, &clock_system, on_notify,
	    &w), 0);
	work_init(&wk, 1, "echo should-not-run");
	wk.job.run_as = "no-such-user-jobd-test";
	workers_push(pool, &wk);
	assert_int_equal(collect(pool, &w, got, 1), 1);
	assert_int_equal(wk.res.outcome, RUN_SPAWN_ERROR);
	assert_non_null(strstr(wk.res.error, "no-such-user-jobd-test"));
	assert_int_equal(wk.res.output_len, 0);
	free(wk.res.output);
	runner_ctl_destroy(&wk.ctl);
	workers_stop(pool);
}

/* runner_stop through the work's ctl reaches the job a worker runs. */
static void
test_workers_stop_reaches_running_job(void **state)
{
	struct waiter w = { PTHREAD_MUTEX_INITIALIZER,
	    PTHREAD_COND_INITIALIZER, 0 };
	struct work wk, *got[1];
	struct workers *pool;

	(void)state;
	assert_int_equal(workers_start(&pool, 1, &clock_system, on_notify,
	    &w), 0);
	work_init(&wk, 1, "sleep 30");
	workers_push(pool, &wk);
	runner_stop(&wk.ctl, RUN_STOP_CANCEL);
	assert_int_equal(collect(pool, &w, got, 1), 1);
	assert_int_equal(wk.res.outcome, RUN_CANCELLED);
	free(wk.res.output);
	runner_ctl_destroy(&wk.ctl);
	workers_stop(pool);
}

static void
test_workers_stop_idle_pool(void **state)
{
	struct waiter w = { PTHREAD_MUTEX_INITIALIZER,
	    PTHREAD_COND_INITIALIZER, 0 };
	struct workers *pool;

	(void)state;
	assert_int_equal(workers_start(&pool, 4, &clock_system, on_notify,
	    &w), 0);
	assert_null(workers_take_done(pool));
	workers_stop(pool);
	workers_stop(NULL);
	assert_int_equal(w.notified, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workers_run_everything_pushed),
		cmocka_unit_test(test_workers_run_in_parallel),
		cmocka_unit_test(test_workers_prepare_error_is_spawn_error),
		cmocka_unit_test(test_workers_stop_reaches_running_job),
		cmocka_unit_test(test_workers_stop_idle_pool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
