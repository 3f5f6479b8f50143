/*
 * store: every SQL statement of jobd, the schema migrations, transactions.
 *
 * One struct store is one SQLite connection, used by one thread at a time.
 * The connection runs in WAL mode with synchronous=FULL, so a commit that
 * returned is durable; every write is a BEGIN IMMEDIATE transaction (the
 * write lock is taken up front, so a transaction never fails half way for
 * want of it), retried STORE_BUSY_TRIES times while another process holds
 * the lock.  Statements are prepared once, on first use, and reset after
 * every use.  SQLite result codes become negative errnos in store_err()
 * alone; the words go to st->errmsg.
 */
#define _XOPEN_SOURCE 700	/* realpath */

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "jobd/clock.h"
#include "jobd/crash.h"
#include "jobd/job.h"
#include "jobd/schedule.h"
#include "jobd/schema.h"
#include "jobd/store.h"
#include "store_impl.h"



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

/* A pending job held back by overlap = queue until its predecessor ends. */
#define NOT_BLOCKED							\
	"(after_id IS NULL OR NOT EXISTS (SELECT 1 FROM jobs p "	\
	"WHERE p.id = jobs.after_id AND p.state IN ('pending', "	\
	"'running'))) "

/*
 * Every queue with jobs or a row: its settings and the counts of its
 * pending and running jobs from metric_jobs (store_queue.c reads them).
 */
#define SQL_QUEUE							\
	"WITH k(name) AS (SELECT name FROM queues UNION "		\
	"SELECT queue FROM metric_jobs WHERE n > 0) "			\
	"SELECT k.name, coalesce(q.paused, 0), q.name IS NOT NULL, "	\
	"q.source IS 'config', q.concurrency, q.rate_n, "		\
	"q.rate_period_ms, coalesce(q.weight, 1), q.max_pending, "	\
	"q.max_running_per_user, q.max_attempts, q.timeout_ms, "	\
	"q.backoff_ms, q.backoff_max_ms, coalesce(q.updated_at, 0), "	\
	"coalesce((SELECT n FROM metric_jobs m WHERE m.queue = k.name "	\
	"AND m.state = 'pending'), 0), "				\
	"coalesce((SELECT n FROM metric_jobs m WHERE m.queue = k.name "	\
	"AND m.state = 'running'), 0) "					\
	"FROM k LEFT JOIN queues q ON q.name = k.name "

/* Queue n's running jobs, from the counts metric_jobs keeps. */
#define CLAIM_RUNNING(n)						\
	"coalesce((SELECT r.n FROM metric_jobs r WHERE r.queue = " n	\
	" AND r.state = 'running'), 0)"

/*
 * Queue n's settings (q, its row in queues) and running jobs, in the
 * order cq_read() reads them.
 */
#define CLAIM_QCOLS(n)							\
	"q.name IS NOT NULL, coalesce(q.paused, 0), q.concurrency, "	\
	"q.rate_n, q.rate_period_ms, q.tokens, q.tokens_at, "		\
	"coalesce(q.weight, 1), coalesce(q.vtime, 0), "			\
	"q.max_running_per_user, " CLAIM_RUNNING(n) " "

/*
 * A pending job whose run_as user is below the per-user limits: ?3 the
 * queue's (max_running_per_user), ?4 the daemon's global one; 0: none.
 */
#define USER_OK								\
	"(?3 = 0 OR (SELECT count(*) FROM jobs r INDEXED BY "		\
	"jobs_running_queue WHERE r.state = 'running' AND "		\
	"r.queue = jobs.queue AND r.run_as IS jobs.run_as) < ?3) AND "	\
	"(?4 = 0 OR (SELECT count(*) FROM jobs r INDEXED BY "		\
	"jobs_running_queue WHERE r.state = 'running' AND "		\
	"r.run_as IS jobs.run_as) < ?4) "
#define SQL_NEXT_EXPIRY							\
	"SELECT lease_expires_at FROM jobs INDEXED BY jobs_running_lease "\
	"WHERE state = 'running' ORDER BY lease_expires_at LIMIT 1"
#define SQL_SCHED_NEXT							\
	"SELECT next_run_at FROM schedules INDEXED BY schedules_next_run "\
	"WHERE enabled = 1 AND next_run_at IS NOT NULL "		\
	"ORDER BY next_run_at LIMIT 1"

/* The columns a dead job keeps, in dead_jobs and jobs alike. */
#define DEAD_COLS							\
	"id, queue, command, priority, run_at, attempts, max_attempts, "\
	"timeout_ms, backoff_ms, backoff_max_ms, idempotency_key, "	\
	"schedule_id, slot_at, env, cwd, run_as, created_at, "		\
	"updated_at, finished_at, exit_code, last_error, " PROC_COLS	\
	", rerun_of, " MAIL_COLS ", " NOTIFY_COLS

/* A dead job as it goes back into jobs: pending at ?2, no attempts. */
#define RETRY_INSERT							\
	"INSERT INTO jobs (id, queue, command, priority, state, run_at, "\
	"attempts, max_attempts, timeout_ms, backoff_ms, backoff_max_ms, "\
	"idempotency_key, schedule_id, slot_at, env, cwd, run_as, "	\
	"created_at, updated_at, " PROC_COLS ", rerun_of, " MAIL_COLS ", " \
	NOTIFY_COLS ") "						\
	"SELECT id, queue, command, priority, 'pending', ?2, 0, "	\
	"max_attempts, timeout_ms, backoff_ms, backoff_max_ms, "	\
	"idempotency_key, "						\
	"(SELECT s.id FROM schedules s WHERE s.id = d.schedule_id), "	\
	"slot_at, env, cwd, run_as, created_at, ?2, " PROC_COLS		\
	", rerun_of, " MAIL_COLS ", " NOTIFY_COLS " FROM dead_jobs d "

/*
 * A job copied for "jobctl rerun": the command and options of job ?1
 * (done or cancelled in jobs, or dead), pending at ?2, without its
 * idempotency key, slot or predecessor, linked back by rerun_of; still
 * its schedule's, when the schedule exists.
 */
#define RERUN_COPY							\
	"queue, command, priority, ?2, max_attempts, timeout_ms, "	\
	"backoff_ms, backoff_max_ms, env, cwd, run_as, ?2, ?2, "	\
	"(SELECT s.id FROM schedules s WHERE s.id = schedule_id), id, "	\
	PROC_COLS ", " MAIL_COLS ", " NOTIFY_COLS

/*
 * A schedule's newest job in jobs and dead_jobs: a merge of two walks of
 * jobs_schedule_id and dead_jobs_schedule_id, newest first, that stop at
 * the first match.
 */
#define SCHED_JOBS(live, dead)						\
	"SELECT id, state, finished_at, exit_code FROM jobs "		\
	"WHERE schedule_id = ?1 AND " live " UNION ALL "		\
	"SELECT id, 'dead', coalesce(finished_at, dead_at), exit_code "	\
	"FROM dead_jobs WHERE schedule_id = ?1 AND " dead		\
	" ORDER BY 1 DESC LIMIT 1"

/*
 * The attempts that ended in the window [?1, ?2], with the queue and the
 * schedule of their job, live or dead (an attempt whose job is gone has
 * neither), and their durations.
 */
#define STATS_WINDOW							\
	"WITH w AS (SELECT a.outcome AS outcome, "			\
	"  max(a.finished_at - a.started_at, 0) AS d, "		\
	"  coalesce(j.queue, x.queue) AS queue, "			\
	"  CASE WHEN j.id IS NOT NULL THEN j.schedule_id "		\
	"    ELSE x.schedule_id END AS sid "				\
	"  FROM attempts a INDEXED BY attempts_finished "		\
	"  LEFT JOIN jobs j ON j.id = a.job_id "			\
	"  LEFT JOIN dead_jobs x ON x.id = a.job_id "			\
	"  WHERE a.finished_at >= ?1 AND a.finished_at <= ?2) "
/* An attempt that counts as a failure. */
#define STATS_FAILED							\
	"outcome IN ('failed', 'timeout', 'lost', 'spawn_error')"
/*
 * What pruning never removes, for a job row of alias t (jobs or
 * dead_jobs): a job that a live rerun was copied from, and a schedule's
 * newest finished job, newest done job and newest dead job (schedule
 * list's LAST columns).
 */
#define PRUNE_KEEP(t)							\
	"NOT EXISTS (SELECT 1 FROM jobs r WHERE r.rerun_of = " t ".id "	\
	"AND r.state IN ('pending', 'running')) AND NOT EXISTS (SELECT 1 "\
	"FROM job_deps w INDEXED BY job_deps_dep JOIN jobs r ON r.id = "	\
	"w.job_id WHERE w.dep_id = " t ".id AND r.state = 'pending') "	\
	"AND (" t ".schedule_id "						\
	"IS NULL OR " t ".id NOT IN (SELECT coalesce(" PRUNE_NEWEST_T(t,	\
	"jobs", "AND x.state IN ('done', 'cancelled') ") ", 0) UNION ALL "	\
	"SELECT coalesce(" PRUNE_NEWEST_T(t, "jobs",			\
	"AND x.state = 'done' ") ", 0) UNION ALL SELECT coalesce("	\
	PRUNE_NEWEST_T(t, "dead_jobs", "") ", 0)))"
#define PRUNE_NEWEST_T(t, tbl, cond)					\
	"(SELECT id FROM " tbl " x WHERE x.schedule_id = " t		\
	".schedule_id " cond "ORDER BY id DESC LIMIT 1)"

/* What a key compares of its job (Q_KEY_FIND), in jobs and dead_jobs. */
#define KEY_JOB_COLS							\
	"queue, command, priority, max_attempts, timeout_ms, "		\
	"backoff_ms, backoff_max_ms, env, cwd, run_as, " PROC_COLS ", "	\
	MAIL_COLS ", " HOOK_COLS

