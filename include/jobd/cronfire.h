/*
 * cronfire: firing cron schedules in jobd.  Which slots of a due schedule
 * run, which are skipped and why (the catch-up and overlap policies, and
 * what happened to the clock and to jobd since the slots came due), and
 * recording them through the store; @reboot schedules once per boot.
 *
 * At its heart is cronfire_plan(), a pure function of the schedule, the
 * times and the policies; the rest reads the store and the zone files and
 * records the plan.  The scheduler's loop calls cronfire_tick() each turn
 * and cronfire_due() when a schedule is due.
 */
#ifndef JOBD_CRONFIRE_H
#define JOBD_CRONFIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobd/cron.h"
#include "jobd/schedule.h"
#include "jobd/store.h"
#include "jobd/tz.h"

/*
 * As cron(8) does: a stall of jobd, or a step of the clock, shorter than
 * this runs the slots it passed over, late, once each; a longer one is
 * taken for a correction of the clock (or a machine that was asleep) and
 * its slots fall under the catch-up policy, as if jobd had been down.
 */
#define CRONFIRE_JUMP_MAX_MS	(3 * 3600 * 1000LL)
#define CRONFIRE_GRACE_MS	60000	/* a slot this late is on time */
#define CRONFIRE_STEP_MIN_MS	1000	/* wall and steady clocks disagree */
#define CRONFIRE_WHY_MAX	256	/* a slot's reason, with its NUL */

enum cronfire_gap_kind {
	CRONFIRE_GAP_NONE,
	CRONFIRE_GAP_STALL,	/* no turn for a while: both clocks moved */
	CRONFIRE_GAP_FORWARD,	/* the wall clock jumped forward */
	CRONFIRE_GAP_BACK,	/* the wall clock went back */
};

/* What happened between two turns of the loop. */
struct cronfire_gap {
	enum cronfire_gap_kind	 kind;
	int64_t			 from, to;	/* wall times (UTC ms) */
	int64_t			 ms;		/* how long, or how far */
};

/*
 * Classify the interval between the turn at (wall0, mono0) and the turn at
 * (wall1, mono1) (wall: UTC ms; mono: the steady clock, ms) into *g: a
 * clock step when the two clocks moved apart by CRONFIRE_STEP_MIN_MS or
 * more, else a stall when more than CRONFIRE_GRACE_MS passed, else none.
 * Returns g->kind.  Pure.
 */
enum cronfire_gap_kind cronfire_gap(int64_t wall0, int64_t mono0,
		    int64_t wall1, int64_t mono1, struct cronfire_gap *g);

/* The times a schedule is fired at. */
struct cronfire_time {
	int64_t			 now;		/* UTC ms */
	int64_t			 up_since;	/* jobd serves since (UTC ms):
						   slots before were missed
						   while no daemon ran */
	struct cronfire_gap	 gap;		/* the last stall or clock
						   step, or kind NONE */
};

/* What to do with a schedule that is due: cronfire_plan()'s answer. */
struct cronfire_plan {
	struct slot	*slots;		/* n, oldest first; reasons point */
	char		(*why)[CRONFIRE_WHY_MAX];	/* into why[] */
	size_t		 n;
	int64_t		 next;		/* next fire time; INT64_MAX: none */
	int64_t		 dropped;	/* slots beyond max_catchup, not
					   recorded */
};

/*
 * Plan the firing of schedule sc (its next_run_at, catch-up and overlap
 * policies) with expression e in zone z at times t: every slot from
 * sc->next_run_at up to t->now, the latest max_catchup + 1 of them
 * recorded in p->slots, each one on time (within CRONFIRE_GRACE_MS), late
 * (passed over by a stall or a clock step shorter than
 * CRONFIRE_JUMP_MAX_MS, or by jobd falling behind: run, with the reason),
 * or missed (while no daemon ran, or in a longer gap: the catch-up policy
 * decides); then the overlap policy, with active the newest pending or
 * running job of the schedule (0: none); and the next fire time after
 * t->now.  A schedule not yet due (a clock gone back) plans nothing and
 * keeps its next_run_at.  Returns 0, or -ENOMEM; p is freed with
 * cronfire_plan_free() either way.  Pure: no clock, no store, no I/O.
 */
int		 cronfire_plan(const struct cron_expr *e, const struct tz *z,
		    const struct schedule *sc, const struct cronfire_time *t,
		    int max_catchup, int64_t active, struct cronfire_plan *p);
void		 cronfire_plan_free(struct cronfire_plan *p);

/*
 * The overlap policy over slots[0..n-1], in order, with active the newest
 * pending or running job of sc (0: none): "skip" skips them, "allow" runs
 * them, "queue" makes them wait for it; several slots run one after the
 * other, except with "allow".  Reasons go to why[i].  Pure.
 */
void		 cronfire_overlap(const struct schedule *sc, struct slot *slots,
		    size_t n, int64_t active, char (*why)[CRONFIRE_WHY_MAX]);

/*
 * The @reboot slot of sc for a start of jobd at started_at (UTC ms): at
 * that time or, on a clock gone back, just after the last slot run; the
 * overlap policy applied with active as above.  Pure.  Whether it runs
 * in this boot is the store's to say (store_schedule_reboot()).
 */
void		 cronfire_reboot_slot(const struct schedule *sc,
		    int64_t started_at, int64_t active, struct slot *sl,
		    char (*why)[CRONFIRE_WHY_MAX]);

struct jd_config;

/* Called with a one-line description of a failed store call. */
typedef void (*cronfire_error_fn)(void *arg, const char *what);

struct cronfire;

/*
 * A firing context for jobd's loop: the store, the configuration
 * (max_catchup, read at each firing, so a reload applies), where store
 * errors are reported, the daemon's start time (UTC ms) and the boot id
 * of this boot.  NULL when out of memory.
 */
struct cronfire *cronfire_new(struct store *st, const struct jd_config *cfg,
		    cronfire_error_fn error, void *arg, int64_t started_at,
		    const char *boot_id);
void		 cronfire_free(struct cronfire *cf);

/*
 * Each turn of the loop: the wall (UTC ms) and steady (ms) clocks now.
 * Remembers the last stall or clock step, for the reasons of late slots,
 * and logs a clock step.
 */
void		 cronfire_tick(struct cronfire *cf, int64_t wall, int64_t mono);

/*
 * Fire the schedules that are due at "now" (UTC ms); with reboot, the
 * @reboot ones instead, at start.  At most a batch per call: the store's
 * next cron time says when to call again.  Returns 0, or -1 when a store
 * error was reported.
 */
int		 cronfire_due(struct cronfire *cf, int64_t now, bool reboot);

#endif /* JOBD_CRONFIRE_H */
