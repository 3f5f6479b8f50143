# backends: sqlite postgresql
# Containment: an attempt is a unit that jobd can kill whole.
#
# 1. A job that hangs before exec (its --cwd on a FUSE mount whose server
#    never answers, tests/e2e/hungfs.py) is still timed out, cancelled and
#    stopped at shutdown, and jobd's shutdown does not hang on it.  Root
#    and /dev/fuse.
# 2. After kill -9 of jobd, what is left of a running attempt is killed
#    before the job runs again: never two copies at once (each copy holds
#    a lock).  In session mode (cgroups = off): the recorded session.  In
#    cgroup mode (root, cgroup2): the attempt's cgroup, which also holds
#    what left the session.
#    A recorded start time that does not match the process is never
#    killed (a pid used again).
# 3. cgroup mode: a timeout kills what left the job's session; an orphaned
#    attempt cgroup found at start is killed; in a delegated cgroup (not
#    the root), jobd moves into the leaf "daemon" and attempts run beside
#    it.
# 4. jobctl status tells a dead daemon of this host from a live one.
. "$(dirname "$0")/daemon_lib.sh"

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
		hung_stop
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
	hung_stop
}

# A long job that holds a lock while it runs, as any copy of it would: a
# second copy that finds the lock held records itself in $T/concurrent.
# Its shell sleeps, and it leaves behind a process that holds the lock
# too: in the job's session (double fork), or outside it (setsid, which
# only a cgroup reaches).  $T/bg.N gets that process's pid for attempt N.
lock_job() {	# how: session | setsid
	if [ "$1" = setsid ]; then
		_lj_bg='setsid sleep 1000 & echo $! >"$D/bg.$JOBD_ATTEMPT"'
	else
		_lj_bg='(sleep 1000 & echo $! >"$D/bg.$JOBD_ATTEMPT")'
	fi
	echo "D='$T'; echo \$\$ >>\"\$D/job.pids\"
exec 9>>\"\$D/lock.\$JOBD_JOB_ID\"
if ! flock -n 9; then echo \"\$JOBD_ATTEMPT\" >>\"\$D/concurrent\"; exit 1; fi
echo \"\$JOBD_ATTEMPT\" >>\"\$D/started\"
$_lj_bg
cat \"\$D/bg.\$JOBD_ATTEMPT\" >>\"\$D/job.pids\"
exec 9>&-
sleep 1000"
}

# kill -9 jobd while a lock job runs, start it again: what is left of the
# first attempt dies before the second starts.
crash_case() {	# name cgroups(auto|off) how(session|setsid)
	begin "$1"
	rm -f "$T/concurrent" "$T/started" "$T"/bg.* "$T"/lock.*
	write_conf "cgroups=$2" || { end; return; }
	start_jobd "crash-$2-$3" || { end; return; }
	if submit --max-attempts 5 -- "$(lock_job "$3")" &&
	    wait_until 10 '[ -s "$T/bg.1" ]'; then
		BG=$(cat "$T/bg.1")
		# The attempt's process is recorded with its lease.
		wait_until 5 "[ -n \"\$(dsql 'SELECT pid FROM attempts
		    WHERE job_id = $ID AND attempt = 1' 2>/dev/null)\" ]" ||
		    info "$1: no pid recorded for attempt 1"
		kill -KILL "$JOBD_PID"
		reap_jobd "$JOBD_PID" 5
		alive "$BG" || problem "the background process died with jobd"
		start_jobd "crash-$2-$3-again" || { end; return; }
		wait_until 20 '[ -s "$T/bg.2" ] || [ -e "$T/concurrent" ]' ||
		    problem "no second attempt within 20 s$(died; echo "$DIED")"
		[ -e "$T/concurrent" ] && problem "two copies at once: \
attempt $(cat "$T/concurrent") found the lock held"
		alive "$BG" && problem "process $BG of attempt 1 still runs"
		"$JOBCTL" cancel "$ID" >/dev/null 2>&1
		wait_state "$ID" cancelled 10
	fi
	stop_jobd "$JOBD_PID" 10 || problem "jobd did not stop"
	end
}

if ! command -v flock >/dev/null || ! command -v setsid >/dev/null; then
	skip "contain: sessions and cgroups" "no flock or setsid"
	NOLOCK=1
else
	NOLOCK=
	crash_case "contain: sessions: after kill -9 of jobd, attempt 1 dies before attempt 2" off session
fi

