-- jobd schema: mail about a job's runs, the cron way.
--
-- mail_to on jobs, on the schedules that make them and on dead jobs: a
-- list of addresses "a@b, c" (checked by jobd's mail module before it is
-- stored); NULL is no mail.  mail_on: when a run is mailed, 'never',
-- 'failure', 'output' (cron's rule: when it printed something) or
-- 'always'; NULL means "not set": jobd.conf's [job] mail_on, then
-- 'failure'.

ALTER TABLE jobs ADD COLUMN mail_to TEXT;
ALTER TABLE jobs ADD COLUMN mail_on TEXT
    CHECK (mail_on IN ('never', 'failure', 'output', 'always'));
ALTER TABLE schedules ADD COLUMN mail_to TEXT;
ALTER TABLE schedules ADD COLUMN mail_on TEXT
    CHECK (mail_on IN ('never', 'failure', 'output', 'always'));
ALTER TABLE dead_jobs ADD COLUMN mail_to TEXT;
ALTER TABLE dead_jobs ADD COLUMN mail_on TEXT;
