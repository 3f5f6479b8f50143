# pglib.sh, the private PostgreSQL server of the end-to-end tests: it
# starts, takes connections through its socket only (no TCP listener, and
# other users reach the socket), runs SQL, makes databases, survives an
# immediate restart with its data, and stops leaving nothing behind: no
# process, no directory, no shared memory.  A script that uses it has the
# server stopped when it exits with a failure, on SIGTERM (its trap), and
# when SIGKILLed (the watcher).  Skipped when PostgreSQL is not installed.
. "$(dirname "$0")/pglib.sh"

ms() {
	date +%s%3N
}

# The pids of every process in session $1 (a postmaster's).
session_pids() {	# sid
	ps -e -o pid= -o sid= | awk -v s="$1" '$2 == s { print $1 }'
}

# Whether one of the pids is a live process (a zombie is not).
any_alive() {	# pid...
	for _aa in "$@"; do
		_as=$(ps -o stat= -p "$_aa") && [ "${_as#Z}" = "$_as" ] &&
		    return 0
	done
	return 1
}

T0=$(ms)

# Skipped, with the reason and the command, when there is no initdb.
begin "pg: no initdb: pg_start returns PG_SKIP (77) and says how to install it"
(PG_BIN=$T/nowhere; pg_start) >"$T/skip.out" 2>"$T/skip.err"
RC=$?
[ "$RC" -eq 77 ] || problem "pg_start returned $RC"
grep -q "apt-get install -y postgresql" "$T/skip.err" ||
    problem "stderr: $(cat "$T/skip.err")"
end

# Three scripts at once, each with its own server: one exits with a
# failure status through a trap of its own that calls _pg_cleanup (its
# server with fsync on, the default); one gets SIGTERM; one gets SIGKILL
# and runs no trap (these two with PG_FAST=1).  They start now, to
# overlap the other cases (initdb takes a second or more), and are
# checked at the end.
cat >"$T/child.sh" <<'EOF'
. "$JOBD_TOP/tests/e2e/pglib.sh"
mode=$1
if [ "$mode" = exit ]; then
	_my_cleanup() {
		_pg_cleanup
		echo mine >"$T/cleaned"
		return 0
	}
	trap '_my_cleanup' EXIT
	trap '_my_cleanup; exit 1' INT TERM HUP
fi
[ "$mode" = exit ] || PG_FAST=1
pg_start || exit 10
pg_sql "$JOBD_PG_URL" 'SHOW fsync' >"$T/fsync" || exit 11
echo "$PG_DIR $(pg_pid) $_pg_watcher" >"$T/server.new" &&
    mv "$T/server.new" "$T/server"
[ "$mode" = exit ] && exit 3
while :; do
	sleep 0.1
done
EOF
t_children=$(ms)
for m in exit term kill; do
	mkdir "$T/child_$m"
	(cd "$T/child_$m" && exec sh "$T/child.sh" "$m" >out 2>err) &
	eval "cpid_$m=\$!"
done
# PG_FAST=1 here: with fsync on, CREATE DATABASE, the end of crash
# recovery and the shutdown checkpoint each wait for the disk.  The
# server of one of the scripts above has it on, the default.
t=$(ms)
PG_FAST=1 pg_start
RC=$?
if [ "$RC" -eq "$PG_SKIP" ]; then
	skip "pg: harness" "$PG_WHY"
	for m in exit term kill; do
		eval "kill \$cpid_$m" 2>/dev/null
	done
	exit 0
fi
begin "pg: pg_start starts a private server"
[ "$RC" -eq 0 ] || problem "pg_start returned $RC: $PG_WHY"
end
[ "$RC" -eq 0 ] || exit 1
info "pg: pg_start took $(($(ms) - t)) ms"
PID=$(pg_pid)

begin "pg: its directory, data directory and socket, and who runs it"
if [ "$(id -u)" -eq 0 ]; then owner=postgres; else owner=$(id -un); fi
[ "$(ps -o user= -p "$PID")" = "$owner" ] ||
    problem "postmaster $PID runs as $(ps -o user= -p "$PID"), not $owner"
[ "$(stat -c '%a %U' "$PG_DIR")" = "755 $owner" ] ||
    problem "$PG_DIR: $(stat -c '%a %U' "$PG_DIR")"
[ "$(stat -c %a "$PG_DATA")" = 700 ] ||
    problem "$PG_DATA: mode $(stat -c %a "$PG_DATA")"
