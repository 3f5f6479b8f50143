/*
 * store_pgsql: the PostgreSQL text of the statements whose SQLite text
 * (store_sql[], store_sql.c) does not run, or does not mean the same, on
 * PostgreSQL with schema/postgresql/.  Every other statement runs on
 * PostgreSQL as its SQLite text with the placeholders rewritten (?N to
 * $N), so an entry here exists only where it must, and a NULL entry
 * means "use store_sql[]".
 *
 * An entry takes the same parameters, by number, as its SQLite text, and
 * returns the same columns, in the same order and with the same meaning:
 * the C code binds and reads by position.  Values arrive as text (ints in
 * decimal) or bytea, and PostgreSQL infers a parameter's type from where
 * it is first used; "$3::bigint" is written where nothing would say
 * bigint (a comparison with a literal infers integer, too small for a
 * time in ms).  A result that SQLite gives as 0/1 from a comparison is
 * cast to int here, since PostgreSQL's boolean reads as "t"/"f".
 *
 * SQLite's INDEXED BY hints are dropped by store_pg_translate() (the
 * planner picks the same partial indexes from the WHERE clauses, which
 * match their predicates): a statement that differs only by them has
 * no entry here.  The differences that recur:
 *   - a IS b / a IS NOT b on values: IS [NOT] DISTINCT FROM.
 *   - INSERT OR IGNORE / OR REPLACE: ON CONFLICT DO NOTHING / DO UPDATE;
 *     ON CONFLICT DO UPDATE names its conflict target.
 *   - scalar max(a, b): greatest(); LIMIT -1: no limit.
 *   - integer flags used as conditions ("WHERE ready", "CASE WHEN ?2",
 *     "any OR ?2", "AND 1"): compared with 0 or 1.
 *   - job_deps."any" is a reserved word and is quoted.
 *
 * Statements the backend runs on its own terms are described at their
 * entries: Q_BEGIN (BEGIN IMMEDIATE), Q_DATA_VERSION, Q_FREELIST,
 * Q_AUTO_VACUUM and Q_LAST_ID (PRAGMAs and sqlite_sequence).
 *
 * enum store_stmt and the column lists (JOB_COLS_LIVE, PROC_COLS ...) are
 * store_impl.h's.
 */
#include "store_impl.h"

/* The "jobd" application id: the key of the writers' advisory lock. */
#define PG_WRITE_LOCK	"1785684580"
/* The claims' locks: users (one key), queues ("jobq", the name's hash). */
#define PG_USERS_LOCK	"1785684581"
#define PG_QUEUE_LOCK	"1785684593"

/*
 * A pending job held back by overlap = queue (NOT_BLOCKED).  Without
 * SQLite's "after_id IS NULL OR", which changes nothing (a NULL after_id
 * matches no job): under an OR PostgreSQL may hash every pending and
 * running job for the subquery, where alone it probes jobs_pkey once.
 */
#define PG_NOT_BLOCKED							\
	"NOT EXISTS (SELECT 1 FROM jobs p "				\
	"WHERE p.id = jobs.after_id AND p.state IN ('pending', "	\
	"'running')) "

/* Every queue with jobs or a row (SQL_QUEUE): flags as 0/1. */
#define PG_SQL_QUEUE							\
	"WITH k(name) AS (SELECT name FROM queues UNION "		\
	"SELECT queue FROM metric_jobs WHERE n > 0) "			\
	"SELECT k.name, coalesce(q.paused, 0), "			\
	"(q.name IS NOT NULL)::int, coalesce(q.source = 'config', "	\
	"false)::int, q.concurrency, q.rate_n, "			\
	"q.rate_period_ms, coalesce(q.weight, 1), q.max_pending, "	\
	"q.max_running_per_user, q.max_attempts, q.timeout_ms, "	\
	"q.backoff_ms, q.backoff_max_ms, coalesce(q.updated_at, 0), "	\
	"coalesce((SELECT n FROM metric_jobs m WHERE m.queue = k.name "	\
	"AND m.state = 'pending'), 0), "				\
	"coalesce((SELECT n FROM metric_jobs m WHERE m.queue = k.name "	\
	"AND m.state = 'running'), 0) "					\
	"FROM k LEFT JOIN queues q ON q.name = k.name "

/* Queue n's running jobs (CLAIM_RUNNING). */
#define PG_CLAIM_RUNNING(n)						\
	"coalesce((SELECT r.n FROM metric_jobs r WHERE r.queue = " n	\
	" AND r.state = 'running'), 0)"

/* Queue n's settings and running jobs (CLAIM_QCOLS): flags as 0/1. */
#define PG_CLAIM_QCOLS(n)						\
	"(q.name IS NOT NULL)::int, coalesce(q.paused, 0), "		\
	"q.concurrency, q.rate_n, q.rate_period_ms, q.tokens, "	\
	"q.tokens_at, coalesce(q.weight, 1), coalesce(q.vtime, 0), "	\
	"q.max_running_per_user, " PG_CLAIM_RUNNING(n) " "

