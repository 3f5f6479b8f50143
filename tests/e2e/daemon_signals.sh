# backends: sqlite postgresql
# jobd's signals: SIGTERM drains (a short job finishes, a long one is
# stopped after shutdown_grace and requeued without counting the attempt,
# no new job is claimed), SIGHUP reloads the configuration (and keeps the
# old one when the file is bad).
. "$(dirname "$0")/daemon_lib.sh"

write_conf shutdown_grace=2s
LOG1=$T/jobd1.log

# 8a. A job that ends within shutdown_grace finishes; no new job starts.
begin "signals: SIGTERM: a running job finishes and is done, jobd exits 0"
start_jobd jobd1
P1=$JOBD_PID
late=
if submit --cwd "$T" -- 'echo $$ >>job.pids; echo $$ >s1.pid; sleep 0.5; echo finished' &&
    wait_state "$ID" running 10 && wait_until 5 '[ -s "$T/s1.pid" ]'; then
	J1=$ID
	kill -TERM "$P1"
	# Submitted during the drain: must not be claimed.
	if wait_until 5 'grep -q "no new jobs" "$LOG1"'; then
		submit echo late && late=$ID
	else
		problem "no drain message in the log"
	fi
	reap_jobd "$P1" 6 || problem "jobd did not exit within 6 s"
	[ "$STOP_RC" = 0 ] || problem "jobd exit status $STOP_RC"
	[ "$(jstate "$J1")" = done ] || problem "job $J1 is $(jstate "$J1")"
	jcheck "$J1" '
if [a["outcome"] for a in h] != ["ok"]: bad("outcomes %s" % [a["outcome"] for a in h])
'
	[ "$(output_of "$J1")" = finished ] ||
	    problem "output $(output_of "$J1" | head -c 100)"
	wait_until 5 "! alive $(cat "$T/s1.pid")" || problem "job still alive"
fi
end

begin "signals: a job submitted during the drain is not claimed"
if [ -n "$late" ]; then
	[ "$(dsql "SELECT state, attempts FROM jobs WHERE id = $late")" = \
	    "pending|0" ] || problem "job $late: $(dsql "SELECT state,
	    attempts FROM jobs WHERE id = $late")"
	[ "$(dsql "SELECT count(*) FROM attempts WHERE job_id = $late")" = 0 ] ||
	    problem "job $late has attempts"
else
	problem "no job was submitted during the drain"
fi
end

# 8b. A job still running when shutdown_grace ends is stopped and requeued;
# it ignores SIGTERM, so it takes the SIGKILL after kill_grace.
write_conf shutdown_grace=1s
begin "signals: SIGTERM with a 60 s job ignoring SIGTERM: killed after grace 1s + kill_grace, requeued pending, attempt not counted, exit 0"
start_jobd jobd2
P2=$JOBD_PID
if [ -n "$late" ]; then
	wait_state "$late" done 10
