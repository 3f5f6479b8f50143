# backends: sqlite postgresql
# jobd and cron schedules, on a test clock ($JOBD_TEST_CLOCK: a file
# holding the current UTC ms, which jobd and jobctl read for "now"):
# exactly one job per slot across restarts, each catch-up policy after
# downtime, each overlap policy with a long-running job, @reboot.
. "$(dirname "$0")/daemon_lib.sh"

CLOCK=$T/clock
export JOBD_TEST_CLOCK=$CLOCK
T0=1780272000000		# 2026-06-01T00:00:00Z
MIN=60000
HOUR=3600000
# Written aside and renamed: jobd never reads half a number.
setclock() { echo "$1" >"$CLOCK.new" && mv "$CLOCK.new" "$CLOCK"; }
setclock $((T0 + 30000))

# poll_interval is how often jobd looks at the clock when idle.
write_conf poll_interval=100ms
export JOBD_DB="$DB"

njobs() {	# schedule name: its jobs, live and dead
	dsql "SELECT (SELECT count(*) FROM jobs j JOIN schedules s
	    ON s.id = j.schedule_id WHERE s.name = '$1') +
	    (SELECT count(*) FROM dead_jobs d JOIN schedules s
	    ON s.id = d.schedule_id WHERE s.name = '$1')"
}
nslots() {	# schedule name, outcome
	dsql "SELECT count(*) FROM schedule_slots l JOIN schedules s
	    ON s.id = l.schedule_id WHERE s.name = '$1' AND l.outcome = '$2'"
}
add() {		# name cron [options] -- command
	_an=$1 _ac=$2
	shift 2
	"$JOBCTL" schedule add "$_an" --cron "$_ac" "$@" >"$T/.add.out" \
	    2>"$T/.add.err" || { problem "schedule add $_an: $(cat \
	    "$T/.add.err")"; return 1; }
}

begin "cron: one job per slot, also across a SIGKILL and restart"
add every5 '*/5 * * * *' -- 'echo "$JOBD_SCHEDULE $JOBD_SLOT" >>'"$T/slots"
start_jobd cron1 && P=$JOBD_PID
setclock $((T0 + 5 * MIN + 1000))
wait_until 10 "[ \$(njobs every5) -ge 1 ]" || problem "no job for 00:05"
wait_until 10 "[ -s '$T/slots' ]" || problem "the 00:05 job did not run"
kill -KILL "$P"
reap_jobd "$P" 5
start_jobd cron2 && P=$JOBD_PID
setclock $((T0 + 5 * MIN + 40000))
# A turn after the restart at 00:05:40: still one job for 00:05.
wait_until 10 "[ \"\$(dsql \"SELECT heartbeat_at FROM daemons
    WHERE pid = $P\")\" -ge $((T0 + 5 * MIN + 40000)) ]" ||
    problem "jobd did not take the new time"
setclock $((T0 + 10 * MIN + 500))
wait_until 10 "[ \$(njobs every5) -ge 2 ]" || problem "no job for 00:10"
# (Not a count of lines: if the SIGKILL came before the 00:05 result was
# recorded, that job runs again once its lease expires.)
wait_until 10 "grep -qx 'every5 2026-06-01T00:10:00.000Z' '$T/slots'" ||
    problem "00:10 did not run"
[ "$(njobs every5)" = 2 ] || problem "$(njobs every5) jobs, want 2"
grep -qx 'every5 2026-06-01T00:05:00.000Z' "$T/slots" &&
    grep -qx 'every5 2026-06-01T00:10:00.000Z' "$T/slots" ||
    problem "JOBD_SCHEDULE/JOBD_SLOT: $(cat "$T/slots" | tr '\n' '|')"
[ "$(dsql "SELECT count(*) FROM (SELECT slot_at FROM jobs
    WHERE schedule_id IS NOT NULL GROUP BY schedule_id, slot_at
    HAVING count(*) > 1) AS dup")" = 0 ] || problem "a slot has two jobs"
"$JOBCTL" schedule rm every5 >/dev/null 2>&1
stop_jobd "$P" 10
end

begin "cron: catch-up after 5.5 h down: skip runs none, once the latest, all every one"
setclock $((T0 + 20 * MIN))
add cu_skip '0 * * * *' --catchup skip -- true
add cu_once '0 * * * *' --catchup once -- true
add cu_all '0 * * * *' --catchup all -- true
# Down from 00:20 to 05:30: slots 01:00 .. 05:00 are missed.
setclock $((T0 + 5 * HOUR + 30 * MIN))
start_jobd cron3 && P=$JOBD_PID
wait_until 10 "[ \$(nslots cu_all queued) -ge 5 ]" ||
    problem "catchup all: $(nslots cu_all queued) queued"
