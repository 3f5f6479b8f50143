# Idempotent submission through a job's whole life: a key names one job
# whether it is pending, done, dead (in the dead-letter table) or back from
# it; a resubmission prints that job's id and creates nothing.
. "$(dirname "$0")/lib.sh"
use_db "$T/idem.db"

rows() {
	sql "SELECT (SELECT count(*) FROM jobs) + (SELECT count(*) FROM dead_jobs)"
}

begin "idempotency: a key of a pending job returns its id"
run submit --key k1 -- echo one
expect_rc 0
ID=$OUT
run submit --key k1 -- echo two
expect_rc 0
[ "$OUT" = "$ID" ] || problem "second submit printed $OUT, not $ID"
expect_err_contains "already exists"
[ "$(rows)" = 1 ] || problem "$(rows) rows"
end

begin "idempotency: a key of a dead job returns the dead job's id"
# Move the job to the dead-letter table as jobd would.
sql "BEGIN;
INSERT INTO dead_jobs (id, queue, command, priority, run_at, attempts,
    max_attempts, timeout_ms, backoff_ms, backoff_max_ms, idempotency_key,
    schedule_id, slot_at, env, cwd, run_as, created_at, updated_at,
    finished_at, exit_code, last_error, dead_at, reason)
  SELECT id, queue, command, priority, run_at, 1, max_attempts, timeout_ms,
    backoff_ms, backoff_max_ms, idempotency_key, schedule_id, slot_at, env,
    cwd, run_as, created_at, updated_at, updated_at, 3, 'exit 3',
    updated_at, 'exit 3 on attempt 1 of 1' FROM jobs WHERE id = $ID;
DELETE FROM jobs WHERE id = $ID;
COMMIT;"
dbdump >"$T/before"
run submit --key k1 -- echo three
expect_rc 0
[ "$OUT" = "$ID" ] || problem "submit printed $OUT, not the dead job $ID"
dbdump >"$T/after"
expect_same "$T/before" "$T/after" "database"
end

begin "idempotency: after dead retry the key still names the same job"
run dead retry "$ID"
expect_rc 0
run submit --key k1 -- echo four
expect_rc 0
[ "$OUT" = "$ID" ] || problem "submit printed $OUT, not $ID"
[ "$(rows)" = 1 ] || problem "$(rows) rows"
[ "$(sql "SELECT state FROM jobs WHERE id = $ID")" = pending ] ||
    problem "the job is not pending again"
end

begin "idempotency: a different key is a different job"
run submit --key k2 -- echo other
expect_rc 0
[ "$OUT" != "$ID" ] || problem "a different key gave the same job"
[ "$(rows)" = 2 ] || problem "$(rows) rows"
end
exit 0
