/*
 * cronfire: firing jobd's cron schedules.  For a due schedule: the slots
 * from its next_run_at up to now, the catch-up policy for the ones missed,
 * the overlap policy for what runs, all recorded in one transaction with
 * the schedule's next fire time; @reboot schedules once at start.  Runs on
 * the loop thread that owns the store.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/config.h"
#include "jobd/cron.h"
#include "jobd/cronfire.h"
#include "jobd/log.h"
#include "jobd/schedule.h"
#include "jobd/store.h"
#include "jobd/timefmt.h"
#include "jobd/tz.h"

#define CRON_GRACE_MS		60000	/* a slot this late is still on time */
#define CRON_ENUM_MAX		10000000 /* missed slots counted, at most */
#define CRON_DUE_BATCH		64	/* schedules fired per turn */
#define CRON_RETRY_MS		60000	/* a schedule that cannot fire */
#define TZ_CACHE		32	/* zones kept loaded */

struct cronfire {
	struct store		*st;
	const struct jd_config	*cfg;
	cronfire_error_fn	 error;
	void			*arg;
	int64_t			 started_at;	/* UTC ms; @reboot slots */
	struct {
		char		*name;		/* "" for the local zone */
		struct tz	*tz;
	}			 zones[TZ_CACHE];
	int			 nzones;
};

static void
cf_store_error(struct cronfire *cf, const char *what, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, what);
	(void)vsnprintf(buf, sizeof(buf), what, ap);
	va_end(ap);
	cf->error(cf->arg, buf);
}

struct cronfire *
cronfire_new(struct store *st, const struct jd_config *cfg,
    cronfire_error_fn error, void *arg, int64_t started_at)
{
	struct cronfire *cf;

	if ((cf = calloc(1, sizeof(*cf))) == NULL)
		return NULL;
	cf->st = st;
	cf->cfg = cfg;
	cf->error = error;
	cf->arg = arg;
	cf->started_at = started_at;
	return cf;
}

