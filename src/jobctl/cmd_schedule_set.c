/*
 * jobctl schedule set (and its alias edit): change a schedule made by
 * "schedule add" in place.  Only what is given changes; --unset returns
 * an option to its default.  The id, whether it is enabled, its slot
 * ledger and its jobs stay, and its next run moves only when the cron
 * expression or the zone changed.  A schedule from a schedule file or a
 * crontab is refused: its source would undo the change.  The new
 * definition is checked by schedule_check() like an added one, and the
 * store writes it in one transaction (store_schedule_set()).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/clock.h"
#include "jobd/job.h"
#include "jobd/procopt.h"
#include "jobd/schedule.h"
#include "jobd/store.h"
#include "ctl.h"
#include "jobopts.h"
#include "out.h"

#define SET_OPT_CATCHUP		0x200
#define SET_OPT_CRON		0x201
#define SET_OPT_OVERLAP		0x202
#define SET_OPT_TZ		0x203
#define SET_OPT_UNSET		0x204
#define SET_OPT_MAX		0x400	/* above every option's code */

/*
 * What "schedule set --unset NAME" returns to its default, by the option
 * that sets it.
 */
static const struct {
	const char	*name;
	int		 opt;		/* the option's code */
} sched_unsets[] = {
	{ "tz",		  SET_OPT_TZ },
	{ "queue",	  'q' },
	{ "priority",	  'p' },
	{ "max-attempts", 'm' },
	{ "timeout",	  't' },
	{ "backoff",	  'b' },
	{ "env",	  'e' },
	{ "cwd",	  'C' },
	{ "user",	  'u' },
	{ "umask",	  JOBOPTS_PROC + PROCOPT_UMASK },
	{ "limit-nofile", JOBOPTS_PROC + PROCOPT_NOFILE },
	{ "limit-nproc",  JOBOPTS_PROC + PROCOPT_NPROC },
	{ "limit-as",	  JOBOPTS_PROC + PROCOPT_AS },
	{ "limit-cpu",	  JOBOPTS_PROC + PROCOPT_CPU },
	{ "on-dead",	  JOBOPTS_HOOK + JOB_HOOK_DEAD },
	{ "on-failure",	  JOBOPTS_HOOK + JOB_HOOK_FAILURE },
	{ "on-success",	  JOBOPTS_HOOK + JOB_HOOK_SUCCESS },
	{ "mail-to",	  JOBOPTS_MAIL_TO },
	{ "mail-on",	  JOBOPTS_MAIL_ON },
};
#define SCHED_NUNSETS	(sizeof(sched_unsets) / sizeof(sched_unsets[0]))

/* The option code --unset NAME names, or exit 64. */
static int
sched_unset_opt(const struct ctl *ctl, const char *name)
{
	size_t i;

	for (i = 0; i < SCHED_NUNSETS; i++)
		if (strcmp(sched_unsets[i].name, name) == 0)
			return sched_unsets[i].opt;
	ctl_fail(ctl, EXIT_USAGE, "invalid --unset \"%s\": use tz, queue, "
	    "priority, max-attempts, timeout, backoff, env, cwd, user, umask, "
	    "limit-*, mail-to, mail-on or on-*", name);
}

static bool
sched_str_eq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * Put the job options that were given (seen[c]: option c was given,
 * unset[c]: it was --unset) from jo into n.
 */
