# Faults outside jobd's control, with the real binaries:
#   (a) the disk fills up (a small tmpfs) while jobd runs and jobctl
#       submits: jobctl fails cleanly, naming the database, and leaves no
#       half batch; jobd keeps running, logs the error, backs off (little
#       CPU, a few log lines), and once space is back records what it
#       could not, so every accepted job ends; SIGTERM on a full disk
#       stops jobd within its grace, and the job it could not record runs
#       again;
#   (b) a read-only database (file mode, and a read-only mount): reading
#       commands work, writing ones fail with exit 77 and a message;
#   (c) the database deleted, or its directory renamed, under a running
#       jobd: it says so in its log and exits 69, and a new jobd serves
#       the database now at the path;
#   (d) jobctl's stdout closed or /dev/full: exit 74 and a message;
#   (e) jobd under "ulimit -f": a result too big to record is an error
#       that jobd logs and retries (SIGXFSZ ignored), recorded once the
#       limit is lifted.
# The mounts need root; without it those cases print SKIP lines.
. "$(dirname "$0")/daemon_lib.sh"

write_conf workers=2
MOUNTS=

# Unmount what we mounted, once the daemons are gone.
_faults_cleanup() {
	_daemon_cleanup
	for _fm in $MOUNTS; do
		umount "$_fm" 2>/dev/null || umount -l "$_fm" 2>/dev/null
	done
	return 0
}
trap '_faults_cleanup' EXIT
trap '_faults_cleanup; exit 1' INT TERM HUP

# A tmpfs of SIZE at DIR (made here); 1 with $WHY when it cannot be.
mount_tmpfs() {	# dir size
	mkdir -p "$1"
	if [ "$(id -u)" -ne 0 ]; then
		WHY="mounting a tmpfs needs root"
		return 1
	fi
	if ! WHY=$(mount -t tmpfs -o "size=$2,mode=0700" jobd-faults "$1" \
	    2>&1); then
		WHY="mount -t tmpfs: $WHY"
		return 1
	fi
	MOUNTS="$1 $MOUNTS"
	return 0
}

integrity() {	# db
	_ic=$(sqlite3 -cmd '.timeout 5000' "$1" 'PRAGMA integrity_check' 2>&1)
	[ "$_ic" = ok ] || problem "integrity_check of $1: $_ic"
}

# Jobs not yet in a terminal state.
unfinished() {
	dsql "SELECT count(*) FROM jobs WHERE state IN ('pending', 'running')"
}

# ----------------------------------------------------------------------
# (d) stdout closed, stdout a full device.

use_db "$T/out.db"
submit -- echo hello
OUTID=${ID:-1}

out_fault() {	# args...: jobctl ARGS with stdout closed, then /dev/full
	begin "stdout: jobctl $* with stdout closed and on /dev/full: exit 74, a message"
	"$JOBCTL" "$@" >&- 2>"$T/.err"
	_rc=$?
	[ "$_rc" -eq 74 ] || problem "stdout closed: exit $_rc"
	grep -q 'writing output' "$T/.err" ||
	    problem "stdout closed: stderr: $(head -c 200 "$T/.err")"
	if [ -c /dev/full ]; then
		"$JOBCTL" "$@" >/dev/full 2>"$T/.err"
		_rc=$?
		[ "$_rc" -eq 74 ] || problem "/dev/full: exit $_rc"
		grep -q 'writing output: No space left' "$T/.err" ||
		    problem "/dev/full: stderr: $(head -c 200 "$T/.err")"
	fi
	end
}
out_fault list
out_fault list --json
out_fault show "$OUTID"
out_fault show "$OUTID" --json
out_fault status
out_fault status --json
out_fault next --count 3 '0 3 * * *'
out_fault --version

# ----------------------------------------------------------------------
# (b) A read-only database.

# By file mode, for a user that is not root (root writes anyway).
begin "read-only: a database of mode 0400: list/show/status work; submit and cancel exit 77 naming it; nothing changes"
RO=$T/ro
mkdir -p "$RO"
if unpriv_ready "$T"; then
	[ "$(id -u)" -eq 0 ] && chown 65534:65534 "$RO"
	use_db "$RO/jobs.db"
	unpriv env JOBD_DB="$DB" "$JOBCTL" submit -- echo read-only \
	    >/dev/null 2>"$T/.err" || problem "submit: $(cat "$T/.err")"
	chmod 0400 "$DB"
	dbdump >"$T/ro.dump0"
	RUN_AS=unpriv
	for c in list status "show 1" "show 1 --json" "dead list" \
	    "schedule list"; do
		# shellcheck disable=SC2086
		run $c
		# status reads it all, and says no daemon serves it (69).
		[ "$RC" -eq 0 ] || { [ "$c" = status ] && [ "$RC" -eq 69 ]; } ||
		    problem "jobctl $c: exit $RC: $ERR"
	done
	run submit -- echo more
	expect_rc 77
	expect_err_contains "$DB"
	expect_err_contains "read-only"
	run cancel 1
	expect_rc 77
	expect_err_contains "$DB: database is read-only"
	run schedule add nightly --cron '@daily' -- echo x
	expect_rc 77
	RUN_AS=
	dbdump >"$T/ro.dump1"
	expect_same "$T/ro.dump0" "$T/ro.dump1" "the read-only database"
