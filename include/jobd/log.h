/*
 * log: one line per event on stderr.
 *
 * When $JOURNAL_STREAM is set (stderr goes to the journal) each line gets a
 * "<N>" syslog priority prefix and no timestamp; otherwise it gets a local
 * timestamp and the level name.  Messages below the configured level are not
 * formatted.  Thread-safe: each line is written with one write(2).
 */
#ifndef JOBD_LOG_H
#define JOBD_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdnoreturn.h>

enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/* Set the program name and the most verbose level printed. */
void	log_init(const char *progname, enum log_level level);

/* Error level: what stops jobd (a failed start, a database gone). */
void	log_err(const char *fmt, ...)		/* appends strerror(errno) */
	    __attribute__((format(printf, 1, 2)));
void	log_errx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...)		/* appends strerror(errno) */
	    __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
noreturn void	fatal(const char *fmt, ...)	/* log_err, then exit(1) */
	    __attribute__((format(printf, 1, 2)));
noreturn void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/*
 * A streak: the same error again and again (a full disk, a locked
 * database), logged once with a count instead of once per occurrence.
 * The key says what counts as the same error (e.g. the error text without
 * the varying figures around it).  The owner zeroes the struct before its
 * first use; it belongs to one thread.  Times are the owner's monotonic
 * milliseconds.
 */
#define LOG_STREAK_PERIOD_MS	60000	/* a summary at most this often */

struct log_streak {
	char	 key[256];	/* the error repeating; "" when none */
	int64_t	 first_ms;	/* mono ms: its first occurrence */
	int64_t	 logged_ms;	/* mono ms: its last line */
	int64_t	 total;		/* occurrences since first_ms */
	int64_t	 unlogged;	/* occurrences since logged_ms, not logged */
};

/*
 * An occurrence of error "key" at now_ms, described by fmt.  The first
 * occurrence is logged (warning level) as fmt; later ones with the same key
 * are counted, and logged only once every LOG_STREAK_PERIOD_MS with
 * " (repeated N times in the last S s)" appended.  A different key first
 * logs how often the previous error repeated unlogged, then logs fmt; the
 * streak goes on (its count and start) until log_streak_end().  Returns
 * true when this call wrote a line.
 */
bool	log_streak_warnx(struct log_streak *ls, int64_t now_ms,
	    const char *key, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/*
 * The error stopped at now_ms.  When there was a streak, log fmt (info
 * level) with " after N failures in S s" appended, and forget the streak;
 * otherwise do nothing.  Returns the number of failures the streak had.
 */
int64_t	log_streak_end(struct log_streak *ls, int64_t now_ms,
	    const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif /* JOBD_LOG_H */
