/*
 * jobopts: the job options that "submit" and "schedule add" share
 * (--queue --priority --max-attempts --timeout --backoff --env --cwd
 * --user --umask --limit-* --kill-mode --mail-to --mail-on --on-dead
 * --on-failure --on-success), parsed and
 * checked in one place (the umask and limits through procopt.h, the mail
 * options through jobspec.h, as schedule files and jobd.conf), and the
 * command-line helpers both use: turning COMMAND [ARG ...] into one shell
 * command line, and quoting a word for /bin/sh.  The rules and limits
 * are jobspec.h's, which schedule files and import-crontab use too; this
 * module turns their reasons into messages and exit codes.
 */
#ifndef JOBCTL_JOBOPTS_H
#define JOBCTL_JOBOPTS_H

#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobd/job.h"
#include "jobd/jobspec.h"

struct ctl;

#define JOBOPTS_COMMAND_MAX	JOBSPEC_COMMAND_MAX

/*
 * The parsed options.  Numbers are JOB_DEFAULT (job.h) when not given,
 * priority 0.  queue and run_as borrow the argument strings; env is owned
 * (jobopts_free()); cwd is NULL or points into cwdbuf.
 */
/*
 * The dependencies of a job (submit --after, --after-any): v[i].id a job,
 * or with id 0, v[i].ref the number of a stdin line of --batch.
 */
struct jobdeps {
	struct job_dep	*v;
	size_t		 n, cap;
};

struct jobopts {
	const char	*queue;		/* NULL: "default" */
	int64_t		 priority;
	int64_t		 max_attempts;
	int64_t		 timeout_ms;
	int64_t		 backoff_ms;
	int64_t		 backoff_max_ms;
	char		*env;		/* "NAME=VALUE\0"..., or NULL */
	size_t		 env_len;
	const char	*cwd;		/* absolute, or NULL */
	const char	*run_as;	/* user name, or NULL */
	struct job_proc	 proc;		/* umask, limits */
	const char	*hook[JOB_NHOOKS]; /* by enum job_hook, or NULL */
	const char	*mail_to;	/* checked addresses, or NULL */
	enum mail_on	 mail_on;	/* MAIL_ON_UNSET: not given */
	struct jobdeps	 after;		/* --after, --after-any (owned) */
	char		 cwdbuf[PATH_MAX];
};

/*
 * The getopt_long() fragments for a command's tables: short options (to
 * paste into its optstring) and long ones (to paste into its option array).
 */
#define JOBOPTS_SHORTOPTS	"b:C:e:m:p:q:t:u:"
#define JOBOPTS_PROC		0x300	/* + enum procopt: long only */
#define JOBOPTS_MAIL_TO		0x310	/* --mail-to, long only */
#define JOBOPTS_MAIL_ON		0x311	/* --mail-on, long only */
#define JOBOPTS_HOOK		0x320	/* + enum job_hook: long only */
#define JOBOPTS_AFTER		0x330	/* --after, long only */
#define JOBOPTS_AFTER_ANY	0x331	/* --after-any, long only */
/* The options of a job that waits for others: submit only. */
#define JOBOPTS_DEPS_LONGOPTS						\
	{ "after",	  required_argument, NULL, JOBOPTS_AFTER },	\
	{ "after-any",	  required_argument, NULL, JOBOPTS_AFTER_ANY }
