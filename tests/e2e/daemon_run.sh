# backends: sqlite postgresql
# jobd runs jobs: success, failure with retries into the dead-letter table,
# timeout, cancel of a running job, the output cap, and the job's
# environment.  One daemon (4 workers, max_output = 4K) serves every case;
# it is started with LEAKME exported, which no job may see.
. "$(dirname "$0")/daemon_lib.sh"

write_conf max_output=4K

# Submitted before jobd starts, with a working directory that is gone by
# then: a spawn error on every attempt (case "spawn error" below).
mkdir "$T/gone"
submit --max-attempts 2 --cwd "$T/gone" -- echo never
SPAWN=$ID
rmdir "$T/gone"

export LEAKME=from-jobd
begin "run: jobd starts"
start_jobd jobd
end
unset LEAKME
D=$JOBD_PID
if ! alive "$D"; then
	fail "run: the remaining cases" "jobd did not start"
	exit 0
fi
# Let the first turns pass: jobd is idle before the latency measurement.
wait_until 5 'grep -q "started: instance" "$T/jobd.log"'

# A job for later: checked near the end (never started before its time).
submit --in 2s echo later
LATER=$ID

# 1. A job that succeeds.
begin "run: echo hello ends done, attempt ok, exit 0, output hello+newline"
if submit echo hello && wait_state "$ID" done 10; then
	jcheck "$ID" '
if d["state"] != "done": bad("state %s" % d["state"])
if d["attempts"] != 1: bad("attempts %s" % d["attempts"])
if d["exit_code"] != 0: bad("exit_code %s" % d["exit_code"])
if len(h) != 1: bad("%d attempts in history" % len(h))
else:
    a = h[0]
    if a["outcome"] != "ok": bad("outcome %s" % a["outcome"])
    if a["exit_code"] != 0: bad("attempt exit_code %s" % a["exit_code"])
    if a["signal"] is not None: bad("signal %s" % a["signal"])
    if a["output_bytes"] != 6: bad("output_bytes %s" % a["output_bytes"])
    if a["output_dropped"] != 0: bad("dropped %s" % a["output_dropped"])
    if a["finished_at"] is None: bad("no finished_at")
'
	[ "$(output_of "$ID" | od -An -c | tr -s ' ')" = " h e l l o \n" ] ||
	    problem "stored output: $(output_of "$ID" | od -An -c)"
fi
end

# Submit-to-start latency while jobd is idle (informational, DESIGN 10: no
# assertion on speed).  Each job writes its start time to a file; the test
# watches only that file, because any other process opening the database
# (a sqlite3 or jobctl poll) is itself a wake-up that would hide a missed
# one.  The sleep is the idle time measured from, not a synchronisation.
lat=
for i in 1 2 3 4 5 6; do
	sleep 0.2
	t0=$(now_ms)
	submit "date +%s%3N >$T/lat.$i" || break
	wait_until 5 "[ -s $T/lat.$i ]" || { lat="$lat >5000"; break; }
	lat="$lat $(($(cat "$T/lat.$i") - t0))"
done
info "run: submit-to-start latency with jobd idle, ms:$lat" \
    "(poll_interval 1s; DESIGN 6: within milliseconds, not at the next poll)"
wait_until 5 '[ "$(dsql "SELECT count(*) FROM jobs WHERE state <> '"'done'"'")" = 0 ]'

nfds() {
	ls "/proc/$D/fd" 2>/dev/null | wc -l
}
FDS0=$(nfds)

# 2. A job that always fails: 3 attempts, backoff, then dead.
begin "run: failing job retried 3 times with backoff, then dead (exit 2)"
if submit --max-attempts 3 -- sh -c 'echo oops; exit 2' &&
    wait_state "$ID" dead 15; then
	jcheck "$ID" '
