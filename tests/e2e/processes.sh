# jobd and the processes of its jobs: output floods on stdout and stderr at
# once (the job finishes, the stored output is exactly max_output bytes, the
# dropped count is exact, jobd's memory stays flat); a job that forks a
# thousand children and is cancelled, and one whose thousand children
# ignore SIGTERM and that times out (no process of either is left); jobs
# whose background jobs are in process groups of their own (bash's set -m:
# killed all the same); jobs that trap or ignore SIGTERM (SIGKILL after
# kill_grace); jobs that close stdout, or both stdout and stderr, early
# (they run on and their result is recorded).  One daemon (4 workers,
# max_output 1M, kill_grace 500ms) serves every case; bash is Essential
# on Debian.
#
#   FLOOD_MIB   MiB written on stdout and, at the same time, on stderr by
#               the flood job (default 200)
. "$(dirname "$0")/daemon_lib.sh"

FLOOD_MIB=${FLOOD_MIB:-200}
MAXOUT=1048576
write_conf max_output=1M kill_grace=500ms

begin "procs: jobd starts"
start_jobd jobd
end
D=$JOBD_PID
if ! alive "$D"; then
	fail "procs: the remaining cases" "jobd did not start"
	exit 0
fi

# /proc/$D/status field (kB).
vm() {	# field
	sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$D/status"
}
cputicks() {
	awk '{ print $14 + $15 }' "/proc/$D/stat"
}

# The live (non-zombie) processes of session $1, from /proc/*/stat: after
# the last ")" come state, ppid, pgrp, session.  An orphan that was killed
# may stay a zombie until init reaps it; it runs no code and is not counted.
in_session() {	# sid
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v s="$1" '
	{ sub(/^.*\) /, ""); if ($4 == s && $1 != "Z" && $1 != "X") n++ }
	END { print n + 0 }'
}

RSS_START=$(vm VmRSS)

# Warm-up: on each of the 4 workers at once, a job whose output fills the
# ring and is stored whole, so that the buffers a big output needs exist
# (in every thread's malloc arena) before the baseline is taken.
begin "procs: warm-up: 4 jobs at once with 2 MiB of output each"
warm=
for i in 1 2 3 4; do
	submit --cwd "$T" -- 'while [ ! -e warm.go ]; do sleep 0.05; done
head -c 2097152 /dev/zero' || break
	warm="$warm $ID"
done
wait_until 20 '[ "$(dsql "SELECT count(*) FROM jobs WHERE state = '"'running'"'")" = 4 ]' ||
    problem "the 4 warm-up jobs are not running at once"
: >"$T/warm.go"
for i in $warm; do
	wait_state "$i" done 20 || break
done
end

