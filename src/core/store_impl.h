/*
 * store_impl: what the files of the store share, and nothing outside them
 * sees.
 *
 * The store's logic is written once, against the statement calls below
 * (db_step(), db_bind_int(), db_col_text(), ...), and runs on either
 * backend: a struct store_ops, one per database engine, carries out those
 * calls, the transactions and the engine's own upkeep.  SQLite's is
 * store_sqlite.c, the only file that includes sqlite3.h.
 *
 * A statement is named by its enum store_stmt and its SQL is in store_sql[]
 * (store_sql.c); it is prepared on first use by store_stmt() and reset
 * after every use.  Parameters are numbered ?N.
 */
#ifndef JOBD_STORE_IMPL_H
#define JOBD_STORE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobd/job.h"
#include "jobd/metrics.h"
#include "jobd/store.h"

enum store_stmt {
	Q_BEGIN,
	Q_BEGIN_CLAIM,
	Q_COMMIT,
	Q_ROLLBACK,
	Q_KEY_FIND,
	Q_KEY_TAKE,
	Q_INSERT,
	Q_GET,
	Q_LIST,
	Q_ATTEMPTS,
	Q_STATE,
	Q_CANCEL_PENDING,
	Q_CANCEL_RUNNING,
	Q_COUNT,
	Q_DAEMONS,
	Q_DAEMON_INSERT,
	Q_DAEMON_DELETE,
	Q_RECLAIM,
	Q_CLAIM_QNEXT,
	Q_CLAIM_QUEUE,
	Q_CLAIM_VNOW,
	Q_CLAIM_PRIO,
	Q_CLAIM_PICK,
	Q_CLAIM_PEEK,
	Q_CLAIM_QLOCK,
	Q_CLAIM_QTRY,
	Q_CLAIM_ULOCK,
	Q_CLAIM_QROWS,
	Q_CLAIM_QSAVE,
	Q_CLAIM_USERS,
	Q_WHY_JOB,
	Q_WHY_DEPS,
	Q_WHY_RUNNING,
	Q_WHY_DAEMONS,
	Q_CLAIM,
	Q_CLAIMED,
	Q_ATTEMPT_START,
	Q_HEARTBEAT_JOBS,
	Q_HEARTBEAT_DAEMON,
	Q_ATTEMPT_PROC,
	Q_ATTEMPT_PROC_GET,
	Q_NEXT_EXPIRY,
	Q_TIMES,
	Q_EXPIRED,
	Q_LEASES_OF,
	Q_CANCEL_REQUESTS,
	Q_DATA_VERSION,
	Q_FENCE,
	Q_END_JOB,
	Q_END_ATTEMPT,
	Q_LATE_ATTEMPT,
	Q_TO_DEAD,
	Q_DELETE_JOB,
	Q_DEAD_STATE,
	Q_DEAD_TO_JOBS,
	Q_DEAD_DELETE,
	Q_DEAD_ALL_TO_JOBS,
	Q_DEAD_DELETE_ALL,
	Q_DEAD_QUEUES,
	Q_PURGE_ATTEMPTS,
	Q_PURGE_DEAD,
	Q_SCHED_INSERT,
	Q_SCHED_UPDATE,
	Q_SCHED_GET,
	Q_SCHED_LIST,
	Q_SCHED_DELETE,
	Q_SCHED_ENABLE,
	Q_SCHED_SOURCE,
	Q_SCHED_SAME,
	Q_SCHED_OF_SOURCE,
	Q_SCHED_MOVE,
	Q_SCHED_UNDER,
	Q_SCHED_DUE,
	Q_SCHED_REBOOT,
	Q_SCHED_ACTIVE,
	Q_SLOT_INSERT,
	Q_SLOT_JOB,
	Q_SLOT_PRUNE,
	Q_SCHED_FIRED,
	Q_SLOT_LIST,
	Q_SCHED_BOOT,
	Q_RERUN,
	Q_RERUN_QUEUE,
	Q_RERUNS,
	Q_SCHED_SET,
	Q_SCHED_LAST,
	Q_SCHED_LAST_OK,
	Q_NOTIFY_OUTCOME,
	Q_NOTIFY_INSERT,
	Q_METRIC_ATTEMPT,
	Q_METRIC_LAST_OK,
	Q_METRIC_ADD,
	Q_METRIC_JOBS,
	Q_METRIC_ATTEMPTS,
	Q_METRIC_DEADS,
	Q_METRIC_LAG,
	Q_METRIC_SCHEDS,
	Q_STATS_QUEUES,
	Q_STATS_SCHEDS,
	Q_STATS_RUNS_Q,
	Q_STATS_RUNS_S,
	Q_STATS_TIMES_Q,
	Q_STATS_TIMES_S,
	Q_STATS_DEAD_Q,
	Q_STATS_DEAD_S,
	Q_STATS_OK_Q,
	Q_STATS_OK_S,
	Q_STUCK_LEASES,
	Q_PRUNE_DONE,
	Q_PRUNE_CANCELLED,
	Q_PRUNE_DEAD,
	Q_PRUNE_SCHEDS,
	Q_PRUNE_CAP_LIVE,
	Q_PRUNE_CAP_DEAD,
	Q_PRUNE_SIZE,
	Q_PRUNE_ATTEMPTS,
	Q_PRUNE_KEY,
	Q_PRUNE_JOB,
	Q_PRUNE_DEAD_JOB,
	Q_PRUNE_OUTPUTS,
	Q_PRUNE_OUTPUT,
	Q_DEP_INSERT,
	Q_DEP_WAITING,
	Q_DEP_MET_JOBS,
	Q_DEP_MET,
	Q_DEP_VICTIMS,
	Q_DEP_CANCEL,
	Q_DEP_LIST,
	Q_DEP_RLIST,
	Q_DEP_FORGET,
	Q_DEP_FORGET_DEP,
	Q_DEP_PURGE,
	Q_DEP_PURGE_DEP,
	Q_FREELIST,
	Q_AUTO_VACUUM,
	Q_LAST_ID,
	Q_QUEUE_LIST,
	Q_QUEUE_GET,
	Q_QUEUE_UPSERT,
	Q_QUEUE_PAUSE,
	Q_QUEUE_UNCONFIG,
	Q_QUEUE_ROOM,
	Q_QUEUE_SETTINGS,
	Q_CRONTAB_GET,
	Q_CRONTAB_PUT,
	Q_CRONTAB_DELETE,
	Q_USER_USAGE,
	Q_COPY_TABLES,
	Q_COPY_SEQ_GET,
	Q_COPY_CHECK,
	Q_MAX
};

