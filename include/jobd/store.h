/*
 * store: the job database.  Every SQL statement of jobd lives in the
 * store's files (src/core/store*.c), the only ones that include <sqlite3.h>.
 *
 * A store is one SQLite connection in WAL mode with synchronous=FULL,
 * foreign keys on and a busy timeout.  Every write runs in a BEGIN
 * IMMEDIATE transaction, retried a bounded number of times when the
 * database stays locked.  Statements are prepared once per store.
 *
 * A store is used by one thread at a time.  Functions return 0 or a
 * negative errno; store_errmsg() then says more.  Errors:
 *   -ENOENT     no such file, directory or job
 *   -EISDIR     the path is a directory
 *   -EACCES     permission denied
 *   -EROFS      the database is read-only
 *   -EBUSY      the database stayed locked
 *   -EBADMSG    not a jobd database, not SQLite, or corrupt
 *   -EPROTONOSUPPORT  made by a newer jobd (schema version too new)
 *   -ENOSPC     disk or database full
 *   -EIO        I/O error
 *   -ENOMEM     out of memory
 *   -EINVAL     bad argument (e.g. a value the schema refuses)
 */
#ifndef JOBD_STORE_H
#define JOBD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobd/retention.h"

#include "jobd/job.h"
#include "jobd/queue.h"

struct jd_clock;
struct jd_offset_clock;
struct store;

/* store_open() flags */
#define STORE_CREATE	0x01	/* create the file (0600) when missing */
#define STORE_MKDIR	0x02	/* also create missing directories (0700) */
#define STORE_READONLY	0x04	/* open read-only, never migrate */
#define STORE_POKE	0x08	/* after each commit, touch the WAL file so
				   a daemon watching it sees the commit */
#define STORE_SMALL	0x10	/* a page cache of 512 KiB (a long-lived
				   daemon that reads little) */
#define STORE_NOFOLLOW	0x20	/* a symbolic link at the path is refused
				   (-ELOOP), never followed */

/*
 * Open the database at "path", creating and migrating it as flags allow,
 * and return it in *stp.  The clock is borrowed for the life of the store.
 * Without STORE_CREATE a missing file is -ENOENT.  A database whose schema
 * is newer than this build is refused (-EPROTONOSUPPORT) and left untouched.
 * On error, a message naming the path is written to err (errlen bytes) and
 * *stp is not written.
 */
int	store_open(struct store **stp, const char *path, int flags,
	    const struct jd_clock *clock, char *err, size_t errlen);

/* Finalize every statement and close.  NULL is fine. */
void	store_close(struct store *st);

/*
 * Reach a database through the jobd listening on the Unix socket at path
 * rather than opening it: the calls a user may make of their own jobs
 * (submit, the job calls, cancel, rerun, dead retry, why) are sent to
 * jobd, which runs them as that user; any other call fails with -EPERM.
 * Errors as store_open(); -ENOENT and -ECONNREFUSED when no jobd listens
 * there.
 */
int	store_connect(struct store **stp, const char *path,
	    const struct jd_clock *clock, char *err, size_t errlen);
/* Whether st came from store_connect(). */
bool	store_is_remote(const struct store *st);

/* The message of the last failed call on st, never NULL. */
const char *store_errmsg(const struct store *st);

/*
 * The exit status (sysexits(3)) of a program that fails with a store's
 * error: 66 no such database or job, 65 bad data, 69 a newer schema, 74
 * I/O, 75 locked, the server unreachable, a queue full (-EAGAIN) or a
 * user's quota reached (-EDQUOT, quota.h): try again later; 77
 * permission, 71 out of memory, else 1.  jobd and jobctl both exit by it.
 */
int	store_exit_code(int error);

/* The schema version this build writes (the number of migrations). */
int	store_schema_version(void);

/*
 * Submit the n jobs of specs[] in one transaction.  For each, ids[i] gets
 * the job's id and existed[i] (if existed is not NULL) whether a job with
 * the same idempotency key was already there, in which case nothing was
 * created for it.  All or nothing: on error no job was created.
 *
 * A key names its job until key_ttl_ms after that job finished (done,
 * cancelled or dead); a pending or running job holds its key.  An expired
 * key, or one whose job was purged, is free: a new job takes it, and the
 * old job keeps its idempotency_key.  A key that names a job with other
 * contents (command, queue, priority, the job options, environment, cwd,
 * user, process options, or a start time asked for another way: key_when)
 * is -EEXIST, with a message naming the key, the job and what differs.
 * A queue with a max_pending that the new jobs would overfill refuses
 * them all: -EAGAIN, with a message saying how full (jobd's own queues
 * are never refused).
 */
int	store_submit(struct store *st, const struct job_spec *specs, size_t n,
	    int64_t *ids, bool *existed);

struct job_filter {
	int		 state;		/* an enum job_state, or -1: any */
	const char	*queue;		/* or NULL: any */
	int64_t		 limit;		/* > 0 */
	unsigned	 states;	/* 1 << enum job_state, OR-ed; 0: any
					   (with state, both must match) */
	int64_t		 schedule_id;	/* made by this schedule; 0: any */
	int64_t		 since;		/* created at or after (UTC ms); 0 */
	const char	*run_as;	/* runs as this user; NULL: any */
};

