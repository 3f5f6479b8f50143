/*
 * retain: jobd's background pruning, one bounded step per timer tick
 * (see retain.h).  Runs on the loop thread, which owns the store.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <uv.h>

#include "jobd/clock.h"
#include "jobd/config.h"
#include "jobd/log.h"
#include "jobd/retain.h"
#include "jobd/retention.h"
#include "jobd/store.h"

static void	on_retain(uv_timer_t *t);

static void
retain_arm(struct retain *r, int64_t delay_ms)
{
	(void)uv_timer_start(&r->timer, on_retain, (uint64_t)delay_ms, 0);
}

/* A pass is over: say what it did, if anything. */
static void
retain_done(struct retain *r)
{
	const struct prune_counts *c = &r->pass;

	if (c->jobs[RET_DONE] + c->jobs[RET_CANCELLED] + c->jobs[RET_DEAD] +
	    c->outputs + r->pages > 0)
		log_info("pruned: done %" PRId64 ", cancelled %" PRId64
		    ", dead %" PRId64 " jobs (%" PRId64 " attempts, %" PRId64
		    " keys); output of %" PRId64 " attempts cleared; %" PRId64
		    " output bytes freed; %" PRId64 " pages given back",
		    c->jobs[RET_DONE], c->jobs[RET_CANCELLED],
		    c->jobs[RET_DEAD], c->attempts, c->keys, c->outputs,
		    c->output_bytes, r->pages);
	memset(&r->pass, 0, sizeof(r->pass));
	r->pages = 0;
	r->vacuuming = false;
}

static void
retain_error(struct retain *r, const char *what)
{
	(void)log_streak_warnx(&r->errs, clock_mono_ms(r->clock),
	    store_errmsg(r->st), "%s: %s; will retry in %" PRId64 " s", what,
	    store_errmsg(r->st), r->cfg->prune_interval_ms / 1000);
}

static void
on_retain(uv_timer_t *t)
{
	struct retain *r = t->data;
	struct prune_rules rules;
	int64_t left = 0;
	bool more = false;

	if (!r->vacuuming) {
		(void)retention_rules(&r->cfg->retention,
		    clock_wall_ms(r->clock), -1, -1, &rules);
		if (store_prune_step(r->st, &rules, RETAIN_ROWS, RETAIN_MS,
		    &r->pass, &more) != 0) {
			retain_error(r, "pruning");
			retain_done(r);
			retain_arm(r, r->cfg->prune_interval_ms);
			return;
		}
		if (!more) {
			r->vacuuming = true;
			r->free_pages = INT64_MAX;
		}
		retain_arm(r, RETAIN_GAP_MS);
		return;
	}
	if (store_vacuum_step(r->st, RETAIN_PAGES, &left) != 0) {
		retain_error(r, "giving back free pages");
		retain_done(r);
		retain_arm(r, r->cfg->prune_interval_ms);
		return;
	}
	(void)log_streak_end(&r->errs, clock_mono_ms(r->clock),
	    "pruning works again");
	if (r->free_pages != INT64_MAX && left < r->free_pages)
		r->pages += r->free_pages - left;
	/* Done, or not shrinking (another process frees pages too). */
	if (left == 0 || left >= r->free_pages) {
		retain_done(r);
		retain_arm(r, r->cfg->prune_interval_ms);
		return;
	}
	r->free_pages = left;
	retain_arm(r, RETAIN_GAP_MS);
}

void
retain_init(struct retain *r, uv_loop_t *loop, struct store *st,
    const struct jd_config *cfg, const struct jd_clock *clock)
{
	memset(r, 0, sizeof(*r));
	r->st = st;
	r->cfg = cfg;
	r->clock = clock;
	uv_timer_init(loop, &r->timer);
	r->timer.data = r;
	retain_arm(r, cfg->prune_interval_ms);
}

void
retain_kick(struct retain *r)
{
	if (!r->vacuuming && uv_timer_get_due_in(&r->timer) > RETAIN_GAP_MS)
		retain_arm(r, 0);
}
