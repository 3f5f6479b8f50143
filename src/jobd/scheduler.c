/*
 * scheduler: jobd's libuv loop.  Everything here runs on the loop thread,
 * which owns the store (the daemon's only database connection).
 *
 * A "turn" does all timed work and is run whenever something may have
 * changed: the timer fired, a worker finished (uv_async), another process
 * committed to the database (a uv_fs_event on the database's directory,
 * filtered through PRAGMA data_version so our own commits do not count),
 * or a signal arrived.  A turn:
 *
 *   1. takes the finished attempts from the pool,
 *   2. passes cancel requests on to the runs they name,
 *   3. reaps expired leases of any daemon (outcome "lost") and fires due
 *      cron schedules, recording the finished attempts first when it does,
 *   4. records every finished attempt and claims due jobs for the free
 *      worker slots, in one transaction (group commit: one fsync),
 *   5. renews our leases and heartbeat when due,
 *   6. re-arms the one timer for the earliest of: the next due job (when a
 *      slot is free), the next lease expiry, the next heartbeat; capped by
 *      poll_interval.  Idle with nothing due, the daemon sleeps.
 *
 * Decisions (retry or dead, backoff delays) are made here; the store only
 * applies them.  A result that cannot be recorded (database locked, disk
 * full) stays in memory and is retried: nothing is dropped.  A turn that
 * meets a store error backs off: the next turn runs after SCHED_RETRY_MS,
 * doubling with each failed turn up to SCHED_BACKOFF_MAX_MS, and until
 * then no file-system event of our own (a failed write changes the WAL
 * too) runs a turn; a finished worker's result is only collected.  The
 * errors are logged once per streak, with a count (log_streak).
 */
#define _GNU_SOURCE	/* gethostname */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "jobd/clock.h"
#include "jobd/config.h"
#include "jobd/contain.h"
#include "jobd/crash.h"
#include "jobd/cronfire.h"
#include "jobd/job.h"
#include "jobd/log.h"
#include "jobd/mail.h"
#include "jobd/metrics.h"
#include "jobd/metricsfile.h"
#include "jobd/notify.h"
#include "jobd/outbox.h"
#include "jobd/procfs.h"
#include "jobd/procopt.h"
#include "jobd/retain.h"
#include "jobd/runner.h"
#include "jobd/schedfile.h"
#include "jobd/schedule.h"
#include "jobd/scheduler.h"
#include "jobd/sockserv.h"
#include "jobd/store.h"
#include "jobd/timefmt.h"
#include "jobd/trust.h"
#include "jobd/tz.h"
#include "jobd/workers.h"

#define SCHED_RETRY_MS		1000	/* after a store error, doubling */
#define SCHED_SHORT_MS		20	/* after a claim that others held, */
					/* doubling up to poll_interval */
#define SCHED_BACKOFF_MAX_MS	30000	/* ... up to this */
#define EXIT_DB_GONE		69	/* EX_UNAVAILABLE: database deleted */
#define EXIT_DB_UNTRUSTED	77	/* EX_NOPERM: others could write it */
#define SCHED_REAP_BATCH	256	/* expired leases per turn */
#define SCHED_REQUEUE_DELAY_MS	0	/* a job stopped by shutdown */
#define SCHED_SHORT_RUN_MS	100	/* runs this short: keep some queued */
#define SCHED_AHEAD		2	/* jobs queued per worker, then */
#define SCHED_GROUP_MS		1	/* results gathered for one commit */

#ifndef container_of
#define container_of(p, type, member)					\
	((type *)(void *)((char *)(p) - offsetof(type, member)))
#endif

/* One job this daemon runs, from claim until its result is recorded. */
struct sjob {
	struct work	 wk;		/* first: the pool's view */
	struct sjob	*prev, *next;	/* s->running, or s->ended */
	struct job	 job;		/* owned copy from the claim */
	int64_t		 max_attempts;	/* resolved against the config */
	int64_t		 backoff_ms;
	int64_t		 backoff_max_ms;
};

struct sjob_list {
	struct sjob	*head;
	int		 n;
};

struct sched {
	uv_loop_t		 loop;
	uv_timer_t		 timer;		/* the next due thing */
	uv_timer_t		 grace;		/* shutdown_grace */
	uv_timer_t		 watchdog;	/* WATCHDOG=1, when asked */
	uv_async_t		 async;		/* a worker finished */
	uv_timer_t		 group;		/* more results for this commit */
	uv_fs_event_t		 fsev;		/* the database's directory */
	uv_poll_t		*wake;		/* or its server's socket */
	int			 wake_fd;	/* our copy of that socket */
	uint64_t		 wake_gen;	/* the socket's connection */
	uv_signal_t		 sigterm, sigint, sighup;

	struct store		*st;
	struct jd_config	*cfg;
	const char		*config_path;
	const char		*db_path;
	const struct jd_clock	*clock;
	struct jd_offset_clock	*server_clock;	/* or NULL */
	int64_t			 skew_said;	/* the offset last logged */
	struct workers		*workers;
	struct contain		*contain;	/* cgroup or session */
	char			 wal_name[NAME_MAX + 1];

	char			 instance[160];	/* host:pid:random */
	char			 host[128];
	char			 boot_id[64];

	struct cronfire		*cron;		/* firing schedules */
	struct metricsfile	*metrics;	/* metrics_file */
	struct retain		 retain;	/* background pruning */
	struct sockserv		*sock;		/* the submission socket */

	struct sjob_list	 running;	/* pushed to the pool */
	struct sjob_list	 ended;		/* results not yet recorded */
	bool			 short_runs;	/* the last run was short */
	int64_t			 short_ms;	/* the last look again after a
						   claim others held */
	int64_t			 data_version;
	int64_t			 next_heartbeat;	/* UTC ms */
	bool			 draining;	/* SIGTERM: no more claims */
	bool			 stopped_runs;	/* grace over: runs stopped */
	bool			 closing;
	bool			 timer_turn;	/* this turn: the timer's */
	bool			 db_known;	/* db_dev and db_ino are set */
	bool			 db_gone;	/* deleted or replaced */
	bool			 db_untrusted;	/* others could write it */
	dev_t			 db_dev;	/* the file we opened */
	ino_t			 db_ino;
	uint64_t		 rng;

	/* Store errors: the back-off, and their log streak. */
	bool			 turn_failed;	/* this turn met one */
	int64_t			 backoff_ms;	/* 0: not backing off */
	int64_t			 backoff_until;	/* mono ms: the retry */
	int64_t			 failed_version; /* data_version after it */
	struct log_streak	 store_errs;
};

static void	sched_turn(struct sched *s);
static void	sched_wake_arm(struct sched *s);
static void	sched_unwake(struct sched *s);
static void	sched_reclaim(struct sched *s);
static void	sched_stop_runs(struct sched *s);
static void	on_timer(uv_timer_t *t);
static void	sched_start(struct sched *s, struct job *jobs, size_t n);

static void
list_add(struct sjob_list *l, struct sjob *sj)
{
	sj->prev = NULL;
	sj->next = l->head;
	if (l->head != NULL)
		l->head->prev = sj;
	l->head = sj;
	l->n++;
}

static void
list_del(struct sjob_list *l, struct sjob *sj)
{
	if (sj->prev != NULL)
		sj->prev->next = sj->next;
	else
		l->head = sj->next;
	if (sj->next != NULL)
		sj->next->prev = sj->prev;
	sj->prev = sj->next = NULL;
	l->n--;
}

static void
sjob_free(struct sjob *sj)
{
	runner_ctl_destroy(&sj->wk.ctl);
	free(sj->wk.res.output);
	job_clear(&sj->job);
	free(sj);
}

static int64_t
now_ms(const struct sched *s)
{
	return clock_wall_ms(s->clock);
}

/* xorshift64*: jitter for backoff; not for anything secret. */
static uint64_t
sched_random(struct sched *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545f4914f6cdd1dULL;
}

