-- jobd schema: a claim that obeys the queues' limits, in O(log n).
--
-- jobs_claim: the startable pending jobs (no dependency left) of each
-- queue in claim order.  The claim visits the queues that have any (one
-- seek each) and takes a queue's first job by priority, run_at, id; jobs
-- of a paused or full queue and jobs still waiting are never walked.
--
-- daemons.max_running_per_user: the global per-user limit of that
-- daemon's jobd.conf (NULL: none), so "jobctl show" can say why a job
-- waits with the limit the daemons apply.

CREATE INDEX jobs_claim ON jobs (queue, priority, run_at, id)
    WHERE state = 'pending' AND waiting = 0;

ALTER TABLE daemons ADD COLUMN max_running_per_user INTEGER
    CHECK (max_running_per_user >= 1);
