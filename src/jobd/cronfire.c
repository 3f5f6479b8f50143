/*
 * cronfire: firing jobd's cron schedules.  For a due schedule: the slots
 * from its next_run_at up to now, the catch-up policy for the ones missed,
 * the overlap policy for what runs, all recorded in one transaction with
 * the schedule's next fire time; @reboot schedules once per boot.  Runs on
 * the loop thread that owns the store.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobd/clock.h"
#include "jobd/config.h"
#include "jobd/cron.h"
#include "jobd/cronfire.h"
#include "jobd/log.h"
#include "jobd/schedule.h"
#include "jobd/store.h"
#include "jobd/timefmt.h"
#include "jobd/tz.h"

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
	char			 boot_id[64];
	struct {
		char		*name;
		struct tz	*tz;
	}			 zones[TZ_CACHE];	/* named zones */
	struct tz		*system;	/* the last system zone read */
	int			 nzones;
	bool			 ticked;	/* wall and mono are set */
	int64_t			 wall, mono;	/* the last turn's clocks */
	struct cronfire_gap	 gap;		/* the last stall or step */
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
    cronfire_error_fn error, void *arg, int64_t started_at,
    const char *boot_id)
{
	struct cronfire *cf;

	if ((cf = calloc(1, sizeof(*cf))) == NULL)
		return NULL;
	cf->st = st;
	cf->cfg = cfg;
	cf->error = error;
	cf->arg = arg;
	cf->started_at = started_at;
	snprintf(cf->boot_id, sizeof(cf->boot_id), "%s", boot_id);
	return cf;
}

/*
 * Zone "name", loaded once and kept; NULL, the system zone, read again
 * each time, so that a change of /etc/localtime applies from the next
 * firing on.  *out stays valid until the next call.
 */
static int
cf_zone(struct cronfire *s, const char *name, struct tz **out, char *err,
    size_t errlen)
{
	const char *key = name;
	struct tz *z;
	int i, error;

	if (name == NULL || *name == '\0') {
		if ((error = schedule_zone(NULL, &z, err, errlen)) != 0)
			return error;
		tz_free(s->system);
		*out = s->system = z;
		return 0;
	}
	for (i = 0; i < s->nzones; i++)
		if (strcmp(s->zones[i].name, key) == 0) {
			*out = s->zones[i].tz;
			return 0;
		}
	if ((error = schedule_zone(name, &z, err, errlen)) != 0)
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
	tz_free(cf->system);
	free(cf);
}

enum cronfire_gap_kind
cronfire_gap(int64_t wall0, int64_t mono0, int64_t wall1, int64_t mono1,
    struct cronfire_gap *g)
{
	int64_t dw = clock_add(wall1, -wall0), dm = clock_add(mono1, -mono0);

	g->from = wall0;
	g->to = wall1;
	if (clock_add(dw, -dm) >= CRONFIRE_STEP_MIN_MS) {
		g->kind = CRONFIRE_GAP_FORWARD;
		g->ms = clock_add(dw, -dm);
	} else if (clock_add(dm, -dw) >= CRONFIRE_STEP_MIN_MS) {
		g->kind = CRONFIRE_GAP_BACK;
		g->ms = clock_add(dm, -dw);
	} else if (dw > CRONFIRE_GRACE_MS) {
		g->kind = CRONFIRE_GAP_STALL;
		g->ms = dw;
	} else {
		g->kind = CRONFIRE_GAP_NONE;
		g->ms = 0;
	}
	return g->kind;
}

void
cronfire_overlap(const struct schedule *sc, struct slot *slots, size_t n,
    int64_t active, char (*why)[CRONFIRE_WHY_MAX])
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

/* A stall's or a step's length for people: to the second. */
static void
gap_duration(int64_t ms, char *buf, size_t len)
{
	if (ms >= 1000)
		ms = clock_add(ms, 500) / 1000 * 1000;
	if (timefmt_format_duration(ms, buf, len) != 0)
		snprintf(buf, len, "%" PRId64 " ms", ms);
}

/* How a slot came to be fired when it was. */
enum slot_class {
	SLOT_ON_TIME,
	SLOT_LATE,		/* run late, once */
	SLOT_MISSED,		/* the catch-up policy decides */
};

