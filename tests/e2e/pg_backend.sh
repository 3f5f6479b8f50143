# jobd and jobctl on PostgreSQL: what only a database server brings.  Bad
# URIs, an unreachable server, wrong credentials and foreign databases are
# refused with a clear message, the right exit status and no password
# shown; six processes starting at once on an empty database migrate it
# once; NOTIFY wakes an idle daemon; a restart of the server loses no
# result and floods no log; a host whose clock is ten minutes fast takes
# no lease early; three daemons share one set of promises (each job once,
# a queue's concurrency, each cron slot once, one count of a user's
# running jobs); a daemon that dies on another host has its job run again
# once its lease runs out; and a claim passes over a job whose row another
# transaction holds.  Each case has a database of its own on one private
# server (pglib.sh).  Skipped when PostgreSQL is not installed.
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/pglib.sh"

T0=$(now_ms)
# fsync off: nothing here is about the machine crashing, and 200 jobs'
# commits would wait for the disk.  synchronous_commit stays on: a crash
# of the server itself (pg_down) loses nothing committed.
PG_CONF="fsync = off"
pg_start_or_skip pg_backend
info "pg_backend: server up in $(($(now_ms) - T0)) ms"

# The schema version a new jobd leaves: one per schema/postgresql file.
PG_VERSION=$(ls "$JOBD_TOP"/schema/postgresql/[0-9][0-9][0-9]_*.sql | wc -l)

# SQL on the case's database ($DB, a URI).
pq() {
	pg_sql "$DB" "$@"
}

# The database's schema and rows, to show that a refusal changed nothing.
pgdump() {	# uri
	"$PG_BIN/pg_dump" --no-owner -d "$1" 2>&1 |
	    grep -v -e '^--' -e '^\\restrict ' -e '^\\unrestrict '
}

# write_conf's test configuration, no cgroups, and schedules_dir $SCHED
# (default: an empty directory), into $CONF.
conf() {	# key=value ...
	write_conf cgroups=off "$@" || return 1
	mkdir -p "${SCHED:-$T/sched.none}"
	sed -i "/^\[jobd\]/a schedules_dir = ${SCHED:-$T/sched.none}" "$CONF"
}

# The daemons of this case still run (none died on its own).
all_alive() {
	died
	[ -z "$DIED" ] || problem "${DIED#; }"
}

# jobd run once, expected to refuse: JRC, $T/jobd1.out, $T/jobd1.err.
jobd_once() {	# jobd args
	timeout -k 2 20 "$JOBD" "$@" >"$T/jobd1.out" 2>"$T/jobd1.err"
	JRC=$?
}

# One refusal: jobctl or jobd exits CODE with one line on stderr that
# contains PATTERN and not SECRET (when given), nothing on stdout.
refused() {	# what code pattern [secret]
	case $1 in
	jobd*)	_rc=$JRC _out=$T/jobd1.out _err=$T/jobd1.err ;;
	*)	_rc=$RC _out=$T/.out _err=$T/.err ;;
	esac
	[ "$_rc" -eq "$2" ] || problem "$1: exit $_rc, expected $2 \
($(head -c 300 "$_err"))"
	[ -s "$_out" ] && problem "$1: stdout: $(head -c 200 "$_out")"
	[ "$(wc -l <"$_err")" -eq 1 ] || problem "$1: $(wc -l <"$_err") \
lines on stderr: $(head -c 300 "$_err")"
	grep -qF -e "$3" "$_err" ||
	    problem "$1: stderr lacks \"$3\": $(head -c 300 "$_err")"
	[ -z "${4:-}" ] || ! grep -qF -e "$4" "$_err" ||
	    problem "$1: the password is on stderr: $(head -c 300 "$_err")"
}

HOSTPART="host=$PG_DIR&port=$PG_PORT"
SECRET=Hunter2-pw
conf

#
# 1. Bad input.
#

use_db "$(pg_newdb bad)"
# Not jobd's: a table of its own, and a role that must give a password.
pq "CREATE TABLE keep (v int); INSERT INTO keep VALUES (1);
    CREATE ROLE pwuser LOGIN PASSWORD 'Right-pw-42';
    GRANT ALL ON SCHEMA public TO pwuser" >/dev/null
pgdump "$DB" >"$T/bad.0"

begin "pg bad: a malformed URI (a bad %XX in the password, an unknown parameter) is refused, 65 (jobctl) / 78 (jobd), password not shown"
u="postgresql://postgres:$SECRET%zz@/bad?$HOSTPART"
run --db "$u" list
refused "jobctl list" 65 "postgresql://postgres:***@/bad" "$SECRET"
run --db "$u" submit -- true
refused "jobctl submit" 65 "cannot parse its password" "$SECRET"
jobd_once --config "$CONF" --db "$u"
refused jobd 78 "postgresql://postgres:***@/bad" "$SECRET"
u="postgresql://postgres:$SECRET@/bad?$HOSTPART&no_such_parameter=1"
run --db "$u" submit -- true
refused "jobctl submit, unknown parameter" 65 \
    'invalid URI query parameter: "no_such_parameter"' "$SECRET"
jobd_once --config "$CONF" --db "$u"
refused "jobd, unknown parameter" 78 "no_such_parameter" "$SECRET"
pgdump "$DB" >"$T/bad.1"
expect_same "$T/bad.0" "$T/bad.1" "the database"
end

begin "pg bad: no server at the socket: 75, the database named, password not shown"
mkdir "$T/nosrv"
u="postgresql://postgres:$SECRET@/jobd?host=$T/nosrv&port=5432"
run --db "$u" submit -- true
refused "jobctl submit" 75 "postgresql://postgres:***@/jobd?host=$T/nosrv" \
    "$SECRET"
