# Crash chaos: jobd is killed with SIGKILL many times at random moments
# while a mixed load of jobs runs (quick, slow, failing, flaky, timing out,
# single-attempt, schedule runs, a few cancellations), restarted each time,
# then left to drain.  Every job a job runs appends "ID ATTEMPT start" and,
# just before it exits 0, "ID ATTEMPT end" to a ground-truth log; the
# database is then checked against it: nothing lost, nothing completed
# twice, re-runs bounded by the attempts in flight at the kills (the
# leases the dead daemon held, read after each kill), every
# attempt closed, the database intact.  Then each named crash point
# (JOBD_CRASH_AT, include/jobd/crash.h) is hit once, mid-run, and jobd
# restarted: every job still ends in exactly one terminal state.  The
# load, the ground truth and the analysis are shared with chaos_pg.sh,
# the PostgreSQL form (chaoslib.sh, chaos_check.py).
#
# Long jobs (longer than the retry delay) hold a lock on a file of their
# own while they run; a copy that finds it held appends to $T/concurrent:
# "concurrent copies" must be 0, whatever the kills (the remains of a lost
# attempt are killed before its job runs again).  The daemons alternate
# between cgroups = auto and cgroups = off (CHAOS_CGROUPS: both, auto or
# off), so both kinds of containment are crashed.
#
# Dependencies: pipelines of 7 jobs in one batch (@LINE references): a
# chain, a fan-in, a job that dies, two dependents cancelled by its death
# (one through the other) and an --after-any.  At the end no job started
# before what it waits on had ended (done, for --after), by the database's
# times and by the ground truth's order, every dependent of a job that
# died was cancelled with the reason, and none is left waiting.
#
# Notifications (the outbox): jobd.conf's on_dead hook, and the flaky
# jobs' --on-failure, record each run (its own id and attempt in the
# ground truth, like any job; the event, job and attempt it reports in
# TRUTH.notified).  Every dead job has exactly one on_dead notification
# and every failed attempt of a flaky job one on_failure notification,
# whatever the kills (also between an outcome and its notification, and
# at crash point in_notify, inside the transaction); each ran at least
# once; none reports an outcome that did not commit; none reports on a
# notification.
#
#   CHAOS_JOBS   jobs to submit (default 300)    make chaos: 10000
#   CHAOS_KILLS  SIGKILLs (default 10)           make chaos: 50
#   CHAOS_SEED   random seed (default: random; printed, to replay a run)
#   CHAOS_DRAIN  seconds to wait for the drain (default 60 + CHAOS_JOBS / 10)
#   CHAOS_CGROUPS  both (default: alternate), auto or off
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/chaoslib.sh"

