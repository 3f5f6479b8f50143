/*
 * schedule: a recurring job definition as the store hands it out.
 */
#ifndef JOBD_SCHEDULE_H
#define JOBD_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobd/job.h"

struct tz;

enum sched_overlap {		/* a slot comes due while a job runs */
	OVERLAP_SKIP,		/* record the slot as skipped */
	OVERLAP_ALLOW,		/* run both */
	OVERLAP_QUEUE,		/* run it after the previous one ends */
};

enum sched_catchup {		/* slots missed while no daemon ran */
	CATCHUP_SKIP,		/* skip them all */
	CATCHUP_ONCE,		/* run the latest one */
	CATCHUP_ALL,		/* run them all, up to max_catchup */
};

/*
 * A schedule.  As with struct job: owned strings when read with
 * store_schedule_get() (schedule_clear() frees them), borrowed in
 * callbacks and when passed in.  Job options use JOB_DEFAULT (job.h).
 */
struct schedule {
	int64_t			 id;
	char			*name;
	char			*cron;		/* the expression as written */
	char			*tz;		/* IANA name, NULL: system */
	char			*command;
	char			*queue;
	int64_t			 priority;
	int64_t			 max_attempts;
	int64_t			 timeout_ms;
	int64_t			 backoff_ms;
	int64_t			 backoff_max_ms;
	char			*env;		/* "NAME=VALUE\0"... */
	size_t			 env_len;
	char			*cwd;
	char			*run_as;
	struct job_proc		 proc;		/* umask, limits */
	char			*hook[JOB_NHOOKS]; /* by enum job_hook, or NULL:
						   jobd.conf's (outbox.h) */
	char			*mail_to;	/* addresses, or NULL */
	enum mail_on		 mail_on;	/* MAIL_ON_UNSET: not set */
	enum sched_overlap	 overlap;
	enum sched_catchup	 catchup;
	bool			 enabled;
	int64_t			 next_run_at;	/* UTC ms; 0: none (@reboot) */
	int64_t			 last_run_at;	/* UTC ms; 0: never */
	char			*source;	/* cli, file:PATH, crontab:PATH */
	int64_t			 created_at;
	int64_t			 updated_at;
};

const char	*sched_overlap_name(enum sched_overlap o);
int		 sched_overlap_parse(const char *s, enum sched_overlap *o);
const char	*sched_catchup_name(enum sched_catchup c);
int		 sched_catchup_parse(const char *s, enum sched_catchup *c);

/*
 * The job that schedule s makes, into *js (borrowing s's strings): its
 * template, with schedule_id.  The hooks stay the schedule's (store_
 * notify.c reads them there); key and slot are the caller's to set.
 */
struct job_spec;
void		 schedule_job_spec(const struct schedule *s,
		    struct job_spec *js);

/* Free what a schedule from store_schedule_get() owns; zero it. */
void		 schedule_clear(struct schedule *s);

#define SCHEDULE_NAME_MAX	128

/*
 * Check schedule s as a user or a file wrote it, and set s->next_run_at to
 * its first fire time after "now" (UTC ms; 0 for @reboot): the name (1 to
 * SCHEDULE_NAME_MAX of letters, digits, '.', '_', '-', ':', '@'), the cron
 * expression (it must be able to fire), the zone (it must exist), the
 * command (not blank).  Returns 0, or -EINVAL with one line in err that
 * names the bad field.  Reads zone files; no database.
 */
int		 schedule_check(struct schedule *s, int64_t now, char *err,
		    size_t errlen);

/*
 * Load the zone of a schedule whose zone is "tz": that IANA zone, or with
 * NULL the system zone (tz_load_system(): /etc/localtime, whatever TZ
 * says), so that jobd and jobctl agree on it.  Resolved each time it is
 * loaded, so a change of /etc/localtime applies from then on.  Errors as
 * tz_load(); the caller frees *out with tz_free().
 */
int		 schedule_zone(const char *tz, struct tz **out, char *err,
		    size_t errlen);

/*
 * The first fire time of s strictly after "after", into *next; 0 for
 * @reboot.  Returns 0, or -EINVAL/-ENOENT/-ERANGE with a reason in err.
 */
int		 schedule_next(const struct schedule *s, int64_t after,
		    int64_t *next, char *err, size_t errlen);

#endif /* JOBD_SCHEDULE_H */
