# backends: sqlite postgresql
# The submission socket (jobd(8) SUBMISSION SOCKET): jobctl through it
# gives what it gives on the database; strict, versioned requests refused
# with their reason and the database unchanged; clients that send half a
# request and hang, 100 MiB, a thousand connections, or die mid-request,
# while a probe submission still runs within 10 s; the socket file gone
# after jobd stops; and a user with neither a database nor a jobd told
# both.  As root, with users made here: a user's jobs run as that user
# (uid, gid, groups), and another user can neither see, list, wait on,
# read the logs of, cancel, rerun nor retry them; a request naming
# another user is refused; users.allow and users.deny are obeyed.
. "$(dirname "$0")/daemon_lib.sh"

SOCK=$T/jobd.sock
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
WIRE="$PY $JOBD_TOP/tests/e2e/wireclient.py $SOCK"
write_conf "socket=$SOCK" "workers=2"
start_jobd jobd -v || { fail "socket: jobd" "$WHY"; exit 0; }
[ -S "$SOCK" ] || { fail "socket: made" "no socket at $SOCK"; exit 0; }

# jobctl through the socket only (no database), as $RUN_AS.
sock() {
	env -u JOBD_DB JOBD_SOCKET="$SOCK" $RUN_AS "$JOBCTL" "$@"
}
srun() {
	sock "$@" >"$T/.out" 2>"$T/.err"
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
}
# The probe: a job submitted through the socket runs within 10 s.
probe() {	# what
	_pr=$(sock submit -- true 2>"$T/.probe") ||
	    { problem "probe ($1): submit failed: $(cat "$T/.probe")"; return 1; }
	wait_state "$_pr" done 10 || problem "probe ($1): job $_pr not done: \
$(dsql "SELECT reason, last_error FROM dead_jobs WHERE id = $_pr")"
}

begin "socket: submit, wait, logs, show and list as on the database"
srun submit -- 'echo out; echo err >&2; exit 3'
id=$OUT
expect_rc 0
[ -n "$id" ] && wait_state "$id" dead 20
srun logs "$id"
"$JOBCTL" logs "$id" >"$T/direct.logs" 2>&1
sock logs "$id" >"$T/sock.logs" 2>&1
expect_same "$T/direct.logs" "$T/sock.logs" "logs"
"$JOBCTL" show "$id" --json >"$T/direct.show"
sock show "$id" --json >"$T/sock.show"
expect_same "$T/direct.show" "$T/sock.show" "show --json"
"$JOBCTL" list --json >"$T/direct.list"
sock list --json >"$T/sock.list"
expect_same "$T/direct.list" "$T/sock.list" "list --json"
srun wait "$id"
"$JOBCTL" wait "$id" >/dev/null 2>"$T/direct.wait"
_drc=$?
[ "$RC" = "$_drc" ] || problem "wait exits $RC, on the database $_drc"
cmp -s "$T/.err" "$T/direct.wait" || problem "wait says $ERR"
end

begin "socket: a due job with a worker free is written and claimed at once"
sqlite_only "socket: written and claimed at once" \
    "PostgreSQL's claims run beside each other and take no submissions" || {
srun submit -- true
sid=$OUT
expect_rc 0
[ -n "$sid" ] && wait_state "$sid" done 20
grep -q "socket: 1 job written by a claim of 1" "$T/jobd.log" ||
    problem "not claimed with its write: $(grep socket: "$T/jobd.log" | tail -n 2)"
}
end

begin "socket: cancel, rerun and dead retry through it"
srun submit --at '+1h' -- true
pend=$OUT
srun cancel "$pend"
expect_rc 0
expect_out_contains "$pend cancelled"
[ "$(jstate "$pend")" = cancelled ] || problem "job $pend is $(jstate "$pend")"
srun rerun "$pend"
expect_rc 0
re=$OUT
[ "$(field "$re" "d['rerun_of']")" = "$pend" ] || problem "rerun: $OUT $ERR"
srun dead retry "$id"
expect_rc 0
wait_state "$id" dead 20
end

begin "socket: a command that needs the database says so (exit 77)"
srun status
expect_rc 77
expect_err_contains "needs the database itself"
end

