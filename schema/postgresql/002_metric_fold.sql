-- jobd schema for PostgreSQL, version 2: the counts of jobs by queue and
-- state (metric_jobs) kept per transaction, not per row.
--
-- Why.  Version 1 kept metric_jobs as SQLite does, one row per (queue,
-- state) that a row trigger updated for every job inserted, deleted or
-- moved.  On PostgreSQL every UPDATE makes a new version of the row, and
-- the versions made by a transaction that is still open cannot be pruned:
-- the next update of the same row inside that transaction walks all of
-- them from the index entry to the live one.  A transaction that changes
-- N jobs of one queue and state therefore costs O(N^2): jobctl submit
-- --batch (one INSERT per job, all in one transaction) went from 0.36 ms
-- a job for 1,000 jobs to 0.57 ms for 10,000 and 1.1 ms for 30,000, most
-- of it in the trigger; jobctl migrate-db, which copies the jobs one
-- INSERT each, and a prune that deletes thousands of jobs per statement,
-- paid the same.  Counting per statement alone (FOR EACH STATEMENT) would
-- not help the batch, whose every job is a statement of its own.
--
-- How.  The committed counts stay in one row per (queue, state), now
-- metric_jobs_base.  A change of jobs or dead_jobs appends what it moved
-- to metric_jobs_delta: one row per (queue, state) per statement,
-- counted from the statement's transition tables, never an update.  The
-- first delta of a transaction queues a deferred trigger that, at
-- commit, moves the transaction's deltas into metric_jobs_base, one
-- update per (queue, state) for the whole transaction.  metric_jobs is
-- a view, the base plus the deltas, so that every statement reading it
-- (max_pending, the claim's concurrency, jobctl metrics and stats) sees
-- the transaction's own changes as before; another transaction sees only
-- committed counts, as before, since deltas are never committed.  The
-- view accepts an INSERT of a (queue, state) it does not show yet (what a
-- copy from SQLite does for the rows of n = 0), as the table did with ON
-- CONFLICT DO NOTHING.
--
-- queues.ready followed metric_jobs' pending row through a trigger on
-- it; it follows the statement's pending delta now, with the same
-- result: a queue whose pending count rises is made ready (a row made
-- for it if it has none), and one whose count falls is read again
-- through the view and made not ready when that is zero.
--
-- The price: a statement trigger with transition tables cannot be
-- limited to some columns, so every UPDATE of jobs runs the count, also
-- the many that move no job (leases, heartbeats), where version 1's row
-- trigger was skipped by its WHEN.  Measured, one single-row UPDATE in
-- a transaction of its own: 86-90 us without it, 130-137 us with it;
-- a job makes about three such statements.
--
-- Which transaction queued the fold is a setting local to it
-- (jobd.metric_jobs_fold), so that each queues one, whatever the number
-- of its statements; a rolled-back savepoint takes back its setting with
-- its deltas.  Deltas are folded by the transaction that made them: two
-- writers never touch each other's, and the base row's lock orders
-- their folds.

ALTER TABLE metric_jobs RENAME TO metric_jobs_base;
ALTER INDEX metric_jobs_pkey RENAME TO metric_jobs_base_pkey;

CREATE TABLE metric_jobs_delta (
	queue		text COLLATE "C" NOT NULL,
	state		text COLLATE "C" NOT NULL,
	n		bigint NOT NULL,
	fold		bigint NOT NULL DEFAULT 0 CHECK (fold IN (0, 1))
);
CREATE INDEX metric_jobs_delta_key ON metric_jobs_delta (queue, state);

CREATE VIEW metric_jobs AS
    SELECT queue, state, sum(n)::bigint AS n
    FROM (SELECT queue, state, n FROM metric_jobs_base
	UNION ALL SELECT queue, state, n FROM metric_jobs_delta) m
    GROUP BY queue, state;

DROP TRIGGER metric_jobs_insert ON jobs;
DROP TRIGGER metric_jobs_delete ON jobs;
DROP TRIGGER metric_jobs_update ON jobs;
DROP TRIGGER metric_dead_insert ON dead_jobs;
DROP TRIGGER metric_dead_delete ON dead_jobs;
DROP TRIGGER queues_ready_insert ON metric_jobs_base;
DROP TRIGGER queues_ready_update ON metric_jobs_base;
DROP FUNCTION metric_jobs_count();
DROP FUNCTION metric_dead_count();
DROP FUNCTION queues_ready();
DROP FUNCTION metric_jobs_add(text, text, bigint);
DROP FUNCTION metric_jobs_sub(text, text);

-- Record one statement's moves: q[i], s[i] gained d[i] jobs (d[i] < 0:
-- lost), and keep queues.ready.
CREATE FUNCTION metric_jobs_note(q text[], s text[], d bigint[])
    RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	fold bigint := 0;
	pq text;
	pd bigint;
