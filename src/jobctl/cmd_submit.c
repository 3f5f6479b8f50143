/*
 * jobctl submit: validate a job completely, then hand it to the store in
 * one transaction.  Nothing is written unless every check passed.
 */
#define _XOPEN_SOURCE 700	/* realpath */

#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobd/job.h"
#include "jobd/store.h"
#include "jobd/timefmt.h"
#include "ctl.h"

#define SUBMIT_COMMAND_MAX	(256 * 1024)	/* bytes of one command */
#define SUBMIT_NAME_MAX		64		/* queue name */
#define SUBMIT_KEY_MAX		256		/* idempotency key */
#define SUBMIT_ENV_MAX		(64 * 1024)	/* all --env together */
#define SUBMIT_PRIORITY_MIN	(-1000)
#define SUBMIT_PRIORITY_MAX	1000
#define SUBMIT_ATTEMPTS_MAX	1000
#define SUBMIT_RUN_AT_MAX	253402300799999LL	/* 9999-12-31 UTC */

struct submit {
	struct job_spec	 spec;		/* the options, shared by a batch */
	char		*env;		/* owned "NAME=VALUE\0"... */
	size_t		 env_len;
	char		 cwd[PATH_MAX];
	bool		 batch;
	bool		 when_given;	/* --at or --in */
};

/* Is c safe unquoted in a shell word? */
static bool
shell_safe(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("_@%+=:,./-", c) != NULL;
}

/*
 * Join argv[0..argc-1] into one shell command line that runs exactly that
 * argv: each word that needs it is single-quoted, with ' written as '\''.
 */
static char *
shell_join(const struct ctl *ctl, int argc, char **argv)
{
	size_t len = 0, i;
	char *cmd, *p;
	const char *s;
	int k;

	/* Refuse what could never fit before sizing the quoted form. */
	for (k = 0; k < argc && len <= SUBMIT_COMMAND_MAX; k++)
		len += strlen(argv[k]) + 1;
	if (len > SUBMIT_COMMAND_MAX)
		ctl_fail(ctl, EXIT_DATAERR, "the command is too long (more "
		    "than %d bytes)", SUBMIT_COMMAND_MAX);
	len = len * 4 + 3;	/* at worst ' becomes '\'' and quotes */
	if ((cmd = p = malloc(len + 1)) == NULL)
		ctl_fail(ctl, EXIT_OSERR, "out of memory");
	for (k = 0; k < argc; k++) {
		bool safe = argv[k][0] != '\0';

		for (s = argv[k]; *s != '\0' && safe; s++)
			safe = shell_safe(*s);
		if (k > 0)
			*p++ = ' ';
		if (safe) {
			i = strlen(argv[k]);
			memcpy(p, argv[k], i);
			p += i;
			continue;
		}
		*p++ = '\'';
		for (s = argv[k]; *s != '\0'; s++) {
			if (*s == '\'') {
				memcpy(p, "'\\''", 4);
				p += 4;
			} else {
				*p++ = *s;
			}
		}
		*p++ = '\'';
	}
	*p = '\0';
	return cmd;
}

/* A command must be non-blank and not too long; "what" names it. */
static void
check_command(const struct ctl *ctl, const char *cmd, size_t len,
    const char *what)
{
	size_t i;

	if (len > SUBMIT_COMMAND_MAX)
		ctl_fail(ctl, EXIT_DATAERR, "%s is too long (%zu bytes, at most "
		    "%d)", what, len, SUBMIT_COMMAND_MAX);
	if (memchr(cmd, '\0', len) != NULL)
		ctl_fail(ctl, EXIT_DATAERR, "%s contains a NUL byte", what);
	for (i = 0; i < len; i++)
		if (cmd[i] != ' ' && cmd[i] != '\t')
			return;
	ctl_fail(ctl, EXIT_USAGE, "%s is empty", what);
}

static void
opt_queue(const struct ctl *ctl, const char *q)
{
	const char *p;

	if (*q == '\0' || strlen(q) > SUBMIT_NAME_MAX)
		ctl_fail(ctl, EXIT_USAGE, "invalid queue \"%s\": must be 1 to "
		    "%d characters", q, SUBMIT_NAME_MAX);
	for (p = q; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		    *p == '.'))
			ctl_fail(ctl, EXIT_USAGE, "invalid queue \"%s\": use "
			    "letters, digits, '.', '_' and '-'", q);
	}
}

