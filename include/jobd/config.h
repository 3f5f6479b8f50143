/*
 * config: jobd.conf, an INI file read with inih through a strict reader.
 *
 * One table in config.c drives defaults, parsing, bounds, printing and
 * reload.  The strict reader (also used for schedule files) refuses what
 * plain inih would silently get wrong: a line longer than CONFIG_LINE_MAX
 * bytes is an error, not split; ';' and '#' inside a value are kept (only
 * whole-line comments exist); leading whitespace is ignored; a key line
 * that ends in a backslash continues on the next line (the backslash and
 * the line end go, and the next line's leading blanks); a key repeated
 * within a section is an error; section names have up to 128 bytes; bytes 0x00-0x08, 0x0b-0x1f and
 * 0x7f, invalid UTF-8, C1 controls and invisible formatting characters
 * (U+200B-U+200F, U+2028-U+202E, U+2060-U+2069, U+FEFF after the start)
 * are refused.  Files are opened close-on-exec and capped in size.
 *
 * The module never exits the process.  Errors are returned as a negative
 * errno with a one-line message "FILE:LINE: reason" written to err.
 */
#ifndef JOBD_CONFIG_H
#define JOBD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jobd/job.h"
#include "jobd/queue.h"
#include "jobd/quota.h"
#include "jobd/retention.h"

/* Bytes of a line, continuation lines joined, newline excluded: room for
 * a command as long as jobctl takes (256 KiB) and its key. */
#define CONFIG_LINE_MAX		(257 * 1024)
#define CONFIG_FILE_MAX		(1024 * 1024)	/* bytes */

/* Default locations; the Makefile may override them with -D. */
#ifndef JOBD_SYSCONFDIR
#define JOBD_SYSCONFDIR		"/etc/jobd"
#endif
#ifndef JOBD_STATEDIR
#define JOBD_STATEDIR		"/var/lib/jobd"
#endif

/* cgroups = auto | off */
#define CONFIG_CGROUPS_AUTO	0	/* one per attempt where writable */
#define CONFIG_CGROUPS_OFF	1	/* sessions only */

/* The mailer when jobd.conf names none: cron's. */
#define CONFIG_MAILER_DEFAULT	"/usr/sbin/sendmail"

/*
 * A [queue NAME] section: the settings of queue NAME (queue.h), which
 * jobd writes into the database at start and on SIGHUP.  Its keys are
 * queue.h's (concurrency, rate, weight, max_pending, max_running_per_user,
 * max_attempts, timeout, backoff, backoff_max), each once; "none" unsets.
 */
struct config_queue {
	char			 name[QUEUE_NAME_MAX + 1];
	struct queue_settings	 set;
	int			 line;		/* of its last key, or header */
};

