# backends: sqlite postgresql
# Queues as objects: jobctl queue list|show|set|pause|resume on a real
# database; one rule for queue names; bad settings refused with 64 and
# the database unchanged; a queue whose settings jobd.conf owns refuses
# jobctl queue set; max_pending refuses submissions with 75 (a batch as a
# whole) and cron slots are skipped with the reason; a queue's job
# defaults are inherited by its jobs; [queue NAME] in jobd.conf is synced
# at start and on SIGHUP.
. "$(dirname "$0")/daemon_lib.sh"
use_db "$T/q.db"

"$JOBCTL" submit -q mail -- true >/dev/null
"$JOBCTL" submit -q mail -- true >/dev/null
"$JOBCTL" submit -q batch -- true >/dev/null

begin "queue list: every queue that has jobs, with its counts"
run queue list
expect_rc 0
printf '%s\n' "$OUT" | grep -Eq '^mail +no +2 +0 ' || problem "mail: $OUT"
printf '%s\n' "$OUT" | grep -Eq '^batch +no +1 +0 ' || problem "batch: $OUT"
end

begin "queue set: limits and defaults, shown by show and list"
run queue set mail --concurrency 2 --rate 10/1s --weight 3 \
    --max-pending 50 --max-running-per-user 1 --max-attempts 2 \
    --timeout 1m --backoff 2s,1h
expect_rc 0
run queue show mail
expect_rc 0
for l in "concurrency: +2" "rate: +10/1s" "weight: +3" "max_pending: +50" \
    "max_running_per_user: +1" "max_attempts: +2" "timeout: +1m" \
    "backoff: +2s" "backoff_max: +1h" "paused: +no" "pending: +2"; do
	printf '%s\n' "$OUT" | grep -Eq "^$l\$" || problem "show lacks $l: $OUT"
done
[ "$(sql "SELECT concurrency, rate_n, rate_period_ms, weight, max_pending,
    max_running_per_user, max_attempts, timeout_ms, backoff_ms,
    backoff_max_ms, source FROM queues WHERE name = 'mail'")" = \
    "2|10|1000|3|50|1|2|60000|2000|3600000|cli" ] ||
    problem "row: $(sql "SELECT * FROM queues WHERE name = 'mail'")"
run --json queue show mail
[ "$(printf '%s' "$OUT" | json 'd["rate"]["period_ms"], d["weight"], d["pending"]')" = \
    "[1000, 3, 2]" ] || problem "json: $OUT"
run queue list
printf '%s\n' "$OUT" | grep -Eq '^mail +no +2 +0 +2 +10/1s +3 +50 +1$' ||
    problem "list: $OUT"
run --json queue list
[ "$(printf '%s\n' "$OUT" | wc -l)" = 2 ] || problem "json lines: $OUT"
end

begin "queue set: none unsets, others stay; a queue may have settings before jobs"
run queue set mail --concurrency none --backoff none
expect_rc 0
[ "$(sql "SELECT CAST(concurrency IS NULL AS int),
    CAST(backoff_ms IS NULL AS int), CAST(backoff_max_ms IS NULL AS int),
    weight FROM queues WHERE name = 'mail'")" = \
    "1|1|1|3" ] || problem "row: $(sql "SELECT * FROM queues")"
run queue set fresh --weight 5
expect_rc 0
run queue list
printf '%s\n' "$OUT" | grep -Eq '^fresh +no +0 +0 ' || problem "list: $OUT"
run __complete queues
expect_out_contains fresh
end

begin "queue pause/resume: kept in the database, shown by status and list"
run queue pause batch
expect_rc 0
[ "$(sql "SELECT paused FROM queues WHERE name = 'batch'")" = 1 ] ||
    problem "not paused"
run status
expect_out_contains "paused queues: batch"
run --json status
[ "$(printf '%s' "$OUT" | json 'd["paused_queues"]')" = '["batch"]' ] ||
    problem "status json: $OUT"
run queue list
printf '%s\n' "$OUT" | grep -Eq '^batch +yes ' || problem "list: $OUT"
run queue pause batch
expect_rc 0
expect_err_contains "already paused"
run queue resume batch
expect_rc 0
run status
grep -q 'paused queues' "$T/.out" && problem "still shown paused: $OUT"
end

dbdump >"$T/dump0"
bad "queue name --"		64 'invalid queue "--"'	submit --queue -- true
bad "queue set bad name"	64 'invalid queue ".x"'	queue set .x --weight 2
bad "queue set reserved name"	64 'invalid queue "jobd.notify"' \
    queue set jobd.notify --weight 2
