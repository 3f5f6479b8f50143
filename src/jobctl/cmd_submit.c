/*
 * jobctl submit: validate a job completely, then hand it to the store in
 * one transaction.  Nothing is written unless every check passed.
 */
#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/clock.h"
#include "jobd/job.h"
#include "jobd/store.h"
#include "jobd/timefmt.h"
#include "ctl.h"
#include "jobopts.h"
#include "out.h"

#define SUBMIT_KEY_MAX		256		/* idempotency key */
#define SUBMIT_WHEN_MAX		(TIMEFMT_MAX + 64)	/* key_when */
/* Two "now"s this far apart resolve a relative --at to two instants. */
#define SUBMIT_AT_PROBE_MS	(400 * 86400 * 1000LL)

struct submit {
	struct job_spec	 spec;		/* the options, shared by a batch */
	struct jobopts	 jo;		/* the job options, parsed */
	bool		 batch;
	bool		 when_given;	/* --at or --in */
	int64_t		 now;		/* what they were read against */
	char		 when[SUBMIT_WHEN_MAX];	/* spec.key_when */
};

/*
 * A key is text that scripts print and compare: 1 to SUBMIT_KEY_MAX
 * bytes of valid UTF-8 without control or invisible characters.
 */
static void
opt_key(const struct ctl *ctl, const char *k)
{
	const char *why;
	size_t at;

	if (*k == '\0' || strlen(k) > SUBMIT_KEY_MAX)
		ctl_fail(ctl, EXIT_USAGE, "invalid key \"%s\": must be 1 to %d "
		    "bytes", k, SUBMIT_KEY_MAX);
	if ((why = out_text_problem(k, strlen(k), &at)) != NULL)
		ctl_fail(ctl, EXIT_USAGE, "invalid key \"%s\": %s at byte %zu",
		    k, why, at + 1);
}

/*
 * How the start time was asked for, which a reused key compares (the
 * instant itself would differ on every retry of --in 10m): "now"; "in MS"
 * for --in; "at MS" for an --at that names one instant whenever it is
 * read; "at TEXT" for an --at relative to the time of reading (+5m,
 * tomorrow ...).
 */
static void
key_when(struct submit *sb, const char *at, const char *in, int64_t now,
    int64_t in_ms)
{
	int64_t later;
	char err[256];

	if (in != NULL)
		snprintf(sb->when, sizeof(sb->when), "in %lld",
		    (long long)in_ms);
	else if (at == NULL)
		snprintf(sb->when, sizeof(sb->when), "now");
	else if (timefmt_parse_time(at, clock_add(now, SUBMIT_AT_PROBE_MS),
	    &later, err, sizeof(err)) == 0 && later == sb->spec.run_at)
		snprintf(sb->when, sizeof(sb->when), "at %lld",
		    (long long)later);
	else
		snprintf(sb->when, sizeof(sb->when), "at %.*s",
		    (int)(sizeof(sb->when) - 4), at);
	sb->spec.key_when = sb->when;
}

/*
 * The job's start time, --at AT or --in IN from now (neither: now), and
 * how a key remembers it; a bad one exits 64.
 */
static void
submit_when(const struct ctl *ctl, struct submit *sb, const char *at,
    const char *in, int64_t now)
{
	struct job_spec *js = &sb->spec;
	int64_t in_ms = 0;
	char err[256];

	sb->now = now;
	js->run_at = now;
	if (at != NULL &&
	    timefmt_parse_time(at, now, &js->run_at, err, sizeof(err)) != 0)
		ctl_fail(ctl, EXIT_USAGE, "--at: %s", err);
	if (in != NULL) {
		in_ms = ctl_parse_duration(ctl, "--in", in);
		js->run_at = clock_add(now, in_ms);	/* checked below */
	}
	if (js->run_at > CLOCK_WALL_MAX_MS)
		ctl_fail(ctl, EXIT_USAGE, "%s \"%s\": too far in the future "
		    "(after 9999-12-31)", at != NULL ? "--at" : "--in",
		    at != NULL ? at : in);
	sb->when_given = at != NULL || in != NULL;
	if (js->key != NULL)
		key_when(sb, at, in, now, in_ms);
}

/*
 * Read one line of stdin into line (JOBOPTS_COMMAND_MAX + 1 bytes at
 * most, so that a line without end cannot exhaust memory), without its
 * newline.  Returns its length, or -1 at the end of the input.  A longer
 * line exits 65 after naming it.
 */
