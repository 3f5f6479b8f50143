# backends: sqlite postgresql
# jobctl import-crontab end to end, without a daemon: a Debian-like system
# crontab (SHELL, PATH, MAILTO, CRON_TZ, run-parts lines, @reboot, @daily,
# '%' input, comments) and user crontabs (--user, stdin, SHELL, macros,
# duplicates); the resulting schedules; re-import (idempotent, an edited
# entry updated, a removed one removed, a disabled one left disabled);
# --dry-run; MAILTO as crontab(5) has it, line by line; and bad files,
# refused with FILE:LINE and nothing imported.
# Next-run times are computed against a fixed clock ($JOBD_TEST_CLOCK).
. "$(dirname "$0")/lib.sh"

CLOCK=$T/clock
echo 1796000000000 >"$CLOCK"		# 2026-11-30T00:53:20Z, a Monday
export JOBD_TEST_CLOCK="$CLOCK" TZ=UTC
use_db "$T/cron.db"
"$JOBCTL" schedule add keep --cron '@daily' echo keep >/dev/null 2>&1
ME=$(id -un)
RT=$(cd "$T" && pwd -P)
# Root names the user of a user crontab (its entries would run as root).
UA= UJSON=null
[ "$(id -u)" -ne 0 ] || { UA="--user $ME"; UJSON=$ME; }

# The schedules of source $1 (schedule list --json), one JSON line each.
of_source() {
	"$JOBCTL" schedule list --json | python3 -c 'import json, sys
for l in sys.stdin:
    d = json.loads(l)
    if d["source"] == sys.argv[1]:
        print(l, end="")' "$1"
}

# Python expression $2 on the schedule imported from line $1 (by the
# import's --json output in $T/imp.json).
at_line() {
	_n=$(python3 -c 'import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d["line"] == int(sys.argv[2]):
        print(d["name"])' "$T/imp.json" "$1")
	[ -n "$_n" ] || { echo "(no schedule for line $1)"; return; }
	"$JOBCTL" schedule show "$_n" --json | json "$2"
}

mkdir -p "$T/etc"
SYS=$T/etc/crontab
cat >"$SYS" <<'EOF'
# /etc/crontab: system-wide crontab
# Unlike any other crontab you don't have to run the `crontab'
# command to install the new version when you edit this file
# and files in /etc/cron.d. These files also have username fields,
# that none of the other crontabs do.

SHELL=/bin/sh
PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin
MAILTO = "ops@example.com"

# Example of job definition:
# .---------------- minute (0 - 59)
# |  .------------- hour (0 - 23)
# |  |  .---------- day of month (1 - 31)
# |  |  |  .------- month (1 - 12) OR jan,feb,mar,apr ...
# |  |  |  |  .---- day of week (0 - 6) (Sunday=0 or 7) OR sun,mon,tue,wed,thu,fri,sat
# |  |  |  |  |
# *  *  *  *  * user-name command to be executed
#
17 *	* * *	root	cd / && run-parts --report /etc/cron.hourly
25 6	* * *	root	test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }
47 6	* * 7	root	test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.weekly; }
52 6	1 * *	root	test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.monthly; }
@reboot		root	/usr/local/bin/warm-cache --all
  # an indented comment, and a blank line with blanks:
	  
CRON_TZ=America/New_York
@daily		nobody	find /tmp -mtime +7 -delete
0 9 * * mon-fri	root	cat # report%Daily report%line two \% done%
30 4 * * *	root	tar czf /var/backups/etc-$(date +\%F).tgz /etc
#
EOF
# Only root may import jobs that run as another user: otherwise the users
# of the file are the one running the test.
R=root N=nobody
if [ "$(id -u)" -ne 0 ]; then
	R=$ME N=$ME
	sed -i -e "s/	root	/	$R	/" -e "s/	nobody	/	$N	/" "$SYS"
fi