/* What db_step() returns when it does not fail (a negative errno). */
#define DB_DONE		0	/* the statement has run to its end */
#define DB_ROW		1	/* a row is there to read */

/*
 * The type of a column (db_col_type()): SQLite's storage classes, which
 * PostgreSQL's types map onto (bigint, boolean: DB_INT; double
 * precision: DB_FLOAT; bytea: DB_BLOB; the rest: DB_TEXT).
 */
enum db_type {
	DB_NULL,	/* no declared type, and the value is NULL */
	DB_INT,
	DB_FLOAT,
	DB_TEXT,
	DB_BLOB,
};

/* The kinds of transaction (store_ops.begin). */
enum store_txn {
	TXN_WRITE,	/* a durable write: the write lock taken up front,
			   the commit on disk when it returns */
	TXN_LIGHT,	/* a write that need not survive a power cut
			   (heartbeats): its commit does not wait for the
			   disk */
	TXN_READ,	/* reads from one snapshot */
	TXN_CLAIM,	/* a daemon's results and claim: a TXN_WRITE, which
			   on a backend with row_locks may run beside other
			   claims (never beside another kind of write) */
};

/*
 * A prepared statement, of whichever backend: each backend's own begins
 * with this.
 */
struct stmt {
	const struct store_ops	*ops;
};

/*
 * A database engine.  Every call that can fail returns 0 (or DB_ROW,
 * DB_DONE) or a negative errno, with the words in the store's errmsg.
 * Statement text is bound with db_bind_text(): the string must stay as it
 * is until the statement is reset (db_bind_textc() copies it).  Bindings
 * stay until rebound or cleared; a column read is valid until the next
 * step or reset.
 */
