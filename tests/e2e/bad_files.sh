# Bad files end to end (DESIGN §2.6): tables of broken jobd.conf files and
# broken schedule files, each checked with the real jobd on a real
# database.
#
# jobd.conf: "jobd --check-config" and a real start of jobd with the file
# both exit 78 with one message "FILE:LINE: reason" that names the bad
# input, and the database is byte for byte what it was (sqlite3 .dump).
#
# Schedule files (jobd.conf(5), SCHEDULE FILES, Errors): a bad file does
# not stop jobd; it is refused as a whole, with one log line
# "FILE:LINE: reason; its schedules are unchanged".  Each row writes the
# file into the schedules directory of a running jobd, sends SIGHUP, waits
# for that line, and checks that no schedule came from the file and that
# the database (lib.sh's dbdump: less the daemons' heartbeats) did not
# change.  Some rows replace a good file that already has schedules: they
# must stay exactly as they were.
#
# SQLite only: what is tested is the reading of the files, the same
# whatever the database; on PostgreSQL it took 20 s more and found
# nothing new.
#
# No message may carry a raw control byte: a file that holds terminal
# escapes is described ("control character 0x1b at column 5"), not echoed.
#
# A cron time that falls in a daylight saving gap is not an error in a
# schedule file (it runs just after the change, as in Vixie cron), so
# DST-gap times are covered by the jobctl table (bad_input.sh: --at).
. "$(dirname "$0")/daemon_lib.sh"

SD=$T/sched
LOG=$T/jobd.log
mkdir -p "$SD"
write_conf workers=2
sed -i "/^\[jobd\]\$/a schedules_dir = $SD" "$CONF"
"$JOBCTL" submit --key keep echo keep >/dev/null 2>&1
"$JOBCTL" schedule add cli-one --cron '0 0 1 1 *' --tz UTC -- echo cli \
    >/dev/null 2>&1
cat >"$SD/good.conf" <<'EOF'
[good-one]
cron = 0 0 1 1 *
tz = UTC
command = echo good ; echo "kept; verbatim" # not a comment
EOF
chmod 644 "$SD/good.conf"

# Any control byte in a message file other than the line ends?
raw_ctl() {	# file
	LC_ALL=C tr -d '\n\t' <"$1" | LC_ALL=C grep -q '[[:cntrl:]]' ||
	    LC_ALL=C grep -q "$(printf '\302\233')" "$1"
}

# --- jobd.conf --------------------------------------------------------------

# badconf NAME PATTERN: $T/c.conf holds a bad config; PATTERN is what the
# message must say after "c.conf:" (a line number with its colon, and
# text).  Checked with --check-config and with a real start.
NCONF=0
badconf() {
	NCONF=$((NCONF + 1))
	begin "jobd.conf: $1"
	dbdump >"$T/dump0"
	for _mode in --check-config start; do
		if [ "$_mode" = start ]; then
			timeout -k 2 20 "$JOBD" --config "$T/c.conf" --db "$DB" \
			    >"$T/.out" 2>"$T/.err"
		else
			timeout -k 2 20 "$JOBD" --check-config --config \
			    "$T/c.conf" --db "$DB" >"$T/.out" 2>"$T/.err"
		fi
		RC=$?
		[ "$RC" -eq 78 ] ||
		    problem "$_mode: exit $RC, expected 78 ($(head -c 200 "$T/.err"))"
		expect_out_empty
		grep -qF -e "$T/c.conf:$2" "$T/.err" ||
		    problem "$_mode: stderr lacks \"c.conf:$2\": $(head -c 300 "$T/.err")"
		[ "$(wc -l <"$T/.err")" -le 1 ] ||
		    problem "$_mode: more than one line: $(head -c 300 "$T/.err")"
		raw_ctl "$T/.err" && problem "$_mode: raw control bytes in \
the message: $(od -c "$T/.err" | head -3)"
		grep -q -e Sanitizer -e 'runtime error' "$T/.err" &&
		    problem "$_mode: sanitizer: $(head -c 200 "$T/.err")"
	done
	dbdump >"$T/dump1"
	expect_same "$T/dump0" "$T/dump1" "database"
	end
}

