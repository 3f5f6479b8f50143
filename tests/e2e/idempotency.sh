# backends: sqlite postgresql
# Idempotent submission through a job's whole life: a key names one job
# whether it is pending, done, dead (in the dead-letter table) or back from
# it; a resubmission prints that job's id and creates nothing.  A key with
# other job contents is refused (65); a key expires --key-ttl after its job
# finished (on a test clock, $JOBD_TEST_CLOCK), and then makes a new job.
. "$(dirname "$0")/daemon_lib.sh"
use_db "$T/idem.db"
CLOCK=$T/clock
export JOBD_TEST_CLOCK=$CLOCK
setclock() { echo "$1" >"$CLOCK.new" && mv "$CLOCK.new" "$CLOCK"; }
T0=$(now_ms)
setclock "$T0"

rows() {
	sql "SELECT (SELECT count(*) FROM jobs) + (SELECT count(*) FROM dead_jobs)"
}

begin "idempotency: a key of a pending job returns its id"
run submit --key k1 -- echo one
expect_rc 0
ID=$OUT
run submit --key k1 -- echo one
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
run submit --key k1 -- echo one
expect_rc 0
[ "$OUT" = "$ID" ] || problem "submit printed $OUT, not the dead job $ID"
dbdump >"$T/after"
expect_same "$T/before" "$T/after" "database"
end

begin "idempotency: after dead retry the key still names the same job"
run dead retry "$ID"
expect_rc 0
run submit --key k1 -- echo one
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

begin "idempotency: --json submit prints an object, existed or not"
run --json submit --key k2 -- echo other
expect_rc 0
[ "$(json_lines "$T/.out")" = 1 ] || problem "not one JSON object: $OUT"
[ "$(echo "$OUT" | json 'd["existed"]')" = true ] || problem "existed: $OUT"
[ "$(echo "$OUT" | json 'd["id"]')" = "$(sql "SELECT id FROM jobs
    WHERE command = 'echo other'")" ] || problem "id: $OUT"
run --json submit --key k3 --at @$(((T0 + 3600000) / 1000)) -- echo new
expect_rc 0
[ "$(echo "$OUT" | json 'd["existed"]')" = false ] || problem "existed: $OUT"
[ "$(echo "$OUT" | json 'd["run_at"]')" = "$(date -u -d \
    @$(((T0 + 3600000) / 1000)) +%Y-%m-%dT%H:%M:%S.000Z)" ] ||
    problem "run_at: $OUT"
printf 'echo a\necho b\n' >"$T/batch"
run --json submit --batch <"$T/batch"
expect_rc 0
[ "$(json_lines "$T/.out")" = 2 ] || problem "not two objects: $OUT"
end

# A reused key with other contents: 65, one line naming the key, the job
# and what differs, and nothing written.
dbdump >"$T/dump0"
bad "a key reused with another command" 65 'key "k2" already names job' \
    submit --key k2 -- echo different
bad "a key reused with another queue" 65 "queue differs" \
    submit --key k2 --queue q2 -- echo other
bad "a key reused with another priority" 65 "priority differs" \
    submit --key k2 --priority 5 -- echo other
bad "a key reused with another environment" 65 "environment differs" \
    submit --key k2 --env A=1 -- echo other
bad "a key reused with another max attempts" 65 "max attempts differs" \
    submit --key k2 --max-attempts 2 -- echo other
bad "a key reused with another start time" 65 "start time" \
    submit --key k3 --at @$(((T0 + 7200000) / 1000)) -- echo new
bad "a key reused with --in for --at" 65 "start time" \
    submit --key k3 --in 1h -- echo new
for v in abc -1h "" 5x; do
	bad "--key-ttl \"$v\"" 64 "--key-ttl" submit --key k9 --key-ttl "$v" \
	    -- echo x
done
bad "a key with a tab is shown escaped" 64 'invalid key "a\x09b": a control' \
    submit --key "$(printf 'a\tb')" -- echo x
bad "--key-ttl without --key" 64 "needs --key" submit --key-ttl 1h -- echo x

begin "idempotency: --in is compared as written, not as the instant"
run submit --key rel --in 10m -- echo rel
expect_rc 0
ID=$OUT
expect_err_contains "(in 10m)"
setclock $((T0 + 60000))
run submit --key rel --in 10m -- echo rel
expect_rc 0
[ "$OUT" = "$ID" ] || problem "a retry a minute later printed $OUT, not $ID"
expect_err_contains "already exists"
end

