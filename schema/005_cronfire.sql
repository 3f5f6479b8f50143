-- jobd schema: @reboot once per boot.
--
-- reboot_boot_id is the boot (/proc/sys/kernel/random/boot_id) an @reboot
-- schedule last ran for.  Setting it and making the job happen in one
-- transaction, so a restart of jobd in the same boot, or a second daemon
-- on the database, does not run the schedule again.

ALTER TABLE schedules ADD COLUMN reboot_boot_id TEXT;
