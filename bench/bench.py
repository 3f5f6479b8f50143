#!/usr/bin/env python3
"""jobd benchmarks (make bench).

Prints one line per figure:

    NAME  VALUE UNIT  target OP TARGET  ratio R  PASS|BELOW|INFO  [runs: ...]

R >= 1 means the figure meets its target (value/target for "more is
better", target/value for "less is better").  INFO lines are the machine's
own limits and reference figures, with no target.  A figure is the median
of --runs runs where that is feasible; the values of the runs follow in
brackets.  Lines starting with '#' are notes.  Sections, in order:

  limits      this machine's limits: posix_spawn + pipe + waitpid of
              /bin/sh -c true at 1 and 2 at a time; SQLite WAL
              synchronous=FULL single-row commits; the least a one-process
              durable submit costs (bench/submitmin)
  throughput  N jobs "true" from one submit --batch, 2 workers, until done
  submit      jobctl submit one process per job, against task-spooler's
              enqueue; submit --batch of 100,000 jobs
  latency     submit -> the job's process starts (p50, p99), and tsp's
  socket      jobctl through jobd's submission socket, beside tsp: submit
              one process per job, alone and 8 at a time; submit -> start
              (p50, p99); a minimal C client of the socket; what process
              start and the dynamic loader cost (bench_socket.py)
  scale       the daemon's lease transaction with 1k and 1M pending and
              with 1M finished jobs; jobctl list and show with 1M jobs
  queues      the claim with 1M pending jobs over 100 queues (10 paused,
              10 at their concurrency limit) and 100k waiting on
              dependencies, against 1k pending in one queue; throughput
              with 10 queues under limits against the single-queue figure
  idle        CPU, wake-ups and RSS of an idle jobd with 10,000 future jobs
              and 100 schedules
  load        jobd's peak RSS while 2 jobs each write 200 MiB; throughput
              with 1M finished jobs in the table
  cron        next-fire computations per second
  retention   the simulated month: schedules firing every minute with
              4 KiB of output each, through the store on a simulated clock,
              pruned by the default [retention] as jobd prunes: the file
              size after day 1 and day 30, the prune transactions' time
  postgresql  the PostgreSQL backend on a private server started for the
              run (fsync and synchronous_commit on), each figure beside
              SQLite's measured the same way in the same run: throughput
              with 1, 2 and 3 daemons on one database; submit one process
              per job and --batch; the claim with 1M and 1k pending;
              submit -> start latency

usage: bench/bench.py [OPTIONS] BUILD_DIR   (bench/bench.py --help)

Every daemon, task-spooler server, PostgreSQL server and job started here
is stopped and the temporary directories removed on exit, also on SIGINT,
SIGTERM and SIGHUP.
"""
import argparse
import math
import os
import signal
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

SECTIONS = ("limits", "throughput", "submit", "latency", "socket", "scale",
            "queues", "idle", "load", "cron", "retention", "postgresql")
OWNER = "bench"


class BenchError(Exception):
    """A measurement could not be made: the bench fails."""


class DbError(Exception):
    """A query on a PostgreSQL database failed (sqlite3.Error's twin)."""


class Interrupted(BaseException):
    pass


def on_signal(signum, frame):
    raise Interrupted(signal.Signals(signum).name)


# -- Reporting ---------------------------------------------------------------

def fmt(v):
    if v == float("inf"):
        return "inf"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000 or a == int(a) and a >= 10:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def report(name, value, unit, target=None, more_is_better=True, runs=None,
           note=None):
    """One figure.  Without a target it is an INFO line."""
    if target is None:
        tgt, ratio, verdict = "-", "-", "INFO"
    else:
        if more_is_better:
            ok = value >= target
            r = value / target if target > 0 else float("inf")
        else:
            ok = value <= target
            r = target / value if value > 0 else float("inf")
        tgt = (">= " if more_is_better else "<= ") + (
            str(int(target)) if target == int(target) else fmt(target))
        ratio = fmt(r) if r == float("inf") else f"{r:.2f}"
        verdict = "PASS" if ok else "BELOW"
    s = (f"{name:<46} {fmt(value):>10} {unit:<7} target {tgt:<9} "
         f"ratio {ratio:>5}  {verdict}")
    if runs is not None and len(runs) > 1:
        s += "  [runs: " + " ".join(fmt(x) for x in runs) + "]"
    if note:
        s += "  " + note
    print(s, flush=True)


def note(text):
    print(f"# {text}", flush=True)


def median(xs):
    return statistics.median(xs)


def percentile(sorted_xs, p):
    """Nearest rank."""
    return sorted_xs[max(0, math.ceil(len(sorted_xs) * p) - 1)]


# -- /proc -------------------------------------------------------------------