static const char *const store_sql[Q_MAX] = {
	[Q_BEGIN] = "BEGIN IMMEDIATE",
	[Q_COMMIT] = "COMMIT",
	[Q_ROLLBACK] = "ROLLBACK",
	/*
	 * The job key ?1 names: its id, the key's ttl, whether the job is
	 * still there, when it finished (NULL: pending or running), and the
	 * first of its contents that differs from ?2.. (the job submitted).
	 */
	[Q_KEY_FIND] =
	    "WITH j AS ("
	    "SELECT " KEY_JOB_COLS ", CASE WHEN state IN ('done', "
	    "'cancelled') THEN coalesce(finished_at, updated_at) END AS fin "
	    "FROM jobs WHERE id = (SELECT job_id FROM job_keys WHERE key = ?1) "
	    "UNION ALL "
	    "SELECT " KEY_JOB_COLS ", dead_at FROM dead_jobs "
	    "WHERE id = (SELECT job_id FROM job_keys WHERE key = ?1)) "
	    "SELECT k.job_id, k.ttl_ms, j.command IS NOT NULL, j.fin, "
	    "CASE WHEN j.command IS NULL THEN NULL "
	    "WHEN j.command IS NOT ?3 THEN 'command' "
	    "WHEN j.queue IS NOT ?2 THEN 'queue' "
	    "WHEN j.priority IS NOT ?4 THEN 'priority' "
	    "WHEN k.run_when IS NOT NULL AND k.run_when IS NOT ?12 "
	    "THEN 'start time (--at, --in)' "
	    "WHEN j.max_attempts IS NOT ?5 THEN 'max attempts' "
	    "WHEN j.timeout_ms IS NOT ?6 THEN 'timeout' "
	    "WHEN j.backoff_ms IS NOT ?7 OR j.backoff_max_ms IS NOT ?8 "
	    "THEN 'backoff' "
	    "WHEN j.env IS NOT ?9 THEN 'environment' "
	    "WHEN j.cwd IS NOT ?10 THEN 'working directory' "
	    "WHEN j.run_as IS NOT ?11 THEN 'user' "
	    "WHEN j.umask IS NOT ?13 THEN 'umask' "
	    "WHEN j.limit_nofile IS NOT ?14 OR j.limit_nproc IS NOT ?15 OR "
	    "j.limit_as IS NOT ?16 OR j.limit_cpu IS NOT ?17 THEN 'limits' "
	    "WHEN j.kill_mode IS NOT ?18 THEN 'kill mode' "
	    "WHEN j.mail_to IS NOT ?19 OR j.mail_on IS NOT ?20 THEN 'mail' "
	    "WHEN j.on_dead IS NOT ?21 OR j.on_failure IS NOT ?22 OR "
	    "j.on_success IS NOT ?23 THEN 'hooks' "
	    "END "
	    "FROM job_keys k LEFT JOIN j ON 1 WHERE k.key = ?1",
	[Q_KEY_TAKE] =
	    "INSERT OR REPLACE INTO job_keys (key, job_id, ttl_ms, run_when, "
	    "created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_INSERT] =
	    "INSERT INTO jobs (queue, command, priority, run_at, "
	    "max_attempts, timeout_ms, backoff_ms, backoff_max_ms, "
	    "idempotency_key, env, cwd, run_as, created_at, updated_at, "
	    "schedule_id, slot_at, after_id, " PROC_COLS ", " MAIL_COLS ", "
	    HOOK_COLS ") "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
	    "?13, ?13, nullif(?14, 0), nullif(?15, 0), nullif(?16, 0), "
	    "?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)",
	[Q_GET] =
	    "SELECT " JOB_COLS_LIVE " FROM jobs WHERE id = ?1 "
	    "UNION ALL "
	    "SELECT " JOB_COLS_DEAD " FROM dead_jobs WHERE id = ?1",
	/* A merge of two rowid scans: stops after ?3 rows. */
	[Q_LIST] =
	    "SELECT " JOB_COLS_LIVE " FROM jobs "
	    " WHERE (?1 IS NULL OR state = ?1) "
	    "   AND (?2 IS NULL OR queue = ?2) "
	    "UNION ALL "
	    "SELECT " JOB_COLS_DEAD " FROM dead_jobs "
	    " WHERE (?1 IS NULL OR ?1 = 'dead') "
	    "   AND (?2 IS NULL OR queue = ?2) "
	    "ORDER BY 1 DESC LIMIT ?3",
	[Q_ATTEMPTS] =
	    "SELECT id, job_id, attempt, owner, started_at, finished_at, "
	    "exit_code, signal, outcome, output, output_dropped, error "
	    "FROM attempts WHERE job_id = ?1 ORDER BY id",
	[Q_STATE] =
	    "SELECT state FROM jobs WHERE id = ?1 "
	    "UNION ALL "
	    "SELECT 'dead' FROM dead_jobs WHERE id = ?1",
	[Q_CANCEL_PENDING] =
	    "UPDATE jobs SET state = 'cancelled', finished_at = ?2, "
	    "updated_at = ?2, last_error = 'cancelled' "
	    "WHERE id = ?1 AND state = 'pending'",
	[Q_CANCEL_RUNNING] =
	    "UPDATE jobs SET cancel_requested = 1, updated_at = ?2 "
	    "WHERE id = ?1 AND state = 'running'",
	[Q_COUNT] =
	    "SELECT queue, state, count(*) FROM jobs GROUP BY queue, state "
	    "UNION ALL "
	    "SELECT queue, 'dead', count(*) FROM dead_jobs GROUP BY queue "
	    "ORDER BY 1",
	[Q_DAEMONS] =
	    "SELECT instance, host, pid, boot_id, version, started_at, "
	    "heartbeat_at, heartbeat_ms FROM daemons "
	    "ORDER BY started_at, instance",
	[Q_DAEMON_INSERT] =
	    "INSERT OR REPLACE INTO daemons (instance, host, pid, boot_id, "
	    "version, started_at, heartbeat_at, heartbeat_ms, "
	    "max_running_per_user) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, nullif(?8, 0), "
	    "nullif(?9, 0))",
	[Q_DAEMON_DELETE] = "DELETE FROM daemons WHERE instance = ?1",
	[Q_RECLAIM] =
	    "UPDATE jobs SET lease_expires_at = ?2, updated_at = ?2 "
	    "WHERE lease_owner = ?1 AND state = 'running' "
	    "  AND lease_expires_at > ?2",
	/*
	 * The claim (store_claim.c).  The queues with pending jobs that
	 * are neither paused nor full, in claim order (queues_claim); a
	 * queue's settings and running jobs; the global virtual time of
	 * fair sharing (queues_vnow); a queue's priorities, one seek each;
	 * the first startable job of one priority, run_at order.  The per-user limits (?3: the queue's, ?4: the global
	 * one; 0: none) and the overlap = queue rule are checked on the
	 * jobs the head walk meets.
	 */
	[Q_CLAIM_QNEXT] =
	    "SELECT q.name, " CLAIM_QCOLS("q.name")
	    "FROM queues q INDEXED BY queues_claim "
	    "WHERE q.ready AND NOT q.paused AND (q.concurrency IS NULL OR "
	    "  q.concurrency > " CLAIM_RUNNING("q.name") ") "
	    "ORDER BY q.vtime, q.name",
	[Q_CLAIM_QUEUE] =
	    "SELECT x.n, " CLAIM_QCOLS("x.n")
	    "FROM (SELECT ?1 AS n) x LEFT JOIN queues q ON q.name = x.n",
	[Q_CLAIM_VNOW] =
	    "SELECT coalesce(max(vtime - 1.0 / weight), 0) FROM queues",
	[Q_CLAIM_PRIO] =
	    "SELECT priority FROM jobs INDEXED BY jobs_claim "
	    "WHERE state = 'pending' AND waiting = 0 AND queue = ?1 "
	    "  AND priority >= ?2 ORDER BY priority LIMIT 1",
	[Q_CLAIM_PICK] =
	    "SELECT id, run_at FROM jobs INDEXED BY jobs_claim "
	    "WHERE state = 'pending' AND waiting = 0 AND queue = ?1 "
	    "  AND priority = ?2 AND " NOT_BLOCKED "AND " USER_OK
	    "ORDER BY run_at, id LIMIT 1",
	[Q_CLAIM_QSAVE] =
	    "INSERT INTO queues (name, updated_at, vtime, tokens, tokens_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO UPDATE SET "
	    "vtime = excluded.vtime, tokens = excluded.tokens, "
	    "tokens_at = excluded.tokens_at",
	[Q_CLAIM_USERS] =
	    "SELECT (SELECT count(*) FROM jobs r INDEXED BY "
	    "  jobs_running_queue WHERE r.state = 'running' "
	    "  AND r.queue = ?1 AND r.run_as IS ?2), "
	    "(SELECT count(*) FROM jobs r INDEXED BY jobs_running_queue "
	    "  WHERE r.state = 'running' AND r.run_as IS ?2)",
	[Q_WHY_JOB] =
	    "SELECT state, queue, run_as, run_at, attempts, waiting, "
	    "  (SELECT p.id FROM jobs p WHERE p.id = jobs.after_id "
	    "   AND p.state IN ('pending', 'running')) "
	    "FROM jobs WHERE id = ?1",
	[Q_WHY_DEPS] =
	    "SELECT dep_id FROM job_deps WHERE job_id = ?1 AND met = 0 "
	    "ORDER BY dep_id",
	[Q_WHY_RUNNING] =
	    "SELECT id FROM jobs INDEXED BY jobs_running_queue "
	    "WHERE state = 'running' AND queue = ?1 ORDER BY id",
	[Q_WHY_DAEMONS] =
	    "SELECT count(*), min(max_running_per_user) FROM daemons",
	[Q_CLAIM] =
	    "UPDATE jobs SET state = 'running', lease_owner = ?2, "
	    "lease_expires_at = ?3 + ?4, attempts = attempts + 1, "
	    "updated_at = ?3 WHERE id = ?1 AND state = 'pending'",
	[Q_CLAIMED] =
	    "SELECT " JOB_COLS_LIVE " FROM jobs WHERE id = ?1",
	[Q_ATTEMPT_START] =
	    "INSERT INTO attempts (job_id, attempt, owner, started_at) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[Q_HEARTBEAT_JOBS] =
	    "UPDATE jobs SET lease_expires_at = ?2 + ?3 "
	    "WHERE lease_owner = ?1 AND state = 'running'",
	[Q_HEARTBEAT_DAEMON] =
	    "UPDATE daemons SET heartbeat_at = ?2, "
	    "  heartbeat_ms = nullif(?3, 0), "
	    "  max_running_per_user = nullif(?4, 0) WHERE instance = ?1",
	/* Fenced like a result: only while the lease is still ours. */
	[Q_ATTEMPT_PROC] =
	    "UPDATE attempts SET pid = ?4, pid_start = ?5, boot_id = ?6, "
	    "  cgroup = ?7 "
	    "WHERE job_id = ?1 AND attempt = ?2 AND owner = ?3 "
	    "  AND EXISTS (SELECT 1 FROM jobs WHERE id = ?1 "
	    "    AND attempts = ?2 AND lease_owner = ?3 "
	    "    AND state = 'running')",
	[Q_ATTEMPT_PROC_GET] =
	    "SELECT pid, pid_start, boot_id, cgroup FROM attempts "
	    "WHERE job_id = ?1 AND attempt = ?2 ORDER BY id DESC LIMIT 1",
	[Q_NEXT_EXPIRY] = SQL_NEXT_EXPIRY,
	/* All of the daemon's timers, read in one snapshot. */
	[Q_TIMES] =
	    "SELECT NULL, (" SQL_NEXT_EXPIRY "), "
	    "(" SQL_SCHED_NEXT "), "
	    "(SELECT data_version FROM pragma_data_version)",
	[Q_EXPIRED] =
	    "SELECT " JOB_COLS_LIVE " FROM jobs INDEXED BY jobs_running_lease "
	    "WHERE state = 'running' AND lease_expires_at <= ?1 "
	    "ORDER BY lease_expires_at LIMIT ?2",
	[Q_CANCEL_REQUESTS] =
	    "SELECT " JOB_COLS_LIVE " FROM jobs "
	    "WHERE state = 'running' AND lease_owner = ?1 "
	    "  AND cancel_requested = 1",
	[Q_DATA_VERSION] = "PRAGMA data_version",
	[Q_FENCE] =
	    "SELECT cancel_requested FROM jobs "
	    "WHERE id = ?1 AND attempts = ?2 AND lease_owner = ?3 "
	    "  AND state = 'running'",
	[Q_END_JOB] =
	    "UPDATE jobs SET state = ?2, run_at = coalesce(?3, run_at), "
	    "attempts = attempts - ?4, lease_owner = NULL, "
	    "lease_expires_at = NULL, updated_at = ?5, finished_at = ?6, "
	    "exit_code = ?7, last_error = ?8 WHERE id = ?1",
	[Q_END_ATTEMPT] =
	    "UPDATE attempts SET finished_at = ?4, exit_code = ?5, "
	    "signal = ?6, outcome = ?7, output = ?8, output_dropped = ?9, "
	    "error = ?10, started_at = coalesce(?11, started_at) "
	    "WHERE job_id = ?1 AND attempt = ?2 AND owner = ?3 "
	    "  AND finished_at IS NULL",
	[Q_LATE_ATTEMPT] =
	    "UPDATE attempts SET error = coalesce(error || '; ', '') || "
	    "'late result ignored: ' || ?4 "
	    "WHERE job_id = ?1 AND attempt = ?2 AND owner = ?3",
	[Q_TO_DEAD] =
	    "INSERT INTO dead_jobs (" DEAD_COLS ", dead_at, reason) "
	    "SELECT " DEAD_COLS ", ?2, ?3 FROM jobs WHERE id = ?1",
	[Q_DELETE_JOB] = "DELETE FROM jobs WHERE id = ?1",
	[Q_DEAD_STATE] = "SELECT queue FROM dead_jobs WHERE id = ?1",
	[Q_DEAD_TO_JOBS] = RETRY_INSERT "WHERE id = ?1",
	[Q_DEAD_DELETE] = "DELETE FROM dead_jobs WHERE id = ?1",
	[Q_DEAD_ALL_TO_JOBS] = RETRY_INSERT "WHERE ?1 IS NOT NULL",
	[Q_DEAD_DELETE_ALL] = "DELETE FROM dead_jobs",
	[Q_DEAD_QUEUES] = "SELECT queue, count(*) FROM dead_jobs GROUP BY queue",
	[Q_PURGE_ATTEMPTS] =
	    "DELETE FROM attempts WHERE job_id IN "
	    "(SELECT id FROM dead_jobs WHERE dead_at < ?1)",
	[Q_PURGE_DEAD] = "DELETE FROM dead_jobs WHERE dead_at < ?1",
	[Q_SCHED_INSERT] =
	    "INSERT INTO schedules (" SCHED_DEF_COLS ", next_run_at, source, "
	    "created_at, updated_at, " PROC_COLS ", " MAIL_COLS ", " HOOK_COLS
	    ") VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
	    "?15, ?16, nullif(?17, 0), ?18, ?19, ?19, ?20, ?21, ?22, ?23, "
	    "?24, ?25, ?26, ?27, ?28, ?29, ?30)",
	[Q_SCHED_UPDATE] =
	    "UPDATE schedules SET cron = ?2, tz = ?3, command = ?4, "
	    "queue = ?5, priority = ?6, max_attempts = ?7, timeout_ms = ?8, "
	    "backoff_ms = ?9, backoff_max_ms = ?10, env = ?11, cwd = ?12, "
	    "run_as = ?13, overlap = ?14, catchup = ?15, enabled = ?16, "
	    "next_run_at = nullif(?17, 0), updated_at = ?19, umask = ?20, "
	    "limit_nofile = ?21, limit_nproc = ?22, limit_as = ?23, "
	    "limit_cpu = ?24, kill_mode = ?25, mail_to = ?26, mail_on = ?27, "
	    "on_dead = ?28, on_failure = ?29, on_success = ?30 "
	    "WHERE name = ?1 AND source = ?18",
	[Q_SCHED_GET] = "SELECT " SCHED_COLS " FROM schedules WHERE name = ?1",
	[Q_SCHED_LIST] = "SELECT " SCHED_COLS " FROM schedules ORDER BY name",
	[Q_SCHED_DELETE] = "DELETE FROM schedules WHERE name = ?1",
	[Q_SCHED_ENABLE] =
	    "UPDATE schedules SET enabled = ?2, updated_at = ?4, "
	    "next_run_at = CASE WHEN ?2 THEN nullif(?3, 0) "
	    "ELSE next_run_at END WHERE name = ?1",
	[Q_SCHED_SOURCE] = "SELECT source FROM schedules WHERE name = ?1",
	/* Is the stored definition the same?  IS: NULLs compare equal. */
	[Q_SCHED_SAME] =
	    "SELECT 1 FROM schedules WHERE name = ?1 AND cron IS ?2 "
	    "AND tz IS ?3 AND command IS ?4 AND queue IS ?5 "
	    "AND priority IS ?6 AND max_attempts IS ?7 AND timeout_ms IS ?8 "
	    "AND backoff_ms IS ?9 AND backoff_max_ms IS ?10 AND env IS ?11 "
	    "AND cwd IS ?12 AND run_as IS ?13 AND overlap IS ?14 "
	    "AND catchup IS ?15 AND enabled IS ?16 AND umask IS ?20 "
	    "AND limit_nofile IS ?21 AND limit_nproc IS ?22 "
	    "AND limit_as IS ?23 AND limit_cpu IS ?24 AND kill_mode IS ?25 "
	    "AND mail_to IS ?26 AND mail_on IS ?27 AND on_dead IS ?28 "
	    "AND on_failure IS ?29 AND on_success IS ?30",
	[Q_SCHED_MOVE] =
	    "UPDATE schedules SET source = ?2, updated_at = ?3 WHERE name = ?1",
	[Q_SCHED_UNDER] =
	    "SELECT name, source FROM schedules "
	    "WHERE substr(source, 1, length(?1)) = ?1 ORDER BY source, name",
	[Q_SCHED_OF_SOURCE] =
	    "SELECT name FROM schedules WHERE source = ?1 ORDER BY name",
	[Q_SCHED_DUE] =
	    "SELECT " SCHED_COLS " FROM schedules INDEXED BY "
	    "schedules_next_run WHERE enabled = 1 AND next_run_at <= ?1 "
	    "ORDER BY next_run_at LIMIT ?2",
	[Q_SCHED_REBOOT] =
	    "SELECT " SCHED_COLS " FROM schedules WHERE enabled = 1 "
	    "AND cron = '@reboot' ORDER BY name",
	[Q_SCHED_ACTIVE] =
	    "SELECT id FROM jobs INDEXED BY jobs_schedule_live "
	    "WHERE schedule_id = ?1 AND state IN ('pending', 'running') "
	    "ORDER BY id DESC LIMIT 1",
	[Q_SLOT_INSERT] =
	    "INSERT OR IGNORE INTO schedule_slots (schedule_id, slot_at, "
	    "outcome, reason, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_SLOT_JOB] =
	    "UPDATE schedule_slots SET job_id = ?3 "
	    "WHERE schedule_id = ?1 AND slot_at = ?2",
	[Q_SLOT_PRUNE] =
	    "DELETE FROM schedule_slots WHERE schedule_id = ?1 AND slot_at < "
	    "(SELECT slot_at FROM schedule_slots WHERE schedule_id = ?1 "
	    "ORDER BY slot_at DESC LIMIT 1 OFFSET ?2)",
	[Q_SCHED_FIRED] =
	    "UPDATE schedules SET "
	    "next_run_at = CASE WHEN ?2 != 0 THEN ?2 ELSE next_run_at END, "
	    "last_run_at = CASE WHEN ?3 > coalesce(last_run_at, 0) THEN ?3 "
	    "ELSE last_run_at END WHERE id = ?1",
	/* An @reboot schedule claims this boot, once. */
	[Q_SCHED_BOOT] =
	    "UPDATE schedules SET reboot_boot_id = ?2 "
	    "WHERE id = ?1 AND reboot_boot_id IS NOT ?2",
	[Q_SLOT_LIST] =
	    "SELECT l.slot_at, l.job_id, l.outcome, coalesce(l.reason, "
	    "(SELECT reason FROM dead_jobs WHERE id = l.job_id)), "
	    "coalesce((SELECT state FROM jobs WHERE id = l.job_id), "
	    "(SELECT 'dead' FROM dead_jobs WHERE id = l.job_id)) "
	    "FROM schedule_slots l WHERE l.schedule_id = ?1 "
	    "ORDER BY l.slot_at DESC LIMIT ?2",
	[Q_RERUN] =
	    "INSERT INTO jobs (queue, command, priority, run_at, "
	    "max_attempts, timeout_ms, backoff_ms, backoff_max_ms, env, cwd, "
	    "run_as, created_at, updated_at, schedule_id, rerun_of, "
	    PROC_COLS ", " MAIL_COLS ", " NOTIFY_COLS ") "
	    "SELECT " RERUN_COPY " FROM jobs WHERE id = ?1 "
	    "  AND state IN ('done', 'cancelled') "
	    "UNION ALL "
	    "SELECT " RERUN_COPY " FROM dead_jobs WHERE id = ?1",
	[Q_RERUN_QUEUE] = "SELECT queue FROM jobs WHERE id = ?1",
	[Q_RERUNS] =
	    "SELECT id FROM jobs WHERE rerun_of = ?1 "
	    "UNION ALL "
	    "SELECT id FROM dead_jobs WHERE rerun_of = ?1 ORDER BY 1",
	/* schedule set: the definition; enabled and the ledger stay. */
	[Q_SCHED_SET] =
	    "UPDATE schedules SET cron = ?2, tz = ?3, command = ?4, "
	    "queue = ?5, priority = ?6, max_attempts = ?7, timeout_ms = ?8, "
	    "backoff_ms = ?9, backoff_max_ms = ?10, env = ?11, cwd = ?12, "
	    "run_as = ?13, overlap = ?14, catchup = ?15, "
	    "next_run_at = CASE WHEN ?18 THEN nullif(?17, 0) "
	    "ELSE next_run_at END, updated_at = ?19, umask = ?20, "
	    "limit_nofile = ?21, limit_nproc = ?22, limit_as = ?23, "
	    "limit_cpu = ?24, kill_mode = ?25, mail_to = ?26, mail_on = ?27, "
	    "on_dead = ?28, on_failure = ?29, on_success = ?30 "
	    "WHERE name = ?1 AND source = 'cli'",
	[Q_SCHED_LAST] = SCHED_JOBS("state IN ('done', 'cancelled')", "1"),
	[Q_SCHED_LAST_OK] = SCHED_JOBS("state = 'done'", "0"),
	/* What a notification about job ?1 needs (store_notify.c). */
	[Q_NOTIFY_OUTCOME] =
	    "SELECT j.queue, j.command, j.run_as, s.name, j.notify_of, "
	    "j.on_dead, j.on_failure, j.on_success, "
	    "s.on_dead, s.on_failure, s.on_success, j.mail_to, j.mail_on "
	    "FROM jobs j LEFT JOIN schedules s ON s.id = j.schedule_id "
	    "WHERE j.id = ?1",
	[Q_NOTIFY_INSERT] =
	    "INSERT INTO jobs (queue, command, priority, run_at, "
	    "max_attempts, timeout_ms, env, run_as, created_at, updated_at, "
	    "notify_of, notify_event, stdin) "
	    "VALUES (?1, ?2, 0, ?3, ?4, ?5, ?6, ?7, ?3, ?3, ?8, ?9, ?10)",
	/* Metrics (store_metrics.c): counters, by one UPSERT each. */
	[Q_METRIC_ATTEMPT] =
	    "INSERT INTO metric_attempts (queue, outcome, n, runs, run_ms, "
	    "b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11) "
	    "SELECT queue, ?2, 1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
	    "?13, ?14, ?15, ?16 "
	    "FROM jobs WHERE id = ?1 ON CONFLICT DO UPDATE SET n = n + 1, "
	    "runs = runs + excluded.runs, run_ms = run_ms + excluded.run_ms, "
	    "b0 = b0 + excluded.b0, b1 = b1 + excluded.b1, "
	    "b2 = b2 + excluded.b2, b3 = b3 + excluded.b3, "
	    "b4 = b4 + excluded.b4, b5 = b5 + excluded.b5, "
	    "b6 = b6 + excluded.b6, b7 = b7 + excluded.b7, "
	    "b8 = b8 + excluded.b8, b9 = b9 + excluded.b9, "
	    "b10 = b10 + excluded.b10, b11 = b11 + excluded.b11",
	[Q_METRIC_LAST_OK] =
	    "INSERT INTO metric_counters (name, label, value) "
	    "SELECT 'last_success', s.name, ?2 FROM jobs j "
	    "JOIN schedules s ON s.id = j.schedule_id WHERE j.id = ?1 "
	    "ON CONFLICT DO UPDATE SET value = max(value, excluded.value)",
	[Q_METRIC_DEAD] =
	    "INSERT INTO metric_counters (name, label, value) "
	    "SELECT 'dead', queue, 1 FROM jobs WHERE id = ?1 "
	    "ON CONFLICT DO UPDATE SET value = value + 1",
	[Q_METRIC_ADD] =
	    "INSERT INTO metric_counters (name, label, value) "
	    "VALUES (?1, ?2, ?3) "
	    "ON CONFLICT DO UPDATE SET value = value + excluded.value",
	[Q_METRIC_JOBS] = "SELECT queue, state, n FROM metric_jobs",
	[Q_METRIC_ATTEMPTS] =
	    "SELECT queue, outcome, n, runs, run_ms, "
	    "b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11 "
	    "FROM metric_attempts",
	[Q_METRIC_DEADS] =
	    "SELECT label, value FROM metric_counters WHERE name = 'dead'",
	/* The due pending jobs only, by jobs_pending_run_at. */
	[Q_METRIC_LAG] =
	    "SELECT queue, min(run_at) FROM jobs "
	    "INDEXED BY jobs_pending_run_at "
	    "WHERE state = 'pending' AND run_at <= ?1 GROUP BY queue",
	[Q_METRIC_SCHEDS] =
	    "SELECT s.name, "
	    "(SELECT value FROM metric_counters WHERE name = 'slots_fired' "
	    "AND label = s.name), "
	    "(SELECT value FROM metric_counters WHERE name = 'slots_skipped' "
	    "AND label = s.name), "
	    "(SELECT value FROM metric_counters WHERE name = 'slots_missed' "
	    "AND label = s.name), "
	    "(SELECT value FROM metric_counters WHERE name = 'last_success' "
	    "AND label = s.name) "
	    "FROM schedules s ORDER BY s.name",
	/* jobctl stats (store_stats.c) */
	[Q_STATS_QUEUES] =
	    "WITH RECURSIVE "
	    "a(n) AS (SELECT min(queue) FROM jobs UNION ALL "
	    "  SELECT (SELECT min(queue) FROM jobs WHERE queue > a.n) "
	    "  FROM a WHERE a.n IS NOT NULL), "
	    "b(n) AS (SELECT min(queue) FROM dead_jobs UNION ALL "
	    "  SELECT (SELECT min(queue) FROM dead_jobs WHERE queue > b.n) "
	    "  FROM b WHERE b.n IS NOT NULL) "
	    "SELECT n FROM a WHERE n IS NOT NULL UNION "
	    "SELECT n FROM b WHERE n IS NOT NULL ORDER BY 1",
	[Q_STATS_SCHEDS] =
	    "SELECT id, name FROM schedules "
	    "WHERE (?1 IS NULL OR name = ?1) AND (?2 IS NULL OR queue = ?2) "
	    "ORDER BY id",
	[Q_STATS_RUNS_Q] = STATS_WINDOW
	    "SELECT queue, count(*), sum(" STATS_FAILED ") FROM w "
	    "WHERE queue IS NOT NULL GROUP BY queue ORDER BY queue",
	[Q_STATS_RUNS_S] = STATS_WINDOW
	    "SELECT sid, count(*), sum(" STATS_FAILED ") FROM w "
	    "WHERE sid IS NOT NULL GROUP BY sid ORDER BY sid",
	[Q_STATS_TIMES_Q] = STATS_WINDOW
	    "SELECT queue, d FROM w WHERE queue IS NOT NULL "
	    "ORDER BY queue, d",
	[Q_STATS_TIMES_S] = STATS_WINDOW
	    "SELECT sid, d FROM w WHERE sid IS NOT NULL ORDER BY sid, d",
	[Q_STATS_DEAD_Q] = "SELECT count(*) FROM dead_jobs WHERE queue = ?1",
	[Q_STATS_DEAD_S] =
	    "SELECT count(*) FROM dead_jobs WHERE schedule_id = ?1",
	[Q_STATS_OK_Q] =
	    "SELECT max(finished_at) FROM jobs "
	    "WHERE state = 'done' AND queue = ?1",
	[Q_STATS_OK_S] =
	    "SELECT max(finished_at) FROM jobs "
	    "WHERE state = 'done' AND schedule_id = ?1",
	/* jobctl status: leases no daemon reclaimed */
	[Q_STUCK_LEASES] =
	    "SELECT count(*), min(lease_expires_at), "
	    "  (SELECT id FROM jobs INDEXED BY jobs_running_lease "
	    "   WHERE state = 'running' AND lease_expires_at < ?1 "
	    "   ORDER BY lease_expires_at, id LIMIT 1) "
	    "FROM jobs INDEXED BY jobs_running_lease "
	    "WHERE state = 'running' AND lease_expires_at < ?1",
	/*
	 * Pruning (store_prune.c): the finished jobs old enough, oldest
	 * first, ?1 the cutoff, ?2 the most rows; the finished jobs of
	 * schedule ?1 beyond its newest ?2 (?4: done, ?5: cancelled may go).
	 */
	[Q_PRUNE_DONE] =
	    "SELECT id, idempotency_key, 0 FROM jobs j INDEXED BY jobs_done "
	    "WHERE state = 'done' AND finished_at < ?1 AND " PRUNE_KEEP("j")
	    " ORDER BY finished_at LIMIT ?2",
	[Q_PRUNE_CANCELLED] =
	    "SELECT id, idempotency_key, 1 FROM jobs j INDEXED BY "
	    "jobs_cancelled WHERE state = 'cancelled' AND finished_at < ?1 "
	    "AND " PRUNE_KEEP("j") " ORDER BY finished_at LIMIT ?2",
	[Q_PRUNE_DEAD] =
	    "SELECT id, idempotency_key, 2 FROM dead_jobs j INDEXED BY "
	    "dead_jobs_dead_at WHERE dead_at < ?1 AND " PRUNE_KEEP("j")
	    " ORDER BY dead_at LIMIT ?2",
	[Q_PRUNE_SCHEDS] = "SELECT id FROM schedules WHERE id >= ?1 ORDER BY id",
	/*
	 * The guard after the offset: what it spares counts as kept.  The
	 * rows skipped are read from the index alone.
	 */
	[Q_PRUNE_CAP_LIVE] =
	    "SELECT id, idempotency_key, state = 'cancelled' FROM (SELECT id, "
	    "idempotency_key, state, schedule_id FROM jobs INDEXED BY "
	    "jobs_schedule_finished WHERE schedule_id = ?1 AND state IN "
	    "('done', 'cancelled') ORDER BY id DESC LIMIT -1 OFFSET ?2) j "
	    "WHERE ((j.state = 'done' AND ?4) OR (j.state = 'cancelled' AND "
	    "?5)) AND " PRUNE_KEEP("j") " LIMIT ?3",
	[Q_PRUNE_CAP_DEAD] =
	    "SELECT id, idempotency_key, 2 FROM (SELECT id, idempotency_key, "
	    "schedule_id FROM dead_jobs INDEXED BY dead_jobs_schedule_id "
	    "WHERE schedule_id = ?1 ORDER BY id DESC LIMIT -1 OFFSET ?2) j "
	    "WHERE " PRUNE_KEEP("j") " LIMIT ?3",
	[Q_PRUNE_SIZE] =
	    "SELECT count(*), coalesce(sum(length(output)), 0) FROM attempts "
	    "WHERE job_id = ?1",
	[Q_PRUNE_ATTEMPTS] = "DELETE FROM attempts WHERE job_id = ?1",
	[Q_PRUNE_KEY] = "DELETE FROM job_keys WHERE key = ?2 AND job_id = ?1",
	[Q_PRUNE_JOB] =
	    "DELETE FROM jobs WHERE id = ?1 AND state IN ('done', 'cancelled')",
	[Q_PRUNE_DEAD_JOB] = "DELETE FROM dead_jobs WHERE id = ?1",
	[Q_PRUNE_OUTPUTS] =
	    "SELECT id, length(output) FROM attempts INDEXED BY "
	    "attempts_output WHERE output IS NOT NULL AND finished_at < ?1 "
	    "ORDER BY finished_at LIMIT ?2",
	[Q_PRUNE_OUTPUT] =
	    "UPDATE attempts SET output = NULL, "
	    "output_dropped = output_dropped + ?2 WHERE id = ?1",
	/*
	 * Dependencies (store_deps.c).  A dependency ?1 that ended (?2: it
	 * ended done) meets the rows that wait on it: first the counts, then
	 * the rows.  The victims: pending jobs that needed it done.
	 */
	[Q_DEP_INSERT] =
	    "INSERT OR IGNORE INTO job_deps (job_id, dep_id, any, met) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[Q_DEP_WAITING] = "UPDATE jobs SET waiting = ?2 WHERE id = ?1",
	[Q_DEP_MET_JOBS] =
	    "UPDATE jobs SET waiting = waiting - 1 WHERE id IN (SELECT job_id "
	    "FROM job_deps INDEXED BY job_deps_dep WHERE dep_id = ?1 "
	    "AND met = 0 AND (any OR ?2))",
	[Q_DEP_MET] =
	    "UPDATE job_deps SET met = 1 WHERE dep_id = ?1 AND met = 0 "
	    "AND (any OR ?2)",
	[Q_DEP_VICTIMS] =
	    "SELECT d.job_id FROM job_deps d INDEXED BY job_deps_dep "
	    "JOIN jobs j ON j.id = d.job_id WHERE d.dep_id = ?1 "
	    "AND d.met = 0 AND d.any = 0 AND j.state = 'pending' "
	    "ORDER BY d.job_id",
	[Q_DEP_CANCEL] =
	    "UPDATE jobs SET state = 'cancelled', finished_at = ?2, "
	    "updated_at = ?2, last_error = ?3 "
	    "WHERE id = ?1 AND state = 'pending'",
	[Q_DEP_LIST] =
	    "SELECT d.dep_id, d.any, d.met, coalesce((SELECT state FROM jobs "
	    "WHERE id = d.dep_id), (SELECT 'dead' FROM dead_jobs "
	    "WHERE id = d.dep_id)) FROM job_deps d WHERE d.job_id = ?1 "
	    "ORDER BY d.dep_id",
	[Q_DEP_RLIST] =
	    "SELECT d.job_id, d.any, d.met, coalesce((SELECT state FROM jobs "
	    "WHERE id = d.job_id), (SELECT 'dead' FROM dead_jobs "
	    "WHERE id = d.job_id)) FROM job_deps d INDEXED BY job_deps_dep "
	    "WHERE d.dep_id = ?1 ORDER BY d.job_id",
	[Q_DEP_FORGET] = "DELETE FROM job_deps WHERE job_id = ?1",
	[Q_DEP_FORGET_DEP] = "DELETE FROM job_deps WHERE dep_id = ?1",
	[Q_DEP_PURGE] =
	    "DELETE FROM job_deps WHERE job_id IN "
	    "(SELECT id FROM dead_jobs WHERE dead_at < ?1)",
	[Q_DEP_PURGE_DEP] =
	    "DELETE FROM job_deps WHERE dep_id IN "
	    "(SELECT id FROM dead_jobs WHERE dead_at < ?1)",
	[Q_FREELIST] = "PRAGMA freelist_count",
	[Q_AUTO_VACUUM] = "PRAGMA auto_vacuum",
	[Q_LAST_ID] = "SELECT seq FROM sqlite_sequence WHERE name = 'jobs'",
	[Q_QUEUE_LIST] = SQL_QUEUE "ORDER BY k.name",
	[Q_QUEUE_GET] = SQL_QUEUE "WHERE k.name = ?1",
	[Q_QUEUE_UPSERT] =
	    "INSERT INTO queues (name, paused, updated_at, concurrency, "
	    "rate_n, rate_period_ms, weight, max_pending, "
	    "max_running_per_user, max_attempts, timeout_ms, backoff_ms, "
	    "backoff_max_ms, source) "
	    "VALUES (?1, 0, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
	    "ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at, "
	    "tokens = CASE WHEN rate_n IS excluded.rate_n AND "
	    "rate_period_ms IS excluded.rate_period_ms THEN tokens END, "
	    "tokens_at = CASE WHEN rate_n IS excluded.rate_n AND "
	    "rate_period_ms IS excluded.rate_period_ms THEN tokens_at END, "
	    "concurrency = excluded.concurrency, rate_n = excluded.rate_n, "
	    "rate_period_ms = excluded.rate_period_ms, "
	    "weight = excluded.weight, max_pending = excluded.max_pending, "
	    "max_running_per_user = excluded.max_running_per_user, "
	    "max_attempts = excluded.max_attempts, "
	    "timeout_ms = excluded.timeout_ms, "
	    "backoff_ms = excluded.backoff_ms, "
	    "backoff_max_ms = excluded.backoff_max_ms, "
	    "source = excluded.source",
	[Q_QUEUE_PAUSE] =
	    "INSERT INTO queues (name, paused, updated_at) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT (name) DO UPDATE SET paused = excluded.paused, "
	    "updated_at = excluded.updated_at",
	[Q_QUEUE_UNCONFIG] = "SELECT name FROM queues WHERE source = 'config'",
	[Q_QUEUE_SETTINGS] =
	    "SELECT concurrency, rate_n, rate_period_ms, weight, max_pending, "
	    "max_running_per_user, max_attempts, timeout_ms, backoff_ms, "
	    "backoff_max_ms FROM queues WHERE name = ?1",
	[Q_QUEUE_ROOM] =
	    "SELECT q.max_pending, coalesce((SELECT n FROM metric_jobs m "
	    "WHERE m.queue = q.name AND m.state = 'pending'), 0) "
	    "FROM queues q WHERE q.name = ?1 AND q.max_pending IS NOT NULL",
};