BEGIN
	IF coalesce(cardinality(q), 0) = 0 THEN
		RETURN;
	END IF;
	IF current_setting('jobd.metric_jobs_fold', true)
	    IS DISTINCT FROM '1' THEN
		PERFORM set_config('jobd.metric_jobs_fold', '1', true);
		fold := 1;
	END IF;
	INSERT INTO metric_jobs_delta (queue, state, n, fold)
	    SELECT u.q, u.s, u.d, CASE WHEN u.i = 1 THEN fold ELSE 0 END
	    FROM unnest(q, s, d) WITH ORDINALITY AS u(q, s, d, i);
	FOR pq, pd IN SELECT u.q, u.d FROM unnest(q, s, d) AS u(q, s, d)
	    WHERE u.s = 'pending' LOOP
		IF pd > 0 THEN
			IF NOT EXISTS (SELECT 1 FROM queues
			    WHERE name = pq AND ready = 1) THEN
				INSERT INTO queues (name, updated_at, ready)
				    VALUES (pq, 0, 1) ON CONFLICT (name)
				    DO UPDATE SET ready = 1;
			END IF;
		ELSIF pd < 0 AND NOT EXISTS (SELECT 1 FROM metric_jobs
		    WHERE queue = pq AND state = 'pending' AND n > 0) THEN
			INSERT INTO queues (name, updated_at, ready)
			    VALUES (pq, 0, 0) ON CONFLICT (name)
			    DO UPDATE SET ready = 0 WHERE queues.ready <> 0;
		END IF;
	END LOOP;
END;
$$;

-- At commit: the transaction's deltas into the base, one update per
-- (queue, state).  A second fold queued in the same commit finds the
-- setting cleared and nothing to do.
CREATE FUNCTION metric_jobs_fold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF current_setting('jobd.metric_jobs_fold', true)
	    IS DISTINCT FROM '1' THEN
		RETURN NULL;
	END IF;
	PERFORM set_config('jobd.metric_jobs_fold', '', true);
	WITH d AS (DELETE FROM metric_jobs_delta RETURNING queue, state, n)
	INSERT INTO metric_jobs_base (queue, state, n)
	    SELECT queue, state, sum(n) FROM d GROUP BY queue, state
	    ON CONFLICT (queue, state)
	    DO UPDATE SET n = metric_jobs_base.n + excluded.n
	    WHERE excluded.n <> 0;
	RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER metric_jobs_fold AFTER INSERT ON metric_jobs_delta
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.fold = 1) EXECUTE FUNCTION metric_jobs_fold();

-- What a statement on jobs or dead_jobs moved, by (queue, state): +1 for
-- each row it left, -1 for each it took away; an update that moved
-- nothing (most do: leases, heartbeats) notes nothing.
CREATE FUNCTION metric_jobs_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	q text[];
	s text[];
	d bigint[];
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT array_agg(queue), array_agg(state), array_agg(n)
		    INTO q, s, d FROM (SELECT queue, state, count(*) AS n
		    FROM new_rows GROUP BY queue, state) c;
	ELSIF TG_OP = 'DELETE' THEN
		SELECT array_agg(queue), array_agg(state), array_agg(n)
		    INTO q, s, d FROM (SELECT queue, state, -count(*) AS n
		    FROM old_rows GROUP BY queue, state) c;
	ELSE
		SELECT array_agg(queue), array_agg(state), array_agg(n)
		    INTO q, s, d FROM (SELECT queue, state, sum(n) AS n
		    FROM (SELECT queue, state, 1 AS n FROM new_rows
			UNION ALL SELECT queue, state, -1 FROM old_rows) m
		    GROUP BY queue, state HAVING sum(n) <> 0) c;
	END IF;
	PERFORM metric_jobs_note(q, s, d);
	RETURN NULL;
END;
$$;
CREATE TRIGGER metric_jobs_insert AFTER INSERT ON jobs
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION metric_jobs_count();
CREATE TRIGGER metric_jobs_delete AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION metric_jobs_count();
CREATE TRIGGER metric_jobs_update AFTER UPDATE ON jobs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION metric_jobs_count();

CREATE FUNCTION metric_dead_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	q text[];
	d bigint[];
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT array_agg(queue), array_agg(n) INTO q, d
		    FROM (SELECT queue, count(*) AS n FROM new_rows
		    GROUP BY queue) c;
	ELSE
		SELECT array_agg(queue), array_agg(n) INTO q, d
		    FROM (SELECT queue, -count(*) AS n FROM old_rows
		    GROUP BY queue) c;
	END IF;
	PERFORM metric_jobs_note(q, array_fill('dead'::text,
	    ARRAY[coalesce(cardinality(q), 0)]), d);
	RETURN NULL;
END;
$$;
CREATE TRIGGER metric_dead_insert AFTER INSERT ON dead_jobs
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION metric_dead_count();
CREATE TRIGGER metric_dead_delete AFTER DELETE ON dead_jobs
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION metric_dead_count();

-- metric_jobs_add(q, s, d): d more jobs counted in (q, s), as the
-- triggers would note them, for a filler that inserts with the triggers
-- off.
CREATE FUNCTION metric_jobs_add(q text, s text, d bigint) RETURNS void
    LANGUAGE sql AS $$
	SELECT metric_jobs_note(ARRAY[q], ARRAY[s], ARRAY[d]);
$$;

-- An INSERT into the view: a row for a (queue, state) that it does not
-- show yet (a copy's rows of n = 0); one it shows is left as it is.
CREATE FUNCTION metric_jobs_put() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM metric_jobs
	    WHERE queue = NEW.queue AND state = NEW.state) THEN
		PERFORM metric_jobs_note(ARRAY[NEW.queue], ARRAY[NEW.state],
		    ARRAY[NEW.n]);
	END IF;
	RETURN NEW;
END;
$$;
CREATE TRIGGER metric_jobs_put INSTEAD OF INSERT ON metric_jobs
    FOR EACH ROW EXECUTE FUNCTION metric_jobs_put();