else
	problem "cannot run jobctl as an unprivileged user here"
fi
end

# By a read-only mount: the -shm file SQLite wants cannot be made there.
if mount_tmpfs "$T/rom" 4m; then
	begin "read-only mount: list/show/status/logs/dead list work; submit, cancel, schedule add, dead purge exit 77 naming the database"
	use_db "$T/rom/jobs.db"
	submit -- echo on a read-only mount
	submit -- echo second
	if mount -o remount,ro "$T/rom" 2>"$T/.err"; then
		for c in list "list --json" status "show 1" "dead list" \
		    "schedule list"; do
			# shellcheck disable=SC2086
			run $c
			[ "$RC" -eq 0 ] || { [ "$c" = status ] &&
			    [ "$RC" -eq 69 ]; } ||
			    problem "jobctl $c: exit $RC: $ERR"
		done
		run show 2 --json
		expect_out_contains '"command":"echo second"'
		for c in "submit -- true" "cancel 1" \
		    "schedule add x --cron @daily -- true" "dead purge --all"; do
			# shellcheck disable=SC2086
			run $c
			[ "$RC" -eq 77 ] || problem "jobctl $c: exit $RC"
			grep -q "$DB.*read-only" "$T/.err" ||
			    problem "jobctl $c: stderr: $ERR"
		done
	else
		problem "remount,ro: $(cat "$T/.err")"
	fi
	end
else
	skip "read-only mount" "$WHY"
fi

# ----------------------------------------------------------------------
# (a) The disk fills up while jobd runs.