static const char *const state_names[JOB_NSTATES] = {
	[JOB_PENDING] = "pending",
	[JOB_RUNNING] = "running",
	[JOB_DONE] = "done",
	[JOB_CANCELLED] = "cancelled",
	[JOB_DEAD] = "dead",
};

const char *
job_state_name(enum job_state s)
{
	if ((unsigned)s >= JOB_NSTATES)
		return NULL;
	return state_names[s];
}

int
job_state_parse(const char *name, enum job_state *s)
{
	int i;

	for (i = 0; i < JOB_NSTATES; i++) {
		if (strcmp(name, state_names[i]) == 0) {
			*s = (enum job_state)i;
			return 0;
		}
	}
	return -EINVAL;
}

void
job_clear(struct job *j)
{
	if (j == NULL)
		return;
	free(j->queue);
	free(j->command);
	free(j->key);
	free(j->schedule);
	free(j->env);
	free(j->cwd);
	free(j->run_as);
	free(j->lease_owner);
	free(j->last_error);
	free(j->dead_reason);
	free(j->mail_to);
	free(j->hook[JOB_HOOK_DEAD]);
	free(j->hook[JOB_HOOK_FAILURE]);
	free(j->hook[JOB_HOOK_SUCCESS]);
	free(j->notify_event);
	free(j->input);
	memset(j, 0, sizeof(*j));
}

int
store_schema_version(void)
{
	return schema_nmigrations;
}

const char *
store_errmsg(const struct store *st)
{
	return st->errmsg;
}

/*
 * Translate SQLite result code rc into a negative errno and remember the
 * connection's message.  The one place that knows SQLite's codes.
 */
int
store_err(struct store *st, int rc)
{
	int sys = st->db != NULL ? sqlite3_system_errno(st->db) : 0;
	const char *msg = st->db != NULL ? sqlite3_errmsg(st->db) :
	    sqlite3_errstr(rc);

	if (rc == SQLITE_READONLY_DBMOVED)
		msg = "the database file was deleted or moved while in use";
	else if (rc == SQLITE_CANTOPEN_SYMLINK)
		msg = "is a symbolic link, which jobd does not follow; refused "
		    "(fix: name the file itself)";
	else if ((rc & 0xff) == SQLITE_READONLY)
		msg = "database is read-only";
	/* A failing disk or file system: say which database. */
	if (st->path != NULL && (rc == SQLITE_CANTOPEN_SYMLINK ||
	    (rc & 0xff) == SQLITE_READONLY ||
	    (rc & 0xff) == SQLITE_FULL || (rc & 0xff) == SQLITE_IOERR))
		snprintf(st->errmsg, sizeof(st->errmsg), "%s: %s", st->path,
		    msg);
	else
		snprintf(st->errmsg, sizeof(st->errmsg), "%s", msg);
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CANTOPEN:
		if (rc == SQLITE_CANTOPEN_SYMLINK)
			return -ELOOP;
		return sys == EACCES || sys == EISDIR ? -sys : -ENOENT;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return -EBADMSG;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
	case SQLITE_TOOBIG:
		return -EINVAL;
	case SQLITE_IOERR:
		return sys == ENOSPC || sys == EDQUOT ? -ENOSPC : -EIO;
	default:
		return -EIO;
	}
}

int
store_seterr(struct store *st, int error, const char *msg)
{
	snprintf(st->errmsg, sizeof(st->errmsg), "%s", msg);
	return error;
}

/* The prepared statement q, preparing it on first use; NULL on error. */
sqlite3_stmt *
store_stmt(struct store *st, enum store_stmt q, int *error)
{
	int rc;

	if (st->q[q] == NULL) {
		rc = sqlite3_prepare_v3(st->db, store_sql[q], -1,
		    SQLITE_PREPARE_PERSISTENT, &st->q[q], NULL);
		if (rc != SQLITE_OK) {
			*error = store_err(st, rc);
			return NULL;
		}
	}
	return st->q[q];
}

/* Step a statement that returns no rows, then reset it. */
int
store_run(struct store *st, sqlite3_stmt *s)
{
	int rc;

	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_err(st, rc);
	return 0;
}

/*
 * Another connection holds a lock we need: sleep a little and try again,
 * for up to STORE_BUSY_MS.  SQLite's own handler sleeps ever longer, up to
 * 100 ms a time, so that under contention a waiter often sleeps on long
 * after the lock is free; short sleeps with jitter keep the wait close to
 * the holder's transaction, a millisecond or two.
 */
static int
store_busy(void *arg, int count)
{
	struct store *st = arg;
	struct timespec now, ts;
	int64_t waited_ms, us;

	if (st->nowait)
		return 0;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	if (count == 0)
		st->busy_since = now;
	waited_ms = (int64_t)(now.tv_sec - st->busy_since.tv_sec) * 1000 +
	    (now.tv_nsec - st->busy_since.tv_nsec) / 1000000;
	if (waited_ms >= STORE_BUSY_MS)
		return 0;
	us = count < 4 ? 250 << count : 2000;
	st->rng = st->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	us += (int64_t)((st->rng >> 33) % (uint64_t)(us / 2 + 1));
	ts.tv_sec = 0;
	ts.tv_nsec = (long)us * 1000;
	(void)nanosleep(&ts, NULL);
	return 1;
}

/* The lock was not to be had within "ms": say so. */
static int
store_locked(struct store *st, int ms)
{
	snprintf(st->errmsg, sizeof(st->errmsg),
	    "database is locked by another process (waited %d s)", ms / 1000);
	return -EBUSY;
}

/*
 * BEGIN IMMEDIATE, waiting for the write lock up to STORE_BUSY_TRIES times
 * STORE_BUSY_MS (the busy handler does the waiting).
 */
