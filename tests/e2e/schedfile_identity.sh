# Schedule files keep identity (jobd.conf(5)): with the real jobd and
# SIGHUP,
# 1. a renamed file keeps its schedules: same id, slot history
#    (schedule show --json recent_slots) and jobs linked to it;
# 2. a section moved from one file to another in one reload keeps its id
#    and history too;
# 3. the same name in two files is an error naming both FILE:LINEs, and no
#    schedule changes;
# 4. a 5,000-byte command, on one line or continued with a backslash, and
#    a 128-byte name: the job runs that command exactly.
. "$(dirname "$0")/daemon_lib.sh"

CLOCK=$T/clock
export JOBD_TEST_CLOCK=$CLOCK
T0=1780272000000		# 2026-06-01T00:00:00Z
MIN=60000
setclock() { echo "$1" >"$CLOCK.new" && mv "$CLOCK.new" "$CLOCK"; }
setclock $((T0 + 30000))

SD=$T/sched
LOG=$T/jobd.log
mkdir -p "$SD"
write_conf poll_interval=100ms
sed -i "/^\[jobd\]\$/a schedules_dir = $SD" "$CONF"

putf() {	# name: the file's text on stdin, mode 0644
	cat >"$SD/$1" && chmod 644 "$SD/$1"
}

wait_log() {	# string [count]
	wait_until 10 "[ \"\$(grep -cF -- '$1' \"$LOG\")\" -ge ${2:-1} ]"
}

# Schedule $1's id, source file and slot history, one line.
ident() {	# name
	"$JOBCTL" schedule show "$1" --json 2>/dev/null | python3 -c '
import json, sys
d = json.loads(sys.stdin.readline())
print(d["id"], d["source"].rsplit("/", 1)[-1],
      json.dumps([(s["slot_at"], s["job_id"]) for s in d["recent_slots"]]))'
}

# Sources and ids of every schedule: what a failed reload must not change.
schedules() {
	dsql "SELECT id, name, source, next_run_at FROM schedules ORDER BY id"
}

putf catchup.conf <<'EOF'
[nightly]
cron = */5 * * * *
command = echo nightly

[mover]
cron = */5 * * * *
command = echo mover
EOF
putf other.conf <<'EOF'
[stay]
cron = @monthly
command = echo stay
EOF

begin "schedule files: a renamed file keeps its schedules' ids, history and jobs"
if start_jobd jobd &&
    wait_until 10 '[ -n "$(ident nightly)" ] && [ -n "$(ident mover)" ]'; then
	P=$JOBD_PID
	# The 00:05 slot of each: a slot in the ledger and a job.
	setclock $((T0 + 5 * MIN + 1000))
	jobof() {
		dsql "SELECT j.id FROM jobs j JOIN schedules s
		    ON s.id = j.schedule_id WHERE s.name = '$1'"
	}
	wait_until 10 '[ -n "$(jobof nightly)" ] && [ -n "$(jobof mover)" ]' ||
	    problem "no jobs for the 00:05 slots"
	J=$(jobof nightly) M=$(jobof mover)
	wait_state "$J" done 10
	wait_state "$M" done 10
	before=$(ident nightly)
	mbefore=$(ident mover)
	case $before in
	*", $J]"*) ;;
	*) problem "no slot for job $J: $before" ;;
	esac
	mv "$SD/catchup.conf" "$SD/renamed.conf"
	kill -HUP "$P"
	wait_until 10 '[ "$(ident nightly | cut -d" " -f2)" = renamed.conf ]' ||
	    problem "nightly: $(ident nightly)"
	after=$(ident nightly)
	[ "$after" = "$(echo "$before" | sed 's/catchup.conf/renamed.conf/')" ] ||
	    problem "nightly was $before, is $after"
	[ "$(field "$J" 'd["schedule"]')" = nightly ] ||
	    problem "job $J: schedule $(field "$J" 'd["schedule"]')"
	grep -q "catchup.conf: .* [1-9][0-9]* removed" "$LOG" &&
	    problem "catchup.conf's schedules removed: $(grep -F \
		catchup.conf "$LOG" | tail -n 1)"
fi
end

begin "schedule files: a section moved to another file in one reload keeps its id and history"
if [ -n "${P:-}" ]; then
	putf renamed.conf <<'EOF'
[nightly]
cron = */5 * * * *
command = echo nightly
EOF
	putf other.conf <<'EOF'
[stay]
cron = @monthly
command = echo stay

[mover]
cron = */5 * * * *
command = echo mover, changed
EOF
	kill -HUP "$P"
	wait_until 10 '[ "$(ident mover | cut -d" " -f2)" = other.conf ]' ||
	    problem "mover: $(ident mover)"
	[ "$(ident mover)" = "$(echo "$mbefore" |
	    sed 's/catchup.conf/other.conf/')" ] ||
	    problem "mover was $mbefore, is $(ident mover)"
	[ "$("$JOBCTL" schedule show mover --json | json 'd["command"]')" = \
	    "echo mover, changed" ] || problem "mover's change not applied"
	[ "$(field "$M" 'd["schedule"]')" = mover ] ||
	    problem "job $M: schedule $(field "$M" 'd["schedule"]')"
fi
end

begin "schedule files: a name in two files names both and changes nothing"
if [ -n "${P:-}" ]; then
	schedules >"$T/sched0"
	putf renamed.conf <<'EOF'
[nightly]
cron = */5 * * * *
command = echo nightly

[added]
cron = @daily
command = echo added
EOF
	putf zz.conf <<'EOF'
# the same name again
[nightly]
cron = @hourly
command = echo twice
EOF
	kill -HUP "$P"
	wait_log "zz.conf:2: schedule [nightly] is also in $SD/renamed.conf:1" ||
	    problem "no error naming both: $(tail -n 3 "$LOG")"
	schedules >"$T/sched1"
	expect_same "$T/sched0" "$T/sched1" "schedules"
	rm "$SD/zz.conf"
fi
end

begin "schedule files: a 5,000-byte command runs exactly, on one line or continued"
if [ -n "${P:-}" ]; then
	payload=$(head -c 4990 /dev/zero | tr '\0' x)
	lname=$(head -c 128 /dev/zero | tr '\0' n)
	{
		printf '[%s]\ncron = @yearly\ncommand = printf %%s %s\n\n' \
		    "$lname" "$payload"
		printf '[cont]\ncron = @yearly\ncommand = printf %%s \\\n'
		printf '    %s\\\n    %s\n' "${payload%????????????????????}" \
		    "${payload#${payload%????????????????????}}"
	} | putf long.conf
	kill -HUP "$P"
	wait_until 10 '[ -n "$(ident cont)" ]' ||
	    problem "no schedules from long.conf: $(tail -n 2 "$LOG")"
	for _s in "$lname" cont; do
		[ "$("$JOBCTL" schedule show "$_s" --json | json \
		    'd["command"]')" = "printf %s $payload" ] ||
		    { problem "[$_s]: command not as written"; continue; }
		_j=$("$JOBCTL" schedule run "$_s" 2>/dev/null)
		if wait_state "$_j" done 10; then
			[ "$(output_of "$_j")" = "$payload" ] ||
			    problem "[$_s]: output of $(output_of "$_j" |
				wc -c) bytes"
		fi
	done
fi
end

[ -n "${P:-}" ] && { stop_jobd "$P" 10 || problem "jobd did not stop"; }
no_strays "schedule files: identity: no strays"
no_sanitizer "schedule files: identity: no sanitizer reports"