begin "idempotency: a cancelled job's key expires after the default 24h"
setclock "$T0"
run submit --key c1 -- echo c1
ID=$OUT
run cancel "$ID"
expect_rc 0
setclock $((T0 + 86400000 - 1000))
run submit --key c1 -- echo c1
[ "$OUT" = "$ID" ] || problem "before 24h: $OUT, not $ID"
setclock $((T0 + 86400000))
run submit --key c1 -- echo c1
expect_rc 0
[ -n "$OUT" ] && [ "$OUT" != "$ID" ] ||
    problem "after 24h the key still names $ID ($OUT)"
expect_err_empty
[ "$(sql "SELECT count(*) FROM jobs WHERE idempotency_key = 'c1'")" = 2 ] ||
    problem "the old job is gone or no new one"
end

begin "idempotency: a done job's key lives --key-ttl after it ended"
setclock "$T0"
write_conf
start_jobd jobd
submit --key nightly --key-ttl 1h -- true
D=$ID
wait_state "$D" done 20
stop_jobd "$JOBD_PID"
FIN=$(sql "SELECT finished_at FROM jobs WHERE id = $D")
setclock $((FIN + 3600000 - 1))
run submit --key nightly --key-ttl 1h -- true
[ "$OUT" = "$D" ] || problem "before the ttl: $OUT, not $D"
expect_err_contains "already exists"
run submit --key nightly -- echo changed
expect_rc 65
setclock $((FIN + 3600000))
run submit --key nightly --key-ttl 1h -- true
expect_rc 0
[ -n "$OUT" ] && [ "$OUT" != "$D" ] || problem "after the ttl: $OUT"
N=$OUT
[ "$(jstate "$D")" = done ] || problem "the old job is $(jstate "$D")"
run submit --key nightly --key-ttl 1h -- true
[ "$OUT" = "$N" ] || problem "the new job does not hold the key: $OUT"
end

# A database from before keys expired: the migrations before
# 0NN_keys.sql, applied from schema/ as the jobd of the time did (with its
# application_id, "jobd"), with a keyed job written as it wrote them.  Its keys keep naming their jobs, now
# with the default ttl, and without comparing how the start time was asked
# for, which was not recorded.
begin "idempotency: keys of an older database carry over"
if ! sqlite_only "$CASE" "a SQLite database of a schema version before \
job_keys (the PostgreSQL schema starts at SQLite's version 19)"; then
	use_db "$T/old.db"
	setclock "$T0"
	OLDV=0
	for _f in "$JOBD_TOP"/schema/*.sql; do
		case $_f in *_keys.sql) break ;; esac
		sql <"$_f" || problem "applying $_f"
		OLDV=$((OLDV + 1))
	done
	sql "PRAGMA user_version = $OLDV;
	PRAGMA application_id = $((0x6a6f6264));
	INSERT INTO jobs (command, run_at, idempotency_key, created_at, updated_at)
	    VALUES ('echo old', $T0 + 300000, 'old1', $T0, $T0);"
	O1=$(sql "SELECT id FROM jobs WHERE idempotency_key = 'old1'")
	V=$("$JOBD_BUILD/jobd" --version | sed 's/.*schema \([0-9]*\).*/\1/')
	run submit --key old1 -- echo old
	expect_rc 0
	[ "$OUT" = "$O1" ] || problem "the old key no longer names $O1: $OUT"
	[ "$(sql 'PRAGMA user_version')" = "$V" ] || problem "not migrated"
	[ "$(sql "SELECT job_id, ttl_ms, run_when IS NULL FROM job_keys
	    WHERE key = 'old1'")" = "$O1|86400000|1" ] ||
	    problem "job_keys: $(sql 'SELECT * FROM job_keys')"
	run submit --key old1 -- echo other
	expect_rc 65
	use_db "$T/idem.db"
	end
fi

begin "idempotency: a running or pending job holds its key past the ttl"
setclock "$T0"
run submit --key p1 --key-ttl 0s -- echo p
ID=$OUT
setclock $((T0 + 10 * 86400000))
run submit --key p1 --key-ttl 0s -- echo p
[ "$OUT" = "$ID" ] || problem "a pending job lost its key: $OUT"
end
exit 0
