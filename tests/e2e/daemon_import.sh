# backends: sqlite postgresql
# Imported crontabs under the real jobd, on a test clock: a line that
# fails (as Debian's certbot line does on every systemd host) runs once
# per slot, as cron runs it, and its failure shows in "schedule show";
# import-crontab's job options land on every entry.
. "$(dirname "$0")/daemon_lib.sh"

CLOCK=$T/clock
export JOBD_TEST_CLOCK=$CLOCK
T0=1780272000000		# 2026-06-01T00:00:00Z
MIN=60000
setclock() { echo "$1" >"$CLOCK.new" && mv "$CLOCK.new" "$CLOCK"; }
setclock $((T0 + 30000))
write_conf poll_interval=100ms
export JOBD_DB="$DB" TZ=UTC
ME=$(id -un)
# Root names the user of a user crontab.
UA=
[ "$(id -u)" -ne 0 ] || UA="--user $ME"

sched_of() {	# name prefix: the one schedule imported under it
	"$JOBCTL" schedule list --json | python3 -c 'import json, sys
for l in sys.stdin:
    d = json.loads(l)
    if d["name"].startswith(sys.argv[1] + ":"):
        print(d["name"])' "$1"
}
attempts_of() {	# job id: its attempts, live or dead
	dsql "SELECT attempts FROM jobs WHERE id = $1 UNION ALL
	    SELECT attempts FROM dead_jobs WHERE id = $1"
}
slot_job() {	# schedule name, slot ms: the job of that slot
	dsql "SELECT l.job_id FROM schedule_slots l JOIN schedules s
	    ON s.id = l.schedule_id WHERE s.name = '$1' AND l.slot_at = $2"
}
took_time() {	# pid ms: jobd has looked at the clock at or after ms
	wait_until 10 "[ \"\$(dsql \"SELECT heartbeat_at FROM daemons
	    WHERE pid = $1\")\" -ge $2 ]" || problem "jobd did not take the \
new time"
}

begin "import: a failing crontab line runs once per slot, and shows as a failed run"
# Debian's certbot line fails on every systemd host; this one always does.
cat >"$T/certbot.cron" <<CRON
*/5 * * * * echo ran >>$T/runs; test -x /nonexistent/certbot -a \! -d /run/systemd/system && echo never
CRON
"$JOBCTL" import-crontab $UA --name certbot "$T/certbot.cron" \
    >"$T/imp.out" 2>"$T/imp.err" || problem "import: $(cat "$T/imp.err")"
CB=$(sched_of certbot)
[ "$("$JOBCTL" schedule show "$CB" --json | json 'd["max_attempts"]')" = 1 ] ||
    problem "imported max_attempts: $("$JOBCTL" schedule show "$CB" --json)"
start_jobd imp1 && P=$JOBD_PID
# 00:05: the slot's job fails.  Past every back-off, before 00:10: the
# job is dead after its one attempt, not retried.
setclock $((T0 + 5 * MIN + 500))
wait_until 10 "[ -n \"\$(slot_job $CB $((T0 + 5 * MIN)))\" ]" ||
    problem "no job for 00:05"
J1=$(slot_job "$CB" $((T0 + 5 * MIN)))
setclock $((T0 + 9 * MIN))
took_time "$P" $((T0 + 9 * MIN))
[ -n "$J1" ] && wait_state "$J1" dead 10
[ "$(attempts_of "$J1")" = 1 ] || problem "00:05: $(attempts_of "$J1") attempts"
# 00:10: the next slot, once too.
setclock $((T0 + 10 * MIN + 500))
wait_until 10 "[ -n \"\$(slot_job $CB $((T0 + 10 * MIN)))\" ]" ||
    problem "no job for 00:10"
J2=$(slot_job "$CB" $((T0 + 10 * MIN)))
setclock $((T0 + 14 * MIN))
took_time "$P" $((T0 + 14 * MIN))
[ -n "$J2" ] && wait_state "$J2" dead 10
[ "$(attempts_of "$J2")" = 1 ] || problem "00:10: $(attempts_of "$J2") attempts"
[ "$(wc -l <"$T/runs")" = 2 ] ||
    problem "the command ran $(wc -l <"$T/runs") times for 2 slots"
# Shown as a failed run of its slot: the job, its state, why.
"$JOBCTL" schedule show "$CB" >"$T/show.out" 2>&1 ||
    problem "schedule show: $(cat "$T/show.out")"
grep -E "^2026-06-01T00:05:00\+00:00 +queued +$J1 +dead +exit 1 on attempt 1 of 1" \
    "$T/show.out" >/dev/null ||
    problem "schedule show lacks the failed 00:05 run: $(cat "$T/show.out")"
"$JOBCTL" schedule show "$CB" --json | python3 -c 'import json, sys
d = json.load(sys.stdin)
s = [x for x in d["recent_slots"] if x["job_id"] == int(sys.argv[1])]
if not s or s[0]["job_state"] != "dead" or \
    not s[0]["reason"].startswith("exit 1 on attempt 1 of 1"):
    print("slot:", s)' "$J1" >"$T/slot.chk"
[ -s "$T/slot.chk" ] && problem "schedule show --json: $(cat "$T/slot.chk")"
stop_jobd "$P" 10
end

begin "import: --max-attempts, --backoff, --timeout, --queue, --overlap, --catchup on every entry"
cat >"$T/opts.cron" <<'CRON'
0 * * * * echo one
@daily echo two
CRON
"$JOBCTL" import-crontab $UA --name opts --max-attempts 3 --backoff 1s,2m \
    --timeout 90s --queue cron.q --overlap skip --catchup once \
    "$T/opts.cron" >"$T/imp2.out" 2>"$T/imp2.err" ||
    problem "import: $(cat "$T/imp2.err")"
"$JOBCTL" schedule list --json >"$T/list.json"
python3 -c 'import json, sys
n = 0
for l in open(sys.argv[1]):
    d = json.loads(l)
    if not d["name"].startswith("opts:"):
        continue
    n += 1
    want = {"max_attempts": 3, "backoff_ms": 1000, "backoff_max_ms": 120000,
        "timeout_ms": 90000, "queue": "cron.q", "overlap": "skip",
        "catchup": "once"}
    got = {k: d[k] for k in want}
    if got != want:
        print(d["name"], got)
if n != 2:
    print(n, "schedules")' "$T/list.json" >"$T/opts.chk"
[ -s "$T/opts.chk" ] && problem "$(cat "$T/opts.chk")"
# Without options: cron's behaviour (one attempt, overlap allow, catchup
# skip, the default queue).
"$JOBCTL" import-crontab $UA --name plain "$T/opts.cron" >/dev/null 2>&1
"$JOBCTL" schedule list --json | python3 -c 'import json, sys
for l in sys.stdin:
    d = json.loads(l)
    if d["name"].startswith("plain:") and (d["max_attempts"], d["overlap"],
        d["catchup"], d["queue"]) != (1, "allow", "skip", "default"):
        print(d)' >"$T/plain.chk"
[ -s "$T/plain.chk" ] && problem "$(cat "$T/plain.chk")"
end

no_strays "import: no processes left"
no_sanitizer "import: no sanitizer report"
exit 0
