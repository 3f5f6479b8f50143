# jobd and systemd: READY=1 once serving, RELOADING=1 then READY=1 around a
# SIGHUP reload, WATCHDOG=1 at half the interval systemd asks for, and
# STOPPING=1 on SIGTERM, all on the datagram socket $NOTIFY_SOCKET names.
. "$(dirname "$0")/daemon_lib.sh"

SOCK=$T/notify.sock
MSGS=$T/notify.msgs
: >"$MSGS"

# A stand-in for systemd: one line per datagram into $MSGS.
python3 - "$SOCK" "$MSGS" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(1.0)
end = time.time() + 60
with open(sys.argv[2], "a") as out:
    while time.time() < end:
        try:
            msg = s.recv(4096).decode()
        except socket.timeout:
            continue
        out.write(msg.replace("\n", " ") + "\n")
        out.flush()
PY
LISTENER=$!
wait_until 10 "[ -S '$SOCK' ]"

count() { grep -c "^$1\$" "$MSGS"; }

write_conf
begin "notify: READY=1 once jobd serves, WATCHDOG=1 when asked"
NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=200000 start_jobd notify || true
wait_until 10 "[ \$(count READY=1) -ge 1 ]" ||
    problem "no READY=1: $(cat "$MSGS")"
wait_until 10 "[ \$(count WATCHDOG=1) -ge 3 ]" ||
    problem "fewer than 3 WATCHDOG=1 in 10 s: $(sort "$MSGS" | uniq -c)"
end

begin "notify: SIGHUP sends RELOADING=1, then READY=1 again"
kill -HUP "$JOBD_PID"
wait_until 10 "[ \$(count RELOADING=1) -ge 1 ] && [ \$(count READY=1) -ge 2 ]" ||
    problem "after SIGHUP: $(grep -v WATCHDOG "$MSGS" | tr '\n' ' ')"
grep -v WATCHDOG "$MSGS" | tail -n 2 | tr '\n' ' ' |
    grep -q '^RELOADING=1 READY=1 $' ||
    problem "order: $(grep -v WATCHDOG "$MSGS" | tr '\n' ' ')"
end

begin "notify: SIGTERM sends STOPPING=1 and jobd exits 0"
stop_jobd "$JOBD_PID" 10
[ "$STOP_RC" = 0 ] || problem "jobd exit status $STOP_RC"
wait_until 5 "[ \$(count STOPPING=1) -ge 1 ]" ||
    problem "no STOPPING=1: $(grep -v WATCHDOG "$MSGS" | tr '\n' ' ')"
end

begin "notify: no WATCHDOG=1 when systemd does not ask for it"
: >"$MSGS"
NOTIFY_SOCKET=$SOCK start_jobd notify2 || true
wait_until 10 "[ \$(count READY=1) -ge 1 ]" || problem "no READY=1"
# Absence can only be watched for a while: a window of five of the 200 ms
# intervals the first case asked for (an observation, not a wait for jobd).
sleep 1
[ "$(count WATCHDOG=1)" -eq 0 ] || problem "WATCHDOG=1 without WATCHDOG_USEC"
stop_jobd "$JOBD_PID" 10
end

kill "$LISTENER" 2>/dev/null
wait "$LISTENER" 2>/dev/null
no_sanitizer "notify: no sanitizer report"
exit 0