bad "queue pause bad name"	64 'invalid queue "a/b"' queue pause a/b
bad "rate 0/1s"			64 '"0/1s"'	queue set mail --rate 0/1s
bad "rate 5/0s"			64 '"5/0s"'	queue set mail --rate 5/0s
bad "rate 5"			64 '"5"'	queue set mail --rate 5
bad "concurrency -1"		64 '"-1"'	queue set mail --concurrency -1
bad "concurrency 0"		64 '"0"'	queue set mail --concurrency 0
bad "weight 0"			64 '--weight "0"' queue set mail --weight 0
bad "weight 1001"		64 '--weight "1001"' queue set mail --weight 1001
bad "weight none"		64 '--weight "none"' queue set mail --weight none
bad "max-pending -1"		64 '"-1"'	queue set mail --max-pending -1
bad "max-attempts 0"		64 '"0"'	queue set mail --max-attempts 0
bad "timeout bogus"		64 '"bogus"'	queue set mail --timeout bogus
bad "backoff max below base"	64 '"5s,1s"'	queue set mail --backoff 5s,1s
bad "unknown queue option"	64 '--frob'	queue set mail --frob 1
bad "queue set with nothing"	64 'nothing to set' queue set mail
bad "unknown queue sub-command"	64 '"frob"'	queue frob
bad "queue show no such queue"	66 'no queue "nope"' queue show nope

# max_pending: backpressure.
"$JOBCTL" queue set tight --max-pending 2 >/dev/null
"$JOBCTL" queue pause tight >/dev/null
"$JOBCTL" submit -q tight -- true >/dev/null
"$JOBCTL" submit -q tight -- true >/dev/null
dbdump >"$T/dump0"
bad "max_pending: a submission to a full queue" 75 \
    'queue "tight" is full: 2 pending, max_pending 2' submit -q tight -- true
"$JOBCTL" queue set tight --max-pending 4 >/dev/null
dbdump >"$T/dump0"
printf 'true\ntrue\ntrue\n' >"$T/three"
STDIN=$T/three bad "max_pending: a batch that would overfill is refused whole" \
    75 'queue "tight" is full: 2 pending, max_pending 4 (this submission adds 3)' \
    submit --batch -q tight
begin "max_pending: a batch that fits is accepted; other queues are not limited"
printf 'true\ntrue\n' | "$JOBCTL" submit --batch -q tight >"$T/.b" 2>&1 ||
    problem "batch of 2: $(cat "$T/.b")"
[ "$(sql "SELECT n FROM metric_jobs WHERE queue = 'tight'
    AND state = 'pending'")" = 4 ] || problem "pending: $(sql "SELECT * FROM metric_jobs")"
run submit -q loose -- true
expect_rc 0
end
# Rerun and dead retry add pending jobs too: a full queue refuses them.
# A job that ended and two that died, as jobd leaves them.
"$JOBCTL" queue set brim --max-pending 1 >/dev/null
"$JOBCTL" queue pause brim >/dev/null
"$JOBCTL" submit -q brim -- true >/dev/null
sql "INSERT INTO jobs (id, queue, command, state, run_at, created_at,
    updated_at, finished_at) VALUES (900, 'brim', 'true', 'done', 1, 1, 1, 1);
    INSERT INTO dead_jobs (id, queue, command, priority, run_at, attempts,
    max_attempts, timeout_ms, backoff_ms, backoff_max_ms, created_at,
    updated_at, dead_at, reason) SELECT value, 'brim', 'false', 0, 1, 1, 1,
    0, 0, 0, 1, 1, 1, 'exit 1' FROM (SELECT 901 AS value UNION ALL
    SELECT 902) AS ids;"
dbdump >"$T/dump0"
bad "max_pending: rerun into a full queue" 75 \
    'queue "brim" is full: 1 pending, max_pending 1' rerun 900
bad "max_pending: dead retry into a full queue" 75 \
    'queue "brim" is full: 1 pending, max_pending 1' dead retry 901
bad "max_pending: dead retry --all is refused whole" 75 \
    'queue "brim" is full: 1 pending, max_pending 1 (this submission adds 2)' \
    dead retry --all
"$JOBCTL" queue set brim --max-pending 3 >/dev/null
begin "max_pending: a dead retry that fits is accepted"
run dead retry 901 902
expect_rc 0
[ "$(sql "SELECT count(*) FROM jobs WHERE queue = 'brim'
    AND state = 'pending'")" = 3 ] ||
    problem "pending: $(sql "SELECT * FROM metric_jobs")"
