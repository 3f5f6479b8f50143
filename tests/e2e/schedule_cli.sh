# backends: sqlite postgresql
# jobctl schedule end to end, without a daemon (these commands only write
# the database): add with every option, list, show (next fire times in the
# schedule's zone, across a DST change, and the slot ledger), rm, enable,
# disable, run; --help against the man page; and bad input, each with its
# exit code, a message naming the input and an unchanged database.  Times
# are computed against a fixed clock ($JOBD_TEST_CLOCK).
. "$(dirname "$0")/lib.sh"

CLOCK=$T/clock
echo 1796000000000 >"$CLOCK"		# 2026-11-30T00:53:20Z, a Monday
export JOBD_TEST_CLOCK="$CLOCK" TZ=UTC
use_db "$T/sched.db"
ME=$(id -un)

# The value of python expression $2 on schedule $1 (schedule show --json).
sfield() {
	"$JOBCTL" schedule show "$1" --json | json "$2"
}

# --- add ---------------------------------------------------------------
begin "add: nothing on stdout, next run on stderr in the schedule's zone"
run schedule add backup --cron '0 3 * * *' --tz Europe/Berlin -- \
    tar czf /tmp/b.tgz /etc
expect_rc 0
expect_out_empty
expect_err_contains "schedule backup: next run at 2026-11-30T03:00:00+01:00 (in 1h6m)"
[ "$(sql "SELECT cron, tz, command, source, enabled, next_run_at, queue
    FROM schedules WHERE name = 'backup'")" = \
    "0 3 * * *|Europe/Berlin|tar czf /tmp/b.tgz /etc|cli|1|1796004000000|default" ] ||
    problem "row: $(sql "SELECT * FROM schedules WHERE name = 'backup'")"
is_pg || [ "$(stat -c %a "$DB")" = 600 ] ||	# the SQLite file's
    problem "database mode $(stat -c %a "$DB")"
end

begin "add --json: one object with id, name and next_run_at"
run schedule add --json hourly --cron '@hourly' echo tick
expect_rc 0
[ "$(json_lines "$T/.out")" = 1 ] || problem "stdout: $OUT"
[ "$(printf '%s\n' "$OUT" | json '[d["name"], d["next_run_at"], d["id"] > 0]')" \
    = '["hourly", "2026-11-30T01:00:00.000Z", true]' ] || problem "json: $OUT"
end

begin "add: every job option, overlap, catchup, --disabled, quoted argv"
run schedule add full --cron '*/15 9-17 * * mon-fri' --tz America/New_York \
    --overlap queue --catchup all --queue web --priority 5 --max-attempts 3 \
    --timeout 1m --backoff 10s,5m --env A=1 --env 'B=x y' --cwd /tmp \
    --user "$ME" --disabled -- printf '%s\n' 'a b' "it's"
expect_rc 0
expect_out_empty
expect_err_contains "schedule full: disabled"
sfield full '[d["cron"], d["tz"], d["overlap"], d["catchup"], d["queue"],
    d["priority"], d["max_attempts"], d["timeout_ms"], d["backoff_ms"],
    d["backoff_max_ms"], d["env"], d["cwd"], d["user"], d["enabled"],
    d["source"]]' >"$T/got"
printf '%s\n' '["*/15 9-17 * * mon-fri", "America/New_York", "queue", "all", "web", 5, 3, 60000, 10000, 300000, {"A": "1", "B": "x y"}, "/tmp", "'"$ME"'", false, "cli"]' >"$T/want"
expect_same "$T/want" "$T/got" "fields"
sfield full 'd["command"]' >"$T/cmd"
sh -c "$(cat "$T/cmd")" >"$T/ran" 2>&1
printf '%s\n' 'a b' "it's" >"$T/want"
expect_same "$T/want" "$T/ran" "argv through sh -c"
end

begin "add: NAME after the options; one argument is stored verbatim"
run schedule add --cron '0 0 1 * *' monthly 'echo a  b; true | cat'
expect_rc 0
[ "$(sfield monthly 'd["command"]')" = 'echo a  b; true | cat' ] ||
    problem "command: $(sfield monthly 'd["command"]')"
