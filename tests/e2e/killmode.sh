# backends: sqlite postgresql
# kill_mode: what is killed when an attempt's shell ends.
#
# In session mode (cgroups = off) and, as root with cgroup2, in cgroup mode:
# 1. kill_mode process (cron's way): what the shell leaves running after a
#    normal exit lives on -- in its process group (sleep &) and outside
#    its session (setsid sleep &); in cgroup mode it is moved out of the
#    attempt into the database's "leftover" cgroup and the attempt's
#    cgroup is removed.
# 2. The default (attempt): both are killed when the shell exits.
# 3. kill_mode process and a timeout: the shell and its process group are
#    killed, what left the session is not.
# And: --kill-mode is shown (show --json), a bad value is refused with
# nothing written, a schedule file's kill_mode key and import-crontab's
# default (process) reach the schedule.
. "$(dirname "$0")/daemon_lib.sh"

use_db "$T/km.db"
"$JOBCTL" list >/dev/null 2>&1		# make the database

# The job: a background child in its group and one outside its session,
# their pids in $T/$1.grp and $T/$1.sid; then "sleep $2" (0: exit now).
bg_job() {	# tag secs
	echo "sleep 300 >/dev/null 2>&1 & echo \$! >'$T/$1.grp'
setsid sleep 300 >/dev/null 2>&1 & echo \$! >'$T/$1.sid'
echo \$\$ >'$T/$1.sh'
[ $2 -eq 0 ] || sleep $2
echo started"
}

# Wait for $T/$1.grp and .sid, and add them to the pids cleaned up.
bg_pids() {	# tag
	wait_until 5 "[ -s '$T/$1.grp' ] && [ -s '$T/$1.sid' ]" ||
	    { problem "no pid files for $1"; return 1; }
	GRP=$(cat "$T/$1.grp") SID=$(cat "$T/$1.sid")
	echo "$GRP" >>"$JOBPIDS"
	echo "$SID" >>"$JOBPIDS"
	return 0
}

gone() {	# pid
	wait_until 5 "! alive $1"
}

# Kill what a case kept, and wait until it has died: a process still
# dying holds its cgroup, which jobd then rightly leaves in place.
kill_kept() {	# pid...
	kill -KILL "$@" 2>/dev/null
	for _kk in "$@"; do
		gone "$_kk" || problem "process $_kk did not die"
	done
}

# Check: in cgroup mode, a kept process is in the leftover cgroup.
in_leftover() {	# pid
	[ -z "$CG" ] && return 0
	grep -q "^0::.*/db-[0-9a-f]*-[0-9a-f]*/leftover\$" "/proc/$1/cgroup" ||
	    problem "process $1 is in $(grep '^0::' "/proc/$1/cgroup"), \
not the leftover cgroup"
}

