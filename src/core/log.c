/*
 * log: stderr logging for jobd.  The only mutable globals are the settings
 * below, written once by log_init() before any thread starts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jobd/log.h"

static const char	*log_prog = "jobd";
static enum log_level	 log_max = LOG_LEVEL_INFO;
static bool		 log_journal;

void
log_init(const char *progname, enum log_level level)
{
	const char *js;

	log_prog = progname;
	log_max = level;
	js = getenv("JOURNAL_STREAM");
	log_journal = js != NULL && *js != '\0';
}

static void
log_vwrite(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	static const char *names[] = {
		[LOG_LEVEL_ERR] = "error", [LOG_LEVEL_WARNING] = "warning",
		[LOG_LEVEL_INFO] = "info", [LOG_LEVEL_DEBUG] = "debug",
	};
	char buf[2048], msg[2048];
	size_t n = 0, i;
	unsigned char c;
	int r;

	if (level > log_max)
		return;
	if (log_journal) {
		r = snprintf(buf, sizeof(buf), "<%d>", (int)level);
	} else {
		struct timespec ts;
		struct tm tm;
		char when[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		r = snprintf(buf, sizeof(buf), "%s.%03ld %s %s: ", when,
		    ts.tv_nsec / 1000000, log_prog, names[level]);
	}
	n = r > 0 ? (size_t)r : 0;
	r = vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Names in messages (files, values) may hold terminal escapes. */
	for (i = 0; r > 0 && i < (size_t)r && i < sizeof(msg) - 1 &&
	    n < sizeof(buf) - 6; i++) {
		c = (unsigned char)msg[i];
		if (c < 0x20 || c == 0x7f || (c == 0xc2 &&
		    (unsigned char)msg[i + 1] >= 0x80 &&
		    (unsigned char)msg[i + 1] < 0xa0))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			    "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	if (n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	if (errnum != 0) {
		r = snprintf(buf + n, sizeof(buf) - n, ": %s", strerror(errnum));
		if (r > 0)
			n += (size_t)r;
		if (n > sizeof(buf) - 2)
			n = sizeof(buf) - 2;
	}
	buf[n++] = '\n';
	(void)!write(STDERR_FILENO, buf, n);
}

#define LOG_FN(name, level, with_errno)				\
void								\
name(const char *fmt, ...)					\
{								\
	int saved = errno;					\
	va_list ap;						\
								\
	va_start(ap, fmt);					\
	log_vwrite(level, with_errno ? saved : 0, fmt, ap);	\
	va_end(ap);						\
	errno = saved;						\
}

LOG_FN(log_err, LOG_LEVEL_ERR, true)
LOG_FN(log_errx, LOG_LEVEL_ERR, false)
LOG_FN(log_warn, LOG_LEVEL_WARNING, true)
LOG_FN(log_warnx, LOG_LEVEL_WARNING, false)
LOG_FN(log_info, LOG_LEVEL_INFO, false)
LOG_FN(log_debug, LOG_LEVEL_DEBUG, false)

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

static void
log_line(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(level, 0, fmt, ap);
	va_end(ap);
}

/* Whole seconds from a to b, rounded up: "in the last 0 s" reads badly. */
static long long
log_secs(int64_t a, int64_t b)
{
	return b <= a ? 0 : (long long)((b - a + 999) / 1000);
}

bool
log_streak_warnx(struct log_streak *ls, int64_t now_ms, const char *key,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int saved = errno;

	if (*key == '\0')
		key = "?";		/* "" marks no streak */
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ls->key[0] != '\0' && strncmp(ls->key, key,
	    sizeof(ls->key) - 1) == 0) {
		ls->total++;
		if (now_ms - ls->logged_ms < LOG_STREAK_PERIOD_MS) {
			ls->unlogged++;
			errno = saved;
			return false;
		}
		log_line(LOG_LEVEL_WARNING, "%s (repeated %lld times in the "
		    "last %lld s)", msg, (long long)ls->unlogged + 1,
		    log_secs(ls->logged_ms, now_ms));
		ls->unlogged = 0;
		ls->logged_ms = now_ms;
		errno = saved;
		return true;
	}
	if (ls->key[0] != '\0' && ls->unlogged > 0)
		log_line(LOG_LEVEL_WARNING, "the previous error repeated %lld "
		    "more times in %lld s: %s", (long long)ls->unlogged,
		    log_secs(ls->logged_ms, now_ms), ls->key);
	log_line(LOG_LEVEL_WARNING, "%s", msg);
	(void)snprintf(ls->key, sizeof(ls->key), "%s", key);
	if (ls->total == 0)
		ls->first_ms = now_ms;
	ls->total++;
	ls->unlogged = 0;
	ls->logged_ms = now_ms;
	errno = saved;
	return true;
}

int64_t
log_streak_end(struct log_streak *ls, int64_t now_ms, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int64_t total = ls->total;
	int saved = errno;

	if (ls->key[0] == '\0')
		return 0;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_line(LOG_LEVEL_INFO, "%s after %lld failures in %lld s", msg,
	    (long long)total, log_secs(ls->first_ms, now_ms));
	memset(ls, 0, sizeof(*ls));
	errno = saved;
	return total;
}
