# backends: sqlite postgresql
# Why a pending job waits: "jobctl show" (its "waiting:" line), "show
# --json" (its "why" object) and "list --state pending" (the WHY column)
# give the rule of the claim that holds each job back, exactly, with a
# real jobd on a test clock: no daemon, due later, backing off, paused,
# concurrency, rate, the queue's and the global per-user limits,
# dependencies, overlap = queue, and due next.
. "$(dirname "$0")/daemon_lib.sh"

T0=$(($(now_ms) / 1000 * 1000))
use_test_clock "$T0"
HOUR=3600000

# WHY: show ID --json's why as "reason|until|jobs|attempt|limit|text".
why() {	# id
	"$JOBCTL" show "$1" --json 2>"$T/.why.err" | python3 -c 'import json, sys
w = json.loads(sys.stdin.readline())["why"]
if w is None:
    print("null"); sys.exit()
print("|".join(str(x) for x in (w["reason"], w["until"],
    ",".join(str(i) for i in w["jobs"]), w["attempt"], w["limit"],
    w["text"])))'
}

utc() {	# ms: as --json writes times
	python3 -c 'import datetime, sys
t = datetime.datetime.fromtimestamp(int(sys.argv[1]) / 1000,
    datetime.timezone.utc)
print(t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (t.microsecond // 1000))' \
	    "$1"
}

expect_why() {	# id want
	_ew=$(why "$1")
	[ "$_ew" = "$2" ] || problem "job $1: why is \"$_ew\", not \"$2\""
}

# The "waiting:" line of show, without its name.
waiting_line() {	# id
	"$JOBCTL" show "$1" | sed -n 's/^waiting: *//p'
}

begin "why: no daemon registered"
submit true && J=$ID
expect_why "$J" "no_daemon|None||None|None|no daemon registered"
w=$(waiting_line "$J")
[ "$w" = "no daemon registered" ] || problem "waiting line \"$w\""
end

write_conf workers=8 max_running_per_user=3
start_jobd why1 && P=$JOBD_PID
wait_state "$J" done 10

begin "why: due later, until its time"
submit --in 1h true && LATER=$ID
w=$(why "$LATER")
case $w in
"due_later|$(utc $((T0 + HOUR)))||None|None|due later, at "*" (in 1h)") ;;
*) problem "why is \"$w\"" ;;
esac
w=$(waiting_line "$LATER")
case $w in
"due later, at "*" (in 1h)") ;;
*) problem "waiting line \"$w\"" ;;
esac
end

begin "why: backing off after attempt 1, until the retry"
submit --max-attempts 3 --backoff 1h,1h false && B=$ID
if wait_until 10 '[ "$(field "$B" "d[\"attempts\"]")" = 1 ] &&
    [ "$(jstate "$B")" = pending ]'; then
	ra=$(field "$B" 'd["run_at"]')
	w=$(why "$B")
	case $w in
	"backoff|$ra||1|None|backing off after attempt 1, until "*) ;;
	*) problem "why is \"$w\" (run_at $ra)" ;;
	esac
else
	problem "job $B is $(jstate "$B") after $(field "$B" \
	    'd["attempts"]') attempts"
fi
end

begin "why: queue paused"
"$JOBCTL" queue pause pq >/dev/null
submit --queue pq true && PZ=$ID
expect_why "$PZ" "paused|None||None|None|queue pq is paused"
end

begin "why: queue at its concurrency limit, naming what runs"
"$JOBCTL" queue set cq --concurrency 1 >/dev/null
submit --queue cq "sleep 60" && C1=$ID
wait_state "$C1" running 10
submit --queue cq true && C2=$ID
expect_why "$C2" "concurrency|None|$C1|None|1|queue cq at its concurrency \
limit (1 running: job $C1)"
end

begin "why: rate limited, until the next token"
"$JOBCTL" queue set rq --rate 1/1h >/dev/null
submit --queue rq true && R1=$ID
wait_state "$R1" done 10
submit --queue rq true && R2=$ID
w=$(why "$R2")
case $w in
"rate|$(utc $((T0 + HOUR)))||None|1|queue rq rate limited, next token at "*) ;;
*) problem "why is \"$w\"" ;;
esac
end

begin "why: the user at the queue's max_running_per_user"
"$JOBCTL" queue set uq --max-running-per-user 1 >/dev/null
submit --queue uq "sleep 60" && U1=$ID
wait_state "$U1" running 10
submit --queue uq true && U2=$ID
expect_why "$U2" "user_limit|None||None|1|user (jobd's) at the limit of \
queue uq (max_running_per_user = 1)"
end

begin "why: the user at the global max_running_per_user"
# Running: C1, U1 and this one: 3 of jobd's user, the global limit.
submit --queue g "sleep 60" && G1=$ID
wait_state "$G1" running 10
submit --queue g2 true && G2=$ID
expect_why "$G2" "user_limit_global|None||None|3|user (jobd's) at the \
global limit (max_running_per_user = 3)"
end

begin "why: dependencies not yet met, and overlap = queue"
submit --in 2h true && D1=$ID
submit --in 2h true && D2=$ID
submit --in 2h --after "$D1,$D2,$J" true && DW=$ID	# $J is done: met
submit --in 2h true && AW=$ID
# Due but for its dependencies; and as cron's overlap = queue records it.
dsql "UPDATE jobs SET run_at = $T0 WHERE id = $DW;
    UPDATE jobs SET after_id = $C1, run_at = $T0 WHERE id = $AW"
expect_why "$DW" "dependencies|None|$D1,$D2|None|None|for jobs $D1 and $D2 \
to finish (dependencies)"
expect_why "$AW" "previous_run|None|$C1|None|None|for job $C1 to end \
(overlap = queue)"
end

begin "why: due, next to start (the daemon stopped)"
"$JOBCTL" cancel "$G1" >/dev/null 2>&1
wait_state "$G1" cancelled 10
wait_state "$G2" done 10	# it starts when G1 ends
kill -STOP "$P"
submit --queue n true && N=$ID
expect_why "$N" "next|None||None|None|due: next to start"
kill -CONT "$P"
wait_state "$N" done 10
end

begin "why: list --state pending has a WHY column"
"$JOBCTL" list --state pending >"$T/list" 2>&1 || problem "list failed"
for pair in "$LATER:later" "$PZ:paused" "$C2:full" "$R2:rate" "$U2:user" \
    "$DW:2 jobs" "$AW:job $C1"; do
	id=${pair%%:*}
	want=${pair#*:}
	got=$(awk -v id="$id" 'NR == 1 { s = index($0, "WHY");
	    e = index($0, "COMMAND") } $1 == id { v = substr($0, s, e - s);
	    sub(/ +$/, "", v); print v }' "$T/list")
	[ "$got" = "$want" ] || problem "job $id: WHY \"$got\", not \"$want\""
done
head -n 1 "$T/list" | grep -q ' WHY ' || problem "no WHY column: \
$(head -n 1 "$T/list")"
"$JOBCTL" show "$C1" --json | json 'd["why"]' | grep -qx null ||
    problem "a running job has a why"
end

stop_jobd "$P"
