# Helpers for the jobd end-to-end scripts (tests/e2e/daemon_*.sh), sourced
# instead of lib.sh, which they source in turn (POSIX sh, dash).  tests/run.sh
# also runs this file alone: it prints nothing and exits 0.
#
#   JOBD                  the daemon under test: $JOBD_BUILD/jobd
#   CONF                  $T/jobd.conf, written by write_conf
#   JOBPIDS               $T/job.pids: jobs append their pids ("echo $$ >>F")
#                         so that no_strays and the exit trap can find them
#   now_ms                wall clock, milliseconds since the epoch
#   wait_until SECS 'COND'
#                         poll the shell condition every 50 ms; 1 after SECS
#                         (SECS may be fractional)
#   write_conf [KEY=VALUE ...]
#                         the test config with short durations, jobs'
#                         locale from $T/locale (if a test writes it),
#                         limits unset, nothing pruned ([retention]
#                         windows 0s, interval 1h); each KEY=VALUE replaces the
#                         value of that key
#   jobd_via CMD ...      the next start_jobd runs jobd through CMD (which
#                         must exec it, so JOBD_PID stays jobd's own);
#                         JOBD_REAL is the binary itself
#   start_jobd NAME [ARG ...]
#                         start jobd in the background on $DB with $CONF,
#                         stderr appended to $T/NAME.log; JOBD_PID; waits
#                         until its daemons row exists
#   use_test_clock MS     jobd and jobctl read the time from $T/clock
#                         ($JOBD_TEST_CLOCK), set to MS (ms since the epoch):
#                         every process's time, the database server's too
#                         (jobd on PostgreSQL takes no offset to it); the
#                         file's other form, "+N"/"-N", is a host N ms off,
#                         which jobd corrects to the server's (clock.h)
#   setclock MS           move that clock to MS (atomically: a rename)
#   add_user NAME         (root only) make system user NAME: shell /bin/sh,
#                         home /, no password (shadow "!"); removed at exit
#   alive PID             PID exists and is not a zombie
#   stop_jobd PID [SECS]  SIGTERM, then reap_jobd (default 10 s)
#   reap_jobd PID SECS    wait for PID to exit; STOP_RC = its exit status;
#                         1 (after a SIGKILL, STOP_RC=killed) if it did not
#   died                  DIED = "; jobd PID died unexpectedly (...)" for
#                         each daemon that exited without reap_jobd
#   dsql SQL              sql (lib.sh) with a busy timeout on SQLite
#   running_in QUEUE      how many jobs of QUEUE run now (all daemons)
#   jstate ID             pending/running/done/cancelled/dead, or "none"
#   wait_state ID STATE SECS
#                         wait_until the job is in STATE, else a problem
#   submit ARG ...        jobctl submit; ID = the id, or a problem and 1
#   jcheck ID 'PYTHON'    run PYTHON with d = show ID --json, h = its
#                         history; bad("why") records a problem, note("x")
#                         prints "INFO x"
#   outcheck ID 'PYTHON'  run PYTHON on the job's last output, made of
#                         "===NAME" sections: s = {NAME: [lines]}, env =
#                         section env as a dict, st = section status as
#                         /proc status fields, fds(NAME) = {fd: target} of
#                         an "ls -l" section; bad() and note() as jcheck
#   output_of ID [N]      the output blob of attempt N (default: the last)
#   no_strays NAME        a case: no jobd we started, no pid in JOBPIDS and
#                         no process naming $T in its command line is left
#                         (waits 5 s for orphans of a SIGKILLed jobd)
#   no_sanitizer NAME     a case: no sanitizer report (ASan, LSan, UBSan,
#                         TSan) in any $T/*.log
#   fake_mailer           MAILER = $T/sendmail, a copy of fake_sendmail
#                         (a sendmail that records each message in
#                         $MAILDIR = $T/sendmail.d: N.args, N.msg, N.env)
#   mails                 how many messages it has recorded
#   deps_early            one line per attempt of a job that started before
#                         a job it waits on (job_deps) had ended (done, for
#                         --after); nothing when none did
#   hung_start SECS [MNT] (root, /dev/fuse) mount hungfs.py, a FUSE file
#                         system that never answers, on MNT (default
#                         $T/hung; HUNG_MNT) for at most SECS: every
#                         access below it blocks; 1 when it cannot (why in
#                         $T/hungfs.out)
#   hung_stop             end it: the blocked callers get an error, the
#                         mount is detached (also done at exit)
#
# On exit, every jobd started here, every pid in JOBPIDS and every process
# naming $T is killed (SIGKILL, by pid).

