#!/bin/sh
# Run a command with one private PostgreSQL server (tests/e2e/pglib.sh)
# for all of it: tests/run.sh's PostgreSQL pass runs under this, so that
# its scripts share one server and each makes its own databases there
# (lib.sh's use_db) instead of paying for an initdb each.
#
#   tests/with_pg.sh CMD [ARG...]
#
# The command runs with the server's JOBD_PG_URL, PGHOST, PGPORT and
# PGUSER exported, and its exit status is this script's.  The server is
# stopped and its directory removed when the command ends, or when this
# script is interrupted.  PG_FAST defaults to 1 here: no fsync, which
# the tests do not need from a server that lives as long as they do.
# When PostgreSQL is not installed, the command runs anyway, with
# JOBD_PG_SKIP set to the reason (pglib's PG_WHY, which names the
# command that installs it).  Run from the top of the tree, or with
# JOBD_TOP naming it.
JOBD_TOP=${JOBD_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
export JOBD_TOP
# pglib.sh sources lib.sh, which wants a directory of its own (not in
# the tree) and no backend of its own: this is no test script.
_wp_top=$(pwd)
_wp_child=
_wp_dir=$(mktemp -d "${TMPDIR:-/tmp}/jobd-with-pg.XXXXXX") || exit 1
cd "$_wp_dir" || exit 1
JOBD_TEST_BACKEND=
. "$JOBD_TOP/tests/e2e/pglib.sh"
# The command, run in the background, ignores SIGINT: pass it on as a
# SIGTERM.
_wp_cleanup() {
	[ -n "$_wp_child" ] && kill -TERM "$_wp_child" 2>/dev/null
	_pg_cleanup
	rm -rf "$_wp_dir"
}
trap '_wp_cleanup' EXIT
trap '_wp_cleanup; exit 1' INT TERM HUP

PG_FAST=${PG_FAST:-1}
# Room for every daemon, jobctl and psql of the scripts that run at once.
PG_CONF="max_connections = 400${PG_CONF:+
$PG_CONF}"
pg_start
rc=$?
if [ "$rc" -eq "$PG_SKIP" ]; then
	JOBD_PG_SKIP=$PG_WHY
	export JOBD_PG_SKIP
elif [ "$rc" -ne 0 ]; then
	echo "with_pg.sh: no PostgreSQL server: $PG_WHY" >&2
	exit 1
fi
cd "$_wp_top" || exit 1
"$@" &
_wp_child=$!
# A trap runs only once the foreground command ends: wait instead.
wait "$_wp_child"
rc=$?
_wp_child=
exit "$rc"
