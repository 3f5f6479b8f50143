/*
 * Unit tests for cronfire: the firing plan of a due schedule (on time,
 * late after a stall or a clock step, missed while jobd was down, the
 * catch-up policies with max_catchup, the overlap policies, a clock gone
 * back, DST gaps and repeats) and the classification of the interval
 * between two turns of the loop, on a fake clock.  No store, no daemon.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fake_clock.h"
#include "jobd/cronfire.h"

#define MIN	60000LL
#define HOUR	(60 * MIN)
#define T0	1780272000000LL		/* 2026-06-01T00:00:00Z */

/* A schedule "expr" (UTC) due at next_run_at, with its policies. */
static void
sched_init(struct schedule *sc, struct cron_expr *e, const char *expr,
    int64_t next_run_at, enum sched_catchup c, enum sched_overlap o)
{
	memset(sc, 0, sizeof(*sc));
	sc->name = (char *)(uintptr_t)"s";
	sc->cron = (char *)(uintptr_t)expr;
	sc->next_run_at = next_run_at;
	sc->catchup = c;
	sc->overlap = o;
	assert_int_equal(cron_parse(expr, e, NULL, 0), 0);
}

/* Times: now, jobd up since up_since, no gap. */
static struct cronfire_time
at(int64_t now, int64_t up_since)
{
	struct cronfire_time t;

	memset(&t, 0, sizeof(t));
	t.now = now;
	t.up_since = up_since;
	return t;
}

static int
plan(const char *expr, const struct tz *z, int64_t next_run_at,
    enum sched_catchup c, enum sched_overlap o, const struct cronfire_time *t,
    int max_catchup, int64_t active, struct cronfire_plan *p)
{
	struct schedule sc;
	struct cron_expr e;

	sched_init(&sc, &e, expr, next_run_at, c, o);
	return cronfire_plan(&e, z, &sc, t, max_catchup, active, p);
}

static size_t
nrun(const struct cronfire_plan *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->n; i++)
		n += !p->slots[i].skip;
	return n;
}

static void
test_cronfire_on_time(void **state)
{
	struct cronfire_time t = at(T0 + 1500, T0 - HOUR);
	struct cronfire_plan p;

	(void)state;
	assert_int_equal(plan("*/5 * * * *", NULL, T0, CATCHUP_SKIP,
	    OVERLAP_SKIP, &t, 100, 0, &p), 0);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.slots[0].slot_at, T0);
	assert_false(p.slots[0].skip);
	assert_null(p.slots[0].reason);
	assert_int_equal(p.slots[0].after_id, 0);
	assert_int_equal(p.next, T0 + 5 * MIN);
	cronfire_plan_free(&p);
	/* 59 s late is still on time. */
	t = at(T0 + 59000, T0 - HOUR);
	assert_int_equal(plan("*/5 * * * *", NULL, T0, CATCHUP_SKIP,
	    OVERLAP_SKIP, &t, 100, 0, &p), 0);
	assert_int_equal(p.n, 1);
	assert_null(p.slots[0].reason);
	cronfire_plan_free(&p);
}

/* Down from before 01:00 to 05:30: the hourly slots 01:00-05:00 missed. */
static void
test_cronfire_catchup_after_downtime(void **state)
{
	struct cronfire_time t = at(T0 + 5 * HOUR + 30 * MIN,
	    T0 + 5 * HOUR + 30 * MIN);
	struct cronfire_plan p;
	size_t i;

	(void)state;
	assert_int_equal(plan("0 * * * *", NULL, T0 + HOUR, CATCHUP_SKIP,
	    OVERLAP_SKIP, &t, 100, 0, &p), 0);
	assert_int_equal(p.n, 5);
	assert_int_equal(nrun(&p), 0);
	for (i = 0; i < p.n; i++) {
		assert_int_equal(p.slots[i].slot_at, T0 + (int64_t)(i + 1) *
		    HOUR);
		assert_string_equal(p.slots[i].reason, "missed while jobd was "
		    "not running (catchup = skip)");
	}
	assert_int_equal(p.next, T0 + 6 * HOUR);
	cronfire_plan_free(&p);

	assert_int_equal(plan("0 * * * *", NULL, T0 + HOUR, CATCHUP_ONCE,
	    OVERLAP_SKIP, &t, 100, 0, &p), 0);
	assert_int_equal(p.n, 5);
	assert_int_equal(nrun(&p), 1);
	assert_false(p.slots[4].skip);
	assert_string_equal(p.slots[4].reason, "missed while jobd was not "
	    "running; run late (catchup = once)");
	assert_true(p.slots[0].skip);
	assert_non_null(strstr(p.slots[0].reason, "only the latest"));
	cronfire_plan_free(&p);

	/* all: every one runs, one after the other (overlap = skip). */
	assert_int_equal(plan("0 * * * *", NULL, T0 + HOUR, CATCHUP_ALL,
	    OVERLAP_SKIP, &t, 100, 0, &p), 0);
	assert_int_equal(p.n, 5);
	assert_int_equal(nrun(&p), 5);
	assert_int_equal(p.slots[0].after_id, 0);
	for (i = 1; i < p.n; i++)
		assert_int_equal(p.slots[i].after_id, -1);
	assert_string_equal(p.slots[2].reason, "missed while jobd was not "
	    "running; run late (catchup = all)");
	cronfire_plan_free(&p);
}

