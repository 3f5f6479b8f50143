-- jobd schema: idempotency keys that expire.
--
-- A key names one job from its submission until ttl_ms after that job
-- finished (done or cancelled: jobs.finished_at; dead: dead_jobs.dead_at);
-- a job that is pending or running holds its key.  Once expired, the key
-- is free: the next submission with it makes a new job and takes this row
-- over.  The old job keeps its idempotency_key, for show and for its
-- JOBD_IDEMPOTENCY_KEY, so the key columns of jobs and dead_jobs are no
-- longer unique; this table is what makes a key name one job.
--
-- run_when is how the submission asked for its start time ("now",
-- "in MS", "at MS" for an absolute --at, "at TEXT" for a relative one):
-- a resubmission must ask the same way, not compute the same instant.
-- NULL (keys made before this table) is not compared.
CREATE TABLE job_keys (
	key		TEXT PRIMARY KEY,
	job_id		INTEGER NOT NULL,
	ttl_ms		INTEGER NOT NULL CHECK (ttl_ms >= 0),
	run_when	TEXT,
	created_at	INTEGER NOT NULL
) STRICT;

-- Keys of earlier versions never expired; they get the default, 24 hours.
INSERT INTO job_keys (key, job_id, ttl_ms, run_when, created_at)
    SELECT idempotency_key, id, 86400000, NULL, created_at FROM jobs
    WHERE idempotency_key IS NOT NULL
    UNION ALL
    SELECT idempotency_key, id, 86400000, NULL, created_at FROM dead_jobs
    WHERE idempotency_key IS NOT NULL;

DROP INDEX jobs_idempotency_key;
CREATE INDEX jobs_idempotency_key ON jobs (idempotency_key)
    WHERE idempotency_key IS NOT NULL;
DROP INDEX dead_jobs_idempotency_key;
CREATE INDEX dead_jobs_idempotency_key ON dead_jobs (idempotency_key)
    WHERE idempotency_key IS NOT NULL;