end
dbdump >"$T/dump0"
bad "max_pending: rerun when the retries filled the queue" 75 \
    'queue "brim" is full: 3 pending, max_pending 3' rerun 900
# On a test clock (daemon_lib.sh), from 2026-06-01T00:00:30Z.
T0=1780272000000
use_test_clock $((T0 + 30000))
"$JOBCTL" schedule add tightly --cron '*/5 * * * *' -q tight -- true >/dev/null
dbdump >"$T/dump0"
bad "max_pending: schedule run on a full queue" 75 'queue "tight" is full' \
    schedule run tightly

begin "max_pending: a cron slot that finds its queue full is skipped, with the reason"
write_conf poll_interval=100ms
start_jobd full1 && P=$JOBD_PID
setclock $((T0 + 5 * 60000 + 1000))
wait_until 10 "[ \"\$(dsql \"SELECT count(*) FROM schedule_slots\")\" -ge 1 ]" ||
    problem "no slot recorded"
R=$(dsql "SELECT outcome || ' ' || reason FROM schedule_slots")
[ "$R" = 'skipped queue "tight" is full: 4 pending, max_pending 4' ] ||
    problem "slot: $R"
[ "$(dsql "SELECT count(*) FROM jobs WHERE schedule_id IS NOT NULL")" = 0 ] ||
    problem "a job was made"
[ "$(dsql "SELECT value FROM metric_counters WHERE name = 'slots_skipped'")" = 1 ] ||
    problem "slots_skipped: $(dsql "SELECT * FROM metric_counters")"
stop_jobd "$P"
end

# [queue NAME] in jobd.conf: written into the database at start and on
# SIGHUP; jobctl queue set refuses such a queue; pause stays jobctl's.
write_conf poll_interval=100ms
cp "$CONF" "$T/base.conf"
cat >>"$CONF" <<'EOF2'

[queue cfgq]
concurrency = 3
rate = 100/1m
weight = 7
max_pending = none
max_running_per_user = 2
max_attempts = 4
timeout = 10m
backoff = 5s
backoff_max = 2m
EOF2
begin "[queue NAME]: jobd writes it into the database at start"
start_jobd conf1 && P=$JOBD_PID
[ "$(sql "SELECT concurrency, rate_n, rate_period_ms, weight,
    CAST(max_pending IS NULL AS int), max_running_per_user, max_attempts, timeout_ms,
    backoff_ms, backoff_max_ms, source FROM queues WHERE name = 'cfgq'")" = \
    "3|100|60000|7|1|2|4|600000|5000|120000|config" ] ||
    problem "row: $(sql "SELECT * FROM queues WHERE name = 'cfgq'")"
run queue show cfgq
expect_out_contains "jobd.conf"
end
dbdump >"$T/dump0"
bad "queue set on a queue jobd.conf owns" 78 'jobd.conf ([queue cfgq])' \
    queue set cfgq --weight 2
begin "[queue NAME]: pause is still jobctl's"
run queue pause cfgq
expect_rc 0
[ "$(sql "SELECT paused FROM queues WHERE name = 'cfgq'")" = 1 ] ||
    problem "not paused"
end

begin "[queue NAME]: SIGHUP applies a change; a queue left out loses its settings, not its pause"
{ cat "$T/base.conf"; printf '\n[queue other]\nconcurrency = 1\n'; } >"$CONF"
kill -HUP "$P"
wait_until 10 "[ \"\$(sql \"SELECT source FROM queues WHERE name = 'cfgq'\")\" = cli ]" ||
    problem "cfgq still: $(sql "SELECT * FROM queues WHERE name = 'cfgq'")"
[ "$(sql "SELECT paused, CAST(concurrency IS NULL AS int),
    CAST(rate_n IS NULL AS int), weight, CAST(max_attempts IS NULL AS int)
    FROM queues WHERE name = 'cfgq'")" = "1|1|1|1|1" ] ||
    problem "cfgq: $(sql "SELECT * FROM queues WHERE name = 'cfgq'")"
[ "$(sql "SELECT concurrency, source FROM queues WHERE name = 'other'")" = \
    "1|config" ] || problem "other: $(sql "SELECT * FROM queues WHERE name = 'other'")"
run queue set cfgq --weight 2
expect_rc 0
end

begin "[queue NAME]: a bad file on SIGHUP keeps the old settings"
{ cat "$T/base.conf"; printf '\n[queue other]\nconcurrency = 0\n'; } >"$CONF"
dbdump >"$T/hup0"
N=$(grep -c 'SIGHUP' "$T/conf1.log")
kill -HUP "$P"
wait_until 10 "[ \$(grep -c 'SIGHUP' '$T/conf1.log') -gt $N ]" ||
    problem "nothing logged"