struct store_ops {
	const char	*name;		/* "SQLite", "PostgreSQL" */
	/*
	 * Claims (TXN_CLAIM) of several daemons run at once: the claim
	 * locks the rows it takes and the queues whose limits it counts
	 * (store_claim.c).  False: one writer at a time, as SQLite.
	 */
	bool		 row_locks;
	/* keep: the statement is kept for the store's life */
	int		 (*prepare)(struct store *, const char *sql, bool keep,
			    struct stmt **);
	void		 (*finalize)(struct stmt *);
	int		 (*step)(struct stmt *);
	void		 (*reset)(struct stmt *);
	void		 (*clear)(struct stmt *);
	void		 (*bind_int)(struct stmt *, int, int64_t);
	void		 (*bind_double)(struct stmt *, int, double);
	void		 (*bind_text)(struct stmt *, int, const char *, bool);
	void		 (*bind_blob)(struct stmt *, int, const void *,
			    size_t);
	void		 (*bind_null)(struct stmt *, int);
	bool		 (*col_null)(struct stmt *, int);
	int64_t		 (*col_int)(struct stmt *, int);
	double		 (*col_double)(struct stmt *, int);
	const char	*(*col_text)(struct stmt *, int);
	const void	*(*col_blob)(struct stmt *, int, size_t *);
	/*
	 * The shape of a result, known once the statement has been stepped
	 * (even to DB_DONE): its number of columns, the name of column i,
	 * and its type -- the table column's declared type, or for an
	 * expression the type of the value in the current row.
	 */
	int		 (*col_count)(struct stmt *);
	const char	*(*col_name)(struct stmt *, int);
	enum db_type	 (*col_type)(struct stmt *, int);
	/* Rows changed by the last statement run. */
	int64_t		 (*changes)(struct store *);
	/*
	 * The id of the row the INSERT s just made, before its reset
	 * (SQLite's rowid; PostgreSQL's statement returns it).
	 */
	int64_t		 (*inserted_id)(struct stmt *);
	int		 (*begin)(struct store *, enum store_txn);
	int		 (*commit)(struct store *);
	void		 (*rollback)(struct store *);	/* keeps errmsg */
	bool		 (*in_txn)(struct store *);
	void		 (*close)(struct store *);
	/* The engine's upkeep: store_wal_trim(), store_vacuum_step(). */
	int		 (*wal_trim)(struct store *);
	int		 (*vacuum_step)(struct store *, int, int64_t *);
	/*
	 * Inside a write transaction, and undone with it: the highest id
	 * the identity of table's "id" has given becomes last, so the next
	 * it gives is last + 1 (store_copy(), after inserting ids itself).
	 */
	int		 (*id_last_set)(struct store *, const char *table,
			    int64_t last);
	/* The database's size on disk, and its log's (0: none). */
	void		 (*sizes)(struct store *, int64_t *, int64_t *);
	/* store_wake_fd(), store_wake_read(); NULL: no wake-ups. */
	int		 (*wake_fd)(struct store *, int *, uint64_t *);
	int		 (*wake_read)(struct store *, bool *);
	/* store_identity(). */
	int		 (*identity)(struct store *, uint64_t *);
	/* The server's clock, UTC ms (store_sync_clock()); NULL: no server. */
	int		 (*server_ms)(struct store *, int64_t *);
};

/*
 * A counter that the ended attempts of a transaction move, kept until
 * store_metrics_flush() writes it just before the commit: the shared
 * counter rows are then locked for the commit alone, and always in the
 * same order, so that the claims of several daemons (row_locks) neither
 * queue behind each other's counters for a whole transaction nor wait on
 * each other in a circle.
 */
enum tally_kind {
	TALLY_ATTEMPT,		/* metric_attempts (key: queue, outcome) */
	TALLY_COUNTER,		/* metric_counters, added (name, label) */
	TALLY_LATEST,		/* metric_counters, the greatest (name, label) */
};

struct tally {
	enum tally_kind	 kind;
	char		*key;		/* the queue, or the counter's name */
	char		*sub;		/* the outcome, or the label */
	int64_t		 n;		/* attempts; the value */
	int64_t		 runs, run_ms;
	int64_t		 b[METRICS_NBUCKETS];
};

