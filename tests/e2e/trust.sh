# The trust boundary: jobd refuses a database, a directory holding it, a
# -wal or -shm, or a jobd.conf that users other than root or its own could
# write, and a symbolic link at the database path: exit 77 with one line
# that names the file, what was found and the fix, the database unchanged
# and none of its jobs run.  The same while jobd runs: a jobd.conf made
# world-writable is refused at SIGHUP (the old configuration kept), a
# database made world-writable stops jobd (77).  import-crontab refuses an
# untrusted system crontab (77), and a user crontab that root imports
# without --user (64).  Cases with a file of another user need root (they
# use nobody); the others run as any user.
. "$(dirname "$0")/daemon_lib.sh"

write_conf
chmod 644 "$CONF"
mkdir -m 1777 "$T/drop"		# jobs of refused databases would write here
ME=$(id -un)

# jobd_refused NAME PATTERN...: jobd ($JOBD_VIA, if set, is a command
# prefix) on $DB with $CONF exits 77 within 10 s with one line on stderr
# holding every PATTERN; the database dumps as before (unless NODUMP is
# set).
jobd_refused() {
	_jr=$1
	shift
	begin "trust: $_jr: jobd exits 77"
	[ -n "${NODUMP:-}" ] || dbdump >"$T/dump0"
	$JOBD_VIA "$JOBD" --config "$CONF" --db "$DB" 2>"$T/refused.log" &
	_jrp=$!
	echo "$_jrp" >>"$T/.jobd_pids"
	if reap_jobd "$_jrp" 10; then
		[ "$STOP_RC" = 77 ] || problem "exit status $STOP_RC, not 77: \
$(head -c 300 "$T/refused.log")"
	else
		problem "jobd still ran after 10 s (killed): \
$(head -c 300 "$T/refused.log")"
	fi
	for _jrw; do
		grep -qF -e "$_jrw" "$T/refused.log" || problem "message lacks \
\"$_jrw\": $(head -c 300 "$T/refused.log")"
	done
	[ "$(wc -l <"$T/refused.log")" -eq 1 ] ||
	    problem "not one line: $(head -c 300 "$T/refused.log")"
	info "trust: $_jr: $(cat "$T/refused.log")"
	if [ -z "${NODUMP:-}" ]; then
		dbdump >"$T/dump1"
		expect_same "$T/dump0" "$T/dump1" "database"
	fi
	end
}

# A database with one job that would leave $T/drop/$1 if it ran.
mkdb() {	# path name
	mkdir -p -m 700 "$(dirname "$1")"
	"$JOBCTL" --db "$1" submit -- "touch $T/drop/$2" >/dev/null ||
	    problem "submit to $1"
}

# 1. The database file, its directory, a symbolic link.
use_db "$T/a/jobs.db"
mkdb "$DB" a
chmod 666 "$DB"
jobd_refused "a 0666 database" "$DB: writable by group or others (mode 0666)" \
    "chmod go-w $DB"
chmod 600 "$DB"
chmod 770 "$T/a"
jobd_refused "a group-writable database directory" \
    "$T/a: writable by group or others (mode 0770)" "chmod go-w $T/a"
chmod 700 "$T/a"
mkdir -m 700 "$T/l"
ln -s "$DB" "$T/l/jobs.db"
use_db "$T/l/jobs.db"
jobd_refused "a symbolic link at the database path" \
    "$DB: is a symbolic link (to \"$T/a/jobs.db\")" "name the file itself"
use_db "$T/a/jobs.db"
begin "trust: no job of a refused database ran"
[ -z "$(ls "$T/drop")" ] || problem "ran: $(ls "$T/drop")"
end

# A symbolic link to the directory is fine: its target is what is checked.
ln -s a "$T/al"
use_db "$T/al/jobs.db"
begin "trust: a database whose directory is reached through a symbolic link: served"
if start_jobd al; then
	submit -- true && wait_state "$ID" done 10
	stop_jobd "$JOBD_PID" 10 || problem "jobd did not stop"
	[ "$STOP_RC" = 0 ] || problem "exit status $STOP_RC"