static void
sched_set_jobopts(struct schedule *n, const struct jobopts *jo,
    const bool *seen, const bool *unset)
{
	int k;

#define SET(c) (seen[(c)] || unset[(c)])
	if (SET('q'))
		n->queue = (char *)(uintptr_t)jo->queue;
	if (SET('p'))
		n->priority = jo->priority;
	if (SET('m'))
		n->max_attempts = jo->max_attempts;
	if (SET('t'))
		n->timeout_ms = jo->timeout_ms;
	if (SET('b')) {
		n->backoff_ms = jo->backoff_ms;
		n->backoff_max_ms = jo->backoff_max_ms;
	}
	if (SET('e')) {
		n->env = jo->env;
		n->env_len = jo->env_len;
	}
	if (SET('C'))
		n->cwd = (char *)(uintptr_t)jo->cwd;
	if (SET('u'))
		n->run_as = (char *)(uintptr_t)jo->run_as;
	for (k = 0; k < PROCOPT_N; k++)
		if (SET(JOBOPTS_PROC + k))
			*procopt_field(&n->proc, (enum procopt)k) =
			    *procopt_field((struct job_proc *)(uintptr_t)
			    &jo->proc, (enum procopt)k);
	for (k = 0; k < JOB_NHOOKS; k++)
		if (SET(JOBOPTS_HOOK + k))
			n->hook[k] = (char *)(uintptr_t)jo->hook[k];
	if (SET(JOBOPTS_MAIL_TO))
		n->mail_to = (char *)(uintptr_t)jo->mail_to;
	if (SET(JOBOPTS_MAIL_ON))
		n->mail_on = jo->mail_on;
#undef SET
}

/*
 * schedule set NAME [--cron EXPR] [--tz ZONE] [--overlap ...]
 *     [--catchup ...] [job options] [--unset OPTION ...] [[--] COMMAND
 *     [ARG ...]]: change a CLI-made schedule in place.  Its id, enabled
 * state, ledger and jobs stay; its next run moves only when the cron
 * expression or the zone changed.
 */
