#!/bin/sh
# check_sql.sh: does every statement of the store run on PostgreSQL?
#
# Starts a private PostgreSQL server (initdb into a temporary directory,
# no TCP, its socket in that directory), loads schema/postgresql/*.sql in
# order, PREPAREs every statement of enum store_stmt as the PostgreSQL
# backend sends it (tests/pg/dump_sql.c, built by make check, through the
# backend's own translation), runs the semantic checks of
# tests/pg/semantic.sql in the same session, then checks the two things
# that take two connections: the writers' lock of Q_BEGIN and the data
# version of Q_DATA_VERSION.  Stops the server and removes the directory
# on exit.  Run from the top of the tree, with JOBD_BUILD naming the build
# directory (default build/); needs PostgreSQL's initdb, pg_ctl and psql.
# PGBIN names the directory of initdb and pg_ctl.  As root, the server
# runs as the postgres user.  Prints "N prepared, N failed" and exits 1
# on any failure.

set -u

PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V |
    tail -n 1)}
top=$(pwd)
dump=${JOBD_BUILD:-$top/build}/tests/pg_dump_sql
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jobd-pg.XXXXXX") || exit 1
data=$tmp/data
asuser=
if [ "$(id -u)" = 0 ]; then
	asuser="runuser -u postgres --"
	chown postgres "$tmp"
fi
chmod 700 "$tmp"

stop() {
	$asuser "$PGBIN/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1
	rm -rf "$tmp"
}
trap stop EXIT
trap 'exit 1' HUP INT TERM

fail() {
	echo "check_sql: $*" >&2
	exit 1
}

[ -x "$PGBIN/initdb" ] || fail "no initdb (set PGBIN)"
$asuser "$PGBIN/initdb" -D "$data" -A trust -U postgres -E UTF8 \
    >"$tmp/initdb.log" 2>&1 || fail "initdb failed: see $tmp/initdb.log"
$asuser "$PGBIN/pg_ctl" -D "$data" -l "$tmp/server.log" -w \
    -o "-c listen_addresses='' -c unix_socket_directories='$tmp'" \
    start >/dev/null || { cat "$tmp/server.log" >&2; fail "no server"; }

psql="psql -X -h $tmp -U postgres -d jobd -v ON_ERROR_STOP=1 -q"
psql -X -h "$tmp" -U postgres -d postgres -qc "CREATE DATABASE jobd" ||
    fail "createdb failed"
for f in "$top"/schema/postgresql/[0-9][0-9][0-9]_*.sql; do
	$psql -1 -f "$f" >/dev/null || fail "$f does not apply"
done
echo "schema: $(ls "$top"/schema/postgresql/[0-9][0-9][0-9]_*.sql |
    wc -l) migration(s) applied, version" \
    "$($psql -Atc 'SELECT version FROM jobd_meta')"

# The statement names, in enum order, for dump_sql (built by make check).
sed -n '/^enum store_stmt {/,/^};/p' "$top/src/core/store_impl.h" |
    grep -o 'Q_[A-Z0-9_]*' | grep -v '^Q_MAX$' >"$tmp/stmt_names"
[ -x "$dump" ] || fail "no $dump (make check builds it)"
"$dump" "$tmp/stmt_names" >"$tmp/prepare.sql" || fail "dump_sql failed"

# One session: PREPARE everything, then the semantic checks use them.
psql -X -h "$tmp" -U postgres -d jobd -q -f "$tmp/prepare.sql" \
    -f "$top/tests/pg/semantic.sql" >"$tmp/out.log" 2>"$tmp/err.log"
grep '^FAIL' "$tmp/out.log"
ok=$(grep -c '^OK .* [0-9]*$' "$tmp/out.log")
direct=$(grep -c '^OK .* direct$' "$tmp/out.log")
bad=$(grep -c '^FAIL' "$tmp/out.log")
echo "statements: $ok prepared, $direct run directly, $bad failed" \
    "(of $(wc -l <"$tmp/stmt_names") in enum store_stmt)"
semantic=0
if grep -q '^SEMANTIC OK' "$tmp/out.log"; then
	echo "semantic: $(grep -c 'NOTICE:  ok ' "$tmp/err.log") checks passed"
else
	grep -E 'ERROR|FAIL' "$tmp/err.log" >&2
	echo "semantic: FAILED"
	semantic=1
fi

# Q_BEGIN: a second writer waits for the first; with a lock_timeout it
# gives up (the backend's -EBUSY).  Sent as one string, as the backend
# sends it.
begin="BEGIN ISOLATION LEVEL READ COMMITTED; $(grep '^PREPARE Q_BEGIN ' \
    "$tmp/prepare.sql" | sed 's/^PREPARE Q_BEGIN AS //')"
$psql -c "$begin SELECT pg_sleep(3); COMMIT;" >/dev/null 2>&1 &
holder=$!
sleep 1
lock=0
if $psql -c "SET lock_timeout = '300ms'; $begin" >/dev/null \
    2>"$tmp/lock.log"; then
	echo "lock: FAILED: a second writer got in"
	lock=1
elif grep -q 'lock timeout' "$tmp/lock.log"; then
	echo "lock: ok, a second writer waits for the first"
else
	cat "$tmp/lock.log" >&2
	echo "lock: FAILED"
	lock=1
fi
wait "$holder"

# Q_BEGIN_CLAIM: claims take the same lock shared: a second claim gets in
# beside the first, a writer waits for both.
claim="BEGIN ISOLATION LEVEL READ COMMITTED; $(grep '^PREPARE Q_BEGIN_CLAIM ' \
    "$tmp/prepare.sql" | sed 's/^PREPARE Q_BEGIN_CLAIM AS //')"
$psql -c "$claim SELECT pg_sleep(3); COMMIT;" >/dev/null 2>&1 &
holder=$!
i=0
while [ "$($psql -Atc "SELECT count(*) FROM pg_locks WHERE
    locktype = 'advisory' AND mode = 'ShareLock' AND granted")" != 1 ] &&
    [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
if ! $psql -c "SET lock_timeout = '300ms'; $claim" >/dev/null \
    2>"$tmp/claim.log"; then
	cat "$tmp/claim.log" >&2
	echo "claim lock: FAILED: a second claim waited"
	lock=1
elif $psql -c "SET lock_timeout = '300ms'; $begin" >/dev/null \
    2>"$tmp/lock.log" || ! grep -q 'lock timeout' "$tmp/lock.log"; then
	echo "claim lock: FAILED: a writer got in beside a claim"
	lock=1
else
	echo "claim lock: ok, claims side by side, a writer waits for them"
fi
wait "$holder"

# Q_DATA_VERSION: another connection's commit changes it.
dv=$(grep '^PREPARE Q_DATA_VERSION' "$tmp/prepare.sql" | sed 's/.* AS //')
version=0
if out=$($psql -At -c "CREATE TEMP TABLE v AS $dv" \
    -c "\\! $psql -c 'UPDATE jobd_meta SET version = version'" \
    -c "INSERT INTO v $dv" -c "SELECT count(DISTINCT v) FROM v v") &&
    [ "$out" = 2 ]; then
	echo "data version: ok, changed by another connection's commit"
else
	echo "data version: FAILED ($out)"
	version=1
fi

[ "$bad" = 0 ] && [ "$semantic" = 0 ] && [ "$lock" = 0 ] &&
    [ "$version" = 0 ]