/* Slot at in times t: its class, and the cause for its reason. */
static enum slot_class
slot_class(int64_t at, const struct cronfire_time *t, char *cause,
    size_t len)
{
	const struct cronfire_gap *g = &t->gap;
	char d[TIMEFMT_MAX];
	bool big;

	if (at >= t->now - CRONFIRE_GRACE_MS)
		return SLOT_ON_TIME;
	if (at < t->up_since) {
		snprintf(cause, len, "missed while jobd was not running");
		return SLOT_MISSED;
	}
	if ((g->kind != CRONFIRE_GAP_STALL && g->kind != CRONFIRE_GAP_FORWARD)
	    || at <= g->from || at > g->to) {
		snprintf(cause, len, "late: jobd was behind");
		return SLOT_LATE;
	}
	gap_duration(g->ms, d, sizeof(d));
	big = g->ms >= CRONFIRE_JUMP_MAX_MS;
	if (g->kind == CRONFIRE_GAP_STALL)
		snprintf(cause, len, "%s jobd was stalled for %s%s",
		    big ? "missed while" : "late:", d, big ? " (3 hours or "
		    "more: as if jobd was down)" : "");
	else
		snprintf(cause, len, "%s the clock jumped forward by %s%s",
		    big ? "missed:" : "late:", d, big ? " (3 hours or more: "
		    "a correction, as if jobd was down)" : "");
	return big ? SLOT_MISSED : SLOT_LATE;
}

void
cronfire_plan_free(struct cronfire_plan *p)
{
	free(p->slots);
	free(p->why);
	memset(p, 0, sizeof(*p));
}

int
cronfire_plan(const struct cron_expr *e, const struct tz *z,
    const struct schedule *sc, const struct cronfire_time *t,
    int max_catchup, int64_t active, struct cronfire_plan *p)
{
	char cause[160], next_cause[160];
	int64_t *ring, tm, total = 0, kept, i, now = t->now;
	size_t cap = (size_t)(max_catchup > 0 ? max_catchup : 0) + 1, n = 0;
	enum slot_class cl;

	memset(p, 0, sizeof(*p));
	p->next = sc->next_run_at;
	if (sc->next_run_at > now)
		return 0;		/* not due: a clock gone back */
	ring = calloc(cap, sizeof(*ring));
	p->slots = calloc(cap + 1, sizeof(*p->slots));
	p->why = calloc(cap + 1, sizeof(*p->why));
	if (ring == NULL || p->slots == NULL || p->why == NULL) {
		free(ring);
		cronfire_plan_free(p);
		return -ENOMEM;
	}
	/* Every slot in [next_run_at, now]; keep the latest cap of them. */
	for (tm = sc->next_run_at; tm <= now && total < CRON_ENUM_MAX;
	    total++) {
		ring[total % (int64_t)cap] = tm;
		if (cron_next(e, z, tm, &tm) != 0) {
			tm = INT64_MAX;
			break;
		}
	}
	if (tm <= now && cron_next(e, z, now, &tm) != 0)
		tm = INT64_MAX;		/* counted enough; go on from now */
	p->next = tm;
	kept = total < (int64_t)cap ? total : (int64_t)cap;
	p->dropped = total - kept;
	for (i = total - kept; i < total; i++) {
		struct slot *sl = &p->slots[n];
		char *why = p->why[n];
		size_t len = sizeof(p->why[n]);

		sl->slot_at = ring[i % (int64_t)cap];
		if ((cl = slot_class(sl->slot_at, t, cause, sizeof(cause))) ==
		    SLOT_ON_TIME) {
			n++;
			continue;
		}
		if (i == total - kept && total >= (int64_t)cap &&
		    (cl == SLOT_LATE || sc->catchup == CATCHUP_ALL)) {
			/* The oldest kept one stands for the rest. */
			sl->skip = true;
			snprintf(why, len, "%s; %" PRId64 " older slots beyond "
			    "max_catchup were not run", cause, total - kept);
		} else if (cl == SLOT_LATE) {
			snprintf(why, len, "%s", cause);
		} else if (sc->catchup == CATCHUP_ALL) {
			snprintf(why, len, "%s; run late (catchup = all)",
			    cause);
		} else if (sc->catchup == CATCHUP_ONCE) {
			/* Only the latest of the missed ones runs. */
			sl->skip = i + 1 < total &&
			    slot_class(ring[(i + 1) % (int64_t)cap], t,
			    next_cause, sizeof(next_cause)) == SLOT_MISSED;
			snprintf(why, len, sl->skip ? "%s (catchup = once runs "
			    "only the latest)" : "%s; run late (catchup = "
			    "once)", cause);
		} else {
			sl->skip = true;
			snprintf(why, len, "%s (catchup = skip)", cause);
		}
		/* Not run: it, and the older ones it stands for, missed. */
		if (sl->skip)
			sl->missed = 1 + (i == total - kept ? total - kept : 0);
		sl->reason = why;
		n++;
	}
	free(ring);
	p->n = n;
	cronfire_overlap(sc, p->slots, p->n, active, p->why);
	return 0;
}

