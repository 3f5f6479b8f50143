/*
 * config: jobd.conf and the strict INI reader under it.
 *
 * The module owns two things.  First, a reader that feeds inih (Debian's
 * libinih r55, through ini_parse_stream) one physical line at a time and
 * refuses what stock inih would get silently wrong: a key line too long for
 * inih's 200-byte buffer (which would split it) is split into key and
 * value here instead, and handed on as inih would; a line longer than
 * CONFIG_LINE_MAX is refused; a key line that ends in a backslash goes on
 * on the next line (joined before inih sees it); ';' and ':' inside a line
 * (inih would start an inline comment at " ;" and split "name: value"; we
 * hide both behind control-byte placeholders that the handler turns back),
 * indented lines (we strip the indent, so inih never sees one of its
 * continuation lines), control bytes, malformed section headers, lines without '=' and
 * keys repeated within a section.  A UTF-8 BOM at the start of the input
 * is skipped.  A CR directly before the LF (CRLF line ends) is part of the
 * line end and does not count toward the line length; a CR anywhere else is
 * a control byte.  A line must be valid UTF-8 without C1 controls or
 * invisible formatting characters (zero-width, bidirectional controls).
 * The first error stops the parse; it is reported as "NAME:LINE: reason".
 *
 * Second, jobd.conf itself: the cfg_keys[] table drives defaults, parsing,
 * bounds, printing and (through CFG_RELOAD) what a running daemon may apply
 * on SIGHUP.  A load parses into a fresh copy over the defaults and swaps
 * it into the caller's struct only when the whole file was good.
 *
 * No global state.  Every function may be called from any one thread at a
 * time per struct jd_config; config_default_path and config_db_path read
 * the environment (getenv) and so must not race with setenv.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "jobd/config.h"
#include "jobd/dburl.h"
#include "jobd/jobspec.h"
#include "jobd/outbox.h"
#include "jobd/mail.h"
#include "jobd/procopt.h"
#include "jobd/queue.h"
#include "jobd/timefmt.h"
#include "jobd/trust.h"
#include "jobd/utf8.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

#define HIDE_SEMI	'\001'	/* stands for ';' while inih holds a line */
#define HIDE_COLON	'\002'	/* stands for ':' while inih holds a line */
#define SECTION_MAX	128	/* as a schedule name (schedule.h) */
#define INIH_LINE	200	/* inih's line buffer (INI_MAX_LINE) */
#define WHY_MAX		512	/* a reason, before the "NAME:LINE: " */

typedef int (*strict_section_fn)(void *arg, const char *section, char *why,
    size_t whylen);

struct strict_seen {
	char	*sk;		/* owned: section, NUL, key, NUL */
	int	 line;		/* where the key was first set */
};

struct strict_keyset {
	struct strict_seen	*tab;	/* owned; open addressing */
	size_t			 cap;	/* 0 or a power of two */
	size_t			 n;	/* entries in use */
};

struct strict_src {
	const char		*p;	/* next unread byte */
	const char		*end;	/* end of the input */
	const char		*name;	/* labels messages */
	int			 line;	/* first physical line of this one */
	int			 phys;	/* physical lines read so far */
	int			 error;	/* first error, or 0 */
	char			*lbuf;	/* this line, continuations joined */
	size_t			 lcap;
	char			 sec[SECTION_MAX + 1]; /* current section */
	config_ini_fn		 fn;	/* called for every key */
	strict_section_fn	 secfn;	/* every section header; may be NULL */
	void			*arg;	/* for fn and secfn */
	struct strict_keyset	 seen;	/* (section, key) pairs so far */
	char			*err;	/* caller's buffer; may be NULL */
	size_t			 errlen;
};

enum cfg_type {
	CFG_STR,			/* any non-empty text */
	CFG_PATH,			/* an absolute path */
	CFG_DB,				/* an absolute path, or a PostgreSQL
					   URI (dburl.h; shown masked) */
	CFG_INT,			/* decimal integer, stored in an int */
	CFG_MSEC,			/* timefmt duration, int64_t ms */
	CFG_SIZE,			/* bytes, optional K/M/G, int64_t */
	CFG_PROC,			/* a procopt.h option, int64_t */
	CFG_WORD,			/* one of "words", its index, int */
	CFG_MAILON,			/* a mail_on name, enum mail_on, int */
	CFG_HOOK			/* a hook (outbox.h): an executable */
};

#define CFG_RELOAD	0x01	/* a running daemon applies it on SIGHUP */
#define CFG_UNSET	0x02	/* an empty value means "unset" (NULL) */
#define CFG_NONE	0x04	/* "none" is a value: "", printed "none" */

struct cfg_key {
	const char	*section, *name;
	enum cfg_type	 type;
	int64_t		 min, max;	/* in the stored unit: 1, ms, bytes */
	const char	*def;		/* parsed like input; NULL: unset */
	size_t		 off;		/* offsetof(struct jd_config, field) */
	unsigned int	 flags;		/* CFG_RELOAD, CFG_UNSET */
	enum procopt	 proc;		/* CFG_PROC: which option */
	const char	*words;		/* CFG_WORD: "a|b|c"; CFG_UNSET:
					   what unset means, for printing */
};

#define SEC		1000LL
#define MINUTE		(60 * SEC)
#define HOUR		(60 * MINUTE)
#define DAY		(24 * HOUR)
#define KIB		1024LL
#define MIB		(1024 * KIB)
#define GIB		(1024 * MIB)
#define OFF(f)		offsetof(struct jd_config, f)

