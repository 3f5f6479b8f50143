# backends: sqlite postgresql
# Notifications, the outbox way: hooks (on_dead, on_failure, on_success).
#
# A real hook script records each run: its arguments, its JOBD_*
# environment and its standard input, one file set per run.
# 1. A dead job (global on_dead in jobd.conf): exactly one hook run, with
#    the reported job's id, queue, command, attempt, exit status, reason,
#    event, and the last attempt's output tail on stdin; the notification
#    is a job of its own in queue jobd.notify, visible in list and show.
# 2. --on-failure: one run per failed attempt (a signal, then an exit
#    status), the dead job also notifies on_dead (global).
# 3. --on-success, and a per-job hook wins over the global one.
# 4. A failing hook is retried by its own policy ([notify] max_attempts)
#    and dead-lettered; the job it reports on is unchanged, and the dead
#    notification notifies nothing (not even the global on_dead).
# 5. A schedule's hook (schedule add --on-success, and a schedule file's
#    on_dead) reaches its jobs; SIGHUP applies a new global hook; as
#    root, a hook runs as the job's user.
# 6. Bad input: relative, empty, control characters, a directory, in
#    jobctl submit/schedule add/schedule set, schedule files and
#    jobd.conf; a reserved queue: clear errors, nothing changed.
. "$(dirname "$0")/daemon_lib.sh"

use_db "$T/nh.db"
"$JOBCTL" list >/dev/null 2>&1		# make the database

mkdir -p "$T/runs"
# The hook: $1 is a tag; records $T/runs/N.{args,env,in}.
cat >"$T/hook" <<EOF
#!/bin/sh
n=\$(mktemp "$T/runs/run.XXXXXX")
echo "\$*" >"\$n.args"
env | grep '^JOBD_' | sort >"\$n.env"
cat >"\$n.in"
rm -f "\$n"
exit 0
EOF
# The failing hook: counts its runs in $T/fails, exits 1.
cat >"$T/failhook" <<EOF
#!/bin/sh
echo run >>"$T/fails"
exit 1
EOF
chmod 755 "$T/hook" "$T/failhook"

# Runs so far whose args are $1 and whose env has line $2 (e.g.
# JOBD_JOB_ID=5): RUNS = their count, RUN = the last one's path prefix.
# nruns prints the count (in a subshell: RUN is not kept).
nruns() {	# tag envline
	runs_of "$@"
	echo "$RUNS"
}
runs_of() {	# tag envline
	_rn=0
	RUN=
	for _ra in "$T"/runs/run.*.args; do
		[ -e "$_ra" ] || continue
		_rp=${_ra%.args}
		[ "$(cat "$_ra")" = "$1" ] || continue
		grep -qx "$2" "$_rp.env" 2>/dev/null || continue
		[ -e "$_rp.in" ] || continue
		_rn=$((_rn + 1))
		RUN=$_rp
	done
	RUNS=$_rn
}
envval() {	# run name
	sed -n "s/^$2=//p" "$1.env"
}
# Wait until every notification job is finished (none pending/running).
notify_settled() {
	wait_until 20 "[ \"\$(dsql \"SELECT count(*) FROM jobs
	    WHERE queue = 'jobd.notify' AND state IN ('pending', 'running')\")\" = 0 ]"
}

write_conf
cat >>"$CONF" <<EOF

[notify]
on_dead = $T/hook global
max_attempts = 2
timeout = 30s
EOF
begin "hooks: jobd starts with a [notify] section in jobd.conf"
start_jobd nh
STARTED=$?
end
[ "$STARTED" = 0 ] || exit 0