/*
 * Fire one due schedule: plan it, then record the slots and move on to
 * the next fire time after now, in one transaction.
 */
static int
cf_fire(struct cronfire *s, struct schedule *sc, int64_t now)
{
	struct cronfire_time t;
	struct cronfire_plan p;
	struct cron_expr e;
	struct tz *z;
	char err[256], when[TIMEFMT_MAX];
	int64_t active = 0, next;
	size_t k;
	int error, rc = 0;

	memset(&p, 0, sizeof(p));
	if ((error = cron_parse(sc->cron, &e, err, sizeof(err))) != 0 ||
	    (error = cf_zone(s, sc->tz, &z, err, sizeof(err))) != 0) {
		log_warnx("schedule %s: %s; trying again in a minute",
		    sc->name, err);
		goto retry;
	}
	if (store_schedule_active(s->st, sc->id, &active) != 0) {
		cf_store_error(s, "schedule %s", sc->name);
		goto retry;
	}
	t.now = now;
	t.up_since = s->started_at;
	t.gap = s->gap;
	if (cronfire_plan(&e, z, sc, &t, s->cfg->max_catchup, active,
	    &p) != 0) {
		log_warnx("schedule %s: out of memory", sc->name);
		goto retry;
	}
	if (p.dropped > 0)
		log_info("schedule %s: %" PRId64 " missed slots beyond "
		    "max_catchup (%d) not recorded", sc->name, p.dropped,
		    s->cfg->max_catchup);
	if ((next = p.next) == INT64_MAX) {
		log_warnx("schedule %s: \"%s\" fires no more; disable or "
		    "remove it", sc->name, sc->cron);
		next = now + 365LL * 24 * 3600 * 1000;
	}
	if (store_schedule_fire(s->st, sc, p.slots, p.n, next, now) != 0) {
		cf_store_error(s, "schedule %s: recording slots", sc->name);
		rc = -1;		/* next_run_at unchanged: retry */
		goto out;
	}
	for (k = 0; k < p.n; k++) {
		if (timefmt_format_utc(p.slots[k].slot_at, when,
		    sizeof(when)) != 0)
			snprintf(when, sizeof(when), "?");
		if (p.slots[k].job_id != 0)
			log_info("schedule %s: slot %s: job %" PRId64 "%s%s",
			    sc->name, when, p.slots[k].job_id,
			    p.slots[k].reason != NULL ? "; " : "",
			    p.slots[k].reason != NULL ? p.slots[k].reason : "");
		else if (p.slots[k].skip)
			log_info("schedule %s: slot %s skipped: %s", sc->name,
			    when, p.slots[k].reason);
	}
	goto out;
retry:
	if (store_schedule_fire(s->st, sc, NULL, 0, now + CRON_RETRY_MS,
	    now) != 0) {
		cf_store_error(s, "schedule %s", sc->name);
		rc = -1;
	}
out:
	cronfire_plan_free(&p);
	return rc;
}

