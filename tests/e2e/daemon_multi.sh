# backends: sqlite postgresql
# Two jobd on one database never run the same attempt; concurrent
# submitters racing with one idempotency key create one job, run once.
. "$(dirname "$0")/daemon_lib.sh"

N=40
# A lease of 3 s, renewed every second: a heartbeat a little late on a
# loaded machine (or under a sanitizer) must not lose a running job.
write_conf workers=2 visibility_timeout=3s
IDS=$T/ids		# one line per run: the job id
ORDER=$T/order		# the priority case: one line per run

# Claim order, one worker (--workers overrides the file): lowest priority
# first, then the lowest id.  Submitted before jobd starts.
for p in 5 -3 0 -3 0 -1000; do
	submit --priority "$p" "echo \$JOBD_JOB_ID >>$ORDER; sleep 0.05" ||
	    break
	echo "$p $ID" >>"$T/prio"
done
begin "multi: --workers 1 runs due jobs one at a time, by priority then id"
start_jobd jobd1 --workers 1
if wait_until 15 '[ "$(wc -l <"$ORDER")" = 6 ] &&
    [ "$(dsql "SELECT count(*) FROM jobs WHERE state <> '"'done'"'")" = 0 ]'
then
	sort -k1,1n -k2,2n "$T/prio" | cut -d' ' -f2 >"$T/prio.want"
	cmp -s "$T/prio.want" "$ORDER" || problem "ran in order $(tr '\n' ' ' \
	    <"$ORDER"), expected $(tr '\n' ' ' <"$T/prio.want")"
	over=$(dsql "SELECT count(*) FROM attempts a, attempts b
	    WHERE a.id < b.id AND b.started_at < a.finished_at")
	[ "$over" = 0 ] || problem "$over overlapping runs with 1 worker"
else
	died
	problem "not all 6 ran: $(tr '\n' ' ' <"$ORDER")$DIED"
fi
stop_jobd "$JOBD_PID" 10 || problem "did not stop"
[ "$STOP_RC" = 0 ] || problem "exit status $STOP_RC"
end

begin "multi: two jobd (2 workers each) start on one database"
start_jobd jobdA
PA=$JOBD_PID
start_jobd jobdB
PB=$JOBD_PID
[ "$(dsql 'SELECT count(*) FROM daemons')" = 2 ] ||
    problem "daemons: $(dsql 'SELECT instance FROM daemons' | tr '\n' ' ')"
end

# A job that runs 2.5 times the visibility_timeout keeps its lease through
# heartbeats: the other daemon must not reap it.
submit "sleep 7.5; echo long"
LONG=$ID
FIRST=
begin "multi: $N jobs, two daemons: all done, each run exactly once"
i=0
while [ "$i" -lt "$N" ]; do
	i=$((i + 1))
	submit "echo \"\$JOBD_JOB_ID\" >>$IDS; sleep 0.0\$((\$JOBD_JOB_ID % 5))" ||
	    break
	FIRST=${FIRST:-$ID}
done
if wait_until 30 '[ "$(dsql "SELECT count(*) FROM jobs WHERE state = '"'done'"'
    AND id >= '$FIRST'")" = '$N' ]'
then
	[ "$(wc -l <"$IDS")" = "$N" ] || problem "$(wc -l <"$IDS") runs"
	sort -n "$IDS" | uniq -d >"$T/dups"
	[ ! -s "$T/dups" ] || problem "ran twice: $(tr '\n' ' ' <"$T/dups")"
	sort -n "$IDS" >"$T/ids.sorted"
	dsql "SELECT id FROM jobs WHERE id >= $FIRST ORDER BY id" |
	    cmp -s - "$T/ids.sorted" ||
	    problem "the ids that ran are not the ids submitted"
	r=$(dsql "SELECT count(*), count(DISTINCT job_id),
	    sum(CASE outcome WHEN 'ok' THEN 1 ELSE 0 END),
	    sum(CASE attempt WHEN 1 THEN 1 ELSE 0 END) FROM attempts
	    WHERE job_id >= $FIRST")
	[ "$r" = "$N|$N|$N|$N" ] ||
	    problem "attempts count|jobs|ok|first = $r, expected $N each"
	info "multi: runs per daemon: $(dsql "SELECT count(*) FROM attempts
	    WHERE job_id >= $FIRST GROUP BY owner ORDER BY owner" |
	    tr '\n' ' ')"