/*
 * The delay before retry number "attempt" (1-based: the attempt that just
 * failed): full jitter, uniform in [0, min(max, base * 2^(attempt-1))].
 */
static int64_t
sched_backoff(struct sched *s, int64_t attempt, int64_t base, int64_t max)
{
	int64_t cap = base;
	int64_t i;

	for (i = 1; i < attempt && cap < max; i++)
		cap = cap > INT64_MAX / 2 ? INT64_MAX : cap * 2;
	if (cap > max)
		cap = max;
	if (cap <= 0)
		return 0;
	return (int64_t)(sched_random(s) % ((uint64_t)cap + 1));
}

/*
 * The attempts, timeout and back-off job j gets: its own, else its
 * queue's (jobctl queue set, [queue NAME]), else jobd.conf's [job]
 * (queue_job_opt()).  A queue whose settings cannot be read gives none.
 */
struct job_opts {
	int64_t	max_attempts, timeout_ms, backoff_ms, backoff_max_ms;
};

static void
sched_job_opts(struct sched *s, const struct job *j, struct job_opts *o)
{
	struct queue_settings q;

	if (store_queue_settings(s->st, j->queue, &q) != 0) {
		log_warnx("job %" PRId64 ": the settings of queue %s: %s; "
		    "jobd.conf's job defaults used", j->id, j->queue,
		    store_errmsg(s->st));
		queue_settings_init(&q);
	}
	o->max_attempts = queue_job_opt(j->max_attempts, q.max_attempts,
	    s->cfg->max_attempts);
	o->timeout_ms = queue_job_opt(j->timeout_ms, q.timeout_ms,
	    s->cfg->timeout_ms);
	o->backoff_ms = queue_job_opt(j->backoff_ms, q.backoff_ms,
	    s->cfg->backoff_ms);
	o->backoff_max_ms = queue_job_opt(j->backoff_max_ms,
	    q.backoff_max_ms, s->cfg->backoff_max_ms);
}

/*
 * A store operation failed ("what" says which, printf-style): the turn
 * backs off (the first error of a turn doubles the delay), and the error
 * is logged once for a streak of the same error text, with a count.  The
 * longest delay stays under a third of visibility_timeout, so leases are
 * renewed in time once the database takes writes again.
 */
static void
sched_store_error(struct sched *s, const char *what, ...)
{
	char buf[512];
	int64_t cap;
	va_list ap;

	va_start(ap, what);
	(void)vsnprintf(buf, sizeof(buf), what, ap);
	va_end(ap);
	if (!s->turn_failed) {
		s->turn_failed = true;
		cap = s->cfg->visibility_timeout_ms / 3;
		if (cap > SCHED_BACKOFF_MAX_MS)
			cap = SCHED_BACKOFF_MAX_MS;
		if (cap < SCHED_RETRY_MS)
			cap = SCHED_RETRY_MS;
		s->backoff_ms = s->backoff_ms == 0 ? SCHED_RETRY_MS :
		    s->backoff_ms >= cap / 2 ? cap : s->backoff_ms * 2;
	}
	(void)log_streak_warnx(&s->store_errs, clock_mono_ms(s->clock),
	    store_errmsg(s->st), "%s: %s; will retry in %" PRId64 " s", buf,
	    store_errmsg(s->st), (s->backoff_ms + 999) / 1000);
}

/* Backing off after a store error: wake-ups other than the timer wait. */
static bool
sched_backing_off(const struct sched *s)
{
	return s->backoff_ms != 0 &&
	    clock_mono_ms(s->clock) < s->backoff_until;
}

/*
 * Decide what becomes of a job whose attempt ended unsuccessfully:
 * another try after a backoff, or the dead-letter table.
 */
static void
sched_decide_failure(struct sched *s, struct attempt_end *e,
    int64_t max_attempts, int64_t base, int64_t max, int64_t now,
    char *reason, size_t reasonlen)
{
	if (e->attempt >= max_attempts) {
		e->action = END_DEAD;
		snprintf(reason, reasonlen, "%s on attempt %" PRId64 " of %"
		    PRId64 ", no attempts left", e->error != NULL ? e->error :
		    e->outcome, e->attempt, max_attempts);
		e->reason = reason;
	} else {
		e->action = END_RETRY;
		e->run_at = clock_wall_add(now,
		    sched_backoff(s, e->attempt, base, max));
	}
}

/*
 * What the fence saw can change the decision: a job flagged by jobctl
 * cancel whose attempt ended another way (it failed, or was lost, before
 * this daemon stopped it) is cancelled, not retried, requeued or
 * dead-lettered.  Called by the store inside the recording transaction.
 */
static void
sched_decide_fenced(struct attempt_end *e, void *arg)
{
	(void)arg;
	if (e->cancel_requested && e->action != END_DONE)
		e->action = END_CANCELLED;
}

static void
sched_log_end(const struct attempt_end *e, int64_t now)
{
	char when[TIMEFMT_MAX];

	if (!e->applied) {
		log_warnx("job %" PRId64 " attempt %" PRId64 ": lease lost, "
		    "result ignored (%s)", e->job_id, e->attempt,
		    e->error != NULL ? e->error : e->outcome);
		return;
	}
	switch (e->action) {
	case END_DONE:
		log_info("job %" PRId64 " attempt %" PRId64 ": done",
		    e->job_id, e->attempt);
		break;
	case END_RETRY:
		if (timefmt_format_duration(e->run_at - now, when,
		    sizeof(when)) != 0)
			snprintf(when, sizeof(when), "?");
		log_info("job %" PRId64 " attempt %" PRId64 ": %s; retry in %s",
		    e->job_id, e->attempt, e->error, when);
		break;
	case END_DEAD:
		log_warnx("job %" PRId64 " is dead: %s", e->job_id, e->reason);
		break;
	case END_CANCELLED:
		log_info("job %" PRId64 " attempt %" PRId64 ": cancelled",
		    e->job_id, e->attempt);
		break;
	case END_REQUEUE:
		log_info("job %" PRId64 " attempt %" PRId64 ": stopped by "
		    "shutdown; requeued", e->job_id, e->attempt);
		break;
	}
}

static const char *
outcome_name(enum run_outcome o)
{
	switch (o) {
	case RUN_OK:
		return "ok";
	case RUN_FAILED:
		return "failed";
	case RUN_TIMEOUT:
		return "timeout";
	case RUN_SPAWN_ERROR:
		return "spawn_error";
	case RUN_CANCELLED:
		return "cancelled";
	case RUN_SHUTDOWN:
	default:
		return "lost";
	}
}

/* Move the runs the pool has finished to s->ended. */
static void
sched_collect(struct sched *s)
{
	struct work *wk, *next, *started;
	struct sjob *sj;

	/* Before their results: a work is freed once its result is. */
	if ((started = workers_take_started(s->workers)) != NULL)
		crash_point("before_record");
	contain_record(s->contain, started);
	for (wk = workers_take_done(s->workers); wk != NULL; wk = next) {
		next = wk->next;
		sj = container_of(wk, struct sjob, wk);
		list_del(&s->running, sj);
		list_add(&s->ended, sj);
	}
}

/*
 * The attempt_end of each run in s->ended, in list order, for the store;
 * NULL when out of memory.  *reasonsp holds the dead-letter reasons they
 * point to; free both after the commit.
 */
