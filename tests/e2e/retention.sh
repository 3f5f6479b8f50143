# backends: sqlite postgresql
# Retention: jobd prunes finished jobs past their [retention] window, per
# state, in the background (with their attempts and idempotency keys),
# clears old output from attempts it keeps, spares a job a live rerun was
# copied from, and keeps a schedule's newest runs within schedule_runs.
# "jobctl prune" does the same on demand (--dry-run changes nothing; bad
# input changes nothing), a pruned job is "no such job (pruned?)", new
# databases are auto_vacuum = INCREMENTAL and older ones are turned so
# when they are migrated.  Time moves on a test clock ($JOBD_TEST_CLOCK).
. "$(dirname "$0")/daemon_lib.sh"
use_db "$T/ret.db"
MIN=60000
HOUR=$((60 * MIN))
DAY=$((24 * HOUR))
T0=$(now_ms)
use_test_clock "$T0"
write_conf done=1d cancelled=2d dead=3d output=1h interval=1s
HOLD=$T/hold

# Jobs in every terminal state, one with a key, one with a live rerun.
start_jobd ret1 && P=$JOBD_PID
submit -- echo chatty output && A=$ID
submit --key kb -- echo keyed && B=$ID
submit --in 1h -- echo never && C=$ID
submit --max-attempts 1 -- sh -c 'echo dying; exit 3' && D=$ID
submit -- sh -c "[ -e $HOLD ] && exec sleep 600; echo held" && X=$ID
"$JOBCTL" cancel "$C" >/dev/null 2>&1
for j in "$A:done" "$B:done" "$C:cancelled" "$D:dead" "$X:done"; do
	wait_state "${j%%:*}" "${j#*:}" 30
done
: >"$HOLD"
R=$("$JOBCTL" rerun "$X" 2>/dev/null)
wait_state "$R" running 30

begin "retention: nothing is pruned inside its window"
[ "$(sql "SELECT count(*) FROM jobs") $(sql "SELECT count(*) FROM dead_jobs")" = "5 1" ] ||
    problem "jobs/dead: $(sql "SELECT count(*) FROM jobs") $(sql "SELECT count(*) FROM dead_jobs")"
[ "$(sql "SELECT count(*) FROM attempts WHERE job_id = $A AND output IS NOT NULL")" = 1 ] ||
    problem "job $A has no output"
end

begin "retention: output older than [retention] output is cleared, the attempt stays"
setclock $((T0 + 2 * HOUR))
wait_until 15 "[ \"\$(dsql \"SELECT count(*) FROM attempts WHERE job_id = $A AND output IS NULL\")\" = 1 ]" ||
    problem "output of job $A not cleared: $(dsql "SELECT length(output) FROM attempts WHERE job_id = $A")$(died; echo "$DIED")"
[ "$(jstate "$A")" = done ] || problem "job $A is $(jstate "$A")"
end

begin "retention: done jobs past 1d are pruned with attempts and keys, others stay"
setclock $((T0 + DAY + 10 * MIN))
wait_until 15 "[ \"\$(jstate $A)\" = none ] && [ \"\$(jstate $B)\" = none ]" ||
    problem "done jobs not pruned: $A $(jstate "$A"), $B $(jstate "$B")$(died; echo "$DIED")"
[ "$(sql "SELECT count(*) FROM attempts WHERE job_id IN ($A, $B)")" = 0 ] ||
    problem "attempts of pruned jobs left"
[ "$(sql "SELECT count(*) FROM job_keys WHERE key = 'kb'")" = 0 ] ||
    problem "key kb left"
[ "$(jstate "$C")" = cancelled ] || problem "cancelled job $C is $(jstate "$C")"
[ "$(jstate "$D")" = dead ] || problem "dead job $D is $(jstate "$D")"
[ "$(jstate "$X")" = done ] ||
    problem "job $X, of which $R is a live rerun, is $(jstate "$X")"
grep -q "pruned: done 2," "$T/ret1.log" || problem "no log line: $(tail -n 2 "$T/ret1.log")"
end

begin "retention: the key of a pruned job makes a new job"
submit --key kb -- echo keyed
[ -n "$ID" ] && [ "$ID" != "$B" ] || problem "key kb gave $ID (pruned job $B)"
end

begin "retention: show, logs and wait of a pruned job say it may be pruned"
for cmd in show logs wait; do
	run "$cmd" "$A"
	expect_rc 66
	expect_err_contains "job $A: no such job (pruned?)"
done
run show 99999
expect_rc 66
expect_err_contains "no such job"
grep -q pruned "$T/.err" && problem "an id never given says pruned: $ERR"
end

