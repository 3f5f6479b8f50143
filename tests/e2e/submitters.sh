# Concurrent submitters against a busy daemon (DESIGN §10): jobd runs quick
# jobs with 2 workers while 8 processes each submit SUBMITTERS_N jobs, one
# "jobctl submit" process per job, and another submits batches with
# --batch; meanwhile a reader loops "jobctl list --json" (every output
# must parse) and another process keeps read transactions open on the
# database (which holds WAL checkpoints back).  Then every job must reach
# "done": no submission failed (every exit 0, every id printed once), none
# was lost (every id is in the table, done, with its own command), and
# the database passes integrity_check.  Prints the submit latency p50/p99
# and the largest WAL size seen; asserts nothing about either.
#
#   SUBMITTERS_N=1000 TEST_TIMEOUT=900 B=build tests/run.sh submitters.sh
#
# is the long form (8000 single submissions).
. "$(dirname "$0")/daemon_lib.sh"

N=${SUBMITTERS_N:-150}		# single submissions per submitter
NSUB=8				# submitter processes
NBATCH=4			# --batch submissions
BATCH=100			# jobs per batch
DEADLINE=$(( $(date +%s) + 60 + N / 4 ))	# for the background loops

write_conf workers=2
STOP=$T/stop

# One python3 helper, by mode: submit, batch, reader, holder, walmon.
cat >"$T/load.py" <<'EOF'
import json, os, sqlite3, subprocess, sys, time

mode, jobctl, db, stop, deadline = sys.argv[1:6]
deadline = float(deadline)
args = sys.argv[6:]

def going():
    return not os.path.exists(stop) and time.time() < deadline

def run(argv, stdin=None):
    t0 = time.monotonic()
    p = subprocess.run(argv, input=stdin, capture_output=True)
    return p, (time.monotonic() - t0) * 1000.0

def record(f, tag, p, ms):
    f.write(json.dumps({"tag": tag, "rc": p.returncode, "ms": ms,
        "out": p.stdout.decode("utf-8", "replace"),
        "err": p.stderr.decode("utf-8", "replace")[:300]}) + "\n")
    f.flush()

if mode == "submit":		# k n out: n jobs "true sK-I"
    k, n, out = args[0], int(args[1]), args[2]
    with open(out, "w") as f:
        for i in range(n):
            tag = "s%s-%d" % (k, i)
            p, ms = run([jobctl, "submit", "true", tag])
            record(f, tag, p, ms)
elif mode == "batch":		# nbatch size out
    nb, size, out = int(args[0]), int(args[1]), args[2]
    with open(out, "w") as f:
        for b in range(nb):
            tag = "b%d" % b
            lines = "".join("true %s-%d\n" % (tag, i) for i in range(size))
            p, ms = run([jobctl, "submit", "--batch"], lines.encode())
            record(f, tag, p, ms)
elif mode == "reader":		# out: loops list --json until stopped
    out = args[0]
    n = bad = 0
    why = ""
    while going():
        p, ms = run([jobctl, "list", "--json", "--limit", "500"])
        n += 1
        try:
            if p.returncode != 0:
                raise ValueError("exit %d: %s" % (p.returncode,
                    p.stderr.decode("utf-8", "replace")[:200]))
            text = p.stdout.decode("utf-8")
            if text and not text.endswith("\n"):
                raise ValueError("no newline at the end")
            for line in text.splitlines():
                if not isinstance(json.loads(line), dict):
                    raise ValueError("not an object: " + line[:100])
        except Exception as e:
            bad += 1
            why = why or str(e)[:300]
    with open(out, "w") as f:
        f.write(json.dumps({"runs": n, "bad": bad, "why": why}) + "\n")
elif mode == "holder":		# out hold_ms: read transactions, held
    out, hold = args[0], float(args[1]) / 1000.0
    n = errs = 0
    why = ""
    con = sqlite3.connect(db, timeout=10, isolation_level=None)
    while going():
        try:
            con.execute("BEGIN")
            con.execute("SELECT count(*), max(id) FROM jobs").fetchone()
            until = time.monotonic() + hold
            while time.monotonic() < until and going():
                time.sleep(0.01)	# the load: a reader that lingers
            con.execute("SELECT count(*) FROM attempts").fetchone()
            con.execute("COMMIT")
            n += 1
        except Exception as e:
            errs += 1
            why = why or str(e)[:300]
            try:
                con.execute("ROLLBACK")
            except Exception:
                pass
    con.close()
    with open(out, "w") as f:
        f.write(json.dumps({"txns": n, "errors": errs, "why": why}) + "\n")
elif mode == "walmon":		# out: the largest -wal size seen
    out = args[0]
    big = samples = 0
    while going():
        try:
            big = max(big, os.stat(db + "-wal").st_size)
        except FileNotFoundError:
            pass
        samples += 1
        time.sleep(0.02)	# a sampling period, not a wait for anything
    with open(out, "w") as f:
        f.write(json.dumps({"max_wal": big, "samples": samples}) + "\n")
EOF

load() {	# mode args...
	_m=$1
	shift
	python3 "$T/load.py" "$_m" "$JOBCTL" "$DB" "$STOP" "$DEADLINE" "$@"
}

begin "submitters: jobd starts with 2 workers"
start_jobd jobd --workers 2 || :
P=$JOBD_PID
end