struct jd_config {
	/* [jobd] */
	char	*database;		/* owned; NULL: the default path rule */
	int	 workers;		/* worker threads, 1..256 */
	int64_t	 poll_interval_ms;	/* longest idle sleep */
	int64_t	 visibility_timeout_ms;	/* lease length */
	int64_t	 shutdown_grace_ms;	/* SIGTERM: wait for jobs this long */
	int64_t	 kill_grace_ms;		/* SIGTERM to SIGKILL for a job */
	int64_t	 max_output;		/* bytes of output kept per attempt */
	char	*schedules_dir;		/* owned; never NULL after defaults */
	int	 max_catchup;		/* missed slots run by catchup = all */
	char	*locale_file;		/* owned; LANG, LC_* for jobs */
	int	 cgroups;		/* CONFIG_CGROUPS_AUTO or _OFF */
	char	*mailer;		/* owned; NULL: CONFIG_MAILER_DEFAULT,
					   not checked until mail is sent */
	char	*mail_from;		/* owned; NULL: the job's user */
	char	*metrics_file;		/* owned; NULL: none written */
	int64_t	 metrics_interval_ms;	/* between two metrics_file writes */
	int	 max_running_per_user;	/* running jobs of one run_as user,
					   all queues; 0: no limit */
	char	*socket;		/* owned; the submission socket's
					   path; NULL: CONFIG_SOCKET_DEFAULT
					   for root, else none; "": none */
	char	*socket_group;		/* owned; its group, or NULL */
	/* [job]: defaults for jobs that do not set their own */
	int	 max_attempts;		/* 1..1000 */
	int64_t	 timeout_ms;		/* 0: no timeout */
	int64_t	 backoff_ms;		/* base delay of the first retry */
	int64_t	 backoff_max_ms;	/* cap on any one retry delay */
	struct job_proc proc;		/* umask (022), limits (JOB_DEFAULT:
					   jobd's own) */
	/* [notify]: notification jobs (outbox.h) */
	char	*notify_hook[JOB_NHOOKS]; /* owned; on_dead, on_failure,
					   on_success; NULL: none */
	int	 notify_max_attempts;	/* of a notification job */
	int64_t	 notify_timeout_ms;	/* of a notification job; 0: none */
	int	 mail_on;		/* enum mail_on, never MAIL_ON_UNSET */
	/* [retention]: how long finished work is kept (0: for ever) */
	struct retention retention;
	int64_t	 prune_interval_ms;	/* how often jobd looks */
	/* [quota]: per-user limits of socket users (quota.h); 0: none */
	struct quota_conf quota;
	/* [queue NAME] sections, in file order; owned */
	struct config_queue *queues;
	size_t	 nqueues;
};

/*
 * Called by config_read_ini for every key: section (never NULL; "" before
 * the first section header), key, value (strings valid only during the
 * call) and its 1-based line number.  Return 0 to go on, or a negative
 * errno after writing a reason (no file:line prefix) to err.
 */
typedef int (*config_ini_fn)(void *arg, const char *section, const char *key,
    const char *value, int line, char *err, size_t errlen);

/*
 * Read INI file "path" strictly (see above) and call fn for every key.
 * "name" is the file name used in messages (NULL: path).  Returns 0,
 * -ENOENT/-EACCES/... when the file cannot be opened (message "PATH: ..."),
 * or -EINVAL with "NAME:LINE: reason" in err for the first bad line.
 */
int	config_read_ini(const char *path, const char *name, config_ini_fn fn,
	    void *arg, char *err, size_t errlen);

/*
 * Same as config_read_ini, on the len bytes at buf.  "name" labels messages.
 */
int	config_read_ini_buf(const char *buf, size_t len, const char *name,
	    config_ini_fn fn, void *arg, char *err, size_t errlen);

/* config_read_file() flags */
#define CONFIG_PRIVATE	0x01	/* refuse a file that a user other than
				   root or ours owns or could write
				   (trust_check_stat) */

/*
 * Read the regular file "path", at most CONFIG_FILE_MAX bytes, opened
 * close-on-exec, into *bufp (*lenp bytes; the caller frees).  Returns 0,
 * or a negative errno with "PATH: reason" in err: -ENOENT and the like
 * from open, -EISDIR or -EINVAL when it is not a regular file, -EFBIG,
 * and with CONFIG_PRIVATE -EPERM for a file others could change (its
 * commands would run as our users), with trust_check_stat's message on
 * the open file.
 */
int	config_read_file(const char *path, int flags, char **bufp,
	    size_t *lenp, char *err, size_t errlen);

/* Fill *c with the defaults.  Returns 0 or -ENOMEM. */
int	config_defaults(struct jd_config *c);

/*
 * Load file "path" over the defaults into *c, which must hold a config
 * from config_defaults() or an earlier load (the strings it owned are
 * freed on success).  On any error *c is left exactly as it was (the
 * caller may keep using it: this is how a reload with a bad file keeps the
 * old config).  Returns 0, -ENOENT if the file
 * does not exist, another negative errno if it cannot be read, or -EINVAL
 * with "PATH:LINE: reason" in err.  An unknown section or key, a bad value,
 * a value out of bounds and a repeated key are errors; so are a bad queue
 * name in [queue NAME] and a section repeated.
 */