/* Called for each job or attempt; return non-zero to stop (returned). */
typedef int (*store_job_fn)(const struct job *j, void *arg);
typedef int (*store_attempt_fn)(const struct attempt *a, void *arg);

/*
 * Call fn for the jobs that match f, live and dead, newest (highest id)
 * first.  The job handed to fn is borrowed.
 */
int	store_job_list(struct store *st, const struct job_filter *f,
	    store_job_fn fn, void *arg);

/*
 * Submit finished job "id" (done, cancelled or dead) again as a new job,
 * pending at run_at: the same command and options (not its idempotency
 * key, slot or predecessor), still its schedule's if that exists, with
 * rerun_of = id.  *new_id gets the new job's id.  -ENOENT when there is no
 * such job, -EINPROGRESS when it is pending or running (nothing created).
 */
int	store_job_rerun(struct store *st, int64_t id, int64_t run_at,
	    int64_t *new_id);

/* Called with the id of each rerun of a job; return non-zero to stop. */
typedef int (*store_id_fn)(int64_t id, void *arg);

/* Call fn for every job that is a rerun of job "id", oldest first. */
int	store_job_reruns(struct store *st, int64_t id, store_id_fn fn,
	    void *arg);

/*
 * One dependency edge (jobctl submit --after): the job at the other end
 * (id), its state (JOB_NSTATES when it is gone, pruned), whether any
 * outcome meets it (--after-any) and whether it is met.
 */
struct store_dep {
	int64_t		 id;
	enum job_state	 state;
	bool		 any;
	bool		 met;
};
typedef int (*store_dep_fn)(const struct store_dep *d, void *arg);

/*
 * Call fn for each job that job "id" waits on (dependents false), or for
 * each job that waits on it (dependents true), by id.
 */
int	store_job_deps(struct store *st, int64_t id, bool dependents,
	    store_dep_fn fn, void *arg);

/* Read job "id", live or dead, into *out (owned; job_clear()).  -ENOENT. */
int	store_job_get(struct store *st, int64_t id, struct job *out);

/* Call fn for every attempt of job "id", oldest first. */
int	store_attempt_list(struct store *st, int64_t id, store_attempt_fn fn,
	    void *arg);

/*
 * Cancel the n jobs of ids[] in one transaction: a pending job becomes
 * cancelled, a running one is flagged for its daemon to kill, and one
 * already cancelled stays so.  was[i] gets each job's state before the
 * call.  All or nothing: when a job does not exist (-ENOENT) or has
 * finished as done or dead (-EALREADY), nothing changes and *bad gets the
 * index of the first such job.
 */
int	store_cancel(struct store *st, const int64_t *ids, size_t n,
	    enum job_state *was, size_t *bad);

/* Called with the job count of each (queue, state) that has jobs. */
typedef int (*store_count_fn)(const char *queue, enum job_state state,
    int64_t count, void *arg);

/* Count jobs by queue and state, queues in name order. */
int	store_count(struct store *st, store_count_fn fn, void *arg);

struct daemon_info {
	const char	*instance;
	const char	*host;
	int64_t		 pid;
	const char	*boot_id;
	const char	*version;
	int64_t		 started_at;	/* UTC ms */
	int64_t		 heartbeat_at;	/* UTC ms */
	int64_t		 heartbeat_ms;	/* the longest gap between two
					   heartbeats it promises; 0: none
					   said */
};
typedef int (*store_daemon_fn)(const struct daemon_info *d, void *arg);

/* Call fn for every registered daemon, by start time. */
int	store_daemon_list(struct store *st, store_daemon_fn fn, void *arg);

/*
 * The daemon's side.  All of these run on the loop thread that owns the
 * store.  Times are UTC ms; "owner" is the daemon instance id, the lease
 * owner.  The store applies decisions; the scheduler makes them.
 */

/* Register daemon d (all fields set) in the daemons table. */
int	store_daemon_register(struct store *st, const struct daemon_info *d);

/* Remove daemon "instance" (clean shutdown).  Its leases stay as they are. */
int	store_daemon_unregister(struct store *st, const char *instance);

/*
 * Daemon "instance" is provably gone: expire the leases of its running
 * jobs now (the reaper then treats them as lost) and remove its row, in
 * one transaction.  *n gets the number of leases expired.
 */
int	store_daemon_reclaim(struct store *st, const char *instance,
	    int64_t now, int64_t *n);

/*
 * Claim up to max due jobs for owner in one transaction: pending, run_at <=
 * now, no dependency left, its overlap = queue predecessor ended, its
 * queue not paused, below its concurrency (all daemons), with a token in
 * its rate bucket, its user below the per-user limits (the queue's and
 * store_set_user_max()'s); queues by weighted fair sharing, within a
 * queue by priority, run_at, id (store_claim.c); each becomes running with
 * lease_expires_at = now + lease_ms and attempts + 1, and gets an attempts
 * row (started_at = now, until the result gives the spawn time).  The
 * claimed jobs are written to out[] (owned: job_clear() each), in claim
 * order, their number to *n.
 */
