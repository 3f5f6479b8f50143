# backends: sqlite postgresql
# The operator's everyday: submit --at in at(1)'s forms, list filters,
# rerun, schedule set and the LAST columns of schedule list.  jobctl reads
# the test clock ($JOBD_TEST_CLOCK: a file holding UTC ms), so every
# relative time here has a fixed "now".
. "$(dirname "$0")/daemon_lib.sh"

CLOCK=$T/clock
export JOBD_TEST_CLOCK=$CLOCK
setclock() { echo "$1" >"$CLOCK.new" && mv "$CLOCK.new" "$CLOCK"; }
# Wednesday 2026-03-04 10:00 EST; DST starts on Sunday 2026-03-08.
NOW=1772636400000
setclock $NOW
export TZ=America/New_York

# --- submit --at: at(1)'s everyday forms --------------------------------
use_db "$T/at.db"
at_is() {	# form expected-run_at
	begin "submit --at \"$1\" runs at $2"
	run submit --at "$1" true
	expect_rc 0
	[ "$RC" -ne 0 ] || [ "$(field "$OUT" 'd["run_at"]')" = "$2" ] ||
	    problem "run_at $(field "$OUT" 'd["run_at"]'), expected $2"
	end
}
at_is "23:00"		2026-03-05T04:00:00.000Z
at_is "09:00"		2026-03-05T14:00:00.000Z
at_is "tomorrow 03:00"	2026-03-05T08:00:00.000Z
at_is "now + 2 hours"	2026-03-04T17:00:00.000Z
at_is "noon"		2026-03-04T17:00:00.000Z
at_is "midnight"	2026-03-05T05:00:00.000Z
at_is "friday 09:00"	2026-03-06T14:00:00.000Z
at_is "wednesday 11:00"	2026-03-11T15:00:00.000Z
at_is "3pm"		2026-03-04T20:00:00.000Z

dbdump >"$T/dump0"
bad "--at tomorrow 25:00" 64 'hour 25 is out of range' \
    submit --at "tomorrow 25:00" true
bad "--at with a bare number" 64 'ambiguous' submit --at 3 true
bad "--at 12pm" 64 '12pm is ambiguous' submit --at 12pm true
bad "--at a day without a time" 64 'needs a time of day' \
    submit --at tomorrow true
bad "--at months" 64 'ambiguous' submit --at "now + 1 month" true
bad "--at in a DST gap" 64 'does not exist' \
    submit --at "sunday 02:30" true
bad "--at next friday" 64 '"next"' submit --at "next friday 09:00" true

# --- a daemon on the test clock, a schedule file, a crontab -------------
use_db "$T/jobs.db"
SD=$T/sched
mkdir -p "$SD"
write_conf workers=2
sed -i "/^\[jobd\]\$/a schedules_dir = $SD" "$CONF"
printf '[from-file]\ncron = 0 4 * * *\ntz = UTC\ncommand = echo file\n' \
    >"$SD/site.conf"
chmod 644 "$SD/site.conf"
printf '0 5 * * * echo tab\n' >"$T/crontab"
"$JOBCTL" import-crontab --user "$(id -un)" --name tab "$T/crontab" \
    >"$T/import.out" 2>&1 || info "import-crontab: $(cat "$T/import.out")"
start_jobd jobd
sched_id() { sql "SELECT id FROM schedules WHERE name = '$1'"; }
wait_until 10 '[ -n "$(sched_id from-file)" ]' ||
    fail "schedule file synced" "jobd did not sync it"

# --- rerun ---------------------------------------------------------------
begin "rerun of a done job: a new job, same command and options, linked"
submit --key once --queue q1 --priority 3 --timeout 1m --env A=b -- \
    echo hello && ORIG=$ID
wait_state "$ORIG" done 20
run rerun "$ORIG"
expect_rc 0
NEW=$OUT
expect_err_contains "is a rerun of job $ORIG"
[ "$NEW" -gt "$ORIG" ] 2>/dev/null || problem "new id \"$NEW\""
field "$NEW" '[d["command"], d["queue"], d["priority"], d["timeout_ms"],
    d["env"], d["idempotency_key"], d["rerun_of"]]' >"$T/got"
echo '["echo hello", "q1", 3, 60000, {"A": "b"}, null, '"$ORIG"']' \
    >"$T/want"
expect_same "$T/want" "$T/got" "the rerun's fields"
[ "$(field "$ORIG" 'd["reruns"]')" = "[$NEW]" ] ||
    problem "original's reruns: $(field "$ORIG" 'd["reruns"]')"
run show "$NEW"
grep -q "^rerun of: *$ORIG\$" "$T/.out" || problem "no \"rerun of $ORIG\""
run show "$ORIG"
grep -q "^reruns: *$NEW\$" "$T/.out" || problem "no \"reruns: $NEW\""
wait_state "$NEW" done 20
end