expect_err_contains "cannot connect"
run --db "$u" list
refused "jobctl list" 75 "postgresql://postgres:***@/jobd?host=$T/nosrv" \
    "$SECRET"
jobd_once --config "$CONF" --db "$u"
refused jobd 75 "postgresql://postgres:***@/jobd?host=$T/nosrv" "$SECRET"
end

begin "pg bad: wrong password for a role with password authentication: 77, password not shown, nothing changed"
pg_hba "local all pwuser scram-sha-256" || problem "$PG_WHY"
# The reload is asynchronous: wait until a connection without a password
# is refused.
wait_until 10 "! \"\$PG_BIN/psql\" -X -w -c 'SELECT 1' \
    -d \"postgresql:///bad?$HOSTPART&user=pwuser\" >/dev/null 2>&1" ||
    problem "pg_hba.conf not in force"
"$PG_BIN/psql" -X -w -A -t -d \
    "postgresql://pwuser:Right-pw-42@/bad?$HOSTPART" -c 'SELECT 1' \
    >"$T/pw.out" 2>&1 && [ "$(cat "$T/pw.out")" = 1 ] ||
    problem "the right password does not connect: $(cat "$T/pw.out")"
u="postgresql://pwuser:$SECRET@/bad?$HOSTPART"
run --db "$u" submit -- true
refused "jobctl submit" 77 "password authentication failed" "$SECRET"
expect_err_contains "postgresql://pwuser:***@/bad"
run --db "$u" list
refused "jobctl list" 77 "password authentication failed" "$SECRET"
jobd_once --config "$CONF" --db "$u"
refused jobd 77 "password authentication failed" "$SECRET"
pgdump "$DB" >"$T/bad.1"
expect_same "$T/bad.0" "$T/bad.1" "the database"
end

begin "pg bad: a database that holds other tables is refused, 65, and left as it was"
run submit -- true
refused "jobctl submit" 65 "not a jobd database"
run list
refused "jobctl list" 65 "not a jobd database"
jobd_once --config "$CONF" --db "$DB"
refused jobd 65 "not a jobd database"
pgdump "$DB" >"$T/bad.1"
expect_same "$T/bad.0" "$T/bad.1" "the database"
end

begin "pg bad: a database of a newer jobd (version 99) is refused, 69, and left as it was"
use_db "$(pg_newdb newer)"
run submit -- true
expect_rc 0
pq "UPDATE jobd_meta SET version = 99" >/dev/null
pgdump "$DB" >"$T/newer.0"
run submit -- true
refused "jobctl submit" 69 "newer than this jobd supports"
run list
refused "jobctl list" 69 "upgrade jobd"
jobd_once --config "$CONF" --db "$DB"
refused jobd 69 "newer than this jobd supports"
pgdump "$DB" >"$T/newer.1"
expect_same "$T/newer.0" "$T/newer.1" "the database"
end

begin "pg bad: jobctl's read commands on an empty database say there is no jobd database (66) and create nothing"
use_db "$(pg_newdb empty)"
for c in "list" "show 1" "logs 1" "status" "dead list" "stats" \
    "schedule list" "wait 1" "metrics"; do
	run $c
	refused "jobctl $c" 66 "no such database (it has no jobd tables"
done
# As for a SQLite file that does not exist: no queues, no error.
run queue list
expect_rc 0
expect_err_empty
[ "$(pq "SELECT count(*) FROM pg_class WHERE relnamespace =
    'public'::regnamespace")" = 0 ] ||
    problem "it holds: $(pq "SELECT string_agg(relname, ' ') FROM pg_class
    WHERE relnamespace = 'public'::regnamespace")"
end

begin "pg bad: a password in the URI is masked in jobd's log and in --check-config (from --db and JOBD_DB)"
use_db "$(pg_newdb masked)"
u="postgresql://postgres:$SECRET@/masked?$HOSTPART"
shown="postgresql://postgres:***@/masked?$HOSTPART"
jobd_once --config "$CONF" --db "$u" --check-config
[ "$JRC" -eq 0 ] ||
    problem "--check-config --db: exit $JRC: $(cat "$T/jobd1.err")"
grep -qxF "# database: $shown" "$T/jobd1.out" ||
    problem "--check-config --db: $(grep -i database "$T/jobd1.out")"
JOBD_DB=$u timeout 20 "$JOBD" --config "$CONF" --check-config \
    >"$T/check3.out" 2>&1
grep -qF "$shown" "$T/check3.out" ||
    problem "--check-config, JOBD_DB: $(grep -i database "$T/check3.out")"
cat "$T/jobd1.out" "$T/jobd1.err" "$T/check3.out" |
    grep -F "$SECRET" >"$T/leak" && problem "--check-config shows the \
password: $(head -c 300 "$T/leak")"
# The server trusts the socket: the password is ignored, jobd runs.
use_db "$u"
start_jobd masked && {
	submit -- true && wait_state "$ID" done 10
	run show "$ID"
	grep -F "$SECRET" "$T/.out" "$T/.err" && problem "jobctl show: password"
	stop_jobd "$JOBD_PID"
	grep -qF "database $shown" "$T/masked.log" ||
	    problem "no \"database $shown\" in the log: $(head -n 3 \
	    "$T/masked.log")"
	grep -F "$SECRET" "$T/masked.log" >"$T/leak" &&
	    problem "jobd's log shows the password: $(head -c 300 "$T/leak")"
}
end

