/*
 * jobopts: the job options of submit and schedule add, and the command-line
 * helpers they share.  Every check here either passes or prints one line
 * that names the bad input and exits, before anything is written.
 */
#define _XOPEN_SOURCE 700	/* realpath */

#include <sys/types.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobd/job.h"
#include "jobd/jobspec.h"
#include "jobd/outbox.h"
#include "jobd/procopt.h"
#include "jobd/timefmt.h"
#include "ctl.h"
#include "jobopts.h"

void
jobopts_init(struct jobopts *jo)
{
	memset(jo, 0, sizeof(*jo));
	jo->max_attempts = jo->timeout_ms = JOB_DEFAULT;
	jo->backoff_ms = jo->backoff_max_ms = JOB_DEFAULT;
	procopt_init(&jo->proc);
}

void
jobopts_free(struct jobopts *jo)
{
	if (jo == NULL)
		return;
	free(jo->env);
	jobdeps_free(&jo->after);
	jobopts_init(jo);
}

void
jobdeps_free(struct jobdeps *jd)
{
	free(jd->v);
	memset(jd, 0, sizeof(*jd));
}

/* Add one dependency to *jd, or see that it is there with the same kind. */
static void
after_add(const struct ctl *ctl, struct jobdeps *jd, const struct job_dep *d,
    const char *opt, const char *item)
{
	struct job_dep *nv;
	size_t i, cap;

	for (i = 0; i < jd->n; i++) {
		if (jd->v[i].id != d->id || jd->v[i].ref != d->ref)
			continue;
		if (jd->v[i].any != d->any)
			ctl_fail(ctl, EXIT_USAGE, "%s \"%s\": already named "
			    "by %s; a job is waited for one way", opt, item,
			    d->any ? "--after" : "--after-any");
		return;
	}
	if (jd->n == jd->cap) {
		cap = jd->cap ? jd->cap * 2 : 8;
		if ((nv = realloc(jd->v, cap * sizeof(*nv))) == NULL)
			ctl_fail(ctl, EXIT_OSERR, "out of memory");
		jd->v = nv;
		jd->cap = cap;
	}
	jd->v[jd->n++] = *d;
}

void
jobopts_after(const struct ctl *ctl, struct jobdeps *jd, const char *arg,
    bool any, size_t line)
{
	const char *opt = any ? "--after-any" : "--after";
	const char *p = arg, *q;
	char item[32], *end;
	struct job_dep d;
	unsigned long long v;
	char where[48] = "";
	size_t len;
	bool ref;

	if (line > 0)
		snprintf(where, sizeof(where), "stdin line %zu: ", line);

	if (*arg == '\0')
		ctl_fail(ctl, EXIT_USAGE, "%s%s \"\": expected job ids "
		    "(ID[,ID ...])", where, opt);
	for (;;) {
		q = strchr(p, ',');
		len = q != NULL ? (size_t)(q - p) : strlen(p);
		snprintf(item, sizeof(item), "%.*s%s", (int)(len < 20 ? len :
		    20), p, len > 20 ? "..." : "");
		ref = len > 0 && *p == '@';
		memset(&d, 0, sizeof(d));
		d.any = any;
		errno = 0;
		v = 0;
		end = NULL;
		if (len > (size_t)ref && p[ref] >= '0' && p[ref] <= '9')
			v = strtoull(p + ref, &end, 10);
		if (end != p + len || errno != 0 || v > INT64_MAX)
			ctl_fail(ctl, EXIT_USAGE, "%s%s \"%s\": \"%s\" is not "
			    "a job id%s", where, opt, arg, item, line > 0 ?
			    " or an @LINE reference" : "");
		if (v == 0)
			ctl_fail(ctl, EXIT_USAGE, "%s%s \"%s\": \"%s\": %s "
			    "start at 1", where, opt, arg, item, ref ? "line numbers" :
			    "job ids");
		if (ref && line == 0)
			ctl_fail(ctl, EXIT_USAGE, "%s%s \"%s\": \"%s\" names a "
			    "line of --batch; use it on that line", where, opt, arg,
			    item);
		if (ref && v >= line)
			ctl_fail(ctl, EXIT_USAGE, "%s%s \"%s\": \"%s\" is not "
			    "an earlier line (a job waits only for jobs before "
			    "it)", where, opt, arg, item);
		if (ref)
			d.ref = (size_t)v;
		else
			d.id = (int64_t)v;
		after_add(ctl, jd, &d, opt, item);
		if (q == NULL)
			break;
		p = q + 1;
	}
}