begin "rerun of a dead job, whose rerun dies too and keeps its link"
submit --max-attempts 1 -- 'exit 3' && DEAD=$ID
wait_state "$DEAD" dead 20
run rerun "$DEAD"
expect_rc 0
DNEW=$OUT
wait_state "$DNEW" dead 20
[ "$(field "$DNEW" 'd["rerun_of"]')" = "$DEAD" ] ||
    problem "dead rerun's rerun_of: $(field "$DNEW" 'd["rerun_of"]')"
[ "$(field "$DEAD" 'd["reruns"]')" = "[$DNEW]" ] ||
    problem "dead original's reruns: $(field "$DEAD" 'd["reruns"]')"
"$JOBCTL" dead retry "$DNEW" >/dev/null 2>&1
wait_state "$DNEW" dead 20
[ "$(field "$DNEW" 'd["rerun_of"]')" = "$DEAD" ] ||
    problem "dead retry lost rerun_of"
end

begin "rerun of a cancelled job"
submit --at "tomorrow 03:00" -- echo later && CAN=$ID
"$JOBCTL" cancel "$CAN" >/dev/null
run rerun "$CAN"
expect_rc 0
CNEW=$OUT
[ "$(field "$CNEW" 'd["rerun_of"]')" = "$CAN" ] || problem "not linked"
wait_state "$CNEW" done 20
end

submit --at "tomorrow 03:00" -- echo pending && PEND=$ID
dbdump >"$T/dump0"
bad "rerun of a pending job" 1 "job $PEND is pending" rerun "$PEND"
bad "rerun of a missing job" 66 "no such job" rerun 999999
bad "rerun of a bad id" 64 '"x1"' rerun x1
bad "rerun without an id" 64 "expected one job id" rerun

# --- schedule list: LAST and LAST OK ------------------------------------
"$JOBCTL" schedule add last --cron '0 6 * * *' --tz UTC --max-attempts 1 \
    -- "test -e $T/ok" >/dev/null 2>&1
begin "schedule list: LAST and LAST OK after a failing run"
run schedule run last
expect_rc 0
LAST1=$OUT
wait_state "$LAST1" dead 20
run schedule list
expect_rc 0
expect_out_contains "LAST OK"
grep -E '^last +yes .*dead \(exit 1\) +- +cli' "$T/.out" >/dev/null ||
    problem "last row: $(grep '^last ' "$T/.out")"
run schedule list --json
grep '"name":"last"' "$T/.out" | json '[d["last_job_id"], d["last_state"],
    d["last_exit_code"], d["last_ok_job_id"], d["last_ok_at"]]' >"$T/got"
echo "[$LAST1, \"dead\", 1, null, null]" >"$T/want"
expect_same "$T/want" "$T/got" "schedule list --json after a failure"
end

begin "schedule list: LAST and LAST OK after a succeeding run"
touch "$T/ok"
run schedule run last
LAST2=$OUT
wait_state "$LAST2" done 20
run schedule list
grep -E '^last +yes .* (now|[0-9]+s ago) done +(now|[0-9]+s ago) +cli' \
    "$T/.out" >/dev/null || problem "last row: $(grep '^last ' "$T/.out")"
run schedule list --json
grep '"name":"last"' "$T/.out" | json '[d["last_job_id"], d["last_state"],
    d["last_ok_job_id"], d["last_ok_at"] is not None]' >"$T/got"
echo "[$LAST2, \"done\", $LAST2, true]" >"$T/want"
expect_same "$T/want" "$T/got" "schedule list --json after a success"
run schedule show last
expect_out_contains "last result:"
expect_out_contains "last success:"
end

# --- list filters --------------------------------------------------------
ids() {
	python3 -c 'import json, sys
print(" ".join(str(json.loads(l)["id"]) for l in sys.stdin))' <"$T/.out"
}
begin "list --state with several states"
run list --state done,dead --json
expect_rc 0
GOT=$(ids)
for id in "$ORIG" "$NEW" "$DEAD" "$DNEW" "$LAST1" "$LAST2"; do
	case " $GOT " in *" $id "*) ;; *) problem "$id not listed: $GOT";; esac
done
for id in "$PEND" "$CAN"; do
	case " $GOT " in *" $id "*) problem "$id listed: $GOT";; esac
done
run list --state pending,cancelled --json
[ "$(ids)" = "$PEND $CAN" ] || problem "pending,cancelled: $(ids)"
end

begin "list --schedule"
run list --schedule last --json
[ "$(ids)" = "$LAST2 $LAST1" ] || problem "--schedule last: $(ids)"
run list --schedule last --state dead --json
[ "$(ids)" = "$LAST1" ] || problem "--schedule last --state dead: $(ids)"
run list --schedule from-file --json
expect_rc 0
[ "$(ids)" = "" ] || problem "--schedule from-file: $(ids)"
end

