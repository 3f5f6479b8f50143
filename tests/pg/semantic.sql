-- Semantic checks of the trickiest statements on PostgreSQL, run by
-- check_sql.sh in the session that prepared every statement (dump_sql),
-- on a fresh database.  Each check raises an error when it fails.

\set ON_ERROR_STOP 1
\set QUIET 1

CREATE FUNCTION pg_temp.expect(got text, want text, what text)
    RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF got IS DISTINCT FROM want THEN
		RAISE EXCEPTION 'FAIL %: got %, want %', what,
		    coalesce(got, 'NULL'), coalesce(want, 'NULL');
	END IF;
	RAISE NOTICE 'ok %', what;
END;
$$;

-- metric_jobs equals the jobs and dead jobs it counts, and queues.ready
-- says which queues have pending jobs (019's invariant).
CREATE FUNCTION pg_temp.counts_ok(what text)
    RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	bad bigint;
BEGIN
	SELECT count(*) INTO bad FROM (
	    (SELECT queue, state, n FROM metric_jobs WHERE n <> 0
	    EXCEPT ALL
	    (SELECT queue, state, count(*) FROM jobs GROUP BY 1, 2
	    UNION ALL SELECT queue, 'dead', count(*) FROM dead_jobs
	    GROUP BY 1))
	    UNION ALL
	    ((SELECT queue, state, count(*) FROM jobs GROUP BY 1, 2
	    UNION ALL SELECT queue, 'dead', count(*) FROM dead_jobs
	    GROUP BY 1)
	    EXCEPT ALL
	    SELECT queue, state, n FROM metric_jobs WHERE n <> 0)) x;
	PERFORM pg_temp.expect(bad::text, '0', what || ': metric_jobs');
	SELECT count(*) INTO bad FROM queues q WHERE q.ready <>
	    CASE WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.queue = q.name
	    AND j.state = 'pending') THEN 1 ELSE 0 END;
	PERFORM pg_temp.expect(bad::text, '0', what || ': queues.ready');
	SELECT count(*) INTO bad FROM (SELECT DISTINCT queue FROM jobs
	    WHERE state = 'pending') p
	    WHERE NOT EXISTS (SELECT 1 FROM queues q WHERE q.name = p.queue);
	PERFORM pg_temp.expect(bad::text, '0', what || ': queue rows');
END;
$$;

-- Q_LAST_ID: no row before the first job, as sqlite_sequence.
SELECT pg_temp.expect((SELECT count(*) FROM jobs_id_seq WHERE is_called)::text,
    '0', 'Q_LAST_ID has no row before any job');

-- Q_INSERT: three jobs in queue a (one for user bob), one in b; a slot
-- time in ms beyond 32 bits goes through nullif($15::bigint, 0).
EXECUTE Q_INSERT('a', 'echo 1', 0, 1000, NULL, NULL, NULL, NULL, NULL,
    '\x413d310042', NULL, NULL, 1000, 0, 0, 0, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL);
SELECT currval('jobs_id_seq') AS j1 \gset
EXECUTE Q_INSERT('a', 'echo 2', 0, 1000, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, 'bob', 1001, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL);
SELECT currval('jobs_id_seq') AS j2 \gset
EXECUTE Q_INSERT('a', 'echo 3', 5, 1000, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, 1002, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL);
SELECT currval('jobs_id_seq') AS j3 \gset
EXECUTE Q_INSERT('b', 'echo 4', 0, 1000, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, 1003, 0, 1700000000000, 0, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL);
SELECT currval('jobs_id_seq') AS j4 \gset
SELECT pg_temp.expect(slot_at::text || '/' || coalesce(schedule_id::text,
    'NULL') || '/' || coalesce(after_id::text, 'NULL'),
    '1700000000000/NULL/NULL',
    'Q_INSERT: nullif of a bigint slot, 0 as NULL') FROM jobs WHERE id = :j4;
SELECT pg_temp.expect(encode(env, 'hex'), '413d310042',
    'Q_INSERT: env bytes with a NUL kept') FROM jobs WHERE id = :j1;
SELECT pg_temp.counts_ok('after inserts');
SELECT pg_temp.expect(string_agg(name || '=' || ready, ',' ORDER BY name),
    'a=1,b=1', 'triggers: queues a and b made ready') FROM queues;