if mount_tmpfs "$T/small" 8m; then
	use_db "$T/small/jobs.db"
	LOGA=$T/jobd-full.log
	ACCEPTED=$T/accepted
	: >"$ACCEPTED"

	begin "disk full: jobd starts on a database in an 8 MB tmpfs"
	submit -- echo first && echo "$ID" >>"$ACCEPTED"
	start_jobd jobd-full
	PA=$JOBD_PID
	[ -n "$ID" ] && wait_state "$ID" done 10
	end

	begin "disk full: a 1 MB batch fails with exit 74 naming the database; no job of it is left"
	# A job that is running when the disk fills, and ends with 600 kB
	# of output for jobd to record.
	submit -- "while [ ! -e '$T/go' ]; do sleep 0.05; done; head -c 600000 /dev/zero | tr '\\0' x" &&
	    echo "$ID" >>"$ACCEPTED"
	BIG=$ID
	[ -n "$BIG" ] && wait_state "$BIG" running 10
	submit -- "while [ ! -e '$T/go' ]; do sleep 0.05; done; echo small" &&
	    echo "$ID" >>"$ACCEPTED"
	SMALL=$ID
	[ -n "$SMALL" ] && wait_state "$SMALL" running 10
	dd if=/dev/zero of="$T/small/filler" bs=64k 2>/dev/null
	awk 'BEGIN { for (i = 0; i < 200; i++) {
		s = sprintf(": full batch %d ", i)
		while (length(s) < 5000) s = s "x"
		print s } }' >"$T/batch"
	run submit --batch <"$T/batch"
	expect_rc 74
	expect_out_empty
	expect_err_contains "$DB: database or disk is full"
	[ "$(dsql "SELECT count(*) FROM jobs WHERE command LIKE ': full batch%'")" = 0 ] ||
	    problem "jobs of the failed batch are in the database"
	end

	begin "disk full: a small submit either fails cleanly or is accepted"
	run submit -- echo during
	if [ "$RC" -eq 0 ]; then
		echo "$OUT" >>"$ACCEPTED"
		info "disk full: a small submit still fit in the WAL (job $OUT)"
	else
		expect_rc 74
		expect_err_contains "$DB"
		[ "$(dsql "SELECT count(*) FROM jobs WHERE command = 'echo during'")" = 0 ] ||
		    problem "a failed submit left its job"
	fi
	end

	begin "disk full: jobd cannot record a result, logs it naming the database, keeps running"
	touch "$T/go"
	wait_until 15 "grep -q 'recording [0-9]* results: $DB: database or disk is full; will retry' '$LOGA'" ||
	    problem "no such log line: $(tail -n 3 "$LOGA")"
	alive "$PA" || { died; problem "jobd died$DIED"; }
	[ -n "$BIG" ] && [ "$(jstate "$BIG")" = running ] ||
	    problem "job $BIG is $(jstate "$BIG")"
	end

	# Its own failed writes change the WAL and wake it: a jobd that
	# retried on each of them spun at 100% CPU and logged ~1000 lines/s.
	begin "disk full: jobd backs off: over 3 s it uses under 20% of a CPU and logs under 10 lines"
	HZ=$(getconf CLK_TCK)
	c0=$(cpu_ticks "$PA")
	l0=$(wc -l <"$LOGA")
	sleep 3		# the measurement window, not a synchronisation
	c1=$(cpu_ticks "$PA")
	l1=$(wc -l <"$LOGA")
	info "disk full: jobd used $((c1 - c0)) CPU ticks ($HZ/s) and logged" \
	    "$((l1 - l0)) lines in 3 s"
	[ $((c1 - c0)) -lt $((HZ * 3 / 5)) ] ||
	    problem "$((c1 - c0)) CPU ticks in 3 s (a busy loop is $((HZ * 3)))"
	[ $((l1 - l0)) -lt 10 ] ||
	    problem "$((l1 - l0)) log lines in 3 s: $(tail -n 2 "$LOGA")"
	alive "$PA" || { died; problem "jobd died$DIED"; }
	end

	begin "disk full: space back: the result is recorded, the batch goes in, every accepted job ends, integrity ok"
	rm -f "$T/small/filler"
	[ -n "$BIG" ] && wait_state "$BIG" done 15 &&
	    [ "$(output_of "$BIG" | wc -c)" -eq 600000 ] ||
	    problem "job $BIG output: $(output_of "$BIG" | wc -c) bytes"
	[ -n "$SMALL" ] && wait_state "$SMALL" done 15 &&
	    [ "$(output_of "$SMALL")" = small ] ||
	    problem "job $SMALL output: $(output_of "$SMALL")"
	wait_until 5 "grep -q 'works again after [0-9]* failures in [0-9]* s' '$LOGA'" ||
	    problem "no recovery line in the log: $(tail -n 3 "$LOGA")"
	run submit --batch <"$T/batch"
	expect_rc 0
	cat "$T/.out" >>"$ACCEPTED"
	[ "$(wc -l <"$ACCEPTED")" -ge 202 ] ||
	    problem "only $(wc -l <"$ACCEPTED") accepted jobs"
	wait_until 30 '[ "$(unfinished)" = 0 ]' ||
	    problem "$(unfinished) jobs not finished after 30 s"
	for id in $(cat "$ACCEPTED"); do
		[ "$(jstate "$id")" = done ] ||
		    { problem "accepted job $id is $(jstate "$id")"; break; }
	done
	alive "$PA" || { died; problem "jobd died$DIED"; }
	integrity "$DB"
	end

	begin "disk full: jobd stops cleanly afterwards"
	stop_jobd "$PA"
	[ "$STOP_RC" = 0 ] || problem "exit status $STOP_RC"
	integrity "$DB"
	end

	begin "disk full: SIGTERM stops jobd within its grace; the result it could not record is logged, and the job runs again"
	LOGT=$T/jobd-full-term.log
	start_jobd jobd-full-term
	PT=$JOBD_PID
	submit -- "while [ ! -e '$T/go2' ]; do sleep 0.05; done; head -c 300000 /dev/zero | tr '\\0' z"
	TERMJ=$ID
	[ -n "$TERMJ" ] && wait_state "$TERMJ" running 10
	dd if=/dev/zero of="$T/small/filler" bs=64k 2>/dev/null
	touch "$T/go2"
	wait_until 15 "grep -q 'recording [0-9]* results: $DB: database or disk is full' '$LOGT'" ||
	    problem "no such log line: $(tail -n 3 "$LOGT")"
	t0=$(now_ms)
	# shutdown_grace = 2s, kill_grace = 500ms: 6 s is plenty.
	stop_jobd "$PT" 6
	[ "$STOP_RC" = 0 ] ||
	    problem "exit status $STOP_RC, $(($(now_ms) - t0)) ms after SIGTERM"
	grep -q "job $TERMJ attempt 1: result (ok, exit 0, signal 0) not recorded: $DB: database or disk is full; the job runs again" "$LOGT" ||
	    problem "log: $(tail -n 3 "$LOGT")"
	rm -f "$T/small/filler"
	start_jobd jobd-full-term2
	[ -n "$TERMJ" ] && wait_state "$TERMJ" done 15 &&
	    [ "$(output_of "$TERMJ" | wc -c)" -eq 300000 ] ||
	    problem "job $TERMJ: $(jstate "$TERMJ"), output $(output_of "$TERMJ" | wc -c) bytes"
	stop_jobd "$JOBD_PID"
	[ "$STOP_RC" = 0 ] || problem "exit status $STOP_RC"
	integrity "$DB"
	end