begin "pg bad: a URI in jobd.conf's database = is taken, its password masked in --check-config"
cp "$CONF" "$T/masked.conf"
sed -i "/^\[jobd\]/a database = $u" "$T/masked.conf"
JOBD_DB= timeout 20 "$JOBD" --config "$T/masked.conf" --check-config \
    >"$T/check2.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || problem "exit $rc: $(cat "$T/check2.out")"
grep -qxF "database = $shown" "$T/check2.out" ||
    problem "$(grep -i database "$T/check2.out")"
grep -F "$SECRET" "$T/check2.out" >"$T/leak" &&
    problem "the password is shown: $(head -c 300 "$T/leak")"
# A bad one: refused (78) with the password masked.
cp "$CONF" "$T/bad.conf"
sed -i "/^\[jobd\]/a database = postgresql://postgres:$SECRET@/x?nosuch=1" \
    "$T/bad.conf"
JOBD_DB= timeout 20 "$JOBD" --config "$T/bad.conf" --check-config \
    >"$T/check4.out" 2>&1
rc=$?
[ "$rc" -eq 78 ] || problem "a bad URI: exit $rc, not 78"
grep -q "bad.conf:[0-9]*: database" "$T/check4.out" ||
    problem "a bad URI: $(cat "$T/check4.out")"
grep -F "$SECRET" "$T/check4.out" >"$T/leak" &&
    problem "a bad URI: the password is shown: $(head -c 300 "$T/leak")"
end

#
# 2. Migrations once.
#

begin "pg migrate: 3 jobd and 3 jobctl started at once on an empty database all succeed; one migration"
use_db "$(pg_newdb migrate)"
conf poll_interval=1s
go=$T/migrate.go
cat >"$T/at-go" <<EOF
#!/bin/sh
while [ ! -e "$go" ]; do sleep 0.01; done
exec "\$@"
EOF
chmod 755 "$T/at-go"
pids=
for i in 1 2 3; do
	"$T/at-go" "$JOBD" --config "$CONF" --db "$DB" 2>>"$T/mig$i.log" &
	echo "$! $T/mig$i.log" >>"$T/.jobd_logs"
	echo "$!" >>"$T/.jobd_pids"
	pids="$pids $!"
	"$T/at-go" "$JOBCTL" submit -- true >"$T/migsub$i.out" \
	    2>"$T/migsub$i.err" &
	eval "sub$i=\$!"
done
touch "$go"
for i in 1 2 3; do
	eval "wait \$sub$i"
	rc=$?
	[ "$rc" -eq 0 ] && grep -qE '^[0-9]+$' "$T/migsub$i.out" ||
	    problem "jobctl submit $i: exit $rc: $(cat "$T/migsub$i.err")"
done
wait_until 20 "[ \"\$(pq 'SELECT count(*) FROM daemons' 2>/dev/null)\" = 3 ]" ||
    problem "$(pq 'SELECT count(*) FROM daemons') daemons registered"
all_alive
[ "$(pq 'SELECT version FROM jobd_meta')" = "$PG_VERSION" ] &&
    [ "$(pq 'SELECT count(*) FROM jobd_meta')" = 1 ] ||
    problem "jobd_meta: $(pq 'SELECT * FROM jobd_meta')"
# Created once: every table by one transaction (one xmin in pg_class).
n=$(pq "SELECT count(DISTINCT xmin::text) FROM pg_class
    WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'")
[ "$n" = 1 ] || problem "tables made by $n transactions"
[ "$(pq 'SELECT count(*) FROM jobs')" = 3 ] ||
    problem "jobs: $(pq 'SELECT count(*) FROM jobs')"
cat "$T"/mig?.log "$T"/migsub?.err | grep -i -e error -e warn \
    -e migration >"$T/mig.bad" && problem "$(head -c 300 "$T/mig.bad")"
for p in $pids; do
	stop_jobd "$p" || problem "jobd $p did not stop"
	[ "$STOP_RC" = 0 ] || problem "jobd $p: exit $STOP_RC"
done
end

begin "pg migrate: a version 1 database with jobs is upgraded by jobctl; its counts stay right"
use_db "$(pg_newdb upgrade)"
pg_sql "$DB" <"$JOBD_TOP/schema/postgresql/001_init.sql" >/dev/null ||
    problem "001 does not apply"
# Jobs as version 1's row triggers counted them: pending in a and b, done
# in a, one dead in b.
pq "INSERT INTO jobs (queue, command, state, run_at, created_at,
    updated_at) SELECT CASE WHEN i % 3 = 0 THEN 'b' ELSE 'a' END, 'true',
    CASE WHEN i % 5 = 0 THEN 'done' ELSE 'pending' END, 0, 0, 0
    FROM generate_series(1, 300) AS c(i);
    INSERT INTO dead_jobs (id, queue, command, priority, run_at, attempts,
    created_at, updated_at, dead_at, reason) VALUES (100000, 'b', 'false', 0,
    0, 1, 0, 0, 0, 'failed')" >/dev/null || problem "version 1 jobs"
[ "$(pq 'SELECT version FROM jobd_meta')" = 1 ] || problem "not version 1"
counts_diff >"$T/upg.diff"
[ -s "$T/upg.diff" ] && problem "version 1 counts: $(cat "$T/upg.diff")"
yes true | head -n 2000 >"$T/upg.batch"
run submit --batch --queue a --in 1h <"$T/upg.batch"
expect_rc 0
[ "$(pq 'SELECT version FROM jobd_meta')" = "$PG_VERSION" ] ||
    problem "jobd_meta: $(pq 'SELECT * FROM jobd_meta')"