SELECT pg_temp.expect(string_agg(queue || '/' || state || '=' || n, ','
    ORDER BY queue, state), 'a/pending=3,b/pending=1',
    'metric_jobs after inserts') FROM metric_jobs;

-- The claim.  Queue order by vtime then name, byte order.
EXECUTE Q_CLAIM_QSAVE('b', 5, -1.5, NULL, NULL, 0, 0);
-- A vtime another claim moved since it was read (-2.5): this claim's
-- advance (0.5, from max(-2.5, vnow -3)) goes on top of the stored one.
EXECUTE Q_CLAIM_QSAVE('b', 6, -2.0, NULL, NULL, -2.5, -3);
SELECT pg_temp.expect(vtime::text, '-1', 'Q_CLAIM_QSAVE: an advance on top')
    FROM queues WHERE name = 'b';
EXECUTE Q_CLAIM_QSAVE('b', 7, -1.5, NULL, NULL, -1, -3);
SELECT pg_temp.expect(vtime::text, '-1.5', 'Q_CLAIM_QSAVE: as read, as is')
    FROM queues WHERE name = 'b';
CREATE TEMP TABLE r (name, has_row, paused, concurrency, rate_n,
    rate_period_ms, tokens, tokens_at, weight, vtime, max_per_user, running) AS
    EXECUTE Q_CLAIM_QNEXT;
SELECT pg_temp.expect(string_agg(name || has_row, ','), 'b1,a1',
    'Q_CLAIM_QNEXT: by vtime') FROM r;
DROP TABLE r;
CREATE TEMP TABLE r (n, has_row, paused, concurrency, rate_n,
    rate_period_ms, tokens, tokens_at, weight, vtime, max_per_user, running) AS
    EXECUTE Q_CLAIM_QUEUE('a');
SELECT pg_temp.expect(concat_ws('|', n, has_row, paused), 'a|1|0',
    'Q_CLAIM_QUEUE: a has a row (1), not paused (0)') FROM r;
DROP TABLE r;
CREATE TEMP TABLE r (n, has_row, paused, concurrency, rate_n,
    rate_period_ms, tokens, tokens_at, weight, vtime, max_per_user, running) AS
    EXECUTE Q_CLAIM_QUEUE('nosuch');
SELECT pg_temp.expect(concat_ws('|', n, has_row, paused), 'nosuch|0|0',
    'Q_CLAIM_QUEUE: an unknown queue has no row (0)') FROM r;
DROP TABLE r;
CREATE TEMP TABLE r AS EXECUTE Q_CLAIM_VNOW;
SELECT pg_temp.expect("coalesce"::text, '-1', 'Q_CLAIM_VNOW: max(vtime - 1/w)')
    FROM r;
DROP TABLE r;
CREATE TEMP TABLE r AS EXECUTE Q_CLAIM_PRIO('a', 1);
SELECT pg_temp.expect(priority::text, '5', 'Q_CLAIM_PRIO: first >= 1')
    FROM r;
DROP TABLE r;
-- No limits: the oldest job of priority 0.
CREATE TEMP TABLE r AS EXECUTE Q_CLAIM_PICK('a', 0, 0, 0);
SELECT pg_temp.expect(id::text, :'j1', 'Q_CLAIM_PICK: run_at, id order')
    FROM r;
DROP TABLE r;
CREATE TEMP TABLE r AS EXECUTE Q_CLAIM_PEEK('a', 0, 0, 0);
SELECT pg_temp.expect(id::text, :'j1', 'Q_CLAIM_PEEK: the job PICK takes')
    FROM r;
DROP TABLE r;

-- Q_CLAIM: once; a second claim of the same job changes nothing.
EXECUTE Q_CLAIM(:j1, 'd1', 5000, 3000000000);
SELECT pg_temp.expect(:'ROW_COUNT', '1', 'Q_CLAIM claims');
EXECUTE Q_CLAIM(:j1, 'd2', 5000, 300000);
SELECT pg_temp.expect(:'ROW_COUNT', '0', 'Q_CLAIM claims once');
SELECT pg_temp.expect(concat_ws('|', state, lease_owner, lease_expires_at,
    attempts), 'running|d1|3000005000|1',
    'Q_CLAIM: lease = now + ms beyond 32 bits') FROM jobs WHERE id = :j1;
