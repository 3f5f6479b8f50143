/*
 * jobctl: the command line of jobd.  main() parses the global options,
 * dispatches through ctl_cmds[], and turns a failed write of stdout into a
 * non-zero exit; ctl_dispatch() picks the sub-command of "dead" and
 * "schedule".  Global options are accepted before the command and, through
 * CTL_COMMON_OPTIONS, after it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobd/clock.h"
#include "jobd/config.h"
#include "jobd/dburl.h"
#include "jobd/store.h"
#include "jobd/timefmt.h"
#include "jobd/tz.h"
#include "ctl.h"
#include "out.h"

static const struct ctl_cmd {
	const char	*name;
	int		(*fn)(struct ctl *, int, char **);
	const char	*usage;		/* the jobctl(1) SYNOPSIS words */
} ctl_cmds[] = {
	{ "cancel",	cmd_cancel,	"cancel ID ..." },
	{ "crontab",	cmd_crontab,
	    "crontab [-u USER] -l | -e | [-y] -r | FILE | -" },
	{ "dead",	cmd_dead,
	    "dead list [--queue QUEUE] [--limit N]\n"
	    "       jobctl dead show ID\n"
	    "       jobctl dead retry ID ... | --all\n"
	    "       jobctl dead purge --older-than DURATION | --all" },
	{ "import-crontab", cmd_import_crontab,
	    "import-crontab [--user USER | --system] [--name PREFIX]\n"
	    "              [--dry-run] [--max-attempts N] "
	    "[--backoff BASE[,MAX]]\n"
	    "              [--timeout DURATION] [--queue QUEUE]\n"
	    "              [--overlap skip|allow|queue] "
	    "[--catchup skip|once|all]\n"
	    "              FILE | -" },
	{ "list",	cmd_list,
	    "list [--state STATE[,STATE ...]] [--queue QUEUE] "
	    "[--schedule NAME]\n"
	    "              [--since TIME] [--limit N]" },
	{ "logs",	cmd_logs,	"logs [--attempt N] [--raw] ID" },
	{ "metrics",	cmd_metrics,	"metrics" },
	{ "migrate-db",	cmd_migrate_db,
	    "migrate-db [--dry-run] --from PATH --to URI" },
	{ "next",	cmd_next,
	    "next [--from TIME] [--count N] [--tz ZONE] EXPR" },
	{ "prune",	cmd_prune,
	    "prune [--dry-run] [--older-than DURATION]\n"
	    "              [--state done|cancelled|dead]" },
	{ "queue",	cmd_queue,
	    "queue list\n"
	    "       jobctl queue show QUEUE\n"
	    "       jobctl queue set QUEUE [--concurrency N|none] "
	    "[--rate N/PERIOD|none]\n"
	    "              [--weight N] [--max-pending N|none]\n"
	    "              [--max-running-per-user N|none] "
	    "[--max-attempts N|none]\n"
	    "              [--timeout DURATION|none] "
	    "[--backoff BASE[,MAX]|none]\n"
	    "       jobctl queue pause QUEUE\n"
	    "       jobctl queue resume QUEUE" },
	{ "rerun",	cmd_rerun,	"rerun ID" },
	{ "schedule",	cmd_schedule,
	    "schedule add NAME --cron EXPR [--tz ZONE]\n"
	    "              [--overlap skip|allow|queue] "
	    "[--catchup skip|once|all]\n"
	    "              [--queue QUEUE] [--priority N] [--max-attempts N]\n"
	    "              [--timeout DURATION] [--backoff BASE[,MAX]]\n"
	    "              [--env NAME=VALUE ...] [--cwd DIR] [--user USER]\n"
	    "              [--umask MODE] [--limit-nofile N] "
	    "[--limit-nproc N]\n"
	    "              [--limit-as SIZE] [--limit-cpu DURATION]\n"
	    "              [--kill-mode attempt|process] [--mail-to ADDR]\n"
	    "              [--mail-on failure|output|always|never] "
	    "[--disabled]\n"
	    "              [--on-dead HOOK] [--on-failure HOOK] "
	    "[--on-success HOOK]\n"
	    "              [--] COMMAND [ARG ...]\n"
	    "       jobctl schedule set NAME [--cron EXPR] [--tz ZONE]\n"
	    "              [--overlap skip|allow|queue] "
	    "[--catchup skip|once|all]\n"
	    "              [JOB OPTIONS] [--unset OPTION ...] "
	    "[[--] COMMAND [ARG ...]]\n"
	    "       jobctl schedule list\n"
	    "       jobctl schedule show [--count N] NAME\n"
	    "       jobctl schedule rm NAME\n"
	    "       jobctl schedule enable NAME\n"
	    "       jobctl schedule disable NAME\n"
	    "       jobctl schedule run NAME" },
	{ "show",	cmd_show,	"show ID" },
	{ "stats",	cmd_stats,
	    "stats [--since DURATION] [--queue QUEUE] [--schedule NAME]" },
	{ "status",	cmd_status,	"status" },
	{ "submit",	cmd_submit,
	    "submit [--queue QUEUE] [--at TIME | --in DURATION]\n"
	    "              [--priority N] [--max-attempts N] "
	    "[--timeout DURATION]\n"
	    "              [--backoff BASE[,MAX]] "
	    "[--key KEY [--key-ttl DURATION]]\n"
	    "              [--env NAME=VALUE ...] [--cwd DIR] [--user USER]\n"
	    "              [--umask MODE] "
	    "[--limit-nofile N] [--limit-nproc N]\n"
	    "              [--limit-as SIZE] [--limit-cpu DURATION]\n"
	    "              [--kill-mode attempt|process] [--mail-to ADDR]\n"
	    "              [--mail-on failure|output|always|never]\n"
	    "              [--on-dead HOOK] [--on-failure HOOK] "
	    "[--on-success HOOK]\n"
	    "              [--after IDS] [--after-any IDS] "
	    "(IDS: ID[,ID ...])\n"
	    "              [--] COMMAND [ARG ...]\n"
	    "       jobctl submit --batch [OPTIONS] < FILE "
	    "(a line: [--after IDS] COMMAND,\n"
	    "              IDS may name line N as @N)" },
	{ "wait",	cmd_wait,	"wait [--timeout DURATION] ID ..." },
};
#define NCMDS	(sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

