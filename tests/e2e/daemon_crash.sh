# backends: sqlite postgresql
# jobd killed with SIGKILL while jobs run: after a restart every job ends
# done, the jobs that were running are run again (their first attempt
# recorded as lost) and promptly: the new instance sees that the old one is
# gone and reclaims its leases at once, long before the 60 s
# visibility_timeout would have let them expire.
. "$(dirname "$0")/daemon_lib.sh"

N=6
write_conf workers=2 visibility_timeout=60s
RUNS=$T/runs		# ground truth: one line per run, "id attempt pid"

begin "crash: jobd starts with 2 workers"
start_jobd jobd1
end
OLD=$JOBD_PID
alive "$OLD" || { fail "crash: the remaining cases" "jobd did not start"
	exit 0; }

i=0
while [ "$i" -lt "$N" ]; do
	i=$((i + 1))
	submit "echo \$\$ >>$JOBPIDS; echo \"\$JOBD_JOB_ID \$JOBD_ATTEMPT \$\$\" >>$RUNS; while [ ! -e $T/gate ]; do sleep 0.05; done; sleep 1; echo ok" ||
	    break
done

# The first two jobs hold until the kill ($T/gate), however long the
# submissions took: exactly two run, and none has ended.
begin "crash: SIGKILL while 2 jobs run, restart: all $N jobs end done"
: >"$T/killed"
if wait_until 10 '[ "$(dsql "SELECT count(*) FROM jobs WHERE state = '"'running'"'")" = 2 ] &&
    [ "$(wc -l <"$RUNS" 2>/dev/null)" = 2 ]'; then
	kill -KILL "$OLD"
	reap_jobd "$OLD" 5
	: >"$T/gate"
	[ "$STOP_RC" = 137 ] || problem "killed jobd: exit status $STOP_RC"
	dsql "SELECT id FROM jobs WHERE state = 'running' ORDER BY id" \
	    >"$T/killed"
	[ "$(wc -l <"$T/killed")" = 2 ] ||
	    problem "running after the kill: $(tr '\n' ' ' <"$T/killed")"
	[ "$(dsql "SELECT count(*) FROM daemons WHERE pid = $OLD")" = 1 ] ||
	    problem "the killed instance has no daemons row"
	restart=$(now_ms)
	start_jobd jobd2
	NEW=$JOBD_PID
	wait_until 20 '[ "$(dsql "SELECT count(*) FROM jobs WHERE state = '"'done'"'")" = '$N' ]' ||
	    { died; problem "after 20 s: $(dsql "SELECT state || ':' || count(*)
		FROM jobs GROUP BY state UNION ALL SELECT 'dead:' || count(*)
		FROM dead_jobs" | tr '\n' ' ')$DIED"; }
else
	: >"$T/gate"
	died
	problem "never 2 running: $(dsql "SELECT id || ':' || state FROM jobs" |
	    tr '\n' ' ')$DIED"
fi
end

begin "crash: the jobs running at the kill were re-run promptly, first attempt lost"
for id in $(cat "$T/killed"); do
	jcheck "$id" '
if d["state"] != "done": bad("state %s" % d["state"])
if d["attempts"] != 2: bad("attempts %s" % d["attempts"])
if [a["outcome"] for a in h] != ["lost", "ok"]:
    bad("outcomes %s" % [a["outcome"] for a in h])