EXECUTE Q_ATTEMPT_START(:j1, 1, 'd1', 5000);
SELECT pg_temp.counts_ok('after a claim');

-- Per-user limits: job 1 runs with run_as NULL; NULL is a user too (IS).
CREATE TEMP TABLE r (in_queue, in_all) AS EXECUTE Q_CLAIM_USERS('a', NULL);
SELECT pg_temp.expect(in_queue || '|' || in_all, '1|1',
    'Q_CLAIM_USERS: the NULL user is counted') FROM r;
DROP TABLE r;
-- With a queue limit of 1 per user: the NULL user is full, bob is not.
CREATE TEMP TABLE r AS EXECUTE Q_CLAIM_PICK('a', 0, 1, 0);
SELECT pg_temp.expect(id::text, :'j2',
    'Q_CLAIM_PICK: NULL user at its limit, bob picked') FROM r;
DROP TABLE r;
EXECUTE Q_CLAIM(:j2, 'd1', 6000, 1000);
EXECUTE Q_CLAIM(:j3, 'd1', 6000, 1000);
SELECT pg_temp.expect(ready::text, '0',
    'triggers: queue a not ready with no pending job') FROM queues
    WHERE name = 'a';
SELECT pg_temp.counts_ok('after claiming all of a');
CREATE TEMP TABLE r (name, has_row, paused, concurrency, rate_n,
    rate_period_ms, tokens, tokens_at, weight, vtime, max_per_user, running) AS
    EXECUTE Q_CLAIM_QNEXT;
SELECT pg_temp.expect(string_agg(name, ','), 'b',
    'Q_CLAIM_QNEXT: only ready queues') FROM r;
DROP TABLE r;
EXECUTE Q_QUEUE_PAUSE('b', 1, 7000);
CREATE TEMP TABLE r (name, has_row, paused, concurrency, rate_n,
    rate_period_ms, tokens, tokens_at, weight, vtime, max_per_user, running) AS
    EXECUTE Q_CLAIM_QNEXT;
SELECT pg_temp.expect(count(*)::text, '0',
    'Q_CLAIM_QNEXT: no paused queue') FROM r;
DROP TABLE r;
EXECUTE Q_QUEUE_PAUSE('b', 0, 7001);

-- Endings: done; dead and back, under its own id.
EXECUTE Q_END_JOB(:j1, 'done', NULL, 0, 8000, 8000, 0, NULL);
EXECUTE Q_TO_DEAD(:j2, 8000, 'out of attempts');
EXECUTE Q_DELETE_JOB(:j2);
SELECT pg_temp.counts_ok('after done and dead');
SELECT pg_temp.expect(n::text, '1', 'metric_jobs: a/dead') FROM metric_jobs
    WHERE queue = 'a' AND state = 'dead';
EXECUTE Q_DEAD_TO_JOBS(:j2, 9000);
EXECUTE Q_DEAD_DELETE(:j2);
SELECT pg_temp.expect(concat_ws('|', state, attempts, run_at), 'pending|0|9000',
    'Q_DEAD_TO_JOBS: back under its own id') FROM jobs WHERE id = :j2;
SELECT pg_temp.counts_ok('after dead retry');
SELECT pg_temp.expect(ready::text, '1', 'triggers: a ready again')
    FROM queues WHERE name = 'a';
CREATE TEMP TABLE r AS EXECUTE Q_LAST_ID;
SELECT pg_temp.expect(last_value::text, :'j4',
    'Q_LAST_ID: the highest id given') FROM r;
DROP TABLE r;
EXECUTE Q_END_JOB(:j3, 'cancelled', NULL, 0, 9500, 9500, NULL, 'cancelled');
EXECUTE Q_CANCEL_PENDING(:j4, 9600);
SELECT pg_temp.counts_ok('after cancels');
-- A queue change moves the count (the OF queue, state trigger).
UPDATE jobs SET queue = 'c' WHERE id = :j2;
SELECT pg_temp.counts_ok('after a queue change');
UPDATE jobs SET queue = 'a' WHERE id = :j2;

