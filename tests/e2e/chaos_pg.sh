# backends: postgresql
# Crash chaos on PostgreSQL: three jobd daemons share one database while
# the mixed load of chaos.sh runs (chaoslib.sh: quick, slow, failing,
# flaky, timing out, single-attempt, pipelines of dependent jobs, long
# jobs holding a lock, schedule runs, a few cancellations) and cron
# schedules fire.  The daemons are SIGKILLed at random moments, spread
# over all three (each of every three kills a different one), each
# restarted at once; the PostgreSQL server itself is crashed and
# restarted (pg_ctl -m immediate) mid-run.  Then everything drains, and
# the database is checked against the ground truth (chaos_check.py, as
# chaos.sh does): nothing lost, nothing completed twice, lost attempts
# and re-runs bounded by the attempts in flight at the kills (the leases
# each killed daemon held, read after its kill), every attempt closed,
# notifications one per outcome, dependencies kept, at most one job per
# cron slot and, with catchup = all, none missed.
#
# The server is this script's own (pglib.sh's pg_start), not the pass's:
# the other scripts of the pass use that one meanwhile, and this one
# restarts it.  The third daemon runs in a UTS namespace of its own
# (another host name, when unshare allows): its peers cannot tell that it
# died, so its leases come back through its successor's start, while
# the other two's are reclaimed by whichever daemon of their host sees
# them gone first.  The visibility timeout (15 s) outlasts a server
# restart, so no lease of a live daemon runs out while the server is down.
#
# Cron: "chaos-every" (* * * * *, catchup = all, overlap = allow) fires
# through the whole run; the "chaos-back" schedules, of the same kind,
# are enabled mid-run (one at the first kill, one just before each
# server restart) with their next_run_at put 9 minutes back, as after
# every daemon was down: 10 slots each, fired by whichever daemon gets
# there first, under the kills.  Every minute of each, from its first
# slot up to its next_run_at, must have made exactly one job.
#
#   CHAOS_JOBS         jobs to submit (default 300)     make chaos: 3000
#   CHAOS_KILLS        SIGKILLs (default 9)             make chaos: 30
#   CHAOS_PG_RESTARTS  server restarts (default 2)
#   CHAOS_SEED         random seed (default: random; printed, to replay)
#   CHAOS_DRAIN        seconds to wait for the drain (default 60 + N / 10)
#   CHAOS_CGROUPS      both (default: alternate), auto or off
. "$(dirname "$0")/daemon_lib.sh"
. "$(dirname "$0")/chaoslib.sh"
. "$(dirname "$0")/pglib.sh"	# last: its exit trap stops our server too

