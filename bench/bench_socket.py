"""The socket section of make bench (bench.py --only socket).

jobctl through jobd's submission socket (jobd(8) SUBMISSION SOCKET),
each figure beside task-spooler's from the same run:

  * jobctl --socket S submit, one process per job, one after another:
    target tsp's enqueue rate;
  * the same, 8 submitters at once (bench/spawn -c 8: 8 threads, each
    starting one jobctl at a time): target 3 x jobctl submit's rate on
    the database, one process per job;
  * submit -> start through the socket, including jobctl's start, timed
    as the latency section times the database path and tsp: p50 against
    2 ms and tsp's p50, p99 against 5 ms;
  * where the time of a socket submit goes: bench/sockmin (connect, send
    the bytes jobctl sends, read the answer, in a process linked with libc
    alone) at the same rate and latency; an empty program linked with
    libc alone, with libsqlite3, and with every library jobctl loads;
    jobctl --version; the loader's own statistics (LD_DEBUG=statistics).

One jobd (the bench's config, socket = a path in the temp dir) serves
every socket figure, on one database; each run waits for its jobs to be
done before the next starts.  A second one, with cgroups = off, gives the
latency once more: what putting each job into a cgroup of its own adds.
"""
import os
import socket
import subprocess
import threading

# jobd's answer to a submission of one job: {"v": 1, "rc": 0, "r": [[1,
# false]]}, as jobctl reads it (the capture below gives it to jobctl).
ANSWER = bytes.fromhex("0000000e" "a3617601627263006172818201f4")