begin "retention: cancelled after 2d, dead after 3d"
setclock $((T0 + 2 * DAY + 10 * MIN))
wait_until 15 "[ \"\$(jstate $C)\" = none ]" ||
    problem "cancelled job $C is $(jstate "$C")"
[ "$(jstate "$D")" = dead ] || problem "dead job $D is $(jstate "$D") at 2d"
setclock $((T0 + 3 * DAY + 10 * MIN))
wait_until 15 "[ \"\$(jstate $D)\" = none ]" ||
    problem "dead job $D is $(jstate "$D")"
[ "$(jstate "$X")" = done ] || problem "job $X is $(jstate "$X")"
end

begin "retention: SIGHUP with a bad [retention] keeps the old config"
cp "$CONF" "$T/good.conf"
printf 'bogus = 1\n' >>"$CONF"
kill -HUP "$P"
wait_until 10 "grep -q 'configuration unchanged' \"$T/ret1.log\"" ||
    problem "no 'configuration unchanged' after SIGHUP: $(tail -n 2 "$T/ret1.log")"
grep -q "jobd.conf:[0-9]*: .*bogus" "$T/ret1.log" ||
    problem "the message does not name file:line and key: $(tail -n 1 "$T/ret1.log")"
alive "$P" || problem "jobd exited"
cp "$T/good.conf" "$CONF"
end

begin "retention: a reload applies new windows at once"
sed -i 's/^done = .*/done = 0s/' "$CONF"
submit -- echo late && L=$ID
wait_state "$L" done 30
setclock $((T0 + 30 * DAY))
kill -HUP "$P"
wait_until 10 "grep -c 'SIGHUP: reloaded' \"$T/ret1.log\" | grep -q 1" ||
    problem "no reload logged"
sed -i 's/^done = .*/done = 1h/' "$CONF"
kill -HUP "$P"
wait_until 15 "[ \"\$(jstate $L)\" = none ]" ||
    problem "job $L not pruned after a reload to done = 1h: $(jstate "$L")"
end
stop_jobd "$P" 15
no_strays "retention: no strays"

# jobd refuses a bad [retention] at start: 78, FILE:LINE and the key.
for c in "keep = 1d:keep" "done = 1x:done" "dead = -1d:dead" \
    "output = 99999d:output" "schedule_runs = many:schedule_runs" \
    "interval = 0s:interval"; do
	begin "retention: jobd refuses \"${c%%:*}\" in [retention]"
	printf '[retention]\n%s\n' "${c%%:*}" >"$T/badret.conf"
	timeout 10 "$JOBD" --check-config --config "$T/badret.conf" \
	    --db "$T/never.db" >"$T/.out" 2>"$T/.err"
	RC=$?
	expect_rc 78
	expect_err_contains "$T/badret.conf:2:"
	expect_err_contains "${c#*:}"
	[ ! -e "$T/never.db" ] || problem "created the database"
	end
done

# The same on demand: jobctl prune, with a config file of its own.
JOBD_CONFIG=$T/prune.conf
export JOBD_CONFIG
cat >"$JOBD_CONFIG" <<EOF2
[retention]
done = 1d
cancelled = 1d
dead = 1d
output = 0s
schedule_runs = 2
EOF2
setclock "$T0"
sql "INSERT INTO schedules (name, cron, command, created_at, updated_at)
    VALUES ('s', '* * * * *', 'true', $T0, $T0);"
SID=$(sql "SELECT id FROM schedules WHERE name = 's'")
KB=$(sql_blob "$(printf '%02000d' 0)")	# 1000 zero bytes
for i in 1 2 3 4 5; do
	sql "INSERT INTO jobs (queue, command, state, run_at, created_at,
	    updated_at, finished_at, schedule_id, slot_at) VALUES ('default',
	    'true', 'done', $T0, $T0, $T0, $((T0 + i)), $SID, $((T0 + i * MIN)));
	    INSERT INTO attempts (job_id, attempt, owner, started_at,
	    finished_at, outcome, output) VALUES ((SELECT max(id) FROM jobs), 1,
	    'x', $T0, $((T0 + i)), 'ok', $KB);"
done

begin "prune --dry-run: prints the counts, changes nothing"
dbdump >"$T/dump0"
run prune --dry-run
expect_rc 0
expect_out_contains "would remove: done 3, cancelled 0, dead 0"
expect_out_contains "3000 output bytes"
dbdump >"$T/dump1"
expect_same "$T/dump0" "$T/dump1" "database"
end

NBAD=0
dbdump >"$T/dump0"
bad "prune: a bad duration" 64 'invalid duration "3x"' prune --older-than 3x
bad "prune: an unknown state" 64 'unknown state' prune --state gone
bad "prune: a state that is not terminal" 64 'not a terminal state' \
    prune --state running