wait_until 10 "[ \$(nslots cu_skip skipped) -ge 5 ]" ||
    problem "catchup skip: $(nslots cu_skip skipped) skipped"
[ "$(njobs cu_skip)" = 0 ] || problem "catchup skip made $(njobs cu_skip) jobs"
[ "$(njobs cu_once)" = 1 ] || problem "catchup once made $(njobs cu_once) jobs"
[ "$(nslots cu_once skipped)" = 4 ] ||
    problem "catchup once skipped $(nslots cu_once skipped), want 4"
[ "$(dsql "SELECT slot_at FROM jobs j JOIN schedules s ON s.id = j.schedule_id
    WHERE s.name = 'cu_once'")" = $((T0 + 5 * HOUR)) ] ||
    problem "catchup once ran another slot than the latest (05:00)"
[ "$(njobs cu_all)" = 5 ] || problem "catchup all made $(njobs cu_all) jobs"
[ "$(dsql "SELECT reason FROM schedule_slots l JOIN schedules s
    ON s.id = l.schedule_id WHERE s.name = 'cu_skip' LIMIT 1")" != "" ] ||
    problem "a skipped slot has no reason"
# Each moves on to 06:00, not again for the old slots.
[ "$(dsql "SELECT count(DISTINCT next_run_at) FROM schedules
    WHERE name LIKE 'cu_%'")" = 1 ] &&
    [ "$(dsql "SELECT next_run_at FROM schedules WHERE name = 'cu_all'")" = \
    $((T0 + 6 * HOUR)) ] || problem "next_run_at not 06:00"
stop_jobd "$P" 10
for n in cu_skip cu_once cu_all; do "$JOBCTL" schedule rm $n >/dev/null; done
end

REL=$T/release
begin "cron: overlap skip, allow and queue while the 06:01 job still runs"
setclock $((T0 + 6 * HOUR))
# Each job runs until the test creates $REL.
LONG="echo \$\$ >>$JOBPIDS; while [ ! -e $REL ]; do sleep 0.05; done"
add ov_skip '* * * * *' --overlap skip -- "$LONG"
add ov_allow '* * * * *' --overlap allow -- "$LONG"
add ov_queue '* * * * *' --overlap queue -- "$LONG"
start_jobd cron4 --workers 8 && P=$JOBD_PID
setclock $((T0 + 6 * HOUR + MIN + 500))
wait_until 10 "[ \$(dsql \"SELECT count(*) FROM jobs
    WHERE state = 'running'\") = 3 ]" || problem "06:01 jobs not running"
setclock $((T0 + 6 * HOUR + 2 * MIN + 500))
wait_until 10 "[ \$(nslots ov_skip skipped) = 1 ] &&
    [ \$(njobs ov_allow) = 2 ] && [ \$(njobs ov_queue) = 2 ]" ||
    problem "06:02: skip $(nslots ov_skip skipped) skipped, allow \
$(njobs ov_allow) jobs, queue $(njobs ov_queue) jobs"
wait_until 10 "[ \$(dsql \"SELECT count(*) FROM jobs j JOIN schedules s
    ON s.id = j.schedule_id WHERE s.name = 'ov_allow'
    AND j.state = 'running'\") = 2 ]" || problem "allow: not both running"
