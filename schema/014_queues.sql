-- jobd schema: queues as objects (flow control).
--
-- A queue exists implicitly by name as soon as a job names it; a row here
-- gives it settings, shared by every daemon on the database.  NULL means
-- "no limit" for a limit and "not set" (the job's, then jobd.conf's
-- default) for a job default.
--
-- concurrency: the most jobs of the queue running at once, across all
-- daemons.  rate_n per rate_period_ms: a token bucket of rate_n tokens
-- refilled over rate_period_ms; tokens and tokens_at are its state (the
-- tokens left at time tokens_at).  weight: the queue's share of the
-- workers when several queues have due work (1 to 1000); vtime is its
-- virtual time for that sharing.  max_pending: the most pending jobs
-- (submissions beyond it are refused).  max_running_per_user: the most
-- running jobs of one run_as user in the queue.  source: 'cli' (jobctl
-- queue set) or 'config' ([queue NAME] in jobd.conf).

ALTER TABLE queues ADD COLUMN concurrency INTEGER CHECK (concurrency >= 1);
ALTER TABLE queues ADD COLUMN rate_n INTEGER CHECK (rate_n >= 1);
ALTER TABLE queues ADD COLUMN rate_period_ms INTEGER
    CHECK (rate_period_ms >= 1);
ALTER TABLE queues ADD COLUMN tokens REAL;
ALTER TABLE queues ADD COLUMN tokens_at INTEGER;
ALTER TABLE queues ADD COLUMN weight INTEGER NOT NULL DEFAULT 1
    CHECK (weight BETWEEN 1 AND 1000);
ALTER TABLE queues ADD COLUMN vtime REAL NOT NULL DEFAULT 0;
ALTER TABLE queues ADD COLUMN max_pending INTEGER CHECK (max_pending >= 0);
ALTER TABLE queues ADD COLUMN max_running_per_user INTEGER
    CHECK (max_running_per_user >= 1);
ALTER TABLE queues ADD COLUMN max_attempts INTEGER CHECK (max_attempts >= 1);
ALTER TABLE queues ADD COLUMN timeout_ms INTEGER CHECK (timeout_ms >= 0);
ALTER TABLE queues ADD COLUMN backoff_ms INTEGER CHECK (backoff_ms >= 0);
ALTER TABLE queues ADD COLUMN backoff_max_ms INTEGER
    CHECK (backoff_max_ms >= 0);
ALTER TABLE queues ADD COLUMN source TEXT NOT NULL DEFAULT 'cli'
    CHECK (source IN ('cli', 'config'));

-- Running jobs per queue and per user, for the limits: bounded by the
-- workers of all daemons, so counting them is cheap.
CREATE INDEX jobs_running_queue ON jobs (queue, run_as)
    WHERE state = 'running';
