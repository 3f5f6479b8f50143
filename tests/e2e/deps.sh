# backends: sqlite postgresql
# Dependencies between jobs (submit --after, --after-any, --batch @LINE)
# with the real jobd: chains run in order, fan-out and fan-in, a
# dependency that dies or is cancelled cancels what needs it (and what
# needs that), --after-any runs after a failure, a pipeline submitted as
# one batch, and dependencies kept across a SIGKILL of jobd.  Bad input
# first, on a database without a daemon: refused, nothing changed.
. "$(dirname "$0")/daemon_lib.sh"

write_conf

# Bad input.  Job 1 is pending, job 2 cancelled.
submit true
P1=$ID
submit --in 1h true
C2=$ID
"$JOBCTL" cancel "$C2" >/dev/null 2>&1
dbdump >"$T/dump0"
bad "--after without a value" 64 'needs an argument' submit --after
bad "--after \"\"" 64 'expected job ids' submit --after '' true
bad "--after abc" 64 '"abc" is not a job id' submit --after abc true
bad "--after 0" 64 'job ids start at 1' submit --after 0 true
bad "--after -1" 64 '"-1" is not a job id' submit --after -1 true
bad "--after 1,,2" 64 '"" is not a job id' submit --after "$P1,,$P1" true
bad "--after 1x" 64 '"1x" is not a job id' submit --after 1x true
bad "--after a job that does not exist" 66 'dependency job 999 does not exist' \
    submit --after "$P1,999" true
bad "--after a cancelled job" 65 "dependency job $C2 already ended cancelled" \
    submit --after "$C2" true
bad "--after and --after-any naming one job" 64 'already named by --after' \
    submit --after "$P1" --after-any "$P1" true
bad "--after @1 outside --batch" 64 'names a line of --batch' \
    submit --after @1 true
printf 'true\n--after @2 true\n' >"$T/fwd"
STDIN=$T/fwd bad "batch: a reference forward" 64 \
    'stdin line 2: --after "@2": "@2" is not an earlier line' submit --batch
printf 'true\n--after @3 true\ntrue\n' >"$T/fwd"
STDIN=$T/fwd bad "batch: a reference to a later line" 64 \
    '"@3" is not an earlier line' submit --batch
printf 'true\n\n--after @2 true\n' >"$T/fwd"
STDIN=$T/fwd bad "batch: a reference to a blank line" 64 \
    'names a blank line' submit --batch
printf 'true\n--after 999 true\n' >"$T/fwd"
STDIN=$T/fwd bad "batch: one line's dependency missing, nothing submitted" 66 \
    'dependency job 999 does not exist' submit --batch
printf 'true\n--after\n' >"$T/fwd"
STDIN=$T/fwd bad "batch: --after with no command" 64 'needs a list' \
    submit --batch
"$JOBCTL" cancel "$P1" >/dev/null 2>&1

# A dead dependency: --after refused, --after-any met at once.
submit --max-attempts 1 false
DEADX=$ID

begin "deps: jobd starts"
start_jobd jobd
end
wait_state "$DEADX" dead 10 >/dev/null
dbdump >"$T/dump0"
bad "--after a dead job" 65 "dependency job $DEADX already ended dead" \
    submit --after "$DEADX" true
begin "deps: --after-any a dead job runs at once"
submit --after-any "$DEADX" true && wait_state "$ID" done 10
end

# started_at of a job's first attempt, finished_at of the job.
started() { dsql "SELECT min(started_at) FROM attempts WHERE job_id = $1"; }
finished() {
	dsql "SELECT finished_at FROM jobs WHERE id = $1 UNION ALL
	    SELECT dead_at FROM dead_jobs WHERE id = $1"
}
before() {	# A B: job A finished before job B started
	_fa=$(finished "$1") _sb=$(started "$2")
	[ -n "$_fa" ] && [ -n "$_sb" ] && [ "$_fa" -le "$_sb" ] ||
	    problem "job $2 started at ${_sb:-never}, job $1 finished at ${_fa:-never}"
}

begin "deps: a chain a -> b -> c runs in order"
submit "sleep 0.3; echo a >>$T/chain" && A=$ID &&
submit --after "$A" "sleep 0.3; echo b >>$T/chain" && B=$ID &&
submit --after "$B" "echo c >>$T/chain" && C=$ID &&
wait_state "$C" done 15 && {
	before "$A" "$B"
	before "$B" "$C"
	[ "$(tr -d '\n' <"$T/chain")" = abc ] ||
	    problem "order: $(tr '\n' ' ' <"$T/chain")"
}
end