int
ctl_sched_set(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "catchup",	required_argument, NULL, SET_OPT_CATCHUP },
		{ "cron",	required_argument, NULL, SET_OPT_CRON },
		{ "overlap",	required_argument, NULL, SET_OPT_OVERLAP },
		{ "tz",		required_argument, NULL, SET_OPT_TZ },
		{ "unset",	required_argument, NULL, SET_OPT_UNSET },
		JOBOPTS_LONGOPTS,
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	static bool seen[SET_OPT_MAX], unset[SET_OPT_MAX];
	struct jobopts jo;
	struct schedule s, n;
	struct out_json j;
	enum sched_overlap overlap = OVERLAP_SKIP;
	enum sched_catchup catchup = CATCHUP_SKIP;
	const char *name = NULL, *cron = NULL, *tzname = NULL;
	char err[512], *cmd = NULL;
	bool dashdash = false, changed = false, new_next;
	int c, error;

	jobopts_init(&jo);
	for (;;) {
		while ((c = ctl_getopt(ctl, argc, argv,
		    "+:h" JOBOPTS_SHORTOPTS, opts)) != -1) {
			if (c >= 0 && c < SET_OPT_MAX)
				seen[c] = true;
			changed = true;
			if (jobopts_option(ctl, &jo, c, optarg))
				continue;
			switch (c) {
			case SET_OPT_CATCHUP:
				if (sched_catchup_parse(optarg,
				    &catchup) != 0)
					ctl_fail(ctl, EXIT_USAGE, "invalid "
					    "--catchup \"%s\": use skip, once "
					    "or all", optarg);
				break;
			case SET_OPT_CRON:
				cron = optarg;
				break;
			case SET_OPT_OVERLAP:
				if (sched_overlap_parse(optarg,
				    &overlap) != 0)
					ctl_fail(ctl, EXIT_USAGE, "invalid "
					    "--overlap \"%s\": use skip, allow "
					    "or queue", optarg);
				break;
			case SET_OPT_TZ:
				if (*optarg == '\0')
					ctl_fail(ctl, EXIT_USAGE, "invalid "
					    "--tz: empty zone name (--unset tz "
					    "is the local zone)");
				tzname = optarg;
				break;
			case SET_OPT_UNSET:
				unset[sched_unset_opt(ctl, optarg)] = true;
				break;
			default:
				ctl_usage(ctl);
			}
		}
		if (name != NULL || optind >= argc)
			break;
		dashdash = strcmp(argv[optind - 1], "--") == 0;
		name = argv[optind++];
		if (dashdash)
			break;
	}
	if (name == NULL)
		ctl_fail(ctl, EXIT_USAGE, "no schedule name given (usage: "
		    "jobctl schedule set NAME [OPTIONS] [[--] COMMAND "
		    "[ARG ...]])");
	for (c = 0; c < SET_OPT_MAX; c++)
		if (seen[c] && unset[c] && c != SET_OPT_UNSET)
			ctl_fail(ctl, EXIT_USAGE, "schedule %s: an option "
			    "cannot be both given and --unset", name);
	if (optind < argc)
		cmd = jobopts_command(ctl, argc - optind, argv + optind);
	else if (!changed)
		ctl_fail(ctl, EXIT_USAGE, "schedule %s: nothing to change "
		    "(give the options to change, or a new command)", name);
	if (tzname == NULL && unset[SET_OPT_TZ])
		ctl_check_tz_env(ctl, "the local time zone (use --tz ZONE)");

	ctl_open(ctl, 0);
	ctl_sched_get(ctl, name, &s);
	if (strcmp(s.source, "cli") != 0)
		ctl_fail(ctl, 1, "schedule %s comes from %s %s: edit it there "
		    "(%s), or jobd's next sync of it would undo the change; "
		    "nothing changed", name, strncmp(s.source, "file:", 5) ==
		    0 ? "the schedule file" : "the crontab",
		    strchr(s.source, ':') + 1,
		    strncmp(s.source, "file:", 5) == 0 ? "then reload jobd" :
		    "then run import-crontab again");
	n = (struct schedule){ .id = s.id, .name = s.name, .cron = s.cron,
	    .tz = s.tz, .command = s.command, .queue = s.queue,
	    .priority = s.priority, .max_attempts = s.max_attempts,
	    .timeout_ms = s.timeout_ms, .backoff_ms = s.backoff_ms,
	    .backoff_max_ms = s.backoff_max_ms, .env = s.env,
	    .env_len = s.env_len, .cwd = s.cwd, .run_as = s.run_as,
	    .proc = s.proc, .mail_to = s.mail_to, .mail_on = s.mail_on,
	    .hook = { s.hook[0], s.hook[1], s.hook[2] },
	    .overlap = seen[SET_OPT_OVERLAP] ? overlap : s.overlap,
	    .catchup = seen[SET_OPT_CATCHUP] ? catchup : s.catchup,
	    .enabled = s.enabled, .next_run_at = s.next_run_at,
	    .last_run_at = s.last_run_at, .source = s.source };
	if (cron != NULL)
		n.cron = (char *)(uintptr_t)cron;
	if (tzname != NULL || unset[SET_OPT_TZ])
		n.tz = (char *)(uintptr_t)tzname;
	if (cmd != NULL)
		n.command = cmd;
	sched_set_jobopts(&n, &jo, seen, unset);
	new_next = !sched_str_eq(n.cron, s.cron) || !sched_str_eq(n.tz, s.tz);
	if (schedule_check(&n, clock_wall_ms(ctl->clock), err,
	    sizeof(err)) != 0)
		ctl_fail(ctl, EXIT_DATAERR, "%s; nothing changed", err);
	if (!new_next)
		n.next_run_at = s.next_run_at;
	if ((error = store_schedule_set(ctl->st, &n, new_next)) != 0)
		ctl_fail(ctl, error == -ENOENT ? EXIT_NOINPUT : error ==
		    -EPERM ? 1 : ctl_exit_code(error), "schedule %s: %s; "
		    "nothing changed", name, store_errmsg(ctl->st));
	if (ctl->json) {
		out_json_begin(&j, stdout);
		out_json_int(&j, "id", n.id);
		out_json_str(&j, "name", n.name);
		out_json_bool(&j, "enabled", n.enabled);
		out_json_time(&j, "next_run_at", n.next_run_at);
		out_json_end(&j);
	} else {
		printf("%s updated\n", name);
	}
	ctl_sched_report(ctl, &n);
	schedule_clear(&s);
	free(cmd);
	jobopts_free(&jo);
	return 0;
}
