# Jobs that run as another user (jobctl submit --user), as root with test
# users and groups made here and removed on exit.  A job run as another
# user has exactly that user's uid, gid (real, effective, saved and file
# system) and supplementary groups, no capabilities (even when jobd has
# inheritable and ambient ones, or keeps them across a uid change), fds 0-2
# only, an empty signal mask, no controlling terminal (jobd has one here),
# and that user's HOME, USER, LOGNAME and working directory.  An unknown
# user, a user removed before its job runs, a jobd that lacks the
# capabilities to drop to the user, or a jobd that is not root: the job
# never runs (and never as root) and says why.  Not root: every case is
# skipped.
. "$(dirname "$0")/daemon_lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "privileges: every case" "needs root (to make test users)"
	exit 0
fi
for c in useradd userdel groupadd groupdel setpriv getent; do
	if ! command -v "$c" >/dev/null; then
		skip "privileges: every case" "no $c"
		exit 0
	fi
done

# Unique names (at most 32 bytes): jdp, a random part, a role letter.
SFX=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
U=jdp${SFX}u		# the job user
UG=jdp${SFX}g		# its primary group
G1=jdp${SFX}a		# its supplementary groups
G2=jdp${SFX}b
GX=jdp${SFX}x		# a group it is not in
GONE=jdp${SFX}r		# a user removed before its job runs
O=jdp${SFX}o		# the user of a jobd that is not root
NOUSER=jdp${SFX}n	# never made
MADE_U= MADE_G=

_priv_cleanup() {
	_daemon_cleanup
	for _pu in $MADE_U; do
		userdel "$_pu" 2>/dev/null || userdel -f "$_pu" 2>/dev/null
	done
	for _pg in $MADE_G; do
		groupdel "$_pg" 2>/dev/null
	done
	return 0
}
trap '_priv_cleanup' EXIT
trap '_priv_cleanup; exit 1' INT TERM HUP

mkgroup() {	# name
	groupadd -r "$1" >"$T/.ua" 2>&1 || {
		problem "groupadd $1: $(cat "$T/.ua")"
		return 1
	}
	MADE_G="$MADE_G $1"
}
mkuser() {	# name primary-group groups home
	useradd -r -M -N -s /bin/sh -g "$2" ${3:+-G "$3"} -d "$4" "$1" \
	    >"$T/.ua" 2>&1 || {
		problem "useradd $1: $(cat "$T/.ua")"
		return 1
	}
	MADE_U="$MADE_U $1"
}

write_conf

# $T must be traversable by the test users; $T/drop is where any job may
# leave a file, so that "no file" means "did not run", whatever its user.
chmod 711 "$T"
mkdir -m 1777 "$T/drop"
chmod 644 "$CONF" 2>/dev/null

begin "privileges: test users and groups are made"
mkgroup "$UG" && mkgroup "$G1" && mkgroup "$G2" && mkgroup "$GX" &&
mkdir -m 755 "$T/home.u" "$T/home.o" &&
mkuser "$U" "$UG" "$G1,$G2" "$T/home.u" &&
mkuser "$GONE" "$UG" "" "$T/home.u" &&
mkuser "$O" "$GX" "" "$T/home.o" &&
chown "$U:$UG" "$T/home.u" && chown "$O:$GX" "$T/home.o"
end
if [ -n "$WHY" ] || ! getent passwd "$U" >/dev/null; then
	fail "privileges: the remaining cases" "no test users"
	exit 0
fi
UID_U=$(id -u "$U")
GID_U=$(getent group "$UG" | cut -d: -f3)
GID_1=$(getent group "$G1" | cut -d: -f3)
GID_2=$(getent group "$G2" | cut -d: -f3)
UID_O=$(id -u "$O")
GID_O=$(getent group "$GX" | cut -d: -f3)
info "privileges: user $U uid $UID_U gid $GID_U groups $GID_1 $GID_2"