class SocketSection:
    def __init__(self, bench, m):
        """bench: the Bench; m: bench.py's module (report, note, median,
        Daemon, BenchError)."""
        self.b, self.m = bench, m
        self.sock = bench.path("jobd.sock")

    def jc(self, *args):
        return [self.b.jobctl, "--socket", self.sock] + list(args)

    def capture(self, command):
        """The bytes jobctl sends through the socket for "submit
        COMMAND", as hex: a listener of our own takes them and answers as
        jobd would."""
        path = self.b.path("capture.sock")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(path)
        srv.listen(1)
        srv.settimeout(30)
        got = {}

        def take():
            try:
                c, _ = srv.accept()
                with c:
                    c.settimeout(30)
                    buf = b""
                    while len(buf) < 4 or \
                            len(buf) < 4 + int.from_bytes(buf[:4], "big"):
                        chunk = c.recv(65536)
                        if not chunk:
                            break
                        buf += chunk
                    got["req"] = buf
                    c.sendall(ANSWER)
            except OSError as e:
                got["error"] = str(e)
        t = threading.Thread(target=take)
        t.start()
        try:
            out = self.b.run([self.b.jobctl, "--socket", path, "submit",
                              command])
        finally:
            t.join()
            srv.close()
            os.unlink(path)
        req = got.get("req", b"")
        if out.strip() != "1" or len(req) < 4 or \
                len(req) != 4 + int.from_bytes(req[:4], "big"):
            raise self.m.BenchError("capturing jobctl's request failed: "
                                    + got.get("error", f"{len(req)} bytes"))
        return req.hex()

    def submits(self, db, argv, n, conc=1):
        """Runs per second of argv, n times, conc at a time, each making
        one job on db; then waits for those jobs to be done."""
        b = self.b
        (hi0,) = b.query(db, "SELECT coalesce(max(id), 0) FROM jobs")
        rate = b.spawn_rate(argv, n, conc)
        (hi, made) = b.query(db, "SELECT max(id), count(*) FROM jobs "
                             "WHERE id > ?", (hi0,))
        if made != n:
            raise self.m.BenchError(f"{n} submits through the socket "
                                    f"made {made} jobs")
        b.wait_jobs(db, hi0 + 1, hi, timeout=120)
        return rate

    def run(self):
        b, m, a = self.b, self.m, self.b.a
        report, note, median = m.report, m.note, m.median
        tsp_rate = b.tsp_enqueue()
        tsp_lat = b.tsp_latency()
        direct = b.direct_submit()
        hexreq = self.capture("true")
        fifo = b.path("socket.fifo")
        if not os.path.exists(fifo):
            os.mkfifo(fifo)
        hexlat = self.capture(f"echo x > {fifo}")
        n, n8 = a.submit_jobs, 2 * a.submit_jobs
        db = b.path("socket.db")
        rates = {k: [] for k in ("jobctl", "sockmin", "jobctl8")}
        lat = {k: ([], []) for k in ("jobctl", "sockmin")}
        d = m.Daemon(b, db, "socket", self.sock).start()
        try:
            self.submits(db, self.jc("submit", "true"), 1)	# warm
            for _ in range(a.runs):
                rates["jobctl"].append(self.submits(
                    db, self.jc("submit", "true"), n))
                rates["sockmin"].append(self.submits(
                    db, [b.tool("sockmin"), self.sock, hexreq], n))
                rates["jobctl8"].append(self.submits(
                    db, self.jc("submit", "true"), n8, 8))
            for _ in range(a.runs):
                for k, argv in (("jobctl", self.jc("submit",
                                                   f"echo x > {fifo}")),
                                ("sockmin", [b.tool("sockmin"), self.sock,
                                             hexlat])):
                    p50, p99 = b.latencies(fifo, argv)
                    lat[k][0].append(p50)
                    lat[k][1].append(p99)
        finally:
            d.stop()
        b.remove_db(db)
        # The same latency with cgroups = off: what moving the job's
        # process into its cgroup (a write to cgroup.procs) adds.
        off = ([], [])
        d = m.Daemon(b, db, "socket-nocg", self.sock, "off").start()
        try:
            self.submits(db, self.jc("submit", "true"), 1)	# warm
            for _ in range(a.runs):
                p50, p99 = b.latencies(fifo, self.jc("submit",
                                                     f"echo x > {fifo}"))
                off[0].append(p50)
                off[1].append(p99)
        finally:
            d.stop()
        b.remove_db(db)
        med = {k: median(v) for k, v in rates.items()}
        note(f"socket: one jobd (workers = 2) with socket = {self.sock}; "
             f"jobctl --socket, JOBD_DB unset; every job submitted was "
             f"made, and done before the next run; bench/sockmin sends the "
             f"bytes jobctl sends (captured) from a process linked with "
             f"libc alone")
        report(f"socket: jobctl submit x {n}, 1 process each",
               med["jobctl"], "jobs/s", tsp_rate, runs=rates["jobctl"],
               note="(target: tsp enqueue)" if tsp_rate else
               "(no tsp: no target)")
        report(f"socket: sockmin x {n} (minimal client)", med["sockmin"],
               "jobs/s", runs=rates["sockmin"])
        report("socket: jobctl submit / minimal client",
               med["jobctl"] / med["sockmin"], "x")
        report("socket: jobctl submit / on the database",
               med["jobctl"] / direct, "x")
        report(f"socket: 8 submitters, jobctl submit x {n8}",
               med["jobctl8"], "jobs/s", 3 * direct, runs=rates["jobctl8"],
               note="(target 3 x jobctl submit on the database, "
               f"{m.fmt(direct)}/s)")
        nl = a.latency_jobs
        p50s, p99s = lat["jobctl"]
        report(f"socket: submit -> start, p50 of {nl}", median(p50s), "ms",
               2.0, more_is_better=False, runs=p50s)
        if tsp_lat:
            report("socket: submit -> start p50 / tsp's", median(p50s) /
                   tsp_lat[0], "x", 1.0, more_is_better=False,
                   note=f"(tsp p50 {m.fmt(tsp_lat[0])} ms)")
        report(f"socket: submit -> start, p99 of {nl}", median(p99s), "ms",
               5.0, more_is_better=False, runs=p99s)
        report("socket: submit -> start, p50, cgroups = off",
               median(off[0]), "ms", runs=off[0])
        report("socket: submit -> start, p99, cgroups = off",
               median(off[1]), "ms", runs=off[1])
        p50s, p99s = lat["sockmin"]
        report("socket: sockmin submit -> start, p50", median(p50s), "ms",
               runs=p50s)
        report("socket: sockmin submit -> start, p99", median(p99s), "ms",
               runs=p99s)
        self.startup(1000 / med["jobctl"], 1000 / med["sockmin"])

    def startup(self, submit_ms, sockmin_ms):
        """What starting a process costs, with and without jobctl's
        libraries: ms per run of each program, one at a time."""
        b, m, a = self.b, self.m, self.b.a
        progs = (("bare", [b.tool("startup-bare")]),
                 ("sqlite", [b.tool("startup-sqlite")]),
                 ("libs", [b.tool("startup-libs")]),
                 ("version", [b.jobctl, "--version"]))
        runs = {k: [] for k, _ in progs}
        for _ in range(a.runs):
            for k, argv in progs:
                runs[k].append(1000 / b.spawn_rate(argv, a.spawn_count))
        ms = {k: m.median(v) for k, v in runs.items()}
        m.note("socket: process start, ms a run (bench/spawn, one at a "
             "time): an empty main linked with libc alone, with "
             "libsqlite3, with jobctl's libraries (libinih, libcbor; "
             "--no-as-needed; libsqlite3 is mapped only when a database "
             "is opened, src/core/sqlib.c), and jobctl --version")
        for k, label in (("bare", "empty program, libc"),
                         ("sqlite", "empty program + libsqlite3"),
                         ("libs", "empty program + jobctl's libraries"),
                         ("version", "jobctl --version")):
            m.report(f"start: {label}", ms[k], "ms", runs=runs[k])
        m.report("start: libsqlite3's cost at start", ms["sqlite"] -
                 ms["bare"], "ms")
        m.report("start: jobctl's libraries' cost at start", ms["libs"] -
                 ms["bare"], "ms")
        m.report("socket: jobctl submit, ms a job", submit_ms, "ms")
        m.report("socket: sockmin, ms a job", sockmin_ms, "ms")
        m.report("socket: loader's share of a jobctl submit",
                 (ms["libs"] - ms["bare"]) / submit_ms, "x")
        m.report("socket: what libsqlite3 would add to a jobctl submit",
                 (ms["sqlite"] - ms["bare"]) / submit_ms, "x")
        for k, argv in (("jobctl --version", [b.jobctl, "--version"]),
                        ("empty + libsqlite3", [b.tool("startup-sqlite")]),
                        ("empty, libc", [b.tool("startup-bare")])):
            m.note(f"start: LD_DEBUG=statistics, {k}: " + ld_stats(
                b, argv))


def ld_stats(b, argv):
    """The dynamic loader's own account of a start: its time and
    relocations."""
    env = dict(b.env, LD_DEBUG="statistics")
    r = subprocess.run(argv, env=env, capture_output=True, text=True,
                       timeout=30)
    keep = []
    for line in r.stderr.splitlines():
        text = line.split(":", 1)[-1].strip()
        if text.startswith(("total startup time", "time needed for "
                            "relocation", "number of relocations:",
                            "number of relative relocations")):
            keep.append(" ".join(text.split()))
    return "; ".join(keep) or "no statistics"