counts_diff >"$T/upg.diff"
[ -s "$T/upg.diff" ] && problem "after the upgrade: $(cat "$T/upg.diff")"
"$JOBCTL" metrics | grep -qx 'jobd_jobs{queue="a",state="pending"} 2160' ||
    problem "metrics: $("$JOBCTL" metrics | grep '^jobd_jobs{queue="a"')"
run cancel $(pq "SELECT id FROM jobs WHERE queue = 'b' AND state = 'pending'")
expect_rc 0
run dead retry 100000
expect_rc 0
run prune --older-than 0s
expect_rc 0
counts_diff >"$T/upg.diff"
[ -s "$T/upg.diff" ] && problem "after cancel, retry, prune: $(cat "$T/upg.diff")"
[ "$(pq 'SELECT count(*) FROM metric_jobs_delta')" = 0 ] ||
    problem "deltas left after the commits"
end

#
# 3. Wake-ups.
#

begin "pg wake: poll_interval 60s: a submitted job starts at once (NOTIFY), a cancel stops a running job at once"
use_db "$(pg_newdb wake)"
conf poll_interval=60s visibility_timeout=30s
start_jobd wake && {
	# Past the daemon's first turns: idle, the next timer a minute off.
	wait_until 5 "grep -q started '$T/wake.log'"
	t=$(now_ms)
	submit -- "echo \$\$ >>'$JOBPIDS'; touch '$T/wake.ran'" &&
	    wait_until 5 "[ -e '$T/wake.ran' ]" &&
	    info "pg_backend: submit to start: $(($(now_ms) - t)) ms" ||
	    problem "job $ID did not start within 5 s of its submission"
	wait_state "$ID" done 5
	submit -- "echo \$\$ >>'$JOBPIDS'; echo \$\$ >'$T/wake.pid';
	    exec sleep 60" &&
	    wait_until 5 "[ -s '$T/wake.pid' ]" ||
	    problem "job $ID did not start within 5 s"
	pid=$(cat "$T/wake.pid" 2>/dev/null)
	t=$(now_ms)
	run cancel "$ID"
	expect_rc 0
	wait_until 5 "! alive ${pid:-0}" ||
	    problem "job process ${pid:-?} alive 5 s after the cancel"
	wait_state "$ID" cancelled 5 &&
	    info "pg_backend: cancel to cancelled: $(($(now_ms) - t)) ms"
	all_alive
	stop_jobd "$JOBD_PID"
}
end

#
# 4. Losing the database.
#

begin "pg outage: the server restarts under a running job: its result is recorded once back; jobctl says 75 meanwhile; few log lines; jobd stays"
use_db "$(pg_newdb outage)"
conf visibility_timeout=12s
start_jobd outage && {
	submit -- "echo \$\$ >>'$JOBPIDS'; touch '$T/out.start';
	    while [ ! -e '$T/out.down' ]; do sleep 0.05; done; sleep 0.5;
	    touch '$T/out.end'" &&
	    wait_until 5 "[ -e '$T/out.start' ]" ||
	    problem "job $ID did not start"
	lines0=$(wc -l <"$T/outage.log")
	pg_down || problem "$PG_WHY"
	t_down=$(now_ms)
	touch "$T/out.down"
	run list
	expect_rc 75
	expect_err_contains "cannot connect"
	expect_err_contains "$DB"
	[ "$(wc -l <"$T/.err")" -eq 1 ] || problem "jobctl list: $ERR"
	run submit -- true
	expect_rc 75
	# Down for 4 s: the job ends meanwhile, jobd tries again and again.
	wait_until 15 "[ -e '$T/out.end' ] &&
	    [ \$(now_ms) -ge $((t_down + 4000)) ]" ||
	    problem "the job did not end during the outage"
	pg_up || problem "$PG_WHY"
	info "pg_backend: server down $(($(now_ms) - t_down)) ms"
	wait_state "$ID" done 20
	[ "$(pq "SELECT attempts FROM jobs WHERE id = $ID")" = 1 ] &&
	    [ "$(pq "SELECT count(*) || ' ' || min(outcome) FROM attempts
	    WHERE job_id = $ID")" = "1 ok" ] ||
	    problem "attempts: $(pq "SELECT attempt, outcome, error FROM
	    attempts WHERE job_id = $ID")"
	run list
	expect_rc 0
	all_alive
	sed -n "$((lines0 + 1)),\$p" "$T/outage.log" >"$T/outage.new"
	n=$(grep -c -e warn -e error "$T/outage.new")
	info "pg_backend: jobd's log during the outage:" \
	    "$(tr '\n' '|' <"$T/outage.new")"
	[ "$n" -ge 1 ] && [ "$n" -le 4 ] ||
	    problem "$n warnings or errors logged for one outage"
	grep -q "database .* works again" "$T/outage.new" ||
	    problem "no \"works again\" line"
	stop_jobd "$JOBD_PID"
	[ "$STOP_RC" = 0 ] || problem "jobd: exit $STOP_RC"
}
end

#
# 5. Clock skew.
#

