# backends: sqlite postgresql
# The process a job gets is the one an operator expects, whatever jobd
# inherited: a jobd started with SIGCHLD ignored still learns every job's
# exit status, one started with SIGTERM blocked still stops on SIGTERM and
# reloads on SIGHUP.  A job's umask is 022 (as cron's) even under a jobd
# with umask 077, else its own (--umask, a schedule's, jobd.conf's); its
# locale comes from locale_file (LANG, LANGUAGE, LC_*) unless it sets its
# own; its limits (--limit-*, a schedule's, jobd.conf's) are its soft and
# hard limits, and one above a hard limit jobd cannot raise fails to start
# and says so.  As root: a fork bomb under --limit-nproc stays bounded,
# and a job for a locked or expired account never runs and says why.
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
	submit --cwd "$T" -- 'exit 3' && J1=$ID
	submit --cwd "$T" -- 'echo fine' && J2=$ID
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

# A job that reports its umask, a file it made, its environment and its
# limits, in "===NAME" sections (outcheck).
probe='echo ===umask; umask; rm -f "$JOBD_JOB_ID.f"; touch "$JOBD_JOB_ID.f"; stat -c %a "$JOBD_JOB_ID.f"
echo ===env; env
echo ===limits; cat /proc/$$/limits'
# lim(NAME): the soft and hard limit "NAME" ("Max open files") of a probe.
lim_py='
def lim(name):
    for l in s.get("limits", []):
        if l.startswith(name):
            return l[len(name):].split()[:2]
    return None
'

printf '#!/bin/sh\numask 077\nexec "$@"\n' >"$T/umask077"
chmod 755 "$T/umask077"
printf '%s\n' '# as update-locale writes it' 'LANG=de_DE.UTF-8' \
    'LC_TIME="en_GB.UTF-8"' "export LC_PAPER='de_DE.UTF-8'" 'FOO=bar' \
    'LC_bad=x' 'PATH=/nowhere' >"$T/locale"

write_conf max_attempts=1
begin "umask: 022 under a jobd with umask 077, --umask 027, a schedule's 007"
jobd_via "$T/umask077"
J1= J2= J3=
if start_jobd umask; then
	P=$JOBD_PID
	[ "$(sed -n 's/^Umask:[[:space:]]*//p' "/proc/$P/status")" = 0077 ] ||
	    problem "jobd's umask is not 0077"
	submit --cwd "$T" -- "$probe" && J1=$ID
	submit --cwd "$T" --umask 027 -- "$probe" && J2=$ID
	"$JOBCTL" schedule add um --cron '0 0 1 1 *' --umask 7 --cwd "$T" \
	    -- "$probe" >/dev/null 2>"$T/.sa" ||
	    problem "schedule add: $(cat "$T/.sa")"
	"$JOBCTL" schedule run um >"$T/.sr" 2>&1 ||
	    problem "schedule run: $(cat "$T/.sr")"
	J3=$(dsql "SELECT max(id) FROM jobs WHERE schedule_id IS NOT NULL")
	for j in $J1 $J2 $J3; do wait_state "$j" done 10; done
	outcheck "$J1" 'if s["umask"] != ["0022", "644"]: bad("default: %s" % s["umask"])'
	outcheck "$J2" 'if s["umask"] != ["0027", "640"]: bad("--umask 027: %s" % s["umask"])'
	outcheck "$J3" 'if s["umask"] != ["0007", "660"]: bad("schedule umask 7: %s" % s["umask"])'
	[ "$(field "$J2" 'd["umask"]')" = 027 ] || problem "show --json umask"
	[ "$("$JOBCTL" schedule show um --json | head -n 1 |
	    json 'd["umask"]')" = 007 ] || problem "schedule show --json umask"
	stop_jobd "$P"
fi
JOBD=$JOBD_REAL
end

begin "locale: LANG and LC_* from locale_file, nothing else; --env LANG=C wins; jobd.conf umask"
write_conf max_attempts=1 umask=077
if start_jobd locale; then
	P=$JOBD_PID
	submit --cwd "$T" -- "$probe" && J1=$ID
	submit --cwd "$T" --env LANG=C -- "$probe" && J2=$ID
	wait_state "$J1" done 10 && wait_state "$J2" done 10
	outcheck "$J1" '
want = {"LANG": "de_DE.UTF-8", "LC_TIME": "en_GB.UTF-8", "LC_PAPER": "de_DE.UTF-8"}
for k, v in want.items():
    if env.get(k) != v: bad("%s=%r" % (k, env.get(k)))
for k in ("FOO", "LC_bad"):
    if k in env: bad("%s leaked" % k)
if env.get("PATH") == "/nowhere": bad("PATH from the locale file")
if s["umask"] != ["0077", "600"]: bad("jobd.conf umask 077: %s" % s["umask"])
'
	outcheck "$J2" '
if env.get("LANG") != "C": bad("LANG=%r" % env.get("LANG"))
if env.get("LC_TIME") != "en_GB.UTF-8": bad("LC_TIME=%r" % env.get("LC_TIME"))
'
	stop_jobd "$P"
fi
end

# Limits.  jobd's hard limit on open files is 512 here (below any usual
# one), and it cannot raise it: not root, or root without CAP_SYS_RESOURCE.
printf '#!/bin/sh\nulimit -S -n 256 && ulimit -H -n 512 || exit 70\nexec "$@"\n' \
    >"$T/lowhard"
chmod 755 "$T/lowhard"
if [ "$(id -u)" -eq 0 ]; then
	jobd_via "$T/lowhard" setpriv --inh-caps=-all \
	    --bounding-set=-sys_resource
else
	jobd_via "$T/lowhard"