begin "deps: fan-out a -> b, c and fan-in b, c -> d"
submit "sleep 0.3" && A=$ID &&
submit --after "$A" "sleep 0.5" && B=$ID &&
submit --after "$A" "sleep 0.2" && C=$ID &&
submit --after "$B,$C" true && D=$ID && {
	run show "$D"
	expect_out_contains "waiting for:     2 jobs"
	run list --state pending
	expect_out_contains "pending (waiting for 2)"
	wait_state "$D" done 15 && {
		before "$A" "$B"
		before "$A" "$C"
		before "$B" "$D"
		before "$C" "$D"
	}
	jcheck "$D" '
a = [(x["id"], x["state"], x["any"], x["met"]) for x in d["after"]]
if a != [('"$B"', "done", False, True), ('"$C"', "done", False, True)]:
    bad("after: %s" % a)
if d["waiting"] != 0: bad("waiting %s" % d["waiting"])'
	jcheck "$A" '
w = sorted(x["id"] for x in d["dependents"])
if w != ['"$B"', '"$C"']: bad("dependents: %s" % w)'
}
end

begin "deps: a dependency that dies cancels its dependents, and theirs"
submit --max-attempts 1 "sleep 0.3; exit 3" && X=$ID &&
submit --after "$X" "echo never >>$T/never" && Y=$ID &&
submit --after "$Y" "echo never >>$T/never" && Z=$ID &&
submit --after-any "$X" "echo any >>$T/any" && W=$ID &&
wait_state "$X" dead 10 && wait_state "$Z" cancelled 5 && {
	[ "$(jstate "$Y")" = cancelled ] || problem "Y is $(jstate "$Y")"
	[ "$(field "$Y" 'd["last_error"]')" = "dependency job $X ended dead" ] ||
	    problem "Y's reason: $(field "$Y" 'd["last_error"]')"
	[ "$(field "$Z" 'd["last_error"]')" = \
	    "dependency job $Y ended cancelled" ] ||
	    problem "Z's reason: $(field "$Z" 'd["last_error"]')"
	# Cancelled in the transaction that moved X to the dead letters.
	[ "$(dsql "SELECT finished_at FROM jobs WHERE id = $Z")" = \
	    "$(dsql "SELECT dead_at FROM dead_jobs WHERE id = $X")" ] ||
	    problem "Z not cancelled when X died"
	wait_state "$W" done 10 && before "$X" "$W"
	[ ! -e "$T/never" ] || problem "a cancelled dependent ran"
}
end

begin "deps: cancelling a pending dependency cancels its dependents"
submit --in 1h true && P=$ID &&
submit --after "$P" true && Q=$ID &&
submit --after-any "$P" "echo ran >>$T/anyc" && R=$ID && {
	run cancel "$P"
	expect_rc 0
	[ "$(jstate "$Q")" = cancelled ] || problem "Q is $(jstate "$Q")"
	[ "$(field "$Q" 'd["last_error"]')" = \
	    "dependency job $P ended cancelled" ] ||
	    problem "Q's reason: $(field "$Q" 'd["last_error"]')"
	wait_state "$R" done 10
}
end

begin "deps: a pipeline in one --batch with @LINE references"
printf '%s\n' "sleep 0.2; echo 1 >>$T/pipe" \
    "--after @1 echo 2 >>$T/pipe" \
    "" \
    "--after @1 --after @2 echo 4 >>$T/pipe" \
    "--after-any @4 echo 5 >>$T/pipe" |
    "$JOBCTL" submit --batch >"$T/pipe.ids" 2>"$T/pipe.err" ||
    problem "batch: $(cat "$T/pipe.err")"
set -- $(cat "$T/pipe.ids")
if [ $# = 4 ]; then
	wait_state "$4" done 15 && {
		before "$1" "$2"
		before "$2" "$3"
		before "$3" "$4"
		[ "$(tr -d '\n' <"$T/pipe")" = 1245 ] ||
		    problem "order: $(tr '\n' ' ' <"$T/pipe")"
	}
else
	problem "batch printed: $(cat "$T/pipe.ids")"
fi
end

begin "deps: across a SIGKILL of jobd, the dependent waits and then runs"
submit "echo \$\$ >>$JOBPIDS; while [ ! -e $T/gate ]; do sleep 0.05; done" &&
    A=$ID &&
submit --after "$A" "echo b >>$T/killrun" && B=$ID &&
wait_state "$A" running 10 && {
	OLD=$JOBD_PID
	kill -KILL "$OLD"
	reap_jobd "$OLD" 5
	: >"$T/gate"
	start_jobd jobd2
	wait_state "$B" done 20 && before "$A" "$B"
	[ "$(dsql "SELECT count(*) FROM attempts WHERE job_id = $B")" = 1 ] ||
	    problem "B ran more than once"
}
end

begin "deps: no job started before what it waits on had ended"
_e=$(deps_early)
[ -z "$_e" ] || problem "$_e"
end

stop_jobd "$JOBD_PID"
no_strays deps