begin "pg skew: a daemon whose host clock is 10 min fast takes no lease of another early, and says its clock is ahead"
use_db "$(pg_newdb skew)"
conf visibility_timeout=30s workers=1
start_jobd skewB && B=$JOBD_PID && {
	submit -- "echo \$\$ >>'$JOBPIDS';
	    while [ ! -e '$T/skew.go' ]; do sleep 0.05; done" &&
	    L=$ID && wait_state "$L" running 5
	echo "+600000" >"$T/skew.clock"
	jobd_via env JOBD_TEST_CLOCK="$T/skew.clock"
	start_jobd skewA && A=$JOBD_PID &&
	    ownA=$(pq "SELECT instance FROM daemons WHERE pid = $A")
	JOBD=$JOBD_REAL
	# B's one worker is busy: A runs this one, so A has taken turns
	# (and seen B's lease) by the time it is done.
	submit -- true && wait_state "$ID" done 10 &&
	    [ "$(pq "SELECT owner FROM attempts WHERE job_id = $ID")" = \
	    "$ownA" ] || problem "job $ID was not run by A"
	[ "$(jstate "$L")" = running ] &&
	    [ "$(pq "SELECT count(*) FROM attempts WHERE job_id = $L")" = 1 ] ||
	    problem "job $L: $(jstate "$L"), attempts $(pq "SELECT attempt ||
	    ' ' || owner || ' ' || coalesce(outcome, '-') FROM attempts
	    WHERE job_id = $L")"
	touch "$T/skew.go"
	wait_state "$L" done 10
	[ "$(pq "SELECT attempts FROM jobs WHERE id = $L")" = 1 ] &&
	    [ "$(pq "SELECT count(*) || ' ' || min(outcome) FROM attempts
	    WHERE job_id = $L AND owner <> '$ownA'")" = "1 ok" ] ||
	    problem "job $L's attempts: $(pq "SELECT attempt || ' ' || owner ||
	    ' ' || coalesce(outcome, '-') FROM attempts WHERE job_id = $L")"
	ms=$(sed -n "s/.*this host's clock is \([0-9]*\) ms ahead of the \
database server's.*/\1/p" "$T/skewA.log" | head -n 1)
	[ -n "$ms" ] && [ "$ms" -ge 595000 ] && [ "$ms" -le 605000 ] ||
	    problem "A's log: $(grep -i clock "$T/skewA.log")"
	grep -q "clock is" "$T/skewB.log" &&
	    problem "B's log: $(grep "clock is" "$T/skewB.log")"
	all_alive
	stop_jobd "$A"
	stop_jobd "$B"
}
end

begin "pg skew: jobctl on a host 10 min fast dates jobs, --in, schedules and list --since by the server's clock"
use_db "$(pg_newdb skewctl)"
echo "+600000" >"$T/skewctl.clock"
srv_ms() {
	pq "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint"
}
# Within a few seconds of the server's time between s0 and s1, plus ADD.
near() {	# what value add
	[ "$2" -ge $((s0 + $3 - 3000)) ] && [ "$2" -le $((s1 + $3 + 3000)) ] ||
	    problem "$1: $2, the server's time + $3 was $s0 .. $s1"
}
s0=$(srv_ms)
now_id=$(JOBD_TEST_CLOCK="$T/skewctl.clock" "$JOBCTL" submit -- true) &&
    in_id=$(JOBD_TEST_CLOCK="$T/skewctl.clock" "$JOBCTL" submit --in 1h \
    -- true 2>/dev/null) &&
    JOBD_TEST_CLOCK="$T/skewctl.clock" "$JOBCTL" schedule add every5 \
    --cron '*/5 * * * *' --tz UTC -- true >/dev/null ||
    problem "jobctl failed"
s1=$(srv_ms)
near "job $now_id's run_at" "$(pq "SELECT run_at FROM jobs WHERE id = \
${now_id:-0}")" 0
near "job $now_id's created_at" "$(pq "SELECT created_at FROM jobs WHERE \
id = ${now_id:-0}")" 0
near "job $in_id's run_at (--in 1h)" "$(pq "SELECT run_at FROM jobs WHERE \
id = ${in_id:-0}")" 3600000
# The next slot of */5 after the server's time, not after the host's.
next=$(pq "SELECT next_run_at FROM schedules WHERE name = 'every5'")
[ -n "$next" ] && [ "$next" -gt "$s0" ] && [ "$next" -le $((s1 + 300000)) ] ||
    problem "every5's next run: $next, the server's time $s0 .. $s1"
# The jobs of the last minute by the server's clock: the host's would
# start 9 minutes after them.
JOBD_TEST_CLOCK="$T/skewctl.clock" "$JOBCTL" list --since 1m \
    >"$T/since.out" 2>&1 || problem "list --since: $(cat "$T/since.out")"
for i in ${now_id:-0} ${in_id:-0}; do
	grep -q "^ *$i " "$T/since.out" ||
	    problem "list --since 1m lacks job $i: $(cat "$T/since.out")"
done
end

#
# 6. Three daemons, one set of promises.
#

begin "pg three daemons: 200 jobs each run once; a queue of concurrency 1 runs one at a time, one of rate 2/1s keeps one bucket; each cron slot makes one job"
use_db "$(pg_newdb three)"
for d in a b c; do
	SCHED=$T/sched.$d
	mkdir -p "$SCHED"
	cat >"$SCHED/every.conf" <<EOF
[every-minute]
cron = * * * * *
command = true
catchup = all
overlap = allow
EOF
	CONF=$T/jobd.$d.conf
	conf workers=4
	start_jobd "three$d" || break
	eval "pid_$d=\$JOBD_PID"
done
SCHED= CONF=$T/jobd.conf
run queue set serial --concurrency 1
expect_rc 0
# A rate of 2 a second is one bucket for all three daemons: a burst of
# 2, then 2 a second; three buckets would start 6 at once.
run queue set paced --rate 2/1s
expect_rc 0
[ "$(pq "SELECT count(*) FROM schedules WHERE name = 'every-minute'")" = 1 ] ||
    problem "schedules: $(pq 'SELECT name, source FROM schedules')"