static struct attempt_end *
sched_ends(struct sched *s, int64_t now, char (**reasonsp)[320])
{
	struct attempt_end *ends;
	char (*reasons)[320];
	struct sjob *sj;
	int64_t latest = INT64_MIN;
	size_t n, i;

	n = (size_t)s->ended.n;
	ends = calloc(n, sizeof(*ends));
	reasons = calloc(n, sizeof(*reasons));
	if (ends == NULL || reasons == NULL) {
		log_warnx("recording %zu results: out of memory", n);
		free(ends);
		free(reasons);
		return NULL;
	}
	for (sj = s->ended.head, i = 0; sj != NULL; sj = sj->next, i++) {
		struct run_result *r = &sj->wk.res;
		struct attempt_end *e = &ends[i];

		e->job_id = sj->job.id;
		e->attempt = sj->job.attempts;
		e->owner = s->instance;
		e->outcome = outcome_name(r->outcome);
		e->has_exit_code = r->exited;
		e->exit_code = r->exit_code;
		e->signal = r->signal;
		e->started_at = r->started_at;
		e->finished_at = r->finished_at != 0 ? r->finished_at : now;
		e->output = r->output;
		e->output_len = r->output_len;
		e->output_dropped = r->output_dropped;
		e->error = r->error[0] != '\0' ? r->error : NULL;
		switch (r->outcome) {
		case RUN_OK:
			e->action = END_DONE;
			break;
		case RUN_CANCELLED:
			e->action = END_CANCELLED;
			break;
		case RUN_SHUTDOWN:
			e->action = END_REQUEUE;
			e->run_at = now + SCHED_REQUEUE_DELAY_MS;
			e->error = "stopped: jobd shut down";
			break;
		default:
			sched_decide_failure(s, e, sj->max_attempts,
			    sj->backoff_ms, sj->backoff_max_ms, now,
			    reasons[i], sizeof(reasons[i]));
			break;
		}
		/* The run that ended last decides (the list is newest first). */
		if (r->outcome != RUN_SHUTDOWN && r->outcome != RUN_CANCELLED &&
		    e->finished_at > latest) {
			latest = e->finished_at;
			s->short_runs = r->started_at != 0 &&
			    e->finished_at - r->started_at < SCHED_SHORT_RUN_MS;
		}
	}
	*reasonsp = reasons;
	return ends;
}

/* The n ends of s->ended are committed: log them, free their runs. */
static void
sched_ended(struct sched *s, const struct attempt_end *ends, size_t n,
    int64_t now)
{
	struct sjob *sj;
	size_t i;

	for (i = 0; i < n; i++)
		sched_log_end(&ends[i], now);
	while ((sj = s->ended.head) != NULL) {
		list_del(&s->ended, sj);
		sjob_free(sj);
	}
}

/*
 * Record the finished runs, together with any that an earlier turn could
 * not record, in one transaction.  Usually the claim of step 4 records them
 * in its own; this is for when there is nothing to claim, the claim failed,
 * or the reaper or cron must see the results first.
 */
static void
sched_record(struct sched *s, int64_t now)
{
	struct attempt_end *ends;
	char (*reasons)[320] = NULL;
	size_t n;

	if ((n = (size_t)s->ended.n) == 0)
		return;
	if ((ends = sched_ends(s, now, &reasons)) == NULL)
		return;
	crash_point("before_result");
	if (store_finish(s->st, ends, n, now) != 0)
		sched_store_error(s, "recording %zu results", n);
	else
		sched_ended(s, ends, n, now);
	free(ends);
	free(reasons);
}

/*
 * How many jobs this daemon may hold: one per worker and, while runs are
 * short, SCHED_AHEAD more per worker waiting in the pool's queue, so that
 * a worker starts its next job without waiting for a database commit (and
 * a commit can carry several results).  With long runs nothing waits: a
 * job held here could run sooner on another daemon.
 */
static int
sched_capacity(const struct sched *s)
{
	return s->short_runs ? (1 + SCHED_AHEAD) * s->cfg->workers :
	    s->cfg->workers;
}

static struct sjob *
sched_find_running(struct sched *s, int64_t id, int64_t attempt)
{
	struct sjob *sj;

	for (sj = s->running.head; sj != NULL; sj = sj->next)
		if (sj->job.id == id && sj->job.attempts == attempt)
			return sj;
	return NULL;
}

static int
cancel_one(const struct job *j, void *arg)
{
	struct sched *s = arg;
	struct sjob *sj;

	if ((sj = sched_find_running(s, j->id, j->attempts)) != NULL &&
	    atomic_load(&sj->wk.ctl.stop) == RUN_STOP_NONE) {
		log_info("job %" PRId64 ": cancel requested; stopping it",
		    j->id);
		runner_stop(&sj->wk.ctl, RUN_STOP_CANCEL);
	}
	return 0;
}

/* Step 2: stop the runs that jobctl cancel flagged. */
static void
sched_cancels(struct sched *s)
{
	if (s->running.n == 0)
		return;
	if (store_cancel_requests(s->st, s->instance, cancel_one, s) != 0)
		sched_store_error(s, "reading cancel requests");
}

struct reap {
	struct sched		*s;
	struct attempt_end	*ends;
	char			(*owners)[160];
	char			(*reasons)[320];
	size_t			 n;
	int64_t			 now;
	const char		*gone;	/* reaping this instance's leases */
};

static int
reap_one(const struct job *j, void *arg)
{
	struct reap *rp = arg;
	struct sched *s = rp->s;
	struct attempt_end *e = &rp->ends[rp->n];
	struct job_opts o;

	/* Ours and still running here: the heartbeat was late, not lost. */
	if (j->lease_owner != NULL && strcmp(j->lease_owner,
	    s->instance) == 0 && sched_find_running(s, j->id,
	    j->attempts) != NULL)
		return 0;
	snprintf(rp->owners[rp->n], sizeof(rp->owners[rp->n]), "%s",
	    j->lease_owner != NULL ? j->lease_owner : "");
	e->job_id = j->id;
	e->attempt = j->attempts;
	e->owner = rp->owners[rp->n];
	e->outcome = "lost";
	e->finished_at = rp->now;
	e->error = rp->gone != NULL ? "its daemon is gone" :
	    "lease expired: its daemon stopped renewing it";
	sched_job_opts(s, j, &o);
	sched_decide_failure(s, e, o.max_attempts, o.backoff_ms,
	    o.backoff_max_ms, rp->now, rp->reasons[rp->n],
	    sizeof(rp->reasons[rp->n]));
	rp->n++;
	return 0;
}

/*
 * Step 3: expired leases become "lost" attempts, retried or dead; with
 * gone, the leases of that instance of this host, whether expired or not
 * (sched_reclaim()).  Returns how many it reaped (a batch at most), or -1.
 */
static int
sched_reap(struct sched *s, int64_t now, const char *gone)
{
	struct reap rp = { s, NULL, NULL, NULL, 0, now, gone };
	size_t i;
	int rc = -1, error;

	rp.ends = calloc(SCHED_REAP_BATCH, sizeof(*rp.ends));
	rp.owners = calloc(SCHED_REAP_BATCH, sizeof(*rp.owners));
	rp.reasons = calloc(SCHED_REAP_BATCH, sizeof(*rp.reasons));
	if (rp.ends == NULL || rp.owners == NULL || rp.reasons == NULL)
		goto out;
	error = gone != NULL ? store_leases_of(s->st, gone, SCHED_REAP_BATCH,
	    reap_one, &rp) : store_expired_list(s->st, now, SCHED_REAP_BATCH,
	    reap_one, &rp);
	if (error != 0) {
		sched_store_error(s, "looking for expired leases");
		goto out;
	}
	rc = 0;
	if (rp.n == 0)
		goto out;
	rc = -1;
	/* Never two copies: what is left of a lost attempt dies first. */
	for (i = 0; i < rp.n; i++)
		contain_kill_lost(s->contain, rp.ends[i].job_id,
		    rp.ends[i].attempt, rp.ends[i].owner);
	if (store_finish(s->st, rp.ends, rp.n, now) != 0) {
		sched_store_error(s, "reaping %zu expired leases", rp.n);
		goto out;
	}
	for (i = 0; i < rp.n; i++) {
		log_warnx("job %" PRId64 " attempt %" PRId64 ": lease of %s "
		    "%s; attempt lost", rp.ends[i].job_id, rp.ends[i].attempt,
		    rp.owners[i], gone != NULL ? "reclaimed" : "expired");
		sched_log_end(&rp.ends[i], now);
	}
	rc = (int)rp.n;
out:
	free(rp.ends);
	free(rp.owners);
	free(rp.reasons);
	return rc;
}

