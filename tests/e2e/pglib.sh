# A private PostgreSQL server for the end-to-end scripts (POSIX sh, dash).
# Sourced after lib.sh or daemon_lib.sh, as the last library (it sources
# lib.sh itself when neither was).  tests/run.sh also runs this file
# alone: it prints nothing and exits 0.
#
# The server lives in a new directory /tmp/jobd-pg.XXXXXX ($PG_TMPDIR
# instead of /tmp): data/ (0700), its logs, and its Unix socket (directory
# 0755, socket 0777, so that users a test makes can connect too).  Not
# under the test's own directory $T: as root that one is closed to
# postgres and to those users, and daemon_lib.sh's exit trap and
# no_strays kill and count every process whose command line names $T
# (the postmaster's names its data directory).  It listens on no TCP
# address at all.  Root runs it as the user postgres, anyone else as
# themselves.  Its superuser is "postgres", with trust authentication,
# which only the socket's directory can reach.
#
#   pg_start            initdb, configure, start (pg_ctl -w) and create the
#                       database "jobd".  Returns 0; PG_SKIP (77) when
#                       PostgreSQL is not installed, after printing why and
#                       the apt-get command on stderr; 1 on a failure (the
#                       server log's tail on stderr).  Both with the reason
#                       in PG_WHY.  One server per script at a time.
#   pg_stop             stop it (pg_ctl -m fast, then -m immediate should
#                       that fail, each given PG_TIMEOUT; then SIGKILL to
#                       whatever is left of it) and remove its directory;
#                       nothing when none is running
#   pg_restart          stop -m immediate (a crash, for chaos tests) and
#                       start again on the same directory and socket
#   pg_down, pg_up      the two halves of pg_restart, for a test that acts
#                       while the server is down (pg_stop works on a
#                       server that is down too)
#   pg_hba LINE...      put these lines first in pg_hba.conf (the first
#                       line that matches a connection decides) and have
#                       the server reload it
#   pg_newdb NAME       create the empty database NAME ([a-z_][a-z0-9_]*)
#                       and print its URI
#   pg_sql URI [SQL]    run SQL (else stdin) through psql -X -A -t -q
#                       -v ON_ERROR_STOP=1; prints the rows, one a line,
#                       columns split by '|'; psql's exit status
#   pg_url DB           the URI of database DB on this server (without
#                       one: on the server PGHOST and PGPORT name, which
#                       is how a script of tests/run.sh's PostgreSQL pass
#                       reaches the pass's server, with pg_newdb too)
#   pg_pid              the postmaster's pid (from postmaster.pid)
#   pg_hold URI FIFO OUT SQL
#                       a psql session on URI (pid PG_HOLDER, output in
#                       OUT) that runs SQL and then waits for more, read
#                       from the new fifo FIFO, which this shell holds
#                       open on fd 3.  To hold a lock, SQL begins a
#                       transaction and leaves it open
#   pg_held SQL         send SQL to that session (a session that is gone
#                       makes it fail, not end the script with SIGPIPE)
#   pg_unhold           close fd 3: the session ends, its transaction, if
#                       still open, rolls back; waits (10 s, then SIGKILL)
#                       for psql to exit.  Nothing when there is none.
#                       The script's exit closes fd 3 too
#
# After pg_start:
#   JOBD_PG_URL         postgresql:///jobd?host=DIR&port=N&user=postgres
#   PGHOST PGPORT PGUSER   exported, for psql and the other client tools
#   PG_DIR PG_DATA PG_PORT PG_LOG   its directory, data directory, port
#                       (it names the socket only) and server log
#
# Settings, read by pg_start:
#   PG_FAST=1           fsync = off: faster, and a crash of postgres
#                       (pg_restart) still loses nothing committed (its
#                       commits still wait for the WAL write); a crash of
#                       the machine would
#   PG_CONF             extra lines for postgresql.conf
#   PG_TIMEOUT          seconds for each start or stop (default 30)
#   PG_TMPDIR           where its directory is made (default /tmp)
#   PG_BIN              the directory of initdb, pg_ctl and psql (default:
#                       found from initdb on PATH, pg_config --bindir or
#                       /usr/lib/postgresql/*/bin)
#
# A suite starts its server like this, and skips when there is none:
#	. "$(dirname "$0")/daemon_lib.sh"	# when it runs jobd
#	. "$(dirname "$0")/pglib.sh"
#	pg_start
#	rc=$?
#	if [ "$rc" -eq "$PG_SKIP" ]; then
#		skip "pg: NAME" "$PG_WHY"
#		exit 0
#	fi
#	[ "$rc" -eq 0 ] || { fail "pg: NAME" "$PG_WHY"; exit 1; }
#
# Cleanup.  Sourcing this file installs
#	trap '_pg_cleanup' EXIT
#	trap '_pg_cleanup; exit 1' INT TERM HUP
# where _pg_cleanup stops the server and then runs daemon_lib.sh's
# _daemon_cleanup when that was sourced (so source this file after it;
# sourced before it, its trap would replace this one).  A script that
# needs cleanup of its own does as faults.sh does with _daemon_cleanup:
#	_my_cleanup() { _pg_cleanup; ...its own...; return 0; }
#	trap '_my_cleanup' EXIT
#	trap '_my_cleanup; exit 1' INT TERM HUP
# A trap runs only once the foreground command ends: to wait for long
# in a script that must stop promptly on SIGTERM, use "CMD & wait $!".
#
# Should the script die without running its trap (SIGKILL, tests/run.sh's
# timeout -k), or install a trap of its own that forgets _pg_cleanup,
# pg_start has also left a watcher, in a session of its own so that a
# kill of the test's process group misses it: once the script's shell is
# gone it stops the server and removes the directory.  pg_stop ends it.

