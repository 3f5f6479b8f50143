# jobctl migrate-db: a SQLite database that jobd has used (jobs done,
# dead after failed attempts, cancelled, pending behind dependencies,
# idempotency keys, cron slots in the ledger, queues with settings, a
# paused queue, a pruned job) copied into an empty PostgreSQL database on
# a private server (pglib.sh).  jobctl then shows the same on both, the
# counts the triggers keep match, a new job's id is above every id the
# source gave, and jobd runs the copied pending jobs.  Refusals change
# nothing: a target that is not empty, a source of an older schema, a
# target whose schema differs, a row PostgreSQL cannot take; a bad URI,
# an unreachable server and a refused connection exit with their codes,
# and no password is ever printed.  --dry-run leaves the target empty.
# Skipped when PostgreSQL is not installed.
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/pglib.sh"

PG_FAST=1
pg_start_or_skip migrate-db

T0=1780272000000		# 2026-06-01T00:00:00Z
MIN=60000
use_test_clock $((T0 + 30000))
write_conf poll_interval=100ms
SRC=$T/src.db
use_db "$SRC"
TABLES="schedules queues jobs dead_jobs attempts schedule_slots job_keys
job_deps daemons metric_attempts metric_counters metric_jobs crontabs"

# Every table's row count, one "table n" a line: of the SQLite database
# $1, or (pgcounts) of the PostgreSQL database $1.
counts() {
	for _t in $TABLES; do
		echo "$_t $(db_sqlite3 "$1" "$1" "SELECT count(*) FROM $_t")"
	done
}
pgcounts() {
	for _t in $TABLES; do
		echo "$_t $(pg_sql "$1" "SELECT count(*) FROM $_t")"
	done
}
# Does every table of PostgreSQL database $1 have no rows?
pg_empty() {
	! pgcounts "$1" | grep -qv ' 0$'
}

# --- The source, made by jobctl and jobd. ---
begin "migrate-db: the source has every kind of row"
"$JOBCTL" queue set q2 --concurrency 2 --rate 5/1m --weight 3 \
    --max-pending 100 --max-attempts 4 >/dev/null 2>&1 ||
    problem "queue set q2"
"$JOBCTL" queue pause paused >/dev/null 2>&1 || problem "queue pause"
"$JOBCTL" schedule add every5 --cron '*/5 * * * *' --queue cron \
    --env WHO=cron -- 'echo slot $JOBD_SLOT' >/dev/null 2>&1 ||
    problem "schedule add"
"$JOBCTL" schedule add later --cron '0 3 * * *' --disabled -- true \
    >/dev/null 2>&1 || problem "schedule add later"
printf '# a crontab, kept as written\nMAILTO=""\n0 0 1 1 *\techo new year\n' \
    >"$T/crontab"
"$JOBCTL" crontab "$T/crontab" >/dev/null 2>&1 || problem "crontab"
start_jobd src || { end; exit 1; }
submit -- echo done && OK=$ID
submit --key k-ok --key-ttl 1h -- echo keyed && KEYED=$ID
submit --queue q2 --max-attempts 2 --backoff 100ms -- \
    'echo failing; exit 3' && DEAD2=$ID
submit --max-attempts 1 --env A=B --cwd / -- 'printf "\001\377"; exit 4' &&
    DEAD1=$ID
submit --after "$OK" -- echo after && AFTER=$ID
submit --in 1h -- true && CANC=$ID
"$JOBCTL" cancel "$CANC" >/dev/null 2>&1 || problem "cancel"
submit --in 1h --queue q2 -- echo later && LATER=$ID
submit --after "$LATER" --queue q2 -- echo waits && WAITS=$ID
submit --after-any "$DEAD1" -- echo any && ANY=$ID
submit --queue paused -- echo paused && PAUSED=$ID
setclock $((T0 + 5 * MIN + 1000))
for id in $OK $KEYED $AFTER $ANY; do
	wait_state "$id" done 20
done
wait_state "$DEAD2" dead 20
wait_state "$DEAD1" dead 20
wait_until 20 "[ \"\$(dsql \"SELECT count(*) FROM jobs WHERE schedule_id
    IS NOT NULL AND state = 'done'\")\" = 1 ]" ||
    problem "the 00:05 slot's job did not run"
