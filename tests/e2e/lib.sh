# Helpers for the end-to-end scripts; sourced by them (POSIX sh, dash).
#
# tests/run.sh runs each script with cwd, HOME and TMPDIR set to a fresh
# temporary directory and JOBCTL naming the binary under test.  A script
# prints one "PASS name" or "FAIL name: why" line per case (and may print
# "SKIP name: why" or "INFO ..." lines, which the runner does not count).
#
#   pass NAME / fail NAME WHY / skip NAME WHY / info TEXT
#   check NAME CMD...     PASS when CMD succeeds and recorded no problem
#   begin NAME ... end    a case made of several expect_* steps
#   problem WHY           record a problem in the current case (returns 1)
#   run ARG...            run jobctl: RC, OUT, ERR (files $T/.out, $T/.err);
#                         a sanitizer report or a death by signal is a
#                         problem of the current case;
#                         $RUN_AS, if set, is a command prefix (unpriv)
#   expect_rc N, expect_out_contains S, expect_err_contains S,
#   expect_out_empty, expect_err_empty, expect_same FILE1 FILE2 WHAT
#   BACKEND               the database backend of this pass: sqlite (the
#                         default) or postgresql (JOBD_TEST_BACKEND)
#   use_db PATH           DB=PATH, exported as JOBD_DB.  On PostgreSQL,
#                         DB is instead the URI of a new database on the
#                         pass's server, one for each PATH the script
#                         names (the same PATH again: the same database);
#                         a postgresql:// URI is taken as it is
#   sql SQL...            run each SQL on $DB: sqlite3 "$DB" SQL..., or
#                         psql on PostgreSQL with its output shaped like
#                         sqlite3's (columns split by '|', NULL empty).
#                         Portable SQL only: a comparison's value reads
#                         "t"/"f" on PostgreSQL, so cast it
#                         (CAST(x = 1 AS int)); no dot commands
#   is_pg                 true on the PostgreSQL pass
#   sql_concat EXPR SEP   SQL for the aggregate joining EXPR's values with
#                         SEP: group_concat, or string_agg on PostgreSQL
#   sql_blob HEX          SQL for a blob literal: X'HEX', or a bytea
#   sqlite_only NAME WHY  (PostgreSQL pass) SKIP case NAME: it is about
#                         SQLite (WHY); returns 0 when it skipped
#   dbdump [PATH]         the whole database as text, to compare, less
#                         the daemons' rows (heartbeats): SQLite:
#                         user_version, application_id and .dump;
#                         PostgreSQL: the schema (columns, indexes, views,
#                         triggers, functions) and every table's rows,
#                         not the sequences' positions (a failed insert
#                         uses up ids there, and that changes nothing else)
#   db_sqlite3 DB ARG...  (SQLite only) sqlite3 ARG..., as DB's owner when
#                         root and DB and its directory are another
#                         user's (what sql, dbdump and dsql use)
#   old_db N              (SQLite only) $DB as schema version N made it
#   json EXPR             evaluate python EXPR on d, the JSON object on stdin;
#                         strings print raw, other values as JSON
#   json_lines FILE       every line of FILE is a JSON object (prints count)
#   wait_for 'COND' SECS  poll the shell condition until true or SECS passed
#   show_json ID, field ID EXPR   jobctl show ID --json, and json EXPR on it
#   unpriv CMD..., unpriv_ready DIR   run as nobody when root (setpriv)

if [ -z "${JOBD_TOP:-}" ]; then		# run by hand, not by tests/run.sh
	JOBD_TOP=$(cd "$(dirname "$0")/../.." && pwd)
	JOBCTL=${JOBCTL:-$JOBD_TOP/build/jobctl}
	_e2e_tmp=$(mktemp -d "${TMPDIR:-/tmp}/jobd-e2e.XXXXXX") || exit 1
	trap 'rm -rf "$_e2e_tmp"' EXIT
	cd "$_e2e_tmp" || exit 1
	HOME=$_e2e_tmp TMPDIR=$_e2e_tmp XDG_STATE_HOME=$_e2e_tmp/state
	XDG_CONFIG_HOME=$_e2e_tmp/config JOBD_CONFIG=
	export JOBD_TOP JOBCTL HOME TMPDIR XDG_STATE_HOME XDG_CONFIG_HOME \
	    JOBD_CONFIG