/* The per-user limits (USER_OK): $3 the queue's, $4 the global; 0: none. */
#define PG_USER_OK							\
	"($3::bigint = 0 OR (SELECT count(*) FROM jobs r "		\
	"WHERE r.state = 'running' AND r.queue = jobs.queue "		\
	"AND r.run_as IS NOT DISTINCT FROM jobs.run_as) < $3::bigint) "	\
	"AND ($4::bigint = 0 OR (SELECT count(*) FROM jobs r "		\
	"WHERE r.state = 'running' "					\
	"AND r.run_as IS NOT DISTINCT FROM jobs.run_as) < $4::bigint) "

/* The claim's pick (CLAIM_PICK), without a lock. */
#define PG_CLAIM_PICK							\
	"SELECT id, run_at FROM jobs "					\
	"WHERE state = 'pending' AND waiting = 0 AND queue = $1 "	\
	"  AND priority = $2 AND " PG_NOT_BLOCKED "AND " PG_USER_OK	\
	"ORDER BY run_at, id LIMIT 1 "

#define PG_NEXT_EXPIRY							\
	"SELECT lease_expires_at FROM jobs "				\
	"WHERE state = 'running' ORDER BY lease_expires_at LIMIT 1"
#define PG_SCHED_NEXT							\
	"SELECT next_run_at FROM schedules "				\
	"WHERE enabled = 1 AND next_run_at IS NOT NULL "		\
	"ORDER BY next_run_at LIMIT 1"

/*
 * PRAGMA data_version's part: a number that changes whenever a
 * transaction that wrote anything ends, here or in another connection.
 * Unlike SQLite's it also changes for this connection's own commits and
 * for other databases of the server: a caller may look again for
 * nothing, but never misses another connection's commit.
 */
#define PG_DATA_VERSION							\
	"hashtextextended(pg_current_snapshot()::text, 0)"

/* A schedule's newest job in jobs and dead_jobs (SCHED_JOBS). */
#define PG_SCHED_JOBS(live, dead)					\
	"SELECT id, state, finished_at, exit_code FROM jobs "		\
	"WHERE schedule_id = $1 AND " live " UNION ALL "		\
	"SELECT id, 'dead', coalesce(finished_at, dead_at), exit_code "	\
	"FROM dead_jobs WHERE schedule_id = $1 AND " dead		\
	" ORDER BY 1 DESC LIMIT 1"

/*
 * The attempts that ended in the window [$1, $2] (STATS_WINDOW).
 * greatest() skips a NULL where SQLite's max() returns it, but neither
 * time can be NULL here.
 */
#define PG_STATS_WINDOW							\
	"WITH w AS (SELECT a.outcome AS outcome, "			\
	"  greatest(a.finished_at - a.started_at, 0) AS d, "		\
	"  coalesce(j.queue, x.queue) AS queue, "			\
	"  CASE WHEN j.id IS NOT NULL THEN j.schedule_id "		\
	"    ELSE x.schedule_id END AS sid "				\
	"  FROM attempts a "						\
	"  LEFT JOIN jobs j ON j.id = a.job_id "			\
	"  LEFT JOIN dead_jobs x ON x.id = a.job_id "			\
	"  WHERE a.finished_at >= $1 AND a.finished_at <= $2) "
/* The failures among them, summed as SQLite sums its 0/1/NULL. */
#define PG_STATS_FAILED							\
	"sum((outcome IN ('failed', 'timeout', 'lost', "		\
	"'spawn_error'))::int)"

/* What pruning never removes (PRUNE_KEEP). */
#define PG_PRUNE_KEEP(t)						\
	"NOT EXISTS (SELECT 1 FROM jobs r WHERE r.rerun_of = " t ".id "	\
	"AND r.state IN ('pending', 'running')) AND NOT EXISTS (SELECT 1 "\
	"FROM job_deps w JOIN jobs r ON r.id = "			\
	"w.job_id WHERE w.dep_id = " t ".id AND r.state = 'pending') "	\
	"AND (" t ".schedule_id "					\
	"IS NULL OR " t ".id NOT IN (SELECT coalesce(" PG_PRUNE_NEWEST_T(t,\
	"jobs", "AND x.state IN ('done', 'cancelled') ") ", 0) UNION ALL "\
	"SELECT coalesce(" PG_PRUNE_NEWEST_T(t, "jobs",			\
	"AND x.state = 'done' ") ", 0) UNION ALL SELECT coalesce("	\
	PG_PRUNE_NEWEST_T(t, "dead_jobs", "") ", 0)))"
#define PG_PRUNE_NEWEST_T(t, tbl, cond)					\
	"(SELECT id FROM " tbl " x WHERE x.schedule_id = " t		\
	".schedule_id " cond "ORDER BY id DESC LIMIT 1)"