import datetime
def ms(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
if d["state"] != "dead": bad("state %s" % d["state"])
if d["attempts"] != 3: bad("attempts %s" % d["attempts"])
if "exit 2" not in (d["dead_reason"] or ""):
    bad("dead_reason %r" % d["dead_reason"])
if len(h) != 3: bad("%d attempts in history" % len(h))
for i, a in enumerate(h):
    if a["attempt"] != i + 1: bad("attempt number %s" % a["attempt"])
    if a["outcome"] != "failed": bad("outcome %s" % a["outcome"])
    if a["exit_code"] != 2: bad("exit_code %s" % a["exit_code"])
    if a["output_bytes"] != 5: bad("output_bytes %s" % a["output_bytes"])
gaps = [ms(h[i]["started_at"]) - ms(h[i - 1]["finished_at"])
        for i in range(1, len(h))]
if any(g < 0 for g in gaps): bad("negative retry gap %s" % gaps)
note("run: retry gaps (backoff 100ms, max 200ms): %s" %
     ", ".join("%d ms" % round(g * 1000) for g in gaps))
'
	for n in 1 2 3; do
		[ "$(output_of "$ID" "$n")" = oops ] ||
		    problem "attempt $n output: $(output_of "$ID" "$n" | head -c 50)"
	done
	[ "$(dsql "SELECT count(*) FROM dead_jobs WHERE id = $ID
	    AND reason LIKE '%exit 2%'")" = 1 ] ||
	    problem "no dead_jobs row with reason \"exit 2\""
	[ "$(dsql "SELECT count(*) FROM jobs WHERE id = $ID")" = 0 ] ||
	    problem "still in jobs"
	"$JOBCTL" list --state dead --json >"$T/.dead" 2>&1 ||
	    problem "list --state dead failed"
	python3 -c 'import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1]) if l.strip()]
sys.exit(0 if int(sys.argv[2]) in ids else 1)' "$T/.dead" "$ID" ||
	    problem "not in list --state dead: $(head -c 200 "$T/.dead")"
fi
end

# 2b. The longest backoff jobctl accepts: now + backoff is past what an
# int64 holds (undefined behaviour, trapped by the UBSan build) and past
# what any time format prints; the retry time is capped instead.
begin "run: --backoff at its maximum: the retry's run_at is capped at 9999-12-31, not wrapped, and printable"
MAXD=9223372036854775807ms
BIGB=
for n in 1 2; do
	submit --backoff "$MAXD,$MAXD" --max-attempts 3 -- false &&
	    BIGB="$BIGB $ID"
done
for id in $BIGB; do
	wait_until 10 "[ \"\$(dsql \"SELECT attempts FROM jobs WHERE id = $id
	    AND state = 'pending'\")\" = 1 ]" ||
	    { problem "job $id: $(jstate "$id"), not pending after one attempt"; continue; }
	ra=$(dsql "SELECT run_at FROM jobs WHERE id = $id")
	info "run: job $id with backoff $MAXD: run_at $ra"
	[ "$ra" -ge "$(now_ms)" ] && [ "$ra" -le 253402300799999 ] ||
	    problem "job $id: run_at $ra (now $(now_ms))"
	jcheck "$id" '
if d["run_at"] is None: bad("show --json prints run_at as null")
'
done
end

# 3. A timeout kills the job's whole process group.
begin "run: timeout 2s: dead with outcome timeout, shell and grandchild gone"
rm -f "$T/t3.shell" "$T/t3.gc"
if submit --timeout 2s --max-attempts 1 --cwd "$T" -- \
    'echo $$ >>job.pids; echo $$ >t3.shell; sleep 60 & echo $! >>job.pids; echo $! >t3.gc; sleep 60' &&
    wait_state "$ID" dead 10; then
	jcheck "$ID" '
if len(h) != 1: bad("%d attempts" % len(h))
elif h[0]["outcome"] != "timeout": bad("outcome %s" % h[0]["outcome"])
if "timed out" not in (d["dead_reason"] or ""):
    bad("dead_reason %r" % d["dead_reason"])
'
	for f in t3.shell t3.gc; do
		if [ ! -s "$T/$f" ]; then
			problem "no $f pid file"
		elif ! wait_until 5 "! alive $(cat "$T/$f")"; then
			problem "$f pid $(cat "$T/$f") still alive"
		fi
	done
fi
end

# 4. Cancel a running job.
begin "run: jobctl cancel of a running job: cancelled, process gone"
rm -f "$T/t4.pid"
if submit --cwd "$T" -- 'echo $$ >>job.pids; echo $$ >t4.pid; exec sleep 60' &&
    wait_state "$ID" running 10 &&
    wait_until 5 '[ -s "$T/t4.pid" ]'; then
	pid=$(cat "$T/t4.pid")
	"$JOBCTL" cancel "$ID" >"$T/.out" 2>"$T/.err" ||
	    problem "cancel: exit $?: $(cat "$T/.err")"
	if wait_state "$ID" cancelled 10; then
		jcheck "$ID" '
if len(h) != 1: bad("%d attempts" % len(h))
elif h[0]["outcome"] != "cancelled": bad("outcome %s" % h[0]["outcome"])
elif h[0]["finished_at"] is None: bad("attempt not finished")
'
	fi
	wait_until 5 "! alive $pid" || problem "job process $pid still alive"
fi
end

# 5. Output cap: 50 MB of output keeps the last 4096 bytes; jobd stays small.
rss() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$D/status"
}
begin "run: 50 MB of output: 4096 bytes kept, ending END, the rest counted"
total=$((50000000 + 4))
if submit echo warm-up && wait_state "$ID" done 10; then
	before=$(rss)
	if submit 'head -c 50000000 /dev/zero | tr "\0" x; echo END' &&
	    wait_state "$ID" done 30; then
		after=$(rss)
		r=$(output_of "$ID" | python3 -c 'import sys
b = sys.stdin.buffer.read()
print("%d|%s|%s" % (len(b), b[-4:].hex().upper(), sys.argv[1]) +
    "|" + b[:4].hex().upper())' "$(dsql "SELECT output_dropped
		    FROM attempts WHERE job_id = $ID")")
		[ "$r" = "4096|454E440A|$((total - 4096))|78787878" ] ||
		    problem "length|tail|dropped|head = $r, expected" \
		    "4096|454E440A|$((total - 4096))|78787878"
		jcheck "$ID" '