/* Zone "name" (NULL: the local one), loaded once and kept. */
static int
cf_zone(struct cronfire *s, const char *name, struct tz **out, char *err,
    size_t errlen)
{
	const char *key = name != NULL ? name : "";
	struct tz *z;
	int i, error;

	for (i = 0; i < s->nzones; i++)
		if (strcmp(s->zones[i].name, key) == 0) {
			*out = s->zones[i].tz;
			return 0;
		}
	if ((error = tz_load(name, &z, err, errlen)) != 0)
		return error;
	if (s->nzones == TZ_CACHE) {		/* full: drop the oldest */
		free(s->zones[0].name);
		tz_free(s->zones[0].tz);
		memmove(&s->zones[0], &s->zones[1],
		    sizeof(s->zones[0]) * (TZ_CACHE - 1));
		s->nzones--;
	}
	if ((s->zones[s->nzones].name = strdup(key)) == NULL) {
		tz_free(z);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->zones[s->nzones++].tz = z;
	*out = z;
	return 0;
}

void
cronfire_free(struct cronfire *cf)
{
	int i;

	if (cf == NULL)
		return;
	for (i = 0; i < cf->nzones; i++) {
		free(cf->zones[i].name);
		tz_free(cf->zones[i].tz);
	}
	free(cf);
}

/*
 * The overlap policy, over the slots to run, in order.  With a job of the
 * schedule still pending or running (active), "skip" skips them, "allow"
 * runs them, "queue" makes them wait for it.  Several slots due in one
 * turn (catching up) run one after the other, except with "allow".
 */
static void
cf_overlap(const struct schedule *sc, struct slot *slots, size_t n,
    int64_t active, char (*why)[160])
{
	bool first = true;
	size_t i;

	for (i = 0; i < n; i++) {
		if (slots[i].skip)
			continue;
		if (active != 0 && sc->overlap == OVERLAP_SKIP) {
			slots[i].skip = true;
			snprintf(why[i], sizeof(why[i]), "job %" PRId64 " of "
			    "the schedule was still pending or running "
			    "(overlap = skip)", active);
			slots[i].reason = why[i];
			continue;
		}
		if (sc->overlap != OVERLAP_ALLOW) {
			if (!first)
				slots[i].after_id = -1;
			else if (sc->overlap == OVERLAP_QUEUE)
				slots[i].after_id = active;
		}
		first = false;
	}
}

/*
 * Fire one due schedule: the slots from its next_run_at up to now, split
 * into on time (within CRON_GRACE_MS) and missed (jobd was down or
 * behind), the catch-up policy applied to the missed ones and the overlap
 * policy to what runs; then record them and move on to the next fire time
 * after now, in one transaction.
 */
static int
cf_fire(struct cronfire *s, struct schedule *sc, int64_t now)
{
	struct cron_expr e;
	struct tz *z;
	struct slot *slots = NULL;
	char (*why)[160] = NULL, err[256], when[TIMEFMT_MAX];
	int64_t *ring = NULL, t, next, total = 0, active = 0, kept, i;
	size_t n = 0, cap = (size_t)s->cfg->max_catchup + 1, k;
	int error, rc = 0;

	if ((error = cron_parse(sc->cron, &e, err, sizeof(err))) != 0 ||
	    (error = cf_zone(s, sc->tz, &z, err, sizeof(err))) != 0) {
		log_warnx("schedule %s: %s; trying again in a minute",
		    sc->name, err);
		goto retry;
	}
	ring = calloc(cap, sizeof(*ring));
	slots = calloc(cap + 1, sizeof(*slots));
	why = calloc(cap + 1, sizeof(*why));
	if (ring == NULL || slots == NULL || why == NULL) {
		log_warnx("schedule %s: out of memory", sc->name);
		goto retry;
	}
	/* Every slot in [next_run_at, now]; keep the latest cap of them. */
	for (t = sc->next_run_at; t <= now && total < CRON_ENUM_MAX; total++) {
		ring[total % (int64_t)cap] = t;
		if (cron_next(&e, z, t, &t) != 0) {
			t = INT64_MAX;
			break;
		}
	}
	if (t <= now && cron_next(&e, z, now, &t) != 0)
		t = INT64_MAX;		/* counted enough; go on from now */
	next = t;
	kept = total < (int64_t)cap ? total : (int64_t)cap;
	for (i = total - kept; i < total; i++) {
		struct slot *sl = &slots[n];

		sl->slot_at = ring[i % (int64_t)cap];
		if (sl->slot_at >= now - CRON_GRACE_MS) {
			n++;			/* on time */
			continue;
		}
		/* Missed: the catch-up policy decides. */
		switch (sc->catchup) {
		case CATCHUP_ALL:
			if (i == total - kept && total >= (int64_t)cap) {
				/* The oldest kept one stands for the rest. */
				sl->skip = true;
				snprintf(why[n], sizeof(why[n]), "missed while "
				    "jobd was not running; %" PRId64 " older "
				    "slots beyond max_catchup were not run",
				    total - kept);
			} else {
				snprintf(why[n], sizeof(why[n]), "missed while "
				    "jobd was not running; run late "
				    "(catchup = all)");
			}
			break;
		case CATCHUP_ONCE:
			sl->skip = i + 1 < total && ring[(i + 1) %
			    (int64_t)cap] < now - CRON_GRACE_MS;
			snprintf(why[n], sizeof(why[n]), sl->skip ?
			    "missed while jobd was not running (catchup = "
			    "once runs only the latest)" : "missed while jobd "
			    "was not running; run late (catchup = once)");
			break;
		default:
			sl->skip = true;
			snprintf(why[n], sizeof(why[n]), "missed while jobd was "
			    "not running (catchup = skip)");
			break;
		}
		sl->reason = why[n];
		n++;
	}
	if (total > kept)
		log_info("schedule %s: %" PRId64 " missed slots beyond "
		    "max_catchup (%d) not recorded", sc->name, total - kept,
		    s->cfg->max_catchup);
	if (store_schedule_active(s->st, sc->id, &active) != 0) {
		cf_store_error(s, "schedule %s", sc->name);
		goto retry;
	}
	cf_overlap(sc, slots, n, active, why);
	if (next == INT64_MAX) {
		log_warnx("schedule %s: \"%s\" fires no more; disable or "
		    "remove it", sc->name, sc->cron);
		next = now + 365LL * 24 * 3600 * 1000;
	}
	if (store_schedule_fire(s->st, sc, slots, n, next, now) != 0) {
		cf_store_error(s, "schedule %s: recording slots",
		    sc->name);
		rc = -1;		/* next_run_at unchanged: retry */
		goto out;
	}
	for (k = 0; k < n; k++) {
		if (timefmt_format_utc(slots[k].slot_at, when,
		    sizeof(when)) != 0)
			snprintf(when, sizeof(when), "?");
		if (slots[k].job_id != 0)
			log_info("schedule %s: slot %s: job %" PRId64 "%s%s",
			    sc->name, when, slots[k].job_id,
			    slots[k].reason != NULL ? "; " : "",
			    slots[k].reason != NULL ? slots[k].reason : "");
		else if (slots[k].skip)
			log_info("schedule %s: slot %s skipped: %s", sc->name,
			    when, slots[k].reason);
	}
	goto out;
retry:
	if (store_schedule_fire(s->st, sc, NULL, 0, now + CRON_RETRY_MS,
	    now) != 0) {
		cf_store_error(s, "schedule %s", sc->name);
		rc = -1;
	}
out:
	free(ring);
	free(slots);
	free(why);
	return rc;
}

struct due {
	char	(*names)[SCHEDULE_NAME_MAX + 1];
	size_t	 n;
};

static int
due_one(const struct schedule *sc, void *arg)
{
	struct due *d = arg;

	snprintf(d->names[d->n++], sizeof(d->names[0]), "%s", sc->name);
	return 0;
}

/*
 * Cron: fire the schedules that are due (reboot: the @reboot ones, once,
 * at start).  Up to CRON_DUE_BATCH per turn; the rest in the next turn.
 */
int
cronfire_due(struct cronfire *s, int64_t now, bool reboot)
{
	struct due d = { NULL, 0 };
	struct schedule sc;
	struct slot sl;
	int64_t active;
	char why[1][160];
	size_t i;
	int rc = 0;

	if ((d.names = calloc(CRON_DUE_BATCH, sizeof(*d.names))) == NULL)
		return -1;
	if (store_schedule_due(s->st, now, CRON_DUE_BATCH, reboot, due_one,
	    &d) != 0 && d.n == 0) {
		cf_store_error(s, "reading due schedules");
		rc = -1;
	}
	for (i = 0; i < d.n && i < CRON_DUE_BATCH; i++) {
		if (store_schedule_get(s->st, d.names[i], &sc) != 0)
			continue;
		if (!reboot) {
			if (cf_fire(s, &sc, now) != 0)
				rc = -1;
		} else if (store_schedule_active(s->st, sc.id, &active) == 0) {
			/* One slot per start, even on a clock gone back. */
			memset(&sl, 0, sizeof(sl));
			sl.slot_at = s->started_at > sc.last_run_at ?
			    s->started_at : sc.last_run_at + 1;
			cf_overlap(&sc, &sl, 1, active, why);
			if (store_schedule_fire(s->st, &sc, &sl, 1, 0,
			    now) != 0)
				cf_store_error(s, "schedule %s: @reboot",
				    sc.name);
			else if (sl.job_id != 0)
				log_info("schedule %s: @reboot: job %" PRId64,
				    sc.name, sl.job_id);
			else
				log_info("schedule %s: @reboot skipped: %s",
				    sc.name, sl.reason != NULL ? sl.reason :
				    "already run");
		}
		schedule_clear(&sc);
	}
	free(d.names);
	return rc;
}