[ "$(sfield monthly 'd["next_run_at"]')" = 2026-12-01T00:00:00.000Z ] ||
    problem "next: $(sfield monthly 'd["next_run_at"]')"
end

begin "add: a command that looks like options, after --"
run schedule add dashes --cron '@daily' -- -x --cron y
expect_rc 0
[ "$(sfield dashes 'd["command"]')" = "-x --cron y" ] ||
    problem "command: $(sfield dashes 'd["command"]')"
end

begin "add @reboot: no next run"
run schedule add boot --cron '@reboot' echo booted
expect_rc 0
expect_err_contains "schedule boot: runs once per boot, when jobd first starts"
[ "$(sql "SELECT CAST(next_run_at IS NULL AS int) FROM schedules
    WHERE name = 'boot'")" = 1 ] || problem "next_run_at is set"
end

# --- list --------------------------------------------------------------
begin "list: a table by name with next run (zone and relative) and source"
run schedule list
expect_rc 0
head -1 "$T/.out" | grep -q '^NAME  *ENABLED  *CRON  *TZ  *NEXT  *LAST  *LAST OK  *SOURCE  *COMMAND$' ||
    problem "header: $(head -1 "$T/.out")"
[ "$(sed 1d "$T/.out" | awk '{print $1}' | tr '\n' ' ')" = \
    "backup boot dashes full hourly monthly " ] ||
    problem "order: $(sed 1d "$T/.out" | awk '{print $1}' | tr '\n' ' ')"
grep '^backup ' "$T/.out" | grep -qF '2026-11-30T03:00:00+01:00 (in 1h6m)' ||
    problem "backup row: $(grep '^backup ' "$T/.out")"
grep '^boot ' "$T/.out" | grep -qF 'once per boot' ||
    problem "boot row: $(grep '^boot ' "$T/.out")"
grep '^full ' "$T/.out" | grep -q '^full  *no ' ||
    problem "full row: $(grep '^full ' "$T/.out")"
grep '^hourly ' "$T/.out" | grep -q ' system .* cli  *echo tick$' ||
    problem "hourly row: $(grep '^hourly ' "$T/.out")"
end

begin "list --json: one object per schedule, every field"
run schedule --json list
expect_rc 0
[ "$(json_lines "$T/.out")" = 6 ] || problem "lines: $OUT"
head -1 "$T/.out" | json 'sorted(d.keys())' >"$T/keys"
echo '["backoff_max_ms", "backoff_ms", "catchup", "command", "created_at", "cron", "cwd", "enabled", "env", "id", "kill_mode", "last_exit_code", "last_finished_at", "last_job_id", "last_ok_at", "last_ok_job_id", "last_run_at", "last_state", "limit_as", "limit_cpu", "limit_nofile", "limit_nproc", "mail_on", "mail_to", "max_attempts", "name", "next_run_at", "on_dead", "on_failure", "on_success", "overlap", "priority", "queue", "source", "timeout_ms", "tz", "umask", "updated_at", "user"]' >"$T/want"
expect_same "$T/want" "$T/keys" "keys"
[ "$(head -1 "$T/.out" | json '[d["name"], d["last_run_at"], d["cwd"], d["env"], d["created_at"]]')" \
    = '["backup", null, null, {}, "2026-11-30T00:53:20.000Z"]' ] ||
    problem "backup: $(head -1 "$T/.out")"
end

# --- show --------------------------------------------------------------
begin "show: every field, the next runs with offsets, the ledger"
run schedule show backup --count 3
expect_rc 0
for l in "name:            backup" "cron:            0 3 * * *" \
    "time zone:       Europe/Berlin" "command:         tar czf /tmp/b.tgz /etc" \
    "overlap:         skip" "catchup:         skip" "source:          cli" \
    "next run:        2026-11-30T03:00:00+01:00 (in 1h6m)" \
    "2026-11-30T03:00:00+01:00  in 1h6m" "2026-12-01T03:00:00+01:00  in 1d1h" \
    "2026-12-02T03:00:00+01:00  in 2d1h" "SLOT  OUTCOME  JOB  STATE  REASON"; do
	expect_out_contains "$l"