static ssize_t
read_line(const struct ctl *ctl, char *line, size_t lineno)
{
	size_t len = 0;
	int ch;

	while ((ch = getc(stdin)) != EOF && ch != '\n') {
		if (len == JOBOPTS_COMMAND_MAX)
			ctl_fail(ctl, EXIT_DATAERR, "stdin line %zu is too long "
			    "(more than %d bytes); nothing submitted", lineno,
			    JOBOPTS_COMMAND_MAX);
		line[len++] = (char)ch;
	}
	if (ferror(stdin))
		ctl_fail(ctl, EXIT_IOERR, "reading stdin: %s", strerror(errno));
	if (ch == EOF && len == 0)
		return -1;
	line[len] = '\0';
	return (ssize_t)len;
}

/* The commands of --batch, with their stdin lines and dependencies. */
struct batch {
	char		**cmds;
	size_t		 *lines;	/* stdin line of each */
	struct jobdeps	 *deps;		/* of each: --after and its own */
	size_t		  n, cap;
};

/*
 * The options at the start of a --batch line, "--after LIST" and
 * "--after-any LIST" each followed by blanks, into *jd (a copy of the
 * command line's); returns the command after them.
 */
static char *
batch_options(const struct ctl *ctl, char *line, size_t lineno,
    struct jobdeps *jd)
{
	char *p = line, *arg;
	size_t len;
	bool any;

	for (;;) {
		if (strncmp(p, "--after-any", 11) == 0 &&
		    strchr(" \t", p[11]) != NULL)
			any = true;
		else if (strncmp(p, "--after", 7) == 0 &&
		    strchr(" \t", p[7]) != NULL)
			any = false;
		else
			return p;
		p += any ? 11 : 7;
		p += strspn(p, " \t");
		len = strcspn(p, " \t");
		if (p[len] == '\0')
			ctl_fail(ctl, EXIT_USAGE, "stdin line %zu: %s needs a "
			    "list of jobs and then the command; nothing "
			    "submitted", lineno, any ? "--after-any" :
			    "--after");
		if ((arg = strndup(p, len)) == NULL)
			ctl_fail(ctl, EXIT_OSERR, "out of memory");
		jobopts_after(ctl, jd, arg, any, lineno);
		free(arg);
		p += len;
		p += strspn(p, " \t");
	}
}

/*
 * Read stdin, one command per line (blank lines skipped), into *b, each
 * with the dependencies of the command line (jd) and of its own options.
 * Input made for another system is refused rather than guessed at: a
 * byte order mark at the start, or a carriage return before a newline
 * (DOS line ends), would otherwise become part of a command.
 */
static void
read_batch(const struct ctl *ctl, struct batch *b, const struct jobdeps *jd)
{
	struct jobdeps own;
	char *line, *cmd;
	size_t lineno = 0;
	ssize_t len;
	char what[64];

	if ((line = malloc(JOBOPTS_COMMAND_MAX + 1)) == NULL)
		ctl_fail(ctl, EXIT_OSERR, "out of memory");
	while ((len = read_line(ctl, line, lineno + 1)) != -1) {
		lineno++;
		if (lineno == 1 && len >= 3 &&
		    memcmp(line, "\xef\xbb\xbf", 3) == 0)
			ctl_fail(ctl, EXIT_DATAERR, "stdin line 1 starts with a "
			    "UTF-8 byte order mark; remove it; nothing "
			    "submitted");
		if (len > 0 && line[len - 1] == '\r')
			ctl_fail(ctl, EXIT_DATAERR, "stdin line %zu ends with a "
			    "carriage return (convert DOS line ends first); "
			    "nothing submitted", lineno);
		if (strspn(line, " \t") == (size_t)len &&
		    memchr(line, '\0', (size_t)len) == NULL)
			continue;
		memset(&own, 0, sizeof(own));
		if (jd->n > 0) {
			own.cap = own.n = jd->n;
			if ((own.v = malloc(jd->n * sizeof(*own.v))) == NULL)
				ctl_fail(ctl, EXIT_OSERR, "out of memory");
			memcpy(own.v, jd->v, jd->n * sizeof(*own.v));
		}
		cmd = memchr(line, '\0', (size_t)len) == NULL ?
		    batch_options(ctl, line, lineno, &own) : line;
		snprintf(what, sizeof(what), "stdin line %zu", lineno);
		jobopts_check_command(ctl, cmd, (size_t)len -
		    (size_t)(cmd - line), what);
		if (b->n == b->cap) {
			b->cap = b->cap ? b->cap * 2 : 256;
			if ((b->cmds = realloc(b->cmds, b->cap *
			    sizeof(*b->cmds))) == NULL ||
			    (b->lines = realloc(b->lines, b->cap *
			    sizeof(*b->lines))) == NULL ||
			    (b->deps = realloc(b->deps, b->cap *
			    sizeof(*b->deps))) == NULL)
				ctl_fail(ctl, EXIT_OSERR, "out of memory");
		}
		if ((b->cmds[b->n] = strdup(cmd)) == NULL)
			ctl_fail(ctl, EXIT_OSERR, "out of memory");
		b->lines[b->n] = lineno;
		b->deps[b->n++] = own;
	}
	free(line);
}