conf() {	# printf format and arguments: the file
	# shellcheck disable=SC2059
	printf "$@" >"$T/c.conf"
}

# Past 257 KiB (a 256 KiB command and its key): an error, never split.
long=$(head -c 263200 /dev/zero | tr '\0' a)
conf '[jobd]\nschedules_dir = /srv/%s\n' "$long"
badconf "a line over 257 KiB is an error, not split" \
    "2: line too long (more than 263168 bytes)"
conf '[jobd]\nworkers = 4 ; four workers\n'
badconf "';' does not start a comment" \
    '2: workers = "4 ; four workers": not an integer'
conf '[jobd]\nworkers = 4 # four\n'
badconf "'#' does not start a comment" '2: workers = "4 # four": not an integer'
conf '[jobd]\nworkers = 4\npoll_interval = 1s\nworkers = 8\n'
badconf "a duplicate key" '4: duplicate key "workers" (first set on line 2)'
conf '[jobd]\nworkers = 4\n[job]\nmax_attempts = 2\n[jobd]\nworkers = 5\n'
badconf "a duplicate key in a repeated section" '6: duplicate key "workers"'
conf '\357\273\277# with a BOM\n[jobd]\nworkers = many\n'
badconf "a BOM at the start keeps line numbers" '3: workers = "many"'
conf '[jobd]\n\357\273\277workers = 4\n'
badconf "a BOM after the start" '2: invisible formatting character U+FEFF'
conf '[jobd]\r\nworkers = 4\r\nmax_catchup = none\r\n'
badconf "CRLF line ends: the value without its CR" \
    '3: max_catchup = "none": not an integer'
conf '[jobd]\nworkers = 4\r8\n'
badconf "a lone CR inside a line" '2: control character 0x0d at column 12'
conf '[jobd]\nworkers = 4\000\n'
badconf "a NUL byte" '2: control character 0x00 at column 12'
conf '# ok\n#\000 in a comment\n'
badconf "a NUL byte in a comment" '2: control character 0x00 at column 2'
python3 -c 'import sys
sys.stdout.write("[jobd]\n" + "# filler line\n" * 80000)' >"$T/c.conf"
begin "jobd.conf: a file over 1 MiB"
NCONF=$((NCONF + 1))
dbdump >"$T/dump0"
timeout 20 "$JOBD" --check-config --config "$T/c.conf" --db "$DB" \
    >"$T/.out" 2>"$T/.err"
RC=$?
expect_rc 78
expect_err_contains "$T/c.conf: file too large"
dbdump >"$T/dump1"
expect_same "$T/dump0" "$T/dump1" "database"
end
python3 -c 'import sys
sys.stdout.write("[jobd]\n" + "# filler line\n" * 60000 + "workers = 0\n")' \
    >"$T/c.conf"
badconf "a bad line 60002 of a 900 KB file" \
    '60002: workers = "0": must be between 1 and 256'
conf '[jobd]\nworkers = 257\n'
badconf "workers above its range" \
    '2: workers = "257": must be between 1 and 256'
conf '[jobd]\nworkers = 99999999999999999999\n'
badconf "workers overflowing 64 bits" \
    '2: workers = "99999999999999999999": must be between'
conf '[jobd]\nworkers = -1\n'
badconf "workers negative" '2: workers = "-1": must be between'
conf '[jobd]\npoll_interval = 10ms\n'
badconf "poll_interval below its range" \
    '2: poll_interval = "10ms": must be between 100ms and 1h'
conf '[jobd]\nvisibility_timeout = 2d\n'
badconf "visibility_timeout above its range" \
    '2: visibility_timeout = "2d": must be between 1s and 1d'
conf '[jobd]\nmax_output = 65M\n'
badconf "max_output above its range" \
    '2: max_output = "65M": must be between 1K and 64M'
conf '[jobd]\nmax_output = 99999999999999999999G\n'
badconf "max_output overflowing" \
    '2: max_output = "99999999999999999999G": must be between'
conf '[job]\nmax_attempts = 1001\n'
badconf "max_attempts above its range" \
    '2: max_attempts = "1001": must be between 1 and 1000'
