# backends: sqlite postgresql
# jobctl stats: per queue and per schedule over a window.  First the real
# daemon runs jobs that succeed, fail and die, and stats counts them; then
# attempts with known durations and end times (on the test clock) check
# the window's edges, the nearest-rank percentiles, failure rates, last
# success and dead counts exactly; then bad input.
. "$(dirname "$0")/daemon_lib.sh"

# --- what the daemon ran -------------------------------------------------
use_db "$T/run.db"
write_conf
begin "stats: runs, failures and dead jobs of what jobd ran"
start_jobd run
for c in true true "sleep 0.3"; do
	submit --queue work -- sh -c "$c" && OK="$OK $ID"
done
submit --queue work --max-attempts 2 -- sh -c 'exit 3' && BAD=$ID
submit --queue other -- true && OTHER=$ID
"$JOBCTL" schedule add nightly --cron '@daily' --queue work -- true \
    >/dev/null 2>&1 || problem "schedule add"
"$JOBCTL" schedule run nightly >/dev/null 2>&1 || problem "schedule run"
for id in $OK $OTHER; do wait_state "$id" done 30; done
wait_state "$BAD" dead 30
wait_until 30 "[ \"\$(dsql \"SELECT count(*) FROM jobs WHERE state = 'done'
    AND schedule_id IS NOT NULL\")\" = 1 ]" || problem "nightly did not run"
run stats --json
expect_rc 0
[ "$(json_lines "$T/.out")" = 1 ] || problem "not one JSON object: $OUT"
# work: 3 + 2 attempts of the dead job + 1 of nightly; other: 1.
[ "$(json '[[q["queue"], q["runs"], q["failures"], q["failure_rate"],
    q["dead"], q["last_success_at"] is not None] for q in d["queues"]]' \
    <"$T/.out")" = '[["other", 1, 0, 0.0, 0, true], ["work", 6, 2, 0.333, 1, true]]' ] ||
    problem "queues: $OUT"
[ "$(json '[[s["schedule"], s["runs"], s["failures"], s["dead"],
    s["last_success_at"] is not None] for s in d["schedules"]]' \
    <"$T/.out")" = '[["nightly", 1, 0, 0, true]]' ] ||
    problem "schedules: $OUT"
# The 0.3 s job is the longest of six: p95 is its duration.
[ "$(json '[[q["p95_ms"] >= 300, q["p50_ms"] < 300] for q in d["queues"] if q["queue"] == "work"][0]' \
    <"$T/.out")" = '[true, true]' ] || problem "durations: $OUT"
run stats
expect_rc 0
expect_err_empty
set -- $(sed -n 1p "$T/.out")
[ "$*" = "QUEUE RUNS FAILED FAIL% P50 P95 LAST-SUCCESS DEAD" ] ||
    problem "header: $*"
[ "$(awk '$1 == "work" { print $2, $3, $4, $NF }' "$T/.out")" = \
    "6 2 33.3% 1" ] || problem "human: $OUT"
[ "$(awk '$1 == "nightly" { print $2, $3, $4, $NF }' "$T/.out")" = \
    "1 0 0.0% 0" ] || problem "human schedules: $OUT"
grep -q '^SCHEDULE ' "$T/.out" || problem "no schedule table: $OUT"
set --
stop_jobd "$JOBD_PID" 10
end

# --- known durations on the test clock ---------------------------------
CLOCK=$T/clock
echo 1796083200000 >"$CLOCK"		# 2026-12-01T00:00:00Z
NOW=1796083200000
DAY=86400000
use_db "$T/fix.db"
sub() { JOBD_TEST_CLOCK=$CLOCK "$JOBCTL" submit "$@" 2>/dev/null; }
stats() { JOBD_TEST_CLOCK=$CLOCK run stats "$@"; }
"$JOBCTL" schedule add hourly --cron '@hourly' --queue fix -- true \
    >/dev/null 2>&1
A=$(sub --queue fix echo a)
D=$(sub --queue fix echo d)
S=$(sub --queue fix echo s)
O=$(sub --queue old echo o)
E=$(sub --queue empty echo e)
# Job A: 20 attempts that ended an hour ago, lasting 1 s, 2 s ... 20 s;
# every fourth failed.  Job D (then dead): one attempt of 0.5 s ending
# exactly 24 h ago (in the window), one ending 1 ms before (not in it).
# Job S (of schedule hourly, done 5 days ago): one ok attempt of 7 s, 2 h
# ago.  Job O: one attempt 30 h ago.
sql "UPDATE jobs SET schedule_id = (SELECT id FROM schedules
	WHERE name = 'hourly'), state = 'done', finished_at = $NOW - 5 * $DAY
	WHERE id = $S;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
	WHERE i < 20)
    INSERT INTO attempts (job_id, attempt, owner, started_at, finished_at,
	outcome) SELECT $A, i, 'x', $NOW - 3600000 - i * 1000, $NOW - 3600000,
	CASE WHEN i % 4 = 0 THEN 'failed' ELSE 'ok' END FROM n;
    INSERT INTO attempts (job_id, attempt, owner, started_at, finished_at,
	outcome) VALUES
	($D, 1, 'x', $NOW - $DAY - 500, $NOW - $DAY, 'timeout'),
	($D, 2, 'x', $NOW - $DAY - 999999, $NOW - $DAY - 1, 'failed'),
	($S, 1, 'x', $NOW - 7200000 - 7000, $NOW - 7200000, 'ok'),
	($O, 1, 'x', $NOW - 30 * 3600000 - 60000, $NOW - 30 * 3600000, 'ok');
    INSERT INTO dead_jobs (id, queue, command, priority, run_at, attempts,
	created_at, updated_at, dead_at, reason)
	SELECT id, queue, command, priority, run_at, 2, created_at,
	    updated_at, updated_at, 'failed' FROM jobs WHERE id = $D;
    DELETE FROM jobs WHERE id = $D;"

