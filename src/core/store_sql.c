/*
 * store_sql: the SQL of every statement of the store, by enum store_stmt
 * (store_impl.h), and the fragments they share.  The column lists that C
 * code reads by position are in store_impl.h.
 */
#include "store_impl.h"

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

/*
 * How far the counts the triggers keep are from the rows: the (queue,
 * state) pairs where metric_jobs and a count of jobs and dead_jobs
 * disagree (a row with n = 0 is no row), the queues whose ready flag is
 * not "it has pending jobs", and the queues with pending jobs and no
 * row.  0 when the triggers did their work.  Both backends run it.
 */
#define SQL_COPY_CHECK							\
	"WITH c(queue, state, n) AS (SELECT queue, state, count(*) "	\
	"FROM jobs GROUP BY queue, state UNION ALL SELECT queue, "	\
	"'dead', count(*) FROM dead_jobs GROUP BY queue), "		\
	"m(queue, state, n) AS (SELECT queue, state, n FROM metric_jobs "\
	"WHERE n <> 0) "						\
	"SELECT (SELECT count(*) FROM (SELECT * FROM c EXCEPT "		\
	"SELECT * FROM m) x) + (SELECT count(*) FROM (SELECT * FROM m "	\
	"EXCEPT SELECT * FROM c) y) + (SELECT count(*) FROM queues q "	\
	"WHERE q.ready <> CASE WHEN EXISTS (SELECT 1 FROM jobs j "	\
	"WHERE j.queue = q.name AND j.state = 'pending') THEN 1 ELSE 0 "\
	"END) + (SELECT count(*) FROM (SELECT DISTINCT queue FROM jobs "	\
	"WHERE state = 'pending') p WHERE p.queue NOT IN "		\
	"(SELECT name FROM queues))"

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
/*
 * A queue's first startable job of one priority (store_claim.c's
 * cq_head()): ?1 the queue, ?2 the priority, ?3 and ?4 as USER_OK.
 */
#define CLAIM_PICK							\
	"SELECT id, run_at FROM jobs INDEXED BY jobs_claim "		\
	"WHERE state = 'pending' AND waiting = 0 AND queue = ?1 "	\
	"  AND priority = ?2 AND " NOT_BLOCKED "AND " USER_OK		\
	"ORDER BY run_at, id LIMIT 1"
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

const char *const store_sql[Q_MAX] = {
	[Q_BEGIN] = "BEGIN IMMEDIATE",
	[Q_BEGIN_CLAIM] = "BEGIN IMMEDIATE",	/* one writer: as any */
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
	 * the first startable job of one priority, run_at order.  The
	 * per-user limits (?3: the queue's, ?4: the global one; 0: none)
	 * and the overlap = queue rule are checked on the jobs the head
	 * walk meets.
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
	[Q_CLAIM_PICK] = CLAIM_PICK,
	[Q_CLAIM_PEEK] = CLAIM_PICK,
	/* One writer at a time: the claim has nothing to lock. */
	[Q_CLAIM_QLOCK] = "SELECT 1",
	[Q_CLAIM_QTRY] = "SELECT 1",
	[Q_CLAIM_ULOCK] = "SELECT 1",
	[Q_CLAIM_QROWS] = "SELECT 1",
	/*
	 * ?6: the vtime the claim read, ?7: vnow.  A queue whose vtime moved
	 * since (another daemon's claim started jobs there: row_locks) gets
	 * this claim's advance on top of that one's.
	 */
	[Q_CLAIM_QSAVE] =
	    "INSERT INTO queues (name, updated_at, vtime, tokens, tokens_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO UPDATE SET "
	    "vtime = CASE WHEN vtime = ?6 THEN excluded.vtime "
	    "ELSE max(vtime, ?7) + (excluded.vtime - max(?6, ?7)) END, "
	    "tokens = excluded.tokens, tokens_at = excluded.tokens_at",
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
	[Q_LEASES_OF] =
	    "SELECT " JOB_COLS_LIVE " FROM jobs "
	    "WHERE state = 'running' AND lease_owner = ?1 LIMIT ?2",
	[Q_CANCEL_REQUESTS] =
	    "SELECT " JOB_COLS_LIVE " FROM jobs "
	    "WHERE state = 'running' AND lease_owner = ?1 "
	    "  AND cancel_requested = 1",
	[Q_DATA_VERSION] = "PRAGMA data_version",
	/* And what the counters of the end need: queue, schedule. */
	[Q_FENCE] =
	    "SELECT j.cancel_requested, j.queue, (SELECT s.name "
	    "FROM schedules s WHERE s.id = j.schedule_id) FROM jobs j "
	    "WHERE j.id = ?1 AND j.attempts = ?2 AND j.lease_owner = ?3 "
	    "  AND j.state = 'running'",
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
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	    "?14, ?15, ?16, ?17) ON CONFLICT DO UPDATE SET n = n + excluded.n, "
	    "runs = runs + excluded.runs, run_ms = run_ms + excluded.run_ms, "
	    "b0 = b0 + excluded.b0, b1 = b1 + excluded.b1, "
	    "b2 = b2 + excluded.b2, b3 = b3 + excluded.b3, "
	    "b4 = b4 + excluded.b4, b5 = b5 + excluded.b5, "
	    "b6 = b6 + excluded.b6, b7 = b7 + excluded.b7, "
	    "b8 = b8 + excluded.b8, b9 = b9 + excluded.b9, "
	    "b10 = b10 + excluded.b10, b11 = b11 + excluded.b11",
	[Q_METRIC_LAST_OK] =
	    "INSERT INTO metric_counters (name, label, value) "
	    "VALUES (?1, ?2, ?3) "
	    "ON CONFLICT DO UPDATE SET value = max(value, excluded.value)",
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
	/* store_crontab.c: a text unchanged keeps its row as it was. */
	[Q_CRONTAB_GET] = "SELECT content FROM crontabs WHERE owner = ?1",
	[Q_CRONTAB_PUT] =
	    "INSERT INTO crontabs (owner, content, updated_at) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (owner) DO UPDATE SET "
	    "content = excluded.content, updated_at = excluded.updated_at "
	    "WHERE crontabs.content <> excluded.content",
	[Q_CRONTAB_DELETE] = "DELETE FROM crontabs WHERE owner = ?1",
	/*
	 * store_user.c: one user's unfinished jobs, schedules and kept
	 * output, each found through the user's index entries
	 * (schema/021_users.sql), never by a scan of other users' rows.
	 */
	[Q_USER_USAGE] =
	    "SELECT (SELECT count(*) FROM jobs WHERE run_as = ?1 AND "
	    "state IN ('pending', 'running')), "
	    "(SELECT count(*) FROM schedules WHERE run_as = ?1), "
	    "(SELECT coalesce(sum(length(output)), 0) FROM attempts "
	    "WHERE output IS NOT NULL AND job_id IN (SELECT id FROM jobs "
	    "WHERE run_as = ?1 UNION ALL SELECT id FROM dead_jobs "
	    "WHERE run_as = ?1))",
	/* store_copy() (store_copy.c): the tables, ids and counts. */
	[Q_COPY_TABLES] =
	    "SELECT name FROM sqlite_schema WHERE type = 'table' AND "
	    "substr(name, 1, 7) <> 'sqlite_' ORDER BY name",
	[Q_COPY_SEQ_GET] =
	    "SELECT coalesce((SELECT seq FROM sqlite_sequence "
	    "WHERE name = ?1), 0)",
	[Q_COPY_CHECK] = SQL_COPY_CHECK,
};