stop_jobd "$JOBD_PID"
# The newest job pruned (as jobd's retention would): sqlite_sequence is
# then above every id left, and that id must never be given again.
submit --queue gone -- true && GONE=$ID
dsql "DELETE FROM jobs WHERE id = $GONE"
[ "$(dsql "SELECT seq FROM sqlite_sequence WHERE name = 'jobs'")" = "$GONE" ] &&
    [ "$(dsql "SELECT max(id) FROM jobs")" -lt "$GONE" ] ||
    problem "the pruned job did not leave sqlite_sequence above the ids"
[ "$(dsql "SELECT count(*) FROM schedule_slots")" -ge 1 ] ||
    problem "no slot in the ledger"
[ "$(dsql "SELECT count(*) FROM attempts")" -ge 6 ] ||
    problem "$(dsql "SELECT count(*) FROM attempts") attempts"
for t in $TABLES; do
	case $t in daemons | metric_counters) continue ;; esac
	[ "$(dsql "SELECT count(*) FROM $t")" -gt 0 ] ||
	    problem "table $t is empty"
done
end

counts "$SRC" >"$T/src.counts"
cp "$SRC" "$T/src.copy"

# --- The copy. ---
PG=$(pg_newdb target)
begin "migrate-db: copies every table into an empty PostgreSQL database"
run migrate-db --from "$SRC" --to "$PG"
expect_rc 0
expect_out_contains "copied 13 tables"
for t in $TABLES; do
	n=$(sed -n "s/^$t //p" "$T/src.counts")
	grep -Eq "^$t +$n( |\$)" "$T/.out" ||
	    problem "the summary does not say $n rows for $t"
done
pgcounts "$PG" >"$T/pg.counts"
expect_same "$T/src.counts" "$T/pg.counts" "row counts"
counts "$SRC" >"$T/src.counts2"
expect_same "$T/src.counts" "$T/src.counts2" "the source"
cmp -s "$SRC" "$T/src.copy" || problem "the source file changed"
end

# What jobctl shows of database $1, into directory $2.
views() {
	mkdir -p "$2"
	"$JOBCTL" --db "$1" list --json --limit 1000 >"$2/list" 2>&1
	"$JOBCTL" --db "$1" dead list --json >"$2/dead" 2>&1
	"$JOBCTL" --db "$1" schedule list --json >"$2/schedules" 2>&1
	"$JOBCTL" --db "$1" schedule show --json every5 >"$2/every5" 2>&1
	"$JOBCTL" --db "$1" queue list --json >"$2/queues" 2>&1
	"$JOBCTL" --db "$1" crontab -l >"$2/crontab" 2>&1
	"$JOBCTL" --db "$1" queue show --json q2 >"$2/q2" 2>&1
	"$JOBCTL" --db "$1" stats --json >"$2/stats" 2>&1
	"$JOBCTL" --db "$1" metrics 2>&1 |
	    grep -v '^jobd_database_' >"$2/metrics"
	for id in $OK $KEYED $DEAD2 $DEAD1 $AFTER $CANC $LATER $WAITS $ANY \
	    $PAUSED; do
		"$JOBCTL" --db "$1" show --json "$id" >"$2/show.$id" 2>&1
		"$JOBCTL" --db "$1" logs --raw "$id" >"$2/logs.$id" 2>&1
		echo "exit $?" >>"$2/logs.$id"
	done
}

begin "migrate-db: jobctl shows the same jobs, schedules, queues and stats"
views "$SRC" "$T/v.src"
views "$PG" "$T/v.pg"
for f in "$T"/v.src/*; do
	expect_same "$f" "$T/v.pg/${f##*/}" "jobctl's ${f##*/}"
done
expect_same "$T/crontab" "$T/v.pg/crontab" "crontab -l"
grep -q '"state":"dead"' "$T/v.src/show.$DEAD1" ||
    problem "job $DEAD1 is not dead: $(cat "$T/v.src/show.$DEAD1")"
[ "$(wc -l <"$T/v.src/list")" -ge 10 ] || problem "list: $(cat "$T/v.src/list")"
end

