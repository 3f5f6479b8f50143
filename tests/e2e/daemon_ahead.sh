# backends: sqlite postgresql
# A busy jobd: while runs are short it leases jobs ahead of its free
# workers (they show as running before they start, their attempt's start
# time is when their process started, and SIGTERM puts them back to
# pending without running them or counting an attempt); an idle jobd gives
# back a WAL that a big transaction left behind.
. "$(dirname "$0")/daemon_lib.sh"

CLOCK=$T/clock
T0=1780272000000		# 2026-06-01T00:00:00Z
echo $T0 >"$CLOCK"
write_conf workers=1 shutdown_grace=5s
export JOBD_DB="$DB" JOBD_TEST_CLOCK="$CLOCK"

begin "ahead: after short runs, jobs wait leased behind a long one"
start_jobd ahead1 && P=$JOBD_PID
for i in 1 2 3; do submit true; done
wait_state "$ID" done 10
# The long job runs until $T/go exists; two quick ones are due behind it.
submit -- "echo \$\$ >>$JOBPIDS; while [ ! -e $T/go ]; do sleep 0.02; done" &&
    LONG=$ID
wait_state "$LONG" running 10
submit -- "touch $T/ran.b" && B=$ID
submit -- "touch $T/ran.c" && C=$ID
wait_until 10 "[ \"\$(jstate $B)\$(jstate $C)\" = runningrunning ]" ||
    problem "not leased ahead: $B $(jstate "$B"), $C $(jstate "$C")"
[ ! -e "$T/ran.b" ] && [ ! -e "$T/ran.c" ] ||
    problem "a job leased ahead ran beside the long one (1 worker)"
end

begin "ahead: SIGTERM puts the jobs leased ahead back, uncounted, unrun"
kill -TERM "$P"
wait_until 5 "[ \"\$(jstate $B)\$(jstate $C)\" = pendingpending ]" ||
    problem "after SIGTERM: $B $(jstate "$B"), $C $(jstate "$C")"
[ "$(dsql "SELECT $(sql_concat attempts "','") FROM jobs
    WHERE id IN ($B, $C)")" = "0,0" ] ||
    problem "attempts counted: $(dsql "SELECT id, attempts
    FROM jobs WHERE id IN ($B, $C)" | tr '\n' ' ')"
[ "$(jstate "$LONG")" = running ] || problem "the long job is $(jstate "$LONG")"
touch "$T/go"
reap_jobd "$P" 10 || problem "jobd did not exit"
[ "$STOP_RC" = 0 ] || problem "jobd exit status $STOP_RC"
[ "$(jstate "$LONG")" = done ] || problem "the long job is $(jstate "$LONG")"
[ ! -e "$T/ran.b" ] && [ ! -e "$T/ran.c" ] ||
    problem "a job leased ahead ran during the drain"
rm -f "$T/go"
end

begin "ahead: an attempt's start time is when its process started"
start_jobd ahead2 && P=$JOBD_PID
wait_state "$C" done 10
submit -- "echo \$\$ >>$JOBPIDS; while [ ! -e $T/go ]; do sleep 0.02; done" &&
    LONG=$ID
wait_state "$LONG" running 10
submit -- true && D=$ID
submit -- "touch $T/ran.e" && E=$ID
wait_until 10 "[ \"\$(jstate $D)\$(jstate $E)\" = runningrunning ]" ||
    problem "not leased ahead: $D $(jstate "$D"), $E $(jstate "$E")"
# Leased at T0; it starts when the long job ends, an hour later.
echo $((T0 + 3600000)) >"$CLOCK.new" && mv "$CLOCK.new" "$CLOCK"
touch "$T/go"
wait_state "$D" done 10
got=$(dsql "SELECT started_at FROM attempts WHERE job_id = $D")
[ "$got" = $((T0 + 3600000)) ] ||
    problem "attempt started_at $got, want $((T0 + 3600000)) (leased at $T0)"
end

begin "ahead: a job cancelled while leased ahead is cancelled, never run"
rm -f "$T/go"
submit -- "echo \$\$ >>$JOBPIDS; while [ ! -e $T/go ]; do sleep 0.02; done" &&
    LONG=$ID
wait_state "$LONG" running 10
submit -- "touch $T/ran.f" && F=$ID
wait_state "$F" running 10
"$JOBCTL" cancel "$F" >/dev/null || problem "cancel $F failed"
wait_until 10 "grep -q 'job $F: cancel requested' '$T/ahead2.log'" ||
    problem "jobd did not take the cancel of job $F"
touch "$T/go"
wait_state "$F" cancelled 10
wait_state "$LONG" done 10
[ ! -e "$T/ran.f" ] || problem "the cancelled job ran"
[ "$(dsql "SELECT outcome FROM attempts WHERE job_id = $F")" = cancelled ] ||
    problem "attempt: $(dsql "SELECT outcome, error FROM attempts
    WHERE job_id = $F")"
stop_jobd "$P" 10
end

begin "ahead: an idle jobd truncates a WAL a big transaction left"
if ! sqlite_only "$CASE" "the SQLite file's WAL"; then
	unset JOBD_TEST_CLOCK
	start_jobd ahead3 && P=$JOBD_PID
	# A reader holds its snapshot until told: the WAL cannot be reset meanwhile.
	mkfifo "$T/hold"
	{ echo "BEGIN; SELECT count(*) FROM jobs;"; cat "$T/hold"; } |
	    sqlite3 "$DB" >"$T/held" 2>&1 &
	wait_until 10 "[ -s '$T/held' ]" || problem "the reader did not start"
	# About 30 MB of WAL in one transaction.
	python3 -c 'import sys
for i in range(30000): sys.stdout.write("echo %s %d\n" % ("x" * 900, i))' |
	    "$JOBCTL" submit --batch --in 1d >/dev/null ||
	    problem "batch submit failed"
	wal=$(stat -c %s "$DB-wal")
	[ "$wal" -gt 16777216 ] || problem "the WAL is only $wal bytes"
	echo "COMMIT;" >"$T/hold"
	wait_until 15 "[ \$(stat -c %s '$DB-wal') -le 16777216 ]" ||
	    problem "the WAL is still $(stat -c %s "$DB-wal") bytes"
	[ "$(dsql 'PRAGMA integrity_check')" = ok ] || problem "integrity_check"
	[ "$(dsql 'SELECT count(*) FROM jobs WHERE state = "pending"')" = 30000 ] ||
	    problem "pending jobs: $(dsql 'SELECT count(*) FROM jobs
	    WHERE state = "pending"')"
	echo "INFO the WAL was $wal bytes after the batch," \
	    "$(stat -c %s "$DB-wal") when idle"
	stop_jobd "$P" 10
	end
fi

no_strays "ahead: no processes left"
no_sanitizer "ahead: no sanitizer report"
exit 0