/* What a key compares of its job (KEY_JOB_COLS). */
#define PG_KEY_JOB_COLS							\
	"queue, command, priority, max_attempts, timeout_ms, "		\
	"backoff_ms, backoff_max_ms, env, cwd, run_as, " PROC_COLS ", "	\
	MAIL_COLS ", " HOOK_COLS

/* A copy for "jobctl rerun" (RERUN_COPY); $2 typed for the UNION. */
#define PG_RERUN_COPY							\
	"queue, command, priority, $2::bigint, max_attempts, "		\
	"timeout_ms, backoff_ms, backoff_max_ms, env, cwd, run_as, "	\
	"$2::bigint, $2::bigint, "					\
	"(SELECT s.id FROM schedules s WHERE s.id = schedule_id), id, "	\
	PROC_COLS ", " MAIL_COLS ", " NOTIFY_COLS

/* A dead job as it goes back into jobs (RETRY_INSERT). */
#define PG_RETRY_INSERT							\
	"INSERT INTO jobs (id, queue, command, priority, state, run_at, "\
	"attempts, max_attempts, timeout_ms, backoff_ms, backoff_max_ms, "\
	"idempotency_key, schedule_id, slot_at, env, cwd, run_as, "	\
	"created_at, updated_at, " PROC_COLS ", rerun_of, " MAIL_COLS ", " \
	NOTIFY_COLS ") "						\
	"SELECT id, queue, command, priority, 'pending', $2, 0, "	\
	"max_attempts, timeout_ms, backoff_ms, backoff_max_ms, "	\
	"idempotency_key, "						\
	"(SELECT s.id FROM schedules s WHERE s.id = d.schedule_id), "	\
	"slot_at, env, cwd, run_as, created_at, $2, " PROC_COLS		\
	", rerun_of, " MAIL_COLS ", " NOTIFY_COLS " FROM dead_jobs d "