else
	skip "disk full" "$WHY"
fi

# ----------------------------------------------------------------------
# (c) The database deleted under a running jobd.

mkdir -p "$T/del"
use_db "$T/del/jobs.db"

begin "deleted: rm of the database under jobd with a job running: jobd logs it, stops the job, exits 69"
submit -- echo before
start_jobd jobd-del
PC=$JOBD_PID
wait_state "$ID" done 10
if submit --cwd "$T" -- 'echo $$ >>job.pids; echo $$ >del.pid; exec sleep 60' &&
    wait_state "$ID" running 10 && wait_until 5 '[ -s "$T/del.pid" ]'; then
	rm -f "$DB" "$DB-wal" "$DB-shm"
	reap_jobd "$PC" 10 || problem "jobd still running 10 s after the rm"
	[ "$STOP_RC" = 69 ] || problem "exit status $STOP_RC, expected 69"
	grep -q "database $DB was deleted or replaced" "$T/jobd-del.log" ||
	    problem "log: $(tail -n 3 "$T/jobd-del.log")"
	wait_until 5 "! alive $(cat "$T/del.pid")" ||
	    problem "its job is still running"
fi
end

begin "deleted: jobctl makes a new database there; a new jobd runs its job"
submit -- echo after
start_jobd jobd-del2
wait_state "$ID" done 10
stop_jobd "$JOBD_PID"
[ "$STOP_RC" = 0 ] || problem "exit status $STOP_RC"
end

begin "deleted: the directory renamed under jobd: jobd exits 69; the old database is intact"
mkdir -p "$T/mv"
use_db "$T/mv/jobs.db"
submit -- echo before the move
start_jobd jobd-mv
PM=$JOBD_PID
wait_state "$ID" done 10
mv "$T/mv" "$T/mv.old"
reap_jobd "$PM" 10 || problem "jobd still running 10 s after the rename"
[ "$STOP_RC" = 69 ] || problem "exit status $STOP_RC, expected 69"
grep -q "was deleted or replaced" "$T/jobd-mv.log" ||
    problem "log: $(tail -n 3 "$T/jobd-mv.log")"
integrity "$T/mv.old/jobs.db"
end

# ----------------------------------------------------------------------
# (e) jobd under "ulimit -f": the WAL cannot grow past 512 KiB.

begin "ulimit -f: a 1 MB result past the file size limit: jobd lives, logs the error, records it once the limit is lifted"
mkdir -p "$T/fsize"
use_db "$T/fsize/jobs.db"
submit -- echo small
ulimit -S -f 1024		# 512-byte blocks (dash): 512 KiB
start_jobd jobd-fsize
PE=$JOBD_PID
ulimit -S -f unlimited
LOGE=$T/jobd-fsize.log
wait_state "$ID" done 10
if submit -- "head -c 1000000 /dev/zero | tr '\\0' y"; then
	E=$ID
	wait_until 15 "grep -q 'recording [0-9]* results: $DB: disk I/O error; will retry' '$LOGE'" ||
	    problem "no such log line: $(tail -n 3 "$LOGE")"
	alive "$PE" || { died; problem "jobd died$DIED"; }
	if prlimit --pid "$PE" --fsize=unlimited: 2>"$T/.err"; then
		wait_state "$E" done 15 &&
		    [ "$(output_of "$E" | wc -c)" -eq 1000000 ] ||
		    problem "output: $(output_of "$E" | wc -c) bytes"
	else
		problem "prlimit: $(cat "$T/.err")"
	fi
	alive "$PE" || { died; problem "jobd died$DIED"; }
	integrity "$DB"
fi
stop_jobd "$PE"
[ "$STOP_RC" = 0 ] || problem "exit status $STOP_RC"
end

no_strays "faults: no process left behind"
no_sanitizer "faults: no sanitizer report"
