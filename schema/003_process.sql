-- jobd schema, version 3: the process a job gets.
--
-- A job's umask (0 to 0777) and resource limits (limit_cpu in seconds,
-- limit_as in bytes; 9223372036854775807 is "unlimited"), on jobs, on the
-- schedules that make them and on dead jobs.  NULL means "not set": the
-- daemon's [job] default when the job runs, then jobd's own.

ALTER TABLE jobs ADD COLUMN umask INTEGER CHECK (umask BETWEEN 0 AND 511);
ALTER TABLE jobs ADD COLUMN limit_nofile INTEGER CHECK (limit_nofile >= 1);
ALTER TABLE jobs ADD COLUMN limit_nproc INTEGER CHECK (limit_nproc >= 1);
ALTER TABLE jobs ADD COLUMN limit_as INTEGER CHECK (limit_as >= 1);
ALTER TABLE jobs ADD COLUMN limit_cpu INTEGER CHECK (limit_cpu >= 1);

ALTER TABLE schedules ADD COLUMN umask INTEGER
    CHECK (umask BETWEEN 0 AND 511);
ALTER TABLE schedules ADD COLUMN limit_nofile INTEGER
    CHECK (limit_nofile >= 1);
ALTER TABLE schedules ADD COLUMN limit_nproc INTEGER
    CHECK (limit_nproc >= 1);
ALTER TABLE schedules ADD COLUMN limit_as INTEGER CHECK (limit_as >= 1);
ALTER TABLE schedules ADD COLUMN limit_cpu INTEGER CHECK (limit_cpu >= 1);

ALTER TABLE dead_jobs ADD COLUMN umask INTEGER;
ALTER TABLE dead_jobs ADD COLUMN limit_nofile INTEGER;
ALTER TABLE dead_jobs ADD COLUMN limit_nproc INTEGER;
ALTER TABLE dead_jobs ADD COLUMN limit_as INTEGER;
ALTER TABLE dead_jobs ADD COLUMN limit_cpu INTEGER;