/*
 * Step 4: claim due jobs for the free slots and hand them to the pool; the
 * results not yet recorded commit in the same transaction.
 */
static int
sched_claim(struct sched *s, int64_t now, int64_t due)
{
	struct attempt_end *ends = NULL;
	char (*reasons)[320] = NULL;
	struct job *jobs = NULL;
	size_t max = 0, nend, n;
	int error;

	/* No write transaction for a claim when nothing is due. */
	if (!s->draining && s->running.n < sched_capacity(s) && due <= now)
		max = (size_t)(sched_capacity(s) - s->running.n);
	if (max == 0) {
		sched_record(s, now);
		return 0;
	}
	nend = (size_t)s->ended.n;
	if ((jobs = calloc(max, sizeof(*jobs))) == NULL)
		return -ENOMEM;
	if (nend > 0 && (ends = sched_ends(s, now, &reasons)) == NULL) {
		free(jobs);
		return -ENOMEM;
	}
	if (nend > 0)
		crash_point("before_result");
	error = store_finish_claim(s->st, ends, nend, now, s->instance,
	    s->cfg->visibility_timeout_ms, max, jobs, &n);
	if (error != 0) {
		free(ends);
		free(reasons);
		free(jobs);
		sched_store_error(s, "claiming jobs");
		/* The results must not wait behind a claim that fails. */
		sched_record(s, now);
		return error;
	}
	if (nend > 0)
		sched_ended(s, ends, nend, now);
	if (n > 0)
		s->short_ms = 0;	/* others' claims are over */
	free(ends);
	free(reasons);
	if (n > 0)
		crash_point("after_lease");
	sched_start(s, jobs, n);
	free(jobs);
	return 0;
}

/* Hand the n claimed jobs[] to the workers (their contents move). */
static void
sched_start(struct sched *s, struct job *jobs, size_t n)
{
	struct job_opts o;
	struct sjob *sj;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((sj = calloc(1, sizeof(*sj))) == NULL ||
		    runner_ctl_init(&sj->wk.ctl) != 0) {
			/* The lease expires and the reaper retries it. */
			log_warnx("job %" PRId64 ": cannot start: out of "
			    "memory or file descriptors", jobs[i].id);
			free(sj);
			job_clear(&jobs[i]);
			continue;
		}
		sj->job = jobs[i];		/* ownership moves */
		sched_job_opts(s, &sj->job, &o);
		sj->max_attempts = o.max_attempts;
		sj->backoff_ms = o.backoff_ms;
		sj->backoff_max_ms = o.backoff_max_ms;
		sj->wk.job.id = sj->job.id;
		sj->wk.job.attempt = sj->job.attempts;
		sj->wk.job.command = sj->job.command;
		sj->wk.job.queue = sj->job.queue;
		sj->wk.job.key = sj->job.key;
		sj->wk.job.schedule = sj->job.schedule;
		sj->wk.job.slot_at = sj->job.slot_at;
		sj->wk.job.env = sj->job.env;
		sj->wk.job.env_len = sj->job.env_len;
		sj->wk.job.notify = sj->job.notify_of != 0;
		sj->wk.job.input = sj->job.input;
		sj->wk.job.input_len = sj->job.input_len;
		sj->wk.job.cwd = sj->job.cwd;
		sj->wk.job.run_as = sj->job.run_as;
		sj->wk.job.timeout_ms = o.timeout_ms;
		sj->wk.job.kill_grace_ms = s->cfg->kill_grace_ms;
		sj->wk.job.max_output = (size_t)s->cfg->max_output;
		sj->wk.job.proc = sj->job.proc;
		procopt_resolve(&sj->wk.job.proc, &s->cfg->proc);
		sj->wk.job.locale_file = s->cfg->locale_file;
		list_add(&s->running, sj);
		log_debug("job %" PRId64 " attempt %" PRId64 ": starting",
		    sj->job.id, sj->job.attempts);
		workers_push(s->workers, &sj->wk);
	}
}

/*
 * Is the database still the file we opened?  Deleted, its directory
 * renamed, or another file put in its place: nothing we write there would
 * be seen again, and jobctl writes to what is at the path now.  Say so and
 * stop with EXIT_DB_GONE (a service manager starts jobd again, on the
 * database at the path): no more claims, running jobs stopped at once;
 * a result that cannot be recorded is dropped (its lease expires in the
 * old file).  And may others write it now (the trust rule, trust.h: the
 * file, its directory, -wal, -shm)?  Then what it holds may be anyone's
 * jobs: stop the same way, with EXIT_DB_UNTRUSTED.
 */
static void
sched_db_check(struct sched *s)
{
	struct stat sb;
	char err[PATH_MAX + 256];
	bool same = false;

	if (!s->db_known || s->db_gone || s->closing)
		return;
	if (stat(s->db_path, &sb) == 0) {
		same = sb.st_dev == s->db_dev && sb.st_ino == s->db_ino;
	} else if (errno != ENOENT && errno != ENOTDIR) {
		return;		/* cannot tell now */
	}
	if (same) {
		if (trust_check_db(s->db_path, err, sizeof(err)) != -EPERM)
			return;
		s->db_untrusted = true;
		log_errx("%s; stopping %d running jobs and exiting (status "
		    "%d)", err, s->running.n, EXIT_DB_UNTRUSTED);
	} else {
		log_errx("database %s was deleted or replaced while jobd "
		    "was running; stopping %d running jobs and exiting "
		    "(status %d): start jobd again to use the database now "
		    "at that path", s->db_path, s->running.n, EXIT_DB_GONE);
	}
	s->db_gone = true;
	s->draining = true;
	sched_stop_runs(s);
}

/*
 * The longest we let pass between two heartbeats: a third of the lease
 * while jobs run, at least poll_interval while idle.  Written with each
 * heartbeat, for jobctl status to tell a late one.
 */
static int64_t
sched_heartbeat_ms(const struct sched *s)
{
	int64_t every = s->cfg->visibility_timeout_ms / 3;

	return every > s->cfg->poll_interval_ms ? every :
	    s->cfg->poll_interval_ms;
}

/*
 * On a database server, every host runs on the server's clock: leases,
 * due times and cron slots are judged alike by all, whatever their own
 * clocks say (store_sync_clock()).  Measured at each heartbeat; an offset
 * of a second or more is logged when it changes by that much.
 */
static void
sched_sync_clock(struct sched *s)
{
	int64_t off, diff;

	if (s->server_clock == NULL ||
	    store_sync_clock(s->st, s->server_clock, &off) != 0)
		return;			/* the last offset stands */
	diff = off - s->skew_said;
	if (diff >= 1000 || diff <= -1000) {
		log_info("this host's clock is %" PRId64 " ms %s the database "
		    "server's; jobd runs on the server's", off < 0 ? -off :
		    off, off < 0 ? "ahead of" : "behind");
		s->skew_said = off;
	}
}

/* Step 5: renew our leases and our heartbeat. */
static void
sched_heartbeat(struct sched *s, int64_t now)
{
	int64_t every;

	if (now < s->next_heartbeat)
		return;
	sched_db_check(s);
	if (store_heartbeat(s->st, s->instance, now,
	    s->cfg->visibility_timeout_ms, sched_heartbeat_ms(s)) != 0) {
		sched_store_error(s, "renewing leases");
		s->next_heartbeat = now + SCHED_RETRY_MS;
		return;
	}
	every = s->cfg->visibility_timeout_ms / 3;
	if (s->running.n == 0 && every < s->cfg->poll_interval_ms)
		every = s->cfg->poll_interval_ms;
	s->next_heartbeat = now + every;
	sched_sync_clock(s);
	/* A daemon of this host that died while we run: take over now. */
	sched_reclaim(s);
}

