/*
 * crontab_parse: a crontab read and checked as cron reads it, into the
 * schedules that stand for its entries (crontab_parse.h).  Every line is
 * checked before anything is written; a bad line is an error that names
 * FILE:LINE.
 *
 * Names.  PREFIX ":" and eight hex digits of a hash of the user the entry
 * runs as and its command as written; a second entry with the same user
 * and command gets "-2", a third "-3", in file order.  So importing the
 * same file again changes nothing, an entry whose time, environment or zone
 * changed is updated in place (its id, ledger and last run kept), and an
 * entry whose command changed replaces the old one. 
 *
 * Environment lines.  NAME=VALUE (blanks around '=' allowed, the value may
 * be quoted) applies to the entries after it, as in cron.  CRON_TZ is the
 * zone of the entries' schedules (checked now); SHELL other than /bin/sh
 * wraps each command as "exec SHELL -c COMMAND" (jobd runs /bin/sh -c);
 * everything else goes to the jobs' environment (PATH included).
 *
 * Mail, as crontab(5) says: the output of a run that printed something
 * is mailed (mail_on output) to MAILTO, the addresses of the last MAILTO
 * line before the entry (checked as --mail-to checks them: an address
 * that could add a header refuses the whole file); MAILTO="" (or empty)
 * means no mail; without a MAILTO line, to the crontab's owner: the
 * entry's user (a system crontab's user field, --user, the spool file's
 * owner), else the user importing it.  MAILTO also stays in the jobs'
 * environment, as cron leaves it.
 *
 * '%' in a command: as in cron, the first '%' not escaped as "\%" ends the
 * command, and the rest, each further '%' a newline, becomes its standard
 * input.  jobd runs jobs with standard input from /dev/null, so the command
 * is rewritten to feed that text: printf '%s' 'TEXT' | ( COMMAND ).
 */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobd/clock.h"
#include "jobd/job.h"
#include "jobd/jobspec.h"
#include "jobd/procopt.h"
#include "jobd/schedule.h"
#include "jobd/timefmt.h"
#include "jobd/tz.h"
#include "crontab_parse.h"
#include "out.h"

#define CRONTAB_TEXT_WIDTH	50

_Noreturn void
ct_oom(const struct crontab *im)
{
	ctl_fail(im->ctl, EXIT_OSERR, "out of memory");
}

static char *
ct_strdup(const struct crontab *im, const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		ct_oom(im);
	return d;
}

static void
ct_verror(struct crontab *im, size_t line, int code, const char *fmt,
    va_list ap)
{
	vsnprintf(im->emsg, sizeof(im->emsg), fmt, ap);
	im->ecode = code;
	im->eline = line;
}

/*
 * Note why the crontab is refused: the exit code, the line (0: the file as
 * a whole) and the message.  Returns code.  Reading and checking the
 * crontab return it, and the command prints it with ct_die() or ct_warn().
 */
int
ct_error(struct crontab *im, size_t line, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ct_verror(im, line, code, fmt, ap);
	va_end(ap);
	return code;
}

void
ct_warn(const struct crontab *im)
{
	if (im->eline > 0)
		ctl_warnx(im->ctl, "%s:%zu: %s", im->file, im->eline,
		    im->emsg);
	else
		ctl_warnx(im->ctl, "%s: %s", im->file, im->emsg);
}

/* Print "FILE:LINE: message; nothing imported" and exit with its code. */
_Noreturn void
ct_die(const struct crontab *im)
{
	if (im->eline > 0)
		ctl_fail(im->ctl, im->ecode, "%s:%zu: %s; %s", im->file,
		    im->eline, im->emsg, im->nothing);
	ctl_fail(im->ctl, im->ecode, "%s: %s; %s", im->file, im->emsg,
	    im->nothing);
}