bad "prune: pending is not terminal either" 64 'not a terminal state' \
    prune --state pending
bad "prune: an operand" 64 'unexpected argument' prune 42
printf '[retention]\ndone = 1x\n' >"$T/bad.conf"
JOBD_CONFIG=$T/bad.conf bad "prune: a bad config" 78 "bad.conf:2: done" prune
printf '[retention]\nkeep = 1d\n' >"$T/bad.conf"
JOBD_CONFIG=$T/bad.conf bad "prune: an unknown key" 78 "bad.conf:2:" prune

begin "prune: keeps the newest schedule_runs runs of a schedule"
run prune
expect_rc 0
expect_out_contains "removed: done 3, cancelled 0, dead 0"
expect_out_contains "3000 output bytes freed"
[ "$(sql "SELECT $(sql_concat "finished_at - $T0" "','") FROM (SELECT finished_at FROM jobs WHERE schedule_id = $SID ORDER BY 1) AS kept")" = "4,5" ] ||
    problem "left: $(sql "SELECT finished_at - $T0 FROM jobs WHERE schedule_id = $SID")"
[ "$(sql "SELECT count(*) FROM attempts")" = "$(sql "SELECT count(*) FROM attempts WHERE job_id IN (SELECT id FROM jobs UNION ALL SELECT id FROM dead_jobs)")" ] ||
    problem "attempts without a job left"
end

begin "prune --older-than 0s --state done: every done job but what is spared"
setclock $((T0 + HOUR))
run prune --older-than 0s --state done --json
expect_rc 0
[ "$(printf '%s' "$OUT" | json 'd["done"]')" -ge 1 ] || problem "$OUT"
[ "$(sql "SELECT count(*) FROM jobs WHERE state = 'done' AND schedule_id = $SID")" = 1 ] ||
    problem "the schedule's newest done job was not kept"
[ "$(jstate "$X")" = done ] || problem "job $X (live rerun $R) is $(jstate "$X")"
end

# How the SQLite file gives freed pages back; a database server's
# storage is the server's to manage (its own autovacuum).
CASE="vacuum: a new database is auto_vacuum = INCREMENTAL"
if ! sqlite_only "$CASE" "the file's auto_vacuum mode"; then
begin "$CASE"
[ "$(sql 'PRAGMA auto_vacuum')" = 2 ] || problem "auto_vacuum $(sql 'PRAGMA auto_vacuum')"
end
fi

CASE="vacuum: migrating an older database turns it INCREMENTAL"
if ! sqlite_only "$CASE" "a file of schema version 8 (PostgreSQL's schema \
starts at SQLite's version 19)"; then
begin "$CASE"
# A database of version 8, the one before retention, made from its own
# migrations as jobd of that version made it.
use_db "$T/old.db"
V=$(ls "$JOBD_TOP"/schema/*.sql | wc -l)
old_db 8
[ "$(sql 'PRAGMA auto_vacuum')" = 0 ] || problem "could not make an old database"
run list
expect_rc 0
[ "$(sql 'PRAGMA auto_vacuum')" = 2 ] || problem "auto_vacuum $(sql 'PRAGMA auto_vacuum') after migration"
[ "$(sql 'PRAGMA user_version')" = "$V" ] || problem "user_version $(sql 'PRAGMA user_version')"
[ "$(sql "SELECT count(*) FROM sqlite_schema WHERE name = 'attempts_output'")" = 1 ] ||
    problem "migration 009 not applied"
[ "$(sql 'PRAGMA integrity_check')" = ok ] || problem "integrity: $(sql 'PRAGMA integrity_check')"
end
fi

CASE="vacuum: prune gives the pages back to the file system"
if ! sqlite_only "$CASE" "the size and free pages of the database file"; then
begin "$CASE"
sql "INSERT INTO jobs (queue, command, state, run_at, created_at, updated_at,
    finished_at) SELECT 'default', 'true', 'done', 1, 1, 1, 1000 + value
    FROM generate_series(1, 200);
    INSERT INTO attempts (job_id, attempt, owner, started_at, finished_at,
    outcome, output) SELECT id, 1, 'x', 1, 1000, 'ok', randomblob(20000)
    FROM jobs WHERE finished_at > 1000;" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
S1=$(stat -c %s "$T/old.db")
run prune
expect_rc 0
expect_out_contains "removed: done 200,"
sql "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
S2=$(stat -c %s "$T/old.db")
[ "$S2" -lt $((S1 / 4)) ] || problem "file $S1 -> $S2 bytes"
[ "$(sql 'PRAGMA freelist_count')" -lt 256 ] || problem "free pages: $(sql 'PRAGMA freelist_count')"
end
fi