int	store_claim(struct store *st, const char *owner, int64_t now,
	    int64_t lease_ms, size_t max, struct job *out, size_t *n);

/*
 * Submissions written by the transaction of a claim
 * (store_submit_claim()): as store_submit()'s arguments.
 */
struct store_sub {
	const struct job_spec	*specs;
	size_t			 n;
	int64_t			*ids;
	bool			*existed;
};

/*
 * store_finish_claim() of ends[0..n-1] and max jobs for owner, with
 * store_submit() of sub written by the same transaction: a submission
 * that is due finds its worker with one commit, one fsync.  All or
 * nothing.  Only on a backend whose claims take the one writer's lock
 * (SQLite: store_claim_takes_submits()); elsewhere -EOPNOTSUPP, and the
 * caller submits, then claims.
 */
struct attempt_end;
bool	store_claim_takes_submits(const struct store *st);
int	store_submit_claim(struct store *st, const struct store_sub *sub,
	    struct attempt_end *ends, size_t n, int64_t now,
	    const char *owner, int64_t lease_ms, size_t max,
	    struct job *out, size_t *got);

/*
 * Whether the last claim may have left due jobs behind that other
 * daemons' claims held at that moment (a backend whose claims run side
 * by side): claim again shortly rather than at once, since the next
 * due time still counts them.  Always false on SQLite.
 */
bool	store_claim_short(struct store *st);

/*
 * The global max_running_per_user (jobd.conf) the claim applies and the
 * daemon's row records; 0: no limit.
 */
void	store_set_user_max(struct store *st, int64_t max);

/*
 * Why a pending job does not start: the first rule of the claim it does
 * not meet, checked in this order.  until: a time (UTC ms) when it says;
 * n: what the reason counts; ids: the jobs it names (owned).
 */
enum why_reason {
	WHY_NONE,		/* not a pending job */
	WHY_DEPS,		/* ids: its dependencies not yet met */
	WHY_AFTER,		/* n: the overlap = queue predecessor */
	WHY_PAUSED,		/* its queue is paused */
	WHY_LATER,		/* until: its run_at */
	WHY_BACKOFF,		/* until: its run_at; n: attempts so far */
	WHY_CONCURRENCY,	/* n: the limit; ids: the running jobs */
	WHY_RATE,		/* until: the next token; n: rate_n */
	WHY_USER_QUEUE,		/* n: the queue's max_running_per_user */
	WHY_USER_GLOBAL,	/* n: the daemons' max_running_per_user */
	WHY_NO_DAEMON,		/* no daemon registered */
	WHY_NEXT		/* due: starts at the next claim */
};

struct job_why {
	enum why_reason	 reason;
	int64_t		 until;
	int64_t		 n;
	int64_t		*ids;
	size_t		 nids;
};

/* Why pending job id waits at now; WHY_NONE when it is not pending. */
int	store_job_why(struct store *st, int64_t id, int64_t now,
	    struct job_why *w);
void	job_why_clear(struct job_why *w);

/*
 * Extend the leases of owner's running jobs to now + lease_ms and stamp
 * the daemon's heartbeat, with every_ms the longest it now lets pass
 * until the next one (daemon_info.heartbeat_ms), in one transaction.
 */
int	store_heartbeat(struct store *st, const char *owner, int64_t now,
	    int64_t lease_ms, int64_t every_ms);

/*
 * Containment: what a daemon needs to kill the remains of an attempt whose
 * daemon died.  pid is the shell, the leader of the attempt's session;
 * pid_start its start time in clock ticks after boot (/proc/PID/stat field
 * 22); boot_id the boot it ran in; cgroup its cgroup (the path below the
 * cgroup2 mount) or NULL.
 */
struct attempt_proc {
	int64_t		 job_id;
	int64_t		 attempt;
	int64_t		 pid;		/* 0: none recorded */
	int64_t		 pid_start;
	const char	*boot_id;
	const char	*cgroup;
};

/*
 * Record the processes of the n started attempts of p[] that owner still
 * holds the lease of (fenced like a result: the others are left alone), in
 * one transaction that does not wait for the disk.
 */
int	store_attempt_procs(struct store *st, const char *owner,
	    const struct attempt_proc *p, size_t n);

/*
 * Read what store_attempt_procs() recorded for attempt "attempt" of job
 * job_id into *out; out->pid is 0 when nothing was.  The strings go into
 * boot (bootlen bytes) and cgroup (cglen bytes), which out points to.
 */
int	store_attempt_proc_get(struct store *st, int64_t job_id,
	    int64_t attempt, struct attempt_proc *out, char *boot,
	    size_t bootlen, char *cgroup, size_t cglen);

/*
 * The earliest time a pending job may start, by the claim's rules
 * (*next_due: a time at or before now when one may start now), and the
 * earliest lease expiry of a running job (*next_expiry); INT64_MAX when
 * there is none.
 */