mode_cases() {	# mode(off|auto) label
	CG=
	[ "$1" = auto ] && CG=$CGDIR
	write_conf "cgroups=$1"
	start_jobd "km-$1" || return

	begin "kill_mode: $2: process keeps what the shell left after a normal exit"
	if submit --max-attempts 1 --kill-mode process -- \
	    "$(bg_job "p-$1" 0)" && wait_state "$ID" done 15 &&
	    bg_pids "p-$1"; then
		alive "$GRP" || problem "sleep in the job's group was killed"
		alive "$SID" || problem "sleep outside the session was killed"
		in_leftover "$GRP"
		in_leftover "$SID"
		[ -n "$CG" ] && [ -d "$CG/$ID-1" ] &&
		    problem "attempt cgroup $ID-1 left behind"
		[ "$(output_of "$ID")" = started ] ||
		    problem "output: $(output_of "$ID")"
		[ "$(field "$ID" 'd["kill_mode"]')" = process ] ||
		    problem "show: kill_mode $(field "$ID" 'd["kill_mode"]')"
		kill_kept "$GRP" "$SID"
	fi
	end

	begin "kill_mode: $2: the default (attempt) kills what the shell left"
	if submit --max-attempts 1 -- "$(bg_job "a-$1" 0)" &&
	    wait_state "$ID" done 15 && bg_pids "a-$1"; then
		gone "$GRP" || problem "sleep in the job's group lives on"
		if [ -n "$CG" ]; then
			gone "$SID" ||
			    problem "sleep outside the session lives on"
		else
			# Out of reach of a session sweep (jobd(8)).
			kill_kept "$SID"
		fi
		[ "$(field "$ID" 'd["kill_mode"]')" = null ] ||
		    problem "show: kill_mode $(field "$ID" 'd["kill_mode"]')"
	fi
	end

	begin "kill_mode: $2: process and a timeout kill the shell and its group"
	if submit --max-attempts 1 --timeout 1s --kill-mode process -- \
	    "$(bg_job "t-$1" 300)" && wait_state "$ID" dead 15 &&
	    bg_pids "t-$1"; then
		gone "$(cat "$T/t-$1.sh")" || problem "the shell lives on"
		gone "$GRP" || problem "sleep in the job's group lives on"
		alive "$SID" || problem "sleep outside the session was killed"
		in_leftover "$SID"
		kill_kept "$SID"
	fi
	end

	stop_jobd "$JOBD_PID" 10 || problem "jobd did not stop"
	if [ -n "$CG" ]; then
		begin "kill_mode: $2: the empty leftover cgroup is removed"
		[ -d "$CG/leftover" ] && problem "$CG/leftover is left behind"
		end
	fi
}

if ! command -v setsid >/dev/null; then
	skip "kill_mode: sessions" "no setsid"
else
	mode_cases off "sessions"
	if has_cgroups; then
		mode_cases auto "cgroups"
	else
		skip "kill_mode: cgroups" "$WHYNOT"
	fi
fi

dbdump >"$T/dump0"
bad "submit --kill-mode bogus" 64 'invalid --kill-mode "bogus"' \
    submit --kill-mode bogus -- true
bad "schedule add --kill-mode all" 64 'invalid --kill-mode "all"' \
    schedule add km --cron '@daily' --kill-mode all -- true

begin "kill_mode: schedule add --kill-mode process reaches the schedule"
run schedule add kmp --cron '@daily' --kill-mode process -- true
expect_rc 0
[ "$("$JOBCTL" schedule show kmp --json | json 'd["kill_mode"]')" = process ] ||
    problem "kill_mode: $("$JOBCTL" schedule show kmp --json)"
end

begin "kill_mode: import-crontab makes schedules of kill_mode process"
printf '@reboot nohup sleep 1 &\n' >"$T/crontab"
UA=
[ "$(id -u)" -ne 0 ] || UA="--user $(id -un)"
# shellcheck disable=SC2086
run import-crontab $UA --json "$T/crontab"
expect_rc 0
N=$(head -n 1 "$T/.out" | json 'd["name"]')
[ "$("$JOBCTL" schedule show "$N" --json | json 'd["kill_mode"]')" = process ] ||
    problem "kill_mode: $("$JOBCTL" schedule show "$N" --json)"
end

begin "kill_mode: a dead job keeps it, and dead retry brings it back"
write_conf
if start_jobd km-dead && submit --max-attempts 1 --kill-mode process -- \
    false && wait_state "$ID" dead 15; then
	[ "$(field "$ID" 'd["kill_mode"]')" = process ] ||
	    problem "dead: kill_mode $(field "$ID" 'd["kill_mode"]')"
	stop_jobd "$JOBD_PID" 10
	run dead retry "$ID"
	expect_rc 0
	[ "$(field "$ID" 'd["kill_mode"]')" = process ] ||
	    problem "retried: kill_mode $(field "$ID" 'd["kill_mode"]')"
fi
end

no_strays "kill_mode: no strays"
no_sanitizer "kill_mode: no sanitizer reports"
