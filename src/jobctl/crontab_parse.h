/*
 * crontab_parse: crontabs read and checked as cron reads them, into the
 * schedules that stand for their entries, and compared with the schedules
 * a database holds; shared by "jobctl import-crontab" and "jobctl
 * crontab".  The rules (formats, names, environment lines, MAILTO, '%')
 * are described in crontab_parse.c.
 */
#ifndef JOBCTL_CRONTAB_PARSE_H
#define JOBCTL_CRONTAB_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jobd/schedule.h"
#include "ctl.h"
#include "jobopts.h"

#define CRONTAB_LINE_MAX	16384		/* bytes of one line */
#define CRONTAB_FILE_MAX	(16 * 1024 * 1024)	/* bytes of a file */
#define CRONTAB_ENTRIES_MAX	10000
#define CRONTAB_PREFIX_MAX	100		/* leaves room for :hash-n */

/* One entry of the crontab, as a schedule to sync. */
struct ct_entry {
	size_t		 line;
	char		 hash[9];	/* of the user and the command */
	struct schedule	 s;		/* owned strings */
	const char	*change;	/* "added", "updated", "unchanged" */
};

/*
 * A crontab being read and checked, then compared with the database.  The
 * caller sets file, nothing, source, prefix and how the entries run
 * (system, user, user_guessed, the job options) after crontab_init().
 */
struct crontab {
	struct ctl	*ctl;
	const char	*file;		/* as named in messages */
	const char	*nothing;	/* "nothing imported": ends a refusal */
	const char	*hint;		/* after "a schedule named ... already
					   exists (from ...)", or NULL */
	bool		 retry;		/* a bad command is an error that
					   returns (ct_error()), not an exit */
	char		*source;	/* its schedules' source */
	char		 prefix[CRONTAB_PREFIX_MAX + 1];
	bool		 system;	/* system format: a user field */
	const char	*user;		/* user format: runs as, or NULL */
	bool		 user_guessed;	/* no --user, no --system */
	int64_t		 now;

	/* The job options for every entry (--max-attempts ...). */
	struct jobopts	 jo;
	enum sched_overlap overlap;
	enum sched_catchup catchup;

	/* The environment lines so far. */
	char		*env;		/* "NAME=VALUE\0"... */
	size_t		 env_len;
	char		*tz;		/* CRON_TZ, or NULL: local */
	char		*shell;		/* SHELL other than /bin/sh, or NULL */
	bool		 mailto_set;	/* a MAILTO line came before */
	char		*mailto;	/* its value; NULL: none (MAILTO="") */

	struct ct_entry	*ents;
	size_t		 n, cap;
	size_t		 userlike;	/* commands that start with a user */

	struct schedule	*old;		/* every schedule in the database */
	size_t		 nold, capold;

	/* Why the crontab is refused (ct_error()). */
	int		 ecode;		/* the exit code */
	size_t		 eline;		/* 0: the file as a whole */
	char		 emsg[1024];
};

/* *im for ctl: no entries yet, cron's job options. */
void	crontab_init(struct crontab *im, struct ctl *ctl);
void	crontab_free(struct crontab *im);

/*
 * Read and check the whole crontab from fp.  Returns 0, or an exit code
 * with the reason in im->ecode, eline and emsg (ct_error()); exits on a
 * read error.  Then crontab_unique_names() gives the k-th entry (k > 1)
 * with the same user and command the name PREFIX:HASH-k.
 */
int	crontab_read(struct crontab *im, FILE *fp);
void	crontab_unique_names(struct crontab *im);

/*
 * The entries' next runs again from the clock of im->ctl (the database
 * server's, after ctl_open()).
 */
void	crontab_next_runs(struct crontab *im);

/*
 * crontab_old_one() is the store_schedule_list() callback that keeps a
 * copy of every schedule in im->old.  crontab_plan() marks each entry
 * added, updated or unchanged against them (an unchanged one keeps its
 * next run, each its enabled state), counts what would change, and exits
 * 65 when an entry's name belongs to another source.  crontab_print()
 * prints the entries and the removed schedules of im->source: a table of
 * NAME CHANGE LINE CRON NEXT COMMAND, or JSON lines with --json.
 */
int	crontab_old_one(const struct schedule *s, void *arg);
void	crontab_plan(struct crontab *im, int64_t *added, int64_t *updated,
	    int64_t *removed);
void	crontab_print(struct crontab *im);

/*
 * Errors.  ct_error() notes why the crontab is refused (the exit code,
 * the line, 0 for the file as a whole, and the message) and returns the
 * code; ct_warn() prints it as "FILE:LINE: message"; ct_die() prints it
 * followed by "; " and im->nothing, and exits with the code; ct_fail() is
 * ct_error() then ct_die().  ct_oom() exits 71.
 */
int	ct_error(struct crontab *im, size_t line, int code, const char *fmt,
	    ...) __attribute__((format(printf, 4, 5)));
void	ct_warn(const struct crontab *im);
_Noreturn void	ct_die(const struct crontab *im);
_Noreturn void	ct_fail(struct crontab *im, size_t line, int code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
_Noreturn void	ct_oom(const struct crontab *im);

#endif /* JOBCTL_CRONTAB_PARSE_H */