a = h[-1]
if a["outcome"] != "ok": bad("outcome %s" % a["outcome"])
if a["output_bytes"] != 4096: bad("output_bytes %s" % a["output_bytes"])
if a["output_dropped"] != '"$((total - 4096))"':
    bad("output_dropped %s" % a["output_dropped"])
' 
		info "run: jobd VmRSS before ${before} kB, after ${after} kB"
		[ $((after - before)) -lt $((16 * 1024)) ] ||
		    problem "VmRSS grew from $before kB to $after kB"
	fi
fi
end

begin "run: spawn error (missing cwd): recorded on each attempt, then dead with the reason"
if [ -n "$SPAWN" ] && wait_state "$SPAWN" dead 10; then
	jcheck "$SPAWN" '
if [a["outcome"] for a in h] != ["spawn_error", "spawn_error"]:
    bad("outcomes %s" % [a["outcome"] for a in h])
for a in h:
    if "gone" not in (a["error"] or ""): bad("attempt error %r" % a["error"])
    if a["exit_code"] is not None: bad("exit_code %r" % a["exit_code"])
if "gone" not in (d["dead_reason"] or ""): bad("dead_reason %r" % d["dead_reason"])
'
fi
end

# 6. The job's environment: built from scratch, only fds 0-2, cwd honoured.
# The shell reads its own status with builtins: while it waits for a child,
# dash blocks every signal for a moment, which a child could see.
envjob='echo ===env; env; echo ===fd; ls -l /proc/$$/fd; echo ===self; ls -l /proc/self/fd; echo ===pwd; pwd -P; echo ===status; while read -r l; do case $l in SigBlk:*|SigIgn:*|Pid:*) echo "$l" ;; esac; done </proc/$$/status; echo ===stat; cat /proc/$$/stat'

mkdir -p "$T/wd"
begin "run: job environment: JOBD_* set, --env and --cwd honoured, nothing leaked, only fds 0-2"
export SUBMITLEAK=from-jobctl
submit --queue envq --key "envkey-1" --env FOO=bar --cwd "$T/wd" -- "$envjob"
unset SUBMITLEAK
if [ -n "$ID" ] && wait_state "$ID" done 10; then
	outcheck "$ID" '
want = {"JOBD_JOB_ID": "'"$ID"'", "JOBD_ATTEMPT": "1", "JOBD_QUEUE": "envq",
        "JOBD_IDEMPOTENCY_KEY": "envkey-1", "FOO": "bar", "SHELL": "/bin/sh"}
for k, v in want.items():
    if env.get(k) != v: bad("%s=%r, expected %r" % (k, env.get(k), v))
for k in ("LEAKME", "SUBMITLEAK", "JOBD_DB", "JOBD_CONFIG", "TMPDIR",
          "JOBD_SCHEDULE", "JOBD_SLOT", "JOBD_BUILD", "JOBCTL"):
    if k in env: bad("%s leaked into the job: %r" % (k, env[k]))
for k in ("HOME", "USER", "LOGNAME", "PATH"):
    if not env.get(k): bad("%s not set" % k)
extra = sorted(set(env) - set(want) - {"HOME", "USER", "LOGNAME", "PATH",
               "PWD", "OLDPWD", "SHLVL", "_"})
if extra: bad("unexpected variables %s" % extra)
f = fds("fd")
if sorted(f) != [0, 1, 2]: bad("shell fds %s" % f)
else:
    if f[0] != "/dev/null": bad("stdin is %s" % f[0])
    if not f[1].startswith("pipe:") or f[1] != f[2]:
        bad("stdout/stderr %s, %s" % (f[1], f[2]))
f = fds("self")
others = {k: v for k, v in f.items() if k > 2}
if [k for k in (0, 1, 2) if k not in f] or len(others) > 1 or \
   any(not re.match(r"/proc/\d+/fd$", v) for v in others.values()):
    bad("ls /proc/self/fd fds %s" % f)
