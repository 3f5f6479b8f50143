-- jobd schema: metrics that survive restarts and pruning.
--
-- Counters (attempts, run durations, dead letters, cron slots) are kept
-- here, incremented in the transaction that records what they count, so
-- that deleting old jobs, attempts or ledger rows never lowers them and a
-- restart never resets them.  Gauges of jobs by queue and state are kept
-- by triggers, so that reading them costs a scan of this small table and
-- not of jobs: every insert, state change and delete of a job (or a dead
-- job) moves one count from one (queue, state) to another.

-- Attempts by queue and outcome, with the histogram of how long those
-- that ran (ok, failed, timeout) took: runs of them, their total ms, and
-- b0..b11 the number in each bucket of metrics.h's bounds (not
-- cumulative; runs minus their sum is the +Inf bucket's share).
CREATE TABLE metric_attempts (
	queue		TEXT NOT NULL,
	outcome		TEXT NOT NULL,
	n		INTEGER NOT NULL DEFAULT 0,
	runs		INTEGER NOT NULL DEFAULT 0,
	run_ms		INTEGER NOT NULL DEFAULT 0,
	b0 INTEGER NOT NULL DEFAULT 0, b1 INTEGER NOT NULL DEFAULT 0,
	b2 INTEGER NOT NULL DEFAULT 0, b3 INTEGER NOT NULL DEFAULT 0,
	b4 INTEGER NOT NULL DEFAULT 0, b5 INTEGER NOT NULL DEFAULT 0,
	b6 INTEGER NOT NULL DEFAULT 0, b7 INTEGER NOT NULL DEFAULT 0,
	b8 INTEGER NOT NULL DEFAULT 0, b9 INTEGER NOT NULL DEFAULT 0,
	b10 INTEGER NOT NULL DEFAULT 0, b11 INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (queue, outcome)
) STRICT, WITHOUT ROWID;

-- Other counters and stamps: name is what is counted ('dead' by queue;
-- 'slots_fired', 'slots_skipped', 'slots_missed' and 'last_success' (a
-- time, UTC ms, not a count) by schedule name), label its label's value.
CREATE TABLE metric_counters (
	name		TEXT NOT NULL,
	label		TEXT NOT NULL,
	value		INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (name, label)
) STRICT, WITHOUT ROWID;

-- Jobs by queue and state, dead jobs as state 'dead'.
CREATE TABLE metric_jobs (
	queue		TEXT NOT NULL,
	state		TEXT NOT NULL,
	n		INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (queue, state)
) STRICT, WITHOUT ROWID;

INSERT INTO metric_jobs (queue, state, n)
    SELECT queue, state, count(*) FROM jobs GROUP BY queue, state;
INSERT INTO metric_jobs (queue, state, n)
    SELECT queue, 'dead', count(*) FROM dead_jobs GROUP BY queue;

CREATE TRIGGER metric_jobs_insert AFTER INSERT ON jobs BEGIN
	INSERT INTO metric_jobs (queue, state, n) VALUES (new.queue,
	    new.state, 1) ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER metric_jobs_delete AFTER DELETE ON jobs BEGIN
	UPDATE metric_jobs SET n = n - 1
	    WHERE queue = old.queue AND state = old.state;
END;
CREATE TRIGGER metric_jobs_update AFTER UPDATE OF queue, state ON jobs
    WHEN old.queue IS NOT new.queue OR old.state IS NOT new.state BEGIN
	UPDATE metric_jobs SET n = n - 1
	    WHERE queue = old.queue AND state = old.state;
	INSERT INTO metric_jobs (queue, state, n) VALUES (new.queue,
	    new.state, 1) ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER metric_dead_insert AFTER INSERT ON dead_jobs BEGIN
	INSERT INTO metric_jobs (queue, state, n) VALUES (new.queue,
	    'dead', 1) ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER metric_dead_delete AFTER DELETE ON dead_jobs BEGIN
	UPDATE metric_jobs SET n = n - 1
	    WHERE queue = old.queue AND state = 'dead';
END;

-- What history is already there is counted once, so that an upgraded
-- database does not start its counters from zero.
INSERT INTO metric_attempts (queue, outcome, n)
    SELECT coalesce(j.queue, d.queue), a.outcome, count(*)
    FROM attempts a LEFT JOIN jobs j ON j.id = a.job_id
    LEFT JOIN dead_jobs d ON d.id = a.job_id
    WHERE a.outcome IS NOT NULL AND coalesce(j.queue, d.queue) IS NOT NULL
    GROUP BY 1, 2;
INSERT INTO metric_counters (name, label, value)
    SELECT 'dead', queue, count(*) FROM dead_jobs GROUP BY queue;
INSERT INTO metric_counters (name, label, value)
    SELECT CASE WHEN l.outcome = 'queued' THEN 'slots_fired'
    WHEN l.reason LIKE 'missed%' THEN 'slots_missed'
    ELSE 'slots_skipped' END, s.name, count(*)
    FROM schedule_slots l JOIN schedules s ON s.id = l.schedule_id
    GROUP BY 1, 2;
INSERT INTO metric_counters (name, label, value)
    SELECT 'last_success', s.name, max(j.finished_at)
    FROM jobs j JOIN schedules s ON s.id = j.schedule_id
    WHERE j.state = 'done' AND j.finished_at IS NOT NULL GROUP BY s.name;