static const struct cfg_key cfg_keys[] = {
	{ "jobd", "database", CFG_DB, 0, 0, NULL,
	    OFF(database), CFG_UNSET, 0, "default path rule" },
	{ "jobd", "workers", CFG_INT, 1, 256, "4",
	    OFF(workers), 0 },
	{ "jobd", "poll_interval", CFG_MSEC, 100, HOUR, "30s",
	    OFF(poll_interval_ms), CFG_RELOAD },
	{ "jobd", "visibility_timeout", CFG_MSEC, SEC, DAY, "5m",
	    OFF(visibility_timeout_ms), CFG_RELOAD },
	{ "jobd", "shutdown_grace", CFG_MSEC, 0, HOUR, "30s",
	    OFF(shutdown_grace_ms), CFG_RELOAD },
	{ "jobd", "kill_grace", CFG_MSEC, 0, 10 * MINUTE, "10s",
	    OFF(kill_grace_ms), CFG_RELOAD },
	{ "jobd", "max_output", CFG_SIZE, KIB, 64 * MIB, "1M",
	    OFF(max_output), CFG_RELOAD },
	{ "jobd", "schedules_dir", CFG_PATH, 0, 0,
	    JOBD_SYSCONFDIR "/schedules.d", OFF(schedules_dir), 0 },
	{ "jobd", "max_catchup", CFG_INT, 1, 100000, "100",
	    OFF(max_catchup), CFG_RELOAD },
	{ "jobd", "locale_file", CFG_PATH, 0, 0, "/etc/default/locale",
	    OFF(locale_file), 0 },
	{ "jobd", "cgroups", CFG_WORD, 0, 1, "auto",
	    OFF(cgroups), 0, 0, "auto|off" },
	/* Checked after the file is read (cfg_check); NULL: the default. */
	{ "jobd", "mailer", CFG_PATH, 0, 0, NULL,
	    OFF(mailer), CFG_RELOAD | CFG_UNSET, 0, CONFIG_MAILER_DEFAULT },
	{ "jobd", "mail_from", CFG_STR, 0, 0, NULL,
	    OFF(mail_from), CFG_RELOAD | CFG_UNSET },
	{ "jobd", "metrics_file", CFG_PATH, 0, 0, NULL,
	    OFF(metrics_file), CFG_UNSET | CFG_RELOAD, 0, "none" },
	{ "jobd", "metrics_interval", CFG_MSEC, SEC, HOUR, "15s",
	    OFF(metrics_interval_ms), CFG_RELOAD },
	/* 0: no limit. */
	{ "jobd", "max_running_per_user", CFG_INT, 0, 100000, "0",
	    OFF(max_running_per_user), CFG_RELOAD },
	/* Bound at start; unset: the default rule (sockserv.c). */
	{ "jobd", "socket", CFG_PATH, 0, 0, NULL,
	    OFF(socket), CFG_UNSET | CFG_NONE, 0,
	    CONFIG_SOCKET_DEFAULT " for root, else none" },
	{ "jobd", "socket_group", CFG_STR, 0, 0, NULL,
	    OFF(socket_group), CFG_UNSET, 0, "none" },
	{ "job", "max_attempts", CFG_INT, 1, JOBSPEC_ATTEMPTS_MAX, "5",
	    OFF(max_attempts), CFG_RELOAD },
	{ "job", "timeout", CFG_MSEC, 0, 30 * DAY, "0s",
	    OFF(timeout_ms), CFG_RELOAD },
	{ "job", "backoff", CFG_MSEC, 100, DAY, "10s",
	    OFF(backoff_ms), CFG_RELOAD },
	{ "job", "backoff_max", CFG_MSEC, 100, 30 * DAY, "1h",
	    OFF(backoff_max_ms), CFG_RELOAD },
	/* Bounds and syntax: procopt.c.  NULL: jobd's own limit. */
	{ "job", "umask", CFG_PROC, 0, 0, "022",
	    OFF(proc.umask), CFG_RELOAD, PROCOPT_UMASK },
	{ "job", "limit_nofile", CFG_PROC, 0, 0, NULL,
	    OFF(proc.limit[JOB_LIMIT_NOFILE]), CFG_RELOAD, PROCOPT_NOFILE },
	{ "job", "limit_nproc", CFG_PROC, 0, 0, NULL,
	    OFF(proc.limit[JOB_LIMIT_NPROC]), CFG_RELOAD, PROCOPT_NPROC },
	{ "job", "limit_as", CFG_PROC, 0, 0, NULL,
	    OFF(proc.limit[JOB_LIMIT_AS]), CFG_RELOAD, PROCOPT_AS },
	{ "job", "limit_cpu", CFG_PROC, 0, 0, NULL,
	    OFF(proc.limit[JOB_LIMIT_CPU]), CFG_RELOAD, PROCOPT_CPU },
	{ "job", "mail_on", CFG_MAILON, 0, 0, "failure",
	    OFF(mail_on), CFG_RELOAD },
	{ "notify", "on_dead", CFG_HOOK, 0, 0, NULL,
	    OFF(notify_hook[JOB_HOOK_DEAD]), CFG_RELOAD | CFG_UNSET },
	{ "notify", "on_failure", CFG_HOOK, 0, 0, NULL,
	    OFF(notify_hook[JOB_HOOK_FAILURE]), CFG_RELOAD | CFG_UNSET },
	{ "notify", "on_success", CFG_HOOK, 0, 0, NULL,
	    OFF(notify_hook[JOB_HOOK_SUCCESS]), CFG_RELOAD | CFG_UNSET },
	{ "notify", "max_attempts", CFG_INT, 1, JOBSPEC_ATTEMPTS_MAX, "3",
	    OFF(notify_max_attempts), CFG_RELOAD },
	{ "notify", "timeout", CFG_MSEC, 0, DAY, "5m",
	    OFF(notify_timeout_ms), CFG_RELOAD },
	/* What jobd prunes (retention.h); 0: keep for ever. */
	{ "retention", "done", CFG_MSEC, 0, RETENTION_MAX_MS, "7d",
	    OFF(retention.keep_ms[RET_DONE]), CFG_RELOAD },
	{ "retention", "cancelled", CFG_MSEC, 0, RETENTION_MAX_MS, "7d",
	    OFF(retention.keep_ms[RET_CANCELLED]), CFG_RELOAD },
	{ "retention", "dead", CFG_MSEC, 0, RETENTION_MAX_MS, "30d",
	    OFF(retention.keep_ms[RET_DEAD]), CFG_RELOAD },
	{ "retention", "output", CFG_MSEC, 0, RETENTION_MAX_MS, "7d",
	    OFF(retention.keep_ms[RET_OUTPUT]), CFG_RELOAD },
	{ "retention", "schedule_runs", CFG_INT, 0, 10000000, "1000",
	    OFF(retention.schedule_runs), CFG_RELOAD },
	{ "retention", "interval", CFG_MSEC, SEC, DAY, "1m",
	    OFF(prune_interval_ms), CFG_RELOAD },
	/* What one socket user may have (quota.h); 0: no limit. */
	{ "quota", "pending", CFG_INT, 0, 1000000000, "0",
	    OFF(quota.pending), CFG_RELOAD },
	{ "quota", "schedules", CFG_INT, 0, 1000000, "0",
	    OFF(quota.schedules), CFG_RELOAD },
	{ "quota", "output", CFG_SIZE, 0, 512 * GIB, "0",
	    OFF(quota.output), CFG_RELOAD },
};

/* State of one config_load: the copy being built, where each key was set. */
struct cfg_load {
	struct jd_config	*c;
	int			 lines[NITEMS(cfg_keys)];	/* 0: default */
};

static void
put_errno(char *err, size_t errlen, const char *path, int error)
{
	char msg[128];

	if (err == NULL || errlen == 0)
		return;
	if (strerror_r(error, msg, sizeof(msg)) != 0)
		snprintf(msg, sizeof(msg), "error %d", error);
	snprintf(err, errlen, "%s: %s", path, msg);
}

/*
 * The set of (section, key) pairs seen in one file, to refuse repeats.
 * FNV-1a over "section NUL key", linear probing, at most half full.
 */