# A job that describes itself, in sections "===name".  The shell reads its
# own status with builtins: while it waits for a child, dash blocks every
# signal for a moment, which a child reading /proc/$$/status could see.
probe='echo ===id; id -u; id -g; id -G
echo ===status; while IFS= read -r l; do case $l in Uid:*|Gid:*|Groups:*|Cap*|NoNewPrivs:*|SigBlk:*|SigIgn:*|Pid:*) echo "$l" ;; esac; done </proc/$$/status
echo ===fd; ls /proc/$$/fd
echo ===stat; cat /proc/$$/stat
echo ===tty; if (: </dev/tty) 2>/dev/null; then echo open; else echo none; fi; ps -o tty= -p $$
echo ===env; env
echo ===pwd; pwd -P
echo ===file; touch '"$T"'/drop/probe.$JOBD_JOB_ID && stat -c "%u %g" '"$T"'/drop/probe.$JOBD_JOB_ID'


# Exec a command in a new session whose controlling terminal is a fresh
# pseudo-terminal (both ends stay open in it, so it never hangs up).
cat >"$T/with-tty.py" <<'EOF'
import fcntl, os, sys, termios
m, s = os.openpty()
os.setsid()
fcntl.ioctl(s, termios.TIOCSCTTY, 0)
os.set_inheritable(m, True)
os.set_inheritable(s, True)
os.execv(sys.argv[1], sys.argv[1:])
EOF

# A user that does not exist: refused at submission, nothing written (no
# daemon runs yet, so the database changes only if the submission does).
dbdump >"$T/dump0"
bad "unknown --user: refused at submit (67), nothing written" 67 \
    "no such user" submit --user "$NOUSER" -- "touch $T/drop/nouser"

# Submitted before the first jobd starts: the user is removed by then.
submit --max-attempts 2 --user "$GONE" -- "touch $T/drop/gone"
GONEJOB=$ID

begin "privileges: a user removed after submission: removed"
userdel "$GONE" >"$T/.ua" 2>&1 || problem "userdel $GONE: $(cat "$T/.ua")"
end

begin "privileges: root jobd starts, with a controlling terminal"
jobd_via "python3 $T/with-tty.py"
start_jobd jobd
D=$JOBD_PID
tty_nr=$(sed 's/.*) //' "/proc/$D/stat" | cut -d' ' -f5)
info "privileges: jobd's own tty_nr $tty_nr, fds $(ls "/proc/$D/fd" |
    sort -n | tr '\n' ' ')"
[ "${tty_nr:-0}" -ne 0 ] || problem "jobd has no controlling terminal"
end

# 1. Everything about a job run as $U.
begin "privileges: --user: uid, gid (real, effective, saved, fs) and exactly the user's groups"
submit --user "$U" -- "$probe" && wait_state "$ID" done 15
PROBE=$ID
if [ -n "$PROBE" ]; then
	outcheck "$PROBE" '
u, g = "'"$UID_U"'", "'"$GID_U"'"
want_groups = sorted({int(g), '"$GID_1"', '"$GID_2"'})
if s.get("id", [])[:2] != [u, g]: bad("id -u, id -g: %s" % s.get("id"))
if st.get("Uid") != [u] * 4: bad("Uid: %s, expected %s" % (st.get("Uid"), [u] * 4))
if st.get("Gid") != [g] * 4: bad("Gid: %s, expected %s" % (st.get("Gid"), [g] * 4))
groups = sorted(int(x) for x in st.get("Groups", []))
if groups != want_groups: bad("Groups: %s, expected %s" % (groups, want_groups))
if s.get("file") != [u + " " + g]: bad("file made by the job: owner %s" % s.get("file"))
note("privileges: job as %s: Uid %s, Gid %s, Groups %s" % ("'"$U"'",
     " ".join(st.get("Uid", [])), " ".join(st.get("Gid", [])),
     " ".join(st.get("Groups", []))))
'
fi
end

begin "privileges: --user: no capabilities (CapEff, CapPrm, CapInh, CapAmb 0)"
[ -n "$PROBE" ] && outcheck "$PROBE" '
for k in ("CapEff", "CapPrm", "CapInh", "CapAmb"):
    v = st.get(k, ["?"])[0]
    if v == "?" or int(v, 16) != 0: bad("%s %s" % (k, v))
