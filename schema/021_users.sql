-- jobd schema: a run_as user's rows, found by the user.
--
-- The quotas of users who submit through jobd's socket (store_user.c)
-- count, on every submission, the user's unfinished jobs, schedules and
-- kept attempt output.  Without these indexes each count scanned jobs,
-- dead_jobs and schedules whole, other users' history included.
-- jobs_user serves the unfinished jobs (run_as, state) and the user's job
-- ids for the output sum (run_as alone); a job with no run_as (jobd's
-- own user) is never counted and is left out, so most jobs of a
-- root-only installation cost the index nothing.
CREATE INDEX jobs_user ON jobs (run_as, state) WHERE run_as IS NOT NULL;
CREATE INDEX dead_jobs_user ON dead_jobs (run_as) WHERE run_as IS NOT NULL;
CREATE INDEX schedules_user ON schedules (run_as) WHERE run_as IS NOT NULL;