# 1. A flood on stdout and stderr at once.
begin "procs: ${FLOOD_MIB} MiB on stdout and ${FLOOD_MIB} MiB on stderr at once: done, $MAXOUT bytes kept, the rest counted, jobd memory flat"
n=$((FLOOD_MIB * 1048576))
total=$((2 * n + 4))
# Growth allowed, kB: a few MiB whatever the flood's size; AddressSanitizer
# keeps freed memory in quarantine for a while.
BOUND=4096
grep -q libasan "/proc/$D/maps" 2>/dev/null && BOUND=16384
hwm0=$(vm VmHWM) rss0=$(vm VmRSS) c0=$(cputicks)
t0=$(now_ms)
if submit --max-attempts 1 --cwd "$T" -- \
    "head -c $n /dev/zero | tr '\\0' o & head -c $n /dev/zero | tr '\\0' e >&2; wait; echo END" &&
    wait_state "$ID" done 60; then
	t1=$(now_ms)
	hwm1=$(vm VmHWM) rss1=$(vm VmRSS) c1=$(cputicks)
	r=$(dsql "SELECT length(output), hex(substr(output, -4)),
	    output_dropped FROM attempts WHERE job_id = $ID")
	want="$MAXOUT|454E440A|$((total - MAXOUT))"
	[ "$r" = "$want" ] ||
	    problem "length|tail|dropped = $r, expected $want"
	# Every kept byte but the last 4 comes from one of the two writers.
	odd=$(output_of "$ID" | head -c $((MAXOUT - 4)) | tr -d oe | wc -c)
	[ "$odd" -eq 0 ] || problem "$odd kept bytes are neither o nor e"
	jcheck "$ID" '
a = h[-1]
if a["outcome"] != "ok": bad("outcome %s" % a["outcome"])
if a["output_bytes"] != '"$MAXOUT"': bad("output_bytes %s" % a["output_bytes"])
if a["output_dropped"] != '"$((total - MAXOUT))"':
    bad("output_dropped %s" % a["output_dropped"])
'
	info "procs: flood of $total bytes in $((t1 - t0)) ms;" \
	    "dropped $(dsql "SELECT output_dropped FROM attempts
	    WHERE job_id = $ID"); jobd CPU $((c1 - c0)) ticks;" \
	    "VmHWM $hwm0 -> $hwm1 kB, VmRSS $rss0 -> $rss1 kB (bound +$BOUND kB)"
	[ $((hwm1 - hwm0)) -le "$BOUND" ] ||
	    problem "jobd VmHWM grew by $((hwm1 - hwm0)) kB ($hwm0 -> $hwm1)"
	[ $((rss1 - rss0)) -le "$BOUND" ] ||
	    problem "jobd VmRSS grew by $((rss1 - rss0)) kB ($rss0 -> $rss1)"
fi
end

# 1b. Idle again, jobd gives back what the big outputs took: each buffer
# is mapped for its job and unmapped after, and a turn of the clock with
# nothing to run trims the heap.  (The sanitizers' allocators keep freed
# memory in quarantine: not checked there.)
begin "procs: idle again, jobd's memory is back within 2 MiB of its start"
if grep -q -e libasan -e libtsan "/proc/$D/maps" 2>/dev/null; then
	info "procs: sanitizer build: memory given back not checked"
elif ! wait_until 20 '[ "$(vm VmRSS)" -le $((RSS_START + 2048)) ]'; then
	problem "VmRSS $(vm VmRSS) kB, $RSS_START kB at start"
fi
info "procs: VmRSS $RSS_START kB at start, $(vm VmRSS) kB idle after the floods"
end

# 2. A thousand children, then cancel: the shell and every child go.
begin "procs: a job with 1000 children is cancelled: cancelled, no process of it left"
rm -f "$T/k.sid" "$T/k.ready"
if submit --max-attempts 1 --cwd "$T" -- 'echo $$ >k.sid; echo $$ >>job.pids
i=0; while [ $i -lt 1000 ]; do sleep 1000 & i=$((i + 1)); done
echo ready >k.ready; wait' &&
    wait_until 30 '[ -s "$T/k.ready" ]'; then
	sid=$(cat "$T/k.sid")
	before=$(in_session "$sid")
	t0=$(now_ms)
	"$JOBCTL" cancel "$ID" >"$T/.out" 2>"$T/.err" ||
	    problem "cancel: exit $?: $(cat "$T/.err")"
	wait_state "$ID" cancelled 15
	wait_until 15 '[ "$(in_session "$sid")" = 0 ]' ||
	    problem "$(in_session "$sid") processes of session $sid left"
	t1=$(now_ms)
	info "procs: cancel: $before processes in the job's session before," \
	    "$(in_session "$sid") $((t1 - t0)) ms after the cancel"
	[ "$before" -eq 1001 ] ||
	    problem "$before processes in the session, expected 1001"
	jcheck "$ID" '
if [a["outcome"] for a in h] != ["cancelled"]:
    bad("outcomes %s" % [a["outcome"] for a in h])
'
else
	problem "the job did not start its 1000 children within 30 s"
fi
end

# 3. A thousand children that ignore SIGTERM, and a timeout: SIGTERM, then
# SIGKILL after kill_grace, and every process is gone.  Started here and
# checked near the end: the cases in between run while it waits for its
# timeout.
TJOB= TSID= TBEFORE=
rm -f "$T/t.sid" "$T/t.ready"
if submit --max-attempts 1 --timeout 15s --cwd "$T" -- 'trap "" TERM
echo $$ >t.sid; echo $$ >>job.pids
i=0; while [ $i -lt 1000 ]; do sleep 1000 & i=$((i + 1)); done
echo ready >t.ready; wait' &&
    wait_until 30 '[ -s "$T/t.ready" ]'; then
	TJOB=$ID
	TSID=$(cat "$T/t.sid")
	TBEFORE=$(in_session "$TSID")
fi

# 3b. Job control (bash's set -m) puts each background job in a process
# group of its own, still in the job's session: cancel reaches them too.
begin "procs: a job whose children are in other process groups of its session is cancelled: none left"
rm -f "$T/m.sid" "$T/m.ready"
if submit --max-attempts 1 --cwd "$T" -- 'echo $$ >m.sid; echo $$ >>job.pids
exec bash -c "set -m; for i in 1 2 3 4 5 6 7 8 9 10; do sleep 1000 & echo \$! >>job.pids; done; echo ready >m.ready; wait"' &&
    wait_until 30 '[ -s "$T/m.ready" ]'; then
	sid=$(cat "$T/m.sid")
	before=$(in_session "$sid")
	groups=$(cat /proc/[0-9]*/stat 2>/dev/null | awk -v s="$sid" '
	    { sub(/^.*\) /, ""); if ($4 == s && $1 != "Z") print $3 }' |
	    sort -u | wc -l)
	"$JOBCTL" cancel "$ID" >"$T/.out" 2>"$T/.err" ||
	    problem "cancel: exit $?: $(cat "$T/.err")"
	wait_state "$ID" cancelled 15
	wait_until 10 '[ "$(in_session "$sid")" = 0 ]' ||
	    problem "$(in_session "$sid") processes of session $sid left"
	info "procs: set -m: $before processes in $groups process groups" \
	    "before the cancel, $(in_session "$sid") after"
	[ "$groups" -eq 11 ] || problem "$groups process groups, expected 11"
