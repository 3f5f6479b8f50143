/*
 * jobctl schedule: recurring jobs.  "schedule add" checks a definition
 * completely (name, cron expression, zone, command, job options) before it
 * opens the database, and stores it in one transaction; "list" and "show"
 * read schedules and their slot ledger; "rm", "enable", "disable" and "run"
 * act on one schedule.  Fire times come from schedule.h (cron.h and tz.h),
 * never from arithmetic here, and are printed in the schedule's own zone
 * with a numeric offset, as "jobctl next" prints them.  The sub-commands
 * are dispatched through sched_subs[] by ctl_dispatch().  The helpers
 * declared in ctl.h are shared with import-crontab; show's lines are
 * printed with jobfmt.h's.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/clock.h"
#include "jobd/cron.h"
#include "jobd/job.h"
#include "jobd/schedule.h"
#include "jobd/store.h"
#include "jobd/timefmt.h"
#include "jobd/tz.h"
#include "ctl.h"
#include "jobfmt.h"
#include "jobopts.h"
#include "out.h"

#define SCHED_OPT_CATCHUP	0x200
#define SCHED_OPT_COUNT		0x201
#define SCHED_OPT_CRON		0x202
#define SCHED_OPT_DISABLED	0x203
#define SCHED_OPT_OVERLAP	0x204
#define SCHED_OPT_TZ		0x205

#define SCHED_COUNT_DEFAULT	5	/* schedule show: next fire times */
#define SCHED_COUNT_MAX		1000
#define SCHED_SLOTS_SHOWN	20	/* schedule show: ledger rows */
#define SCHED_TEXT_WIDTH	40	/* list: command and source columns */
#define SCHED_REASON_WIDTH	60

/*
 * Helpers shared with import-crontab.
 */

void
ctl_sched_time(const char *tzname, int64_t ms, char *buf, size_t len)
{
	struct tz *z;
	struct tz_tm tm;
	int64_t sec = ms / 1000 - (ms % 1000 < 0);
	int32_t off;

	if (schedule_zone(tzname, &z, NULL, 0) != 0) {
		if (timefmt_format_local(ms, buf, len) != 0)
			snprintf(buf, len, "-");
		return;
	}
	tz_localtime(z, sec, &tm);
	tz_free(z);
	off = tm.gmtoff < 0 ? -tm.gmtoff : tm.gmtoff;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
	    tm.year, tm.month, tm.mday, tm.hour, tm.min, tm.sec,
	    tm.gmtoff < 0 ? '-' : '+', (int)(off / 3600),
	    (int)(off % 3600 / 60));
}

bool
ctl_sched_is_reboot(const struct schedule *s)
{
	struct cron_expr e;

	return s->cron != NULL && cron_parse(s->cron, &e, NULL, 0) == 0 &&
	    (e.flags & CRON_REBOOT) != 0;
}

void
ctl_sched_next(const struct ctl *ctl, const struct schedule *s, char *buf,
    size_t len)
{
	char abs[TIMEFMT_MAX], rel[TIMEFMT_MAX];

	if (ctl_sched_is_reboot(s)) {
		snprintf(buf, len, "once per boot");
		return;
	}
	if (!s->enabled || s->next_run_at == 0) {
		snprintf(buf, len, "-");
		return;
	}
	ctl_sched_time(s->tz, s->next_run_at, abs, sizeof(abs));
	jobfmt_relative(ctl, s->next_run_at, rel, sizeof(rel));
	snprintf(buf, len, "%s (%s)", abs, rel);
}

void
ctl_sched_json(struct out_json *j, const struct schedule *s)
{
	out_json_int(j, "id", s->id);
	out_json_str(j, "name", s->name);
	out_json_bool(j, "enabled", s->enabled);
	out_json_str(j, "cron", s->cron);
	out_json_str(j, "tz", s->tz);
	out_json_str(j, "command", s->command);
	out_json_str(j, "queue", s->queue != NULL ? s->queue : "default");
	out_json_int(j, "priority", s->priority);
	out_json_opt(j, "max_attempts", s->max_attempts);
	out_json_opt(j, "timeout_ms", s->timeout_ms);
	out_json_opt(j, "backoff_ms", s->backoff_ms);
	out_json_opt(j, "backoff_max_ms", s->backoff_max_ms);
	jobfmt_json_env(j, s->env, s->env_len);
	out_json_str(j, "cwd", s->cwd);
	out_json_str(j, "user", s->run_as);
	jobfmt_json_proc(j, &s->proc);
	jobfmt_json_hooks(j, s->hook);
	jobfmt_json_mail(j, s->mail_to, s->mail_on);
	out_json_str(j, "overlap", sched_overlap_name(s->overlap));
	out_json_str(j, "catchup", sched_catchup_name(s->catchup));
	out_json_time(j, "next_run_at", s->next_run_at);
	out_json_time(j, "last_run_at", s->last_run_at);
	out_json_str(j, "source", s->source);
	out_json_time(j, "created_at", s->created_at);
	out_json_time(j, "updated_at", s->updated_at);
}