#define JOBOPTS_LONGOPTS						\
	{ "on-dead",	  required_argument, NULL,			\
	    JOBOPTS_HOOK + JOB_HOOK_DEAD },				\
	{ "on-failure",	  required_argument, NULL,			\
	    JOBOPTS_HOOK + JOB_HOOK_FAILURE },				\
	{ "on-success",	  required_argument, NULL,			\
	    JOBOPTS_HOOK + JOB_HOOK_SUCCESS },				\
	{ "umask",	  required_argument, NULL, JOBOPTS_PROC + 0 },	\
	{ "limit-nofile", required_argument, NULL, JOBOPTS_PROC + 1 },	\
	{ "limit-nproc",  required_argument, NULL, JOBOPTS_PROC + 2 },	\
	{ "limit-as",	  required_argument, NULL, JOBOPTS_PROC + 3 },	\
	{ "limit-cpu",	  required_argument, NULL, JOBOPTS_PROC + 4 },	\
	{ "kill-mode",	  required_argument, NULL, JOBOPTS_PROC + 5 },	\
	{ "mail-to",	  required_argument, NULL, JOBOPTS_MAIL_TO },	\
	{ "mail-on",	  required_argument, NULL, JOBOPTS_MAIL_ON },	\
	{ "backoff",	  required_argument, NULL, 'b' },		\
	{ "cwd",	  required_argument, NULL, 'C' },		\
	{ "env",	  required_argument, NULL, 'e' },		\
	{ "max-attempts", required_argument, NULL, 'm' },		\
	{ "priority",	  required_argument, NULL, 'p' },		\
	{ "queue",	  required_argument, NULL, 'q' },		\
	{ "timeout",	  required_argument, NULL, 't' },		\
	{ "user",	  required_argument, NULL, 'u' }

/* Set *jo to no options given. */
void	jobopts_init(struct jobopts *jo);

/* Free what *jo owns; jobopts_init() state again.  NULL is fine. */
void	jobopts_free(struct jobopts *jo);

/*
 * Handle option c (a value of JOBOPTS_LONGOPTS) with argument arg into
 * *jo: returns true when c was a job option.  A bad value prints one line
 * that names it and exits 64 (a hook that is not an absolute path, see
 * outbox_hook_check(); whether it exists is seen when it runs) (67 for an unknown user, 77 for another user
 * when not root, 71 when out of memory).
 */
bool	jobopts_option(const struct ctl *ctl, struct jobopts *jo, int c,
	    const char *arg);

/*
 * Add the dependencies listed in arg (--after when any is false, else
 * --after-any) to *jd: "ID[,ID ...]", job ids >= 1, and when line > 0
 * (the options of stdin line "line" of --batch) "@N" for the job of an
 * earlier stdin line N.  A job named twice in one list counts once.  A
 * bad list (empty, not a number, 0, a reference forward or to its own
 * line, a job named by both --after and --after-any) prints one line
 * naming it and exits 64.  Whether the jobs exist is the store's check.
 */
void	jobopts_after(const struct ctl *ctl, struct jobdeps *jd,
	    const char *arg, bool any, size_t line);

/* Free what *jd holds; empty again. */
void	jobdeps_free(struct jobdeps *jd);

/*
 * The command line for COMMAND [ARG ...] (argc >= 1): one argument is used
 * as written; several are each quoted for the shell (jobopts_quote()) so
 * that /bin/sh -c runs exactly that argument vector.  The result is checked
 * with jobopts_check_command() and returned in allocated memory the caller
 * frees.  Exits 65 when too long, 64 when blank.
 */
char	*jobopts_command(const struct ctl *ctl, int argc, char **argv);

/*
 * A command must pass jobspec_command_check(): otherwise print one line
 * naming it ("what", e.g. "the command") and exit 64 (blank) or 65.
 */
void	jobopts_check_command(const struct ctl *ctl, const char *cmd,
	    size_t len, const char *what);

/*
 * Word s quoted for /bin/sh: as is when it has only safe characters, else
 * in single quotes with each ' written as '\''.  Allocated; the caller
 * frees it.  NULL when out of memory.
 */
char	*jobopts_quote(const char *s);

/*
 * May jobs run as user "name" (jobspec_user_check())?  Returns 0, or the
 * exit code (67 no such user, 77 not allowed, 71 out of memory, 74 the
 * user database unreadable) with the reason in why (whylen bytes).
 */
int	jobopts_user_check(const char *name, char *why, size_t whylen);

#endif /* JOBCTL_JOBOPTS_H */
