/*
 * jobspec: the rules and limits of a job's options, in one place for
 * jobctl's options (submit, schedule add), schedule files and crontab
 * import alike.  (The umask and resource limits are procopt.h's.)
 *
 *   queue          queue_name_check() (queue.h: the one rule of queue
 *                  names, "jobd." reserved for jobd's own queues)
 *   hooks          on_dead, on_failure, on_success: outbox_hook_check()
 *   priority       an integer, JOBSPEC_PRIORITY_MIN to JOBSPEC_PRIORITY_MAX
 *   max_attempts   an integer, 1 to JOBSPEC_ATTEMPTS_MAX
 *   timeout,
 *   backoff        timefmt durations ("30s", "1h30m"); a back-off maximum
 *                  is not less than its base
 *   environment    NAME=VALUE: a name is letters, digits and '_', not
 *                  starting with a digit, not JOBD_*; at most
 *                  JOBSPEC_ENV_MAX bytes of "NAME=VALUE\0" in all
 *   user           exists; a process whose effective user is not root may
 *                  name only itself (its jobs can do no more than it can)
 *   cwd            an absolute path shorter than PATH_MAX
 *   command        not blank, no NUL byte, at most JOBSPEC_COMMAND_MAX
 *   mail_to        a list of addresses as mail.h checks them (no line
 *                  break or other control byte, no empty item, ...)
 *   mail_on        never, failure, output or always
 *
 * Every check returns 0 or a negative errno with a reason in why (whylen
 * bytes) that does not repeat the key or the value ("must be between 1
 * and 1000"): callers add those, and decide what to do.  Nothing here
 * prints or exits.  No state; every function is thread-safe.
 */
#ifndef JOBD_JOBSPEC_H
#define JOBD_JOBSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobd/mail.h"
#include "jobd/queue.h"

#define JOBSPEC_COMMAND_MAX	(256 * 1024)	/* bytes of one command */
#define JOBSPEC_QUEUE_MAX	QUEUE_NAME_MAX	/* bytes of a queue name */
#define JOBSPEC_ENV_MAX		(64 * 1024)	/* all variables together */
#define JOBSPEC_PRIORITY_MIN	(-1000)
#define JOBSPEC_PRIORITY_MAX	1000
#define JOBSPEC_ATTEMPTS_MAX	1000

/* A reason always fits in this many bytes. */
#define JOBSPEC_WHY_MAX		160

/* Is q a valid queue name?  0 or -EINVAL. */
int	jobspec_queue_check(const char *q, char *why, size_t whylen);

/*
 * Parse s as a priority, a number of attempts, or any integer in [min,
 * max]: an optional sign, then decimal digits.  0 with the value in *v, or
 * -EINVAL ("not an integer", "must be between 1 and 1000"); *v is written
 * only on success.
 */
int	jobspec_int_parse(const char *s, int64_t min, int64_t max,
	    int64_t *v, char *why, size_t whylen);
int	jobspec_priority_parse(const char *s, int64_t *v, char *why,
	    size_t whylen);
int	jobspec_attempts_parse(const char *s, int64_t *v, char *why,
	    size_t whylen);

/* A duration (timeout, back-off) into *ms.  0 or -EINVAL. */
int	jobspec_duration_parse(const char *s, int64_t *ms, char *why,
	    size_t whylen);

/*
 * May a back-off start at base ms and grow to max ms?  Either may be
 * JOB_DEFAULT (not set).  0, or -EINVAL when max is less than base.
 */
int	jobspec_backoff_check(int64_t base, int64_t max, char *why,
	    size_t whylen);

/* Is name[0..len-1] a valid environment variable name?  0 or -EINVAL. */
int	jobspec_env_name_check(const char *name, size_t len, char *why,
	    size_t whylen);

/* jobspec_env_set() flags */
#define JOBSPEC_ENV_REPLACE	0x01	/* a name given again replaces */

/*
 * Set name[0..nlen-1] to value in the environment blob *env ("NAME=VALUE\0"
 * ..., *env_len bytes, malloc'd or NULL), at its end.  A name already in
 * the blob is -EINVAL unless JOBSPEC_ENV_REPLACE, which drops the old one.
 * Returns 0, -EINVAL (bad name, repeated name, more than JOBSPEC_ENV_MAX
 * bytes) or -ENOMEM, the blob unchanged on error.
 */
int	jobspec_env_set(char **env, size_t *env_len, const char *name,
	    size_t nlen, const char *value, int flags, char *why,
	    size_t whylen);

/*
 * May jobs run as user "name" (see above)?  0 with its uid in *uid (may be
 * NULL), -ENOENT (no such user), -EPERM (another user, and this process
 * is not root), -ENOMEM, or -EIO (the user database could not be read).
 */
int	jobspec_user_check(const char *name, uint32_t *uid, char *why,
	    size_t whylen);

/* Is path a valid working directory for a job?  0 or -EINVAL. */
int	jobspec_cwd_check(const char *path, char *why, size_t whylen);

/*
 * Is cmd (len bytes) a valid command?  0, -EINVAL (blank), -E2BIG (too
 * long) or -EILSEQ (a NUL byte).
 */
int	jobspec_command_check(const char *cmd, size_t len, char *why,
	    size_t whylen);

/* Is s a valid mail_to (mail_addrs_check())?  0 or -EINVAL. */
int	jobspec_mail_to_check(const char *s, char *why, size_t whylen);

/* s as a mail_on into *on (written only on success).  0 or -EINVAL. */
int	jobspec_mail_on_parse(const char *s, enum mail_on *on, char *why,
	    size_t whylen);

/*
 * Check a whole job as it would be submitted, for a job that did not come
 * through these parsers (one sent to jobd's socket): every field by the
 * rule of its option above.  0, or -EINVAL with why naming the field.
 */
struct job_spec;
int	jobspec_check(const struct job_spec *s, char *why, size_t whylen);

#endif /* JOBD_JOBSPEC_H */