static int
store_begin_raw(struct store *st)
{
	sqlite3_stmt *s;
	int error = 0, i;

	if ((s = store_stmt(st, Q_BEGIN, &error)) == NULL)
		return error;
	for (i = 0; i < STORE_BUSY_TRIES; i++) {
		if ((error = store_run(st, s)) != -EBUSY)
			break;
	}
	if (error == -EBUSY)
		return store_locked(st, STORE_BUSY_TRIES * STORE_BUSY_MS);
	return error;
}

/*
 * BEGIN IMMEDIATE for a durable write: if a heartbeat could not put the
 * connection back to synchronous=FULL, do it now or refuse, so that no
 * accepted job or result ever commits without its fsync.
 */
int
store_begin(struct store *st)
{
	int error;

	if (st->relaxed) {
		if ((error = store_exec(st, "PRAGMA synchronous = FULL")) != 0)
			return error;
		st->relaxed = false;
	}
	return store_begin_raw(st);
}

/*
 * COMMIT.  A daemon learns of our commits from inotify events on the WAL
 * file, but the writes of a commit come before it is visible to other
 * connections; so, with STORE_POKE, set the WAL's times once the commit is
 * done: that event always finds the new data.
 */
int
store_commit(struct store *st)
{
	sqlite3_stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_COMMIT, &error)) == NULL)
		return error;
	if ((error = store_run(st, s)) == 0 && st->poke && *st->wal != '\0')
		(void)utimensat(AT_FDCWD, st->wal, NULL, 0);
	return error;
}

/* Roll back after an error, keeping the first error's message. */
void
store_rollback(struct store *st)
{
	char saved[sizeof(st->errmsg)];
	sqlite3_stmt *s;
	int error = 0;

	if (sqlite3_get_autocommit(st->db))
		return;			/* SQLite already rolled back */
	memcpy(saved, st->errmsg, sizeof(saved));
	if ((s = store_stmt(st, Q_ROLLBACK, &error)) != NULL)
		(void)store_run(st, s);
	memcpy(st->errmsg, saved, sizeof(saved));
}

int
store_exec(struct store *st, const char *sql)
{
	int rc;

	if ((rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return store_err(st, rc);
	return 0;
}

/*
 * Is this a jobd database, of a version we know?  Reads the header and the
 * schema, writes nothing.  *version gets the schema version (0: empty).
 */
static int
store_check(struct store *st, int64_t *version)
{
	int64_t app = 0, tables = 0;
	sqlite3_stmt *s;
	int rc;

	/*
	 * One statement, so one snapshot: read one by one, a creator's
	 * migration committing in between would show tables without the
	 * stamp, which looks like somebody else's database.
	 */
	rc = sqlite3_prepare_v2(st->db, "SELECT "
	    "(SELECT user_version FROM pragma_user_version), "
	    "(SELECT application_id FROM pragma_application_id), "
	    "(SELECT count(*) FROM sqlite_schema)", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_err(st, rc);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*version = sqlite3_column_int64(s, 0);
		app = sqlite3_column_int64(s, 1);
		tables = sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return store_err(st, rc);
	if (app != STORE_APP_ID && (app != 0 || *version != 0 || tables != 0))
		return store_seterr(st, -EBADMSG,
		    "not a jobd database (it is SQLite, but holds other data)");
	if (*version > schema_nmigrations) {
		snprintf(st->errmsg, sizeof(st->errmsg),
		    "database schema version %lld is newer than this jobd "
		    "supports (%d); upgrade jobd", (long long)*version,
		    schema_nmigrations);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/* The number of migration "name" (its 1-based place), or 0. */
static int
store_migration_index(const char *name)
{
	int i;

	for (i = 0; i < schema_nmigrations; i++)
		if (strcmp(schema_migrations[i].name, name) == 0)
			return i + 1;
	return 0;
}

/*
 * Turn a database made before 009_retention.sql into auto_vacuum =
 * INCREMENTAL, so that pruning can give space back.  The mode of a
 * database with tables changes only with a VACUUM, which cannot run in a
 * transaction: so after the migration committed, by whoever migrated.
 * VACUUM copies the whole database (into a temporary file, then through
 * the WAL): it takes time and temporary disk space about the size of the
 * database, and holds the write lock meanwhile.  It is atomic; if it
 * fails (e.g. the disk is full) the database stays as it was, in the
 * old mode, and still works: freed pages are reused, only never given
 * back.  The WAL it grew is checkpointed and truncated after.
 */
static void
store_incremental(struct store *st)
{
	char saved[sizeof(st->errmsg)];
	int64_t mode = 0;

	memcpy(saved, st->errmsg, sizeof(saved));
	if (store_first_int(st, Q_AUTO_VACUUM, &mode) == 0 && mode != 2 &&
	    store_exec(st, "PRAGMA auto_vacuum = INCREMENTAL") == 0 &&
	    store_exec(st, "VACUUM") == 0)
		(void)store_exec(st, "PRAGMA wal_checkpoint(TRUNCATE)");
	memcpy(st->errmsg, saved, sizeof(saved));
}

/*
 * Bring the schema up to date: in one IMMEDIATE transaction, check the
 * database again (another process may have migrated it meanwhile), apply
 * the missing migrations and stamp the version.
 */
static int
store_migrate(struct store *st, bool readonly)
{
	char sql[64];
	int64_t version = 0;
	int error, i;

	if (!readonly && (error = store_begin(st)) != 0)
		return error;
	if ((error = store_check(st, &version)) != 0)
		goto fail;
	if (readonly) {
		if (version < schema_nmigrations) {
			snprintf(st->errmsg, sizeof(st->errmsg),
			    "database schema version %lld needs upgrading to "
			    "%d, which a read-only open cannot do",
			    (long long)version, schema_nmigrations);
			return -EROFS;
		}
		return 0;
	}
	for (i = (int)version; i < schema_nmigrations; i++) {
		if ((error = store_exec(st, schema_migrations[i].sql)) != 0) {
			char why[sizeof(st->errmsg)];

			memcpy(why, st->errmsg, sizeof(why));
			snprintf(st->errmsg, sizeof(st->errmsg),
			    "migration %s failed: %.400s",
			    schema_migrations[i].name,
			    why);
			goto fail;
		}
	}
	if (version < schema_nmigrations) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		    schema_nmigrations);
		if ((error = store_exec(st, sql)) != 0)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d",
		    STORE_APP_ID);
		if ((error = store_exec(st, sql)) != 0)
			goto fail;
	}
	if ((error = store_commit(st)) != 0)
		return error;
	if (version > 0 && version < store_migration_index("009_retention.sql"))
		store_incremental(st);
	return 0;
fail:
	if (!readonly)
		store_rollback(st);
	return error;
}

/* mkdir -p for the directories above "path", each created 0700. */
static int
store_mkdirs(const char *path)
{
	char dir[PATH_MAX];
	size_t i, len;

	if ((len = strlen(path)) >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, len + 1);
	for (i = 1; i < len; i++) {
		if (dir[i] != '/')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			return -errno;
		dir[i] = '/';
	}
	return 0;
}

/* fsync the directory holding path, so a new file's name is durable. */
static void
store_sync_dir(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd;

	if (strlen(path) >= sizeof(dir))
		return;
	strcpy(dir, path);
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
}

/*
 * For STORE_NOFOLLOW: "path" with its directory resolved (realpath), in a
 * new string, or NULL.  SQLite's SQLITE_OPEN_NOFOLLOW refuses a symbolic
 * link anywhere in the path; only the last one, the file itself, is ours
 * to refuse (store_prepare_path did), the directory may be a link.
 */
static char *
store_real_path(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX], *real, *out;

	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == path)
		strcpy(dir, "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		return NULL;
	if ((real = realpath(dir, NULL)) == NULL)
		return NULL;
	slash = slash != NULL ? slash + 1 : path;
	if ((out = malloc(strlen(real) + strlen(slash) + 2)) != NULL)
		sprintf(out, "%s/%s", strcmp(real, "/") == 0 ? "" : real,
		    slash);
	free(real);
	return out;
}

/*
 * A -wal or -shm we cannot write (another user made it, e.g. root's
 * sqlite3 a moment before it hands it to the database's owner) would make
 * SQLite open it read-only and every write fail with "read-only": say
 * which file and whose it is.
 */
static int
store_check_side(const char *path, const struct stat *db, char *err,
    size_t errlen)
{
	static const char *const side[] = { "-wal", "-shm" };
	char name[PATH_MAX + 8];
	struct stat sb;
	size_t i;

	for (i = 0; i < sizeof(side) / sizeof(side[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", path, side[i]);
		if (lstat(name, &sb) == -1 || access(name, W_OK) == 0 ||
		    errno != EACCES)
			continue;
		snprintf(err, errlen, "%s: owned by uid %lu (mode %04o), "
		    "which uid %lu cannot write: the database is read-only "
		    "(fix: chown %lu %s, the owner of the database)", name,
		    (unsigned long)sb.st_uid, (unsigned)(sb.st_mode & 07777),
		    (unsigned long)geteuid(), (unsigned long)db->st_uid, name);
		return -EROFS;
	}
	return 0;
}

/*
 * Check the path before SQLite sees it, so that each way it can be wrong
 * gets its own error, and create the file 0600 when asked.
 */
static int
store_prepare_path(const char *path, int flags, char *err, size_t errlen)
{
	struct stat sb;
	int error, fd;

	if (*path == '\0') {
		snprintf(err, errlen, "empty database path");
		return -EINVAL;
	}
	if (((flags & STORE_NOFOLLOW) ? lstat(path, &sb) : stat(path, &sb)) ==
	    0) {
		if (S_ISLNK(sb.st_mode)) {
			snprintf(err, errlen, "%s: is a symbolic link, which "
			    "jobd does not follow; refused (fix: name the "
			    "file itself)", path);
			return -ELOOP;
		}
		if (S_ISDIR(sb.st_mode)) {
			snprintf(err, errlen, "%s: is a directory, not a "
			    "database file", path);
			return -EISDIR;
		}
		if (!S_ISREG(sb.st_mode)) {
			snprintf(err, errlen, "%s: not a regular file", path);
			return -EBADMSG;
		}
		if (access(path, R_OK) == -1) {
			error = -errno;
			snprintf(err, errlen, "%s: cannot read: %s", path,
			    strerror(-error));
			return error;
		}
		if (!(flags & STORE_READONLY) && access(path, W_OK) == -1) {
			error = errno == EACCES ? -EROFS : -errno;
			snprintf(err, errlen, "%s: database is read-only: %s",
			    path, strerror(errno));
			return error;
		}
		if (!(flags & STORE_READONLY))
			return store_check_side(path, &sb, err, errlen);
		return 0;
	}
	if (errno != ENOENT) {
		error = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-error));
		return error;
	}
	if ((flags & STORE_MKDIR) && (error = store_mkdirs(path)) != 0) {
		snprintf(err, errlen, "%s: cannot create its directory: %s",
		    path, strerror(-error));
		return error;
	}
	if (!(flags & STORE_CREATE)) {
		snprintf(err, errlen, "%s: no such database", path);
		return -ENOENT;
	}
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1 && errno != EEXIST) {	/* EEXIST: another creator */
		error = -errno;
		if (error == -ENOENT)
			snprintf(err, errlen, "%s: no such directory", path);
		else
			snprintf(err, errlen, "%s: cannot create: %s", path,
			    strerror(-error));
		return error;
	}
	if (fd != -1) {
		(void)fchmod(fd, 0600);
		close(fd);
		store_sync_dir(path);
	}
	return 0;
}

/*
 * A WAL database on a read-only file system with no -wal file left: no
 * reader can make the -shm file SQLite wants, and nothing can change the
 * file there, so it is read as immutable.  The URI for that, or NULL.
 */
static char *
store_immutable_uri(const char *path)
{
	char wal[PATH_MAX + 8], *uri, *u;
	struct statvfs vfs;
	struct stat sb;
	const char *p;

	if (statvfs(path, &vfs) != 0 || !(vfs.f_flag & ST_RDONLY))
		return NULL;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (stat(wal, &sb) == 0 && sb.st_size > 0)
		return NULL;
	if ((uri = malloc(strlen(path) * 3 + 32)) == NULL)
		return NULL;
	u = uri + sprintf(uri, *path == '/' ? "file://" : "file:");
	for (p = path; *p != '\0'; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			u += sprintf(u, "%%%02x", (unsigned char)*p);
		else
			*u++ = *p;
	}
	strcpy(u, "?immutable=1");
	return uri;
}

int
store_open(struct store **stp, const char *path, int flags,
    const struct jd_clock *clock, char *err, size_t errlen)
{
	struct store *st;
	char mode[16], *dotpath = NULL;
	int64_t version;
	int error, rc, oflags;
	sqlite3_stmt *s;

	if ((error = store_prepare_path(path, flags, err, errlen)) != 0)
		return error;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	st->clock = clock;
	st->path = strdup(path);	/* NULL: messages without it */
	st->poke = (flags & STORE_POKE) != 0;
	oflags = (flags & STORE_READONLY) ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE;
	/*
	 * A relative "file:..." would be taken as a URI: make it a path.
	 * A read-only file system may need a URI of our own.
	 */
	if ((flags & STORE_NOFOLLOW) &&
	    (dotpath = store_real_path(path)) != NULL)
		oflags |= SQLITE_OPEN_NOFOLLOW;
	else if ((flags & STORE_READONLY) &&
	    (dotpath = store_immutable_uri(path)) != NULL)
		oflags |= SQLITE_OPEN_URI;
	else if (strncmp(path, "file:", 5) == 0 &&
	    (dotpath = malloc(strlen(path) + 3)) != NULL)
		sprintf(dotpath, "./%s", path);
	if (flags & STORE_NOFOLLOW)
		oflags |= SQLITE_OPEN_NOFOLLOW;	/* the file itself, at least */
	rc = sqlite3_open_v2(dotpath != NULL ? dotpath : path, &st->db,
	    oflags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, NULL);
	free(dotpath);
	if (rc != SQLITE_OK) {
		error = store_err(st, rc);
		goto fail;
	}
	st->wal = sqlite3_filename_wal(sqlite3_db_filename(st->db, "main"));
	if (st->wal == NULL)
		st->wal = "";
	st->rng = (uint64_t)getpid() ^ (uint64_t)(uintptr_t)st;
	sqlite3_busy_handler(st->db, store_busy, st);
	if (!(flags & STORE_READONLY) && sqlite3_db_readonly(st->db, "main")) {
		error = store_seterr(st, -EROFS, "database is read-only");
		goto fail;
	}
	/* Refuse a foreign or newer database before changing anything. */
	if ((error = store_check(st, &version)) != 0)
		goto fail;
	/*
	 * A new database frees pages back to the file system when asked
	 * (store_vacuum_step): the mode must be set before the first table,
	 * and before the switch to WAL writes the header.
	 */
	if (version == 0 && !(flags & STORE_READONLY) &&
	    (error = store_exec(st, "PRAGMA auto_vacuum = INCREMENTAL")) != 0)
		goto fail;
	/* Switch to WAL once; it then sticks to the file. */
	rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		snprintf(mode, sizeof(mode), "%s", rc == SQLITE_ROW ?
		    (const char *)sqlite3_column_text(s, 0) : "");
		sqlite3_finalize(s);
	}
	if (rc != SQLITE_ROW) {
		error = store_err(st, rc);
		goto fail;
	}
	/*
	 * The switch needs the file to itself, and SQLite does not call the
	 * busy handler for it: while other processes open the database at
	 * the same moment (each reading it briefly), call it ourselves.
	 */
	if (strcmp(mode, "wal") != 0 && !(flags & STORE_READONLY)) {
		int i;

		for (i = 0; (error = store_exec(st,
		    "PRAGMA journal_mode = WAL")) == -EBUSY; i++)
			if (!store_busy(st, i))
				break;
		if (error == -EBUSY)
			error = store_locked(st, STORE_BUSY_MS);
		if (error != 0)
			goto fail;
	}
	if ((error = store_exec(st, "PRAGMA synchronous = FULL; "
	    "PRAGMA foreign_keys = ON; "
	    "PRAGMA journal_size_limit = " STORE_WAL_LIMIT_STR)) != 0)
		goto fail;
	if ((flags & STORE_SMALL) &&
	    (error = store_exec(st, "PRAGMA cache_size = -512")) != 0)
		goto fail;
	/* Up to date: no transaction, so readers never wait for writers. */
	if (version < schema_nmigrations &&
	    (error = store_migrate(st, flags & STORE_READONLY)) != 0)
		goto fail;
	*stp = st;
	return 0;
fail:
	if (st->path != NULL && strncmp(st->errmsg, path, strlen(path)) ==
	    0 && st->errmsg[strlen(path)] == ':')
		snprintf(err, errlen, "%s", st->errmsg);  /* named already */
	else
		snprintf(err, errlen, "%s: %s", path, st->errmsg);
	store_close(st);
	return error;
}

void
store_close(struct store *st)
{
	int i;

	if (st == NULL)
		return;
	for (i = 0; i < Q_MAX; i++)
		sqlite3_finalize(st->q[i]);
	sqlite3_close(st->db);
	store_notify_free(st);
	free(st->path);
	free(st);
}

/* Bind an optional text: NULL binds SQL NULL. */
int
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

/* Bind an optional job option: JOB_DEFAULT binds SQL NULL. */
int
bind_opt(sqlite3_stmt *s, int i, int64_t v)
{
	if (v == JOB_DEFAULT)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_int64(s, i, v);
}

/* Bind the process options *p as ?first .. ?first+5 (PROC_COLS). */
void
bind_proc(sqlite3_stmt *s, int first, const struct job_proc *p)
{
	int i;

	bind_opt(s, first, p->umask);
	for (i = 0; i < JOB_NLIMITS; i++)
		bind_opt(s, first + 1 + i, p->limit[i]);
	if (p->kill_mode == JOB_KILL_ATTEMPT)
		sqlite3_bind_text(s, first + 5, "attempt", -1, SQLITE_STATIC);
	else if (p->kill_mode == JOB_KILL_PROCESS)
		sqlite3_bind_text(s, first + 5, "process", -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, first + 5);
}