fi
end
chmod 770 "$T/a"
jobd_refused "the same, the directory group-writable" \
    "$T/al: writable by group or others (mode 0770)"
chmod 700 "$T/a"
use_db "$T/a/jobs.db"

# 2. jobd.conf.
chmod 666 "$CONF"
NODUMP=1 jobd_refused "a world-writable jobd.conf" \
    "$CONF: writable by group or others (mode 0666)" "chmod go-w $CONF"
chmod 644 "$CONF"

# 3. While jobd runs.
begin "trust: jobd starts on a trusted database and runs a job"
if start_jobd run; then
	RUNNING=$JOBD_PID
	submit -- true && wait_state "$ID" done 10
fi
end
if [ -n "${RUNNING:-}" ]; then
	begin "trust: SIGHUP with jobd.conf made world-writable: refused, old configuration kept"
	# The new file would allow one attempt: the old one, kept, five.
	sed -i 's/^max_attempts = .*/max_attempts = 1/' "$CONF"
	chmod 666 "$CONF"
	_before=$(wc -l <"$T/run.log")
	kill -HUP "$RUNNING"
	wait_until 10 "tail -n +$((_before + 1)) $T/run.log | grep -qF \
'SIGHUP: $CONF: writable by group or others (mode 0666)'" ||
	    problem "no refusal logged: $(tail -n 3 "$T/run.log")"
	tail -n +$((_before + 1)) "$T/run.log" | grep -qF \
	    'configuration unchanged' || problem "$(tail -n 3 "$T/run.log")"
	if tail -n +$((_before + 1)) "$T/run.log" | grep -q 'reloaded'; then
		problem "reloaded: $(tail -n 3 "$T/run.log")"
	fi
	alive "$RUNNING" || problem "jobd exited"
	if submit -- false && wait_state "$ID" dead 15; then
		jcheck "$ID" '
if len(h) != 5: bad("%d attempts, expected 5 (max_attempts of the old file)" % len(h))
'
	fi
	chmod 644 "$CONF"
	sed -i 's/^max_attempts = .*/max_attempts = 5/' "$CONF"
	end

	begin "trust: the database made world-writable while jobd runs: jobd stops, exit 77"
	chmod 666 "$DB"
	if reap_jobd "$RUNNING" 10; then
		[ "$STOP_RC" = 77 ] || problem "exit status $STOP_RC, not 77"
	else
		problem "jobd still ran 10 s later (killed)"
	fi
	grep -qF "$DB: writable by group or others (mode 0666)" \
	    "$T/run.log" || problem "log: $(tail -n 3 "$T/run.log")"
	chmod 600 "$DB"
	end
fi

# 4. import-crontab.
printf '%s\n' "0 0 * * * $ME echo system" >"$T/sys.cron"
chmod 664 "$T/sys.cron"
printf '%s\n' '0 0 * * * echo user' >"$T/user.cron"
chmod 644 "$T/user.cron"
use_db "$T/cron.db"
"$JOBCTL" schedule add keep --cron @daily echo keep >/dev/null 2>&1
dbdump >"$T/dump0"
bad "import-crontab: a group-writable system crontab" 77 \
    "$T/sys.cron: writable by group or others (mode 0664)" \
    import-crontab --system "$T/sys.cron"
STDIN=$T/sys.cron bad "import-crontab: the same on standard input" 77 \
    "stdin: writable by group or others (mode 0664)" \
    import-crontab --system -
chmod 644 "$T/sys.cron"
if [ "$(id -u)" -eq 0 ]; then
	bad "import-crontab: root, a user crontab without --user" 64 \
	    "user.cron: a user crontab (no user field) imported by root would run as root: pass --user USER" \
	    import-crontab "$T/user.cron"
	STDIN=$T/user.cron bad "import-crontab: root, a user crontab on standard input without --user" \
	    64 "pass --user USER" import-crontab -
	begin "import-crontab: root, a user crontab with --user root, a trusted system crontab: imported"
	run import-crontab --user root "$T/user.cron"
	expect_rc 0
	run import-crontab --system "$T/sys.cron"
	expect_rc 0
	end