# jobd dies right after it started attempt 1, before it recorded the
# attempt's session (crash point before_record): what is left of attempt
# 1 is found by its environment and dies before attempt 2 starts.
[ -z "$NOLOCK" ] && {
	begin "contain: sessions: jobd dead before it recorded attempt 1: attempt 1 dies before attempt 2"
	rm -f "$T/concurrent" "$T/started" "$T"/bg.* "$T"/lock.*
	write_conf "cgroups=off" &&
	    JOBD_CRASH_AT=before_record:1 start_jobd crash-spawn &&
	    submit --max-attempts 5 -- "$(lock_job session)" && {
		reap_jobd "$JOBD_PID" 10
		[ "$STOP_RC" = 99 ] ||
		    problem "jobd exit status $STOP_RC, not 99 (the crash point)"
		wait_until 10 '[ -s "$T/bg.1" ]' ||
		    problem "attempt 1 did not run on after jobd died"
		BG=$(cat "$T/bg.1" 2>/dev/null)
		[ -z "$(dsql "SELECT pid FROM attempts WHERE job_id = $ID AND
		    attempt = 1")" ] || problem "attempt 1's session was recorded"
		start_jobd crash-spawn-again && {
			wait_until 20 '[ -s "$T/bg.2" ] || [ -e "$T/concurrent" ]' ||
			    problem "no second attempt within 20 s$(died; echo "$DIED")"
			[ -e "$T/concurrent" ] && problem "two copies at once: \
attempt $(cat "$T/concurrent") found the lock held"
			[ -n "$BG" ] && alive "$BG" &&
			    problem "process $BG of attempt 1 still runs"
			"$JOBCTL" cancel "$ID" >/dev/null 2>&1
			wait_state "$ID" cancelled 10
			stop_jobd "$JOBD_PID" 10 || problem "jobd did not stop"
		}
	}
	end
}

# A recorded start time that does not match: the pid is taken for someone
# else's, and nothing is killed.
[ -z "$NOLOCK" ] && {
begin "contain: sessions: a pid whose start time differs is never killed"
rm -f "$T/concurrent" "$T/started" "$T"/bg.* "$T"/lock.*
write_conf cgroups=off
if start_jobd reuse && submit --max-attempts 5 -- "$(lock_job session)" &&
    wait_until 10 '[ -s "$T/bg.1" ]' &&
    wait_until 5 "[ -n \"\$(dsql 'SELECT pid FROM attempts
	WHERE job_id = $ID AND attempt = 1' 2>/dev/null)\" ]"; then
	BG=$(cat "$T/bg.1")
	SH=$(dsql "SELECT pid FROM attempts WHERE job_id = $ID AND attempt = 1")
	kill -KILL "$JOBD_PID"
	reap_jobd "$JOBD_PID" 5
	dsql "UPDATE attempts SET pid_start = pid_start + 1
	    WHERE job_id = $ID AND attempt = 1"
	start_jobd reuse-again
	wait_until 10 "[ \"\$(dsql \"SELECT outcome FROM attempts
	    WHERE job_id = $ID AND attempt = 1\")\" = lost ]" ||
	    problem "attempt 1 not recorded as lost"
	alive "$SH" || problem "shell $SH (start time not as recorded) was killed"
	alive "$BG" || problem "process $BG (start time not as recorded) was killed"
	"$JOBCTL" cancel "$ID" >/dev/null 2>&1
	stop_jobd "$JOBD_PID" 10
	# Its process group: the shell, its sleep and the double fork.
	kill -9 "-$SH" 2>/dev/null
else
	problem "the job did not start or its pid was not recorded"
fi
end
}

if [ -n "$NOLOCK" ]; then
	:
elif ! has_cgroups; then
	skip "contain: cgroups" "$WHYNOT"