/* The store: one connection to one database. */
struct store {
	const struct store_ops	*ops;
	struct remote		*remote;	/* through jobd's socket:
						   store_remote.c; NULL */
	void			*conn;		/* the backend's connection */
	const char *const	*dialect;	/* the backend's own SQL for
						   the statements whose
						   store_sql[] it cannot run;
						   NULL */
	const struct jd_clock	*clock;
	char			*path;		/* as opened, for messages */
	struct stmt		*q[Q_MAX];	/* prepared on first use */
	struct store_notify	*notify;	/* store_notify_set(); NULL */
	int64_t			 user_max;	/* store_set_user_max(); 0 */
	store_decide_fn		 decide;	/* store_set_decide(); NULL */
	void			*decide_arg;
	struct tally		*tally;		/* store_metrics_end(), till */
	size_t			 ntally, tallycap; /* store_metrics_flush() */
	bool			 claim_short;	/* store_claim_short() */
	char			 errmsg[512];
	char			 full[512];	/* a cron slot's queue is full:
						   store_fire()'s reason */
};

/*
 * The SQLite backend (store_sqlite.c): open the file at path into st
 * (store_open()'s flags); on error a message naming it goes to err.
 */
int		 store_sqlite_open(struct store *st, const char *path,
		    int flags, char *err, size_t errlen);

/*
 * The PostgreSQL backend (store_pg.c): connect to the database named by
 * URI name (its password never in a message) into st.  store_pg_sql[]
 * (store_pgsql.c): its own text of the statements whose SQLite text it
 * cannot run.
 */
int		 store_pg_open(struct store *st, const char *name, int flags,
		    char *err, size_t errlen);
extern const char *const store_pg_sql[Q_MAX];

/*
 * A statement's text as the PostgreSQL backend sends it: SQLite's ?N
 * placeholders as $N (a bare ? the next number), SQLite's INDEXED BY
 * and NOT INDEXED hints gone, quoted text and names as they are.
 * *nparams gets the highest parameter number (of ?N and of the $N
 * already written for PostgreSQL); used[N - 1] (nused entries; used may
 * be NULL) is set for each number the text holds.  A new string, or NULL
 * when out of memory.
 */
char		*store_pg_translate(const char *sql, int *nparams,
		    unsigned char *used, size_t nused);

/* The statement calls: the backend's, through the statement. */
static inline int
db_step(struct stmt *s)
{
	return s->ops->step(s);
}

static inline void
db_reset(struct stmt *s)
{
	s->ops->reset(s);
}

static inline void
db_clear(struct stmt *s)
{
	s->ops->clear(s);
}

static inline void
db_finalize(struct stmt *s)
{
	if (s != NULL)
		s->ops->finalize(s);
}

static inline void
db_bind_int(struct stmt *s, int i, int64_t v)
{
	s->ops->bind_int(s, i, v);
}

static inline void
db_bind_double(struct stmt *s, int i, double v)
{
	s->ops->bind_double(s, i, v);
}

/* Text, or NULL for SQL NULL; kept until the reset. */
static inline void
db_bind_text(struct stmt *s, int i, const char *v)
{
	s->ops->bind_text(s, i, v, false);
}

/* Text, copied: the caller's string may change before the step. */
static inline void
db_bind_textc(struct stmt *s, int i, const char *v)
{
	s->ops->bind_text(s, i, v, true);
}

static inline void
db_bind_blob(struct stmt *s, int i, const void *p, size_t n)
{
	s->ops->bind_blob(s, i, p, n);
}

static inline void
db_bind_null(struct stmt *s, int i)
{
	s->ops->bind_null(s, i);
}

static inline bool
db_col_null(struct stmt *s, int i)
{
	return s->ops->col_null(s, i);
}

static inline int64_t
db_col_int(struct stmt *s, int i)
{
	return s->ops->col_int(s, i);
}

static inline double
db_col_double(struct stmt *s, int i)
{
	return s->ops->col_double(s, i);
}

static inline const char *
db_col_text(struct stmt *s, int i)
{
	return s->ops->col_text(s, i);
}

