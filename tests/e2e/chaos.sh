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
# restarted: every job still ends in exactly one terminal state.
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

N=${CHAOS_JOBS:-300}
K=${CHAOS_KILLS:-10}
SEED=${CHAOS_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
DRAIN=${CHAOS_DRAIN:-$((60 + N / 10))}
WORKERS=4
TR=$T/truth
: >"$TR"
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
# The hook: its run in the current ground truth ($T/.truth names it), and
# what it reports in TRUTH.notified.
cat >"$T/nhook" <<'EOF'
#!/bin/sh
tr=$(cat "${0%/*}/.truth")
echo "$JOBD_NOTIFY_ID $JOBD_NOTIFY_ATTEMPT start" >>"$tr"
echo "$JOBD_NOTIFY_ID $JOBD_EVENT $JOBD_JOB_ID $JOBD_ATTEMPT" \
    >>"$tr.notified"
echo "$JOBD_NOTIFY_ID $JOBD_NOTIFY_ATTEMPT end" >>"$tr"
EOF
chmod 755 "$T/nhook"
echo "$TR" >"$T/.truth"
: >"$TR.notified"
conf
mkdir -p "$T/locks"
: >"$T/concurrent"

# The analysis, in python: the database against the ground truth.
cat >"$T/analyze.py" <<'EOF'
import collections, sqlite3, sys
db_path, truth_path, ids_path, expect_n, bound, label = sys.argv[1:7]
expect_n, bound = int(expect_n), int(bound)
db = sqlite3.connect(db_path, timeout=30)
out = []
def res(name, errs, *infos):
    for i in infos:
        out.append("INFO %s: %s" % (label, i))
    if errs:
        why = "; ".join(errs)
        out.append("FAIL %s: %s: %s" % (label, name, why[:900]))
    else:
        out.append("PASS %s: %s" % (label, name))
def short(xs, n=10):
    xs = sorted(xs)
    return "%s%s" % (xs[:n], " ..." if len(xs) > n else "")

ids = [int(l) for l in open(ids_path) if l.strip()]
idset = set(ids)
jobs = {r[0]: r[1:] for r in db.execute(
    "SELECT id, state, attempts, schedule_id, slot_at FROM jobs")}
dead = {r[0]: r[1:] for r in db.execute(
    "SELECT id, attempts, reason, schedule_id, slot_at FROM dead_jobs")}
atts = collections.defaultdict(dict)	# job -> attempt -> row
dup_att_rows = []
open_atts = []
outcomes = collections.Counter()
for (jid, a, started, fin, outc, err) in db.execute(
        "SELECT job_id, attempt, started_at, finished_at, outcome, error "
        "FROM attempts ORDER BY id"):
    if a in atts[jid]:
        dup_att_rows.append((jid, a))
    atts[jid][a] = (started, fin, outc, err)
    outcomes[outc] += 1
    if fin is None or outc is None:
        open_atts.append((jid, a))

starts = collections.Counter()
ends = collections.Counter()
first_start = {}		# job -> line number of its first start
last_start = {}
last_end = {}
bad_lines = 0
for lno, line in enumerate(open(truth_path, errors="replace")):
    p = line.split()
    if len(p) != 3 or not p[0].isdigit() or not p[1].isdigit() \
            or p[2] not in ("start", "end"):
        bad_lines += 1
        continue
    k = (int(p[0]), int(p[1]))
    (starts if p[2] == "start" else ends)[k] += 1
    if p[2] == "start":
        first_start.setdefault(k[0], lno)
        last_start[k[0]] = lno
    else:
        last_end[k[0]] = lno

started_by = collections.defaultdict(list)
for (j, n) in starts:
    started_by[j].append(n)

# 1. accepted
res("accepted = %d" % expect_n,
    [] if len(ids) == expect_n and len(idset) == expect_n else
    ["%d ids accepted (%d distinct)" % (len(ids), len(idset))],
    "accepted %d" % len(ids))

# 2. terminal, exactly once
both = idset & set(jobs) & set(dead)
allboth = set(jobs) & set(dead)
st = collections.Counter()
nonterm = []
for i in idset:
    if i in dead and i not in jobs:
        st["dead"] += 1
    elif i in jobs and i not in dead and jobs[i][0] in ("done", "cancelled"):
        st[jobs[i][0]] += 1
    elif i not in both:
        nonterm.append(i)
term = st["done"] + st["dead"] + st["cancelled"]
extra = [i for i in set(jobs) | set(dead) if i not in idset]
extra_nonterm = [i for i in extra if i in jobs and
                 jobs[i][0] not in ("done", "cancelled")]
res("terminal = done + dead + cancelled = %d" % expect_n,
    [] if term == expect_n else ["terminal %d" % term],
    "done %d dead %d cancelled %d terminal %d; other jobs in the database "
    "(schedule slots) %d" % (st["done"], st["dead"], st["cancelled"], term,
                             len(extra)))
errs = []
if nonterm:
    errs.append("%d jobs not terminal: %s" % (len(nonterm), short(
        ["%d:%s" % (i, jobs[i][0] if i in jobs else "missing")
         for i in nonterm])))
if extra_nonterm:
    errs.append("%d schedule jobs not terminal: %s" % (
        len(extra_nonterm), short(extra_nonterm)))
res("lost = 0", errs, "lost %d" % (len(nonterm) + len(extra_nonterm)))
res("no job both live and dead (torn dead-letter move)",
    ["in jobs and in dead_jobs: %s" % short(allboth)] if allboth else [])

# 3. double completions
dbl = []
for j in set(jobs) | set(dead):
    a = atts.get(j, {})
    oks = [n for n, r in a.items() if r[2] == "ok"]
    if len(oks) > 1:
        dbl.append("job %d: attempts %s recorded ok" % (j, sorted(oks)))
        continue
    if oks:
        ok = oks[0]
        later = [n for n in a if n > ok]
        if later:
            dbl.append("job %d: attempts %s after ok attempt %d"
                       % (j, later, ok))
        tl = [n for n in started_by.get(j, ()) if n > ok]
        if tl:
            dbl.append("job %d: ran again (attempt %s) after ok attempt %d"
                       % (j, tl, ok))
        if j in dead:
            dbl.append("job %d: dead with an ok attempt %d" % (j, ok))
res("double completions = 0", dbl, "double completions %d" % len(dbl))

# 4. done means ran to its end; every run recorded; no attempt ran twice
errs = []
for j in jobs:
    if jobs[j][0] != "done":
        continue
    oks = [n for n, r in atts.get(j, {}).items() if r[2] == "ok"]
    if not oks:
        errs.append("done job %d has no ok attempt" % j)
    elif ends[(j, oks[0])] == 0:
        errs.append("done job %d: ok attempt %d never wrote its end line"
                    % (j, oks[0]))
unrec = [k for k in starts if k[1] not in atts.get(k[0], {})]
if unrec:
    errs.append("%d runs without an attempt row: %s" % (len(unrec),
                short(unrec)))
twice = [k for k, c in starts.items() if c > 1]
if twice:
    errs.append("%d attempts started twice (fencing): %s" % (len(twice),
                short(twice)))
if dup_att_rows:
    errs.append("duplicate attempt rows: %s" % short(dup_att_rows))
res("every run recorded once; done jobs ran to the end", errs,
    "truth: %d starts, %d ends, %d malformed lines" % (
        sum(starts.values()), sum(ends.values()), bad_lines),
    "attempt outcomes: %s" % ", ".join(
        "%s %d" % (k, v) for k, v in sorted(outcomes.items(),
                                             key=lambda x: str(x[0]))))

# 5. re-executions bounded by the attempts in flight at the kills
lost_atts = [(j, n) for j in atts for n, r in atts[j].items()
             if r[2] == "lost"]
reexec = set(j for (j, n) in lost_atts if starts[(j, n)] > 0)
# bound: the leases the killed daemons held when they died, read from the
# database after each kill (running, finished but not yet recorded, or
# leased ahead and not started).  Each is lost once; only some ran.
res("lost attempts and re-executions <= attempts in flight at the kills "
    "= %d" % bound,
    [] if len(reexec) <= bound and len(lost_atts) <= bound else
    ["%d re-executed jobs, %d lost attempts: %s" % (
     len(reexec), len(lost_atts), short(lost_atts))],
    "lost attempts %d, of which ran (re-executions) %d, in flight at the "
    "kills %d" % (len(lost_atts), len(reexec), bound))

# 6. every attempt closed
res("every attempt row closed",
    ["%d open: %s" % (len(open_atts), short(open_atts))] if open_atts
    else [])

# 7. integrity
ic = [r[0] for r in db.execute("PRAGMA integrity_check")]
res("integrity_check = ok", [] if ic == ["ok"] else [" ".join(ic)[:300]])

# 7b. what the claim reads agrees with the jobs, across every kill: the
# per-queue counts the triggers keep, and the queues the claim walks
# (ready: has pending jobs).  A wrong ready would leave jobs waiting.
errs = []
real = collections.Counter()
for (q, s, n) in db.execute("SELECT queue, state, count(*) FROM jobs "
        "GROUP BY queue, state UNION ALL SELECT queue, 'dead', count(*) "
        "FROM dead_jobs GROUP BY queue"):
    real[(q, s)] = n
kept = collections.Counter({(q, s): n for (q, s, n) in db.execute(
    "SELECT queue, state, n FROM metric_jobs") if n != 0})
if real != kept:
    errs.append("counts differ: %s" % short(set(real.items()) ^
        set(kept.items())))
ready = {q: r for (q, r) in db.execute("SELECT name, ready FROM queues")}
for q in set(k[0] for k in real) | set(ready):
    want = 1 if real[(q, "pending")] > 0 else 0
    if ready.get(q, 0) != want:
        errs.append("queue %s: ready %s with %d pending" % (q, ready.get(q),
            real[(q, "pending")]))
res("queue counts and the claim's ready queues match the jobs", errs)

# 8. cron slots: at most one job per (schedule, slot), live or dead
slots = collections.Counter()
for j, r in jobs.items():
    if r[2] is not None and r[3] is not None:
        slots[(r[2], r[3])] += 1
for j, r in dead.items():
    if r[2] is not None and r[3] is not None:
        slots[(r[2], r[3])] += 1
dups = [k for k, c in slots.items() if c > 1]
ledger = db.execute("SELECT count(*) FROM schedule_slots WHERE outcome = "
                    "'queued'").fetchone()[0]
res("no duplicate (schedule_id, slot_at)",
    ["duplicate slots: %s" % short(dups)] if dups else [],
    "schedule slot jobs %d, ledger queued %d" % (sum(slots.values()), ledger))

# 9. notifications: the outbox
notes = {}	# id -> (notify_of, event, reported attempt)
for (nid, of, ev, env) in db.execute(
        "SELECT id, notify_of, notify_event, env FROM jobs "
        "WHERE notify_of IS NOT NULL UNION ALL "
        "SELECT id, notify_of, notify_event, env FROM dead_jobs "
        "WHERE notify_of IS NOT NULL"):
    e = dict(x.split("=", 1) for x in (env or b"").decode(
        errors="replace").split("\0") if "=" in x)
    notes[nid] = (of, ev, int(e.get("JOBD_ATTEMPT", "0")))
by = collections.Counter((of, ev, a) for (of, ev, a) in notes.values())
errs = []
dead_reported = [j for j in dead if j not in notes]
for j in dead_reported:
    n = sum(c for (of, ev, a), c in by.items() if of == j and ev == "dead")
    if n != 1:
        errs.append("dead job %d has %d on_dead notifications" % (j, n))
for nid, (of, ev, a) in notes.items():
    if of in notes:
        errs.append("notification %d reports on notification %d" % (nid, of))
    if ev == "dead" and (of not in dead or dead[of][0] != a):
        errs.append("notification %d: job %d attempt %d did not die" % (
            nid, of, a))
    if ev == "failure":
        r = atts.get(of, {}).get(a)
        if r is None or r[1] is None or r[2] in (None, "ok"):
            errs.append("notification %d: job %d attempt %d did not fail"
                        % (nid, of, a))
    if ev not in ("dead", "failure"):
        errs.append("notification %d: event %s asked by no one" % (nid, ev))
dups = [k for k, c in by.items() if c > 1]
if dups:
    errs.append("more than one notification of %s" % short(dups))
# every failed attempt of a job with --on-failure (the flaky ones) has one
fl = set(of for (of, ev, a) in notes.values() if ev == "failure")
for j in fl:
    for n, r in atts.get(j, {}).items():
        if r[1] is not None and r[2] not in (None, "ok", "cancelled") \
                and by[(j, "failure", n)] != 1:
            errs.append("job %d attempt %d failed (%s), %d on_failure "
                        "notifications" % (j, n, r[2],
                                           by[(j, "failure", n)]))
never = [nid for nid in notes if not any(k[0] == nid for k in starts)]
if never:
    errs.append("%d notifications never ran: %s" % (len(never),
                short(never)))
ran = set()
for line in open(truth_path + ".notified", errors="replace"):
    p = line.split()
    if len(p) == 4 and p[0].isdigit():
        ran.add(int(p[0]))
        if int(p[0]) not in notes:
            errs.append("a hook ran as notification %s, which is not one"
                        % p[0])
        elif (notes[int(p[0])][0], notes[int(p[0])][1],
              notes[int(p[0])][2]) != (int(p[2]), p[1], int(p[3])):
            errs.append("notification %s ran with %s" % (p[0], p[1:]))
if set(notes) - ran:
    errs.append("notifications whose hook never ran: %s" % short(
        set(notes) - ran))
res("notifications: one per dead job and failed attempt asked for, each "
    "ran, none for an outcome that did not commit", errs,
    "notifications %d (dead %d, failure %d), of dead jobs %d; dead "
    "notifications %d" % (len(notes),
        sum(1 for v in notes.values() if v[1] == "dead"),
        sum(1 for v in notes.values() if v[1] == "failure"),
        len(dead_reported), sum(1 for nid in notes if nid in dead)))

# 10. dependencies: none started early, none left waiting
errs = []
edges = db.execute(
    "SELECT d.job_id, d.dep_id, d.any, d.met, "
    "coalesce(p.state, CASE WHEN q.id IS NOT NULL THEN 'dead' END), "
    "coalesce(p.finished_at, q.dead_at), w.state, w.last_error "
    "FROM job_deps d LEFT JOIN jobs p ON p.id = d.dep_id "
    "LEFT JOIN dead_jobs q ON q.id = d.dep_id "
    "LEFT JOIN jobs w ON w.id = d.job_id").fetchall()
waiting = db.execute("SELECT id, waiting FROM jobs WHERE state = 'pending' "
                     "AND waiting > 0").fetchall()
ran = 0
for (j, dep, anyf, met, dstate, dfin, wstate, werr) in edges:
    a = atts.get(j, {})
    if a:
        ran += 1
        st0 = min(r[0] for r in a.values())
        if dfin is None or st0 < dfin:
            errs.append("job %d started at %s, dependency %d ended %s at %s"
                        % (j, st0, dep, dstate, dfin))
        if not anyf and dstate != "done":
            errs.append("job %d ran, dependency %d is %s" % (j, dep, dstate))
    if j in first_start:
        if not anyf and (dep not in last_end or
                         first_start[j] < last_end[dep]):
            errs.append("job %d began (truth line %d) before dependency %d "
                        "ran to its end (%s)" % (j, first_start[j], dep,
                        last_end.get(dep)))
        if anyf and dep in last_start and first_start[j] < last_start[dep]:
            errs.append("job %d began (truth line %d) before dependency "
                        "%d's last run began (%d)" % (j, first_start[j], dep,
                        last_start[dep]))
    if not anyf and dstate in ("dead", "cancelled") and (
            wstate != "cancelled" or werr is None or
            not werr.startswith("dependency job ")):
        errs.append("job %d is %s (%s), its dependency %d %s" % (
            j, wstate, werr, dep, dstate))
if waiting:
    errs.append("left waiting: %s" % short(["%d:%d" % w for w in waiting]))
res("dependencies: none ran before its dependency ended, none left waiting",
    errs, "dependency edges %d, of jobs that ran %d" % (len(edges), ran))
print("\n".join(out))
EOF

# The leases of the daemon with pid $1, dead: its attempts in flight.
inflight() {
	dsql "SELECT count(*) FROM jobs WHERE state = 'running'
	    AND lease_owner LIKE '%:$1:%'"
}

analyze() {	# db ids expect_n bound label
	python3 "$T/analyze.py" "$1" "$TR" "$2" "$3" "$4" "$5" 2>&1 ||
	    fail "$5: analysis" "python failed"
}

# Job commands: one shell line each, for jobctl submit --batch.  They do
# not record their pids in $JOBPIDS: the long form runs far more processes
# than pid_max, and daemon_lib's exit trap SIGKILLs every recorded pid that
# is alive, which by then may be a recycled pid of someone else.  Their
# command lines name $T, which is what no_strays and the trap look for.
PRE='echo "$JOBD_JOB_ID $JOBD_ATTEMPT start" >>'$TR
POST='echo "$JOBD_JOB_ID $JOBD_ATTEMPT end" >>'$TR

# gen KIND COUNT: COUNT lines of jobs of KIND
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

IDS=$T/ids
: >"$IDS"
SUBMITTED=0
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
	INFLIGHT=$((INFLIGHT + $(inflight "$P")))
	echo "$t0 $t1" >>"$T/restarts"
	# Mid-run: the second half of the jobs, 3 schedule runs, 3 cancels.
	if [ "$K_DONE" = $(((K + 1) / 2)) ]; then
		submit_half 2
		for _r in 1 2 3; do
			"$JOBCTL" schedule run chaos-cron >>"$IDS" \
			    2>>"$T/.submit_errors"
		done
		# cancel 3 of the slow jobs of the first half (if still live)
		for _c in $(dsql "SELECT id FROM jobs WHERE queue = 's1'
		    AND state IN ('pending', 'running') ORDER BY id DESC
		    LIMIT 3"); do
			"$JOBCTL" cancel "$_c" >/dev/null 2>&1
		done
	fi
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

begin "chaos: concurrent copies = 0 (long jobs holding a lock, cgroups $CG_MODE)"
_cc=$(wc -l <"$T/concurrent")
echo "INFO chaos: concurrent copies: $_cc"
[ "$_cc" = 0 ] || problem "concurrent copies: $_cc (job attempt: \
$(head -n 5 "$T/concurrent" | tr '\n' ' '))"
end

# Named crash points.  Each on its own database: jobd crashes there (exit
# 99) mid-run, is restarted without the variable and drains.
crash_case() {	# name n kind count [submit options]
	_cn=$1 _cnn=$2 _ck=$3 _cc=$4
	shift 4
	use_db "$T/crash_$_cn.db"
	: >"$T/.submit_errors"
	IDS=$T/ids_$_cn
	: >"$IDS"
	TR=$T/truth_$_cn
	: >"$TR"
	: >"$TR.notified"
	echo "$TR" >"$T/.truth"
	PRE='echo "$JOBD_JOB_ID $JOBD_ATTEMPT start" >>'$TR
	POST='echo "$JOBD_JOB_ID $JOBD_ATTEMPT end" >>'$TR
	begin "crash point $_cn:$_cnn: jobd exits 99 there, restarts, drains"
	export JOBD_CRASH_AT="$_cn:$_cnn"
	start_jobd "crash_$_cn"
	_ok=$?
	unset JOBD_CRASH_AT
	[ "$_ok" = 0 ] || { end; return; }
	P=$JOBD_PID
	batch "$_ck" "$_cc" "$@"
	batch quick 4
	batch slow 2
	reap_jobd "$P" 30
	[ "$STOP_RC" = 99 ] ||
	    problem "jobd exit status $STOP_RC, not 99: $(tail -n 3 \
		"$T/crash_$_cn.log" | tr '\n' ' ')"
	_inf=$(inflight "$P")
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