conf '[job]\ntimeout = 99999999999999999d\n'
badconf "timeout overflowing" '2: timeout = "99999999999999999d"'
conf '[job]\numask = 0999\n'
badconf "umask not octal" '2: umask = "0999": not an octal mode like 022'
conf '[job]\nlimit_nproc = -5\n'
badconf "limit_nproc negative" '2: limit_nproc = "-5": not a whole number'
conf '[job]\nlimit_as = 12Q\n'
badconf "limit_as with an unknown suffix" '2: limit_as = "12Q": not a size'
conf '[jobd]\nlocale_file = locale\n'
badconf "locale_file relative" '2: locale_file = "locale": must be an absolute'
conf '[job]\nbackoff = 1h\nbackoff_max = 1m\n'
badconf "backoff_max less than backoff" \
    '3: backoff_max (1m) must not be less than backoff (1h)'
conf '[jobd]\nschedules_dir = /srv/\377x\n'
badconf "invalid UTF-8 in a value" '2: invalid UTF-8 (byte 0xff) at column 22'
conf '# caf\351 (Latin-1)\n[jobd]\n'
badconf "invalid UTF-8 in a comment" '1: invalid UTF-8 (byte 0xe9) at column 6'
conf '[jobd]\nwork\033[31mers = 4\n'
badconf "a terminal escape in a key" '2: control character 0x1b at column 5'
conf '[jo\033]0;pwned\007bd]\n'
badconf "a terminal escape in a section name" \
    '1: control character 0x1b at column 4'
conf '[jobd]\nschedules_dir = /srv/\302\2332J\n'
badconf "a C1 escape (U+009B CSI) in a value" \
    '2: control character U+009B at column 22'
conf '[jobd]\nschedules_dir = /srv/\342\200\256gnp.exe\n'
badconf "a bidi override in a value" \
    '2: invisible formatting character U+202E at column 22'
conf '[jobd]\ncolour = blue\n'
badconf "an unknown key" '2: unknown key "colour" in section [jobd]'
conf '[jobs]\nworkers = 4\n'
badconf "an unknown section" '1: unknown section [jobs]'
conf 'workers = 4\n'
badconf "a key before any section" '1: key "workers" before any section'
conf '[jobd]\nschedules_dir = relative/dir\n'
badconf "a relative path" \
    '2: schedules_dir = "relative/dir": must be an absolute path'
conf '[jobd]\nworkers\n'
badconf "a line without '='" '2: expected "key = value" or "[section]"'
info "jobd.conf table: $NCONF rows"

# --- schedule files -----------------------------------------------------------

begin "schedule files: jobd starts with a good file and a CLI schedule"
start_jobd jobd || :
P=$JOBD_PID
wait_until 10 '[ "$(dsql "SELECT count(*) FROM schedules
    WHERE name = '"'good-one'"'")" = 1 ]' || problem "good.conf not synced"
# The job submitted at the top runs now; once it is done, nothing changes
# the database but what each case below does.
wait_until 10 '[ "$(dsql "SELECT state FROM jobs
    WHERE idempotency_key = '"'keep'"'")" = done ]' ||
    problem "the job 'keep' did not run"
r=$(dsql "SELECT command FROM schedules WHERE name = 'good-one'")
[ "$r" = 'echo good ; echo "kept; verbatim" # not a comment' ] ||
    problem "';' and '#' not kept verbatim: $r"
end

