/*
 * metrics: jobd's metrics in the Prometheus text exposition format
 * (version 0.0.4), for "jobctl metrics" and for jobd's metrics_file alike,
 * so the two never differ.
 *
 * The store fills a snapshot (store_metrics_read(), in store_metrics.c)
 * from small tables kept up to date by the transactions that record what
 * they count: counters survive restarts and the pruning of old rows, and
 * reading them scans no table of jobs.  metrics_collect() adds what the
 * database cannot say (whether a registered daemon is alive, the sizes of
 * the files); metrics_format() prints it.  metrics_write_file() replaces
 * a file atomically.
 *
 * No global state; every function may be called from any one thread at a
 * time per snapshot.
 */
#ifndef JOBD_METRICS_H
#define JOBD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jobd/job.h"

struct store;

/*
 * The upper bounds (ms) of the run duration histogram's buckets, +Inf
 * apart: fixed, so that a series keeps its meaning across versions.
 */
#define METRICS_NBUCKETS	12
extern const int64_t metrics_bucket_ms[METRICS_NBUCKETS];

/* Attempt outcomes, in attempts.outcome's words. */
#define METRICS_NOUTCOMES	6
extern const char *const metrics_outcomes[METRICS_NOUTCOMES];

/* One queue: every queue that has or had a job. */
struct metrics_queue {
	char	*name;				/* owned */
	int64_t	 jobs[JOB_NSTATES];		/* by enum job_state */
	int64_t	 oldest_due;			/* run_at (UTC ms) of the oldest
						   due pending job; 0: none */
	int64_t	 dead_total;			/* jobs dead-lettered, ever */
	int64_t	 attempts[METRICS_NOUTCOMES];	/* ended, ever */
	int64_t	 runs;				/* that ran: histogram count */
	int64_t	 run_ms;			/* their total duration */
	int64_t	 buckets[METRICS_NBUCKETS];	/* not cumulative */
};

/* One schedule that exists now. */
struct metrics_schedule {
	char	*name;			/* owned */
	int64_t	 fired;			/* slots made into a job */
	int64_t	 skipped;		/* skipped (overlap, catch-up once) */
	int64_t	 missed;		/* missed while jobd could not run
					   them, and not run */
	int64_t	 last_success;		/* UTC ms; 0: never */
};

/* One registered daemon. */
struct metrics_daemon {
	char	*instance;		/* owned */
	char	*host;			/* owned */
	char	*boot_id;		/* owned */
	int64_t	 pid;
	int64_t	 started_at;		/* UTC ms */
	int64_t	 heartbeat_at;		/* UTC ms */
	bool	 up;			/* metrics_collect(): alive */
};

struct metrics_snapshot {
	int64_t			 now;		/* UTC ms, when read */
	struct metrics_queue	*queues;	/* by name */
	size_t			 nqueues;
	struct metrics_schedule	*scheds;	/* by name */
	size_t			 nscheds;
	struct metrics_daemon	*daemons;	/* by start time */
	size_t			 ndaemons;
	int64_t			 db_bytes;	/* the database file */
	int64_t			 wal_bytes;	/* its -wal file; 0: none */
};

/*
 * Fill *snap from the store at time now (UTC ms), in one read
 * transaction: jobs by queue and state, the oldest due pending job of each
 * queue, the counters, the schedules and the daemons, and the sizes of the
 * database and WAL files.  The daemons' up flags are left false.  Costs a
 * walk of the counter tables, of the due pending jobs (an index) and of
 * the schedules and daemons; never of all jobs.  Returns 0 or a negative
 * errno (store_errmsg() says more); *snap is then empty.  Free with
 * metrics_free().  (store_metrics.c)
 */
int	store_metrics_read(struct store *st, int64_t now,
	    struct metrics_snapshot *snap);

/*
 * store_metrics_read(), then whether each daemon is up: one of this host
 * (its host name and boot) is up while its pid is that jobd
 * (procfs_daemon_state()); one of another host while it is registered.
 */
int	metrics_collect(struct store *st, int64_t now,
	    struct metrics_snapshot *snap);

/* Free what *snap owns; *snap is then empty.  NULL-safe. */
void	metrics_free(struct metrics_snapshot *snap);

/*
 * Print *snap to fp in the text exposition format 0.0.4: each family with
 * its # HELP and # TYPE lines, label values escaped (\\, \" and \n).
 * Returns 0, or -EIO when writing failed.
 */
int	metrics_format(const struct metrics_snapshot *snap, FILE *fp);

/*
 * Replace file "path" with the len bytes at text atomically: write a
 * temporary file in the same directory (mode 0644), fsync it, rename it
 * over path, fsync the directory.  Readers see the old file or the new
 * one, never part of one.  Returns 0, or a negative errno with
 * "PATH: reason" in err (errlen bytes); the temporary file is removed.
 */
int	metrics_write_file(const char *path, const char *text, size_t len,
	    char *err, size_t errlen);

/*
 * Can metrics_write_file() write path: an absolute path whose directory
 * exists and is a directory?  Returns 0, or a negative errno with a
 * one-line reason naming path in err.
 */
int	metrics_check_path(const char *path, char *err, size_t errlen);

#endif /* JOBD_METRICS_H */