static void
opt_key(const struct ctl *ctl, const char *k)
{
	const unsigned char *p;

	if (*k == '\0' || strlen(k) > SUBMIT_KEY_MAX)
		ctl_fail(ctl, EXIT_USAGE, "invalid key \"%s\": must be 1 to %d "
		    "bytes", k, SUBMIT_KEY_MAX);
	for (p = (const unsigned char *)k; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			ctl_fail(ctl, EXIT_USAGE, "invalid key: it contains a "
			    "control character");
}

static int64_t
opt_duration(const struct ctl *ctl, const char *opt, const char *s)
{
	char err[256];
	int64_t ms;

	if (timefmt_parse_duration(s, &ms, err, sizeof(err)) != 0)
		ctl_fail(ctl, EXIT_USAGE, "%s: %s", opt, err);
	return ms;
}

/* --backoff BASE[,MAX] */
static void
opt_backoff(const struct ctl *ctl, struct job_spec *js, const char *s)
{
	char buf[128];
	char *comma;

	if (strlen(s) >= sizeof(buf))
		ctl_fail(ctl, EXIT_USAGE, "invalid --backoff \"%s\": too long",
		    s);
	strcpy(buf, s);
	if ((comma = strchr(buf, ',')) != NULL)
		*comma++ = '\0';
	js->backoff_ms = opt_duration(ctl, "--backoff", buf);
	js->backoff_max_ms = JOB_DEFAULT;
	if (comma != NULL) {
		js->backoff_max_ms = opt_duration(ctl, "--backoff", comma);
		if (js->backoff_max_ms < js->backoff_ms)
			ctl_fail(ctl, EXIT_USAGE, "invalid --backoff \"%s\": "
			    "MAX is smaller than BASE", s);
	}
}

/* --env NAME=VALUE: append to the blob, refusing bad and repeated names. */
static void
opt_env(const struct ctl *ctl, struct submit *sb, const char *s)
{
	const char *eq = strchr(s, '='), *p, *e;
	size_t nlen, len = strlen(s) + 1;
	char *n;

	if (eq == NULL || eq == s)
		ctl_fail(ctl, EXIT_USAGE, "invalid --env \"%s\": expected "
		    "NAME=VALUE", s);
	nlen = (size_t)(eq - s);
	for (p = s; p < eq; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    *p == '_' || (p > s && *p >= '0' && *p <= '9')))
			ctl_fail(ctl, EXIT_USAGE, "invalid --env \"%s\": a name "
			    "is letters, digits and '_', not starting with a "
			    "digit", s);
	}
	if (nlen >= 5 && strncmp(s, "JOBD_", 5) == 0)
		ctl_fail(ctl, EXIT_USAGE, "invalid --env \"%s\": JOBD_* "
		    "variables are set by jobd", s);
	for (e = sb->env; e != NULL && e < sb->env + sb->env_len;
	    e += strlen(e) + 1) {
		if (strncmp(e, s, nlen + 1) == 0)
			ctl_fail(ctl, EXIT_USAGE, "invalid --env \"%s\": %.*s "
			    "is set twice", s, (int)nlen, s);
	}
	if (sb->env_len + len > SUBMIT_ENV_MAX)
		ctl_fail(ctl, EXIT_USAGE, "too much --env (at most %d bytes)",
		    SUBMIT_ENV_MAX);
	if ((n = realloc(sb->env, sb->env_len + len)) == NULL)
		ctl_fail(ctl, EXIT_OSERR, "out of memory");
	memcpy(n + sb->env_len, s, len);
	sb->env = n;
	sb->env_len += len;
}

/* --cwd DIR: absolute as given; a relative one is resolved now. */
static void
opt_cwd(const struct ctl *ctl, struct submit *sb, const char *s)
{
	if (*s == '\0')
		ctl_fail(ctl, EXIT_USAGE, "invalid --cwd: empty path");
	if (*s == '/') {
		if (strlen(s) >= sizeof(sb->cwd))
			ctl_fail(ctl, EXIT_USAGE, "invalid --cwd: path too "
			    "long");
		strcpy(sb->cwd, s);
		return;
	}
	if (realpath(s, sb->cwd) == NULL)
		ctl_fail(ctl, EXIT_USAGE, "invalid --cwd \"%s\": %s", s,
		    strerror(errno));
}