const char *
ctl_cmd_usage(size_t i, const char **name)
{
	if (i >= NCMDS)
		return NULL;
	*name = ctl_cmds[i].name;
	return ctl_cmds[i].usage;
}

static const struct ctl_cmd *
ctl_cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (name != NULL && strcmp(ctl_cmds[i].name, name) == 0)
			return &ctl_cmds[i];
	return NULL;
}

static void
ctl_print_usage(const struct ctl *ctl, FILE *fp)
{
	const struct ctl_cmd *c = ctl_cmd_find(ctl->cmd);
	size_t i;

	if (c != NULL) {
		fprintf(fp, "usage: jobctl %s\n", c->usage);
		fprintf(fp, "global options: [--db PATH|URI | --socket PATH] "
		    "[--json] [--help] [--version]\n");
		return;
	}
	/* The usages are laid out after "usage: ": list them in that column. */
	fprintf(fp, "usage: jobctl [--db PATH|URI | --socket PATH] [--json] "
	    "COMMAND [ARG ...]\n"
	    "       jobctl --help | --version\n\ncommands:\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(fp, "       jobctl %s\n", ctl_cmds[i].usage);
	fprintf(fp, "\nSee jobctl(1).\n");
}

void
ctl_usage(const struct ctl *ctl)
{
	ctl_print_usage(ctl, stderr);
	store_close(ctl->st);
	exit(EXIT_USAGE);
}

void
ctl_help(const struct ctl *ctl)
{
	ctl_print_usage(ctl, stdout);
	if (fflush(stdout) != 0 || ferror(stdout))
		ctl_fail(ctl, EXIT_IOERR, "writing output: %s",
		    strerror(errno));
	exit(0);
}

/*
 * Messages quote what the user gave, which may hold terminal escapes,
 * newlines or invalid UTF-8: the whole message is written through
 * out_escape(), so that it stays one line and cannot drive the terminal.
 */
static void
ctl_vwarnx(const struct ctl *ctl, const char *fmt, va_list ap)
{
	char small[1024], *msg = small;
	va_list ap2;
	int n;

	fflush(stdout);
	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small) && (msg = malloc((size_t)n + 1)) != NULL)
		(void)vsnprintf(msg, (size_t)n + 1, fmt, ap2);
	else if (msg == NULL)
		msg = small;		/* out of memory: the message cut */
	va_end(ap2);
	if (ctl->cmd != NULL)
		fprintf(stderr, "jobctl %s: ", ctl->cmd);
	else
		fprintf(stderr, "jobctl: ");
	if (n > 0)
		out_escape(stderr, msg, strnlen(msg, (size_t)n));
	fputc('\n', stderr);
	if (msg != small)
		free(msg);
}

