/*
 * jobwhy: why a pending job has not started, as show's "waiting:" line,
 * show --json's "why" object and list's WHY column.  The reason itself
 * comes from store_job_why(), which applies the claim's own rules.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "jobd/clock.h"
#include "jobd/store.h"
#include "jobd/timefmt.h"
#include "ctl.h"
#include "jobfmt.h"
#include "out.h"

/* The stable names of the reasons, for --json. */
static const char *const why_keys[] = {
	[WHY_NONE] = "none",
	[WHY_DEPS] = "dependencies",
	[WHY_AFTER] = "previous_run",
	[WHY_PAUSED] = "paused",
	[WHY_LATER] = "due_later",
	[WHY_BACKOFF] = "backoff",
	[WHY_CONCURRENCY] = "concurrency",
	[WHY_RATE] = "rate",
	[WHY_USER_QUEUE] = "user_limit",
	[WHY_USER_GLOBAL] = "user_limit_global",
	[WHY_NO_DAEMON] = "no_daemon",
	[WHY_NEXT] = "next"
};

/* "jobs 4, 5 and 6", "job 4" into buf. */
static void
why_idlist(const struct job_why *w, char *buf, size_t len)
{
	size_t i, used;

	snprintf(buf, len, "job%s", w->nids == 1 ? "" : "s");
	for (i = 0; i < w->nids; i++) {
		used = strlen(buf);
		snprintf(buf + used, len - used, "%s%" PRId64,
		    i == 0 ? " " : i + 1 == w->nids ? " and " : ", ",
		    w->ids[i]);
	}
}

/* "2026-12-07 06:50:01 (in 3s)" into buf. */
static void
why_time(const struct ctl *ctl, int64_t ms, char *buf, size_t len)
{
	char loc[TIMEFMT_MAX], rel[TIMEFMT_MAX];

	if (timefmt_format_local(ms, loc, sizeof(loc)) != 0)
		snprintf(loc, sizeof(loc), "?");
	jobfmt_relative(ctl, ms, rel, sizeof(rel));
	snprintf(buf, len, "%s (%s)", loc, rel);
}

void
jobwhy_text(const struct ctl *ctl, const struct job *jb,
    const struct job_why *w, char *buf, size_t len)
{
	char t[3 * TIMEFMT_MAX], ids[256];
	const char *user = jb->run_as != NULL ? jb->run_as : "(jobd's)";

	switch (w->reason) {
	case WHY_DEPS:
		why_idlist(w, ids, sizeof(ids));
		snprintf(buf, len, "for %s to finish (dependencies)", ids);
		break;
	case WHY_AFTER:
		snprintf(buf, len, "for job %" PRId64 " to end (overlap = "
		    "queue)", w->n);
		break;
	case WHY_PAUSED:
		snprintf(buf, len, "queue %s is paused", jb->queue);
		break;
	case WHY_LATER:
		why_time(ctl, w->until, t, sizeof(t));
		snprintf(buf, len, "due later, at %s", t);
		break;
	case WHY_BACKOFF:
		why_time(ctl, w->until, t, sizeof(t));
		snprintf(buf, len, "backing off after attempt %" PRId64
		    ", until %s", w->n, t);
		break;
	case WHY_CONCURRENCY:
		why_idlist(w, ids, sizeof(ids));
		snprintf(buf, len, "queue %s at its concurrency limit (%"
		    PRId64 " running: %s)", jb->queue, w->n, ids);
		break;
	case WHY_RATE:
		why_time(ctl, w->until, t, sizeof(t));
		snprintf(buf, len, "queue %s rate limited, next token at %s",
		    jb->queue, t);
		break;
	case WHY_USER_QUEUE:
		snprintf(buf, len, "user %s at the limit of queue %s "
		    "(max_running_per_user = %" PRId64 ")", user, jb->queue,
		    w->n);
		break;
	case WHY_USER_GLOBAL:
		snprintf(buf, len, "user %s at the global limit "
		    "(max_running_per_user = %" PRId64 ")", user, w->n);
		break;
	case WHY_NO_DAEMON:
		snprintf(buf, len, "no daemon registered");
		break;
	case WHY_NEXT:
		snprintf(buf, len, "due: next to start");
		break;
	default:
		snprintf(buf, len, "-");
		break;
	}
}

void
jobwhy_short(const struct job_why *w, char *buf, size_t len)
{
	switch (w->reason) {
	case WHY_DEPS:
		if (w->nids == 1)
			snprintf(buf, len, "job %" PRId64, w->ids[0]);
		else
			snprintf(buf, len, "%zu jobs", w->nids);
		break;
	case WHY_AFTER:
		snprintf(buf, len, "job %" PRId64, w->n);
		break;
	case WHY_PAUSED:
		snprintf(buf, len, "paused");
		break;
	case WHY_LATER:
		snprintf(buf, len, "later");
		break;
	case WHY_BACKOFF:
		snprintf(buf, len, "backoff");
		break;
	case WHY_CONCURRENCY:
		snprintf(buf, len, "full");
		break;
	case WHY_RATE:
		snprintf(buf, len, "rate");
		break;
	case WHY_USER_QUEUE:
	case WHY_USER_GLOBAL:
		snprintf(buf, len, "user");
		break;
	case WHY_NO_DAEMON:
		snprintf(buf, len, "no jobd");
		break;
	case WHY_NEXT:
		snprintf(buf, len, "next");
		break;
	default:
		snprintf(buf, len, "-");
		break;
	}
}

void
jobwhy_json(struct out_json *j, const struct ctl *ctl, const struct job *jb,
    const struct job_why *w)
{
	char text[512];
	size_t i;

	if (w->reason == WHY_NONE) {
		out_json_null(j, "why");
		return;
	}
	out_json_object(j, "why");
	out_json_str(j, "reason", why_keys[w->reason]);
	out_json_time(j, "until", w->until);
	out_json_array(j, "jobs");
	for (i = 0; i < w->nids; i++)
		out_json_int(j, NULL, w->ids[i]);
	if (w->reason == WHY_AFTER)
		out_json_int(j, NULL, w->n);
	out_json_close(j, ']');
	if (w->reason == WHY_BACKOFF)
		out_json_int(j, "attempt", w->n);
	else
		out_json_null(j, "attempt");
	if (w->reason == WHY_CONCURRENCY || w->reason == WHY_RATE ||
	    w->reason == WHY_USER_QUEUE || w->reason == WHY_USER_GLOBAL)
		out_json_int(j, "limit", w->n);
	else
		out_json_null(j, "limit");
	jobwhy_text(ctl, jb, w, text, sizeof(text));
	out_json_str(j, "text", text);
	out_json_close(j, '}');
}

int
jobwhy_get(struct ctl *ctl, const struct job *jb, struct job_why *w)
{
	memset(w, 0, sizeof(*w));
	if (jb->state != JOB_PENDING)
		return 0;
	return store_job_why(ctl->st, jb->id, clock_wall_ms(ctl->clock), w);
}
