#!/usr/bin/env python3
"""A FUSE file system that never answers, for tests (root only).

    hungfs.py MOUNTPOINT SECONDS

Mounts a FUSE file system at MOUNTPOINT straight through /dev/fuse and
mount(2), prints "ready" and then reads nothing: the kernel's INIT request
is never answered, so every access below MOUNTPOINT (a lookup, a chdir into
a subdirectory) blocks in the kernel until SIGKILL.  After SECONDS, or on
SIGTERM, it closes /dev/fuse (the kernel aborts the connection: blocked
callers get an error) and detaches the mount (MNT_DETACH).  It never runs
longer than SECONDS, whatever happens.
"""
import ctypes
import ctypes.util
import os
import signal
import sys
import time

MNT_DETACH = 2


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: hungfs.py MOUNTPOINT SECONDS\n")
        return 64
    mnt, secs = sys.argv[1], float(sys.argv[2])
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.setitimer(signal.ITIMER_REAL, secs + 5)   # the hard stop
    fd = os.open("/dev/fuse", os.O_RDWR)
    opts = "fd=%d,rootmode=40000,user_id=0,group_id=0" % fd
    if libc.mount(b"hungfs", mnt.encode(), b"fuse.hungfs", 0,
                  opts.encode()) != 0:
        e = ctypes.get_errno()
        sys.stderr.write("hungfs: mount %s: %s\n" % (mnt, os.strerror(e)))
        return 1
    stop = []
    signal.signal(signal.SIGTERM, lambda s, f: stop.append(s))
    print("ready", flush=True)
    end = time.monotonic() + secs
    while not stop and time.monotonic() < end:
        time.sleep(0.05)
    os.close(fd)
    libc.umount2(mnt.encode(), MNT_DETACH)
    return 0


sys.exit(main())