# badsched NAME FILE PATTERN: $SD/FILE holds a bad schedule file; SIGHUP
# must log "$SD/FILE" followed by PATTERN (a line number with its colon,
# and text) and "its schedules are unchanged"; nothing else changes.  The
# file is removed afterwards unless KEEP is set.
NSCHED=0
badsched() {
	NSCHED=$((NSCHED + 1))
	begin "schedule file: $1"
	[ -n "${MODE:-}" ] || chmod 644 "$SD/$2"
	dbdump >"$T/sdump0"
	_before=$(wc -l <"$LOG")
	kill -HUP "$P"
	if ! wait_until 10 "tail -n +$((_before + 1)) \"$LOG\" |
	    grep -qF -- \"$SD/$2\""; then
		died
		problem "nothing logged for $2 after SIGHUP$DIED"
	fi
	tail -n +$((_before + 1)) "$LOG" | grep -F -- "$SD/$2" >"$T/.err"
	grep -qF -- "$SD/$2$3" "$T/.err" ||
	    problem "log lacks \"$2$3\": $(head -c 300 "$T/.err")"
	grep -qF "its schedules are unchanged" "$T/.err" ||
	    problem "the log does not say its schedules are unchanged"
	[ "$(wc -l <"$T/.err")" -eq 1 ] ||
	    problem "not one log line: $(head -c 300 "$T/.err")"
	raw_ctl "$T/.err" && problem "raw control bytes in the log: \
$(od -c "$T/.err" | head -3)"
	[ "$(dsql "SELECT count(*) FROM schedules
	    WHERE source = 'file:$SD/$2'")" = "${KEPT:-0}" ] ||
	    problem "schedules from $2: $(dsql "SELECT name FROM schedules
	    WHERE source = 'file:$SD/$2'" | tr '\n' ' ')"
	dbdump >"$T/sdump1"
	expect_same "$T/sdump0" "$T/sdump1" "database"
	alive "$P" || problem "jobd exited"
	[ -n "${KEEP:-}" ] || rm -f "$SD/$2"
	end
}

sf() {	# file, then printf format and arguments: the file's text
	_sf=$1
	shift
	# shellcheck disable=SC2059
	printf "$@" >"$SD/$_sf"
}

G='cron = 0 0 1 1 *\ncommand = echo x\n'

sf bad.conf "[s-long]\ncron = @daily\ncommand = echo %s\n" "$long"
badsched "a command line over 257 KiB" bad.conf \
    ":3: line too long (more than 263168 bytes)"
sf bad.conf "[s-cont]\ncron = @daily\ncommand = echo \\\\\n"
badsched "a backslash at the end of the last line" bad.conf \
    ':3: the line ends in "\" but no line follows to continue it'
sf bad.conf "[s-semi]\n${G}priority = 5 ; high\n"
badsched "';' after a number is not a comment" bad.conf \
    ':4: priority = "5 ; high": not an integer'
sf bad.conf "[s-dup]\n${G}command = echo y\n"
badsched "a duplicate key" bad.conf \
    ':4: duplicate key "command" (first set on line 3)'
sf bad.conf "[s-twice]\n${G}\n[s-twice]\ntz = UTC\n"
badsched "a duplicate section" bad.conf \
    ':5: section [s-twice] again (first on line 1)'
sf bad.conf "\357\273\277# BOM\n[s-bom]\n${G}queue = a b\n"
badsched "a BOM at the start keeps line numbers" bad.conf ':5: queue = "a b"'
sf bad.conf "[s-crlf]\r\ncron = 0 0 1 1 *\r\ncommand = echo x\r\n%b" \
    "timeout = soon\r\n"
badsched "CRLF line ends: the value without its CR" bad.conf \
    ':4: timeout = "soon"'
sf bad.conf "[s-nul]\n${G}env.A = a\000b\n"
badsched "a NUL byte in a value" bad.conf \
    ':4: control character 0x00 at column 10'
python3 -c 'import sys
sys.stdout.write("[s-huge]\ncron = @daily\ncommand = true\n" +
    "# filler\n" * 120000)' >"$SD/bad.conf"
badsched "a file over 1 MiB" bad.conf ": file too large"
python3 -c 'import sys
for i in range(10001):
    sys.stdout.write("[m%d]\ncron = @daily\ncommand = true\n" % i)' \
    >"$SD/bad.conf"
badsched "10001 schedules in one file" bad.conf \
    ':30001: too many schedules (at most 10000 in one file)'
sf bad.conf "[s-pri]\n${G}priority = 1001\n"
badsched "priority above its range" bad.conf \
    ':4: priority = "1001": must be between -1000 and 1000'
sf bad.conf "[s-pri2]\n${G}priority = -99999999999999999999\n"
badsched "priority overflowing" bad.conf \
    ':4: priority = "-99999999999999999999": must be between'
