/*
 * jobctl list and show: jobs, live and dead, as a table or JSON lines.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/clock.h"
#include "jobd/job.h"
#include "jobd/schedule.h"
#include "jobd/store.h"
#include "jobd/timefmt.h"
#include "ctl.h"
#include "jobfmt.h"
#include "out.h"

#define LIST_DEFAULT_LIMIT	100
#define LIST_MAX_LIMIT		1000000
#define LIST_COMMAND_WIDTH	60

/* The time a job's row is about: when it runs, or when it ended. */
static int64_t
job_when(const struct job *jb)
{
	switch (jb->state) {
	case JOB_PENDING:
		return jb->run_at;
	case JOB_DEAD:
		return jb->dead_at;
	case JOB_RUNNING:
		return jb->updated_at;
	default:
		return jb->finished_at ? jb->finished_at : jb->updated_at;
	}
}

struct list_ctx {
	struct ctl		*ctl;
	struct out_table	*table;
	bool			 why;		/* the WHY column */
	int			 error;		/* of store_job_why() */
};

static int
list_one(const struct job *jb, void *arg)
{
	struct list_ctx *lc = arg;
	struct job_why why;
	char buf[TIMEFMT_MAX];

	if (lc->table == NULL)
		return jobfmt_json_line(jb);
	out_table_cellf(lc->table, "%" PRId64, jb->id);
	if (jb->state == JOB_PENDING && jb->waiting > 0)
		out_table_cellf(lc->table, "pending (waiting for %" PRId64 ")",
		    jb->waiting);
	else
		out_table_cell(lc->table, job_state_name(jb->state), 0);
	out_table_cell(lc->table, jb->queue, 0);
	out_table_cellf(lc->table, "%" PRId64, jb->priority);
	jobfmt_attempts(jb, buf, sizeof(buf));
	out_table_cell(lc->table, buf, 0);
	jobfmt_relative(lc->ctl, job_when(jb), buf, sizeof(buf));
	out_table_cell(lc->table, buf, 0);
	if (lc->why) {
		if ((lc->error = jobwhy_get(lc->ctl, jb, &why)) != 0)
			return lc->error;
		jobwhy_short(&why, buf, sizeof(buf));
		job_why_clear(&why);
		out_table_cell(lc->table, buf, 0);
	}
	out_table_cell(lc->table, jb->command, LIST_COMMAND_WIDTH);
	return 0;
}

/* --state STATE[,STATE ...] into a mask of 1 << enum job_state. */
static unsigned
list_states(const struct ctl *ctl, const char *arg)
{
	char name[16];
	const char *p = arg, *end;
	enum job_state s;
	unsigned mask = 0;
	size_t len;

	for (;;) {
		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len >= sizeof(name))
			len = sizeof(name) - 1;	/* too long: refused below */
		memcpy(name, p, len);
		name[len] = '\0';
		if (job_state_parse(name, &s) != 0)
			ctl_fail(ctl, EXIT_USAGE, "invalid --state \"%s\": "
			    "\"%s\" is not a state (use pending, running, "
			    "done, cancelled or dead, separated by commas)",
			    arg, name);
		mask |= 1u << s;
		if (end == NULL)
			break;
		p = end + 1;
	}
	return mask;
}

/*
 * --since TIME: a time (timefmt), or a duration meaning that long ago
 * ("2h"), into UTC ms.
 */
static int64_t
list_since(const struct ctl *ctl, const char *arg)
{
	char err[512];
	int64_t now = clock_wall_ms(ctl->clock), v;

	if (timefmt_parse_duration(arg, &v, NULL, 0) == 0)
		return v < now ? now - v : 1;
	ctl_check_tz_env(ctl, "--since");
	if (timefmt_parse_time(arg, now, &v, err, sizeof(err)) != 0)
		ctl_fail(ctl, EXIT_USAGE, "--since: %s", err);
	return v > 0 ? v : 1;
}

int
cmd_list(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "limit",	required_argument, NULL, 'n' },
		{ "queue",	required_argument, NULL, 'q' },
		{ "schedule",	required_argument, NULL, 'S' },
		{ "since",	required_argument, NULL, 'T' },
		{ "state",	required_argument, NULL, 's' },
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct job_filter f = { -1, NULL, LIST_DEFAULT_LIMIT, 0, 0, 0 };
	struct list_ctx lc = { ctl, NULL, false, 0 };
	struct schedule sc;
	const char *sched = NULL, *since = NULL;
	int c, error;

	while ((c = ctl_getopt(ctl, argc, argv, ":hn:q:s:", opts)) != -1) {
		switch (c) {
		case 'n':
			f.limit = ctl_parse_int(ctl, "--limit", optarg, 1,
			    LIST_MAX_LIMIT);
			break;
		case 'q':
			if (*optarg == '\0')
				ctl_fail(ctl, EXIT_USAGE, "invalid --queue: "
				    "empty name");
			f.queue = optarg;
			break;
		case 's':
			f.states = list_states(ctl, optarg);
			break;
		case 'S':
			if (*optarg == '\0')
				ctl_fail(ctl, EXIT_USAGE, "invalid --schedule: "
				    "empty name");
			sched = optarg;
			break;
		case 'T':
			(void)list_since(ctl, optarg);	/* checked now */
			since = optarg;
			break;
		default:
			ctl_usage(ctl);
		}
	}
	if (optind < argc)
		ctl_fail(ctl, EXIT_USAGE, "unexpected argument \"%s\"",
		    argv[optind]);
	ctl_open(ctl, 0);
	/* On the database's clock, now known (a server's: ctl_open()). */
	if (since != NULL)
		f.since = list_since(ctl, since);
	if (sched != NULL) {
		if ((error = store_schedule_get(ctl->st, sched, &sc)) == -ENOENT)
			ctl_fail(ctl, EXIT_NOINPUT, "--schedule: no such "
			    "schedule \"%s\"", sched);
		if (error != 0)
			ctl_fail(ctl, ctl_exit_code(error), "--schedule %s: %s",
			    sched, store_errmsg(ctl->st));
		f.schedule_id = sc.id;
		schedule_clear(&sc);
	}
	/* Pending jobs only: why each waits. */
	lc.why = f.states == 1u << JOB_PENDING;
	if (!ctl->json && lc.why)
		lc.table = out_table_new(8, "ID", "STATE", "QUEUE", "PRI",
		    "ATTEMPTS", "WHEN", "WHY", "COMMAND");
	else if (!ctl->json)
		lc.table = out_table_new(7, "ID", "STATE", "QUEUE", "PRI",
		    "ATTEMPTS", "WHEN", "COMMAND");
	error = store_job_list(ctl->st, &f, list_one, &lc);
	return ctl_list_done(ctl, lc.table, error);
}

int
cmd_show(struct ctl *ctl, int argc, char **argv)
{
	return jobfmt_show_cmd(ctl, argc, argv, "show ID", false);
}