-- Upserts.
EXECUTE Q_KEY_TAKE('k1', :j1, 1000, 'now', 1);
EXECUTE Q_KEY_TAKE('k1', :j2, 2000, NULL, 2);
SELECT pg_temp.expect(concat_ws('|', count(*), min(job_id), min(ttl_ms),
    coalesce(min(run_when), 'NULL')), '1|' || :'j2' || '|2000|NULL',
    'Q_KEY_TAKE replaces the row') FROM job_keys;
EXECUTE Q_DAEMON_INSERT('i1', 'h', 10, 'boot', 'v', 1, 1, 500, 0);
EXECUTE Q_DAEMON_INSERT('i1', 'h2', 11, 'boot', 'v', 2, 2, 0, 3);
SELECT pg_temp.expect(concat_ws('|', count(*), min(host),
    coalesce(min(heartbeat_ms)::text, 'NULL'), min(max_running_per_user)),
    '1|h2|NULL|3', 'Q_DAEMON_INSERT replaces the row') FROM daemons;
EXECUTE Q_HEARTBEAT_DAEMON('i1', 3, 3000000000, 0);
SELECT pg_temp.expect(heartbeat_ms::text, '3000000000',
    'Q_HEARTBEAT_DAEMON: bigint ms') FROM daemons;
