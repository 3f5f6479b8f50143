# backends: sqlite postgresql
# jobctl metrics and jobd's metrics_file, on a test clock
# ($JOBD_TEST_CLOCK): the exposition format checked strictly
# (promcheck.py, and promtool when installed); the figures checked exactly
# after jobs that succeed, fail, time out, die and are cancelled, and after
# cron slots fired, skipped and missed; counters that survive a restart of
# jobd and the deletion of old rows (pruning); the file replaced
# atomically and reloaded; bad configuration refused.
. "$(dirname "$0")/daemon_lib.sh"

PROMCHECK=$(dirname "$0")/promcheck.py
CLOCK=$T/clock
export JOBD_TEST_CLOCK=$CLOCK
T0=1780272000000		# 2026-06-01T00:00:00Z
MIN=60000
setclock() { echo "$1" >"$CLOCK.new" && mv "$CLOCK.new" "$CLOCK"; }
setclock $((T0 + 30000))

PROM=$T/prom
MFILE=$PROM/jobd.prom
mkdir -p "$PROM"
# visibility_timeout: jobs move the test clock while they run.
good_conf() {	# [key=value ...]
	write_conf poll_interval=100ms visibility_timeout=1h \
	    metrics_file="$MFILE" metrics_interval=1s "$@"
}
good_conf

# promcheck FILE: strict format, jobd_ prefix; promtool too when present.
promcheck() {
	_pc=$(python3 "$PROMCHECK" check "$1" jobd_ 2>&1) ||
	    { problem "format: $(echo "$_pc" | head -n 3)"; return 1; }
	if [ -x "${PROMTOOL:=$(command -v promtool || echo none)}" ]; then
		_pc=$("$PROMTOOL" check metrics <"$1" 2>&1) ||
		    { problem "promtool: $(echo "$_pc" | head -n 3)"; return 1; }
	fi
	return 0
}
# val FILE SERIES: its value, or "none".
val() {
	python3 "$PROMCHECK" value "$1" "$2" 2>/dev/null || echo none
}
# want FILE SERIES VALUE: the series has exactly that value.
want() {
	_wv=$(val "$1" "$2")
	[ "$_wv" = "$3" ] || problem "$2 is $_wv, want $3"
}
# metrics_to FILE: jobctl metrics into FILE, checked.
metrics_to() {
	run metrics
	[ "$RC" = 0 ] || { problem "jobctl metrics: exit $RC: $ERR"; return 1; }
	cp "$T/.out" "$1"
	promcheck "$1"
}
# The counters (and histograms) of FILE, one "SERIES VALUE" a line.
counters() {
	python3 "$PROMCHECK" series "$1" \
	    '_total\{|_bucket\{|_sum\{|_count\{'
}
# The series that do not move by themselves (not times or file sizes).
steady() {
	python3 "$PROMCHECK" series "$1" \
	    '^jobd_(jobs|queue_lag|dead_|attempts|run_|cron_|schedule_)'
}
nslots() {	# schedule: its ledger rows
	dsql "SELECT count(*) FROM schedule_slots l JOIN schedules s
	    ON s.id = l.schedule_id WHERE s.name = '$1'"
}
sched_jobs() {	# schedule state: how many of its jobs are in that state
	dsql "SELECT count(*) FROM jobs j JOIN schedules s
	    ON s.id = j.schedule_id WHERE s.name = '$1' AND j.state = '$2'"
}
# wait_file COND: the metrics file came to satisfy the shell condition.
wait_file() {
	wait_until 15 "$1" || problem "metrics_file never came to: $1"
}

begin "metrics: no daemon: a due job's queue lag, jobd_up 0, strict format"
submit --queue lagq true
setclock $((T0 + 120000))
metrics_to "$T/m0"
want "$T/m0" 'jobd_queue_lag_seconds{queue="lagq"}' 90
want "$T/m0" 'jobd_jobs{queue="lagq",state="pending"}' 1
want "$T/m0" 'jobd_jobs{queue="lagq",state="done"}' 0
want "$T/m0" 'jobd_attempts_total{queue="lagq",outcome="ok"}' 0
want "$T/m0" 'jobd_run_duration_seconds_bucket{queue="lagq",le="+Inf"}' 0
want "$T/m0" jobd_up 0
is_pg ||	# the SQLite file's
    [ "$(val "$T/m0" jobd_database_size_bytes)" = "$(stat -c %s "$DB")" ] ||
    problem "jobd_database_size_bytes is not the file's size"