const char *const store_pg_sql[Q_MAX] = {
	/*
	 * BEGIN IMMEDIATE: the store's code assumes one writer at a time,
	 * as SQLite gives it (the claim reads token buckets and counts,
	 * then writes them back).  Every write transaction takes one
	 * transaction-scoped advisory lock first, so writers queue as they
	 * do on SQLite's write lock; a lock_timeout that expires is the
	 * backend's -EBUSY.  READ COMMITTED, not REPEATABLE READ: the
	 * statements after the lock must see what the previous writer
	 * committed while this one waited.  The backend sends
	 * "BEGIN ISOLATION LEVEL READ COMMITTED", its SET LOCALs, then
	 * this, in one string (store_pg.c, pg_begin()).
	 */
	[Q_BEGIN] = "SELECT pg_advisory_xact_lock(" PG_WRITE_LOCK ")",
	/*
	 * A daemon's claim (TXN_CLAIM) takes the same lock shared: claims
	 * run side by side, each locking the rows it takes and the queues it
	 * counts (store_claim.c), and every other writer still alone.
	 */
	[Q_BEGIN_CLAIM] = "SELECT pg_advisory_xact_lock_shared(" PG_WRITE_LOCK
	    ")",
	[Q_KEY_FIND] =
	    "WITH j AS ("
	    "SELECT " PG_KEY_JOB_COLS ", CASE WHEN state IN ('done', "
	    "'cancelled') THEN coalesce(finished_at, updated_at) END AS fin "
	    "FROM jobs WHERE id = (SELECT job_id FROM job_keys WHERE key = $1) "
	    "UNION ALL "
	    "SELECT " PG_KEY_JOB_COLS ", dead_at FROM dead_jobs "
	    "WHERE id = (SELECT job_id FROM job_keys WHERE key = $1)) "
	    "SELECT k.job_id, k.ttl_ms, (j.command IS NOT NULL)::int, j.fin, "
	    "CASE WHEN j.command IS NULL THEN NULL "
	    "WHEN j.command IS DISTINCT FROM $3 THEN 'command' "
	    "WHEN j.queue IS DISTINCT FROM $2 THEN 'queue' "
	    "WHEN j.priority IS DISTINCT FROM $4 THEN 'priority' "
	    "WHEN k.run_when IS NOT NULL AND k.run_when IS DISTINCT FROM $12 "
	    "THEN 'start time (--at, --in)' "
	    "WHEN j.max_attempts IS DISTINCT FROM $5 THEN 'max attempts' "
	    "WHEN j.timeout_ms IS DISTINCT FROM $6 THEN 'timeout' "
	    "WHEN j.backoff_ms IS DISTINCT FROM $7 "
	    "OR j.backoff_max_ms IS DISTINCT FROM $8 THEN 'backoff' "
	    "WHEN j.env IS DISTINCT FROM $9 THEN 'environment' "
	    "WHEN j.cwd IS DISTINCT FROM $10 THEN 'working directory' "
	    "WHEN j.run_as IS DISTINCT FROM $11 THEN 'user' "
	    "WHEN j.umask IS DISTINCT FROM $13 THEN 'umask' "
	    "WHEN j.limit_nofile IS DISTINCT FROM $14 "
	    "OR j.limit_nproc IS DISTINCT FROM $15 "
	    "OR j.limit_as IS DISTINCT FROM $16 "
	    "OR j.limit_cpu IS DISTINCT FROM $17 THEN 'limits' "
	    "WHEN j.kill_mode IS DISTINCT FROM $18 THEN 'kill mode' "
	    "WHEN j.mail_to IS DISTINCT FROM $19 "
	    "OR j.mail_on IS DISTINCT FROM $20 THEN 'mail' "
	    "WHEN j.on_dead IS DISTINCT FROM $21 "
	    "OR j.on_failure IS DISTINCT FROM $22 "
	    "OR j.on_success IS DISTINCT FROM $23 THEN 'hooks' "
	    "END "
	    "FROM job_keys k LEFT JOIN j ON true WHERE k.key = $1",
	/* OR REPLACE: the key's row, whole, is the new one. */
	[Q_KEY_TAKE] =
	    "INSERT INTO job_keys (key, job_id, ttl_ms, run_when, "
	    "created_at) VALUES ($1, $2, $3, $4, $5) "
	    "ON CONFLICT (key) DO UPDATE SET job_id = excluded.job_id, "
	    "ttl_ms = excluded.ttl_ms, run_when = excluded.run_when, "
	    "created_at = excluded.created_at",
	/* nullif($14, 0) alone would make $14..$16 integer, not bigint. */
	[Q_INSERT] =
	    "INSERT INTO jobs (queue, command, priority, run_at, "
	    "max_attempts, timeout_ms, backoff_ms, backoff_max_ms, "
	    "idempotency_key, env, cwd, run_as, created_at, updated_at, "
	    "schedule_id, slot_at, after_id, " PROC_COLS ", " MAIL_COLS ", "
	    HOOK_COLS ") "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
	    "$13, $13, nullif($14::bigint, 0), nullif($15::bigint, 0), "
	    "nullif($16::bigint, 0), "
	    "$17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27) "
	    "RETURNING id",
	/*
	 * "$1 IS NULL" first: PostgreSQL cannot type a parameter from an IS
	 * NULL test, and does not go back to it once "state = $1" has.
	 */
	[Q_LIST] =
	    "SELECT " JOB_COLS_LIVE " FROM jobs "
	    " WHERE ($1::text IS NULL OR state = $1) "
	    "   AND ($2::text IS NULL OR queue = $2) "
	    "UNION ALL "
	    "SELECT " JOB_COLS_DEAD " FROM dead_jobs "
	    " WHERE ($1 IS NULL OR $1 = 'dead') "
	    "   AND ($2 IS NULL OR queue = $2) "
	    "ORDER BY 1 DESC LIMIT $3",
	[Q_DAEMON_INSERT] =
	    "INSERT INTO daemons (instance, host, pid, boot_id, "
	    "version, started_at, heartbeat_at, heartbeat_ms, "
	    "max_running_per_user) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, nullif($8::bigint, 0), "
	    "nullif($9::bigint, 0)) "
	    "ON CONFLICT (instance) DO UPDATE SET host = excluded.host, "
	    "pid = excluded.pid, boot_id = excluded.boot_id, "
	    "version = excluded.version, started_at = excluded.started_at, "
	    "heartbeat_at = excluded.heartbeat_at, "
	    "heartbeat_ms = excluded.heartbeat_ms, "
	    "max_running_per_user = excluded.max_running_per_user",
	/* queues_claim's predicate, spelled as the index spells it. */
	[Q_CLAIM_QNEXT] =
	    "SELECT q.name, " PG_CLAIM_QCOLS("q.name")
	    "FROM queues q "
	    "WHERE q.ready = 1 AND q.paused = 0 AND (q.concurrency IS NULL "
	    "OR q.concurrency > " PG_CLAIM_RUNNING("q.name") ") "
	    "ORDER BY q.vtime, q.name",
	[Q_CLAIM_QUEUE] =
	    "SELECT x.n, " PG_CLAIM_QCOLS("x.n")
	    "FROM (SELECT $1::text AS n) x LEFT JOIN queues q ON q.name = x.n",
	/*
	 * The claim's pick locks the job it returns and passes over those
	 * that other claims hold, as far as the next one; the same read for
	 * the next due time and jobctl's why (a read transaction) locks
	 * nothing.
	 */
	[Q_CLAIM_PICK] = PG_CLAIM_PICK "FOR UPDATE OF jobs SKIP LOCKED",
	[Q_CLAIM_PEEK] = PG_CLAIM_PICK,
	/*
	 * A queue whose limits the claim counts (concurrency, rate,
	 * max_running_per_user) is counted by one claim at a time: a lock of
	 * the transaction on its name, waited for (QLOCK) or only taken if
	 * free (QTRY).  ULOCK: the daemon's own max_running_per_user counts
	 * a user's jobs in every queue, one claim at a time.
	 */
	[Q_CLAIM_QLOCK] = "SELECT pg_advisory_xact_lock(" PG_QUEUE_LOCK ", "
	    "hashtext($1::text)), 1",
	[Q_CLAIM_QTRY] = "SELECT pg_try_advisory_xact_lock(" PG_QUEUE_LOCK
	    ", hashtext($1::text))::int",
	[Q_CLAIM_ULOCK] = "SELECT pg_advisory_xact_lock(" PG_USERS_LOCK "), 1",
	/*
	 * Before the claim writes queue rows: every queue whose pending
	 * count it moved, which the commit's fold locks too, locked now in
	 * the fold's order (schema/postgresql/003_ready_at_commit.sql).
	 */
	[Q_CLAIM_QROWS] =
	    "SELECT name FROM queues WHERE name IN (SELECT queue "
	    "FROM metric_jobs_delta WHERE state = 'pending') "
	    "ORDER BY name FOR UPDATE",
	/*
	 * The fence locks the job: a reaper recording an expired lease as
	 * lost and its daemon, late, recording the result both run as claims,
	 * side by side; the second waits, then finds the job moved on.
	 */
	[Q_FENCE] =
	    "SELECT j.cancel_requested, j.queue, (SELECT s.name "
	    "FROM schedules s WHERE s.id = j.schedule_id) FROM jobs j "
	    "WHERE j.id = $1 AND j.attempts = $2 AND j.lease_owner = $3 "
	    "  AND j.state = 'running' FOR UPDATE OF j",
	[Q_CLAIM_QSAVE] =
	    "INSERT INTO queues (name, updated_at, vtime, tokens, tokens_at) "
	    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO UPDATE SET "
	    "vtime = CASE WHEN queues.vtime = $6::float8 "
	    "THEN excluded.vtime ELSE greatest(queues.vtime, $7::float8) + "
	    "(excluded.vtime - greatest($6::float8, $7::float8)) END, "
	    "tokens = excluded.tokens, tokens_at = excluded.tokens_at",
	[Q_CLAIM_USERS] =
	    "SELECT (SELECT count(*) FROM jobs r "
	    "  WHERE r.state = 'running' "
	    "  AND r.queue = $1 AND r.run_as IS NOT DISTINCT FROM $2), "
	    "(SELECT count(*) FROM jobs r "
	    "  WHERE r.state = 'running' AND r.run_as IS NOT DISTINCT FROM $2)",
	/* $3 + $4: two untyped parameters have no + of their own. */
	[Q_CLAIM] =
	    "UPDATE jobs SET state = 'running', lease_owner = $2, "
	    "lease_expires_at = $3::bigint + $4::bigint, "
	    "attempts = attempts + 1, "
	    "updated_at = $3 WHERE id = $1 AND state = 'pending'",
	[Q_HEARTBEAT_JOBS] =
	    "UPDATE jobs SET lease_expires_at = $2::bigint + $3::bigint "
	    "WHERE lease_owner = $1 AND state = 'running'",
	/* nullif($3, 0) alone would make $3 and $4 integer, not bigint. */
	[Q_HEARTBEAT_DAEMON] =
	    "UPDATE daemons SET heartbeat_at = $2, "
	    "  heartbeat_ms = nullif($3::bigint, 0), "
	    "  max_running_per_user = nullif($4::bigint, 0) "
	    "WHERE instance = $1",
	[Q_TIMES] =
	    "SELECT NULL, (" PG_NEXT_EXPIRY "), "
	    "(" PG_SCHED_NEXT "), " PG_DATA_VERSION,
	[Q_DATA_VERSION] = "SELECT " PG_DATA_VERSION,
	[Q_DEAD_ALL_TO_JOBS] = PG_RETRY_INSERT "WHERE $1::bigint IS NOT NULL",
	[Q_SCHED_INSERT] =
	    "INSERT INTO schedules (" SCHED_DEF_COLS ", next_run_at, source, "
	    "created_at, updated_at, " PROC_COLS ", " MAIL_COLS ", " HOOK_COLS
	    ") VALUES "
	    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
	    "$15, $16, nullif($17::bigint, 0), $18, $19, $19, $20, $21, $22, "
	    "$23, $24, $25, $26, $27, $28, $29, $30)",
	[Q_SCHED_UPDATE] =
	    "UPDATE schedules SET cron = $2, tz = $3, command = $4, "
	    "queue = $5, priority = $6, max_attempts = $7, timeout_ms = $8, "
	    "backoff_ms = $9, backoff_max_ms = $10, env = $11, cwd = $12, "
	    "run_as = $13, overlap = $14, catchup = $15, enabled = $16, "
	    "next_run_at = nullif($17::bigint, 0), updated_at = $19, "
	    "umask = $20, "
	    "limit_nofile = $21, limit_nproc = $22, limit_as = $23, "
	    "limit_cpu = $24, kill_mode = $25, mail_to = $26, mail_on = $27, "
	    "on_dead = $28, on_failure = $29, on_success = $30 "
	    "WHERE name = $1 AND source = $18",
	[Q_SCHED_ENABLE] =
	    "UPDATE schedules SET enabled = $2, updated_at = $4, "
	    "next_run_at = CASE WHEN $2::bigint <> 0 "
	    "THEN nullif($3::bigint, 0) ELSE next_run_at END WHERE name = $1",
	/*
	 * IS: NULLs compare equal.  $17..$19 are not used (the binder is
	 * Q_SCHED_INSERT's); the backend sends unused parameters as text.
	 */
	[Q_SCHED_SAME] =
	    "SELECT 1 FROM schedules WHERE name = $1 "
	    "AND cron IS NOT DISTINCT FROM $2 "
	    "AND tz IS NOT DISTINCT FROM $3 "
	    "AND command IS NOT DISTINCT FROM $4 "
	    "AND queue IS NOT DISTINCT FROM $5 "
	    "AND priority IS NOT DISTINCT FROM $6 "
	    "AND max_attempts IS NOT DISTINCT FROM $7 "
	    "AND timeout_ms IS NOT DISTINCT FROM $8 "
	    "AND backoff_ms IS NOT DISTINCT FROM $9 "
	    "AND backoff_max_ms IS NOT DISTINCT FROM $10 "
	    "AND env IS NOT DISTINCT FROM $11 "
	    "AND cwd IS NOT DISTINCT FROM $12 "
	    "AND run_as IS NOT DISTINCT FROM $13 "
	    "AND overlap IS NOT DISTINCT FROM $14 "
	    "AND catchup IS NOT DISTINCT FROM $15 "
	    "AND enabled IS NOT DISTINCT FROM $16 "
	    "AND umask IS NOT DISTINCT FROM $20 "
	    "AND limit_nofile IS NOT DISTINCT FROM $21 "
	    "AND limit_nproc IS NOT DISTINCT FROM $22 "
	    "AND limit_as IS NOT DISTINCT FROM $23 "
	    "AND limit_cpu IS NOT DISTINCT FROM $24 "
	    "AND kill_mode IS NOT DISTINCT FROM $25 "
	    "AND mail_to IS NOT DISTINCT FROM $26 "
	    "AND mail_on IS NOT DISTINCT FROM $27 "
	    "AND on_dead IS NOT DISTINCT FROM $28 "
	    "AND on_failure IS NOT DISTINCT FROM $29 "
	    "AND on_success IS NOT DISTINCT FROM $30",
	/* length($1) alone is ambiguous (text, bytea, bit ...). */
	[Q_SCHED_UNDER] =
	    "SELECT name, source FROM schedules "
	    "WHERE substr(source, 1, length($1::text)) = $1 "
	    "ORDER BY source, name",
	[Q_SLOT_INSERT] =
	    "INSERT INTO schedule_slots (schedule_id, slot_at, "
	    "outcome, reason, recorded_at) VALUES ($1, $2, $3, $4, $5) "
	    "ON CONFLICT DO NOTHING",
	/* $2 != 0 alone would make $2, a time in ms, an integer. */
	[Q_SCHED_FIRED] =
	    "UPDATE schedules SET "
	    "next_run_at = CASE WHEN $2::bigint <> 0 THEN $2::bigint "
	    "ELSE next_run_at END, "
	    "last_run_at = CASE WHEN $3 > coalesce(last_run_at, 0) THEN $3 "
	    "ELSE last_run_at END WHERE id = $1",
	[Q_SCHED_BOOT] =
	    "UPDATE schedules SET reboot_boot_id = $2 "
	    "WHERE id = $1 AND reboot_boot_id IS DISTINCT FROM $2",
	[Q_RERUN] =
	    "INSERT INTO jobs (queue, command, priority, run_at, "
	    "max_attempts, timeout_ms, backoff_ms, backoff_max_ms, env, cwd, "
	    "run_as, created_at, updated_at, schedule_id, rerun_of, "
	    PROC_COLS ", " MAIL_COLS ", " NOTIFY_COLS ") "
	    "SELECT " PG_RERUN_COPY " FROM jobs WHERE id = $1 "
	    "  AND state IN ('done', 'cancelled') "
	    "UNION ALL "
	    "SELECT " PG_RERUN_COPY " FROM dead_jobs WHERE id = $1 "
	    "RETURNING id",
	[Q_SCHED_SET] =
	    "UPDATE schedules SET cron = $2, tz = $3, command = $4, "
	    "queue = $5, priority = $6, max_attempts = $7, timeout_ms = $8, "
	    "backoff_ms = $9, backoff_max_ms = $10, env = $11, cwd = $12, "
	    "run_as = $13, overlap = $14, catchup = $15, "
	    "next_run_at = CASE WHEN $18::bigint <> 0 "
	    "THEN nullif($17::bigint, 0) "
	    "ELSE next_run_at END, updated_at = $19, umask = $20, "
	    "limit_nofile = $21, limit_nproc = $22, limit_as = $23, "
	    "limit_cpu = $24, kill_mode = $25, mail_to = $26, mail_on = $27, "
	    "on_dead = $28, on_failure = $29, on_success = $30 "
	    "WHERE name = $1 AND source = 'cli'",
	[Q_SCHED_LAST] = PG_SCHED_JOBS("state IN ('done', 'cancelled')",
	    "true"),
	[Q_SCHED_LAST_OK] = PG_SCHED_JOBS("state = 'done'", "false"),
	/* Counters: ON CONFLICT DO UPDATE needs its target here. */
	[Q_METRIC_ATTEMPT] =
	    "INSERT INTO metric_attempts (queue, outcome, n, runs, run_ms, "
	    "b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
	    "$14, $15, $16, $17) ON CONFLICT (queue, outcome) "
	    "DO UPDATE SET n = metric_attempts.n + excluded.n, "
	    "runs = metric_attempts.runs + excluded.runs, "
	    "run_ms = metric_attempts.run_ms + excluded.run_ms, "
	    "b0 = metric_attempts.b0 + excluded.b0, "
	    "b1 = metric_attempts.b1 + excluded.b1, "
	    "b2 = metric_attempts.b2 + excluded.b2, "
	    "b3 = metric_attempts.b3 + excluded.b3, "
	    "b4 = metric_attempts.b4 + excluded.b4, "
	    "b5 = metric_attempts.b5 + excluded.b5, "
	    "b6 = metric_attempts.b6 + excluded.b6, "
	    "b7 = metric_attempts.b7 + excluded.b7, "
	    "b8 = metric_attempts.b8 + excluded.b8, "
	    "b9 = metric_attempts.b9 + excluded.b9, "
	    "b10 = metric_attempts.b10 + excluded.b10, "
	    "b11 = metric_attempts.b11 + excluded.b11",
	[Q_METRIC_LAST_OK] =
	    "INSERT INTO metric_counters (name, label, value) "
	    "VALUES ($1, $2, $3) ON CONFLICT (name, label) DO UPDATE SET "
	    "value = greatest(metric_counters.value, excluded.value)",
	[Q_METRIC_ADD] =
	    "INSERT INTO metric_counters (name, label, value) "
	    "VALUES ($1, $2, $3) "
	    "ON CONFLICT (name, label) DO UPDATE SET "
	    "value = metric_counters.value + excluded.value",
	[Q_STATS_SCHEDS] =
	    "SELECT id, name FROM schedules "
	    "WHERE ($1::text IS NULL OR name = $1) "
	    "AND ($2::text IS NULL OR queue = $2) ORDER BY id",
	[Q_STATS_RUNS_Q] = PG_STATS_WINDOW
	    "SELECT queue, count(*), " PG_STATS_FAILED " FROM w "
	    "WHERE queue IS NOT NULL GROUP BY queue ORDER BY queue",
	[Q_STATS_RUNS_S] = PG_STATS_WINDOW
	    "SELECT sid, count(*), " PG_STATS_FAILED " FROM w "
	    "WHERE sid IS NOT NULL GROUP BY sid ORDER BY sid",
	[Q_STATS_TIMES_Q] = PG_STATS_WINDOW
	    "SELECT queue, d FROM w WHERE queue IS NOT NULL "
	    "ORDER BY queue, d",
	[Q_STATS_TIMES_S] = PG_STATS_WINDOW
	    "SELECT sid, d FROM w WHERE sid IS NOT NULL ORDER BY sid, d",
	/* LIMIT -1: no limit before the OFFSET; $4, $5 are 0/1 flags. */
	[Q_PRUNE_CAP_LIVE] =
	    "SELECT id, idempotency_key, (state = 'cancelled')::int "
	    "FROM (SELECT id, "
	    "idempotency_key, state, schedule_id FROM jobs "
	    "WHERE schedule_id = $1 AND state IN "
	    "('done', 'cancelled') ORDER BY id DESC OFFSET $2) j "
	    "WHERE ((j.state = 'done' AND $4::bigint <> 0) OR "
	    "(j.state = 'cancelled' AND $5::bigint <> 0)) AND "
	    PG_PRUNE_KEEP("j") " LIMIT $3",
	[Q_PRUNE_CAP_DEAD] =
	    "SELECT id, idempotency_key, 2 FROM (SELECT id, idempotency_key, "
	    "schedule_id FROM dead_jobs "
	    "WHERE schedule_id = $1 ORDER BY id DESC OFFSET $2) j "
	    "WHERE " PG_PRUNE_KEEP("j") " LIMIT $3",
	[Q_DEP_INSERT] =
	    "INSERT INTO job_deps (job_id, dep_id, \"any\", met) "
	    "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
	[Q_DEP_MET_JOBS] =
	    "UPDATE jobs SET waiting = waiting - 1 WHERE id IN (SELECT job_id "
	    "FROM job_deps WHERE dep_id = $1 "
	    "AND met = 0 AND (\"any\" = 1 OR $2::bigint <> 0))",
	[Q_DEP_MET] =
	    "UPDATE job_deps SET met = 1 WHERE dep_id = $1 AND met = 0 "
	    "AND (\"any\" = 1 OR $2::bigint <> 0)",
	[Q_DEP_VICTIMS] =
	    "SELECT d.job_id FROM job_deps d "
	    "JOIN jobs j ON j.id = d.job_id WHERE d.dep_id = $1 "
	    "AND d.met = 0 AND d.\"any\" = 0 AND j.state = 'pending' "
	    "ORDER BY d.job_id",
	[Q_DEP_LIST] =
	    "SELECT d.dep_id, d.\"any\", d.met, coalesce((SELECT state "
	    "FROM jobs WHERE id = d.dep_id), (SELECT 'dead' FROM dead_jobs "
	    "WHERE id = d.dep_id)) FROM job_deps d WHERE d.job_id = $1 "
	    "ORDER BY d.dep_id",
	[Q_DEP_RLIST] =
	    "SELECT d.job_id, d.\"any\", d.met, coalesce((SELECT state "
	    "FROM jobs WHERE id = d.job_id), (SELECT 'dead' FROM dead_jobs "
	    "WHERE id = d.job_id)) FROM job_deps d "
	    "WHERE d.dep_id = $1 ORDER BY d.job_id",
	/*
	 * No free pages to count and no auto_vacuum mode: autovacuum keeps
	 * the tables.  Mode 0 (NONE) makes store_vacuum_step() a no-op,
	 * and with it no PRAGMA incremental_vacuum is ever sent.
	 */
	[Q_FREELIST] = "SELECT 0",
	[Q_AUTO_VACUUM] = "SELECT 0",
	/*
	 * The highest job id ever given (sqlite_sequence): no row before
	 * the first job, as in SQLite.  A sequence is not transactional, so
	 * this may count an id whose insert rolled back; it is never given
	 * again either way.
	 */
	[Q_LAST_ID] = "SELECT last_value FROM jobs_id_seq WHERE is_called",
	[Q_QUEUE_LIST] = PG_SQL_QUEUE "ORDER BY k.name",
	[Q_QUEUE_GET] = PG_SQL_QUEUE "WHERE k.name = $1",
	/* IS: a token bucket left as it is only when its rate is. */
	[Q_QUEUE_UPSERT] =
	    "INSERT INTO queues (name, paused, updated_at, concurrency, "
	    "rate_n, rate_period_ms, weight, max_pending, "
	    "max_running_per_user, max_attempts, timeout_ms, backoff_ms, "
	    "backoff_max_ms, source) "
	    "VALUES ($1, 0, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
	    "$13) ON CONFLICT (name) DO UPDATE SET "
	    "updated_at = excluded.updated_at, "
	    "tokens = CASE WHEN queues.rate_n IS NOT DISTINCT FROM "
	    "excluded.rate_n AND queues.rate_period_ms IS NOT DISTINCT FROM "
	    "excluded.rate_period_ms THEN queues.tokens END, "
	    "tokens_at = CASE WHEN queues.rate_n IS NOT DISTINCT FROM "
	    "excluded.rate_n AND queues.rate_period_ms IS NOT DISTINCT FROM "
	    "excluded.rate_period_ms THEN queues.tokens_at END, "
	    "concurrency = excluded.concurrency, rate_n = excluded.rate_n, "
	    "rate_period_ms = excluded.rate_period_ms, "
	    "weight = excluded.weight, max_pending = excluded.max_pending, "
	    "max_running_per_user = excluded.max_running_per_user, "
	    "max_attempts = excluded.max_attempts, "
	    "timeout_ms = excluded.timeout_ms, "
	    "backoff_ms = excluded.backoff_ms, "
	    "backoff_max_ms = excluded.backoff_max_ms, "
	    "source = excluded.source",
	/*
	 * store_copy(): the tables but jobd_meta, the schema's stamp, and
	 * with the view metric_jobs in the place of the two tables it reads
	 * (schema/postgresql/002_metric_fold.sql); the highest id an
	 * identity has given (sqlite_sequence's seq: 0 before the first),
	 * from its sequence, whose name is fixed
	 * (schema/postgresql/001_init.sql).
	 */
	[Q_COPY_TABLES] =
	    "SELECT tablename FROM pg_tables WHERE schemaname = "
	    "current_schema() AND tablename NOT IN ('jobd_meta', "
	    "'metric_jobs_base', 'metric_jobs_delta') UNION ALL "
	    "SELECT viewname FROM pg_views WHERE schemaname = "
	    "current_schema() ORDER BY 1",
	[Q_COPY_SEQ_GET] =
	    "SELECT coalesce((SELECT last_value FROM pg_sequences WHERE "
	    "schemaname = current_schema() AND sequencename = "
	    "$1::text || '_id_seq'), 0)",
};