sock=$PG_DIR/.s.PGSQL.$PG_PORT
[ -S "$sock" ] || problem "no socket $sock"
[ "$(stat -c %a "$sock")" = 777 ] || problem "$sock: mode $(stat -c %a "$sock")"
[ "$PGHOST" = "$PG_DIR" ] && [ "$PGPORT" = "$PG_PORT" ] &&
    [ "$PGUSER" = postgres ] ||
    problem "PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=$PGUSER"
want="postgresql:///jobd?host=$PG_DIR&port=$PG_PORT&user=postgres"
[ "$JOBD_PG_URL" = "$want" ] || problem "JOBD_PG_URL=$JOBD_PG_URL"
out=$(pg_sql "$JOBD_PG_URL" 'SELECT current_database(), current_user,
    current_setting($$fsync$$), current_setting($$synchronous_commit$$)')
[ "$out" = "jobd|postgres|off|on" ] || problem "JOBD_PG_URL reaches: $out"
end

begin "pg: no TCP listener: listen_addresses is empty, ss shows none of its processes, psql -h 127.0.0.1 fails"
[ "$(pg_sql "$JOBD_PG_URL" 'SHOW listen_addresses')" = "" ] ||
    problem "listen_addresses: $(pg_sql "$JOBD_PG_URL" 'SHOW listen_addresses')"
pids=$(session_pids "$PID")
[ -n "$pids" ] || problem "no process in the postmaster's session"
ss -H -ltnp >"$T/ss.tcp" 2>&1 || problem "ss -ltnp failed: $(cat "$T/ss.tcp")"
for p in $pids; do
	grep -q "pid=$p," "$T/ss.tcp" &&
	    problem "pid $p listens on TCP: $(grep "pid=$p," "$T/ss.tcp")"
done
# The control: ss does see its Unix socket (and whose it is).
ss -H -lxp >"$T/ss.unix" 2>&1
grep -F "$sock " "$T/ss.unix" | grep -q "pid=$PID," ||
    problem "ss -lxp does not show $sock of pid $PID"
if [ -n "$(ss -H -ltn "sport = :$PG_PORT")" ]; then
	info "pg: something else listens on TCP port $PG_PORT: psql -h skipped"
else
	for h in 127.0.0.1 ::1; do
		if _pg_psql -X -w -h "$h" -p "$PG_PORT" -d jobd -c 'SELECT 1' \
		    >"$T/tcp.out" 2>&1; then
			problem "psql -h $h -p $PG_PORT connected"
		fi
	done
fi
end

begin "pg: pg_sql runs SQL (argument or stdin) and prints the rows"
out=$(pg_sql "$JOBD_PG_URL" "CREATE TABLE t (id int PRIMARY KEY, name text);
    INSERT INTO t VALUES (1, 'one'), (2, 'two');
    SELECT id, name FROM t ORDER BY id")
[ "$out" = "$(printf '1|one\n2|two')" ] || problem "rows: $out"
out=$(echo "SELECT count(*) FROM t" | pg_sql "$JOBD_PG_URL")
[ "$out" = 2 ] || problem "from stdin: $out"
end

begin "pg: pg_sql stops at the first error and fails (ON_ERROR_STOP)"
pg_sql "$JOBD_PG_URL" "INSERT INTO t VALUES (3, 'three');
    SELECT no_such_column FROM t;
    INSERT INTO t VALUES (4, 'four')" >"$T/sql.out" 2>"$T/sql.err"
RC=$?
[ "$RC" -eq 3 ] || problem "psql exit $RC, expected 3"
grep -q 'no_such_column' "$T/sql.err" || problem "stderr: $(cat "$T/sql.err")"
out=$(pg_sql "$JOBD_PG_URL" \
    'SELECT string_agg(id::text, $$,$$ ORDER BY id) FROM t')
[ "$out" = "1,2,3" ] || problem "rows after the error: $out"
end

begin "pg: pg_newdb makes an empty database and prints its URI"
url=$(pg_newdb scratch_1)
RC=$?
[ "$RC" -eq 0 ] || problem "pg_newdb exit $RC"
[ "$url" = "$(pg_url scratch_1)" ] || problem "URI: $url"
out=$(pg_sql "$url" "SELECT current_database(), (SELECT count(*)
    FROM information_schema.tables WHERE table_schema = 'public')")
[ "$out" = "scratch_1|0" ] || problem "database, tables: $out"
if pg_newdb 'Bad;Name' >"$T/newdb.out" 2>&1; then
	problem "pg_newdb took the name Bad;Name"
fi
grep -q "bad database name" "$T/newdb.out" ||
    problem "pg_newdb Bad;Name: $(cat "$T/newdb.out")"
end

begin "pg: another user reaches the server through the socket"
if [ "$(id -u)" -ne 0 ]; then
	info "pg: not root: the socket's mode was checked, not another user"
elif ! command -v setpriv >/dev/null; then
	problem "no setpriv to run psql as nobody"
else
	out=$(cd / && unpriv "$PG_BIN/psql" -X -A -t -w -d "$JOBD_PG_URL" \
	    -c 'SELECT count(*) FROM t' 2>&1)
	[ "$out" = 3 ] || problem "psql as nobody: $out"
fi
end

begin "pg: pg_restart (stop -m immediate, then start) keeps committed rows and the socket"
t=$(ms)
url0=$JOBD_PG_URL
pg_restart || problem "pg_restart failed: $PG_WHY"
info "pg: pg_restart took $(($(ms) - t)) ms"
PID2=$(pg_pid)
[ -n "$PID2" ] && [ "$PID2" != "$PID" ] ||
    problem "postmaster pid $PID, after: $PID2"
wait_for "! any_alive $pids" 5 ||
    problem "a process of the first postmaster is alive"
[ -S "$sock" ] || problem "no socket $sock after the restart"
[ "$JOBD_PG_URL" = "$url0" ] || problem "JOBD_PG_URL now $JOBD_PG_URL"
grep -q "database system was interrupted" "$PG_LOG" ||
    problem "no crash recovery in the server log"
out=$(pg_sql "$JOBD_PG_URL" 'SELECT count(*) FROM t')
[ "$out" = 3 ] || problem "rows after the restart: $out"
end

begin "pg: pg_stop leaves no process, directory or shared memory"
t=$(ms)
dir=$PG_DIR
pids=$(session_pids "$PID2")
shmid=$(sed -n 7p "$PG_DATA/postmaster.pid" | awk '{ print $2 }')
watcher=$_pg_watcher
[ -n "$watcher" ] && any_alive "$watcher" ||
    problem "no watcher before pg_stop"
pg_stop || problem "pg_stop failed"
info "pg: pg_stop took $(($(ms) - t)) ms"
[ ! -e "$dir" ] || problem "$dir is still there"
any_alive $pids $watcher && problem "left running: $(ps -o pid=,args= -p \
    "$(echo $pids $watcher | tr ' ' ,)")"
if [ -n "$shmid" ] && ipcs -m | awk '{ print $2 }' | grep -qx "$shmid"; then
	problem "shared memory segment $shmid is left"
fi
[ -z "${JOBD_PG_URL:-}" ] && [ -z "${PGHOST:-}" ] && [ -z "$PG_DIR" ] ||
    problem "JOBD_PG_URL=${JOBD_PG_URL:-} PGHOST=${PGHOST:-} PG_DIR=$PG_DIR"
pg_stop || problem "a second pg_stop failed"
end

for m in exit term kill; do
	begin "pg: a script's server is stopped and removed: $m"
	eval "cpid=\$cpid_$m"
	c=$T/child_$m
	if ! wait_for "[ -s '$c/server' ] || ! any_alive $cpid" 60 ||
	    [ ! -s "$c/server" ]; then
		problem "no server: $(cat "$c/err")"
		kill -KILL "$cpid" 2>/dev/null
		end
		continue
	fi
	read -r dir pid watcher <"$c/server"
	info "pg: script $m had its server" \
	    "$(($(ms) - t_children)) ms after it started"
	pids=$(session_pids "$pid")
	fsync=off
	[ "$m" = exit ] && fsync=on
	[ "$(cat "$c/fsync")" = "$fsync" ] ||
	    problem "fsync $(cat "$c/fsync"), expected $fsync"
	case $m in
	term) kill -TERM "$cpid" ;;
	kill) kill -KILL "$cpid" ;;
	esac
	wait "$cpid" 2>/dev/null
	RC=$?
	case $m in
	exit) want=3 ;;
	term) want=1 ;;
	kill) want=137 ;;
	esac
	[ "$RC" -eq "$want" ] || problem "exit status $RC, expected $want"
	[ "$m" != exit ] || [ -s "$c/cleaned" ] ||
	    problem "its own cleanup did not run"
	wait_for "[ ! -e '$dir' ] && ! any_alive $pids $watcher" 15 ||
	    problem "left: $(ls -d "$dir" 2>/dev/null) $(ps -o pid=,args= -p \
	    "$(echo $pids $watcher | tr ' ' ,)" | tr '\n' ';')"
	end
done

info "pg: pg_harness.sh took $(($(ms) - T0)) ms"