. "$(dirname "$0")/lib.sh"

JOBD=${JOBD_BUILD:-$JOBD_TOP/build}/jobd
CONF=$T/jobd.conf
JOBPIDS=$T/job.pids		# jobs append their pids here
: >"$JOBPIDS"
: >"$T/.jobd_pids"
: >"$T/.jobd_reaped"
: >"$T/.jobd_logs"
unset LEAKME SUBMITLEAK

now_ms() {
	date +%s%3N
}

wait_until() {	# secs 'condition'
	_wu_end=$(($(now_ms) + $(awk "BEGIN { print int($1 * 1000) }")))
	while ! eval "$2"; do
		[ "$(now_ms)" -ge "$_wu_end" ] && return 1
		sleep 0.05
	done
	return 0
}

use_test_clock() {	# ms
	JOBD_TEST_CLOCK=$T/clock
	export JOBD_TEST_CLOCK
	setclock "$1"
}

setclock() {	# ms
	echo "$1" >"$JOBD_TEST_CLOCK.new" && mv "$JOBD_TEST_CLOCK.new" \
	    "$JOBD_TEST_CLOCK"
}

write_conf() {	# key=value ...
	cat >"$CONF" <<EOF
# jobd end-to-end test configuration
[jobd]
workers = 4
poll_interval = 1s
visibility_timeout = 2s
shutdown_grace = 2s
kill_grace = 500ms
max_output = 1M
locale_file = $T/locale
cgroups = auto
metrics_file = 
metrics_interval = 15s
max_running_per_user = 0
socket = none

[job]
max_attempts = 5
timeout = 0s
backoff = 100ms
backoff_max = 200ms
umask = 022
limit_nofile = 
limit_nproc = 
limit_as = 
limit_cpu = 

[retention]
done = 0s
cancelled = 0s
dead = 0s
output = 0s
schedule_runs = 0
interval = 1h
EOF
	for _wc in "$@"; do
		_wck=${_wc%%=*}
		_wcv=${_wc#*=}
		grep -q "^$_wck = " "$CONF" || { echo "write_conf: $_wck?" >&2
			return 1; }
		sed -i "s|^$_wck = .*|$_wck = $_wcv|" "$CONF"
	done
}

# A jobd started through a command (setpriv ARGS: as another user, or with
# fewer capabilities; a wrapper that changes what jobd inherits): the pid
# start_jobd records is jobd's own.
jobd_via() {	# command...
	{
		echo '#!/bin/sh'
		echo "exec $* \"$JOBD_REAL\" \"\$@\""
	} >"$T/jobd-via"
	chmod 755 "$T/jobd-via"
	JOBD=$T/jobd-via
}
JOBD_REAL=$JOBD

add_user() {	# name
	useradd -r -M -N -s /bin/sh -d / "$1" >"$T/.ua" 2>&1 || {
		problem "useradd $1: $(cat "$T/.ua")"
		return 1
	}
	echo "$1" >>"$T/.users"
}

cpu_ticks() {	# pid: user + system CPU time so far, in clock ticks
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

alive() {	# pid
	_al=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" \
	    2>/dev/null)
	[ -n "$_al" ] && [ "$_al" != Z ] && [ "$_al" != X ]
}

deps_early() {
	dsql "SELECT 'job ' || d.job_id || ' started at ' || a.started_at ||
	    ' before job ' || d.dep_id || ' ended ' ||
	    coalesce(p.state, 'dead') || ' at ' ||
	    coalesce(p.finished_at, q.dead_at, 'never')
	    FROM job_deps d JOIN attempts a ON a.job_id = d.job_id
	    LEFT JOIN jobs p ON p.id = d.dep_id
	    LEFT JOIN dead_jobs q ON q.id = d.dep_id
	    WHERE a.started_at < coalesce(p.finished_at, q.dead_at,
	    9223372036854775807) OR (d.any = 0 AND
	    coalesce(p.state, 'dead') <> 'done')"
}

dsql() {
	if is_pg; then
		sql "$@"
	else
		db_sqlite3 "$DB" -cmd '.timeout 5000' "$DB" "$@"
	fi
}

start_jobd() {	# name [jobd args]
	_sj_log=$T/$1.log
	shift
	"$JOBD" --config "$CONF" --db "$DB" "$@" 2>>"$_sj_log" &
	JOBD_PID=$!
	echo "$JOBD_PID" >>"$T/.jobd_pids"
	echo "$JOBD_PID $_sj_log" >>"$T/.jobd_logs"
	# 30 s: a start under valgrind on a loaded machine is slow.
	if ! wait_until 30 "[ \"\$(dsql \"SELECT count(*) FROM daemons
	    WHERE pid = $JOBD_PID\" 2>/dev/null)\" = 1 ] || ! alive $JOBD_PID"
	then
		problem "jobd $JOBD_PID did not register within 30 s: \
$(tail -n 3 "$_sj_log")"
		return 1
	fi
	alive "$JOBD_PID" || { problem "jobd exited at start: \
$(tail -n 3 "$_sj_log")"; return 1; }
	return 0
}

reap_jobd() {	# pid secs
	STOP_RC=
	echo "$1" >>"$T/.jobd_reaped"
	if ! wait_until "$2" "! alive $1"; then
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		STOP_RC=killed
		return 1
	fi
	wait "$1" 2>/dev/null
	STOP_RC=$?
	return 0
}

stop_jobd() {	# pid [secs]
	kill -TERM "$1" 2>/dev/null
	reap_jobd "$1" "${2:-10}"
}

running_in() {	# queue
	dsql "SELECT count(*) FROM jobs WHERE state = 'running'
	    AND queue = '$1'"
}

jstate() {	# id
	_js=$(dsql "SELECT state FROM jobs WHERE id = $1 UNION ALL
	    SELECT 'dead' FROM dead_jobs WHERE id = $1" 2>/dev/null)
	echo "${_js:-none}"
}

wait_state() {	# id state secs
	wait_until "$3" "[ \"\$(jstate $1)\" = $2 ]" && return 0
	died
	problem "job $1 is $(jstate "$1"), not $2 after $3 s$DIED"
	return 1
}

# DIED: "; jobd PID died ..." for each daemon we started that is gone
# although no stop_jobd/reap_jobd waited for it.
died() {
	DIED=
	for _dp in $(cat "$T/.jobd_pids"); do
		grep -qx "$_dp" "$T/.jobd_reaped" 2>/dev/null && continue
		alive "$_dp" && continue
		wait "$_dp" 2>/dev/null
		_dprc=$?
		echo "$_dp" >>"$T/.jobd_reaped"
		_dplog=$(sed -n "s/^$_dp //p" "$T/.jobd_logs")
		DIED="$DIED; jobd $_dp died unexpectedly (exit status $_dprc;\
 log: $(tail -n 3 "$_dplog" 2>/dev/null | tr '\n' ' '))"
	done
}

submit() {	# jobctl submit args
	ID=
	"$JOBCTL" submit "$@" >"$T/.sub.out" 2>"$T/.sub.err"
	_sb=$?
	if [ "$_sb" -ne 0 ] || ! ID=$(grep -E '^[0-9]+$' "$T/.sub.out"); then
		problem "submit $*: exit $_sb: $(head -c 300 "$T/.sub.err")"
		ID=
		return 1
	fi
	return 0
}

jcheck() {	# id 'python'
	if ! "$JOBCTL" show "$1" --json >"$T/.show" 2>"$T/.show.err"; then
		problem "show $1 --json failed: $(head -c 200 "$T/.show.err")"
		return 1
	fi
	_jc=$(python3 - "$T/.show" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
h = d.get("history") or []
errs = []
notes = []
def bad(m):
    errs.append(str(m))
def note(m):
    notes.append(str(m).replace("\n", " "))
try:
    exec(sys.argv[2])
except Exception as e:
    errs.append("check raised %r" % e)
print("; ".join(errs).replace("\n", " "))
for n in notes:
    print(n)
EOF
)
	echo "$_jc" | sed -n '2,$p' | while IFS= read -r _jcn; do
		info "$_jcn"
	done
	_jc=$(echo "$_jc" | head -n 1)
	[ -z "$_jc" ] && return 0
	problem "job $1: $_jc"
	return 1
}

outcheck() {	# id 'python'
	output_of "$1" >"$T/.out"
	_pc=$(python3 - "$T/.out" "$2" <<'EOF'
import re, sys
s, cur = {}, None
for line in open(sys.argv[1], "rb").read().decode("utf-8", "replace").splitlines():
    if line.startswith("==="):
        cur = line[3:]
        s[cur] = []
    elif cur is not None:
        s[cur].append(line)
st = {}
for l in s.get("status", []):
    k, _, v = l.partition(":")
    st[k] = v.split()
env = dict(l.split("=", 1) for l in s.get("env", []) if "=" in l)
def fds(sec):
    r = {}
    for l in s.get(sec, []):
        m = re.search(r" (\d+) -> (.*)$", l)
        if m:
            r[int(m.group(1))] = m.group(2)
    return r
errs, notes = [], []
def bad(m):
    errs.append(str(m))
def note(m):
    notes.append(str(m))
try:
    exec(sys.argv[2])
except Exception as e:
    errs.append("check raised %r" % e)
print("; ".join(errs))
for n in notes:
    print(n)
EOF
)
	echo "$_pc" | sed -n '2,$p' | while IFS= read -r _pcn; do
		info "$_pcn"
	done
	_pc=$(echo "$_pc" | head -n 1)
	[ -z "$_pc" ] || problem "job $1: $_pc"
}

output_of() {	# id [attempt]: the raw output blob
	if is_pg; then
		sql "SELECT encode(output, 'hex') FROM attempts WHERE job_id = $1
		    ${2:+AND attempt = $2} ORDER BY id DESC LIMIT 1" |
		    python3 -c 'import sys
sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()))'
		return
	fi
	python3 - "$DB" "$1" "${2:-}" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=5)
q = "SELECT output FROM attempts WHERE job_id = ?"
a = [int(sys.argv[2])]
if sys.argv[3]:
    q += " AND attempt = ?"
    a.append(int(sys.argv[3]))
r = db.execute(q + " ORDER BY id DESC LIMIT 1", a).fetchone()
sys.stdout.buffer.write((r and r[0]) or b"")
EOF
}