begin "list --since"
setclock $((NOW + 3600000))
submit --at "tomorrow 03:00" -- echo later1 && L1=$ID
submit --at "tomorrow 03:00" -- echo later2 && L2=$ID
run list --since "now + 1 minute" --json
[ "$(ids)" = "" ] || problem "--since now + 1 minute: $(ids)"
run list --since 30m --json
[ "$(ids)" = "$L2 $L1" ] || problem "--since 30m: $(ids)"
run list --since "2026-03-04 10:30" --state pending,running --json
[ "$(ids)" = "$L2 $L1" ] || problem "--since 10:30: $(ids)"
end

dbdump >"$T/dump0"
bad "list --state with a bad state" 64 '"bogus" is not a state' \
    list --state pending,bogus
bad "list --state with an empty state" 64 'is not a state' \
    list --state pending,
bad "list --schedule unknown" 66 'no such schedule "nosuch"' \
    list --schedule nosuch
bad "list --since a bad time" 64 'hour 25' list --since "tomorrow 25:00"

# --- schedule set ----------------------------------------------------------
"$JOBCTL" schedule add five --cron '*/5 * * * *' --tz UTC -- echo five \
    >/dev/null 2>&1
FIVE=$(sched_id five)
begin "schedule set keeps the id, the ledger and the next run"
# The clock is on a multiple of 5 minutes: the next slot is 5 minutes on.
setclock $((NOW + 3600000 + 300000 + 500))
wait_until 20 '[ "$(sql "SELECT count(*) FROM schedule_slots
    WHERE schedule_id = $FIVE")" = 1 ]' || problem "no slot fired"
LEDGER=$(sql "SELECT slot_at, job_id FROM schedule_slots
    WHERE schedule_id = $FIVE")
wait_until 20 '[ "$(sql "SELECT next_run_at FROM schedules
    WHERE id = $FIVE")" = $((NOW + 3600000 + 600000)) ]' ||
    problem "next run not moved on"
NEXT=$(sql "SELECT next_run_at FROM schedules WHERE id = $FIVE")
run schedule set five --priority 7 --timeout 2m --overlap allow
expect_rc 0
expect_out_contains "five updated"
[ "$(sql "SELECT id, priority, timeout_ms, overlap, next_run_at, cron
    FROM schedules WHERE name = 'five'")" = \
    "$FIVE|7|120000|allow|$NEXT|*/5 * * * *" ] ||
    problem "after set: $(sql "SELECT * FROM schedules WHERE name = 'five'")"
[ "$(sql "SELECT slot_at, job_id FROM schedule_slots
    WHERE schedule_id = $FIVE")" = "$LEDGER" ] || problem "ledger changed"
end

begin "schedule set: a new cron expression and zone move the next run"
run schedule set five --cron '0 3 * * *' --tz Europe/Berlin --unset timeout \
    -- echo changed
expect_rc 0
expect_err_contains "next run at 2026-03-05T03:00:00+01:00"
[ "$(sql "SELECT id, cron, tz, command, CAST(timeout_ms IS NULL AS int), priority,
    next_run_at FROM schedules WHERE name = 'five'")" = \
    "$FIVE|0 3 * * *|Europe/Berlin|echo changed|1|7|1772676000000" ] ||
    problem "after set: $(sql "SELECT * FROM schedules WHERE name = 'five'")"
[ "$(sql "SELECT slot_at, job_id FROM schedule_slots
    WHERE schedule_id = $FIVE")" = "$LEDGER" ] || problem "ledger changed"
run schedule edit five --unset tz
expect_rc 0
[ "$(sql "SELECT CAST(tz IS NULL AS int) FROM schedules WHERE name = 'five'")" = 1 ] ||
    problem "edit --unset tz"
end

dbdump >"$T/dump0"
bad "schedule set on a schedule file's schedule" 1 "edit it there" \
    schedule set from-file --priority 1
TAB=$(sql "SELECT name FROM schedules WHERE source LIKE 'crontab:%'")
bad "schedule set on an imported crontab's" 1 "import-crontab again" \
    schedule set "${TAB:-tab}" --priority 1
bad "schedule set on no schedule" 66 'no such schedule "nosuch"' \
    schedule set nosuch --priority 1
bad "schedule set with nothing to change" 64 "nothing to change" \
    schedule set five
bad "schedule set with a bad cron" 65 "61" \
    schedule set five --cron '61 * * * *'
bad "schedule set with an unknown zone" 65 "Mars/Base" \
    schedule set five --tz Mars/Base
bad "schedule set --unset unknown" 64 'invalid --unset "color"' \
    schedule set five --unset color
bad "schedule set both given and unset" 64 "both given and --unset" \
    schedule set five --timeout 1m --unset timeout

stop_jobd "$JOBD_PID"
