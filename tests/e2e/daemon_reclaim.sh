# backends: sqlite postgresql
# Fast recovery while another daemon runs: when a jobd on this host dies,
# a live jobd on the same database reclaims its leases at its next
# heartbeat (every visibility_timeout / 3), not after visibility_timeout,
# and removes its daemons row.
. "$(dirname "$0")/daemon_lib.sh"

write_conf workers=1 visibility_timeout=30s poll_interval=1s

begin "reclaim: a live daemon takes over a dead sibling's job long before the lease expires"
start_jobd reclaimA && PA=$JOBD_PID
if submit "echo \$\$ >>$JOBPIDS; sleep 30" && wait_state "$ID" running 10; then
	J=$ID
	start_jobd reclaimB && PB=$JOBD_PID
	kill -KILL "$PA"
	reap_jobd "$PA" 5
	# SIGKILL leaves A's job running, orphaned (under systemd,
	# KillMode=mixed ends it); end it here as the service manager would.
	kill -KILL "$(head -n 1 "$JOBPIDS")" 2>/dev/null
	T0=$(now_ms)
	# B's first heartbeat comes a poll_interval after its start, the
	# next 10 s later; the lease has 30 s left: a takeover within 15 s
	# is the reclaim.
	if wait_until 15 "[ \"\$(dsql \"SELECT lease_owner FROM jobs
	    WHERE id = $J AND state = 'running'\")\" != '' ] &&
	    dsql \"SELECT lease_owner FROM jobs WHERE id = $J\" |
	    grep -q ':$PB:'"; then
		info "reclaim: job $J taken over $(($(now_ms) - T0)) ms after the kill"
		jcheck "$J" '
if [a["outcome"] for a in h] != ["lost", None]:
    bad("outcomes %s" % [a["outcome"] for a in h])
'
	else
		problem "job $J not taken over by jobd B within 15 s: owner \
$(dsql "SELECT lease_owner FROM jobs WHERE id = $J")"
	fi
	[ "$(dsql "SELECT count(*) FROM daemons WHERE pid = $PA")" = 0 ] ||
	    problem "the dead daemon's row is still in daemons"
	[ "$(dsql "SELECT count(*) FROM daemons WHERE pid = $PB")" = 1 ] ||
	    problem "the live daemon's own row is gone"
	$JOBCTL --db "$DB" cancel "$J" >/dev/null
	wait_state "$J" cancelled 10
	stop_jobd "$PB" 10
else
	problem "jobd A never ran the job"
fi
end

# The fence can change the decision: a job flagged by jobctl cancel whose
# attempt is lost before its daemon acted on the flag is cancelled, not
# retried.
begin "reclaim: a lost attempt of a job whose cancel was asked for ends cancelled"
: >"$JOBPIDS"
start_jobd flagA && PA=$JOBD_PID
if submit --max-attempts 3 "echo \$\$ >>$JOBPIDS; sleep 30" &&
    wait_state "$ID" running 10; then
	J=$ID
	# A cannot act on the flag: it is stopped, then killed.
	kill -STOP "$PA"
	$JOBCTL --db "$DB" cancel "$J" >/dev/null ||
	    problem "jobctl cancel $J failed"
	[ "$(dsql "SELECT state || ',' || cancel_requested FROM jobs
	    WHERE id = $J")" = "running,1" ] ||
	    problem "job $J not flagged while running"
	kill -KILL "$PA"
	kill -CONT "$PA" 2>/dev/null
	reap_jobd "$PA" 5
	kill -KILL "$(head -n 1 "$JOBPIDS")" 2>/dev/null
	start_jobd flagB && PB=$JOBD_PID
	wait_state "$J" cancelled 15
	jcheck "$J" '
if [a["outcome"] for a in h] != ["lost"]:
    bad("attempts %s, want one lost attempt" % [a["outcome"] for a in h])
'
	stop_jobd "$PB" 10
else
	problem "jobd A never ran the job"
fi
end

no_strays "reclaim: no processes left"
no_sanitizer "reclaim: no sanitizer report"
exit 0