/* Bind mail settings as ?first (NULL: no mail) and ?first+1 (MAIL_COLS). */
void
bind_mail(sqlite3_stmt *s, int first, const char *to, enum mail_on on)
{
	const char *name = mail_on_name(on);

	bind_text(s, first, to);
	bind_text(s, first + 1, name);
}

/*
 * Look key js->key up for a submission at "now": 0 with *id its job when
 * the key names a job with the same contents; -ENOENT when the key is free
 * (never used, expired, or its job purged); -EEXIST when it names a job
 * that differs (st->errmsg says how).
 */
static int
store_key_find(struct store *st, const struct job_spec *js, int64_t now,
    int64_t *id)
{
	sqlite3_stmt *s;
	const char *diff;
	int64_t ttl, fin, jid;
	int error = 0, rc;
	bool present;

	if ((s = store_stmt(st, Q_KEY_FIND, &error)) == NULL)
		return error;
	sqlite3_bind_text(s, 1, js->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, js->queue != NULL ? js->queue : "default",
	    -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, js->command, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, js->priority);
	bind_opt(s, 5, js->max_attempts);
	bind_opt(s, 6, js->timeout_ms);
	bind_opt(s, 7, js->backoff_ms);
	bind_opt(s, 8, js->backoff_max_ms);
	if (js->env_len > 0)
		sqlite3_bind_blob64(s, 9, js->env, js->env_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 9);
	bind_text(s, 10, js->cwd);
	bind_text(s, 11, js->run_as);
	bind_text(s, 12, js->key_when);
	bind_proc(s, 13, &js->proc);
	bind_mail(s, 19, js->mail_to, js->mail_on);
	bind_text(s, 21, js->hook[JOB_HOOK_DEAD]);
	bind_text(s, 22, js->hook[JOB_HOOK_FAILURE]);
	bind_text(s, 23, js->hook[JOB_HOOK_SUCCESS]);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		jid = sqlite3_column_int64(s, 0);
		ttl = sqlite3_column_int64(s, 1);
		present = sqlite3_column_int(s, 2) != 0;
		fin = sqlite3_column_type(s, 3) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(s, 3);
		diff = (const char *)sqlite3_column_text(s, 4);
		if (!present || (fin >= 0 && clock_add(fin, ttl) <= now)) {
			error = -ENOENT;
		} else if (diff != NULL) {
			snprintf(st->errmsg, sizeof(st->errmsg), "key \"%s\" "
			    "already names job %lld, whose %s differs; nothing "
			    "submitted (use another key, or wait until the key "
			    "expires)", js->key, (long long)jid, diff);
			error = -EEXIST;
		} else {
			*id = jid;
		}
	} else if (rc == SQLITE_DONE) {
		error = -ENOENT;
	} else {
		error = store_err(st, rc);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return error;
}

/* Make key js->key name job id from now on. */
static int
store_key_take(struct store *st, const struct job_spec *js, int64_t id,
    int64_t now)
{
	sqlite3_stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_KEY_TAKE, &error)) == NULL)
		return error;
	sqlite3_bind_text(s, 1, js->key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, id);
	sqlite3_bind_int64(s, 3, js->key_ttl_ms >= 0 ? js->key_ttl_ms :
	    JOB_KEY_TTL_DEFAULT_MS);
	bind_text(s, 4, js->key_when);
	sqlite3_bind_int64(s, 5, now);
	error = store_run(st, s);
	sqlite3_clear_bindings(s);
	return error;
}

static int
store_insert(struct store *st, const struct job_spec *js, int64_t now,
    int64_t *id)
{
	sqlite3_stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_INSERT, &error)) == NULL)
		return error;
	sqlite3_bind_text(s, 1, js->queue != NULL ? js->queue : "default",
	    -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, js->command, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, js->priority);
	sqlite3_bind_int64(s, 4, js->run_at);
	bind_opt(s, 5, js->max_attempts);
	bind_opt(s, 6, js->timeout_ms);
	bind_opt(s, 7, js->backoff_ms);
	bind_opt(s, 8, js->backoff_max_ms);
	bind_text(s, 9, js->key);
	if (js->env_len > 0)
		sqlite3_bind_blob64(s, 10, js->env, js->env_len,
		    SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 10);
	bind_text(s, 11, js->cwd);
	bind_text(s, 12, js->run_as);
	sqlite3_bind_int64(s, 13, now);
	sqlite3_bind_int64(s, 14, js->schedule_id);
	sqlite3_bind_int64(s, 15, js->slot_at);
	sqlite3_bind_int64(s, 16, js->after_id);
	bind_proc(s, 17, &js->proc);
	bind_mail(s, 23, js->mail_to, js->mail_on);
	bind_text(s, 25, js->hook[JOB_HOOK_DEAD]);
	bind_text(s, 26, js->hook[JOB_HOOK_FAILURE]);
	bind_text(s, 27, js->hook[JOB_HOOK_SUCCESS]);
	error = store_run(st, s);
	sqlite3_clear_bindings(s);
	if (error == 0)
		*id = sqlite3_last_insert_rowid(st->db);
	return error;
}

/*
 * max_pending: the jobs of specs[] are inserted, fresh[i] telling those
 * that are new (not found by their key); check each queue that got new
 * jobs once, with how many it got.
 */
static int
store_submit_room(struct store *st, const struct job_spec *specs, size_t n,
    const bool *fresh)
{
	struct room r = { 0 };
	size_t i;
	int error = 0;

	for (i = 0; i < n && error == 0; i++)
		if (fresh[i])
			error = room_add(st, &r, specs[i].queue, 1);
	if (error == 0)
		error = room_check(st, &r);
	room_free(&r);
	return error;
}

int
store_submit(struct store *st, const struct job_spec *specs, size_t n,
    int64_t *ids, bool *existed)
{
	int64_t now = clock_wall_ms(st->clock);
	bool *fresh;
	size_t i;
	int error;

	if ((fresh = calloc(n > 0 ? n : 1, sizeof(*fresh))) == NULL)
		return store_seterr(st, -ENOMEM, "out of memory");
	if ((error = store_begin(st)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		bool found = false;

		if (specs[i].key != NULL) {
			error = store_key_find(st, &specs[i], now, &ids[i]);
			if (error == 0)
				found = true;
			else if (error != -ENOENT)
				goto fail;
		}
		if (!found && (error = store_insert(st, &specs[i], now,
		    &ids[i])) != 0)
			goto fail;
		if (!found && specs[i].key != NULL &&
		    (error = store_key_take(st, &specs[i], ids[i], now)) != 0)
			goto fail;
		if (!found && specs[i].ndeps > 0 &&
		    (error = store_deps_add(st, ids[i], &specs[i], ids,
		    i)) != 0)
			goto fail;
		if (existed != NULL)
			existed[i] = found;
		fresh[i] = !found;
	}
	if ((error = store_submit_room(st, specs, n, fresh)) != 0)
		goto fail;
	if ((error = store_commit(st)) != 0)
		goto fail;
	goto out;
fail:
	store_rollback(st);
out:
	free(fresh);
	return error;
}

/* A copy of column i as a C string, or NULL for SQL NULL. */
char *
col_strdup(sqlite3_stmt *s, int i, bool *oom)
{
	const unsigned char *t;
	char *p;

	if ((t = sqlite3_column_text(s, i)) == NULL)
		return NULL;
	if ((p = strdup((const char *)t)) == NULL)
		*oom = true;
	return p;
}

int64_t
col_opt(sqlite3_stmt *s, int i)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return JOB_DEFAULT;
	return sqlite3_column_int64(s, i);
}

/* Read the process options of columns first .. first+5 into *p. */
void
col_proc(sqlite3_stmt *s, int first, struct job_proc *p)
{
	const char *t;
	int i;

	p->umask = col_opt(s, first);
	for (i = 0; i < JOB_NLIMITS; i++)
		p->limit[i] = col_opt(s, first + 1 + i);
	t = (const char *)sqlite3_column_text(s, first + PROC_NCOLS - 1);
	p->kill_mode = t == NULL ? JOB_DEFAULT : strcmp(t, "process") == 0 ?
	    JOB_KILL_PROCESS : JOB_KILL_ATTEMPT;
}

/* The mail_on of column i; MAIL_ON_UNSET when NULL. */
enum mail_on
col_mail_on(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	enum mail_on on = MAIL_ON_UNSET;

	if (t != NULL)
		(void)mail_on_parse(t, &on);
	return on;
}

/*
 * The env blob of column i into *env and *len (NULL and 0 when it is
 * empty), less a torn last entry: every entry ends in a NUL.  With copy,
 * *env is a copy that the caller frees (NULL, with *oom set, when out of
 * memory); without, it points into s and is valid until the next step.
 */
void
col_env(sqlite3_stmt *s, int i, bool copy, char **env, size_t *len,
    bool *oom)
{
	const char *blob = sqlite3_column_blob(s, i);
	size_t n = (size_t)sqlite3_column_bytes(s, i);

	while (n > 0 && blob[n - 1] != '\0')
		n--;
	*env = NULL;
	*len = 0;
	if (blob == NULL || n == 0)
		return;
	*len = n;
	if (!copy)
		*env = (char *)(uintptr_t)blob;
	else if ((*env = malloc(n)) != NULL)
		memcpy(*env, blob, n);
	else
		*oom = true;
}

/* A blob column, as it is: borrowed without copy, else copied. */
void
col_blob(sqlite3_stmt *s, int i, bool copy, void **p, size_t *len,
    bool *oom)
{
	const void *blob = sqlite3_column_blob(s, i);
	size_t n = (size_t)sqlite3_column_bytes(s, i);

	*p = NULL;
	*len = 0;
	if (blob == NULL || n == 0)
		return;
	*len = n;
	if (!copy)
		*p = (void *)(uintptr_t)blob;
	else if ((*p = malloc(n)) != NULL)
		memcpy(*p, blob, n);
	else
		*oom = true;
}

/*
 * Read the job of the current row of s (JOB_COLS_*) into *j.  With copy,
 * strings are duplicated (owned by *j); without, they point into s and are
 * valid until the next step.
 */
int
job_read(sqlite3_stmt *s, struct job *j, bool copy)
{
	bool oom = false;
	const char *state;

	memset(j, 0, sizeof(*j));
#define TEXT(i) (copy ? col_strdup(s, (i), &oom) :			\
	    (char *)(uintptr_t)sqlite3_column_text(s, (i)))
	j->id = sqlite3_column_int64(s, 0);
	j->queue = TEXT(1);
	j->command = TEXT(2);
	j->priority = sqlite3_column_int64(s, 3);
	j->run_at = sqlite3_column_int64(s, 4);
	j->attempts = sqlite3_column_int64(s, 5);
	j->max_attempts = col_opt(s, 6);
	j->timeout_ms = col_opt(s, 7);
	j->backoff_ms = col_opt(s, 8);
	j->backoff_max_ms = col_opt(s, 9);
	j->key = TEXT(10);
	j->schedule_id = sqlite3_column_int64(s, 11);
	j->slot_at = sqlite3_column_int64(s, 12);
	col_env(s, 13, copy, &j->env, &j->env_len, &oom);
	j->cwd = TEXT(14);
	j->run_as = TEXT(15);
	j->created_at = sqlite3_column_int64(s, 16);
	j->updated_at = sqlite3_column_int64(s, 17);
	j->finished_at = sqlite3_column_int64(s, 18);
	j->has_exit_code = sqlite3_column_type(s, 19) != SQLITE_NULL;
	j->exit_code = sqlite3_column_int64(s, 19);
	j->last_error = TEXT(20);
	j->schedule = TEXT(21);
	state = (const char *)sqlite3_column_text(s, 22);
	if (state == NULL || job_state_parse(state, &j->state) != 0)
		j->state = JOB_PENDING;
	j->cancel_requested = sqlite3_column_int64(s, 23) != 0;
	j->lease_owner = TEXT(24);
	j->lease_expires_at = sqlite3_column_int64(s, 25);
	j->dead_at = sqlite3_column_int64(s, 26);
	j->dead_reason = TEXT(27);
	j->after_id = sqlite3_column_int64(s, 28);
	col_proc(s, 29, &j->proc);
	j->rerun_of = sqlite3_column_int64(s, 29 + PROC_NCOLS);
	j->mail_to = TEXT(30 + PROC_NCOLS);
	j->mail_on = col_mail_on(s, 31 + PROC_NCOLS);
	j->hook[JOB_HOOK_DEAD] = TEXT(32 + PROC_NCOLS);
	j->hook[JOB_HOOK_FAILURE] = TEXT(33 + PROC_NCOLS);
	j->hook[JOB_HOOK_SUCCESS] = TEXT(34 + PROC_NCOLS);
	j->notify_of = sqlite3_column_int64(s, 35 + PROC_NCOLS);
	j->notify_event = TEXT(36 + PROC_NCOLS);
	col_blob(s, 37 + PROC_NCOLS, copy, &j->input, &j->input_len, &oom);
	j->waiting = sqlite3_column_int64(s, 38 + PROC_NCOLS);
#undef TEXT
	if (oom) {
		job_clear(j);
		return -ENOMEM;
	}
	return 0;
}

int
store_job_get(struct store *st, int64_t id, struct job *out)
{
	sqlite3_stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_GET, &error)) == NULL)
		return error;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		error = job_read(s, out, true);
	else if (rc == SQLITE_DONE)
		error = -ENOENT;
	else
		error = store_err(st, rc);
	sqlite3_reset(s);
	if (error == -ENOENT) {
		int64_t last = 0;

		/* Below the highest id ever given: it was, and is gone. */
		(void)store_last_job_id(st, &last);
		store_seterr(st, -ENOENT, id > 0 && id <= last ?
		    "no such job (pruned?)" : "no such job");
	}
	return error;
}

/* Call fn for every row of the job query s (bound by the caller). */
int
store_each_job(struct store *st, sqlite3_stmt *s, store_job_fn fn, void *arg)
{
	struct job j;
	int error = 0, rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		(void)job_read(s, &j, false);
		if ((error = fn(&j, arg)) != 0)
			break;
	}
	if (error == 0 && rc != SQLITE_DONE)
		error = store_err(st, rc);
	sqlite3_reset(s);
	return error;
}

/*
 * The WHERE terms of a filtered listing for one table: ?1 queue, ?2
 * schedule id, ?3 since (see store_job_list_where()).
 */
static void
list_terms(char *buf, size_t len, const struct job_filter *f)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s%s",
	    f->queue != NULL ? " AND queue = ?1" : "",
	    f->schedule_id != 0 ? " AND schedule_id = ?2" : "",
	    f->since != 0 ? " AND created_at >= ?3" : "");
}

/* Fewer live jobs than this: list them through their partial indexes. */
#define LIST_FEW_LIVE	10000

/*
 * The subquery of the ids of the pending (jobs_pending) and running
 * (jobs_running_lease) jobs that states (a mask, those two only) names,
 * through their partial indexes, into buf.
 */
static void
list_live_ids(char *buf, size_t len, unsigned states)
{
	bool p = (states & (1u << JOB_PENDING)) != 0;
	bool r = (states & (1u << JOB_RUNNING)) != 0;

	snprintf(buf, len, "%s%s%s",
	    p ? "SELECT id FROM jobs INDEXED BY jobs_pending "
	    "WHERE state = 'pending'" : "",
	    p && r ? " UNION ALL " : "",
	    r ? "SELECT id FROM jobs INDEXED BY jobs_running_lease "
	    "WHERE state = 'running'" : "");
}

/*
 * Are there fewer than LIST_FEW_LIVE jobs of the live states (pending,
 * running) of mask states?  One walk of their partial indexes, bounded.
 */
static int
list_few_live(struct store *st, unsigned states, bool *few)
{
	char sql[512], ids[256];
	sqlite3_stmt *s;
	int rc;

	list_live_ids(ids, sizeof(ids), states);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM (%s LIMIT %d)",
	    ids, LIST_FEW_LIVE);
	if ((rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL)) != SQLITE_OK)
		return store_err(st, rc);
	rc = sqlite3_step(s);
	*few = rc == SQLITE_ROW && sqlite3_column_int64(s, 0) < LIST_FEW_LIVE;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : store_err(st, rc);
}

/*
 * Were fewer than LIST_FEW_LIVE jobs created at or after since?  One
 * bounded walk of jobs_created.
 */
static int
list_few_since(struct store *st, int64_t since, bool *few)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = sqlite3_prepare_v2(st->db, "SELECT count(*) FROM (SELECT 1 "
	    "FROM jobs INDEXED BY jobs_created WHERE created_at >= ?1 "
	    "LIMIT ?2)", -1, &s, NULL)) != SQLITE_OK)
		return store_err(st, rc);
	sqlite3_bind_int64(s, 1, since);
	sqlite3_bind_int64(s, 2, LIST_FEW_LIVE);
	rc = sqlite3_step(s);
	*few = rc == SQLITE_ROW && sqlite3_column_int64(s, 0) < LIST_FEW_LIVE;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : store_err(st, rc);
}

/*
 * A listing with the filters Q_LIST lacks (several states, a schedule, a
 * creation time), as one statement made for the filter: only the terms
 * that are set, so that SQLite can use jobs_schedule_id for a schedule.
 * Pending and running jobs, and jobs created since a time, when they are
 * few, are found through their indexes (a server's table is mostly old,
 * finished jobs); otherwise, like Q_LIST, two rowid scans newest first,
 * merged, that stop after ?4 rows.
 */
