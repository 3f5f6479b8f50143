-- jobd schema: the claim finds its next queue by one index walk.
--
-- queues.ready: 1 while the queue has pending jobs.  Triggers on the
-- per-queue counts (metric_jobs) keep it, and give every queue that gets
-- pending jobs a row, so that queues_claim holds exactly the queues a
-- claim may start from (not paused, with pending jobs) in claim order:
-- by virtual time of fair sharing, then name.  The claim reads it from
-- the front and stops at the first queue that starts a job, so idle,
-- paused and empty queues cost it nothing.  The triggers fire only when
-- a queue's pending count goes from zero to more or back.

ALTER TABLE queues ADD COLUMN ready INTEGER NOT NULL DEFAULT 0
    CHECK (ready IN (0, 1));

INSERT INTO queues (name, updated_at)
    SELECT queue, 0 FROM metric_jobs WHERE state = 'pending' AND n > 0
    ON CONFLICT (name) DO NOTHING;
UPDATE queues SET ready = EXISTS (SELECT 1 FROM metric_jobs m
    WHERE m.queue = queues.name AND m.state = 'pending' AND m.n > 0);

CREATE INDEX queues_claim ON queues (vtime, name) WHERE ready AND NOT paused;

CREATE TRIGGER queues_ready_insert AFTER INSERT ON metric_jobs
    WHEN new.state = 'pending' AND new.n > 0 BEGIN
	INSERT INTO queues (name, updated_at, ready) VALUES (new.queue, 0, 1)
	    ON CONFLICT (name) DO UPDATE SET ready = 1;
END;
CREATE TRIGGER queues_ready_update AFTER UPDATE OF n ON metric_jobs
    WHEN new.state = 'pending' AND (old.n > 0) IS NOT (new.n > 0) BEGIN
	INSERT INTO queues (name, updated_at, ready)
	    VALUES (new.queue, 0, new.n > 0)
	    ON CONFLICT (name) DO UPDATE SET ready = excluded.ready;
END;

-- The global virtual time, max(vtime - 1 / weight), by one seek.
CREATE INDEX queues_vnow ON queues (vtime - 1.0 / weight);