grep -q '^jobd_daemon_up' "$T/m0" && problem "a daemon with none running"
end

# Bad input: jobctl's, and jobd's configuration (exit 78, nothing written).
dbdump >"$T/dump0"
bad "metrics with an argument" 64 'unexpected argument "now"' metrics now
bad "metrics --json" 64 "--json" metrics --json
bad "metrics --bogus" 64 '"--bogus"' metrics --bogus

# bad_conf NAME PATTERN KEY=VALUE ...: jobd (and jobd -n) refuse the config.
bad_conf() {
	_bn=$1 _bp=$2
	shift 2
	begin "bad config: $_bn"
	good_conf "$@"
	for _bx in "" -n; do
		"$JOBD" $_bx --config "$CONF" --db "$DB" >"$T/.bc.out" \
		    2>"$T/.bc.err"
		_brc=$?
		[ "$_brc" = 78 ] || problem "jobd $_bx: exit $_brc, want 78"
		grep -qF -e "$_bp" "$T/.bc.err" ||
		    problem "jobd $_bx: stderr lacks $_bp: $(cat "$T/.bc.err")"
		[ "$(wc -l <"$T/.bc.err")" -le 1 ] ||
		    problem "more than one line: $(cat "$T/.bc.err")"
	done
	dbdump >"$T/dump1"
	expect_same "$T/dump0" "$T/dump1" "database"
	[ -z "$(ls -A "$PROM")" ] || problem "wrote $(ls -A "$PROM")"
	end
}
bad_conf "metrics_interval below 1s" \
    'metrics_interval = "999ms": must be between 1s and 1h' \
    metrics_interval=999ms
bad_conf "metrics_interval above 1h" \
    'metrics_interval = "61m": must be between 1s and 1h' \
    metrics_interval=61m
bad_conf "metrics_interval not a duration" \
    'metrics_interval = "often": not a duration' metrics_interval=often
bad_conf "metrics_file relative" \
    'metrics_file = "jobd.prom": must be an absolute path' \
    metrics_file=jobd.prom
bad_conf "metrics_file in a missing directory" \
    "metrics_file = $T/nodir/jobd.prom: directory $T/nodir: No such file" \
    metrics_file="$T/nodir/jobd.prom"
bad_conf "metrics_file under a file" \
    "metrics_file = $T/jobd.conf/x.prom: $T/jobd.conf is not a directory" \
    metrics_file="$T/jobd.conf/x.prom"
bad_conf "metrics_file a directory" \
    "metrics_file = $PROM: is a directory" metrics_file="$PROM"
good_conf

begin "metrics: jobs that succeed, fail, time out, die and are cancelled, exactly"
start_jobd m1 && P=$JOBD_PID
wait_state 1 done 10
for i in 1 2 3; do submit --queue alpha true; done
wait_state "$ID" done 10
# A run of 7.5 s by the test clock: the job moves it.
submit --queue alpha "echo $((T0 + 127500)) >$CLOCK.job && mv $CLOCK.job $CLOCK"
wait_state "$ID" done 10
# Fails twice (the clock moves past its backoff), then dead.
submit --queue beta --max-attempts 2 'exit 3' && B1=$ID
wait_until 30 "[ \"\$(dsql 'SELECT attempts FROM jobs WHERE id = $B1
    AND state = '\"'\"'pending'\"'\"'')\" = 1 ]" ||
    problem "job $B1 did not fail once"