/* Step 6: sleep until the earliest thing that needs a turn. */
static void
sched_arm(struct sched *s, int64_t now, bool failed)
{
	struct store_times t;
	int64_t next, delay;

	if (store_times(s->st, &t) != 0) {
		sched_store_error(s, "reading the next due time");
		t.due = t.expiry = t.cron = INT64_MAX;
		failed = true;
	}
	next = s->next_heartbeat;
	/*
	 * A due job that the claim left to another daemon's claim, which
	 * held it then, is still due for the store: look again when that
	 * claim is over rather than at once, over and over; and less often
	 * while the same job stays held (a transaction that keeps its row),
	 * so that an idle daemon does not spin.
	 */
	if (t.due <= now && store_claim_short(s->st)) {
		s->short_ms = s->short_ms == 0 ? SCHED_SHORT_MS :
		    s->short_ms * 2 < s->cfg->poll_interval_ms ?
		    s->short_ms * 2 : s->cfg->poll_interval_ms;
		t.due = now + s->short_ms;
	} else
		s->short_ms = 0;
	if (!s->draining && s->running.n < sched_capacity(s) && t.due < next)
		next = t.due;
	/* An expired lease we did not reap is one of ours: not urgent. */
	if (t.expiry <= now)
		t.expiry = now + SCHED_RETRY_MS;
	if (t.expiry < next)
		next = t.expiry;
	if (!s->draining && t.cron < next)
		next = t.cron;
	if (failed || s->ended.n > 0)
		next = next < now + SCHED_RETRY_MS ? next :
		    now + SCHED_RETRY_MS;
	/*
	 * Idle: a good moment to give back what a busy spell left, the WAL
	 * and, when the clock woke us, the heap (not on the turns of
	 * submissions and results, which a stream of short jobs makes often).
	 */
	if (s->running.n == 0 && s->ended.n == 0 && !failed &&
	    !s->turn_failed) {
		(void)store_wal_trim(s->st);
		if (s->timer_turn)
			(void)malloc_trim(0);
	}
	delay = next <= now ? 0 : next - now;
	if (delay > s->cfg->poll_interval_ms)
		delay = s->cfg->poll_interval_ms;
	if (s->turn_failed) {
		/* Back off: all else would meet the same error first. */
		delay = s->backoff_ms;
		s->backoff_until = clock_mono_ms(s->clock) + delay;
		if (store_data_version(s->st, &s->failed_version) != 0)
			s->failed_version = s->data_version;
	} else if (s->backoff_ms != 0 && s->ended.n == 0) {
		(void)log_streak_end(&s->store_errs, clock_mono_ms(s->clock),
		    "database %s works again", store_name(s->st));
		s->backoff_ms = 0;
	}
	(void)uv_timer_start(&s->timer, on_timer, (uint64_t)delay, 0);
}

/* A store error of cron's, reported like the loop's own. */
static void
sched_cron_error(void *arg, const char *what)
{
	sched_store_error(arg, "%s", what);
}

static void
on_close(uv_handle_t *h)
{
	(void)h;
}

static void
close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, on_close);
}

/* The drain is over: every run has ended and been recorded. */
static void
sched_finish(struct sched *s)
{
	struct sjob *sj;

	s->closing = true;
	(void)notify_send("STOPPING=1");
	if (store_daemon_unregister(s->st, s->instance) != 0)
		log_warnx("unregistering: %s", store_errmsg(s->st));
	metricsfile_stop(s->metrics);	/* it says we are gone */
	/*
	 * Not recorded: the database is gone, or it still failed when the
	 * grace ran out.  Its lease runs out (or is reclaimed at the next
	 * start) and the job runs again; the log keeps what it did.
	 */
	while ((sj = s->ended.head) != NULL) {
		log_warnx("job %" PRId64 " attempt %" PRId64 ": result (%s, "
		    "exit %d, signal %d) not recorded: %s; the job runs "
		    "again", sj->job.id, sj->job.attempts,
		    outcome_name(sj->wk.res.outcome), sj->wk.res.exit_code,
		    sj->wk.res.signal, s->db_gone ? "the database is gone" :
		    store_errmsg(s->st));
		list_del(&s->ended, sj);
		sjob_free(sj);
	}
	workers_stop(s->workers);
	s->workers = NULL;
	sched_unwake(s);
	sockserv_stop(s->sock);
	uv_walk(&s->loop, close_walk, NULL);
	log_info("stopped");
}

/* Jobs leased ahead that no worker has started: requeue, do not start. */
static void
sched_unqueue(struct sched *s)
{
	struct work *wk, *next;
	struct sjob *sj;
	int64_t now = now_ms(s);

	for (wk = workers_unqueue(s->workers); wk != NULL; wk = next) {
		next = wk->next;
		sj = container_of(wk, struct sjob, wk);
		memset(&sj->wk.res, 0, sizeof(sj->wk.res));
		sj->wk.res.outcome = RUN_SHUTDOWN;
		sj->wk.res.finished_at = now;
		list_del(&s->running, sj);
		list_add(&s->ended, sj);
	}
}

/* Stop every run still going (shutdown grace over). */
static void
sched_stop_runs(struct sched *s)
{
	struct sjob *sj;

	if (s->stopped_runs)
		return;
	s->stopped_runs = true;
	if (s->running.n > 0)
		log_info("stopping %d running jobs; they will run again",
		    s->running.n);
	for (sj = s->running.head; sj != NULL; sj = sj->next)
		runner_stop(&sj->wk.ctl, RUN_STOP_SHUTDOWN);
}

static void
sched_turn(struct sched *s)
{
	struct store_times t;
	int64_t now, expiry;
	bool failed = false;

	if (s->closing)
		return;
	now = now_ms(s);
	cronfire_tick(s->cron, now, clock_mono_ms(s->clock));
	s->turn_failed = false;
	sched_collect(s);
	if (store_times(s->st, &t) != 0) {
		sched_store_error(s, "reading the next due time");
		t.due = t.expiry = t.cron = now;	/* look at everything */
		failed = true;
	} else if (t.data_version != s->data_version) {
		s->data_version = t.data_version;
		sched_cancels(s);
	}
	if (s->draining)
		t.cron = INT64_MAX;
	/* The reaper and cron's overlap rules must see our results first. */
	if (t.expiry <= now || t.cron <= now)
		sched_record(s, now);
	if (t.expiry <= now)
		(void)sched_reap(s, now, NULL);
	if (t.cron <= now) {
		if (cronfire_due(s->cron, now, false) != 0)
			failed = true;
		/* What cron made may be due now. */
		if (store_next_times(s->st, &t.due, &expiry) != 0)
			t.due = now;
	}
	if (sched_claim(s, now, t.due) != 0)
		failed = true;
	sched_heartbeat(s, now);
	sched_wake_arm(s);
	/*
	 * Done draining once every result is recorded; or, with the database
	 * gone, or still failing after shutdown_grace, without them.
	 */
	if (s->draining && s->running.n == 0 && (s->ended.n == 0 ||
	    s->db_gone || (s->stopped_runs && s->turn_failed))) {
		sched_finish(s);
		return;
	}
	sched_arm(s, now, failed);
}

static void
on_timer(uv_timer_t *t)
{
	struct sched *s = t->data;

	s->timer_turn = true;
	sched_turn(s);
	s->timer_turn = false;
}

static void
on_group(uv_timer_t *t)
{
	sched_turn(t->data);
}

/*
 * A worker finished.  While every worker has a job queued behind its
 * current one, nobody waits for this result's commit: gather the results
 * of the next millisecond into it (group commit).
 */
static void
on_async(uv_async_t *a)
{
	struct sched *s = a->data;

	/* Once shutdown stops the runs, the last of them ends the drain. */
	if (sched_backing_off(s) && !s->stopped_runs) {
		sched_collect(s);	/* kept; recorded at the retry */
		return;
	}
	if (!s->draining && s->short_runs &&
	    workers_queued(s->workers) >= s->cfg->workers) {
		if (!uv_is_active((uv_handle_t *)&s->group))
			(void)uv_timer_start(&s->group, on_group,
			    SCHED_GROUP_MS, 0);
		return;
	}
	(void)uv_timer_stop(&s->group);
	sched_turn(s);
}