/* Every minute for 3 h down, max_catchup 10: 11 recorded, 1 stand-in. */
static void
test_cronfire_max_catchup(void **state)
{
	struct cronfire_time t = at(T0 + 3 * HOUR + 30000,
	    T0 + 3 * HOUR + 30000);
	struct cronfire_plan p;

	(void)state;
	assert_int_equal(plan("* * * * *", NULL, T0 + MIN, CATCHUP_ALL,
	    OVERLAP_ALLOW, &t, 10, 0, &p), 0);
	assert_int_equal(p.n, 11);
	assert_int_equal(p.dropped, 180 - 11);
	assert_int_equal(p.slots[0].slot_at, T0 + 170 * MIN);
	assert_true(p.slots[0].skip);
	assert_non_null(strstr(p.slots[0].reason, "; 169 older slots beyond "
	    "max_catchup were not run"));
	assert_int_equal(nrun(&p), 10);
	assert_int_equal(p.slots[10].slot_at, T0 + 180 * MIN);
	assert_int_equal(p.next, T0 + 181 * MIN);
	cronfire_plan_free(&p);
	/* skip: only 03:00 runs, on time, whatever the count. */
	assert_int_equal(plan("* * * * *", NULL, T0 + MIN, CATCHUP_SKIP,
	    OVERLAP_ALLOW, &t, 10, 0, &p), 0);
	assert_int_equal(p.n, 11);
	assert_int_equal(nrun(&p), 1);
	assert_false(p.slots[10].skip);
	cronfire_plan_free(&p);
}

static void
test_cronfire_overlap(void **state)
{
	struct cronfire_time t = at(T0 + 1000, T0 - HOUR);
	struct cronfire_plan p;

	(void)state;
	assert_int_equal(plan("* * * * *", NULL, T0, CATCHUP_SKIP,
	    OVERLAP_SKIP, &t, 100, 42, &p), 0);
	assert_int_equal(p.n, 1);
	assert_true(p.slots[0].skip);
	assert_string_equal(p.slots[0].reason, "job 42 of the schedule was "
	    "still pending or running (overlap = skip)");
	cronfire_plan_free(&p);
	assert_int_equal(plan("* * * * *", NULL, T0, CATCHUP_SKIP,
	    OVERLAP_ALLOW, &t, 100, 42, &p), 0);
	assert_false(p.slots[0].skip);
	assert_int_equal(p.slots[0].after_id, 0);
	cronfire_plan_free(&p);
	assert_int_equal(plan("* * * * *", NULL, T0, CATCHUP_SKIP,
	    OVERLAP_QUEUE, &t, 100, 42, &p), 0);
	assert_false(p.slots[0].skip);
	assert_int_equal(p.slots[0].after_id, 42);
	cronfire_plan_free(&p);
	/* queue, catching up: the first waits for 42, the rest in turn. */
	t = at(T0 + 3 * MIN + 1000, T0 + 3 * MIN);
	assert_int_equal(plan("* * * * *", NULL, T0, CATCHUP_ALL,
	    OVERLAP_QUEUE, &t, 100, 42, &p), 0);
	assert_int_equal(p.n, 4);
	assert_int_equal(p.slots[0].after_id, 42);
	assert_int_equal(p.slots[1].after_id, -1);
	assert_int_equal(p.slots[3].after_id, -1);
	assert_int_equal(nrun(&p), 4);
	cronfire_plan_free(&p);
}

