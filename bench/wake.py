#!/usr/bin/env python3
"""Wake-up benchmark for jobd.

1. Latency: submit -> the job's process runs, on an idle daemon, including
   the jobctl process.  The job writes to a FIFO the benchmark is reading,
   so the end time is taken the moment the job runs.  p50 and p99.
2. Idle cost: context switches of all jobd threads and CPU time over a
   window with 1,000 jobs due far in the future.

Usage: bench/wake.py BUILD_DIR [--jobs N] [--idle SECONDS]
Prints one line per figure: name, value, target, ratio, PASS/BELOW.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time


def report(name, value, unit, target, lower_is_better=True):
    if lower_is_better:
        ok = value <= target
        ratio = (target / value) if value > 0 else float("inf")
    else:
        ok = value >= target
        ratio = value / target if target > 0 else float("inf")
    print(f"{name:<34} {value:>10.3f} {unit:<10} target "
          f"{'<=' if lower_is_better else '>='} {target:<8} "
          f"ratio {ratio:6.2f}  {'PASS' if ok else 'BELOW'}")


def thread_stats(pid):
    switches = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/status") as f:
            for line in f:
                if line.startswith(("voluntary_ctxt_switches",
                                    "nonvoluntary_ctxt_switches")):
                    switches += int(line.split()[1])
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime
    return switches, ticks * 1000.0 / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--jobs", type=int, default=200)
    ap.add_argument("--idle", type=float, default=60.0)
    args = ap.parse_args()
    jobd = os.path.abspath(os.path.join(args.build, "jobd"))
    jobctl = os.path.abspath(os.path.join(args.build, "jobctl"))

    tmp = tempfile.mkdtemp(prefix="jobd-bench.")
    db = os.path.join(tmp, "jobs.db")
    conf = os.path.join(tmp, "jobd.conf")
    with open(conf, "w") as f:
        f.write("[jobd]\nworkers = 2\n")
    env = dict(os.environ, JOBD_DB=db)
    log = open(os.path.join(tmp, "jobd.log"), "w")
    daemon = subprocess.Popen([jobd, "--config", conf, "--db", db],
                              stderr=log, env=env)
    try:
        fifo = os.path.join(tmp, "fifo")
        os.mkfifo(fifo)
        # Warm up: the database exists and the daemon is idle.
        subprocess.run([jobctl, "submit", "true"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        time.sleep(0.5)
        lat = []
        for _ in range(args.jobs):
            t0 = time.perf_counter()
            subprocess.run([jobctl, "submit", f"echo x > {fifo}"], env=env,
                           check=True, stdout=subprocess.DEVNULL)
            with open(fifo) as f:
                f.read()
            lat.append((time.perf_counter() - t0) * 1000.0)
            time.sleep(0.02)  # let the daemon go idle again
        lat.sort()
        p50 = lat[len(lat) // 2]
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        report("submit->start latency p50", p50, "ms", 2.0)
        report("submit->start latency p99", p99, "ms", 5.0)

        subprocess.run([jobctl, "submit", "--batch", "--in", "1d"],
                       input="true\n" * 1000, text=True, env=env,
                       check=True, stdout=subprocess.DEVNULL)
        time.sleep(1.0)
        s0, c0 = thread_stats(daemon.pid)
        time.sleep(args.idle)
        s1, c1 = thread_stats(daemon.pid)
        minutes = args.idle / 60.0
        report("idle wakeups (all threads)", (s1 - s0) / minutes,
               "per min", 2.0)
        report("idle CPU time", (c1 - c0) / minutes, "ms/min", 10.0)
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