else
	crash_case "contain: cgroups: after kill -9 of jobd, attempt 1 dies (even outside its session) before attempt 2" auto setsid

	begin "contain: cgroups: a timeout kills what left the job's session"
	write_conf
	if start_jobd esc && submit --max-attempts 1 --timeout 1s -- \
	    "echo \$\$ >>'$T/job.pids'; setsid sleep 1000 & echo \$! >'$T/esc.pid'; echo \$! >>'$T/job.pids'; sleep 1000" &&
	    wait_state "$ID" dead 15; then
		alive "$(cat "$T/esc.pid")" &&
		    problem "process $(cat "$T/esc.pid") outside the session lives on"
	fi
	stop_jobd "$JOBD_PID" 10
	end

	begin "contain: cgroups: an orphaned attempt cgroup is killed at start"
	mkdir -p "$CGDIR/7-1"
	sleep 1000 &
	ORPH=$!
	echo "$ORPH" >>"$JOBPIDS"
	if [ -d "$CGDIR/7-1" ] && echo "$ORPH" >"$CGDIR/7-1/cgroup.procs"; then
		write_conf
		start_jobd orphan
		wait_until 5 "! alive $ORPH" ||
		    problem "process $ORPH in orphaned cgroup 7-1 lives on"
		[ -d "$CGDIR/7-1" ] && problem "cgroup 7-1 not removed"
		stop_jobd "$JOBD_PID" 10
	else
		problem "cannot make cgroup $CGDIR/7-1"
	fi
	kill -KILL "$ORPH" 2>/dev/null
	rmdir "$CGDIR/7-1" "$CGDIR" 2>/dev/null
	end

	# jobd's own cgroup is not the root (systemd, Delegate=yes): it moves
	# into the leaf "daemon" and runs attempts beside it.
	begin "contain: cgroups: in a delegated cgroup, jobd moves into a leaf and attempts run beside it"
	MNT=$(awk '$0 ~ / - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
	OWN=/jobd-test.$$
	REAL_JOBD=$JOBD
	if mkdir "$MNT$OWN"; then
		cat >"$T/jobd-in-cgroup" <<EOS
#!/bin/sh
echo \$\$ >"$MNT$OWN/cgroup.procs" && exec "$REAL_JOBD" "\$@"
EOS
		chmod +x "$T/jobd-in-cgroup"
		JOBD=$T/jobd-in-cgroup
		write_conf
		if start_jobd delegated; then
			grep -qx "0::$OWN/daemon" "/proc/$JOBD_PID/cgroup" ||
			    problem "jobd is in $(grep '^0::' \
				"/proc/$JOBD_PID/cgroup"), not $OWN/daemon"
			if submit --max-attempts 1 -- 'cat /proc/self/cgroup' &&
			    wait_state "$ID" done 10; then
				output_of "$ID" | grep -qx \
				    "0::$OWN/db-[0-9a-f]*-[0-9a-f]*/$ID-1" ||
				    problem "the job ran in $(output_of "$ID")"
			fi
			stop_jobd "$JOBD_PID" 10
		fi
		JOBD=$REAL_JOBD
		for _d in "$MNT$OWN"/db-* "$MNT$OWN/daemon" "$MNT$OWN"; do
			[ -d "$_d" ] && rmdir "$_d" 2>/dev/null
		done
		[ -d "$MNT$OWN" ] && info "left behind: $MNT$OWN"
	else
		problem "cannot make cgroup $MNT$OWN"
	fi
	end
fi

begin "contain: jobctl status tells a SIGKILLed daemon from a live one"
use_db "$T/status.db"
write_conf cgroups=off
if start_jobd status1; then
	P1=$JOBD_PID
	"$JOBCTL" status --json >"$T/st.json" 2>"$T/st.err"
	rc=$?
	[ "$(json "[x['state'] for x in d['daemons'] if x['pid'] == $P1]" \
	    <"$T/st.json")" = '["up"]' ] ||
	    problem "live jobd $P1: $(cat "$T/st.json")"
	[ "$rc" = 0 ] || problem "live jobd: exit $rc: $(cat "$T/st.err")"
	kill -KILL "$P1"
	reap_jobd "$P1" 5
	"$JOBCTL" status --json >"$T/st.json" 2>"$T/st.err"
	rc=$?
	[ "$(json "[x['state'] for x in d['daemons'] if x['pid'] == $P1]" \
	    <"$T/st.json")" = '["dead"]' ] ||
	    problem "SIGKILLed jobd $P1: $(cat "$T/st.json")"
	[ "$rc" = 69 ] && grep -q "(pid $P1) is dead" "$T/st.err" ||
	    problem "SIGKILLed jobd: exit $rc: $(cat "$T/st.err")"
	"$JOBCTL" status >"$T/st.txt" 2>/dev/null
	grep -E "^[^ ]+ +[^ ]+ +$P1 +dead " "$T/st.txt" >/dev/null ||
	    problem "status: no dead row for $P1: $(cat "$T/st.txt")"
	# Another boot of this host.
	H=$(dsql "SELECT host FROM daemons WHERE pid = $P1")
	dsql "INSERT INTO daemons (instance, host, pid, boot_id, version,
	    started_at, heartbeat_at) VALUES ('$H:$$:feed', '$H', $$,
	    'another-boot', '0.1.0', 0, 0)"
	"$JOBCTL" status --json >"$T/st.json" 2>/dev/null
	[ "$(json "[x['state'] for x in d['daemons'] if x['pid'] == $$]" \
	    <"$T/st.json")" = '["dead"]' ] ||
	    problem "a daemon of another boot: $(cat "$T/st.json")"
fi
use_db "$T/jobs.db"
end

hang_cases
no_strays "contain: nothing left running"
