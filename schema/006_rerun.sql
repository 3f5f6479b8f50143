-- jobd schema: reruns, and a schedule's jobs by id.
--
-- jobs.rerun_of (and dead_jobs.rerun_of, carried through the dead-letter
-- table and back) is the job that "jobctl rerun" copied, so that show can
-- link the two both ways.  The schedule indexes serve "list --schedule"
-- and the LAST columns of "schedule list" (the newest finished job of a
-- schedule), walking one schedule's jobs newest first.  Those are partial:
-- jobs that are neither reruns nor a schedule's cost nothing.  jobs_created
-- serves "list --since" when few jobs are that recent; created_at never
-- changes, so only an insert touches it.

ALTER TABLE jobs ADD COLUMN rerun_of INTEGER;
ALTER TABLE dead_jobs ADD COLUMN rerun_of INTEGER;

CREATE INDEX jobs_rerun_of ON jobs (rerun_of) WHERE rerun_of IS NOT NULL;
CREATE INDEX dead_jobs_rerun_of ON dead_jobs (rerun_of)
    WHERE rerun_of IS NOT NULL;
CREATE INDEX jobs_schedule_id ON jobs (schedule_id, id)
    WHERE schedule_id IS NOT NULL;
CREATE INDEX dead_jobs_schedule_id ON dead_jobs (schedule_id, id)
    WHERE schedule_id IS NOT NULL;
CREATE INDEX jobs_created ON jobs (created_at);