N=${CHAOS_JOBS:-300}
K=${CHAOS_KILLS:-10}
SEED=${CHAOS_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
DRAIN=${CHAOS_DRAIN:-$((60 + N / 10))}
WORKERS=4
chaos_truth "$T/truth"
T_BEGIN=$(now_ms)
info "chaos: jobs=$N kills=$K seed=$SEED workers=$WORKERS drain<=${DRAIN}s"

CG_MODE=${CHAOS_CGROUPS:-both}
conf() {	# [restart number]: the cgroups mode alternates
	_cg=$CG_MODE
	if [ "$_cg" = both ]; then
		_cg=auto
		[ $((${1:-0} % 2)) = 1 ] && _cg=off
	fi
	write_conf workers=$WORKERS visibility_timeout=2s poll_interval=200ms \
	    backoff=100ms backoff_max=200ms kill_grace=200ms shutdown_grace=1s \
	    cgroups=$_cg
	printf '\n[notify]\non_dead = %s\nmax_attempts = 10\n' "$T/nhook" \
	    >>"$CONF"
}
chaos_setup
conf

SUBMITTED=0
# A schedule: every minute (slots made if the run crosses a minute), and
# 3 manual runs (jobctl schedule run), part of the N jobs.
begin "chaos: submit $N jobs"
"$JOBCTL" schedule add chaos-cron --cron '* * * * *' --overlap allow \
    -- "$PRE; $POST" >/dev/null 2>"$T/.sched.err" ||
    problem "schedule add: $(head -c 200 "$T/.sched.err")"
submit_half 1
end
SUBMITTED=1

K_DONE=0
INFLIGHT=0
: >"$T/restarts"	# "restart_ms kill_ms"
: >"$T/.kill_problems"
delays=$(python3 -c 'import random, sys
r = random.Random(sys.argv[1] + "delays")
print(" ".join("%.3f" % r.uniform(0, 1.5) for i in range(int(sys.argv[2]))))' \
    "$SEED" "$K")
begin "chaos: $K SIGKILLs at random moments, restarting each time"
for d in $delays; do
	K_DONE=$((K_DONE + 1))
	t0=$(now_ms)
	conf "$K_DONE"
	start_jobd "jobd$K_DONE" || break
	P=$JOBD_PID
	I=$(instance_of "$P")
	sleep "$d"
	if ! alive "$P"; then
		died
		problem "jobd $P (start $K_DONE) died before the kill$DIED"
		break
	fi
	kill -KILL "$P"
	t1=$(now_ms)
	reap_jobd "$P" 5
	[ "$STOP_RC" = 137 ] ||
	    problem "jobd $P killed: exit status $STOP_RC, not 137"
	INFLIGHT=$((INFLIGHT + $(inflight "$I")))
	echo "$t0 $t1" >>"$T/restarts"
	[ "$K_DONE" = $(((K + 1) / 2)) ] && chaos_midrun chaos-cron
done
[ -s "$T/.submit_errors" ] &&
    problem "submit: $(head -c 300 "$T/.submit_errors")"
end
info "chaos: $K_DONE kills in $(( ($(now_ms) - T_BEGIN) / 1000 )) s"

begin "chaos: after the last restart, every job drains"
"$JOBCTL" schedule disable chaos-cron >/dev/null 2>&1
t0=$(now_ms)
echo "$t0 0" >>"$T/restarts"
if start_jobd final; then
	P=$JOBD_PID
	sleep 1
	_end=$(($(date +%s) + DRAIN))
	while :; do
		_live=$(dsql "SELECT count(*) FROM jobs
		    WHERE state IN ('pending', 'running')")
		[ "$_live" = 0 ] && break
		if ! alive "$P"; then
			died
			problem "jobd $P died during the drain$DIED"
			break
		fi
		if [ "$(date +%s)" -ge "$_end" ]; then
			problem "after ${DRAIN} s still $_live live: $(dsql \
			    "SELECT state || ':' || count(*) FROM jobs
			    GROUP BY state" | tr '\n' ' ')"
			break
		fi
		sleep 0.5
	done
	info "chaos: drained $(( ($(now_ms) - t0) / 1000 )) s after the last\
 restart; total $(( ($(now_ms) - T_BEGIN) / 1000 )) s"
	stop_jobd "$P" 10 || problem "jobd did not stop within 10 s"
	[ "$STOP_RC" = 0 ] || problem "jobd stopped with exit status $STOP_RC"
fi
end

# Restart-to-first-lease latencies (a new attempts row started after the
# restart, before that instance was killed).
python3 - "$DB" "$T/restarts" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30)
lat = []
none = 0
rows = [tuple(map(int, l.split())) for l in open(sys.argv[2]) if l.strip()]
for i, (t0, t1) in enumerate(rows):
    if i == 0:
        continue		# the first start is not a restart
    q = "SELECT min(started_at) FROM attempts WHERE started_at >= ?"
    a = [t0]
    if t1:
        q += " AND started_at <= ?"
        a.append(t1)
    m = db.execute(q, a).fetchone()[0]
    if m is None:
        none += 1
    else:
        lat.append(m - t0)
lat.sort()
if lat:
    print("INFO chaos: restart to first lease: p50 %d ms, max %d ms "
          "(%d restarts; %d killed before leasing)" % (
              lat[len(lat) // 2], lat[-1], len(lat), none))
else:
    print("INFO chaos: restart to first lease: no data (%d restarts)" % none)
EOF

info "chaos: attempts in flight at the $K_DONE kills: $INFLIGHT"
analyze "$DB" "$IDS" "$N" "$INFLIGHT" chaos

concurrent_copies chaos "cgroups $CG_MODE"

# Named crash points.  Each on its own database: jobd crashes there (exit
# 99) mid-run, is restarted without the variable and drains.
crash_case() {	# name n kind count [submit options]
	_cn=$1 _cnn=$2 _ck=$3 _cc=$4
	shift 4
	use_db "$T/crash_$_cn.db"
	: >"$T/.submit_errors"
	chaos_truth "$T/truth_$_cn" "$T/ids_$_cn"
	begin "crash point $_cn:$_cnn: jobd exits 99 there, restarts, drains"
	export JOBD_CRASH_AT="$_cn:$_cnn"
	start_jobd "crash_$_cn"
	_ok=$?
	unset JOBD_CRASH_AT
	[ "$_ok" = 0 ] || { end; return; }
	P=$JOBD_PID
	_inst=$(instance_of "$P")
	batch "$_ck" "$_cc" "$@"
	batch quick 4
	batch slow 2
	reap_jobd "$P" 30
	[ "$STOP_RC" = 99 ] ||
	    problem "jobd exit status $STOP_RC, not 99: $(tail -n 3 \
		"$T/crash_$_cn.log" | tr '\n' ' ')"
	_inf=$(inflight "$_inst")
	start_jobd "crash_${_cn}_2" || { end; return; }
	P=$JOBD_PID
	wait_until 30 '[ "$(dsql "SELECT count(*) FROM jobs
	    WHERE state IN ('"'pending', 'running'"')")" = 0 ]' ||
	    problem "not drained in 30 s: $(dsql "SELECT state || ':' ||
		count(*) FROM jobs GROUP BY state" | tr '\n' ' ')"
	stop_jobd "$P" 10 || problem "jobd did not stop within 10 s"
	[ "$STOP_RC" = 0 ] || problem "jobd stopped with exit status $STOP_RC"
	[ -s "$T/.submit_errors" ] &&
	    problem "submit: $(head -c 300 "$T/.submit_errors")"
	end
	analyze "$DB" "$IDS" "$((_cc + 6))" "$_inf" "crash $_cn"
}

crash_case after_lease 3 fail 4 --max-attempts 2
crash_case after_spawn 3 slow 4
crash_case before_result 3 flaky 4 --max-attempts 3
crash_case in_deadletter 2 fail1 6 --max-attempts 1
# Inside the transaction of an outcome, after its notification's insert:
# both are rolled back, the attempt is lost and reaped; one notification.
crash_case in_notify 2 fail1 6 --max-attempts 2
use_db "$T/jobs.db"

# Forget the jobd pids already reaped, for the same reason (pid reuse).
grep -vxF -f "$T/.jobd_reaped" "$T/.jobd_pids" >"$T/.jobd_pids.new"
mv "$T/.jobd_pids.new" "$T/.jobd_pids"
no_strays "chaos: nothing left running"
no_sanitizer "chaos: no sanitizer report"
info "chaos: total $(( ($(now_ms) - T_BEGIN) / 1000 )) s"
