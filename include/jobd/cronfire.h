/*
 * cronfire: firing cron schedules in jobd.  Which slots of a due schedule
 * run, which are skipped and why (catch-up and overlap policies), and
 * recording them through the store; @reboot schedules at start.  The
 * scheduler's loop calls it when a schedule is due.
 */
#ifndef JOBD_CRONFIRE_H
#define JOBD_CRONFIRE_H

#include <stdbool.h>
#include <stdint.h>

struct jd_config;
struct store;

/* Called with a one-line description of a failed store call. */
typedef void (*cronfire_error_fn)(void *arg, const char *what);

struct cronfire;

/*
 * A firing context for jobd's loop: the store, the configuration
 * (max_catchup, read at each firing, so a reload applies), where store
 * errors are reported, and the daemon's start time (UTC ms).  NULL when
 * out of memory.
 */
struct cronfire *cronfire_new(struct store *st, const struct jd_config *cfg,
		    cronfire_error_fn error, void *arg, int64_t started_at);
void		 cronfire_free(struct cronfire *cf);

/*
 * Fire the schedules that are due at "now" (UTC ms); with reboot, the
 * @reboot ones instead, once, at start.  At most a batch per call: the
 * store's next cron time says when to call again.  Returns 0, or -1 when
 * a store error was reported.
 */
int		 cronfire_due(struct cronfire *cf, int64_t now, bool reboot);

#endif /* JOBD_CRONFIRE_H */