setclock $((T0 + 130000))
wait_state "$B1" dead 10
submit --queue beta --max-attempts 1 --timeout 1s 'sleep 30'
wait_state "$ID" dead 20
submit --queue gamma 'sleep 30' && G1=$ID
wait_state "$G1" running 10
"$JOBCTL" cancel "$G1" >/dev/null 2>&1 || problem "cancel $G1 failed"
wait_state "$G1" cancelled 20
metrics_to "$T/m1"
want "$T/m1" 'jobd_attempts_total{queue="lagq",outcome="ok"}' 1
want "$T/m1" 'jobd_attempts_total{queue="alpha",outcome="ok"}' 4
want "$T/m1" 'jobd_attempts_total{queue="alpha",outcome="failed"}' 0
want "$T/m1" 'jobd_attempts_total{queue="beta",outcome="failed"}' 2
want "$T/m1" 'jobd_attempts_total{queue="beta",outcome="timeout"}' 1
want "$T/m1" 'jobd_attempts_total{queue="beta",outcome="ok"}' 0
want "$T/m1" 'jobd_attempts_total{queue="gamma",outcome="cancelled"}' 1
want "$T/m1" 'jobd_jobs{queue="alpha",state="done"}' 4
want "$T/m1" 'jobd_jobs{queue="beta",state="dead"}' 2
want "$T/m1" 'jobd_jobs{queue="gamma",state="cancelled"}' 1
want "$T/m1" 'jobd_jobs{queue="lagq",state="pending"}' 0
want "$T/m1" 'jobd_dead_letters{queue="beta"}' 2
want "$T/m1" 'jobd_dead_letters_total{queue="beta"}' 2
want "$T/m1" 'jobd_dead_letters_total{queue="alpha"}' 0
want "$T/m1" 'jobd_queue_lag_seconds{queue="lagq"}' 0
want "$T/m1" 'jobd_run_duration_seconds_bucket{queue="alpha",le="0.1"}' 3
want "$T/m1" 'jobd_run_duration_seconds_bucket{queue="alpha",le="5"}' 3
want "$T/m1" 'jobd_run_duration_seconds_bucket{queue="alpha",le="15"}' 4
want "$T/m1" 'jobd_run_duration_seconds_bucket{queue="alpha",le="+Inf"}' 4
want "$T/m1" 'jobd_run_duration_seconds_sum{queue="alpha"}' 7.5
want "$T/m1" 'jobd_run_duration_seconds_count{queue="alpha"}' 4
want "$T/m1" 'jobd_run_duration_seconds_count{queue="beta"}' 3
want "$T/m1" 'jobd_run_duration_seconds_count{queue="gamma"}' 0
want "$T/m1" jobd_up 1
INST=$(dsql "SELECT instance FROM daemons WHERE pid = $P")
HOSTN=$(dsql "SELECT host FROM daemons WHERE pid = $P")
want "$T/m1" "jobd_daemon_up{instance=\"$INST\",host=\"$HOSTN\"}" 1
HB=$(val "$T/m1" \
    "jobd_daemon_heartbeat_timestamp_seconds{instance=\"$INST\",host=\"$HOSTN\"}")
# On PostgreSQL, jobd runs on the server's clock, not the test clock.
is_pg ||
    python3 -c "import sys; sys.exit(abs(float('$HB') * 1000 - $T0) > 3600000)" \
    2>/dev/null || problem "heartbeat $HB is not near the test clock"
end

begin "metrics_file: the same figures as jobctl metrics, mode 0644, no temporary left"
wait_file "[ \"\$(val '$MFILE' 'jobd_attempts_total{queue=\"gamma\",outcome=\"cancelled\"}')\" = 1 ]"
cp "$MFILE" "$T/f1"
promcheck "$T/f1"
metrics_to "$T/m1b"
steady "$T/f1" >"$T/f1.s"
steady "$T/m1b" >"$T/m1b.s"
expect_same "$T/m1b.s" "$T/f1.s" "metrics_file against jobctl metrics"
sed 's/ .*//' "$T/f1" >"$T/f1.names"
sed 's/ .*//' "$T/m1b" >"$T/m1b.names"
expect_same "$T/m1b.names" "$T/f1.names" "the series and their order"
[ "$(stat -c %a "$MFILE")" = 644 ] ||
    problem "mode $(stat -c %a "$MFILE"), want 644"
