/*
 * retain: jobd's background pruning (retention.h decides, store_prune.c
 * removes).  A timer on the loop runs one bounded prune step at a time,
 * a few milliseconds each with a gap between them, so neither the loop
 * nor a submitter waiting for the write lock waits long; when a pass has
 * nothing more to prune, free pages go back to the file system in small
 * steps too, and the next pass starts [retention] interval later.
 */
#ifndef JOBD_RETAIN_H
#define JOBD_RETAIN_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "jobd/log.h"
#include "jobd/store.h"

struct jd_clock;
struct jd_config;

#define RETAIN_ROWS	200	/* jobs or outputs per transaction */
#define RETAIN_MS	5	/* no new row after this, per transaction */
#define RETAIN_GAP_MS	10	/* between two steps of a pass */
#define RETAIN_PAGES	256	/* pages given back per step (1 MiB of 4K) */

struct retain {
	uv_timer_t		 timer;
	struct store		*st;
	const struct jd_config	*cfg;		/* [retention], reloadable */
	const struct jd_clock	*clock;
	bool			 vacuuming;	/* the pass's second half */
	int64_t			 free_pages;	/* left at the last step */
	int64_t			 pages;		/* given back this pass */
	struct prune_counts	 pass;		/* removed this pass */
	struct log_streak	 errs;
};

/*
 * Set up *r on loop (the timer is closed with the loop's handles) and
 * start the first pass one [retention] interval from now.  st, cfg and clock stay
 * the caller's.
 */
void	retain_init(struct retain *r, uv_loop_t *loop, struct store *st,
	    const struct jd_config *cfg, const struct jd_clock *clock);

/* Start a pass now (after a reload), unless one is under way. */
void	retain_kick(struct retain *r);

#endif /* JOBD_RETAIN_H */