int	store_next_times(struct store *st, int64_t *next_due,
	    int64_t *next_expiry);

/*
 * When the WAL file has grown past 16 MiB (readers that kept overlapping
 * stopped its reuse), checkpoint it and truncate it to nothing, unless a
 * reader still needs it: then -EBUSY at once, with nothing lost; try again
 * later.  For an idle moment of the daemon.
 */
int	store_wal_trim(struct store *st);

struct store_times {
	int64_t	due;		/* store_next_times() */
	int64_t	expiry;
	int64_t	cron;		/* an enabled schedule's next run */
	int64_t	data_version;	/* store_data_version() */
};

/* All four of the daemon's timers in one read: one snapshot, one lock. */
int	store_times(struct store *st, struct store_times *t);

/*
 * Call fn for each running job whose lease expired at or before now
 * (any owner), oldest expiry first, at most max of them.
 */
int	store_expired_list(struct store *st, int64_t now, size_t max,
	    store_job_fn fn, void *arg);

/*
 * Call fn for each running job leased by owner, expired or not, at most
 * max of them: the leases of a daemon known to be gone.
 */
int	store_leases_of(struct store *st, const char *owner, size_t max,
	    store_job_fn fn, void *arg);

/* Call fn for each of owner's running jobs that has a cancel request. */
int	store_cancel_requests(struct store *st, const char *owner,
	    store_job_fn fn, void *arg);

/*
 * PRAGMA data_version: changes when another connection commits, not when
 * this one does.
 */
int	store_data_version(struct store *st, int64_t *v);

/*
 * Wake-ups from a database server (PostgreSQL's LISTEN/NOTIFY), for a
 * daemon: *fd gets the socket to poll for reading, or -1 when the engine
 * has none (SQLite: watch the database file); *gen a number that changes
 * whenever the socket does (a reconnection): poll the new one then.  The
 * first call starts listening.  When the socket is readable,
 * store_wake_read() sets *woke when another connection committed work
 * meant to wake daemons (jobctl's commits, STORE_POKE).
 */
int	store_wake_fd(struct store *st, int *fd, uint64_t *gen);
int	store_wake_read(struct store *st, bool *woke);

/*
 * Set clock c to the database server's time: its offset becomes how far
 * the server's clock is ahead of c's base (half the round trip counted as
 * the server's), also into *off.  Every process on a database server,
 * jobd and jobctl alike, runs on that time, so that due times, leases and
 * cron slots mean the same on every host.  A test's absolute clock
 * (clock_is_test_absolute()) is the server's time already: offset 0.
 * -EOPNOTSUPP when the database has no server (SQLite: one host, one
 * clock); on an error the offset is left as it was.
 */
int	store_sync_clock(struct store *st, struct jd_offset_clock *c,
	    int64_t *off);

/*
 * Two numbers that name the database on this host, the same for every
 * process that opens it by whatever name: a file's device and inode; for
 * a database on a server, 0 and a hash of its name, password masked (so
 * that one password or another makes no other database).
 */
int	store_identity(struct store *st, uint64_t id[2]);

/* The database's name for messages: a URI's password masked. */
const char *store_name(const struct store *st);

/* What becomes of a job when an attempt ends. */
enum end_action {
	END_DONE,	/* state done */
	END_RETRY,	/* pending again at run_at */
	END_DEAD,	/* into dead_jobs with reason */
	END_CANCELLED,	/* state cancelled */
	END_REQUEUE,	/* pending at run_at, the attempt not counted */
};

/* One ended attempt, and the decision about its job. */
struct attempt_end {
	int64_t		 job_id;
	int64_t		 attempt;	/* the fencing token */
	const char	*owner;		/* the lease owner it ran under */
	const char	*outcome;	/* ok, failed, timeout, lost, ... */
	bool		 has_exit_code;
	int64_t		 exit_code;
	int64_t		 signal;	/* 0: none */
	int64_t		 started_at;	/* 0: keep the claim's time */
	int64_t		 finished_at;
	const void	*output;	/* the output tail, may be NULL */
	size_t		 output_len;
	int64_t		 output_dropped;
	const char	*error;		/* why it ended, or NULL */
	enum end_action	 action;	/* in; out: what was done */
	int64_t		 run_at;	/* END_RETRY, END_REQUEUE */
	const char	*reason;	/* END_DEAD */
	bool		 applied;	/* out: false when the lease was lost */
	bool		 cancel_requested; /* out: the fence saw the job
					   flagged by jobctl cancel */
};

/*
 * The daemon's choice once the fence has been read: fn is called inside
 * the recording transaction for each end that applies, with
 * e->cancel_requested set, and may change e->action (with run_at and
 * reason).  Without fn, the action stands: the store reports what the
 * fence saw and decides nothing.
 */
typedef void (*store_decide_fn)(struct attempt_end *e, void *arg);
void	store_set_decide(struct store *st, store_decide_fn fn, void *arg);

/*
 * Record the n ended attempts of ends[] in one transaction (group commit).
 * Each is fenced: it applies only if the job is still running with the
 * same attempt number under the same owner; otherwise ends[i].applied is
 * false and the result is noted on the attempt row as late and ignored;
 * otherwise store_set_decide()'s function has its say.  A dead job moves
 * to dead_jobs in the same transaction.
 */