done
[ "$(grep -c '^2026-12-0[34]' "$T/.out")" = 0 ] || problem "more than 3 runs"
end

begin "show --json: next_runs (5 by default) and recent_slots"
run schedule show backup --json
expect_rc 0
[ "$(printf '%s\n' "$OUT" | json '[d["next_runs"], d["recent_slots"]]')" = \
    '[["2026-11-30T02:00:00.000Z", "2026-12-01T02:00:00.000Z", "2026-12-02T02:00:00.000Z", "2026-12-03T02:00:00.000Z", "2026-12-04T02:00:00.000Z"], []]' ] ||
    problem "json: $OUT"
run schedule show boot --json --count 3
[ "$(printf '%s\n' "$OUT" | json 'd["next_runs"]')" = '[]' ] ||
    problem "@reboot next_runs: $OUT"
run schedule show backup --count 0
expect_rc 0
expect_out_contains "name:"
end

begin "show: next runs across a DST change (America/New_York, fixed time)"
echo 1804852800000 >"$CLOCK"		# 2027-03-12T12:00:00Z
run schedule add dst --cron '30 2 * * *' --tz America/New_York echo dst
expect_rc 0
run schedule show dst --count 4
expect_rc 0
for l in "2027-03-13T02:30:00-05:00" "2027-03-14T03:00:00-04:00" \
    "2027-03-15T02:30:00-04:00" "2027-03-16T02:30:00-04:00"; do
	expect_out_contains "$l"
done
echo 1796000000000 >"$CLOCK"
end

begin "show: ledger rows newest first, with the job's state and the reason"
SID=$(sql "SELECT id FROM schedules WHERE name = 'backup'")
J1=$("$JOBCTL" submit echo one)
sql "INSERT INTO schedule_slots VALUES ($SID, 1795917600000, $J1, 'queued',
    NULL, 1795917600000)"
sql "INSERT INTO schedule_slots VALUES ($SID, 1795831200000, NULL, 'skipped',
    'the previous job was still running (overlap = skip)', 1795831200000)"
run schedule show backup
expect_rc 0
sed -n '/^SLOT/,$p' "$T/.out" >"$T/ledger"
sed -n 2p "$T/ledger" | grep -q "^2026-11-29T03:00:00+01:00  queued   $J1  *pending  *-" ||
    problem "row 1: $(sed -n 2p "$T/ledger")"
sed -n 3p "$T/ledger" | grep -q '^2026-11-28T03:00:00+01:00  skipped  -  *-  *the previous job was still running' ||
    problem "row 2: $(sed -n 3p "$T/ledger")"
run schedule show backup --json
[ "$(printf '%s\n' "$OUT" | json 'd["recent_slots"]')" = \
    '[{"slot_at": "2026-11-29T02:00:00.000Z", "outcome": "queued", "job_id": '"$J1"', "job_state": "pending", "reason": null}, {"slot_at": "2026-11-28T02:00:00.000Z", "outcome": "skipped", "job_id": null, "job_state": null, "reason": "the previous job was still running (overlap = skip)"}]' ] ||
    problem "json: $(printf '%s\n' "$OUT" | json 'd["recent_slots"]')"
end

# --- run ---------------------------------------------------------------
begin "run: one job now from the template; ledger and next run unchanged"
before=$(sql "SELECT next_run_at, last_run_at, (SELECT count(*) FROM
    schedule_slots) FROM schedules WHERE name = 'full'")
run schedule run full
expect_rc 0
printf '%s\n' "$OUT" | grep -qx '[1-9][0-9]*' || problem "stdout: $OUT"
JR=$OUT
[ "$(field "$JR" '[d["state"], d["queue"], d["priority"], d["max_attempts"],
    d["timeout_ms"], d["env"], d["cwd"], d["user"], d["schedule"],
    d["slot_at"], d["run_at"]]')" = \
    '["pending", "web", 5, 3, 60000, {"A": "1", "B": "x y"}, "/tmp", "'"$ME"'", "full", null, "2026-11-30T00:53:20.000Z"]' ] ||
    problem "job: $(show_json "$JR")"