void
ctl_warnx(const struct ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_vwarnx(ctl, fmt, ap);
	va_end(ap);
}

void
ctl_fail(const struct ctl *ctl, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_vwarnx(ctl, fmt, ap);
	va_end(ap);
	store_close(ctl->st);	/* an open transaction rolls back */
	exit(code);
}

static _Noreturn void
ctl_version(const struct ctl *ctl)
{
	printf("jobctl %s (schema %d)\n", JOBD_VERSION,
	    store_schema_version());
	if (fflush(stdout) != 0 || ferror(stdout))
		ctl_fail(ctl, EXIT_IOERR, "writing output: %s",
		    strerror(errno));
	exit(0);
}

bool
ctl_common_option(struct ctl *ctl, int c, const char *arg)
{
	switch (c) {
	case CTL_OPT_DB:
		if (*arg == '\0')
			ctl_fail(ctl, EXIT_USAGE, "--db: empty path");
		ctl->db_flag = arg;
		return true;
	case CTL_OPT_SOCKET:
		if (*arg == '\0')
			ctl_fail(ctl, EXIT_USAGE, "--socket: empty path");
		ctl->socket_flag = arg;
		return true;
	case CTL_OPT_JSON:
		ctl->json = true;
		return true;
	case 'h':
		ctl_help(ctl);
	case CTL_OPT_VERSION:
		ctl_version(ctl);
	default:
		return false;
	}
}

int
ctl_getopt(struct ctl *ctl, int argc, char **argv, const char *optstring,
    const struct option *opts)
{
	int c;

	for (;;) {
		if ((c = getopt_long(argc, argv, optstring, opts, NULL)) == -1)
			return -1;
		if (ctl_common_option(ctl, c, optarg))
			continue;
		if (c == ':')
			ctl_fail(ctl, EXIT_USAGE, "option \"%s\" needs an "
			    "argument", argv[optind - 1]);
		if (c == '?')
			ctl_fail(ctl, EXIT_USAGE, "unknown option \"%s\" "
			    "(see jobctl %s%s--help)", argv[optind - 1],
			    ctl->cmd != NULL ? ctl->cmd : "",
			    ctl->cmd != NULL ? " " : "");
		return c;
	}
}

int
ctl_list_done(const struct ctl *ctl, struct out_table *t, int error)
{
	if (t != NULL)
		out_table_print(t, stdout);
	if (error == -EIO && ferror(stdout))
		return EXIT_IOERR;
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
	return 0;
}

