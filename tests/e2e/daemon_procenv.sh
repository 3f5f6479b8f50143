# The process a job gets is the one an operator expects, whatever jobd
# inherited: a jobd started with SIGCHLD ignored still learns every job's
# exit status, one started with SIGTERM blocked still stops on SIGTERM and
# reloads on SIGHUP.
. "$(dirname "$0")/daemon_lib.sh"

write_conf max_attempts=1

# Exec the rest of the command line with signal dispositions or a mask
# that an exec keeps: "ign SIG..." ignores, "block SIG..." blocks.
cat >"$T/sigwrap.py" <<'EOF'
import os, signal, sys
mode, sigs, argv = sys.argv[1], sys.argv[2].split(","), sys.argv[3:]
nums = [getattr(signal, "SIG" + s) for s in sigs]
for n in nums:
    if mode == "ign":
        signal.signal(n, signal.SIG_IGN)
if mode == "block":
    signal.pthread_sigmask(signal.SIG_BLOCK, nums)
os.execv(argv[0], argv)
EOF

begin "signals inherited: SIGCHLD ignored: jobs end with their exit status"
jobd_via python3 "$T/sigwrap.py" ign CHLD
if start_jobd sigchld; then
	P=$JOBD_PID
	grep -q '^SigIgn:.*' "/proc/$P/status" &&
	    info "jobd SigIgn $(sed -n 's/^SigIgn:[[:space:]]*//p' \
	    "/proc/$P/status")"
	submit -- 'exit 3' && J1=$ID
	submit -- 'echo fine' && J2=$ID
	if [ -n "$J1" ] && [ -n "$J2" ]; then
		wait_state "$J1" dead 10
		wait_state "$J2" done 10
		jcheck "$J1" '
a = h[-1]
if a["outcome"] != "failed" or a.get("exit_code") != 3:
    bad("attempt %s" % a)
'
	fi
	stop_jobd "$P"
fi
JOBD=$JOBD_REAL
end

for how in "block TERM,INT,HUP"; do
	begin "signals inherited: $how: SIGTERM stops jobd, SIGHUP reloads"
	jobd_via python3 "$T/sigwrap.py" $how
	if start_jobd "sig-$(echo "$how" | tr ' ,' '--')"; then
		P=$JOBD_PID
		kill -HUP "$P"
		wait_until 10 'grep -q "SIGHUP: reloaded" \
		    "$T/sig-$(echo "$how" | tr " ," "--").log"' ||
		    problem "no reload after SIGHUP"
		stop_jobd "$P" 10 || problem "jobd did not stop on SIGTERM"
		[ "$STOP_RC" = 0 ] || problem "jobd exit status $STOP_RC"
	fi
	JOBD=$JOBD_REAL
	end
done

no_strays "signals inherited: nothing left running"
