-- jobd schema: what is killed when an attempt's main process ends.
--
-- kill_mode on jobs, on the schedules that make them and on dead jobs:
-- 'attempt' (everything the attempt started is killed when its shell
-- exits, times out, is cancelled or jobd shuts down) or 'process' (cron's
-- way: what the shell leaves running after a normal exit is left alone;
-- on a timeout, cancel or shutdown only its process group is stopped).
-- NULL means "not set": 'attempt'.

ALTER TABLE jobs ADD COLUMN kill_mode TEXT
    CHECK (kill_mode IN ('attempt', 'process'));
ALTER TABLE schedules ADD COLUMN kill_mode TEXT
    CHECK (kill_mode IN ('attempt', 'process'));
ALTER TABLE dead_jobs ADD COLUMN kill_mode TEXT;