t0=$(now_ms)
load reader "$T/reader.json" &
RDR=$!
load holder "$T/holder.json" 200 &
HLD=$!
load walmon "$T/walmon.json" &
WAL=$!
SUBS=
k=0
while [ "$k" -lt "$NSUB" ]; do
	load submit "$k" "$N" "$T/sub.$k.json" &
	SUBS="$SUBS $!"
	k=$((k + 1))
done
load batch "$NBATCH" "$BATCH" "$T/batch.json" &
SUBS="$SUBS $!"

begin "submitters: every submitter process finishes"
for p in $SUBS; do
	wait "$p" || problem "submitter $p exited $?"
done
end
t1=$(now_ms)
: >"$STOP"
wait "$RDR" "$HLD" "$WAL"

TOTAL=$((NSUB * N + NBATCH * BATCH))

# Every submission: exit 0, ids printed, one per job, all distinct.
cat "$T"/sub.*.json "$T/batch.json" >"$T/all.json"
python3 - "$T/all.json" "$T/ids" "$T/lat" <<'EOF' >"$T/subcheck"
import json, sys
bad, ids, lat = [], {}, []
for line in open(sys.argv[1]):
    r = json.loads(line)
    lat.append(r["ms"])
    if r["rc"] != 0:
        bad.append("%s: exit %d: %s" % (r["tag"], r["rc"], r["err"].strip()))
        continue
    out = r["out"].split()
    want = 1 if r["tag"].startswith("s") else None
    tags = [r["tag"]] if want == 1 else \
        ["%s-%d" % (r["tag"], i) for i in range(len(out))]
    if want == 1 and len(out) != 1:
        bad.append("%s: printed %r" % (r["tag"], r["out"]))
        continue
    for t, i in zip(tags, out):
        if not i.isdigit():
            bad.append("%s: printed %r" % (t, i))
        elif i in ids:
            bad.append("id %s printed twice (%s, %s)" % (i, ids[i], t))
        else:
            ids[i] = t
with open(sys.argv[2], "w") as f:
    for i, t in sorted(ids.items(), key=lambda x: int(x[0])):
        f.write("%s|true %s\n" % (i, t))
lat.sort()
def pct(p):
    return lat[min(len(lat) - 1, int(len(lat) * p))] if lat else 0
with open(sys.argv[3], "w") as f:
    f.write("%.1f %.1f %d\n" % (pct(0.50), pct(0.99), len(lat)))
print("%d %s" % (len(bad), "; ".join(bad[:3])))
EOF

begin "submitters: 0 failed submissions (every exit 0, every id distinct)"
read -r nbad why <"$T/subcheck"
[ "$nbad" = 0 ] || problem "$nbad failed: $why"
nids=$(wc -l <"$T/ids")
[ "$nids" -eq "$TOTAL" ] || problem "$nids ids for $TOTAL jobs"
end

begin "submitters: 0 lost (every job done, with its own command)"
if ! wait_until 120 "[ \"\$(dsql \"SELECT count(*) FROM jobs
    WHERE state = 'done'\")\" -ge $TOTAL ]"; then
	died
	problem "not all done: $(dsql "SELECT state, count(*) FROM jobs
	    GROUP BY state" | tr '\n' ' ')$DIED"
fi
dsql "SELECT id || '|' || command FROM jobs WHERE state = 'done'
    ORDER BY id" >"$T/done"
if ! cmp -s "$T/ids" "$T/done"; then
	problem "ids and done jobs differ: $(diff "$T/ids" "$T/done" |
	    head -5 | tr '\n' ' ')"
fi
n=$(dsql "SELECT count(*) FROM jobs")
[ "$n" -eq "$TOTAL" ] || problem "$n jobs in the table for $TOTAL submitted"
n=$(dsql "SELECT count(*) FROM dead_jobs")
[ "$n" -eq 0 ] || problem "$n dead jobs"
end
t2=$(now_ms)

begin "submitters: list --json was valid JSON every time"
r=$(json '"%d %d %s" % (d["runs"], d["bad"], d["why"])' <"$T/reader.json")
set -- $r
[ "$1" -gt 0 ] || problem "the reader never ran"
[ "$2" = 0 ] || problem "$2 of $1 lists bad: $r"
info "list --json ran $1 times"
end

begin "submitters: the read transactions never failed"
r=$(json '"%d %d %s" % (d["txns"], d["errors"], d["why"])' <"$T/holder.json")
set -- $r
[ "$1" -gt 0 ] || problem "no read transaction completed"
[ "$2" = 0 ] || problem "$2 failed: $r"
end

begin "submitters: integrity_check ok, jobd alive, stops cleanly"
r=$(dsql 'PRAGMA integrity_check')
[ "$r" = ok ] || problem "integrity_check: $r"
alive "$P" || problem "jobd died"
stop_jobd "$P" || problem "jobd did not stop"
[ "$STOP_RC" = 0 ] || problem "jobd exit status $STOP_RC"
end

read -r p50 p99 nlat <"$T/lat"
wal=$(json 'd["max_wal"]' <"$T/walmon.json")
info "submitters: $NSUB x $N single + $NBATCH x $BATCH batch = $TOTAL jobs;\
 submitting took $((t1 - t0)) ms, all done $((t2 - t0)) ms after the start"
info "submit latency p50 $p50 ms p99 $p99 ms, max WAL $wal bytes" \
    "($nlat submissions)"

no_strays "submitters: no processes left"
no_sanitizer "submitters: no sanitizer reports"
exit 0
