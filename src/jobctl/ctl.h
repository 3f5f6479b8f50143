/*
 * jobctl: the shared state of one invocation and the command functions.
 * Commands parse their arguments, talk to the store, and print through
 * out.c; none contains SQL.
 */
#ifndef JOBCTL_CTL_H
#define JOBCTL_CTL_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobd/clock.h"

struct out_table;
struct store;

/* Exit codes (sysexits(3) where one fits). */
#define EXIT_USAGE	64	/* EX_USAGE: bad command line */
#define EXIT_DATAERR	65	/* EX_DATAERR: bad input data */
#define EXIT_NOINPUT	66	/* EX_NOINPUT: no such job, file or db */
#define EXIT_NOUSER	67	/* EX_NOUSER: no such user */
#define EXIT_UNAVAIL	69	/* EX_UNAVAILABLE: database unusable; status:
				   no live daemon */
#define EXIT_SOFTWARE	70	/* EX_SOFTWARE: status: the daemon is stuck */
#define EXIT_OSERR	71	/* EX_OSERR: out of memory */
#define EXIT_CANTCREAT	73	/* EX_CANTCREAT: migrate-db: the target
				   database is not empty */
#define EXIT_IOERR	74	/* EX_IOERR: read or write failed */
#define EXIT_TEMPFAIL	75	/* EX_TEMPFAIL: database locked */
#define EXIT_NOPERM	77	/* EX_NOPERM: permission denied */
#define EXIT_CONFIG	78	/* EX_CONFIG: bad configuration */

struct ctl {
	const char		*db_flag;	/* --db, or NULL */
	const char		*socket_flag;	/* --socket, or NULL */
	bool			 json;		/* --json */
	const struct jd_clock	*clock;		/* after ctl_open(): the
						   server's, if any */
	struct jd_offset_clock	 server_clock;
	struct store		*st;		/* after ctl_open() */
	char			*db_missing;	/* see CTL_OPTIONAL; owned */
	const char		*cmd;		/* the command's name */
};

/* ctl_open() flags */
#define CTL_CREATE	0x01	/* create the database when missing */
#define CTL_OPTIONAL	0x02	/* a missing database is no error */

/*
 * Open the database by the path rule (DESIGN §8) into ctl->st, or print a
 * message and exit with the code that fits the error.  On a database
 * server, ctl->clock runs on the server's time from then on (as jobd
 * does), so that a time read after ctl_open() -- a job's run_at, a
 * schedule's next run -- means the same on every host.  Returns 0; with
 * CTL_OPTIONAL, -ENOENT (ctl->st NULL, nothing created) when there is no
 * database, with the path in ctl->db_missing.
 */
int	ctl_open(struct ctl *ctl, int flags);

/* The exit code for a negative errno from the store. */
int	ctl_exit_code(int error);

/*
 * Command i's usage as --help prints it (its first word the command's
 * name, later synopsis lines "       jobctl NAME ...", continuation lines
 * indented), and its name in *name; NULL past the last command.
 */
const char *ctl_cmd_usage(size_t i, const char **name);

