# backends: sqlite postgresql
# The counts of jobs by queue and state that jobctl metrics reports (the
# triggers' metric_jobs) and the queues' ready flags stay equal to a
# recount of the jobs through large transactions: a --batch of thousands
# of jobs, a max_pending that must see the batch's own jobs before it
# commits, jobs that run, die, are cancelled by the thousand in one
# command, retried from the dead letters and pruned.  On PostgreSQL the
# counts go through the per-transaction deltas of
# schema/postgresql/002_metric_fold.sql: none is left after a commit.
. "$(dirname "$0")/daemon_lib.sh"

use_db "$T/counts.db"
write_conf
N=3000

# Nothing differs between jobctl metrics and a recount; on PostgreSQL,
# every delta was folded into the committed counts.
counts_agree() {	# what
	_cd=$(counts_diff)
	[ -z "$_cd" ] || problem "$1: counts differ: $_cd"
	if is_pg; then
		[ "$(sql 'SELECT count(*) FROM metric_jobs_delta')" = 0 ] ||
		    problem "$1: deltas left after the commit"
	fi
}

begin "counts: a --batch of $N jobs, one transaction, counted once each"
yes true | head -n "$N" >"$T/batch"
run submit --batch --queue big --in 1d <"$T/batch"
expect_rc 0
[ "$(grep -cE '^[0-9]+$' "$T/.out")" = "$N" ] ||
    problem "$(grep -cE '^[0-9]+$' "$T/.out") ids printed, not $N"
FIRST=$(head -n 1 "$T/.out")
[ "$(sql "SELECT count(*) FROM jobs WHERE queue = 'big'")" = "$N" ] ||
    problem "jobs: $(sql "SELECT count(*) FROM jobs WHERE queue = 'big'")"
"$JOBCTL" metrics | grep -qx 'jobd_jobs{queue="big",state="pending"} '"$N" ||
    problem "metrics: $("$JOBCTL" metrics | grep '^jobd_jobs{queue="big"')"
counts_agree "after the batch"
end

begin "counts: max_pending counts the batch's own jobs before it commits"
"$JOBCTL" queue set tight --max-pending 500 >/dev/null 2>&1 ||
    problem "queue set"
yes true | head -n 501 >"$T/over"
run submit --batch --queue tight <"$T/over"
expect_rc 75
expect_err_contains '"tight" is full: 0 pending, max_pending 500 (this submission adds 501)'
[ "$(sql "SELECT count(*) FROM jobs WHERE queue = 'tight'")" = 0 ] ||
    problem "a refused batch left jobs"
head -n 500 "$T/over" >"$T/fits"
run submit --batch --queue tight <"$T/fits"
expect_rc 0
counts_agree "after max_pending"
end

begin "counts: run, dead, cancel of 1000 at once, dead retry, prune"
start_jobd counts
OK=
for i in 1 2 3 4; do
	submit --queue run -- true && OK="$OK $ID"
done
DEAD=
for i in 1 2 3; do
	submit --queue run --max-attempts 1 -- false && DEAD="$DEAD $ID"
done
for id in $OK; do wait_state "$id" done 30; done
for id in $DEAD; do wait_state "$id" dead 30; done
stop_jobd "$JOBD_PID" 10 || problem "jobd did not stop"
counts_agree "after the runs"
# shellcheck disable=SC2046
run cancel $(seq "$FIRST" $((FIRST + 999)))
expect_rc 0
[ "$(sql "SELECT count(*) FROM jobs WHERE queue = 'big'
    AND state = 'cancelled'")" = 1000 ] || problem "not 1000 cancelled"
counts_agree "after the cancel"
set -- $DEAD
run dead retry "$1"
expect_rc 0
counts_agree "after dead retry"
run prune --older-than 0s
expect_rc 0
[ "$(sql "SELECT count(*) FROM jobs WHERE state IN ('done',
    'cancelled')") $(sql 'SELECT count(*) FROM dead_jobs')" = "0 0" ] ||
    problem "prune left jobs: $OUT"
counts_agree "after prune"
"$JOBCTL" metrics | grep -qx 'jobd_jobs{queue="big",state="pending"} '$((N - 1000)) ||
    problem "metrics: $("$JOBCTL" metrics | grep '^jobd_jobs{queue="big"')"
set --
end

no_sanitizer "counts: no sanitizer report"
exit 0