[ "$(sql "SELECT next_run_at, last_run_at, (SELECT count(*) FROM
    schedule_slots) FROM schedules WHERE name = 'full'")" = "$before" ] ||
    problem "schedule changed"
run schedule run --json full
expect_rc 0
[ "$(printf '%s\n' "$OUT" | json '[d["schedule"], d["id"] > '"$JR"']')" = \
    '["full", true]' ] || problem "json: $OUT"
end

# --- enable / disable --------------------------------------------------
begin "disable: enabled = 0; again: 'already', database unchanged"
run schedule disable backup
expect_rc 0
[ "$OUT" = "backup disabled" ] || problem "stdout: $OUT"
[ "$(sql "SELECT enabled FROM schedules WHERE name = 'backup'")" = 0 ] ||
    problem "still enabled"
dbdump >"$T/d0"
run schedule disable backup
expect_rc 0
[ "$OUT" = "backup already disabled" ] || problem "stdout: $OUT"
dbdump >"$T/d1"
expect_same "$T/d0" "$T/d1" "database"
end

begin "enable: next run counted from now, no catch-up"
sql "UPDATE schedules SET next_run_at = 1700000000000 WHERE name = 'backup'"
echo 1796100000000 >"$CLOCK"		# 2026-12-01T04:40:00Z
run schedule enable backup
expect_rc 0
[ "$OUT" = "backup enabled" ] || problem "stdout: $OUT"
expect_err_contains "next run at 2026-12-02T03:00:00+01:00"
[ "$(sql "SELECT enabled, next_run_at FROM schedules WHERE name = 'backup'")" \
    = "1|1796176800000" ] || problem "row: $(sql "SELECT enabled,
    next_run_at FROM schedules WHERE name = 'backup'")"
run schedule enable backup --json
[ "$(printf '%s\n' "$OUT" | json '[d["enabled"], d["changed"], d["next_run_at"]]')" \
    = '[true, false, "2026-12-02T02:00:00.000Z"]' ] || problem "json: $OUT"
echo 1796000000000 >"$CLOCK"
end

# --- rm ----------------------------------------------------------------
begin "rm: the schedule and its ledger go, its jobs stay"
run schedule rm full
expect_rc 0
[ "$OUT" = "full removed" ] || problem "stdout: $OUT"
[ "$(sql "SELECT count(*) FROM schedules WHERE name = 'full'")" = 0 ] ||
    problem "still there"
[ "$(field "$JR" 'd["state"]')" = pending ] || problem "job $JR gone"
run schedule rm --json monthly
[ "$(printf '%s\n' "$OUT" | json '[d["name"], d["removed"]]')" = \
    '["monthly", true]' ] || problem "json: $OUT"
end

begin "a schedule from a file: shown, run, disabled, enabled; rm refused"
sql "UPDATE schedules SET source = 'file:/etc/jobd/schedules.d/x.conf'
    WHERE name = 'hourly'"
run schedule show hourly
expect_rc 0
expect_out_contains "file:/etc/jobd/schedules.d/x.conf"
run schedule run hourly
expect_rc 0
run schedule disable hourly
expect_rc 0
run schedule enable hourly
expect_rc 0
dbdump >"$T/d0"
run schedule rm hourly
expect_rc 1
expect_out_empty
expect_err_contains "/etc/jobd/schedules.d/x.conf"
expect_err_contains "nothing removed"
dbdump >"$T/d1"
expect_same "$T/d0" "$T/d1" "database"
end

begin "a schedule from a crontab can be removed"
sql "UPDATE schedules SET source = 'crontab:/etc/crontab' WHERE name = 'dashes'"
run schedule rm dashes
expect_rc 0
[ "$(sql "SELECT count(*) FROM schedules WHERE name = 'dashes'")" = 0 ] ||
    problem "still there"
end

# --- --help and the man page --------------------------------------------
SYN=$(mandoc -Tascii "$JOBD_TOP/man/jobctl.1" 2>/dev/null | col -b |
    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | tr -s ' \t\n' '   ' |
    tr 'A-Z' 'a-z')
