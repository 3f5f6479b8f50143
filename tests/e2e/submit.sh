# backends: sqlite postgresql
# jobctl submit end to end: every option, --batch, idempotency keys (also
# under a race), global options, --help and --version.
. "$(dirname "$0")/lib.sh"

isid() { printf '%s\n' "$1" | grep -qx '[1-9][0-9]*'; }
rows() { sql 'SELECT count(*) FROM jobs'; }

# Is the RFC 3339 time $1 within $3 seconds of now + $2 seconds?
near_now() {	# time offset tolerance
	python3 -c 'import sys, time, datetime as dt
t = dt.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%S.%fZ")
t = t.replace(tzinfo=dt.timezone.utc).timestamp()
sys.exit(abs(t - time.time() - float(sys.argv[2])) > float(sys.argv[3]))' \
	    "$1" "$2" "$3" || problem "time $1 is not now+$2s (+-$3s)"
}

# --- a plain command ---------------------------------------------------
begin "submit: plain command prints the id alone on stdout"
run submit echo hello
expect_rc 0
expect_err_empty
[ "$(wc -l <"$T/.out")" -eq 1 ] && isid "$OUT" ||
    problem "stdout is not one id: $OUT"
ID=$OUT
[ "$(field "$ID" 'd["command"]')" = "echo hello" ] ||
    problem "command: $(field "$ID" 'd["command"]')"
[ "$(field "$ID" '[d["state"], d["queue"], d["priority"], d["attempts"]]')" \
    = '["pending", "default", 0, 0]' ] || problem "defaults: $(field "$ID" \
    '[d["state"], d["queue"], d["priority"], d["attempts"]]')"
near_now "$(field "$ID" 'd["run_at"]')" 0 60
end

begin "submit: the job row is committed and the database is WAL, mode 0600"
[ "$(sql "SELECT command FROM jobs WHERE id = $ID")" = "echo hello" ] ||
    problem "row $ID not in the database"
if ! is_pg; then	# the SQLite file's
	[ "$(sql 'PRAGMA journal_mode')" = wal ] ||
	    problem "journal_mode not wal"
	[ "$(stat -c %a "$DB")" = 600 ] || problem "mode $(stat -c %a "$DB")"
fi
end

begin "submit: one argument is stored verbatim"
run submit 'echo a  b; true | cat'
expect_rc 0
[ "$(field "$OUT" 'd["command"]')" = 'echo a  b; true | cat' ] ||
    problem "stored: $(field "$OUT" 'd["command"]')"
end

# --- argv quoting: sh -c "$command" must see exactly the original argv ---
begin "submit: several args are shell-quoted so sh -c runs the same argv"
set -- printf '%s\n' "a b" "it's" '$HOME' '' 'x"y' 'back\slash' '*' '~' \
    'semi;colon' '$(echo no)' '`echo no`' "tab	here" "new
line" '-n' "'" "''" 'a=b' '!x' '{a,b}' 'é'
"$@" >"$T/want"
run submit "$@"
expect_rc 0
field "$OUT" 'd["command"]' >"$T/cmd"
sh -c "$(cat "$T/cmd")" >"$T/got" 2>&1 || problem "sh -c failed"
expect_same "$T/want" "$T/got" "argv through sh -c"
set --
end

# --- options -----------------------------------------------------------
begin "submit --queue"
run submit --queue reports.daily_v-2 echo q
expect_rc 0
[ "$(field "$OUT" 'd["queue"]')" = reports.daily_v-2 ] || problem "queue"
end

begin "submit --priority (negative, and both bounds)"
for p in -5 -1000 1000; do
	run submit --priority "$p" echo p
	expect_rc 0
	[ "$(field "$OUT" 'd["priority"]')" = "$p" ] || problem "priority $p"
done
end

begin "submit --max-attempts"
run submit --max-attempts 3 echo m
expect_rc 0
[ "$(field "$OUT" 'd["max_attempts"]')" = 3 ] || problem "max_attempts"
run submit echo m
[ "$(field "$OUT" 'd["max_attempts"]')" = null ] || problem "default not null"
end

begin "submit --timeout (90s, 1h30m, 0s = none)"
run submit --timeout 90s echo t
expect_rc 0
[ "$(field "$OUT" 'd["timeout_ms"]')" = 90000 ] || problem "90s"
run submit --timeout 1h30m echo t
[ "$(field "$OUT" 'd["timeout_ms"]')" = 5400000 ] || problem "1h30m"
run submit --timeout 0s echo t
T0=$OUT
[ "$(field "$T0" 'd["timeout_ms"]')" = 0 ] || problem "0s"
run show "$T0"
expect_out_contains "none"
end

