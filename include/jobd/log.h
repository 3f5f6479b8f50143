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

#include <stdnoreturn.h>

enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/* Set the program name and the most verbose level printed. */
void	log_init(const char *progname, enum log_level level);

void	log_warn(const char *fmt, ...)		/* appends strerror(errno) */
	    __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
noreturn void	fatal(const char *fmt, ...)	/* log_warn, then exit(1) */
	    __attribute__((format(printf, 1, 2)));
noreturn void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif /* JOBD_LOG_H */