EXECUTE Q_SCHED_INSERT('s1', '* * * * *', NULL, 'true', 'a', 0, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, 'skip', 'skip', 1, 1700000060000, 'cli',
    10, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SELECT id AS s1 FROM schedules WHERE name = 's1' \gset
CREATE TEMP TABLE r AS EXECUTE Q_SCHED_SAME('s1', '* * * * *', NULL, 'true',
    'a', 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'skip', 'skip', 1,
    'x', 'y', 'z', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL);
SELECT pg_temp.expect(count(*)::text, '1',
    'Q_SCHED_SAME: NULLs compare equal') FROM r;
DROP TABLE r;
EXECUTE Q_SLOT_INSERT(:s1, 1700000000000, 'queued', NULL, 1);
SELECT pg_temp.expect(:'ROW_COUNT', '1', 'Q_SLOT_INSERT inserts');
EXECUTE Q_SLOT_INSERT(:s1, 1700000000000, 'skipped', 'x', 2);
SELECT pg_temp.expect(:'ROW_COUNT', '0', 'Q_SLOT_INSERT ignores a repeat');
EXECUTE Q_SCHED_FIRED(:s1, 1700000120000, 1700000060000);
SELECT pg_temp.expect(next_run_at || '|' || last_run_at,
    '1700000120000|1700000060000', 'Q_SCHED_FIRED: bigint ms') FROM schedules;
EXECUTE Q_SCHED_FIRED(:s1, 0, 5);
SELECT pg_temp.expect(next_run_at || '|' || last_run_at,
    '1700000120000|1700000060000', 'Q_SCHED_FIRED: 0 keeps, older keeps')
    FROM schedules;
EXECUTE Q_SCHED_ENABLE('s1', 0, 1800000000000, 11);
EXECUTE Q_SCHED_ENABLE('s1', 1, 1800000000000, 12);
SELECT pg_temp.expect(enabled || '|' || next_run_at, '1|1800000000000',
    'Q_SCHED_ENABLE') FROM schedules;
EXECUTE Q_SCHED_BOOT(:s1, 'b1');
EXECUTE Q_SCHED_BOOT(:s1, 'b1');
SELECT pg_temp.expect(:'ROW_COUNT', '0', 'Q_SCHED_BOOT: once per boot');
EXECUTE Q_METRIC_ADD('slots_fired', 's1', 2);
EXECUTE Q_METRIC_ADD('slots_fired', 's1', 3);
SELECT pg_temp.expect(value::text, '5', 'Q_METRIC_ADD adds')
    FROM metric_counters WHERE name = 'slots_fired';
UPDATE jobs SET schedule_id = :s1 WHERE id = :j1;
EXECUTE Q_METRIC_LAST_OK('last_success', 's1', 500);
EXECUTE Q_METRIC_LAST_OK('last_success', 's1', 300);
SELECT pg_temp.expect(value::text, '500', 'Q_METRIC_LAST_OK keeps the max')
    FROM metric_counters WHERE name = 'last_success';
EXECUTE Q_METRIC_ATTEMPT('a', 'ok', 1, 1, 10, 1, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0);
EXECUTE Q_METRIC_ATTEMPT('a', 'ok', 2, 1, 20, 0, 1, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0);
SELECT pg_temp.expect(concat_ws('|', n, runs, run_ms, b0, b1), '3|2|30|1|1',
    'Q_METRIC_ATTEMPT sums') FROM metric_attempts;
EXECUTE Q_QUEUE_UPSERT('q', 1, NULL, 10, 1000, 1, NULL, NULL, NULL, NULL,
    NULL, NULL, 'cli');
UPDATE queues SET tokens = 4.5, tokens_at = 77 WHERE name = 'q';
EXECUTE Q_QUEUE_UPSERT('q', 2, 3, 10, 1000, 2, NULL, NULL, NULL, NULL,
    NULL, NULL, 'config');
SELECT pg_temp.expect(concat_ws('|', tokens, tokens_at, concurrency, source),
    '4.5|77|3|config', 'Q_QUEUE_UPSERT keeps the bucket of the same rate')
    FROM queues WHERE name = 'q';
EXECUTE Q_QUEUE_UPSERT('q', 3, 3, 20, 1000, 2, NULL, NULL, NULL, NULL,
    NULL, NULL, 'config');
SELECT pg_temp.expect(coalesce(tokens::text, 'NULL'), 'NULL',
    'Q_QUEUE_UPSERT resets the bucket of a new rate') FROM queues
    WHERE name = 'q';
CREATE TEMP TABLE r (name, paused, has_row, configured, concurrency, rate_n,
    rate_period_ms, weight, max_pending, max_per_user, max_attempts,
    timeout_ms, backoff_ms, backoff_max_ms, updated_at, pending, running) AS
    EXECUTE Q_QUEUE_GET('q');
SELECT pg_temp.expect(concat_ws('|', name, paused, has_row, configured),
    'q|0|1|1',
    'Q_QUEUE_GET: flags as 0/1') FROM r;
DROP TABLE r;

-- Dependencies: d2 waits for d1 (--after-any).
EXECUTE Q_INSERT('d', 'dep', 0, 1, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, 1, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL);
SELECT currval('jobs_id_seq') AS d1 \gset
EXECUTE Q_INSERT('d', 'waiter', 0, 1, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, 1, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL);
SELECT currval('jobs_id_seq') AS d2 \gset
EXECUTE Q_DEP_INSERT(:d2, :d1, 1, 0);
EXECUTE Q_DEP_INSERT(:d2, :d1, 1, 0);
SELECT pg_temp.expect(:'ROW_COUNT', '0', 'Q_DEP_INSERT ignores a repeat');
EXECUTE Q_DEP_WAITING(:d2, 1);
EXECUTE Q_DEP_MET_JOBS(:d1, 0);
EXECUTE Q_DEP_MET(:d1, 0);
SELECT pg_temp.expect(waiting || '|' || (SELECT met FROM job_deps), '0|1',
    'Q_DEP_MET*: an any dependency is met by any end') FROM jobs
    WHERE id = :d2;

-- overlap = queue: a job after a live one is not picked (NOT_BLOCKED).
EXECUTE Q_INSERT('e', 'first', 0, 1, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, 1, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL);
SELECT currval('jobs_id_seq') AS e1 \gset
EXECUTE Q_INSERT('e', 'second', 0, 1, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, 1, 0, 0, :e1, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL);
SELECT currval('jobs_id_seq') AS e2 \gset
EXECUTE Q_CLAIM(:e1, 'd1', 10, 1000);
CREATE TEMP TABLE r AS EXECUTE Q_CLAIM_PICK('e', 0, 0, 0);
SELECT pg_temp.expect(count(*)::text, '0',
    'Q_CLAIM_PICK: not while its predecessor runs') FROM r;
DROP TABLE r;
EXECUTE Q_END_JOB(:e1, 'done', NULL, 0, 20, 20, 0, NULL);
CREATE TEMP TABLE r AS EXECUTE Q_CLAIM_PICK('e', 0, 0, 0);
SELECT pg_temp.expect(id::text, :'e2',
    'Q_CLAIM_PICK: once its predecessor ended') FROM r;
DROP TABLE r;

-- Pruning keeps what it must; LIMIT -1 OFFSET became OFFSET.
CREATE TEMP TABLE r AS EXECUTE Q_PRUNE_CAP_LIVE(:s1, 0, 10, 1, 1);
SELECT pg_temp.expect(count(*)::text, '0',
    'Q_PRUNE_CAP_LIVE keeps the newest of a schedule') FROM r;
DROP TABLE r;

-- Stats: failures summed as integers.
EXECUTE Q_END_ATTEMPT(:j1, 1, 'd1', 8000, 1, NULL, 'failed', NULL, 0, NULL,
    NULL);
CREATE TEMP TABLE r AS EXECUTE Q_STATS_RUNS_Q(0, 100000);
SELECT pg_temp.expect(concat_ws('|', queue, count, sum), 'a|1|1',
    'Q_STATS_RUNS_Q') FROM r;
DROP TABLE r;

-- Q_KEY_FIND: the first difference, NULLs equal.
EXECUTE Q_KEY_TAKE('k2', :j4, 1000, NULL, 1);
CREATE TEMP TABLE r AS EXECUTE Q_KEY_FIND('k2', 'b', 'echo 4', 0, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL);
SELECT pg_temp.expect(concat_ws('|', job_id, int4, coalesce("case", 'same')),
    :'j4' || '|1|same', 'Q_KEY_FIND: same job') FROM r;
DROP TABLE r;
CREATE TEMP TABLE r AS EXECUTE Q_KEY_FIND('k2', 'b', 'echo 4', 0, NULL,
    NULL, NULL, NULL, NULL, NULL, 'alice', NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SELECT pg_temp.expect("case", 'user', 'Q_KEY_FIND: run_as differs') FROM r;
DROP TABLE r;

-- Q_USER_USAGE: one user's unfinished jobs, schedules and kept output in
-- bytes (length of a bytea, NULs counted), live and dead jobs alike;
-- other users' rows, finished jobs and empty output not counted.
EXECUTE Q_INSERT('q', 'mine 1', 0, 1, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, 'quser', 1, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL);
SELECT currval('jobs_id_seq') AS q1 \gset
EXECUTE Q_INSERT('q', 'mine 2', 0, 1, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, 'quser', 1, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL);
UPDATE jobs SET state = 'done', finished_at = 2 WHERE id = :q1;
INSERT INTO attempts (job_id, attempt, owner, started_at, finished_at,
    outcome, output) VALUES (:q1, 1, 'd1', 1, 2, 'failed', '\x00ff00'),
    (:q1, 2, 'd1', 2, 3, 'ok', NULL), (:j2, 9, 'd1', 1, 2, 'ok', '\x0102');
INSERT INTO dead_jobs (id, queue, command, priority, run_at, attempts,
    run_as, created_at, updated_at, dead_at, reason)
    VALUES (nextval('jobs_id_seq'), 'q', 'gone', 0, 1, 1, 'quser', 1, 1, 2,
    'attempts used up');
INSERT INTO attempts (job_id, attempt, owner, started_at, finished_at,
    outcome, output) VALUES (currval('jobs_id_seq'), 1, 'd1', 1, 2,
    'failed', 'dead');
INSERT INTO schedules (name, cron, command, run_as, created_at, updated_at)
    VALUES ('quser-1', '0 3 * * *', 'true', 'quser', 1, 1),
    ('other-1', '0 3 * * *', 'true', NULL, 1, 1);
CREATE TEMP TABLE r (pending, schedules, output) AS
    EXECUTE Q_USER_USAGE('quser');
SELECT pg_temp.expect(concat_ws('|', pending, schedules, output), '1|1|7',
    'Q_USER_USAGE: a user''s own') FROM r;
DROP TABLE r;
CREATE TEMP TABLE r (pending, schedules, output) AS
    EXECUTE Q_USER_USAGE('nobody');
SELECT pg_temp.expect(concat_ws('|', pending, schedules, output), '0|0|0',
    'Q_USER_USAGE: a user with nothing') FROM r;
DROP TABLE r;

-- Q_TIMES / Q_DATA_VERSION: a number; check_sql.sh checks that another
-- connection's commit changes it.
CREATE TEMP TABLE r AS EXECUTE Q_TIMES;
SELECT pg_temp.expect((hashtextextended IS NOT NULL)::text, 'true',
    'Q_TIMES: a data version') FROM r;
DROP TABLE r;
SELECT pg_temp.counts_ok('at the end');
\echo SEMANTIC OK