/* Is c safe unquoted in a shell word? */
static bool
shell_safe(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("_@%+=:,./-", c) != NULL;
}

/* Write word s, quoted if it needs it, at p; return the end. */
static char *
quote_into(char *p, const char *s)
{
	bool safe = *s != '\0';
	const char *q;
	size_t n;

	for (q = s; *q != '\0' && safe; q++)
		safe = shell_safe(*q);
	if (safe) {
		n = strlen(s);
		memcpy(p, s, n);
		return p + n;
	}
	*p++ = '\'';
	for (q = s; *q != '\0'; q++) {
		if (*q == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = *q;
		}
	}
	*p++ = '\'';
	return p;
}

char *
jobopts_quote(const char *s)
{
	size_t len = strlen(s);
	char *buf, *end;

	if (len > (SIZE_MAX - 3) / 4 || (buf = malloc(len * 4 + 3)) == NULL)
		return NULL;
	end = quote_into(buf, s);
	*end = '\0';
	return buf;
}

/*
 * Join argv[0..argc-1] into one shell command line that runs exactly that
 * argv: each word that needs it is single-quoted, with ' written as '\''.
 */
static char *
shell_join(const struct ctl *ctl, int argc, char **argv)
{
	size_t len = 0;
	char *cmd, *p;
	int k;

	/* Refuse what could never fit before sizing the quoted form. */
	for (k = 0; k < argc && len <= JOBOPTS_COMMAND_MAX; k++)
		len += strlen(argv[k]) + 1;
	if (len > JOBOPTS_COMMAND_MAX)
		ctl_fail(ctl, EXIT_DATAERR, "the command is too long (more "
		    "than %d bytes)", JOBOPTS_COMMAND_MAX);
	len = len * 4 + 3;	/* at worst ' becomes '\'' and quotes */
	if ((cmd = p = malloc(len + 1)) == NULL)
		ctl_fail(ctl, EXIT_OSERR, "out of memory");
	for (k = 0; k < argc; k++) {
		if (k > 0)
			*p++ = ' ';
		p = quote_into(p, argv[k]);
	}
	*p = '\0';
	return cmd;
}

void
jobopts_check_command(const struct ctl *ctl, const char *cmd, size_t len,
    const char *what)
{
	char why[JOBSPEC_WHY_MAX];
	int error;

	if ((error = jobspec_command_check(cmd, len, why, sizeof(why))) != 0)
		ctl_fail(ctl, error == -EINVAL ? EXIT_USAGE : EXIT_DATAERR,
		    "%s %s", what, why);
}

char *
jobopts_command(const struct ctl *ctl, int argc, char **argv)
{
	char *cmd;

	if (argc == 1) {
		jobopts_check_command(ctl, argv[0], strlen(argv[0]),
		    "the command");
		if ((cmd = strdup(argv[0])) == NULL)
			ctl_fail(ctl, EXIT_OSERR, "out of memory");
		return cmd;
	}
	cmd = shell_join(ctl, argc, argv);
	jobopts_check_command(ctl, cmd, strlen(cmd), "the command");
	return cmd;
}

int
jobopts_user_check(const char *name, char *why, size_t whylen)
{
	switch (jobspec_user_check(name, NULL, why, whylen)) {
	case 0:
		return 0;
	case -ENOENT:
		return EXIT_NOUSER;
	case -EPERM:
		return EXIT_NOPERM;
	case -ENOMEM:
		return EXIT_OSERR;
	default:
		return EXIT_IOERR;
	}
}

static void
opt_queue(const struct ctl *ctl, const char *q)
{
	char why[JOBSPEC_WHY_MAX];

	if (jobspec_queue_check(q, why, sizeof(why)) != 0)
		ctl_fail(ctl, EXIT_USAGE, "invalid queue \"%s\": %s", q, why);
}

