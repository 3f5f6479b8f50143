/*
 * schedfile: schedule files, the /etc/cron.d of jobd.
 *
 * Every "*.conf" file of the schedules directory is a strict INI file
 * (config_read_ini) with one section per schedule: the section name is the
 * schedule's name, and the keys are cron (required), command (required),
 * tz, queue, priority, max_attempts, timeout, backoff, backoff_max, cwd,
 * user, umask, limit_nofile, limit_nproc, limit_as, limit_cpu, kill_mode
 * (procopt.h), on_dead, on_failure, on_success (outbox.h),
 * overlap, catchup, enabled, and env.NAME for each variable.
 * schedfile_sync: loop thread of jobd only; schedfile_check uses no store.
 */
#ifndef JOBD_SCHEDFILE_H
#define JOBD_SCHEDFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct store;

/*
 * Make the store's file schedules match the files of directory "dir", all
 * in one transaction, each file as source "file:PATH" (added, changed and
 * removed sections take effect; a section that moved to another file, or
 * whose file was renamed, keeps its schedule: id, history, jobs); a file
 * with an error is logged as FILE:LINE and its schedules stay as they
 * were, without affecting the other files; the schedules of files that
 * are gone are removed.  A name in two files is logged with both
 * FILE:LINEs and changes nothing at all.  A missing directory counts as empty.  "now" (UTC
 * ms) is when the next fire times are counted from.  Returns the number of
 * files that had errors (0: all synced).
 */
int	schedfile_sync(struct store *st, const char *dir, int64_t now);

/*
 * Check the files of directory "dir" as schedfile_sync() would load them,
 * without a store (jobd -n): each "*.conf" file's owner and mode (a file
 * that others could change is refused, trust.h), its syntax and every
 * value, and that no schedule name is in two files.  Every problem is a
 * line on out, "PATH:LINE: reason" (or "PATH: reason"); every file is
 * checked, not just up to the first bad one.  A missing directory has no
 * files.  *nfiles and *nschedules count the files and the schedules read.
 * Returns 0 when all is well, -EINVAL when a file or name is bad, else
 * -EPERM when a file could be changed by others, or -ENOMEM.
 */
int	schedfile_check(const char *dir, int64_t now, FILE *out,
	    size_t *nfiles, size_t *nschedules);

#endif /* JOBD_SCHEDFILE_H */