begin "hooks: a dead job runs on_dead (jobd.conf) once, with its env and output tail"
if submit --max-attempts 2 -- 'echo "tail of attempt $JOBD_ATTEMPT"; exit 3' &&
    wait_state "$ID" dead 20; then
	DEADID=$ID
	wait_until 20 "[ \$(nruns global JOBD_JOB_ID=$ID) -ge 1 ]" ||
	    problem "no hook run for dead job $ID"
	notify_settled
	runs_of global "JOBD_JOB_ID=$ID"
	[ "$RUNS" = 1 ] ||
	    problem "$RUNS hook runs, not 1"
	if [ -n "$RUN" ] || problem "no run recorded"; then
		[ "$(envval "$RUN" JOBD_EVENT)" = dead ] ||
		    problem "JOBD_EVENT=$(envval "$RUN" JOBD_EVENT)"
		[ "$(envval "$RUN" JOBD_QUEUE)" = default ] ||
		    problem "JOBD_QUEUE=$(envval "$RUN" JOBD_QUEUE)"
		[ "$(envval "$RUN" JOBD_ATTEMPT)" = 2 ] ||
		    problem "JOBD_ATTEMPT=$(envval "$RUN" JOBD_ATTEMPT)"
		[ "$(envval "$RUN" JOBD_EXIT_STATUS)" = 3 ] ||
		    problem "JOBD_EXIT_STATUS=$(envval "$RUN" JOBD_EXIT_STATUS)"
		grep -q '^JOBD_SIGNAL=' "$RUN.env" &&
		    problem "JOBD_SIGNAL set for an exit"
		[ "$(envval "$RUN" JOBD_COMMAND)" = \
		    'echo "tail of attempt $JOBD_ATTEMPT"; exit 3' ] ||
		    problem "JOBD_COMMAND=$(envval "$RUN" JOBD_COMMAND)"
		[ -n "$(envval "$RUN" JOBD_REASON)" ] ||
		    problem "JOBD_REASON empty"
		grep -q '^JOBD_SCHEDULE=' "$RUN.env" &&
		    problem "JOBD_SCHEDULE set for a job of no schedule"
		NID=$(envval "$RUN" JOBD_NOTIFY_ID)
		[ -n "$NID" ] && [ "$(dsql "SELECT notify_of FROM jobs
		    WHERE id = $NID")" = "$ID" ] ||
		    problem "JOBD_NOTIFY_ID=$NID is not the notification"
		[ "$(envval "$RUN" JOBD_NOTIFY_ATTEMPT)" = 1 ] ||
		    problem "JOBD_NOTIFY_ATTEMPT=$(envval "$RUN" JOBD_NOTIFY_ATTEMPT)"
		[ "$(cat "$RUN.in")" = "tail of attempt 2" ] ||
		    problem "stdin: $(head -c 200 "$RUN.in")"
	fi
	N=$(dsql "SELECT id FROM jobs WHERE queue = 'jobd.notify'
	    AND notify_of = $ID AND notify_event = 'dead'")
	[ -n "$N" ] && [ "$(jstate "$N")" = done ] ||
	    problem "notification job of $ID: '$N' ($(jstate "${N:-0}"))"
	run list --queue jobd.notify
	expect_rc 0
	echo "$OUT" | grep -q "^ *$N " || problem "list: $OUT"
	[ -n "$N" ] && [ "$(field "$N" 'd["notify_of"]')" = "$ID" ] ||
	    problem "show: notify_of $(field "${N:-0}" 'd.get("notify_of")')"
	[ -n "$N" ] && [ "$(field "$N" 'd["notify_event"]')" = dead ] ||
	    problem "show: notify_event"
fi
end

begin "hooks: --on-failure runs per failed attempt (signal, then exit status)"
if submit --max-attempts 2 --on-failure "$T/hook perjob" -- \
    'echo "a$JOBD_ATTEMPT"; [ "$JOBD_ATTEMPT" = 1 ] && kill -TERM $$; exit 4' &&
    wait_state "$ID" dead 20; then
	wait_until 20 "[ \$(nruns perjob JOBD_JOB_ID=$ID) -ge 2 ] &&
	    [ \$(nruns global JOBD_JOB_ID=$ID) -ge 1 ]" ||
	    problem "hook runs missing for job $ID"
	notify_settled
	[ "$(nruns perjob "JOBD_JOB_ID=$ID")" = 2 ] ||
	    problem "$(nruns perjob "JOBD_JOB_ID=$ID") on_failure runs, not 2"
	[ "$(nruns global "JOBD_JOB_ID=$ID")" = 1 ] ||
	    problem "$(nruns global "JOBD_JOB_ID=$ID") on_dead runs, not 1"
	runs_of perjob JOBD_ATTEMPT=1
	R1=$RUN
	for R in "$T"/runs/run.*.args; do
		R=${R%.args}
		grep -qx "JOBD_JOB_ID=$ID" "$R.env" || continue
		[ "$(cat "$R.args")" = perjob ] || continue
		case $(envval "$R" JOBD_ATTEMPT) in
		1)	[ "$(envval "$R" JOBD_SIGNAL)" = 15 ] ||
			    problem "attempt 1: JOBD_SIGNAL=$(envval "$R" JOBD_SIGNAL)"
			grep -q '^JOBD_EXIT_STATUS=' "$R.env" &&
			    problem "attempt 1: JOBD_EXIT_STATUS set"
			[ "$(cat "$R.in")" = a1 ] ||
			    problem "attempt 1 stdin: $(cat "$R.in")" ;;
		2)	[ "$(envval "$R" JOBD_EXIT_STATUS)" = 4 ] ||
			    problem "attempt 2: JOBD_EXIT_STATUS"
			[ "$(cat "$R.in")" = a2 ] ||
			    problem "attempt 2 stdin: $(cat "$R.in")" ;;
		*)	problem "attempt $(envval "$R" JOBD_ATTEMPT)?" ;;
		esac
		[ "$(envval "$R" JOBD_EVENT)" = failure ] ||
		    problem "JOBD_EVENT=$(envval "$R" JOBD_EVENT)"
	done
	[ -n "$R1" ] || problem "no run for attempt 1"