void
ctl_sched_get(struct ctl *ctl, const char *name, struct schedule *s)
{
	int error;

	if ((error = store_schedule_get(ctl->st, name, s)) == -ENOENT)
		ctl_fail(ctl, EXIT_NOINPUT, "no such schedule \"%s\"", name);
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "schedule \"%s\": %s",
		    name, store_errmsg(ctl->st));
}

void
ctl_sched_report(const struct ctl *ctl, const struct schedule *s)
{
	char buf[3 * TIMEFMT_MAX];

	if (ctl_sched_is_reboot(s)) {
		ctl_warnx(ctl, "schedule %s: runs once per boot, when jobd "
		    "first starts%s",
		    s->name, s->enabled ? "" : " (once enabled)");
		return;
	}
	if (!s->enabled) {
		ctl_warnx(ctl, "schedule %s: disabled; \"jobctl schedule "
		    "enable %s\" starts it", s->name, s->name);
		return;
	}
	ctl_sched_next(ctl, s, buf, sizeof(buf));
	ctl_warnx(ctl, "schedule %s: next run at %s", s->name, buf);
}

/* Expect exactly one operand, the schedule's name; return it. */
static const char *
sched_one_name(struct ctl *ctl, int argc, char **argv, const char *sub)
{
	if (argc - optind != 1)
		ctl_fail(ctl, EXIT_USAGE, "expected one schedule name (usage: "
		    "jobctl schedule %s NAME)", sub);
	return argv[optind];
}

/*
 * The start of the sub-commands that take only NAME (rm, enable, disable,
 * run): the common options, the name, the database and the schedule, into
 * *s.  Exits when any of them fails; returns the name.
 */
static const char *
sched_named(struct ctl *ctl, int argc, char **argv, const char *sub,
    struct schedule *s)
{
	static const struct option opts[] = {
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	const char *name;

	while (ctl_getopt(ctl, argc, argv, ":h", opts) != -1)
		ctl_usage(ctl);
	name = sched_one_name(ctl, argc, argv, sub);
	ctl_open(ctl, 0);
	ctl_sched_get(ctl, name, s);
	return name;
}

/*
 * schedule add NAME --cron EXPR [--tz ZONE] [--overlap ...] [--catchup ...]
 *     [job options] [--disabled] [--] COMMAND [ARG ...]
 */
static int
sched_add(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "catchup",	required_argument, NULL, SCHED_OPT_CATCHUP },
		{ "cron",	required_argument, NULL, SCHED_OPT_CRON },
		{ "disabled",	no_argument,	   NULL, SCHED_OPT_DISABLED },
		{ "overlap",	required_argument, NULL, SCHED_OPT_OVERLAP },
		{ "tz",		required_argument, NULL, SCHED_OPT_TZ },
		JOBOPTS_LONGOPTS,
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct jobopts jo;
	struct schedule s;
	struct out_json j;
	const char *name = NULL, *cron = NULL, *tzname = NULL;
	char err[512], *cmd;
	int64_t id;
	bool dashdash = false;
	int c, error, k;