[ "$(ls -A "$PROM")" = jobd.prom ] || problem "in $PROM: $(ls -A "$PROM")"
end

begin "metrics_file: replaced atomically, never read half written"
python3 - "$MFILE" >"$T/.atomic" 2>&1 <<'EOF' || problem "$(cat "$T/.atomic")"
import os, sys, time
path, inodes, reads = sys.argv[1], set(), 0
end = time.monotonic() + 3.5
while time.monotonic() < end:
    with open(path, "rb") as f:
        inodes.add(os.fstat(f.fileno()).st_ino)
        data = f.read()
    reads += 1
    if not data.endswith(b"\n") or not data.startswith(b"# HELP jobd_up ") \
            or b"\njobd_database_wal_size_bytes " not in data:
        sys.exit("read %d: a partial file (%d bytes)" % (reads, len(data)))
if len(inodes) < 3:
    sys.exit("%d files in 3.5 s: not rewritten every second" % len(inodes))
EOF
end

begin "metrics: counters survive a restart of jobd; the last file says it stopped"
counters "$T/m1" >"$T/c1"
stop_jobd "$P" 10 || problem "jobd did not stop"
want "$MFILE" jobd_up 0
grep -q '^jobd_daemon_up' "$MFILE" && problem "the stopped daemon is still listed"
start_jobd m2 && P=$JOBD_PID
wait_file "[ \"\$(val '$MFILE' jobd_up)\" = 1 ]"
metrics_to "$T/m2"
counters "$T/m2" >"$T/c2"
expect_same "$T/c1" "$T/c2" "the counters"
[ -s "$T/c2" ] || problem "no counters"
end

begin "metrics: counters survive the deletion of old jobs, attempts and dead jobs"
dsql "DELETE FROM attempts; DELETE FROM jobs WHERE state IN ('done',
    'cancelled'); DELETE FROM dead_jobs;" || problem "delete failed"
metrics_to "$T/m3"
counters "$T/m3" >"$T/c3"
expect_same "$T/c1" "$T/c3" "the counters"
want "$T/m3" 'jobd_jobs{queue="alpha",state="done"}' 0
want "$T/m3" 'jobd_dead_letters{queue="beta"}' 0
want "$T/m3" 'jobd_dead_letters_total{queue="beta"}' 2
want "$T/m3" 'jobd_attempts_total{queue="alpha",outcome="ok"}' 4
end

begin "metrics: cron slots fired, skipped and missed per schedule, last success"
M=$((T0 + 10 * MIN))
setclock $((M + 30000))
"$JOBCTL" schedule add tick --cron '* * * * *' --overlap allow -- true \
    >/dev/null 2>&1 || problem "schedule add tick failed"
"$JOBCTL" schedule add slow --cron '* * * * *' --overlap skip -- sleep 60 \
    >/dev/null 2>&1 || problem "schedule add slow failed"
setclock $((M + MIN))
wait_until 10 "[ \$(sched_jobs tick done) = 1 ] && [ \$(sched_jobs slow running) = 1 ]" ||
    problem "the first slot did not run"
setclock $((M + 2 * MIN))
wait_until 10 "[ \$(nslots tick) = 2 ] && [ \$(nslots slow) = 2 ] &&
    [ \$(sched_jobs tick done) = 2 ]" || problem "the second slot did not fire"