def proc_status(pid, key):
    """A "kB" field of /proc/PID/status, in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise BenchError(f"/proc/{pid}/status has no {key}")


def proc_sample(pid):
    """Per-thread context switches and run time (ns), and utime+stime (ms)
    of the whole process."""
    switches, runtime = {}, {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                n = 0
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches",
                                        "nonvoluntary_ctxt_switches")):
                        n += int(line.split()[1])
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                runtime[tid] = int(f.read().split()[0])
            switches[tid] = n
        except FileNotFoundError:
            pass			# the thread just ended
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])	# utime + stime
    return switches, runtime, ticks * 1000.0 / os.sysconf("SC_CLK_TCK")


def mount_of(path):
    """(fstype, source) of the file system that holds path."""
    best, res = "", ("?", "?")
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            mnt = left.split()[4].replace("\\040", " ")
            if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) \
                    and len(mnt) >= len(best):
                best = mnt
                r = right.split()
                res = (r[0], r[1])
    return res


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# -- The run -----------------------------------------------------------------

class Bench:
    def __init__(self, args):
        self.a = args
        self.build = os.path.abspath(args.build)
        self.jobd = os.path.join(self.build, "jobd")
        self.jobctl = os.path.join(self.build, "jobctl")
        self.bin = os.path.join(self.build, "bench")
        for p in (self.jobd, self.jobctl) + tuple(
                os.path.join(self.bin, x) for x in
                ("spawn", "latency", "sqlcommit", "submitmin", "lease",
                 "cronrate", "retention", "sockmin", "startup-bare",
                 "startup-sqlite", "startup-libs")):
            if not os.access(p, os.X_OK):
                raise BenchError(f"{p}: not built (run: make bench)")
        self.tmp = None
        self.daemons = []		# every Daemon started
        self.procs = []			# other long-running Popen objects
        self.tsp = None
        self.cache = {}
        self.failed = []
        # No JOBD_* variable of the caller's (a test clock, another
        # database) may reach jobctl or jobd.
        # Nor may a PG* variable send a client to another server.
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("JOBD_", "TS_", "PG"))}
        self.pg = None			# the PostgreSQL server, once started

    # Paths and processes -------------------------------------------------

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def tool(self, name):
        return os.path.join(self.bin, name)

    def run(self, argv, timeout=120, env=None, input=None, stdin=None,
            check=True):
        """Run argv to completion; its stdout."""
        try:
            r = subprocess.run(argv, env=env or self.env, input=input,
                               stdin=stdin, capture_output=True,
                               text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise BenchError(f"{argv[0]}: still running after {timeout} s")
        if check and r.returncode != 0:
            raise BenchError(f"{' '.join(argv[:4])}...: exit "
                             f"{r.returncode}: {r.stderr.strip()[-400:]}")
        return r.stdout

    def spawn_rate(self, argv, n, conc=1, env=None):
        """bench/spawn: runs per second of argv, conc at a time."""
        out = self.run([self.tool("spawn"), "-n", str(n), "-c", str(conc),
                        "--"] + argv, timeout=600, env=env)
        return float(out.split()[2])

    def conf(self, sock=None, cgroups=None):
        """The jobd config: etc/jobd.conf, workers = 2, and an empty
        schedules_dir of our own (so no schedule of the host gets in);
        with sock, also socket = sock; with cgroups, cgroups = that."""
        p = self.path("jobd" + ("-socket" if sock else "") +
                      (f"-cgroups-{cgroups}" if cgroups else "") + ".conf")
        if os.path.exists(p):
            return p
        os.makedirs(self.path("schedules.d"), exist_ok=True)
        src = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "..", "etc", "jobd.conf")
        lines, seen = [], set()
        with open(src) as f:
            for line in f:
                if line.startswith("#workers ="):
                    line, _ = "workers = 2\n", seen.add("workers")
                elif line.startswith("#schedules_dir ="):
                    line = f"schedules_dir = {self.path('schedules.d')}\n"
                    seen.add("schedules_dir")
                elif line.startswith("#socket =") and sock:
                    line, _ = f"socket = {sock}\n", seen.add("socket")
                elif line.startswith("#cgroups =") and cgroups:
                    line, _ = f"cgroups = {cgroups}\n", seen.add("cgroups")
                lines.append(line)
        want = {"workers", "schedules_dir"} | ({"socket"} if sock else
                                               set()) | \
            ({"cgroups"} if cgroups else set())
        if seen != want:
            raise BenchError(f"{src}: no \"#" + "\", \"#".join(
                sorted(want - seen)) + " =\" line to set")
        with open(p, "w") as f:
            f.writelines(lines)
        return p

    def jc(self, db, *args):
        return [self.jobctl, "--db", db] + list(args)

    def create_db(self, db):
        """A database made by jobctl, with no jobs in it."""
        self.run(self.jc(db, "submit", "--in", "1d", "true"))
        self.sql(db, "DELETE FROM jobs; DELETE FROM attempts;")

    def sql(self, db, script, timeout=600):
        """Run an SQL script with the sqlite3 shell, or psql."""
        if is_pg(db):
            return self.pg.psql(db, script, timeout=timeout)
        return self.run(["sqlite3", "-batch", "-bail", db],
                        input=".timeout 10000\n" + script, timeout=timeout)

    def connect(self, db):
        """A connection to db: sqlite3's, or for a postgresql:// URI a
        PgConn, which has the execute(sql, args).fetchone() and close()
        used here."""
        if is_pg(db):
            return self.pg.connect(db)
        uri = "file:" + urllib.parse.quote(db) + "?mode=rw"
        return sqlite3.connect(uri, uri=True, timeout=10,
                               isolation_level=None)

    def remove_db(self, db):
        if is_pg(db):
            self.pg.dropdb(db)
            return
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.unlink(db + suffix)
            except FileNotFoundError:
                pass

    def submit_batch(self, db, lines, *opts):
        """jobctl submit --batch; (first id, last id, seconds)."""
        t0 = time.perf_counter()
        out = self.run(self.jc(db, "submit", "--batch", *opts),
                       input="".join(lines), timeout=600)
        t1 = time.perf_counter()
        ids = out.split()
        if len(ids) != len(lines):
            raise BenchError(f"submit --batch printed {len(ids)} ids for "
                             f"{len(lines)} jobs")
        return int(ids[0]), int(ids[-1]), t1 - t0

    def wait_jobs(self, db, lo, hi, timeout, cut=False):
        """Wait until jobs lo..hi have all left pending and running; the
        time.  After timeout seconds, fail, or with cut, return the time
        and how many are left."""
        con = self.connect(db)
        try:
            deadline = time.monotonic() + timeout
            while True:
                (left,) = con.execute(
                    "SELECT count(*) FROM jobs WHERE id BETWEEN ? AND ? "
                    "AND state IN ('pending', 'running')",
                    (lo, hi)).fetchone()
                if left == 0:
                    return (time.perf_counter(), 0) if cut else \
                        time.perf_counter()
                if time.monotonic() > deadline:
                    if cut:
                        return time.perf_counter(), left
                    raise BenchError(f"{left} of {hi - lo + 1} jobs not "
                                     f"done after {timeout} s")
                for d in self.daemons:
                    d.check()
                time.sleep(0.02)
        finally:
            con.close()

    def verify_done(self, db, lo, hi, partial=False):
        """Every job lo..hi done (with partial: those that are done), each
        with exactly one attempt recorded, ended ok.  The number done."""
        con = self.connect(db)
        try:
            (done,) = con.execute(
                "SELECT count(*) FROM jobs WHERE id BETWEEN ? AND ? AND "
                "state = 'done'", (lo, hi)).fetchone()
            (att, ok) = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE outcome = 'ok' "
                "AND finished_at IS NOT NULL) FROM attempts "
                "WHERE job_id IN (SELECT id FROM jobs WHERE id BETWEEN ? "
                "AND ? AND state = 'done')", (lo, hi)).fetchone()
        finally:
            con.close()
        n = hi - lo + 1
        if (done != n and not partial) or att != done or ok != done:
            raise BenchError(f"of {n} jobs {done} done, with {att} attempts "
                             f"recorded, {ok} of them ok")
        return done

    def repeat(self, what, fn, budget):
        """[fn(0), fn(1), ...]: --runs results, or fewer when one more run
        would take the figure past budget seconds."""
        out, t0 = [], time.monotonic()
        for i in range(self.a.runs):
            out.append(fn(i))
            spent = time.monotonic() - t0
            if i + 1 < self.a.runs and spent / (i + 1) * (i + 2) > budget:
                note(f"{what}: {i + 1} run(s) only, {spent / (i + 1):.0f} s "
                     f"each (time budget {budget} s)")
                break
        return out

    # Sections -------------------------------------------------------------

    def limit(self, key):
        """A machine limit, measured once per bench run."""
        if key not in self.cache:
            self.measure_limit(key)
        return self.cache[key]

    def measure_limit(self, key):
        a = self.a
        if key in ("spawn1", "spawn2"):
            conc = int(key[-1])
            runs = [self.spawn_rate(["/bin/sh", "-c", "true"],
                                    a.spawn_count, conc)
                    for _ in range(a.runs)]
            self.cache[key] = median(runs)
            report(f"limit: spawn sh -c true, {conc} at a time",
                   median(runs), "jobs/s", runs=runs)
        elif key == "commit":
            runs = []
            for i in range(a.runs):
                db = self.path(f"commit{i}.db")
                out = self.run([self.tool("sqlcommit"), "-s", "1", db])
                runs.append(float(out.split()[2]))
                self.remove_db(db)
            self.cache[key] = median(runs)
            report("limit: SQLite WAL FULL 1-row commits", median(runs),
                   "/s", runs=runs)
        elif key == "submitmin":
            db = self.path("submitmin.db")
            hold = subprocess.Popen([self.tool("submitmin"), "-h", db],
                                    stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, text=True)
            self.procs.append(hold)
            try:
                if hold.stdout.readline().strip() != "ready":
                    raise BenchError("submitmin -h did not start")
                runs = [self.spawn_rate([self.tool("submitmin"), db],
                                        a.submit_jobs)
                        for _ in range(a.runs)]
            finally:
                hold.stdin.close()
                hold.wait(timeout=30)
                self.procs.remove(hold)
            self.remove_db(db)
            self.cache[key] = median(runs)
            report("limit: process+open+insert+close (FULL)",
                   median(runs), "jobs/s", runs=runs)

    def sec_limits(self):
        for k in ("spawn1", "spawn2", "commit", "submitmin"):
            self.limit(k)

    def sec_throughput(self):
        a = self.a
        runs = self.repeat("throughput", self.fresh_throughput,
                           a.budget)
        self.cache["throughput"] = median(runs)
        lim = self.limit("spawn2")
        report(f"throughput: {a.jobs} x true, 2 workers", median(runs),
               "jobs/s", 0.9 * lim, runs=runs,
               note="(target 0.9 x spawn limit, 2 at a time)")
        note("every run: each job done has exactly one attempt recorded, "
             "ended ok")

    def fresh_throughput(self, i):
        db = self.path(f"tp{i}.db")
        rate = self.timed_throughput(db, f"tp{i}")
        self.remove_db(db)
        return rate

    def timed_throughput(self, db, tag, lines=None, daemons=1):
        """Jobs/s from the start of submit --batch (of lines, default
        --jobs x "true") to the last job done, with daemons jobd on db.
        A run that would take more than --run-cap seconds is cut there
        and counts the jobs done by then."""
        a = self.a
        lines = lines or ["true\n"] * a.jobs
        ds = []
        try:
            for k in range(daemons):
                ds.append(Daemon(self, db, tag if daemons == 1
                                 else f"{tag}-{k}").start())
            t0 = time.perf_counter()
            lo, hi, _ = self.submit_batch(db, lines)
            t1, left = self.wait_jobs(db, lo, hi, timeout=a.run_cap,
                                      cut=True)
            done = self.verify_done(db, lo, hi, partial=left > 0)
        finally:
            for d in ds:
                d.stop()
        if left > 0:
            note(f"{tag}: run cut at {a.run_cap} s with {done} of "
                 f"{len(lines)} jobs done; the rate counts those")
            # Leave no work behind for the next run on this database.
            self.sql(db, "UPDATE jobs SET state = 'cancelled', "
                     f"finished_at = updated_at WHERE id BETWEEN {lo} AND "
                     f"{hi} AND state = 'pending';")
        return done / (t1 - t0)

    def submit_runs(self, db, tag, nruns=None):
        """nruns (--runs) rates of --submit-jobs jobctl submit processes,
        one after another, against a running jobd on db."""
        a = self.a
        d = Daemon(self, db, tag).start()
        runs = []
        try:
            self.run(self.jc(db, "submit", "true"))	# warm
            for _ in range(nruns or a.runs):
                (hi0,) = self.query(db, "SELECT coalesce(max(id), 0) "
                                    "FROM jobs")
                runs.append(self.spawn_rate(self.jc(db, "submit", "true"),
                                            a.submit_jobs))
                (hi,) = self.query(db, "SELECT max(id) FROM jobs")
                if hi - hi0 != a.submit_jobs:
                    raise BenchError(f"{a.submit_jobs} submits made "
                                     f"{hi - hi0} jobs")
                self.wait_jobs(db, hi0 + 1, hi, timeout=120)
        finally:
            d.stop()
        return runs

    def batch_rate(self, db, inp, n):
        """Jobs/s of one submit --batch of the n lines of file inp into
        db, made empty by create_db first, no daemon running."""
        self.create_db(db)
        with open(inp) as f:
            t0 = time.perf_counter()
            p = subprocess.run(self.jc(db, "submit", "--batch"),
                               stdin=f, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env=self.env,
                               timeout=300)
            t1 = time.perf_counter()
        if p.returncode != 0:
            raise BenchError(f"submit --batch: exit {p.returncode}: "
                             f"{p.stderr.decode()[-300:]}")
        (got,) = self.query(db, "SELECT count(*) FROM jobs")
        if got != n:
            raise BenchError(f"submit --batch made {got} jobs, not {n}")
        return n / (t1 - t0)

    def sec_submit(self):
        a = self.a
        db = self.path("submit.db")
        runs = self.submit_runs(db, "submit")
        self.remove_db(db)
        self.cache["submit"] = median(runs)
        target = self.tsp_enqueue()
        report(f"submit: jobctl submit x {a.submit_jobs}, 1 process each",
               median(runs), "jobs/s", target, runs=runs,
               note="(target: tsp enqueue)" if target else
               "(no tsp: no target)")
        report("submit: jobctl submit / minimal submit process",
               median(runs) / self.limit("submitmin"), "x")

        # submit --batch of 100,000 "true", the daemon not running.
        inp = self.path("batch.txt")
        with open(inp, "w") as f:
            f.write("true\n" * a.batch_jobs)
        runs = []
        for i in range(a.runs):
            db = self.path(f"batch{i}.db")
            runs.append(self.batch_rate(db, inp, a.batch_jobs))
            self.remove_db(db)
        os.unlink(inp)
        report(f"submit --batch of {a.batch_jobs}", median(runs), "jobs/s",
               100000, runs=runs)

    def tsp_enqueue(self):
        """tsp's enqueue rate, one process per job (reported once); None
        without tsp."""
        if "tsp_enqueue" in self.cache:
            return self.cache["tsp_enqueue"]
        tsp = self.tsp_queue()
        self.cache["tsp_enqueue"] = None
        if tsp is not None:
            truns = []
            for _ in range(self.a.runs):
                truns.append(self.spawn_rate([tsp.exe, "true"],
                                             self.a.submit_jobs,
                                             env=tsp.env))
                tsp.drain()
            report("reference: tsp enqueue, one process each",
                   median(truns), "jobs/s", runs=truns)
            self.cache["tsp_enqueue"] = median(truns)
        return self.cache["tsp_enqueue"]

    def direct_submit(self):
        """jobctl submit's rate on the database, one process per job: the
        submit section's figure, else measured (and reported) here."""
        if "submit" not in self.cache:
            db = self.path("submit.db")
            runs = self.submit_runs(db, "submit")
            self.remove_db(db)
            self.cache["submit"] = median(runs)
            report(f"submit: jobctl submit x {self.a.submit_jobs}, 1 "
                   "process each", median(runs), "jobs/s", runs=runs)
        return self.cache["submit"]

    def query(self, db, sql, args=()):
        con = self.connect(db)
        try:
            return con.execute(sql, args).fetchone()
        finally:
            con.close()

    def latencies(self, fifo, argv, env=None):
        out = self.run([self.tool("latency"), "-f", fifo, "-n",
                        str(self.a.latency_jobs), "-g", "20", "--"] + argv,
                       timeout=60 + self.a.latency_jobs, env=env)
        xs = sorted(float(x) for x in out.split())
        return percentile(xs, 0.5), percentile(xs, 0.99)

    def latency_runs(self, db, tag, nruns=None):
        """nruns (--runs) (p50, p99) of submit -> start through a jobd
        on db."""
        fifo = self.path(f"{tag}.fifo")
        if not os.path.exists(fifo):
            os.mkfifo(fifo)
        d = Daemon(self, db, tag).start()
        p50s, p99s = [], []
        try:
            lo, hi, _ = self.submit_batch(db, ["true\n"])	# warm
            self.wait_jobs(db, lo, hi, timeout=30)
            time.sleep(0.5)
            for _ in range(nruns or self.a.runs):
                p50, p99 = self.latencies(fifo, self.jc(
                    db, "submit", f"echo x > {fifo}"))
                p50s.append(p50)
                p99s.append(p99)
        finally:
            d.stop()
        return p50s, p99s

    def sec_latency(self):
        a = self.a
        db = self.path("latency.db")
        p50s, p99s = self.latency_runs(db, "latency")
        self.remove_db(db)
        n = a.latency_jobs
        report(f"latency: submit -> start, p50 of {n}", median(p50s), "ms",
               2.0, more_is_better=False, runs=p50s)
        report(f"latency: submit -> start, p99 of {n}", median(p99s), "ms",
               5.0, more_is_better=False, runs=p99s)
        self.tsp_latency()

    def tsp_latency(self):
        """tsp's enqueue -> start (p50, p99), reported once; None without
        tsp.  tsp is stopped afterwards: keep the machine quiet."""
        if "tsp_latency" in self.cache:
            return self.cache["tsp_latency"]
        self.cache["tsp_latency"] = None
        tsp = self.tsp_queue()
        if tsp is None:
            return None
        fifo = self.path("tsp.fifo")
        if not os.path.exists(fifo):
            os.mkfifo(fifo)
        p50s, p99s = [], []
        for _ in range(self.a.runs):
            p50, p99 = self.latencies(fifo, [tsp.exe, "sh", "-c",
                                             f"echo x > {fifo}"],
                                      env=tsp.env)
            p50s.append(p50)
            p99s.append(p99)
            tsp.drain()
        report("reference: tsp enqueue -> start, p50", median(p50s), "ms",
               runs=p50s)
        report("reference: tsp enqueue -> start, p99", median(p99s), "ms",
               runs=p99s)
        tsp.stop()
        del self.cache["tsp"]
        self.cache["tsp_latency"] = (median(p50s), median(p99s))
        return self.cache["tsp_latency"]

    def sec_socket(self):
        # Its own module, so that this file does not grow further.
        import bench_socket
        bench_socket.SocketSection(self, sys.modules[__name__]).run()

    def big_dbs(self, names=("small", "pending", "finished")):
        """The scale databases, each built once: small (1,000 pending),
        pending (N pending) and finished (N done, each with its attempt,
        then 1,000 pending); N = --big.  Those of names, by name."""
        dbs = self.cache.setdefault("big", {})
        if all(n in dbs for n in names):
            return dbs
        big = self.a.big
        now = int(time.time() * 1000)
        t0 = time.perf_counter()
        gen = ("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
               "FROM c WHERE i < {n}) ")
        pending = ("INSERT INTO jobs (command, run_at, created_at, "
                   "updated_at) SELECT 'true', {now} - 86400000 + i, "
                   "{now} - 86400000 + i, {now} - 86400000 + i FROM c;\n")
        fast = "PRAGMA synchronous = OFF;\nPRAGMA cache_size = -262144;\n"
        for name, script in (
                ("small", gen.format(n=1000) + pending.format(now=now)),
                ("pending", gen.format(n=big) + pending.format(now=now)),
                ("finished",
                 gen.format(n=big) +
                 "INSERT INTO jobs (command, state, run_at, attempts, "
                 "created_at, updated_at, finished_at, exit_code) "
                 f"SELECT 'true', 'done', {now} - 172800000 + i, 1, "
                 f"{now} - 172800000 + i, {now} - 172800000 + i + 5, "
                 f"{now} - 172800000 + i + 5, 0 FROM c;\n"
                 "INSERT INTO attempts (job_id, attempt, owner, "
                 "started_at, finished_at, exit_code, outcome) "
                 "SELECT id, 1, 'bench', run_at, finished_at, 0, 'ok' "
                 "FROM jobs;\n" +
                 gen.format(n=1000) + pending.format(now=now))):
            if name not in names or name in dbs:
                continue
            db = self.path(f"big-{name}.db")
            self.create_db(db)
            self.sql(db, fast + "BEGIN;\n" + script + "COMMIT;\n")
            dbs[name] = db
        note(f"scale databases ({', '.join(names)}) made by jobctl, filled "
             f"by SQL inserts in {time.perf_counter() - t0:.1f} s ({big} "
             "rows" + (f", {os.path.getsize(dbs['finished']) >> 20} MiB "
                       "finished" if "finished" in names else "") + ")")
        return dbs

    def sec_scale(self):
        a = self.a
        dbs = self.big_dbs()
        cost = {}
        for name in ("small", "pending", "finished"):
            runs = []
            for _ in range(a.runs):
                out = self.run([self.tool("lease"), "-n",
                                str(a.lease_iters), "-m", "2", dbs[name]])
                runs.append(float(out.split()[0]))
            cost[name] = (median(runs), runs)
        big = f"{a.big // 1000000}M" if a.big % 1000000 == 0 else str(a.big)
        note("lease: store_claim() (the daemon's own SQL, 2 jobs) from "
             "libjobd.a, its COMMIT turned into a ROLLBACK by a commit "
             "hook; median of "
             f"{a.lease_iters} calls per run")
        report("lease: 1k pending", cost["small"][0], "us",
               runs=cost["small"][1])
        report(f"lease: {big} pending", cost["pending"][0], "us",
               runs=cost["pending"][1])
        report(f"lease: 1k pending + {big} done", cost["finished"][0], "us",
               runs=cost["finished"][1])
        report(f"lease cost ratio {big} pending / 1k", cost["pending"][0] /
               cost["small"][0], "x", 1.2, more_is_better=False)
        report(f"lease cost ratio {big} done / 1k", cost["finished"][0] /
               cost["small"][0], "x", 1.2, more_is_better=False)

        db = dbs["finished"]
        (mid,) = self.query(db, "SELECT id FROM jobs WHERE state = 'done' "
                            "ORDER BY id LIMIT 1 OFFSET ?", (a.big // 2,))
        for label, argv in (("list --limit 50", self.jc(db, "list",
                                                       "--limit", "50")),
                            ("show ID", self.jc(db, "show", str(mid)))):
            xs = []
            for _ in range(max(7, a.runs)):
                out = self.run([self.tool("spawn"), "-n", "1", "--"] + argv)
                xs.append(float(out.split()[1]) * 1000)
            report(f"jobctl {label}, {big} jobs", median(xs), "ms", 10,
                   more_is_better=False, runs=xs)
        for name in ("small", "pending"):
            self.remove_db(dbs.pop(name))

    def queues_db(self):
        """1k pending in one queue (small) and the queues database: --big
        pending over 100 queues, q0-q9 paused, q10-q19 at concurrency 1
        with a job of another daemon running, the rest weights 1 to 3 and
        a rate that never binds; plus --big / 10 jobs waiting on a
        dependency (waiting > 0)."""
        big = self.a.big
        now = int(time.time() * 1000)
        gen = ("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
               "FROM c WHERE i < {n}) ")
        fast = "PRAGMA synchronous = OFF;\nPRAGMA cache_size = -262144;\n"
        pending = ("INSERT INTO jobs (queue, command, run_at, waiting, "
                   "created_at, updated_at) SELECT {q}, 'true', "
                   "{now} - 86400000 + i, {w}, {now} - 86400000 + i, "
                   "{now} - 86400000 + i FROM c;\n")
        t0 = time.perf_counter()
        dbs = {}
        small = self.path("q-small.db")
        self.create_db(small)
        self.sql(small, fast + "BEGIN;\n" + gen.format(n=1000) +
                 pending.format(q="'default'", now=now, w=0) + "COMMIT;\n")
        dbs["small"] = small
        db = self.path("q-queues.db")
        self.create_db(db)
        q = "'q' || (i % 100)"
        # The settings first: a queue that gets jobs gets a row.
        script = (
            gen.format(n=100) +
            "INSERT INTO queues (name, updated_at, paused, concurrency, "
            "weight, rate_n, rate_period_ms) SELECT 'q' || (i - 1), 0, "
            "i <= 10, CASE WHEN i BETWEEN 11 AND 20 THEN 1 END, "
            "1 + i % 3, CASE WHEN i > 20 THEN 1000000 END, "
            "CASE WHEN i > 20 THEN 1000 END FROM c;\n" +
            gen.format(n=big) + pending.format(q=q, now=now, w=0) +
            gen.format(n=big // 10) + pending.format(q=q, now=now, w=1) +
            gen.format(n=10) +
            "INSERT INTO jobs (queue, command, state, run_at, attempts, "
            "lease_owner, lease_expires_at, created_at, updated_at) "
            f"SELECT 'q' || (9 + i), 'sleep 1', 'running', {now}, 1, "
            f"'other', {now} + 86400000, {now}, {now} FROM c;\n")
        self.sql(db, fast + "BEGIN;\n" + script + "COMMIT;\n")
        dbs["queues"] = db
        note(f"queue databases filled by SQL inserts in "
             f"{time.perf_counter() - t0:.1f} s")
        return dbs

    def sec_queues(self):
        a = self.a
        dbs = self.queues_db()
        cost = {}
        for name in ("small", "queues"):
            runs = []
            for _ in range(a.runs):
                out = self.run([self.tool("lease"), "-n",
                                str(a.lease_iters), "-m", "2", dbs[name]])
                runs.append(float(out.split()[0]))
            cost[name] = (median(runs), runs)
        big = f"{a.big // 1000000}M" if a.big % 1000000 == 0 else str(a.big)
        note("claim: store_claim() of 2 jobs as in scale; the queues "
             f"database: {big} pending over 100 queues (10 paused, 10 at "
             f"their concurrency limit), {a.big // 10} waiting on "
             "dependencies")
        report("claim: 1k pending, one queue", cost["small"][0], "us",
               runs=cost["small"][1])
        report(f"claim: {big} pending, 100 queues", cost["queues"][0],
               "us", runs=cost["queues"][1])
        report(f"claim cost ratio {big} over 100 queues / 1k",
               cost["queues"][0] / cost["small"][0], "x", 1.2,
               more_is_better=False)
        for d in dbs.values():
            self.remove_db(d)

        runs = self.repeat("throughput, 10 queues",
                           self.fresh_queues_throughput, a.budget)
        if "throughput" not in self.cache:
            self.sec_throughput()
        base = self.cache["throughput"]
        report(f"throughput: {a.jobs} x true over 10 queues under limits",
               median(runs), "jobs/s", 0.9 * base, runs=runs,
               note="(target 0.9 x the one-queue throughput)")

    def fresh_queues_throughput(self, i):
        """As timed_throughput, the jobs spread over 10 queues, each with
        concurrency 1, a rate of 100,000/1s, a weight of 1 to 3 and
        max_running_per_user 1 (all limits checked by every claim)."""
        a = self.a
        db = self.path(f"tq{i}.db")
        self.create_db(db)
        self.sql(db, "".join(
            "INSERT INTO queues (name, updated_at, concurrency, rate_n, "
            f"rate_period_ms, weight, max_running_per_user) VALUES "
            f"('tq{k}', 0, 1, 100000, 1000, {1 + k % 3}, 1);\n"
            for k in range(10)))
        d = Daemon(self, db, f"tq{i}").start()
        try:
            t0 = time.perf_counter()
            lo = hi = None
            per = max(1, a.jobs // 10)
            for k in range(10):
                l, h, _ = self.submit_batch(db, ["true\n"] * per,
                                            "--queue", f"tq{k}")
                lo = l if lo is None else lo
                hi = h
            t1, left = self.wait_jobs(db, lo, hi, timeout=a.run_cap,
                                      cut=True)
            done = self.verify_done(db, lo, hi, partial=left > 0)
        finally:
            d.stop()
        self.remove_db(db)
        return done / (t1 - t0)

    def sec_idle(self):
        a = self.a
        db = self.path("idle.db")
        d = Daemon(self, db, "idle").start()
        try:
            self.submit_batch(db, ["true\n"] * 10000, "--in", "1d")
            # Daily schedules at hours that cannot come due in the window.
            hour = time.gmtime().tm_hour
            for i in range(100):
                h = (hour + 2 + i % 20) % 24
                self.run(self.jc(db, "schedule", "add", f"idle{i:03d}",
                                 "--cron", f"{i * 7 % 60} {h} * * *",
                                 "--tz", "UTC", "--", "true"))
            time.sleep(2)		# let the daemon settle
            sw0, rt0, cpu0 = proc_sample(d.pid)
            time.sleep(a.idle)
            d.check()
            sw1, rt1, cpu1 = proc_sample(d.pid)
            rss = proc_status(d.pid, "VmRSS") / 1024
        finally:
            d.stop()
        self.remove_db(db)
        minutes = a.idle / 60
        wake = sum(n - sw0.get(t, 0) for t, n in sw1.items())
        run_us = sum(n - rt0.get(t, 0) for t, n in rt1.items()) / 1000
        w = f"{a.idle:g} s"
        note(f"idle: 10000 jobs due in 1 day, 100 daily schedules, one "
             f"window of {w}")
        report(f"idle: CPU time (utime+stime) in {w}", cpu1 - cpu0, "ms", 0,
               more_is_better=False)
        report("idle: wake-ups (ctx switches, all threads)", wake /
               minutes, "/min", 2, more_is_better=False)
        report("idle: RSS (VmRSS)", rss, "MiB", 4, more_is_better=False)
        report(f"idle: run time (schedstat) in {w}", run_us, "us")

    def sec_load(self):
        a = self.a
        runs, before = [], []
        cmd = f"head -c {a.flood_mib}M /dev/zero\n"
        for i in range(a.runs):
            db = self.path(f"flood{i}.db")
            d = Daemon(self, db, f"flood{i}").start()
            try:
                before.append(proc_status(d.pid, "VmHWM") / 1024)
                lo, hi, _ = self.submit_batch(db, [cmd, cmd])
                self.wait_jobs(db, lo, hi, timeout=300)
                runs.append(proc_status(d.pid, "VmHWM") / 1024)
                self.verify_done(db, lo, hi)
                (dropped,) = self.query(
                    db, "SELECT sum(output_dropped + length(output)) "
                    "FROM attempts WHERE job_id BETWEEN ? AND ?", (lo, hi))
                if dropped != 2 * a.flood_mib << 20:
                    raise BenchError(f"the flood jobs wrote {dropped} "
                                     "bytes by their attempts rows")
            finally:
                d.stop()
            self.remove_db(db)
        report(f"load: jobd VmHWM, 2 jobs x {a.flood_mib} MiB output",
               median(runs), "MiB", 8, more_is_better=False, runs=runs,
               note=f"(before the jobs: {fmt(median(before))} MiB)")

        db = self.big_dbs(("finished",))["finished"]
        self.sql(db, "UPDATE jobs SET state = 'cancelled', "
                 "finished_at = updated_at WHERE state = 'pending';")
        runs = self.repeat("throughput with done jobs",
                           lambda i: self.timed_throughput(db, f"tpbig{i}"),
                           a.budget)
        if "throughput" not in self.cache:
            self.sec_throughput()
        base = self.cache["throughput"]
        big = f"{a.big // 1000000}M" if a.big % 1000000 == 0 else str(a.big)
        report(f"load: throughput, {big} done jobs in table", median(runs),
               "jobs/s", 0.9 * base, runs=runs,
               note="(target 0.9 x throughput)")

    def sec_cron(self):
        common = ("*/5 * * * *", "0 3 * * *")
        rare = ("0 0 29 2 *", "0 12 13 * 5")
        for zone in ("UTC", "Europe/Berlin"):
            rates = {e: [] for e in common + rare}
            for _ in range(self.a.runs):
                out = self.run([self.tool("cronrate"), "-t", "300", "-z",
                                zone, "--"] + list(common + rare))
                for line in out.splitlines():
                    rate, _, expr = line.split(" ", 2)
                    rates[expr].append(float(rate))
            for e in common + rare:
                report(f"cron next: {e:<12} {zone}", median(rates[e]), "/s",
                       200000 if e in common else None, runs=rates[e])

    def sec_retention(self):
        a = self.a
        full = a.retention_full
        nsched = 20 if full else a.retention_schedules
        every = 1 if full else a.retention_interval
        # In memory where there is /dev/shm: sizes do not depend on the
        # file system, and a month of fsyncs would take an hour.
        shm = "/dev/shm" if os.path.isdir("/dev/shm") else self.tmp
        d = tempfile.mkdtemp(prefix="jobd-bench-ret.", dir=shm)
        try:
            out = self.run([self.tool("retention"), "-s", str(nsched),
                            "-d", str(a.retention_days), "-o", "4096",
                            "-i", str(every), os.path.join(d, "ret.db")],
                           timeout=3600)
        finally:
            shutil.rmtree(d, ignore_errors=True)
        sizes, v = {}, {}
        for line in out.splitlines():
            f = line.split()
            if f[0] == "size":
                sizes[int(f[1])] = int(f[2])
            else:
                v[f[0]] = float(f[1])
        last = max(sizes)
        note(f"retention: {nsched} schedules every minute for "
             f"{a.retention_days} simulated days, 4 KiB output each, "
             f"default [retention] (schedule_runs 1000 binds), pruned every "
             f"{every} min with jobd's bounds; "
             + ("the full scale" if full else
                "a reduced scale (the full one: BENCH_ARGS=--retention-full)")
             + f"; database on {mount_of(shm)[0]} (no fsync in the times); "
             f"{int(v['jobs'])} jobs, {int(v['pruned'])} pruned, "
             f"{v['seconds']:.0f} s")
        report("retention: file size after day 1", sizes[1] / 2**20, "MiB")
        report(f"retention: file size after day {last}",
               sizes[last] / 2**20, "MiB")
        report(f"retention: size day {last} / day 1", sizes[last] / sizes[1],
               "x", 1.10, more_is_better=False)
        report("retention: prune transaction p99", v["prune_p99_ms"], "ms",
               10, more_is_better=False)
        report("retention: worst prune transaction", v["prune_worst_ms"],
               "ms", 50, more_is_better=False)
        report("retention: worst incremental_vacuum step",
               v["vacuum_worst_ms"], "ms", 50, more_is_better=False)
        self.cache["retention"] = (sizes[1], sizes[last])

    # PostgreSQL -----------------------------------------------------------

    def pg_server(self):
        """The run's PostgreSQL server, started on first use; None, after
        a note, when PostgreSQL is not installed."""
        if self.pg is not None:
            return self.pg
        bindir = pg_find_bin()
        if bindir is None:
            note("PostgreSQL is not installed (no initdb on PATH, in "
                 "pg_config --bindir or /usr/lib/postgresql/*/bin): no "
                 "postgresql figures; apt-get install -y postgresql")
            return None
        t0 = time.perf_counter()
        self.pg = PgServer(self, bindir, os.path.dirname(self.tmp))
        self.pg.start()
        (ver, fsync, sync, sb) = self.query(
            self.pg.url("postgres"), "SELECT current_setting('server_version'), "
            "current_setting('fsync'), current_setting('synchronous_commit'), "
            "current_setting('shared_buffers')")
        fstype, dev = mount_of(self.pg.dir)
        note(f"postgresql: a private PostgreSQL {ver} server ({bindir}), "
             f"data in {self.pg.dir} on {fstype} ({dev}), its Unix socket "
             f"only; fsync = {fsync}, synchronous_commit = {sync}, "
             f"shared_buffers = {sb}, the rest initdb's defaults; started "
             f"in {time.perf_counter() - t0:.1f} s")
        if mount_of(self.tmp)[1] != dev:
            note("WARNING: the PostgreSQL data and the SQLite databases are "
                 "on different file systems")
        return self.pg

    def sec_postgresql(self):
        if self.pg_server() is None:
            return
        self.pg_throughput()
        self.pg_submit()
        self.pg_claim()
        self.pg_latency()
        self.pg.stop()
        self.pg = None

    def pg_runs(self, what, fn):
        """--pg-runs rounds of fn(i) (each measures every setup once, so
        the engines share the machine's conditions), fewer when one more
        would pass --budget seconds."""
        a = self.a
        t0 = time.monotonic()
        for i in range(a.pg_runs):
            fn(i)
            spent = time.monotonic() - t0
            if i + 1 < a.pg_runs and spent / (i + 1) * (i + 2) > a.budget:
                note(f"{what}: {i + 1} round(s) only, {spent / (i + 1):.0f} "
                     f"s each (time budget {a.budget} s)")
                break

    def pg_throughput(self):
        a = self.a
        setups = (("pg", 1), ("sqlite", 1), ("pg", 2), ("pg", 3),
                  ("sqlite", 2))
        note(f"postgresql: throughput from submit --batch to the last job "
             f"done (as throughput), every daemon with workers = 2; each "
             f"round runs every setup once on a fresh database; the "
             f"scaling ratios are of the medians")
        for kind, line, n in (("true", "true\n", a.pg_jobs),
                              ("sleep", "sleep 0.05\n", a.pg_sleep_jobs)):
            rates = {k: [] for k in setups}

            def one_round(i):
                for eng, nd in setups:
                    tag = f"{eng}-{kind}{nd}-{i}"
                    db = (self.pg.createdb(f"tp_{kind}{nd}") if eng == "pg"
                          else self.path(f"{tag}.db"))
                    rates[(eng, nd)].append(self.timed_throughput(
                        db, tag, [line] * n, nd))
                    self.remove_db(db)
            label = f"{n} x {line.strip()}"
            self.pg_runs(f"postgresql: {label}", one_round)
            med = {k: median(v) for k, v in rates.items()}
            for eng, nd in setups[:2]:
                report(f"{eng}: {label}, 1 daemon", med[(eng, nd)],
                       "jobs/s", runs=rates[(eng, nd)])
            report(f"pg / sqlite: {label}, 1 daemon",
                   med[("pg", 1)] / med[("sqlite", 1)], "x")
            for nd in (2, 3):
                report(f"pg: {label}, {nd} daemons", med[("pg", nd)],
                       "jobs/s", runs=rates[("pg", nd)])
            # Jobs that sleep leave the CPUs idle: each daemon adds two
            # workers, so the rate should follow the number of daemons
            # (2x, 3x) less the per-job overhead and the last round's tail.
            for nd, target in ((2, 1.6), (3, 2.2)):
                report(f"pg: {label}, {nd} daemons / 1",
                       med[("pg", nd)] / med[("pg", 1)], "x",
                       target if kind == "sleep" else None)
            report(f"sqlite: {label}, 2 daemons, one file",
                   med[("sqlite", 2)], "jobs/s", runs=rates[("sqlite", 2)])
            report(f"sqlite: {label}, 2 daemons / 1",
                   med[("sqlite", 2)] / med[("sqlite", 1)], "x")
        note("every run: each job done has exactly one attempt recorded, "
             "ended ok")

    def pg_submit(self):
        a = self.a
        note(f"postgresql: jobctl submit, one process per job, {a.submit_jobs}"
             f" a run, a jobd running (as submit); submit --batch of "
             f"{a.pg_batch} into an empty database, no jobd")
        db = self.path("pg-sqlite-submit.db")
        sruns = self.submit_runs(db, "sqlite-submit", a.pg_runs)
        self.remove_db(db)
        url = self.pg.createdb("submit")
        pruns = self.submit_runs(url, "pg-submit", a.pg_runs)
        self.remove_db(url)
        n = a.submit_jobs
        report(f"pg: jobctl submit x {n}, 1 process each", median(pruns),
               "jobs/s", runs=pruns)
        report(f"sqlite: jobctl submit x {n}, 1 process each",
               median(sruns), "jobs/s", runs=sruns)
        report("pg / sqlite: jobctl submit, 1 process each",
               median(pruns) / median(sruns), "x")

        # Two sizes: one transaction each, so a cost per row that grows
        # with the rows before it shows as a rate that falls with size.
        rates = {}
        for n in (a.pg_batch // 4, a.pg_batch):
            inp = self.path("pg-batch.txt")
            with open(inp, "w") as f:
                f.write("true\n" * n)
            for i in range(a.pg_runs):
                db = self.path(f"pg-sqlite-batch{i}.db")
                rates.setdefault(("sqlite", n), []).append(
                    self.batch_rate(db, inp, n))
                self.remove_db(db)
                url = self.pg.createdb("batch")
                rates.setdefault(("pg", n), []).append(
                    self.batch_rate(url, inp, n))
                self.remove_db(url)
            os.unlink(inp)
            for eng in ("pg", "sqlite"):
                report(f"{eng}: submit --batch of {n}",
                       median(rates[(eng, n)]), "jobs/s",
                       runs=rates[(eng, n)])
            report(f"pg / sqlite: submit --batch of {n}",
                   median(rates[("pg", n)]) / median(rates[("sqlite", n)]),
                   "x")
        for eng in ("pg", "sqlite"):
            report(f"{eng}: submit --batch rate, {a.pg_batch} / "
                   f"{a.pg_batch // 4}", median(rates[(eng, a.pg_batch)]) /
                   median(rates[(eng, a.pg_batch // 4)]), "x")

    def pg_claim_dbs(self):
        """small (1,000 pending) and pending (--big pending): databases
        made by jobctl, filled by one INSERT ... generate_series each, as
        big_dbs fills SQLite's, then VACUUM ANALYZE (what autovacuum does
        within a minute of such an insert).  The insert runs with the
        triggers off, and the per-queue count is then added in one call,
        as the statement's trigger would have left it (and the commit
        makes the queue ready), without counting a million transition
        rows once more."""
        now = int(time.time() * 1000)
        t0 = time.perf_counter()
        urls = {}
        for name, n in (("small", 1000), ("pending", self.a.big)):
            url = self.pg.createdb(f"claim_{name}")
            self.create_db(url)
            self.sql(url, "BEGIN;\n"
                     "SET LOCAL session_replication_role = replica;\n"
                     "INSERT INTO jobs (command, run_at, created_at, "
                     f"updated_at) SELECT 'true', {now} - 86400000 + i, "
                     f"{now} - 86400000 + i, {now} - 86400000 + i "
                     f"FROM generate_series(1, {n}) AS c(i);\n"
                     "SET LOCAL session_replication_role = origin;\n"
                     f"SELECT metric_jobs_add('default', 'pending', {n});\n"
                     "COMMIT;\n"
                     "VACUUM ANALYZE;\n")
            (got,) = self.query(url, "SELECT n FROM metric_jobs WHERE "
                                "queue = 'default' AND state = 'pending'")
            if got != n:
                raise BenchError(f"claim database {name}: metric_jobs "
                                 f"counts {got} pending, not {n}")
            urls[name] = url
        (size,) = self.query(urls["pending"], "SELECT "
                             "pg_database_size(current_database())")
        note(f"postgresql: claim databases made by jobctl, filled by "
             f"INSERT ... generate_series and VACUUM ANALYZE in "
             f"{time.perf_counter() - t0:.1f} s ({self.a.big} rows, "
             f"{size >> 20} MiB)")
        return urls

    def pg_claim(self):
        a = self.a
        sq = self.big_dbs(("small", "pending"))
        pg = self.pg_claim_dbs()
        cost = {}
        for i in range(a.pg_runs):
            for eng, dbs in (("pg", pg), ("sqlite", sq)):
                for name in ("small", "pending"):
                    out = self.run([self.tool("lease"), "-n",
                                    str(a.lease_iters), "-m", "2",
                                    dbs[name]])
                    cost.setdefault((eng, name), []).append(
                        float(out.split()[0]))
        med = {k: median(v) for k, v in cost.items()}
        big = f"{a.big // 1000000}M" if a.big % 1000000 == 0 else str(a.big)
        note("postgresql: claim: bench/lease, store_claim() of 2 jobs "
             "(the daemon's function and SQL, from libjobd.a), its COMMIT "
             "turned into a ROLLBACK (SQLite: a commit hook; PostgreSQL: "
             f"a wrapper of PQexec), the median of {a.lease_iters} calls "
             "a run, from BEGIN (with the advisory lock) to the ROLLBACK")
        for name, label in (("small", "1k pending"), ("pending",
                                                      f"{big} pending")):
            for eng in ("pg", "sqlite"):
                report(f"{eng}: claim, {label}", med[(eng, name)], "us",
                       runs=cost[(eng, name)])
            report(f"pg / sqlite: claim, {label}",
                   med[("pg", name)] / med[("sqlite", name)], "x")
        for eng in ("pg", "sqlite"):
            report(f"{eng}: claim cost ratio {big} pending / 1k",
                   med[(eng, "pending")] / med[(eng, "small")], "x")
        for name in ("small", "pending"):
            self.remove_db(sq.pop(name))
            self.remove_db(pg[name])

    def pg_latency(self):
        a = self.a
        note(f"postgresql: submit -> start (as latency): {a.latency_jobs} "
             "jobctl submit a run, 20 ms apart, against an idle jobd "
             "(PostgreSQL: woken by NOTIFY)")
        url = self.pg.createdb("latency")
        p50s, p99s = self.latency_runs(url, "pg-latency", a.pg_runs)
        self.remove_db(url)
        db = self.path("pg-sqlite-latency.db")
        s50s, s99s = self.latency_runs(db, "sqlite-latency", a.pg_runs)
        self.remove_db(db)
        n = a.latency_jobs
        for p, pr, sr in (("p50", p50s, s50s), ("p99", p99s, s99s)):
            report(f"pg: submit -> start, {p} of {n}", median(pr), "ms",
                   runs=pr)
            report(f"sqlite: submit -> start, {p} of {n}", median(sr),
                   "ms", runs=sr)
            report(f"pg / sqlite: submit -> start, {p}",
                   median(pr) / median(sr), "x")

    # task-spooler ---------------------------------------------------------

    def tsp_queue(self):
        if "tsp" in self.cache:
            return self.cache["tsp"]
        self.cache["tsp"] = None
        exe = find_tsp()
        if exe is None:
            note("task-spooler (tsp) not available: no reference figures "
                 "and no tsp target (make bench installs it as root; "
                 "apt-get install -y task-spooler)")
            return None
        self.tsp = Tsp(self, exe)
        self.tsp.start()
        self.cache["tsp"] = self.tsp
        return self.tsp

    # Main -----------------------------------------------------------------

    def main(self):
        a = self.a
        t0 = time.monotonic()
        base = a.tmpdir or None
        self.tmp = tempfile.mkdtemp(prefix="jobd-bench.", dir=base)
        fstype, dev = mount_of(self.tmp)
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        u = os.uname()
        note(f"jobd benchmarks, {when}; {u.sysname} {u.release}, "
             f"{os.cpu_count()} CPUs, load average {loadavg()}")
        note(f"binaries: {self.build}; temp dir {self.tmp} on {fstype} "
             f"({dev}); every database and SQLite limit is there")
        if fstype in ("tmpfs", "ramfs"):
            note("WARNING: the temp dir is in memory: fsync costs nothing, "
                 "the durable figures mean little (use --tmpdir)")
        with open(self.conf()) as f:
            cfg = "; ".join(l.strip() for l in f
                            if l.strip() and not l.startswith(("#", ";")))
        note(f"jobd config: etc/jobd.conf with workers = 2 and an empty "
             f"schedules_dir: {cfg}")
        only = a.only.split(",") if a.only else SECTIONS
        for s in only:
            if s not in SECTIONS:
                raise BenchError(f"--only: no section \"{s}\"; sections: "
                                 + ", ".join(SECTIONS))
        for s in SECTIONS:
            if s in only:
                getattr(self, "sec_" + s)()
        note(f"load average at the end {loadavg()}; wall time "
             f"{time.monotonic() - t0:.0f} s")

    def cleanup(self):
        for p in self.procs:
            kill_wait(p)
        for d in list(self.daemons):
            d.stop(quiet=True)
        if self.pg is not None:
            self.pg.stop()
        if self.tsp is not None:
            self.tsp.stop()
        if self.tmp is None:
            return
        # A job blocked opening a FIFO nobody reads: let it through.
        for name in os.listdir(self.tmp):
            if name.endswith(".fifo"):
                try:
                    fd = os.open(self.path(name),
                                 os.O_RDONLY | os.O_NONBLOCK)
                    os.close(fd)
                except OSError:
                    pass
        kill_naming(self.tmp)
        shutil.rmtree(self.tmp, ignore_errors=True)


def kill_wait(p):
    if p.poll() is None:
        p.kill()
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def kill_naming(text):
    """SIGKILL every process (other than us) whose command line or
    environment names text: the jobs and servers we started, by pid."""
    me = os.getpid()
    b = text.encode()
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == me:
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                hit = b in f.read()
            if not hit:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    hit = b in f.read()
            if hit:
                os.kill(int(pid), signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass


class Daemon:
    """One jobd on one database, with the bench's config; with sock,
    listening on that submission socket too; with cgroups, that value of
    [jobd] cgroups."""

    def __init__(self, bench, db, tag, sock=None, cgroups=None):
        self.b, self.db, self.tag, self.sock = bench, db, tag, sock
        self.cgroups = cgroups
        self.log = bench.path(f"jobd-{tag}.log")
        self.p = None

    @property
    def pid(self):
        return self.p.pid

    def start(self):
        b = self.b
        with open(self.log, "w") as log:
            self.p = subprocess.Popen(
                [b.jobd, "--config", b.conf(self.sock, self.cgroups),
                 "--db", self.db],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                env=b.env, start_new_session=True)
        b.daemons.append(self)
        deadline = time.monotonic() + 30
        while True:
            self.check()
            if is_pg(self.db) or os.path.exists(self.db):
                try:
                    (n,) = b.query(self.db, "SELECT count(*) FROM daemons "
                                   "WHERE pid = ?", (self.p.pid,))
                    if n and (self.sock is None or
                              os.path.exists(self.sock)):
                        return self
                except (sqlite3.Error, DbError):
                    pass		# not created or migrated yet
            if time.monotonic() > deadline:
                raise BenchError(f"jobd ({self.tag}) did not register "
                                 "within 30 s" + self.tail())
            time.sleep(0.02)

    def tail(self):
        try:
            with open(self.log) as f:
                return "; log: " + " | ".join(f.read().splitlines()[-5:])
        except OSError:
            return ""

    def check(self):
        if self.p is not None and self.p.poll() is not None:
            rc = self.p.returncode
            self.b.daemons.remove(self)
            self.p = None
            raise BenchError(f"jobd ({self.tag}) exited with {rc}"
                             + self.tail())

    def stop(self, quiet=False):
        if self.p is None:
            return
        p, self.p = self.p, None
        if self in self.b.daemons:
            self.b.daemons.remove(self)
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout=10 if quiet else 60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            rc = "killed"
        if rc != 0 and not quiet:
            raise BenchError(f"jobd ({self.tag}) stopped with {rc}"
                             + self.tail())


# -- PostgreSQL --------------------------------------------------------------

def is_pg(db):
    return db.startswith("postgresql:")


def pg_find_bin():
    """The directory of initdb, pg_ctl and postgres, as tests/e2e/pglib.sh
    finds it: from initdb on PATH, pg_config --bindir, or the newest
    /usr/lib/postgresql/*/bin; None when there is none."""
    exe = shutil.which("initdb")
    if exe:
        d = os.path.dirname(os.path.realpath(exe))
        if os.access(os.path.join(d, "pg_ctl"), os.X_OK):
            return d
    try:
        d = subprocess.run(["pg_config", "--bindir"], capture_output=True,
                           text=True, timeout=10).stdout.strip()
        if d and os.access(os.path.join(d, "initdb"), os.X_OK):
            return d
    except (OSError, subprocess.TimeoutExpired):
        pass
    try:
        vers = sorted((v for v in os.listdir("/usr/lib/postgresql")
                       if v.isdigit()), key=int, reverse=True)
    except OSError:
        vers = []
    for v in vers:
        d = f"/usr/lib/postgresql/{v}/bin"
        if os.access(os.path.join(d, "initdb"), os.X_OK):
            return d
    return None


class PgConn:
    """One psql process on one database, kept open for the polls of a run:
    execute() sends a statement (its "?" replaced by the integer
    arguments) and reads its rows to a marker line; fetchone() gives the
    first, its integers as int and NULL as None.  An error leaves psql
    running (no ON_ERROR_STOP) and raises DbError."""

    END = "-- jobd-bench: end --"

    def __init__(self, pg, url):
        self.url = url
        self.errlog = pg.path(f"psql-{len(pg.conns)}.err")
        with open(self.errlog, "w") as err:
            self.p = subprocess.Popen(
                [pg.psql_bin, "-X", "-A", "-t", "-q", "-d", url],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                text=True, env=pg.b.env)
        self.rows = []

    def alive(self):
        return self.p.poll() is None

    def execute(self, sql, args=()):
        parts = sql.split("?")
        if len(parts) != len(args) + 1:
            raise BenchError(f"{len(args)} arguments for: {sql}")
        text = parts[0] + "".join(str(int(a)) + t
                                  for a, t in zip(args, parts[1:]))
        try:
            self.p.stdin.write(text + ";\n\\echo '" + self.END + "'\n")
            self.p.stdin.flush()
        except (BrokenPipeError, OSError):
            raise DbError(f"psql on {self.url} exited")
        self.rows = []
        while True:
            line = self.p.stdout.readline()
            if line == "":
                raise DbError(f"psql on {self.url} exited")
            line = line.rstrip("\n")
            if line == self.END:
                break
            if line:
                self.rows.append(tuple(
                    None if f == "" else int(f) if f.lstrip("-").isdigit()
                    else f for f in line.split("|")))
        if not self.rows:
            with open(self.errlog) as f:
                why = f.read().strip().splitlines()
            raise DbError(why[-1] if why else f"no row from: {text}")
        return self

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def close(self):
        pass			# kept for the next query; quit() ends it

    def quit(self):
        if self.p.poll() is None:
            try:
                self.p.stdin.close()
                self.p.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                kill_wait(self.p)


class PgServer:
    """A private PostgreSQL server for the run, made the way
    tests/e2e/pglib.sh makes one: initdb into a new directory beside the
    bench's temp dir (not in it: cleanup kills every process that names
    that one, and as root it is closed to postgres), as the user postgres
    when we are root, trust authentication, listen_addresses = '' (its
    Unix socket in its own directory only), fsync and synchronous_commit
    on (PostgreSQL's defaults, written out: the durability of SQLite's
    synchronous = FULL), started with pg_ctl -w.  stop() stops it (fast,
    then immediate, then SIGKILL) and removes the directory; a watcher in
    a session of its own does the same if this process dies without
    cleaning up."""

    PORT = 5432			# names the socket file only

    def __init__(self, bench, bindir, base):
        self.b = bench
        self.bin = bindir
        self.psql_bin = (os.path.join(bindir, "psql")
                         if os.access(os.path.join(bindir, "psql"), os.X_OK)
                         else shutil.which("psql"))
        if self.psql_bin is None:
            raise BenchError("PostgreSQL: no psql")
        self.root = os.geteuid() == 0
        self.base = base
        self.dir = None
        self.conns = {}
        self.watcher = None
        self.ndb = 0

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def as_server(self):
        """subprocess arguments that run a server program as its user."""
        kw = {"cwd": self.dir, "env": self.b.env}
        if self.root:
            kw.update(user="postgres", group="postgres", extra_groups=[])
        return kw

    def server_run(self, argv, timeout=120):
        r = subprocess.run(argv, capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL,
                           **self.as_server())
        if r.returncode != 0:
            tail = ""
            try:
                with open(self.path("server.log")) as f:
                    tail = " | ".join(f.read().splitlines()[-5:])
            except OSError:
                pass
            raise BenchError(f"PostgreSQL: {os.path.basename(argv[0])} "
                             f"{argv[-1]}: exit {r.returncode}: "
                             f"{(r.stdout + r.stderr).strip()[-300:]}"
                             + (f"; log: {tail}" if tail else ""))
        return r.stdout

    def start(self):
        if self.root:
            try:
                import pwd
                pwd.getpwnam("postgres")
            except KeyError:
                raise BenchError("PostgreSQL: as root the server runs as "
                                 "the user postgres, and there is none")
        self.dir = tempfile.mkdtemp(prefix="jobd-bench-pg.", dir=self.base)
        if len(self.path(f".s.PGSQL.{self.PORT}")) > 100:
            raise BenchError(f"PostgreSQL: {self.dir}: too long a path "
                             "for a socket (use --tmpdir)")
        os.chmod(self.dir, 0o755)
        if self.root:
            shutil.chown(self.dir, "postgres", "postgres")
        self.watch()
        data = self.path("data")
        self.server_run([os.path.join(self.bin, "initdb"), "-D", data,
                         "-U", "postgres", "-A", "trust", "-E", "UTF8",
                         "--locale=C", "--no-sync"])
        with open(os.path.join(data, "postgresql.conf"), "a") as f:
            f.write("# jobd bench: a private server, its socket only\n"
                    "listen_addresses = ''\n"
                    f"unix_socket_directories = '{self.dir}'\n"
                    f"port = {self.PORT}\n"
                    "fsync = on\n"
                    "synchronous_commit = on\n")
        self.server_run([os.path.join(self.bin, "pg_ctl"), "-D", data,
                         "-l", self.path("server.log"), "-w", "-t", "60",
                         "start"], timeout=90)
        return self

    def watch(self):
        """Stop the server and remove its directory once this process
        is gone, should it die without its cleanup (SIGKILL)."""
        asu = "setpriv --reuid=postgres --regid=postgres --init-groups" \
            if self.root and shutil.which("setpriv") else ""
        script = ('while kill -0 "$1" 2>/dev/null; do sleep 1; done; '
                  'if [ -f "$3/data/postmaster.pid" ]; then '
                  'cd "$3" && $4 "$2/pg_ctl" -D "$3/data" -m immediate '
                  '-w -t 30 stop; fi; rm -rf "$3"')
        self.watcher = subprocess.Popen(
            ["sh", "-c", script, "jobd-bench-pg-watch", str(os.getpid()),
             self.bin, self.dir, asu], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)

    def url(self, name):
        return (f"postgresql:///{name}?host={self.dir}&port={self.PORT}"
                "&user=postgres")

    def psql(self, url, script, timeout=600):
        """Run an SQL script through psql (stop at the first error)."""
        return self.b.run([self.psql_bin, "-X", "-A", "-t", "-q", "-v",
                           "ON_ERROR_STOP=1", "-d", url, "-f", "-"],
                          input=script, timeout=timeout)

    def createdb(self, tag):
        """A new empty database; its URI."""
        self.ndb += 1
        name = f"bench_{tag}_{self.ndb}"
        self.psql(self.url("postgres"), f"CREATE DATABASE {name};")
        return self.url(name)

    def connect(self, url):
        c = self.conns.get(url)
        if c is None or not c.alive():
            c = self.conns[url] = PgConn(self, url)
        return c

    def dropdb(self, url):
        c = self.conns.pop(url, None)
        if c is not None:
            c.quit()
        name = urllib.parse.urlsplit(url).path.lstrip("/")
        self.psql(self.url("postgres"),
                  f"DROP DATABASE IF EXISTS {name} WITH (FORCE);")

    def postmaster(self):
        try:
            with open(self.path("data", "postmaster.pid")) as f:
                return int(f.readline())
        except (OSError, ValueError):
            return None

    def stop(self):
        if self.dir is None:
            return
        for c in self.conns.values():
            c.quit()
        self.conns = {}
        pid = self.postmaster()
        if pid is not None:
            ctl = [os.path.join(self.bin, "pg_ctl"), "-D",
                   self.path("data"), "-w", "-t", "30", "stop", "-m"]
            for mode in ("fast", "immediate"):
                try:
                    self.server_run(ctl + [mode], timeout=45)
                    break
                except (BenchError, subprocess.TimeoutExpired):
                    pass
            # pg_ctl made the postmaster a session leader: kill what is
            # left of its session, by pid.
            for p in os.listdir("/proc"):
                if not p.isdigit():
                    continue
                try:
                    if os.getsid(int(p)) == pid:
                        os.kill(int(p), signal.SIGKILL)
                except (OSError, ProcessLookupError):
                    pass
        if self.watcher is not None:
            kill_wait(self.watcher)
            self.watcher = None
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None


def find_tsp():
    """task-spooler's program (installed by make bench); None without."""
    for name in ("tsp", "ts"):
        exe = shutil.which(name)
        if exe and is_task_spooler(exe):
            return exe
    return None


def is_task_spooler(exe):
    """moreutils has a "ts" too, a different program."""
    try:
        r = subprocess.run([exe, "-V"], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=5,
                           env={"PATH": os.environ.get("PATH", ""),
                                "TS_SOCKET": "/nonexistent/ts-probe"})
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "spooler" in (r.stdout + r.stderr).lower()


class Tsp:
    """A task-spooler server of our own: its socket and output files in
    the temp dir, 2 slots (like jobd's 2 workers)."""

    def __init__(self, bench, exe):
        self.b, self.exe = bench, exe
        d = bench.path("tsp")
        os.makedirs(d, exist_ok=True)
        self.env = dict(bench.env, TS_SOCKET=os.path.join(d, "socket"),
                        TMPDIR=d, TS_SLOTS="2", TS_MAXFINISHED="10000")
        self.started = False

    def start(self):
        self.started = True
        self.b.run([self.exe, "true"], env=self.env)
        self.drain()

    def drain(self):
        """Wait for the queue to run empty, then forget finished jobs."""
        deadline = time.monotonic() + 120
        while True:
            out = self.b.run([self.exe], env=self.env)
            busy = [l for l in out.splitlines()[1:]
                    if l.split()[1:2] in (["running"], ["queued"])]
            if not busy:
                break
            if time.monotonic() > deadline:
                raise BenchError(f"tsp: {len(busy)} jobs still queued or "
                                 "running after 120 s")
            time.sleep(0.05)
        self.b.run([self.exe, "-C"], env=self.env)
        for name in os.listdir(self.env["TMPDIR"]):
            if name.startswith("ts-out."):
                os.unlink(os.path.join(self.env["TMPDIR"], name))

    def stop(self):
        if self.started:
            self.started = False
            self.b.run([self.exe, "-K"], env=self.env, check=False,
                       timeout=10)


def main():
    ap = argparse.ArgumentParser(
        description="jobd benchmarks: figures against targets and this "
        "machine's own limits")
    ap.add_argument("build", help="build directory with jobd, jobctl and "
                    "bench/")
    ap.add_argument("--runs", type=int, default=3,
                    help="runs per figure, the median is reported (3)")
    ap.add_argument("--idle", type=float, default=60.0,
                    help="the idle window, seconds (60)")
    ap.add_argument("--jobs", type=int, default=5000,
                    help="jobs of the throughput runs (5000)")
    ap.add_argument("--spawn-count", type=int, default=1000,
                    help="processes per spawn-limit run (1000)")
    ap.add_argument("--submit-jobs", type=int, default=500,
                    help="one-process submissions per run (500)")
    ap.add_argument("--batch-jobs", type=int, default=100000,
                    help="jobs of the submit --batch runs (100000)")
    ap.add_argument("--latency-jobs", type=int, default=200,
                    help="jobs per latency run (200)")
    ap.add_argument("--big", type=int, default=1000000,
                    help="rows of the scale databases (1000000)")
    ap.add_argument("--retention-days", type=int, default=30,
                    help="simulated days of the retention bench (30)")
    ap.add_argument("--retention-schedules", type=int, default=2,
                    help="schedules of the reduced retention bench (2)")
    ap.add_argument("--retention-interval", type=int, default=5,
                    help="minutes between prunes, reduced bench (5)")
    ap.add_argument("--retention-full", action="store_true",
                    help="retention bench at full scale: 20 schedules, "
                    "pruned every minute (minutes to run)")
    ap.add_argument("--lease-iters", type=int, default=1000,
                    help="lease transactions per run (1000)")
    ap.add_argument("--flood-mib", type=int, default=200,
                    help="output of each flood job, MiB (200)")
    ap.add_argument("--budget", type=int, default=120,
                    help="seconds a throughput figure may take: fewer runs "
                    "when the daemon is slow (120)")
    ap.add_argument("--run-cap", type=int, default=60,
                    help="seconds one throughput run may take: then it is "
                    "cut and counts the jobs done (60)")
    ap.add_argument("--pg-jobs", type=int, default=2000,
                    help="postgresql: jobs \"true\" of the throughput runs "
                    "(2000)")
    ap.add_argument("--pg-sleep-jobs", type=int, default=200,
                    help="postgresql: jobs \"sleep 0.05\" of the scaling "
                    "runs (200)")
    ap.add_argument("--pg-batch", type=int, default=20000,
                    help="postgresql: jobs of the submit --batch runs "
                    "(20000)")
    ap.add_argument("--pg-runs", type=int, default=2,
                    help="postgresql: runs per figure, and rounds of the "
                    "throughput runs, each of every setup (2)")
    ap.add_argument("--only", metavar="SECTION[,...]",
                    help="run only these sections: " + ", ".join(SECTIONS))
    ap.add_argument("--tmpdir", help="where to make the temp dir (the "
                    "file system of the figures; default $TMPDIR or /tmp)")
    args = ap.parse_args()
    if args.runs < 1 or args.idle <= 0 or args.jobs < 1 or args.big < 2000:
        ap.error("--runs, --idle and --jobs must be positive, --big at "
                 "least 2000")
    if min(args.pg_runs, args.pg_jobs, args.pg_sleep_jobs) < 1 or \
            args.pg_batch < 4:
        ap.error("--pg-runs, --pg-jobs and --pg-sleep-jobs must be "
                 "positive, --pg-batch at least 4")
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(s, on_signal)
    b = None
    try:
        b = Bench(args)
        b.main()
        return 0
    except BenchError as e:
        print(f"bench: FAILED: {e}", file=sys.stderr, flush=True)
        return 1
    except Interrupted as e:
        print(f"bench: interrupted ({e}); cleaning up", file=sys.stderr)
        return 130
    finally:
        if b is not None:
            for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                signal.signal(s, signal.SIG_IGN)
            b.cleanup()


if __name__ == "__main__":
    sys.exit(main())