begin "migrate-db: the counts the triggers keep are the jobs' counts"
for q in "SELECT queue, state, n FROM metric_jobs WHERE n > 0
    ORDER BY queue, state" \
    "SELECT name, paused, ready, concurrency, rate_n, rate_period_ms, weight,
    max_pending, source, updated_at FROM queues ORDER BY name" \
    "SELECT job_id, dep_id, \"any\", met FROM job_deps ORDER BY 1, 2" \
    "SELECT id, waiting FROM jobs ORDER BY id"; do
	dsql "$q" >"$T/q.src"
	pg_sql "$PG" "$q" >"$T/q.pg"
	expect_same "$T/q.src" "$T/q.pg" "$(echo "$q" | cut -c1-40)"
done
[ "$(pg_sql "$PG" "SELECT ready FROM queues WHERE name = 'q2'")" = 1 ] ||
    problem "q2 is not ready"
end

begin "migrate-db: ids go on above every id the source gave"
for s in jobs attempts schedules; do
	hi=$(dsql "SELECT seq FROM sqlite_sequence WHERE name = '$s'")
	got=$(pg_sql "$PG" "SELECT last_value FROM ${s}_id_seq")
	[ "$got" = "$hi" ] || problem "${s}_id_seq is at $got, want $hi"
done
run --db "$PG" submit -- echo new
expect_rc 0
[ "$OUT" = $((GONE + 1)) ] || problem "new job id $OUT, want $((GONE + 1))"
end

begin "migrate-db: jobd on the copy runs its pending jobs, in order"
"$JOBD" --config "$CONF" --db "$PG" 2>>"$T/pg.log" &
PGJOBD=$!
echo "$PGJOBD" >>"$T/.jobd_pids"
echo "$PGJOBD $T/pg.log" >>"$T/.jobd_logs"
setclock $((T0 + 2 * 60 * MIN))
pgstate() {
	"$JOBCTL" --db "$PG" show --json "$1" 2>/dev/null | json 'd["state"]'
}
wait_until 30 "[ \"\$(pgstate $WAITS)\" = done ]" ||
    problem "job $WAITS is $(pgstate "$WAITS"); $LATER is $(pgstate \
"$LATER"); log: $(tail -n 3 "$T/pg.log")"
[ "$(pgstate "$PAUSED")" = pending ] ||
    problem "job $PAUSED of the paused queue is $(pgstate "$PAUSED")"
"$JOBCTL" --db "$PG" logs --raw "$WAITS" >"$T/waits.out" 2>&1
grep -qx waits "$T/waits.out" || problem "output: $(cat "$T/waits.out")"
stop_jobd "$PGJOBD"
end

begin "migrate-db --json: one object naming each table"
PGJ=$(pg_newdb target_json)
run --json migrate-db --from "$SRC" --to "$PGJ"
expect_rc 0
echo "$OUT" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["dry_run"] is False, d
assert len(d["tables"]) == 13, d
rows = {t["name"]: t["rows"] for t in d["tables"]}
want = dict(l.split() for l in open(sys.argv[1]))
assert rows == {k: int(v) for k, v in want.items()}, (rows, want)
assert d["total_rows"] == sum(rows.values()), d
ids = {t["name"]: t["next_id"] for t in d["tables"]}
assert ids["jobs"] == int(sys.argv[2]) + 1, ids
assert ids["queues"] is None, ids
' "$T/src.counts" "$GONE" 2>"$T/py.err" || problem "$(tail -n 1 "$T/py.err")"
end

begin "migrate-db: a target that is not empty is refused, unchanged"
pgcounts "$PG" >"$T/before"
run migrate-db --from "$SRC" --to "$PG"
expect_rc 73
expect_out_empty
expect_err_contains "$PG is not empty"
expect_err_contains "nothing changed"
pgcounts "$PG" >"$T/after"
expect_same "$T/before" "$T/after" "the target"
end

begin "migrate-db --dry-run: checks it all and leaves the target empty"
PGD=$(pg_newdb target_dry)
run migrate-db --dry-run --from "$SRC" --to "$PGD"
expect_rc 0
expect_out_contains "would copy 13 tables"
expect_out_contains "nothing changed"
pg_empty "$PGD" || problem "rows left: $(pgcounts "$PGD" | grep -v ' 0$')"
[ "$(pg_sql "$PGD" "SELECT last_value FROM jobs_id_seq WHERE is_called")" = "" ] ||
    problem "the jobs sequence moved"
end