/* Another process committed?  Our own commits leave data_version alone. */
static void
on_fs_event(uv_fs_event_t *h, const char *name, int events, int status)
{
	struct sched *s = h->data;
	int64_t v;

	(void)events;
	if (status < 0 || s->closing)
		return;
	if (name == NULL || strcmp(name, s->wal_name) != 0) {
		sched_db_check(s);	/* the file, or its directory */
		if (s->db_gone)
			sched_turn(s);
		if (name != NULL)
			return;
	}
	if (store_data_version(s->st, &v) != 0 || v == s->data_version)
		return;
	/* Backing off: only another process's commit may end it early. */
	if (sched_backing_off(s) && v == s->failed_version)
		return;
	sched_turn(s);
}

static void
on_wake_close(uv_handle_t *h)
{
	free(h);
}

/*
 * The database server's socket is readable: a notification, or the
 * connection's end.  Another process's commit (jobctl's) turns the loop;
 * a lost connection stops the polling until the store reconnects.
 */
static void
on_wake(uv_poll_t *h, int status, int events)
{
	struct sched *s = h->data;
	uint64_t gen;
	bool woke = false;
	int fd;

	(void)events;
	if (s->closing)
		return;
	/* The socket of a connection the store has since replaced: its end. */
	if (status < 0 || store_wake_fd(s->st, &fd, &gen) != 0 ||
	    gen != s->wake_gen || store_wake_read(s->st, &woke) != 0) {
		sched_unwake(s);
		return;
	}
	if (woke && !sched_backing_off(s))
		sched_turn(s);
}

/*
 * Stop polling the server's socket (the one handle that is allocated).
 * uv_close() takes it out of the poll set at once: our copy can go.
 */
static void
sched_unwake(struct sched *s)
{
	if (s->wake != NULL) {
		uv_close((uv_handle_t *)s->wake, on_wake_close);
		s->wake = NULL;
		close(s->wake_fd);
		s->wake_fd = -1;
	}
}

/*
 * Poll the database server's socket, when the database has one
 * (PostgreSQL), and the new one after each reconnection.  A copy of it:
 * the store closes its own when it reconnects, which any later call of
 * this turn may do, and libuv aborts on a descriptor closed under it
 * (epoll_ctl: EBADF) before it has stopped polling it.
 */