fi
T=$(pwd)
# Files the tests make are not group-writable, whatever the caller's umask:
# jobd and import-crontab refuse such files (trust.sh tests that).
umask 022
# Tests write into, and at exit kill every process naming, their directory.
case "$T/" in
"$JOBD_TOP"/*)
	echo "$0: not in the source tree ($T): run it with tests/run.sh," \
	    "or by hand without JOBD_TOP set" >&2
	exit 2 ;;
esac
CASE=
WHY=
RUN_AS=

oneline() { printf '%s' "$*" | tr '\n\033' '  ' | cut -c1-500; }

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $(oneline "$2")"; }
skip() { echo "SKIP $1: $(oneline "$2")"; }
info() { echo "INFO $*"; }

problem() {
	WHY="${WHY:+$WHY; }$*"
	return 1
}

begin() {
	CASE=$1
	WHY=
}

end() {
	if [ -z "$WHY" ]; then pass "$CASE"; else fail "$CASE" "$WHY"; fi
	WHY=
}

check() {
	_ck_name=$1
	shift
	CASE=$_ck_name
	WHY=
	if "$@" && [ -z "$WHY" ]; then
		pass "$_ck_name"
	else
		fail "$_ck_name" "${WHY:-failed: $*}"
	fi
	WHY=
}

# A sanitizer report or a death by signal fails the current case.
crashed() {	# what
	if [ "$RC" -ge 128 ] || grep -q -e 'Sanitizer' -e 'runtime error:' \
	    "$T/.err"; then
		problem "jobctl $(printf '%.60s' "$1") crashed or tripped a \
sanitizer (exit $RC): $(grep -m1 -e Sanitizer -e 'runtime error' "$T/.err")"
		return 0
	fi
	return 1
}

run() {
	$RUN_AS "$JOBCTL" "$@" >"$T/.out" 2>"$T/.err"
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
	crashed "$*" || :
	return 0
}

# Like run, with jobctl's stdout on a pseudo-terminal (in raw mode, so
# that the bytes read back are the bytes jobctl wrote) instead of a file.
run_tty() {
	timeout -k 2 20 python3 - "$T/.out" "$T/.err" $RUN_AS "$JOBCTL" "$@" <<'EOF'
import os, pty, subprocess, sys, tty
master, slave = pty.openpty()
tty.setraw(slave)
with open(sys.argv[2], "wb") as err:
    p = subprocess.Popen(sys.argv[3:], stdin=subprocess.DEVNULL,
                         stdout=slave, stderr=err)
os.close(slave)
out = b""
while True:
    try:
        d = os.read(master, 65536)
    except OSError:		# EIO: the terminal's last writer is gone
        break
    if not d:
        break
    out += d
with open(sys.argv[1], "wb") as f:
    f.write(out)
sys.exit(p.wait())
EOF
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
	crashed "$*" || :
	return 0
}

expect_rc() {
	[ "$RC" -eq "$1" ] ||
	    problem "exit $RC, expected $1 (stderr: $(head -c 300 "$T/.err"))"
}

expect_out_contains() {
	grep -qF -e "$1" "$T/.out" ||
	    problem "stdout lacks \"$1\" (stdout: $(head -c 300 "$T/.out"))"
}

expect_err_contains() {
	grep -qF -e "$1" "$T/.err" ||
	    problem "stderr lacks \"$1\" (stderr: $(head -c 300 "$T/.err"))"
}

expect_out_empty() {
	[ ! -s "$T/.out" ] ||
	    problem "stdout not empty: $(head -c 200 "$T/.out")"
}

expect_err_empty() {
	[ ! -s "$T/.err" ] ||
	    problem "stderr not empty: $(head -c 200 "$T/.err")"
}

expect_same() {	# file1 file2 what
	cmp -s "$1" "$2" ||
	    problem "$3 changed: $(diff "$1" "$2" 2>&1 | head -c 300)"
}

# bad NAME CODE PATTERN ARG...: the case NAME, a bad "jobctl ARG..." with
# stdin from $STDIN (default /dev/null): it exits CODE, prints nothing on
# stdout and at most 2 lines that contain PATTERN on stderr, and leaves
# the database as $T/dump0 has it (the caller makes that with dbdump
# first).  NBAD counts the calls.
bad() {
	_name=$1 _code=$2 _pat=$3
	shift 3
	NBAD=$((${NBAD:-0} + 1))
	begin "bad: $_name"
	run "$@" <"${STDIN:-/dev/null}"
	expect_rc "$_code"
	expect_out_empty
	[ -s "$T/.err" ] || problem "no message on stderr"
	expect_err_contains "$_pat"
	[ "$(wc -l <"$T/.err")" -le 2 ] || problem "message over 2 lines: $ERR"
	dbdump >"$T/dump1"
	expect_same "$T/dump0" "$T/dump1" "database"
	mv "$T/dump1" "$T/dump0"	# one failure must not fail the rest
	end
}

use_db() {	# path
	DB=$1
	if is_pg; then
		DB=$(_pg_db_of "$1") || {
			echo "use_db: no database on the PostgreSQL server for \
$1" >&2
			exit 1
		}
	fi
	export JOBD_DB="$DB"
}

# Is $DB on PostgreSQL (this pass's server, or a URI a script named)?
is_pg() {
	case $DB in
	postgresql://* | postgres://*)
		return 0 ;;
	esac
	[ "$BACKEND" = postgresql ]
}

# The URI of the database that stands for file PATH on this pass's
# PostgreSQL server, made empty on first use: named after the script,
# its pid and the order of first use ("submit_4242_1_jobs"), so that no
# two scripts of a pass share one.  $T/.pgdbs maps paths to URIs.
_pg_db_of() {	# path
	case $1 in
	postgresql://* | postgres://*)
		echo "$1"
		return 0 ;;
	esac
	_pgo=$(awk -v p="$1" 'substr($0, 1, length(p) + 1) == p " " {
	    print substr($0, length(p) + 2) }' "$T/.pgdbs" 2>/dev/null)
	if [ -z "$_pgo" ]; then
		_pgn=$(($(cat "$T/.pgdbs" 2>/dev/null | wc -l) + 1))
		_pgo=$(printf '%s_%s_%s_%s' "$(basename "$0" .sh)" "$$" \
		    "$_pgn" "$(basename "$1" .db)" | tr 'A-Z' 'a-z' |
		    tr -c 'a-z0-9_\n' '_' | cut -c1-63)
		case $_pgo in [!a-z_]*) _pgo=t$_pgo ;; esac
		_pgo=$(pg_newdb "$_pgo") || return 1
		echo "$1 $_pgo" >>"$T/.pgdbs"
	fi
	echo "$_pgo"
}

# db_sqlite3 DB ARG...: sqlite3 ARG... (which name DB), as the owner of
# database DB when we are root and DB and its directory are another
# user's.  Root's sqlite3 makes a missing -wal or -shm as root and chowns
# it to the database's owner only a moment later: a process of that user
# (its jobd starting) that opens the file in between gets it read-only,
# and then fails with "database is read-only".
db_sqlite3() {
	_dq=$(stat -c '%u %g' "$1" 2>/dev/null)
	_dqd=$(stat -c %u "$(dirname "$1")" 2>/dev/null)
	shift
	if [ "$(id -u)" -eq 0 ] && [ -n "$_dq" ] && [ "${_dq% *}" != 0 ] &&
	    [ "${_dq% *}" = "$_dqd" ]; then
		setpriv --reuid="${_dq% *}" --regid="${_dq#* }" --clear-groups \
		    sqlite3 "$@"
	else
		sqlite3 "$@"
	fi
}

sql() {
	if is_pg; then
		_sq=
		for _sqa in "$@"; do
			_sq="$_sq$_sqa;
"
		done
		pg_sql "$DB" "$_sq"
	else
		db_sqlite3 "$DB" "$DB" "$@"
	fi
}

# SQL text: the aggregate that joins the values of EXPR with SEP (an SQL
# string), in the order of the rows (an ordered subquery's): group_concat
# on SQLite, string_agg on PostgreSQL.
sql_concat() {	# expr sep
	if is_pg; then
		echo "string_agg(CAST($1 AS text), $2)"
	else
		echo "group_concat($1, $2)"
	fi
}

# SQL text: a blob of the bytes HEX (hexadecimal digits) spelled for the
# backend: X'HEX' on SQLite, a bytea on PostgreSQL.
sql_blob() {	# hex
	if is_pg; then
		printf '%s\n' "'\\x$1'::bytea"
	else
		echo "X'$1'"
	fi
}

# On the PostgreSQL pass, SKIP the case NAME, which tests the SQLite file
# itself (why: WHY), and return 0; else return 1.
sqlite_only() {	# name why
	is_pg || return 1
	skip "$1" "SQLite only: $2"
	return 0
}

# Make $DB as jobd of schema version N made it: from its first N
# migrations, in WAL mode, stamped with version N and jobd's application id.
# SQLite only: the PostgreSQL schema starts where SQLite's version 19 is.
old_db() {	# N
	if is_pg; then
		echo "old_db: SQLite only" >&2
		return 1
	fi
	ls "$JOBD_TOP"/schema/*.sql | head -n "$1" | xargs cat >"$DB.sql" &&
	sql "PRAGMA journal_mode = WAL;" ".read $DB.sql" \
	    "PRAGMA user_version = $1;" \
	    "PRAGMA application_id = $((0x6a6f6264));" >/dev/null
}

# What differs between the counts of jobs by queue and state that
# jobctl metrics gives (jobd_jobs, from the counts the triggers keep;
# dead jobs as state "dead") and a recount of jobs and dead_jobs, as
# "-QUEUE STATE N" (metrics only) and "+QUEUE STATE N" (recount only)
# lines, then "ready QUEUE" for each queue whose ready flag is not
# whether it has pending jobs.  Nothing when they agree.
counts_diff() {
	"$JOBCTL" metrics 2>/dev/null | awk -F'[{}",= ]+' \
	    '/^jobd_jobs\{/ && $NF != 0 { print $3, $5, $NF }' |
	    sort >"$T/.counts.m"
	sql "SELECT queue || ' ' || state || ' ' || count(*) FROM jobs
	    GROUP BY queue, state UNION ALL
	    SELECT queue || ' dead ' || count(*) FROM dead_jobs
	    GROUP BY queue" | sort >"$T/.counts.r"
	diff "$T/.counts.m" "$T/.counts.r" | sed -n 's/^< /-/p; s/^> /+/p'
	sql "SELECT 'ready ' || name FROM queues q WHERE ready <> CASE WHEN
	    EXISTS (SELECT 1 FROM jobs j WHERE j.queue = q.name
	    AND j.state = 'pending') THEN 1 ELSE 0 END ORDER BY name"
}

# The database's schema and rows, to show that a refusal changed nothing;
# without the daemons' rows, which a running jobd's heartbeat rewrites
# (jobctl never writes them).  On PostgreSQL, one psql session (pg_dump
# takes ten times as long, and bad input is checked hundreds of times):
# the schema stamp, the tables' columns, the indexes, views, triggers
# and functions, and each table's rows in their stored order.
dbdump() {
	_dd=${1:-$DB}
	if is_pg; then
		pg_sql "$_dd" "SELECT to_regclass('jobd_meta') IS NOT NULL;" \
		    "SELECT table_name || '.' || column_name || ' ' ||
		    data_type || ' ' || is_nullable || ' ' ||
		    coalesce(column_default, '-') FROM information_schema.columns
		    WHERE table_schema = current_schema()
		    ORDER BY table_name, ordinal_position;" \
		    "SELECT indexdef FROM pg_indexes
		    WHERE schemaname = current_schema() ORDER BY indexname;" \
		    "SELECT viewname || ': ' || definition FROM pg_views
		    WHERE schemaname = current_schema() ORDER BY viewname;" \
		    "SELECT event_object_table || ' ' || trigger_name || ' ' ||
		    event_manipulation || ' ' || action_statement
		    FROM information_schema.triggers
		    WHERE trigger_schema = current_schema() ORDER BY 1;" \
		    "SELECT pg_get_functiondef(p.oid) FROM pg_proc p
		    JOIN pg_namespace n ON n.oid = p.pronamespace
		    WHERE n.nspname = current_schema() ORDER BY p.proname;" \
		    "SELECT tablename || E'\\n' || coalesce(query_to_xml(
		    format('SELECT * FROM %I', tablename), true, false,
		    '')::text, '') FROM pg_tables
		    WHERE schemaname = current_schema() AND tablename <> 'daemons'
		    ORDER BY tablename;"
		return 0
	fi
	if [ ! -e "$_dd" ]; then
		echo "(no file $_dd)"
		return 0
	fi
	db_sqlite3 "$_dd" "$_dd" 'PRAGMA user_version;' \
	    'PRAGMA application_id;' .dump | grep -v '^INSERT INTO daemons '
}

json() {
	python3 -c 'import json, sys
d = json.loads(sys.stdin.readline())
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v))' "$1"
}

json_lines() {
	python3 -c 'import json, sys
data = open(sys.argv[1], "rb").read().decode("utf-8")
if data and not data.endswith("\n"):
    sys.exit("no newline at the end")
n = 0
for line in data.split("\n")[:-1]:
    if not isinstance(json.loads(line), dict):
        sys.exit("line %d is not an object" % (n + 1))
    n += 1
print(n)' "$1"
}

wait_for() {	# 'condition' timeout_seconds
	_wf_end=$(($(date +%s) + $2))
	while ! eval "$1"; do
		[ "$(date +%s)" -ge "$_wf_end" ] && return 1
		sleep 0.05
	done
	return 0
}

# Job id N's JSON (jobctl show N --json) on stdout.
show_json() {
	"$JOBCTL" show "$1" --json
}

# The value of KEY (a python expression on d, e.g. 'd["queue"]') of job ID.
field() {	# id expr
	show_json "$1" | json "$2"
}

# Run a command as an unprivileged user: directly when not root, else as
# nobody through setpriv.  unpriv_ready DIR makes DIR (one of ours)
# traversable for that user, or returns 1 when its path still is not.
unpriv() {
	if [ "$(id -u)" -ne 0 ]; then
		"$@"
	else
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	fi
}

unpriv_ready() {
	[ "$(id -u)" -ne 0 ] && return 0
	command -v setpriv >/dev/null || return 1
	chmod o+x "$1" 2>/dev/null
	unpriv test -x "$1" 2>/dev/null
}

# The database backend of this pass, and the database of the script:
# never the default one (/var/lib/jobd as root).  On PostgreSQL, the
# pass's server (JOBD_PG_URL, PGHOST ...: tests/run.sh starts it) and
# pglib.sh's helpers.
BACKEND=${JOBD_TEST_BACKEND:-sqlite}
case $BACKEND in
sqlite) ;;
postgresql)
	if [ -z "${JOBD_PG_URL:-}" ] || [ -z "${PGHOST:-}" ]; then
		echo "$0: JOBD_TEST_BACKEND=postgresql needs the pass's server" \
		    "(JOBD_PG_URL, PGHOST): run it with" \
		    "JOBD_TEST_BACKENDS=postgresql tests/run.sh" >&2
		exit 2
	fi
	. "$JOBD_TOP/tests/e2e/pglib.sh" ;;
*)
	echo "$0: JOBD_TEST_BACKEND: sqlite or postgresql, not $BACKEND" >&2
	exit 2 ;;
esac
use_db "$T/jobs.db"

# SQL text: the text value of the bytes HEX (hexadecimal digits), for
# text that a quoted literal cannot spell (escapes, other bytes):
# CAST(X'HEX' AS TEXT) on SQLite, convert_from on PostgreSQL (which
# refuses bytes that are not UTF-8).
sql_text() {	# hex
	if is_pg; then
		printf '%s\n' "convert_from('\\x$1'::bytea, 'UTF8')"
	else
		echo "CAST(X'$1' AS TEXT)"
	fi
}

# SQL text: the statement that keeps table TABLE's next id above N, as
# jobd does for an id it moved out of the table (a dead job's):
# sqlite_sequence on SQLite, the TABLE_id_seq sequence on PostgreSQL.
sql_seq_min() {	# table n
	if is_pg; then
		echo "SELECT setval('$1_id_seq', greatest($2, (SELECT last_value
		    FROM $1_id_seq)))"
	else
		echo "UPDATE sqlite_sequence SET seq = max(seq, $2) WHERE
		    name = '$1'"
	fi
}

# The database's writers' lock: SQLite's write lock, or on PostgreSQL the
# advisory lock that every write transaction of jobd and jobctl takes
# first (its key: jobd's application id).
#   db_hold_write_lock FIFO OUT   a process (pid $HOLDER, output in OUT)
#                         takes it and holds it until fd 3, opened here on
#                         the new fifo FIFO, is closed (exec 3>&-)
#   db_write_locked       another connection holds it now
#   db_write_lock_free MS  it could be taken (and given back) within MS ms
db_hold_write_lock() {	# fifo out
	mkfifo "$1" || return 1
	if is_pg; then
		pg_sql "$DB" <"$1" >"$2" 2>&1 &
	else
		# A busy timeout: a probe may hold the lock for a moment.
		db_sqlite3 "$DB" -cmd '.timeout 5000' "$DB" <"$1" >"$2" 2>&1 &
	fi
	HOLDER=$!
	exec 3>"$1"
	if is_pg; then
		echo "BEGIN; SELECT pg_advisory_xact_lock($((0x6a6f6264)));" >&3
	else
		echo 'BEGIN IMMEDIATE;' >&3
	fi
}

db_write_locked() {
	if is_pg; then
		pg_sql "$DB" "SET lock_timeout = 1; BEGIN;
		    SELECT pg_advisory_xact_lock($((0x6a6f6264))); ROLLBACK;" \
		    2>&1 | grep -q 'lock timeout'
	else
		db_sqlite3 "$DB" "$DB" 'BEGIN IMMEDIATE; ROLLBACK;' 2>&1 |
		    grep -q locked
	fi
}

db_write_lock_free() {	# ms
	if is_pg; then
		pg_sql "$DB" "SET lock_timeout = $1; BEGIN;
		    SELECT pg_advisory_xact_lock($((0x6a6f6264))); ROLLBACK;"
	else
		db_sqlite3 "$DB" -cmd ".timeout $1" "$DB" \
		    'BEGIN IMMEDIATE; ROLLBACK;'
	fi >/dev/null 2>&1
}