N=${CHAOS_JOBS:-300}
K=${CHAOS_KILLS:-9}
R=${CHAOS_PG_RESTARTS:-2}
SEED=${CHAOS_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
DRAIN=${CHAOS_DRAIN:-$((60 + N / 10))}
WORKERS=4
T_BEGIN=$(now_ms)
info "chaos_pg: jobs=$N kills=$K server_restarts=$R seed=$SEED daemons=3" \
    "workers=$WORKERS drain<=${DRAIN}s"

PG_FAST=1
pg_start_or_skip chaos_pg
use_db "$(pg_newdb chaos)"

CG_MODE=${CHAOS_CGROUPS:-both}
conf() {	# [start number]: the cgroups mode alternates
	_cg=$CG_MODE
	if [ "$_cg" = both ]; then
		_cg=auto
		[ $((${1:-0} % 2)) = 1 ] && _cg=off
	fi
	write_conf workers=$WORKERS visibility_timeout=15s \
	    poll_interval=200ms backoff=100ms backoff_max=200ms \
	    kill_grace=200ms shutdown_grace=1s cgroups=$_cg
	printf '\n[notify]\non_dead = %s\nmax_attempts = 10\n' "$T/nhook" \
	    >>"$CONF"
}
chaos_truth "$T/truth"
chaos_setup
: >"$T/.submit_errors"

cat >"$T/otherhost" <<'EOF'
#!/bin/sh
exec unshare --uts sh -c 'hostname chaos-other && exec "$0" "$@"' "$@"
EOF
chmod 755 "$T/otherhost"
OTHER=1
unshare --uts true 2>/dev/null || OTHER=0
[ "$OTHER" = 1 ] ||
    info "chaos_pg: unshare --uts fails here: all three daemons on one host"

STARTS=0
# start_d D: start (or restart) daemon D (1, 2 or 3); PID_D, INST_D;
# a line in $T/instances: its instance, number and containment.
start_d() {
	STARTS=$((STARTS + 1))
	conf "$STARTS"
	[ "$1" = 3 ] && [ "$OTHER" = 1 ] && jobd_via "$T/otherhost"
	start_jobd "d$1.$STARTS"
	_sd=$?
	JOBD=$JOBD_REAL
	[ "$_sd" = 0 ] || return 1
	_si=$(instance_of "$JOBD_PID")
	eval "PID_$1=\$JOBD_PID INST_$1=\$_si"
	echo "$_si daemon $1, start $STARTS, $(grep -m1 -o \
	    'containment: [^(]*' "$T/d$1.$STARTS.log")" >>"$T/instances"
}

# The "chaos-back" schedule number $1, enabled with its next_run_at 9
# minutes back on the server's clock (whose time jobd keeps).
back_on() {
	_bf=$(dsql "UPDATE schedules SET enabled = 1, next_run_at =
	    CAST(floor(extract(epoch FROM clock_timestamp()) / 60) AS bigint)
	    * 60000 - 540000 WHERE name = 'chaos-back$1'
	    RETURNING next_run_at" "NOTIFY jobd_wake")
	if [ -n "$_bf" ]; then
		echo "chaos-back$1 $_bf" >>"$T/slots"
	else
		problem "chaos-back$1: not enabled"
	fi
}

begin "chaos_pg: submit $N jobs; 3 daemons start"
: >"$T/slots"
"$JOBCTL" schedule add chaos-every --cron '* * * * *' --overlap allow \
    --catchup all -- "$PRE; $POST" >/dev/null 2>"$T/.sched.err" ||
    problem "schedule add: $(head -c 200 "$T/.sched.err")"
echo "chaos-every $(dsql "SELECT next_run_at FROM schedules
    WHERE name = 'chaos-every'")" >>"$T/slots"
for b in $(seq 0 "$R"); do
	"$JOBCTL" schedule add "chaos-back$b" --cron '* * * * *' --disabled \
	    --overlap allow --catchup all -- "$PRE; $POST" >/dev/null \
	    2>"$T/.sched.err" ||
	    problem "schedule add: $(head -c 200 "$T/.sched.err")"
done
submit_half 1
for d in 1 2 3; do
	start_d "$d" || break
done
end

# The plan, from the seed: each kill's victim (every three kills, the
# three daemons in a random order) and the time before it; after which
# kills the server restarts.
python3 - "$SEED" "$K" "$R" >"$T/plan" <<'EOF'
import random, sys
r = random.Random(sys.argv[1] + "pg")
k, nr = int(sys.argv[2]), int(sys.argv[3])
order = []
while len(order) < k:
    o = [1, 2, 3]
    r.shuffle(o)
    order += o
at = set(max(1, (i + 1) * k // (nr + 1)) for i in range(nr)) if k else set()
for i in range(k):
    print(i + 1, order[i], "%.3f" % r.uniform(0.1, 1.5),
          1 if i + 1 in at else 0)
EOF
K_DONE=0
R_DONE=0
INFLIGHT=0
DOWN_MS=
KILLED_1=0 KILLED_2=0 KILLED_3=0

pg_crash() {	# restart number
	back_on "$1"
	sleep "$(python3 -c 'import random, sys
print("%.3f" % random.Random(sys.argv[1]).uniform(0, 0.5))' "$SEED.r$1")"
	_t=$(now_ms)
	if ! pg_restart; then
		problem "server restart $1: $PG_WHY"
		return 1
	fi
	_t=$(($(now_ms) - _t))
	DOWN_MS="$DOWN_MS${DOWN_MS:+ }$_t"
	R_DONE=$((R_DONE + 1))
	[ "$_t" -lt 15000 ] || info "chaos_pg: the server was down $_t ms," \
	    "longer than the visibility timeout: leases of live daemons ran out"
}

begin "chaos_pg: $K SIGKILLs over 3 daemons and $R server restarts"
[ "$K" -gt 0 ] || back_on 0
while read -r k d delay restart; do
	[ "$k" = 1 ] && back_on 0
	sleep "$delay"
	eval "P=\$PID_$d I=\$INST_$d"
	if ! alive "$P"; then
		died
		problem "daemon $d (jobd $P) died before kill $k$DIED"
		break
	fi
	kill -KILL "$P"
	reap_jobd "$P" 5
	[ "$STOP_RC" = 137 ] ||
	    problem "jobd $P killed: exit status $STOP_RC, not 137"
	INFLIGHT=$((INFLIGHT + $(inflight "$I")))
	K_DONE=$k
	eval "KILLED_$d=\$((KILLED_$d + 1))"
	start_d "$d" || break
	[ "$k" = $(((K + 1) / 2)) ] && chaos_midrun chaos-every
	if [ "$restart" = 1 ]; then
		pg_crash $((R_DONE + 1)) || break
	fi
	died
	[ -z "$DIED" ] || { problem "${DIED#; }"; break; }
done <"$T/plan"
# Fewer kills than restarts: the rest after the last kill.
while [ "$R_DONE" -lt "$R" ] && [ -z "$WHY" ]; do
	pg_crash $((R_DONE + 1)) || break
done
[ -s "$T/.submit_errors" ] &&
    problem "submit: $(head -c 300 "$T/.submit_errors")"
end
info "chaos_pg: $K_DONE kills (daemon 1: $KILLED_1, 2: $KILLED_2, 3:" \
    "$KILLED_3), $R_DONE server restarts (down ${DOWN_MS:-0} ms), in" \
    "$(( ($(now_ms) - T_BEGIN) / 1000 )) s"

begin "chaos_pg: after the last kill, every job drains"
for s in $(dsql "SELECT name FROM schedules"); do
	"$JOBCTL" schedule disable "$s" >/dev/null 2>&1 ||
	    problem "schedule disable $s failed"
done
t0=$(now_ms)
_end=$(($(date +%s) + DRAIN))
while :; do
	_live=$(dsql "SELECT count(*) FROM jobs
	    WHERE state IN ('pending', 'running')")
	[ "$_live" = 0 ] && break
	died
	if [ -n "$DIED" ]; then
		problem "during the drain: ${DIED#; }"
		break
	fi
	if ! alive "${PID_1:-0}" && ! alive "${PID_2:-0}" &&
	    ! alive "${PID_3:-0}"; then
		problem "no daemon left to drain $_live live jobs"
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
info "chaos_pg: drained $(( ($(now_ms) - t0) / 1000 )) s after the last" \
    "kill; total $(( ($(now_ms) - T_BEGIN) / 1000 )) s"
for d in 1 2 3; do
	eval "P=\$PID_$d"
	stop_jobd "$P" 10 || problem "daemon $d did not stop within 10 s"
	[ "$STOP_RC" = 0 ] ||
	    problem "daemon $d stopped with exit status $STOP_RC"
done
end

info "chaos_pg: attempts per daemon instance: $(dsql "SELECT count(*)
    FROM attempts GROUP BY owner ORDER BY 1 DESC" | tr '\n' ' ')"
info "chaos_pg: attempts in flight at the $K_DONE kills: $INFLIGHT"
# Claims run side by side: how often the server undid one in a deadlock
# (the daemon runs it again), from the server's own log.
info "chaos_pg: claims undone by a deadlock: $(grep -c 'deadlock detected' \
    "${PG_LOG:-/dev/null}" 2>/dev/null)"
analyze "$DB" "$IDS" "$N" "$INFLIGHT" chaos_pg "$T/slots"
concurrent_copies chaos_pg "cgroups $CG_MODE, 3 daemons"

# Forget the jobd pids already reaped: pid reuse (see chaoslib.sh).
grep -vxF -f "$T/.jobd_reaped" "$T/.jobd_pids" >"$T/.jobd_pids.new"
mv "$T/.jobd_pids.new" "$T/.jobd_pids"
no_strays "chaos_pg: nothing left running"
no_sanitizer "chaos_pg: no sanitizer report"
info "chaos_pg: total $(( ($(now_ms) - T_BEGIN) / 1000 )) s"
