-- jobd schema: what jobctl stats and jobctl status read.
--
-- attempts_finished: jobctl stats reads the attempts that ended in a
-- window (finished_at at or after a time), so its cost follows the
-- window, not the history.  jobs_done_queue and jobs_done_schedule: the
-- last success of a queue or a schedule is the newest finished_at of its
-- done jobs, one index probe each.  dead_jobs_queue: the dead jobs of a
-- queue, and the queues that have any, without a scan of the table.
--
-- daemons.heartbeat_ms: the longest a daemon lets pass between two
-- heartbeats, as it promises it (NULL: a daemon that says nothing), so
-- that jobctl status can tell a daemon whose heartbeat is late.
--
-- On an existing database the indexes are built once, by the first
-- jobd or jobctl that opens it after the upgrade: one pass over attempts
-- and jobs, in the migration's transaction.

CREATE INDEX attempts_finished ON attempts (finished_at)
    WHERE finished_at IS NOT NULL;
CREATE INDEX jobs_done_queue ON jobs (queue, finished_at)
    WHERE state = 'done';
CREATE INDEX jobs_done_schedule ON jobs (schedule_id, finished_at)
    WHERE state = 'done' AND schedule_id IS NOT NULL;
CREATE INDEX dead_jobs_queue ON dead_jobs (queue);

ALTER TABLE daemons ADD COLUMN heartbeat_ms INTEGER
    CHECK (heartbeat_ms > 0);