else
	died
	problem "after 30 s: $(dsql "SELECT state || ':' || count(*) FROM jobs
	    GROUP BY state" | tr '\n' ' ')$DIED"
fi
end

begin "multi: a job running 2.5 x visibility_timeout keeps its lease: one attempt, ok"
if [ -n "$LONG" ] && wait_state "$LONG" done 20; then
	jcheck "$LONG" '
if [a["outcome"] for a in h] != ["ok"]:
    bad("outcomes %s, errors %s" % ([a["outcome"] for a in h], [a["error"] for a in h]))
'
fi
end

begin "multi: 8 concurrent submitters with one key: one job, run once"
p=0
while [ "$p" -lt 8 ]; do
	p=$((p + 1))
	"$JOBCTL" submit --key same-key -- echo hi >"$T/k.out.$p" \
	    2>"$T/k.err.$p" &
	echo $! >>"$T/k.pids"
done
for kp in $(cat "$T/k.pids"); do
	wait "$kp" || problem "a submitter exited $?: $(cat "$T"/k.err.* |
	    head -c 200)"
done
kid=$(cat "$T"/k.out.* | sort -u)
if [ "$(echo "$kid" | wc -l)" != 1 ] || [ -z "$kid" ]; then
	problem "submitters printed ids: $(cat "$T"/k.out.* | tr '\n' ' ')"
elif wait_state "$kid" done 10; then
	[ "$(dsql "SELECT count(*) FROM jobs
	    WHERE idempotency_key = 'same-key'")" = 1 ] || problem "several jobs"
	[ "$(dsql "SELECT count(*) FROM jobs WHERE id > $kid - 1
	    AND command = 'echo hi'")" = 1 ] || problem "several echo hi jobs"
	jcheck "$kid" '
if [a["outcome"] for a in h] != ["ok"]: bad("outcomes %s" % [a["outcome"] for a in h])
if d["idempotency_key"] != "same-key": bad("key %r" % d["idempotency_key"])
'
	[ "$(output_of "$kid")" = hi ] || problem "output $(output_of "$kid")"
fi
! grep -q -e Sanitizer -e 'runtime error' "$T"/k.err.* ||
    problem "sanitizer report from jobctl: $(grep -h -m1 -e Sanitizer \
    -e 'runtime error' "$T"/k.err.*)"
end

# SIGKILL one daemon while it runs jobs: the other one reaps its expired
# leases (visibility_timeout 3s) and runs them again.  The 12 jobs wait for
# $T/gate: one daemon holds at most 6 (2 running, 4 leased ahead), so A
# gets some of them however the two share the work.
begin "multi: jobs of a SIGKILLed daemon are reaped by the other after the lease expires and re-run"
F=
i=0
while [ "$i" -lt 12 ]; do
	i=$((i + 1))
	submit "echo \$\$ >>$JOBPIDS; while [ ! -e $T/gate ]; do sleep 0.05; done" ||
	    break
	F=${F:-$ID}
done
if [ -n "$F" ] && wait_until 10 '[ "$(dsql "SELECT count(*) FROM jobs WHERE
    state = '"'running'"' AND lease_owner LIKE '"'%:$PA:%'"'")" -ge 1 ]'; then
	kill -KILL "$PA"
	reap_jobd "$PA" 5
	: >"$T/gate"
	if wait_until 15 '[ "$(dsql "SELECT count(*) FROM jobs WHERE id >= '$F'
	    AND state = '"'done'"'")" = 12 ]'; then
		# The jobs A held when it died: their first attempt is lost.
		dsql "SELECT job_id FROM attempts WHERE job_id >= $F
		    AND owner LIKE '%:$PA:%' AND outcome = 'lost'" >"$T/lost"
		for id in $(cat "$T/lost"); do
			jcheck "$id" '