void
cronfire_tick(struct cronfire *cf, int64_t wall, int64_t mono)
{
	struct cronfire_gap g;
	char d[TIMEFMT_MAX];

	if (cf->ticked) {
		switch (cronfire_gap(cf->wall, cf->mono, wall, mono, &g)) {
		case CRONFIRE_GAP_FORWARD:
		case CRONFIRE_GAP_BACK:
			gap_duration(g.ms, d, sizeof(d));
			log_info("the clock %s by %s%s", g.kind ==
			    CRONFIRE_GAP_FORWARD ? "jumped forward" :
			    "went back", d, g.kind == CRONFIRE_GAP_BACK ?
			    "; slots already run are not run again" : "");
			/* FALLTHROUGH */
		case CRONFIRE_GAP_STALL:
			cf->gap = g;
			break;
		case CRONFIRE_GAP_NONE:
			break;
		}
	}
	cf->ticked = true;
	cf->wall = wall;
	cf->mono = mono;
}

struct due {
	char	(*names)[SCHEDULE_NAME_MAX + 1];
	size_t	 n, cap;
};

/* Collect a due schedule's name; the @reboot ones are not batched. */
static int
due_one(const struct schedule *sc, void *arg)
{
	struct due *d = arg;
	void *p;

	if (d->n == d->cap) {
		if (d->cap > SIZE_MAX / 2 / sizeof(*d->names) ||
		    (p = realloc(d->names, d->cap * 2 *
		    sizeof(*d->names))) == NULL)
			return -ENOMEM;
		d->names = p;
		d->cap *= 2;
	}
	snprintf(d->names[d->n++], sizeof(d->names[0]), "%s", sc->name);
	return 0;
}

/*
 * The @reboot slot of sc at a start of jobd at started_at: one slot, at
 * the start time or, on a clock gone back, just after the last one run;
 * with the overlap policy applied (active: see cronfire_plan()).  Pure.
 */
void
cronfire_reboot_slot(const struct schedule *sc, int64_t started_at,
    int64_t active, struct slot *sl, char (*why)[CRONFIRE_WHY_MAX])
{
	memset(sl, 0, sizeof(*sl));
	sl->slot_at = started_at > sc->last_run_at ? started_at :
	    sc->last_run_at + 1;
	cronfire_overlap(sc, sl, 1, active, why);
}

/* Fire @reboot schedule sc: once per boot (at each start without one). */
static void
cf_reboot(struct cronfire *s, const struct schedule *sc, int64_t now)
{
	struct slot sl;
	int64_t active;
	char why[1][CRONFIRE_WHY_MAX];
	int error;

	if (store_schedule_active(s->st, sc->id, &active) != 0) {
		cf_store_error(s, "schedule %s: @reboot", sc->name);
		return;
	}
	cronfire_reboot_slot(sc, s->started_at, active, &sl, why);
	if (s->boot_id[0] == '\0')
		error = store_schedule_fire(s->st, sc, &sl, 1, 0, now);
	else
		error = store_schedule_reboot(s->st, sc, s->boot_id, &sl, now);
	if (error == -EALREADY)
		log_info("schedule %s: @reboot: already run in this boot (%s)",
		    sc->name, s->boot_id);
	else if (error != 0)
		cf_store_error(s, "schedule %s: @reboot", sc->name);
	else if (sl.job_id != 0)
		log_info("schedule %s: @reboot: job %" PRId64, sc->name,
		    sl.job_id);
	else
		log_info("schedule %s: @reboot skipped: %s", sc->name,
		    sl.reason != NULL ? sl.reason : "already run");
}

/*
 * Cron: fire the schedules that are due, up to CRON_DUE_BATCH per turn
 * (the rest in the next turn); reboot: every @reboot one, at start.
 */
int
cronfire_due(struct cronfire *s, int64_t now, bool reboot)
{
	struct due d = { NULL, 0, CRON_DUE_BATCH };
	struct schedule sc;
	size_t i;
	int rc = 0;

	if ((d.names = calloc(d.cap, sizeof(*d.names))) == NULL)
		return -1;
	if (store_schedule_due(s->st, now, CRON_DUE_BATCH, reboot, due_one,
	    &d) != 0 && d.n == 0) {
		cf_store_error(s, "reading due schedules");
		rc = -1;
	}
	for (i = 0; i < d.n; i++) {
		if (store_schedule_get(s->st, d.names[i], &sc) != 0)
			continue;
		if (!reboot) {
			if (cf_fire(s, &sc, now) != 0)
				rc = -1;
		} else {
			cf_reboot(s, &sc, now);
		}
		schedule_clear(&sc);
	}
	free(d.names);
	return rc;
}