int
ctl_dispatch(struct ctl *ctl, int argc, char **argv,
    const struct ctl_sub *subs, size_t nsubs, const char *names)
{
	static const struct option opts[] = {
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	size_t i;

	while (ctl_getopt(ctl, argc, argv, "+:h", opts) != -1)
		ctl_usage(ctl);
	argc -= optind;
	argv += optind;
	if (argc == 0)
		ctl_fail(ctl, EXIT_USAGE, "expected a sub-command: %s (see "
		    "jobctl %s --help)", names, ctl->cmd);
	for (i = 0; i < nsubs; i++) {
		if (strcmp(subs[i].name, argv[0]) == 0) {
			optind = 0;	/* glibc: reinitialise */
			return subs[i].fn(ctl, argc, argv);
		}
	}
	ctl_fail(ctl, EXIT_USAGE, "unknown sub-command \"%s\" (use %s)",
	    argv[0], names);
}

int
ctl_exit_code(int error)
{
	return store_exit_code(error);
}

/*
 * Connect to jobd's socket at path; 0, or a negative errno with err
 * saying why.
 */
static int
ctl_connect(struct ctl *ctl, const char *path, char *err, size_t errlen)
{
	return store_connect(&ctl->st, path, ctl->clock, err, errlen);
}

/*
 * Whether the database at path is one's own to write directly: root's,
 * or its file's owner's.  A PostgreSQL database is reached as its URI
 * says, and never guessed at.
 */
static bool
ctl_db_is_own(const char *path, bool *exists)
{
	struct stat sb;

	*exists = false;
	if (dburl_is_postgres(path)) {
		*exists = true;
		return true;
	}
	if (stat(path, &sb) != 0)
		return false;
	*exists = true;
	return geteuid() == 0 || sb.st_uid == geteuid();
}

int
ctl_open(struct ctl *ctl, int flags)
{
	struct jd_config cfg;
	char path[PATH_MAX], cfgpath[PATH_MAX], sock[PATH_MAX], err[1024];
	char serr[1024];
	const char *env = getenv("JOBD_DB"), *senv = getenv("JOBD_SOCKET");
	bool is_default, sock_guess = true, exists, explicit_db;
	int64_t off;
	int error, sflags = STORE_POKE;

	if ((error = config_defaults(&cfg)) != 0)
		ctl_fail(ctl, EXIT_OSERR, "out of memory");
	explicit_db = ctl->db_flag != NULL || (env != NULL && *env != '\0');
	/* The config file matters only when it is the one that names it. */
	if (!explicit_db && ctl->socket_flag == NULL &&
	    config_default_path(cfgpath, sizeof(cfgpath)) == 0) {
		error = config_load(&cfg, cfgpath, err, sizeof(err));
		if (error != 0 && error != -ENOENT)
			ctl_fail(ctl, EXIT_CONFIG, "%s", err);
	}
	error = config_socket_path(&cfg, ctl->socket_flag, sock, sizeof(sock),
	    &sock_guess);
	if (error != 0 && (!sock_guess || !explicit_db))
		ctl_fail(ctl, EXIT_USAGE, "the socket's path: %s",
		    error == -EINVAL ? "not an absolute path" :
		    strerror(-error));
	/* --socket or JOBD_SOCKET: the socket, and only it. */
	if (!sock_guess) {
		config_free(&cfg);
		if ((error = ctl_connect(ctl, sock, err, sizeof(err))) != 0)
			ctl_fail(ctl, ctl_exit_code(error), "%s", err);
		return 0;
	}
	error = config_db_path(&cfg, ctl->db_flag, path, sizeof(path),
	    &is_default);
	config_free(&cfg);
	if (error != 0)
		ctl_fail(ctl, EXIT_USAGE, "cannot find the database path: %s "
		    "(use --db PATH or set JOBD_DB)", strerror(-error));
	/*
	 * Without --db or JOBD_DB: a database of one's own first, else the
	 * jobd of this host through its socket.
	 */
	if (!explicit_db && senv == NULL && !ctl_db_is_own(path, &exists)) {
		error = ctl_connect(ctl, sock, serr, sizeof(serr));
		if (error == 0)
			return 0;
		if (!exists && !(flags & CTL_OPTIONAL)) {
			dburl_redact(path, err, sizeof(err));
			ctl_fail(ctl, error == -ENOENT || error ==
			    -ECONNREFUSED ? EXIT_UNAVAIL : ctl_exit_code(error),
			    "no database of your own (%s does not exist) and "
			    "no jobd to submit to: %s (set --db PATH or "
			    "--socket PATH)", err, serr);
		}
	}
	if (flags & CTL_CREATE)
		sflags |= STORE_CREATE | (is_default ? STORE_MKDIR : 0);
	if (dburl_is_postgres(path) && ctl->clock != &ctl->server_clock.clock) {
		clock_offset_init(&ctl->server_clock, ctl->clock);
		ctl->clock = &ctl->server_clock.clock;
	}
	error = store_open(&ctl->st, path, sflags, ctl->clock, err,
	    sizeof(err));
	/*
	 * A database that cannot be written (file mode, read-only mount)
	 * still serves the commands that only read; one that writes then
	 * fails with -EROFS at its first write.
	 */
	if (error == -EROFS && !(flags & CTL_CREATE)) {
		char rerr[1024];

		if (store_open(&ctl->st, path, STORE_READONLY, ctl->clock,
		    rerr, sizeof(rerr)) == 0)
			error = 0;
	}
	if (error == -ENOENT && (flags & CTL_OPTIONAL) &&
	    !(flags & CTL_CREATE)) {
		ctl->st = NULL;
		dburl_redact(path, err, sizeof(err));	/* for messages */
		if ((ctl->db_missing = strdup(err)) == NULL)
			ctl_fail(ctl, EXIT_OSERR, "out of memory");
		return -ENOENT;
	}
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s", err);
	/* Failing, the host's time stands; the next call says why. */
	if (ctl->clock == &ctl->server_clock.clock)
		(void)store_sync_clock(ctl->st, &ctl->server_clock, &off);
	return 0;
}

/*
 * Is TZ a POSIX TZ string ("EST5EDT", "<+03>-3", "CET-1CEST,M3.5.0,...")
 * rather than a zone name?  Only its start is looked at: a name of three
 * or more letters, or one in angle brackets, then an offset.
 */
static bool
ctl_tz_is_posix(const char *s)
{
	const char *p = s;

	if (*p == '<') {
		if ((p = strchr(p, '>')) == NULL || p - s < 4)
			return false;
		p++;
	} else {
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
			p++;
		if (p - s < 3)
			return false;
	}
	if (*p == '+' || *p == '-')
		p++;
	return *p >= '0' && *p <= '9';
}

void
ctl_check_tz_env(const struct ctl *ctl, const char *what)
{
	const char *env = getenv("TZ"), *v;
	char err[512];
	struct tz *z;
	int error;

	if (env == NULL)
		return;
	v = *env == ':' ? env + 1 : env;
	if (*v == '\0')
		return;			/* UTC, as POSIX says */
	if (*v == '/') {
		if (access(v, R_OK) == 0)
			return;
		ctl_fail(ctl, EXIT_CONFIG, "%s: TZ=\"%s\": %s", what, env,
		    strerror(errno));
	}
	if ((error = tz_load(v, &z, err, sizeof(err))) == 0) {
		tz_free(z);
		return;
	}
	if (error == -ENOMEM)
		ctl_fail(ctl, EXIT_OSERR, "out of memory");
	if (ctl_tz_is_posix(v))
		return;
	ctl_fail(ctl, EXIT_CONFIG, "%s: TZ=\"%s\": %s", what, env, err);
}

int64_t
ctl_parse_int(const struct ctl *ctl, const char *what, const char *s,
    int64_t min, int64_t max)
{
	const char *p = s;
	long long v;
	char *end;

	if (*p == '-' || *p == '+')
		p++;
	if (*p < '0' || *p > '9')
		ctl_fail(ctl, EXIT_USAGE, "invalid %s \"%s\": not an integer",
		    what, s);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		ctl_fail(ctl, EXIT_USAGE, "invalid %s \"%s\": not an integer",
		    what, s);
	if (errno == ERANGE || v < min || v > max)
		ctl_fail(ctl, EXIT_USAGE, "invalid %s \"%s\": must be between "
		    "%lld and %lld", what, s, (long long)min, (long long)max);
	return v;
}

int64_t
ctl_parse_duration(const struct ctl *ctl, const char *what, const char *s)
{
	char err[256];
	int64_t ms;

	if (timefmt_parse_duration(s, &ms, err, sizeof(err)) != 0)
		ctl_fail(ctl, EXIT_USAGE, "%s: %s", what, err);
	return ms;
}

int64_t
ctl_parse_id(const struct ctl *ctl, const char *s)
{
	const char *p;

	for (p = s; *p >= '0' && *p <= '9'; p++)
		;
	if (p == s || *p != '\0')
		ctl_fail(ctl, EXIT_USAGE, "invalid job id \"%s\": not a "
		    "positive integer", s);
	return ctl_parse_int(ctl, "job id", s, 1, INT64_MAX);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct ctl ctl = { .clock = NULL };
	const struct ctl_cmd *cmd;
	int rc;

	ctl.clock = clock_default();
	opterr = 0;
	if (ctl_getopt(&ctl, argc, argv, "+:h", opts) != -1)
		ctl_usage(&ctl);
	argc -= optind;
	argv += optind;
	if (argc == 0)
		ctl_usage(&ctl);
	/* Hidden: for shell completion (cmd_complete.c). */
	if (strcmp(argv[0], "__complete") == 0) {
		ctl.cmd = "__complete";
		rc = cmd_complete(&ctl, argc, argv);
		store_close(ctl.st);
		free(ctl.db_missing);
		return fflush(stdout) != 0 || ferror(stdout) ? EXIT_IOERR : rc;
	}
	if ((cmd = ctl_cmd_find(argv[0])) == NULL)
		ctl_fail(&ctl, EXIT_USAGE, "unknown command \"%s\" (see "
		    "jobctl --help)", argv[0]);
	ctl.cmd = cmd->name;
	optind = 0;		/* glibc: reinitialise for the command */
	rc = cmd->fn(&ctl, argc, argv);
	store_close(ctl.st);
	free(ctl.db_missing);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ctl_warnx(&ctl, "writing output: %s", strerror(errno));
		return rc != 0 ? rc : EXIT_IOERR;
	}
	return rc;
}
