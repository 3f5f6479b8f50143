# Containment: an attempt is a unit that jobd can kill whole.
#
# 1. A job that hangs before exec (its --cwd on a FUSE mount whose server
#    never answers, tests/e2e/hungfs.py) is still timed out, cancelled and
#    stopped at shutdown, and jobd's shutdown does not hang on it.  Root
#    and /dev/fuse.
. "$(dirname "$0")/daemon_lib.sh"

HUNGFS=$(dirname "$0")/hungfs.py
HUNG_PID=
HUNG_MNT=$T/hung

_hung_stop() {
	[ -n "$HUNG_PID" ] && kill -TERM "$HUNG_PID" 2>/dev/null &&
	    wait "$HUNG_PID" 2>/dev/null
	HUNG_PID=
	umount -l "$HUNG_MNT" 2>/dev/null
	return 0
}

_cont_cleanup() {
	_hung_stop
	_daemon_cleanup
}
trap '_cont_cleanup' EXIT
trap '_cont_cleanup; exit 1' INT TERM HUP

# Mount the hung file system on $HUNG_MNT for at most $1 seconds.
hung_start() {	# secs
	mkdir -p "$HUNG_MNT"
	python3 "$HUNGFS" "$HUNG_MNT" "$1" >"$T/hungfs.out" 2>&1 &
	HUNG_PID=$!
	wait_until 10 'grep -q ready "$T/hungfs.out" || ! alive $HUNG_PID' &&
	    grep -q ready "$T/hungfs.out"
}

# The job's attempt row: outcome and error, as "outcome|error".
last_attempt() {	# id
	dsql "SELECT outcome || '|' || coalesce(error, '') FROM attempts
	    WHERE job_id = $1 ORDER BY id DESC LIMIT 1"
}

hang_cases() {
	if [ "$(id -u)" -ne 0 ]; then
		skip "contain: hung cwd" "needs root (to mount FUSE)"
		return 0
	fi
	if [ ! -c /dev/fuse ]; then
		skip "contain: hung cwd" "no /dev/fuse"
		return 0
	fi
	if ! hung_start 120; then
		skip "contain: hung cwd" "cannot mount FUSE here: \
$(cat "$T/hungfs.out")"
		_hung_stop
		return 0
	fi
	write_conf
	start_jobd hang || return 0

	begin "contain: a job whose cwd hangs before exec times out"
	if submit --max-attempts 1 --timeout 2s --cwd "$HUNG_MNT/sub" -- true
	then
		wait_state "$ID" dead 15
		case $(last_attempt "$ID") in
		timeout\|*) ;;
		*) problem "attempt: $(last_attempt "$ID")" ;;
		esac
	fi
	end

	begin "contain: a job whose cwd hangs before exec can be cancelled"
	if submit --max-attempts 1 --cwd "$HUNG_MNT/sub" -- true &&
	    wait_state "$ID" running 10; then
		"$JOBCTL" cancel "$ID" >/dev/null 2>"$T/.cancel.err" ||
		    problem "cancel: $(cat "$T/.cancel.err")"
		wait_state "$ID" cancelled 10
	fi
	end

	begin "contain: jobd stops within its grace with a job hung before exec"
	if submit --max-attempts 3 --cwd "$HUNG_MNT/sub" -- true &&
	    wait_state "$ID" running 10; then
		if ! stop_jobd "$JOBD_PID" 15; then
			problem "jobd did not stop within 15 s"
		elif [ "$STOP_RC" -ne 0 ]; then
			problem "jobd exited $STOP_RC"
		fi
		[ "$(jstate "$ID")" = pending ] ||
		    problem "job $ID is $(jstate "$ID"), not pending"
	fi
	end
	_hung_stop
}

hang_cases
no_strays "contain: nothing left running"