/*
 * Turn the @LINE references of entry i of *b into the places of the
 * entries of those lines: a reference to a blank line is refused.
 */
static void
batch_refs(const struct ctl *ctl, struct batch *b, size_t i)
{
	struct job_dep *d;
	size_t k, e;

	for (k = 0; k < b->deps[i].n; k++) {
		d = &b->deps[i].v[k];
		if (d->id != 0)
			continue;
		for (e = 0; e < i && b->lines[e] != d->ref; e++)
			;
		if (e == i)
			ctl_fail(ctl, EXIT_USAGE, "stdin line %zu: \"@%zu\" "
			    "names a blank line; nothing submitted",
			    b->lines[i], d->ref);
		d->ref = e;
	}
}

/*
 * Echo when job id runs, relative to "now", the time --at or --in was
 * read against (so that --in 10m says "in 10m").
 */
static void
report_when(const struct ctl *ctl, int64_t id, int64_t run_at, int64_t now)
{
	char abs[TIMEFMT_MAX], rel[TIMEFMT_MAX];

	if (timefmt_format_local(run_at, abs, sizeof(abs)) != 0 ||
	    timefmt_format_relative(run_at, now, rel, sizeof(rel)) != 0)
		return;
	ctl_warnx(ctl, "job %lld will run at %s (%s)", (long long)id, abs, rel);
}

/*
 * Print a submitted job: its id, or with --json an object with its id,
 * whether it existed (its key named it already) and when it runs (an
 * existing job's own time, read back).
 */
static void
print_id(const struct ctl *ctl, int64_t id, bool existed, int64_t run_at)
{
	struct out_json j;
	struct job old;

	if (!ctl->json) {
		printf("%lld\n", (long long)id);
		return;
	}
	if (existed && store_job_get(ctl->st, id, &old) == 0) {
		run_at = old.run_at;
		job_clear(&old);
	}
	out_json_begin(&j, stdout);
	out_json_int(&j, "id", id);
	out_json_bool(&j, "existed", existed);
	out_json_time(&j, "run_at", run_at);
	out_json_end(&j);
}