/* A blob column and its length (NULL and 0 for NULL or empty). */
static inline const void *
db_col_blob(struct stmt *s, int i, size_t *len)
{
	return s->ops->col_blob(s, i, len);
}

/*
 * The columns of a stepped statement's result: how many, the name of
 * column i (valid until the statement is finalized), its type.
 */
static inline int
db_col_count(struct stmt *s)
{
	return s->ops->col_count(s);
}

static inline const char *
db_col_name(struct stmt *s, int i)
{
	return s->ops->col_name(s, i);
}

static inline enum db_type
db_col_type(struct stmt *s, int i)
{
	return s->ops->col_type(s, i);
}

static inline int64_t
db_changes(struct store *st)
{
	return st->ops->changes(st);
}

static inline int64_t
db_inserted_id(struct stmt *s)
{
	return s->ops->inserted_id(s);
}

/*
 * The column lists that C code reads and binds by position
 * (store_sql.c has the rest of the SQL).
 */
/* A job's process options (struct job_proc), in jobs, dead_jobs, schedules. */
#define PROC_COLS							\
	"umask, limit_nofile, limit_nproc, limit_as, limit_cpu, kill_mode"
#define PROC_NCOLS	6	/* the columns of PROC_COLS */
/* Mail about its runs (mail.h), in jobs, dead_jobs, schedules. */
#define MAIL_COLS	"mail_to, mail_on"

/* A job's hooks (enum job_hook order), in jobs, dead_jobs, schedules. */
#define HOOK_COLS	"on_dead, on_failure, on_success"
/* Its hooks and what makes it a notification, in jobs and dead_jobs. */
#define NOTIFY_COLS	HOOK_COLS ", notify_of, notify_event, stdin"

/*
 * The columns of a job, live or dead, in the order job_read() reads them.
 * JOB_COLS_LIVE selects them from jobs, JOB_COLS_DEAD from dead_jobs.
 */
#define JOB_COLS_COMMON							\
	"id, queue, command, priority, run_at, attempts, max_attempts, "\
	"timeout_ms, backoff_ms, backoff_max_ms, idempotency_key, "	\
	"schedule_id, slot_at, env, cwd, run_as, created_at, "		\
	"updated_at, finished_at, exit_code, last_error, "		\
	"(SELECT name FROM schedules s WHERE s.id = schedule_id)"
#define JOB_COLS_LIVE	JOB_COLS_COMMON ", state, cancel_requested, "	\
	"lease_owner, lease_expires_at, NULL, NULL, after_id, " PROC_COLS \
	", rerun_of, " MAIL_COLS ", " NOTIFY_COLS ", waiting"
#define JOB_COLS_DEAD	JOB_COLS_COMMON ", 'dead', 0, NULL, NULL, "	\
	"dead_at, reason, NULL, " PROC_COLS ", rerun_of, " MAIL_COLS ", " \
	NOTIFY_COLS ", 0"

/* A schedule's definition, in the order sched_bind_def() binds it. */
#define SCHED_DEF_COLS							\
	"name, cron, tz, command, queue, priority, max_attempts, "	\
	"timeout_ms, backoff_ms, backoff_max_ms, env, cwd, run_as, "	\
	"overlap, catchup, enabled"
/* Everything, in the order sched_read() reads it. */
#define SCHED_COLS							\
	"id, " SCHED_DEF_COLS ", next_run_at, last_run_at, source, "	\
	"created_at, updated_at, " PROC_COLS ", " MAIL_COLS ", " HOOK_COLS

/* Every statement's SQL, by enum store_stmt (store_sql.c). */
extern const char *const store_sql[Q_MAX];

/*
 * Errors.  store_err(): the result rc of a call (a negative errno passes
 * through, anything else is 0).  store_norow(): rc of a step that had to
 * give a row: a negative errno passes through, DB_DONE is an internal
 * error.  store_seterr(): error with the message msg.
 */
int		 store_err(struct store *st, int rc);
int		 store_norow(struct store *st, int rc);
int		 store_seterr(struct store *st, int error, const char *msg);

/* Statements and transactions. */
struct stmt	*store_stmt(struct store *st, enum store_stmt q, int *error);
/* A statement made for one use (db_finalize() it): NULL on error. */
struct stmt	*store_prepare(struct store *st, const char *sql, int *error);
int		 store_run(struct store *st, struct stmt *s);
int		 store_first_int(struct store *st, enum store_stmt q,
		    int64_t *v);