if ! command -v expect_rc >/dev/null 2>&1; then	# lib.sh not sourced
	if [ -n "${JOBD_TOP:-}" ]; then
		. "$JOBD_TOP/tests/e2e/lib.sh"
	else
		. "$(dirname "$0")/lib.sh"
	fi
fi

PG_SKIP=77
PG_DIR=
PG_DATA=
PG_PORT=
PG_LOG=
PG_WHY=
_pg_watcher=
PG_HOLDER=

# The directory holding initdb, pg_ctl and psql, into PG_BIN.
_pg_find_bin() {
	if [ -n "${PG_BIN:-}" ]; then
		[ -x "$PG_BIN/initdb" ] && return 0
		PG_WHY="no initdb in PG_BIN ($PG_BIN)"
		return 1
	fi
	_pgf=$(command -v initdb 2>/dev/null) &&
	    PG_BIN=$(dirname "$(readlink -f "$_pgf")") &&
	    [ -x "$PG_BIN/pg_ctl" ] && return 0
	_pgf=$(pg_config --bindir 2>/dev/null) && [ -x "$_pgf/initdb" ] &&
	    PG_BIN=$_pgf && return 0
	for _pgf in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null |
	    sort -t/ -k4 -n -r); do
		[ -x "$_pgf/initdb" ] && PG_BIN=$_pgf && return 0
	done
	PG_BIN=
	PG_WHY="PostgreSQL's initdb not found (not on PATH, not in pg_config \
--bindir, not in /usr/lib/postgresql/*/bin)"
	return 1
}

# As the user postgres: setpriv, not runuser.  runuser forks, and when
# it is sent a signal it passes it on, then sleeps two seconds before it
# exits, which delays the test's trap by as much.  setpriv execs the
# program, so a SIGTERM to the test's process group simply ends it.
_PG_AS="setpriv --reuid=postgres --regid=postgres --init-groups"

# Run a server program as the server's user: postgres when we are root.
# From its directory: root's test directory may be closed to postgres.
_pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd "$PG_DIR" && $_PG_AS "$@")
	else
		(cd "$PG_DIR" && "$@")
	fi
}

_pg_ctl() {
	_pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" "$@"
}

_pg_psql() {
	if [ -x "$PG_BIN/psql" ]; then
		"$PG_BIN/psql" "$@"
	else
		psql "$@"
	fi
}

pg_pid() {
	[ -n "$PG_DATA" ] && head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null
}