# --- a system crontab -----------------------------------------------------
begin "system crontab: 8 schedules, a summary and no MAILTO warning on stderr"
run import-crontab --system "$SYS"
expect_rc 0
expect_err_contains "imported 8 schedules from $SYS (8 added, 0 updated, 0 removed)"
# jobd mails as cron does: nothing to warn about.
[ "$(wc -l <"$T/.err")" = 1 ] || problem "stderr: $ERR"
head -1 "$T/.out" | grep -q '^NAME  *CHANGE  *LINE  *CRON  *NEXT  *COMMAND$' ||
    problem "header: $(head -1 "$T/.out")"
[ "$(grep -c ' added ' "$T/.out")" = 8 ] || problem "stdout: $OUT"
grep -q '^crontab:[0-9a-f]\{8\}  *added  *20  *17 \* \* \* \*  *2026-11-30T01:17:00+00:00 (in 23m40s)  *cd / && run-parts --report /etc/cron.hourly$' \
    "$T/.out" || problem "hourly row: $(grep ' 20 ' "$T/.out")"
[ "$(of_source "crontab:$RT/etc/crontab" | wc -l)" = 8 ] ||
    problem "source: $(of_source "crontab:$RT/etc/crontab" | head -c 300)"
end

# The same again, with --json, which changes nothing.
dbdump >"$T/d0"
"$JOBCTL" import-crontab --system --json "$SYS" >"$T/imp.json" 2>"$T/imp.err"
dbdump >"$T/d1"

begin "system crontab: cron, zone, user, env and command of each entry"
[ "$(at_line 20 '[d["cron"], d["tz"], d["user"], d["command"], d["env"], d["overlap"], d["catchup"], d["enabled"]]')" \
    = '["17 * * * *", null, "'"$R"'", "cd / && run-parts --report /etc/cron.hourly", {"PATH": "/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin", "MAILTO": "ops@example.com"}, "allow", "skip", true]' ] ||
    problem "line 20: $(at_line 20 'd')"
[ "$(at_line 21 '[d["cron"], d["command"]]')" = \
    '["25 6 * * *", "test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }"]' ] ||
    problem "line 21: $(at_line 21 'd')"
[ "$(at_line 22 'd["cron"]')" = "47 6 * * 7" ] || problem "line 22"
[ "$(at_line 23 '[d["cron"], d["next_run_at"]]')" = \
    '["52 6 1 * *", "2026-12-01T06:52:00.000Z"]' ] ||
    problem "line 23: $(at_line 23 'd')"
[ "$(at_line 24 '[d["cron"], d["next_run_at"], d["next_runs"], d["command"]]')" = \
    '["@reboot", null, [], "/usr/local/bin/warm-cache --all"]' ] ||
    problem "line 24: $(at_line 24 'd')"
[ "$(at_line 28 '[d["cron"], d["tz"], d["user"], d["next_run_at"]]')" = \
    '["@daily", "America/New_York", "'"$N"'", "2026-11-30T05:00:00.000Z"]' ] ||
    problem "line 28: $(at_line 28 'd')"
[ "$(at_line 28 'sorted(d["env"])')" = '["MAILTO", "PATH"]' ] ||
    problem "CRON_TZ leaked into the environment: $(at_line 28 'd["env"]')"
# MAILTO (line 9) for every entry after it, the output mailed (cron's rule).
for l in 20 24 28 30; do
	[ "$(at_line $l '[d["mail_to"], d["mail_on"]]')" = \
	    '["ops@example.com", "output"]' ] ||
	    problem "mail of line $l: $(at_line $l '[d["mail_to"], d["mail_on"]]')"
done
[ "$(at_line 30 'd["command"]')" = \
    'tar czf /var/backups/etc-$(date +%F).tgz /etc' ] ||
    problem "\\% not unescaped: $(at_line 30 'd["command"]')"
end

begin "system crontab: '%' becomes the command's standard input"
at_line 29 'd["command"]' >"$T/pct.cmd"
printf '%s\n' "printf '%s' 'Daily report" "line two % done" \
    "' | (" "cat # report" ")" >"$T/want"