else
	problem "the job did not start its children within 30 s"
fi
end

# 3c. The same when the job ends by itself, leaving such a background job
# behind with its output still open: killed after the linger.
begin "procs: a background job in another process group that holds the output is killed when the job ends"
rm -f "$T/l.pid"
if submit --max-attempts 1 --cwd "$T" -- 'exec bash -c "set -m; sleep 1000 & echo \$! >>job.pids; echo \$! >l.pid; echo bye"' &&
    wait_state "$ID" done 15; then
	[ "$(output_of "$ID")" = bye ] ||
	    problem "output $(output_of "$ID" | head -c 100)"
	if [ ! -s "$T/l.pid" ]; then
		problem "no pid file"
	elif ! wait_until 5 "! alive $(cat "$T/l.pid")"; then
		problem "background job $(cat "$T/l.pid") still alive"
	fi
fi
end

# 4. A shell that traps SIGTERM and carries on: cancel sends SIGTERM (its
# handler runs), then SIGKILL after kill_grace.
begin "procs: a job that traps SIGTERM and carries on is cancelled: SIGTERM, then SIGKILL"
rm -f "$T/c.pid"
if submit --max-attempts 1 --cwd "$T" -- 'trap "echo got TERM" TERM
echo $$ >>job.pids; echo $$ >c.pid
while :; do sleep 0.1; done' &&
    wait_until 10 '[ -s "$T/c.pid" ]'; then
	pid=$(cat "$T/c.pid")
	"$JOBCTL" cancel "$ID" >"$T/.out" 2>"$T/.err" ||
	    problem "cancel: exit $?: $(cat "$T/.err")"
	if wait_state "$ID" cancelled 15; then
		jcheck "$ID" '