int	config_load(struct jd_config *c, const char *path, char *err,
	    size_t errlen);

/*
 * Same as config_load, with config_read_file() flags: jobd loads its
 * jobd.conf with CONFIG_PRIVATE (the file names the database, whose
 * writers decide what jobd runs); -EPERM when the file is refused.
 */
int	config_load_file(struct jd_config *c, const char *path, int flags,
	    char *err, size_t errlen);

/* Same as config_load, on a buffer; "name" labels messages. */
int	config_load_buf(struct jd_config *c, const char *buf, size_t len,
	    const char *name, char *err, size_t errlen);

/*
 * The mailer jobd runs: c->mailer, else CONFIG_MAILER_DEFAULT.  A mailer
 * named in the file was checked by the load to be an absolute path to an
 * executable regular file; the default is not (a host that never mails
 * needs none).
 */
const char *config_mailer(const struct jd_config *c);

/*
 * Is "path" an executable regular file?  0, or a negative errno with a
 * reason in why ("no such file", "not a regular file", "not executable").
 */
int	config_mailer_check(const char *path, char *why, size_t whylen);

/* Print *c as a normalised config file (every key, sorted by table). */
int	config_print(const struct jd_config *c, FILE *fp);

/* Free what *c owns; *c is then zeroed. */
void	config_free(struct jd_config *c);

/*
 * The default configuration file: $JOBD_CONFIG if set, else
 * JOBD_SYSCONFDIR "/jobd.conf" for root, else
 * "$XDG_CONFIG_HOME/jobd/jobd.conf" (~/.config/jobd/jobd.conf).  Writes into
 * buf (len bytes).  Returns 0, or -ENAMETOOLONG / -ENOENT (no home).
 */
int	config_default_path(char *buf, size_t len);

/*
 * The directory of the configuration file "path" (from --config or
 * config_default_path()), where the files that sit beside jobd.conf live
 * (users.allow and users.deny, useraccess.h), or of any file (the
 * metrics file's): "path" up to its last '/',
 * "/" for a file in the root, "." for a name without '/'.  Writes into buf
 * (len bytes).  Returns 0, or -ENAMETOOLONG.
 */
int	config_dir(const char *path, char *buf, size_t len);

/*
 * The path of jobd's submission socket for jobctl: flag (--socket), else
 * $JOBD_SOCKET, else c->socket (jobd.conf's socket =), else
 * CONFIG_SOCKET_DEFAULT.  *is_default (may be NULL) says which: only
 * the last two are guesses that a database of one's own comes before.
 * 0, -EINVAL (an empty or relative path), or -ENAMETOOLONG.
 */
#define CONFIG_SOCKET_DEFAULT	"/run/jobd/jobd.sock"
int	config_socket_path(const struct jd_config *c, const char *flag,
	    char *buf, size_t len, bool *is_default);

/*
 * The database path rule, the same for jobd and jobctl: "flag" (--db) if
 * not NULL, else $JOBD_DB if set and not empty, else c->database if set,
 * else the default: JOBD_STATEDIR "/jobs.db" for root, else
 * "$XDG_STATE_HOME/jobd/jobs.db" (~/.local/state/jobd/jobs.db).  Writes the
 * path into buf (len bytes) and sets *is_default when the default was used
 * (its directory may then be created).  Returns 0, -ENAMETOOLONG,
 * -EINVAL for an empty flag, or -ENOENT when no home directory is known.
 * A "database =" with an empty value counts as unset.
 */
int	config_db_path(const struct jd_config *c, const char *flag, char *buf,
	    size_t len, bool *is_default);

#endif /* JOBD_CONFIG_H */