# Every process whose command line names our temp dir, but not us.
_t_procs() {
	for _tp in /proc/[0-9]*; do
		_tpid=${_tp#/proc/}
		[ "$_tpid" = $$ ] && continue
		_tcmd=$(tr "\\0" " " 2>/dev/null <"$_tp/cmdline") || continue
		case $_tcmd in
		*"$T"*) alive "$_tpid" && echo "$_tpid: $_tcmd" ;;
		esac
	done
}

_strays() {
	for _sp in $(cat "$T/.jobd_pids" "$JOBPIDS" 2>/dev/null); do
		alive "$_sp" && echo "$_sp: $(tr "\\0" " " 2>/dev/null \
		    <"/proc/$_sp/cmdline")"
	done
	_t_procs
}

no_strays() {	# name
	begin "$1"
	# Jobs orphaned by a SIGKILLed jobd may still be finishing their sleep.
	if ! wait_until 5 '[ -z "$(_strays)" ]'; then
		problem "left running: $(_strays | sort -u | head -5 |
		    tr '\n' ';')"
	fi
	end
}

no_sanitizer() {	# name
	begin "$1"
	for _ns in "$T"/*.log; do
		[ -f "$_ns" ] || continue
		# ASan, LSan, UBSan ("runtime error:") and TSan ("WARNING:
		# ThreadSanitizer: data race"); a SUMMARY line names the place.
		if grep -q -e 'Sanitizer' -e 'runtime error:' "$_ns"; then
			problem "$(basename "$_ns"): $(grep -m2 -e '^SUMMARY: ' \
			    -e 'runtime error:' "$_ns" ||
			    grep -m2 -e Sanitizer "$_ns")"
		fi
	done
	end
}

# Can jobd run attempts in cgroups here?  Starts and stops a jobd (log
# $T/probe.log): 0 with CGDIR set to the database's cgroup directory, or 1
# with the reason in WHYNOT.
has_cgroups() {
	[ "$(id -u)" -eq 0 ] || { WHYNOT="needs root"; return 1; }
	grep -q ' - cgroup2 ' /proc/self/mountinfo ||
	    { WHYNOT="no cgroup2 file system"; return 1; }
	write_conf && start_jobd probe || { WHYNOT="jobd did not start"
		return 1; }
	stop_jobd "$JOBD_PID" 10
	CGDIR=$(sed -n 's/.*containment: a cgroup per attempt, in //p' \
	    "$T/probe.log" | tail -n 1)
	[ -n "$CGDIR" ] || { WHYNOT=$(grep -m1 containment "$T/probe.log")
		return 1; }
	return 0
}

HUNGFS=$(dirname "$0")/hungfs.py
HUNG_PID=
HUNG_MNT=$T/hung

hung_start() {	# secs [mountpoint]
	HUNG_MNT=${2:-$T/hung}
	mkdir -p "$HUNG_MNT"
	python3 "$HUNGFS" "$HUNG_MNT" "$1" >"$T/hungfs.out" 2>&1 &
	HUNG_PID=$!
	wait_until 10 'grep -q ready "$T/hungfs.out" || ! alive $HUNG_PID' &&
	    grep -q ready "$T/hungfs.out"
}

hung_stop() {
	[ -n "$HUNG_PID" ] && kill -TERM "$HUNG_PID" 2>/dev/null &&
	    wait "$HUNG_PID" 2>/dev/null
	HUNG_PID=
	umount -l "$HUNG_MNT" 2>/dev/null
	return 0
}

# On exit: end a hung file system, kill (by id) every jobd we started and
# every job process that recorded its pid, if still alive.
_daemon_cleanup() {
	hung_stop
	for _cp in $(cat "$T/.jobd_pids" "$JOBPIDS" 2>/dev/null); do
		alive "$_cp" && kill -KILL "$_cp" 2>/dev/null
	done
	for _cp in $(_t_procs | cut -d: -f1); do
		kill -KILL "$_cp" 2>/dev/null
	done
	for _cu in $(cat "$T/.users" 2>/dev/null); do
		userdel "$_cu" 2>/dev/null || userdel -f "$_cu" 2>/dev/null
	done
	[ -n "${_e2e_tmp:-}" ] && rm -rf "$_e2e_tmp"	# lib.sh, run by hand
	return 0
}
trap '_daemon_cleanup' EXIT
trap '_daemon_cleanup; exit 1' INT TERM HUP

fake_mailer() {
	MAILER=$T/sendmail
	MAILDIR=$MAILER.d
	cp "$JOBD_TOP/tests/e2e/fake_sendmail" "$MAILER" &&
	    chmod 755 "$MAILER" && mkdir -p "$MAILDIR"
}

mails() {
	find "$MAILDIR" -maxdepth 1 -name '*.msg' 2>/dev/null | wc -l
}