/* jobd up all along, stalled 85 s across 00:05: run late, once. */
static void
test_cronfire_stall_runs_late(void **state)
{
	struct cronfire_time t = at(T0 + 5 * MIN + 80000, T0);
	struct cronfire_plan p;

	(void)state;
	t.gap.kind = CRONFIRE_GAP_STALL;
	t.gap.from = T0 + 4 * MIN + 55000;
	t.gap.to = t.now;
	t.gap.ms = 85000;
	assert_int_equal(plan("*/5 * * * *", NULL, T0 + 5 * MIN, CATCHUP_SKIP,
	    OVERLAP_SKIP, &t, 100, 0, &p), 0);
	assert_int_equal(p.n, 1);
	assert_false(p.slots[0].skip);
	assert_string_equal(p.slots[0].reason, "late: jobd was stalled for "
	    "1m25s");
	assert_int_equal(p.next, T0 + 10 * MIN);
	cronfire_plan_free(&p);
}

/* A clock step of 5 min forward over two slots: both run, once each. */
static void
test_cronfire_step_forward(void **state)
{
	struct cronfire_time t = at(T0 + 6 * MIN + 30000, T0);
	struct cronfire_plan p;

	(void)state;
	t.gap.kind = CRONFIRE_GAP_FORWARD;
	t.gap.from = T0 + 90000;
	t.gap.to = t.now;
	t.gap.ms = 5 * MIN;
	assert_int_equal(plan("*/2 * * * *", NULL, T0 + 2 * MIN, CATCHUP_SKIP,
	    OVERLAP_ALLOW, &t, 100, 0, &p), 0);
	assert_int_equal(p.n, 3);
	assert_int_equal(nrun(&p), 3);
	assert_string_equal(p.slots[0].reason, "late: the clock jumped "
	    "forward by 5m");
	assert_string_equal(p.slots[1].reason, "late: the clock jumped "
	    "forward by 5m");
	assert_null(p.slots[2].reason);		/* 06:00, on time */
	cronfire_plan_free(&p);
	/* 3 hours or more: a correction; the catch-up policy decides. */
	t = at(T0 + 4 * HOUR + 30000, T0);
	t.gap.kind = CRONFIRE_GAP_FORWARD;
	t.gap.from = T0 + 30000;
	t.gap.to = t.now;
	t.gap.ms = 4 * HOUR;
	assert_int_equal(plan("0 * * * *", NULL, T0 + HOUR, CATCHUP_SKIP,
	    OVERLAP_SKIP, &t, 100, 0, &p), 0);
	assert_int_equal(p.n, 4);
	assert_int_equal(nrun(&p), 1);		/* 04:00 is on time */
	assert_string_equal(p.slots[0].reason, "missed: the clock jumped "
	    "forward by 4h (3 hours or more: a correction, as if jobd was "
	    "down) (catchup = skip)");
	cronfire_plan_free(&p);
	/* ... and a stall as long, the same: catchup = once, the latest. */
	t.gap.kind = CRONFIRE_GAP_STALL;
	assert_int_equal(plan("0 * * * *", NULL, T0 + HOUR, CATCHUP_ONCE,
	    OVERLAP_SKIP, &t, 100, 0, &p), 0);
	assert_int_equal(p.n, 4);
	assert_true(p.slots[0].skip);
	assert_true(p.slots[1].skip);
	assert_false(p.slots[2].skip);
	assert_non_null(strstr(p.slots[2].reason, "jobd was stalled for 4h"));
	cronfire_plan_free(&p);
}

