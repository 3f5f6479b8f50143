# backends: sqlite postgresql
# Queue limits under load, with real daemons: concurrency across two
# daemons on one database, a rate's token bucket, pause, weighted fair
# sharing against 10,000 due jobs, per-user limits.  Each limit is sampled
# while the jobs run and checked again afterwards from the attempts rows.
. "$(dirname "$0")/daemon_lib.sh"

# Most running at once among the jobs of queue $1, from the attempts
# (an attempt runs within its job's claim and the record of its end).
max_overlap() {	# queue
	dsql "SELECT coalesce(max((SELECT count(*) FROM attempts b
	    JOIN jobs jb ON jb.id = b.job_id WHERE jb.queue = '$1'
	    AND b.started_at <= a.started_at
	    AND (b.finished_at IS NULL OR b.finished_at > a.started_at))), 0)
	    FROM attempts a JOIN jobs j ON j.id = a.job_id
	    WHERE j.queue = '$1'"
}

# Sample running_in QUEUE every 50 ms while COND holds (at most SECS):
# PEAK = the most seen; 1 when COND still held at the deadline.
sample_peak() {	# queue secs 'cond'
	PEAK=0
	_sp_end=$(($(now_ms) + $2 * 1000))
	while eval "$3"; do
		_sp=$(running_in "$1")
		[ "$_sp" -gt "$PEAK" ] && PEAK=$_sp
		[ "$(now_ms)" -ge "$_sp_end" ] && return 1
		sleep 0.05
	done
	return 0
}

pending_in() {	# queue
	dsql "SELECT count(*) FROM jobs WHERE state IN ('pending', 'running')
	    AND queue = '$1'"
}

write_conf workers=4
start_jobd jobdA && PA=$JOBD_PID
start_jobd jobdB && PB=$JOBD_PID

begin "limits: concurrency = 2 holds across two daemons on one database"
"$JOBCTL" queue set c2 --concurrency 2 >/dev/null
seq 16 | sed 's/.*/sleep 0.3/' | "$JOBCTL" submit --batch --queue c2 \
    >"$T/c2.ids" 2>"$T/c2.err" || problem "batch: $(cat "$T/c2.err")"
if sample_peak c2 40 '[ "$(pending_in c2)" != 0 ]'; then
	[ "$PEAK" = 2 ] || problem "sampled $PEAK running at once, not 2"
	o=$(max_overlap c2)
	[ "$o" = 2 ] || problem "attempts show $o running at once, not 2"
	info "concurrency: runs by daemon: $(dsql "SELECT count(*) FROM
	    attempts GROUP BY owner" | tr '\n' ' ')"
else
	died
	problem "not all done in 40 s (peak $PEAK)$DIED"
fi
end

begin "limits: a full queue with due jobs does not keep the daemons busy"
"$JOBCTL" queue set c1 --concurrency 1 >/dev/null
submit --queue c1 "sleep 3" && LONG=$ID
for i in 1 2 3; do submit --queue c1 true; done
if [ -n "$LONG" ] && wait_state "$LONG" running 10; then
	a0=$(cpu_ticks "$PA")
	b0=$(cpu_ticks "$PB")
	sample_peak c1 1 'true'		# one second of samples
	spent=$(($(cpu_ticks "$PA") - a0 + $(cpu_ticks "$PB") - b0))
	info "full queue: $spent CPU ticks in 1 s (both daemons)"
	[ "$spent" -lt 30 ] || problem "$spent CPU ticks in 1 s: spinning"
	[ "$PEAK" = 1 ] || problem "$PEAK running in c1"
	# The end of the long job starts the others, one at a time.
	wait_until 15 '[ "$(pending_in c1)" = 0 ]' ||
	    problem "c1 still has $(pending_in c1) jobs after 15 s"
	o=$(max_overlap c1)
	[ "$o" = 1 ] || problem "attempts show $o running at once in c1"
fi
end