int	store_finish(struct store *st, struct attempt_end *ends, size_t n,
	    int64_t now);

/*
 * store_finish() of ends[], then store_claim() of up to max jobs for
 * owner, in one transaction: one commit, one fsync, for a worker's result
 * and its next job.  On an error nothing is recorded or claimed.
 */
int	store_finish_claim(struct store *st, struct attempt_end *ends,
	    size_t n, int64_t now, const char *owner, int64_t lease_ms,
	    size_t max, struct job *out, size_t *got);

/*
 * The daemon's notification settings (outbox.h): global hooks and the
 * attempts and timeout of a notification job, copied.  From then on,
 * every attempt end that store_finish() records also inserts, in the same
 * transaction, the notification jobs that outbox_plan() makes of it.
 * Without this call only jobs' and schedules' own hooks notify.
 */
struct outbox_conf;
int	store_notify_set(struct store *st, const struct outbox_conf *c);

/*
 * jobctl's side of the dead-letter table.
 */

/*
 * Move the n dead jobs of ids[] back to pending (run_at now, attempts 0,
 * same ids), in one transaction; all or nothing: an id that is not dead
 * is -ENOENT with its index in *bad.  With n == 0, move every dead job;
 * *moved gets the count.
 */
int	store_dead_retry(struct store *st, const int64_t *ids, size_t n,
	    int64_t now, size_t *bad, int64_t *moved);

/*
 * Delete the dead jobs that died before "before" (UTC ms; INT64_MAX: all),
 * with their attempts.  *purged gets the count.
 */
int	store_dead_purge(struct store *st, int64_t before, int64_t *purged);

/*
 * Retention (store_prune.c).  What one prune removed: jobs by state
 * (enum ret_kind below RET_NSTATES), their attempt rows and idempotency
 * keys, and the attempts whose output was cleared; output_bytes counts
 * the output bytes of both.
 */
struct prune_counts {
	int64_t	 jobs[RET_NSTATES];
	int64_t	 attempts;
	int64_t	 keys;
	int64_t	 outputs;
	int64_t	 output_bytes;
	int64_t	 next_schedule;	/* where the next step goes on with the
				   schedule_runs cap; 0 after a pass */
};

/*
 * One bounded step of pruning by rules *r (retention.h), in one
 * transaction: at most max_rows jobs and output clearings, and no new
 * one started after budget_ms (of CLOCK_MONOTONIC) since the transaction
 * began (but at least one row a step, so that steps make progress).
 * Adds what it removed to *c and keeps in it where to go on; *more is set
 * when work may be left (call again with the same *c).  Never removes a
 * pending or running job, nor what PRUNE_KEEP spares: a job a live rerun
 * was copied from, a schedule's newest finished, done and dead jobs.  A pruned job's idempotency key
 * is freed: the next submission with it makes a new job.
 */
int	store_prune_step(struct store *st, const struct prune_rules *r,
	    int max_rows, int64_t budget_ms, struct prune_counts *c,
	    bool *more);

/*
 * What pruning by *r would remove, all of it, into *c: the same work in
 * one transaction that is then rolled back (it holds the write lock
 * while it counts).
 */
int	store_prune_dry(struct store *st, const struct prune_rules *r,
	    struct prune_counts *c);

/*
 * Give back up to "pages" free pages to the file system (PRAGMA
 * incremental_vacuum), in one transaction.  *left gets the free pages
 * that remain to give back: 0 also when the database is not in
 * auto_vacuum = INCREMENTAL (nothing can be given back then).
 */
int	store_vacuum_step(struct store *st, int pages, int64_t *left);

/*
 * The highest job id ever given (0: none), to tell a pruned job from
 * one that never was.
 */
int	store_last_job_id(struct store *st, int64_t *id);

/*
 * Copying a whole database into an empty one (store_copy.c), e.g. from
 * SQLite to PostgreSQL: one table copied, reported to a store_copy_fn.
 */
struct store_copy_table {
	const char	*name;		/* the table's; static */
	int64_t		 rows;		/* its rows, in both databases */
	int64_t		 next_id;	/* the id the target gives next; 0:
					   the table has no ids of its own */
};
typedef int (*store_copy_fn)(const struct store_copy_table *t, void *arg);

/* store_copy() flags */
#define STORE_COPY_DRY	0x01	/* do it all, check it, then roll back */