/* Print "jobctl CMD: message" on stderr. */
void	ctl_warnx(const struct ctl *ctl, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The same, then exit with code. */
_Noreturn void	ctl_fail(const struct ctl *ctl, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Print the command's usage on stderr and exit 64. */
_Noreturn void	ctl_usage(const struct ctl *ctl);
/* Print the usage on stdout (--help) and exit 0. */
_Noreturn void	ctl_help(const struct ctl *ctl);

/*
 * The options every command takes, for its getopt_long table; and the
 * handler for them: returns true when c was one of them.
 */
#define CTL_OPT_DB	0x100
#define CTL_OPT_JSON	0x101
#define CTL_OPT_VERSION	0x102
#define CTL_OPT_SOCKET	0x103
#define CTL_COMMON_OPTIONS						\
	{ "db",		required_argument, NULL, CTL_OPT_DB },		\
	{ "json",	no_argument,	   NULL, CTL_OPT_JSON },	\
	{ "socket",	required_argument, NULL, CTL_OPT_SOCKET },	\
	{ "help",	no_argument,	   NULL, 'h' },			\
	{ "version",	no_argument,	   NULL, CTL_OPT_VERSION }
bool	ctl_common_option(struct ctl *ctl, int c, const char *arg);

/*
 * getopt_long() that handles the common options itself and exits 64 with a
 * message naming a bad or incomplete option.  optstring must start with
 * ":" (or "+:" to stop at the first operand).  Returns the next option of
 * the command's own, or -1 at the end of the options.
 */
int	ctl_getopt(struct ctl *ctl, int argc, char **argv,
	    const char *optstring, const struct option *opts);

/*
 * The end of a listing command (list, dead list, schedule list): print
 * table t on stdout unless it is NULL (JSON lines were printed), then make
 * error, what the store's listing returned, the command's result: 0;
 * EXIT_IOERR for -EIO when writing stdout failed; or a message and an
 * exit with the matching code.
 */
int	ctl_list_done(const struct ctl *ctl, struct out_table *t, int error);

/* One sub-command of a command that has them ("dead list"). */
struct ctl_sub {
	const char	*name;
	int		(*fn)(struct ctl *, int, char **);
};

/*
 * Run the sub-command of command ctl->cmd that argv names, after the
 * common options, which may come before it: the entry of subs (nsubs of
 * them) with that name, called with argv[0] the sub-command and getopt
 * reset; returns what it returns.  names lists the sub-commands for the
 * messages ("list, show, retry or purge").  Exits 64 with a message when
 * there is no sub-command or no such one.
 */
int	ctl_dispatch(struct ctl *ctl, int argc, char **argv,
	    const struct ctl_sub *subs, size_t nsubs, const char *names);

/*
 * Parse a job id (a positive decimal integer) or exit 64 with a message
 * that quotes it.
 */
int64_t	ctl_parse_id(const struct ctl *ctl, const char *s);

/*
 * Parse the decimal integer s in [min, max] into *v; on error print
 * "invalid WHAT "s": ..." and exit 64.
 */
int64_t	ctl_parse_int(const struct ctl *ctl, const char *what, const char *s,
	    int64_t min, int64_t max);
/* Duration s (timefmt) in ms, or exit 64 with "what: why". */
int64_t	ctl_parse_duration(const struct ctl *ctl, const char *what,
	    const char *s);

/*
 * Local times are read in the zone TZ names.  glibc silently uses UTC for
 * a TZ that names no zone: when TZ is set, not empty and neither a zone
 * with a zoneinfo file, a readable absolute path nor a POSIX TZ string,
 * print "WHAT: TZ="...": reason" and exit 78.
 */
void	ctl_check_tz_env(const struct ctl *ctl, const char *what);

/*
 * Schedules as people and programs see them (cmd_schedule.c; shared with
 * import-crontab).  ctl_sched_time() writes UTC ms "ms" as ISO 8601 local
 * time with a numeric offset in zone tzname (NULL: the system zone), as
 * "jobctl next" prints fire times ("2026-03-08T03:00:00-04:00"; the
 * process's zone when the zone cannot be loaded); buf holds TIMEFMT_MAX
 * bytes.  ctl_sched_next() writes when s runs next, with the time from
 * now ("... (in 5m)"), "when jobd starts" for @reboot, "-" when disabled.
 * ctl_sched_is_reboot() says whether s's expression is @reboot (which has
 * no fire times).  ctl_sched_json() writes every field of s into the open
 * JSON object j.  Any thread; they read zone files but no database.
 */
struct out_json;
struct schedule;
void	ctl_sched_time(const char *tzname, int64_t ms, char *buf, size_t len);
bool	ctl_sched_is_reboot(const struct schedule *s);
void	ctl_sched_next(const struct ctl *ctl, const struct schedule *s,
	    char *buf, size_t len);
void	ctl_sched_json(struct out_json *j, const struct schedule *s);

/*
 * ctl_sched_get() reads schedule "name" into *s (owned: schedule_clear())
 * or exits: 66 when there is none.  ctl_sched_report() says on stderr when
 * s runs next.  ctl_sched_set() is "schedule set" and "schedule edit"
 * (cmd_schedule_set.c).
 */
void	ctl_sched_get(struct ctl *ctl, const char *name, struct schedule *s);
void	ctl_sched_report(const struct ctl *ctl, const struct schedule *s);
int	ctl_sched_set(struct ctl *ctl, int argc, char **argv);

int	cmd_cancel(struct ctl *ctl, int argc, char **argv);
int	cmd_complete(struct ctl *ctl, int argc, char **argv);
int	cmd_crontab(struct ctl *ctl, int argc, char **argv);
int	cmd_dead(struct ctl *ctl, int argc, char **argv);
int	cmd_import_crontab(struct ctl *ctl, int argc, char **argv);
int	cmd_list(struct ctl *ctl, int argc, char **argv);
int	cmd_logs(struct ctl *ctl, int argc, char **argv);
int	cmd_metrics(struct ctl *ctl, int argc, char **argv);
int	cmd_migrate_db(struct ctl *ctl, int argc, char **argv);
int	cmd_next(struct ctl *ctl, int argc, char **argv);
int	cmd_prune(struct ctl *ctl, int argc, char **argv);
int	cmd_queue(struct ctl *ctl, int argc, char **argv);
int	cmd_rerun(struct ctl *ctl, int argc, char **argv);
int	cmd_schedule(struct ctl *ctl, int argc, char **argv);
int	cmd_show(struct ctl *ctl, int argc, char **argv);
int	cmd_stats(struct ctl *ctl, int argc, char **argv);
int	cmd_status(struct ctl *ctl, int argc, char **argv);
int	cmd_submit(struct ctl *ctl, int argc, char **argv);
int	cmd_wait(struct ctl *ctl, int argc, char **argv);

#endif /* JOBCTL_CTL_H */