static uint32_t
strict_hash(const char *section, const char *key)
{
	uint32_t h = 2166136261u;
	const char *s;

	for (s = section; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	h *= 16777619u;
	for (s = key; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int
strict_keyset_grow(struct strict_keyset *ks)
{
	struct strict_seen *tab;
	size_t cap, i, j;
	const char *sec;

	cap = ks->cap == 0 ? 64 : ks->cap * 2;
	if ((tab = calloc(cap, sizeof(*tab))) == NULL)
		return -ENOMEM;
	for (i = 0; i < ks->cap; i++) {
		if ((sec = ks->tab[i].sk) == NULL)
			continue;
		j = strict_hash(sec, sec + strlen(sec) + 1) & (cap - 1);
		while (tab[j].sk != NULL)
			j = (j + 1) & (cap - 1);
		tab[j] = ks->tab[i];
	}
	free(ks->tab);
	ks->tab = tab;
	ks->cap = cap;
	return 0;
}

/*
 * Record that "key" was set in "section" on "line".  Returns 0 when it is
 * new, the line it was first set on (> 0) when it is a repeat, or -ENOMEM.
 */
static int
strict_keyset_add(struct strict_keyset *ks, const char *section,
    const char *key, int line)
{
	size_t i, slen, klen;
	char *sk;
	int rc;

	if (ks->n + 1 > ks->cap / 2 && (rc = strict_keyset_grow(ks)) != 0)
		return rc;
	i = strict_hash(section, key) & (ks->cap - 1);
	for (; (sk = ks->tab[i].sk) != NULL; i = (i + 1) & (ks->cap - 1)) {
		if (strcmp(sk, section) == 0 &&
		    strcmp(sk + strlen(sk) + 1, key) == 0)
			return ks->tab[i].line;
	}
	slen = strlen(section);
	klen = strlen(key);
	if ((sk = malloc(slen + klen + 2)) == NULL)
		return -ENOMEM;
	memcpy(sk, section, slen + 1);
	memcpy(sk + slen + 1, key, klen + 1);
	ks->tab[i].sk = sk;
	ks->tab[i].line = line;
	ks->n++;
	return 0;
}

static void
strict_keyset_free(struct strict_keyset *ks)
{
	size_t i;

	for (i = 0; i < ks->cap; i++)
		free(ks->tab[i].sk);
	free(ks->tab);
	memset(ks, 0, sizeof(*ks));
}

/* Record the first error, at the current line. */
static void
strict_fail(struct strict_src *src, int error, const char *why)
{
	if (src->error != 0)
		return;
	src->error = error;
	if (src->err != NULL && src->errlen > 0)
		snprintf(src->err, src->errlen, "%s:%d: %s", src->name,
		    src->line, why);
}

static bool
strict_is_ctl(unsigned char ch)
{
	return (ch < 0x20 && ch != '\t' && ch != '\n') || ch == 0x7f;
}

/*
 * Check the text of one line (len bytes at p): valid UTF-8, without
 * control characters (a tab is fine) or invisible formatting characters
 * that would hide or reorder what an operator reads (zero-width
 * characters, bidirectional controls, a byte order mark after the start).
 * Returns 0, or fails src with a reason that names the bytes and column
 * without echoing them.
 */
static int
strict_check_text(struct strict_src *src, const char *p, size_t len)
{
	const unsigned char *u = (const unsigned char *)p;
	char why[WHY_MAX];
	size_t i, n;
	uint32_t cp;

	for (i = 0; i < len; i += n) {
		if (strict_is_ctl(u[i])) {
			snprintf(why, sizeof(why), "control character 0x%02x "
			    "at column %zu", u[i], i + 1);
			break;
		}
		if ((n = utf8_decode(u + i, len - i, &cp)) == 0) {
			snprintf(why, sizeof(why), "invalid UTF-8 (byte 0x%02x) "
			    "at column %zu", u[i], i + 1);
			break;
		}
		if (utf8_is_c1(cp)) {
			snprintf(why, sizeof(why), "control character U+%04X "
			    "at column %zu", (unsigned)cp, i + 1);
			break;
		}
		if (utf8_is_invisible(cp)) {
			snprintf(why, sizeof(why), "invisible formatting "
			    "character U+%04X at column %zu", (unsigned)cp,
			    i + 1);
			break;
		}
	}
	if (i >= len)
		return 0;
	strict_fail(src, -EINVAL, why);
	return -EINVAL;
}

static bool
strict_is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * Check the section header s[0..len) ("[name]", blanks already trimmed on
 * both sides) and pass its name to src->secfn.  Returns 0 or fails src.
 */
static int
strict_section(struct strict_src *src, const char *s, size_t len)
{
	char name[SECTION_MAX + 1], why[WHY_MAX];
	size_t n;
	int rc;

	if (len < 2 || s[len - 1] != ']' ||
	    memchr(s + 1, '[', len - 2) != NULL ||
	    memchr(s + 1, ']', len - 2) != NULL) {
		snprintf(why, sizeof(why), "bad section header \"%.*s\": "
		    "expected \"[name]\"", (int)len, s);
		strict_fail(src, -EINVAL, why);
		return -EINVAL;
	}
	n = len - 2;
	if (n == 0 || n > SECTION_MAX) {
		if (n == 0)
			snprintf(why, sizeof(why), "empty section name");
		else
			snprintf(why, sizeof(why), "section name too long "
			    "(%zu bytes, at most %d)", n, SECTION_MAX);
		strict_fail(src, -EINVAL, why);
		return -EINVAL;
	}
	memcpy(name, s + 1, n);
	name[n] = '\0';
	memcpy(src->sec, name, n + 1);
	if (src->secfn == NULL)
		return 0;
	why[0] = '\0';
	if ((rc = src->secfn(src->arg, name, why, sizeof(why))) != 0) {
		strict_fail(src, rc < 0 ? rc : -EINVAL,
		    why[0] != '\0' ? why : "bad section");
		return -EINVAL;
	}
	return 0;
}

static int	strict_key(struct strict_src *, const char *, const char *);

/*
 * Append the len bytes at p to src->lbuf (at *llen); -ENOMEM, or -E2BIG
 * past CONFIG_LINE_MAX.
 */
static int
strict_append(struct strict_src *src, size_t *llen, const char *p,
    size_t len)
{
	size_t cap;
	char *n;

	if (*llen + len > CONFIG_LINE_MAX)
		return -E2BIG;
	if (*llen + len + 1 > src->lcap) {
		cap = src->lcap == 0 ? 256 : src->lcap;
		while (cap < *llen + len + 1)
			cap *= 2;
		if ((n = realloc(src->lbuf, cap)) == NULL)
			return -ENOMEM;
		src->lbuf = n;
		src->lcap = cap;
	}
	memcpy(src->lbuf + *llen, p, len);
	*llen += len;
	src->lbuf[*llen] = '\0';
	return 0;
}

/*
 * Read the next line into src->lbuf (its length in *llen): a physical
 * line, and while it ends in a backslash (a key line, not a comment) the
 * lines after it, each without that backslash and the line end and with
 * its leading blanks dropped.  Each physical line is checked as text.
 * src->line is the first physical line.  Returns 0 or fails src.
 */
static int
strict_logical(struct strict_src *src, size_t *llen)
{
	const char *p, *eol, *s;
	char why[WHY_MAX];
	size_t len;
	bool cont, first = true, key = false;
	int rc, line = src->phys + 1;

	*llen = 0;
	if (strict_append(src, llen, "", 0) != 0) {
		strict_fail(src, -ENOMEM, "out of memory");
		return -ENOMEM;
	}
	do {
		p = src->p;
		eol = memchr(p, '\n', (size_t)(src->end - p));
		len = (size_t)((eol != NULL ? eol : src->end) - p);
		src->p = eol != NULL ? eol + 1 : src->end;
		src->line = ++src->phys;
		if (src->phys == 1 && len >= 3 &&
		    memcmp(p, "\xef\xbb\xbf", 3) == 0) {
			p += 3;
			len -= 3;
		}
		if (eol != NULL && len > 0 && p[len - 1] == '\r')
			len--;
		if (strict_check_text(src, p, len) != 0)
			return -EINVAL;
		for (s = p; s < p + len && strict_is_blank(*s); s++)
			;
		if (first)
			key = s < p + len && *s != '#' && *s != ';' &&
			    *s != '[';
		else {
			len -= (size_t)(s - p);
			p = s;
		}
		first = false;
		cont = key && len > 0 && p[len - 1] == '\\';
		if (cont)
			len--;
		if ((rc = strict_append(src, llen, p, len)) != 0) {
			src->line = line;
			if (rc == -E2BIG)
				snprintf(why, sizeof(why), "line too long "
				    "(more than %d bytes)", CONFIG_LINE_MAX);
			else
				snprintf(why, sizeof(why), "out of memory");
			strict_fail(src, rc == -E2BIG ? -EINVAL : rc, why);
			return rc;
		}
		if (cont && src->p >= src->end) {
			strict_fail(src, -EINVAL, "the line ends in \"\\\" "
			    "but no line follows to continue it");
			return -EINVAL;
		}
	} while (cont);
	src->line = line;
	return 0;
}

/*
 * The ini_reader given to ini_parse_stream: copy the next line (see
 * strict_logical()) into str (num bytes), checked and rewritten as
 * described at the top of the file.  A key line too long for inih's
 * buffer is handled here (strict_key()) and inih gets an empty line.
 * Returns NULL at the end of the input or after an error, which is then
 * in src->error.
 */
static char *
strict_reader(char *str, int num, void *stream)
{
	struct strict_src *src = stream;
	const char *eq, *s;
	char *k, *v;
	size_t len, i, n;

	if (src->error != 0 || src->p >= src->end)
		return NULL;
	if (strict_logical(src, &len) != 0)
		return NULL;

	/* Trim blanks on both sides; inih would trim the right anyway. */
	for (s = src->lbuf; s < src->lbuf + len && strict_is_blank(*s); s++)
		;
	n = len - (size_t)(s - src->lbuf);
	while (n > 0 && strict_is_blank(s[n - 1]))
		n--;

	if (n == 0 || *s == '#' || *s == ';') {
		n = 0;			/* blank or comment: an empty line */
	} else if (*s == '[') {
		if (strict_section(src, s, n) != 0)
			return NULL;
	} else if ((eq = memchr(s, '=', n)) == NULL || eq == s) {
		strict_fail(src, -EINVAL,
		    "expected \"key = value\" or \"[section]\"");
		return NULL;
	} else if (num < 2 || n + 2 > (size_t)num) {
		/* Too long for inih: split it as inih would, here. */
		k = src->lbuf + (s - src->lbuf);
		v = k + (eq - s) + 1;
		k[n] = '\0';
		for (i = (size_t)(eq - s); i > 0 && strict_is_blank(k[i - 1]);
		    i--)
			;
		k[i] = '\0';
		while (strict_is_blank(*v))
			v++;
		if (strict_key(src, k, v) != 0)
			return NULL;
		n = 0;
	}

	if (num < 0 || n + 2 > (size_t)num) {
		strict_fail(src, -EINVAL, "line too long for the INI parser");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == ';')
			str[i] = HIDE_SEMI;
		else if (s[i] == ':')
			str[i] = HIDE_COLON;
		else
			str[i] = s[i];
	}
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
}

/* Copy s into buf (len bytes), putting back what strict_reader hid. */
static const char *
strict_unhide(char *buf, size_t len, const char *s)
{
	size_t i;

	for (i = 0; i + 1 < len && s[i] != '\0'; i++) {
		if (s[i] == HIDE_SEMI)
			buf[i] = ';';
		else if (s[i] == HIDE_COLON)
			buf[i] = ':';
		else
			buf[i] = s[i];
	}
	buf[i] = '\0';
	return buf;
}

/*
 * Key "key" = "value" of the current section: refuse repeats, then hand
 * it to src->fn.  Returns 0, or fails src.
 */
static int
strict_key(struct strict_src *src, const char *key, const char *val)
{
	const char *sec = src->sec;
	char why[WHY_MAX];
	int rc;

	if ((rc = strict_keyset_add(&src->seen, sec, key, src->line)) != 0) {
		if (rc < 0)
			snprintf(why, sizeof(why), "out of memory");
		else
			snprintf(why, sizeof(why), "duplicate key \"%s\" "
			    "(first set on line %d)", key, rc);
		strict_fail(src, rc < 0 ? rc : -EINVAL, why);
		return -EINVAL;
	}
	why[0] = '\0';
	if ((rc = src->fn(src->arg, sec, key, val, src->line, why,
	    sizeof(why))) != 0) {
		strict_fail(src, rc < 0 ? rc : -EINVAL,
		    why[0] != '\0' ? why : "bad value");
		return -EINVAL;
	}
	return 0;
}

/*
 * The ini_handler: a key of a line short enough for inih.  The section is
 * the reader's own (inih's is cut at 49 bytes).
 */
static int
strict_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct strict_src *src = user;
	char key[INIH_LINE + 1], val[INIH_LINE + 1];

	(void)section;
	if (src->error != 0)
		return 0;
	strict_unhide(key, sizeof(key), name);
	strict_unhide(val, sizeof(val), value);
	return strict_key(src, key, val) == 0;
}

static int
strict_read_buf(const char *buf, size_t len, const char *name,
    config_ini_fn fn, strict_section_fn secfn, void *arg, char *err,
    size_t errlen)
{
	struct strict_src src;
	int rc;

	memset(&src, 0, sizeof(src));
	src.p = buf;
	src.end = buf + len;
	src.name = name;
	src.fn = fn;
	src.secfn = secfn;
	src.arg = arg;
	src.err = err;
	src.errlen = errlen;
	rc = ini_parse_stream(strict_reader, &src, strict_handler, &src);
	strict_keyset_free(&src.seen);
	free(src.lbuf);
	if (src.error != 0)
		return src.error;
	if (rc == -2) {
		strict_fail(&src, -ENOMEM, "out of memory");
		return -ENOMEM;
	}
	if (rc != 0) {
		/* Not reached: strict_reader lets through only good lines. */
		src.line = rc;
		strict_fail(&src, -EINVAL,
		    "expected \"key = value\" or \"[section]\"");
		return -EINVAL;
	}
	return 0;
}

/*
 * Read the regular file "path" (at most CONFIG_FILE_MAX bytes) into a new
 * buffer *bufp of *lenp bytes, which the caller frees.
 */
int
config_read_file(const char *path, int flags, char **bufp, size_t *lenp,
    char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL, *nbuf;
	size_t len = 0, cap;
	ssize_t n;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		rc = -errno;
		put_errno(err, errlen, path, -rc);
		return rc;
	}
	if (fstat(fd, &st) == -1) {
		rc = -errno;
		put_errno(err, errlen, path, -rc);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, rc == -EISDIR ?
			    "is a directory" : "not a regular file");
		goto out;
	}
	if ((flags & CONFIG_PRIVATE) &&
	    (rc = trust_check_stat(&st, path, err, errlen)) != 0)
		goto out;
	if (st.st_size > CONFIG_FILE_MAX)
		goto too_big;
	cap = (size_t)st.st_size + 1;	/* + 1: room to see EOF or growth */
	for (;;) {
		if (buf == NULL || len == cap) {
			if (buf != NULL && cap > CONFIG_FILE_MAX)
				break;		/* the file grew past the cap */
			if (buf != NULL)
				cap = cap > CONFIG_FILE_MAX / 2 ?
				    CONFIG_FILE_MAX + 1 : cap * 2;
			if ((nbuf = realloc(buf, cap)) == NULL) {
				rc = -ENOMEM;
				put_errno(err, errlen, path, ENOMEM);
				goto out;
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rc = -errno;
			put_errno(err, errlen, path, -rc);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > CONFIG_FILE_MAX)
		goto too_big;
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	goto out;
too_big:
	rc = -EFBIG;
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: file too large (more than %d bytes)",
		    path, CONFIG_FILE_MAX);
out:
	free(buf);
	close(fd);
	return rc;
}