# usage_in_synopsis: each "jobctl ..." entry of the usage on stdout, its
# continuation lines joined, must appear in the man page's SYNOPSIS.
usage_in_synopsis() {
	sed -n '/^global options/q; s/^usage: //; p' "$T/.out" |
	    awk '/^ *jobctl /{ if (u != "") print u; u = $0; next }
		{ u = u " " $0 } END { if (u != "") print u }' |
	    tr -s ' \t' '  ' | sed 's/^ //' | tr 'A-Z' 'a-z' >"$T/usage"
	[ -s "$T/usage" ] || problem "no usage lines"
	while IFS= read -r u; do
		case $SYN in
		*"$u"*) ;;
		*) problem "not in the SYNOPSIS: $u" ;;
		esac
	done <"$T/usage"
}
for c in "schedule" "schedule add" "schedule list" "schedule show" \
    "schedule rm" "schedule enable" "schedule disable" "schedule run" \
    "import-crontab"; do
	begin "$c --help: usage on stdout, exit 0, as in the man page"
	# shellcheck disable=SC2086
	run $c --help
	expect_rc 0
	expect_err_empty
	expect_out_contains "usage: jobctl ${c%% *}"
	usage_in_synopsis
	end
done

begin "jobctl --help lists schedule and import-crontab"
run --help
expect_rc 0
expect_out_contains "jobctl schedule add NAME --cron EXPR"
expect_out_contains "jobctl schedule run NAME"
expect_out_contains "jobctl import-crontab"
end

begin "--db after the sub-command"
(unset JOBD_DB; "$JOBCTL" schedule list --db "$DB") >"$T/.out" 2>"$T/.err" ||
    problem "list --db: $(cat "$T/.err")"
expect_out_contains "backup"
end

# --- bad input ----------------------------------------------------------
dbdump >"$T/dump0"
# bad NAME CODE PATTERN ARG... (lib.sh)
A="schedule add"
bad "schedule alone"		64 'sub-command'	schedule
bad "unknown sub-command"	64 '"frob"'		schedule frob
bad "add without a name"	64 'no schedule name'	$A
bad "add without --cron"	64 '--cron'		$A x echo hi
bad "add without a command"	64 'no command'		$A x --cron '@daily'
bad "add an empty command"	64 'command is empty'	$A x --cron '@daily' ''
bad "add: --cron needs a value"	64 '--cron'		$A x --cron
bad "add: unknown option"	64 '--frob'		$A x --frob --cron '@daily' echo
bad "bad hour field"		65 'hour field "25"'	$A x --cron '0 25 * * *' echo
bad "bad minute field"		65 'minute field "61"'	$A x --cron '61 * * * *' echo
bad "bad weekday field"		65 'day-of-week field "funday"' \
    $A x --cron '0 0 * * funday' echo
bad "bad step"			65 '"*/0"'		$A x --cron '*/0 * * * *' echo
bad "four fields"		65 '"0 0 * *"'		$A x --cron '0 0 * *' echo
bad "six fields"		65 '"0 0 * * * *"'	$A x --cron '0 0 * * * *' echo
bad "unknown macro"		65 '@fortnightly'	$A x --cron '@fortnightly' echo
bad "upper-case macro"		65 '@DAILY'		$A x --cron '@DAILY' echo
bad "empty expression"		65 'cron'		$A x --cron '' echo
bad "never fires (Feb 30)"	65 'never'		$A x --cron '0 0 30 2 *' echo
bad "never fires (Apr 31)"	65 'never'		$A x --cron '0 0 31 4 *' echo
bad "unknown zone"		65 'Mars/Olympus'	$A x --cron '@daily' \
    --tz Mars/Olympus echo
bad "zone with .."		65 '../'		$A x --cron '@daily' \
    --tz ../../etc/passwd echo
bad "empty --tz"		64 '--tz'		$A x --cron '@daily' --tz '' echo
bad "bad --overlap"		64 '--overlap "never"'	$A x --cron '@daily' \
    --overlap never echo
bad "bad --catchup"		64 '--catchup "sometimes"' $A x --cron '@daily' \
    --catchup sometimes echo
bad "name with a space"		65 '"a b"'		$A 'a b' --cron '@daily' echo
bad "name with a slash"		65 '"a/b"'		$A 'a/b' --cron '@daily' echo
bad "name too long"		65 'invalid name'	$A \
    "$(printf '%0129d' 0)" --cron '@daily' echo