int		 store_begin(struct store *st);
int		 store_begin_txn(struct store *st, enum store_txn kind);
int		 store_commit(struct store *st);
void		 store_rollback(struct store *st);

/*
 * store_schedule_sync() inside the caller's write transaction (which it
 * neither begins nor ends: a failure leaves it to roll back).
 */
int		 store_schedule_sync_in(struct store *st, const char *source,
		    const struct schedule *items, size_t n, size_t *bad,
		    int64_t *created, int64_t *updated, int64_t *deleted);

/*
 * The claim (store_claim.c): claim up to max due jobs for owner, inside
 * the caller's write transaction; out[] and *n as store_claim().
 */
int		 store_claim_locked(struct store *st, const char *owner,
		    int64_t now, int64_t lease_ms, size_t max, struct job *out,
		    size_t *n);
/*
 * The earliest time a pending job may start (INT64_MAX: none); at once,
 * with a time at or before now, when one may start now.
 */
int		 store_claim_next(struct store *st, int64_t now, int64_t *due);

/*
 * Notifications (store_notify.c).  store_notify_end(): plan and insert
 * the notification jobs of ended attempt e, applied and still in jobs;
 * the caller holds the transaction.
 */
int		 store_notify_end(struct store *st, const struct attempt_end *e,
		    int64_t now);
void		 store_notify_free(struct store *st);

/* Binding parameters and reading columns. */
void		 bind_opt(struct stmt *s, int i, int64_t v);
void		 bind_proc(struct stmt *s, int first,
		    const struct job_proc *p);
char		*col_strdup(struct stmt *s, int i, bool *oom);
int64_t		 col_opt(struct stmt *s, int i);
void		 col_proc(struct stmt *s, int first, struct job_proc *p);
/* Mail settings (mail.h): ?first and ?first+1; a mail_on column. */
void		 bind_mail(struct stmt *s, int first, const char *to,
		    enum mail_on on);
enum mail_on	 col_mail_on(struct stmt *s, int i);
void		 col_env(struct stmt *s, int i, bool copy, char **env,
		    size_t *len, bool *oom);
void		 col_blob(struct stmt *s, int i, bool copy, void **p,
		    size_t *len, bool *oom);
int		 job_read(struct stmt *s, struct job *j, bool copy);
/* Insert the job of js (no key, no room check) as *id. */
int		 store_insert(struct store *st, const struct job_spec *js,
		    int64_t now, int64_t *id);
int		 store_each_job(struct store *st, struct stmt *s,
		    store_job_fn fn, void *arg);

/*
 * Metrics counters (store_metrics.c), inside the caller's write
 * transaction.  store_metrics_end(): attempt e of a job of queue, of
 * schedule sched (NULL: none), ended: count it by queue and outcome, its
 * run in the duration histogram, a success of its schedule, its death --
 * tallied in the store until store_metrics_flush() writes the tally,
 * which the transaction does just before its commit;
 * store_metrics_drop() forgets it (a rollback).  store_metrics_add():
 * add n to counter name of label, at once.
 */
int		 store_metrics_end(struct store *st,
		    const struct attempt_end *e, const char *queue,
		    const char *sched);
int		 store_metrics_flush(struct store *st);
void		 store_metrics_drop(struct store *st);
int		 store_metrics_add(struct store *st, const char *name,
		    const char *label, int64_t n);

/*
 * Dependencies (store_deps.c), inside the caller's write transaction.
 * store_deps_add(): record the dependencies of job id, submitted from
 * js; ids[] are the jobs of the submission so far (for references to
 * them); sets the job's waiting count.  -ENOENT or -EINVAL (st->errmsg
 * names the dependency) when one does not exist or already failed.
 * store_deps_end(): job id has just ended in state "state" (done, dead,
 * cancelled): meet the dependencies on it, and cancel the pending jobs
 * that needed it done, and theirs in turn.
 * store_deps_forget(): job id is being deleted: its rows go.
 */
int		 store_job_state(struct store *st, int64_t id,
		    enum job_state *state);