int
cmd_submit(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "at",		  required_argument, NULL, 'a' },
		{ "batch",	  no_argument,	     NULL, 'B' },
		{ "in",		  required_argument, NULL, 'i' },
		{ "key",	  required_argument, NULL, 'k' },
		{ "key-ttl",	  required_argument, NULL, 'K' },
		JOBOPTS_LONGOPTS,
		JOBOPTS_DEPS_LONGOPTS,
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct submit sb;
	struct job_spec *js = &sb.spec, *specs;
	const char *at = NULL, *in = NULL, *ttl = NULL;
	struct batch b;
	char **cmds = NULL, *one = NULL;
	int64_t *ids;
	bool *existed;
	size_t n, i;
	int c, error;

	memset(&sb, 0, sizeof(sb));
	memset(&b, 0, sizeof(b));
	jobopts_init(&sb.jo);
	js->key_ttl_ms = JOB_DEFAULT;
	while ((c = ctl_getopt(ctl, argc, argv, "+:a:Bhi:k:" JOBOPTS_SHORTOPTS,
	    opts)) != -1) {
		if (jobopts_option(ctl, &sb.jo, c, optarg))
			continue;
		switch (c) {
		case 'a':
			at = optarg;
			break;
		case 'B':
			sb.batch = true;
			break;
		case 'i':
			in = optarg;
			break;
		case 'k':
			opt_key(ctl, optarg);
			js->key = optarg;
			break;
		case 'K':
			ttl = optarg;
			js->key_ttl_ms = ctl_parse_duration(ctl, "--key-ttl",
			    ttl);
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
	if (at != NULL)
		ctl_check_tz_env(ctl, "--at");
	if (ttl != NULL && js->key == NULL)
		ctl_fail(ctl, EXIT_USAGE, "--key-ttl \"%s\" needs --key", ttl);
	submit_when(ctl, &sb, at, in, clock_wall_ms(ctl->clock));
	js->queue = sb.jo.queue;
	js->priority = sb.jo.priority;
	js->max_attempts = sb.jo.max_attempts;
	js->timeout_ms = sb.jo.timeout_ms;
	js->backoff_ms = sb.jo.backoff_ms;
	js->backoff_max_ms = sb.jo.backoff_max_ms;
	js->env = sb.jo.env;
	js->env_len = sb.jo.env_len;
	js->cwd = sb.jo.cwd;
	js->run_as = sb.jo.run_as;
	js->proc = sb.jo.proc;
	memcpy(js->hook, sb.jo.hook, sizeof(js->hook));
	js->mail_to = sb.jo.mail_to;
	js->mail_on = sb.jo.mail_on;

	if (sb.batch) {
		if (argc > 0)
			ctl_fail(ctl, EXIT_USAGE, "--batch reads commands from "
			    "stdin; got an argument \"%s\"", argv[0]);
		if (js->key != NULL)
			ctl_fail(ctl, EXIT_USAGE, "--key cannot be used with "
			    "--batch (one key cannot name many jobs)");
		read_batch(ctl, &b, &sb.jo.after);
		for (i = 0; i < b.n; i++)
			batch_refs(ctl, &b, i);
		cmds = b.cmds;
		n = b.n;
	} else {
		if (argc == 0)
			ctl_fail(ctl, EXIT_USAGE, "no command given "
			    "(usage: jobctl submit [OPTIONS] [--] COMMAND "
			    "[ARG ...])");
		one = jobopts_command(ctl, argc, argv);
		cmds = &one;
		n = 1;
	}
	if (n == 0) {
		jobopts_free(&sb.jo);
		free(cmds);
		free(b.lines);
		free(b.deps);
		return 0;
	}

	ctl_open(ctl, CTL_CREATE);
	/* Again on the database's clock, a server's (ctl_open()). */
	submit_when(ctl, &sb, at, in, clock_wall_ms(ctl->clock));
	specs = calloc(n, sizeof(*specs));
	ids = calloc(n, sizeof(*ids));
	existed = calloc(n, sizeof(*existed));
	if (specs == NULL || ids == NULL || existed == NULL)
		ctl_fail(ctl, EXIT_OSERR, "out of memory");
	for (i = 0; i < n; i++) {
		specs[i] = *js;
		specs[i].command = cmds[i];
		specs[i].deps = sb.batch ? b.deps[i].v : sb.jo.after.v;
		specs[i].ndeps = sb.batch ? b.deps[i].n : sb.jo.after.n;
	}
	if ((error = store_submit(ctl->st, specs, n, ids, existed)) == 0) {
		for (i = 0; i < n; i++)
			print_id(ctl, ids[i], existed[i], js->run_at);
		if (existed[0])
			ctl_warnx(ctl, "job %lld already exists with key "
			    "\"%s\"; nothing submitted", (long long)ids[0],
			    js->key);
		else if (sb.when_given && n == 1)
			report_when(ctl, ids[0], js->run_at, sb.now);
	}

	/* Freed before a failure exits, so that sanitizers see no leak. */
	if (sb.batch) {
		for (i = 0; i < n; i++) {
			free(cmds[i]);
			jobdeps_free(&b.deps[i]);
		}
		free(cmds);
		free(b.lines);
		free(b.deps);
	} else {
		free(one);
	}
	free(specs);
	free(ids);
	free(existed);
	jobopts_free(&sb.jo);
	if (error != 0)
		ctl_fail(ctl, error == -EEXIST || error == -EINVAL ?
		    EXIT_DATAERR : ctl_exit_code(error), "%s%s",
		    store_errmsg(ctl->st), error == -ENOENT ||
		    error == -EINVAL ? "; nothing submitted" : "");
	return 0;
}