	memset(&s, 0, sizeof(s));
	s.overlap = OVERLAP_SKIP;
	s.catchup = CATCHUP_SKIP;
	s.enabled = true;
	jobopts_init(&jo);
	/* NAME may come before, between or after the options. */
	for (;;) {
		while ((c = ctl_getopt(ctl, argc, argv,
		    "+:h" JOBOPTS_SHORTOPTS, opts)) != -1) {
			if (jobopts_option(ctl, &jo, c, optarg))
				continue;
			switch (c) {
			case SCHED_OPT_CATCHUP:
				if (sched_catchup_parse(optarg,
				    &s.catchup) != 0)
					ctl_fail(ctl, EXIT_USAGE, "invalid "
					    "--catchup \"%s\": use skip, once "
					    "or all", optarg);
				break;
			case SCHED_OPT_CRON:
				cron = optarg;
				break;
			case SCHED_OPT_DISABLED:
				s.enabled = false;
				break;
			case SCHED_OPT_OVERLAP:
				if (sched_overlap_parse(optarg,
				    &s.overlap) != 0)
					ctl_fail(ctl, EXIT_USAGE, "invalid "
					    "--overlap \"%s\": use skip, allow "
					    "or queue", optarg);
				break;
			case SCHED_OPT_TZ:
				if (*optarg == '\0')
					ctl_fail(ctl, EXIT_USAGE, "invalid "
					    "--tz: empty zone name");
				tzname = optarg;
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
		    "jobctl schedule add NAME --cron EXPR [OPTIONS] [--] "
		    "COMMAND [ARG ...])");
	if (cron == NULL)
		ctl_fail(ctl, EXIT_USAGE, "schedule %s: --cron EXPR is "
		    "required", name);
	if (optind >= argc)
		ctl_fail(ctl, EXIT_USAGE, "schedule %s: no command given "
		    "(usage: jobctl schedule add NAME --cron EXPR [OPTIONS] "
		    "[--] COMMAND [ARG ...])", name);
	if (tzname == NULL)
		ctl_check_tz_env(ctl, "the local time zone (use --tz ZONE)");
	cmd = jobopts_command(ctl, argc - optind, argv + optind);

	s.name = (char *)(uintptr_t)name;
	s.cron = (char *)(uintptr_t)cron;
	s.tz = (char *)(uintptr_t)tzname;
	s.command = cmd;
	s.queue = (char *)(uintptr_t)jo.queue;
	s.priority = jo.priority;
	s.max_attempts = jo.max_attempts;
	s.timeout_ms = jo.timeout_ms;
	s.backoff_ms = jo.backoff_ms;
	s.backoff_max_ms = jo.backoff_max_ms;
	s.env = jo.env;
	s.env_len = jo.env_len;
	s.cwd = (char *)(uintptr_t)jo.cwd;
	s.run_as = (char *)(uintptr_t)jo.run_as;
	s.proc = jo.proc;
	for (k = 0; k < JOB_NHOOKS; k++)
		s.hook[k] = (char *)(uintptr_t)jo.hook[k];
	s.mail_to = (char *)(uintptr_t)jo.mail_to;
	s.mail_on = jo.mail_on;
	s.source = (char *)(uintptr_t)"cli";
	if (schedule_check(&s, clock_wall_ms(ctl->clock), err,
	    sizeof(err)) != 0)
		ctl_fail(ctl, EXIT_DATAERR, "%s", err);

	ctl_open(ctl, CTL_CREATE);
	/* Its next run again, from the database's time (a server's). */
	if (schedule_check(&s, clock_wall_ms(ctl->clock), err,
	    sizeof(err)) != 0)
		ctl_fail(ctl, EXIT_DATAERR, "%s", err);
	if ((error = store_schedule_put(ctl->st, &s, false, &id)) != 0) {
		free(cmd);	/* before exiting, for leak checkers */
		jobopts_free(&jo);
		ctl_fail(ctl, error == -EEXIST ? EXIT_DATAERR :
		    ctl_exit_code(error), "%s", store_errmsg(ctl->st));
	}
	if (ctl->json) {
		out_json_begin(&j, stdout);
		out_json_int(&j, "id", id);
		out_json_str(&j, "name", s.name);
		out_json_bool(&j, "enabled", s.enabled);
		out_json_time(&j, "next_run_at", s.next_run_at);
		out_json_end(&j);
	}
	ctl_sched_report(ctl, &s);
	free(cmd);
	jobopts_free(&jo);
	return 0;
}

struct sched_list_ctx {
	struct ctl		*ctl;
	struct out_table	*table;		/* NULL: JSON lines */
};

/* How the newest finished job ended: "done", "dead (exit 1)", ... */
static void
sched_outcome(const struct sched_last *l, char *buf, size_t len)
{
	if (l->has_exit_code && l->exit_code != 0)
		snprintf(buf, len, "%s (exit %" PRId64 ")",
		    job_state_name(l->state), l->exit_code);
	else
		snprintf(buf, len, "%s", job_state_name(l->state));
}

/* The last-run keys of schedule s's JSON object from *l. */
static void
sched_last_json(struct out_json *j, const struct sched_last *l)
{
	if (l->job_id == 0) {
		out_json_null(j, "last_job_id");
		out_json_null(j, "last_state");
	} else {
		out_json_int(j, "last_job_id", l->job_id);
		out_json_str(j, "last_state", job_state_name(l->state));
	}
	out_json_time(j, "last_finished_at", l->at);
	if (l->job_id != 0 && l->has_exit_code)
		out_json_int(j, "last_exit_code", l->exit_code);
	else
		out_json_null(j, "last_exit_code");
	if (l->ok_job_id != 0)
		out_json_int(j, "last_ok_job_id", l->ok_job_id);
	else
		out_json_null(j, "last_ok_job_id");
	out_json_time(j, "last_ok_at", l->ok_at);
}

static int
sched_list_one(const struct schedule *s, void *arg)
{
	struct sched_list_ctx *lc = arg;
	struct sched_last l;
	struct out_json j;
	char buf[3 * TIMEFMT_MAX], what[TIMEFMT_MAX];
	int error;

	if ((error = store_schedule_last(lc->ctl->st, s->id, &l)) != 0)
		return error;
	if (lc->table == NULL) {
		out_json_begin(&j, stdout);
		ctl_sched_json(&j, s);
		sched_last_json(&j, &l);
		out_json_end(&j);
		return ferror(stdout) ? -EIO : 0;
	}
	out_table_cell(lc->table, s->name, 0);
	out_table_cell(lc->table, s->enabled ? "yes" : "no", 0);
	out_table_cell(lc->table, s->cron, 0);
	out_table_cell(lc->table, s->tz != NULL ? s->tz : "system", 0);
	ctl_sched_next(lc->ctl, s, buf, sizeof(buf));
	out_table_cell(lc->table, buf, 0);
	if (l.job_id != 0) {
		jobfmt_relative(lc->ctl, l.at, what, sizeof(what));
		snprintf(buf, sizeof(buf), "%s ", what);
		sched_outcome(&l, what, sizeof(what));
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s",
		    what);
		out_table_cell(lc->table, buf, 0);
	} else
		out_table_cell(lc->table, "-", 0);
	jobfmt_relative(lc->ctl, l.ok_at, buf, sizeof(buf));
	out_table_cell(lc->table, l.ok_job_id != 0 ? buf : "-", 0);
	out_table_cell(lc->table, s->source, SCHED_TEXT_WIDTH);
	out_table_cell(lc->table, s->command, SCHED_TEXT_WIDTH);
	return 0;
}

/* schedule list */
static int
sched_list(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct sched_list_ctx lc = { ctl, NULL };
	int c, error;

	while ((c = ctl_getopt(ctl, argc, argv, ":h", opts)) != -1)
		ctl_usage(ctl);
	if (optind < argc)
		ctl_fail(ctl, EXIT_USAGE, "unexpected argument \"%s\"",
		    argv[optind]);
	ctl_open(ctl, 0);
	if (!ctl->json)
		lc.table = out_table_new(9, "NAME", "ENABLED", "CRON", "TZ",
		    "NEXT", "LAST", "LAST OK", "SOURCE", "COMMAND");
	error = store_schedule_list(ctl->st, sched_list_one, &lc);
	return ctl_list_done(ctl, lc.table, error);
}

/*
 * A show line for time ms with the relative time: in zone tzname, or with
 * !in_zone in local time ("-" when it cannot be written).
 */
static void
show_time(const struct ctl *ctl, const char *name, int64_t ms,
    const char *tzname, bool in_zone)
{
	char abs[TIMEFMT_MAX] = "-";

	if (ms != 0 && in_zone)
		ctl_sched_time(tzname, ms, abs, sizeof(abs));
	else if (ms != 0 && timefmt_format_local(ms, abs, sizeof(abs)) != 0)
		snprintf(abs, sizeof(abs), "-");
	jobfmt_line_time(ctl, name, ms, abs);
}

/*
 * The next fire times of s after now into runs[0..count-1]; returns how
 * many (fewer when the schedule stops firing or is @reboot).  A failure
 * is reported on stderr.
 */
static size_t
sched_next_runs(const struct ctl *ctl, const struct schedule *s,
    int64_t now, int64_t *runs, size_t count)
{
	char err[512];
	int64_t t = now;
	size_t n;

	if (ctl_sched_is_reboot(s))
		return 0;
	for (n = 0; n < count; n++) {
		if (schedule_next(s, t, &runs[n], err, sizeof(err)) != 0) {
			if (n == 0)
				ctl_warnx(ctl, "schedule %s: %s", s->name,
				    err);
			break;
		}
		t = runs[n];
	}
	return n;
}

struct slots_ctx {
	const struct schedule	*s;
	struct out_table	*table;		/* NULL: JSON */
	struct out_json		*j;
};

static int
show_slot(const struct slot_info *si, void *arg)
{
	struct slots_ctx *sc = arg;
	char buf[TIMEFMT_MAX];

	if (sc->table == NULL) {
		out_json_object(sc->j, NULL);
		out_json_time(sc->j, "slot_at", si->slot_at);
		out_json_str(sc->j, "outcome", si->outcome);
		if (si->job_id != 0)
			out_json_int(sc->j, "job_id", si->job_id);
		else
			out_json_null(sc->j, "job_id");
		out_json_str(sc->j, "job_state", si->job_state);
		out_json_str(sc->j, "reason", si->reason);
		out_json_close(sc->j, '}');
		return 0;
	}
	ctl_sched_time(sc->s->tz, si->slot_at, buf, sizeof(buf));
	out_table_cell(sc->table, buf, 0);
	out_table_cell(sc->table, si->outcome, 0);
	if (si->job_id != 0)
		out_table_cellf(sc->table, "%" PRId64, si->job_id);
	else
		out_table_cell(sc->table, "-", 0);
	out_table_cell(sc->table, si->job_state, 0);
	out_table_cell(sc->table, si->reason, SCHED_REASON_WIDTH);
	return 0;
}

/* Print s for people; returns the store's error reading the ledger. */
static int
show_human(struct ctl *ctl, const struct schedule *s, const int64_t *runs,
    size_t nruns)
{
	struct slots_ctx sc = { s, NULL, NULL };
	struct sched_last l;
	struct tz *z;
	char buf[512], rel[TIMEFMT_MAX];
	const char *e;
	int64_t now = clock_wall_ms(ctl->clock);
	size_t i;
	int error;

	jobfmt_line("name:", s->name);
	snprintf(buf, sizeof(buf), "%" PRId64, s->id);
	jobfmt_line("id:", buf);
	jobfmt_line("enabled:", s->enabled ? "yes" : "no");
	jobfmt_line("cron:", s->cron);
	if (s->tz != NULL) {
		jobfmt_line("time zone:", s->tz);
	} else {
		snprintf(buf, sizeof(buf), "system");
		if (schedule_zone(NULL, &z, NULL, 0) == 0) {
			snprintf(buf, sizeof(buf), "system (%s)", tz_name(z));
			tz_free(z);
		}
		jobfmt_line("time zone:", buf);
	}
	jobfmt_line("command:", s->command);
	jobfmt_line("queue:", s->queue);
	snprintf(buf, sizeof(buf), "%" PRId64, s->priority);
	jobfmt_line("priority:", buf);
	if (s->max_attempts == JOB_DEFAULT)
		snprintf(buf, sizeof(buf), "%" PRId64 " (default)",
		    jobfmt_defaults()->max_attempts);
	else
		snprintf(buf, sizeof(buf), "%" PRId64, s->max_attempts);
	jobfmt_line("max attempts:", buf);
	jobfmt_line_ms("timeout:", s->timeout_ms,
	    jobfmt_defaults()->timeout_ms, "none");
	jobfmt_line_ms("backoff:", s->backoff_ms,
	    jobfmt_defaults()->backoff_ms, NULL);
	jobfmt_line_ms("backoff max:", s->backoff_max_ms,
	    jobfmt_defaults()->backoff_max_ms, NULL);
	for (e = s->env; e != NULL && e < s->env + s->env_len;
	    e += strlen(e) + 1)
		jobfmt_line("env:", e);
	jobfmt_line("cwd:", s->cwd);
	jobfmt_line("user:", s->run_as);
	jobfmt_lines_proc(&s->proc);
	jobfmt_lines_hooks(s->hook);
	jobfmt_lines_mail(s->mail_to, s->mail_on);
	jobfmt_line("overlap:", sched_overlap_name(s->overlap));
	jobfmt_line("catchup:", sched_catchup_name(s->catchup));
	if (ctl_sched_is_reboot(s))
		jobfmt_line("next run:", "once per boot, when jobd first "
		    "starts");
	else if (!s->enabled)
		jobfmt_line("next run:", "- (disabled)");
	else
		show_time(ctl, "next run:", s->next_run_at, s->tz, true);
	show_time(ctl, "last run:", s->last_run_at, s->tz, true);
	if ((error = store_schedule_last(ctl->st, s->id, &l)) != 0)
		return error;
	if (l.job_id != 0) {
		sched_outcome(&l, rel, sizeof(rel));
		snprintf(buf, sizeof(buf), "job %" PRId64 ", %s", l.job_id,
		    rel);
		jobfmt_line("last result:", buf);
		show_time(ctl, "last ended:", l.at, s->tz, true);
	}
	if (l.ok_job_id != 0)
		show_time(ctl, "last success:", l.ok_at, s->tz, true);
	jobfmt_line("source:", s->source);
	show_time(ctl, "created:", s->created_at, NULL, false);
	show_time(ctl, "updated:", s->updated_at, NULL, false);

	if (nruns > 0) {
		struct out_table *t = out_table_new(2, "NEXT RUNS", "IN");

		for (i = 0; i < nruns; i++) {
			ctl_sched_time(s->tz, runs[i], buf, sizeof(buf));
			out_table_cell(t, buf, 0);
			if (timefmt_format_relative(runs[i], now, rel,
			    sizeof(rel)) != 0)
				snprintf(rel, sizeof(rel), "-");
			out_table_cell(t, rel, 0);
		}
		printf("\n");
		out_table_print(t, stdout);
	}
	sc.table = out_table_new(5, "SLOT", "OUTCOME", "JOB", "STATE",
	    "REASON");
	error = store_schedule_slots(ctl->st, s->id, SCHED_SLOTS_SHOWN,
	    show_slot, &sc);
	printf("\n");
	out_table_print(sc.table, stdout);
	return error;
}

/* schedule show [--count N] NAME */
static int
sched_show(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count",	required_argument, NULL, SCHED_OPT_COUNT },
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct slots_ctx sc;
	struct schedule s;
	struct out_json j;
	const char *name;
	int64_t count = SCHED_COUNT_DEFAULT, *runs;
	size_t nruns, i;
	int c, error;

	while ((c = ctl_getopt(ctl, argc, argv, ":h", opts)) != -1) {
		switch (c) {
		case SCHED_OPT_COUNT:
			count = ctl_parse_int(ctl, "--count", optarg, 0,
			    SCHED_COUNT_MAX);
			break;
		default:
			ctl_usage(ctl);
		}
	}
	name = sched_one_name(ctl, argc, argv, "show [--count N]");
	ctl_open(ctl, 0);
	ctl_sched_get(ctl, name, &s);
	if ((runs = calloc((size_t)count + 1, sizeof(*runs))) == NULL)
		ctl_fail(ctl, EXIT_OSERR, "out of memory");
	nruns = sched_next_runs(ctl, &s, clock_wall_ms(ctl->clock), runs,
	    (size_t)count);
	if (!ctl->json) {
		error = show_human(ctl, &s, runs, nruns);
	} else {
		struct sched_last l;

		if ((error = store_schedule_last(ctl->st, s.id, &l)) != 0)
			ctl_fail(ctl, ctl_exit_code(error), "%s",
			    store_errmsg(ctl->st));
		out_json_begin(&j, stdout);
		ctl_sched_json(&j, &s);
		sched_last_json(&j, &l);
		out_json_array(&j, "next_runs");
		for (i = 0; i < nruns; i++) {
			char buf[TIMEFMT_MAX];

			if (timefmt_format_utc(runs[i], buf, sizeof(buf)) == 0)
				out_json_str(&j, NULL, buf);
		}
		out_json_close(&j, ']');
		out_json_array(&j, "recent_slots");
		sc.s = &s;
		sc.table = NULL;
		sc.j = &j;
		error = store_schedule_slots(ctl->st, s.id, SCHED_SLOTS_SHOWN,
		    show_slot, &sc);
		out_json_close(&j, ']');
		out_json_end(&j);
	}
	free(runs);
	schedule_clear(&s);
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    store_errmsg(ctl->st));
	return 0;
}

