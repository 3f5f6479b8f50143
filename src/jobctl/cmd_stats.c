/*
 * jobctl stats: per queue and per schedule, over a window (--since, 24h by
 * default): the attempts that ended in it (runs), how many failed, the
 * failure rate, the 50th and 95th percentile of their durations
 * (nearest-rank, stats.h), the last success (at any time) and the dead
 * jobs now.  The window reaches back only as far as the database still
 * keeps attempts.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/clock.h"
#include "jobd/stats.h"
#include "jobd/store.h"
#include "jobd/timefmt.h"
#include "ctl.h"
#include "jobfmt.h"
#include "out.h"

#define STATS_DEFAULT_SINCE	"24h"

struct stats_ctx {
	struct ctl		*ctl;
	struct out_table	*queues;	/* human output */
	struct out_table	*scheds;
	struct out_json		 j;		/* --json */
	int			 arrays;	/* JSON arrays opened: 0, 1
						   ("queues"), 2 (and then
						   "schedules") */
};

/* Open the JSON array for rows of kind: "queues", then "schedules". */
static void
stats_array(struct stats_ctx *sc, int upto)
{
	while (sc->arrays < upto) {
		if (sc->arrays == 1)
			out_json_close(&sc->j, ']');
		out_json_array(&sc->j, sc->arrays == 0 ? "queues" :
		    "schedules");
		sc->arrays++;
	}
}

static void
stats_duration(int64_t ms, char *buf, size_t len)
{
	if (ms < 0 || timefmt_format_duration(ms, buf, len) != 0)
		snprintf(buf, len, "-");
}

static void
stats_cells(struct stats_ctx *sc, struct out_table *t,
    const struct stats_row *r)
{
	char buf[TIMEFMT_MAX];
	int64_t pm;

	out_table_cell(t, r->name, 0);
	out_table_cellf(t, "%" PRId64, r->runs);
	out_table_cellf(t, "%" PRId64, r->failures);
	if ((pm = stats_rate_permille(r->failures, r->runs)) < 0)
		out_table_cell(t, "-", 0);
	else
		out_table_cellf(t, "%" PRId64 ".%" PRId64 "%%", pm / 10,
		    pm % 10);
	stats_duration(r->p50_ms, buf, sizeof(buf));
	out_table_cell(t, buf, 0);
	stats_duration(r->p95_ms, buf, sizeof(buf));
	out_table_cell(t, buf, 0);
	jobfmt_relative(sc->ctl, r->last_ok, buf, sizeof(buf));
	out_table_cell(t, buf, 0);
	out_table_cellf(t, "%" PRId64, r->dead);
}

static void
stats_json(struct stats_ctx *sc, const struct stats_row *r)
{
	struct out_json *j = &sc->j;
	int64_t pm;

	stats_array(sc, r->kind == STATS_QUEUE ? 1 : 2);
	out_json_object(j, NULL);
	out_json_str(j, r->kind == STATS_QUEUE ? "queue" : "schedule",
	    r->name);
	out_json_int(j, "runs", r->runs);
	out_json_int(j, "failures", r->failures);
	if ((pm = stats_rate_permille(r->failures, r->runs)) < 0)
		out_json_null(j, "failure_rate");
	else
		out_json_milli(j, "failure_rate", pm);
	if (r->p50_ms < 0) {
		out_json_null(j, "p50_ms");
		out_json_null(j, "p95_ms");
	} else {
		out_json_int(j, "p50_ms", r->p50_ms);
		out_json_int(j, "p95_ms", r->p95_ms);
	}
	out_json_time(j, "last_success_at", r->last_ok);
	out_json_int(j, "dead", r->dead);
	out_json_close(j, '}');
}

static int
stats_one(const struct stats_row *r, void *arg)
{
	struct stats_ctx *sc = arg;

	if (sc->ctl->json) {
		stats_json(sc, r);
		return 0;
	}
	if (r->kind == STATS_QUEUE) {
		stats_cells(sc, sc->queues, r);
		return 0;
	}
	if (sc->scheds == NULL)
		sc->scheds = out_table_new(8, "SCHEDULE", "RUNS", "FAILED",
		    "FAIL%", "P50", "P95", "LAST-SUCCESS", "DEAD");
	stats_cells(sc, sc->scheds, r);
	return 0;
}

int
cmd_stats(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "queue",	required_argument, NULL, 'q' },
		{ "schedule",	required_argument, NULL, 'S' },
		{ "since",	required_argument, NULL, 'T' },
		CTL_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct stats_filter f = { 0, 0, NULL, NULL };
	struct stats_ctx sc;
	const char *since = STATS_DEFAULT_SINCE;
	int64_t now, window;
	int c, error;

	while ((c = ctl_getopt(ctl, argc, argv, ":hq:", opts)) != -1) {
		switch (c) {
		case 'q':
			if (*optarg == '\0')
				ctl_fail(ctl, EXIT_USAGE, "invalid --queue: "
				    "empty name");
			f.queue = optarg;
			break;
		case 'S':
			if (*optarg == '\0')
				ctl_fail(ctl, EXIT_USAGE, "invalid --schedule: "
				    "empty name");
			f.schedule = optarg;
			break;
		case 'T':
			since = optarg;
			break;
		default:
			ctl_usage(ctl);
		}
	}
	if (optind < argc)
		ctl_fail(ctl, EXIT_USAGE, "unexpected argument \"%s\"",
		    argv[optind]);
	window = ctl_parse_duration(ctl, "--since", since);
	if (window <= 0)
		ctl_fail(ctl, EXIT_USAGE, "invalid --since \"%s\": the window "
		    "must be longer than 0", since);
	ctl_open(ctl, 0);
	now = clock_wall_ms(ctl->clock);	/* a server's, if any */
	f.until = now;
	f.since = window < now ? now - window : 0;
	memset(&sc, 0, sizeof(sc));
	sc.ctl = ctl;
	if (ctl->json) {
		out_json_begin(&sc.j, stdout);
		out_json_time(&sc.j, "since", f.since > 0 ? f.since : 1);
		out_json_time(&sc.j, "until", f.until);
	} else if (f.schedule == NULL) {
		sc.queues = out_table_new(8, "QUEUE", "RUNS", "FAILED",
		    "FAIL%", "P50", "P95", "LAST-SUCCESS", "DEAD");
	}
	error = store_stats(ctl->st, &f, stats_one, &sc);
	if (error == -ENOENT && f.schedule != NULL)
		ctl_fail(ctl, EXIT_NOINPUT, "--schedule: no such schedule "
		    "\"%s\"", f.schedule);
	if (error != 0)
		ctl_fail(ctl, ctl_exit_code(error), "%s",
		    error == -ENOMEM ? "out of memory" :
		    store_errmsg(ctl->st));
	if (ctl->json) {
		/* Both arrays, empty ones too: the keys are stable. */
		stats_array(&sc, 2);
		out_json_close(&sc.j, ']');
		out_json_end(&sc.j);
		return 0;
	}
	if (sc.queues != NULL)
		out_table_print(sc.queues, stdout);
	if (sc.scheds != NULL) {
		if (sc.queues != NULL)
			printf("\n");
		out_table_print(sc.scheds, stdout);
	}
	return 0;
}