static int
strict_read(const char *path, int flags, const char *name, config_ini_fn fn,
    strict_section_fn secfn, void *arg, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int rc;

	if ((rc = config_read_file(path, flags, &buf, &len, err, errlen)) != 0)
		return rc;
	rc = strict_read_buf(buf, len, name != NULL ? name : path, fn, secfn,
	    arg, err, errlen);
	free(buf);
	return rc;
}

int
config_read_ini(const char *path, const char *name, config_ini_fn fn,
    void *arg, char *err, size_t errlen)
{
	return strict_read(path, 0, name, fn, NULL, arg, err, errlen);
}

int
config_read_ini_buf(const char *buf, size_t len, const char *name,
    config_ini_fn fn, void *arg, char *err, size_t errlen)
{
	return strict_read_buf(buf, len, name, fn, NULL, arg, err, errlen);
}

/*
 * Values.
 */

/* Strict decimal: optional '-', then digits only.  -EINVAL or -ERANGE. */
static int
cfg_parse_int(const char *s, int64_t *out)
{
	bool neg = false;
	int64_t v = 0;
	int d;

	if (*s == '-') {
		neg = true;
		s++;
	}
	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = *s - '0';
		if (v > (INT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = neg ? -v : v;
	return 0;
}

/* The index of word v in "a|b|c" into *n.  -EINVAL when it is none. */
static int
cfg_word(const char *words, const char *v, int64_t *n)
{
	const char *p, *bar;
	size_t len;

	for (p = words, *n = 0;; (*n)++) {
		bar = strchr(p, '|');
		len = bar != NULL ? (size_t)(bar - p) : strlen(p);
		if (strlen(v) == len && strncmp(p, v, len) == 0)
			return 0;
		if (bar == NULL)
			return -EINVAL;
		p = bar + 1;
	}
}

/* Write number v of key k in the key's own units. */
static void
cfg_format_num(const struct cfg_key *k, int64_t v, char *buf, size_t len)
{
	const char *p, *bar;

	switch (k->type) {
	case CFG_WORD:
		for (p = k->words; v > 0 && (bar = strchr(p, '|')) != NULL;
		    v--)
			p = bar + 1;
		snprintf(buf, len, "%.*s", (int)strcspn(p, "|"), p);
		break;
	case CFG_MSEC:
		if (timefmt_format_duration(v, buf, len) != 0)
			snprintf(buf, len, "%lldms", (long long)v);
		break;
	case CFG_SIZE:
		procopt_size_format(v, buf, len);
		break;
	case CFG_PROC:
		procopt_format(k->proc, v, buf, len);
		break;
	case CFG_MAILON:
		snprintf(buf, len, "%s", mail_on_name((enum mail_on)v) ?
		    mail_on_name((enum mail_on)v) : "failure");
		break;
	default:
		snprintf(buf, len, "%lld", (long long)v);
		break;
	}
}

static char **
cfg_str(struct jd_config *c, const struct cfg_key *k)
{
	return (char **)(void *)((char *)c + k->off);
}

static char *const *
cfg_cstr(const struct jd_config *c, const struct cfg_key *k)
{
	return (char *const *)(const void *)((const char *)c + k->off);
}

static int64_t
cfg_num(const struct jd_config *c, const struct cfg_key *k)
{
	const void *f = (const char *)c + k->off;

	if (k->type == CFG_INT || k->type == CFG_WORD ||
	    k->type == CFG_MAILON)
		return *(const int *)f;
	return *(const int64_t *)f;
}

/*
 * Parse "v" for key k into its field of *c (NULL or, for CFG_UNSET keys,
 * "": unset).  Returns 0, -EINVAL with a reason that quotes key and value
 * in why, or -ENOMEM.  On error the field is unchanged.
 */
static int
cfg_set(struct jd_config *c, const struct cfg_key *k, const char *v,
    char *why, size_t whylen)
{
	char lo[TIMEFMT_MAX], hi[TIMEFMT_MAX], pwhy[160], hpath[PATH_MAX];
	const char *bad;
	char **sp, *dup;
	void *f;
	int64_t n = 0;
	int rc;

	/* A limit (no default) given as "" is unset, like no line. */
	if (k->type == CFG_PROC && (v == NULL ||
	    (*v == '\0' && k->def == NULL))) {
		*(int64_t *)(void *)((char *)c + k->off) = JOB_DEFAULT;
		return 0;
	}
	if (v == NULL || (*v == '\0' && (k->flags & CFG_UNSET))) {
		assert(k->flags & CFG_UNSET);
		sp = cfg_str(c, k);
		free(*sp);
		*sp = NULL;
		return 0;
	}
	if (*v == '\0') {
		snprintf(why, whylen, "%s = \"\": a value is required",
		    k->name);
		return -EINVAL;
	}
	if ((k->flags & CFG_NONE) && strcmp(v, "none") == 0) {
		v = "";
		goto str;
	}
	switch (k->type) {
	case CFG_HOOK:
		if (outbox_hook_check(v, pwhy, sizeof(pwhy)) != 0) {
			snprintf(why, whylen, "%s = \"%s\": %s", k->name, v,
			    pwhy);
			return -EINVAL;
		}
		if (outbox_hook_path(v, hpath, sizeof(hpath)) != 0 ||
		    access(hpath, X_OK) != 0) {
			snprintf(why, whylen, "%s = \"%s\": not an "
			    "executable file", k->name, v);
			return -EINVAL;
		}
		goto str;
	case CFG_DB:
		if (dburl_is_postgres(v)) {
			char dwhy[512];

			if (dburl_check(v, dwhy, sizeof(dwhy)) != 0) {
				snprintf(why, whylen, "%s: %s", k->name, dwhy);
				return -EINVAL;
			}
			goto str;
		}
		/* FALLTHROUGH */
	case CFG_PATH:
		if (v[0] != '/') {
			char shown[256];

			dburl_redact(v, shown, sizeof(shown));
			snprintf(why, whylen, "%s = \"%s\": must be an "
			    "absolute path%s", k->name, shown,
			    k->type == CFG_DB ? " or a postgresql:// URI" : "");
			return -EINVAL;
		}
		/* FALLTHROUGH */
	case CFG_STR:
	str:
		if ((dup = strdup(v)) == NULL) {
			snprintf(why, whylen, "out of memory");
			return -ENOMEM;
		}
		sp = cfg_str(c, k);
		free(*sp);
		*sp = dup;
		return 0;
	case CFG_WORD:
		if (cfg_word(k->words, v, &n) != 0) {
			snprintf(why, whylen, "%s = \"%s\": must be one of "
			    "%s", k->name, v, k->words);
			return -EINVAL;
		}
		rc = 0;
		break;
	case CFG_INT:
		rc = cfg_parse_int(v, &n);
		bad = "not an integer";
		break;
	case CFG_MSEC:
		rc = timefmt_parse_duration(v, &n, NULL, 0);
		bad = "not a duration like \"500ms\", \"30s\" or \"1h30m\"";
		break;
	case CFG_SIZE:
		rc = procopt_size_parse(v, INT64_MAX, &n);
		bad = "not a size like \"65536\", \"64K\" or \"1M\"";
		break;
	case CFG_PROC:
		if (procopt_parse(k->proc, v, &n, pwhy, sizeof(pwhy)) != 0) {
			snprintf(why, whylen, "%s = \"%s\": %s", k->name, v,
			    pwhy);
			return -EINVAL;
		}
		*(int64_t *)(void *)((char *)c + k->off) = n;
		return 0;
	case CFG_MAILON: {
		enum mail_on on;

		if (mail_on_parse(v, &on) != 0) {
			snprintf(why, whylen, "%s = \"%s\": must be one of "
			    "never|failure|output|always", k->name, v);
			return -EINVAL;
		}
		*(int *)(void *)((char *)c + k->off) = (int)on;
		return 0;
	}
	default:
		return -EINVAL;
	}
	if (rc == -EINVAL) {
		snprintf(why, whylen, "%s = \"%s\": %s", k->name, v, bad);
		return -EINVAL;
	}
	if (rc != 0 || n < k->min || n > k->max) {
		cfg_format_num(k, k->min, lo, sizeof(lo));
		cfg_format_num(k, k->max, hi, sizeof(hi));
		snprintf(why, whylen, "%s = \"%s\": must be between %s and %s",
		    k->name, v, lo, hi);
		return -EINVAL;
	}
	f = (char *)c + k->off;
	if (k->type == CFG_INT || k->type == CFG_WORD)
		*(int *)f = (int)n;
	else
		*(int64_t *)f = n;
	return 0;
}

static int
cfg_find(const char *section, const char *name)
{
	size_t i;

	for (i = 0; i < NITEMS(cfg_keys); i++)
		if (strcmp(cfg_keys[i].section, section) == 0 &&
		    strcmp(cfg_keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool
cfg_section_known(const char *section)
{
	size_t i;

	for (i = 0; i < NITEMS(cfg_keys); i++)
		if (strcmp(cfg_keys[i].section, section) == 0)
			return true;
	return false;
}

/*
 * Families of named sections: "[queue NAME]", one per queue, its keys
 * queue.h's.  cfg_family() returns NAME when section is one of them.
 */
#define CFG_QUEUE_PREFIX	"queue "

static const char *
cfg_family(const char *section)
{
	size_t n = strlen(CFG_QUEUE_PREFIX);

	if (strncmp(section, CFG_QUEUE_PREFIX, n) != 0)
		return NULL;
	while (section[n] == ' ' || section[n] == '\t')
		n++;
	return section + n;
}

/* A new [queue NAME] section: check NAME, refuse a repeat, add it. */
static int
cfg_queue_section(struct jd_config *c, const char *name, char *why,
    size_t whylen)
{
	struct config_queue *q;
	char r[QUEUE_WHY_MAX];
	size_t i;

	if (queue_name_check(name, false, r, sizeof(r)) != 0) {
		snprintf(why, whylen, "[queue %s]: invalid queue name: %s",
		    name, r);
		return -EINVAL;
	}
	for (i = 0; i < c->nqueues; i++)
		if (strcmp(c->queues[i].name, name) == 0) {
			snprintf(why, whylen, "[queue %s] repeated (a queue's "
			    "settings are in one section)", name);
			return -EINVAL;
		}
	if ((q = realloc(c->queues, (c->nqueues + 1) * sizeof(*q))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	c->queues = q;
	q = &c->queues[c->nqueues++];
	memset(q, 0, sizeof(*q));
	snprintf(q->name, sizeof(q->name), "%s", name);
	queue_settings_init(&q->set);
	return 0;
}

/* Key "key" = "value" of the current [queue NAME] section. */
static int
cfg_queue_key(struct jd_config *c, const char *name, const char *key,
    const char *value, int line, char *why, size_t whylen)
{
	struct config_queue *q = &c->queues[c->nqueues - 1];
	char r[QUEUE_WHY_MAX];
	enum queue_key k;

	assert(c->nqueues > 0 && strcmp(q->name, name) == 0);
	if (queue_key_find(key, &k) != 0 || strcmp(queue_key_name(k),
	    key) != 0) {
		snprintf(why, whylen, "unknown key \"%s\" in section "
		    "[queue %s]", key, name);
		return -EINVAL;
	}
	/* backoff_max is its own key here, as in [job]. */
	if (k == QK_BACKOFF && strchr(value, ',') != NULL) {
		snprintf(why, whylen, "%s = \"%s\": expected a duration "
		    "(set the maximum with backoff_max)", key, value);
		return -EINVAL;
	}
	if (queue_setting_parse(&q->set, k, value, r, sizeof(r)) != 0) {
		snprintf(why, whylen, "%s = \"%s\": %s", key, value, r);
		return -EINVAL;
	}
	q->line = line;
	return 0;
}

static int
cfg_ini_section(void *arg, const char *section, char *why, size_t whylen)
{
	struct cfg_load *ld = arg;
	const char *name;

	if ((name = cfg_family(section)) != NULL)
		return cfg_queue_section(ld->c, name, why, whylen);
	if (cfg_section_known(section))
		return 0;
	snprintf(why, whylen, "unknown section [%s]", section);
	return -EINVAL;
}

static int
cfg_ini_key(void *arg, const char *section, const char *key,
    const char *value, int line, char *why, size_t whylen)
{
	struct cfg_load *ld = arg;
	const char *name;
	int i, rc;

	if (*section == '\0') {
		snprintf(why, whylen, "key \"%s\" before any section "
		    "(expected [jobd] or [job] first)", key);
		return -EINVAL;
	}
	if ((name = cfg_family(section)) != NULL)
		return cfg_queue_key(ld->c, name, key, value, line, why,
		    whylen);
	if ((i = cfg_find(section, key)) == -1) {
		if (cfg_section_known(section))
			snprintf(why, whylen, "unknown key \"%s\" in section "
			    "[%s]", key, section);
		else
			snprintf(why, whylen, "unknown section [%s]",
			    section);
		return -EINVAL;
	}
	if ((rc = cfg_set(ld->c, &cfg_keys[i], value, why, whylen)) != 0)
		return rc;
	ld->lines[i] = line;
	return 0;
}

const char *
config_mailer(const struct jd_config *c)
{
	return c->mailer != NULL ? c->mailer : CONFIG_MAILER_DEFAULT;
}

int
config_mailer_check(const char *path, char *why, size_t whylen)
{
	struct stat sb;

	if (stat(path, &sb) != 0) {
		snprintf(why, whylen, "%s", errno == ENOENT ? "no such file" :
		    strerror(errno));
		return -errno;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(why, whylen, "not a regular file");
		return -EINVAL;
	}
	if (access(path, X_OK) != 0) {
		snprintf(why, whylen, "not executable");
		return -EACCES;
	}
	return 0;
}

/*
 * The mail keys, which need more than their own syntax: a mailer named in
 * the file exists and is executable (the default is checked when mail is
 * sent); mail_from is one address as mail.h takes it.
 */
static int
cfg_check_mail(const struct cfg_load *ld, const char *name, char *err,
    size_t errlen)
{
	const struct jd_config *c = ld->c;
	char why[MAIL_ERR_MAX];
	int i;

	if (c->mailer != NULL &&
	    config_mailer_check(c->mailer, why, sizeof(why)) != 0) {
		i = cfg_find("jobd", "mailer");
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s:%d: mailer = \"%s\": %s",
			    name, ld->lines[i], c->mailer, why);
		return -EINVAL;
	}
	if (c->mail_from == NULL)
		return 0;
	if (mail_addrs_check(c->mail_from, why, sizeof(why)) == 0 &&
	    strchr(c->mail_from, ',') != NULL)
		snprintf(why, sizeof(why), "one address only");
	else if (mail_addrs_check(c->mail_from, why, sizeof(why)) == 0)
		return 0;
	{
		i = cfg_find("jobd", "mail_from");
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s:%d: mail_from = \"%s\": %s",
			    name, ld->lines[i], c->mail_from, why);
		return -EINVAL;
	}
	return 0;
}

/* Checks that involve more than one key, after the whole file was read. */
static int
cfg_check(const struct cfg_load *ld, const char *name, char *err,
    size_t errlen)
{
	const struct jd_config *c = ld->c;
	char b[QUEUE_WHY_MAX], bm[TIMEFMT_MAX], where[32];
	size_t i;
	int ib, ibm, line;

	if (cfg_check_mail(ld, name, err, errlen) != 0)
		return -EINVAL;
	for (i = 0; i < c->nqueues; i++) {
		if (queue_settings_check(&c->queues[i].set, b,
		    sizeof(b)) == 0)
			continue;
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s:%d: [queue %s]: %s", name,
			    c->queues[i].line, c->queues[i].name, b);
		return -EINVAL;
	}
	if (c->backoff_max_ms >= c->backoff_ms)
		return 0;
	ib = cfg_find("job", "backoff");
	ibm = cfg_find("job", "backoff_max");
	assert(ib >= 0 && ibm >= 0);
	line = ld->lines[ib] > ld->lines[ibm] ? ld->lines[ib] :
	    ld->lines[ibm];
	where[0] = '\0';
	if (line > 0)
		snprintf(where, sizeof(where), ":%d", line);
	cfg_format_num(&cfg_keys[ib], c->backoff_ms, b, sizeof(b));
	cfg_format_num(&cfg_keys[ibm], c->backoff_max_ms, bm, sizeof(bm));
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s%s: backoff_max (%s) must not be "
		    "less than backoff (%s)", name, where, bm, b);
	return -EINVAL;
}

int
config_defaults(struct jd_config *c)
{
	struct jd_config n;
	char why[WHY_MAX];
	size_t i;
	int rc;

	memset(&n, 0, sizeof(n));
	for (i = 0; i < NITEMS(cfg_keys); i++) {
		if ((rc = cfg_set(&n, &cfg_keys[i], cfg_keys[i].def, why,
		    sizeof(why))) != 0) {
			assert(rc == -ENOMEM);	/* the table is wrong */
			config_free(&n);
			return rc;
		}
	}
	*c = n;
	return 0;
}

/*
 * The common part of config_load and config_load_buf: parse into a copy
 * over the defaults, check it, and only then replace *c (whose strings are
 * freed).  *c must hold a config (from config_defaults or an earlier load)
 * or be zeroed.
 */
static int
cfg_load(struct jd_config *c, const char *path, int flags, const char *buf,
    size_t len, const char *name, char *err, size_t errlen)
{
	struct jd_config n;
	struct cfg_load ld;
	int rc;

	if ((rc = config_defaults(&n)) != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: out of memory", name);
		return rc;
	}
	memset(&ld, 0, sizeof(ld));
	ld.c = &n;
	if (path != NULL)
		rc = strict_read(path, flags, name, cfg_ini_key,
		    cfg_ini_section, &ld, err, errlen);
	else
		rc = strict_read_buf(buf, len, name, cfg_ini_key,
		    cfg_ini_section, &ld, err, errlen);
	if (rc == 0)
		rc = cfg_check(&ld, name, err, errlen);
	if (rc != 0) {
		config_free(&n);
		return rc;
	}
	config_free(c);
	*c = n;
	return 0;
}

int
config_load(struct jd_config *c, const char *path, char *err, size_t errlen)
{
	return cfg_load(c, path, 0, NULL, 0, path, err, errlen);
}

int
config_load_file(struct jd_config *c, const char *path, int flags, char *err,
    size_t errlen)
{
	return cfg_load(c, path, flags, NULL, 0, path, err, errlen);
}

int
config_load_buf(struct jd_config *c, const char *buf, size_t len,
    const char *name, char *err, size_t errlen)
{
	return cfg_load(c, NULL, 0, buf, len, name, err, errlen);
}

/*
 * Print every key, by table order, one section after the other.  A value
 * whose "key = value" line would pass CONFIG_LINE_MAX is printed as
 * "key=value" so that the output loads again; if even that is too long
 * (only possible for a struct not made by config_load) the line is printed
 * anyway and -ENAMETOOLONG returned.
 */
int
config_print(const struct jd_config *c, FILE *fp)
{
	const struct cfg_key *k;
	const char *sec = NULL, *v, *bs;
	char buf[TIMEFMT_MAX], shown[PATH_MAX];
	size_t i, klen;
	int rc = 0;

	for (i = 0; i < NITEMS(cfg_keys); i++) {
		k = &cfg_keys[i];
		if (sec == NULL || strcmp(sec, k->section) != 0) {
			fprintf(fp, "%s[%s]\n", sec == NULL ? "" : "\n",
			    k->section);
			sec = k->section;
		}
		if (k->type == CFG_HOOK && *cfg_cstr(c, k) == NULL) {
			fprintf(fp, "# %s = (none)\n", k->name);
			continue;
		} else if (k->type == CFG_DB && *cfg_cstr(c, k) != NULL) {
			dburl_redact(*cfg_cstr(c, k), shown, sizeof(shown));
			v = shown;
		} else if (k->type == CFG_STR || k->type == CFG_PATH ||
		    k->type == CFG_DB || k->type == CFG_HOOK) {
			v = *cfg_cstr(c, k);
		} else if (k->type == CFG_PROC &&
		    cfg_num(c, k) == JOB_DEFAULT) {
			fprintf(fp, "# %s = (jobd's own)\n", k->name);
			continue;
		} else {
			cfg_format_num(k, cfg_num(c, k), buf, sizeof(buf));
			v = buf;
		}
		if (v == NULL) {
			fprintf(fp, "# %s = (%s)\n", k->name,
			    k->words != NULL ? k->words : "not set");
			continue;
		}
		if ((k->flags & CFG_NONE) && *v == '\0')
			v = "none";
		klen = strlen(k->name);
		/* A blank after a last backslash: no continuation. */
		bs = *v != '\0' && v[strlen(v) - 1] == '\\' ? " " : "";
		if (klen + 3 + strlen(v) + 1 <= CONFIG_LINE_MAX)
			fprintf(fp, "%s = %s%s\n", k->name, v, bs);
		else {
			if (klen + 1 + strlen(v) + 1 > CONFIG_LINE_MAX)
				rc = -ENAMETOOLONG;
			fprintf(fp, "%s=%s%s\n", k->name, v, bs);
		}
	}
	for (i = 0; i < c->nqueues; i++) {
		enum queue_key qk;
		char qv[QUEUE_VALUE_MAX];

		fprintf(fp, "\n[queue %s]\n", c->queues[i].name);
		for (qk = 0; qk < QK_N; qk++) {
			queue_setting_format(&c->queues[i].set, qk, qv,
			    sizeof(qv));
			fprintf(fp, "%s = %s\n", queue_key_name(qk), qv);
		}
	}
	if (fflush(fp) != 0 || ferror(fp))
		return -EIO;
	return rc;
}

void
config_free(struct jd_config *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < NITEMS(cfg_keys); i++)
		if (cfg_keys[i].type == CFG_STR ||
		    cfg_keys[i].type == CFG_PATH ||
		    cfg_keys[i].type == CFG_DB ||
		    cfg_keys[i].type == CFG_HOOK)
			free(*cfg_str(c, &cfg_keys[i]));
	free(c->queues);
	memset(c, 0, sizeof(*c));
}

/*
 * Paths.
 */

/* "s" if it is set, not empty and absolute (the XDG rule), else NULL. */
static const char *
env_abs(const char *var)
{
	const char *s = getenv(var);

	return s != NULL && s[0] == '/' ? s : NULL;
}

/*
 * The home directory into buf: $HOME if set, not empty and absolute, else
 * the password database's entry for getuid().  -ENOENT when neither gives
 * an absolute path, -ENAMETOOLONG, -ENOMEM.
 */
static int
home_dir(char *buf, size_t len)
{
	struct passwd pw, *pwp = NULL;
	const char *h;
	char *pwbuf = NULL, *nbuf;
	size_t pwlen = 1024;
	int rc;

	if ((h = env_abs("HOME")) == NULL) {
		for (;;) {
			if ((nbuf = realloc(pwbuf, pwlen)) == NULL) {
				free(pwbuf);
				return -ENOMEM;
			}
			pwbuf = nbuf;
			rc = getpwuid_r(getuid(), &pw, pwbuf, pwlen, &pwp);
			if (rc != ERANGE || pwlen >= 1024 * 1024)
				break;
			pwlen *= 2;
		}
		if (pwp != NULL && pw.pw_dir != NULL && pw.pw_dir[0] == '/')
			h = pw.pw_dir;
	}
	if (h == NULL)
		rc = -ENOENT;
	else if (strlen(h) >= len)
		rc = -ENAMETOOLONG;
	else {
		memcpy(buf, h, strlen(h) + 1);
		rc = 0;
	}
	free(pwbuf);
	return rc;
}

/*
 * "$VAR/rest" if $VAR is usable (see env_abs), else "$HOME/fallback/rest",
 * without doubled slashes where the directory ends in '/'.
 */
static int
xdg_path(const char *var, const char *fallback, const char *rest,
    char *buf, size_t len)
{
	char home[4096];
	const char *dir, *mid = "";
	size_t dlen;
	int n, rc;

	if ((dir = env_abs(var)) == NULL) {
		if ((rc = home_dir(home, sizeof(home))) != 0)
			return rc;
		dir = home;
		mid = fallback;
	}
	dlen = strlen(dir);
	while (dlen > 0 && dir[dlen - 1] == '/')
		dlen--;
	n = snprintf(buf, len, "%.*s%s%s", (int)dlen, dir, mid, rest);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int
copy_path(char *buf, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(buf, s, n + 1);
	return 0;
}

int
config_default_path(char *buf, size_t len)
{
	const char *s;

	if ((s = getenv("JOBD_CONFIG")) != NULL && *s != '\0')
		return copy_path(buf, len, s);
	if (getuid() == 0)
		return copy_path(buf, len, JOBD_SYSCONFDIR "/jobd.conf");
	return xdg_path("XDG_CONFIG_HOME", "/.config", "/jobd/jobd.conf",
	    buf, len);
}

int
config_dir(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL)
		return copy_path(buf, len, ".");
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(buf, path, n);
	buf[n] = '\0';
	return 0;
}

int
config_socket_path(const struct jd_config *c, const char *flag, char *buf,
    size_t len, bool *is_default)
{
	const char *s = flag;
	bool guess = false;

	if (s == NULL && (s = getenv("JOBD_SOCKET")) != NULL && *s == '\0')
		s = NULL;
	if (s == NULL) {
		guess = true;
		s = c != NULL && c->socket != NULL && *c->socket != '\0' ?
		    c->socket : CONFIG_SOCKET_DEFAULT;
	}
	if (*s != '/')
		return -EINVAL;
	if (is_default != NULL)
		*is_default = guess;
	return copy_path(buf, len, s);
}

int
config_db_path(const struct jd_config *c, const char *flag, char *buf,
    size_t len, bool *is_default)
{
	const char *s;
	int rc;

	s = flag;
	if (s == NULL && (s = getenv("JOBD_DB")) != NULL && *s == '\0')
		s = NULL;
	if (s == NULL && c != NULL)
		s = c->database;
	if (s != NULL) {
		/* SQLite would take "" as a private temporary database. */
		if (*s == '\0')
			return -EINVAL;
		if ((rc = copy_path(buf, len, s)) != 0)
			return rc;
		if (is_default != NULL)
			*is_default = false;
		return 0;
	}
	if (getuid() == 0)
		rc = copy_path(buf, len, JOBD_STATEDIR "/jobs.db");
	else
		rc = xdg_path("XDG_STATE_HOME", "/.local/state",
		    "/jobd/jobs.db", buf, len);
	if (rc == 0 && is_default != NULL)
		*is_default = true;
	return rc;
}