begin "submit --backoff BASE"
run submit --backoff 10s echo b
expect_rc 0
[ "$(field "$OUT" '[d["backoff_ms"], d["backoff_max_ms"]]')" = \
    '[10000, null]' ] || problem "$(field "$OUT" \
    '[d["backoff_ms"], d["backoff_max_ms"]]')"
end

begin "submit --backoff BASE,MAX"
run submit --backoff 500ms,1h echo b
expect_rc 0
[ "$(field "$OUT" '[d["backoff_ms"], d["backoff_max_ms"]]')" = \
    '[500, 3600000]' ] || problem "$(field "$OUT" \
    '[d["backoff_ms"], d["backoff_max_ms"]]')"
run submit --backoff 5s,5s echo b
expect_rc 0
end

begin "submit --key: a second submit returns the same id and creates nothing"
run submit --key nightly-2026-01-01 echo first
expect_rc 0
expect_err_empty
K=$OUT
[ "$(field "$K" 'd["idempotency_key"]')" = nightly-2026-01-01 ] ||
    problem "key not stored"
n=$(rows)
dbdump >"$T/before"
run submit --key nightly-2026-01-01 echo first
expect_rc 0
[ "$OUT" = "$K" ] || problem "second id $OUT, expected $K"
expect_err_contains "already exists"
expect_err_contains "$K"
[ "$(rows)" = "$n" ] || problem "row count $(rows), was $n"
dbdump >"$T/after"
expect_same "$T/before" "$T/after" "database"
[ "$(field "$K" 'd["command"]')" = "echo first" ] || problem "job changed"
end

begin "submit --key of a dead job returns the dead job's id"
run submit --key will-die echo dies
D=$OUT
sql "INSERT INTO dead_jobs (id, queue, command, priority, run_at, attempts,
	idempotency_key, created_at, updated_at, dead_at, reason)
    SELECT id, queue, command, priority, run_at, 3, idempotency_key,
	created_at, updated_at, updated_at, 'gave up' FROM jobs WHERE id = $D;
    DELETE FROM jobs WHERE id = $D;"
n=$(rows)
run submit --key will-die echo dies
expect_rc 0
[ "$OUT" = "$D" ] || problem "id $OUT, expected $D"
[ "$(rows)" = "$n" ] || problem "a job was created"
end

begin "submit --env repeated"
run submit --env A=1 --env B=x=y --env EMPTY= --env lower_9=' sp ' env
expect_rc 0
[ "$(field "$OUT" 'd["env"]')" = \
    '{"A": "1", "B": "x=y", "EMPTY": "", "lower_9": " sp "}' ] ||
    problem "env: $(field "$OUT" 'd["env"]')"
run show "$OUT"
expect_out_contains "B=x=y"
end

begin "submit --cwd absolute is kept as given"
run submit --cwd /var/tmp/../tmp pwd
expect_rc 0
[ "$(field "$OUT" 'd["cwd"]')" = /var/tmp/../tmp ] ||
    problem "cwd: $(field "$OUT" 'd["cwd"]')"
end

begin "submit --cwd relative is resolved against the current directory"
mkdir -p "$T/work dir/sub"
(cd "$T/work dir" && "$JOBCTL" submit --cwd sub/../sub pwd) >"$T/.out" 2>&1
[ "$(field "$(cat "$T/.out")" 'd["cwd"]')" = "$(cd "$T/work dir/sub" &&
    pwd -P)" ] || problem "cwd: $(field "$(cat "$T/.out")" 'd["cwd"]')"
run submit --cwd . pwd
[ "$(field "$OUT" 'd["cwd"]')" = "$(pwd -P)" ] || problem "cwd ."
end

begin "submit --user with the current user name"
me=$(id -un)
run submit --user "$me" whoami
expect_rc 0
[ "$(field "$OUT" 'd["user"]')" = "$me" ] || problem "user"
end

begin "submit --at absolute UTC time: run_at is exactly that time"
run submit --at 2030-01-02T03:04:05Z echo at
expect_rc 0
expect_err_contains "will run at"
[ "$(field "$OUT" 'd["run_at"]')" = 2030-01-02T03:04:05.000Z ] ||
    problem "run_at $(field "$OUT" 'd["run_at"]')"