/* schedule rm NAME */
static int
sched_rm(struct ctl *ctl, int argc, char **argv)
{
	struct schedule s;
	struct out_json j;
	const char *name;
	int error;

	name = sched_named(ctl, argc, argv, "rm", &s);
	if (strncmp(s.source, "file:", 5) == 0)
		ctl_fail(ctl, 1, "schedule %s comes from the schedule file %s: "
		    "remove it there and reload jobd; nothing removed", name,
		    s.source + 5);
	schedule_clear(&s);
	if ((error = store_schedule_delete(ctl->st, name)) == -ENOENT)
		ctl_fail(ctl, EXIT_NOINPUT, "no such schedule \"%s\"", name);
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "schedule %s: %s", name,
		    store_errmsg(ctl->st));
	if (ctl->json) {
		out_json_begin(&j, stdout);
		out_json_str(&j, "name", name);
		out_json_bool(&j, "removed", true);
		out_json_end(&j);
	} else {
		printf("%s removed\n", name);
	}
	return 0;
}

/* schedule enable NAME, schedule disable NAME */
static int
sched_enable_disable(struct ctl *ctl, int argc, char **argv, bool enable)
{
	struct schedule s;
	struct out_json j;
	const char *name;
	char err[512];
	int64_t next = 0;
	bool already;
	int error;

	name = sched_named(ctl, argc, argv, enable ? "enable" : "disable", &s);
	already = s.enabled == enable;
	/* From now: a long-disabled schedule does not catch up. */
	if (enable && !already && schedule_next(&s, clock_wall_ms(ctl->clock),
	    &next, err, sizeof(err)) != 0)
		ctl_fail(ctl, EXIT_DATAERR, "schedule %s: %s; not enabled",
		    name, err);
	if (!already) {
		error = store_schedule_enable(ctl->st, name, enable, next);
		if (error == -ENOENT)
			ctl_fail(ctl, EXIT_NOINPUT, "no such schedule \"%s\"",
			    name);
		if (error != 0)
			ctl_fail(ctl, ctl_exit_code(error), "schedule %s: %s",
			    name, store_errmsg(ctl->st));
		s.enabled = enable;
		if (enable)
			s.next_run_at = next;
	}
	if (ctl->json) {
		out_json_begin(&j, stdout);
		out_json_str(&j, "name", name);
		out_json_bool(&j, "enabled", enable);
		out_json_bool(&j, "changed", !already);
		if (enable)
			out_json_time(&j, "next_run_at", s.next_run_at);
		out_json_end(&j);
	} else {
		printf("%s %s%s\n", name, already ? "already " : "",
		    enable ? "enabled" : "disabled");
	}
	if (enable)
		ctl_sched_report(ctl, &s);
	schedule_clear(&s);
	return 0;
}

