# backends: sqlite postgresql
# Concurrent submitters: 8 processes x 200 `jobctl submit` against one
# database that none of them created beforehand (they race on creating and
# migrating it too).  Every submit must succeed, ids must be 1..1600 and
# unique, and the database must pass PRAGMA integrity_check.
. "$(dirname "$0")/lib.sh"

P=8
N=200
use_db "$T/concurrent.db"

submitter() {	# p
	_i=0
	_fails=0
	while [ "$_i" -lt "$N" ]; do
		_i=$((_i + 1))
		if "$JOBCTL" submit --queue "q$1" echo "$1" "$_i" \
		    >>"$T/ids.$1" 2>>"$T/err.$1"; then
			:
		else
			echo "submit $1/$_i: exit $?" >>"$T/err.$1"
			_fails=$((_fails + 1))
		fi
	done
	echo "$_fails" >"$T/fails.$1"
}

[ ! -e "$DB" ] || rm -f "$DB"
t0=$(date +%s.%N)
p=0
while [ "$p" -lt "$P" ]; do
	p=$((p + 1))
	submitter "$p" &
done
wait
t1=$(date +%s.%N)
info "concurrency: $((P * N)) submits by $P processes in $(python3 -c \
    "print('%.2f s' % ($t1 - $t0))")"

begin "concurrency: all $((P * N)) submits exit 0"
fails=$(cat "$T"/fails.* | awk '{ s += $1 } END { print s + 0 }')
[ "$(ls "$T"/fails.* | wc -l)" -eq "$P" ] || problem "a submitter vanished"
[ "$fails" -eq 0 ] || problem "$fails failed: $(cat "$T"/err.* | sort |
    uniq -c | sort -rn | head -3)"
! grep -q -e Sanitizer -e 'runtime error' "$T"/err.* 2>/dev/null ||
    problem "sanitizer report: $(grep -h -m1 -e Sanitizer \
    -e 'runtime error' "$T"/err.*)"
end

begin "concurrency: every printed id is unique, 1..$((P * N))"
cat "$T"/ids.* | sort -n >"$T/ids"
[ "$(wc -l <"$T/ids")" -eq $((P * N)) ] || problem "$(wc -l <"$T/ids") ids"
[ "$(uniq "$T/ids" | wc -l)" -eq $((P * N)) ] || problem "duplicate ids"
seq 1 $((P * N)) | cmp -s - "$T/ids" || problem "ids are not 1..$((P * N))"
end

begin "concurrency: exactly $((P * N)) job rows, ids 1..$((P * N))"
[ "$(sql 'SELECT count(*), count(DISTINCT id), min(id), max(id) FROM jobs')" \
    = "$((P * N))|$((P * N))|1|$((P * N))" ] || problem "$(sql \
    'SELECT count(*), count(DISTINCT id), min(id), max(id) FROM jobs')"
[ "$(sql "SELECT count(*) FROM jobs GROUP BY queue HAVING count(*) = $N" |
    wc -l)" -eq "$P" ] || problem "not $N per queue"
[ "$(sql "SELECT count(*) FROM jobs
    WHERE command <> 'echo ' || substr(queue, 2) || ' ' ||
	(SELECT count(*) FROM jobs j WHERE j.queue = jobs.queue
	    AND j.id <= jobs.id)")" = 0 ] ||
    problem "a submitter's jobs are out of order"
end

# On PostgreSQL the server checks its own pages; the stamp is jobd_meta's,
# its version the number of migrations in schema/postgresql/.
if is_pg; then
	begin "concurrency: the schema stamp is right"
	nmig=$(ls "$JOBD_TOP"/schema/postgresql/*.sql | wc -l)
	stamp="SELECT version, application_id FROM jobd_meta"
else
	begin "concurrency: PRAGMA integrity_check is ok"
	[ "$(sql 'PRAGMA integrity_check')" = ok ] ||
	    problem "$(sql 'PRAGMA integrity_check' | head -3)"
	# The schema version is the number of migrations in schema/.
	nmig=$(ls "$JOBD_TOP"/schema/*.sql | wc -l)
	stamp="PRAGMA user_version; PRAGMA application_id"
fi
[ "$(sql "$stamp" | tr '\n|' '  ')" = "$nmig 1785684580 " ] ||
    problem "schema stamp: $(sql "$stamp" | tr '\n|' '  ') (want $nmig)"
run status --json
[ "$(json 'd["total"]["pending"]' <"$T/.out")" = $((P * N)) ] ||
    problem "status: $OUT"
end

# The first writer of a new database switches it to WAL.  While another
# process holds the write lock (switching it too, at the same moment),
# SQLite fails that switch at once rather than wait (the waiter holds a
# read lock the holder needs): jobctl waits and tries again.  Here another
# process holds the write lock of a new database for 300 ms.
begin "concurrency: a new database another process is writing: submit waits, exit 0"
if ! sqlite_only "$CASE" "the switch of a new SQLite file to WAL"; then
	use_db "$T/shared.db"
	sqlite3 "$DB" "CREATE TABLE t (x); DROP TABLE t"	# empty, not yet WAL
	python3 - "$DB" "$T/writing" <<'EOF' &
import pathlib, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
pathlib.Path(sys.argv[2]).touch()
time.sleep(0.3)
c.execute("ROLLBACK")
EOF
	writer=$!
	if wait_for '[ -e "$T/writing" ]' 10; then
		run submit echo shared
		expect_rc 0
		expect_err_empty
		got=$(sql 'PRAGMA journal_mode; SELECT count(*) FROM jobs' |
		    tr '\n' ' ')
		[ "$got" = "wal 1 " ] ||
		    problem "journal mode, jobs: $got(want wal 1)"
	else
		problem "the writer did not start"
	fi
	wait "$writer" || problem "the writer failed"
	end
fi

exit 0