sf bad.conf "[s-att]\n${G}max_attempts = 0\n"
badsched "max_attempts below its range" bad.conf \
    ':4: max_attempts = "0": must be between 1 and 1000'
sf bad.conf "[s-to]\n${G}timeout = 99999999999999999d\n"
badsched "timeout overflowing" bad.conf ':4: timeout = "99999999999999999d"'
sf bad.conf "[s-um]\n${G}umask = 778\n"
badsched "umask not octal" bad.conf ':4: umask = "778": not an octal mode'
sf bad.conf "[s-lim]\n${G}limit_nofile = 0\n"
badsched "limit_nofile below its range" bad.conf \
    ':4: limit_nofile = "0": must be between 1 and 1073741824'
sf bad.conf "[s-cpu]\n${G}limit_cpu = 2.5s\n"
badsched "limit_cpu not a duration" bad.conf ':4: limit_cpu = "2.5s": not a'
sf bad.conf "[s-bo]\n${G}backoff = 1h\nbackoff_max = 1m\n"
badsched "backoff_max less than backoff" bad.conf \
    ':5: backoff_max = "1m": the maximum must not be less than the base'
sf bad.conf "[s-cron]\ncron = 0 0 31 4 *\ncommand = echo x\n"
badsched "a cron date that never comes" bad.conf ':2: cron = "0 0 31 4 *"'
sf bad.conf "[s-min]\ncron = 60 * * * *\ncommand = echo x\n"
badsched "a cron minute out of range" bad.conf ':2: cron = "60 * * * *"'
sf bad.conf "[s-tz]\n${G}tz = Mars/Olympus_Mons\n"
badsched "an unknown zone" bad.conf \
    ':4: tz = "Mars/Olympus_Mons": unknown time zone'
sf bad.conf "[s-tz2]\n${G}tz = ../../../etc/passwd\n"
badsched "a zone that is a path" bad.conf ':4: tz = "../../../etc/passwd"'
sf bad.conf "[s-tz3]\n${G}tz = utc\n"
badsched "a zone in the wrong case" bad.conf ':4: tz = "utc"'
sf bad.conf "[s-utf]\ncron = @daily\ncommand = echo caf\351\n"
badsched "invalid UTF-8 in a command" bad.conf \
    ':3: invalid UTF-8 (byte 0xe9) at column 19'
sf bad.conf "[s-esc]\ncron = @daily\ncommand = printf '\033]0;pwned\007'\n"
badsched "a terminal escape in a command" bad.conf \
    ':3: control character 0x1b at column 19'
sf bad.conf "[s-\033[2Jx]\n${G}"
badsched "a terminal escape in a name" bad.conf \
    ':1: control character 0x1b at column 4'
sf bad.conf "[s-\302\2332Jx]\n${G}"
badsched "a C1 escape (U+009B CSI) in a name" bad.conf \
    ':1: control character U+009B at column 4'
sf bad.conf "[s-bidi]\ncron = @daily\ncommand = echo \342\200\256txt.exe\n"
badsched "a bidi override in a command" bad.conf \
    ':3: invisible formatting character U+202E'
sf bad.conf "[s bad name]\n${G}"
badsched "a name with blanks" bad.conf \
    ':1: [s bad name]: invalid name "s bad name"'
sf bad.conf "[s-key]\n${G}colour = blue\n"
badsched "an unknown key" bad.conf ':4: unknown key "colour"'
sf bad.conf "cron = @daily\n[s-out]\n${G}"
badsched "a key outside any section" bad.conf \
    ':1: key "cron" is outside any section'
sf bad.conf "[s-nocmd]\ncron = @daily\n"
badsched "no command" bad.conf ':1: [s-nocmd]: no "command" key'
sf bad.conf "[s-empty]\n"
badsched "a section with no keys" bad.conf ':1: [s-empty]: no "cron" key'
sf bad.conf "[s-q]\n${G}queue = \n"
badsched "an empty queue" bad.conf ':4: queue: empty value'
sf bad.conf "[s-q2]\n${G}queue = --\n"
badsched "a queue named --" bad.conf \
    ":4: queue = \"--\": must not start with '-' or '.'"