run submit --at '2030-01-02 04:04:05+01:00' echo at
[ "$(field "$OUT" 'd["run_at"]')" = 2030-01-02T03:04:05.000Z ] ||
    problem "with an offset: run_at $(field "$OUT" 'd["run_at"]')"
run submit --at @1893553445 echo at
[ "$(field "$OUT" 'd["run_at"]')" = 2030-01-02T03:04:05.000Z ] ||
    problem "@epoch: run_at $(field "$OUT" 'd["run_at"]')"
end

if [ -e /usr/share/zoneinfo/Europe/Berlin ] &&
    [ -e /usr/share/zoneinfo/America/New_York ]; then
	begin "submit --at local time: TZ applies, an ambiguous time is the first"
	TZ=Europe/Berlin "$JOBCTL" submit --at '2030-07-01 12:00' echo tz \
	    >"$T/.out" 2>"$T/.err"
	[ "$(field "$(cat "$T/.out")" 'd["run_at"]')" = \
	    2030-07-01T10:00:00.000Z ] || problem "Berlin: $(cat "$T/.err")"
	grep -q '+02:00' "$T/.err" || problem "echo lacks +02:00: $(cat "$T/.err")"
	TZ=America/New_York "$JOBCTL" submit --at '2030-11-03 01:30' echo tz \
	    >"$T/.out" 2>"$T/.err"
	[ "$(field "$(cat "$T/.out")" 'd["run_at"]')" = \
	    2030-11-03T05:30:00.000Z ] || problem "New York: $(cat "$T/.err")"
	end
else
	skip "submit --at local time" "no tzdata"
fi

begin "submit --in 5m: run_at is now+5m and echoed on stderr"
run submit --in 5m echo in
expect_rc 0
isid "$OUT" || problem "stdout: $OUT"
expect_err_contains "will run at"
expect_err_contains "job $OUT"
# The echo counts from the time --in was read: exactly 5m, not 4m59s.
expect_err_contains "(in 5m)"
near_now "$(field "$OUT" 'd["run_at"]')" 300 30
end

begin "submit: --at/--in far in the future is printable or refused"
# A run time the JSON printer cannot write comes out as "run_at": null.
for w in "--in 100000000d" "--at @253402300800"; do
	# shellcheck disable=SC2086
	run submit $w echo far
	if [ "$RC" -eq 0 ]; then
		v=$(field "$OUT" 'd["run_at"]')
		[ "$v" != null ] ||
		    problem "$w: accepted (job $OUT) but run_at is null"
		expect_err_contains "will run at"
	else
		expect_rc 64
	fi
done
end

begin "submit -- before a command that starts with '-'"
run submit --queue dash -- -x --help
expect_rc 0
isid "$OUT" || problem "stdout: $OUT"
[ "$(field "$OUT" 'd["command"]')" = "-x --help" ] ||
    problem "command: $(field "$OUT" 'd["command"]')"
end

begin "submit: options after the command belong to the command"
run submit echo --help --queue x
expect_rc 0
isid "$OUT" || problem "stdout: $OUT"
[ "$(field "$OUT" '[d["command"], d["queue"]]')" = \
    '["echo --help --queue x", "default"]' ] || problem "$(field "$OUT" \
    '[d["command"], d["queue"]]')"
end