dbdump >"$T/dump0"
wire_bad() {	# name expected-rc-and-words request
	begin "socket: refused: $1"
	$WIRE send "$3" >"$T/.w" 2>&1
	grep -qF -e "$2" "$T/.w" || problem "answer: $(cat "$T/.w")"
	dbdump >"$T/dump1"
	expect_same "$T/dump0" "$T/dump1" "database"
	end
}
wire_bad "another version" "rc=-93 r=[b\"version 2 of jobd's protocol; this jobd speaks 1\"" \
    "{'v': 2, 'op': 'submit', 'a': [{'command': b'true'}]}"
wire_bad "an unknown request" 'rc=-95 r=[b'"'"'no request "drop" in version 1' \
    "{'v': 1, 'op': 'drop', 'a': 1}"
wire_bad "an unknown key" 'job: unknown key "colour"' \
    "{'v': 1, 'op': 'submit', 'a': [{'command': b'true', 'colour': 1}]}"
wire_bad "text where bytes belong" 'job: command: text where bytes belongs' \
    "{'v': 1, 'op': 'submit', 'a': [{'command': 'true'}]}"
wire_bad "a bad option" 'max_attempts: 0 is not between 1 and 1000' \
    "{'v': 1, 'op': 'submit', 'a': [{'command': b'true', 'max_attempts': 0}]}"
wire_bad "keys out of order" '"op" comes second' \
    "{'v': 1, 'a': 1, 'op': 'job'}"
begin "socket: refused: bytes that are not CBOR, or more than the message"
$WIRE raw "1c" >"$T/.w" 2>&1
grep -q "rc=-74 r=\[b'malformed CBOR'" "$T/.w" || problem "1c: $(cat "$T/.w")"
$WIRE raw "a3617601626f70636a6f62616101" >"$T/.w" 2>&1
grep -q "^rc=0 r={'id': 1," "$T/.w" || problem "job 1: $(cat "$T/.w")"
$WIRE raw "a3617601626f70636a6f6261610100" >"$T/.w" 2>&1
grep -q "rc=-74 r=\[b'1 bytes after the message'" "$T/.w" ||
    problem "a byte after: $(cat "$T/.w")"
dbdump >"$T/dump1"
expect_same "$T/dump0" "$T/dump1" "database"
end

