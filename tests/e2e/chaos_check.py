# The analysis of the crash-chaos tests (chaos.sh on SQLite, chaos_pg.sh
# on PostgreSQL): the database against the ground truth the jobs wrote.
#
#   python3 chaos_check.py DB TRUTH IDS N BOUND LABEL [SLOTS]
#
# DB: a SQLite file, or a postgresql:// URI (read through psql, as JSON:
# no driver needed).  TRUTH: the ground truth, "JOB ATTEMPT start|end"
# lines, and TRUTH.notified the notification hook's runs.  IDS: the ids
# of the N jobs submitted.  BOUND: the leases the killed daemons held.
# SLOTS (optional): "SCHEDULE FIRST" lines, schedules of "* * * * *"
# with catchup = all: every minute from FIRST up to the schedule's
# next_run_at must have fired once.  Prints "INFO LABEL: ..." figures and
# one "PASS LABEL: ..." or "FAIL LABEL: ...: why" line per check.
import collections, json, os, sqlite3, subprocess, sys
db_path, truth_path, ids_path, expect_n, bound, label = sys.argv[1:7]
slots_path = sys.argv[7] if len(sys.argv) > 7 else ""
expect_n, bound = int(expect_n), int(bound)
pg = db_path.startswith(("postgresql://", "postgres://"))
db = None if pg else sqlite3.connect(db_path, timeout=30)
out = []

def rows(q):
    """The rows of query q, as tuples (NULL: None, a blob: bytes)."""
    if not pg:
        return db.execute(q).fetchall()
    r = subprocess.run([os.environ.get("PSQL", "psql"), "-X", "-A", "-t",
                        "-q", "-w", "-v", "ON_ERROR_STOP=1", "-d", db_path,
                        "-c", "SELECT coalesce(json_agg(row_to_json(t)), "
                        "'[]') FROM (%s) t" % q], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode != 0:
        sys.exit("psql: %s: %s" % (q[:60], r.stderr.decode()[:300]))
    # Each row an object; its values in column order, names repeated or not.
    return [tuple(bytes.fromhex(v[2:]) if isinstance(v, str) and
                  v.startswith("\\x") else v for v in r)
            for r in json.loads(r.stdout, object_pairs_hook=lambda p:
                                [v for k, v in p])]

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
jobs = {r[0]: r[1:] for r in rows(
    "SELECT id, state, attempts, schedule_id, slot_at FROM jobs")}
dead = {r[0]: r[1:] for r in rows(
    "SELECT id, attempts, reason, schedule_id, slot_at FROM dead_jobs")}
atts = collections.defaultdict(dict)	# job -> attempt -> row
dup_att_rows = []
open_atts = []
outcomes = collections.Counter()
for (jid, a, started, fin, outc, err) in rows(
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

# 7. integrity (of the SQLite file; a PostgreSQL server keeps its own)
if not pg:
    ic = [r[0] for r in rows("PRAGMA integrity_check")]
    res("integrity_check = ok", [] if ic == ["ok"] else [" ".join(ic)[:300]])

# 7b. what the claim reads agrees with the jobs, across every kill: the
# per-queue counts the triggers keep, and the queues the claim walks
# (ready: has pending jobs).  A wrong ready would leave jobs waiting.
errs = []
real = collections.Counter()
for (q, s, n) in rows("SELECT queue, state, count(*) FROM jobs "
        "GROUP BY queue, state UNION ALL SELECT queue, 'dead', count(*) "
        "FROM dead_jobs GROUP BY queue"):
    real[(q, s)] = n
kept = collections.Counter({(q, s): n for (q, s, n) in rows(
    "SELECT queue, state, n FROM metric_jobs") if n != 0})
if real != kept:
    errs.append("counts differ: %s" % short(set(real.items()) ^
        set(kept.items())))
ready = {q: r for (q, r) in rows("SELECT name, ready FROM queues")}
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
ledger = rows("SELECT count(*) FROM schedule_slots WHERE outcome = "
              "'queued'")[0][0]
res("no duplicate (schedule_id, slot_at)",
    ["duplicate slots: %s" % short(dups)] if dups else [],
    "schedule slot jobs %d, ledger queued %d" % (sum(slots.values()), ledger))

# 8b. catch-up: every minute of a "* * * * *" schedule with catchup = all,
# from its first slot up to its next_run_at, in the ledger as queued, with
# its one job; nothing else.
if slots_path:
    errs = []
    nslots = 0
    for line in open(slots_path):
        p = line.split()
        if len(p) != 2:
            continue
        name, first = p[0], int(p[1])
        sc = rows("SELECT id, next_run_at, cron, catchup FROM schedules "
                  "WHERE name = '%s'" % name)
        if len(sc) != 1 or sc[0][2:] != ("* * * * *", "all"):
            errs.append("schedule %s: %s" % (name, sc))
            continue
        sid, nxt = sc[0][0], sc[0][1]
        want = set(range(first, nxt, 60000))
        got = {}
        for (at, outc, jid) in rows("SELECT slot_at, outcome, job_id FROM "
                                    "schedule_slots WHERE schedule_id = %d"
                                    % sid):
            got[at] = (outc, jid)
        nslots += len(want)
        missing = sorted(want - set(got))
        if missing:
            errs.append("%s: %d slots not fired: %s" % (name, len(missing),
                        short(missing)))
        extra = sorted(set(got) - want)
        if extra:
            errs.append("%s: slots outside [%d, %d): %s" % (name, first, nxt,
                        short(extra)))
        for at in sorted(want & set(got)):
            outc, jid = got[at]
            made = [j for j, r in list(jobs.items()) + list(dead.items())
                    if r[2] == sid and r[3] == at]
            if outc != "queued" or jid is None or made != [jid]:
                errs.append("%s slot %d: %s, job %s, jobs made %s" % (
                    name, at, outc, jid, made))
    res("every slot of a catchup = all schedule fired, once", errs,
        "catch-up schedules: %d slots expected" % nslots)

# 9. notifications: the outbox
notes = {}	# id -> (notify_of, event, reported attempt)
for (nid, of, ev, env) in rows(
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
edges = rows(
    "SELECT d.job_id, d.dep_id, d.\"any\", d.met, "
    "coalesce(p.state, CASE WHEN q.id IS NOT NULL THEN 'dead' END), "
    "coalesce(p.finished_at, q.dead_at), w.state, w.last_error "
    "FROM job_deps d LEFT JOIN jobs p ON p.id = d.dep_id "
    "LEFT JOIN dead_jobs q ON q.id = d.dep_id "
    "LEFT JOIN jobs w ON w.id = d.job_id")
waiting = rows("SELECT id, waiting FROM jobs WHERE state = 'pending' "
               "AND waiting > 0")
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
