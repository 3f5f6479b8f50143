/*
 * outbox: which notification jobs an outcome makes.  The store records an
 * attempt's end and, in the same transaction, inserts the notification
 * jobs that outbox_plan() returns, so a notification is never lost and
 * never made for an outcome that did not commit.
 *
 * A notification is an ordinary job in the reserved queue OUTBOX_QUEUE
 * (names starting with "jobd." are refused for other jobs): it is
 * retried and dead-lettered like any job, and it never causes a
 * notification itself (not even about its own death).
 *
 * Hooks.  on_dead runs when a job dies (its attempts are used up);
 * on_failure after every attempt that fails (exit status not 0, a
 * signal, a timeout, a lost lease, a spawn error), the last one
 * included; on_success when a job ends done.  A cancelled job, and an
 * attempt stopped by jobd's shutdown, notify nothing.  A job's own hook
 * wins over its schedule's, which wins over jobd.conf's [notify] hook of
 * the same event.
 *
 * A hook is a command line for /bin/sh -c whose first word (up to the
 * first blank) is the absolute path of the program; arguments may follow.
 * It runs as the reported job's user, with the reported job's JOBD_JOB_ID,
 * JOBD_QUEUE, JOBD_COMMAND, JOBD_ATTEMPT, JOBD_OUTCOME, JOBD_EXIT_STATUS
 * or JOBD_SIGNAL, JOBD_REASON, JOBD_SCHEDULE and JOBD_EVENT in its
 * environment (all taken when the outcome is recorded), and the reported
 * attempt's output tail on its standard input.  The notification's own
 * id and attempt are JOBD_NOTIFY_ID and JOBD_NOTIFY_ATTEMPT (runner.h).
 *
 * Mail.  A job with mail_to is mailed about each attempt end that
 * mail_wanted() (mail.h) says should be, under its mail_on, else the
 * configuration's: the mail is one more notification job, whose command
 * is the mailer's argv (mail_argv(), each word quoted for /bin/sh) and
 * whose input is the composed message (mail_compose()).  Its event is
 * the attempt's: dead when the job died, failure when it failed, success
 * otherwise.  It runs as the job's user.
 *
 * Pure functions: no I/O, no clock, no state; thread-safe.
 */
#ifndef JOBD_OUTBOX_H
#define JOBD_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobd/job.h"
#include "jobd/mail.h"
#include "jobd/queue.h"

/* In the queues reserved for jobd (queue.h: QUEUE_RESERVED). */
#define OUTBOX_QUEUE		QUEUE_RESERVED "notify"
#define OUTBOX_HOOK_MAX		4096		/* bytes of a hook */
#define OUTBOX_MAX		4		/* notifications of one outcome */

/* What the daemon's configuration says about notifications. */
struct outbox_conf {
	const char	*hook[JOB_NHOOKS];	/* global hooks; NULL: none */
	int64_t		 max_attempts;		/* of a notification job, or
						   JOB_DEFAULT */
	int64_t		 timeout_ms;		/* of a notification job, or
						   JOB_DEFAULT */
	const char	*mailer;		/* the mailer's path */
	const char	*mail_from;		/* or NULL: the job's user */
	enum mail_on	 mail_on;		/* for jobs that set none */
	const char	*user;			/* jobd's own user name, for
						   jobs that name none */
	const char	*host;			/* this host's name */
};

/* One recorded end of an attempt, and what became of its job. */
struct outbox_outcome {
	int64_t		 job_id;
	int64_t		 attempt;
	const char	*queue;
	const char	*command;
	const char	*run_as;		/* or NULL: jobd's user */
	const char	*schedule;		/* its name, or NULL */
	int64_t		 notify_of;		/* non-zero: a notification */
	bool		 failed;		/* the attempt failed */
	bool		 dead;			/* and the job died */
	const char	*outcome;		/* ok, failed, timeout, ... */
	bool		 has_exit_code;
	int64_t		 exit_code;
	int64_t		 signal;		/* 0: none */
	const char	*reason;		/* why it ended or died; NULL */
	const void	*output;		/* the output tail */
	size_t		 output_len;
	const char	*job_hook[JOB_NHOOKS];	/* the job's own, or NULL */
	const char	*sched_hook[JOB_NHOOKS]; /* its schedule's, or NULL */
	const char	*mail_to;		/* addresses, or NULL: no mail */
	enum mail_on	 mail_on;		/* MAIL_ON_UNSET: c->mail_on */
	int64_t		 finished_at;		/* UTC ms, for the Date */
};

/* One notification job to insert. */
struct outbox_job {
	enum job_hook	 event;
	char		*command;		/* owned */
	char		*env;			/* owned: "NAME=VALUE\0"... */
	size_t		 env_len;
	const char	*run_as;		/* borrowed from the outcome */
	const void	*input;			/* its stdin: borrowed from the
						   outcome, or input_buf */
	size_t		 input_len;
	void		*input_buf;		/* owned, or NULL */
};

/* "dead", "failure", "success"; NULL for another value. */
const char	*outbox_event_name(enum job_hook e);

/* The jobd.conf key, schedule file key of hook e: "on_dead" ... */
const char	*outbox_hook_key(enum job_hook e);

/*
 * Is hook a valid hook command line (see above)?  Not empty, at most
 * OUTBOX_HOOK_MAX bytes, no control bytes (newline, CR, tab ...), and
 * starting with an absolute path that does not end in '/'.  0 or -EINVAL
 * with a reason in why (whylen bytes) that does not repeat the value.
 * Does not look at the file (outbox_hook_path() names it).
 */
int		 outbox_hook_check(const char *hook, char *why, size_t whylen);

/*
 * The program of a valid hook (its first word) into buf (len bytes).
 * 0, or -ENAMETOOLONG.
 */
int		 outbox_hook_path(const char *hook, char *buf, size_t len);

/*
 * Plan the notifications of outcome o under configuration c: up to
 * OUTBOX_MAX jobs into out[], their number into *n: the hooks first (on
 * failure or success, then on death), then the mail.  Nothing for a
 * notification (o->notify_of != 0).  On success the caller owns out[0 ..
 * *n - 1] (outbox_job_clear() each).  -ENOMEM, with nothing owned; a mail
 * whose addresses mail.h refuses (they were checked when given) is not
 * planned.
 */
int		 outbox_plan(const struct outbox_conf *c,
		    const struct outbox_outcome *o, struct outbox_job *out,
		    size_t *n);

/* Free what j owns and zero it.  NULL is fine. */
void		 outbox_job_clear(struct outbox_job *j);

#endif /* JOBD_OUTBOX_H */