a = h[-1]
if a["outcome"] != "cancelled": bad("outcome %s" % a["outcome"])
if a["signal"] != 9: bad("signal %s, expected 9" % a["signal"])
ms = lambda s: __import__("datetime").datetime.strptime(s,
    "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
note("procs: the SIGTERM-trapping job ran %d ms in all (kill_grace 500ms)"
     % round((ms(a["finished_at"]) - ms(a["started_at"])) * 1000))
'
		output_of "$ID" | grep -q 'got TERM' ||
		    problem "no \"got TERM\" in the output: the job never saw" \
		    "SIGTERM ($(output_of "$ID" | head -c 100))"
	fi
	wait_until 5 "! alive $pid" || problem "shell $pid still alive"
fi
end

# 8 (checked below). Closing both early and then timing out (the output
# pipe is at EOF; the timeout must still fire).
submit --max-attempts 1 --timeout 1s --cwd "$T" -- 'echo $$ >>job.pids
exec >&- 2>&-; while :; do sleep 0.1; done'
HANG=$ID

# 5. A job that ignores SIGTERM and times out.
begin "procs: a job that ignores SIGTERM times out: killed by SIGKILL, dead with outcome timeout"
rm -f "$T/i.pid"
if submit --max-attempts 1 --timeout 3s --cwd "$T" -- 'trap "" TERM
echo $$ >>job.pids; echo $$ >i.pid; echo started
while :; do sleep 0.1; done' &&
    wait_state "$ID" dead 20; then
	jcheck "$ID" '
a = h[-1]
if a["outcome"] != "timeout": bad("outcome %s" % a["outcome"])
if a["signal"] != 9: bad("signal %s, expected 9" % a["signal"])
if a["exit_code"] is not None: bad("exit_code %s" % a["exit_code"])
if "timed out after 3s" not in (d["dead_reason"] or ""):
    bad("dead_reason %r" % d["dead_reason"])
'
	[ "$(output_of "$ID")" = started ] ||
	    problem "output $(output_of "$ID" | head -c 100)"
	[ -s "$T/i.pid" ] && ! alive "$(cat "$T/i.pid")" ||
	    problem "shell $(cat "$T/i.pid" 2>/dev/null) still alive"
fi
end

# 6. Closing stdout early: stderr still reaches the capture, and the job's
# result is recorded when it exits.
begin "procs: a job that closes stdout early runs on, writes to stderr, ends done"
rm -f "$T/o.closed" "$T/o.go"
if submit --max-attempts 1 --cwd "$T" -- 'echo $$ >>job.pids
echo before; exec >&-; echo closed >o.closed
while [ ! -e o.go ]; do sleep 0.05; done
echo after >&2; echo lost 2>/dev/null; exit 0' &&
    wait_until 10 '[ -s "$T/o.closed" ]'; then
	[ "$(jstate "$ID")" = running ] ||
	    problem "state $(jstate "$ID") after stdout closed, not running"
	: >"$T/o.go"
	if wait_state "$ID" done 10; then
		[ "$(output_of "$ID" | tr '\n' ' ')" = "before after " ] ||
		    problem "output $(output_of "$ID" | od -c | head -3)"
		jcheck "$ID" '
if [a["outcome"] for a in h] != ["ok"]: bad("outcomes %s" % [a["outcome"] for a in h])
if h[-1]["exit_code"] != 0: bad("exit_code %s" % h[-1]["exit_code"])
'
	fi
fi
end

# 7. Closing stdout and stderr: the output pipe reaches EOF while the job
# runs on; its exit status is still waited for and recorded.
begin "procs: a job that closes stdout and stderr early runs on; exit 7 recorded, output kept"
rm -f "$T/b.closed" "$T/b.go"
if submit --max-attempts 1 --cwd "$T" -- 'echo $$ >>job.pids
echo before; echo err-before >&2; exec >&- 2>&-; echo closed >b.closed
while [ ! -e b.go ]; do sleep 0.05; done
exit 7' &&
    wait_until 10 '[ -s "$T/b.closed" ]'; then
	# Well past RUNNER_LINGER_MS: EOF alone does not end the run.
	wait_until 1.5 '[ "$(jstate "$ID")" != running ]'
	[ "$(jstate "$ID")" = running ] ||
	    problem "state $(jstate "$ID") after the output closed, not running"
	: >"$T/b.go"
	if wait_state "$ID" dead 10; then
		[ "$(output_of "$ID" | tr '\n' ' ')" = "before err-before " ] ||
		    problem "output $(output_of "$ID" | od -c | head -3)"
		jcheck "$ID" '
a = h[-1]
if a["outcome"] != "failed": bad("outcome %s" % a["outcome"])
if a["exit_code"] != 7: bad("exit_code %s" % a["exit_code"])
if a["signal"] is not None: bad("signal %s" % a["signal"])
if "exit 7" not in (d["dead_reason"] or ""): bad("dead_reason %r" % d["dead_reason"])
'
	fi
fi
end


# 8, continued.
begin "procs: a job that closes its output then hangs still times out"
if [ -n "$HANG" ] && wait_state "$HANG" dead 20; then
	jcheck "$HANG" '
a = h[-1]
if a["outcome"] != "timeout": bad("outcome %s" % a["outcome"])
if a["output_bytes"] != 0: bad("output_bytes %s" % a["output_bytes"])
'
fi
end

# 3, continued.
begin "procs: a job whose 1000 children ignore SIGTERM times out: dead (timeout), no process of it left"
if [ -z "$TJOB" ]; then
	problem "the job did not start its 1000 children within 30 s"
elif wait_state "$TJOB" dead 30; then
	t0=$(now_ms)
	wait_until 15 '[ "$(in_session "$TSID")" = 0 ]' ||
	    problem "$(in_session "$TSID") processes of session $TSID left"
	info "procs: timeout: $TBEFORE processes in the job's session" \
	    "before, $(in_session "$TSID") $(($(now_ms) - t0)) ms" \
	    "after the job was recorded dead"
	jcheck "$TJOB" '
a = h[-1]
if a["outcome"] != "timeout": bad("outcome %s" % a["outcome"])
if a["signal"] != 9: bad("signal %s, expected 9 (SIGTERM ignored)" % a["signal"])
if "timed out" not in (d["dead_reason"] or ""): bad("dead_reason %r" % d["dead_reason"])
'
	[ "$TBEFORE" -eq 1001 ] ||
	    problem "$TBEFORE processes in the session, expected 1001 (the" \
	    "children were not all started before the timeout)"
fi
end

begin "procs: jobd stops on SIGTERM with exit status 0"
stop_jobd "$D" 15 || problem "jobd did not stop within 15 s"
[ "$STOP_RC" = 0 ] || problem "exit status $STOP_RC: $(tail -n 3 "$T/jobd.log")"
end

no_sanitizer "procs: no sanitizer report in the jobd log"
no_strays "procs: no jobd or job process left"
exit 0