' || continue
	# The re-run must start within 10 s of the restart (the old lease
	# still had about 60 s to go).
	late=$(dsql "SELECT started_at - $restart FROM attempts
	    WHERE job_id = $id AND attempt = 2")
	info "crash: job $id re-run started ${late} ms after the restart"
	[ -n "$late" ] && [ "$late" -lt 10000 ] ||
	    problem "job $id re-run started ${late} ms after the restart"
	[ "$(grep -c "^$id " "$RUNS")" = 2 ] ||
	    problem "job $id ran $(grep -c "^$id " "$RUNS") times"
	grep -q "^$id 2 " "$RUNS" || problem "job $id: no run with JOBD_ATTEMPT=2"
done
[ -s "$T/killed" ] || problem "no job was running at the kill"
end

begin "crash: no job lost or run twice needlessly: the others ran once"
[ "$(dsql "SELECT count(*) FROM jobs WHERE state = 'done'")" = "$N" ] ||
    problem "$(dsql "SELECT count(*) FROM jobs WHERE state = 'done'") done"
[ "$(dsql "SELECT count(*) FROM dead_jobs")" = 0 ] || problem "dead jobs"
for id in $(dsql "SELECT id FROM jobs ORDER BY id"); do
	grep -qx "$id" "$T/killed" && continue
	[ "$(dsql "SELECT attempts FROM jobs WHERE id = $id")" = 1 ] ||
	    problem "job $id: $(dsql "SELECT attempts FROM jobs
		WHERE id = $id") attempts"
	[ "$(grep -c "^$id " "$RUNS")" = 1 ] ||
	    problem "job $id ran $(grep -c "^$id " "$RUNS") times"
done
[ "$(dsql "SELECT count(*) FROM attempts WHERE outcome IS NULL
    OR finished_at IS NULL")" = 0 ] || problem "unfinished attempt rows"
end

begin "crash: the killed instance's row is gone from daemons"
[ "$(dsql "SELECT count(*) FROM daemons WHERE pid = $OLD")" = 0 ] ||
    problem "$(dsql "SELECT * FROM daemons WHERE pid = $OLD")"
[ "$(dsql "SELECT count(*) FROM daemons")" = 1 ] ||
    problem "daemons: $(dsql "SELECT instance FROM daemons" | tr '\n' ' ')"
grep -q "is gone; reclaimed" "$T/jobd2.log" ||
    problem "jobd2 did not log a reclaim: $(head -n 3 "$T/jobd2.log")"
end

begin "crash: the restarted jobd stops on SIGTERM with exit status 0"
stop_jobd "$NEW" 10 || problem "did not stop within 10 s"
[ "$STOP_RC" = 0 ] || problem "exit status $STOP_RC"
end

# Chaos: SIGKILL jobd 5 times while 20 short jobs run, restarting it each
# time; then let one instance finish.  Nothing is lost, nothing is left
# running, every job is done, and every attempt row is closed.
M=20
K=5
write_conf workers=4 visibility_timeout=60s max_attempts=50
RUNS2=$T/runs2
: >"$RUNS2"
first=
i=0
while [ "$i" -lt "$M" ]; do
	i=$((i + 1))
	submit "echo \$\$ >>$JOBPIDS; echo \"\$JOBD_JOB_ID \$JOBD_ATTEMPT\" >>$RUNS2; sleep 0.2" ||
	    break
	first=${first:-$ID}
done
begin "crash: $K SIGKILLs while $M jobs run, then a clean run: all $M done"
k=0
while [ "$k" -lt "$K" ] && [ -n "$first" ]; do
	k=$((k + 1))
	n0=$(wc -l <"$RUNS2")
	start_jobd "chaos$k" || break
	C=$JOBD_PID
	# Kill it once it has started two more runs (or all is done).
	wait_until 10 '[ "$(wc -l <"$RUNS2")" -ge $((n0 + 2)) ] ||
	    [ "$(dsql "SELECT count(*) FROM jobs WHERE id >= '$first' AND
	    state <> '"'done'"'")" = 0 ]' || problem "round $k: no progress"
	kill -KILL "$C"
	reap_jobd "$C" 5
done
start_jobd chaos-final
C=$JOBD_PID
if [ -n "$first" ] && ! wait_until 20 '[ "$(dsql "SELECT count(*) FROM jobs
    WHERE id >= '$first' AND state = '"'done'"'")" = '$M' ]'; then
	died
	problem "after 20 s: $(dsql "SELECT state || ':' || count(*) FROM jobs
	    WHERE id >= $first GROUP BY state UNION ALL
	    SELECT 'dead:' || count(*) FROM dead_jobs" | tr '\n' ' ')$DIED"
fi
r=$(dsql "SELECT count(*), sum(CASE outcome WHEN 'ok' THEN 1 ELSE 0 END),
    sum(CASE outcome WHEN 'lost' THEN 1 ELSE 0 END),
    sum(CASE WHEN outcome IS NULL OR finished_at IS NULL THEN 1 ELSE 0 END)
    FROM attempts
    WHERE job_id >= ${first:-0}")
info "crash: chaos: attempts total|ok|lost|open = $r; runs $(wc -l <"$RUNS2")"
[ "$(echo "$r" | cut -d'|' -f2)" = "$M" ] ||
    problem "attempts total|ok|lost|open = $r: not $M ok"
[ "$(echo "$r" | cut -d'|' -f4)" = 0 ] || problem "open attempt rows: $r"
bad=$(dsql "SELECT j.id FROM jobs j WHERE j.id >= ${first:-0} AND
    (j.attempts <> (SELECT count(*) FROM attempts a WHERE a.job_id = j.id)
     OR (SELECT outcome FROM attempts a WHERE a.job_id = j.id
	 ORDER BY a.id DESC LIMIT 1) <> 'ok'
     OR (SELECT count(*) FROM attempts a WHERE a.job_id = j.id
	 AND a.outcome = 'ok') <> 1)")
[ -z "$bad" ] || problem "jobs whose attempts do not add up: $(echo $bad)"
# Every job ran (at least once); a run is always preceded by its attempt.
for id in $(dsql "SELECT id FROM jobs WHERE id >= ${first:-0}"); do
	nr=$(grep -c "^$id " "$RUNS2")
	na=$(dsql "SELECT count(*) FROM attempts WHERE job_id = $id")
	[ "$nr" -ge 1 ] && [ "$nr" -le "$na" ] ||
	    problem "job $id: $nr runs, $na attempts"
done
[ "$(dsql "SELECT count(*) FROM daemons")" = 1 ] ||
    problem "daemons rows: $(dsql "SELECT instance FROM daemons" |
    tr '\n' ' ')"
stop_jobd "$C" 10 || problem "the last jobd did not stop"
[ "$STOP_RC" = 0 ] || problem "the last jobd: exit status $STOP_RC"
end

no_sanitizer "crash: no sanitizer report in the jobd logs"
no_strays "crash: no jobd or job process left"
exit 0