q2=$(dsql "SELECT j.id FROM jobs j JOIN schedules s ON s.id = j.schedule_id
    WHERE s.name = 'ov_queue' ORDER BY j.id DESC LIMIT 1")
q1=$(dsql "SELECT j.id FROM jobs j JOIN schedules s ON s.id = j.schedule_id
    WHERE s.name = 'ov_queue' ORDER BY j.id LIMIT 1")
[ "$(jstate "$q2")" = pending ] ||
    problem "queue: the 06:02 job is $(jstate "$q2") while 06:01 runs"
[ "$(dsql "SELECT after_id FROM jobs WHERE id = $q2")" = "$q1" ] ||
    problem "queue: the 06:02 job does not wait for $q1"
touch "$REL"
wait_state "$q1" done 10
wait_state "$q2" done 10
# The skip and allow jobs were released at the same moment; wait for them too.
wait_until 10 "[ \$(dsql \"SELECT count(*) FROM jobs
    WHERE state != 'done'\") = 0 ]" ||
    problem "not all done: $(dsql "SELECT id || ':' || state FROM jobs
    WHERE state != 'done'" | tr '\n' ' ')"
stop_jobd "$P" 10
for n in ov_skip ov_allow ov_queue; do "$JOBCTL" schedule rm $n >/dev/null; done
end

begin "cron: @reboot runs once per boot, not at each start of jobd or for each daemon"
# The boot id jobd reads, for this test: a file in place of the kernel's.
export JOBD_TEST_BOOT_ID=$T/boot_id
echo 8d4e55d0-0000-4000-8000-000000000001 >"$JOBD_TEST_BOOT_ID"
add atboot '@reboot' -- 'echo boot >>'"$T/boots"
start_jobd cron5 && P=$JOBD_PID
wait_until 10 "[ -s '$T/boots' ]" || problem "@reboot did not run"
stop_jobd "$P" 10
# A restart in the same boot, and a second daemon: neither runs it again.
start_jobd cron6 && P=$JOBD_PID
start_jobd cron6b && P2=$JOBD_PID
wait_until 10 "grep -q 'atboot: @reboot: already run in this boot' \
    '$T/cron6.log' && grep -q 'atboot: @reboot: already run in this boot' \
    '$T/cron6b.log'" || problem "@reboot: no \"already run\" at the restart"
stop_jobd "$P" 10
stop_jobd "$P2" 10
[ "$(wc -l <"$T/boots")" = 1 ] ||
    problem "@reboot ran $(wc -l <"$T/boots") times in one boot"
# The next boot: once again, for two daemons.
echo 8d4e55d0-0000-4000-8000-000000000002 >"$JOBD_TEST_BOOT_ID"
start_jobd boot2a && P=$JOBD_PID
start_jobd boot2b && P2=$JOBD_PID
wait_until 10 "[ \$(wc -l <'$T/boots') -ge 2 ]" ||
    problem "@reboot did not run in the next boot"
wait_until 10 "grep -q 'atboot: @reboot: already run in this boot' \
    '$T/boot2b.log'" || problem "the second daemon: $(grep atboot \
"$T/boot2b.log")"
stop_jobd "$P" 10
stop_jobd "$P2" 10
[ "$(wc -l <"$T/boots")" = 2 ] ||
    problem "@reboot ran $(wc -l <"$T/boots") times in two boots"
[ "$(njobs atboot)" = 2 ] || problem "atboot made $(njobs atboot) jobs"
unset JOBD_TEST_BOOT_ID
"$JOBCTL" schedule rm atboot >/dev/null
end

begin "cron: a stall or a clock step across a slot runs it late, once; a step back re-runs nothing; downtime skips"
setclock $((T0 + 7 * HOUR))
add st '*/5 * * * *' --catchup skip -- 'echo "$JOBD_SLOT" >>'"$T/st"
reason_of() {	# slot_at
	dsql "SELECT l.outcome || ' ' || coalesce(l.reason, '') FROM
	    schedule_slots l JOIN schedules s ON s.id = l.schedule_id
	    WHERE s.name = 'st' AND l.slot_at = $1"
}
start_jobd cron7 && P=$JOBD_PID
# Stopped from 07:00 to 07:06:30: 07:05 comes due while jobd cannot run.
kill -STOP "$P"
setclock $((T0 + 7 * HOUR + 6 * MIN + 30000))
kill -CONT "$P"
wait_until 10 "[ -n \"\$(reason_of $((T0 + 7 * HOUR + 5 * MIN)))\" ]" ||
    problem "07:05 not recorded after the stall"
case $(reason_of $((T0 + 7 * HOUR + 5 * MIN))) in
"queued late: "*) ;;
*) problem "07:05 after a stall: $(reason_of $((T0 + 7 * HOUR + 5 * MIN)))" ;;
esac
wait_until 10 "grep -qx '2026-06-01T07:05:00.000Z' '$T/st'" ||
    problem "the 07:05 job did not run"
# A step of 5 min forward, from 07:08 to 07:13:30, over 07:10.
NJ=$(grep -c 'info: the clock jumped forward by' "$T/cron7.log")
setclock $((T0 + 7 * HOUR + 8 * MIN))
wait_until 30 "[ \$(grep -c 'info: the clock jumped forward by' '$T/cron7.log') \
    -gt $NJ ]" || problem "jobd did not log the step to 07:08"
setclock $((T0 + 7 * HOUR + 13 * MIN + 30000))
wait_until 10 "[ -n \"\$(reason_of $((T0 + 7 * HOUR + 10 * MIN)))\" ]" ||
    problem "07:10 not recorded after the step"
case $(reason_of $((T0 + 7 * HOUR + 10 * MIN))) in
"queued late: the clock jumped forward by 5m"*) ;;
*) problem "07:10 after a step: $(reason_of $((T0 + 7 * HOUR + 10 * MIN)))" ;;
esac
wait_until 10 "grep -qx '2026-06-01T07:10:00.000Z' '$T/st'" ||
    problem "the 07:10 job did not run"
# Back to 07:09, then on to 07:15:30: 07:10 is not run again.
setclock $((T0 + 7 * HOUR + 9 * MIN))
wait_until 10 "grep -q 'the clock went back by' '$T/cron7.log'" ||
    problem "jobd did not log the step back"
