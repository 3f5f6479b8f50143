-- jobd schema, version 1.
--
-- Times are INTEGER milliseconds since the Unix epoch, UTC.  A NULL job
-- option (max_attempts, timeout_ms, backoff_*) means "the daemon's
-- configured default", resolved when the job runs.  This file has shipped:
-- never edit it; add schema/002_*.sql instead.

-- Recurring definitions; cron jobs point here.
CREATE TABLE schedules (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	name		TEXT NOT NULL UNIQUE,
	cron		TEXT NOT NULL,
	tz		TEXT,			-- IANA name; NULL: daemon's zone
	command		TEXT NOT NULL,
	queue		TEXT NOT NULL DEFAULT 'default',
	priority	INTEGER NOT NULL DEFAULT 0,
	max_attempts	INTEGER CHECK (max_attempts >= 1),
	timeout_ms	INTEGER CHECK (timeout_ms >= 0),
	backoff_ms	INTEGER CHECK (backoff_ms >= 0),
	backoff_max_ms	INTEGER CHECK (backoff_max_ms >= 0),
	env		BLOB,			-- "NAME=VALUE\0" ...
	cwd		TEXT,
	run_as		TEXT,
	overlap		TEXT NOT NULL DEFAULT 'skip'
			    CHECK (overlap IN ('skip', 'allow', 'queue')),
	catchup		TEXT NOT NULL DEFAULT 'skip'
			    CHECK (catchup IN ('skip', 'once', 'all')),
	enabled		INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
	next_run_at	INTEGER,
	last_run_at	INTEGER,
	source		TEXT NOT NULL DEFAULT 'cli',	-- cli, file:P, crontab:P
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL
) STRICT;

-- One row per live job.  Ids are never reused (AUTOINCREMENT), and a job
-- keeps its id through the dead-letter table and back.
CREATE TABLE jobs (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	queue		TEXT NOT NULL DEFAULT 'default',
	command		TEXT NOT NULL,
	priority	INTEGER NOT NULL DEFAULT 0,	-- lower runs first
	state		TEXT NOT NULL DEFAULT 'pending'
			    CHECK (state IN ('pending', 'running', 'done',
				'cancelled')),
	run_at		INTEGER NOT NULL,	-- earliest start
	attempts	INTEGER NOT NULL DEFAULT 0,	-- leases so far
	max_attempts	INTEGER CHECK (max_attempts >= 1),
	timeout_ms	INTEGER CHECK (timeout_ms >= 0),	-- 0: none
	backoff_ms	INTEGER CHECK (backoff_ms >= 0),
	backoff_max_ms	INTEGER CHECK (backoff_max_ms >= 0),
	idempotency_key	TEXT,
	schedule_id	INTEGER REFERENCES schedules (id) ON DELETE SET NULL,
	slot_at		INTEGER,		-- the cron slot it was made for
	env		BLOB,			-- "NAME=VALUE\0" ...
	cwd		TEXT,
	run_as		TEXT,			-- user name; NULL: jobd's user
	cancel_requested INTEGER NOT NULL DEFAULT 0
			    CHECK (cancel_requested IN (0, 1)),
	lease_owner	TEXT,			-- daemons.instance
	lease_expires_at INTEGER,
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL,
	finished_at	INTEGER,
	exit_code	INTEGER,		-- of the last finished attempt
	last_error	TEXT
) STRICT;

-- The due-work query: pending jobs in claim order, and the earliest run_at.
CREATE INDEX jobs_pending ON jobs (priority, run_at, id)
    WHERE state = 'pending';
CREATE INDEX jobs_pending_run_at ON jobs (run_at)
    WHERE state = 'pending';
-- The reaper: running jobs by lease expiry.
CREATE INDEX jobs_running_lease ON jobs (lease_expires_at)
    WHERE state = 'running';
CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX jobs_schedule_slot ON jobs (schedule_id, slot_at)
    WHERE schedule_id IS NOT NULL;
CREATE INDEX jobs_queue_state ON jobs (queue, state);

-- One row per attempt, ended or not.  job_id is not a foreign key: the job
-- may be in jobs or in dead_jobs.
CREATE TABLE attempts (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	job_id		INTEGER NOT NULL,
	attempt		INTEGER NOT NULL,	-- jobs.attempts at lease time
	owner		TEXT NOT NULL,		-- daemons.instance
	started_at	INTEGER NOT NULL,
	finished_at	INTEGER,
	exit_code	INTEGER,
	signal		INTEGER,
	outcome		TEXT CHECK (outcome IN ('ok', 'failed', 'timeout',
			    'lost', 'spawn_error', 'cancelled')),
	output		BLOB,			-- the tail, at most max_output
	output_dropped	INTEGER NOT NULL DEFAULT 0,	-- bytes not kept
	error		TEXT			-- why, in words
) STRICT;
CREATE INDEX attempts_job ON attempts (job_id, attempt);

-- The dead-letter table: a job as it was when it ran out of attempts.
CREATE TABLE dead_jobs (
	id		INTEGER PRIMARY KEY,	-- the job's own id
	queue		TEXT NOT NULL,
	command		TEXT NOT NULL,
	priority	INTEGER NOT NULL,
	run_at		INTEGER NOT NULL,
	attempts	INTEGER NOT NULL,
	max_attempts	INTEGER,
	timeout_ms	INTEGER,
	backoff_ms	INTEGER,
	backoff_max_ms	INTEGER,
	idempotency_key	TEXT,
	schedule_id	INTEGER,
	slot_at		INTEGER,
	env		BLOB,
	cwd		TEXT,
	run_as		TEXT,
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL,
	finished_at	INTEGER,
	exit_code	INTEGER,
	last_error	TEXT,
	dead_at		INTEGER NOT NULL,
	reason		TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX dead_jobs_idempotency_key ON dead_jobs (idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX dead_jobs_dead_at ON dead_jobs (dead_at);

-- Per-queue settings; queues also exist implicitly by name.
CREATE TABLE queues (
	name		TEXT PRIMARY KEY,
	paused		INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
	updated_at	INTEGER NOT NULL
) STRICT;

-- One row per running jobd instance.
CREATE TABLE daemons (
	instance	TEXT PRIMARY KEY,	-- the lease owner
	host		TEXT NOT NULL,
	pid		INTEGER NOT NULL,
	boot_id		TEXT NOT NULL,
	version		TEXT NOT NULL,
	started_at	INTEGER NOT NULL,
	heartbeat_at	INTEGER NOT NULL
) STRICT;