static int
store_job_list_where(struct store *st, const struct job_filter *f,
    store_job_fn fn, void *arg)
{
	char sql[2048], in[96] = "", ids[256];
	unsigned states = f->states != 0 ? f->states : (1u << JOB_NSTATES) - 1;
	unsigned active = (1u << JOB_PENDING) | (1u << JOB_RUNNING);
	sqlite3_stmt *s;
	bool live = false, dead, few = false, recent = false;
	int i, rc, error;

	if (f->state >= 0)
		states &= 1u << f->state;
	dead = (states & (1u << JOB_DEAD)) != 0;
	for (i = 0; i < JOB_NSTATES; i++) {
		if (i == JOB_DEAD || (states & (1u << i)) == 0)
			continue;
		snprintf(in + strlen(in), sizeof(in) - strlen(in), "%s'%s'",
		    live ? ", " : "", job_state_name((enum job_state)i));
		live = true;
	}
	sql[0] = '\0';
	if (live && (states & ~(1u << JOB_DEAD) & ~active) == 0 &&
	    (error = list_few_live(st, states, &few)) != 0)
		return error;
	if (live && !few && f->since != 0 && f->schedule_id == 0 &&
	    (error = list_few_since(st, f->since, &recent)) != 0)
		return error;
	if (live && recent) {
		snprintf(sql, sizeof(sql), "SELECT " JOB_COLS_LIVE " FROM jobs "
		    "WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_created "
		    "WHERE created_at >= ?3) AND state IN (%s)", in);
		list_terms(sql, sizeof(sql), f);
	} else if (live && few) {
		list_live_ids(ids, sizeof(ids), states);
		snprintf(sql, sizeof(sql), "SELECT " JOB_COLS_LIVE " FROM jobs "
		    "WHERE id IN (%s)", ids);
		list_terms(sql, sizeof(sql), f);
	} else if (live) {
		snprintf(sql, sizeof(sql), "SELECT " JOB_COLS_LIVE " FROM jobs "
		    "WHERE state IN (%s)", in);
		list_terms(sql, sizeof(sql), f);
	}
	if (dead) {
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql),
		    "%sSELECT " JOB_COLS_DEAD " FROM dead_jobs WHERE 1",
		    live ? " UNION ALL " : "");
		list_terms(sql, sizeof(sql), f);
	}
	if (!live && !dead)
		return 0;
	snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql),
	    " ORDER BY 1 DESC LIMIT ?4");
	if ((rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL)) != SQLITE_OK)
		return store_err(st, rc);
	bind_text(s, 1, f->queue);
	sqlite3_bind_int64(s, 2, f->schedule_id);
	sqlite3_bind_int64(s, 3, f->since);
	sqlite3_bind_int64(s, 4, f->limit);
	error = store_each_job(st, s, fn, arg);
	sqlite3_finalize(s);
	return error;
}

int
store_job_list(struct store *st, const struct job_filter *f,
    store_job_fn fn, void *arg)
{
	sqlite3_stmt *s;
	int error = 0;

	if (f->states != 0 || f->schedule_id != 0 || f->since != 0 ||
	    f->state == JOB_PENDING || f->state == JOB_RUNNING)
		return store_job_list_where(st, f, fn, arg);
	if ((s = store_stmt(st, Q_LIST, &error)) == NULL)
		return error;
	bind_text(s, 1, f->state >= 0 ?
	    job_state_name((enum job_state)f->state) : NULL);
	bind_text(s, 2, f->queue);
	sqlite3_bind_int64(s, 3, f->limit);
	error = store_each_job(st, s, fn, arg);
	sqlite3_clear_bindings(s);
	return error;
}

int
store_attempt_list(struct store *st, int64_t id, store_attempt_fn fn,
    void *arg)
{
	sqlite3_stmt *s;
	struct attempt a;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_ATTEMPTS, &error)) == NULL)
		return error;
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&a, 0, sizeof(a));
		a.id = sqlite3_column_int64(s, 0);
		a.job_id = sqlite3_column_int64(s, 1);
		a.attempt = sqlite3_column_int64(s, 2);
		a.owner = (char *)(uintptr_t)sqlite3_column_text(s, 3);
		a.started_at = sqlite3_column_int64(s, 4);
		a.finished_at = sqlite3_column_int64(s, 5);
		a.has_exit_code = sqlite3_column_type(s, 6) != SQLITE_NULL;
		a.exit_code = sqlite3_column_int64(s, 6);
		a.signal = sqlite3_column_int64(s, 7);
		a.outcome = (char *)(uintptr_t)sqlite3_column_text(s, 8);
		a.output = sqlite3_column_blob(s, 9);
		a.output_len = (size_t)sqlite3_column_bytes(s, 9);
		a.output_dropped = sqlite3_column_int64(s, 10);
		a.error = (char *)(uintptr_t)sqlite3_column_text(s, 11);
		if ((error = fn(&a, arg)) != 0)
			break;
	}
	if (error == 0 && rc != SQLITE_DONE)
		error = store_err(st, rc);
	sqlite3_reset(s);
	return error;
}

/* The state of job id, live or dead: 0 and *state, or -ENOENT. */
int
store_job_state(struct store *st, int64_t id, enum job_state *state)
{
	sqlite3_stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_STATE, &error)) == NULL)
		return error;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (job_state_parse((const char *)sqlite3_column_text(s, 0),
		    state) != 0)
			error = -EBADMSG;
	} else if (rc == SQLITE_DONE) {
		error = -ENOENT;
	} else {
		error = store_err(st, rc);
	}
	sqlite3_reset(s);
	return error;
}

int
store_job_rerun(struct store *st, int64_t id, int64_t run_at,
    int64_t *new_id)
{
	enum job_state state;
	sqlite3_stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_RERUN, &error)) == NULL)
		return error;
	if ((error = store_begin(st)) != 0)
		return error;
	if ((error = store_job_state(st, id, &state)) != 0) {
		if (error == -ENOENT)
			store_seterr(st, error, "no such job");
		goto fail;
	}
	if (state == JOB_PENDING || state == JOB_RUNNING) {
		snprintf(st->errmsg, sizeof(st->errmsg), "job %lld is %s: "
		    "only a finished job (done, cancelled or dead) can be run "
		    "again", (long long)id, job_state_name(state));
		error = -EINPROGRESS;
		goto fail;
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, run_at);
	error = store_run(st, s);
	sqlite3_clear_bindings(s);
	if (error != 0)
		goto fail;
	*new_id = sqlite3_last_insert_rowid(st->db);
	if ((s = store_stmt(st, Q_RERUN_QUEUE, &error)) == NULL)
		goto fail;
	sqlite3_bind_int64(s, 1, *new_id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		error = store_queue_room(st,
		    (const char *)sqlite3_column_text(s, 0), 0, 1);
	else
		error = store_err(st, rc == SQLITE_DONE ? SQLITE_INTERNAL : rc);
	sqlite3_reset(s);
	if (error != 0)
		goto fail;
	if ((error = store_commit(st)) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return error;
}

int
store_job_reruns(struct store *st, int64_t id, store_id_fn fn, void *arg)
{
	sqlite3_stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_RERUNS, &error)) == NULL)
		return error;
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((error = fn(sqlite3_column_int64(s, 0), arg)) != 0)
			break;
	if (error == 0 && rc != SQLITE_DONE)
		error = store_err(st, rc);
	sqlite3_reset(s);
	return error;
}

int
store_cancel(struct store *st, const int64_t *ids, size_t n,
    enum job_state *was, size_t *bad)
{
	int64_t now = clock_wall_ms(st->clock);
	sqlite3_stmt *s;
	size_t i;
	int error;

	if ((error = store_begin(st)) != 0)
		return error;
	for (i = 0; i < n; i++) {
		if ((error = store_job_state(st, ids[i], &was[i])) != 0)
			goto bad;
		switch (was[i]) {
		case JOB_PENDING:
			s = store_stmt(st, Q_CANCEL_PENDING, &error);
			break;
		case JOB_RUNNING:
			s = store_stmt(st, Q_CANCEL_RUNNING, &error);
			break;
		case JOB_CANCELLED:
			continue;
		default:
			error = -EALREADY;
			goto bad;
		}
		if (s == NULL)
			goto fail;
		sqlite3_bind_int64(s, 1, ids[i]);
		sqlite3_bind_int64(s, 2, now);
		if ((error = store_run(st, s)) != 0)
			goto fail;
		if (was[i] == JOB_PENDING &&
		    (error = store_deps_end(st, ids[i], JOB_CANCELLED,
		    now)) != 0)
			goto fail;
	}
	if ((error = store_commit(st)) != 0)
		goto fail;
	return 0;
bad:
	*bad = i;
	if (error == -ENOENT)
		store_seterr(st, error, "no such job");
	else if (error == -EALREADY)
		snprintf(st->errmsg, sizeof(st->errmsg),
		    "job already finished (%s)", job_state_name(was[i]));
fail:
	store_rollback(st);
	return error;
}

int
store_count(struct store *st, store_count_fn fn, void *arg)
{
	enum job_state state;
	sqlite3_stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_COUNT, &error)) == NULL)
		return error;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (job_state_parse((const char *)sqlite3_column_text(s, 1),
		    &state) != 0)
			continue;
		if ((error = fn((const char *)sqlite3_column_text(s, 0), state,
		    sqlite3_column_int64(s, 2), arg)) != 0)
			break;
	}
	if (error == 0 && rc != SQLITE_DONE)
		error = store_err(st, rc);
	sqlite3_reset(s);
	return error;
}

int
store_daemon_list(struct store *st, store_daemon_fn fn, void *arg)
{
	struct daemon_info d;
	sqlite3_stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_DAEMONS, &error)) == NULL)
		return error;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		d.instance = (const char *)sqlite3_column_text(s, 0);
		d.host = (const char *)sqlite3_column_text(s, 1);
		d.pid = sqlite3_column_int64(s, 2);
		d.boot_id = (const char *)sqlite3_column_text(s, 3);
		d.version = (const char *)sqlite3_column_text(s, 4);
		d.started_at = sqlite3_column_int64(s, 5);
		d.heartbeat_at = sqlite3_column_int64(s, 6);
		d.heartbeat_ms = sqlite3_column_int64(s, 7);
		if ((error = fn(&d, arg)) != 0)
			break;
	}
	if (error == 0 && rc != SQLITE_DONE)
		error = store_err(st, rc);
	sqlite3_reset(s);
	return error;
}

/*
 * The daemon's side.
 */

int
store_daemon_register(struct store *st, const struct daemon_info *d)
{
	sqlite3_stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_DAEMON_INSERT, &error)) == NULL)
		return error;
	if ((error = store_begin(st)) != 0)
		return error;
	sqlite3_bind_text(s, 1, d->instance, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, d->host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, d->pid);
	sqlite3_bind_text(s, 4, d->boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, d->version, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, d->started_at);
	sqlite3_bind_int64(s, 7, d->heartbeat_at);
	sqlite3_bind_int64(s, 8, d->heartbeat_ms > 0 ? d->heartbeat_ms : 0);
	sqlite3_bind_int64(s, 9, st->user_max);
	if ((error = store_run(st, s)) != 0 ||
	    (error = store_commit(st)) != 0)
		store_rollback(st);
	sqlite3_clear_bindings(s);
	return error;
}

int
store_daemon_unregister(struct store *st, const char *instance)
{
	sqlite3_stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_DAEMON_DELETE, &error)) == NULL)
		return error;
	if ((error = store_begin(st)) != 0)
		return error;
	sqlite3_bind_text(s, 1, instance, -1, SQLITE_STATIC);
	if ((error = store_run(st, s)) != 0 ||
	    (error = store_commit(st)) != 0)
		store_rollback(st);
	return error;
}

int
store_daemon_reclaim(struct store *st, const char *instance, int64_t now,
    int64_t *n)
{
	sqlite3_stmt *r, *d;
	int error = 0;

	if ((r = store_stmt(st, Q_RECLAIM, &error)) == NULL ||
	    (d = store_stmt(st, Q_DAEMON_DELETE, &error)) == NULL)
		return error;
	if ((error = store_begin(st)) != 0)
		return error;
	sqlite3_bind_text(r, 1, instance, -1, SQLITE_STATIC);
	sqlite3_bind_int64(r, 2, now);
	if ((error = store_run(st, r)) != 0)
		goto fail;
	*n = sqlite3_changes(st->db);
	sqlite3_bind_text(d, 1, instance, -1, SQLITE_STATIC);
	if ((error = store_run(st, d)) != 0 ||
	    (error = store_commit(st)) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return error;
}

int
store_heartbeat(struct store *st, const char *owner, int64_t now,
    int64_t lease_ms, int64_t every_ms)
{
	sqlite3_stmt *j, *d;
	int error = 0;

	if ((j = store_stmt(st, Q_HEARTBEAT_JOBS, &error)) == NULL ||
	    (d = store_stmt(st, Q_HEARTBEAT_DAEMON, &error)) == NULL)
		return error;
	/*
	 * A heartbeat need not survive a power cut (after a reboot the
	 * boot id tells the leases' owner is gone anyway), so it commits
	 * without waiting for the disk; the next FULL commit syncs it too.
	 */
	st->relaxed = true;
	(void)store_exec(st, "PRAGMA synchronous = NORMAL");
	if ((error = store_begin_raw(st)) != 0)
		goto out;
	sqlite3_bind_text(j, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(j, 2, now);
	sqlite3_bind_int64(j, 3, lease_ms);
	sqlite3_bind_text(d, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(d, 2, now);
	sqlite3_bind_int64(d, 3, every_ms > 0 ? every_ms : 0);
	sqlite3_bind_int64(d, 4, st->user_max);
	if ((error = store_run(st, j)) != 0 ||
	    (error = store_run(st, d)) != 0 ||
	    (error = store_commit(st)) != 0)
		store_rollback(st);
out:
	if (store_exec(st, "PRAGMA synchronous = FULL") == 0)
		st->relaxed = false;	/* else store_begin retries it */
	return error;
}

int
store_attempt_procs(struct store *st, const char *owner,
    const struct attempt_proc *p, size_t n)
{
	sqlite3_stmt *s;
	size_t i;
	int error = 0;

	if (n == 0)
		return 0;
	if ((s = store_stmt(st, Q_ATTEMPT_PROC, &error)) == NULL)
		return error;
	/* Like a heartbeat: after a power cut no process of it is left. */
	st->relaxed = true;
	(void)store_exec(st, "PRAGMA synchronous = NORMAL");
	if ((error = store_begin_raw(st)) != 0)
		goto out;
	for (i = 0; i < n && error == 0; i++) {
		sqlite3_bind_int64(s, 1, p[i].job_id);
		sqlite3_bind_int64(s, 2, p[i].attempt);
		sqlite3_bind_text(s, 3, owner, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, p[i].pid);
		sqlite3_bind_int64(s, 5, p[i].pid_start);
		sqlite3_bind_text(s, 6, p[i].boot_id, -1, SQLITE_STATIC);
		if (p[i].cgroup != NULL)
			sqlite3_bind_text(s, 7, p[i].cgroup, -1,
			    SQLITE_STATIC);
		else
			sqlite3_bind_null(s, 7);
		error = store_run(st, s);
	}
	sqlite3_clear_bindings(s);
	if (error != 0 || (error = store_commit(st)) != 0)
		store_rollback(st);
out:
	if (store_exec(st, "PRAGMA synchronous = FULL") == 0)
		st->relaxed = false;	/* else store_begin retries it */
	return error;
}

int
store_attempt_proc_get(struct store *st, int64_t job_id, int64_t attempt,
    struct attempt_proc *out, char *boot, size_t bootlen, char *cgroup,
    size_t cglen)
{
	sqlite3_stmt *s;
	const char *t;
	int error = 0, rc;

	memset(out, 0, sizeof(*out));
	if (bootlen > 0)
		boot[0] = '\0';
	if (cglen > 0)
		cgroup[0] = '\0';
	if ((s = store_stmt(st, Q_ATTEMPT_PROC_GET, &error)) == NULL)
		return error;
	sqlite3_bind_int64(s, 1, job_id);
	sqlite3_bind_int64(s, 2, attempt);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->job_id = job_id;
		out->attempt = attempt;
		out->pid = sqlite3_column_int64(s, 0);
		out->pid_start = sqlite3_column_int64(s, 1);
		if ((t = (const char *)sqlite3_column_text(s, 2)) != NULL &&
		    bootlen > 0)
			(void)snprintf(boot, bootlen, "%s", t);
		if ((t = (const char *)sqlite3_column_text(s, 3)) != NULL &&
		    cglen > 0)
			(void)snprintf(cgroup, cglen, "%s", t);
		out->boot_id = boot;
		out->cgroup = cgroup[0] != '\0' ? cgroup : NULL;
	} else if (rc != SQLITE_DONE)
		error = store_err(st, rc);
	sqlite3_reset(s);
	return error;
}

/* The single integer a query returns, or INT64_MAX when it returns none. */
int
store_first_int(struct store *st, enum store_stmt q, int64_t *v)
{
	sqlite3_stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, q, &error)) == NULL)
		return error;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(s, 0);
	else if (rc == SQLITE_DONE)
		*v = INT64_MAX;
	else
		error = store_err(st, rc);
	sqlite3_reset(s);
	return error;
}

int
store_next_times(struct store *st, int64_t *next_due, int64_t *next_expiry)
{
	int error;

	if ((error = store_claim_next(st, clock_wall_ms(st->clock),
	    next_due)) != 0)
		return error;
	return store_first_int(st, Q_NEXT_EXPIRY, next_expiry);
}

int
store_times(struct store *st, struct store_times *t)
{
	sqlite3_stmt *s;
	int error = 0, rc, i;
	int64_t *v[4] = { &t->due, &t->expiry, &t->cron, &t->data_version };

	if ((s = store_stmt(st, Q_TIMES, &error)) == NULL)
		return error;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		for (i = 0; i < 4; i++)
			*v[i] = sqlite3_column_type(s, i) == SQLITE_NULL ?
			    INT64_MAX : sqlite3_column_int64(s, i);
	else
		error = store_err(st, rc == SQLITE_DONE ? SQLITE_INTERNAL : rc);
	sqlite3_reset(s);
	if (error == 0)
		error = store_claim_next(st, clock_wall_ms(st->clock),
		    &t->due);
	return error;
}

int
store_wal_trim(struct store *st)
{
	struct stat sb;
	int rc;

	if (*st->wal == '\0' || stat(st->wal, &sb) != 0 ||
	    sb.st_size <= STORE_WAL_LIMIT)
		return 0;
	st->nowait = true;
	rc = sqlite3_wal_checkpoint_v2(st->db, NULL,
	    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	st->nowait = false;
	if (rc == SQLITE_BUSY)
		return -EBUSY;
	return rc == SQLITE_OK ? 0 : store_err(st, rc);
}

int
store_data_version(struct store *st, int64_t *v)
{
	return store_first_int(st, Q_DATA_VERSION, v);
}

int
store_expired_list(struct store *st, int64_t now, size_t max,
    store_job_fn fn, void *arg)
{
	sqlite3_stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_EXPIRED, &error)) == NULL)
		return error;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, (int64_t)max);
	return store_each_job(st, s, fn, arg);
}