# --- --batch -----------------------------------------------------------
begin "submit --batch: one id per line, blank lines skipped, one transaction"
printf 'echo one\n\n   \t \necho "two  2"\nprintf %%s three\n' >"$T/batch"
n=$(rows)
run submit --batch --queue batchq --priority 7 <"$T/batch"
expect_rc 0
expect_err_empty
[ "$(wc -l <"$T/.out")" -eq 3 ] || problem "not 3 ids: $OUT"
set -- $OUT
[ $# -eq 3 ] && [ $(($2 - $1)) -eq 1 ] && [ $(($3 - $2)) -eq 1 ] ||
    problem "ids not consecutive: $*"
[ "$(sql "SELECT $(sql_concat command "'|'") FROM
    (SELECT command FROM jobs WHERE id >= $1 ORDER BY id) AS b")" = \
    'echo one|echo "two  2"|printf %s three' ] || problem "commands"
[ "$(sql "SELECT count(DISTINCT created_at), min(queue), max(queue),
    min(priority), max(priority) FROM jobs WHERE id >= $1")" = \
    "1|batchq|batchq|7|7" ] || problem "not one transaction with the options"
[ "$(rows)" -eq $((n + 3)) ] || problem "row count"
set --
end

begin "submit --batch: a line with a NUL byte rejects the whole batch"
dbdump >"$T/before"
printf 'echo ok1\necho bad\000byte\necho ok3\n' >"$T/batch"
run submit --batch <"$T/batch"
expect_rc 65
expect_out_empty
expect_err_contains "line 2"
expect_err_contains "NUL"
dbdump >"$T/after"
expect_same "$T/before" "$T/after" "database"
end

begin "submit --batch: a 300 KB line rejects the whole batch"
python3 -c 'import sys
sys.stdout.write("echo ok\n" + "echo " + "x" * 300000 + "\necho ok\n")' \
    >"$T/batch"
run submit --batch <"$T/batch"
expect_rc 65
expect_out_empty
expect_err_contains "line 2"
expect_err_contains "too long"
dbdump >"$T/after"
expect_same "$T/before" "$T/after" "database"
end

begin "submit --batch --key is refused"
printf 'echo a\necho b\n' >"$T/batch"
run submit --batch --key k1 <"$T/batch"
expect_rc 64
expect_out_empty
expect_err_contains "--key"
dbdump >"$T/after"
expect_same "$T/before" "$T/after" "database"
end

begin "submit --batch with only blank lines submits nothing"
printf '\n  \n\t\n' >"$T/batch"
run submit --batch <"$T/batch"
expect_rc 0
expect_out_empty
dbdump >"$T/after"
expect_same "$T/before" "$T/after" "database"
end

# --- global options ----------------------------------------------------
begin "global --json before and after the command"
run --json list
expect_rc 0
cp "$T/.out" "$T/a"
run list --json
expect_rc 0
expect_same "$T/a" "$T/.out" "output"
[ "$(json_lines "$T/a")" = "$(sql 'SELECT (SELECT count(*) FROM jobs) +
    (SELECT count(*) FROM dead_jobs)')" ] || problem "not one object per job"
end

begin "global --db before and after the command, over JOBD_DB"
O=$T/other.db
run --db "$O" submit echo other1
expect_rc 0
[ "$OUT" = 1 ] || problem "first id in a new database: $OUT"
run submit --db "$O" echo other2
[ "$OUT" = 2 ] || problem "second id: $OUT"
[ "$(sqlite3 "$O" 'SELECT group_concat(command) FROM jobs')" = \
    "echo other1,echo other2" ] || problem "jobs not in --db database"
run list --db "$O"
expect_out_contains "other2"
run --db "$O" --json list
[ "$(json_lines "$T/.out")" = 2 ] || problem "--db --json list"
[ "$(sql "SELECT count(*) FROM jobs WHERE command LIKE 'echo other%'")" = 0 ] ||
    problem "written to JOBD_DB"
end

# SQLite reads a file name that starts with "file:" as a URI when it is
# built with SQLITE_USE_URI (Debian's is).  --db is a path: a job accepted
# through it must be in that file, found again through the same --db; a
# refusal must leave nothing behind.
for u in 'file:plain.db' 'file:mem.db?mode=memory'; do
	begin "--db \"$u\" is a path: accepted means found again, or refused cleanly"
	mkdir -p "$T/uri" && rm -rf "$T/uri/"* && cd "$T/uri" || exit 1
	run --db "$u" submit echo uri
	if [ "$RC" -eq 0 ]; then
		id=$OUT
		run --db "$u" show "$id" --json
		[ "$RC" -eq 0 ] && [ "$(json 'd["command"]' <"$T/.out")" = \
		    "echo uri" ] || problem "submit printed $id and exited 0, \
but --db \"$u\" show $id: exit $RC $ERR"
		[ -s "$T/uri/$u" ] || problem "no data in the file \"$u\" \
(files: $(ls -A "$T/uri" | tr '\n' ' '))"
	else
		[ -s "$T/.err" ] || problem "refused without a message"
		[ -z "$(ls -A "$T/uri")" ] || problem "refused (exit $RC: \
$ERR) but left files: $(ls -A "$T/uri" | tr '\n' ' ')"
	fi
	cd "$T" || exit 1
	end
done

begin "JOBD_DB names the database when --db is absent"
E=$T/env.db
JOBD_DB=$E "$JOBCTL" submit echo viaenv >/dev/null 2>&1
[ "$(sqlite3 "$E" 'SELECT command FROM jobs')" = "echo viaenv" ] ||
    problem "job not in \$JOBD_DB"
end

if [ "$(id -u)" -ne 0 ] || unpriv_ready "$T"; then
	begin "no database and no jobd: told both, nothing made; --db makes it 0600"
	mkdir -p "$T/nh"
	[ "$(id -u)" -eq 0 ] && chown 65534 "$T/nh"
	(unset JOBD_DB JOBD_SOCKET; XDG_STATE_HOME=$T/nh/state \
	    XDG_CONFIG_HOME=$T/nh/c unpriv "$JOBCTL" submit echo default) \
	    >"$T/.out" 2>"$T/.err"
	grep -q "no database of your own ($T/nh/state/jobd/jobs.db does not \
exist) and no jobd to submit to" "$T/.err" || problem "$(cat "$T/.err")"
	[ ! -e "$T/nh/state" ] || problem "$T/nh/state was made"
	(unset JOBD_SOCKET; JOBD_DB=$T/nh/jobs.db unpriv "$JOBCTL" submit \
	    echo default) >"$T/.out" 2>"$T/.err"
	[ "$(cat "$T/.out")" = 1 ] || problem "submit: $(cat "$T/.out" "$T/.err")"
	[ "$(stat -c %a "$T/nh/jobs.db" 2>&1)" = 600 ] ||
	    problem "file mode $(stat -c %a "$T/nh/jobs.db" 2>&1)"
	end
else
	skip "default database path" "root without a way to become nobody"
fi

for c in submit list show cancel status; do
	begin "$c --help: usage on stdout, exit 0"
	run "$c" --help
	expect_rc 0
	expect_err_empty
	expect_out_contains "usage: jobctl $c"
	end
done

begin "jobctl --help and -h list every command"
for h in --help -h; do
	run $h
	expect_rc 0
	expect_err_empty
	for c in submit list show cancel status; do
		expect_out_contains "jobctl $c"
	done
done
end

# help_layout: the usage in $T/.out is laid out as jobctl(1)'s SYNOPSIS:
# at most 80 columns; every "jobctl" line of the usage or of the command
# list starts in one column (that of "usage: jobctl"), and every
# continuation line in the column after "jobctl ".
help_layout() {
	awk -v what="$1" '
	function bad(why) { printf "%s line %d: %s: %s\n", what, NR, why, $0; rc = 1 }
	length($0) > 80 { bad("longer than 80 columns") }
	/^usage: jobctl / || /^global options:/ || /^commands:$/ || /^$/ ||
	    /^See jobctl/ { next }
	/^ *jobctl / { if (index($0, "jobctl") != 8) bad("jobctl not in column 8"); next }
	/^ / { if (match($0, /[^ ]/) != 15) bad("continuation not in column 15"); next }
	{ bad("unexpected line") }
	END { exit rc }' "$T/.out" >"$T/.layout" ||
	    problem "$(head -n 3 "$T/.layout")"
}

begin "every --help is aligned: jobctl lines and continuations in one column"
run --help
help_layout "jobctl --help"
for c in submit list show cancel status wait logs dead next schedule \
    import-crontab; do
	run "$c" --help
	expect_rc 0
	help_layout "$c --help"
done
end

begin "jobctl with no command: usage on stderr, exit 64"
run
expect_rc 64
expect_out_empty
expect_err_contains "usage: jobctl"
end

begin "jobctl --version"
for v in "--version" "list --version"; do
	# shellcheck disable=SC2086
	run $v
	expect_rc 0
	printf '%s\n' "$OUT" | grep -qx 'jobctl [0-9][0-9.]* (schema [0-9]*)' ||
	    problem "$v: $OUT"
done
end

# --- idempotency under a race ------------------------------------------
begin "submit --key: 8 racing submitters get one job and the same id"
R=$T/race.db
for i in 1 2 3 4 5 6 7 8; do
	"$JOBCTL" --db "$R" submit --key same echo racer \
	    >"$T/race.$i.out" 2>"$T/race.$i.err" &
done
wait
ids=$(cat "$T"/race.*.out | sort -u)
[ "$(cat "$T"/race.*.out | wc -l)" -eq 8 ] || problem "not 8 ids printed: \
$(cat "$T"/race.*.err)"
[ "$ids" = 1 ] || problem "ids: $(echo $ids)"
[ "$(sqlite3 "$R" 'SELECT count(*) FROM jobs')" = 1 ] ||
    problem "$(sqlite3 "$R" 'SELECT count(*) FROM jobs') rows"
[ "$(grep -l 'already exists' "$T"/race.*.err | wc -l)" -eq 7 ] ||
    problem "not 7 'already exists' messages"
! grep -q -e Sanitizer -e 'runtime error' "$T"/race.*.err ||
    problem "sanitizer report"
end

exit 0