/*
 * --user USER: it must exist, and only root may name a user other than
 * itself (whoever can write the database could otherwise run commands as
 * anybody its daemon can become).
 */
static void
opt_user(const struct ctl *ctl, const char *u)
{
	struct passwd *pw;

	errno = 0;
	if (*u == '\0' || (pw = getpwnam(u)) == NULL)
		ctl_fail(ctl, EXIT_NOUSER, "invalid --user \"%s\": no such "
		    "user", u);
	if (getuid() != 0 && pw->pw_uid != getuid())
		ctl_fail(ctl, EXIT_NOPERM, "--user \"%s\": only root can "
		    "submit jobs that run as another user", u);
}

/* Read stdin, one command per line (blank lines skipped), into *cmdsp. */
static size_t
read_batch(const struct ctl *ctl, char ***cmdsp)
{
	char **cmds = NULL, *line = NULL;
	size_t n = 0, cap = 0, lcap = 0, lineno = 0;
	ssize_t len;
	char what[64];

	while ((len = getline(&line, &lcap, stdin)) != -1) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (strspn(line, " \t") == (size_t)len &&
		    memchr(line, '\0', (size_t)len) == NULL)
			continue;
		snprintf(what, sizeof(what), "stdin line %zu", lineno);
		check_command(ctl, line, (size_t)len, what);
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((cmds = realloc(cmds, cap * sizeof(*cmds))) == NULL)
				ctl_fail(ctl, EXIT_OSERR, "out of memory");
		}
		if ((cmds[n++] = strdup(line)) == NULL)
			ctl_fail(ctl, EXIT_OSERR, "out of memory");
	}
	if (ferror(stdin))
		ctl_fail(ctl, EXIT_IOERR, "reading stdin: %s", strerror(errno));
	free(line);
	*cmdsp = cmds;
	return n;
}

static void
report_when(const struct ctl *ctl, int64_t id, int64_t run_at)
{
	char abs[TIMEFMT_MAX], rel[TIMEFMT_MAX];
	int64_t now = clock_wall_ms(ctl->clock);

	if (timefmt_format_local(run_at, abs, sizeof(abs)) != 0 ||
	    timefmt_format_relative(run_at, now, rel, sizeof(rel)) != 0)
		return;
	ctl_warnx(ctl, "job %lld will run at %s (%s)", (long long)id, abs, rel);
}