# Ten missed minutes, as after an outage of every daemon: catch-up "all"
# makes a job for each, and all three daemons see them at once.
first=$(pq "UPDATE schedules SET next_run_at = next_run_at - 600000
    RETURNING next_run_at; NOTIFY jobd_wake")
seq 200 | sed "s|.*|echo \$\$ >>'$JOBPIDS'|" | "$JOBCTL" submit --batch \
    >"$T/ids200" 2>"$T/ids200.err" || problem "submit --batch: \
$(cat "$T/ids200.err")"
for i in $(seq 12); do
	submit -q serial -- "echo \$\$ >>'$JOBPIDS'; sleep 0.1" || break
done
seq 12 | sed "s|.*|echo \$\$ >>'$JOBPIDS'|" | "$JOBCTL" submit --batch \
    -q paced >/dev/null 2>"$T/paced.err" || problem "submit --batch -q \
paced: $(cat "$T/paced.err")"
smax=0
serial_probe() {
	_n=$(pq "SELECT count(*) FROM jobs WHERE queue = 'serial' AND
	    state = 'running'")
	_n=${_n:-0}
	[ "$_n" -gt "$smax" ] && smax=$_n
	[ "$(pq "SELECT count(*) FROM jobs WHERE state <> 'done'")" = 0 ] &&
	    [ "$(pq "SELECT count(*) FROM schedule_slots")" -ge 10 ]
}
wait_until 40 serial_probe ||
    problem "not done: $(pq "SELECT state, count(*) FROM jobs GROUP BY 1")"
[ "$smax" -le 1 ] || problem "$smax serial jobs running at once"
n=$(pq "SELECT count(*) FROM jobs WHERE queue = 'default' AND
    schedule_id IS NULL AND state = 'done' AND attempts = 1")
[ "$n" = 200 ] || problem "$n of 200 jobs done with one attempt"
n=$(pq "SELECT count(*) FROM (SELECT j.id FROM jobs j JOIN attempts a ON
    a.job_id = j.id GROUP BY j.id HAVING count(*) <> 1) x")
[ "$n" = 0 ] || problem "$n jobs with other than one attempt row"
info "pg_backend: attempts per daemon: $(pq "SELECT count(*) FROM attempts
    GROUP BY owner ORDER BY 1" | tr '\n' ' ')"
[ "$(pq 'SELECT count(DISTINCT owner) FROM attempts')" -ge 2 ] ||
    problem "one daemon ran everything"
n=$(pq "SELECT count(*) FROM (SELECT a.started_at, lag(a.finished_at)
    OVER (ORDER BY a.started_at) AS prev FROM attempts a JOIN jobs j ON
    j.id = a.job_id WHERE j.queue = 'serial') x WHERE started_at < prev")
[ "$n" = 0 ] || problem "$n serial attempts overlap the one before: \
$(pq "SELECT a.owner || ' ' || a.started_at || '-' || a.finished_at FROM
    attempts a JOIN jobs j ON j.id = a.job_id WHERE j.queue = 'serial'
    ORDER BY a.started_at" | tr '\n' ' ')"
info "pg_backend: serial jobs ran on $(pq "SELECT count(DISTINCT owner)
    FROM attempts a JOIN jobs j ON j.id = a.job_id
    WHERE j.queue = 'serial'") daemons; least gap between two:" \
    "$(pq "SELECT min(started_at - prev) FROM (SELECT a.started_at,
    lag(a.finished_at) OVER (ORDER BY a.started_at) AS prev FROM attempts a
    JOIN jobs j ON j.id = a.job_id WHERE j.queue = 'serial') x") ms"
# In any second from one start on: at most the burst and a second's
# refill, by the times the daemons recorded (the server's).
n=$(pq "SELECT max(c) FROM (SELECT (SELECT count(*) FROM attempts b JOIN
    jobs k ON k.id = b.job_id WHERE k.queue = 'paced' AND
    b.started_at >= a.started_at AND b.started_at < a.started_at + 1000) c
    FROM attempts a JOIN jobs j ON j.id = a.job_id
    WHERE j.queue = 'paced') x")
[ "${n:-9}" -le 4 ] || problem "$n paced jobs started within a second: \
$(pq "SELECT a.owner || ' ' || a.started_at FROM attempts a JOIN jobs j ON
    j.id = a.job_id WHERE j.queue = 'paced' ORDER BY a.started_at" |
    tr '\n' ' ')"
info "pg_backend: paced jobs ran on $(pq "SELECT count(DISTINCT owner)
    FROM attempts a JOIN jobs j ON j.id = a.job_id
    WHERE j.queue = 'paced'") daemons, at most $n in a second"
# Each slot, from the first missed on, one job; no minute left out.
out=$(pq "SELECT count(*), count(DISTINCT slot_at), min(slot_at),
    max(slot_at) FROM jobs WHERE schedule_id IS NOT NULL")
IFS='|' read -r nj ns lo hi <<EOF
$out
EOF
[ "$nj" = "$ns" ] && [ "$lo" = "$first" ] &&
    [ "$ns" -eq $(((hi - lo) / 60000 + 1)) ] && [ "$ns" -ge 10 ] ||
    problem "cron jobs, slots, first, last: $out (first missed: $first)"
n=$(pq "SELECT count(*) FROM schedule_slots s LEFT JOIN jobs j ON
    j.id = s.job_id WHERE s.outcome <> 'queued' OR j.slot_at <> s.slot_at
    OR j.id IS NULL")
[ "$n" = 0 ] || problem "$n slots without their job"
all_alive
for d in a b c; do
	eval "stop_jobd \$pid_$d"
done
end

begin "pg three daemons: a queue's max_running_per_user (2) and jobd.conf's (3) are one count across all daemons: one user's jobs never run more at once, and do reach it"
use_db "$(pg_newdb users)"
# Fewer workers per daemon than the limit: to reach it, two daemons must
# run jobs at once; counted per daemon, three would run more.  (The
# daemon that ends a job claims the next in the same transaction: with
# as many workers as the limit, one daemon could run every job.)  Set 1:
# a queue's limit of 2, workers 1; set 2: jobd.conf's limit of 3, workers
# 2, over two queues without limits.  Jobs without --user all run as
# jobd's user: one user.
set1="j.queue = 'peruser'"
set2="j.queue IN ('users1', 'users2')"
run queue set peruser --max-running-per-user 2
expect_rc 0
for set in 1 2; do
	pids=
	for d in a b c; do
		CONF=$T/jobd.$d.conf
		conf workers=$set max_running_per_user=3
		start_jobd "users$set$d" || break
		pids="$pids $JOBD_PID"
	done
	CONF=$T/jobd.conf
	[ "$set" = 1 ] && qs="peruser:12" || qs="users1:6 users2:6"
	for q in $qs; do
		seq "${q#*:}" | sed "s|.*|echo \$\$ >>'$JOBPIDS'; sleep 0.3|" |
		    "$JOBCTL" submit --batch -q "${q%:*}" >/dev/null \
		    2>"$T/users.err" || problem "submit --batch -q ${q%:*}: \
$(cat "$T/users.err")"
	done
	eval "where=\$set$set"
	wait_until 40 "[ \"\$(pq \"SELECT count(*) FROM jobs j WHERE $where
	    AND state <> 'done'\")\" = 0 ]" || problem "set $set not done: \
$(pq "SELECT state, count(*) FROM jobs j WHERE $where GROUP BY 1" |
	    tr '\n' ' ')"
	all_alive
	for p in $pids; do
		stop_jobd "$p"
	done
done
for set in 1 2; do
	eval "where=\$set$set"
	lim=$((set + 1))
	n=$(pq "SELECT count(*) FROM jobs j WHERE $where AND state = 'done' AND
	    attempts = 1 AND (SELECT count(*) FROM attempts a
	    WHERE a.job_id = j.id) = 1")
	[ "$n" = 12 ] || problem "set $set: $n of 12 jobs done with one attempt"
	# At once: for each attempt, the set's attempts running at its
	# start, by the times the daemons recorded (the server's).
	most=$(pq "WITH s AS (SELECT a.started_at AS s, a.finished_at AS f
	    FROM attempts a JOIN jobs j ON j.id = a.job_id WHERE $where)
	    SELECT max((SELECT count(*) FROM s b WHERE b.s <= x.s AND
	    x.s < b.f)) FROM s x")
	owners=$(pq "SELECT count(*) FROM attempts a JOIN jobs j ON
	    j.id = a.job_id WHERE $where GROUP BY a.owner ORDER BY 1 DESC" |
	    tr '\n' ' ')
	info "pg_backend: per-user limit $lim: at most ${most:-?} at once;" \
	    "attempts per daemon: $owners"
	[ "${most:-0}" -le "$lim" ] || problem "set $set: $most jobs of one \
user at once, limit $lim: $(pq "SELECT a.owner || ' ' || a.started_at ||
	    '-' || a.finished_at FROM attempts a JOIN jobs j ON j.id = a.job_id
	    WHERE $where ORDER BY a.started_at" | tr '\n' ' ')"
	[ "${most:-0}" -ge "$lim" ] ||
	    problem "set $set: at most ${most:-0} at once, never the limit $lim"
	[ "$(echo $owners | wc -w)" -ge 2 ] ||
	    problem "set $set: one daemon ran every job"
done
end

#
# 7. A daemon that dies on another host.
#

begin "pg other host: a daemon killed on another host: its job runs again after the lease expires (lost + one more), done once"
use_db "$(pg_newdb host)"
conf visibility_timeout=3s
cat >"$T/otherhost" <<'EOF'
#!/bin/sh
exec unshare --uts sh -c 'hostname pgtest-other && exec "$0" "$@"' "$@"
EOF
chmod 755 "$T/otherhost"
if ! unshare --uts true 2>/dev/null; then
	skip "pg other host" "unshare --uts fails here: cannot fake a host"
else
	jobd_via "$T/otherhost"
	start_jobd hostA && A=$JOBD_PID
	JOBD=$JOBD_REAL
	[ "$(pq "SELECT host FROM daemons WHERE pid = $A")" = pgtest-other ] ||
	    problem "A's host: $(pq "SELECT host FROM daemons WHERE pid = $A")"
	submit -- "echo \$\$ >>'$JOBPIDS'; echo \$\$ >'$T/host.'\$JOBD_ATTEMPT;
	    [ \$JOBD_ATTEMPT -gt 1 ] || exec sleep 60" &&
	    wait_until 5 "[ -s '$T/host.1' ]" || problem "job $ID did not start"
	start_jobd hostB && B=$JOBD_PID
	ownB=$(pq "SELECT instance FROM daemons WHERE pid = $B")
	# A dies, and its service manager ends what it ran.
	kill -KILL "$A"
	reap_jobd "$A" 5
	kill -KILL "$(cat "$T/host.1")"
	t_kill=$(now_ms)
	wait_state "$ID" done 15
	out=$(pq "SELECT string_agg(attempt || ' ' || outcome || ' ' ||
	    (owner = '$ownB'), ',' ORDER BY attempt) FROM attempts
	    WHERE job_id = $ID")
	[ "$out" = "1 lost false,2 ok true" ] ||
	    problem "attempts (n, outcome, B's?): $out"
	[ "$(pq "SELECT attempts FROM jobs WHERE id = $ID")" = 2 ] ||
	    problem "jobs.attempts: $(pq "SELECT attempts FROM jobs
	    WHERE id = $ID")"
	# Not at once: B cannot tell whether another host's daemon lives.
	late=$(($(pq "SELECT started_at FROM attempts WHERE job_id = $ID AND
	    attempt = 2") - t_kill))
	info "pg_backend: attempt 2 started $late ms after the kill"
	[ "$late" -ge 1000 ] || problem "attempt 2 started $late ms after \
the kill: before the lease ran out"
	grep -q "is gone; reclaimed" "$T/hostB.log" &&
	    problem "B reclaimed as if A were of its host"
	all_alive
	stop_jobd "$B"
fi
end

begin "pg other host: a daemon started again on the host of one killed kills what it left running before its job runs again"
use_db "$(pg_newdb host2)"
# A lease no daemon reaps by expiry during the case.
conf visibility_timeout=60s
if ! unshare --uts true 2>/dev/null; then
	skip "pg other host, again" "unshare --uts fails here: cannot fake a host"
else
	jobd_via "$T/otherhost"
	start_jobd host2A && A=$JOBD_PID
	JOBD=$JOBD_REAL
	# Attempt 2 notes whether attempt 1's process still runs (a zombie
	# has ended: only its parent's wait is left).
	submit -- "echo \$\$ >>'$JOBPIDS'; echo \$\$ >'$T/host2.'\$JOBD_ATTEMPT;
	    if [ \$JOBD_ATTEMPT -gt 1 ]; then
		st=\$(sed -n 's/^State:[[:space:]]*\\(.\\).*/\\1/p' \\
		    /proc/\$(cat '$T/host2.1')/status 2>/dev/null)
		case \$st in ''|Z|X) ;; *) echo \$st >'$T/host2.both' ;; esac
	    else exec sleep 60; fi" &&
	    wait_until 5 "[ -s '$T/host2.1' ]" || problem "job $ID did not start"
	start_jobd host2B && B=$JOBD_PID
	# A dies and leaves its job running; a jobd starts again on A's host.
	kill -KILL "$A"
	reap_jobd "$A" 5
	alive "$(cat "$T/host2.1")" || problem "A's job died with A"
	jobd_via "$T/otherhost"
	start_jobd host2A2 && A2=$JOBD_PID
	JOBD=$JOBD_REAL
	wait_state "$ID" done 15
	wait_until 5 "! alive $(cat "$T/host2.1")" ||
	    problem "attempt 1's process still runs"
	[ -e "$T/host2.both" ] && problem "attempt 2 ran beside attempt 1 \
(state $(cat "$T/host2.both"))"
	out=$(pq "SELECT string_agg(attempt || ' ' || outcome || ' ' ||
	    coalesce(error, '-'), ',' ORDER BY attempt) FROM attempts
	    WHERE job_id = $ID")
	[ "$out" = "1 lost its daemon is gone,2 ok -" ] ||
	    problem "attempts: $out"
	grep -q "is gone; reclaimed 1 leases" "$T/host2A2.log" ||
	    problem "A2's log: $(grep -i "gone\|reclaim" "$T/host2A2.log")"
	all_alive
	stop_jobd "$A2"
	stop_jobd "$B"
fi
end

#
# 8. Row locks.
#

begin "pg row lock: a claim skips a job whose row another transaction holds (FOR UPDATE SKIP LOCKED): the next job runs meanwhile, the held one once let go"
use_db "$(pg_newdb rowlock)"
conf
# Before any daemon: J1 comes first in claim order (priority, then id).
submit --priority -1 -- "echo \$\$ >>'$JOBPIDS'" && J1=$ID
submit -- "echo \$\$ >>'$JOBPIDS'" && J2=$ID
# Another transaction holds job $1's row: its session has a row lock on
# jobs (pg_locks), and a probe that skips locked rows skips this one.
row_held() {	# id
	[ "$(pq "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity s
	    ON s.pid = l.pid WHERE s.application_name = 'jobd-test-hold' AND
	    l.relation = 'jobs'::regclass AND l.mode = 'RowShareLock' AND
	    l.granted")" = 1 ] &&
	    [ -z "$(pq "SELECT id FROM jobs WHERE id = $1
	    FOR KEY SHARE SKIP LOCKED")" ]
}
PGAPPNAME=jobd-test-hold pg_hold "$DB" "$T/hold.fifo" "$T/hold.out" \
    "BEGIN; SELECT id FROM jobs WHERE id = ${J1:-0} FOR UPDATE;" &&
    echo "$PG_HOLDER" >>"$JOBPIDS"
if ! wait_until 30 "row_held ${J1:-0}"; then
	problem "job $J1's row not locked: $(head -c 300 "$T/hold.out")"
elif start_jobd rowlock; then
	wait_state "$J2" done 30
	[ "$(jstate "$J1")" = pending ] && row_held "$J1" ||
	    problem "job $J1 is $(jstate "$J1"), its row \
$(row_held "$J1" || echo "not ")held"
	pg_held "ROLLBACK;" || problem "the holding session is gone"
	wait_state "$J1" done 30
	n=$(pq "SELECT count(*) FROM attempts WHERE job_id IN ($J1, $J2)")
	[ "$n" = 2 ] || problem "$n attempts of jobs $J1 and $J2, not 2"
	# A claim that waited for the row, not one that passed it over.
	grep "warning: claiming jobs" "$T/rowlock.log" >"$T/rowlock.bad" &&
	    problem "$(head -n 1 "$T/rowlock.bad")"
	all_alive
	stop_jobd "$JOBD_PID"
fi
pg_unhold
end

no_strays "pg: nothing left running"
no_sanitizer "pg: no sanitizer report"
info "pg_backend: pg_backend.sh took $(($(now_ms) - T0)) ms"