begin "stats: the 24 h window, nearest-rank p50/p95, rate, last success, dead"
stats --json
expect_rc 0
# fix: 20 + 1 (the edge) + 1 (S) = 22 runs: 500, 1000 ... 20000 and 7000.
# Sorted (7000 twice): rank ceil(0.5 * 22) = 11 is 9000; rank
# ceil(0.95 * 22) = 21 is 19000.  Failures: 5 + the timeout = 6 (27.3%).
[ "$(json 'd["queues"]' <"$T/.out")" = '[{"queue": "empty", "runs": 0, "failures": 0, "failure_rate": null, "p50_ms": null, "p95_ms": null, "last_success_at": null, "dead": 0}, {"queue": "fix", "runs": 22, "failures": 6, "failure_rate": 0.273, "p50_ms": 9000, "p95_ms": 19000, "last_success_at": "2026-11-26T00:00:00.000Z", "dead": 1}, {"queue": "old", "runs": 0, "failures": 0, "failure_rate": null, "p50_ms": null, "p95_ms": null, "last_success_at": null, "dead": 0}]' ] ||
    problem "queues: $(json 'd["queues"]' <"$T/.out")"
[ "$(json 'd["schedules"]' <"$T/.out")" = '[{"schedule": "hourly", "runs": 1, "failures": 0, "failure_rate": 0.0, "p50_ms": 7000, "p95_ms": 7000, "last_success_at": "2026-11-26T00:00:00.000Z", "dead": 0}]' ] ||
    problem "schedules: $(json 'd["schedules"]' <"$T/.out")"
[ "$(json '[d["since"], d["until"]]' <"$T/.out")" = \
    '["2026-11-30T00:00:00.000Z", "2026-12-01T00:00:00.000Z"]' ] ||
    problem "window: $OUT"
end

begin "stats --since 48h: the older attempts count too"
stats --since 48h --queue fix --json
expect_rc 0
# 23 runs, the 999.999 s attempt the longest: rank ceil(0.5 * 23) = 12
# is 10000, rank ceil(0.95 * 23) = 22 is 20000, not the outlier.
[ "$(json '[[q["queue"], q["runs"], q["failures"], q["p50_ms"],
    q["p95_ms"]] for q in d["queues"]]' <"$T/.out")" = \
    '[["fix", 23, 7, 10000, 20000]]' ] || problem "queues: $OUT"
[ "$(json '[s["schedule"] for s in d["schedules"]]' <"$T/.out")" = \
    '["hourly"]' ] || problem "schedules of fix: $OUT"
stats --since 48h --queue old --json
[ "$(json '[[q["queue"], q["runs"], q["p50_ms"]] for q in d["queues"]] + d["schedules"]' \
    <"$T/.out")" = '[["old", 1, 60000]]' ] || problem "old: $OUT"
end

begin "stats --schedule: that schedule only, no queue rows"
stats --schedule hourly
expect_rc 0
[ "$(sed -n 1p "$T/.out" | tr -s ' ')" = \
    "SCHEDULE RUNS FAILED FAIL% P50 P95 LAST-SUCCESS DEAD" ] ||
    problem "header: $OUT"
[ "$(awk 'NR == 2 { print $1, $2, $3, $4, $5, $6, $7, $8, $9 }' \
    "$T/.out")" = "hourly 1 0 0.0% 7s 7s 5d ago 0" ] || problem "row: $OUT"
[ "$(wc -l <"$T/.out")" = 2 ] || problem "more than one row: $OUT"
stats --schedule hourly --json
[ "$(json '[len(d["queues"]), len(d["schedules"])]' <"$T/.out")" = \
    '[0, 1]' ] || problem "json: $OUT"
end

begin "stats on an empty database: headers, empty arrays"
use_db "$T/empty.db"
"$JOBCTL" submit true >/dev/null 2>&1
sql 'DELETE FROM jobs'
stats --json
expect_rc 0
[ "$(json '[d["queues"], d["schedules"]]' <"$T/.out")" = '[[], []]' ] ||
    problem "$OUT"
stats
expect_rc 0
[ "$OUT" = "QUEUE  RUNS  FAILED  FAIL%  P50  P95  LAST-SUCCESS  DEAD" ] ||
    problem "$OUT"
end

# --- bad input ---------------------------------------------------------
use_db "$T/fix.db"
dbdump >"$T/dump0"
bad "stats --since bogus" 64 '--since: invalid duration "bogus"' \
    stats --since bogus
bad "stats --since 0s" 64 'longer than 0' stats --since 0s
bad "stats --since -5m" 64 '--since' stats --since -5m
bad "stats --since with nothing" 64 '--since' stats --since
bad "stats --bogus" 64 '"--bogus"' stats --bogus
bad "stats --queue ''" 64 'empty name' stats --queue ''
bad "stats extra" 64 '"extra"' stats extra
bad "stats --schedule nope" 66 'no such schedule "nope"' \
    stats --schedule nope
begin "bad: stats on a missing database: 66, not created"
run --db "$T/none.db" stats
expect_rc 66
[ ! -e "$T/none.db" ] || problem "created"
end

no_sanitizer "stats: no sanitizer report"
exit 0
