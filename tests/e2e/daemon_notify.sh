# backends: sqlite postgresql
# jobd and systemd: READY=1 once serving, RELOADING=1 then READY=1 around a
# SIGHUP reload, WATCHDOG=1 at half the interval systemd asks for (only
# when $WATCHDOG_PID, if set, is jobd's own pid; sent by the loop, so a
# stopped loop sends none), and STOPPING=1 on SIGTERM, all on the datagram
# socket $NOTIFY_SOCKET names.
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

# The loop sends the pings: a loop that does not run (jobd stopped with
# SIGSTOP: the loop thread with the rest) sends none, and they come back
# with SIGCONT.  Absence is watched for a while (an observation, not a
# wait for jobd): a second, five of the intervals asked for.
begin "notify: a stopped loop sends no WATCHDOG=1; after SIGCONT they resume"
kill -STOP "$JOBD_PID"
wait_until 5 "[ \"\$(sed 's/.*) //' /proc/$JOBD_PID/stat | cut -d' ' -f1)\" = T ]" ||
    problem "jobd $JOBD_PID not stopped"
# A datagram sent before the stop may still be on its way.
sleep 0.3
before=$(count WATCHDOG=1)
sleep 1
after=$(count WATCHDOG=1)
[ "$after" -eq "$before" ] ||
    problem "$((after - before)) WATCHDOG=1 while jobd was stopped"
kill -CONT "$JOBD_PID"
wait_until 10 "[ \$(count WATCHDOG=1) -ge $((after + 3)) ]" ||
    problem "no WATCHDOG=1 after SIGCONT: $(count WATCHDOG=1) (was $after)"
end

# About the rate asked for: no more than one every 50 ms on average (twice
# the rate of half of 200 ms), however long the window really took.
begin "notify: WATCHDOG=1 no more often than half the interval asks"
t0=$(now_ms)
c0=$(count WATCHDOG=1)
sleep 1
c1=$(count WATCHDOG=1)
t1=$(now_ms)
[ $((c1 - c0)) -ge 1 ] || problem "no WATCHDOG=1 in $((t1 - t0)) ms"
[ $((c1 - c0)) -le $(((t1 - t0) / 50 + 2)) ] ||
    problem "$((c1 - c0)) WATCHDOG=1 in $((t1 - t0)) ms"
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

begin "notify: no WATCHDOG=1 when WATCHDOG_PID names another process"
: >"$MSGS"
NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=200000 WATCHDOG_PID=1 start_jobd notify3 ||
    true
wait_until 10 "[ \$(count READY=1) -ge 1 ]" || problem "no READY=1"
sleep 1		# five intervals: an observation, as above
[ "$(count WATCHDOG=1)" -eq 0 ] ||
    problem "WATCHDOG=1 with WATCHDOG_PID=1: $(count WATCHDOG=1)"
stop_jobd "$JOBD_PID" 10
end

begin "notify: WATCHDOG=1 when WATCHDOG_PID is jobd's own pid"
: >"$MSGS"
# The pid that execs jobd is jobd's.
printf '#!/bin/sh\nexport WATCHDOG_PID=$$\nexec "$@"\n' >"$T/ownpid"
chmod 755 "$T/ownpid"
jobd_via "$T/ownpid"
NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=200000 start_jobd notify4 || true
JOBD=$JOBD_REAL
wait_until 10 "[ \$(count WATCHDOG=1) -ge 3 ]" ||
    problem "fewer than 3 WATCHDOG=1 in 10 s: $(sort "$MSGS" | uniq -c)"
stop_jobd "$JOBD_PID" 10
end

begin "notify: an interval of 1 ms still pings, again and again"
: >"$MSGS"
NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=1000 start_jobd notify5 || true
wait_until 10 "[ \$(count WATCHDOG=1) -ge 3 ]" ||
    problem "fewer than 3 WATCHDOG=1 in 10 s: $(sort "$MSGS" | uniq -c)"
stop_jobd "$JOBD_PID" 10
end

# Only the loop stuck, the process running: its schedule directory
# becomes a file system that never answers, and a SIGHUP makes the loop
# read it.  Worker threads, or a thread of its own for the pings, would
# go on; the loop's timer cannot.
if [ "$(id -u)" -ne 0 ]; then
	skip "notify: a stuck loop" "needs root (to mount FUSE)"
elif [ ! -c /dev/fuse ]; then
	skip "notify: a stuck loop" "no /dev/fuse"
else
	begin "notify: a loop stuck in a file system that never answers sends no WATCHDOG=1; they resume when it fails"
	: >"$MSGS"
	mkdir -p "$T/sched"
	sed -i "s|^\[jobd\]\$|[jobd]\nschedules_dir = $T/sched|" "$CONF"
	NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=200000 start_jobd notify6 || true
	wait_until 10 "[ \$(count WATCHDOG=1) -ge 3 ]" ||
	    problem "fewer than 3 WATCHDOG=1 in 10 s"
	if hung_start 60 "$T/sched"; then
		kill -HUP "$JOBD_PID"
		wait_until 10 "[ \$(count RELOADING=1) -ge 1 ]" ||
		    problem "no RELOADING=1"
		sleep 0.3	# a datagram sent before may be on its way
		before=$(count WATCHDOG=1)
		sleep 1		# five intervals: an observation
		after=$(count WATCHDOG=1)
		[ "$after" -eq "$before" ] ||
		    problem "$((after - before)) WATCHDOG=1 from a stuck loop"
		[ "$(sed 's/.*) //' /proc/$JOBD_PID/stat | cut -d' ' -f1)" != T ] ||
		    problem "jobd is stopped, not stuck"
		hung_stop
		wait_until 10 "[ \$(count WATCHDOG=1) -ge $((after + 3)) ]" ||
		    problem "no WATCHDOG=1 once the file system failed"
		wait_until 10 "[ \$(count READY=1) -ge 2 ]" ||
		    problem "no READY=1 after the reload"
	else
		info "cannot mount FUSE here: $(cat "$T/hungfs.out")"
	fi
	stop_jobd "$JOBD_PID" 10
	[ "$STOP_RC" = 0 ] || problem "jobd exit status $STOP_RC"
	end
	write_conf
fi

kill "$LISTENER" 2>/dev/null
wait "$LISTENER" 2>/dev/null
no_sanitizer "notify: no sanitizer report"
exit 0