/*
 * Copy every row of every table of "from" into "to", which must have the
 * same schema and no rows, in one transaction of "to" read from one
 * snapshot of "from".  Rows keep their ids; each table's id sequence is
 * then set so that the next id is above every id copied and every id
 * "from" ever gave (so pruned ids are never given again).  The counts
 * the schema's triggers keep (metric_jobs, queues.ready) are made by the
 * triggers as the jobs go in, and checked against a count of the jobs.
 * Before the commit, and again after it, each table must hold as many
 * rows as in "from" (the queues and counts the triggers keep: at least as
 * many).  Then fn (may be NULL) is called for each table, in the order
 * copied, which a foreign key's table comes before its referrers'; a
 * non-zero return stops the calls and is returned (the copy stays).
 *
 * Errors, with the words in store_errmsg(to) naming the table (and the
 * row, by its first column) and the database by store_name():
 *   -ENOTEMPTY  "to" has rows (nothing changed)
 *   -EBADMSG    the schemas differ: a table or column in one and not the
 *               other, or of another type
 *   -EINVAL     a value "to" refuses (e.g. text PostgreSQL cannot store)
 *   -EIO        a check failed (for a check after the commit, the copy
 *               is committed and the message says so)
 * and any error of either store, from's marked with its name.  Every
 * error but the last kind leaves "to" as it was.  The caller opens both
 * stores; "from" may be opened STORE_READONLY.
 */
int	store_copy(struct store *from, struct store *to, int flags,
	    store_copy_fn fn, void *arg);

/*
 * Schedules.  Names are unique.  The store computes no fire times: callers
 * pass next_run_at in (cron.h decides).
 */
struct schedule;

/* Called for each schedule; the schedule is borrowed. */
typedef int (*store_schedule_fn)(const struct schedule *s, void *arg);

/*
 * Create schedule s (s->id, created_at and updated_at are ignored), or with
 * replace, update the one of the same name in place (keeping its id and
 * ledger).  -EEXIST when the name exists and replace is false, or exists
 * with another source.  *id gets the id.
 */
int	store_schedule_put(struct store *st, const struct schedule *s,
	    bool replace, int64_t *id);

/*
 * Change the definition of the CLI-made schedule s->name in place (id,
 * created_at, enabled, ledger and jobs stay): every field of
 * SCHED_DEF_COLS but the name and enabled; next_run_at only with
 * new_next (the cron expression or zone changed).  -ENOENT when there is
 * no such schedule, -EPERM when it comes from a file or a crontab (its
 * source would undo the change).
 */
int	store_schedule_set(struct store *st, const struct schedule *s,
	    bool new_next);

/* How a schedule's runs ended lately (store_schedule_last()). */
struct sched_last {
	int64_t		 job_id;	/* the newest finished job; 0: none */
	enum job_state	 state;		/* JOB_DONE, JOB_CANCELLED, JOB_DEAD */
	int64_t		 at;		/* when it ended, UTC ms */
	bool		 has_exit_code;
	int64_t		 exit_code;
	int64_t		 ok_job_id;	/* the newest done job; 0: none */
	int64_t		 ok_at;		/* when it ended, UTC ms */
};

/*
 * The newest finished job (by id: the latest made) of schedule id and
 * the newest one that succeeded, into *out; reruns and "schedule run"
 * count.  Zeroes when there are none.
 */
int	store_schedule_last(struct store *st, int64_t id,
	    struct sched_last *out);

/* Read schedule "name" into *out (owned).  -ENOENT. */
int	store_schedule_get(struct store *st, const char *name,
	    struct schedule *out);

/* Call fn for every schedule, by name. */
int	store_schedule_list(struct store *st, store_schedule_fn fn, void *arg);

/* Delete schedule "name" and its ledger; its jobs stay.  -ENOENT. */
int	store_schedule_delete(struct store *st, const char *name);

/*
 * Enable or disable schedule "name"; when enabling, next_run_at is its next
 * fire time from now (so a long-disabled schedule does not catch up).
 * -ENOENT.
 */
int	store_schedule_enable(struct store *st, const char *name, bool enabled,
	    int64_t next_run_at);

/*
 * Make the schedules of "source" exactly items[0..n-1], in one
 * transaction: create the new ones, update the changed ones (by name),
 * delete the ones no longer there.  A name that belongs to another source
 * is -EEXIST with its index in *bad and nothing changed.  *created,
 * *updated and *deleted (each may be NULL) get the counts; a schedule
 * whose definition is unchanged is not counted and keeps its next_run_at.
 */
int	store_schedule_sync(struct store *st, const char *source,
	    const struct schedule *items, size_t n, size_t *bad,
	    int64_t *created, int64_t *updated, int64_t *deleted);

/*
 * Crontabs (store_crontab.c): each user's text as written, and the
 * schedules of its entries, whose source is store_crontab_source()'s.
 *
 * store_crontab_source() writes "crontab:~USER" into buf (len bytes).
 * store_crontab_get() reads user's text into *text (allocated, with a
 * NUL after its *len bytes); -ENOENT when the user has none.
 * store_crontab_put() installs user's text (len bytes) and makes the
 * schedules of its source exactly items[0..n-1] (each with that source),
 * in one transaction, as store_schedule_sync() does, with its *bad and
 * counts; the row of a text that did not change is left as it was.
 * store_crontab_remove() deletes user's text and its schedules in one
 * transaction, their count in *deleted (may be NULL); -ENOENT when the
 * user has no crontab.
 */
#define STORE_CRONTAB_SOURCE_MAX	300
void	store_crontab_source(const char *user, char *buf, size_t len);
/*
 * The prefix of the names of user's crontab entries, "crontab-USER" with
 * every byte that a schedule name cannot hold made '_'; its entries are
 * named PREFIX:HASH.
 */