static void
sched_wake_arm(struct sched *s)
{
	uint64_t gen;
	int fd;

	if (s->closing || store_wake_fd(s->st, &fd, &gen) != 0 || fd < 0 ||
	    (s->wake != NULL && gen == s->wake_gen))
		return;
	sched_unwake(s);
	if ((fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1)
		return;			/* polled every poll_interval */
	if ((s->wake = calloc(1, sizeof(*s->wake))) == NULL ||
	    uv_poll_init(&s->loop, s->wake, fd) != 0) {
		free(s->wake);
		s->wake = NULL;
		close(fd);
		return;
	}
	s->wake_fd = fd;
	s->wake->data = s;
	s->wake_gen = gen;
	(void)uv_poll_start(s->wake, UV_READABLE, on_wake);
}

static void
on_grace(uv_timer_t *t)
{
	struct sched *s = t->data;

	sched_stop_runs(s);
	if (s->running.n == 0)		/* results the store refused */
		sched_turn(s);
}

static void
on_stop_signal(uv_signal_t *h, int signum)
{
	struct sched *s = h->data;
	struct sjob *sj;

	if (s->draining) {
		log_info("%s again: killing %d running jobs now; they will run "
		    "again", strsignal(signum), s->running.n);
		s->stopped_runs = true;
		for (sj = s->running.head; sj != NULL; sj = sj->next)
			runner_stop_now(&sj->wk.ctl);
		if (s->running.n == 0)	/* results the store refused */
			sched_turn(s);
		return;
	}
	s->draining = true;
	(void)notify_send("STOPPING=1");
	sched_unqueue(s);
	log_info("%s: no new jobs; waiting up to %" PRId64 " ms for %d "
	    "running", strsignal(signum), s->cfg->shutdown_grace_ms,
	    s->running.n);
	if (s->running.n > 0 || s->ended.n > 0)
		(void)uv_timer_start(&s->grace, on_grace,
		    (uint64_t)s->cfg->shutdown_grace_ms, 0);
	sched_turn(s);
}

/*
 * Hand the notification settings of the config to the store: the
 * [notify] section, and what mail needs (mailer, mail_from, mail_on,
 * this host and jobd's own user, for jobs that name none).
 */
static void
sched_notify_conf(struct sched *s)
{
	struct outbox_conf oc;
	struct passwd *pw;
	int i;

	memset(&oc, 0, sizeof(oc));
	for (i = 0; i < JOB_NHOOKS; i++)
		oc.hook[i] = s->cfg->notify_hook[i];
	oc.max_attempts = s->cfg->notify_max_attempts;
	oc.timeout_ms = s->cfg->notify_timeout_ms;
	oc.mailer = config_mailer(s->cfg);
	oc.mail_from = s->cfg->mail_from;
	oc.mail_on = (enum mail_on)s->cfg->mail_on;
	oc.host = s->host;
	oc.user = (pw = getpwuid(geteuid())) != NULL ? pw->pw_name : "?";
	if (store_notify_set(s->st, &oc) != 0)
		log_warnx("notifications: %s; global hooks not applied",
		    store_errmsg(s->st));
}

/*
 * jobd.conf's [queue NAME] sections into the database (store_queue_sync):
 * at start and on SIGHUP, so that every daemon and jobctl see them.
 */
static void
sched_queue_sync(struct sched *s)
{
	const struct jd_config *c = s->cfg;
	struct queue_settings *sets = NULL;
	const char **names = NULL;
	size_t i;

	if (c->nqueues > 0 &&
	    ((names = calloc(c->nqueues, sizeof(*names))) == NULL ||
	    (sets = calloc(c->nqueues, sizeof(*sets))) == NULL)) {
		log_warnx("[queue] sections: out of memory; queue settings "
		    "not applied");
		goto out;
	}
	for (i = 0; i < c->nqueues; i++) {
		names[i] = c->queues[i].name;
		sets[i] = c->queues[i].set;
	}
	if (store_queue_sync(s->st, names, sets, c->nqueues) != 0)
		log_warnx("[queue] sections: %s; queue settings not applied",
		    store_errmsg(s->st));
out:
	free(names);
	free(sets);
}

/*
 * SIGHUP: metrics_file and metrics_interval from the new config n; a file
 * that cannot be written there keeps the old ones.
 */
static void
sched_metrics_reload(struct sched *s, struct jd_config *n)
{
	char err[512];
	char *tmp;

	if (n->metrics_file != NULL &&
	    metrics_check_path(n->metrics_file, err, sizeof(err)) != 0) {
		log_warnx("SIGHUP: metrics_file = %s; metrics unchanged", err);
		return;
	}
	if (metricsfile_set(s->metrics, n->metrics_file,
	    n->metrics_interval_ms) != 0) {
		log_warnx("SIGHUP: out of memory; metrics unchanged");
		return;
	}
	tmp = s->cfg->metrics_file;	/* n frees the old one */
	s->cfg->metrics_file = n->metrics_file;
	n->metrics_file = tmp;
	s->cfg->metrics_interval_ms = n->metrics_interval_ms;
}

/* SIGHUP: reload the config; keep the old one if the new one is bad. */
static void
on_sighup(uv_signal_t *h, int signum)
{
	struct sched *s = h->data;
	struct jd_config n;
	char err[512];
	int error, i;

	(void)signum;
	(void)notify_send("RELOADING=1");
	if (s->config_path == NULL) {
		log_info("SIGHUP: no configuration file to reload");
		goto out;
	}
	if (config_defaults(&n) != 0) {
		log_warnx("SIGHUP: out of memory; configuration unchanged");
		goto out;
	}
	/* A file others could change is refused like a bad one. */
	error = config_load_file(&n, s->config_path, CONFIG_PRIVATE, err,
	    sizeof(err));
	if (error != 0 && error != -ENOENT) {
		log_warnx("SIGHUP: %s; configuration unchanged", err);
		config_free(&n);
		goto out;
	}
	if (n.workers != s->cfg->workers)
		log_warnx("SIGHUP: workers = %d takes a restart; still %d",
		    n.workers, s->cfg->workers);
	s->cfg->poll_interval_ms = n.poll_interval_ms;
	s->cfg->visibility_timeout_ms = n.visibility_timeout_ms;
	s->cfg->shutdown_grace_ms = n.shutdown_grace_ms;
	s->cfg->kill_grace_ms = n.kill_grace_ms;
	s->cfg->max_output = n.max_output;
	s->cfg->max_catchup = n.max_catchup;
	s->cfg->max_running_per_user = n.max_running_per_user;
	store_set_user_max(s->st, n.max_running_per_user);
	s->cfg->max_attempts = n.max_attempts;
	s->cfg->timeout_ms = n.timeout_ms;
	s->cfg->backoff_ms = n.backoff_ms;
	s->cfg->backoff_max_ms = n.backoff_max_ms;
	s->cfg->proc = n.proc;
	for (i = 0; i < JOB_NHOOKS; i++) {
		free(s->cfg->notify_hook[i]);
		s->cfg->notify_hook[i] = n.notify_hook[i];
		n.notify_hook[i] = NULL;
	}
	s->cfg->notify_max_attempts = n.notify_max_attempts;
	s->cfg->notify_timeout_ms = n.notify_timeout_ms;
	free(s->cfg->mailer);
	s->cfg->mailer = n.mailer;
	n.mailer = NULL;
	free(s->cfg->mail_from);
	s->cfg->mail_from = n.mail_from;
	n.mail_from = NULL;
	s->cfg->mail_on = n.mail_on;
	sched_notify_conf(s);
	sched_metrics_reload(s, &n);
	s->cfg->retention = n.retention;
	s->cfg->prune_interval_ms = n.prune_interval_ms;
	s->cfg->quota = n.quota;
	free(s->cfg->queues);
	s->cfg->queues = n.queues;
	s->cfg->nqueues = n.nqueues;
	n.queues = NULL;
	n.nqueues = 0;
	sched_queue_sync(s);
	config_free(&n);
	retain_kick(&s->retain);
	log_info("SIGHUP: reloaded %s", s->config_path);
out:
	sched_db_check(s);
	(void)schedfile_sync(s->st, s->cfg->schedules_dir, now_ms(s));
	s->next_heartbeat = 0;
	sched_turn(s);
	(void)notify_send("READY=1");
}

static void
on_watchdog(uv_timer_t *t)
{
	(void)t;
	(void)notify_send("WATCHDOG=1");
}

/* Wake-up from worker threads: the only call they make into the loop. */
static void
notify_loop(void *arg)
{
	struct sched *s = arg;

	(void)uv_async_send(&s->async);
}

/*
 * Is daemon d provably gone?  Only for this host: another boot, or its
 * pid is no longer a jobd (or is us).
 */
static bool
daemon_is_gone(const struct sched *s, const struct daemon_info *d)
{
	return strcmp(d->instance, s->instance) != 0 &&
	    procfs_daemon_state(d, s->host, s->boot_id) == PROCFS_DAEMON_GONE;
}

struct gone {
	char	(*instances)[160];
	size_t	 n, cap;
	const struct sched *s;
};

static int
gone_one(const struct daemon_info *d, void *arg)
{
	struct gone *g = arg;

	if (g->n < g->cap && daemon_is_gone(g->s, d))
		snprintf(g->instances[g->n++], sizeof(g->instances[0]), "%s",
		    d->instance);
	return 0;
}

/*
 * Fast recovery: reclaim at once the leases of dead instances here.  Their
 * attempts are reaped here and now, what is left of each killed first
 * (sched_reap()), rather than left to expire: a daemon of another host
 * could reap an expired lease first, and it cannot kill what runs here.
 */
static void
sched_reclaim(struct sched *s)
{
	struct gone g = { NULL, 0, 64, s };
	int64_t n, reaped;
	size_t i;
	int rc;

	if ((g.instances = calloc(g.cap, sizeof(*g.instances))) == NULL)
		return;
	if (store_daemon_list(s->st, gone_one, &g) != 0)
		sched_store_error(s, "listing daemons");
	for (i = 0; i < g.n; i++) {
		/* A batch not full was the last: no query to find none. */
		reaped = 0;
		do {
			rc = sched_reap(s, now_ms(s), g.instances[i]);
			reaped += rc > 0 ? rc : 0;
		} while (rc == SCHED_REAP_BATCH);
		if (rc < 0 || store_daemon_reclaim(s->st, g.instances[i],
		    now_ms(s), &n) != 0) {
			sched_store_error(s, "reclaiming leases of %s",
			    g.instances[i]);
			continue;
		}
		log_info("instance %s is gone; reclaimed %" PRId64 " leases",
		    g.instances[i], reaped + n);
	}
	free(g.instances);
}

static int
sched_identity(struct sched *s)
{
	uint64_t seed;
	const char *boot;
	char *dot;

	if (gethostname(s->host, sizeof(s->host) - 1) != 0)
		snprintf(s->host, sizeof(s->host), "localhost");
	s->host[sizeof(s->host) - 1] = '\0';
	if ((dot = strchr(s->host, '.')) != NULL)
		*dot = '\0';
	/* For tests, as JOBD_TEST_CLOCK is: another boot's id, from a file. */
	if ((boot = getenv("JOBD_TEST_BOOT_ID")) == NULL || *boot == '\0')
		boot = PROCFS_BOOT_ID;
	procfs_line(boot, s->boot_id, sizeof(s->boot_id));
	seed = (uint64_t)clock_mono_ms(s->clock) ^
	    ((uint64_t)getpid() << 32) ^ (uint64_t)now_ms(s);
	if (uv_random(NULL, NULL, &seed, sizeof(seed), 0, NULL) != 0)
		seed ^= (uint64_t)(uintptr_t)s;
	s->rng = seed != 0 ? seed : 0x9e3779b97f4a7c15ULL;
	snprintf(s->instance, sizeof(s->instance), "%s:%ld:%08" PRIx32,
	    s->host, (long)getpid(), (uint32_t)sched_random(s));
	return 0;
}

/*
 * Watch the database's directory for commits (writes to the WAL), or its
 * server's socket for notifications.
 */
static void
sched_watch(struct sched *s)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(s->db_path, '/');
	uint64_t gen;
	int error, fd;

	if (store_wake_fd(s->st, &fd, &gen) == 0 && fd >= 0) {
		sched_wake_arm(s);
		return;
	}
	if (slash == NULL) {
		snprintf(dir, sizeof(dir), ".");
		snprintf(s->wal_name, sizeof(s->wal_name), "%s-wal",
		    s->db_path);
	} else {
		snprintf(dir, sizeof(dir), "%.*s",
		    slash == s->db_path ? 1 : (int)(slash - s->db_path),
		    s->db_path);
		snprintf(s->wal_name, sizeof(s->wal_name), "%s-wal", slash + 1);
	}
	if ((error = uv_fs_event_init(&s->loop, &s->fsev)) == 0) {
		s->fsev.data = s;
		error = uv_fs_event_start(&s->fsev, on_fs_event, dir, 0);
	}
	if (error != 0)
		log_warnx("cannot watch %s for new jobs (%s); polling every "
		    "%" PRId64 " ms", dir, uv_strerror(error),
		    s->cfg->poll_interval_ms);
}

