# backends: sqlite postgresql
# jobctl status as a health check: exit 0 only while a live jobd serves
# the database; 69 when none does (none registered, dead, or its heartbeat
# late: a stopped loop); 70 when a live one does not reap expired leases;
# each problem one line on stderr and in --json's "health".  And the
# heartbeat interval a daemon promises, which says when it is late.
. "$(dirname "$0")/daemon_lib.sh"

status() {	# [jobctl options]: RC, $T/.out, $T/.err
	run status "$@"
}

write_conf
begin "health: no daemon has registered: 69, and why"
"$JOBCTL" submit -- true >/dev/null 2>&1
status
expect_rc 69
[ "$ERR" = "jobctl status: no daemon has registered with this database: jobd is not running" ] ||
    problem "stderr: $ERR"
expect_out_contains "no daemon has registered"
status --json
expect_rc 69
[ "$(json 'd["health"]' <"$T/.out")" = '{"ok": false, "exit_status": 69, "problems": ["no daemon has registered with this database: jobd is not running"]}' ] ||
    problem "json: $OUT"
end

begin "health: a live jobd: 0, nothing on stderr; it says its heartbeat interval"
start_jobd live
status
expect_rc 0
expect_err_empty
status --json
expect_rc 0
expect_err_empty
# poll_interval 1s, visibility_timeout 2s: the larger of 2s / 3 and 1s.
[ "$(json '[d["health"], [[x["pid"], x["live"], x["heartbeat_ms"]] for x in d["daemons"]]]' \
    <"$T/.out")" = "[{\"ok\": true, \"exit_status\": 0, \"problems\": []}, [[$JOBD_PID, true, 1000]]]" ] ||
    problem "json: $OUT"
end

begin "health: SIGHUP with a new poll_interval: the interval follows"
write_conf poll_interval=3s
kill -HUP "$JOBD_PID"
wait_until 10 "[ \"\$(dsql 'SELECT heartbeat_ms FROM daemons')\" = 3000 ]" ||
    problem "heartbeat_ms $(dsql 'SELECT heartbeat_ms FROM daemons')"
write_conf
kill -HUP "$JOBD_PID"
wait_until 10 "[ \"\$(dsql 'SELECT heartbeat_ms FROM daemons')\" = 1000 ]" ||
    problem "heartbeat_ms back: $(dsql 'SELECT heartbeat_ms FROM daemons')"
end

# A stopped loop stops its heartbeat: late after 2 x 1 s + 10 s.
begin "health: jobd stopped (SIGSTOP): 69 once its heartbeat is late; 0 again after SIGCONT"
kill -STOP "$JOBD_PID"
wait_until 30 "\"\$JOBCTL\" status >/dev/null 2>&1; [ \$? = 69 ]" ||
    problem "still not 69 after 30 s"
status
expect_rc 69
expect_err_contains "(pid $JOBD_PID on "
expect_err_contains "is late: its last heartbeat was"
expect_err_contains "more than the 12s it allows; it is stopped or stuck"
[ "$(wc -l <"$T/.err")" = 1 ] || problem "stderr: $ERR"
# The table still shows it as a process that exists.
grep -E "^[^ ]+ +[^ ]+ +$JOBD_PID +up " "$T/.out" >/dev/null ||
    problem "table: $OUT"
status --json
[ "$(json '[d["health"]["exit_status"], [x["live"] for x in d["daemons"]]]' \
    <"$T/.out")" = '[69, [false]]' ] || problem "json: $OUT"
kill -CONT "$JOBD_PID"
wait_until 15 "\"\$JOBCTL\" status >/dev/null 2>&1" ||
    problem "not 0 within 15 s of SIGCONT"
end

begin "health: jobd killed (SIGKILL): 69, it is dead"
kill -KILL "$JOBD_PID"
reap_jobd "$JOBD_PID" 5
status
expect_rc 69
[ "$ERR" = "jobctl status: daemon $(dsql 'SELECT instance FROM daemons') (pid $JOBD_PID) is dead: no such jobd runs on this host" ] ||
    problem "stderr: $ERR"
end

begin "health: jobd started again: 0; stopped (SIGTERM): 69, none registered"
start_jobd live2
status
expect_rc 0
expect_err_empty
stop_jobd "$JOBD_PID" 10
status
expect_rc 69
expect_err_contains "no daemon has registered"
end

# jobd and jobctl on one test clock a day ahead (a frozen "now": jobd's
# heartbeat stays as fresh as it was), jobd stopped; a running job whose
# lease expired an hour before that "now": live daemons, and no reaper.
begin "health: a lease expired long ago and not reclaimed: 70; reaped after SIGCONT: 0"
use_db "$T/stuck.db"
CLOCK=$T/clock
echo $(($(now_ms) + 86400000)) >"$CLOCK"
NOW=$(cat "$CLOCK")
export JOBD_TEST_CLOCK=$CLOCK
start_jobd stuck
kill -STOP "$JOBD_PID"
submit -- true
dsql "UPDATE jobs SET state = 'running', attempts = 1, lease_owner = 'ghost',
    lease_expires_at = $NOW - 3600000 WHERE id = $ID;
    INSERT INTO attempts (job_id, attempt, owner, started_at)
    VALUES ($ID, 1, 'ghost', $NOW - 3700000)"
status
expect_rc 70
[ "$ERR" = "jobctl status: 1 running job has a lease that expired more than 12s ago and that no daemon reclaimed (the oldest: job $ID): the live daemons do not reap" ] ||
    problem "stderr: $ERR"
status --json
[ "$(json '[d["health"]["ok"], d["health"]["exit_status"], len(d["health"]["problems"])]' \
    <"$T/.out")" = '[false, 70, 1]' ] || problem "json: $OUT"
# Expired, but not long enough: no problem.
dsql "UPDATE jobs SET lease_expires_at = $NOW - 5000 WHERE id = $ID"
status
[ "$RC" = 0 ] || problem "a lease 5 s expired: exit $RC: $ERR"
dsql "UPDATE jobs SET lease_expires_at = $NOW - 3600000 WHERE id = $ID"
kill -CONT "$JOBD_PID"
# Reaped as lost and retried after its backoff (full jitter: maybe none):
# move the clock past it.
wait_until 30 "[ \"\$(jstate $ID)\" != running ]" ||
    problem "job $ID still running 30 s after SIGCONT"
echo $((NOW + 1000)) >"$CLOCK.new" && mv "$CLOCK.new" "$CLOCK"
wait_state "$ID" done 30
[ "$(dsql "SELECT $(sql_concat outcome "','") FROM (SELECT outcome
    FROM attempts WHERE job_id = $ID ORDER BY attempt) a")" = "lost,ok" ] ||
    problem "attempts: $(dsql "SELECT outcome FROM attempts
    WHERE job_id = $ID ORDER BY attempt" | tr '\n' ' ')"
status
expect_rc 0
expect_err_empty
stop_jobd "$JOBD_PID" 10
unset JOBD_TEST_CLOCK
end

no_sanitizer "health: no sanitizer report"
exit 0