void	store_crontab_prefix(const char *user, char *buf, size_t len);
int	store_crontab_get(struct store *st, const char *user, char **text,
	    size_t *len);
int	store_crontab_put(struct store *st, const char *user, const char *text,
	    size_t len, const struct schedule *items, size_t n, size_t *bad,
	    int64_t *created, int64_t *updated, int64_t *deleted);
int	store_crontab_remove(struct store *st, const char *user,
	    int64_t *deleted);

/*
 * What one run_as user has in the database (store_user.c), for quota.h:
 * the user's jobs that have not finished (pending or running), the
 * schedules whose run_as is the user (any source), and the bytes of
 * attempt output kept for the user's jobs, live and dead.
 */
struct user_usage {
	int64_t	 pending;
	int64_t	 schedules;
	int64_t	 output;	/* bytes */
};

/*
 * What user "user" has now, matched by run_as = user, into *u, read in
 * one statement (one snapshot).  Each count is an index search on the
 * user (schema/021_users.sql): the jobs of other users cost nothing; the
 * output sum visits each of the user's own jobs and dead jobs, their
 * attempts by job.  Any thread that holds st.
 */
int	store_user_usage(struct store *st, const char *user,
	    struct user_usage *u);

/*
 * One source of store_schedule_sync_dir(): its schedules, or keep (a file
 * that cannot be read: its schedules stay as they are).  The counts are
 * set by the call.
 */
struct sched_src {
	const char		*source;
	const struct schedule	*items;
	size_t			 n;
	bool			 keep;
	int64_t			 created, updated, moved, deleted;
};

/*
 * Make the schedules of the sources "prefix" NAME (NAME without a '/':
 * the files of one directory) exactly those of srcs[0..nsrc-1], in one
 * transaction: as store_schedule_sync() for each, except that a name that
 * belongs to another source under prefix, not kept, is moved to its new
 * source in place (id, ledger, jobs and next_run_at kept; then updated if
 * its definition changed), and the schedules of sources under prefix that
 * are not in srcs (files that are gone) are deleted (*gone, may be NULL,
 * counts them).  A name that belongs to any other source, or to a kept
 * one, is -EEXIST with its place in *bad_src and *bad, nothing changed.
 * A name should be in one source of srcs only: the caller checks.
 */
int	store_schedule_sync_dir(struct store *st, const char *prefix,
	    struct sched_src *srcs, size_t nsrc, size_t *bad_src, size_t *bad,
	    int64_t *gone);

/*
 * Call fn for each enabled schedule with a next_run_at at or before now,
 * earliest first, at most max of them.  With reboot, call it instead for
 * every enabled @reboot schedule (next_run_at 0).
 */
int	store_schedule_due(struct store *st, int64_t now, size_t max,
	    bool reboot, store_schedule_fn fn, void *arg);

/*
 * The newest pending or running job of schedule id, in *job_id (0: none).
 */
int	store_schedule_active(struct store *st, int64_t id, int64_t *job_id);

/* One slot of a schedule that came due, and what to do with it. */
struct slot {
	int64_t		 slot_at;	/* UTC ms */
	bool		 skip;		/* record as skipped, make no job */
	const char	*reason;	/* why skipped (or late), or NULL */
	int64_t		 after_id;	/* the job waits for this one; 0;
					   -1: the job of the slot before */
	int64_t		 job_id;	/* out: the job made, 0 if none */
	int64_t		 missed;	/* skipped: the slots missed while
					   jobd could not run them that it
					   stands for, itself included; 0:
					   skipped for another reason */
};

/*
 * Fire schedule s: in one transaction, record each of slots[0..n-1] in the
 * ledger, making a job (from s's template, with schedule_id and slot_at)
 * for each slot not skipped, and move the schedule to next_run_at (0
 * keeps it; last_run_at becomes the latest slot).  A slot already in the
 * ledger (another daemon got there first) is left alone and makes no job.
 * Ledger rows beyond the newest STORE_SLOTS_KEPT of the schedule are
 * pruned.  A slot_at of 0 means "run now" (jobctl schedule run): a job
 * without a ledger row or slot.  A slot whose queue is full (its
 * max_pending) is skipped with that reason (slot->reason then points into
 * st until its next fire), never silently; "run now" is refused then
 * (-EAGAIN, a message saying how full).
 */
#define STORE_SLOTS_KEPT	1000
int	store_schedule_fire(struct store *st, const struct schedule *s,
	    struct slot *slots, size_t n, int64_t next_run_at, int64_t now);

/*
 * Fire @reboot schedule s for boot "boot_id" (the kernel's boot id):
 * once per boot, whatever the number of starts or of daemons.  In one
 * transaction: when s has not yet run for this boot, record that it has
 * and fire slot as store_schedule_fire() does (next_run_at kept);
 * otherwise change nothing and return -EALREADY.
 */
int	store_schedule_reboot(struct store *st, const struct schedule *s,
	    const char *boot_id, struct slot *slot, int64_t now);