/* An integer option: see jobspec_int_parse(). */
static int64_t
opt_int(const struct ctl *ctl, const char *opt, const char *s,
    int (*parse)(const char *, int64_t *, char *, size_t))
{
	char why[JOBSPEC_WHY_MAX];
	int64_t v;

	if (parse(s, &v, why, sizeof(why)) != 0)
		ctl_fail(ctl, EXIT_USAGE, "invalid %s \"%s\": %s", opt, s, why);
	return v;
}

static int64_t
opt_duration(const struct ctl *ctl, const char *opt, const char *s)
{
	char err[256];
	int64_t ms;

	if (jobspec_duration_parse(s, &ms, err, sizeof(err)) != 0)
		ctl_fail(ctl, EXIT_USAGE, "%s: %s", opt, err);
	return ms;
}

/* --backoff BASE[,MAX] */
static void
opt_backoff(const struct ctl *ctl, struct jobopts *jo, const char *s)
{
	char buf[128], why[JOBSPEC_WHY_MAX];
	char *comma;

	if (strlen(s) >= sizeof(buf))
		ctl_fail(ctl, EXIT_USAGE, "invalid --backoff \"%s\": too long",
		    s);
	strcpy(buf, s);
	if ((comma = strchr(buf, ',')) != NULL)
		*comma++ = '\0';
	jo->backoff_ms = opt_duration(ctl, "--backoff", buf);
	jo->backoff_max_ms = JOB_DEFAULT;
	if (comma != NULL) {
		jo->backoff_max_ms = opt_duration(ctl, "--backoff", comma);
		if (jobspec_backoff_check(jo->backoff_ms, jo->backoff_max_ms,
		    why, sizeof(why)) != 0)
			ctl_fail(ctl, EXIT_USAGE, "invalid --backoff \"%s\": "
			    "%s", s, why);
	}
}

/* --env NAME=VALUE: append to the blob, refusing bad and repeated names. */
static void
opt_env(const struct ctl *ctl, struct jobopts *jo, const char *s)
{
	const char *eq = strchr(s, '=');
	char why[JOBSPEC_WHY_MAX];
	int error;

	if (eq == NULL || eq == s)
		ctl_fail(ctl, EXIT_USAGE, "invalid --env \"%s\": expected "
		    "NAME=VALUE", s);
	error = jobspec_env_set(&jo->env, &jo->env_len, s, (size_t)(eq - s),
	    eq + 1, 0, why, sizeof(why));
	if (error == -ENOMEM)
		ctl_fail(ctl, EXIT_OSERR, "out of memory");
	if (error != 0)
		ctl_fail(ctl, EXIT_USAGE, "invalid --env \"%s\": %s", s, why);
}

/* --cwd DIR: absolute as given; a relative one is resolved now. */
static void
opt_cwd(const struct ctl *ctl, struct jobopts *jo, const char *s)
{
	char why[JOBSPEC_WHY_MAX];

	if (*s == '/' || *s == '\0') {
		if (jobspec_cwd_check(s, why, sizeof(why)) != 0)
			ctl_fail(ctl, EXIT_USAGE, "invalid --cwd: %s", why);
		strcpy(jo->cwdbuf, s);
	} else if (realpath(s, jo->cwdbuf) == NULL) {
		ctl_fail(ctl, EXIT_USAGE, "invalid --cwd \"%s\": %s", s,
		    strerror(errno));
	}
	jo->cwd = jo->cwdbuf;
}

/* --user USER: see jobopts_user_check(). */
static void
opt_user(const struct ctl *ctl, struct jobopts *jo, const char *u)
{
	char why[JOBSPEC_WHY_MAX];
	int code;

	if ((code = jobopts_user_check(u, why, sizeof(why))) == EXIT_NOUSER)
		ctl_fail(ctl, code, "invalid --user \"%s\": %s", u, why);
	else if (code != 0)
		ctl_fail(ctl, code, "--user \"%s\": %s", u, why);
	jo->run_as = u;
}