/* Missed before jobd started, late after: each by its own rule. */
static void
test_cronfire_downtime_then_stall(void **state)
{
	struct cronfire_time t = at(T0 + 10 * MIN, T0 + 3 * MIN);
	struct cronfire_plan p;

	(void)state;
	t.gap.kind = CRONFIRE_GAP_STALL;
	t.gap.from = T0 + 3 * MIN + 100;
	t.gap.to = t.now;
	t.gap.ms = t.gap.to - t.gap.from;
	assert_int_equal(plan("*/2 * * * *", NULL, T0 + 2 * MIN, CATCHUP_SKIP,
	    OVERLAP_ALLOW, &t, 100, 0, &p), 0);
	assert_int_equal(p.n, 5);		/* 02 04 06 08 10 */
	assert_true(p.slots[0].skip);
	assert_string_equal(p.slots[0].reason, "missed while jobd was not "
	    "running (catchup = skip)");
	assert_false(p.slots[1].skip);
	assert_non_null(strstr(p.slots[1].reason, "late: jobd was stalled"));
	assert_int_equal(nrun(&p), 4);
	cronfire_plan_free(&p);
	/* A late slot outside any gap: jobd fell behind. */
	t = at(T0 + 5 * MIN, T0);
	assert_int_equal(plan("*/2 * * * *", NULL, T0 + 2 * MIN, CATCHUP_SKIP,
	    OVERLAP_ALLOW, &t, 100, 0, &p), 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.slots[0].reason, "late: jobd was behind");
	cronfire_plan_free(&p);
}

/* The clock went back: nothing is due again, next_run_at is kept. */
static void
test_cronfire_clock_back(void **state)
{
	struct cronfire_time t = at(T0 + 5 * MIN, T0);
	struct cronfire_plan p;

	(void)state;
	t.gap.kind = CRONFIRE_GAP_BACK;
	t.gap.from = T0 + 10 * MIN + 5000;
	t.gap.to = t.now;
	t.gap.ms = 5 * MIN + 5000;
	assert_int_equal(plan("*/5 * * * *", NULL, T0 + 15 * MIN,
	    CATCHUP_ALL, OVERLAP_ALLOW, &t, 100, 0, &p), 0);
	assert_int_equal(p.n, 0);
	assert_int_equal(p.next, T0 + 15 * MIN);
	cronfire_plan_free(&p);
}

/*
 * New York, 2026-03-08: 02:30 does not exist.  A fixed-time job runs at
 * 03:00 EDT (07:00Z) that day; jobd behind for three days runs each day
 * once.
 */
static void
test_cronfire_dst_gap(void **state)
{
	struct tz *z;
	struct cronfire_time t = at(1773057600000LL, 0); /* 03-09 12:00Z */
	struct cronfire_plan p;

	(void)state;
	assert_int_equal(tz_load("America/New_York", &z, NULL, 0), 0);
	assert_int_equal(plan("30 2 * * *", z, 1772868600000LL, CATCHUP_ALL,
	    OVERLAP_ALLOW, &t, 100, 0, &p), 0);
	assert_int_equal(p.n, 3);
	assert_int_equal(p.slots[0].slot_at, 1772868600000LL);	/* 07:30Z */
	assert_int_equal(p.slots[1].slot_at, 1772953200000LL);	/* 07:00Z */
	assert_int_equal(p.slots[2].slot_at, 1773037800000LL);	/* 06:30Z */
	assert_int_equal(nrun(&p), 3);
	cronfire_plan_free(&p);
	tz_free(z);
}

/*
 * New York, 2026-11-01: 01:30 comes twice (05:30Z EDT, 06:30Z EST).  A
 * fixed time runs once, at the first; "30 * * * *" runs in both passes.
 */
static void
test_cronfire_dst_repeat(void **state)
{
	struct tz *z;
	struct cronfire_time t = at(1793520000000LL, 0); /* 11-01 08:00Z */
	struct cronfire_plan p;

	(void)state;
	assert_int_equal(tz_load("America/New_York", &z, NULL, 0), 0);
	assert_int_equal(plan("30 1 * * *", z, 1793424600000LL, CATCHUP_ALL,
	    OVERLAP_ALLOW, &t, 100, 0, &p), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.slots[1].slot_at, 1793511000000LL);
	assert_int_equal(p.next, 1793601000000LL);	/* 11-02 06:30Z */
	cronfire_plan_free(&p);
	t.now = 1793514600000LL + 1000;		/* 06:30:01Z */
	assert_int_equal(plan("30 * * * *", z, 1793511000000LL, CATCHUP_ALL,
	    OVERLAP_ALLOW, &t, 100, 0, &p), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.slots[0].slot_at, 1793511000000LL);
	assert_int_equal(p.slots[1].slot_at, 1793514600000LL);
	cronfire_plan_free(&p);
	tz_free(z);
}