if [a["outcome"] for a in h] != ["lost", "ok"]:
    bad("outcomes %s" % [a["outcome"] for a in h])
elif ":'"$PB"':" not in h[1]["owner"]:
    bad("re-run by %s, not jobd B" % h[1]["owner"])
'
		done
		[ -s "$T/lost" ] || problem "no job of jobd A was running"
	else
		died
		problem "not all done: $(dsql "SELECT id || ':' || state FROM jobs
		    WHERE id >= $F" | tr '\n' ' ')$DIED"
	fi
	info "multi: daemons rows after A was killed: $(dsql "SELECT pid FROM
	    daemons ORDER BY pid" | tr '\n' ' ')(A: $PA, B: $PB)"
else
	: >"$T/gate"
	problem "jobd A never ran one of the 12 jobs"
fi
end

# Fencing: a daemon frozen (SIGSTOP) past its lease loses the job to the
# other one; when it thaws, its result for the lost attempt is noted and
# ignored, never applied.
begin "multi: fencing: a SIGSTOPped daemon's late result is ignored, the job stays done once"
start_jobd jobdC
PC=$JOBD_PID
X=
if submit "echo \$\$ >>$JOBPIDS; sleep 1.5; echo fenced" &&
    wait_state "$ID" running 10; then
	J=$ID
	owner=$(dsql "SELECT lease_owner FROM jobs WHERE id = $J")
	case $owner in
	*":$PB:"*) X=$PB Y=$PC ;;
	*":$PC:"*) X=$PC Y=$PB ;;
	*) problem "leased by $owner" ;;
	esac
fi
if [ -n "$X" ]; then
	# Frozen outside a transaction of its own (a heartbeat's), or the
	# other daemon could not write until it thaws.
	for _try in 1 2 3 4 5; do
		kill -STOP "$X"
		db_write_lock_free 100 && break
		kill -CONT "$X"
		db_write_lock_free 5000
	done
	if wait_state "$J" done 15; then
		jcheck "$J" '
if [a["outcome"] for a in h] != ["lost", "ok"]:
    bad("outcomes %s" % [a["outcome"] for a in h])
elif ":'"$Y"':" not in h[1]["owner"]:
    bad("attempt 2 by %s" % h[1]["owner"])
'
	fi
	kill -CONT "$X"
	if wait_until 10 '[ "$(dsql "SELECT count(*) FROM attempts
	    WHERE job_id = '$J' AND attempt = 1
	    AND error LIKE '"'%late result ignored%'"'")" = 1 ]'; then
		jcheck "$J" '
if d["state"] != "done" or d["attempts"] != 2:
    bad("state %s, attempts %s" % (d["state"], d["attempts"]))
if [a["outcome"] for a in h] != ["lost", "ok"]:
    bad("outcomes after the thaw %s" % [a["outcome"] for a in h])
'
	else
		problem "the thawed daemon's late result was not noted:" \
		    "$(dsql "SELECT attempt, outcome, error FROM attempts
		    WHERE job_id = $J" | tr '\n' ' ')"
	fi
	alive "$X" || problem "the thawed daemon died"
fi
end

begin "multi: the remaining daemons stop on SIGTERM with exit status 0"
kill -CONT "$PB" "$PC" 2>/dev/null
kill -TERM "$PB" "$PC"
reap_jobd "$PB" 10 || problem "jobd B did not stop"
[ "$STOP_RC" = 0 ] || problem "jobd B exit status $STOP_RC"
reap_jobd "$PC" 10 || problem "jobd C did not stop"
[ "$STOP_RC" = 0 ] || problem "jobd C exit status $STOP_RC"
[ "$(dsql "SELECT count(*) FROM daemons WHERE pid IN ($PB, $PC)")" = 0 ] ||
    problem "daemons rows left"
end

no_sanitizer "multi: no sanitizer report in the jobd logs"
no_strays "multi: no jobd or job process left"
exit 0