int
cmd_submit(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "at",		  required_argument, NULL, 'a' },
		{ "backoff",	  required_argument, NULL, 'b' },
		{ "batch",	  no_argument,	     NULL, 'B' },
		{ "cwd",	  required_argument, NULL, 'C' },
		{ "env",	  required_argument, NULL, 'e' },
		{ "in",		  required_argument, NULL, 'i' },
		{ "key",	  required_argument, NULL, 'k' },
		{ "max-attempts", required_argument, NULL, 'm' },
		{ "priority",	  required_argument, NULL, 'p' },
		{ "queue",	  required_argument, NULL, 'q' },
		{ "timeout",	  required_argument, NULL, 't' },
		{ "user",	  required_argument, NULL, 'u' },
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct submit sb;
	struct job_spec *js = &sb.spec, *specs;
	const char *at = NULL, *in = NULL;
	char **cmds = NULL, *one = NULL, err[256];
	int64_t now = clock_wall_ms(ctl->clock), *ids;
	bool *existed;
	size_t n, i;
	int c, error;

	memset(&sb, 0, sizeof(sb));
	js->max_attempts = js->timeout_ms = JOB_DEFAULT;
	js->backoff_ms = js->backoff_max_ms = JOB_DEFAULT;
	js->run_at = now;
	while ((c = ctl_getopt(ctl, argc, argv, "+:a:b:BC:e:hi:k:m:p:q:t:u:",
	    opts)) != -1) {
		switch (c) {
		case 'a':
			at = optarg;
			break;
		case 'b':
			opt_backoff(ctl, js, optarg);
			break;
		case 'B':
			sb.batch = true;
			break;
		case 'C':
			opt_cwd(ctl, &sb, optarg);
			js->cwd = sb.cwd;
			break;
		case 'e':
			opt_env(ctl, &sb, optarg);
			break;
		case 'i':
			in = optarg;
			break;
		case 'k':
			opt_key(ctl, optarg);
			js->key = optarg;
			break;
		case 'm':
			js->max_attempts = ctl_parse_int(ctl, "--max-attempts",
			    optarg, 1, SUBMIT_ATTEMPTS_MAX);
			break;
		case 'p':
			js->priority = ctl_parse_int(ctl, "--priority", optarg,
			    SUBMIT_PRIORITY_MIN, SUBMIT_PRIORITY_MAX);
			break;
		case 'q':
			opt_queue(ctl, optarg);
			js->queue = optarg;
			break;
		case 't':
			js->timeout_ms = opt_duration(ctl, "--timeout", optarg);
			break;
		case 'u':
			opt_user(ctl, optarg);
			js->run_as = optarg;
			break;
		default:
			ctl_usage(ctl);
		}
	}
	argc -= optind;
	argv += optind;
	if (at != NULL && in != NULL)
		ctl_fail(ctl, EXIT_USAGE, "--at and --in cannot be used "
		    "together");
	if (at != NULL &&
	    timefmt_parse_time(at, now, &js->run_at, err, sizeof(err)) != 0)
		ctl_fail(ctl, EXIT_USAGE, "--at: %s", err);
	if (in != NULL) {
		int64_t d = opt_duration(ctl, "--in", in);

		if (d > INT64_MAX - now)
			ctl_fail(ctl, EXIT_USAGE, "--in \"%s\": too far in "
			    "the future", in);
		js->run_at = now + d;
	}
	if (js->run_at > SUBMIT_RUN_AT_MAX)
		ctl_fail(ctl, EXIT_USAGE, "%s \"%s\": too far in the future "
		    "(after 9999-12-31)", at != NULL ? "--at" : "--in",
		    at != NULL ? at : in);
	sb.when_given = at != NULL || in != NULL;
	js->env = sb.env;
	js->env_len = sb.env_len;

	if (sb.batch) {
		if (argc > 0)
			ctl_fail(ctl, EXIT_USAGE, "--batch reads commands from "
			    "stdin; got an argument \"%s\"", argv[0]);
		if (js->key != NULL)
			ctl_fail(ctl, EXIT_USAGE, "--key cannot be used with "
			    "--batch (one key cannot name many jobs)");
		n = read_batch(ctl, &cmds);
	} else {
		if (argc == 0)
			ctl_fail(ctl, EXIT_USAGE, "no command given "
			    "(usage: jobctl submit [OPTIONS] [--] COMMAND "
			    "[ARG ...])");
		one = argc == 1 ? argv[0] : shell_join(ctl, argc, argv);
		check_command(ctl, one, strlen(one), "the command");
		cmds = &one;
		n = 1;
	}
	if (n == 0) {
		free(sb.env);
		free(cmds);
		return 0;
	}

	specs = calloc(n, sizeof(*specs));
	ids = calloc(n, sizeof(*ids));
	existed = calloc(n, sizeof(*existed));
	if (specs == NULL || ids == NULL || existed == NULL)
		ctl_fail(ctl, EXIT_OSERR, "out of memory");
	for (i = 0; i < n; i++) {
		specs[i] = *js;
		specs[i].command = cmds[i];
	}
	ctl_open(ctl, CTL_CREATE);
	if ((error = store_submit(ctl->st, specs, n, ids, existed)) != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
	for (i = 0; i < n; i++)
		printf("%lld\n", (long long)ids[i]);
	if (existed[0])
		ctl_warnx(ctl, "job %lld already exists with key \"%s\"; "
		    "nothing submitted", (long long)ids[0], js->key);
	else if (sb.when_given && n == 1)
		report_when(ctl, ids[0], js->run_at);

	if (sb.batch) {
		for (i = 0; i < n; i++)
			free(cmds[i]);
		free(cmds);
	} else if (one != argv[0]) {
		free(one);
	}
	free(specs);
	free(ids);
	free(existed);
	free(sb.env);
	return 0;
}