grep -q 'configuration unchanged' "$T/conf1.log" || problem "log: $(tail -n 2 "$T/conf1.log")"
[ "$(sql "SELECT concurrency, source FROM queues WHERE name = 'other'")" = \
    "1|config" ] || problem "other: $(sql "SELECT * FROM queues WHERE name = 'other'")"
end
stop_jobd "$P"

# jobd refuses a bad [queue NAME] at start: 78, FILE:LINE and what.
for c in "[queue a]|frob = 1|frob" "[queue a]|concurrency = 0|concurrency" \
    "[queue a]|rate = 5/0s|rate" "[queue a]|rate = 0/1s|rate" \
    "[queue a]|weight = 1001|weight" "[queue a]|max_pending = -1|max_pending" \
    "[queue a]|backoff = 1s,1m|backoff_max" "[queue a]|paused = 1|paused" \
    "[queue --]|weight = 2|invalid queue name" \
    "[queue jobd.notify]|weight = 2|reserved" \
    "[queue a]|weight = 2\nweight = 3|duplicate key" \
    "[queue a]|weight = 2\n[queue a]|repeated" \
    "[queue a]|backoff = 1m\nbackoff_max = 1s|backoff_max"; do
	sec=${c%%|*} rest=${c#*|}
	key=${rest%|*} want=${rest##*|}
	begin "[queue NAME]: jobd refuses \"$sec $(printf '%s' "$key" | sed 's/\\n/; /g')\""
	printf '%s\n%b\n' "$sec" "$key" >"$T/badq.conf"
	timeout 10 "$JOBD" --check-config --config "$T/badq.conf" \
	    --db "$T/never.db" >"$T/.out" 2>"$T/.err"
	RC=$?
	expect_rc 78
	expect_err_contains "$T/badq.conf:"
	expect_err_contains "$want"
	[ ! -e "$T/never.db" ] || problem "created the database"
	end
done
begin "[queue NAME]: jobd --check-config prints the sections"
printf '[queue a]\nrate = 10/1s\n' >"$T/goodq.conf"
timeout 10 "$JOBD" --check-config --config "$T/goodq.conf" --db "$T/never.db" \
    >"$T/.out" 2>"$T/.err"
RC=$?
expect_rc 0
expect_out_contains "[queue a]"
expect_out_contains "rate = 10/1s"
end

# A queue's job defaults: a job that does not set its own inherits them,
# before jobd.conf's [job] (max_attempts = 5 here); its own win.  On
# the real clock: retries wait for their back-off.
unset JOBD_TEST_CLOCK
write_conf poll_interval=100ms
"$JOBCTL" queue set once --max-attempts 1 >/dev/null
"$JOBCTL" queue set quick --timeout 300ms --max-attempts 1 >/dev/null
start_jobd defaults1 && P=$JOBD_PID
begin "queue defaults: max_attempts 1 makes a failing job dead after one attempt"
submit -q once -- false && A=$ID
wait_state "$A" dead 20
[ "$(dsql "SELECT attempts FROM dead_jobs WHERE id = $A")" = 1 ] ||
    problem "attempts: $(dsql "SELECT attempts FROM dead_jobs WHERE id = $A")"
end
begin "queue defaults: a job's own --max-attempts wins"
submit -q once --max-attempts 3 -- false && B=$ID
wait_state "$B" dead 30
[ "$(dsql "SELECT attempts FROM dead_jobs WHERE id = $B")" = 3 ] ||
    problem "attempts: $(dsql "SELECT attempts FROM dead_jobs WHERE id = $B")"
end
begin "queue defaults: the queue's timeout stops a job that sets none"
submit -q quick -- sleep 30 && C=$ID
wait_state "$C" dead 20
[ "$(dsql "SELECT outcome FROM attempts WHERE job_id = $C")" = timeout ] ||
    problem "outcome: $(dsql "SELECT outcome FROM attempts WHERE job_id = $C")"
end
begin "queue defaults: a schedule's jobs inherit them too"
"$JOBCTL" schedule add oncesched --cron '@daily' -q once -- false >/dev/null
R=$("$JOBCTL" schedule run oncesched 2>/dev/null)
[ -n "$R" ] && wait_state "$R" dead 20
[ "$(dsql "SELECT attempts FROM dead_jobs WHERE id = ${R:-0}")" = 1 ] ||
    problem "job ${R:-?}: $(dsql "SELECT attempts FROM dead_jobs WHERE id = ${R:-0}")"
end
stop_jobd "$P"