/* --umask MODE, --limit-* N: see procopt.h. */
static void
opt_proc(const struct ctl *ctl, struct jobopts *jo, enum procopt o,
    const char *s)
{
	char why[160];

	if (procopt_parse(o, s, procopt_field(&jo->proc, o), why,
	    sizeof(why)) != 0)
		ctl_fail(ctl, EXIT_USAGE, "invalid %s \"%s\": %s",
		    procopt_flag(o), s, why);
}

/* --on-dead, --on-failure, --on-success CMD: see outbox.h. */
static void
opt_hook(const struct ctl *ctl, struct jobopts *jo, enum job_hook h,
    const char *s)
{
	char why[JOBSPEC_WHY_MAX];

	if (outbox_hook_check(s, why, sizeof(why)) != 0)
		ctl_fail(ctl, EXIT_USAGE, "invalid --%s \"%s\": %s",
		    h == JOB_HOOK_DEAD ? "on-dead" : h == JOB_HOOK_FAILURE ?
		    "on-failure" : "on-success", s, why);
	jo->hook[h] = s;
}

/* --mail-to ADDR[,ADDR...], --mail-on POLICY: see jobspec.h. */
static void
opt_mail(const struct ctl *ctl, struct jobopts *jo, int c, const char *s)
{
	char why[JOBSPEC_WHY_MAX];
	const char *p;

	if (c == JOBOPTS_MAIL_ON) {
		if (jobspec_mail_on_parse(s, &jo->mail_on, why,
		    sizeof(why)) != 0)
			ctl_fail(ctl, EXIT_USAGE, "invalid --mail-on \"%s\": "
			    "%s", s, why);
		return;
	}
	if (jobspec_mail_to_check(s, why, sizeof(why)) != 0) {
		/* Quote it only when it shows on one line as it is. */
		for (p = s; *p != '\0' && (unsigned char)*p >= 0x20 &&
		    *p != 0x7f; p++)
			;
		if (*p == '\0' && strlen(s) <= 200)
			ctl_fail(ctl, EXIT_USAGE, "invalid --mail-to \"%s\": "
			    "%s", s, why);
		ctl_fail(ctl, EXIT_USAGE, "invalid --mail-to: %s", why);
	}
	jo->mail_to = s;
}

bool
jobopts_option(const struct ctl *ctl, struct jobopts *jo, int c,
    const char *arg)
{
	if (c == JOBOPTS_MAIL_TO || c == JOBOPTS_MAIL_ON) {
		opt_mail(ctl, jo, c, arg);
		return true;
	}
	if (c >= JOBOPTS_PROC && c < JOBOPTS_PROC + PROCOPT_N) {
		opt_proc(ctl, jo, (enum procopt)(c - JOBOPTS_PROC), arg);
		return true;
	}
	if (c >= JOBOPTS_HOOK && c < JOBOPTS_HOOK + JOB_NHOOKS) {
		opt_hook(ctl, jo, (enum job_hook)(c - JOBOPTS_HOOK), arg);
		return true;
	}
	switch (c) {
	case JOBOPTS_AFTER:
	case JOBOPTS_AFTER_ANY:
		jobopts_after(ctl, &jo->after, arg, c == JOBOPTS_AFTER_ANY, 0);
		return true;
	case 'b':
		opt_backoff(ctl, jo, arg);
		return true;
	case 'C':
		opt_cwd(ctl, jo, arg);
		return true;
	case 'e':
		opt_env(ctl, jo, arg);
		return true;
	case 'm':
		jo->max_attempts = opt_int(ctl, "--max-attempts", arg,
		    jobspec_attempts_parse);
		return true;
	case 'p':
		jo->priority = opt_int(ctl, "--priority", arg,
		    jobspec_priority_parse);
		return true;
	case 'q':
		opt_queue(ctl, arg);
		jo->queue = arg;
		return true;
	case 't':
		jo->timeout_ms = opt_duration(ctl, "--timeout", arg);
		return true;
	case 'u':
		opt_user(ctl, jo, arg);
		return true;
	default:
		return false;
	}
}