int
store_cancel_requests(struct store *st, const char *owner, store_job_fn fn,
    void *arg)
{
	sqlite3_stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_CANCEL_REQUESTS, &error)) == NULL)
		return error;
	sqlite3_bind_text(s, 1, owner, -1, SQLITE_STATIC);
	return store_each_job(st, s, fn, arg);
}

/* Record one ended attempt; the caller holds the transaction. */
static int
store_end_one(struct store *st, struct attempt_end *e, int64_t now)
{
	sqlite3_stmt *s;
	bool cancel = false;
	const char *state;
	int error = 0, rc;

	/* The fence: is the attempt still the job's current one? */
	if ((s = store_stmt(st, Q_FENCE, &error)) == NULL)
		return error;
	sqlite3_bind_int64(s, 1, e->job_id);
	sqlite3_bind_int64(s, 2, e->attempt);
	sqlite3_bind_text(s, 3, e->owner, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		cancel = sqlite3_column_int64(s, 0) != 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_err(st, rc);
	e->applied = rc == SQLITE_ROW;
	if (!e->applied) {
		if ((s = store_stmt(st, Q_LATE_ATTEMPT, &error)) == NULL)
			return error;
		sqlite3_bind_int64(s, 1, e->job_id);
		sqlite3_bind_int64(s, 2, e->attempt);
		sqlite3_bind_text(s, 3, e->owner, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, e->error != NULL ? e->error :
		    e->outcome, -1, SQLITE_STATIC);
		return store_run(st, s);
	}
	if (cancel && e->action != END_DONE)
		e->action = END_CANCELLED;

	/* The attempt row. */
	if ((s = store_stmt(st, Q_END_ATTEMPT, &error)) == NULL)
		return error;
	sqlite3_bind_int64(s, 1, e->job_id);
	sqlite3_bind_int64(s, 2, e->attempt);
	sqlite3_bind_text(s, 3, e->owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, e->finished_at);
	if (e->has_exit_code)
		sqlite3_bind_int64(s, 5, e->exit_code);
	else
		sqlite3_bind_null(s, 5);
	if (e->signal != 0)
		sqlite3_bind_int64(s, 6, e->signal);
	else
		sqlite3_bind_null(s, 6);
	sqlite3_bind_text(s, 7, e->outcome, -1, SQLITE_STATIC);
	if (e->output != NULL && e->output_len > 0)
		sqlite3_bind_blob64(s, 8, e->output, e->output_len,
		    SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 8);
	sqlite3_bind_int64(s, 9, e->output_dropped);
	bind_text(s, 10, e->error);
	if (e->started_at != 0)
		sqlite3_bind_int64(s, 11, e->started_at);
	else
		sqlite3_bind_null(s, 11);
	error = store_run(st, s);
	sqlite3_clear_bindings(s);
	if (error != 0)
		return error;
	/* Its counters, with it: the job is still in jobs. */
	if ((error = store_metrics_end(st, e)) != 0)
		return error;

	/* The job. */
	switch (e->action) {
	case END_DONE:
		state = "done";
		break;
	case END_CANCELLED:
		state = "cancelled";
		break;
	case END_RETRY:
	case END_REQUEUE:
		state = "pending";
		break;
	default:
		state = "running";	/* moved to dead_jobs below */
		break;
	}
	if ((s = store_stmt(st, Q_END_JOB, &error)) == NULL)
		return error;
	sqlite3_bind_int64(s, 1, e->job_id);
	sqlite3_bind_text(s, 2, state, -1, SQLITE_STATIC);
	if (e->action == END_RETRY || e->action == END_REQUEUE)
		sqlite3_bind_int64(s, 3, e->run_at);
	else
		sqlite3_bind_null(s, 3);
	sqlite3_bind_int64(s, 4, e->action == END_REQUEUE ? 1 : 0);
	sqlite3_bind_int64(s, 5, now);
	if (e->action == END_RETRY || e->action == END_REQUEUE)
		sqlite3_bind_null(s, 6);
	else
		sqlite3_bind_int64(s, 6, now);
	if (e->has_exit_code)
		sqlite3_bind_int64(s, 7, e->exit_code);
	else
		sqlite3_bind_null(s, 7);
	bind_text(s, 8, e->action == END_DONE ? NULL : e->error);
	error = store_run(st, s);
	sqlite3_clear_bindings(s);
	/* Its notifications, in this transaction: the outbox. */
	if (error == 0)
		error = store_notify_end(st, e, now);
	/* The jobs that wait on it, in this transaction too. */
	if (error == 0 && (e->action == END_DONE ||
	    e->action == END_CANCELLED))
		error = store_deps_end(st, e->job_id, e->action == END_DONE ?
		    JOB_DONE : JOB_CANCELLED, now);
	if (error != 0 || e->action != END_DEAD)
		return error;

	/* Into the dead-letter table: insert and delete, one transaction. */
	if ((s = store_stmt(st, Q_TO_DEAD, &error)) == NULL)
		return error;
	sqlite3_bind_int64(s, 1, e->job_id);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_text(s, 3, e->reason != NULL ? e->reason : "failed",
	    -1, SQLITE_STATIC);
	if ((error = store_run(st, s)) != 0)
		return error;
	crash_point("in_deadletter");
	if ((s = store_stmt(st, Q_DELETE_JOB, &error)) == NULL)
		return error;
	sqlite3_bind_int64(s, 1, e->job_id);
	if ((error = store_run(st, s)) != 0)
		return error;
	return store_deps_end(st, e->job_id, JOB_DEAD, now);
}

int
store_finish(struct store *st, struct attempt_end *ends, size_t n,
    int64_t now)
{
	size_t got;

	if (n == 0)
		return 0;
	return store_finish_claim(st, ends, n, now, NULL, 0, 0, NULL, &got);
}

int
store_finish_claim(struct store *st, struct attempt_end *ends, size_t n,
    int64_t now, const char *owner, int64_t lease_ms, size_t max,
    struct job *out, size_t *got)
{
	size_t i;
	int error;

	*got = 0;
	if (n == 0 && max == 0)
		return 0;
	if ((error = store_begin(st)) != 0)
		return error;
	for (i = 0; i < n; i++)
		if ((error = store_end_one(st, &ends[i], now)) != 0)
			goto fail;
	if (max > 0 && (error = store_claim_locked(st, owner, now, lease_ms,
	    max, out, got)) != 0)
		goto fail;
	if ((error = store_commit(st)) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	for (i = 0; i < *got; i++)
		job_clear(&out[i]);
	*got = 0;
	return error;
}

/*
 * jobctl's side of the dead-letter table.
 */

int
store_dead_retry(struct store *st, const int64_t *ids, size_t n, int64_t now,
    size_t *bad, int64_t *moved)
{
	sqlite3_stmt *chk, *ins, *del, *qs;
	struct room r = { 0 };
	size_t i;
	int error = 0, rc;

	*moved = 0;
	if ((chk = store_stmt(st, Q_DEAD_STATE, &error)) == NULL ||
	    (qs = store_stmt(st, Q_DEAD_QUEUES, &error)) == NULL ||
	    (ins = store_stmt(st, n > 0 ? Q_DEAD_TO_JOBS :
	    Q_DEAD_ALL_TO_JOBS, &error)) == NULL ||
	    (del = store_stmt(st, n > 0 ? Q_DEAD_DELETE :
	    Q_DEAD_DELETE_ALL, &error)) == NULL)
		return error;
	if ((error = store_begin(st)) != 0)
		return error;
	if (n == 0) {
		while ((rc = sqlite3_step(qs)) == SQLITE_ROW && error == 0)
			error = room_add(st, &r,
			    (const char *)sqlite3_column_text(qs, 0),
			    sqlite3_column_int64(qs, 1));
		if (error == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
			error = store_err(st, rc);
		sqlite3_reset(qs);
		if (error != 0)
			goto fail;
		sqlite3_bind_int64(ins, 1, 1);
		sqlite3_bind_int64(ins, 2, now);
		if ((error = store_run(st, ins)) != 0)
			goto fail;
		*moved = sqlite3_changes(st->db);
		if ((error = store_run(st, del)) != 0)
			goto fail;
	}
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(chk, 1, ids[i]);
		rc = sqlite3_step(chk);
		if (rc == SQLITE_ROW)
			error = room_add(st, &r,
			    (const char *)sqlite3_column_text(chk, 0), 1);
		sqlite3_reset(chk);
		if (rc == SQLITE_DONE) {
			*bad = i;
			error = store_seterr(st, -ENOENT, "not a dead job");
			goto fail;
		}
		if (rc != SQLITE_ROW) {
			error = store_err(st, rc);
			goto fail;
		}
		if (error != 0)
			goto fail;
		sqlite3_bind_int64(ins, 1, ids[i]);
		sqlite3_bind_int64(ins, 2, now);
		sqlite3_bind_int64(del, 1, ids[i]);
		if ((error = store_run(st, ins)) != 0 ||
		    (error = store_run(st, del)) != 0)
			goto fail;
		(*moved)++;
	}
	/* max_pending, as for a submission: all or nothing. */
	if ((error = room_check(st, &r)) != 0 ||
	    (error = store_commit(st)) != 0)
		goto fail;
	room_free(&r);
	return 0;
fail:
	store_rollback(st);
	room_free(&r);
	*moved = 0;
	return error;
}

int
store_dead_purge(struct store *st, int64_t before, int64_t *purged)
{
	sqlite3_stmt *a, *d, *w, *v;
	int error = 0;

	*purged = 0;
	if ((a = store_stmt(st, Q_PURGE_ATTEMPTS, &error)) == NULL ||
	    (d = store_stmt(st, Q_PURGE_DEAD, &error)) == NULL ||
	    (w = store_stmt(st, Q_DEP_PURGE, &error)) == NULL ||
	    (v = store_stmt(st, Q_DEP_PURGE_DEP, &error)) == NULL)
		return error;
	if ((error = store_begin(st)) != 0)
		return error;
	sqlite3_bind_int64(a, 1, before);
	sqlite3_bind_int64(d, 1, before);
	sqlite3_bind_int64(w, 1, before);
	sqlite3_bind_int64(v, 1, before);
	if ((error = store_run(st, a)) != 0 ||
	    (error = store_run(st, w)) != 0 ||
	    (error = store_run(st, v)) != 0 ||
	    (error = store_run(st, d)) != 0)
		goto fail;
	*purged = sqlite3_changes(st->db);
	if ((error = store_commit(st)) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	*purged = 0;
	return error;
}

/*
 * Schedules.
 */

/* Bind the definition of sc as ?1..?16 (SCHED_DEF_COLS) and ?20..?25. */
static void
sched_bind_def(sqlite3_stmt *s, const struct schedule *sc)
{
	sqlite3_bind_text(s, 1, sc->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, sc->cron, -1, SQLITE_STATIC);
	bind_text(s, 3, sc->tz);
	sqlite3_bind_text(s, 4, sc->command, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, sc->queue != NULL ? sc->queue : "default", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, sc->priority);
	bind_opt(s, 7, sc->max_attempts);
	bind_opt(s, 8, sc->timeout_ms);
	bind_opt(s, 9, sc->backoff_ms);
	bind_opt(s, 10, sc->backoff_max_ms);
	if (sc->env_len > 0)
		sqlite3_bind_blob64(s, 11, sc->env, sc->env_len,
		    SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 11);
	bind_text(s, 12, sc->cwd);
	bind_text(s, 13, sc->run_as);
	sqlite3_bind_text(s, 14, sched_overlap_name(sc->overlap), -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(s, 15, sched_catchup_name(sc->catchup), -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(s, 16, sc->enabled ? 1 : 0);
	bind_proc(s, 20, &sc->proc);
	bind_mail(s, 26, sc->mail_to, sc->mail_on);
	bind_text(s, 28, sc->hook[JOB_HOOK_DEAD]);
	bind_text(s, 29, sc->hook[JOB_HOOK_FAILURE]);
	bind_text(s, 30, sc->hook[JOB_HOOK_SUCCESS]);
}

/* Read the schedule of the current row (SCHED_COLS); see job_read(). */
static int
sched_read(sqlite3_stmt *s, struct schedule *sc, bool copy)
{
	bool oom = false;
	const char *t;

	memset(sc, 0, sizeof(*sc));
#define TEXT(i) (copy ? col_strdup(s, (i), &oom) :			\
	    (char *)(uintptr_t)sqlite3_column_text(s, (i)))
	sc->id = sqlite3_column_int64(s, 0);
	sc->name = TEXT(1);
	sc->cron = TEXT(2);
	sc->tz = TEXT(3);
	sc->command = TEXT(4);
	sc->queue = TEXT(5);
	sc->priority = sqlite3_column_int64(s, 6);
	sc->max_attempts = col_opt(s, 7);
	sc->timeout_ms = col_opt(s, 8);
	sc->backoff_ms = col_opt(s, 9);
	sc->backoff_max_ms = col_opt(s, 10);
	col_env(s, 11, copy, &sc->env, &sc->env_len, &oom);
	sc->cwd = TEXT(12);
	sc->run_as = TEXT(13);
	if ((t = (const char *)sqlite3_column_text(s, 14)) == NULL ||
	    sched_overlap_parse(t, &sc->overlap) != 0)
		sc->overlap = OVERLAP_SKIP;
	if ((t = (const char *)sqlite3_column_text(s, 15)) == NULL ||
	    sched_catchup_parse(t, &sc->catchup) != 0)
		sc->catchup = CATCHUP_SKIP;
	sc->enabled = sqlite3_column_int64(s, 16) != 0;
	sc->next_run_at = sqlite3_column_int64(s, 17);
	sc->last_run_at = sqlite3_column_int64(s, 18);
	sc->source = TEXT(19);
	sc->created_at = sqlite3_column_int64(s, 20);
	sc->updated_at = sqlite3_column_int64(s, 21);
	col_proc(s, 22, &sc->proc);
	sc->mail_to = TEXT(22 + PROC_NCOLS);
	sc->mail_on = col_mail_on(s, 23 + PROC_NCOLS);
	sc->hook[JOB_HOOK_DEAD] = TEXT(24 + PROC_NCOLS);
	sc->hook[JOB_HOOK_FAILURE] = TEXT(25 + PROC_NCOLS);
	sc->hook[JOB_HOOK_SUCCESS] = TEXT(26 + PROC_NCOLS);
#undef TEXT
	if (oom) {
		schedule_clear(sc);
		return -ENOMEM;
	}
	return 0;
}

/* The source of schedule "name" into buf, or -ENOENT. */
static int
sched_source(struct store *st, const char *name, char *buf, size_t len)
{
	sqlite3_stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_SCHED_SOURCE, &error)) == NULL)
		return error;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		snprintf(buf, len, "%s", sqlite3_column_text(s, 0));
	else
		error = rc == SQLITE_DONE ? -ENOENT : store_err(st, rc);
	sqlite3_reset(s);
	return error;
}

/* Insert or update one schedule; the caller holds the transaction. */
static int
sched_write(struct store *st, const struct schedule *sc, bool replace,
    int64_t now, int64_t *id)
{
	char src[PATH_MAX + 16];
	sqlite3_stmt *s;
	int error = 0;

	error = sched_source(st, sc->name, src, sizeof(src));
	if (error == 0 && (!replace || strcmp(src, sc->source) != 0)) {
		snprintf(st->errmsg, sizeof(st->errmsg), "a schedule named "
		    "\"%.100s\" already exists (from %.200s)", sc->name, src);
		return -EEXIST;
	}
	if (error != 0 && error != -ENOENT)
		return error;
	if ((s = store_stmt(st, error == 0 ? Q_SCHED_UPDATE : Q_SCHED_INSERT,
	    &error)) == NULL)
		return error;
	sched_bind_def(s, sc);
	sqlite3_bind_int64(s, 17, sc->next_run_at);
	sqlite3_bind_text(s, 18, sc->source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 19, now);
	error = store_run(st, s);
	sqlite3_clear_bindings(s);
	if (error == 0 && id != NULL) {
		struct schedule got;

		if ((error = store_schedule_get(st, sc->name, &got)) == 0) {
			*id = got.id;
			schedule_clear(&got);
		}
	}
	return error;
}

int
store_schedule_put(struct store *st, const struct schedule *sc, bool replace,
    int64_t *id)
{
	int error;

	if ((error = store_begin(st)) != 0)
		return error;
	if ((error = sched_write(st, sc, replace, clock_wall_ms(st->clock),
	    id)) != 0 || (error = store_commit(st)) != 0)
		store_rollback(st);
	return error;
}

int
store_schedule_get(struct store *st, const char *name, struct schedule *out)
{
	sqlite3_stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_SCHED_GET, &error)) == NULL)
		return error;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		error = sched_read(s, out, true);
	else if (rc == SQLITE_DONE)
		error = store_seterr(st, -ENOENT, "no such schedule");
	else
		error = store_err(st, rc);
	sqlite3_reset(s);
	return error;
}

/* Call fn for every row of the schedule query s (bound by the caller). */
static int
store_each_schedule(struct store *st, sqlite3_stmt *s, store_schedule_fn fn,
    void *arg)
{
	struct schedule sc;
	int error = 0, rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		(void)sched_read(s, &sc, false);
		if ((error = fn(&sc, arg)) != 0)
			break;
	}
	if (error == 0 && rc != SQLITE_DONE)
		error = store_err(st, rc);
	sqlite3_reset(s);
	return error;
}

int
store_schedule_list(struct store *st, store_schedule_fn fn, void *arg)
{
	sqlite3_stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_SCHED_LIST, &error)) == NULL)
		return error;
	return store_each_schedule(st, s, fn, arg);
}

