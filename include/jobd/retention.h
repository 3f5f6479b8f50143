/*
 * retention: what finished work is old enough to prune.  Pure decisions
 * on times and counts, no database and no clock of its own: the store
 * (store_prune.c) applies them, jobd and "jobctl prune" call it.
 */
#ifndef JOBD_RETENTION_H
#define JOBD_RETENTION_H

#include <stdbool.h>
#include <stdint.h>

/* What a window applies to: jobs by terminal state, and attempt output. */
enum ret_kind {
	RET_DONE,
	RET_CANCELLED,
	RET_DEAD,
	RET_OUTPUT,
	RET_NKINDS
};
#define RET_NSTATES	3	/* RET_DONE .. RET_DEAD are job states */

#define RETENTION_MAX_MS	(3650LL * 86400000)	/* ten years */
#define RETENTION_NONE		INT64_MIN	/* a cutoff nothing is before */

/* [retention] of jobd.conf. */
struct retention {
	int64_t	 keep_ms[RET_NKINDS];	/* how long; 0: for ever */
	int	 schedule_runs;		/* finished jobs kept per schedule
					   (and dead ones); 0: no cap */
};

/*
 * What one prune removes: the jobs of kind k (k < RET_NSTATES) that
 * finished before cutoff[k], the output of attempts that finished before
 * cutoff[RET_OUTPUT], and the finished jobs of a schedule beyond its
 * newest schedule_runs (for the states with want[k]).  RETENTION_NONE: no
 * such cutoff.
 */
struct prune_rules {
	int64_t	 cutoff[RET_NKINDS];
	bool	 want[RET_NSTATES];	/* states this prune may remove */
	int64_t	 schedule_runs;		/* 0: no cap */
};

/*
 * The cutoff of a window of keep_ms at "now": RETENTION_NONE when keep_ms
 * is 0 (kept for ever) or reaches back before the epoch, else now -
 * keep_ms.
 */
int64_t	retention_cutoff(int64_t now, int64_t keep_ms);

/*
 * Is something that finished at finished_at old enough for cutoff?  Only
 * strictly before the cutoff: a job finished exactly keep_ms ago stays.
 * A finished_at of 0 or less (not known) is never old.
 */
bool	retention_is_old(int64_t finished_at, int64_t cutoff);

/*
 * The rules of one prune at "now" from *r: every state and the output by
 * their windows; with older_than_ms >= 0 every window is that instead;
 * with only >= 0, the jobs of that one state (enum ret_kind, below
 * RET_NSTATES) alone, and no output.  Returns 0, or -EINVAL for a bad
 * "only".
 */
int	retention_rules(const struct retention *r, int64_t now,
	    int64_t older_than_ms, int only, struct prune_rules *out);

/*
 * The kind a state name names: "done", "cancelled" or "dead"; -EINVAL
 * for another word, -ERANGE for a state that is not terminal ("pending",
 * "running"), which is never pruned.
 */
int	retention_state_parse(const char *name, enum ret_kind *k);

/* "done", "cancelled", "dead" or "output". */
const char *retention_kind_name(enum ret_kind k);

#endif /* JOBD_RETENTION_H */