SLOW=$(dsql "SELECT j.id FROM jobs j JOIN schedules s ON s.id = j.schedule_id
    WHERE s.name = 'slow' AND j.state = 'running'")
"$JOBCTL" cancel "$SLOW" >/dev/null 2>&1 || problem "cancel $SLOW failed"
wait_state "$SLOW" cancelled 20
stop_jobd "$P" 10 || problem "jobd did not stop"
# Down from 00:12 to 00:20:30: slots 00:13 .. 00:19 are missed; 00:20,
# within the grace, runs.
setclock $((M + 10 * MIN + 30000))
start_jobd m3 && P=$JOBD_PID
wait_until 10 "[ \$(nslots tick) = 10 ] && [ \$(nslots slow) = 10 ] &&
    [ \$(sched_jobs tick done) = 3 ]" ||
    problem "missed slots not recorded: $(nslots tick) $(nslots slow)"
LAST_OK=$(dsql "SELECT max(j.finished_at) FROM jobs j JOIN schedules s
    ON s.id = j.schedule_id WHERE s.name = 'tick' AND j.state = 'done'")
metrics_to "$T/m4"
want "$T/m4" 'jobd_cron_slots_total{schedule="tick",outcome="fired"}' 3
want "$T/m4" 'jobd_cron_slots_total{schedule="tick",outcome="skipped"}' 0
want "$T/m4" 'jobd_cron_slots_total{schedule="tick",outcome="missed"}' 7
want "$T/m4" 'jobd_cron_slots_total{schedule="slow",outcome="fired"}' 2
want "$T/m4" 'jobd_cron_slots_total{schedule="slow",outcome="skipped"}' 1
want "$T/m4" 'jobd_cron_slots_total{schedule="slow",outcome="missed"}' 7
LS=$(val "$T/m4" 'jobd_schedule_last_success_timestamp_seconds{schedule="tick"}')
python3 -c "import sys; sys.exit(round(float('$LS') * 1000) != int('$LAST_OK'))" \
    2>/dev/null || problem "last success $LS, want $LAST_OK ms"
[ "$(val "$T/m4" \
    'jobd_schedule_last_success_timestamp_seconds{schedule="slow"}')" = none ] ||
    problem "slow never succeeded, yet has a last success"
# "schedule run" is no slot, though its success is the schedule's.
setclock $((M + 10 * MIN + 40000))
"$JOBCTL" schedule run tick >/dev/null 2>&1 || problem "schedule run failed"
wait_until 10 "[ \$(sched_jobs tick done) = 4 ]" ||
    problem "the job of schedule run did not run"
# Pruning the ledger and the jobs lowers nothing.
dsql "DELETE FROM schedule_slots; DELETE FROM jobs WHERE schedule_id
    IS NOT NULL AND state IN ('done', 'cancelled')" ||
    problem "delete failed"
metrics_to "$T/m5"
want "$T/m5" 'jobd_cron_slots_total{schedule="tick",outcome="fired"}' 3
want "$T/m5" 'jobd_cron_slots_total{schedule="slow",outcome="missed"}' 7
want "$T/m5" 'jobd_cron_slots_total{schedule="slow",outcome="skipped"}' 1
want "$T/m5" \
    'jobd_schedule_last_success_timestamp_seconds{schedule="tick"}' \
    $(((M + 10 * MIN + 40000) / 1000))
end

begin "metrics_file: SIGHUP moves it; a bad new one is refused and the old kept"
mkdir -p "$T/prom2"
good_conf metrics_file="$T/prom2/jobd.prom"
kill -HUP "$P"
wait_until 10 "[ -s '$T/prom2/jobd.prom' ]" ||
    problem "no file at the new path after SIGHUP"
promcheck "$T/prom2/jobd.prom"
good_conf metrics_file="$T/gone/jobd.prom"
kill -HUP "$P"
wait_until 10 "grep -q 'metrics_file = $T/gone/jobd.prom: directory' '$T/m3.log'" ||
    problem "no warning for the bad metrics_file: $(tail -n 2 "$T/m3.log")"
I1=$(stat -c %i "$T/prom2/jobd.prom")
wait_until 10 "[ \"\$(stat -c %i '$T/prom2/jobd.prom')\" != $I1 ]" ||
    problem "the old metrics_file is no longer written"
[ -e "$T/gone" ] && problem "made $T/gone"
alive "$P" || problem "jobd exited"
stop_jobd "$P" 10 || problem "jobd did not stop"
end

no_strays "metrics: no strays"
no_sanitizer "metrics: no sanitizer reports"
