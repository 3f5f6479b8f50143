/*
 * contain: what the loop does so that an attempt is a unit that can be
 * killed whole, even after the daemon that ran it died -- and so that a
 * job never runs twice at once.
 *
 * Two modes, chosen at start (config "cgroups"):
 *
 *   cgroup   each attempt runs in a cgroup v2 of its own (cgroup.h),
 *            made before exec and killed with cgroup.kill; at start,
 *            attempt cgroups of this database whose lease is not held by
 *            a live daemon are killed before any job runs.
 *   session  each attempt runs in a session of its own (runner.h); its
 *            pid (the session id) and start time are recorded.
 *
 * Either way, the pid, start time, boot id and cgroup of every attempt
 * are recorded with its lease (contain_record), and before a lease of a
 * daemon of this host is reaped (its daemon died, or stopped renewing
 * it), what is left of the attempt is killed (contain_kill_lost): its
 * cgroup, and its session when the recorded start time shows the pid is
 * still that attempt's.  Loop thread only.
 */
#ifndef JOBD_CONTAIN_H
#define JOBD_CONTAIN_H

#include <stdint.h>

struct cgroups;
struct contain;
struct jd_config;
struct store;
struct work;

/*
 * Choose the mode, log it, and in cgroup mode kill the orphaned attempt
 * cgroups of the database: those of attempts no daemon with a row holds
 * (call before any claim; the attempts of dead daemons of this host that
 * still have rows are killed when their leases are reclaimed, by
 * contain_kill_lost()).  The strings are borrowed for the life of *cp.
 * Returns 0 or -ENOMEM.
 */
int	contain_open(struct contain **cp, int mode, struct store *st,
	    const char *host, const char *boot_id, const char *instance);

/* The cgroups for the workers, or NULL in session mode. */
const struct cgroups *contain_cgroups(const struct contain *c);

/*
 * Record the processes of the started works of "list" (linked through
 * ->snext) with their leases.
 */
void	contain_record(struct contain *c, struct work *list);

/*
 * Attempt "attempt" of job "job", leased by "owner", is about to be
 * reaped: when owner ran on this host, kill what is left of it.
 */
void	contain_kill_lost(struct contain *c, int64_t job, int64_t attempt,
	    const char *owner);

/* Free c (in cgroup mode, the database's cgroup when empty). */
void	contain_close(struct contain *c);

#endif /* JOBD_CONTAIN_H */