static int
sched_enable(struct ctl *ctl, int argc, char **argv)
{
	return sched_enable_disable(ctl, argc, argv, true);
}

static int
sched_disable(struct ctl *ctl, int argc, char **argv)
{
	return sched_enable_disable(ctl, argc, argv, false);
}

/* schedule run NAME: one job now, outside the slots and the ledger. */
static int
sched_run(struct ctl *ctl, int argc, char **argv)
{
	struct slot sl;
	struct schedule s;
	struct out_json j;
	const char *name;
	int error;

	name = sched_named(ctl, argc, argv, "run", &s);
	memset(&sl, 0, sizeof(sl));
	error = store_schedule_fire(ctl->st, &s, &sl, 1, 0,
	    clock_wall_ms(ctl->clock));
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "schedule %s: %s; nothing "
		    "run", name, store_errmsg(ctl->st));
	if (ctl->json) {
		out_json_begin(&j, stdout);
		out_json_int(&j, "id", sl.job_id);
		out_json_str(&j, "schedule", name);
		out_json_end(&j);
	} else {
		printf("%" PRId64 "\n", sl.job_id);
	}
	schedule_clear(&s);
	return 0;
}

static const struct ctl_sub sched_subs[] = {
	{ "add",	sched_add },
	{ "disable",	sched_disable },
	{ "edit",	ctl_sched_set },
	{ "enable",	sched_enable },
	{ "list",	sched_list },
	{ "rm",		sched_rm },
	{ "run",	sched_run },
	{ "set",	ctl_sched_set },
	{ "show",	sched_show },
};

int
cmd_schedule(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, argc, argv, sched_subs,
	    sizeof(sched_subs) / sizeof(sched_subs[0]),
	    "add, set, list, show, rm, enable, disable or run");
}