fi
write_conf max_attempts=1 limit_nofile=200 limit_cpu=1h
begin "limits: jobd.conf's, --limit-* over them, as soft and hard limits; above jobd's hard limit: spawn_error"
J1= J2= J3=
if start_jobd limits; then
	P=$JOBD_PID
	submit --cwd "$T" -- "$probe" && J1=$ID
	submit --cwd "$T" --limit-nofile 64 --limit-nproc 5000 \
	    --limit-as 2G --limit-cpu 90s -- "$probe" && J2=$ID
	submit --cwd "$T" --limit-nofile 8192 -- "$probe" && J3=$ID
	wait_state "$J1" done 10 && wait_state "$J2" done 10
	wait_state "$J3" dead 10
	outcheck "$J1" "$lim_py"'
if lim("Max open files") != ["200", "200"]: bad("nofile %s" % lim("Max open files"))
if lim("Max cpu time") != ["3600", "3600"]: bad("cpu %s" % lim("Max cpu time"))
'
	outcheck "$J2" "$lim_py"'
for name, want in (("Max open files", "64"), ("Max processes", "5000"),
    ("Max address space", str(2 << 30)), ("Max cpu time", "90")):
    if lim(name) != [want, want]: bad("%s: %s" % (name, lim(name)))
'
	jcheck "$J3" '
a = h[-1]
e = a["error"] or ""
if a["outcome"] != "spawn_error" or "limit_nofile 8192: above jobd" not in e or "limit 512" not in e:
    bad("attempt %s" % a)
'
	[ "$(field "$J2" 'd["limit_as"]')" = $((2 << 30)) ] &&
	    [ "$(field "$J2" 'd["limit_cpu"]')" = 90 ] ||
	    problem "show --json limits"
	stop_jobd "$P"
	# The dead job keeps its limits, and dead retry brings them back.
	[ "$(field "$J3" 'd["limit_nofile"]')" = 8192 ] ||
	    problem "the dead job lost limit_nofile"
	"$JOBCTL" dead retry "$J3" >/dev/null 2>&1 || problem "dead retry"
	[ "$(dsql "SELECT state, limit_nofile FROM jobs WHERE id = $J3")" = \
	    "pending|8192" ] || problem "dead retry lost limit_nofile"
fi
JOBD=$JOBD_REAL
end

# As root, with a user made here: a fork bomb under --limit-nproc stays
# bounded (root itself is not bound by RLIMIT_NPROC); a locked or expired
# account never runs, and says why.
if [ "$(id -u)" -ne 0 ]; then
	skip "limits: a fork bomb under --limit-nproc" "needs root (to make a test user)"
	skip "accounts: locked and expired accounts" "needs root (to make a test user)"
elif ! command -v useradd >/dev/null || ! command -v usermod >/dev/null ||
    ! command -v chage >/dev/null; then
	skip "limits: a fork bomb under --limit-nproc" "no useradd, usermod or chage"
	skip "accounts: locked and expired accounts" "no useradd, usermod or chage"
else
	U=jdpe$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
	write_conf max_attempts=1
	begin "limits: a fork bomb under --limit-nproc 10 stays bounded and ends"
	# The bomb is bounded by itself too: 60 forks at most.
	bomb='i=0; while [ $i -lt 60 ]; do sleep 5 & echo "pid $!"; i=$((i + 1)); done; echo all forked'
	J1=
	if add_user "$U" && start_jobd bomb; then
		P=$JOBD_PID
		submit --user "$U" --cwd / --limit-nproc 10 -- "$bomb" && J1=$ID
		if [ -n "$J1" ] && wait_until 20 '[ "$(jstate "$J1")" = dead ] ||
		    [ "$(jstate "$J1")" = done ]'; then
			n=$(output_of "$J1" | grep -c '^pid ')
			info "fork bomb: $n forks succeeded of 60"
			[ "$n" -ge 1 ] && [ "$n" -lt 10 ] ||
			    problem "$n forks succeeded under --limit-nproc 10"
			output_of "$J1" | grep -q '^all forked' &&
			    problem "every fork succeeded"
		else
			problem "the job did not end: $(jstate "$J1")"
		fi
		stop_jobd "$P"
	fi
	end

	begin "accounts: a locked account (usermod -L) and an expired one (chage -E 0) never run; unlocked, it runs"
	if grep -q "^$U:" /etc/passwd && start_jobd accounts; then
		P=$JOBD_PID
		# "*": no password, as many system users; useradd's "!"
		# would stay as it is under usermod -L.
		usermod -p '*' "$U" && usermod -L "$U" || problem "usermod -L"
		submit --user "$U" --cwd / -- 'echo ran' && J1=$ID
		wait_state "$J1" dead 10 && jcheck "$J1" '
a = h[-1]
if a["outcome"] != "spawn_error" or "is locked" not in (a["error"] or "") or "usermod -L" not in a["error"]:
    bad("attempt %s" % a)
'
		usermod -U "$U" && chage -E 0 "$U" || problem "usermod -U, chage -E 0"
		submit --user "$U" --cwd / -- 'echo ran' && J2=$ID
		wait_state "$J2" dead 10 && jcheck "$J2" '
a = h[-1]
if a["outcome"] != "spawn_error" or "expired on 1970-01-01" not in (a["error"] or ""):
    bad("attempt %s" % a)
'
		chage -E -1 "$U" || problem "chage -E -1"
		submit --user "$U" --cwd / -- 'echo ran' && J3=$ID
		wait_state "$J3" done 10
		[ "$(output_of "$J3")" = ran ] || problem "output $(output_of "$J3")"
		for j in $J1 $J2; do
			[ -z "$(output_of "$j")" ] || problem "job $j ran"
		done
		stop_jobd "$P"
	fi
	end
fi

no_strays "process: nothing left running"
no_sanitizer "process: no sanitizer report"