sqlite_only "socket: misbehaving clients" "the same code on both" || {
begin "socket: half a request, then silence: others served; closed after 10 s"
mkfifo "$T/hold"
$WIRE half <"$T/hold" >"$T/half.out" 2>&1 &
hp=$!
exec 7>"$T/hold"
wait_until 5 "grep -q sent '$T/half.out'" || problem "half: $(cat "$T/half.out")"
probe "while a request hangs half sent"
wait_until 20 "grep -q closed '$T/half.out'" ||
    problem "not closed by jobd: $(cat "$T/half.out")"
exec 7>&-
wait "$hp"
grep -q "request not complete within 10 s" "$T/jobd.log" ||
    problem "not logged: $(tail -n 2 "$T/jobd.log")"
end

begin "socket: 100 MiB: refused unread, the connection closed"
$WIRE big 100 >"$T/big.out" 2>&1
grep -q "rc=-90 r=\[b\"a request of 104857600 bytes; jobd's socket takes at most 1048576\"" \
    "$T/big.out" || problem "answer: $(cat "$T/big.out")"
probe "after 100 MiB"
end

begin "socket: 1000 connections at once: 64 kept for the user, the rest told"
rm -f "$T/hold"
mkfifo "$T/hold"
$WIRE conns 1000 <"$T/hold" >"$T/conns.out" 2>&1 &
cp=$!
exec 7>"$T/hold"
wait_until 20 "grep -q '^open' '$T/conns.out'" || problem "$(cat "$T/conns.out")"
grep -q "^open 1000" "$T/conns.out" || problem "$(cat "$T/conns.out")"
srun submit -- true
expect_rc 75
expect_err_contains "connections to jobd, the most for one user; try again"
exec 7>&-
wait "$cp"
wait_until 10 "sock submit -- true >/dev/null 2>&1" ||
    problem "after the connections closed: $(sock submit -- true 2>&1)"
alive "$JOBD_PID" || problem "jobd died"
end

begin "socket: a client killed mid-request: nothing written"
before=$(dsql "SELECT count(*) FROM jobs")
sh -c '"$1" -c "
import os, socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(struct.pack(\">I\", 200) + b\"\\xa3\\x61v\\x01\\x62op\\x66submit\")
os.kill(os.getpid(), 9)" "$2"' sh "$PY" "$SOCK" 2>/dev/null
probe "after a client died"
after=$(dsql "SELECT count(*) FROM jobs")
[ "$after" = $((before + 1)) ] || problem "jobs $before -> $after (the probe adds 1)"
end
}

if [ "$(id -u)" -eq 0 ] && command -v useradd >/dev/null &&
    command -v setpriv >/dev/null && unpriv_ready "$T"; then
	SFX=$(od -An -N3 -tx1 /dev/urandom | tr -d ' ')
	A=jds${SFX}a B=jds${SFX}b G=jds${SFX}g
	groupadd -r "$G" && echo "$G" >>"$T/.groups"
	useradd -r -M -N -s /bin/sh -d / -G "$G" "$A" &&
	    echo "$A" >>"$T/.users"
	useradd -r -M -N -s /bin/sh -d / "$B" && echo "$B" >>"$T/.users"
	_sock_cleanup() {
		_daemon_cleanup
		for _u in $(cat "$T/.users" 2>/dev/null); do
			userdel "$_u" 2>/dev/null
		done
		for _g in $(cat "$T/.groups" 2>/dev/null); do
			groupdel "$_g" 2>/dev/null
		done
		return 0
	}
	trap '_sock_cleanup' EXIT
	as() {	# user: RUN_AS for that user, with its groups
		RUN_AS="setpriv --reuid=$1 --regid=$(id -g "$1") --init-groups"
	}

	begin "socket as $A: the job runs as $A, with its gid and groups"
	as "$A"
	srun submit -- 'id -u; id -g; id -G'
	aid=$OUT
	expect_rc 0
	wait_state "$aid" done 20
	printf '%s\n%s\n%s\n' "$(id -u "$A")" "$(id -g "$A")" "$(id -G "$A")" \
	    >"$T/a.want"
	output_of "$aid" >"$T/a.got"
	expect_same "$T/a.want" "$T/a.got" "the job's ids"
	[ "$(field "$aid" "d['user']")" = "$A" ] || problem "user: $(field "$aid" "d['user']")"
	end

	begin "socket as $B: $A's job is not B's to see or touch (exit 77 each)"
	as "$B"
	srun submit --at '+1h' -- 'echo b'
	bid=$OUT
	for c in "show $aid" "logs $aid" "wait $aid" "cancel $aid" \
	    "rerun $aid" "dead retry $aid"; do
		# shellcheck disable=SC2086
		srun $c
		[ "$RC" = 77 ] || problem "$c: exit $RC"
		grep -q "job $aid: not yours (it runs as $A)" "$T/.err" ||
		    problem "$c: $ERR"
	done
	srun list
	echo "$OUT" | grep -q "^$aid " && problem "B lists A's job: $OUT"
	echo "$OUT" | grep -q "^$bid " || problem "B's list lacks $bid: $OUT"
	as "$A"
	srun list
	echo "$OUT" | grep -q "^$bid " && problem "A lists B's job: $OUT"
	RUN_AS=
	srun list
	echo "$OUT" | grep -q "^$bid " && echo "$OUT" | grep -q "^$aid " ||
	    problem "root's list lacks one: $OUT"
	end

	dbdump >"$T/dump0"
	begin "socket as $A: a job of a schedule refused"
	as "$A"
	$RUN_AS $WIRE send "{'v': 1, 'op': 'submit', 'a': [{'command': b'true', 'schedule_id': 1}]}" >"$T/.w" 2>&1
	grep -qF "job 1: only jobd makes the jobs of schedules" "$T/.w" ||
	    problem "answer: $(cat "$T/.w")"
	end

	begin "socket as $A: a job for $B refused, by jobctl and by jobd"
	as "$A"
	srun submit --user "$B" -- true
	expect_rc 77
	$RUN_AS $WIRE send "{'v': 1, 'op': 'submit', 'a': [{'command': b'true', 'run_as': b'$B'}]}" >"$T/.w" 2>&1
	grep -qF "rc=-1 r=[b\"a job submitted through jobd's socket runs as its submitter ($A), not as $B\"" \
	    "$T/.w" || problem "raw: $(cat "$T/.w")"
	dbdump >"$T/dump1"
	expect_same "$T/dump0" "$T/dump1" "database"
	end

	# crontab -e through the socket: the editor (run as $A) first adds
	# a bad line, then, asked to retry, fixes it.
	mkdir -p "$T/tmpA" && chown "$A" "$T/tmpA"
	cat >"$T/editor" <<'EOS'
#!/bin/sh
d=$(dirname "$1")
n=$(($(cat "$EDCOUNT" 2>/dev/null || echo 0) + 1))
echo "$n" >"$EDCOUNT"
case $n in
1)	printf '*/5 * * * *\techo five\n61 * * * *\techo bad\n' >>"$1" ;;
*)	sed -i 's|^61 \* \* \* \*|1 * * * *|' "$1" ;;
esac
EOS
	chmod 755 "$T/editor"
	begin "socket as $A: crontab -e, a syntax error re-edited, installed as $A"
	as "$A"
	echo y | env -u JOBD_DB JOBD_SOCKET="$SOCK" EDITOR="$T/editor" \
	    TMPDIR="$T/tmpA" EDCOUNT="$T/tmpA/count" $RUN_AS "$JOBCTL" \
	    crontab -e >"$T/.out" 2>"$T/.err"
	RC=$?
	expect_rc 0
	expect_err_contains ':2: cron "61 * * * *": minute field'
	expect_err_contains "Do you want to retry the same edit? (y/n) "
	expect_err_contains "(2 added, 0 updated, 0 removed)"
	srun crontab -l
	printf '*/5 * * * *\techo five\n1 * * * *\techo bad\n' >"$T/ct.want"
	sock crontab -l >"$T/ct.got" 2>&1
	expect_same "$T/ct.want" "$T/ct.got" "crontab -l"
	[ "$(dsql "SELECT count(*) FROM schedules WHERE source = 'crontab:~$A'
	    AND run_as = '$A' AND name LIKE 'crontab-$A:%'")" = 2 ] ||
	    problem "schedules: $(dsql "SELECT name, run_as, source FROM schedules")"
	end

	begin "socket as $A: schedules of one's own: add, list, show, set, disable, run, rm"
	as "$A"
	srun schedule add mine --cron '0 3 * * *' -- 'id -u'
	expect_rc 0
	srun schedule list
	expect_rc 0
	expect_out_contains "mine"
	echo "$OUT" | grep -q "crontab-$A:" || problem "list lacks the crontab's: $OUT"
	srun schedule show mine
	expect_rc 0
	expect_out_contains "$A"
	srun schedule set mine --cron '0 4 * * *'
	expect_rc 0
	srun schedule disable mine
	expect_rc 0
	srun schedule run mine
	expect_rc 0
	rid=$(echo "$OUT" | grep -Eo '[0-9]+' | head -n 1)
	[ -n "$rid" ] && wait_state "$rid" done 20
	[ "$(output_of "$rid")" = "$(id -u "$A")" ] ||
	    problem "run: not as $A: $(output_of "$rid")"
	as "$B"
	for c in "schedule show mine" "schedule rm mine" "schedule run mine" \
	    "schedule enable mine"; do
		# shellcheck disable=SC2086
		srun $c
		[ "$RC" = 77 ] || problem "$B: $c: exit $RC ($ERR)"
		grep -q "schedule mine is not yours (it runs as $A)" "$T/.err" ||
		    problem "$B: $c: $ERR"
	done
	srun schedule list
	echo "$OUT" | grep -q "mine" && problem "$B lists $A's schedule: $OUT"
	as "$A"
	srun schedule rm mine
	expect_rc 0
	end

	dbdump >"$T/dump0"
	begin "socket as $B: $A's crontab is not B's; entries must run as B"
	as "$B"
	srun crontab -l
	expect_rc 1
	expect_err_contains "no crontab for $B"
	srun crontab -u "$A" -l
	expect_rc 77
	$RUN_AS $WIRE send "{'v': 1, 'op': 'crontab', 'a': b'$A'}" >"$T/.w" 2>&1
	grep -qF "rc=-13 r=[b\"the crontab of $A is not yours" "$T/.w" ||
	    problem "raw -l: $(cat "$T/.w")"
	$RUN_AS $WIRE send "{'v': 1, 'op': 'crontab-install', 'a': [b'$B', b'* * * * * id', [{'name': b'crontab-$B:x', 'cron': b'* * * * *', 'command': b'id', 'run_as': b'root', 'max_attempts': 1, 'timeout_ms': -1, 'backoff_ms': -1, 'backoff_max_ms': -1, 'umask': -1, 'limit_nofile': -1, 'limit_nproc': -1, 'limit_as': -1, 'limit_cpu': -1, 'kill_mode': -1, 'enabled': True}]]}" >"$T/.w" 2>&1
	grep -qF "entry 1: a crontab's entries run as its user ($B)" "$T/.w" ||
	    problem "raw install as root: $(cat "$T/.w")"
	dbdump >"$T/dump1"
	expect_same "$T/dump0" "$T/dump1" "database"
	end

	begin "socket: users.deny refuses $B, users.allow all but $A"
	echo "$B" >"$T/users.deny"
	as "$B"
	srun list
	expect_rc 77
	expect_err_contains "$B is listed in $T/users.deny (line 1)"
	as "$A"
	srun list
	expect_rc 0
	printf '# only\n%s\n' "$A" >"$T/users.allow"
	as "$B"
	srun submit -- true
	expect_rc 77
	expect_err_contains "$B is not in $T/users.allow"
	rm -f "$T/users.allow" "$T/users.deny"
	srun list
	expect_rc 0
	end

	begin "socket: [quota] pending, schedules and output, each named"
	cp "$CONF" "$T/conf.noquota"
	printf '\n[quota]\npending = 2\nschedules = 2\n' >>"$CONF"
	kill -HUP "$JOBD_PID"
	wait_until 10 "grep -q 'SIGHUP: reloaded' '$T/jobd.log'" ||
	    problem "not reloaded"
	as "$A"
	sock submit --at +1h -- true >/dev/null 2>&1
	sock submit --at +1h -- true >/dev/null 2>&1
	dbdump >"$T/dump0"
	srun submit --at +1h -- true
	expect_rc 75
	expect_err_contains "quota: $A has 2 pending jobs, [quota] pending = 2"
	printf '1 * * * *\tid\n2 * * * *\tid\n3 * * * *\tid\n' >"$T/ct3"
	chmod 644 "$T/ct3"
	srun crontab "$T/ct3"
	expect_rc 75
	expect_err_contains "[quota] schedules = 2"
	dbdump >"$T/dump1"
	expect_same "$T/dump0" "$T/dump1" "database"
	as "$B"
	srun submit --at +1h -- true
	expect_rc 0
	as "$A"
	printf '\n[quota]\noutput = 1\n' >>"$T/conf.noquota"
	cp "$T/conf.noquota" "$CONF"
	kill -HUP "$JOBD_PID"
	wait_until 10 "[ \$(grep -c 'SIGHUP: reloaded' '$T/jobd.log') -ge 2 ]" ||
	    problem "not reloaded again"
	srun submit -- true
	expect_rc 75
	expect_err_contains "[quota] output = 1"
	grep -v '^output = 1$' "$T/conf.noquota" >"$CONF"
	kill -HUP "$JOBD_PID"
	wait_until 10 "[ \$(grep -c 'SIGHUP: reloaded' '$T/jobd.log') -ge 3 ]" ||
	    problem "not reloaded a third time"
	srun submit --at +1h -- true
	expect_rc 0
	end

	begin "socket: socket_group: mode 0660 and the group; others cannot connect"
	write_conf "socket=$T/g.sock" "workers=1"
	printf 'socket_group = %s\n' "$G" >"$T/g.line"
	sed -i "/^socket = /r $T/g.line" "$CONF"
	jp=$JOBD_PID
	start_jobd gjobd || problem "the second jobd"
	gp=$JOBD_PID
	JOBD_PID=$jp
	[ "$(stat -c '%a %G' "$T/g.sock" 2>&1)" = "660 $G" ] ||
	    problem "mode: $(stat -c '%a %G' "$T/g.sock" 2>&1)"
	as "$B"
	env -u JOBD_DB JOBD_SOCKET="$T/g.sock" $RUN_AS "$JOBCTL" list \
	    >"$T/.out" 2>"$T/.err"
	RC=$?
	expect_rc 77
	expect_err_contains "jobd's socket $T/g.sock: Permission denied"
	as "$A"
	env -u JOBD_DB JOBD_SOCKET="$T/g.sock" $RUN_AS "$JOBCTL" list \
	    >"$T/.out" 2>"$T/.err"
	RC=$?
	expect_rc 0
	stop_jobd "$gp" || problem "the second jobd did not stop"
	RUN_AS=
	end

	begin "socket: 1000 connections of $A: $B's probe still runs"
	rm -f "$T/hold"
	mkfifo "$T/hold"
	as "$A"
	$RUN_AS $WIRE conns 1000 <"$T/hold" >"$T/conns.out" 2>&1 &
	cp=$!
	exec 7>"$T/hold"
	wait_until 20 "grep -q '^open' '$T/conns.out'" || problem "$(cat "$T/conns.out")"
	as "$B"
	probe "while $A holds 1000 connections"
	exec 7>&-
	wait "$cp"
	RUN_AS=
	end
