-- jobd schema: notifications, the outbox way.
--
-- on_dead, on_failure, on_success: hook command lines asked for by a job
-- (jobctl submit) or a schedule; NULL means "not set" (the schedule's,
-- then jobd.conf's [notify] hook applies).
--
-- A notification is an ordinary job in the reserved queue jobd.notify,
-- inserted in the transaction that records the outcome it reports:
-- notify_of is the job reported on, notify_event what happened to it
-- ('dead', 'failure', 'success'), and stdin the bytes the runner feeds
-- the notification's command on its standard input (the reported
-- attempt's output tail, or a composed mail) instead of /dev/null.  All
-- of it is a snapshot taken at the outcome, so pruning the reported job
-- never breaks its notification.  A job with notify_of set never causes
-- notifications itself.

ALTER TABLE jobs ADD COLUMN on_dead TEXT;
ALTER TABLE jobs ADD COLUMN on_failure TEXT;
ALTER TABLE jobs ADD COLUMN on_success TEXT;
ALTER TABLE jobs ADD COLUMN notify_of INTEGER;
ALTER TABLE jobs ADD COLUMN notify_event TEXT
    CHECK (notify_event IN ('dead', 'failure', 'success'));
ALTER TABLE jobs ADD COLUMN stdin BLOB;

ALTER TABLE dead_jobs ADD COLUMN on_dead TEXT;
ALTER TABLE dead_jobs ADD COLUMN on_failure TEXT;
ALTER TABLE dead_jobs ADD COLUMN on_success TEXT;
ALTER TABLE dead_jobs ADD COLUMN notify_of INTEGER;
ALTER TABLE dead_jobs ADD COLUMN notify_event TEXT;
ALTER TABLE dead_jobs ADD COLUMN stdin BLOB;

ALTER TABLE schedules ADD COLUMN on_dead TEXT;
ALTER TABLE schedules ADD COLUMN on_failure TEXT;
ALTER TABLE schedules ADD COLUMN on_success TEXT;

CREATE INDEX jobs_notify_of ON jobs (notify_of) WHERE notify_of IS NOT NULL;
CREATE INDEX dead_jobs_notify_of ON dead_jobs (notify_of)
    WHERE notify_of IS NOT NULL;
