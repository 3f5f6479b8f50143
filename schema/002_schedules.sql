-- jobd schema, version 2: cron schedules.
--
-- schedule_slots is the exactly-once ledger: one row per slot of a
-- schedule that came due, queued as a job or skipped with the reason.  Its
-- primary key is what makes a slot materialise at most once, across
-- restarts and across daemons.  jobs.after_id holds a job back until job
-- after_id has ended (overlap = queue).

ALTER TABLE jobs ADD COLUMN after_id INTEGER;

CREATE TABLE schedule_slots (
	schedule_id	INTEGER NOT NULL
			    REFERENCES schedules (id) ON DELETE CASCADE,
	slot_at		INTEGER NOT NULL,	-- the fire time, UTC ms
	job_id		INTEGER,		-- the job made for it, if any
	outcome		TEXT NOT NULL CHECK (outcome IN ('queued', 'skipped')),
	reason		TEXT,			-- why, for skipped and late slots
	recorded_at	INTEGER NOT NULL,
	PRIMARY KEY (schedule_id, slot_at)
) STRICT, WITHOUT ROWID;

-- The daemon's wake-up: the earliest next run of an enabled schedule.
CREATE INDEX schedules_next_run ON schedules (next_run_at)
    WHERE enabled = 1;
-- A schedule's live jobs, for the overlap policy.
CREATE INDEX jobs_schedule_live ON jobs (schedule_id, id)
    WHERE schedule_id IS NOT NULL AND state IN ('pending', 'running');