fi
end

begin "hooks: --on-success runs once; a job's --on-dead wins over jobd.conf's"
if submit --on-success "$T/hook ok" -- 'echo fine' &&
    wait_state "$ID" done 20; then
	wait_until 20 "[ \$(nruns ok JOBD_JOB_ID=$ID) -ge 1 ]" ||
	    problem "no on_success run for $ID"
	notify_settled
	runs_of ok "JOBD_JOB_ID=$ID"
	[ "$RUNS" = 1 ] || problem "$RUNS runs, not 1"
	[ "$(envval "$RUN" JOBD_EVENT)" = success ] ||
	    problem "JOBD_EVENT=$(envval "$RUN" JOBD_EVENT)"
	[ "$(envval "$RUN" JOBD_EXIT_STATUS)" = 0 ] ||
	    problem "JOBD_EXIT_STATUS=$(envval "$RUN" JOBD_EXIT_STATUS)"
	[ "$(cat "$RUN.in")" = fine ] || problem "stdin: $(cat "$RUN.in")"
fi
if submit --max-attempts 1 --on-dead "$T/hook mine" -- 'exit 9' &&
    wait_state "$ID" dead 20; then
	wait_until 20 "[ \$(nruns mine JOBD_JOB_ID=$ID) -ge 1 ]" ||
	    problem "no per-job on_dead run for $ID"
	notify_settled
	[ "$(nruns global "JOBD_JOB_ID=$ID")" = 0 ] ||
	    problem "the global on_dead ran for job $ID too"
fi
end

