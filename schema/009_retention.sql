-- jobd schema: retention.
--
-- What pruning walks, oldest first: finished jobs by state and finish
-- time, a schedule's finished jobs by id, and the attempts that still hold output by finish time (an
-- attempt leaves attempts_output when its output is cleared).  dead_jobs
-- has dead_jobs_dead_at already.
--
-- Opening a database of an earlier version also rewrites it once, after
-- this migration commits, with auto_vacuum = INCREMENTAL (store.c,
-- store_migrate): that needs a VACUUM, which cannot run inside the
-- migration's transaction.  New databases get the mode before their
-- first table.

CREATE INDEX jobs_done ON jobs (finished_at) WHERE state = 'done';
CREATE INDEX jobs_cancelled ON jobs (finished_at) WHERE state = 'cancelled';
-- A schedule's finished jobs, newest first: schedule_runs counts them
-- from the index alone.
CREATE INDEX jobs_schedule_finished ON jobs (schedule_id, id)
    WHERE state IN ('done', 'cancelled');
CREATE INDEX attempts_output ON attempts (finished_at)
    WHERE output IS NOT NULL;