/* Turns of the loop on a fake clock: stalls, steps, nothing. */
static void
test_cronfire_gap_kinds(void **state)
{
	struct fake_clock fc;
	struct cronfire_gap g;
	int64_t w, m;

	(void)state;
	fake_clock_init(&fc, T0);
	w = clock_wall_ms(&fc.clock);
	m = clock_mono_ms(&fc.clock);
	fake_clock_advance(&fc, 10000);
	assert_int_equal(cronfire_gap(w, m, clock_wall_ms(&fc.clock),
	    clock_mono_ms(&fc.clock), &g), CRONFIRE_GAP_NONE);
	/* Stopped 85 s: both clocks moved. */
	fake_clock_advance(&fc, 85000);
	assert_int_equal(cronfire_gap(w, m, clock_wall_ms(&fc.clock),
	    clock_mono_ms(&fc.clock), &g), CRONFIRE_GAP_STALL);
	assert_int_equal(g.ms, 95000);
	assert_int_equal(g.from, T0);
	assert_int_equal(g.to, T0 + 95000);
	/* The wall clock stepped 5 min forward in 2 s. */
	w = clock_wall_ms(&fc.clock);
	m = clock_mono_ms(&fc.clock);
	fake_clock_advance(&fc, 2000);
	fc.wall += 5 * MIN;
	assert_int_equal(cronfire_gap(w, m, clock_wall_ms(&fc.clock),
	    clock_mono_ms(&fc.clock), &g), CRONFIRE_GAP_FORWARD);
	assert_int_equal(g.ms, 5 * MIN);
	/* ... and back 10 min. */
	w = clock_wall_ms(&fc.clock);
	m = clock_mono_ms(&fc.clock);
	fake_clock_advance(&fc, 500);
	fc.wall -= 10 * MIN;
	assert_int_equal(cronfire_gap(w, m, clock_wall_ms(&fc.clock),
	    clock_mono_ms(&fc.clock), &g), CRONFIRE_GAP_BACK);
	assert_int_equal(g.ms, 10 * MIN);
	/* Less than a second apart is no step. */
	w = clock_wall_ms(&fc.clock);
	m = clock_mono_ms(&fc.clock);
	fake_clock_advance(&fc, 500);
	fc.wall += 999;
	assert_int_equal(cronfire_gap(w, m, clock_wall_ms(&fc.clock),
	    clock_mono_ms(&fc.clock), &g), CRONFIRE_GAP_NONE);
}

/* @reboot: a slot at the start, after the last one on a clock gone back. */
static void
test_cronfire_reboot_slot(void **state)
{
	struct schedule sc;
	struct cron_expr e;
	struct slot sl;
	char why[1][CRONFIRE_WHY_MAX];

	(void)state;
	sched_init(&sc, &e, "@reboot", 0, CATCHUP_SKIP, OVERLAP_SKIP);
	cronfire_reboot_slot(&sc, T0, 0, &sl, why);
	assert_int_equal(sl.slot_at, T0);
	assert_false(sl.skip);
	sc.last_run_at = T0 + HOUR;
	cronfire_reboot_slot(&sc, T0, 0, &sl, why);
	assert_int_equal(sl.slot_at, T0 + HOUR + 1);
	cronfire_reboot_slot(&sc, T0 + 2 * HOUR, 7, &sl, why);
	assert_int_equal(sl.slot_at, T0 + 2 * HOUR);
	assert_true(sl.skip);
	assert_non_null(strstr(sl.reason, "job 7"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cronfire_on_time),
		cmocka_unit_test(test_cronfire_catchup_after_downtime),
		cmocka_unit_test(test_cronfire_max_catchup),
		cmocka_unit_test(test_cronfire_overlap),
		cmocka_unit_test(test_cronfire_stall_runs_late),
		cmocka_unit_test(test_cronfire_step_forward),
		cmocka_unit_test(test_cronfire_downtime_then_stall),
		cmocka_unit_test(test_cronfire_clock_back),
		cmocka_unit_test(test_cronfire_dst_gap),
		cmocka_unit_test(test_cronfire_dst_repeat),
		cmocka_unit_test(test_cronfire_gap_kinds),
		cmocka_unit_test(test_cronfire_reboot_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