begin "migrate-db: a failure half way through leaves the target empty"
cp "$SRC" "$T/bad.db"
# Text that is not UTF-8, which SQLite keeps and PostgreSQL refuses.
db_sqlite3 "$T/bad.db" "$T/bad.db" "UPDATE jobs SET last_error =
    CAST(x'6f6b20ff' AS TEXT) WHERE id = $LATER"
PGB=$(pg_newdb target_bad)
run migrate-db --from "$T/bad.db" --to "$PGB"
expect_rc 65
expect_err_contains "table jobs"
expect_err_contains "(id $LATER)"
expect_err_contains "nothing changed"
pg_empty "$PGB" || problem "rows left: $(pgcounts "$PGB" | grep -v ' 0$')"
end

begin "migrate-db: a target of another schema is refused"
PGS=$(pg_newdb target_schema)
pg_sql "$PGS" <"$JOBD_TOP/schema/postgresql/001_init.sql" >/dev/null
pg_sql "$PGS" "ALTER TABLE attempts ADD COLUMN extra bigint" >/dev/null
run migrate-db --from "$SRC" --to "$PGS"
expect_rc 65
expect_err_contains "table attempts has 16 columns"
pg_empty "$PGS" || problem "rows left"
PGS2=$(pg_newdb target_schema2)
pg_sql "$PGS2" <"$JOBD_TOP/schema/postgresql/001_init.sql" >/dev/null
pg_sql "$PGS2" "CREATE TABLE audit (id bigint)" >/dev/null
run migrate-db --from "$SRC" --to "$PGS2"
expect_rc 65
expect_err_contains "has a table \"audit\""
pg_empty "$PGS2" || problem "rows left"
end

begin "migrate-db: a source of an older schema is refused, with the fix"
use_db "$T/old.db"
old_db 17
use_db "$SRC"
PGO=$(pg_newdb target_old)
run migrate-db --from "$T/old.db" --to "$PGO"
expect_rc 65
expect_err_contains "needs upgrading"
expect_err_contains "jobctl --db $T/old.db list"
[ "$(db_sqlite3 "$T/old.db" "$T/old.db" 'PRAGMA user_version')" = 17 ] ||
    problem "the old source was changed"
end

begin "migrate-db: no such source"
run migrate-db --from "$T/nowhere.db" --to "$PGO"
expect_rc 66
expect_err_contains "$T/nowhere.db"
[ ! -e "$T/nowhere.db" ] || problem "the source was created"
end

begin "migrate-db: a bad URI"
run migrate-db --from "$SRC" --to 'postgresql:///x?bogus=1'
expect_rc 65
expect_err_contains "bogus"
run migrate-db --from "$SRC" --to "$T/other.db"
expect_rc 64
expect_err_contains "not a PostgreSQL URI"
run migrate-db --from "$SRC" --to 'postgresq://h/db'
expect_rc 64
[ ! -e "$T/other.db" ] || problem "a SQLite target was created"
end

begin "migrate-db: an unreachable server exits 75, its password masked"
mkdir "$T/nosock"
run migrate-db --from "$SRC" \
    --to "postgresql://someone:s3cr3t@/jobd?host=$T/nosock&port=5999"
expect_rc 75
expect_err_contains "someone:***@"
expect_err_contains "cannot connect"
grep -q s3cr3t "$T/.err" "$T/.out" && problem "the password was printed"
end

begin "migrate-db: a connection the server refuses exits 77"
PGP=$(pg_newdb target_perm)
pg_sql "$PGP" "CREATE ROLE migrator LOGIN PASSWORD 'pw';
    REVOKE CONNECT ON DATABASE target_perm FROM PUBLIC" >/dev/null
run migrate-db --from "$SRC" --to \
    "postgresql://migrator:pw@/target_perm?host=$PG_DIR&port=$PG_PORT"
expect_rc 77
expect_err_contains "migrator:***@"
grep -q ':pw@' "$T/.err" && problem "the password was printed"
pg_empty "$PGP" 2>/dev/null
end

begin "migrate-db: usage"
run migrate-db --help
expect_rc 0
expect_out_contains "usage: jobctl migrate-db [--dry-run] --from PATH --to URI"
run migrate-db --from "$SRC"
expect_rc 64
run migrate-db --db "$SRC" --from "$SRC" --to "$PGO"
expect_rc 64
expect_err_contains "--from"
end

no_strays "migrate-db: nothing left running"