else
	skip "socket: other users" "needs root, useradd and setpriv"
fi

begin "socket: a user with neither a database nor a jobd is told both"
if [ -e /run/jobd/jobd.sock ]; then
	skip "socket: neither" "/run/jobd/jobd.sock exists here"
else
	# As root, the database would be /var/lib/jobd's: another user's.
	unpriv_ready "$T" || problem "$T is not reachable as nobody"
	unpriv env -u JOBD_DB -u JOBD_SOCKET HOME="$T/nohome" \
	    XDG_STATE_HOME="$T/nohome/state" XDG_CONFIG_HOME="$T/nohome" \
	    "$JOBCTL" list >"$T/.out" 2>"$T/.err"
	RC=$?
	expect_rc 69
	expect_err_contains "no database of your own ($T/nohome/state/jobd/jobs.db does not exist) and no jobd to submit to: jobd's socket /run/jobd/jobd.sock: No such file or directory (set --db PATH or --socket PATH)"
	[ ! -e "$T/nohome/state/jobd/jobs.db" ] || problem "a database was made"
	end
fi

begin "socket: a bad socket or socket_group: jobd says so and exits"
mkdir -p "$T/bad"
cp "$CONF" "$T/conf.keep"
for bad in "socket=$T/no/such/dir/jobd.sock|socket $T/no/such/dir/jobd.sock: its directory $T/no/such/dir: No such file or directory" \
    "socket=$T/bad/x.sock|socket_group nosuchgroup$$: no such group"; do
	write_conf "${bad%%|*}"
	[ "${bad#*socket_group}" != "$bad" ] &&
	    printf 'socket_group = nosuchgroup%s\n' "$$" >>"$T/g.bad" &&
	    sed -i "/^socket = /r $T/g.bad" "$CONF"
	"$JOBD" --config "$CONF" --db "$DB" >/dev/null 2>"$T/bad.err" &
	bp=$!
	reap_jobd "$bp" 10 || problem "jobd with ${bad%%|*} did not exit"
	[ "$STOP_RC" = 1 ] || problem "${bad%%|*}: exit $STOP_RC"
	grep -qiF "${bad#*|}" "$T/bad.err" ||
	    problem "${bad%%|*}: $(tail -n 2 "$T/bad.err")"
done
cp "$T/conf.keep" "$CONF"
end

begin "socket: jobd stopped: the socket file is gone, jobctl says so"
stop_jobd "$JOBD_PID" || problem "jobd did not stop: $STOP_RC"
[ ! -e "$SOCK" ] || problem "$SOCK is still there"
srun list
expect_rc 66
expect_err_contains "jobd's socket $SOCK: No such file or directory"
end
no_sanitizer "socket: no sanitizer report"