begin "limits: rate = 5/1s starts at most 5 + 5 (the burst) in any second"
"$JOBCTL" queue set r5 --rate 5/1s >/dev/null
seq 20 | sed 's/.*/true/' | "$JOBCTL" submit --batch --queue r5 \
    >"$T/r5.ids" 2>"$T/r5.err" || problem "batch: $(cat "$T/r5.err")"
if wait_until 30 '[ "$(pending_in r5)" = 0 ]'; then
	dsql "SELECT a.started_at FROM attempts a JOIN jobs j
	    ON j.id = a.job_id WHERE j.queue = 'r5' ORDER BY 1" >"$T/r5.t"
	# Any window: at most the burst (5) plus 5 a second, with 100 ms
	# for the spawn after the claim.
	why=$(python3 -c 'import sys
t = [int(x) for x in open(sys.argv[1])]
if len(t) != 20:
    print("%d starts, not 20" % len(t)); sys.exit()
for i in range(len(t)):
    n1 = sum(1 for u in t if t[i] <= u < t[i] + 1000)
    if n1 > 10:
        print("%d starts in the second from %d" % (n1, t[i])); sys.exit()
    for j in range(i + 1, len(t)):
        if j - i + 1 > 5 + 5 * (t[j] - t[i] + 100) / 1000:
            print("%d starts in %d ms" % (j - i + 1, t[j] - t[i]))
            sys.exit()' "$T/r5.t")
	[ -z "$why" ] || problem "$why"
	info "rate: 20 starts in $(($(tail -n 1 "$T/r5.t") - \
	    $(head -n 1 "$T/r5.t"))) ms"
else
	died
	problem "not all done in 30 s$DIED"
fi
end

begin "limits: a paused queue starts nothing until resumed"
"$JOBCTL" queue pause pz >/dev/null
: >"$T/pz.ids"
for i in 1 2 3; do submit --queue pz true && echo "$ID" >>"$T/pz.ids"; done
submit --queue other true && OTHER=$ID
# Once a job submitted after them ran, the daemons have seen them.
if wait_state "$OTHER" done 10; then
	sample_peak pz 1 'true'
	n=$(dsql "SELECT count(*) FROM attempts a JOIN jobs j
	    ON j.id = a.job_id WHERE j.queue = 'pz'")
	[ "$n" = 0 ] || problem "$n attempts in the paused queue"
	"$JOBCTL" queue resume pz >/dev/null
	for id in $(cat "$T/pz.ids"); do wait_state "$id" done 10; done
fi
end

begin "limits: weight 1 gets its share while weight 3 has 10,000 due jobs"
stop_jobd "$PA"
stop_jobd "$PB"
"$JOBCTL" queue set heavy --weight 3 >/dev/null
# Higher priority too: priorities order jobs within a queue only.
seq 10000 | sed 's/.*/true/' | "$JOBCTL" submit --batch --queue heavy \
    --priority -10 >"$T/heavy.ids" 2>"$T/heavy.err" ||
    problem "batch: $(cat "$T/heavy.err")"
seq 20 | sed 's/.*/true/' | "$JOBCTL" submit --batch --queue light \
    >"$T/light.ids" 2>"$T/light.err" || problem "batch: $(cat "$T/light.err")"
start_jobd jobdC && PC=$JOBD_PID
if wait_until 60 '[ "$(pending_in light)" = 0 ]'; then
	left=$(pending_in heavy)
	info "fairness: light done with $left heavy jobs left"
	[ "$left" -gt 5000 ] || problem "only $left heavy jobs left"
	# Its share while both had work: the attempts started up to the
	# last light one.
	share=$(dsql "SELECT 100 * sum(CASE j.queue WHEN 'light' THEN 1
	    ELSE 0 END) / count(*)
	    FROM attempts a JOIN jobs j ON j.id = a.job_id
	    WHERE a.id <= (SELECT max(a2.id) FROM attempts a2 JOIN jobs j2
	    ON j2.id = a2.job_id WHERE j2.queue = 'light')
	    AND j.queue IN ('light', 'heavy')")
	info "fairness: light got $share% of the starts (weights 1:3)"
	[ "$share" -ge 15 ] && [ "$share" -le 40 ] ||
	    problem "light got $share% of the starts, not about 25%"
else
	died
	problem "light still has $(pending_in light) jobs after 60 s, heavy \
$(pending_in heavy)$DIED"
fi
stop_jobd "$PC" 30
end

begin "limits: the pending jobs of a database from before the claim's \
queue index start"
# Version 17 knew queues only by their jobs: "legacy" has no row in
# queues, "kept" has one with settings.
if ! sqlite_only "$CASE" "a SQLite database of schema version 17 (the \
PostgreSQL schema starts where SQLite's version 19 is)"; then
	DB0=$DB
	use_db "$T/v17.db"
	old_db 17
	sql "INSERT INTO queues (name, updated_at, weight) VALUES ('kept', 0, 2);
	    INSERT INTO jobs (queue, command, run_at, created_at, updated_at)
	    SELECT CASE WHEN value <= 3 THEN 'legacy' ELSE 'kept' END, 'true',
	    value, value, value FROM generate_series(1, 5);"
	write_conf workers=2 poll_interval=100ms
	if start_jobd jobdOld; then
		PO=$JOBD_PID
		wait_until 20 '[ "$(dsql "SELECT count(*) FROM jobs
		    WHERE state = '"'done'"'")" = 5 ]' ||
		    problem "$(dsql "SELECT group_concat(queue || ':' ||
		    state) FROM jobs WHERE state <> 'done'") not done after 20 s"
		[ "$(dsql "SELECT group_concat(name || '=' || ready || '/' ||
		    weight) FROM (SELECT * FROM queues ORDER BY name)")" = \
		    "kept=0/2,legacy=0/1" ] ||
		    problem "queues: $(dsql "SELECT group_concat(name || '=' || ready)
		    FROM queues")"
		stop_jobd "$PO"
	fi
	use_db "$DB0"
	end
fi

if [ "$(id -u)" -ne 0 ]; then
	skip "limits: one user's 100 long jobs leave workers for another's" \
	    "needs root (to make test users)"
elif ! command -v useradd >/dev/null; then
	skip "limits: one user's 100 long jobs leave workers for another's" \
	    "no useradd"
else
	begin "limits: one user's 100 long jobs leave workers for another's"
	U1=jdl1$(od -An -N3 -tx1 /dev/urandom | tr -d ' ')
	U2=jdl2$(od -An -N3 -tx1 /dev/urandom | tr -d ' ')
	write_conf workers=8 max_running_per_user=3
	if add_user "$U1" && add_user "$U2" && start_jobd jobdU; then
		PU=$JOBD_PID
		seq 100 | sed 's/.*/sleep 30/' | "$JOBCTL" submit --batch \
		    --queue u --user "$U1" --cwd / >/dev/null 2>"$T/u.err" ||
		    problem "batch: $(cat "$T/u.err")"
		"$JOBCTL" queue set uq --max-running-per-user 1 >/dev/null
		submit --queue uq --user "$U2" --cwd / "sleep 30" && Q1=$ID
		submit --queue uq --user "$U2" --cwd / "sleep 30" && Q2=$ID
		submit --queue u --user "$U2" --cwd / true && J2=$ID
		run1="SELECT count(*) FROM jobs WHERE state = 'running' AND
		    run_as = '$U1'"
		peak=0
		if wait_until 20 'n=$(dsql "$run1"); [ "$n" -gt "$peak" ] &&
		    peak=$n; [ "$(jstate "$J2")" = done ]'; then
			wait_state "$Q1" running 5
			[ "$(jstate "$Q2")" = pending ] ||
			    problem "job $Q2 is $(jstate "$Q2"): the queue's \
limit is 1"
			[ "$(dsql "$run1")" = 3 ] ||
			    problem "$(dsql "$run1") of $U1's jobs run, not 3"
		else
			died
			problem "$U2's job is $(jstate "$J2") after 20 s$DIED"
		fi
		[ "$peak" -le 3 ] || problem "$peak of $U1's jobs ran at once"
		stop_jobd "$PU"
	fi
	end
fi