bad "name taken"		65 'a schedule named "backup" already exists (from cli)' \
    $A backup --cron '@daily' echo
bad "name taken by a file"	65 'already exists (from file:/etc/jobd/schedules.d/x.conf)' \
    $A hourly --cron '@daily' echo
bad "--priority 5000"		64 '"5000"'	$A x --cron '@daily' --priority 5000 echo
bad "--max-attempts 0"		64 '"0"'	$A x --cron '@daily' --max-attempts 0 echo
bad "--timeout 5x"		64 '"5x"'	$A x --cron '@daily' --timeout 5x echo
bad "--backoff 10s,1s"		64 '"10s,1s"'	$A x --cron '@daily' --backoff 10s,1s echo
bad "--env JOBD_X=1"		64 '"JOBD_X=1"'	$A x --cron '@daily' --env JOBD_X=1 echo
bad "--env twice"		64 'A is set twice' $A x --cron '@daily' \
    --env A=1 --env A=2 echo
bad "--queue 'a b'"		64 '"a b"'	$A x --cron '@daily' --queue 'a b' echo
bad "--user nosuchuserxyz"	67 '"nosuchuserxyz"' $A x --cron '@daily' \
    --user nosuchuserxyz echo
if [ "$(id -u)" -ne 0 ]; then
	bad "--user root when not root" 77 '"root"' $A x --cron '@daily' \
	    --user root echo
fi
bad "list with an argument"	64 '"extra"'	schedule list extra
bad "show a missing schedule"	66 'no such schedule "nope"' schedule show nope
bad "show without a name"	64 'one schedule name' schedule show
bad "show two names"		64 'one schedule name' schedule show a b
bad "show --count -1"		64 '--count'	schedule show backup --count -1
bad "show --count 1001"		64 '--count'	schedule show backup --count 1001
bad "rm a missing schedule"	66 '"nope"'	schedule rm nope
bad "enable a missing schedule"	66 '"nope"'	schedule enable nope
bad "disable a missing schedule" 66 '"nope"'	schedule disable nope
bad "run a missing schedule"	66 '"nope"'	schedule run nope
bad "rm without a name"		64 'one schedule name' schedule rm
bad "rm a file schedule"	1 'x.conf'	schedule rm hourly

begin "bad: a missing database is not created by list, show or rm"
for c in "list" "show backup" "rm backup" "enable backup" "run backup"; do
	# shellcheck disable=SC2086
	run --db "$T/none.db" schedule $c
	[ "$RC" -eq 66 ] || problem "schedule $c: exit $RC"
	[ ! -e "$T/none.db" ] || problem "schedule $c created the database"
done
end

CASE="bad: a locked database: add, enable and run exit 75, nothing written"
if ! sqlite_only "$CASE" "a writer holding the file's lock"; then
	begin "$CASE"
	dbdump >"$T/dump0"
	mkfifo "$T/lock.fifo"
	sqlite3 "$DB" <"$T/lock.fifo" >"$T/lock.out" 2>&1 &
	holder=$!
	exec 3>"$T/lock.fifo"
	printf '%s\n' '.timeout 5000' 'BEGIN IMMEDIATE;' >&3
	locked() {
		sqlite3 "$DB" 'BEGIN IMMEDIATE; ROLLBACK;' 2>&1 | grep -q locked
	}
	if wait_for locked 10; then
		run schedule add locked --cron '@daily' --env A=1 echo locked
		expect_rc 75
		expect_out_empty
		expect_err_contains "locked"
		run schedule disable backup
		expect_rc 75
		run schedule run backup
		expect_rc 75
	else
		problem "the lock holder never got the lock: $(cat "$T/lock.out")"
	fi
	exec 3>&-
	wait "$holder"
	dbdump >"$T/dump1"
	expect_same "$T/dump0" "$T/dump1" "database"
	end
fi

begin "add creates a missing database"
run --db "$T/new.db" schedule add first --cron '@daily' echo hi
expect_rc 0
[ -f "$T/new.db" ] || problem "no database"
end

exit 0
