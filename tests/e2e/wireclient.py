#!/usr/bin/env python3
# A raw client of jobd's socket for the end-to-end tests: requests that
# jobctl never sends (another user's uid, another protocol version, bad
# CBOR), and clients that misbehave.  CBOR is written and read here by
# hand (RFC 8949, the subset wire.h allows), so that the tests do not
# share jobd's encoder.
#
#   wireclient.py SOCK send 'PY'    send the request PY (a Python literal:
#                                   dict, list, str = text, bytes, int,
#                                   bool, None), print the answer as
#                                   "rc=N r=REPR"
#   wireclient.py SOCK raw HEX      send the bytes HEX as a message body
#   wireclient.py SOCK half         send half a header, then wait on
#                                   stdin's end; print "closed" when jobd
#                                   closes the connection first
#   wireclient.py SOCK big MIB      announce and send MIB MiB; print the
#                                   answer, or how far it got
#   wireclient.py SOCK conns N      open N connections at once, print how
#                                   many were accepted, then hold them
#                                   until stdin ends
import ast
import os
import resource
import socket
import struct
import sys


def head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for extra, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | extra]) + struct.pack(fmt, n)
    raise ValueError(n)


def enc(x):
    if x is True:
        return b"\xf5"
    if x is False:
        return b"\xf4"
    if x is None:
        return b"\xf6"
    if isinstance(x, int):
        return head(0, x) if x >= 0 else head(1, -1 - x)
    if isinstance(x, bytes):
        return head(2, len(x)) + x
    if isinstance(x, str):
        b = x.encode()
        return head(3, len(b)) + b
    if isinstance(x, list):
        return head(4, len(x)) + b"".join(enc(e) for e in x)
    if isinstance(x, dict):
        return head(5, len(x)) + b"".join(enc(k) + enc(v)
                                          for k, v in x.items())
    raise TypeError(type(x))


def dec(b, i=0):
    ib = b[i]
    major, info = ib >> 5, ib & 31
    i += 1
    if major == 7:
        return {20: False, 21: True, 22: None}[info], i
    if info < 24:
        n = info
    else:
        size = {24: 1, 25: 2, 26: 4, 27: 8}[info]
        n = int.from_bytes(b[i:i + size], "big")
        i += size
    if major == 0:
        return n, i
    if major == 1:
        return -1 - n, i
    if major == 2:
        return bytes(b[i:i + n]), i + n
    if major == 3:
        return b[i:i + n].decode(), i + n
    if major == 4:
        out = []
        for _ in range(n):
            v, i = dec(b, i)
            out.append(v)
        return out, i
    if major == 5:
        out = {}
        for _ in range(n):
            k, i = dec(b, i)
            v, i = dec(b, i)
            out[k] = v
        return out, i
    raise ValueError("major %d" % major)


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def recv_all(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def answer(s):
    n = struct.unpack(">I", recv_all(s, 4))[0]
    a, end = dec(recv_all(s, n))
    return "rc=%s r=%r" % (a.get("rc"), a.get("r"))


def main():
    path, mode = sys.argv[1], sys.argv[2]
    if mode in ("send", "raw"):
        body = (enc(ast.literal_eval(sys.argv[3])) if mode == "send"
                else bytes.fromhex(sys.argv[3]))
        s = connect(path)
        s.sendall(struct.pack(">I", len(body)) + body)
        print(answer(s))
    elif mode == "half":
        s = connect(path)
        s.sendall(b"\x00\x00")
        print("sent", flush=True)
        # jobd closes it (recv returns b"") or the test ends it (stdin).
        import selectors
        sel = selectors.DefaultSelector()
        sel.register(s, selectors.EVENT_READ)
        sel.register(sys.stdin, selectors.EVENT_READ)
        for key, _ in sel.select():
            if key.fileobj is s and not s.recv(1):
                print("closed", flush=True)
                return
        print("held", flush=True)
    elif mode == "big":
        n = int(sys.argv[3]) << 20
        s = connect(path)
        sent = 0
        try:
            s.sendall(struct.pack(">I", min(n, 0xffffffff)))
            chunk = b"\xa0" * (1 << 20)
            while sent < n:
                s.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            print(answer(s), "after", sent >> 20, "MiB")
        except (EOFError, ConnectionResetError) as e:
            print("no answer after", sent >> 20, "MiB:", e)
    elif mode == "conns":
        n = int(sys.argv[3])
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        held = []
        for _ in range(n):
            try:
                held.append(connect(path))
            except OSError as e:
                print("connect:", e, flush=True)
                break
        print("open", len(held), flush=True)
        sys.stdin.read()
    else:
        sys.exit("wireclient.py: no mode " + mode)


if __name__ == "__main__":
    main()