/* Run a one-statement write on a name: 0, -ENOENT, or an error. */
static int
sched_named_write(struct store *st, sqlite3_stmt *s)
{
	int error;

	if ((error = store_begin(st)) != 0) {
		sqlite3_reset(s);
		return error;
	}
	if ((error = store_run(st, s)) != 0)
		goto fail;
	if (sqlite3_changes(st->db) == 0) {
		error = store_seterr(st, -ENOENT, "no such schedule");
		goto fail;
	}
	if ((error = store_commit(st)) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return error;
}

int
store_schedule_delete(struct store *st, const char *name)
{
	sqlite3_stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_SCHED_DELETE, &error)) == NULL)
		return error;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	return sched_named_write(st, s);
}

int
store_schedule_enable(struct store *st, const char *name, bool enabled,
    int64_t next_run_at)
{
	sqlite3_stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_SCHED_ENABLE, &error)) == NULL)
		return error;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, enabled ? 1 : 0);
	sqlite3_bind_int64(s, 3, next_run_at);
	sqlite3_bind_int64(s, 4, clock_wall_ms(st->clock));
	return sched_named_write(st, s);
}

/* Is the stored definition of sc->name the same as sc's? */
static int
sched_same(struct store *st, const struct schedule *sc, bool *same)
{
	sqlite3_stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_SCHED_SAME, &error)) == NULL)
		return error;
	sched_bind_def(s, sc);
	rc = sqlite3_step(s);
	*same = rc == SQLITE_ROW;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_err(st, rc);
}

/*
 * One schedule of a synced source, in the caller's transaction: "found" is
 * what sched_source() said of its name (0: it exists, -ENOENT: new).  A new
 * one is counted in *created, a changed one in *updated and written; one
 * whose definition is unchanged is left alone and keeps its next_run_at.
 */
static int
sched_upsert(struct store *st, const struct schedule *sc, int found,
    int64_t now, int64_t *created, int64_t *updated)
{
	bool same = false;
	int error;

	if (found == 0 && (error = sched_same(st, sc, &same)) != 0)
		return error;
	if (found == -ENOENT)
		(*created)++;
	else if (same)
		return 0;
	else
		(*updated)++;
	return sched_write(st, sc, true, now, NULL);
}

int
store_schedule_sync(struct store *st, const char *source,
    const struct schedule *items, size_t n, size_t *bad, int64_t *created,
    int64_t *updated, int64_t *deleted)
{
	int64_t now = clock_wall_ms(st->clock), nc = 0, nu = 0, nd = 0;
	char src[PATH_MAX + 16];
	sqlite3_stmt *s, *del;
	size_t i;
	int error, rc;

	if ((error = store_begin(st)) != 0)
		return error;
	for (i = 0; i < n; i++) {
		error = sched_source(st, items[i].name, src, sizeof(src));
		if (error == 0 && strcmp(src, source) != 0) {
			*bad = i;
			snprintf(st->errmsg, sizeof(st->errmsg), "a schedule "
			    "named \"%.100s\" already exists (from %.200s)",
			    items[i].name, src);
			error = -EEXIST;
			goto fail;
		}
		if ((error = sched_upsert(st, &items[i], error, now, &nc,
		    &nu)) != 0) {
			*bad = i;
			goto fail;
		}
	}
	/* Delete what the source no longer has. */
	error = 0;
	if ((s = store_stmt(st, Q_SCHED_OF_SOURCE, &error)) == NULL ||
	    (del = store_stmt(st, Q_SCHED_DELETE, &error)) == NULL)
		goto fail;
	sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);

		for (i = 0; i < n; i++)
			if (strcmp(items[i].name, name) == 0)
				break;
		if (i < n)
			continue;
		sqlite3_bind_text(del, 1, name, -1, SQLITE_TRANSIENT);
		if ((error = store_run(st, del)) != 0)
			break;
		nd++;
	}
	if (error == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		error = store_err(st, rc);
	sqlite3_reset(s);
	if (error != 0 || (error = store_commit(st)) != 0)
		goto fail;
	if (created != NULL)
		*created = nc;
	if (updated != NULL)
		*updated = nu;
	if (deleted != NULL)
		*deleted = nd;
	return 0;
fail:
	store_rollback(st);
	return error;
}

/* Source src is one below prefix (no '/' after it): a file of the dir. */
static bool
sched_under(const char *src, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(src, prefix, n) == 0 && strchr(src + n, '/') == NULL;
}

/* The index of source src in srcs[], or nsrc. */
static size_t
sched_src_find(const struct sched_src *srcs, size_t nsrc, const char *src)
{
	size_t k;

	for (k = 0; k < nsrc; k++)
		if (strcmp(srcs[k].source, src) == 0)
			break;
	return k;
}

/* Does srcs[k] hold a schedule named name? */
static bool
sched_src_has(const struct sched_src *sr, const char *name)
{
	size_t i;

	for (i = 0; i < sr->n; i++)
		if (strcmp(sr->items[i].name, name) == 0)
			return true;
	return false;
}

int
store_schedule_sync_dir(struct store *st, const char *prefix,
    struct sched_src *srcs, size_t nsrc, size_t *bad_src, size_t *bad,
    int64_t *gone)
{
	int64_t now = clock_wall_ms(st->clock), ngone = 0;
	char src[PATH_MAX + 16];
	sqlite3_stmt *s, *del, *mv;
	size_t i, k, o;
	int error, rc;

	for (k = 0; k < nsrc; k++)
		srcs[k].created = srcs[k].updated = srcs[k].moved =
		    srcs[k].deleted = 0;
	if ((error = store_begin(st)) != 0)
		return error;
	for (k = 0; k < nsrc; k++) {
		const struct sched_src *sr = &srcs[k];

		for (i = 0; !sr->keep && i < sr->n; i++) {
			error = sched_source(st, sr->items[i].name, src,
			    sizeof(src));
			if (error == 0 && strcmp(src, sr->source) != 0) {
				o = sched_src_find(srcs, nsrc, src);
				if (!sched_under(src, prefix) ||
				    (o < nsrc && srcs[o].keep)) {
					*bad_src = k;
					*bad = i;
					snprintf(st->errmsg,
					    sizeof(st->errmsg), "a schedule "
					    "named \"%.100s\" already exists "
					    "(from %.200s)", sr->items[i].name,
					    src);
					error = -EEXIST;
					goto fail;
				}
				/* Moved here from another file: keep it. */
				if ((mv = store_stmt(st, Q_SCHED_MOVE,
				    &error)) == NULL)
					goto fail;
				sqlite3_bind_text(mv, 1, sr->items[i].name,
				    -1, SQLITE_STATIC);
				sqlite3_bind_text(mv, 2, sr->source, -1,
				    SQLITE_STATIC);
				sqlite3_bind_int64(mv, 3, now);
				if ((error = store_run(st, mv)) != 0)
					goto fail;
				srcs[k].moved++;
			}
			if ((error = sched_upsert(st, &sr->items[i], error,
			    now, &srcs[k].created, &srcs[k].updated)) != 0) {
				*bad_src = k;
				*bad = i;
				goto fail;
			}
		}
	}
	/* Delete what no source under prefix has, but a kept one's. */
	error = 0;
	if ((s = store_stmt(st, Q_SCHED_UNDER, &error)) == NULL ||
	    (del = store_stmt(st, Q_SCHED_DELETE, &error)) == NULL)
		goto fail;
	sqlite3_bind_text(s, 1, prefix, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		const char *from = (const char *)sqlite3_column_text(s, 1);

		if (name == NULL || from == NULL || !sched_under(from, prefix))
			continue;
		k = sched_src_find(srcs, nsrc, from);
		if (k < nsrc && (srcs[k].keep || sched_src_has(&srcs[k], name)))
			continue;
		sqlite3_bind_text(del, 1, name, -1, SQLITE_TRANSIENT);
		if ((error = store_run(st, del)) != 0)
			break;
		if (k < nsrc)
			srcs[k].deleted++;
		else
			ngone++;
	}
	if (error == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		error = store_err(st, rc);
	sqlite3_reset(s);
	if (error != 0 || (error = store_commit(st)) != 0)
		goto fail;
	if (gone != NULL)
		*gone = ngone;
	return 0;
fail:
	store_rollback(st);
	return error;
}

int
store_schedule_due(struct store *st, int64_t now, size_t max, bool reboot,
    store_schedule_fn fn, void *arg)
{
	sqlite3_stmt *s;
	int error = 0;

	if ((s = store_stmt(st, reboot ? Q_SCHED_REBOOT : Q_SCHED_DUE,
	    &error)) == NULL)
		return error;
	if (!reboot) {
		sqlite3_bind_int64(s, 1, now);
		sqlite3_bind_int64(s, 2, (int64_t)max);
	}
	return store_each_schedule(st, s, fn, arg);
}

int
store_schedule_active(struct store *st, int64_t id, int64_t *job_id)
{
	sqlite3_stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_SCHED_ACTIVE, &error)) == NULL)
		return error;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	*job_id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_err(st, rc);
}

/* store_schedule_fire() inside a transaction; boot_id: see the reboot. */
static int
store_fire(struct store *st, const struct schedule *sc, const char *boot_id,
    struct slot *slots, size_t n, int64_t next_run_at, int64_t now)
{
	sqlite3_stmt *ins, *link, *done, *prune, *boot = NULL;
	struct job_spec js;
	int64_t latest = 0, prev_job = 0, fired = 0, skipped = 0, missed = 0;
	size_t i;
	int error = 0;

	if ((ins = store_stmt(st, Q_SLOT_INSERT, &error)) == NULL ||
	    (link = store_stmt(st, Q_SLOT_JOB, &error)) == NULL ||
	    (done = store_stmt(st, Q_SCHED_FIRED, &error)) == NULL ||
	    (prune = store_stmt(st, Q_SLOT_PRUNE, &error)) == NULL ||
	    (boot_id != NULL &&
	    (boot = store_stmt(st, Q_SCHED_BOOT, &error)) == NULL))
		return error;
	memset(&js, 0, sizeof(js));
	js.queue = sc->queue;
	js.command = sc->command;
	js.priority = sc->priority;
	js.max_attempts = sc->max_attempts;
	js.timeout_ms = sc->timeout_ms;
	js.backoff_ms = sc->backoff_ms;
	js.backoff_max_ms = sc->backoff_max_ms;
	js.env = sc->env;
	js.env_len = sc->env_len;
	js.cwd = sc->cwd;
	js.run_as = sc->run_as;
	js.proc = sc->proc;
	js.mail_to = sc->mail_to;
	js.mail_on = sc->mail_on;
	js.schedule_id = sc->id;
	/* Its hooks stay the schedule's: store_notify.c reads them there. */
	if (boot != NULL) {
		sqlite3_bind_int64(boot, 1, sc->id);
		sqlite3_bind_text(boot, 2, boot_id, -1, SQLITE_STATIC);
		if ((error = store_run(st, boot)) != 0)
			return error;
		if (sqlite3_changes(st->db) == 0)
			return -EALREADY;
	}
	for (i = 0; i < n; i++) {
		struct slot *sl = &slots[i];

		sl->job_id = 0;
		/* A full queue: the slot is skipped, "run now" refused. */
		if (!sl->skip && (error = store_queue_room(st, sc->queue, 1,
		    0)) != 0) {
			if (error != -EAGAIN || sl->slot_at == 0)
				return error;
			snprintf(st->full, sizeof(st->full), "%s", st->errmsg);
			sl->skip = true;
			sl->reason = st->full;
			sl->missed = 0;
		}
		if (sl->slot_at != 0) {
			sqlite3_bind_int64(ins, 1, sc->id);
			sqlite3_bind_int64(ins, 2, sl->slot_at);
			sqlite3_bind_text(ins, 3, sl->skip ? "skipped" :
			    "queued", -1, SQLITE_STATIC);
			bind_text(ins, 4, sl->reason);
			sqlite3_bind_int64(ins, 5, now);
			if ((error = store_run(st, ins)) != 0)
				return error;
			if (sqlite3_changes(st->db) == 0)
				continue;	/* already in the ledger */
			if (sl->slot_at > latest)
				latest = sl->slot_at;
		}
		if (sl->skip) {
			if (sl->missed > 0)
				missed += sl->missed;
			else
				skipped++;
			continue;
		}
		if (sl->slot_at != 0 || boot != NULL)
			fired++;	/* a slot, not "schedule run" */
		js.slot_at = sl->slot_at;
		js.run_at = now;
		js.after_id = sl->after_id == -1 ? prev_job : sl->after_id;
		if ((error = store_insert(st, &js, now, &sl->job_id)) != 0)
			return error;
		prev_job = sl->job_id;
		if (sl->slot_at != 0) {
			sqlite3_bind_int64(link, 1, sc->id);
			sqlite3_bind_int64(link, 2, sl->slot_at);
			sqlite3_bind_int64(link, 3, sl->job_id);
			if ((error = store_run(st, link)) != 0)
				return error;
		}
	}
	if ((error = store_metrics_add(st, "slots_fired", sc->name,
	    fired)) != 0 ||
	    (error = store_metrics_add(st, "slots_skipped", sc->name,
	    skipped)) != 0 ||
	    (error = store_metrics_add(st, "slots_missed", sc->name,
	    missed)) != 0)
		return error;
	sqlite3_bind_int64(done, 1, sc->id);
	sqlite3_bind_int64(done, 2, next_run_at);
	sqlite3_bind_int64(done, 3, latest);
	sqlite3_bind_int64(prune, 1, sc->id);
	sqlite3_bind_int64(prune, 2, STORE_SLOTS_KEPT - 1);
	if ((error = store_run(st, done)) != 0)
		return error;
	return store_run(st, prune);
}

static int
store_fire_tx(struct store *st, const struct schedule *sc,
    const char *boot_id, struct slot *slots, size_t n, int64_t next_run_at,
    int64_t now)
{
	size_t i;
	int error;

	if ((error = store_begin(st)) != 0)
		return error;
	if ((error = store_fire(st, sc, boot_id, slots, n, next_run_at,
	    now)) != 0 || (error = store_commit(st)) != 0) {
		store_rollback(st);
		for (i = 0; i < n; i++)
			slots[i].job_id = 0;
	}
	return error;
}

int
store_schedule_fire(struct store *st, const struct schedule *sc,
    struct slot *slots, size_t n, int64_t next_run_at, int64_t now)
{
	return store_fire_tx(st, sc, NULL, slots, n, next_run_at, now);
}

int
store_schedule_reboot(struct store *st, const struct schedule *sc,
    const char *boot_id, struct slot *slot, int64_t now)
{
	return store_fire_tx(st, sc, boot_id, slot, 1, 0, now);
}

int
store_schedule_slots(struct store *st, int64_t id, int64_t limit,
    store_slot_fn fn, void *arg)
{
	struct slot_info si;
	sqlite3_stmt *s;
	int error = 0, rc;

	if ((s = store_stmt(st, Q_SLOT_LIST, &error)) == NULL)
		return error;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		si.slot_at = sqlite3_column_int64(s, 0);
		si.job_id = sqlite3_column_int64(s, 1);
		si.outcome = (const char *)sqlite3_column_text(s, 2);
		si.reason = (const char *)sqlite3_column_text(s, 3);
		si.job_state = (const char *)sqlite3_column_text(s, 4);
		if ((error = fn(&si, arg)) != 0)
			break;
	}
	if (error == 0 && rc != SQLITE_DONE)
		error = store_err(st, rc);
	sqlite3_reset(s);
	return error;
}

int
store_schedule_set(struct store *st, const struct schedule *sc,
    bool new_next)
{
	char src[PATH_MAX + 16];
	sqlite3_stmt *s;
	int error = 0;

	if ((s = store_stmt(st, Q_SCHED_SET, &error)) == NULL)
		return error;
	if ((error = store_begin(st)) != 0)
		return error;
	if ((error = sched_source(st, sc->name, src, sizeof(src))) != 0) {
		if (error == -ENOENT)
			store_seterr(st, error, "no such schedule");
		goto fail;
	}
	if (strcmp(src, "cli") != 0) {
		snprintf(st->errmsg, sizeof(st->errmsg), "schedule %.100s "
		    "comes from %.200s", sc->name, src);
		error = -EPERM;
		goto fail;
	}
	sched_bind_def(s, sc);
	sqlite3_bind_int64(s, 17, sc->next_run_at);
	sqlite3_bind_int64(s, 18, new_next ? 1 : 0);
	sqlite3_bind_int64(s, 19, clock_wall_ms(st->clock));
	error = store_run(st, s);
	sqlite3_clear_bindings(s);
	if (error != 0 || (error = store_commit(st)) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return error;
}

/* Step the one-row schedule query q for schedule id; *row says if any. */
static int
sched_last_row(struct store *st, enum store_stmt q, int64_t id,
    sqlite3_stmt **sp, bool *row)
{
	int error = 0, rc;

	if ((*sp = store_stmt(st, q, &error)) == NULL)
		return error;
	sqlite3_bind_int64(*sp, 1, id);
	rc = sqlite3_step(*sp);
	*row = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		error = store_err(st, rc);
		sqlite3_reset(*sp);
	}
	return error;
}

int
store_schedule_last(struct store *st, int64_t id, struct sched_last *out)
{
	struct sched_last l;
	sqlite3_stmt *s;
	bool row;
	int error;

	memset(&l, 0, sizeof(l));
	if ((error = sched_last_row(st, Q_SCHED_LAST, id, &s, &row)) != 0)
		return error;
	if (row) {
		l.job_id = sqlite3_column_int64(s, 0);
		if (job_state_parse((const char *)sqlite3_column_text(s, 1),
		    &l.state) != 0)
			l.state = JOB_DONE;
		l.at = sqlite3_column_int64(s, 2);
		l.has_exit_code = sqlite3_column_type(s, 3) != SQLITE_NULL;
		l.exit_code = sqlite3_column_int64(s, 3);
	}
	sqlite3_reset(s);
	if ((error = sched_last_row(st, Q_SCHED_LAST_OK, id, &s, &row)) != 0)
		return error;
	if (row) {
		l.ok_job_id = sqlite3_column_int64(s, 0);
		l.ok_at = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	*out = l;
	return 0;
}