fi
J2=
if submit --cwd "$T" -- 'echo $$ >>job.pids; echo $$ >s2.pid; if [ -e s2.ran ]; then echo again; exit 0; fi; touch s2.ran; trap "" TERM; exec sleep 60' &&
    wait_state "$ID" running 10 && wait_until 5 '[ -s "$T/s2.pid" ]'; then
	J2=$ID
	t0=$(now_ms)
	kill -TERM "$P2"
	# grace 1 s + kill_grace 0.5 s + 3 s of slack
	reap_jobd "$P2" 4.5 ||
	    problem "jobd did not exit within grace + kill_grace + 3 s"
	t1=$(now_ms)
	info "signals: jobd exited $((t1 - t0)) ms after SIGTERM" \
	    "(shutdown_grace 1s, kill_grace 500ms)"
	[ "$STOP_RC" = 0 ] || problem "jobd exit status $STOP_RC"
	r=$(dsql "SELECT state, attempts, CAST(lease_owner IS NULL AS int)
	    FROM jobs WHERE id = $J2")
	[ "$r" = "pending|0|1" ] ||
	    problem "job $J2 state|attempts|no lease = $r, expected pending|0|1"
	jcheck "$J2" '
if [a["outcome"] for a in h] != ["lost"]:
    bad("outcomes %s" % [a["outcome"] for a in h])
elif h[0]["finished_at"] is None: bad("attempt not finished")
'
	# It ran for shutdown_grace + kill_grace after the signal.
	fin=$(dsql "SELECT finished_at FROM attempts WHERE job_id = $J2")
	[ -n "$fin" ] && [ $((fin - t0)) -ge 1400 ] || problem "stopped" \
	    "$((fin - t0)) ms after SIGTERM, before grace 1s + kill_grace 500ms"
	wait_until 5 "! alive $(cat "$T/s2.pid")" ||
	    problem "job process $(cat "$T/s2.pid") still alive"
fi
end

begin "signals: after a restart the requeued job runs again and is done"
start_jobd jobd3
P3=$JOBD_PID
if [ -n "$J2" ] && wait_state "$J2" done 10; then
	jcheck "$J2" '
if [a["outcome"] for a in h] != ["lost", "ok"]:
    bad("outcomes %s" % [a["outcome"] for a in h])
if d["attempts"] != 1: bad("attempts %s" % d["attempts"])
'
	[ "$(output_of "$J2")" = again ] ||
	    problem "output $(output_of "$J2" | head -c 100)"
fi
end

# 9. SIGHUP.
reloads() {
	grep -c "SIGHUP: reloaded" "$T/jobd3.log"
}
begin "signals: SIGHUP reloads max_attempts: a job without its own now dies after 1 attempt"
write_conf shutdown_grace=1s max_attempts=1
n=$(reloads)
kill -HUP "$P3"
if wait_until 5 '[ "$(reloads)" -gt '"$n"' ]'; then
	if submit 'echo nope; exit 3' && wait_state "$ID" dead 10; then
		jcheck "$ID" '
if [a["outcome"] for a in h] != ["failed"]:
    bad("outcomes %s" % [a["outcome"] for a in h])
if "attempt 1 of 1" not in (d["dead_reason"] or ""):
    bad("dead_reason %r" % d["dead_reason"])
'
	fi
else
	problem "no \"SIGHUP: reloaded\" in the log: $(tail -n 2 "$T/jobd3.log")"
fi
end

begin "signals: SIGHUP with a bad file: error with file:line logged, old config kept, running job unharmed"
J3=
if submit --cwd "$T" -- 'echo $$ >>job.pids; echo $$ >s3.pid; sleep 1.5; echo survived' &&
    wait_state "$ID" running 10; then
	J3=$ID
fi
# max_attempts = 3 before the bad line: nothing of the file may apply.
write_conf shutdown_grace=1s max_attempts=3 backoff_max=12parsecs
badline=$(grep -n '^backoff_max' "$CONF" | cut -d: -f1)
n=$(grep -c "configuration unchanged" "$T/jobd3.log")
kill -HUP "$P3"
if wait_until 5 '[ "$(grep -c "configuration unchanged" "$T/jobd3.log")" -gt '"$n"' ]'
then
	grep "configuration unchanged" "$T/jobd3.log" | tail -n 1 >"$T/.hup"
	grep -qF "jobd.conf:$badline:" "$T/.hup" ||
	    problem "the message lacks jobd.conf:$badline: $(cat "$T/.hup")"
	grep -qF "12parsecs" "$T/.hup" ||
	    problem "the message does not quote the value: $(cat "$T/.hup")"
else
	problem "no \"configuration unchanged\" in the log: $(tail -n 2 \
	    "$T/jobd3.log")"
fi
alive "$P3" || { died; problem "jobd is gone$DIED"; }
if [ -n "$J3" ] && wait_state "$J3" done 10; then
	[ "$(output_of "$J3")" = survived ] ||
	    problem "output $(output_of "$J3" | head -c 100)"
fi
if submit 'exit 4' && wait_state "$ID" dead 10; then
	jcheck "$ID" '
if len(h) != 1: bad("%d attempts: the bad file max_attempts = 3 applied" % len(h))
'
fi
end

begin "signals: SIGHUP with a fixed file applies it again"
write_conf shutdown_grace=1s max_attempts=2
n=$(reloads)
kill -HUP "$P3"
if wait_until 5 '[ "$(reloads)" -gt '"$n"' ]'; then
	if submit 'exit 5' && wait_state "$ID" dead 10; then
		jcheck "$ID" '
if len(h) != 2: bad("%d attempts, expected 2" % len(h))
'
	fi
else
	problem "no \"SIGHUP: reloaded\" in the log"
fi
end

begin "signals: jobd stops on SIGTERM with exit status 0 after the reloads"
stop_jobd "$P3" 10 || problem "did not stop within 10 s"
[ "$STOP_RC" = 0 ] || problem "exit status $STOP_RC"
[ "$(dsql 'SELECT count(*) FROM daemons')" = 0 ] ||
    problem "daemons rows left: $(dsql 'SELECT instance FROM daemons')"
end

# A second SIGTERM (or SIGINT) during the drain stops running jobs at once.
write_conf shutdown_grace=30s
begin "signals: a second signal during a 30 s drain stops the running job at once, exit 0"
start_jobd jobd4
P4=$JOBD_PID
if submit --cwd "$T" -- 'echo $$ >>job.pids; echo $$ >s4.pid; exec sleep 60' &&
    wait_state "$ID" running 10 && wait_until 5 '[ -s "$T/s4.pid" ]'; then
	J4=$ID
	kill -TERM "$P4"
	wait_until 5 'grep -q "no new jobs" "$T/jobd4.log"' ||
	    problem "no drain message"
	alive "$P4" || problem "jobd exited before the grace ended"
	kill -INT "$P4"
	reap_jobd "$P4" 5 ||
	    problem "jobd did not exit within 5 s of the second signal"
	[ "$STOP_RC" = 0 ] || problem "exit status $STOP_RC"
	r=$(dsql "SELECT state, attempts FROM jobs WHERE id = $J4")
	[ "$r" = "pending|0" ] || problem "job $J4 state|attempts = $r"
	wait_until 5 "! alive $(cat "$T/s4.pid")" || problem "job still alive"
	"$JOBCTL" cancel "$J4" >/dev/null 2>&1	# leave nothing to run
fi
end

# The second signal kills at once (SIGKILL), as jobd(8) says: a job that
# ignores SIGTERM does not get kill_grace, whether the second signal comes
# during shutdown_grace or after it, while the stop waits for kill_grace.
# second_signal NAME GRACE WAIT_FOR: start jobd NAME with shutdown_grace
# GRACE and kill_grace 30s, run a job that ignores SIGTERM, SIGTERM jobd,
# wait until its log has WAIT_FOR, then SIGTERM again: jobd must exit 0
# within 5 s, the job be gone and requeued.
second_signal() {
	write_conf shutdown_grace="$2" kill_grace=30s
	start_jobd "$1" || return 1
	_p=$JOBD_PID
	rm -f "$T/$1.pid"
	submit --cwd "$T" -- "echo \$\$ >>job.pids; echo \$\$ >$1.pid; trap '' TERM; exec sleep 60" &&
	    wait_state "$ID" running 10 &&
	    wait_until 5 "[ -s \"$T/$1.pid\" ]" || return 1
	_j=$ID
	kill -TERM "$_p"
	wait_until 10 "grep -q \"$3\" \"$T/$1.log\"" ||
	    problem "no \"$3\" in the log"
	alive "$_p" || problem "jobd exited before the second signal"
	alive "$(cat "$T/$1.pid")" || problem "the job died of the first SIGTERM"
	t0=$(now_ms)
	kill -TERM "$_p"
	reap_jobd "$_p" 5 ||
	    problem "jobd did not exit within 5 s of the second SIGTERM"
	info "signals: jobd exited $(($(now_ms) - t0)) ms after the second" \
	    "SIGTERM (kill_grace 30s)"
	[ "$STOP_RC" = 0 ] || problem "exit status $STOP_RC"
	wait_until 2 "! alive $(cat "$T/$1.pid")" || problem "job still alive"
	r=$(dsql "SELECT state, attempts FROM jobs WHERE id = $_j")
	[ "$r" = "pending|0" ] || problem "job $_j state|attempts = $r"
	"$JOBCTL" cancel "$_j" >/dev/null 2>&1	# leave nothing to run
}

begin "signals: a second SIGTERM during shutdown_grace kills a job that ignores SIGTERM at once"
second_signal jobd5 30s "no new jobs"
end

begin "signals: a second SIGTERM during kill_grace kills a job that ignores SIGTERM at once"
second_signal jobd6 1s "stopping 1 running jobs"
end

no_sanitizer "signals: no sanitizer report in the jobd logs"
no_strays "signals: no jobd or job process left"
exit 0