int		 store_deps_add(struct store *st, int64_t id,
		    const struct job_spec *js, const int64_t *ids,
		    size_t nids);
int		 store_deps_end(struct store *st, int64_t id,
		    enum job_state state, int64_t now);
int		 store_deps_forget(struct store *st, int64_t id);

/*
 * Backpressure (store_queue.c), inside the caller's write transaction:
 * -EAGAIN, with a message saying how full, when queue "queue" (NULL:
 * the default) has a max_pending and its pending jobs plus extra more
 * exceed it.  added: how many of those pending jobs this submission
 * already inserted (for the message).  jobd's own queues are never full.
 */
int		 store_queue_room(struct store *st, const char *queue,
		    int64_t extra, int64_t added);

/*
 * The pending jobs a change adds, by queue: every way a job becomes
 * pending (submit, rerun, dead retry) counts them with room_add(), then
 * room_check() runs store_queue_room() once per queue, with its count,
 * after the jobs are in.  room_free() in every case.
 */
struct room {
	struct room_q {
		char	*queue;
		int64_t	 added;
	}	*q;
	size_t	 n, cap;
};
int		 room_add(struct store *st, struct room *r, const char *queue,
		    int64_t added);
int		 room_check(struct store *st, const struct room *r);
void		 room_free(struct room *r);

/* store_submit() inside the caller's write transaction (now: UTC ms). */
int	store_submit_rows(struct store *st, const struct job_spec *specs,
	    size_t n, int64_t *ids, bool *existed, int64_t now);

/*
 * store_remote.c: the calls that go through jobd's socket when the store
 * came from store_connect() (st->remote).
 */
struct store_dep;
int	remote_submit(struct store *st, const struct job_spec *specs, size_t n,
	    int64_t *ids, bool *existed);
int	remote_job_get(struct store *st, int64_t id, struct job *out);
int	remote_job_list(struct store *st, const struct job_filter *f,
	    store_job_fn fn, void *arg);
int	remote_attempt_list(struct store *st, int64_t id, store_attempt_fn fn,
	    void *arg);
int	remote_job_deps(struct store *st, int64_t id, bool dependents,
	    store_dep_fn fn, void *arg);
int	remote_job_reruns(struct store *st, int64_t id, store_id_fn fn,
	    void *arg);
int	remote_cancel(struct store *st, const int64_t *ids, size_t n,
	    enum job_state *was, size_t *bad);
int	remote_job_why(struct store *st, int64_t id, int64_t now,
	    struct job_why *w);
int	remote_job_rerun(struct store *st, int64_t id, int64_t run_at,
	    int64_t *new_id);
int	remote_dead_retry(struct store *st, const int64_t *ids, size_t n,
	    size_t *bad, int64_t *moved);
int	remote_data_version(struct store *st, int64_t *v);
int	remote_schedule_list(struct store *st, store_schedule_fn fn,
	    void *arg);
int	remote_crontab_get(struct store *st, const char *user, char **text,
	    size_t *len);
int	remote_crontab_put(struct store *st, const char *user,
	    const char *text, size_t len, const struct schedule *items,
	    size_t n, size_t *bad, int64_t *created, int64_t *updated,
	    int64_t *deleted);
int	remote_crontab_remove(struct store *st, const char *user,
	    int64_t *deleted);
int	remote_schedule_get(struct store *st, const char *name,
	    struct schedule *out);
int	remote_schedule_last(struct store *st, int64_t id,
	    struct sched_last *out);
int	remote_schedule_slots(struct store *st, int64_t id, int64_t limit,
	    store_slot_fn fn, void *arg);
int	remote_schedule_put(struct store *st, const struct schedule *s,
	    bool replace, int64_t *id);
int	remote_schedule_set(struct store *st, const struct schedule *s,
	    bool new_next);
int	remote_schedule_delete(struct store *st, const char *name);
int	remote_schedule_enable(struct store *st, const char *name,
	    bool enabled, int64_t next_run_at);
int	remote_schedule_fire(struct store *st, const struct schedule *s,
	    struct slot *slots, size_t n, int64_t next_run_at);

#endif /* JOBD_STORE_IMPL_H */