sf bad.conf "[s-q3]\n${G}priority = +2000\n"
badsched "a priority out of range" bad.conf \
    ':4: priority = "+2000": must be between -1000 and 1000'
sf bad.conf "[s-user]\n${G}user = nosuchuserxyz\n"
badsched "an unknown user" bad.conf ':4: user = "nosuchuserxyz": no such user'
sf bad.conf "[s-cwd]\n${G}cwd = tmp\n"
badsched "a relative cwd" bad.conf ':4: cwd = "tmp": must be an absolute path'
sf bad.conf "[s-env]\n${G}env.JOBD_X = 1\n"
badsched "a JOBD_ variable" bad.conf \
    ':4: env.JOBD_X = "1": JOBD_* variables are set by jobd'
sf bad.conf "[s-ov]\n${G}overlap = never\n"
badsched "a bad overlap policy" bad.conf \
    ':4: overlap = "never": expected skip, allow or queue'
sf bad.conf "[cli-one]\n${G}"
badsched "a name that a CLI schedule has" bad.conf \
    ':1: a schedule named "cli-one" already exists (from cli)'
sf bad.conf "[s-mode]\n${G}"
chmod 666 "$SD/bad.conf"
MODE=666 badsched "a file others can write" bad.conf \
    ": writable by group or others"

# A good file that turns bad keeps its schedules exactly.
cp "$SD/good.conf" "$T/good.orig"
GOOD="[good-one]\ncron = 0 0 1 1 *\ntz = UTC\ncommand = echo changed\n"
sf good.conf "${GOOD}enabled = maybe\n"
KEEP=1 KEPT=1 badsched "a good file turned bad keeps its schedule" good.conf \
    ':5: enabled = "maybe"'
sf good.conf "${GOOD}\n[good-two]\ncron = 0 0 1 1 *\n%b" \
    "command = echo \033[5mblink\n"
KEEP=1 KEPT=1 badsched "a good file with a new bad section keeps its schedule" \
    good.conf ':8: control character 0x1b'
cp "$T/good.orig" "$SD/good.conf"
info "schedule file table: $NSCHED rows"

begin "schedule files: a file name with an escape is escaped in the log"
f="$(printf '\033')[2Jevil.conf"
printf '[s-fname]\ncron = @daily\ncommand = echo x\npriority = high\n' \
    >"$SD/$f"
chmod 644 "$SD/$f"
_before=$(wc -l <"$LOG")
kill -HUP "$P"
wait_until 10 "tail -n +$((_before + 1)) \"$LOG\" | grep -qF 'evil.conf:4:'" ||
    problem "nothing logged for the file"
tail -n +$((_before + 1)) "$LOG" | grep -F 'evil.conf' >"$T/.err"
grep -qF "$SD/\\x1b[2Jevil.conf:4: priority = \"high\"" "$T/.err" ||
    problem "log: $(od -c "$T/.err" | head -4)"
raw_ctl "$T/.err" && problem "raw control bytes: $(od -c "$T/.err" | head -3)"
[ "$(dsql "SELECT count(*) FROM schedules WHERE name = 's-fname'")" = 0 ] ||
    problem "its schedule was stored"
rm -f "$SD/$f"
end

begin "schedule files: jobd is still serving and stops cleanly"
submit echo still-here && wait_state "$ID" done 20
r=$(dsql "SELECT command FROM schedules WHERE name = 'good-one'")
[ "$r" = 'echo good ; echo "kept; verbatim" # not a comment' ] ||
    problem "good-one changed: $r"
stop_jobd "$P" || problem "jobd did not stop"
[ "$STOP_RC" = 0 ] || problem "jobd exit status $STOP_RC"
end

begin "schedule files: no log line carries a raw control byte"
raw_ctl "$LOG" && problem "$(LC_ALL=C grep -n '[[:cntrl:]]' "$LOG" |
    head -2 | od -c | head -3)"
end

no_strays "bad files: no processes left"
no_sanitizer "bad files: no sanitizer reports"
exit 0