begin "hooks: a failing hook is retried and dead-lettered; the job is unaffected"
if submit --on-success "$T/failhook" -- 'echo ok' &&
    wait_state "$ID" done 20; then
	N=$(dsql "SELECT id FROM jobs WHERE notify_of = $ID UNION ALL
	    SELECT id FROM dead_jobs WHERE notify_of = $ID")
	[ -n "$N" ] && wait_state "$N" dead 20
	[ "$(wc -l <"$T/fails" 2>/dev/null)" = 2 ] ||
	    problem "the failing hook ran $(wc -l <"$T/fails" 2>/dev/null) times, not 2"
	[ "$(jstate "$ID")" = done ] || problem "job $ID is $(jstate "$ID")"
	[ "$(dsql "SELECT attempts FROM jobs WHERE id = $ID")" = 1 ] ||
	    problem "job $ID has more attempts"
	notify_settled
	[ -n "$N" ] && [ "$(dsql "SELECT count(*) FROM jobs WHERE notify_of = $N")
$(dsql "SELECT count(*) FROM dead_jobs WHERE notify_of = $N")" = "0
0" ] || problem "the dead notification $N made notifications"
	[ -n "$N" ] && [ "$(nruns global "JOBD_JOB_ID=$N")" = 0 ] ||
	    problem "the global on_dead ran for notification $N"
fi
end

begin "hooks: SIGHUP applies a new [notify] hook"
sed -i "s|^on_dead = .*|on_dead = $T/hook reloaded|" "$CONF"
kill -HUP "$JOBD_PID"
if wait_until 10 'grep -q "SIGHUP: reloaded" "$T/nh.log"' ||
    problem "no reload: $(tail -n 2 "$T/nh.log")"; then
	if submit --max-attempts 1 -- 'exit 5' && wait_state "$ID" dead 20; then
		wait_until 20 "[ \$(nruns reloaded JOBD_JOB_ID=$ID) -ge 1 ]" ||
		    problem "the reloaded on_dead did not run for $ID"
		notify_settled
		[ "$(nruns global "JOBD_JOB_ID=$ID")" = 0 ] ||
		    problem "the old on_dead ran after SIGHUP"
	fi
fi
end

begin "hooks: a schedule's hook reaches its jobs; a job's own wins"
mkdir -p "$T/sched.d"
if run schedule add nh-s --cron '0 0 1 1 *' --on-success "$T/hook sched" \
    -- 'echo from-schedule' && expect_rc 0 &&
    run schedule run nh-s && expect_rc 0; then
	SID=$(echo "$OUT" | grep -Eo '[0-9]+' | head -n 1)
	wait_until 20 "[ \$(nruns sched JOBD_SCHEDULE=nh-s) -ge 1 ]" ||
	    problem "no schedule hook run: $OUT"
	runs_of sched JOBD_SCHEDULE=nh-s
	[ -n "$RUN" ] && { [ "$(cat "$RUN.in")" = from-schedule ] ||
	    problem "stdin: $(cat "$RUN.in")"; }
	run schedule show nh-s --json
	[ "$(echo "$OUT" | json 'd["on_success"]')" = "$T/hook sched" ] ||
	    problem "schedule show: $OUT"
	run schedule set nh-s --unset on-success
	expect_rc 0
	run schedule show nh-s --json
	[ "$(echo "$OUT" | json 'd["on_success"]')" = None ] ||
	[ "$(echo "$OUT" | json 'd["on_success"]')" = null ] ||
	    problem "after --unset: $(echo "$OUT" | json 'd["on_success"]')"
fi
end

# As root: the hook runs as the user of the job it reports on.
if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null; then
	skip "hooks: a hook runs as the job's user" \
	    "needs root and useradd (to make a test user)"
else
	begin "hooks: a hook runs as the job's user"
	HU=jdn$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
	if add_user "$HU"; then
		chmod o+x "$T"
		chmod 1777 "$T/runs"
		if submit --user "$HU" --max-attempts 1 \
		    --on-dead "$T/hook asuser" -- 'exit 3' &&
		    wait_state "$ID" dead 20; then
			wait_until 20 "[ \$(nruns asuser JOBD_JOB_ID=$ID) -ge 1 ]" ||
			    problem "no hook run for job $ID of $HU"
			runs_of asuser "JOBD_JOB_ID=$ID"
			[ -n "$RUN" ] && [ "$(stat -c %U "$RUN.env")" = "$HU" ] ||
			    problem "the hook ran as $(stat -c %U "$RUN.env" \
				2>/dev/null), not $HU"
			N=$(dsql "SELECT id FROM jobs WHERE notify_of = $ID")
			[ "$(dsql "SELECT run_as FROM jobs WHERE id = ${N:-0}")" = \
			    "$HU" ] || problem "notification $N: run_as"
		fi
	fi
	end
fi

bad_conf() {	# name value pattern
	begin "bad: jobd.conf $1"
	write_conf
	printf '\n[notify]\non_dead = %s\n' "$2" >>"$CONF"
	dbdump >"$T/dump0"
	"$JOBD" --config "$CONF" --db "$DB" >"$T/bc.out" 2>"$T/bc.err" &
	_bp=$!
	reap_jobd "$_bp" 10
	[ "$STOP_RC" = 78 ] || problem "jobd exited $STOP_RC, not 78"
	grep -q "$3" "$T/bc.err" || problem "message: $(cat "$T/bc.err")"
	grep -q 'jobd.conf:[0-9]' "$T/bc.err" ||
	    problem "no file:line: $(cat "$T/bc.err")"
	dbdump >"$T/dump1"
	expect_same "$T/dump0" "$T/dump1" "database"
	end
}

stop_jobd "$JOBD_PID"
bad_conf "relative hook" "bin/hook" "absolute path"
bad_conf "missing hook" "$T/no-such-hook" "not an executable"
bad_conf "directory hook" "$T/" "not a directory"
chmod 644 "$T/failhook"
bad_conf "hook not executable" "$T/failhook" "not an executable"
chmod 755 "$T/failhook"

dbdump >"$T/dump0"
bad "submit --on-dead relative" 64 "must start with the absolute path" \
    submit --on-dead hook.sh -- true
bad "submit --on-failure empty" 64 "must not be empty" \
    submit --on-failure "" -- true
bad "submit --on-success newline" 64 "control characters" \
    submit --on-success "$T/hook
x" -- true
bad "submit --on-dead directory" 64 "not a directory" \
    submit --on-dead /usr/bin/ -- true
bad "submit --queue jobd.notify" 64 "reserved" \
    submit --queue jobd.notify -- true
bad "schedule add --on-dead relative" 64 "absolute path" \
    schedule add nh-bad --cron '* * * * *' --on-dead ./x -- true
bad "schedule set --on-failure relative" 64 "absolute path" \
    schedule set nh-s --on-failure x

begin "bad: a schedule file's relative on_dead is refused (jobd -n), nothing added"
mkdir -p "$T/sd"
cat >"$T/sd/a.conf" <<EOF
[nh-file]
cron = * * * * *
command = true
on_dead = hooks/dead
EOF
write_conf
sed -i "s|^\[jobd\]\$|[jobd]\nschedules_dir = $T/sd|" "$CONF"
dbdump >"$T/dump0"
"$JOBD" -n --config "$CONF" >"$T/n.out" 2>"$T/n.err"
NRC=$?
[ "$NRC" = 78 ] || problem "jobd -n exited $NRC, not 78"
grep -q 'a.conf:4' "$T/n.err" || problem "no file:line: $(cat "$T/n.err")"
grep -q 'on_dead.*absolute path' "$T/n.err" ||
    problem "message: $(cat "$T/n.err")"
dbdump >"$T/dump1"
expect_same "$T/dump0" "$T/dump1" "database"
end

begin "schedule file: on_dead reaches the schedule"
sed -i 's|^on_dead = .*|on_dead = '"$T"'/hook file|' "$T/sd/a.conf"
"$JOBD" -n --config "$CONF" >"$T/n.out" 2>"$T/n.err" ||
    problem "jobd -n: $(cat "$T/n.err")"
JOBD_PID=
start_jobd nh-file &&
    wait_until 10 "\"\$JOBCTL\" schedule show nh-file >/dev/null 2>&1" &&
    run schedule show nh-file --json &&
    { [ "$(echo "$OUT" | json 'd["on_dead"]')" = "$T/hook file" ] ||
    problem "schedule show: $OUT"; }
[ -n "$JOBD_PID" ] && stop_jobd "$JOBD_PID"
end

no_strays "notify_hooks: nothing left running"
no_sanitizer "notify_hooks: no sanitizer report"
