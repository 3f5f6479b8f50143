-- jobd schema: dependencies between jobs (jobctl submit --after).
--
-- job_deps: job job_id waits for job dep_id.  any = 1 (--after-any): the
-- dependency is met when dep_id ends, whatever the outcome; any = 0: only
-- when it ends done (dead or cancelled cancels the waiting job).  A job
-- can only wait on jobs that exist when it is submitted, so there are no
-- cycles.
--
-- jobs.waiting: how many of a job's dependencies are not yet met.  A
-- pending job with waiting > 0 is not due, whatever its run_at; the
-- transaction that ends a dependency lowers the count of the jobs that
-- wait on it, so the claim never looks at job_deps.

CREATE TABLE job_deps (
	job_id		INTEGER NOT NULL,
	dep_id		INTEGER NOT NULL,
	any		INTEGER NOT NULL DEFAULT 0 CHECK (any IN (0, 1)),
	PRIMARY KEY (job_id, dep_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX job_deps_dep ON job_deps (dep_id);

ALTER TABLE jobs ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0
    CHECK (waiting >= 0);
