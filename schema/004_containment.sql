-- jobd schema: containment.
--
-- What a daemon needs to kill the remains of an attempt whose daemon died:
-- the attempt's process (the shell, the leader of its session), its start
-- time in clock ticks after boot (/proc/PID/stat field 22, so that a pid
-- used again is never taken for it), the boot it ran in, and its cgroup
-- (the path below the cgroup2 mount) when it ran in one.  Written by the
-- daemon once the attempt has started; NULL until then and for attempts
-- made before this version.

ALTER TABLE attempts ADD COLUMN pid INTEGER;
ALTER TABLE attempts ADD COLUMN pid_start INTEGER;
ALTER TABLE attempts ADD COLUMN boot_id TEXT;
ALTER TABLE attempts ADD COLUMN cgroup TEXT;