else
	skip "import-crontab: root, a user crontab without --user" "not root"
fi

# 5. Files of another user (root only: nobody owns them).
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null ||
    ! getent passwd nobody >/dev/null; then
	skip "trust: files of another user" "needs root, setpriv and user nobody"
	no_strays "trust: no jobd or job process left"
	exit 0
fi
NOBODY=$(id -u nobody)
chmod 711 "$T"
mkdir -m 700 "$T/u"
chown nobody "$T/u"
setpriv --reuid="$NOBODY" --regid="$(id -g nobody)" --clear-groups \
    "$JOBCTL" --db "$T/u/jobs.db" submit -- "touch $T/drop/u" >/dev/null ||
    problem "submit as nobody"

use_db "$T/u/jobs.db"
jobd_refused "another user's database, in that user's directory" \
    "$T/u: owned by uid $NOBODY (nobody)" "chown root $T/u"
mkdir -m 1777 "$T/pub"
ln -s "$T/u/jobs.db" "$T/pub/jobs.db"
use_db "$T/pub/jobs.db"
jobd_refused "a symbolic link in a 1777 directory to another user's database" \
    "$T/pub: writable by group or others (mode 1777)"
chown root "$T/u"
chmod 711 "$T/u"
use_db "$T/u/jobs.db"
# (No dump: nobody cannot make a -shm here, root's sqlite3 should not.)
NODUMP=1 jobd_refused "another user's database in a trusted directory" \
    "$DB: owned by uid $NOBODY (nobody)" "chown root $DB"
begin "trust: no job of another user's database ran"
[ ! -e "$T/drop/u" ] || problem "ran as uid $(stat -c %u "$T/drop/u")"
end

use_db "$T/a/jobs.db"
for side in wal shm; do
	: >"$DB-$side"
	chown nobody "$DB-$side"
	chmod 600 "$DB-$side"
	NODUMP=1 jobd_refused "a -$side owned by another user" \
	    "$DB-$side: owned by uid $NOBODY (nobody)" "chown root $DB-$side"
	rm -f "$DB-$side"
done

# A jobd that is not root, whose -wal root made: it cannot write it, and
# says which file and whose it is rather than only "read-only".
mkdir -m 700 "$T/u2"
chown nobody "$T/u2"
AS_NOBODY="setpriv --reuid=$NOBODY --regid=$(id -g nobody) --clear-groups"
$AS_NOBODY "$JOBCTL" --db "$T/u2/jobs.db" submit -- true >/dev/null ||
    problem "submit as nobody"
use_db "$T/u2/jobs.db"
: >"$DB-wal"
chmod 644 "$DB-wal"
JOBD_VIA=$AS_NOBODY NODUMP=1 jobd_refused \
    "jobd as nobody, its -wal made by root" \
    "$DB-wal: owned by uid 0 (mode 0644), which uid $NOBODY cannot write" \
    "chown $NOBODY $DB-wal"
rm -f "$DB-wal"
use_db "$T/a/jobs.db"

chown nobody "$CONF"
NODUMP=1 jobd_refused "a jobd.conf owned by another user" \
    "$CONF: owned by uid $NOBODY (nobody)" "chown root $CONF"
chown root "$CONF"

use_db "$T/cron.db"
chown nobody "$T/sys.cron"
dbdump >"$T/dump0"
bad "import-crontab: a system crontab owned by another user" 77 \
    "$T/sys.cron: owned by uid $NOBODY (nobody)" \
    import-crontab --system "$T/sys.cron"

no_sanitizer "trust: no sanitizer report in the jobd logs"
no_strays "trust: no jobd or job process left"
exit 0
