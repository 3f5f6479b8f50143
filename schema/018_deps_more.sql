-- jobd schema: which dependencies are met (jobctl submit --after).
--
-- job_deps.met: 1 once the dependency no longer holds its job back (it
-- ended done, or ended at all for --after-any).  jobs.waiting counts the
-- rows with met = 0; keeping the flag on the row makes ending a job
-- lower each count once, even when the job ends again after "jobctl dead
-- retry", and lets "jobctl show" say which dependencies are still unmet.

ALTER TABLE job_deps ADD COLUMN met INTEGER NOT NULL DEFAULT 0
    CHECK (met IN (0, 1));