setclock $((T0 + 7 * HOUR + 15 * MIN + 30000))
wait_until 10 "grep -qx '2026-06-01T07:15:00.000Z' '$T/st'" ||
    problem "the 07:15 job did not run"
stop_jobd "$P" 10
[ "$(njobs st)" = 3 ] || problem "st made $(njobs st) jobs, want 3"
[ "$(wc -l <"$T/st")" = 3 ] || problem "st ran $(wc -l <"$T/st") times"
# Real downtime: jobd stopped (its daemons row gone) over 07:20 and 07:25.
[ "$(dsql "SELECT count(*) FROM daemons")" = 0 ] ||
    problem "a daemons row is left after a clean stop"
setclock $((T0 + 7 * HOUR + 26 * MIN + 30000))
start_jobd cron8 && P=$JOBD_PID
wait_until 10 "[ \$(nslots st skipped) -ge 2 ]" ||
    problem "downtime: $(nslots st skipped) skipped, want 2"
[ "$(reason_of $((T0 + 7 * HOUR + 20 * MIN)))" = "skipped missed while \
jobd was not running (catchup = skip)" ] ||
    problem "07:20 after downtime: $(reason_of $((T0 + 7 * HOUR + 20 * MIN)))"
stop_jobd "$P" 10
[ "$(njobs st)" = 3 ] || problem "st made $(njobs st) jobs after downtime"
"$JOBCTL" schedule rm st >/dev/null
end

begin "cron: a schedule without a zone runs in /etc/localtime's zone, whatever TZ jobctl and jobd have"
NOW=$((T0 + 8 * HOUR))
setclock $NOW
# sysdate SECS [+DAYS]: the system zone's date then; at3 DATE: its 03:00.
sysdate() { TZ=:/etc/localtime date -d @$(($1 + ${2:-0} * 86400)) +%F; }
at3() { echo $(($(TZ=:/etc/localtime date -d "$1 03:00" +%s) * 1000)); }
utc() { date -u -d @$(($1 / 1000)) +%Y-%m-%dT%H:%M:%S.000Z; }
# Two zones whose offset differs from the system zone's on June 1.
SYSOFF=$(TZ=:/etc/localtime date -d @$((NOW / 1000)) +%z)
ZA=Europe/Berlin ZB=America/New_York
[ "$(TZ=$ZA date -d @$((NOW / 1000)) +%z)" != "$SYSOFF" ] || ZA=Asia/Tokyo
[ "$(TZ=$ZB date -d @$((NOW / 1000)) +%z)" != "$SYSOFF" ] || ZB=Asia/Tokyo
FIRST=$(at3 "$(sysdate $((NOW / 1000)))")
[ "$FIRST" -gt "$NOW" ] || FIRST=$(at3 "$(sysdate $((NOW / 1000)) 1)")
SECOND=$(at3 "$(sysdate $((FIRST / 1000)) 1)")
TZ=$ZA add tzx '0 3 * * *' -- 'echo "$JOBD_SLOT" >>'"$T/tzx"
[ "$(dsql "SELECT next_run_at FROM schedules WHERE name = 'tzx'")" = \
    "$FIRST" ] || problem "TZ=$ZA schedule add: first slot $(utc "$(dsql \
"SELECT next_run_at FROM schedules WHERE name = 'tzx'")"), want $(utc "$FIRST")"
TZ=$ZA "$JOBCTL" --json schedule show --count 2 tzx >"$T/.show" 2>&1
grep -qF "\"next_runs\":[\"$(utc "$FIRST")\",\"$(utc "$SECOND")\"]" \
    "$T/.show" || problem "TZ=$ZA schedule show: $(cat "$T/.show")"
TZ=$ZA "$JOBCTL" schedule show tzx >"$T/.show" 2>&1
grep -q '^time zone: *system (' "$T/.show" ||
    problem "schedule show: $(grep zone "$T/.show")"
export TZ=$ZB
start_jobd cron9 && P=$JOBD_PID
unset TZ
setclock $((FIRST + 30000))
wait_until 10 "grep -qx '$(utc "$FIRST")' '$T/tzx'" ||
    problem "TZ=$ZB jobd: no run at $(utc "$FIRST"): $(cat "$T/tzx" 2>&1)"
wait_until 10 "[ \"\$(dsql \"SELECT next_run_at FROM schedules
    WHERE name = 'tzx'\")\" = $SECOND ]" ||
    problem "TZ=$ZB jobd: next slot $(utc "$(dsql "SELECT next_run_at FROM \
schedules WHERE name = 'tzx'")"), want $(utc "$SECOND")"
stop_jobd "$P" 10
[ "$(njobs tzx)" = 1 ] || problem "tzx made $(njobs tzx) jobs"
"$JOBCTL" schedule rm tzx >/dev/null
end

no_strays "cron: no processes left"
no_sanitizer "cron: no sanitizer report"
exit 0