pg_url() {	# db
	echo "postgresql:///$1?host=${PG_DIR:-$PGHOST}&port=${PG_PORT:-$PGPORT}&user=postgres"
}

# Make PG_DIR, the server's directory, under $PG_TMPDIR (else /tmp): a
# path that the socket's (at most 107 bytes) and the URI can hold as it is
# and, as root, one that postgres can reach.
_pg_mkdir() {
	_pgb=${PG_TMPDIR:-/tmp}
	case $_pgb in
	/*) ;;
	*) PG_WHY="PG_TMPDIR must be an absolute path: $_pgb"; return 1 ;;
	esac
	case $_pgb in
	*[!A-Za-z0-9/._-]*)
		PG_WHY="PG_TMPDIR has a character a URI would need to \
escape: $_pgb"
		return 1 ;;
	esac
	if [ "${#_pgb}" -gt 64 ]; then
		PG_WHY="PG_TMPDIR is too long for a socket's path: $_pgb"
		return 1
	fi
	if [ "$(id -u)" -eq 0 ] && ! $_PG_AS test -x "$_pgb" 2>/dev/null; then
		PG_WHY="postgres cannot reach $_pgb"
		return 1
	fi
	PG_DIR=$(mktemp -d "$_pgb/jobd-pg.XXXXXX") || {
		PG_DIR=
		PG_WHY="mktemp -d $_pgb/jobd-pg.XXXXXX failed"
		return 1
	}
	chmod 755 "$PG_DIR" &&
	    { [ "$(id -u)" -ne 0 ] || chown postgres: "$PG_DIR"; }
}

# The watcher: in a session of its own, it waits for this shell to end
# (to be gone or a zombie: the state in /proc/PID/stat, read without a
# fork), then stops the server it was started for (if still up) and
# removes its directory.
_pg_watch() {
	_pgw_as=
	[ "$(id -u)" -eq 0 ] && _pgw_as=$_PG_AS
	setsid sh -c 'while read -r s </proc/"$1"/stat 2>/dev/null &&
	    s=${s##*) } && [ "${s%% *}" != Z ]; do sleep 0.5; done
	    if [ -f "$3/data/postmaster.pid" ]; then
		    cd "$3" && $5 "$2/pg_ctl" -D "$3/data" -m immediate -w \
			-t "$4" stop
	    fi
	    rm -rf "$3"' pg-watch "$$" "$PG_BIN" "$PG_DIR" "$PG_TIMEOUT" \
	    "$_pgw_as" </dev/null >/dev/null 2>&1 &
	_pg_watcher=$!
}

_pg_fail() {	# why
	PG_WHY=$1
	echo "pglib: $1" >&2
	[ -s "$PG_LOG" ] && tail -n 20 "$PG_LOG" | sed 's/^/pglib: log: /' >&2
	pg_stop
	return 1
}

# The lines pg_start adds to postgresql.conf.
_pg_conf() {
	_pgc_sync=on
	[ "${PG_FAST:-}" = 1 ] && _pgc_sync=off
	cat <<EOF
# pglib.sh: a private server, reached only through its socket
listen_addresses = ''
unix_socket_directories = '$PG_DIR'
unix_socket_permissions = 0777
port = $PG_PORT
fsync = $_pgc_sync
synchronous_commit = on
${PG_CONF:-}
EOF
}

# Start the postmaster on PG_DATA and wait until it takes connections.
_pg_launch() {
	_pg_ctl -l "$PG_LOG" -w -t "$PG_TIMEOUT" start >>"$PG_DIR/pg_ctl.out" \
	    2>&1
}

pg_start() {
	PG_TIMEOUT=${PG_TIMEOUT:-30}
	PG_WHY=
	if [ -n "$PG_DIR" ]; then
		PG_WHY="pg_start: a server is running already ($PG_DIR)"
		echo "pglib: $PG_WHY" >&2
		return 1
	fi
	if ! _pg_find_bin; then
		if [ "$(id -u)" -eq 0 ]; then
			PG_WHY="$PG_WHY; install it with: apt-get install -y \
postgresql"
		else
			PG_WHY="$PG_WHY; install it with: sudo apt-get install \
-y postgresql"
		fi
		echo "pglib: $PG_WHY" >&2
		return "$PG_SKIP"
	fi
	if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
		PG_WHY="as root, the server runs as the user postgres, and \
there is none (the postgresql package makes it)"
		echo "pglib: $PG_WHY" >&2
		return "$PG_SKIP"
	fi
	if [ "$(id -u)" -eq 0 ] && ! command -v setpriv >/dev/null; then
		PG_WHY="as root, the server is started through setpriv, and \
there is none; install it with: apt-get install -y util-linux"
		echo "pglib: $PG_WHY" >&2
		return "$PG_SKIP"
	fi
	if ! _pg_mkdir; then
		echo "pglib: $PG_WHY" >&2
		[ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
		PG_DIR=
		return 1
	fi
	PG_DATA=$PG_DIR/data
	PG_LOG=$PG_DIR/server.log
	# Any port: it only names the socket, in a directory of our own.
	PG_PORT=$((20000 + $$ % 10000))
	_pg_watch
	_pg_as "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 \
	    --locale=C --no-sync >"$PG_DIR/initdb.out" 2>&1 ||
	    { PG_LOG=$PG_DIR/initdb.out; _pg_fail "initdb failed"; return 1; }
	# Root appends as root: the file stays postgres's.
	_pg_conf >>"$PG_DATA/postgresql.conf" ||
	    { _pg_fail "cannot write postgresql.conf"; return 1; }
	_pg_launch || { _pg_fail "pg_ctl start failed"; return 1; }
	# Connection settings from the caller's environment must not
	# send our clients elsewhere.
	unset PGHOSTADDR PGSERVICE PGDATABASE PGOPTIONS PGSSLMODE \
	    PGTARGETSESSIONATTRS PGLOAD_BALANCE_HOSTS
	PGHOST=$PG_DIR PGPORT=$PG_PORT PGUSER=postgres
	export PGHOST PGPORT PGUSER
	pg_sql "$(pg_url postgres)" 'CREATE DATABASE jobd' >/dev/null ||
	    { _pg_fail "CREATE DATABASE jobd failed"; return 1; }
	JOBD_PG_URL=$(pg_url jobd)
	export JOBD_PG_URL
	return 0
}

# Whether a process of session $1 (the postmaster's) is left.  Zombies
# do not count: they only wait for init to reap them, which may be slow.
_pg_session_alive() {	# sid
	ps -e -o sid= -o stat= |
	    awk -v s="$1" '$1 == s && $2 !~ /^Z/ { f = 1 } END { exit !f }'
}

pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	PG_TIMEOUT=${PG_TIMEOUT:-30}
	_pgs_pid=$(pg_pid)
	_pgs_sid=
	if [ -n "$_pgs_pid" ] && kill -0 "$_pgs_pid" 2>/dev/null; then
		_pgs_sid=$(ps -o sid= -p "$_pgs_pid" | tr -d ' ')
		_pg_ctl -m fast -w -t "$PG_TIMEOUT" stop >/dev/null 2>&1 ||
		    _pg_ctl -m immediate -w -t "$PG_TIMEOUT" stop \
		    >/dev/null 2>&1
	fi
	# pg_ctl starts the postmaster as the leader of a session of its
	# own.  Once it has removed its pid file it only has to exit; what
	# is left of the session after that is killed, by pid.
	if [ -n "$_pgs_pid" ] && [ "$_pgs_sid" = "$_pgs_pid" ] &&
	    ! wait_for '! _pg_session_alive "$_pgs_pid"' 5; then
		for _pgk in $(ps -e -o pid= -o sid= |
		    awk -v s="$_pgs_pid" '$2 == s { print $1 }'); do
			kill -KILL "$_pgk" 2>/dev/null
		done
		wait_for '! _pg_session_alive "$_pgs_pid"' 5
	elif [ -n "$_pgs_sid" ] && [ "$_pgs_sid" != "$_pgs_pid" ] &&
	    ! wait_for '! kill -0 "$_pgs_pid" 2>/dev/null' 5; then
		kill -KILL "$_pgs_pid" 2>/dev/null
	fi
	if [ -n "$_pg_watcher" ]; then
		kill "$_pg_watcher" 2>/dev/null
		wait "$_pg_watcher" 2>/dev/null
		_pg_watcher=
	fi
	rm -rf "$PG_DIR"
	PG_DIR= PG_DATA= PG_PORT= PG_LOG=
	unset JOBD_PG_URL PGHOST PGPORT PGUSER
	return 0
}

pg_down() {
	if [ -z "$PG_DIR" ]; then
		PG_WHY="pg_down: no server"
		return 1
	fi
	_pg_ctl -m immediate -w -t "$PG_TIMEOUT" stop >>"$PG_DIR/pg_ctl.out" \
	    2>&1 || { PG_WHY="pg_ctl stop -m immediate failed"; return 1; }
}

pg_up() {
	if [ -z "$PG_DIR" ]; then
		PG_WHY="pg_up: no server"
		return 1
	fi
	_pg_launch || { PG_WHY="pg_ctl start failed"; return 1; }
}

pg_restart() {
	pg_down && pg_up
}

pg_hba() {	# line...
	[ -n "$PG_DIR" ] || { PG_WHY="pg_hba: no server"; return 1; }
	{ printf '%s\n' "$@"; cat "$PG_DATA/pg_hba.conf"; } \
	    >"$PG_DIR/pg_hba.new" &&
	    cat "$PG_DIR/pg_hba.new" >"$PG_DATA/pg_hba.conf" &&
	    rm -f "$PG_DIR/pg_hba.new" &&
	    _pg_ctl reload >>"$PG_DIR/pg_ctl.out" 2>&1 ||
	    { PG_WHY="pg_hba: cannot rewrite pg_hba.conf or reload"; return 1; }
}

pg_newdb() {	# name
	case $1 in
	"" | [!a-z_]* | *[!a-z0-9_]*)
		echo "pg_newdb: bad database name \"$1\"" >&2
		return 1 ;;
	esac
	pg_sql "$(pg_url postgres)" "CREATE DATABASE $1" >/dev/null &&
	    pg_url "$1"
}

pg_sql() {	# uri [sql]
	_pgq_uri=$1
	shift
	if [ $# -gt 0 ]; then
		printf '%s\n' "$*" | _pg_psql -X -A -t -q -w \
		    -v ON_ERROR_STOP=1 -d "$_pgq_uri" -f -
	else
		_pg_psql -X -A -t -q -w -v ON_ERROR_STOP=1 -d "$_pgq_uri" -f -
	fi
}

pg_hold() {	# uri fifo out sql
	mkfifo "$2" || return 1
	pg_sql "$1" <"$2" >"$3" 2>&1 &
	PG_HOLDER=$!
	exec 3>"$2"
	pg_held "$4"
}

pg_held() {	# sql
	(trap '' PIPE; printf '%s\n' "$1" >&3) 2>/dev/null
}

pg_unhold() {
	exec 3>&-
	[ -n "${PG_HOLDER:-}" ] || return 0
	wait_for '! ps -o stat= -p "$PG_HOLDER" | grep -q "^[^Z]"' 10 ||
	    kill -KILL "$PG_HOLDER" 2>/dev/null
	wait "$PG_HOLDER" 2>/dev/null
	PG_HOLDER=
}

# pg_start for a script that starts a server of its own: a missing
# PostgreSQL SKIPs case NAME and ends the script (exit 0); a server that
# fails FAILs it (exit 1).
pg_start_or_skip() {	# name
	pg_start
	_pgss=$?
	if [ "$_pgss" -eq "$PG_SKIP" ]; then
		skip "$1" "$PG_WHY"
		exit 0
	fi
	[ "$_pgss" -eq 0 ] || { fail "$1: pg_start" "$PG_WHY"; exit 1; }
}

_pg_cleanup() {
	pg_stop
	if command -v _daemon_cleanup >/dev/null 2>&1; then
		_daemon_cleanup
	elif [ -n "${_e2e_tmp:-}" ]; then
		rm -rf "$_e2e_tmp"	# lib.sh, run by hand
	fi
	return 0
}
trap '_pg_cleanup' EXIT
trap '_pg_cleanup; exit 1' INT TERM HUP
