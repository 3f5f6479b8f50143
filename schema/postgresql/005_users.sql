-- jobd schema for PostgreSQL, version 5: a run_as user's rows, found by
-- the user, as schema/021_users.sql has them for SQLite.
CREATE INDEX jobs_user ON jobs (run_as, state) WHERE run_as IS NOT NULL;
CREATE INDEX dead_jobs_user ON dead_jobs (run_as) WHERE run_as IS NOT NULL;
CREATE INDEX schedules_user ON schedules (run_as) WHERE run_as IS NOT NULL;
