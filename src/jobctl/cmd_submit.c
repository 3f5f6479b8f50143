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

#include "jobd/job.h"
#include "jobd/store.h"
#include "jobd/timefmt.h"
#include "ctl.h"
#include "jobopts.h"

#define SUBMIT_KEY_MAX		256		/* idempotency key */
#define SUBMIT_RUN_AT_MAX	253402300799999LL	/* 9999-12-31 UTC */

struct submit {
	struct job_spec	 spec;		/* the options, shared by a batch */
	struct jobopts	 jo;		/* the job options, parsed */
	bool		 batch;
	bool		 when_given;	/* --at or --in */
};

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
		jobopts_check_command(ctl, line, (size_t)len, what);
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
		{ "batch",	  no_argument,	     NULL, 'B' },
		{ "in",		  required_argument, NULL, 'i' },
		{ "key",	  required_argument, NULL, 'k' },
		JOBOPTS_LONGOPTS,
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
	jobopts_init(&sb.jo);
	js->run_at = now;
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
		int64_t d;

		if (timefmt_parse_duration(in, &d, err, sizeof(err)) != 0)
			ctl_fail(ctl, EXIT_USAGE, "--in: %s", err);
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
		one = jobopts_command(ctl, argc, argv);
		cmds = &one;
		n = 1;
	}
	if (n == 0) {
		jobopts_free(&sb.jo);
		free(cmds);
		return 0;
	}

	ctl_open(ctl, CTL_CREATE);
	specs = calloc(n, sizeof(*specs));
	ids = calloc(n, sizeof(*ids));
	existed = calloc(n, sizeof(*existed));
	if (specs == NULL || ids == NULL || existed == NULL)
		ctl_fail(ctl, EXIT_OSERR, "out of memory");
	for (i = 0; i < n; i++) {
		specs[i] = *js;
		specs[i].command = cmds[i];
	}
	if ((error = store_submit(ctl->st, specs, n, ids, existed)) == 0) {
		for (i = 0; i < n; i++)
			printf("%lld\n", (long long)ids[i]);
		if (existed[0])
			ctl_warnx(ctl, "job %lld already exists with key "
			    "\"%s\"; nothing submitted", (long long)ids[0],
			    js->key);
		else if (sb.when_given && n == 1)
			report_when(ctl, ids[0], js->run_at);
	}

	/* Freed before a failure exits, so that sanitizers see no leak. */
	if (sb.batch) {
		for (i = 0; i < n; i++)
			free(cmds[i]);
		free(cmds);
	} else {
		free(one);
	}
	free(specs);
	free(ids);
	free(existed);
	jobopts_free(&sb.jo);
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
	return 0;
}