/* A ledger row, borrowed during the callback. */
struct slot_info {
	int64_t		 slot_at;
	int64_t		 job_id;	/* 0: none */
	const char	*outcome;	/* "queued" or "skipped" */
	const char	*reason;	/* or the dead job's, or NULL */
	const char	*job_state;	/* the job's state now, or NULL */
};
typedef int (*store_slot_fn)(const struct slot_info *si, void *arg);

/* Call fn for the newest "limit" ledger rows of schedule id, newest first. */
int	store_schedule_slots(struct store *st, int64_t id, int64_t limit,
	    store_slot_fn fn, void *arg);

/*
 * jobctl stats (store_stats.c): per queue and per schedule, what the
 * attempts that ended in a window say.  Reads one snapshot.
 */
enum stats_kind {
	STATS_QUEUE,
	STATS_SCHEDULE,
};

/* One row, borrowed during the callback. */
struct stats_row {
	enum stats_kind	 kind;
	const char	*name;		/* the queue's or the schedule's */
	int64_t		 runs;		/* attempts that ended in the window */
	int64_t		 failures;	/* of them: failed, timeout, lost or
					   spawn_error */
	int64_t		 p50_ms;	/* their durations' 50th and 95th */
	int64_t		 p95_ms;	/* percentiles (stats_percentile());
					   -1 when runs is 0 */
	int64_t		 last_ok;	/* finished_at of the newest done job,
					   at any time; 0: none */
	int64_t		 dead;		/* dead jobs now, at any time */
};
typedef int (*store_stats_fn)(const struct stats_row *r, void *arg);

struct stats_filter {
	int64_t		 since;		/* the window: attempts that ended */
	int64_t		 until;		/* in [since, until], UTC ms */
	const char	*queue;		/* only this queue, and the schedules
					   whose queue it is; or NULL */
	const char	*schedule;	/* only this schedule, and no queue
					   rows; or NULL */
};

/*
 * Call fn for each queue (those that have jobs, live or dead), by name,
 * then for each schedule, by name, as f limits them.  An attempt counts
 * for the queue and the schedule of its job; one whose job was removed
 * counts for none.  -ENOENT when f->schedule names no schedule.
 */
int	store_stats(struct store *st, const struct stats_filter *f,
	    store_stats_fn fn, void *arg);

/*
 * jobctl status: how many running jobs have a lease that expired before
 * "before" (UTC ms), into *n; the earliest such expiry into *oldest and
 * its job into *job (both 0 when *n is 0).
 */
int	store_stuck_leases(struct store *st, int64_t before, int64_t *n,
	    int64_t *oldest, int64_t *job);

/*
 * Queues as objects (store_queue.c).  A queue exists by name as soon as a
 * job names it; a row in queues gives it settings (queue.h) and its
 * paused flag.  source: where its settings come from, "cli" (jobctl queue
 * set) or "config" ([queue NAME] in jobd.conf, which owns them then).
 * pending and running are read from the counts the triggers keep
 * (metric_jobs), not counted.
 */
struct queue_info {
	const char		*name;		/* borrowed */
	bool			 paused;
	bool			 stored;	/* it has a row in queues */
	bool			 config;	/* source = 'config' */
	struct queue_settings	 set;
	int64_t			 pending, running;
	int64_t			 updated_at;	/* UTC ms; 0 without a row */
};
typedef int (*store_queue_fn)(const struct queue_info *q, void *arg);

/* Call fn for every queue that has jobs (any state) or a row, by name. */
int	store_queue_list(struct store *st, store_queue_fn fn, void *arg);

/* Read queue "name" into *q (q->name is name).  -ENOENT: neither. */
int	store_queue_get(struct store *st, const char *name,
	    struct queue_info *q);

/*
 * jobctl queue set: the settings of queue "name" whose bit (1 << enum
 * queue_key) is in mask become those of *s; the others stay.  A new rate
 * starts with a full bucket.  -EPERM (nothing changed, a message naming
 * jobd.conf) when [queue NAME] in jobd.conf owns its settings; -EINVAL
 * when the result breaks queue_settings_check().
 */
int	store_queue_set(struct store *st, const char *name,
	    const struct queue_settings *s, unsigned mask);

/* Pause or resume queue "name"; *was (if not NULL) gets the old flag. */
int	store_queue_pause(struct store *st, const char *name, bool paused,
	    bool *was);

/*
 * jobd.conf's [queue NAME] sections, all of them, in one transaction:
 * each queue of names[] (n of them) gets settings sets[i], source
 * 'config'; a queue that had source 'config' and is no longer in the file
 * loses its settings (back to the defaults, source 'cli'); paused flags
 * never change.
 */
int	store_queue_sync(struct store *st, const char *const *names,
	    const struct queue_settings *sets, size_t n);

/*
 * The settings of queue "name" into *s (queue_settings_init() when it
 * has no row): what its jobs inherit.
 */
int	store_queue_settings(struct store *st, const char *name,
	    struct queue_settings *s);

#endif /* JOBD_STORE_H */
