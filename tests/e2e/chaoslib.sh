# What the crash-chaos tests share (chaos.sh on SQLite, chaos_pg.sh on
# PostgreSQL): the ground truth their jobs write, the mixed load, the
# leases a killed daemon held, and the analysis (chaos_check.py).
# Sourced after daemon_lib.sh (POSIX sh, dash); reads N (the jobs to
# submit) and SEED.  tests/run.sh also runs this file alone: it defines
# functions, prints nothing and exits 0.
#
#   chaos_truth FILE      the ground truth is FILE (TR): jobs append
#                         "ID ATTEMPT start" (PRE, a shell command) and,
#                         just before exiting 0, "ID ATTEMPT end" (POST);
#                         the hook's runs go to FILE.notified; the ids
#                         the batches print to IDS ($T/ids, or the
#                         second argument)
#   chaos_setup           $T/nhook, a notification hook (on_dead,
#                         --on-failure) that records its runs in the
#                         ground truth current when it runs; the long
#                         jobs' lock directory and $T/concurrent, where
#                         a copy that finds its job's lock held writes
#   gen KIND COUNT        COUNT job lines (submit --batch) of KIND: quick,
#                         slow, fail, fail1, flaky, timeout, deps, long
#   batch KIND COUNT [submit options]
#                         submit them; ids to IDS, errors to
#                         $T/.submit_errors
#   submit_half H         half H (1 or 2) of the N - 3 batch jobs, mixed
#   instance_of PID       the instance name of live daemon PID (its
#                         leases' owner)
#   inflight INSTANCE     the attempts the dead daemon INSTANCE had in
#                         flight: its leases, and those another daemon
#                         already reclaimed (one snapshot)
#   analyze DB IDS N BOUND LABEL [SLOTS]
#                         chaos_check.py: PASS/FAIL/INFO lines
#   concurrent_copies LABEL WHAT
#                         a case: no long job found its lock held (else
#                         the attempts of the first few, with what
#                         $T/instances says of their daemons)

chaos_truth() {	# file [ids]
	TR=$1
	IDS=${2:-$T/ids}
	: >"$TR"
	: >"$TR.notified"
	: >"$IDS"
	echo "$TR" >"$T/.truth"
	# Job commands: one shell line each.  They do not record their pids
	# in $JOBPIDS: the long form runs far more processes than pid_max,
	# and daemon_lib's exit trap SIGKILLs every recorded pid that is
	# alive, which by then may be a recycled pid of someone else.  Their
	# command lines name $T, which is what no_strays and the trap look
	# for.
	PRE='echo "$JOBD_JOB_ID $JOBD_ATTEMPT start" >>'$TR
	POST='echo "$JOBD_JOB_ID $JOBD_ATTEMPT end" >>'$TR
}

# The hook: its run in the current ground truth ($T/.truth names it), and
# what it reports in TRUTH.notified.
chaos_setup() {
	cat >"$T/nhook" <<'EOF'
#!/bin/sh
tr=$(cat "${0%/*}/.truth")
echo "$JOBD_NOTIFY_ID $JOBD_NOTIFY_ATTEMPT start" >>"$tr"
echo "$JOBD_NOTIFY_ID $JOBD_EVENT $JOBD_JOB_ID $JOBD_ATTEMPT" \
    >>"$tr.notified"
echo "$JOBD_NOTIFY_ID $JOBD_NOTIFY_ATTEMPT end" >>"$tr"
EOF
	chmod 755 "$T/nhook"
	mkdir -p "$T/locks"
	: >"$T/concurrent"
}