/* ct_error(), then ct_die(). */
_Noreturn void
ct_fail(struct crontab *im, size_t line, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ct_verror(im, line, code, fmt, ap);
	va_end(ap);
	ct_die(im);
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The next blank-separated word at *pp: its start and length. */
static size_t
next_word(const char **pp, const char **word)
{
	const char *p = *pp;
	size_t n = 0;

	while (is_blank(*p))
		p++;
	*word = p;
	while (p[n] != '\0' && !is_blank(p[n]))
		n++;
	*pp = p + n;
	return n;
}

/*
 * Set environment variable name (len bytes) to value in im->env, in place
 * of an earlier value.  Returns 0 or an exit code (ct_error()).
 */
static int
env_set(struct crontab *im, size_t line, const char *name, size_t nlen,
    const char *value)
{
	char why[JOBSPEC_WHY_MAX];
	int error;

	error = jobspec_env_set(&im->env, &im->env_len, name, nlen, value,
	    JOBSPEC_ENV_REPLACE, why, sizeof(why));
	if (error == -ENOMEM)
		ct_oom(im);
	if (error != 0)
		return ct_error(im, line, EXIT_DATAERR, "variable \"%.*s\": "
		    "%s", (int)nlen, name, why);
	return 0;
}

/*
 * An environment line: "NAME = VALUE", the value to the end of the line
 * without trailing blanks, and without its quotes when it is quoted.
 * Returns 0 or an exit code (ct_error()).
 */
static int
env_line(struct crontab *im, size_t line, const char *name, size_t nlen,
    const char *p)
{
	char value[CRONTAB_LINE_MAX + 1], err[256], why[JOBSPEC_WHY_MAX];
	struct tz *z;
	size_t vlen;
	int error;

	while (is_blank(*p))
		p++;
	vlen = strlen(p);
	while (vlen > 0 && is_blank(p[vlen - 1]))
		vlen--;
	if (vlen >= 2 && (p[0] == '"' || p[0] == '\'') && p[vlen - 1] == p[0]) {
		p++;
		vlen -= 2;
	}
	memcpy(value, p, vlen);
	value[vlen] = '\0';

	if (nlen == 7 && strncmp(name, "CRON_TZ", 7) == 0) {
		free(im->tz);
		im->tz = NULL;
		if (*value == '\0')
			return 0;
		if ((error = tz_load(value, &z, err, sizeof(err))) != 0)
			return ct_error(im, line, EXIT_DATAERR, "CRON_TZ: %s",
			    err);
		tz_free(z);
		im->tz = ct_strdup(im, value);
		return 0;
	}
	if (jobspec_env_name_check(name, nlen, why, sizeof(why)) != 0)
		return ct_error(im, line, EXIT_DATAERR, "variable \"%.*s\": "
		    "%s", (int)nlen, name, why);
	if (nlen == 5 && strncmp(name, "SHELL", 5) == 0) {
		free(im->shell);
		im->shell = NULL;
		if (*value == '\0' || strcmp(value, "/bin/sh") == 0)
			return 0;	/* what jobd runs anyway */
		if (*value != '/')
			return ct_error(im, line, EXIT_DATAERR, "SHELL "
			    "\"%s\": not an absolute path", value);
		if (access(value, X_OK) != 0)
			return ct_error(im, line, EXIT_DATAERR, "SHELL "
			    "\"%s\": %s", value, strerror(errno));
		im->shell = ct_strdup(im, value);
	} else if (nlen == 6 && strncmp(name, "MAILTO", 6) == 0) {
		if (*value != '\0' && jobspec_mail_to_check(value, why,
		    sizeof(why)) != 0)
			return ct_error(im, line, EXIT_DATAERR, "MAILTO "
			    "\"%s\": %s", value, why);
		free(im->mailto);
		im->mailto = *value != '\0' ? ct_strdup(im, value) : NULL;
		im->mailto_set = true;
	}
	return env_set(im, line, name, nlen, value);
}


/* Append slen bytes at s to the growing string *buf (*len bytes). */
static void
cat(const struct crontab *im, char **buf, size_t *len, const char *s,
    size_t slen)
{
	char *n;

	if ((n = realloc(*buf, *len + slen + 1)) == NULL)
		ct_oom(im);
	memcpy(n + *len, s, slen);
	n[*len + slen] = '\0';
	*buf = n;
	*len += slen;
}

/* The same with word s quoted for the shell. */
static void
cat_quoted(const struct crontab *im, char **buf, size_t *len, const char *s)
{
	char *q;

	if ((q = jobopts_quote(s)) == NULL)
		ct_oom(im);
	cat(im, buf, len, q, strlen(q));
	free(q);
}

/*
 * The command jobd runs for the crontab command field "raw", with '%'
 * handled as cron does (Vixie cron's do_command) and the SHELL in force.
 * Allocated.
 */
static char *
make_command(const struct crontab *im, const char *raw)
{
	char *cmd, *input, *out = NULL, ch;
	const char *p;
	size_t n = 0, ni = 0, olen = 0;
	bool escaped = false, has_input = false;

	if ((cmd = malloc(strlen(raw) + 1)) == NULL ||
	    (input = malloc(strlen(raw) + 1)) == NULL)
		ct_oom(im);
	/* The command: "\%" is '%'; the first other '%' ends it. */
	for (p = raw; *p != '\0'; p++) {
		if (escaped) {
			if (*p == '%')
				n--;		/* drop the backslash */
			cmd[n++] = *p;
			escaped = false;
			continue;
		}
		if (*p == '%') {
			has_input = true;
			p++;
			break;
		}
		escaped = *p == '\\';
		cmd[n++] = *p;
	}
	cmd[n] = '\0';
	/* Its input: "\%" is '%', '%' a newline, other "\x" as written. */
	for (escaped = false; has_input && *p != '\0'; p++) {
		ch = *p;
		if (escaped) {
			if (ch != '%')
				input[ni++] = '\\';
		} else if (ch == '%') {
			ch = '\n';
		}
		if (!(escaped = ch == '\\'))
			input[ni++] = ch;
	}
	if (escaped)
		input[ni++] = '\\';
	input[ni] = '\0';

	cat(im, &out, &olen, "", 0);
	if (has_input) {
		cat(im, &out, &olen, "printf '%s' ", 12);
		cat_quoted(im, &out, &olen, input);
		cat(im, &out, &olen, " | ", 3);
	}
	if (im->shell != NULL) {
		if (!has_input)
			cat(im, &out, &olen, "exec ", 5);
		cat_quoted(im, &out, &olen, im->shell);
		cat(im, &out, &olen, " -c ", 4);
		cat_quoted(im, &out, &olen, cmd);
	} else if (has_input) {
		/* On lines of their own: a '#' comment cannot eat the ')'. */
		cat(im, &out, &olen, "(\n", 2);
		cat(im, &out, &olen, cmd, n);
		cat(im, &out, &olen, "\n)", 2);
	} else {
		cat(im, &out, &olen, cmd, n);
	}
	free(cmd);
	free(input);
	return out;
}

/* 32 bits of FNV-1a over the user and the command, as 8 hex digits. */
static void
entry_hash(const char *user, const char *command, char out[9])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const unsigned char *p;

	for (p = (const unsigned char *)(user != NULL ? user : ""); ; p++) {
		h = (h ^ *p) * 0x100000001b3ULL;
		if (*p == '\0')
			break;
	}
	for (p = (const unsigned char *)command; *p != '\0'; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	snprintf(out, 9, "%08" PRIx32, (uint32_t)((h >> 32) ^ h));
}

/* The name PREFIX:HASH, or PREFIX:HASH-K for K > 1.  Allocated. */
static char *
entry_name(const struct crontab *im, const char *hash, size_t k)
{
	char *name;
	size_t len = strlen(im->prefix) + 32;

	if ((name = malloc(len)) == NULL)
		ct_oom(im);
	if (k > 1)
		snprintf(name, len, "%s:%s-%zu", im->prefix, hash, k);
	else
		snprintf(name, len, "%s:%s", im->prefix, hash);
	return name;
}

/*
 * Whom cron would mail the output of entry ce, run as run_as (NULL: the
 * user importing): MAILTO as it stands, else the crontab's owner.
 */
static void
entry_mail(struct crontab *im, size_t line, struct ct_entry *ce,
    const char *run_as)
{
	char why[JOBSPEC_WHY_MAX];
	struct passwd *pw;
	const char *to;

	ce->s.mail_on = MAIL_ON_OUTPUT;
	if (im->mailto_set) {
		ce->s.mail_to = ct_strdup(im, im->mailto);
		return;
	}
	to = run_as;
	if (to == NULL && (pw = getpwuid(geteuid())) != NULL)
		to = pw->pw_name;
	if (to == NULL || jobspec_mail_to_check(to, why, sizeof(why)) != 0) {
		ctl_warnx(im->ctl, "%s:%zu: no MAILTO, and the user \"%s\" "
		    "is no mail address (%s): no mail", im->file, line,
		    to != NULL ? to : "?", why);
		return;
	}
	ce->s.mail_to = ct_strdup(im, to);
}

/*
 * One crontab entry at p (the line after its leading blanks).  Returns 0
 * or an exit code (ct_error()).
 */
static int
entry_line(struct crontab *im, size_t line, const char *p)
{
	char cron[CRONTAB_LINE_MAX + 1], user[256], word[256];
	char err[512], what[512], why[JOBSPEC_WHY_MAX];
	const char *w, *raw, *run_as, *q;
	struct ct_entry *ce;
	size_t wl, cl = 0;
	int i, nf, code;

	if (im->n == CRONTAB_ENTRIES_MAX)
		return ct_error(im, line, EXIT_DATAERR, "too many entries "
		    "(at most %d)", CRONTAB_ENTRIES_MAX);
	nf = *p == '@' ? 1 : 5;
	for (i = 0; i < nf; i++) {
		if ((wl = next_word(&p, &w)) == 0)
			return ct_error(im, line, EXIT_DATAERR, "expected %s, "
			    "then %sa command", nf == 1 ? "a macro" :
			    "five time fields", im->system ? "a user and " :
			    "");
		if (cl > 0)
			cron[cl++] = ' ';
		memcpy(cron + cl, w, wl);
		cl += wl;
	}
	cron[cl] = '\0';
	run_as = im->user;
	if (im->system) {
		if ((wl = next_word(&p, &w)) == 0)
			return ct_error(im, line, EXIT_DATAERR, "expected a "
			    "user and a command after \"%s\" (a system "
			    "crontab; use --user USER for a user crontab)",
			    cron);
		if (wl >= sizeof(user))
			return ct_error(im, line, EXIT_DATAERR, "user name "
			    "too long");
		memcpy(user, w, wl);
		user[wl] = '\0';
		if ((code = jobopts_user_check(user, why, sizeof(why))) != 0)
			return ct_error(im, line, code, "user \"%s\": %s",
			    user, why);
		run_as = user;
	}
	while (is_blank(*p))
		p++;
	raw = p;
	if (*raw == '\0')
		return ct_error(im, line, EXIT_DATAERR, "no command after "
		    "\"%s%s%s\"", cron, im->system ? " " : "",
		    im->system ? user : "");
	/* A user crontab whose commands all start with a user name? */
	q = raw;
	if (im->user_guessed && (wl = next_word(&q, &w)) < sizeof(word)) {
		memcpy(word, w, wl);
		word[wl] = '\0';
		if (getpwnam(word) != NULL)
			im->userlike++;
	}

	if (im->n == im->cap) {
		im->cap = im->cap ? im->cap * 2 : 64;
		if ((im->ents = realloc(im->ents, im->cap *
		    sizeof(*im->ents))) == NULL)
			ct_oom(im);
	}
	ce = &im->ents[im->n++];
	memset(ce, 0, sizeof(*ce));
	ce->line = line;
	entry_hash(run_as, raw, ce->hash);
	ce->s.name = entry_name(im, ce->hash, 1);
	ce->s.cron = ct_strdup(im, cron);
	ce->s.tz = ct_strdup(im, im->tz);
	ce->s.command = make_command(im, raw);
	ce->s.run_as = ct_strdup(im, run_as);
	ce->s.queue = ct_strdup(im, im->jo.queue);
	/* As cron: one run per slot, unless --max-attempts says more. */
	ce->s.max_attempts = im->jo.max_attempts != JOB_DEFAULT ?
	    im->jo.max_attempts : 1;
	ce->s.timeout_ms = im->jo.timeout_ms;
	ce->s.backoff_ms = im->jo.backoff_ms;
	ce->s.backoff_max_ms = im->jo.backoff_max_ms;
	procopt_init(&ce->s.proc);
	/* As cron: what a line starts in the background lives on. */
	ce->s.proc.kill_mode = JOB_KILL_PROCESS;
	entry_mail(im, line, ce, run_as);
	if (im->env_len > 0) {
		if ((ce->s.env = malloc(im->env_len)) == NULL)
			ct_oom(im);
		memcpy(ce->s.env, im->env, im->env_len);
		ce->s.env_len = im->env_len;
	}
	ce->s.overlap = im->overlap;
	ce->s.catchup = im->catchup;
	ce->s.enabled = true;
	ce->s.source = ct_strdup(im, im->source);

	if (im->retry && jobspec_command_check(ce->s.command,
	    strlen(ce->s.command), why, sizeof(why)) != 0)
		return ct_error(im, line, EXIT_DATAERR, "the command %s", why);
	snprintf(what, sizeof(what), "%s:%zu: the command", im->file, line);
	jobopts_check_command(im->ctl, ce->s.command, strlen(ce->s.command),
	    what);
	if (schedule_check(&ce->s, im->now, err, sizeof(err)) != 0)
		return ct_error(im, line, EXIT_DATAERR, "%s", err);
	return 0;
}

/*
 * The entries' next runs again, from the database's time (a server's,
 * after ctl_open()) rather than the host's that checked them; one that
 * no longer has any keeps the time it had.
 */
void
crontab_next_runs(struct crontab *im)
{
	char err[256];
	int64_t next;
	size_t i;

	im->now = clock_wall_ms(im->ctl->clock);
	for (i = 0; i < im->n; i++)
		if (schedule_next(&im->ents[i].s, im->now, &next, err,
		    sizeof(err)) == 0)
			im->ents[i].s.next_run_at = next;
}

/*
 * One line of the crontab (NUL-terminated, no newline).  Returns 0 or an
 * exit code (ct_error()).
 */
static int
parse_line(struct crontab *im, size_t line, const char *buf)
{
	const unsigned char *u;
	const char *p = buf, *q;
	size_t nlen;

	if (line == 1 && strncmp(buf, "\xef\xbb\xbf", 3) == 0)
		return ct_error(im, line, EXIT_DATAERR, "a byte order mark "
		    "(save the file as UTF-8 without one)");
	for (u = (const unsigned char *)buf; *u != '\0'; u++) {
		if (*u == '\r')
			return ct_error(im, line, EXIT_DATAERR, "a carriage "
			    "return (convert DOS line endings first)");
		if ((*u < 0x20 && *u != '\t') || *u == 0x7f)
			return ct_error(im, line, EXIT_DATAERR, "a control "
			    "character (\\x%02x)", *u);
	}
	while (is_blank(*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	/* NAME = VALUE, as cron tells an environment line from an entry. */
	for (nlen = 0; p[nlen] != '\0' && !is_blank(p[nlen]) &&
	    p[nlen] != '='; nlen++)
		;
	for (q = p + nlen; is_blank(*q); q++)
		;
	if (*q == '=')
		return env_line(im, line, p, nlen, q + 1);
	return entry_line(im, line, p);
}

/*
 * Read and check the whole crontab.  Returns 0 or an exit code
 * (ct_error()); exits on a read error.
 */
int
crontab_read(struct crontab *im, FILE *fp)
{
	char *buf;
	size_t line = 0, len, total = 0;
	bool toolong, nul;
	int c, code = 0;

	if ((buf = malloc(CRONTAB_LINE_MAX + 1)) == NULL)
		ct_oom(im);
	for (;;) {
		len = 0;
		toolong = nul = false;
		while ((c = getc(fp)) != EOF && c != '\n') {
			if (++total > CRONTAB_FILE_MAX) {
				code = ct_error(im, 0, EXIT_DATAERR, "too "
				    "large (more than %d bytes)",
				    CRONTAB_FILE_MAX);
				goto out;
			}
			if (c == '\0')
				nul = true;
			if (len < CRONTAB_LINE_MAX)
				buf[len++] = (char)c;
			else
				toolong = true;
		}
		if (c == EOF && ferror(fp))
			ctl_fail(im->ctl, EXIT_IOERR, "reading %s: %s; %s",
			    im->file, strerror(errno), im->nothing);
		if (c == EOF && len == 0 && !toolong)
			break;
		line++;
		total++;
		if (toolong) {
			code = ct_error(im, line, EXIT_DATAERR, "line too "
			    "long (more than %d bytes)", CRONTAB_LINE_MAX);
			break;
		}
		if (nul) {
			code = ct_error(im, line, EXIT_DATAERR, "a NUL byte");
			break;
		}
		buf[len] = '\0';
		if ((code = parse_line(im, line, buf)) != 0 || c == EOF)
			break;
	}
out:
	free(buf);
	return code;
}

/*
 * Make the names unique: the k-th entry (k > 1) with the same user and
 * command gets "-k".
 */
void
crontab_unique_names(struct crontab *im)
{
	size_t i, j, k;

	for (i = 0; i < im->n; i++) {
		for (j = 0, k = 1; j < i; j++)
			if (strcmp(im->ents[i].hash, im->ents[j].hash) == 0)
				k++;
		if (k == 1)
			continue;
		free(im->ents[i].s.name);
		im->ents[i].s.name = entry_name(im, im->ents[i].hash, k);
	}
}

/* A deep copy of schedule s into *d. */
static void
sched_copy(const struct crontab *im, struct schedule *d,
    const struct schedule *s)
{
	*d = *s;
	d->name = ct_strdup(im, s->name);
	d->cron = ct_strdup(im, s->cron);
	d->tz = ct_strdup(im, s->tz);
	d->command = ct_strdup(im, s->command);
	d->queue = ct_strdup(im, s->queue);
	d->cwd = ct_strdup(im, s->cwd);
	d->run_as = ct_strdup(im, s->run_as);
	d->mail_to = ct_strdup(im, s->mail_to);
	d->source = ct_strdup(im, s->source);
	d->env = NULL;
	if (s->env_len > 0) {
		if ((d->env = malloc(s->env_len)) == NULL)
			ct_oom(im);
		memcpy(d->env, s->env, s->env_len);
	}
}

int
crontab_old_one(const struct schedule *s, void *arg)
{
	struct crontab *im = arg;

	if (im->nold == im->capold) {
		im->capold = im->capold ? im->capold * 2 : 64;
		if ((im->old = realloc(im->old, im->capold *
		    sizeof(*im->old))) == NULL)
			ct_oom(im);
	}
	sched_copy(im, &im->old[im->nold++], s);
	return 0;
}

static bool
str_same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* Do a and b define the same schedule (what store_schedule_sync checks)? */
static bool
sched_same(const struct schedule *a, const struct schedule *b)
{
	return str_same(a->cron, b->cron) && str_same(a->tz, b->tz) &&
	    str_same(a->command, b->command) &&
	    str_same(a->queue != NULL ? a->queue : "default",
	    b->queue != NULL ? b->queue : "default") &&
	    a->priority == b->priority && a->max_attempts == b->max_attempts &&
	    a->timeout_ms == b->timeout_ms && a->backoff_ms == b->backoff_ms &&
	    a->backoff_max_ms == b->backoff_max_ms &&
	    memcmp(&a->proc, &b->proc, sizeof(a->proc)) == 0 &&
	    a->env_len == b->env_len &&
	    (a->env_len == 0 || memcmp(a->env, b->env, a->env_len) == 0) &&
	    str_same(a->cwd, b->cwd) && str_same(a->run_as, b->run_as) &&
	    str_same(a->mail_to, b->mail_to) && a->mail_on == b->mail_on &&
	    a->overlap == b->overlap && a->catchup == b->catchup &&
	    a->enabled == b->enabled;
}

static struct schedule *
old_find(struct crontab *im, const char *name)
{
	size_t i;

	for (i = 0; i < im->nold; i++)
		if (strcmp(im->old[i].name, name) == 0)
			return &im->old[i];
	return NULL;
}

/* Is old schedule o one of this source's that the crontab no longer has? */
static bool
old_removed(const struct crontab *im, const struct schedule *o)
{
	size_t i;

	if (strcmp(o->source, im->source) != 0)
		return false;
	for (i = 0; i < im->n; i++)
		if (strcmp(im->ents[i].s.name, o->name) == 0)
			return false;
	return true;
}

/*
 * Compare the entries with what the database holds: mark each added,
 * updated or unchanged (an unchanged one keeps its next run; each keeps
 * the enabled state "schedule disable" gave it), refuse a name that
 * belongs to another source, and count the schedules of this source that
 * the crontab no longer has.
 */
void
crontab_plan(struct crontab *im, int64_t *added, int64_t *updated,
    int64_t *removed)
{
	struct ct_entry *ce;
	struct schedule *o;
	size_t i, j;

	*added = *updated = *removed = 0;
	for (i = 0; i < im->n; i++) {
		ce = &im->ents[i];
		if ((o = old_find(im, ce->s.name)) == NULL) {
			ce->change = "added";
			(*added)++;
			continue;
		}
		if (strcmp(o->source, im->source) != 0)
			ct_fail(im, ce->line, EXIT_DATAERR, "a schedule named "
			    "\"%s\" already exists (from %s)%s", ce->s.name,
			    o->source, im->hint != NULL ? im->hint : "");
		ce->s.enabled = o->enabled;
		if (sched_same(o, &ce->s)) {
			ce->change = "unchanged";
			ce->s.next_run_at = o->next_run_at;
		} else {
			ce->change = "updated";
			(*updated)++;
		}
	}
	for (j = 0; j < im->nold; j++)
		if (old_removed(im, &im->old[j]))
			(*removed)++;
}

/* One row (or JSON line) of the output. */
static void
print_one(struct crontab *im, struct out_table *t, const struct schedule *s,
    const char *change, size_t line)
{
	struct out_json j;
	char buf[3 * TIMEFMT_MAX];
	bool removed = strcmp(change, "removed") == 0;

	if (t == NULL) {
		out_json_begin(&j, stdout);
		out_json_str(&j, "name", s->name);
		out_json_str(&j, "change", change);
		if (line > 0)
			out_json_int(&j, "line", (int64_t)line);
		else
			out_json_null(&j, "line");
		out_json_bool(&j, "enabled", s->enabled);
		out_json_str(&j, "cron", s->cron);
		out_json_str(&j, "tz", s->tz);
		out_json_str(&j, "user", s->run_as);
		out_json_str(&j, "command", s->command);
		if (removed || !s->enabled)
			out_json_null(&j, "next_run_at");
		else
			out_json_time(&j, "next_run_at", s->next_run_at);
		out_json_end(&j);
		return;
	}
	out_table_cell(t, s->name, 0);
	out_table_cell(t, change, 0);
	if (line > 0)
		out_table_cellf(t, "%zu", line);
	else
		out_table_cell(t, "-", 0);
	out_table_cell(t, s->cron, 0);
	if (removed)
		snprintf(buf, sizeof(buf), "-");
	else
		ctl_sched_next(im->ctl, s, buf, sizeof(buf));
	out_table_cell(t, buf, 0);
	out_table_cell(t, s->command, CRONTAB_TEXT_WIDTH);
}

void
crontab_print(struct crontab *im)
{
	struct out_table *t = NULL;
	size_t i, j;

	if (!im->ctl->json)
		t = out_table_new(6, "NAME", "CHANGE", "LINE", "CRON", "NEXT",
		    "COMMAND");
	for (i = 0; i < im->n; i++)
		print_one(im, t, &im->ents[i].s, im->ents[i].change,
		    im->ents[i].line);
	for (j = 0; j < im->nold; j++)
		if (old_removed(im, &im->old[j]))
			print_one(im, t, &im->old[j], "removed", 0);
	if (t != NULL)
		out_table_print(t, stdout);
}

void
crontab_init(struct crontab *im, struct ctl *ctl)
{
	memset(im, 0, sizeof(*im));
	im->ctl = ctl;
	jobopts_init(&im->jo);
	im->overlap = OVERLAP_ALLOW;	/* as cron: runs may overlap */
	im->catchup = CATCHUP_SKIP;	/* as cron: missed runs are lost */
}

void
crontab_free(struct crontab *im)
{
	size_t i;

	for (i = 0; i < im->n; i++)
		schedule_clear(&im->ents[i].s);
	for (i = 0; i < im->nold; i++)
		schedule_clear(&im->old[i]);
	free(im->ents);
	free(im->old);
	free(im->env);
	free(im->tz);
	free(im->shell);
	free(im->mailto);
	free(im->source);
	jobopts_free(&im->jo);
}