note("privileges: job as user: CapInh %s CapPrm %s CapEff %s CapBnd %s CapAmb %s NoNewPrivs %s" %
     tuple(st.get(k, ["?"])[0] for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs")))
'
end

begin "privileges: --user: fds 0-2 only, empty signal mask, nothing ignored"
[ -n "$PROBE" ] && outcheck "$PROBE" '
fds = sorted(int(x) for x in s.get("fd", []))
if fds != [0, 1, 2]: bad("fds %s" % fds)
for k in ("SigBlk", "SigIgn"):
    v = st.get(k, ["?"])[0]
    if v == "?" or int(v, 16) != 0: bad("%s %s" % (k, v))
'
end

begin "privileges: --user: own session, no controlling terminal"
[ -n "$PROBE" ] && outcheck "$PROBE" '
f = s.get("stat", [""])[0].rsplit(")", 1)[1].split()
pid = st.get("Pid", ["?"])[0]
if f[2] != pid or f[3] != pid: bad("pgrp %s, session %s, pid %s" % (f[2], f[3], pid))
if f[4] != "0": bad("tty_nr %s" % f[4])
t = s.get("tty", [])
if t[:1] != ["none"]: bad("/dev/tty: %s" % t[:1])
if [x.strip() for x in t[1:2]] != ["?"]: bad("ps -o tty=: %s" % t[1:2])
'
end

begin "privileges: --user: HOME, USER, LOGNAME, PATH of the user; cwd is HOME"
[ -n "$PROBE" ] && outcheck "$PROBE" '
want = {"HOME": "'"$T/home.u"'", "USER": "'"$U"'", "LOGNAME": "'"$U"'",
        "PATH": "/usr/local/bin:/usr/bin:/bin", "SHELL": "/bin/sh"}
for k, v in want.items():
    if env.get(k) != v: bad("%s=%r, expected %r" % (k, env.get(k), v))
import os
if s.get("pwd") != [os.path.realpath(want["HOME"])]: bad("cwd %s" % s.get("pwd"))
'
end

# 2. A user removed between submission and run: never runs, dead with why.
begin "privileges: a job whose user was removed never runs: dead, spawn_error \"no such user\""
if [ -n "$GONEJOB" ] && wait_state "$GONEJOB" dead 15; then
	jcheck "$GONEJOB" '
if [a["outcome"] for a in h] != ["spawn_error"] * 2:
    bad("outcomes %s" % [a["outcome"] for a in h])
for a in h:
    if "no such user" not in (a["error"] or ""): bad("attempt error %r" % a["error"])
if "no such user \"'"$GONE"'\"" not in (d["dead_reason"] or ""):
    bad("dead_reason %r" % d["dead_reason"])
note("privileges: removed user: dead_reason %r" % d["dead_reason"])
'
	[ ! -e "$T/drop/gone" ] || problem "the job ran (as uid $(stat -c %u "$T/drop/gone"))"
	[ ! -e "$T/drop/nouser" ] || problem "the refused job ran"
fi
end

begin "privileges: root jobd stops"
stop_jobd "$D" 10 || problem "jobd did not stop"
end

# 3. A root jobd that cannot drop to the user: without CAP_SETGID and
# CAP_SETUID (setgroups fails), then without CAP_SETUID only (setgroups
# and setresgid succeed, setresuid fails).  The job must never run.
dropfail() {	# name caps-to-drop pattern
	use_db "$T/$1.db"
	jobd_via "setpriv --inh-caps=-all --bounding-set=$2"
	begin "privileges: root jobd without $2: a --user job never runs; dead with \"$3\""
	if start_jobd "$1"; then
		if submit --max-attempts 1 --user "$U" -- \
		    "id -u >$T/drop/$1" && wait_state "$ID" dead 15; then
			jcheck "$ID" '
if [a["outcome"] for a in h] != ["spawn_error"]:
    bad("outcomes %s" % [a["outcome"] for a in h])
if "'"$3"'" not in (d["dead_reason"] or ""): bad("dead_reason %r" % d["dead_reason"])
note("privileges: jobd without '"$2"': dead_reason %r" % d["dead_reason"])
'
			[ ! -e "$T/drop/$1" ] ||
			    problem "the job ran as uid $(cat "$T/drop/$1")"
		fi
		# A job without --user still runs, as root.
		if submit --max-attempts 1 -- 'id -u' &&
		    wait_state "$ID" done 15; then
			[ "$(output_of "$ID")" = 0 ] ||
			    problem "job without --user: uid $(output_of "$ID")"
		fi
		stop_jobd "$JOBD_PID" 10 || problem "jobd did not stop"
	fi
	end
}
dropfail nosetid -setgid,-setuid "setgroups: Operation not permitted"
dropfail nosetuid -setuid "setresuid $UID_U: Operation not permitted"

# A root jobd with inheritable and ambient capabilities (a unit with
# AmbientCapabilities=): the uid switch clears the others, but not the
# inheritable set, which a file's inheritable capabilities would turn into
# real ones.  With the securebit that keeps capabilities across a uid
# change (SecureBits=no-setuid-fixup), it clears none.  Either way the
# job runs with none.
capsjobd() {	# name what setpriv-args...
	_cj=$1 _cjw=$2
	shift 2
	use_db "$T/$_cj.db"
	jobd_via setpriv "$@"
	begin "privileges: root jobd with $_cjw: a --user job runs with no capabilities"
	if start_jobd "$_cj"; then
		if submit --max-attempts 1 --user "$U" -- "$probe" &&
		    wait_state "$ID" done 15; then
			outcheck "$ID" '
if s.get("id", [])[:1] != ["'"$UID_U"'"]: bad("id -u: %s" % s.get("id"))
for k in ("CapEff", "CapPrm", "CapInh", "CapAmb"):
    v = st.get(k, ["?"])[0]
    if v == "?" or int(v, 16) != 0: bad("%s %s" % (k, v))
'
		fi
		stop_jobd "$JOBD_PID" 10 || problem "jobd did not stop"
	fi
	end
}
capsjobd ambient "inheritable and ambient capabilities" \
    --inh-caps=+net_raw,+sys_admin --ambient-caps=+net_raw,+sys_admin
capsjobd nofixup "ambient capabilities and no_setuid_fixup" \
    --inh-caps=+net_raw,+sys_admin --ambient-caps=+net_raw,+sys_admin \
    --securebits=+no_setuid_fixup

# 4. jobd as a user that is not root.
use_db "$T/o/jobs.db"
mkdir -m 700 "$T/o"
chown "$O:$GX" "$T/o"
AS_O="setpriv --reuid=$UID_O --regid=$GID_O --init-groups"
begin "privileges: as $O, submit --user $O makes $O's database"
$AS_O "$JOBCTL" submit --max-attempts 1 --user "$O" -- \
    'echo $(id -u) $(id -g) $USER' >"$T/.out" 2>"$T/.err" ||
    problem "jobctl submit as $O: $(cat "$T/.err")"
OWNJOB=$(cat "$T/.out")
end

begin "privileges: as $O, submit --user $U is refused (77), nothing written"
dbdump >"$T/dump0"
RUN_AS=$AS_O
run submit --user "$U" -- "touch $T/drop/o-submit"
RUN_AS=
expect_rc 77
expect_err_contains "only root"
dbdump >"$T/dump1"
expect_same "$T/dump0" "$T/dump1" "database"
end

begin "privileges: jobd as $O (not root) starts on its own database"
jobd_via "$AS_O"
start_jobd ojobd
end
OD=$JOBD_PID

begin "privileges: jobd as $O, a job for $U (submitted by root) never runs: dead, \"not root\""
if submit --max-attempts 1 --user "$U" -- "id -u >$T/drop/o-job" &&
    wait_state "$ID" dead 15; then
	jcheck "$ID" '
if [a["outcome"] for a in h] != ["spawn_error"]:
    bad("outcomes %s" % [a["outcome"] for a in h])
if "not root" not in (d["dead_reason"] or ""): bad("dead_reason %r" % d["dead_reason"])
note("privileges: jobd as user: dead_reason %r" % d["dead_reason"])
'
	[ ! -e "$T/drop/o-job" ] || problem "the job ran as uid $(cat "$T/drop/o-job")"
	[ ! -e "$T/drop/o-submit" ] || problem "the refused job ran"
fi
end

begin "privileges: jobd as $O, a job $O submitted with --user $O runs as $O"
if [ -n "$OWNJOB" ] && wait_state "$OWNJOB" done 15; then
	[ "$(output_of "$OWNJOB")" = "$UID_O $GID_O $O" ] ||
	    problem "output $(output_of "$OWNJOB" | head -c 100)"
fi
end

begin "privileges: jobd as $O stops"
stop_jobd "$OD" 10 || problem "jobd did not stop"
[ "$STOP_RC" = 0 ] || problem "exit status $STOP_RC: $(tail -n 3 "$T/ojobd.log")"
end

no_sanitizer "privileges: no sanitizer report in the jobd logs"
no_strays "privileges: no jobd or job process left"
exit 0