expect_same "$T/want" "$T/pct.cmd" "stored command"
sh -c "$(cat "$T/pct.cmd")" >"$T/pct.out" 2>&1 </dev/null
printf 'Daily report\nline two %% done\n' >"$T/want"
expect_same "$T/want" "$T/pct.out" "standard input of the command"
end

begin "system crontab: next runs in the schedule's zone"
run schedule list
grep -F '2026-11-30T00:00:00-05:00 (in 4h6m)' "$T/.out" | grep -q '@daily' ||
    problem "@daily in New York: $(grep '@daily' "$T/.out")"
grep -F '2026-11-30T09:00:00-05:00' "$T/.out" | grep -q 'mon-fri' ||
    problem "mon-fri: $(grep 'mon-fri' "$T/.out")"
end

begin "re-import is idempotent: all unchanged, database byte for byte"
expect_same "$T/d0" "$T/d1" "database"
grep -qF "imported 8 schedules from $SYS (0 added, 0 updated, 0 removed)" \
    "$T/imp.err" || problem "stderr: $(cat "$T/imp.err")"
[ "$(json_lines "$T/imp.json")" = 8 ] || problem "json lines"
[ "$(python3 -c 'import json, sys
print(sorted(set(json.loads(l)["change"] for l in open(sys.argv[1]))))' \
    "$T/imp.json")" = "['unchanged']" ] || problem "changes: $(cat "$T/imp.json")"
[ "$(head -1 "$T/imp.json" | json 'sorted(d.keys())')" = \
    '["change", "command", "cron", "enabled", "line", "name", "next_run_at", "tz", "user"]' ] ||
    problem "keys: $(head -1 "$T/imp.json")"
end

begin "names: PREFIX:HASH, the same for the same user and command"
N20=$(python3 -c 'import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d["line"] == 20: print(d["name"])' "$T/imp.json")
printf '%s\n' "$N20" | grep -qx 'crontab:[0-9a-f]\{8\}' || problem "name $N20"
ID20=$(sql "SELECT id FROM schedules WHERE name = '$N20'")
end

# --- edits ----------------------------------------------------------------
begin "edited crontab: a new time updates in place, a new command replaces, a removed line goes"
"$JOBCTL" schedule disable "$(python3 -c 'import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d["line"] == 21: print(d["name"])' "$T/imp.json")" >/dev/null
sed -e 's/^17 \*/20 */' -e 's/cron.weekly; }/cron.weekly; } # edited/' \
    -e '/warm-cache/d' "$SYS" >"$SYS.new" && mv "$SYS.new" "$SYS"
run import-crontab --system --json "$SYS"
expect_rc 0
cp "$T/.out" "$T/imp.json"
expect_err_contains "imported 7 schedules from $SYS (1 added, 1 updated, 2 removed)"
[ "$(python3 -c 'import json, sys
print(sorted((json.loads(l)["change"], json.loads(l)["line"]) for l in open(sys.argv[1])))' \
    "$T/imp.json")" = "[('added', 22), ('removed', None), ('removed', None), ('unchanged', 21), ('unchanged', 23), ('unchanged', 27), ('unchanged', 28), ('unchanged', 29), ('updated', 20)]" ] ||
    problem "changes: $(cat "$T/imp.json")"
[ "$(at_line 20 '[d["name"], d["id"], d["cron"], d["next_run_at"]]')" = \
    '["'"$N20"'", '"$ID20"', "20 * * * *", "2026-11-30T01:20:00.000Z"]' ] ||
    problem "line 20: $(at_line 20 'd')"
[ "$(at_line 21 'd["enabled"]')" = false ] ||
    problem "a disabled schedule was enabled again"
[ "$(of_source "crontab:$RT/etc/crontab" | wc -l)" = 7 ] ||
    problem "$(of_source "crontab:$RT/etc/crontab" | wc -l) schedules"
of_source "crontab:$RT/etc/crontab" | grep -q warm-cache &&
    problem "the removed @reboot line is still there"
[ "$(sql "SELECT count(*) FROM schedules WHERE name = 'keep'")" = 1 ] ||
    problem "another source's schedule was touched"
end

begin "a changed variable updates the entries after it"
sed -i 's|^PATH=.*|PATH=/usr/bin:/bin|' "$SYS"
run import-crontab --system "$SYS"
expect_rc 0
expect_err_contains "(0 added, 7 updated, 0 removed)"
[ "$(at_line 20 'd["env"]["PATH"]')" = /usr/bin:/bin ] || problem "PATH"
end

# --- dry run --------------------------------------------------------------
begin "--dry-run: prints the changes, changes nothing"
printf '%s\n' "*/5 * * * * $R echo new" >>"$SYS"
sed -i '/cron.monthly/d' "$SYS"
dbdump >"$T/d0"
run import-crontab --system --dry-run "$SYS"
expect_rc 0
dbdump >"$T/d1"
expect_same "$T/d0" "$T/d1" "database"
expect_err_contains "would import 7 schedules from $SYS (1 added, 0 updated, 1 removed); dry run, nothing changed"
grep -q ' added  *30  *\*/5 \* \* \* \* ' "$T/.out" || problem "added row: $OUT"
grep -q ' removed  *-  *52 6 1 \* \* ' "$T/.out" || problem "removed row: $OUT"
run import-crontab --system --dry-run --json "$SYS"
[ "$(json_lines "$T/.out")" = 8 ] || problem "json: $OUT"
run import-crontab --system "$SYS"
expect_err_contains "(1 added, 0 updated, 1 removed)"
end

begin "--dry-run without a database: works, says so, creates nothing (also with JOBD_DB)"
NODB=$T/fresh/var/jobs.db
mkdir -p "$T/fresh"
run --db "$NODB" import-crontab --system --dry-run "$SYS"
expect_rc 0
expect_err_contains "would import 7 schedules from $SYS (7 added, 0 updated, 0 removed); no database at $NODB: every entry would be added to a new one; dry run, nothing created"
grep -q ' added  *30  *\*/5 \* \* \* \* ' "$T/.out" || problem "added row: $OUT"
[ -z "$(ls -A "$T/fresh")" ] || problem "created: $(ls -AR "$T/fresh")"
run --db "$NODB" --json import-crontab --system --dry-run "$SYS"
expect_rc 0
[ "$(json_lines "$T/.out")" = 7 ] || problem "json: $OUT"
[ -z "$(ls -A "$T/fresh")" ] || problem "created: $(ls -AR "$T/fresh")"
(JOBD_DB=$NODB "$JOBCTL" import-crontab --system --dry-run "$SYS" \
    >/dev/null 2>"$T/.err") || problem "JOBD_DB: $(cat "$T/.err")"
[ -z "$(ls -A "$T/fresh")" ] || problem "created: $(ls -AR "$T/fresh")"
# Without --dry-run the import creates it, as before.
run --db "$T/fresh/jobs.db" import-crontab --system "$SYS"
expect_rc 0
[ -f "$T/fresh/jobs.db" ] || problem "the import did not create the database"
end

begin "without --system, a system crontab elsewhere is read as a user crontab, with a warning"
run --db "$T/other.db" schedule add x --cron '@daily' echo x
run --db "$T/other.db" import-crontab --dry-run "$SYS"
if [ "$(id -u)" -ne 0 ]; then
	expect_rc 0
	expect_err_contains "every command starts with a user name"
else
	expect_rc 64	# as root, refused: see trust.sh
	expect_err_contains "every command starts with a user name"
	expect_err_contains "--user USER"
fi
expect_err_contains "--system"
end

# --- user crontabs --------------------------------------------------------
cat >"$T/alice.cron" <<'EOF'
# m h  dom mon dow   command
MAILTO=""
HOME = /srv/alice
GREETING='hello  world'
*/10 * * * * /usr/bin/fetch --quiet
0 0 1 1 * echo new year
@hourly echo hourly
@weekly echo weekly
@monthly echo monthly
@yearly echo yearly
@annually echo annually
@midnight echo midnight
30 7 * * 1-5 echo same
30 8 * * 1-5 echo same
EOF

begin "user crontab from stdin with --user and --name: run_as, env, macros, duplicates"
run import-crontab --user "$ME" --name alice --json - <"$T/alice.cron"
expect_rc 0
cp "$T/.out" "$T/imp.json"
expect_err_contains "imported 10 schedules from stdin (10 added, 0 updated, 0 removed)"
case $ERR in *MAILTO*) problem "warned about an empty MAILTO" ;; esac
# MAILTO="": no mail for any of them.
for l in 5 7 14; do
	[ "$(at_line $l '[d["mail_to"], d["mail_on"]]')" = '[null, "output"]' ] ||
	    problem "mail of line $l: $(at_line $l '[d["mail_to"], d["mail_on"]]')"
done
[ "$(of_source 'crontab:-:alice' | wc -l)" = 10 ] || problem "source"
[ "$(at_line 5 '[d["cron"], d["user"], d["env"], d["command"], d["tz"]]')" = \
    '["*/10 * * * *", "'"$ME"'", {"MAILTO": "", "HOME": "/srv/alice", "GREETING": "hello  world"}, "/usr/bin/fetch --quiet", null]' ] ||
    problem "line 5: $(at_line 5 'd')"
for l in 7 8 9 10 11 12; do
	c=$(sed -n "${l}p" "$T/alice.cron" | cut -d' ' -f1)
	[ "$(at_line $l 'd["cron"]')" = "$c" ] || problem "line $l: $(at_line $l 'd["cron"]')"
done
[ "$(at_line 6 'd["next_run_at"]')" = 2027-01-01T00:00:00.000Z ] ||
    problem "new year: $(at_line 6 'd["next_run_at"]')"
n13=$(at_line 13 'd["name"]')
n14=$(at_line 14 'd["name"]')
printf '%s\n' "$n13" | grep -qx 'alice:[0-9a-f]\{8\}' || problem "name $n13"
[ "$n14" = "$n13-2" ] || problem "duplicate command names: $n13 $n14"
end

begin "user crontab from stdin without --name: prefix stdin, source crontab:-"
printf '%s\n' '15 3 * * * echo from stdin' | "$JOBCTL" import-crontab $UA - \
    >"$T/.out" 2>"$T/.err" || problem "exit $?: $(cat "$T/.err")"
[ "$(of_source 'crontab:-' | json 'd["name"]' | cut -d: -f1)" = stdin ] ||
    problem "$(of_source 'crontab:-')"
[ "$(of_source 'crontab:-' | json 'd["user"]')" = "$UJSON" ] ||
    problem "user"
end

if [ -x /bin/bash ]; then
	begin "SHELL=/bin/bash: commands run through bash -c, also with '%'"
	printf '%s\n' 'SHELL=/bin/bash' 'PATH=/usr/bin:/bin' \
	    '0 * * * * echo "${BASH_VERSION:+bash}" $((6*7))' \
	    '5 * * * * cat%in bash%' >"$T/bash.cron"
	run import-crontab $UA --json "$T/bash.cron"
	expect_rc 0
	cp "$T/.out" "$T/imp.json"
	[ "$(at_line 3 '[d["command"], d["env"]["SHELL"]]')" = \
	    '["exec /bin/bash -c '"'"'echo \"${BASH_VERSION:+bash}\" $((6*7))'"'"'", "/bin/bash"]' ] ||
	    problem "line 3: $(at_line 3 'd')"
	[ "$(sh -c "$(at_line 3 'd["command"]')")" = "bash 42" ] ||
	    problem "ran: $(sh -c "$(at_line 3 'd["command"]')" 2>&1)"
	[ "$(sh -c "$(at_line 4 'd["command"]')" </dev/null)" = "in bash" ] ||
	    problem "ran: $(sh -c "$(at_line 4 'd["command"]')" 2>&1 </dev/null)"
	end
fi

begin "an emptied crontab removes its schedules"
printf '# nothing left\n' >"$T/bash.cron"
run import-crontab $UA "$T/bash.cron"
expect_rc 0
expect_err_contains "imported 0 schedules from $T/bash.cron (0 added, 0 updated, 2 removed)"
end

begin "a removed imported schedule comes back on the next import"
run schedule rm "$n13"
expect_rc 0
run import-crontab --user "$ME" --name alice - <"$T/alice.cron"
expect_err_contains "(1 added, 0 updated, 0 removed)"
end

# --- MAILTO, line by line against crontab(5) --------------------------------
# "If MAILTO is defined (and non-empty), mail is sent to the user so named.
# MAILTO may also be used to direct mail to multiple recipients by
# separating recipient users with a comma.  If MAILTO is defined but empty
# (MAILTO=""), no mail will be sent.  Otherwise mail is sent to the owner
# of the crontab."  Like every NAME=VALUE line, a MAILTO line applies to the
# entries after it, so a change midway changes only those.
cat >"$T/mailto.cron" <<'EOF'
0 1 * * * echo before any MAILTO
MAILTO=ops@example.com
0 2 * * * echo to ops
MAILTO="a@example.com, b@example.com"
0 3 * * * echo two addresses, double quotes
MAILTO='root'
0 4 * * * echo single quotes
MAILTO=
0 5 * * * echo empty
MAILTO=""
0 6 * * * echo empty, quoted
MAILTO = spaced@example.com  
0 7 * * * echo blanks around the equals sign
MAILTO=a@example.com,b,c@example.com
@daily echo three, no blanks
EOF
begin "MAILTO line by line: before, after, changed midway, empty, lists, quotes"
run import-crontab --user "$ME" --name mailto --json "$T/mailto.cron"
expect_rc 0
cp "$T/.out" "$T/imp.json"
case $ERR in *MAILTO*) problem "a MAILTO warning: $ERR" ;; esac
for want in "1 $ME" "3 ops@example.com" \
    "5 a@example.com, b@example.com" "7 root" "9 " "11 " \
    "13 spaced@example.com" "15 a@example.com,b,c@example.com"; do
	l=${want%% *} to=${want#* }
	got=$(at_line "$l" '[d["mail_to"], d["mail_on"]]')
	if [ -z "$to" ]; then
		[ "$got" = '[null, "output"]' ] ||
		    problem "line $l: $got, expected no mail"
	else
		[ "$got" = "[\"$to\", \"output\"]" ] ||
		    problem "line $l: $got, expected $to"
	fi
done
# MAILTO also stays in the environment, as cron leaves it.
[ "$(at_line 3 'd["env"]')" = '{"MAILTO": "ops@example.com"}' ] ||
    problem "env of line 3: $(at_line 3 'd["env"]')"
[ "$(at_line 1 'd["env"]')" = '{}' ] ||
    problem "env of line 1: $(at_line 1 'd["env"]')"
end

begin "MAILTO in a system crontab: unset, mail goes to each entry's user"
printf '%s\n' "0 1 * * * $R echo a" "0 2 * * * $N echo b" \
    'MAILTO=x@example.com' "0 3 * * * $N echo c" >"$T/etc/cron.mailto"
run import-crontab --system --json "$T/etc/cron.mailto"
expect_rc 0
cp "$T/.out" "$T/imp.json"
[ "$(at_line 1 'd["mail_to"]')" = "$R" ] || problem "line 1: $(at_line 1 'd')"
[ "$(at_line 2 'd["mail_to"]')" = "$N" ] || problem "line 2: $(at_line 2 'd')"
[ "$(at_line 4 'd["mail_to"]')" = x@example.com ] ||
    problem "line 4: $(at_line 4 'd')"
end

begin "MAILTO changed and imported again: the entries after it are updated"
sed -i 's/^MAILTO=ops@example.com$/MAILTO=ops2@example.com/' \
    "$T/mailto.cron"
run import-crontab --user "$ME" --name mailto --json "$T/mailto.cron"
expect_rc 0
cp "$T/.out" "$T/imp.json"
[ "$(grep -c '"change":"updated"' "$T/.out")" = 1 ] ||
    problem "changes: $(grep -v unchanged "$T/.out")"
[ "$(at_line 3 'd["mail_to"]')" = ops2@example.com ] ||
    problem "line 3: $(at_line 3 'd["mail_to"]')"
end

# --- bad input --------------------------------------------------------------
dbdump >"$T/dump0"
# bad NAME CODE PATTERN ARG... (lib.sh): the crontab is $BADF (made by the
# caller).
# badfile LINES...: a user crontab whose last line is the bad one
badfile() {
	BADF=$T/bad.cron
	printf '%s\n' "# a comment" "PATH=/bin" "0 1 * * * echo fine" "$@" >"$BADF"
}
badfile '61 * * * * echo x'
bad "minute out of range"	65 "$T/bad.cron:4: cron \"61 * * * *\": minute field" \
    import-crontab "$BADF"
badfile '0 0 * * mon-funday echo x'
bad "bad weekday"		65 "bad.cron:4:" import-crontab "$BADF"
badfile '0 0 * *'
bad "four fields"		65 "bad.cron:4: expected five time fields" \
    import-crontab "$BADF"
badfile '0 0 * * *'
bad "no command"		65 "bad.cron:4: no command" import-crontab "$BADF"
badfile '0 0 30 2 * echo never'
bad "never fires"		65 "bad.cron:4:" import-crontab "$BADF"
grep -q never "$T/.err" || echo "FAIL bad: never fires: message: $ERR"
badfile '@fortnightly echo x'
bad "unknown macro"		65 "bad.cron:4:" import-crontab "$BADF"
badfile 'CRON_TZ=Mars/Olympus' '0 0 * * * echo x'
bad "unknown CRON_TZ"		65 "bad.cron:4: CRON_TZ:" import-crontab "$BADF"
badfile 'SHELL=/no/such/shell'
bad "missing SHELL"		65 "bad.cron:4: SHELL \"/no/such/shell\"" \
    import-crontab "$BADF"
badfile 'SHELL=bash'
bad "relative SHELL"		65 "bad.cron:4: SHELL \"bash\"" import-crontab "$BADF"
badfile 'MAILTO=a@example.com Bcc: victim@example.com' '0 0 * * * echo x'
bad "MAILTO header injection"	65 \
    "bad.cron:4: MAILTO \"a@example.com Bcc: victim@example.com\": address" \
    import-crontab "$BADF"
badfile 'MAILTO="a@example.com,Bcc:x@example.com"' '0 0 * * * echo x'
bad "MAILTO with a header name"	65 "bad.cron:4: MAILTO" import-crontab "$BADF"
badfile "MAILTO=a@b$(printf '\t')Bcc: x" '0 0 * * * echo x'
bad "MAILTO with a tab"		65 "bad.cron:4: MAILTO" import-crontab "$BADF"
badfile 'MAILTO=a@example.com,,b@example.com'
bad "MAILTO empty item"		65 \
    "bad.cron:4: MAILTO \"a@example.com,,b@example.com\": empty address" \
    import-crontab "$BADF"
badfile 'MAILTO=-oQ/tmp/x'
bad "MAILTO a mailer option"	65 "bad.cron:4: MAILTO \"-oQ/tmp/x\": address" \
    import-crontab "$BADF"
badfile 'MAILTO=Ops <ops@example.com>'
bad "MAILTO with a display name" 65 "bad.cron:4: MAILTO" import-crontab "$BADF"
badfile '1X=2'
bad "bad variable name"		65 "bad.cron:4: variable \"1X\"" import-crontab "$BADF"
badfile 'JOBD_QUEUE=x'
bad "JOBD_ variable"		65 "bad.cron:4: variable \"JOBD_QUEUE\"" \
    import-crontab "$BADF"
badfile "0 0 * * * echo $(printf '%016384d' 0)"
bad "line too long"		65 "bad.cron:4: line too long" import-crontab "$BADF"
badfile "0 0 * * * echo dos$(printf '\r')"
bad "carriage return"		65 "bad.cron:4: a carriage return" \
    import-crontab "$BADF"
badfile "0 0 * * * echo $(printf '\033')[2J"
bad "control character"		65 "bad.cron:4: a control character" \
    import-crontab "$BADF"
printf '# ok\n0 0 * * * echo a\0b\n' >"$T/nul.cron"
bad "NUL byte"			65 "nul.cron:2: a NUL byte" import-crontab "$T/nul.cron"
printf '%s\n' "0 0 * * * $R echo x" '@daily' >"$BADF"
bad "system format without a user" 65 "bad.cron:2: expected a user" \
    import-crontab --system "$BADF"
printf '%s\n' "0 0 * * * $R" >"$BADF"
bad "system format without a command" 65 "bad.cron:1: no command" \
    import-crontab --system "$BADF"
printf '%s\n' '0 0 * * * nosuchuserxyz echo x' >"$BADF"
bad "system format, unknown user" 67 "bad.cron:1: user \"nosuchuserxyz\"" \
    import-crontab --system "$BADF"
if [ "$(id -u)" -ne 0 ]; then
	printf '%s\n' '0 0 * * * root echo x' >"$BADF"
	bad "system format, root when not root" 77 "bad.cron:1: user \"root\"" \
	    import-crontab --system "$BADF"
fi
printf '%s\n' '*/10 * * * * /usr/bin/fetch --quiet' >"$T/etc/alice.cron"
bad "a name of another source"	65 "alice.cron:1: a schedule named" \
    import-crontab --user "$ME" --name alice "$T/etc/alice.cron"
grep -q 'already exists (from crontab:-:alice)' "$T/.err" ||
    echo "FAIL bad: a name of another source: message: $ERR"
bad "a name of another source, dry run" 65 "already exists" \
    import-crontab --dry-run --user "$ME" --name alice "$T/etc/alice.cron"
badfile '61 * * * * echo x'
bad "dry run of a bad file"	65 "bad.cron:4:" import-crontab --dry-run "$BADF"
bad "missing file"		66 "$T/nope.cron" import-crontab "$T/nope.cron"
bad "a directory"		66 "$T/etc" import-crontab "$T/etc"
bad "no file"			64 "expected one crontab file" import-crontab
bad "two files"			64 "expected one crontab file" \
    import-crontab "$SYS" "$SYS"
bad "--user and --system"	64 "exclude each other" \
    import-crontab --user "$ME" --system "$SYS"
bad "--user nosuchuserxyz"	67 '"nosuchuserxyz"' \
    import-crontab --user nosuchuserxyz "$SYS"
bad "--name with a space"	64 '--name "a b"' import-crontab --name 'a b' "$SYS"
bad "unknown option"		64 '--frob' import-crontab --frob "$SYS"

begin "bad: a locked database: exit 75, nothing imported"
dbdump >"$T/dump0"
printf '%s\n' "0 1 * * * $R echo added" >>"$SYS"
db_hold_write_lock "$T/lock.fifo" "$T/lock.out"
if wait_for db_write_locked 10; then
	run import-crontab --system "$SYS"
	expect_rc 75
	expect_out_empty
	expect_err_contains "locked"
else
	problem "the lock holder never got the lock: $(cat "$T/lock.out")"
fi
exec 3>&-
wait "$HOLDER"
dbdump >"$T/dump1"
expect_same "$T/dump0" "$T/dump1" "database"
sed -i '$d' "$SYS"
end

begin "bad: a bad line after good ones imports nothing, the old set stays"
cp "$SYS" "$T/sys.bak"
printf '%s\n' "0 1 * * * $R echo added" "0 99 * * * $R echo bad" >>"$SYS"
dbdump >"$T/d0"
run import-crontab --system "$SYS"
expect_rc 65
expect_err_contains "$SYS:32: cron \"0 99 * * *\""
expect_err_contains "nothing imported"
dbdump >"$T/d1"
expect_same "$T/d0" "$T/d1" "database"
cp "$T/sys.bak" "$SYS"
end

exit 0