/*
 * Submissions from the socket (sockreq.c's batch): with a worker free,
 * written by the claim's transaction, with the results waiting to be
 * recorded, so that one that is due starts one commit after it came;
 * else written, then claimed as usual.  An error writes nothing (nor
 * records the results, which the next turn records): the socket then
 * writes each submission on its own, for its own answer.
 */
static int
sched_submit(void *arg, const struct job_spec *specs, size_t n,
    int64_t *ids, bool *existed)
{
	struct sched *s = arg;
	struct store_sub sub = { specs, n, ids, existed };
	struct attempt_end *ends = NULL;
	char (*reasons)[320] = NULL;
	struct job *jobs;
	size_t max = 0, got = 0, nend;
	int64_t now = now_ms(s);
	int error;

	if (!s->draining && !s->closing && !sched_backing_off(s) &&
	    s->running.n < sched_capacity(s) &&
	    store_claim_takes_submits(s->st))
		max = (size_t)(sched_capacity(s) - s->running.n);
	if (max == 0)
		return store_submit(s->st, specs, n, ids, existed);
	nend = (size_t)s->ended.n;
	if ((jobs = calloc(max, sizeof(*jobs))) == NULL ||
	    (nend > 0 && (ends = sched_ends(s, now, &reasons)) == NULL)) {
		free(jobs);
		return -ENOMEM;
	}
	if (nend > 0)
		crash_point("before_result");
	error = store_submit_claim(s->st, &sub, ends, nend, now, s->instance,
	    s->cfg->visibility_timeout_ms, max, jobs, &got);
	if (error == 0) {
		if (nend > 0)
			sched_ended(s, ends, nend, now);
		log_debug("socket: %zu job%s written by a claim of %zu", n,
		    n == 1 ? "" : "s", got);
		if (got > 0)
			crash_point("after_lease");
		sched_start(s, jobs, got);
	}
	free(ends);
	free(reasons);
	free(jobs);
	return error;
}

/* Jobs came through the socket: claim what is due now. */
static void
sched_kick(void *arg)
{
	struct sched *s = arg;

	if (s->closing || s->draining || sched_backing_off(s))
		return;
	(void)uv_timer_stop(&s->group);
	sched_turn(s);
}

int
sched_run(const struct sched_opts *o)
{
	struct sched *s;
	struct daemon_info d;
	struct stat sb;
	char err[512];
	int64_t wd;
	int error, rc = 0;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_errx("out of memory");
		return 1;
	}
	s->st = o->st;
	s->cfg = o->cfg;
	s->config_path = o->config_path;
	s->db_path = o->db_path;
	s->clock = o->clock;
	s->server_clock = o->server_clock;
	sched_sync_clock(s);
	sched_identity(s);
	sched_notify_conf(s);

	if ((error = uv_loop_init(&s->loop)) != 0) {
		log_errx("uv_loop_init: %s", uv_strerror(error));
		free(s);
		return 1;
	}
	uv_timer_init(&s->loop, &s->timer);
	uv_timer_init(&s->loop, &s->grace);
	uv_timer_init(&s->loop, &s->watchdog);
	uv_timer_init(&s->loop, &s->group);
	uv_async_init(&s->loop, &s->async, on_async);
	uv_signal_init(&s->loop, &s->sigterm);
	uv_signal_init(&s->loop, &s->sigint);
	uv_signal_init(&s->loop, &s->sighup);
	s->timer.data = s->grace.data = s->watchdog.data = s->group.data = s;
	s->async.data = s;
	s->sigterm.data = s->sigint.data = s->sighup.data = s;
	uv_signal_start(&s->sigterm, on_stop_signal, SIGTERM);
	uv_signal_start(&s->sigint, on_stop_signal, SIGINT);
	uv_signal_start(&s->sighup, on_sighup, SIGHUP);

	if (stat(s->db_path, &sb) == 0) {
		s->db_known = true;
		s->db_dev = sb.st_dev;
		s->db_ino = sb.st_ino;
	}
	if ((s->metrics = metricsfile_new(&s->loop, s->st, s->clock)) ==
	    NULL || metricsfile_set(s->metrics, s->cfg->metrics_file,
	    s->cfg->metrics_interval_ms) != 0) {
		log_warnx("out of memory");
		rc = 1;
		goto out;
	}
	if ((s->cron = cronfire_new(s->st, s->cfg, sched_cron_error, s,
	    now_ms(s), s->boot_id)) == NULL) {
		log_warnx("out of memory");
		rc = 1;
		goto out;
	}
	memset(&d, 0, sizeof(d));
	d.instance = s->instance;
	d.host = s->host;
	d.pid = getpid();
	d.boot_id = s->boot_id;
	d.version = JOBD_VERSION;
	d.started_at = d.heartbeat_at = now_ms(s);
	d.heartbeat_ms = sched_heartbeat_ms(s);
	store_set_user_max(s->st, s->cfg->max_running_per_user);
	store_set_decide(s->st, sched_decide_fenced, s);
	if (contain_open(&s->contain, s->cfg->cgroups, s->st,
	    s->host, s->boot_id, s->instance) != 0) {
		log_warnx("out of memory");
		rc = 1;
		goto out;
	}
	sched_reclaim(s);
	if (store_daemon_register(s->st, &d) != 0) {
		log_errx("registering with the database: %s",
		    store_errmsg(s->st));
		rc = 1;
		goto out;
	}
	if ((error = workers_start(&s->workers, s->cfg->workers, s->clock,
	    notify_loop, s)) != 0) {
		log_errx("starting %d workers: %s", s->cfg->workers,
		    strerror(-error));
		(void)store_daemon_unregister(s->st, s->instance);
		rc = 1;
		goto out;
	}
	workers_set_cgroups(s->workers, contain_cgroups(s->contain));
	if ((error = sockserv_start(&s->sock, &s->loop, s->st, s->cfg,
	    s->clock, o->confdir, sched_submit, sched_kick, s, err,
	    sizeof(err))) != 0) {
		log_errx("%s", err);
		(void)store_daemon_unregister(s->st, s->instance);
		rc = 1;
		goto out;
	}
	sched_watch(s);
	retain_init(&s->retain, &s->loop, s->st, s->cfg, s->clock);
	/*
	 * WATCHDOG=1 at half the interval systemd asks for, from a timer of
	 * the loop itself: a loop that is stuck (in a turn that does not
	 * return) sends none, and systemd restarts jobd.  At least every
	 * 1 ms: a repeat of 0 would fire once.
	 */
	if ((wd = notify_watchdog_ms()) > 0) {
		wd = wd / 2 > 0 ? wd / 2 : 1;
		(void)uv_timer_start(&s->watchdog, on_watchdog, (uint64_t)wd,
		    (uint64_t)wd);
	}
	sched_queue_sync(s);
	(void)schedfile_sync(s->st, s->cfg->schedules_dir, now_ms(s));
	(void)cronfire_due(s->cron, now_ms(s), true);	/* @reboot */
	(void)store_data_version(s->st, &s->data_version);
	s->next_heartbeat = now_ms(s) + s->cfg->poll_interval_ms;
	log_info("started: instance %s, %d workers, database %s",
	    s->instance, s->cfg->workers, store_name(s->st));
	(void)notify_send("READY=1");
	sched_turn(s);
	uv_run(&s->loop, UV_RUN_DEFAULT);
out:
	if (!s->closing) {
		workers_stop(s->workers);
		sched_unwake(s);
		sockserv_stop(s->sock);
		uv_walk(&s->loop, close_walk, NULL);
	}
	uv_run(&s->loop, UV_RUN_DEFAULT);
	sockserv_free(s->sock);
	if ((error = uv_loop_close(&s->loop)) != 0)
		log_warnx("closing the loop: %s", uv_strerror(error));
	if (s->db_gone)
		rc = s->db_untrusted ? EXIT_DB_UNTRUSTED : EXIT_DB_GONE;
	contain_close(s->contain);
	cronfire_free(s->cron);
	metricsfile_free(s->metrics);
	free(s);
	return rc;
}