pwd = s.get("pwd", [""])[0]
if pwd != "'"$(cd "$T/wd" && pwd -P)"'": bad("cwd %r" % pwd)
'
fi
end

begin "run: job without --key: JOBD_QUEUE default, no JOBD_IDEMPOTENCY_KEY, cwd is HOME"
submit -- "$envjob"
if [ -n "$ID" ] && wait_state "$ID" done 10; then
	outcheck "$ID" '
if env.get("JOBD_QUEUE") != "default": bad("JOBD_QUEUE=%r" % env.get("JOBD_QUEUE"))
if env.get("JOBD_JOB_ID") != "'"$ID"'": bad("JOBD_JOB_ID=%r" % env.get("JOBD_JOB_ID"))
for k in ("JOBD_IDEMPOTENCY_KEY", "FOO", "LEAKME"):
    if k in env: bad("%s=%r set" % (k, env[k]))
import os
home = os.path.realpath(env.get("HOME", "?"))
if s.get("pwd", [""])[0] != home: bad("cwd %r, HOME %r" % (s.get("pwd"), home))
'
fi
end

begin "run: job has its own session, an empty signal mask and default dispositions"
if [ -n "$ID" ]; then
	outcheck "$ID" '
st = dict(l.split(":", 1) for l in s.get("status", []))
st = {k: v.strip() for k, v in st.items()}
if int(st.get("SigBlk", "1"), 16) != 0: bad("SigBlk %s" % st.get("SigBlk"))
if int(st.get("SigIgn", "1"), 16) != 0: bad("SigIgn %s" % st.get("SigIgn"))
f = s.get("stat", [""])[0].rsplit(")", 1)[1].split()
pid = st.get("Pid")
if f[2] != pid or f[3] != pid: bad("pgrp %s, session %s, pid %s" % (f[2], f[3], pid))
'
fi
end

# Leftovers of a job are killed when its shell exits, even one that keeps
# the output pipe open.
begin "run: a background process the job leaves behind is killed when its shell exits"
rm -f "$T/t7.pid"
if submit --cwd "$T" -- 'sleep 60 & echo $! >>job.pids; echo $! >t7.pid; echo bye' &&
    wait_state "$ID" done 10; then
	[ "$(output_of "$ID")" = bye ] ||
	    problem "output $(output_of "$ID" | head -c 100)"
	if [ ! -s "$T/t7.pid" ]; then
		problem "no pid file"
	elif ! wait_until 5 "! alive $(cat "$T/t7.pid")"; then
		problem "background sleep $(cat "$T/t7.pid") still alive"
	fi
	jcheck "$ID" '
if [a["outcome"] for a in h] != ["ok"]: bad("outcomes %s" % [a["outcome"] for a in h])
'
fi
end

begin "run: a job submitted with --in 2s does not start before its run_at"
if [ -n "$LATER" ] && wait_state "$LATER" done 10; then
	r=$(dsql "SELECT a.started_at - j.run_at FROM attempts a
	    JOIN jobs j ON j.id = a.job_id WHERE j.id = $LATER")
	info "run: the --in 2s job started $r ms after its run_at"
	[ -n "$r" ] && [ "$r" -ge 0 ] || problem "started $r ms after run_at"
fi
end

begin "run: jobd idle uses almost no CPU, and its fds did not grow"
wait_until 5 '[ "$(dsql "SELECT count(*) FROM jobs WHERE state IN
    ('"'pending', 'running'"')")" = 0 ]'
ticks() {
	awk '{ print $14 + $15 }' "/proc/$D/stat"
}
c0=$(ticks)
sleep 1		# the measurement window, not a synchronisation
c1=$(ticks)
info "run: jobd idle CPU: $((c1 - c0)) ticks in 1 s; fds $FDS0 after the" \
    "first job, $(nfds) now"
[ $((c1 - c0)) -lt 20 ] || problem "$((c1 - c0)) CPU ticks in 1 s idle"
[ "$(nfds)" -le "$FDS0" ] ||
    problem "jobd fds grew from $FDS0 to $(nfds): $(ls -l "/proc/$D/fd" |
    tail -n +2 | sed 's/.* -> //' | sort | uniq -c | tr '\n' ' ')"
end

begin "run: jobd stops on SIGTERM with exit status 0"
stop_jobd "$D" 10 || problem "jobd did not stop within 10 s"
[ "$STOP_RC" = 0 ] || problem "exit status $STOP_RC: $(tail -n 3 "$T/jobd.log")"
[ "$(dsql 'SELECT count(*) FROM daemons')" = 0 ] ||
    problem "daemons row left: $(dsql 'SELECT * FROM daemons')"
end

no_sanitizer "run: no sanitizer report in the jobd log"
no_strays "run: no jobd or job process left"
exit 0
