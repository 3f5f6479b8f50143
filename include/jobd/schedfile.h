/*
 * schedfile: schedule files, the /etc/cron.d of jobd.
 *
 * Every "*.conf" file of the schedules directory is a strict INI file
 * (config_read_ini) with one section per schedule: the section name is the
 * schedule's name, and the keys are cron (required), command (required),
 * tz, queue, priority, max_attempts, timeout, backoff, backoff_max, cwd,
 * user, umask, limit_nofile, limit_nproc, limit_as, limit_cpu, kill_mode
 * (procopt.h),
 * overlap, catchup, enabled, and env.NAME for each variable.
 * Loop thread of jobd only.
 */
#ifndef JOBD_SCHEDFILE_H
#define JOBD_SCHEDFILE_H

#include <stdint.h>

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

#endif /* JOBD_SCHEDFILE_H */
