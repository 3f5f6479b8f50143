/*
 * workers: the thread pool between the scheduler and the runner.
 *
 * The scheduler (the loop thread) pushes work; an idle worker thread takes
 * it, prepares and runs the job through runner, puts the finished work on
 * the done list and calls the notify callback (a wrapper around
 * uv_async_send; several calls may be merged into one wake-up, so the
 * scheduler drains the whole done list each time).  Workers never touch
 * the database or the event loop.  Threads start with every signal
 * blocked, so signals reach only the loop thread.  With cgroups
 * (workers_set_cgroups), a worker makes each attempt's cgroup before the
 * run and kills and removes it after; as soon as a job's process exists,
 * the work goes on the started list too, for the loop to record.
 */
#ifndef JOBD_WORKERS_H
#define JOBD_WORKERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "jobd/runner.h"

struct cgroups;
struct jd_clock;
struct workers;

/*
 * One job for a worker.  The scheduler owns it (usually embedded in its
 * own per-job struct); the pool holds it between workers_push() and
 * workers_take_done().  job's strings must stay valid until then.
 */
struct work {
	struct work		*next;		/* list link */
	struct run_job		 job;		/* in */
	struct run_ctl		 ctl;		/* runner_stop() goes here */
	struct run_result	 res;		/* out */
	/* Set by the pool when the job's process exists (started list). */
	pid_t			 pid;		/* the shell, its session */
	uint64_t		 pid_start;	/* its start time, ticks */
	struct work		*snext;		/* started list link */
	bool			 on_started;	/* on the started list */
	struct workers		*pool;
};

/*
 * Start n worker threads.  notify(arg) is called from a worker thread
 * after it put work on the done list.  Returns 0 or a negative errno.
 */
int	workers_start(struct workers **wp, int n, const struct jd_clock *clock,
	    void (*notify)(void *), void *arg);

/*
 * Run each job in a cgroup of its own in cg (see cgroup.h), from now on;
 * NULL: in its session only.  cg must outlive the pool.  Loop thread,
 * before the first workers_push().
 */
void	workers_set_cgroups(struct workers *w, const struct cgroups *cg);

/*
 * Take every work whose process started since the last call (wk->pid and
 * wk->pid_start are set), linked through ->snext, oldest first; NULL when
 * there is none.  A work that finished before this call is not on it.
 * The notify callback is called after a work is put there.  Loop thread.
 */
struct work *workers_take_started(struct workers *w);

/* Queue wk for the next idle worker.  Loop thread. */
void	workers_push(struct workers *w, struct work *wk);

/* How many works pushed no worker has taken yet.  Loop thread. */
int	workers_queued(struct workers *w);

/*
 * Take back every work pushed that no worker has taken yet, oldest first,
 * as a list linked through ->next; NULL when there is none.  Loop thread.
 */
struct work *workers_unqueue(struct workers *w);

/*
 * Take every finished work, oldest first, as a list linked through
 * ->next; NULL when there is none.  Loop thread.
 */
struct work *workers_take_done(struct workers *w);

/*
 * Stop the threads after the work already pushed has finished, join them
 * and free the pool.  Work still on the done list must have been taken.
 * NULL is fine.
 */
void	workers_stop(struct workers *w);

#endif /* JOBD_WORKERS_H */