gen() {
	python3 - "$1" "$2" "$SEED" "$PRE" "$POST" "$T" <<'EOF'
import random, sys
kind, n, seed, pre, post, tdir = sys.argv[1], int(sys.argv[2]), \
    sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
locks = tdir + "/locks"
r = random.Random(seed + kind + str(n))
for i in range(n):
    if kind == "quick":
        print("%s; %s" % (pre, post))
    elif kind == "slow":
        print("%s; sleep %.2f; %s" % (pre, r.uniform(0.2, 1.0), post))
    elif kind in ("fail", "fail1"):
        print("%s; exit 3" % pre)
    elif kind == "flaky":
        print("%s; [ \"$JOBD_ATTEMPT\" -ge 2 ] || exit 3; %s" % (pre, post))
    elif kind == "timeout":
        print("%s; sleep 5; %s" % (pre, post))
    elif kind == "deps":
        # Pipelines of 7 (see the comment at the top): the lines of
        # group g are 7g+1 .. 7g+7 of the batch.
        for g in range(n // 7):
            b = 7 * g
            print("%s; sleep %.2f; %s" % (pre, r.uniform(0.05, 0.5), post))
            print("--after @%d %s; %s" % (b + 1, pre, post))
            print("--after @%d,@%d %s; sleep %.2f; %s" % (
                b + 1, b + 2, pre, r.uniform(0.05, 0.3), post))
            print("%s; sleep %.2f; exit 3" % (pre, r.uniform(0.05, 0.3)))
            print("--after @%d %s; %s" % (b + 4, pre, post))
            print("--after @%d %s; %s" % (b + 5, pre, post))
            print("--after-any @%d,@%d %s; %s" % (b + 3, b + 4, pre, post))
        break
    elif kind == "long":
        # Longer than the retry delay; the lock is held by the shell and
        # its sleep, as by every process of a real job.
        print("exec 9>>%s/$JOBD_JOB_ID; if ! flock -n 9; then "
              "echo \"$JOBD_JOB_ID $JOBD_ATTEMPT\" >>%s/concurrent; "
              "exit 1; fi; %s; sleep %.2f; %s" % (
                  locks, tdir, pre, r.uniform(1.0, 3.0), post))
EOF
}

# batch KIND COUNT [submit options]: submit, ids appended to $IDS
batch() {
	_bk=$1 _bn=$2
	shift 2
	[ "$_bn" -gt 0 ] || return 0
	gen "$_bk" "$_bn" >"$T/.batch"
	if "$JOBCTL" submit --batch "$@" <"$T/.batch" >"$T/.batch.out" \
	    2>"$T/.batch.err"; then
		grep -E '^[0-9]+$' "$T/.batch.out" >>"$IDS"
		[ "$(grep -cE '^[0-9]+$' "$T/.batch.out")" = "$_bn" ] ||
		    echo "batch $_bk: $(wc -l <"$T/.batch.out") ids for $_bn" \
		    >>"$T/.submit_errors"
	else
		echo "batch $_bk $*: exit $?: $(head -c 200 "$T/.batch.err")" \
		    >>"$T/.submit_errors"
	fi
}

# submit_half H: half H (1 or 2) of the N - 3 batch jobs.  Mix: about 55% quick,
# 15% slow, 8% failing (5 attempts), 5% failing with --max-attempts 1,
# 7% (at least 7) in pipelines of dependent jobs (2 attempts each),
# 7% flaky (fail once, then succeed), 5% timing out (300 ms, 2 attempts),
# and, first of all (priority -2, so that kills find them running), 3%
# long (1 to 3 s, holding their lock).
submit_half() {
	_m=$(((N - 3) / 2))
	[ "$1" = 2 ] && _m=$((N - 3 - _m))
	_slow=$((_m * 15 / 100)) _fail=$((_m * 8 / 100))
	_fail1=$((_m * 5 / 100)) _flaky=$((_m * 7 / 100))
	_tmo=$((_m * 5 / 100)) _long=$((_m * 3 / 100 + 4))
	_deps=$((_m * 7 / 100 / 7 * 7 + 7))
	_quick=$((_m - _slow - _fail - _fail1 - _flaky - _tmo - _long - _deps))
	batch quick "$_quick" --queue q$1 --priority 1
	batch slow "$_slow" --queue s$1
	batch fail "$_fail"
	batch fail1 "$_fail1" --max-attempts 1 --priority -1
	batch flaky "$_flaky" --max-attempts 3 --backoff 100ms,200ms \
	    --on-failure "$T/nhook"
	batch timeout "$_tmo" --timeout 300ms --max-attempts 2
	batch long "$_long" --max-attempts 10 --queue l$1 --priority -2
	batch deps "$_deps" --max-attempts 2 --backoff 100ms,200ms --queue d$1
}

# chaos_midrun SCHEDULE: mid-run, the second half of the jobs, 3 runs of
# SCHEDULE and 3 cancels of the first half's slow jobs still live.
chaos_midrun() {	# schedule
	submit_half 2
	for _r in 1 2 3; do
		"$JOBCTL" schedule run "$1" >>"$IDS" 2>>"$T/.submit_errors"
	done
	for _c in $(dsql "SELECT id FROM jobs WHERE queue = 's1'
	    AND state IN ('pending', 'running') ORDER BY id DESC LIMIT 3"); do
		"$JOBCTL" cancel "$_c" >/dev/null 2>&1
	done
}

instance_of() {	# pid
	dsql "SELECT instance FROM daemons WHERE pid = $1"
}

# Each lease of a dead daemon is in one of two places, in one snapshot:
# its job still running under it, or already reaped as a lost attempt.
inflight() {	# instance
	dsql "SELECT (SELECT count(*) FROM jobs WHERE state = 'running'
	    AND lease_owner = '$1') + (SELECT count(*) FROM attempts
	    WHERE owner = '$1' AND outcome = 'lost')"
}

analyze() {	# db ids expect_n bound label [slots]
	PSQL=${PG_BIN:+$PG_BIN/}psql python3 \
	    "$JOBD_TOP/tests/e2e/chaos_check.py" "$1" "$TR" "$2" "$3" "$4" \
	    "$5" ${6:+"$6"} 2>&1 || fail "$5: analysis" "python failed"
}

concurrent_copies() {	# label what
	begin "$1: concurrent copies = 0 (long jobs holding a lock, $2)"
	_cc=$(wc -l <"$T/concurrent")
	info "$1: concurrent copies: $_cc"
	[ "$_cc" = 0 ] || problem "concurrent copies: $_cc (job attempt: \
$(head -n 5 "$T/concurrent" | tr '\n' ' '))"
	# What ran each of the first few: its attempts, and their daemons
	# as $T/instances describes them ("INSTANCE what"), if it does.
	head -n 3 "$T/concurrent" | while read -r _cj _ca; do
		dsql "SELECT attempt || ' ' || coalesce(owner, '-') || ' ' ||
		    started_at || '-' || coalesce(finished_at, 0) || ' ' ||
		    coalesce(outcome, '-') FROM attempts WHERE job_id = $_cj
		    ORDER BY attempt" | while read -r _cl; do
			_co=${_cl#* }
			info "$1: job $_cj (copy at attempt $_ca): attempt $_cl" \
			    "$(grep -F "${_co%% *} " "$T/instances" 2>/dev/null |
			    cut -d' ' -f2-)"
		done
	done
	end
}
