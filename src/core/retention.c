/*
 * retention: the windows of [retention] turned into cutoffs (see
 * retention.h).  No state, no clock: "now" is the caller's.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "jobd/retention.h"

static const char *const kind_names[RET_NKINDS] = {
	[RET_DONE] = "done",
	[RET_CANCELLED] = "cancelled",
	[RET_DEAD] = "dead",
	[RET_OUTPUT] = "output",
};

int64_t
retention_cutoff(int64_t now, int64_t keep_ms)
{
	if (keep_ms <= 0 || now <= keep_ms)
		return RETENTION_NONE;
	return now - keep_ms;
}

bool
retention_is_old(int64_t finished_at, int64_t cutoff)
{
	return finished_at > 0 && cutoff != RETENTION_NONE &&
	    finished_at < cutoff;
}

int
retention_rules(const struct retention *r, int64_t now,
    int64_t older_than_ms, int only, struct prune_rules *out)
{
	int k;

	if (only >= RET_NSTATES)
		return -EINVAL;
	for (k = 0; k < RET_NKINDS; k++) {
		out->cutoff[k] = retention_cutoff(now, older_than_ms >= 0 ?
		    older_than_ms : r->keep_ms[k]);
		if (older_than_ms == 0)	/* everything finished until now */
			out->cutoff[k] = now;
	}
	for (k = 0; k < RET_NSTATES; k++)
		out->want[k] = only < 0 || only == k;
	if (only >= 0) {
		for (k = 0; k < RET_NKINDS; k++)
			if (k != only)
				out->cutoff[k] = RETENTION_NONE;
	}
	out->schedule_runs = r->schedule_runs;
	return 0;
}

int
retention_state_parse(const char *name, enum ret_kind *k)
{
	int i;

	for (i = 0; i < RET_NSTATES; i++)
		if (strcmp(name, kind_names[i]) == 0) {
			*k = (enum ret_kind)i;
			return 0;
		}
	if (strcmp(name, "pending") == 0 || strcmp(name, "running") == 0)
		return -ERANGE;
	return -EINVAL;
}

const char *
retention_kind_name(enum ret_kind k)
{
	return k < RET_NKINDS ? kind_names[k] : "?";
}
