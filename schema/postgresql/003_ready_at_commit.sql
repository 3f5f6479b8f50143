-- jobd schema for PostgreSQL, version 3: queues.ready decided at commit,
-- and the counts' rows locked in one order.
--
-- Why.  The daemons' claims now run side by side (each locks the jobs it
-- takes FOR UPDATE SKIP LOCKED; store_claim.c), and no longer one writer
-- at a time.  Version 2 set queues.ready from each statement's pending
-- delta, reading the count of pending jobs as the transaction saw it.
-- Two transactions that each move one of a queue's pending jobs see the
-- other's move only once it commits, so:
--   - two claims taking the last two jobs of a queue each saw one left,
--     and left it ready with nothing pending (a wasted look per claim);
--   - a claim taking the last job while another daemon retried one
--     there could set it not ready after the retry had found it ready:
--     a pending job that no claim would look at.
-- And the fold updated the base rows in the order of a hash: two commits
-- folding the same rows could wait on each other in a circle.
--
-- How.  A statement only notes its deltas.  At commit the fold locks the
-- queues whose pending count moved (a row made for a new one), in name
-- order; folds the deltas into metric_jobs_base in (queue, state) order;
-- then sets each of those queues ready when its pending count, now exact
-- (this commit's base row, after every commit before it), is above
-- zero, and not ready when it is zero.  A claim locks the same queue
-- rows, in the same order, before it writes their virtual times
-- (store_pgsql.c, Q_CLAIM_QROWS), so every transaction takes queue rows,
-- then counter rows (store_metrics_flush()), then base rows, each in one
-- order.

CREATE OR REPLACE FUNCTION metric_jobs_note(q text[], s text[], d bigint[])
    RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	fold bigint := 0;
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
END;
$$;

CREATE OR REPLACE FUNCTION metric_jobs_fold() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
	pq text[];
BEGIN
	IF current_setting('jobd.metric_jobs_fold', true)
	    IS DISTINCT FROM '1' THEN
		RETURN NULL;
	END IF;
	PERFORM set_config('jobd.metric_jobs_fold', '', true);
	SELECT array_agg(DISTINCT queue ORDER BY queue) INTO pq
	    FROM metric_jobs_delta WHERE state = 'pending';
	IF pq IS NOT NULL THEN
		INSERT INTO queues (name, updated_at, ready)
		    SELECT u.name, 0, 0 FROM unnest(pq) AS u(name)
		    ORDER BY u.name ON CONFLICT (name) DO NOTHING;
		PERFORM 1 FROM queues WHERE name = ANY (pq)
		    ORDER BY name FOR UPDATE;
	END IF;
	WITH d AS (DELETE FROM metric_jobs_delta RETURNING queue, state, n)
	INSERT INTO metric_jobs_base (queue, state, n)
	    SELECT queue, state, sum(n) FROM d GROUP BY queue, state
	    ORDER BY queue, state
	    ON CONFLICT (queue, state)
	    DO UPDATE SET n = metric_jobs_base.n + excluded.n
	    WHERE excluded.n <> 0;
	IF pq IS NOT NULL THEN
		UPDATE queues q SET ready = r.ready
		    FROM (SELECT u.name, CASE WHEN coalesce((SELECT b.n
			FROM metric_jobs_base b WHERE b.queue = u.name
			AND b.state = 'pending'), 0) > 0 THEN 1 ELSE 0 END
			AS ready FROM unnest(pq) AS u(name)) r
		    WHERE q.name = r.name AND q.ready <> r.ready;
	END IF;
	RETURN NULL;
END;
$$;
